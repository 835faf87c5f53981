#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Multi-queue units (devarg queues=N, doc/pmd.md "Queue pairs").

testpmd forwards (io) between two units with queues=2 and --rxq=2 --txq=2:
rx queue i of one port goes out on tx queue i of the other, so the client
holding pair i of port 0 talks to the client holding pair i of port 1.

- admission: N opens, each on the lowest free pair, the N+1th EBUSY, on the
  library face (tests/lib_client queues) and on the device node (this
  script: open(2)), and across both;
- delivery per pair, both ways, with per-open modes (IFHEAD on one pair
  only), checked byte-exact, and the per-queue stats, ethdev's per-queue
  xstats and the PMD's qI_ xstats exact;
- queue stop/start: a stopped rx queue leaves the client's packets on its
  ring, a stopped tx queue takes nothing, when testpmd forwards around them
  and when an app (tests/app_probe) polls them anyway; both deliver after
  start; rxq/txq_info_get report the state;
- one pair's client killed (kill -9) while the other pair carries traffic:
  the survivor loses nothing; the dead pair drops and counts; a new open
  takes the freed pair;
- telemetry: each pair's holder;
- the link: up while any pair is held, down with the last;
- the port offers N rx and N tx queues (more fail at testpmd's start).
"""
import errno
import fcntl
import os
import re
import signal
import struct

import harness
from harness import check, check_eq

LIB_CLIENT = os.path.join(harness.BUILD, 'tests', 'lib_client')
TUNSIFHEAD = 0x40047460  # _IOW('t', 96, int), the node's encoding


def admission(s):
    """N opens on each face and across them; the N+1th EBUSY."""
    node = s.path('adm')
    with s.testpmd(['queues=3,cdev=' + node]) as pmd:
        harness.run_client([LIB_CLIENT, pmd.sock(0), 'queues', '3'],
                           'lib_client queues 3')
        xs = pmd.xstats(0)
        check_eq((xs['client_opens'], xs['client_refused_busy'],
                  xs['q0_client_opens'], xs['q1_client_opens'],
                  xs['q2_client_opens']), (4, 1, 2, 1, 1),
                 'opens counted per pair (pair 0 twice), 1 refused')
        fds = [harness.open_node(node) for _ in range(3)]
        try:
            try:
                os.close(harness.open_node(node))
                check(False, 'node: open 4 of 3 pairs fails EBUSY')
            except OSError as e:
                check_eq(e.errno, errno.EBUSY,
                         'node: open 4 of 3 pairs fails EBUSY')
            os.close(fds[1])
            # the node's close reaches the PMD after close(2) returned
            tel = harness.Telemetry(pmd.prefix)
            check(harness.wait_for(
                lambda: tel.info('/bsdtun/info,0')['q1_held'] == 0),
                'node: pair 1 free after its close')
            tel.close()
            harness.run_client([LIB_CLIENT, pmd.sock(0), 'queues', '1,1'],
                               'pairs 0 and 2 held through the node: the '
                               'library open gets pair 1, the next EBUSY')
        finally:
            for fd in fds[:1] + fds[2:]:
                os.close(fd)
    with s.testpmd(['queues=16']) as pmd:
        harness.run_client([LIB_CLIENT, pmd.sock(0), 'queues', '16'],
                           'lib_client queues 16')
    with s.testpmd(['']) as pmd:
        harness.run_client([LIB_CLIENT, pmd.sock(0), 'queues', '1'],
                           'lib_client queues 1 (BSD: one open)')


def delivery(s, pmd, a, b):
    """a[i], b[i]: node fds holding pair i of port 0 and port 1."""
    check_eq(fcntl.ioctl(b[1], TUNSIFHEAD, struct.pack('i', 1)),
             struct.pack('i', 1), 'TUNSIFHEAD on port 1 pair 1 only')
    pmd.cmd('start')
    sent = {0: [harness.ipv4_packet(1, i) for i in range(7)],
            1: [harness.ipv4_packet(2, i, 80) for i in range(3)]}
    back = {0: [harness.ipv4_packet(3, i, 100) for i in range(4)],
            1: [harness.ipv4_packet(4, i, 120) for i in range(9)]}
    ifh = struct.pack('!I', 2)  # AF_INET, network order
    for q in (0, 1):
        for p in sent[q]:
            os.write(a[q], p)
        for p in back[q]:
            os.write(b[q], ifh + p if q == 1 else p)
    got_b0 = harness.read_packets(b[0], 7)
    got_b1 = harness.read_packets(b[1], 3)
    got_a0 = harness.read_packets(a[0], 4)
    got_a1 = harness.read_packets(a[1], 9)
    harness.check_packets(got_b0, sent[0], 'port 0 pair 0 -> port 1 pair 0: 7 packets, '
             'byte-exact, in order')
    harness.check_packets(got_b1, [ifh + p for p in sent[1]],
             'port 0 pair 1 -> port 1 pair 1: 3 packets with the IFHEAD '
             'header only that open asked for')
    harness.check_packets(got_a0, back[0], 'port 1 pair 0 -> port 0 pair 0: 4 packets')
    harness.check_packets(got_a1, back[1], 'port 1 pair 1 -> port 0 pair 1: 9 packets')
    check(all(harness.fd_quiet(fd) for fd in a + b), 'nothing else arrived anywhere')
    fwd = pmd.fwd_stop()
    check_eq((fwd[0]['RX-packets'], fwd[1]['RX-packets']), (10, 13),
             'testpmd forwarded 10 and 13 packets')

    l2 = 14
    for port, rx, tx in ((0, (7, 3), (4, 9)), (1, (4, 9), (7, 3))):
        xs = pmd.xstats(port)
        size_rx = [sum(len(p) + l2 for p in
                       (sent if port == 0 else back)[q]) for q in (0, 1)]
        size_tx = [sum(len(p) + l2 for p in
                       (back if port == 0 else sent)[q]) for q in (0, 1)]
        check_eq(tuple(xs['rx_q%d_packets' % q] for q in (0, 1)), rx,
                 'port %d: rx_qI_packets' % port)
        check_eq(tuple(xs['tx_q%d_packets' % q] for q in (0, 1)), tx,
                 'port %d: tx_qI_packets' % port)
        check_eq(tuple(xs['rx_q%d_bytes' % q] for q in (0, 1)),
                 tuple(size_rx), 'port %d: rx_qI_bytes' % port)
        check_eq(tuple(xs['tx_q%d_bytes' % q] for q in (0, 1)),
                 tuple(size_tx), 'port %d: tx_qI_bytes' % port)
        check_eq((xs['rx_good_packets'], xs['tx_good_packets'],
                  xs['tx_no_client'], xs['q0_client_opens'],
                  xs['q1_client_opens']), (sum(rx), sum(tx), 0, 1, 1),
                 'port %d: totals are the sums; each pair opened once'
                 % port)
    st = pmd.port_stats(1)
    check_eq((st['RX-packets'], st['TX-packets']), (13, 10),
             'port 1 stats: the totals')


def stop_start(s, pmd, a, b):
    """Stopped queues keep their packets; start delivers them.  testpmd
    changes a queue's state only while it does not forward."""
    pmd.cmd('port 0 rxq 1 stop')
    info = pmd.cmd('show rxq info 0 1')
    check(re.search(r'Rx queue state: stopped', info) and
          re.search(r'Mempool: mb_pool_0', info) and
          re.search(r'Number of RXDs: 512', info),
          'rxq_info_get: rx queue 1 stopped, its mempool and 512 RXDs')
    pmd.cmd('start')
    for i in range(5):
        os.write(a[1], harness.ipv4_packet(5, i))
    check(harness.wait_for(
        lambda: pmd.tel('/bsdtun/info,0')['q1_to_dpdk_queued'] == 5),
        'rx queue 1 stopped: the 5 packets wait on pair 1\'s ring')
    check(harness.fd_quiet(b[1], 0.5), 'nothing reached port 1 pair 1 meanwhile')
    os.write(a[0], harness.ipv4_packet(6, 0))
    harness.check_packets(harness.read_packets(b[0], 1), [harness.ipv4_packet(6, 0)],
             'pair 0 still forwards while rx queue 1 is stopped')
    pmd.fwd_stop()
    pmd.cmd('port 0 rxq 1 start')
    check('Rx queue state: started' in pmd.cmd('show rxq info 0 1'),
          'rxq_info_get: rx queue 1 started again')
    pmd.cmd('start')
    harness.check_packets([p[4:] for p in harness.read_packets(b[1], 5)],
             [harness.ipv4_packet(5, i) for i in range(5)],
             'rx queue 1 started: the 5 packets arrive, in order')
    pmd.fwd_stop()

    pmd.cmd('port 1 txq 1 stop')
    check('Tx queue state: stopped' in pmd.cmd('show txq info 1 1'),
          'txq_info_get: tx queue 1 stopped')
    pmd.cmd('start')  # testpmd leaves a stream with a stopped queue alone
    for i in range(3):
        os.write(a[1], harness.ipv4_packet(7, i))
    check(harness.wait_for(
        lambda: pmd.tel('/bsdtun/info,0')['q1_to_dpdk_queued'] == 3),
        'tx queue 1 of port 1 stopped: the 3 packets wait on port 0\'s '
        'pair 1 ring')
    check(harness.fd_quiet(b[1], 0.5), 'nothing reached port 1 pair 1 meanwhile')
    pmd.fwd_stop()
    pmd.cmd('port 1 txq 1 start')
    pmd.cmd('start')
    harness.check_packets([p[4:] for p in harness.read_packets(b[1], 3)],
             [harness.ipv4_packet(7, i) for i in range(3)],
             'tx queue 1 started: the 3 packets arrive, in order')
    pmd.fwd_stop()
    xs = pmd.xstats(1)
    check_eq((xs['q1_tx_no_client'], xs['tx_q1_packets']), (0, 11),
             'port 1 pair 1: 3 + 5 + 3 sent, nothing dropped')
    # the pair keeps IFHEAD for its next open: leave it as found
    fcntl.ioctl(b[1], TUNSIFHEAD, struct.pack('i', 0))


def queue_state_app(s):
    """What a stopped queue does when the app polls it anyway (testpmd
    does not): rx_burst delivers nothing and leaves the records, tx_burst
    takes nothing (tests/app_probe, one unit, queue 0)."""
    ap = harness.AppProbe(s, 'qlen=64')
    try:
        out, _ = ap.command('queue rx stop')
        check_eq(out, ['queue 0 0'], 'rx queue 0 stopped (state 0)')

        def on_wait(what):
            got, _, xs = ap.burst(32)
            check_eq(got, 0, 'rx_burst on the stopped queue: nothing, '
                     'with 5 records queued')
            tel = harness.Telemetry(ap.prefix)
            check_eq(tel.info('/bsdtun/info,0')['q0_to_dpdk_queued'], 5,
                     'the 5 records are still on the ring')
            tel.close()
            out, _ = ap.command('queue rx start')
            check_eq(out, ['queue 0 1'], 'rx queue 0 started (state 1)')
            got, pkts, xs = ap.burst(32)
            check_eq((got, xs['rx_good_packets'], xs['rx_errors']),
                     (5, 5, 0), 'rx_burst after start: the 5 records')
        harness.run_client([LIB_CLIENT, ap.sock, 'hold', '0,5'],
                           'lib_client hold 0,5', on_wait=on_wait)
        out, _ = ap.command('queue tx stop')
        check_eq(out, ['queue 0 0'], 'tx queue 0 stopped (state 0)')
        out, xs = ap.command('burst-send 4 ' + ap.sock)
        check('sent 0' in out and xs['tx_good_packets'] == 0 and
              xs['tx_no_client'] == 0,
              'tx_burst on the stopped queue takes none of 4: %s' % out)
        out, _ = ap.command('queue tx start')
        check_eq(out, ['queue 0 1'], 'tx queue 0 started (state 1)')
        out, xs = ap.command('burst-send 4 ' + ap.sock)
        check('sent 4' in out and 'in-order 4' in out and
              xs['tx_good_packets'] == 4,
              'tx_burst after start: all 4 reach the client: %s' % out)
    finally:
        ap.close()


def telemetry(s, pmd, a, b):
    info = pmd.tel('/bsdtun/info,1')
    check_eq({k: info.get(k) for k in ('queues', 'held', 'q0_held',
                                       'q0_pid', 'q0_face', 'q0_ifhead',
                                       'q1_held', 'q1_pid', 'q1_face',
                                       'q1_ifhead')},
             {'queues': 2, 'held': 2, 'q0_held': 1, 'q0_pid': os.getpid(),
              'q0_face': 'node', 'q0_ifhead': 0, 'q1_held': 1,
              'q1_pid': os.getpid(), 'q1_face': 'node', 'q1_ifhead': 1},
             '/bsdtun/info,1: both pairs, their holder and modes')


def link_state(s):
    """The link is up while any pair is held; closing one pair of two
    keeps it up, closing the last takes it down."""
    node = s.path('link')
    with s.testpmd(['queues=2,cdev=' + node]) as pmd:
        tel = harness.Telemetry(pmd.prefix)
        check_eq(pmd.link(0), 'down', 'no pair held: link down')
        fds = [harness.open_node(node) for _ in (0, 1)]
        check_eq(pmd.link(0), 'up', 'both pairs held: link up')
        os.close(fds[0])
        check(harness.wait_for(
            lambda: tel.info('/bsdtun/info,0')['held'] == 1),
            'pair 0 closed, pair 1 held')
        check_eq(pmd.link(0), 'up', 'one pair of two held: link still up')
        os.close(fds[1])
        check(harness.wait_for(lambda: pmd.link(0) == 'down'),
              'the last pair closed: link down')
        tel.close()


def kill_one(s, pmd):
    """Pair 0's client on port 1 is killed while pair 1 carries traffic
    both ways: pair 1 loses nothing.  Both pairs send at a fixed rate, well
    below what the machine forwards, into rings of 1024 (2 cores for
    testpmd and four clients: an unbounded sender would measure the
    scheduler, not the queues)."""
    count = 40000
    # lossless: a full ring waits, up to 1 s per burst (a client on this
    # 2-core machine, under ASan, can be off the CPU for tens of ms)
    pmd.cmd('set fwd io retry')
    pmd.cmd('set burst tx delay 1000 retry 1000')
    pmd.cmd('start')
    p0 = [harness.tuntest('traffic', pmd.sock(port), '--stream', 1 + port,
                          '--peer-stream', 2 - port, '--count', 10 ** 7,
                          '--rate', 20000, '--quiet')
          for port in (0, 1)]
    check(harness.wait_for(lambda: all(
        pmd.tel('/bsdtun/info,%d' % port).get('q0_pid') == p0[port].pid
        for port in (0, 1))), 'pair 0 held on both ports by its client')
    p1 = [harness.tuntest('traffic', pmd.sock(port), '--stream', 3 + port,
                          '--peer-stream', 4 - port, '--count', count,
                          '--rate', 20000, '--quiet')
          for port in (0, 1)]
    check(harness.wait_for(lambda: all(
        pmd.tel('/bsdtun/info,%d' % port).get('q1_pid') == p1[port].pid
        for port in (0, 1))), 'pair 1 held on both ports by its client')
    before = pmd.xstats(1)
    # both pairs of port 1 carry traffic at the kill
    check(harness.wait_for(lambda: all(
        pmd.xstats(1)['tx_q%d_packets' % q] >=
        before['tx_q%d_packets' % q] + 1000 for q in (0, 1)), step=0.05),
        'both pairs of port 1 carry traffic')
    p0[1].send_signal(signal.SIGKILL)
    p0[1].wait()
    check(harness.wait_for(
        lambda: pmd.tel('/bsdtun/info,1').get('q0_held') == 0),
        'port 1 pair 0 free once its client is dead')
    outs = [p.communicate(timeout=120)[0] for p in p1]
    for port, (p, out) in enumerate(zip(p1, outs)):
        print(out, flush=True)
        check_eq(p.returncode, 0, 'pair 1 client on port %d: every packet '
                 'both ways, in order, byte-exact' % port)
        for st in (3 + port, 4 - port):
            m = re.search(r'stream %d sent (\d+) received (\d+) lost (\d+) '
                          r'reordered (\d+) corrupt (\d+)' % st, out)
            check(m and (int(m.group(1)) == count or
                         int(m.group(2)) == count) and
                  m.group(3) == m.group(4) == m.group(5) == '0',
                  'pair 1 client on port %d, stream %d: %d packets, none '
                  'lost' % (port, st, count))
    xs = pmd.xstats(1)
    drops = [xs['q%d_tx_no_client' % q] - before['q%d_tx_no_client' % q]
             for q in (0, 1)]
    check(drops[0] > 0 and drops[1] == 0,
          'port 1: pair 0 dropped what came for its dead client (%d), '
          'pair 1 nothing while its client held it (%d)' % tuple(drops))
    check_eq((xs['q0_client_closes'], xs['q1_client_closes']), (2, 2),
             'port 1: pair 0 closed by the kill, pair 1 by its end (and '
             'each once before)')
    p0[0].send_signal(signal.SIGKILL)
    p0[0].wait()
    harness.run_client([LIB_CLIENT, pmd.sock(1), 'queues', '2'],
                       'port 1 after the kill: both pairs open again')


def main():
    with harness.Session() as s:
        admission(s)
        queue_state_app(s)
        link_state(s)
        nodes = [s.path('mq0'), s.path('mq1')]
        with s.testpmd(['queues=2,qlen=1024,cdev=' + nodes[0],
                        'queues=2,qlen=1024,cdev=' + nodes[1]],
                       ['--rxq=2', '--txq=2', '--forward-mode=io',
                        '--no-flush-rx']) as pmd:
            pmd.tel = harness.Telemetry(pmd.prefix).info
            a = [harness.open_node(nodes[0]) for _ in range(2)]
            b = [harness.open_node(nodes[1]) for _ in range(2)]
            try:
                delivery(s, pmd, a, b)
                telemetry(s, pmd, a, b)
                stop_start(s, pmd, a, b)
            finally:
                for fd in a + b:
                    os.close(fd)
            # a node's close reaches the PMD after close(2) returned
            check(harness.wait_for(lambda: all(
                pmd.tel('/bsdtun/info,%d' % port)['held'] == 0
                for port in (0, 1))), 'the node\'s four opens closed')
            kill_one(s, pmd)
        pmd = s.testpmd(['queues=2'], ['--rxq=3', '--txq=3'],
                        interactive=False, stdin_text='')
        pmd.start()
        rc = pmd.wait_exit(30)
        check(rc not in (0, None), 'testpmd --rxq=3 on a 2-pair unit: it '
              'fails (exit %r)' % rc)
        check(re.search(r'max_rx_queues \(2\)', pmd.output),
              'testpmd says the port has 2 rx queues at most')


if __name__ == '__main__':
    harness.run_main(main)
