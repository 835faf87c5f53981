#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Device node benchmark: one system call per packet, side by side.

    sudo python3 devtools/bench_cdev.py [--runs N] [--duration S]

A benchmark, never a test: it prints numbers and exits 0 whatever they
are (1 only when a case could not be measured at all).  For 64- and
1500-byte IP packets it measures, with one blocking write(2) or read(2)
per packet for --duration seconds (devtools/bench/cdev_loop.c):

  node    the bsdtun device node: dpdk-testpmd with one unit
          --vdev=net_bsdtun0,sock=DIR/tun0.sock,cdev=DIR/tun0,qlen=1024
          (framing=eth, the default).  Write rate: the client write()s
          IPv4/UDP packets to DIR/tun0, testpmd forwards in rxonly mode
          (drains).  Read rate: testpmd --forward-mode=txonly with
          --txpkts=SIZE+14 (txonly sends Ethernet IPv4/UDP frames; the
          framing=eth unit hands the client the SIZE-byte IPv4 packet)
          keeps the unit's queue to the client full, the client read()s.
  noop    a no-op FUSE file of the same shape (devtools/bench/noop_fuse.c):
          libfuse3 low-level, mounted on a regular file, the node's open
          reply (direct_io, nonseekable, stream), write returns the size,
          read returns a fixed SIZE-byte packet at once.  The ceiling of
          the node's path: FUSE round trips and nothing else.
  ktun    a Linux tun (/dev/net/tun, IFF_TUN | IFF_NO_PI) in a network
          namespace of its own.  Write rate: write() of IPv4 packets to an
          address with a blackhole route (each goes through the kernel's
          IP input and is dropped at the route lookup).  Read rate: read()
          while a process on the other CPU keeps the tun's queue full: a
          packet socket bound to the tun (PACKET_QDISC_BYPASS, sendmmsg()
          of 32) hands IPv4 packets straight to the tun's transmit path,
          which queues them for read() (tun_tx) or drops them when the
          queue is full (tun_tx_dropped > 0: the reader was the bound;
          0: the feeder was, and the rate is a lower bound).

Placement (2 CPUs; --client-cpu, --dpdk-cpu): the client runs on CPU 0.
testpmd runs --lcores=0@0,1@1: its forwarding lcore spins on CPU 1, its
main lcore is on CPU 0 -- and so is the node's FUSE thread (dpdk-bsdtun-fs0, a
DPDK control thread: EAL gives control threads the CPUs no lcore uses, and
when every CPU has an lcore, the main lcore's CPU).  The benchmark reads
the thread's affinity from /proc and prints it.  The no-op FUSE server
therefore runs on the same CPU as the client too ("noop"), the placement
the node has; "preload" is the node's client again, with
libbsdtun-preload.so answering its open of the node on the unit's shared
memory (doc/preload.md: no FUSE); "noop-split" (--no-split to skip) puts it on the other CPU
for reference, and "noop-free" (only with --faces ...,noop-free) pins
neither server nor client.  "noop-uring" (only with --faces
...,noop-uring --libfuse PREFIX) is the same-CPU no-op file built against
a libfuse that speaks FUSE over io_uring (3.18 or later, built with
-Denable-io-uring=true and installed under PREFIX; Debian 12 has 3.14),
run with FUSE_URING_ENABLE=1 while the benchmark sets the kernel's
/sys/module/fuse/parameters/enable_uring to 1 (put back at the end):
libfuse's per-CPU ring threads then serve every request.  The ktun
feeder runs on the other CPU.

The runs of all faces are interleaved (run 1 of every face, then run 2,
...); the table shows medians.  Before each measurement the script waits
(--settle) until other processes leave the CPUs alone, and repeats a
measurement during which foreign processes took more than --max-load of a
CPU (up to --retries times; flagged '*' if still loaded).

Needs root (FUSE mounts, network namespace), hugepages
(devtools/setup.sh), the build (ninja -C build) and cc with fuse3's
pkg-config.  The C helpers are built into build-bench/.  Every process
runs in its own process group and is killed at the end (also on error,
timeout or Ctrl-C); mounts are undone (fusermount3 -u), the temp dir and
the --file-prefix files removed.
"""

import argparse
import glob
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, 'tests'))
import harness  # noqa: E402

OUT = os.path.join(TOP, 'build-bench')
PRELOAD = os.path.join(harness.BUILD, 'lib', 'bsdtun', 'libbsdtun-preload.so')
ETH_HLEN = 14
HZ = os.sysconf('SC_CLK_TCK')


class BenchError(harness.ProcError):
    """A measurement that could not be made."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- processes (tests/harness.py runs them) --------------------------------

