/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_bsdtun: ethdev ops, probe/remove and devargs.  The burst functions
 * are in bsdtun_rxtx.c, the client-facing control path in bsdtun_ctrl.c
 * (with bsdtun_session.c and bsdtun_tunioctl.c).
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <bus_vdev_driver.h>

#include "bsdtun_compat.h"
#include "bsdtun_internal.h"

RTE_LOG_REGISTER_DEFAULT(bsdtun_logtype, NOTICE);

/*
 * Every devarg once: its key and the value syntax the parameter string
 * shows.  The table yields the keys rte_kvargs accepts, the parameter
 * string, the list in the parse error and the switch in parse_arg().
 */
#define BSDTUN_DEVARGS(X)             \
	X(sock, "<path>")             \
	X(cdev, "<path>|off")         \
	X(qlen, "<1..65536>")         \
	X(queues, "<1..16>")          \
	X(mtu, "<72..16384>")         \
	X(framing, "eth|ip")          \
	X(mode, "tun|tap")            \
	X(mac, "<xx:xx:xx:xx:xx:xx>") \
	X(pcapng, "<file>")           \
	X(owner, "<uid|name>")        \
	X(group, "<gid|name>")        \
	X(perm, "<octal>")

#define DEVARG_ENUM(k, v)  DEVARG_##k,
#define DEVARG_KEY(k, v)   #k,
#define DEVARG_PARAM(k, v) #k "=" v " "
#define DEVARG_LIST(k, v)  " " #k

enum bsdtun_devarg { BSDTUN_DEVARGS(DEVARG_ENUM) DEVARG_COUNT };

static const char *const valid_args[] = { BSDTUN_DEVARGS(DEVARG_KEY) NULL };

/* ---- ethdev ops -------------------------------------------------------- */

static int
bsdtun_dev_configure(struct rte_eth_dev *dev)
{
	struct bsdtun_unit *u = dev->data->dev_private;

	if (dev->data->nb_rx_queues > u->cfg.queues ||
	    dev->data->nb_tx_queues > u->cfg.queues) {
		BSDTUN_LOG(
			ERR, u,
			"%u rx and %u tx queues asked; the unit has %u queue pair%s (devarg queues=)",
			dev->data->nb_rx_queues, dev->data->nb_tx_queues,
			u->cfg.queues, u->cfg.queues == 1 ? "" : "s");
		return -EINVAL;
	}
	/*
	 * ethdev has just set the MTU from rxmode.mtu, 1500 when the app left
	 * it 0: keep the unit's (devarg mtu=, TUNSIFINFO) unless the app asked
	 * for another value.
	 */
	bsdtun_port_mtu_set(u, dev->data->dev_conf.rxmode.mtu == RTE_ETHER_MTU ?
				       u->mtu :
				       dev->data->mtu);
	return bsdtun_intr_configure(dev);
}

/* ---- queue state: a stopped queue moves nothing ------------------------ */

static void
rxq_state(struct rte_eth_dev *dev, uint16_t qid, int on)
{
	struct bsdtun_unit *u = dev->data->dev_private;

	rte_atomic_store_explicit(&u->q[qid].rxq.started, on,
				  rte_memory_order_release);
	dev->data->rx_queue_state[qid] =
		on ? RTE_ETH_QUEUE_STATE_STARTED : RTE_ETH_QUEUE_STATE_STOPPED;
}

static void
txq_state(struct rte_eth_dev *dev, uint16_t qid, int on)
{
	struct bsdtun_unit *u = dev->data->dev_private;

	rte_atomic_store_explicit(&u->q[qid].txq.started, on,
				  rte_memory_order_release);
	dev->data->tx_queue_state[qid] =
		on ? RTE_ETH_QUEUE_STATE_STARTED : RTE_ETH_QUEUE_STATE_STOPPED;
}

/* A stopped rx queue leaves what its client writes on the ring. */
static int
bsdtun_rx_queue_start(struct rte_eth_dev *dev, uint16_t qid)
{
	rxq_state(dev, qid, 1);
	return 0;
}

static int
bsdtun_rx_queue_stop(struct rte_eth_dev *dev, uint16_t qid)
{
	rxq_state(dev, qid, 0);
	return 0;
}

/* A stopped tx queue takes no packet: tx_burst returns 0. */
static int
bsdtun_tx_queue_start(struct rte_eth_dev *dev, uint16_t qid)
{
	txq_state(dev, qid, 1);
	return 0;
}

static int
bsdtun_tx_queue_stop(struct rte_eth_dev *dev, uint16_t qid)
{
	txq_state(dev, qid, 0);
	return 0;
}

