/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuntest conform A B: the tun(4) behaviour table (doc/behaviour.md), one
 * behaviour after the other, against two units that the DPDK application
 * forwards to each other (dpdk-testpmd io forwarding, without retry, ports
 * 0 <-> 1).  The client on A writes, the client on B reads, so B's modes
 * apply to what A sends.  Either face: control sockets go through
 * libbsdtun, any other path is a device node used with plain system calls.
 * This is the one implementation of the behaviour checks: the test suite
 * runs it on both faces, a behaviour at a time (--only), and checks what
 * only the DPDK side can see (drop counters, LSC events, the ethdev MTU)
 * around it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "face.h"
#include "pkt.h"
#include "tuntest.h"

#define QUIET_MS  100 /* how long "nothing arrives" is watched */
/*
 * How long a packet that must come may take: only a broken run waits it
 * out (a loaded machine may deschedule the app's lcore for seconds).
 */
#define ARRIVE_MS 60000
#define BUF_MAX   (TUNMRU + 64)

static int failures;
static bool node;          /* checking the device-node face */
static bool preload;       /* the node's path through the preload face */
static bool pause_for_app; /* --pause: WAIT where the app must act */
static unsigned int qlen = 50;
static const char *cur; /* the behaviour being checked */
static int cur_row;

static void
result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s row %2d %s: ", ok ? "PASS" : "FAIL", cur_row, cur);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

static void
exempt(const char *why)
{
	printf("EXEMPT row %2d %s: %s\n", cur_row, cur, why);
}

/* With --pause: tell the driver what the app must do now, wait for it. */
static bool
wait_app(const char *what)
{
	char line[64];

	if (!pause_for_app)
		return false;
	printf("WAIT %s\n", what);
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL) {
		result(false, "driver gone at WAIT %s", what);
		return false;
	}
	return true;
}

/* Expect a call to fail with errno want. */
#define EXPECT_ERR(call, want, ...)                                          \
	do {                                                                 \
		char w_[200];                                                \
		errno = 0;                                                   \
		long r_ = (long)(call);                                      \
		int e_ = errno;                                              \
		snprintf(w_, sizeof(w_), __VA_ARGS__);                       \
		result(r_ == -1 && e_ == (want), "%s: %s (got %ld, %s)", w_, \
		       strerror(want), r_,                                   \
		       r_ == -1 ? strerror(e_) : "success");                 \
	} while (0)

#define EXPECT_EQ(got, want, ...)                                   \
	do {                                                        \
		char w_[200];                                       \
		long g_ = (long)(got), v_ = (long)(want);           \
		snprintf(w_, sizeof(w_), __VA_ARGS__);              \
		result(g_ == v_, "%s: %ld (want %ld)", w_, g_, v_); \
	} while (0)

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
 * wait again), never lost.  A read that must fail (EINVAL) goes through
 * here too: it must meet the packet, not an empty queue.
 */
static ssize_t
recvv_one(struct tt_face *f, const struct iovec *iov, int n)
{
	uint64_t end = tt_now() + (uint64_t)ARRIVE_MS * 1000000;
	ssize_t r;

	for (;;) {
		uint64_t now;

		r = tt_face_readv(f, iov, n);
		if (r >= 0 || errno != EWOULDBLOCK)
			return r;
		now = tt_now();
		if (now >= end)
			return r;
		wait_readable(f, (int)((end - now) / 1000000) + 1);
	}
}

static ssize_t
recv_one(struct tt_face *f, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return recvv_one(f, &iov, 1);
}

