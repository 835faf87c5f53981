/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * intrfwd: an interrupt-driven forwarder, the pattern of DPDK's
 * l3fwd-power: poll while packets come, and after --idle empty rounds arm
 * every rx queue's interrupt and sleep in rte_epoll_wait() until a packet
 * (or a signal) wakes it.
 *
 *	intrfwd EAL-ARGS -- [--idle N] [--queues Q] [--quiet]
 *
 * With two ports it forwards port 0 <-> port 1, rx queue i to tx queue i;
 * with one port, the port to itself.  One lcore (the main one) does all.
 * Unless --quiet, it prints "sleep N" before its N-th sleep and "wake N"
 * after it; the tests wait for these.  It prints "ready" once its signal
 * handlers are in place.  SIGINT/SIGTERM end it, whenever they come (an
 * eventfd in the sleep's epoll set wakes it, whichever thread took the
 * signal): it prints "intrfwd: forwarded N dropped N sleeps N" and
 * "xstat PORT NAME VALUE" for every xstat of every port, then exits 0.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_mbuf.h>

#define BURST      32
#define MAX_QUEUES 16
#define NB_MBUFS   8191
#define TX_TRIES   1000 /* then the rest of a burst is dropped */

static volatile sig_atomic_t quit;
static int quit_fd = -1; /* readable once quit is set */
static uint16_t nb_ports, nb_queues = 1;

/*
 * A signal may come between the loop's test of quit and the sleep, or be
 * taken by one of EAL's threads: the eventfd, in the sleeping thread's
 * epoll set, stays readable, so the sleep ends at once either way.
 */
static void
on_signal(int sig)
{
	uint64_t one = 1;
	int err = errno;

	(void)sig;
	quit = 1;
	if (write(quit_fd, &one, sizeof(one)) < 0) {
		/* the counter is already non-zero: readable anyway */
	}
	errno = err;
}

static void
die(const char *what, int err)
{
	fprintf(stderr, "intrfwd: %s: %s\n", what, strerror(err));
	exit(1);
}

/* SIGINT and SIGTERM end the loop; the sleep waits on quit_fd too. */
static void
quit_setup(void)
{
	static struct rte_epoll_event quit_ev;
	struct sigaction sa;
	int ret;

	quit_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (quit_fd < 0)
		die("eventfd", errno);
	quit_ev.epdata.event = EPOLLIN;
	ret = rte_epoll_ctl(RTE_EPOLL_PER_THREAD, EPOLL_CTL_ADD, quit_fd,
	                    &quit_ev);
	if (ret < 0)
		die("rte_epoll_ctl", ret == -1 ? errno : -ret);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART; /* never epoll_wait: EINTR, and quit_fd */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGTERM, &sa, NULL) < 0)
		die("sigaction", errno);
}

static void
port_start(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	uint16_t q;
	int ret;

	memset(&conf, 0, sizeof(conf));
	conf.intr_conf.rxq = 1;
	ret = rte_eth_dev_configure(port, nb_queues, nb_queues, &conf);
	if (ret < 0)
		die("rte_eth_dev_configure", -ret);
	for (q = 0; q < nb_queues; q++) {
		ret = rte_eth_rx_queue_setup(port, q, 512, rte_socket_id(),
		                             NULL, mp);
		if (ret < 0)
			die("rte_eth_rx_queue_setup", -ret);
		ret = rte_eth_tx_queue_setup(port, q, 512, rte_socket_id(),
		                             NULL);
		if (ret < 0)
			die("rte_eth_tx_queue_setup", -ret);
	}
	ret = rte_eth_dev_start(port);
	if (ret < 0)
		die("rte_eth_dev_start", -ret);
	/* this thread's epoll waits on every rx queue's interrupt fd */
	for (q = 0; q < nb_queues; q++) {
		ret = rte_eth_dev_rx_intr_ctl_q(port, q, RTE_EPOLL_PER_THREAD,
		                                RTE_INTR_EVENT_ADD, NULL);
		if (ret < 0)
			die("rte_eth_dev_rx_intr_ctl_q", -ret);
	}
}

