/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tun_diff: the Linux tun rows of doc/behaviour.md ("Linux tun and tap")
 * as one list of requests, run on any source of Linux tun files, one
 * canonical line per step, so that tests/test_tun_diff.py can compare
 * the kernel's /dev/net/tun with a bsdtun unit line by line:
 *
 *	tun_diff kernel         /dev/net/tun, in a fresh network namespace
 *	tun_diff node PATH      a unit's device node (plain system calls)
 *	tun_diff lib ENDPOINT   a unit's control socket, through libbsdtun
 *
 * Each line is "ROW ret=R errno=NAME[ out=HEX]" (errno=0 on success).
 * With "tap" last, the same rows run on a tap (IFF_TAP), named "tap.ROW";
 * its packet is an Ethernet frame.
 * What legitimately differs is printed as a placeholder: an interface
 * name the source chose for "" or a pattern is "<auto>", a tap's MAC
 * "mmmmmm".  Every row starts from a fresh open and closes it.
 *
 * Reads need a packet: in kernel mode the program brings its tun up
 * (10.77.0.1 peer 10.77.0.2, IPv6 off) and sends PKT to the peer on a raw
 * socket; on a unit it prints "WAIT packet HEX" and its driver makes the
 * DPDK side deliver those bytes (testpmd forwarding them from another
 * unit).  In kernel mode the tun is up for writes as well (a unit's port
 * is started).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "bsdtun.h"

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

enum mode { M_KERNEL, M_NODE, M_LIB };

static enum mode mode;
/* tun (IFF_TUN) or tap (IFF_TAP, the rows' names then start "tap.") */
static unsigned int type = IFF_TUN;
static const char *prefix = "";
static const char *target; /* the node's path, the control socket */

/* One open of a Linux tun source. */
struct f {
	int fd;
	struct bsdtun *t;
	char autoname[IFNAMSIZ]; /* what "" or a pattern was answered */
};

/* ---- the three sources -------------------------------------------------- */

static int
f_open(struct f *f)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (mode == M_LIB) {
		f->t = bsdtun_open(target, O_NONBLOCK);
		return f->t != NULL ? 0 : -1;
	}
	f->fd = open(mode == M_KERNEL ? "/dev/net/tun" : target,
	             O_RDWR | O_NONBLOCK);
	return f->fd >= 0 ? 0 : -1;
}

static void
f_close(struct f *f)
{
	if (f->t != NULL)
		bsdtun_close(f->t);
	if (f->fd >= 0)
		close(f->fd);
	f->t = NULL;
	f->fd = -1;
}

static long
f_ioctl(struct f *f, unsigned long req, void *arg)
{
	if (f->t != NULL)
		return bsdtun_ioctl(f->t, req, arg);
	return ioctl(f->fd, req, arg);
}

static ssize_t
f_read(struct f *f, void *buf, size_t len)
{
	return f->t != NULL ? bsdtun_read(f->t, buf, len) :
	                      read(f->fd, buf, len);
}

static ssize_t
f_write(struct f *f, const void *buf, size_t len)
{
	return f->t != NULL ? bsdtun_write(f->t, buf, len) :
	                      write(f->fd, buf, len);
}

/* Wait up to 10 s for f to be readable. */
static void
f_wait_in(struct f *f)
{
	struct pollfd p = { .fd = f->t != NULL ? bsdtun_fd(f->t) : f->fd,
		            .events = POLLIN };

	(void)poll(&p, 1, 10000);
}

/* ---- output ------------------------------------------------------------- */

static const char *
errname(int e)
{
	static char other[16];

	switch (e) {
#define E(x)    \
	case x: \
		return #x
		E(EPERM);
		E(ENOENT);
		E(EINTR);
		E(EIO);
		E(ENXIO);
		E(EBADF);
		E(EAGAIN);
		E(ENOMEM);
		E(EACCES);
		E(EFAULT);
		E(EBUSY);
		E(EEXIST);
		E(ENODEV);
		E(EINVAL);
		E(ENOTTY);
		E(EMSGSIZE);
		E(EOPNOTSUPP);
		E(EAFNOSUPPORT);
		E(ENOBUFS);
		E(EBADFD);
		E(ENOTCONN);
		E(EPROTO);
		E(ENOSYS);
#undef E
	case 0:
		return "0";
	}
	snprintf(other, sizeof(other), "E%d", e);
	return other;
}

/* "ROW ret=R errno=E[ out=HEX]" */
static void
emit(const char *row, long ret, int err, const void *out, size_t len)
{
	const uint8_t *b = out;
	size_t i;

	printf("%s%s ret=%ld errno=%s", prefix, row, ret,
	       ret < 0 ? errname(err) : "0");
	if (out != NULL && len > 0) {
		printf(" out=");
		for (i = 0; i < len; i++)
			printf("%02x", b[i]);
	}
	printf("\n");
	fflush(stdout);
}

/* emit() of a call that returns no bytes: its errno read after it. */
#define EMIT(row, call)                       \
	do {                                  \
		long r_ = (long)(call);       \
		int e_ = errno;               \
		emit((row), r_, e_, NULL, 0); \
	} while (0)

