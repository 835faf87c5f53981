/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hostile_client: a client of a net_bsdtun unit that speaks the wire
 * protocol (doc/wire.md) by hand, without libbsdtun, and breaks it on
 * purpose.  tests/test_hostile.py runs one attack per process against a
 * dpdk-testpmd forwarding (io) the attacked port to a second port, and
 * checks the PMD's counters, that testpmd lives and that a well-behaved
 * client works afterwards.
 *
 *	hostile_client ENDPOINT ATTACK
 *
 * Output: "ok what" / "FAIL what" per check made on this side, "count NAME
 * N" for numbers the driver compares with the PMD's counters (good: records
 * the PMD must deliver, retries: EBUSY answers the driver cannot predict),
 * then "DONE".  Exit status 1 when any check failed, 2 on usage errors.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bsdtun_wire.h"
#include "test_check.h"

#define TIMEOUT_MS    5000
#define MAX_FDS       200 /* descriptors pushed with SCM_RIGHTS */
#define PENDING_SLOTS 8   /* BSDTUN_MAX_PENDING of the PMD */
#define DIM(a)        (sizeof(a) / sizeof((a)[0]))

static const char *endpoint;
static void
count(const char *name, uint64_t n)
{
	printf("count %s %llu\n", name, (unsigned long long)n);
	fflush(stdout);
}

static void
die(const char *what)
{
	CHECK(0, "%s: %s", what, strerror(errno));
	printf("DONE\n");
	exit(1);
}

/* xorshift64*: the attacks are random but the same every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* ---- control socket ------------------------------------------------------ */

static int
conn(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", endpoint);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect");
	return fd;
}

/* Send one datagram of len bytes, optionally carrying nfds descriptors;
 * returns 0 or -1 (errno). */
static int
send_raw(int fd, const void *buf, size_t len, int nfds)
{
	static int fds[MAX_FDS];
	char cbuf[CMSG_SPACE(sizeof(fds))];
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf,
		             .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int i, ret;

	if (nfds > 0) {
		struct cmsghdr *c;

		for (i = 0; i < nfds; i++) {
			fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (fds[i] < 0)
				die("open /dev/null");
		}
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	ret = sendmsg(fd, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	return ret;
}

static void
xsend(int fd, const void *buf, size_t len, int nfds)
{
	if (send_raw(fd, buf, len, nfds) < 0)
		die("sendmsg");
}

static void
send_msg(int fd, const struct bsdtun_msg *m)
{
	if (send_raw(fd, m, sizeof(*m), 0) < 0)
		die("send");
}

static struct bsdtun_msg
mk(uint32_t type)
{
	struct bsdtun_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.magic = BSDTUN_WIRE_MAGIC;
	if (type == BSDTUN_MSG_HELLO) {
		m.u.hello.version = BSDTUN_WIRE_VERSION;
		m.u.hello.pid = getpid();
	}
	return m;
}

static struct bsdtun_msg
mk_ioctl(uint32_t cmd, const void *arg, uint32_t len)
{
	struct bsdtun_msg m = mk(BSDTUN_MSG_IOCTL);

	m.u.ioctl.cmd = cmd;
	m.u.ioctl.pid = getpid();
	m.u.ioctl.arg_len = len;
	if (arg != NULL)
		memcpy(m.u.ioctl.arg, arg,
		       len < BSDTUN_IOCTL_ARG_MAX ? len : BSDTUN_IOCTL_ARG_MAX);
	return m;
}

/*
 * Receive one message (closing any descriptors it carries into *nfds).
 * Returns its length, 0 at EOF, -1 on timeout.
 */
static ssize_t
recv_msg(int fd, struct bsdtun_msg *m, int *fds, int *nfds)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int keep[2];
	ssize_t n;
	long end = now_ms() + TIMEOUT_MS;
	int r, got = 0, i;

	do /* SIGIO (sigio_owner) interrupts */
		r = poll(&p, 1, (int)(end - now_ms() > 0 ? end - now_ms() : 0));
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return -1;
	do
		n = bsdtun_msg_recv(fd, m, keep, 2, &got, NULL, NULL, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ECONNRESET ? 0 : -1;
	for (i = 0; i < got; i++) {
		if (fds != NULL)
			fds[i] = keep[i];
		else
			close(keep[i]);
	}
	if (nfds != NULL)
		*nfds = fds != NULL ? got : 0;
	return n;
}

/* The PMD refused: an ERROR carrying err, then EOF. */
static void
expect_error(int fd, int err, const char *what)
{
	struct bsdtun_msg m;
	ssize_t n = recv_msg(fd, &m, NULL, NULL);

	CHECK(n == sizeof(m) && m.magic == BSDTUN_WIRE_MAGIC &&
	              m.type == BSDTUN_MSG_ERROR && m.u.error.err == err,
	      "%s: ERROR %d (got n %zd type %u err %d)", what, err, n,
	      n > 0 ? m.type : 0, n > 0 ? m.u.error.err : 0);
	n = recv_msg(fd, &m, NULL, NULL);
	CHECK(n == 0, "%s: then EOF (got %zd)", what, n);
}

/* The PMD closed the session: EOF on the control socket. */
static int
expect_eof(int fd, const char *what)
{
	struct bsdtun_msg m;
	ssize_t n;

	do
		n = recv_msg(fd, &m, NULL, NULL);
	while (n > 0); /* e.g. an ioctl reply still queued */
	CHECK(n == 0, "%s: the PMD closed the session (EOF)", what);
	return n == 0;
}

/* The way libbsdtun closes: EOF to the PMD, wait for its EOF back. */
static void
close_sync(int fd)
{
	struct bsdtun_msg m;

	shutdown(fd, SHUT_WR);
	while (recv_msg(fd, &m, NULL, NULL) > 0)
		;
	close(fd);
}

/* ---- a session: the region mapped, raw access to both rings ------------- */

struct sess {
	int ctl, bell;
	uint8_t *map;
	size_t size;
	struct bsdtun_region_hdr *hdr;
	struct bsdtun_ring_ctl *tc, *td; /* to_client, to_dpdk */
	uint8_t *tc_data, *td_data;
	uint32_t rb, qlen;
	uint64_t wpos, wpkts; /* our to_dpdk producer */
	uint64_t rpos, rpkts; /* our to_client consumer */
	uint64_t good;        /* records the PMD must deliver */
	uint8_t pkt[BSDTUN_MRU];
};

/*
 * HELLO on control socket fd and map the region of the WELCOME.  keep:
 * where to put a duplicate of the region's memfd, or NULL.
 */
static int
sess_open_keep_fd(struct sess *s, int fd, int *keep)
{
	struct bsdtun_msg m = mk(BSDTUN_MSG_HELLO);
	int fds[2] = { -1, -1 }, nfds = 0;
	struct stat st;
	ssize_t n;

	memset(s, 0, sizeof(*s));
	s->ctl = fd;
	(void)send_raw(fd, &m, sizeof(m), 0); /* may be refused already */
	n = recv_msg(fd, &m, fds, &nfds);
	if (n != sizeof(m) || m.type != BSDTUN_MSG_WELCOME || nfds != 2) {
		if (n == sizeof(m) && m.type == BSDTUN_MSG_ERROR)
			errno = m.u.error.err;
		return -1;
	}
	if (fstat(fds[0], &st) < 0)
		die("fstat region");
	s->size = st.st_size;
	s->map = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0],
	              0);
	if (s->map == MAP_FAILED)
		die("mmap region");
	if (keep != NULL)
		*keep = dup(fds[0]);
	close(fds[0]);
	s->bell = fds[1];
	s->hdr = (struct bsdtun_region_hdr *)s->map;
	s->rb = s->hdr->ring_bytes;
	s->qlen = s->hdr->qlen;
	s->tc = (struct bsdtun_ring_ctl *)(s->map + s->hdr->to_client_ctl);
	s->td = (struct bsdtun_ring_ctl *)(s->map + s->hdr->to_dpdk_ctl);
	s->tc_data = s->map + s->hdr->to_client_data;
	s->td_data = s->map + s->hdr->to_dpdk_data;
	memset(s->pkt, 0, sizeof(s->pkt));
	s->pkt[0] = 0x45; /* looks like IPv4; the PMD does not care */
	return 0;
}

