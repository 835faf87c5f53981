/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libbsdtun: tun(4) semantics over a net_bsdtun unit's shared region.
 *
 * The data path is two rings in a memfd the PMD created (bsdtun_ring.h);
 * reads consume the to_client ring, writes produce on the to_dpdk ring.
 * Control (ioctls that change the unit) goes over the SOCK_SEQPACKET
 * control socket; the unit's state lives in the PMD so that it persists
 * across close and reopen, as on a BSD tun softc.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "bsdtun.h"
#include "bsdtun_client.h"
#include "bsdtun_ioctl.h"
#include "bsdtun_local.h"
#include "bsdtun_ring.h"
#include "bsdtun_wire.h"

#define BSDTUN_API __attribute__((visibility("default")))

/* The public header's tun(4) constants are the wire format's. */
_Static_assert(TUNMRU == BSDTUN_MRU, "TUNMRU");
_Static_assert(TUNMTU == BSDTUN_DEFAULT_MTU, "TUNMTU");
_Static_assert(TUN_IF_MINMTU == BSDTUN_MIN_MTU, "TUN_IF_MINMTU");

/* ---- control channel --------------------------------------------------- */

/* Receive WELCOME/ERROR with up to two descriptors. */
static int
ctl_recv_welcome(int fd, struct bsdtun_msg *m, int fds[2])
{
	ssize_t n;
	int reset = 0;

	fds[0] = fds[1] = -1;
	/* ECONNRESET: the PMD refused us (ERROR, close) before it read our
	 * HELLO; the kernel reports the reset first, the ERROR is still
	 * queued behind it: read it once more. */
	do {
		n = bsdtun_msg_recv(fd, m, fds, 2, NULL, NULL, NULL, 0);
	} while (n < 0 &&
	         (errno == EINTR || (errno == ECONNRESET && !reset++)));
	if (n < 0)
		return errno;
	if (n != (ssize_t)sizeof(*m) || m->magic != BSDTUN_WIRE_MAGIC)
		return EPROTO;
	return 0;
}

/* [off, off + len) lies inside a region of size bytes (no overflow). */
static int
in_region(uint64_t off, uint64_t len, size_t size)
{
	return len <= size && off <= size - len;
}

/*
 * Check the region header the PMD wrote before trusting any offset.  h is
 * a private copy: the shared header could change between check and use.
 */
static int
region_check(const struct bsdtun_region_hdr *h, size_t size)
{
	uint64_t rb = h->ring_bytes;

	if (h->magic != BSDTUN_WIRE_MAGIC || h->version != BSDTUN_WIRE_VERSION)
		return EPROTO;
	if (h->region_size != size || rb == 0 || (rb & (rb - 1)) != 0 ||
	    rb > BSDTUN_RING_BYTES_MAX ||
	    rb < 2ull * bsdtun_rec_size(BSDTUN_REC_MAX_LEN) ||
	    h->qlen < BSDTUN_QLEN_MIN || h->qlen > BSDTUN_QLEN_MAX ||
	    h->queue >= BSDTUN_QUEUES_MAX)
		return EPROTO;
	if (h->to_client_ctl % BSDTUN_CACHE_LINE ||
	    h->to_dpdk_ctl % BSDTUN_CACHE_LINE ||
	    h->to_client_data % BSDTUN_CACHE_LINE ||
	    h->to_dpdk_data % BSDTUN_CACHE_LINE ||
	    !in_region(h->to_client_ctl, sizeof(struct bsdtun_ring_ctl),
	               size) ||
	    !in_region(h->to_dpdk_ctl, sizeof(struct bsdtun_ring_ctl), size) ||
	    !in_region(h->to_client_data, rb, size) ||
	    !in_region(h->to_dpdk_data, rb, size))
		return EPROTO;
	return 0;
}

/*
 * The unit is closed: the PMD said so in the region, or the DPDK process
 * died (it cannot say so then; the kernel closed its end of the bell).
 */
static int
unit_gone(struct bsdtun *t)
{
	return t->gone || t->hdr->state != BSDTUN_STATE_OPEN;
}

/*
 * Has the DPDK side hung up the bell?  One poll(2), so only where the
 * answer would otherwise be EWOULDBLOCK or ENOBUFS forever: without it a
 * poll-driven client spins (bsdtun_fd() reports POLLHUP, read says
 * EWOULDBLOCK) and a writer retries ENOBUFS for ever.
 */
static int
dpdk_gone(struct bsdtun *t)
{
	struct pollfd p = { .fd = t->bell_fd, .events = POLLIN };

	if (!t->gone && poll(&p, 1, 0) == 1 &&
	    (p.revents & (POLLHUP | POLLERR | POLLNVAL)))
		t->gone = 1;
	return unit_gone(t);
}

