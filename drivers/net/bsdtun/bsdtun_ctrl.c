/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control path: one thread per process serves every unit's control socket
 * (the seed's tunopen, tunioctl and tunclose run on it).  This file holds
 * ctrl.lock, the registry of units and the epoll watches of their
 * descriptors, the control thread's event loop (LSC events delivered with
 * no lock held), each unit's listen socket and pending connections,
 * attach/detach, and what the device node and telemetry ask.  The
 * sessions are bsdtun_session.c's, the ioctls bsdtun_tunioctl.c's; what
 * the three share is in bsdtun_ctrl_priv.h.  Protocol: doc/wire.md.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_alarm.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "bsdtun_compat.h"
#include "bsdtun_internal.h"
#include "bsdtun_ctrl_priv.h"

#define CTRL_MAX_UNITS RTE_MAX_ETHPORTS

/*
 * epoll data: which unit (slot + generation, so an event fetched just
 * before the unit went away is recognised as stale) and which descriptor.
 */
enum watch_kind { W_WAKE, W_LISTEN, W_PENDING, W_SESSION };

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
	/* per port id: LSC events handed to EAL's interrupt thread and not
	 * yet delivered (lsc_alarm) */
	uint32_t lsc_due[RTE_MAX_ETHPORTS];
} ctrl __rte_guarded_by(&bsdtun_ctrl_lock) = {
	.epfd = -1,
	.wakefd = -1,
};

/* This thread holds ctrl.lock (bsdtun_ctrl_lock_take/_drop): the region
 * is never built under it. */
static __thread int ctrl_lock_mine;

void
bsdtun_ctrl_lock_take(void) __rte_exclusive_lock_function(&bsdtun_ctrl_lock)
{
	bsdtun_mutex_lock(&bsdtun_ctrl_lock);
	ctrl_lock_mine = 1;
}

void
bsdtun_ctrl_lock_drop(void) __rte_unlock_function(&bsdtun_ctrl_lock)
{
	ctrl_lock_mine = 0;
	bsdtun_mutex_unlock(&bsdtun_ctrl_lock);
}

void
bsdtun_ctrl_lock_wait(pthread_cond_t *c) CTRL_LOCKED
{
	ctrl_lock_mine = 0;
	bsdtun_mutex_cond_wait(c, &bsdtun_ctrl_lock);
	ctrl_lock_mine = 1;
}

int
bsdtun_ctrl_lock_mine(void)
{
	return ctrl_lock_mine;
}

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

/* ---- what the sessions use of the registry (bsdtun_session.c) ---------- */

int
bsdtun_ctrl_watch_session(const struct bsdtun_unit *u, uint16_t qid,
			  int fd) CTRL_LOCKED
{
	return watch_add(fd, watch_key(u, W_SESSION, qid));
}

void
bsdtun_ctrl_unwatch(int fd) CTRL_LOCKED
{
	epoll_ctl(ctrl.epfd, EPOLL_CTL_DEL, fd, NULL);
}

struct bsdtun_unit *
bsdtun_ctrl_unit(uint32_t slot, uint16_t gen) CTRL_LOCKED
{
	if (ctrl.running && ctrl.gen[slot] == gen)
		return ctrl.units[slot];
	return NULL;
}

uint16_t
bsdtun_ctrl_gen(const struct bsdtun_unit *u) CTRL_LOCKED
{
	return ctrl.gen[bsdtun_proc(u)->slot];
}

void
bsdtun_ctrl_wake(void) CTRL_LOCKED
{
	if (ctrl.wakefd >= 0)
		(void)eventfd_write(ctrl.wakefd, 1); /* fails only when full */
}

/* ---- listen sockets ---------------------------------------------------- */

/* A connection on u's listen socket: a pending one, until its HELLO. */
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
		bsdtun_send_error(fd, EBUSY);
		close(fd);
		return;
	}
	bsdtun_proc(u)->pending[i] = fd;
	bsdtun_proc(u)->pending_local[i] = 0;
}

/* ---- the thread -------------------------------------------------------- */

/*
 * LSC events reach the app on EAL's interrupt thread, where every PMD's
 * do, keyed by port id: the control thread counts them in ctrl.lsc_due
 * and sets an alarm (deliver_lsc); the alarm runs the app's callbacks with
 * no lock of ours held (the app may stop or close any port in them, this
 * one included).  The close zeroes its port's count under ctrl.lock, then
 * cancels the alarm, which waits for a callback running on the interrupt
 * thread to return (rte_eal_alarm_cancel; a callback closing its own port
 * is that thread, and finds its count zeroed).  So no callback starts
 * after rte_eth_dev_close() returned, and the unit outlives every
 * callback run for it (tests/test_lsc_race.py).  A port id reused by a
 * new port before a stale alarm fired gets only that port's own events.
 */
