/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuntest bench: the client half of devtools/bench.py.  Unverified traffic
 * at full speed through the library's burst calls, pinned to one CPU, with
 * one machine-readable result line on stdout:
 *
 *   rx   count what bsdtun_read_burst returns, from one or more units
 *   tx   flood bsdtun_write_burst with copies of one IPv4 packet
 *   rtt  one packet in flight: write it, wait for it to come back (the DPDK
 *        app forwards the port to itself), record the round trip
 *   c2c  no unit: the round trip of a cache line between --cpu and
 *        --peer-cpu, the floor under rtt and what a VM's vCPU placement
 *        changes from run to run
 *
 * Throughput modes measure --duration seconds after --warmup seconds of
 * traffic; SIGINT/SIGTERM ends the run early and still prints the line.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <bsdtun.h>

#include "traffic.h"
#include "tuntest.h"

#define BENCH_UNITS_MAX   64
#define BENCH_BURST_MAX   256
#define BENCH_BUF         2048 /* rx buffer per packet, unless --size is more */
#define BENCH_CLOCK_EVERY 16   /* loop iterations between clock reads */

enum bench_mode { MODE_RX, MODE_TX, MODE_RTT, MODE_C2C };

struct bench_opts {
	enum bench_mode mode;
	const char *ep[BENCH_UNITS_MAX];
	int nep;
	unsigned int size; /* IP packet bytes (tx, rtt) */
	unsigned int burst;
	double warmup, duration, timeout;
	int cpu;      /* -1: not pinned */
	int peer_cpu; /* c2c */
	int block;    /* rtt: blocking bsdtun_read */
	int quiet;    /* no rate line on stderr every second */
};

/* A rate line on stderr every second, as testpmd's stats: long runs. */
struct bench_progress {
	uint64_t t;    /* last line */
	uint64_t pkts; /* packets at the last line */
};

static void
progress(const char *mode, const struct bench_opts *o, struct bench_progress *p,
         uint64_t now, uint64_t pkts)
{
	if (o->quiet || now - p->t < 1000000000ull)
		return;
	if (p->t != 0)
		fprintf(stderr, "tuntest bench %s: %.3f Mpps\n", mode,
		        (double)(pkts - p->pkts) * 1e3 / (double)(now - p->t));
	p->t = now;
	p->pkts = pkts;
}

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char bench_desc[] =
        "MODE is rx, tx, rtt or c2c.\n"
        "  rx   read with bsdtun_read_burst from every ENDPOINT in turn and "
        "count\n"
        "  tx   write --size byte IPv4 packets with bsdtun_write_burst into "
        "every\n       ENDPOINT in turn, as fast as the rings take them\n"
        "  rtt  write one packet into ENDPOINT and wait for it to come back "
        "(the DPDK\n       app forwards the port to itself): busy-polling "
        "with bsdtun_read_burst,\n       or with --block sleeping in a "
        "blocking bsdtun_read\n"
        "  c2c  no ENDPOINT: bounce a cache line between --cpu and "
        "--peer-cpu\n\n"
        "rx and tx measure --duration s after --warmup s of traffic (rx: from "
        "the first\npacket); rtt discards --warmup s of samples, then samples "
        "for --duration s.\nSIGINT/SIGTERM ends a run early.  One line on "
        "stdout at the end:\n"
        "  bench mode=rx|tx units=N cpu=C pkts=N bytes=N secs=X pps=X gbps=X "
        "calls=N\n        empty=N full=N\n"
        "  bench mode=rtt block=0|1 cpu=C size=B samples=N lost=N min_ns=N "
        "p50_ns=N\n        p90_ns=N p99_ns=N p999_ns=N max_ns=N\n"
        "  bench mode=c2c cpu=C peer_cpu=C rounds=N rtt_ns=X\n"
        "bytes and gbps count IP packets as the client sees them (no Ethernet "
        "header);\ncalls: burst calls while measuring, empty: those that "
        "moved nothing, full:\nthose that moved a whole burst.";

static const char bench_options[] =
        "  --size B       IP packet bytes, tx and rtt (default 50: a 64-byte "
        "frame)\n"
        "  --burst K      packets per burst call, 1..256 (default 32)\n"
        "  --warmup SEC   (default 1)\n"
        "  --duration SEC (default 3)\n"
        "  --timeout SEC  give up when nothing moves for SEC s (default 10)\n"
        "  --cpu N        pin to CPU N (default: not pinned)\n"
        "  --peer-cpu N   c2c: the other CPU (default 1)\n"
        "  --block        rtt: blocking reads instead of busy-polling\n"
        "  --quiet        rx, tx: no rate line on stderr every second\n";

