#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Style and static checks, run by devtools/test.sh (and so by CI):
#  - clang-format (.clang-format) on every C file: no diff allowed;
#  - cppcheck (warning, portability, performance) on every C file;
#  - DPDK's forbidden patterns (devtools/checkpatches.sh of DPDK 22.11),
#    where they apply to this tree.
# Prints one line per finding and "check: N problems"; exit 1 on any.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
problems=0

fail() {
	echo "check: $*"
	problems=$((problems + 1))
}

mapfile -t c_files < <(git ls-files '*.c' '*.h')

# clang-format
for f in "${c_files[@]}"; do
	if ! clang-format --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
		fail "clang-format: $f differs (clang-format -i $f)"
	fi
done

# cppcheck
out=$(cppcheck --quiet --enable=warning,portability,performance \
	--error-exitcode=1 --inline-suppr -I lib/bsdtun \
	--include=/usr/include/x86_64-linux-gnu/sys/queue.h \
	-DBSDTUN_CDEV lib app drivers tests 2>&1) ||
	fail "cppcheck:"$'\n'"$out"

# DPDK's forbidden patterns: folder list, extended regex, message.
forbid() {
	local folders=$1 re=$2 msg=$3 hits
	# shellcheck disable=SC2086
	hits=$(git grep -nE "$re" -- $folders 2>/dev/null | grep -v '^devtools/')
	[ -z "$hits" ] || fail "$msg:"$'\n'"$hits"
}
forbid "drivers lib" 'rte_panic\(|rte_exit\(' 'rte_panic/rte_exit'
forbid "drivers app" '__attribute__' 'compiler attribute used directly'
forbid "drivers" '%ll*[xud]' '%l format, prefer %PRI*64'
forbid "drivers lib app tests" \
	'\bfor[[:space:]]*\((char|u?int|unsigned|s?size_t)' \
	'variable declared inside for()'
forbid "drivers lib app" 'rte_atomic[0-9][0-9]_.*\(' 'rte_atomicNN_xxx'
forbid "drivers lib app" 'rte_smp_(r|w)?mb\(' 'rte_smp_[rw]mb'
forbid "drivers lib app" '__sync_.*\(' '__sync builtins'
forbid "drivers" '__atomic_thread_fence\(' '__atomic_thread_fence'
forbid "drivers lib app" '\b__reserved\b' '__reserved'
forbid "drivers" '\bRTE_LOG_REGISTER\b' 'RTE_LOG_REGISTER, prefer _DEFAULT'
forbid "app lib" 'include.*_driver\.h|include.*_pmd\.h' \
	'driver headers outside the driver'
forbid "drivers lib app tests doc" 'http://.*dpdk\.org' 'http link to dpdk.org'

echo "check: $problems problems"
[ "$problems" -eq 0 ]
