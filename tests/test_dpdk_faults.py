#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Faults on the DPDK side, with clients attached:

1. port stop/start in the middle of a verified stream (both ports, three
   times): the clients keep their units, the link follows the port, no
   packet is lost;
2. port close (then device detach and attach again), and port detach
   (then attach again), under a client blocked in read: its read fails
   ENXIO, and so do write, a nonblocking read; bsdtun_fd() reports POLLHUP;
   the re-attached port works, nothing leaks;
3. mempool exhaustion on rx (2048 mbufs of 128 data bytes, jumbo packets):
   rx_nombuf counted, the ring intact, no packet lost once mbufs return;
4. the DPDK process dies (kill -9) under a client blocked in read: the read
   fails ENXIO at once instead of hanging; a new testpmd on the same
   endpoint (stale socket file) works."""
import os
import re
import subprocess
import time

import harness
from harness import check, check_eq, tuntest

DEATH = os.path.join(harness.BUILD, 'tests', 'death_client')
ENXIO = 6
POLLIN_POLLHUP = 0x11


def fd_count(pid):
    return len(os.listdir('/proc/%d/fd' % pid))


def finish(proc, what, timeout=120):
    out = proc.communicate(timeout=timeout)[0]
    print(out, flush=True)
    check_eq(proc.returncode, 0, what)
    return out


def reporter(sock):
    """death_client report: blocks in read; returns (proc, first line)."""
    proc = subprocess.Popen([DEATH, 'report', sock], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    return proc, proc.stdout.readline().strip()


def blocked_in_read(proc, what):
    """Wait until the report client sleeps in its read (bsdtun_read():
    poll(2) on its bell, no timeout)."""
    check(harness.wait_blocked(proc.pid,
                               (harness.SYS_POLL, harness.SYS_PPOLL)),
          '%s: the client sleeps in read' % what)


def check_report(proc, what, t0):
    """The blocked reader woke up: every call fails ENXIO, POLLHUP.  Its
    sleep has no timeout: only the unit going away ends it (a deadline
    of harness.PATIENCE tells that from a hang on a loaded machine)."""
    try:
        out = proc.communicate(timeout=harness.PATIENCE)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        out = proc.communicate()[0]
    secs = time.monotonic() - t0
    print(out, flush=True)
    check(proc.returncode == 0,
          '%s: the client blocked in read woke up (%.2f s, exit %r)' %
          (what, secs, proc.returncode))
    got = {}
    for m in re.finditer(r'^(read|write|read_nb) (-?\d+) errno (\d+)$', out,
                         re.M):
        got[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    m = re.search(r'^poll (\d+) revents 0x([0-9a-f]+)$', out, re.M)
    if m:
        got['poll'] = (int(m.group(1)), int(m.group(2), 16))
    check_eq(got, {'read': (-1, ENXIO), 'write': (-1, ENXIO),
                   'read_nb': (-1, ENXIO), 'poll': (1, POLLIN_POLLHUP)},
             '%s: read, write, nonblocking read fail ENXIO; poll POLLHUP' %
             what)


def rings(pmd, ports=(0, 1)):
    """Records queued on each port's ring to DPDK (its one session)."""
    return [sum(r['to_dpdk'] for r in
                harness.regions(pmd.pid, 'net_bsdtun%d' % p))
            for p in ports]


def rings_full(pmd):
    return rings(pmd) == [64, 64]


