#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Style and static checks, run by devtools/test.sh (and so by CI):
#  - clang-format (.clang-format) on every C file: no diff allowed;
#  - cppcheck (warning, portability, performance) on every C file;
#  - DPDK's forbidden patterns (devtools/checkpatches.sh of DPDK 22.11),
#    where they apply to this tree;
#  - the driver (drivers/net/bsdtun/) held to the newest DPDK release's own
#    rules: the devtools of the newest tarball in ../shared/dpdk
#    (BSDTUN_DPDK_TARBALLS), check_forbidden_additions() and
#    check_aligned_attributes() of its checkpatches.sh run on a patch that
#    adds every driver file, and its check-meson.py on every meson.build
#    (4 spaces, as DPDK's .editorconfig says).  Without a tarball this is
#    skipped, said in one line.
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

# Findings of DPDK's rules the driver keeps on purpose: FILE, the rule's
# message (its start), why.  Printed on every run.
dpdk_allow=(
	"drivers/net/bsdtun/bsdtun_cdev.c|Using pthread functions|the device node's copy workers are plain pthreads: detached, a 64 KiB stack (mlockall locks a whole stack), outliving the port (doc/cdev.md); rte_thread_attr_t has no stack size"
)
dpdk_allowed() { # FILE MESSAGE: print the reason when allowed
	local a
	for a in "${dpdk_allow[@]}"; do
		IFS='|' read -r af am ar <<<"$a"
		if [ "$af" = "$1" ] && [[ $2 == "$am"* ]]; then
			echo "$ar"
			return
		fi
	done
}

# The newest DPDK release's checkpatches.sh rules on the driver.  The two
# functions are taken from the release's script as they are and run on a
# patch adding every file the driver tracks (its working-tree contents)
# but fallback/, which defines for the older releases, from the builtins
# and calls those rules forbid, the API the rules ask for.
dpdk_rules() {
	local tarballs=${BSDTUN_DPDK_TARBALLS:-$top/../shared/dpdk} newest tmp
	local dev patch f out fn
	newest=$(ls "$tarballs"/dpdk-*.tar.xz 2>/dev/null | sort -V | tail -n1)
	if [ -z "$newest" ]; then
		echo "check: no DPDK tarball in $tarballs: the newest release's checkpatches.sh rules are skipped (the 22.11 subset above ran)"
		return 0
	fi
	tmp=$(mktemp -d) || {
		fail "mktemp failed"
		return 0
	}
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" RETURN
	if ! tar -xJf "$newest" -C "$tmp" --wildcards \
		'*/devtools/checkpatches.sh' \
		'*/devtools/check-meson.py' \
		'*/devtools/check-forbidden-tokens.awk' 2>"$tmp/tar.err"; then
		fail "$(basename "$newest"): no devtools/checkpatches.sh: $(cat "$tmp/tar.err")"
		return 0
	fi
	dev=$(dirname "$(ls "$tmp"/*/devtools/checkpatches.sh)")
	patch=$tmp/driver.patch
	while read -r f; do
		git -c core.quotePath=false diff --no-index --no-color \
			--no-ext-diff --src-prefix=a/ --dst-prefix=b/ \
			/dev/null "$f" >>"$patch"
	done < <(git ls-files drivers/net/bsdtun \
		':!drivers/net/bsdtun/fallback/')
	echo "check: drivers/net/bsdtun/fallback/ (the current DPDK API defined for the releases that lack it) is left out of DPDK's rules"
	# The functions, with the script's own directory made the unpacked
	# one; gawk, as DPDK's CI has it (mawk knows no \< \>).
	for fn in check_forbidden_additions check_aligned_attributes; do
		sed -n "/^$fn() {/,/^}/p" "$dev/checkpatches.sh" |
			sed 's|$(dirname $(readlink -f $0))|"$dpdk_dev"|g' \
			>>"$tmp/rules.sh"
		grep -q "^$fn() {" "$tmp/rules.sh" ||
			fail "$(basename "$newest"): checkpatches.sh has no $fn()"
	done
	if ! command -v gawk >/dev/null; then
		fail "gawk is not installed (apt-get install gawk): DPDK's rules need it"
		return 0
	fi
	out=$(cd "$tmp" && dpdk_dev=$dev bash -c '
		awk() { gawk "$@"; }
		. ./rules.sh
		check_forbidden_additions "$1"
		check_aligned_attributes "$1"
		exit 0' _ "$patch" 2>&1)
	# The rules print "Warning in FILE:" lines, then the rule's message
	# (check_aligned_attributes: the message alone).  One problem per
	# file and rule, unless dpdk_allowed names the pair.
	local files=() line msg rel name
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		if [[ $line =~ ^Warning\ in\ (.*):$ ]]; then
			files+=("${BASH_REMATCH[1]}")
			continue
		fi
		msg=$line
		[ ${#files[@]} -gt 0 ] || files=("drivers/net/bsdtun")
		for rel in "${files[@]}"; do
			name=$(dpdk_allowed "$rel" "$msg")
			if [ -n "$name" ]; then
				echo "check: allowed: $rel: $msg: $name"
			else
				fail "$(basename "$newest" .tar.xz) checkpatches.sh: $rel: $msg"
			fi
		done
		files=()
	done <<<"$out"
	echo "check: checkpatch.pl (the Linux kernel's, which DPDK's checkpatches.sh also runs) is not available here: skipped"
	dpdk_meson "$newest" "$dev/check-meson.py"
}

# The release's check-meson.py on the project's meson.build files.  The
# script walks a directory (-d, default .) for meson.build files; here it
# would also walk the build directories, so its own process_file() is run
# on the list git tracks, as its main() runs it on each file it finds.
# It prints one "Error..." line per finding and exits 0 either way.
dpdk_meson() { # TARBALL CHECK-MESON.PY
	local out line n=0
	out=$(git ls-files -z '*meson.build' | python3 -c '
import importlib.util, sys
spec = importlib.util.spec_from_file_location("check_meson", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
for f in sys.stdin.read().split("\0"):
    if f:
        m.process_file(f, False)
' "$2" 2>&1) || fail "$(basename "$1" .tar.xz) check-meson.py failed: $out"
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		fail "$(basename "$1" .tar.xz) check-meson.py: $line"
		n=$((n + 1))
	done <<<"$out"
	echo "check: $(basename "$1" .tar.xz) check-meson.py on $(git ls-files '*meson.build' | wc -l) meson.build files: $n findings"
}
dpdk_rules

echo "check: $problems problems"
[ "$problems" -eq 0 ]
