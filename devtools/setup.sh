#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Prepare a Debian 12 machine (as root) to build, run and test bsdtun.
# Idempotent: every step checks before it acts.
#
#  - installs the Debian packages the build, the main job and the tests use;
#  - fetches Debian's source package of the *installed* DPDK version and
#    unpacks only the five driver-SDK headers into build-deps/dpdk-sdk/;
#  - reserves hugepages and mounts hugetlbfs.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
sdk="$top/build-deps/dpdk-sdk"
nr_hugepages=${BSDTUN_HUGEPAGES:-1024}

log() { printf 'setup: %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: must run as root" >&2
	exit 1
fi

packages=(
	dpdk dpdk-dev libdpdk-dev libnuma-dev
	meson ninja-build pkg-config gcc clang libclang-rt-14-dev
	libfuse3-dev fuse3
	tshark iproute2 iperf3 iputils-ping procps psmisc util-linux
	clang-format cppcheck xz-utils python3-pyelftools
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Driver-SDK headers from the source package of the installed version.
sdk_headers=(
	lib/ethdev/ethdev_driver.h
	lib/ethdev/ethdev_vdev.h
	drivers/bus/vdev/bus_vdev_driver.h
	lib/eal/include/bus_driver.h
	lib/eal/include/dev_driver.h
)
version=$(dpkg-query -W -f='${Version}' libdpdk-dev)
if [ "$(cat "$sdk/VERSION" 2>/dev/null)" != "$version" ]; then
	log "fetching driver-SDK headers of dpdk $version"
	src=/etc/apt/sources.list.d/bsdtun-deb-src.sources
	if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
	   ! grep -qs '^deb-src' /etc/apt/sources.list; then
		sed -e 's/^Types: deb$/Types: deb-src/' \
			/etc/apt/sources.list.d/debian.sources > "$src"
		apt-get update -q
	fi
	work=$(mktemp -d)
	chmod 755 "$work"
	trap 'rm -rf "$work"' EXIT
	(cd "$work" && apt-get source -q --download-only "dpdk=$version")
	orig=$(ls "$work"/dpdk_*.orig.tar.* | head -n1)
	top_dir=$(tar -tf "$orig" | awk -F/ 'NR == 1 { print $1 }')
	tar -xf "$orig" -C "$work" "${sdk_headers[@]/#/$top_dir/}"
	rm -rf "$sdk"
	mkdir -p "$sdk"
	for h in "${sdk_headers[@]}"; do
		cp "$work/$top_dir/$h" "$sdk/"
	done
	echo "$version" > "$sdk/VERSION"
fi

# Hugepages for primary and secondary DPDK processes.
hp=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
if [ "$(cat $hp)" -lt "$nr_hugepages" ]; then
	log "reserving $nr_hugepages hugepages"
	echo "$nr_hugepages" > $hp
fi
if ! grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
	mkdir -p /dev/hugepages
	mount -t hugetlbfs nodev /dev/hugepages
fi
log "ready (dpdk $version, $(cat $hp) hugepages)"
