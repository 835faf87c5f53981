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
- static: a statically linked program under --preload is told it gets
  the node, and does.
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


def conform(s):
    nodes = [s.path('pl0'), s.path('pl1')]
    with s.testpmd(['cdev=' + n for n in nodes], args=IO) as pmd:
        pmd.cmd('start')
        env = preload_env(nodes=[(nodes[0], pmd.sock(0)),
                                 (nodes[1], pmd.sock(1))])
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(env)
        try:
            _, lines = harness.run_client(
                [harness.TUNTEST, 'conform', '--pause'] + nodes,
                'preload face: tuntest conform',
                on_wait=harness.conform_on_wait(pmd, 'preload conform'),
                timeout=300)
        finally:
            os.environ.clear()
            os.environ.update(saved)
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


harness.run_main(main)