static void
lsc_alarm(void *arg)
{
	uint16_t port = (uint16_t)(uintptr_t)arg;

	for (;;) {
		bsdtun_ctrl_lock_take();
		if (ctrl.lsc_due[port] == 0) {
			bsdtun_ctrl_lock_drop();
			return;
		}
		/* one event per change: an open and its close that came
		 * before the first was delivered are two, as they were
		 * when each came in a batch of its own */
		ctrl.lsc_due[port]--;
		bsdtun_ctrl_lock_drop();
		bsdtun_port_lsc_notify(port);
	}
}

/* The control thread: hand the LSC events of the batch to the alarm. */
static void
deliver_lsc(void)
{
	uint16_t ports[CTRL_MAX_UNITS];
	uint32_t n = 0, i;

	bsdtun_ctrl_lock_take();
	for (i = 0; i < CTRL_MAX_UNITS; i++) {
		struct bsdtun_unit *u = ctrl.units[i];
		uint16_t port;

		if (u == NULL || bsdtun_proc(u)->lsc_pending == 0)
			continue;
		port = u->port_id;
		if (ctrl.lsc_due[port] == 0)
			ports[n++] = port;
		ctrl.lsc_due[port] += bsdtun_proc(u)->lsc_pending;
		bsdtun_proc(u)->lsc_pending = 0;
	}
	bsdtun_ctrl_lock_drop();
	for (i = 0; i < n; i++) {
		if (rte_eal_alarm_set(1, lsc_alarm,
				      (void *)(uintptr_t)ports[i]) == 0)
			continue;
		BSDTUN_LOG_NAMED(ERR, "net_bsdtun",
				 "port %u: cannot set the LSC alarm: %s",
				 ports[i], rte_strerror(rte_errno));
		bsdtun_ctrl_lock_take();
		ctrl.lsc_due[ports[i]] =
			0; /* lost, said; the next one sets it */
		bsdtun_ctrl_lock_drop();
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

	bsdtun_ctrl_lock_take();
	epfd = ctrl.epfd;
	wakefd = ctrl.wakefd;
	bsdtun_ctrl_lock_drop();
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
		bsdtun_ctrl_lock_take();
		lsc = 0;
		for (i = 0; i < n && ctrl.running; i++) {
			uint64_t key = ev[i].data.u64;
			enum watch_kind k = key & 0xf;
			uint32_t slot = (key >> 16) & 0xffff;
			uint32_t idx = (key >> 4) & 0xfff;
			struct bsdtun_unit *u;

			if (k == W_WAKE) {
				eventfd_t v;

				/* the region thread finished an open: its
				 * LSC event, if any, is ours to deliver */
				(void)eventfd_read(wakefd, &v);
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
				bsdtun_on_hello(u, idx);
			else if (k == W_SESSION && idx < u->cfg.queues)
				bsdtun_on_session(u, (uint16_t)idx,
						  ev[i].events);
			lsc |= bsdtun_proc(u)->lsc_pending;
		}
		if (!ctrl.running) {
			bsdtun_ctrl_lock_drop();
			break;
		}
		flush = log_flush_all();
		reap = bsdtun_session_reap();
		bsdtun_ctrl_lock_drop();
		if (lsc)
			deliver_lsc();
	}
	return 0;
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
	ret = bsdtun_region_start();
	if (ret != 0) {
		errno = -ret;
		goto fail;
	}
	ret = bsdtun_thread_create(&ctrl.thread, "bsdtun-ctl", ctrl_main, NULL);
	if (ret != 0) {
		errno = -ret;
		bsdtun_region_stop();
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
 * Last unit gone: stop the thread (called without the lock held, never
 * on the thread itself: it runs no callback of the app's).
 */
static void
ctrl_stop(void)
{
	bsdtun_thread_t thread;
	int epfd, wakefd;

	bsdtun_ctrl_lock_take();
	ctrl.running = 0;
	bsdtun_region_stop();
	epfd = ctrl.epfd;
	wakefd = ctrl.wakefd;
	ctrl.epfd = ctrl.wakefd = -1;
	thread = ctrl.thread;
	bsdtun_ctrl_lock_drop();
	(void)eventfd_write(wakefd, 1);
	bsdtun_thread_join(thread);
	close(epfd);
	close(wakefd);
	/*
	 * Every port is closed: no burst or interrupt op runs on them any
	 * more, and the last users of a retired session finish their call.
	 * Waited for with ctrl.lock dropped.
	 */
	bsdtun_ctrl_lock_take();
	while (bsdtun_session_reap()) {
		bsdtun_ctrl_lock_drop();
		rte_pause();
		bsdtun_ctrl_lock_take();
	}
	bsdtun_ctrl_lock_drop();
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

	bsdtun_ctrl_lock_take();
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
		bsdtun_ctrl_lock_drop();
		bsdtun_ctrl_detach(u);
		return ret;
	}
	bsdtun_ctrl_lock_drop();
	return 0;
fail:
	bsdtun_ctrl_lock_drop();
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

	bsdtun_ctrl_lock_take();
	if (ctrl.units[slot] != u) {
		bsdtun_ctrl_lock_drop();
		return;
	}
	/* no LSC event for u from now on (lsc_alarm) */
	ctrl.units[slot] = NULL;
	ctrl.gen[slot]++;
	ctrl.lsc_due[u->port_id] = 0;
	for (i = 0; i < u->cfg.queues; i++)
		bsdtun_session_close(u, (uint16_t)i);
	for (i = 0; i < BSDTUN_MAX_PENDING; i++)
		close_watched(&bsdtun_proc(u)->pending[i]);
	close_watched(&bsdtun_proc(u)->listen_fd);
	unlink_socket(u);
	last = --ctrl.nunits == 0;
	bsdtun_ctrl_lock_drop();
	/* waits for a callback of u's port running on the interrupt thread
	 * (when this is that thread: EINPROGRESS, the count is zero) */
	(void)rte_eal_alarm_cancel(lsc_alarm, (void *)(uintptr_t)u->port_id);
	if (last)
		ctrl_stop();
}

/* ---- for the device node (bsdtun_cdev.c) ------------------------------- */

/* May the peer with these credentials open the unit?  (seed: root only;
 * here the endpoint's owner/group/perm, rw needed, root always.)  The
 * rule of a HELLO (bsdtun_on_hello) and of access(2) on the device node. */
int
bsdtun_ctrl_admitted(const struct bsdtun_unit *u, const struct ucred *cr)
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
 * The device node's connection for a caller it identified (FUSE gives the
 * caller's uid, gid and pid): a socket pair whose far end the node opens
 * the unit on (bsdtun_open_local).  Admission, EBUSY and the holder's pid
 * are then decided by bsdtun_on_hello, as for any client.  Returns the
 * node's end or -errno.
 */
int
bsdtun_ctrl_connect_local(struct bsdtun_unit *u, const struct ucred *cr)
{
	int sv[2], ret = -EBUSY;
	uint32_t i;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	bsdtun_ctrl_lock_take();
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
	bsdtun_ctrl_lock_drop();
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

	bsdtun_ctrl_lock_take();
	for (i = 0; i < CTRL_MAX_UNITS; i++) {
		if (ctrl.units[i] == NULL)
			continue;
		if (n < max)
			ports[n] = ctrl.units[i]->port_id;
		n++;
	}
	bsdtun_ctrl_lock_drop();
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
	bsdtun_ctrl_lock_take();
	for (i = 0; i < CTRL_MAX_UNITS && u == NULL; i++)
		if (ctrl.units[i] != NULL && ctrl.units[i]->port_id == port)
			u = ctrl.units[i];
	if (u == NULL) {
		bsdtun_ctrl_lock_drop();
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
		qi->to_client_queued = bsdtun_ring_backlog(
			rte_atomic_load_explicit(&s->to_client.pkts,
						 rte_memory_order_relaxed),
			rte_atomic_load_explicit(&s->to_client.ctl->tail_pkts,
						 rte_memory_order_acquire),
			u->cfg.qlen);
		qi->to_dpdk_queued = bsdtun_ring_backlog(
			rte_atomic_load_explicit(&s->to_dpdk.ctl->head_pkts,
						 rte_memory_order_acquire),
			rte_atomic_load_explicit(&s->to_dpdk.pkts,
						 rte_memory_order_relaxed),
			u->cfg.qlen);
	}
	bsdtun_ctrl_lock_drop();
	return 0;
}