/* The line of a request whose answer is a struct ifreq: the name (the
 * source's own choice as "<auto>"), then the other 24 bytes in hex. */
static void
emit_ifr(const char *row, long ret, int err, struct f *f,
         const struct ifreq *ifr)
{
	char name[IFNAMSIZ + 1];
	char line[160];

	memcpy(name, ifr->ifr_name, IFNAMSIZ);
	name[IFNAMSIZ] = '\0';
	if (ret == 0 && f->autoname[0] != '\0' &&
	    strcmp(name, f->autoname) == 0)
		strcpy(name, "<auto>");
	snprintf(line, sizeof(line), "%s name=%s", row, name);
	emit(line, ret, err, (const uint8_t *)ifr + IFNAMSIZ,
	     sizeof(*ifr) - IFNAMSIZ);
}

static void
ifr_fill(struct ifreq *ifr, const char *name, unsigned int flags)
{
	memset(ifr, 0xa5, sizeof(*ifr));
	memset(ifr->ifr_name, 0, sizeof(ifr->ifr_name));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	ifr->ifr_flags = (short)flags;
}

/* TUNSETIFF name flags; "" or a pattern: remember what it was answered. */
static long
set_iff(struct f *f, const char *name, unsigned int flags, struct ifreq *out,
        int *err)
{
	struct ifreq ifr;
	long r;

	ifr_fill(&ifr, name, flags);
	r = f_ioctl(f, TUNSETIFF, &ifr);
	*err = errno;
	if (r == 0 && (name[0] == '\0' || strchr(name, '%') != NULL))
		memcpy(f->autoname, ifr.ifr_name, IFNAMSIZ);
	if (out != NULL)
		*out = ifr;
	return r;
}

/* A fresh open, TUNSETIFF "" flags; exits if either fails. */
static void
linux_open(struct f *f, unsigned int flags)
{
	int err;

	if (f_open(f) < 0 || set_iff(f, "", flags, NULL, &err) < 0) {
		printf("FAIL open and TUNSETIFF 0x%x: %s\n", flags,
		       strerror(errno));
		exit(1);
	}
}

static void
fresh(struct f *f)
{
	if (f_open(f) < 0) {
		printf("FAIL open: %s\n", strerror(errno));
		exit(1);
	}
}

/* ---- kernel mode: the tun up, a packet into it -------------------------- */

/* The packet every read row reads: IPv4/UDP 10.77.0.1:4000 -> 10.77.0.2:9,
 * id 0x1234, no DF, UDP checksum 0, 32 bytes of payload. */
static uint8_t pkt[60];
/* On a tap: pkt in an Ethernet frame 02:00:00:00:00:01 -> :02. */
static uint8_t frame[14 + sizeof(pkt)];
static const uint8_t mac_tap[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t mac_peer[6] = { 2, 0, 0, 0, 0, 2 };

static void
pkt_build(void)
{
	uint32_t sum = 0;
	size_t i;

	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x45;
	pkt[3] = sizeof(pkt);
	pkt[4] = 0x12;
	pkt[5] = 0x34;
	pkt[8] = 64;
	pkt[9] = 17;
	memcpy(pkt + 12, (uint8_t[]){ 10, 77, 0, 1, 10, 77, 0, 2 }, 8);
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)pkt[i] << 8 | pkt[i + 1];
	sum = (sum >> 16) + (sum & 0xffff);
	sum += sum >> 16;
	pkt[10] = (uint8_t)(~sum >> 8);
	pkt[11] = (uint8_t)~sum;
	pkt[20] = 4000 >> 8;
	pkt[21] = 4000 & 0xff;
	pkt[23] = 9;
	pkt[25] = sizeof(pkt) - 20;
	for (i = 28; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)i;
	memcpy(frame, mac_peer, 6);
	memcpy(frame + 6, mac_tap, 6);
	frame[12] = 0x08;
	memcpy(frame + 14, pkt, sizeof(pkt));
}

static int
sysctl_set(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY);
	int ok = fd >= 0 && write(fd, v, strlen(v)) == (ssize_t)strlen(v);

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* Kernel mode only: this process's network namespace must be a fresh one,
 * with nothing but lo (the rows make interfaces and change sysctls). */
static void
kernel_setup(void)
{
	struct if_nameindex *ni = if_nameindex(), *i;
	int others = ni == NULL;

	for (i = ni; i != NULL && i->if_index != 0; i++)
		others += strcmp(i->if_name, "lo") != 0;
	if (ni != NULL)
		if_freenameindex(ni);
	if (others) {
		printf("FAIL kernel mode runs in a fresh network namespace, "
		       "only lo in it (ip netns exec NS tun_diff kernel)\n");
		exit(1);
	}
	/* no IPv6 link-local, router solicitations, MLD: nothing unasked */
	if (sysctl_set("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1") <
	            0 ||
	    sysctl_set("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1") < 0) {
		printf("FAIL disable_ipv6: %s\n", strerror(errno));
		exit(1);
	}
}

