/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libbsdtun: the Linux tun personality of an open (doc/behaviour.md,
 * "Linux tun and tap").  An open is BSD tun(4) until it issues TUNSETIFF;
 * from then on it answers as a Linux tun file: <linux/if_tun.h>'s
 * requests, Linux's errnos (an unknown request EINVAL, not ENOTTY), and
 * packets framed with struct tun_pi unless IFF_NO_PI.  The PMD prepends
 * tun_pi to what it queues for such an open (BSDTUN_UNIT_F_LINUX_PI); a
 * write's tun_pi, or its IP version nibble, gives the record's family.
 * A write that finds the ring to DPDK full is dropped and counted (the PMD
 * reports the count) and returns its length, as tun_get_user() does with
 * a packet its stack cannot take: Linux programs take ENOBUFS as fatal.
 * Before TUNSETIFF the Linux requests answer as on an unattached Linux
 * tun file: EBADFD, but TUNGETFEATURES and TUNSETQUEUE.
 * With IFF_VNET_HDR a struct virtio_net_hdr follows tun_pi both ways
 * (doc/behaviour.md, "The virtio-net header"): a write's is checked as
 * virtio_net_hdr_to_skb() checks it and crosses the ring as struct
 * bsdtun_rec_vnet when it says something; a read's is made from the
 * record's, zeros when there is none.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <net/if_arp.h>
#include <linux/if_tun.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "bsdtun.h"
#include "bsdtun_client.h"

/* What TUNGETFEATURES says: exactly the TUNSETIFF flags taken. */
#define LINUX_FEATURES                                                     \
	(IFF_TUN | IFF_TAP | IFF_NO_PI | IFF_ONE_QUEUE | IFF_MULTI_QUEUE | \
	 IFF_VNET_HDR)
/* TUNSETIFF: the carrier off until TUNSETCARRIER 1 (Linux 6.3; Debian
 * 12's headers are 6.1's) */
#ifndef IFF_NO_CARRIER
#define IFF_NO_CARRIER 0x0040
#endif
/* Flags Linux knows that a unit cannot honour: refused EINVAL. */
#define LINUX_REFUSED (IFF_NAPI | IFF_NAPI_FRAGS)
/* sizeof(struct virtio_net_hdr): TUNSETVNETHDRSZ's least, the first */
#define VNET_HDR_MIN  10

