/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bsdtun.h>

#include "traffic.h"
#include "face.h"
#include "tuntest.h"

/* Add a subcommand here and its file to meson.build. */
static const struct tt_cmd *const cmds[] = {
	&tt_cmd_send,   &tt_cmd_recv,    &tt_cmd_traffic,
	&tt_cmd_verify, &tt_cmd_conform, &tt_cmd_ioctl,
	&tt_cmd_bench,  &tt_cmd_bridge,  &tt_cmd_run,
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

struct opt_def {
	unsigned int bit;
	const char *name;
	const char *arg; /* NULL: a flag */
	const char *help;
};

static const struct opt_def opt_defs[] = {
	{ TT_OPT_COUNT, "count", "N", "packets per stream (default 1000)" },
	{ TT_OPT_STREAM, "stream", "S",
	  "stream sent or received, 0..255 (default 1)" },
	{ TT_OPT_PEER, "peer-stream", "P",
	  "stream the peer sends, 0..255 (required)" },
	{ TT_OPT_IFHEAD, "ifhead", NULL,
	  "TUNSIFHEAD: address family first; IPv6 mixed in" },
	{ TT_OPT_MIN, "min", "B", "smallest IP packet, >= 20 (default 20)" },
	{ TT_OPT_MAX, "max", "B", "largest IP packet (default 1500)" },
	{ TT_OPT_BURST, "burst", "K",
	  "packets per call; 1: bsdtun_read/write (default 32)" },
	{ TT_OPT_TIMEOUT, "timeout", "SEC",
	  "give up after SEC s with nothing moving (default 10)" },
	{ TT_OPT_RATE, "rate", "PPS",
	  "send at most PPS packets/s (default: no limit)" },
	{ TT_OPT_WINDOW, "window", "W",
	  "most packets in flight per direction (default 32)" },
	{ TT_OPT_QUIET, "quiet", NULL, "no rate line on stderr every second" },
	{ TT_OPT_ONLY, "only", "NAMES",
	  "only these behaviours (comma-separated names)" },
	{ TT_OPT_PAUSE, "pause", NULL,
	  "print WAIT and read a line where the app must act" },
};

#define NOPTS     (sizeof(opt_defs) / sizeof(opt_defs[0]))
#define OPT_HELP  'h'
#define OPT_FIRST 0x100 /* getopt value of opt_defs[0] */

uint64_t
tt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
tt_help(const struct tt_cmd *cmd, FILE *f)
{
	size_t i;

	fprintf(f, "usage: tuntest %s %s [options]\n\n%s\n", cmd->name,
	        cmd->args, cmd->desc);
	fprintf(f, "\noptions:\n");
	if (cmd->options != NULL) {
		fprintf(f, "%s  -h, --help     this text\n", cmd->options);
		return;
	}
	for (i = 0; i < NOPTS; i++) {
		const struct opt_def *d = &opt_defs[i];
		char lhs[32];

		if (!(cmd->opts & d->bit))
			continue;
		snprintf(lhs, sizeof(lhs), "--%s%s%s", d->name,
		         d->arg ? " " : "", d->arg ? d->arg : "");
		fprintf(f, "  %-20s %s\n", lhs, d->help);
	}
	fprintf(f, "  %-20s %s\n", "-h, --help", "this text");
}

static void
usage_error(const struct tt_cmd *cmd, const char *msg, const char *arg)
{
	fprintf(stderr, "tuntest %s: %s%s%s\n", cmd->name, msg, arg ? ": " : "",
	        arg ? arg : "");
	fprintf(stderr, "try 'tuntest %s --help'\n", cmd->name);
}

/* A decimal integer within [lo, hi], nothing after it. */
static int
parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end || *v < lo || *v > hi ? -1 : 0;
}

static int
parse_sec(const char *s, double lo, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return errno || end == s || *end || !(*v >= lo) || *v > 1e6 ? -1 : 0;
}

static int
set_opt(struct tt_opts *o, unsigned int bit, const char *arg)
{
	uint64_t v = 0;
	int r = 0;

	switch (bit) {
	case TT_OPT_COUNT:
		r = parse_u64(arg, 1, UINT32_MAX, &o->count);
		break;
	case TT_OPT_STREAM:
	case TT_OPT_PEER:
		r = parse_u64(arg, 0, TT_STREAM_MAX, &v);
		*(bit == TT_OPT_STREAM ? &o->stream : &o->peer) =
		        (unsigned int)v;
		break;
	case TT_OPT_MIN:
	case TT_OPT_MAX:
		r = parse_u64(arg, TT_IP4_HLEN, TT_FRAME_MAX, &v);
		*(bit == TT_OPT_MIN ? &o->min : &o->max) = (unsigned int)v;
		break;
	case TT_OPT_BURST:
		r = parse_u64(arg, 1, 1024, &v);
		o->burst = (unsigned int)v;
		break;
	case TT_OPT_RATE:
		r = parse_u64(arg, 1, 1000000000, &o->rate);
		break;
	case TT_OPT_WINDOW:
		r = parse_u64(arg, 1, 1u << 20, &o->window);
		break;
	case TT_OPT_TIMEOUT:
		r = parse_sec(arg, 0.001, &o->timeout);
		break;
	case TT_OPT_IFHEAD:
		o->ifhead = true;
		break;
	case TT_OPT_QUIET:
		o->quiet = true;
		break;
	case TT_OPT_ONLY:
		o->only = arg;
		break;
	case TT_OPT_PAUSE:
		o->pause = true;
		break;
	}
	return r;
}

