/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one place where DPDK releases differ.  net_bsdtun builds against the
 * long-term releases 22.11, 23.11, 24.11 and 25.11; every other file calls
 * the bsdtun_* wrappers below and never tests RTE_VERSION itself.  Each
 * wrapper uses the release's current API and falls back to the old one only
 * where the old release lacks the new.  The thresholds are the releases
 * that changed the API; releases between the LTS ones are not supported.
 *
 *  what                        changed in  before                after
 *  control threads             23.11       rte_ctrl_thread_create rte_thread_create_internal_control
 *  pcapng copy / stats         23.11       timestamp, start/end   no times, comment
 *  pcapng interface blocks     23.11       every port, implicit   rte_pcapng_add_interface
 *  pcapng link type            25.11       always Ethernet        link type per interface
 *  supported ptypes op         24.03       terminated array      array + element count
 *  per-queue counters          25.11       in rte_eth_stats       struct eth_queue_stats
 *  telemetry unsigned values   23.11       add_dict_u64          add_dict_uint
 *  atomics                     23.11       GCC builtins          RTE_ATOMIC, rte_atomic_*_explicit
 *  log lines                   24.03       RTE_LOG, "\n"         RTE_LOG_LINE_PREFIX
 *  lock annotations            23.03       none                  rte_lock_annotations.h
 *
 * The driver writes the current DPDK API for atomics, log lines, lock
 * annotations and control threads itself;
 * fallback/bsdtun_fallback.h defines it for the releases that lack it.
 */
#ifndef BSDTUN_COMPAT_H
#define BSDTUN_COMPAT_H

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_pcapng.h>
#include <rte_telemetry.h>
#include <rte_thread.h>
#include <rte_version.h>
#include <ethdev_driver.h>

#define BSDTUN_DPDK_AT_LEAST(y, m) (RTE_VERSION >= RTE_VERSION_NUM(y, m, 0, 0))

#if BSDTUN_DPDK_AT_LEAST(23, 3)
#include <rte_lock_annotations.h>
#endif
#if BSDTUN_DPDK_AT_LEAST(23, 11)
#include <rte_stdatomic.h>
#endif
#include "fallback/bsdtun_fallback.h"

/* ---- control threads ------------------------------------------------------ */

/*
 * The driver's control threads are DPDK internal control threads: EAL's
 * control CPU set, named RTE_THREAD_INTERNAL_PREFIX ("dpdk-") and a name
 * of at most BSDTUN_THREAD_NAME_LEN - 1 characters (longer is cut).
 */
#define BSDTUN_THREAD_NAME_LEN RTE_THREAD_INTERNAL_NAME_SIZE

typedef uint32_t bsdtun_thread_fn(void *arg);
typedef rte_thread_t bsdtun_thread_t;

/* 0 or a negative errno. */
static inline int
bsdtun_thread_create(bsdtun_thread_t *t, const char *name, bsdtun_thread_fn *fn,
		     void *arg)
{
	return rte_thread_create_internal_control(t, name, fn, arg);
}

static inline void
bsdtun_thread_join(bsdtun_thread_t t)
{
	rte_thread_join(t, NULL);
}

/* ---- pcapng ------------------------------------------------------------------ */

/* pcapng link types (LINKTYPE_*, the values pcapng files carry). */
#define BSDTUN_LINKTYPE_ETHERNET 1
#define BSDTUN_LINKTYPE_RAW      101 /* bare IPv4/IPv6, version nibble first */

/*
 * 1 when an interface block can name its own link type, so a framing=ip
 * capture holds the bare IP packet; 0 when every interface is Ethernet and
 * the capture prepends a pseudo-Ethernet header instead.
 */
#define BSDTUN_PCAPNG_HAS_LINKTYPE BSDTUN_DPDK_AT_LEAST(25, 11)

/*
 * Describe the port in the file.  Before 23.11 rte_pcapng_fdopen() lists
 * every port of the process itself and this does nothing.
 */
