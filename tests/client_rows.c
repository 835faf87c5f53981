/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * client_rows: the client half of the SPEC section 2 row tests, through
 * libbsdtun only.  tests/test_rows.py starts dpdk-testpmd (io forwarding,
 * so what the client writes comes back to it) and runs
 *
 *	client_rows ENDPOINT ROW
 *
 * Every assertion prints "PASS row: what" or "FAIL row: what (...)"; the
 * exit status is 1 when any failed.  When the DPDK side must act in the
 * middle of a row (testpmd "stop"/"start"), the client prints
 * "WAIT what" and reads one line from stdin before going on.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "bsdtun.h"
#include "test_check.h"

#define SETTLE_MS 200  /* io loopback takes microseconds */
#define WAIT_MS   3000 /* longest wait for an expected packet */
#define BUF_MAX   (TUNMRU + 64)

/* ---- packets ------------------------------------------------------------ */

static uint16_t
ip_csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A valid IPv4 packet of len bytes (>= 20), payload derived from seq. */
static size_t
make_ipv4(uint8_t *b, size_t len, unsigned int seq)
{
	size_t i;
	uint16_t c;

	memset(b, 0, 20);
	b[0] = 0x45;
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	b[4] = (uint8_t)(seq >> 8);
	b[5] = (uint8_t)seq;
	b[8] = 64;  /* ttl */
	b[9] = 253; /* experimental protocol */
	b[12] = 10;
	b[15] = 1; /* 10.0.0.1 */
	b[16] = 10;
	b[19] = 2; /* 10.0.0.2 */
	c = ip_csum(b, 20);
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
	for (i = 20; i < len; i++)
		b[i] = (uint8_t)(seq * 7 + i);
	return len;
}

/* A valid IPv6 packet of len bytes (>= 40). */
static size_t
make_ipv6(uint8_t *b, size_t len, unsigned int seq)
{
	size_t i;

	memset(b, 0, 40);
	b[0] = 0x60;
	b[4] = (uint8_t)((len - 40) >> 8);
	b[5] = (uint8_t)(len - 40);
	b[6] = 59; /* no next header */
	b[7] = 64;
	b[8] = 0xfd;
	b[23] = 1; /* fd00::1 */
	b[24] = 0xfd;
	b[39] = 2; /* fd00::2 */
	for (i = 40; i < len; i++)
		b[i] = (uint8_t)(seq * 13 + i);
	return len;
}

/* IFHEAD packet: 4-byte family (network order) then the packet. */
static size_t
make_ifhead(uint8_t *b, uint32_t family, size_t len, unsigned int seq)
{
	uint32_t af = htonl(family);

	memcpy(b, &af, 4);
	if (family == AF_INET)
		return 4 + make_ipv4(b + 4, len, seq);
	return 4 + make_ipv6(b + 4, len, seq);
}

/*
 * Wait for the next packet with nonblocking reads (the unit must be in
 * nonblocking mode), so a broken wake-up never hangs a row that is not
 * about wake-ups.  Returns the read's result.
 */
static ssize_t
recv_wait(struct bsdtun *t, void *buf, size_t len)
{
	long end = now_ms() + WAIT_MS;
	ssize_t n;

	for (;;) {
		n = bsdtun_read(t, buf, len);
		if (n >= 0 || errno != EWOULDBLOCK || now_ms() > end)
			return n;
		sleep_ms(1);
	}
}

/* Read the next packet and compare it with want[0..wlen). */
static void
expect_pkt(struct bsdtun *t, const uint8_t *want, size_t wlen, const char *what)
{
	static uint8_t got[BUF_MAX];
	ssize_t n;

	memset(got, 0xa5, sizeof(got));
	n = recv_wait(t, got, sizeof(got));
	CHECK(n == (ssize_t)wlen && memcmp(got, want, wlen) == 0,
	      "%s: read returns the same %zu bytes (got %zd)", what, wlen, n);
}

/* Nothing is queued now, nor arrives within SETTLE_MS. */
static void
expect_nothing(struct bsdtun *t, const char *what)
{
	uint8_t b[64];
	ssize_t n;

	sleep_ms(SETTLE_MS);
	n = bsdtun_read(t, b, sizeof(b));
	CHECK_ERRNO(n, EWOULDBLOCK, "%s: nonblocking read", what);
}

static struct bsdtun *
open_or_die(const char *ep, int flags)
{
	struct bsdtun *t = bsdtun_open(ep, flags);

	CHECK(t != NULL, "bsdtun_open(%s, %s)", ep, flags ? "O_NONBLOCK" : "0");
	if (t == NULL) {
		printf("FAIL %s: cannot go on without the unit\n", step);
		exit(1);
	}
	return t;
}

