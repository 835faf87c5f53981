/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Single-producer/single-consumer packet ring over the shared region, used
 * by both processes.  Every value read from the shared control block is
 * checked against this side's private state before use, so a hostile peer
 * can at worst make the ring report BSDTUN_RING_CORRUPT; it can never make
 * this side touch memory outside the data area.  See doc/wire.md.
 */
#ifndef BSDTUN_RING_H
#define BSDTUN_RING_H

#include <stdint.h>
#include <string.h>

#include "bsdtun_wire.h"

/* One side's private view of one ring. */
struct bsdtun_ring {
	struct bsdtun_ring_ctl *ctl; /* shared */
	uint8_t *data;               /* shared data area */
	uint32_t size;               /* data area bytes, power of two */
	uint32_t qlen;               /* packet limit */
	uint64_t pos;                /* own position (head or tail) */
	uint64_t pkts;               /* own packet counter */
	uint64_t peer_pos;           /* last validated peer position */
	uint64_t peer_pkts;          /* last validated peer packet count */
	uint64_t published;          /* pos last published */
};

/* Where the producer wraps early when it can (bsdtun_ring_prod_reserve). */
#define BSDTUN_RING_SOFT (4u << 20)

/* Results that are not a pointer. */
#define BSDTUN_RING_EMPTY   0
#define BSDTUN_RING_CORRUPT (-1)

static inline void
bsdtun_ring_init(struct bsdtun_ring *r, struct bsdtun_ring_ctl *ctl,
                 uint8_t *data, uint32_t size, uint32_t qlen)
{
	memset(r, 0, sizeof(*r));
	r->ctl = ctl;
	r->data = data;
	r->size = size;
	r->qlen = qlen;
}

/*
 * Ring data bytes for a queue of qlen packets of the MTU (doc/wire.md
 * "Sizing"): qlen records of an MTU-sized packet with the largest header,
 * plus one maximum record (what a wrap can waste), at least two maximum
 * records (a TUNMRU packet always fits an empty ring); a power of two, at
 * most BSDTUN_RING_BYTES_MAX.
 */
static inline uint32_t
bsdtun_ring_bytes_for(uint32_t qlen, uint32_t mtu)
{
	uint64_t max = bsdtun_rec_size(BSDTUN_REC_MAX_LEN);
	uint64_t want;
	uint64_t sz = 1;

	if (mtu > BSDTUN_MRU)
		mtu = BSDTUN_MRU;
	want = (uint64_t)qlen * bsdtun_rec_size(mtu + BSDTUN_MAX_FRAME_HDR) +
	       max;
	if (want < 2 * max)
		want = 2 * max;
	while (sz < want)
		sz <<= 1;
	return sz > BSDTUN_RING_BYTES_MAX ? BSDTUN_RING_BYTES_MAX :
	                                    (uint32_t)sz;
}

/* ---- producer ---------------------------------------------------------- */

/*
 * Refresh the consumer's position.  Returns 0, or BSDTUN_RING_CORRUPT when
 * the consumer published something impossible (ahead of the producer or
 * more than a ring behind).
 */
static inline int
bsdtun_ring_prod_sync(struct bsdtun_ring *r)
{
	uint64_t tail = __atomic_load_n(&r->ctl->tail, __ATOMIC_ACQUIRE);
	uint64_t tpk = __atomic_load_n(&r->ctl->tail_pkts, __ATOMIC_RELAXED);

	/* tpk: not behind what we saw last either (doc/wire.md), else a
	 * consumer could make us believe packets came back onto the ring */
	if (r->published - tail > r->size ||
	    r->pkts - tpk > (uint64_t)r->qlen ||
	    tail - r->peer_pos > r->published - r->peer_pos ||
	    tpk - r->peer_pkts > r->pkts - r->peer_pkts)
		return BSDTUN_RING_CORRUPT;
	r->peer_pos = tail;
	r->peer_pkts = tpk;
	return 0;
}

/*
 * Reserve room for a record of len payload bytes.  Returns the payload
 * address, NULL when full (qlen packets queued or not enough bytes), or
 * NULL with *corrupt set when the consumer's state is impossible.
 */