static int
parse_num(const char *s, double lo, double hi, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return errno || end == s || *end || !(*v >= lo) || *v > hi ? -1 : 0;
}

/* Returns -1 to go on, else the exit status. */
static int
bench_parse(const struct tt_cmd *cmd, int argc, char **argv,
            struct bench_opts *o)
{
	static const struct option lo[] = {
		{ "size", required_argument, NULL, 's' },
		{ "burst", required_argument, NULL, 'b' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "duration", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "block", no_argument, NULL, 'B' },
		{ "peer-cpu", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mode;
	double v;
	int c;

	memset(o, 0, sizeof(*o));
	o->size = 50;
	o->burst = 32;
	o->warmup = 1;
	o->duration = 3;
	o->timeout = 10;
	o->cpu = -1;
	o->peer_cpu = 1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'h':
			tt_help(cmd, stdout);
			return TT_EXIT_OK;
		case 's':
			bad = parse_num(optarg, TT_IP4_HLEN, TUNMRU, &v);
			o->size = (unsigned int)v;
			break;
		case 'b':
			bad = parse_num(optarg, 1, BENCH_BURST_MAX, &v);
			o->burst = (unsigned int)v;
			break;
		case 'w':
			bad = parse_num(optarg, 0, 3600, &o->warmup);
			break;
		case 'd':
			bad = parse_num(optarg, 0.01, 3600, &o->duration);
			break;
		case 't':
			bad = parse_num(optarg, 0.01, 3600, &o->timeout);
			break;
		case 'c':
			bad = parse_num(optarg, 0, CPU_SETSIZE - 1, &v);
			o->cpu = (int)v;
			break;
		case 'B':
			o->block = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'p':
			bad = parse_num(optarg, 0, CPU_SETSIZE - 1, &v);
			o->peer_cpu = (int)v;
			break;
		default:
			fprintf(stderr,
			        "tuntest bench: unknown option or "
			        "missing value: %s\n",
			        argv[optind - 1]);
			return TT_EXIT_USAGE;
		}
		if (bad) {
			fprintf(stderr, "tuntest bench: bad value '%s'\n",
			        optarg);
			return TT_EXIT_USAGE;
		}
	}
	if (argc - optind < 1) {
		fprintf(stderr, "tuntest bench: expected %s\n", cmd->args);
		return TT_EXIT_USAGE;
	}
	mode = argv[optind++];
	if (!strcmp(mode, "rx"))
		o->mode = MODE_RX;
	else if (!strcmp(mode, "tx"))
		o->mode = MODE_TX;
	else if (!strcmp(mode, "rtt"))
		o->mode = MODE_RTT;
	else if (!strcmp(mode, "c2c"))
		o->mode = MODE_C2C;
	else {
		fprintf(stderr, "tuntest bench: unknown mode '%s'\n", mode);
		return TT_EXIT_USAGE;
	}
	if (argc - optind > BENCH_UNITS_MAX) {
		fprintf(stderr, "tuntest bench: at most %d endpoints\n",
		        BENCH_UNITS_MAX);
		return TT_EXIT_USAGE;
	}
	while (optind < argc)
		o->ep[o->nep++] = argv[optind++];
	if ((o->nep == 0) != (o->mode == MODE_C2C)) {
		fprintf(stderr, "tuntest bench: %s\n",
		        o->nep ? "c2c takes no ENDPOINT" :
		                 "expected an ENDPOINT");
		return TT_EXIT_USAGE;
	}
	return -1;
}

static uint64_t
sec_ns(double s)
{
	return (uint64_t)(s * 1e9);
}

/* Calls made while measuring: how many moved nothing, how many a full burst. */
struct bench_calls {
	uint64_t calls, empty, full;
};

static void
count_call(struct bench_calls *c, int n, unsigned int burst)
{
	c->calls++;
	c->empty += n == 0;
	c->full += (unsigned int)n == burst;
}

static void
print_rate(const char *mode, const struct bench_opts *o, uint64_t pkts,
           uint64_t bytes, uint64_t ns, const struct bench_calls *c)
{
	double secs = ns / 1e9;

	printf("bench mode=%s units=%d cpu=%d pkts=%" PRIu64 " bytes=%" PRIu64
	       " secs=%.6f pps=%.0f gbps=%.4f calls=%" PRIu64 " empty=%" PRIu64
	       " full=%" PRIu64 "\n",
	       mode, o->nep, sched_getcpu(), pkts, bytes, secs,
	       secs > 0 ? pkts / secs : 0,
	       secs > 0 ? bytes * 8 / secs / 1e9 : 0, c->calls, c->empty,
	       c->full);
	fflush(stdout);
}