# The client's environment (None: ours); the preload face sets it.
CLIENT_ENV = None


def run_client(argv, timeout):
    """Run cdev_loop to completion in its own process group; returns
    (exit status, output, CPU seconds it and its reaped children used)."""
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = harness.Proc(argv, 'cdev_loop', env=CLIENT_ENV)
    try:
        rc = p.wait(timeout)
        if rc is None:
            p.kill(1)
            raise BenchError('cdev_loop timed out: %s\n%s' %
                             (' '.join(argv), p.output[-2000:]))
        p._reader.join(5)
        out = p.output
    finally:
        p.kill(0)
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    return rc, out, cpu


# ---- foreign CPU load ---------------------------------------------------------

def _cpu_busy():
    """Jiffies processes ran on the machine (user, nice, system; not
    interrupt time, which no process is charged for)."""
    with open('/proc/stat') as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[0] + v[1] + v[2]


def _self_cpu():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


class Load:
    """CPU time used by processes other than ours over a window, in CPUs
    (0.0: nobody else ran; 1.0: one CPU's worth)."""

    def __init__(self, procs=()):
        self.procs = list(procs)
        self.t0 = time.monotonic()
        self.busy0 = _cpu_busy()
        self.ours0 = [p.cpu_ticks() for p in self.procs]
        self.self0 = _self_cpu()

    def stop(self, extra_cpu_s=0.0):
        """extra_cpu_s: CPU seconds of our children that ended meanwhile."""
        wall = time.monotonic() - self.t0
        busy = _cpu_busy() - self.busy0
        ours = sum(p.cpu_ticks() - j0
                   for p, j0 in zip(self.procs, self.ours0))
        ours += (extra_cpu_s + _self_cpu() - self.self0) * HZ
        if wall <= 0:
            return 0.0
        return max(0.0, (busy - ours) / (wall * HZ))


def settle(opt, procs=()):
    """Wait (up to --settle s) until other processes leave the CPUs alone;
    returns the last foreign load seen."""
    deadline = time.monotonic() + opt.settle
    warned = False
    while True:
        ld = Load(procs)
        time.sleep(0.5)
        v = ld.stop()
        if v <= opt.max_load or time.monotonic() >= deadline:
            if v > opt.max_load:
                log('  machine still busy (%.2f CPUs of other processes); '
                    'measuring anyway' % v)
            return v
        if not warned:
            log('  waiting for other processes (%.2f CPUs) to calm down' % v)
            warned = True


# ---- helpers, temp files, mounts ----------------------------------------------

def build_uring_noop(prefix):
    """noop_fuse built against the libfuse (3.18+, io_uring) installed
    under prefix; its path."""
    pc = glob.glob(os.path.join(prefix, 'lib*', '**', 'pkgconfig',
                                'fuse3.pc'), recursive=True)
    if not pc:
        raise BenchError('--libfuse %s: no fuse3.pc under it' % prefix)
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pc[0]))
    fuse = subprocess.run(['pkg-config', '--cflags', '--libs', 'fuse3'],
                          capture_output=True, text=True, timeout=30,
                          env=env)
    libdir = subprocess.run(['pkg-config', '--variable=libdir', 'fuse3'],
                            capture_output=True, text=True, timeout=30,
                            env=env).stdout.strip()
    exe = os.path.join(OUT, 'noop_fuse_uring')
    argv = [os.environ.get('CC', 'cc'), '-O2', '-Wall', '-Wextra', '-o', exe,
            os.path.join(TOP, 'devtools', 'bench', 'noop_fuse.c'),
            '-Wl,-rpath,' + libdir] + fuse.stdout.split()
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise BenchError('%s failed:\n%s' % (' '.join(argv), r.stderr))
    return exe


