#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The preload face (doc/preload.md): libbsdtun-preload.so in unmodified
programs.

- conform: tuntest conform's whole table with both ends opened by name
  (BSDTUN_PRELOAD_NODES maps the two device nodes to their units'
  sockets), so every open, read, write, ioctl and poll of the tool goes
  through the preload library, not FUSE; the same DPDK counters as the
  library face.
- socat: unmodified socat under tuntest run --preload carries packets
  both ways between its Unix datagram socket and unit 0, testpmd
  forwarding to unit 1; exact bytes and port counters, and the node's
  FUSE server saw no request from it (node_requests unchanged).
- preload_probe (a plain tun program of the tests): dup, F_DUPFD and
  dup2 copies, a fork whose child writes and closes its copy, daemon(3);
  bad pointers (EFAULT), bad descriptors (EBADF), a closed number reused
  by a file, dup2 onto the tun descriptor and onto the face's own
  descriptors.  Exact packets and port counters at the other end.
- static: a statically linked program under --preload is told it gets
  the node, and does; the same program dynamically linked gets the face.
"""
import fcntl
import os
import re
import shutil
import signal
import socket
import struct

import harness
from harness import check, check_eq

IO = ['--forward-mode=io', '--no-flush-rx', '--enable-scatter']
ROWS = set(range(1, 24)) | set(range(31, 37))
PRELOAD = os.path.join(harness.BUILD, 'lib', 'bsdtun',
                       'libbsdtun-preload.so')
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000


def preload_env(nodes=None, endpoint=None):
    """The environment of a program run under the preload face."""
    env = harness.sanitizer_env()
    pre = env.get('LD_PRELOAD', '')
    env['LD_PRELOAD'] = (pre + ' ' if pre else '') + PRELOAD
    if nodes:
        env['BSDTUN_PRELOAD_NODES'] = ':'.join('%s=%s' % nv for nv in nodes)
    if endpoint:
        env['BSDTUN_PRELOAD_ENDPOINT'] = endpoint
    return env


PROBE = os.path.join(harness.BUILD, 'tests', 'preload_probe')
PROBE_STATIC = PROBE + '_static'


class environ:
    """os.environ replaced by env for the programs started meanwhile."""

    def __init__(self, env):
        self.env = env

    def __enter__(self):
        self.saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.env)

    def __exit__(self, *exc):
        os.environ.clear()
        os.environ.update(self.saved)


def tag_packet(tag):
    """preload_probe's 60-byte packet (its last byte tag)."""
    p = bytearray(60)
    p[0], p[3], p[8], p[9] = 0x45, 60, 64, 17
    p[12], p[15], p[16], p[19] = 10, 1, 10, 2
    p[59] = tag
    return bytes(p)


def linux_node(path):
    fd = harness.open_node(path)
    fcntl.ioctl(fd, 0x400454ca, struct.pack('16sH22x', b'',
                                           IFF_TUN | IFF_NO_PI))
    return fd


def probe(s, mode, tags, argv_wrap=None, static=False):
    """preload_probe MODE on unit 0 (the preload face, or what argv_wrap
    gives it), unit 1's node the test's end: the packets it sends to unit
    1 carry tags, each 'WAIT send' gets one packet back.  Returns the
    probe's output lines."""
    n1 = s.path('pp1')
    with s.testpmd(['', 'cdev=' + n1], args=['--forward-mode=io']) as pmd:
        pmd.cmd('start')
        rfd = linux_node(n1)
        sent = []

        def send(_):
            q = harness.ipv4_packet(9, len(sent), 72)
            sent.append(q)
            os.write(rfd, q)
        exe = PROBE_STATIC if static else PROBE
        argv = (argv_wrap(pmd) if argv_wrap else []) + [exe, mode]
        env = harness.sanitizer_env() if argv_wrap else \
            preload_env(endpoint=pmd.sock(0))
        with environ(env):
            _, lines = harness.run_client(argv, 'preload_probe %s' % mode,
                                          on_wait=send)
        got = harness.read_packets(rfd, len(tags))
        if not harness.check_packets(got, [tag_packet(t) for t in tags],
                                     '%s: the probe\'s packets at unit 1 '
                                     '(tags %s)' % (mode, tags)):
            print('port 0 xstats: %s' % {k: v for k, v in
                                         pmd.xstats(0).items() if v},
                  flush=True)
        check(harness.fd_quiet(rfd), '%s: nothing more at unit 1' % mode)
        st = pmd.ports_stats((0, 1))
        check_eq((st[0]['RX-packets'], st[0]['TX-packets']),
                 (len(tags), len(sent)),
                 '%s: port 0 counted the probe\'s %d and the %d sent back'
                 % (mode, len(tags), len(sent)))
        os.close(rfd)
    return lines


