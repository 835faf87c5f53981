/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cdev_client: an unmodified tun(4) program for the device node
 * (devarg cdev=PATH).  It uses the node only with open, read, write, readv,
 * writev, poll/select/epoll, ioctl, fcntl and close, and takes nothing
 * from bsdtun but the constants of bsdtun.h (never the library).
 * tests/test_cdev.py starts dpdk-testpmd in io forwarding (one port: what
 * the client writes comes back to it) and runs
 *
 *	cdev_client STEP NODE [ARG...]
 *
 * Every assertion prints "PASS step: what" or "FAIL step: what (...)"; the
 * exit status is 1 when any failed.  When the DPDK side must act in the
 * middle of a step, the client prints "WAIT what" and reads one line from
 * stdin before going on.  Lines "INFO ..." are observations, not checks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bsdtun.h"
#include "test_check.h"

#define WAIT_MS   3000 /* longest wait for an expected packet */
#define SETTLE_MS 200  /* io loopback takes microseconds */
#define BUF_MAX   (TUNMRU + 64)

/* ---- timers: a blocking call on the node never hangs a step -------------- */

static volatile sig_atomic_t alarms;

static void
on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* SIGALRM without SA_RESTART: it interrupts a blocked read with EINTR. */
static void
alarm_setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
}

static void
alarm_ms(long ms)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
}

/* ---- packets -------------------------------------------------------------- */

/* A valid IPv4 packet of len bytes (>= 28); seq in the id and payload. */
static size_t
make_ipv4(uint8_t *b, size_t len, uint32_t seq, uint8_t tag)
{
	size_t i;

	memset(b, 0, 20);
	b[0] = 0x45;
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	b[4] = (uint8_t)(seq >> 8);
	b[5] = (uint8_t)seq;
	b[8] = 64;
	b[9] = 253; /* experimental protocol */
	b[12] = 10;
	b[15] = 1; /* 10.0.0.1 */
	b[16] = 10;
	b[19] = 2; /* 10.0.0.2 */
	b[20] = tag;
	b[21] = (uint8_t)(seq >> 16);
	b[22] = (uint8_t)(seq >> 8);
	b[23] = (uint8_t)seq;
	for (i = 24; i < len; i++)
		b[i] = (uint8_t)(seq * 7 + i);
	return len;
}

static size_t
make_ipv6(uint8_t *b, size_t len, uint32_t seq)
{
	size_t i;

	memset(b, 0, 40);
	b[0] = 0x60;
	b[4] = (uint8_t)((len - 40) >> 8);
	b[5] = (uint8_t)(len - 40);
	b[6] = 59;
	b[7] = 64;
	b[8] = 0xfd;
	b[23] = 1;
	b[24] = 0xfd;
	b[39] = 2;
	for (i = 40; i < len; i++)
		b[i] = (uint8_t)(seq * 13 + i);
	return len;
}

static int
node_open(const char *node, int flags)
{
	int fd = open(node, flags | O_CLOEXEC);

	CHECK(fd >= 0, "open(%s, %s%s)", node,
	      (flags & O_ACCMODE) == O_RDONLY ? "O_RDONLY" : "O_RDWR",
	      flags & O_NONBLOCK ? "|O_NONBLOCK" : "");
	return fd;
}

/* Blocking read bounded by WAIT_MS (a timeout shows as EINTR). */
static ssize_t
read_bounded(int fd, void *buf, size_t len)
{
	ssize_t n;

	alarm_ms(WAIT_MS);
	n = read(fd, buf, len);
	alarm_ms(0);
	return n;
}

/* Read (blocking) the next packet and compare it with want[0..wlen). */
static void
expect_pkt(int fd, const uint8_t *want, size_t wlen, const char *what)
{
	static uint8_t got[BUF_MAX];
	ssize_t n = read_bounded(fd, got, sizeof(got));

	CHECK(n == (ssize_t)wlen && memcmp(got, want, wlen) == 0,
	      "%s: read returns the %zu bytes written (got %zd)", what, wlen,
	      n);
}

static void
drain(int fd)
{
	uint8_t b[BUF_MAX];
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while (read(fd, b, sizeof(b)) >= 0)
		;
	fcntl(fd, F_SETFL, fl);
}

static int
set_int(int fd, unsigned long req, int v)
{
	return ioctl(fd, req, &v);
}

static int
get_int(int fd, unsigned long req)
{
	int v = -12345;

	if (ioctl(fd, req, &v) < 0)
		return -12345;
	return v;
}

/* ---- steps ------------------------------------------------------------------ */

/* Row 1 on the node: one holder at a time; close then reopen works. */
static void
step_busy(const char *node)
{
	int fd, fd2, i, ok = 1;

	fd = node_open(node, O_RDWR);
	fd2 = open(node, O_RDWR);
	CHECK_ERRNO(fd2, EBUSY, "second open(O_RDWR) while held");
	fd2 = open(node, O_RDONLY | O_NONBLOCK);
	CHECK_ERRNO(fd2, EBUSY, "second open(O_RDONLY|O_NONBLOCK) while held");
	wait_driver("lib-open"); /* the library face: EBUSY too */
	CHECK(close(fd) == 0, "close");
	for (i = 0; i < 100; i++) {
		fd = open(node, i % 2 ? O_RDONLY : O_RDWR);
		if (fd < 0 || close(fd) < 0) {
			ok = 0;
			break;
		}
	}
	CHECK(ok, "100 x open + close (%d done)", i);
}

