/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device node (devarg cdev=PATH): the unit as a file that unmodified
 * programs open(2), read(2), write(2), poll(2) and ioctl(2) as they would
 * /dev/tunN -- the seed's cdevsw entry points.  doc/cdev.md.
 *
 * The file is the root of a FUSE mount on PATH (a regular file: FUSE mounts
 * on files, the root inode is then S_IFREG).  Each unit has one thread that
 * serves its FUSE session with the low-level API.  A FUSE open opens an
 * in-process libbsdtun client on the unit's own control socket, so the
 * device node and library clients share the unit's queue pairs (EBUSY
 * across both faces once all are held), its modes and every ioctl: the
 * node is only a translator from FUSE requests to bsdtun_*() calls.  Of
 * the PMD it sees bsdtun_cdev.h and nothing else: a copy of the unit's
 * settings, a handle, and the few calls declared there.
 *
 * Nothing here blocks: a read that finds the queue empty keeps the FUSE
 * request and answers it when the library's bell (bsdtun_fd()) says a
 * packet came; a signal to the reader arrives as a FUSE interrupt and the
 * read fails EINTR.  poll/select/epoll are answered from the ring and the
 * bell wakes the kernel's pollers with fuse_lowlevel_notify_poll().
 */
#define FUSE_USE_VERSION 35

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_string_fns.h>
#include <rte_tailq.h>

#include "bsdtun.h"
#include "bsdtun_ioctl.h"
#include "bsdtun_local.h"
#include "bsdtun_cdev.h"

extern char **environ;

/* A read(2) waiting for a packet. */
struct cdev_read {
	TAILQ_ENTRY(cdev_read) next;
	struct cdev_file *f;
	fuse_req_t req;
	size_t size;
};

/*
 * A request whose argument lies in the caller's memory (struct ifreq):
 * the copy runs on a thread of its own (job_worker), never on the thread
 * that serves the node, because touching the caller's memory can fault
 * into FUSE -- into this very node (the caller mapped it) or into a mount
 * the caller serves and never answers.  The worst a caller gets is its
 * own request hanging.  Two references: the worker's and the node's; the
 * last one frees.  Everything else of the job is the node thread's.
 */
struct cdev_job {
	TAILQ_ENTRY(cdev_job) next;
	struct cdev_file *f; /* NULL once the file is gone */
	fuse_req_t req;      /* NULL once answered */
	const struct bsdtun_ioctl_def *d;
	unsigned int cmd;
	void *arg;     /* the caller's address */
	pid_t pid;     /* the caller (FUSE's thread id) */
	uid_t uid;     /* its file-system uid */
	int to_caller; /* 0: read the ifreq, 1: write it */
	int notify_fd; /* the worker's own eventfd */
	RTE_ATOMIC(int) refs;
	RTE_ATOMIC(int) done; /* the worker finished, err is valid */
	int err;              /* 0 or the copy's errno */
	struct ifreq ifr;
};
TAILQ_HEAD(cdev_jobs, cdev_job);

/* Copies in flight per unit, and per caller uid among them. */
#define CDEV_JOBS_MAX     16
#define CDEV_JOBS_PER_UID 4
#define CDEV_JOB_STACK    (64 * 1024)

/*
 * An open file: one per queue pair at most (queues=1: a second open fails
 * EBUSY, as tunopen).
 */
struct cdev_file {
	struct bsdtun_cdev *cd;
	uint32_t slot;                   /* index in cd->files */
	struct bsdtun *t;                /* in-process client of the unit */
	int bell;                        /* bsdtun_fd(t) */
	int gone;                        /* the unit closed our session */
	TAILQ_HEAD(, cdev_read) reads;   /* blocked reads, oldest first */
	struct fuse_pollhandle *ph;      /* latest poller to wake, or NULL */
	int poll_armed;                  /* a poller waits for readable */
	struct cdev_job *job;            /* its caller-memory copy, or NULL */
	ssize_t have;                    /* bytes of the packet in buf, or -1 */
	uint8_t buf[BSDTUN_REC_MAX_LEN]; /* the next packet, taken */
};

/* Per unit; owned by bsdtun_cdev_attach/detach, served by one thread. */
struct bsdtun_cdev {
	struct bsdtun_node_view v; /* the unit, as the PMD gave it */
	int remove_file;           /* unlink PATH after the unmount */
	struct bsdtun_path at;     /* PATH's checked directory and name */
	dev_t node_dev;            /* the file at PATH the node mounts on */
	ino_t node_ino;
	int mnt_fd;  /* the mount, when mounted as root; else -1 */
	int mounted; /* fusermount3 mounted PATH */
	struct fuse_session *se;
	struct fuse_buf fbuf; /* receive buffer, reused */
	bsdtun_thread_t thread;
	int wake_fd;           /* eventfd: the thread must stop */
	int jobs_fd;           /* eventfd: a job's worker finished */
	struct cdev_jobs jobs; /* every job whose worker runs or ran */
	unsigned int njobs;
	struct cdev_file *files[BSDTUN_QUEUES_MAX]; /* open files, or NULL */
	time_t mtime;
	LIST_ENTRY(bsdtun_cdev) all;
};

/* Every mounted node of the process, for the unmount at exit(). */
static LIST_HEAD(, bsdtun_cdev) cdevs = LIST_HEAD_INITIALIZER(cdevs);
static pthread_mutex_t cdevs_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t cdevs_once = PTHREAD_ONCE_INIT;

/*
 * The kernel's reply to FUSE_OPEN (struct fuse_open_out, <linux/fuse.h>).
 * libfuse's fuse_reply_open() cannot set FOPEN_STREAM, and without it the
 * VFS serialises read(2) and write(2) on one open file (f_pos_lock): a
 * blocked read would stall the writes of the same program.  So the node
 * answers FUSE_OPEN with this structure itself.
 */
struct cdev_open_out {
	uint64_t fh;
	uint32_t open_flags;
	uint32_t padding;
};
#define CDEV_FOPEN_DIRECT_IO   (1u << 0) /* no page cache */
#define CDEV_FOPEN_NONSEEKABLE (1u << 2) /* lseek fails ESPIPE */
#define CDEV_FOPEN_STREAM      (1u << 4) /* no file position at all */
#define FILE_OF(fi)            ((struct cdev_file *)(uintptr_t)(fi)->fh)

/* ---- replies from the ring ---------------------------------------------- */

/*
 * Take the next packet off the ring into f->buf, unless one is there
 * already (a poll saw it).  Returns 1 when f->buf holds a packet, 0 when
 * none is queued -- the library then has armed the bell, which becomes
 * readable on the next packet -- or -1 with errno (ENXIO: the unit closed
 * our session).  Only bsdtun_read() touches the ring, so the bell keeps
 * the library's contract (level-true after an EAGAIN read).
 */
