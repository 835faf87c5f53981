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

Then `tuntest bridge --vnet` (the virtio-net header and TUN_F_CSUM|TSO4|
TSO6 on the unit and on the kernel device) with testpmd's csum engine
(LRO in, TSO 1400 out, checksums by the "hardware"): a fixed TCP transfer
each way carries every byte (count and SHA-256 compared), the kernel's
super-packets reach testpmd whole and testpmd's reach the kernel whole
(GSO records counted by both bridges; nothing cut, dropped or refused by
the PMD), every packet accounted for.
"""
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys

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


# One TCP transfer: the receiver prints "listening", then, at EOF, the
# bytes it got and their SHA-256; the sender sends N pseudo-random bytes
# and prints their count and SHA-256.
RECEIVER = r"""
import hashlib, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
print('listening', flush=True)
c, _ = s.accept()
h, n = hashlib.sha256(), 0
while True:
    b = c.recv(1 << 20)
    if not b:
        break
    h.update(b)
    n += len(b)
print('received %d %s' % (n, h.hexdigest()), flush=True)
"""
SENDER = r"""
import hashlib, random, socket, sys
n = int(sys.argv[3])
data = random.Random(n).randbytes(n)
c = socket.create_connection((sys.argv[1], int(sys.argv[2])))
c.sendall(data)
c.shutdown(socket.SHUT_WR)
c.recv(1)
print('sent %d %s' % (n, hashlib.sha256(data).hexdigest()), flush=True)
"""
TRANSFER = 32 << 20


def transfer(b, src, dst, port):
    """TRANSFER bytes over TCP from namespace src to dst: all arrive."""
    what = '%s -> %s' % (ADDR4[src], ADDR4[dst])
    rcv = b.spawn(['ip', 'netns', 'exec', b.ns[dst], sys.executable, '-c',
                   RECEIVER, ADDR4[dst], str(port)], 'recv%d' % dst)
    check(harness.wait_for(lambda: ':%d ' % port in ns_exec(
        b.ns[dst], ['ss', '-ltn'], echo=False).stdout, step=0.1),
        'vnet: TCP receiver listening in %s' % b.ns[dst])
    snd = ns_exec(b.ns[src], [sys.executable, '-c', SENDER, ADDR4[dst],
                              str(port), str(TRANSFER)],
                  timeout=10 * harness.PATIENCE, echo=False)
    try:
        rcv.wait(harness.PATIENCE)  # it ends at EOF
    except subprocess.TimeoutExpired:
        pass
    rc, out, err = b.stop(rcv)
    got = out.strip().splitlines()[-1:]
    print('  %s: sender: %s; receiver: %s' %
          (what, snd.stdout.strip() or snd.stderr[-500:],
           ' '.join(got) or err[-500:]), flush=True)
    sent = snd.stdout.split()
    check_eq((snd.returncode, sent[:2]), (0, ['sent', str(TRANSFER)]),
             'vnet: %s: the sender sent %d bytes' % (what, TRANSFER))
    check_eq((rc, ' '.join(got).split()),
             (0, ['received', str(TRANSFER)] + sent[2:3]),
             'vnet: %s: the receiver got all %d bytes, SHA-256 equal' %
             (what, TRANSFER))


def round_vnet(s):
    """--vnet: super-packets both ways through the csum engine."""
    tag = 'vnet'
    node = s.path('vnet_node0')
    units = ['framing=eth,qlen=512,cdev=' + node, 'framing=eth,qlen=512']
    args = ['--forward-mode=csum', '--enable-lro',
            '--max-lro-pkt-size=%d' % (65535 + 14), '--enable-scatter',
            '--mbuf-size=2048']
    with s.testpmd(units, args=args, mbufs=32768) as pmd, \
            Bridges(s, tag) as b:
        pmd.cmd('port stop all')
        for port in (0, 1):
            pmd.cmd('port config %d rx_offload tcp_cksum on' % port)
            pmd.cmd('csum set ip hw %d' % port)
            pmd.cmd('csum set tcp hw %d' % port)
            pmd.cmd('tso set 1400 %d' % port)
        pmd.cmd('port start all')
        pmd.cmd('set fwd csum retry')
        pmd.cmd('set burst tx delay 10 retry 100000')
        pmd.cmd('start')
        # TUNSETOFFLOAD goes by value: not through FUSE to a node
        p = run([harness.TUNTEST, 'bridge', '--vnet', node, 'btnode'])
        check_eq((p.returncode, '--vnet needs the unit\'s control socket'
                  in p.stderr), (2, True),
                 '%s: --vnet on the device node: refused, exit 2, said why'
                 % tag)
        br = [b.spawn([harness.TUNTEST, 'bridge', '--vnet', pmd.sock(i),
                       'bt%d' % i, '--netns', b.ns[i]], 'bridge%d' % i)
              for i in (0, 1)]
        for i, ns in enumerate(b.ns):
            dev = 'bt%d' % i
            up = harness.wait_for(lambda: run(
                ['ip', '-n', ns, 'link', 'show', dev],
                echo=False).returncode == 0 or br[i].poll() is not None)
            check(up and br[i].poll() is None,
                  '%s: bridge %d created %s in %s' % (tag, i, dev, ns))
            for cmd in (['link', 'set', 'lo', 'up'],
                        ['addr', 'add', ADDR4[i] + '/24', 'dev', dev],
                        ['link', 'set', dev, 'up']):
                check_eq(run(['ip', '-n', ns] + cmd).returncode, 0,
                         '%s: ip %s' % (tag, ' '.join(cmd)))
        transfer(b, 0, 1, 5301)
        transfer(b, 1, 0, 5302)

        res = []
        for i, p in enumerate(br):
            rc, out, err = b.stop(p)
            tail = [ln for ln in err.splitlines() if ' | ' not in ln]
            for ln in tail + out.splitlines():
                print('  bridge%d | %s' % (i, ln), flush=True)
            check_eq(rc, 0, '%s: bridge %d ends cleanly on SIGTERM' %
                     (tag, i))
            c = counters(out)
            check(c is not None and 'to_kernel_gso' in c,
                  '%s: bridge %d printed its counters, GSO ones too' %
                  (tag, i))
            res.append(c or {})
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
            check(c['drop_kernel_error'] <= 5,
                  '%s: bridge %d drop_kernel_error %d (<= 5, before '
                  'link up)' % (tag, i, c['drop_kernel_error']))
            # each side sent TRANSFER bytes in super-packets, and got
            # the other's as super-packets
            check(c.get('to_unit_gso', 0) > 0 and
                  c.get('to_kernel_gso', 0) > 0,
                  '%s: bridge %d: super-packets both ways: %d to the '
                  'unit, %d to the kernel' %
                  (tag, i, c.get('to_unit_gso', 0),
                   c.get('to_kernel_gso', 0)))
            check_eq(c['to_unit_packets'], st[i]['RX-packets'],
                     '%s: bridge %d to_unit_packets = port %d RX-packets'
                     % (tag, i, i))
            check_eq(c['to_kernel_packets'] + c['drop_kernel_error'] +
                     purged[i], st[i]['TX-packets'],
                     '%s: bridge %d to_kernel_packets + drop_kernel_error '
                     '+ purged (%d) = port %d TX-packets' %
                     (tag, i, purged[i], i))
            # GSO records crossed whole: each one that went in here
            # leaves the other unit as one (the csum engine's TSO; it
            # also asks TSO of a plain packet above 1400 payload bytes,
            # which then goes out with a GSO header too)
            other = res[1 - i]
            if other:
                check(other.get('to_kernel_gso', 0) >=
                      c.get('to_unit_gso', 0),
                      '%s: bridge %d\'s %d super-packets to the unit reach '
                      'bridge %d\'s kernel as super-packets (%d)' %
                      (tag, i, c.get('to_unit_gso', 0), 1 - i,
                       other.get('to_kernel_gso', 0)))
        for i in (0, 1):
            xs = pmd.xstats(i)
            check_eq({k: xs.get(k) for k in (
                'rx_vnet_bad', 'rx_gso_dropped', 'rx_gso_cut', 'tx_tso_cut',
                'rx_too_big', 'tx_too_big', 'tx_offload_bad', 'rx_nombuf')},
                {k: 0 for k in (
                    'rx_vnet_bad', 'rx_gso_dropped', 'rx_gso_cut',
                    'tx_tso_cut', 'rx_too_big', 'tx_too_big',
                    'tx_offload_bad', 'rx_nombuf')},
                '%s: port %d: no header refused, no super-packet dropped or '
                'cut, nothing too big' % (tag, i))
        check(st[0]['RX-packets'] == st[1]['TX-packets'] and
              st[1]['RX-packets'] == st[0]['TX-packets'],
              '%s: testpmd csum retry lost nothing, one mbuf chain in, one '
              'out: port 0 rx %d = port 1 tx %d, port 1 rx %d = port 0 tx '
              '%d' % (tag, st[0]['RX-packets'], st[1]['TX-packets'],
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
        round_vnet(s)


harness.run_main(main)
