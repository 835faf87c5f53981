/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuntest bridge ENDPOINT TUN_NAME: join a unit to a Linux kernel tun
 * device, so that the kernel's IP stack is the unit's client.
 *
 * A tun unit is put in IFHEAD mode (IPv6 reaches a client only then, as on
 * BSD).  The kernel device is opened with IFF_NO_PI (bare IP packets, the
 * family taken from the version nibble) or, with --pi, with struct tun_pi
 * (the family mapped from its ethertype).  Both headers are 4 bytes, so a
 * packet is read once into a buffer with room for one and the header is
 * rewritten in place before it is written to the other side.
 *
 * A tap unit (devarg mode=tap) is joined to a kernel tap device (IFF_TAP,
 * IFF_NO_PI): both carry whole Ethernet frames, which cross as they are,
 * any ethertype (ARP too), no header added or taken away.  A tap unit
 * answers TAPGIFNAME, on either face; --tap insists on one (a unit that
 * answers TUNGIFHEAD, which tap(4) has not, is refused as a tun unit).
 *
 * With --vnet both ends carry a struct virtio_net_hdr (10 bytes) before
 * each packet and have taken TUN_F_CSUM|TUN_F_TSO4|TUN_F_TSO6: the unit is
 * opened with the Linux personality (TUNSETIFF IFF_TUN or IFF_TAP,
 * IFF_NO_PI, IFF_VNET_HDR, then TUNSETOFFLOAD: by value, so the library
 * face only; FUSE cannot pass it to a device node), the kernel device with
 * the same flags and offloads.  Records then cross unchanged both ways,
 * header and packet, TCP super-packets of up to 64 KiB included: the
 * kernel's TSO reaches the DPDK application as LRO, its TSO the kernel's
 * stack as one GSO packet.  No IFHEAD in this mode.
 *
 * Nothing is dropped for want of room: a packet the ring to DPDK refuses
 * (ENOBUFS) stays pending, the kernel is not read until it went through,
 * and it is retried after BR_RETRY_NS, backing off to BR_RETRY_MAX while
 * the ring stays full (tun(4) never says when a write would fit); a kernel
 * write that fails EAGAIN stays pending until the tun fd polls writable,
 * and the unit is not read till then.  Packets that cannot cross at all
 * (not IP, too big, refused) are dropped and counted under a reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bsdtun.h>

#include "face.h"
#include "tuntest.h"

#define BR_BURST_MAX  256
#define BR_HDR        4     /* IFHEAD family, or struct tun_pi */
#define BR_KERNEL_MAX 65535 /* largest IP packet a tun gives */
/* A tap device's frames are larger by their Ethernet header, but the
 * device's MTU is the unit's (at most TUNMRU): BR_BUF has room. */
#define BR_BUF        (BR_HDR + BR_KERNEL_MAX)
/* --vnet: struct virtio_net_hdr, then an IP packet of up to 64 KiB (a tap:
 * with its Ethernet header), as the PMD carries a GSO record. */
#define BR_VNET_HDR   10
#define BR_VNET_BUF   (BR_VNET_HDR + BR_KERNEL_MAX + ETH_HLEN)
#define BR_VNET_OFFL  (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)
#define BR_RETRY_NS   20000   /* ENOBUFS: retry after 20 us, */
#define BR_RETRY_MAX  1000000 /* doubling up to 1 ms while nothing goes */
#define NS            1000000000ull

struct br_opts {
	const char *endpoint, *ifname, *netns;
	unsigned int burst;
	bool pi, tap, quiet, keep_mtu, vnet;
};

/* Packets read from one side, waiting to be written to the other. */
struct br_dir {
	struct bsdtun_pkt pkt[BR_BURST_MAX];
	int n, next;                    /* pending: pkt[next .. n-1] */
	uint64_t pkts, bytes;           /* delivered; bytes of IP packets
	                                 * (tap: of Ethernet frames) */
	uint64_t last_pkts, last_bytes; /* at the previous rate line */
	uint64_t waits;                 /* times the far side was full */
	uint64_t gso;                   /* --vnet: delivered with a GSO
	                                 * header (super-packets) */
};

struct br_drops {
	uint64_t not_ip;       /* from the kernel: no IPv4/IPv6 packet
	                        * (tap: shorter than an Ethernet header) */
	uint64_t family;       /* from the unit: unknown family or runt */
	uint64_t too_big;      /* from the kernel: over TUNMRU with header */
	uint64_t unit_error;   /* refused by the unit (bsdtun_write) */
	uint64_t kernel_error; /* refused by the kernel (write(2)) */
	uint64_t at_exit;      /* still pending at exit */
};

