#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Ring memory from qlen and the MTU (doc/wire.md "Sizing").

Each open gets rings sized for qlen packets of the unit's MTU at that open
(plus one maximum record, at least two): the region's size is checked
against the formula on both sides (the client's and testpmd's mapping of
the memfd, /proc/PID/maps), and how many packets the client's ring to DPDK
takes while nothing drains it (testpmd not forwarding) is exact: qlen
packets of the MTU, fewer larger ones after the MTU was raised during the
open, qlen again after the next open, and always some TUNMRU packets.
"""
import os
import re

import harness
from harness import check, check_eq

LIB_CLIENT = os.path.join(harness.BUILD, 'tests', 'lib_client')
rec = harness.rec_size
ring_bytes = harness.ring_bytes
region = harness.region_bytes


def room(pmd, raise_mtu, length, qlen, mtu, what):
    """One open: check the region, fill the ring to DPDK with length-byte
    packets; returns how many fitted."""
    seen = {}

    def on_wait(step):
        maps = harness.memfd_maps(pmd.proc.pid, 'net_bsdtun0')
        seen['dpdk'] = maps[0] if len(maps) == 1 else maps
    _, lines = harness.run_client(
        [LIB_CLIENT, pmd.sock(0), 'ring_room', '%d,%d' % (raise_mtu, length)],
        'lib_client ring_room (%s)' % what, on_wait=on_wait)
    info = dict(re.findall(r'^INFO (\w+) (-?\d+)$', '\n'.join(lines), re.M))
    want = region(qlen, mtu)
    check_eq(int(info.get('region', -1)), want,
             '%s: the client maps 4096 + 2 x %d bytes' %
             (what, ring_bytes(qlen, mtu)))
    check_eq(seen.get('dpdk'), want, '%s: so does testpmd' % what)
    return int(info.get('fit', -1))


def main():
    with harness.Session() as s:
        # qlen packets of the MTU fit, whatever the qlen.
        for qlen in (50, 1024):
            with s.testpmd(['qlen=%d' % qlen], ['--forward-mode=io']) as pmd:
                what = 'qlen=%d, MTU 1500' % qlen
                check_eq(room(pmd, 0, 1500, qlen, 1500, what), qlen,
                         '%s: 1500-byte packets that fit' % what)
        check(region(1024, 1500) <= 4.5 * 2**20,
              'qlen=1024, MTU 1500: region %d bytes, at most 4.5 MiB' %
              region(1024, 1500))

        with s.testpmd(['qlen=32'], ['--forward-mode=io']) as pmd:
            # Always room for TUNMRU packets: the ring holds two of the
            # largest records (a 64 KiB GSO packet), 256 KiB: 15 of 16392
            # bytes.
            what = 'qlen=32, MTU 1500'
            check_eq(room(pmd, 0, 16384, 32, 1500, what),
                     ring_bytes(32, 1500) // rec(16384),
                     '%s: TUNMRU packets that fit' % what)
            # The MTU raised to 9000 during the open: the rings keep their
            # size, so fewer 9000-byte packets fit than qlen ...
            what = 'qlen=32, MTU 1500 at open, raised to 9000'
            check_eq(room(pmd, 9000, 9000, 32, 1500, what),
                     ring_bytes(32, 1500) // rec(9000),
                     '%s: 9000-byte packets that fit' % what)
            # ... until the next open, sized for the new MTU.
            what = 'qlen=32, MTU 9000 at open'
            check_eq(room(pmd, 0, 9000, 32, 9000, what), 32,
                     '%s: 9000-byte packets that fit' % what)

        with s.testpmd(['qlen=50,mtu=16384'], ['--forward-mode=io']) as pmd:
            what = 'qlen=50, mtu=16384 devarg'
            check_eq(room(pmd, 0, 16384, 50, 16384, what), 50,
                     '%s: TUNMRU packets that fit' % what)


if __name__ == '__main__':
    harness.run_main(main)
