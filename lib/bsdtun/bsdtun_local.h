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

/*
 * The preload face (bsdtun_preload.c) hides an open behind a descriptor of
 * the program's.  bsdtun_relocate_fds() moves the open's own descriptors
 * to numbers >= min (close-on-exec), out of the program's way; 0 or -1.
 * bsdtun_ctl_fd() is the control socket.  bsdtun_resync() takes the rings'
 * positions from shared memory, after another process (a fork sharing the
 * open) used them; 0, or -1 errno EIO.  bsdtun_release() frees this
 * process's share of an open that another process still holds: no
 * goodbye to the PMD, which sees the session end when the last holder's
 * control socket closes.
 */
int bsdtun_relocate_fds(struct bsdtun *t, int min);
int bsdtun_ctl_fd(const struct bsdtun *t);
int bsdtun_resync(struct bsdtun *t);
void bsdtun_release(struct bsdtun *t);
/*
 * bsdtun_fd() readable only while a packet is queued, as a kernel tun
 * (the preload face: a program may read a blocking descriptor it was told
 * is readable).  The bell is drained when a read empties the ring, and an
 * arming waits, 100 ms at most, for the PMD's answer to its RING.
 */
void bsdtun_set_strict(struct bsdtun *t);

#endif /* BSDTUN_LOCAL_H */
