/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libbsdtun-preload.so: the preload face (doc/preload.md).
 *
 * Loaded with LD_PRELOAD into an unmodified, dynamically linked program,
 * it answers the program's open() of the Linux tun device (/dev/net/tun)
 * with an open of the unit served at BSDTUN_PRELOAD_ENDPOINT (and of the
 * paths BSDTUN_PRELOAD_NODES names), straight on its shared-memory rings:
 * no FUSE, no kernel tun.  The program holds a real descriptor: a
 * duplicate of the open's bell (bsdtun_fd()), which the kernel's poll,
 * select and epoll see readable exactly when a packet is queued.  The
 * calls that would treat it as a tun file (read, write, readv, writev,
 * ioctl, fcntl, close, dup*, close_range, closefrom) are answered here
 * with the library's tun semantics; every other descriptor goes straight
 * to the C library.
 *
 * The program's memory is reached only through process_vm_readv/writev,
 * so a bad pointer is EFAULT, as the kernel answers, never a crash in
 * here.  An open survives fork (the rings' locks and positions are in
 * shared memory); it cannot survive exec, or be passed over SCM_RIGHTS or
 * to vhost-net: those are refused, with a message on stderr.
 */
/* open and open64 are both defined here, by their own names */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bsdtun.h"
#include "bsdtun_ioctl.h"
#include "bsdtun_local.h"
#include "bsdtun_wire.h"

#define PL_API __attribute__((visibility("default")))

#define PL_DEFAULT_PATH "/dev/net/tun"
#define PL_CHUNK_BITS   10
#define PL_CHUNK        (1u << PL_CHUNK_BITS)
#define PL_CHUNKS       1024u /* descriptors 0 .. 1M-1 */
#define PL_PIDS         16    /* processes one open can be shared by */
#define PL_BOUNCE       (BSDTUN_REC_MAX_LEN + 64)
#define PL_IOCTL_ARG    64 /* largest argument in bsdtun_ioctl.h */
/* F_GETFL of a file the kernel opened on x86_64 (glibc's O_LARGEFILE is 0) */
#define PL_O_LARGEFILE  0100000

/* ---- the C library's own functions ---------------------------------- */

