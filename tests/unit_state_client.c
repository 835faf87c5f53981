/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * unit_state_client: one open of a unit through libbsdtun and a list of
 * requests on it, for tests/test_unit_state.py (what a client sets on its
 * unit ends with it; its log lines are limited):
 *
 *	unit_state_client ENDPOINT OP[,OP...]
 *
 * OP is one of
 *	setiff, setiff_mq     TUNSETIFF IFF_TUN|IFF_NO_PI (|IFF_MULTI_QUEUE)
 *	owner=N, group=N      TUNSETOWNER, TUNSETGROUP N (by value)
 *	persist=N             TUNSETPERSIST N (by value)
 *	carrier=N             TUNSETCARRIER N
 *	debug=N               TUNSDEBUG N
 *	mtu=N                 TUNSIFINFO with MTU N (type, baudrate kept)
 *	gdebug=N, gmtu=N      TUNGDEBUG, TUNGIFINFO: the value must be N
 *	wait                  hold the open until the driver says go
 *	flood=S               TUNGDEBUG for S seconds; prints "COUNT n"
 *	rtt=S                 TUNGDEBUG for S seconds, one at a time; prints
 *	                      "RTT n median_us p99_us max_us"
 * or, instead of one open, reopen=S: open and close the unit for S
 * seconds; prints "COUNT n" (the opens).
 * A setter succeeds, or with the suffix :EPERM (:EINVAL, :EBUSY) fails
 * with that errno.  Each prints "PASS op: ..." or "FAIL op: ..."; the
 * exit status is 1 when any failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "bsdtun.h"
#include "test_check.h"

