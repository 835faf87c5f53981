/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ethdev state the control path reads and writes, and nothing else:
 * the link (up iff the port is started, a client holds a queue pair and no
 * client turned the carrier off: TUNSETCARRIER), the
 * LSC event, whether the port is started (TUNSIFMODE), and the MTU that
 * TUNSIFINFO and rte_eth_dev_set_mtu() share; and the two xstats the
 * device node counts (bsdtun_cdev.h).  The control path (bsdtun_ctrl.c,
 * bsdtun_session.c, bsdtun_tunioctl.c), bsdtun_ethdev.c and the device
 * node call in here; none of them is called back.
 */
#include <rte_ethdev.h>
#include <ethdev_driver.h>

#include "bsdtun_internal.h"

static const struct rte_eth_link link_down = {
	.link_speed = RTE_ETH_SPEED_NUM_10G,
	.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
	.link_status = RTE_ETH_LINK_DOWN,
	.link_autoneg = RTE_ETH_LINK_FIXED,
};

void
bsdtun_port_link_init(struct bsdtun_unit *u)
{
	bsdtun_dev(u)->data->dev_link = link_down;
}

/*
 * Returns 1 when the status changed; the caller delivers the LSC event
 * (bsdtun_port_lsc_notify) with no lock of ours held: the app's callback
 * may stop or close the port.  Under ctrl.lock: what it reads (sessions,
 * started) is written under it, and two threads computing the link at
 * once could store an old answer last.
 */
int
bsdtun_port_link_update(struct bsdtun_unit *u)
{
	struct rte_eth_link link = link_down;
	uint32_t i, held = 0;

	for (i = 0; i < u->cfg.queues; i++)
		held |= bsdtun_sess_ctrl(&bsdtun_proc(u)->q[i]) != NULL;
	link.link_status = bsdtun_proc(u)->started && held &&
					   !rte_atomic_load_explicit(
						   &u->carrier_off,
						   rte_memory_order_relaxed) ?
				   RTE_ETH_LINK_UP :
				   RTE_ETH_LINK_DOWN;
	return rte_eth_linkstatus_set(bsdtun_dev(u), &link) == 0;
}

void
bsdtun_port_lsc_notify(uint16_t port_id)
{
	rte_eth_dev_callback_process(&rte_eth_devices[port_id],
				     RTE_ETH_EVENT_INTR_LSC, NULL);
}

/*
 * The port's start and stop as the control path sees them: the started
 * state it reads (TUNSIFMODE, the link) is the one kept under ctrl.lock,
 * not dev->data->dev_started, which ethdev writes itself.
 */
void
bsdtun_port_set_started(struct bsdtun_unit *u, int on)
{
	bsdtun_mutex_lock(&bsdtun_ctrl_lock);
	bsdtun_proc(u)->started = on;
	(void)bsdtun_port_link_update(u);
	bsdtun_mutex_unlock(&bsdtun_ctrl_lock);
}

/* The link_update op (app thread): the link as it is now. */
void
bsdtun_port_link_refresh(struct bsdtun_unit *u)
{
	bsdtun_mutex_lock(&bsdtun_ctrl_lock);
	(void)bsdtun_port_link_update(u);
	bsdtun_mutex_unlock(&bsdtun_ctrl_lock);
}

int
bsdtun_port_started(const struct bsdtun_unit *u)
{
	return bsdtun_proc(u)->started;
}

/*
 * The one way the MTU changes: devarg mtu= at probe, the app
 * (configure, rte_eth_dev_set_mtu: app thread), TUNSIFINFO (control
 * thread).  u->mtu is written under mtu_lock; dev->data->mtu, which ethdev
 * also stores after its mtu_set op, gets the same value in one aligned
 * 16-bit store, so rte_eth_dev_get_mtu() and TUNGIFINFO always agree.
 */
void
bsdtun_port_mtu_set(struct bsdtun_unit *u, uint16_t mtu)
{
	rte_spinlock_lock(&u->mtu_lock);
	u->mtu = mtu;
	rte_atomic_store_explicit(&bsdtun_dev(u)->data->mtu, mtu,
				  rte_memory_order_release);
	rte_spinlock_unlock(&u->mtu_lock);
}

uint16_t
bsdtun_port_mtu(const struct bsdtun_unit *u)
{
	return rte_atomic_load_explicit(&bsdtun_dev(u)->data->mtu,
					rte_memory_order_acquire);
}

/*
 * Put back the MTU a client's change replaced, unless someone (the app,
 * root) set another since: compared and set under mtu_lock.
 */
int
bsdtun_port_mtu_restore(struct bsdtun_unit *u, uint16_t expect, uint16_t mtu)
{
	int done = 0;

	rte_spinlock_lock(&u->mtu_lock);
	if (u->mtu == expect) {
		u->mtu = mtu;
		rte_atomic_store_explicit(&bsdtun_dev(u)->data->mtu, mtu,
					  rte_memory_order_release);
		done = 1;
	}
	rte_spinlock_unlock(&u->mtu_lock);
	return done;
}

/*
 * The device node's counts (bsdtun_cdev.h).  Atomic adds: the control
 * thread counts the same xstats from its own thread.
 */
void
bsdtun_port_count_busy(struct bsdtun_unit *u)
{
	rte_atomic_fetch_add_explicit(&u->xs.client_refused_busy, 1,
				      rte_memory_order_relaxed);
}

void
bsdtun_port_count_purged(struct bsdtun_unit *u, uint32_t qid, uint64_t n)
{
	if (qid < BSDTUN_QUEUES_MAX)
		rte_atomic_fetch_add_explicit(&u->q[qid].xs.to_client_purged, n,
					      rte_memory_order_relaxed);
}