static int
bsdtun_dev_start(struct rte_eth_dev *dev)
{
	struct bsdtun_unit *u = dev->data->dev_private;
	uint16_t i;

	dev->data->dev_started = 1;
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		rxq_state(dev, i, !u->q[i].rxq.deferred);
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		txq_state(dev, i, !u->q[i].txq.deferred);
	bsdtun_port_set_started(u, 1);
	BSDTUN_DEBUG(u, "port started");
	return bsdtun_capture_start(u);
}

static int
bsdtun_dev_stop(struct rte_eth_dev *dev)
{
	struct bsdtun_unit *u = dev->data->dev_private;
	uint16_t i;

	dev->data->dev_started = 0;
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		rxq_state(dev, i, 0);
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		txq_state(dev, i, 0);
	bsdtun_port_set_started(u, 0);
	BSDTUN_DEBUG(u, "port stopped");
	return 0;
}

/*
 * The device node (cdev=, bsdtun_cdev.h): it sees the unit as the copy of
 * its settings made here, and the unit as a handle.
 */
static int
cdev_attach(struct bsdtun_unit *u)
{
	struct bsdtun_node_view v = {
		.unit = u,
		.port_id = u->port_id,
		.queues = u->cfg.queues,
		.perm = u->cfg.perm,
		.owner = u->cfg.owner,
		.group = u->cfg.group,
	};

	if (u->cfg.cdev_path[0] == '\0')
		return 0;
	strlcpy(v.name, u->name, sizeof(v.name));
	strlcpy(v.path, u->cfg.cdev_path, sizeof(v.path));
	return bsdtun_cdev_attach(&v, &bsdtun_proc(u)->cdev);
}

static void
cdev_detach(struct bsdtun_proc *proc)
{
	struct bsdtun_cdev *cd = proc->cdev;

	proc->cdev = NULL;
	bsdtun_cdev_detach(cd);
}

static int
bsdtun_dev_close(struct rte_eth_dev *dev)
{
	struct bsdtun_unit *u = dev->data->dev_private;
	struct bsdtun_proc *proc = dev->process_private;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY || proc == NULL)
		return 0;
	cdev_detach(proc); /* device node first: it is a client */
	bsdtun_ctrl_detach(u);
	bsdtun_intr_close(u);
	bsdtun_capture_close(u);
	BSDTUN_LOG(INFO, u, "closed");
	/* mac_addrs points into dev_private: keep release_port off it. */
	dev->data->mac_addrs = NULL;
	/* ethdev only forgets process_private; it is ours to free */
	dev->process_private = NULL;
	free(proc);
	return 0;
}

static int
bsdtun_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct bsdtun_unit *u = dev->data->dev_private;
	uint32_t l2 =
		u->cfg.framing == BSDTUN_FRAMING_ETH ? RTE_ETHER_HDR_LEN : 0;

	info->max_mac_addrs = 1;
	info->max_rx_queues = u->cfg.queues;
	info->max_tx_queues = u->cfg.queues;
	info->min_mtu = BSDTUN_MIN_MTU;
	info->max_mtu = BSDTUN_MAX_MTU;
	info->max_rx_pktlen = BSDTUN_MAX_MTU + l2;
	/* a TCP super-packet of an IFF_VNET_HDR client (doc/pmd.md) */
	info->max_lro_pkt_size = BSDTUN_GSO_MAX_PKT + l2;
	info->min_rx_bufsize = 0;
	info->rx_offload_capa = BSDTUN_RX_OFFLOADS;
	info->tx_offload_capa = BSDTUN_TX_OFFLOADS;
	info->rx_queue_offload_capa = BSDTUN_RX_OFFLOADS;
	info->tx_queue_offload_capa = BSDTUN_TX_OFFLOADS;
	info->rx_desc_lim.nb_max = UINT16_MAX;
	info->tx_desc_lim.nb_max = UINT16_MAX;
	info->default_rxportconf.burst_size = 32;
	info->default_txportconf.burst_size = 32;
	info->speed_capa = RTE_ETH_LINK_SPEED_FIXED;
	return 0;
}

/*
 * rx queue qid carries what the client holding queue pair qid writes.
 * The descriptor count is recorded (rxq_info_get) but the ring's depth is
 * the unit's qlen, fixed at the client's open.
 */
