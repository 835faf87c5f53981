/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cdev_loop: one blocking system call per packet, for a fixed time.
 * The client of devtools/bench_cdev.py.
 *
 *     cdev_loop [-c CPU] [-f FEEDER_CPU] [-w WARMUP] MODE PATH SIZE SECONDS
 *
 * MODE
 *   write       open PATH O_RDWR, write() one SIZE-byte IPv4/UDP packet per
 *               call (10.99.0.2 -> 10.99.1.1), as a tun(4) program would.
 *   read        open PATH O_RDWR, blocking read() into a TUNMRU buffer.
 *   ktun-write  PATH ignored.  In a new network namespace: a Linux tun
 *               (/dev/net/tun, IFF_TUN | IFF_NO_PI, 10.99.0.1 peer
 *               10.99.0.2, txqueuelen 1024), a blackhole route for
 *               10.99.1.0/24 and forwarding on, so every packet written
 *               goes through the kernel's IP input and is dropped at the
 *               route lookup (silently: no ICMP).  Then the write loop.
 *   ktun-read   The same tun; a child process pinned to FEEDER_CPU keeps
 *               the tun's queue full: a packet socket bound to the tun
 *               sends SIZE-byte IPv4/UDP packets (sendmmsg(), 32 per
 *               call, qdisc bypassed) straight into the tun's transmit
 *               path, which queues them for read(); the loop read()s
 *               them.  The tun drops what does not fit (tx_dropped > 0:
 *               the reader, not the feeder, was the bound).
 *
 * The loop runs WARMUP seconds (default 0.3) uncounted, then SECONDS
 * counted, and prints one line
 *     calls=N secs=T rate=R errors=E err=ERRNO minlen=A maxlen=B
 *     [tun_rx=.. tun_tx=.. tun_tx_dropped=.. ip_in_receives=..]
 * Failed calls (ENOBUFS from a full ring, say) count in errors, not calls.
 * A safety timer ends a read blocked past the end (EINTR).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "udp_packet.h"

#define MRU      16384
#define TUN_NAME "btun0"

static volatile sig_atomic_t alarmed;

static void
on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void
pin(int cpu)
{
	cpu_set_t cs;

	if (cpu < 0)
		return;
	CPU_ZERO(&cs);
	CPU_SET(cpu, &cs);
	if (sched_setaffinity(0, sizeof(cs), &cs) != 0) {
		perror("cdev_loop: sched_setaffinity");
		exit(1);
	}
}

static void
put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) < 0) {
		fprintf(stderr, "cdev_loop: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	close(fd);
}

static void
ifreq_addr(struct ifreq *ifr, const char *a)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr->ifr_addr;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, a, &sin->sin_addr);
}

