#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Real tun programs to a DPDK data plane: kernel tun, device node, preload.

    sudo python3 devtools/bench_programs.py [--passes N] [--duration S]
        [--programs socat,openvpn,...] [--paths ktun,node,preload]
        [--cases tcp,tcp-r,udp64] [--build DIR]

A benchmark, never a test: it prints numbers and exits 0 whatever they
are (1 only when a case could not be measured at all).  Debian 12's own
tun programs, unmodified, carry iperf3 traffic between a DPDK
application (dpdk-testpmd) and a kernel network namespace, through one of
three last hops:

  ktun     the program on a plain kernel tun; testpmd reaches it through
           the kernel: a second net_tap port whose kernel end is in the
           program's namespace, which routes between it and the tun.
  node     the program on a bsdtun unit's device node, started with
           `tuntest run --netns B --ifname DEV NODE -- PROGRAM`: its
           open("/dev/net/tun") opens the node (FUSE, doc/cdev.md).
  preload  the same with `tuntest run --preload SOCK ...`: the program's
           open("/dev/net/tun") becomes a shared-memory open of the unit
           (libbsdtun-preload.so).  Reported "n/a" while `tuntest run
           --help` does not list --preload.

Topology (the same for every path; only the hop marked * differs):

    netns A  iperf3 client, 10.77.0.2/24 on the kernel end of net_tap0
       |     (its gateway 10.77.0.1 a permanent neighbour entry)
    dpdk-testpmd --forward-mode=mac: port 0 net_tap0 <-> port 1
       |  *  ktun:          port 1 net_tap1, kernel end 10.77.0.1/24 in
       |                    netns B (ip_forward=1), routed into the
       |                    program's kernel tun (10.77.5.1 peer .2)
       |  *  node, preload: port 1 net_bsdtun1 (cdev=NODE, qlen=1024),
       |                    the program's tun is the unit
    netns B  program instance 1; UDP (or TCP for tinc's meta connection,
       |     ssh) over a veth pair, 192.168.77.1 <-> .2, MTU 9000 (no
       |     fragmentation of the tunnel's 1500-byte packets)
    netns C  program instance 2 on a kernel tun 10.77.5.2 peer 10.77.5.1
             (route to 10.77.0.0/24), iperf3 server on 10.77.5.2

testpmd's mac mode is io forwarding that also writes the Ethernet
addresses (--eth-peer): the bsdtun unit, a tun, drops ARP, so the kernels
in A and B resolve nothing and get frames addressed to them whatever the
port 1 is.  Frames from A are 1514 bytes at most (tap MTU 1500; net_tap
has no offloads, so TCP is segmented in A).

Cases (--cases): tcp (iperf3 TCP A -> C, Mbit/s received), tcp-r (-R,
C -> A), udp64 (iperf3 -u -l 64 -b 0 A -> C: 64-byte UDP payloads, 92-byte
IP packets, packets/s received by the server).  Each run is iperf3 -t
--duration -O 1 (the first second is omitted).

Programs (--programs; each one's two instances are configured by the
benchmark, which also addresses the tun devices and adds the routes):

  socat     socat TUN:...,iff-no-pi UDP-DATAGRAM (packet per datagram)
  openvpn   openvpn p2p, --dev-type tun, --proto udp, no --secret: the
            cleartext mode (no cipher, no HMAC), --disable-dco
  tinc      tincd 1.0 (router mode, Cipher = none, Digest = none; its tun
            with the 4-byte packet information header)
  ssh       ssh -w 0:0 -o Tunnel=point-to-point to an sshd (PermitTunnel
            yes, key authentication) in C; aes128-gcm@openssh.com
  quicktun  quicktun, PROTOCOL=raw (no encryption)
  fastd     fastd, mode tun, method "null"
  wireguard-go  wireguard-go, configured with wg set (it always encrypts);
            a Go program makes its own system calls: with --preload it
            gets the node ("preload (node)" in the table)

Install what is missing (all Debian 12 packages):
    apt-get install --no-install-recommends iperf3 socat openvpn tinc \\
        openssh-server openssh-client quicktun fastd wireguard-go \\
        wireguard-tools
(openssh-server: its service need not run; the benchmark starts its own
sshd in C.)  A program that is not installed is reported and skipped.

Table per case: program x path: median of --passes runs, the ratio to the
ktun median of the same program, and CPU use over the run in % of one CPU
from /proc/PID/stat utime+stime deltas: "prog" the program instance in B
(and its children; with tuntest run, the wrapper too), "peer" the
instance in C, "testpmd" all of testpmd's threads (its forwarding lcore
polls: ~100%), "node" testpmd's device-node thread (dpdk-bsdtun-fs*).

