/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Not part of the client API: what the PMD's device node (bsdtun_cdev.c)
 * uses of the library it links statically.  Hidden symbols: neither
 * libbsdtun.so nor the PMD exports them.
 */
#ifndef BSDTUN_LOCAL_H
#define BSDTUN_LOCAL_H

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

/* The open took the Linux personality (TUNSETIFF): Linux's errnos. */
int bsdtun_is_linux(const struct bsdtun *t);

#endif /* BSDTUN_LOCAL_H */
