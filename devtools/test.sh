#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Set up the machine, build twice (plain, and with AddressSanitizer+UBSan)
# and run every test in both builds, then the static checks.  The last line
# is the summary "N passed, N failed"; the exit status is non-zero on any
# failure.
#
#   devtools/test.sh [meson test args...]     e.g. devtools/test.sh rows
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bash devtools/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
bash devtools/build.sh --asan || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
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

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