static int
take(struct cdev_file *f)
{
	ssize_t n;

	if (f->have >= 0)
		return 1;
	n = bsdtun_read(f->t, f->buf, sizeof(f->buf));
	if (n >= 0) {
		f->have = n;
		return 1;
	}
	if (errno == EAGAIN)
		return 0;
	if (errno == ENXIO)
		f->gone = 1;
	return -1;
}

/* tunread's copy-out: one packet, truncated to the caller's buffer. */
static void
reply_packet(struct cdev_file *f, fuse_req_t req, size_t size)
{
	/* a read(2) of size bytes: a Linux tun file's cut (tun_pi) */
	if (bsdtun_read_cut(f->t, f->buf, (size_t)f->have, size) < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_buf(req, (const char *)f->buf,
			       RTE_MIN(size, (size_t)f->have));
	f->have = -1;
}

/* Answer blocked reads while packets are queued (or the unit is gone). */
static void
serve_reads(struct cdev_file *f)
{
	struct cdev_read *r;
	int ret;

	while ((r = TAILQ_FIRST(&f->reads)) != NULL) {
		ret = take(f);
		if (ret == 0)
			return; /* the bell is armed */
		TAILQ_REMOVE(&f->reads, r, next);
		if (ret > 0)
			reply_packet(f, r->req, r->size);
		else
			fuse_reply_err(r->req, errno);
		free(r);
	}
}

/* The bell rang (or hung up): wake readers and pollers. */
static void
on_bell(struct cdev_file *f, short revents)
{
	if (revents & (POLLHUP | POLLERR | POLLNVAL))
		f->gone = 1;
	serve_reads(f);
	if (f->poll_armed) {
		f->poll_armed = 0;
		if (f->ph != NULL)
			fuse_lowlevel_notify_poll(f->ph);
	}
}

/* A signal hit a blocked reader: the kernel sent FUSE_INTERRUPT. */
static void
read_interrupted(fuse_req_t req, void *data)
{
	struct cdev_read *r = data;

	TAILQ_REMOVE(&r->f->reads, r, next);
	fuse_reply_err(req, EINTR);
	free(r);
}

/* Answer a job's request, once: 0 (nothing copied out here) or err. */
static void
job_reply(struct cdev_job *job, int err)
{
	if (job->req == NULL)
		return;
	if (err != 0)
		fuse_reply_err(job->req, err);
	else
		fuse_reply_ioctl(job->req, 0, NULL, 0);
	job->req = NULL;
}

static void
file_free(struct cdev_file *f)
{
	struct cdev_read *r;

	while ((r = TAILQ_FIRST(&f->reads)) != NULL) {
		TAILQ_REMOVE(&f->reads, r, next);
		fuse_reply_err(r->req, ENXIO);
		free(r);
	}
	if (f->ph != NULL)
		fuse_pollhandle_destroy(f->ph);
	if (f->job != NULL) { /* its worker goes on; nobody to answer */
		job_reply(f->job, ENXIO);
		f->job->f = NULL;
		f->job = NULL;
	}
	if (f->have >= 0) /* taken for a poll, never read: purged */
		bsdtun_port_count_purged(f->cd->v.unit,
					 (uint32_t)bsdtun_queue(f->t), 1);
	bsdtun_close(f->t);
	if (f->cd->files[f->slot] == f)
		f->cd->files[f->slot] = NULL;
	free(f);
}

/* ---- FUSE operations (tunopen, tunread, tunwrite, tunioctl, tunpoll) ---- */

static void
cdev_init(void *userdata __rte_unused, struct fuse_conn_info *conn)
{
	/* Plain read/write copies; nothing cached. */
	conn->want &= ~(FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE |
			FUSE_CAP_SPLICE_MOVE | FUSE_CAP_WRITEBACK_CACHE |
			FUSE_CAP_ASYNC_READ);
}

static void
node_attr(const struct bsdtun_cdev *cd, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = FUSE_ROOT_ID;
	st->st_mode = S_IFREG | cd->v.perm;
	st->st_nlink = 1;
	st->st_uid = cd->v.owner;
	st->st_gid = cd->v.group;
	st->st_blksize = 4096;
	st->st_atime = st->st_mtime = st->st_ctime = cd->mtime;
}

static void
cdev_getattr(fuse_req_t req, fuse_ino_t ino __rte_unused,
	     struct fuse_file_info *fi __rte_unused)
{
	struct stat st;

	node_attr(fuse_req_userdata(req), &st);
	fuse_reply_attr(req, &st, 0.0);
}

/* chmod/chown/truncate (open with O_TRUNC): accepted, nothing changes. */
static void
cdev_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr __rte_unused,
	     int to_set __rte_unused, struct fuse_file_info *fi)
{
	cdev_getattr(req, ino, fi);
}

static void
cdev_lookup(fuse_req_t req, fuse_ino_t parent __rte_unused,
	    const char *name __rte_unused)
{
	fuse_reply_err(req, ENOTDIR);
}

static int
caller_admitted(fuse_req_t req, struct bsdtun_unit *u)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct ucred cr = { .pid = ctx->pid, .uid = ctx->uid, .gid = ctx->gid };

	return bsdtun_ctrl_admitted(u, &cr);
}

static void
cdev_access(fuse_req_t req, fuse_ino_t ino __rte_unused, int mask)
{
	struct bsdtun_cdev *cd = fuse_req_userdata(req);

	if ((mask & X_OK) || !caller_admitted(req, cd->v.unit))
		fuse_reply_err(req, EACCES);
	else
		fuse_reply_err(req, 0);
}

static void
cdev_open(fuse_req_t req, fuse_ino_t ino __rte_unused,
	  struct fuse_file_info *fi __rte_unused)
{
	struct bsdtun_cdev *cd = fuse_req_userdata(req);
	struct bsdtun_unit *u = cd->v.unit;
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	/* req (and ctx) is freed by the reply */
	struct ucred cr = { .pid = ctx->pid, .uid = ctx->uid, .gid = ctx->gid };
	struct cdev_open_out oo;
	struct cdev_file *f;
	uint32_t slot;
	int err, fd;