def build_helpers():
    os.makedirs(OUT, exist_ok=True)
    fuse = subprocess.run(['pkg-config', '--cflags', '--libs', 'fuse3'],
                          capture_output=True, text=True, timeout=30)
    if fuse.returncode != 0:
        raise BenchError('pkg-config fuse3: %s' % fuse.stderr.strip())
    cc = os.environ.get('CC', 'cc')
    for name, extra in (('cdev_loop', []), ('noop_fuse', fuse.stdout.split())):
        src = os.path.join(TOP, 'devtools', 'bench', name + '.c')
        exe = os.path.join(OUT, name)
        argv = [cc, '-O2', '-Wall', '-Wextra', '-o', exe, src] + extra
        r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise BenchError('%s failed:\n%s' % (' '.join(argv), r.stderr))
    return os.path.join(OUT, 'cdev_loop'), os.path.join(OUT, 'noop_fuse')


def mounted(path):
    try:
        with open('/proc/self/mountinfo') as f:
            return any(line.split()[4] == path for line in f)
    except OSError:
        return False


def unmount(path):
    """Undo a FUSE mount left on path (normally the server did already)."""
    for argv in (['fusermount3', '-u', '-q', path],
                 ['fusermount3', '-u', '-z', '-q', path]):
        if not mounted(path):
            return
        try:
            subprocess.run(argv, timeout=10, capture_output=True)
        except (OSError, subprocess.TimeoutExpired):
            pass
    if mounted(path):
        log('warning: %s is still mounted' % path)


class Session(harness.Session):
    """harness.Session (temp dir, file prefixes, processes), and the FUSE
    mounts to undo before the temp dir goes."""

    def __init__(self):
        super().__init__('bcdev', 'btcdev')
        self.mounts = set()

    def __enter__(self):
        super().__enter__()
        os.chmod(self.dir, 0o755)
        return self

    def close(self):
        self.end_processes()
        for m in list(self.mounts):
            unmount(m)
        self.remove_files()


# ---- the faces ------------------------------------------------------------------

def parse_loop(out):
    m = re.search(r'^calls=(\d+) secs=([\d.]+) rate=(\d+) errors=(\d+) '
                  r'err=(\S+) minlen=(-?\d+) maxlen=(-?\d+)(.*)$', out, re.M)
    if not m:
        raise BenchError('cdev_loop said:\n%s' % out[-2000:])
    r = {'calls': int(m.group(1)), 'secs': float(m.group(2)),
         'rate': int(m.group(3)), 'errors': int(m.group(4)),
         'err': m.group(5), 'minlen': int(m.group(6)),
         'maxlen': int(m.group(7))}
    r.update({k: int(v) for k, v in re.findall(r'(\w+)=(\d+)', m.group(8))})
    return r


def measure(opt, label, argv, procs, size):
    """Run one client measurement, repeated while foreign load spoils it.
    Returns the parsed result with 'load' (foreign CPUs) and 'noisy'."""
    best = None
    for attempt in range(opt.retries + 1):
        settle(opt, procs)
        ld = Load(procs)
        rc, out, cpu = run_client(argv, opt.duration + opt.warmup + 30)
        load = ld.stop(cpu)
        if rc != 0:
            raise BenchError('%s: cdev_loop exited %s:\n%s' %
                             (label, rc, out[-2000:]))
        r = parse_loop(out)
        r['load'] = load
        r['noisy'] = load > opt.max_load
        note = ''
        if r['errors']:
            note += ' errors=%d (%s)' % (r['errors'], r['err'])
        if r['calls'] and (r['minlen'] != size or r['maxlen'] != size):
            note += ' LENGTH %d..%d (want %d)' % (r['minlen'], r['maxlen'],
                                                  size)
        for k in ('tun_rx', 'tun_tx', 'tun_tx_dropped', 'ip_in_receives'):
            if k in r:
                note += ' %s=%d' % (k, r[k])
        log('  %-24s %9d calls/s  (foreign load %.2f CPU)%s' %
            (label, r['rate'], load, note))
        best = r
        if not r['noisy']:
            break
        if attempt < opt.retries:
            log('  ... repeating (other processes used the CPUs)')
    return best


def testpmd(opt, sess, unit):
    """dpdk-testpmd (rxonly) with one net_bsdtun unit, started; its
    forwarding lcore on the DPDK CPU, its main lcore on the client's."""
    return sess.testpmd([unit], ['--forward-mode=rxonly'],
                        lcores='0@%d,1@%d' % (opt.client_cpu, opt.dpdk_cpu),
                        echo=log if opt.verbose else False).start(60)


