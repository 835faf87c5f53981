/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every ioctl the product answers, once: the request as bsdtun.h encodes it
 * (Linux _IOC, group 't' with the BSD numbers), as BSD encodes it, the
 * wire code the PMD answers it under (0: the library answers it itself),
 * the argument's direction and real size beside the size the request
 * number encodes, and the faces that take it.  The library (bsdtun.c),
 * the device node (bsdtun_cdev.c) and the control thread (bsdtun_tunioctl.c)
 * are driven by this table (bsdtun_ioctl.c); adding an ioctl is one row here and its
 * handler where it is answered.  Not installed: internal to the product.
 */
#ifndef BSDTUN_IOCTL_H
#define BSDTUN_IOCTL_H

#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <termios.h>

#include <linux/if_tun.h>

#include "bsdtun.h"
#include "bsdtun_wire.h"

enum bsdtun_arg_dir {
	BSDTUN_ARG_NONE,  /* no argument */
	BSDTUN_ARG_IN,    /* the caller's argument is read */
	BSDTUN_ARG_OUT,   /* the answer is written to the caller's argument */
	BSDTUN_ARG_INOUT, /* both */
};

/* Which API a request belongs to (bsdtun.c: which personality answers). */
enum bsdtun_api {
	BSDTUN_API_BSD,   /* BSD tun(4)/tap(4): group 't', FIO*, TIOC* */
	BSDTUN_API_LINUX, /* Linux tun (group 'T'): bsdtun_linux.c */
};

#define BSDTUN_FACE_LIB  0x1 /* bsdtun_ioctl() */
#define BSDTUN_FACE_NODE 0x2 /* ioctl(2) on the device node */

struct bsdtun_ioctl_def {
	const char *name;
	unsigned long req;     /* bsdtun.h: the Linux encoding */
	unsigned long bsd_req; /* BSD's encoding; the library takes both */
	uint32_t wire;         /* enum bsdtun_ioc the PMD answers, or 0 */
	uint8_t local;         /* the library answers it (and may send wire) */
	uint8_t dir;           /* enum bsdtun_arg_dir */
	uint8_t by_value;      /* argument passed by value, not by pointer */
	uint16_t size;         /* the argument's real size */
	uint8_t faces;         /* BSDTUN_FACE_* */
	uint8_t api;           /* enum bsdtun_api */
	/* the argument is larger than the number encodes (struct ifreq on
	 * a Linux _IOW(.., int) number): the device node reads and writes
	 * it in the caller's memory (doc/cdev.md) */
	uint8_t caller_mem;
	uint8_t wire_dir;   /* the wire argument's direction and size */
	uint16_t wire_size; /* (the PMD's side of the request) */
};

/* The number's own idea of the argument size (0: not _IOC-encoded). */
#define BSDTUN_IOC_ENCODED_SIZE(req)                                        \
	(((req) >> _IOC_TYPESHIFT & _IOC_TYPEMASK) == 't' ||                \
	                 ((req) >> _IOC_TYPESHIFT & _IOC_TYPEMASK) == 'T' ? \
	         _IOC_SIZE(req) :                                           \
	         0)

#define BSDTUN_LN (BSDTUN_FACE_LIB | BSDTUN_FACE_NODE)
#define BSDTUN_L  BSDTUN_FACE_LIB

/*
 * name, request, BSD request, wire code, direction, argument, faces, and
 * whether the library answers it itself (FIOASYNC: and tells the PMD).
 */