	for (slot = 0; slot < cd->v.queues; slot++)
		if (cd->files[slot] == NULL)
			break;
	if (slot == cd->v.queues) { /* every queue pair is open already */
		bsdtun_port_count_busy(u);
		fuse_reply_err(req, EBUSY);
		return;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	f->cd = cd;
	f->slot = slot;
	f->have = -1;
	TAILQ_INIT(&f->reads);
	/*
	 * Through the control thread, as any client, with the caller's
	 * credentials: it admits (EACCES), refuses a held unit (EBUSY) and
	 * records the holder.  Always non-blocking underneath: fi->flags
	 * decides per request.
	 */
	fd = bsdtun_ctrl_connect_local(u, &cr);
	f->t = fd < 0 ? NULL : bsdtun_open_local(fd, O_NONBLOCK);
	if (f->t == NULL) {
		err = fd < 0 ? -fd : errno;
		free(f);
		fuse_reply_err(req, err);
		return;
	}
	f->bell = bsdtun_fd(f->t);
	cd->files[slot] = f;
	memset(&oo, 0, sizeof(oo));
	oo.fh = (uintptr_t)f;
	/* every read/write reaches us as one request, read and write can run
	 * at once, no position, as on a character device */
	oo.open_flags = CDEV_FOPEN_DIRECT_IO | CDEV_FOPEN_NONSEEKABLE |
			CDEV_FOPEN_STREAM;
	if (fuse_reply_buf(req, (const char *)&oo, sizeof(oo)) != 0) {
		/* The opener is gone (interrupted): no release will come. */
		file_free(f);
		return;
	}
	BSDTUN_NODE_CLIENT_LOG(
		INFO, u,
		"device node %s opened by pid %d uid %d: queue pair %d",
		cd->v.path, (int)cr.pid, (int)cr.uid, bsdtun_queue(f->t));
}

static struct cdev_file *
file_get(fuse_req_t req, struct fuse_file_info *fi)
{
	struct bsdtun_cdev *cd = fuse_req_userdata(req);
	struct cdev_file *f = FILE_OF(fi);

	if (f == NULL || f->slot >= BSDTUN_QUEUES_MAX ||
	    f != cd->files[f->slot]) {
		fuse_reply_err(req, EBADF);
		return NULL;
	}
	return f;
}

static void
cdev_release(fuse_req_t req, fuse_ino_t ino __rte_unused,
	     struct fuse_file_info *fi)
{
	struct cdev_file *f = file_get(req, fi);
	struct bsdtun_unit *u;

	if (f == NULL)
		return;
	u = f->cd->v.unit;
	file_free(f);
	BSDTUN_NODE_CLIENT_LOG(INFO, u, "device node closed");
	fuse_reply_err(req, 0);
}

static void
cdev_flush(fuse_req_t req, fuse_ino_t ino __rte_unused,
	   struct fuse_file_info *fi __rte_unused)
{
	fuse_reply_err(req, 0);
}

static void
cdev_fsync(fuse_req_t req, fuse_ino_t ino __rte_unused,
	   int datasync __rte_unused, struct fuse_file_info *fi __rte_unused)
{
	fuse_reply_err(req, 0);
}

/* tunread: one packet per read; an empty queue blocks or fails EAGAIN. */
static void
cdev_read(fuse_req_t req, fuse_ino_t ino __rte_unused, size_t size,
	  off_t off __rte_unused, struct fuse_file_info *fi)
{
	struct cdev_file *f = file_get(req, fi);
	struct cdev_read *r;

	if (f == NULL)
		return;
	/*
	 * A read without a lock owner is the page cache's: someone mapped
	 * the node and touched the mapping (a read(2) on a direct-I/O file
	 * always names its owner, FUSE_READ_LOCKOWNER).  The node has no
	 * pages; answered at once, for the kernel holds the page locked
	 * until the answer, and every open(2) of the node waits for that
	 * lock (it drops the node's page cache): a fault kept waiting for
	 * a packet would hold every other user's open.
	 */
	if (fi->lock_owner == 0) {
		fuse_reply_err(req, EIO);
		return;
	}
	/* Older blocked reads take the queued packets first. */
	serve_reads(f);
	if (TAILQ_EMPTY(&f->reads)) {
		int ret = take(f);

		if (ret > 0) {
			reply_packet(f, req, size);
			return;
		}
		if (ret < 0) {
			fuse_reply_err(req, errno);
			return;
		}
	}
	/* fi->flags is the file's flags now: fcntl(F_SETFL) and FIONBIO. */
	if (fi->flags & O_NONBLOCK) {
		/* An edge-triggered poller needs a wake for the next packet. */
		if (f->ph != NULL)
			f->poll_armed = 1;
		fuse_reply_err(req, EAGAIN);
		return;
	}
	r = malloc(sizeof(*r));
	if (r == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	r->f = f;
	r->req = req;
	r->size = size;
	TAILQ_INSERT_TAIL(&f->reads, r, next);
	/* May call read_interrupted() at once if a signal came already. */
	fuse_req_interrupt_func(req, read_interrupted, r);
}

/* tunwrite: one write is one packet; errors as bsdtun_write(). */
static void
cdev_write(fuse_req_t req, fuse_ino_t ino __rte_unused, const char *buf,
	   size_t size, off_t off __rte_unused, struct fuse_file_info *fi)
{
	struct cdev_file *f = file_get(req, fi);
	ssize_t n;

	if (f == NULL)
		return;
	n = bsdtun_write(f->t, buf, size);
	if (n < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_write(req, n);
}

/*
 * tunpoll: readable iff a packet is queued; always writable (a write never
 * blocks: it queues or fails ENOBUFS, as the library's bsdtun_fd()).
 */
static void
cdev_poll(fuse_req_t req, fuse_ino_t ino __rte_unused,
	  struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
	struct cdev_file *f = file_get(req, fi);
	unsigned int revents = POLLOUT | POLLWRNORM;
	int ret;

	if (f == NULL) {
		if (ph != NULL)
			fuse_pollhandle_destroy(ph);
		return;
	}
	if (ph != NULL) {
		/* Any handle of this file wakes all its pollers: keep one. */
		if (f->ph != NULL)
			fuse_pollhandle_destroy(f->ph);
		f->ph = ph;
	}
	ret = take(f);
	if (ret != 0) {
		/* a packet (now in f->buf), or the unit is gone: read will
		 * not block */
		revents |= POLLIN | POLLRDNORM;
		if (ret < 0)
			revents |= f->gone ? POLLHUP : POLLERR;
	} else if (f->ph != NULL) {
		/* empty, and take() armed the bell: wake the pollers when it
		 * rings (or now, if a packet slipped in) */
		f->poll_armed = 1;
	}
	fuse_reply_poll(req, revents);
}

/* The thread group of a thread id (FUSE names the calling thread). */
static pid_t
caller_tgid(pid_t tid, uid_t fsuid)
{
	char path[64], line[128];
	pid_t tgid = -1;
	unsigned int r, e, sv, fs;
	int uid_ok = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "Tgid:", 5) == 0)
			tgid = (pid_t)atoi(line + 5);
		else if (sscanf(line, "Uid: %u %u %u %u", &r, &e, &sv, &fs) ==
			 4)
			uid_ok = fs == fsuid;
	}
	fclose(f);
	return uid_ok ? tgid : -1;
}

/*
 * The argument of a request FUSE cannot carry (struct ifreq behind a
 * Linux _IOW(.., int) number: the kernel hands over 4 bytes): read or
 * write it in the caller's memory, at the address it passed.  Needs
 * ptrace-level permission over the caller (doc/cdev.md): a DPDK process
 * running as root has it; one running as a user has it over that user's
 * processes only (and not under Yama ptrace_scope >= 1).  The caller is
 * blocked in this very ioctl; the pidfd proves it was the same process
 * before and after the access (a pid cannot be reused while it lives),
 * and its file-system uid must be the one FUSE named.  0 or an errno.
 */