/* ---- rx ---------------------------------------------------------------- */

static int
bench_rx(struct bsdtun **u, const struct bench_opts *o)
{
	struct bsdtun_pkt pk[BENCH_BURST_MAX];
	size_t blen = o->size > BENCH_BUF ? TUNMRU : BENCH_BUF;
	uint8_t *bufs = aligned_alloc(64, blen * o->burst);
	uint64_t pkts = 0, bytes = 0, t0 = 0, t_end = 0, last = tt_now();
	uint64_t now = last;
	unsigned int i, loops = 0;
	int k = 0, measuring = 0, started = 0, moved = 0;
	struct bench_calls calls = { 0, 0, 0 };
	struct bench_progress prog = { 0, 0 };
	uint64_t seen = 0;

	if (bufs == NULL) {
		perror("tuntest bench");
		return TT_EXIT_FAIL;
	}
	while (!stop) {
		int n;

		for (i = 0; i < o->burst; i++) {
			pk[i].buf = bufs + i * blen;
			pk[i].len = blen;
		}
		n = bsdtun_read_burst(u[k], pk, (int)o->burst);
		if (n < 0) {
			fprintf(stderr, "tuntest bench: read: %s\n",
			        strerror(errno));
			free(bufs);
			return TT_EXIT_FAIL;
		}
		if (++k == o->nep)
			k = 0;
		seen += (uint64_t)n;
		if (measuring) {
			pkts += (uint64_t)n;
			for (i = 0; i < (unsigned int)n; i++)
				bytes += pk[i].len;
			count_call(&calls, n, o->burst);
		}
		if (n > 0 && !started) {
			started = 1;
			now = tt_now();
			t0 = now + sec_ns(o->warmup);
		}
		if (n > 0)
			moved = 1;
		if (++loops % BENCH_CLOCK_EVERY == 0) {
			now = tt_now();
			progress("rx", o, &prog, now, seen);
			if (moved)
				last = now;
			else if (now - last > sec_ns(o->timeout))
				break;
			moved = 0;
		}
		if (started && !measuring && now >= t0) {
			measuring = 1;
			t0 = now;
			t_end = t0 + sec_ns(o->duration);
		}
		if (measuring && now >= t_end)
			break;
	}
	free(bufs);
	if (!measuring) {
		fprintf(stderr, "tuntest bench: rx: %s\n",
		        started ? "stopped during warm-up" :
		                  "no packet arrived");
		return TT_EXIT_FAIL;
	}
	print_rate("rx", o, pkts, bytes, tt_now() - t0, &calls);
	return TT_EXIT_OK;
}

/* ---- tx ---------------------------------------------------------------- */

static int
bench_tx(struct bsdtun **u, const struct bench_opts *o)
{
	struct tt_stream s = { .id = 1,
		               .min = (uint16_t)o->size,
		               .max = (uint16_t)o->size };
	struct bsdtun_pkt pk[BENCH_BURST_MAX];
	uint8_t *frame = malloc(TT_FRAME_MAX);
	uint64_t pkts = 0, t0, t_end, last, now;
	unsigned int i, loops = 0;
	int k = 0, measuring = 0, moved = 0, rc = TT_EXIT_OK;
	struct bench_calls calls = { 0, 0, 0 };
	struct bench_progress prog = { 0, 0 };
	uint64_t seen = 0;
	size_t len;

	if (frame == NULL) {
		perror("tuntest bench");
		return TT_EXIT_FAIL;
	}
	len = tt_gen(&s, 0, frame);
	/* One packet, referenced burst times: like txonly's template. */
	for (i = 0; i < o->burst; i++) {
		pk[i].buf = frame;
		pk[i].len = len;
	}
	now = last = tt_now();
	t0 = now + sec_ns(o->warmup);
	t_end = t0 + sec_ns(o->duration);
	while (!stop) {
		int n = bsdtun_write_burst(u[k], pk, (int)o->burst);

		if (n < 0) {
			if (errno != ENOBUFS) {
				fprintf(stderr, "tuntest bench: write: %s\n",
				        strerror(errno));
				rc = TT_EXIT_FAIL;
				break;
			}
			n = 0;
		}
		if (++k == o->nep)
			k = 0;
		seen += (uint64_t)n;
		if (measuring) {
			pkts += (uint64_t)n;
			count_call(&calls, n, o->burst);
		}
		if (n > 0)
			moved = 1;
		if (++loops % BENCH_CLOCK_EVERY == 0) {
			now = tt_now();
			progress("tx", o, &prog, now, seen);
			if (moved)
				last = now;
			else if (now - last > sec_ns(o->timeout)) {
				fprintf(stderr,
				        "tuntest bench: tx: rings "
				        "stayed full for %.1f s\n",
				        o->timeout);
				rc = TT_EXIT_FAIL;
				break;
			}
			moved = 0;
		}
		if (!measuring && now >= t0) {
			measuring = 1;
			t0 = now;
		}
		if (measuring && now >= t_end)
			break;
	}
	free(frame);
	if (measuring)
		print_rate("tx", o, pkts, pkts * len, tt_now() - t0, &calls);
	return rc;
}