static void
step_open_errno(const char *node, const char *want)
{
	int err = strcmp(want, "EBUSY") == 0  ? EBUSY :
	          strcmp(want, "EACCES") == 0 ? EACCES :
	                                        -1;
	int fd = open(node, O_RDWR);

	CHECK_ERRNO(fd, err, "open(%s) by uid %d", node, (int)getuid());
	if (fd >= 0)
		close(fd);
}

/* Open, one packet there and back (forwarding on), close. */
static void
step_echo(const char *node)
{
	uint8_t pkt[100];
	struct tuninfo ti;
	int fd = node_open(node, O_RDWR);

	if (fd < 0)
		return;
	drain(fd);
	CHECK(ioctl(fd, TUNGIFINFO, &ti) == 0, "TUNGIFINFO by uid %d",
	      (int)getuid());
	make_ipv4(pkt, sizeof(pkt), 1, 0xec);
	CHECK(write(fd, pkt, sizeof(pkt)) == (ssize_t)sizeof(pkt), "write");
	expect_pkt(fd, pkt, sizeof(pkt), "echo");
	CHECK(close(fd) == 0, "close");
}

/* Open, an ioctl and a write (no forwarding needed), close. */
static void
step_open_ok(const char *node)
{
	uint8_t pkt[100];
	struct tuninfo ti;
	int fd = node_open(node, O_RDWR);

	if (fd < 0)
		return;
	CHECK(ioctl(fd, TUNGIFINFO, &ti) == 0 && ti.mtu == TUNMTU,
	      "TUNGIFINFO by uid %d", (int)getuid());
	make_ipv4(pkt, sizeof(pkt), 1, 0x0c);
	CHECK(write(fd, pkt, sizeof(pkt)) == (ssize_t)sizeof(pkt), "write");
	CHECK(close(fd) == 0, "close");
}

/* Open and keep the node open until the driver says go. */
static void
step_hold(const char *node)
{
	int fd = node_open(node, O_RDWR);

	wait_driver("held");
	if (fd >= 0)
		close(fd);
}

/* Rows 10, 11, 12: nothing queued by a refused or empty write. */
static void
step_write_errors(const char *node)
{
	static uint8_t big[2 << 20]; /* more than FUSE's largest write */
	uint8_t pkt[64];
	struct iovec iov[3];
	uint32_t af;
	int fd = node_open(node, O_RDWR);

	make_ipv4(big, TUNMRU + 1, 1, 0xb1);
	CHECK(write(fd, pkt, 0) == 0, "row 10: write of 0 bytes returns 0");
	CHECK(writev(fd, iov, 0) == 0,
	      "row 10: writev of 0 elements returns 0");
	CHECK_ERRNO(write(fd, big, TUNMRU + 1), EIO,
	            "row 11: write of TUNMRU+1 bytes");
	iov[0].iov_base = big;
	iov[0].iov_len = 20;
	iov[1].iov_base = big + 20;
	iov[1].iov_len = TUNMRU - 20;
	iov[2].iov_base = big + TUNMRU;
	iov[2].iov_len = 1;
	CHECK_ERRNO(writev(fd, iov, 3), EIO,
	            "row 11: writev of TUNMRU+1 bytes in 3 elements");
	CHECK_ERRNO(write(fd, big, 100000), EIO,
	            "row 11: write of 100000 bytes");
	CHECK_ERRNO(write(fd, big, sizeof(big)), EIO,
	            "row 11: write of 2 MiB (split by the kernel)");

	CHECK(set_int(fd, TUNSIFHEAD, 1) == 0, "TUNSIFHEAD 1");
	af = htonl(AF_INET);
	CHECK_ERRNO(write(fd, &af, 3), EINVAL,
	            "row 12: IFHEAD write of 3 bytes");
	af = htonl(99);
	memcpy(pkt, &af, 4);
	make_ipv4(pkt + 4, 60, 2, 0xb2);
	CHECK_ERRNO(write(fd, pkt, 64), EAFNOSUPPORT,
	            "row 12: IFHEAD write with family 99");
	CHECK(set_int(fd, TUNSIFHEAD, 0) == 0, "TUNSIFHEAD 0");
	close(fd);
}

/* Row 13 with forwarding stopped: qlen writes fit, then ENOBUFS; after
 * "start" each comes back whole and in order. */
static void
step_enobufs(const char *node, int qlen)
{
	static uint8_t pkt[BUF_MAX];
	int fd = node_open(node, O_RDWR);
	int i, n = 0, err = 0;

	for (i = 0; i < qlen + 5; i++) {
		size_t len = 28 + (size_t)(i * 37) % 1400;
		struct iovec iov[3];
		ssize_t w;

		make_ipv4(pkt, len, (uint32_t)i, 0x13);
		if (i % 2) {
			/* writev: three elements, still one packet */
			iov[0].iov_base = pkt;
			iov[0].iov_len = 7;
			iov[1].iov_base = pkt + 7;
			iov[1].iov_len = 13;
			iov[2].iov_base = pkt + 20;
			iov[2].iov_len = len - 20;
			w = writev(fd, iov, 3);
		} else {
			w = write(fd, pkt, len);
		}
		if (w < 0) {
			err = errno;
			break;
		}
		CHECK(w == (ssize_t)len, "write %d returns %zu (got %zd)", i,
		      len, w);
		n++;
	}
	errno = err;
	CHECK(n == qlen && err == ENOBUFS,
	      "row 13: %d writes fit, the next fails ENOBUFS (got %d, %s)",
	      qlen, n, strerror(err));
	wait_driver("start");
	for (i = 0; i < n; i++) {
		size_t len = 28 + (size_t)(i * 37) % 1400;
		char what[64];

		make_ipv4(pkt, len, (uint32_t)i, 0x13);
		snprintf(what, sizeof(what), "row 13: packet %d", i);
		expect_pkt(fd, pkt, len, what);
	}
	close(fd);
}

