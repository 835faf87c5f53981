#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""kill -9 of the clients in the middle of traffic: the link goes down
(LSC event), the unit closes, a new client opens it and traffic resumes;
the mempool's in-use count returns to its baseline."""
import signal

import harness
from harness import check, check_eq, tuntest


def main():
    with harness.Session() as s:
        units = ['qlen=64'] * 2
        with s.testpmd(units, args=['--forward-mode=io']) as pmd:
            pmd.cmd('start')
            base = pmd.mbufs_in_use()
            check_eq(base, 0, 'mbufs in use before traffic')
            for rnd in range(3):
                tx0 = pmd.port_stats(1)['TX-packets']
                snd = tuntest('send', pmd.sock(0), '--count', 10 ** 9,
                              '--quiet', '--timeout', 60)
                rcv = tuntest('recv', pmd.sock(1), '--count', 10 ** 9,
                              '--quiet', '--timeout', 60)
                moving = harness.wait_for(
                    lambda: pmd.port_stats(1)['TX-packets'] > tx0 + 20000,
                    step=0.05)
                check(moving, 'round %d: traffic flows' % rnd)
                for proc in (snd, rcv):
                    if proc.poll() is not None:
                        print(proc.stdout.read(), flush=True)
                check((snd.poll(), rcv.poll()) == (None, None),
                      'round %d: both clients still running' % rnd)
                closes = [pmd.xstats(p)['client_closes'] for p in (0, 1)]
                mark = len(pmd.output)
                snd.send_signal(signal.SIGKILL)
                rcv.send_signal(signal.SIGKILL)
                snd.wait()
                rcv.wait()
                for port in (0, 1):
                    xs = pmd.wait_xstat(port, 'client_closes',
                                        closes[port] + 1)
                    check_eq(xs['client_closes'], closes[port] + 1,
                             'round %d: port %d closed after kill -9' %
                             (rnd, port))
                    check_eq(xs['tun_pid'], 0,
                             'round %d: port %d holder pid cleared' %
                             (rnd, port))
                    check_eq(pmd.link(port), 'down',
                             'round %d: port %d link down' % (rnd, port))
                    pmd.wait_output(r'Port %d: link state change event' %
                                    port, mark)
                    check(True, 'round %d: port %d LSC event' % (rnd, port))
                pmd.verify('round %d: a new client pair verifies 20000 '
                           'packets each way' % rnd)
            pmd.cmd('stop')
            check_eq(pmd.wait_mbufs(base), base,
                     'mbufs in use back to the baseline')


harness.run_main(main)
