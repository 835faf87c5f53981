/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the ring code of bsdtun_ring.h over a peer that
 * writes anything at any time.  Both processes run this code on memory
 * the other side can scribble on, so every value read from the control
 * block or the data area is fuzzer-chosen here.
 *
 * The data areas are heap blocks of exactly the ring's size, so ASan
 * reports any access outside them; the invariants the callers rely on
 * (a payload lies inside the data area, the producer never overwrites
 * what the consumer has not released, never more than qlen queued) are
 * checked explicitly.
 *
 * Input: byte 0 ring size (64 B .. 64 KiB), byte 1 qlen, then up to
 * `size` bytes of initial data-area content for the consumed ring, then
 * operations (doc: tests/fuzz/README.md).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bsdtun_ring.h"

#define CHECK(c)                          \
	do {                              \
		if (!(c))                 \
			__builtin_trap(); \
	} while (0)

static volatile uint8_t sink; /* keeps the payload reads */

struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t
take(struct input *in, unsigned int bytes)
{
	uint64_t v = 0;

	while (bytes-- > 0 && in->n > 0) {
		v = v << 8 | *in->p++;
		in->n--;
	}
	return v;
}

/* Consumer checks: what the PMD's rx_burst and the library's read rely on. */
static void
consume(struct bsdtun_ring *c, struct input *in)
{
	uint32_t len;
	uint16_t fam;
	int err = 1;
	const uint8_t *p = bsdtun_ring_cons_peek(c, &len, &fam, &err);
	uint32_t i;

	if (p == NULL) {
		CHECK(err == BSDTUN_RING_EMPTY || err == BSDTUN_RING_CORRUPT);
		return;
	}
	CHECK(len <= BSDTUN_REC_MAX_LEN);
	CHECK(p >= c->data + BSDTUN_REC_HDR);
	CHECK((size_t)(p - c->data) + len <= c->size);
	CHECK(c->peer_pos - c->pos <= c->size);
	for (i = 0; i < len; i++) /* rx_fill / copy_out read all of it */
		sink += p[i];
	if (take(in, 1) & 1) {
		bsdtun_ring_cons_release(c, len);
		bsdtun_ring_cons_publish(c);
	}
}

/* Producer checks: what the PMD's tx_burst and the library's write rely on. */
static void
produce(struct bsdtun_ring *r, struct input *in)
{
	uint32_t len = (uint32_t)take(in, 2) % (BSDTUN_REC_MAX_LEN + 1);
	int corrupt = 0;
	uint8_t *p = bsdtun_ring_prod_reserve(r, len, &corrupt);

	if (p == NULL)
		return;
	CHECK(!corrupt);
	CHECK(p >= r->data + BSDTUN_REC_HDR);
	CHECK((size_t)(p - r->data) + len <= r->size);
	memset(p, 0xab, len);
	bsdtun_ring_prod_commit(r, len, 2);
	/* never more than one ring, never more than qlen, past the
	 * consumer's last validated position */
	CHECK(r->pos - r->peer_pos <= r->size);
	CHECK(r->pkts - r->peer_pkts <= r->qlen);
	if (take(in, 1) & 1)
		bsdtun_ring_prod_publish(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint32_t rsize = 64u << (2 * (take(&in, 1) % 6)); /* 64..64K */
	uint32_t qlen = (uint32_t)take(&in, 1) % 64 + 1;
	struct bsdtun_ring_ctl *cctl = calloc(1, sizeof(*cctl));
	struct bsdtun_ring_ctl *pctl = calloc(1, sizeof(*pctl));
	uint8_t *cdata = calloc(1, rsize), *pdata = calloc(1, rsize);
	struct bsdtun_ring c, r;
	size_t init = in.n < rsize ? in.n : rsize;
	int ops = 0;

	if (cctl == NULL || pctl == NULL || cdata == NULL || pdata == NULL)
		abort();
	/* seeds start with a well-formed ring: a head covering it */
	init = init > 8 ? (size_t)take(&in, 2) % (init + 1) : 0;
	memcpy(cdata, in.p, init < in.n ? init : in.n);
	in.p += init < in.n ? init : in.n;
	in.n -= init < in.n ? init : in.n;
	cctl->head = init & ~7ull;
	bsdtun_ring_init(&c, cctl, cdata, rsize, qlen);
	bsdtun_ring_init(&r, pctl, pdata, rsize, qlen);

	while (in.n > 0 && ops++ < 4096) {
		uint8_t op = (uint8_t)take(&in, 1);
		uint64_t v;

		switch (op % 12) {
		case 0: /* the producer of c publishes anything */
			__atomic_store_n(&cctl->head, take(&in, 8),
			                 __ATOMIC_RELEASE);
			break;
		case 1: /* ... relative to where it is, more often valid */
			v = c.pos + (take(&in, 2) % (2 * rsize + 16));
			__atomic_store_n(&cctl->head,
			                 v & ~(uint64_t)(op & 8 ? 0 : 7),
			                 __ATOMIC_RELEASE);
			break;
		case 2: { /* ... writes a record header anywhere */
			uint32_t off = (uint32_t)take(&in, 2) % rsize & ~7u;
			uint64_t h = take(&in, 8);

			memcpy(cdata + off, &h, 8);
			break;
		}
		case 3:
			consume(&c, &in);
			break;
		case 4:
			(void)bsdtun_ring_cons_next_len(&c);
			break;
		case 5:
			CHECK(bsdtun_ring_cons_arm(&c) >= BSDTUN_RING_CORRUPT);
			break;
		case 6: /* the consumer of r publishes anything */
			__atomic_store_n(&pctl->tail_pkts, take(&in, 8),
			                 __ATOMIC_RELAXED);
			__atomic_store_n(&pctl->tail, take(&in, 8),
			                 __ATOMIC_RELEASE);
			break;
		case 7: /* ... or something close to right */
			__atomic_store_n(&pctl->tail_pkts,
			                 r.peer_pkts + take(&in, 1) % 4,
			                 __ATOMIC_RELAXED);
			__atomic_store_n(
			        &pctl->tail,
			        r.peer_pos +
			                ((take(&in, 2) % (rsize + 8)) & ~7u),
			        __ATOMIC_RELEASE);
			break;
		case 8:
			produce(&r, &in);
			break;
		case 9:
			bsdtun_ring_prod_publish(&r);
			(void)bsdtun_ring_prod_bell_due(&r);
			break;
		case 10:
			(void)take(&in, 2);
			(void)bsdtun_ring_prod_sync(&r);
			break;
		case 11:
			__atomic_store_n(&pctl->armed, (uint32_t)take(&in, 4),
			                 __ATOMIC_RELAXED);
			__atomic_store_n(&cctl->head_pkts, take(&in, 8),
			                 __ATOMIC_RELAXED);
			break;
		}
	}
	free(cctl);
	free(pctl);
	free(cdata);
	free(pdata);
	return 0;
}