/* Rows 6 and 7: one packet per read, truncation, readv, framing. */
static void
step_rw(const char *node)
{
	static uint8_t a[BUF_MAX], b[BUF_MAX], got[BUF_MAX];
	uint8_t h4[4] = { 0 }, sin[16];
	struct iovec iov[3];
	uint32_t af;
	ssize_t n;
	int fd = node_open(node, O_RDWR);

	drain(fd);
	make_ipv4(a, 100, 1, 0x61);
	make_ipv4(b, 200, 2, 0x62);
	CHECK(write(fd, a, 100) == 100 && write(fd, b, 200) == 200,
	      "write 100 + 200 bytes");
	expect_pkt(fd, a, 100, "row 6: first read, big buffer");
	expect_pkt(fd, b, 200, "row 6: second read");

	make_ipv4(a, 300, 3, 0x63);
	make_ipv4(b, 120, 4, 0x64);
	CHECK(write(fd, a, 300) == 300 && write(fd, b, 120) == 120,
	      "write 300 + 120 bytes");
	alarm_ms(WAIT_MS);
	n = read(fd, got, 10);
	alarm_ms(0);
	CHECK(n == 10 && memcmp(got, a, 10) == 0,
	      "row 6: read(10) of a 300-byte packet returns its first 10 bytes "
	      "(got %zd)",
	      n);
	expect_pkt(fd, b, 120, "row 6: the rest was dropped, next read");

	make_ipv4(a, 1000, 5, 0x65);
	CHECK(write(fd, a, 1000) == 1000, "write 1000 bytes");
	memset(got, 0, sizeof(got));
	iov[0].iov_base = got;
	iov[0].iov_len = 20;
	iov[1].iov_base = got + 100;
	iov[1].iov_len = 500;
	iov[2].iov_base = got + 1000;
	iov[2].iov_len = 2000;
	alarm_ms(WAIT_MS);
	n = readv(fd, iov, 3);
	alarm_ms(0);
	CHECK(n == 1000 && memcmp(got, a, 20) == 0 &&
	              memcmp(got + 100, a + 20, 500) == 0 &&
	              memcmp(got + 1000, a + 520, 480) == 0,
	      "row 6: readv fills 20 + 500 + 480 bytes in order (got %zd)", n);

	/* Row 7, IFHEAD: family first, network order; IPv6 passes. */
	CHECK(set_int(fd, TUNSIFHEAD, 1) == 0 && get_int(fd, TUNGIFHEAD) == 1,
	      "TUNSIFHEAD 1, TUNGIFHEAD 1");
	af = htonl(AF_INET);
	memcpy(a, &af, 4);
	make_ipv4(a + 4, 80, 6, 0x66);
	CHECK(write(fd, a, 84) == 84, "IFHEAD write AF_INET + 80 bytes");
	iov[0].iov_base = h4;
	iov[0].iov_len = 4;
	iov[1].iov_base = got;
	iov[1].iov_len = 1500;
	alarm_ms(WAIT_MS);
	n = readv(fd, iov, 2);
	alarm_ms(0);
	CHECK(n == 84 && memcmp(h4, &af, 4) == 0 && memcmp(got, a + 4, 80) == 0,
	      "row 7: readv([4], [1500]) gets AF_INET then the packet (got "
	      "%zd)",
	      n);
	af = htonl(AF_INET6);
	memcpy(a, &af, 4);
	make_ipv6(a + 4, 120, 7);
	CHECK(write(fd, a, 124) == 124, "IFHEAD write AF_INET6 + 120 bytes");
	expect_pkt(fd, a, 124, "row 7: IPv6 with its AF_INET6 header");
	af = htonl(28); /* FreeBSD's AF_INET6 */
	memcpy(b, &af, 4);
	memcpy(b + 4, a + 4, 120);
	CHECK(write(fd, b, 124) == 124, "IFHEAD write BSD family 28 + IPv6");
	expect_pkt(fd, a, 124, "row 7: comes back as host AF_INET6");

	/* LMODE: struct sockaddr_in of the destination, then the packet. */
	CHECK(set_int(fd, TUNSLMODE, 1) == 0 && get_int(fd, TUNGIFHEAD) == 0,
	      "TUNSLMODE 1 clears IFHEAD");
	make_ipv4(a, 90, 8, 0x68);
	CHECK(write(fd, a, 90) == 90, "LMODE write 90 bytes");
	n = read_bounded(fd, got, sizeof(got));
	memset(sin, 0, sizeof(sin));
	sin[0] = AF_INET; /* sin_family, host order, little-endian */
	memcpy(sin + 4, a + 16, 4);
	CHECK(n == 106 && memcmp(got, sin, 16) == 0 &&
	              memcmp(got + 16, a, 90) == 0,
	      "row 7: LMODE read = sockaddr_in(10.0.0.2) + packet (got %zd)",
	      n);
	CHECK(set_int(fd, TUNSLMODE, 0) == 0, "TUNSLMODE 0");
	close(fd);
}

static void *
late_writer(void *arg)
{
	int fd = *(int *)arg;
	uint8_t pkt[60];

	sleep_us(200000);
	make_ipv4(pkt, sizeof(pkt), 42, 0x55);
	if (write(fd, pkt, sizeof(pkt)) != (ssize_t)sizeof(pkt))
		return (void *)1;
	return NULL;
}

