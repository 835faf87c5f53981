/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuntest: a client of net_bsdtun units, for tests and benchmarks.
 * Each subcommand is a struct tt_cmd defined in its own file and listed in
 * tuntest.c; the options the traffic subcommands share are parsed here.
 */
#ifndef TT_TUNTEST_H
#define TT_TUNTEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <bsdtun.h>

/* Exit statuses of every subcommand. */
#define TT_EXIT_OK    0 /* everything verified */
#define TT_EXIT_FAIL  1 /* verification or I/O failure */
#define TT_EXIT_USAGE 2 /* bad command line; a unit won't open */

/* Shared options; a command says which it takes in tt_cmd.opts. */
#define TT_OPT_COUNT   (1u << 0)
#define TT_OPT_STREAM  (1u << 1)
#define TT_OPT_PEER    (1u << 2)
#define TT_OPT_IFHEAD  (1u << 3)
#define TT_OPT_MIN     (1u << 4)
#define TT_OPT_MAX     (1u << 5)
#define TT_OPT_BURST   (1u << 6)
#define TT_OPT_TIMEOUT (1u << 7)
#define TT_OPT_WINDOW  (1u << 8)
#define TT_OPT_QUIET   (1u << 9)
#define TT_OPT_RATE    (1u << 10)
#define TT_OPT_ONLY    (1u << 11)
#define TT_OPT_PAUSE   (1u << 12)

#define TT_ARGS_MAX 2

struct tt_opts {
	char *args[TT_ARGS_MAX]; /* positional arguments (endpoints) */
	unsigned int given;      /* TT_OPT_* on the command line */
	uint64_t count;
	unsigned int stream, peer;
	unsigned int min, max; /* IP packet lengths */
	unsigned int burst;
	uint64_t window; /* 0: no limit */
	uint64_t rate;   /* packets/s, 0: no pacing */
	double timeout;  /* seconds */
	bool ifhead, quiet;
	bool pause;       /* WAIT where the app must act */
	const char *only; /* comma-separated names, NULL: all */
	bool handshake;   /* probe till peer heard */
};

struct tt_cmd {
	const char *name;
	const char *args;  /* positional arguments, for the usage line */
	int nargs;         /* how many of them */
	const char *brief; /* one line for `tuntest --help` */
	const char *desc;  /* paragraph for `tuntest CMD --help` */
	unsigned int opts; /* TT_OPT_* it takes */
	/* Or, for a command with options of its own: their help lines. */
	const char *options;
	int (*run)(const struct tt_cmd *cmd, int argc, char **argv);
};

extern const struct tt_cmd tt_cmd_send;
extern const struct tt_cmd tt_cmd_recv;
extern const struct tt_cmd tt_cmd_traffic;
extern const struct tt_cmd tt_cmd_verify;
extern const struct tt_cmd tt_cmd_conform;
extern const struct tt_cmd tt_cmd_ioctl;
extern const struct tt_cmd tt_cmd_bench;
extern const struct tt_cmd tt_cmd_bridge;
extern const struct tt_cmd tt_cmd_run;

void tt_help(const struct tt_cmd *cmd, FILE *f);

/*
 * Parse argv (argv[0] is the command name) into o.  Returns -1 when the
 * command should go on, else the status to exit with: TT_EXIT_OK after
 * --help, TT_EXIT_USAGE after a message on stderr.
 */
int tt_parse(const struct tt_cmd *cmd, int argc, char **argv,
             struct tt_opts *o);

/*
 * Open a unit non-blocking and put it in IFHEAD mode or in plain mode (LMODE
 * off too: modes persist from a previous client).  NULL after a message.
 */
struct bsdtun *tt_open(const char *endpoint, bool ifhead);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t tt_now(void);

#endif /* TT_TUNTEST_H */
