/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib_client: what only the library face does, checked through libbsdtun:
 *
 *	lib_client ENDPOINT STEP [ARG]
 *
 * sigio_owner_rules: the SIGIO owners the library refuses (the DPDK
 * process, its threads, its group; BSD's existence and session rules),
 * tests/test_behaviour.py.  trust_peer, trust_region: whom bsdtun_open
 * trusts to serve an endpoint, tests/test_client_trust.py.  ring_room
 * MTU,LEN: the region this open was given and how many LEN-byte packets its
 * ring to DPDK holds while nothing drains it, after raising the unit's MTU
 * to MTU (0: leave it), tests/test_ring_memory.py.  hold IFHEAD,N: hold the
 * unit with N packets written, until the driver has looked,
 * tests/test_telemetry.py.  queues N[,FIRST]: N more opens are admitted,
 * each on the lowest free pair (FIRST, default 0, and up), and the next is
 * refused (EBUSY), tests/test_multiqueue.py.  doorbells: a departed
 * client's bell rings nothing; 5 doorbells without a packet,
 * tests/test_rx_intr.py.  linux_owner UID: a Linux tun open (TUNSETIFF)
 * sets TUNSETOWNER UID by value, tests/test_linux.py.  linux_full
 * FIT,ENDPOINT2: a Linux tun file's writes with the ring full succeed
 * (dropped), and the queued ones arrive once the app forwards,
 * tests/test_linux.py.  tap_mac MAC: a tap
 * unit's SIOCGIFADDR gives the port's MAC, TAPGIFNAME its name,
 * tests/test_tap.py.  (The tun(4) behaviours
 * themselves, on both faces, are tuntest conform's.)
 *
 * Every assertion prints "PASS step: what" or "FAIL step: what (...)"; the
 * exit status is 1 when any failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "bsdtun.h"
#include "bsdtun_wire.h"
#include "pkt.h"
#include "test_check.h"

/* ---- the SIGIO owner ---------------------------------------------------- */

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
sigio_owner_rules(const char *ep)
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
	      "the owner was cleared at close (%d)", v);
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

/* ---- the ring's room -------------------------------------------------- */

static const char *step_arg; /* the command line's ARG */

/* Bytes of this process's mapping of a unit's region (its memfd). */
static long
region_mapped(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi;
	char line[512];
	long bytes = -1;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "/memfd:") != NULL &&
		    sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			bytes = (long)(hi - lo);
	if (f != NULL)
		fclose(f);
	return bytes;
}

static void
ring_room(const char *ep)
{
	static uint8_t pkt[TUNMRU];
	struct bsdtun *t = bsdtun_open(ep, O_NONBLOCK);
	unsigned int mtu = 0, len = 0, fit = 0;
	struct tuninfo ti;
	ssize_t n;

	CHECK(t != NULL, "open: %s", strerror(errno));
	if (t == NULL ||
	    sscanf(step_arg != NULL ? step_arg : "", "%u,%u", &mtu, &len) !=
	            2 ||
	    len < 20 || len > TUNMRU) {
		printf("FAIL %s: ARG is MTU,LEN (LEN 20..%d)\n", step, TUNMRU);
		exit(1);
	}
	printf("INFO region %ld\n", region_mapped());
	if (mtu != 0) {
		CHECK(bsdtun_ioctl(t, TUNGIFINFO, &ti) == 0, "TUNGIFINFO");
		ti.mtu = (short)mtu;
		CHECK(bsdtun_ioctl(t, TUNSIFINFO, &ti) == 0,
		      "TUNSIFINFO mtu %u", mtu);
	}
	tt_pkt_ipv4(pkt, len, 1, 1);
	while ((n = bsdtun_write(t, pkt, len)) == (ssize_t)len)
		fit++;
	CHECK_ERRNO(n, ENOBUFS, "write %u of %u bytes, nothing draining",
	            fit + 1, len);
	printf("INFO fit %u\n", fit);
	wait_driver("held"); /* the driver looks at the DPDK side's mapping */
	bsdtun_close(t);
}

/* Hold the unit (IFHEAD on or off) with n packets written and nothing
 * read, until the driver has looked (ARG: IFHEAD,N). */