/* Row 5: EWOULDBLOCK, blocking until a packet comes, EINTR. */
static void
step_nonblock(const char *node)
{
	uint8_t buf[BUF_MAX], pkt[60];
	struct tuninfo ti;
	pthread_t th;
	void *res;
	long t0;
	ssize_t n;
	pid_t pid, r;
	int fd, st;

	fd = node_open(node, O_RDWR | O_NONBLOCK);
	drain(fd);
	CHECK_ERRNO(read(fd, buf, sizeof(buf)), EWOULDBLOCK,
	            "row 5: read with O_NONBLOCK from open(), queue empty");
	close(fd);

	fd = node_open(node, O_RDWR);
	CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0,
	      "fcntl(F_SETFL, O_NONBLOCK)");
	CHECK_ERRNO(read(fd, buf, sizeof(buf)), EWOULDBLOCK,
	            "row 5: read after fcntl O_NONBLOCK");
	CHECK(fcntl(fd, F_SETFL, 0) == 0, "fcntl(F_SETFL, 0)");
	CHECK(set_int(fd, FIONBIO, 1) == 0, "FIONBIO 1");
	CHECK_ERRNO(read(fd, buf, sizeof(buf)), EWOULDBLOCK,
	            "row 5: read after FIONBIO 1");
	CHECK(set_int(fd, FIONBIO, 0) == 0, "FIONBIO 0");

	/* Blocking: a packet written 200 ms later (by another thread on the
	 * same file, while this read is pending) wakes it. */
	pthread_create(&th, NULL, late_writer, &fd);
	t0 = now_ms();
	n = read_bounded(fd, buf, sizeof(buf));
	make_ipv4(pkt, sizeof(pkt), 42, 0x55);
	CHECK(n == (ssize_t)sizeof(pkt) && memcmp(buf, pkt, sizeof(pkt)) == 0 &&
	              now_ms() - t0 >= 150,
	      "row 5: blocking read waits for the packet (%zd bytes after %ld "
	      "ms)",
	      n, now_ms() - t0);
	pthread_join(th, &res);
	CHECK(res == NULL, "the write during the blocked read succeeded");

	/* A signal interrupts the blocked read. */
	t0 = now_ms();
	alarm_ms(300);
	n = read(fd, buf, sizeof(buf));
	alarm_ms(0);
	CHECK_ERRNO(n, EINTR, "row 5: blocked read, SIGALRM after 300 ms");
	CHECK(now_ms() - t0 >= 250, "row 5: it did block (%ld ms)",
	      now_ms() - t0);

	/* SIGKILL to a blocked reader: it dies at once (FUSE_INTERRUPT). */
	pid = fork();
	if (pid == 0) {
		read(fd, buf, sizeof(buf));
		_exit(0);
	}
	sleep_us(200000);
	t0 = now_ms();
	kill(pid, SIGKILL);
	alarm_ms(WAIT_MS);
	r = waitpid(pid, &st, 0);
	alarm_ms(0);
	CHECK(r == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	      "a reader blocked on the node dies of SIGKILL (%ld ms)",
	      now_ms() - t0);

	/* The file is sane afterwards: ioctl and echo. */
	CHECK(ioctl(fd, TUNGIFINFO, &ti) == 0 && ti.mtu == TUNMTU,
	      "TUNGIFINFO after the interrupted read (mtu %d)", ti.mtu);
	make_ipv4(pkt, sizeof(pkt), 43, 0x56);
	CHECK(write(fd, pkt, sizeof(pkt)) == (ssize_t)sizeof(pkt), "write");
	expect_pkt(fd, pkt, sizeof(pkt), "echo after EINTR");
	close(fd);
}

/* Writer thread for the lost wake-up hunt: one packet per token. */
struct hunt {
	int fd;
	int go[2];
	int rounds;
	int bad;
};

static void *
hunt_writer(void *arg)
{
	struct hunt *h = arg;
	uint8_t pkt[64];
	char c;
	int i;

	for (i = 0; i < h->rounds; i++) {
		if (read(h->go[0], &c, 1) != 1)
			break;
		sleep_us((i % 7) * 150); /* 0..900 us after the poll */
		make_ipv4(pkt, sizeof(pkt), (uint32_t)i, 0x77);
		if (write(h->fd, pkt, sizeof(pkt)) != (ssize_t)sizeof(pkt))
			h->bad++;
	}
	return NULL;
}

