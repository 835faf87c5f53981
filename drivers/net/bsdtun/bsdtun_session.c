/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sessions: one per open of a queue pair.  A pending connection's HELLO is
 * admitted or refused (the seed's tunopen); the region thread builds the
 * session's shared region and bell pair with no lock held, and the open is
 * finished under ctrl.lock (published to the datapath, then WELCOME); the
 * session's control messages are served (RING; IOCTL, answered by
 * bsdtun_tunioctl.c); a client that goes away, even by kill -9, has its
 * pair closed (tunclose).  The control thread (bsdtun_ctrl.c) dispatches
 * the events.  Protocol: doc/wire.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bsdtun_compat.h"
#include "bsdtun_internal.h"
#include "bsdtun_ctrl_priv.h"

#define REGION_HDR_BYTES     4096u
#define REGION_TO_CLIENT_CTL 256u
#define REGION_TO_DPDK_CTL   512u

/*
 * An admitted open whose region the region thread builds (region_main):
 * what it needs of the unit, copied, so that it never touches the unit
 * without ctrl.lock.  The pair is the unit's building[] one meanwhile.
 */
struct open_job {
	struct open_job *next;
	uint32_t slot; /* the unit: slot and generation, as watch keys */
	uint16_t gen;
	uint16_t qid;
	int fd; /* the client's connection */
	int local;
	struct ucred cr;
	uint32_t qlen;
	uint32_t ring_bytes;
	char name[RTE_DEV_NAME_MAX_LEN]; /* the memfd's */
};

/* The sessions' state, under ctrl.lock as the registry (bsdtun_ctrl.c) */
static struct {
	/* the region thread and its queue of opens (under lock) */
	bsdtun_thread_t region_thread;
	pthread_cond_t region_cond;
	int region_running;
	struct open_job *jobs;
	struct open_job **jobs_tail;
	/* withdrawn sessions a burst or an rx interrupt op still uses after
	 * dropping its lock (unlocked_users): freed once it is 0 */
	struct bsdtun_session *retired;
} sessions __rte_guarded_by(&bsdtun_ctrl_lock) = {
	.region_cond = PTHREAD_COND_INITIALIZER
};

void
bsdtun_send_error(int fd, int err)
{
	struct bsdtun_msg m;

	memset(&m, 0, sizeof(m));
	m.type = BSDTUN_MSG_ERROR;
	m.magic = BSDTUN_WIRE_MAGIC;
	m.u.error.err = err;
	(void)send(fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL);
}

/*
 * Build a session's region (memfd, rings) and bell pair for job, on the
 * region thread with no lock held: with the app's memory locked
 * (mlockall) the mapping faults in and locks the whole region, up to
 * 64 MiB, which must cost no other unit anything.  Nothing is sent: the
 * caller publishes the session to the datapath first, then
 * session_welcome() tells the client (open is complete when it returns).
 * NULL with errno on failure.
 */