static struct {
	int (*open)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	int (*ioctl)(int, unsigned long, ...);
	int (*fcntl)(int, int, ...);
	int (*close)(int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	int (*execve)(const char *, char *const[], char *const[]);
	int (*execvpe)(const char *, char *const[], char *const[]);
	int (*fexecve)(int, char *const[], char *const[]);
} real;

static void
real_init(void)
{
	if (real.close != NULL)
		return;
#define R(f) (*(void **)&real.f = dlsym(RTLD_NEXT, #f))
	R(open);
	R(openat);
	R(read);
	R(write);
	R(readv);
	R(writev);
	R(ioctl);
	R(fcntl);
	R(close);
	R(dup);
	R(dup2);
	R(dup3);
	R(sendmsg);
	R(execve);
	R(execvpe);
	R(fexecve);
#undef R
}

/*
 * The library's own calls (close, fcntl, send...) come back through the
 * functions below: inside it, everything goes to the C library.
 */
static __thread int pl_inside;

/*
 * This process's pid, without a system call per packet (glibc does not
 * cache it): set at load and in every fork's child (pthread_atfork).
 */
static pid_t pl_pid;

static pid_t
self(void)
{
	if (pl_pid == 0)
		pl_pid = getpid();
	return pl_pid;
}

/* ---- the descriptor table -------------------------------------------- */

/* Shared by every process that holds the open (MAP_SHARED, fork keeps it). */
struct pl_shared {
	pthread_mutex_t rd;  /* the ring to the program */
	pthread_mutex_t wr;  /* the ring to DPDK; ioctls hold both */
	pid_t rd_pid;        /* the process that read last */
	pid_t wr_pid;        /* the process that wrote last */
	int flags;           /* F_GETFL: access mode, O_NONBLOCK, O_ASYNC */
	pid_t pids[PL_PIDS]; /* processes holding it (fork adds the child) */
};

/* One open, in this process. */
struct pl_file {
	struct bsdtun *t;
	struct pl_shared *sh;
	int refs;     /* the program's descriptors naming it */
	int busy;     /* calls in progress on it (get/put) */
	int dropping; /* refs went to 0: the last put frees */
	int freed;    /* its open is closed; this record stays */
	int bell_fd;  /* the open's own descriptors, kept from the program */
	int ctl_fd;
	struct pl_file *next; /* every open of this process (fork) */
};

struct pl_slot {
	struct pl_file *f; /* the program's descriptor of an open */
	int cloexec;       /* FD_CLOEXEC as the program set it */
	int internal;      /* an open's own descriptor */
};

static struct pl_slot *_Atomic pl_table[PL_CHUNKS];
/* Writers change the table; readers only take a reference (get). */
static pthread_rwlock_t pl_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct pl_file *pl_files; /* under pl_lock */

static struct pl_slot *
slot(int fd, int create)
{
	struct pl_slot *c;
	unsigned int i = (unsigned int)fd >> PL_CHUNK_BITS;

	if (fd < 0 || i >= PL_CHUNKS)
		return NULL;
	c = atomic_load_explicit(&pl_table[i], memory_order_acquire);
	if (c == NULL && create) {
		c = calloc(PL_CHUNK, sizeof(*c));
		if (c == NULL)
			return NULL;
		atomic_store_explicit(&pl_table[i], c, memory_order_release);
	}
	return c == NULL ? NULL : &c[fd & (PL_CHUNK - 1)];
}

/* The open behind a program's descriptor, or NULL: not ours (a look,
 * no reference: for comparisons only). */
static struct pl_file *
lookup(int fd)
{
	struct pl_slot *s;

	if (pl_inside)
		return NULL;
	real_init(); /* a constructor ran before ours */
	s = slot(fd, 0);
	return s == NULL ? NULL : __atomic_load_n(&s->f, __ATOMIC_ACQUIRE);
}

static void file_free(struct pl_file *f);

/*
 * The open behind a program's descriptor, with a reference that keeps it
 * open until put(), whatever another thread closes meanwhile (the kernel
 * keeps a file a call is using the same way).  NULL: not ours.
 */
static struct pl_file *
get(int fd)
{
	struct pl_file *f = lookup(fd);

	if (f == NULL)
		return NULL; /* the common case: no lock */
	pthread_rwlock_rdlock(&pl_lock);
	f = __atomic_load_n(&slot(fd, 0)->f, __ATOMIC_ACQUIRE);
	if (f != NULL)
		__atomic_add_fetch(&f->busy, 1, __ATOMIC_SEQ_CST);
	pthread_rwlock_unlock(&pl_lock);
	return f;
}

static void
put(struct pl_file *f)
{
	int e = errno;

	if (__atomic_sub_fetch(&f->busy, 1, __ATOMIC_SEQ_CST) == 0 &&
	    __atomic_load_n(&f->dropping, __ATOMIC_SEQ_CST)) {
		pthread_rwlock_wrlock(&pl_lock);
		if (!f->freed &&
		    __atomic_load_n(&f->busy, __ATOMIC_SEQ_CST) == 0)
			file_free(f);
		pthread_rwlock_unlock(&pl_lock);
	}
	errno = e;
}

static int
is_internal(int fd)
{
	struct pl_slot *s = slot(fd, 0);

	return s != NULL && s->internal;
}

/* An open's own descriptor, asked for by the program: as if not open. */
static int
hidden(int fd)
{
	if (pl_inside || !is_internal(fd))
		return 0;
	errno = EBADF;
	return 1;
}

static void
say(const char *fmt, ...)
{
	char b[256];
	va_list ap;
	int n;

	n = snprintf(b, sizeof(b), "bsdtun-preload[%d]: ", (int)getpid());
	va_start(ap, fmt);
	n += vsnprintf(b + n, sizeof(b) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(b) - 2)
		n = (int)sizeof(b) - 2;
	b[n++] = '\n';
	(void)!real.write(STDERR_FILENO, b, (size_t)n);
}

/* ---- the program's memory -------------------------------------------- */

/*
 * A bad pointer must be EFAULT, as from the kernel, not a fault in here:
 * the program's memory is first reached with process_vm_readv/writev on
 * this very process, which the kernel answers EFAULT.  That costs as much
 * as the kernel tun's whole read, so the pages found good are remembered
 * (a few ranges per thread: programs read into the same buffers) and
 * copied with memcpy afterwards.  munmap, mremap, mprotect and shmdt
 * (interposed below) forget every range of every thread.  A buffer freed
 * by the C library's own munmap and then passed again is a use after
 * free in the program; doc/preload.md says so.
 */
#define PL_KNOWN 4

struct pl_range {
	uintptr_t lo, hi; /* whole pages */
	unsigned int gen; /* pl_gen when learned */
	int wr;           /* written to (so readable too) */
};

static __thread struct pl_range pl_known[PL_KNOWN];
static __thread unsigned int pl_known_next;
static unsigned int pl_gen = 1; /* atomic */

static int
range_known(const void *p, size_t len, int wr)
{
	uintptr_t lo = (uintptr_t)p, hi = lo + len;
	unsigned int g = __atomic_load_n(&pl_gen, __ATOMIC_ACQUIRE);
	int i;

	if (hi < lo)
		return 0;
	for (i = 0; i < PL_KNOWN; i++)
		if (pl_known[i].gen == g && pl_known[i].lo <= lo &&
		    hi <= pl_known[i].hi && (pl_known[i].wr || !wr))
			return 1;
	return 0;
}

static void
range_learn(const void *p, size_t len, int wr)
{
	uintptr_t pg = 4096, lo = (uintptr_t)p, hi = lo + len;
	struct pl_range *r = &pl_known[pl_known_next++ % PL_KNOWN];

	r->gen = __atomic_load_n(&pl_gen, __ATOMIC_ACQUIRE);
	r->lo = lo & ~(pg - 1);
	r->hi = hi < lo ? lo : (hi + pg - 1) & ~(pg - 1);
	r->wr = wr;
}

static void
ranges_forget(void)
{
	__atomic_add_fetch(&pl_gen, 1, __ATOMIC_RELEASE);
}

static int
mem_in(void *dst, const void *src, size_t len)
{
	struct iovec l = { .iov_base = dst, .iov_len = len };
	struct iovec r = { .iov_base = (void *)(uintptr_t)src, .iov_len = len };

	if (len == 0)
		return 0;
	if (range_known(src, len, 0)) {
		memcpy(dst, src, len);
		return 0;
	}
	if (process_vm_readv(self(), &l, 1, &r, 1, 0) == (ssize_t)len) {
		range_learn(src, len, 0);
		return 0;
	}
	if (errno == ENOSYS || errno == EPERM) { /* a sandbox said no */
		memcpy(dst, src, len);
		return 0;
	}
	errno = EFAULT;
	return -1;
}

/* Scatter len bytes of src over iov with memcpy. */
static void
scatter(const struct iovec *iov, int iovcnt, const void *src, size_t len)
{
	const uint8_t *p = src;
	int i;

	for (i = 0; i < iovcnt && len > 0; i++) {
		size_t c = iov[i].iov_len < len ? iov[i].iov_len : len;

		memcpy(iov[i].iov_base, p, c);
		p += c;
		len -= c;
	}
}

static int
mem_out(const struct iovec *iov, int iovcnt, const void *src, size_t len)
{
	struct iovec l = { .iov_base = (void *)(uintptr_t)src, .iov_len = len };
	size_t left = len;
	ssize_t n;
	int i, known = 1;

	if (len == 0)
		return 0;
	for (i = 0; i < iovcnt && left > 0 && known; i++) {
		size_t c = iov[i].iov_len < left ? iov[i].iov_len : left;

		known = range_known(iov[i].iov_base, c, 1);
		left -= c;
	}
	if (known) {
		scatter(iov, iovcnt, src, len);
		return 0;
	}
	n = process_vm_writev(self(), &l, 1, iov, (unsigned long)iovcnt, 0);
	if (n == (ssize_t)len) {
		left = len;
		for (i = 0; i < iovcnt && left > 0 && i < PL_KNOWN; i++) {
			size_t c =
			        iov[i].iov_len < left ? iov[i].iov_len : left;

			range_learn(iov[i].iov_base, c, 1);
			left -= c;
		}
		return 0;
	}
	if (n < 0 && (errno == ENOSYS || errno == EPERM)) {
		scatter(iov, iovcnt, src, len);
		return 0;
	}
	errno = EFAULT;
	return -1;
}

static __thread uint8_t *pl_bounce;

static uint8_t *
bounce(void)
{
	if (pl_bounce == NULL)
		pl_bounce = malloc(PL_BOUNCE);
	return pl_bounce;
}

/* ---- locks shared across fork ----------------------------------------- */

static int
shared_lock(pthread_mutex_t *m)
{
	int r = pthread_mutex_lock(m);

	if (r == EOWNERDEAD) /* a process died inside: the positions are */
		r = pthread_mutex_consistent(m); /* resynced below anyway */
	return r;
}

/* Take a ring; if another process used it last, resync from shared memory. */
static int
ring_take(struct pl_file *f, pthread_mutex_t *m, pid_t *last)
{
	pid_t me = self();
	int r = shared_lock(m);

	if (r != 0) {
		errno = r;
		return -1;
	}
	if (*last != me) {
		pl_inside++;
		r = *last == 0 ? 0 : bsdtun_resync(f->t);
		pl_inside--;
		if (r < 0) {
			pthread_mutex_unlock(m);
			return -1;
		}
		*last = me;
	}
	return 0;
}

static int
both_take(struct pl_file *f)
{
	if (ring_take(f, &f->sh->rd, &f->sh->rd_pid) < 0)
		return -1;
	if (ring_take(f, &f->sh->wr, &f->sh->wr_pid) < 0) {
		pthread_mutex_unlock(&f->sh->rd);
		return -1;
	}
	return 0;
}

static void
both_give(struct pl_file *f)
{
	pthread_mutex_unlock(&f->sh->wr);
	pthread_mutex_unlock(&f->sh->rd);
}

static struct pl_shared *
shared_new(int flags)
{
	pthread_mutexattr_t a;
	struct pl_shared *sh;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
	          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return NULL;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&sh->rd, &a);
	pthread_mutex_init(&sh->wr, &a);
	pthread_mutexattr_destroy(&a);
	sh->flags = flags;
	sh->pids[0] = self();
	return sh;
}

