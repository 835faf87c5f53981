#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The Linux tun personality (doc/behaviour.md "Linux tun and tap"), where
it meets the DPDK side: the rows tuntest conform cannot see from a client.

- multi-queue units (queues=2): a single-queue TUNSETIFF EINVAL, then
  IFF_MULTI_QUEUE on every pair; per-pair delivery; TUNSETQUEUE detaches a
  pair (its file reads and writes EBADFD, what DPDK sends to it is dropped
  and counted, qI_tx_detached) and attaches it again;
- a write with the ring to DPDK full (the app not polling) returns its
  length, as on Linux: the packet is dropped and counted on the DPDK side
  (rx_client_full, the client's report), on both faces; once the app
  polls again the queued ones arrive; a BSD open still fails ENOBUFS;
- socat, unmodified (tuntest run), through a burst of 200 packets while
  nothing polls: it keeps running, 150 drops counted, and afterwards
  packets cross it both ways;
- ssh -w (OpenSSH, unmodified, tuntest run) the same: a burst of 200 from
  its sshd's side while nothing polls, 150 drops counted, ssh lives, and
  ping through it gets 5 of 5 afterwards;
- a write whose tun_pi names a protocol the unit cannot carry succeeds, as
  on Linux, and the DPDK side drops and counts it (rx_bad_family);
- TUNSETCARRIER is the DPDK link: off takes it down, on brings it back;
- TUNSETOWNER (library face, by value): only that user (or root) may
  TUNSETIFF afterwards, on either face; another admitted user EPERM;
- a caller that is not root: TUNSETIFF through the device node works, the
  node reads and writes its struct ifreq (the DPDK process is root);
- the personality is the open's: what a Linux open set is gone at close.

The device node is driven with plain system calls (os.open, fcntl.ioctl),
the library face by tests/lib_client.
"""
import collections
import errno
import fcntl
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys

import harness
from harness import check, check_eq, errno_of

TUNSETIFF = 0x400454ca
TUNGETIFF = 0x800454d2
TUNSETQUEUE = 0x400454d9
IFF_NO_CARRIER = 0x0040
TUNSETCARRIER = 0x400454e2
TUNSETOWNER = 0x400454cc
IFF_TUN, IFF_NO_PI, IFF_MULTI_QUEUE = 0x0001, 0x1000, 0x0100
IFF_ATTACH_QUEUE, IFF_DETACH_QUEUE = 0x0200, 0x0400
NOBODY = 65534
LIB_CLIENT = os.path.join(harness.BUILD, 'tests', 'lib_client')


def ifreq(name=b'', flags=0):
    return struct.pack('16sH22x', name, flags)


def linux_open(node, flags):
    fd = harness.open_node(node)
    r = fcntl.ioctl(fd, TUNSETIFF, ifreq(b'', flags))
    return fd, r[:16].rstrip(b'\0').decode()


def multi_queue(s):
    n0, n1 = s.path('mq0'), s.path('mq1')
    with s.testpmd(['queues=2,cdev=' + n0, 'queues=2,cdev=' + n1],
                   args=['--forward-mode=io', '--rxq=2', '--txq=2',
                         '--no-flush-rx']) as pmd:
        pmd.cmd('start')
        fd = harness.open_node(n0)
        check_eq(errno_of(lambda: fcntl.ioctl(
            fd, TUNSETIFF, ifreq(b'', IFF_TUN | IFF_NO_PI))), errno.EINVAL,
            'single-queue TUNSETIFF on a 2-pair unit: EINVAL')
        os.close(fd)
        mq = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE
        a = [linux_open(n0, mq)[0] for _ in range(2)]
        b = [linux_open(n1, mq)[0] for _ in range(2)]
        try:
            for i in range(2):
                p = harness.ipv4_packet(i + 1, 10 + i, 80)
                os.write(a[i], p)
                harness.check_packets(harness.read_packets(b[i], 1), [p],
                                      'IFF_MULTI_QUEUE: pair %d to pair %d'
                                      % (i, i))
            fcntl.ioctl(b[1], TUNSETQUEUE, ifreq(b'', IFF_DETACH_QUEUE))
            check(True, 'TUNSETQUEUE IFF_DETACH_QUEUE on pair 1')
            check_eq((errno_of(lambda: os.read(b[1], 2000)),
                      errno_of(lambda: os.write(b[1], p)),
                      errno_of(lambda: fcntl.ioctl(b[1], TUNGETIFF,
                                                 ifreq()))),
                     (errno.EBADFD,) * 3,
                     'detached: read, write, TUNGETIFF fail EBADFD')
            check_eq((errno_of(lambda: fcntl.ioctl(
                b[1], TUNSETQUEUE, ifreq(b'', IFF_DETACH_QUEUE))),
                errno_of(lambda: fcntl.ioctl(b[1], TUNSETIFF,
                                           ifreq(b'', mq)))),
                (errno.EINVAL, errno.EINVAL),
                'detached: detach again, TUNSETIFF: EINVAL')
            for k in range(3):
                os.write(a[1], harness.ipv4_packet(2, 20 + k, 80))
            pmd.wait_xstat(1, 'q1_tx_detached', 3)
            check_eq(pmd.xstats(1)['q1_tx_detached'], 3,
                     'what DPDK sends to the detached pair: 3 dropped, '
                     'counted q1_tx_detached')
            fcntl.ioctl(b[1], TUNSETQUEUE, ifreq(b'', IFF_ATTACH_QUEUE))
            check(harness.fd_quiet(b[1]), 'attached again: none of the '
                  'dropped packets waits')
            p = harness.ipv4_packet(2, 30, 80)
            os.write(a[1], p)
            harness.check_packets(harness.read_packets(b[1], 1), [p],
                                  'IFF_ATTACH_QUEUE: pair 1 delivers again')
            check_eq(errno_of(lambda: fcntl.ioctl(
                b[1], TUNSETQUEUE, ifreq(b'', IFF_ATTACH_QUEUE))),
                errno.EINVAL, 'attach while attached: EINVAL')
        finally:
            for fd in a + b:
                os.close(fd)


def carrier(s):
    n0, n1 = s.path('c0'), s.path('c1')
    with s.testpmd(['cdev=' + n0, 'cdev=' + n1],
                   args=['--forward-mode=io']) as pmd:
        pmd.cmd('start')
        fd, _ = linux_open(n1, IFF_TUN)
        p = harness.ipv4_packet(3, 40, 60)
        check_eq(os.write(fd, b'\0\0\x12\x34' + p), 64,
                 'tun_pi proto 0x1234: the write succeeds, as on Linux')
        check_eq(pmd.wait_xstat(1, 'rx_bad_family', 1)['rx_bad_family'], 1,
                 'and the DPDK side drops and counts it: rx_bad_family')
        harness.wait_for(lambda: pmd.link(1) == 'up')
        check_eq(pmd.link(1), 'up', 'held: the link is up')
        fcntl.ioctl(fd, TUNSETCARRIER, struct.pack('i', 0))
        check(harness.wait_for(lambda: pmd.link(1) == 'down'),
              'TUNSETCARRIER 0: the DPDK link goes down')
        fcntl.ioctl(fd, TUNSETCARRIER, struct.pack('i', 1))
        check(harness.wait_for(lambda: pmd.link(1) == 'up'),
              'TUNSETCARRIER 1: the link comes back up')
        os.close(fd)
        check(harness.wait_for(lambda: pmd.link(1) == 'down'),
              'closed: the link is down')
        # IFF_NO_CARRIER (Linux 6.3): the carrier off until asked
        fd, _ = linux_open(n1, IFF_TUN | IFF_NO_CARRIER)
        check(harness.wait_for(lambda: pmd.link(1) == 'down'),
              'TUNSETIFF IFF_NO_CARRIER: the link is down while held')
        fcntl.ioctl(fd, TUNSETCARRIER, struct.pack('i', 1))
        check(harness.wait_for(lambda: pmd.link(1) == 'up'),
              'then TUNSETCARRIER 1: the link comes up')
        os.close(fd)


def write_result(fd, p):
    """os.write(fd, p): its length, or -errno."""
    try:
        return os.write(fd, p)
    except OSError as e:
        return -e.errno


def full_ring(s):
    """Port 0's client a Linux tun file, testpmd not forwarding (its
    ports started, nobody polls): each write returns its length; qlen of
    them wait on the ring, the rest are dropped, as a Linux stack drops
    what it cannot take, and the DPDK side counts them (rx_client_full,
    the client's report). Forwarding again, the queued ones reach port 1,
    in order, and traffic flows. Both faces; a BSD open still ENOBUFS."""
    n0, n1 = s.path('full0'), s.path('full1')
    qlen = 50
    with s.testpmd(['cdev=%s,qlen=%d' % (n0, qlen), 'cdev=' + n1],
                   args=['--forward-mode=io', '--no-flush-rx']) as pmd:
        # the device node
        fd, _ = linux_open(n0, IFF_TUN | IFF_NO_PI)
        rfd, _ = linux_open(n1, IFF_TUN | IFF_NO_PI)
        pkts = [harness.ipv4_packet(4, i, 64) for i in range(110)]
        got = collections.Counter(write_result(fd, p) for p in pkts[:100])
        check_eq(dict(got), {64: 100}, 'node: 100 writes to a Linux tun '
                 'file, nobody polling: every one returns 64')
        check_eq(pmd.xstats(0).get('rx_client_full'), 100 - qlen,
                 'node: the %d beyond the ring (qlen %d) dropped, counted '
                 'rx_client_full' % (100 - qlen, qlen))
        pmd.cmd('start')
        harness.check_packets(harness.read_packets(rfd, qlen), pkts[:qlen],
                              'node: forwarding, the %d queued arrive' % qlen)
        for p in pkts[100:]:
            os.write(fd, p)
        harness.check_packets(harness.read_packets(rfd, 10), pkts[100:],
                              'node: and traffic flows')
        pmd.fwd_stop()
        os.close(fd)
        # a BSD open: the ring full is ENOBUFS, nothing dropped
        fd = harness.open_node(n0)
        n = 0
        while n <= qlen and errno_of(lambda: os.write(fd, pkts[n])) == 0:
            n += 1
        check_eq((n, errno_of(lambda: os.write(fd, pkts[n]))),
                 (qlen, errno.ENOBUFS),
                 'node, a BSD tun open: %d fit, then ENOBUFS' % qlen)
        check_eq(pmd.xstats(0).get('rx_client_full'), 100 - qlen,
                 'a BSD open drops nothing: rx_client_full unchanged')
        os.close(fd)
        os.close(rfd)
        # the library face, once the node's files have closed the units
        # (the BSD open's packets purged)
        check(harness.wait_for(lambda: pmd.link(0) == pmd.link(1) == 'down'),
              'the node files closed')
        pmd.cmd('clear port xstats all')

        def on_wait(what):
            check_eq(pmd.xstats(0).get('rx_client_full'), 100 - qlen,
                     'library: the %d beyond the ring dropped, counted '
                     'rx_client_full' % (100 - qlen))
            pmd.cmd('start')
        harness.run_client([LIB_CLIENT, pmd.sock(0), 'linux_full',
                            '%d,%s' % (qlen, pmd.sock(1))],
                           'library: Linux tun writes, the ring full',
                           on_wait=on_wait)
        check_eq(pmd.xstats(0).get('rx_client_full'), 100 - qlen,
                 'library: no more drops while forwarding')
        pmd.fwd_stop()
        # drops the client reported and closed before anybody asked
        # (no burst, no xstats call between): counted at its close
        check(harness.wait_for(lambda: pmd.link(0) == 'down'),
              'the library client closed')
        pmd.cmd('clear port xstats all')
        fd, _ = linux_open(n0, IFF_TUN | IFF_NO_PI)
        got = collections.Counter(write_result(fd, p) for p in pkts[:100])
        os.close(fd)
        check(harness.wait_for(lambda: pmd.link(0) == 'down'),
              'node: closed right after its writes')
        check_eq((dict(got), pmd.xstats(0).get('rx_client_full'),
                  pmd.xstats(0).get('to_dpdk_purged')),
                 ({64: 100}, 100 - qlen, qlen),
                 'node: closed after 100 writes, none asked: %d dropped '
                 'counted at its close, %d purged' % (100 - qlen, qlen))


def send_all(sk, to, pkts):
    """Each of pkts a datagram on sk to to; how many went."""
    for i, q in enumerate(pkts):
        try:
            sk.sendto(q, to)
        except OSError as e:  # the receiver gone, its socket with it
            print('sendto: %s' % e, flush=True)
            return i
    return len(pkts)


def socat_burst(s):
    """socat, unmodified, on unit 0's node (tuntest run): its TUN address
    (TUNSETIFF IFF_TUN|IFF_NO_PI) and a Unix datagram socket, one packet
    per datagram. 200 datagrams while testpmd does not forward: socat
    writes them all and keeps running (on Linux ENOBUFS would end it:
    "write(...): No buffer space available"), the 150 beyond the ring are
    counted rx_client_full; forwarding again, the 50 queued reach unit 1,
    and packets cross socat both ways."""
    if not check(shutil.which('socat') is not None,
                 'socat installed (devtools/setup.sh)'):
        return
    qlen, burst = 50, 200
    n0, n1 = s.path('so0'), s.path('so1')
    ns = 'bsdtun-lx-%d' % os.getpid()
    check_eq(harness.run_cmd(['ip', 'netns', 'add', ns]).returncode, 0,
             'ip netns add ' + ns)
    try:
        with s.testpmd(['cdev=%s,qlen=%d' % (n0, qlen), 'cdev=' + n1],
                       args=['--forward-mode=io', '--no-flush-rx']) as pmd:
            rfd, _ = linux_open(n1, IFF_TUN | IFF_NO_PI)
            us, them = s.path('us.sock'), s.path('socat.sock')
            sk = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sk.bind(us)
            sk.settimeout(10)
            p = s.spawn([harness.TUNTEST, 'run', '--netns', ns, '--ifname',
                         'tun8', n0, '--', 'socat', '-d', '-d',
                         'UNIX-SENDTO:%s,bind=%s' % (us, them),
                         'TUN,tun-name=tun8,iff-no-pi'], 'socat', echo=True)
            check(harness.wait_for(lambda: pmd.link(0) == 'up' and
                                   os.path.exists(them), 15),
                  'socat holds unit 0 and listens')
            pkts = [harness.ipv4_packet(5, i, 64) for i in range(burst + 5)]
            check_eq(send_all(sk, them, pkts[:burst]), burst,
                     'socat took the %d datagrams' % burst)
            drops = burst - qlen
            got = pmd.wait_xstat(0, 'rx_client_full', drops, 15)
            check_eq(got.get('rx_client_full'), drops,
                     'socat wrote %d packets, nobody polling: %d dropped, '
                     'counted rx_client_full' % (burst, drops))
            errs = [ln for ln in p.output.splitlines() if ' E ' in ln]
            check(p.running() and not errs,
                  'socat keeps running, no error (%s)' % '; '.join(errs))
            pmd.cmd('start')
            harness.check_packets(harness.read_packets(rfd, qlen),
                                  pkts[:qlen], 'forwarding: the %d queued '
                                  'arrive at unit 1' % qlen)
            back = [harness.ipv4_packet(6, i, 80) for i in range(5)]
            got = []
            for q in back:
                os.write(rfd, q)
                try:
                    got.append(sk.recv(65536))
                except socket.timeout:
                    break
            harness.check_packets(got, back, 'unit 1 to socat, through '
                                  'testpmd: 5 packets')
            send_all(sk, them, pkts[burst:])
            harness.check_packets(harness.read_packets(rfd, 5),
                                  pkts[burst:], 'socat to unit 1: 5 more')
            check(p.running(), 'socat still running')
            p.signal(signal.SIGTERM)
            p.wait(harness.PATIENCE)
            pmd.fwd_stop()
            os.close(rfd)
            sk.close()
    finally:
        harness.run_cmd(['ip', 'netns', 'del', ns])


def icmp_echo_reply(req):
    """The IPv4 ICMP echo reply to the echo request req (no IP options),
    addresses swapped, both checksums computed."""
    def csum(b):
        if len(b) % 2:
            b += b'\0'
        c = sum(struct.unpack('!%dH' % (len(b) // 2), b))
        while c >> 16:
            c = (c >> 16) + (c & 0xffff)
        return ~c & 0xffff
    ihl = (req[0] & 0xf) * 4
    hdr = bytearray(req[:ihl])
    hdr[12:16], hdr[16:20] = req[16:20], req[12:16]
    hdr[10:12] = b'\0\0'
    hdr[10:12] = struct.pack('!H', csum(bytes(hdr)))
    icmp = bytearray(req[ihl:])
    icmp[0], icmp[2:4] = 0, b'\0\0'
    icmp[2:4] = struct.pack('!H', csum(bytes(icmp)))
    return bytes(hdr + icmp)


def ssh_config(d, addr, port):
    """Keys and an sshd_config in d for root's key login on addr:port with
    PermitTunnel; returns (sshd argv, ssh argv without -w)."""
    for k in ('host', 'user'):
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f',
                        os.path.join(d, k)], check=True, capture_output=True,
                       timeout=60)
    shutil.copy(os.path.join(d, 'user.pub'), os.path.join(d, 'keys'))
    cfg = os.path.join(d, 'sshd_config')
    with open(cfg, 'w') as f:
        f.write('Port %d\nListenAddress %s\nHostKey %s\n'
                'AuthorizedKeysFile %s\nPermitRootLogin prohibit-password\n'
                'PasswordAuthentication no\nKbdInteractiveAuthentication no\n'
                'UsePAM no\nStrictModes no\nPermitTunnel yes\n'
                'PidFile none\nUseDNS no\n' %
                (port, addr, os.path.join(d, 'host'), os.path.join(d, 'keys')))
    os.makedirs('/run/sshd', mode=0o755, exist_ok=True)  # privsep
    return (['/usr/sbin/sshd', '-D', '-e', '-f', cfg],
            ['ssh', '-F', '/dev/null', '-i', os.path.join(d, 'user'),
             '-o', 'StrictHostKeyChecking=no', '-o',
             'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
             '-o', 'ServerAliveInterval=0', '-o', 'Tunnel=point-to-point',
             '-p', str(port), '-N'])


def ssh_burst(s):
    """OpenSSH's ssh -w, unmodified, on unit 0's node (tuntest run), its
    peer an sshd (PermitTunnel) on a kernel tun in another namespace,
    across a veth pair.  200 UDP packets routed into the sshd's tun while
    testpmd does not forward: ssh writes them all to the unit and keeps
    running (on Linux, with ENOBUFS, ssh would log "write failed" and
    close the channel), the 150 beyond the ring are counted
    rx_client_full; forwarding again, the 50 queued reach unit 1 in order,
    and ping from the sshd's side through ssh and testpmd to unit 1 (where
    this test answers) gets 5 of 5."""
    sshd_bin = '/usr/sbin/sshd'
    if not check(shutil.which('ssh') is not None and
                 os.access(sshd_bin, os.X_OK) and
                 shutil.which('ssh-keygen') is not None,
                 'OpenSSH client and server installed (devtools/setup.sh)'):
        return
    qlen, burst, port = 50, 200, 2222
    n0, n1 = s.path('sh0'), s.path('sh1')
    d = s.path('ssh')
    os.mkdir(d, 0o700)
    nb, nc = 'bsdtun-shb-%d' % os.getpid(), 'bsdtun-shc-%d' % os.getpid()
    sshd_argv, ssh_argv = ssh_config(d, '192.168.79.2', port)
    try:
        for ns, dev, addr in ((nb, 'shb0', '192.168.79.1/24'),
                              (nc, 'shc0', '192.168.79.2/24')):
            check_eq(harness.run_cmd(['ip', 'netns', 'add', ns]).returncode,
                     0, 'ip netns add ' + ns)
        check_eq(harness.run_cmd(['ip', 'link', 'add', 'shb0', 'netns', nb,
                                  'type', 'veth', 'peer', 'name', 'shc0',
                                  'netns', nc]).returncode, 0, 'veth pair')
        for ns, dev, addr in ((nb, 'shb0', '192.168.79.1/24'),
                              (nc, 'shc0', '192.168.79.2/24')):
            for cmd in (['addr', 'add', addr, 'dev', dev],
                        ['link', 'set', dev, 'up'],
                        ['link', 'set', 'lo', 'up']):
                harness.run_cmd(['ip', '-n', ns] + cmd)
        # no IPv6 on the sshd's tun: only the test's packets cross it
        for k in ('all', 'default'):
            harness.ns_exec(nc, ['sysctl', '-q', '-w',
                                 'net.ipv6.conf.%s.disable_ipv6=1' % k])
        with s.testpmd(['cdev=%s,qlen=%d' % (n0, qlen), 'cdev=' + n1],
                       args=['--forward-mode=io', '--no-flush-rx']) as pmd:
            rfd, _ = linux_open(n1, IFF_TUN | IFF_NO_PI)
            sshd = s.spawn(['ip', 'netns', 'exec', nc] + sshd_argv, 'sshd',
                           echo=True)
            check(harness.wait_for(lambda: ':%d ' % port in harness.ns_exec(
                nc, ['ss', '-ltnH'], echo=False).stdout, 30),
                  'sshd listens')
            p = s.spawn([harness.TUNTEST, 'run', '--netns', nb, '--ifname',
                         'tun0', n0, '--'] + ssh_argv +
                        ['-w', '0:0', 'root@192.168.79.2'], 'ssh', echo=True)

            def tunnel_up():
                return pmd.link(0) == 'up' and harness.ns_exec(
                    nc, ['ip', 'link', 'show', 'tun0'],
                    echo=False).returncode == 0
            if not check(harness.wait_for(tunnel_up, 30),
                         'ssh holds unit 0, sshd made its tun0'):
                return
            for cmd in (['addr', 'add', '10.9.0.1', 'peer', '10.9.0.2',
                         'dev', 'tun0'], ['link', 'set', 'tun0', 'up']):
                check_eq(harness.run_cmd(['ip', '-n', nc] + cmd).returncode,
                         0, 'ip ' + ' '.join(cmd))
            code = ('import socket\n'
                    's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n'
                    'for i in range(%d):\n'
                    '    s.sendto(b"burst %%04d" %% i, ("10.9.0.2", 9))\n'
                    % burst)
            check_eq(harness.ns_exec(nc, ['python3', '-c', code]).returncode,
                     0, '%d UDP datagrams routed into the sshd\'s tun0'
                     % burst)
            drops = burst - qlen
            got = pmd.wait_xstat(0, 'rx_client_full', drops, 30)
            check_eq(got.get('rx_client_full'), drops,
                     'ssh wrote %d packets, nobody polling: %d dropped, '
                     'counted rx_client_full' % (burst, drops))
            check(p.running() and sshd.running(),
                  'ssh and sshd keep running')
            pmd.cmd('start')
            pkts = harness.read_packets(rfd, qlen)
            want = [b'burst %04d' % i for i in range(qlen)]
            check([q[28:] for q in pkts] == want,
                  'forwarding: the %d queued arrive at unit 1, in order '
                  '(%d came, payloads %s..%s)' % (
                      qlen, len(pkts), pkts[0][28:] if pkts else '-',
                      pkts[-1][28:] if pkts else '-'))
            ping = subprocess.Popen(['ip', 'netns', 'exec', nc, 'ping',
                                     '-c', '5', '-i', '0.2', '-W', '10',
                                     '10.9.0.2'], stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True)
            answered = 0
            try:
                while answered < 5:
                    req = harness.read_packets(rfd, 1)
                    if not req:
                        break
                    q = req[0]
                    if len(q) >= 28 and q[9] == 1 and q[20] == 8:
                        os.write(rfd, icmp_echo_reply(q))
                        answered += 1
                out = ping.communicate(timeout=harness.PATIENCE)[0]
            finally:
                if ping.poll() is None:
                    ping.kill()
                    ping.wait()
            print(out, flush=True)
            check_eq((answered, ping.returncode,
                      '5 packets transmitted, 5 received' in out),
                     (5, 0, True), 'afterwards: ping through ssh, 5 of 5')
            check(p.running(), 'ssh still running')
            p.signal(signal.SIGTERM)
            p.wait(harness.PATIENCE)
            sshd.signal(signal.SIGTERM)
            sshd.wait(harness.PATIENCE)
            pmd.fwd_stop()
            os.close(rfd)
    finally:
        for ns in (nb, nc):
            harness.run_cmd(['ip', 'netns', 'del', ns])


def node_setiff_as(uid, node):
    """TUNSETIFF on node as uid: (errno or 0, the name it got)."""
    code = ('import fcntl, os, struct, sys\n'
            'fd = os.open(sys.argv[1], os.O_RDWR)\n'
            'try:\n'
            '    r = fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH22x", '
            'b"", 0x1001))\n'
            '    print("OK", r[:16].rstrip(b"\\0").decode())\n'
            'except OSError as e:\n'
            '    print("ERR", e.errno)\n')
    # the system's interpreter: another user may run it
    out = subprocess.run(['/usr/bin/python3', '-c', code, node],
                         preexec_fn=harness.as_user(uid),
                         capture_output=True, text=True, timeout=30).stdout
    word = out.split()
    return (0, word[1]) if word[:1] == ['OK'] else (int(word[1]), '')


def owner(s):
    n0 = s.path('own0')
    os.chmod(s.dir, 0o755)
    with s.testpmd(['cdev=' + n0 + ',perm=0666'],
                   args=['--forward-mode=io']) as pmd:
        got, name = node_setiff_as(NOBODY, n0)
        check_eq((got, name), (0, 'net_bsdtun0'),
                 'a caller that is not root: TUNSETIFF through the node '
                 '(its struct ifreq read and written)')
        harness.wait_for(lambda: pmd.link(0) == 'down')
        harness.run_client([LIB_CLIENT, pmd.sock(0), 'linux_owner',
                            '4242'], 'library: TUNSETOWNER 4242 by value')
        got, _ = node_setiff_as(NOBODY, n0)
        check_eq(got, errno.EPERM,
                 'owner 4242: user %d admitted, but TUNSETIFF EPERM' % NOBODY)
        fd, _ = linux_open(n0, IFF_TUN)
        check(True, 'owner 4242: root may TUNSETIFF')
        os.close(fd)


def main():
    with harness.Session() as s:
        full_ring(s)
        socat_burst(s)
        ssh_burst(s)
        multi_queue(s)
        carrier(s)
        owner(s)


harness.run_main(main)