static int
sess_open_fd(struct sess *s, int fd)
{
	return sess_open_keep_fd(s, fd, NULL);
}

static void
sess_open(struct sess *s)
{
	if (sess_open_fd(s, conn()) < 0)
		die("open the unit");
}

static void
sess_free(struct sess *s)
{
	munmap(s->map, s->size);
	close(s->bell);
	close(s->ctl);
}

/* Write one record at our to_dpdk position (not published). */
static void
put(struct sess *s, uint32_t len, uint16_t family, uint16_t flags)
{
	uint32_t off = (uint32_t)s->wpos & (s->rb - 1);
	struct bsdtun_rec h = { .len = len, .family = family, .flags = flags };

	memcpy(s->td_data + off, &h, sizeof(h));
	if (!(flags & BSDTUN_REC_F_WRAP)) {
		if (off + bsdtun_rec_size(len) <= s->rb)
			memcpy(s->td_data + off + sizeof(h), s->pkt,
			       len < sizeof(s->pkt) ? len : sizeof(s->pkt));
		s->wpos += bsdtun_rec_size(len);
		s->wpkts++;
	} else {
		s->wpos += s->rb - off;
	}
}

/* Write a record header at our position, nothing else. */
static void
put_hdr(struct sess *s, uint32_t len, uint16_t family, uint16_t flags)
{
	struct bsdtun_rec h = { .len = len, .family = family, .flags = flags };

	memcpy(s->td_data + ((uint32_t)s->wpos & (s->rb - 1)), &h, sizeof(h));
}

static void
publish_head(struct sess *s, uint64_t head)
{
	__atomic_store_n(&s->td->head_pkts, s->wpkts, __ATOMIC_RELAXED);
	__atomic_store_n(&s->td->head, head, __ATOMIC_RELEASE);
}

static void
publish(struct sess *s)
{
	publish_head(s, s->wpos);
}

/* Wait until the PMD consumed everything we published. */
static int
drained(struct sess *s)
{
	long end = now_ms() + TIMEOUT_MS;

	while (__atomic_load_n(&s->td->tail, __ATOMIC_ACQUIRE) != s->wpos) {
		if (now_ms() > end)
			return 0;
		sleep_us(200);
	}
	return 1;
}

/* n good IPv4 records of len bytes, published and consumed. */
static void
put_good(struct sess *s, int n, uint32_t len)
{
	int i;

	for (i = 0; i < n; i++)
		put(s, len, AF_INET, 0);
	publish(s);
	s->good += n;
	CHECK(drained(s), "the PMD took %d good records of %u bytes", n, len);
}

/* Advance our to_dpdk position to data-area offset off with good records. */
static void
advance_to(struct sess *s, uint32_t off)
{
	for (;;) {
		uint32_t cur = (uint32_t)s->wpos & (s->rb - 1);
		uint32_t left = off >= cur ? off - cur : s->rb - cur + off;
		uint32_t len;

		if (left == 0)
			return;
		/* records of up to 8 KiB; never leave less than 32 bytes */
		len = left > 8192 + 40 ? 8192 : left - 8;
		if (left > 8192 + 8 && left <= 8192 + 40)
			len = 4096;
		if (cur + len + 8 > s->rb) { /* would not fit: wrap */
			put(s, 0, 0, BSDTUN_REC_F_WRAP);
			continue;
		}
		put(s, len, AF_INET, 0);
		s->good++;
		publish(s);
		if (!drained(s)) {
			CHECK(0, "the PMD took the records advancing to %u",
			      off);
			return;
		}
	}
}

/* Consume every to_client record now queued; returns how many. */
static int
take_all(struct sess *s)
{
	uint64_t head = __atomic_load_n(&s->tc->head, __ATOMIC_ACQUIRE);
	int n = 0;

	while (s->rpos != head) {
		struct bsdtun_rec h;
		uint32_t off = (uint32_t)s->rpos & (s->rb - 1);

		memcpy(&h, s->tc_data + off, sizeof(h));
		if (h.flags & BSDTUN_REC_F_WRAP) {
			s->rpos += s->rb - off;
			continue;
		}
		s->rpos += bsdtun_rec_size(h.len);
		s->rpkts++;
		n++;
	}
	__atomic_store_n(&s->tc->tail_pkts, s->rpkts, __ATOMIC_RELAXED);
	__atomic_store_n(&s->tc->tail, s->rpos, __ATOMIC_RELEASE);
	return n;
}

/* Wait until the PMD has published at least pkts to_client records. */
static int
tc_wait_pkts(struct sess *s, uint64_t pkts)
{
	long end = now_ms() + TIMEOUT_MS;

	while (__atomic_load_n(&s->tc->head_pkts, __ATOMIC_ACQUIRE) < pkts) {
		if (now_ms() > end)
			return 0;
		sleep_us(200);
	}
	return 1;
}

/*
 * What the PMD counts as purged when the session closes: the packets still
 * on each ring as far as the (untrusted) counters say, at most qlen.  Read
 * after the close, when the PMD no longer touches the rings.
 */
static uint64_t purged_to_client, purged_to_dpdk; /* all sessions */

static void
purge_counts(struct sess *s)
{
	uint64_t c = __atomic_load_n(&s->tc->head_pkts, __ATOMIC_ACQUIRE) -
	             __atomic_load_n(&s->tc->tail_pkts, __ATOMIC_ACQUIRE);
	uint64_t d = __atomic_load_n(&s->td->head_pkts, __ATOMIC_ACQUIRE) -
	             __atomic_load_n(&s->td->tail_pkts, __ATOMIC_ACQUIRE);

	purged_to_client += c > s->qlen ? s->qlen : c;
	purged_to_dpdk += d > s->qlen ? s->qlen : d;
}

/* The PMD gave up on the session: state closed, EOF, bell hung up. */
static void
expect_closed(struct sess *s, const char *what)
{
	struct pollfd p = { .fd = s->bell, .events = POLLIN };
	long end = now_ms() + TIMEOUT_MS;

	/* EOF comes first when the datapath shuts the socket down; the
	 * control thread closes the session right after */
	if (expect_eof(s->ctl, what)) {
		while (__atomic_load_n(&s->hdr->state, __ATOMIC_ACQUIRE) !=
		               BSDTUN_STATE_CLOSED &&
		       now_ms() < end)
			sleep_us(200);
		CHECK(__atomic_load_n(&s->hdr->state, __ATOMIC_ACQUIRE) ==
		              BSDTUN_STATE_CLOSED,
		      "%s: region state closed", what);
		CHECK(poll(&p, 1, TIMEOUT_MS) == 1 && (p.revents & POLLHUP),
		      "%s: bell hung up", what);
	}
	purge_counts(s);
	count("good", s->good);
	sess_free(s);
}

/* A session that must still be alive: prove it, then close it cleanly. */
static void
expect_alive(struct sess *s, const char *what)
{
	struct bsdtun_msg m = mk_ioctl(BSDTUN_IOC_GIFHEAD, NULL, 0);
	ssize_t n;

	put_good(s, 4, 100);
	CHECK(__atomic_load_n(&s->hdr->state, __ATOMIC_ACQUIRE) ==
	              BSDTUN_STATE_OPEN,
	      "%s: region state still open", what);
	send_msg(s->ctl, &m);
	n = recv_msg(s->ctl, &m, NULL, NULL);
	CHECK(n == sizeof(m) && m.type == BSDTUN_MSG_IOCTL &&
	              m.u.ioctl.result == 0,
	      "%s: session still answers ioctls", what);
	count("good", s->good);
	close_sync(s->ctl);
	s->ctl = -1;
	purge_counts(s);
	munmap(s->map, s->size);
	close(s->bell);
}

