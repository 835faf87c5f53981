/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry (rte_telemetry, e.g. dpdk-telemetry.py): which client holds
 * which unit, in what mode, how full its rings are.
 *
 *	/bsdtun/list		the ports that are bsdtun units
 *	/bsdtun/info,PORT	one unit: configuration, and per queue pair
 *				its holder, modes and rings
 *
 * Each answer is a snapshot taken under the control thread's lock
 * (bsdtun_ctrl_unit_info), so a holder and its session are consistent.
 * The commands are registered when the first unit is probed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "bsdtun_compat.h"
#include "bsdtun_internal.h"

static int
tel_list(const char *cmd __rte_unused, const char *params __rte_unused,
	 struct rte_tel_data *d)
{
	uint16_t ports[RTE_MAX_ETHPORTS]; /* a unit is a port */
	int i, n;

	n = bsdtun_ctrl_ports(ports, RTE_DIM(ports));
	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	for (i = 0; i < n && i < (int)RTE_DIM(ports); i++)
		rte_tel_data_add_array_int(d, ports[i]);
	return 0;
}

/* d[qI_name] = v: the pair's fields, named as its xstats are. */
static void
tel_qint(struct rte_tel_data *d, uint32_t qid, const char *name, int64_t v)
{
	char key[RTE_TEL_MAX_STRING_LEN];

	snprintf(key, sizeof(key), "q%u_%s", qid, name);
	rte_tel_data_add_dict_int(d, key, (int)v);
}

static void
tel_quint(struct rte_tel_data *d, uint32_t qid, const char *name, uint64_t v)
{
	char key[RTE_TEL_MAX_STRING_LEN];

	snprintf(key, sizeof(key), "q%u_%s", qid, name);
	bsdtun_tel_add_uint(d, key, v);
}

/* One queue pair: its open's modes and, while held, its holder and rings. */
static void
tel_queue(struct rte_tel_data *d, uint32_t qid,
	  const struct bsdtun_queue_info *qi)
{
	char key[RTE_TEL_MAX_STRING_LEN];

	tel_qint(d, qid, "ifhead", !!(qi->flags & BSDTUN_UNIT_F_IFHEAD));
	tel_qint(d, qid, "lmode", !!(qi->flags & BSDTUN_UNIT_F_LMODE));
	tel_qint(d, qid, "held", qi->held);
	if (!qi->held)
		return;
	tel_qint(d, qid, "pid", qi->pid);
	tel_quint(d, qid, "uid", qi->uid);
	snprintf(key, sizeof(key), "q%u_face", qid);
	rte_tel_data_add_dict_string(d, key, qi->node ? "node" : "library");
	tel_qint(d, qid, "async", qi->async);
	/* 0: BSD tun(4); 1: a Linux tun file (TUNSETIFF); 2: detached */
	tel_qint(d, qid, "linux",
		 !(qi->flags & BSDTUN_UNIT_F_LINUX)   ? 0 :
		 (qi->flags & BSDTUN_UNIT_F_DETACHED) ? 2 :
							1);
	tel_quint(d, qid, "region_bytes", qi->region_bytes);
	tel_quint(d, qid, "to_client_queued", qi->to_client_queued);
	tel_quint(d, qid, "to_dpdk_queued", qi->to_dpdk_queued);
}

/*
 * One flat dict (nested containers differ between releases): the unit's
 * fields, then qI_<field> for each queue pair I.
 */
static int
tel_info(const char *cmd __rte_unused, const char *params,
	 struct rte_tel_data *d)
{
	struct bsdtun_unit_info inf;
	unsigned long port;
	uint32_t i, held = 0;
	char *end;

	if (params == NULL || *params < '0' || *params > '9')
		return -EINVAL;
	errno = 0;
	port = strtoul(params, &end, 10);
	if (errno != 0 || *end != '\0' || port >= RTE_MAX_ETHPORTS)
		return -EINVAL;
	if (bsdtun_ctrl_unit_info((uint16_t)port, &inf) < 0)
		return -EINVAL;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "port", (int)port);
	rte_tel_data_add_dict_string(d, "name", inf.name);
	rte_tel_data_add_dict_string(d, "sock", inf.sock_path);
	rte_tel_data_add_dict_string(d, "cdev", inf.cdev_path);
	bsdtun_tel_add_uint(d, "qlen", inf.qlen);
	bsdtun_tel_add_uint(d, "mtu", inf.mtu);
	rte_tel_data_add_dict_string(
		d, "framing", inf.framing == BSDTUN_FRAMING_ETH ? "eth" : "ip");
	rte_tel_data_add_dict_string(
		d, "mode", inf.mode == BSDTUN_MODE_TAP ? "tap" : "tun");
	rte_tel_data_add_dict_int(d, "if_flags", inf.if_flags);
	rte_tel_data_add_dict_int(d, "debug", inf.debug);
	bsdtun_tel_add_uint(d, "queues", inf.queues);
	for (i = 0; i < inf.queues; i++)
		held += inf.q[i].held != 0;
	bsdtun_tel_add_uint(d, "held", held);
	for (i = 0; i < inf.queues; i++)
		tel_queue(d, i, &inf.q[i]);
	return 0;
}

static void
tel_register(void)
{
	rte_telemetry_register_cmd("/bsdtun/list", tel_list,
				   "Returns the ports that are bsdtun units.");
	rte_telemetry_register_cmd(
		"/bsdtun/info", tel_info,
		"Returns a bsdtun unit's configuration, holder and ring occupancy. Parameters: int port_id");
}

/*
 * At the first unit's attach, not at load: when EAL loads two copies of
 * the PMD (its plugin directory and -d), only the copy that serves the
 * units registers, so the commands see them.
 */
void
bsdtun_telemetry_register(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, tel_register);
}