def thread_of(p, name):
    """(Cpus_allowed_list, last CPU) of process p's thread called name."""
    for st in glob.glob('/proc/%d/task/*/stat' % p.pid):
        try:
            with open(os.path.join(os.path.dirname(st), 'comm')) as f:
                if f.read().strip() != name:
                    continue
            with open(os.path.join(os.path.dirname(st), 'status')) as f:
                allowed = re.search(r'^Cpus_allowed_list:\s*(\S+)',
                                    f.read(), re.M).group(1)
            with open(st) as f:
                cpu = int(f.read().rsplit(')', 1)[1].split()[36])
            return allowed, cpu
        except (OSError, AttributeError, IndexError, ValueError):
            continue
    return None, None


def face_node(opt, sess, tools, res, info, face='node'):
    """face 'preload': the same client with libbsdtun-preload.so, its
    open of the node answered on the unit's shared memory."""
    global CLIENT_ENV
    loop, _ = tools
    node = sess.path('tun0')
    sock = sess.path('tun0.sock')
    unit = 'sock=%s,cdev=%s,qlen=%d' % (sock, node, opt.qlen)
    info.setdefault('node_vdev', '--vdev=net_bsdtun0,' + unit)
    sess.mounts.add(node)
    tp = testpmd(opt, sess, unit)
    if face == 'preload':
        CLIENT_ENV = dict(os.environ)
        CLIENT_ENV['LD_PRELOAD'] = PRELOAD
        CLIENT_ENV['BSDTUN_PRELOAD_NODES'] = '%s=%s' % (node, sock)
    try:
        allowed, _ = thread_of(tp, 'dpdk-bsdtun-fs0')
        info['fs_allowed'] = allowed
        for size in opt.sizes:
            tp.cmd('set fwd rxonly')
            tp.cmd('start')
            r = measure(opt, '%s write %d' % (face, size),
                        [loop, '-c', str(opt.client_cpu),
                         '-w', str(opt.warmup), 'write', node, str(size),
                         str(opt.duration)], [tp], size)
            st = tp.fwd_stop().get(0, {})
            if st.get('RX-packets', 0) < r['calls']:
                log('  warning: testpmd received %s < %d written' %
                    (st.get('RX-packets'), r['calls']))
            res.setdefault((face, size, 'write'), []).append(r)
        for size in opt.sizes:
            tp.cmd('set fwd txonly')
            tp.cmd('set txpkts %d' % (size + ETH_HLEN))
            x0 = tp.xstats(0)
            tp.cmd('start')
            r = measure(opt, '%s read %d' % (face, size),
                        [loop, '-c', str(opt.client_cpu),
                         '-w', str(opt.warmup), 'read', node, str(size),
                         str(opt.duration)], [tp], size)
            tp.fwd_stop()
            x1 = tp.xstats(0)
            full = x1.get('tx_ring_full', 0) - x0.get('tx_ring_full', 0)
            if opt.verbose:
                log('  (tx_ring_full +%d: txonly kept the queue full)' % full)
            res.setdefault((face, size, 'read'), []).append(r)
        _, cpu = thread_of(tp, 'dpdk-bsdtun-fs0')
        info['fs_cpu' if face == 'node' else face + '_fs_cpu'] = cpu
    finally:
        CLIENT_ENV = None
        rc = tp.stop(30)
        if rc != 0:
            log('  warning: testpmd exit status %r' % rc)
        unmount(node)


def face_noop(opt, sess, tools, res, face, server_cpu, noop=None, env=None):
    """server_cpu None: neither server nor client pinned."""
    loop = tools[0]
    noop = noop or tools[1]
    path = sess.path('noop')
    with open(path, 'w'):
        pass
    sess.mounts.add(path)
    pin = [] if server_cpu is None else ['-c', str(opt.client_cpu)]
    for size in opt.sizes:
        srv = sess.spawn([noop, path, size] +
                         ([] if server_cpu is None else [server_cpu]),
                         'noop_fuse', env=env)
        try:
            srv.wait_output('^ready$', 0, 15)
            for d in ('write', 'read'):
                r = measure(opt, '%s %s %d' % (face, d, size),
                            [loop] + pin +
                            ['-w', str(opt.warmup), d, path, str(size),
                             str(opt.duration)], [srv], size)
                res.setdefault((face, size, d), []).append(r)
        finally:
            srv.kill(5)
            unmount(path)