/* ---- open and close ---------------------------------------------------- */

/* Where the open's own descriptors go: high, out of select()'s range. */
static int
internal_min(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < 2048)
		return 1024 > (int)rl.rlim_cur / 2 ? (int)rl.rlim_cur / 2 :
		                                     1024;
	return 1024;
}

/*
 * The endpoint that serves path, or NULL: /dev/net/tun is served by
 * BSDTUN_PRELOAD_ENDPOINT; BSDTUN_PRELOAD_NODES lists other paths, as
 * PATH=SOCK pairs separated by ':' (a program that opens a unit's device
 * node by name).  Paths are compared as strings, as the program wrote
 * them.  ep (PATH_MAX) holds the answer.
 */
static const char *
endpoint_for(const char *path, char *ep)
{
	const char *v = getenv("BSDTUN_PRELOAD_NODES");
	size_t pl;

	if (path == NULL)
		return NULL;
	if (strcmp(path, PL_DEFAULT_PATH) == 0) {
		v = getenv("BSDTUN_PRELOAD_ENDPOINT");
		if (v == NULL || v[0] == '\0' || strlen(v) >= PATH_MAX)
			return NULL;
		return strcpy(ep, v);
	}
	pl = strlen(path);
	while (v != NULL && *v != '\0') {
		size_t n = strcspn(v, ":");

		if (n > pl + 1 && strncmp(v, path, pl) == 0 && v[pl] == '=' &&
		    n - pl - 1 < PATH_MAX) {
			memcpy(ep, v + pl + 1, n - pl - 1);
			ep[n - pl - 1] = '\0';
			return ep;
		}
		v += n + (v[n] == ':');
	}
	return NULL;
}

static void
slot_set_internal(int fd, int on)
{
	struct pl_slot *s = slot(fd, on);

	if (s != NULL)
		s->internal = on;
}