static void
kernel_up(const char *name)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	int ok;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x0a4d0001);
	ok = ioctl(s, SIOCSIFADDR, &ifr) == 0;
	if (type == IFF_TUN) {
		sin->sin_addr.s_addr = htonl(0x0a4d0002);
		ok = ok && ioctl(s, SIOCSIFDSTADDR, &ifr) == 0;
	} else {
		/* a fixed MAC, 10.77.0.0/24, the peer's MAC known: the
		 * packet goes out in frame, without ARP */
		struct arpreq ar;

		sin->sin_addr.s_addr = htonl(0xffffff00);
		ok = ok && ioctl(s, SIOCSIFNETMASK, &ifr) == 0;
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		memcpy(ifr.ifr_hwaddr.sa_data, mac_tap, 6);
		ok = ok && ioctl(s, SIOCSIFHWADDR, &ifr) == 0;
		memset(&ar, 0, sizeof(ar));
		sin = (struct sockaddr_in *)&ar.arp_pa;
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(0x0a4d0002);
		ar.arp_ha.sa_family = ARPHRD_ETHER;
		memcpy(ar.arp_ha.sa_data, mac_peer, 6);
		ar.arp_flags = ATF_PERM | ATF_COM;
		snprintf(ar.arp_dev, sizeof(ar.arp_dev), "%s", name);
		ok = ok && ioctl(s, SIOCSARP, &ar) == 0;
	}
	ok = ok && ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
	ifr.ifr_flags |= IFF_UP;
	ok = ok && ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
	close(s);
	if (!ok) {
		printf("FAIL bringing %s up: %s\n", name, strerror(errno));
		exit(1);
	}
}

/* The source's tun ready to carry packets (kernel: up; a unit: as is). */
static void
up(struct f *f)
{
	if (mode == M_KERNEL)
		kernel_up(f->autoname);
}

/* pkt queued to f: the kernel routes it into the tun; a unit's driver
 * makes the DPDK side deliver it. */
static void
inject(struct f *f)
{
	char line[64];
	size_t i;

	if (mode == M_KERNEL) {
		struct sockaddr_in to = { .sin_family = AF_INET };
		int s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);

		to.sin_addr.s_addr = htonl(0x0a4d0002);
		if (s < 0 ||
		    sendto(s, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
		           sizeof(to)) != (ssize_t)sizeof(pkt)) {
			printf("FAIL raw sendto: %s\n", strerror(errno));
			exit(1);
		}
		close(s);
	} else {
		const uint8_t *w = type == IFF_TUN ? pkt : frame;
		size_t n = type == IFF_TUN ? sizeof(pkt) : sizeof(frame);

		printf("WAIT packet ");
		for (i = 0; i < n; i++)
			printf("%02x", w[i]);
		printf("\n");
		fflush(stdout);
		if (fgets(line, sizeof(line), stdin) == NULL) {
			printf("FAIL driver gone at WAIT packet\n");
			exit(1);
		}
	}
	f_wait_in(f);
}

/* ---- the rows ----------------------------------------------------------- */

/* Each request before TUNSETIFF, on a fresh open. */
struct req {
	const char *name;
	unsigned long req;
	int kind; /* what its argument is */
	long val;
};

enum { A_VAL, A_INT, A_IFR };

/* clang-format off */
#define REQ(r, k, v) { #r, r, k, v }
static const struct req pre[] = {
	REQ(TUNGETIFF, A_IFR, 0),
	REQ(TUNGETFEATURES, A_INT, 0),
	REQ(TUNSETPERSIST, A_VAL, 0),
	REQ(TUNSETOWNER, A_VAL, 0),
	REQ(TUNSETGROUP, A_VAL, 0),
	REQ(TUNSETNOCSUM, A_VAL, 1),
	REQ(TUNSETOFFLOAD, A_VAL, 0),
	REQ(TUNSETLINK, A_VAL, ARPHRD_NONE),
	REQ(TUNSETDEBUG, A_VAL, 0),
	REQ(TUNGETSNDBUF, A_INT, 0),
	REQ(TUNSETSNDBUF, A_INT, 65536),
	REQ(TUNSETCARRIER, A_INT, 1),
	REQ(TUNGETVNETHDRSZ, A_INT, 0),
	REQ(TUNSETVNETHDRSZ, A_INT, 12),
	REQ(TUNGETVNETLE, A_INT, 0),
	REQ(TUNGETVNETBE, A_INT, 0),
	REQ(SIOCGIFHWADDR, A_IFR, 0),
};
/* clang-format on */

static long
do_req(struct f *f, const struct req *r, const char *row)
{
	struct ifreq ifr;
	int v = (int)r->val;
	long ret;
	int err;

	switch (r->kind) {
	case A_VAL:
		ret = f_ioctl(f, r->req, (void *)r->val);
		emit(row, ret, errno, NULL, 0);
		return ret;
	case A_INT:
		ret = f_ioctl(f, r->req, &v);
		emit(row, ret, errno, ret == 0 ? &v : NULL, sizeof(v));
		return ret;
	default:
		ifr_fill(&ifr, "keep", 0);
		ifr.ifr_hwaddr.sa_family = 77;
		ret = f_ioctl(f, r->req, &ifr);
		err = errno;
		/* a tap's MAC is the source's own: "mmmmmm" */
		if (ret == 0 && r->req == SIOCGIFHWADDR &&
		    memcmp(ifr.ifr_hwaddr.sa_data, "\0\0\0\0\0\0", 6) != 0)
			memset(ifr.ifr_hwaddr.sa_data, 'm', 6);
		emit_ifr(row, ret, err, f, &ifr);
		return ret;
	}
}