static void
hold(const char *ep)
{
	static uint8_t pkt[100];
	struct bsdtun *t = bsdtun_open(ep, O_NONBLOCK);
	unsigned int ifhead = 0, n = 0, i;
	char what[32];

	CHECK(t != NULL, "open: %s", strerror(errno));
	if (t == NULL || sscanf(step_arg != NULL ? step_arg : "", "%u,%u",
	                        &ifhead, &n) != 2) {
		printf("FAIL %s: ARG is IFHEAD,N\n", step);
		exit(1);
	}
	CHECK(bsdtun_ioctl(t, TUNSIFHEAD, &(int){ (int)ifhead }) == 0,
	      "TUNSIFHEAD %u", ifhead);
	for (i = 0; i < n; i++) {
		size_t len = tt_pkt_ipv4(ifhead ? pkt + 4 : pkt, 60, 1, i);

		if (ifhead)
			len = tt_pkt_af(pkt, AF_INET, pkt + 4, len);
		CHECK(bsdtun_write(t, pkt, len) == (ssize_t)len, "write %u", i);
	}
	snprintf(what, sizeof(what), "held pid=%d", (int)getpid());
	wait_driver(what);
	bsdtun_close(t);
}

/*
 * One IPv4 packet of ARG bytes written, the unit held until the driver
 * has seen the packet taken (a close would purge it if the app had not
 * burst yet: the close lingers only 50 ms without progress).
 */
static void
send_hold(const char *ep)
{
	static uint8_t pkt[TUNMRU];
	struct bsdtun *t = bsdtun_open(ep, 0);
	unsigned int size = 0;

	CHECK(t != NULL, "open: %s", strerror(errno));
	if (t == NULL ||
	    sscanf(step_arg != NULL ? step_arg : "", "%u", &size) != 1 ||
	    size < 20 || size > TUNMRU) {
		printf("FAIL %s: ARG is a size, 20..%d\n", step, TUNMRU);
		exit(1);
	}
	tt_pkt_ipv4(pkt, size, 1, 0);
	CHECK(bsdtun_write(t, pkt, size) == (ssize_t)size, "write %u bytes",
	      size);
	wait_driver("held");
	bsdtun_close(t);
}

/*
 * N opens of a unit whose free pairs are FIRST.. (ARG: N[,FIRST]): open i
 * gets pair FIRST + i, the next fails EBUSY; with FIRST 0, pair 0 closed
 * and opened again is pair 0 again (the lowest free); all held until the
 * driver has looked.
 */
static void
queues(const char *ep)
{
	struct bsdtun *t[BSDTUN_QUEUES_MAX + 1];
	int n = 0, first = 0, i;
	char what[32];

	if (step_arg == NULL || sscanf(step_arg, "%d,%d", &n, &first) < 1 ||
	    n < 1 || first < 0 || n + first > (int)BSDTUN_QUEUES_MAX) {
		printf("FAIL %s: ARG is N[,FIRST], N + FIRST <= %u\n", step,
		       BSDTUN_QUEUES_MAX);
		exit(1);
	}
	for (i = 0; i < n; i++) {
		t[i] = bsdtun_open(ep, O_NONBLOCK);
		CHECK(t[i] != NULL && bsdtun_queue(t[i]) == first + i,
		      "open %d of %d holds queue pair %d (got %d)", i + 1, n,
		      first + i, t[i] != NULL ? bsdtun_queue(t[i]) : -1);
		if (t[i] == NULL)
			exit(1);
	}
	t[n] = bsdtun_open(ep, O_NONBLOCK);
	CHECK_ERRNO(t[n] == NULL ? -1 : 0, EBUSY, "open %d of %d pairs", n + 1,
	            n);
	if (n > 1 && first == 0) {
		bsdtun_close(t[0]);
		t[0] = bsdtun_open(ep, O_NONBLOCK);
		CHECK(t[0] != NULL && bsdtun_queue(t[0]) == 0,
		      "pair 0 closed and opened again: pair 0 (got %d)",
		      t[0] != NULL ? bsdtun_queue(t[0]) : -1);
	}
	CHECK(bsdtun_queue(NULL) == -1 && errno == EBADF,
	      "bsdtun_queue(NULL): EBADF");
	snprintf(what, sizeof(what), "held pid=%d", (int)getpid());
	wait_driver(what);
	for (i = 0; i < n; i++)
		if (t[i] != NULL)
			bsdtun_close(t[i]);
}