/* Row 14: poll/select/epoll readable iff a packet is queued. */
static void
step_poll(const char *node)
{
	static uint8_t buf[BUF_MAX], pkt[64];
	struct epoll_event ev, out[4];
	struct pollfd p;
	struct timeval tv;
	struct hunt h;
	pthread_t th;
	fd_set rd;
	int fd, ep, r, i, lost = 0, wrong = 0;

	fd = node_open(node, O_RDWR | O_NONBLOCK);
	drain(fd);
	p.fd = fd;
	p.events = POLLIN | POLLOUT;
	r = poll(&p, 1, 0);
	CHECK(r == 1 && p.revents == POLLOUT,
	      "row 14: empty: poll gives POLLOUT only (r %d revents 0x%x)", r,
	      p.revents);
	make_ipv4(pkt, sizeof(pkt), 1, 0x14);
	CHECK(write(fd, pkt, sizeof(pkt)) == (ssize_t)sizeof(pkt), "write");
	p.events = POLLIN;
	r = poll(&p, 1, WAIT_MS);
	CHECK(r == 1 && p.revents == POLLIN,
	      "row 14: packet queued: poll gives POLLIN (r %d revents 0x%x)", r,
	      p.revents);
	CHECK(read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(pkt), "read it");
	r = poll(&p, 1, 0);
	CHECK(r == 0, "row 14: read empty again: poll gives nothing (r %d)", r);
	CHECK_ERRNO(read(fd, buf, sizeof(buf)), EWOULDBLOCK,
	            "row 14: and read fails");

	/* select */
	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	CHECK(select(fd + 1, &rd, NULL, NULL, &tv) == 0,
	      "row 14: select: empty, not readable");
	CHECK(write(fd, pkt, sizeof(pkt)) == (ssize_t)sizeof(pkt), "write");
	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	tv.tv_sec = WAIT_MS / 1000;
	tv.tv_usec = 0;
	r = select(fd + 1, &rd, NULL, NULL, &tv);
	CHECK(r == 1 && FD_ISSET(fd, &rd), "row 14: select: readable");
	CHECK(read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(pkt), "read it");

	/* epoll, level-triggered then edge-triggered */
	ep = epoll_create1(EPOLL_CLOEXEC);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0, "epoll_ctl ADD");
	CHECK(epoll_wait(ep, out, 4, 0) == 0, "row 14: epoll: empty, no event");
	CHECK(write(fd, pkt, sizeof(pkt)) == (ssize_t)sizeof(pkt), "write");
	r = epoll_wait(ep, out, 4, WAIT_MS);
	CHECK(r == 1 && out[0].events == EPOLLIN, "row 14: epoll: EPOLLIN");
	r = epoll_wait(ep, out, 4, 0);
	CHECK(r == 1, "row 14: epoll LT: still EPOLLIN before the read");
	CHECK(read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(pkt), "read it");
	CHECK(epoll_wait(ep, out, 4, 0) == 0, "row 14: epoll: no event after");
	ev.events = EPOLLIN | EPOLLET;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) == 0, "epoll_ctl MOD ET");
	CHECK(write(fd, pkt, sizeof(pkt)) == (ssize_t)sizeof(pkt) &&
	              write(fd, pkt, sizeof(pkt)) == (ssize_t)sizeof(pkt),
	      "write 2");
	/* both back from testpmd before the wait: one edge covers both */
	usleep(SETTLE_MS * 1000);
	r = epoll_wait(ep, out, 4, WAIT_MS);
	CHECK(r == 1, "row 14: epoll ET: an event for two packets");
	for (i = 0; read(fd, buf, sizeof(buf)) >= 0; i++)
		;
	CHECK(i == 2 && errno == EAGAIN, "row 14: ET: 2 reads then EAGAIN");
	CHECK(epoll_wait(ep, out, 4, 0) == 0, "row 14: ET: no event");
	CHECK(write(fd, pkt, sizeof(pkt)) == (ssize_t)sizeof(pkt), "write");
	r = epoll_wait(ep, out, 4, WAIT_MS);
	CHECK(r == 1, "row 14: ET: the next packet is a new edge");
	drain(fd);
	close(ep);

	/* No lost wake-up: a packet written just after poll went to sleep
	 * (0..900 us later, by another thread) always wakes it. */
	h.fd = fd;
	h.rounds = 1000;
	h.bad = 0;
	if (pipe(h.go) < 0)
		return;
	pthread_create(&th, NULL, hunt_writer, &h);
	for (i = 0; i < h.rounds; i++) {
		ssize_t n;

		if (write(h.go[1], "g", 1) != 1)
			break;
		p.events = POLLIN;
		p.revents = 0;
		r = poll(&p, 1, WAIT_MS);
		if (r != 1) {
			lost++;
			break;
		}
		n = read(fd, buf, sizeof(buf));
		make_ipv4(pkt, sizeof(pkt), (uint32_t)i, 0x77);
		if (n != (ssize_t)sizeof(pkt) || memcmp(buf, pkt, n) != 0)
			wrong++;
		if (read(fd, buf, sizeof(buf)) >= 0 || errno != EAGAIN)
			wrong++; /* one packet, then the queue is empty */
	}
	close(h.go[1]);
	pthread_join(th, NULL);
	close(h.go[0]);
	CHECK(lost == 0 && wrong == 0 && h.bad == 0,
	      "row 14: %d poll/write races: no lost wake-up (lost %d, wrong "
	      "%d, write errors %d)",
	      i, lost, wrong, h.bad);
	close(fd);
}

