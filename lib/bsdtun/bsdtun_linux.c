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
 */
#include <arpa/inet.h>
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
#define LINUX_FEATURES \
	(IFF_TUN | IFF_TAP | IFF_NO_PI | IFF_ONE_QUEUE | IFF_MULTI_QUEUE)
/* TUNSETIFF: the carrier off until TUNSETCARRIER 1 (Linux 6.3; Debian
 * 12's headers are 6.1's) */
#ifndef IFF_NO_CARRIER
#define IFF_NO_CARRIER 0x0040
#endif
/* Flags Linux knows that a unit cannot honour: refused EINVAL. */
#define LINUX_REFUSED (IFF_VNET_HDR | IFF_NAPI | IFF_NAPI_FRAGS)

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
	case TUNSETOFFLOAD: /* no virtio-net header: no offload to set */
		return v == 0 ? 0 : fail(EINVAL);
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

int
bsdtun_linux_write_hdr(const struct bsdtun *t, const struct iovec *iov,
                       int iovcnt, size_t total, size_t *hdr, int *family)
{
	struct tun_pi pi = { 0, 0 };
	uint8_t first = 0;

	if (t->lx.detached)
		return fail(EBADFD);
	*hdr = 0;
	if (!(t->lx.flags & IFF_NO_PI)) {
		if (total < sizeof(pi))
			return fail(EINVAL);
		bsdtun_iov_gather(&pi, iov, iovcnt, 0, sizeof(pi));
		*hdr = sizeof(pi);
	}
	if (t->unit_flags & BSDTUN_UNIT_F_TAP) {
		/* the frame's own ethertype counts, not tun_pi's (Linux) */
		if (total - *hdr < ETH_HLEN)
			return fail(EINVAL);
		*family = 0;
		return 0;
	}
	if (*hdr != 0) {
		/* an unknown protocol is queued; the PMD drops and counts it
		 * (rx_bad_family), as Linux's stack drops it after write */
		*family = ntohs(pi.proto) == ETH_P_IP   ? AF_INET :
		          ntohs(pi.proto) == ETH_P_IPV6 ? AF_INET6 :
		                                          0;
		return 0;
	}
	if (total > 0)
		bsdtun_iov_gather(&first, iov, iovcnt, 0, 1);
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
	if (t->lx.flags & IFF_NO_PI)
		return 0;
	if (room < sizeof(struct tun_pi))
		return fail(EINVAL);
	return room < len ? TUN_PKT_STRIP : 0;
}

void
bsdtun_linux_mark_cut(uint8_t *pi)
{
	struct tun_pi h;

	memcpy(&h, pi, sizeof(h));
	h.flags |= TUN_PKT_STRIP;
	memcpy(pi, &h, sizeof(h));
}
