/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libbsdtun: the client side of a net_bsdtun unit, with tun(4) semantics.
 *
 * A client opens the unit's endpoint (the control socket path given to the
 * PMD with devarg sock=) and then reads and writes one packet per call, as
 * with /dev/tunN.  Each call returns -1 and sets errno as the corresponding
 * system call on /dev/tunN would.  No DPDK dependency.
 */
#ifndef BSDTUN_H
#define BSDTUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TUNMTU        1500  /* default MTU of a unit */
#define TUNMRU        16384 /* largest write, header included */
#define TUN_IF_MINMTU 72    /* smallest MTU TUNSIFINFO accepts */

/* TUNSIFINFO / TUNGIFINFO argument, as in BSD <net/if_tun.h>. */
struct tuninfo {
	int baudrate;        /* linespeed */
	short mtu;           /* maximum transmission unit */
	unsigned char type;  /* ethernet, tokenring, etc.; IFT_PPP = 0x17 */
	unsigned char dummy; /* place holder */
};

#define TUN_IFT_PPP 0x17

/* Linux encoding on group 't' with the BSD numbers. */
#define TUNGDEBUG  _IOR('t', 89, int)
#define TUNSDEBUG  _IOW('t', 90, int)
#define TUNSIFINFO _IOW('t', 91, struct tuninfo)
#define TUNGIFINFO _IOR('t', 92, struct tuninfo)
#define TUNSLMODE  _IOW('t', 93, int)
#define TUNSIFMODE _IOW('t', 94, int)
#define TUNSIFPID  _IO('t', 95)
#define TUNSIFHEAD _IOW('t', 96, int)
#define TUNGIFHEAD _IOR('t', 97, int)

/* The same requests as BSD encodes them; bsdtun_ioctl() accepts both. */
#define BSD_TUNGDEBUG  0x40047459ul
#define BSD_TUNSDEBUG  0x8004745aul
#define BSD_TUNSIFINFO 0x8008745bul
#define BSD_TUNGIFINFO 0x4008745cul
#define BSD_TUNSLMODE  0x8004745dul
#define BSD_TUNSIFMODE 0x8004745eul
#define BSD_TUNSIFPID  0x2000745ful
#define BSD_TUNSIFHEAD 0x80047460ul
#define BSD_TUNGIFHEAD 0x40047461ul
#define BSD_FIONREAD   0x4004667ful
#define BSD_FIONBIO    0x8004667eul
#define BSD_FIOASYNC   0x8004667dul
#define BSD_FIOSETOWN  0x8004667cul
#define BSD_FIOGETOWN  0x4004667bul
#define BSD_TIOCSPGRP  0x80047476ul
#define BSD_TIOCGPGRP  0x40047477ul

/*
 * tap(4) on a tap unit (devarg mode=tap), FreeBSD's <net/if_tap.h>:
 * TAPSIFINFO/TAPGIFINFO/TAPSDEBUG/TAPGDEBUG are the TUN* requests above;
 * TAPGIFNAME puts the unit's name in ifr_name; SIOCGIFADDR on the open
 * unit writes the port's MAC address to the first 6 bytes of its argument.
 * struct ifreq comes from <net/if.h> or <linux/if.h>, whichever the program
 * includes (not both: they clash).
 */
#define TAPGIFNAME      _IOR('t', 93, struct ifreq)
#define TAP_SIOCGIFADDR SIOCGIFADDR
#define BSD_TAPGIFNAME  0x4020745dul
#define BSD_SIOCGIFADDR 0xc0206921ul

/*
 * Linux tun: bsdtun_ioctl() also answers <linux/if_tun.h>'s requests
 * (TUNSETIFF first, then TUNGETIFF, TUNSETQUEUE, ...), as a Linux tun
 * file would; see doc/behaviour.md "Linux".
 */

/* BSD address-family values a write may carry for IPv6 (IFHEAD mode). */
#define BSD_AF_INET6_NETBSD  24
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN  30

struct bsdtun;

/*
 * endpoint: control socket path; flags: 0 or O_NONBLOCK.  The endpoint must
 * be served by root or by the caller's own user (SO_PEERCRED), else open
 * fails EPERM: a socket another user put in place is not trusted with the
 * caller's traffic.  bsdtun_open_ex() also trusts server_uid (a DPDK
 * application running as that user); BSDTUN_SERVER_DEFAULT adds nobody.
 */
struct bsdtun *bsdtun_open(const char *endpoint, int flags);
#define BSDTUN_SERVER_DEFAULT ((uid_t)-1)
struct bsdtun *bsdtun_open_ex(const char *endpoint, int flags,
                              uid_t server_uid);
int bsdtun_close(struct bsdtun *t);
ssize_t bsdtun_read(struct bsdtun *t, void *buf, size_t len);
ssize_t bsdtun_write(struct bsdtun *t, const void *buf, size_t len);
ssize_t bsdtun_readv(struct bsdtun *t, const struct iovec *iov, int iovcnt);
ssize_t bsdtun_writev(struct bsdtun *t, const struct iovec *iov, int iovcnt);
int bsdtun_ioctl(struct bsdtun *t, unsigned long request, ...);
/*
 * A descriptor for poll/select/epoll: readable iff a packet is queued to
 * the client (level-triggered), or when the unit is gone (POLLHUP; read
 * then fails ENXIO).  Always writable, as the seed's tunpoll: a write never
 * blocks, it queues the packet or fails ENOBUFS (a Linux tun file, after
 * TUNSETIFF: drops the packet, counted, and returns its length, as Linux's
 * tun does).  See doc/client.md.
 */
int bsdtun_fd(struct bsdtun *t); /* not const: it arms the bell */
/*
 * The queue pair of the unit this open holds: 0 on a unit with one
 * (devarg queues=1, the default); on a multi-queue unit each open gets the
 * lowest free pair, and what it writes arrives on that rx queue.
 */
int bsdtun_queue(const struct bsdtun *t);

/*
 * Burst calls.  One packet per bsdtun_pkt; each element is filled or
 * consumed as bsdtun_read()/bsdtun_write() would, in order.
 *
 * bsdtun_read_burst: reads up to n packets that are queued now (never
 * waits, whatever the blocking mode); pkts[i].len is the buffer size on
 * entry and the bytes copied on return (truncated like read(2)).  Returns
 * the number read, 0 when none is queued, -1 on error.
 *
 * bsdtun_write_burst: writes packets in order until the ring to DPDK is
 * full; returns the number written (0 if none fits, errno ENOBUFS), or -1
 * when the first packet is invalid (errno as bsdtun_write()).  A later
 * invalid packet stops the burst before it.  A Linux tun file's too: the
 * caller learns what did not fit, nothing is dropped.
 */
struct bsdtun_pkt {
	void *buf;
	size_t len;
};
int bsdtun_read_burst(struct bsdtun *t, struct bsdtun_pkt *pkts, int n);
int bsdtun_write_burst(struct bsdtun *t, const struct bsdtun_pkt *pkts, int n);

#ifdef __cplusplus
}
#endif

#endif /* BSDTUN_H */