static inline uint8_t *
bsdtun_ring_prod_reserve(struct bsdtun_ring *r, uint32_t len, int *corrupt)
{
	uint32_t need = bsdtun_rec_size(len);
	uint32_t off = (uint32_t)r->pos & (r->size - 1);
	uint32_t waste = off + need > r->size ? r->size - off : 0;

	/*
	 * Early wrap: past BSDTUN_RING_SOFT bytes into the data area, go back
	 * to offset 0 as soon as the bytes there are consumed, so that records
	 * cycle through a cache-sized window instead of sweeping the whole
	 * area (doc/performance.md).  Same WRAP record, same accounting.
	 */
	if (waste == 0 && off >= BSDTUN_RING_SOFT &&
	    r->pos - r->peer_pos + need <= off)
		waste = r->size - off;

	if (r->pkts - r->peer_pkts >= r->qlen ||
	    r->pos - r->peer_pos + waste + need > r->size) {
		if (bsdtun_ring_prod_sync(r) < 0) {
			*corrupt = 1;
			return NULL;
		}
		if (r->pkts - r->peer_pkts >= r->qlen ||
		    r->pos - r->peer_pos + waste + need > r->size)
			return NULL;
	}
	if (waste) {
		struct bsdtun_rec *w = (struct bsdtun_rec *)(r->data + off);

		w->len = 0;
		w->family = 0;
		w->flags = BSDTUN_REC_F_WRAP;
		r->pos += waste;
		off = 0;
	}
	return r->data + off + BSDTUN_REC_HDR;
}

/*
 * Is there room for n records of at most len payload bytes each, whatever
 * wraps they need?  1 or 0; BSDTUN_RING_CORRUPT as bsdtun_ring_prod_sync().
 * One packet the producer cuts in several records goes all or nothing.
 */
static inline int
bsdtun_ring_prod_room(struct bsdtun_ring *r, uint32_t n, uint32_t len)
{
	uint64_t need = (uint64_t)(n + 1) * bsdtun_rec_size(len);

	if (r->pkts - r->peer_pkts + n <= r->qlen &&
	    r->pos - r->peer_pos + need <= r->size)
		return 1;
	if (bsdtun_ring_prod_sync(r) < 0)
		return BSDTUN_RING_CORRUPT;
	return r->pkts - r->peer_pkts + n <= r->qlen &&
	       r->pos - r->peer_pos + need <= r->size;
}

/* Finish the record reserved last, with its flags (BSDTUN_REC_F_VNET);
 * it becomes visible at the next publish. */
static inline void
bsdtun_ring_prod_commit_fl(struct bsdtun_ring *r, uint32_t len, uint16_t family,
                           uint16_t flags)
{
	struct bsdtun_rec *h =
	        (struct bsdtun_rec *)(r->data +
	                              ((uint32_t)r->pos & (r->size - 1)));

	h->len = len;
	h->family = family;
	h->flags = flags;
	r->pos += bsdtun_rec_size(len);
	r->pkts++;
}

/* Finish the record reserved last; it becomes visible at the next publish. */
static inline void
bsdtun_ring_prod_commit(struct bsdtun_ring *r, uint32_t len, uint16_t family)
{
	bsdtun_ring_prod_commit_fl(r, len, family, 0);
}

/* Make every committed record visible to the consumer. */
static inline void
bsdtun_ring_prod_publish(struct bsdtun_ring *r)
{
	if (r->published == r->pos)
		return;
	__atomic_store_n(&r->ctl->head_pkts, r->pkts, __ATOMIC_RELAXED);
	__atomic_store_n(&r->ctl->head, r->pos, __ATOMIC_RELEASE);
	r->published = r->pos;
}

/*
 * After publishing: must the producer ring the consumer's bell?  True once
 * per arming; the full fence pairs with the one in bsdtun_ring_cons_arm().
 */
static inline int
bsdtun_ring_prod_bell_due(struct bsdtun_ring *r)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->ctl->armed, __ATOMIC_RELAXED) == 0)
		return 0;
	return __atomic_exchange_n(&r->ctl->armed, 0, __ATOMIC_ACQ_REL) != 0;
}

/*
 * Another process used this ring since we last did (a forked copy of the
 * open): take our position from what the shared control block says.
 * Returns 0, or BSDTUN_RING_CORRUPT when the consumer's position makes
 * no sense against ours.
 */
static inline int
bsdtun_ring_prod_resync(struct bsdtun_ring *r)
{
	uint64_t tail, tpk;

	r->pos = __atomic_load_n(&r->ctl->head, __ATOMIC_ACQUIRE);
	r->pkts = __atomic_load_n(&r->ctl->head_pkts, __ATOMIC_RELAXED);
	r->published = r->pos;
	tail = __atomic_load_n(&r->ctl->tail, __ATOMIC_ACQUIRE);
	tpk = __atomic_load_n(&r->ctl->tail_pkts, __ATOMIC_RELAXED);
	if (r->pos - tail > r->size || r->pkts - tpk > (uint64_t)r->qlen)
		return BSDTUN_RING_CORRUPT;
	r->peer_pos = tail;
	r->peer_pkts = tpk;
	return 0;
}

/* ---- consumer ---------------------------------------------------------- */

/*
 * Refresh the producer's position.  Returns bytes available (> 0),
 * BSDTUN_RING_EMPTY, or BSDTUN_RING_CORRUPT.
 */
