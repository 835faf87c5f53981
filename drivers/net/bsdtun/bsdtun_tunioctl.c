/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ioctls a session's client makes (the seed's tunioctl), both
 * personalities: tun(4)'s requests and the Linux tun file's (TUNSETIFF and
 * what it enables).  They change the unit or the open's queue pair, under
 * ctrl.lock, on the control thread (bsdtun_session.c receives them).  A
 * unit-wide setting a user that is not root changed is put back at its
 * last close (bsdtun_undo_settings).  The ioctl table: bsdtun_ioctl.h.
 */
#include <net/if.h>
#include <string.h>

#include "bsdtun_compat.h"
#include "bsdtun_internal.h"
#include "bsdtun_ioctl.h"
#include "bsdtun_ctrl_priv.h"

/* Host IFF_MULTICAST, and BSD's, which TUNSIFMODE also accepts. */
#define BSD_IFF_MULTICAST 0x8000

void
bsdtun_set_flag(struct bsdtun_queue *qp, uint32_t set, uint32_t clear)
{
	uint32_t f = (qp->flags | set) & ~clear;

	rte_atomic_store_explicit(&qp->flags, f, rte_memory_order_release);
}

/* The unit's interface name: its vdev name, cut to what IFNAMSIZ holds. */
static void
unit_ifname(const struct bsdtun_unit *u, char name[BSDTUN_IFNAMSIZ])
{
	memset(name, 0, BSDTUN_IFNAMSIZ);
	memcpy(name, u->name, RTE_MIN(strlen(u->name), BSDTUN_IFNAMSIZ - 1));
}

/*
 * May the open s change the unit-wide setting bit (BSDTUN_UNDO_*)?  The
 * unit is the DPDK application's (devargs owner, group, perm), not its
 * first client's: root's change stands; another user's is put back when
 * its last open of the unit closes (bsdtun_undo_settings), so the value from
 * before is kept at its first change.  While another user (root too)
 * holds a pair of the unit, the setting is that user's as well: EPERM.
 * Returns 0 or EPERM; the caller then makes the change.
 */
static int
unit_setting(struct bsdtun_unit *u, const struct bsdtun_session *s,
	     uint32_t bit) CTRL_LOCKED
{
	struct bsdtun_undo *ud = &bsdtun_proc(u)->undo;
	uint32_t i;

	if (s->uid == 0) {
		ud->what &= ~bit;
		return 0;
	}
	for (i = 0; i < u->cfg.queues; i++) {
		const struct bsdtun_session *o =
			bsdtun_sess_ctrl(&bsdtun_proc(u)->q[i]);

		if (o != NULL && o->uid != s->uid)
			return EPERM;
	}
	if (ud->what != 0 && ud->uid != s->uid)
		return EPERM; /* not reached: put back at that user's close */
	if (ud->what & bit)
		return 0; /* the value from before is kept already */
	ud->what |= bit;
	ud->uid = s->uid;
	switch (bit) {
	case BSDTUN_UNDO_DEBUG:
		ud->debug = u->debug;
		break;
	case BSDTUN_UNDO_PERSIST:
		ud->persist = u->persist;
		break;
	case BSDTUN_UNDO_OWNER:
		ud->lx_owner = u->lx_owner;
		break;
	case BSDTUN_UNDO_GROUP:
		ud->lx_group = u->lx_group;
		break;
	case BSDTUN_UNDO_CARRIER:
		ud->carrier_off = rte_atomic_load_explicit(
			&u->carrier_off, rte_memory_order_relaxed);
		break;
	case BSDTUN_UNDO_INFO:
		ud->mtu = bsdtun_port_mtu(u);
		ud->if_type = u->if_type;
		ud->baudrate = u->baudrate;
		break;
	}
	return 0;
}

/*
 * An open of uid closed: if it was that user's last open of the unit, put
 * back what it changed (unit_setting).  The MTU only if it is still the
 * user's (the app or root may have set another since).  The caller
 * updates the link (TUNSETCARRIER).
 */