struct bridge {
	struct br_opts o;
	struct tt_face unit;
	int kfd;
	char ifname[IFNAMSIZ];
	bool tap;     /* a tap unit and a kernel tap: Ethernet frames */
	size_t uhdr;  /* header of a unit record: IFHEAD's 4 bytes, tap 0 */
	size_t koff;  /* where the kernel's bytes start in a buffer: 4 for
	               * IFF_NO_PI (room for IFHEAD), else 0 */
	size_t bufsz; /* of each packet buffer */
	int mtu;      /* the unit's, for the kernel device; 0: not read yet */
	struct br_dir to_unit, to_kernel;
	struct br_drops drop;
	int last_kerr;     /* errno of the last kernel write refused */
	uint64_t retry_ns; /* next wait for room in the ring to DPDK */
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char bridge_desc[] =
        "Join the unit to a Linux kernel tun device TUN_NAME, created (or "
        "attached to,\nif it persists) in this process's network namespace "
        "or in --netns NS, so\nthat the kernel's IP stack is the unit's "
        "client.  Configure the device with\nip(8) once it exists, e.g.\n"
        "  ip netns exec NS tuntest bridge /run/u0.sock bt0 &\n"
        "  ip -n NS addr add 10.77.0.1/24 dev bt0\n"
        "  ip -n NS addr add fd77::1/64 dev bt0 nodad\n"
        "  ip -n NS link set bt0 up\n\n"
        "A tun unit is put in IFHEAD mode so that IPv6 crosses too.  A tap "
        "unit (devarg\nmode=tap) is joined to a kernel tap device "
        "(IFF_TAP) instead: Ethernet frames\ncross as they are, both ways, "
        "any ethertype (ARP too).  A tap unit is told by\nits answer to "
        "TAPGIFNAME, on either face (--tap insists on one).  The\nkernel device's "
        "MTU is set to the unit's (for a tap, the frames' payload, as on "
        "the\nDPDK port).  Packets are forwarded both ways; none is "
        "dropped for want of\nroom (a full ring to DPDK holds the kernel "
        "side back).  A line on stderr\nevery second, unless --quiet.  "
        "SIGINT/SIGTERM ends it; then one line of\ncounters on stdout:\n"
        "  tuntest bridge: to_unit_packets N to_unit_bytes N "
        "to_kernel_packets N\n  to_kernel_bytes N unit_full_waits N "
        "kernel_full_waits N drop_not_ip N\n  drop_family N drop_too_big N "
        "drop_unit_error N drop_kernel_error N\n  drop_at_exit N   (all on "
        "one line; bytes are IP packets', a tap's\n  Ethernet frames'; "
        "on a tap, drop_not_ip and drop_family count frames\n  shorter "
        "than an Ethernet header).\n"
        "With --vnet both ends carry the virtio-net header and take "
        "TUN_F_CSUM,\nTUN_F_TSO4 and TUN_F_TSO6: the unit is opened with "
        "the Linux personality\n(TUNSETIFF IFF_NO_PI|IFF_VNET_HDR, then "
        "TUNSETOFFLOAD), the kernel device\nwith the same flags and "
        "offloads; records (header and packet, TCP\nsuper-packets of up "
        "to 64 KiB) cross unchanged, and the counters line ends\nwith "
        "to_unit_gso N to_kernel_gso N (records with a GSO header).\n"
        "ENDPOINT may be the unit's device node (plain system calls) as "
        "well as its\ncontrol socket (libbsdtun burst calls); --vnet "
        "needs the control socket.\n"
        "Exit status: 0 ended by a signal, 1 the unit or the device went "
        "away, 2 usage\nor open error.";

static const char bridge_options[] =
        "  --netns NS     create the device in network namespace NS (a name "
        "under\n                 /run/netns, or a path)\n"
        "  --pi           open the device with packet information (struct "
        "tun_pi)\n                 instead of IFF_NO_PI (tun units only)\n"
        "  --tap          the unit must be a tap unit (one is told by "
        "TAPGIFNAME\n                 anyway): join it to a kernel tap "
        "device\n"
        "  --vnet         the virtio-net header and TCP offloads on both "
        "ends\n                 (IFF_VNET_HDR, TUNSETOFFLOAD; control "
        "socket only, no --pi)\n"
        "  --keep-mtu     leave the device's MTU alone\n"
        "  --burst K      packets per burst, 1..256 (default 32)\n"
        "  --quiet        no rate line on stderr\n";

/* Returns -1 to go on, else the exit status. */
static int
bridge_parse(const struct tt_cmd *cmd, int argc, char **argv, struct br_opts *o)
{
	static const struct option lo[] = {
		{ "netns", required_argument, NULL, 'n' },
		{ "pi", no_argument, NULL, 'p' },
		{ "tap", no_argument, NULL, 't' },
		{ "keep-mtu", no_argument, NULL, 'k' },
		{ "vnet", no_argument, NULL, 'v' },
		{ "burst", required_argument, NULL, 'b' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->burst = 32;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			tt_help(cmd, stdout);
			return TT_EXIT_OK;
		case 'n':
			o->netns = optarg;
			break;
		case 'p':
			o->pi = true;
			break;
		case 't':
			o->tap = true;
			break;
		case 'k':
			o->keep_mtu = true;
			break;
		case 'v':
			o->vnet = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'b':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 ||
			    v > BR_BURST_MAX) {
				fprintf(stderr,
				        "tuntest bridge: --burst: bad "
				        "value '%s'\n",
				        optarg);
				return TT_EXIT_USAGE;
			}
			o->burst = (unsigned int)v;
			break;
		default:
			fprintf(stderr,
			        "tuntest bridge: unknown option or "
			        "missing value: %s\ntry 'tuntest bridge "
			        "--help'\n",
			        argv[optind - 1]);
			return TT_EXIT_USAGE;
		}
	}
	if (argc - optind != cmd->nargs) {
		fprintf(stderr,
		        "tuntest bridge: expected %s\ntry 'tuntest "
		        "bridge --help'\n",
		        cmd->args);
		return TT_EXIT_USAGE;
	}
	if (o->vnet && o->pi) {
		fprintf(stderr,
		        "tuntest bridge: --vnet and --pi: the virtio-net "
		        "header goes without packet information\n");
		return TT_EXIT_USAGE;
	}
	o->endpoint = argv[optind];
	o->ifname = argv[optind + 1];
	if (strlen(o->ifname) == 0 || strlen(o->ifname) >= IFNAMSIZ) {
		fprintf(stderr, "tuntest bridge: bad interface name '%s'\n",
		        o->ifname);
		return TT_EXIT_USAGE;
	}
	return -1;
}

