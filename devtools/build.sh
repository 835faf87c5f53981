#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build bsdtun (build/: plain; build-asan/: AddressSanitizer + UBSan when
# asked with --asan) and install the plain build: the PMD into DPDK's plugin
# directory (so that dpdk-dumpcap, which has no -d, finds it), libbsdtun,
# bsdtun.h, bsdtun.pc, tuntest.  Run devtools/setup.sh first.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# BSDTUN_DPDK_SDK: a DPDK source tree to take the driver-SDK headers from.
sdk_opt=()
[ -z "${BSDTUN_DPDK_SDK:-}" ] || sdk_opt=("-Ddpdk_sdk_dir=$BSDTUN_DPDK_SDK")
[ -f build/build.ninja ] || meson setup build "${sdk_opt[@]}" >/dev/null
ninja -C build
meson install -C build --quiet
ldconfig
if [ "${1:-}" = --asan ]; then
	[ -f build-asan/build.ninja ] ||
		meson setup build-asan -Dsanitize=true -Db_lundef=false \
			"${sdk_opt[@]}" >/dev/null
	ninja -C build-asan
fi
