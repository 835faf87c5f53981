#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tuntest conform: every row of SPEC section 2, and the Linux tun rows of
doc/behaviour.md, through the library and through the device node, against
dpdk-testpmd io forwarding between two fresh bsdtun ports.  Each PASS line
is one exact check (errno or bytes); any FAIL fails the test."""
import re
import subprocess

import harness
from harness import check, check_eq

# Scatter on: row 11 sends a TUNMRU packet (conform raises the MTU for it).
IO = ['--forward-mode=io', '--enable-scatter']
# BSD tun(4), then the Linux tun personality (doc/behaviour.md)
ROWS = set(range(1, 24)) | set(range(31, 37))


def node_face(s):
    """The same table on the device nodes (cdev=), plain system calls."""
    nodes = [s.path('tun0'), s.path('tun1')]
    units = ['cdev=' + n for n in nodes]
    with s.testpmd(units, args=IO) as pmd:
        pmd.cmd('start')
        argv = [harness.TUNTEST, 'conform', nodes[0], nodes[1]]
        print('$ ' + ' '.join(argv), flush=True)
        p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        print(p.stdout + p.stderr, flush=True)
        check_eq(p.returncode, 0, 'device node: tuntest conform exit status')
        check('device node face' in p.stdout, 'conform used the node face')
        rows = {int(r) for r in
                re.findall(r'^PASS row +(\d+)', p.stdout, re.M)}
        exempt = {int(r) for r in
                  re.findall(r'^EXEMPT row +(\d+)', p.stdout, re.M)}
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
            argv = [harness.TUNTEST, 'conform', pmd.sock(0), pmd.sock(1)]
            print('$ ' + ' '.join(argv), flush=True)
            p = subprocess.run(argv, capture_output=True, text=True,
                               timeout=120)
            print(p.stdout + p.stderr, flush=True)
            check_eq(p.returncode, 0, 'tuntest conform exit status')
            rows = {int(r) for r in
                    re.findall(r'^PASS row +(\d+)', p.stdout, re.M)}
            check_eq(sorted(ROWS - rows), [], 'rows without a PASS line')
            check_eq(len(re.findall(r'^FAIL', p.stdout, re.M)), 0,
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