/* ---- set-up ------------------------------------------------------------- */

static int
enter_netns(const char *ns)
{
	char path[4096];
	int fd, r;

	if (strchr(ns, '/') != NULL)
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "tuntest bridge: --netns %s: %s: %s\n", ns,
		        path, strerror(errno));
		return -1;
	}
	r = setns(fd, CLONE_NEWNET);
	if (r < 0)
		fprintf(stderr, "tuntest bridge: --netns %s: setns: %s\n", ns,
		        strerror(errno));
	close(fd);
	return r;
}

/*
 * --vnet: the unit's MTU (its BSD requests answer no more afterwards), then
 * the Linux personality with the virtio-net header and the offloads.
 */
static int
unit_vnet(struct bridge *b)
{
	struct tuninfo ti;
	struct ifreq ifr;

	b->uhdr = BR_VNET_HDR;
	b->koff = 0;
	if (!b->o.keep_mtu) {
		memset(&ti, 0, sizeof(ti));
		if (tt_face_ioctl(&b->unit, TUNGIFINFO, &ti) < 0) {
			fprintf(stderr, "tuntest bridge: TUNGIFINFO: %s\n",
			        strerror(errno));
			return -1;
		}
		b->mtu = ti.mtu;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = (short)((b->tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI |
	                        IFF_VNET_HDR);
	if (tt_face_ioctl(&b->unit, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "tuntest bridge: %s: TUNSETIFF: %s\n",
		        b->o.endpoint, strerror(errno));
		return -1;
	}
	if (tt_face_ioctl(&b->unit, TUNSETOFFLOAD,
	                  (void *)(uintptr_t)BR_VNET_OFFL) < 0) {
		fprintf(stderr, "tuntest bridge: %s: TUNSETOFFLOAD: %s\n",
		        b->o.endpoint, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Tell a tap unit from a tun unit, and put a tun unit in IFHEAD mode.
 * TAPGIFNAME answers on a tap unit only, on either face.  --tap insists:
 * without that answer it is believed when the unit refuses TUNGIFHEAD as
 * tap(4) does.  0, or -1 after a message.
 */
static int
unit_setup(struct bridge *b)
{
	struct ifreq ifr;
	int one = 1, zero = 0, head;

	if (b->o.vnet && b->unit.node) {
		fprintf(stderr,
		        "tuntest bridge: %s: --vnet needs the unit's control "
		        "socket: TUNSETOFFLOAD takes its argument by value, "
		        "which FUSE cannot pass to a device node\n",
		        b->o.endpoint);
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	b->tap = tt_face_ioctl(&b->unit, TAPGIFNAME, &ifr) == 0;
	if (!b->tap && b->o.tap) {
		if (tt_face_ioctl(&b->unit, TUNGIFHEAD, &head) == 0 ||
		    errno != ENOTTY) {
			fprintf(stderr,
			        "tuntest bridge: %s: --tap: not a tap unit "
			        "(it answers TUNGIFHEAD)\n",
			        b->o.endpoint);
			return -1;
		}
		b->tap = true;
	}
	if (b->tap) {
		if (b->o.pi) {
			fprintf(stderr,
			        "tuntest bridge: %s: --pi: a tap unit's frames "
			        "carry no packet information\n",
			        b->o.endpoint);
			return -1;
		}
		b->uhdr = 0;
		b->koff = 0;
		return b->o.vnet ? unit_vnet(b) : 0;
	}
	if (b->o.vnet)
		return unit_vnet(b);
	b->uhdr = BR_HDR;
	b->koff = b->o.pi ? 0 : BR_HDR;
	if (tt_face_ioctl(&b->unit, TUNSLMODE, &zero) < 0 ||
	    tt_face_ioctl(&b->unit, TUNSIFHEAD, &one) < 0) {
		fprintf(stderr, "tuntest bridge: %s: TUNSIFHEAD: %s%s\n",
		        b->o.endpoint, strerror(errno),
		        errno == ENOTTY && b->unit.node ?
		                " (a tap unit? --tap)" :
		                "");
		return -1;
	}
	return 0;
}

/* Create or attach to the kernel tun device; its fd, or -1. */
static int
kernel_open(struct bridge *b)
{
	struct ifreq ifr;
	int fd;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "tuntest bridge: /dev/net/tun: %s\n",
		        strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = (short)((b->tap ? IFF_TAP : IFF_TUN) |
	                        (b->o.pi ? 0 : IFF_NO_PI) |
	                        (b->o.vnet ? IFF_VNET_HDR : 0));
	memcpy(ifr.ifr_name, b->o.ifname, strlen(b->o.ifname));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "tuntest bridge: TUNSETIFF %s: %s\n",
		        b->o.ifname, strerror(errno));
		close(fd);
		return -1;
	}
	memcpy(b->ifname, ifr.ifr_name, IFNAMSIZ);
	b->ifname[IFNAMSIZ - 1] = '\0';
	if (b->o.vnet &&
	    ioctl(fd, TUNSETOFFLOAD, (unsigned long)BR_VNET_OFFL) < 0) {
		fprintf(stderr, "tuntest bridge: TUNSETOFFLOAD %s: %s\n",
		        b->ifname, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The device's MTU becomes the unit's: the two ends of one link.  On a
 * tap both count the Ethernet payload, the frame being 14 bytes more. */
static void
kernel_set_mtu(struct bridge *b)
{
	struct tuninfo ti;
	struct ifreq ifr;
	int s;

	memset(&ti, 0, sizeof(ti));
	if (b->mtu > 0) { /* --vnet: read before TUNSETIFF */
		ti.mtu = (unsigned short)b->mtu;
	} else if (tt_face_ioctl(&b->unit, TUNGIFINFO, &ti) < 0) {
		fprintf(stderr, "tuntest bridge: TUNGIFINFO: %s\n",
		        strerror(errno));
		return;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, b->ifname, IFNAMSIZ);
	ifr.ifr_mtu = ti.mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr) < 0)
		fprintf(stderr, "tuntest bridge: %s: MTU %d: %s\n", b->ifname,
		        ti.mtu, strerror(errno));
	close(s);
}

static int
dir_init(struct br_dir *d, size_t size)
{
	int i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < BR_BURST_MAX; i++)
		if ((d->pkt[i].buf = malloc(size)) == NULL)
			return -1;
	return 0;
}

static void
dir_fini(struct br_dir *d)
{
	int i;

	for (i = 0; i < BR_BURST_MAX; i++)
		free(d->pkt[i].buf);
}

/* ---- kernel -> unit ----------------------------------------------------- */

/* The IFHEAD family of an IP packet from the kernel; 0: not IP. */
static uint32_t
family_of(struct bridge *b, const uint8_t *frame, size_t len)
{
	if (len <= BR_HDR)
		return 0;
	if (b->o.pi) {
		struct tun_pi pi;

		memcpy(&pi, frame, sizeof(pi));
		if (pi.flags & TUN_PKT_STRIP)
			return 0;
		switch (ntohs(pi.proto)) {
		case ETH_P_IP:
			return AF_INET;
		case ETH_P_IPV6:
			return AF_INET6;
		}
		return 0;
	}
	switch (frame[BR_HDR] >> 4) {
	case 4:
		return AF_INET;
	case 6:
		return AF_INET6;
	}
	return 0;
}

/* Read up to a burst from the kernel.  -1: the device is gone. */
static int
kernel_read(struct bridge *b)
{
	struct br_dir *d = &b->to_unit;
	int n = 0;

	while (n < (int)b->o.burst) {
		uint8_t *frame = d->pkt[n].buf;
		ssize_t r = read(b->kfd, frame + b->koff, b->bufsz - b->koff);
		uint32_t af;

		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			fprintf(stderr, "tuntest bridge: %s: read: %s\n",
			        b->ifname, strerror(errno));
			return -1;
		}
		r += (ssize_t)b->koff;
		if (b->o.vnet) { /* header and packet as they are */
			if (r <= (ssize_t)b->uhdr ||
			    (b->tap && r < (ssize_t)b->uhdr + ETH_HLEN)) {
				b->drop.not_ip++;
				continue;
			}
			d->pkt[n++].len = (size_t)r;
			continue;
		}
		if (b->tap) { /* the frame as it is */
			if (r < ETH_HLEN)
				b->drop.not_ip++;
			else if (r > TUNMRU)
				b->drop.too_big++;
			else
				d->pkt[n++].len = (size_t)r;
			continue;
		}
		af = family_of(b, frame, (size_t)r);
		if (af == 0) {
			b->drop.not_ip++;
			continue;
		}
		if (r > TUNMRU) {
			b->drop.too_big++;
			continue;
		}
		af = htonl(af);
		memcpy(frame, &af, sizeof(af));
		d->pkt[n++].len = (size_t)r;
	}
	d->n = n;
	d->next = 0;
	return 0;
}

/* Unit gone, or a fatal error: the message is printed. */
static bool
unit_fatal(struct bridge *b, const char *what)
{
	if (errno == ENXIO || errno == EBADF || errno == EPIPE ||
	    errno == ECONNRESET || errno == ENOTCONN || errno == EIO) {
		fprintf(stderr, "tuntest bridge: %s: %s: %s\n", b->o.endpoint,
		        what, strerror(errno));
		return true;
	}
	return false;
}

/* --vnet: a record whose virtio-net header has a GSO type (its second
 * byte): a super-packet. */
static unsigned int
is_gso(const struct bridge *b, const struct bsdtun_pkt *p)
{
	return b->o.vnet && p->len > 1 && ((const uint8_t *)p->buf)[1] != 0;
}

/* Write what is pending to the unit.  0: all or some went (the rest waits
 * for room), -1: the unit is gone. */
static int
unit_write(struct bridge *b)
{
	struct br_dir *d = &b->to_unit;
	int first = d->next;

	while (d->next < d->n) {
		struct bsdtun_pkt *p = &d->pkt[d->next];
		int k, i;

		if (b->unit.node) {
			ssize_t r = write(b->unit.fd, p->buf, p->len);

			k = r < 0 ? (errno == ENOBUFS ? 0 : -1) : 1;
		} else {
			k = bsdtun_write_burst(b->unit.t, p, d->n - d->next);
		}
		if (k == 0) { /* ENOBUFS: keep them, retry */
			d->waits++;
			if (d->next > first)
				b->retry_ns = BR_RETRY_NS;
			else
				b->retry_ns = b->retry_ns * 2 < BR_RETRY_MAX ?
				                      b->retry_ns * 2 :
				                      BR_RETRY_MAX;
			return 0;
		}
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENXIO || errno == EPIPE ||
			    errno == ENOTCONN || errno == ECONNRESET) {
				fprintf(stderr,
				        "tuntest bridge: %s: write: "
				        "%s\n",
				        b->o.endpoint, strerror(errno));
				return -1;
			}
			b->drop.unit_error++; /* this packet only */
			d->next++;
			continue;
		}
		for (i = 0; i < k; i++) {
			d->bytes += p[i].len - b->uhdr;
			d->gso += is_gso(b, &p[i]);
		}
		d->pkts += (uint64_t)k;
		d->next += k;
	}
	d->n = d->next = 0;
	b->retry_ns = BR_RETRY_NS;
	return 0;
}

/* ---- unit -> kernel ----------------------------------------------------- */

/*
 * A record from the unit, made ready for the kernel: a tun unit's IFHEAD
 * family becomes struct tun_pi in place (written from it, or skipped with
 * IFF_NO_PI); a tap unit's frame goes as it is.  false: drop it (an
 * unknown family, or a runt).
 */
static bool
to_kernel_header(const struct bridge *b, struct bsdtun_pkt *p)
{
	struct tun_pi pi = { 0, 0 };
	uint32_t af;

	if (b->o.vnet) /* as it is; an empty one was refused by the library */
		return p->len > b->uhdr &&
		       (!b->tap || p->len >= b->uhdr + ETH_HLEN);
	if (b->tap)
		return p->len >= ETH_HLEN;
	if (p->len <= BR_HDR)
		return false;
	memcpy(&af, p->buf, sizeof(af));
	switch (ntohl(af)) {
	case AF_INET:
		pi.proto = htons(ETH_P_IP);
		break;
	case AF_INET6:
		pi.proto = htons(ETH_P_IPV6);
		break;
	default:
		return false;
	}
	memcpy(p->buf, &pi, sizeof(pi));
	return true;
}

/*
 * Read up to a burst from the unit.  -1: the unit is gone.  hup: the fd
 * said POLLHUP; the burst call does not tell a gone unit from an empty one,
 * bsdtun_read() does (ENXIO).
 */
static int
unit_read(struct bridge *b, bool hup)
{
	struct br_dir *d = &b->to_kernel;
	int i, j, n;

	for (i = 0; i < (int)b->o.burst; i++)
		d->pkt[i].len = b->bufsz;
	if (b->unit.node) {
		for (n = 0; n < (int)b->o.burst; n++) {
			ssize_t r = read(b->unit.fd, d->pkt[n].buf, b->bufsz);

			if (r < 0)
				break;
			d->pkt[n].len = (size_t)r;
		}
		if (n == 0 && errno != EAGAIN && errno != EINTR) {
			fprintf(stderr, "tuntest bridge: %s: read: %s\n",
			        b->o.endpoint, strerror(errno));
			return -1;
		}
	} else {
		n = bsdtun_read_burst(b->unit.t, d->pkt, (int)b->o.burst);
		if (n == 0 && hup) {
			ssize_t r =
			        bsdtun_read(b->unit.t, d->pkt[0].buf, b->bufsz);

			d->pkt[0].len = r > 0 ? (size_t)r : 0;
			n = r > 0 ? 1 : r;
		}
		if (n < 0) {
			if (unit_fatal(b, "read"))
				return -1;
			n = 0;
		}
	}
	/* Keep what may cross, with the header rewritten for the kernel. */
	for (i = j = 0; i < n; i++) {
		struct bsdtun_pkt *p = &d->pkt[i];

		if (!to_kernel_header(b, p)) {
			b->drop.family++;
			continue;
		}
		if (i != j) { /* swap buffers to close the gap */
			struct bsdtun_pkt t = d->pkt[j];

			d->pkt[j] = *p;
			*p = t;
		}
		j++;
	}
	d->n = j;
	d->next = 0;
	return 0;
}

/* Write what is pending to the kernel.  1: EAGAIN, the rest waits for
 * POLLOUT; 0: all went; -1: the device is gone. */
static int
kernel_write(struct bridge *b)
{
	struct br_dir *d = &b->to_kernel;

	while (d->next < d->n) {
		struct bsdtun_pkt *p = &d->pkt[d->next];
		ssize_t r = write(b->kfd, (uint8_t *)p->buf + b->koff,
		                  p->len - b->koff);

		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			if (e == EAGAIN) {
				d->waits++;
				return 1;
			}
			if (e == EBADFD || e == EBADF) {
				fprintf(stderr,
				        "tuntest bridge: %s: write: %s\n",
				        b->ifname, strerror(e));
				return -1;
			}
			/* EIO: the device is down.  Said once per errno. */
			if (b->last_kerr != e)
				fprintf(stderr,
				        "tuntest bridge: %s: write: %s (%s)\n",
				        b->ifname, strerror(e),
				        e == EIO ? "device down? dropped" :
				                   "dropped");
			b->last_kerr = e;
			b->drop.kernel_error++;
		} else {
			d->pkts++;
			d->bytes += p->len - b->uhdr;
			d->gso += is_gso(b, p);
		}
		d->next++;
	}
	d->n = d->next = 0;
	return 0;
}

