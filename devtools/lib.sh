# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Start-up and clean-up of one dpdk-testpmd with two net_bsdtun ports, for
# the scripts that source this file (run.sh, soak.sh, the demos).  It
# goes to the top of the checkout ($top) and sets $build (BSDTUN_BUILD,
# default build) and $framing (BSDTUN_FRAMING, default eth).
#
#   testpmd_setup NAME   $work, a temp dir; at exit (also on Ctrl-C or
#                        SIGTERM) the script's own on_exit function, if it
#                        has one, runs, then testpmd_stop, then $work and
#                        what EAL left for testpmd's file prefix are removed
#   testpmd_start DEVARGS TESTPMD_ARGS...
#                        dpdk-testpmd -i in the background ($tp_pid) with
#                        net_bsdtun0 on $work/u0.sock and net_bsdtun1 on
#                        $work/u1.sock, both with DEVARGS; commands go to
#                        file descriptor 3, output to $work/testpmd.log.
#                        Returns once the prompt is there (non-zero, with
#                        the log on stderr, when it is not within 10 s)
#   testpmd_stop         quit testpmd (killed when still there after 10 s)
#   demo_cleanup         kill and reap the processes in ${pids[@]}, then
#                        delete the network namespaces in ${netns[@]}
#                        (the demos' on_exit)
#   demo_iperf3 SERVER_NS ADDR CLIENT_NS SECS
#                        iperf3 -s -1 on ADDR in SERVER_NS (its pid in
#                        pids, its output in $work/iperf3-s.log), then
#                        iperf3 -c ADDR for SECS seconds from CLIENT_NS
#   tuntest_totals FILE...
#                        "SENT RECEIVED LOST BAD" summed over the result
#                        lines of tuntest traffic in FILEs (BAD: reordered
#                        or corrupt)

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top" || exit 1
build=${BSDTUN_BUILD:-build}
# shellcheck disable=SC2034 # the scripts use it
framing=${BSDTUN_FRAMING:-eth}

testpmd_setup() {
	tp_prefix="bsdtun-$1-$$"
	tp_pid=
	work=$(mktemp -d "/tmp/bsdtun-$1.XXXXXX")
	trap testpmd_cleanup EXIT
	trap 'exit 130' INT TERM
}

testpmd_cleanup() {
	set +e
	declare -F on_exit > /dev/null && on_exit
	testpmd_stop
	wait 2> /dev/null
	rm -rf "$work" "/var/run/dpdk/$tp_prefix" \
		"${XDG_RUNTIME_DIR:-/tmp}/dpdk/$tp_prefix"
}

# shellcheck disable=SC2154 # the demo sets pids and netns
demo_cleanup() {
	local p ns
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	for ns in "${netns[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
}

demo_iperf3() {
	ip netns exec "$1" iperf3 -s -1 -B "$2" > "$work/iperf3-s.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 50); do
		ip netns exec "$1" ss -ltn 2>/dev/null | grep -q ':5201 ' && break
		sleep 0.1
	done
	ip netns exec "$3" iperf3 -c "$2" -t "$4" -f m
}

testpmd_start() {
	local devargs=$1
	shift
	mkfifo "$work/cmd"
	stdbuf -oL dpdk-testpmd -l 0-1 --file-prefix="$tp_prefix" --no-pci \
		--huge-unlink -d "$(bash devtools/pmd-path.sh "$build")" \
		--vdev="net_bsdtun0,sock=$work/u0.sock,$devargs" \
		--vdev="net_bsdtun1,sock=$work/u1.sock,$devargs" \
		-- -i "$@" < "$work/cmd" > "$work/testpmd.log" 2>&1 &
	tp_pid=$!
	exec 3> "$work/cmd"
	for _ in $(seq 100); do
		[ -S "$work/u1.sock" ] && grep -q 'testpmd>' "$work/testpmd.log" &&
			return 0
		sleep 0.1
	done
	echo "testpmd did not start; its output:" >&2
	cat "$work/testpmd.log" >&2
	return 1
}

testpmd_stop() {
	[ -n "$tp_pid" ] || return 0
	if kill -0 "$tp_pid" 2> /dev/null; then
		printf 'stop\nquit\n' 2> /dev/null >&3 || true
	fi
	exec 3>&-
	for _ in $(seq 100); do
		kill -0 "$tp_pid" 2> /dev/null || break
		sleep 0.1
	done
	kill "$tp_pid" 2> /dev/null || true
	wait "$tp_pid" 2> /dev/null || true
	tp_pid=
}

tuntest_totals() {
	awk '/^tuntest: stream/ {
		for (i = 1; i < NF; i++) v[$i] = $(i + 1)
		sent += v["sent"]; recv += v["received"]; lost += v["lost"]
		bad += v["reordered"] + v["corrupt"]
	}
	END { printf "%.0f %.0f %.0f %.0f\n", sent, recv, lost, bad }' "$@"
}