/* Open the unit for open(path, flags); -2: not a tun path, not ours. */
static int
pl_open(const char *path, int flags)
{
	char epb[PATH_MAX];
	const char *ep;
	struct pl_file *f;
	struct pl_slot *s;
	int fd, acc = flags & O_ACCMODE;

	real_init();
	if (pl_inside || (ep = endpoint_for(path, epb)) == NULL)
		return -2;
	if (acc == O_ACCMODE) {
		errno = EINVAL;
		return -1;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -1;
	f->sh = shared_new(acc | PL_O_LARGEFILE | (flags & O_NONBLOCK));
	if (f->sh == NULL) {
		free(f);
		return -1;
	}
	pl_inside++;
	f->t = bsdtun_open(ep, O_NONBLOCK); /* blocking is done here */
	if (f->t != NULL && bsdtun_relocate_fds(f->t, internal_min()) < 0) {
		int e = errno;

		bsdtun_close(f->t);
		f->t = NULL;
		errno = e;
	}
	pl_inside--;
	if (f->t == NULL) {
		int e = errno;

		say("cannot open the unit at %s: %s", ep, strerror(e));
		munmap(f->sh, sizeof(*f->sh));
		free(f);
		errno = e == EACCES || e == EPERM || e == EBUSY ? e : ENXIO;
		return -1;
	}
	pl_inside++;
	bsdtun_set_strict(f->t);
	f->bell_fd = bsdtun_fd(f->t);
	f->ctl_fd = bsdtun_ctl_fd(f->t);
	pl_inside--;
	fd = real.fcntl(f->bell_fd, F_DUPFD_CLOEXEC, 0);
	pthread_rwlock_wrlock(&pl_lock);
	s = fd < 0 ? NULL : slot(fd, 1);
	if (s == NULL) {
		int e = fd < 0 ? errno : ENOMEM;

		pthread_rwlock_unlock(&pl_lock);
		if (fd >= 0)
			real.close(fd);
		pl_inside++;
		bsdtun_close(f->t);
		pl_inside--;
		munmap(f->sh, sizeof(*f->sh));
		free(f);
		errno = e;
		return -1;
	}
	slot_set_internal(f->bell_fd, 1);
	slot_set_internal(f->ctl_fd, 1);
	f->refs = 1;
	f->next = pl_files;
	pl_files = f;
	s->cloexec = !!(flags & O_CLOEXEC);
	__atomic_store_n(&s->f, f, __ATOMIC_RELEASE);
	pthread_rwlock_unlock(&pl_lock);
	return fd;
}

/* pid runs (a zombie, daemon(3)'s parent not yet reaped, holds nothing) */
static int
alive(pid_t pid)
{
	char path[32], buf[256], *paren;
	ssize_t n;
	int fd;

	if (kill(pid, 0) < 0 && errno != EPERM)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = real.open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1; /* no /proc: believe kill() */
	n = real.read(fd, buf, sizeof(buf) - 1);
	real.close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	paren = strrchr(buf, ')'); /* "pid (comm) S ..." */
	return paren == NULL ||
	       (paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X');
}

/* Another live process shares the open (a fork that has not exited). */
static int
shared_elsewhere(const struct pl_file *f)
{
	pid_t me = self();
	int i;

	for (i = 0; i < PL_PIDS; i++) {
		pid_t p = __atomic_load_n(&f->sh->pids[i], __ATOMIC_RELAXED);

		if (p != 0 && p != me && alive(p))
			return 1;
	}
	return 0;
}

/* Close f's open, now that no descriptor and no call uses it (pl_lock
 * held).  The record itself stays: a put() may still look at it. */
static void
file_free(struct pl_file *f)
{
	struct pl_file **pp;
	pid_t me = self();
	int i, others;

	f->freed = 1;
	for (pp = &pl_files; *pp != NULL; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	slot_set_internal(f->bell_fd, 0);
	slot_set_internal(f->ctl_fd, 0);
	others = shared_elsewhere(f);
	for (i = 0; i < PL_PIDS; i++)
		if (f->sh->pids[i] == me)
			__atomic_store_n(&f->sh->pids[i], 0, __ATOMIC_RELAXED);
	pl_inside++;
	if (others)
		bsdtun_release(f->t);
	else
		bsdtun_close(f->t); /* the unit is free when close returns */
	pl_inside--;
	f->t = NULL;
	munmap(f->sh, sizeof(*f->sh));
	f->sh = NULL;
}

/* The last of this process's descriptors of f is gone (pl_lock held):
 * closed now, or by the last call still using it. */
static void
file_drop(struct pl_file *f)
{
	__atomic_store_n(&f->dropping, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&f->busy, __ATOMIC_SEQ_CST) == 0)
		file_free(f);
}

/* The program's descriptor fd no longer names f (pl_lock held). */
static void
slot_clear(int fd)
{
	struct pl_slot *s = slot(fd, 0);
	struct pl_file *f;

	if (s == NULL || s->f == NULL)
		return;
	f = s->f;
	__atomic_store_n(&s->f, NULL, __ATOMIC_RELEASE);
	s->cloexec = 0;
	if (--f->refs == 0)
		file_drop(f);
}

/* Before the program's fd becomes something else (dup2 onto it): if it
 * is an open's own descriptor, move that out of the way. */
static int
internal_evict(int fd)
{
	struct pl_file *f;
	int r = 0;

	if (!is_internal(fd))
		return 0;
	for (f = pl_files; f != NULL; f = f->next) {
		if (f->bell_fd != fd && f->ctl_fd != fd)
			continue;
		pl_inside++;
		r = bsdtun_relocate_fds(f->t, fd + 1);
		pl_inside--;
		if (r == 0) {
			slot_set_internal(fd, 0);
			f->bell_fd = bsdtun_fd(f->t);
			f->ctl_fd = bsdtun_ctl_fd(f->t);
			slot_set_internal(f->bell_fd, 1);
			slot_set_internal(f->ctl_fd, 1);
		}
		break;
	}
	return r;
}

/* fork: the child holds every open too. */
static void
atfork_child(void)
{
	struct pl_file *f;
	pid_t me;
	int i;

	pl_pid = getpid();
	me = pl_pid;
	for (f = pl_files; f != NULL; f = f->next)
		for (i = 0; i < PL_PIDS; i++) {
			pid_t z = 0;

			if (__atomic_compare_exchange_n(&f->sh->pids[i], &z, me,
			                                0, __ATOMIC_RELAXED,
			                                __ATOMIC_RELAXED))
				break;
		}
	pthread_rwlock_init(&pl_lock, NULL);
}

static void
atfork_prepare(void)
{
	pthread_rwlock_wrlock(&pl_lock);
}

static void
atfork_parent(void)
{
	pthread_rwlock_unlock(&pl_lock);
}

__attribute__((constructor)) static void
pl_init(void)
{
	real_init();
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* ---- read and write ---------------------------------------------------- */

/*
 * The program's iovec array, copied in: into small when it fits (the
 * common case), else malloc'ed (the caller frees what is not small).
 * Its total length in *total.  NULL and errno when it is bad.
 */
static struct iovec *
iov_in(const struct iovec *iov, int iovcnt, struct iovec *small, int nsmall,
       size_t *total)
{
	struct iovec *l;
	size_t sum = 0;
	int i;

	if (iovcnt < 0 || iovcnt > IOV_MAX) {
		errno = EINVAL;
		return NULL;
	}
	l = iovcnt <= nsmall ? small : malloc(sizeof(*l) * (size_t)iovcnt);
	if (l == NULL)
		return NULL;
	if (mem_in(l, iov, sizeof(*l) * (size_t)iovcnt) < 0)
		goto bad;
	for (i = 0; i < iovcnt; i++) {
		if (l[i].iov_len > SSIZE_MAX - sum) {
			errno = EINVAL;
			goto bad;
		}
		sum += l[i].iov_len;
	}
	*total = sum;
	return l;
bad:
	if (l != small)
		free(l);
	return NULL;
}

static ssize_t
pl_readv(struct pl_file *f, const struct iovec *iov, int iovcnt)
{
	struct iovec small[8], *liov;
	uint8_t *b = bounce();
	size_t total;
	ssize_t n;

	if ((f->sh->flags & O_ACCMODE) == O_WRONLY) {
		errno = EBADF;
		return -1;
	}
	if (b == NULL) {
		errno = ENOMEM;
		return -1;
	}
	liov = iov_in(iov, iovcnt, small, 8, &total);
	if (liov == NULL)
		return -1;
	for (;;) {
		struct pollfd p = { .fd = f->bell_fd, .events = POLLIN };

		n = -1;
		if (ring_take(f, &f->sh->rd, &f->sh->rd_pid) < 0)
			break;
		pl_inside++;
		n = bsdtun_read(f->t, b, total < PL_BOUNCE ? total : PL_BOUNCE);
		pl_inside--;
		pthread_mutex_unlock(&f->sh->rd);
		if (n >= 0) {
			if (mem_out(liov, iovcnt, b, (size_t)n) < 0)
				n = -1;
			break;
		}
		if (errno != EAGAIN ||
		    (__atomic_load_n(&f->sh->flags, __ATOMIC_RELAXED) &
		     O_NONBLOCK))
			break;
		if (poll(&p, 1, -1) < 0)
			break; /* EINTR */
	}
	if (liov != small) {
		int e = errno;

		free(liov);
		errno = e;
	}
	return n;
}

static ssize_t
pl_writev(struct pl_file *f, const struct iovec *iov, int iovcnt)
{
	struct iovec small[8], *liov, one;
	uint8_t *b = bounce();
	size_t total, take, off = 0;
	ssize_t n = -1;
	int i, e;

	if ((f->sh->flags & O_ACCMODE) == O_RDONLY) {
		errno = EBADF;
		return -1;
	}
	if (b == NULL) {
		errno = ENOMEM;
		return -1;
	}
	liov = iov_in(iov, iovcnt, small, 8, &total);
	if (liov == NULL)
		return -1;
	/*
	 * Gather into the bounce buffer.  A write larger than any packet
	 * fails on its length; only its first bytes (a header the
	 * personality reads first) are looked at.
	 */
	take = total < PL_BOUNCE ? total : 64;
	for (i = 0; i < iovcnt && off < take; i++) {
		size_t c = liov[i].iov_len < take - off ? liov[i].iov_len :
		                                          take - off;

		if (mem_in(b + off, liov[i].iov_base, c) < 0)
			goto out;
		off += c;
	}
	one.iov_base = b;
	one.iov_len = total;
	if (ring_take(f, &f->sh->wr, &f->sh->wr_pid) < 0)
		goto out;
	pl_inside++;
	n = bsdtun_writev(f->t, &one, 1);
	pl_inside--;
	pthread_mutex_unlock(&f->sh->wr);
out:
	e = errno;
	if (liov != small)
		free(liov);
	errno = e;
	return n;
}

PL_API ssize_t
read(int fd, void *buf, size_t len)
{
	struct pl_file *f = get(fd);
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	ssize_t n;

	if (f == NULL)
		return hidden(fd) ? -1 : real.read(fd, buf, len);
	n = pl_readv(f, &iov, 1);
	put(f);
	return n;
}

extern void __chk_fail(void) __attribute__((noreturn));

PL_API ssize_t
__read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		__chk_fail(); /* as glibc's: a buffer overflow */
	return read(fd, buf, len);
}

PL_API ssize_t
readv(int fd, const struct iovec *iov, int iovcnt)
{
	struct pl_file *f = get(fd);
	ssize_t n;

	if (f == NULL)
		return hidden(fd) ? -1 : real.readv(fd, iov, iovcnt);
	n = pl_readv(f, iov, iovcnt);
	put(f);
	return n;
}

PL_API ssize_t
write(int fd, const void *buf, size_t len)
{
	struct pl_file *f = get(fd);
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf,
		             .iov_len = len };
	ssize_t n;

	if (f == NULL)
		return hidden(fd) ? -1 : real.write(fd, buf, len);
	n = pl_writev(f, &iov, 1);
	put(f);
	return n;
}

PL_API ssize_t
writev(int fd, const struct iovec *iov, int iovcnt)
{
	struct pl_file *f = get(fd);
	ssize_t n;

	if (f == NULL)
		return hidden(fd) ? -1 : real.writev(fd, iov, iovcnt);
	n = pl_writev(f, iov, iovcnt);
	put(f);
	return n;
}

/* ---- ioctl and fcntl --------------------------------------------------- */

static int
pl_ioctl(struct pl_file *f, unsigned long req, void *arg)
{
	const struct bsdtun_ioctl_def *d;
	uint8_t a[PL_IOCTL_ARG];
	void *use = arg;
	int r, e;

	pl_inside++;
	d = bsdtun_ioctl_find(req, BSDTUN_FACE_LIB);
	pl_inside--;
	if (d != NULL && !d->by_value && d->dir != BSDTUN_ARG_NONE) {
		if (d->size > sizeof(a)) {
			errno = EINVAL;
			return -1;
		}
		/* the kernel reads what it writes back, too */
		if (mem_in(a, arg, d->size) < 0)
			return -1;
		use = a;
	}
	if (d != NULL && d->req == FIONBIO && use == a) {
		int on;

		memcpy(&on, a, sizeof(on));
		if (on)
			__atomic_or_fetch(&f->sh->flags, O_NONBLOCK,
			                  __ATOMIC_RELAXED);
		else
			__atomic_and_fetch(&f->sh->flags, ~O_NONBLOCK,
			                   __ATOMIC_RELAXED);
		return 0;
	}
	if (both_take(f) < 0)
		return -1;
	pl_inside++;
	r = bsdtun_ioctl(f->t, req, use);
	e = errno;
	pl_inside--;
	both_give(f);
	if (r >= 0 && d != NULL && d->req == FIOASYNC && use == a) {
		int on;

		memcpy(&on, a, sizeof(on));
		if (on)
			__atomic_or_fetch(&f->sh->flags, O_ASYNC,
			                  __ATOMIC_RELAXED);
		else
			__atomic_and_fetch(&f->sh->flags, ~O_ASYNC,
			                   __ATOMIC_RELAXED);
	}
	if (r >= 0 && use == a &&
	    (d->dir == BSDTUN_ARG_OUT || d->dir == BSDTUN_ARG_INOUT)) {
		struct iovec out = { .iov_base = arg, .iov_len = d->size };

		if (mem_out(&out, 1, a, d->size) < 0)
			return -1;
	}
	errno = e;
	return r;
}

/* VHOST_NET_SET_BACKEND with one of our descriptors: cannot be honoured. */
static int
vhost_refused(unsigned long req, void *arg)
{
	struct vhost_vring_file vf;

	if (req != VHOST_NET_SET_BACKEND || arg == NULL ||
	    mem_in(&vf, arg, sizeof(vf)) < 0 || lookup(vf.fd) == NULL)
		return 0;
	say("descriptor %d is a bsdtun unit, not a kernel tap: vhost-net "
	    "cannot serve it (use vhost=off)",
	    vf.fd);
	errno = EOPNOTSUPP;
	return 1;
}

PL_API int
ioctl(int fd, unsigned long req, ...)
{
	struct pl_file *f = get(fd);
	va_list ap;
	void *arg;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (f != NULL) {
		r = pl_ioctl(f, req, arg);
		put(f);
		return r;
	}
	if (hidden(fd) || (!pl_inside && vhost_refused(req, arg)))
		return -1;
	return real.ioctl(fd, req, arg);
}

/* fcntl on a program's descriptor of an open, pl_lock not held. */
static int
pl_fcntl(int fd, struct pl_file *f, int cmd, long arg)
{
	const int settable = O_APPEND | O_NONBLOCK | O_ASYNC | O_NOATIME;
	struct pl_slot *s;
	int nfd, r;

	switch (cmd) {
	case F_GETFL:
		return __atomic_load_n(&f->sh->flags, __ATOMIC_RELAXED);
	case F_SETFL:
		if (arg & O_DIRECT) {
			errno = EINVAL;
			return -1;
		}
		if ((arg & O_ASYNC) !=
		    (__atomic_load_n(&f->sh->flags, __ATOMIC_RELAXED) &
		     O_ASYNC)) {
			int on = !!(arg & O_ASYNC);

			if (both_take(f) < 0)
				return -1;
			pl_inside++;
			r = bsdtun_ioctl(f->t, FIOASYNC, &on);
			pl_inside--;
			both_give(f);
			if (r < 0)
				return -1;
		}
		r = __atomic_load_n(&f->sh->flags, __ATOMIC_RELAXED);
		__atomic_store_n(&f->sh->flags,
		                 (r & ~settable) | (arg & settable),
		                 __ATOMIC_RELAXED);
		return 0;
	case F_GETFD:
		s = slot(fd, 0);
		return s->cloexec ? FD_CLOEXEC : 0;
	case F_SETFD:
		s = slot(fd, 0);
		s->cloexec = !!(arg & FD_CLOEXEC);
		return 0;
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		pthread_rwlock_wrlock(&pl_lock);
		if (lookup(fd) != f) { /* closed meanwhile */
			pthread_rwlock_unlock(&pl_lock);
			errno = EBADF;
			return -1;
		}
		nfd = real.fcntl(fd, F_DUPFD_CLOEXEC, arg);
		s = nfd < 0 ? NULL : slot(nfd, 1);
		if (s != NULL) {
			f->refs++;
			s->cloexec = cmd == F_DUPFD_CLOEXEC;
			__atomic_store_n(&s->f, f, __ATOMIC_RELEASE);
		} else if (nfd >= 0) {
			real.close(nfd);
			nfd = -1;
			errno = EMFILE;
		}
		pthread_rwlock_unlock(&pl_lock);
		return nfd;
	default:
		/* F_SETOWN, F_SETSIG, locks...: the descriptor's own */
		return real.fcntl(fd, cmd, arg);
	}
}

PL_API int
fcntl(int fd, int cmd, ...)
{
	struct pl_file *f = get(fd);
	va_list ap;
	long arg;
	int r;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	if (f != NULL) {
		r = pl_fcntl(fd, f, cmd, arg);
		put(f);
		return r;
	}
	return hidden(fd) ? -1 : real.fcntl(fd, cmd, arg);
}

PL_API int fcntl64(int fd, int cmd, ...) __attribute__((alias("fcntl")));

/* ---- open -------------------------------------------------------------- */

static mode_t
open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ?
	               (mode_t)va_arg(ap, int) :
	               0;
}

