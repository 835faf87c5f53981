/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Burst functions: tx_burst fills the to_client ring (the seed's tunoutput),
 * rx_burst drains the to_dpdk ring (the seed's tunwrite -> netisr).
 * Packets are copied; mbuf memory is never shared with the client.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "bsdtun_internal.h"

/*
 * The datapath saw an impossible ring: stop using it and let the control
 * thread close the session (it sees the socket shut down).  Marked under
 * the burst's lock; rx and tx lcores may both find it broken, and the
 * first one takes the session (unlocked_users) to shut its socket down
 * once the lock is dropped (session_shutdown): no system call runs under
 * a burst lock.  Returns 1 when the caller must call session_shutdown.
 */
static int
session_break(struct bsdtun_session *s)
{
	if (rte_atomic_exchange_explicit(&s->broken, 1,
					 rte_memory_order_relaxed) != 0)
		return 0;
	rte_atomic_fetch_add_explicit(&s->unlocked_users, 1,
				      rte_memory_order_relaxed);
	return 1;
}

/*
 * The system calls of the datapath run with no lock of the pair held: the
 * functions making them are annotated __rte_locks_excluded, which clang's
 * analysis checks at every call.
 */
#define BSDTUN_UNLOCKED(pq) __rte_locks_excluded(&(pq)->tx_lock, &(pq)->rx_lock)

/* After session_break, its lock dropped: shut down, give s back. */
static void
session_shutdown(const struct bsdtun_qproc *pq, struct bsdtun_session *s)
	BSDTUN_UNLOCKED(pq)
{
	RTE_SET_USED(pq);
	shutdown(s->ctl_fd, SHUT_RDWR);
	rte_atomic_fetch_sub_explicit(&s->unlocked_users, 1,
				      rte_memory_order_release);
}

/*
 * No mbuf: ethdev's rx_nombuf (rx_mbuf_alloc_failed, the port's, which
 * rx lcores of different queues add to at once: atomic) and the queue's
 * own xstat (its rx lcore alone writes it, under the pair's rx_lock).
 */
static void
rx_count_nombuf(struct bsdtun_unit *u, struct bsdtun_qproc *pq __rte_unused,
		struct bsdtun_xstats *xs)
	__rte_exclusive_locks_required(&pq->rx_lock)
{
	rte_atomic_fetch_add_explicit(
		&bsdtun_dev(u)->data->rx_mbuf_alloc_failed, 1,
		rte_memory_order_relaxed);
	xs->rx_nombuf++;
}

/* ---- rx: client -> DPDK ------------------------------------------------ */

/* Copy len bytes into m (and chained segments as needed). */
static int
rx_fill(struct rte_mempool *mp, struct rte_mbuf *m, const uint8_t *src,
	uint32_t len)
{
	struct rte_mbuf *seg = m;
	uint32_t room = rte_pktmbuf_tailroom(m);

	for (;;) {
		uint32_t n = len < room ? len : room;

		rte_memcpy(
			rte_pktmbuf_mtod_offset(seg, uint8_t *, seg->data_len),
			src, n);
		seg->data_len += n;
		m->pkt_len += n;
		src += n;
		len -= n;
		if (len == 0)
			return 0;
		seg->next = rte_pktmbuf_alloc(mp);
		if (seg->next == NULL)
			return -1;
		seg = seg->next;
		m->nb_segs++;
		room = rte_pktmbuf_tailroom(seg);
	}
}

/* ---- TCP segmentation, both ways ---------------------------------------- */

/*
 * What a packet's tx offload flags ask, in the client's packet (from l3
 * of m, plen bytes): an IPv4 header checksum (always done here), an L4
 * checksum, passed to an IFF_VNET_HDR open that took TUN_F_CSUM as
 * NEEDS_CSUM, as DPDK's virtio PMD does, else done here.
 */
struct tx_ofl {
	int ip; /* IPv4 header checksum at ip_off, ip_len bytes */
	uint32_t ip_off, ip_len;
	int l4; /* an L4 checksum at cs_start + cs_off */
	uint32_t cs_start, cs_off;
	int meta; /* ... left to the client: the record says so */
	/* TSO: headers hdr bytes (l4_len of TCP), segments of mss */
	int tso; /* 1: the client takes the super-packet; 2: segments */
	int v4;
	uint32_t hdr, l4_len, mss;
	uint8_t proto; /* of the L4 checksum: IPPROTO_TCP, IPPROTO_UDP */
};

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The pseudo-header's sum (not folded) of l4len bytes of proto. */
static uint32_t
pseudo_sum(const uint8_t *ip, int v4, uint8_t proto, uint32_t l4len)
{
	uint8_t ph[40];

	if (v4) {
		memcpy(ph, ip + 12, 8);
		ph[8] = 0;
		ph[9] = proto;
		wr16(ph + 10, (uint16_t)l4len);
		return __rte_raw_cksum(ph, 12, 0);
	}
	memcpy(ph, ip + 8, 32);
	memset(ph + 32, 0, 8);
	wr16(ph + 34, (uint16_t)l4len);
	ph[39] = proto;
	return __rte_raw_cksum(ph, 40, 0);
}

/*
 * Segment i of k of a TCP super-packet, its headers at p (n payload
 * bytes after them): the IP lengths, IPv4's id and checksum, the TCP
 * sequence number, FIN and PSH on the last only, CWR on the first only
 * -- what a NIC's TSO does; the TCP checksum field zeroed.  Returns the
 * pseudo-header's sum, for the checksum.
 */
static uint32_t
tso_hdr_fix(const struct tx_ofl *o, uint8_t *p, uint32_t i, uint32_t k,
	    uint32_t n)
{
	uint8_t *ip = p + o->ip_off, *th = p + o->cs_start;
	uint32_t tlen = o->l4_len + n, seq, sum;
	uint16_t c;

	if (o->v4) {
		wr16(ip + 2, (uint16_t)(o->ip_len + tlen));
		wr16(ip + 4, (uint16_t)(rd16(ip + 4) + i));
		memset(ip + 10, 0, 2);
		c = (uint16_t)~rte_raw_cksum(ip, o->ip_len);
		memcpy(ip + 10, &c, 2);
	} else {
		wr16(ip + 4, (uint16_t)(o->ip_len - 40 + tlen));
	}
	sum = pseudo_sum(ip, o->v4, IPPROTO_TCP, tlen);
	seq = (uint32_t)rd16(th + 4) << 16 | rd16(th + 6);
	seq += i * o->mss;
	wr16(th + 4, (uint16_t)(seq >> 16));
	wr16(th + 6, (uint16_t)seq);
	if (i + 1 < k)
		th[13] &= (uint8_t) ~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
	if (i > 0)
		th[13] &= (uint8_t)~RTE_TCP_CWR_FLAG;
	memset(th + 16, 0, 2);
	return sum;
}

/* tso_hdr_fix(), and the TCP checksum over the n payload bytes after. */
static void
tso_fix(const struct tx_ofl *o, uint8_t *p, uint32_t i, uint32_t k, uint32_t n)
{
	uint32_t sum = tso_hdr_fix(o, p, i, k, n);
	uint16_t c;

	sum = __rte_raw_cksum(p + o->cs_start, o->l4_len + n, sum);
	c = (uint16_t)~__rte_raw_cksum_reduce(sum);
	memcpy(p + o->cs_start + 16, &c, 2);
}

/* ---- the virtio-net header of an IFF_VNET_HDR open (doc/wire.md) ------ */

/* Two bytes at off of the packet m, whatever segments they fall in. */
static void
mbuf_put16(struct rte_mbuf *m, uint32_t off, uint16_t v)
{
	const uint8_t *b = (const uint8_t *)&v;
	int i;

	for (i = 0; i < 2; i++) {
		struct rte_mbuf *seg = m;
		uint32_t o = off + (uint32_t)i;

		while (seg != NULL && o >= seg->data_len) {
			o -= seg->data_len;
			seg = seg->next;
		}
		if (seg == NULL)
			return;
		*rte_pktmbuf_mtod_offset(seg, uint8_t *, o) = b[i];
	}
}

/*
 * Finish a partial checksum (Linux's CHECKSUM_PARTIAL, DPDK's tx L4
 * offload: the field holds the pseudo-header's sum): the sum from start
 * to the end of the packet, complemented, at start + off; 0 is sent as
 * 0xffff, as Linux's skb_checksum_help() does.
 */
static uint16_t
csum_finish(uint16_t raw)
{
	uint16_t c = (uint16_t)~raw;

	return c == 0 ? 0xffff : c;
}

static void
mbuf_csum_complete(struct rte_mbuf *m, uint32_t start, uint32_t off)
{
	uint16_t raw;

	if (start >= m->pkt_len ||
	    rte_raw_cksum_mbuf(m, start, m->pkt_len - start, &raw) != 0)
		return;
	mbuf_put16(m, start + off, csum_finish(raw));
}

/*
 * A record's virtio-net header, as the client wrote it and its library
 * checked it -- checked again here, the client untrusted: known flags,
 * the checksum's place inside the packet of len bytes.  GSO: TCP over
 * IPv4 or IPv6; UDP GSO and ECN are not carried (rx_gso_dropped).
 */
static uint64_t *
rx_vnet_check(struct bsdtun_xstats *xs, const struct bsdtun_rec_vnet *vh,
	      uint32_t len)
{
	if (vh->flags & ~(BSDTUN_VNET_F_NEEDS_CSUM | BSDTUN_VNET_F_DATA_VALID))
		return &xs->rx_vnet_bad;
	if ((vh->flags & BSDTUN_VNET_F_NEEDS_CSUM) &&
	    (uint32_t)vh->csum_start + vh->csum_offset + 2 > len)
		return &xs->rx_vnet_bad;
	switch (vh->gso_type) {
	case BSDTUN_VNET_GSO_NONE:
		return NULL;
	case BSDTUN_VNET_GSO_TCPV4:
	case BSDTUN_VNET_GSO_TCPV6:
		/* one LRO mbuf for an app that asked, else segments */
		return vh->gso_size == 0 ? &xs->rx_vnet_bad : NULL;
	case BSDTUN_VNET_GSO_UDP:
	case BSDTUN_VNET_GSO_UDP_L4:
	case BSDTUN_VNET_GSO_TCPV4 | BSDTUN_VNET_GSO_ECN:
	case BSDTUN_VNET_GSO_TCPV6 | BSDTUN_VNET_GSO_ECN:
	case BSDTUN_VNET_GSO_UDP | BSDTUN_VNET_GSO_ECN:
		return vh->gso_size == 0 ? &xs->rx_vnet_bad :
					   &xs->rx_gso_dropped;
	default:
		return &xs->rx_vnet_bad;
	}
}

/*
 * The mbuf's flags from the header, as DPDK's virtio PMD sets them:
 * NEEDS_CSUM is RTE_MBUF_F_RX_L4_CKSUM_NONE (the data is intact, the
 * checksum not filled in) and DATA_VALID L4_CKSUM_GOOD, for an app that
 * enabled the checksum offload; for one that did not, the checksum is
 * completed here and nothing said.  shift: the bytes before the client's
 * packet in m (the Ethernet header of a tun unit with framing=eth).
 */
static void
rx_vnet_apply(const struct bsdtun_rxq *q, struct rte_mbuf *m,
	      const struct bsdtun_rec_vnet *vh, uint32_t shift)
{
	int hw = (q->offloads & (RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
				 RTE_ETH_RX_OFFLOAD_UDP_CKSUM)) != 0;

	if (vh->flags & BSDTUN_VNET_F_NEEDS_CSUM) {
		if (hw)
			m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_NONE;
		else
			mbuf_csum_complete(m, shift + vh->csum_start,
					   vh->csum_offset);
	} else if ((vh->flags & BSDTUN_VNET_F_DATA_VALID) && hw) {
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	}
	if (vh->gso_type != BSDTUN_VNET_GSO_NONE) {
		/* rx_vnet_check: TCP, and the app enabled LRO */
		m->ol_flags |= RTE_MBUF_F_RX_LRO;
		m->tso_segsz = vh->gso_size;
	}
}

/* Segments of one super-packet at most (64 KiB in segments of 512). */
#define RX_GSO_SEGS_MAX 128u

/* What rx_gso_sw() needs of the burst. */
struct rx_burst_ctx {
	struct bsdtun_unit *u;
	struct bsdtun_session *s;
	struct rte_mbuf **mb; /* the burst's mbufs, mb[*used] the next */
	uint16_t *used;
	uint16_t n_alloc;
	struct rte_mbuf **bufs; /* for the app, bufs[*got] the next */
	uint16_t *got;
	uint64_t *bytes;
	int tap, eth;
	uint32_t max_frame;
};

/*
 * A TCP super-packet (GSO_TCPV4/6) of len bytes at p for an app without
 * LRO: its segments, each a packet of its own with correct lengths,
 * sequence numbers and checksums, as many as the burst has mbufs for;
 * the next burst goes on where this one stopped.  The headers are
 * copied once and checked (the client is not trusted).  Returns 1 when
 * the record is done, 0 when it must wait for the next burst, or sets
 * *drop.
 */
static int
rx_gso_sw(struct bsdtun_rxq *q, struct bsdtun_qproc *pq,
	  const struct rx_burst_ctx *c, const struct bsdtun_rec_vnet *vh,
	  const uint8_t *p, uint32_t len, uint16_t fam, uint64_t **drop)
	__rte_exclusive_locks_required(&pq->rx_lock)
{
	struct bsdtun_xstats *xs = &q->qp->xs;
	uint32_t l2o = c->tap ? RTE_ETHER_HDR_LEN : 0;
	uint32_t off0 = c->eth ? RTE_ETHER_HDR_LEN : 0;
	uint8_t h[RTE_ETHER_HDR_LEN + 60 + 60];
	uint32_t th, hdr, pay, k, i;
	struct tx_ofl o;
	int v4 = vh->gso_type == BSDTUN_VNET_GSO_TCPV4;

	memset(&o, 0, sizeof(o));
	*drop = &xs->rx_vnet_bad;
	if (len < l2o + (v4 ? 20u : 40u) + 20u)
		return 0;
	memcpy(h, p, RTE_MIN(len, (uint32_t)sizeof(h)));
	if (c->tap &&
	    rd16(h + 12) != (v4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6))
		return 0;
	if (!c->tap && fam != (v4 ? AF_INET : AF_INET6))
		return 0;
	if (h[l2o] >> 4 != (v4 ? 4 : 6))
		return 0;
	o.ip_len = v4 ? (uint32_t)(h[l2o] & 0xf) * 4 : 40;
	if (o.ip_len < 20 || h[l2o + (v4 ? 9 : 6)] != IPPROTO_TCP)
		return 0;
	th = l2o + o.ip_len;
	if (th + 20 > RTE_MIN(len, (uint32_t)sizeof(h)))
		return 0;
	o.l4_len = (uint32_t)(h[th + 12] >> 4) * 4;
	hdr = th + o.l4_len;
	if (o.l4_len < 20 || hdr > RTE_MIN(len, (uint32_t)sizeof(h)))
		return 0;
	o.ip_off = l2o;
	o.cs_start = th;
	o.mss = vh->gso_size;
	o.v4 = v4;
	pay = len - hdr;
	k = pay == 0 ? 1 : (pay + o.mss - 1) / o.mss;
	*drop = NULL;
	if (k > RX_GSO_SEGS_MAX)
		*drop = &xs->rx_gso_dropped;
	else if (off0 + hdr + RTE_MIN(pay, o.mss) > c->max_frame)
		*drop = &xs->rx_too_big;
	else if (off0 + hdr > q->seg_room ||
		 (!q->scatter &&
		  off0 + hdr + RTE_MIN(pay, o.mss) > q->seg_room))
		*drop = &xs->rx_no_scatter;
	if (*drop != NULL)
		return 0;
	i = q->gso_sess == c->s && q->gso_pos == c->s->to_dpdk.pos &&
			    q->gso_seg < k ?
		    q->gso_seg :
		    0;
	for (; i < k && *c->used < c->n_alloc; i++) {
		uint32_t n = RTE_MIN(pay - i * o.mss, o.mss);
		struct rte_mbuf *m = c->mb[*c->used];
		uint16_t raw;
		uint32_t sum;

		if (c->eth) {
			bsdtun_pseudo_eth(
				rte_pktmbuf_mtod(m, struct rte_ether_hdr *),
				&bsdtun_dev(c->u)->data->mac_addrs[0],
				&c->u->peer_mac, fam);
			m->data_len = RTE_ETHER_HDR_LEN;
			m->pkt_len = RTE_ETHER_HDR_LEN;
		}
		if (rx_fill(q->mp, m, h, hdr) < 0 ||
		    rx_fill(q->mp, m, p + hdr + i * o.mss, n) < 0) {
			rte_pktmbuf_free(m);
			c->mb[*c->used] = NULL;
			(*c->used)++;
			rx_count_nombuf(c->u, pq, xs);
			break;
		}
		sum = tso_hdr_fix(&o,
				  rte_pktmbuf_mtod_offset(m, uint8_t *, off0),
				  i, k, n);
		if (rte_raw_cksum_mbuf(m, off0 + th, o.l4_len + n, &raw) == 0)
			mbuf_put16(
				m, off0 + th + 16,
				(uint16_t)~__rte_raw_cksum_reduce(sum + raw));
		m->packet_type =
			c->tap ? RTE_PTYPE_L2_ETHER :
				 (v4 ? RTE_PTYPE_L3_IPV4 : RTE_PTYPE_L3_IPV6) |
					 (c->eth ? RTE_PTYPE_L2_ETHER : 0);
		m->port = q->port_id;
		*c->bytes += m->pkt_len;
		c->bufs[(*c->got)++] = m;
		(*c->used)++;
	}
	if (i < k) {
		q->gso_seg = i;
		q->gso_sess = c->s;
		q->gso_pos = c->s->to_dpdk.pos;
		return 0;
	}
	q->gso_seg = 0;
	xs->rx_gso_cut++;
	return 1;
}

/* The counter of the reason to drop a record, or NULL to deliver it. */
static inline uint64_t *
rx_drop_reason(struct bsdtun_rxq *q, int tap, uint32_t len, uint16_t fam,
	       uint32_t frame, uint32_t max_frame)
{
	struct bsdtun_xstats *xs = &q->qp->xs;

	if (tap) {
		/* a whole Ethernet frame, any ethertype; fam unused */
		if (len < RTE_ETHER_HDR_LEN)
			return &xs->rx_runt;
	} else if (len == 0) {
		return &xs->rx_runt;
	} else if (fam != AF_INET && fam != AF_INET6) {
		return &xs->rx_bad_family;
	}
	if (frame > max_frame)
		return &xs->rx_too_big;
	if (!q->scatter && frame > q->seg_room)
		return &xs->rx_no_scatter;
	return NULL;
}

/*
 * What the client says its Linux tun writes dropped, the ring full
 * (doc/wire.md, to_dpdk_full_drops): one load of its claim, counted in
 * rx_client_full as it moves.  Untrusted and reported as is: the pair's
 * counter is its earlier sessions' claims plus this one's, modulo 2^64
 * (a claim that goes back takes the counter back).  Rx lock held.
 */
void
bsdtun_rx_client_claim(struct bsdtun_qproc *pq, struct bsdtun_xstats *xs,
		       struct bsdtun_session *s)
{
	RTE_SET_USED(pq); /* the analysis checks its rx_lock is held */
	uint64_t c = rte_atomic_load_explicit(&s->hdr->to_dpdk_full_drops,
					      rte_memory_order_relaxed);

	if (unlikely(c != s->full_drops_seen)) {
		xs->rx_client_full += c - s->full_drops_seen;
		s->full_drops_seen = c;
	}
}

/*
 * For xstats: an app that does not poll still sees what its clients
 * dropped.  The sessions are the primary's; a secondary sees the counts
 * as its primary's last rx_burst or xstats call left them.  The app never
 * waits for a burst lock: a pair's rx_lock held means its holder (the
 * rx burst, or the control thread withdrawing the session) counts them.
 */
void
bsdtun_rx_client_drops(struct bsdtun_unit *u)
{
	uint32_t q;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY ||
	    bsdtun_proc(u) == NULL)
		return;
	for (q = 0; q < u->cfg.queues; q++) {
		struct bsdtun_qproc *pq = &bsdtun_proc(u)->q[q];

		struct bsdtun_session *s;

		if (!rte_spinlock_trylock(&pq->rx_lock))
			continue;
		s = bsdtun_sess_rx(pq);
		if (s != NULL)
			bsdtun_rx_client_claim(pq, &u->q[q].xs, s);
		rte_spinlock_unlock(&pq->rx_lock);
	}
}

/* Received packets into the pcapng file (a write). */
static void
rx_capture(const struct bsdtun_qproc *pq, struct bsdtun_unit *u, uint16_t qid,
	   struct rte_mbuf **bufs, uint16_t n) BSDTUN_UNLOCKED(pq)
{
	RTE_SET_USED(pq);
	bsdtun_capture(u, qid, bufs, n, 0);
}

/*
 * Drain up to nb (at most BSDTUN_BURST_MAX) records.  Every record
 * examined counts against that budget, the dropped ones too, so a client
 * that fills its ring with garbage costs one call at most nb records' work.
 * What the app did not configure is dropped and counted, as a NIC does: a
 * frame above the MTU plus the L2 header (rx_too_big), and without the
 * scatter offload a frame that does not fit one mbuf (rx_no_scatter).
 */
uint16_t
bsdtun_rx_burst(void *queue, struct rte_mbuf **bufs, uint16_t nb)
{
	struct bsdtun_rxq *q = queue;
	struct bsdtun_unit *u = q->unit;
	struct bsdtun_qproc *pq = &bsdtun_proc(u)->q[q->qid];
	struct bsdtun_xstats *xs = &q->qp->xs;
	struct bsdtun_session *s;
	struct rte_mbuf *mb[BSDTUN_BURST_MAX];
	struct rx_burst_ctx ctx;
	uint16_t n_alloc, used = 0, got = 0, examined;
	uint64_t bytes = 0;
	int tap = u->cfg.mode == BSDTUN_MODE_TAP;
	/* tun units on an Ethernet port: the PMD adds the header */
	int eth = !tap && u->cfg.framing == BSDTUN_FRAMING_ETH;
	uint32_t l2 = eth || tap ? RTE_ETHER_HDR_LEN : 0;
	uint32_t max_frame;
	int broke = 0, vnet;

	/* a stopped queue leaves the client's packets on its ring */
	if (unlikely(!rte_atomic_load_explicit(&q->started,
					       rte_memory_order_relaxed)) ||
	    !rte_spinlock_trylock(&pq->rx_lock))
		return 0;
	s = bsdtun_sess_rx(pq);
	if (s != NULL)
		bsdtun_rx_client_claim(pq, xs, s);
	if (s == NULL ||
	    rte_atomic_load_explicit(&s->broken, rte_memory_order_relaxed) ||
	    bsdtun_ring_cons_avail(&s->to_dpdk) == BSDTUN_RING_EMPTY) {
		rte_spinlock_unlock(&pq->rx_lock);
		return 0;
	}

	vnet = (rte_atomic_load_explicit(&q->qp->flags,
					 rte_memory_order_relaxed) &
		BSDTUN_UNIT_F_LINUX_VNET) != 0;
	n_alloc = nb < BSDTUN_BURST_MAX ? nb : BSDTUN_BURST_MAX;
	ctx = (struct rx_burst_ctx){ .u = u,
				     .s = s,
				     .mb = mb,
				     .used = &used,
				     .n_alloc = n_alloc,
				     .bufs = bufs,
				     .got = &got,
				     .bytes = &bytes,
				     .tap = tap,
				     .eth = eth };
	if (rte_pktmbuf_alloc_bulk(q->mp, mb, n_alloc) != 0) {
		rx_count_nombuf(u, pq, xs);
		rte_spinlock_unlock(&pq->rx_lock);
		return 0;
	}
	for (examined = 0; examined < n_alloc; examined++) {
		const uint8_t *p;
		struct rte_mbuf *m;
		uint32_t len, rlen;
		uint16_t fam, rfl;
		uint32_t ptype;
		uint64_t *drop = NULL;
		struct bsdtun_rec_vnet vh = { 0 };
		int err, has_vh = 0, sw_gso;

		p = bsdtun_ring_cons_peek_fl(&s->to_dpdk, &len, &fam, &rfl,
					     &err);
		if (p == NULL) {
			if (err == BSDTUN_RING_CORRUPT) {
				xs->rx_ring_corrupt++;
				broke = session_break(s);
			}
			break;
		}
		rlen = len; /* what the record takes on the ring */
		if (vnet && (rfl & BSDTUN_REC_F_VNET)) {
			/* one copy of the header: the client may change it */
			if (len < BSDTUN_REC_VNET) {
				drop = &xs->rx_vnet_bad;
			} else {
				memcpy(&vh, p, sizeof(vh));
				p += BSDTUN_REC_VNET;
				len -= BSDTUN_REC_VNET;
				has_vh = 1;
				drop = rx_vnet_check(xs, &vh, len);
			}
		}
		/*
		 * The MTU once the record is seen: a client whose TUNSIFINFO
		 * returned before it wrote gets its packet judged by the new
		 * MTU (the control thread stores it before it replies).
		 */
		max_frame = rte_atomic_load_explicit(&bsdtun_dev(u)->data->mtu,
						     rte_memory_order_acquire) +
			    l2;
		sw_gso = has_vh && vh.gso_type != BSDTUN_VNET_GSO_NONE &&
			 q->max_lro == 0;
		if (has_vh && vh.gso_type != BSDTUN_VNET_GSO_NONE && !sw_gso)
			max_frame = q->max_lro; /* a TCP super-packet */
		if (drop == NULL && !sw_gso)
			drop = rx_drop_reason(q, tap, len, fam,
					      tap ? len : len + l2, max_frame);
		if (drop == NULL && sw_gso) {
			ctx.max_frame = max_frame;
			int done =
				rx_gso_sw(q, pq, &ctx, &vh, p, len, fam, &drop);

			if (drop == NULL && !done)
				break; /* on at the next burst */
			if (drop == NULL) {
				bsdtun_ring_cons_release(&s->to_dpdk, rlen);
				continue;
			}
		}
		if (drop != NULL) {
			(*drop)++;
			q->errors++;
			bsdtun_ring_cons_release(&s->to_dpdk, rlen);
			continue;
		}
		rte_prefetch0(p);
		m = mb[used];
		if (eth) {
			struct rte_ether_hdr *eh =
				rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

			bsdtun_pseudo_eth(eh,
					  &bsdtun_dev(u)->data->mac_addrs[0],
					  &u->peer_mac, fam);
			m->data_len = sizeof(*eh);
			m->pkt_len = sizeof(*eh);
		}
		if (rx_fill(q->mp, m, p, len) < 0) {
			/* Leave the record for the next burst. */
			rte_pktmbuf_free(m);
			mb[used] = NULL;
			rx_count_nombuf(u, pq, xs);
			used++;
			break;
		}
		bsdtun_ring_cons_release(&s->to_dpdk, rlen);
		if (has_vh)
			rx_vnet_apply(q, m, &vh, eth ? RTE_ETHER_HDR_LEN : 0);
		if (tap) {
			m->packet_type = RTE_PTYPE_L2_ETHER;
		} else {
			ptype = fam == AF_INET ? RTE_PTYPE_L3_IPV4 :
						 RTE_PTYPE_L3_IPV6;
			m->packet_type =
				eth ? (ptype | RTE_PTYPE_L2_ETHER) : ptype;
		}
		m->port = q->port_id;
		bytes += m->pkt_len;
		bufs[got++] = m;
		used++;
	}
	bsdtun_ring_cons_publish(&s->to_dpdk);
	rte_spinlock_unlock(&pq->rx_lock);
	if (unlikely(broke))
		session_shutdown(pq, s);
	if (unlikely(bsdtun_proc(u)->pcap != NULL) && got > 0)
		rx_capture(pq, u, q->qid, bufs, got);
	if (used < n_alloc)
		rte_mempool_put_bulk(q->mp, (void **)&mb[used], n_alloc - used);
	q->packets += got;
	q->bytes += bytes;
	return got;
}

/* ---- tx: DPDK -> client ------------------------------------------------ */

/* Classify m: L3 offset and address family, or a drop counter. */
static uint64_t *
tx_classify(const struct bsdtun_unit *u, int tap, struct bsdtun_xstats *xs,
	    struct rte_mbuf *m, uint32_t *l3, int *family)
{
	uint8_t first;

	if (tap) {
		/* the whole frame goes to the client, whatever it carries */
		if (m->pkt_len < RTE_ETHER_HDR_LEN)
			return &xs->tx_runt;
		*l3 = 0;
		*family = 0;
		return NULL;
	}
	if (u->cfg.framing == BSDTUN_FRAMING_ETH) {
		struct rte_ether_hdr ehb;
		const struct rte_ether_hdr *eh;

		if (m->pkt_len <= sizeof(*eh))
			return &xs->tx_runt;
		eh = rte_pktmbuf_read(m, 0, sizeof(*eh), &ehb);
		switch (rte_be_to_cpu_16(eh->ether_type)) {
		case RTE_ETHER_TYPE_IPV4:
			*family = AF_INET;
			break;
		case RTE_ETHER_TYPE_IPV6:
			*family = AF_INET6;
			break;
		default:
			return &xs->tx_bad_ethertype;
		}
		*l3 = sizeof(*eh);
		return NULL;
	}
	if (m->pkt_len == 0)
		return &xs->tx_runt;
	first = *rte_pktmbuf_mtod(m, uint8_t *);
	switch (first >> 4) {
	case 4:
		*family = AF_INET;
		break;
	case 6:
		*family = AF_INET6;
		break;
	default:
		return &xs->tx_bad_ip_version;
	}
	*l3 = 0;
	return NULL;
}

/*
 * The framing header of the open holding the pair, decided once per burst
 * from its flags (they change only between bursts, at an ioctl).
 */
enum tx_hdr {
	TX_HDR_NONE,   /* the seed's neither, tap(4), Linux IFF_NO_PI */
	TX_HDR_IFHEAD, /* the address family, 4 bytes, network order */
	TX_HDR_LMODE,  /* struct sockaddr_in of the IPv4 destination */
	TX_HDR_PI,     /* Linux struct tun_pi: flags 0, the ethertype */
};

static enum tx_hdr
tx_hdr_kind(uint32_t flags, int tap)
{
	if (flags & BSDTUN_UNIT_F_LINUX)
		return flags & BSDTUN_UNIT_F_LINUX_PI ? TX_HDR_PI : TX_HDR_NONE;
	if (tap)
		return TX_HDR_NONE;
	if (flags & BSDTUN_UNIT_F_IFHEAD)
		return TX_HDR_IFHEAD;
	if (flags & BSDTUN_UNIT_F_LMODE)
		return TX_HDR_LMODE;
	return TX_HDR_NONE;
}

/* Framing header prepended at queue time (seed); returns its length. */
static uint32_t
tx_frame_hdr(enum tx_hdr kind, int tap, int family, struct rte_mbuf *m,
	     uint32_t l3, uint8_t *hdr)
{
	switch (kind) {
	case TX_HDR_NONE:
		return 0;
	case TX_HDR_IFHEAD: {
		uint32_t af = htonl((uint32_t)family);

		memcpy(hdr, &af, sizeof(af));
		return sizeof(af);
	}
	case TX_HDR_LMODE: {
		struct sockaddr_in sin;
		struct rte_ipv4_hdr ipb;
		const struct rte_ipv4_hdr *ip = NULL;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		if (m->pkt_len >= l3 + sizeof(ipb))
			ip = rte_pktmbuf_read(m, l3, sizeof(ipb), &ipb);
		if (ip != NULL)
			sin.sin_addr.s_addr = ip->dst_addr;
		memcpy(hdr, &sin, sizeof(sin));
		return sizeof(sin);
	}
	case TX_HDR_PI: {
		uint16_t pi[2] = { 0, 0 };
		struct rte_ether_hdr ehb;
		const struct rte_ether_hdr *eh;

		if (tap) {
			eh = rte_pktmbuf_read(m, 0, sizeof(*eh), &ehb);
			pi[1] = eh->ether_type; /* tx_classify: it is there */
		} else {
			pi[1] = bsdtun_ethertype(family);
		}
		memcpy(hdr, pi, sizeof(pi));
		return sizeof(pi);
	}
	}
	return 0;
}

static uint64_t *
tx_offload_plan(struct bsdtun_xstats *xs, const struct rte_mbuf *m, uint32_t l3,
		uint32_t plen, int csum_ok, uint32_t tso_ok, struct tx_ofl *o)
{
	uint64_t ol = m->ol_flags;
	uint64_t l4 = ol & RTE_MBUF_F_TX_L4_MASK;
	uint32_t hl;

	memset(o, 0, sizeof(*o));
	if (m->l2_len < l3)
		return &xs->tx_offload_bad;
	hl = m->l2_len - l3 + m->l3_len;
	if (ol & RTE_MBUF_F_TX_TCP_SEG) {
		/* DPDK's TSO: IPv4 or IPv6, TCP, the lengths given */
		o->v4 = (ol & RTE_MBUF_F_TX_IPV4) != 0;
		if (!o->v4 == !(ol & RTE_MBUF_F_TX_IPV6) || m->tso_segsz == 0 ||
		    m->l4_len < 20 || m->l3_len < (o->v4 ? 20u : 40u) ||
		    hl + m->l4_len > plen || plen > BSDTUN_GSO_MAX_PKT)
			return &xs->tx_offload_bad;
		o->ip_off = m->l2_len - l3;
		o->ip_len = m->l3_len;
		o->cs_start = hl;
		o->cs_off = 16;
		o->l4_len = m->l4_len;
		o->hdr = hl + m->l4_len;
		o->mss = m->tso_segsz;
		/* the client took TSO for this family: one record */
		o->tso = csum_ok && (tso_ok & (o->v4 ? BSDTUN_TUN_F_TSO4 :
						       BSDTUN_TUN_F_TSO6)) ?
				 1 :
				 2;
		if (o->tso == 2 && o->hdr + o->mss > BSDTUN_MRU)
			return &xs->tx_offload_bad;
		o->meta = o->tso == 1;
		o->ip = o->v4 && (ol & RTE_MBUF_F_TX_IP_CKSUM);
		o->proto = IPPROTO_TCP;
		return NULL;
	}
	if (plen > BSDTUN_MRU)
		return &xs->tx_too_big;
	o->ip_off = m->l2_len - l3;
	o->ip_len = m->l3_len;
	if (ol & RTE_MBUF_F_TX_IP_CKSUM) {
		if (m->l3_len < sizeof(struct rte_ipv4_hdr) || hl > plen)
			return &xs->tx_offload_bad;
		o->ip = 1;
	}
	if (l4 == RTE_MBUF_F_TX_TCP_CKSUM || l4 == RTE_MBUF_F_TX_UDP_CKSUM) {
		uint8_t vb;
		const uint8_t *v = rte_pktmbuf_read(m, m->l2_len, 1, &vb);

		o->cs_start = hl;
		o->cs_off = l4 == RTE_MBUF_F_TX_TCP_CKSUM ? 16 : 6;
		o->proto = l4 == RTE_MBUF_F_TX_TCP_CKSUM ? IPPROTO_TCP :
							   IPPROTO_UDP;
		/* the pseudo-header: the IP header's own version */
		o->v4 = v != NULL && *v >> 4 == 4;
		if (v == NULL || (*v >> 4 != 4 && *v >> 4 != 6) ||
		    m->l3_len < (o->v4 ? 20u : 40u) ||
		    o->cs_start + o->cs_off + 2 > plen)
			return &xs->tx_offload_bad;
		o->l4 = 1;
		o->meta = csum_ok;
	}
	return NULL;
}

/*
 * A TSO packet the client did not take as one: its segments, one record
 * each (fh, hlen: the open's framing header first), all or none.
 * Returns the records written, 0 when the ring has no room for them,
 * -1 when the ring is corrupt.
 */
static int
tx_tso_sw(struct bsdtun_ring *r, struct rte_mbuf *m, uint32_t l3, uint32_t plen,
	  const uint8_t *fh, uint32_t hlen, const struct tx_ofl *o)
{
	uint32_t pay = plen - o->hdr, k, i, off = 0;
	int corrupt = 0, room;

	k = pay == 0 ? 1 : (pay + o->mss - 1) / o->mss;
	room = bsdtun_ring_prod_room(r, k, hlen + o->hdr + o->mss);
	if (room <= 0)
		return room < 0 ? -1 : 0;
	for (i = 0; i < k; i++) {
		uint32_t n = RTE_MIN(pay - off, o->mss);
		uint8_t *dst = bsdtun_ring_prod_reserve(r, hlen + o->hdr + n,
							&corrupt);
		const uint8_t *src;
		uint8_t *p;

		if (dst == NULL) /* an early wrap took the room: cut */
			return corrupt ? -1 : (int)i;
		memcpy(dst, fh, hlen);
		p = dst + hlen;
		src = rte_pktmbuf_read(m, l3, o->hdr, p);
		if (src != p)
			rte_memcpy(p, src, o->hdr);
		if (n > 0) {
			src = rte_pktmbuf_read(m, l3 + o->hdr + off, n,
					       p + o->hdr);
			if (src != p + o->hdr)
				rte_memcpy(p + o->hdr, src, n);
		}
		tso_fix(o, p, i, k, n);
		bsdtun_ring_prod_commit(r, hlen + o->hdr + n, 0);
		off += n;
	}
	return (int)k;
}

/* Do in the record's packet what the client is not left to do. */
static void
tx_offload_do(const struct tx_ofl *o, uint8_t *pkt, uint32_t plen)
{
	uint8_t *f = pkt + o->cs_start + o->cs_off;
	uint32_t sum;
	uint16_t c;

	if (o->ip) {
		memset(pkt + o->ip_off + 10, 0, 2);
		c = (uint16_t)~rte_raw_cksum(pkt + o->ip_off, o->ip_len);
		memcpy(pkt + o->ip_off + 10, &c, 2);
	}
	if (!o->l4 && o->tso != 1)
		return;
	/*
	 * From the packet's own headers, whatever the app left in the
	 * field (rte_eth_tx_prepare() or not): for the client to finish,
	 * the pseudo-header's sum with the L4 length, as Linux's stack
	 * leaves it (DPDK's TSO leaves the length out: DPDK's virtio PMD
	 * adds it); else the whole checksum.
	 */
	sum = pseudo_sum(pkt + o->ip_off, o->v4, o->proto, plen - o->cs_start);
	if (o->meta) {
		c = __rte_raw_cksum_reduce(sum);
	} else {
		memset(f, 0, 2);
		sum = __rte_raw_cksum(pkt + o->cs_start, plen - o->cs_start,
				      sum);
		c = csum_finish(__rte_raw_cksum_reduce(sum));
	}
	memcpy(f, &c, 2);
}

/*
 * Would a SIGIO for the client's bell reach this process?  The client
 * sets the owner on its own end of the bell (F_SETOWN, O_ASYNC) and the
 * kernel signals with the client's credentials (its CANSIGIO rule), so it
 * cannot reach anything the client could not signal itself.  One client
 * that may signal us anyway (root, or our own user) must still not make
 * this process kill itself: never ring for an owner that is this
 * process, any of its threads, or its process group.
 */
static int
bell_owner_is_us(const struct bsdtun_session *s)
{
	struct f_owner_ex o;

	if (fcntl(s->bell_client_fd, F_GETOWN_EX, &o) < 0)
		return 1;
	if (o.pid == 0)
		return 0;
	if (o.type == F_OWNER_PGRP)
		return o.pid == getpgrp();
	/* a pid or a thread id: one of ours iff tgkill finds it here */
	return o.pid == getpid() ||
	       syscall(SYS_tgkill, getpid(), o.pid, 0) == 0;
}

/*
 * Ring the client's bell: it was armed (a sleeping client), or FIOASYNC
 * is on, where every burst that queued packets rings so that the kernel
 * sends SIGIO to the owner the client set.  The client may set O_ASYNC on
 * its end without asking us, so the owner is checked whenever it is set.
 * Called by tx_burst after it dropped the tx lock (the session taken:
 * unlocked_users) and by the control thread for a RING message (ctrl.lock
 * held, not the tx lock).
 */
void
bsdtun_bell_ring(struct bsdtun_queue *qp, struct bsdtun_session *s, int async)
{
	/* async 2: the answer to a RING message */
	const uint8_t bell = async == 2 ? BSDTUN_BELL_REPLY : BSDTUN_BELL_BYTE;
	int fl = fcntl(s->bell_client_fd, F_GETFL);

	if ((fl < 0 || (fl & O_ASYNC)) && bell_owner_is_us(s)) {
		rte_atomic_fetch_add_explicit(&qp->xs.async_refused, 1,
					      rte_memory_order_relaxed);
		return;
	}
	if (send(s->bell_fd, &bell, 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
	    errno == EAGAIN) {
		/*
		 * The bell is full: a FIOASYNC client reads the ring, not
		 * the bell.  The datagrams are only tokens; take some back
		 * through our handle on the client's end so that this ring,
		 * and its SIGIO, still happens.
		 */
		uint8_t b[64];
		int i;

		for (i = 0; i < 64 && recv(s->bell_client_fd, b, sizeof(b),
					   MSG_DONTWAIT) > 0;
		     i++)
			;
		(void)send(s->bell_fd, &bell, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	/* two threads ring (tx_burst, and the control thread for RING) */
	rte_atomic_fetch_add_explicit(async == 1 ? &qp->xs.async_bells :
						   &qp->xs.bells,
				      1, rte_memory_order_relaxed);
}

/* Delivered packets: capture, then free in bulk. */
static void
tx_free(const struct bsdtun_qproc *pq, struct bsdtun_unit *u, uint16_t qid,
	struct rte_mbuf **m, uint16_t n) BSDTUN_UNLOCKED(pq)
{
	RTE_SET_USED(pq);
	if (unlikely(bsdtun_proc(u)->pcap != NULL) && n > 0)
		bsdtun_capture(u, qid, m, n, 1);
	rte_pktmbuf_free_bulk(m, n);
}

/* tx_chunk took s to ring its bell: ring, give s back. */
static void
tx_bell(const struct bsdtun_qproc *pq, struct bsdtun_queue *qp,
	struct bsdtun_session *s, int async) BSDTUN_UNLOCKED(pq)
{
	RTE_SET_USED(pq);
	bsdtun_bell_ring(qp, s, async);
	rte_atomic_fetch_sub_explicit(&s->unlocked_users, 1,
				      rte_memory_order_release);
}

/*
 * At most BSDTUN_BURST_MAX packets under the tx lock; the delivered ones
 * are captured and freed, and the bell rung, after it is dropped.  The
 * session stays alive for the bell: it is taken (unlocked_users) under
 * the lock, and the control thread, having unpublished the session under
 * the same lock, frees it only once unlocked_users is 0.
 */
static uint16_t
tx_chunk(void *queue, struct rte_mbuf **bufs, uint16_t nb)
{
	struct bsdtun_txq *q = queue;
	struct bsdtun_unit *u = q->unit;
	struct bsdtun_queue *qp = q->qp;
	struct bsdtun_qproc *pq = &bsdtun_proc(u)->q[q->qid];
	struct bsdtun_xstats *xs = &qp->xs;
	struct bsdtun_session *s;
	struct rte_mbuf *done[BSDTUN_BURST_MAX];
	uint64_t bytes = 0, sent = 0, dropped = 0;
	uint32_t flags;
	uint16_t i, nd = 0;
	int ring = 0, async = 0, v6, csum_ok;
	uint32_t tso_ok;
	int tap = u->cfg.mode == BSDTUN_MODE_TAP;
	enum tx_hdr kind;
	int broke = 0;

	if (!rte_spinlock_trylock(&pq->tx_lock))
		return 0; /* session changing hands: retry later */
	s = bsdtun_sess_tx(pq);
	if (s == NULL ||
	    rte_atomic_load_explicit(&s->broken, rte_memory_order_relaxed)) {
		rte_spinlock_unlock(&pq->tx_lock);
		rte_pktmbuf_free_bulk(bufs, nb);
		xs->tx_no_client += nb;
		q->errors += nb;
		return nb;
	}
	flags = rte_atomic_load_explicit(&qp->flags, rte_memory_order_relaxed);
	if (unlikely(flags & BSDTUN_UNIT_F_DETACHED)) {
		/* Linux TUNSETQUEUE detached it: no queue to take them */
		rte_spinlock_unlock(&pq->tx_lock);
		rte_pktmbuf_free_bulk(bufs, nb);
		xs->tx_detached += nb;
		q->errors += nb;
		return nb;
	}
	kind = tx_hdr_kind(flags, tap);
	/* an IFF_VNET_HDR open that took TUN_F_CSUM finishes checksums */
	tso_ok = rte_atomic_load_explicit(&qp->offload,
					  rte_memory_order_relaxed);
	csum_ok = (flags & BSDTUN_UNIT_F_LINUX_VNET) &&
		  (tso_ok & BSDTUN_TUN_F_CSUM);
	/* the seed's tun without IFHEAD carries IPv4 only */
	v6 = tap || (flags & (BSDTUN_UNIT_F_IFHEAD | BSDTUN_UNIT_F_LINUX));
	for (i = 0; i < nb; i++) {
		struct rte_mbuf *m = bufs[i];
		uint8_t hdr[BSDTUN_MAX_FRAME_HDR];
		uint64_t *drop;
		uint32_t l3 = 0, plen, hlen, meta;
		struct tx_ofl ofl = { 0 };
		int family = 0, corrupt = 0;
		uint8_t *dst;
		const uint8_t *src;

		if (i + 1 < nb)
			rte_prefetch0(rte_pktmbuf_mtod(bufs[i + 1], void *));
		drop = tx_classify(u, tap, xs, m, &l3, &family);
		if (drop == NULL && family == AF_INET6 && !v6)
			drop = &xs->tx_af_unsupported;
		plen = m->pkt_len - l3;
		if (drop == NULL && (m->ol_flags & (RTE_MBUF_F_TX_L4_MASK |
						    RTE_MBUF_F_TX_IP_CKSUM |
						    RTE_MBUF_F_TX_TCP_SEG)))
			drop = tx_offload_plan(xs, m, l3, plen, csum_ok, tso_ok,
					       &ofl);
		else if (drop == NULL && plen > BSDTUN_MRU)
			drop = &xs->tx_too_big;
		if (drop != NULL) {
			(*drop)++;
			dropped++;
			rte_pktmbuf_free(m);
			continue;
		}
		hlen = tx_frame_hdr(kind, tap, family, m, l3, hdr);
		meta = ofl.meta ? BSDTUN_REC_VNET : 0;
		if (ofl.tso == 2) {
			/* segments, written here (dst only says so) */
			int k = tx_tso_sw(&s->to_client, m, l3, plen, hdr, hlen,
					  &ofl);

			corrupt = k < 0;
			dst = k > 0 ? hdr : NULL;
			xs->tx_tso_cut += k > 0;
		} else {
			dst = bsdtun_ring_prod_reserve(
				&s->to_client, meta + hlen + plen, &corrupt);
		}
		if (dst == NULL) {
			if (corrupt) {
				xs->tx_ring_corrupt++;
				broke = session_break(s);
				/* The rest is undeliverable: count and free,
				 * under the counter later bursts use (the
				 * session is gone), not only in oerrors. */
				rte_pktmbuf_free_bulk(&bufs[i], nb - i);
				xs->tx_no_client += nb - i;
				dropped += nb - i;
				i = nb;
			} else {
				xs->tx_ring_full++;
			}
			break;
		}
		if (ofl.tso == 2)
			goto queued;
		if (meta) {
			struct bsdtun_rec_vnet vh = {
				.flags = BSDTUN_VNET_F_NEEDS_CSUM,
				.csum_start = (uint16_t)ofl.cs_start,
				.csum_offset = (uint16_t)ofl.cs_off,
			};

			if (ofl.tso == 1 && plen - ofl.hdr > ofl.mss) {
				vh.gso_type = ofl.v4 ? BSDTUN_VNET_GSO_TCPV4 :
						       BSDTUN_VNET_GSO_TCPV6;
				vh.gso_size = (uint16_t)ofl.mss;
				vh.hdr_len = (uint16_t)ofl.hdr;
			}
			memcpy(dst, &vh, sizeof(vh));
			dst += meta;
		}
		memcpy(dst, hdr, hlen);
		src = rte_pktmbuf_read(m, l3, plen, dst + hlen);
		if (src != dst + hlen)
			rte_memcpy(dst + hlen, src, plen);
		if (ofl.ip || ofl.l4 || ofl.tso)
			tx_offload_do(&ofl, dst + hlen, plen);
		bsdtun_ring_prod_commit_fl(&s->to_client, meta + hlen + plen, 0,
					   meta ? BSDTUN_REC_F_VNET : 0);
	queued:
		bytes += m->pkt_len;
		sent++;
		done[nd++] = m; /* nb <= RTE_DIM(done) */
	}
	/* Count before the client can see the packets. */
	q->packets += sent;
	q->bytes += bytes;
	q->errors += dropped;
	bsdtun_ring_prod_publish(&s->to_client);
	if (sent > 0) {
		async = rte_atomic_load_explicit(&qp->async,
						 rte_memory_order_relaxed);
		ring = async || bsdtun_ring_prod_bell_due(&s->to_client);
	}
	if (ring)
		rte_atomic_fetch_add_explicit(&s->unlocked_users, 1,
					      rte_memory_order_relaxed);
	rte_spinlock_unlock(&pq->tx_lock);
	if (ring)
		tx_bell(pq, qp, s, async);
	if (unlikely(broke))
		session_shutdown(pq, s);
	tx_free(pq, u, q->qid, done, nd);
	return i;
}

uint16_t
bsdtun_tx_burst(void *queue, struct rte_mbuf **bufs, uint16_t nb)
{
	uint16_t took = 0;

	/* a stopped queue takes nothing: the app keeps its packets */
	if (unlikely(!rte_atomic_load_explicit(
		    &((struct bsdtun_txq *)queue)->started,
		    rte_memory_order_relaxed)))
		return 0;
	while (took < nb) {
		uint16_t n = RTE_MIN(nb - took, (uint16_t)BSDTUN_BURST_MAX);
		uint16_t k = tx_chunk(queue, bufs + took, n);

		took += k;
		if (k < n)
			break; /* ring full, or the session is changing */
	}
	return took;
}

/* Bursts of a secondary process: the rings are mapped in the primary only. */
uint16_t
bsdtun_burst_none(void *queue __rte_unused, struct rte_mbuf **bufs __rte_unused,
		  uint16_t nb __rte_unused)
{
	return 0;
}