static inline int64_t
bsdtun_ring_cons_avail(struct bsdtun_ring *r)
{
	uint64_t head;

	if (r->peer_pos != r->pos)
		return (int64_t)(r->peer_pos - r->pos);
	head = __atomic_load_n(&r->ctl->head, __ATOMIC_ACQUIRE);
	if (head - r->pos > r->size)
		return BSDTUN_RING_CORRUPT;
	r->peer_pos = head;
	return (int64_t)(head - r->pos);
}

/*
 * Next record: its payload address, with *len and *family filled from a
 * single read of the header.  NULL and *err = BSDTUN_RING_EMPTY or
 * BSDTUN_RING_CORRUPT otherwise.  Call bsdtun_ring_cons_release() when done.
 */
static inline const uint8_t *
bsdtun_ring_cons_peek_fl(struct bsdtun_ring *r, uint32_t *len, uint16_t *family,
                         uint16_t *flags, int *err)
{
	int wrapped = 0;

	for (;;) {
		int64_t avail = bsdtun_ring_cons_avail(r);
		uint32_t off = (uint32_t)r->pos & (r->size - 1);
		uint64_t raw;
		uint32_t l;
		uint16_t fl;

		if (avail <= 0) {
			*err = (int)avail;
			return NULL;
		}
		if (avail < BSDTUN_REC_HDR)
			goto corrupt;
		raw = __atomic_load_n((uint64_t *)(r->data + off),
		                      __ATOMIC_RELAXED);
		memcpy(&l, (uint8_t *)&raw, 4);
		memcpy(&fl, (uint8_t *)&raw + 6, 2);
		if (fl & BSDTUN_REC_F_WRAP) {
			uint32_t skip = r->size - off;

			if (wrapped || off == 0 || skip > avail)
				goto corrupt;
			r->pos += skip;
			wrapped = 1;
			continue;
		}
		if (l > BSDTUN_REC_MAX_LEN || bsdtun_rec_size(l) > avail ||
		    off + bsdtun_rec_size(l) > r->size)
			goto corrupt;
		*len = l;
		*flags = fl;
		memcpy(family, (uint8_t *)&raw + 4, 2);
		return r->data + off + BSDTUN_REC_HDR;
	}
corrupt:
	*err = BSDTUN_RING_CORRUPT;
	return NULL;
}

/* bsdtun_ring_cons_peek_fl() for who needs no flags. */
static inline const uint8_t *
bsdtun_ring_cons_peek(struct bsdtun_ring *r, uint32_t *len, uint16_t *family,
                      int *err)
{
	uint16_t fl;

	return bsdtun_ring_cons_peek_fl(r, len, family, &fl, err);
}

static inline void
bsdtun_ring_cons_release(struct bsdtun_ring *r, uint32_t len)
{
	r->pos += bsdtun_rec_size(len);
	r->pkts++;
}

static inline void
bsdtun_ring_cons_publish(struct bsdtun_ring *r)
{
	if (r->published == r->pos)
		return;
	__atomic_store_n(&r->ctl->tail_pkts, r->pkts, __ATOMIC_RELAXED);
	__atomic_store_n(&r->ctl->tail, r->pos, __ATOMIC_RELEASE);
	r->published = r->pos;
}

/* Length of the next record without consuming it; 0 when empty. */
static inline int64_t
bsdtun_ring_cons_next_len(struct bsdtun_ring *r)
{
	uint32_t len;
	uint16_t fam;
	int err;

	if (bsdtun_ring_cons_peek(r, &len, &fam, &err) == NULL)
		return err;
	return len;
}

/*
 * Consumer found the ring empty and wants the bell rung on the next
 * publish.  Returns 1 when a record arrived meanwhile (then the caller must
 * not sleep), 0 when armed, BSDTUN_RING_CORRUPT.
 */
static inline int
bsdtun_ring_cons_arm(struct bsdtun_ring *r)
{
	int64_t avail;

	__atomic_store_n(&r->ctl->armed, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	avail = bsdtun_ring_cons_avail(r);
	if (avail < 0)
		return BSDTUN_RING_CORRUPT;
	return avail > 0;
}

static inline int
bsdtun_ring_cons_armed(const struct bsdtun_ring *r)
{
	return __atomic_load_n(&r->ctl->armed, __ATOMIC_RELAXED) != 0;
}

/* As bsdtun_ring_prod_resync(), for the consumer: the next peek re-reads
 * and checks the producer's position. */
static inline void
bsdtun_ring_cons_resync(struct bsdtun_ring *r)
{
	r->pos = __atomic_load_n(&r->ctl->tail, __ATOMIC_ACQUIRE);
	r->pkts = __atomic_load_n(&r->ctl->tail_pkts, __ATOMIC_RELAXED);
	r->published = r->pos;
	r->peer_pos = r->pos;
	r->peer_pkts = r->pkts;
}

#endif /* BSDTUN_RING_H */