void
bsdtun_undo_settings(struct bsdtun_unit *u, uid_t uid) CTRL_LOCKED
{
	struct bsdtun_undo *ud = &bsdtun_proc(u)->undo;
	uint32_t i;

	if (ud->what == 0 || ud->uid != uid)
		return;
	for (i = 0; i < u->cfg.queues; i++)
		if (bsdtun_sess_ctrl(&bsdtun_proc(u)->q[i]) != NULL &&
		    bsdtun_sess_ctrl(&bsdtun_proc(u)->q[i])->uid == uid)
			return;
	if (ud->what & BSDTUN_UNDO_DEBUG)
		u->debug = ud->debug;
	if (ud->what & BSDTUN_UNDO_PERSIST)
		u->persist = ud->persist;
	if (ud->what & BSDTUN_UNDO_OWNER)
		u->lx_owner = ud->lx_owner;
	if (ud->what & BSDTUN_UNDO_GROUP)
		u->lx_group = ud->lx_group;
	if (ud->what & BSDTUN_UNDO_CARRIER)
		rte_atomic_store_explicit(&u->carrier_off, ud->carrier_off,
					  rte_memory_order_relaxed);
	if (ud->what & BSDTUN_UNDO_INFO) {
		bsdtun_port_mtu_restore(u, ud->mtu_set, ud->mtu);
		u->if_type = ud->if_type;
		u->baudrate = ud->baudrate;
	}
	BSDTUN_CLIENT_LOG(NOTICE, u,
			  "uid %u closed its last open: put back%s%s%s%s%s%s",
			  (unsigned int)uid,
			  ud->what & BSDTUN_UNDO_DEBUG ? " debug level" : "",
			  ud->what & BSDTUN_UNDO_PERSIST ? " persist" : "",
			  ud->what & BSDTUN_UNDO_OWNER ? " owner" : "",
			  ud->what & BSDTUN_UNDO_GROUP ? " group" : "",
			  ud->what & BSDTUN_UNDO_CARRIER ? " carrier" : "",
			  ud->what & BSDTUN_UNDO_INFO ? " MTU" : "");
	ud->what = 0;
}

/*
 * May this open attach as a Linux tun file?  TUNSETOWNER/TUNSETGROUP
 * narrow who may (Linux's tun_not_capable), on top of the unit's
 * admission, which the open passed already; root always may.
 */
static int
linux_may_attach(const struct bsdtun_unit *u, const struct bsdtun_session *s)
{
	if (s->uid == 0)
		return 1;
	if (u->lx_owner >= 0 && (uid_t)u->lx_owner != s->uid)
		return 0;
	if (u->lx_group >= 0 && (gid_t)u->lx_group != s->gid)
		return 0;
	return 1;
}

/*
 * The Linux tun requests (the library checked what it can alone, the
 * rest is checked here: a client is not trusted to have).  arg is the
 * argument of LSETIFF (in and out) and the out buffer of GIFNAME and GMAC;
 * v the int of the others.  Returns 0 or a positive errno.
 */
