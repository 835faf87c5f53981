/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flow.h"

#define NS            1000000000ull
#define TT_RX_BUF     (TT_FRAME_MAX + 64) /* so longer frames show */
#define FULL_SPINS    64 /* yields before sleeping on ENOBUFS */
#define FULL_SLEEP_NS 20000ull
#define PROBE_NS      10000000ull /* between probes */

/* One tt_run(); the last three fields are what the latest round found. */
struct run {
	const struct tt_opts *o;
	bool heard; /* peer holds its unit, or no handshake */
	uint64_t now;
	bool full;    /* a ring to DPDK refused a write */
	uint64_t due; /* when a paced or probing flow writes */
};

/* A frame kept until written: a refused write is retried byte for byte. */
struct tt_slot {
	uint64_t seq; /* UINT64_MAX: empty */
	size_t len;
	uint8_t frame[TT_FRAME_MAX];
};

struct tt_tx {
	struct bsdtun *t;
	unsigned int burst;
	uint64_t sent, bytes;
	uint64_t first_ns;    /* first write of the stream: pace origin */
	uint64_t last_ns;     /* last write */
	uint64_t probe_ns;    /* last probe */
	uint64_t mark;        /* sent at the last rate line */
	struct tt_slot *slot; /* burst of them, by seq % burst */
	struct bsdtun_pkt *pkts;
};

struct tt_rx {
	struct bsdtun *t;
	unsigned int burst;
	uint64_t first_ns, last_ns;
	uint64_t mark;
	uint8_t *buf;
	struct bsdtun_pkt *pkts;
	struct tt_check chk;
};

int
tt_flow_init(struct tt_flow *f, const struct tt_stream *s, struct bsdtun *to,
             struct bsdtun *from, const struct tt_opts *o)
{
	unsigned int b = o->burst, i;

	memset(f, 0, sizeof(*f));
	f->s = *s;
	f->count = o->count;
	if (to != NULL) {
		struct tt_tx *tx = calloc(1, sizeof(*tx));

		f->tx = tx;
		if (tx == NULL ||
		    (tx->slot = malloc(b * sizeof(*tx->slot))) == NULL ||
		    (tx->pkts = calloc(b, sizeof(*tx->pkts))) == NULL)
			goto nomem;
		tx->t = to;
		tx->burst = b;
		for (i = 0; i < b; i++)
			tx->slot[i].seq = UINT64_MAX;
	}
	if (from != NULL) {
		struct tt_rx *rx = calloc(1, sizeof(*rx));

		f->rx = rx;
		if (rx == NULL ||
		    (rx->buf = malloc((size_t)b * TT_RX_BUF)) == NULL ||
		    (rx->pkts = calloc(b, sizeof(*rx->pkts))) == NULL)
			goto nomem;
		rx->t = from;
		rx->burst = b;
		tt_check_init(&rx->chk, s);
		/* bsdtun_fd() before the first read keeps the bell level. */
		(void)bsdtun_fd(from);
	}
	return 0;
nomem:
	fprintf(stderr, "tuntest: stream %u: %s\n", s->id, strerror(ENOMEM));
	tt_flow_fini(f);
	return -1;
}

void
tt_flow_fini(struct tt_flow *f)
{
	if (f->tx != NULL) {
		free(f->tx->slot);
		free(f->tx->pkts);
		free(f->tx);
	}
	if (f->rx != NULL) {
		free(f->rx->buf);
		free(f->rx->pkts);
		free(f->rx);
	}
	f->tx = NULL;
	f->rx = NULL;
}

/*
 * One write call of up to max packets.  Returns the number written, fewer
 * than asked when the ring to DPDK is full, or -1 on any other error.
 */
