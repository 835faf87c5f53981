/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device node (bsdtun_cdev.c) and the rest of the PMD: everything one
 * says to the other, and nothing else crosses.  The node includes this
 * header, the client library's (bsdtun.h, bsdtun_local.h, bsdtun_ioctl.h)
 * and DPDK's and the system's, never bsdtun_internal.h: it sees a unit as
 * a copy of a few settings (struct bsdtun_node_view) and a handle it
 * passes back, never dereferences.  bsdtun_internal.h includes this
 * header, so the PMD's files use these same declarations.
 *
 * What the node may call (each declared below, with its owner):
 *  - bsdtun_ctrl_admitted, bsdtun_ctrl_connect_local: admission and an
 *    open's control connection (bsdtun_ctrl.c);
 *  - bsdtun_port_count_busy, bsdtun_port_count_purged: the two xstats it
 *    counts (bsdtun_port.c);
 *  - bsdtun_path_check, bsdtun_path_proc, bsdtun_path_close: PATH, checked
 *    once and used through its directory after (bsdtun_path.c);
 *  - bsdtun_node_log (BSDTUN_NODE_LOG, BSDTUN_NODE_CLIENT_LOG,
 *    BSDTUN_NODE_DEBUG), bsdtun_node_vlog: the unit's log lines
 *    (bsdtun_log.c);
 *  - from bsdtun_compat.h, the DPDK release's API and no PMD state:
 *    bsdtun_thread_create, bsdtun_thread_join (its serving thread, a DPDK
 *    control thread) and the rte_atomic_*_explicit of every release (its
 *    own jobs' counts).
 * What the PMD calls of the node: bsdtun_cdev_attach, bsdtun_cdev_detach.
 */
#ifndef BSDTUN_CDEV_H
#define BSDTUN_CDEV_H

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_log.h>

#include "bsdtun_compat.h"

struct bsdtun_unit; /* the PMD's; the node only passes it back */
struct bsdtun_cdev; /* the node's; the PMD only passes it back */

/* What the node knows of its unit: filled by the PMD at attach, copied. */
struct bsdtun_node_view {
	struct bsdtun_unit *unit;        /* the handle the calls below take */
	char name[RTE_DEV_NAME_MAX_LEN]; /* the vdev's: the mount's fsname */
	char path[PATH_MAX];             /* cdev=PATH, never "" */
	uint16_t port_id;                /* names the serving thread */
	uint32_t queues;                 /* queue pairs: files open at once */
	uint32_t perm;                   /* perm=: the node's mode bits */
	uid_t owner;                     /* owner=: the node's owner */
	gid_t group;                     /* group=: the node's group */
};

/* ---- the PMD, for the node ------------------------------------------------ */

/* bsdtun_ctrl.c: may the peer with these credentials open the unit? 1/0 */
int bsdtun_ctrl_admitted(const struct bsdtun_unit *u, const struct ucred *cr);
/* bsdtun_ctrl.c: a control connection made for the caller cr (admission,
 * EBUSY and its pid decided at its HELLO); the node's end or -errno */
int bsdtun_ctrl_connect_local(struct bsdtun_unit *u, const struct ucred *cr);

/* bsdtun_port.c: one open refused, every queue pair held (xstat
 * client_refused_busy; the control thread counts it too) */
void bsdtun_port_count_busy(struct bsdtun_unit *u);
/* bsdtun_port.c: n packets queued to pair qid's client purged at its close
 * (xstat to_client_purged; the control thread counts it too) */
void bsdtun_port_count_purged(struct bsdtun_unit *u, uint32_t qid, uint64_t n);

/* A checked devarg path (bsdtun_path.c): its directory and name there. */
struct bsdtun_path {
	int dirfd; /* O_PATH; -1 = none */
	char leaf[NAME_MAX + 1];
};

/* bsdtun_path.c: a devarg path nobody untrusted can redirect, or -errno
 * (one log line naming key, path and the reason).  On success *at holds
 * the checked directory (O_PATH, the caller closes it with
 * bsdtun_path_close) and the file's name in it: use only those after. */
int bsdtun_path_check(const struct bsdtun_unit *u, const char *key,
		      const char *path, int mkdir_dir, struct bsdtun_path *at);
/* "/proc/self/fd/DIRFD/NAME" (name NULL: the leaf) for calls that take
 * only a path; -ENAMETOOLONG when it does not fit len */
int bsdtun_path_proc(const struct bsdtun_path *at, const char *name, char *buf,
		     size_t len);
/* bsdtun_path.c: close the checked directory (none: nothing) */
void bsdtun_path_close(struct bsdtun_path *at);

/* Whose line a node's log line is (bsdtun_node_log). */
enum bsdtun_node_log_kind {
	BSDTUN_NODE_LOG_PMD,    /* the PMD's own, as BSDTUN_LOG */
	BSDTUN_NODE_LOG_CLIENT, /* a client's doing: BSDTUN_CLIENT_LOG's budget */
	BSDTUN_NODE_LOG_DEBUG, /* TUNSDEBUG: BSDTUN_DEBUG, while it is on */
};

/* bsdtun_log.c: one line "func(): NAME: ..." of unit u at level
 * (RTE_LOG_*), on the driver's logtype; fmt has no newline */
void bsdtun_node_log(struct bsdtun_unit *u, uint32_t level,
		     enum bsdtun_node_log_kind kind, const char *func,
		     const char *fmt, ...) __rte_format_printf(5, 6);
/* bsdtun_log.c: a line as given (libfuse's own), on the driver's logtype */
void bsdtun_node_vlog(uint32_t level, const char *fmt, va_list ap)
	__rte_format_printf(2, 0);

#define BSDTUN_NODE_LOG(level, u, fmt, ...)                                  \
	bsdtun_node_log((u), RTE_LOG_##level, BSDTUN_NODE_LOG_PMD, __func__, \
			fmt, ##__VA_ARGS__)
#define BSDTUN_NODE_CLIENT_LOG(level, u, fmt, ...)                    \
	bsdtun_node_log((u), RTE_LOG_##level, BSDTUN_NODE_LOG_CLIENT, \
			__func__, fmt, ##__VA_ARGS__)
#define BSDTUN_NODE_DEBUG(u, fmt, ...)                                        \
	bsdtun_node_log((u), RTE_LOG_NOTICE, BSDTUN_NODE_LOG_DEBUG, __func__, \
			"debug: " fmt, ##__VA_ARGS__)

/* ---- the node, for the PMD (stubs when built without libfuse3) ------------ */

#ifdef BSDTUN_CDEV
/* Mount the node v describes and serve it on a thread of its own; *cd is
 * then its handle.  0 or -errno (logged). */
int bsdtun_cdev_attach(const struct bsdtun_node_view *v,
		       struct bsdtun_cdev **cd);
/* Stop serving cd (NULL: none), fail its open files, unmount it. */
void bsdtun_cdev_detach(struct bsdtun_cdev *cd);
#else
static inline int
bsdtun_cdev_attach(const struct bsdtun_node_view *v, struct bsdtun_cdev **cd)
{
	(void)v; /* parse_arg() refused cdev=PATH */
	*cd = NULL;
	return 0;
}
static inline void
bsdtun_cdev_detach(struct bsdtun_cdev *cd)
{
	(void)cd;
}
#endif

#endif /* BSDTUN_CDEV_H */
