/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test packet stream.  Every frame is a pure function of (stream, seq),
 * so a receiver regenerates the frame it expects and compares bytes; there
 * is no state shared between sender and receiver but the options.
 *
 * Frame = [4-byte address family, network order, IFHEAD only] + IP packet.
 * IPv4: 10.S.0.1 -> 10.S.0.2, protocol 253, identification = seq & 0xffff.
 * IPv6 (IFHEAD only): fd00::S:1 -> fd00::S:2, next header 253,
 * flow label = seq & 0xfffff.  When the packet has room, its payload starts
 * with a tag (struct layout below, network order); the rest of the payload
 * is pseudo-random bytes seeded by (stream, seq).
 *
 *	0  magic	"TUNT"
 *	4  stream	32 bits
 *	8  seq		32 bits
 *	12 length	16 bits, the IP packet's
 *	14 checksum	16 bits, Internet checksum of the IP payload
 */
#ifndef TT_TRAFFIC_H
#define TT_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bsdtun.h>

#define TT_MAGIC      0x54554e54u /* "TUNT" */
#define TT_TAG_LEN    16
#define TT_IP4_HLEN   20
#define TT_IP6_HLEN   40
#define TT_AF_HLEN    4      /* IFHEAD address family */
#define TT_IP_PROTO   253    /* RFC 3692 experimental */
#define TT_FRAME_MAX  TUNMRU /* AF header included */
#define TT_STREAM_MAX 255    /* ids are an address octet */

struct tt_stream {
	uint8_t id;
	bool ifhead;       /* frames carry the family; IPv6 allowed */
	uint16_t min, max; /* IP packet length range, inclusive */
};

/* Write frame (stream, seq) to frame[TT_FRAME_MAX]; returns its length. */
size_t tt_gen(const struct tt_stream *s, uint32_t seq, uint8_t *frame);

/*
 * Probe: written in place of the stream until the peer is heard from, so
 * that no packet of it goes to a unit nobody holds yet (tt_run()).  The
 * IPv4 packet of seq 0 with magic "TUNP"; receivers skip it.
 */
#define TT_PROBE_MAGIC 0x54554e50u /* "TUNP" */
#define TT_PROBE_LEN   (TT_IP4_HLEN + TT_TAG_LEN)

size_t tt_gen_probe(const struct tt_stream *s, uint8_t *frame);

/* How far back a late frame can be told from a duplicate. */
#define TT_LATE_WIN 1024

/* Receiver side: verdicts for an in-order stream of frames. */
struct tt_check {
	struct tt_stream s;
	uint64_t expect;    /* next seq due */
	uint64_t received;  /* frames seen, whatever they were */
	uint64_t bytes;     /* IP bytes of those frames */
	uint64_t lost;      /* seqs skipped over and not seen since */
	uint64_t reordered; /* intact but late (or duplicate) */
	uint64_t corrupt;   /* frames that are no seq of this stream */
	uint64_t seen[TT_LATE_WIN / 64]; /* bit seq % WIN: arrived */
	uint8_t want[TT_FRAME_MAX];
};

void tt_check_init(struct tt_check *c, const struct tt_stream *s);
bool tt_is_probe(struct tt_check *c, const uint8_t *frame, size_t len);
void tt_check_frame(struct tt_check *c, const uint8_t *frame, size_t len);
/* Lost by the end of a stream of count frames, the missing tail included. */
uint64_t tt_check_lost(const struct tt_check *c, uint64_t count);

#endif /* TT_TRAFFIC_H */