static void
bsdtun_free(struct bsdtun *t)
{
	if (t->map != NULL)
		munmap(t->map, t->map_size);
	if (t->bell_fd >= 0)
		close(t->bell_fd);
	if (t->ctl_fd >= 0)
		close(t->ctl_fd);
	free(t);
}

/* Who serves the endpoint: root, the caller's user, or server_uid. */
static int
server_check(struct bsdtun *t, uid_t server_uid)
{
	struct ucred cr;
	socklen_t crl = sizeof(cr);

	if (getsockopt(t->ctl_fd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) < 0)
		return errno;
	if (cr.uid != 0 && cr.uid != getuid() && cr.uid != geteuid() &&
	    (server_uid == BSDTUN_SERVER_DEFAULT || cr.uid != server_uid))
		return EPERM;
	t->server_pid = cr.pid;
	return 0;
}

/*
 * The descriptors WELCOME passed: a memfd of exactly the announced size
 * that can neither shrink nor grow nor take new seals (a region that
 * shrank under our mapping would kill us with SIGBUS), and a
 * SOCK_SEQPACKET socket for the bell.
 */
static int
welcome_fds_check(const int fds[2], uint64_t region_size)
{
	const int need = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
	struct stat st;
	int seals, type;
	socklen_t tl = sizeof(type);

	if (fds[0] < 0 || fds[1] < 0)
		return EPROTO;
	seals = fcntl(fds[0], F_GET_SEALS);
	if (seals < 0 || (seals & need) != need)
		return EPROTO;
	if (fstat(fds[0], &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != region_size || st.st_size < 4096)
		return EPROTO;
	if (fstat(fds[1], &st) < 0 || !S_ISSOCK(st.st_mode) ||
	    getsockopt(fds[1], SOL_SOCKET, SO_TYPE, &type, &tl) < 0 ||
	    type != SOCK_SEQPACKET)
		return EPROTO;
	return 0;
}

BSDTUN_API struct bsdtun *
bsdtun_open(const char *endpoint, int flags)
{
	return bsdtun_open_ex(endpoint, flags, BSDTUN_SERVER_DEFAULT);
}

/* HELLO on t's control socket, check and map what WELCOME hands over. */
static int
open_session(struct bsdtun *t)
{
	struct bsdtun_region_hdr h;
	struct bsdtun_msg m;
	int fds[2] = { -1, -1 };
	int err;

	memset(&m, 0, sizeof(m));
	m.type = BSDTUN_MSG_HELLO;
	m.magic = BSDTUN_WIRE_MAGIC;
	m.u.hello.version = BSDTUN_WIRE_VERSION;
	m.u.hello.pid = getpid();
	/* EPIPE/ECONNRESET: refused and closed already; the ERROR waits. */
	if (send(t->ctl_fd, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m) &&
	    errno != EPIPE && errno != ECONNRESET)
		return errno;
	err = ctl_recv_welcome(t->ctl_fd, &m, fds);
	t->bell_fd = fds[1];
	if (err == 0 && m.type == BSDTUN_MSG_ERROR)
		err = m.u.error.err > 0 ? m.u.error.err : EPROTO;
	else if (err == 0 && (m.type != BSDTUN_MSG_WELCOME ||
	                      m.u.welcome.version != BSDTUN_WIRE_VERSION))
		err = EPROTO;
	if (err == 0)
		err = welcome_fds_check(fds, m.u.welcome.region_size);
	if (err != 0)
		goto out;

	t->map_size = m.u.welcome.region_size;
	t->map = mmap(NULL, t->map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
	              fds[0], 0);
	if (t->map == MAP_FAILED) {
		t->map = NULL;
		err = errno;
		goto out;
	}
	t->hdr = (volatile struct bsdtun_region_hdr *)t->map;
	memcpy(&h, t->map, sizeof(h)); /* check and use the same values */
	err = region_check(&h, t->map_size);
	if (err != 0)
		goto out;
	t->unit_flags = m.u.welcome.flags;
	t->queue = h.queue;
	bsdtun_ring_init(&t->to_client,
	                 (struct bsdtun_ring_ctl *)(t->map + h.to_client_ctl),
	                 t->map + h.to_client_data, h.ring_bytes, h.qlen);
	bsdtun_ring_init(&t->to_dpdk,
	                 (struct bsdtun_ring_ctl *)(t->map + h.to_dpdk_ctl),
	                 t->map + h.to_dpdk_data, h.ring_bytes, h.qlen);
	if (fcntl(t->bell_fd, F_SETFL, O_NONBLOCK) < 0)
		err = errno;
out:
	if (fds[0] >= 0)
		close(fds[0]);
	return err;
}

/* The open so far went well (err 0): HELLO and map; t, or NULL and errno. */
static struct bsdtun *
open_finish(struct bsdtun *t, int err)
{
	if (err == 0)
		err = open_session(t);
	if (err != 0) {
		bsdtun_free(t);
		errno = err;
		return NULL;
	}
	return t;
}

static struct bsdtun *
bsdtun_new(int flags)
{
	struct bsdtun *t;

	if (flags & ~O_NONBLOCK) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->ctl_fd = t->bell_fd = -1;
	t->nonblock = !!(flags & O_NONBLOCK);
	return t;
}

BSDTUN_API struct bsdtun *
bsdtun_open_ex(const char *endpoint, int flags, uid_t server_uid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct bsdtun *t;
	int err;

	if (endpoint == NULL) {
		errno = EFAULT;
		return NULL;
	}
	if (strlen(endpoint) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	t = bsdtun_new(flags);
	if (t == NULL)
		return NULL;
	strcpy(sa.sun_path, endpoint);
	t->ctl_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (t->ctl_fd < 0 ||
	    connect(t->ctl_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		err = errno;
	else
		err = server_check(t, server_uid);
	return open_finish(t, err);
}

/*
 * bsdtun_local.h: the PMD's device node opens its unit over a connection
 * the PMD made itself (bsdtun_ctrl_connect_local); it is served by this
 * very process, so there is nobody else to check.
 */
struct bsdtun *
bsdtun_open_local(int ctl_fd, int flags)
{
	struct bsdtun *t = bsdtun_new(flags);

	if (t == NULL) {
		close(ctl_fd);
		return NULL;
	}
	t->ctl_fd = ctl_fd;
	t->server_pid = getpid();
	return open_finish(t, 0);
}

void
bsdtun_set_caller(struct bsdtun *t, pid_t pid)
{
	t->caller_pid = pid;
}

/*
 * A tun write hands the packet to the stack before it returns; here it only
 * queues it.  So that a client that writes and exits loses nothing, close
 * lingers while the PMD is still taking packets off the to_dpdk ring: until
 * the ring is empty, or for 50 ms without progress (port stopped).
 */
static void
linger(struct bsdtun *t)
{
	uint64_t last = 0;
	int idle = 0;

	while (!unit_gone(t) && idle < 50) {
		uint64_t tail = __atomic_load_n(&t->to_dpdk.ctl->tail,
		                                __ATOMIC_ACQUIRE);
		struct timespec ms = { .tv_nsec = 1000000 };

		if (tail == t->to_dpdk.published)
			return;
		idle = tail == last ? idle + 1 : 0;
		last = tail;
		nanosleep(&ms, NULL);
	}
}

/*
 * close(2) on /dev/tunN has closed the unit when it returns, so that the next
 * open succeeds.  Tell the PMD (EOF on the control socket) and wait, briefly,
 * until it has closed the session (EOF back).
 */
static void
close_sync(struct bsdtun *t)
{
	struct pollfd p = { .fd = t->ctl_fd, .events = POLLIN };
	char b[sizeof(struct bsdtun_msg)];

	if (shutdown(t->ctl_fd, SHUT_WR) < 0)
		return;
	while (poll(&p, 1, 1000) > 0 &&
	       recv(t->ctl_fd, b, sizeof(b), MSG_DONTWAIT) > 0)
		;
}

BSDTUN_API int
bsdtun_close(struct bsdtun *t)
{
	if (t == NULL) {
		errno = EBADF;
		return -1;
	}
	linger(t);
	close_sync(t);
	bsdtun_free(t);
	return 0;
}

/* bsdtun_local.h: what the preload face needs of an open. */
static int
fd_move(int *fd, int min)
{
	int n;

	if (*fd < 0 || *fd >= min)
		return 0;
	n = fcntl(*fd, F_DUPFD_CLOEXEC, min);
	if (n < 0)
		return -1;
	close(*fd);
	*fd = n;
	return 0;
}

int
bsdtun_relocate_fds(struct bsdtun *t, int min)
{
	if (fd_move(&t->ctl_fd, min) < 0 || fd_move(&t->bell_fd, min) < 0)
		return -1;
	return 0;
}

int
bsdtun_ctl_fd(const struct bsdtun *t)
{
	return t->ctl_fd;
}

int
bsdtun_resync(struct bsdtun *t)
{
	bsdtun_ring_cons_resync(&t->to_client);
	if (bsdtun_ring_prod_resync(&t->to_dpdk) < 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

void
bsdtun_set_strict(struct bsdtun *t)
{
	t->strict = 1;
}

void
bsdtun_release(struct bsdtun *t)
{
	bsdtun_free(t);
}

int
bsdtun_read_cut(const struct bsdtun *t, uint8_t *rec, size_t len, size_t room)
{
	int strip = t->lx.on ? bsdtun_linux_read_check(t, len, room) : 0;

	if (strip > 0)
		bsdtun_linux_mark_cut(rec);
	return strip < 0 ? -1 : 0;
}

int
bsdtun_is_linux(const struct bsdtun *t)
{
	return t->lx.on;
}

BSDTUN_API int
bsdtun_queue(const struct bsdtun *t)
{
	if (t == NULL) {
		errno = EBADF;
		return -1;
	}
	return (int)t->queue;
}

static int bell_arm(struct bsdtun *t);

BSDTUN_API int
bsdtun_fd(struct bsdtun *t)
{
	if (t == NULL) {
		errno = EBADF;
		return -1;
	}
	/*
	 * From now on keep the bell in step with the ring (doc/client.md);
	 * arming now also gets a bell rung for packets already queued.
	 */
	if (!t->polled) {
		t->polled = 1;
		(void)bell_arm(t);
	}
	return t->bell_fd;
}

/* ---- the bell ---------------------------------------------------------- */

/*
 * The to_client ring was seen empty.  Make the bell fd unreadable and ask
 * the PMD to ring it on its next publish.  Returns 1 when a packet slipped
 * in meanwhile, 0 when armed, -1 (errno) when the ring is corrupt.
 *
 * Invariant (doc/client.md): whenever the ring holds a packet, either the
 * bell holds a datagram or `armed` is set and the PMD is about to ring.
 */
/*
 * Take what the bell holds; count the answers to our RINGs.  With wait
 * (strict): until every RING is answered, 100 ms at most.
 */
static void
bell_drain(struct bsdtun *t, int wait)
{
	struct pollfd p = { .fd = t->bell_fd, .events = POLLIN };
	uint8_t b[16];
	int tries = 0;
	ssize_t n;

	for (;;) {
		while ((n = recv(t->bell_fd, b, sizeof(b), MSG_DONTWAIT)) > 0)
			if (b[0] == BSDTUN_BELL_REPLY && t->ring_pending > 0)
				t->ring_pending--;
		if (!wait || t->ring_pending == 0 || tries++ >= 10) {
			if (wait && t->ring_pending > 0)
				t->ring_pending = 0; /* late: a spurious ring */
			return;
		}
		(void)poll(&p, 1, 10);
	}
}

static int
bell_arm(struct bsdtun *t)
{
	int r;

	if (bsdtun_ring_cons_armed(&t->to_client)) {
		/* armed, nobody rang since: empty, but for a late answer */
		if (t->strict && t->ring_pending > 0)
			bell_drain(t, 0);
		return 0;
	}
	bell_drain(t, t->strict);
	r = bsdtun_ring_cons_arm(&t->to_client);
	if (r < 0) {
		errno = EIO;
		return -1;
	}
	if (r > 0 && __atomic_exchange_n(&t->to_client.ctl->armed, 0,
	                                 __ATOMIC_ACQ_REL)) {
		/*
		 * We took the arming back, so nobody will ring: have the PMD
		 * ring our bell (our end of the pair only receives).  Rare:
		 * a packet came between the drain and the arming.
		 */
		struct bsdtun_msg m;

		memset(&m, 0, sizeof(m));
		m.type = BSDTUN_MSG_RING;
		m.magic = BSDTUN_WIRE_MAGIC;
		if (send(t->ctl_fd, &m, sizeof(m), MSG_NOSIGNAL) ==
		    (ssize_t)sizeof(m))
			t->ring_pending++;
	}
	return r;
}

/* Sleep until the bell rings, the unit goes away or a signal arrives. */
static int
bell_wait(struct bsdtun *t)
{
	struct pollfd p = { .fd = t->bell_fd, .events = POLLIN };

	if (poll(&p, 1, -1) < 0)
		return -1; /* EINTR */
	if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) {
		t->gone = 1;
		errno = ENXIO;
		return -1;
	}
	return 0;
}

/* ---- read -------------------------------------------------------------- */

/* Copy one record into iov, truncating; returns bytes copied. */
static size_t
copy_out(const struct iovec *iov, int iovcnt, const uint8_t *src, size_t len)
{
	size_t done = 0;
	int i;

	for (i = 0; i < iovcnt && done < len; i++) {
		size_t n = iov[i].iov_len < len - done ? iov[i].iov_len :
		                                         len - done;

		memcpy(iov[i].iov_base, src + done, n);
		done += n;
	}
	return done;
}

static int
iov_check(const struct iovec *iov, int iovcnt, size_t *total)
{
	size_t sum = 0;
	int i;

	if (iovcnt < 0 || iovcnt > IOV_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (iovcnt > 0 && iov == NULL) {
		errno = EFAULT;
		return -1;
	}
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > SSIZE_MAX - sum) {
			errno = EINVAL;
			return -1;
		}
		if (iov[i].iov_len != 0 && iov[i].iov_base == NULL) {
			errno = EFAULT;
			return -1;
		}
		sum += iov[i].iov_len;
	}
	*total = sum;
	return 0;
}

BSDTUN_API ssize_t
bsdtun_readv(struct bsdtun *t, const struct iovec *iov, int iovcnt)
{
	size_t total;

	if (t == NULL) {
		errno = EBADF;
		return -1;
	}
	if (iov_check(iov, iovcnt, &total) < 0)
		return -1;
	for (;;) {
		const uint8_t *p;
		uint32_t len;
		uint16_t fam, rfl;
		size_t n;
		int err;

		if (t->lx.detached) {
			errno = EBADFD; /* Linux: a detached queue's file */
			return -1;
		}
		if (t->lx.on && total == 0)
			return 0; /* Linux: nothing read, nothing taken */
		p = bsdtun_ring_cons_peek_fl(&t->to_client, &len, &fam, &rfl,
		                             &err);
		if (p != NULL && (t->lx.flags & IFF_VNET_HDR)) {
			ssize_t r = bsdtun_linux_read_vnet(t, iov, iovcnt,
			                                   total, p, len, rfl);

			bsdtun_ring_cons_release(&t->to_client, len);
			bsdtun_ring_cons_publish(&t->to_client);
			return r;
		}
		if (p != NULL) {
			int strip = t->lx.on ? bsdtun_linux_read_check(t, len,
			                                               total) :
			                       0;

			n = strip < 0 ? 0 : copy_out(iov, iovcnt, p, len);
			if (strip > 0) {
				/* tun_pi first: say the packet was cut (on a
				 * copy: the ring is the PMD's to write) */
				uint8_t pi[sizeof(struct tun_pi)];

				memcpy(pi, p, sizeof(pi));
				bsdtun_linux_mark_cut(pi);
				(void)copy_out(iov, iovcnt, pi, sizeof(pi));
			}
			bsdtun_ring_cons_release(&t->to_client, len);
			bsdtun_ring_cons_publish(&t->to_client);
			/* strict: the last packet read, the bell goes quiet
			 * now, not at the next read (no readiness without a
			 * packet: a blocking program would hang in it) */
			if (t->strict && t->polled &&
			    bsdtun_ring_cons_avail(&t->to_client) ==
			            BSDTUN_RING_EMPTY) {
				int e = errno; /* EINVAL of a cut tun_pi */

				(void)bell_arm(t);
				errno = e;
			}
			return strip < 0 ? -1 : (ssize_t)n;
		}
		if (err == BSDTUN_RING_CORRUPT) {
			errno = EIO;
			return -1;
		}
		if (unit_gone(t)) {
			errno = ENXIO;
			return -1;
		}
		if (t->nonblock) {
			if (t->polled && bell_arm(t) != 0)
				continue; /* a packet came, or error */
			errno = t->polled && dpdk_gone(t) ? ENXIO : EWOULDBLOCK;
			return -1;
		}
		err = bell_arm(t);
		if (err < 0)
			return -1;
		if (err > 0)
			continue;
		if (bell_wait(t) < 0)
			return -1;
	}
}

BSDTUN_API ssize_t
bsdtun_read(struct bsdtun *t, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return bsdtun_readv(t, &iov, 1);
}

/* The argument checks both burst calls make; errno as read(2) would. */
static int
burst_args_bad(const struct bsdtun *t, const struct bsdtun_pkt *pkts, int n)
{
	if (t == NULL) {
		errno = EBADF;
		return 1;
	}
	if (n < 0 || (n > 0 && pkts == NULL)) {
		errno = n < 0 ? EINVAL : EFAULT;
		return 1;
	}
	return 0;
}

BSDTUN_API int
bsdtun_read_burst(struct bsdtun *t, struct bsdtun_pkt *pkts, int n)
{
	int i;

	if (burst_args_bad(t, pkts, n))
		return -1;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		const uint8_t *p;
		uint32_t len;
		uint16_t fam, rfl;
		int err;

		p = bsdtun_ring_cons_peek_fl(&t->to_client, &len, &fam, &rfl,
		                             &err);
		if (p == NULL) {
			if (err == BSDTUN_RING_CORRUPT && i == 0) {
				errno = EIO;
				return -1;
			}
			break;
		}
		bsdtun_ring_cons_release(&t->to_client, len);
		if (t->lx.flags & IFF_VNET_HDR) {
			struct iovec one = { pkts[i].buf, pkts[i].len };
			ssize_t r = bsdtun_linux_read_vnet(
			        t, &one, 1, pkts[i].len, p, len, rfl);

			pkts[i].len = r < 0 ? 0 : (size_t)r;
			continue;
		}
		if (len > pkts[i].len)
			len = (uint32_t)pkts[i].len; /* truncate, drop rest */
		memcpy(pkts[i].buf, p, len);
		pkts[i].len = len;
	}
	bsdtun_ring_cons_publish(&t->to_client);
	if (i == 0 && unit_gone(t)) {
		errno = ENXIO;
		return -1;
	}
	if (i == 0 && t->polled && bell_arm(t) > 0)
		return bsdtun_read_burst(t, pkts, n); /* one just came */
	if (i == 0 && t->polled && dpdk_gone(t)) {
		errno = ENXIO;
		return -1;
	}
	return i;
}

/* ---- write ------------------------------------------------------------- */

/* Map a write's IFHEAD family (host value, or a BSD IPv6 value). */
static int
family_from_wire(uint32_t af)
{
	switch (af) {
	case AF_INET:
		return AF_INET;
	case AF_INET6:
	case BSD_AF_INET6_NETBSD:
	case BSD_AF_INET6_FREEBSD:
	case BSD_AF_INET6_DARWIN:
		return AF_INET6;
	default:
		return -1;
	}
}

/*
 * Validate one write and queue it (not yet published).  Returns the
 * length written, 0 for an empty write, or -1 with errno.  The ring full:
 * ENOBUFS, but a Linux tun file's write(2) (drop_full) drops the packet,
 * counts it and returns the length, as Linux's tun_get_user() does with a
 * packet its stack cannot take.
 */
static ssize_t
write_one(struct bsdtun *t, const struct iovec *iov, int iovcnt, int drop_full)
{
	size_t total, hdr = 0;
	int family = AF_INET;
	uint8_t *dst;
	int corrupt = 0;
	struct bsdtun_rec_vnet vh;
	int vnet = 0;
	uint32_t meta;

	if (iov_check(iov, iovcnt, &total) < 0)
		return -1;
	if (t->lx.on) {
		if (bsdtun_linux_write_hdr(t, iov, iovcnt, total, &hdr, &family,
		                           &vh, &vnet) < 0)
			return -1;
	} else if (total == 0) {
		return 0;
	}
	/* a GSO packet of IFF_VNET_HDR may be larger: up to 64 KiB */
	if (vnet && vh.gso_type != 0 ? total - hdr > BSDTUN_GSO_MAX_PKT :
	                               total > TUNMRU) {
		errno = EIO;
		return -1;
	}
	if (unit_gone(t)) {
		errno = ENXIO;
		return -1;
	}
	if (t->lx.on) {
		/* bsdtun_linux_write_hdr() said */
	} else if (t->unit_flags & BSDTUN_UNIT_F_TAP) {
		/* tap(4): a whole Ethernet frame, no header of ours */
		if (total < ETH_HLEN) {
			errno = EINVAL;
			return -1;
		}
		family = 0;
	} else if (t->unit_flags & BSDTUN_UNIT_F_IFHEAD) {
		uint32_t af;

		if (total < sizeof(af)) {
			errno = EINVAL;
			return -1;
		}
		bsdtun_iov_gather((uint8_t *)&af, iov, iovcnt, 0, sizeof(af));
		family = family_from_wire(ntohl(af));
		if (family < 0) {
			errno = EAFNOSUPPORT;
			return -1;
		}
		hdr = sizeof(af);
	}
	meta = vnet ? BSDTUN_REC_VNET : 0;
	dst = bsdtun_ring_prod_reserve(&t->to_dpdk, meta + total - hdr,
	                               &corrupt);
	if (dst == NULL) {
		if (corrupt) {
			errno = EIO;
		} else if (dpdk_gone(t)) {
			errno = ENXIO;
		} else if (drop_full && t->lx.on) {
			bsdtun_linux_drop_full(t);
			return (ssize_t)total;
		} else {
			errno = ENOBUFS;
		}
		return -1;
	}
	if (vnet)
		memcpy(dst, &vh, sizeof(vh));
	bsdtun_iov_gather(dst + meta, iov, iovcnt, hdr, total - hdr);
	bsdtun_ring_prod_commit_fl(&t->to_dpdk, meta + (uint32_t)(total - hdr),
	                           (uint16_t)family,
	                           vnet ? BSDTUN_REC_F_VNET : 0);
	return (ssize_t)total;
}

/*
 * Make the records written visible to the DPDK side.  If the app sleeps on
 * rx interrupts (the PMD set the ring's intr) and armed the ring, ring its
 * doorbell: one byte on our end of the bell, once per arming.  A polling
 * app leaves intr 0: no fence, no system call.
 */
static void
publish_to_dpdk(struct bsdtun *t)
{
	static const uint8_t kick = BSDTUN_BELL_BYTE;
	uint64_t before = t->to_dpdk.published;

	bsdtun_ring_prod_publish(&t->to_dpdk);
	if (t->to_dpdk.published == before ||
	    __atomic_load_n(&t->to_dpdk.ctl->intr, __ATOMIC_RELAXED) == 0)
		return;
	if (bsdtun_ring_prod_bell_due(&t->to_dpdk))
		(void)send(t->bell_fd, &kick, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

BSDTUN_API ssize_t
bsdtun_writev(struct bsdtun *t, const struct iovec *iov, int iovcnt)
{
	ssize_t n;

	if (t == NULL) {
		errno = EBADF;
		return -1;
	}
	n = write_one(t, iov, iovcnt, 1);
	publish_to_dpdk(t);
	return n;
}

BSDTUN_API ssize_t
bsdtun_write(struct bsdtun *t, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf,
		             .iov_len = len };

	if (len > 0 && buf == NULL) {
		errno = EFAULT;
		return -1;
	}
	return bsdtun_writev(t, &iov, 1);
}

BSDTUN_API int
bsdtun_write_burst(struct bsdtun *t, const struct bsdtun_pkt *pkts, int n)
{
	int i;

	if (burst_args_bad(t, pkts, n))
		return -1;
	for (i = 0; i < n; i++) {
		struct iovec iov = {
			.iov_base = pkts[i].buf,
			.iov_len = pkts[i].len,
		};

		/* the caller learns what did not fit: no drops here */
		if (write_one(t, &iov, 1, 0) < 0)
			break;
	}
	publish_to_dpdk(t);
	if (i == 0 && n > 0 && errno != ENOBUFS)
		return -1; /* the first packet is invalid */
	return i;
}

/* ---- ioctl ------------------------------------------------------------- */

/* Length of the next packet with its prepended header, else 0. */
static int
fionread(struct bsdtun *t)
{
	int64_t len = bsdtun_ring_cons_next_len(&t->to_client);

	return len > 0 ? (int)len : 0;
}

/*
 * SIGIO (FIOASYNC, FIOSETOWN, TIOCSPGRP) is the kernel's, not the DPDK
 * process's: the owner is set with F_SETOWN on our end of the bell and
 * O_ASYNC turned on there, and the PMD rings the bell for every burst that
 * queued packets while async is on.  The kernel then signals with our own
 * credentials, so a SIGIO reaches only what we could signal ourselves.
 */
static int
set_async(struct bsdtun *t, int on)
{
	int fl = fcntl(t->bell_fd, F_GETFL);

	if (fl < 0 ||
	    fcntl(t->bell_fd, F_SETFL, on ? fl | O_ASYNC : fl & ~O_ASYNC) < 0)
		return -1;
	if (bsdtun_ioctl_remote(t, BSDTUN_IOC_SASYNC, &on, sizeof(on), NULL,
	                        0) < 0) {
		(void)fcntl(t->bell_fd, F_SETFL, fl);
		return -1;
	}
	return 0;
}

/* Is pid a thread of the DPDK process (its main thread included)? */
static int
is_server_thread(const struct bsdtun *t, pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)t->server_pid,
	         (int)pid);
	return pid == t->server_pid || access(path, F_OK) == 0;
}

/*
 * FIOSETOWN: v is a pid, -v a process group, 0 none.  As BSD's fsetown: a
 * process must be in our session (EPERM) and exist (ESRCH).  Never the
 * DPDK process, one of its threads or its process group (EPERM): SIGIO
 * would terminate the data plane (the PMD refuses to ring for such an
 * owner, too).
 */
static int
set_owner(struct bsdtun *t, int v)
{
	pid_t sid;

	if (v == INT_MIN) {
		errno = ESRCH;
		return -1;
	}
	if (v > 0) {
		if (is_server_thread(t, v)) {
			errno = EPERM;
			return -1;
		}
		sid = getsid(v);
		if (sid < 0)
			return -1; /* ESRCH, or EPERM: another session */
		if (sid != getsid(0)) {
			errno = EPERM;
			return -1;
		}
	} else if (v < 0 && -v == getpgid(t->server_pid)) {
		errno = EPERM;
		return -1;
	}
	return fcntl(t->bell_fd, F_SETOWN, v) < 0 ? -1 : 0;
}

/* FIOGETOWN: the pid, -pgrp, or 0. */
static int
get_owner(const struct bsdtun *t)
{
	struct f_owner_ex o;

	if (fcntl(t->bell_fd, F_GETOWN_EX, &o) < 0)
		return 0;
	return o.type == F_OWNER_PGRP ? -o.pid : o.pid;
}

/*
 * tap(4) on a tap unit: TAPGIFNAME, the unit's name into ifr_name;
 * SIOCGIFADDR, the port's MAC into the argument's first 6 bytes (as
 * FreeBSD's tap does).  Only those bytes are written: BSD's struct ifreq
 * is smaller than Linux's.
 */
static int
tap_ioctl(struct bsdtun *t, const struct bsdtun_ioctl_def *d, void *arg)
{
	char out[BSDTUN_IFNAMSIZ];

	if (!(t->unit_flags & BSDTUN_UNIT_F_TAP)) {
		errno = ENOTTY;
		return -1;
	}
	memset(out, 0, sizeof(out));
	if (bsdtun_ioctl_remote(t, d->wire, NULL, 0, out, d->wire_size) < 0)
		return -1;
	memcpy(arg, out, d->wire_size);
	return 0;
}

/* The ioctls the library answers itself (local in the table). */
static int
ioctl_local(struct bsdtun *t, const struct bsdtun_ioctl_def *d, void *arg)
{
	int v = 0;

	if (d->dir == BSDTUN_ARG_IN)
		memcpy(&v, arg, sizeof(v));
	switch (d->req) {
	case FIONREAD:
		v = fionread(t);
		break;
	case FIONBIO:
		t->nonblock = v != 0;
		return 0;
	case FIOASYNC:
		return set_async(t, v != 0);
	case FIOSETOWN:
		return set_owner(t, v);
	case TIOCSPGRP:
		if (v == INT_MIN) {
			errno = ESRCH; /* -v does not exist: no such group */
			return -1;
		}
		return set_owner(t, -v);
	case FIOGETOWN:
		v = get_owner(t);
		break;
	case TIOCGPGRP:
		v = -get_owner(t);
		break;
	case TAPGIFNAME:
	case TAP_SIOCGIFADDR:
		return tap_ioctl(t, d, arg);
	default:
		errno = ENOTTY;
		return -1;
	}
	memcpy(arg, &v, sizeof(v)); /* the getters */
	return 0;
}

/* An open whose requests are Linux tun's (bsdtun_linux.c). */
static int
is_linux_request(const struct bsdtun *t, const struct bsdtun_ioctl_def *d,
                 unsigned long request)
{
	if (t->lx.on) /* but the VFS's own, which no tun driver sees */
		return d == NULL || (d->req != FIONBIO && d->req != FIOASYNC);
	if (d != NULL)
		return d->api == BSDTUN_API_LINUX;
	return _IOC_TYPE(request) == 'T'; /* <linux/if_tun.h>'s group */
}

BSDTUN_API int
bsdtun_ioctl(struct bsdtun *t, unsigned long request, ...)
{
	const struct bsdtun_ioctl_def *d;
	va_list ap;
	void *arg;

	if (t == NULL) {
		errno = EBADF;
		return -1;
	}
	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);

	d = bsdtun_ioctl_find(request, BSDTUN_FACE_LIB);
	if (d != NULL && !d->by_value && d->dir != BSDTUN_ARG_NONE &&
	    arg == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (is_linux_request(t, d, request))
		return bsdtun_linux_ioctl(t, d, arg);
	if (d == NULL) {
		errno = ENOTTY;
		return -1;
	}
	/* tap(4) has no IFHEAD, LMODE or TUNSIFMODE: frames are Ethernet */
	if ((t->unit_flags & BSDTUN_UNIT_F_TAP) &&
	    (d->wire == BSDTUN_IOC_SIFHEAD || d->wire == BSDTUN_IOC_GIFHEAD ||
	     d->wire == BSDTUN_IOC_SLMODE || d->wire == BSDTUN_IOC_SIFMODE)) {
		errno = ENOTTY;
		return -1;
	}
	if (d->local)
		return ioctl_local(t, d, arg);
	return bsdtun_ioctl_remote(t, d->wire,
	                           d->dir == BSDTUN_ARG_IN ? arg : NULL,
	                           d->dir == BSDTUN_ARG_IN ? d->size : 0,
	                           d->dir == BSDTUN_ARG_OUT ? arg : NULL,
	                           d->dir == BSDTUN_ARG_OUT ? d->size : 0);
}
