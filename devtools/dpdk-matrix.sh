#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The DPDK matrix: bsdtun built and tested against every DPDK release whose
# tarball is in ../shared/dpdk/ (23.11, 24.11, 25.11), each with that
# release's own testpmd, dumpcap, pdump and proc-info.  Debian's 22.11 is
# devtools/test.sh's job.
#
#   devtools/dpdk-matrix.sh [--build-only] [VERSION...]   e.g. 25.11
#   devtools/dpdk-matrix.sh --locks VERSION
#
# For each release:
#  1. a minimal DPDK (vdev bus, ring mempool, net_null/net_ring/net_memif,
#     net_pcap for dpdk-pdump's capture files,
#     the four apps, driver-SDK headers on) is built from the tarball and
#     installed under $BSDTUN_DPDK_CACHE/<version>/prefix; a stamp with the
#     tarball's sha256 makes later runs reuse it;
#  2. bsdtun is configured with PKG_CONFIG_PATH pointing at that prefix,
#     built into build-dpdk-<version>/ and installed into the same prefix
#     (the PMD into that DPDK's own plugin directory, which its dumpcap
#     scans);
#  3. the whole meson suite of that plain build runs with the prefix's bin
#     first in PATH and its libraries in LD_LIBRARY_PATH.
# It ends with a table, release x suite, and "N passed, N failed"; the exit
# status is non-zero on any failure.
#
# --locks: the driver alone, built with clang against that release into
# build-locks-dpdk-<version>/ with its thread-safety analysis on
# (-DRTE_ANNOTATE_LOCKS -Wthread-safety, drivers/net/bsdtun/meson.build)
# and every finding an error: the lock rules of doc/architecture.md hold.
# One result, "1 passed, 0 failed" or "0 passed, 1 failed".
#
# Environment: BSDTUN_DPDK_TARBALLS (default ../shared/dpdk beside the
# checkout), BSDTUN_DPDK_CACHE (default /var/cache/bsdtun/dpdk),
# BSDTUN_NOSETUP=1 to skip devtools/setup.sh.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tarballs=${BSDTUN_DPDK_TARBALLS:-$top/../shared/dpdk}
cache=${BSDTUN_DPDK_CACHE:-/var/cache/bsdtun/dpdk}

build_only=0
locks=0
if [ "${1:-}" = --build-only ]; then
	build_only=1
	shift
elif [ "${1:-}" = --locks ]; then
	locks=1
	shift
fi

log() { printf 'dpdk-matrix: %s\n' "$*"; }

if [ "${BSDTUN_NOSETUP:-0}" != 1 ]; then
	bash devtools/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
fi

# DPDK's meson needs Debian's python3 (with pyelftools), not whichever
# python3 comes first in PATH.
dpdk_path=/usr/bin:/bin:/usr/sbin:/sbin:$PATH

# How each DPDK is built: shared libraries, as a distribution ships them
# (a static testpmd cannot load a PMD linked against the shared ones).
dpdk_opts=(
	-Dbuildtype=release -Ddefault_library=shared
	-Denable_drivers=bus/vdev,mempool/ring,net/null,net/ring,net/memif,net/pcap
	-Denable_apps=test-pmd,dumpcap,pdump,proc-info
	-Denable_driver_sdk=true -Dtests=false -Dexamples= -Denable_docs=false
)

