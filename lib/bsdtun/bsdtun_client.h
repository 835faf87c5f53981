/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The library's own view of an open unit, shared by its files: bsdtun.c
 * (open, the rings, BSD tun(4)), bsdtun_linux.c (the Linux tun
 * personality an open takes with TUNSETIFF) and bsdtun_call.c (what both
 * use).  Calls go bsdtun.c -> bsdtun_linux.c -> bsdtun_call.c, never
 * back.  Not installed.
 */
#ifndef BSDTUN_CLIENT_H
#define BSDTUN_CLIENT_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "bsdtun_ioctl.h"
#include "bsdtun_ring.h"
#include "bsdtun_wire.h"

/* What TUNSETIFF made of an open: a Linux tun file, until its close. */
struct bsdtun_linux {
	int on;         /* TUNSETIFF succeeded */
	uint32_t flags; /* IFF_TUN|IFF_TAP, NO_PI, ONE/MULTI_QUEUE */
	int detached;   /* TUNSETQUEUE IFF_DETACH_QUEUE */
	int sndbuf;     /* TUNSETSNDBUF (INT_MAX: Linux's) */
	char name[BSDTUN_IFNAMSIZ]; /* the name TUNGETIFF reports */
	/* writes dropped, the ring to DPDK full; published in the region */
	uint64_t full_drops;
	int vnet_sz;      /* TUNSETVNETHDRSZ (10 at first) */
	int vnet_le;      /* TUNSETVNETLE */
	unsigned offload; /* TUNSETOFFLOAD's TUN_F_* taken */
};

struct bsdtun {
	int ctl_fd;          /* control socket */
	int bell_fd;         /* client end of the bell pair; bsdtun_fd() */
	int nonblock;        /* O_NONBLOCK / FIONBIO */
	int polled;          /* bsdtun_fd() was asked: keep it level-true */
	int strict;          /* no readiness without a packet (preload) */
	int ring_pending;    /* RINGs sent whose answer is not drained */
	int gone;            /* the bell hung up: the DPDK process died */
	pid_t server_pid;    /* the DPDK process (SO_PEERCRED at open) */
	pid_t caller_pid;    /* for the PMD's device node: its caller, or 0 */
	uint32_t unit_flags; /* BSDTUN_UNIT_F_*, as the PMD last said */
	uint32_t queue;      /* the unit's queue pair this open holds */
	uint8_t *map;
	size_t map_size;
	volatile struct bsdtun_region_hdr *hdr;
	struct bsdtun_ring to_client; /* we consume */
	struct bsdtun_ring to_dpdk;   /* we produce */
	struct bsdtun_linux lx;       /* the Linux personality */
};

/* Forward one ioctl to the PMD (bsdtun_call.c): in/out may be NULL. */
int bsdtun_ioctl_remote(struct bsdtun *t, uint32_t cmd, const void *in,
                        size_t in_len, void *out, size_t out_len);

/* Bytes [skip, skip + len) of an iov gather list to dst (bsdtun_call.c). */
void bsdtun_iov_gather(void *dst, const struct iovec *iov, int iovcnt,
                       size_t skip, size_t len);

/* bsdtun_linux.c: the requests of an open in the Linux personality, or
 * of <linux/if_tun.h> before it (d NULL: not in the table). */
int bsdtun_linux_ioctl(struct bsdtun *t, const struct bsdtun_ioctl_def *d,
                       void *arg);
/*
 * A Linux-personality write of total bytes: the header to skip (tun_pi,
 * the virtio-net header) and the record's family; with IFF_VNET_HDR the
 * virtio-net header into *m (host order) and *use whether the record
 * must carry it.  0, or -1 with errno as Linux's tun would.
 */
int bsdtun_linux_write_hdr(const struct bsdtun *t, const struct iovec *iov,
                           int iovcnt, size_t total, size_t *hdr, int *family,
                           struct bsdtun_rec_vnet *m, int *use);
/*
 * A Linux-personality write found the ring to DPDK full: the packet is
 * dropped, as Linux's stack drops what it cannot take, and counted where
 * the PMD reports it (struct bsdtun_region_hdr, to_dpdk_full_drops).
 */
void bsdtun_linux_drop_full(struct bsdtun *t);
/*
 * A Linux-personality read: a record of len bytes (tun_pi first unless
 * IFF_NO_PI) into a buffer of room bytes; the tun_pi flags word to
 * store (TUN_PKT_STRIP when it is cut), or -1 with errno (EINVAL: no room
 * for tun_pi; the packet is dropped, as Linux does).
 */
int bsdtun_linux_read_check(const struct bsdtun *t, size_t len, size_t room);
/* Set TUN_PKT_STRIP in the struct tun_pi at pi (a cut packet's header). */
void bsdtun_linux_mark_cut(uint8_t *pi);
/* IFF_VNET_HDR, a read: the header to put before the packet (its first
 * 10 bytes at out) from the record's (m NULL: none, all zero). */
void bsdtun_linux_vnet_out(const struct bsdtun *t,
                           const struct bsdtun_rec_vnet *m, uint8_t *out);

/*
 * IFF_VNET_HDR, a read into iov (room bytes) of a record (len bytes,
 * flags rflags): tun_pi unless IFF_NO_PI, the virtio-net header (vnet_sz
 * bytes, zeros after its first 10), the packet, cut to room.  Bytes
 * copied, or -1 with errno (EINVAL: no room for the headers; the packet
 * is dropped, as Linux does).
 */
ssize_t bsdtun_linux_read_vnet(const struct bsdtun *t, const struct iovec *iov,
                               int iovcnt, size_t room, const uint8_t *rec,
                               uint32_t len, uint16_t rflags);

#endif /* BSDTUN_CLIENT_H */