def face_ktun(opt, sess, tools, res):
    loop, _ = tools
    for size in opt.sizes:
        for d in ('write', 'read'):
            r = measure(opt, 'ktun %s %d' % (d, size),
                        [loop, '-c', str(opt.client_cpu),
                         '-f', str(opt.dpdk_cpu), '-w', str(opt.warmup),
                         'ktun-' + d, '-', str(size), str(opt.duration)],
                        [], size)
            res.setdefault(('ktun', size, d), []).append(r)


def run_face(face, opt, sess, tools, res, info):
    """One run of face: its measurements into res."""
    if face in ('node', 'preload'):
        face_node(opt, sess, tools, res, info, face)
    elif face == 'noop':
        face_noop(opt, sess, tools, res, 'noop', opt.client_cpu)
    elif face == 'noop-split':
        face_noop(opt, sess, tools, res, 'noop-split', opt.dpdk_cpu)
    elif face == 'noop-free':
        face_noop(opt, sess, tools, res, 'noop-free', None)
    elif face == 'noop-uring':
        face_noop(opt, sess, tools, res, 'noop-uring', opt.client_cpu,
                  opt.uring_noop,
                  dict(os.environ, FUSE_URING_ENABLE='1'))
    elif face == 'ktun':
        face_ktun(opt, sess, tools, res)
    else:
        raise BenchError('unknown face %r' % face)


# ---- report -----------------------------------------------------------------------

FACES = [
    ('node', 'device node (bsdtun cdev)'),
    ('preload', 'preload face (libbsdtun-preload.so)'),
    ('noop', 'no-op FUSE file, same CPU'),
    ('noop-split', 'no-op FUSE file, other CPU'),
    ('noop-free', 'no-op FUSE file, unpinned'),
    ('noop-uring', 'no-op FUSE file, same CPU, FUSE over io_uring'),
    ('ktun', 'Linux tun (/dev/net/tun)'),
]


def machine():
    model = '?'
    try:
        with open('/proc/cpuinfo') as f:
            m = re.search(r'^model name\s*:\s*(.*)$', f.read(), re.M)
            model = m.group(1).strip() if m else model
    except OSError:
        pass
    return 'nproc %d, CPU %s, kernel %s' % (os.cpu_count(), model,
                                            platform.release())


def report(res, opt, info):
    def med(face, size, d):
        rs = res.get((face, size, d), [])
        if not rs:
            return None, False
        return (statistics.median(r['rate'] for r in rs),
                any(r['noisy'] for r in rs))

    def cell(v, noisy):
        return '%13s' % ('-' if v is None else
                         '{:,.0f}'.format(v) + ('*' if noisy else ' '))

    def ratio(a, b):
        return '%6s' % ('-' if a is None or not b else '%.2f' % (a / b))

    print()
    print('Device node benchmark: blocking calls/s, one packet per call, '
          'median of %d runs of %gs' % (opt.runs, opt.duration))
    print('machine: %s' % machine())
    print('placement: client CPU %d; testpmd --lcores=0@%d,1@%d (forwarding '
          'lcore on CPU %d), node FUSE thread dpdk-bsdtun-fs0 allowed on CPU %s, '
          'last seen on CPU %s; no-op FUSE server CPU %d (same) / %d '
          '(split); ktun feeder CPU %d' %
          (opt.client_cpu, opt.client_cpu, opt.dpdk_cpu, opt.dpdk_cpu,
           info.get('fs_allowed', '?'), info.get('fs_cpu', '?'),
           opt.client_cpu, opt.dpdk_cpu, opt.dpdk_cpu))
    print('node unit: %s' % info.get('node_vdev', '?'))
    print()
    hdr = '%-28s %5s %14s %14s %7s %7s' % (
        'face', 'size', 'write calls/s', 'read calls/s', 'w/noop', 'r/noop')
    print(hdr)
    print('-' * len(hdr))
    for face, title in FACES:
        for size in opt.sizes:
            w, wn = med(face, size, 'write')
            r, rn = med(face, size, 'read')
            if w is None and r is None:
                continue
            nw, _ = med('noop', size, 'write')
            nr, _ = med('noop', size, 'read')
            print('%-28s %5d %s %s %s %s' % (title, size, cell(w, wn),
                                            cell(r, rn), ratio(w, nw),
                                            ratio(r, nr)))
    print()
    print('w/noop, r/noop: the row\'s median over the median of the no-op '
          'FUSE file on the same CPU as the client (the node\'s placement).')
    print('size: bytes of IP packet per call (testpmd txonly sends '
          'size+14-byte frames).  * : another process used more than %.2f '
          'CPU during a run.' % opt.max_load)
    if opt.verbose:
        print()
        for (face, size, d), rs in sorted(res.items()):
            print('%-10s %5d %-5s %s' % (face, size, d,
                                         ' '.join(str(r['rate'])
                                                  for r in rs)))