static int
bsdtun_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		      unsigned int socket __rte_unused,
		      const struct rte_eth_rxconf *conf, struct rte_mempool *mp)
{
	struct bsdtun_unit *u = dev->data->dev_private;
	struct bsdtun_rxq *q = &u->q[qid].rxq;
	uint64_t offloads =
		conf->offloads | dev->data->dev_conf.rxmode.offloads;

	if (rte_pktmbuf_data_room_size(mp) <=
	    RTE_PKTMBUF_HEADROOM + RTE_ETHER_HDR_LEN) {
		BSDTUN_LOG(ERR, u, "mempool %s: mbufs too small", mp->name);
		return -EINVAL;
	}
	q->mp = mp;
	q->seg_room = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
	q->scatter = (offloads & RTE_ETH_RX_OFFLOAD_SCATTER) != 0;
	q->max_lro = offloads & RTE_ETH_RX_OFFLOAD_TCP_LRO ?
			     dev->data->dev_conf.rxmode.max_lro_pkt_size :
			     0;
	q->deferred = conf->rx_deferred_start;
	q->nb_desc = nb_desc;
	q->offloads = offloads;
	q->port_id = dev->data->port_id;
	dev->data->scattered_rx |= q->scatter;
	dev->data->rx_queues[qid] = q;
	return 0;
}

/* tx queue qid reaches the client holding queue pair qid. */
static int
bsdtun_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		      unsigned int socket __rte_unused,
		      const struct rte_eth_txconf *conf)
{
	struct bsdtun_unit *u = dev->data->dev_private;
	struct bsdtun_txq *q = &u->q[qid].txq;

	q->deferred = conf->tx_deferred_start;
	q->nb_desc = nb_desc;
	q->offloads = conf->offloads | dev->data->dev_conf.txmode.offloads;
	dev->data->tx_queues[qid] = q;
	return 0;
}

static void
bsdtun_rxq_info_get(struct rte_eth_dev *dev, uint16_t qid,
		    struct rte_eth_rxq_info *qinfo)
{
	struct bsdtun_unit *u = dev->data->dev_private;
	const struct bsdtun_rxq *q = &u->q[qid].rxq;

	qinfo->mp = q->mp;
	qinfo->scattered_rx = q->scatter;
	qinfo->nb_desc = q->nb_desc;
	qinfo->conf.rx_deferred_start = q->deferred;
	qinfo->conf.offloads = q->offloads;
	qinfo->queue_state = dev->data->rx_queue_state[qid];
}

static void
bsdtun_txq_info_get(struct rte_eth_dev *dev, uint16_t qid,
		    struct rte_eth_txq_info *qinfo)
{
	struct bsdtun_unit *u = dev->data->dev_private;
	const struct bsdtun_txq *q = &u->q[qid].txq;

	qinfo->nb_desc = q->nb_desc;
	qinfo->conf.tx_deferred_start = q->deferred;
	qinfo->conf.offloads = q->offloads;
	qinfo->queue_state = dev->data->tx_queue_state[qid];
}

static void
bsdtun_queue_release(struct rte_eth_dev *dev __rte_unused,
		     uint16_t qid __rte_unused)
{
	/* Queues live in dev_private: nothing to free. */
}

static int
bsdtun_link_update(struct rte_eth_dev *dev, int wait __rte_unused)
{
	bsdtun_port_link_refresh(dev->data->dev_private);
	return 0;
}

/* A secondary: the link is what the primary keeps in dev->data. */
static int
bsdtun_link_read(struct rte_eth_dev *dev __rte_unused, int wait __rte_unused)
{
	return 0;
}

/*
 * Port totals are the queues' sums; the per-queue counters (q_ipackets...)
 * are also ethdev's per-queue xstats (RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS).
 */
static int
bsdtun_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st,
		 bsdtun_queue_stats_t *qs)
{
	struct bsdtun_unit *u = dev->data->dev_private;
	uint32_t i;

	for (i = 0; i < u->cfg.queues; i++) {
		const struct bsdtun_rxq *rq = &u->q[i].rxq;
		const struct bsdtun_txq *tq = &u->q[i].txq;

		st->ipackets += rq->packets;
		st->ibytes += rq->bytes;
		st->ierrors += rq->errors;
		st->opackets += tq->packets;
		st->obytes += tq->bytes;
		st->oerrors += tq->errors;
		if (qs != NULL && i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			qs->q_ipackets[i] = rq->packets;
			qs->q_ibytes[i] = rq->bytes;
			qs->q_errors[i] = rq->errors;
			qs->q_opackets[i] = tq->packets;
			qs->q_obytes[i] = tq->bytes;
		}
	}
	st->rx_nombuf = dev->data->rx_mbuf_alloc_failed;
	return 0;
}
BSDTUN_STATS_OP_DEFINE(bsdtun_stats_get)

