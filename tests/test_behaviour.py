#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The tun(4) behaviours of doc/behaviour.md, one at a time, on both faces,
with what the DPDK side counted.

For each behaviour and each face (library: the units' control sockets;
device node: cdev=) a fresh dpdk-testpmd forwards port 0 <-> port 1 (io);
`tuntest conform --only BEHAVIOUR A B` writes on A and reads on B,
asserting errnos and bytes (app/tuntest/cmd_conform.c is the one
implementation of the checks), and this script then compares the ports'
counters exactly: the same numbers on both faces.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, check_eq  # noqa: E402

# --no-flush-rx: a 'start' must not discard what a client queued while
# forwarding was stopped (one_write_one_packet).  Scatter: oversize_write
# sends a TUNMRU packet.
IO = ['--forward-mode=io', '--no-flush-rx', '--enable-scatter']

FACES = ('library', 'node')
LIB_CLIENT = os.path.join(harness.BUILD, 'tests', 'lib_client')

# behaviour: (devargs, counters), counters by port: {'stats': {...},
# 'xstats': {...}, 'fwd': {...}} (port stats, xstats, testpmd's forward
# stats at 'stop').  A's client (port 0) writes, B's (port 1) reads; io
# forwarding sends what port 0 receives out of port 1.
BEHAVIOURS = {
    # 1 + (qlen + 10) written; B, idle, takes qlen of the qlen + 10: the
    # other 10 tx_burst leaves to the app (backpressure, testpmd drops
    # them), no error.
    'state_at_creation': ('qlen=50', {
        0: {'stats': {'RX-packets': 61, 'RX-errors': 0}},
        1: {'stats': {'TX-packets': 51, 'TX-errors': 0},
            'fwd': {'TX-packets': 51, 'TX-dropped': 10}}}),
    # One packet; two refused opens; 100 close-and-reopen cycles.
    'busy': ('', {
        0: {'stats': {'RX-packets': 1}},
        1: {'stats': {'TX-packets': 1},
            'xstats': {'client_refused_busy': 2, 'client_opens': 101,
                       'client_closes': 101}}}),
    # Two packets queued to B when it closes: purged.
    'persist_across_close': ('', {
        0: {'stats': {'RX-packets': 2}},
        1: {'stats': {'TX-packets': 2},
            'xstats': {'to_client_purged': 2, 'client_opens': 2}}}),
    # The packet written 300 ms into a blocking read.
    'blocking_read': ('', {
        0: {'stats': {'RX-packets': 1}},
        1: {'stats': {'TX-packets': 1},
            'xstats': {'to_client_purged': 0, 'tx_no_client': 0}}}),
    'one_packet_per_read': ('', {
        0: {'stats': {'RX-packets': 7, 'RX-errors': 0}},
        1: {'stats': {'TX-packets': 7, 'TX-errors': 0},
            'xstats': {'tx_ring_full': 0}}}),
    'read_framing': ('', {
        0: {'stats': {'RX-packets': 3}},
        1: {'stats': {'TX-packets': 3, 'TX-errors': 0}}}),
    # The first IPv6 packet reaches B without IFHEAD: dropped, counted.
    'ipv6_needs_ifhead': ('', {
        0: {'stats': {'RX-packets': 2, 'RX-errors': 0}},
        1: {'stats': {'TX-packets': 1, 'TX-errors': 1},
            'xstats': {'tx_af_unsupported': 1}}}),
    # Port 1 consumes and counts all 5 while nobody holds B.
    # testpmd's TX-dropped is its own drops (what tx_burst did not take)
    # plus the port's oerrors: 5 means tx_burst took all 5.
    'no_holder_drops': ('', {
        0: {'stats': {'RX-packets': 5}},
        1: {'stats': {'TX-packets': 0, 'TX-errors': 5},
            'xstats': {'tx_no_client': 5},
            'fwd': {'TX-packets': 0, 'TX-dropped': 5}}}),
    # The empty writes send nothing: only the marker.
    'empty_write': ('', {
        0: {'stats': {'RX-packets': 1, 'RX-errors': 0},
            'xstats': {'rx_runt': 0, 'rx_bad_family': 0}},
        1: {'stats': {'TX-packets': 1}}}),
    # Two TUNMRU writes pass (16384 bytes of IP, and 4 + 16380 with
    # IFHEAD), each frame 14 bytes of Ethernet more; the refused ones
    # send nothing.
    'oversize_write': ('', {
        0: {'stats': {'RX-packets': 2, 'RX-errors': 0,
                      'RX-bytes': (16384 + 14) + (16380 + 14)},
            'xstats': {'rx_runt': 0}},
        1: {'stats': {'TX-packets': 2,
                      'TX-bytes': (16384 + 14) + (16380 + 14)},
            'xstats': {'tx_too_big': 0}}}),
    # One AF_INET and four IPv6 families pass; the refused writes send
    # nothing.
    'ifhead_write_errors': ('', {
        0: {'stats': {'RX-packets': 5, 'RX-errors': 0},
            'xstats': {'rx_bad_family': 0, 'rx_runt': 0}},
        1: {'stats': {'TX-packets': 5},
            'xstats': {'tx_af_unsupported': 0}}}),
    # 21 written while forwarding; 8 (qlen) while stopped, then ENOBUFS
    # twice; the 8 come through after 'start'.
    'one_write_one_packet': ('qlen=8', {
        0: {'stats': {'RX-packets': 29, 'RX-errors': 0},
            'xstats': {'to_dpdk_purged': 0}},
        1: {'stats': {'TX-packets': 29, 'TX-errors': 0},
            'xstats': {'tx_ring_full': 0}}}),
    # 1 + 1 + 1 (epoll wake) + 2 (edge) + 1 (new edge) + 1000 (races).
    'poll_readiness': ('', {
        0: {'stats': {'RX-packets': 1006}},
        1: {'stats': {'TX-packets': 1006, 'TX-errors': 0}}}),
    # Library face only (the node's FIOASYNC is the VFS's): a bell for
    # each of the 5 packets while async, none for the sixth.
    'sigio': ('', {
        0: {'stats': {'RX-packets': 6}},
        1: {'stats': {'TX-packets': 6},
            'xstats': {'async_bells': 5, 'async_refused': 0}}}),
    'close_purges': ('', {
        0: {'stats': {'RX-packets': 2}},
        1: {'stats': {'TX-packets': 2},
            'xstats': {'to_client_purged': 2}}}),
}

