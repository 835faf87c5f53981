#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Bulk TCP through bsdtun units with and without virtio-net offloads.

    sudo python3 devtools/bench_offload.py [--passes N] [--duration S]
        [--paths vnet,plain,node,ktun-vnet,ktun,veth] [--build DIR]

A benchmark, never a test: it prints numbers and exits 0 whatever they
are (1 only when nothing could be measured).  iperf3 TCP from netns A
(10.78.0.1) to netns B (10.78.0.2), through one of four paths:

  vnet   two tun units (framing=eth) of one dpdk-testpmd, each joined to
         a kernel tun device by `tuntest bridge --vnet` on its control
         socket: the virtio-net header and TUN_F_CSUM|TUN_F_TSO4|
         TUN_F_TSO6 on both ends, so the kernel's TCP super-packets (up
         to 64 KiB) cross whole.  testpmd --forward-mode=csum (retry)
         --enable-lro, `csum set ip hw`, `csum set tcp hw`, `tso set 1400`
         on both ports: LRO in, TSO out.
  plain  the same units with the plain bridge (`tuntest bridge`, IFHEAD
         records, no offloads: the kernel segments to the MTU, 1500) and
         testpmd --forward-mode=io (retry).
  node   as plain, the bridges on the units' device nodes (devarg cdev=,
         ENDPOINT the node: read(2)/write(2) through FUSE, doc/cdev.md).
  ktun-vnet, ktun
         no DPDK, no bsdtun: the same two kernel tun devices (bt0 in A,
         bt1 in B) joined by one user-space program instead, the kernel
         tun's path (devtools/bench/tun_relay.c: one thread per direction,
         blocking read(2) from one tun, write(2) to the other); ktun-vnet
         with IFF_VNET_HDR and the same offloads as vnet on both tuns,
         ktun without.
  veth   no DPDK: a veth pair between A and B with the same addresses
         (the kernel's own path, with its offloads: the ceiling).

Table: median Mbit/s received over --passes runs of iperf3 -t --duration
-O 1 (the first second omitted), the ratio to plain's median, and CPU use
over the run in % of one CPU (median; /proc/PID/stat utime+stime): all
of testpmd's threads (its forwarding lcore polls: ~100%), and each
bridge.  The vnet rows also show the GSO records (super-packets) the
bridges carried over the whole face, kernel -> unit in A and unit ->
kernel in B: 0 would mean the offloads did not work.

Placement (2 CPUs) as devtools/bench_programs.py: testpmd
--lcores=0@0,1@1 (forwarding lcore on CPU 1, main lcore, control threads
and the device node's FUSE thread on CPU 0); everything else (the
bridges, iperf3 client and server) taskset to CPU 0.  The passes are
interleaved (pass 1 of every path, then pass 2, ...; the order rotates
per pass).  Before each run the benchmark waits (--settle) until other
processes leave the CPUs alone, repeats a run during which they used more
than --max-load CPUs (--retries), and flags it '*' if they still did.

Needs root (network namespaces, mounts), hugepages (devtools/setup.sh),
iperf3, the build (--build, default BSDTUN_BUILD or build/).  Every
process runs in its own process group and is ended at the end (also on
error or Ctrl-C); the namespaces and temp files are removed.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, 'tests'))
sys.path.insert(0, os.path.join(TOP, 'devtools'))
import harness  # noqa: E402
from bench_programs import (HZ, log, machine, ns, sh,  # noqa: E402
                            tree_pids, tree_ticks, user_processes)

PATHS = ('vnet', 'plain', 'node', 'ktun-vnet', 'ktun', 'veth')
KERNEL = ('ktun-vnet', 'ktun', 'veth')  # no DPDK
OUT = os.path.join(TOP, 'build-bench')
TITLES = {
    'vnet': 'bridge --vnet, testpmd csum + LRO/TSO',
    'plain': 'bridge, testpmd io',
    'node': 'bridge on the device nodes, testpmd io',
    'ktun-vnet': 'two kernel tuns joined by a program, virtio-net '
                 'header + TSO',
    'ktun': 'two kernel tuns joined by a program, no offloads',
    'veth': 'veth pair (kernel\'s own path: the ceiling)',
}
ADDR = ('10.78.0.1', '10.78.0.2')
PORT = 5201