static int
linux_ioctl(struct bsdtun_unit *u, struct bsdtun_session *s, uint32_t cmd,
	    void *arg, int v) CTRL_LOCKED
{
	struct bsdtun_lsetiff *iff = arg;
	struct bsdtun_queue *qp = &u->q[s->qid];
	uint32_t want, mq;

	switch (cmd) {
	case BSDTUN_IOC_LSETIFF:
		want = iff->flags &
		       (BSDTUN_LINUX_IFF_TUN | BSDTUN_LINUX_IFF_TAP);
		mq = iff->flags & BSDTUN_LINUX_IFF_MULTI_QUEUE;
		if (qp->flags & BSDTUN_UNIT_F_LINUX)
			return EEXIST;
		/* the unit's type, and multi-queue iff it has pairs */
		if (want != (u->cfg.mode == BSDTUN_MODE_TAP ?
				     BSDTUN_LINUX_IFF_TAP :
				     BSDTUN_LINUX_IFF_TUN) ||
		    !mq != (u->cfg.queues == 1))
			return EINVAL;
		if (!linux_may_attach(u, s))
			return EPERM;
		bsdtun_set_flag(
			qp,
			BSDTUN_UNIT_F_LINUX |
				(iff->flags & BSDTUN_LINUX_IFF_NO_PI ?
					 0 :
					 BSDTUN_UNIT_F_LINUX_PI) |
				(iff->flags & BSDTUN_LINUX_IFF_VNET_HDR ?
					 BSDTUN_UNIT_F_LINUX_VNET :
					 0),
			0);
		unit_ifname(u, iff->name);
		BSDTUN_CLIENT_LOG(
			INFO, u, "queue pair %u: Linux %s file%s", s->qid,
			want == BSDTUN_LINUX_IFF_TAP ? "tap" : "tun",
			iff->flags & BSDTUN_LINUX_IFF_NO_PI ? ", no tun_pi" :
							      "");
		return 0;
	case BSDTUN_IOC_GIFNAME:
		unit_ifname(u, arg);
		return 0;
	case BSDTUN_IOC_GMAC:
		memcpy(arg, &u->cfg.mac, RTE_ETHER_ADDR_LEN);
		return 0;
	}
	if (!(qp->flags & BSDTUN_UNIT_F_LINUX))
		return EBADFD; /* the Linux ones below need TUNSETIFF first */
	switch (cmd) {
	case BSDTUN_IOC_LSQUEUE:
		if (u->cfg.queues == 1)
			return EINVAL;
		bsdtun_set_flag(qp, v ? 0 : BSDTUN_UNIT_F_DETACHED,
				v ? BSDTUN_UNIT_F_DETACHED : 0);
		break;
	case BSDTUN_IOC_LSPERSIST:
		if (unit_setting(u, s, BSDTUN_UNDO_PERSIST) != 0)
			return EPERM;
		u->persist = v != 0;
		break;
	case BSDTUN_IOC_LSOWNER:
	case BSDTUN_IOC_LSGROUP:
		if (v < 0)
			return EINVAL;
		if (unit_setting(u, s,
				 cmd == BSDTUN_IOC_LSOWNER ? BSDTUN_UNDO_OWNER :
							     BSDTUN_UNDO_GROUP))
			return EPERM;
		*(cmd == BSDTUN_IOC_LSOWNER ? &u->lx_owner : &u->lx_group) = v;
		break;
	case BSDTUN_IOC_LSOFFLOAD:
		/* what the open's reads may carry (TUN_F_*): TSO and USO
		 * only with CSUM, USO4 and USO6 together */
		if ((v & ~(int)BSDTUN_VNET_OFFLOADS) != 0 ||
		    ((v & (BSDTUN_TUN_F_TSO4 | BSDTUN_TUN_F_TSO6 |
			   BSDTUN_TUN_F_USO4)) &&
		     !(v & BSDTUN_TUN_F_CSUM)) ||
		    !(v & BSDTUN_TUN_F_USO4) != !(v & BSDTUN_TUN_F_USO6))
			return EINVAL;
		rte_atomic_store_explicit(&qp->offload, (uint32_t)v,
					  rte_memory_order_relaxed);
		break;
	case BSDTUN_IOC_LSCARRIER:
		if (unit_setting(u, s, BSDTUN_UNDO_CARRIER) != 0)
			return EPERM;
		rte_atomic_store_explicit(&u->carrier_off, v == 0,
					  rte_memory_order_relaxed);
		if (bsdtun_port_link_update(u))
			bsdtun_proc(u)->lsc_pending++;
		break;
	default:
		return ENOTTY;
	}
	return 0;
}

/*
 * tunioctl: the ioctl table (bsdtun_ioctl.h) says which codes exist and
 * what their argument is; the handlers below change the unit (MTU,
 * TUNSIFMODE, debug) or the open's queue pair qp (modes, pid, async).
 */
int
bsdtun_do_ioctl(struct bsdtun_unit *u, struct bsdtun_session *s,
		struct bsdtun_msg *m, pid_t pid) CTRL_LOCKED
{
	struct bsdtun_queue *qp = &u->q[s->qid];
	const struct bsdtun_ioctl_def *d =
		bsdtun_ioctl_find_wire(m->u.ioctl.cmd);
	union {
		int i;
		struct tuninfo ti;
		struct bsdtun_lsetiff iff;
		char name[BSDTUN_IFNAMSIZ];
		uint8_t mac[RTE_ETHER_ADDR_LEN];
	} a;
	int v;

