#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The kernel's IP stack as a bsdtun client: two network namespaces, each
# with a kernel tun device joined by `tuntest bridge` to one net_bsdtun port
# of a single dpdk-testpmd forwarding (io) between the two ports.  Then
# ping, ping -6 and iperf3 (TCP) from one namespace to the other, through
# testpmd:
#
#   ns1: bt0 10.77.0.1/24 fd77::1/64      ns2: bt1 10.77.0.2/24 fd77::2/64
#          |                                     |
#   tuntest bridge  <->  net_bsdtun0 == testpmd io == net_bsdtun1  <->
#   tuntest bridge
#
#   devtools/demo-bridge.sh [SECONDS]   (iperf3 time, default 3)
#
# Environment: BSDTUN_BUILD (build dir, default build), BSDTUN_FRAMING
# (eth|ip, default eth).  Run as root (namespaces, tun devices, hugepages),
# after devtools/setup.sh and a build.
set -euo pipefail

# shellcheck source=devtools/lib.sh
. "$(dirname "$0")/lib.sh"
secs=${1:-3}
tuntest="$build/app/tuntest/tuntest"

ns1="bsdtun-demo1-$$"
ns2="bsdtun-demo2-$$"
pids=()
netns=("$ns1" "$ns2")
# At exit (devtools/lib.sh), before testpmd quits: the bridges, iperf3 and
# the namespaces go.
on_exit() {
	demo_cleanup
}

testpmd_setup demo

# 1. testpmd: two bsdtun ports, io forwarding 0 <-> 1, lossless (retry).
testpmd_start "framing=$framing,qlen=512" --forward-mode=io \
	--total-num-mbufs=16384
printf 'set fwd io retry\nset burst tx delay 10 retry 100000\nstart\n' >&3

# 2. Namespaces, and a bridge into each: one started inside the namespace
# with ip netns exec, one entering it itself with --netns.
ip netns add "$ns1"
ip netns add "$ns2"
ip netns exec "$ns1" "$tuntest" bridge "$work/u0.sock" bt0 \
	> "$work/bridge0.out" 2> "$work/bridge0.err" &
pids+=($!)
"$tuntest" bridge "$work/u1.sock" bt1 --netns "$ns2" \
	> "$work/bridge1.out" 2> "$work/bridge1.err" &
pids+=($!)
for _ in $(seq 100); do
	ip -n "$ns1" link show bt0 >/dev/null 2>&1 &&
		ip -n "$ns2" link show bt1 >/dev/null 2>&1 && break
	sleep 0.05
done
for n in 1 2; do
	ns="bsdtun-demo$n-$$"
	dev="bt$((n - 1))"
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "10.77.0.$n/24" dev "$dev"
	ip -n "$ns" addr add "fd77::$n/64" dev "$dev" nodad
	ip -n "$ns" link set "$dev" up
done
echo "demo: $ns1 (bt0 10.77.0.1 fd77::1) <-> testpmd io, framing=$framing" \
	"<-> $ns2 (bt1 10.77.0.2 fd77::2)"

# 3. Traffic.
ip netns exec "$ns1" ping -c 5 -i 0.2 -W 2 10.77.0.2
ip netns exec "$ns1" ping -6 -c 5 -i 0.2 -W 2 fd77::2
demo_iperf3 "$ns2" 10.77.0.2 "$ns1" "$secs"

# 4. What testpmd and the bridges saw.
printf 'show port stats all\nshow port xstats all\n' >&3
sleep 0.5
grep -E 'NIC statistics|RX-packets|TX-packets' "$work/testpmd.log" | tail -6
grep -E '^[a-z_]+: [1-9]' "$work/testpmd.log" | grep -vE 'packets|bytes|good|tun_pid|mtu' || true
for i in 0 1; do
	kill "${pids[$i]}"
	wait "${pids[$i]}" || true
	grep -v ' | ' "$work/bridge$i.err" || true	# all but rate lines
	cat "$work/bridge$i.out"
done
pids=("${pids[2]}")
echo "demo: OK"