static void
set_ifhead(struct bsdtun *t, int on)
{
	int v = on, g = -1;

	CHECK(bsdtun_ioctl(t, TUNSIFHEAD, &v) == 0, "TUNSIFHEAD %d", on);
	CHECK(bsdtun_ioctl(t, TUNGIFHEAD, &g) == 0 && g == on,
	      "TUNGIFHEAD returns %d (got %d)", on, g);
}

/* ---- row 1: open while another client holds the unit: EBUSY ------------ */

#define ROW1_REOPENS 100

static void
row1(const char *ep)
{
	struct bsdtun *a, *b;
	uint8_t p[64];
	int i, busy = 0, other = 0;

	a = open_or_die(ep, O_NONBLOCK);
	b = bsdtun_open(ep, 0);
	CHECK_ERRNO(b == NULL ? -1 : 0, EBUSY, "second bsdtun_open(0)");
	b = bsdtun_open(ep, O_NONBLOCK);
	CHECK_ERRNO(b == NULL ? -1 : 0, EBUSY,
	            "second bsdtun_open(O_NONBLOCK)");
	/* The refused opens did not disturb the holder. */
	make_ipv4(p, sizeof(p), 1);
	CHECK(bsdtun_write(a, p, sizeof(p)) == (ssize_t)sizeof(p),
	      "holder still writes after refused opens");
	expect_pkt(a, p, sizeof(p), "holder");
	CHECK(bsdtun_close(a) == 0, "holder closes");

	/* close, then open at once: the unit is free (tunclose is sync). */
	for (i = 0; i < ROW1_REOPENS; i++) {
		a = bsdtun_open(ep, O_NONBLOCK);
		if (a == NULL) {
			if (errno == EBUSY)
				busy++;
			else
				other++;
			sleep_ms(20); /* let the PMD catch up */
			continue;
		}
		bsdtun_close(a);
	}
	CHECK(busy == 0 && other == 0,
	      "%d x (close; open at once) all succeed (EBUSY %d, other %d)",
	      ROW1_REOPENS, busy, other);
}

/* ---- row 5: read on an empty queue ------------------------------------- */

static volatile sig_atomic_t got_alarm;

static void
on_alarm(int sig)
{
	(void)sig;
	got_alarm = 1;
}