PL_API int
open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int fd = pl_open(path, flags);

	if (fd != -2)
		return fd;
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return real.open(path, flags, mode);
}

PL_API int open64(const char *path, int flags, ...)
        __attribute__((alias("open")));

PL_API int
__open_2(const char *path, int flags)
{
	return open(path, flags);
}

PL_API int __open64_2(const char *path, int flags)
        __attribute__((alias("__open_2")));

PL_API int
openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	/* only the absolute names are ours: dirfd does not matter */
	int fd = pl_open(path, flags);

	if (fd != -2)
		return fd;
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return real.openat(dirfd, path, flags, mode);
}

PL_API int openat64(int dirfd, const char *path, int flags, ...)
        __attribute__((alias("openat")));

PL_API int
__openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

PL_API int __openat64_2(int dirfd, const char *path, int flags)
        __attribute__((alias("__openat_2")));

/* ---- close and dup ----------------------------------------------------- */

PL_API int
close(int fd)
{
	struct pl_slot *s;
	int r;

	if (pl_inside)
		return real.close(fd);
	s = slot(fd, 0);
	if (s == NULL || (s->f == NULL && !s->internal))
		return real.close(fd);
	pthread_rwlock_wrlock(&pl_lock);
	if (s->internal) {
		/* not the program's: it never opened it */
		pthread_rwlock_unlock(&pl_lock);
		errno = EBADF;
		return -1;
	}
	r = real.close(fd);
	slot_clear(fd);
	pthread_rwlock_unlock(&pl_lock);
	return r;
}

