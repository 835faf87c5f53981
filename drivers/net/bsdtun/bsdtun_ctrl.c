/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control path: one thread per process serves every unit's control socket.
 * It admits clients (the seed's tunopen), builds the shared region for each
 * session, answers ioctls (tunioctl) and closes the unit when the client
 * goes away, even by kill -9 (tunclose).  Protocol: doc/wire.md.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_lcore.h>

#include "bsdtun_compat.h"
#include "bsdtun_internal.h"
#include "bsdtun_ioctl.h"

#define CTRL_MAX_UNITS       RTE_MAX_ETHPORTS
#define REGION_HDR_BYTES     4096u
#define REGION_TO_CLIENT_CTL 256u
#define REGION_TO_DPDK_CTL   512u

/* Host IFF_MULTICAST, and BSD's, which TUNSIFMODE also accepts. */
#define BSD_IFF_MULTICAST 0x8000

/*
 * epoll data: which unit (slot + generation, so an event fetched just
 * before the unit went away is recognised as stale) and which descriptor.
 */
enum watch_kind { W_WAKE, W_LISTEN, W_PENDING, W_SESSION };

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

/* ctrl.lock: the registry below and every unit's control state */
struct bsdtun_mutex bsdtun_ctrl_lock = { .m = PTHREAD_MUTEX_INITIALIZER };

static struct {
	bsdtun_thread_t thread;
	int running;
	int epfd;
	int wakefd;
	uint32_t nunits;
	struct bsdtun_unit *units[CTRL_MAX_UNITS];
	uint16_t gen[CTRL_MAX_UNITS];
	/* the region thread and its queue of opens (under lock) */
	bsdtun_thread_t region_thread;
	pthread_cond_t region_cond;
	int region_running;
	struct open_job *jobs;
	struct open_job **jobs_tail;
	/* withdrawn sessions a burst or an rx interrupt op still uses after
	 * dropping its lock (unlocked_users): freed once it is 0 */
	struct bsdtun_session *retired;
	/* the slot + 1 whose LSC callbacks deliver_lsc runs now (0: none):
	 * a close on another thread waits on lsc_cond until they return */
	uint32_t lsc_busy;
	pthread_cond_t lsc_cond;
} ctrl __rte_guarded_by(&bsdtun_ctrl_lock) = {
	.epfd = -1,
	.wakefd = -1,
	.region_cond = PTHREAD_COND_INITIALIZER,
	.lsc_cond = PTHREAD_COND_INITIALIZER
};

/* This thread holds ctrl.lock (ctrl_lock/ctrl_unlock): the region is
 * never built under it. */
static __thread int ctrl_lock_mine;

static void
ctrl_lock(void) __rte_exclusive_lock_function(&bsdtun_ctrl_lock)
{
	bsdtun_mutex_lock(&bsdtun_ctrl_lock);
	ctrl_lock_mine = 1;
}

static void
ctrl_unlock(void) __rte_unlock_function(&bsdtun_ctrl_lock)
{
	ctrl_lock_mine = 0;
	bsdtun_mutex_unlock(&bsdtun_ctrl_lock);
}

#define CTRL_LOCKED __rte_exclusive_locks_required(&bsdtun_ctrl_lock)

static uint64_t
watch_key(const struct bsdtun_unit *u, enum watch_kind k,
	  uint32_t idx) CTRL_LOCKED
{
	return ((uint64_t)ctrl.gen[bsdtun_proc(u)->slot] << 48) |
	       ((uint64_t)bsdtun_proc(u)->slot << 16) | ((uint64_t)idx << 4) |
	       k;
}

static int
watch_add(int fd, uint64_t key) CTRL_LOCKED
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };

	ev.data.u64 = key;
	return epoll_ctl(ctrl.epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void
close_watched(int *fd) CTRL_LOCKED
{
	if (*fd >= 0) {
		epoll_ctl(ctrl.epfd, EPOLL_CTL_DEL, *fd, NULL);
		close(*fd);
		*fd = -1;
	}
}

/* ---- sessions ---------------------------------------------------------- */

static void
send_error(int fd, int err)
{
	struct bsdtun_msg m;

	memset(&m, 0, sizeof(m));
	m.type = BSDTUN_MSG_ERROR;
	m.magic = BSDTUN_WIRE_MAGIC;
	m.u.error.err = err;
	(void)send(fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* May the peer with these credentials open the unit?  (seed: root only;
 * here the endpoint's owner/group/perm, rw needed, root always.) */
static int
admitted(const struct bsdtun_unit *u, const struct ucred *cr)
{
	uint32_t p = u->cfg.perm;

	if (cr->uid == 0)
		return 1;
	if (cr->uid == u->cfg.owner)
		return (p & 0600) == 0600;
	if (cr->gid == u->cfg.group)
		return (p & 0060) == 0060;
	return (p & 0006) == 0006;
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

	RTE_VERIFY(!ctrl_lock_mine);
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

static void set_flag(struct bsdtun_queue *qp, uint32_t set, uint32_t clear);
static void undo_settings(struct bsdtun_unit *u, uid_t uid) CTRL_LOCKED;

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

/* Packets still on a ring, as far as untrusted counters let us tell. */
static uint64_t
ring_backlog(uint64_t produced, uint64_t consumed, uint32_t qlen)
{
	uint64_t n = produced - consumed;

	return n > qlen ? qlen : n;
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
static int
session_reap(void) CTRL_LOCKED
{
	struct bsdtun_session **p = &ctrl.retired, *s;

	while ((s = *p) != NULL) {
		if (rte_atomic_load_explicit(&s->unlocked_users,
					     rte_memory_order_acquire) == 0) {
			*p = s->retired_next;
			session_free(s);
		} else {
			p = &s->retired_next;
		}
	}
	return ctrl.retired != NULL;
}

/*
 * tunclose of the open holding pair qid: purge its rings, wake its
 * waiters, clear its async owner; the link goes down with the last pair.
 * The other pairs' sessions are not touched.
 */
static void
session_close(struct bsdtun_unit *u, uint16_t qid) CTRL_LOCKED
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
		ring_backlog(
			s->to_client.pkts,
			rte_atomic_load_explicit(&s->to_client.ctl->tail_pkts,
						 rte_memory_order_acquire),
			u->cfg.qlen),
		rte_memory_order_relaxed);
	qp->xs.to_dpdk_purged += ring_backlog(
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
	set_flag(qp, 0, BSDTUN_UNIT_F_LINUX_ALL); /* so is its personality */
	rte_atomic_store_explicit(&qp->offload, 0, rte_memory_order_relaxed);
	undo_settings(u, s->uid); /* the unit's, if this was its user's last */
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
	epoll_ctl(ctrl.epfd, EPOLL_CTL_DEL, s->ctl_fd, NULL);
	/*
	 * A tx_burst that took the session before it was withdrawn may
	 * still ring its bell or shut its socket down, an rx interrupt op
	 * drain its bell: then it is freed once they are done
	 * (session_reap), never waited for here, under ctrl.lock.
	 */
	if (rte_atomic_load_explicit(&s->unlocked_users,
				     rte_memory_order_acquire) != 0) {
		s->retired_next = ctrl.retired;
		ctrl.retired = s;
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
static void
on_hello(struct bsdtun_unit *u, uint32_t idx) CTRL_LOCKED
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
	epoll_ctl(ctrl.epfd, EPOLL_CTL_DEL, fd, NULL);
	bsdtun_proc(u)->pending[idx] = -1;
	if (n != sizeof(m) || m.magic != BSDTUN_WIRE_MAGIC ||
	    m.type != BSDTUN_MSG_HELLO) {
		if (n != 0)
			u->xs.client_bad_message++;
		send_error(fd, EPROTO);
		close(fd);
		return;
	}
	if (m.u.hello.version != BSDTUN_WIRE_VERSION) {
		BSDTUN_CLIENT_LOG(ERR, u,
				  "client speaks wire version %u, not %u",
				  m.u.hello.version, BSDTUN_WIRE_VERSION);
		send_error(fd, EPROTONOSUPPORT);
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
	if (!admitted(u, &cr)) {
		u->xs.client_refused_perm++;
		send_error(fd, EACCES);
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
		send_error(fd, EBUSY);
		close(fd);
		return;
	}
	/* the region is built on the region thread, with no lock held */
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		send_error(fd, ENOMEM);
		close(fd);
		return;
	}
	j->slot = bsdtun_proc(u)->slot;
	j->gen = ctrl.gen[bsdtun_proc(u)->slot];
	j->qid = qid;
	j->fd = fd;
	j->local = local;
	j->cr = cr;
	j->qlen = u->cfg.qlen;
	j->ring_bytes = bsdtun_ring_bytes_for(u->cfg.qlen, bsdtun_port_mtu(u));
	snprintf(j->name, sizeof(j->name), "%s", u->name);
	bsdtun_proc(u)->q[qid].building = 1;
	*ctrl.jobs_tail = j;
	ctrl.jobs_tail = &j->next;
	pthread_cond_signal(&ctrl.region_cond);
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
	struct bsdtun_unit *u = NULL;
	uint16_t qid = j->qid;
	int fd = j->fd;

	if (ctrl.running && ctrl.gen[j->slot] == j->gen)
		u = ctrl.units[j->slot];
	if (u == NULL) {
		/* closed while its region was built: nothing of it is left */
		if (s != NULL)
			session_destroy(s);
		send_error(fd, ENXIO);
		close(fd);
		return 0;
	}
	bsdtun_proc(u)->q[qid].building = 0;
	if (s == NULL) {
		BSDTUN_CLIENT_LOG(ERR, u, "cannot set up a session: %s",
				  strerror(err));
		send_error(fd, ENOMEM);
		close(fd);
		return 0;
	}
	if (watch_add(fd, watch_key(u, W_SESSION, qid)) < 0 ||
	    bsdtun_intr_attach(u, s) < 0) {
		BSDTUN_CLIENT_LOG(ERR, u, "epoll: %s", strerror(errno));
		send_error(fd, ENOMEM);
		close_watched(&fd);
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
		session_close(u, qid);
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
	static const uint64_t one = 1;
	struct bsdtun_session *s;
	struct open_job *j;
	int err, lsc;

	ctrl_lock();
	for (;;) {
		while (ctrl.jobs == NULL && ctrl.region_running) {
			ctrl_lock_mine = 0;
			bsdtun_mutex_cond_wait(&ctrl.region_cond,
					       &bsdtun_ctrl_lock);
			ctrl_lock_mine = 1;
		}
		if (ctrl.jobs == NULL)
			break;
		j = ctrl.jobs;
		ctrl.jobs = j->next;
		if (ctrl.jobs == NULL)
			ctrl.jobs_tail = &ctrl.jobs;
		if (ctrl.region_running) {
			ctrl_unlock();
			s = session_build(j);
			err = errno;
			ctrl_lock();
		} else {
			s = NULL; /* stopping: refused by open_finish */
			err = ENXIO;
		}
		lsc = open_finish(j, s, err);
		if (lsc && ctrl.wakefd >= 0)
			/* the control thread delivers it, with no lock held */
			(void)write(ctrl.wakefd, &one, sizeof(one));
		free(j);
	}
	ctrl_unlock();
	return 0;
}

static void
on_listen(struct bsdtun_unit *u) CTRL_LOCKED
{
	uint32_t i;
	int fd;

	static const int one = 1;

	fd = accept4(bsdtun_proc(u)->listen_fd, NULL, NULL,
		     SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	/* The kernel tells who sends each message (TUNSIFPID). */
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
		close(fd);
		return;
	}
	for (i = 0; i < BSDTUN_MAX_PENDING; i++)
		if (bsdtun_proc(u)->pending[i] < 0)
			break;
	if (i == BSDTUN_MAX_PENDING ||
	    watch_add(fd, watch_key(u, W_PENDING, i)) < 0) {
		/* the device node's thread counts here too */
		rte_atomic_fetch_add_explicit(&u->xs.client_refused_busy, 1,
					      rte_memory_order_relaxed);
		send_error(fd, EBUSY);
		close(fd);
		return;
	}
	bsdtun_proc(u)->pending[i] = fd;
	bsdtun_proc(u)->pending_local[i] = 0;
}

/* ---- ioctls (tunioctl) ------------------------------------------------- */

static void
set_flag(struct bsdtun_queue *qp, uint32_t set, uint32_t clear)
{
	uint32_t f = (qp->flags | set) & ~clear;

	rte_atomic_store_explicit(&qp->flags, f, rte_memory_order_release);
}

/* The unit's interface name: its vdev name, cut to what IFNAMSIZ holds. */
static void
unit_ifname(const struct bsdtun_unit *u, char name[BSDTUN_IFNAMSIZ])
{
	memset(name, 0, BSDTUN_IFNAMSIZ);
	memcpy(name, u->name, RTE_MIN(strlen(u->name), BSDTUN_IFNAMSIZ - 1));
}

/*
 * May the open s change the unit-wide setting bit (BSDTUN_UNDO_*)?  The
 * unit is the DPDK application's (devargs owner, group, perm), not its
 * first client's: root's change stands; another user's is put back when
 * its last open of the unit closes (undo_settings), so the value from
 * before is kept at its first change.  While another user (root too)
 * holds a pair of the unit, the setting is that user's as well: EPERM.
 * Returns 0 or EPERM; the caller then makes the change.
 */
static int
unit_setting(struct bsdtun_unit *u, const struct bsdtun_session *s,
	     uint32_t bit) CTRL_LOCKED
{
	struct bsdtun_undo *ud = &bsdtun_proc(u)->undo;
	uint32_t i;

	if (s->uid == 0) {
		ud->what &= ~bit;
		return 0;
	}
	for (i = 0; i < u->cfg.queues; i++) {
		const struct bsdtun_session *o =
			bsdtun_sess_ctrl(&bsdtun_proc(u)->q[i]);

		if (o != NULL && o->uid != s->uid)
			return EPERM;
	}
	if (ud->what != 0 && ud->uid != s->uid)
		return EPERM; /* not reached: put back at that user's close */
	if (ud->what & bit)
		return 0; /* the value from before is kept already */
	ud->what |= bit;
	ud->uid = s->uid;
	switch (bit) {
	case BSDTUN_UNDO_DEBUG:
		ud->debug = u->debug;
		break;
	case BSDTUN_UNDO_PERSIST:
		ud->persist = u->persist;
		break;
	case BSDTUN_UNDO_OWNER:
		ud->lx_owner = u->lx_owner;
		break;
	case BSDTUN_UNDO_GROUP:
		ud->lx_group = u->lx_group;
		break;
	case BSDTUN_UNDO_CARRIER:
		ud->carrier_off = rte_atomic_load_explicit(
			&u->carrier_off, rte_memory_order_relaxed);
		break;
	case BSDTUN_UNDO_INFO:
		ud->mtu = bsdtun_port_mtu(u);
		ud->if_type = u->if_type;
		ud->baudrate = u->baudrate;
		break;
	}
	return 0;
}

/*
 * An open of uid closed: if it was that user's last open of the unit, put
 * back what it changed (unit_setting).  The MTU only if it is still the
 * user's (the app or root may have set another since).  The caller
 * updates the link (TUNSETCARRIER).
 */
static void
undo_settings(struct bsdtun_unit *u, uid_t uid) CTRL_LOCKED
{
	struct bsdtun_undo *ud = &bsdtun_proc(u)->undo;
	uint32_t i;

	if (ud->what == 0 || ud->uid != uid)
		return;
	for (i = 0; i < u->cfg.queues; i++)
		if (bsdtun_sess_ctrl(&bsdtun_proc(u)->q[i]) != NULL &&
		    bsdtun_sess_ctrl(&bsdtun_proc(u)->q[i])->uid == uid)
			return;
	if (ud->what & BSDTUN_UNDO_DEBUG)
		u->debug = ud->debug;
	if (ud->what & BSDTUN_UNDO_PERSIST)
		u->persist = ud->persist;
	if (ud->what & BSDTUN_UNDO_OWNER)
		u->lx_owner = ud->lx_owner;
	if (ud->what & BSDTUN_UNDO_GROUP)
		u->lx_group = ud->lx_group;
	if (ud->what & BSDTUN_UNDO_CARRIER)
		rte_atomic_store_explicit(&u->carrier_off, ud->carrier_off,
					  rte_memory_order_relaxed);
	if (ud->what & BSDTUN_UNDO_INFO) {
		bsdtun_port_mtu_restore(u, ud->mtu_set, ud->mtu);
		u->if_type = ud->if_type;
		u->baudrate = ud->baudrate;
	}
	BSDTUN_CLIENT_LOG(NOTICE, u,
			  "uid %u closed its last open: put back%s%s%s%s%s%s",
			  (unsigned int)uid,
			  ud->what & BSDTUN_UNDO_DEBUG ? " debug level" : "",
			  ud->what & BSDTUN_UNDO_PERSIST ? " persist" : "",
			  ud->what & BSDTUN_UNDO_OWNER ? " owner" : "",
			  ud->what & BSDTUN_UNDO_GROUP ? " group" : "",
			  ud->what & BSDTUN_UNDO_CARRIER ? " carrier" : "",
			  ud->what & BSDTUN_UNDO_INFO ? " MTU" : "");
	ud->what = 0;
}

/*
 * May this open attach as a Linux tun file?  TUNSETOWNER/TUNSETGROUP
 * narrow who may (Linux's tun_not_capable), on top of the unit's
 * admission, which the open passed already; root always may.
 */
static int
linux_may_attach(const struct bsdtun_unit *u, const struct bsdtun_session *s)
{
	if (s->uid == 0)
		return 1;
	if (u->lx_owner >= 0 && (uid_t)u->lx_owner != s->uid)
		return 0;
	if (u->lx_group >= 0 && (gid_t)u->lx_group != s->gid)
		return 0;
	return 1;
}

/*
 * The Linux tun requests (the library checked what it can alone, the
 * rest is checked here: a client is not trusted to have).  arg is the
 * argument of LSETIFF (in and out) and the out buffer of GIFNAME and GMAC;
 * v the int of the others.  Returns 0 or a positive errno.
 */
static int
linux_ioctl(struct bsdtun_unit *u, struct bsdtun_session *s, uint32_t cmd,
	    void *arg, int v) CTRL_LOCKED
{
	struct bsdtun_lsetiff *iff = arg;
	struct bsdtun_queue *qp = &u->q[s->qid];
	uint32_t want, mq;

	switch (cmd) {
	case BSDTUN_IOC_LSETIFF:
		want = iff->flags &
		       (BSDTUN_LINUX_IFF_TUN | BSDTUN_LINUX_IFF_TAP);
		mq = iff->flags & BSDTUN_LINUX_IFF_MULTI_QUEUE;
		if (qp->flags & BSDTUN_UNIT_F_LINUX)
			return EEXIST;
		/* the unit's type, and multi-queue iff it has pairs */
		if (want != (u->cfg.mode == BSDTUN_MODE_TAP ?
				     BSDTUN_LINUX_IFF_TAP :
				     BSDTUN_LINUX_IFF_TUN) ||
		    !mq != (u->cfg.queues == 1))
			return EINVAL;
		if (!linux_may_attach(u, s))
			return EPERM;
		set_flag(qp,
			 BSDTUN_UNIT_F_LINUX |
				 (iff->flags & BSDTUN_LINUX_IFF_NO_PI ?
					  0 :
					  BSDTUN_UNIT_F_LINUX_PI) |
				 (iff->flags & BSDTUN_LINUX_IFF_VNET_HDR ?
					  BSDTUN_UNIT_F_LINUX_VNET :
					  0),
			 0);
		unit_ifname(u, iff->name);
		BSDTUN_CLIENT_LOG(
			INFO, u, "queue pair %u: Linux %s file%s", s->qid,
			want == BSDTUN_LINUX_IFF_TAP ? "tap" : "tun",
			iff->flags & BSDTUN_LINUX_IFF_NO_PI ? ", no tun_pi" :
							      "");
		return 0;
	case BSDTUN_IOC_GIFNAME:
		unit_ifname(u, arg);
		return 0;
	case BSDTUN_IOC_GMAC:
		memcpy(arg, &u->cfg.mac, RTE_ETHER_ADDR_LEN);
		return 0;
	}
	if (!(qp->flags & BSDTUN_UNIT_F_LINUX))
		return EBADFD; /* the Linux ones below need TUNSETIFF first */
	switch (cmd) {
	case BSDTUN_IOC_LSQUEUE:
		if (u->cfg.queues == 1)
			return EINVAL;
		set_flag(qp, v ? 0 : BSDTUN_UNIT_F_DETACHED,
			 v ? BSDTUN_UNIT_F_DETACHED : 0);
		break;
	case BSDTUN_IOC_LSPERSIST:
		if (unit_setting(u, s, BSDTUN_UNDO_PERSIST) != 0)
			return EPERM;
		u->persist = v != 0;
		break;
	case BSDTUN_IOC_LSOWNER:
	case BSDTUN_IOC_LSGROUP:
		if (v < 0)
			return EINVAL;
		if (unit_setting(u, s,
				 cmd == BSDTUN_IOC_LSOWNER ? BSDTUN_UNDO_OWNER :
							     BSDTUN_UNDO_GROUP))
			return EPERM;
		*(cmd == BSDTUN_IOC_LSOWNER ? &u->lx_owner : &u->lx_group) = v;
		break;
	case BSDTUN_IOC_LSOFFLOAD:
		/* what the open's reads may carry (TUN_F_*): TSO and USO
		 * only with CSUM, USO4 and USO6 together */
		if ((v & ~(int)BSDTUN_VNET_OFFLOADS) != 0 ||
		    ((v & (BSDTUN_TUN_F_TSO4 | BSDTUN_TUN_F_TSO6 |
			   BSDTUN_TUN_F_USO4)) &&
		     !(v & BSDTUN_TUN_F_CSUM)) ||
		    !(v & BSDTUN_TUN_F_USO4) != !(v & BSDTUN_TUN_F_USO6))
			return EINVAL;
		rte_atomic_store_explicit(&qp->offload, (uint32_t)v,
					  rte_memory_order_relaxed);
		break;
	case BSDTUN_IOC_LSCARRIER:
		if (unit_setting(u, s, BSDTUN_UNDO_CARRIER) != 0)
			return EPERM;
		rte_atomic_store_explicit(&u->carrier_off, v == 0,
					  rte_memory_order_relaxed);
		if (bsdtun_port_link_update(u))
			bsdtun_proc(u)->lsc_pending++;
		break;
	default:
		return ENOTTY;
	}
	return 0;
}

/*
 * tunioctl: the ioctl table (bsdtun_ioctl.h) says which codes exist and
 * what their argument is; the handlers below change the unit (MTU,
 * TUNSIFMODE, debug) or the open's queue pair qp (modes, pid, async).
 */
static int
do_ioctl(struct bsdtun_unit *u, struct bsdtun_session *s, struct bsdtun_msg *m,
	 pid_t pid) CTRL_LOCKED
{
	struct bsdtun_queue *qp = &u->q[s->qid];
	const struct bsdtun_ioctl_def *d =
		bsdtun_ioctl_find_wire(m->u.ioctl.cmd);
	union {
		int i;
		struct tuninfo ti;
		struct bsdtun_lsetiff iff;
		char name[BSDTUN_IFNAMSIZ];
		uint8_t mac[RTE_ETHER_ADDR_LEN];
	} a;
	int v;

	if (d == NULL)
		return ENOTTY;
	memset(&a, 0, sizeof(a));
	if (d->wire_dir == BSDTUN_ARG_IN || d->wire_dir == BSDTUN_ARG_INOUT) {
		if (m->u.ioctl.arg_len != d->wire_size)
			return EINVAL;
		memcpy(&a, m->u.ioctl.arg, d->wire_size);
	}
	v = a.i;
	switch (m->u.ioctl.cmd) {
	case BSDTUN_IOC_SIFINFO:
		if (a.ti.mtu < (short)BSDTUN_MIN_MTU ||
		    (uint32_t)a.ti.mtu > BSDTUN_MAX_MTU)
			return EINVAL;
		/* one pair: the unit's MTU persists, as tun(4)'s; several:
		 * the other pairs' too, a setting of the unit's */
		if (u->cfg.queues > 1 &&
		    unit_setting(u, s, BSDTUN_UNDO_INFO) != 0)
			return EPERM;
		bsdtun_port_mtu_set(u, (uint16_t)a.ti.mtu);
		bsdtun_proc(u)->undo.mtu_set = (uint16_t)a.ti.mtu;
		u->if_type = a.ti.type;
		u->baudrate = a.ti.baudrate;
		BSDTUN_DEBUG(u, "TUNSIFINFO mtu %d type %u baudrate %d",
			     a.ti.mtu, a.ti.type, a.ti.baudrate);
		break;
	case BSDTUN_IOC_GIFINFO:
		a.ti.mtu = (short)bsdtun_port_mtu(u);
		a.ti.type = u->if_type;
		a.ti.baudrate = u->baudrate;
		break;
	case BSDTUN_IOC_SDEBUG:
		if (unit_setting(u, s, BSDTUN_UNDO_DEBUG) != 0)
			return EPERM;
		u->debug = v;
		BSDTUN_CLIENT_LOG(NOTICE, u, "debug level %d", v);
		break;
	case BSDTUN_IOC_GDEBUG:
		a.i = u->debug;
		break;
	case BSDTUN_IOC_SLMODE:
		set_flag(qp, v ? BSDTUN_UNIT_F_LMODE : 0,
			 v ? BSDTUN_UNIT_F_IFHEAD : BSDTUN_UNIT_F_LMODE);
		break;
	case BSDTUN_IOC_SIFHEAD:
		set_flag(qp, v ? BSDTUN_UNIT_F_IFHEAD : 0,
			 v ? BSDTUN_UNIT_F_LMODE : BSDTUN_UNIT_F_IFHEAD);
		break;
	case BSDTUN_IOC_GIFHEAD:
		a.i = !!(qp->flags & BSDTUN_UNIT_F_IFHEAD);
		break;
	case BSDTUN_IOC_SIFMODE:
		if (bsdtun_port_started(u))
			return EBUSY;
		switch (v & ~(IFF_MULTICAST | BSD_IFF_MULTICAST)) {
		case IFF_POINTOPOINT:
		case IFF_BROADCAST:
			u->if_flags =
				(v & ~BSD_IFF_MULTICAST) |
				((v & BSD_IFF_MULTICAST) ? IFF_MULTICAST : 0);
			break;
		default:
			return EINVAL;
		}
		break;
	case BSDTUN_IOC_SIFPID:
		/* the kernel's word, not the message's; on the device node's
		 * own connection the node passes its caller's pid */
		qp->tun_pid = s->local ? m->u.ioctl.pid : pid;
		BSDTUN_CLIENT_LOG(INFO, u,
				  "TUNSIFPID: queue pair %u held by pid %d",
				  s->qid, (int)qp->tun_pid);
		break;
	case BSDTUN_IOC_SASYNC:
		rte_atomic_store_explicit(&qp->async, v != 0,
					  rte_memory_order_release);
		break;
	default:
		v = linux_ioctl(u, s, m->u.ioctl.cmd, &a, v);
		if (v != 0)
			return v;
		break;
	}
	if (d->wire_dir == BSDTUN_ARG_OUT || d->wire_dir == BSDTUN_ARG_INOUT) {
		memcpy(m->u.ioctl.arg, &a, d->wire_size);
		m->u.ioctl.arg_len = d->wire_size;
	}
	return 0;
}

static void
on_session(struct bsdtun_unit *u, uint16_t qid, uint32_t events) CTRL_LOCKED
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
		session_close(u, qid);
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
		session_close(u, qid);
		return;
	}
	m.u.ioctl.result = do_ioctl(u, s, &m, sender);
	BSDTUN_DEBUG(u, "ioctl %u from pid %d: %s", m.u.ioctl.cmd, (int)sender,
		     m.u.ioctl.result ? strerror(m.u.ioctl.result) : "done");
	m.u.ioctl.unit_flags = reply_flags(u, qid);
	if (send(s->ctl_fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    sizeof(m))
		session_close(u, qid);
}

/* ---- the thread -------------------------------------------------------- */

/* This thread is the control thread; it was stopped from a callback. */
static __thread int ctrl_is_me;
static __thread int ctrl_self_stop;

/*
 * Deliver the LSC events the batch left pending, with no lock held: the
 * app's callback may stop or close any port, this one included, or
 * detach the last unit (ctrl_stop() from this thread).  A unit closed
 * meanwhile (its slot's generation moved on) gets nothing; a close on
 * another thread waits while ctrl.lsc_busy names its slot, so the unit
 * outlives each callback run for it (tests/test_lsc_race.py).
 */
static void
deliver_lsc(void)
{
	struct {
		uint32_t slot;
		uint16_t gen;
		int changes;
	} ev[CTRL_MAX_UNITS];
	uint32_t n = 0, i;

	ctrl_lock();
	for (i = 0; i < CTRL_MAX_UNITS; i++)
		if (ctrl.units[i] != NULL &&
		    bsdtun_proc(ctrl.units[i])->lsc_pending) {
			ev[n].changes = bsdtun_proc(ctrl.units[i])->lsc_pending;
			bsdtun_proc(ctrl.units[i])->lsc_pending = 0;
			ev[n].slot = i;
			ev[n++].gen = ctrl.gen[i];
		}
	ctrl_unlock();
	for (i = 0; i < n; i++) {
		int c;

		/* one event per change: an open and its close that came
		 * before the first was delivered are two, as they were
		 * when each came in a batch of its own */
		for (c = 0; c < ev[i].changes; c++) {
			struct bsdtun_unit *u = NULL;

			ctrl_lock();
			if (ctrl.gen[ev[i].slot] == ev[i].gen)
				u = ctrl.units[ev[i].slot];
			if (u != NULL)
				ctrl.lsc_busy = ev[i].slot + 1;
			ctrl_unlock();
			if (u == NULL)
				break;
			bsdtun_port_lsc_notify(u);
			ctrl_lock();
			ctrl.lsc_busy = 0;
			pthread_cond_broadcast(&ctrl.lsc_cond);
			ctrl_unlock();
		}
	}
}

/*
 * Report the client lines each unit left out once their interval is over
 * (BSDTUN_CLIENT_LOG), under ctrl.lock.  Returns 1 while some unit still
 * has a count to report: the control thread then wakes to do it.
 */
static int
log_flush_all(void) CTRL_LOCKED
{
	uint32_t i;
	int more = 0;

	for (i = 0; i < CTRL_MAX_UNITS; i++)
		if (ctrl.units[i] != NULL)
			more |= bsdtun_log_flush(ctrl.units[i]);
	return more;
}

static uint32_t
ctrl_main(void *arg __rte_unused)
{
	struct epoll_event ev[16];
	int epfd, wakefd, lsc, flush = 0, reap = 0;

	ctrl_is_me = 1;
	ctrl_lock();
	epfd = ctrl.epfd;
	wakefd = ctrl.wakefd;
	ctrl_unlock();
	for (;;) {
		/* a count left to report: look again within a second; a
		 * retired session: within a millisecond */
		int n = epoll_wait(epfd, ev, RTE_DIM(ev),
				   reap  ? 1 :
				   flush ? 1000 :
					   -1);
		int i;

		if (n < 0 && errno != EINTR)
			break;
		ctrl_lock();
		lsc = 0;
		for (i = 0; i < n && ctrl.running; i++) {
			uint64_t key = ev[i].data.u64;
			enum watch_kind k = key & 0xf;
			uint32_t slot = (key >> 16) & 0xffff;
			uint32_t idx = (key >> 4) & 0xfff;
			struct bsdtun_unit *u;

			if (k == W_WAKE) {
				uint64_t v;

				/* the region thread finished an open: its
				 * LSC event, if any, is ours to deliver */
				(void)read(wakefd, &v, sizeof(v));
				lsc = 1;
				continue;
			}
			if (slot >= CTRL_MAX_UNITS ||
			    ctrl.gen[slot] != (uint16_t)(key >> 48))
				continue; /* stale: unit gone */
			u = ctrl.units[slot];
			if (u == NULL)
				continue;
			if (k == W_LISTEN)
				on_listen(u);
			else if (k == W_PENDING && idx < BSDTUN_MAX_PENDING &&
				 bsdtun_proc(u)->pending[idx] >= 0)
				on_hello(u, idx);
			else if (k == W_SESSION && idx < u->cfg.queues)
				on_session(u, (uint16_t)idx, ev[i].events);
			lsc |= bsdtun_proc(u)->lsc_pending;
		}
		if (!ctrl.running) {
			ctrl_unlock();
			break;
		}
		flush = log_flush_all();
		reap = session_reap();
		ctrl_unlock();
		if (lsc)
			deliver_lsc();
		if (ctrl_self_stop)
			break;
	}
	if (ctrl_self_stop) {
		/* Stopped from a callback of ours: nobody joins us. */
		close(epfd);
		close(wakefd);
		bsdtun_thread_detach_self();
	}
	return 0;
}

/*
 * Stop the region thread (called with ctrl.lock held, which it drops and
 * takes again): the opens still queued are refused.  It never waits for
 * another thread, so any thread but itself may join it.
 */
static void
region_stop(void) CTRL_LOCKED
{
	bsdtun_thread_t t = ctrl.region_thread;

	ctrl.region_running = 0;
	pthread_cond_broadcast(&ctrl.region_cond);
	ctrl_unlock();
	bsdtun_thread_join(t);
	ctrl_lock();
}

static int
ctrl_start(void) CTRL_LOCKED
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = W_WAKE };
	int ret;

	ctrl.epfd = epoll_create1(EPOLL_CLOEXEC);
	ctrl.wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ctrl.epfd < 0 || ctrl.wakefd < 0 ||
	    epoll_ctl(ctrl.epfd, EPOLL_CTL_ADD, ctrl.wakefd, &ev) < 0)
		goto fail;
	ctrl.running = 1;
	ctrl.region_running = 1;
	ctrl.jobs = NULL;
	ctrl.jobs_tail = &ctrl.jobs;
	ret = bsdtun_thread_create(&ctrl.region_thread, "bsdtun-reg",
				   region_main, NULL);
	if (ret != 0) {
		errno = -ret;
		goto fail;
	}
	ret = bsdtun_thread_create(&ctrl.thread, "bsdtun-ctl", ctrl_main, NULL);
	if (ret != 0) {
		errno = -ret;
		region_stop();
		goto fail;
	}
	return 0;
fail:
	ret = -errno;
	ctrl.running = 0;
	if (ctrl.epfd >= 0)
		close(ctrl.epfd);
	if (ctrl.wakefd >= 0)
		close(ctrl.wakefd);
	ctrl.epfd = ctrl.wakefd = -1;
	return ret;
}

/*
 * Last unit gone: stop the thread (called without the lock held).  From
 * the thread itself (an LSC callback closed the last port) it cannot be
 * joined: it finishes the callback, closes its descriptors and frees
 * itself; a new unit meanwhile starts a new thread with new descriptors.
 */
static void
ctrl_stop(int in_ctrl_thread)
{
	uint64_t one = 1;
	bsdtun_thread_t thread;
	int epfd, wakefd;

	ctrl_lock();
	ctrl.running = 0;
	region_stop();
	epfd = ctrl.epfd;
	wakefd = ctrl.wakefd;
	ctrl.epfd = ctrl.wakefd = -1;
	thread = ctrl.thread;
	ctrl_unlock();
	if (in_ctrl_thread) {
		ctrl_self_stop = 1;
	} else {
		(void)write(wakefd, &one, sizeof(one));
		bsdtun_thread_join(thread);
		close(epfd);
		close(wakefd);
	}
	/*
	 * Every port is closed: no burst or interrupt op runs on them any
	 * more, and the last users of a retired session finish their call.
	 * Waited for with ctrl.lock dropped.
	 */
	ctrl_lock();
	while (session_reap()) {
		ctrl_unlock();
		rte_pause();
		ctrl_lock();
	}
	ctrl_unlock();
}

/*
 * Bind the unit's control socket; replaces a stale one left by a crash.
 * The directory is one nobody else can change (bsdtun_path.c), reached
 * after the check only through its descriptor (bsdtun_proc(u)->sock_at, kept
 * until the socket is removed).  The socket is bound under a temporary
 * name, given its owner and mode, and only then renamed to the path: it is
 * never reachable with another mode.  An entry at the path that is not a
 * socket is refused, never replaced.
 */
static int
listen_socket(struct bsdtun_unit *u)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct bsdtun_path *at = &bsdtun_proc(u)->sock_at;
	const char *path = u->cfg.sock_path;
	char tmp[32];
	struct stat st;
	int fd, probe, ret, tfd;

	ret = bsdtun_path_check(u, "sock", path, 1, at);
	if (ret < 0)
		return ret;
	/* a socket already there: connect to that inode, not to a name */
	fd = openat(at->dirfd, at->leaf, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))) {
		BSDTUN_LOG(ERR, u,
			   "sock=%s refused: it exists and is not a socket",
			   path);
		close(fd);
		ret = -EEXIST;
		goto fail_path;
	}
	if (fd >= 0) {
		snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d",
			 fd);
		probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		ret = probe >= 0 &&
		      connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		if (probe >= 0)
			close(probe);
		close(fd);
		if (ret) {
			BSDTUN_LOG(ERR, u, "sock=%s is in use by a live unit",
				   path);
			ret = -EADDRINUSE;
			goto fail_path;
		}
	}

	/* .bsdtun.PID.PORT: a name of ours, in a directory only we write */
	snprintf(tmp, sizeof(tmp), ".bsdtun.%d.%u", (int)getpid(),
		 (unsigned int)u->port_id);
	unlinkat(at->dirfd, tmp, 0); /* left by a crash of an earlier pid */
	if (bsdtun_path_proc(at, tmp, sa.sun_path, sizeof(sa.sun_path)) < 0) {
		ret = -ENAMETOOLONG;
		goto fail_path;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		ret = -errno;
		goto fail_path;
	}
	tfd = -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail_bound;
	/* owner and mode of that inode, not of whatever a name leads to */
	tfd = openat(at->dirfd, tmp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (tfd < 0 || fstat(tfd, &st) < 0)
		goto fail_bound;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EIO;
		goto fail_bound;
	}
	if (fchownat(tfd, "", u->cfg.owner, u->cfg.group, AT_EMPTY_PATH) < 0 ||
	    bsdtun_path_chmod(tfd, u->cfg.perm) < 0 || listen(fd, 16) < 0 ||
	    renameat(at->dirfd, tmp, at->dirfd, at->leaf) < 0)
		goto fail_bound;
	close(tfd);
	bsdtun_proc(u)->sock_ino = st.st_ino;
	return fd;
