#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build the libFuzzer targets of tests/fuzz/ with clang (ASan + UBSan) and
# run each for a bounded time on its committed seed corpus.  Exit status 0
# iff no target found a crash, a sanitizer error or a broken invariant.
#
#   devtools/fuzz.sh [SECONDS] [TARGET...]    (default: 60 s; ring region ctrl rx)
#
# Environment: FUZZ_OUT (default build-fuzz: binaries, the growing corpus
# per target, crash files), CC (default clang), FUZZ_ARGS (more libFuzzer
# options, e.g. "-jobs=4 -workers=4").  A long run: tests/fuzz/README.md.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(ring region ctrl rx)
out=${FUZZ_OUT:-$top/build-fuzz}
cc=${CC:-clang}
mkdir -p "$out"

flags=(-g -O1 -fsanitize=fuzzer,address,undefined
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer
	-D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter
	-Ilib/bsdtun -Idrivers/net/bsdtun)
# The control path compiles against DPDK's headers (and the driver-SDK
# headers devtools/setup.sh unpacks) but links no DPDK library.
dpdk_flags() {
	local sdk=build-deps/dpdk-sdk
	[ -f "$sdk/ethdev_driver.h" ] || bash devtools/setup.sh >&2
	echo -DALLOW_INTERNAL_API -DALLOW_EXPERIMENTAL_API \
		$(pkg-config --cflags libdpdk) -I"$sdk"
}

rc=0
for t in "${targets[@]}"; do
	src=tests/fuzz/fuzz_$t.c
	[ -f "$src" ] || { echo "fuzz: no target $t" >&2; exit 2; }
	extra=()
	libs=()
	leaks=1
	[ "$t" = ctrl ] && read -r -a extra <<< "$(dpdk_flags)"
	if [ "$t" = rx ]; then
		# the burst path with a real mempool: DPDK's libraries and EAL,
		# which keeps its memory to the end (no leak check at exit;
		# the target checks the mempool is full after every input)
		read -r -a extra <<< "$(dpdk_flags)"
		read -r -a libs <<< "$(pkg-config --libs libdpdk)"
		leaks=0
	fi
	echo "fuzz: building $t"
	"$cc" "${flags[@]}" "${extra[@]}" "$src" "${libs[@]}" -o "$out/fuzz_$t"
	mkdir -p "$out/corpus/$t"
	echo "fuzz: running $t for ${secs}s"
	# -timeout: one input may not take a second; -rss_limit_mb: the
	# control target maps a region per session; -print_funcs=0: naming
	# a newly covered function starts a symbolizer on pipes, which the
	# control target's descriptor check would take for a leak
	# shellcheck disable=SC2086
	if ! ASAN_OPTIONS=detect_leaks=$leaks UBSAN_OPTIONS=print_stacktrace=1 \
		"$out/fuzz_$t" -max_total_time="$secs" -timeout=5 \
		-rss_limit_mb=4096 -print_final_stats=1 -print_funcs=0 \
		-artifact_prefix="$out/crash-$t-" ${FUZZ_ARGS:-} \
		"$out/corpus/$t" "tests/fuzz/corpus/$t" > "$out/$t.log" 2>&1; then
		echo "fuzz: $t FAILED; see $out/$t.log and $out/crash-$t-*"
		grep -E 'ERROR|SUMMARY|runtime error' "$out/$t.log" | head -5
		rc=1
		continue
	fi
	grep -E '^(stat::number_of_executed_units|stat::new_units_added)' \
		"$out/$t.log" | tr '\n' ' '
	grep -E 'DONE|cov:' "$out/$t.log" | tail -1
	echo "fuzz: $t ok"
done
exit $rc