/* The program's descriptors lo..hi (close_range, closefrom). */
static void
close_ours(unsigned int lo, unsigned int hi, int cloexec_only)
{
	unsigned int c, i;

	pthread_rwlock_wrlock(&pl_lock);
	for (c = lo >> PL_CHUNK_BITS; c < PL_CHUNKS && c <= hi >> PL_CHUNK_BITS;
	     c++) {
		struct pl_slot *ch = pl_table[c];

		for (i = 0; ch != NULL && i < PL_CHUNK; i++) {
			unsigned int fd = c << PL_CHUNK_BITS | i;

			if (fd < lo || fd > hi || ch[i].f == NULL)
				continue;
			if (cloexec_only) {
				ch[i].cloexec = 1;
				continue;
			}
			real.close((int)fd);
			slot_clear((int)fd);
		}
	}
	pthread_rwlock_unlock(&pl_lock);
}

static int
fd_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* close_range(lo, hi) around the opens' own descriptors (pl_lock held). */
static int
range_skipping_internal(unsigned int lo, unsigned int hi, int flags)
{
	struct pl_file *f;
	int n = 0, i, r, *in;

	for (f = pl_files; f != NULL; f = f->next)
		n += 2;
	in = malloc(sizeof(*in) * (size_t)(n + 1));
	if (in == NULL)
		return -1;
	n = 0;
	for (f = pl_files; f != NULL; f = f->next) {
		in[n++] = f->bell_fd;
		in[n++] = f->ctl_fd;
	}
	qsort(in, (size_t)n, sizeof(*in), fd_cmp);
	r = 0;
	for (i = 0; i < n && r == 0; i++) {
		unsigned int x = (unsigned int)in[i];

		if (x < lo || x > hi)
			continue;
		if (x > lo)
			r = (int)syscall(SYS_close_range, lo, x - 1, flags);
		if (x == hi)
			break;
		lo = x + 1;
	}
	if (r == 0 && (i == n || (unsigned int)in[i] != hi))
		r = (int)syscall(SYS_close_range, lo, hi, flags);
	free(in);
	return r < 0 ? -1 : 0;
}

