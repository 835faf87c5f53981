/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rx interrupts (intr_conf.rxq = 1): an app that sleeps in rte_epoll_wait()
 * while its queues are quiet, as DPDK's l3fwd-power does.
 *
 * The fd the app registers for rx queue i (rte_eth_dev_rx_intr_ctl_q) is a
 * proxy: an epoll fd of the PMD that lives as long as the port.  In it are
 * the queue's own eventfd (the PMD kicks it when it finds work at arming
 * time) and, while a client holds queue pair i, the PMD's end of that
 * session's bell.  A client's reconnect changes the proxy's members, never
 * the app's fd; a departed client's bell is removed before it is closed, so
 * it can never wake the app again, nor can any other client's.
 *
 * Arming (rx_queue_intr_enable) sets `armed` on the pair's to_dpdk ring and
 * then, after a full fence, looks at the ring once more: a record that
 * slipped in before the client could see the flag kicks the eventfd, so it
 * is never stranded.  The client, after publishing, looks at `armed` (only
 * on rings whose `intr` the PMD set: a polling app costs its clients no
 * fence and no system call) and, once per arming, sends one byte on its end
 * of the bell.  Doorbells beyond one per arming are counted
 * (rx_intr_spurious) and cost the app at most a wake-up: they are drained
 * at the next enable or disable.  doc/pmd.md "Rx interrupts".
 *
 * The interrupt state of pair i (intr_on, intr_armed, intr_owed, the
 * doorbell counters) is under the pair's intr_lock, which no burst takes:
 * the app sleeping or waking never holds up rx_burst.  The control thread
 * takes it too, last, when it publishes or withdraws the pair's session,
 * so an op holding it sees the session alive; to drain the session's bell
 * after dropping it (no system call runs under the lock) the op takes the
 * session (unlocked_users), as tx_burst does for its bell.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_atomic.h>
#include <rte_eal.h>
#include <rte_interrupts.h>

#include "bsdtun_internal.h"

/*
 * Read whatever is pending on pair pq's non-blocking descriptor; how many
 * reads.  Never under a lock of the pair (checked by the analysis).
 */
static uint64_t
drain(const struct bsdtun_qproc *pq, int fd, int sock)
	__rte_locks_excluded(&pq->tx_lock, &pq->rx_lock, &pq->intr_lock)
{
	uint8_t b[64];
	uint64_t n = 0;

	RTE_SET_USED(pq);
	for (;;) {
		ssize_t r = sock ? recv(fd, b, sizeof(b), MSG_DONTWAIT) :
				   read(fd, b, sizeof(b));

		if (r <= 0)
			return n;
		n++;
		if (n >= 4096) /* a flooding client: the rest waits */
			return n;
	}
}

/*
 * Count n doorbells taken off a session's bell: those the client owed (one
 * per arming it consumed) and the rest, spurious.
 */
static void
count_doorbells(struct bsdtun_qproc *pq, struct bsdtun_xstats *xs, uint64_t n)
	__rte_exclusive_locks_required(&pq->intr_lock)
{
	uint64_t due = n < pq->intr_owed ? n : pq->intr_owed;

	pq->intr_owed -= due;
	xs->rx_intr_doorbells += n;
	xs->rx_intr_spurious += n - due;
}

int
bsdtun_intr_setup(struct bsdtun_unit *u)
{
	struct rte_intr_handle *h;
	uint32_t i;

	for (i = 0; i < BSDTUN_QUEUES_MAX; i++)
		bsdtun_proc(u)->q[i].intr_epfd =
			bsdtun_proc(u)->q[i].intr_kick = -1;
	h = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (h == NULL || rte_intr_type_set(h, RTE_INTR_HANDLE_VDEV) != 0)
		goto fail;
	for (i = 0; i < u->cfg.queues; i++) {
		struct bsdtun_qproc *pq = &bsdtun_proc(u)->q[i];
		struct epoll_event ev = { .events = EPOLLIN };

		pq->intr_epfd = epoll_create1(EPOLL_CLOEXEC);
		pq->intr_kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (pq->intr_epfd < 0 || pq->intr_kick < 0 ||
		    epoll_ctl(pq->intr_epfd, EPOLL_CTL_ADD, pq->intr_kick,
			      &ev) < 0 ||
		    rte_intr_efds_index_set(h, (int)i, pq->intr_epfd) != 0)
			goto fail;
	}
	/* the app's wait reads nothing: the PMD drains its members itself */
	if (rte_intr_efd_counter_size_set(h, 0) != 0 ||
	    rte_intr_nb_efd_set(h, 0) != 0)
		goto fail;
	bsdtun_dev(u)->intr_handle = h;
	return 0;
fail:
	BSDTUN_LOG(ERR, u, "cannot set up rx interrupts: %s", strerror(errno));
	rte_intr_instance_free(h);
	bsdtun_intr_close(u);
	return -ENOMEM;
}

