/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the C test programs driven by tests/harness.py share: the
 * assertion lines ("PASS step: what" / "FAIL step: what (errno ...)"), the
 * WAIT handshake with the Python driver (and test_time.h).  Header-only:
 * each program is one file plus this.
 */
#ifndef BSDTUN_TEST_CHECK_H
#define BSDTUN_TEST_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_time.h"

static const char *step = "?"; /* what the assertions belong to */
static int failures;
static int passes;

static void
report(int ok, const char *what, int err)
{
	if (ok) {
		passes++;
		printf("PASS %s: %s\n", step, what);
	} else {
		failures++;
		printf("FAIL %s: %s (errno %d %s)\n", step, what, err,
		       strerror(err));
	}
	fflush(stdout);
}

/* cond must hold; errno is kept for the next check. */
#define CHECK(cond, ...)                               \
	do {                                           \
		int ok_ = !!(cond);                    \
		int e_ = errno;                        \
		char m_[256];                          \
		snprintf(m_, sizeof(m_), __VA_ARGS__); \
		report(ok_, m_, e_);                   \
		errno = e_;                            \
	} while (0)

/* A call that must fail with exactly err. */
#define CHECK_ERRNO(ret, err, ...)                                            \
	do {                                                                  \
		long r_ = (long)(ret);                                        \
		int e_ = errno;                                               \
		char m_[256], w_[200];                                        \
		snprintf(w_, sizeof(w_), __VA_ARGS__);                        \
		snprintf(m_, sizeof(m_), "%s: returns -1 errno %s (got %ld)", \
		         w_, #err, r_);                                       \
		report(r_ == -1 && e_ == (err), m_, e_);                      \
	} while (0)

/* Tell the Python driver we are at a step it must act on; wait for it. */
static inline void
wait_driver(const char *what)
{
	char line[64];

	printf("WAIT %s\n", what);
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL) {
		printf("FAIL %s: driver gone at WAIT %s\n", step, what);
		exit(1);
	}
}

#endif /* BSDTUN_TEST_CHECK_H */