static inline int
bsdtun_pcapng_add_port(rte_pcapng_t *p, uint16_t port, uint16_t linktype,
		       const char *name)
{
#if BSDTUN_DPDK_AT_LEAST(25, 11)
	return rte_pcapng_add_interface(p, port, linktype, name, NULL, NULL);
#elif BSDTUN_DPDK_AT_LEAST(23, 11)
	RTE_SET_USED(linktype); /* always Ethernet */
	return rte_pcapng_add_interface(p, port, name, NULL, NULL);
#else
	RTE_SET_USED(p);
	RTE_SET_USED(port);
	RTE_SET_USED(linktype);
	RTE_SET_USED(name);
	return 0;
#endif
}

/* A capture copy of m, received or sent on queue, stamped now. */
static inline struct rte_mbuf *
bsdtun_pcapng_copy(uint16_t port, uint16_t queue, const struct rte_mbuf *m,
		   struct rte_mempool *mp, uint32_t snaplen,
		   enum rte_pcapng_direction dir)
{
#if BSDTUN_DPDK_AT_LEAST(23, 11)
	return rte_pcapng_copy(port, queue, m, mp, snaplen, dir, NULL);
#else
	return rte_pcapng_copy(port, queue, m, mp, snaplen,
			       rte_get_tsc_cycles(), dir);
#endif
}

/* The interface statistics block; start/end (ns) where the release has them. */
static inline ssize_t
bsdtun_pcapng_write_stats(rte_pcapng_t *p, uint16_t port, uint64_t start_ns,
			  uint64_t end_ns, uint64_t recv, uint64_t drop)
{
#if BSDTUN_DPDK_AT_LEAST(23, 11)
	RTE_SET_USED(start_ns);
	RTE_SET_USED(end_ns);
	return rte_pcapng_write_stats(p, port, recv, drop, NULL);
#else
	return rte_pcapng_write_stats(p, port, NULL, start_ns, end_ns, recv,
				      drop);
#endif
}

/* ---- ethdev ops whose signature changed ------------------------------------- */

/*
 * Supported packet types: the driver writes
 *	static const uint32_t *f(struct rte_eth_dev *dev, size_t *n);
 * returning an array of *n types, and names BSDTUN_PTYPES_OP(f) in its ops
 * table.  Releases before 24.03 want the array terminated by
 * RTE_PTYPE_UNKNOWN instead of a count: f's arrays end with one, not
 * counted in *n.
 */
#if BSDTUN_DPDK_AT_LEAST(24, 3)
#define BSDTUN_PTYPES_OP(f) f
#define BSDTUN_PTYPES_OP_DEFINE(f)
#else
#define BSDTUN_PTYPES_OP(f) f##_terminated
#define BSDTUN_PTYPES_OP_DEFINE(f)                                     \
	static const uint32_t *f##_terminated(struct rte_eth_dev *dev) \
	{                                                              \
		size_t n;                                              \
		return f(dev, &n);                                     \
	}
#endif

/*
 * Statistics: the driver writes
 *	static int f(struct rte_eth_dev *dev, struct rte_eth_stats *st,
 *	             bsdtun_queue_stats_t *qs);
 * filling the port totals in st and the per-queue counters (q_ipackets...)
 * in qs, which may be NULL; it names BSDTUN_STATS_OP(f) in its ops table.
 * Before 25.11 the per-queue counters are part of rte_eth_stats.
 */
#if BSDTUN_DPDK_AT_LEAST(25, 11)
typedef struct eth_queue_stats bsdtun_queue_stats_t;
#define BSDTUN_STATS_OP(f) f
#define BSDTUN_STATS_OP_DEFINE(f)
#else
typedef struct rte_eth_stats bsdtun_queue_stats_t;
#define BSDTUN_STATS_OP(f) f##_with_queues
#define BSDTUN_STATS_OP_DEFINE(f)                            \
	static int f##_with_queues(struct rte_eth_dev *dev,  \
				   struct rte_eth_stats *st) \
	{                                                    \
		return f(dev, st, st);                       \
	}
#endif

/* ---- telemetry ------------------------------------------------------------ */

static inline int
bsdtun_tel_add_uint(struct rte_tel_data *d, const char *name, uint64_t v)
{
#if BSDTUN_DPDK_AT_LEAST(23, 11)
	return rte_tel_data_add_dict_uint(d, name, v);
#else
	return rte_tel_data_add_dict_u64(d, name, v);
#endif
}

#endif /* BSDTUN_COMPAT_H */
