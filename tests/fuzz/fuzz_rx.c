/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the PMD's rx_burst record walk, drivers/net/bsdtun/
 * bsdtun_rxtx.c compiled in whole and run with a real DPDK mempool (EAL
 * started once, without hugepages), over a to_dpdk ring whose data area
 * and producer position the fuzzer writes.
 *
 * Checked on every call besides ASan/UBSan: one call examines (delivers
 * or drops) at most min(nb, BSDTUN_BURST_MAX) records; every mbuf handed
 * out is within the port's MTU plus the L2 header, a single segment unless
 * the queue has scatter, with pkt_len equal to the sum of its segments;
 * nothing is delivered while the ring is corrupt; after the mbufs are
 * freed the mempool is full again (no leak).
 *
 * Input: byte 0 flags (bit 0 framing=ip, bit 1 scatter, bit 2 a small
 * 256-byte mbuf pool instead of 2 KiB), bytes 1-2 MTU (72..16384),
 * bytes 3-6 the producer's head, byte 7 head_pkts, then the data area's
 * first bytes; the rest of the data area is zero.  Then rx_burst runs with
 * nb = 1, 32, 64 and 255 until it stops moving.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "bsdtun_rxtx.c"

#define CHECK(c)                          \
	do {                              \
		if (!(c))                 \
			__builtin_trap(); \
	} while (0)

#define RING_BYTES (64u * 1024)
#define QLEN       256u
#define NB_MBUFS   2047u

/* What bsdtun_rxtx.c needs from the rest of the PMD. */
int bsdtun_logtype;

void
bsdtun_capture(struct bsdtun_unit *u, uint16_t qid, struct rte_mbuf **pkts,
               uint16_t n, int out)
{
	(void)u;
	(void)qid;
	(void)pkts;
	(void)n;
	(void)out;
}

static struct rte_mempool *pool_big, *pool_small;
static struct bsdtun_ring_ctl ring_ctl __rte_cache_aligned;
static uint8_t *ring_data;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { "fuzz_rx", "--no-huge",   "--no-pci",      "-m",
		        "256",     "--no-shconf", "--log-level=1", NULL };

	(void)argc;
	(void)argv;
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "fuzz_rx: rte_eal_init failed\n");
		exit(1);
	}
	pool_big = rte_pktmbuf_pool_create("fuzz_big", NB_MBUFS, 0, 0,
	                                   RTE_MBUF_DEFAULT_BUF_SIZE,
	                                   SOCKET_ID_ANY);
	pool_small = rte_pktmbuf_pool_create("fuzz_small", NB_MBUFS, 0, 0,
	                                     RTE_PKTMBUF_HEADROOM + 256,
	                                     SOCKET_ID_ANY);
	ring_data = aligned_alloc(64, RING_BYTES);
	if (pool_big == NULL || pool_small == NULL || ring_data == NULL) {
		fprintf(stderr, "fuzz_rx: no memory\n");
		exit(1);
	}
	return 0;
}

static uint64_t
take(const uint8_t **p, size_t *n, unsigned int bytes)
{
	uint64_t v = 0;

	while (bytes-- > 0 && *n > 0) {
		v = v << 8 | **p;
		(*p)++;
		(*n)--;
	}
	return v;
}

static uint64_t
drops(const struct bsdtun_xstats *xs)
{
	return xs->rx_runt + xs->rx_bad_family + xs->rx_too_big +
	       xs->rx_no_scatter;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t nbs[] = { 1, 32, 64, 255 };
	static struct rte_eth_dev_data dev_data;
	static struct rte_ether_addr mac;
	struct rte_mbuf *bufs[256];
	struct bsdtun_session sess;
	struct bsdtun_unit *u;
	static struct bsdtun_region_hdr region_hdr;
	struct bsdtun_proc *proc;
	struct bsdtun_rxq *q;
	struct rte_mempool *mp;
	unsigned int flags, round;
	uint32_t l2;
	size_t n;

	flags = (unsigned int)take(&data, &size, 1);
	mp = flags & 4 ? pool_small : pool_big;
	u = calloc(1, sizeof(*u));
	CHECK(u != NULL);
	proc = calloc(1, sizeof(*proc));
	CHECK(proc != NULL);
	u->port_id = 0; /* rte_eth_devices[0]: this process's port 0 */
	rte_eth_devices[0].process_private = proc;
	memset(&dev_data, 0, sizeof(dev_data));
	dev_data.mtu =
	        72 + (uint16_t)(take(&data, &size, 2) % (16384 - 72 + 1));
	dev_data.mac_addrs = &mac;
	rte_eth_devices[0].data = &dev_data;
	u->cfg.framing = flags & 1 ? BSDTUN_FRAMING_IP : BSDTUN_FRAMING_ETH;
	l2 = flags & 1 ? 0 : RTE_ETHER_HDR_LEN;
	u->cfg.queues = 1;
	rte_spinlock_init(&proc->q[0].rx_lock);
	q = &u->q[0].rxq;
	q->unit = u;
	q->qp = &u->q[0];
	q->qid = 0;
	q->started = 1;
	q->mp = mp;
	q->seg_room = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
	q->scatter = (flags & 2) != 0;

	memset(&sess, 0, sizeof(sess));
	memset(&region_hdr, 0, sizeof(region_hdr));
	sess.hdr = &region_hdr; /* the client's claims: none */
	sess.ctl_fd = -1;
	memset(&ring_ctl, 0, sizeof(ring_ctl));
	memset(ring_data, 0, RING_BYTES);
	bsdtun_ring_init(&sess.to_dpdk, &ring_ctl, ring_data, RING_BYTES, QLEN);
	ring_ctl.head = take(&data, &size, 4);
	ring_ctl.head_pkts = take(&data, &size, 1);
	n = size < RING_BYTES ? size : RING_BYTES;
	memcpy(ring_data, data, n);
	proc->q[0].sess = &sess;

	for (round = 0; round < 64; round++) {
		uint16_t nb = nbs[round % RTE_DIM(nbs)];
		uint16_t max = nb < BSDTUN_BURST_MAX ? nb : BSDTUN_BURST_MAX;
		uint64_t before = drops(&u->q[0].xs);
		uint64_t pos = sess.to_dpdk.pos;
		int was_broken = sess.broken;
		uint16_t got, i;

		got = bsdtun_rx_burst(q, bufs, nb);
		CHECK(got <= max);
		CHECK(got + (drops(&u->q[0].xs) - before) <= max);
		CHECK(!was_broken || got == 0);
		for (i = 0; i < got; i++) {
			struct rte_mbuf *m = bufs[i], *seg;
			uint32_t sum = 0;

			CHECK(m->pkt_len <= dev_data.mtu + l2);
			CHECK(q->scatter || m->nb_segs == 1);
			for (seg = m; seg != NULL; seg = seg->next)
				sum += seg->data_len;
			CHECK(sum == m->pkt_len);
			rte_pktmbuf_free(m);
		}
		if (sess.broken || (got == 0 && pos == sess.to_dpdk.pos))
			break;
	}
	CHECK(rte_mempool_avail_count(mp) == NB_MBUFS);
	rte_eth_devices[0].process_private = NULL;
	rte_eth_devices[0].data = NULL;
	free(proc);
	free(u);
	return 0;
}
