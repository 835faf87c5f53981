#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# devtools/pmd-path.sh BUILD_DIR: print a path to BUILD_DIR's PMD that EAL
# accepts for -d.  EAL refuses a plugin below a world-writable directory
# (a checkout under /tmp, say); then the PMD is copied to a private
# directory under /run/bsdtun/pmd (or ~/.cache/bsdtun/pmd) and that copy's
# path is printed.
set -euo pipefail

so=$(readlink -f "${1:-build}/drivers/net/bsdtun/librte_net_bsdtun.so")
[ -f "$so" ] || { echo "pmd-path: no PMD at $so (build first)" >&2; exit 1; }

safe() {
	local d
	d=$(dirname "$1")
	while [ "$d" != / ]; do
		[ $((0$(stat -c %a "$d") & 2)) -eq 0 ] || return 1
		d=$(dirname "$d")
	done
}

if safe "$so"; then
	echo "$so"
	exit 0
fi
base=/run/bsdtun/pmd
[ -w /run ] || base=$HOME/.cache/bsdtun/pmd
dir=$base/$(echo "$so" | md5sum | cut -c1-12)
mkdir -p "$dir"
chmod 0755 "$base" "$dir"
cp "$so" "$dir/librte_net_bsdtun.so.tmp"
mv "$dir/librte_net_bsdtun.so.tmp" "$dir/librte_net_bsdtun.so"
echo "$dir/librte_net_bsdtun.so"