static struct bsdtun_session *
session_build(const struct open_job *j) __rte_locks_excluded(&bsdtun_ctrl_lock)
{
	uint32_t rb = j->ring_bytes;
	size_t size = REGION_HDR_BYTES + 2 * (size_t)rb;
	struct bsdtun_session *s;
	struct bsdtun_region_hdr *h;
	int pair[2] = { -1, -1 }, err;

	RTE_VERIFY(!bsdtun_ctrl_lock_mine());
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->memfd = memfd_create(j->name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (s->memfd < 0)
		goto fail;
	if (ftruncate(s->memfd, size) < 0 ||
	    fcntl(s->memfd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		goto fail;
	s->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd,
		      0);
	if (s->map == MAP_FAILED) {
		s->map = NULL;
		goto fail;
	}
	s->map_size = size;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		goto fail;
	fcntl(pair[0], F_SETFL, O_NONBLOCK);

	h = (struct bsdtun_region_hdr *)s->map;
	h->magic = BSDTUN_WIRE_MAGIC;
	h->version = BSDTUN_WIRE_VERSION;
	h->region_size = size;
	h->qlen = j->qlen;
	h->ring_bytes = rb;
	h->to_client_ctl = REGION_TO_CLIENT_CTL;
	h->to_dpdk_ctl = REGION_TO_DPDK_CTL;
	h->to_client_data = REGION_HDR_BYTES;
	h->to_dpdk_data = REGION_HDR_BYTES + rb;
	h->state = BSDTUN_STATE_OPEN;
	h->queue = j->qid;
	s->hdr = h;
	bsdtun_ring_init(
		&s->to_client,
		(struct bsdtun_ring_ctl *)(s->map + REGION_TO_CLIENT_CTL),
		s->map + REGION_HDR_BYTES, rb, j->qlen);
	bsdtun_ring_init(
		&s->to_dpdk,
		(struct bsdtun_ring_ctl *)(s->map + REGION_TO_DPDK_CTL),
		s->map + REGION_HDR_BYTES + rb, rb, j->qlen);
	s->ctl_fd = j->fd;
	s->bell_fd = pair[0];
	s->bell_client_fd = pair[1];
	s->pid = j->cr.pid;
	s->uid = j->cr.uid;
	s->gid = j->cr.gid;
	s->qid = j->qid;
	s->local = j->local;
	return s;
fail:
	err = errno;
	if (pair[0] >= 0) {
		close(pair[0]);
		close(pair[1]);
	}
	if (s->map != NULL)
		munmap(s->map, s->map_size);
	if (s->memfd >= 0)
		close(s->memfd);
	free(s);
	errno = err;
	return NULL;
}

/* A session that was never published (its client was never told). */
static void
session_destroy(struct bsdtun_session *s)
{
	munmap(s->map, s->map_size);
	close(s->memfd);
	close(s->bell_fd);
	close(s->bell_client_fd);
	free(s);
}

/* The flags a client is told: its pair's, and the unit's (mode, persist). */
static uint32_t
reply_flags(const struct bsdtun_unit *u, uint16_t qid)
{
	return u->q[qid].flags |
	       (u->cfg.mode == BSDTUN_MODE_TAP ? BSDTUN_UNIT_F_TAP : 0) |
	       (u->persist ? BSDTUN_UNIT_F_PERSIST : 0);
}

/* WELCOME, with the region's memfd and the client's end of the bell. */
static int
session_welcome(struct bsdtun_unit *u, struct bsdtun_session *s)
{
	const int fds[2] = { s->memfd, s->bell_client_fd };
	struct bsdtun_msg m;

	memset(&m, 0, sizeof(m));
	m.type = BSDTUN_MSG_WELCOME;
	m.magic = BSDTUN_WIRE_MAGIC;
	m.u.welcome.version = BSDTUN_WIRE_VERSION;
	m.u.welcome.flags = reply_flags(u, s->qid);
	m.u.welcome.region_size = s->map_size;
	if (bsdtun_msg_send(s->ctl_fd, &m, fds, 2, MSG_DONTWAIT) != sizeof(m))
		return -errno;
	return 0;
}

/*
 * Publish s (or NULL) as the session of queue pair qid to the datapath
 * and the rx interrupt ops: all three of the pair's locks, in their order.
 * Their holders make no system call and wait for nothing under them.
 */
static void
session_publish(struct bsdtun_unit *u, uint16_t qid,
		struct bsdtun_session *s) CTRL_LOCKED
{
	struct bsdtun_qproc *pq = &bsdtun_proc(u)->q[qid];

	rte_spinlock_lock(&pq->tx_lock);
	rte_spinlock_lock(&pq->rx_lock);
	rte_spinlock_lock(&pq->intr_lock);
	bsdtun_sess_set(pq, s);
	rte_spinlock_unlock(&pq->intr_lock);
	rte_spinlock_unlock(&pq->rx_lock);
	rte_spinlock_unlock(&pq->tx_lock);
}

/* The descriptors and memory of a withdrawn session nobody uses. */
static void
session_free(struct bsdtun_session *s) CTRL_LOCKED
{
	close(s->memfd);
	close(s->bell_client_fd);
	close(s->bell_fd); /* the client's bsdtun_fd() sees POLLHUP */
	close(s->ctl_fd);  /* the client's close returns at this EOF */
	munmap(s->map, s->map_size);
	free(s);
}

/*
 * Free the retired sessions whose last unlocked user is done; returns 1
 * while some are left (the control thread looks again soon).
 */
int
bsdtun_session_reap(void) CTRL_LOCKED
{
	struct bsdtun_session **p = &sessions.retired, *s;

	while ((s = *p) != NULL) {
		if (rte_atomic_load_explicit(&s->unlocked_users,
					     rte_memory_order_acquire) == 0) {
			*p = s->retired_next;
			session_free(s);
		} else {
			p = &s->retired_next;
		}
	}
	return sessions.retired != NULL;
}

/*
 * tunclose of the open holding pair qid: purge its rings, wake its
 * waiters, clear its async owner; the link goes down with the last pair.
 * The other pairs' sessions are not touched.
 */
void
bsdtun_session_close(struct bsdtun_unit *u, uint16_t qid) CTRL_LOCKED
{
	struct bsdtun_qproc *pq = &bsdtun_proc(u)->q[qid];
	struct bsdtun_session *s = bsdtun_sess_ctrl(pq);
	struct bsdtun_queue *qp = &u->q[qid];

	if (s == NULL)
		return;
	session_publish(u, qid, NULL);
	/* what its Linux writes dropped since the last burst or xstats;
	 * under the lock, as bsdtun_rx_client_drops() counts too */
	rte_spinlock_lock(&pq->rx_lock);
	bsdtun_rx_client_claim(pq, &qp->xs, s);
	rte_spinlock_unlock(&pq->rx_lock);
	bsdtun_intr_detach(u, s); /* it can never wake the app again */

	/* atomic: the device node's thread counts one it took for a poll */
	rte_atomic_fetch_add_explicit(
		&qp->xs.to_client_purged,
		bsdtun_ring_backlog(
			s->to_client.pkts,
			rte_atomic_load_explicit(&s->to_client.ctl->tail_pkts,
						 rte_memory_order_acquire),
			u->cfg.qlen),
		rte_memory_order_relaxed);
	qp->xs.to_dpdk_purged += bsdtun_ring_backlog(
		rte_atomic_load_explicit(&s->to_dpdk.ctl->head_pkts,
					 rte_memory_order_acquire),
		s->to_dpdk.pkts, u->cfg.qlen);
	rte_atomic_store_explicit(&s->hdr->state, BSDTUN_STATE_CLOSED,
				  rte_memory_order_release);
	/* The unit's state first: the client's close returns at our EOF. */
	qp->xs.client_closes++;
	qp->tun_pid = 0;
	rte_atomic_store_explicit(&qp->async, 0,
				  rte_memory_order_relaxed); /* the open's */
	/* so is its personality */
	bsdtun_set_flag(qp, 0, BSDTUN_UNIT_F_LINUX_ALL);
	rte_atomic_store_explicit(&qp->offload, 0, rte_memory_order_relaxed);
	/* the unit's settings, if this was its user's last open */
	bsdtun_undo_settings(u, s->uid);
	if (bsdtun_port_link_update(u))
		bsdtun_proc(u)->lsc_pending++;
	BSDTUN_CLIENT_LOG(INFO, u, "client pid %d closed queue pair %u",
			  (int)s->pid, qid);
	/*
	 * Give the data areas' pages back: a client that keeps the memfd (or
	 * its mapping) after close would otherwise keep up to two rings of
	 * memory resident on the DPDK process's account, once per open.  The
	 * header page stays (state CLOSED, the final ring counters): one page
	 * per descriptor the client chose to keep.  Never reused for another
	 * client, which would let this one read and inject its traffic.
	 */
	if (fallocate(s->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      REGION_HDR_BYTES, s->map_size - REGION_HDR_BYTES) < 0)
		BSDTUN_CLIENT_LOG(ERR, u,
				  "cannot release the region's pages: %s",
				  strerror(errno));
	bsdtun_ctrl_unwatch(s->ctl_fd);
	/*
	 * A tx_burst that took the session before it was withdrawn may
	 * still ring its bell or shut its socket down, an rx interrupt op
	 * drain its bell: then it is freed once they are done
	 * (bsdtun_session_reap), never waited for here, under ctrl.lock.
	 */
	if (rte_atomic_load_explicit(&s->unlocked_users,
				     rte_memory_order_acquire) != 0) {
		s->retired_next = sessions.retired;
		sessions.retired = s;
		return;
	}
	session_free(s);
}

/*
 * Receive one control message without blocking.  MSG_TRUNC makes an
 * oversized datagram report its real length (plain recv() would truncate
 * it to a valid-looking message); a datagram that carried descriptors
 * (SCM_RIGHTS: closed at once) or any ancillary data other than
 * credentials is reported as length 1, so that both callers treat it as
 * malformed.  *pid: the sender's pid as the kernel saw it (SO_PASSCRED,
 * set at accept), 0 when it did not say.
 */
static ssize_t
ctl_recv(int fd, struct bsdtun_msg *m, pid_t *pid)
{
	int extra;
	ssize_t n = bsdtun_msg_recv(fd, m, NULL, 0, NULL, &extra, pid,
				    MSG_DONTWAIT | MSG_TRUNC);

	return n >= 0 && extra ? 1 : n;
}

/* A pending connection sent its first message. */
void
bsdtun_on_hello(struct bsdtun_unit *u, uint32_t idx) CTRL_LOCKED
{
	int fd = bsdtun_proc(u)->pending[idx];
	struct bsdtun_msg m;
	struct ucred cr;
	socklen_t crl = sizeof(cr);
	struct open_job *j;
	pid_t sender;
	ssize_t n;
	int local;
	uint16_t qid;

	n = ctl_recv(fd, &m, &sender);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	bsdtun_ctrl_unwatch(fd);
	bsdtun_proc(u)->pending[idx] = -1;
	if (n != sizeof(m) || m.magic != BSDTUN_WIRE_MAGIC ||
	    m.type != BSDTUN_MSG_HELLO) {
		if (n != 0)
			u->xs.client_bad_message++;
		bsdtun_send_error(fd, EPROTO);
		close(fd);
		return;
	}
	if (m.u.hello.version != BSDTUN_WIRE_VERSION) {
		BSDTUN_CLIENT_LOG(ERR, u,
				  "client speaks wire version %u, not %u",
				  m.u.hello.version, BSDTUN_WIRE_VERSION);
		bsdtun_send_error(fd, EPROTONOSUPPORT);
		close(fd);
		return;
	}
	/* Who asks: the peer, or for the device node's own connection the
	 * node's caller, as the node recorded it (one rule for both). */
	local = bsdtun_proc(u)->pending_local[idx];
	bsdtun_proc(u)->pending_local[idx] = 0;
	if (local)
		cr = bsdtun_proc(u)->pending_cred[idx];
	else if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) < 0)
		cr.uid = (uid_t)-1; /* nobody: refused below */
	if (!bsdtun_ctrl_admitted(u, &cr)) {
		u->xs.client_refused_perm++;
		bsdtun_send_error(fd, EACCES);
		close(fd);
		return;
	}
	/* the lowest free queue pair (queues=1: the unit) */
	for (qid = 0; qid < u->cfg.queues; qid++)
		if (bsdtun_sess_ctrl(&bsdtun_proc(u)->q[qid]) == NULL &&
		    !bsdtun_proc(u)->q[qid].building)
			break;
	if (qid == u->cfg.queues) {
		/* the device node's thread counts here too */
		rte_atomic_fetch_add_explicit(&u->xs.client_refused_busy, 1,
					      rte_memory_order_relaxed);
		bsdtun_send_error(fd, EBUSY);
		close(fd);
		return;
	}
	/* the region is built on the region thread, with no lock held */
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		bsdtun_send_error(fd, ENOMEM);
		close(fd);
		return;
	}
	j->slot = bsdtun_proc(u)->slot;
	j->gen = bsdtun_ctrl_gen(u);
	j->qid = qid;
	j->fd = fd;
	j->local = local;
	j->cr = cr;
	j->qlen = u->cfg.qlen;
	j->ring_bytes = bsdtun_ring_bytes_for(u->cfg.qlen, bsdtun_port_mtu(u));
	snprintf(j->name, sizeof(j->name), "%s", u->name);
	bsdtun_proc(u)->q[qid].building = 1;
	*sessions.jobs_tail = j;
	sessions.jobs_tail = &j->next;
	pthread_cond_signal(&sessions.region_cond);
}

