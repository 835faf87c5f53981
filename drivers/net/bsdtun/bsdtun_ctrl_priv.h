/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the control path's three files share, and no other file uses:
 * bsdtun_ctrl.c (ctrl.lock, the registry and its epoll watches, the
 * control thread), bsdtun_session.c (the sessions, the region thread) and
 * bsdtun_tunioctl.c (the ioctls).
 */
#ifndef BSDTUN_CTRL_PRIV_H
#define BSDTUN_CTRL_PRIV_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "bsdtun_internal.h"

#define CTRL_LOCKED __rte_exclusive_locks_required(&bsdtun_ctrl_lock)

/* bsdtun_ctrl.c: ctrl.lock, taken and dropped with a thread-local mark of
 * its holder (the region is never built under it). */
void bsdtun_ctrl_lock_take(void)
	__rte_exclusive_lock_function(&bsdtun_ctrl_lock);
void bsdtun_ctrl_lock_drop(void) __rte_unlock_function(&bsdtun_ctrl_lock);
/* pthread_cond_wait on c: ctrl.lock is dropped while it waits */
void bsdtun_ctrl_lock_wait(pthread_cond_t *c) CTRL_LOCKED;
/* 1 when this thread holds ctrl.lock */
int bsdtun_ctrl_lock_mine(void);

/* bsdtun_ctrl.c: the registry.  The unit in slot if it is still the one
 * of generation gen and the control thread runs; NULL when it went away. */
struct bsdtun_unit *bsdtun_ctrl_unit(uint32_t slot, uint16_t gen) CTRL_LOCKED;
/* u's generation in its slot */
uint16_t bsdtun_ctrl_gen(const struct bsdtun_unit *u) CTRL_LOCKED;
/* Watch fd, the control connection of u's pair qid; 0 or -1 with errno. */
int bsdtun_ctrl_watch_session(const struct bsdtun_unit *u, uint16_t qid,
			      int fd) CTRL_LOCKED;
/* Stop watching fd (it stays open). */
void bsdtun_ctrl_unwatch(int fd) CTRL_LOCKED;
/* Wake the control thread to deliver the LSC events left pending. */
void bsdtun_ctrl_wake(void) CTRL_LOCKED;

/* bsdtun_session.c: the events of a pending connection and of a session,
 * a pair's close, and the region thread */
void bsdtun_send_error(int fd, int err);
void bsdtun_on_hello(struct bsdtun_unit *u, uint32_t idx) CTRL_LOCKED;
void bsdtun_on_session(struct bsdtun_unit *u, uint16_t qid,
		       uint32_t events) CTRL_LOCKED;
void bsdtun_session_close(struct bsdtun_unit *u, uint16_t qid) CTRL_LOCKED;
int bsdtun_session_reap(void) CTRL_LOCKED;
int bsdtun_region_start(void) CTRL_LOCKED;
void bsdtun_region_stop(void) CTRL_LOCKED;

/* bsdtun_tunioctl.c */
void bsdtun_set_flag(struct bsdtun_queue *qp, uint32_t set, uint32_t clear);
void bsdtun_undo_settings(struct bsdtun_unit *u, uid_t uid) CTRL_LOCKED;
int bsdtun_do_ioctl(struct bsdtun_unit *u, struct bsdtun_session *s,
		    struct bsdtun_msg *m, pid_t pid) CTRL_LOCKED;

/* Packets still on a ring, as far as untrusted counters let us tell. */
static inline uint64_t
bsdtun_ring_backlog(uint64_t produced, uint64_t consumed, uint32_t qlen)
{
	uint64_t n = produced - consumed;

	return n > qlen ? qlen : n;
}

#endif /* BSDTUN_CTRL_PRIV_H */