static void
rows_pre(void)
{
	struct ifreq ifr;
	char row[64];
	struct f f;
	size_t i;
	long r;
	static const struct {
		const char *name;
		unsigned int flags;
	} q[] = { { "attach", IFF_ATTACH_QUEUE },
		  { "detach", IFF_DETACH_QUEUE },
		  { "none", 0 } };

	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		fresh(&f);
		snprintf(row, sizeof(row), "pre.%s", pre[i].name);
		do_req(&f, &pre[i], row);
		f_close(&f);
	}
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		fresh(&f);
		ifr_fill(&ifr, "", q[i].flags);
		r = f_ioctl(&f, TUNSETQUEUE, &ifr);
		snprintf(row, sizeof(row), "pre.TUNSETQUEUE.%s", q[i].name);
		emit(row, r, errno, NULL, 0);
		f_close(&f);
	}
	fresh(&f);
	r = f_ioctl(&f, _IOW('T', 250, int), &(int){ 0 });
	emit("pre.unknown_T250", r, errno, NULL, 0);
	f_close(&f);
}

/* TUNSETIFF: every flag combination and name that matters. */
static void
rows_setiff(void)
{
	const struct {
		const char *row, *name;
		unsigned int flags;
	} s[] = {
		{ "tun", "", IFF_TUN },
		{ "tap", "", IFF_TAP },
		{ "tun_tap", "", IFF_TUN | IFF_TAP },
		{ "no_type", "", 0 },
		{ "no_pi_only", "", IFF_NO_PI },
		{ "no_pi", "", type | IFF_NO_PI },
		{ "one_queue", "", type | IFF_ONE_QUEUE },
		{ "multi_queue", "", type | IFF_MULTI_QUEUE },
		{ "vnet_hdr", "", type | IFF_VNET_HDR },
		{ "tun_excl", "", type | IFF_TUN_EXCL },
		{ "napi", "", type | IFF_NAPI },
		{ "napi_frags", "", type | IFF_NAPI | IFF_NAPI_FRAGS },
		{ "no_carrier", "", type | 0x0040 },
		{ "unknown_0004", "", type | 0x0004 },
		{ "unknown_0008", "", type | 0x0008 },
		{ "unknown_0080", "", type | 0x0080 },
		{ "attach_queue", "", type | IFF_ATTACH_QUEUE },
		{ "detach_queue", "", type | IFF_DETACH_QUEUE },
		{ "persist", "", type | IFF_PERSIST },
		{ "name_pattern", "dtun%d", type },
		{ "name_fixed", "dtun7", type | IFF_NO_PI },
		{ "name_lo", "lo", type },
		{ "name_slash", "a/b", type },
		{ "name_space", "a b", type },
		{ "name_colon", "a:b", type },
		{ "name_dot", ".", type },
		{ "name_dotdot", "..", type },
		{ "name_two_patterns", "t%d%d", type },
		{ "name_pattern_s", "t%s", type },
		{ "name_15", "abcdefghijklmno", type },
	};
	struct ifreq ifr;
	char row[96];
	struct f f;
	size_t i;
	long r;
	int err;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		fresh(&f);
		r = set_iff(&f, s[i].name, s[i].flags, &ifr, &err);
		snprintf(row, sizeof(row), "setiff.%s", s[i].row);
		emit_ifr(row, r, err, &f, &ifr);
		/* what the open says it is (EBADFD if TUNSETIFF failed) */
		ifr_fill(&ifr, "zzzz", 0);
		r = f_ioctl(&f, TUNGETIFF, &ifr);
		snprintf(row, sizeof(row), "setiff.%s.getiff", s[i].row);
		emit_ifr(row, r, errno, &f, &ifr);
		f_close(&f);
	}
	/* a 16-byte name without its NUL */
	fresh(&f);
	memset(&ifr, 0xa5, sizeof(ifr));
	memcpy(ifr.ifr_name, "abcdefghijklmnop", IFNAMSIZ);
	ifr.ifr_flags = type;
	r = f_ioctl(&f, TUNSETIFF, &ifr);
	emit_ifr("setiff.name_16", r, errno, &f, &ifr);
	f_close(&f);
	/* twice */
	fresh(&f);
	set_iff(&f, "", type, NULL, &err);
	r = set_iff(&f, "", type, &ifr, &err);
	emit_ifr("setiff.twice", r, err, &f, &ifr);
	f_close(&f);
}

