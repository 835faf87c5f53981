/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bsdtun wire format: what the DPDK process (the PMD) and the client process
 * share.  No DPDK types here; both sides include this file.  doc/wire.md
 * explains every field; keep the two in step.
 *
 * Directions are always named from the packet's point of view:
 *   to_client  PMD tx_burst produces, client read(2) consumes
 *   to_dpdk    client write(2) produces, PMD rx_burst consumes
 */
#ifndef BSDTUN_WIRE_H
#define BSDTUN_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define BSDTUN_WIRE_MAGIC   0x4e555442u /* "BTUN" little-endian */
#define BSDTUN_WIRE_VERSION 2u

#define BSDTUN_CACHE_LINE 64u

/* Largest write(2) the client may issue, header included (seed TUNMRU). */
#define BSDTUN_MRU           16384u /* TUNMRU */
#define BSDTUN_MIN_MTU       72u    /* IF_MINMTU, TUN_IF_MINMTU */
#define BSDTUN_DEFAULT_MTU   1500u  /* TUNMTU */
/* Largest header the PMD prepends on the to_client ring (LMODE sockaddr_in). */
#define BSDTUN_MAX_FRAME_HDR 16u
/* Bytes of struct bsdtun_rec_vnet (below) at a record's start. */
#define BSDTUN_REC_VNET      16u
/* Largest packet of a GSO record (IFF_VNET_HDR): an IP packet of 64 KiB
 * less one byte, in an Ethernet frame on a tap unit. */
#define BSDTUN_GSO_MAX_PKT   (65535u + 14u)
/* Largest record payload on either ring. */
#define BSDTUN_REC_MAX_LEN \
	(BSDTUN_GSO_MAX_PKT + BSDTUN_MAX_FRAME_HDR + BSDTUN_REC_VNET)

/* Queue depth bounds (devarg qlen); default is the seed's ifqmaxlen. */
#define BSDTUN_QLEN_DEFAULT   50u
#define BSDTUN_QLEN_MIN       1u
#define BSDTUN_QLEN_MAX       65536u
/* Queue pairs of one unit (devarg queues=): one open holds one. */
#define BSDTUN_QUEUES_MAX     16u
/* Upper bound of one ring's data area; see doc/wire.md "Sizing". */
#define BSDTUN_RING_BYTES_MAX (32u << 20)

/*
 * Record: one packet on a ring.  Records start on an 8-byte boundary of the
 * ring's data area and never wrap: when a record does not fit before the
 * end of the data area, the producer writes a header with
 * BSDTUN_REC_F_WRAP there and continues at offset 0.
 */
struct bsdtun_rec {
	uint32_t len; /* payload bytes following this header */
	/* to_dpdk: host AF_INET/AF_INET6 of the payload (tap units: 0,
	 * the payload is an Ethernet frame); to_client: 0 */
	uint16_t family;
	uint16_t flags; /* BSDTUN_REC_F_* */
};
#define BSDTUN_REC_F_WRAP 0x0001u /* skip to offset 0; len is 0 */
/*
 * The payload starts with struct bsdtun_rec_vnet (len counts it), then the
 * packet.  Meaningful only on a pair whose open asked IFF_VNET_HDR
 * (BSDTUN_UNIT_F_LINUX_VNET); ignored, as any unknown bit, elsewhere.
 */
#define BSDTUN_REC_F_VNET 0x0002u

/*
 * A Linux tun file's virtio-net header (<linux/virtio_net.h>, struct
 * virtio_net_hdr) in host byte order, as the record carries it: what the
 * client wrote (to_dpdk) or what the client is to read (to_client).
 * Offsets count from the record's packet (after this structure): the IP
 * header on a tun unit, the Ethernet header on a tap unit.  Both sides
 * validate it as untrusted (doc/wire.md, section 3).
 */