def stop_start(s):
    """1. port stop/start under a verified stream each way."""
    count = 300000
    # --no-flush-rx: testpmd's "start" would otherwise drain and free what
    # the clients queued meanwhile (an application drop, not the PMD's)
    with s.testpmd(['qlen=64'] * 2,
                   args=['--forward-mode=io', '--no-flush-rx']) as pmd:
        # lossless forwarding: a full ring makes testpmd wait, not drop
        pmd.cmd('set fwd io retry')
        pmd.cmd('set burst tx delay 10 retry 100000')
        pmd.cmd('start')
        a = tuntest('traffic', pmd.sock(0), '--stream', 1, '--peer-stream', 2,
                    '--count', count, '--ifhead', '--quiet', '--timeout', 30)
        b = tuntest('traffic', pmd.sock(1), '--stream', 2, '--peer-stream', 1,
                    '--count', count, '--ifhead', '--quiet', '--timeout', 30)
        x0 = [pmd.xstats(p) for p in (0, 1)]
        for rnd, port in enumerate((0, 1, 0)):
            tx = pmd.port_stats(1 - port)['TX-packets']
            moving = harness.wait_for(
                lambda: pmd.port_stats(1 - port)['TX-packets'] > tx + 20000,
                harness.PATIENCE, 0.02)
            check(moving, 'stop/start %d: traffic flows' % rnd)
            pmd.cmd('stop')
            pmd.cmd('port stop %d' % port)
            check_eq(pmd.link(port), 'down',
                     'stop/start %d: port %d stopped: link down' %
                     (rnd, port))
            # both clients run into full rings: nothing reads them
            check(harness.wait_for(lambda: rings_full(pmd)),
                  'stop/start %d: both clients filled their rings to '
                  'DPDK (%s)' % (rnd, rings(pmd)))
            check_eq((a.poll(), b.poll()), (None, None),
                     'stop/start %d: both clients still running' % rnd)
            pmd.cmd('port start %d' % port)
            check_eq(pmd.link(port), 'up',
                     'stop/start %d: port %d started, client holds it: '
                     'link up' % (rnd, port))
            pmd.cmd('start')
        finish(a, 'stop/start: stream 1 sent, stream 2 received, verified')
        finish(b, 'stop/start: stream 2 sent, stream 1 received, verified')
        x1 = [pmd.xstats(p) for p in (0, 1)]
        for p in (0, 1):
            check_eq({k: x1[p][k] - x0[p][k] for k in (
                'client_closes', 'rx_ring_corrupt', 'tx_ring_corrupt',
                'to_client_purged', 'to_dpdk_purged')},
                {'client_closes': 1, 'rx_ring_corrupt': 0,
                 'tx_ring_corrupt': 0, 'to_client_purged': 0,
                 'to_dpdk_purged': 0},
                'stop/start: port %d closed once (at the end), nothing '
                'purged' % p)
        pmd.cmd('stop')
        check_eq(pmd.wait_mbufs(0), 0, 'stop/start: mbufs in use')


def close_attach(s):
    """2. port close / detach and attach again under a blocked reader."""
    with s.testpmd(['qlen=64'] * 2, args=['--forward-mode=io']) as pmd:
        pmd.cmd('start')
        pid = pmd.proc.pid
        fd_base = fd_count(pid)
        devargs = 'net_bsdtun0,sock=%s,qlen=64' % pmd.sock(0)
        for how in ('close', 'detach'):
            proc, first = reporter(pmd.sock(0))
            check_eq(first, 'OPEN', '%s: client holds port 0' % how)
            blocked_in_read(proc, how)
            pmd.cmd('stop')
            pmd.cmd('port stop 0')
            t0 = time.monotonic()
            if how == 'close':
                pmd.cmd('port close 0', expect=r'Port 0 is closed')
                check_report(proc, 'port close', t0)
                pmd.cmd('device detach net_bsdtun0',
                        expect=r'Device net_bsdtun0 is detached')
            else:
                pmd.cmd('port detach 0', expect=r'Device is detached')
                check_report(proc, 'port detach', t0)
            check(not os.path.exists(pmd.sock(0)),
                  '%s: endpoint removed' % how)
            pmd.cmd('port attach ' + devargs,
                    expect=r'Port 0 is attached')
            pmd.cmd('port start 0')
            pmd.cmd('start')
            pmd.verify('%s, attach: tuntest verify through the new port' %
                       how, window=64)
            check_eq(fd_count(pid), fd_base,
                     '%s, attach: testpmd descriptors' % how)
        pmd.cmd('stop')
        check_eq(pmd.wait_mbufs(0), 0, 'close/attach: mbufs in use')


