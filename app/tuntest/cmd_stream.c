/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The traffic subcommands: send, recv, traffic, verify.  They differ only
 * in which units each stream is written to and read from (their plan).
 */
#include <stdbool.h>
#include <stddef.h>

#include "flow.h"
#include "traffic.h"
#include "tuntest.h"

#define NONE       (-1) /* no unit: another process does it */
#define OPT_STREAM (-1) /* stream id from --stream */
#define OPT_PEER   (-2) /* stream id from --peer-stream */

struct plan {
	int stream;   /* id, or OPT_STREAM / OPT_PEER */
	int to, from; /* index of the unit written / read, or NONE */
};

#define OPTS_COMMON                                               \
	(TT_OPT_COUNT | TT_OPT_IFHEAD | TT_OPT_MIN | TT_OPT_MAX | \
	 TT_OPT_BURST | TT_OPT_TIMEOUT | TT_OPT_QUIET)

#define SUMMARY_HELP                                                       \
	"\n\nAt the end, one line per stream on stdout:\n"                 \
	"  tuntest: stream S sent N received N lost N reordered N "        \
	"corrupt N\n  bytes N pps X   (all on one line)\n"                 \
	"(0 where this process does not send or receive it).  lost: seqs " \
	"never received\nintact; reordered: intact but late or "           \
	"duplicate; corrupt: matching no seq.\nbytes (IP packets, no "     \
	"IFHEAD header) and pps are the receiver's when the\nstream is "   \
	"received here, else the sender's.  Exit 0 iff every stream was "  \
	"sent\nand received exactly --count times, in order, byte-exact."

static int
run_plan(const struct tt_cmd *cmd, int argc, char **argv,
         const struct plan *plan, int n, bool handshake)
{
	struct bsdtun *unit[TT_ARGS_MAX] = { NULL };
	struct tt_flow flows[TT_FLOWS_MAX];
	struct tt_opts o;
	int i, nf = 0, r;

	r = tt_parse(cmd, argc, argv, &o);
	if (r >= 0)
		return r;
	o.handshake = handshake;
	r = TT_EXIT_USAGE;
	for (i = 0; i < cmd->nargs; i++)
		if ((unit[i] = tt_open(o.args[i], o.ifhead)) == NULL)
			goto out;
	r = TT_EXIT_FAIL;
	for (nf = 0; nf < n; nf++) {
		const struct plan *p = &plan[nf];
		struct tt_stream s = {
			.id = (uint8_t)(p->stream == OPT_STREAM ?
			                        o.stream :
			                p->stream == OPT_PEER ?
			                        o.peer :
			                        (unsigned int)p->stream),
			.ifhead = o.ifhead,
			.min = (uint16_t)o.min,
			.max = (uint16_t)o.max,
		};

		if (tt_flow_init(
		            &flows[nf], &s, p->to == NONE ? NULL : unit[p->to],
		            p->from == NONE ? NULL : unit[p->from], &o) < 0)
			goto out;
	}
	r = tt_run(flows, n, &o);
out:
	while (nf-- > 0)
		tt_flow_fini(&flows[nf]);
	for (i = 0; i < cmd->nargs; i++)
		if (unit[i] != NULL)
			bsdtun_close(unit[i]);
	return r;
}

static int
send_run(const struct tt_cmd *cmd, int argc, char **argv)
{
	static const struct plan plan[] = { { OPT_STREAM, 0, NONE } };

	return run_plan(cmd, argc, argv, plan, 1, false);
}

static int
recv_run(const struct tt_cmd *cmd, int argc, char **argv)
{
	static const struct plan plan[] = { { OPT_STREAM, NONE, 0 } };

	return run_plan(cmd, argc, argv, plan, 1, false);
}

static int
traffic_run(const struct tt_cmd *cmd, int argc, char **argv)
{
	static const struct plan plan[] = {
		{ OPT_STREAM, 0, NONE },
		{ OPT_PEER, NONE, 0 },
	};

	/* The peer is another process: wait for it before sending. */
	return run_plan(cmd, argc, argv, plan, 2, true);
}

static int
verify_run(const struct tt_cmd *cmd, int argc, char **argv)
{
	static const struct plan plan[] = {
		{ 1, 0, 1 },
		{ 2, 1, 0 },
	};

	return run_plan(cmd, argc, argv, plan, 2, false);
}

const struct tt_cmd tt_cmd_send = {
	.name = "send",
	.args = "ENDPOINT",
	.nargs = 1,
	.brief = "write a test stream into a unit",
	.desc = "Write --count packets of stream S into the unit.  A packet "
	        "the ring to DPDK\nrefuses (ENOBUFS) is retried until it "
	        "fits: none is ever skipped." SUMMARY_HELP,
	.opts = OPTS_COMMON | TT_OPT_STREAM | TT_OPT_RATE,
	.run = send_run,
};

const struct tt_cmd tt_cmd_recv = {
	.name = "recv",
	.args = "ENDPOINT",
	.nargs = 1,
	.brief = "read a test stream from a unit and verify it",
	.desc = "Read --count packets of stream S from the unit and compare "
	        "each, byte for\nbyte, with the packet the stream should hold "
	        "there; a mismatch is classified\nas loss, reordering or "
	        "corruption.  --ifhead, --min and --max must be "
	        "the\nsender's." SUMMARY_HELP,
	.opts = OPTS_COMMON | TT_OPT_STREAM,
	.run = recv_run,
};

const struct tt_cmd tt_cmd_traffic = {
	.name = "traffic",
	.args = "ENDPOINT",
	.nargs = 1,
	.brief = "send one stream and verify another through one unit",
	.desc = "Send stream S into the unit while reading and verifying "
	        "stream P, sent by a\npeer (another tuntest on a port the "
	        "DPDK application forwards to this one).\nUntil it hears "
	        "from the peer it writes only a probe every 10 ms, so no\n"
	        "packet is sent before the peer holds its unit; probes are "
	        "not counted." SUMMARY_HELP,
	.opts = OPTS_COMMON | TT_OPT_STREAM | TT_OPT_PEER | TT_OPT_RATE,
	.run = traffic_run,
};

const struct tt_cmd tt_cmd_verify = {
	.name = "verify",
	.args = "ENDPOINT_A ENDPOINT_B",
	.nargs = 2,
	.brief = "send and verify both ways between two units",
	.desc = "Hold two units forwarded to each other: stream 1 goes "
	        "from A to B and\nstream 2 from B to A, at once.  At most "
	        "--window packets are in flight per\ndirection, so no ring "
	        "overflows even if the forwarder drops on full "
	        "rings." SUMMARY_HELP,
	.opts = OPTS_COMMON | TT_OPT_WINDOW,
	.run = verify_run,
};