# ---- main --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--duration', type=float, default=2.0,
                    help='seconds counted per measurement (default 2)')
    ap.add_argument('--warmup', type=float, default=0.3,
                    help='seconds run before counting (default 0.3)')
    ap.add_argument('--sizes', default='64,1500')
    ap.add_argument('--qlen', type=int, default=1024)
    ap.add_argument('--client-cpu', type=int, default=0)
    ap.add_argument('--dpdk-cpu', type=int, default=1)
    ap.add_argument('--faces', default='node,preload,noop,noop-split,ktun',
                    help='comma-separated, run in this order (rotated per '
                    'run); also noop-free: no-op FUSE, nothing pinned; '
                    'noop-uring: no-op FUSE over io_uring (--libfuse)')
    ap.add_argument('--libfuse', metavar='PREFIX', default='',
                    help='a libfuse >= 3.18 (io_uring) installed under '
                    'PREFIX, for the noop-uring face')
    ap.add_argument('--no-split', action='store_true',
                    help='skip the no-op FUSE server on the other CPU')
    ap.add_argument('--settle', type=float, default=30.0)
    ap.add_argument('--max-load', type=float, default=0.2,
                    help='foreign CPUs tolerated during a run (default 0.2)')
    ap.add_argument('--retries', type=int, default=2)
    ap.add_argument('-v', '--verbose', action='store_true')
    opt = ap.parse_args()
    opt.sizes = [int(s) for s in opt.sizes.split(',')]
    faces = [f for f in opt.faces.split(',') if f]
    if opt.no_split and 'noop-split' in faces:
        faces.remove('noop-split')
    if os.geteuid() != 0:
        log('bench_cdev: needs root (FUSE mounts, network namespaces)')
        return 1
    if os.cpu_count() < 2:
        log('bench_cdev: needs 2 CPUs')
        return 1

    if 'node' in faces and not os.path.exists(harness.PMD):
        log('bench_cdev: no PMD at %s (ninja -C %s first)' %
            (harness.PMD, harness.BUILD))
        return 1
    harness.unwind_on_signals()

    tools = build_helpers()
    uring_param = '/sys/module/fuse/parameters/enable_uring'
    uring_was = None
    if 'noop-uring' in faces:
        if not opt.libfuse:
            log('bench_cdev: noop-uring needs --libfuse PREFIX')
            return 1
        opt.uring_noop = build_uring_noop(opt.libfuse)
        try:
            with open(uring_param) as f:
                uring_was = f.read().strip()
            with open(uring_param, 'w') as f:
                f.write('1')
        except OSError as e:
            log('bench_cdev: %s: %s' % (uring_param, e))
            return 1
    res, info = {}, {}
    failed = []
    with Session() as sess:
        try:
            for run in range(opt.runs):
                order = faces[run % len(faces):] + faces[:run % len(faces)]
                log('run %d/%d: %s' % (run + 1, opt.runs, ', '.join(order)))
                for face in order:
                    try:
                        run_face(face, opt, sess, tools, res, info)
                    except harness.ProcError as e:  # BenchError among them
                        log('  %s failed: %s' % (face, e))
                        failed.append(face)
        except KeyboardInterrupt:
            log('interrupted')
        finally:
            if uring_was is not None:
                with open(uring_param, 'w') as f:
                    f.write('1' if uring_was in ('Y', '1') else '0')
    report(res, opt, info)
    return 1 if not res else 0


if __name__ == '__main__':
    sys.exit(main())