Placement (2 CPUs): testpmd --lcores=0@0,1@1 (forwarding lcore on CPU 1,
main lcore and control threads, the node's FUSE thread among them, on
CPU 0); everything else (the programs, iperf3, sshd) taskset to CPU 0.
The passes are interleaved (pass 1 of every program and path, then pass
2, ...; the path order rotates per pass).  Before each run the benchmark
waits (--settle) until other processes leave the CPUs alone, repeats a
run during which they used more than --max-load CPUs (--retries), and
flags it '*' if they still did.  A face (program x path) that could not
be started, or a case that failed, is not tried again in later passes
(a stalled iperf3 costs --duration + 10 s).

Needs root (network namespaces, mounts), hugepages (devtools/setup.sh),
the build (--build, default BSDTUN_BUILD or build/) and DPDK's net_tap
PMD.  Every process runs in its own process group and is ended at the end
(also on error or Ctrl-C); the namespaces and temp files are removed.
"""

import argparse
import glob
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, 'tests'))
import harness  # noqa: E402

HZ = os.sysconf('SC_CLK_TCK')
PATHS = ('ktun', 'node', 'preload')
CASES = ('tcp', 'tcp-r', 'udp64')
PROGRAMS = ('socat', 'openvpn', 'tinc', 'ssh', 'quicktun', 'fastd',
            'wireguard-go')

A_ADDR, GW_ADDR = '10.77.0.2', '10.77.0.1'
B_TUN, C_TUN = '10.77.5.1', '10.77.5.2'      # the tunnel's two ends
NET_A = '10.77.0.0/24'
B_UNDER, C_UNDER = '192.168.77.1', '192.168.77.2'
MAC_A, MAC_B = '02:77:00:00:00:02', '02:77:00:00:00:01'
UDP_PORT = 7001


class BenchError(harness.ProcError):
    """A measurement that could not be made."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(argv, timeout=30, check=True):
    p = subprocess.run([str(a) for a in argv], capture_output=True,
                       text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise BenchError('%s -> %d: %s' % (' '.join(map(str, argv)),
                                           p.returncode,
                                           (p.stdout + p.stderr).strip()))
    return p


def ns(name, argv, **kw):
    return sh(['ip', 'netns', 'exec', name] + list(argv), **kw)


# ---- CPU use ------------------------------------------------------------------

def _ticks(stat_path):
    try:
        with open(stat_path) as f:
            v = f.read().rsplit(')', 1)[1].split()
        return int(v[11]) + int(v[12])
    except (OSError, IndexError, ValueError):
        return 0


def tree_pids(pid):
    """pid and its descendants (/proc/PID/task/*/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for t in glob.glob('/proc/%d/task/*/children' % p):
            try:
                with open(t) as f:
                    todo += [int(c) for c in f.read().split()]
            except (OSError, ValueError):
                pass
    return out


def tree_ticks(pid):
    return sum(_ticks('/proc/%d/stat' % p) for p in tree_pids(pid))


def thread_ticks(pid, prefix):
    """Ticks of pid's threads whose name starts with prefix."""
    n = 0
    for st in glob.glob('/proc/%d/task/*/stat' % pid):
        try:
            with open(os.path.join(os.path.dirname(st), 'comm')) as f:
                if not f.read().startswith(prefix):
                    continue
        except OSError:
            continue
        n += _ticks(st)
    return n


PF_KTHREAD = 0x00200000


def user_processes():
    """{pid: ticks} of every process but kernel threads."""
    out = {}
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                v = f.read().rsplit(')', 1)[1].split()
            if int(v[6]) & PF_KTHREAD:
                continue
            out[int(d)] = int(v[11]) + int(v[12])
        except (OSError, IndexError, ValueError):
            continue
    return out


class Cpu:
    """CPU use of the face's processes over a window, % of one CPU; and
    'foreign': what other processes (not kernel threads, not ours or the
    iperf3 client's) used, in CPUs."""

    def __init__(self, face, extra=()):
        self.face = face
        self.extra = list(extra)
        self.t0 = time.monotonic()
        self.v0 = self.sample()
        self.all0 = user_processes()

    def sample(self):
        f = self.face
        return {'prog': tree_ticks(f.prog_b.pid) if f.prog_b else 0,
                'peer': sum(tree_ticks(p.pid) for p in f.peer_procs),
                'testpmd': tree_ticks(f.pmd.pid),
                'node': thread_ticks(f.pmd.pid, 'dpdk-bsdtun-fs')}

    def ours(self):
        pids = set(tree_pids(os.getpid()))
        for p in self.face.procs + self.extra:
            pids.update(tree_pids(p.pid))
        return pids

    def stop(self):
        """Call before the iperf3 client is reaped."""
        wall = time.monotonic() - self.t0
        v1 = self.sample()
        use = {k: 100.0 * (v1[k] - self.v0[k]) / (HZ * wall) for k in v1}
        all1 = user_processes()
        ours = self.ours()
        foreign = sum(t - self.all0.get(p, 0) for p, t in all1.items()
                      if p not in ours)
        use['foreign'] = foreign / (HZ * wall)
        return use


# ---- the programs -------------------------------------------------------------

class Program:
    """One tun program: how to start its two instances.  dev: the tun
    device name the program asks TUNSETIFF for in B, dev_c in C (default
    the same)."""
    name = None
    dev = None
    dev_c = None
    needs = ()

    def __init__(self, opt, sess):
        self.opt = opt
        self.sess = sess
        self.dir = sess.path(self.name)
        os.makedirs(self.dir, exist_ok=True)

    def missing(self):
        return [n for n in self.needs if shutil.which(n) is None]

    def prepare(self):
        """Once per run: keys, configuration files."""

    def argv(self, side):
        """Command line of the instance in B (side 'b') or C ('c')."""
        raise NotImplementedError

    def env(self, side):
        return None

    def start_peer(self, face):
        """Start what runs in C: [Proc]."""
        return [face.spawn_ns('c', self.argv('c'), self.name + '-c',
                              self.env('c'))]

    def devname(self, side):
        return self.dev if side == 'b' or not self.dev_c else self.dev_c

    def c_dev_ready(self, face):
        """Wait until C's tun device exists."""
        face.wait_dev('c', self.devname('c'))

    def started(self, face):
        """Both instances run and have their devices: configure them."""


class Socat(Program):
    name = 'socat'
    dev = 'bsoc0'
    needs = ('socat',)

    def argv(self, side):
        me, peer = (B_UNDER, C_UNDER) if side == 'b' else (C_UNDER, B_UNDER)
        return ['socat', '-b', '65536',
                'TUN,tun-name=%s,tun-type=tun,iff-no-pi,iff-up' % self.dev,
                'UDP-DATAGRAM:%s:%d,bind=%s:%d' % (peer, UDP_PORT, me,
                                                   UDP_PORT)]


class OpenVpn(Program):
    name = 'openvpn'
    dev = 'bovp0'
    needs = ('openvpn',)

    def argv(self, side):
        me, peer = (B_UNDER, C_UNDER) if side == 'b' else (C_UNDER, B_UNDER)
        return ['openvpn', '--verb', '1', '--disable-dco', '--dev', self.dev,
                '--dev-type', 'tun', '--proto', 'udp', '--local', me,
                '--lport', '1194', '--remote', peer, '--rport', '1194']


class Tinc(Program):
    name = 'tinc'
    dev = 'btnc0'
    needs = ('tincd',)

    def prepare(self):
        for node, under, subnets, other in (
                ('b', B_UNDER, (NET_A, B_TUN + '/32'), 'c'),
                ('c', C_UNDER, (C_TUN + '/32',), 'b')):
            d = os.path.join(self.dir, node)
            os.makedirs(os.path.join(d, 'hosts'), exist_ok=True)
            with open(os.path.join(d, 'tinc.conf'), 'w') as f:
                f.write('Name = %s\nMode = router\nInterface = %s\n'
                        'AddressFamily = ipv4\nBindToAddress = %s\n'
                        'Device = /dev/net/tun\n%s' %
                        (node, self.dev, under,
                         'ConnectTo = %s\n' % other if node == 'b' else ''))
            with open(os.path.join(d, 'hosts', node), 'w') as f:
                f.write('Address = %s\nPort = 655\nCipher = none\n'
                        'Digest = none\nCompression = 0\n%s' %
                        (under, ''.join('Subnet = %s\n' % s
                                        for s in subnets)))
            subprocess.run(['tincd', '-c', d, '-K', '2048'],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=120, check=True)
        for node, other in (('b', 'c'), ('c', 'b')):
            shutil.copy(os.path.join(self.dir, other, 'hosts', other),
                        os.path.join(self.dir, node, 'hosts', other))

    def argv(self, side):
        d = os.path.join(self.dir, side)
        return ['tincd', '-c', d, '-D', '-d', '0', '--pidfile',
                os.path.join(d, 'pid'), '--logfile=' + os.path.join(d, 'log')]


class Ssh(Program):
    name = 'ssh'
    dev = 'tun0'            # ssh -w 0
    needs = ('ssh', '/usr/sbin/sshd', 'ssh-keygen')
    PORT = 2222

    def missing(self):
        return [n for n in self.needs if not (shutil.which(n) or
                                              os.access(n, os.X_OK))]

    def prepare(self):
        d = self.dir
        for k in ('host', 'user'):
            subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '',
                            '-f', os.path.join(d, k)], check=True,
                           capture_output=True, timeout=60)
        shutil.copy(os.path.join(d, 'user.pub'),
                    os.path.join(d, 'authorized_keys'))
        with open(os.path.join(d, 'sshd_config'), 'w') as f:
            f.write('Port %d\nListenAddress %s\nHostKey %s\n'
                    'AuthorizedKeysFile %s\nPermitRootLogin prohibit-password\n'
                    'PasswordAuthentication no\nKbdInteractiveAuthentication no\n'
                    'UsePAM no\nStrictModes no\nPermitTunnel yes\n'
                    'PidFile none\nUseDNS no\n' %
                    (self.PORT, C_UNDER, os.path.join(d, 'host'),
                     os.path.join(d, 'authorized_keys')))
        os.makedirs('/run/sshd', mode=0o755, exist_ok=True)

    def argv(self, side):
        if side == 'c':
            return ['/usr/sbin/sshd', '-D', '-e', '-f',
                    os.path.join(self.dir, 'sshd_config')]
        return ['ssh', '-F', '/dev/null', '-i', os.path.join(self.dir, 'user'),
                '-o', 'StrictHostKeyChecking=no',
                '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
                '-o', 'Tunnel=point-to-point', '-w', '0:0', '-N',
                '-c', 'aes128-gcm@openssh.com', '-p', str(self.PORT),
                'root@' + C_UNDER]

    def start_peer(self, face):
        p = face.spawn_ns('c', self.argv('c'), 'sshd')
        if not harness.wait_for(lambda: ':%d ' % self.PORT in ns(
                face.ns['c'], ['ss', '-ltn']).stdout, 30, 0.05):
            raise BenchError('sshd does not listen:\n' + p.output[-2000:])
        return [p]