/* ---- the loop ----------------------------------------------------------- */

static void
rate_line(struct bridge *b, uint64_t now, uint64_t start, uint64_t last)
{
	double dt = (double)(now - last) / NS;
	struct br_dir *d[2] = { &b->to_unit, &b->to_kernel };
	const char *name[2] = { "kernel->unit", "unit->kernel" };
	const struct br_drops *x = &b->drop;
	int i;

	fprintf(stderr, "tuntest bridge: %.0fs", (double)(now - start) / NS);
	for (i = 0; i < 2; i++) {
		fprintf(stderr, " | %s %" PRIu64 " (%.0f pps %.1f Mbit/s)",
		        name[i], d[i]->pkts,
		        (double)(d[i]->pkts - d[i]->last_pkts) / dt,
		        (double)(d[i]->bytes - d[i]->last_bytes) * 8 / dt /
		                1e6);
		d[i]->last_pkts = d[i]->pkts;
		d[i]->last_bytes = d[i]->bytes;
	}
	fprintf(stderr, " | dropped %" PRIu64 "\n",
	        x->not_ip + x->family + x->too_big + x->unit_error +
	                x->kernel_error);
}

static void
summary(const struct bridge *b)
{
	const struct br_drops *x = &b->drop;

	printf("tuntest bridge: to_unit_packets %" PRIu64
	       " to_unit_bytes %" PRIu64 " to_kernel_packets %" PRIu64
	       " to_kernel_bytes %" PRIu64 " unit_full_waits %" PRIu64
	       " kernel_full_waits %" PRIu64 " drop_not_ip %" PRIu64
	       " drop_family %" PRIu64 " drop_too_big %" PRIu64
	       " drop_unit_error %" PRIu64 " drop_kernel_error %" PRIu64
	       " drop_at_exit %" PRIu64,
	       b->to_unit.pkts, b->to_unit.bytes, b->to_kernel.pkts,
	       b->to_kernel.bytes, b->to_unit.waits, b->to_kernel.waits,
	       x->not_ip, x->family, x->too_big, x->unit_error, x->kernel_error,
	       x->at_exit);
	if (b->o.vnet)
		printf(" to_unit_gso %" PRIu64 " to_kernel_gso %" PRIu64,
		       b->to_unit.gso, b->to_kernel.gso);
	printf("\n");
	fflush(stdout);
}

