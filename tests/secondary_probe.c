/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * secondary_probe: a DPDK secondary process (tests/test_secondary.py) that
 * attaches to a running primary's net_bsdtun port and calls, once each,
 * what a secondary may do with it and what it may not:
 *
 *	secondary_probe EAL-ARGS --proc-type=secondary -- PORT-NAME
 *
 * One line per call, "NAME RET [VALUES]": first what reads shared data
 * (info, mtu, link, stats, xstats: "xstat NAME VALUE" lines, then "xstats
 * COUNT"), then every control call on the port, then one rx and one tx
 * burst ("rx_burst N", "tx_burst N"), the reads once more, and last
 * rte_eth_dev_close ("close RET").  "done" ends a run that got that far;
 * the exit status is 0 unless EAL or the port could not be found.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

static uint16_t port;

static void
reads(void)
{
	struct rte_eth_dev_info info;
	struct rte_eth_stats st;
	struct rte_eth_link link;
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *xs;
	uint16_t mtu = 0;
	int ret, n, i;

	memset(&info, 0, sizeof(info));
	ret = rte_eth_dev_info_get(port, &info);
	printf("info %d %u %u %s\n", ret, info.max_rx_queues, info.max_mtu,
	       info.driver_name != NULL ? info.driver_name : "-");
	ret = rte_eth_dev_get_mtu(port, &mtu);
	printf("mtu %d %u\n", ret, mtu);
	memset(&link, 0, sizeof(link));
	ret = rte_eth_link_get_nowait(port, &link);
	printf("link %d %s\n", ret, link.link_status ? "up" : "down");
	memset(&st, 0, sizeof(st));
	ret = rte_eth_stats_get(port, &st);
	printf("stats %d %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
	       " %" PRIu64 " %" PRIu64 "\n",
	       ret, st.ipackets, st.opackets, st.ibytes, st.obytes, st.ierrors,
	       st.oerrors);
	n = rte_eth_xstats_get_names(port, NULL, 0);
	if (n <= 0) {
		printf("xstats %d\n", n);
		return;
	}
	names = calloc(n, sizeof(*names));
	xs = calloc(n, sizeof(*xs));
	if (names == NULL || xs == NULL ||
	    rte_eth_xstats_get_names(port, names, n) != n ||
	    rte_eth_xstats_get(port, xs, n) != n) {
		printf("xstats -1\n");
	} else {
		for (i = 0; i < n; i++)
			printf("xstat %s %" PRIu64 "\n", names[xs[i].id].name,
			       xs[i].value);
		printf("xstats %d\n", n);
	}
	free(names);
	free(xs);
}

int
main(int argc, char **argv)
{
	struct rte_eth_conf conf;
	struct rte_eth_rxconf rxconf;
	struct rte_eth_txconf txconf;
	struct rte_ether_addr mac = { .addr_bytes = { 0x02, 0x11, 0x22, 0x33,
		                                      0x44, 0x55 } };
	struct rte_mempool *mp;
	struct rte_mbuf *pkts[4];
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	argc -= ret;
	argv += ret;
	if (rte_eal_process_type() != RTE_PROC_SECONDARY || argc < 2 ||
	    rte_eth_dev_get_port_by_name(argv[1], &port) != 0) {
		fprintf(stderr, "not a secondary, or no port %s\n",
		        argc < 2 ? "(none named)" : argv[1]);
		return 2;
	}
	printf("port %u\n", port);
	setvbuf(stdout, NULL, _IOLBF, 0);
	reads();

	memset(&conf, 0, sizeof(conf));
	memset(&rxconf, 0, sizeof(rxconf));
	memset(&txconf, 0, sizeof(txconf));
	mp = rte_pktmbuf_pool_create("secondary_probe", 63, 0, 0,
	                             RTE_MBUF_DEFAULT_BUF_SIZE,
	                             rte_socket_id());
	printf("pool %d\n", mp != NULL ? 0 : -rte_errno);
	printf("configure %d\n", rte_eth_dev_configure(port, 1, 1, &conf));
	if (mp != NULL)
		printf("rx_queue_setup %d\n",
		       rte_eth_rx_queue_setup(port, 0, 256, rte_socket_id(),
		                              &rxconf, mp));
	printf("tx_queue_setup %d\n",
	       rte_eth_tx_queue_setup(port, 0, 256, rte_socket_id(), &txconf));
	printf("start %d\n", rte_eth_dev_start(port));
	printf("stop %d\n", rte_eth_dev_stop(port));
	printf("set_mtu %d\n", rte_eth_dev_set_mtu(port, 9000));
	printf("set_link_up %d\n", rte_eth_dev_set_link_up(port));
	printf("set_link_down %d\n", rte_eth_dev_set_link_down(port));
	printf("promiscuous_enable %d\n", rte_eth_promiscuous_enable(port));
	printf("promiscuous_disable %d\n", rte_eth_promiscuous_disable(port));
	printf("allmulticast_disable %d\n", rte_eth_allmulticast_disable(port));
	printf("mac_set %d\n", rte_eth_dev_default_mac_addr_set(port, &mac));
	printf("rx_queue_stop %d\n", rte_eth_dev_rx_queue_stop(port, 0));
	printf("rx_queue_start %d\n", rte_eth_dev_rx_queue_start(port, 0));
	printf("tx_queue_stop %d\n", rte_eth_dev_tx_queue_stop(port, 0));
	printf("tx_queue_start %d\n", rte_eth_dev_tx_queue_start(port, 0));
	printf("rx_intr_enable %d\n", rte_eth_dev_rx_intr_enable(port, 0));
	printf("rx_intr_disable %d\n", rte_eth_dev_rx_intr_disable(port, 0));

	printf("rx_burst %u\n", rte_eth_rx_burst(port, 0, pkts, 4));
	if (mp != NULL && rte_pktmbuf_alloc_bulk(mp, pkts, 4) == 0) {
		uint16_t i, sent;

		for (i = 0; i < 4; i++)
			memset(rte_pktmbuf_append(pkts[i], 60), 0x45, 60);
		sent = rte_eth_tx_burst(port, 0, pkts, 4);
		printf("tx_burst %u\n", sent);
		rte_pktmbuf_free_bulk(pkts + sent, 4 - sent);
	}
	reads();
	printf("close %d\n", rte_eth_dev_close(port));
	printf("done\n");
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return 0;
}