/* What the copying child reports. */
struct copy_result {
	int err;
	uint8_t data[sizeof(struct ifreq)];
};

/*
 * The copy itself, in a child process of its own.  A fault in the
 * caller's memory may wait on a FUSE server the caller runs; once that
 * server has read the request, the faulting task cannot even be killed
 * until it answers.  In a thread of the DPDK process that would keep the
 * whole process from exiting; in a child, only the child waits, and the
 * DPDK process goes on and exits whatever the caller does.  The child is
 * a plain clone (no SIGCHLD to the application, no atfork handlers): it
 * closes every descriptor but its pipe, so a stuck child holds nothing of
 * the unit's, makes one system call and exits.  0 or an errno.
 */
static int
copy_in_child(pid_t tgid, struct iovec *local, struct iovec *remote,
	      int to_caller)
{
	struct copy_result res;
	int p[2], st;
	pid_t pid;
	ssize_t n;

	if (local->iov_len > sizeof(res.data))
		return EINVAL;
	if (pipe2(p, O_CLOEXEC) < 0)
		return errno;
	/* fork without SIGCHLD: exit signal 0 */
	pid = (pid_t)syscall(SYS_clone, 0UL, NULL, NULL, NULL, 0UL);
	if (pid == 0) {
		if (p[1] != 3 && dup2(p[1], 3) < 0)
			_exit(1);
		(void)syscall(SYS_close_range, 4U, ~0U, 0U);
		(void)syscall(SYS_close_range, 0U, 2U, 0U);
		n = to_caller ?
			    process_vm_writev(tgid, local, 1, remote, 1, 0) :
			    process_vm_readv(tgid, local, 1, remote, 1, 0);
		if (n < 0)
			res.err = errno == ESRCH  ? ESRCH :
				  errno == EFAULT ? EFAULT :
						    EPERM;
		else
			res.err = (size_t)n == local->iov_len ? 0 : EFAULT;
		memcpy(res.data, local->iov_base, local->iov_len);
		(void)!write(3, &res, sizeof(res));
		_exit(0);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return errno;
	}
	/* the result, or EOF if the child died without one */
	do
		n = read(p[0], &res, sizeof(res));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	while (waitpid(pid, &st, __WCLONE) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(res))
		return EFAULT;
	if (res.err == 0 && !to_caller)
		memcpy(local->iov_base, res.data, local->iov_len);
	return res.err;
}

static int
caller_mem(pid_t tid, uid_t uid, void *arg, void *buf, size_t len,
	   int to_caller)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = arg, .iov_len = len };
	pid_t tgid = caller_tgid(tid, uid);
	int pidfd, err;

	if (tgid <= 0)
		return ESRCH;
	pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	if (pidfd < 0)
		return errno;
	if (caller_tgid(tid, uid) != tgid) {
		close(pidfd); /* not the caller we looked at */
		return ESRCH;
	}
	err = copy_in_child(tgid, &local, &remote, to_caller);
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		err = ESRCH; /* it died meanwhile: nobody to answer */
	close(pidfd);
	return err;
}

/* ---- caller-memory copies, off the serving thread --------------------- */

static void
job_put(struct cdev_job *job)
{
	if (rte_atomic_fetch_sub_explicit(&job->refs, 1,
					  rte_memory_order_acq_rel) == 1)
		free(job);
}

/*
 * The worker: one copy, then tell the node.  It touches nothing but the
 * job and its own eventfd, so it may finish after the node is gone (the
 * fault it waited in may be answered only when the node's FUSE
 * connection is aborted, or never, if the caller serves the mount).
 */
static void *
job_worker(void *arg)
{
	struct cdev_job *job = arg;
	uint64_t one = 1;

	job->err = caller_mem(job->pid, job->uid, job->arg, &job->ifr,
			      sizeof(job->ifr), job->to_caller);
	rte_atomic_store_explicit(&job->done, 1, rte_memory_order_release);
	/* fails only when the node is gone: nobody waits for it then */
	(void)!write(job->notify_fd, &one, sizeof(one));
	close(job->notify_fd);
	job_put(job);
	return NULL;
}

/* The number of jobs of uid in flight. */
static unsigned int
jobs_of(const struct bsdtun_cdev *cd, uid_t uid)
{
	const struct cdev_job *job;
	unsigned int n = 0;

	TAILQ_FOREACH(job, &cd->jobs, next)
	n += job->uid == uid;
	return n;
}

/*
 * Start the worker of a job whose fields are set.  The thread is detached
 * with a small stack and every signal blocked; nothing ever joins it.
 * 0 or an errno (the job is then the caller's to free).
 */