fail_bound:
	ret = -errno;
	BSDTUN_LOG(ERR, u, "sock=%s: %s", path, strerror(-ret));
	if (tfd >= 0)
		close(tfd);
	unlinkat(at->dirfd, tmp, 0);
	close(fd);
fail_path:
	bsdtun_path_close(at);
	return ret;
}

/*
 * Remove the control socket if its name in the checked directory still
 * names ours; forget the directory.
 */
static void
unlink_socket(struct bsdtun_unit *u)
{
	struct bsdtun_path *at = &bsdtun_proc(u)->sock_at;
	struct stat st;

	if (fstatat(at->dirfd, at->leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISSOCK(st.st_mode) && st.st_ino == bsdtun_proc(u)->sock_ino)
		unlinkat(at->dirfd, at->leaf, 0);
	bsdtun_path_close(at);
}

int
bsdtun_ctrl_attach(struct bsdtun_unit *u)
{
	uint32_t slot, i;
	int ret, fd;

	for (i = 0; i < BSDTUN_MAX_PENDING; i++)
		bsdtun_proc(u)->pending[i] = -1;
	bsdtun_proc(u)->listen_fd = -1;
	fd = listen_socket(u);
	if (fd < 0)
		return fd;

	ctrl_lock();
	for (slot = 0; slot < CTRL_MAX_UNITS; slot++)
		if (ctrl.units[slot] == NULL)
			break;
	if (slot == CTRL_MAX_UNITS) {
		ret = -ENOSPC;
		goto fail;
	}
	if (ctrl.nunits == 0) {
		ret = ctrl_start();
		if (ret < 0) {
			BSDTUN_LOG(ERR, u, "cannot start control thread: %s",
				   strerror(-ret));
			goto fail;
		}
	}
	bsdtun_proc(u)->slot = slot;
	ctrl.gen[slot]++;
	ctrl.units[slot] = u;
	ctrl.nunits++;
	bsdtun_proc(u)->listen_fd = fd;
	if (watch_add(fd, watch_key(u, W_LISTEN, 0)) < 0) {
		ret = -errno;
		ctrl_unlock();
		bsdtun_ctrl_detach(u);
		return ret;
	}
	ctrl_unlock();
	return 0;
fail:
	ctrl_unlock();
	close(fd);
	unlink_socket(u);
	return ret;
}

void
bsdtun_ctrl_detach(struct bsdtun_unit *u)
{
	uint32_t slot = bsdtun_proc(u)->slot;
	int last;
	uint32_t i;

	ctrl_lock();
	if (ctrl.units[slot] != u) {
		ctrl_unlock();
		return;
	}
	/* no LSC event for u from now on; one being delivered on the
	 * control thread (not this one: a callback closing its own port)
	 * finishes before u goes */
	ctrl.units[slot] = NULL;
	ctrl.gen[slot]++;
	while (!ctrl_is_me && ctrl.lsc_busy == slot + 1) {
		ctrl_lock_mine = 0;
		bsdtun_mutex_cond_wait(&ctrl.lsc_cond, &bsdtun_ctrl_lock);
		ctrl_lock_mine = 1;
	}
	for (i = 0; i < u->cfg.queues; i++)
		session_close(u, (uint16_t)i);
	for (i = 0; i < BSDTUN_MAX_PENDING; i++)
		close_watched(&bsdtun_proc(u)->pending[i]);
	close_watched(&bsdtun_proc(u)->listen_fd);
	unlink_socket(u);
	last = --ctrl.nunits == 0;
	ctrl_unlock();
	if (last)
		ctrl_stop(ctrl_is_me);
}

/* ---- for the device node (bsdtun_cdev.c) ------------------------------- */

/* access(2) on the device node: would the caller be admitted? */
int
bsdtun_ctrl_admitted(const struct bsdtun_unit *u, const struct ucred *cr)
{
	return admitted(u, cr);
}

/*
 * The device node's connection for a caller it identified (FUSE gives the
 * caller's uid, gid and pid): a socket pair whose far end the node opens
 * the unit on (bsdtun_open_local).  Admission, EBUSY and the holder's pid
 * are then decided by on_hello, as for any client.  Returns the node's end
 * or -errno.
 */
int
bsdtun_ctrl_connect_local(struct bsdtun_unit *u, const struct ucred *cr)
{
	int sv[2], ret = -EBUSY;
	uint32_t i;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	ctrl_lock();
	for (i = 0; i < BSDTUN_MAX_PENDING; i++)
		if (bsdtun_proc(u)->pending[i] < 0)
			break;
	if (i < BSDTUN_MAX_PENDING) {
		fcntl(sv[0], F_SETFL, O_NONBLOCK);
		if (watch_add(sv[0], watch_key(u, W_PENDING, i)) == 0) {
			bsdtun_proc(u)->pending[i] = sv[0];
			bsdtun_proc(u)->pending_local[i] = 1;
			bsdtun_proc(u)->pending_cred[i] = *cr;
			ret = sv[1];
		} else {
			ret = -errno;
		}
	} else {
		/* the device node's thread counts here too */
		rte_atomic_fetch_add_explicit(&u->xs.client_refused_busy, 1,
					      rte_memory_order_relaxed);
	}
	ctrl_unlock();
	if (ret < 0) {
		close(sv[0]);
		close(sv[1]);
	}
	return ret;
}

/* ---- what telemetry asks ------------------------------------------------ */

int
bsdtun_ctrl_ports(uint16_t *ports, int max)
{
	uint32_t i;
	int n = 0;

	ctrl_lock();
	for (i = 0; i < CTRL_MAX_UNITS; i++) {
		if (ctrl.units[i] == NULL)
			continue;
		if (n < max)
			ports[n] = ctrl.units[i]->port_id;
		n++;
	}
	ctrl_unlock();
	return n;
}

/*
 * Under ctrl.lock the session cannot go (only the control thread closes
 * it, holding the lock).  The ring counters are the two sides' own: the
 * PMD's private producer/consumer counts and what the client published,
 * read as a snapshot.
 */
int
bsdtun_ctrl_unit_info(uint16_t port, struct bsdtun_unit_info *inf)
{
	struct bsdtun_unit *u = NULL;
	uint32_t i;

	memset(inf, 0, sizeof(*inf));
	ctrl_lock();
	for (i = 0; i < CTRL_MAX_UNITS && u == NULL; i++)
		if (ctrl.units[i] != NULL && ctrl.units[i]->port_id == port)
			u = ctrl.units[i];
	if (u == NULL) {
		ctrl_unlock();
		return -ENODEV;
	}
	snprintf(inf->name, sizeof(inf->name), "%s", u->name);
	snprintf(inf->sock_path, sizeof(inf->sock_path), "%s",
		 u->cfg.sock_path);
	snprintf(inf->cdev_path, sizeof(inf->cdev_path), "%s",
		 u->cfg.cdev_path);
	inf->qlen = u->cfg.qlen;
	inf->queues = u->cfg.queues;
	inf->mtu = bsdtun_port_mtu(u);
	inf->framing = u->cfg.framing;
	inf->mode = u->cfg.mode;
	inf->if_flags = u->if_flags;
	inf->debug = u->debug;
	for (i = 0; i < u->cfg.queues; i++) {
		const struct bsdtun_session *s =
			bsdtun_sess_ctrl(&bsdtun_proc(u)->q[i]);
		const struct bsdtun_queue *qp = &u->q[i];
		struct bsdtun_queue_info *qi = &inf->q[i];

		qi->flags = rte_atomic_load_explicit(&qp->flags,
						     rte_memory_order_relaxed);
		if (s == NULL)
			continue;
		qi->held = 1;
		qi->pid = qp->tun_pid;
		qi->uid = s->uid;
		qi->node = s->local;
		qi->async = rte_atomic_load_explicit(&qp->async,
						     rte_memory_order_relaxed);
		qi->region_bytes = s->map_size;
		qi->to_client_queued = ring_backlog(
			rte_atomic_load_explicit(&s->to_client.pkts,
						 rte_memory_order_relaxed),
			rte_atomic_load_explicit(&s->to_client.ctl->tail_pkts,
						 rte_memory_order_acquire),
			u->cfg.qlen);
		qi->to_dpdk_queued = ring_backlog(
			rte_atomic_load_explicit(&s->to_dpdk.ctl->head_pkts,
						 rte_memory_order_acquire),
			rte_atomic_load_explicit(&s->to_dpdk.pkts,
						 rte_memory_order_relaxed),
			u->cfg.qlen);
	}
	ctrl_unlock();
	return 0;
}
