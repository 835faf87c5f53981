/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The current DPDK API the driver uses, made for the supported releases
 * that lack it (included by bsdtun_compat.h only).  Each definition here is
 * what the newer releases do themselves: the atomics of rte_stdatomic.h
 * without RTE_ENABLE_STDATOMIC (GCC's builtins), RTE_LOG_LINE_PREFIX on
 * RTE_LOG, internal control threads on rte_ctrl_thread_create.  This
 * directory is the one part of the driver that devtools/check.sh does not
 * hold to the newest DPDK's checkpatches rules, which exist to make code
 * use the API defined here.
 */
#ifndef BSDTUN_FALLBACK_H
#define BSDTUN_FALLBACK_H

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_thread.h>
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

/* ---- lock annotations (rte_lock_annotations.h, 23.03) ---------------------- */

/*
 * Clang's thread-safety analysis (RTE_ANNOTATE_LOCKS, -Wthread-safety)
 * runs on the releases whose locks carry annotations; 22.11's do not, so
 * here they say nothing.
 */
#if RTE_VERSION < RTE_VERSION_NUM(23, 3, 0, 0)
#define __rte_lockable
#define __rte_guarded_by(...)
#define __rte_exclusive_locks_required(...)
#define __rte_exclusive_lock_function(...)
#define __rte_exclusive_trylock_function(...)
#define __rte_assert_exclusive_lock(...)
#define __rte_unlock_function(...)
#define __rte_locks_excluded(...)
#define __rte_no_thread_safety_analysis
#endif

/* ---- internal control threads (rte_thread.h, 23.11) ---------------------- */

#if RTE_VERSION < RTE_VERSION_NUM(23, 11, 0, 0)
#define RTE_THREAD_INTERNAL_PREFIX    "dpdk-"
#define RTE_THREAD_INTERNAL_NAME_SIZE 11

struct bsdtun_fallback_thread {
	rte_thread_func fn;
	void *arg;
};

static inline void *
bsdtun_fallback_thread_main(void *p)
{
	struct bsdtun_fallback_thread s = *(struct bsdtun_fallback_thread *)p;

	free(p);
	s.fn(s.arg);
	return NULL;
}

/*
 * 23.11's rte_thread_create_internal_control: a control thread named
 * "dpdk-" and name (cut to fit); 0 or a negative errno.  22.11's
 * rte_thread_t holds the pthread_t, which its rte_thread_join and
 * rte_thread_detach take.
 */
static inline int
bsdtun_fallback_create_internal_control(rte_thread_t *id, const char *name,
					rte_thread_func fn, void *arg)
{
	char full[RTE_MAX_THREAD_NAME_LEN];
	struct bsdtun_fallback_thread *s = malloc(sizeof(*s));
	pthread_t t;
	int ret;

	if (s == NULL)
		return -ENOMEM;
	s->fn = fn;
	s->arg = arg;
	snprintf(full, sizeof(full), RTE_THREAD_INTERNAL_PREFIX "%.*s",
		 RTE_THREAD_INTERNAL_NAME_SIZE - 1, name);
	ret = rte_ctrl_thread_create(&t, full, NULL,
				     bsdtun_fallback_thread_main, s);
	if (ret != 0) {
		free(s);
		return ret;
	}
	id->opaque_id = (uintptr_t)t;
	return 0;
}
#define rte_thread_create_internal_control \
	bsdtun_fallback_create_internal_control
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