/* ---- rtt --------------------------------------------------------------- */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
pct(const uint64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

/*
 * Wait for the packet equal to want[len]; others (late replies) are
 * skipped.  Returns 1 when it came, 0 on timeout or signal, -1 on error.
 */
static int
rtt_wait(struct bsdtun *t, const struct bench_opts *o, const uint8_t *want,
         size_t len, uint8_t *buf, uint64_t deadline)
{
	for (;;) {
		ssize_t n;

		if (o->block) {
			n = bsdtun_read(t, buf, TT_FRAME_MAX);
			if (n < 0 && errno == EINTR)
				return 0;
		} else {
			struct bsdtun_pkt p = { buf, TT_FRAME_MAX };
			int r = bsdtun_read_burst(t, &p, 1);

			n = r <= 0 ? r : (ssize_t)p.len;
			if (r == 0) {
				if (stop || tt_now() > deadline)
					return 0;
				continue;
			}
		}
		if (n < 0) {
			fprintf(stderr, "tuntest bench: read: %s\n",
			        strerror(errno));
			return -1;
		}
		if ((size_t)n == len && !memcmp(buf, want, len))
			return 1;
	}
}

static int
bench_rtt(struct bsdtun *t, const struct bench_opts *o)
{
	struct tt_stream s = { .id = 2,
		               .min = (uint16_t)o->size,
		               .max = (uint16_t)o->size };
	uint8_t *frame = malloc(TT_FRAME_MAX), *buf = malloc(TT_FRAME_MAX);
	size_t cap = 1 << 16, n = 0, len;
	uint64_t *lat = malloc(cap * sizeof(*lat));
	uint64_t lost = 0, t0, t_end, seq = 0;
	int rc = TT_EXIT_FAIL, zero = 0;
	struct sigaction sa;

	if (frame == NULL || buf == NULL || lat == NULL) {
		perror("tuntest bench");
		goto out;
	}
	if (o->block) {
		if (bsdtun_ioctl(t, FIONBIO, &zero) < 0) {
			perror("tuntest bench: FIONBIO");
			goto out;
		}
		/* A blocked read must return EINTR on SIGALRM/SIGTERM. */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGALRM, &sa, NULL);
	}
	t0 = tt_now() + sec_ns(o->warmup);
	t_end = t0 + sec_ns(o->duration);
	while (!stop) {
		uint64_t a, b;
		int r;

		len = tt_gen(&s, (uint32_t)seq++, frame);
		if (o->block)
			alarm((unsigned int)o->timeout + 1);
		a = tt_now();
		if (bsdtun_write(t, frame, len) < 0) {
			if (errno == ENOBUFS)
				continue;
			fprintf(stderr, "tuntest bench: write: %s\n",
			        strerror(errno));
			goto out;
		}
		r = rtt_wait(t, o, frame, len, buf, a + sec_ns(o->timeout));
		b = tt_now();
		if (o->block)
			alarm(0);
		if (r < 0)
			goto out;
		if (r == 0) {
			if (stop)
				break;
			if (++lost > 3) {
				fprintf(stderr,
				        "tuntest bench: rtt: no reply "
				        "within %.1f s\n",
				        o->timeout);
				goto out;
			}
			continue;
		}
		if (a < t0)
			continue;
		if (n == cap) {
			uint64_t *p = realloc(lat, 2 * cap * sizeof(*lat));

			if (p == NULL) {
				perror("tuntest bench");
				goto out;
			}
			lat = p;
			cap *= 2;
		}
		lat[n++] = b - a;
		if (b >= t_end)
			break;
	}
	if (n == 0) {
		fprintf(stderr, "tuntest bench: rtt: no sample\n");
		goto out;
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("bench mode=rtt block=%d cpu=%d size=%u samples=%zu "
	       "lost=%" PRIu64 " min_ns=%" PRIu64 " p50_ns=%" PRIu64
	       " p90_ns=%" PRIu64 " p99_ns=%" PRIu64 " p999_ns=%" PRIu64
	       " max_ns=%" PRIu64 "\n",
	       o->block, sched_getcpu(), o->size, n, lost, lat[0],
	       pct(lat, n, 0.5), pct(lat, n, 0.9), pct(lat, n, 0.99),
	       pct(lat, n, 0.999), lat[n - 1]);
	fflush(stdout);
	rc = TT_EXIT_OK;
out:
	free(frame);
	free(buf);
	free(lat);
	return rc;
}

/* ---- c2c --------------------------------------------------------------- */

struct c2c {
	_Alignas(64) volatile uint64_t ping;
	_Alignas(64) volatile uint64_t pong;
	int cpu;
};

static void *
c2c_peer(void *arg)
{
	struct c2c *c = arg;
	uint64_t v = 0;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(c->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return (void *)1;
	while (v != UINT64_MAX) {
		uint64_t p = c->ping;

		if (p != v) {
			v = p;
			c->pong = v;
		}
	}
	return NULL;
}

static int
bench_c2c(const struct bench_opts *o)
{
	struct c2c *c = aligned_alloc(64, sizeof(*c));
	uint64_t i = 0, t0, now, end;
	pthread_t th;
	void *err;

	if (c == NULL || (memset(c, 0, sizeof(*c)), c->cpu = o->peer_cpu,
	                  pthread_create(&th, NULL, c2c_peer, c)) != 0) {
		fprintf(stderr, "tuntest bench: c2c: cannot start\n");
		free(c);
		return TT_EXIT_FAIL;
	}
	t0 = now = tt_now();
	end = t0 + sec_ns(o->duration);
	while (now < end && !stop) {
		unsigned int k;

		for (k = 0; k < 256; k++) {
			c->ping = ++i;
			while (c->pong != i)
				;
		}
		now = tt_now();
	}
	c->ping = UINT64_MAX;
	pthread_join(th, &err);
	free(c);
	if (err != NULL) {
		fprintf(stderr, "tuntest bench: --peer-cpu %d: cannot pin\n",
		        o->peer_cpu);
		return TT_EXIT_USAGE;
	}
	printf("bench mode=c2c cpu=%d peer_cpu=%d rounds=%" PRIu64
	       " rtt_ns=%.1f\n",
	       sched_getcpu(), o->peer_cpu, i, (double)(now - t0) / (double)i);
	fflush(stdout);
	return TT_EXIT_OK;
}

/* ---- command ----------------------------------------------------------- */

static int
bench_run(const struct tt_cmd *cmd, int argc, char **argv)
{
	struct bsdtun *u[BENCH_UNITS_MAX];
	struct bench_opts o;
	struct sigaction sa;
	int i, n = 0, r;

	r = bench_parse(cmd, argc, argv, &o);
	if (r >= 0)
		return r;
	if (o.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0) {
			fprintf(stderr, "tuntest bench: --cpu %d: %s\n", o.cpu,
			        strerror(errno));
			return TT_EXIT_USAGE;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r = TT_EXIT_USAGE;
	for (n = 0; n < o.nep; n++)
		if ((u[n] = tt_open(o.ep[n], false)) == NULL)
			goto out;
	if (o.nep > 0)
		fprintf(stderr, "tuntest bench: %d unit(s) open\n", o.nep);
	switch (o.mode) {
	case MODE_RX:
		r = bench_rx(u, &o);
		break;
	case MODE_TX:
		r = bench_tx(u, &o);
		break;
	case MODE_RTT:
		r = bench_rtt(u[0], &o);
		break;
	case MODE_C2C:
		r = bench_c2c(&o);
		break;
	}
out:
	for (i = 0; i < n; i++)
		bsdtun_close(u[i]);
	return r;
}

const struct tt_cmd tt_cmd_bench = {
	.name = "bench",
	.args = "MODE [ENDPOINT...]",
	.nargs = -1,
	.brief = "unverified traffic at full speed, for devtools/bench.py",
	.desc = bench_desc,
	.options = bench_options,
	.opts = 0,
	.run = bench_run,
};