/*
 * The region thread built job j's session s (NULL: it could not, errno
 * err): under ctrl.lock again, publish it and tell the client, unless the
 * unit went away meanwhile.  Returns 1 when the unit's link changed (an
 * LSC event for the control thread to deliver).
 */
static int
open_finish(struct open_job *j, struct bsdtun_session *s, int err) CTRL_LOCKED
{
	struct bsdtun_unit *u = bsdtun_ctrl_unit(j->slot, j->gen);
	uint16_t qid = j->qid;
	int fd = j->fd;

	if (u == NULL) {
		/* closed while its region was built: nothing of it is left */
		if (s != NULL)
			session_destroy(s);
		bsdtun_send_error(fd, ENXIO);
		close(fd);
		return 0;
	}
	bsdtun_proc(u)->q[qid].building = 0;
	if (s == NULL) {
		BSDTUN_CLIENT_LOG(ERR, u, "cannot set up a session: %s",
				  strerror(err));
		bsdtun_send_error(fd, ENOMEM);
		close(fd);
		return 0;
	}
	if (bsdtun_ctrl_watch_session(u, qid, fd) < 0 ||
	    bsdtun_intr_attach(u, s) < 0) {
		BSDTUN_CLIENT_LOG(ERR, u, "epoll: %s", strerror(errno));
		bsdtun_send_error(fd, ENOMEM);
		bsdtun_ctrl_unwatch(fd);
		close(fd);
		bsdtun_intr_detach(u, s);
		session_destroy(s);
		return 0;
	}
	/*
	 * Publish to the datapath before the client hears of it: open is
	 * complete when it returns, so a packet the app sends right after
	 * must find the session (SPEC section 4).
	 */
	session_publish(u, qid, s);
	u->q[qid].tun_pid = j->cr.pid;
	u->q[qid].xs.client_opens++;
	if (bsdtun_port_link_update(u))
		bsdtun_proc(u)->lsc_pending++;
	if (session_welcome(u, s) < 0) {
		BSDTUN_CLIENT_LOG(ERR, u,
				  "pid %d left before its open completed: %s",
				  (int)j->cr.pid, strerror(errno));
		bsdtun_session_close(u, qid);
		return bsdtun_proc(u)->lsc_pending;
	}
	BSDTUN_DEBUG(u, "open by pid %d", (int)j->cr.pid);
	BSDTUN_CLIENT_LOG(INFO, u, "client pid %d uid %d opened queue pair %u",
			  (int)j->cr.pid, (int)j->cr.uid, qid);
	return bsdtun_proc(u)->lsc_pending;
}