def fork_and_dup(s):
    probe(s, 'dup', [1, 2, 3])
    probe(s, 'fork', [1, 2, 3])
    probe(s, 'daemon', [1, 2])
    probe(s, 'threads', [5])


def hostile(s):
    out = '\n'.join(probe(s, 'hostile', [6, 6, 4]))
    check(re.search(r'bsdtun-preload\[\d+\]: descriptor \d+ is a bsdtun unit: '
                    r'it cannot be passed to another process', out),
          'hostile: SCM_RIGHTS refused with a message')
    check(re.search(r'bsdtun-preload\[\d+\]: descriptor \d+ is a bsdtun unit, '
                    r'not a kernel tap: vhost-net cannot serve it', out),
          'hostile: VHOST_NET_SET_BACKEND refused with a message')
    check(re.search(r'bsdtun-preload\[\d+\]: descriptor \d+ is a bsdtun unit: '
                    r'it does not survive exec', out),
          'hostile: exec keeping the descriptor: a message')


def static(s):
    """A statically linked program under tuntest run --preload: told, and
    it gets the node."""
    n0 = s.path('st0')
    n1 = s.path('st1')
    with s.testpmd(['cdev=' + n0, 'cdev=' + n1],
                   args=['--forward-mode=io']) as pmd:
        pmd.cmd('start')
        rfd = linux_node(n1)

        def send(_):
            os.write(rfd, harness.ipv4_packet(9, 0, 72))
        with environ(harness.sanitizer_env()):
            _, lines = harness.run_client(
                [harness.TUNTEST, 'run', '--preload', pmd.sock(0), n0, '--',
                 PROBE_STATIC, 'plain'], 'static probe', on_wait=send)
        out = '\n'.join(lines)
        check('is statically linked: the preload face cannot serve it, '
              'it gets the device node' in out,
              'tuntest run says the static program gets the node')
        check('FACE node' in out, 'the static program got the node')
        harness.check_packets(harness.read_packets(rfd, 1), [tag_packet(7)],
                              'its packet through the node')
        os.close(rfd)
    with s.testpmd(['cdev=' + n0, 'cdev=' + n1],
                   args=['--forward-mode=io']) as pmd:
        pmd.cmd('start')
        rfd = linux_node(n1)

        def send2(_):
            os.write(rfd, harness.ipv4_packet(9, 0, 72))
        with environ(harness.sanitizer_env()):
            _, lines = harness.run_client(
                [harness.TUNTEST, 'run', '--preload', pmd.sock(0), n0, '--',
                 PROBE, 'plain'], 'dynamic probe', on_wait=send2)
        check('FACE preload' in '\n'.join(lines),
              'the same program, dynamically linked, got the preload face')
        harness.check_packets(harness.read_packets(rfd, 1), [tag_packet(7)],
                              'its packet through the preload face')
        os.close(rfd)