/* The kernel tun in a namespace of our own; returns its fd. */
static int
ktun_setup(void)
{
	struct ifreq ifr;
	int fd, s;

	if (unshare(CLONE_NEWNET) != 0) {
		perror("cdev_loop: unshare(CLONE_NEWNET)");
		exit(1);
	}
	/* No IPv6 on the tun: no router solicitations in the read queue. */
	put("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	put("/proc/sys/net/ipv4/ip_forward", "1");
	fd = open("/dev/net/tun", O_RDWR);
	if (fd < 0) {
		perror("cdev_loop: /dev/net/tun");
		exit(1);
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strcpy(ifr.ifr_name, TUN_NAME);
	if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
		perror("cdev_loop: TUNSETIFF");
		exit(1);
	}
	s = socket(AF_INET, SOCK_DGRAM, 0);
	strcpy(ifr.ifr_name, TUN_NAME);
	ifreq_addr(&ifr, "10.99.0.1");
	if (ioctl(s, SIOCSIFADDR, &ifr) != 0)
		perror("cdev_loop: SIOCSIFADDR"), exit(1);
	ifreq_addr(&ifr, "10.99.0.2");
	if (ioctl(s, SIOCSIFDSTADDR, &ifr) != 0)
		perror("cdev_loop: SIOCSIFDSTADDR"), exit(1);
	ifr.ifr_qlen = 1024;
	if (ioctl(s, SIOCSIFTXQLEN, &ifr) != 0)
		perror("cdev_loop: SIOCSIFTXQLEN"), exit(1);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		perror("cdev_loop: SIOCGIFFLAGS"), exit(1);
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
		perror("cdev_loop: SIOCSIFFLAGS"), exit(1);
	close(s);
	/* Written packets go to 10.99.1.1: dropped at the route lookup. */
	if (system("ip route add blackhole 10.99.1.0/24") != 0) {
		fprintf(stderr, "cdev_loop: ip route add blackhole failed\n");
		exit(1);
	}
	return fd;
}

/*
 * The feeder of ktun-read: a packet socket on the tun sends SIZE-byte
 * IPv4/UDP packets (10.99.0.1 -> 10.99.0.2) straight to the device
 * (PACKET_QDISC_BYPASS: dev_queue_xmit's qdisc skipped, the tun's
 * ndo_start_xmit queues the packet for read() or drops it when the queue
 * is full), 32 per sendmmsg(), as fast as it goes.  Cheaper per packet
 * than UDP sendto() through the IP stack, which could not keep up with the
 * reader.
 */
static pid_t
ktun_feeder(int cpu, size_t size)
{
	static unsigned char pkt[MRU];
	struct mmsghdr mm[32];
	struct iovec iov;
	struct sockaddr_ll sll;
	struct ifreq ifr;
	pid_t pid;
	int s, i, on = 1;

	pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	pin(cpu);
	s = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	if (s < 0) {
		perror("cdev_loop: feeder socket(AF_PACKET)");
		_exit(1);
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, TUN_NAME);
	if (ioctl(s, SIOCGIFINDEX, &ifr) != 0) {
		perror("cdev_loop: feeder SIOCGIFINDEX");
		_exit(1);
	}
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		perror("cdev_loop: feeder bind");
		_exit(1);
	}
	if (setsockopt(s, SOL_PACKET, PACKET_QDISC_BYPASS, &on, sizeof(on)) !=
	    0)
		perror("cdev_loop: PACKET_QDISC_BYPASS (going on)");
	bench_udp_packet(pkt, size, 0x0a630001, 0x0a630002);
	iov.iov_base = pkt;
	iov.iov_len = size;
	memset(mm, 0, sizeof(mm));
	for (i = 0; i < 32; i++) {
		mm[i].msg_hdr.msg_name = &sll;
		mm[i].msg_hdr.msg_namelen = sizeof(sll);
		mm[i].msg_hdr.msg_iov = &iov;
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	for (;;)
		(void)sendmmsg(s, mm, 32, 0);
}

/* rx_packets, tx_packets, tx_dropped of the tun (/proc/self/net/dev). */
static void
ktun_counters(unsigned long long *rx, unsigned long long *tx,
              unsigned long long *txdrop)
{
	char line[512];
	FILE *f = fopen("/proc/self/net/dev", "r");

	*rx = *tx = *txdrop = 0;
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = strstr(line, TUN_NAME ":");
		unsigned long long v[16];

		if (p == NULL)
			continue;
		if (sscanf(p + strlen(TUN_NAME) + 1,
		           "%llu %llu %llu %llu %llu %llu %llu %llu "
		           "%llu %llu %llu %llu %llu %llu %llu %llu",
		           &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
		           &v[7], &v[8], &v[9], &v[10], &v[11], &v[12], &v[13],
		           &v[14], &v[15]) == 16) {
			*rx = v[1];
			*tx = v[9];
			*txdrop = v[11];
		}
	}
	fclose(f);
}

/* Ip InReceives of our namespace (/proc/self/net/snmp): packets the IP
 * input took (the blackhole then drops them without a counter). */
static unsigned long long
ktun_ip_in(void)
{
	char names[4096], vals[4096];
	unsigned long long v = 0;
	FILE *f = fopen("/proc/self/net/snmp", "r");

	if (f == NULL)
		return 0;
	while (fgets(names, sizeof(names), f) != NULL &&
	       fgets(vals, sizeof(vals), f) != NULL) {
		char *sn, *sv, *n, *x;

		if (strncmp(names, "Ip:", 3) != 0)
			continue;
		n = strtok_r(names, " \n", &sn);
		x = strtok_r(vals, " \n", &sv);
		while (n != NULL && x != NULL) {
			if (strcmp(n, "InReceives") == 0)
				v = strtoull(x, NULL, 10);
			n = strtok_r(NULL, " \n", &sn);
			x = strtok_r(NULL, " \n", &sv);
		}
	}
	fclose(f);
	return v;
}

