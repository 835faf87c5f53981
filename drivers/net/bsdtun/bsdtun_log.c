/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The log lines of the device node (bsdtun_cdev.h), which holds its unit
 * as a handle only: the lines BSDTUN_LOG, BSDTUN_CLIENT_LOG and
 * BSDTUN_DEBUG print, the same bytes, on the driver's logtype.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "bsdtun_internal.h"

/* One line "func(): name: msg" at a level known only at run time. */
static void
node_line(uint32_t level, const char *func, const char *name, const char *msg)
{
#define NODE_LINE(l)                                                       \
	case RTE_LOG_##l:                                                  \
		RTE_LOG_LINE_PREFIX(l, NET_BSDTUN,                         \
				    "%s(): %s: ", func RTE_LOG_COMMA name, \
				    "%s", msg);                            \
		break
	switch (level) {
		NODE_LINE(EMERG);
		NODE_LINE(ALERT);
		NODE_LINE(CRIT);
		NODE_LINE(ERR);
		NODE_LINE(WARNING);
		NODE_LINE(NOTICE);
		NODE_LINE(INFO);
	default:
		RTE_LOG_LINE_PREFIX(DEBUG, NET_BSDTUN,
				    "%s(): %s: ", func RTE_LOG_COMMA name, "%s",
				    msg);
		break;
	}
#undef NODE_LINE
}

void
bsdtun_node_log(struct bsdtun_unit *u, uint32_t level,
		enum bsdtun_node_log_kind kind, const char *func,
		const char *fmt, ...)
{
	char small[256], *msg = small;
	va_list ap;
	int n;

	if (kind == BSDTUN_NODE_LOG_DEBUG && (u == NULL || !u->debug))
		return;
	if (kind != BSDTUN_NODE_LOG_PMD) {
		if (u == NULL || !bsdtun_log_admit(u, level))
			return;
	} else if (!rte_log_can_log(bsdtun_logtype, level)) {
		return; /* not printed anyway: nothing to format */
	}
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(small)) {
		/* a path in it: the whole line, as BSDTUN_LOG prints it */
		msg = malloc((size_t)n + 1);
		if (msg != NULL) {
			va_start(ap, fmt);
			vsnprintf(msg, (size_t)n + 1, fmt, ap);
			va_end(ap);
		} else {
			msg = small;
		}
	}
	node_line(level, func, u != NULL ? u->name : "net_bsdtun",
		  n < 0 ? fmt : msg);
	if (msg != small)
		free(msg);
}

void
bsdtun_node_vlog(uint32_t level, const char *fmt, va_list ap)
{
	rte_vlog(level, bsdtun_logtype, fmt, ap);
}