int
tt_parse(const struct tt_cmd *cmd, int argc, char **argv, struct tt_opts *o)
{
	struct option lo[NOPTS + 2];
	size_t i, n = 0;
	unsigned int hdr;
	int c;

	memset(o, 0, sizeof(*o));
	o->count = 1000;
	o->stream = 1;
	o->min = TT_IP4_HLEN;
	o->max = TUNMTU;
	o->burst = 32;
	o->window = (cmd->opts & TT_OPT_WINDOW) ? 32 : 0;
	o->timeout = 10;

	for (i = 0; i < NOPTS; i++)
		if (cmd->opts & opt_defs[i].bit)
			lo[n++] = (struct option){ opt_defs[i].name,
				                   opt_defs[i].arg ?
				                           required_argument :
				                           no_argument,
				                   NULL, OPT_FIRST + (int)i };
	lo[n++] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		const struct opt_def *d;

		if (c == OPT_HELP) {
			tt_help(cmd, stdout);
			return TT_EXIT_OK;
		}
		if (c == '?') {
			usage_error(cmd, "unknown option or missing value",
			            argv[optind - 1]);
			return TT_EXIT_USAGE;
		}
		d = &opt_defs[c - OPT_FIRST];
		if (set_opt(o, d->bit, optarg) < 0) {
			fprintf(stderr, "tuntest %s: --%s: bad value '%s'\n",
			        cmd->name, d->name, optarg);
			return TT_EXIT_USAGE;
		}
		o->given |= d->bit;
	}
	if (argc - optind != cmd->nargs) {
		usage_error(cmd, "expected", cmd->args);
		return TT_EXIT_USAGE;
	}
	for (c = 0; c < cmd->nargs; c++)
		o->args[c] = argv[optind + c];

	hdr = o->ifhead ? TT_AF_HLEN : 0;
	if (o->min > o->max) {
		usage_error(cmd, "--min is above --max", NULL);
		return TT_EXIT_USAGE;
	}
	if (o->max + hdr > TUNMRU) {
		fprintf(stderr,
		        "tuntest %s: --max %u: frames are at most "
		        "%d bytes, header included\n",
		        cmd->name, o->max, TUNMRU);
		return TT_EXIT_USAGE;
	}
	if ((cmd->opts & TT_OPT_PEER) && !(o->given & TT_OPT_PEER)) {
		usage_error(cmd, "--peer-stream is required", NULL);
		return TT_EXIT_USAGE;
	}
	return -1;
}

struct bsdtun *
tt_open(const char *endpoint, bool ifhead)
{
	struct bsdtun *t = tt_lib_open(endpoint, O_NONBLOCK);
	int one = 1, zero = 0;
	const char *what;

	if (t == NULL) {
		fprintf(stderr, "tuntest: cannot open %s: %s\n", endpoint,
		        strerror(errno));
		return NULL;
	}
	if (ifhead) {
		what = "TUNSIFHEAD";
		if (bsdtun_ioctl(t, TUNSIFHEAD, &one) == 0)
			return t;
	} else {
		what = "TUNSLMODE";
		if (bsdtun_ioctl(t, TUNSLMODE, &zero) == 0) {
			what = "TUNSIFHEAD";
			if (bsdtun_ioctl(t, TUNSIFHEAD, &zero) == 0)
				return t;
		}
	}
	fprintf(stderr, "tuntest: %s: %s: %s\n", endpoint, what,
	        strerror(errno));
	bsdtun_close(t);
	return NULL;
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: tuntest COMMAND ENDPOINT... [options]\n"
	           "       tuntest COMMAND --help\n\n"
	           "A client of net_bsdtun units; ENDPOINT is a unit's control "
	           "socket\n(devarg sock=).\n\ncommands:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-10s %s\n", cmds[i]->name, cmds[i]->brief);
	fprintf(f, "\nEndpoints served by root or by this user are trusted; "
	           "TUNTEST_SERVER_UID=UID\ntrusts one more user (a DPDK "
	           "application running as UID).\n");
	fprintf(f, "\nExit status: 0 all verified, 1 verification or I/O "
	           "failure,\n2 usage or open error.\n");
}

int
main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;
	size_t i;

	if (name == NULL) {
		usage(stderr);
		return TT_EXIT_USAGE;
	}
	if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
		usage(stdout);
		return TT_EXIT_OK;
	}
	if (!strcmp(name, "help")) {
		if (argc < 3) {
			usage(stdout);
			return TT_EXIT_OK;
		}
		name = argv[2];
		for (i = 0; i < NCMDS; i++)
			if (!strcmp(name, cmds[i]->name)) {
				char help[] = "--help";
				char *hv[] = { argv[2], help, NULL };

				return cmds[i]->run(cmds[i], 2, hv);
			}
	}
	for (i = 0; i < NCMDS; i++)
		if (!strcmp(name, cmds[i]->name))
			return cmds[i]->run(cmds[i], argc - 1, argv + 1);
	fprintf(stderr, "tuntest: unknown command '%s'\n", name);
	usage(stderr);
	return TT_EXIT_USAGE;
}