/* ---- attacks on the to_dpdk ring (the PMD's rx_burst consumes) ----------- */

static void
rx_head(const char *how)
{
	struct sess s;
	uint64_t head;

	sess_open(&s);
	put_good(&s, 3, 200);
	if (strcmp(how, "ahead") == 0) /* more than a ring ahead */
		head = s.wpos + s.rb + 8;
	else if (strcmp(how, "behind") == 0) /* behind what was consumed */
		head = s.wpos - 8;
	else if (strcmp(how, "far") == 0)
		head = s.wpos + (1ull << 63);
	else if (strcmp(how, "unaligned") == 0) { /* header cut short */
		put(&s, 100, AF_INET, 0);
		head = s.wpos - bsdtun_rec_size(100) + 5;
	} else { /* random */
		head = rnd();
	}
	publish_head(&s, head);
	expect_closed(&s, how);
}

static void
rx_len(const char *how)
{
	struct sess s;

	sess_open(&s);
	put_good(&s, 2, 60);
	if (strcmp(how, "huge") == 0) { /* 4 GiB - 1 */
		put_hdr(&s, 0xffffffffu, AF_INET, 0);
		publish_head(&s, s.wpos + 64);
	} else if (strcmp(how, "max1") == 0) { /* one byte too many */
		put_hdr(&s, BSDTUN_REC_MAX_LEN + 1, AF_INET, 0);
		publish_head(&s,
		             s.wpos + bsdtun_rec_size(BSDTUN_REC_MAX_LEN + 1));
	} else if (strcmp(how, "past_head") == 0) {
		/* the record claims more bytes than were published */
		put_hdr(&s, 1000, AF_INET, 0);
		publish_head(&s, s.wpos + 512);
	} else if (strcmp(how, "past_end") == 0) {
		/* a record that would run past the end of the data area */
		advance_to(&s, s.rb - 64);
		put_hdr(&s, 200, AF_INET, 0);
		publish_head(&s, s.wpos + bsdtun_rec_size(200));
	}
	expect_closed(&s, how);
}

static void
rx_wrap(const char *how)
{
	struct sess s;
	uint64_t at;

	sess_open(&s);
	if (strcmp(how, "at_zero") == 0) { /* WRAP at offset 0 */
		put_hdr(&s, 0, 0, BSDTUN_REC_F_WRAP);
		publish_head(&s, 8);
	} else if (strcmp(how, "past_head") == 0) {
		/* a WRAP whose skip runs past the published head */
		put_good(&s, 2, 100);
		at = s.wpos;
		put(&s, 0, 0, BSDTUN_REC_F_WRAP);
		publish_head(&s, at + 8);
	} else if (strcmp(how, "twice") == 0) {
		/* WRAP, then at offset 0 another WRAP */
		put_good(&s, 2, 100);
		put(&s, 0, 0, BSDTUN_REC_F_WRAP);
		put_hdr(&s, 0, 0, BSDTUN_REC_F_WRAP);
		publish_head(&s, s.wpos + 8);
	} else if (strcmp(how, "valid") == 0) {
		/* a correct WRAP near the end: the ring goes on working */
		advance_to(&s, s.rb - 256);
		put(&s, 0, 0, BSDTUN_REC_F_WRAP);
		put_good(&s, 3, 300);
		expect_alive(&s, how);
		return;
	}
	expect_closed(&s, how);
}

/* Bad records that are dropped and counted; the ring stays usable. */
static void
rx_drop(const char *how)
{
	static const uint16_t fams[] = { 0, 1, 7, 24, 28, 30, 0xffff };
	struct sess s;
	unsigned int i;

	sess_open(&s);
	put_good(&s, 2, 100);
	if (strcmp(how, "family") == 0) {
		for (i = 0; i < DIM(fams); i++)
			put(&s, 100, fams[i], 0);
		count("bad_family", DIM(fams));
	} else if (strcmp(how, "runt") == 0) {
		for (i = 0; i < 5; i++)
			put(&s, 0, AF_INET, 0);
		put(&s, 0, 0xffff, 0);
		count("runt", 6);
	} else if (strcmp(how, "flags") == 0) {
		/* unknown flag bits are ignored: these are delivered */
		put(&s, 100, AF_INET, 0xfffe);
		put(&s, 100, AF_INET6, 0x8000);
		s.good += 2;
	} else if (strcmp(how, "vnet") == 0) {
		/* IFF_VNET_HDR's headers, hostile: refused ones and GSO the
		 * app did not ask LRO for are dropped and counted */
		static const struct bsdtun_rec_vnet bad[] = {
			{ .flags = 0x04 },
			{ .flags = 1, .csum_start = 90, .csum_offset = 16 },
			{ .flags = 1,
			  .csum_start = 0xffff,
			  .csum_offset = 0xffff },
			{ .gso_type = 1, .gso_size = 0 },
			{ .gso_type = 2, .gso_size = 100 },
			{ .gso_type = 0x41, .gso_size = 100 },
			/* TCP GSO over a packet that is not IPv4/TCP */
			{ .gso_type = 1, .gso_size = 50 },
		};
		static const struct bsdtun_rec_vnet gso[] = {
			{ .gso_type = 3, .gso_size = 50 },
			{ .gso_type = 0x84, .gso_size = 50 },
		};
		/* TCP GSO of 180 segments: more than the PMD cuts */
		static const struct bsdtun_rec_vnet many = { .gso_type = 1,
			                                     .gso_size = 2 };
		static const struct bsdtun_rec_vnet good = {
			.flags = 1, .csum_start = 20, .csum_offset = 16
		};
		struct bsdtun_lsetiff a = {
			.flags = BSDTUN_LINUX_IFF_TUN | BSDTUN_LINUX_IFF_NO_PI |
			         BSDTUN_LINUX_IFF_VNET_HDR,
		};
		struct bsdtun_msg m =
		        mk_ioctl(BSDTUN_IOC_LSETIFF, &a, sizeof(a));
		ssize_t n;

		send_msg(s.ctl, &m);
		n = recv_msg(s.ctl, &m, NULL, NULL);
		CHECK(n == sizeof(m) && m.u.ioctl.result == 0 &&
		              (m.u.ioctl.unit_flags & BSDTUN_UNIT_F_LINUX_VNET),
		      "LSETIFF with IFF_VNET_HDR");
		for (i = 0; i < DIM(bad); i++) {
			memcpy(s.pkt, &bad[i], sizeof(bad[i]));
			put(&s, BSDTUN_REC_VNET + 100, AF_INET,
			    BSDTUN_REC_F_VNET);
		}
		put(&s, BSDTUN_REC_VNET - 1, AF_INET, BSDTUN_REC_F_VNET);
		count("vnet_bad", DIM(bad) + 1);
		for (i = 0; i < DIM(gso); i++) {
			memcpy(s.pkt, &gso[i], sizeof(gso[i]));
			put(&s, BSDTUN_REC_VNET + 100, AF_INET,
			    BSDTUN_REC_F_VNET);
		}
		memcpy(s.pkt, &many, sizeof(many));
		s.pkt[BSDTUN_REC_VNET] = 0x45;
		s.pkt[BSDTUN_REC_VNET + 9] = 6;
		s.pkt[BSDTUN_REC_VNET + 32] = 0x50;
		put(&s, BSDTUN_REC_VNET + 400, AF_INET, BSDTUN_REC_F_VNET);
		memset(s.pkt + BSDTUN_REC_VNET, 0, 40);
		count("gso_dropped", DIM(gso) + 1);
		memcpy(s.pkt, &good, sizeof(good));
		put(&s, BSDTUN_REC_VNET + 100, AF_INET, BSDTUN_REC_F_VNET);
		s.good++;
		memset(s.pkt, 0, sizeof(good));
		s.pkt[0] = 0x45;
	} else if (strcmp(how, "pkts") == 0) {
		/* head_pkts is informative: garbage there changes nothing
		 * but the purge count at close (clamped to qlen) */
		publish(&s);
		s.wpkts = 0x8000000000000000ull;
	}
	publish(&s);
	CHECK(drained(&s), "%s: the PMD consumed the bad records", how);
	put_good(&s, 3, 500);
	expect_alive(&s, how);
}

