/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "traffic.h"

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static uint32_t
get16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
get32(const uint8_t *p)
{
	return get16(p) << 16 | get16(p + 2);
}

/* splitmix64 finalizer: neighbouring seqs get unrelated sizes and bytes. */
static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * RFC 1071 checksum.  Native 32-bit words summed and folded give the same
 * ones' complement sum in native byte order; this runs for every packet
 * sent and received.
 */
static uint16_t
inet_csum(const uint8_t *p, size_t n)
{
	uint64_t sum = 0;
	uint32_t w;
	uint16_t h;

	for (; n >= sizeof(w); p += sizeof(w), n -= sizeof(w)) {
		memcpy(&w, p, sizeof(w));
		sum += w;
	}
	if (n >= sizeof(h)) {
		memcpy(&h, p, sizeof(h));
		sum += h;
		p += sizeof(h);
		n -= sizeof(h);
	}
	if (n) {
		uint8_t last[2] = { p[0], 0 };

		memcpy(&h, last, sizeof(h));
		sum += h;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ntohs((uint16_t)~sum);
}

/* xorshift64* bytes; eight at a time because this runs per packet. */
static void
fill(uint8_t *p, size_t n, uint64_t x)
{
	x |= 1;
	for (;;) {
		uint64_t v;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		v = x * 0x2545f4914f6cdd1dull;
		if (n < sizeof(v)) {
			memcpy(p, &v, n);
			return;
		}
		memcpy(p, &v, sizeof(v));
		p += sizeof(v);
		n -= sizeof(v);
	}
}

static void
ip4_header(uint8_t *p, uint8_t id, uint32_t seq, size_t len)
{
	memset(p, 0, TT_IP4_HLEN);
	p[0] = 0x45;
	put16(p + 2, (uint32_t)len);
	put16(p + 4, seq & 0xffff); /* for packets with no tag */
	p[8] = 64;
	p[9] = TT_IP_PROTO;
	p[12] = p[16] = 10;
	p[13] = p[17] = id;
	p[15] = 1;
	p[19] = 2;
	put16(p + 10, inet_csum(p, TT_IP4_HLEN));
}

static void
ip6_header(uint8_t *p, uint8_t id, uint32_t seq, size_t len)
{
	memset(p, 0, TT_IP6_HLEN);
	/* The flow label carries the seq: small packets have no tag. */
	put32(p, 6u << 28 | (seq & 0xfffff));
	put16(p + 4, (uint32_t)(len - TT_IP6_HLEN));
	p[6] = TT_IP_PROTO;
	p[7] = 64;
	p[8] = p[24] = 0xfd;
	p[21] = p[37] = id;
	p[23] = 1;
	p[39] = 2;
}

static size_t
build(const struct tt_stream *s, uint32_t seq, bool v6, size_t len,
      uint32_t magic, uint64_t h, uint8_t *frame)
{
	size_t hl = v6 ? TT_IP6_HLEN : TT_IP4_HLEN;
	uint8_t *p = frame;

	if (s->ifhead) {
		put32(p, v6 ? AF_INET6 : AF_INET);
		p += TT_AF_HLEN;
	}
	if (v6)
		ip6_header(p, s->id, seq, len);
	else
		ip4_header(p, s->id, seq, len);
	fill(p + hl, len - hl, h);
	if (len >= hl + TT_TAG_LEN) {
		uint8_t *tag = p + hl;

		put32(tag, magic);
		put32(tag + 4, s->id);
		put32(tag + 8, seq);
		put16(tag + 12, (uint32_t)len);
		put16(tag + 14, 0); /* summed as zero */
		put16(tag + 14, inet_csum(tag, len - hl));
	}
	return (size_t)(p - frame) + len;
}

size_t
tt_gen(const struct tt_stream *s, uint32_t seq, uint8_t *frame)
{
	uint64_t h = mix((uint64_t)s->id << 32 | seq);
	bool v6 = s->ifhead && s->max >= TT_IP6_HLEN && (h & 1);
	size_t lo = v6 ? TT_IP6_HLEN : TT_IP4_HLEN;
	size_t len;

	if (s->min > lo)
		lo = s->min;
	len = lo + (h >> 1) % (s->max - lo + 1);
	return build(s, seq, v6, len, TT_MAGIC, mix(h), frame);
}

size_t
tt_gen_probe(const struct tt_stream *s, uint8_t *frame)
{
	return build(s, 0, false, TT_PROBE_LEN, TT_PROBE_MAGIC, 0, frame);
}

/*
 * A probe, framed for this stream's mode or for the other one: a probe
 * queued to the receiver before its TUNSIFHEAD took effect is framed for
 * the mode the unit had then (the mode applies to packets queued after
 * it, as on BSD, and a unit keeps IFHEAD from its previous open).
 */
bool
tt_is_probe(struct tt_check *c, const uint8_t *frame, size_t len)
{
	struct tt_stream other = c->s;
	size_t n;

	n = tt_gen_probe(&c->s, c->want);
	if (len == n && memcmp(c->want, frame, len) == 0)
		return true;
	other.ifhead = !c->s.ifhead;
	n = tt_gen_probe(&other, c->want);
	return len == n && memcmp(c->want, frame, len) == 0;
}

void
tt_check_init(struct tt_check *c, const struct tt_stream *s)
{
	memset(c, 0, sizeof(*c));
	c->s = *s;
}

/*
 * The seq a frame that is not the expected one claims to be: from its tag,
 * else from the low bits the IP header carries, taken nearest to expect.
 * False when the frame cannot be a packet of any seq.
 */
static bool
claimed_seq(const struct tt_check *c, const uint8_t *p, size_t len,
            uint64_t *seq)
{
	size_t hl;
	int64_t d;

	if (c->s.ifhead) {
		if (len < TT_AF_HLEN)
			return false;
		p += TT_AF_HLEN;
		len -= TT_AF_HLEN;
	}
	if (len >= TT_IP4_HLEN && p[0] == 0x45)
		hl = TT_IP4_HLEN;
	else if (len >= TT_IP6_HLEN && (p[0] >> 4) == 6)
		hl = TT_IP6_HLEN;
	else
		return false;
	if (len >= hl + TT_TAG_LEN && get32(p + hl) == TT_MAGIC) {
		*seq = get32(p + hl + 8);
		return true;
	}
	if (hl == TT_IP4_HLEN) {
		d = (int16_t)(uint16_t)(get16(p + 4) - c->expect);
	} else {
		d = (get32(p) - c->expect) & 0xfffff;
		if (d >= 0x80000)
			d -= 0x100000;
	}
	if ((int64_t)c->expect + d < 0 || c->expect + d > UINT32_MAX)
		return false;
	*seq = c->expect + d;
	return true;
}

static void
mark(struct tt_check *c, uint64_t seq, bool seen)
{
	uint64_t bit = 1ull << (seq % 64);
	uint64_t *w = &c->seen[seq % TT_LATE_WIN / 64];

	*w = seen ? *w | bit : *w & ~bit;
}

static bool
was_seen(const struct tt_check *c, uint64_t seq)
{
	return c->seen[seq % TT_LATE_WIN / 64] >> (seq % 64) & 1;
}

void
tt_check_frame(struct tt_check *c, const uint8_t *frame, size_t len)
{
	size_t hdr = c->s.ifhead ? TT_AF_HLEN : 0;
	uint64_t seq;

	c->received++;
	c->bytes += len > hdr ? len - hdr : 0;
	if (c->expect <= UINT32_MAX &&
	    tt_gen(&c->s, (uint32_t)c->expect, c->want) == len &&
	    memcmp(c->want, frame, len) == 0) {
		mark(c, c->expect++, true);
		return;
	}
	/* Only a byte-exact copy of some seq proves it is not corrupt. */
	if (!claimed_seq(c, frame, len, &seq) || seq == c->expect ||
	    tt_gen(&c->s, (uint32_t)seq, c->want) != len ||
	    memcmp(c->want, frame, len) != 0) {
		c->corrupt++;
		return;
	}
	if (seq > c->expect) {
		uint64_t s = seq - c->expect > TT_LATE_WIN ? seq - TT_LATE_WIN :
		                                             c->expect;

		c->lost += seq - c->expect;
		for (; s < seq; s++)
			mark(c, s, false);
		mark(c, seq, true);
		c->expect = seq + 1;
		return;
	}
	/* Late: counted lost when skipped, unless a duplicate or too late. */
	c->reordered++;
	if (c->expect - seq <= TT_LATE_WIN && !was_seen(c, seq)) {
		mark(c, seq, true);
		c->lost--;
	}
}

uint64_t
tt_check_lost(const struct tt_check *c, uint64_t count)
{
	return c->lost + (count > c->expect ? count - c->expect : 0);
}
