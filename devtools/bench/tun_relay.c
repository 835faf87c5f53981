/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tun_relay: two kernel tun devices joined by a user-space program, the
 * kernel-tun path of devtools/bench_offload.py.
 *
 *     tun_relay [--vnet] NETNS_A DEV_A NETNS_B DEV_B
 *
 * creates tun device DEV_A in network namespace NETNS_A and DEV_B in
 * NETNS_B (IFF_TUN | IFF_NO_PI; with --vnet also IFF_VNET_HDR and
 * TUNSETOFFLOAD TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 on both, so TCP
 * super-packets cross whole), then copies every packet read from one to
 * the other, one thread per direction with blocking read(2) and write(2).
 * It is what `tuntest bridge` does between a unit and a kernel tun, with
 * the unit and the DPDK application replaced by the second kernel tun.
 * Prints "ready" once both devices exist; SIGTERM/SIGINT end it.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define RELAY_BUF (10 + 65536)

struct relay_dir {
	int from, to;
};

static int
tun_in(const char *ns, const char *dev, int vnet)
{
	char path[512];
	struct ifreq ifr;
	int nsfd, fd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "tun_relay: netns %s: %s\n", ns,
		        strerror(errno));
		return -1;
	}
	close(nsfd);
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "tun_relay: /dev/net/tun: %s\n",
		        strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags =
	        (short)(IFF_TUN | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 ||
	    (vnet && ioctl(fd, TUNSETOFFLOAD,
	                   (unsigned long)(TUN_F_CSUM | TUN_F_TSO4 |
	                                   TUN_F_TSO6)) < 0)) {
		fprintf(stderr, "tun_relay: %s in %s: %s\n", dev, ns,
		        strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void *
relay(void *arg)
{
	const struct relay_dir *d = arg;
	static __thread uint8_t buf[RELAY_BUF];
	ssize_t n;

	for (;;) {
		n = read(d->from, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "tun_relay: read: %s\n",
			        n < 0 ? strerror(errno) : "end of file");
			exit(1);
		}
		/* a full device queue drops, as a kernel tun does */
		if (write(d->to, buf, (size_t)n) < 0 && errno != EINTR &&
		    errno != ENOBUFS && errno != EAGAIN) {
			fprintf(stderr, "tun_relay: write: %s\n",
			        strerror(errno));
			exit(1);
		}
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct relay_dir ab, ba;
	pthread_t th;
	int vnet = 0, a, b;

	if (argc > 1 && strcmp(argv[1], "--vnet") == 0) {
		vnet = 1;
		argv++;
		argc--;
	}
	if (argc != 5) {
		fprintf(stderr,
		        "usage: tun_relay [--vnet] NETNS_A DEV_A NETNS_B "
		        "DEV_B\n");
		return 2;
	}
	a = tun_in(argv[1], argv[2], vnet);
	b = a < 0 ? -1 : tun_in(argv[3], argv[4], vnet);
	if (b < 0)
		return 1;
	ab.from = a;
	ab.to = b;
	ba.from = b;
	ba.to = a;
	if (pthread_create(&th, NULL, relay, &ab) != 0) {
		fprintf(stderr, "tun_relay: pthread_create failed\n");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	relay(&ba);
	return 0;
}