NODE_EXEMPT = {'sigio'}


def check_counters(pmd, counters, what):
    fwd = None
    if any('fwd' in want for want in counters.values()):
        fwd = pmd.fwd_stop()
    for port, want in counters.items():
        for k, v in want.get('fwd', {}).items():
            check_eq(fwd.get(port, {}).get(k), v,
                     '%s: forward stats port %d %s' % (what, port, k))
        st = pmd.port_stats(port)
        xs = pmd.xstats(port)
        for k, v in want.get('stats', {}).items():
            check_eq(st.get(k), v, '%s: port %d stats %s' % (what, port, k))
        for k, v in want.get('xstats', {}).items():
            check_eq(xs.get(k), v, '%s: port %d xstats %s' % (what, port, k))


def one(s, name, face):
    devargs, counters = BEHAVIOURS[name]
    what = '%s (%s)' % (name, face)
    print('\n=== %s ===' % what, flush=True)
    units = [devargs, devargs]
    nodes = []
    if face == 'node':
        nodes = [s.path('%s-a' % name), s.path('%s-b' % name)]
        units = [','.join(x for x in (d, 'cdev=' + n) if x)
                 for d, n in zip(units, nodes)]
    with s.testpmd(units, IO) as pmd:
        pmd.cmd('start')
        ends = nodes or [pmd.sock(0), pmd.sock(1)]
        argv = [harness.TUNTEST, 'conform', '--only', name, '--pause']
        if 'qlen=' in devargs:
            argv += ['--count', devargs.split('qlen=')[1].split(',')[0]]

        rc, lines = harness.run_client(argv + ends, 'tuntest conform ' + what,
                                       on_wait=harness.conform_on_wait(
                                           pmd, what), timeout=300)
        check(any(ln.startswith('PASS row') and (' %s:' % name) in ln
                  for ln in lines), '%s: checks ran' % what)
        # Both clients have closed: wait until the PMD saw it (a FUSE
        # release comes after close(2) returns).
        for port in (0, 1):
            check(harness.wait_for(
                lambda p=port: pmd.xstats(p)['client_closes'] ==
                pmd.xstats(p)['client_opens']),
                '%s: port %d saw every close' % (what, port))
        check_counters(pmd, counters, what)


def sigio_owner_rules(s):
    """The library face's SIGIO owner: never the DPDK process (pid,
    threads, group), BSD's existence and session rules, cleared at close.
    (The node's FIOSETOWN is the VFS's, test_cdev.py.)"""
    print('\n=== sigio_owner_rules (library) ===', flush=True)
    with s.testpmd([''], ['--forward-mode=io']) as pmd:
        harness.run_client([LIB_CLIENT, pmd.sock(0), 'sigio_owner_rules',
                            str(pmd.proc.pid)], 'lib_client sigio_owner_rules')
        pmd.wait_xstat(0, 'client_closes', 2)
        check_eq(pmd.xstats(0).get('client_opens'), 2,
                 'sigio_owner_rules: port 0 xstats client_opens')


def main():
    only = sys.argv[1:]
    with harness.Session() as s:
        for name in BEHAVIOURS:
            for face in FACES:
                if only and name not in only:
                    continue
                if face == 'node' and name in NODE_EXEMPT:
                    continue
                try:
                    one(s, name, face)
                except Exception as e:  # noqa: BLE001 - the next runs
                    check(False, '%s (%s) raised %s: %s' %
                          (name, face, type(e).__name__, e))
        if not only or 'sigio_owner_rules' in only:
            sigio_owner_rules(s)


if __name__ == '__main__':
    harness.run_main(main)