/*
 * Work per rx burst.  "once" (tests/test_rx_contract.py): fill the to_dpdk
 * ring with zeroed records (runts to the PMD) and end it with 8 good ones,
 * print "ready", and hold the session until stdin closes, so that the
 * driver can count what each rte_eth_rx_burst() examines.  "forever"
 * (devtools/bench.py, case flood): keep the ring full of zeroed records
 * until stdin closes.
 */
static void
rx_flood_forever(struct sess *s)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	uint64_t n = 0;

	while (poll(&p, 1, 0) == 0) {
		uint64_t done =
		        __atomic_load_n(&s->td->tail_pkts, __ATOMIC_ACQUIRE);
		uint64_t before = n;

		while (s->wpkts - done < s->qlen) {
			put(s, 0, 0, 0);
			n++;
		}
		publish(s);
		if (n == before)
			sched_yield();
	}
	count("runts", n);
}

static void
rx_flood(const char *how)
{
	struct sess s;
	uint32_t i, runts;
	int c;

	sess_open(&s);
	if (strcmp(how, "forever") == 0) {
		printf("ready\n");
		fflush(stdout);
		rx_flood_forever(&s);
		close_sync(s.ctl);
		munmap(s.map, s.size);
		close(s.bell);
		return;
	}
	runts = s.qlen - 8;
	for (i = 0; i < runts; i++)
		put(&s, 0, 0, 0);
	for (i = 0; i < 8; i++)
		put(&s, 100, AF_INET, 0);
	publish(&s);
	count("runts", runts);
	count("good", 8);
	printf("ready\n");
	fflush(stdout);
	while ((c = getchar()) != EOF)
		;
	close_sync(s.ctl);
	munmap(s.map, s.size);
	close(s.bell);
}

/*
 * Memory a departed client keeps: 100 opens, each with traffic both ways
 * (the driver's sender fills the to_client ring), each closed while the
 * client keeps the region's memfd.  After every close the PMD must have
 * released the data areas: the kept memfd holds the header page only.
 */
static void
keep_region(void)
{
	static int kept[100];
	uint64_t blocks = 0, max_blocks = 0;
	unsigned int i;
	struct sess s;

	for (i = 0; i < DIM(kept); i++) {
		struct stat st;

		if (sess_open_keep_fd(&s, conn(), &kept[i]) < 0)
			die("open the unit");
		put_good(&s, 8, 1400);
		tc_wait_pkts(&s, 1);
		close_sync(s.ctl);
		s.ctl = -1;
		purge_counts(&s);
		munmap(s.map, s.size);
		close(s.bell);
		if (fstat(kept[i], &st) < 0)
			die("fstat kept memfd");
		blocks += (uint64_t)st.st_blocks;
		if ((uint64_t)st.st_blocks > max_blocks)
			max_blocks = (uint64_t)st.st_blocks;
	}
	CHECK(max_blocks == 4096 / 512,
	      "keep_region: after close a kept memfd holds one page, the header (most: %" PRIu64
	      " blocks of 512 bytes)",
	      max_blocks);
	CHECK(blocks == DIM(kept) * (4096 / 512),
	      "keep_region: %u kept memfds hold %u pages in all (got %" PRIu64
	      " blocks)",
	      (unsigned int)DIM(kept), (unsigned int)DIM(kept), blocks);
	for (i = 0; i < DIM(kept); i++)
		close(kept[i]);
	count("good", 8 * DIM(kept));
}

/* Scribble on everything the PMD writes and never reads back. */
static void
scribble(void)
{
	struct sess s;
	uint32_t i;

	sess_open(&s);
	put_good(&s, 2, 100);
	/* let the driver's sender fill the to_client ring: the PMD then
	 * publishes nothing more there and purges exactly qlen at close */
	CHECK(tc_wait_pkts(&s, s.qlen), "scribble: to_client ring filled");
	for (i = 0; i < 4096; i += 8) { /* the header page, minus the ctl */
		uint64_t v = rnd();

		if ((s.map + i >= (uint8_t *)s.tc &&
		     s.map + i < (uint8_t *)(s.tc + 1)) ||
		    (s.map + i >= (uint8_t *)s.td &&
		     s.map + i < (uint8_t *)(s.td + 1)))
			continue;
		memcpy(s.map + i, &v, 8);
	}
	/* the PMD's own published fields and its data area */
	__atomic_store_n(&s.td->tail, rnd(), __ATOMIC_RELAXED);
	__atomic_store_n(&s.td->tail_pkts, rnd(), __ATOMIC_RELAXED);
	__atomic_store_n(&s.tc->head, rnd(), __ATOMIC_RELAXED);
	__atomic_store_n(&s.tc->head_pkts, rnd(), __ATOMIC_RELAXED);
	memset(s.tc_data, 0xa5, s.rb);
	/* records still flow; the PMD republishes its tail over ours */
	put_good(&s, 5, 300);
	count("good", s.good);
	close_sync(s.ctl);
	purged_to_client += s.qlen;
	munmap(s.map, s.size);
	close(s.bell);
}

/* ---- attacks on the to_client ring (the PMD's tx_burst produces) --------- */

static void
tx_tail(const char *how)
{
	struct sess s;
	uint64_t tail, tpk;

	sess_open(&s);
	/* the driver's sender keeps packets coming: wait for a full ring */
	CHECK(tc_wait_pkts(&s, s.qlen), "%s: to_client ring filled", how);
	take_all(&s);
	CHECK(tc_wait_pkts(&s, s.rpkts + 1),
	      "%s: the PMD saw our tail and produced again", how);
	tail = s.rpos;
	tpk = s.rpkts;
	if (strcmp(how, "ahead") == 0) { /* beyond what was produced */
		tail = __atomic_load_n(&s.tc->head, __ATOMIC_ACQUIRE) +
		       2ull * s.rb;
	} else if (strcmp(how, "back") == 0) { /* behind what it saw */
		tail -= 8;
	} else if (strcmp(how, "far") == 0) { /* more than a ring behind */
		tail -= 4ull * s.rb;
	} else if (strcmp(how, "pkts_ahead") == 0) {
		tpk += 1000000;
	} else if (strcmp(how, "pkts_back") == 0) {
		tpk -= 1;
	} else if (strcmp(how, "random") == 0) {
		tail = rnd();
		tpk = rnd();
	}
	__atomic_store_n(&s.tc->tail_pkts, tpk, __ATOMIC_RELAXED);
	__atomic_store_n(&s.tc->tail, tail, __ATOMIC_RELEASE);
	expect_closed(&s, how);
}