static int
tx_pump(struct tt_flow *f, uint64_t max)
{
	struct tt_tx *tx = f->tx;
	unsigned int n = max < tx->burst ? (unsigned int)max : tx->burst;
	unsigned int i;
	int r;

	for (i = 0; i < n; i++) {
		uint64_t seq = tx->sent + i;
		struct tt_slot *sl = &tx->slot[seq % tx->burst];

		if (sl->seq != seq) {
			sl->len = tt_gen(&f->s, (uint32_t)seq, sl->frame);
			sl->seq = seq;
		}
		tx->pkts[i].buf = sl->frame;
		tx->pkts[i].len = sl->len;
	}
	if (tx->first_ns == 0)
		tx->first_ns = tt_now();
	/* --burst 1 takes the single-packet calls, so both paths get used. */
	if (tx->burst > 1)
		r = bsdtun_write_burst(tx->t, tx->pkts, (int)n);
	else
		r = bsdtun_write(tx->t, tx->pkts[0].buf, tx->pkts[0].len) < 0 ?
		            -1 :
		            1;
	/* bsdtun.h says 0 when nothing fits; take -1 ENOBUFS as well. */
	if (r < 0 && errno == ENOBUFS)
		r = 0;
	if (r < 0) {
		fprintf(stderr, "tuntest: stream %u: write: %s\n", f->s.id,
		        strerror(errno));
		return -1;
	}
	for (i = 0; i < (unsigned int)r; i++)
		tx->bytes += tx->pkts[i].len - (f->s.ifhead ? TT_AF_HLEN : 0);
	tx->sent += (unsigned int)r;
	if (r > 0)
		tx->last_ns = tt_now();
	return r;
}

/*
 * Read and check what is queued now, up to the end of the stream.
 * Returns the number of frames read, or -1 on error.
 */
static int
rx_drain(struct tt_flow *f, struct run *run)
{
	struct tt_rx *rx = f->rx;
	int total = 0, r, i;

	while (rx->chk.expect < f->count) {
		uint64_t left = f->count - rx->chk.expect;
		int n = left < rx->burst ? (int)left : (int)rx->burst;

		for (i = 0; i < n; i++) {
			rx->pkts[i].buf = rx->buf + (size_t)i * TT_RX_BUF;
			rx->pkts[i].len = TT_RX_BUF;
		}
		if (rx->burst > 1) {
			r = bsdtun_read_burst(rx->t, rx->pkts, n);
		} else {
			ssize_t len = bsdtun_read(rx->t, rx->buf, TT_RX_BUF);

			rx->pkts[0].len = len > 0 ? (size_t)len : 0;
			r = len >= 0 ? 1 : errno == EWOULDBLOCK ? 0 : -1;
		}
		if (r < 0) {
			fprintf(stderr, "tuntest: stream %u: read: %s\n",
			        f->s.id, strerror(errno));
			return -1;
		}
		if (r == 0)
			break;
		for (i = 0; i < r; i++)
			if (!run->o->handshake ||
			    !tt_is_probe(&rx->chk, rx->pkts[i].buf,
			                 rx->pkts[i].len))
				tt_check_frame(&rx->chk, rx->pkts[i].buf,
				               rx->pkts[i].len);
		run->heard = true;
		rx->last_ns = tt_now();
		if (rx->first_ns == 0)
			rx->first_ns = rx->last_ns;
		total += r;
		if (r < n)
			break;
	}
	return total;
}

static double
rate(uint64_t pkts, uint64_t from, uint64_t to)
{
	return to > from ? (double)pkts * NS / (double)(to - from) : 0;
}

/* The once-a-second line on stderr; rates are since the previous one. */
static void
rate_line(struct tt_flow *flows, int n, uint64_t start, uint64_t prev,
          uint64_t now)
{
	int i;

	fprintf(stderr, "tuntest: %.0fs", (double)(now - start) / NS);
	for (i = 0; i < n; i++) {
		struct tt_tx *tx = flows[i].tx;
		struct tt_rx *rx = flows[i].rx;

		fprintf(stderr, " | stream %u", flows[i].s.id);
		if (tx != NULL) {
			fprintf(stderr, " sent %" PRIu64 " (%.0f pps)",
			        tx->sent, rate(tx->sent - tx->mark, prev, now));
			tx->mark = tx->sent;
		}
		if (rx != NULL) {
			fprintf(stderr, " received %" PRIu64 " (%.0f pps)",
			        rx->chk.received,
			        rate(rx->chk.received - rx->mark, prev, now));
			rx->mark = rx->chk.received;
		}
	}
	fputc('\n', stderr);
}