/* The next packet on f is exactly want[0..len). */
static void
expect_pkt(struct tt_face *f, const uint8_t *want, size_t len, const char *what)
{
	static uint8_t got[BUF_MAX];
	ssize_t n;

	memset(got, 0xa5, sizeof(got));
	n = recv_one(f, got, sizeof(got));
	result(n == (ssize_t)len && memcmp(got, want, len) == 0,
	       "%s: the same %zu bytes (got %zd)", what, len, n);
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
	static uint8_t b[BUF_MAX];

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

/* ---- the behaviours ---------------------------------------------------- */

struct ctx {
	const char *pa, *pb;
	struct tt_face a, b;
	uint8_t pkt[BUF_MAX], buf[BUF_MAX];
};

/*
 * Everything A wrote so far (sent packets) is now queued to B, or dropped
 * by the app: B's client cannot count what is queued to it without
 * reading it, and a loaded machine delays the app by any time.  A marker
 * written by B comes back to A sent + 1 times in turn.  The app's one
 * forwarding lcore serves port 0 (A -> B) and port 1 (B -> A) in turn: a
 * marker taken from B after the one before it reached A was taken after
 * another full pass over port 0, which began after A's writes; each such
 * pass forwards at least one of A's packets.
 */
static void
settle(struct ctx *c, unsigned int sent)
{
	uint8_t m[64], mh[68], got[128];
	bool ifhead = get_int(&c->b, TUNGIFHEAD) == 1;
	unsigned int i;
	ssize_t n;

	for (i = 0; i <= sent; i++) {
		tt_pkt_ipv4(m, sizeof(m), 99, 0x5e771e00u + i);
		tt_pkt_af(mh, AF_INET, m, sizeof(m));
		if (ifhead ? tt_face_write(&c->b, mh, sizeof(mh)) < 0 :
		             tt_face_write(&c->b, m, sizeof(m)) < 0) {
			result(false, "settle: B's marker %u: %s", i,
			       strerror(errno));
			return;
		}
		do
			n = recv_one(&c->a, got, sizeof(got));
		while (n >= 0 && !(n == (ssize_t)sizeof(m) &&
		                   memcmp(got, m, sizeof(m)) == 0));
		if (n < 0) {
			result(false, "settle: B's marker %u reaches A", i);
			return;
		}
	}
}

/* 3: a new unit's state, and its queue limit. */
static void
state_at_creation(struct ctx *c)
{
	struct tuninfo ti;
	unsigned int i, got = 0;
	size_t n;

	memset(&ti, 0, sizeof(ti));
	EXPECT_EQ(tt_face_ioctl(&c->b, TUNGIFINFO, &ti), 0, "TUNGIFINFO");
	EXPECT_EQ(ti.mtu, TUNMTU, "MTU at creation");
	EXPECT_EQ(ti.type, TUN_IFT_PPP, "type at creation (IFT_PPP)");
	EXPECT_EQ(get_int(&c->b, TUNGIFHEAD), 0, "IFHEAD at creation");
	n = tt_pkt_ipv4(c->pkt, 60, 3, 3);
	EXPECT_EQ(tt_face_write(&c->a, c->pkt, n), 60, "write");
	EXPECT_EQ(recv_one(&c->b, c->buf, sizeof(c->buf)), 60,
	          "read: no LMODE header at creation");
	/* qlen + 10 packets while B reads nothing: B holds exactly qlen. */
	for (i = 0; i < qlen + 10; i++) {
		tt_pkt_ipv4(c->pkt, 40, 3, i);
		while (tt_face_write(&c->a, c->pkt, 40) < 0 && errno == ENOBUFS)
			sleep_ms(1);
	}
	settle(c, qlen + 10);
	while (tt_face_read(&c->b, c->buf, sizeof(c->buf)) == 40)
		got++;
	EXPECT_EQ(got, qlen, "packets queued to an idle client (qlen)");
}

#define REOPENS 100

/* 1: one holder at a time; close, then open at once, succeeds. */
static void
busy(struct ctx *c)
{
	struct tt_face x;
	int i, refused = 0;

	EXPECT_ERR(tt_face_open(&x, c->pb, O_NONBLOCK), EBUSY,
	           "second open (O_NONBLOCK) of a held unit");
	EXPECT_ERR(tt_face_open(&x, c->pb, 0), EBUSY,
	           "second open (blocking) of a held unit");
	tt_pkt_ipv4(c->pkt, 64, 1, 1);
	EXPECT_EQ(tt_face_write(&c->a, c->pkt, 64), 64, "write");
	expect_pkt(&c->b, c->pkt, 64, "the holder still reads");
	for (i = 0; i < REOPENS; i++) {
		if (tt_face_close(&c->b) < 0 ||
		    tt_face_open(&c->b, c->pb, O_NONBLOCK) < 0) {
			refused++;
			sleep_ms(20);
			open_nb(&c->b, c->pb);
		}
	}
	EXPECT_EQ(refused, 0, "%d x (close; open at once): refused", REOPENS);
}

/* 2: only admitted users open. */
static void
admission(struct ctx *c)
{
	pid_t pid;
	int st;

	if (geteuid() != 0) {
		struct tt_face x;

		tt_face_close(&c->b);
		EXPECT_EQ(tt_face_open(&x, c->pb, O_NONBLOCK), 0,
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
	result(WIFEXITED(st) && WEXITSTATUS(st) == 1,
	       "open by uid 65534, not admitted: EACCES/EPERM (child status "
	       "%d)",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	open_nb(&c->b, c->pb);
}

/* 4: what a close keeps and what it drops. */
static void
persist_across_close(struct ctx *c)
{
	struct tuninfo ti = { .baudrate = 12345, .mtu = 1400, .type = 6 };
	size_t n;

	EXPECT_EQ(ioc_int(&c->b, TUNSIFHEAD, 1), 0, "TUNSIFHEAD 1");
	EXPECT_EQ(tt_face_ioctl(&c->b, TUNSIFINFO, &ti), 0,
	          "TUNSIFINFO mtu 1400 type 6 baudrate 12345");
	if (!node)
		EXPECT_EQ(ioc_int(&c->b, FIOSETOWN, getpid()), 0, "FIOSETOWN");
	n = tt_pkt_ipv4(c->pkt, 80, 4, 4);
	tt_face_write(&c->a, c->pkt, n);
	tt_face_write(&c->a, c->pkt, n);
	settle(c, 2); /* both queued to B now */
	EXPECT_EQ(tt_face_close(&c->b), 0, "close");
	EXPECT_EQ(open_nb(&c->b, c->pb), 0, "reopen");
	EXPECT_EQ(get_int(&c->b, TUNGIFHEAD), 1, "IFHEAD persists");
	memset(&ti, 0, sizeof(ti));
	tt_face_ioctl(&c->b, TUNGIFINFO, &ti);
	result(ti.mtu == 1400 && ti.type == 6 && ti.baudrate == 12345,
	       "MTU, type, baudrate persist (%d %u %d)", ti.mtu, ti.type,
	       ti.baudrate);
	result(quiet(&c->b), "packets queued at close were purged");
	if (!node)
		EXPECT_EQ(get_int(&c->b, FIOGETOWN), 0,
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

static void
arm_timer(long ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static void *
late_write(void *arg)
{
	struct ctx *c = arg;
	uint8_t p[64];

	sleep_ms(300);
	tt_pkt_ipv4(p, 64, 5, 5);
	tt_face_write(&c->a, p, 64);
	return NULL;
}

/* 5: a read on an empty queue: sleeps, or EWOULDBLOCK, or EINTR. */
static void
blocking_read(struct ctx *c)
{
	struct sigaction sa = { .sa_handler = on_sig };
	pthread_t th;
	pid_t pid, r;
	uint64_t t0;
	long dt;
	int st;

	EXPECT_ERR(tt_face_read(&c->b, c->buf, sizeof(c->buf)), EWOULDBLOCK,
	           "non-blocking read (O_NONBLOCK at open), queue empty");
	tt_face_nonblock(&c->b, false);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART */
	sigs = 0;
	t0 = tt_now();
	arm_timer(300);
	EXPECT_ERR(tt_face_read(&c->b, c->buf, sizeof(c->buf)), EINTR,
	           "blocking read, a signal after 300 ms");
	dt = (long)((tt_now() - t0) / 1000000); /* ms */
	result(sigs == 1 && dt >= 250,
	       "the read slept until the signal "
	       "(%ld ms, %d signals)",
	       dt, (int)sigs);

	tt_pkt_ipv4(c->pkt, 64, 5, 5);
	arm_timer(ARRIVE_MS); /* a lost wake-up ends in EINTR, not a hang */
	t0 = tt_now();
	pthread_create(&th, NULL, late_write, c);
	memset(c->buf, 0, 64);
	EXPECT_EQ(tt_face_read(&c->b, c->buf, sizeof(c->buf)), 64,
	          "blocking read returns the packet written 300 ms later");
	dt = (long)((tt_now() - t0) / 1000000); /* ms */
	arm_timer(0);
	pthread_join(th, NULL);
	result(memcmp(c->buf, c->pkt, 64) == 0 && dt >= 250,
	       "its bytes, after sleeping %ld ms", dt);

	/* SIGKILL ends a reader blocked on the unit at once. */
	pid = fork();
	if (pid == 0) {
		tt_face_read(&c->b, c->buf, sizeof(c->buf));
		_exit(0);
	}
	sleep_ms(200);
	kill(pid, SIGKILL);
	arm_timer(ARRIVE_MS);
	r = waitpid(pid, &st, 0);
	arm_timer(0);
	result(r == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	       "a reader blocked on the unit dies of SIGKILL");

	EXPECT_EQ(tt_face_nonblock(&c->b, true), 0, "non-blocking again (%s)",
	          node ? "fcntl" : "FIONBIO");
	EXPECT_ERR(tt_face_read(&c->b, c->buf, sizeof(c->buf)), EWOULDBLOCK,
	           "then a read fails");
	EXPECT_EQ(ioc_int(&c->b, FIONBIO, 0), 0, "FIONBIO 0");
	EXPECT_EQ(ioc_int(&c->b, FIONBIO, 1), 0, "FIONBIO 1");
	EXPECT_ERR(tt_face_read(&c->b, c->buf, sizeof(c->buf)), EWOULDBLOCK,
	           "FIONBIO: read fails");
}

/* 6: one packet per read; truncation drops the rest; readv in order. */
static void
one_packet_per_read(struct ctx *c)
{
	static uint8_t p[7][200];
	static const size_t len[7] = { 100, 60, 200, 80, 100, 100, 40 };
	uint8_t v0[10], v1[30], v2[200];
	struct iovec iov[3] = { { v0, 10 }, { v1, 30 }, { v2, 200 } };
	ssize_t n;
	size_t i;
	bool ok;

	for (i = 0; i < 7; i++)
		tt_pkt_ipv4(p[i], len[i], 6, (uint32_t)i);
	tt_face_write(&c->a, p[0], len[0]);
	tt_face_write(&c->a, p[1], len[1]);
	settle(c, 2);
	expect_pkt(&c->b, p[0], len[0], "two queued, first read: the first");
	expect_pkt(&c->b, p[1], len[1], "second read: the second");

	tt_face_write(&c->a, p[2], len[2]);
	tt_face_write(&c->a, p[3], len[3]);
	memset(c->buf, 0xa5, 4096);
	n = recv_one(&c->b, c->buf, 50);
	ok = n == 50 && memcmp(c->buf, p[2], 50) == 0;
	for (i = 50; i < 4096; i++)
		ok = ok && c->buf[i] == 0xa5;
	result(ok,
	       "a 200-byte packet into 50 bytes: its first 50, nothing "
	       "past them (got %zd)",
	       n);
	expect_pkt(&c->b, p[3], len[3], "next read: the next packet");

	tt_face_write(&c->a, p[4], len[4]);
	memset(v2, 0xee, sizeof(v2));
	n = recvv_one(&c->b, iov, 3);
	ok = n == 100 && memcmp(v0, p[4], 10) == 0 &&
	     memcmp(v1, p[4] + 10, 30) == 0 && memcmp(v2, p[4] + 40, 60) == 0;
	for (i = 60; i < sizeof(v2); i++)
		ok = ok && v2[i] == 0xee;
	result(ok,
	       "readv [10,30,200] of 100 bytes: 10, 30, 60 in order "
	       "(got %zd)",
	       n);

	tt_face_write(&c->a, p[5], len[5]);
	tt_face_write(&c->a, p[6], len[6]);
	iov[1].iov_len = 20;
	n = recvv_one(&c->b, iov, 2);
	result(n == 30 && memcmp(v0, p[5], 10) == 0 &&
	               memcmp(v1, p[5] + 10, 20) == 0,
	       "readv [10,20] of 100 bytes: the first 30 (got %zd)", n);
	expect_pkt(&c->b, p[6], len[6], "next read: the next packet");
	result(quiet(&c->b), "7 written, 7 read");
}

/* 7: what a read starts with: IFHEAD, LMODE, neither. */
static void
read_framing(struct ctx *c)
{
	struct sockaddr_in sin;
	uint8_t h4[4];
	struct iovec iov[2] = { { h4, 4 }, { c->buf, 1500 } };
	uint32_t af;

	tt_pkt_ipv4(c->pkt, 100, 77, 7);
	ioc_int(&c->b, TUNSIFHEAD, 1);
	tt_face_write(&c->a, c->pkt, 100);
	EXPECT_EQ(recvv_one(&c->b, iov, 2), 104, "IFHEAD: readv [4,1500]");
	memcpy(&af, h4, 4);
	result(ntohl(af) == AF_INET && !memcmp(c->buf, c->pkt, 100),
	       "IFHEAD: AF_INET in network order, then the packet");
	ioc_int(&c->b, TUNSLMODE, 1);
	tt_face_write(&c->a, c->pkt, 100);
	EXPECT_EQ(recv_one(&c->b, c->buf, sizeof(c->buf)), 116,
	          "LMODE: sockaddr_in + packet");
	memcpy(&sin, c->buf, sizeof(sin));
	result(sin.sin_family == AF_INET && sin.sin_port == 0 &&
	               sin.sin_addr.s_addr == htonl(0x0a00014d) &&
	               !memcmp(c->buf + 16, c->pkt, 100),
	       "LMODE: family AF_INET, port 0, destination 10.0.1.77");
	ioc_int(&c->b, TUNSLMODE, 0);
	tt_face_write(&c->a, c->pkt, 100);
	EXPECT_EQ(recv_one(&c->b, c->buf, sizeof(c->buf)), 100,
	          "neither: the bare packet");
	result(!memcmp(c->buf, c->pkt, 100), "neither: packet bytes");
}

/* 8: IPv6 reaches a client with IFHEAD only. */
static void
ipv6_needs_ifhead(struct ctx *c)
{
	uint8_t v6[120];
	size_t n;
	uint32_t af;

	ioc_int(&c->a, TUNSIFHEAD, 1);
	tt_pkt_ipv6(v6, 120, 8);
	n = tt_pkt_af(c->pkt, AF_INET6, v6, 120);
	EXPECT_EQ(tt_face_write(&c->a, c->pkt, n), (long)n,
	          "IPv6 write with IFHEAD");
	result(quiet(&c->b), "IPv6 to a client without IFHEAD: dropped");
	ioc_int(&c->b, TUNSIFHEAD, 1);
	tt_face_write(&c->a, c->pkt, n);
	EXPECT_EQ(recv_one(&c->b, c->buf, sizeof(c->buf)), 124,
	          "IPv6 to a client with IFHEAD: delivered");
	memcpy(&af, c->buf, 4);
	result(ntohl(af) == AF_INET6 && !memcmp(c->buf + 4, v6, 120),
	       "IPv6: AF_INET6 header and bytes");
	ioc_int(&c->a, TUNSIFHEAD, 0);
	ioc_int(&c->b, TUNSIFHEAD, 0);
}

/* 9: what the app sends while nobody holds the unit is dropped. */
static void
no_holder_drops(struct ctx *c)
{
	int i;

	tt_face_close(&c->b);
	/* A device node's release reaches the DPDK side after close(2)
	 * returns: let the app see the unit free first. */
	if (!wait_app("closed"))
		sleep_ms(QUIET_MS);
	for (i = 0; i < 5; i++) {
		tt_pkt_ipv4(c->pkt, 64, 9, (uint32_t)i);
		EXPECT_EQ(tt_face_write(&c->a, c->pkt, 64), 64,
		          "write %d towards a unit nobody holds", i);
	}
	/* B cannot settle() while closed: the app counts the drops. */
	if (!wait_app("dropped 5"))
		sleep_ms(QUIET_MS);
	open_nb(&c->b, c->pb);
	result(quiet(&c->b), "nothing of it is queued for the next client");
}

/* 10: a write of 0 bytes sends nothing. */
static void
empty_write(struct ctx *c)
{
	struct iovec iov[2] = { { c->pkt, 0 }, { c->pkt, 0 } };

	EXPECT_EQ(tt_face_write(&c->a, c->pkt, 0), 0, "write of 0 bytes");
	EXPECT_EQ(tt_face_write(&c->a, NULL, 0), 0, "write(NULL, 0)");
	EXPECT_EQ(tt_face_writev(&c->a, iov, 2), 0,
	          "writev of two empty elements");
	EXPECT_EQ(tt_face_writev(&c->a, iov, 0), 0, "writev of no element");
	result(quiet(&c->b), "no packet from the empty writes");
	tt_pkt_ipv4(c->pkt, 40, 10, 10);
	tt_face_write(&c->a, c->pkt, 40);
	expect_pkt(&c->b, c->pkt, 40, "the next packet is the first to come");
	result(quiet(&c->b), "nothing after it");
}

/* 11: a write longer than TUNMRU (header included) fails EIO. */
static void
oversize_write(struct ctx *c)
{
	static uint8_t big[2 << 20]; /* more than FUSE's largest write */
	struct iovec iov[2] = { { big, 8000 },
		                { big + 8000, TUNMRU + 1 - 8000 } };
	struct tuninfo ti;
	short mtu;

	tt_pkt_ipv4(big, TUNMRU + 1, 11, 11);
	EXPECT_ERR(tt_face_write(&c->a, big, TUNMRU + 1), EIO,
	           "write of TUNMRU + 1 bytes");
	EXPECT_ERR(tt_face_writev(&c->a, iov, 2), EIO,
	           "writev of 8000 + %d bytes", TUNMRU + 1 - 8000);
	EXPECT_ERR(tt_face_write(&c->a, big, 100000), EIO,
	           "write of 100000 bytes");
	EXPECT_ERR(tt_face_write(&c->a, big, sizeof(big)), EIO,
	           "write of 2 MiB");
	result(quiet(&c->b), "nothing sent by the refused writes");
	/* The app drops frames above the MTU (a NIC's rule): raise unit a's
	 * to TUNMRU for the whole-packet checks, then put it back. */
	EXPECT_EQ(tt_face_ioctl(&c->a, TUNGIFINFO, &ti), 0, "TUNGIFINFO");
	mtu = ti.mtu;
	ti.mtu = TUNMRU;
	EXPECT_EQ(tt_face_ioctl(&c->a, TUNSIFINFO, &ti), 0,
	          "TUNSIFINFO mtu TUNMRU");
	tt_pkt_ipv4(big, TUNMRU, 11, 12);
	EXPECT_EQ(tt_face_write(&c->a, big, TUNMRU), TUNMRU,
	          "write of TUNMRU bytes");
	expect_pkt(&c->b, big, TUNMRU,
	           "a TUNMRU packet arrives whole (the app has scatter on)");
	/* The limit counts the IFHEAD header. */
	ioc_int(&c->a, TUNSIFHEAD, 1);
	ioc_int(&c->b, TUNSIFHEAD, 1);
	tt_pkt_ipv4(big + 4, TUNMRU - 3, 11, 13);
	tt_pkt_af(big, AF_INET, big + 4, TUNMRU - 3);
	EXPECT_ERR(tt_face_write(&c->a, big, TUNMRU + 1), EIO,
	           "IFHEAD write of 4 + %d bytes", TUNMRU - 3);
	tt_pkt_ipv4(big + 4, TUNMRU - 4, 11, 14);
	tt_pkt_af(big, AF_INET, big + 4, TUNMRU - 4);
	EXPECT_EQ(tt_face_write(&c->a, big, TUNMRU), TUNMRU,
	          "IFHEAD write of 4 + %d bytes", TUNMRU - 4);
	expect_pkt(&c->b, big, TUNMRU, "it arrives with its header");
	result(quiet(&c->b), "exactly two packets arrived");
	ioc_int(&c->a, TUNSIFHEAD, 0);
	ioc_int(&c->b, TUNSIFHEAD, 0);
	ti.mtu = mtu;
	EXPECT_EQ(tt_face_ioctl(&c->a, TUNSIFINFO, &ti), 0,
	          "TUNSIFINFO: the MTU back");
}

/* 12: IFHEAD writes: too short EINVAL, unknown family EAFNOSUPPORT. */
static void
ifhead_write_errors(struct ctx *c)
{
	static const uint32_t bad_af[] = { 0, 1, 99, 0x02000000u, 0xffffffffu };
	static const uint32_t v6_af[] = { AF_INET6, BSD_AF_INET6_NETBSD,
		                          BSD_AF_INET6_FREEBSD,
		                          BSD_AF_INET6_DARWIN };
	uint8_t p[64], back[128];
	size_t i, len, n;

	ioc_int(&c->a, TUNSIFHEAD, 1);
	ioc_int(&c->b, TUNSIFHEAD, 1);
	tt_pkt_ipv4(p, 60, 12, 1);
	n = tt_pkt_af(c->pkt, AF_INET, p, 60);
	for (len = 1; len <= 3; len++)
		EXPECT_ERR(tt_face_write(&c->a, c->pkt, len), EINVAL,
		           "IFHEAD write of %zu bytes", len);
	for (i = 0; i < sizeof(bad_af) / sizeof(bad_af[0]); i++) {
		n = tt_pkt_af(c->pkt, bad_af[i], p, 60);
		EXPECT_ERR(tt_face_write(&c->a, c->pkt, n), EAFNOSUPPORT,
		           "IFHEAD write with family %#x", bad_af[i]);
	}
	result(quiet(&c->b), "nothing sent by the refused writes");
	n = tt_pkt_af(c->pkt, AF_INET, p, 60);
	EXPECT_EQ(tt_face_write(&c->a, c->pkt, n), (long)n,
	          "IFHEAD AF_INET write");
	expect_pkt(&c->b, c->pkt, n, "AF_INET packet with its header");
	for (i = 0; i < sizeof(v6_af) / sizeof(v6_af[0]); i++) {
		tt_pkt_ipv6(back + 4, 80 + i, 12 + (uint32_t)i);
		n = tt_pkt_af(c->pkt, v6_af[i], back + 4, 80 + i);
		EXPECT_EQ(tt_face_write(&c->a, c->pkt, n), (long)n,
		          "IFHEAD write with family %u", v6_af[i]);
		tt_pkt_af(back, AF_INET6, back + 4, 80 + i);
		expect_pkt(&c->b, back, n,
		           "taken as IPv6: arrives as AF_INET6");
	}
	result(quiet(&c->b), "exactly five packets arrived");
	ioc_int(&c->a, TUNSIFHEAD, 0);
	ioc_int(&c->b, TUNSIFHEAD, 0);
}

/* The n-th packet of the full-ring check. */
static size_t
ring_pkt(uint8_t *b, unsigned int n)
{
	return tt_pkt_ipv4(b, 28 + (size_t)(n * 37) % 1400, 13, 100 + n);
}

/* 13: one write is one packet; ENOBUFS with the ring to DPDK full. */
static void
one_write_one_packet(struct ctx *c)
{
	static uint8_t p[4][1600];
	static const size_t sizes[] = { 20, 21, 64, 99, 576, 1280, 1500, 1499 };
	struct iovec iov[3];
	unsigned int i, k, fit = 0;
	size_t len;
	ssize_t n;
	int err = 0;

	for (i = 0; i < 20; i++) {
		len = sizes[i % 8];
		tt_pkt_ipv4(p[i % 4], len, 13, i);
		EXPECT_EQ(tt_face_write(&c->a, p[i % 4], len), (long)len,
		          "write of %zu returns the full length", len);
		if (i % 4 == 3)
			for (k = i - 3; k <= i; k++)
				expect_pkt(&c->b, p[k % 4], sizes[k % 8],
				           "the same packet, never split or "
				           "merged");
	}
	tt_pkt_ipv4(c->pkt, 300, 13, 20);
	iov[0] = (struct iovec){ c->pkt, 20 };
	iov[1] = (struct iovec){ c->pkt + 20, 1 };
	iov[2] = (struct iovec){ c->pkt + 21, 279 };
	EXPECT_EQ(tt_face_writev(&c->a, iov, 3), 300, "writev [20,1,279]");
	expect_pkt(&c->b, c->pkt, 300, "a writev is one packet");
	result(quiet(&c->b), "21 written, 21 arrived");

	/* Nothing drains A's ring to DPDK: exactly qlen fit, then ENOBUFS. */
	if (!wait_app("stop")) {
		printf("NOTE row 13 %s: the full ring needs the app to stop "
		       "forwarding (--pause)\n",
		       cur);
		return;
	}
	for (i = 0; i <= qlen; i++) {
		len = ring_pkt(c->pkt, i);
		if (i % 2) { /* a three-element writev, still one packet */
			iov[0] = (struct iovec){ c->pkt, 7 };
			iov[1] = (struct iovec){ c->pkt + 7, 13 };
			iov[2] = (struct iovec){ c->pkt + 20, len - 20 };
			n = tt_face_writev(&c->a, iov, 3);
		} else {
			n = tt_face_write(&c->a, c->pkt, len);
		}
		if (n < 0) {
			err = errno;
			break;
		}
		fit++;
	}
	result(fit == qlen && err == ENOBUFS,
	       "forwarding stopped: %u writes fit, the next fails ENOBUFS "
	       "(got %u, %s)",
	       qlen, fit, strerror(err));
	EXPECT_ERR(tt_face_write(&c->a, c->pkt, 20), ENOBUFS,
	           "the smallest write with the ring full");
	result(quiet(&c->b), "nothing arrives while forwarding is stopped");
	wait_app("start");
	for (i = 0; i < fit; i++) {
		len = ring_pkt(p[0], i);
		expect_pkt(&c->b, p[0], len, "after the restart, in order");
	}
	result(quiet(&c->b), "the refused writes left nothing behind");
}

/* Writer thread for the lost wake-up hunt: one packet per token. */
struct hunt {
	struct ctx *c;
	int go[2];
	int rounds, bad;
};

static void *
hunt_writer(void *arg)
{
	struct hunt *h = arg;
	uint8_t p[64];
	char t;
	int i;

	for (i = 0; i < h->rounds; i++) {
		if (read(h->go[0], &t, 1) != 1)
			break;
		usleep((useconds_t)(i % 7) * 150); /* 0..900 us after poll */
		tt_pkt_ipv4(p, 64, 14, (uint32_t)i);
		if (tt_face_write(&h->c->a, p, 64) != 64)
			h->bad++;
	}
	return NULL;
}

/* POLLOUT now, and POLLIN within ms (the revents of both). */
static short
poll_in(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	short out;

	if (poll(&p, 1, 0) < 0)
		return -1;
	if ((p.revents & POLLIN) || ms == 0)
		return p.revents;
	out = p.revents & POLLOUT;
	p.events = POLLIN;
	if (poll(&p, 1, ms) < 0)
		return -1;
	return p.revents | out;
}

/* 14: poll, select and epoll: readable exactly while a packet is queued. */
static void
poll_readiness(struct ctx *c)
{
	struct epoll_event ev = { .events = EPOLLIN }, out[4];
	int fd = tt_face_fd(&c->b), ep, r, i, lost = 0, wrong = 0;
	struct timeval tv = { 0, 0 };
	struct hunt h = { .c = c, .rounds = 1000 };
	pthread_t th;
	fd_set rd;
	short re;

	re = poll_in(fd, 0);
	result(re == POLLOUT, "empty: writable, not readable (revents %#x)",
	       re);
	tt_pkt_ipv4(c->pkt, 90, 14, 1);
	tt_face_write(&c->a, c->pkt, 90);
	re = poll_in(fd, ARRIVE_MS);
	result(re == (POLLIN | POLLOUT),
	       "a packet queued: readable and writable (revents %#x)", re);
	tt_face_write(&c->a, c->pkt, 90);
	settle(c, 1);
	re = poll_in(fd, 0);
	result(re == (POLLIN | POLLOUT),
	       "two queued, polled again without "
	       "reading: still readable (revents %#x)",
	       re);
	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	r = select(fd + 1, &rd, NULL, NULL, &tv);
	result(r == 1 && FD_ISSET(fd, &rd), "select: readable (r %d)", r);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	r = epoll_wait(ep, out, 4, 0);
	result(r == 1 && (out[0].events & EPOLLIN), "epoll: EPOLLIN (r %d)", r);
	EXPECT_EQ(tt_face_read(&c->b, c->buf, sizeof(c->buf)), 90, "read one");
	r = epoll_wait(ep, out, 4, 0);
	result(r == 1, "level-triggered: one still queued, EPOLLIN again");
	EXPECT_EQ(tt_face_read(&c->b, c->buf, sizeof(c->buf)), 90, "read it");
	EXPECT_ERR(tt_face_read(&c->b, c->buf, sizeof(c->buf)), EWOULDBLOCK,
	           "then a read");
	re = poll_in(fd, QUIET_MS);
	result(re == POLLOUT, "drained: writable only (revents %#x)", re);
	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	tv = (struct timeval){ 0, 0 };
	EXPECT_EQ(select(fd + 1, &rd, NULL, NULL, &tv), 0,
	          "select: not readable");
	EXPECT_EQ(epoll_wait(ep, out, 4, 0), 0, "epoll: no event");
	tt_face_write(&c->a, c->pkt, 90);
	r = epoll_wait(ep, out, 4, ARRIVE_MS);
	result(r == 1, "a sleeping epoll_wait wakes for the next packet");
	recv_one(&c->b, c->buf, sizeof(c->buf));

	ev.events = EPOLLIN | EPOLLET;
	epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
	tt_face_write(&c->a, c->pkt, 90);
	tt_face_write(&c->a, c->pkt, 90);
	settle(c, 2); /* both arrived: one edge covers both */
	EXPECT_EQ(epoll_wait(ep, out, 4, ARRIVE_MS), 1,
	          "edge-triggered: an event for two packets");
	for (i = 0; tt_face_read(&c->b, c->buf, sizeof(c->buf)) >= 0; i++)
		;
	result(i == 2 && errno == EWOULDBLOCK, "2 reads, then EWOULDBLOCK");
	EXPECT_EQ(epoll_wait(ep, out, 4, 0), 0, "edge-triggered: no event");
	tt_face_write(&c->a, c->pkt, 90);
	EXPECT_EQ(epoll_wait(ep, out, 4, ARRIVE_MS), 1,
	          "edge-triggered: the next packet is a new edge");
	recv_one(&c->b, c->buf, sizeof(c->buf));
	close(ep);

	/* No lost wake-up: a packet written 0..900 us after poll went to
	 * sleep (by another thread) always wakes it. */
	if (pipe(h.go) < 0)
		return;
	pthread_create(&th, NULL, hunt_writer, &h);
	for (i = 0; i < h.rounds; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (write(h.go[1], "g", 1) != 1)
			break;
		if (poll(&p, 1, ARRIVE_MS) != 1) {
			lost++;
			break;
		}
		n = tt_face_read(&c->b, c->buf, sizeof(c->buf));
		if (n < 0 && errno == EWOULDBLOCK) { /* spurious: wait again */
			n = recv_one(&c->b, c->buf, sizeof(c->buf));
		}
		tt_pkt_ipv4(c->pkt, 64, 14, (uint32_t)i);
		if (n != 64 || memcmp(c->buf, c->pkt, 64) != 0)
			wrong++;
	}
	close(h.go[1]);
	pthread_join(th, NULL);
	close(h.go[0]);
	result(lost == 0 && wrong == 0 && h.bad == 0,
	       "%d poll/write races: no lost wake-up (lost %d, wrong %d, "
	       "write errors %d)",
	       i, lost, wrong, h.bad);
}

/* 15: FIONREAD. */
static void
fionread(struct ctx *c)
{
	int i;

	if (node) {
		exempt("FIONREAD on a FUSE file is answered by the Linux VFS "
		       "(doc/cdev.md)");
		return;
	}
	ioc_int(&c->b, TUNSIFHEAD, 1);
	tt_pkt_ipv4(c->pkt, 100, 15, 15);
	tt_face_write(&c->a, c->pkt, 100);
	for (i = 0; i < ARRIVE_MS && get_int(&c->b, FIONREAD) == 0; i++)
		sleep_ms(1);
	EXPECT_EQ(get_int(&c->b, FIONREAD), 104,
	          "FIONREAD: first packet with its header");
	tt_face_read(&c->b, c->buf, sizeof(c->buf));
	EXPECT_EQ(get_int(&c->b, FIONREAD), 0, "FIONREAD: empty");
	ioc_int(&c->b, TUNSIFHEAD, 0);
}

/* 16: SIGIO to the owner while FIOASYNC is on. */
static void
sigio(struct ctx *c)
{
	struct sigaction sa = { .sa_handler = on_sig };
	int i, w, base;

	if (node) {
		exempt("FIOASYNC on a FUSE file fails ENOTTY (no fasync), "
		       "FIOSETOWN cannot pass FUSE (doc/cdev.md)");
		return;
	}
	tt_pkt_ipv4(c->pkt, 100, 16, 16);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGIO, &sa, NULL);
	EXPECT_EQ(ioc_int(&c->b, FIOSETOWN, getpid()), 0, "FIOSETOWN");
	EXPECT_EQ(get_int(&c->b, FIOGETOWN), getpid(), "FIOGETOWN");
	EXPECT_EQ(ioc_int(&c->b, FIOASYNC, 1), 0, "FIOASYNC 1");
	sigs = 0;
	for (i = 0; i < 5; i++) {
		base = sigs;
		tt_face_write(&c->a, c->pkt, 100);
		for (w = 0; w < ARRIVE_MS && sigs == base; w++)
			sleep_ms(1);
		tt_face_read(&c->b, c->buf, sizeof(c->buf));
	}
	EXPECT_EQ(sigs, 5, "SIGIO for each of 5 packets");
	EXPECT_EQ(ioc_int(&c->b, FIOASYNC, 0), 0, "FIOASYNC 0");
	tt_face_write(&c->a, c->pkt, 100);
	settle(c, 1); /* queued to B: a SIGIO would have been sent */
	EXPECT_EQ(sigs, 5, "no SIGIO once FIOASYNC is off");
	drain(&c->b);
	/*
	 * A group of our own: the PMD refuses a group the DPDK process is in
	 * (SIGIO would kill it), as it may be when testpmd was started by the
	 * same shell command.
	 */
	setpgid(0, 0);
	EXPECT_EQ(ioc_int(&c->b, TIOCSPGRP, getpgrp()), 0, "TIOCSPGRP");
	EXPECT_EQ(get_int(&c->b, TIOCGPGRP), getpgrp(), "TIOCGPGRP");
	EXPECT_EQ(get_int(&c->b, FIOGETOWN), -getpgrp(),
	          "FIOGETOWN after TIOCSPGRP: -pgrp");
	ioc_int(&c->b, FIOSETOWN, 0);
}

/* 17: TUNSIFMODE only while the port is stopped. */
static void
ifmode(struct ctx *c)
{
	EXPECT_ERR(ioc_int(&c->b, TUNSIFMODE, IFF_BROADCAST), EBUSY,
	           "TUNSIFMODE while the port is started");
}

/* 18: LMODE and IFHEAD exclude each other. */
static void
lmode_ifhead(struct ctx *c)
{
	uint8_t v4[64];

	ioc_int(&c->b, TUNSIFHEAD, 1);
	EXPECT_EQ(ioc_int(&c->b, TUNSLMODE, 1), 0, "TUNSLMODE 1");
	EXPECT_EQ(get_int(&c->b, TUNGIFHEAD), 0, "LMODE cleared IFHEAD");
	EXPECT_EQ(ioc_int(&c->b, TUNSIFHEAD, 5), 0, "TUNSIFHEAD 5");
	EXPECT_EQ(get_int(&c->b, TUNGIFHEAD), 1, "TUNGIFHEAD is 0 or 1");
	tt_pkt_ipv4(v4, 64, 18, 18);
	tt_face_write(&c->a, v4, 64);
	EXPECT_EQ(recv_one(&c->b, c->buf, sizeof(c->buf)), 68,
	          "IFHEAD cleared LMODE: 4-byte header, not 16");
	ioc_int(&c->b, TUNSIFHEAD, 0);
}

/* 19: TUNSIFINFO/TUNGIFINFO. */
static void
ifinfo(struct ctx *c)
{
	struct tuninfo ti = { .baudrate = 0, .mtu = 71, .type = TUN_IFT_PPP };

	EXPECT_ERR(tt_face_ioctl(&c->b, TUNSIFINFO, &ti), EINVAL,
	           "TUNSIFINFO mtu 71");
	ti.mtu = 72;
	EXPECT_EQ(tt_face_ioctl(&c->b, TUNSIFINFO, &ti), 0,
	          "TUNSIFINFO mtu 72");
	ti = (struct tuninfo){ .baudrate = 64000, .mtu = 9000, .type = 0x17 };
	EXPECT_EQ(tt_face_ioctl(&c->b, TUNSIFINFO, &ti), 0,
	          "TUNSIFINFO mtu 9000 baudrate 64000");
	memset(&ti, 0, sizeof(ti));
	tt_face_ioctl(&c->b, TUNGIFINFO, &ti);
	result(ti.mtu == 9000 && ti.baudrate == 64000 && ti.type == 0x17,
	       "TUNGIFINFO: %d %d 0x%x", ti.mtu, ti.baudrate, ti.type);
	ti = (struct tuninfo){ .baudrate = 0, .mtu = TUNMTU, .type = 0x17 };
	tt_face_ioctl(&c->b, TUNSIFINFO, &ti);
}

/* 20: the unit's debug level. */
static void
debug_level(struct ctx *c)
{
	EXPECT_EQ(ioc_int(&c->b, TUNSDEBUG, 3), 0, "TUNSDEBUG 3");
	EXPECT_EQ(get_int(&c->b, TUNGDEBUG), 3, "TUNGDEBUG");
	ioc_int(&c->b, TUNSDEBUG, 0);
}

/* 21: TUNSIFPID. */
static void
sifpid(struct ctx *c)
{
	EXPECT_EQ(tt_face_ioctl(&c->b, TUNSIFPID, NULL), 0, "TUNSIFPID");
}

/* 22: an unknown ioctl fails ENOTTY. */
static void
unknown_ioctl(struct ctx *c)
{
	EXPECT_ERR(tt_face_ioctl(&c->b, _IO('t', 120), NULL), ENOTTY,
	           "unknown ioctl _IO('t', 120)");
	EXPECT_ERR(ioc_int(&c->b, _IOW('x', 1, int), 1), ENOTTY,
	           "unknown ioctl _IOW('x', 1, int)");
}

/* 23: close purges what was queued. */
static void
close_purges(struct ctx *c)
{
	tt_pkt_ipv4(c->pkt, 64, 23, 23);
	tt_face_write(&c->a, c->pkt, 64);
	tt_face_write(&c->a, c->pkt, 64);
	settle(c, 2);
	EXPECT_EQ(tt_face_close(&c->b), 0, "close with 2 packets queued");
	EXPECT_EQ(open_nb(&c->b, c->pb), 0, "reopen at once");
	result(quiet(&c->b), "the queue was purged at close");
}

/* ---- Linux tun (doc/behaviour.md "Linux tun and tap") ------------------ */

/*
 * The Linux rows take both opens into the Linux personality: a fresh open
 * each, TUNSETIFF, and a fresh BSD open again at the end (the personality
 * is the open's).  They run after the BSD rows.
 */
static int
set_iff(struct tt_face *f, const char *name, unsigned int flags,
        struct ifreq *out)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = (short)flags;
	if (tt_face_ioctl(f, TUNSETIFF, &ifr) < 0)
		return -1;
	if (out != NULL)
		*out = ifr;
	return 0;
}

static void
reopen(struct ctx *c, struct tt_face *f)
{
	tt_face_close(f);
	/* a device node's release reaches the DPDK side after close(2) */
	sleep_ms(QUIET_MS / 2);
	open_nb(f, f == &c->a ? c->pa : c->pb);
}

/* Both opens fresh, then Linux tun files: a with IFF_NO_PI, b with tun_pi. */
static bool
linux_pair(struct ctx *c)
{
	reopen(c, &c->a);
	reopen(c, &c->b);
	return set_iff(&c->a, "", IFF_TUN | IFF_NO_PI, NULL) == 0 &&
	       set_iff(&c->b, "", IFF_TUN, NULL) == 0;
}

static void
bsd_pair(struct ctx *c)
{
	reopen(c, &c->a);
	reopen(c, &c->b);
	ioc_int(&c->a, TUNSIFHEAD, 0);
	drain(&c->b);
}

/* 31: TUNSETIFF, and what an open answers before it. */
static void
linux_setiff(struct ctx *c)
{
	struct ifreq ifr;
	unsigned int feat = 0;

	reopen(c, &c->b);
	memset(&ifr, 0, sizeof(ifr));
	EXPECT_ERR(tt_face_ioctl(&c->b, TUNGETIFF, &ifr), EBADFD,
	           "TUNGETIFF before TUNSETIFF");
	EXPECT_EQ(tt_face_ioctl(&c->b, TUNGETFEATURES, &feat), 0,
	          "TUNGETFEATURES before TUNSETIFF");
	EXPECT_EQ(feat,
	          IFF_TUN | IFF_TAP | IFF_NO_PI | IFF_ONE_QUEUE |
	                  IFF_MULTI_QUEUE | IFF_VNET_HDR |
	                  0x0040 /* IFF_NO_CARRIER */,
	          "TUNGETFEATURES: tun, tap, no_pi, one_queue, multi_queue, "
	          "vnet_hdr, no_carrier");
	EXPECT_ERR(set_iff(&c->b, "", IFF_TAP, NULL), EINVAL,
	           "TUNSETIFF IFF_TAP on a tun unit");
	EXPECT_ERR(set_iff(&c->b, "", IFF_TUN | IFF_NAPI, NULL), EINVAL,
	           "TUNSETIFF IFF_NAPI");
	EXPECT_ERR(set_iff(&c->b, "", IFF_TUN | IFF_MULTI_QUEUE, NULL), EINVAL,
	           "TUNSETIFF IFF_MULTI_QUEUE on a single-queue unit");
	EXPECT_ERR(set_iff(&c->b, "", IFF_NO_PI, NULL), EINVAL,
	           "TUNSETIFF without a type");
	EXPECT_ERR(set_iff(&c->b, "a/b", IFF_TUN, NULL), EINVAL,
	           "TUNSETIFF name \"a/b\"");
	EXPECT_ERR(set_iff(&c->b, "", IFF_TUN | IFF_TUN_EXCL, NULL), EBUSY,
	           "TUNSETIFF IFF_TUN_EXCL: the unit exists");
	EXPECT_EQ(set_iff(&c->b, "tun%d", IFF_TUN | 0x0400, &ifr), 0,
	          "TUNSETIFF \"tun%%d\" IFF_TUN (and a flag Linux ignores)");
	result(ifr.ifr_name[0] != '\0' && strchr(ifr.ifr_name, '%') == NULL,
	       "the pattern is answered with the unit's name \"%s\"",
	       ifr.ifr_name);
	EXPECT_ERR(set_iff(&c->b, "", IFF_TUN, NULL), EEXIST,
	           "a second TUNSETIFF");
	memset(&ifr, 0, sizeof(ifr));
	EXPECT_EQ(tt_face_ioctl(&c->b, TUNGETIFF, &ifr), 0, "TUNGETIFF");
	/* Linux adds IFF_NOFILTER (0x1000) while no filter is attached */
	EXPECT_EQ((unsigned short)ifr.ifr_flags, IFF_TUN | IFF_NOFILTER,
	          "TUNGETIFF flags: IFF_TUN|IFF_NOFILTER");
	reopen(c, &c->b);
	EXPECT_EQ(set_iff(&c->b, "tun0", IFF_TUN | IFF_NO_PI | IFF_ONE_QUEUE,
	                  &ifr),
	          0, "TUNSETIFF \"tun0\" IFF_TUN|IFF_NO_PI|IFF_ONE_QUEUE");
	result(strcmp(ifr.ifr_name, "tun0") == 0, "the name is kept: \"%s\"",
	       ifr.ifr_name);
	memset(&ifr, 0, sizeof(ifr));
	tt_face_ioctl(&c->b, TUNGETIFF, &ifr);
	result(strcmp(ifr.ifr_name, "tun0") == 0 &&
	               (unsigned short)ifr.ifr_flags ==
	                       (IFF_TUN | IFF_NO_PI | IFF_ONE_QUEUE |
	                        IFF_NOFILTER),
	       "TUNGETIFF: \"tun0\", IFF_TUN|IFF_NO_PI|IFF_ONE_QUEUE "
	       "(got \"%s\" 0x%x)",
	       ifr.ifr_name, (unsigned short)ifr.ifr_flags);
	bsd_pair(c);
}

/* 32: packets: struct tun_pi unless IFF_NO_PI, IPv6 without IFHEAD. */
static void
linux_framing(struct ctx *c)
{
	struct tun_pi pi;
	uint8_t v6[120];

	if (!linux_pair(c)) {
		result(false, "TUNSETIFF on both");
		return;
	}
	tt_pkt_ipv4(c->pkt, 100, 32, 32);
	EXPECT_EQ(tt_face_write(&c->a, c->pkt, 100), 100,
	          "IFF_NO_PI: write a bare IPv4 packet");
	EXPECT_EQ(recv_one(&c->b, c->buf, sizeof(c->buf)), 104,
	          "tun_pi + packet read");
	memcpy(&pi, c->buf, sizeof(pi));
	result(pi.flags == 0 && pi.proto == htons(ETH_P_IP) &&
	               !memcmp(c->buf + 4, c->pkt, 100),
	       "tun_pi flags 0, proto ETH_P_IP, then the packet");
	tt_pkt_ipv6(v6, 120, 32);
	EXPECT_EQ(tt_face_write(&c->a, v6, 120), 120,
	          "IFF_NO_PI: an IPv6 packet (its version nibble)");
	EXPECT_EQ(recv_one(&c->b, c->buf, sizeof(c->buf)), 124,
	          "IPv6 reaches a Linux file without IFHEAD");
	memcpy(&pi, c->buf, sizeof(pi));
	result(pi.proto == htons(ETH_P_IPV6) && !memcmp(c->buf + 4, v6, 120),
	       "tun_pi proto ETH_P_IPV6, then the packet");
	pi.flags = 0;
	pi.proto = htons(ETH_P_IP);
	memcpy(c->buf, &pi, sizeof(pi));
	memcpy(c->buf + 4, c->pkt, 100);
	EXPECT_EQ(tt_face_write(&c->b, c->buf, 104), 104,
	          "tun_pi: write tun_pi + IPv4");
	expect_pkt(&c->a, c->pkt, 100, "IFF_NO_PI: read the bare packet");
	bsd_pair(c);
}

/* 33: Linux's write errors. */
static void
linux_write_errors(struct ctx *c)
{
	uint8_t junk[40];

	if (!linux_pair(c)) {
		result(false, "TUNSETIFF on both");
		return;
	}
	memset(junk, 0x55, sizeof(junk));
	EXPECT_ERR(tt_face_write(&c->a, junk, sizeof(junk)), EINVAL,
	           "IFF_NO_PI: a write whose version nibble is 5");
	if (node)
		exempt("an empty write on a FUSE file never reaches the "
		       "node: 0");
	else
		EXPECT_ERR(tt_face_write(&c->a, junk, 0), EINVAL,
		           "IFF_NO_PI: an empty write");
	EXPECT_ERR(tt_face_write(&c->b, junk, 3), EINVAL,
	           "tun_pi: a write shorter than tun_pi");
	result(quiet(&c->b) && quiet(&c->a), "none of them sent anything");
	bsd_pair(c);
}

/* 34: a read shorter than the packet: TUN_PKT_STRIP; shorter than tun_pi. */
static void
linux_short_read(struct ctx *c)
{
	struct tun_pi pi;

	if (!linux_pair(c)) {
		result(false, "TUNSETIFF on both");
		return;
	}
	tt_pkt_ipv4(c->pkt, 100, 34, 34);
	tt_face_write(&c->a, c->pkt, 100);
	memset(c->buf, 0, 64);
	EXPECT_EQ(recv_one(&c->b, c->buf, 24), 24,
	          "a 24-byte read of a 104-byte record");
	memcpy(&pi, c->buf, sizeof(pi));
	result(pi.flags == TUN_PKT_STRIP && pi.proto == htons(ETH_P_IP) &&
	               !memcmp(c->buf + 4, c->pkt, 20),
	       "tun_pi flags TUN_PKT_STRIP, then the first 20 bytes");
	tt_face_write(&c->a, c->pkt, 100);
	EXPECT_ERR(recv_one(&c->b, c->buf, 3), EINVAL,
	           "a read with no room for tun_pi");
	result(quiet(&c->b), "that packet is gone, as on Linux");
	tt_face_write(&c->a, c->pkt, 100);
	EXPECT_EQ(recv_one(&c->b, c->buf, 100), 100,
	          "a 100-byte read of a 104-byte record: the bytes copied");
	bsd_pair(c);
}

/* 35: the other requests, and what a BSD request gets. */
static void
linux_ioctls(struct ctx *c)
{
	struct ifreq ifr;
	int v = 0;

	if (!linux_pair(c)) {
		result(false, "TUNSETIFF on both");
		return;
	}
	EXPECT_ERR(ioc_int(&c->b, TUNSIFHEAD, 1), EINVAL,
	           "BSD TUNSIFHEAD on a Linux file");
	EXPECT_ERR(tt_face_ioctl(&c->b, _IOW('T', 250, int), &v), EINVAL,
	           "unknown _IOW('T', 250, int)");
	EXPECT_ERR(ioc_int(&c->b, _IOW('x', 1, int), 1), EINVAL,
	           "unknown _IOW('x', 1, int)");
	EXPECT_EQ(get_int(&c->b, TUNGETSNDBUF), INT_MAX,
	          "TUNGETSNDBUF: INT_MAX");
	EXPECT_EQ(ioc_int(&c->b, TUNSETSNDBUF, 65536), 0, "TUNSETSNDBUF 65536");
	EXPECT_EQ(get_int(&c->b, TUNGETSNDBUF), 65536, "TUNGETSNDBUF again");
	EXPECT_ERR(ioc_int(&c->b, TUNSETSNDBUF, 0), EINVAL, "TUNSETSNDBUF 0");
	EXPECT_EQ(ioc_int(&c->b, TUNSETCARRIER, 1), 0, "TUNSETCARRIER 1");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "keep");
	ifr.ifr_hwaddr.sa_family = 77;
	EXPECT_EQ(tt_face_ioctl(&c->b, SIOCGIFHWADDR, &ifr), 0,
	          "SIOCGIFHWADDR on the file");
	result(ifr.ifr_hwaddr.sa_family == ARPHRD_NONE &&
	               strcmp(ifr.ifr_name, "keep") == 0,
	       "a tun unit: ARPHRD_NONE, the caller's name kept (got %u)",
	       ifr.ifr_hwaddr.sa_family);
	EXPECT_ERR(tt_face_ioctl(&c->b, SIOCSIFHWADDR, &ifr), EPERM,
	           "SIOCSIFHWADDR: the port's address is the application's");
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_DETACH_QUEUE;
	EXPECT_ERR(tt_face_ioctl(&c->b, TUNSETQUEUE, &ifr), EINVAL,
	           "TUNSETQUEUE IFF_DETACH_QUEUE on a single-queue unit");
	ifr.ifr_flags = IFF_ATTACH_QUEUE;
	EXPECT_ERR(tt_face_ioctl(&c->b, TUNSETQUEUE, &ifr), EINVAL,
	           "TUNSETQUEUE IFF_ATTACH_QUEUE while attached");
	if (node) {
		/* by value: the kernel reads an int at that "address" */
		EXPECT_ERR(tt_face_ioctl(&c->b, TUNSETPERSIST, (void *)1),
		           EFAULT, "TUNSETPERSIST 1 (by value: FUSE cannot)");
		EXPECT_ERR(tt_face_ioctl(&c->b, TUNSETNOCSUM, (void *)1),
		           EFAULT, "TUNSETNOCSUM 1 (by value: FUSE cannot)");
	} else {
		EXPECT_EQ(tt_face_ioctl(&c->b, TUNSETPERSIST, (void *)1), 0,
		          "TUNSETPERSIST 1");
		memset(&ifr, 0, sizeof(ifr));
		tt_face_ioctl(&c->b, TUNGETIFF, &ifr);
		EXPECT_EQ((unsigned short)ifr.ifr_flags,
		          IFF_TUN | IFF_PERSIST | IFF_NOFILTER,
		          "TUNGETIFF: IFF_TUN|IFF_PERSIST|IFF_NOFILTER");
		EXPECT_EQ(tt_face_ioctl(&c->b, TUNSETPERSIST, (void *)0), 0,
		          "TUNSETPERSIST 0");
		EXPECT_EQ(tt_face_ioctl(&c->b, TUNSETNOCSUM, (void *)1), 0,
		          "TUNSETNOCSUM 1");
		EXPECT_EQ(tt_face_ioctl(&c->b, TUNSETOFFLOAD, (void *)0), 0,
		          "TUNSETOFFLOAD 0");
		EXPECT_EQ(
		        tt_face_ioctl(&c->b, TUNSETOFFLOAD, (void *)TUN_F_CSUM),
		        0, "TUNSETOFFLOAD TUN_F_CSUM");
		EXPECT_ERR(
		        tt_face_ioctl(&c->b, TUNSETOFFLOAD, (void *)TUN_F_TSO4),
		        EINVAL, "TUNSETOFFLOAD TUN_F_TSO4 without TUN_F_CSUM");
		EXPECT_ERR(tt_face_ioctl(&c->b, TUNSETLINK, (void *)1), EINVAL,
		           "TUNSETLINK");
		EXPECT_ERR(tt_face_ioctl(&c->b, TUNSETOWNER, (void *)-1L),
		           EINVAL, "TUNSETOWNER -1");
	}
	bsd_pair(c);
}

/* 36: the personality is the open's: the next open is BSD tun(4). */
static void
linux_close_reverts(struct ctx *c)
{
	struct ifreq ifr;

	if (!linux_pair(c)) {
		result(false, "TUNSETIFF on both");
		return;
	}
	bsd_pair(c);
	memset(&ifr, 0, sizeof(ifr));
	EXPECT_ERR(tt_face_ioctl(&c->b, TUNGETIFF, &ifr), EBADFD,
	           "TUNGETIFF on the next open");
	EXPECT_EQ(get_int(&c->b, TUNGIFHEAD), 0, "TUNGIFHEAD answers: 0");
	tt_pkt_ipv4(c->pkt, 60, 36, 36);
	tt_face_write(&c->a, c->pkt, 60);
	expect_pkt(&c->b, c->pkt, 60, "a bare packet again, no tun_pi");
}

/* In the order they run: state_at_creation needs a fresh unit. */
static const struct behaviour {
	int row; /* its number in doc/behaviour.md */
	const char *name;
	void (*check)(struct ctx *c);
} behaviours[] = {
	{ 3, "state_at_creation", state_at_creation },
	{ 1, "busy", busy },
	{ 2, "admission", admission },
	{ 4, "persist_across_close", persist_across_close },
	{ 5, "blocking_read", blocking_read },
	{ 6, "one_packet_per_read", one_packet_per_read },
	{ 7, "read_framing", read_framing },
	{ 8, "ipv6_needs_ifhead", ipv6_needs_ifhead },
	{ 9, "no_holder_drops", no_holder_drops },
	{ 10, "empty_write", empty_write },
	{ 11, "oversize_write", oversize_write },
	{ 12, "ifhead_write_errors", ifhead_write_errors },
	{ 13, "one_write_one_packet", one_write_one_packet },
	{ 14, "poll_readiness", poll_readiness },
	{ 15, "fionread", fionread },
	{ 16, "sigio", sigio },
	{ 17, "ifmode", ifmode },
	{ 18, "lmode_ifhead", lmode_ifhead },
	{ 19, "ifinfo", ifinfo },
	{ 20, "debug_level", debug_level },
	{ 21, "sifpid", sifpid },
	{ 22, "unknown_ioctl", unknown_ioctl },
	{ 23, "close_purges", close_purges },
	{ 31, "linux_setiff", linux_setiff },
	{ 32, "linux_framing", linux_framing },
	{ 33, "linux_write_errors", linux_write_errors },
	{ 34, "linux_short_read", linux_short_read },
	{ 35, "linux_ioctls", linux_ioctls },
	{ 36, "linux_close_reverts", linux_close_reverts },
};

#define NBEHAVIOURS (sizeof(behaviours) / sizeof(behaviours[0]))

/* Is name in the comma-separated list (NULL: every name)? */
static bool
listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	if (list == NULL)
		return true;
	for (p = list; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] != 0))
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == 0))
			return true;
	return false;
}