def conform(s):
    nodes = [s.path('pl0'), s.path('pl1')]
    with s.testpmd(['cdev=' + n for n in nodes], args=IO) as pmd:
        pmd.cmd('start')
        env = preload_env(nodes=[(nodes[0], pmd.sock(0)),
                                 (nodes[1], pmd.sock(1))])
        with environ(env):
            _, lines = harness.run_client(
                [harness.TUNTEST, 'conform', '--pause'] + nodes,
                'preload face: tuntest conform',
                on_wait=harness.conform_on_wait(pmd, 'preload conform'),
                timeout=300)
        out = '\n'.join(lines)
        rows = {int(r) for r in re.findall(r'^PASS row +(\d+)', out, re.M)}
        exempt = {int(r) for r in
                  re.findall(r'^EXEMPT row +(\d+)', out, re.M)}
        check('preload face' in out, 'conform saw the preload face')
        check_eq(sorted(ROWS - rows), [],
                 'preload face: rows without a PASS line (none exempt)')
        xs = pmd.xstats(1)
        check(xs['tx_af_unsupported'] >= 1 and xs['tx_no_client'] >= 5 and
              xs['to_client_purged'] >= 4,
              'preload face: the library face\'s counters (%d %d %d)' %
              (xs['tx_af_unsupported'], xs['tx_no_client'],
               xs['to_client_purged']))


def socat(s):
    if not check(shutil.which('socat') is not None,
                 'socat installed (devtools/setup.sh)'):
        return
    n0, n1 = s.path('so0'), s.path('so1')
    ns = 'bsdtun-pl-%d' % os.getpid()
    check_eq(harness.run_cmd(['ip', 'netns', 'add', ns]).returncode, 0,
             'ip netns add ' + ns)
    try:
        with s.testpmd(['cdev=' + n0, 'cdev=' + n1],
                       args=['--forward-mode=io']) as pmd:
            pmd.cmd('start')
            rfd = harness.open_node(n1)
            fcntl.ioctl(rfd, 0x400454ca,
                        struct.pack('16sH22x', b'', IFF_TUN | IFF_NO_PI))
            us, them = s.path('us.sock'), s.path('socat.sock')
            sk = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sk.bind(us)
            sk.settimeout(harness.PATIENCE)
            p = s.spawn([harness.TUNTEST, 'run', '--preload', pmd.sock(0),
                         '--netns', ns, '--ifname', 'tun8', n0, '--',
                         'socat', '-d', '-d',
                         'UNIX-SENDTO:%s,bind=%s' % (us, them),
                         'TUN,tun-name=tun8,iff-no-pi'], 'socat', echo=True,
                        env=harness.sanitizer_env())
            check(harness.wait_for(lambda: pmd.link(0) == 'up' and
                                   os.path.exists(them)),
                  'socat holds unit 0 through the preload face')
            pkts = [harness.ipv4_packet(5, i, 64 + i) for i in range(100)]
            got = []
            for i in range(0, len(pkts), 10):  # unit 1's ring holds 64
                for q in pkts[i:i + 10]:
                    sk.sendto(q, them)
                got += harness.read_packets(rfd, 10)
            harness.check_packets(got, pkts, 'socat to unit 1: 100 packets')
            back = [harness.ipv4_packet(6, i, 80 + i) for i in range(100)]
            got = []
            for q in back:
                os.write(rfd, q)
                got.append(sk.recv(65536))
            harness.check_packets(got, back, 'unit 1 to socat: 100 packets')
            st = pmd.ports_stats((0, 1))
            check_eq((st[0]['RX-packets'], st[1]['TX-packets'],
                      st[1]['RX-packets'], st[0]['TX-packets']),
                     (100, 100, 100, 100), 'port counters: 100 each way')
            p.signal(signal.SIGTERM)
            p.wait(harness.PATIENCE)
            os.close(rfd)
            sk.close()
    finally:
        harness.run_cmd(['ip', 'netns', 'del', ns])


def main():
    with harness.Session() as s:
        conform(s)
        socat(s)
        fork_and_dup(s)
        hostile(s)
        static(s)


harness.run_main(main)
