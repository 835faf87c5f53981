#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""What one rte_eth_rx_burst() does, exactly (doc/robustness.md):

- work per call is bounded: every record examined counts against the
  burst, the dropped ones too, so a ring full of garbage costs one call at
  most min(nb_pkts, 64) records;
- the app gets only what it configured: a frame above the MTU plus the L2
  header is dropped (rx_too_big), and without RTE_ETH_RX_OFFLOAD_SCATTER a
  frame that needs more than one mbuf (rx_no_scatter); with scatter and a
  raised MTU, jumbo frames arrive as chains.

tests/app_probe.c is the DPDK primary: it calls rte_eth_rx_burst() only when
told.  The clients are tests/hostile_client (rx_flood: a ring of zeroed
records) and tuntest send (packets of a given size)."""
import os
import subprocess
import time

import harness
from harness import check, check_eq

HOSTILE = os.path.join(harness.BUILD, 'tests', 'hostile_client')
QLEN = 1024
BURST_MAX = 64       # BSDTUN_BURST_MAX


def work_bound(s):
    rx = harness.AppProbe(s, 'qlen=%d' % QLEN)
    fl = subprocess.Popen([HOSTILE, rx.sock, 'rx_flood'],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, bufsize=1)
    out = []
    for line in fl.stdout:
        out.append(line.rstrip('\n'))
        if out[-1] == 'ready':
            break
    print('\n'.join(out), flush=True)
    runts = QLEN - 8
    check('count runts %d' % runts in out, 'the client queued %d zeroed '
          'records and 8 good ones' % runts)
    _, _, base = rx.burst(0)
    seen, got_total, calls, worst = 0, 0, 0, 0
    # nb_pkts above the PMD's burst maximum is cut to it
    for nb in [32, 100, 1] + [32] * 64:
        got, pkts, xs = rx.burst(nb)
        calls += 1
        runt = xs['rx_runt'] - base['rx_runt'] - seen
        examined = runt + got
        worst = max(worst, examined)
        want = min(nb, BURST_MAX, runts + 8 - seen - got_total)
        check_eq(examined, want, 'call %d: rte_eth_rx_burst(%d) examined '
                 '(dropped + delivered)' % (calls, nb))
        seen += runt
        got_total += got
        if seen == runts and got_total == 8:
            break
    check_eq((seen, got_total), (runts, 8),
             'every zeroed record counted as rx_runt, the 8 good ones '
             'delivered')
    check(worst <= BURST_MAX, 'no call examined more than %d records '
          '(most: %d, in %d calls)' % (BURST_MAX, worst, calls))
    fl.stdin.close()
    fl.wait(harness.PATIENCE)
    rx.close()


def offload_contract(s):
    cases = [
        # (framing, app_probe options, IP packet size, expected)
        ('eth', [], 1500, [(1514, 1)]),
        ('eth', [], 1501, 'rx_too_big'),
        ('ip', [], 1500, [(1500, 1)]),
        ('ip', [], 1501, 'rx_too_big'),
        ('eth', ['--mtu', '9000'], 2034, [(2048, 1)]),
        ('eth', ['--mtu', '9000'], 2035, 'rx_no_scatter'),
        ('eth', ['--mtu', '9000'], 9000, 'rx_no_scatter'),
        ('ip', ['--mtu', '9000'], 2049, 'rx_no_scatter'),
        ('eth', ['--mtu', '9000', '--scatter'], 3000, [(3014, 2)]),
        ('eth', ['--mtu', '9000', '--scatter'], 9000, [(9014, 5)]),
        ('eth', ['--mtu', '9000', '--scatter'], 9001, 'rx_too_big'),
        # ethdev counts 18 bytes of L2 overhead when max_rx_pktlen ==
        # max_mtu (framing=ip): 16366 is the largest MTU it sets there
        ('ip', ['--mtu', '16366', '--scatter'], 16366, [(16366, 8)]),
    ]
    for framing, opts, size, want in cases:
        rx = harness.AppProbe(s, 'framing=%s' % framing, opts)
        pkts, delta = rx.send_and_burst(size, ('rx_too_big', 'rx_no_scatter'))
        what = '%s %s: %d-byte packet' % (framing, ' '.join(opts) or
                                          'mtu 1500', size)
        if isinstance(want, str):
            check_eq((pkts, delta), ([], dict({'rx_too_big': 0,
                                             'rx_no_scatter': 0},
                                            **{want: 1})),
                     '%s dropped and counted as %s' % (what, want))
        else:
            check_eq((pkts, delta), (want, {'rx_too_big': 0,
                                            'rx_no_scatter': 0}),
                     '%s delivered as (length, segments)' % what)
        rx.close()


def main():
    with harness.Session() as s:
        work_bound(s)
        offload_contract(s)


harness.run_main(main)