#define BSDTUN_IOCTLS(X)                                                       \
	X(TUNSDEBUG, BSD_TUNSDEBUG, BSDTUN_IOC_SDEBUG, IN, int, BSDTUN_LN, 0)  \
	X(TUNGDEBUG, BSD_TUNGDEBUG, BSDTUN_IOC_GDEBUG, OUT, int, BSDTUN_LN, 0) \
	X(TUNSIFINFO, BSD_TUNSIFINFO, BSDTUN_IOC_SIFINFO, IN, struct tuninfo,  \
	  BSDTUN_LN, 0)                                                        \
	X(TUNGIFINFO, BSD_TUNGIFINFO, BSDTUN_IOC_GIFINFO, OUT, struct tuninfo, \
	  BSDTUN_LN, 0)                                                        \
	X(TUNSLMODE, BSD_TUNSLMODE, BSDTUN_IOC_SLMODE, IN, int, BSDTUN_LN, 0)  \
	X(TUNSIFMODE, BSD_TUNSIFMODE, BSDTUN_IOC_SIFMODE, IN, int, BSDTUN_LN,  \
	  0)                                                                   \
	X(TUNSIFPID, BSD_TUNSIFPID, BSDTUN_IOC_SIFPID, NONE, char, BSDTUN_LN,  \
	  0)                                                                   \
	X(TUNSIFHEAD, BSD_TUNSIFHEAD, BSDTUN_IOC_SIFHEAD, IN, int, BSDTUN_LN,  \
	  0)                                                                   \
	X(TUNGIFHEAD, BSD_TUNGIFHEAD, BSDTUN_IOC_GIFHEAD, OUT, int, BSDTUN_LN, \
	  0)                                                                   \
	X(FIONREAD, BSD_FIONREAD, 0, OUT, int, BSDTUN_L, 1)                    \
	X(FIONBIO, BSD_FIONBIO, 0, IN, int, BSDTUN_L, 1)                       \
	X(FIOASYNC, BSD_FIOASYNC, BSDTUN_IOC_SASYNC, IN, int, BSDTUN_L, 1)     \
	X(FIOSETOWN, BSD_FIOSETOWN, 0, IN, int, BSDTUN_L, 1)                   \
	X(FIOGETOWN, BSD_FIOGETOWN, 0, OUT, int, BSDTUN_L, 1)                  \
	X(TIOCSPGRP, BSD_TIOCSPGRP, 0, IN, int, BSDTUN_L, 1)                   \
	X(TIOCGPGRP, BSD_TIOCGPGRP, 0, OUT, int, BSDTUN_L, 1)