static int
bridge_loop(struct bridge *b, const sigset_t *unblocked)
{
	uint64_t start = tt_now(), last = start;
	int ufd = tt_face_fd(&b->unit);
	bool kernel_full = false;

	while (!stop) {
		struct pollfd p[2];
		struct timespec ts;
		bool unit_full = b->to_unit.n > 0;
		uint64_t now = tt_now(), wait;
		int r;

		if (!b->o.quiet && now - last >= NS) {
			rate_line(b, now, start, last);
			last = now;
		}
		wait = unit_full  ? b->retry_ns :
		       b->o.quiet ? NS :
		                    last + NS - now;
		ts.tv_sec = (time_t)(wait / NS);
		ts.tv_nsec = (long)(wait % NS);
		/* A side with packets pending for the other is not read. */
		p[0].fd = ufd;
		p[0].events = b->to_kernel.n > 0 ? 0 : POLLIN;
		p[1].fd = b->kfd;
		p[1].events =
		        (unit_full ? 0 : POLLIN) | (kernel_full ? POLLOUT : 0);
		p[0].revents = p[1].revents = 0;
		r = ppoll(p, 2, &ts, unblocked);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "tuntest bridge: poll: %s\n",
			        strerror(errno));
			return TT_EXIT_FAIL;
		}
		if (p[1].revents & POLLNVAL)
			return TT_EXIT_FAIL;

		/* kernel -> unit */
		if (b->to_unit.n == 0 && (p[1].revents & (POLLIN | POLLERR)) &&
		    kernel_read(b) < 0)
			return TT_EXIT_FAIL;
		if (b->to_unit.n > 0 && unit_write(b) < 0)
			return TT_EXIT_FAIL;

		/* unit -> kernel */
		if (b->to_kernel.n == 0 &&
		    (p[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    unit_read(b, p[0].revents & POLLHUP) < 0)
			return TT_EXIT_FAIL;
		if (b->to_kernel.n > 0) {
			r = kernel_write(b);
			if (r < 0)
				return TT_EXIT_FAIL;
			kernel_full = r > 0;
		}
	}
	return TT_EXIT_OK;
}