static int
job_start(struct bsdtun_cdev *cd, struct cdev_job *job)
{
	pthread_attr_t attr;
	pthread_t th;
	sigset_t all, old;
	int ret;

	if (cd->njobs >= CDEV_JOBS_MAX ||
	    jobs_of(cd, job->uid) >= CDEV_JOBS_PER_UID)
		return EAGAIN;
	job->notify_fd = fcntl(cd->jobs_fd, F_DUPFD_CLOEXEC, 0);
	if (job->notify_fd < 0)
		return errno;
	job->refs = 2;
	job->done = 0;
	if (pthread_attr_init(&attr) != 0) {
		close(job->notify_fd);
		return ENOMEM;
	}
	pthread_attr_setstacksize(&attr, CDEV_JOB_STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	/* a plain thread: it may outlive the port, which no EAL thread
	 * may, and it must be detached with its own stack size */
	ret = pthread_create(&th, &attr, job_worker, job);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (ret != 0) {
		close(job->notify_fd);
		return ret;
	}
	TAILQ_INSERT_TAIL(&cd->jobs, job, next);
	cd->njobs++;
	if (job->f != NULL)
		job->f->job = job;
	return 0;
}

/* A signal hit the caller while its memory was being read: EINTR. */
static void
job_interrupted(fuse_req_t req, void *data)
{
	struct cdev_job *job = data;

	if (job->req == req) {
		job->req = NULL;
		fuse_reply_err(req, EINTR);
	}
}

/*
 * A worker finished (node thread): go on with the request -- the ioctl
 * itself after the read, the answer after the write-back.
 */
static void
job_finish(struct bsdtun_cdev *cd, struct cdev_job *job)
{
	struct cdev_file *f = job->f;
	struct bsdtun_unit *u = cd->v.unit;
	struct cdev_job *back;
	int err;

	if (f != NULL && f->job == job)
		f->job = NULL;
	if (job->req == NULL || f == NULL) { /* interrupted, or closed */
		job_reply(job, ENXIO);
		return;
	}
	if (job->err != 0) {
		BSDTUN_NODE_CLIENT_LOG(
			ERR, u,
			"device node: %s: cannot %s the caller's struct ifreq (pid %d): %s",
			job->d->name, job->to_caller ? "write" : "read",
			(int)job->pid, strerror(job->err));
		job_reply(job, job->err);
		return;
	}
	if (job->to_caller) {
		job_reply(job, 0);
		return;
	}
	/* made for the caller (TUNSIFPID records its pid) */
	bsdtun_set_caller(f->t, job->pid);
	if (bsdtun_ioctl(f->t, (unsigned long)job->cmd, &job->ifr) < 0) {
		job_reply(job, errno);
		return;
	}
	if (job->d->dir == BSDTUN_ARG_IN) {
		job_reply(job, 0);
		return;
	}
	/* the getters and TUNSETIFF answer in the caller's memory */
	back = malloc(sizeof(*back));
	if (back == NULL) {
		job_reply(job, ENOMEM);
		return;
	}
	*back = *job;
	back->to_caller = 1;
	job->req = NULL; /* now back's to answer */
	err = job_start(cd, back);
	if (err != 0) {
		job->req = back->req;
		free(back);
		job_reply(job, err);
		return;
	}
	fuse_req_interrupt_func(back->req, job_interrupted, back);
}

/* jobs_fd is readable: finish every job whose worker is done. */
static void
jobs_done(struct bsdtun_cdev *cd)
{
	struct cdev_job *job, *tmp;
	uint64_t n;

	if (read(cd->jobs_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		BSDTUN_NODE_LOG(ERR, cd->v.unit, "device node: jobs: %s",
				strerror(errno));
	RTE_TAILQ_FOREACH_SAFE(job, &cd->jobs, next, tmp)
	{
		if (!rte_atomic_load_explicit(&job->done,
					      rte_memory_order_acquire))
			continue;
		/* job is on the list: its links are set (cppcheck does not
		 * follow RTE_TAILQ_FOREACH_SAFE) */
		/* cppcheck-suppress uninitvar */
		TAILQ_REMOVE(&cd->jobs, job, next);
		cd->njobs--;
		job_finish(cd, job);
		job_put(job);
	}
}

/*
 * A request with a struct ifreq in the caller's memory: read it there on
 * a worker, then job_finish() goes on.  One per file at a time.
 */
static void
ioctl_caller_mem(struct cdev_file *f, fuse_req_t req, unsigned int cmd,
		 void *arg, const struct bsdtun_ioctl_def *d)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct cdev_job *job;
	int err;

	if (f->job != NULL) { /* another thread's request on this file */
		fuse_reply_err(req, EBUSY);
		return;
	}
	job = calloc(1, sizeof(*job));
	if (job == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	job->f = f;
	job->req = req;
	job->d = d;
	job->cmd = cmd;
	job->arg = arg;
	job->pid = ctx->pid;
	job->uid = ctx->uid;
	err = job_start(f->cd, job);
	if (err != 0) {
		BSDTUN_NODE_CLIENT_LOG(
			ERR, f->cd->v.unit,
			"device node: %s: no worker for the caller's memory (pid %d): %s",
			d->name, (int)job->pid, strerror(err));
		free(job);
		fuse_reply_err(req, err);
		return;
	}
	/* may call job_interrupted() at once if a signal came already */
	fuse_req_interrupt_func(req, job_interrupted, job);
}

/*
 * tunioctl: the requests of the ioctl table (bsdtun.h, and Linux's
 * <linux/if_tun.h>), the argument as FUSE's restricted ioctls pass it:
 * exactly the size the number encodes.  What is not in the table goes to
 * the library too, which answers as the open's personality does (ENOTTY
 * for BSD, EINVAL or EBADFD for Linux).
 */
static void
cdev_ioctl(fuse_req_t req, fuse_ino_t ino __rte_unused, unsigned int cmd,
	   void *arg, struct fuse_file_info *fi,
	   unsigned int flags __rte_unused, const void *in_buf, size_t in_bufsz,
	   size_t out_bufsz)
{
	static void *const no_arg;
	struct cdev_file *f = file_get(req, fi);
	const struct bsdtun_ioctl_def *d;
	struct bsdtun_unit *u;
	union {
		int i;
		struct tuninfo ti;
		struct ifreq ifr;
	} v;
	size_t in = 0, out = 0;
	int err;

	if (f == NULL)
		return;
	u = f->cd->v.unit;
	/* made for the caller (TUNSIFPID records its pid) */
	bsdtun_set_caller(f->t, fuse_req_ctx(req)->pid);
	d = bsdtun_ioctl_find(cmd, BSDTUN_FACE_NODE);
	if (d == NULL) {
		BSDTUN_NODE_DEBUG(u, "device node: ioctl 0x%x not in the table",
				  cmd);
		if (bsdtun_ioctl_find(cmd, BSDTUN_FACE_LIB) != NULL)
			/* the library's own (FIOSETOWN...): not a node's */
			err = bsdtun_is_linux(f->t) ? EINVAL : ENOTTY;
		else /* the errno of the open's personality, no argument */
			err = bsdtun_ioctl(f->t, (unsigned long)cmd, no_arg) <
					      0 ?
				      errno :
				      ENOTTY;
		fuse_reply_err(req, err);
		return;
	}
	if (d->caller_mem) {
		/* struct ifreq: from and to the caller's own memory; read
		 * for the getters too, which keep the caller's other bytes
		 * (SIOCGIFHWADDR its name) as Linux does */
		ioctl_caller_mem(f, req, cmd, arg, d);
		return;
	}
	memset(&v, 0, sizeof(v));
	if (d->by_value) {
		/* the kernel let the value through as an address: it is the
		 * value (it usually fails EFAULT first, doc/cdev.md) */
		if (bsdtun_ioctl(f->t, (unsigned long)cmd,
				 (void *)(uintptr_t)arg) < 0)
			fuse_reply_err(req, errno);
		else
			fuse_reply_ioctl(req, 0, NULL, 0);
		return;
	}
	in = d->dir == BSDTUN_ARG_IN || d->dir == BSDTUN_ARG_INOUT ? d->size :
								     0;
	out = d->dir == BSDTUN_ARG_OUT || d->dir == BSDTUN_ARG_INOUT ? d->size :
								       0;
	/* FUSE copies the size the number encodes: it must be the real one */
	if (d->dir != BSDTUN_ARG_NONE &&
	    BSDTUN_IOC_ENCODED_SIZE(d->req) != d->size) {
		BSDTUN_NODE_LOG(ERR, u, "device node: %s cannot pass FUSE",
				d->name);
		fuse_reply_err(req, ENOTTY);
		return;
	}
	/* Restricted ioctls: the kernel copied _IOC_SIZE(cmd) bytes. */
	if (in_bufsz != in || out_bufsz < out) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (in > 0)
		memcpy(&v, in_buf, in);
	if (bsdtun_ioctl(f->t, (unsigned long)cmd, &v) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fuse_reply_ioctl(req, 0, out > 0 ? &v : NULL, out);
}

static const struct fuse_lowlevel_ops cdev_ops = {
	.init = cdev_init,
	.lookup = cdev_lookup,
	.getattr = cdev_getattr,
	.setattr = cdev_setattr,
	.access = cdev_access,
	.open = cdev_open,
	.read = cdev_read,
	.write = cdev_write,
	.flush = cdev_flush,
	.release = cdev_release,
	.fsync = cdev_fsync,
	.ioctl = cdev_ioctl,
	.poll = cdev_poll,
};

/* ---- the thread --------------------------------------------------------- */

static uint32_t
cdev_main(void *arg)
{
	struct bsdtun_cdev *cd = arg;
	int fuse_fd = fuse_session_fd(cd->se);
	int fuse_live = 1;

	for (;;) {
		/* files[i] is the file whose bell is p[2 + i] */
		struct cdev_file *files[BSDTUN_QUEUES_MAX];
		struct pollfd p[3 + BSDTUN_QUEUES_MAX];
		int n = 0, i_fuse = -1, nb = 0, i;
		uint32_t k;

		p[n].fd = cd->wake_fd;
		p[n++].events = POLLIN;
		p[n].fd = cd->jobs_fd;
		p[n++].events = POLLIN;
		/* A bell only while someone waits: it is level-triggered. */
		for (k = 0; k < BSDTUN_QUEUES_MAX; k++) {
			struct cdev_file *f = cd->files[k];

			if (f != NULL && !f->gone &&
			    (!TAILQ_EMPTY(&f->reads) || f->poll_armed)) {
				files[nb++] = f;
				p[n].fd = f->bell;
				p[n++].events = POLLIN;
			}
		}
		if (fuse_live) {
			i_fuse = n;
			p[n].fd = fuse_fd;
			p[n++].events = POLLIN;
		}
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			BSDTUN_NODE_LOG(ERR, cd->v.unit,
					"device node: poll: %s",
					strerror(errno));
			break;
		}
		if (p[0].revents != 0)
			break; /* bsdtun_cdev_detach() */
		if (p[1].revents != 0)
			jobs_done(cd);
		/* before the FUSE requests: a release may free the file */
		for (i = 0; i < nb; i++)
			if (p[2 + i].revents != 0)
				on_bell(files[i], p[2 + i].revents);
		if (i_fuse >= 0 && p[i_fuse].revents != 0) {
			int r = fuse_session_receive_buf(cd->se, &cd->fbuf);

			if (r > 0)
				fuse_session_process_buf(cd->se, &cd->fbuf);
			if (fuse_session_exited(cd->se) ||
			    (r <= 0 && r != -EINTR && r != -EAGAIN)) {
				fuse_live = 0;
				BSDTUN_NODE_LOG(
					WARNING, cd->v.unit,
					"device node %s: unmounted from outside",
					cd->v.path);
			}
		}
	}
	return 0;
}

/* ---- mount point ---------------------------------------------------------- */

/*
 * PATH is reached through the directory bsdtun_path_check() checked and
 * kept (cd->at): by name once, at the check; by descriptor after.  As root
 * (CAP_SYS_ADMIN) the node is mounted with the new mount API onto a
 * descriptor of the very file prepare_path() checked or created, and
 * unmounted through the mount's own descriptor: no name is resolved again.
 * A process without CAP_SYS_ADMIN cannot mount; fusermount3 (setuid) does
 * it by name, as for every unprivileged FUSE file system.  That stays safe
 * enough: fusermount3 opens the mount point itself with the caller's
 * credentials (O_WRONLY for a file) and mounts only where the caller may
 * write, and unmounts only mounts the caller made: a re-pointed link gives
 * that process nothing it could not do anyway.
 */

/* fusermount3 -u -z -q -- PATH: a non-root process's own mount, by name. */
static int
fusermount_unmount(const char *path)
{
	char *argv[] = {
		(char *)"fusermount3", (char *)"-u", (char *)"-z", (char *)"-q",
		(char *)"--",          (char *)path, NULL
	};
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -EPERM;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -EPERM;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EPERM;
}

/* Detach a stale mount at PATH: as root through the checked directory. */
static int
lazy_unmount(struct bsdtun_cdev *cd)
{
	char proc[PATH_MAX];

	if (bsdtun_path_proc(&cd->at, NULL, proc, sizeof(proc)) == 0 &&
	    umount2(proc, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
		return 0;
	if (errno != EPERM)
		return -errno;
	return fusermount_unmount(cd->v.path);
}

/* Is PATH the root of a mount (its own device, unlike its directory)? */
static int
is_mount_root(const struct bsdtun_cdev *cd, const struct stat *st)
{
	struct stat d;

	return fstat(cd->at.dirfd, &d) == 0 && st->st_dev != d.st_dev;
}

/*
 * Make PATH a regular file FUSE can mount on.  A mount left by a killed
 * process (its server is gone: ENOTCONN) is detached; a mount a live
 * process serves is refused, as sock= is.  On success cd->at holds the
 * checked directory and cd->node the file's identity.
 */
static int
prepare_path(struct bsdtun_cdev *cd)
{
	struct bsdtun_unit *u = cd->v.unit;
	const char *path = cd->v.path;
	struct bsdtun_path *at = &cd->at;
	struct stat st;
	int i, fd, ret;

	/* a directory nobody else can change; PATH itself not a link */
	ret = bsdtun_path_check(u, "cdev", path, 1, at);
	if (ret < 0)
		return ret;
	for (i = 0;
	     i < 8 &&
	     fstatat(at->dirfd, at->leaf, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
	     errno == ENOTCONN;
	     i++) {
		ret = lazy_unmount(cd);
		if (ret < 0) {
			BSDTUN_NODE_LOG(
				ERR, u,
				"cdev=%s: cannot unmount the stale mount of a dead process: %s",
				path, strerror(-ret));
			goto fail;
		}
		BSDTUN_NODE_LOG(
			NOTICE, u,
			"cdev=%s: detached the stale mount of a dead process",
			path);
		cd->remove_file = 1; /* our own leftover */
	}
	if (fstatat(at->dirfd, at->leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (is_mount_root(cd, &st)) {
			BSDTUN_NODE_LOG(
				ERR, u,
				"cdev=%s is mounted (in use by a live unit?)",
				path);
			ret = -EADDRINUSE;
			goto fail;
		}
		if (!S_ISREG(st.st_mode)) {
			BSDTUN_NODE_LOG(
				ERR, u,
				"cdev=%s exists and is not a regular file",
				path);
			ret = -EEXIST;
			goto fail;
		}
	} else if (errno != ENOENT) {
		ret = -errno;
		BSDTUN_NODE_LOG(ERR, u, "cdev=%s: %s", path, strerror(-ret));
		goto fail;
	} else {
		fd = openat(at->dirfd, at->leaf,
			    O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC |
				    O_NOFOLLOW,
			    0600);
		if (fd < 0 || fstat(fd, &st) < 0) {
			ret = -errno;
			BSDTUN_NODE_LOG(ERR, u, "cdev=%s: cannot create: %s",
					path, strerror(-ret));
			if (fd >= 0)
				close(fd);
			goto fail;
		}
		close(fd);
		cd->remove_file = 1;
	}
	cd->node_dev = st.st_dev;
	cd->node_ino = st.st_ino;
	return 0;
fail:
	bsdtun_path_close(at);
	return ret;
}

/* Unlink PATH if we created it and its name still names that file. */
static void
remove_node(struct bsdtun_cdev *cd)
{
	struct stat st;

	if (cd->remove_file && cd->at.dirfd >= 0 &&
	    fstatat(cd->at.dirfd, cd->at.leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && st.st_dev == cd->node_dev &&
	    st.st_ino == cd->node_ino)
		unlinkat(cd->at.dirfd, cd->at.leaf, 0);
	bsdtun_path_close(&cd->at);
}

/*
 * Unmount the node: through the mount's own descriptor (mounted as root),
 * else fusermount3 -uz PATH.  Neither needs the session's /dev/fuse
 * descriptor, which may be closed already.
 */
static void
unmount_node(struct bsdtun_cdev *cd)
{
	char proc[32];
	int ret = 0;

	if (cd->mnt_fd >= 0) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", cd->mnt_fd);
		if (umount2(proc, MNT_DETACH) < 0)
			ret = -errno;
		close(cd->mnt_fd);
		cd->mnt_fd = -1;
	} else if (cd->mounted) {
		ret = fusermount_unmount(cd->v.path);
	}
	cd->mounted = 0;
	if (ret < 0)
		BSDTUN_NODE_LOG(ERR, cd->v.unit, "cdev=%s: cannot unmount: %s",
				cd->v.path, strerror(-ret));
}

/* libfuse's own messages go to the DPDK log. */
static void
fuse_log_to_rte(enum fuse_log_level level, const char *fmt, va_list ap)
{
	bsdtun_node_vlog((uint32_t)level + 1, fmt, ap);
}

/* exit() without closing the ports: do not leave a dead mount behind. */
static void
cdevs_at_exit(void)
{
	struct bsdtun_cdev *cd;
	char proc[32];

	pthread_mutex_lock(&cdevs_lock);
	LIST_FOREACH(cd, &cdevs, all)
	{
		if (cd->mnt_fd < 0)
			continue;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", cd->mnt_fd);
		(void)umount2(proc, MNT_DETACH);
	}
	pthread_mutex_unlock(&cdevs_lock);
}

static void
cdevs_init(void)
{
	fuse_set_log_func(fuse_log_to_rte);
	atexit(cdevs_at_exit);
}

/* One fsconfig(2) string; 0 or -errno. */
static int
fs_set(int fs, const char *key, const char *fmt, ...)
{
	char val[RTE_DEV_NAME_MAX_LEN + 16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	return fsconfig(fs, FSCONFIG_SET_STRING, key, val, 0) < 0 ? -errno : 0;
}

/*
 * Mount the node as root: fsopen("fuse") with a /dev/fuse descriptor of
 * ours, fsmount, and move_mount onto an O_PATH descriptor of the file
 * prepare_path() checked (the same inode, or nothing).  Returns the
 * /dev/fuse descriptor (the mount's descriptor in cd->mnt_fd), -EPERM
 * without CAP_SYS_ADMIN, or another -errno with a log line.
 */
static int
mount_new_api(struct bsdtun_cdev *cd, int allow_other)
{
	struct bsdtun_unit *u = cd->v.unit;
	int fs, fuse_fd = -1, mnt = -1, node = -1, ret;
	const char *step = "fsopen";
	struct stat st;

	fs = fsopen("fuse", FSOPEN_CLOEXEC);
	if (fs < 0)
		return errno == EPERM ? -EPERM : -errno;
	step = "/dev/fuse";
	fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fuse_fd < 0)
		goto fail_errno;
	step = "fsconfig";
	/* rootmode: S_IFREG (octal), FUSE mounts on a file */
	ret = fs_set(fs, "fd", "%d", fuse_fd);
	if (ret == 0)
		ret = fs_set(fs, "rootmode", "%o", (unsigned int)S_IFREG);
	if (ret == 0)
		ret = fs_set(fs, "user_id", "%u", (unsigned int)geteuid());
	if (ret == 0)
		ret = fs_set(fs, "group_id", "%u", (unsigned int)getegid());
	if (ret == 0)
		ret = fs_set(fs, "source", "%s", cd->v.name); /* fsname= */
	if (ret == 0)
		ret = fs_set(fs, "subtype", "bsdtun");
	if (ret == 0 && allow_other &&
	    fsconfig(fs, FSCONFIG_SET_FLAG, "allow_other", NULL, 0) < 0)
		ret = -errno;
	if (ret == 0 && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		ret = -errno;
	if (ret < 0)
		goto fail;
	step = "fsmount";
	mnt = fsmount(fs, FSMOUNT_CLOEXEC,
		      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mnt < 0)
		goto fail_errno;
	step = "the node";
	node = openat(cd->at.dirfd, cd->at.leaf,
		      O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (node < 0 || fstat(node, &st) < 0)
		goto fail_errno;
	if (!S_ISREG(st.st_mode) || st.st_dev != cd->node_dev ||
	    st.st_ino != cd->node_ino) {
		ret = -ESTALE; /* nobody else writes the directory; still */
		goto fail;
	}
	step = "move_mount";
	if (move_mount(mnt, "", node, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		goto fail_errno;
	close(node);
	close(fs);
	cd->mnt_fd = mnt;
	return fuse_fd;
fail_errno:
	ret = -errno;
fail:
	BSDTUN_NODE_LOG(ERR, u, "cdev=%s: cannot mount the FUSE node: %s: %s",
			cd->v.path, step, strerror(-ret));
	if (node >= 0)
		close(node);
	if (mnt >= 0)
		close(mnt);
	if (fuse_fd >= 0)
		close(fuse_fd);
	close(fs);
	return ret == -EPERM ? -EACCES : ret;
}

/*
 * Mount the node without CAP_SYS_ADMIN: fusermount3 -o OPTS -- PATH, as
 * libfuse does, which hands back the /dev/fuse descriptor over a socket
 * (_FUSE_COMMFD).  Returns it or -errno.
 */
static int
mount_fusermount(struct bsdtun_cdev *cd, const char *opts)
{
	char *argv[] = { (char *)"fusermount3", (char *)"-o", (char *)opts,
			 (char *)"--",          cd->v.path,   NULL };
	char env_fd[32], cbuf[CMSG_SPACE(sizeof(int))], byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	char **env = NULL;
	int sv[2], fd = -EPERM, n, st;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -errno;
	(void)fcntl(sv[0], F_SETFD, FD_CLOEXEC);
	snprintf(env_fd, sizeof(env_fd), "_FUSE_COMMFD=%d", sv[1]);
	for (n = 0; environ[n] != NULL; n++)
		;
	env = calloc(n + 2, sizeof(*env));
	if (env == NULL) {
		close(sv[0]);
		close(sv[1]);
		return -ENOMEM;
	}
	env[0] = env_fd;
	memcpy(env + 1, environ, n * sizeof(*env));
	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, env) != 0)
		pid = -1;
	free(env);
	close(sv[1]);
	if (pid > 0) {
		while ((n = recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC)) < 0 &&
		       errno == EINTR)
			;
		cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
		if (cm != NULL && cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	close(sv[0]);
	return fd;
}

static int
mount_node(struct bsdtun_cdev *cd)
{
	struct bsdtun_unit *u = cd->v.unit;
	char opts[RTE_DEV_NAME_MAX_LEN + 64], dev_fd[32];
	char *argv[] = { (char *)"bsdtun", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	int allow_other, fuse_fd;

	/*
	 * Admission is ours (open checks owner/group/perm against the
	 * caller), so the kernel must let every user reach us: allow_other,
	 * without default_permissions.  A non-root DPDK process needs
	 * user_allow_other in /etc/fuse.conf for that, unless only its own
	 * user may open the unit anyway.
	 */
	allow_other = geteuid() == 0 || (cd->v.perm & 0077) != 0 ||
		      cd->v.owner != geteuid();
	cd->se = fuse_session_new(&args, &cdev_ops, sizeof(cdev_ops), cd);
	fuse_opt_free_args(&args);
	if (cd->se == NULL) {
		BSDTUN_NODE_LOG(ERR, u, "cdev=%s: cannot create a FUSE session",
				cd->v.path);
		return -ENOMEM;
	}
	fuse_fd = mount_new_api(cd, allow_other);
	if (fuse_fd == -EPERM) {
		/* no CAP_SYS_ADMIN: fusermount3 */
		snprintf(opts, sizeof(opts),
			 "%snosuid,nodev,fsname=%s,subtype=bsdtun",
			 allow_other ? "allow_other," : "", cd->v.name);
		fuse_fd = mount_fusermount(cd, opts);
		if (fuse_fd < 0)
			BSDTUN_NODE_LOG(
				ERR, u,
				"cdev=%s: cannot mount the FUSE node (/dev/fuse missing? not root and no user_allow_other in /etc/fuse.conf?)",
				cd->v.path);
	}
	if (fuse_fd < 0) {
		fuse_session_destroy(cd->se);
		cd->se = NULL;
		return fuse_fd;
	}
	cd->mounted = 1;
	/*
	 * libfuse serves a mount made elsewhere when given "/dev/fd/N"
	 * (3.14): it takes the descriptor and never unmounts by itself.
	 */
	snprintf(dev_fd, sizeof(dev_fd), "/dev/fd/%d", fuse_fd);
	if (fuse_session_mount(cd->se, dev_fd) != 0) {
		BSDTUN_NODE_LOG(ERR, u, "cdev=%s: libfuse refused %s",
				cd->v.path, dev_fd);
		close(fuse_fd);
		unmount_node(cd);
		fuse_session_destroy(cd->se);
		cd->se = NULL;
		return -EIO;
	}
	return 0;
}

/* ---- attach / detach (probe / close) -------------------------------------- */

int
bsdtun_cdev_attach(const struct bsdtun_node_view *v, struct bsdtun_cdev **cdp)
{
	struct bsdtun_cdev *cd;
	char tname[16]; /* cut to BSDTUN_THREAD_NAME_LEN - 1 */
	int ret;

	pthread_once(&cdevs_once, cdevs_init);
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		return -ENOMEM;
	cd->v = *v;
	cd->wake_fd = -1;
	cd->mnt_fd = -1;
	cd->at.dirfd = -1;
	cd->jobs_fd = -1;
	TAILQ_INIT(&cd->jobs);
	cd->mtime = time(NULL);
	ret = prepare_path(cd);
	if (ret < 0)
		goto fail;
	ret = mount_node(cd);
	if (ret < 0)
		goto fail;
	cd->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	cd->jobs_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (cd->wake_fd < 0 || cd->jobs_fd < 0) {
		ret = -errno;
		goto fail_mounted;
	}
	pthread_mutex_lock(&cdevs_lock);
	LIST_INSERT_HEAD(&cdevs, cd, all);
	pthread_mutex_unlock(&cdevs_lock);
	snprintf(tname, sizeof(tname), "bsdtun-fs%u", cd->v.port_id);
	ret = bsdtun_thread_create(&cd->thread, tname, cdev_main, cd);
	if (ret != 0) {
		pthread_mutex_lock(&cdevs_lock);
		LIST_REMOVE(cd, all);
		pthread_mutex_unlock(&cdevs_lock);
		goto fail_mounted;
	}
	*cdp = cd;
	BSDTUN_NODE_LOG(INFO, cd->v.unit, "device node %s", cd->v.path);
	return 0;

fail_mounted:
	BSDTUN_NODE_LOG(ERR, cd->v.unit, "cdev=%s: %s", cd->v.path,
			strerror(-ret));
	unmount_node(cd);
	fuse_session_destroy(cd->se);
	if (cd->wake_fd >= 0)
		close(cd->wake_fd);
	if (cd->jobs_fd >= 0)
		close(cd->jobs_fd);
fail:
	remove_node(cd);
	free(cd);
	return ret;
}

void
bsdtun_cdev_detach(struct bsdtun_cdev *cd)
{
	struct cdev_job *job;
	uint64_t one = 1;
	uint32_t i;

	if (cd == NULL)
		return;
	if (write(cd->wake_fd, &one, sizeof(one)) != sizeof(one))
		BSDTUN_NODE_LOG(ERR, cd->v.unit,
				"device node: cannot wake its thread");
	/* the thread waits on nobody: it is back at once */
	bsdtun_thread_join(cd->thread);
	/*
	 * Requests whose worker still copies fail ENXIO; the workers go on
	 * alone, each waiting for its child.  A child waiting in a fault on
	 * a mount the caller serves holds nothing of ours and waits for
	 * that caller only; its worker dies with the process.
	 */
	while ((job = TAILQ_FIRST(&cd->jobs)) != NULL) {
		TAILQ_REMOVE(&cd->jobs, job, next);
		job_reply(job, ENXIO);
		if (job->f != NULL)
			job->f->job = NULL;
		job_put(job);
	}
	/* Blocked readers fail ENXIO; later calls on the file ENOTCONN. */
	for (i = 0; i < BSDTUN_QUEUES_MAX; i++)
		if (cd->files[i] != NULL)
			file_free(cd->files[i]);
	pthread_mutex_lock(&cdevs_lock);
	LIST_REMOVE(cd, all);
	pthread_mutex_unlock(&cdevs_lock);
	unmount_node(cd);
	fuse_session_destroy(cd->se);
	free(cd->fbuf.mem);
	close(cd->wake_fd);
	close(cd->jobs_fd);
	remove_node(cd);
	BSDTUN_NODE_LOG(INFO, cd->v.unit, "device node %s removed", cd->v.path);
	free(cd);
}