static int
bsdtun_stats_reset(struct rte_eth_dev *dev)
{
	struct bsdtun_unit *u = dev->data->dev_private;
	uint32_t i;

	for (i = 0; i < u->cfg.queues; i++) {
		struct bsdtun_queue *qp = &u->q[i];

		qp->rxq.packets = qp->rxq.bytes = qp->rxq.errors = 0;
		qp->txq.packets = qp->txq.bytes = qp->txq.errors = 0;
		memset(&qp->xs, 0, sizeof(qp->xs));
	}
	memset(&u->xs, 0, sizeof(u->xs));
	return 0;
}

/*
 * xstats: each counter of BSDTUN_XSTATS summed over the unit and its
 * queue pairs, then tun_pid (queue pair 0's holder) and if_flags; with
 * queues=N > 1 also every pair's own counters and holder, as
 * qI_<counter> and qI_tun_pid.
 */
static const char *const xstat_names[] = {
#define BSDTUN_XSTAT_NAME(n) #n,
	BSDTUN_XSTATS(BSDTUN_XSTAT_NAME)
#undef BSDTUN_XSTAT_NAME
};
#define NB_COUNTERS   RTE_DIM(xstat_names)
#define NB_UNIT_EXTRA 2u /* tun_pid, if_flags */

static unsigned int
xstats_count(const struct bsdtun_unit *u)
{
	unsigned int per_queue = u->cfg.queues > 1 ? NB_COUNTERS + 1 : 0;

	return NB_COUNTERS + NB_UNIT_EXTRA + u->cfg.queues * per_queue;
}

static int
bsdtun_xstats_get_names(struct rte_eth_dev *dev,
			struct rte_eth_xstat_name *names, unsigned int size)
{
	const struct bsdtun_unit *u = dev->data->dev_private;
	unsigned int total = xstats_count(u), i, k = 0;
	uint32_t q;

	if (names == NULL || size < total)
		return total;
	for (i = 0; i < NB_COUNTERS; i++)
		strlcpy(names[k++].name, xstat_names[i], sizeof(names[0].name));
	strlcpy(names[k++].name, "tun_pid", sizeof(names[0].name));
	strlcpy(names[k++].name, "if_flags", sizeof(names[0].name));
	for (q = 0; k < total; q++) {
		for (i = 0; i < NB_COUNTERS; i++)
			snprintf(names[k++].name, sizeof(names[0].name),
				 "q%u_%s", q, xstat_names[i]);
		snprintf(names[k++].name, sizeof(names[0].name), "q%u_tun_pid",
			 q);
	}
	return total;
}

/* The counters as dev_private holds them (any process). */
static int
bsdtun_xstats_read(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
		   unsigned int n)
{
	struct bsdtun_unit *u = dev->data->dev_private;
	const uint64_t *unit = (const uint64_t *)&u->xs;
	unsigned int total = xstats_count(u), i, k;
	uint32_t q;

	if (xs == NULL || n < total)
		return total;
	for (i = 0; i < NB_COUNTERS; i++) {
		xs[i].value = unit[i];
		for (q = 0; q < u->cfg.queues; q++)
			xs[i].value += ((const uint64_t *)&u->q[q].xs)[i];
	}
	k = NB_COUNTERS;
	xs[k++].value = (uint64_t)u->q[0].tun_pid;
	xs[k++].value = (uint64_t)(uint32_t)u->if_flags;
	for (q = 0; k < total; q++) {
		for (i = 0; i < NB_COUNTERS; i++)
			xs[k++].value = ((const uint64_t *)&u->q[q].xs)[i];
		xs[k++].value = (uint64_t)u->q[q].tun_pid;
	}
	for (k = 0; k < total; k++)
		xs[k].id = k;
	return total;
}

/* The primary: what the clients say they dropped is counted first. */
static int
bsdtun_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
		  unsigned int n)
{
	struct bsdtun_unit *u = dev->data->dev_private;

	if (xs != NULL && n >= xstats_count(u))
		bsdtun_rx_client_drops(u);
	return bsdtun_xstats_read(dev, xs, n);
}

static int
bsdtun_xstats_reset(struct rte_eth_dev *dev)
{
	return bsdtun_stats_reset(dev);
}

static int
bsdtun_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct bsdtun_unit *u = dev->data->dev_private;

	if (mtu < BSDTUN_MIN_MTU || mtu > BSDTUN_MAX_MTU) {
		BSDTUN_LOG(ERR, u, "mtu %u out of range %u..%u", mtu,
			   BSDTUN_MIN_MTU, BSDTUN_MAX_MTU);
		return -EINVAL;
	}
	BSDTUN_DEBUG(u, "mtu %u", mtu);
	bsdtun_port_mtu_set(u, mtu); /* ethdev then stores the same value */
	return 0;
}

