#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The main job: dpdk-testpmd forwarding (io) between two net_bsdtun ports,
# with a tuntest client on each end sending its own verified stream and
# checking the other's.  Prints packets sent, received, lost and the rate.
#
#   devtools/run.sh [COUNT]        (default 1000000 packets each way)
#
# Environment: BSDTUN_BUILD (build dir, default build), BSDTUN_FRAMING
# (eth|ip), BSDTUN_NOSETUP=1 to skip devtools/setup.sh and the build.
set -euo pipefail

# shellcheck source=devtools/lib.sh
. "$(dirname "$0")/lib.sh"
count=${1:-1000000}

if [ "${BSDTUN_NOSETUP:-0}" != 1 ]; then
	bash devtools/setup.sh
	bash devtools/build.sh >/dev/null
fi

testpmd_setup run
testpmd_start "qlen=1024,framing=$framing" --forward-mode=io \
	--total-num-mbufs=16384
# Lossless forwarding: a full ring to a client makes testpmd wait, not drop.
printf 'set fwd io retry\nset burst tx delay 10 retry 100000\nstart\n' >&3

echo "main job: testpmd io forwarding net_bsdtun0 <-> net_bsdtun1," \
	"framing=$framing, $count packets each way"
start=$(date +%s.%N)
"$build/app/tuntest/tuntest" traffic "$work/u0.sock" --ifhead \
	--stream 1 --peer-stream 2 --count "$count" --quiet > "$work/a.out" &
a=$!
"$build/app/tuntest/tuntest" traffic "$work/u1.sock" --ifhead \
	--stream 2 --peer-stream 1 --count "$count" --quiet > "$work/b.out" &
b=$!
rc=0
wait $a || rc=1
wait $b || rc=1
end=$(date +%s.%N)

printf 'show port stats all\nshow port xstats all\n' >&3
testpmd_stop

cat "$work/a.out" "$work/b.out"
grep -E 'Forward statistics|RX-packets|TX-packets' "$work/testpmd.log" | head -12
read -r sent recv lost bad < <(tuntest_totals "$work/a.out" "$work/b.out")
awk -v t0="$start" -v t1="$end" -v sent="$sent" -v recv="$recv" \
	-v lost="$lost" -v bad="$bad" 'BEGIN {
		secs = t1 - t0
		printf "main job: packets sent %d (both ways), received %d, lost %d, misordered/corrupt %d, %.2f s, %.0f packets/s\n",
			sent, recv, lost, bad, secs, recv / secs
	}'
if [ $rc -ne 0 ]; then
	echo "main job: FAILED (see above)"
	grep -E "^[a-z_]+: [1-9]" "$work/testpmd.log" || true
	exit 1
fi
echo "main job: OK"