/* Summary line; returns whether the flow verified. */
static bool
summary(const struct tt_flow *f)
{
	const struct tt_tx *tx = f->tx;
	const struct tt_rx *rx = f->rx;
	const struct tt_check *c = rx != NULL ? &rx->chk : NULL;
	uint64_t sent = tx != NULL ? tx->sent : 0;
	uint64_t lost = c != NULL ? tt_check_lost(c, f->count) : 0;
	uint64_t bytes;
	double pps;

	/* A flow received here is measured by its receiver. */
	if (c != NULL) {
		bytes = c->bytes;
		pps = rate(c->received, rx->first_ns, rx->last_ns);
	} else {
		bytes = tx->bytes;
		pps = rate(sent, tx->first_ns, tx->last_ns);
	}
	printf("tuntest: stream %u sent %" PRIu64 " received %" PRIu64
	       " lost %" PRIu64 " reordered %" PRIu64 " corrupt %" PRIu64
	       " bytes %" PRIu64 " pps %.0f\n",
	       f->s.id, sent, c != NULL ? c->received : 0, lost,
	       c != NULL ? c->reordered : 0, c != NULL ? c->corrupt : 0, bytes,
	       pps);
	if (tx != NULL && sent != f->count)
		return false;
	return c == NULL || (c->received == f->count && c->expect == f->count &&
	                     lost == 0 && c->reordered == 0 && c->corrupt == 0);
}

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Packets flow f may write now: what is left, within window and pace. */
static uint64_t
tx_room(const struct tt_flow *f, struct run *run)
{
	const struct tt_tx *tx = f->tx;
	const struct tt_opts *o = run->o;
	uint64_t room = f->count - tx->sent, lim;

	/*
	 * In flight: written but neither received nor known lost (a later
	 * seq arrived), so a loss does not shrink the window for good.
	 */
	if (f->rx != NULL && o->window > 0) {
		lim = tx->sent > f->rx->chk.expect ?
		              tx->sent - f->rx->chk.expect :
		              0;
		room = lim < o->window ? min_u64(room, o->window - lim) : 0;
	}
	if (o->rate > 0) {
		/* Packet k is due k / rate seconds after the first. */
		uint64_t t0 = tx->first_ns != 0 ? tx->first_ns : run->now;

		lim = (uint64_t)((double)(run->now - t0) * o->rate / NS) + 1;
		if (lim <= tx->sent) {
			run->due = min_u64(run->due,
			                   t0 + 1 +
			                           (uint64_t)((double)tx->sent *
			                                      NS / o->rate));
			return 0;
		}
		room = min_u64(room, lim - tx->sent);
	}
	return room;
}

/*
 * Until the peer is heard from, write a probe now and then instead of the
 * stream: a packet sent before the peer holds its unit would be dropped
 * (no client), or arrive before it set IFHEAD.
 */
static int
tx_probe(struct tt_flow *f, struct run *run)
{
	struct tt_tx *tx = f->tx;

	if (run->now - tx->probe_ns >= PROBE_NS) {
		uint8_t probe[TT_AF_HLEN + TT_PROBE_LEN];
		size_t len = tt_gen_probe(&f->s, probe);

		tx->probe_ns = run->now;
		if (bsdtun_write(tx->t, probe, len) < 0 && errno != ENOBUFS) {
			fprintf(stderr, "tuntest: stream %u: write: %s\n",
			        f->s.id, strerror(errno));
			return -1;
		}
	}
	run->due = min_u64(run->due, tx->probe_ns + PROBE_NS);
	return 0;
}

