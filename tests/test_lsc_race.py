#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A port closed while its LSC event is pending or being delivered
(doc/architecture.md, LSC delivery): the unit outlives every
callback run for it, and no callback starts after rte_eth_dev_close()
returned.  tests/app_probe drives both cases from inside one DPDK primary;
run it in the ASan build too (meson test -C BUILD-ASAN lsc_race).

- in flight: a client's open takes the link of a hot-plugged port up; its
  LSC callback, on EAL's interrupt thread, is held until another thread
  of the app has called stop and close and is still in the close 200 ms
  later: the close waits for the callback, so it returns only after the
  callback did;
- pending: clients of two hot-plugged ports leave while EAL's interrupt
  thread is held in port 0's callback, so both down events are pending;
  the first of the two callbacks closes the other port (or holds while
  another thread of the app closes it): the other's down event, pending
  at the close, is never delivered.

In the pending cases an event of port 0 made after the close passes
through the same alarm, so a late delivery to a closed port would be
counted.
"""
import harness
from harness import check, check_eq


def word(out, key):
    for line in out:
        w = line.split()
        if w and w[0] == key:
            return w[1:]
    return None


def probe(s, app, name):
    sock = s.path('%s-%s.sock' % (app.prefix, name))
    out, _ = app.command('probe net_bsdtun_%s,sock=%s,qlen=64' % (name, sock))
    check(word(out, 'port') is not None,
          '%s: port hot-plugged (%s)' % (name, out))
    return int(word(out, 'port')[0]), sock


def in_flight(s, app):
    port, sock = probe(s, app, 'inflight')
    out, xs = app.command('lsc-inflight %d %s' % (port, sock))
    print('\n'.join(out), flush=True)
    res = word(out, 'inflight')
    check(res is not None and len(res) == 3,
          'in flight: the callback ran (%s)' % out)
    ret, blocked, during = (int(w) for w in res)
    check_eq(ret, 0, 'in flight: stop and close returned 0')
    check_eq(during, 0, 'in flight: close did not return while the '
             "port's LSC callback ran")
    check_eq(blocked, 1, 'in flight: the closing thread was still in the '
             'close 200 ms into the held callback')
    check(xs.get('client_opens') is not None,
          'in flight: port 0 still works (xstats)')


def pair(s, app, mode):
    who = ('the callback', 'another thread')[mode]
    a, sock_a = probe(s, app, 'pair%da' % mode)
    b, sock_b = probe(s, app, 'pair%db' % mode)
    out, _ = app.command('lsc-pair %d %d %d %s %s %s' %
                         (mode, a, b, app.sock, sock_a, sock_b))
    print('\n'.join(out), flush=True)
    res = word(out, 'pair')
    check(res is not None and len(res) == 4, 'pair ran (%s)' % out)
    _, ret, calls, after = (int(w) for w in res)
    check_eq(ret, 0, '%s closed a port whose down event was pending: '
             'stop and close returned 0' % who)
    check_eq(calls, 1, "%s: the closed port's pending down event was not "
             'delivered (its callback ran for the up event only)' % who)
    check_eq(after, 0, '%s: no callback started after its port was '
             'closed' % who)


def main():
    with harness.Session() as s:
        app = harness.AppProbe(s, 'qlen=64')
        in_flight(s, app)
        pair(s, app, 0)
        pair(s, app, 1)
        check_eq(app.close(), 0, 'app_probe exited 0 (no sanitizer report)')


if __name__ == '__main__':
    harness.run_main(main)
