/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the PMD's control path (drivers/net/bsdtun/
 * bsdtun_ctrl.c, bsdtun_session.c and bsdtun_tunioctl.c, compiled in
 * whole) fed with whatever a client can send on its control socket: HELLO
 * on a pending connection, then IOCTL (and anything else) on the session,
 * datagrams of any size, with or without descriptors, EOF at any point.
 *
 * It compiles against DPDK's headers but links no DPDK library: the few
 * DPDK functions the control path calls are stubbed below, as is the
 * link-state update of bsdtun_ethdev.c.  The control thread is not
 * started; the fuzzer calls its event handlers (bsdtun_on_hello,
 * bsdtun_on_session) directly, as ctrl_main() would, with a real socket
 * pair and a real session (memfd region, bell pair).
 *
 * Input: a sequence of datagrams, each a 2-byte header (bits 0-9 length,
 * bit 14: attach a descriptor with SCM_RIGHTS, bit 15: then EOF) followed
 * by that many bytes.  Checks beyond ASan/UBSan: the replies are
 * well-formed, no descriptor leaks, nothing outside the unit changes.
 */
#include <stdarg.h>
#include <stdio.h>

#include "../../drivers/net/bsdtun/bsdtun_ctrl.c"
#include "../../drivers/net/bsdtun/bsdtun_session.c"
#include "../../drivers/net/bsdtun/bsdtun_tunioctl.c"
#include "../../lib/bsdtun/bsdtun_ioctl.c"

#define CHECK(c)                          \
	do {                              \
		if (!(c))                 \
			__builtin_trap(); \
	} while (0)

/* ---- stubs: DPDK, and the rest of the PMD ------------------------------ */

int bsdtun_logtype;

/* FUZZ_LOG=1 in the environment prints the PMD's log lines. */
int
rte_log(uint32_t level, uint32_t logtype, const char *format, ...)
{
	static int on = -1;
	va_list ap;

	(void)level;
	(void)logtype;
	if (on < 0)
		on = getenv("FUZZ_LOG") != NULL;
	if (on) {
		va_start(ap, format);
		vfprintf(stderr, format, ap);
		va_end(ap);
	}
	return 0;
}

/* RTE_VERIFY's: a broken invariant is a finding */
void
__rte_panic(const char *funcname, const char *format, ...)
{
	va_list ap;

	fprintf(stderr, "PANIC in %s: ", funcname);
	va_start(ap, format);
	vfprintf(stderr, format, ap);
	va_end(ap);
	abort();
}

bool
rte_log_can_log(uint32_t logtype, uint32_t loglevel)
{
	(void)logtype;
	(void)loglevel;
	return true; /* rte_log() above decides */
}

int
rte_thread_join(rte_thread_t thread_id, uint32_t *value_ptr)
{
	(void)thread_id;
	(void)value_ptr;
	return 0; /* never called: no thread is created */
}

int
rte_eth_dev_callback_process(struct rte_eth_dev *dev,
                             enum rte_eth_event_type event, void *ret_param)
{
	(void)dev;
	(void)event;
	(void)ret_param;
	return 0;
}

int
rte_eal_alarm_set(uint64_t us, rte_eal_alarm_callback cb, void *arg)
{
	(void)us;
	(void)cb;
	(void)arg;
	return 0; /* never called: LSC events are the control thread's */
}

int
rte_eal_alarm_cancel(rte_eal_alarm_callback cb, void *arg)
{
	(void)cb;
	(void)arg;
	return 0;
}

int
rte_ctrl_thread_create(pthread_t *thread, const char *name,
                       const pthread_attr_t *attr,
                       void *(*start_routine)(void *), void *arg)
{
	(void)thread;
	(void)name;
	(void)attr;
	(void)start_routine;
	(void)arg;
	return -ENOTSUP; /* never called: the fuzzer is the thread */
}

static int link_updates;

/* bsdtun_path.c: attach is not fuzzed (no control socket path here). */
int
bsdtun_path_check(const struct bsdtun_unit *u, const char *key,
                  const char *path, int mkdir_dir, struct bsdtun_path *at)
{
	(void)u;
	(void)key;
	(void)path;
	(void)mkdir_dir;
	(void)at;
	return -ENOTSUP;
}

int
bsdtun_path_proc(const struct bsdtun_path *at, const char *name, char *buf,
                 size_t len)
{
	(void)at;
	(void)name;
	(void)buf;
	(void)len;
	return -ENOTSUP;
}

void
bsdtun_path_close(struct bsdtun_path *at)
{
	(void)at;
}

/* bsdtun_rxtx.c: the RING message rings the bell (no datapath here). */
void
bsdtun_bell_ring(struct bsdtun_queue *qp, struct bsdtun_session *s, int async)
{
	(void)s;
	(void)async;
	qp->xs.bells++;
}