static void
arm_timer(long ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

struct delayed_write {
	struct bsdtun *t;
	const uint8_t *pkt;
	size_t len;
	long delay_ms;
	ssize_t ret;
	int err;
};

static void *
delayed_writer(void *arg)
{
	struct delayed_write *w = arg;

	sleep_ms(w->delay_ms);
	w->ret = bsdtun_write(w->t, w->pkt, w->len);
	w->err = errno;
	return NULL;
}

static void
row5(const char *ep)
{
	struct sigaction sa;
	struct bsdtun *t;
	uint8_t p[100], b[256];
	struct delayed_write w;
	pthread_t th;
	ssize_t n;
	long t0, dt;
	int v;

	/* O_NONBLOCK at open */
	t = open_or_die(ep, O_NONBLOCK);
	n = bsdtun_read(t, b, sizeof(b));
	CHECK_ERRNO(n, EWOULDBLOCK, "O_NONBLOCK read on an empty queue");
	bsdtun_close(t);

	/* FIONBIO on a blocking unit, and back */
	t = open_or_die(ep, 0);
	v = 1;
	CHECK(bsdtun_ioctl(t, FIONBIO, &v) == 0, "FIONBIO 1");
	n = bsdtun_read(t, b, sizeof(b));
	CHECK_ERRNO(n, EWOULDBLOCK, "FIONBIO read on an empty queue");
	v = 0;
	CHECK(bsdtun_ioctl(t, FIONBIO, &v) == 0, "FIONBIO 0");

	/* A signal interrupts a blocking read: EINTR (no SA_RESTART). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, NULL);
	got_alarm = 0;
	t0 = now_ms();
	arm_timer(300);
	n = bsdtun_read(t, b, sizeof(b));
	dt = now_ms() - t0;
	CHECK_ERRNO(n, EINTR, "blocking read interrupted by SIGALRM");
	CHECK(got_alarm && dt >= 250,
	      "the read blocked until the signal (%ld ms, handler ran %d)", dt,
	      (int)got_alarm);

	/* A blocking read returns when a packet comes. */
	make_ipv4(p, sizeof(p), 5);
	w = (struct delayed_write){
		.t = t, .pkt = p, .len = sizeof(p), .delay_ms = 300
	};
	got_alarm = 0;
	arm_timer(5000); /* safety net: EINTR instead of a hang */
	t0 = now_ms();
	pthread_create(&th, NULL, delayed_writer, &w);
	memset(b, 0, sizeof(b));
	n = bsdtun_read(t, b, sizeof(b));
	dt = now_ms() - t0;
	arm_timer(0);
	pthread_join(th, NULL);
	CHECK(w.ret == (ssize_t)sizeof(p),
	      "writer thread's write returns %zu "
	      "(got %zd)",
	      sizeof(p), w.ret);
	CHECK(n == (ssize_t)sizeof(p) && memcmp(b, p, sizeof(p)) == 0,
	      "blocking read returns the packet written 300 ms later "
	      "(got %zd)",
	      n);
	CHECK(dt >= 250 && !got_alarm,
	      "the read slept until the packet came (%ld ms)", dt);
	bsdtun_close(t);
}

/* ---- row 6: one packet per read, truncation, readv ---------------------- */

static void
row6(const char *ep)
{
	struct bsdtun *t = open_or_die(ep, O_NONBLOCK);
	uint8_t a[100], b[60], c[200], d[80], e[100], f[100], g[40];
	uint8_t buf[4096], v0[10], v1[30], v2[200];
	struct iovec iov[3];
	ssize_t n;
	size_t i;
	int ok;

	/* Two packets queued: each read returns exactly one. */
	make_ipv4(a, sizeof(a), 1);
	make_ipv4(b, sizeof(b), 2);
	CHECK(bsdtun_write(t, a, sizeof(a)) == (ssize_t)sizeof(a),
	      "write A (100)");
	CHECK(bsdtun_write(t, b, sizeof(b)) == (ssize_t)sizeof(b),
	      "write B (60)");
	sleep_ms(SETTLE_MS);
	expect_pkt(t, a, sizeof(a),
	           "first read, 4096-byte buffer, A and B "
	           "queued: exactly A");
	expect_pkt(t, b, sizeof(b), "second read: exactly B");

	/* Short buffer: truncated, the rest of that packet dropped. */
	make_ipv4(c, sizeof(c), 3);
	make_ipv4(d, sizeof(d), 4);
	CHECK(bsdtun_write(t, c, sizeof(c)) == (ssize_t)sizeof(c),
	      "write C (200)");
	CHECK(bsdtun_write(t, d, sizeof(d)) == (ssize_t)sizeof(d),
	      "write D (80)");
	sleep_ms(SETTLE_MS);
	memset(buf, 0xa5, sizeof(buf));
	n = recv_wait(t, buf, 50);
	ok = n == 50 && memcmp(buf, c, 50) == 0;
	for (i = 50; i < sizeof(buf); i++)
		ok = ok && buf[i] == 0xa5;
	CHECK(ok,
	      "read of C into 50 bytes returns C's first 50 bytes "
	      "(got %zd), nothing past them written",
	      n);
	expect_pkt(t, d, sizeof(d), "next read: D (rest of C dropped)");

	/* readv fills elements in order. */
	make_ipv4(e, sizeof(e), 5);
	CHECK(bsdtun_write(t, e, sizeof(e)) == (ssize_t)sizeof(e),
	      "write E (100)");
	memset(v0, 0xee, sizeof(v0));
	memset(v1, 0xee, sizeof(v1));
	memset(v2, 0xee, sizeof(v2));
	iov[0] = (struct iovec){ v0, sizeof(v0) };
	iov[1] = (struct iovec){ v1, sizeof(v1) };
	iov[2] = (struct iovec){ v2, sizeof(v2) };
	sleep_ms(SETTLE_MS);
	n = bsdtun_readv(t, iov, 3);
	ok = n == 100 && memcmp(v0, e, 10) == 0 &&
	     memcmp(v1, e + 10, 30) == 0 && memcmp(v2, e + 40, 60) == 0;
	for (i = 60; i < sizeof(v2); i++)
		ok = ok && v2[i] == 0xee;
	CHECK(ok,
	      "readv [10,30,200] of E returns 100: bytes 0-9, 10-39, "
	      "40-99 in order (got %zd)",
	      n);

	/* readv shorter than the packet: truncated, rest dropped. */
	make_ipv4(f, sizeof(f), 6);
	make_ipv4(g, sizeof(g), 7);
	CHECK(bsdtun_write(t, f, sizeof(f)) == (ssize_t)sizeof(f),
	      "write F (100)");
	CHECK(bsdtun_write(t, g, sizeof(g)) == (ssize_t)sizeof(g),
	      "write G (40)");
	sleep_ms(SETTLE_MS);
	iov[0] = (struct iovec){ v0, sizeof(v0) };
	iov[1] = (struct iovec){ v1, 20 };
	n = bsdtun_readv(t, iov, 2);
	CHECK(n == 30 && memcmp(v0, f, 10) == 0 && memcmp(v1, f + 10, 20) == 0,
	      "readv [10,20] of F returns F's first 30 bytes (got %zd)", n);
	expect_pkt(t, g, sizeof(g), "next read: G (rest of F dropped)");
	expect_nothing(t, "all 7 packets read");
	bsdtun_close(t);
}

/* ---- row 9: DPDK sends while no client (client on the other port) ------ */

#define ROW9_PKTS 5

static void
row9(const char *ep)
{
	struct bsdtun *t = open_or_die(ep, O_NONBLOCK);
	uint8_t p[64];
	int i;

	for (i = 0; i < ROW9_PKTS; i++) {
		make_ipv4(p, sizeof(p), i);
		CHECK(bsdtun_write(t, p, sizeof(p)) == (ssize_t)sizeof(p),
		      "write %d to port 0 (forwarded to port 1, no client)", i);
	}
	/* Port 1 received nothing, so nothing comes back to port 0. */
	expect_nothing(t, "nothing comes back");
	bsdtun_close(t);
}

/* ---- row 10: write of 0 bytes --------------------------------------------- */

static void
row10(const char *ep)
{
	struct bsdtun *t = open_or_die(ep, O_NONBLOCK);
	struct iovec iov[2];
	uint8_t p[40], z[1];

	CHECK(bsdtun_write(t, z, 0) == 0, "write(buf, 0) returns 0");
	CHECK(bsdtun_write(t, NULL, 0) == 0, "write(NULL, 0) returns 0");
	iov[0] = (struct iovec){ z, 0 };
	iov[1] = (struct iovec){ z, 0 };
	CHECK(bsdtun_writev(t, iov, 2) == 0, "writev of two empty elements "
	                                     "returns 0");
	CHECK(bsdtun_writev(t, iov, 0) == 0, "writev of no element returns 0");
	expect_nothing(t, "after the empty writes no packet comes back");
	/* The marker is the first packet that reaches DPDK and back. */
	make_ipv4(p, sizeof(p), 10);
	CHECK(bsdtun_write(t, p, sizeof(p)) == (ssize_t)sizeof(p),
	      "write marker (40)");
	expect_pkt(t, p, sizeof(p), "first packet back is the marker");
	expect_nothing(t, "nothing after the marker");
	bsdtun_close(t);
}

/* ---- row 11: write longer than TUNMRU: EIO --------------------------------- */

static void
row11(const char *ep)
{
	static uint8_t p[TUNMRU + 8];
	struct bsdtun *t = open_or_die(ep, O_NONBLOCK);
	struct iovec iov[2];
	ssize_t n;

	make_ipv4(p, TUNMRU + 1, 11);
	n = bsdtun_write(t, p, TUNMRU + 1);
	CHECK_ERRNO(n, EIO, "write of %d bytes", TUNMRU + 1);
	iov[0] = (struct iovec){ p, 8000 };
	iov[1] = (struct iovec){ p + 8000, TUNMRU + 1 - 8000 };
	n = bsdtun_writev(t, iov, 2);
	CHECK_ERRNO(n, EIO, "writev of 8000+%d bytes", TUNMRU + 1 - 8000);
	expect_nothing(t, "nothing queued by the refused writes");

	make_ipv4(p, TUNMRU, 12);
	n = bsdtun_write(t, p, TUNMRU);
	CHECK(n == TUNMRU, "write of %d bytes returns %d (got %zd)", TUNMRU,
	      TUNMRU, n);
	expect_pkt(t, p, TUNMRU, "16384-byte packet comes back whole");

	/* The limit includes the IFHEAD header. */
	set_ifhead(t, 1);
	make_ifhead(p, AF_INET, TUNMRU + 1 - 4, 13);
	n = bsdtun_write(t, p, TUNMRU + 1);
	CHECK_ERRNO(n, EIO, "IFHEAD write of 4+%d bytes", TUNMRU + 1 - 4);
	make_ifhead(p, AF_INET, TUNMRU - 4, 14);
	n = bsdtun_write(t, p, TUNMRU);
	CHECK(n == TUNMRU, "IFHEAD write of 4+%d bytes returns %d (got %zd)",
	      TUNMRU - 4, TUNMRU, n);
	expect_pkt(t, p, TUNMRU, "IFHEAD: header + 16380-byte packet back");
	set_ifhead(t, 0);
	expect_nothing(t, "exactly two packets came back");
	bsdtun_close(t);
}

/* ---- row 12: IFHEAD write too short / unknown family ------------------------- */

static void
row12(const char *ep)
{
	static const uint32_t bad_af[] = { 0, 1, 99, 0x02000000u, 0xffffffffu };
	static const uint32_t v6_af[] = { AF_INET6, BSD_AF_INET6_NETBSD,
		                          BSD_AF_INET6_FREEBSD,
		                          BSD_AF_INET6_DARWIN };
	struct bsdtun *t = open_or_die(ep, O_NONBLOCK);
	uint8_t p[200], back[200];
	uint32_t af;
	ssize_t n;
	size_t i, len;

	set_ifhead(t, 1);
	make_ifhead(p, AF_INET, 60, 1);
	for (len = 1; len <= 3; len++) {
		n = bsdtun_write(t, p, len);
		CHECK_ERRNO(n, EINVAL, "IFHEAD write of %zu bytes", len);
	}
	for (i = 0; i < sizeof(bad_af) / sizeof(bad_af[0]); i++) {
		len = make_ifhead(p, AF_INET, 60, 2);
		af = htonl(bad_af[i]);
		memcpy(p, &af, 4);
		n = bsdtun_write(t, p, len);
		CHECK_ERRNO(n, EAFNOSUPPORT, "IFHEAD write with family %#x",
		            bad_af[i]);
	}
	expect_nothing(t, "nothing queued by the refused writes");

	len = make_ifhead(p, AF_INET, 60, 3);
	n = bsdtun_write(t, p, len);
	CHECK(n == (ssize_t)len, "IFHEAD AF_INET write returns %zu (got %zd)",
	      len, n);
	expect_pkt(t, p, len, "AF_INET packet back with its 4-byte header");

	for (i = 0; i < sizeof(v6_af) / sizeof(v6_af[0]); i++) {
		len = make_ifhead(p, AF_INET6, 80 + i, 4 + i);
		af = htonl(v6_af[i]);
		memcpy(p, &af, 4);
		n = bsdtun_write(t, p, len);
		CHECK(n == (ssize_t)len,
		      "IFHEAD write with family %u returns "
		      "%zu (got %zd)",
		      v6_af[i], len, n);
		/* It went out as IPv6: comes back as host AF_INET6. */
		memcpy(back, p, len);
		af = htonl(AF_INET6);
		memcpy(back, &af, 4);
		expect_pkt(t, back, len,
		           "family accepted as IPv6: back with "
		           "header AF_INET6 (10)");
	}
	set_ifhead(t, 0);
	expect_nothing(t, "exactly five packets came back");
	bsdtun_close(t);
}

/* ---- row 13: one write, one packet; ENOBUFS when the ring is full ------------ */

#define ROW13_QLEN   8
#define ROW13_ROUNDS 5
#define ROW13_BATCH  4

static void
row13(const char *ep)
{
	static uint8_t p[ROW13_QLEN + 2][1600];
	static const size_t sizes[] = { 20, 21, 64, 99, 576, 1280, 1500, 1499 };
	struct bsdtun *t = open_or_die(ep, O_NONBLOCK);
	uint8_t joined[300];
	struct iovec iov[3];
	unsigned int seq = 0;
	int r, i;
	ssize_t n;
	size_t len;

	/* Writes return the full length and come back one for one. */
	for (r = 0; r < ROW13_ROUNDS; r++) {
		for (i = 0; i < ROW13_BATCH; i++) {
			len = sizes[(r * ROW13_BATCH + i) % 8];
			make_ipv4(p[i], len, seq++);
			n = bsdtun_write(t, p[i], len);
			CHECK(n == (ssize_t)len,
			      "write of %zu returns %zu "
			      "(got %zd)",
			      len, len, n);
		}
		for (i = 0; i < ROW13_BATCH; i++) {
			len = sizes[(r * ROW13_BATCH + i) % 8];
			expect_pkt(t, p[i], len,
			           "same packet back, never split "
			           "or merged");
		}
	}
	/* A writev of three elements is one packet. */
	make_ipv4(joined, sizeof(joined), seq++);
	iov[0] = (struct iovec){ joined, 20 };
	iov[1] = (struct iovec){ joined + 20, 1 };
	iov[2] = (struct iovec){ joined + 21, sizeof(joined) - 21 };
	n = bsdtun_writev(t, iov, 3);
	CHECK(n == (ssize_t)sizeof(joined),
	      "writev [20,1,279] returns 300 "
	      "(got %zd)",
	      n);
	expect_pkt(t, joined, sizeof(joined), "writev came back as one packet");
	expect_nothing(t, "21 packets back, no more");

	/* Nothing drains the ring to DPDK: ENOBUFS after exactly qlen. */
	wait_driver("stop");
	for (i = 0; i < ROW13_QLEN; i++) {
		len = sizes[i];
		make_ipv4(p[i], len, seq++);
		n = bsdtun_write(t, p[i], len);
		CHECK(n == (ssize_t)len,
		      "forwarding stopped: write %d/%d "
		      "returns %zu (got %zd)",
		      i + 1, ROW13_QLEN, len, n);
	}
	make_ipv4(p[ROW13_QLEN], 100, seq++);
	n = bsdtun_write(t, p[ROW13_QLEN], 100);
	CHECK_ERRNO(n, ENOBUFS, "write %d with qlen %d queued", ROW13_QLEN + 1,
	            ROW13_QLEN);
	n = bsdtun_write(t, p[ROW13_QLEN], 20);
	CHECK_ERRNO(n, ENOBUFS, "smallest write with the ring full");
	expect_nothing(t, "nothing comes back while forwarding is stopped");

	/* Restart: the qlen queued packets come through whole, in order. */
	wait_driver("start");
	for (i = 0; i < ROW13_QLEN; i++)
		expect_pkt(t, p[i], sizes[i],
		           "after restart, queued packet "
		           "back in order");
	expect_nothing(t, "the refused writes left nothing behind");
	make_ipv4(p[0], 333, seq++);
	n = bsdtun_write(t, p[0], 333);
	CHECK(n == 333, "write after restart returns 333 (got %zd)", n);
	expect_pkt(t, p[0], 333, "the unit still works after the restart");
	bsdtun_close(t);
}

/* ---- row 14: poll / select / epoll ----------------------------------------- */

static int
poll_in(int fd, int timeout_ms, short *revents)
{
	struct pollfd pf = { .fd = fd, .events = POLLOUT };
	short out;
	int r;

	/* POLLOUT is (always) there: sample it, then wait for POLLIN alone. */
	(void)poll(&pf, 1, 0);
	out = pf.revents & POLLOUT;
	pf.events = POLLIN;
	pf.revents = 0;
	r = poll(&pf, 1, timeout_ms);
	*revents = pf.revents | out;
	return r;
}

static void
row14(const char *ep)
{
	struct bsdtun *t = open_or_die(ep, O_NONBLOCK);
	struct epoll_event ev = { .events = EPOLLIN }, out;
	uint8_t p[4][90];
	struct timeval tv;
	fd_set rfds;
	short re;
	int fd, ep_fd, r, i;
	ssize_t n;

	fd = bsdtun_fd(t);
	CHECK(fd >= 0, "bsdtun_fd returns a descriptor (%d)", fd);
	for (i = 0; i < 4; i++)
		make_ipv4(p[i], sizeof(p[i]), 40 + i);

	/* Empty: not readable; writable. */
	r = poll_in(fd, SETTLE_MS, &re);
	CHECK(r == 0 && !(re & POLLIN) && (re & POLLOUT),
	      "empty queue right "
	      "after open: poll gives POLLOUT, no POLLIN (r %d revents %#x)",
	      r, re);

	/* A packet queued: readable. */
	CHECK(bsdtun_write(t, p[0], sizeof(p[0])) == (ssize_t)sizeof(p[0]),
	      "write P0");
	r = poll_in(fd, WAIT_MS, &re);
	CHECK(r == 1 && (re & POLLIN) && (re & POLLOUT),
	      "P0 queued: poll "
	      "gives POLLIN|POLLOUT (r %d revents %#x)",
	      r, re);
	expect_pkt(t, p[0], sizeof(p[0]), "read P0");
	n = bsdtun_read(t, p[3], 1);
	CHECK_ERRNO(n, EWOULDBLOCK, "after reading everything, read");
	r = poll_in(fd, SETTLE_MS, &re);
	CHECK(r == 0 && !(re & POLLIN),
	      "queue empty again: no POLLIN "
	      "(r %d revents %#x)",
	      r, re);

	/* Level-triggered: readable while any packet is queued. */
	CHECK(bsdtun_write(t, p[1], sizeof(p[1])) == (ssize_t)sizeof(p[1]),
	      "write P1");
	CHECK(bsdtun_write(t, p[2], sizeof(p[2])) == (ssize_t)sizeof(p[2]),
	      "write P2");
	sleep_ms(SETTLE_MS);
	r = poll_in(fd, 0, &re);
	CHECK(r == 1 && (re & POLLIN), "P1, P2 queued: POLLIN (revents %#x)",
	      re);
	r = poll_in(fd, 0, &re);
	CHECK(r == 1 && (re & POLLIN),
	      "polled again without reading: still "
	      "POLLIN (revents %#x)",
	      re);
	FD_ZERO(&rfds);
	FD_SET(fd, &rfds);
	tv = (struct timeval){ 0, 0 };
	r = select(fd + 1, &rfds, NULL, NULL, &tv);
	CHECK(r == 1 && FD_ISSET(fd, &rfds), "select: readable (r %d)", r);
	ep_fd = epoll_create1(0);
	ev.data.fd = fd;
	epoll_ctl(ep_fd, EPOLL_CTL_ADD, fd, &ev);
	r = epoll_wait(ep_fd, &out, 1, 0);
	CHECK(r == 1 && (out.events & EPOLLIN), "epoll: EPOLLIN (r %d)", r);
	expect_pkt(t, p[1], sizeof(p[1]), "read P1");
	r = poll_in(fd, 0, &re);
	CHECK(r == 1 && (re & POLLIN),
	      "P2 still queued: POLLIN "
	      "(revents %#x)",
	      re);
	r = epoll_wait(ep_fd, &out, 1, 0);
	CHECK(r == 1 && (out.events & EPOLLIN),
	      "epoll level-triggered: "
	      "EPOLLIN again (r %d)",
	      r);
	expect_pkt(t, p[2], sizeof(p[2]), "read P2");
	n = bsdtun_read(t, p[3], sizeof(p[3]));
	CHECK_ERRNO(n, EWOULDBLOCK, "all read: a wake-up now gives");
	r = poll_in(fd, SETTLE_MS, &re);
	CHECK(r == 0 && !(re & POLLIN) && (re & POLLOUT),
	      "all read: "
	      "POLLOUT only (r %d revents %#x)",
	      r, re);
	FD_ZERO(&rfds);
	FD_SET(fd, &rfds);
	tv = (struct timeval){ 0, 0 };
	r = select(fd + 1, &rfds, NULL, NULL, &tv);
	CHECK(r == 0, "select: not readable (r %d)", r);
	r = epoll_wait(ep_fd, &out, 1, 0);
	CHECK(r == 0, "epoll: nothing (r %d)", r);

	/* A sleeping epoll_wait wakes for the next packet. */
	make_ipv4(p[3], sizeof(p[3]), 44);
	CHECK(bsdtun_write(t, p[3], sizeof(p[3])) == (ssize_t)sizeof(p[3]),
	      "write P3");
	r = epoll_wait(ep_fd, &out, 1, WAIT_MS);
	CHECK(r == 1 && (out.events & EPOLLIN),
	      "epoll_wait wakes for P3 "
	      "(r %d)",
	      r);
	expect_pkt(t, p[3], sizeof(p[3]), "read P3");
	close(ep_fd);
	bsdtun_close(t);
}

/* ---- row 16: the SIGIO owner ------------------------------------------- */

static pid_t server_pid; /* the DPDK process, from the command line */

/* Some thread of the DPDK process other than its main one. */
static pid_t
server_thread(void)
{
	char path[64];
	pid_t tid;

	for (tid = server_pid + 1; tid < server_pid + 4096; tid++) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d",
		         (int)server_pid, (int)tid);
		if (access(path, F_OK) == 0)
			return tid;
	}
	return server_pid;
}