struct bsdtun_rec_vnet {
	uint8_t flags;        /* BSDTUN_VNET_F_* */
	uint8_t gso_type;     /* BSDTUN_VNET_GSO_* */
	uint16_t hdr_len;     /* bytes of headers (L2 to L4) */
	uint16_t gso_size;    /* payload bytes per segment (MSS) */
	uint16_t csum_start;  /* checksum from here to the end ... */
	uint16_t csum_offset; /* ... stored at csum_start + csum_offset */
	uint16_t pad[3];      /* 0 */
};
_Static_assert(sizeof(struct bsdtun_rec_vnet) == BSDTUN_REC_VNET,
               "struct bsdtun_rec_vnet");
#define BSDTUN_VNET_F_NEEDS_CSUM 0x01u /* VIRTIO_NET_HDR_F_NEEDS_CSUM */
#define BSDTUN_VNET_F_DATA_VALID 0x02u /* VIRTIO_NET_HDR_F_DATA_VALID */
#define BSDTUN_VNET_GSO_NONE     0x00u
#define BSDTUN_VNET_GSO_TCPV4    0x01u
#define BSDTUN_VNET_GSO_UDP      0x03u
#define BSDTUN_VNET_GSO_TCPV6    0x04u
#define BSDTUN_VNET_GSO_UDP_L4   0x05u
#define BSDTUN_VNET_GSO_ECN      0x80u
#define BSDTUN_REC_ALIGN         8u
#define BSDTUN_REC_HDR           ((uint32_t)sizeof(struct bsdtun_rec))

/* Bytes a record of payload len occupies on the ring. */
static inline uint32_t
bsdtun_rec_size(uint32_t len)
{
	return (BSDTUN_REC_HDR + len + BSDTUN_REC_ALIGN - 1) &
	       ~(BSDTUN_REC_ALIGN - 1);
}

/*
 * Ring control block.  Producer and consumer fields live on separate cache
 * lines.  Positions are free-running byte counters (offset = pos & mask);
 * packet counters are free-running too.  Each side keeps its own position
 * privately and only *publishes* it here: nobody reads back a value it
 * wrote, so a peer scribbling on the other side's field cannot steer it.
 */
struct bsdtun_ring_ctl {
	/* written by the producer only */
	uint64_t head;      /* bytes produced; release-stored last */
	uint64_t head_pkts; /* packets produced */
	uint8_t pad0[BSDTUN_CACHE_LINE - 16];
	/* written by the consumer (and cleared by the producer, see armed) */
	uint64_t tail;      /* bytes consumed; release-stored last */
	uint64_t tail_pkts; /* packets consumed */
	uint32_t armed;     /* consumer sleeps: producer must ring bell */
	/* to_dpdk only, set by the PMD: the app may sleep (rx interrupts),
	 * so after publishing the client looks at armed */
	uint32_t intr;
	uint8_t pad1[BSDTUN_CACHE_LINE - 24];
};

/*
 * Region: one memfd per client session, created by the PMD, sealed against
 * shrinking and growing, mapped by both.  The header page is written by the
 * PMD before the region is handed over; afterwards only `state` changes,
 * and the client's counters on the header's second cache line.
 */
struct bsdtun_region_hdr {
	uint32_t magic;          /* BSDTUN_WIRE_MAGIC */
	uint32_t version;        /* BSDTUN_WIRE_VERSION */
	uint64_t region_size;    /* bytes of the whole memfd */
	uint32_t qlen;           /* packets per ring */
	uint32_t ring_bytes;     /* data area per ring, power of two */
	uint64_t to_client_ctl;  /* offset of struct bsdtun_ring_ctl */
	uint64_t to_client_data; /* offset of its data area */
	uint64_t to_dpdk_ctl;
	uint64_t to_dpdk_data;
	uint32_t state; /* BSDTUN_STATE_* (PMD writes) */
	uint32_t queue; /* queue pair of the unit this session holds */
	/*
	 * Written by the client only (offset 64, a cache line of its own);
	 * the PMD reads it as the client's claim, never trusting it.
	 * Packets a Linux tun file's write dropped, the to_dpdk ring full.
	 */
	uint64_t to_dpdk_full_drops;
};
_Static_assert(offsetof(struct bsdtun_region_hdr, to_dpdk_full_drops) ==
                       BSDTUN_CACHE_LINE,
               "the client's counters: the header's second cache line");