/* armed = garbage: exactly one bell, nothing else. */
static void
tx_armed(void)
{
	struct sess s;
	struct pollfd p;
	char b[8];

	sess_open(&s);
	__atomic_store_n(&s.tc->armed, 0xdeadbeefu, __ATOMIC_SEQ_CST);
	take_all(&s); /* make room: the PMD publishes, sees armed */
	p.fd = s.bell;
	p.events = POLLIN;
	CHECK(poll(&p, 1, TIMEOUT_MS) == 1 &&
	              recv(s.bell, b, sizeof(b), 0) == 1 &&
	              b[0] == (char)BSDTUN_BELL_BYTE,
	      "armed garbage: one bell");
	CHECK(__atomic_load_n(&s.tc->armed, __ATOMIC_ACQUIRE) == 0,
	      "armed garbage: the PMD cleared it");
	/* the PMD must not ring again before we arm */
	take_all(&s);
	CHECK(poll(&p, 1, 100) == 0, "armed garbage: no second bell");
	/* the bell is ours to write too: fill it, the PMD never reads it */
	while (send(s.bell, b, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1)
		;
	take_all(&s);
	expect_alive(&s, "armed");
}

/* Random garbage over both control blocks while traffic flows. */
static void
random_ctl(void)
{
	struct sess s;
	int i;

	sess_open(&s);
	put_good(&s, 2, 100);
	for (i = 0; i < 1000; i++) {
		uint64_t *w =
		        (uint64_t *)(rnd() & 1 ? (void *)s.tc : (void *)s.td);

		w[rnd() % (sizeof(*s.tc) / 8)] = rnd();
		if (__atomic_load_n(&s.hdr->state, __ATOMIC_ACQUIRE) !=
		    BSDTUN_STATE_OPEN)
			break;
		sleep_us(50);
	}
	/* make sure it is caught: a head that cannot be */
	__atomic_store_n(&s.td->head, s.wpos + (1ull << 62), __ATOMIC_RELEASE);
	expect_closed(&s, "random");
}

/* Random garbage over the data area of to_dpdk, published as records. */
static void
random_data(void)
{
	struct sess s;
	uint32_t i;

	sess_open(&s);
	put_good(&s, 2, 100);
	for (i = 0; i < s.rb / 8; i++) {
		uint64_t v = rnd();

		memcpy(s.td_data + 8 * i, &v, 8);
	}
	publish_head(&s, s.wpos + 4096);
	expect_closed(&s, "random_data");
}

/* ---- control messages ----------------------------------------------------- */

/* Messages that are not a HELLO on a fresh connection. */
static void
pending_bad(const char *how)
{
	struct bsdtun_msg m = mk(BSDTUN_MSG_HELLO);
	uint8_t big[4096];
	int fd = conn(), err = EPROTO;

	if (strcmp(how, "ioctl") == 0) { /* IOCTL before HELLO */
		m = mk_ioctl(BSDTUN_IOC_GIFHEAD, NULL, 0);
		send_msg(fd, &m);
	} else if (strcmp(how, "magic") == 0) {
		m.magic = 0x4e555443;
		send_msg(fd, &m);
	} else if (strcmp(how, "type0") == 0) {
		m.type = 0;
		send_msg(fd, &m);
	} else if (strcmp(how, "welcome") == 0) {
		m.type = BSDTUN_MSG_WELCOME;
		send_msg(fd, &m);
	} else if (strcmp(how, "type99") == 0) {
		m.type = 99;
		send_msg(fd, &m);
	} else if (strcmp(how, "short1") == 0) {
		xsend(fd, &m, 1, 0);
	} else if (strcmp(how, "short") == 0) {
		xsend(fd, &m, sizeof(m) - 1, 0);
	} else if (strcmp(how, "long") == 0) { /* a valid HELLO, and more */
		memset(big, 0, sizeof(big));
		memcpy(big, &m, sizeof(m));
		xsend(fd, big, sizeof(m) + 1, 0);
	} else if (strcmp(how, "long4k") == 0) {
		memset(big, 0xff, sizeof(big));
		memcpy(big, &m, sizeof(m));
		xsend(fd, big, sizeof(big), 0);
	} else if (strcmp(how, "scm") == 0) { /* a valid HELLO, with fds */
		xsend(fd, &m, sizeof(m), MAX_FDS);
	} else if (strcmp(how, "scm1") == 0) { /* one fd: fits a cmsg buffer */
		xsend(fd, &m, sizeof(m), 1);
	} else if (strcmp(how, "empty") == 0) { /* a 0-byte datagram */
		xsend(fd, &m, 0, 0);
	} else if (strcmp(how, "version0") == 0) {
		m.u.hello.version = 0;
		err = EPROTONOSUPPORT;
		send_msg(fd, &m);
	} else if (strcmp(how, "version2") == 0) {
		m.u.hello.version = BSDTUN_WIRE_VERSION + 1;
		err = EPROTONOSUPPORT;
		send_msg(fd, &m);
	}
	expect_error(fd, err, how);
	close(fd);
}

/* Bad messages inside an open session: each closes it. */
static void
session_bad(const char *how)
{
	struct sess s;
	struct bsdtun_msg m;
	uint8_t big[4096];

	sess_open(&s);
	put_good(&s, 1, 100);
	m = mk_ioctl(BSDTUN_IOC_GIFHEAD, NULL, 0);
	if (strcmp(how, "hello") == 0) { /* HELLO twice */
		m = mk(BSDTUN_MSG_HELLO);
	} else if (strcmp(how, "magic") == 0) {
		m.magic = ~BSDTUN_WIRE_MAGIC;
	} else if (strcmp(how, "welcome") == 0) {
		m.type = BSDTUN_MSG_WELCOME;
	} else if (strcmp(how, "error") == 0) {
		m.type = BSDTUN_MSG_ERROR;
	} else if (strcmp(how, "type99") == 0) {
		m.type = 99;
	} else if (strcmp(how, "arglen33") == 0) {
		m.u.ioctl.arg_len = BSDTUN_IOCTL_ARG_MAX + 1;
	} else if (strcmp(how, "arglen_max") == 0) {
		m.u.ioctl.arg_len = 0xffffffffu;
	} else if (strcmp(how, "arglen_neg") == 0) {
		m.u.ioctl.arg_len = 0x80000000u;
	}
	if (strcmp(how, "short") == 0) {
		xsend(s.ctl, &m, sizeof(m) - 4, 0);
	} else if (strcmp(how, "long") == 0) {
		memset(big, 0, sizeof(big));
		memcpy(big, &m, sizeof(m));
		xsend(s.ctl, big, sizeof(big), 0);
	} else if (strcmp(how, "scm") == 0) {
		xsend(s.ctl, &m, sizeof(m), MAX_FDS);
	} else if (strcmp(how, "scm1") == 0) {
		xsend(s.ctl, &m, sizeof(m), 1);
	} else {
		send_msg(s.ctl, &m);
	}
	expect_closed(&s, how);
}

/* One ioctl; returns the reply's result, or -1 on a protocol failure. */
static int
ioctl_call(int fd, struct bsdtun_msg *m)
{
	uint32_t cmd = m->u.ioctl.cmd;
	ssize_t n;

	send_msg(fd, m);
	n = recv_msg(fd, m, NULL, NULL);
	if (n != sizeof(*m) || m->type != BSDTUN_MSG_IOCTL ||
	    m->u.ioctl.cmd != cmd)
		return -1;
	return m->u.ioctl.result;
}

static void
check_ioctl(int fd, uint32_t cmd, const void *arg, uint32_t len, int want,
            const char *what)
{
	struct bsdtun_msg m = mk_ioctl(cmd, arg, len);
	int r = ioctl_call(fd, &m);

	CHECK(r == want, "ioctl %s (cmd %u, arg_len %u): result %d (got %d)",
	      what, cmd, len, want, r);
}

/*
 * The Linux tun codes as a client that skips the library's checks sends
 * them: what needs TUNSETIFF first, a type or multi-queue request the unit
 * cannot take, a wrong size, a negative owner: an error reply each.
 */
static void
linux_bad(struct sess *s, const uint8_t *arg)
{
	struct bsdtun_lsetiff iff;
	struct bsdtun_msg m;
	int v = 1;

	check_ioctl(s->ctl, BSDTUN_IOC_LSQUEUE, &v, 4, EBADFD,
	            "LSQUEUE before LSETIFF");
	check_ioctl(s->ctl, BSDTUN_IOC_LSOWNER, &v, 4, EBADFD,
	            "LSOWNER before LSETIFF");
	check_ioctl(s->ctl, BSDTUN_IOC_LSCARRIER, &v, 4, EBADFD,
	            "LSCARRIER before LSETIFF");
	check_ioctl(s->ctl, BSDTUN_IOC_LSOFFLOAD, &v, 4, EBADFD,
	            "LSOFFLOAD before LSETIFF");
	check_ioctl(s->ctl, BSDTUN_IOC_LSETIFF, arg, 4, EINVAL,
	            "LSETIFF of 4 bytes");
	memset(&iff, 0, sizeof(iff));
	iff.flags = 0xffffffffu; /* tun, tap and everything */
	check_ioctl(s->ctl, BSDTUN_IOC_LSETIFF, &iff, sizeof(iff), EINVAL,
	            "LSETIFF every flag");
	iff.flags = BSDTUN_LINUX_IFF_TAP;
	check_ioctl(s->ctl, BSDTUN_IOC_LSETIFF, &iff, sizeof(iff), EINVAL,
	            "LSETIFF tap on a tun unit");
	iff.flags = BSDTUN_LINUX_IFF_TUN | BSDTUN_LINUX_IFF_MULTI_QUEUE;
	check_ioctl(s->ctl, BSDTUN_IOC_LSETIFF, &iff, sizeof(iff), EINVAL,
	            "LSETIFF multi-queue on a single-queue unit");
	iff.flags = BSDTUN_LINUX_IFF_TUN | BSDTUN_LINUX_IFF_NO_PI;
	memset(iff.name, 'x', sizeof(iff.name)); /* the PMD overwrites it */
	m = mk_ioctl(BSDTUN_IOC_LSETIFF, &iff, sizeof(iff));
	CHECK(ioctl_call(s->ctl, &m) == 0 && m.u.ioctl.arg_len == sizeof(iff) &&
	              memchr(m.u.ioctl.arg + 4, 0, BSDTUN_IFNAMSIZ) != NULL &&
	              (m.u.ioctl.unit_flags & BSDTUN_UNIT_F_LINUX),
	      "LSETIFF tun: a NUL-terminated name back, the pair Linux");
	check_ioctl(s->ctl, BSDTUN_IOC_LSETIFF, &iff, sizeof(iff), EEXIST,
	            "LSETIFF again");
	v = -5;
	check_ioctl(s->ctl, BSDTUN_IOC_LSOWNER, &v, 4, EINVAL, "LSOWNER -5");
	check_ioctl(s->ctl, BSDTUN_IOC_LSGROUP, &v, 4, EINVAL, "LSGROUP -5");
	v = 0;
	check_ioctl(s->ctl, BSDTUN_IOC_LSQUEUE, &v, 4, EINVAL,
	            "LSQUEUE detach on a single-queue unit");
	check_ioctl(s->ctl, BSDTUN_IOC_LSPERSIST, arg, 2, EINVAL,
	            "LSPERSIST of 2 bytes");
	check_ioctl(s->ctl, BSDTUN_IOC_LSOFFLOAD, arg, 2, EINVAL,
	            "LSOFFLOAD of 2 bytes");
	for (v = 0; v < 4; v++) {
		/* TSO4 without CSUM, USO4 alone, UFO, an unknown bit */
		static const int offl[] = { 0x2, 0x21, 0x11, 0x81 };

		check_ioctl(s->ctl, BSDTUN_IOC_LSOFFLOAD, &offl[v], 4, EINVAL,
		            "LSOFFLOAD refused");
	}
	v = 0x7f & ~0x10;
	check_ioctl(s->ctl, BSDTUN_IOC_LSOFFLOAD, &v, 4, 0,
	            "LSOFFLOAD of every offload");
	check_ioctl(s->ctl, BSDTUN_IOC_GMAC, arg, 32, 0,
	            "GMAC ignores what the request carried");
}

/* Unknown commands and wrong argument sizes: an error reply each, the
 * session and the unit's state untouched. */
static void
ioctl_bad(void)
{
	struct sess s;
	struct bsdtun_msg m;
	uint8_t arg[BSDTUN_IOCTL_ARG_MAX], before[8];
	static const uint32_t unknown[] = { 0, BSDTUN_IOC_LSOFFLOAD + 1, 100,
		                            0x7fffffff, 0xffffffff };
	struct {
		int baud;
		short mtu;
		uint8_t type, dummy;
	} ti;
	unsigned int i;
	int v;

	sess_open(&s);
	memset(arg, 0x7f, sizeof(arg));
	m = mk_ioctl(BSDTUN_IOC_GIFINFO, NULL, 0);
	CHECK(ioctl_call(s.ctl, &m) == 0 && m.u.ioctl.arg_len == 8,
	      "TUNGIFINFO before");
	memcpy(before, m.u.ioctl.arg, sizeof(before));

	for (i = 0; i < DIM(unknown); i++)
		check_ioctl(s.ctl, unknown[i], arg, 4, ENOTTY, "unknown");
	/* arguments of the wrong size */
	check_ioctl(s.ctl, BSDTUN_IOC_SIFINFO, arg, 0, EINVAL, "SIFINFO");
	check_ioctl(s.ctl, BSDTUN_IOC_SIFINFO, arg, 4, EINVAL, "SIFINFO");
	check_ioctl(s.ctl, BSDTUN_IOC_SIFINFO, arg, 32, EINVAL, "SIFINFO");
	check_ioctl(s.ctl, BSDTUN_IOC_SDEBUG, arg, 0, EINVAL, "SDEBUG");
	check_ioctl(s.ctl, BSDTUN_IOC_SDEBUG, arg, 2, EINVAL, "SDEBUG");
	check_ioctl(s.ctl, BSDTUN_IOC_SDEBUG, arg, 32, EINVAL, "SDEBUG");
	check_ioctl(s.ctl, BSDTUN_IOC_SLMODE, arg, 8, EINVAL, "SLMODE");
	check_ioctl(s.ctl, BSDTUN_IOC_SIFHEAD, arg, 1, EINVAL, "SIFHEAD");
	check_ioctl(s.ctl, BSDTUN_IOC_SIFMODE, arg, 3, EINVAL, "SIFMODE");
	check_ioctl(s.ctl, BSDTUN_IOC_SASYNC, arg, 5, EINVAL, "SASYNC");
	check_ioctl(s.ctl, BSDTUN_IOC_SOWN_RETIRED, arg, 4, ENOTTY,
	            "SOWN (SIGIO is set on the client's own bell now)");
	/* bad values of the right size */
	ti.baud = 1;
	ti.type = 1;
	ti.dummy = 0;
	for (i = 0; i < 4; i++) {
		static const short mtus[] = { 71, -1, 16385, -32768 };

		ti.mtu = mtus[i];
		check_ioctl(s.ctl, BSDTUN_IOC_SIFINFO, &ti, sizeof(ti), EINVAL,
		            "SIFINFO bad mtu");
	}
	/* getters ignore what the request carried */
	check_ioctl(s.ctl, BSDTUN_IOC_GDEBUG, arg, 32, 0, "GDEBUG");
	check_ioctl(s.ctl, BSDTUN_IOC_GIFHEAD, arg, 32, 0, "GIFHEAD");
	check_ioctl(s.ctl, BSDTUN_IOC_GOWN_RETIRED, arg, 32, ENOTTY, "GOWN");
	m = mk_ioctl(BSDTUN_IOC_GIFINFO, arg, 32);
	CHECK(ioctl_call(s.ctl, &m) == 0 &&
	              memcmp(m.u.ioctl.arg, before, sizeof(before)) == 0,
	      "TUNGIFINFO unchanged");
	m = mk_ioctl(BSDTUN_IOC_GDEBUG, NULL, 0);
	v = ioctl_call(s.ctl, &m);
	if (v == 0)
		memcpy(&v, m.u.ioctl.arg, sizeof(v));
	CHECK(v == 0, "TUNGDEBUG still 0 (got %d)", v);
	linux_bad(&s, arg);
	expect_alive(&s, "ioctl_bad");
}

static volatile sig_atomic_t sigios;

static void
on_sigio(int sig)
{
	(void)sig;
	sigios++;
}

/* Some thread of process pid other than the main one, else pid. */
static pid_t
other_thread(pid_t pid)
{
	char path[64];
	struct dirent *e;
	pid_t tid = pid;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (d == NULL)
		return pid;
	while ((e = readdir(d)) != NULL)
		if (atoi(e->d_name) > 0 && atoi(e->d_name) != pid)
			tid = atoi(e->d_name);
	closedir(d);
	return tid;
}

/* Let packets come for ms: the PMD rings the bell for every burst. */
static void
let_packets_come(struct sess *s, long ms)
{
	long end = now_ms() + ms;

	while (now_ms() < end) {
		take_all(s); /* room for more */
		sleep_us(1000);
	}
}

/*
 * SIGIO where the client's credentials do not reach (FreeBSD's CANSIGIO).
 * The old wire ioctls are gone (ENOTTY): the PMD signals nobody.  The
 * client sets the owner on its own end of the bell and the kernel signals
 * with the client's credentials.  So, after dropping from root to nobody,
 * and with FIOASYNC on: name each thread of the DPDK process, its process
 * group, and a root process of our own session (a child that counts its
 * SIGIOs): none gets one, the DPDK process lives, and the PMD counts the
 * rings it refused (async_refused).  Then ourselves: we get SIGIO.
 */
static void
sigio_owner(void)
{
	struct sess s;
	struct ucred cr;
	socklen_t crl = sizeof(cr);
	int v, one = 1, zero = 0, sink[2], back[2];
	uint32_t sink_got = 1;
	pid_t child, tid;

	signal(SIGIO, on_sigio);
	if (pipe(sink) < 0 || pipe(back) < 0)
		die("pipe");
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) { /* stays root, counts SIGIOs until told to stop */
		char c;

		sigios = 0;
		while (read(sink[0], &c, 1) < 0 && errno == EINTR)
			;
		sink_got = (uint32_t)sigios;
		(void)!write(back[1], &sink_got, sizeof(sink_got));
		_exit(0);
	}
	sess_open(&s);
	if (getsockopt(s.ctl, SOL_SOCKET, SO_PEERCRED, &cr, &crl) < 0)
		die("SO_PEERCRED");
	tid = other_thread(cr.pid);
	v = tid;
	check_ioctl(s.ctl, BSDTUN_IOC_SOWN_RETIRED, &v, 4, ENOTTY,
	            "the wire FIOSETOWN is gone (a DPDK thread)");
	if (setresuid(65534, 65534, 65534) < 0)
		die("setresuid nobody");
	check_ioctl(s.ctl, BSDTUN_IOC_SASYNC, &one, 4, 0, "FIOASYNC 1");
	if (fcntl(s.bell, F_SETFL, O_NONBLOCK | O_ASYNC) < 0)
		die("O_ASYNC");
	CHECK(fcntl(s.bell, F_SETOWN, tid) == 0,
	      "as nobody: F_SETOWN a thread of the DPDK process (%d)",
	      (int)tid);
	let_packets_come(&s, 100);
	CHECK(fcntl(s.bell, F_SETOWN, cr.pid) == 0,
	      "as nobody: F_SETOWN the DPDK process (%d)", (int)cr.pid);
	let_packets_come(&s, 100);
	CHECK(fcntl(s.bell, F_SETOWN, -getpgid(cr.pid)) == 0,
	      "as nobody: F_SETOWN the DPDK process group");
	let_packets_come(&s, 100);
	CHECK(fcntl(s.bell, F_SETOWN, child) == 0,
	      "as nobody: F_SETOWN a root process of our session (%d)",
	      (int)child);
	let_packets_come(&s, 200);
	(void)!write(sink[1], "q", 1);
	if (read(back[0], &sink_got, sizeof(sink_got)) != sizeof(sink_got))
		sink_got = 1;
	waitpid(child, NULL, 0);
	CHECK(sink_got == 0, "the root process got no SIGIO (got %u)",
	      sink_got);
	sigios = 0;
	CHECK(fcntl(s.bell, F_SETOWN, getpid()) == 0, "F_SETOWN ourselves");
	{
		long end = now_ms() + TIMEOUT_MS;

		while (sigios == 0 && now_ms() < end) {
			take_all(&s);
			sleep_us(1000);
		}
	}
	CHECK(sigios > 0, "sigio: SIGIO delivered to us");
	check_ioctl(s.ctl, BSDTUN_IOC_SASYNC, &zero, 4, 0, "FIOASYNC 0");
	take_all(&s);
	expect_alive(&s, "sigio");
}