#define BSDTUN_IOCTL_DEF(n, b, w, d, type, f, l)                        \
	{ .name = #n,                                                   \
	  .req = (unsigned long)(n),                                    \
	  .bsd_req = (b),                                               \
	  .wire = (w),                                                  \
	  .local = (l),                                                 \
	  .dir = BSDTUN_ARG_##d,                                        \
	  .by_value = 0,                                                \
	  .size = BSDTUN_ARG_##d == BSDTUN_ARG_NONE ? 0 : sizeof(type), \
	  .faces = (f),                                                 \
	  .api = BSDTUN_API_BSD,                                        \
	  .wire_dir = BSDTUN_ARG_##d,                                   \
	  .wire_size = BSDTUN_ARG_##d == BSDTUN_ARG_NONE ? 0 : sizeof(type) },

/*
 * tap(4) on a tap unit (FreeBSD's if_tap.h; TAPSIFINFO, TAPGIFINFO,
 * TAPSDEBUG and TAPGDEBUG are TUN*'s numbers and rows): the interface
 * name, and SIOCGIFADDR, which on a tap file is the MAC address.
 * name, request, BSD request, wire code, wire argument, user argument,
 * faces (SIOCGIFADDR is not _IOC-encoded: FUSE cannot pass it).
 */
#define BSDTUN_TAP_IOCTLS(T)                                             \
	T(TAPGIFNAME, BSD_TAPGIFNAME, BSDTUN_IOC_GIFNAME,                \
	  char[BSDTUN_IFNAMSIZ], struct ifreq, BSDTUN_LN)                \
	T(TAP_SIOCGIFADDR, BSD_SIOCGIFADDR, BSDTUN_IOC_GMAC, uint8_t[6], \
	  struct ifreq, BSDTUN_L)

#define BSDTUN_TAP_IOCTL_DEF(n, b, w, wtype, type, f) \
	{ .name = #n,                                 \
	  .req = (unsigned long)(n),                  \
	  .bsd_req = (b),                             \
	  .wire = (w),                                \
	  .local = 1,                                 \
	  .dir = BSDTUN_ARG_OUT,                      \
	  .size = sizeof(type),                       \
	  .faces = (f),                               \
	  .api = BSDTUN_API_BSD,                      \
	  .wire_dir = BSDTUN_ARG_OUT,                 \
	  .wire_size = sizeof(wtype) },

/*
 * Linux tun (<linux/if_tun.h>), answered once an open issued TUNSETIFF
 * (bsdtun_linux.c).  name, wire code (0: the library answers), wire
 * direction and argument, the caller's direction and argument, by value,
 * faces.  The device node takes what FUSE lets through: an int by
 * pointer as is, a struct ifreq through the caller's memory; by-value
 * ones fail EFAULT in the kernel before the node is asked (doc/cdev.md).
 */
#define BSDTUN_LINUX_IOCTLS(Y)                                                 \
	Y(TUNSETIFF, BSDTUN_IOC_LSETIFF, INOUT, struct bsdtun_lsetiff, INOUT,  \
	  struct ifreq, 0, BSDTUN_LN)                                          \
	Y(TUNGETIFF, BSDTUN_IOC_GIFNAME, OUT, char[BSDTUN_IFNAMSIZ], OUT,      \
	  struct ifreq, 0, BSDTUN_LN)                                          \
	Y(TUNSETQUEUE, BSDTUN_IOC_LSQUEUE, IN, int, IN, struct ifreq, 0,       \
	  BSDTUN_LN)                                                           \
	Y(TUNGETFEATURES, 0, NONE, char, OUT, unsigned int, 0, BSDTUN_LN)      \
	Y(TUNSETPERSIST, BSDTUN_IOC_LSPERSIST, IN, int, IN, int, 1, BSDTUN_LN) \
	Y(TUNSETOWNER, BSDTUN_IOC_LSOWNER, IN, int, IN, int, 1, BSDTUN_LN)     \
	Y(TUNSETGROUP, BSDTUN_IOC_LSGROUP, IN, int, IN, int, 1, BSDTUN_LN)     \
	Y(TUNSETDEBUG, BSDTUN_IOC_SDEBUG, IN, int, IN, int, 1, BSDTUN_LN)      \
	Y(TUNSETNOCSUM, 0, NONE, char, IN, int, 1, BSDTUN_LN)                  \
	Y(TUNSETOFFLOAD, BSDTUN_IOC_LSOFFLOAD, IN, int, IN, int, 1, BSDTUN_LN) \
	Y(TUNGETVNETHDRSZ, 0, NONE, char, OUT, int, 0, BSDTUN_LN)              \
	Y(TUNSETVNETHDRSZ, 0, NONE, char, IN, int, 0, BSDTUN_LN)               \
	Y(TUNGETVNETLE, 0, NONE, char, OUT, int, 0, BSDTUN_LN)                 \
	Y(TUNSETVNETLE, 0, NONE, char, IN, int, 0, BSDTUN_LN)                  \
	Y(TUNGETVNETBE, 0, NONE, char, OUT, int, 0, BSDTUN_LN)                 \
	Y(TUNSETVNETBE, 0, NONE, char, IN, int, 0, BSDTUN_LN)                  \
	Y(TUNSETLINK, 0, NONE, char, IN, int, 1, BSDTUN_LN)                    \
	Y(TUNGETSNDBUF, 0, NONE, char, OUT, int, 0, BSDTUN_LN)                 \
	Y(TUNSETSNDBUF, 0, NONE, char, IN, int, 0, BSDTUN_LN)                  \
	Y(TUNSETCARRIER, BSDTUN_IOC_LSCARRIER, IN, int, IN, int, 0, BSDTUN_LN) \
	Y(SIOCGIFHWADDR, BSDTUN_IOC_GMAC, OUT, uint8_t[6], INOUT,              \
	  struct ifreq, 0, BSDTUN_LN)                                          \
	Y(SIOCSIFHWADDR, 0, NONE, char, IN, struct ifreq, 0, BSDTUN_LN)

#define BSDTUN_LINUX_IOCTL_DEF(n, w, wd, wtype, d, type, byval, f) \
	{ .name = #n,                                              \
	  .req = (unsigned long)(n),                               \
	  .bsd_req = 0,                                            \
	  .wire = (w),                                             \
	  .local = 1,                                              \
	  .dir = BSDTUN_ARG_##d,                                   \
	  .by_value = (byval),                                     \
	  .size = sizeof(type),                                    \
	  .faces = (f),                                            \
	  .api = BSDTUN_API_LINUX,                                 \
	  .caller_mem = sizeof(type) > sizeof(int),                \
	  .wire_dir = BSDTUN_ARG_##wd,                             \
	  .wire_size =                                             \
		  BSDTUN_ARG_##wd == BSDTUN_ARG_NONE ? 0 : sizeof(wtype) },

/*
 * The table, made of the three lists above, is defined once
 * (bsdtun_ioctl.c): in the library, and in the PMD, which links that
 * object from the library's static archive.
 */
extern const struct bsdtun_ioctl_def bsdtun_ioctl_table[];
extern const size_t bsdtun_nb_ioctls;

/* The row of a request in either encoding, on a face; NULL: ENOTTY. */
const struct bsdtun_ioctl_def *bsdtun_ioctl_find(unsigned long req,
                                                 unsigned int face);

/* The row of a wire code (the control thread); NULL: ENOTTY. */
const struct bsdtun_ioctl_def *bsdtun_ioctl_find_wire(uint32_t wire);

#endif /* BSDTUN_IOCTL_H */