#define BSDTUN_STATE_OPEN   1u /* session live */
#define BSDTUN_STATE_CLOSED 2u /* PMD closed the session */

/*
 * Control messages: Unix SOCK_SEQPACKET socket, one message per datagram,
 * host byte order.  The client sends HELLO, the PMD answers WELCOME (with
 * SCM_RIGHTS: region memfd, then the client end of the bell socket pair)
 * or ERROR; then the
 * client sends IOCTL requests, each answered by an IOCTL reply.  Closing the
 * socket closes the unit.
 */
enum bsdtun_msg_type {
	BSDTUN_MSG_HELLO = 1,   /* client -> PMD */
	BSDTUN_MSG_WELCOME = 2, /* PMD -> client, carries 2 fds */
	BSDTUN_MSG_ERROR = 3,   /* PMD -> client, then PMD closes */
	BSDTUN_MSG_IOCTL = 4,   /* both ways: request and reply */
	BSDTUN_MSG_RING = 5,    /* client -> PMD, no reply: ring my bell */
};

#define BSDTUN_IOCTL_ARG_MAX 32u

struct bsdtun_msg {
	uint32_t type;  /* enum bsdtun_msg_type */
	uint32_t magic; /* BSDTUN_WIRE_MAGIC */
	union {
		struct {
			uint32_t version; /* BSDTUN_WIRE_VERSION */
			int32_t pid;      /* informative */
		} hello;
		struct {
			uint32_t version;
			uint32_t flags; /* BSDTUN_UNIT_F_* at open */
			uint64_t region_size;
		} welcome;
		struct {
			int32_t err; /* positive errno */
		} error;
		struct {
			uint32_t cmd;        /* BSDTUN_IOC_* (canonical) */
			int32_t result;      /* reply: 0 or positive errno */
			int32_t pid;         /* request: caller's pid */
			uint32_t unit_flags; /* reply: BSDTUN_UNIT_F_* now */
			uint32_t arg_len;    /* bytes of arg used */
			uint8_t arg[BSDTUN_IOCTL_ARG_MAX];
		} ioctl;
	} u;
};

/* Unit flags reported in WELCOME and in ioctl replies. */
#define BSDTUN_UNIT_F_IFHEAD     0x0001u
#define BSDTUN_UNIT_F_LMODE      0x0002u
/* this open speaks Linux tun (it issued TUNSETIFF); until its close */
#define BSDTUN_UNIT_F_LINUX      0x0004u
/* ... and every packet to it starts with struct tun_pi (no IFF_NO_PI) */
#define BSDTUN_UNIT_F_LINUX_PI   0x0008u
/* ... and TUNSETQUEUE detached its queue pair */
#define BSDTUN_UNIT_F_DETACHED   0x0010u
/* ... and it asked IFF_VNET_HDR: records may carry BSDTUN_REC_F_VNET */
#define BSDTUN_UNIT_F_LINUX_VNET 0x0020u
/* the unit's: a tap unit (devarg mode=tap): records are Ethernet frames */
#define BSDTUN_UNIT_F_TAP        0x0100u
/* the unit's: TUNSETPERSIST on */
#define BSDTUN_UNIT_F_PERSIST    0x0200u

/* Every Linux-personality flag of a pair: the open's, cleared at close. */
#define BSDTUN_UNIT_F_LINUX_ALL                         \
	(BSDTUN_UNIT_F_LINUX | BSDTUN_UNIT_F_LINUX_PI | \
	 BSDTUN_UNIT_F_DETACHED | BSDTUN_UNIT_F_LINUX_VNET)

