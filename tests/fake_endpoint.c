/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fake_endpoint: a control socket that is not a net_bsdtun unit, for the
 * client library's checks of who serves an endpoint and of what WELCOME
 * hands over (doc/robustness.md, class 5).
 *
 *	fake_endpoint PATH MODE [UID]
 *
 * Binds PATH (after dropping to UID, when given), prints "ready", then
 * answers every HELLO with a WELCOME whose region is a memfd of the
 * announced size with a valid header and rings (mode "good"), or with one
 * thing wrong:
 *	unsealed   the memfd has no seals (the server could shrink it under
 *	           the client's mapping: SIGBUS)
 *	noshrink   sealed against growing only
 *	bigger     region_size says one page more than the memfd holds
 *	file       a regular file, not a memfd (cannot be sealed)
 *	bellfile   the bell is a pipe, not a SOCK_SEQPACKET socket
 * then waits for the client to hang up.  Runs until killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bsdtun_ring.h"
#include "bsdtun_wire.h"

#define HDR  4096u
#define QLEN 64u

static void
die(const char *what)
{
	fprintf(stderr, "fake_endpoint: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A region as the PMD builds it: header, two rings. */
static int
make_region(const char *mode, size_t *size)
{
	uint32_t rb = bsdtun_ring_bytes_for(QLEN, BSDTUN_DEFAULT_MTU);
	struct bsdtun_region_hdr *h;
	struct bsdtun_ring r;
	uint8_t *map;
	int fd, seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

	*size = HDR + 2 * (size_t)rb;
	if (strcmp(mode, "file") == 0) {
		char tmpl[] = "/tmp/fake_endpoint.XXXXXX";

		fd = mkstemp(tmpl);
		if (fd >= 0)
			unlink(tmpl);
	} else {
		fd = memfd_create("fake", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	}
	if (fd < 0 || ftruncate(fd, *size) < 0)
		die("region");
	map = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap");
	h = (struct bsdtun_region_hdr *)map;
	h->magic = BSDTUN_WIRE_MAGIC;
	h->version = BSDTUN_WIRE_VERSION;
	h->region_size = *size;
	h->qlen = QLEN;
	h->ring_bytes = rb;
	h->to_client_ctl = 256;
	h->to_dpdk_ctl = 512;
	h->to_client_data = HDR;
	h->to_dpdk_data = HDR + rb;
	h->state = BSDTUN_STATE_OPEN;
	bsdtun_ring_init(&r, (struct bsdtun_ring_ctl *)(map + 256), map + HDR,
	                 rb, QLEN);
	bsdtun_ring_init(&r, (struct bsdtun_ring_ctl *)(map + 512),
	                 map + HDR + rb, rb, QLEN);
	munmap(map, *size);
	if (strcmp(mode, "noshrink") == 0)
		seals = F_SEAL_GROW;
	if (strcmp(mode, "unsealed") != 0 && strcmp(mode, "file") != 0 &&
	    fcntl(fd, F_ADD_SEALS, seals) < 0)
		die("seals");
	if (strcmp(mode, "bigger") == 0)
		*size += 4096;
	return fd;
}

static void
serve(int c, const char *mode)
{
	struct bsdtun_msg m;
	int fds[2], pair[2];
	size_t size;

	if (recv(c, &m, sizeof(m), 0) != sizeof(m))
		return;
	fds[0] = make_region(mode, &size);
	if (strcmp(mode, "bellfile") == 0 ?
	            pipe(pair) < 0 :
	            socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair) < 0)
		die("bell");
	fds[1] = strcmp(mode, "bellfile") == 0 ? pair[0] : pair[1];
	memset(&m, 0, sizeof(m));
	m.type = BSDTUN_MSG_WELCOME;
	m.magic = BSDTUN_WIRE_MAGIC;
	m.u.welcome.version = BSDTUN_WIRE_VERSION;
	m.u.welcome.region_size = size;
	if (bsdtun_msg_send(c, &m, fds, 2, 0) != sizeof(m))
		fprintf(stderr, "fake_endpoint: WELCOME: %s\n",
		        strerror(errno));
	close(fds[0]);
	close(pair[0]);
	close(pair[1]);
	/* answer nothing more; wait for the client to go */
	while (recv(c, &m, sizeof(m), 0) > 0)
		;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int l, c;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: fake_endpoint PATH MODE [UID]\n");
		return 2;
	}
	if (strlen(argv[1]) >= sizeof(sa.sun_path))
		return 2;
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(argv[1], 0666) < 0)
		die(argv[1]);
	/* SO_PEERCRED reports who called listen() */
	if (argc == 4 &&
	    setresuid(atoi(argv[3]), atoi(argv[3]), atoi(argv[3])) < 0)
		die("setresuid");
	if (listen(l, 4) < 0)
		die("listen");
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		c = accept(l, NULL, NULL);
		if (c < 0)
			die("accept");
		serve(c, argv[2]);
		close(c);
	}
}
