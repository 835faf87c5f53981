#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build the Debian packages (debian/, doc/packaging.md) from the working
# tree with dpkg-buildpackage, debhelper and meson, against the DPDK that
# pkg-config finds (PKG_CONFIG_PATH is honoured, as for devtools/build.sh),
# then run lintian on them.  Run devtools/setup.sh first.
#
#   devtools/package.sh [OUTDIR]        default OUTDIR: build-pkg-deb/
#
# OUTDIR gets the .deb files, the .changes and lintian.txt; the tree is
# copied to OUTDIR/bsdtun-VERSION/ and built there (the working tree gets
# nothing).  The PMD's package is named after that DPDK's ABI, the number
# of its plugin directory (pmds-23.0: librte-net-bsdtun23), as Debian
# names librte-net-*23.  The last line lists the packages; the exit status
# is non-zero when the build fails or lintian reports an error.
#
# Environment: BSDTUN_DPDK_SDK (a DPDK source tree for the driver-SDK
# headers, as for devtools/build.sh), DEB_BUILD_OPTIONS (e.g. parallel=2).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=$(mkdir -p "${1:-$top/build-pkg-deb}" && cd "${1:-$top/build-pkg-deb}" && pwd)

die() {
	echo "package: $*" >&2
	exit 1
}

for t in dpkg-buildpackage dh meson lintian fakeroot; do
	command -v "$t" >/dev/null ||
		die "$t is missing: bash devtools/setup.sh installs it"
done
pkg-config --exists libdpdk ||
	die "no DPDK: pkg-config libdpdk failed (bash devtools/setup.sh, or PKG_CONFIG_PATH)"

# The project's version is the packages' version (native: debian/ lives
# in the tree).
version=$(sed -n "s/^[[:space:]]*version: '\([^']*\)'.*/\1/p" meson.build | head -n1)
deb_version=$(dpkg-parsechangelog -l debian/changelog -S Version)
[ "$version" = "$deb_version" ] ||
	die "meson.build says version $version but debian/changelog's newest entry is $deb_version: add an entry (dch -v $version)"

# The DPDK: its version and plugin directory (RTE_EAL_PMD_PATH, as
# drivers/net/bsdtun/meson.build finds it), whose pmds-<ABI>.0 names the
# PMD's package.
dpdk_version=$(pkg-config --modversion libdpdk)
# shellcheck disable=SC2046
pmd_dir=$(echo '#include <rte_build_config.h>' |
	cc -E -dM $(pkg-config --cflags libdpdk) - |
	sed -n 's/^#define RTE_EAL_PMD_PATH "\(.*\)"$/\1/p')
[ -n "$pmd_dir" ] || die "DPDK $dpdk_version has no plugin directory (RTE_EAL_PMD_PATH)"
abi=$(basename "$pmd_dir" | sed -n 's/^pmds-\([0-9]*\)\.[0-9]*$/\1/p')
[ -n "$abi" ] || die "cannot tell DPDK $dpdk_version's ABI from its plugin directory $pmd_dir"
pmd_pkg=librte-net-bsdtun$abi

# The tree as it is in the working copy (tracked and new files, not what
# .gitignore leaves out), and the driver-SDK headers devtools/setup.sh put
# in build-deps/ when the DPDK has none of its own.
src=$out/bsdtun-$version
rm -rf "$src" "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo "$out"/lintian.txt
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar -c --null -T - | tar -x -C "$src"
meson_opts=()
if [ -n "${BSDTUN_DPDK_SDK:-}" ]; then
	meson_opts+=("-Ddpdk_sdk_dir=$BSDTUN_DPDK_SDK")
elif [ -d build-deps/dpdk-sdk ]; then
	mkdir -p "$src/build-deps"
	cp -r build-deps/dpdk-sdk "$src/build-deps/"
fi

# The PMD's package for this ABI, holding exactly that plugin directory.
if [ "$pmd_pkg" != librte-net-bsdtun23 ]; then
	sed -i "s/\blibrte-net-bsdtun23\b/$pmd_pkg/" "$src/debian/control"
	mv "$src/debian/librte-net-bsdtun23.install" "$src/debian/$pmd_pkg.install"
fi
echo "${pmd_dir#/}/librte_net_bsdtun.so" >"$src/debian/$pmd_pkg.install"

# A DPDK outside the system's library path (a prefix): dpkg-shlibdeps
# finds its libraries through LD_LIBRARY_PATH.
dpdk_libdir=$(pkg-config --variable=libdir libdpdk)
case $dpdk_libdir in
/usr/lib | /usr/lib/* | /lib | /lib/*) ;;
*) export LD_LIBRARY_PATH=$dpdk_libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} ;;
esac

# Build-Depends names Debian's libdpdk-dev: another DPDK (a prefix) is
# not checked against it.
bd_opt=()
dpkg-query -S "$(pkg-config --path libdpdk)" >/dev/null 2>&1 || bd_opt=(-d)

echo "package: bsdtun $version against DPDK $dpdk_version ($pmd_dir)"
export BSDTUN_MESON_OPTS="${meson_opts[*]:-}"
(cd "$src" && dpkg-buildpackage -b -us -uc "${bd_opt[@]}") >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	die "dpkg-buildpackage failed: $out/build.log"
}

changes=$(ls "$out"/bsdtun_"$version"_*.changes)
rc=0
lintian --fail-on error -I --show-overrides "$changes" >"$out/lintian.txt" 2>&1 || rc=$?
cat "$out/lintian.txt"
[ "$rc" -eq 0 ] || die "lintian reports errors ($out/lintian.txt)"
echo "package: $(cd "$out" && echo ./*.deb | sed 's|\./||g') in $out"
