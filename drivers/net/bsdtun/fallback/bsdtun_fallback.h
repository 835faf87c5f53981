/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The current DPDK API the driver uses, made for the supported releases
 * that lack it (included by bsdtun_compat.h only).  Each definition here is
 * what the newer releases do themselves: the atomics of rte_stdatomic.h
 * without RTE_ENABLE_STDATOMIC (GCC's builtins), RTE_LOG_LINE_PREFIX on
 * RTE_LOG.  This directory is the one part of the driver that
 * devtools/check.sh does not hold to the newest DPDK's checkpatches rules,
 * which exist to make code use the API defined here.
 */
#ifndef BSDTUN_FALLBACK_H
#define BSDTUN_FALLBACK_H

#include <pthread.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_version.h>

/* ---- atomics (rte_stdatomic.h, 23.11) ------------------------------------- */

#if RTE_VERSION < RTE_VERSION_NUM(23, 11, 0, 0)
#define RTE_ATOMIC(type) type

#define rte_memory_order_relaxed __ATOMIC_RELAXED
#define rte_memory_order_acquire __ATOMIC_ACQUIRE
#define rte_memory_order_release __ATOMIC_RELEASE
#define rte_memory_order_acq_rel __ATOMIC_ACQ_REL
#define rte_memory_order_seq_cst __ATOMIC_SEQ_CST

#define rte_atomic_load_explicit(ptr, memorder) __atomic_load_n(ptr, memorder)
#define rte_atomic_store_explicit(ptr, val, memorder) \
	__atomic_store_n(ptr, val, memorder)
#define rte_atomic_exchange_explicit(ptr, val, memorder) \
	__atomic_exchange_n(ptr, val, memorder)
#define rte_atomic_fetch_add_explicit(ptr, val, memorder) \
	__atomic_fetch_add(ptr, val, memorder)
#define rte_atomic_fetch_sub_explicit(ptr, val, memorder) \
	__atomic_fetch_sub(ptr, val, memorder)
#endif

/* ---- log lines (rte_log.h, 24.03) ----------------------------------------- */

#if RTE_VERSION < RTE_VERSION_NUM(24, 3, 0, 0)
#define RTE_LOG_COMMA ,
/* One line: prefix (with its args) and the format, and a newline. */
#define RTE_LOG_LINE_PREFIX(l, t, prefix, args, ...)             \
	RTE_LOG(l, t,                                            \
		RTE_FMT(prefix RTE_FMT_HEAD(__VA_ARGS__, ) "\n", \
			args RTE_LOG_COMMA RTE_FMT_TAIL(__VA_ARGS__, )))
#endif

#endif /* BSDTUN_FALLBACK_H */
