/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * app_probe: a DPDK primary process with one port (port 0, from --vdev)
 * that does only what it is told, so that a test sees exactly what one
 * call does (tests/test_rx_contract.py, tests/test_app_contract.py).
 *
 *	app_probe EAL-ARGS -- [--mtu N] [--scatter] [--mbuf-size N] [--rx-intr]
 *
 * Commands on stdin, one per line; each answer ends with "end":
 *	burst N   one rte_eth_rx_burst(0, 0, pkts, N); prints "got K", then
 *	          "pkt LEN SEGS SRC-MAC" per packet received (freed at once;
 *	          SRC-MAC is meaningless with framing=ip)
 *	mac XX:XX:XX:XX:XX:XX
 *	          rte_eth_dev_default_mac_addr_set on port 0; prints "mac RET"
 *	intr on|off
 *	          (--rx-intr: intr_conf.rxq, rx queue 0 registered in this
 *	          thread's epoll) rte_eth_dev_rx_intr_enable/disable(0, 0);
 *	          prints "intr RET"
 *	intr-wait MS
 *	          rte_epoll_wait() on this thread's epoll for MS ms; prints
 *	          "woke N" (N events; 0: timed out)
 *	queue rx|tx start|stop
 *	          rte_eth_dev_{rx,tx}_queue_{start,stop}(0, 0); prints
 *	          "queue RET STATE", STATE from rte_eth_{rx,tx}_queue_info_get
 *	          (0 stopped, 1 started)
 *	burst-send N PATH
 *	          open the unit through the library on PATH, send N packets
 *	          (N <= 512) in one rte_eth_tx_burst() call, read them back
 *	          in order, close; prints "sent K" and "in-order M"
 *	open-send N lib|node PATH
 *	          N times: open the unit as a client of this very process (the
 *	          library on the control socket PATH, or open(2) on the device
 *	          node PATH), at once rte_eth_tx_burst() one packet, read it
 *	          back, close; prints "delivered K"
 *	lsc stop|close
 *	          register an LSC callback on port 0 that stops (or stops and
 *	          closes) the port from inside the callback; prints "armed"
 *	lsc-wait  wait (10 s at most) until that callback ran; prints
 *	          "lsc-ran RET" (the stop/close result) or "lsc-none"
 *	lsc-inflight P PATH
 *	          while an LSC callback for port P runs (a client of this
 *	          process opened P's unit, PATH), another thread stops and
 *	          closes P; the callback returns once that thread sleeps or
 *	          the close returned; prints "inflight RET BLOCKED DURING"
 *	          (close's result, whether the closing thread was seen
 *	          asleep, whether close returned during the callback)
 *	lsc-pair MODE A B PATH0 PATHA PATHB
 *	          clients open ports A and B (sockets PATHA, PATHB), then
 *	          leave while the control thread waits in port 0's callback
 *	          (a client open on PATH0), so that both down events are
 *	          pending at once; the first of their callbacks closes the
 *	          other port (MODE 0) or waits while this thread closes it
 *	          (MODE 1); prints "pair MODE RET CALLS AFTER": the close's
 *	          result, the callbacks the closed port got (1: its up
 *	          event only), callbacks started after a close returned
 *	probe DEVARGS
 *	          hot-plug a vdev (rte_dev_probe), set it up as port 0 was and
 *	          start it; prints "port P"
 *	quit      stop and close the ports, exit 0
 * Every answer except lsc's lists "xstat NAME VALUE" for port 0 (if it
 * still exists) before "end".  It prints "ready" once port 0 is started.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_mbuf.h>

#include "bsdtun.h"

#define MAX_BURST 512
#define NB_MBUFS  4095
#define IP_LEN    28 /* IPv4 header + 8 bytes */
#define READ_MS   1000

static struct rte_mempool *mp;
static struct rte_eth_conf conf;
static unsigned int mtu = 1500;

static int
die(const char *what, int err)
{
	fprintf(stderr, "app_probe: %s: %s\n", what,
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
		return; /* the port was closed */
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

static void
port_start(uint16_t port)
{
	int ret;

	conf.rxmode.mtu = mtu;
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret < 0)
		die("configure", ret);
	ret = rte_eth_rx_queue_setup(port, 0, 1024, rte_socket_id(), NULL, mp);
	if (ret < 0)
		die("rx_queue_setup", ret);
	ret = rte_eth_tx_queue_setup(port, 0, 1024, rte_socket_id(), NULL);
	if (ret < 0)
		die("tx_queue_setup", ret);
	ret = rte_eth_dev_start(port);
	if (ret < 0)
		die("start", ret);
	if (conf.intr_conf.rxq && port == 0) {
		ret = rte_eth_dev_rx_intr_ctl_q(0, 0, RTE_EPOLL_PER_THREAD,
		                                RTE_INTR_EVENT_ADD, NULL);
		if (ret < 0)
			die("rx_intr_ctl_q", ret);
	}
}

static void
cmd_intr(const char *what)
{
	int on = strcmp(what, "on") == 0;

	printf("intr %d\n", on ? rte_eth_dev_rx_intr_enable(0, 0) :
	                         rte_eth_dev_rx_intr_disable(0, 0));
}

static void
cmd_intr_wait(unsigned int ms)
{
	struct rte_epoll_event ev[4];

	printf("woke %d\n",
	       rte_epoll_wait(RTE_EPOLL_PER_THREAD, ev, RTE_DIM(ev), (int)ms));
}

static void
cmd_burst(unsigned int n)
{
	struct rte_mbuf *pkts[MAX_BURST];
	uint16_t got, i;

	got = rte_eth_rx_burst(0, 0, pkts, (uint16_t)n);
	printf("got %u\n", got);
	for (i = 0; i < got; i++) {
		const struct rte_ether_addr *src =
		        &rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *)
		                 ->src_addr;

		printf("pkt %u %u " RTE_ETHER_ADDR_PRT_FMT "\n",
		       pkts[i]->pkt_len, pkts[i]->nb_segs,
		       RTE_ETHER_ADDR_BYTES(src));
		rte_pktmbuf_free(pkts[i]);
	}
}

/* One Ethernet + IPv4 frame whose IP part is ip[]; NULL if no mbuf. */
static struct rte_mbuf *
mk_frame(const uint8_t *ip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eh;

	if (m == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
	                                                sizeof(*eh) + IP_LEN);
	memset(eh, 0, sizeof(*eh));
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memcpy(eh + 1, ip, IP_LEN);
	return m;
}

/* One client read, READ_MS at most: bytes read, or -1. */
static ssize_t
client_read(struct bsdtun *t, int fd, uint8_t *buf, size_t len)
{
	struct pollfd p = { .fd = t != NULL ? bsdtun_fd(t) : fd,
		            .events = POLLIN };

	if (poll(&p, 1, READ_MS) != 1)
		return -1;
	return t != NULL ? bsdtun_read(t, buf, len) : read(fd, buf, len);
}

/*
 * Open, send at once, read back, close: the packet must arrive every
 * time, because the open was complete when it returned.
 */
static void
cmd_open_send(unsigned int n, const char *face, const char *path)
{
	uint8_t ip[IP_LEN] = { 0x45, 0, 0, IP_LEN, 0, 0, 0, 0, 64, 17 };
	uint8_t buf[256];
	unsigned int i, delivered = 0;
	int node = strcmp(face, "node") == 0;

	for (i = 0; i < n; i++) {
		struct bsdtun *t = NULL;
		struct rte_mbuf *m;
		int fd = -1;
		ssize_t got;

		if (node)
			fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		else
			t = bsdtun_open(path, O_NONBLOCK);
		if (fd < 0 && t == NULL) {
			printf("open %u: %s\n", i, strerror(errno));
			break;
		}
		ip[4] = (uint8_t)(i >>
		                  8); /* the IP id tells the packets apart */
		ip[5] = (uint8_t)i;
		m = mk_frame(ip);
		if (m == NULL)
			die("mbuf", ENOMEM);
		if (rte_eth_tx_burst(0, 0, &m, 1) != 1)
			rte_pktmbuf_free(m);
		got = client_read(t, fd, buf, sizeof(buf));
		if (got == IP_LEN && memcmp(buf, ip, IP_LEN) == 0)
			delivered++;
		else
			printf("open %u: read %zd\n", i, got);
		if (node)
			close(fd);
		else
			bsdtun_close(t);
	}
	printf("delivered %u\n", delivered);
}

/* One tx_burst of n packets (the PMD works in chunks of 64), read back. */
static void
cmd_burst_send(unsigned int n, const char *path)
{
	uint8_t ip[IP_LEN] = { 0x45, 0, 0, IP_LEN, 0, 0, 0, 0, 64, 17 };
	struct rte_mbuf *pkts[MAX_BURST];
	uint8_t buf[256];
	struct bsdtun *t = bsdtun_open(path, O_NONBLOCK);
	unsigned int i, sent, in_order = 0;

	if (t == NULL) {
		printf("open: %s\n", strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		ip[4] = (uint8_t)(i >> 8);
		ip[5] = (uint8_t)i;
		pkts[i] = mk_frame(ip);
		if (pkts[i] == NULL)
			die("mbuf", ENOMEM);
	}
	sent = rte_eth_tx_burst(0, 0, pkts, (uint16_t)n);
	if (sent < n)
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
	printf("sent %u\n", sent);
	for (i = 0; i < sent; i++) {
		ip[4] = (uint8_t)(i >> 8);
		ip[5] = (uint8_t)i;
		if (client_read(t, -1, buf, sizeof(buf)) == IP_LEN &&
		    memcmp(buf, ip, IP_LEN) == 0)
			in_order++;
	}
	printf("in-order %u\n", in_order);
	bsdtun_close(t);
}

/* The careless app: stop (and close) the port from its LSC callback. */
static volatile int lsc_ran;
static volatile int lsc_ret;

static int
on_lsc(uint16_t port, enum rte_eth_event_type type, void *arg, void *ret)
{
	int close_too = (int)(uintptr_t)arg;
	int r;

	(void)type;
	(void)ret;
	if (lsc_ran)
		return 0;
	r = rte_eth_dev_stop(port);
	if (r == 0 && close_too)
		r = rte_eth_dev_close(port);
	lsc_ret = r;
	__atomic_store_n(&lsc_ran, 1, __ATOMIC_RELEASE);
	return 0;
}

static void
cmd_lsc(const char *what)
{
	int ret = rte_eth_dev_callback_register(
	        0, RTE_ETH_EVENT_INTR_LSC, on_lsc,
	        (void *)(uintptr_t)(strcmp(what, "close") == 0));

	lsc_ran = 0;
	if (ret < 0)
		die("callback_register", ret);
	printf("armed\n");
}

static void
cmd_lsc_wait(void)
{
	int i;

	for (i = 0; i < 1000 && !__atomic_load_n(&lsc_ran, __ATOMIC_ACQUIRE);
	     i++)
		usleep(10000);
	if (lsc_ran)
		printf("lsc-ran %d\n", lsc_ret);
	else
		printf("lsc-none\n");
}

/*
 * The LSC close race: a port closed while its LSC event is pending or
 * its callback runs.  race_calls/race_closed per port id; race_after:
 * callbacks started after their port's close returned (must stay 0).
 */
static int race_calls[RTE_MAX_ETHPORTS];
static int race_running[RTE_MAX_ETHPORTS];
static int race_closed[RTE_MAX_ETHPORTS];
static int race_after;
static int race_hold = -1; /* the port whose callback waits */
static int closer_tid;     /* the closing thread, once it runs */
static int close_done;     /* its close returned */
static int closer_blocked, close_during;
/* lsc-pair: ports a and b, the first of their down events' callbacks
 * closes the other (mode 0) or has this thread close it (mode 1) */
static int pair_a = -1, pair_b = -1, pair_mode, pair_other = -1, pair_ret;
static int pair_fired, pair_req, pair_go;
static int hold0, held0, release0; /* port 0's next callback waits */

#define RACE_LOAD(x)     __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define RACE_STORE(x, v) __atomic_store_n(&(x), v, __ATOMIC_RELEASE)

/* Up to 10 s for *flag to become nonzero: 1 if it did. */
static int
wait_flag(int *flag)
{
	int i;

	for (i = 0; i < 10000 && !__atomic_load_n(flag, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE) != 0;
}

static int
race_close(uint16_t port)
{
	int ret = rte_eth_dev_stop(port);

	if (ret == 0)
		ret = rte_eth_dev_close(port);
	RACE_STORE(race_closed[port], 1);
	return ret;
}

static int
on_race(uint16_t port, enum rte_eth_event_type type, void *arg, void *ret)
{
	int i;

	(void)type;
	(void)arg;
	(void)ret;
	RACE_STORE(race_running[port], 1);
	if (RACE_LOAD(race_closed[port]))
		__atomic_fetch_add(&race_after, 1, __ATOMIC_RELAXED);
	if (port == 0 && RACE_LOAD(hold0)) {
		RACE_STORE(hold0, 0);
		RACE_STORE(held0, 1);
		wait_flag(&release0);
	}
	if ((port == pair_a || port == pair_b) &&
	    RACE_LOAD(race_calls[port]) == 1 && !RACE_LOAD(pair_fired)) {
		pair_other = port == pair_a ? pair_b : pair_a;
		RACE_STORE(pair_fired, 1);
		if (pair_mode == 0) {
			pair_ret = race_close((uint16_t)pair_other);
		} else {
			RACE_STORE(pair_req, 1);
			wait_flag(&pair_go);
		}
	}
	if (port == race_hold && RACE_LOAD(race_calls[port]) == 0) {
		/* hold the callback until another thread closes the port
		 * and either sleeps in the close or returned from it */
		wait_flag(&closer_tid);
		for (i = 0; i < 200 && !RACE_LOAD(close_done); i++)
			usleep(1000);
		/* still in the close 200 ms later (sleeping, or spinning
		 * in rte_eal_alarm_cancel): it waits for this callback */
		closer_blocked = !RACE_LOAD(close_done);
		close_during = RACE_LOAD(close_done);
	}
	__atomic_fetch_add(&race_calls[port], 1, __ATOMIC_RELEASE);
	RACE_STORE(race_running[port], 0);
	return 0;
}

static void
race_arm(uint16_t port)
{
	int ret;

	RACE_STORE(race_calls[port], 0);
	RACE_STORE(race_running[port], 0);
	RACE_STORE(race_closed[port], 0);
	ret = rte_eth_dev_callback_register(port, RTE_ETH_EVENT_INTR_LSC,
	                                    on_race, NULL);
	if (ret < 0)
		die("callback_register", ret);
}

static void *
closer_main(void *arg)
{
	uint16_t port = (uint16_t)(uintptr_t)arg;
	int ret;

	RACE_STORE(closer_tid, (int)syscall(SYS_gettid));
	ret = race_close(port);
	RACE_STORE(close_done, 1);
	return (void *)(intptr_t)ret;
}

static void
cmd_lsc_inflight(unsigned int port, const char *path)
{
	struct bsdtun *t;
	pthread_t th;
	void *ret;

	race_arm((uint16_t)port);
	race_hold = (int)port;
	RACE_STORE(closer_tid, 0);
	RACE_STORE(close_done, 0);
	closer_blocked = close_during = 0;
	t = bsdtun_open(path, O_NONBLOCK);
	if (t == NULL)
		die("bsdtun_open", errno);
	if (!wait_flag(&race_running[port])) {
		printf("inflight no-callback\n");
		bsdtun_close(t);
		return;
	}
	if (pthread_create(&th, NULL, closer_main, (void *)(uintptr_t)port))
		die("pthread_create", EAGAIN);
	pthread_join(th, &ret);
	wait_flag(&race_calls[port]); /* the callback returned */
	race_hold = -1;
	bsdtun_close(t);
	printf("inflight %d %d %d\n", (int)(intptr_t)ret, closer_blocked,
	       close_during);
}

/* Up to 10 s until race_calls[port] >= want: 1 if it did. */
static int
wait_calls(int port, int want)
{
	int i;

	for (i = 0; i < 10000 && RACE_LOAD(race_calls[port]) < want; i++)
		usleep(1000);
	return RACE_LOAD(race_calls[port]) >= want;
}

static struct bsdtun *
race_open(const char *path)
{
	struct bsdtun *t = bsdtun_open(path, O_NONBLOCK);

	if (t == NULL)
		die("bsdtun_open", errno);
	return t;
}

static void
cmd_lsc_pair(unsigned int mode, unsigned int a, unsigned int b,
             const char *path0, const char *path_a, const char *path_b)
{
	struct bsdtun *ta, *tb, *t0;
	int first;

	race_arm(0);
	race_arm((uint16_t)a);
	race_arm((uint16_t)b);
	pair_mode = (int)mode;
	pair_other = -1;
	pair_ret = -1;
	RACE_STORE(pair_fired, 0);
	RACE_STORE(pair_req, 0);
	RACE_STORE(pair_go, 0);
	RACE_STORE(held0, 0);
	RACE_STORE(release0, 0);
	pair_a = (int)a;
	pair_b = (int)b;
	/* both links up, their events delivered */
	ta = race_open(path_a);
	tb = race_open(path_b);
	if (!wait_calls((int)a, 1) || !wait_calls((int)b, 1))
		die("pair: no LSC event", ETIMEDOUT);
	/* the control thread held in port 0's callback: both clients
	 * leave meanwhile, so that one batch finds both links down */
	RACE_STORE(hold0, 1);
	t0 = race_open(path0);
	if (!wait_flag(&held0))
		die("pair: port 0's callback did not run", ETIMEDOUT);
	bsdtun_close(ta);
	bsdtun_close(tb);
	RACE_STORE(release0, 1);
	if (!wait_flag(&pair_fired))
		die("pair: no down event", ETIMEDOUT);
	if (mode == 1) {
		wait_flag(&pair_req);
		pair_ret = race_close((uint16_t)pair_other);
		RACE_STORE(pair_go, 1);
	}
	first = pair_other == (int)a ? (int)b : (int)a;
	wait_calls(first, 2); /* its callback returned */
	/* port 0's down event, made after the close, passes through the
	 * control thread after any the closed port could still get */
	bsdtun_close(t0);
	if (!wait_calls(0, 2))
		die("pair: port 0's down event", ETIMEDOUT);
	pair_a = pair_b = -1;
	printf("pair %u %d %d %d\n", mode, pair_ret,
	       RACE_LOAD(race_calls[pair_other]), RACE_LOAD(race_after));
}

static void
cmd_probe(const char *devargs)
{
	char name[RTE_DEV_NAME_MAX_LEN];
	uint16_t port;
	size_t n = strcspn(devargs, ",");
	int ret;

	snprintf(name, sizeof(name), "%.*s", (int)n, devargs);
	ret = rte_dev_probe(devargs);
	if (ret < 0)
		die("rte_dev_probe", ret);
	ret = rte_eth_dev_get_port_by_name(name, &port);
	if (ret < 0)
		die("get_port_by_name", ret);
	port_start(port);
	printf("port %u\n", port);
}

static void
cmd_mac(const char *text)
{
	struct rte_ether_addr a;

	if (rte_ether_unformat_addr(text, &a) < 0)
		printf("mac %d\n", -EINVAL);
	else
		printf("mac %d\n", rte_eth_dev_default_mac_addr_set(0, &a));
}

static void
cmd_queue(const char *dir, const char *what)
{
	int rx = strcmp(dir, "rx") == 0, start = strcmp(what, "start") == 0;
	struct rte_eth_rxq_info ri;
	struct rte_eth_txq_info ti;
	int ret, state = -1;

	if (rx)
		ret = start ? rte_eth_dev_rx_queue_start(0, 0) :
		              rte_eth_dev_rx_queue_stop(0, 0);
	else
		ret = start ? rte_eth_dev_tx_queue_start(0, 0) :
		              rte_eth_dev_tx_queue_stop(0, 0);
	if (rx && rte_eth_rx_queue_info_get(0, 0, &ri) == 0)
		state = ri.queue_state;
	else if (!rx && rte_eth_tx_queue_info_get(0, 0, &ti) == 0)
		state = ti.queue_state;
	printf("queue %d %d\n", ret, state);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mtu", required_argument, NULL, 'm' },
		{ "scatter", no_argument, NULL, 's' },
		{ "mbuf-size", required_argument, NULL, 'b' },
		{ "rx-intr", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int mbuf_size = RTE_MBUF_DEFAULT_BUF_SIZE;
	char line[3072], a1[16], a2[1000], a3[1000], a4[1000];
	unsigned int pa, pb;
	uint16_t port;
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
		else if (c == 'i')
			conf.intr_conf.rxq = 1;
		else
			die("usage: app_probe EAL-ARGS -- [--mtu N] [--scatter] "
			    "[--mbuf-size N] [--rx-intr]",
			    EINVAL);
	}
	if (rte_eth_dev_count_avail() < 1)
		die("no port", ENODEV);
	mp = rte_pktmbuf_pool_create("app_probe", NB_MBUFS, 0, 0, mbuf_size,
	                             rte_socket_id());
	if (mp == NULL)
		die("mempool", rte_errno);
	port_start(0);
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		unsigned int n;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "burst %u", &n) == 1 && n <= MAX_BURST)
			cmd_burst(n);
		else if (sscanf(line, "burst-send %u %999s", &n, a2) == 2 &&
		         n <= MAX_BURST)
			cmd_burst_send(n, a2);
		else if (sscanf(line, "open-send %u %15s %999s", &n, a1, a2) ==
		         3)
			cmd_open_send(n, a1, a2);
		else if (sscanf(line, "lsc-inflight %u %999s", &n, a2) == 2 &&
		         n < RTE_MAX_ETHPORTS)
			cmd_lsc_inflight(n, a2);
		else if (sscanf(line, "lsc-pair %u %u %u %999s %999s %999s", &n,
		                &pa, &pb, a2, a3, a4) == 6 &&
		         pa < RTE_MAX_ETHPORTS && pb < RTE_MAX_ETHPORTS)
			cmd_lsc_pair(n, pa, pb, a2, a3, a4);
		else if (strcmp(line, "lsc-wait") == 0)
			cmd_lsc_wait();
		else if (sscanf(line, "lsc %15s", a1) == 1)
			cmd_lsc(a1);
		else if (sscanf(line, "probe %999s", a2) == 1)
			cmd_probe(a2);
		else if (sscanf(line, "mac %999s", a2) == 1)
			cmd_mac(a2);
		else if (sscanf(line, "queue %15s %999s", a1, a2) == 2)
			cmd_queue(a1, a2);
		else if (sscanf(line, "intr-wait %u", &n) == 1)
			cmd_intr_wait(n);
		else if (sscanf(line, "intr %15s", a1) == 1)
			cmd_intr(a1);
		else if (strcmp(line, "quit") == 0)
			break;
		else
			printf("error: %s\n", line);
		print_xstats(0);
		printf("end\n");
		fflush(stdout);
	}
	RTE_ETH_FOREACH_DEV(port)
	{
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	rte_eal_cleanup();
	return 0;
}