class QuickTun(Program):
    name = 'quicktun'
    dev = 'bqt0'
    needs = ('quicktun',)

    def argv(self, side):
        return ['quicktun']

    def env(self, side):
        me, peer = (B_UNDER, C_UNDER) if side == 'b' else (C_UNDER, B_UNDER)
        e = dict(os.environ)
        # ifupdown's names (IFACE, IF_QT_...): quicktun reads those
        e['IFACE'] = self.dev
        e.update({'IF_QT_' + k: v for k, v in (
            ('TUN_MODE', '1'), ('USE_PI', '0'),
            ('PROTOCOL', 'raw'), ('LOCAL_ADDRESS', me),
            ('LOCAL_PORT', '2998'), ('REMOTE_ADDRESS', peer),
            ('REMOTE_PORT', '2998'), ('REMOTE_FLOAT', '0'))})
        return e


class Fastd(Program):
    name = 'fastd'
    dev = 'bfd0'
    needs = ('fastd',)

    def prepare(self):
        keys = {}
        for side in 'bc':
            out = subprocess.run(['fastd', '--generate-key'],
                                 capture_output=True, text=True, check=True,
                                 timeout=60).stdout
            keys[side] = (re.search(r'Secret: (\w+)', out).group(1),
                          re.search(r'Public: (\w+)', out).group(1))
        for side, me, other, peer in (('b', B_UNDER, 'c', C_UNDER),
                                      ('c', C_UNDER, 'b', B_UNDER)):
            with open(os.path.join(self.dir, side + '.conf'), 'w') as f:
                f.write('log level warn;\ninterface "%s";\nmode tun;\n'
                        'method "null";\nbind %s:10000;\nsecret "%s";\n'
                        'mtu 1500;\npeer "%s" {\n\tkey "%s";\n'
                        '\tremote %s:10000;\n}\n' %
                        (self.dev, me, keys[side][0], other, keys[other][1],
                         peer))

    def argv(self, side):
        return ['fastd', '-c', os.path.join(self.dir, side + '.conf')]