/* Rows 17-22 (forwarding stopped, ports started). */
static void
step_ioctls(const char *node)
{
	struct tuninfo ti, t2;
	char what[64];
	pid_t pid;
	int fd, st;

	fd = node_open(node, O_RDWR);

	/* 17 */
	CHECK_ERRNO(set_int(fd, TUNSIFMODE, IFF_BROADCAST), EBUSY,
	            "row 17: TUNSIFMODE while the port is started");
	wait_driver("port-stop");
	CHECK(set_int(fd, TUNSIFMODE, IFF_BROADCAST) == 0,
	      "row 17: TUNSIFMODE IFF_BROADCAST, port stopped");
	CHECK(set_int(fd, TUNSIFMODE, IFF_BROADCAST | IFF_MULTICAST) == 0,
	      "row 17: TUNSIFMODE IFF_BROADCAST|IFF_MULTICAST");
	CHECK(set_int(fd, TUNSIFMODE, IFF_POINTOPOINT | 0x8000) == 0,
	      "row 17: TUNSIFMODE IFF_POINTOPOINT|BSD IFF_MULTICAST");
	CHECK_ERRNO(set_int(fd, TUNSIFMODE, IFF_LOOPBACK), EINVAL,
	            "row 17: TUNSIFMODE IFF_LOOPBACK");
	CHECK_ERRNO(set_int(fd, TUNSIFMODE, IFF_BROADCAST | IFF_POINTOPOINT),
	            EINVAL, "row 17: TUNSIFMODE both");
	CHECK_ERRNO(set_int(fd, TUNSIFMODE, 0), EINVAL, "row 17: TUNSIFMODE 0");
	CHECK(set_int(fd, TUNSIFMODE, IFF_POINTOPOINT | IFF_MULTICAST) == 0,
	      "row 17: TUNSIFMODE IFF_POINTOPOINT|IFF_MULTICAST");
	wait_driver("port-start");

	/* 18 */
	CHECK(get_int(fd, TUNGIFHEAD) == 0, "row 18: TUNGIFHEAD 0 at start");
	CHECK(set_int(fd, TUNSIFHEAD, 1) == 0 && get_int(fd, TUNGIFHEAD) == 1,
	      "row 18: TUNSIFHEAD 1 -> TUNGIFHEAD 1");
	CHECK(set_int(fd, TUNSIFHEAD, 7) == 0 && get_int(fd, TUNGIFHEAD) == 1,
	      "row 18: TUNSIFHEAD 7 -> TUNGIFHEAD 1");
	CHECK(set_int(fd, TUNSLMODE, 1) == 0 && get_int(fd, TUNGIFHEAD) == 0,
	      "row 18: TUNSLMODE 1 clears IFHEAD");
	CHECK(set_int(fd, TUNSIFHEAD, 1) == 0 && get_int(fd, TUNGIFHEAD) == 1,
	      "row 18: TUNSIFHEAD 1 again");
	CHECK(set_int(fd, TUNSIFHEAD, 0) == 0 && get_int(fd, TUNGIFHEAD) == 0,
	      "row 18: TUNSIFHEAD 0");

	/* 19 */
	memset(&ti, 0, sizeof(ti));
	CHECK(ioctl(fd, TUNGIFINFO, &ti) == 0 && ti.mtu == TUNMTU &&
	              ti.type == TUN_IFT_PPP,
	      "row 19: TUNGIFINFO mtu %d type 0x%x baudrate %d", ti.mtu,
	      ti.type, ti.baudrate);
	t2 = ti;
	t2.mtu = 71;
	CHECK_ERRNO(ioctl(fd, TUNSIFINFO, &t2), EINVAL,
	            "row 19: TUNSIFINFO mtu 71");
	t2.mtu = 9000;
	t2.type = 6;
	t2.baudrate = 1000000;
	CHECK(ioctl(fd, TUNSIFINFO, &t2) == 0, "row 19: TUNSIFINFO mtu 9000");
	memset(&ti, 0, sizeof(ti));
	CHECK(ioctl(fd, TUNGIFINFO, &ti) == 0 && ti.mtu == 9000 &&
	              ti.type == 6 && ti.baudrate == 1000000,
	      "row 19: TUNGIFINFO gives mtu 9000 type 6 baudrate 1000000");
	wait_driver("mtu 9000"); /* the ethdev MTU; then set to 1400 */
	CHECK(ioctl(fd, TUNGIFINFO, &ti) == 0 && ti.mtu == 1400,
	      "row 19: TUNGIFINFO sees the ethdev's MTU 1400 (got %d)", ti.mtu);
	t2.mtu = TUNMTU;
	t2.type = TUN_IFT_PPP;
	t2.baudrate = 0;
	CHECK(ioctl(fd, TUNSIFINFO, &t2) == 0, "TUNSIFINFO back to 1500");
	CHECK_ERRNO(ioctl(fd, TUNSIFINFO, NULL), EFAULT,
	            "row 19: TUNSIFINFO with a NULL argument");
	CHECK_ERRNO(ioctl(fd, TUNGIFINFO, NULL), EFAULT,
	            "row 19: TUNGIFINFO with a NULL argument");

	/* 20 */
	CHECK(set_int(fd, TUNSDEBUG, 3) == 0 && get_int(fd, TUNGDEBUG) == 3,
	      "row 20: TUNSDEBUG 3 -> TUNGDEBUG 3");
	wait_driver("debug 3");
	CHECK(set_int(fd, TUNSDEBUG, 0) == 0 && get_int(fd, TUNGDEBUG) == 0,
	      "row 20: TUNSDEBUG 0");

	/* 21: a child sharing the file records its own pid */
	pid = fork();
	if (pid == 0)
		_exit(ioctl(fd, TUNSIFPID, 0) == 0 ? 0 : 1);
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "row 21: TUNSIFPID in child %d", (int)pid);
	snprintf(what, sizeof(what), "pid %d", (int)pid);
	wait_driver(what);
	CHECK(ioctl(fd, TUNSIFPID) == 0, "row 21: TUNSIFPID (pid %d)",
	      (int)getpid());
	snprintf(what, sizeof(what), "pid %d", (int)getpid());
	wait_driver(what);

	/* 22 */
	CHECK_ERRNO(set_int(fd, _IOW('t', 99, int), 1), ENOTTY,
	            "row 22: _IOW('t', 99, int)");
	CHECK_ERRNO(ioctl(fd, _IO('t', 100)), ENOTTY, "row 22: _IO('t', 100)");
	CHECK_ERRNO(ioctl(fd, _IOR('x', 1, int), &st), ENOTTY,
	            "row 22: _IOR('x', 1, int)");
	CHECK_ERRNO(ioctl(fd, BSD_TUNSIFHEAD, &st), ENOTTY,
	            "row 22: BSD-encoded TUNSIFHEAD (the node takes Linux's)");
	CHECK_ERRNO(ioctl(fd, TIOCSPGRP, &st), ENOTTY, "row 22: TIOCSPGRP");
	close(fd);
}

