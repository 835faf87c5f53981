#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Set-up against the DPDK the user has (drivers/net/bsdtun/meson.build):
bad input gets one clear line, never a compiler error deep in a DPDK
header; the PMD goes into the installed DPDK's own plugin directory.

Each case runs `meson setup` of this source tree into a scratch directory
with the environment of this build (PKG_CONFIG_PATH included).  With
BSDTUN_DPDK_SRC (devtools/dpdk-matrix.sh sets it) a DPDK source tree of the
installed version is used as -Ddpdk_sdk_dir too."""
import json
import os
import re
import shutil
import subprocess

import harness
from harness import check, check_eq

TOP = os.path.dirname(harness.HERE)


def pkg_config(*args, env=None):
    return subprocess.run(['pkg-config'] + list(args) + ['libdpdk'],
                          capture_output=True, text=True, env=env,
                          check=True).stdout.strip()


def setup(s, name, *opts, env=None):
    """meson setup into a scratch dir: (exit status, output, ERROR lines)."""
    bdir = s.path('build-' + name)
    argv = ['meson', 'setup', bdir] + list(opts)
    p = subprocess.run(argv, cwd=TOP, capture_output=True, text=True,
                       env=env, timeout=300)
    out = p.stdout + p.stderr
    errors = [ln for ln in out.splitlines() if 'ERROR: ' in ln]
    print('$ %s -> %d' % (' '.join(argv), p.returncode), flush=True)
    for ln in errors or out.splitlines()[-3:]:
        print('  | ' + ln, flush=True)
    return p.returncode, out, errors, bdir


def refused(s, name, want, *opts, env=None):
    rc, out, errors, _ = setup(s, name, *opts, env=env)
    check(rc != 0, '%s: meson setup fails' % name)
    check_eq(len(errors), 1, '%s: one ERROR line' % name)
    check(errors and re.search(want, errors[0]),
          '%s: the line says /%s/' % (name, want))
    check(not re.search(r'\.h:\d+:\d+: error', out),
          '%s: no compiler error from a header' % name)


def headers_dir(s, name, version, files=True):
    """A directory of driver-SDK headers labelled VERSION=version."""
    d = s.path(name)
    os.makedirs(d)
    if files:
        inc = pkg_config('--variable=includedir')
        src = inc if os.path.exists(os.path.join(inc, 'ethdev_driver.h')) \
            else os.path.join(TOP, 'build-deps', 'dpdk-sdk')
        for h in ('ethdev_driver.h', 'ethdev_vdev.h', 'bus_vdev_driver.h',
                  'bus_driver.h', 'dev_driver.h'):
            shutil.copy(os.path.join(src, h), d)
    with open(os.path.join(d, 'VERSION'), 'w') as f:
        f.write(version + '\n')
    return d


def main():
    version = pkg_config('--modversion')
    with harness.Session() as s:
        # No libdpdk at all.
        env = dict(os.environ, PKG_CONFIG_PATH='',
                   PKG_CONFIG_LIBDIR=s.path('no-pkgconfig'))
        refused(s, 'no-libdpdk', r'no DPDK found: pkg-config libdpdk '
                r'failed.*PKG_CONFIG_PATH', env=env)

        # Headers of another release than the installed one.
        other = '23.11.0' if not version.startswith('23.11') else '24.11.0'
        d = headers_dir(s, 'sdk-other', other)
        refused(s, 'version-mismatch',
                r'headers in %s are from DPDK %s but the installed DPDK '
                r'\(pkg-config libdpdk\) is %s' %
                (re.escape(d), re.escape(other), re.escape(version)),
                '-Ddpdk_sdk_dir=' + d)

        # A directory without ethdev_driver.h.
        d = headers_dir(s, 'sdk-empty', version, files=False)
        refused(s, 'no-ethdev-driver-h',
                r'dpdk_sdk_dir=%s has no ethdev_driver.h' % re.escape(d),
                '-Ddpdk_sdk_dir=' + d)

        # Headers without a VERSION saying where they are from.
        d = headers_dir(s, 'sdk-unlabelled', version)
        os.unlink(os.path.join(d, 'VERSION'))
        refused(s, 'no-version-file', r'has no VERSION file',
                '-Ddpdk_sdk_dir=' + d)

        # The right headers are accepted, and the PMD is installed into
        # the installed DPDK's own plugin directory, pmds-<ethdev ABI>.0.
        d = headers_dir(s, 'sdk-good', version)
        rc, out, _, bdir = setup(s, 'matching', '-Ddpdk_sdk_dir=' + d)
        check_eq(rc, 0, 'matching headers: meson setup succeeds')
        check('driver-SDK headers from the header directory %s (DPDK %s)'
              % (d, version) in out, 'matching headers: where they came '
              'from is reported')
        installed = json.loads(subprocess.run(
            ['meson', 'introspect', bdir, '--installed'],
            capture_output=True, text=True, check=True).stdout)
        pmd = [v for k, v in installed.items()
               if k.endswith('/librte_net_bsdtun.so')]
        check_eq(len(pmd), 1, 'the PMD is installed')
        needed = subprocess.run(
            ['readelf', '-d', os.path.join(harness.BUILD, 'drivers', 'net',
                                           'bsdtun', 'librte_net_bsdtun.so')],
            capture_output=True, text=True, check=True).stdout
        abi = re.search(r'librte_ethdev\.so\.(\d+)', needed)
        check(abi, 'the PMD needs a versioned librte_ethdev')
        if pmd and abi:
            check_eq(os.path.basename(os.path.dirname(pmd[0])),
                     'pmds-%s.0' % abi.group(1),
                     'the plugin directory matches the ethdev ABI')
            libdir = pkg_config('--variable=libdir')
            check(pmd[0].startswith(libdir + '/'),
                  'the plugin directory is the installed DPDK\'s (%s)' %
                  pmd[0])

        src = os.environ.get('BSDTUN_DPDK_SRC')
        if src:
            rc, out, _, _ = setup(s, 'source-tree', '-Ddpdk_sdk_dir=' + src)
            check_eq(rc, 0, 'a DPDK source tree as dpdk_sdk_dir')
            check('driver-SDK headers from the DPDK source tree %s' % src
                  in out, 'source tree: where the headers came from')


harness.run_main(main)
