#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""kill -9 of a client 100 times in a row, at random points: in the middle
of write bursts, of ioctls, blocked in read, or reading and writing two
units at once (tests/death_client.c).  Every time: the unit closes
(client_closes + 1, holder pid cleared, link down), the mempool's in-use
count is back at its baseline, testpmd holds exactly as many descriptors
as before; over the 100 rounds its RSS stays within a small bound; then a
new client pair verifies traffic both ways."""
import os
import random
import re
import subprocess
import time

import harness
from harness import check, check_eq

DEATH = os.path.join(harness.BUILD, 'tests', 'death_client')
ROUNDS = 100
MODES = ('write', 'read', 'ioctl', 'mixed')
RSS_BOUND_KB = 8 * 1024     # growth allowed after the first 10 rounds


def fd_count(pid):
    return len(os.listdir('/proc/%d/fd' % pid))


def rss_kb(pid):
    with open('/proc/%d/status' % pid) as f:
        return int(re.search(r'^VmRSS:\s+(\d+)', f.read(), re.M).group(1))


def main():
    rng = random.Random(20261125)
    with harness.Session() as s:
        with s.testpmd(['qlen=64'] * 2,
                       args=['--forward-mode=io']) as pmd:
            pmd.cmd('start')
            pid = pmd.proc.pid
            mbuf_base = pmd.mbufs_in_use()
            check_eq(mbuf_base, 0, 'mbufs in use before any client')
            fd_base = fd_count(pid)
            x0 = [pmd.xstats(p) for p in (0, 1)]
            mark = len(pmd.output)
            bad = []
            rss_ref = None
            t0 = time.monotonic()
            for rnd in range(ROUNDS):
                mode = MODES[rnd % len(MODES)]
                delay = rng.uniform(0, 0.02)
                ports = (0, 1) if mode == 'mixed' else (0,)
                closes = {p: pmd.xstats(p)['client_closes'] for p in ports}
                argv = [DEATH, mode, pmd.sock(0), pmd.sock(1)]
                proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
                first = proc.stdout.readline().strip()
                time.sleep(delay)
                proc.kill()
                proc.wait()
                proc.stdout.close()
                what = []
                if first != 'OPEN':
                    what.append('client did not open: %r' % first)
                for p in ports:
                    xs = pmd.wait_xstat(p, 'client_closes', closes[p] + 1)
                    if xs['client_closes'] != closes[p] + 1:
                        what.append('port %d client_closes %d, want %d' %
                                    (p, xs['client_closes'], closes[p] + 1))
                    if xs['tun_pid'] != 0:
                        what.append('port %d tun_pid %d' %
                                    (p, xs['tun_pid']))
                    if pmd.link(p) != 'down':
                        what.append('port %d link up' % p)
                n = harness.wait_for(
                    lambda: pmd.mbufs_in_use() == mbuf_base, step=0.05)
                if not n:
                    what.append('mbufs in use %d, baseline %d' %
                                (pmd.mbufs_in_use(), mbuf_base))
                n = harness.wait_for(lambda: fd_count(pid) == fd_base,
                                     step=0.01)
                if not n:
                    what.append('descriptors %d, baseline %d' %
                                (fd_count(pid), fd_base))
                if rnd == 9:
                    rss_ref = rss_kb(pid)
                print('round %d: %s, killed after %.1f ms: %s' %
                      (rnd, mode, delay * 1000,
                       '; '.join(what) if what else 'ok'), flush=True)
                if what:
                    bad.append(rnd)
            secs = time.monotonic() - t0
            check_eq(bad, [], 'rounds where the unit did not come back '
                     'clean after kill -9')
            check(secs < 60, '%d kills took %.1f s (< 60 s)' %
                  (ROUNDS, secs))
            x1 = [pmd.xstats(p) for p in (0, 1)]
            mixed = ROUNDS // len(MODES)
            for p, want in ((0, ROUNDS), (1, mixed)):
                check_eq((x1[p]['client_opens'] - x0[p]['client_opens'],
                          x1[p]['client_closes'] - x0[p]['client_closes']),
                         (want, want),
                         'port %d client_opens, client_closes' % p)
                for k in ('rx_ring_corrupt', 'tx_ring_corrupt',
                          'client_bad_message', 'rx_nombuf'):
                    check_eq(x1[p][k] - x0[p][k], 0, 'port %d %s' % (p, k))
            # an LSC event at every open and every close (testpmd prints
            # them from its interrupt thread, maybe still now)
            def lsc_events():
                return [len(re.findall(r'Port %d: link state change event' %
                                       p, pmd.output[mark:])) for p in (0, 1)]
            harness.wait_for(lambda: lsc_events() == [2 * ROUNDS, 2 * mixed])
            events = lsc_events()
            check_eq(events, [2 * ROUNDS, 2 * mixed],
                     'LSC events on ports 0 and 1')
            rss = rss_kb(pid)
            check(rss - rss_ref <= RSS_BOUND_KB,
                  'testpmd RSS %d kB after round 10, %d kB after %d '
                  '(bound +%d kB)' % (rss_ref, rss, ROUNDS, RSS_BOUND_KB))
            pmd.verify('then a new client pair verifies 20000 packets '
                       'each way')
            pmd.cmd('stop')
            check_eq(pmd.wait_mbufs(mbuf_base), mbuf_base,
                     'mbufs in use back to the baseline at the end')
            check_eq(fd_count(pid), fd_base,
                     'testpmd descriptors back to the baseline at the end')
            out = pmd.output
            check('AddressSanitizer' not in out and
                  'runtime error' not in out,
                  'no sanitizer report in testpmd output')


harness.run_main(main)