/* Linux's dev_valid_name(): what TUNSETIFF accepts as a name. */
static int
name_valid(const char *n)
{
	if (n[0] == '\0' || strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
		return 0;
	for (; *n != '\0'; n++)
		if (*n == '/' || *n == ':' || *n == ' ' ||
		    (*n >= '\t' && *n <= '\r'))
			return 0;
	return 1;
}

static int
fail(int err)
{
	errno = err;
	return -1;
}

/*
 * TUNSETIFF.  The type must be the unit's (a tun unit takes IFF_TUN, a
 * tap unit IFF_TAP), IFF_MULTI_QUEUE exactly when the unit has more than
 * one queue pair; the PMD checks both and TUNSETOWNER/TUNSETGROUP.  An
 * empty name or a pattern ("tun%d") is answered with the unit's name;
 * another valid name is this open's, reported by TUNGETIFF.
 */
static int
set_iff(struct bsdtun *t, struct ifreq *ifr)
{
	struct bsdtun_lsetiff a;
	char want[IFNAMSIZ];
	const char *pct;
	unsigned int fl = (unsigned short)ifr->ifr_flags;

	if (t->lx.detached)
		return fail(EINVAL);
	if (t->lx.on)
		return fail(EEXIST);
	memcpy(want, ifr->ifr_name, sizeof(want));
	want[sizeof(want) - 1] = '\0';
	if (want[0] != '\0' && !name_valid(want))
		return fail(EINVAL);
	pct = strchr(want, '%');
	/* a pattern is one "%d" (dev_alloc_name) */
	if (pct != NULL && (pct[1] != 'd' || strchr(pct + 2, '%') != NULL))
		return fail(EINVAL);
	if (!(fl & (IFF_TUN | IFF_TAP)) || (fl & LINUX_REFUSED))
		return fail(EINVAL);
	if (fl & IFF_TUN_EXCL)
		return fail(EBUSY); /* the unit exists already */
	if (fl & IFF_TUN)
		fl &= ~(unsigned int)IFF_TAP; /* Linux: IFF_TUN wins */
	memset(&a, 0, sizeof(a));
	a.flags = fl & LINUX_FEATURES;
	if (bsdtun_ioctl_remote(t, BSDTUN_IOC_LSETIFF, &a, sizeof(a), &a,
	                        sizeof(a)) < 0)
		return -1;
	a.name[sizeof(a.name) - 1] = '\0';
	t->lx.on = 1;
	t->lx.flags = fl & LINUX_FEATURES;
	t->lx.sndbuf = INT_MAX;
	t->lx.vnet_sz = VNET_HDR_MIN;
	t->lx.vnet_le = 0;
	t->lx.offload = 0;
	memset(t->lx.name, 0, sizeof(t->lx.name));
	strcpy(t->lx.name, want[0] == '\0' || pct != NULL ? a.name : want);
	memset(ifr->ifr_name, 0, sizeof(ifr->ifr_name));
	memcpy(ifr->ifr_name, t->lx.name, sizeof(ifr->ifr_name));
	if (fl & IFF_NO_CARRIER) {
		/* as TUNSETCARRIER 0 (the unit's rules apply: a client that
		 * is not root may be refused while another user holds it;
		 * the open stands, as Linux's does, with the carrier on) */
		int off = 0;

		(void)bsdtun_ioctl_remote(t, BSDTUN_IOC_LSCARRIER, &off,
		                          sizeof(off), NULL, 0);
	}
	return 0;
}

/* TUNSETQUEUE: detach this open's queue pair from the unit, or back. */
static int
set_queue(struct bsdtun *t, const struct ifreq *ifr)
{
	unsigned int fl = (unsigned short)ifr->ifr_flags;
	int attach;

	if (fl & IFF_ATTACH_QUEUE) {
		if (!t->lx.detached)
			return fail(EINVAL);
		attach = 1;
	} else if (fl & IFF_DETACH_QUEUE) {
		if (!t->lx.on || t->lx.detached ||
		    !(t->lx.flags & IFF_MULTI_QUEUE))
			return fail(EINVAL);
		attach = 0;
	} else {
		return fail(EINVAL);
	}
	if (bsdtun_ioctl_remote(t, BSDTUN_IOC_LSQUEUE, &attach, sizeof(attach),
	                        NULL, 0) < 0)
		return -1;
	t->lx.detached = !attach;
	return 0;
}

/*
 * SIOCGIFHWADDR on the file, as Linux's tun answers it: the interface's
 * link-layer address, here the DPDK port's: a tap unit's MAC (ARPHRD_ETHER),
 * none for a tun unit (ARPHRD_NONE).  The rest of ifr is the caller's.
 */
static int
get_hwaddr(struct bsdtun *t, struct ifreq *ifr)
{
	uint8_t mac[6];

	if (bsdtun_ioctl_remote(t, BSDTUN_IOC_GMAC, NULL, 0, mac, sizeof(mac)) <
	    0)
		return -1;
	/* dev_get_mac_address(): the address's bytes, or all of sa_data
	 * zeroed when there is none */
	if (t->unit_flags & BSDTUN_UNIT_F_TAP) {
		ifr->ifr_hwaddr.sa_family = ARPHRD_ETHER;
		memcpy(ifr->ifr_hwaddr.sa_data, mac, sizeof(mac));
	} else {
		ifr->ifr_hwaddr.sa_family = ARPHRD_NONE;
		memset(ifr->ifr_hwaddr.sa_data, 0,
		       sizeof(ifr->ifr_hwaddr.sa_data));
	}
	return 0;
}

/*
 * TUNSETOFFLOAD, as Linux's set_offload(): TSO and USO only with CSUM,
 * TSO_ECN only with TSO4 or TSO6, USO4 and USO6 together, UFO taken and
 * ignored; any other bit EINVAL.  The PMD learns what the reads may carry.
 */
static int
set_offload(struct bsdtun *t, unsigned int arg)
{
	unsigned int left = arg, take = 0;

	if (left & BSDTUN_TUN_F_CSUM) {
		take |= BSDTUN_TUN_F_CSUM;
		left &= ~BSDTUN_TUN_F_CSUM;
		if (left & (BSDTUN_TUN_F_TSO4 | BSDTUN_TUN_F_TSO6)) {
			take |= left & (BSDTUN_TUN_F_TSO4 | BSDTUN_TUN_F_TSO6 |
			                BSDTUN_TUN_F_TSO_ECN);
			left &= ~(BSDTUN_TUN_F_TSO4 | BSDTUN_TUN_F_TSO6 |
			          BSDTUN_TUN_F_TSO_ECN);
		}
		left &= ~BSDTUN_TUN_F_UFO;
		if ((left & (BSDTUN_TUN_F_USO4 | BSDTUN_TUN_F_USO6)) ==
		    (BSDTUN_TUN_F_USO4 | BSDTUN_TUN_F_USO6)) {
			take |= BSDTUN_TUN_F_USO4 | BSDTUN_TUN_F_USO6;
			left &= ~(BSDTUN_TUN_F_USO4 | BSDTUN_TUN_F_USO6);
		}
	}
	if (left != 0)
		return fail(EINVAL);
	if (bsdtun_ioctl_remote(t, BSDTUN_IOC_LSOFFLOAD, &take, sizeof(int),
	                        NULL, 0) < 0)
		return -1;
	t->lx.offload = take;
	return 0;
}

/* TUNGETIFF: the name and the flags this open set, IFF_PERSIST the unit's. */
static int
get_iff(struct bsdtun *t, struct ifreq *ifr)
{
	char name[BSDTUN_IFNAMSIZ];
	unsigned int fl = t->lx.flags;

	/* one round trip refreshes the unit's flags (IFF_PERSIST) */
	if (bsdtun_ioctl_remote(t, BSDTUN_IOC_GIFNAME, NULL, 0, name,
	                        sizeof(name)) < 0)
		return -1;
	if (t->unit_flags & BSDTUN_UNIT_F_PERSIST)
		fl |= IFF_PERSIST;
	fl |= IFF_NOFILTER; /* Linux: no socket filter attached */
	memset(ifr, 0, sizeof(*ifr));
	memcpy(ifr->ifr_name, t->lx.name, sizeof(ifr->ifr_name));
	ifr->ifr_flags = (short)fl;
	return 0;
}

int
bsdtun_linux_ioctl(struct bsdtun *t, const struct bsdtun_ioctl_def *d,
                   void *arg)
{
	int v = 0;

	if (d != NULL && d->api != BSDTUN_API_LINUX)
		d = NULL; /* a BSD request: unknown to a Linux tun file */
	/* the requests of an unattached file (before TUNSETIFF, detached) */
	if (d != NULL && d->req == TUNGETFEATURES) {
		unsigned int f = LINUX_FEATURES | IFF_NO_CARRIER;

		memcpy(arg, &f, sizeof(f));
		return 0;
	}
	if (d != NULL && d->req == TUNSETIFF)
		return set_iff(t, arg);
	if (d != NULL && d->req == TUNSETQUEUE)
		return set_queue(t, arg);
	if (!t->lx.on || t->lx.detached)
		return fail(EBADFD);
	if (d == NULL)
		return fail(EINVAL);
	if (d->by_value)
		v = (int)(intptr_t)arg;
	else if (d->dir == BSDTUN_ARG_IN)
		memcpy(&v, arg, sizeof(v));
	switch (d->req) {
	case TUNGETIFF:
		return get_iff(t, arg);
	case SIOCGIFHWADDR:
		return get_hwaddr(t, arg);
	case SIOCSIFHWADDR: /* the port's address is the application's */
		return fail(EPERM);
	case TUNSETOWNER:
	case TUNSETGROUP:
		if (v == -1) /* Linux: not a valid id */
			return fail(EINVAL);
		/* fall through */
	case TUNSETPERSIST:
	case TUNSETDEBUG:
	case TUNSETCARRIER:
		v = d->req == TUNSETPERSIST || d->req == TUNSETCARRIER ? !!v :
		                                                         v;
		return bsdtun_ioctl_remote(t, d->wire, &v, sizeof(v), NULL, 0);
	case TUNSETNOCSUM: /* Linux: unimplemented, succeeds */
		return 0;
	case TUNSETOFFLOAD: /* with or without IFF_VNET_HDR, as Linux */
		return set_offload(t, (unsigned int)v);
	case TUNGETVNETHDRSZ:
		memcpy(arg, &t->lx.vnet_sz, sizeof(int));
		return 0;
	case TUNSETVNETHDRSZ:
		if (v < VNET_HDR_MIN)
			return fail(EINVAL);
		t->lx.vnet_sz = v;
		return 0;
	case TUNGETVNETLE:
		memcpy(arg, &t->lx.vnet_le, sizeof(int));
		return 0;
	case TUNSETVNETLE:
		t->lx.vnet_le = v != 0;
		return 0;
	case TUNGETVNETBE: /* Linux without CONFIG_TUN_VNET_CROSS_LE */
	case TUNSETVNETBE:
		return fail(EINVAL);
	case TUNGETSNDBUF:
		memcpy(arg, &t->lx.sndbuf, sizeof(t->lx.sndbuf));
		return 0;
	case TUNSETSNDBUF:
		if (v <= 0)
			return fail(EINVAL);
		t->lx.sndbuf = v;
		return 0;
	default: /* TUNSETLINK: the link type is the unit's mode */
		return fail(EINVAL);
	}
}

/* A virtio-net header's 16-bit field in host order (the file's order:
 * little-endian after TUNSETVNETLE, else the host's own, as Linux). */
static uint16_t
vnet16(const struct bsdtun *t, uint16_t v)
{
	return t->lx.vnet_le ? le16toh(v) : v;
}

static uint16_t
vnet16_out(const struct bsdtun *t, uint16_t v)
{
	return t->lx.vnet_le ? htole16(v) : v;
}

/*
 * The virtio-net header of a write, at *hdr of total bytes: Linux's
 * tun_vnet_hdr_get() (the size, hdr_len within the write).
 */
static int
vnet_get(const struct bsdtun *t, const struct iovec *iov, int iovcnt,
         size_t total, size_t *hdr, struct bsdtun_rec_vnet *m)
{
	uint8_t raw[VNET_HDR_MIN];
	uint16_t v[4];
	uint32_t hl;

	if (total - *hdr < (size_t)t->lx.vnet_sz)
		return fail(EINVAL);
	bsdtun_iov_gather(raw, iov, iovcnt, *hdr, sizeof(raw));
	memcpy(v, raw + 2, sizeof(v));
	memset(m, 0, sizeof(*m));
	m->flags = raw[0];
	m->gso_type = raw[1];
	m->hdr_len = vnet16(t, v[0]);
	m->gso_size = vnet16(t, v[1]);
	m->csum_start = vnet16(t, v[2]);
	m->csum_offset = vnet16(t, v[3]);
	hl = m->hdr_len;
	if (m->flags & BSDTUN_VNET_F_NEEDS_CSUM) {
		uint32_t end = (uint32_t)m->csum_start + m->csum_offset + 2;

		hl = end > hl ? end : hl;
		m->hdr_len = (uint16_t)hl; /* Linux: cut to 16 bits too */
	}
	if (hl > total - *hdr - sizeof(raw))
		return fail(EINVAL);
	*hdr += (size_t)t->lx.vnet_sz;
	return 0;
}

/*
 * Linux's virtio_net_hdr_to_skb() on the len bytes of the packet (from
 * its IP header, or its Ethernet header on a tap): EINVAL for what it
 * refuses; *use when there is a checksum or a real GSO to pass on (a GSO
 * packet no larger than one segment is an ordinary one).
 */
static int
vnet_check(struct bsdtun_rec_vnet *m, size_t len, int *use)
{
	uint32_t thlen = 0, nh_min = 20, p_off = 0, nh_off;
	unsigned int base = m->gso_type & ~BSDTUN_VNET_GSO_ECN;
	int gso = m->gso_type != BSDTUN_VNET_GSO_NONE;

	if (gso) {
		switch (base) {
		case BSDTUN_VNET_GSO_TCPV6:
			nh_min = 40;
			/* fall through */
		case BSDTUN_VNET_GSO_TCPV4:
			thlen = 20;
			break;
		case BSDTUN_VNET_GSO_UDP:
		case BSDTUN_VNET_GSO_UDP_L4:
			thlen = 8;
			break;
		default:
			return fail(EINVAL);
		}
		if (m->gso_size == 0)
			return fail(EINVAL);
	}
	if (m->flags & BSDTUN_VNET_F_NEEDS_CSUM) {
		uint32_t need = (uint32_t)m->csum_offset + 2;

		need = m->csum_start + (thlen > need ? thlen : need);
		if (need > len)
			return fail(EINVAL);
		p_off = (uint32_t)m->csum_start + thlen;
	} else if (gso) {
		p_off = nh_min + thlen;
		if (p_off > len)
			return fail(EINVAL);
	}
	*use = (m->flags &
	        (BSDTUN_VNET_F_NEEDS_CSUM | BSDTUN_VNET_F_DATA_VALID)) != 0;
	m->flags &= BSDTUN_VNET_F_NEEDS_CSUM | BSDTUN_VNET_F_DATA_VALID;
	if (!(m->flags & BSDTUN_VNET_F_NEEDS_CSUM)) {
		m->csum_start = 0;
		m->csum_offset = 0;
	}
	if (!gso)
		return 0;
	nh_off = p_off;
	switch (base) {
	case BSDTUN_VNET_GSO_UDP:
		nh_off -= thlen; /* UFO: gso_size counts the UDP header */
		break;
	case BSDTUN_VNET_GSO_UDP_L4:
		if (!(m->flags & BSDTUN_VNET_F_NEEDS_CSUM) ||
		    m->csum_offset != 6 || len - p_off > m->gso_size * 128u ||
		    (m->gso_type & BSDTUN_VNET_GSO_ECN))
			return fail(EINVAL);
		break;
	default: /* TCP */
		if ((m->flags & BSDTUN_VNET_F_NEEDS_CSUM) &&
		    m->csum_offset != 16)
			return fail(EINVAL);
		break;
	}
	if (m->gso_size == 0xffff) /* GSO_BY_FRAGS */
		return fail(EINVAL);
	if (len - nh_off > m->gso_size) {
		*use = 1;
	} else {
		m->gso_type = BSDTUN_VNET_GSO_NONE;
		m->gso_size = 0;
	}
	return 0;
}

int
bsdtun_linux_write_hdr(const struct bsdtun *t, const struct iovec *iov,
                       int iovcnt, size_t total, size_t *hdr, int *family,
                       struct bsdtun_rec_vnet *m, int *use)
{
	struct tun_pi pi = { 0, 0 };
	uint8_t first = 0;

	if (t->lx.detached)
		return fail(EBADFD);
	*hdr = 0;
	*use = 0;
	if (!(t->lx.flags & IFF_NO_PI)) {
		if (total < sizeof(pi))
			return fail(EINVAL);
		bsdtun_iov_gather(&pi, iov, iovcnt, 0, sizeof(pi));
		*hdr = sizeof(pi);
	}
	if ((t->lx.flags & IFF_VNET_HDR) &&
	    vnet_get(t, iov, iovcnt, total, hdr, m) < 0)
		return -1;
	if (t->unit_flags & BSDTUN_UNIT_F_TAP) {
		/* the frame's own ethertype counts, not tun_pi's (Linux) */
		if (total - *hdr < ETH_HLEN)
			return fail(EINVAL);
		if ((t->lx.flags & IFF_VNET_HDR) &&
		    ((m->hdr_len != 0 && m->hdr_len < ETH_HLEN) ||
		     vnet_check(m, total - *hdr, use) < 0))
			return fail(EINVAL);
		*family = 0;
		return 0;
	}
	if ((t->lx.flags & IFF_VNET_HDR) &&
	    vnet_check(m, total - *hdr, use) < 0)
		return -1;
	if (!(t->lx.flags & IFF_NO_PI)) {
		/* an unknown protocol is queued; the PMD drops and counts it
		 * (rx_bad_family), as Linux's stack drops it after write */
		*family = ntohs(pi.proto) == ETH_P_IP   ? AF_INET :
		          ntohs(pi.proto) == ETH_P_IPV6 ? AF_INET6 :
		                                          0;
		return 0;
	}
	if (total > *hdr)
		bsdtun_iov_gather(&first, iov, iovcnt, *hdr, 1);
	switch (first >> 4) {
	case 4:
		*family = AF_INET;
		return 0;
	case 6:
		*family = AF_INET6;
		return 0;
	default: /* an empty write too */
		return fail(EINVAL);
	}
}

void
bsdtun_linux_drop_full(struct bsdtun *t)
{
	/* our own count, published: never read back from the region */
	t->lx.full_drops++;
	__atomic_store_n(&t->hdr->to_dpdk_full_drops, t->lx.full_drops,
	                 __ATOMIC_RELAXED);
}

int
bsdtun_linux_read_check(const struct bsdtun *t, size_t len, size_t room)
{
	size_t pi = t->lx.flags & IFF_NO_PI ? 0 : sizeof(struct tun_pi);

	if (room < pi)
		return fail(EINVAL);
	if ((t->lx.flags & IFF_VNET_HDR) && room - pi < (size_t)t->lx.vnet_sz)
		return fail(EINVAL);
	return pi != 0 && room < len ? TUN_PKT_STRIP : 0;
}

/* Write len bytes of src (NULL: zeros) at off of iov; returns bytes put. */
static size_t
iov_put(const struct iovec *iov, int iovcnt, size_t off, const void *src,
        size_t len)
{
	size_t done = 0;
	int i;

	for (i = 0; i < iovcnt && done < len; i++) {
		size_t l = iov[i].iov_len, n;

		if (off >= l) {
			off -= l;
			continue;
		}
		n = l - off < len - done ? l - off : len - done;
		if (src != NULL)
			memcpy((uint8_t *)iov[i].iov_base + off,
			       (const uint8_t *)src + done, n);
		else
			memset((uint8_t *)iov[i].iov_base + off, 0, n);
		done += n;
		off = 0;
	}
	return done;
}

ssize_t
bsdtun_linux_read_vnet(const struct bsdtun *t, const struct iovec *iov,
                       int iovcnt, size_t room, const uint8_t *rec,
                       uint32_t len, uint16_t rflags)
{
	struct bsdtun_rec_vnet m;
	uint8_t pfx[sizeof(struct tun_pi) + VNET_HDR_MIN];
	size_t pi = t->lx.flags & IFF_NO_PI ? 0 : sizeof(struct tun_pi);
	size_t vsz = (size_t)t->lx.vnet_sz, want, n;
	int have = 0;

	if ((rflags & BSDTUN_REC_F_VNET) && len >= BSDTUN_REC_VNET) {
		memcpy(&m, rec, sizeof(m));
		rec += BSDTUN_REC_VNET;
		len -= BSDTUN_REC_VNET;
		have = 1;
	}
	if (len < pi) /* the PMD puts tun_pi first: never */
		return fail(EIO);
	if (bsdtun_linux_read_check(t, len + vsz, room) < 0)
		return -1;
	want = len + vsz;
	memcpy(pfx, rec, pi);
	if (pi != 0 && room < want)
		bsdtun_linux_mark_cut(pfx);
	bsdtun_linux_vnet_out(t, have ? &m : NULL, pfx + pi);
	n = iov_put(iov, iovcnt, 0, pfx, pi + VNET_HDR_MIN);
	n += iov_put(iov, iovcnt, n, NULL, vsz - VNET_HDR_MIN);
	n += iov_put(iov, iovcnt, n, rec + pi, len - pi);
	return (ssize_t)n;
}

void
bsdtun_linux_mark_cut(uint8_t *pi)
{
	struct tun_pi h;

	memcpy(&h, pi, sizeof(h));
	h.flags |= TUN_PKT_STRIP;
	memcpy(pi, &h, sizeof(h));
}

void
bsdtun_linux_vnet_out(const struct bsdtun *t, const struct bsdtun_rec_vnet *m,
                      uint8_t *out)
{
	uint16_t v[4] = { 0, 0, 0, 0 };

	memset(out, 0, VNET_HDR_MIN);
	if (m == NULL)
		return;
	out[0] = m->flags;
	out[1] = m->gso_type;
	v[0] = vnet16_out(t, m->hdr_len);
	v[1] = vnet16_out(t, m->gso_size);
	v[2] = vnet16_out(t, m->csum_start);
	v[3] = vnet16_out(t, m->csum_offset);
	memcpy(out + 2, v, sizeof(v));
}