/* Each request after TUNSETIFF, a fresh Linux open each. */
static void
rows_post(void)
{
	static const struct req post[] = {
		REQ(TUNGETIFF, A_IFR, 0),
		REQ(TUNGETFEATURES, A_INT, 0),
		REQ(TUNGETSNDBUF, A_INT, 0),
		REQ(TUNSETNOCSUM, A_VAL, 1),
		REQ(TUNSETNOCSUM, A_VAL, 0),
		REQ(TUNSETDEBUG, A_VAL, 0),
		REQ(TUNSETOWNER, A_VAL, -1),
		REQ(TUNSETGROUP, A_VAL, -1),
		REQ(TUNSETOWNER, A_VAL, 0),
		REQ(TUNSETGROUP, A_VAL, 0),
		REQ(TUNSETLINK, A_VAL, ARPHRD_NONE),
		REQ(TUNSETLINK, A_VAL, ARPHRD_ETHER),
		REQ(TUNSETVNETHDRSZ, A_INT, 8),
		REQ(TUNSETVNETHDRSZ, A_INT, 12),
		REQ(TUNGETVNETHDRSZ, A_INT, 0),
		REQ(TUNSETVNETLE, A_INT, 0),
		REQ(TUNGETVNETLE, A_INT, 0),
		REQ(TUNSETVNETBE, A_INT, 0),
		REQ(TUNGETVNETBE, A_INT, 0),
		REQ(SIOCGIFHWADDR, A_IFR, 0),
		REQ(SIOCSIFHWADDR, A_IFR, 0),
		REQ(TUNSIFHEAD, A_INT, 1),
		{ "unknown_T250", _IOW('T', 250, int), A_INT, 0 },
		{ "unknown_x1", _IOW('x', 1, int), A_INT, 0 },
		{ "unknown_sock_8999", 0x8999, A_IFR, 0 },
	};
	static const long offload[] = {
		0,
		TUN_F_CSUM,
		TUN_F_TSO4,
		TUN_F_CSUM | TUN_F_TSO4,
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN,
		TUN_F_CSUM | TUN_F_TSO_ECN,
		TUN_F_CSUM | TUN_F_USO4,
		TUN_F_CSUM | TUN_F_USO6,
		TUN_F_CSUM | TUN_F_USO4 | TUN_F_USO6,
		TUN_F_USO4 | TUN_F_USO6,
		TUN_F_CSUM | TUN_F_UFO,
		TUN_F_UFO,
		0x8000,
		TUN_F_CSUM | 0x8000,
	};
	struct ifreq ifr;
	char row[96];
	struct f f;
	size_t i;
	long r;
	int v;

	for (i = 0; i < sizeof(post) / sizeof(post[0]); i++) {
		linux_open(&f, type);
		snprintf(row, sizeof(row), "post.%s.%ld", post[i].name,
		         post[i].val);
		do_req(&f, &post[i], row);
		f_close(&f);
	}
	for (i = 0; i < sizeof(offload) / sizeof(offload[0]); i++) {
		linux_open(&f, type);
		r = f_ioctl(&f, TUNSETOFFLOAD, (void *)offload[i]);
		snprintf(row, sizeof(row), "post.TUNSETOFFLOAD.0x%lx",
		         offload[i]);
		emit(row, r, errno, NULL, 0);
		f_close(&f);
	}
	/* TUNSETSNDBUF, then what TUNGETSNDBUF says */
	linux_open(&f, type);
	v = 65536;
	EMIT("post.TUNSETSNDBUF.65536", f_ioctl(&f, TUNSETSNDBUF, &v));
	v = 0;
	r = f_ioctl(&f, TUNGETSNDBUF, &v);
	emit("post.TUNSETSNDBUF.65536.get", r, errno, &v, sizeof(v));
	v = 0;
	EMIT("post.TUNSETSNDBUF.0", f_ioctl(&f, TUNSETSNDBUF, &v));
	v = -1;
	EMIT("post.TUNSETSNDBUF.-1", f_ioctl(&f, TUNSETSNDBUF, &v));
	f_close(&f);
	/* TUNSETCARRIER off and on */
	linux_open(&f, type);
	v = 0;
	EMIT("post.TUNSETCARRIER.0", f_ioctl(&f, TUNSETCARRIER, &v));
	v = 1;
	EMIT("post.TUNSETCARRIER.1", f_ioctl(&f, TUNSETCARRIER, &v));
	f_close(&f);
	/* TUNSETPERSIST: IFF_PERSIST in TUNGETIFF, and off again */
	linux_open(&f, type | IFF_NO_PI);
	EMIT("post.TUNSETPERSIST.1", f_ioctl(&f, TUNSETPERSIST, (void *)1));
	ifr_fill(&ifr, "zzzz", 0);
	r = f_ioctl(&f, TUNGETIFF, &ifr);
	emit_ifr("post.TUNSETPERSIST.1.getiff", r, errno, &f, &ifr);
	EMIT("post.TUNSETPERSIST.0", f_ioctl(&f, TUNSETPERSIST, (void *)0));
	ifr_fill(&ifr, "zzzz", 0);
	r = f_ioctl(&f, TUNGETIFF, &ifr);
	emit_ifr("post.TUNSETPERSIST.0.getiff", r, errno, &f, &ifr);
	f_close(&f);
	/* TUNSETQUEUE on a single-queue file */
	linux_open(&f, type);
	ifr_fill(&ifr, "", IFF_DETACH_QUEUE);
	EMIT("post.TUNSETQUEUE.detach", f_ioctl(&f, TUNSETQUEUE, &ifr));
	ifr_fill(&ifr, "", IFF_ATTACH_QUEUE);
	EMIT("post.TUNSETQUEUE.attach", f_ioctl(&f, TUNSETQUEUE, &ifr));
	ifr_fill(&ifr, "", 0);
	EMIT("post.TUNSETQUEUE.none", f_ioctl(&f, TUNSETQUEUE, &ifr));
	f_close(&f);
}