/* bsdtun_rxtx.c: what a client says it dropped (no datapath here) */
void
bsdtun_rx_client_claim(struct bsdtun_qproc *pq, struct bsdtun_xstats *xs,
                       struct bsdtun_session *s)
{
	(void)pq;
	(void)xs;
	(void)s;
}

/* bsdtun_intr.c: no app waits on rx interrupts here */
int
bsdtun_intr_attach(struct bsdtun_unit *u, struct bsdtun_session *s)
{
	(void)u;
	(void)s;
	return 0;
}

void
bsdtun_intr_detach(struct bsdtun_unit *u, struct bsdtun_session *s)
{
	(void)u;
	(void)s;
}

/* bsdtun_port.c, on the fake port below (no ethdev here) */
int
bsdtun_port_link_update(struct bsdtun_unit *u)
{
	(void)u;
	link_updates++;
	return 1;
}

void
bsdtun_port_lsc_notify(uint16_t port_id)
{
	(void)port_id;
}

int
bsdtun_port_started(const struct bsdtun_unit *u)
{
	return bsdtun_dev(u)->data->dev_started;
}

void
bsdtun_port_mtu_set(struct bsdtun_unit *u, uint16_t mtu)
{
	u->mtu = mtu;
	bsdtun_dev(u)->data->mtu = mtu;
}

int
bsdtun_port_mtu_restore(struct bsdtun_unit *u, uint16_t expect, uint16_t mtu)
{
	if (u->mtu != expect)
		return 0;
	bsdtun_port_mtu_set(u, mtu);
	return 1;
}

uint16_t
bsdtun_port_mtu(const struct bsdtun_unit *u)
{
	return bsdtun_dev(u)->data->mtu;
}

/* ---- the unit ----------------------------------------------------------- */

static struct bsdtun_unit *unit;
static struct rte_eth_dev_data fake_data;
/* ethdev's array, which the target does not link: port 0 is the unit */
struct rte_eth_dev rte_eth_devices[RTE_MAX_ETHPORTS];
static int fd_base;

static int
next_fd(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

static void
setup_once(void)
{
	if (unit != NULL)
		return;
	unit = calloc(1, sizeof(*unit));
	if (unit == NULL)
		abort();
	unit->port_id = 0;
	rte_eth_devices[0].process_private =
	        calloc(1, sizeof(struct bsdtun_proc));
	if (rte_eth_devices[0].process_private == NULL)
		abort();
	strcpy(unit->name, "net_bsdtun_fuzz");
	rte_eth_devices[0].data = &fake_data;
	unit->cfg.qlen = 1;   /* smallest region: 132 KiB */
	unit->cfg.queues = 1; /* one connection: it holds pair 0 */
	unit->cfg.perm = 0600;
	unit->cfg.owner = getuid();
	unit->cfg.group = getgid();
	rte_spinlock_init(&bsdtun_proc(unit)->q[0].tx_lock);
	rte_spinlock_init(&bsdtun_proc(unit)->q[0].rx_lock);
	ctrl.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ctrl.epfd < 0)
		abort();
	bsdtun_proc(unit)->slot = 0;
	ctrl.units[0] = unit;
	ctrl.nunits = 1;
	/* run_jobs() is the region thread */
	sessions.jobs_tail = &sessions.jobs;
	sessions.region_running = 1;
	fd_base = next_fd();
}

/* What the region thread does with the opens bsdtun_on_hello() queued. */
static void
run_jobs(void)
{
	struct open_job *j;

	while ((j = sessions.jobs) != NULL) {
		struct bsdtun_session *sess;
		int err;

		sessions.jobs = j->next;
		if (sessions.jobs == NULL)
			sessions.jobs_tail = &sessions.jobs;
		sess = session_build(j);
		err = errno;
		(void)open_finish(j, sess, err);
		free(j);
	}
}

/* The tun state a client may change, to restore after each input. */
static void
reset_unit(void)
{
	int i;

	for (i = 0; i < BSDTUN_MAX_PENDING; i++)
		bsdtun_proc(unit)->pending[i] = -1;
	bsdtun_proc(unit)->listen_fd = -1;
	bsdtun_proc(unit)->q[0].sess = NULL;
	unit->q[0].flags = 0;
	unit->if_flags = IFF_POINTOPOINT | IFF_MULTICAST;
	unit->if_type = 0x17;
	unit->baudrate = 0;
	unit->debug = 0;
	unit->q[0].tun_pid = 0;
	unit->q[0].async = 0;
	memset(&unit->xs, 0, sizeof(unit->xs));
	memset(&unit->q[0].xs, 0, sizeof(unit->q[0].xs));
	fake_data.mtu = 1500;
	fake_data.dev_started = 1;
}

