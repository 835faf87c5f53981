/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cdev_client: an unmodified tun(4) program for the device node
 * (devarg cdev=PATH), for what only the node has to show (the behaviours
 * both faces share are tuntest conform's).  It uses the node only with
 * open, read, write, ioctl, fcntl, poll and close, and takes nothing from
 * bsdtun but the constants of bsdtun.h (never the library).
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
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bsdtun.h"
#include "pkt.h"
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

/*
 * Open, TUNGIFINFO and a write, close; with echo (forwarding on) the packet
 * must come back first.
 */
static void
open_use_close(const char *node, int echo)
{
	uint8_t pkt[100];
	struct tuninfo ti;
	int fd = node_open(node, O_RDWR);

	if (fd < 0)
		return;
	if (echo)
		drain(fd);
	CHECK(ioctl(fd, TUNGIFINFO, &ti) == 0 && ti.mtu == TUNMTU,
	      "TUNGIFINFO by uid %d", (int)getuid());
	tt_pkt_ipv4(pkt, sizeof(pkt), 0xec, 1);
	CHECK(write(fd, pkt, sizeof(pkt)) == (ssize_t)sizeof(pkt), "write");
	if (echo)
		expect_pkt(fd, pkt, sizeof(pkt), "echo");
	CHECK(close(fd) == 0, "close");
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
	tt_pkt_ipv4(pkt, sizeof(pkt), 0xf1, 1);
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
		tt_pkt_ipv4(pkt, sizeof(pkt), 0x23, (uint32_t)i);
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
		tt_pkt_ipv4(pkt, sizeof(pkt), 0xb2, 2);
		_exit(n == (ssize_t)sizeof(pkt) &&
		                      memcmp(buf, pkt, sizeof(pkt)) == 0 ?
		              0 :
		              1);
	}
	sleep_us(200000);
	CHECK(ioctl(a, TUNGIFINFO, &ti) == 0,
	      "TUNGIFINFO on A while a read on A blocks");
	tt_pkt_ipv4(pkt, sizeof(pkt), 0xa1, 1);
	CHECK(write(a, pkt, sizeof(pkt)) == (ssize_t)sizeof(pkt),
	      "write on A while a read on A blocks");
	expect_pkt(b, pkt, sizeof(pkt), "B reads it while A's read blocks");
	tt_pkt_ipv4(pkt, sizeof(pkt), 0xb2, 2);
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

				tt_pkt_ipv4(pkt, len, (uint8_t)(0xd0 + d),
				            (uint32_t)sent[d]);
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
				tt_pkt_ipv4(pkt, len, (uint8_t)(0xd0 + d),
				            (uint32_t)rcvd[d]);
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
		open_use_close(node, 1);
	else if (strcmp(step, "open_ok") == 0)
		open_use_close(node, 0);
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