/* What the Linux VFS does with FIONREAD, FIOASYNC, FIOSETOWN on the node
 * (doc/cdev.md); the checks are what the document says. */
static void
step_vfs(const char *node)
{
	uint8_t pkt[100], buf[BUF_MAX];
	int fd = node_open(node, O_RDWR);
	int v = -1, on = 1, off = 0, own;

	drain(fd);
	CHECK(ioctl(fd, FIONREAD, &v) == 0, "FIONREAD succeeds");
	printf("INFO FIONREAD on a fresh file: %d\n", v);
	make_ipv4(pkt, sizeof(pkt), 1, 0xf1);
	CHECK(write(fd, pkt, sizeof(pkt)) == (ssize_t)sizeof(pkt), "write");
	CHECK(read_bounded(fd, buf, sizeof(buf)) == (ssize_t)sizeof(pkt),
	      "read");
	CHECK(write(fd, pkt, sizeof(pkt)) == (ssize_t)sizeof(pkt), "write");
	sleep_us(100000);
	v = -1;
	CHECK(ioctl(fd, FIONREAD, &v) == 0, "FIONREAD succeeds");
	printf("INFO FIONREAD with a 100-byte packet queued, after 100 bytes "
	       "written and read: %d\n",
	       v);
	drain(fd);
	errno = 0;
	CHECK_ERRNO(ioctl(fd, FIOASYNC, &on), ENOTTY, "FIOASYNC 1");
	CHECK(ioctl(fd, FIOASYNC, &off) == 0, "FIOASYNC 0 (a no-op)");
	own = getpid();
	CHECK_ERRNO(
	        ioctl(fd, FIOSETOWN, &own), ENOTTY,
	        "FIOSETOWN (not _IOC-encoded: FUSE cannot pass its argument)");
	CHECK_ERRNO(ioctl(fd, FIOGETOWN, &own), ENOTTY, "FIOGETOWN");
	CHECK(fcntl(fd, F_SETOWN, getpid()) == 0 &&
	              fcntl(fd, F_GETOWN) == getpid(),
	      "fcntl F_SETOWN/F_GETOWN (VFS state only)");
	CHECK(fcntl(fd, F_SETFL, O_ASYNC) == 0,
	      "fcntl F_SETFL O_ASYNC is accepted (and never signals)");
	close(fd);
}

/* Row 23: packets queued to the client are purged at close. */
static void
step_purge(const char *node, int count)
{
	uint8_t pkt[80], buf[BUF_MAX];
	struct pollfd p;
	int fd = node_open(node, O_RDWR), i;

	drain(fd);
	for (i = 0; i < count; i++) {
		make_ipv4(pkt, sizeof(pkt), (uint32_t)i, 0x23);
		CHECK(write(fd, pkt, sizeof(pkt)) == (ssize_t)sizeof(pkt),
		      "write %d", i);
	}
	p.fd = fd;
	p.events = POLLIN;
	CHECK(poll(&p, 1, WAIT_MS) == 1, "queued to the client");
	sleep_us(200000); /* all of them */
	wait_driver("queued");
	CHECK(close(fd) == 0, "close with packets queued");
	wait_driver("closed");
	fd = node_open(node, O_RDWR | O_NONBLOCK);
	CHECK_ERRNO(read(fd, buf, sizeof(buf)), EWOULDBLOCK,
	            "row 23: reopened: the queue was purged");
	close(fd);
}

/* The unit goes away under a blocked reader (port closed): woken, ENXIO. */
static void
step_gone(const char *node)
{
	uint8_t buf[BUF_MAX];
	int fd = node_open(node, O_RDWR), st;
	pid_t pid;
	ssize_t n;

	pid = fork();
	if (pid == 0) {
		alarm_ms(10000);
		n = read(fd, buf, sizeof(buf));
		_exit(n < 0 ? errno : 200);
	}
	sleep_us(300000);
	wait_driver("close-port");
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == ENXIO,
	      "row 23: the blocked reader is woken with ENXIO (got %d %s)",
	      WIFEXITED(st) ? WEXITSTATUS(st) : -1,
	      WIFEXITED(st) ? strerror(WEXITSTATUS(st)) : "killed");
	n = read(fd, buf, sizeof(buf));
	printf("INFO read after the port closed: %zd (%s)\n", n,
	       n < 0 ? strerror(errno) : "");
	CHECK(n < 0, "read after the port closed fails");
	close(fd);
}

/*
 * A blocked read on one unit blocks neither another unit nor the control
 * path of its own: nodes A and B are io-forwarded to each other.
 */
