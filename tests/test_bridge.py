#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The kernel's IP stack as a bsdtun client (tuntest bridge).

Two network namespaces, each with a kernel tun device joined by `tuntest
bridge` to one net_bsdtun port of a single testpmd forwarding (io retry)
between the two ports:

    ns1 bt0 10.77.0.1/24 fd77::1/64 -- bridge -- port 0 == testpmd io ==
    port 1 -- bridge -- bt1 10.77.0.2/24 fd77::2/64 ns2

ping and ping -6 (0% loss, testpmd's port stats moved by as much), an
iperf3 TCP run from ns1 to ns2 (throughput printed), then the bridges'
exit counters against testpmd's: every packet accounted for.  Twice:
framing=eth with IFF_NO_PI devices, framing=ip with packet-info devices;
one bridge started by `ip netns exec`, the other with --netns.
"""
import itertools
import json
import os
import re
import shutil
import signal
import subprocess

import harness
from harness import check, check_eq, ns_exec
from harness import run_cmd as run

ADDR4 = ('10.77.0.1', '10.77.0.2')
ADDR6 = ('fd77::1', 'fd77::2')
_ns_count = itertools.count(1)


class Bridges:
    """Namespaces, bridges and iperf3 servers of one round; all removed
    at exit, whatever happened."""

    def __init__(self, s, tag):
        n = next(_ns_count)
        self.s = s
        self.tag = tag
        self.ns = ['bt%d_%d%s' % (os.getpid(), n, i) for i in ('a', 'b')]
        self.procs = []
        self.made = []

    def __enter__(self):
        for ns in self.ns:
            run(['ip', 'netns', 'add', ns])
            self.made.append(ns)
            # Less chatter: no router solicitations on the new devices.
            ns_exec(ns, ['sysctl', '-qw',
                         'net.ipv6.conf.default.router_solicitations=0'])
        return self

    def spawn(self, argv, name):
        base = self.s.path('%s_%s' % (self.ns[0], name))
        out = open(base + '.out', 'w+')
        err = open(base + '.err', 'w+')
        print('$ %s &' % ' '.join(argv), flush=True)
        p = subprocess.Popen(argv, stdout=out, stderr=err)
        p.out, p.err, p.name = out, err, name
        self.procs.append(p)
        return p

    def stop(self, p, timeout=10):
        """SIGTERM; returns (exit status, stdout, stderr)."""
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait()
            rc = None
        p.out.seek(0)
        p.err.seek(0)
        return rc, p.out.read(), p.err.read()

    def __exit__(self, *exc):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
            p.out.close()
            p.err.close()
        for ns in self.made:
            run(['ip', 'netns', 'del', ns], echo=False)
        return False


def counters(out):
    m = re.search(r'^tuntest bridge: (to_unit_packets .*)$', out, re.M)
    if not m:
        return None
    w = m.group(1).split()
    return {w[i]: int(w[i + 1]) for i in range(0, len(w) - 1, 2)}


def ping(b, pmd, v6):
    src, dst = (ADDR6 if v6 else ADDR4)
    what = 'IPv6' if v6 else 'IPv4'
    before = pmd.ports_stats()
    p = ns_exec(b.ns[0], ['ping'] + (['-6'] if v6 else []) +
                ['-c', '5', '-i', '0.2', '-w', '%d' % harness.PATIENCE,
                 dst], timeout=2 * harness.PATIENCE)

    def moved(st):
        d = harness.stats_delta(before, st)
        return all(d[q][k] >= 5 for q in (0, 1)
                   for k in ('RX-packets', 'TX-packets'))
    d = harness.stats_delta(before, pmd.settled_stats(moved))
    check(p.returncode == 0 and
          ' 5 received, 0% packet loss' in p.stdout,
          '%s: ping %s %s -> %s: 5 sent, 5 received, 0%% loss' %
          (b.tag, what, src, dst))
    # Echo requests enter port 0 and leave port 1; replies the other way.
    check(d[0]['RX-packets'] >= 5 and d[1]['TX-packets'] >= 5 and
          d[1]['RX-packets'] >= 5 and d[0]['TX-packets'] >= 5,
          '%s: ping %s: testpmd port stats moved: port 0 rx +%d tx +%d, '
          'port 1 rx +%d tx +%d (each >= 5)' %
          (b.tag, what, d[0]['RX-packets'], d[0]['TX-packets'],
           d[1]['RX-packets'], d[1]['TX-packets']))


def iperf(b, pmd, secs=3):
    srv = b.spawn(['ip', 'netns', 'exec', b.ns[1], 'iperf3', '-s', '-1',
                   '-B', ADDR4[1]], 'iperf3_server')
    listening = harness.wait_for(
        lambda: ':5201 ' in ns_exec(b.ns[1], ['ss', '-ltn'],
                                    echo=False).stdout, step=0.1)
    check(listening, '%s: iperf3 server listening in %s' %
          (b.tag, b.ns[1]))
    before = pmd.ports_stats()
    p = ns_exec(b.ns[0], ['iperf3', '-c', ADDR4[1], '-t', str(secs),
                          '-J'], timeout=secs + harness.PATIENCE,
                echo=False)
    print('$ ip netns exec %s iperf3 -c %s -t %d -J -> %d' %
          (b.ns[0], ADDR4[1], secs, p.returncode), flush=True)
    try:
        res = json.loads(p.stdout)
        sent = res['end']['sum_sent']
        recv = res['end']['sum_received']
    except (ValueError, KeyError):
        print(p.stdout[-2000:] + p.stderr[-2000:], flush=True)
        check(False, '%s: iperf3 TCP run gave a result' % b.tag)
        return
    d = harness.stats_delta(before, pmd.settled_stats(lambda st: min(
        harness.stats_delta(before, st)[0]['RX-bytes'],
        harness.stats_delta(before, st)[1]['TX-bytes']) >= recv['bytes']))
    print('iperf3 TCP %s -> %s through testpmd (%s): %.0f Mbit/s sent, '
          '%.0f Mbit/s received, %d bytes, %d retransmits' %
          (ADDR4[0], ADDR4[1], b.tag, sent['bits_per_second'] / 1e6,
           recv['bits_per_second'] / 1e6, recv['bytes'],
           sent.get('retransmits', -1)), flush=True)
    # TCP's retransmits: the kernel drops at bt0's queue (txqueuelen)
    # while the bridge holds back for a full ring to DPDK; nothing is
    # dropped past it (checked at the end).
    run(['ip', '-n', b.ns[0], '-s', 'link', 'show', 'bt0'])
    check(p.returncode == 0 and recv['bytes'] > 0,
          '%s: iperf3 TCP run succeeded, %d bytes received' %
          (b.tag, recv['bytes']))
    check(d[0]['RX-bytes'] >= recv['bytes'] and
          d[1]['TX-bytes'] >= recv['bytes'],
          '%s: iperf3: port 0 rx +%d and port 1 tx +%d bytes, at least '
          'the %d received' % (b.tag, d[0]['RX-bytes'], d[1]['TX-bytes'],
                               recv['bytes']))
    # -s -1: it ends by itself after its one test, once it has sent its
    # results; SIGTERM before that (a loaded machine) makes it exit 1
    try:
        srv.wait(harness.PATIENCE)
    except subprocess.TimeoutExpired:
        pass
    rc, out, err = b.stop(srv)
    if rc != 0:
        print(out[-2000:] + err[-2000:], flush=True)
    check_eq(rc, 0, '%s: iperf3 server exit status' % b.tag)


def round_(s, framing, pi):
    tag = 'framing=%s,%s' % (framing, 'pi' if pi else 'no_pi')
    units = ['framing=%s,qlen=512' % framing] * 2
    with s.testpmd(units, args=['--forward-mode=io']) as pmd, \
            Bridges(s, tag) as b:
        pmd.cmd('set fwd io retry')
        pmd.cmd('set burst tx delay 10 retry 100000')
        pmd.cmd('start')
        extra = ['--pi'] if pi else []
        # One bridge runs inside its namespace, the other enters it.
        br = [b.spawn(['ip', 'netns', 'exec', b.ns[0], harness.TUNTEST,
                       'bridge', pmd.sock(0), 'bt0'] + extra, 'bridge0'),
              b.spawn([harness.TUNTEST, 'bridge', pmd.sock(1), 'bt1',
                       '--netns', b.ns[1]] + extra, 'bridge1')]
        for i, ns in enumerate(b.ns):
            dev = 'bt%d' % i
            up = harness.wait_for(lambda: run(
                ['ip', '-n', ns, 'link', 'show', dev],
                echo=False).returncode == 0 or br[i].poll() is not None)
            check(up and br[i].poll() is None,
                  '%s: bridge %d created %s in %s' % (tag, i, dev, ns))
            for cmd in (['link', 'set', 'lo', 'up'],
                        ['addr', 'add', ADDR4[i] + '/24', 'dev', dev],
                        ['addr', 'add', ADDR6[i] + '/64', 'dev', dev,
                         'nodad'],
                        ['link', 'set', dev, 'up']):
                check_eq(run(['ip', '-n', ns] + cmd).returncode, 0,
                         '%s: ip %s' % (tag, ' '.join(cmd)))
        mtu = run(['ip', '-n', b.ns[0], 'link', 'show', 'bt0']).stdout
        check(' mtu 1500 ' in mtu, '%s: bt0 has the unit\'s MTU 1500' %
              tag)

        ping(b, pmd, v6=False)
        ping(b, pmd, v6=True)
        iperf(b, pmd)

        # The bridges' counters against testpmd's, every packet.
        res = []
        for i, p in enumerate(br):
            rc, out, err = b.stop(p)
            tail = [ln for ln in err.splitlines() if ' | ' not in ln]
            for ln in tail + out.splitlines():
                print('  bridge%d | %s' % (i, ln), flush=True)
            check_eq(rc, 0, '%s: bridge %d ends cleanly on SIGTERM' %
                     (tag, i))
            check(re.search(r'^tuntest bridge: \d+s \| kernel->unit \d+ ',
                            err, re.M),
                  '%s: bridge %d printed rate lines' % (tag, i))
            c = counters(out)
            check(c is not None, '%s: bridge %d printed its counters' %
                  (tag, i))
            res.append(c or {})
        # Packets still on their way when the bridges stop (the other one
        # runs a little longer): queued to a bridge that then closed,
        # purged at its close and counted so.
        purged = [0, 0]

        def balanced(st):
            for i in (0, 1):
                purged[i] = pmd.xstats(i).get('to_client_purged', 0)
            return all(c and c['to_unit_packets'] == st[i]['RX-packets'] and
                       c['to_kernel_packets'] + c['drop_kernel_error'] +
                       purged[i] == st[i]['TX-packets']
                       for i, c in enumerate(res))
        st = pmd.settled_stats(balanced)
        for i, c in enumerate(res):
            if not c:
                continue
            for k in ('drop_not_ip', 'drop_family', 'drop_too_big',
                      'drop_unit_error', 'drop_at_exit'):
                check_eq(c[k], 0, '%s: bridge %d %s' % (tag, i, k))
            # The only kernel refusals: packets that came before the
            # device was up (EIO), e.g. the peer's first MLD report.
            check(c['drop_kernel_error'] <= 5,
                  '%s: bridge %d drop_kernel_error %d (<= 5, before '
                  'link up)' % (tag, i, c['drop_kernel_error']))
            check_eq(c['to_unit_packets'], st[i]['RX-packets'],
                     '%s: bridge %d to_unit_packets = port %d RX-packets'
                     % (tag, i, i))
            check_eq(c['to_kernel_packets'] + c['drop_kernel_error'] +
                     purged[i], st[i]['TX-packets'],
                     '%s: bridge %d to_kernel_packets + drop_kernel_error '
                     '+ purged at its close (%d) = port %d TX-packets' %
                     (tag, i, purged[i], i))
        check(st[0]['RX-packets'] == st[1]['TX-packets'] and
              st[1]['RX-packets'] == st[0]['TX-packets'],
              '%s: testpmd io retry lost nothing: port 0 rx %d = port 1 '
              'tx %d, port 1 rx %d = port 0 tx %d' %
              (tag, st[0]['RX-packets'], st[1]['TX-packets'],
               st[1]['RX-packets'], st[0]['TX-packets']))
        pmd.fwd_stop()


def main():
    for prog in ('ip', 'ping', 'iperf3', 'ss'):
        if not check(shutil.which(prog) is not None,
                     '%s installed (devtools/setup.sh)' % prog):
            return
    with harness.Session() as s:
        round_(s, 'eth', pi=False)
        round_(s, 'ip', pi=True)


harness.run_main(main)
