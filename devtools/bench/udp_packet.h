/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The benchmark programs' packet: a valid IPv4/UDP packet (12345 -> 9, no
 * UDP checksum) that a kernel tun routes like any other.  Header-only.
 */
#ifndef BENCH_UDP_PACKET_H
#define BENCH_UDP_PACKET_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* len bytes (>= 28), src -> dst in host order. */
static inline void
bench_udp_packet(unsigned char *p, size_t len, uint32_t src, uint32_t dst)
{
	uint32_t sum = 0;
	size_t i;

	memset(p, 0, len);
	p[0] = 0x45;
	p[2] = len >> 8;
	p[3] = len & 0xff;
	p[8] = 64;
	p[9] = 17;
	for (i = 0; i < 4; i++) {
		p[12 + i] = src >> (24 - 8 * i);
		p[16 + i] = dst >> (24 - 8 * i);
	}
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	p[10] = sum >> 8;
	p[11] = sum & 0xff;
	p[20] = 0x30, p[21] = 0x39;
	p[23] = 9;
	p[24] = (len - 20) >> 8;
	p[25] = (len - 20) & 0xff;
}

#endif /* BENCH_UDP_PACKET_H */