/*
 * TUNSIFPID records the caller's real pid (SCM_CREDENTIALS), not the pid
 * field of the message: a child sends it over the inherited control
 * socket claiming to be pid 1; the DPDK log must name the child.
 */
static void
sifpid_forged(void)
{
	struct sess s;
	pid_t child;
	int st;

	sess_open(&s);
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		struct bsdtun_msg m = mk_ioctl(BSDTUN_IOC_SIFPID, NULL, 0);

		m.u.ioctl.pid = 1;
		_exit(ioctl_call(s.ctl, &m) == 0 ? 0 : 1);
	}
	CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) &&
	              WEXITSTATUS(st) == 0,
	      "TUNSIFPID from child %d claiming pid 1", (int)child);
	/* the driver reads xstat tun_pid now: the child's pid */
	{
		char what[32];

		snprintf(what, sizeof(what), "sifpid %d", (int)child);
		wait_driver(what);
	}
	expect_alive(&s, "sifpid");
}

/*
 * Hundreds of connections that never say HELLO: 8 wait, the rest are
 * refused; so is a proper client meanwhile.  When they go, the unit opens.
 */
static void
conn_flood(void)
{
	enum { N = 300 };
	static int fds[N];
	struct bsdtun_msg m;
	struct sess s;
	int i, refused = 0, silent = 0, retries = 0;

	for (i = 0; i < N; i++)
		fds[i] = conn();
	for (i = 0; i < N; i++) {
		struct pollfd p = { .fd = fds[i], .events = POLLIN };

		if (poll(&p, 1, i < PENDING_SLOTS ? 0 : 1000) == 1 &&
		    recv_msg(fds[i], &m, NULL, NULL) == sizeof(m) &&
		    m.type == BSDTUN_MSG_ERROR && m.u.error.err == EBUSY)
			refused++;
		else
			silent++;
	}
	CHECK(refused == N - PENDING_SLOTS && silent == PENDING_SLOTS,
	      "flood: %d refused EBUSY, %d waiting (got %d, %d)",
	      N - PENDING_SLOTS, PENDING_SLOTS, refused, silent);
	i = conn();
	expect_error(i, EBUSY, "flood: one more connection");
	close(i);
	/* the driver tries a libbsdtun client now: refused EBUSY */
	wait_driver("flood");
	for (i = 0; i < N; i++)
		close(fds[i]);
	/* the PMD frees the slots as it sees the EOFs: retry until then */
	for (;;) {
		i = conn();
		if (sess_open_fd(&s, i) == 0) {
			count("retries", retries);
			expect_alive(&s, "flood");
			return;
		}
		close(i);
		/* refused at accept: the ERROR EBUSY may be lost to the reset
		 * (as bsdtun_open() knows, doc/robustness.md) */
		if ((errno != EBUSY && errno != ECONNRESET && errno != EPIPE) ||
		    ++retries > 1000)
			break;
		sleep_us(2000);
	}
	CHECK(0, "flood: open after the flood (%s)", strerror(errno));
}