# build_dpdk VERSION TARBALL: build and install a minimal DPDK into
# $cache/VERSION/prefix unless the stamp (tarball and options) says it is
# already there.
build_dpdk() {
	local ver=$1 tarball=$2 dir=$cache/$1 stamp src
	stamp="$(sha256sum "$tarball" | cut -d' ' -f1) ${dpdk_opts[*]}"
	if [ "$(cat "$dir/STAMP" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	log "$ver: building DPDK from $(basename "$tarball") (a few minutes)"
	rm -rf "$dir"
	mkdir -p "$dir"
	chmod 0755 "$cache" "$dir"
	tar -xf "$tarball" -C "$dir" || return 1
	src=$(ls -d "$dir"/dpdk-*/ | head -n1)
	(
		cd "$src" &&
		PATH=$dpdk_path meson setup build --prefix="$dir/prefix" \
			"${dpdk_opts[@]}" >"$dir/setup.log" 2>&1 &&
		PATH=$dpdk_path ninja -C build >"$dir/build.log" 2>&1 &&
		PATH=$dpdk_path meson install -C build --quiet \
			>"$dir/install.log" 2>&1
	) || {
		log "$ver: DPDK build failed, see $dir/*.log"
		tail -n 20 "$dir"/*.log >&2
		return 1
	}
	rm -rf "$src/build"
	echo "$stamp" > "$dir/STAMP"
}

# dpdk_env VERSION: print the environment that puts that DPDK first.
dpdk_env() {
	local prefix=$cache/$1/prefix libdir
	libdir=$(dirname "$(find "$prefix" -name libdpdk.pc -path '*/pkgconfig/*' | head -n1)")
	libdir=$(dirname "$libdir")
	echo "PKG_CONFIG_PATH=$libdir/pkgconfig"
	echo "LD_LIBRARY_PATH=$libdir"
	echo "PATH=$prefix/bin:$PATH"
	# the release's source tree, for tests/test_setup.py's -Ddpdk_sdk_dir
	echo "BSDTUN_DPDK_SRC=$(ls -d "$cache/$1"/dpdk-*/ | head -n1 | sed 's:/$::')"
}

# check_locks VERSION: the driver built with clang's lock analysis.
check_locks() {
	local ver=$1 b=build-locks-dpdk-$1 env_vars
	mapfile -t env_vars < <(dpdk_env "$ver")
	env "${env_vars[@]}" CC=clang bash -c '
		set -e
		[ -f "$1/build.ninja" ] ||
			meson setup "$1" -Dc_args=-Werror=thread-safety >/dev/null
		ninja -C "$1" drivers/net/bsdtun/librte_net_bsdtun.so
		# the analysis did run: clang, and the flags on the driver
		ninja -C "$1" -t commands drivers/net/bsdtun/librte_net_bsdtun.so |
			grep -q "^clang .*-DRTE_ANNOTATE_LOCKS -Wthread-safety"' \
		_ "$b"
}

if [ "$locks" = 1 ]; then
	ver=${1:-}
	if [ -z "$ver" ] || [ ! -f "$tarballs/dpdk-$ver.tar.xz" ]; then
		log "--locks: no tarball dpdk-$ver.tar.xz in $tarballs"
		echo "0 passed, 1 failed"
		exit 1
	fi
	if build_dpdk "$ver" "$tarballs/dpdk-$ver.tar.xz" &&
	   check_locks "$ver"; then
		log "$ver: lock analysis clean"
		echo "1 passed, 0 failed"
		exit 0
	fi
	log "$ver: lock analysis failed"
	echo "0 passed, 1 failed"
	exit 1
fi

versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then
	for t in "$tarballs"/dpdk-*.tar.xz; do
		[ -f "$t" ] || continue
		v=${t##*/dpdk-}
		versions+=("${v%.tar.xz}")
	done
fi
if [ ${#versions[@]} -eq 0 ]; then
	log "no DPDK tarballs in $tarballs (set BSDTUN_DPDK_TARBALLS)"
	echo "0 passed, 1 failed"
	exit 1
fi

rows=()
passed=0
failed=0
for ver in "${versions[@]}"; do
	tarball=$tarballs/dpdk-$ver.tar.xz
	if [ ! -f "$tarball" ]; then
		log "$ver: no tarball $tarball"
		rows+=("$ver dpdk-build FAIL")
		failed=$((failed + 1))
		continue
	fi
	if ! build_dpdk "$ver" "$tarball"; then
		rows+=("$ver dpdk-build FAIL")
		failed=$((failed + 1))
		continue
	fi
	[ "$build_only" = 1 ] && continue
	mapfile -t env_vars < <(dpdk_env "$ver")
	b=build-dpdk-$ver
	prefix=$cache/$ver/prefix
	if ! env "${env_vars[@]}" bash -c '
		set -e
		[ -f "$1/build.ninja" ] || meson setup "$1" --prefix="$2" >/dev/null
		ninja -C "$1"
		meson install -C "$1" --quiet' _ "$b" "$prefix"; then
		rows+=("$ver bsdtun-build FAIL")
		failed=$((failed + 1))
		continue
	fi
	rows+=("$ver bsdtun-build pass")
	passed=$((passed + 1))
	env "${env_vars[@]}" meson test -C "$b" --print-errorlogs \
		--num-processes 1
	while read -r name result; do
		if [ "$result" = OK ]; then
			rows+=("$ver $name pass")
			passed=$((passed + 1))
		else
			[ "$result" = FAIL ] || result="FAIL:$result"
			rows+=("$ver $name $result")
			failed=$((failed + 1))
		fi
	done < <(python3 -c '
import json, sys
for line in open(sys.argv[1]):
	t = json.loads(line)
	print(t["name"], t["result"])' "$b/meson-logs/testlog.json")
done

if [ "$build_only" = 1 ]; then
	[ "$failed" -eq 0 ]
	exit
fi

# The table: one row per suite, one column per release.
printf '%s\n' "${rows[@]}" | python3 -c '
import sys
cells, vers, names = {}, [], []
for line in sys.stdin:
	v, n, r = line.split()
	cells[(v, n)] = r
	vers += [v] if v not in vers else []
	names += [n] if n not in names else []
w = max(len(n) for n in names)
print("%-*s  %s" % (w, "suite", "  ".join("%-8s" % v for v in vers)))
for n in names:
	print("%-*s  %s" % (w, n, "  ".join("%-8s" % cells.get((v, n), "-") for v in vers)))'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
