#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Soak (outside CI): COUNT packets each way through dpdk-testpmd (io
# forwarding, net_bsdtun0 <-> net_bsdtun1), every packet with an RFC 1071
# checksum and a payload the receiver verifies byte for byte (tuntest
# traffic), under backpressure from both sides:
#  - the application waits: "set fwd io retry" with a tx retry delay, so a
#    full ring to a client stalls testpmd and the other client's writes
#    run into ENOBUFS;
#  - a client is slower than the application: the tuntest on port 1 sends
#    at --rate RATE, and reads in the same loop;
#  - sizes 20..1500 bytes, IPv4 and IPv6 (IFHEAD), qlen 64.
# Checks: nothing lost, reordered or corrupt; testpmd's port counters equal
# the clients'; no drop counter moved; the mempool back at its baseline;
# testpmd's descriptors and RSS sampled at start and end.  Prints one
# "soak:" result line (record it in doc/robustness.md).
#
#   devtools/soak.sh [COUNT] [RATE]   (default 100000000 each way, 400000 pps)
#
# Environment: BSDTUN_BUILD (default build), BSDTUN_FRAMING (eth|ip).
set -euo pipefail

# shellcheck source=devtools/lib.sh
. "$(dirname "$0")/lib.sh"
count=${1:-100000000}
rate=${2:-400000}
[ -x "$build/app/tuntest/tuntest" ] || { echo "soak: build $build first"; exit 2; }

testpmd_setup soak

# xstats of every port as "PORT NAME VALUE" lines.
xstats_all() {
	cmd 'show port xstats all' | awk '
		/NIC extended statistics for port/ { p = $NF }
		/^[a-z_]+: [0-9]+$/ { sub(":", "", $1); print p, $1, $2 }'
}

# Send one testpmd command, wait for its output to settle, print it.
cmd() {
	local before
	before=$(wc -c < "$work/testpmd.log")
	printf '%s\n' "$1" >&3
	for _ in $(seq 100); do
		sleep 0.1
		tail -c +$((before + 1)) "$work/testpmd.log" | grep -q 'testpmd> ' && break
	done
	tail -c +$((before + 1)) "$work/testpmd.log"
}

testpmd_start "qlen=64,framing=$framing" --forward-mode=io --no-flush-rx \
	--total-num-mbufs=8192
cmd 'set fwd io retry' > /dev/null
cmd 'set burst tx delay 50 retry 1000000' > /dev/null
cmd 'start' > /dev/null
fds0=$(ls "/proc/$tp_pid/fd" | wc -l)
rss0=$(awk '/^VmRSS/ {print $2}' "/proc/$tp_pid/status")

echo "soak: $count packets each way, framing=$framing, qlen 64, port 1's" \
	"client sending at $rate pps, testpmd io retry (tx delay 50 us)"
start=$(date +%s.%N)
"$build/app/tuntest/tuntest" traffic "$work/u0.sock" --ifhead --stream 1 \
	--peer-stream 2 --count "$count" --timeout 60 --quiet > "$work/a.out" &
a=$!
"$build/app/tuntest/tuntest" traffic "$work/u1.sock" --ifhead --stream 2 \
	--peer-stream 1 --count "$count" --rate "$rate" --timeout 60 --quiet \
	> "$work/b.out" &
b=$!
# Counters from the moment both clients hold their units: before that,
# tuntest's probes towards the peer's unit are dropped (tx_no_client).
for _ in $(seq 100); do
	[ "$(xstats_all | awk '$2 == "client_opens" && $3 == 1' | wc -l)" -eq 2 ] && break
	sleep 0.1
done
xstats_all > "$work/x0"
rc=0
wait $a || rc=1
wait $b || rc=1
end=$(date +%s.%N)

stats=$(cmd 'show port stats all')
xstats_all > "$work/x1"
cmd 'stop' > /dev/null
sleep 0.3
pool=$(cmd 'dump mempool mb_pool_0')	# DPDK 25.11 on
case $pool in *'Command not found'*) pool=$(cmd 'dump_mempool mb_pool_0') ;; esac
fds1=$(ls "/proc/$tp_pid/fd" | wc -l)
rss1=$(awk '/^VmRSS/ {print $2}' "/proc/$tp_pid/status")
testpmd_stop

cat "$work/a.out" "$work/b.out"
echo "$stats" | grep -E 'statistics for port|RX-packets|TX-packets|RX-errors|RX-nombuf'
# Drop and error counters that must not have moved (tx_ring_full and bells
# are backpressure and wake-ups, not drops).
for f in x0 x1; do
	[ "$(wc -l < "$work/$f")" -ge 40 ] || { echo "soak: no xstats ($f)"; rc=1; }
done
# deltas over the run
delta=$(awk 'NR == FNR { v[$1 " " $2] = $3; next }
	{ print $1, $2, $3 - v[$1 " " $2] }' "$work/x0" "$work/x1")
bad=$(echo "$delta" | grep -E ' (tx_no_client|tx_af_unsupported|tx_bad_ethertype|tx_bad_ip_version|tx_runt|tx_too_big|tx_ring_corrupt|rx_bad_family|rx_runt|rx_ring_corrupt|rx_nombuf|to_client_purged|to_dpdk_purged|client_bad_message|rx_missed_errors|rx_errors|tx_errors) [1-9]' || true)
full=$(echo "$delta" | awk '$2 == "tx_ring_full" {s += $3} END {print s + 0}')
size=$(echo "$pool" | awk -F= '/^ +size=/ {print $2}')
common=$(echo "$pool" | awk -F= '/common_pool_count=/ {print $2}')
cache=$(echo "$pool" | awk -F= '/total_cache_count=/ {print $2}')
inuse=$((size - common - ${cache:-0}))
[ -n "$bad" ] && { echo "soak: counters moved (port name delta):"; echo "$bad"; rc=1; }
[ "$inuse" -ne 0 ] && { echo "soak: $inuse mbufs still in use"; rc=1; }
[ "$fds1" -ne "$fds0" ] && { echo "soak: testpmd fds $fds0 -> $fds1"; rc=1; }

read -r sent recv lost broken < <(tuntest_totals "$work/a.out" "$work/b.out")
awk -v t0="$start" -v t1="$end" -v full="$full" -v rss0="$rss0" \
	-v rss1="$rss1" -v fds="$fds1" -v rc="$rc" -v sent="$sent" \
	-v recv="$recv" -v lost="$lost" -v bad="$broken" '
	BEGIN {
		secs = t1 - t0
		printf "soak: %s: %d packets each way, received %d, lost %d, " \
		       "reordered+corrupt %d, in %.0f s (%.0f packets/s both " \
		       "ways), %d backpressure events (tx_ring_full), mbufs " \
		       "back to baseline, testpmd fds %d, RSS %d -> %d kB\n",
		       rc == 0 && lost == 0 && bad == 0 ? "OK" : "FAILED",
		       sent / 2, recv, lost, bad, secs, recv / secs, full, fds,
		       rss0, rss1
	}'
exit $rc
