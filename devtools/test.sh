#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Set up the machine, build twice (plain, and with AddressSanitizer+UBSan)
# and run every test in both builds against the DPDK pkg-config finds
# (Debian's 22.11 on a fresh machine), then the whole suite against every
# other supported DPDK release (devtools/dpdk-matrix.sh), clang's lock
# analysis of the driver, the bounded fuzzing and the static checks.  The last line
# is the summary "N passed, N failed"; the exit status is non-zero on any
# failure.
#
#   devtools/test.sh [meson test args...]     e.g. devtools/test.sh behaviour
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bash devtools/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
bash devtools/build.sh --asan || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
skipped=0
for b in build build-asan; do
	opts=()
	[ "$b" = build-asan ] && opts=(-Dsanitize=true -Db_lundef=false)
	if [ ! -f "$b/build.ninja" ] && ! meson setup "$b" "${opts[@]}"; then
		failed=$((failed + 1))
		continue
	fi
	if ! ninja -C "$b"; then
		echo "test: build $b failed"
		failed=$((failed + 1))
		continue
	fi
	meson test -C "$b" --print-errorlogs --num-processes 1 "$@"
	log="$b/meson-logs/testlog.json"
	p=$(grep -c '"result": "OK"' "$log" || true)
	t=$(grep -c '"result"' "$log" || true)
	echo "test: $b: $p of $t passed"
	passed=$((passed + p))
	failed=$((failed + t - p))
done

# The other supported DPDK releases, each built from its tarball
# (devtools/dpdk-matrix.sh; BSDTUN_MATRIX=0 leaves it out).
tarballs=${BSDTUN_DPDK_TARBALLS:-$top/../shared/dpdk}
if [ "${BSDTUN_MATRIX:-1}" = 0 ]; then
	echo "test: DPDK matrix left out (BSDTUN_MATRIX=0)"
elif ! ls "$tarballs"/dpdk-*.tar.xz >/dev/null 2>&1; then
	# One line, one skipped step: the lock analysis below needs the
	# same tarballs and says nothing more.
	echo "test: DPDK matrix skipped: it needs dpdk-23.11.tar.xz, dpdk-24.11.tar.xz and dpdk-25.11.tar.xz in $tarballs (or BSDTUN_DPDK_TARBALLS=DIR), from https://fast.dpdk.org/rel/dpdk-VERSION.tar.xz or made with git archive --prefix=dpdk-VERSION/ vVERSION of https://dpdk.org/git/dpdk as CI's are: sha256 c2256e475f278df5ea219e9e4e35bc2aa643100c3c5b5a6966e00a33ebb19aa6 (23.11), d3dd24f9cc03250736a130cc0d388e233bac44a2f56c2ad97066953c30065d5d (24.11), 7c000412c147b2e039fbd7ac31a687c950d0354f7523852dcb471ab319c1de27 (25.11)"
	if [ "${CI:-}" = true ]; then
		failed=$((failed + 1)) # CI has them: their absence is a fault
	else
		skipped=$((skipped + 1))
	fi
else
	BSDTUN_NOSETUP=1 bash devtools/dpdk-matrix.sh | tee "$top/build/dpdk-matrix.log"
	summary=$(tail -n 1 "$top/build/dpdk-matrix.log")
	if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
	else
		failed=$((failed + 1))
	fi
fi

# The lock rules (doc/architecture.md) checked by clang's thread-safety
# analysis, against the newest release whose tarball is there (DPDK's own
# locks carry annotations from 23.03; devtools/dpdk-matrix.sh --locks).
newest=$(find "$tarballs" -maxdepth 1 -name "dpdk-*.tar.xz" 2>/dev/null | sort -V | tail -n 1)
newest=${newest##*/dpdk-}
newest=${newest%.tar.xz}
if [ "${BSDTUN_MATRIX:-1}" = 0 ]; then
	echo "test: lock analysis left out (BSDTUN_MATRIX=0)"
elif [ -z "$newest" ]; then
	: # no tarballs: counted with the DPDK matrix above
elif BSDTUN_NOSETUP=1 bash devtools/dpdk-matrix.sh --locks "$newest"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

# Bounded fuzzing of what the client controls (tests/fuzz/README.md).
if bash devtools/fuzz.sh "${BSDTUN_FUZZ_SECONDS:-30}"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

if [ -x devtools/check.sh ]; then
	if bash devtools/check.sh; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
fi

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