def nombuf(s):
    """3. rx mempool exhaustion: counted, nothing lost."""
    count = 3000
    args = ['--forward-mode=io', '--no-flush-rx', '--total-num-mbufs=2048',
            '--mbuf-size=256', '--mbcache=0', '--enable-scatter',
            '--max-pkt-len=16398']
    with s.testpmd(['qlen=64'] * 2, args=args) as pmd:
        pmd.cmd('set fwd io retry')
        pmd.cmd('set burst tx delay 10 retry 100000')
        # forwarding stopped: the sender fills its ring (64 packets of 8 to
        # 16 KB = 64 to 128 mbufs of 128 bytes each) before the first rx
        # burst, which then needs more mbufs than the pool holds
        rcv = tuntest('recv', pmd.sock(1), '--count', count, '--min', 8000,
                      '--max', 16000, '--quiet', '--timeout', 30)
        pmd.wait_xstat(1, 'client_opens', 1)
        snd = tuntest('send', pmd.sock(0), '--count', count, '--min', 8000,
                      '--max', 16000, '--quiet', '--timeout', 30)
        pmd.wait_xstat(0, 'client_opens', 1)
        check(harness.wait_for(lambda: rings(pmd, (0,)) == [64]),
              'nombuf: the sender filled its ring (%s records of 64)' %
              rings(pmd, (0,)))
        pmd.cmd('start')
        finish(snd, 'nombuf: %d jumbo packets sent' % count)
        out = finish(rcv, 'nombuf: %d jumbo packets received in order, '
                     'byte-exact' % count)
        check(' received %d lost 0 reordered 0 corrupt 0 ' % count in out,
              'nombuf: receiver counts')
        xs = pmd.xstats(0)
        ps = pmd.port_stats(0)
        check(xs['rx_nombuf'] > 0, 'nombuf: rx_nombuf counted (%d)' %
              xs['rx_nombuf'])
        check_eq(ps['RX-nombuf'], xs['rx_nombuf'],
                 'nombuf: RX-nombuf in port stats')
        check_eq((ps['RX-packets'], ps['RX-errors'], xs['rx_ring_corrupt'],
                  xs['to_dpdk_purged']), (count, 0, 0, 0),
                 'nombuf: port 0 RX-packets, RX-errors, rx_ring_corrupt, '
                 'to_dpdk_purged')
        pmd.cmd('stop')
        check_eq(pmd.wait_mbufs(0), 0, 'nombuf: mbufs in use')


def dpdk_dies(s):
    """4. kill -9 of testpmd under a client blocked in read."""
    units = ['sock=%s,qlen=64' % s.path('dies%d.sock' % i) for i in (0, 1)]
    pmd = s.testpmd(units, args=['--forward-mode=io'])
    pmd.start()
    pmd.cmd('start')
    proc, first = reporter(pmd.sock(0))
    check_eq(first, 'OPEN', 'dies: client holds port 0')
    blocked_in_read(proc, 'dies')
    t0 = time.monotonic()
    pmd.proc.kill()
    check_report(proc, 'testpmd killed', t0)
    check_eq(pmd.wait_exit(), -9, 'dies: testpmd died of SIGKILL')
    s.release_prefix(pmd.prefix)
    check(os.path.exists(pmd.sock(0)), 'dies: stale socket file left')
    with s.testpmd(units, args=['--forward-mode=io']) as again:
        again.cmd('start')
        again.verify('dies: a new testpmd on the same endpoints works',
                     window=64)


def main():
    with harness.Session() as s:
        stop_start(s)
        close_attach(s)
        nombuf(s)
        dpdk_dies(s)


harness.run_main(main)
