/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "face.h"

bool
tt_face_is_node(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISSOCK(st.st_mode);
}

/*
 * libbsdtun trusts an endpoint served by root or by our own user; the
 * environment variable TUNTEST_SERVER_UID names one more (a DPDK
 * application running as another user).
 */
struct bsdtun *
tt_lib_open(const char *path, int flags)
{
	const char *v = getenv("TUNTEST_SERVER_UID");

	return bsdtun_open_ex(path, flags,
	                      v != NULL && *v != '\0' ?
	                              (uid_t)strtoul(v, NULL, 10) :
	                              BSDTUN_SERVER_DEFAULT);
}

bool
tt_face_is_socket(const struct tt_face *f)
{
	struct stat st;

	return f->node && fstat(f->fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

int
tt_face_open(struct tt_face *f, const char *path, int flags)
{
	f->node = tt_face_is_node(path);
	f->t = NULL;
	f->fd = -1;
	if (f->node) {
		f->fd = open(path, O_RDWR | O_CLOEXEC | flags);
		return f->fd < 0 ? -1 : 0;
	}
	f->t = tt_lib_open(path, flags);
	return f->t == NULL ? -1 : 0;
}

int
tt_face_close(struct tt_face *f)
{
	int r = f->node ? close(f->fd) : bsdtun_close(f->t);

	f->fd = -1;
	f->t = NULL;
	return r;
}

ssize_t
tt_face_read(struct tt_face *f, void *buf, size_t len)
{
	return f->node ? read(f->fd, buf, len) : bsdtun_read(f->t, buf, len);
}

ssize_t
tt_face_readv(struct tt_face *f, const struct iovec *iov, int n)
{
	return f->node ? readv(f->fd, iov, n) : bsdtun_readv(f->t, iov, n);
}

ssize_t
tt_face_write(struct tt_face *f, const void *buf, size_t len)
{
	return f->node ? write(f->fd, buf, len) : bsdtun_write(f->t, buf, len);
}

ssize_t
tt_face_writev(struct tt_face *f, const struct iovec *iov, int n)
{
	return f->node ? writev(f->fd, iov, n) : bsdtun_writev(f->t, iov, n);
}

int
tt_face_ioctl(struct tt_face *f, unsigned long req, void *arg)
{
	return f->node ? ioctl(f->fd, req, arg) : bsdtun_ioctl(f->t, req, arg);
}

int
tt_face_fd(struct tt_face *f)
{
	return f->node ? f->fd : bsdtun_fd(f->t);
}

int
tt_face_nonblock(struct tt_face *f, bool on)
{
	int v = on;

	if (f->node) {
		int fl = fcntl(f->fd, F_GETFL);

		if (fl < 0)
			return -1;
		return fcntl(f->fd, F_SETFL,
		             on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
	}
	return bsdtun_ioctl(f->t, FIONBIO, &v);
}