class WireGuardGo(Program):
    """wireguard-go; its UAPI socket is /var/run/wireguard/DEV.sock for
    any namespace, hence a device name of its own in C."""
    name = 'wireguard-go'
    dev = 'bwg0'
    dev_c = 'bwg1'
    needs = ('wireguard-go', 'wg')
    PORT = 51820

    def prepare(self):
        self.keys = {}
        for side in 'bc':
            priv = subprocess.run(['wg', 'genkey'], capture_output=True,
                                  text=True, check=True,
                                  timeout=30).stdout.strip()
            pub = subprocess.run(['wg', 'pubkey'], input=priv,
                                 capture_output=True, text=True, check=True,
                                 timeout=30).stdout.strip()
            path = os.path.join(self.dir, side + '.key')
            with open(path, 'w') as f:
                f.write(priv + '\n')
            self.keys[side] = (path, pub)

    def argv(self, side):
        return ['wireguard-go', '-f', self.devname(side)]

    def started(self, face):
        for side, other, peer, allowed in (
                ('c', 'b', B_UNDER, NET_A + ',' + B_TUN + '/32'),
                ('b', 'c', C_UNDER, C_TUN + '/32')):
            harness.wait_for(lambda: os.path.exists(
                '/var/run/wireguard/%s.sock' % self.devname(side)), 30, 0.05)
            ns(face.ns[side], ['wg', 'set', self.devname(side),
                               'private-key', self.keys[side][0],
                               'listen-port', str(self.PORT),
                               'peer', self.keys[other][1], 'endpoint',
                               '%s:%d' % (peer, self.PORT),
                               'allowed-ips', allowed])