/* Writes: what a Linux tun file takes and refuses (the tun up). */
static void
rows_write(void)
{
	static uint8_t big[20000];
	uint8_t buf[128], v6[48];
	struct f f;
	long r;

	memset(v6, 0, sizeof(v6));
	v6[0] = 0x60;
	v6[5] = sizeof(v6) - 40;
	v6[6] = 59; /* no next header */
	v6[7] = 64;
	v6[23] = 1;
	v6[39] = 2;
	/* IFF_NO_PI */
	linux_open(&f, type | IFF_NO_PI);
	up(&f);
	EMIT("write.no_pi.ipv4", f_write(&f, pkt, sizeof(pkt)));
	EMIT("write.no_pi.ipv6", f_write(&f, v6, sizeof(v6)));
	memset(buf, 0x55, sizeof(buf));
	EMIT("write.no_pi.version5", f_write(&f, buf, 40));
	EMIT("write.no_pi.one_byte_v4", f_write(&f, pkt, 1));
	EMIT("write.no_pi.empty", f_write(&f, buf, 0));
	memcpy(big, pkt, sizeof(pkt));
	r = f_write(&f, big, 16384);
	emit("write.no_pi.16384", r, errno, NULL, 0);
	r = f_write(&f, big, sizeof(big));
	emit("write.no_pi.20000", r, errno, NULL, 0);
	f_close(&f);
	/* tun_pi */
	linux_open(&f, type);
	up(&f);
	memcpy(buf, "\0\0\x08\0", 4);
	memcpy(buf + 4, pkt, sizeof(pkt));
	EMIT("write.pi.ipv4", f_write(&f, buf, 4 + sizeof(pkt)));
	EMIT("write.pi.short3", f_write(&f, buf, 3));
	EMIT("write.pi.only", f_write(&f, buf, 4));
	EMIT("write.pi.empty", f_write(&f, buf, 0));
	memcpy(buf, "\0\0\x12\x34", 4);
	EMIT("write.pi.proto_0x1234", f_write(&f, buf, 4 + sizeof(pkt)));
	memcpy(buf, "\0\0\x86\xdd", 4);
	EMIT("write.pi.proto_ipv6_v4_packet",
	     f_write(&f, buf, 4 + sizeof(pkt)));
	memcpy(buf, "\0\x01\x08\0", 4);
	EMIT("write.pi.flags_strip", f_write(&f, buf, 4 + sizeof(pkt)));
	memcpy(buf, "\0\0\x08\0", 4);
	memset(buf + 4, 0x55, 40);
	EMIT("write.pi.version5", f_write(&f, buf, 44));
	f_close(&f);
}

/* Writes on a tap: whole Ethernet frames (the tap up). */
static void
rows_write_tap(void)
{
	static uint8_t big[20000];
	uint8_t buf[128];
	struct f f;

	linux_open(&f, IFF_TAP | IFF_NO_PI);
	up(&f);
	EMIT("write.no_pi.frame", f_write(&f, frame, sizeof(frame)));
	EMIT("write.no_pi.header_only", f_write(&f, frame, 14));
	EMIT("write.no_pi.short13", f_write(&f, frame, 13));
	EMIT("write.no_pi.empty", f_write(&f, frame, 0));
	memcpy(big, frame, sizeof(frame));
	EMIT("write.no_pi.16384", f_write(&f, big, 16384));
	EMIT("write.no_pi.20000", f_write(&f, big, sizeof(big)));
	f_close(&f);
	linux_open(&f, IFF_TAP);
	up(&f);
	memcpy(buf, "\0\0\x08\0", 4);
	memcpy(buf + 4, frame, sizeof(frame));
	EMIT("write.pi.frame", f_write(&f, buf, 4 + sizeof(frame)));
	EMIT("write.pi.short3", f_write(&f, buf, 3));
	EMIT("write.pi.only", f_write(&f, buf, 4));
	EMIT("write.pi.short13", f_write(&f, buf, 4 + 13));
	EMIT("write.pi.empty", f_write(&f, buf, 0));
	memcpy(buf, "\0\0\x12\x34", 4);
	EMIT("write.pi.proto_0x1234", f_write(&f, buf, 4 + sizeof(frame)));
	f_close(&f);
}

/* One read of the packet on a fresh Linux open of flags, room bytes. */
static void
read_row(const char *row, unsigned int flags, size_t room, int again)
{
	uint8_t buf[256];
	char name[96];
	struct f f;
	ssize_t n;

	linux_open(&f, flags);
	up(&f);
	inject(&f);
	memset(buf, 0xee, sizeof(buf));
	n = f_read(&f, buf, room);
	emit(row, n, errno, n > 0 ? buf : NULL, n > 0 ? (size_t)n : 0);
	if (again) {
		n = f_read(&f, buf, sizeof(buf));
		snprintf(name, sizeof(name), "%s.again", row);
		emit(name, n, errno, n > 0 ? buf : NULL, n > 0 ? (size_t)n : 0);
	}
	f_close(&f);
}