/*
 * The client's side of the link, as the source of received frames (and
 * in captures): the port's MAC, locally administered, last bit flipped.
 */
static void
peer_mac_derive(struct bsdtun_unit *u)
{
	u->peer_mac = u->cfg.mac;
	u->peer_mac.addr_bytes[0] |= 0x02;
	u->peer_mac.addr_bytes[5] ^= 0x01;
}

static int
bsdtun_mac_set(struct rte_eth_dev *dev, struct rte_ether_addr *addr)
{
	struct bsdtun_unit *u = dev->data->dev_private;

	if (!rte_is_valid_assigned_ether_addr(addr))
		return -EINVAL;
	rte_ether_addr_copy(addr, &u->cfg.mac);
	peer_mac_derive(u); /* never the port's own address */
	return 0;
}

/* Packet types rx_burst sets (from the record's address family). */
static const uint32_t *
bsdtun_ptypes_get(struct rte_eth_dev *dev, size_t *n)
{
	static const uint32_t eth[] = {
		RTE_PTYPE_L2_ETHER,
		RTE_PTYPE_L3_IPV4,
		RTE_PTYPE_L3_IPV6,
		RTE_PTYPE_UNKNOWN,
	};
	static const uint32_t ip[] = {
		RTE_PTYPE_L3_IPV4,
		RTE_PTYPE_L3_IPV6,
		RTE_PTYPE_UNKNOWN,
	};
	struct bsdtun_unit *u = dev->data->dev_private;

	/* RTE_PTYPE_UNKNOWN ends each array, not counted (bsdtun_compat.h) */
	if (u->cfg.framing == BSDTUN_FRAMING_ETH) {
		*n = RTE_DIM(eth) - 1;
		return eth;
	}
	*n = RTE_DIM(ip) - 1;
	return ip;
}
BSDTUN_PTYPES_OP_DEFINE(bsdtun_ptypes_get)

/* Promiscuous and allmulticast: every packet is for us already. */
static int
bsdtun_accept_noop(struct rte_eth_dev *dev __rte_unused)
{
	return 0;
}

static const struct eth_dev_ops bsdtun_ops = {
	.dev_configure = bsdtun_dev_configure,
	.dev_start = bsdtun_dev_start,
	.dev_stop = bsdtun_dev_stop,
	.dev_close = bsdtun_dev_close,
	.dev_infos_get = bsdtun_dev_infos_get,
	.rx_queue_setup = bsdtun_rx_queue_setup,
	.tx_queue_setup = bsdtun_tx_queue_setup,
	.rx_queue_start = bsdtun_rx_queue_start,
	.rx_queue_stop = bsdtun_rx_queue_stop,
	.tx_queue_start = bsdtun_tx_queue_start,
	.tx_queue_stop = bsdtun_tx_queue_stop,
	.rxq_info_get = bsdtun_rxq_info_get,
	.rx_queue_intr_enable = bsdtun_rx_intr_enable,
	.rx_queue_intr_disable = bsdtun_rx_intr_disable,
	.txq_info_get = bsdtun_txq_info_get,
	.rx_queue_release = bsdtun_queue_release,
	.tx_queue_release = bsdtun_queue_release,
	.link_update = bsdtun_link_update,
	.stats_get = BSDTUN_STATS_OP(bsdtun_stats_get),
	.stats_reset = bsdtun_stats_reset,
	.xstats_get = bsdtun_xstats_get,
	.xstats_get_names = bsdtun_xstats_get_names,
	.xstats_reset = bsdtun_xstats_reset,
	.mtu_set = bsdtun_mtu_set,
	.mac_addr_set = bsdtun_mac_set,
	.dev_supported_ptypes_get = BSDTUN_PTYPES_OP(bsdtun_ptypes_get),
	.promiscuous_enable = bsdtun_accept_noop,
	.promiscuous_disable = bsdtun_accept_noop,
	.allmulticast_enable = bsdtun_accept_noop,
	.allmulticast_disable = bsdtun_accept_noop,
};

/* A secondary's close: ethdev then forgets this process's view only. */
static int
bsdtun_dev_close_secondary(struct rte_eth_dev *dev __rte_unused)
{
	return 0;
}

/*
 * A secondary process's ops (dpdk-proc-info, dpdk-pdump, dpdk-dumpcap...):
 * only what reads (or resets) dev_private and dev->data, which every
 * process maps.  The rest needs the primary's sessions, descriptors and
 * threads, or would change its port under it: absent, so ethdev answers
 * -ENOTSUP and nothing is touched.  Promiscuous and allmulticast on are
 * what a capture tool asks; every packet is for us already.  doc/pmd.md,
 * "Secondary processes".
 */