PL_API int
close_range(unsigned int lo, unsigned int hi, int flags)
{
	int r;

	if (lo > hi) {
		errno = EINVAL;
		return -1;
	}
	if (pl_files == NULL || pl_inside)
		return (int)syscall(SYS_close_range, lo, hi, flags);
	close_ours(lo, hi, flags & CLOSE_RANGE_CLOEXEC);
	pthread_rwlock_wrlock(&pl_lock);
	r = range_skipping_internal(lo, hi, flags);
	pthread_rwlock_unlock(&pl_lock);
	return r;
}

PL_API void
closefrom(int lo)
{
	if (lo < 0)
		lo = 0;
	(void)close_range((unsigned int)lo, ~0u, 0);
}

/* newfd is about to name what oldfd names (dup2/dup3). */
static int
pl_dup_onto(int oldfd, int newfd, int flags, int (*call)(int, int, int),
            int is_dup2)
{
	struct pl_file *f;
	struct pl_slot *s;
	int r;

	if (pl_inside)
		return call(oldfd, newfd, flags);
	if (hidden(oldfd))
		return -1;
	f = lookup(oldfd);
	if (f == NULL && lookup(newfd) == NULL && !is_internal(newfd))
		return call(oldfd, newfd, flags);
	pthread_rwlock_wrlock(&pl_lock);
	f = lookup(oldfd); /* again: another thread may have closed it */
	if (is_internal(oldfd)) {
		pthread_rwlock_unlock(&pl_lock);
		errno = EBADF;
		return -1;
	}
	if (oldfd == newfd) {
		pthread_rwlock_unlock(&pl_lock);
		return call(oldfd, newfd, flags);
	}
	if (internal_evict(newfd) < 0) {
		pthread_rwlock_unlock(&pl_lock);
		errno = EMFILE;
		return -1;
	}
	s = slot(newfd, f != NULL);
	r = call(oldfd, newfd, f != NULL ? O_CLOEXEC : flags);
	if (r >= 0) {
		if (f != NULL)
			f->refs++; /* first: newfd may have named f too */
		slot_clear(newfd);
		if (f != NULL && s != NULL) {
			s->cloexec = !is_dup2 && (flags & O_CLOEXEC);
			__atomic_store_n(&s->f, f, __ATOMIC_RELEASE);
		} else if (f != NULL) {
			f->refs--;
		}
	}
	pthread_rwlock_unlock(&pl_lock);
	return r;
}

