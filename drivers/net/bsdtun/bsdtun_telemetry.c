/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry (rte_telemetry, e.g. dpdk-telemetry.py): which client holds
 * which unit, in what mode, how full its rings are.
 *
 *	/bsdtun/list		the ports that are bsdtun units
 *	/bsdtun/info,PORT	one unit: configuration, holder, rings
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

static int
tel_info(const char *cmd __rte_unused, const char *params,
         struct rte_tel_data *d)
{
	struct bsdtun_unit_info inf;
	unsigned long port;
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
	rte_tel_data_add_dict_int(d, "ifhead",
	                          !!(inf.unit_flags & BSDTUN_UNIT_F_IFHEAD));
	rte_tel_data_add_dict_int(d, "lmode",
	                          !!(inf.unit_flags & BSDTUN_UNIT_F_LMODE));
	rte_tel_data_add_dict_int(d, "if_flags", inf.if_flags);
	rte_tel_data_add_dict_int(d, "debug", inf.debug);
	rte_tel_data_add_dict_int(d, "held", inf.held);
	if (!inf.held)
		return 0;
	rte_tel_data_add_dict_int(d, "pid", (int)inf.pid);
	bsdtun_tel_add_uint(d, "uid", inf.uid);
	rte_tel_data_add_dict_string(d, "face", inf.node ? "node" : "library");
	rte_tel_data_add_dict_int(d, "async", inf.async);
	bsdtun_tel_add_uint(d, "region_bytes", inf.region_bytes);
	bsdtun_tel_add_uint(d, "to_client_queued", inf.to_client_queued);
	bsdtun_tel_add_uint(d, "to_dpdk_queued", inf.to_dpdk_queued);
	return 0;
}

static void
tel_register(void)
{
	rte_telemetry_register_cmd("/bsdtun/list", tel_list,
	                           "Returns the ports that are bsdtun units.");
	rte_telemetry_register_cmd(
	        "/bsdtun/info", tel_info,
	        "Returns a bsdtun unit's configuration, holder and ring "
	        "occupancy. Parameters: int port_id");
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
