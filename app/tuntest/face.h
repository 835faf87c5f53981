/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A unit as a client sees it, through either face: the library (the path is
 * the unit's control socket) or the device node (any other path: plain
 * open/read/write/ioctl/poll system calls, no libbsdtun).
 */
#ifndef TT_FACE_H
#define TT_FACE_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <bsdtun.h>

struct tt_face {
	bool node;        /* device node: plain system calls */
	struct bsdtun *t; /* library face */
	int fd;           /* device node face */
};

/* flags: 0 or O_NONBLOCK.  0, or -1 with errno as open(2) would set. */
struct bsdtun *tt_lib_open(const char *path, int flags);
int tt_face_open(struct tt_face *f, const char *path, int flags);
int tt_face_close(struct tt_face *f);
ssize_t tt_face_read(struct tt_face *f, void *buf, size_t len);
ssize_t tt_face_readv(struct tt_face *f, const struct iovec *iov, int n);
ssize_t tt_face_write(struct tt_face *f, const void *buf, size_t len);
ssize_t tt_face_writev(struct tt_face *f, const struct iovec *iov, int n);
int tt_face_ioctl(struct tt_face *f, unsigned long req, void *arg);
/* The descriptor to poll. */
int tt_face_fd(struct tt_face *f);
/* O_NONBLOCK on or off (fcntl on the node, FIONBIO on the library). */
int tt_face_nonblock(struct tt_face *f, bool on);
/* Is path a device node (not a control socket)? */
bool tt_face_is_node(const char *path);
/* An open by path that the kernel sees as a socket: the preload face. */
bool tt_face_is_socket(const struct tt_face *f);

#endif /* TT_FACE_H */
