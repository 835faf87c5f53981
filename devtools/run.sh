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

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
count=${1:-1000000}
build=${BSDTUN_BUILD:-build}
framing=${BSDTUN_FRAMING:-eth}

if [ "${BSDTUN_NOSETUP:-0}" != 1 ]; then
	bash devtools/setup.sh
	bash devtools/build.sh >/dev/null
fi

work=$(mktemp -d /tmp/bsdtun-run.XXXXXX)
tp_pid=
cleanup() {
	exec 3>&- 2>/dev/null || true
	[ -n "$tp_pid" ] && kill "$tp_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

mkfifo "$work/cmd"
stdbuf -oL dpdk-testpmd -l 0-1 --file-prefix="bsdtun-run-$$" --no-pci \
	-d "$(bash devtools/pmd-path.sh "$build")" \
	--vdev="net_bsdtun0,sock=$work/bsdtun0.sock,qlen=1024,framing=$framing" \
	--vdev="net_bsdtun1,sock=$work/bsdtun1.sock,qlen=1024,framing=$framing" \
	-- -i --forward-mode=io --total-num-mbufs=16384 \
	< "$work/cmd" > "$work/testpmd.log" 2>&1 &
tp_pid=$!
exec 3> "$work/cmd"

# Lossless forwarding: a full ring to a client makes testpmd wait, not drop.
printf 'set fwd io retry\nset burst tx delay 10 retry 100000\nstart\n' >&3
for _ in $(seq 100); do
	[ -S "$work/bsdtun1.sock" ] && grep -q 'testpmd>' "$work/testpmd.log" && break
	sleep 0.1
done

echo "main job: testpmd io forwarding net_bsdtun0 <-> net_bsdtun1," \
	"framing=$framing, $count packets each way"
start=$(date +%s.%N)
"$build/app/tuntest/tuntest" traffic "$work/bsdtun0.sock" --ifhead \
	--stream 1 --peer-stream 2 --count "$count" --quiet > "$work/a.out" &
a=$!
"$build/app/tuntest/tuntest" traffic "$work/bsdtun1.sock" --ifhead \
	--stream 2 --peer-stream 1 --count "$count" --quiet > "$work/b.out" &
b=$!
rc=0
wait $a || rc=1
wait $b || rc=1
end=$(date +%s.%N)

printf 'show port stats all\nshow port xstats all\nstop\nquit\n' >&3
exec 3>&-
wait "$tp_pid" || true
tp_pid=

cat "$work/a.out" "$work/b.out"
grep -E 'Forward statistics|RX-packets|TX-packets' "$work/testpmd.log" | head -12
awk -v t0="$start" -v t1="$end" '
	/^tuntest: stream/ {
		for (i = 1; i < NF; i++) v[$i] = $(i + 1)
		sent += v["sent"]; recv += v["received"]; lost += v["lost"]
		bad += v["reordered"] + v["corrupt"]
	}
	END {
		secs = t1 - t0
		printf "main job: packets sent %d (both ways), received %d, lost %d, misordered/corrupt %d, %.2f s, %.0f packets/s\n",
			sent, recv, lost, bad, secs, recv / secs
	}' "$work/a.out" "$work/b.out"
if [ $rc -ne 0 ]; then
	echo "main job: FAILED (see above)"
	grep -E "^[a-z_]+: [1-9]" "$work/testpmd.log" || true
	exit 1
fi
echo "main job: OK"