/*
 * The region thread: builds each queued open's region with no lock held,
 * then finishes the open under ctrl.lock.  The control thread goes on
 * serving every unit meanwhile.  At stop the opens still queued are
 * refused.
 */
static uint32_t
region_main(void *arg __rte_unused)
{
	struct bsdtun_session *s;
	struct open_job *j;
	int err, lsc;

	bsdtun_ctrl_lock_take();
	for (;;) {
		while (sessions.jobs == NULL && sessions.region_running)
			bsdtun_ctrl_lock_wait(&sessions.region_cond);
		if (sessions.jobs == NULL)
			break;
		j = sessions.jobs;
		sessions.jobs = j->next;
		if (sessions.jobs == NULL)
			sessions.jobs_tail = &sessions.jobs;
		if (sessions.region_running) {
			bsdtun_ctrl_lock_drop();
			s = session_build(j);
			err = errno;
			bsdtun_ctrl_lock_take();
		} else {
			s = NULL; /* stopping: refused by open_finish */
			err = ENXIO;
		}
		lsc = open_finish(j, s, err);
		if (lsc)
			/* the control thread delivers it, with no lock held */
			bsdtun_ctrl_wake();
		free(j);
	}
	bsdtun_ctrl_lock_drop();
	return 0;
}

/* Start the region thread (ctrl_start in bsdtun_ctrl.c); 0 or -errno. */
int
bsdtun_region_start(void) CTRL_LOCKED
{
	sessions.region_running = 1;
	sessions.jobs = NULL;
	sessions.jobs_tail = &sessions.jobs;
	return bsdtun_thread_create(&sessions.region_thread, "bsdtun-reg",
				    region_main, NULL);
}