	if (d == NULL)
		return ENOTTY;
	memset(&a, 0, sizeof(a));
	if (d->wire_dir == BSDTUN_ARG_IN || d->wire_dir == BSDTUN_ARG_INOUT) {
		if (m->u.ioctl.arg_len != d->wire_size)
			return EINVAL;
		memcpy(&a, m->u.ioctl.arg, d->wire_size);
	}
	v = a.i;
	switch (m->u.ioctl.cmd) {
	case BSDTUN_IOC_SIFINFO:
		if (a.ti.mtu < (short)BSDTUN_MIN_MTU ||
		    (uint32_t)a.ti.mtu > BSDTUN_MAX_MTU)
			return EINVAL;
		/* one pair: the unit's MTU persists, as tun(4)'s; several:
		 * the other pairs' too, a setting of the unit's */
		if (u->cfg.queues > 1 &&
		    unit_setting(u, s, BSDTUN_UNDO_INFO) != 0)
			return EPERM;
		bsdtun_port_mtu_set(u, (uint16_t)a.ti.mtu);
		bsdtun_proc(u)->undo.mtu_set = (uint16_t)a.ti.mtu;
		u->if_type = a.ti.type;
		u->baudrate = a.ti.baudrate;
		BSDTUN_DEBUG(u, "TUNSIFINFO mtu %d type %u baudrate %d",
			     a.ti.mtu, a.ti.type, a.ti.baudrate);
		break;
	case BSDTUN_IOC_GIFINFO:
		a.ti.mtu = (short)bsdtun_port_mtu(u);
		a.ti.type = u->if_type;
		a.ti.baudrate = u->baudrate;
		break;
	case BSDTUN_IOC_SDEBUG:
		if (unit_setting(u, s, BSDTUN_UNDO_DEBUG) != 0)
			return EPERM;
		u->debug = v;
		BSDTUN_CLIENT_LOG(NOTICE, u, "debug level %d", v);
		break;
	case BSDTUN_IOC_GDEBUG:
		a.i = u->debug;
		break;
	case BSDTUN_IOC_SLMODE:
		bsdtun_set_flag(qp, v ? BSDTUN_UNIT_F_LMODE : 0,
				v ? BSDTUN_UNIT_F_IFHEAD : BSDTUN_UNIT_F_LMODE);
		break;
	case BSDTUN_IOC_SIFHEAD:
		bsdtun_set_flag(qp, v ? BSDTUN_UNIT_F_IFHEAD : 0,
				v ? BSDTUN_UNIT_F_LMODE : BSDTUN_UNIT_F_IFHEAD);
		break;
	case BSDTUN_IOC_GIFHEAD:
		a.i = !!(qp->flags & BSDTUN_UNIT_F_IFHEAD);
		break;
	case BSDTUN_IOC_SIFMODE:
		if (bsdtun_port_started(u))
			return EBUSY;
		switch (v & ~(IFF_MULTICAST | BSD_IFF_MULTICAST)) {
		case IFF_POINTOPOINT:
		case IFF_BROADCAST:
			u->if_flags =
				(v & ~BSD_IFF_MULTICAST) |
				((v & BSD_IFF_MULTICAST) ? IFF_MULTICAST : 0);
			break;
		default:
			return EINVAL;
		}
		break;
	case BSDTUN_IOC_SIFPID:
		/* the kernel's word, not the message's; on the device node's
		 * own connection the node passes its caller's pid */
		qp->tun_pid = s->local ? m->u.ioctl.pid : pid;
		BSDTUN_CLIENT_LOG(INFO, u,
				  "TUNSIFPID: queue pair %u held by pid %d",
				  s->qid, (int)qp->tun_pid);
		break;
	case BSDTUN_IOC_SASYNC:
		rte_atomic_store_explicit(&qp->async, v != 0,
					  rte_memory_order_release);
		break;
	default:
		v = linux_ioctl(u, s, m->u.ioctl.cmd, &a, v);
		if (v != 0)
			return v;
		break;
	}
	if (d->wire_dir == BSDTUN_ARG_OUT || d->wire_dir == BSDTUN_ARG_INOUT) {
		memcpy(m->u.ioctl.arg, &a, d->wire_size);
		m->u.ioctl.arg_len = d->wire_size;
	}
	return 0;
}