static void
step_blocked(const char *na, const char *nb)
{
	uint8_t pkt[70], buf[BUF_MAX];
	struct tuninfo ti;
	int a = node_open(na, O_RDWR), b = node_open(nb, O_RDWR), st;
	pid_t pid;

	drain(a);
	drain(b);
	pid = fork();
	if (pid == 0) { /* reader on A, blocked until B writes */
		ssize_t n;

		alarm_ms(10000);
		n = read(a, buf, sizeof(buf));
		make_ipv4(pkt, sizeof(pkt), 2, 0xb2);
		_exit(n == (ssize_t)sizeof(pkt) &&
		                      memcmp(buf, pkt, sizeof(pkt)) == 0 ?
		              0 :
		              1);
	}
	sleep_us(200000);
	CHECK(ioctl(a, TUNGIFINFO, &ti) == 0,
	      "TUNGIFINFO on A while a read on A blocks");
	make_ipv4(pkt, sizeof(pkt), 1, 0xa1);
	CHECK(write(a, pkt, sizeof(pkt)) == (ssize_t)sizeof(pkt),
	      "write on A while a read on A blocks");
	expect_pkt(b, pkt, sizeof(pkt), "B reads it while A's read blocks");
	make_ipv4(pkt, sizeof(pkt), 2, 0xb2);
	CHECK(write(b, pkt, sizeof(pkt)) == (ssize_t)sizeof(pkt), "write on B");
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "A's blocked reader gets B's packet");
	close(a);
	close(b);
}

/*
 * count verified packets each way between nodes A and B (io-forwarded to
 * each other), at most window in flight per direction; nonblocking files,
 * poll, read and write only.
 */
static void
step_traffic(const char *na, const char *nb, long count, int window)
{
	static uint8_t pkt[BUF_MAX], buf[BUF_MAX];
	int fd[2] = { node_open(na, O_RDWR | O_NONBLOCK),
		      node_open(nb, O_RDWR | O_NONBLOCK) };
	long sent[2] = { 0, 0 }, rcvd[2] = { 0, 0 }, bad = 0, full = 0;
	long t0 = now_ms();
	int d, stalled = 0;

	drain(fd[0]);
	drain(fd[1]);
	while ((rcvd[0] < count || rcvd[1] < count) && !stalled) {
		struct pollfd p[2];

		/* direction d: written to fd[d], read from fd[1 - d] */
		for (d = 0; d < 2; d++) {
			while (sent[d] < count && sent[d] - rcvd[d] < window) {
				size_t len = 28 + (size_t)(sent[d] * 61) % 1473;

				make_ipv4(pkt, len, (uint32_t)sent[d],
				          (uint8_t)(0xd0 + d));
				if (write(fd[d], pkt, len) != (ssize_t)len) {
					if (errno != ENOBUFS)
						bad++;
					full++;
					break;
				}
				sent[d]++;
			}
		}
		p[0].fd = fd[0];
		p[1].fd = fd[1];
		p[0].events = p[1].events = POLLIN;
		if (poll(p, 2, WAIT_MS) == 0) {
			stalled = 1;
			break;
		}
		for (d = 0; d < 2; d++) {
			int rfd = 1 - d; /* reads direction d's packets */

			if (!(p[rfd].revents & POLLIN))
				continue;
			for (;;) {
				ssize_t n = read(fd[rfd], buf, sizeof(buf));
				size_t len = 28 + (size_t)(rcvd[d] * 61) % 1473;

				if (n < 0) {
					if (errno != EAGAIN)
						bad++;
					break;
				}
				make_ipv4(pkt, len, (uint32_t)rcvd[d],
				          (uint8_t)(0xd0 + d));
				if (n != (ssize_t)len || memcmp(buf, pkt, len))
					bad++;
				rcvd[d]++;
			}
		}
		if (bad > 0)
			break;
	}
	CHECK(!stalled && bad == 0 && rcvd[0] == count && rcvd[1] == count,
	      "%ld packets each way verified in order (A->B %ld, B->A %ld, "
	      "bad %ld, stalled %d, ENOBUFS %ld, %ld ms)",
	      count, rcvd[0], rcvd[1], bad, stalled, full, now_ms() - t0);
	close(fd[0]);
	close(fd[1]);
}

int
main(int argc, char **argv)
{
	const char *node;

	if (argc < 3) {
		fprintf(stderr, "usage: cdev_client STEP NODE [ARG...]\n");
		return 2;
	}
	step = argv[1];
	node = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm_setup();
	if (strcmp(step, "busy") == 0)
		step_busy(node);
	else if (strcmp(step, "open_errno") == 0 && argc > 3)
		step_open_errno(node, argv[3]);
	else if (strcmp(step, "echo") == 0)
		step_echo(node);
	else if (strcmp(step, "open_ok") == 0)
		step_open_ok(node);
	else if (strcmp(step, "hold") == 0)
		step_hold(node);
	else if (strcmp(step, "write_errors") == 0)
		step_write_errors(node);
	else if (strcmp(step, "enobufs") == 0 && argc > 3)
		step_enobufs(node, atoi(argv[3]));
	else if (strcmp(step, "rw") == 0)
		step_rw(node);
	else if (strcmp(step, "nonblock") == 0)
		step_nonblock(node);
	else if (strcmp(step, "poll") == 0)
		step_poll(node);
	else if (strcmp(step, "ioctls") == 0)
		step_ioctls(node);
	else if (strcmp(step, "vfs") == 0)
		step_vfs(node);
	else if (strcmp(step, "purge") == 0 && argc > 3)
		step_purge(node, atoi(argv[3]));
	else if (strcmp(step, "gone") == 0)
		step_gone(node);
	else if (strcmp(step, "blocked") == 0 && argc > 3)
		step_blocked(node, argv[3]);
	else if (strcmp(step, "traffic") == 0 && argc > 5)
		step_traffic(node, argv[3], atol(argv[4]), atoi(argv[5]));
	else {
		fprintf(stderr, "cdev_client: unknown step or arguments\n");
		return 2;
	}
	printf("%s %s: %d failed\n", failures ? "FAIL" : "PASS", step,
	       failures);
	return failures ? 1 : 0;
}
