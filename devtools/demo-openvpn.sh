#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Debian's openvpn, unmodified, on a unit's device node: a peer-to-peer
# static-key tunnel whose one end opens net_bsdtun1's node (--dev-node)
# and whose other end is an ordinary openvpn with a kernel tun device.
# Then ping, ping -6 and iperf3 (TCP) from nsA, behind a kernel tun joined
# to net_bsdtun0 by `tuntest bridge`, to nsB, behind openvpn's peer:
#
#   nsA: ov0 10.79.0.1/24 fd79::1/64
#          | tuntest bridge
#   net_bsdtun0 == testpmd io == net_bsdtun1 (cdev=$work/node1)
#          | openvpn #1 --dev-node (nsC; no interface of its own)
#          | UDP over a veth pair, 192.168.79.1 <-> 192.168.79.2
#   nsB: openvpn #2, tun0/tap0 10.79.0.2 fd79::2
#
#   devtools/demo-openvpn.sh [tap] [SECONDS]   (iperf3 time, default 3)
#
# With `tap`: tap units (mode=tap), --dev-type tap, kernel taps on both
# ends; ARP resolves across, and the neighbour entries are printed.
#
# Environment: BSDTUN_BUILD (build dir, default build).  Run as root
# (namespaces, tun devices, hugepages, the node's TUNSETIFF), after
# devtools/setup.sh and a build.
set -euo pipefail

# shellcheck source=devtools/lib.sh
. "$(dirname "$0")/lib.sh"
kind=tun
if [ "${1:-}" = tap ]; then
	kind=tap
	shift
fi
secs=${1:-3}
tuntest="$build/app/tuntest/tuntest"

nsa="bsdtun-ovpn-a-$$"
nsb="bsdtun-ovpn-b-$$"
nsc="bsdtun-ovpn-c-$$"
pids=()
netns=("$nsa" "$nsb" "$nsc")
# At exit (devtools/lib.sh), before testpmd quits: openvpn, the bridge,
# iperf3 and the namespaces (the veth pair with them) go.
on_exit() {
	demo_cleanup
}

# Wait until FILE has a line matching PATTERN (up to 30 s).
wait_log() {
	for _ in $(seq 300); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "demo: no '$2' in $1:" >&2
	cat "$1" >&2
	return 1
}

testpmd_setup demo-openvpn

# 1. testpmd: two bsdtun ports, unit 1 with a device node, io forwarding
# 0 <-> 1, lossless (retry).  As testpmd_start (devtools/lib.sh), with
# devargs of each unit's own.
units="qlen=512"
[ "$kind" = tap ] && units="$units,mode=tap"
mkfifo "$work/cmd"
stdbuf -oL dpdk-testpmd -l 0-1 --file-prefix="$tp_prefix" --no-pci \
	--huge-unlink -d "$(bash devtools/pmd-path.sh "$build")" \
	--vdev="net_bsdtun0,sock=$work/u0.sock,$units" \
	--vdev="net_bsdtun1,sock=$work/u1.sock,$units,cdev=$work/node1" \
	-- -i --forward-mode=io --total-num-mbufs=16384 \
	< "$work/cmd" > "$work/testpmd.log" 2>&1 &
tp_pid=$!
exec 3> "$work/cmd"
wait_log "$work/testpmd.log" 'testpmd>'
printf 'set fwd io retry\nset burst tx delay 10 retry 100000\nstart\n' >&3

# 2. Namespaces; the veth pair openvpn talks over.
for ns in "$nsa" "$nsb" "$nsc"; do
	ip netns add "$ns"
	ip netns exec "$ns" sysctl -qw \
		net.ipv6.conf.default.router_solicitations=0 \
		net.ipv6.conf.default.accept_dad=0
	ip -n "$ns" link set lo up
done
ip link add ovc netns "$nsc" type veth peer name ovb netns "$nsb"
ip -n "$nsc" addr add 192.168.79.1/24 dev ovc
ip -n "$nsb" addr add 192.168.79.2/24 dev ovb
ip -n "$nsc" link set ovc up
ip -n "$nsb" link set ovb up

# 3. nsA: a kernel tun (tap) joined to unit 0; the library face tells a
# tap unit by itself.
"$tuntest" bridge "$work/u0.sock" ov0 --netns "$nsa" --quiet \
	> "$work/bridge.out" 2> "$work/bridge.err" &
pids+=($!)
wait_log "$work/bridge.err" 'ready$'
ip -n "$nsa" addr add 10.79.0.1/24 dev ov0
ip -n "$nsa" addr add fd79::1/64 dev ov0 nodad
ip -n "$nsa" link set ov0 up

# 4. openvpn: #1 on unit 1's node in nsC, #2 with a kernel device in nsB.
openvpn --genkey secret "$work/static.key"
ovpn=(openvpn --verb 3 --disable-dco --dev "${kind}0" --dev-type "$kind"
	--cipher AES-256-CBC --proto udp --lport 1194 --rport 1194)
ip netns exec "$nsc" "${ovpn[@]}" --secret "$work/static.key" 0 \
	--local 192.168.79.1 --remote 192.168.79.2 \
	--dev-node "$work/node1" > "$work/openvpn1.log" 2>&1 &
pids+=($!)
if [ "$kind" = tap ]; then
	peer4=255.255.255.0
else
	peer4=10.79.0.1
fi
ip netns exec "$nsb" "${ovpn[@]}" --secret "$work/static.key" 1 \
	--local 192.168.79.2 --remote 192.168.79.1 \
	--ifconfig 10.79.0.2 "$peer4" --ifconfig-ipv6 fd79::2/64 fd79::1 \
	> "$work/openvpn2.log" 2>&1 &
pids+=($!)
for i in 1 2; do
	wait_log "$work/openvpn$i.log" 'Initialization Sequence Completed'
done
grep -h 'TUN/TAP device' "$work/openvpn1.log"
echo "demo: $nsa (ov0 10.79.0.1 fd79::1) <-> bridge <-> testpmd io" \
	"($kind units) <-> openvpn --dev-node <-> UDP <-> openvpn <->" \
	"$nsb (${kind}0 10.79.0.2 fd79::2)"

# 5. Traffic.
ip netns exec "$nsa" ping -c 5 -i 0.2 -W 2 10.79.0.2
ip netns exec "$nsa" ping -6 -c 5 -i 0.2 -W 2 fd79::2
if [ "$kind" = tap ]; then
	echo "demo: neighbours in $nsa (${kind}0 in $nsb is" \
		"$(ip -n "$nsb" -br link show tap0 | awk '{print $3}'))"
	ip -n "$nsa" neigh show dev ov0
fi
demo_iperf3 "$nsb" 10.79.0.2 "$nsa" "$secs"

# 6. What testpmd saw; its non-zero counters other than traffic (a
# drop counter here: packets of nsA's device coming up before openvpn #1
# held unit 1, counted tx_no_client).
printf 'show port stats all\nshow port xstats all\n' >&3
sleep 0.5
grep -E 'NIC statistics|RX-packets|TX-packets' "$work/testpmd.log" | tail -6
grep -E '^[a-z_]+: [1-9]' "$work/testpmd.log" |
	grep -vE 'packets|bytes|good|tun_pid|mtu|bells|opens|if_flags' || true
echo "demo: OK"
