#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""framing=eth ports work with testpmd's forwarding modes that look at or
rewrite the Ethernet header: mac, macswap, csum (and io, in test_forward),
in both framings where the mode allows: verified traffic both ways."""
import subprocess

import harness
from harness import check_eq

COUNT = 20000


def main():
    with harness.Session() as s:
        for framing, mode in (('eth', 'mac'), ('eth', 'macswap'),
                              ('eth', 'csum'), ('ip', 'io')):
            units = ['framing=%s,qlen=256' % framing] * 2
            with s.testpmd(units, args=['--forward-mode=' + mode]) as pmd:
                pmd.cmd('start')
                p = subprocess.run([harness.TUNTEST, 'verify', pmd.sock(0),
                                    pmd.sock(1), '--count', str(COUNT),
                                    '--ifhead', '--quiet'],
                                   capture_output=True, text=True,
                                   timeout=120)
                print(p.stdout + p.stderr, flush=True)
                check_eq(p.returncode, 0, 'framing=%s, testpmd %s mode: '
                         '%d packets each way verified' %
                         (framing, mode, COUNT))
                for port in (0, 1):
                    ps = pmd.port_stats(port)
                    check_eq((ps['RX-packets'], ps['TX-packets'],
                              ps['TX-errors']), (COUNT, COUNT, 0),
                             '%s/%s: port %d RX/TX/TX-errors' %
                             (framing, mode, port))


harness.run_main(main)