/* The Linux IFF_* values of <linux/if_tun.h> LSETIFF carries. */
#define BSDTUN_LINUX_IFF_TUN         0x0001u
#define BSDTUN_LINUX_IFF_TAP         0x0002u
#define BSDTUN_LINUX_IFF_NO_PI       0x1000u
#define BSDTUN_LINUX_IFF_MULTI_QUEUE 0x0100u
#define BSDTUN_LINUX_IFF_VNET_HDR    0x4000u

/* TUNSETOFFLOAD's TUN_F_* (<linux/if_tun.h>; USO4/6 are Linux 6.2's). */
#define BSDTUN_TUN_F_CSUM    0x01u
#define BSDTUN_TUN_F_TSO4    0x02u
#define BSDTUN_TUN_F_TSO6    0x04u
#define BSDTUN_TUN_F_TSO_ECN 0x08u
#define BSDTUN_TUN_F_UFO     0x10u
#define BSDTUN_TUN_F_USO4    0x20u
#define BSDTUN_TUN_F_USO6    0x40u
/* What LSOFFLOAD takes (UFO is taken by TUNSETOFFLOAD and ignored). */
#define BSDTUN_VNET_OFFLOADS                                         \
	(BSDTUN_TUN_F_CSUM | BSDTUN_TUN_F_TSO4 | BSDTUN_TUN_F_TSO6 | \
	 BSDTUN_TUN_F_TSO_ECN | BSDTUN_TUN_F_USO4 | BSDTUN_TUN_F_USO6)

/* Interface names (Linux IFNAMSIZ, BSD IFNAMSIZ): 15 bytes and a NUL. */
#define BSDTUN_IFNAMSIZ 16u

/* BSDTUN_IOC_LSETIFF's argument: in the flags, out the unit's name. */
struct bsdtun_lsetiff {
	uint32_t flags;             /* in: Linux IFF_* of the request */
	char name[BSDTUN_IFNAMSIZ]; /* out: the unit's interface name */
};

/*
 * Canonical ioctl codes on the wire (independent of the encoding the client
 * used).  The argument is copied in for S*, out for G*.
 */
enum bsdtun_ioc {
	BSDTUN_IOC_SIFINFO = 1,  /* struct tuninfo in */
	BSDTUN_IOC_GIFINFO,      /* struct tuninfo out */
	BSDTUN_IOC_SDEBUG,       /* int in */
	BSDTUN_IOC_GDEBUG,       /* int out */
	BSDTUN_IOC_SLMODE,       /* int in */
	BSDTUN_IOC_SIFHEAD,      /* int in */
	BSDTUN_IOC_GIFHEAD,      /* int out */
	BSDTUN_IOC_SIFMODE,      /* int in */
	BSDTUN_IOC_SIFPID,       /* no arg; the kernel's SCM_CREDENTIALS pid */
	BSDTUN_IOC_SASYNC,       /* int in: FIOASYNC (ring per burst) */
	BSDTUN_IOC_SOWN_RETIRED, /* was FIOSETOWN: ENOTTY (client-side now) */
	BSDTUN_IOC_GOWN_RETIRED, /* was FIOGETOWN: ENOTTY */
	BSDTUN_IOC_LSETIFF,      /* struct bsdtun_lsetiff: Linux TUNSETIFF */
	BSDTUN_IOC_LSQUEUE,      /* int in: TUNSETQUEUE, 1 attach 0 detach */
	BSDTUN_IOC_LSPERSIST,    /* int in: TUNSETPERSIST */
	BSDTUN_IOC_LSOWNER,      /* int in: TUNSETOWNER, uid or -1 */
	BSDTUN_IOC_LSGROUP,      /* int in: TUNSETGROUP, gid or -1 */
	BSDTUN_IOC_LSCARRIER,    /* int in: TUNSETCARRIER, the DPDK link */
	BSDTUN_IOC_GIFNAME,      /* char[16] out: the unit's interface name */
	BSDTUN_IOC_GMAC,         /* uint8_t[6] out: tap: the port's MAC */
	BSDTUN_IOC_LSOFFLOAD,    /* int in: TUNSETOFFLOAD, the TUN_F_* taken */
};