/* Read what the PMD answered; check it; close descriptors it passed.
 * Returns the number of WELCOME and IOCTL replies. */
static int
drain(int cfd)
{
	int replies = 0;

	for (;;) {
		struct bsdtun_msg m;
		int fds[BSDTUN_MSG_FDS_MAX], nfd = 0, i;
		ssize_t n =
		        bsdtun_msg_recv(cfd, &m, fds, BSDTUN_MSG_FDS_MAX, &nfd,
		                        NULL, NULL, MSG_DONTWAIT | MSG_TRUNC);

		for (i = 0; i < nfd; i++)
			close(fds[i]);
		if (n <= 0)
			return replies;
		/* every reply is one whole message; fds only with WELCOME */
		CHECK(n == sizeof(m) && m.magic == BSDTUN_WIRE_MAGIC);
		CHECK(m.type == BSDTUN_MSG_WELCOME ||
		      m.type == BSDTUN_MSG_ERROR || m.type == BSDTUN_MSG_IOCTL);
		CHECK(nfd == (m.type == BSDTUN_MSG_WELCOME ? 2 : 0));
		if (m.type == BSDTUN_MSG_IOCTL)
			CHECK(m.u.ioctl.arg_len <= BSDTUN_IOCTL_ARG_MAX);
		if (m.type == BSDTUN_MSG_ERROR)
			CHECK(m.u.error.err > 0);
		else
			replies++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2], devnull;
	uint32_t mtu_ok;

	setup_once();
	reset_unit();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	bsdtun_proc(unit)->pending[0] = sv[0]; /* as on_listen() leaves it */
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

	while (size >= 2) {
		uint16_t hdr = (uint16_t)(data[0] | data[1] << 8);
		size_t len = hdr & 0x3ff;
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov;
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		iov.iov_base = (void *)(uintptr_t)data;
		iov.iov_len = len;
		if (hdr & 0x4000) {
			struct cmsghdr *c;

			memset(cbuf, 0, sizeof(cbuf));
			mh.msg_control = cbuf;
			mh.msg_controllen = sizeof(cbuf);
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &devnull, sizeof(int));
		}
		if (sendmsg(sv[1], &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			break; /* the PMD closed its end */
		data += len;
		size -= len;
		if (hdr & 0x8000)
			shutdown(sv[1], SHUT_WR);
		/* what ctrl_main() would dispatch */
		if (bsdtun_proc(unit)->pending[0] >= 0) {
			bsdtun_on_hello(unit, 0);
			run_jobs();
		} else if (bsdtun_proc(unit)->q[0].sess != NULL)
			bsdtun_on_session(unit, 0,
			                  hdr & 0x8000 ? EPOLLRDHUP : EPOLLIN);
		/* only a whole message without descriptors gets an answer
		 * other than ERROR (a truncated read must not pass) */
		if (drain(sv[1]) > 0)
			CHECK(len == sizeof(struct bsdtun_msg) &&
			      !(hdr & 0x4000));
		/* the unit's state stays within what tun(4) allows */
		mtu_ok = fake_data.mtu >= BSDTUN_MIN_MTU &&
		         fake_data.mtu <= BSDTUN_MAX_MTU;
		CHECK(mtu_ok);
		CHECK((unit->q[0].flags &
		       ~(BSDTUN_UNIT_F_IFHEAD | BSDTUN_UNIT_F_LMODE)) == 0);
		CHECK((unit->q[0].flags &
		       (BSDTUN_UNIT_F_IFHEAD | BSDTUN_UNIT_F_LMODE)) !=
		      (BSDTUN_UNIT_F_IFHEAD | BSDTUN_UNIT_F_LMODE));
		if (bsdtun_proc(unit)->pending[0] < 0 &&
		    bsdtun_proc(unit)->q[0].sess == NULL)
			break; /* refused or closed */
	}
	/* the client goes away */
	if (bsdtun_proc(unit)->q[0].sess != NULL) {
		bsdtun_session_close(unit, 0);
		CHECK(bsdtun_proc(unit)->q[0].sess == NULL &&
		      unit->q[0].tun_pid == 0 && unit->q[0].async == 0);
	} else if (bsdtun_proc(unit)->pending[0] >= 0) {
		close(bsdtun_proc(unit)->pending[0]);
	}
	drain(sv[1]);
	close(sv[1]);
	close(devnull);
	CHECK(unit->q[0].xs.client_opens == unit->q[0].xs.client_closes);
	CHECK(next_fd() == fd_base); /* no descriptor leaked */
	return 0;
}