class BenchError(harness.ProcError):
    """A measurement that could not be made."""


ERRORS = (harness.ProcError, subprocess.SubprocessError, OSError)


def counters(out):
    """The bridge's exit counters line, as a dict ({} if none)."""
    m = re.search(r'^tuntest bridge: (to_unit_packets .*)$', out, re.M)
    if not m:
        return {}
    w = m.group(1).split()
    return {w[i]: int(w[i + 1]) for i in range(0, len(w) - 1, 2)}


class Net:
    """netns A and B for the whole run."""

    def __init__(self):
        t = 'bo%d' % (os.getpid() % 100000)
        self.ns = ('%sa' % t, '%sb' % t)
        self.veth = (t + 'va', t + 'vb')
        self.made = []

    def __enter__(self):
        for n in self.ns:
            sh(['ip', 'netns', 'add', n])
            self.made.append(n)
            for k in ('all', 'default'):
                ns(n, ['sysctl', '-qw',
                       'net.ipv6.conf.%s.disable_ipv6=1' % k])
            sh(['ip', '-n', n, 'link', 'set', 'lo', 'up'])
        return self

    def __exit__(self, *exc):
        for n in self.made:
            sh(['ip', 'netns', 'del', n], check=False)
        return False


class Face:
    """One path, set up: testpmd and the bridges, or the veth pair;
    ended with close()."""

    def __init__(self, opt, sess, net, path):
        self.opt, self.sess, self.net, self.path = opt, sess, net, path
        self.procs = []
        self.pmd = None
        self.bridges = []
        self.veth = False
        self.gso = None

    def spawn(self, argv, name):
        p = harness.Proc(['taskset', '-c', str(self.opt.cpu)] + list(argv),
                         name, echo=log if self.opt.verbose else False)
        self.procs.append(p)
        return p

    def dev(self, i):
        return self.net.veth[i] if self.path == 'veth' else 'bt%d' % i

    def start_pmd(self):
        opt, path = self.opt, self.path
        units = []
        for i in (0, 1):
            u = 'framing=eth,qlen=%d' % opt.qlen
            if path == 'node':
                u += ',cdev=' + self.sess.path('node%d' % i)
            units.append(u)
        if path == 'vnet':
            args = ['--forward-mode=csum', '--enable-lro',
                    '--max-lro-pkt-size=%d' % (65535 + 14),
                    '--enable-scatter', '--mbuf-size=2048']
        else:
            args = ['--forward-mode=io']
        self.pmd = self.sess.testpmd(
            units, args, lcores='0@%d,1@%d' % (opt.cpu, opt.dpdk_cpu),
            mbufs=32768, echo=log if opt.verbose else False)
        self.procs.append(self.pmd)
        self.pmd.start(harness.PATIENCE)
        if path == 'vnet':
            self.pmd.cmd('port stop all')
            for p in (0, 1):
                self.pmd.cmd('port config %d rx_offload tcp_cksum on' % p)
                self.pmd.cmd('csum set ip hw %d' % p)
                self.pmd.cmd('csum set tcp hw %d' % p)
                self.pmd.cmd('tso set 1400 %d' % p)
            self.pmd.cmd('port start all')
            self.pmd.cmd('set fwd csum retry')
        else:
            self.pmd.cmd('set fwd io retry')
        self.pmd.cmd('set burst tx delay 10 retry 100000')
        self.pmd.cmd('start')
        for i in (0, 1):
            ep = self.pmd.sock(i) if path != 'node' else \
                self.sess.path('node%d' % i)
            self.bridges.append(self.spawn(
                [harness.TUNTEST, 'bridge', '--quiet'] +
                (['--vnet'] if path == 'vnet' else []) +
                [ep, self.dev(i), '--netns', self.net.ns[i]],
                'bridge%d' % i))

    def start_relay(self):
        self.bridges.append(self.spawn(
            [self.opt.relay] + (['--vnet'] if self.path == 'ktun-vnet'
                                else []) +
            [self.net.ns[0], self.dev(0), self.net.ns[1], self.dev(1)],
            'tun_relay'))
        self.bridges[0].wait_output('^ready$', 0, harness.PATIENCE)

    def start(self):
        if self.path in ('ktun-vnet', 'ktun'):
            self.start_relay()
        elif self.path == 'veth':
            sh(['ip', 'link', 'add', self.dev(0), 'netns', self.net.ns[0],
                'type', 'veth', 'peer', 'name', self.dev(1), 'netns',
                self.net.ns[1]])
            self.veth = True
        else:
            self.start_pmd()
        for i, n in enumerate(self.net.ns):
            dev = self.dev(i)
            if not harness.wait_for(
                    lambda: sh(['ip', '-n', n, 'link', 'show', dev],
                               check=False).returncode == 0 or
                    any(not b.running() for b in self.bridges),
                    harness.PATIENCE, 0.05) or \
                    any(not b.running() for b in self.bridges):
                raise BenchError('no %s in %s:\n%s' % (
                    dev, n, '\n'.join(b.output[-2000:]
                                      for b in self.bridges)))
            sh(['ip', '-n', n, 'addr', 'add', ADDR[i] + '/24', 'dev', dev])
            sh(['ip', '-n', n, 'link', 'set', dev, 'up'])
        if not harness.wait_for(lambda: ns(self.net.ns[0], [
                'ping', '-c', '1', '-W', '1', ADDR[1]],
                check=False).returncode == 0, harness.PATIENCE, 0.1):
            raise BenchError('no ping %s -> %s (%s)' % (ADDR[0], ADDR[1],
                                                        self.path))

    def close(self):
        for p in reversed(self.procs):
            try:
                if p is self.pmd:
                    p.stop(30)
                else:
                    p.kill(5)
            except Exception as e:  # noqa: BLE001 - keep cleaning up
                log('clean-up of %s: %s' % (p.name, e))
        if self.path == 'vnet' and self.bridges:
            c = [counters(b.output) for b in self.bridges]
            self.gso = (c[0].get('to_unit_gso', 0),
                        c[1].get('to_kernel_gso', 0))
        if self.pmd is not None:
            self.sess.procs.remove(self.pmd)
            if self.path == 'node':
                self.sess.unmount_dead_nodes()
        if self.veth:
            sh(['ip', '-n', self.net.ns[0], 'link', 'del', self.dev(0)],
               check=False)