/*
 * Bell: a SOCK_SEQPACKET socket pair per session.  The PMD sends one
 * 1-byte datagram when it publishes to_client records and finds `armed`
 * set (it clears armed first).  The client end is what bsdtun_fd() returns:
 * readable iff a packet is queued, POLLHUP when the DPDK side is gone.
 */
#define BSDTUN_BELL_BYTE  0x62u
/* The datagram that answers a client's BSDTUN_MSG_RING (same meaning;
 * a client that counts its RINGs can tell when the answer is in). */
#define BSDTUN_BELL_REPLY 0x72u

/*
 * One message on a control socket with descriptors (SCM_RIGHTS), as both
 * sides pass them (WELCOME: the memfd, then the bell).  At most
 * BSDTUN_MSG_FDS_MAX descriptors.
 */
#define BSDTUN_MSG_FDS_MAX 4

/* Send m with nfds descriptors; returns sendmsg()'s result. */
static inline ssize_t
bsdtun_msg_send(int sock, const struct bsdtun_msg *m, const int *fds,
                unsigned int nfds, int flags)
{
	union {
		char buf[CMSG_SPACE(BSDTUN_MSG_FDS_MAX * sizeof(int))];
		struct cmsghdr align;
	} c;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)m,
		             .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *h;

	if (nfds > BSDTUN_MSG_FDS_MAX)
		nfds = BSDTUN_MSG_FDS_MAX;
	if (nfds > 0) {
		memset(&c, 0, sizeof(c));
		mh.msg_control = c.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		h = CMSG_FIRSTHDR(&mh);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(h), fds, nfds * sizeof(int));
	}
	return sendmsg(sock, &mh, flags | MSG_NOSIGNAL);
}

/*
 * Receive one message into m (its real length with MSG_TRUNC in flags) and
 * what came with it: the descriptors, the first max into fds (the rest
 * closed), *nfds how many were kept; the sender's pid from SCM_CREDENTIALS
 * into *pid (0 when the receiving socket has no SO_PASSCRED).
 * MSG_CMSG_CLOEXEC is added.  *extra (if not NULL) tells that something
 * came that the caller did not take: descriptors beyond max, ancillary
 * data the kernel dropped (MSG_CTRUNC), or of another kind.  Returns
 * recvmsg()'s result.
 */
static inline ssize_t
bsdtun_msg_recv(int sock, struct bsdtun_msg *m, int *fds, int max, int *nfds,
                int *extra, pid_t *pid, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred)) +
		         CMSG_SPACE(BSDTUN_MSG_FDS_MAX * sizeof(int))];
		struct cmsghdr align;
	} c;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = c.buf,
		.msg_controllen = sizeof(c.buf),
	};
	struct cmsghdr *h;
	int got = 0, more = 0;
	ssize_t n = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);

	if (pid != NULL)
		*pid = 0;
	if (n >= 0) {
		more = (mh.msg_flags & MSG_CTRUNC) != 0;
		for (h = CMSG_FIRSTHDR(&mh); h != NULL;
		     h = CMSG_NXTHDR(&mh, h)) {
			size_t i, k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			struct ucred cr;

			if (h->cmsg_level == SOL_SOCKET &&
			    h->cmsg_type == SCM_CREDENTIALS &&
			    h->cmsg_len == CMSG_LEN(sizeof(cr))) {
				memcpy(&cr, CMSG_DATA(h), sizeof(cr));
				if (pid != NULL)
					*pid = cr.pid;
				continue;
			}
			if (h->cmsg_level != SOL_SOCKET ||
			    h->cmsg_type != SCM_RIGHTS) {
				more = 1;
				continue;
			}
			for (i = 0; i < k; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(h) + i * sizeof(int),
				       sizeof(fd));
				if (got < max) {
					fds[got++] = fd;
				} else {
					close(fd);
					more = 1;
				}
			}
		}
	}
	if (nfds != NULL)
		*nfds = got;
	if (extra != NULL)
		*extra = more;
	return n;
}

#endif /* BSDTUN_WIRE_H */
