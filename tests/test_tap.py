#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tap units (devarg mode=tap; doc/pmd.md "tap units", doc/behaviour.md).

- mode=tap with framing=ip fails the probe, one log line naming both;
- two tap units forwarded by testpmd (io): whole Ethernet frames cross as
  they are, ARP and IPv6 included, byte-exact both ways, and the port
  counts them; a frame shorter than an Ethernet header: the write fails
  EINVAL;
- the BSD side: TAPGIFNAME gives the unit's name (device node and library),
  SIOCGIFADDR the port's MAC (library), TUNSIFHEAD ENOTTY; TAPGIFNAME on a
  tun unit ENOTTY;
- the Linux side: TUNSETIFF IFF_TUN on a tap unit EINVAL; IFF_TAP with
  tun_pi: a read's proto is the frame's ethertype; IFF_NO_PI: the bare
  frame; SIOCGIFHWADDR on the file: the port's MAC;
- tuntest bridge on a tap unit's device node tells it by TAPGIFNAME and
  joins a kernel tap: the kernel's ARP request arrives whole at the other
  unit's client.
"""
import errno
import fcntl
import os
import re
import signal
import struct
import subprocess
import time

import harness
from harness import check, check_eq, errno_of

TUNSETIFF = 0x400454ca
TAPGIFNAME = 0x8028745d   # _IOR('t', 93, struct ifreq), Linux encoding
TUNSIFHEAD = 0x40047460
SIOCGIFADDR = 0x8915
SIOCGIFHWADDR = 0x8927
IFF_TUN, IFF_TAP, IFF_NO_PI = 0x0001, 0x0002, 0x1000
LIB_CLIENT = os.path.join(harness.BUILD, 'tests', 'lib_client')


def frame(dst, src, ethertype, payload):
    return dst + src + struct.pack('!H', ethertype) + payload


ARP = frame(b'\xff' * 6, b'\x02\x00\x00\x00\x00\x0a', 0x0806,
            bytes.fromhex('0001080006040001') + b'\x02\x00\x00\x00\x00\x0a' +
            bytes([10, 0, 0, 1]) + b'\0' * 6 + bytes([10, 0, 0, 2]))
V6 = frame(b'\x33\x33\x00\x00\x00\x01', b'\x02\x00\x00\x00\x00\x0b', 0x86dd,
           bytes(range(60)))
VLAN = frame(b'\x02\x00\x00\x00\x00\x0c', b'\x02\x00\x00\x00\x00\x0d',
             0x8100, b'\x00\x05\x08\x00' + bytes(range(50)))


def probe_refused(s):
    pmd = s.testpmd(['mode=tap,framing=ip'], stdin_text='quit\n', echo=False)
    pmd.start()
    pmd.wait_exit(30)
    pmd.stop()
    out = pmd.output
    check('mode=tap with framing=ip' in out,
          'mode=tap,framing=ip: the log line names both')
    check('failed to initialize net_bsdtun0 device' in out,
          'mode=tap,framing=ip: the probe fails')


def port_mac(pmd, port):
    out = pmd.cmd('show port info %d' % port)
    return bytes.fromhex(re.search(r'MAC address: ([0-9A-Fa-f:]+)',
                                   out).group(1).replace(':', ''))


def frames_both_ways(s):
    n0, n1, n2 = s.path('tap0'), s.path('tap1'), s.path('tun2')
    with s.testpmd(['mode=tap,cdev=' + n0, 'mode=tap,cdev=' + n1,
                    'cdev=' + n2], args=['--forward-mode=io']) as pmd:
        pmd.cmd('start')
        a, b = harness.open_node(n0), harness.open_node(n1)
        try:
            r = fcntl.ioctl(a, TAPGIFNAME, b'\0' * 40)
            check_eq(r[:16].rstrip(b'\0'), b'net_bsdtun0',
                     'node: TAPGIFNAME gives the unit name')
            check_eq(errno_of(lambda: fcntl.ioctl(a, TUNSIFHEAD,
                                                struct.pack('i', 1))),
                     errno.ENOTTY, 'tap unit: TUNSIFHEAD ENOTTY')
            sent = [ARP, V6, VLAN]
            for f in sent:
                check_eq(os.write(a, f), len(f),
                         'write a %d-byte frame' % len(f))
            harness.check_packets(harness.read_packets(b, 3), sent,
                                  'ARP, IPv6 and VLAN frames cross as '
                                  'they are')
            os.write(b, V6)
            harness.check_packets(harness.read_packets(a, 1), [V6],
                                  'and back')
            check_eq(errno_of(lambda: os.write(a, ARP[:13])), errno.EINVAL,
                     'a 13-byte write (no whole Ethernet header): EINVAL')
            check(harness.fd_quiet(b), 'nothing of it arrives')
            st = pmd.port_stats(0)
            check_eq((st['RX-packets'], st['TX-packets']), (3, 1),
                     'port 0 counted 3 frames in, 1 out')
            xs = pmd.xstats(1)
            check_eq((xs['tx_bad_ethertype'], xs['rx_runt']), (0, 0),
                     'no frame dropped for its ethertype')
            mac = port_mac(pmd, 0)
            os.close(a)
            a = None
            harness.wait_for(lambda: pmd.link(0) == 'down')
            harness.run_client([LIB_CLIENT, pmd.sock(0), 'tap_mac',
                                mac.hex(':')], 'library: SIOCGIFADDR, '
                               'TAPGIFNAME')
            c = harness.open_node(n2)
            check_eq(errno_of(lambda: fcntl.ioctl(c, TAPGIFNAME, b'\0' * 40)),
                     errno.ENOTTY, 'tun unit: TAPGIFNAME ENOTTY')
            os.close(c)
        finally:
            for fd in (a, b):
                if fd is not None:
                    os.close(fd)
        linux_tap(pmd, n0, n1)


def linux_tap(pmd, n0, n1):
    a, b = harness.open_node(n0), harness.open_node(n1)
    try:
        check_eq(errno_of(lambda: fcntl.ioctl(
            b, TUNSETIFF, struct.pack('16sH22x', b'', IFF_TUN))),
            errno.EINVAL, 'TUNSETIFF IFF_TUN on a tap unit: EINVAL')
        r = fcntl.ioctl(b, TUNSETIFF, struct.pack('16sH22x', b'tap%d',
                                                   IFF_TAP))
        check_eq(r[:16].rstrip(b'\0'), b'net_bsdtun1',
                 'TUNSETIFF IFF_TAP: the unit name')
        fcntl.ioctl(a, TUNSETIFF, struct.pack('16sH22x', b'', IFF_TAP |
                                              IFF_NO_PI))
        r = fcntl.ioctl(a, SIOCGIFHWADDR, struct.pack('16sH14s8x', b'mine',
                                                      77, b''))
        check_eq((r[:4], struct.unpack('H', r[16:18])[0], r[18:24]),
                 (b'mine', 1, port_mac(pmd, 0)),
                 'node: SIOCGIFHWADDR on a Linux tap file: the name kept, '
                 'ARPHRD_ETHER, the port\'s MAC')
        os.write(a, ARP)
        harness.check_packets(harness.read_packets(b, 1),
                              [b'\0\0\x08\x06' + ARP],
                              'IFF_TAP: tun_pi with the ARP ethertype, '
                              'then the frame')
        os.write(b, b'\0\0\x12\x34' + V6)
        harness.check_packets(harness.read_packets(a, 1), [V6],
                              'IFF_NO_PI: the bare frame (the frame\'s own '
                              'ethertype counts, not tun_pi\'s)')
        check_eq(errno_of(lambda: os.write(b, b'\0\0\x08\x00' + ARP[:10])),
                 errno.EINVAL, 'IFF_TAP: a frame shorter than Ethernet: '
                 'EINVAL')
    finally:
        os.close(a)
        os.close(b)


def bridge_node(s):
    """tuntest bridge on a tap unit's device node, told a tap unit by
    TAPGIFNAME alone: the kernel tap's ARP request reaches the other unit's
    client as the kernel sent it."""
    n0, n1 = s.path('btap0'), s.path('btap1')
    ns = 'bsdtun-tap-%d' % os.getpid()
    subprocess.run(['ip', 'netns', 'add', ns], check=True)
    try:
        with s.testpmd(['mode=tap,cdev=' + n0, 'mode=tap,cdev=' + n1],
                       args=['--forward-mode=io']) as pmd:
            pmd.cmd('start')
            b = harness.open_node(n1)
            br = harness.Proc([harness.TUNTEST, 'bridge', '--quiet',
                               '--netns', ns, n0, 'bt0'], 'bridge')
            try:
                check(harness.wait_for(lambda: subprocess.run(
                    ['ip', '-n', ns, 'link', 'show', 'bt0'],
                    capture_output=True).returncode == 0),
                    'bridge: kernel device bt0 made')
                kind = subprocess.run(['ip', '-n', ns, '-d', 'link', 'show',
                                       'bt0'], capture_output=True,
                                      text=True).stdout
                check('tun type tap' in kind,
                      'bridge on the node, no --tap: a kernel tap')
                mac = bytes.fromhex(re.search(r'link/ether ([0-9a-f:]+)',
                                              kind).group(1).replace(':', ''))
                for cmd in (['addr', 'add', '10.80.0.1/24', 'dev', 'bt0'],
                            ['link', 'set', 'bt0', 'up']):
                    subprocess.run(['ip', '-n', ns] + cmd, check=True)
                subprocess.run(['ip', 'netns', 'exec', ns, 'ping', '-c', '1',
                                '-W', '1', '10.80.0.2'], capture_output=True)
                want = frame(b'\xff' * 6, mac, 0x0806,
                             bytes.fromhex('0001080006040001') + mac +
                             bytes([10, 80, 0, 1]) + b'\0' * 6 +
                             bytes([10, 80, 0, 2]))
                got = []
                # frames of the link's start come too
                deadline = time.monotonic() + harness.PATIENCE
                while time.monotonic() < deadline:
                    got += harness.read_packets(b, 1, timeout=0.5)
                    if want in [f[:len(want)] for f in got]:
                        break
                arp = [f for f in got if f[12:14] == b'\x08\x06']
                check(want in [f[:len(want)] for f in arp],
                      'the kernel tap\'s ARP request for 10.80.0.2 '
                      'arrives whole on the other unit (%d ARP of %d '
                      'frames)' % (len(arp), len(got)))
            finally:
                br.signal(signal.SIGTERM)
                check_eq(br.wait(harness.PATIENCE), 0,
                         'bridge: exit 0 at SIGTERM')
                os.close(b)
    finally:
        subprocess.run(['ip', 'netns', 'del', ns])


def main():
    with harness.Session() as s:
        probe_refused(s)
        frames_both_ways(s)
        bridge_node(s)


harness.run_main(main)