/* Arm (on) or disarm every rx queue's interrupt. */
static void
intr_all(int on)
{
	uint16_t p, q;

	for (p = 0; p < nb_ports; p++)
		for (q = 0; q < nb_queues; q++) {
			int ret = on ? rte_eth_dev_rx_intr_enable(p, q) :
			               rte_eth_dev_rx_intr_disable(p, q);

			if (ret < 0)
				die(on ? "rte_eth_dev_rx_intr_enable" :
				         "rte_eth_dev_rx_intr_disable",
				    -ret);
		}
}

static void
print_xstats(uint16_t port)
{
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *xs;
	int n = rte_eth_xstats_get_names(port, NULL, 0), i;

	if (n <= 0)
		return;
	names = calloc((size_t)n, sizeof(*names));
	xs = calloc((size_t)n, sizeof(*xs));
	if (names != NULL && xs != NULL &&
	    rte_eth_xstats_get_names(port, names, n) == n &&
	    rte_eth_xstats_get(port, xs, n) == n)
		for (i = 0; i < n; i++)
			printf("xstat %u %s %" PRIu64 "\n", port,
			       names[xs[i].id].name, xs[i].value);
	free(names);
	free(xs);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "idle", required_argument, NULL, 'i' },
		{ "queues", required_argument, NULL, 'q' },
		{ "quiet", no_argument, NULL, 'Q' },
		{ NULL, 0, NULL, 0 },
	};
	struct rte_mbuf *pkts[BURST];
	struct rte_mempool *mp;
	uint64_t fwd = 0, dropped = 0, sleeps = 0;
	unsigned long idle_max = 1000, idle = 0;
	int quiet = 0, ret, c;
	uint16_t p;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		die("rte_eal_init", rte_errno);
	argc -= ret;
	argv += ret;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'i')
			idle_max = strtoul(optarg, NULL, 10);
		else if (c == 'q')
			nb_queues = (uint16_t)strtoul(optarg, NULL, 10);
		else if (c == 'Q')
			quiet = 1;
		else
			die("usage: intrfwd EAL-ARGS -- [--idle N] "
			    "[--queues Q] [--quiet]",
			    EINVAL);
	}
	if (nb_queues < 1 || nb_queues > MAX_QUEUES)
		die("--queues", EINVAL);
	nb_ports = rte_eth_dev_count_avail();
	if (nb_ports < 1 || nb_ports > 2)
		die("one or two ports", EINVAL);
	mp = rte_pktmbuf_pool_create("intrfwd", NB_MBUFS, 256, 0,
	                             RTE_MBUF_DEFAULT_BUF_SIZE,
	                             rte_socket_id());
	if (mp == NULL)
		die("mempool", rte_errno);
	for (p = 0; p < nb_ports; p++)
		port_start(p, mp);
	quit_setup();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");

	while (!quit) {
		uint64_t got = 0;
		uint16_t q;

		for (p = 0; p < nb_ports; p++) {
			uint16_t to = nb_ports == 2 ? 1 - p : p;

			for (q = 0; q < nb_queues; q++) {
				uint16_t n =
				        rte_eth_rx_burst(p, q, pkts, BURST);
				uint16_t sent = 0;
				int tries = 0;

				while (sent < n && tries++ < TX_TRIES)
					sent += rte_eth_tx_burst(
					        to, q, pkts + sent, n - sent);
				if (sent < n)
					rte_pktmbuf_free_bulk(pkts + sent,
					                      n - sent);
				fwd += sent;
				dropped += n - sent;
				got += n;
			}
		}
		if (got > 0) {
			idle = 0;
			continue;
		}
		if (++idle < idle_max)
			continue;
		/* quiet: arm, then sleep until a queue's fd (or a signal) */
		struct rte_epoll_event ev[MAX_QUEUES * 2];

		intr_all(1);
		sleeps++;
		if (!quiet)
			printf("sleep %" PRIu64 "\n", sleeps);
		ret = rte_epoll_wait_interruptible(RTE_EPOLL_PER_THREAD, ev,
		                                   RTE_DIM(ev), -1);
		intr_all(0);
		if (!quiet)
			printf("wake %" PRIu64 "\n", sleeps);
		(void)ret;
		idle = 0;
	}
	printf("intrfwd: forwarded %" PRIu64 " dropped %" PRIu64
	       " sleeps %" PRIu64 "\n",
	       fwd, dropped, sleeps);
	for (p = 0; p < nb_ports; p++)
		print_xstats(p);
	for (p = 0; p < nb_ports; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	rte_eal_cleanup();
	return 0;
}
