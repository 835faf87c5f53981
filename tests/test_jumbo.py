#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A 16,000-byte packet crosses both ways with a mempool of 2048-byte mbufs:
rx chains segments, tx gathers them; the clients see it byte-exact."""
import subprocess

import harness
from harness import check_eq

SIZE = 16000


def main():
    with harness.Session() as s:
        for framing in ('eth', 'ip'):
            units = ['framing=%s,mtu=16000' % framing] * 2
            args = ['--forward-mode=io', '--mbuf-size=2048',
                    '--max-pkt-len=16100', '--enable-scatter']
            with s.testpmd(units, args=args) as pmd:
                pmd.cmd('start')
                argv = [harness.TUNTEST, 'verify', pmd.sock(0),
                        pmd.sock(1), '--count', '200', '--ifhead',
                        '--min', str(SIZE), '--max', str(SIZE), '--quiet']
                print('$ ' + ' '.join(argv), flush=True)
                p = subprocess.run(argv, capture_output=True, text=True,
                                   timeout=120)
                print(p.stdout + p.stderr, flush=True)
                check_eq(p.returncode, 0,
                         '%s: 200 packets of %d bytes each way verified' %
                         (framing, SIZE))
                for port in (0, 1):
                    ps = pmd.port_stats(port)
                    check_eq((ps['RX-packets'], ps['TX-packets'],
                              ps['RX-errors'], ps['TX-errors']),
                             (200, 200, 0, 0),
                             '%s: port %d RX/TX packets/errors' %
                             (framing, port))


harness.run_main(main)