PROGRAM_CLASSES = {c.name: c for c in (Socat, OpenVpn, Tinc, Ssh, QuickTun,
                                       Fastd, WireGuardGo)}


# ---- namespaces and one face (program x path) ---------------------------------

class Net:
    """netns A, B, C and the veth pair B <-> C for the whole run."""

    def __init__(self):
        t = 'bp%d' % (os.getpid() % 100000)
        self.ns = {s: '%s%s' % (t, s) for s in 'abc'}
        self.tap = {'a': t + 'ta', 'b': t + 'tb'}
        self.veth = (t + 'vb', t + 'vc')
        self.made = []

    def __enter__(self):
        for s in 'abc':
            sh(['ip', 'netns', 'add', self.ns[s]])
            self.made.append(self.ns[s])
            ns(self.ns[s], ['sysctl', '-qw',
                            'net.ipv6.conf.all.disable_ipv6=1'])
            ns(self.ns[s], ['sysctl', '-qw',
                            'net.ipv6.conf.default.disable_ipv6=1'])
            sh(['ip', '-n', self.ns[s], 'link', 'set', 'lo', 'up'])
        ns(self.ns['b'], ['sysctl', '-qw', 'net.ipv4.ip_forward=1'])
        sh(['ip', 'link', 'add', self.veth[0], 'netns', self.ns['b'],
            'mtu', '9000', 'type', 'veth', 'peer', 'name', self.veth[1],
            'netns', self.ns['c'], 'mtu', '9000'])
        for s, dev, addr in (('b', self.veth[0], B_UNDER),
                             ('c', self.veth[1], C_UNDER)):
            sh(['ip', '-n', self.ns[s], 'addr', 'add', addr + '/24', 'dev',
                dev])
            sh(['ip', '-n', self.ns[s], 'link', 'set', dev, 'up'])
        return self

    def __exit__(self, *exc):
        for n in self.made:
            sh(['ip', 'netns', 'del', n], check=False)
        return False


