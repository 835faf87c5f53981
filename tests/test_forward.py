#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""testpmd io forwarding between net_bsdtun0 and net_bsdtun1: 1,000,000
packets each way, IP sizes 20..1500, IPv4 and IPv6 (IFHEAD on), in both
framing modes.  Zero loss, in order, byte-exact (tuntest verify), and
testpmd's port stats equal the clients' counts."""
import re
import subprocess

import harness
from harness import check, check_eq

COUNT = 1000000


def summaries(out):
    res = {}
    for m in re.finditer(r'^tuntest: stream (\d+) (.*)$', out, re.M):
        kv = m.group(2).split()
        res.setdefault(int(m.group(1)), []).append(
            {kv[i]: float(kv[i + 1]) for i in range(0, len(kv), 2)})
    return res


def run(s, framing):
    units = ['framing=%s,qlen=256' % framing] * 2
    with s.testpmd(units, args=['--forward-mode=io']) as pmd:
        pmd.cmd('start')
        argv = [harness.TUNTEST, 'verify', pmd.sock(0), pmd.sock(1),
                '--count', str(COUNT), '--ifhead', '--min', '20',
                '--max', '1500', '--quiet']
        print('$ ' + ' '.join(argv), flush=True)
        p = subprocess.run(argv, capture_output=True, text=True,
                           timeout=600)
        print(p.stdout + p.stderr, flush=True)
        check_eq(p.returncode, 0, '%s: tuntest verify exit status' % framing)
        st = summaries(p.stdout)
        for stream in (1, 2):
            rows = st.get(stream, [])
            sent = sum(r['sent'] for r in rows)
            got = sum(r['received'] for r in rows)
            check_eq((sent, got), (COUNT, COUNT),
                     '%s: stream %d sent/received' % (framing, stream))
            check_eq(sum(r['lost'] + r['reordered'] + r['corrupt']
                         for r in rows), 0,
                     '%s: stream %d lost+reordered+corrupt' %
                     (framing, stream))
        fwd = pmd.fwd_stop()
        for port in (0, 1):
            ps = pmd.port_stats(port)
            check_eq((ps['RX-packets'], ps['TX-packets'],
                      ps['RX-errors'], ps['TX-errors']),
                     (COUNT, COUNT, 0, 0),
                     '%s: port %d stats RX/TX packets/errors' %
                     (framing, port))
            check_eq(fwd[port]['TX-dropped'], 0,
                     '%s: port %d forward TX-dropped' % (framing, port))


def main():
    with harness.Session() as s:
        for framing in ('eth', 'ip'):
            run(s, framing)


harness.run_main(main)