/*
 * Stop the region thread (called with ctrl.lock held, which it drops and
 * takes again): the opens still queued are refused.  It never waits for
 * another thread, so any thread but itself may join it.
 */
void
bsdtun_region_stop(void) CTRL_LOCKED
{
	bsdtun_thread_t t = sessions.region_thread;

	sessions.region_running = 0;
	pthread_cond_broadcast(&sessions.region_cond);
	bsdtun_ctrl_lock_drop();
	bsdtun_thread_join(t);
	bsdtun_ctrl_lock_take();
}

void
bsdtun_on_session(struct bsdtun_unit *u, uint16_t qid,
		  uint32_t events) CTRL_LOCKED
{
	struct bsdtun_session *s = bsdtun_sess_ctrl(&bsdtun_proc(u)->q[qid]);
	struct bsdtun_msg m;
	pid_t sender;
	ssize_t n;

	if (s == NULL)
		return;
	n = ctl_recv(s->ctl_fd, &m, &sender);
	if (n < 0 && (errno == EAGAIN || errno == EINTR) &&
	    !(events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)))
		return;
	if (n <= 0 ||
	    rte_atomic_load_explicit(&s->broken, rte_memory_order_relaxed)) {
		bsdtun_session_close(u, qid);
		return;
	}
	if (n == sizeof(m) && m.magic == BSDTUN_WIRE_MAGIC &&
	    m.type == BSDTUN_MSG_RING) {
		/*
		 * The client took its arming back: ring for it.  Not under
		 * the tx lock: tx_burst only tries it (and would return 0
		 * to the app meanwhile); the bell is a socket, safe to send
		 * on from two threads, and its counters are atomic.
		 */
		bsdtun_bell_ring(&u->q[qid], s, 2);
		return;
	}
	if (n != sizeof(m) || m.magic != BSDTUN_WIRE_MAGIC ||
	    m.type != BSDTUN_MSG_IOCTL ||
	    m.u.ioctl.arg_len > BSDTUN_IOCTL_ARG_MAX) {
		BSDTUN_CLIENT_LOG(ERR, u,
				  "bad control message from pid %d: closing",
				  (int)s->pid);
		u->q[qid].xs.client_bad_message++;
		bsdtun_session_close(u, qid);
		return;
	}
	m.u.ioctl.result = bsdtun_do_ioctl(u, s, &m, sender);
	BSDTUN_DEBUG(u, "ioctl %u from pid %d: %s", m.u.ioctl.cmd, (int)sender,
		     m.u.ioctl.result ? strerror(m.u.ioctl.result) : "done");
	m.u.ioctl.unit_flags = reply_flags(u, qid);
	if (send(s->ctl_fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    sizeof(m))
		bsdtun_session_close(u, qid);
}