class Face:
    """testpmd, the program's two instances, for one path; ended with
    close()."""

    def __init__(self, opt, sess, net, prog, path):
        self.opt, self.sess, self.net = opt, sess, net
        self.prog, self.path = prog, path
        self.ns = net.ns
        self.procs = []
        self.peer_procs = []
        self.prog_b = None
        self.pmd = None

    def spawn(self, argv, name, env=None):
        argv = ['taskset', '-c', str(self.opt.cpu)] + list(argv)
        p = harness.Proc(argv, name, env=env,
                         echo=log if self.opt.verbose else False)
        self.procs.append(p)
        return p

    def spawn_ns(self, side, argv, name, env=None):
        return self.spawn(['ip', 'netns', 'exec', self.ns[side]] + argv,
                          name, env)

    def wait_dev(self, side, dev, timeout=harness.PATIENCE):
        if not harness.wait_for(lambda: sh(['ip', '-n', self.ns[side], 'link',
                                            'show', dev],
                                           check=False).returncode == 0,
                                timeout, 0.05):
            raise BenchError('no %s in netns %s' % (dev, self.ns[side]))

    def tap_to(self, side, mac, addr):
        """Move testpmd's net_tap kernel end into the namespace."""
        dev = self.net.tap[side]
        if not harness.wait_for(lambda: sh(['ip', 'link', 'show', dev],
                                           check=False).returncode == 0,
                                30, 0.05):
            raise BenchError('net_tap made no %s' % dev)
        n = self.ns[side]
        sh(['ip', 'link', 'set', dev, 'netns', n])
        sh(['ip', '-n', n, 'link', 'set', dev, 'address', mac])
        sh(['ip', '-n', n, 'addr', 'add', addr + '/24', 'dev', dev])
        sh(['ip', '-n', n, 'link', 'set', dev, 'up'])
        return dev

    def conf_tun(self, side, dev, me, peer, route):
        n = self.ns[side]
        sh(['ip', '-n', n, 'addr', 'replace', me, 'peer', peer, 'dev', dev])
        sh(['ip', '-n', n, 'link', 'set', dev, 'up'])
        if route:
            sh(['ip', '-n', n, 'route', 'replace', route, 'dev', dev])

    def start(self):
        opt, sess = self.opt, self.sess
        eal = ['--vdev=net_tap0,iface=%s' % self.net.tap['a']]
        if self.path == 'ktun':
            eal.append('--vdev=net_tap1,iface=%s' % self.net.tap['b'])
        else:
            self.node = sess.path('node')
            self.sock = sess.path('unit.sock')
            eal.append('--vdev=net_bsdtun1,sock=%s,cdev=%s,qlen=%d' %
                       (self.sock, self.node, opt.qlen))
        self.pmd = sess.testpmd(
            [], ['--forward-mode=mac', '--eth-peer=0,' + MAC_A,
                 '--eth-peer=1,' + MAC_B, '--rxd=1024', '--txd=1024'],
            eal, lcores='0@%d,1@%d' % (opt.cpu, opt.dpdk_cpu), mbufs=16384,
            echo=log if opt.verbose else False)
        self.procs.append(self.pmd)
        self.pmd.start(harness.PATIENCE)
        out = self.pmd.cmd('show port summary all')
        drv = re.findall(r'^(\d+)\s+\S+\s+\S+\s+(\S+)', out, re.M)
        want = ['net_tap', 'net_tap' if self.path == 'ktun' else
                'net_bsdtun']
        if [d for _, d in drv[:2]] != want:
            raise BenchError('testpmd ports %r, want %r:\n%s' %
                             (drv, want, out))
        a = self.ns['a']
        tap_a = self.tap_to('a', MAC_A, A_ADDR)
        sh(['ip', '-n', a, 'neigh', 'replace', GW_ADDR, 'lladdr', MAC_B,
            'dev', tap_a, 'nud', 'permanent'])
        sh(['ip', '-n', a, 'route', 'replace', C_TUN + '/32', 'via',
            GW_ADDR])
        if self.path == 'ktun':
            tap_b = self.tap_to('b', MAC_B, GW_ADDR)
            sh(['ip', '-n', self.ns['b'], 'neigh', 'replace', A_ADDR,
                'lladdr', MAC_A, 'dev', tap_b, 'nud', 'permanent'])
        self.pmd.cmd('start')

        prog = self.prog
        self.peer_procs = prog.start_peer(self)
        argv_b = prog.argv('b')
        if self.path == 'ktun':
            self.prog_b = self.spawn_ns('b', argv_b, prog.name + '-b',
                                        prog.env('b'))
        else:
            pre = ['--preload', self.sock] if self.path == 'preload' else []
            self.prog_b = self.spawn(
                [harness.TUNTEST, 'run'] + pre +
                ['--netns', self.ns['b'], '--ifname', prog.dev, self.node,
                 '--'] + argv_b, prog.name + '-b', prog.env('b'))
        self.wait_dev('b', prog.dev)
        self.conf_tun('b', prog.dev, B_TUN, C_TUN, None)
        prog.c_dev_ready(self)
        self.conf_tun('c', prog.devname('c'), C_TUN, B_TUN, NET_A)
        prog.started(self)
        # the tunnel carries A's pings to C
        deadline = time.monotonic() + harness.PATIENCE
        while True:
            for p in [self.prog_b] + self.peer_procs:
                if not p.running():
                    raise BenchError('%s exited:\n%s' % (p.name,
                                                         p.output[-3000:]))
            # any reply of three: a path that holds a packet back until the
            # next one comes is measured too (and shows in the numbers)
            if ns(a, ['ping', '-c', '3', '-i', '0.2', '-W', '1', C_TUN],
                  check=False).returncode == 0:
                break
            if time.monotonic() > deadline:
                raise BenchError('no ping %s -> %s through %s (%s):\n%s\n%s'
                                 '\n%s' % (A_ADDR, C_TUN, prog.name,
                                           self.path,
                                           self.prog_b.output[-2000:],
                                           self.peer_procs[0].output[-2000:],
                                           self.port_counters()))

    def port_counters(self):
        """testpmd's counters of port 1 that moved, for a message."""
        try:
            st = self.pmd.port_stats(1)
            if self.path != 'ktun':
                st.update(self.pmd.xstats(1))
        except harness.ProcError as e:
            return 'port 1: %s' % e
        return 'port 1: ' + ' '.join('%s=%d' % kv for kv in sorted(st.items())
                                     if kv[1])

    def close(self):
        for p in reversed(self.procs):
            try:
                if p is self.pmd:
                    p.stop(30)
                else:
                    p.kill(5)
            except Exception as e:  # noqa: BLE001 - keep cleaning up
                log('clean-up of %s: %s' % (p.name, e))
        if self.pmd is not None:
            self.sess.procs.remove(self.pmd)
        if getattr(self, 'node', None):
            self.sess.unmount_dead_nodes()


# ---- iperf3 --------------------------------------------------------------------

