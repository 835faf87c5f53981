#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""bsdtun benchmark: net_bsdtun against DPDK's net_memif, side by side.

    python3 devtools/bench.py [--runs N] [--duration S] [--only REGEX]
                              [--dpdk VERSION] [--json FILE] [--svg FILE]
    python3 devtools/bench.py --replot FILE.json [--svg FILE]

It runs against the DPDK in PATH (Debian's 22.11 after devtools/setup.sh),
or with --dpdk 23.11|24.11|25.11 against the DPDK that
devtools/dpdk-matrix.sh built under its cache, and the bsdtun build made for
it (build-dpdk-VERSION): net_memif is always that same release's.  The
report's first line names the DPDK version and where its testpmd is.

A benchmark, never a test: it prints numbers and exits 0 whatever they
are (1 only when a case could not be measured at all).  Every case runs
--runs times in this one invocation, the runs of all cases interleaved
(so slow drift on the machine hits bsdtun and memif alike); the tables
show medians and the ratio bsdtun/memif.

Cases (packet sizes are Ethernet frames as the DPDK side sees them, FCS
not included; the bsdtun client reads and writes the IP packet, 14 bytes
less; Gbit/s = frames/s x frame bytes x 8):

  thr     DPDK -> client and client -> DPDK, 64 and 1500 bytes, measured at
          the receiver.  bsdtun: dpdk-testpmd txonly/rxonly on a bsdtun
          port, the client `tuntest bench rx|tx` (bsdtun_read_burst /
          bsdtun_write_burst, 32 per call).  memif: two dpdk-testpmd, the
          "DPDK" one (txonly/rxonly, memif client) and the "client" one
          (rxonly/txonly, memif server).  Equal rings: qlen=1024 vs
          rsize=10 (1024 slots).
  rtt     client -> testpmd io forwarding (port to itself) -> client, one
          packet in flight, 64-byte frames: busy-polling with
          bsdtun_read_burst, and sleeping in a blocking bsdtun_read.
  ports   1, 8 and 32 bsdtun ports in one testpmd (one forwarding core),
          one client process on all of them, 64 bytes each way: total
          rate, cost per packet, memory per port.
  intr    rx interrupts: the DPDK side's CPU while two held ports are
          idle, app/intrfwd (sleeps in rte_epoll_wait) against testpmd
          (polls); and the round trip through intrfwd (port to itself),
          client busy-polling or blocking, beside rtt/busy's.
  queues  one bsdtun unit with queues=1 or 2 (testpmd --rxq=N --txq=N),
          one client process holding every pair, 64 bytes each way: the
          aggregate rate, cost per packet and each pair's share.
  mem     1, 8 and 32 ports with a peer attached to each and no traffic,
          bsdtun (one testpmd, one tuntest on all ports) and memif (two
          testpmd, n interfaces each), 1024 packets each way per port:
          the shared memory (memfd mappings) each side maps per port, and
          testpmd's RSS growth for bsdtun.
  flood   three bsdtun ports on one forwarding core (testpmd io): ports 0
          and 1 carry verified traffic (two `tuntest traffic` clients,
          io forwarding between them), port 2 (qlen=65536, paired with
          itself) either has no client ("off") or a hostile client
          (tests/hostile_client rx_flood_forever) that keeps its ring full
          of zeroed records the PMD must drop ("on"), all clients on the
          client CPU: the neighbours' rate with and without the flood.

Placement (2 cores): the DPDK side forwards on CPU 1 (testpmd
--lcores=0@0,1@1), the client side runs on CPU 0 (tuntest --cpu 0, or the
second testpmd with --lcores=0@1,1@0 for memif).

Noise: before each run the harness waits (--settle) until other processes
leave the CPUs alone, and re-runs a run during which they took more than
--max-load of the machine.  Before and after each run `tuntest bench c2c`
times a cache-line round trip between the two CPUs: on a VM it changes
with where the host puts the vCPUs (here ~120 ns or ~550 ns) and moves the
results up to 2x, so the tables group runs by it ("near", "far") and
compare bsdtun with memif within a group.

Every process is started in its own process group and killed at the end
(also on error, timeout or Ctrl-C); sockets live in a temp dir; every
testpmd gets its own --file-prefix, whose files are removed.
"""

import argparse
import glob
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, 'tests'))
import harness  # noqa: E402
import bench_chart  # noqa: E402

ETH_HLEN = 14
QLEN = 1024                 # bsdtun qlen = memif 2^rsize
RSIZE = 10
DPDK_CPU, CLIENT_CPU = 1, 0
DPDK_LCORES = '0@%d,1@%d' % (CLIENT_CPU, DPDK_CPU)     # fwd lcore 1 on CPU 1
CLIENT_LCORES = '0@%d,1@%d' % (DPDK_CPU, CLIENT_CPU)   # fwd lcore 1 on CPU 0
MBUFS = 16384


VERBOSE = False


class BenchError(harness.ProcError):
    """A run that could not be measured."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- processes (tests/harness.py runs them) --------------------------------

def rss(p):
    """{VmRSS, RssAnon, RssFile, RssShmem} of process p in KiB, {} when
    gone."""
    try:
        with open('/proc/%d/status' % p.pid) as f:
            txt = f.read()
    except OSError:
        return {}
    return {k: int(v) for k, v in
            re.findall(r'^(VmRSS|RssAnon|RssFile|RssShmem):\s+(\d+)',
                       txt, re.M)}


def maps_memfd(p):
    """Sizes in bytes of process p's memfd mappings."""
    return harness.memfd_maps(p.pid)


def _cpu_busy():
    """Jiffies processes ran on the whole machine (not interrupts: the
    bell's wake-ups would count against us)."""
    with open('/proc/stat') as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[0] + v[1] + v[2]           # user, nice, system


class Load:
    """CPU time used by processes other than ours over a window, as a
    fraction of the machine (0.0 quiet .. 1.0 every CPU busy)."""

    HZ = os.sysconf('SC_CLK_TCK')

    def __init__(self, procs=()):
        self.procs = list(procs)
        self.t0 = time.monotonic()
        self.busy0 = _cpu_busy()
        self.ours0 = [p.cpu_ticks() for p in self.procs]
        self.value = None

    def stop(self):
        """Take the end sample (our processes must still be running)."""
        wall = time.monotonic() - self.t0
        busy = _cpu_busy() - self.busy0
        now = [p.cpu_ticks() for p in self.procs]
        if not all(now) or wall < 0.1:
            return self.value       # one of ours is gone: keep the last
        ours = sum(j - j0 for j, j0 in zip(now, self.ours0))
        cap = wall * self.HZ * os.cpu_count()
        self.value = max(0.0, (busy - ours) / cap) if cap > 0 else 0.0
        return self.value


def settle(opt):
    """Wait (up to --settle s) until other processes leave the CPUs
    alone; returns the last foreign load seen."""
    deadline = time.monotonic() + opt.settle
    while True:
        ld = Load()
        time.sleep(0.5)
        v = ld.stop()
        if v < opt.max_load or time.monotonic() > deadline:
            return v
        log('bench: machine busy (%.0f%% foreign CPU load), waiting' %
            (100 * v))
        time.sleep(2)


def testpmd(run, name, lcores, units, args, eal=(), plugin=True):
    """An interactive dpdk-testpmd of the session run, started: units as
    harness.TestPmd's (one net_bsdtun port each), eal more EAL options."""
    return run.testpmd(units, args, eal, lcores=lcores, mbufs=MBUFS,
                       plugin=plugin, name=name,
                       echo=log if VERBOSE else False).start(60)


def client(run, mode, endpoints, opts):
    """tuntest bench MODE ENDPOINTS..., pinned to the client CPU."""
    argv = [harness.TUNTEST, 'bench', mode] + list(endpoints) + \
        ['--cpu', str(CLIENT_CPU), '--quiet'] + list(opts)
    return run.spawn(argv, 'tuntest bench ' + mode,
                     echo=log if VERBOSE else False)


def client_result(cl, timeout):
    """Wait for the client's exit; parse its 'bench ...' line into a
    dict."""
    if cl.wait(timeout) is None:
        cl.signal(signal.SIGINT)
        cl.wait(5)
    cl.kill()
    m = re.search(r'^bench (.*)$', cl.output, re.M)
    if not m:
        raise BenchError('%s: no result:\n%s' % (cl.name, cl.output[-2000:]))
    res = {}
    for kv in m.group(1).split():
        k, v = kv.split('=', 1)
        try:
            res[k] = float(v) if '.' in v else int(v)
        except ValueError:
            res[k] = v
    return res


def session():
    """A temp dir and file prefixes for one run; its processes end with
    it."""
    return harness.Session('bench', 'btbench')


# ---- cases ------------------------------------------------------------------

def wait_rx(pmd, port, timeout=15):
    """Wait until port has received something; return its stats."""
    deadline = time.monotonic() + timeout
    while True:
        st = pmd.port_stats(port)
        if st.get('RX-packets', 0) > 0:
            return st
        if time.monotonic() > deadline:
            raise BenchError('%s: port %d received nothing in %ds' %
                             (pmd.name, port, timeout))
        time.sleep(0.1)


def measure_rx_pps(pmd, ports, opt, procs, watch=()):
    """testpmd's own rate over --duration s after --warmup s, summed
    over ports (its pps needs two calls of 'show port stats')."""
    time.sleep(opt.warmup)
    for p in ports:
        pmd.port_stats(p)
    load = Load(procs)
    peak = {}
    while time.monotonic() - load.t0 < opt.duration:
        time.sleep(min(0.25, opt.duration))
        for w in watch:
            peak[w.name] = rss(w) or peak.get(w.name, {})
    pps = sum(pmd.port_stats(p)['Rx-pps'] for p in ports)
    load.stop()
    for w in watch:
        peak[w.name] = rss(w) or peak.get(w.name, {})
    return pps, peak, load.value


PROFILES = 0                # perf data files written


def profile(run, opt, what, procs):
    """--perf DIR: sample each process with perf's cpu-clock event (the
    VM has no hardware counters) over warm-up + measurement."""
    if not getattr(opt, 'perf', None):
        return
    global PROFILES
    os.makedirs(opt.perf, exist_ok=True)
    PROFILES += 1
    for side, p in procs:
        out = os.path.join(opt.perf, '%s-%d-%s.data' % (
            what.replace('/', '_'), PROFILES, side))
        run.spawn(['perf', 'record', '-q', '-e', 'cpu-clock', '-p', p.pid,
                   '-o', out, '--', 'sleep', opt.warmup + opt.duration],
                  'perf ' + side)


def case_thr_bsdtun(opt, direction, size, nports=1, queues=1):
    """nports units of queues queue pairs each; the client opens every
    unit queues times (one open per pair)."""
    with session() as run:
        fwd = ['--forward-mode=txonly', '--txpkts=%d' % size] \
            if direction == 'to_client' else ['--forward-mode=rxonly']
        if queues > 1:
            fwd += ['--rxq=%d' % queues, '--txq=%d' % queues]
        pmd = testpmd(run, 'testpmd', DPDK_LCORES,
                      ['qlen=%d,queues=%d' % (QLEN, queues)] * nports, fwd)
        socks = [sk for sk in pmd.socks for _ in range(queues)]
        rss0 = rss(pmd)
        pmd.cmd('start')
        res = {'dpdk_rss0': rss0}
        if direction == 'to_client':
            cl = client(run, 'rx', socks, [
                '--warmup', str(opt.warmup), '--duration', str(opt.duration),
                '--timeout', '10'])
            profile(run, opt, '%s-%d-%d' % (direction, size, nports),
                    [('dpdk', pmd), ('client', cl)])
            peak = {}
            t0 = time.monotonic()
            deadline = t0 + opt.warmup + opt.duration + 30
            load = None
            while cl.running() and time.monotonic() < deadline:
                if re.search(r'^bench ', cl.output, re.M):
                    break       # measured; now closing its units
                if load is None and time.monotonic() > t0 + opt.warmup:
                    load = Load([pmd, cl])
                elif load is not None:
                    load.stop()
                peak = rss(cl) or peak
                res['client_memfd'] = maps_memfd(cl) or \
                    res.get('client_memfd')
                res['dpdk_rss1'] = rss(pmd)
                time.sleep(0.2)
            r = client_result(cl, 1)
            res['pps'] = r['pps']
            res['client'] = r
            res['client_rss'] = peak
            res['load'] = load.value if load else None
        else:
            cl = client(run, 'tx', socks, [
                '--size', str(size - ETH_HLEN), '--warmup', '0',
                '--duration', str(opt.warmup + opt.duration + 30),
                '--timeout', '10'])
            for p in range(nports):
                wait_rx(pmd, p)
            profile(run, opt, '%s-%d-%d' % (direction, size, nports),
                    [('dpdk', pmd), ('client', cl)])
            res['client_memfd'] = maps_memfd(cl)
            pps, peak, res['load'] = measure_rx_pps(pmd, range(nports), opt,
                                                    [pmd, cl], [cl])
            res['pps'] = pps
            res['client_rss'] = peak.get(cl.name, {})
            res['dpdk_rss1'] = rss(pmd)
            cl.signal(signal.SIGINT)
            r = client_result(cl, 5)
            res['client'] = r
        if queues > 1:
            # each pair's share of the packets, from the port's counters
            xs = pmd.xstats(0)
            key = 'tx_q%d_packets' if direction == 'to_client' \
                else 'rx_q%d_packets'
            res['per_queue'] = [xs[key % q] for q in range(queues)]
        return res


def case_thr_memif(opt, direction, size):
    with session() as run:
        sock = run.path('memif.sock')
        common = 'socket=%s,socket-abstract=no,rsize=%d,id=0' % (sock, RSIZE)
        # The "client" side (CPU 0) is the memif server, so it listens
        # first; the "DPDK" side (CPU 1) is the memif client.
        if direction == 'to_client':
            cfwd = ['--forward-mode=rxonly']
            dfwd = ['--forward-mode=txonly', '--txpkts=%d' % size]
        else:
            cfwd = ['--forward-mode=txonly', '--txpkts=%d' % size]
            dfwd = ['--forward-mode=rxonly']
        csd = testpmd(run, 'testpmd(memif server)', CLIENT_LCORES, [], cfwd,
                      ['--vdev=net_memif0,role=server,' + common],
                      plugin=False)
        dsd = testpmd(run, 'testpmd(memif client)', DPDK_LCORES, [], dfwd,
                      ['--vdev=net_memif0,role=client,' + common],
                      plugin=False)
        rss0 = {'dpdk': rss(dsd), 'client': rss(csd)}
        rx = csd if direction == 'to_client' else dsd
        (dsd if direction == 'to_client' else csd).cmd('start')
        rx.cmd('start')
        wait_rx(rx, 0)
        pps, _, load = measure_rx_pps(rx, [0], opt, [dsd, csd])
        return {'pps': pps, 'load': load, 'rss0': rss0,
                'rss1': {'dpdk': rss(dsd), 'client': rss(csd)},
                'memfd': {'dpdk': maps_memfd(dsd),
                          'client': maps_memfd(csd)}}


def wait_until(pred, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False


def case_mem(opt, impl, n):
    """Memory of n ports with a peer attached to each and no traffic: the
    memfd mappings on both sides and testpmd's VmRSS growth (it
    mlockall()s, so a mapped region is resident at once)."""
    with session() as run:
        if impl == 'bsdtun':
            pmd = testpmd(run, 'testpmd', DPDK_LCORES,
                          ['qlen=%d' % QLEN] * n, ['--forward-mode=io'])
            rss0 = rss(pmd)
            cl = client(run, 'rx', pmd.socks, [
                '--warmup', '0', '--duration', '60', '--timeout', '60'])
            sides = {'dpdk': pmd, 'client': cl}
        else:
            sock = run.path('memif.sock')
            common = 'socket=%s,socket-abstract=no,rsize=%d' % (sock, RSIZE)
            vdevs = ['--vdev=net_memif%d,role=%%s,id=%d,%s' % (i, i, common)
                     for i in range(n)]
            csd = testpmd(run, 'testpmd(memif server)', CLIENT_LCORES, [],
                          ['--forward-mode=rxonly'],
                          [v % 'server' for v in vdevs], plugin=False)
            pmd = testpmd(run, 'testpmd(memif client)', DPDK_LCORES, [],
                          ['--forward-mode=rxonly'],
                          [v % 'client' for v in vdevs], plugin=False)
            rss0 = rss(pmd)
            sides = {'dpdk': pmd, 'client': csd}
        ok = wait_until(lambda: len(maps_memfd(sides['dpdk'])) >= n and
                        len(maps_memfd(sides['client'])) >= n)
        time.sleep(0.5)
        if not ok:
            raise harness.ProcError('%s: %d ports did not all attach' %
                                    (impl, n))
        res = {'memfd': {k: maps_memfd(v) for k, v in sides.items()},
               'dpdk_rss': rss(pmd).get('VmRSS', 0) - rss0.get('VmRSS', 0)}
        if impl == 'bsdtun':
            cl.signal(signal.SIGINT)
        return res


def rtt_client(run, opt, app, block):
    """tuntest bench rtt on app's port (forwarded to itself) to its end:
    its result, with the foreign load over the measurement."""
    cl = client(run, 'rtt', app.socks, [
        '--size', str(64 - ETH_HLEN), '--warmup', str(opt.warmup),
        '--duration', str(opt.duration), '--timeout', '5'] +
        (['--block'] if block else []))
    time.sleep(opt.warmup)
    load = Load([app, cl])
    deadline = time.monotonic() + opt.duration + 30
    while cl.running() and time.monotonic() < deadline:
        load.stop()
        time.sleep(0.2)
    res = client_result(cl, 1)
    res['load'] = load.value
    return res


def case_rtt(opt, block):
    with session() as run:
        pmd = testpmd(run, 'testpmd', DPDK_LCORES, ['qlen=%d' % QLEN],
                      ['--forward-mode=io', '--port-topology=loop'])
        pmd.cmd('start')
        return rtt_client(run, opt, pmd, block)


def case_intr_idle(opt, app):
    """CPU time of the DPDK side with two ports whose clients hold them and
    send nothing: intrfwd (rx interrupts) or testpmd (polling)."""
    with session() as run:
        if app == 'intrfwd':
            p = harness.IntrFwd(run, ['qlen=%d' % QLEN] * 2, ['--quiet'],
                                lcores=str(DPDK_CPU),
                                echo=log if VERBOSE else False)
            nodes = p.nodes
        else:
            nodes = [run.path('idle%d' % i) for i in (0, 1)]
            p = testpmd(run, 'testpmd', DPDK_LCORES,
                        ['qlen=%d,cdev=%s' % (QLEN, n) for n in nodes],
                        ['--forward-mode=io'])
            p.cmd('start')
        fds = [harness.open_node(n) for n in nodes]
        try:
            time.sleep(opt.warmup)
            t0, c0 = time.monotonic(), p.cpu_ticks()
            load = Load([p])
            time.sleep(opt.duration)
            load.stop()
            cpu = (p.cpu_ticks() - c0) / os.sysconf('SC_CLK_TCK') / \
                (time.monotonic() - t0)
        finally:
            for fd in fds:
                os.close(fd)
        return {'cpu': cpu, 'load': load.value}


def case_intr_rtt(opt, block):
    """Round trip through intrfwd (the port to itself) with --idle 1: the
    app arms and sleeps as soon as one poll finds nothing, so (nearly)
    every packet pays its wake-up; 'sleeps' says how many did."""
    with session() as run:
        app = harness.IntrFwd(run, ['qlen=%d' % QLEN],
                              ['--quiet', '--idle', '1'],
                              lcores=str(DPDK_CPU),
                              echo=log if VERBOSE else False)
        res = rtt_client(run, opt, app, block)
        app.signal(signal.SIGINT)
        app.wait(10)
        m = re.search(r'sleeps (\d+)', app.output)
        res['sleeps'] = int(m.group(1)) if m else None
        return res


def case_flood(opt, flood):
    """Neighbours' rate (ports 0 and 1) beside a port whose client floods
    garbage (flood) or that has no client."""
    with session() as run:
        pmd = testpmd(run, 'testpmd', DPDK_LCORES,
                      ['qlen=%d' % QLEN] * 2 + ['qlen=65536'],
                      ['--forward-mode=io'])
        socks = pmd.socks
        pmd.cmd('start')
        procs = [pmd]
        if flood:
            fl = run.spawn(['taskset', '-c', CLIENT_CPU, os.path.join(
                harness.BUILD, 'tests', 'hostile_client'), socks[2],
                'rx_flood_forever'], 'flooding client', stdin=True)
            fl.wait_output(r'\bready\b', 0, 15)
            procs.append(fl)
        for i, (me, peer) in enumerate(((1, 2), (2, 1))):
            cl = run.spawn(['taskset', '-c', CLIENT_CPU, harness.TUNTEST,
                            'traffic', socks[i], '--ifhead', '--stream', me,
                            '--peer-stream', peer, '--count', '1000000000',
                            '--quiet', '--timeout', '30'], 'traffic %d' % i)
            procs.append(cl)
        for port in (0, 1):
            wait_rx(pmd, port)
        pps, _, load = measure_rx_pps(pmd, [0, 1], opt, procs)
        xs = pmd.cmd('show port xstats 2')
        m = re.search(r'rx_runt:\s+(\d+)', xs)
        return {'pps': pps, 'load': load,
                'runts': int(m.group(1)) if m else 0}


def c2c():
    """Cache-line round trip CLIENT_CPU <-> DPDK_CPU in ns, or None."""
    try:
        out = subprocess.run(
            [harness.TUNTEST, 'bench', 'c2c', '--cpu', str(CLIENT_CPU),
             '--peer-cpu', str(DPDK_CPU), '--duration', '0.1'],
            capture_output=True,
            text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r'rtt_ns=([\d.]+)', out)
    return float(m.group(1)) if m else None


ring_bytes_for = harness.ring_bytes


# ---- the plan ---------------------------------------------------------------

def make_cases():
    cases = []
    for d in ('to_client', 'to_dpdk'):
        for size in (64, 1500):
            for impl in ('bsdtun', 'memif'):
                name = 'thr/%s/%s/%d' % (impl, d, size)
                if impl == 'bsdtun':
                    fn = (lambda o, d=d, s=size: case_thr_bsdtun(o, d, s))
                else:
                    fn = (lambda o, d=d, s=size: case_thr_memif(o, d, s))
                cases.append((name, fn))
    for block in (False, True):
        cases.append(('rtt/%s' % ('block' if block else 'busy'),
                      lambda o, b=block: case_rtt(o, b)))
    for d in ('to_client', 'to_dpdk'):
        for n in (1, 8, 32):
            cases.append(('ports/%s/%d' % (d, n),
                          lambda o, d=d, n=n: case_thr_bsdtun(o, d, 64, n)))
    for d in ('to_client', 'to_dpdk'):
        for q in (1, 2):
            cases.append(('queues/%s/%d' % (d, q),
                          lambda o, d=d, q=q: case_thr_bsdtun(o, d, 64, 1,
                                                              q)))
    for impl in ('bsdtun', 'memif'):
        for n in (1, 8, 32):
            cases.append(('mem/%s/%d' % (impl, n),
                          lambda o, i=impl, n=n: case_mem(o, i, n)))
    for flood in (False, True):
        cases.append(('flood/%s' % ('on' if flood else 'off'),
                      lambda o, f=flood: case_flood(o, f)))
    for app in ('intrfwd', 'testpmd'):
        cases.append(('intr/idle/%s' % app,
                      lambda o, a=app: case_intr_idle(o, a)))
    for block in (False, True):
        cases.append(('intr/rtt/%s' % ('block' if block else 'busy'),
                      lambda o, b=block: case_intr_rtt(o, b)))
    return cases


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(v, f='%.2f'):
    return '-' if v is None else f % v


def use_dpdk(version):
    """Run against the DPDK devtools/dpdk-matrix.sh built for version."""
    cache = os.environ.get('BSDTUN_DPDK_CACHE', '/var/cache/bsdtun/dpdk')
    prefix = os.path.join(cache, version, 'prefix')
    pcs = glob.glob(os.path.join(prefix, '**', 'pkgconfig', 'libdpdk.pc'),
                    recursive=True)
    build = os.path.join(TOP, 'build-dpdk-' + version)
    if not pcs or not os.path.isdir(build):
        sys.exit('bench: no DPDK %s build: run bash devtools/dpdk-matrix.sh '
                 '%s first' % (version, version))
    libdir = os.path.dirname(os.path.dirname(pcs[0]))
    os.environ['PATH'] = os.path.join(prefix, 'bin') + ':' + \
        os.environ['PATH']
    os.environ['LD_LIBRARY_PATH'] = libdir
    os.environ['PKG_CONFIG_PATH'] = os.path.dirname(pcs[0])
    harness.use_build(build)


def dpdk_version():
    """The version of the DPDK whose testpmd runs, and that testpmd."""
    testpmd = shutil.which(harness.TESTPMD) or harness.TESTPMD
    try:
        v = subprocess.run(['pkg-config', '--modversion', 'libdpdk'],
                           capture_output=True, text=True,
                           timeout=10).stdout.strip() or '?'
    except (OSError, subprocess.SubprocessError):
        v = '?'
    return '%s (%s)' % (v, testpmd)


def machine():
    model = '?'
    try:
        with open('/proc/cpuinfo') as f:
            m = re.search(r'^model name\s*:\s*(.*)$', f.read(), re.M)
            model = m.group(1) if m else model
    except OSError:
        pass
    dpdk = dpdk_version()
    return {'nproc': os.cpu_count(), 'cpu': model,
            'kernel': platform.release(), 'dpdk': dpdk,
            'load': open('/proc/loadavg').read().split()[:3]}


def classify(results):
    """Tag every run with the vCPU placement it ran under: 'near' when the
    cache-line round trip before and after it stayed within twice the
    fastest seen in this invocation, 'far' when both were beyond, else
    'mixed'.  Returns the threshold in ns."""
    seen = [x for v in results.values() for r in v if r
            for x in r.get('c2c', []) if x]
    if not seen:
        return None
    thr = 2 * min(seen)
    for v in results.values():
        for r in v:
            if not r:
                continue
            c = [x for x in r.get('c2c', []) if x]
            r['placement'] = ('near' if c and max(c) <= thr else
                              'far' if c and min(c) > thr else 'mixed')
    return thr


GROUPS = ('near', 'far', 'mixed', 'all')
LABEL = {'to_client': 'DPDK -> client', 'to_dpdk': 'client -> DPDK'}


def runs_of(results, name, group):
    """The measured runs of case name in a placement group (classify();
    'all': every one)."""
    return [r for r in results.get(name, []) if r and
            (group == 'all' or r.get('placement') == group)]


def med(rs, key='pps'):
    return median([r.get(key) for r in rs])


def by_group(rows_of):
    """The rows rows_of(group) gives for each placement group, under a
    line naming the group; groups without rows left out."""
    out = []
    for g in GROUPS:
        rows = rows_of(g)
        if rows:
            out.append(g + ':')
            out.extend(rows)
    return out


def report_head(opt, mach, c2c_threshold):
    """The machine, the placement, the rings and sizes, the c2c groups."""
    out = []
    p = out.append
    p('machine: %d CPUs, %s, Linux %s, DPDK %s; load average at start %s' %
      (mach['nproc'], mach['cpu'], mach['kernel'], mach['dpdk'],
       ' '.join(mach['load'])))
    p('placement: DPDK side forwards on CPU %d (testpmd --lcores=%s), '
      'client side on CPU %d (tuntest bench --cpu %d; memif: second '
      'testpmd --lcores=%s)' % (DPDK_CPU, DPDK_LCORES, CLIENT_CPU,
                                CLIENT_CPU, CLIENT_LCORES))
    p('rings: bsdtun qlen=%d, memif rsize=%d (%d slots); bursts of 32; '
      '%d run(s) per case, %g s each after %g s warm-up' %
      (QLEN, RSIZE, 1 << RSIZE, opt.runs, opt.duration, opt.warmup))
    p('sizes: Ethernet frame bytes on the DPDK side (no FCS); the bsdtun '
      'client reads/writes the IP packet (frame - 14); '
      'Gbit/s = Mpps x frame bytes x 8')
    if c2c_threshold is not None:
        p('c2c: cache-line round trip CPU %d <-> CPU %d measured before and '
          'after every run.  On a VM it' % (CLIENT_CPU, DPDK_CPU))
        p('depends on where the host put the two vCPUs and moves every '
          'result as much as the code')
        p('does, so runs are grouped: near = both c2c <= %.0f ns (twice the '
          'fastest seen), far = both' % c2c_threshold)
        p('above, mixed = placement changed during the run.  Ratios compare '
          'runs of the same group.')
    p('')
    return out


def report_thr(results):
    """The throughput table (thr/...): bsdtun and memif, their ratio, and
    every run."""
    if not any(k.startswith('thr/') for k in results):
        return []
    row = '%-23s | %7s %7s %2s | %7s %7s %2s | %5s'

    def rows(g):
        lines = []
        for d in ('to_client', 'to_dpdk'):
            for size in (64, 1500):
                nb, nm = ('thr/%s/%s/%d' % (i, d, size)
                          for i in ('bsdtun', 'memif'))
                rb, rm = runs_of(results, nb, g), runs_of(results, nm, g)
                if not rb and not rm:
                    continue
                b, m = med(rb), med(rm)
                lines.append(row % (
                    '  %s %4d B' % (LABEL[d], size),
                    fmt(b and b / 1e6), fmt(b and b * size * 8 / 1e9),
                    len(rb), fmt(m and m / 1e6),
                    fmt(m and m * size * 8 / 1e9), len(rm),
                    fmt(b / m if b and m else None)))
        return lines

    hdr = row % ('throughput, medians', 'bsdtun', '', '', 'memif', '', '',
                 'ratio')
    out = [hdr, row % ('', 'Mpps', 'Gbit/s', 'n', 'Mpps', 'Gbit/s', 'n', ''),
           '-' * len(hdr)]
    out += by_group(rows)
    p = out.append
    p('n: runs in the group.  Every run, Mpps(c2c ns before):')
    for d in ('to_client', 'to_dpdk'):
        for size in (64, 1500):
            for i in ('bsdtun', 'memif'):
                n = 'thr/%s/%s/%d' % (i, d, size)
                if n not in results:
                    continue
                p('  %-26s %s' % (n, '  '.join(
                    '%.2f(%s)' % (r['pps'] / 1e6, fmt(r['c2c'][0], '%.0f'))
                    if r else '-' for r in results[n])))
            cl = [r['client'] for r in
                  results.get('thr/bsdtun/%s/%d' % (d, size), [])
                  if r and r.get('client', {}).get('calls')]
            if cl:
                p('  %-26s client burst calls: %.0f%% moved nothing, '
                  '%.0f%% a full burst' % ('', median(
                      [100 * c['empty'] / c['calls'] for c in cl]),
                      median([100 * c['full'] / c['calls'] for c in cl])))
    p('')
    return out


def report_rtt(results):
    """The round-trip table (rtt/...)."""
    if not any(k.startswith('rtt/') for k in results):
        return []
    row = '%-36s %7s %7s %7s %7s %3s'

    def rows(g):
        lines = []
        for mode, txt in (('busy', 'busy-polling (read_burst)'),
                          ('block', 'blocking bsdtun_read')):
            rs = runs_of(results, 'rtt/' + mode, g)
            if not rs:
                continue
            us = [med(rs, k) for k in ('min_ns', 'p50_ns', 'p99_ns',
                                       'p999_ns')]
            lines.append(row % tuple(['  ' + txt] +
                                     [fmt(v and v / 1e3) for v in us] +
                                     [len(rs)]))
        return lines

    hdr = row % ('round trip, 64 B, us (medians)', 'min', 'p50', 'p99',
                 'p99.9', 'n')
    return [hdr, '-' * len(hdr)] + by_group(rows) + [
        'one packet in flight, client -> testpmd io forwarding (port to '
        'itself) -> client;',
        'memif has no client to time a round trip with: not compared.', '']


def report_ports(results):
    """The ports table (ports/...): rate, cost per packet, memory per
    port."""
    if not any(k.startswith('ports/') for k in results):
        return []
    row = '%-24s %5s %7s %7s %2s %13s %15s'

    def rows(g):
        lines = []
        for d in ('to_client', 'to_dpdk'):
            for n in (1, 8, 32):
                rs = runs_of(results, 'ports/%s/%d' % (d, n), g)
                if not rs:
                    continue
                pps = med(rs)
                drss = median([(r.get('dpdk_rss1', {}).get('VmRSS', 0) -
                                r['dpdk_rss0'].get('VmRSS', 0)) / n
                               for r in rs])
                crss = median([r.get('client_rss', {}).get('VmRSS', 0) / n
                               for r in rs])
                lines.append(row % (
                    '  ' + LABEL[d], n, fmt(pps / 1e6),
                    fmt(1e9 / pps, '%.1f'), len(rs),
                    fmt(drss / 1024) + ' MiB', fmt(crss / 1024) + ' MiB'))
        return lines

    hdr = row % ('ports, 64 B (medians)', 'ports', 'Mpps', 'ns/pkt', 'n',
                 'DPDK RSS/port', 'client RSS/port')
    out = [hdr, '-' * len(hdr)] + by_group(rows)
    p = out.append
    rb = ring_bytes_for(QLEN)
    p('ns/pkt = 1e9 / total rate: the time per packet of the busier '
      'core.  Region per port')
    p('(doc/wire.md Sizing): 4096 + 2 x %d = %d bytes (%.1f MiB) at '
      'qlen=%d.' % (rb, 4096 + 2 * rb, (4096 + 2 * rb) / 2**20, QLEN))
    memfd = [r.get('client_memfd') for v in
             (results.get('ports/to_client/%d' % n, [])
              for n in (1, 8, 32)) for r in v if r]
    if memfd and memfd[-1]:
        p('memfd mappings the client held (/proc/PID/maps): %d x %s '
          'bytes.' % (len(memfd[-1]), memfd[-1][0]))
    p('RSS/port: testpmd VmRSS growth from before any client to the end '
      'of the measurement')
    p('(testpmd mlockall()s, so each region is resident as soon as it '
      'is mapped), and the')
    p('client\'s VmRSS, both divided by the ports (shared pages count in '
      'both).')
    p('')
    return out


def report_queues(results):
    """The queue pairs table (queues/...): one unit with 1 or 2 queue
    pairs, one client open per pair."""
    if not any(k.startswith('queues/') for k in results):
        return []
    row = '%-24s %6s %7s %7s %2s %s'

    def rows(g):
        lines = []
        for d in ('to_client', 'to_dpdk'):
            for q in (1, 2):
                rs = runs_of(results, 'queues/%s/%d' % (d, q), g)
                if not rs:
                    continue
                pps = med(rs)
                share = ''
                if q > 1:
                    tot = [sum(r['per_queue']) for r in rs]
                    share = ' / '.join(
                        '%.0f%%' % (100 * median([r['per_queue'][i] / t
                                                  for r, t in zip(rs, tot)
                                                  if t]))
                        for i in range(q))
                lines.append(row % ('  ' + LABEL[d], q, fmt(pps / 1e6),
                                    fmt(1e9 / pps, '%.1f'), len(rs),
                                    share))
        return lines

    hdr = row % ('queue pairs, 64 B', 'pairs', 'Mpps', 'ns/pkt', 'n',
                 'packets per pair')
    out = [hdr, '-' * len(hdr)] + by_group(rows)
    p = out.append
    p('One unit, queues=1 or 2, testpmd --rxq=N --txq=N (txonly/rxonly, '
      'one forwarding lcore')
    p('on CPU %d polling every queue), one client process on CPU %d '
      'holding every pair.' % (DPDK_CPU, CLIENT_CPU))
    p('ns/pkt = 1e9 / aggregate rate.  With two CPUs this shows what a '
      'second pair costs')
    p('when the same two cores serve it, not how pairs scale over more '
      'lcores and clients:')
    p('that needs a core per lcore and per client thread, which this '
      'machine does not have.')
    p('')
    return out


def report_intr(results):
    """The rx interrupt table (intr/...): idle CPU, wake-up round trip."""
    if not any(k.startswith('intr/') for k in results):
        return []
    out = []
    p = out.append

    def rows(g):
        lines = []
        for app, txt in (('intrfwd', 'intrfwd, rx interrupts'),
                         ('testpmd', 'testpmd io, polling')):
            rs = runs_of(results, 'intr/idle/' + app, g)
            if rs:
                lines.append('  idle CPU, %-28s %6.1f%%   n %d' % (
                    txt, 100 * median([r['cpu'] for r in rs]), len(rs)))
        for name, txt in (('intr/rtt/busy', 'intrfwd, client polls'),
                          ('intr/rtt/block', 'intrfwd, client blocks'),
                          ('rtt/busy', 'testpmd polling, client polls')):
            rs = runs_of(results, name, g)
            if not rs:
                continue
            slept = [r['sleeps'] / (r['samples'] + r['lost'])
                     for r in rs if r.get('sleeps') is not None and
                     r.get('samples')]
            lines.append('  round trip, %-30s p50 %6s us  p99 %6s us'
                         '%s  n %d' % (
                             txt, fmt(med(rs, 'p50_ns') / 1e3),
                             fmt(med(rs, 'p99_ns') / 1e3),
                             '  slept %3.0f%%' % (100 * median(slept))
                             if slept else ' ' * 13, len(rs)))
        return lines

    hdr = 'rx interrupts (medians)'
    out += [hdr, '-' * 72] + by_group(rows)
    p('idle CPU: the DPDK process\'s CPU time over the measurement / '
      'wall time (1.0 = one core),')
    p('two ports held by clients that send nothing.  Round trip: one '
      '64-byte packet in flight,')
    p('client -> the port forwarded to itself -> client; intrfwd --idle 1 '
      'sleeps as soon as a poll')
    p('finds nothing, so a packet wakes it (slept: sleeps per round trip, '
      'warm-up included): the')
    p('difference to polling is the wake-up.  "client blocks" adds the '
      'client\'s own wake-up.')
    p('')
    return out


def report_flood(results):
    """The flood table (flood/...): the neighbours' rate with and without
    a flooding client."""
    if not any(k.startswith('flood/') for k in results):
        return []
    hdr = '%-44s %9s %2s' % ('neighbours of a flooding client (medians)',
                             'Mpps', 'n')
    out = [hdr, '-' * len(hdr)]
    p = out.append
    runs = {k: [r for r in results.get('flood/' + k, []) if r]
            for k in ('off', 'on')}
    off = median([r['pps'] for r in runs['off']])
    on = median([r['pps'] for r in runs['on']])
    for name, k, v in (('port 2 without a client', 'off', off),
                       ('port 2 flooded with zeroed records', 'on', on)):
        p('%-44s %9s %2d' % ('  ' + name, fmt(v / 1e6 if v else None),
                             len(runs[k])))
    runts = median([r['runts'] for r in runs['on']])
    p('ratio with / without the flood: %s; records the PMD dropped on '
      'port 2 per run: %s' % (fmt(on / off if on and off else None),
                              fmt(runts, '%.0f')))
    p('ports 0 and 1: verified traffic both ways (tuntest traffic), io '
      'forwarding; all three')
    p('ports on one forwarding lcore (CPU %d), every client on CPU %d.' %
      (DPDK_CPU, CLIENT_CPU))
    p('')
    return out


def mem_medians(results, impl, n):
    """Medians per port of the mem/IMPL/N runs: (DPDK memfd bytes, client
    memfd bytes, testpmd RSS growth KiB or None), or None without runs."""
    rs = [r for r in results.get('mem/%s/%d' % (impl, n), []) if r]
    if not rs:
        return None
    return (median([sum(r['memfd']['dpdk']) / n for r in rs]),
            median([sum(r['memfd']['client']) / n for r in rs]),
            median([r['dpdk_rss'] / n for r in rs])
            if impl == 'bsdtun' else None)


def report_mem(results):
    """The memory table (mem/...): bsdtun and memif, the same packet
    capacity (1024 packets each way per port), 1, 8 and 32 ports."""
    if not any(k.startswith('mem/') for k in results):
        return []
    row = '%-10s %5s %14s %14s %16s'
    hdr = row % ('memory', 'ports', 'DPDK memfd', 'client memfd',
                 'DPDK RSS growth')
    out = [hdr, '-' * len(hdr)]
    p = out.append
    mib = 1024.0 * 1024.0
    for impl in ('bsdtun', 'memif'):
        for n in (1, 8, 32):
            m = mem_medians(results, impl, n)
            if m is None:
                continue
            dm, cm, dr = m
            p(row % ('  ' + impl, n, fmt(dm / mib) + ' MiB',
                     fmt(cm / mib) + ' MiB',
                     fmt(dr / 1024) + ' MiB' if dr is not None else '-'))
    rb = ring_bytes_for(QLEN)
    p('per port, medians.  bsdtun qlen=%d (MTU 1500), memif rsize=%d: %d '
      'packets each way.' % (QLEN, RSIZE, QLEN))
    p('memfd: the shared memory each side maps (/proc/PID/maps).  bsdtun\'s '
      'region from the')
    p('formula (doc/wire.md Sizing): 4096 + 2 x %d = %d bytes.' %
      (rb, 4096 + 2 * rb))
    p('DPDK RSS growth: testpmd\'s VmRSS from before the first client opened '
      'to all attached')
    p('(testpmd mlockall()s, so a region is resident once mapped); memif '
      'maps its regions')
    p('while testpmd starts, before anything can be measured.')
    p('')
    return out


def report_tail(results, opt):
    """memif's memfd mappings, the foreign CPU load, the failed runs."""
    out = []
    p = out.append
    mem = [r for r in results.get('thr/memif/to_client/64', []) if r]
    if mem:
        r = mem[0]
        p('memif for comparison: memfd mappings DPDK side %s, client side '
          '%s bytes' % (r['memfd']['dpdk'], r['memfd']['client']))
    loads = [r['load'] for v in results.values() for r in v
             if r and r.get('load') is not None]
    dist = [x for x in loads if x > opt.max_load]
    p('other processes\' CPU load during the measurements: median %.1f%%, '
      'max %.1f%%; %d of %d runs' % (100 * median(loads) if loads else 0,
                                      100 * max(loads or [0]), len(dist),
                                      len(loads)))
    p('above %.0f%% (re-run up to %d times, then kept)' %
      (100 * opt.max_load, opt.retries))
    fails = {k: sum(1 for r in v if not r) for k, v in results.items()}
    bad = {k: v for k, v in fails.items() if v}
    if bad:
        p('failed runs: ' + ', '.join('%s x%d' % kv
                                       for kv in sorted(bad.items())))
    return out


def report(results, opt, mach):
    """The report: a head, one table per kind of case that ran, a tail."""
    c2c_threshold = classify(results)
    return '\n'.join(report_head(opt, mach, c2c_threshold) +
                     report_thr(results) + report_rtt(results) +
                     report_ports(results) + report_queues(results) +
                     report_intr(results) +
                     report_mem(results) +
                     report_flood(results) +
                     report_tail(results, opt))


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n\n'.join(__doc__.split('\n\n')[1:]))
    ap.add_argument('--runs', type=int, default=3,
                    help='runs per case (default 3)')
    ap.add_argument('--duration', type=float, default=3.0,
                    help='seconds measured per run (default 3)')
    ap.add_argument('--warmup', type=float, default=1.0,
                    help='seconds of traffic before measuring (default 1)')
    ap.add_argument('--only', default='',
                    help='regex: run only the cases whose name matches '
                    '(names: thr/IMPL/DIR/SIZE, rtt/busy|block, flood/off|on, '
                    'ports/DIR/N, queues/DIR/N, mem/IMPL/N, '
                    'intr/idle/APP, intr/rtt/busy|block)')
    ap.add_argument('--max-load', type=float, default=0.05,
                    help='foreign CPU load (fraction of the machine) above '
                    'which a run counts as disturbed (default 0.05)')
    ap.add_argument('--retries', type=int, default=2,
                    help='re-runs of a disturbed run (default 2)')
    ap.add_argument('--settle', type=float, default=60,
                    help='seconds to wait for a busy machine to calm down '
                    'before each run (default 60)')
    ap.add_argument('--perf', metavar='DIR',
                    help='also record a perf profile (cpu-clock) of testpmd '
                    'and the client in every bsdtun throughput run, into DIR '
                    '(perf report -i FILE); costs some throughput')
    ap.add_argument('--dpdk', metavar='VERSION',
                    help='run against devtools/dpdk-matrix.sh\'s build of '
                    'DPDK VERSION (23.11, 24.11, 25.11) instead of the one '
                    'in PATH')
    ap.add_argument('--json', help='write every run\'s raw result here')
    ap.add_argument('--svg', metavar='FILE',
                    help='also draw the throughput and memory tables as an '
                    'SVG chart (devtools/bench_chart.py)')
    ap.add_argument('--replot', metavar='JSON',
                    help='run nothing: print the report (and --svg) of the '
                    'runs a --json file holds')
    ap.add_argument('--verbose', action='store_true',
                    help='print the command lines used')
    opt = ap.parse_args()
    global VERBOSE
    VERBOSE = opt.verbose
    if opt.replot:
        with open(opt.replot) as f:
            data = json.load(f)
        saved = argparse.Namespace(**data['options'])
        print(report(data['results'], saved, data['machine']))
        write_svg(opt.svg, data['results'])
        sys.exit(0)
    if opt.dpdk:
        use_dpdk(opt.dpdk)
    for f in (harness.PMD, harness.TUNTEST):
        if not os.path.exists(f):
            sys.exit('bench: %s missing: run ninja -C %s' %
                     (f, harness.BUILD))
    if not shutil.which(harness.TESTPMD):
        sys.exit('bench: %s not found' % harness.TESTPMD)
    if os.cpu_count() < 2:
        sys.exit('bench: needs 2 CPUs')

    harness.unwind_on_signals()

    rx = re.compile(opt.only)
    cases = [c for c in make_cases() if rx.search(c[0])]
    mach = machine()
    results = {name: [] for name, _ in cases}
    total = len(cases) * opt.runs
    k = 0
    interrupted = None
    try:
        for i in range(opt.runs):
            for name, fn in cases:
                k += 1
                run_case(name, fn, i, opt, results)
                r = results[name][-1]
                log('[%d/%d] %-24s run %d: %s (c2c %s ns; %.1f s)' %
                    (k, total, name, i + 1, brief(r),
                     '/'.join(fmt(x, '%.0f') for x in r['c2c'])
                     if r else '-', r['secs'] if r else 0))
    except (KeyboardInterrupt, SystemExit) as e:
        interrupted = e     # every process is gone already: report so far
        log('bench: interrupted; the tables hold the runs done so far')
    print(report(results, opt, mach))
    write_svg(opt.svg, results)
    if opt.json:
        with open(opt.json, 'w') as f:
            json.dump({'machine': mach, 'options': vars(opt),
                       'results': results}, f, indent=1)
    if interrupted is not None:
        sys.exit(130)
    sys.exit(1 if any(not any(v) for v in results.values()) else 0)


def write_svg(path, results):
    """The chart of results (placement classified by report()) into path,
    for the placement group with the most throughput runs."""
    if not path:
        return
    count = {g: sum(len(runs_of(results, k, g)) for k in results
                    if k.startswith('thr/')) for g in ('near', 'far')}
    group = max(count, key=count.get) if any(count.values()) else 'all'
    thr = {(d, size): {impl: (lambda v: v and v / 1e6)(med(runs_of(
        results, 'thr/%s/%s/%d' % (impl, d, size), group)))
        for impl in ('bsdtun', 'memif')}
        for d in ('to_client', 'to_dpdk') for size in (64, 1500)}
    mem = {n: {impl: (lambda m: m and m[0] / 2**20)(
        mem_medians(results, impl, n)) for impl in ('bsdtun', 'memif')}
        for n in (1, 8, 32)}
    with open(path, 'w') as f:
        f.write(bench_chart.svg(thr, mem, group))
    log('bench: chart (%s placement) in %s' % (group, path))


def run_case(name, fn, i, opt, results):
    """One run of a case, re-run while other processes disturb it."""
    t = time.monotonic()
    for attempt in range(opt.retries + 1):
        settle(opt)
        before = c2c()
        try:
            r = fn(opt)
        except harness.ProcError as e:     # BenchError, or a process's
            log('bench: %s run %d failed: %s' % (name, i + 1, e))
            r = None
            break
        r['c2c'] = [before, c2c()]
        if (r.get('load') or 0) <= opt.max_load:
            break
        log('bench: %s run %d disturbed (%.0f%% foreign CPU load)%s' %
            (name, i + 1, 100 * r['load'],
             ', again' if attempt < opt.retries else ''))
    if r:
        r['secs'] = time.monotonic() - t
    results[name].append(r)


def brief(r):
    if not r:
        return '-'
    if 'memfd' in r and 'pps' not in r:
        return 'memfd DPDK %d client %d bytes' % (sum(r['memfd']['dpdk']),
                                                  sum(r['memfd']['client']))
    if 'pps' in r:
        return '%.2f Mpps' % (r['pps'] / 1e6)
    if 'cpu' in r:
        return 'CPU %.1f%%' % (100 * r['cpu'])
    return 'p50 %.1f us p99 %.1f us' % (r['p50_ns'] / 1e3, r['p99_ns'] / 1e3)


if __name__ == '__main__':
    main()