int
main(int argc, char **argv)
{
	static unsigned char buf[MRU];
	int cpu = -1, feeder_cpu = -1, opt, fd, wr, ktun, last_err = 0;
	double warmup = 0.3, secs, t_start, t_end, t, t0;
	unsigned long long calls = 0, errors = 0, n = 0;
	ssize_t minlen = -1, maxlen = -1;
	pid_t feeder = -1;
	struct sigaction sa;
	struct itimerval it;
	const char *mode;
	size_t size;

	while ((opt = getopt(argc, argv, "c:f:w:")) != -1) {
		switch (opt) {
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'f':
			feeder_cpu = atoi(optarg);
			break;
		case 'w':
			warmup = atof(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 4)
		goto usage;
	mode = argv[optind];
	size = strtoul(argv[optind + 2], NULL, 0);
	secs = atof(argv[optind + 3]);
	if (size < 28 || size > MRU || secs <= 0)
		goto usage;
	wr = strstr(mode, "write") != NULL;
	ktun = strncmp(mode, "ktun-", 5) == 0;
	if (strcmp(mode, "write") != 0 && strcmp(mode, "read") != 0 &&
	    strcmp(mode, "ktun-write") != 0 && strcmp(mode, "ktun-read") != 0)
		goto usage;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: a blocked read ends */
	sigaction(SIGALRM, &sa, NULL);
	pin(cpu);
	if (ktun) {
		fd = ktun_setup();
		if (!wr)
			feeder = ktun_feeder(feeder_cpu, size);
	} else {
		fd = open(argv[optind + 1], O_RDWR);
		if (fd < 0) {
			fprintf(stderr, "cdev_loop: %s: %s\n", argv[optind + 1],
			        strerror(errno));
			return 1;
		}
	}
	bench_udp_packet(buf, size, 0x0a630002, 0x0a630101);

	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = (time_t)(warmup + secs) + 3;
	setitimer(ITIMER_REAL, &it, NULL);

	t0 = now();
	t_start = t0 + warmup;
	t_end = t_start + secs;
	for (;;) {
		ssize_t r =
		        wr ? write(fd, buf, size) : read(fd, buf, sizeof(buf));

		if ((++n & 63) == 0 || r < 0) {
			t = now();
			if (t >= t_end || alarmed)
				break;
			if (t < t_start) { /* warming up: start counting anew */
				t0 = t;
				calls = errors = 0;
				minlen = maxlen = -1;
				continue;
			}
		}
		if (r < 0) {
			if (errno == EINTR && alarmed)
				break;
			errors++;
			last_err = errno;
			continue;
		}
		calls++;
		if (minlen < 0 || r < minlen)
			minlen = r;
		if (r > maxlen)
			maxlen = r;
	}
	t = now(); /* calls counts exactly the calls since t0 */
	if (feeder > 0) {
		kill(feeder, SIGKILL);
		waitpid(feeder, NULL, 0);
	}
	if (t < t_start) {
		fprintf(stderr, "cdev_loop: ended before counting started\n");
		return 1;
	}
	printf("calls=%llu secs=%.3f rate=%.0f errors=%llu err=%s "
	       "minlen=%zd maxlen=%zd",
	       calls, t - t0, calls / (t - t0), errors,
	       last_err ? strerrorname_np(last_err) : "-", minlen, maxlen);
	if (ktun) {
		unsigned long long rx, tx, txdrop;

		ktun_counters(&rx, &tx, &txdrop);
		printf(" tun_rx=%llu tun_tx=%llu tun_tx_dropped=%llu "
		       "ip_in_receives=%llu",
		       rx, tx, txdrop, ktun_ip_in());
	}
	printf("\n");
	close(fd);
	return 0;

usage:
	fprintf(stderr, "usage: cdev_loop [-c CPU] [-f FEEDER_CPU] [-w WARMUP] "
	                "write|read|ktun-write|ktun-read PATH SIZE SECONDS\n");
	return 2;
}
