/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuntest conform A B: the behaviour table of SPEC section 2, row by row,
 * against two units that the DPDK application forwards to each other
 * (dpdk-testpmd io forwarding, without retry, ports 0 <-> 1).  The client
 * on A writes, the client on B reads, so B's modes apply to what A sends.
 * Either face: control sockets go through libbsdtun, any other path is a
 * device node used with plain system calls.
 *
 * What only the DPDK side can see (drop counters, LSC events, the ethdev
 * MTU, the port stopped) is checked by the test suite around this tool.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "face.h"
#include "tuntest.h"

#define QUIET_MS  100  /* how long "nothing arrives" is watched */
#define ARRIVE_MS 2000 /* how long a packet may take to arrive */

static int failures;
static bool node; /* checking the device-node face */
static unsigned int qlen = 50;

static void
result(bool ok, int row, const char *fmt, ...)
{
	va_list ap;

	printf("%s row %2d  ", ok ? "PASS" : "FAIL", row);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

static void
exempt(int row, const char *why)
{
	printf("EXEMPT row %2d  %s\n", row, why);
}

/* Expect a call to fail with errno want (or want2). */
#define EXPECT_ERR(row, call, want, what)                                     \
	do {                                                                  \
		errno = 0;                                                    \
		long r_ = (long)(call);                                       \
		int e_ = errno;                                               \
		result(r_ == -1 && e_ == (want), row, "%s: %s (got %ld, %s)", \
		       what, strerror(want), r_,                              \
		       r_ == -1 ? strerror(e_) : "success");                  \
	} while (0)

#define EXPECT_EQ(row, got, want, what)                                    \
	do {                                                               \
		long g_ = (long)(got), w_ = (long)(want);                  \
		result(g_ == w_, row, "%s: %ld (want %ld)", what, g_, w_); \
	} while (0)

/* ---- packets ----------------------------------------------------------- */

static uint16_t
ip_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* An IPv4 packet of len bytes to 10.0.1.<dst>, payload filled from tag. */
static size_t
mk_ipv4(uint8_t *b, size_t len, uint8_t dst, uint8_t tag)
{
	size_t i;
	uint16_t c;

	memset(b, 0, 20);
	b[0] = 0x45;
	b[2] = len >> 8;
	b[3] = len & 0xff;
	b[8] = 64;
	b[9] = 253;
	b[12] = 10;
	b[13] = 0;
	b[14] = 0;
	b[15] = 1;
	b[16] = 10;
	b[17] = 0;
	b[18] = 1;
	b[19] = dst;
	c = ip_csum(b, 20);
	b[10] = c >> 8;
	b[11] = c & 0xff;
	for (i = 20; i < len; i++)
		b[i] = (uint8_t)(tag + i);
	return len;
}

static size_t
mk_ipv6(uint8_t *b, size_t len, uint8_t tag)
{
	size_t i;

	memset(b, 0, 40);
	b[0] = 0x60;
	b[4] = (len - 40) >> 8;
	b[5] = (len - 40) & 0xff;
	b[6] = 253;
	b[7] = 64;
	b[8] = 0xfd;
	b[23] = 1;
	b[24] = 0xfd;
	b[39] = 2;
	for (i = 40; i < len; i++)
		b[i] = (uint8_t)(tag + i);
	return len;
}

/* With IFHEAD: 4-byte family in network order, then the packet. */
static size_t
with_af(uint8_t *out, uint32_t af, const uint8_t *pkt, size_t len)
{
	uint32_t n = htonl(af);

	memcpy(out, &n, 4);
	memcpy(out + 4, pkt, len);
	return len + 4;
}

/* ---- helpers ----------------------------------------------------------- */

static int
wait_readable(struct tt_face *f, int ms)
{
	struct pollfd p = { .fd = tt_face_fd(f), .events = POLLIN };

	return poll(&p, 1, ms) > 0 && (p.revents & POLLIN);
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Read one packet into iov, waiting up to ARRIVE_MS for it; -1 when none
 * comes.  A wake-up may be spurious (then the read says EWOULDBLOCK and we
 * wait again), never lost.
 */
static ssize_t
recvv_one(struct tt_face *f, const struct iovec *iov, int n)
{
	int waited = 0;
	ssize_t r;

	for (;;) {
		r = tt_face_readv(f, iov, n);
		if (r >= 0 || errno != EWOULDBLOCK || waited >= ARRIVE_MS)
			return r;
		wait_readable(f, 10);
		waited += 10;
	}
}

static ssize_t
recv_one(struct tt_face *f, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return recvv_one(f, &iov, 1);
}

/* Nothing readable within QUIET_MS, and a read says EWOULDBLOCK. */
static bool
quiet(struct tt_face *f)
{
	uint8_t b[64];

	sleep_ms(QUIET_MS);
	return tt_face_read(f, b, sizeof(b)) == -1 && errno == EWOULDBLOCK;
}

/* Drain what is queued on f. */
static void
drain(struct tt_face *f)
{
	static uint8_t b[TUNMRU + 64];

	sleep_ms(QUIET_MS / 2);
	while (tt_face_read(f, b, sizeof(b)) >= 0)
		;
}

static int
ioc_int(struct tt_face *f, unsigned long req, int v)
{
	return tt_face_ioctl(f, req, &v);
}

static int
get_int(struct tt_face *f, unsigned long req)
{
	int v = -12345;

	if (tt_face_ioctl(f, req, &v) < 0)
		return -errno;
	return v;
}

static int
open_nb(struct tt_face *f, const char *path)
{
	if (tt_face_open(f, path, O_NONBLOCK) < 0) {
		fprintf(stderr, "tuntest conform: open %s: %s\n", path,
		        strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the rows ---------------------------------------------------------- */

struct ctx {
	const char *pa, *pb;
	struct tt_face a, b;
	uint8_t pkt[TUNMRU + 64], buf[TUNMRU + 64];
};

static void
row3_state(struct ctx *c)
{
	struct tuninfo ti;
	unsigned int i, got = 0;
	size_t n;

	memset(&ti, 0, sizeof(ti));
	EXPECT_EQ(3, tt_face_ioctl(&c->b, TUNGIFINFO, &ti), 0, "TUNGIFINFO");
	EXPECT_EQ(3, ti.mtu, TUNMTU, "MTU at creation");
	EXPECT_EQ(3, ti.type, TUN_IFT_PPP, "type at creation (IFT_PPP)");
	EXPECT_EQ(3, get_int(&c->b, TUNGIFHEAD), 0, "IFHEAD at creation");
	n = mk_ipv4(c->pkt, 60, 3, 3);
	EXPECT_EQ(3, tt_face_write(&c->a, c->pkt, n), 60, "write");
	EXPECT_EQ(3, recv_one(&c->b, c->buf, sizeof(c->buf)), 60,
	          "read: no LMODE header at creation");
	/* qlen + 10 packets while B reads nothing: B holds exactly qlen. */
	for (i = 0; i < qlen + 10; i++) {
		mk_ipv4(c->pkt, 40, 3, (uint8_t)i);
		while (tt_face_write(&c->a, c->pkt, 40) < 0 && errno == ENOBUFS)
			sleep_ms(1);
	}
	sleep_ms(QUIET_MS);
	while (tt_face_read(&c->b, c->buf, sizeof(c->buf)) == 40)
		got++;
	EXPECT_EQ(3, got, qlen, "packets queued to an idle client (qlen)");
}

static void
row1_busy(struct ctx *c)
{
	struct tt_face x;

	EXPECT_ERR(1, tt_face_open(&x, c->pb, O_NONBLOCK), EBUSY,
	           "second open of a held unit");
}

static void
row2_admission(struct ctx *c)
{
	pid_t pid;
	int st;

	if (geteuid() != 0) {
		struct tt_face x;

		tt_face_close(&c->b);
		EXPECT_EQ(2, tt_face_open(&x, c->pb, O_NONBLOCK), 0,
		          "open by an admitted non-root user");
		tt_face_close(&x);
		open_nb(&c->b, c->pb);
		return;
	}
	tt_face_close(&c->b);
	pid = fork();
	if (pid == 0) {
		struct tt_face x;
		gid_t g = 65534;

		if (setgroups(1, &g) < 0 || setgid(65534) < 0 ||
		    setuid(65534) < 0)
			_exit(3);
		if (tt_face_open(&x, c->pb, O_NONBLOCK) == 0)
			_exit(0);
		_exit(errno == EACCES || errno == EPERM ? 1 : 2);
	}
	waitpid(pid, &st, 0);
	result(WIFEXITED(st) && WEXITSTATUS(st) == 1, 2,
	       "open by uid 65534, not admitted: EACCES/EPERM (child status "
	       "%d)",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	open_nb(&c->b, c->pb);
}

static void
row4_persist(struct ctx *c)
{
	struct tuninfo ti = { .baudrate = 12345, .mtu = 1400, .type = 6 };
	size_t n;

	EXPECT_EQ(4, ioc_int(&c->b, TUNSIFHEAD, 1), 0, "TUNSIFHEAD 1");
	EXPECT_EQ(4, tt_face_ioctl(&c->b, TUNSIFINFO, &ti), 0,
	          "TUNSIFINFO mtu 1400 type 6 baudrate 12345");
	if (!node)
		EXPECT_EQ(4, ioc_int(&c->b, FIOSETOWN, getpid()), 0,
		          "FIOSETOWN");
	n = mk_ipv4(c->pkt, 80, 4, 4);
	tt_face_write(&c->a, c->pkt, n);
	tt_face_write(&c->a, c->pkt, n);
	sleep_ms(QUIET_MS); /* both queued to B now */
	EXPECT_EQ(4, tt_face_close(&c->b), 0, "close");
	EXPECT_EQ(4, open_nb(&c->b, c->pb), 0, "reopen");
	EXPECT_EQ(4, get_int(&c->b, TUNGIFHEAD), 1, "IFHEAD persists");
	memset(&ti, 0, sizeof(ti));
	tt_face_ioctl(&c->b, TUNGIFINFO, &ti);
	result(ti.mtu == 1400 && ti.type == 6 && ti.baudrate == 12345, 4,
	       "MTU, type, baudrate persist (%d %u %d)", ti.mtu, ti.type,
	       ti.baudrate);
	result(quiet(&c->b), 4, "packets queued at close were purged");
	if (!node)
		EXPECT_EQ(4, get_int(&c->b, FIOGETOWN), 0,
		          "async owner cleared at close");
	ti = (struct tuninfo){ .baudrate = 0,
		               .mtu = TUNMTU,
		               .type = TUN_IFT_PPP };
	tt_face_ioctl(&c->b, TUNSIFINFO, &ti);
	ioc_int(&c->b, TUNSIFHEAD, 0);
}

static volatile sig_atomic_t sigs;

static void
on_sig(int sig)
{
	(void)sig;
	sigs++;
}

static void *
late_write(void *arg)
{
	struct ctx *c = arg;
	uint8_t p[64];

	sleep_ms(50);
	mk_ipv4(p, 64, 5, 5);
	tt_face_write(&c->a, p, 64);
	return NULL;
}

static void
row5_block(struct ctx *c)
{
	struct sigaction sa = { .sa_handler = on_sig };
	pthread_t th;

	EXPECT_ERR(5, tt_face_read(&c->b, c->buf, sizeof(c->buf)), EWOULDBLOCK,
	           "non-blocking read, queue empty");
	tt_face_nonblock(&c->b, false);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART */
	alarm(1);
	EXPECT_ERR(5, tt_face_read(&c->b, c->buf, sizeof(c->buf)), EINTR,
	           "blocking read interrupted by a signal");
	alarm(0);
	pthread_create(&th, NULL, late_write, c);
	EXPECT_EQ(5, tt_face_read(&c->b, c->buf, sizeof(c->buf)), 64,
	          "blocking read returns when a packet comes");
	pthread_join(th, NULL);
	tt_face_nonblock(&c->b, true);
	EXPECT_EQ(5, ioc_int(&c->b, FIONBIO, 0), 0, "FIONBIO 0");
	EXPECT_EQ(5, ioc_int(&c->b, FIONBIO, 1), 0, "FIONBIO 1");
	EXPECT_ERR(5, tt_face_read(&c->b, c->buf, sizeof(c->buf)), EWOULDBLOCK,
	           "FIONBIO: read fails EWOULDBLOCK");
}

static void
row6_size(struct ctx *c)
{
	uint8_t p2[200], x[10], y[20], z[300];
	struct iovec iov[3] = { { x, 10 }, { y, 20 }, { z, 300 } };

	mk_ipv4(c->pkt, 100, 6, 1);
	mk_ipv4(p2, 200, 6, 2);
	tt_face_write(&c->a, c->pkt, 100);
	tt_face_write(&c->a, p2, 200);
	EXPECT_EQ(6, recv_one(&c->b, c->buf, 60), 60,
	          "short buffer: bytes copied");
	result(memcmp(c->buf, c->pkt, 60) == 0, 6,
	       "short buffer: the packet's first 60 bytes");
	EXPECT_EQ(6, recv_one(&c->b, c->buf, sizeof(c->buf)), 200,
	          "next read: the next packet (rest of the first dropped)");
	result(memcmp(c->buf, p2, 200) == 0, 6, "next packet bytes");
	tt_face_write(&c->a, c->pkt, 100);
	EXPECT_EQ(6, recvv_one(&c->b, iov, 3), 100, "readv: one packet");
	result(memcmp(x, c->pkt, 10) == 0 && memcmp(y, c->pkt + 10, 20) == 0 &&
	               memcmp(z, c->pkt + 30, 70) == 0,
	       6, "readv fills the elements in order");
}

static void
row7_framing(struct ctx *c)
{
	struct sockaddr_in sin;
	uint32_t af;

	mk_ipv4(c->pkt, 100, 77, 7);
	ioc_int(&c->b, TUNSIFHEAD, 1);
	tt_face_write(&c->a, c->pkt, 100);
	EXPECT_EQ(7, recv_one(&c->b, c->buf, sizeof(c->buf)), 104,
	          "IFHEAD: 4 + packet");
	memcpy(&af, c->buf, 4);
	result(ntohl(af) == AF_INET && !memcmp(c->buf + 4, c->pkt, 100), 7,
	       "IFHEAD: AF_INET in network order, then the packet");
	ioc_int(&c->b, TUNSLMODE, 1);
	tt_face_write(&c->a, c->pkt, 100);
	EXPECT_EQ(7, recv_one(&c->b, c->buf, sizeof(c->buf)), 116,
	          "LMODE: sockaddr_in + packet");
	memcpy(&sin, c->buf, sizeof(sin));
	result(sin.sin_family == AF_INET && sin.sin_port == 0 &&
	               sin.sin_addr.s_addr == htonl(0x0a00014d) &&
	               !memcmp(c->buf + 16, c->pkt, 100),
	       7, "LMODE: family AF_INET, port 0, destination 10.0.1.77");
	ioc_int(&c->b, TUNSLMODE, 0);
	tt_face_write(&c->a, c->pkt, 100);
	EXPECT_EQ(7, recv_one(&c->b, c->buf, sizeof(c->buf)), 100,
	          "neither: the bare packet");
	result(!memcmp(c->buf, c->pkt, 100), 7, "neither: packet bytes");
}

static void
row8_ipv6(struct ctx *c)
{
	uint8_t v6[120];
	size_t n;
	uint32_t af;

	ioc_int(&c->a, TUNSIFHEAD, 1);
	n = mk_ipv6(v6, 120, 8);
	n = with_af(c->pkt, AF_INET6, v6, n);
	EXPECT_EQ(8, tt_face_write(&c->a, c->pkt, n), (long)n,
	          "IPv6 write with IFHEAD");
	result(quiet(&c->b), 8, "IPv6 to a client without IFHEAD: dropped");
	ioc_int(&c->b, TUNSIFHEAD, 1);
	tt_face_write(&c->a, c->pkt, n);
	EXPECT_EQ(8, recv_one(&c->b, c->buf, sizeof(c->buf)), 124,
	          "IPv6 to a client with IFHEAD: delivered");
	memcpy(&af, c->buf, 4);
	result(ntohl(af) == AF_INET6 && !memcmp(c->buf + 4, v6, 120), 8,
	       "IPv6: AF_INET6 header and bytes");
	ioc_int(&c->a, TUNSIFHEAD, 0);
	ioc_int(&c->b, TUNSIFHEAD, 0);
}

static void
row9_noclient(struct ctx *c)
{
	int i;

	tt_face_close(&c->b);
	mk_ipv4(c->pkt, 64, 9, 9);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(9, tt_face_write(&c->a, c->pkt, 64), 64,
		          "write towards a unit nobody holds");
	sleep_ms(QUIET_MS);
	open_nb(&c->b, c->pb);
	result(quiet(&c->b), 9, "nothing of it is queued for the next client");
}

static void
row10_13_write(struct ctx *c)
{
	uint8_t v6[64];
	struct tuninfo ti;
	short mtu;
	size_t n;

	EXPECT_EQ(10, tt_face_write(&c->a, c->pkt, 0), 0, "write of 0 bytes");
	result(quiet(&c->b), 10, "no packet from a 0-byte write");

	memset(c->pkt, 0, sizeof(c->pkt));
	EXPECT_ERR(11, tt_face_write(&c->a, c->pkt, TUNMRU + 1), EIO,
	           "write of TUNMRU + 1 bytes");
	/* The app drops frames above the MTU (a NIC's rule): raise unit a's
	 * to TUNMRU for the whole-packet check, then put it back. */
	EXPECT_EQ(11, tt_face_ioctl(&c->a, TUNGIFINFO, &ti), 0, "TUNGIFINFO");
	mtu = ti.mtu;
	ti.mtu = TUNMRU;
	EXPECT_EQ(11, tt_face_ioctl(&c->a, TUNSIFINFO, &ti), 0,
	          "TUNSIFINFO mtu TUNMRU");
	n = mk_ipv4(c->pkt, TUNMRU, 11, 11);
	EXPECT_EQ(11, tt_face_write(&c->a, c->pkt, n), TUNMRU,
	          "write of TUNMRU bytes");
	EXPECT_EQ(11, recv_one(&c->b, c->buf, sizeof(c->buf)), TUNMRU,
	          "TUNMRU packet arrives whole (the app has scatter on)");
	ti.mtu = mtu;
	EXPECT_EQ(11, tt_face_ioctl(&c->a, TUNSIFINFO, &ti), 0,
	          "TUNSIFINFO: the MTU back");

	ioc_int(&c->a, TUNSIFHEAD, 1);
	ioc_int(&c->b, TUNSIFHEAD, 1);
	EXPECT_ERR(12, tt_face_write(&c->a, "\0\0\0", 3), EINVAL,
	           "IFHEAD write shorter than 4 bytes");
	n = mk_ipv4(v6, 64, 12, 12);
	n = with_af(c->pkt, 99, v6, n);
	EXPECT_ERR(12, tt_face_write(&c->a, c->pkt, n), EAFNOSUPPORT,
	           "IFHEAD write with family 99");
	n = mk_ipv6(v6, 64, 12);
	n = with_af(c->pkt, BSD_AF_INET6_FREEBSD, v6, n);
	EXPECT_EQ(12, tt_face_write(&c->a, c->pkt, n), (long)n,
	          "IFHEAD write with BSD AF_INET6 (28)");
	EXPECT_EQ(12, recv_one(&c->b, c->buf, sizeof(c->buf)), 68,
	          "only the valid write was queued, as IPv6");
	result(quiet(&c->b), 12, "nothing else queued");
	ioc_int(&c->a, TUNSIFHEAD, 0);
	ioc_int(&c->b, TUNSIFHEAD, 0);

	n = mk_ipv4(c->pkt, 333, 13, 13);
	EXPECT_EQ(13, tt_face_write(&c->a, c->pkt, n), 333,
	          "write returns the full length");
	EXPECT_EQ(13, recv_one(&c->b, c->buf, sizeof(c->buf)), 333,
	          "one write is one packet");
	result(quiet(&c->b), 13, "never split or merged");
}

static void
row14_poll(struct ctx *c)
{
	struct pollfd p = { .fd = tt_face_fd(&c->b),
		            .events = POLLIN | POLLOUT };
	int r;

	EXPECT_EQ(14, poll(&p, 1, 0), 1,
	          "poll on an empty queue: one fd ready");
	result(!(p.revents & POLLIN) && (p.revents & POLLOUT), 14,
	       "empty: not readable, writable (revents 0x%x)", p.revents);
	mk_ipv4(c->pkt, 90, 14, 14);
	tt_face_write(&c->a, c->pkt, 90);
	p.revents = 0;
	p.events = POLLIN;
	r = poll(&p, 1, ARRIVE_MS);
	result(r == 1 && (p.revents & POLLIN), 14,
	       "readable once a packet is queued (revents 0x%x)", p.revents);
	EXPECT_EQ(14, tt_face_read(&c->b, c->buf, sizeof(c->buf)), 90,
	          "read it");
	EXPECT_ERR(14, tt_face_read(&c->b, c->buf, sizeof(c->buf)), EWOULDBLOCK,
	           "then EWOULDBLOCK");
	p.revents = 0;
	EXPECT_EQ(14, poll(&p, 1, QUIET_MS), 0, "not readable when drained");
}

static void
row15_16_fio(struct ctx *c)
{
	struct sigaction sa = { .sa_handler = on_sig };
	int i, w, base;

	if (node) {
		exempt(15,
		       "FIONREAD on a FUSE file is answered by the Linux VFS "
		       "(doc/cdev.md)");
		exempt(16, "FIOASYNC on a FUSE file fails ENOTTY (no fasync), "
		           "FIOSETOWN cannot pass FUSE (doc/cdev.md)");
		return;
	}
	ioc_int(&c->b, TUNSIFHEAD, 1);
	mk_ipv4(c->pkt, 100, 15, 15);
	tt_face_write(&c->a, c->pkt, 100);
	for (i = 0; i < ARRIVE_MS && get_int(&c->b, FIONREAD) == 0; i++)
		sleep_ms(1);
	EXPECT_EQ(15, get_int(&c->b, FIONREAD), 104,
	          "FIONREAD: first packet with its header");
	tt_face_read(&c->b, c->buf, sizeof(c->buf));
	EXPECT_EQ(15, get_int(&c->b, FIONREAD), 0, "FIONREAD: empty");
	ioc_int(&c->b, TUNSIFHEAD, 0);

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGIO, &sa, NULL);
	EXPECT_EQ(16, ioc_int(&c->b, FIOSETOWN, getpid()), 0, "FIOSETOWN");
	EXPECT_EQ(16, get_int(&c->b, FIOGETOWN), getpid(), "FIOGETOWN");
	EXPECT_EQ(16, ioc_int(&c->b, FIOASYNC, 1), 0, "FIOASYNC 1");
	sigs = 0;
	for (i = 0; i < 5; i++) {
		base = sigs;
		tt_face_write(&c->a, c->pkt, 100);
		for (w = 0; w < ARRIVE_MS && sigs == base; w++)
			sleep_ms(1);
		tt_face_read(&c->b, c->buf, sizeof(c->buf));
	}
	EXPECT_EQ(16, sigs, 5, "SIGIO for each of 5 packets");
	EXPECT_EQ(16, ioc_int(&c->b, FIOASYNC, 0), 0, "FIOASYNC 0");
	tt_face_write(&c->a, c->pkt, 100);
	sleep_ms(QUIET_MS);
	EXPECT_EQ(16, sigs, 5, "no SIGIO once FIOASYNC is off");
	drain(&c->b);
	/*
	 * A group of our own: the PMD refuses a group the DPDK process is in
	 * (SIGIO would kill it), as it may be when testpmd was started by the
	 * same shell command.
	 */
	setpgid(0, 0);
	EXPECT_EQ(16, ioc_int(&c->b, TIOCSPGRP, getpgrp()), 0, "TIOCSPGRP");
	EXPECT_EQ(16, get_int(&c->b, TIOCGPGRP), getpgrp(), "TIOCGPGRP");
	EXPECT_EQ(16, get_int(&c->b, FIOGETOWN), -getpgrp(),
	          "FIOGETOWN after TIOCSPGRP: -pgrp");
	ioc_int(&c->b, FIOSETOWN, 0);
}

static void
rows17_22_ioctl(struct ctx *c)
{
	struct tuninfo ti = { .baudrate = 0, .mtu = 71, .type = TUN_IFT_PPP };
	uint8_t v4[64];
	size_t n;

	EXPECT_ERR(17, ioc_int(&c->b, TUNSIFMODE, IFF_BROADCAST), EBUSY,
	           "TUNSIFMODE while the port is started");

	ioc_int(&c->b, TUNSIFHEAD, 1);
	EXPECT_EQ(18, ioc_int(&c->b, TUNSLMODE, 1), 0, "TUNSLMODE 1");
	EXPECT_EQ(18, get_int(&c->b, TUNGIFHEAD), 0, "LMODE cleared IFHEAD");
	EXPECT_EQ(18, ioc_int(&c->b, TUNSIFHEAD, 5), 0, "TUNSIFHEAD 5");
	EXPECT_EQ(18, get_int(&c->b, TUNGIFHEAD), 1, "TUNGIFHEAD is 0 or 1");
	n = mk_ipv4(v4, 64, 18, 18);
	tt_face_write(&c->a, v4, n);
	EXPECT_EQ(18, recv_one(&c->b, c->buf, sizeof(c->buf)), 68,
	          "IFHEAD cleared LMODE: 4-byte header, not 16");
	ioc_int(&c->b, TUNSIFHEAD, 0);

	EXPECT_ERR(19, tt_face_ioctl(&c->b, TUNSIFINFO, &ti), EINVAL,
	           "TUNSIFINFO mtu 71");
	ti.mtu = 72;
	EXPECT_EQ(19, tt_face_ioctl(&c->b, TUNSIFINFO, &ti), 0,
	          "TUNSIFINFO mtu 72");
	ti = (struct tuninfo){ .baudrate = 64000, .mtu = 9000, .type = 0x17 };
	EXPECT_EQ(19, tt_face_ioctl(&c->b, TUNSIFINFO, &ti), 0,
	          "TUNSIFINFO mtu 9000 baudrate 64000");
	memset(&ti, 0, sizeof(ti));
	tt_face_ioctl(&c->b, TUNGIFINFO, &ti);
	result(ti.mtu == 9000 && ti.baudrate == 64000 && ti.type == 0x17, 19,
	       "TUNGIFINFO: %d %d 0x%x", ti.mtu, ti.baudrate, ti.type);
	ti = (struct tuninfo){ .baudrate = 0, .mtu = TUNMTU, .type = 0x17 };
	tt_face_ioctl(&c->b, TUNSIFINFO, &ti);

	EXPECT_EQ(20, ioc_int(&c->b, TUNSDEBUG, 3), 0, "TUNSDEBUG 3");
	EXPECT_EQ(20, get_int(&c->b, TUNGDEBUG), 3, "TUNGDEBUG");
	ioc_int(&c->b, TUNSDEBUG, 0);

	EXPECT_EQ(21, tt_face_ioctl(&c->b, TUNSIFPID, NULL), 0, "TUNSIFPID");

	EXPECT_ERR(22, tt_face_ioctl(&c->b, _IO('t', 120), NULL), ENOTTY,
	           "unknown ioctl _IO('t', 120)");
	EXPECT_ERR(22, ioc_int(&c->b, _IOW('x', 1, int), 1), ENOTTY,
	           "unknown ioctl _IOW('x', 1, int)");
}

static void
row23_close(struct ctx *c)
{
	mk_ipv4(c->pkt, 64, 23, 23);
	tt_face_write(&c->a, c->pkt, 64);
	tt_face_write(&c->a, c->pkt, 64);
	sleep_ms(QUIET_MS);
	EXPECT_EQ(23, tt_face_close(&c->b), 0, "close with 2 packets queued");
	EXPECT_EQ(23, open_nb(&c->b, c->pb), 0, "reopen at once");
	result(quiet(&c->b), 23, "the queue was purged at close");
}

static int
conform_run(const struct tt_cmd *cmd, int argc, char **argv)
{
	struct tt_opts o;
	struct ctx *c;
	int r;

	r = tt_parse(cmd, argc, argv, &o);
	if (r >= 0)
		return r;
	if (o.given & TT_OPT_COUNT)
		qlen = (unsigned int)o.count;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return TT_EXIT_FAIL;
	c->pa = o.args[0];
	c->pb = o.args[1];
	node = tt_face_is_node(c->pb);
	signal(SIGPIPE, SIG_IGN);
	if (open_nb(&c->a, c->pa) < 0 || open_nb(&c->b, c->pb) < 0)
		return TT_EXIT_USAGE;
	printf("tuntest conform: %s face, writer %s, reader %s, qlen %u\n",
	       node ? "device node" : "library", c->pa, c->pb, qlen);
	ioc_int(&c->a, TUNSIFHEAD, 0);
	drain(&c->b);

	row3_state(c);
	row1_busy(c);
	row2_admission(c);
	row4_persist(c);
	row5_block(c);
	row6_size(c);
	row7_framing(c);
	row8_ipv6(c);
	row9_noclient(c);
	row10_13_write(c);
	row14_poll(c);
	row15_16_fio(c);
	rows17_22_ioctl(c);
	row23_close(c);

	tt_face_close(&c->a);
	tt_face_close(&c->b);
	free(c);
	printf("tuntest conform: %s\n", failures ? "FAILED" : "all rows pass");
	return failures ? TT_EXIT_FAIL : TT_EXIT_OK;
}

const struct tt_cmd tt_cmd_conform = {
	.name = "conform",
	.args = "ENDPOINT_A ENDPOINT_B",
	.nargs = 2,
	.brief = "check the tun(4) behaviour table (SPEC section 2)",
	.desc = "Check every row of the tun(4) behaviour table against two "
	        "units the\n"
	        "DPDK application forwards to each other (dpdk-testpmd io "
	        "forwarding\n"
	        "without retry, a fresh port pair: row 3 checks the state at "
	        "creation;\n"
	        "--enable-scatter: row 11 sends a TUNMRU packet).\n"
	        "A writes, B reads.  An ENDPOINT that is a control socket is "
	        "used\n"
	        "through libbsdtun; any other path is a device node, used with "
	        "plain\n"
	        "system calls (rows 15 and 16 are then exempt: the Linux VFS "
	        "answers\n"
	        "FIONREAD, FIOASYNC and FIOSETOWN on FUSE files).\n"
	        "Prints one PASS/FAIL line per check, with its row; exit "
	        "status 1 on\n"
	        "any failure.  --count is the units' qlen (default 50).",
	.opts = TT_OPT_COUNT,
	.run = conform_run,
};