static int
bridge_run(const struct tt_cmd *cmd, int argc, char **argv)
{
	struct bridge *b;
	struct sigaction sa;
	sigset_t block, unblocked;
	int r;

	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		fprintf(stderr, "tuntest bridge: %s\n", strerror(ENOMEM));
		return TT_EXIT_FAIL;
	}
	b->kfd = -1;
	b->unit.fd = -1;
	b->retry_ns = BR_RETRY_NS;
	r = bridge_parse(cmd, argc, argv, &b->o);
	if (r >= 0) {
		free(b);
		return r;
	}
	r = TT_EXIT_FAIL;
	b->bufsz = b->o.vnet ? BR_VNET_BUF : BR_BUF;
	if (dir_init(&b->to_unit, b->bufsz) < 0 ||
	    dir_init(&b->to_kernel, b->bufsz) < 0) {
		fprintf(stderr, "tuntest bridge: %s\n", strerror(ENOMEM));
		goto out;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	r = TT_EXIT_USAGE;
	if (tt_face_open(&b->unit, b->o.endpoint, O_NONBLOCK) < 0) {
		fprintf(stderr, "tuntest bridge: cannot open %s: %s\n",
		        b->o.endpoint, strerror(errno));
		b->unit.t = NULL;
		b->unit.fd = -1;
		goto out;
	}
	if (unit_setup(b) < 0)
		goto out;
	if (b->o.netns != NULL && enter_netns(b->o.netns) < 0)
		goto out;
	b->kfd = kernel_open(b);
	if (b->kfd < 0)
		goto out;
	if (!b->o.keep_mtu)
		kernel_set_mtu(b);
	fprintf(stderr, "tuntest bridge: %s <-> %s%s%s (%s), ready\n",
	        b->o.endpoint, b->ifname, b->o.netns ? " in netns " : "",
	        b->o.netns ? b->o.netns : "",
	        b->o.vnet ?
	                (b->tap ? "tap, IFF_VNET_HDR, csum tso4 tso6" :
	                          "IFF_NO_PI, IFF_VNET_HDR, csum tso4 tso6") :
	        b->tap  ? "tap, Ethernet frames" :
	        b->o.pi ? "packet info" :
	                  "IFF_NO_PI");

	/* From here SIGINT/SIGTERM come only inside ppoll(): none is lost
	 * between the loop's test of stop and its sleep. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	sigdelset(&unblocked, SIGINT);
	sigdelset(&unblocked, SIGTERM);
	r = stop ? TT_EXIT_OK : bridge_loop(b, &unblocked);
	b->drop.at_exit = (uint64_t)(b->to_unit.n - b->to_unit.next) +
	                  (uint64_t)(b->to_kernel.n - b->to_kernel.next);
	summary(b);
out:
	if (b->kfd >= 0)
		close(b->kfd);
	if (b->unit.node ? b->unit.fd >= 0 : b->unit.t != NULL)
		tt_face_close(&b->unit);
	dir_fini(&b->to_unit);
	dir_fini(&b->to_kernel);
	free(b);
	return r;
}

const struct tt_cmd tt_cmd_bridge = {
	.name = "bridge",
	.args = "ENDPOINT TUN_NAME",
	.nargs = 2,
	.brief = "join a unit to a Linux kernel tun device",
	.desc = bridge_desc,
	.options = bridge_options,
	.opts = 0,
	.run = bridge_run,
};
