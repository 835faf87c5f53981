/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Not part of the client API: what the PMD's device node (bsdtun_cdev.c)
 * uses of the library it links statically.  Hidden symbols: neither
 * libbsdtun.so nor the PMD exports them.
 */
#ifndef BSDTUN_LOCAL_H
#define BSDTUN_LOCAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct bsdtun;

/*
 * Open a unit over ctl_fd, a control connection the PMD made for a caller
 * it has identified (bsdtun_ctrl_connect_local); ctl_fd is the library's
 * from now on, closed on failure too.  flags: 0 or O_NONBLOCK.
 */
struct bsdtun *bsdtun_open_local(int ctl_fd, int flags);

/*
 * The pid the following ioctls are made for (the node's caller): the PMD
 * believes it on a local connection only, for TUNSIFPID.
 */
void bsdtun_set_caller(struct bsdtun *t, pid_t pid);

/*
 * A packet of len bytes, read whole into rec, is handed to a read(2) of
 * room bytes: what the open's personality makes of the cut.  A Linux tun
 * file with tun_pi: TUN_PKT_STRIP set in rec when room < len; -1 and
 * errno EINVAL when room has no space for tun_pi (the packet is dropped).
 */
int bsdtun_read_cut(const struct bsdtun *t, uint8_t *rec, size_t len,
                    size_t room);

/* The open took the Linux personality (TUNSETIFF): Linux's errnos. */
int bsdtun_is_linux(const struct bsdtun *t);

#endif /* BSDTUN_LOCAL_H */