/* connect + close, with and without HELLO, many times. */
static void
conn_storm(const char *how)
{
	struct bsdtun_msg m;
	struct sess s;
	int i, n = 0;

	for (i = 0; i < 500; i++) {
		int fd = conn();

		if (strcmp(how, "raw") == 0) { /* as fast as it goes */
			close(fd);
		} else if (strcmp(how, "sync") == 0) { /* one at a time */
			ssize_t r;

			shutdown(fd, SHUT_WR);
			do /* the PMD answers EOF with ERROR EPROTO */
				r = recv_msg(fd, &m, NULL, NULL);
			while (r > 0);
			n += r == 0;
			close(fd);
		} else if (strcmp(how, "open") == 0) { /* HELLO, close */
			if (sess_open_fd(&s, fd) == 0) {
				n++;
				close_sync(s.ctl);
				purge_counts(&s);
				munmap(s.map, s.size);
				close(s.bell);
			} else {
				close(fd);
			}
		} else if (strcmp(how, "kill") == 0) { /* HELLO, vanish */
			m = mk(BSDTUN_MSG_HELLO);
			send_msg(fd, &m);
			close(fd);
		}
	}
	if (strcmp(how, "raw") != 0 && strcmp(how, "kill") != 0)
		CHECK(n == 500, "storm %s: 500 done one by one (got %d)", how,
		      n);
	/* the unit is usable right after (retrying EBUSY while the
	 * control thread catches up with the storm) */
	for (i = 0; i < 2000; i++) {
		int fd = conn();

		if (sess_open_fd(&s, fd) == 0)
			break;
		close(fd);
		if (errno != EBUSY)
			break;
		sleep_us(2000);
	}
	count("retries", i);
	CHECK(i < 2000, "storm %s: the unit opens after it", how);
	if (i < 2000)
		expect_alive(&s, how);
}

