/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Moving test streams through units.  A flow is one stream as this process
 * sees it: it may send it into one unit, receive it from another, or both
 * (then with a bounded number of packets in flight).  tt_run() drives any
 * set of flows from one thread until all are done or nothing moves.
 */
#ifndef TT_FLOW_H
#define TT_FLOW_H

#include <stdint.h>

#include <bsdtun.h>

#include "traffic.h"
#include "tuntest.h"

#define TT_FLOWS_MAX 4

struct tt_tx;
struct tt_rx;

struct tt_flow {
	struct tt_stream s;
	uint64_t count;   /* packets in the stream */
	struct tt_tx *tx; /* NULL: another process sends it */
	struct tt_rx *rx; /* NULL: another process receives it */
};

/*
 * Set up flow f of stream s; from/to are the units it is written to and
 * read from (either may be NULL).  Returns 0, or -1 after a message.
 */
int tt_flow_init(struct tt_flow *f, const struct tt_stream *s,
                 struct bsdtun *to, struct bsdtun *from,
                 const struct tt_opts *o);
void tt_flow_fini(struct tt_flow *f);

/*
 * Run the flows, then print one summary line per flow on stdout:
 *   tuntest: stream S sent N received N lost N reordered N corrupt N
 *   bytes N pps X
 * (one line; see SUMMARY_HELP in cmd_stream.c for the fields).
 * Returns TT_EXIT_OK iff every flow sent and received exactly its count,
 * in order and byte-exact, else TT_EXIT_FAIL.
 */
int tt_run(struct tt_flow *flows, int n, const struct tt_opts *o);

#endif /* TT_FLOW_H */
