/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vnet_client: a Linux tun file with IFF_VNET_HDR on a unit's control
 * socket, through libbsdtun (tests/test_vnet.py).
 *
 *	vnet_client write ENDPOINT OFFLOADS SIZE MSS [v6]
 *		TUNSETOFFLOAD OFFLOADS, then one TCP packet of SIZE bytes
 *		(IPv4, or IPv6 with "v6") with a GSO header (gso_size MSS,
 *		NEEDS_CSUM: the TCP checksum field holds the pseudo-header's
 *		sum, as Linux's stack leaves it; MSS 0: no GSO); prints
 *		"wrote N".
 *	vnet_client read ENDPOINT OFFLOADS BYTES
 *		TUNSETOFFLOAD OFFLOADS, prints "ready", reads packets until
 *		BYTES of TCP payload came (or 10 s without one); one line per
 *		packet: its length, its virtio-net header, and whether its
 *		TCP checksum (completed first when NEEDS_CSUM) and payload
 *		bytes are right; then "total packets=P payload=B bad=N".
 *
 * The packet: 10.88.0.1:5000 -> 10.88.0.2:6000 (fd00::1 -> fd00::2),
 * sequence 1000, payload byte at offset o is (o * 7 + 3) & 0xff.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/if_tun.h>

#include "bsdtun.h"

#define SEQ0     1000u
#define VNET_SZ  10
#define BUF_SIZE (VNET_SZ + 65536)

static uint8_t buf[BUF_SIZE];

static uint8_t
pay_byte(uint32_t o)
{
	return (uint8_t)((o * 7 + 3) & 0xff);
}

/* The ones' complement sum of len bytes, added to sum (not folded). */
static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The pseudo-header's sum of a TCP segment of tlen bytes. */
static uint32_t
pseudo(const uint8_t *ip, int v6, uint32_t tlen)
{
	uint32_t s = v6 ? sum16(ip + 8, 32, 0) : sum16(ip + 12, 8, 0);

	return s + 6 + (tlen & 0xffff) + (tlen >> 16);
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
get16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

/* A virtio-net header's field (little-endian on this host). */
static unsigned int
le16(const uint8_t *p)
{
	return (unsigned int)p[0] | (unsigned int)p[1] << 8;
}

static struct bsdtun *
open_vnet(const char *ep, unsigned long offloads)
{
	struct bsdtun *t = bsdtun_open(ep, 0);
	struct ifreq ifr;

	if (t == NULL) {
		printf("FAIL open %s: %s\n", ep, strerror(errno));
		exit(1);
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
	if (bsdtun_ioctl(t, TUNSETIFF, &ifr) < 0 ||
	    bsdtun_ioctl(t, TUNSETOFFLOAD, (void *)offloads) < 0) {
		printf("FAIL TUNSETIFF/TUNSETOFFLOAD 0x%lx: %s\n", offloads,
		       strerror(errno));
		exit(1);
	}
	return t;
}

static int
do_write(const char *ep, unsigned long offl, uint32_t size, uint32_t mss,
         int v6)
{
	struct bsdtun *t = open_vnet(ep, offl);
	uint32_t l3 = v6 ? 40 : 20, tlen = size - l3, i;
	uint8_t *vh = buf, *ip = buf + VNET_SZ, *th = ip + l3;
	ssize_t n;

	memset(buf, 0, VNET_SZ + size);
	vh[0] = 1;                     /* NEEDS_CSUM */
	vh[1] = !mss ? 0 : v6 ? 4 : 1; /* GSO_TCPV6, GSO_TCPV4 */
	vh[2] = (uint8_t)(mss ? l3 + 20 : 0);
	vh[4] = (uint8_t)mss;
	vh[5] = (uint8_t)(mss >> 8);
	vh[6] = (uint8_t)l3; /* csum_start */
	vh[8] = 16;          /* csum_offset */
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, tlen);
		ip[6] = 6;
		ip[7] = 64;
		ip[8] = 0xfd;
		ip[23] = 1;
		ip[24] = 0xfd;
		ip[39] = 2;
	} else {
		ip[0] = 0x45;
		put16(ip + 2, size);
		put16(ip + 4, 0x4242);
		ip[6] = 0x40; /* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, (uint8_t[]){ 10, 88, 0, 1, 10, 88, 0, 2 }, 8);
		put16(ip + 10, (uint16_t)~fold(sum16(ip, 20, 0)));
	}
	put16(th, 5000);
	put16(th + 2, 6000);
	put16(th + 4, SEQ0 >> 16);
	put16(th + 6, SEQ0 & 0xffff);
	th[12] = 0x50;
	th[13] = 0x18; /* ACK PSH */
	put16(th + 14, 65535);
	for (i = 0; i < tlen - 20; i++)
		th[20 + i] = pay_byte(i);
	put16(th + 16, fold(pseudo(ip, v6, tlen)));
	n = bsdtun_write(t, buf, VNET_SZ + size);
	printf("wrote %zd%s%s\n", n, n < 0 ? " " : "",
	       n < 0 ? strerror(errno) : "");
	bsdtun_close(t);
	return n == (ssize_t)(VNET_SZ + size) ? 0 : 1;
}

static int
do_read(const char *ep, unsigned long offl, uint64_t want)
{
	struct bsdtun *t = open_vnet(ep, offl);
	uint64_t got = 0, pkts = 0, bad = 0;

	printf("ready\n");
	while (got < want) {
		struct pollfd p = { .fd = bsdtun_fd(t), .events = POLLIN };
		const uint8_t *vh = buf, *ip = buf + VNET_SZ, *th;
		uint32_t l3, tlen, seq, i, hl, plen;
		int v6, ok = 1;
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0) {
			printf("FAIL no packet in 10 s\n");
			break;
		}
		n = bsdtun_read(t, buf, sizeof(buf));
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < VNET_SZ + 40) {
			printf("FAIL read %zd: %s\n", n, strerror(errno));
			break;
		}
		pkts++;
		plen = (uint32_t)n - VNET_SZ;
		v6 = ip[0] >> 4 == 6;
		l3 = v6 ? 40 : (uint32_t)(ip[0] & 0xf) * 4;
		th = ip + l3;
		tlen = plen - l3;
		hl = (uint32_t)(th[12] >> 4) * 4;
		if (vh[0] & 1) { /* NEEDS_CSUM: complete it (little-endian) */
			uint32_t cs = le16(vh + 6), co = le16(vh + 8);

			if (cs + co + 2 > plen) {
				printf("FAIL csum_start %u offset %u\n", cs,
				       co);
				break;
			}
			put16(buf + VNET_SZ + cs + co,
			      (uint16_t)~fold(sum16(ip + cs, plen - cs, 0)));
		}
		/* the checksum over pseudo-header and segment: 0xffff */
		if (fold(sum16(th, tlen, pseudo(ip, v6, tlen))) != 0xffff)
			ok = 0;
		if (!v6 && get16(ip + 2) != plen)
			ok = 0;
		if (v6 && get16(ip + 4) != tlen)
			ok = 0;
		seq = get16(th + 4) << 16 | get16(th + 6);
		for (i = 0; i < tlen - hl; i++)
			if (th[hl + i] != pay_byte(seq - SEQ0 + i))
				ok = 0;
		bad += !ok;
		got += tlen - hl;
		printf("pkt len=%u flags=%u gso_type=%u hdr_len=%u gso_size=%u "
		       "csum_start=%u csum_offset=%u seq=%u payload=%u "
		       "tcp_flags=0x%02x ok=%d\n",
		       plen, (unsigned int)vh[0], (unsigned int)vh[1],
		       le16(vh + 2), le16(vh + 4), le16(vh + 6), le16(vh + 8),
		       seq - SEQ0, tlen - hl, (unsigned int)th[13], ok);
	}
	printf("total packets=%llu payload=%llu bad=%llu\n",
	       (unsigned long long)pkts, (unsigned long long)got,
	       (unsigned long long)bad);
	bsdtun_close(t);
	return bad == 0 && got == want ? 0 : 1;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 6 && strcmp(argv[1], "write") == 0)
		return do_write(argv[2], strtoul(argv[3], NULL, 0),
		                (uint32_t)strtoul(argv[4], NULL, 0),
		                (uint32_t)strtoul(argv[5], NULL, 0),
		                argc > 6 && strcmp(argv[6], "v6") == 0);
	if (argc == 5 && strcmp(argv[1], "read") == 0)
		return do_read(argv[2], strtoul(argv[3], NULL, 0),
		               strtoull(argv[4], NULL, 0));
	fprintf(stderr, "usage: vnet_client write ENDPOINT OFFLOADS SIZE MSS "
	                "[v6] | read ENDPOINT OFFLOADS BYTES\n");
	return 2;
}
