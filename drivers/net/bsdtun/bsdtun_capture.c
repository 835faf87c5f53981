/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture standing in for the seed's bpf_mtap/bpf_ptap: with devarg
 * pcapng=FILE every packet crossing the unit, both directions, is written
 * with rte_pcapng.  The file is opened (and checked) at probe, its header
 * written at the first port start, when every port of the app exists, so
 * that rte_pcapng lists them; interface statistics are written at close.
 *
 * In framing=ip the file holds the bare IP packet (link type raw IP) where
 * the DPDK release lets an interface name its link type (25.11 on); before
 * that every interface is Ethernet, and the captured copy gets a
 * pseudo-Ethernet header (the port's MAC addresses and the ethertype of the
 * packet).  The packet the app or the client sees is never touched.  A
 * write error is logged once and counted, never fatal.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_version.h>

#include "bsdtun_compat.h"
#include "bsdtun_internal.h"

#define CAPTURE_POOL_SIZE 1023u
#define CAPTURE_SNAPLEN   (BSDTUN_MRU + RTE_ETHER_HDR_LEN)

static uint64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * The capture file, through the checked directory: created 0600 (what
 * crosses the unit is for the DPDK process's user only); an existing one
 * is reused (truncated, made 0600) only when it is a regular file of this
 * user, else refused and left untouched.  Returns the descriptor or -errno.
 */
static int
capture_open(struct bsdtun_unit *u, const struct bsdtun_path *at)
{
	const char *path = u->cfg.pcapng;
	struct stat st;
	int fd, err;

	fd = openat(at->dirfd, at->leaf,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	if (errno != EEXIST)
		goto fail;
	/* not even opened unless it looks right; then checked again */
	fd = -1;
	if (fstatat(at->dirfd, at->leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
		goto fail;
	if (S_ISREG(st.st_mode) && st.st_uid == geteuid()) {
		fd = openat(at->dirfd, at->leaf,
			    O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
				    O_CLOEXEC);
		if (fd < 0 && errno != ELOOP && errno != ENXIO &&
		    errno != EISDIR)
			goto fail;
		if (fd >= 0 && fstat(fd, &st) < 0)
			goto fail_fd;
	}
	if (fd < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		BSDTUN_LOG(
			ERR, u,
			"pcapng=%s refused: it exists and is not a regular file of uid %u (type %07o, owner uid %u)",
			path, (unsigned int)geteuid(),
			(unsigned int)(st.st_mode & S_IFMT),
			(unsigned int)st.st_uid);
		if (fd >= 0)
			close(fd);
		return -EEXIST;
	}
	if (ftruncate(fd, 0) < 0 || fchmod(fd, 0600) < 0 ||
	    fcntl(fd, F_SETFL, 0) < 0)
		goto fail_fd;
	return fd;
fail_fd:
	err = errno;
	close(fd);
	errno = err;
fail:
	err = errno;
	BSDTUN_LOG(ERR, u, "devarg pcapng=%s: %s", path, strerror(err));
	return -err;
}

int
bsdtun_capture_check(struct bsdtun_unit *u)
{
	struct bsdtun_path at;
	int ret;

	if (u->cfg.pcapng[0] == '\0')
		return 0;
	ret = bsdtun_path_check(u, "pcapng", u->cfg.pcapng, 0, &at);
	if (ret < 0)
		return ret;
	ret = capture_open(u, &at);
	bsdtun_path_close(&at);
	if (ret < 0)
		return ret;
	bsdtun_proc(u)->cap_fd = ret;
	return 0;
}

/* Raw IP where the file can say so (framing=ip), else Ethernet. */
static uint16_t
capture_linktype(const struct bsdtun_unit *u)
{
	return BSDTUN_PCAPNG_HAS_LINKTYPE &&
			       u->cfg.framing == BSDTUN_FRAMING_IP ?
		       BSDTUN_LINKTYPE_RAW :
		       BSDTUN_LINKTYPE_ETHERNET;
}

int
bsdtun_capture_start(struct bsdtun_unit *u)
{
	char pool[RTE_MEMPOOL_NAMESIZE];
	char os[160];
	struct utsname un;

	if (bsdtun_proc(u)->cap_fd < 0 || bsdtun_proc(u)->pcap != NULL)
		return 0;
	snprintf(pool, sizeof(pool), "bsdtun_cap_%u", u->port_id);
	bsdtun_proc(u)->cap_mp = rte_pktmbuf_pool_create(
		pool, CAPTURE_POOL_SIZE, 0, 0,
		rte_pcapng_mbuf_size(CAPTURE_SNAPLEN), rte_socket_id());
	if (bsdtun_proc(u)->cap_mp == NULL) {
		BSDTUN_LOG(ERR, u, "pcapng: no memory for capture copies: %s",
			   rte_strerror(rte_errno));
		return -ENOMEM;
	}
	if (uname(&un) == 0)
		snprintf(os, sizeof(os), "%s %s", un.sysname, un.release);
	else
		strcpy(os, "Linux");
	bsdtun_proc(u)->pcap = rte_pcapng_fdopen(bsdtun_proc(u)->cap_fd, os,
						 NULL, rte_version(), u->name);
	if (bsdtun_proc(u)->pcap == NULL) {
		BSDTUN_LOG(ERR, u, "pcapng=%s: %s", u->cfg.pcapng,
			   rte_strerror(rte_errno));
		rte_mempool_free(bsdtun_proc(u)->cap_mp);
		bsdtun_proc(u)->cap_mp = NULL;
		return -rte_errno;
	}
	bsdtun_proc(u)->cap_fd = -1; /* owned by the pcapng handle now */
	bsdtun_proc(u)->cap_start_ns = wall_ns();
	if (bsdtun_pcapng_add_port(bsdtun_proc(u)->pcap, u->port_id,
				   capture_linktype(u), u->name) < 0) {
		BSDTUN_LOG(ERR, u,
			   "pcapng=%s: cannot write the interface block",
			   u->cfg.pcapng);
		rte_pcapng_close(bsdtun_proc(u)->pcap); /* closes the fd too */
		bsdtun_proc(u)->pcap = NULL;
		rte_mempool_free(bsdtun_proc(u)->cap_mp);
		bsdtun_proc(u)->cap_mp = NULL;
		return -EIO;
	}
	return 0;
}

/* A copy of m with a pseudo-Ethernet header in front (framing=ip). */
static struct rte_mbuf *
with_pseudo_eth(struct bsdtun_unit *u, struct rte_mbuf *m, int out)
{
	struct rte_mbuf *c =
		rte_pktmbuf_copy(m, bsdtun_proc(u)->cap_mp, 0, UINT32_MAX);
	struct rte_ether_hdr *eh;
	uint8_t v;

	if (c == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(c, sizeof(*eh));
	if (eh == NULL) {
		rte_pktmbuf_free(c);
		return NULL;
	}
	v = m->pkt_len > 0 ? *rte_pktmbuf_mtod(m, uint8_t *) >> 4 : 0;
	/* out: app -> client; in: client -> app (our MAC is the app's) */
	bsdtun_pseudo_eth(eh, out ? &u->peer_mac : &u->cfg.mac,
			  out ? &u->cfg.mac : &u->peer_mac,
			  v == 6 ? AF_INET6 : AF_INET);
	return c;
}

void
bsdtun_capture(struct bsdtun_unit *u, uint16_t qid, struct rte_mbuf **pkts,
	       uint16_t n, int out)
{
	struct bsdtun_xstats *xs = &u->q[qid].xs;
	struct rte_mbuf *cp[BSDTUN_BURST_MAX];
	enum rte_pcapng_direction dir =
		out ? RTE_PCAPNG_DIRECTION_OUT : RTE_PCAPNG_DIRECTION_IN;
	uint16_t i, k = 0;

	if (bsdtun_proc(u)->pcap == NULL)
		return;
	for (i = 0; i < n && k < RTE_DIM(cp); i++) {
		struct rte_mbuf *src = pkts[i], *tmp = NULL;

		if (capture_linktype(u) == BSDTUN_LINKTYPE_ETHERNET &&
		    u->cfg.framing == BSDTUN_FRAMING_IP) {
			tmp = with_pseudo_eth(u, src, out);
			src = tmp;
		}
		cp[k] = src == NULL ? NULL :
				      bsdtun_pcapng_copy(u->port_id, qid, src,
							 bsdtun_proc(u)->cap_mp,
							 CAPTURE_SNAPLEN, dir);
		rte_pktmbuf_free(tmp);
		if (cp[k] == NULL)
			rte_atomic_fetch_add_explicit(&xs->capture_errors, 1,
						      rte_memory_order_relaxed);
		else
			k++;
	}
	if (k == 0)
		return;
	if (rte_pcapng_write_packets(bsdtun_proc(u)->pcap, cp, k) < 0) {
		if (rte_atomic_fetch_add_explicit(&xs->capture_errors, 1,
						  rte_memory_order_relaxed) ==
		    0)
			BSDTUN_LOG(
				ERR, u,
				"pcapng=%s: write failed: %s (counted in xstat capture_errors)",
				u->cfg.pcapng, rte_strerror(rte_errno));
	} else {
		/* rx and tx may capture on two lcores at once */
		rte_atomic_fetch_add_explicit(&xs->capture_packets, k,
					      rte_memory_order_relaxed);
	}
	rte_pktmbuf_free_bulk(cp, k);
}

void
bsdtun_capture_close(struct bsdtun_unit *u)
{
	if (bsdtun_proc(u)->pcap != NULL) {
		uint64_t end = wall_ns(), recv = 0, drop = 0;
		uint32_t i;

		for (i = 0; i < u->cfg.queues; i++) {
			recv += u->q[i].rxq.packets + u->q[i].txq.packets;
			drop += u->q[i].xs.capture_errors;
		}
		bsdtun_pcapng_write_stats(bsdtun_proc(u)->pcap, u->port_id,
					  bsdtun_proc(u)->cap_start_ns, end,
					  recv, drop);
		rte_pcapng_close(bsdtun_proc(u)->pcap); /* closes the fd too */
		bsdtun_proc(u)->pcap = NULL;
	}
	if (bsdtun_proc(u)->cap_fd >= 0) {
		close(bsdtun_proc(u)->cap_fd);
		bsdtun_proc(u)->cap_fd = -1;
	}
	rte_mempool_free(bsdtun_proc(u)->cap_mp);
	bsdtun_proc(u)->cap_mp = NULL;
}