/* Every name in the list is a behaviour's. */
static bool
list_valid(const char *list)
{
	char name[64];
	const char *p;
	size_t i, n;

	for (p = list; *p; p += n + (p[n] != 0)) {
		n = strcspn(p, ",");
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		for (i = 0; i < NBEHAVIOURS; i++)
			if (strcmp(behaviours[i].name, name) == 0)
				break;
		if (i == NBEHAVIOURS) {
			fprintf(stderr,
			        "tuntest conform: --only: no behaviour "
			        "'%s'; the names are:",
			        name);
			for (i = 0; i < NBEHAVIOURS; i++)
				fprintf(stderr, " %s", behaviours[i].name);
			fprintf(stderr, "\n");
			return false;
		}
	}
	return true;
}

static int
conform_run(const struct tt_cmd *cmd, int argc, char **argv)
{
	struct tt_opts o;
	struct ctx *c;
	size_t i;
	int r;

	r = tt_parse(cmd, argc, argv, &o);
	if (r >= 0)
		return r;
	if (o.only != NULL && !list_valid(o.only))
		return TT_EXIT_USAGE;
	if (o.given & TT_OPT_COUNT)
		qlen = (unsigned int)o.count;
	pause_for_app = o.pause;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return TT_EXIT_FAIL;
	c->pa = o.args[0];
	c->pb = o.args[1];
	node = tt_face_is_node(c->pb);
	signal(SIGPIPE, SIG_IGN);
	if (open_nb(&c->a, c->pa) < 0 || open_nb(&c->b, c->pb) < 0)
		return TT_EXIT_USAGE;
	/* the preload face (doc/preload.md) answers the node's path with a
	 * descriptor that is a socket, and the library's semantics */
	preload = node && tt_face_is_socket(&c->b);
	node = node && !preload;
	printf("tuntest conform: %s face, writer %s, reader %s, qlen %u\n",
	       preload ? "preload" :
	       node    ? "device node" :
	                 "library",
	       c->pa, c->pb, qlen);
	ioc_int(&c->a, TUNSIFHEAD, 0);
	drain(&c->b);

	for (i = 0; i < NBEHAVIOURS; i++) {
		if (!listed(o.only, behaviours[i].name))
			continue;
		cur = behaviours[i].name;
		cur_row = behaviours[i].row;
		behaviours[i].check(c);
	}

	tt_face_close(&c->a);
	tt_face_close(&c->b);
	free(c);
	printf("tuntest conform: %s\n",
	       failures ? "FAILED" : "every behaviour checked passes");
	return failures ? TT_EXIT_FAIL : TT_EXIT_OK;
}