static void
rows_read(void)
{
	uint8_t buf[64];
	struct f f;

	linux_open(&f, type);
	up(&f);
	EMIT("read.empty", f_read(&f, buf, sizeof(buf)));
	f_close(&f);
	read_row("read.pi", type, 256, 1);
	read_row("read.no_pi", type | IFF_NO_PI, 256, 0);
	read_row("read.pi.short24", type, 24, 1);
	read_row("read.pi.room4", type, 4, 0);
	read_row("read.pi.room3", type, 3, 1);
	read_row("read.pi.room0", type, 0, 1);
	read_row("read.no_pi.short20", type | IFF_NO_PI, 20, 1);
}

/* ---- IFF_VNET_HDR ---------------------------------------------------- */

/* A write of a virtio-net header (flags, gso type, hdr_len, gso_size,
 * csum_start, csum_offset; little-endian, as on this host) and body. */
static void
vnet_write(struct f *f, const char *row, size_t pi, const uint8_t *vh,
           size_t vsz, const uint8_t *body, size_t blen)
{
	static uint8_t buf[512];

	if (pi + vsz + blen > sizeof(buf) || vsz < 10) {
		fprintf(stderr, "vnet_write %s: %zu bytes\n", row,
		        pi + vsz + blen);
		exit(2);
	}
	memset(buf, 0, sizeof(buf));
	if (pi != 0)
		memcpy(buf, type == IFF_TUN ? "\0\0\x08\0" : "\0\0\x08\0", 4);
	memcpy(buf + pi, vh, 10);
	memcpy(buf + pi + vsz, body, blen);
	EMIT(row, f_write(f, buf, pi + vsz + blen));
}

static void
vnet_hdr(uint8_t *vh, uint8_t flags, uint8_t gso, uint16_t hdr_len,
         uint16_t gso_size, uint16_t start, uint16_t off)
{
	vh[0] = flags;
	vh[1] = gso;
	vh[2] = (uint8_t)hdr_len;
	vh[3] = (uint8_t)(hdr_len >> 8);
	vh[4] = (uint8_t)gso_size;
	vh[5] = (uint8_t)(gso_size >> 8);
	vh[6] = (uint8_t)start;
	vh[7] = (uint8_t)(start >> 8);
	vh[8] = (uint8_t)off;
	vh[9] = (uint8_t)(off >> 8);
}