/*
 * Rx interrupts: the client's end of the bell kept after close cannot ring
 * the DPDK side (every send fails: the PMD closed its end); then 5
 * doorbells with no packet, each a spurious wake-up at most.
 */
static void
doorbells(const char *ep)
{
	static const uint8_t b = BSDTUN_BELL_BYTE;
	struct bsdtun *t = bsdtun_open(ep, O_NONBLOCK);
	int kept, i, sent = 0;

	CHECK(t != NULL, "open: %s", strerror(errno));
	if (t == NULL)
		exit(1);
	kept = dup(bsdtun_fd(t));
	CHECK(kept >= 0, "kept the bell: dup(bsdtun_fd)");
	CHECK(bsdtun_close(t) == 0, "close");
	for (i = 0; i < 100; i++)
		sent += send(kept, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1;
	CHECK(sent == 0, "100 doorbells on the kept bell: none sent (%d)",
	      sent);
	close(kept);
	wait_driver("departed");
	t = bsdtun_open(ep, O_NONBLOCK);
	CHECK(t != NULL, "open again: %s", strerror(errno));
	if (t == NULL)
		exit(1);
	for (i = 0, sent = 0; i < 5; i++)
		sent += send(bsdtun_fd(t), &b, 1,
		             MSG_DONTWAIT | MSG_NOSIGNAL) == 1;
	CHECK(sent == 5, "5 doorbells without a packet sent (%d)", sent);
	wait_driver("rang");
	bsdtun_close(t);
}

/* ---- Linux tun and tap ------------------------------------------------ */

static void
linux_owner(const char *ep)
{
	struct bsdtun *t = bsdtun_open(ep, O_NONBLOCK);
	struct ifreq ifr;
	long uid = step_arg != NULL ? atol(step_arg) : 0;

	CHECK(t != NULL, "open: %s", strerror(errno));
	if (t == NULL)
		exit(1);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN;
	CHECK(bsdtun_ioctl(t, TUNSETIFF, &ifr) == 0, "TUNSETIFF: %s",
	      strerror(errno));
	CHECK(bsdtun_ioctl(t, TUNSETOWNER, (void *)uid) == 0,
	      "TUNSETOWNER %ld by value: %s", uid, strerror(errno));
	bsdtun_close(t);
}

/* Wait up to 10 s for a packet on t; its length, or -1. */
static ssize_t
read_wait(struct bsdtun *t, uint8_t *buf, size_t len)
{
	struct pollfd p = { .fd = bsdtun_fd(t), .events = POLLIN };
	struct timespec end, now;
	ssize_t n;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += 10;
	for (;;) {
		n = bsdtun_read(t, buf, len);
		if (n >= 0 || errno != EWOULDBLOCK)
			return n;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			return -1;
		(void)poll(&p, 1, 100);
	}
}

/* Read the want packets of seq first.. (as linux_full wrote them) on t. */
static void
expect_seq(struct bsdtun *t, uint32_t first, uint32_t want, const char *what)
{
	uint8_t buf[256], exp[64];
	uint32_t i, got = 0;

	for (i = 0; i < want; i++) {
		ssize_t n = read_wait(t, buf, sizeof(buf));

		tt_pkt_ipv4(exp, sizeof(exp), 2, first + i);
		if (n != (ssize_t)sizeof(exp) || memcmp(buf, exp, sizeof(exp)))
			break;
		got++;
	}
	CHECK(got == want, "%s: packets %u..%u arrive, in order (%u did)", what,
	      first, first + want - 1, got);
}

/*
 * A Linux tun file (IFF_TUN|IFF_NO_PI) on ENDPOINT, the app not polling
 * (ARG: FIT,ENDPOINT2): 100 writes of 64 bytes all return 64, the FIT that
 * the ring holds queued, the others dropped (the driver checks
 * rx_client_full); then, forwarding (the driver started it), those FIT
 * reach the unit at ENDPOINT2, and 10 more after them.
 */
static void
linux_full(const char *ep)
{
	struct bsdtun *t = bsdtun_open(ep, O_NONBLOCK), *r = NULL;
	const char *ep2 = step_arg != NULL ? strchr(step_arg, ',') : NULL;
	uint32_t i, ok = 0, fit = step_arg != NULL ? atoi(step_arg) : 0;
	uint8_t pkt[64];
	struct ifreq ifr;
	int err = 0;

	if (ep2 == NULL || fit == 0 || fit > 100) {
		printf("FAIL %s: ARG is FIT,ENDPOINT2\n", step);
		exit(1);
	}
	r = bsdtun_open(ep2 + 1, O_NONBLOCK);
	CHECK(t != NULL && r != NULL, "open both units: %s", strerror(errno));
	if (t == NULL || r == NULL)
		exit(1);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	CHECK(bsdtun_ioctl(t, TUNSETIFF, &ifr) == 0, "TUNSETIFF: %s",
	      strerror(errno));
	for (i = 0; i < 100; i++) {
		ssize_t n;

		tt_pkt_ipv4(pkt, sizeof(pkt), 2, i);
		n = bsdtun_write(t, pkt, sizeof(pkt));
		if (n == (ssize_t)sizeof(pkt))
			ok++;
		else if (err == 0)
			err = n < 0 ? errno : -1;
	}
	CHECK(ok == 100,
	      "100 writes, the ring full after %u: all return 64 "
	      "(%u did; first error %s)",
	      fit, ok, err ? strerror(err) : "-");
	wait_driver("full");
	expect_seq(r, 0, fit, "forwarding again");
	for (i = 100; i < 110; i++) {
		tt_pkt_ipv4(pkt, sizeof(pkt), 2, i);
		CHECK(bsdtun_write(t, pkt, sizeof(pkt)) == sizeof(pkt),
		      "write %u", i);
	}
	expect_seq(r, 100, 10, "and after them");
	bsdtun_close(t);
	bsdtun_close(r);
}

static void
tap_mac(const char *ep)
{
	struct bsdtun *t = bsdtun_open(ep, O_NONBLOCK);
	uint8_t arg[sizeof(struct ifreq)];
	struct ifreq ifr;
	char mac[32];

	CHECK(t != NULL, "open: %s", strerror(errno));
	if (t == NULL)
		exit(1);
	memset(arg, 0xee, sizeof(arg));
	CHECK(bsdtun_ioctl(t, TAP_SIOCGIFADDR, arg) == 0, "SIOCGIFADDR: %s",
	      strerror(errno));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", arg[0],
	         arg[1], arg[2], arg[3], arg[4], arg[5]);
	CHECK(step_arg != NULL && strcmp(mac, step_arg) == 0,
	      "SIOCGIFADDR: the port's MAC %s (got %s)", step_arg, mac);
	CHECK(arg[6] == 0xee, "SIOCGIFADDR wrote 6 bytes only");
	memset(&ifr, 0, sizeof(ifr));
	CHECK(bsdtun_ioctl(t, BSD_TAPGIFNAME, &ifr) == 0 &&
	              strncmp(ifr.ifr_name, "net_bsdtun", 10) == 0,
	      "TAPGIFNAME (BSD's number): %s", ifr.ifr_name);
	bsdtun_close(t);
}

static const struct {
	const char *name;
	void (*fn)(const char *ep);
} steps[] = {
	{ "linux_owner", linux_owner },
	{ "linux_full", linux_full },
	{ "tap_mac", tap_mac },
	{ "sigio_owner_rules", sigio_owner_rules },
	{ "trust_peer", trust_peer },
	{ "trust_region", trust_region },
	{ "ring_room", ring_room },
	{ "hold", hold },
	{ "send_hold", send_hold },
	{ "queues", queues },
	{ "doorbells", doorbells },
};

int
main(int argc, char **argv)
{
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s ENDPOINT STEP [ARG]\n", argv[0]);
		return 2;
	}
	if (argc == 4) {
		step_arg = argv[3];
		server_pid = atoi(argv[3]);
	}
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (strcmp(argv[2], steps[i].name) == 0) {
			step = steps[i].name;
			steps[i].fn(argv[1]);
			printf("%s: %d passed, %d failed\n", step, passes,
			       failures);
			return failures ? 1 : 0;
		}
	}
	fprintf(stderr, "unknown step %s\n", argv[2]);
	return 2;
}