static int
errno_named(const char *s)
{
	static const struct {
		const char *name;
		int err;
	} names[] = {
		{ "EPERM", EPERM },
		{ "EINVAL", EINVAL },
		{ "EBUSY", EBUSY },
		{ "EBADFD", EBADFD },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].err;
	fprintf(stderr, "unknown errno %s\n", s);
	exit(2);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A setter's result: 0 expected, or -1 with errno want. */
static void
expect(int r, int want, const char *op)
{
	int e = errno;

	if (want == 0)
		CHECK(r == 0, "%s", op);
	else
		CHECK(r == -1 && e == want, "%s fails %s (%d, errno %s)", op,
		      strerrorname_np(want), r, strerrorname_np(e));
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* TUNGDEBUG round trips for secs seconds: their median, p99 and max. */
static void
rtt(struct bsdtun *t, long secs)
{
	size_t n = 0, cap = 1 << 16;
	double *d = malloc(cap * sizeof(*d));
	double end = now_s() + (double)secs, t0;
	int v, bad = 0;

	if (d == NULL) {
		CHECK(0, "no memory for the round trips");
		return;
	}
	while ((t0 = now_s()) < end) {
		if (bsdtun_ioctl(t, TUNGDEBUG, &v) != 0)
			bad++;
		if (n == cap) {
			double *g = realloc(d, 2 * cap * sizeof(*d));

			if (g == NULL)
				break;
			d = g;
			cap *= 2;
		}
		d[n++] = (now_s() - t0) * 1e6;
	}
	CHECK(d != NULL && n > 0 && bad == 0, "%zu TUNGDEBUG, %d failed", n,
	      bad);
	if (d == NULL || n == 0)
		return;
	qsort(d, n, sizeof(*d), cmp_double);
	printf("RTT %zu %.1f %.1f %.1f\n", n, d[n / 2], d[n * 99 / 100],
	       d[n - 1]);
	free(d);
}

/* Open and close ep for secs seconds. */
static void
reopen(const char *ep, long secs)
{
	double end = now_s() + (double)secs;
	long count = 0, bad = 0;
	struct bsdtun *t;

	step = "reopen";
	while (now_s() < end) {
		t = bsdtun_open(ep, O_NONBLOCK);
		if (t == NULL)
			bad++;
		else
			bsdtun_close(t);
		count++;
	}
	printf("COUNT %ld\n", count);
	CHECK(bad == 0, "%ld opens, %ld failed", count, bad);
}

static void
run_op(struct bsdtun *t, char *op)
{
	char *colon = strchr(op, ':');
	char *eq = strchr(op, '=');
	int want = 0, v = 0, r;
	long n = 0;
	struct tuninfo ti;
	struct ifreq ifr;

	step = op;
	if (colon != NULL) {
		*colon = '\0';
		want = errno_named(colon + 1);
	}
	if (eq != NULL) {
		*eq = '\0';
		n = atol(eq + 1);
		v = (int)n;
	}
	if (!strcmp(op, "setiff") || !strcmp(op, "setiff_mq")) {
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_flags = IFF_TUN | IFF_NO_PI |
		                (op[6] == '_' ? IFF_MULTI_QUEUE : 0);
		expect(bsdtun_ioctl(t, TUNSETIFF, &ifr), want, "TUNSETIFF");
	} else if (!strcmp(op, "owner")) {
		expect(bsdtun_ioctl(t, TUNSETOWNER, (void *)n), want,
		       "TUNSETOWNER");
	} else if (!strcmp(op, "group")) {
		expect(bsdtun_ioctl(t, TUNSETGROUP, (void *)n), want,
		       "TUNSETGROUP");
	} else if (!strcmp(op, "persist")) {
		expect(bsdtun_ioctl(t, TUNSETPERSIST, (void *)n), want,
		       "TUNSETPERSIST");
	} else if (!strcmp(op, "carrier")) {
		expect(bsdtun_ioctl(t, TUNSETCARRIER, &v), want,
		       "TUNSETCARRIER");
	} else if (!strcmp(op, "debug")) {
		expect(bsdtun_ioctl(t, TUNSDEBUG, &v), want, "TUNSDEBUG");
	} else if (!strcmp(op, "mtu")) {
		memset(&ti, 0, sizeof(ti));
		r = bsdtun_ioctl(t, TUNGIFINFO, &ti);
		CHECK(r == 0, "TUNGIFINFO");
		ti.mtu = (short)v;
		expect(bsdtun_ioctl(t, TUNSIFINFO, &ti), want, "TUNSIFINFO");
	} else if (!strcmp(op, "gdebug")) {
		r = -1;
		CHECK(bsdtun_ioctl(t, TUNGDEBUG, &r) == 0 && r == v,
		      "TUNGDEBUG %d, want %d", r, v);
	} else if (!strcmp(op, "gmtu")) {
		memset(&ti, 0, sizeof(ti));
		CHECK(bsdtun_ioctl(t, TUNGIFINFO, &ti) == 0 && ti.mtu == v,
		      "TUNGIFINFO mtu %d, want %d", ti.mtu, v);
	} else if (!strcmp(op, "wait")) {
		wait_driver("held");
		CHECK(1, "the driver said go");
	} else if (!strcmp(op, "rtt")) {
		rtt(t, n);
	} else if (!strcmp(op, "flood")) {
		double end = now_s() + (double)n;
		long count = 0, bad = 0;

		while (now_s() < end) {
			if (bsdtun_ioctl(t, TUNGDEBUG, &r) != 0)
				bad++;
			count++;
		}
		printf("COUNT %ld\n", count);
		CHECK(bad == 0, "%ld TUNGDEBUG, %ld failed", count, bad);
	} else {
		fprintf(stderr, "unknown op %s\n", op);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	struct bsdtun *t;
	char *op, *save = NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3) {
		fprintf(stderr, "usage: %s ENDPOINT OP[,OP...]\n", argv[0]);
		return 2;
	}
	if (!strncmp(argv[2], "reopen=", 7)) {
		reopen(argv[1], atol(argv[2] + 7));
		return failures ? 1 : 0;
	}
	step = "open";
	t = bsdtun_open(argv[1], O_NONBLOCK);
	CHECK(t != NULL, "open %s as uid %d", argv[1], (int)getuid());
	if (t == NULL)
		return 1;
	for (op = strtok_r(argv[2], ",", &save); op != NULL;
	     op = strtok_r(NULL, ",", &save))
		run_op(t, op);
	bsdtun_close(t);
	printf("%d passed, %d failed\n", passes, failures);
	return failures ? 1 : 0;
}
