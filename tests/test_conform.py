#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tuntest conform: every row of SPEC section 2, and the Linux tun rows of
doc/behaviour.md, through the library and through the device node, against
dpdk-testpmd io forwarding between two fresh bsdtun ports.  Each PASS line
is one exact check (errno or bytes); any FAIL fails the test.  --pause:
where the app must act or has to have seen something (a stop, a close,
drops), conform waits for this script, which waits on testpmd's counters
(harness.conform_on_wait), never on a time."""
import re

import harness
from harness import check, check_eq

# Scatter on: row 11 sends a TUNMRU packet (conform raises the MTU for it).
# --no-flush-rx: a 'start' must not discard what a client queued while
# forwarding was stopped (row 13).
IO = ['--forward-mode=io', '--no-flush-rx', '--enable-scatter']
# BSD tun(4), then the Linux tun personality (doc/behaviour.md)
ROWS = set(range(1, 24)) | set(range(31, 37))


def conform(pmd, ends, what):
    """tuntest conform --pause ENDS: its output lines (one assertion:
    exit 0, no FAIL line)."""
    argv = [harness.TUNTEST, 'conform', '--pause'] + ends
    _, lines = harness.run_client(argv, what,
                                  on_wait=harness.conform_on_wait(pmd, what),
                                  timeout=300)
    return '\n'.join(lines)


def node_face(s):
    """The same table on the device nodes (cdev=), plain system calls."""
    nodes = [s.path('tun0'), s.path('tun1')]
    units = ['cdev=' + n for n in nodes]
    with s.testpmd(units, args=IO) as pmd:
        pmd.cmd('start')
        out = conform(pmd, nodes, 'device node: tuntest conform')
        check('device node face' in out, 'conform used the node face')
        rows = {int(r) for r in
                re.findall(r'^PASS row +(\d+)', out, re.M)}
        exempt = {int(r) for r in
                  re.findall(r'^EXEMPT row +(\d+)', out, re.M)}
        # 33: only its empty write (FUSE answers it without the node)
        check_eq(sorted(exempt), [15, 16, 33],
                 'device node: only rows 15, 16 (SPEC) and 33 exempt')
        check_eq(sorted(ROWS - rows - exempt), [],
                 'device node: rows without a PASS line')


def main():
    with harness.Session() as s:
        node_face(s)
        with s.testpmd(['', ''], args=IO) as pmd:
            pmd.cmd('start')
            out = conform(pmd, [pmd.sock(0), pmd.sock(1)], 'tuntest conform')
            rows = {int(r) for r in
                    re.findall(r'^PASS row +(\d+)', out, re.M)}
            check_eq(sorted(ROWS - rows), [], 'rows without a PASS line')
            check_eq(len(re.findall(r'^FAIL', out, re.M)), 0,
                     'FAIL lines')
            xs = pmd.xstats(1)
            check(xs['tx_af_unsupported'] >= 1,
                  'row 8: IPv6 to a client without IFHEAD counted '
                  '(tx_af_unsupported %d)' % xs['tx_af_unsupported'])
            check(xs['tx_no_client'] >= 5,
                  'row 9: packets to a unit nobody holds counted '
                  '(tx_no_client %d)' % xs['tx_no_client'])
            check(xs['to_client_purged'] >= 4,
                  'rows 4, 23: purged at close counted '
                  '(to_client_purged %d)' % xs['to_client_purged'])
            check(xs['async_bells'] >= 5,
                  'row 16: bells rung for SIGIO (async_bells %d)' %
                  xs['async_bells'])


harness.run_main(main)
