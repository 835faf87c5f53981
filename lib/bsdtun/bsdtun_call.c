/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What both personalities of an open use: an ioctl forwarded to the PMD
 * on the control socket, and bytes gathered from a write's iov.  bsdtun.c
 * (BSD tun(4)) and bsdtun_linux.c (Linux tun) call into this file, and
 * bsdtun.c into bsdtun_linux.c: calls go one way, never back.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bsdtun_client.h"
#include "bsdtun_wire.h"

/* One request on the control socket and its reply (same type). */
static int
ctl_call(struct bsdtun *t, struct bsdtun_msg *req, struct bsdtun_msg *rep)
{
	ssize_t n;

	req->magic = BSDTUN_WIRE_MAGIC;
	do {
		n = send(t->ctl_fd, req, sizeof(*req), MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*req))
		return ENXIO;
	do {
		n = recv(t->ctl_fd, rep, sizeof(*rep), 0);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*rep) || rep->magic != BSDTUN_WIRE_MAGIC ||
	    rep->type != req->type)
		return ENXIO;
	return 0;
}

/* Forward one ioctl to the PMD: arg_in/arg_out may be NULL. */
int
bsdtun_ioctl_remote(struct bsdtun *t, uint32_t cmd, const void *in,
                    size_t in_len, void *out, size_t out_len)
{
	struct bsdtun_msg req, rep;
	int err;

	memset(&req, 0, sizeof(req));
	req.type = BSDTUN_MSG_IOCTL;
	req.u.ioctl.cmd = cmd;
	req.u.ioctl.pid = t->caller_pid != 0 ? t->caller_pid : getpid();
	req.u.ioctl.arg_len = (uint32_t)in_len;
	if (in_len)
		memcpy(req.u.ioctl.arg, in, in_len);
	err = ctl_call(t, &req, &rep);
	if (err == 0)
		err = rep.u.ioctl.result;
	if (err != 0) {
		errno = err;
		return -1;
	}
	t->unit_flags = rep.u.ioctl.unit_flags;
	if (out_len)
		memcpy(out, rep.u.ioctl.arg, out_len);
	return 0;
}

void
bsdtun_iov_gather(void *to, const struct iovec *iov, int iovcnt, size_t skip,
                  size_t len)
{
	uint8_t *dst = to;
	int i;

	for (i = 0; i < iovcnt && len > 0; i++) {
		size_t l = iov[i].iov_len, n;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		n = l - skip < len ? l - skip : len;
		memcpy(dst, (const uint8_t *)iov[i].iov_base + skip, n);
		dst += n;
		len -= n;
		skip = 0;
	}
}
