/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small hand-made packets for behaviour checks (tuntest conform and the
 * test programs): every byte is a function of the arguments, so a reader
 * rebuilds the packet it expects and compares.  Header-only.
 *
 * IPv4: 10.0.0.1 -> 10.0.1.<dst>, protocol 253, identification = seq,
 * payload byte i = seq * 7 + i.  IPv6: fd00::1 -> fd00::2, next header 253,
 * payload byte i = seq * 13 + i.
 */
#ifndef TT_PKT_H
#define TT_PKT_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t
tt_pkt_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A valid IPv4 packet of len (>= 20) bytes; returns len. */
static inline size_t
tt_pkt_ipv4(uint8_t *b, size_t len, uint8_t dst, uint32_t seq)
{
	uint16_t c;
	size_t i;

	memset(b, 0, 20);
	b[0] = 0x45;
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	b[4] = (uint8_t)(seq >> 8);
	b[5] = (uint8_t)seq;
	b[8] = 64;
	b[9] = 253; /* RFC 3692 experimental */
	b[12] = 10;
	b[15] = 1;
	b[16] = 10;
	b[18] = 1;
	b[19] = dst;
	c = tt_pkt_csum(b, 20);
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
	for (i = 20; i < len; i++)
		b[i] = (uint8_t)(seq * 7 + i);
	return len;
}

/* A valid IPv6 packet of len (>= 40) bytes; returns len. */
static inline size_t
tt_pkt_ipv6(uint8_t *b, size_t len, uint32_t seq)
{
	size_t i;

	memset(b, 0, 40);
	b[0] = 0x60;
	b[4] = (uint8_t)((len - 40) >> 8);
	b[5] = (uint8_t)(len - 40);
	b[6] = 253;
	b[7] = 64;
	b[8] = 0xfd;
	b[23] = 1;
	b[24] = 0xfd;
	b[39] = 2;
	for (i = 40; i < len; i++)
		b[i] = (uint8_t)(seq * 13 + i);
	return len;
}

/* IFHEAD framing: the 4-byte family (network order), then the packet. */
static inline size_t
tt_pkt_af(uint8_t *out, uint32_t af, const uint8_t *pkt, size_t len)
{
	uint32_t n = htonl(af);

	memmove(out + 4, pkt, len);
	memcpy(out, &n, 4);
	return len + 4;
}

#endif /* TT_PKT_H */