/*
 * The library refuses an owner the kernel would let a same-user (or
 * root) client signal but that would kill the data plane: the DPDK
 * process, any of its threads, its process group.  Otherwise BSD's
 * fsetown rules: the process must exist (ESRCH) and be in our session
 * (EPERM).  The owner lives on our end of the bell, so a reopen has none.
 */
static void
row16_owner(const char *ep)
{
	struct bsdtun *t = bsdtun_open(ep, 0);
	int v;

	CHECK(t != NULL, "open: %s", strerror(errno));
	if (t == NULL)
		return;
	setpgid(0, 0); /* a group of our own, not the DPDK process's */
	v = server_pid;
	CHECK_ERRNO(bsdtun_ioctl(t, FIOSETOWN, &v), EPERM,
	            "FIOSETOWN the DPDK process (%d)", v);
	v = server_thread();
	CHECK_ERRNO(bsdtun_ioctl(t, FIOSETOWN, &v), EPERM,
	            "FIOSETOWN a thread of the DPDK process (%d)", v);
	v = getpgid(server_pid);
	CHECK_ERRNO(bsdtun_ioctl(t, TIOCSPGRP, &v), EPERM,
	            "TIOCSPGRP the DPDK process group (%d)", v);
	v = -v;
	CHECK_ERRNO(bsdtun_ioctl(t, FIOSETOWN, &v), EPERM,
	            "FIOSETOWN -(the DPDK process group)");
	v = INT_MIN;
	CHECK_ERRNO(bsdtun_ioctl(t, TIOCSPGRP, &v), ESRCH,
	            "TIOCSPGRP INT_MIN (no such group)");
	CHECK_ERRNO(bsdtun_ioctl(t, FIOSETOWN, &v), ESRCH,
	            "FIOSETOWN INT_MIN (no such group)");
	v = INT_MAX;
	CHECK_ERRNO(bsdtun_ioctl(t, FIOSETOWN, &v), ESRCH,
	            "FIOSETOWN a pid that does not exist");
	v = 1;
	CHECK_ERRNO(bsdtun_ioctl(t, FIOSETOWN, &v), EPERM,
	            "FIOSETOWN init (another session)");
	v = -1;
	CHECK(bsdtun_ioctl(t, FIOGETOWN, &v) == 0 && v == 0,
	      "FIOGETOWN: still none (%d)", v);
	v = getpid();
	CHECK(bsdtun_ioctl(t, FIOSETOWN, &v) == 0, "FIOSETOWN ourselves");
	CHECK(bsdtun_ioctl(t, FIOGETOWN, &v) == 0 && v == getpid(),
	      "FIOGETOWN: our pid (%d)", v);
	v = getpgrp();
	CHECK(bsdtun_ioctl(t, TIOCSPGRP, &v) == 0, "TIOCSPGRP our group");
	CHECK(bsdtun_ioctl(t, FIOGETOWN, &v) == 0 && v == -getpgrp(),
	      "FIOGETOWN: -(our group) (%d)", v);
	CHECK(bsdtun_ioctl(t, TIOCGPGRP, &v) == 0 && v == getpgrp(),
	      "TIOCGPGRP: our group (%d)", v);
	bsdtun_close(t);
	t = bsdtun_open(ep, 0);
	CHECK(t != NULL, "reopen: %s", strerror(errno));
	if (t == NULL)
		return;
	v = -1;
	CHECK(bsdtun_ioctl(t, FIOGETOWN, &v) == 0 && v == 0,
	      "row 4: the owner was cleared at close (%d)", v);
	bsdtun_close(t);
}