/* ---- main ------------------------------------------------------------------ */

static const struct {
	const char *name;
	void (*fn)(const char *arg);
	const char *arg;
} attacks[] = {
	{ "rx_head_ahead", rx_head, "ahead" },
	{ "rx_head_behind", rx_head, "behind" },
	{ "rx_head_far", rx_head, "far" },
	{ "rx_head_unaligned", rx_head, "unaligned" },
	{ "rx_head_random", rx_head, "random" },
	{ "rx_len_huge", rx_len, "huge" },
	{ "rx_len_max1", rx_len, "max1" },
	{ "rx_len_past_head", rx_len, "past_head" },
	{ "rx_len_past_end", rx_len, "past_end" },
	{ "rx_wrap_at_zero", rx_wrap, "at_zero" },
	{ "rx_wrap_past_head", rx_wrap, "past_head" },
	{ "rx_wrap_twice", rx_wrap, "twice" },
	{ "rx_wrap_valid", rx_wrap, "valid" },
	{ "rx_bad_family", rx_drop, "family" },
	{ "rx_runt", rx_drop, "runt" },
	{ "rx_flags", rx_drop, "flags" },
	{ "rx_vnet", rx_drop, "vnet" },
	{ "rx_head_pkts", rx_drop, "pkts" },
	{ "rx_flood", rx_flood, "once" },
	{ "rx_flood_forever", rx_flood, "forever" },
	{ "tx_tail_ahead", tx_tail, "ahead" },
	{ "tx_tail_back", tx_tail, "back" },
	{ "tx_tail_far", tx_tail, "far" },
	{ "tx_tail_pkts_ahead", tx_tail, "pkts_ahead" },
	{ "tx_tail_pkts_back", tx_tail, "pkts_back" },
	{ "tx_tail_random", tx_tail, "random" },
	{ "hello_ioctl", pending_bad, "ioctl" },
	{ "hello_magic", pending_bad, "magic" },
	{ "hello_type0", pending_bad, "type0" },
	{ "hello_welcome", pending_bad, "welcome" },
	{ "hello_type99", pending_bad, "type99" },
	{ "hello_short1", pending_bad, "short1" },
	{ "hello_short", pending_bad, "short" },
	{ "hello_long", pending_bad, "long" },
	{ "hello_long4k", pending_bad, "long4k" },
	{ "hello_scm", pending_bad, "scm" },
	{ "hello_scm1", pending_bad, "scm1" },
	{ "hello_empty", pending_bad, "empty" },
	{ "hello_version0", pending_bad, "version0" },
	{ "hello_version2", pending_bad, "version2" },
	{ "session_hello", session_bad, "hello" },
	{ "session_magic", session_bad, "magic" },
	{ "session_welcome", session_bad, "welcome" },
	{ "session_error", session_bad, "error" },
	{ "session_type99", session_bad, "type99" },
	{ "session_arglen33", session_bad, "arglen33" },
	{ "session_arglen_max", session_bad, "arglen_max" },
	{ "session_arglen_neg", session_bad, "arglen_neg" },
	{ "session_short", session_bad, "short" },
	{ "session_long", session_bad, "long" },
	{ "session_scm", session_bad, "scm" },
	{ "session_scm1", session_bad, "scm1" },
	{ "storm_raw", conn_storm, "raw" },
	{ "storm_sync", conn_storm, "sync" },
	{ "storm_open", conn_storm, "open" },
	{ "storm_kill", conn_storm, "kill" },
};

static void
run_noarg(void (*fn)(void))
{
	fn();
}

int
main(int argc, char **argv)
{
	unsigned int i;

	if (argc != 3) {
		fprintf(stderr, "usage: %s ENDPOINT ATTACK\n", argv[0]);
		return 2;
	}
	endpoint = argv[1];
	step = argv[2];
	signal(SIGPIPE, SIG_IGN);
	rng_state ^= (uint64_t)strlen(argv[2]) * 0x100000001b3ull;
	if (strcmp(argv[2], "scribble") == 0)
		run_noarg(scribble);
	else if (strcmp(argv[2], "tx_armed") == 0)
		run_noarg(tx_armed);
	else if (strcmp(argv[2], "random_ctl") == 0)
		run_noarg(random_ctl);
	else if (strcmp(argv[2], "random_data") == 0)
		run_noarg(random_data);
	else if (strcmp(argv[2], "ioctl_bad") == 0)
		run_noarg(ioctl_bad);
	else if (strcmp(argv[2], "sigio_owner") == 0)
		run_noarg(sigio_owner);
	else if (strcmp(argv[2], "sifpid_forged") == 0)
		run_noarg(sifpid_forged);
	else if (strcmp(argv[2], "conn_flood") == 0)
		run_noarg(conn_flood);
	else if (strcmp(argv[2], "keep_region") == 0)
		run_noarg(keep_region);
	else {
		for (i = 0; i < DIM(attacks); i++)
			if (strcmp(argv[2], attacks[i].name) == 0)
				break;
		if (i == DIM(attacks)) {
			fprintf(stderr, "unknown attack %s\n", argv[2]);
			return 2;
		}
		attacks[i].fn(attacks[i].arg);
	}
	count("to_client_purged", purged_to_client);
	count("to_dpdk_purged", purged_to_dpdk);
	printf("DONE\n");
	return failures ? 1 : 0;
}
