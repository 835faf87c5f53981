/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rx_once: a DPDK primary process with one port (port 0, from --vdev) that
 * calls rte_eth_rx_burst() only when told to, so that a test sees exactly
 * what one call does.  tests/test_rx_contract.py drives it.
 *
 *	rx_once EAL-ARGS -- [--mtu N] [--scatter] [--mbuf-size N]
 *
 * Commands on stdin, one per line:
 *	burst N   one rte_eth_rx_burst(0, 0, pkts, N); prints "got K", then
 *	          "pkt LEN SEGS" per packet received (freed at once), then
 *	          "xstat NAME VALUE" for every extended statistic, then "end"
 *	quit      stop and close the port, exit 0
 * It prints "ready" once the port is started.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define MAX_BURST 512
#define NB_MBUFS  4095

static int
die(const char *what, int err)
{
	fprintf(stderr, "rx_once: %s: %s\n", what,
	        strerror(err < 0 ? -err : err));
	exit(1);
}

static void
print_xstats(uint16_t port)
{
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *xs;
	int n = rte_eth_xstats_get_names(port, NULL, 0);
	int i;

	if (n <= 0)
		die("xstats_get_names", n);
	names = calloc(n, sizeof(*names));
	xs = calloc(n, sizeof(*xs));
	if (names == NULL || xs == NULL)
		die("calloc", ENOMEM);
	if (rte_eth_xstats_get_names(port, names, n) != n ||
	    rte_eth_xstats_get(port, xs, n) != n)
		die("xstats_get", EIO);
	for (i = 0; i < n; i++)
		printf("xstat %s %" PRIu64 "\n", names[xs[i].id].name,
		       xs[i].value);
	free(names);
	free(xs);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mtu", required_argument, NULL, 'm' },
		{ "scatter", no_argument, NULL, 's' },
		{ "mbuf-size", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct rte_eth_conf conf = { 0 };
	struct rte_mbuf *pkts[MAX_BURST];
	struct rte_mempool *mp;
	unsigned int mtu = 1500, mbuf_size = RTE_MBUF_DEFAULT_BUF_SIZE;
	char line[128];
	int ret, c;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		die("rte_eal_init", rte_errno);
	argc -= ret;
	argv += ret;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'm')
			mtu = (unsigned int)strtoul(optarg, NULL, 10);
		else if (c == 's')
			conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
		else if (c == 'b')
			mbuf_size = (unsigned int)strtoul(optarg, NULL, 10);
		else
			die("usage: rx_once EAL-ARGS -- [--mtu N] [--scatter] [--mbuf-size N]",
			    EINVAL);
	}
	if (rte_eth_dev_count_avail() < 1)
		die("no port", ENODEV);
	mp = rte_pktmbuf_pool_create("rx_once", NB_MBUFS, 0, 0, mbuf_size,
	                             rte_socket_id());
	if (mp == NULL)
		die("mempool", rte_errno);
	conf.rxmode.mtu = mtu;
	ret = rte_eth_dev_configure(0, 1, 1, &conf);
	if (ret < 0)
		die("configure", ret);
	ret = rte_eth_rx_queue_setup(0, 0, 1024, rte_socket_id(), NULL, mp);
	if (ret < 0)
		die("rx_queue_setup", ret);
	ret = rte_eth_tx_queue_setup(0, 0, 1024, rte_socket_id(), NULL);
	if (ret < 0)
		die("tx_queue_setup", ret);
	ret = rte_eth_dev_start(0);
	if (ret < 0)
		die("start", ret);
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		unsigned int n;
		uint16_t got, i;

		if (sscanf(line, "burst %u", &n) == 1 && n <= MAX_BURST) {
			got = rte_eth_rx_burst(0, 0, pkts, (uint16_t)n);
			printf("got %u\n", got);
			for (i = 0; i < got; i++) {
				printf("pkt %u %u\n", pkts[i]->pkt_len,
				       pkts[i]->nb_segs);
				rte_pktmbuf_free(pkts[i]);
			}
			print_xstats(0);
			printf("end\n");
		} else if (strncmp(line, "quit", 4) == 0) {
			break;
		} else {
			printf("error: %s", line);
		}
		fflush(stdout);
	}
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	rte_eal_cleanup();
	return 0;
}
