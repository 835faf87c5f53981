/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * death_client: a well-behaved libbsdtun client that tests/test_death.py
 * kills with SIGKILL in the middle of something:
 *
 *	death_client MODE ENDPOINT0 [ENDPOINT1]
 *
 *	write	write bursts into unit 0 as fast as the ring takes them
 *	read	block in bsdtun_read() on unit 0 (nothing comes)
 *	ioctl	TUNSIFINFO/TUNGIFINFO/TUNSDEBUG/TUNGIFHEAD on unit 0, forever
 *	mixed	write bursts into unit 1, read bursts from unit 0 (the DPDK
 *		application forwards 1 to 0), both units held
 *
 * It prints "OPEN" once it holds its units, then never exits by itself;
 * except in the mode tests/test_dpdk_faults.py uses when the DPDK side
 * goes away under it:
 *
 *	report	block in bsdtun_read() on unit 0; when it returns, print
 *		"read R errno E", then what a write, a nonblocking read and
 *		poll(bsdtun_fd) give ("write R errno E", "read_nb R errno E",
 *		"poll N revents 0xH"), and exit 0
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bsdtun.h"

#define BURST 32

static struct bsdtun *
open_unit(const char *ep)
{
	struct bsdtun *t = bsdtun_open(ep, 0);

	if (t == NULL) {
		fprintf(stderr, "death_client: open %s: %s\n", ep,
		        strerror(errno));
		exit(2);
	}
	return t;
}

/* IPv4-looking packets of 20..1500 bytes. */
static void
fill(struct bsdtun_pkt *p, uint8_t (*buf)[1500], uint32_t *seed)
{
	int i;

	for (i = 0; i < BURST; i++) {
		*seed = *seed * 1103515245u + 12345u;
		p[i].buf = buf[i];
		p[i].len = 20 + (*seed >> 8) % 1481;
		buf[i][0] = 0x45;
	}
}

int
main(int argc, char **argv)
{
	static uint8_t buf[BURST][1500], rbuf[BURST][TUNMRU];
	struct bsdtun_pkt pk[BURST], rp[BURST];
	struct bsdtun *t0, *t1 = NULL;
	uint32_t seed = 1;
	int i;

	if (argc < 3 || (strcmp(argv[1], "mixed") == 0 && argc < 4)) {
		fprintf(stderr, "usage: death_client write|read|ioctl|mixed "
		                "ENDPOINT0 [ENDPOINT1]\n");
		return 2;
	}
	t0 = open_unit(argv[2]);
	if (strcmp(argv[1], "mixed") == 0) {
		t1 = open_unit(argv[3]);
		i = 1;
		bsdtun_ioctl(t0, FIONBIO, &i);
	}
	printf("OPEN\n");
	fflush(stdout);

	if (strcmp(argv[1], "write") == 0) {
		for (;;) {
			fill(pk, buf, &seed);
			(void)bsdtun_write_burst(t0, pk, BURST);
		}
	} else if (strcmp(argv[1], "read") == 0) {
		for (;;)
			(void)bsdtun_read(t0, rbuf[0], sizeof(rbuf[0]));
	} else if (strcmp(argv[1], "ioctl") == 0) {
		struct tuninfo ti;
		int v;

		for (;;) {
			(void)bsdtun_ioctl(t0, TUNGIFINFO, &ti);
			(void)bsdtun_ioctl(t0, TUNSIFINFO, &ti);
			v = 0;
			(void)bsdtun_ioctl(t0, TUNSDEBUG, &v);
			(void)bsdtun_ioctl(t0, TUNGIFHEAD, &v);
		}
	} else if (strcmp(argv[1], "mixed") == 0) {
		for (i = 0; i < BURST; i++) {
			rp[i].buf = rbuf[i];
			rp[i].len = sizeof(rbuf[i]);
		}
		for (;;) {
			fill(pk, buf, &seed);
			(void)bsdtun_write_burst(t1, pk, BURST);
			(void)bsdtun_read_burst(t0, rp, BURST);
			for (i = 0; i < BURST; i++)
				rp[i].len = sizeof(rbuf[i]);
		}
	} else if (strcmp(argv[1], "report") == 0) {
		struct pollfd p = { .fd = bsdtun_fd(t0), .events = POLLIN };
		ssize_t r;

		r = bsdtun_read(t0, rbuf[0], sizeof(rbuf[0]));
		printf("read %zd errno %d\n", r, r < 0 ? errno : 0);
		buf[0][0] = 0x45;
		r = bsdtun_write(t0, buf[0], 100);
		printf("write %zd errno %d\n", r, r < 0 ? errno : 0);
		i = 1;
		bsdtun_ioctl(t0, FIONBIO, &i);
		r = bsdtun_read(t0, rbuf[0], sizeof(rbuf[0]));
		printf("read_nb %zd errno %d\n", r, r < 0 ? errno : 0);
		i = poll(&p, 1, 0);
		printf("poll %d revents 0x%x\n", i, p.revents);
		bsdtun_close(t0);
		return 0;
	}
	fprintf(stderr, "death_client: unknown mode %s\n", argv[1]);
	return 2;
}