/* Requests, writes and reads of an IFF_VNET_HDR file (rows "vnet.*"). */
static void
rows_vnet(void)
{
	static const struct req post[] = {
		REQ(TUNGETVNETHDRSZ, A_INT, 0),
		REQ(TUNSETVNETHDRSZ, A_INT, 9),
		REQ(TUNSETVNETHDRSZ, A_INT, 10),
		REQ(TUNSETVNETHDRSZ, A_INT, -1),
		REQ(TUNSETVNETHDRSZ, A_INT, 4096),
		REQ(TUNSETVNETLE, A_INT, 1),
		REQ(TUNSETVNETBE, A_INT, 1),
		REQ(TUNGETFEATURES, A_INT, 0),
	};
	/* the packet of the writes: pkt, or the frame on a tap; a TCP
	 * segment of 300 bytes after pkt's IPv4 header for GSO */
	const uint8_t *body = type == IFF_TUN ? pkt : frame;
	size_t blen = type == IFF_TUN ? sizeof(pkt) : sizeof(frame);
	size_t l2 = type == IFF_TUN ? 0 : 14;
	static uint8_t tcp[14 + 340];
	uint8_t vh[10], buf[256];
	struct ifreq ifr;
	char row[96];
	struct f f;
	size_t i;
	ssize_t n;
	int v;

	for (i = 0; i < sizeof(post) / sizeof(post[0]); i++) {
		linux_open(&f, type | IFF_VNET_HDR);
		snprintf(row, sizeof(row), "vnet.%s.%ld", post[i].name,
		         post[i].val);
		do_req(&f, &post[i], row);
		if (post[i].req == TUNSETVNETHDRSZ ||
		    post[i].req == TUNSETVNETLE) {
			v = -7;
			n = f_ioctl(&f,
			            post[i].req == TUNSETVNETLE ?
			                    TUNGETVNETLE :
			                    TUNGETVNETHDRSZ,
			            &v);
			snprintf(row, sizeof(row), "vnet.%s.%ld.get",
			         post[i].name, post[i].val);
			emit(row, n, errno, n == 0 ? &v : NULL, sizeof(v));
		}
		f_close(&f);
	}
	linux_open(&f, type | IFF_VNET_HDR);
	ifr_fill(&ifr, "zzzz", 0);
	n = f_ioctl(&f, TUNGETIFF, &ifr);
	emit_ifr("vnet.getiff", n, errno, &f, &ifr);
	f_close(&f);

	memcpy(tcp, body, l2);
	memcpy(tcp + l2, pkt, 20);
	tcp[l2 + 2] = (uint8_t)(340 >> 8);
	tcp[l2 + 3] = (uint8_t)(340 & 0xff);
	tcp[l2 + 9] = 6;
	tcp[l2 + 32] = 0x50; /* data offset 5 */
	/* writes, no tun_pi, then with it */
	for (i = 0; i < 2; i++) {
		size_t pi = i == 0 ? 0 : 4;
		const char *w = i == 0 ? "vnet.write.no_pi" : "vnet.write.pi";

		linux_open(&f, type | IFF_VNET_HDR | (i == 0 ? IFF_NO_PI : 0));
		up(&f);
#define W(what, ...)                                          \
	do {                                                  \
		vnet_hdr(vh, __VA_ARGS__);                    \
		snprintf(row, sizeof(row), "%s.%s", w, what); \
		vnet_write(&f, row, pi, vh, 10, body, blen);  \
	} while (0)
		W("plain", 0, 0, 0, 0, 0, 0);
		W("data_valid", 2, 0, 0, 0, 0, 0);
		W("csum", 1, 0, 0, 0, (uint16_t)(l2 + 20), 6);
		W("csum_at_end", 1, 0, 0, 0, (uint16_t)(blen - 8), 6);
		W("csum_past_end", 1, 0, 0, 0, (uint16_t)(blen - 7), 6);
		W("csum_start_huge", 1, 0, 0, 0, 0xfff0, 6);
		W("hdr_len_past", 0, 0, (uint16_t)(blen + 1), 0, 0, 0);
		W("hdr_len_all", 0, 0, (uint16_t)blen, 0, 0, 0);
		W("flags_unknown", 0x84, 0, 0, 0, 0, 0);
		W("gso_unknown", 0, 2, 0, 100, 0, 0);
		W("gso_size0", 0, 1, 0, 0, 0, 0);
		W("gso_udp_l4_no_csum", 0, 5, 0, 8, 0, 0);
		W("gso_small", 1, 1, 0, 1400, (uint16_t)(l2 + 20), 16);
#undef W
		vnet_hdr(vh, 1, 1, (uint16_t)(l2 + 40), 100,
		         (uint16_t)(l2 + 20), 16);
		snprintf(row, sizeof(row), "%s.gso_tcp4", w);
		vnet_write(&f, row, pi, vh, 10, tcp, l2 + 340);
		vnet_hdr(vh, 1, 1, (uint16_t)(l2 + 40), 100,
		         (uint16_t)(l2 + 20), 6);
		snprintf(row, sizeof(row), "%s.gso_tcp4_csum_off6", w);
		vnet_write(&f, row, pi, vh, 10, tcp, l2 + 340);
		snprintf(row, sizeof(row), "%s.short", w);
		EMIT(row, f_write(&f, vh, pi + 9));
		snprintf(row, sizeof(row), "%s.header_only", w);
		vnet_hdr(vh, 0, 0, 0, 0, 0, 0);
		vnet_write(&f, row, pi, vh, 10, body, 0);
		v = 12;
		(void)f_ioctl(&f, TUNSETVNETHDRSZ, &v);
		snprintf(row, sizeof(row), "%s.size12", w);
		vnet_write(&f, row, pi, vh, 12, body, blen);
		snprintf(row, sizeof(row), "%s.size12_short", w);
		vnet_write(&f, row, pi, vh, 12, body, 0);
		f_close(&f);
	}
	/* reads: the header (zeros) before the packet */
	for (i = 0; i < 5; i++) {
		static const struct {
			const char *row;
			int no_pi, size;
			size_t room;
		} r[] = {
			{ "vnet.read.pi", 0, 10, 256 },
			{ "vnet.read.no_pi", 1, 10, 256 },
			{ "vnet.read.size12", 1, 12, 256 },
			{ "vnet.read.room13", 0, 10, 13 },
			{ "vnet.read.room20", 0, 12, 20 },
		};

		linux_open(&f,
		           type | IFF_VNET_HDR | (r[i].no_pi ? IFF_NO_PI : 0));
		v = r[i].size;
		(void)f_ioctl(&f, TUNSETVNETHDRSZ, &v);
		up(&f);
		inject(&f);
		memset(buf, 0xee, sizeof(buf));
		n = f_read(&f, buf, r[i].room);
		emit(r[i].row, n, errno, n > 0 ? buf : NULL,
		     n > 0 ? (size_t)n : 0);
		f_close(&f);
	}
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "kernel") == 0) {
		mode = M_KERNEL;
	} else if (argc >= 3 && strcmp(argv[1], "node") == 0) {
		mode = M_NODE;
		target = argv[2];
	} else if (argc >= 3 && strcmp(argv[1], "lib") == 0) {
		mode = M_LIB;
		target = argv[2];
	} else {
		fprintf(stderr, "usage: tun_diff kernel|node PATH|lib ENDPOINT "
		                "[tap]\n");
		return 2;
	}
	if (strcmp(argv[argc - 1], "tap") == 0) {
		type = IFF_TAP;
		prefix = "tap.";
	}
	pkt_build();
	if (mode == M_KERNEL)
		kernel_setup();
	rows_pre();
	rows_setiff();
	rows_post();
	if (type == IFF_TUN)
		rows_write();
	else
		rows_write_tap();
	rows_read();
	rows_vnet();
	printf("END\n");
	return 0;
}