/* Wait up to ns for a packet on any receiving unit; -1 if a unit died. */
static int
wait_rx(struct tt_flow *flows, int n, uint64_t ns)
{
	struct pollfd pfd[TT_FLOWS_MAX];
	struct timespec ts = { .tv_sec = ns / NS, .tv_nsec = ns % NS };
	nfds_t nfd = 0, i;
	int k;

	for (k = 0; k < n; k++)
		if (flows[k].rx != NULL) {
			pfd[nfd].fd = bsdtun_fd(flows[k].rx->t);
			pfd[nfd++].events = POLLIN;
		}
	if (ppoll(pfd, nfd, &ts, NULL) < 0)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < nfd; i++)
		if (pfd[i].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			fprintf(stderr, "tuntest: the unit went away\n");
			return -1;
		}
	return 0;
}

/*
 * One round: a write burst per sending flow, then drain every reader (the
 * rings to the client are the ones that drop when not read in time).
 * Returns the packets moved, or -1.
 */
static int64_t
run_round(struct tt_flow *flows, int n, struct run *run)
{
	int64_t moved = 0;
	int i, r;

	run->now = tt_now();
	run->full = false;
	run->due = UINT64_MAX;
	for (i = 0; i < n; i++) {
		struct tt_flow *f = &flows[i];
		uint64_t room;

		if (f->tx == NULL || f->tx->sent == f->count)
			continue;
		if (!run->heard) {
			if (tx_probe(f, run) < 0)
				return -1;
			continue;
		}
		room = tx_room(f, run);
		if (room == 0)
			continue;
		r = tx_pump(f, room);
		if (r < 0)
			return -1;
		moved += r;
		run->full |=
		        (unsigned int)r < f->tx->burst && (uint64_t)r < room;
	}
	for (i = 0; i < n; i++) {
		if (flows[i].rx == NULL)
			continue;
		r = rx_drain(&flows[i], run);
		if (r < 0)
			return -1;
		moved += r;
	}
	return moved;
}

static bool
all_done(const struct tt_flow *flows, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (flows[i].tx != NULL && flows[i].tx->sent < flows[i].count)
			return false;
		if (flows[i].rx != NULL &&
		    flows[i].rx->chk.expect < flows[i].count)
			return false;
	}
	return true;
}

int
tt_run(struct tt_flow *flows, int n, const struct tt_opts *o)
{
	uint64_t start = tt_now(), moved_ns = start, line_ns = start;
	uint64_t timeout = (uint64_t)(o->timeout * NS), ns;
	struct run run = { .o = o, .heard = !o->handshake };
	unsigned int spins = 0;
	bool ok = true;
	int i;

	for (;;) {
		int64_t moved = run_round(flows, n, &run);
		uint64_t now;

		if (moved < 0) {
			ok = false;
			break;
		}
		now = tt_now();
		if (!o->quiet && now >= line_ns + NS) {
			rate_line(flows, n, start, line_ns, now);
			line_ns = now;
		}
		if (all_done(flows, n))
			break;
		if (moved > 0) {
			moved_ns = now;
			spins = 0;
			continue;
		}
		if (now - moved_ns >= timeout) {
			fprintf(stderr, "tuntest: %s for %g s, giving up\n",
			        run.heard ? "nothing moved" :
			                    "no word from the peer",
			        o->timeout);
			ok = false;
			break;
		}
		/* A full ring to DPDK cannot be polled: yield, then nap. */
		if (run.full && spins++ < FULL_SPINS) {
			sched_yield();
			continue;
		}
		ns = moved_ns + timeout - now;
		if (!o->quiet)
			ns = min_u64(ns, line_ns + NS - now);
		if (run.full)
			ns = min_u64(ns, FULL_SLEEP_NS);
		if (run.due != UINT64_MAX)
			ns = min_u64(ns, run.due > now ? run.due - now : 0);
		if (wait_rx(flows, n, ns) < 0) {
			ok = false;
			break;
		}
	}
	for (i = 0; i < n; i++)
		ok &= summary(&flows[i]);
	fflush(stdout);
	return ok ? TT_EXIT_OK : TT_EXIT_FAIL;
}