void
bsdtun_intr_close(struct bsdtun_unit *u)
{
	uint32_t i;

	if (bsdtun_dev(u)->intr_handle != NULL) {
		rte_intr_vec_list_free(bsdtun_dev(u)->intr_handle);
		rte_intr_instance_free(bsdtun_dev(u)->intr_handle);
		bsdtun_dev(u)->intr_handle = NULL;
	}
	for (i = 0; i < BSDTUN_QUEUES_MAX; i++) {
		struct bsdtun_qproc *pq = &bsdtun_proc(u)->q[i];

		if (pq->intr_kick >= 0)
			close(pq->intr_kick);
		if (pq->intr_epfd >= 0)
			close(pq->intr_epfd);
		pq->intr_kick = pq->intr_epfd = -1;
	}
}

/* Every open session's to_dpdk ring says whether its client must ring. */
static void
sessions_intr_flag(struct bsdtun_unit *u, uint32_t on)
{
	uint32_t i;

	for (i = 0; i < u->cfg.queues; i++) {
		struct bsdtun_qproc *pq = &bsdtun_proc(u)->q[i];
		struct bsdtun_session *s;

		rte_spinlock_lock(&pq->intr_lock);
		s = bsdtun_sess_intr(pq);
		if (s != NULL)
			rte_atomic_store_explicit(&s->to_dpdk.ctl->intr, on,
						  rte_memory_order_release);
		rte_spinlock_unlock(&pq->intr_lock);
	}
}

/*
 * dev_configure: with intr_conf.rxq, one vector per rx queue, each the
 * queue's proxy epoll fd; without, none (rte_eth_dev_rx_intr_ctl_q then
 * fails).
 */
int
bsdtun_intr_configure(struct rte_eth_dev *dev)
{
	struct bsdtun_unit *u = dev->data->dev_private;
	struct rte_intr_handle *h = dev->intr_handle;
	uint16_t nb = dev->data->nb_rx_queues, i;
	int on = dev->data->dev_conf.intr_conf.rxq != 0;

	rte_intr_vec_list_free(h);
	rte_intr_nb_efd_set(h, 0);
	rte_atomic_store_explicit(&u->rx_intr, on, rte_memory_order_release);
	sessions_intr_flag(u, on);
	if (!on || nb == 0)
		return 0;
	if (rte_intr_vec_list_alloc(h, "bsdtun_rx_intr", nb) != 0)
		return -ENOMEM;
	for (i = 0; i < nb; i++)
		if (rte_intr_vec_list_index_set(
			    h, i, RTE_INTR_VEC_RXTX_OFFSET + i) != 0)
			return -EINVAL;
	if (rte_intr_nb_efd_set(h, nb) != 0 ||
	    rte_intr_max_intr_set(h, nb + 1) != 0)
		return -EINVAL;
	return 0;
}

/*
 * A session joins queue pair qid (control thread, before it is published
 * and before the client hears of it): its bell goes into the proxy, its
 * ring says whether the app uses interrupts, and if the app sleeps on the
 * queue now the ring starts armed, so the client's first packet wakes it.
 */
int
bsdtun_intr_attach(struct bsdtun_unit *u, struct bsdtun_session *s)
{
	struct bsdtun_qproc *pq = &bsdtun_proc(u)->q[s->qid];
	struct epoll_event ev = { .events = EPOLLIN };

	if (epoll_ctl(pq->intr_epfd, EPOLL_CTL_ADD, s->bell_fd, &ev) < 0)
		return -errno;
	s->to_dpdk.ctl->intr =
		rte_atomic_load_explicit(&u->rx_intr, rte_memory_order_acquire);
	rte_spinlock_lock(&pq->intr_lock);
	pq->intr_owed = 0; /* a new client owes nothing */
	pq->intr_armed = pq->intr_on;
	s->to_dpdk.ctl->armed = pq->intr_on;
	rte_spinlock_unlock(&pq->intr_lock);
	return 0;
}

/* The session leaves (control thread, after it was withdrawn). */
void
bsdtun_intr_detach(struct bsdtun_unit *u, struct bsdtun_session *s)
{
	epoll_ctl(bsdtun_proc(u)->q[s->qid].intr_epfd, EPOLL_CTL_DEL,
		  s->bell_fd, NULL);
}

/*
 * The session of pair pq, taken (unlocked_users) so that its bell can be
 * drained after intr_lock is dropped: no system call runs under it.
 */
