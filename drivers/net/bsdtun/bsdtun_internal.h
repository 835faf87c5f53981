/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_bsdtun private state, shared by the ethdev ops (bsdtun_ethdev.c), the
 * burst functions (bsdtun_rxtx.c) and the control thread (bsdtun_ctrl.c).
 */
#ifndef BSDTUN_INTERNAL_H
#define BSDTUN_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <ethdev_driver.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mempool.h>
#include <rte_spinlock.h>

#include "bsdtun_cdev.h"
#include "bsdtun_compat.h"
#include "bsdtun_ring.h"
#include "bsdtun_wire.h"

extern int bsdtun_logtype;
#define RTE_LOGTYPE_NET_BSDTUN bsdtun_logtype

/*
 * One line naming the unit (its vdev name), on the driver's own logtype;
 * fmt has no newline.
 */
#define BSDTUN_LOG_NAMED(level, name, ...)                              \
	RTE_LOG_LINE_PREFIX(level, NET_BSDTUN,                          \
			    "%s(): %s: ", __func__ RTE_LOG_COMMA(name), \
			    __VA_ARGS__)
#define BSDTUN_LOG(level, u, fmt, ...)                                       \
	BSDTUN_LOG_NAMED(level, (u) != NULL ? (u)->name : "net_bsdtun", fmt, \
			 ##__VA_ARGS__)

/*
 * A line a client can make the PMD print (its opens, requests, mistakes):
 * at most BSDTUN_LOG_BURST of them per unit in BSDTUN_LOG_INTERVAL_NS,
 * then one "N messages suppressed" line per interval while more come
 * (bsdtun_log_admit, bsdtun_log_flush).  Any thread, any process.
 */
#define BSDTUN_CLIENT_LOG(level, u, fmt, ...)                     \
	do {                                                      \
		if (bsdtun_log_admit((u), RTE_LOG_##level))       \
			BSDTUN_LOG(level, u, fmt, ##__VA_ARGS__); \
	} while (0)

/* Per-unit debug log (TUNSDEBUG): printed at NOTICE when the unit's level
 * is on; a client's, so limited as BSDTUN_CLIENT_LOG. */
#define BSDTUN_DEBUG(u, fmt, ...)                                   \
	do {                                                        \
		if ((u)->debug)                                     \
			BSDTUN_CLIENT_LOG(NOTICE, u, "debug: " fmt, \
					  ##__VA_ARGS__);           \
	} while (0)

#define BSDTUN_LOG_BURST       20u
#define BSDTUN_LOG_INTERVAL_NS (5 * UINT64_C(1000000000))

/* The client-triggered lines of one unit (in dev_private: every process
 * of the unit logs against the same budget). */
struct bsdtun_loglimit {
	rte_spinlock_t lock; /* a few loads and stores, never a call */
	uint64_t start;      /* CLOCK_MONOTONIC ns the interval began */
	uint32_t printed;    /* lines printed in it */
	uint32_t suppressed; /* lines left out, not reported yet */
};

#define BSDTUN_MAX_MTU BSDTUN_MRU
/*
 * Offloads (doc/pmd.md): checksums both ways, the virtio-net header of an
 * IFF_VNET_HDR open carrying them; what a client cannot take is done in
 * software (tx) or completed before the app sees it (rx).
 */
#define BSDTUN_RX_OFFLOADS                                           \
	(RTE_ETH_RX_OFFLOAD_SCATTER | RTE_ETH_RX_OFFLOAD_TCP_CKSUM | \
	 RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_LRO)
#define BSDTUN_TX_OFFLOADS                                               \
	(RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | \
	 RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM |   \
	 RTE_ETH_TX_OFFLOAD_TCP_TSO)
#define BSDTUN_MAX_PENDING 8 /* connections waiting for HELLO */
#define BSDTUN_BURST_MAX   64u

enum bsdtun_framing {
	BSDTUN_FRAMING_ETH,
	BSDTUN_FRAMING_IP,
};

/* devarg mode=: what a client reads and writes */
enum bsdtun_mode {
	BSDTUN_MODE_TUN, /* IP packets (tun(4)) */
	BSDTUN_MODE_TAP, /* whole Ethernet frames (tap(4), Linux IFF_TAP) */
};

/*
 * Every drop reason is its own counter (xstats).  tx = DPDK app to client,
 * rx = client to DPDK app, as ethdev names them.  Each queue pair counts
 * its own (struct bsdtun_queue); what happens before a connection holds a
 * pair (refusals, a bad HELLO) is the unit's.  An xstat is the unit's
 * count plus every pair's.
 */
#define BSDTUN_XSTATS(X)                                                      \
	X(tx_no_client)      /* no client holds the pair (seed EHOSTDOWN) */  \
	X(tx_af_unsupported) /* non-IPv4 while IFHEAD off (EAFNOSUPPORT) */   \
	X(tx_bad_ethertype)  /* framing=eth: not IPv4/IPv6 */                 \
	X(tx_bad_ip_version) /* framing=ip: version nibble not 4/6 */         \
	X(tx_detached)       /* TUNSETQUEUE detached the holder's queue */    \
	X(tx_runt)           /* no L3 bytes at all (tap: no whole header) */  \
	X(tx_too_big)        /* larger than TUNMRU */                         \
	X(tx_ring_corrupt)   /* client broke the ring; session closed */      \
	X(tx_ring_full)      /* backpressure events (not drops) */            \
	X(rx_bad_family)     /* record family not IPv4/IPv6 */                \
	X(rx_runt)           /* empty record (tap: shorter than Ethernet) */  \
	X(rx_too_big)        /* frame above the port's MTU + L2 header */     \
	X(rx_no_scatter)     /* needs a chain; the app did not ask scatter */ \
	X(rx_ring_corrupt)   /* client broke the ring; session closed */      \
	X(rx_nombuf)         /* mempool empty; record left on the ring */     \
	X(rx_client_full)    /* Linux write dropped, ring full (client's) */  \
	X(rx_vnet_bad)       /* virtio-net header refused (IFF_VNET_HDR) */   \
	X(rx_gso_dropped)    /* GSO write: not carried */                     \
	X(tx_offload_bad)    /* offload flags with impossible lengths */      \
	X(rx_gso_cut)        /* TCP super-packets cut in segments (no LRO) */ \
	X(tx_tso_cut)        /* TSO packets cut in segments for the client */ \
	X(to_client_purged)  /* queued to the client, purged at close */      \
	X(to_dpdk_purged)    /* written by the client, unread at close */     \
	X(client_opens)                                                       \
	X(client_closes)                                                      \
	X(client_refused_busy)                                                \
	X(client_refused_perm)                                                \
	X(client_bad_message)                                                 \
	X(bells)         /* doorbells rung to a sleeping client */            \
	X(async_bells)   /* FIOASYNC: rung so the kernel sends SIGIO */       \
	X(async_refused) /* not rung: the owner is this process or group */   \
	X(rx_intr_doorbells) /* client doorbells taken (rx interrupts) */     \
	X(rx_intr_spurious)  /* of those, beyond one per arming */            \
	X(capture_packets)   /* written to the pcapng file */                 \
	X(capture_errors)    /* not captured: no memory or write error */

struct bsdtun_xstats {
#define BSDTUN_XSTAT_FIELD(n) uint64_t n;
	BSDTUN_XSTATS(BSDTUN_XSTAT_FIELD)
#undef BSDTUN_XSTAT_FIELD
};

/* One client connection: PMD-private view of the region it was given. */
struct bsdtun_session {
	int ctl_fd;
	int bell_fd;        /* PMD end of the bell pair */
	int bell_client_fd; /* the client's end: its SIGIO owner is read here */
	int memfd;          /* the region's memfd (pages released at close) */
	uint8_t *map;
	size_t map_size;
	struct bsdtun_region_hdr *hdr;
	struct bsdtun_ring to_client; /* PMD produces (tx_burst) */
	struct bsdtun_ring to_dpdk;   /* PMD consumes (rx_burst) */
	pid_t pid;
	uid_t uid; /* the opener's, as admission saw it */
	gid_t gid;
	int local; /* the device node's connection: its ioctl pid is true */
	RTE_ATOMIC(int) broken; /* datapath saw a corrupt ring */
	/*
	 * Bursts that took the session under their lock and still use it
	 * after dropping it (a system call: ringing the bell, shutting the
	 * socket down).  Taken under the lock, given back after the call;
	 * the control thread frees a withdrawn session only at 0.
	 */
	RTE_ATOMIC(int) unlocked_users;
	struct bsdtun_session *retired_next; /* withdrawn, users left (ctrl) */
	uint16_t qid;                        /* the queue pair it holds */
	/* the client's to_dpdk_full_drops counted in rx_client_full so far
	 * (rx lock) */
	uint64_t full_drops_seen;
};

struct bsdtun_unit;
struct bsdtun_queue;

/* rx queue qid: written by the lcore that polls it (and setup/start/stop) */
struct __rte_cache_aligned bsdtun_rxq {
	struct bsdtun_unit *unit;
	struct bsdtun_queue *qp;
	struct rte_mempool *mp;
	uint32_t seg_room; /* data bytes one mbuf of mp holds */
	int scatter;       /* the app enabled RTE_ETH_RX_OFFLOAD_SCATTER */
	uint32_t max_lro;  /* with RTE_ETH_RX_OFFLOAD_TCP_LRO: largest frame */
	/* a TCP super-packet cut in segments across bursts (no LRO): the
	 * next segment of the record at gso_pos of session gso_sess */
	uint32_t gso_seg;
	const void *gso_sess;
	uint64_t gso_pos;
	int deferred; /* rx_deferred_start: dev_start leaves it stopped */
	RTE_ATOMIC(int) started; /* rx_burst moves nothing while 0 */
	uint16_t port_id;
	uint16_t qid;
	uint16_t nb_desc;
	uint64_t offloads;
	uint64_t packets;
	uint64_t bytes;
	uint64_t errors;
};

/* tx queue qid: written by the lcore that sends on it */
struct __rte_cache_aligned bsdtun_txq {
	struct bsdtun_unit *unit;
	struct bsdtun_queue *qp;
	int deferred;
	RTE_ATOMIC(int) started; /* tx_burst takes nothing while 0 */
	uint16_t qid;
	uint16_t nb_desc;
	uint64_t offloads;
	uint64_t packets;
	uint64_t bytes;
	uint64_t errors;
};

/*
 * One queue pair: rx queue qid, tx queue qid and what the open holding
 * them set.  IFHEAD/LMODE and FIOASYNC belong to the open (the pair) and
 * stay for the pair's next open, as the seed's softc keeps them; the MTU,
 * TUNSIFMODE and the MAC are the unit's.
 */
struct __rte_cache_aligned bsdtun_queue {
	struct bsdtun_rxq rxq;
	struct bsdtun_txq txq;
	RTE_ATOMIC(uint32_t) flags; /* BSDTUN_UNIT_F_*; datapath reads */
	RTE_ATOMIC(int) async;      /* FIOASYNC, until close; datapath reads */
	/* TUNSETOFFLOAD's TUN_F_* of the holder, until close; datapath
	 * reads (meaningful with BSDTUN_UNIT_F_LINUX_VNET) */
	RTE_ATOMIC(uint32_t) offload;
	pid_t tun_pid; /* TUNSIFPID / open; 0 while nobody holds it */
	struct bsdtun_xstats xs;
};

/* Devargs, parsed once at probe. */
struct bsdtun_config {
	char sock_path[108];
	uint32_t qlen;
	uint32_t queues; /* queue pairs: opens admitted at once */
	uint32_t mtu;
	enum bsdtun_framing framing;
	enum bsdtun_mode mode;
	struct rte_ether_addr mac;
	int mac_set;
	uid_t owner;
	gid_t group;
	uint32_t perm;
	char pcapng[PATH_MAX];    /* capture file, "" = none */
	const char *unit;         /* vdev name, for messages while parsing */
	char cdev_path[PATH_MAX]; /* device node (cdev=), "" = off */
};

/*
 * What only the primary process holds: the session, descriptors, the
 * capture handle, the device node.  dev->process_private: the primary's
 * own heap, not the hugepage memory dev_private lives in, which secondary
 * processes map.  Who writes what: doc/architecture.md.
 */
struct __rte_cache_aligned bsdtun_qproc {
	/*
	 * The pair's session, sess: the control thread (its one writer)
	 * publishes and withdraws it holding ctrl.lock and all three
	 * locks, tx_lock, rx_lock, intr_lock, taken in that order.  A
	 * reader holds any one of them: tx_burst tx_lock, rx_burst rx_lock
	 * (both by trylock), the rx interrupt ops intr_lock, the control
	 * thread ctrl.lock.  Read only through bsdtun_sess_*() below.
	 */
	rte_spinlock_t tx_lock;
	rte_spinlock_t rx_lock;
	rte_spinlock_t intr_lock; /* never taken by a burst */
	struct bsdtun_session *sess;
	int building; /* an open's region is being built for it (ctrl.lock) */
	/* rx interrupts (bsdtun_intr.c) */
	int intr_epfd; /* the proxy the app waits on; lives with the port */
	int intr_kick; /* eventfd in intr_epfd: work found when arming */
	/* under intr_lock: */
	int intr_on;        /* the app enabled the queue's interrupt */
	int intr_armed;     /* the session's ring is armed by us */
	uint64_t intr_owed; /* doorbells due: armings the client consumed */
};

/*
 * A pthread mutex the thread-safety analysis knows as a lock.  ctrl.lock
 * is one (bsdtun_ctrl_lock): its holder makes system calls, so it cannot
 * be a spinlock.
 */
struct __rte_lockable bsdtun_mutex {
	pthread_mutex_t m;
};

static inline void
bsdtun_mutex_lock(struct bsdtun_mutex *mu)
	__rte_exclusive_lock_function(mu) __rte_no_thread_safety_analysis
{
	pthread_mutex_lock(&mu->m);
}

static inline void
bsdtun_mutex_unlock(struct bsdtun_mutex *mu)
	__rte_unlock_function(mu) __rte_no_thread_safety_analysis
{
	pthread_mutex_unlock(&mu->m);
}

/* pthread_cond_wait: mu is dropped while it waits, held again after. */
static inline void
bsdtun_mutex_cond_wait(pthread_cond_t *c, struct bsdtun_mutex *mu)
	__rte_exclusive_locks_required(mu)
{
	pthread_cond_wait(c, &mu->m);
}

/*
 * ctrl.lock (bsdtun_ctrl.c): one per process, every unit's control
 * state: the control thread's event batch, the region thread's finishing
 * of an open, attach/detach, the device node's connect_local, telemetry.
 */
extern struct bsdtun_mutex bsdtun_ctrl_lock;

/* The session of pair pq, for each holder of one of its locks. */
static inline struct bsdtun_session *
bsdtun_sess_tx(const struct bsdtun_qproc *pq)
	__rte_exclusive_locks_required(&pq->tx_lock)
{
	return pq->sess;
}

static inline struct bsdtun_session *
bsdtun_sess_rx(const struct bsdtun_qproc *pq)
	__rte_exclusive_locks_required(&pq->rx_lock)
{
	return pq->sess;
}

static inline struct bsdtun_session *
bsdtun_sess_intr(const struct bsdtun_qproc *pq)
	__rte_exclusive_locks_required(&pq->intr_lock)
{
	return pq->sess;
}

/* The control thread writes it: ctrl.lock alone lets it read. */
static inline struct bsdtun_session *
bsdtun_sess_ctrl(const struct bsdtun_qproc *pq)
	__rte_exclusive_locks_required(&bsdtun_ctrl_lock)
{
	return pq->sess;
}

static inline void
bsdtun_sess_set(struct bsdtun_qproc *pq, struct bsdtun_session *s)
	__rte_exclusive_locks_required(&bsdtun_ctrl_lock, &pq->tx_lock,
				       &pq->rx_lock, &pq->intr_lock)
{
	pq->sess = s;
}

/*
 * The unit-wide settings a user that is not root changed (bsdtun_tunioctl.c,
 * under ctrl.lock): the values from before, put back when its last open
 * of the unit closes.  Root's changes stand (and end the undo of that
 * setting).  doc/behaviour.md, "What a client sets ends with it".
 */
enum {
	BSDTUN_UNDO_DEBUG = 1 << 0,   /* TUNSDEBUG */
	BSDTUN_UNDO_PERSIST = 1 << 1, /* TUNSETPERSIST */
	BSDTUN_UNDO_OWNER = 1 << 2,   /* TUNSETOWNER */
	BSDTUN_UNDO_GROUP = 1 << 3,   /* TUNSETGROUP */
	BSDTUN_UNDO_CARRIER = 1 << 4, /* TUNSETCARRIER */
	BSDTUN_UNDO_INFO = 1 << 5, /* TUNSIFINFO on a unit of several pairs */
};

struct bsdtun_undo {
	uint32_t what; /* BSDTUN_UNDO_* to put back; 0 = none */
	uid_t uid;     /* whose changes they are */
	int debug;
	int persist;
	int64_t lx_owner;
	int64_t lx_group;
	int carrier_off;
	uint16_t mtu;     /* before */
	uint16_t mtu_set; /* the user's: put back only while still in force */
	uint8_t if_type;
	int baudrate;
};

struct bsdtun_proc {
	struct bsdtun_qproc q[BSDTUN_QUEUES_MAX]; /* per queue pair */
	struct bsdtun_undo undo; /* control thread, under ctrl.lock */

	/* control thread (bsdtun_ctrl.c), under ctrl.lock */
	int listen_fd;
	ino_t sock_ino; /* the control socket we bound (removed at close) */
	struct bsdtun_path sock_at; /* its checked directory and name */
	int pending[BSDTUN_MAX_PENDING];
	/* a pending connection the PMD made for its device node: who for */
	int pending_local[BSDTUN_MAX_PENDING];
	struct ucred pending_cred[BSDTUN_MAX_PENDING];
	uint32_t slot;   /* control thread registry */
	int lsc_pending; /* link changes whose LSC events are not delivered yet */
	int started; /* dev_start to dev_stop: the link's and TUNSIFMODE's */

	/* capture (bsdtun_capture.c) */
	int cap_fd;
	struct rte_pcapng *pcap;
	struct rte_mempool *cap_mp;
	uint64_t cap_start_ns;

	/* device node (bsdtun_cdev.c); NULL = none */
	struct bsdtun_cdev *cdev;
};

/*
 * The unit: one per port, the softc of the seed.  dev_private, seen by
 * every process: configuration, MAC, MTU, tun(4) state, counters.
 */
struct bsdtun_unit {
	/*
	 * First, at the same place in every build: BSDTUN_UNIT_LAYOUT of the
	 * primary's build.  A secondary process that loaded another build
	 * of the PMD (another layout) refuses to attach rather than read
	 * fields at the wrong offsets.
	 */
	uint64_t layout;
	char name[RTE_DEV_NAME_MAX_LEN];
	/*
	 * The port, in whichever process looks: its rte_eth_dev and the
	 * primary's bsdtun_proc are bsdtun_dev(u) and bsdtun_proc(u), never
	 * pointers kept here, which every process maps.
	 */
	uint16_t port_id;
	struct bsdtun_config cfg;
	struct rte_ether_addr peer_mac; /* source MAC of frames from client */

	/* tun(4) state: persists across client sessions (control thread) */
	int if_flags; /* IFF_POINTOPOINT/BROADCAST|MULTICAST */
	uint8_t if_type;
	int baudrate;
	uint16_t mtu;            /* survives a configure with mtu 0 */
	rte_spinlock_t mtu_lock; /* bsdtun_port_mtu_set(): app and control */
	int debug;
	RTE_ATOMIC(int) rx_intr; /* the app configured intr_conf.rxq */
	/* Linux tun state of the unit (control thread) */
	int persist;      /* TUNSETPERSIST */
	int64_t lx_owner; /* TUNSETOWNER, -1 none: who may TUNSETIFF */
	int64_t lx_group; /* TUNSETGROUP, -1 none */
	RTE_ATOMIC(int) carrier_off; /* TUNSETCARRIER 0: the link is down */
	struct bsdtun_loglimit log;  /* BSDTUN_CLIENT_LOG */

	struct bsdtun_xstats xs; /* the unit's: before a pair is held */
	struct bsdtun_queue q[BSDTUN_QUEUES_MAX]; /* cfg.queues of them used */
};

/* The unit's port in this process (rte_eth_devices is per process). */
static inline struct rte_eth_dev *
bsdtun_dev(const struct bsdtun_unit *u)
{
	return &rte_eth_devices[u->port_id];
}

/*
 * The primary's process-private state (sessions, descriptors, capture,
 * device node): this process's process_private of the port, which only
 * the primary sets; NULL in a secondary process and after close.
 */
static inline struct bsdtun_proc *
bsdtun_proc(const struct bsdtun_unit *u)
{
	return rte_eth_devices[u->port_id].process_private;
}

/* The ethertype of an IP packet: AF_INET6's, else IPv4's (big-endian). */
static inline rte_be16_t
bsdtun_ethertype(int family)
{
	return rte_cpu_to_be_16(family == AF_INET6 ? RTE_ETHER_TYPE_IPV6 :
						     RTE_ETHER_TYPE_IPV4);
}

/* The Ethernet header put before an IP packet (framing=ip, capture). */
static inline void
bsdtun_pseudo_eth(struct rte_ether_hdr *eh, const struct rte_ether_addr *dst,
		  const struct rte_ether_addr *src, int family)
{
	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(src, &eh->src_addr);
	eh->ether_type = bsdtun_ethertype(family);
}

static inline uint64_t
bsdtun_log_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * One line (print 1) or none (0: bsdtun_log_flush) against the limiter:
 * returns whether the line may be printed; *report: the count of lines
 * left out to report first, when the interval is over (a new one begins).
 */
static inline int
bsdtun_log_roll(struct bsdtun_loglimit *l, int print, uint32_t *report)
{
	uint64_t now = bsdtun_log_now();
	int ok = 0;

	*report = 0;
	rte_spinlock_lock(&l->lock);
	if (now - l->start >= BSDTUN_LOG_INTERVAL_NS) {
		*report = l->suppressed;
		l->start = now;
		l->printed = 0;
		l->suppressed = 0;
	}
	if (!print)
		ok = 0;
	else if (l->printed < BSDTUN_LOG_BURST)
		ok = ++l->printed != 0;
	else if (l->suppressed < UINT32_MAX)
		l->suppressed++;
	rte_spinlock_unlock(&l->lock);
	return ok;
}

static inline void
bsdtun_log_report(const struct bsdtun_unit *u, uint32_t n)
{
	if (n != 0)
		BSDTUN_LOG(NOTICE, u, "%u messages suppressed", n);
}

/* May a client-triggered line of this level be printed now? */
static inline int
bsdtun_log_admit(struct bsdtun_unit *u, uint32_t level)
{
	uint32_t n;
	int ok;

	if (!rte_log_can_log(bsdtun_logtype, level))
		return 0; /* not printed anyway: costs no budget */
	ok = bsdtun_log_roll(&u->log, 1, &n);
	bsdtun_log_report(u, n);
	return ok;
}

/*
 * Report what was left out once its interval is over, even when no new
 * line comes (the control thread, on a timer).  Returns 1 while lines
 * are left out and not reported yet.
 */
static inline int
bsdtun_log_flush(struct bsdtun_unit *u)
{
	uint32_t n;

	bsdtun_log_roll(&u->log, 0, &n);
	bsdtun_log_report(u, n);
	return rte_atomic_load_explicit(&u->log.suppressed,
					rte_memory_order_relaxed) != 0;
}

#define BSDTUN_UNIT_LAYOUT                              \
	((UINT64_C(0xb5d7) << 48) |                     \
	 ((uint64_t)sizeof(struct bsdtun_unit) << 16) | \
	 (uint64_t)offsetof(struct bsdtun_unit, q))

/* bsdtun_rxtx.c */
void bsdtun_bell_ring(struct bsdtun_queue *qp, struct bsdtun_session *s,
		      int async);
uint16_t bsdtun_rx_burst(void *queue, struct rte_mbuf **bufs, uint16_t nb);
uint16_t bsdtun_tx_burst(void *queue, struct rte_mbuf **bufs, uint16_t nb);
uint16_t bsdtun_burst_none(void *queue, struct rte_mbuf **bufs, uint16_t nb);
/* Count what session s's client says it dropped since it was last asked
 * (rx_client_full); the caller holds the pair's rx_lock. */
void bsdtun_rx_client_claim(struct bsdtun_qproc *pq, struct bsdtun_xstats *xs,
			    struct bsdtun_session *s)
	__rte_exclusive_locks_required(&pq->rx_lock);
/* Count what the clients of u say they dropped (rx_client_full), now. */
void bsdtun_rx_client_drops(struct bsdtun_unit *u);

/* bsdtun_intr.c: rx interrupts */
int bsdtun_intr_setup(struct bsdtun_unit *u);
void bsdtun_intr_close(struct bsdtun_unit *u);
int bsdtun_intr_configure(struct rte_eth_dev *dev);
int bsdtun_intr_attach(struct bsdtun_unit *u, struct bsdtun_session *s)
	__rte_exclusive_locks_required(&bsdtun_ctrl_lock);
void bsdtun_intr_detach(struct bsdtun_unit *u, struct bsdtun_session *s);
int bsdtun_rx_intr_enable(struct rte_eth_dev *dev, uint16_t qid);
int bsdtun_rx_intr_disable(struct rte_eth_dev *dev, uint16_t qid);

/* bsdtun_path.c (bsdtun_path_check, _proc, _close: bsdtun_cdev.h):
 * chmod(2) of the inode an O_PATH descriptor holds (fchmod refuses those);
 * 0 or -1 with errno */
int bsdtun_path_chmod(int fd, mode_t mode);

/* bsdtun_capture.c */
int bsdtun_capture_check(struct bsdtun_unit *u);
int bsdtun_capture_start(struct bsdtun_unit *u);
void bsdtun_capture(struct bsdtun_unit *u, uint16_t qid, struct rte_mbuf **pkts,
		    uint16_t n, int out);
void bsdtun_capture_close(struct bsdtun_unit *u);

/* What telemetry shows of a unit (bsdtun_telemetry.c): one snapshot. */
struct bsdtun_queue_info {
	uint32_t flags; /* BSDTUN_UNIT_F_* of the pair */
	int held;       /* a client holds the pair; the rest is its */
	pid_t pid;      /* the holder (TUNSIFPID may have changed it) */
	uid_t uid;      /* the opener */
	int node;       /* opened through the device node */
	int async;      /* FIOASYNC */
	uint64_t region_bytes;
	uint64_t to_client_queued; /* packets the client has not read */
	uint64_t to_dpdk_queued;   /* packets the app has not received */
};

struct bsdtun_unit_info {
	char name[RTE_DEV_NAME_MAX_LEN];
	char sock_path[108];
	char cdev_path[PATH_MAX];
	uint32_t qlen;
	uint32_t queues;
	uint16_t mtu;
	enum bsdtun_framing framing;
	enum bsdtun_mode mode;
	int if_flags;
	int debug;
	struct bsdtun_queue_info q[BSDTUN_QUEUES_MAX];
};

/* bsdtun_telemetry.c: the /bsdtun/ commands, once per process */
void bsdtun_telemetry_register(void);

/* bsdtun_ctrl.c */
int bsdtun_ctrl_attach(struct bsdtun_unit *u);
void bsdtun_ctrl_detach(struct bsdtun_unit *u);
/* bsdtun_ctrl_admitted, bsdtun_ctrl_connect_local: bsdtun_cdev.h */
/* Ports of the attached units, at most max; how many there are. */
int bsdtun_ctrl_ports(uint16_t *ports, int max);
/* A snapshot of port's unit; -ENODEV when it is not a bsdtun unit. */
int bsdtun_ctrl_unit_info(uint16_t port, struct bsdtun_unit_info *inf);

/* bsdtun_cdev.c: devarg cdev=PATH: bsdtun_cdev.h, the node's whole view
 * of the PMD */

/* bsdtun_port.c: the ethdev state the control path may touch (the device
 * node's counts: bsdtun_cdev.h) */
void bsdtun_port_link_init(struct bsdtun_unit *u);
int bsdtun_port_link_update(struct bsdtun_unit *u)
	__rte_exclusive_locks_required(&bsdtun_ctrl_lock);
void bsdtun_port_lsc_notify(uint16_t port_id)
	__rte_locks_excluded(&bsdtun_ctrl_lock);
/* dev_start/dev_stop: the port's state and its link, under ctrl.lock */
void bsdtun_port_set_started(struct bsdtun_unit *u, int on)
	__rte_locks_excluded(&bsdtun_ctrl_lock);
/* the link_update op: the link as it is now, under ctrl.lock */
void bsdtun_port_link_refresh(struct bsdtun_unit *u)
	__rte_locks_excluded(&bsdtun_ctrl_lock);
int bsdtun_port_started(const struct bsdtun_unit *u)
	__rte_exclusive_locks_required(&bsdtun_ctrl_lock);
void bsdtun_port_mtu_set(struct bsdtun_unit *u, uint16_t mtu);
/* bsdtun_port_mtu_set(u, mtu) only if the MTU is still expect; 1 if set */
int bsdtun_port_mtu_restore(struct bsdtun_unit *u, uint16_t expect,
			    uint16_t mtu);
uint16_t bsdtun_port_mtu(const struct bsdtun_unit *u);

#endif /* BSDTUN_INTERNAL_H */
