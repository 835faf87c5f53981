#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""IFF_VNET_HDR super-packets both ways through testpmd's csum engine
(doc/behaviour.md, "The virtio-net header").

A Linux tun file on unit 0 (tests/vnet_client write) writes one TCP
packet of 64 KiB with a GSO header (gso_size 1448, or 1440 for IPv6;
NEEDS_CSUM); the PMD hands it to testpmd as one LRO mbuf
(RTE_MBUF_F_RX_LRO, tso_segsz).
testpmd forwards it with TSO (tso set 1400, csum set ip/tcp hw) to
unit 1, where another file (tests/vnet_client read) takes it:
- having taken TUN_F_CSUM|TUN_F_TSO4|TUN_F_TSO6: one super-packet, its
  header GSO_TCPV4/6, gso_size 1400, NEEDS_CSUM at the TCP checksum;
- having taken TUN_F_CSUM only, or nothing: the PMD's segments, 1400
  payload bytes each, header all zeros, checksums complete.
testpmd enabled the TCP checksum offload on port 0: it sees NEEDS_CSUM
as RTE_MBUF_F_RX_L4_CKSUM_NONE; a 1000-byte NEEDS_CSUM write without GSO
reaches a file that took TUN_F_CSUM with NEEDS_CSUM, another with the
checksum done.
Then an app without LRO nor checksum offload (io forwarding): the PMD
hands it the write's segments (gso_size payload bytes each), each a
correct TCP packet, and completes the 1000-byte packet's checksum.
Every payload byte and every checksum is verified by the reader.
"""
import os
import subprocess

import harness
from harness import check, check_eq

VNET = os.path.join(harness.BUILD, 'tests', 'vnet_client')
CSUM, TSO4, TSO6 = 0x1, 0x2, 0x4
MSS_OUT = 1400
MSS_IN = {False: 1448, True: 1440}  # the write's gso_size: MTU 1500
SIZE = 65535  # the IP packet: the largest IPv4 total length


def one(pmd, offl, v6, mss=MSS_OUT, what=''):
    l3 = 40 if v6 else 20
    payload = SIZE - l3 - 20
    what = '%s%s, reader offloads 0x%x' % (what, 'IPv6' if v6 else 'IPv4',
                                          offl)
    rd = subprocess.Popen([VNET, 'read', pmd.sock(1), hex(offl),
                           str(payload)], stdout=subprocess.PIPE, text=True)
    try:
        check_eq(rd.stdout.readline().strip(), 'ready',
                 '%s: the reader is open' % what)
        argv = [VNET, 'write', pmd.sock(0), '0', str(SIZE),
                str(MSS_IN[v6])]
        if v6:
            argv.append('v6')
        w = subprocess.run(argv, capture_output=True, text=True,
                           timeout=harness.PATIENCE)
        check_eq((w.returncode, w.stdout.strip()),
                 (0, 'wrote %d' % (10 + SIZE)),
                 '%s: the 64 KiB GSO write is taken' % what)
        out, _ = rd.communicate(timeout=harness.PATIENCE)
    finally:
        if rd.poll() is None:
            rd.kill()
            rd.wait()
    print(out, flush=True)
    check_eq(rd.returncode, 0, '%s: every byte and checksum right' % what)
    pkts = [dict(kv.split('=') for kv in ln.split()[1:])
            for ln in out.splitlines() if ln.startswith('pkt ')]
    if offl & (TSO6 if v6 else TSO4):
        check_eq([(p['len'], p['flags'], p['gso_type'], p['gso_size'],
                   p['hdr_len'], p['csum_start'], p['csum_offset'])
                  for p in pkts],
                 [(str(SIZE), '1', '4' if v6 else '1', str(mss),
                   str(l3 + 20), str(l3), '16')],
                 '%s: one super-packet, GSO header for 1400' % what)
    else:
        n = (payload + mss - 1) // mss
        sizes = [mss] * (n - 1) + [payload - mss * (n - 1)]
        check_eq([(p['payload'], p['seq'], p['flags'], p['gso_type'],
                   p['tcp_flags']) for p in pkts],
                 [(str(sz), str(mss * i), '0', '0',
                   '0x18' if i == n - 1 else '0x10')
                  for i, sz in enumerate(sizes)],
                 '%s: %d segments of %d, PSH on the last' % (what, n, mss))


def small(pmd, offl, flags, what):
    """One 1000-byte IPv4 TCP packet with NEEDS_CSUM and no GSO."""
    what = '%s1000 bytes, NEEDS_CSUM, reader offloads 0x%x' % (what, offl)
    rd = subprocess.Popen([VNET, 'read', pmd.sock(1), hex(offl), '960'],
                          stdout=subprocess.PIPE, text=True)
    try:
        check_eq(rd.stdout.readline().strip(), 'ready',
                 '%s: the reader is open' % what)
        w = subprocess.run([VNET, 'write', pmd.sock(0), '0', '1000', '0'],
                           capture_output=True, text=True,
                           timeout=harness.PATIENCE)
        check_eq((w.returncode, w.stdout.strip()), (0, 'wrote 1010'),
                 '%s: the write is taken' % what)
        out, _ = rd.communicate(timeout=harness.PATIENCE)
    finally:
        if rd.poll() is None:
            rd.kill()
            rd.wait()
    print(out, flush=True)
    check_eq(rd.returncode, 0, '%s: every byte and checksum right' % what)
    pkts = [dict(kv.split('=') for kv in ln.split()[1:])
            for ln in out.splitlines() if ln.startswith('pkt ')]
    check_eq([(p['len'], p['flags'], p['gso_type'], p['csum_start'],
               p['csum_offset']) for p in pkts],
             [('1000', flags, '0', '20' if flags == '1' else '0',
               '16' if flags == '1' else '0')],
             '%s: one packet, header flags %s' % (what, flags))


def main():
    units = ['framing=eth'] * 2
    args = ['--forward-mode=csum', '--enable-lro',
            '--max-lro-pkt-size=%d' % (SIZE + 14), '--enable-scatter',
            '--mbuf-size=2048']
    with harness.Session() as s:
        with s.testpmd(units, args=args) as pmd:
            pmd.cmd('port stop all')
            pmd.cmd('port config 0 rx_offload tcp_cksum on')
            pmd.cmd('csum set ip hw 1')
            pmd.cmd('csum set tcp hw 1')
            pmd.cmd('tso set %d 1' % MSS_OUT)
            pmd.cmd('port start all')
            pmd.cmd('set verbose 1')
            pmd.cmd('start')
            mark = pmd.mark()
            for v6 in (False, True):
                for offl in (CSUM | TSO4 | TSO6, CSUM, 0):
                    one(pmd, offl, v6)
            # testpmd asks TCP checksum offload (csum set tcp hw): to a
            # file that took TUN_F_CSUM it is NEEDS_CSUM, else done
            small(pmd, CSUM, '1', '')
            small(pmd, 0, '0', '')
            # testpmd's csum engine says what it received (it prints the
            # segment size only after it set its own)
            pmd.wait_output(r'(?:^rx: l2_len=[^\n]*\n(?:.*\n)*?){8}', mark)
            rx = [ln for ln in pmd.output[mark:].splitlines()
                  if ln.startswith('rx: l2_len=')]
            print('\n'.join(rx), flush=True)
            # NEEDS_CSUM is L4_CKSUM_NONE (the app enabled the offload)
            words = [ln.replace('=', ' ').split() for ln in rx]
            check_eq([('RTE_MBUF_F_RX_LRO' in w,
                       'RTE_MBUF_F_RX_L4_CKSUM_NONE' in w,
                       'ethertype=' + w[4]) for w in words],
                     [(True, True, 'ethertype=800')] * 3 +
                     [(True, True, 'ethertype=86dd')] * 3 +
                     [(False, True, 'ethertype=800')] * 2,
                     'testpmd received each super-packet as one LRO mbuf, '
                     'NEEDS_CSUM as RTE_MBUF_F_RX_L4_CKSUM_NONE')
            xs = pmd.xstats(0)
            check_eq((xs.get('rx_vnet_bad'), xs.get('rx_gso_dropped'),
                      xs.get('rx_gso_cut')),
                     (0, 0, 0), 'port 0: no header refused, no GSO dropped '
                     'or cut (LRO)')
            check_eq(pmd.xstats(1).get('tx_tso_cut'), 4,
                     'port 1: 4 TSO packets cut for readers without TSO')
            ps = [pmd.port_stats(p) for p in (0, 1)]
            check_eq((ps[0]['RX-packets'], ps[0]['RX-errors'],
                      ps[1]['TX-packets'], ps[1]['TX-errors']),
                     (8, 0, 8, 0), 'eight packets in, eight out')
        # An app without LRO: the PMD gives it the segments (of the
        # write's gso_size, 1448: MTU-sized), io forwards them as they are.
        with s.testpmd(units, args=['--forward-mode=io']) as pmd:
            pmd.cmd('start')
            for v6 in (False, True):
                one(pmd, 0, v6, MSS_IN[v6], 'no LRO: ')
            # no rx checksum offload: the PMD completes the checksum
            small(pmd, CSUM, '0', 'no LRO: ')
            xs = pmd.xstats(0)
            check_eq((xs.get('rx_vnet_bad'), xs.get('rx_gso_dropped'),
                      xs.get('rx_nombuf'), xs.get('rx_gso_cut')),
                     (0, 0, 0, 2),
                     'no LRO: no header refused, no GSO dropped, two cut')
            n4 = (SIZE - 40 + MSS_IN[False] - 1) // MSS_IN[False]
            n6 = (SIZE - 60 + MSS_IN[True] - 1) // MSS_IN[True]
            ps = [pmd.port_stats(p) for p in (0, 1)]
            check_eq((ps[0]['RX-packets'], ps[0]['RX-errors'],
                      ps[1]['TX-packets'], ps[1]['TX-errors']),
                     (n4 + n6 + 1, 0, n4 + n6 + 1, 0),
                     'no LRO: %d + %d segments in and out' % (n4, n6))


harness.run_main(main)