static struct bsdtun_session *
sess_take(struct bsdtun_qproc *pq)
{
	struct bsdtun_session *s;

	rte_spinlock_lock(&pq->intr_lock);
	s = bsdtun_sess_intr(pq);
	if (s != NULL)
		rte_atomic_fetch_add_explicit(&s->unlocked_users, 1,
					      rte_memory_order_relaxed);
	rte_spinlock_unlock(&pq->intr_lock);
	return s;
}

static void
sess_give(struct bsdtun_session *s)
{
	if (s != NULL)
		rte_atomic_fetch_sub_explicit(&s->unlocked_users, 1,
					      rte_memory_order_release);
}

/*
 * n doorbells drained from session s's bell, intr_lock held again: those
 * of the pair's session now are counted against what it owes; a session
 * withdrawn meanwhile owes nothing more (all spurious).
 */
static void
count_drained(struct bsdtun_qproc *pq, struct bsdtun_xstats *xs,
	      const struct bsdtun_session *s, uint64_t n)
	__rte_exclusive_locks_required(&pq->intr_lock)
{
	if (s == bsdtun_sess_intr(pq)) {
		count_doorbells(pq, xs, n);
	} else {
		xs->rx_intr_doorbells += n;
		xs->rx_intr_spurious += n;
	}
}

/* rx_queue_intr_enable: the app is about to sleep on queue qid. */
int
bsdtun_rx_intr_enable(struct rte_eth_dev *dev, uint16_t qid)
{
	struct bsdtun_unit *u = dev->data->dev_private;
	struct bsdtun_qproc *pq;
	struct bsdtun_session *s, *taken;
	static const uint64_t one = 1;
	uint64_t n = 0;
	int work = 0;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -ENOTSUP; /* the sessions are the primary's */
	pq = &bsdtun_proc(u)->q[qid];
	taken = sess_take(pq);
	(void)drain(pq, pq->intr_kick, 0);
	if (taken != NULL)
		n = drain(pq, taken->bell_fd, 1);
	rte_spinlock_lock(&pq->intr_lock);
	if (taken != NULL)
		count_drained(pq, &u->q[qid].xs, taken, n);
	s = bsdtun_sess_intr(pq);
	pq->intr_on = 1;
	if (s != NULL &&
	    !rte_atomic_load_explicit(&s->broken, rte_memory_order_relaxed)) {
		/* armed (a previous arming the client took: its doorbell is
		 * due), then the ring once more after a full fence */
		if (rte_atomic_exchange_explicit(&s->to_dpdk.ctl->armed, 1,
						 rte_memory_order_seq_cst) ==
			    0 &&
		    pq->intr_armed)
			pq->intr_owed++;
		rte_atomic_thread_fence(rte_memory_order_seq_cst);
		work = bsdtun_ring_cons_avail(&s->to_dpdk) != BSDTUN_RING_EMPTY;
		pq->intr_armed = 1;
	}
	rte_spinlock_unlock(&pq->intr_lock);
	sess_give(taken);
	/* a record came before the client could see the arming: wake now */
	if (work && write(pq->intr_kick, &one, sizeof(one)) != sizeof(one))
		return -errno;
	return 0;
}

/* rx_queue_intr_disable: the app woke up and polls queue qid again. */
int
bsdtun_rx_intr_disable(struct rte_eth_dev *dev, uint16_t qid)
{
	struct bsdtun_unit *u = dev->data->dev_private;
	struct bsdtun_qproc *pq;
	struct bsdtun_session *s;
	uint64_t n = 0;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -ENOTSUP;
	pq = &bsdtun_proc(u)->q[qid];
	rte_spinlock_lock(&pq->intr_lock);
	s = bsdtun_sess_intr(pq);
	pq->intr_on = 0;
	if (s != NULL) {
		/* polling again: the client need not ring.  If it took the
		 * arming first, its doorbell is due (now or later). */
		if (rte_atomic_exchange_explicit(&s->to_dpdk.ctl->armed, 0,
						 rte_memory_order_acq_rel) ==
			    0 &&
		    pq->intr_armed)
			pq->intr_owed++;
		rte_atomic_fetch_add_explicit(&s->unlocked_users, 1,
					      rte_memory_order_relaxed);
	}
	pq->intr_armed = 0;
	rte_spinlock_unlock(&pq->intr_lock);
	if (s != NULL) {
		n = drain(pq, s->bell_fd, 1);
		rte_spinlock_lock(&pq->intr_lock);
		count_drained(pq, &u->q[qid].xs, s, n);
		rte_spinlock_unlock(&pq->intr_lock);
		sess_give(s);
	}
	(void)drain(pq, pq->intr_kick, 0);
	return 0;
}