static const struct eth_dev_ops bsdtun_ops_secondary = {
	.dev_close = bsdtun_dev_close_secondary,
	.dev_infos_get = bsdtun_dev_infos_get,
	.rxq_info_get = bsdtun_rxq_info_get,
	.txq_info_get = bsdtun_txq_info_get,
	.link_update = bsdtun_link_read,
	.stats_get = BSDTUN_STATS_OP(bsdtun_stats_get),
	.stats_reset = bsdtun_stats_reset,
	.xstats_get = bsdtun_xstats_read,
	.xstats_get_names = bsdtun_xstats_get_names,
	.xstats_reset = bsdtun_xstats_reset,
	.dev_supported_ptypes_get = BSDTUN_PTYPES_OP(bsdtun_ptypes_get),
	.promiscuous_enable = bsdtun_accept_noop,
	.allmulticast_enable = bsdtun_accept_noop,
};

/* ---- devargs ----------------------------------------------------------- */

static int
parse_u32(const char *v, uint32_t min, uint32_t max, int base, uint32_t *out)
{
	unsigned long n;
	char *end;

	if (v == NULL || *v == '\0' || *v == '-')
		return -1;
	errno = 0;
	n = strtoul(v, &end, base);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

/* One kvargs handler for every key; *out is the config. */
static int
parse_arg(const char *key, const char *v, void *out)
{
	struct bsdtun_config *c = out;
	enum bsdtun_devarg k = 0;
	uint32_t n;

	while (k < DEVARG_COUNT && strcmp(key, valid_args[k]) != 0)
		k++;
	if (v == NULL)
		v = "";
	if (k == DEVARG_sock) {
		if (*v != '/' || strlen(v) >= sizeof(c->sock_path))
			goto bad;
		strcpy(c->sock_path, v);
	} else if (k == DEVARG_qlen) {
		if (parse_u32(v, BSDTUN_QLEN_MIN, BSDTUN_QLEN_MAX, 10,
			      &c->qlen) < 0)
			goto bad;
	} else if (k == DEVARG_queues) {
		if (parse_u32(v, 1, BSDTUN_QUEUES_MAX, 10, &c->queues) < 0)
			goto bad;
	} else if (k == DEVARG_mtu) {
		if (parse_u32(v, BSDTUN_MIN_MTU, BSDTUN_MAX_MTU, 10, &c->mtu) <
		    0)
			goto bad;
	} else if (k == DEVARG_framing) {
		if (strcmp(v, "eth") == 0)
			c->framing = BSDTUN_FRAMING_ETH;
		else if (strcmp(v, "ip") == 0)
			c->framing = BSDTUN_FRAMING_IP;
		else
			goto bad;
	} else if (k == DEVARG_mode) {
		if (strcmp(v, "tun") == 0)
			c->mode = BSDTUN_MODE_TUN;
		else if (strcmp(v, "tap") == 0)
			c->mode = BSDTUN_MODE_TAP;
		else
			goto bad;
	} else if (k == DEVARG_mac) {
		if (rte_ether_unformat_addr(v, &c->mac) < 0 ||
		    !rte_is_valid_assigned_ether_addr(&c->mac))
			goto bad;
		c->mac_set = 1;
	} else if (k == DEVARG_owner) {
		struct passwd *pw = getpwnam(v);

		if (pw != NULL)
			c->owner = pw->pw_uid;
		else if (parse_u32(v, 0, INT32_MAX, 10, &n) == 0)
			c->owner = n;
		else
			goto bad;
	} else if (k == DEVARG_group) {
		struct group *gr = getgrnam(v);

		if (gr != NULL)
			c->group = gr->gr_gid;
		else if (parse_u32(v, 0, INT32_MAX, 10, &n) == 0)
			c->group = n;
		else
			goto bad;
	} else if (k == DEVARG_perm) {
		if (parse_u32(v, 0, 0777, 8, &c->perm) < 0)
			goto bad;
	} else if (k == DEVARG_cdev) {
#ifdef BSDTUN_CDEV /* device node: bsdtun_cdev.c */
		if (strcmp(v, "off") == 0)
			c->cdev_path[0] = '\0';
		else if (*v != '/' || strlen(v) >= sizeof(c->cdev_path))
			goto bad;
		else
			strcpy(c->cdev_path, v);
#else
		if (strcmp(v, "off") != 0) {
			BSDTUN_LOG_NAMED(
				ERR, c->unit,
				"devarg %s=%s: the device node is not available in this build (only cdev=off)",
				key, v);
			return -1;
		}
#endif
	} else if (k == DEVARG_pcapng) {
		if (*v == '\0' || strlen(v) >= sizeof(c->pcapng))
			goto bad;
		strcpy(c->pcapng, v);
	}
	return 0;
bad:
	BSDTUN_LOG_NAMED(ERR, c->unit, "invalid devarg %s=%s", key, v);
	return -1;
}

static int
parse_devargs(const char *name, const char *params, struct bsdtun_config *c)
{
	struct rte_kvargs *kv;
	const char *dir;
	int ret;

	memset(c, 0, sizeof(*c));
	c->qlen = BSDTUN_QLEN_DEFAULT;
	c->queues = 1;
	c->mtu = BSDTUN_DEFAULT_MTU;
	c->framing = BSDTUN_FRAMING_ETH;
	c->owner = geteuid();
	c->group = getegid();
	c->perm = 0600;
	c->unit = name;
	if (params != NULL && *params != '\0') {
		kv = rte_kvargs_parse(params, valid_args);
		if (kv == NULL) {
			BSDTUN_LOG_NAMED(
				ERR, name,
				"cannot parse devargs \"%s\" (unknown key or bad syntax; valid keys:" BSDTUN_DEVARGS(
					DEVARG_LIST) ")",
				params);
			return -EINVAL;
		}
		ret = rte_kvargs_process(kv, NULL, parse_arg, c);
		rte_kvargs_free(kv);
		if (ret < 0)
			return -EINVAL;
	}
	if (c->mode == BSDTUN_MODE_TAP && c->framing == BSDTUN_FRAMING_IP) {
		BSDTUN_LOG_NAMED(
			ERR, name,
			"mode=tap with framing=ip: a tap unit's port carries the client's Ethernet frames as they are");
		return -EINVAL;
	}
	if (c->sock_path[0] == '\0') {
		/*
		 * root: /run/bsdtun; anyone else: their private runtime
		 * directory.  Never a shared one (/tmp), where another user
		 * could create the directory first and own the endpoint.
		 */
		dir = geteuid() == 0 ? "/run/bsdtun" :
				       getenv("XDG_RUNTIME_DIR");
		if (dir == NULL || dir[0] != '/') {
			BSDTUN_LOG_NAMED(
				ERR, name,
				"no default for sock=: not root and no XDG_RUNTIME_DIR; give sock=PATH in a directory of your own");
			return -EINVAL;
		}
		if (snprintf(c->sock_path, sizeof(c->sock_path), "%s%s/%s.sock",
			     dir, geteuid() == 0 ? "" : "/bsdtun",
			     name) >= (int)sizeof(c->sock_path)) {
			BSDTUN_LOG_NAMED(ERR, name,
					 "default socket path too long");
			return -ENAMETOOLONG;
		}
	}
	return 0;
}

/* ---- probe / remove ---------------------------------------------------- */

static int
bsdtun_probe_secondary(struct rte_vdev_device *vdev, const char *name)
{
	struct rte_eth_dev *dev = rte_eth_dev_attach_secondary(name);

	if (dev == NULL) {
		BSDTUN_LOG_NAMED(ERR, name, "cannot attach secondary");
		return -ENODEV;
	}
	if (((struct bsdtun_unit *)dev->data->dev_private)->layout !=
	    BSDTUN_UNIT_LAYOUT) {
		BSDTUN_LOG_NAMED(
			ERR, name,
			"the primary process runs another build of net_bsdtun (unit layout %#" PRIx64
			", this one %#" PRIx64
			"): load the same librte_net_bsdtun.so in both",
			((struct bsdtun_unit *)dev->data->dev_private)->layout,
			(uint64_t)BSDTUN_UNIT_LAYOUT);
		rte_eth_dev_release_port(dev);
		return -EPROTO;
	}
	/*
	 * Process-private state (sessions, rings, capture) exists in the
	 * primary only: a secondary gets the ops that read shared data
	 * (process_private stays NULL) and bursts that move and count
	 * nothing, as it cannot reach the primary's sessions.
	 */
	dev->dev_ops = &bsdtun_ops_secondary;
	dev->device = &vdev->device;
	dev->rx_pkt_burst = bsdtun_burst_none;
	dev->tx_pkt_burst = bsdtun_burst_none;
	rte_eth_dev_probing_finish(dev);
	return 0;
}

static int
bsdtun_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct bsdtun_config cfg;
	struct rte_eth_dev *dev;
	struct bsdtun_unit *u;
	struct bsdtun_proc *proc;
	Dl_info dl;
	uint32_t i;
	int ret;

	if (rte_eal_process_type() == RTE_PROC_SECONDARY)
		return bsdtun_probe_secondary(vdev, name);

	ret = parse_devargs(name, rte_vdev_device_args(vdev), &cfg);
	if (ret < 0)
		return ret;

	dev = rte_eth_vdev_allocate(vdev, sizeof(*u));
	if (dev == NULL)
		return -ENOMEM;
	u = dev->data->dev_private;
	proc = calloc(1, sizeof(*proc));
	if (proc == NULL) {
		rte_eth_dev_release_port(dev);
		return -ENOMEM;
	}
	/* bsdtun_proc(u) from here on; dev_private holds no pointer of ours */
	dev->process_private = proc;
	u->layout = BSDTUN_UNIT_LAYOUT;
	strlcpy(u->name, name, sizeof(u->name));
	u->port_id = dev->data->port_id;
	u->cfg = cfg;
	u->cfg.unit = u->name; /* not parse_devargs()' name */
	u->if_flags = IFF_POINTOPOINT | IFF_MULTICAST;
	u->if_type = 0x17; /* IFT_PPP */
	u->lx_owner = -1;  /* no TUNSETOWNER/TUNSETGROUP yet */
	u->lx_group = -1;
	for (i = 0; i < BSDTUN_QUEUES_MAX; i++) {
		struct bsdtun_queue *qp = &u->q[i];

		rte_spinlock_init(&proc->q[i].tx_lock);
		rte_spinlock_init(&proc->q[i].rx_lock);
		rte_spinlock_init(&proc->q[i].intr_lock);
		qp->rxq.unit = qp->txq.unit = u;
		qp->rxq.qp = qp->txq.qp = qp;
		qp->rxq.qid = qp->txq.qid = (uint16_t)i;
	}
	if (!cfg.mac_set) {
		/* Locally administered, stable per port: 02:62:74:75:6e:<port> */
		static const uint8_t base[] = { 0x02, 0x62, 0x74, 0x75, 0x6e };

		memcpy(u->cfg.mac.addr_bytes, base, sizeof(base));
		u->cfg.mac.addr_bytes[5] = (uint8_t)u->port_id;
	}
	peer_mac_derive(u);

	dev->data->mac_addrs = &u->cfg.mac;
	rte_spinlock_init(&u->mtu_lock);
	bsdtun_port_mtu_set(u, (uint16_t)cfg.mtu);
	bsdtun_port_link_init(u);
	dev->data->promiscuous = 1;
	dev->data->all_multicast = 1;
	dev->data->dev_flags |=
		RTE_ETH_DEV_INTR_LSC | RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	dev->dev_ops = &bsdtun_ops;
	dev->rx_pkt_burst = bsdtun_rx_burst;
	dev->tx_pkt_burst = bsdtun_tx_burst;

	proc->cap_fd = -1;
	ret = bsdtun_intr_setup(u);
	if (ret == 0)
		ret = bsdtun_capture_check(u);
	if (ret == 0)
		ret = bsdtun_ctrl_attach(u);
	if (ret == 0) {
		ret = cdev_attach(u); /* device node (cdev=) */
		if (ret < 0)
			bsdtun_ctrl_detach(u);
	}
	if (ret == 0)
		bsdtun_telemetry_register();
	if (ret < 0) {
		bsdtun_capture_close(u);
		bsdtun_intr_close(u);
		dev->data->mac_addrs = NULL;
		dev->process_private = NULL;
		free(proc);
		rte_eth_dev_release_port(dev);
		return ret;
	}
	rte_eth_dev_probing_finish(dev);
	BSDTUN_LOG(
		INFO, u,
		"port %u: endpoint %s, queue pairs %u, qlen %u, mtu %u, framing %s, mode %s, driver %s",
		u->port_id, cfg.sock_path, cfg.queues, cfg.qlen, cfg.mtu,
		cfg.framing == BSDTUN_FRAMING_ETH ? "eth" : "ip",
		cfg.mode == BSDTUN_MODE_TAP ? "tap" : "tun",
		dladdr((void *)bsdtun_probe, &dl) && dl.dli_fname != NULL ?
			dl.dli_fname :
			"?");
	return 0;
}

static int
bsdtun_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev;

	dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));
	if (dev == NULL)
		return 0; /* already released */
	if (rte_eal_process_type() == RTE_PROC_PRIMARY)
		bsdtun_dev_close(dev);
	return rte_eth_dev_release_port(dev);
}

static struct rte_vdev_driver bsdtun_vdev_drv = {
	.probe = bsdtun_probe,
	.remove = bsdtun_remove,
};

RTE_PMD_REGISTER_VDEV(net_bsdtun, bsdtun_vdev_drv);
RTE_PMD_REGISTER_PARAM_STRING(net_bsdtun, BSDTUN_DEVARGS(DEVARG_PARAM));