class Cpu:
    """CPU use over a window, % of one CPU: testpmd (all its threads),
    each bridge; 'foreign': what processes not ours used, in CPUs."""

    def __init__(self, face, extra=()):
        self.face = face
        self.extra = list(extra)
        self.t0 = time.monotonic()
        self.v0 = self.sample()
        self.all0 = user_processes()

    def sample(self):
        f = self.face
        v = {'testpmd': tree_ticks(f.pmd.pid) if f.pmd else 0}
        for i in (0, 1):
            v['bridge%d' % i] = tree_ticks(f.bridges[i].pid) \
                if len(f.bridges) > i else 0
        return v

    def stop(self):
        wall = time.monotonic() - self.t0
        v1 = self.sample()
        use = {k: 100.0 * (v1[k] - self.v0[k]) / (HZ * wall) for k in v1}
        ours = set(tree_pids(os.getpid()))
        for p in self.face.procs + self.extra:
            ours.update(tree_pids(p.pid))
        foreign = sum(t - self.all0.get(p, 0)
                      for p, t in user_processes().items() if p not in ours)
        use['foreign'] = foreign / (HZ * wall)
        return use


def iperf(opt, face):
    """One iperf3 run A -> B: (Mbit/s received, extra dict)."""
    srv = face.spawn(['ip', 'netns', 'exec', face.net.ns[1], 'iperf3', '-s',
                      '-1', '-B', ADDR[1], '-p', str(PORT)], 'iperf3-s')
    try:
        if not harness.wait_for(lambda: ':%d ' % PORT in ns(
                face.net.ns[1], ['ss', '-ltn']).stdout, 30, 0.05):
            raise BenchError('iperf3 server does not listen')
        cli = harness.Proc(['ip', 'netns', 'exec', face.net.ns[0], 'taskset',
                            '-c', str(opt.cpu), 'iperf3', '-c', ADDR[1],
                            '-p', str(PORT), '-J', '-t', '%g' % opt.duration,
                            '-O', '1', '--connect-timeout', '10000'],
                           'iperf3-c')
        cpu = Cpu(face, [srv, cli])
        try:
            # waited for without reaping: its CPU time counts as ours
            if not harness.wait_for(lambda: os.waitid(
                    os.P_PID, cli.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
                    is not None, opt.duration + 15, 0.05):
                raise BenchError('iperf3 client timed out')
            use = cpu.stop()
            cli.wait(10)
        finally:
            cli.kill(0)
        srv.wait(30)
        try:
            r = json.loads(cli.output)
        except ValueError:
            raise BenchError('iperf3 said:\n%s' % cli.output[-2000:])
        if 'error' in r:
            raise BenchError('iperf3: %s' % r['error'])
        extra = {'retr': r['end']['sum_sent'].get('retransmits', 0)}
        extra.update(use)
        return r['end']['sum_received']['bits_per_second'] / 1e6, extra
    finally:
        srv.kill(1)


def settle(opt, face):
    deadline = time.monotonic() + opt.settle
    while True:
        c = Cpu(face)
        time.sleep(0.5)
        v = c.stop()['foreign']
        if v <= opt.max_load or time.monotonic() >= deadline:
            return v


def measure(opt, face, res):
    """One run into res (repeated up to --retries times while others used
    the CPUs); 1 if measured, 0 if not."""
    for attempt in range(opt.retries + 1):
        settle(opt, face)
        try:
            v, extra = iperf(opt, face)
        except ERRORS as e:
            log('  %s failed: %s' % (face.path, e))
            return 0
        log('  %-6s %8.0f Mbit/s  %s foreign=%.2f CPU' % (
            face.path, v, ' '.join('%s=%.0f' % kv
                                   for kv in sorted(extra.items())
                                   if kv[0] != 'foreign'),
            extra['foreign']))
        if extra['foreign'] <= opt.max_load:
            break
        if attempt < opt.retries:
            log('  ... again (other processes used the CPUs)')
    res.setdefault(face.path, []).append((v, extra))
    return 1


def report(opt, res, gso, failed):
    print('Bulk TCP through bsdtun units, with and without virtio-net '
          'offloads: median of %d passes, iperf3 -t %g -O 1, A -> B'
          % (opt.passes, opt.duration))
    print('machine: %s' % machine())
    print('command: %s' % ' '.join(sys.argv))
    print()
    print('| path | Mbit/s | /plain | retransmits | testpmd % | bridge A % '
          '| bridge B % |')
    print('|---|--:|--:|--:|--:|--:|--:|')
    base = None
    if res.get('plain'):
        base = statistics.median(r[0] for r in res['plain'])
    for path in opt.paths:
        rs = res.get(path, [])
        if not rs:
            print('| %s | %s | | | | | |' % (
                TITLES[path], failed.get(path, 'failed')))
            continue
        v = statistics.median(r[0] for r in rs)
        med = {k: statistics.median(r[1][k] for r in rs)
               for k in ('retr', 'testpmd', 'bridge0', 'bridge1')}
        note = '*' if any(r[1]['foreign'] > opt.max_load for r in rs) \
            else ''
        if len(rs) < opt.passes:
            note += ' (%d of %d)' % (len(rs), opt.passes)
        dpdk = path not in KERNEL
        relay = path in ('ktun-vnet', 'ktun')
        print('| %s | %s%s | %s | %.0f | %s | %s | %s |' % (
            TITLES[path], '{:,.0f}'.format(v), note,
            '%.2f' % (v / base) if base else '-', med['retr'],
            '%.0f' % med['testpmd'] if dpdk else '-',
            '%.0f' % med['bridge0'] if dpdk or relay else '-',
            '%.0f' % med['bridge1'] if dpdk else '-'))
    print()
    print('/plain: the median over the plain bridge\'s.  CPU: %% of one CPU '
          'over the run (median): testpmd all its threads, bridge A/B the '
          'tuntest bridge of each namespace.  *: other processes used more '
          'than %.2f CPU in a run.' % opt.max_load)
    if gso:
        print('vnet: super-packets (GSO records) per face, A\'s bridge '
              'kernel -> unit / B\'s unit -> kernel: %s' %
              ', '.join('%d/%d' % g for g in gso))
    print('ktun-vnet, ktun: no DPDK, no bsdtun: the two kernel tuns joined '
          'by devtools/bench/tun_relay.c (its CPU, both directions, in the '
          'bridge A column).')
    print('veth: no DPDK, no bsdtun: the kernel\'s own path between the '
          'two namespaces (TSO/GRO, no copy to user space): the ceiling.')
    if opt.verbose:
        print()
        for k in opt.paths:
            print('%s: %s' % (k, ' '.join('%.0f' % r[0]
                                          for r in res.get(k, []))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--passes', type=int, default=3)
    ap.add_argument('-t', '--duration', type=float, default=5.0,
                    help='iperf3 -t seconds (default 5; -O 1 on top)')
    ap.add_argument('--paths', default=','.join(PATHS))
    ap.add_argument('--qlen', type=int, default=1024)
    ap.add_argument('--settle', type=float, default=20.0,
                    help='seconds to wait for other processes to calm '
                    'down before a run (default 20)')
    ap.add_argument('--max-load', type=float, default=0.3,
                    help='CPUs other processes may use during a run '
                    '(default 0.3)')
    ap.add_argument('--retries', type=int, default=1,
                    help='runs repeated while others used the CPUs')
    ap.add_argument('--cpu', type=int, default=0,
                    help='CPU of everything but the forwarding lcore')
    ap.add_argument('--dpdk-cpu', type=int, default=1)
    ap.add_argument('--build', help='meson build dir (default '
                    'BSDTUN_BUILD or build/)')
    ap.add_argument('--json', metavar='FILE',
                    help='also write every run\'s numbers to FILE')
    ap.add_argument('-v', '--verbose', action='store_true')
    opt = ap.parse_args()
    opt.paths = [p for p in opt.paths.split(',') if p]
    bad = [p for p in opt.paths if p not in PATHS]
    if bad:
        ap.error('unknown path: %s' % ', '.join(bad))
    if opt.build:
        harness.use_build(opt.build)
    if os.geteuid() != 0:
        log('bench_offload: needs root')
        return 1
    for need in (harness.PMD, harness.TUNTEST):
        if not os.path.exists(need):
            log('bench_offload: no %s (build first)' % need)
            return 1
    if shutil.which('iperf3') is None:
        log('bench_offload: iperf3 is not installed')
        return 1
    if any(p in ('ktun-vnet', 'ktun') for p in opt.paths):
        os.makedirs(OUT, exist_ok=True)
        opt.relay = os.path.join(OUT, 'tun_relay')
        argv = [os.environ.get('CC', 'cc'), '-O2', '-Wall', '-Wextra',
                '-pthread', '-o', opt.relay,
                os.path.join(TOP, 'devtools', 'bench', 'tun_relay.c')]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            log('bench_offload: %s failed:\n%s' % (' '.join(argv), r.stderr))
            return 1
    harness.unwind_on_signals()

    res, gso, failed = {}, [], {}
    measured = 0
    with harness.Session('boffl', 'boffl') as sess, Net() as net:
        os.chmod(sess.dir, 0o755)
        try:
            for n in range(opt.passes):
                k = n % len(opt.paths)
                order = opt.paths[k:] + opt.paths[:k]
                log('pass %d/%d: %s' % (n + 1, opt.passes, ', '.join(order)))
                for path in order:
                    if path in failed:
                        continue
                    face = Face(opt, sess, net, path)
                    try:
                        face.start()
                        got = measure(opt, face, res)
                        measured += got
                        if not got:
                            failed[path] = 'failed'
                    except ERRORS as e:
                        log('  %s failed: %s' % (path, e))
                        failed[path] = 'failed'
                    finally:
                        face.close()
                    if face.gso is not None:
                        gso.append(face.gso)
        except KeyboardInterrupt:
            log('interrupted')
    print()
    report(opt, res, gso, failed)
    if opt.json:
        with open(opt.json, 'w') as f:
            json.dump({'machine': machine(), 'argv': sys.argv,
                       'runs': {k: v for k, v in res.items()},
                       'gso': gso}, f, indent=1)
    return 0 if measured else 1


if __name__ == '__main__':
    sys.exit(main())
