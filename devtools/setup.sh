#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Prepare a Debian 12 machine (as root) to build, run and test bsdtun.
# Idempotent: every step checks before it acts.
#
#  - installs the Debian packages the build, the main job, the tests and
#    devtools/package.sh use;
#  - uses the DPDK that pkg-config finds (PKG_CONFIG_PATH is honoured, so a
#    DPDK installed under a prefix is used as it is); only when there is
#    none, installs Debian's (22.11);
#  - makes sure the driver-SDK headers of that DPDK's version exist, in
#    meson's order: the DPDK source tree named by BSDTUN_DPDK_SDK (passed
#    to meson as -Ddpdk_sdk_dir by devtools/build.sh), else the DPDK's own
#    (built with -Denable_driver_sdk=true), else for a Debian package the
#    five headers from Debian's source package of the *installed* version,
#    unpacked into build-deps/dpdk-sdk/ with VERSION and SOURCE files
#    saying what they are; anything else stops here with one line saying
#    which of the three to provide; from the same source package, DPDK's
#    l3fwd-power example (build-deps/dpdk-examples/, tests/test_l3fwd_power.py
#    builds and runs it);
#  - reserves hugepages and mounts hugetlbfs.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
sdk="$top/build-deps/dpdk-sdk"
examples="$top/build-deps/dpdk-examples"
nr_hugepages=${BSDTUN_HUGEPAGES:-1024}

log() { printf 'setup: %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: must run as root" >&2
	exit 1
fi

packages=(
	libnuma-dev
	meson ninja-build pkg-config gcc clang libclang-rt-14-dev
	libfuse3-dev fuse3
	tshark iproute2 iperf3 iputils-ping procps psmisc util-linux
	clang-format cppcheck gawk xz-utils python3-pyelftools libpcap-dev
	binutils gdb strace openvpn socat openssh-client openssh-server
	dpkg-dev debhelper devscripts lintian fakeroot
)

install_missing() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
}

install_missing "${packages[@]}"
if ! pkg-config --exists libdpdk; then
	install_missing dpdk dpdk-dev libdpdk-dev
fi
dpdk_version=$(pkg-config --modversion libdpdk)
dpdk_pc=$(pkg-config --path libdpdk)

# Driver-SDK headers of the DPDK found above.
sdk_headers=(
	lib/ethdev/ethdev_driver.h
	lib/ethdev/ethdev_vdev.h
	drivers/bus/vdev/bus_vdev_driver.h
	lib/eal/include/bus_driver.h
	lib/eal/include/dev_driver.h
)
deb_pkg=$(dpkg-query -S "$dpdk_pc" 2>/dev/null | cut -d: -f1 || true)
# The order meson follows (drivers/net/bsdtun/meson.build).
if [ -n "${BSDTUN_DPDK_SDK:-}" ]; then
	sdk_from="BSDTUN_DPDK_SDK=$BSDTUN_DPDK_SDK (meson checks its version)"
elif [ -f "$(pkg-config --variable=includedir libdpdk)/ethdev_driver.h" ]; then
	sdk_from="the installed DPDK's own"
elif [ -n "$deb_pkg" ]; then
	version=$(dpkg-query -W -f='${Version}' "$deb_pkg")
	sdk_from="Debian's source package dpdk=$version"
	if [ "$(cat "$sdk/VERSION" 2>/dev/null)" != "$version" ] ||
	   [ "$(cat "$examples/VERSION" 2>/dev/null)" != "$version" ]; then
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
		tar -xf "$orig" -C "$work" "${sdk_headers[@]/#/$top_dir/}" \
			"$top_dir/examples/l3fwd-power"
		rm -rf "$sdk"
		mkdir -p "$sdk"
		for h in "${sdk_headers[@]}"; do
			cp "$work/$top_dir/$h" "$sdk/"
		done
		echo "Debian source package dpdk=$version ($(basename "$orig"))" \
			> "$sdk/SOURCE"
		echo "$version" > "$sdk/VERSION"
		rm -rf "$examples"
		mkdir -p "$examples"
		cp -r "$work/$top_dir/examples/l3fwd-power" "$examples/"
		echo "$version" > "$examples/VERSION"
	fi
else
	echo "setup: DPDK $dpdk_version ($dpdk_pc) has no driver-SDK headers and is not a Debian package: rebuild it with -Denable_driver_sdk=true, or set BSDTUN_DPDK_SDK to a DPDK $dpdk_version source tree" >&2
	exit 1
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
log "ready (DPDK $dpdk_version from $dpdk_pc, driver-SDK headers: $sdk_from; $(cat $hp) hugepages)"