static int
call_dup3(int o, int n, int fl)
{
	return real.dup3(o, n, fl);
}

static int
call_dup2(int o, int n, int fl)
{
	return fl & O_CLOEXEC ? real.dup3(o, n, O_CLOEXEC) : real.dup2(o, n);
}

PL_API int
dup2(int oldfd, int newfd)
{
	return pl_dup_onto(oldfd, newfd, 0, call_dup2, 1);
}

PL_API int
dup3(int oldfd, int newfd, int flags)
{
	if (flags & ~O_CLOEXEC || oldfd == newfd) {
		errno = EINVAL;
		return -1;
	}
	return pl_dup_onto(oldfd, newfd, flags, call_dup3, 0);
}

PL_API int
dup(int fd)
{
	struct pl_file *f = get(fd);
	int r;

	if (f == NULL)
		return hidden(fd) ? -1 : real.dup(fd);
	r = pl_fcntl(fd, f, F_DUPFD, 0);
	put(f);
	return r;
}

/* ---- what cannot be honoured ------------------------------------------ */

PL_API ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct cmsghdr *c;

	if (pl_inside || pl_files == NULL || msg == NULL)
		return real.sendmsg(fd, msg, flags);
	for (c = CMSG_FIRSTHDR(msg); c != NULL;
	     c = CMSG_NXTHDR((struct msghdr *)(uintptr_t)msg, c)) {
		const int *p = (const int *)CMSG_DATA(c);
		size_t i, n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++)
			if (lookup(p[i]) != NULL || is_internal(p[i])) {
				say("descriptor %d is a bsdtun unit: it cannot "
				    "be passed to another process",
				    p[i]);
				errno = EOPNOTSUPP;
				return -1;
			}
	}
	return real.sendmsg(fd, msg, flags);
}

/* Before exec: a descriptor the program keeps across it cannot work. */
static void
exec_check(void)
{
	unsigned int c, i;

	if (pl_files == NULL)
		return;
	for (c = 0; c < PL_CHUNKS; c++) {
		struct pl_slot *ch = pl_table[c];

		for (i = 0; ch != NULL && i < PL_CHUNK; i++)
			if (ch[i].f != NULL && !ch[i].cloexec)
				say("descriptor %u is a bsdtun unit: it does "
				    "not survive exec, the new program finds "
				    "it closed",
				    c << PL_CHUNK_BITS | i);
	}
}

PL_API int
execve(const char *path, char *const argv[], char *const envp[])
{
	exec_check();
	return real.execve(path, argv, envp);
}

PL_API int
execvpe(const char *file, char *const argv[], char *const envp[])
{
	exec_check();
	return real.execvpe(file, argv, envp);
}

PL_API int
execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

PL_API int
execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

PL_API int
fexecve(int fd, char *const argv[], char *const envp[])
{
	exec_check();
	return real.fexecve(fd, argv, envp);
}

/* ---- mappings: what good pages were may have changed ------------------ */

static void *
next_fn(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

PL_API int
munmap(void *addr, size_t len)
{
	static int (*fn)(void *, size_t);

	if (fn == NULL)
		*(void **)&fn = next_fn("munmap");
	ranges_forget();
	return fn(addr, len);
}

PL_API int
mprotect(void *addr, size_t len, int prot)
{
	static int (*fn)(void *, size_t, int);

	if (fn == NULL)
		*(void **)&fn = next_fn("mprotect");
	ranges_forget();
	return fn(addr, len, prot);
}

PL_API void *
mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	static void *(*fn)(void *, size_t, size_t, int, ...);
	va_list ap;
	void *new_addr;

	if (fn == NULL)
		*(void **)&fn = next_fn("mremap");
	va_start(ap, flags);
	new_addr = va_arg(ap, void *);
	va_end(ap);
	ranges_forget();
	return fn(old, old_len, new_len, flags, new_addr);
}

PL_API int
shmdt(const void *addr)
{
	static int (*fn)(const void *);

	if (fn == NULL)
		*(void **)&fn = next_fn("shmdt");
	ranges_forget();
	return fn(addr);
}
