#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Rx interrupts (doc/pmd.md "Rx interrupts"), driven through app/intrfwd,
an interrupt-driven forwarder (port 0 <-> port 1) that prints "sleep N"
before it sleeps in rte_epoll_wait() and "wake N" after.

- a packet written after the app went to sleep wakes it and is forwarded,
  byte-exact;
- the same after the client was killed (kill -9) and a new one opened: the
  fd the app registered at start is the same;
- a departed client's doorbell (its end of the bell kept after close)
  wakes nothing;
- doorbells without cause cost at most a wake-up each and are counted;
- no packet is stranded: a client writing at random moments around the
  app's arming (tuntest traffic at a low rate both ways) gets every packet
  through, and the app slept between them; and deterministically, a packet
  published before the app armed wakes it at the arming (app_probe);
- a polling app costs its clients no system call per packet (strace);
- a queue pair per client: queues=2, each pair's packet wakes the app.
"""
import os
import re
import signal
import subprocess
import time

import harness
from harness import check, check_eq

LIB_CLIENT = os.path.join(harness.BUILD, 'tests', 'lib_client')


def wake_and_forward(s):
    app = harness.IntrFwd(s, ['', ''])
    a = harness.open_node(app.nodes[0])
    b = harness.open_node(app.nodes[1])
    check(app.wait_asleep(), 'the app went to sleep with both units held '
          'and nothing to do')
    n = app.sleeps()
    pkt = harness.ipv4_packet(1, 0)
    os.write(a, pkt)
    got = harness.read_packets(b, 1)
    harness.check_packets(got, [pkt], 'a packet written while the app sleeps wakes it '
             'and is forwarded, byte-exact')
    check(harness.wait_for(lambda: re.search(r'^wake %d$' % n, app.output,
                                             re.M)),
          'the app woke from sleep %d' % n)

    # the client is killed; a new one opens: the app's fd is the same
    tel = harness.Telemetry(app.prefix)

    def held0():
        return tel.info('/bsdtun/info,0')['held'] == 0
    os.close(a)
    check(harness.wait_for(held0), 'the first client closed port 0')
    check(app.wait_asleep(n), 'asleep again')
    pid = os.fork()
    if pid == 0:
        fd = harness.open_node(app.nodes[0])
        os.write(fd, harness.ipv4_packet(2, 0))
        time.sleep(60)
        os._exit(0)
    n = app.sleeps()
    harness.check_packets(harness.read_packets(b, 1), [harness.ipv4_packet(2, 0)],
             'a second client\'s packet wakes the app')
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    check(harness.wait_for(held0), 'the killed client\'s unit is free')
    tel.close()
    check(app.wait_asleep(n), 'asleep again after the kill')
    n = app.sleeps()
    a = harness.open_node(app.nodes[0])
    os.write(a, harness.ipv4_packet(3, 0))
    harness.check_packets(harness.read_packets(b, 1), [harness.ipv4_packet(3, 0)],
             'after kill -9 and a new open: the new client\'s packet wakes '
             'the app (the fd it registered at start)')
    check(harness.wait_for(lambda: re.search(r'^wake %d$' % n, app.output,
                                             re.M)),
          'woke from sleep %d' % n)
    # and the other way
    check(app.wait_asleep(n), 'asleep again')
    n = app.sleeps()
    os.write(b, harness.ipv4_packet(4, 0))
    harness.check_packets(harness.read_packets(a, 1), [harness.ipv4_packet(4, 0)],
             'port 1\'s client wakes it too')
    os.close(a)
    os.close(b)
    check(app.wait_asleep(n), 'asleep after port 1\'s packet')
    return app


def doorbells(s, app):
    """A departed client's bell wakes nothing; spurious bells are
    counted."""
    check(app.wait_asleep(), 'asleep before the departed client')
    n = app.sleeps()

    def on_wait(what):
        if what == 'departed':
            time.sleep(0.5)
            check(app.asleep() and app.sleeps() == n,
                  'the departed client\'s 100 doorbells woke nothing '
                  '(still sleep %d)' % n)
        elif what == 'rang':
            check(harness.wait_for(lambda: app.asleep() and
                                   app.sleeps() > n),
                  'the 5 doorbells without a packet: the app woke and '
                  'slept again')
            woke = app.sleeps() - n
            check(1 <= woke <= 5, 'at most one wake-up per doorbell '
                  '(%d)' % woke)
    harness.run_client([LIB_CLIENT, app.socks[0], 'doorbells'],
                       'lib_client doorbells', on_wait=on_wait)


def no_stranded(s):
    """Both ways at 2000 packets/s: the app sleeps between packets (each
    client's doorbell wakes it), every one of them crosses."""
    app = harness.IntrFwd(s, ['qlen=256', 'qlen=256'], ['--quiet'])
    count = 4000
    procs = [harness.tuntest('traffic', app.socks[p], '--stream', 1 + p,
                             '--peer-stream', 2 - p, '--count', count,
                             '--rate', 2000, '--quiet')
             for p in (0, 1)]
    for p, pr in enumerate(procs):
        out = pr.communicate(timeout=120)[0]
        print(out, flush=True)
        check_eq(pr.returncode, 0, 'port %d: %d packets each way, in '
                 'order, byte-exact, none lost' % (p, count))
    xs = app.quit()
    m = re.search(r'forwarded (\d+) dropped (\d+) sleeps (\d+)', app.output)
    check(m and int(m.group(1)) >= 2 * count and m.group(2) == '0',
          'intrfwd forwarded every packet, dropped none')
    # How often it sleeps depends on the machine's speed; that it slept
    # and each client's doorbell woke it (so packets came around its
    # arming), at most once per sleep, does not.
    sleeps = int(m.group(3)) if m else 0
    rung = [xs[p]['rx_intr_doorbells'] for p in (0, 1)]
    check(min(rung) >= 1 and sleeps >= max(rung),
          'it slept between packets, and each client woke it: %d sleeps; '
          'port 0\'s client rang %d times, port 1\'s %d' %
          (sleeps, rung[0], rung[1]))
    for p in (0, 1):
        check_eq(xs[p]['rx_intr_spurious'], 0,
                 'port %d: no spurious doorbell from a plain client' % p)


def armed_after_write(s):
    """The race arming closes: a packet the client published while the
    queue was not armed (so it did not ring) wakes the app at once when it
    arms (tests/app_probe: one call at a time)."""
    ap = harness.AppProbe(s, 'qlen=64', ['--rx-intr'])
    try:
        out, _ = ap.command('intr on')
        check_eq(out, ['intr 0'], 'rx_intr_enable on an unheld queue')
        out, _ = ap.command('intr-wait 200')
        check_eq(out, ['woke 0'], 'nothing queued: the wait times out')
        out, _ = ap.command('intr off')
        check_eq(out, ['intr 0'], 'rx_intr_disable')

        def on_wait(what):
            out, _ = ap.command('intr on')
            check_eq(out, ['intr 0'], 'armed after the client wrote')
            out, _ = ap.command('intr-wait 5000')
            check_eq(out, ['woke 1'], 'the packet published before the '
                     'arming wakes the app at once')
            out, _ = ap.command('intr off')
            got, _, xs = ap.burst(32)
            check_eq((got, xs['rx_intr_doorbells'],
                      xs['rx_intr_spurious']), (1, 0, 0),
                     'the packet is there; the client never rang (nobody '
                     'had armed)')
            out, _ = ap.command('intr on')
            out, _ = ap.command('intr-wait 200')
            check_eq(out, ['woke 0'], 'taken: the next wait sleeps')
            ap.command('intr off')
        harness.run_client([LIB_CLIENT, ap.sock, 'hold', '0,1'],
                           'lib_client hold 0,1', on_wait=on_wait)
    finally:
        ap.close()


def polling_costs_nothing(s):
    """A client of a port whose app polls makes no system call per packet:
    tuntest send of 10 and of 2000 packets makes the same sendto calls
    (strace)."""
    calls = []
    with s.testpmd(['qlen=4096'], ['--forward-mode=rxonly']) as pmd:
        pmd.cmd('start')
        for count in (10, 2000):
            log = s.path('strace_%d' % count)
            argv = ['strace', '-f', '-qq', '-e', 'trace=sendto,sendmsg',
                    '-o', log, harness.TUNTEST, 'send', pmd.sock(0),
                    '--stream', '1', '--count', str(count), '--quiet']
            # LeakSanitizer cannot run under ptrace
            env = dict(os.environ, ASAN_OPTIONS='detect_leaks=0')
            rc = subprocess.run(argv, capture_output=True, text=True,
                                timeout=60, env=env)
            if rc.returncode != 0:
                print(rc.stdout + rc.stderr, flush=True)
            check_eq(rc.returncode, 0, 'tuntest send --count %d' % count)
            with open(log) as f:
                calls.append(sum(1 for ln in f if 'send' in ln))
        st = pmd.port_stats(0)
        check_eq(st['RX-packets'], 2010, 'testpmd received every packet')
    check(calls[0] == calls[1],
          'send system calls for 10 and for 2000 packets: %d and %d (no '
          'doorbell per packet while the app polls)' % tuple(calls))


def two_pairs(s):
    app = harness.IntrFwd(s, ['queues=2', 'queues=2'], ['--queues', '2'])
    a = [harness.open_node(app.nodes[0]) for _ in (0, 1)]
    b = [harness.open_node(app.nodes[1]) for _ in (0, 1)]
    n = 0
    for q in (0, 1):
        check(app.wait_asleep(n), 'asleep before pair %d\'s packet' % q)
        n = app.sleeps()
        os.write(a[q], harness.ipv4_packet(10 + q, 0))
        harness.check_packets(harness.read_packets(b[q], 1),
                 [harness.ipv4_packet(10 + q, 0)],
                 'pair %d: its packet wakes the app and reaches pair %d of '
                 'the other port' % (q, q))
        check(harness.wait_for(lambda: re.search(
            r'^wake %d$' % n, app.output, re.M)),
            'pair %d: woke from sleep %d' % (q, n))
    for fd in a + b:
        os.close(fd)
    app.quit()


def main():
    with harness.Session() as s:
        app = wake_and_forward(s)
        doorbells(s, app)
        xs = app.quit()
        check_eq((xs[0]['rx_intr_doorbells'], xs[0]['rx_intr_spurious']),
                 (3 + 5, 5), 'port 0: 3 due doorbells (one per packet the '
                 'app slept through) and the 5 without cause, counted')
        no_stranded(s)
        armed_after_write(s)
        polling_costs_nothing(s)
        two_pairs(s)


if __name__ == '__main__':
    harness.run_main(main)