/* ---- who serves the endpoint (tests/fake_endpoint) --------------------- */

/*
 * Served by another user (uid 65534): bsdtun_open refuses EPERM, as that
 * user could read and inject our traffic; bsdtun_open_ex trusting that
 * uid opens it.
 */
static void
trust_peer(const char *ep)
{
	struct bsdtun *t = bsdtun_open(ep, 0);

	CHECK_ERRNO(t == NULL ? -1 : 0, EPERM,
	            "bsdtun_open of an endpoint served by uid 65534");
	if (t != NULL)
		bsdtun_close(t);
	t = bsdtun_open_ex(ep, 0, 65534);
	CHECK(t != NULL, "bsdtun_open_ex trusting uid 65534: %s",
	      t == NULL ? strerror(errno) : "open");
	if (t != NULL)
		bsdtun_close(t);
}

/* A WELCOME whose descriptors are not what the PMD hands over. */
static void
trust_region(const char *ep)
{
	struct bsdtun *t = bsdtun_open(ep, 0);

	CHECK_ERRNO(t == NULL ? -1 : 0, EPROTO,
	            "bsdtun_open refuses the region or bell it was given");
	if (t != NULL)
		bsdtun_close(t);
}

/* ---- main ------------------------------------------------------------------- */

static const struct {
	const char *name;
	void (*fn)(const char *ep);
} rows[] = {
	{ "row1", row1 },
	{ "row5", row5 },
	{ "row6", row6 },
	{ "row9", row9 },
	{ "row10", row10 },
	{ "row11", row11 },
	{ "row12", row12 },
	{ "row13", row13 },
	{ "row14", row14 },
	{ "row16_owner", row16_owner },
	{ "trust_peer", trust_peer },
	{ "trust_region", trust_region },
};

int
main(int argc, char **argv)
{
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s ENDPOINT ROW [DPDK-PID]\n", argv[0]);
		return 2;
	}
	if (argc == 4)
		server_pid = atoi(argv[3]);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (strcmp(argv[2], rows[i].name) == 0) {
			step = rows[i].name;
			rows[i].fn(argv[1]);
			printf("%s: %d passed, %d failed\n", step, passes,
			       failures);
			return failures ? 1 : 0;
		}
	}
	fprintf(stderr, "unknown row %s\n", argv[2]);
	return 2;
}