const struct tt_cmd tt_cmd_conform = {
	.name = "conform",
	.args = "ENDPOINT_A ENDPOINT_B",
	.nargs = 2,
	.brief = "check the tun(4) behaviour table (doc/behaviour.md)",
	.desc = "Check the tun(4) behaviour table against two units the DPDK\n"
	        "application forwards to each other (dpdk-testpmd io "
	        "forwarding\n"
	        "without retry, a fresh port pair: state_at_creation checks "
	        "the state\n"
	        "at creation; --enable-scatter: oversize_write sends a TUNMRU "
	        "packet).\n"
	        "A writes, B reads.  An ENDPOINT that is a control socket is "
	        "used\n"
	        "through libbsdtun; any other path is a device node, used with "
	        "plain\n"
	        "system calls (fionread and sigio are then exempt: the Linux "
	        "VFS\n"
	        "answers FIONREAD, FIOASYNC and FIOSETOWN on FUSE files).\n"
	        "Prints one PASS/FAIL line per check, with its row and "
	        "behaviour;\n"
	        "exit status 1 on any failure.  --count is the units' qlen "
	        "(default\n"
	        "50).  --only NAME,... checks only those behaviours.  "
	        "--pause: where\n"
	        "the app must act or look, print \"WAIT what\" and read a "
	        "line: \"stop\"\n"
	        "and \"start\" forwarding (one_write_one_packet's full "
	        "ring), \"closed\"\n"
	        "(no_holder_drops: B's client closed; go on once the app "
	        "saw it),\n"
	        "\"dropped N\" (no_holder_drops: go on once the app dropped "
	        "N more\n"
	        "packets for B since \"closed\", tx_no_client).",
	.opts = TT_OPT_COUNT | TT_OPT_ONLY | TT_OPT_PAUSE,
	.run = conform_run,
};