def iperf(opt, face, case):
    """One iperf3 run of case: (value, unit, extra dict)."""
    c = face.ns['c']
    srv = face.spawn_ns('c', ['iperf3', '-s', '-1', '-B', C_TUN],
                        'iperf3-s')
    try:
        if not harness.wait_for(lambda: ':5201 ' in ns(
                c, ['ss', '-ltnu']).stdout, 30, 0.05):
            raise BenchError('iperf3 server does not listen')
        argv = ['ip', 'netns', 'exec', face.ns['a'], 'taskset', '-c',
                str(opt.cpu), 'iperf3', '-c', C_TUN, '-J', '-t',
                '%g' % opt.duration, '--connect-timeout', '10000']
        if case == 'tcp-r':
            argv += ['-O', '1', '-R']
        elif case == 'tcp':
            argv += ['-O', '1']
        elif case == 'udp64':
            argv += ['-u', '-l', '64', '-b', '0']
        cli = harness.Proc(argv, 'iperf3-c')
        cpu = Cpu(face, [srv, cli])
        try:
            # waited for without reaping: its CPU time counts as ours
            if not harness.wait_for(lambda: os.waitid(
                    os.P_PID, cli.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
                    is not None, opt.duration + 10, 0.05):
                raise BenchError('iperf3 client timed out')
            use = cpu.stop()
            cli.wait(10)
            cli._reader.join(10)
        finally:
            cli.kill(0)
        srv.wait(30)
        try:
            r = json.loads(cli.output)
        except ValueError:
            raise BenchError('iperf3 said:\n%s' % cli.output[-2000:])
        if 'error' in r:
            raise BenchError('iperf3: %s' % r['error'])
        if case == 'udp64':
            # the server's count of 64-byte datagrams, over the time
            # the client sent
            got = r['end']['sum_received']['bytes'] // 64
            sent = r['end']['sum_sent']
            v = got / sent['seconds']
            extra = {'sent/s': sent['packets'] / sent['seconds']}
        else:
            s = r['end']['sum_received']
            v = s['bits_per_second'] / 1e6
            extra = {'retr': r['end']['sum_sent'].get('retransmits', 0)}
        extra.update(use)
        return v, extra
    finally:
        srv.kill(1)


ERRORS = (harness.ProcError, subprocess.SubprocessError, OSError)


def settle(opt, face):
    """Wait (up to --settle s) until other processes leave the CPUs
    alone."""
    deadline = time.monotonic() + opt.settle
    while True:
        c = Cpu(face)
        time.sleep(0.5)
        v = c.stop()['foreign']
        if v <= opt.max_load or time.monotonic() >= deadline:
            return v


def measure(opt, face, case, res, failed):
    """One iperf3 run into res (repeated up to --retries times while other
    processes use more than --max-load CPUs); 1 if measured, 0 if not."""
    pn, path = face.prog.name, face.path
    for attempt in range(opt.retries + 1):
        settle(opt, face)
        try:
            v, extra = iperf(opt, face, case)
        except ERRORS as e:
            log('  %s %s %s failed: %s' % (pn, path, case, e))
            failed.add((pn, path, case))
            return 0
        log('  %-12s %-7s %-5s %12.0f  %s' % (
            pn, path, case, v, ' '.join(
                '%s=%.0f' % kv for kv in sorted(extra.items())
                if kv[0] != 'foreign') + ' foreign=%.2f CPU' %
            extra['foreign']))
        if extra['foreign'] <= opt.max_load:
            break
        if attempt < opt.retries:
            log('  ... again (other processes used the CPUs)')
    res.setdefault((pn, path, case), []).append((v, extra))
    return 1


# ---- main ----------------------------------------------------------------------

def preload_supported():
    p = sh([harness.TUNTEST, 'run', '--help'], check=False)
    return '--preload' in p.stdout + p.stderr


def machine():
    model = '?'
    try:
        with open('/proc/cpuinfo') as f:
            m = re.search(r'^model name\s*:\s*(.*)$', f.read(), re.M)
            model = m.group(1).strip() if m else model
    except OSError:
        pass
    return '%d CPUs, %s, kernel %s' % (os.cpu_count(), model,
                                       platform.release())


def report(opt, res, skipped):
    print('Real tun programs to DPDK: median of %d passes, iperf3 -t %g'
          % (opt.passes, opt.duration))
    print('machine: %s' % machine())
    print('command: %s' % ' '.join(sys.argv))
    for case in opt.cases:
        unit = 'pkt/s' if case == 'udp64' else 'Mbit/s'
        title = {'tcp': 'iperf3 TCP A -> C (Mbit/s)',
                 'tcp-r': 'iperf3 TCP -R, C -> A (Mbit/s)',
                 'udp64': 'iperf3 UDP -l 64 -b 0 A -> C (packets/s '
                          'received)'}[case]
        print()
        print('### %s' % title)
        print()
        print('| program | path | %s | /ktun | prog %% | peer %% | '
              'testpmd %% | node %% |' % unit)
        print('|---|---|--:|--:|--:|--:|--:|--:|')
        for pn in opt.programs:
            if pn in skipped:
                print('| %s | - | %s | | | | | |' % (pn, skipped[pn]))
                continue
            base = None
            for path in opt.paths:
                rs = res.get((pn, path, case), [])
                if isinstance(rs, str):
                    print('| %s | %s | %s | | | | | |' % (pn, path, rs))
                    continue
                if not rs:
                    print('| %s | %s | failed | | | | | |' % (pn, path))
                    continue
                v = statistics.median(r[0] for r in rs)
                if path == 'ktun':
                    base = v
                cpu = {k: statistics.median(r[1][k] for r in rs)
                       for k in ('prog', 'peer', 'testpmd', 'node')}
                note = ''
                if any(r[1]['foreign'] > opt.max_load for r in rs):
                    note += '*'
                if len(rs) < opt.passes:
                    note += ' (%d of %d)' % (len(rs), opt.passes)
                # a program the preload library cannot serve gets the node
                shown = path
                if path == 'preload' and cpu['node'] >= 1:
                    shown = 'preload (node)'
                print('| %s | %s | %s%s | %s | %.0f | %.0f | %.0f | %s |' % (
                    pn, shown, '{:,.0f}'.format(v), note,
                    '%.2f' % (v / base) if base else '-',
                    cpu['prog'], cpu['peer'], cpu['testpmd'],
                    '-' if path == 'ktun' else '%.0f' % cpu['node']))
    print()
    print('/ktun: the median over the same program\'s ktun median.  CPU: '
          '%% of one CPU over the run (median): prog the instance in B, '
          'peer the one in C, testpmd all its threads, node its device-node '
          'thread.  "preload (node)": the program got the node (its node '
          'thread worked).  *: other processes used more than %.2f CPU in '
          'a run.' % opt.max_load)
    if opt.verbose:
        print()
        for k, rs in sorted((k, v) for k, v in res.items()
                            if not isinstance(v, str)):
            print('%s: %s' % ('/'.join(k), ' '.join(
                '%.0f' % r[0] for r in rs)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--passes', type=int, default=3)
    ap.add_argument('--duration', type=float, default=5.0,
                    help='iperf3 -t seconds (default 5; -O 1 on top)')
    ap.add_argument('--programs', default=','.join(PROGRAMS))
    ap.add_argument('--paths', default=','.join(PATHS))
    ap.add_argument('--cases', default=','.join(CASES))
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
    opt.programs = [p for p in opt.programs.split(',') if p]
    opt.paths = [p for p in opt.paths.split(',') if p]
    opt.cases = [c for c in opt.cases.split(',') if c]
    for lst, known in ((opt.programs, PROGRAM_CLASSES), (opt.paths, PATHS),
                       (opt.cases, CASES)):
        bad = [x for x in lst if x not in known]
        if bad:
            ap.error('unknown: %s' % ', '.join(bad))
    if opt.build:
        harness.use_build(opt.build)
    if os.geteuid() != 0:
        log('bench_programs: needs root')
        return 1
    for need in (harness.PMD, harness.TUNTEST):
        if not os.path.exists(need):
            log('bench_programs: no %s (build first)' % need)
            return 1
    if shutil.which('iperf3') is None:
        log('bench_programs: iperf3 is not installed')
        return 1
    harness.unwind_on_signals()

    res, skipped = {}, {}
    has_preload = preload_supported()
    if 'preload' in opt.paths and not has_preload:
        for pn in opt.programs:
            for case in opt.cases:
                res[(pn, 'preload', case)] = 'n/a (tuntest run has no ' \
                    '--preload)'
    measured = 0
    failed = set()
    with harness.Session('bprog', 'bprog') as sess, Net() as net:
        os.chmod(sess.dir, 0o755)
        progs = {}
        for pn in opt.programs:
            prog = PROGRAM_CLASSES[pn](opt, sess)
            miss = prog.missing()
            if miss:
                skipped[pn] = 'not installed: %s' % ', '.join(miss)
                log('%s: %s' % (pn, skipped[pn]))
                continue
            try:
                prog.prepare()
            except (subprocess.SubprocessError, OSError) as e:
                skipped[pn] = 'set-up failed'
                log('%s: set-up failed: %s' % (pn, e))
                continue
            progs[pn] = prog
        paths = [p for p in opt.paths if p != 'preload' or has_preload]
        try:
            for n in range(opt.passes):
                order = paths[n % len(paths):] + paths[:n % len(paths)]
                log('pass %d/%d: paths %s' % (n + 1, opt.passes,
                                              ', '.join(order)))
                for pn, prog in progs.items():
                    for path in order:
                        cases = [c for c in opt.cases
                                 if (pn, path, c) not in failed]
                        if not cases:
                            continue
                        face = Face(opt, sess, net, prog, path)
                        try:
                            face.start()
                        except ERRORS as e:
                            log('  %s %s failed: %s' % (pn, path, e))
                            failed.update((pn, path, c) for c in cases)
                            face.close()
                            continue
                        try:
                            for case in cases:
                                measured += measure(opt, face, case, res,
                                                    failed)
                        finally:
                            face.close()
        except KeyboardInterrupt:
            log('interrupted')
    print()
    report(opt, res, skipped)
    if opt.json:
        with open(opt.json, 'w') as f:
            json.dump({'machine': machine(), 'argv': sys.argv,
                       'skipped': skipped,
                       'runs': [{'program': k[0], 'path': k[1],
                                 'case': k[2], 'runs': v}
                                for k, v in sorted(res.items())]},
                      f, indent=1)
    return 0 if measured else 1


if __name__ == '__main__':
    sys.exit(main())
