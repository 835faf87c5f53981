#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Capture: devarg pcapng=FILE (both directions, both framings, read back
with tshark), and the multi-process tools on a running testpmd:
dpdk-dumpcap, dpdk-pdump, dpdk-proc-info.  They find the PMD in DPDK's
plugin directory (devtools/build.sh installs it there)."""
import os
import re
import signal
import struct
import subprocess

import harness
from harness import check, check_eq

N = 500


def tshark(path, *fields):
    argv = ['tshark', '-r', path, '-T', 'fields', '-E', 'separator=|']
    for f in fields:
        argv += ['-e', f]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        print(p.stderr, flush=True)
    return [line.split('|') for line in p.stdout.splitlines()]


def verify(pmd, count=N):
    p = subprocess.run([harness.TUNTEST, 'verify', pmd.sock(0), pmd.sock(1),
                        '--count', str(count), '--ifhead', '--quiet'],
                       capture_output=True, text=True, timeout=120)
    print(p.stdout + p.stderr, flush=True)
    return p.returncode


def secondary_env():
    """Secondaries must register mempool drivers in the primary's order;
    Debian's dpdk-testpmd links some directly (doc/capture.md)."""
    out = subprocess.run(['ldd', subprocess.run(
        ['which', harness.TESTPMD], capture_output=True,
        text=True).stdout.strip()], capture_output=True, text=True).stdout
    libs = re.findall(r'(librte_mempool_\w+\.so[.\d]*) =>', out)
    env = dict(os.environ)
    env.pop('LD_PRELOAD', None)
    if libs:
        env['LD_PRELOAD'] = ' '.join(libs)
    return env


def multiprocess_pmd(s, units, args=('--forward-mode=io',), **kw):
    """testpmd whose hugepage files stay, so secondaries can attach.  Its
    memory goes at a fixed address far from where shared libraries land:
    a secondary must map it at the same address, and the libraries of an
    (ASan-instrumented) primary and an uninstrumented secondary are laid
    out differently."""
    pmd = s.testpmd(units, args=list(args),
                    eal=['--base-virtaddr=0x200000000000'], **kw)
    pmd.argv.remove('--huge-unlink')
    return pmd


def packets(path):
    """[(direction, src, payload-hex)] of a capture; direction 1 in, 2 out."""
    rows = tshark(path, 'frame.packet_flags_direction', 'ip.src',
                  'ipv6.src', 'data.data')
    return [(int(r[0], 0), r[1] or r[2], r[3]) for r in rows if r[0]]


def dumpcap_start(s, pmd, path, count):
    """dpdk-dumpcap on port 0 of pmd, count packets into path; returns
    once it captures.  Its "Packets captured: " (stderr, not with -q)
    comes after rte_pdump_enable(), which returns once the primary
    installed its callbacks ("Capturing on" comes before)."""
    argv = ['dpdk-dumpcap', '--file-prefix=' + pmd.prefix, '-i', '0',
            '-w', path, '-c', str(count)]
    dc = s.spawn(argv, env=secondary_env(), echo=True)
    dc.wait_output(r'Packets captured: ')
    return dc


def dumpcap_end(dc):
    """Wait for dumpcap to end on its count (then kill); one assertion:
    exit 0."""
    rc = dc.wait(harness.PATIENCE)
    dc.kill()
    print(dc.output, flush=True)
    check_eq(rc, 0, 'dpdk-dumpcap exit status')


def pcap_count(path):
    """Whole records in a pcap file (one being written: its last record
    may not be whole yet)."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError:
        return 0
    if len(data) < 24:
        return 0
    end = '<' if data[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') \
        else '>'
    n, off = 0, 24
    while off + 16 <= len(data):
        caplen = struct.unpack_from(end + 'I', data, off + 8)[0]
        if off + 16 + caplen > len(data):
            break
        n += 1
        off += 16 + caplen
    return n


def pcapng_devarg(s, framing):
    cap = s.path('cap_%s.pcapng' % framing)
    units = ['framing=%s,pcapng=%s' % (framing, cap), 'framing=%s' % framing]
    with s.testpmd(units, args=['--forward-mode=io']) as pmd:
        pmd.cmd('start')
        check_eq(verify(pmd), 0, '%s: %d packets each way verified' %
                 (framing, N))
        xs = pmd.xstats(0)
        check_eq((xs['capture_packets'], xs['capture_errors']), (2 * N, 0),
                 '%s: capture_packets/capture_errors' % framing)
    pk = packets(cap)
    inb = [p for p in pk if p[0] == 1]
    out = [p for p in pk if p[0] == 2]
    check_eq((len(inb), len(out)), (N, N),
             '%s: packets in (client to app) / out (app to client)' %
             framing)
    srcs_in = {p[1] for p in inb}
    srcs_out = {p[1] for p in out}
    check(srcs_in and srcs_in <= {'10.1.0.1', 'fd00::1:1'},
          '%s: inbound decoded as IPv4/IPv6 from stream 1 (%s)' %
          (framing, sorted(srcs_in)))
    check(srcs_out and srcs_out <= {'10.2.0.1', 'fd00::2:1'},
          '%s: outbound decoded as IPv4/IPv6 from stream 2 (%s)' %
          (framing, sorted(srcs_out)))
    check(any(':' in x for x in srcs_in | srcs_out),
          '%s: IPv6 packets decoded' % framing)
    # framing=ip: bare IP (link type raw) where rte_pcapng can say so
    # (DPDK 25.11 on), else behind a pseudo-Ethernet header.
    raw = framing == 'ip' and harness.DPDK_VERSION >= (25, 11)
    first = {r[0].split(':')[0] for r in tshark(cap, 'frame.protocols')}
    check_eq(first, {'raw' if raw else 'eth'},
             '%s: link layer of every captured frame' % framing)
    stats = subprocess.run(['tshark', '-r', cap, '-q', '-z', 'io,stat,0'],
                           capture_output=True, text=True).stdout
    check('Frames' in stats, '%s: tshark reads the whole file' % framing)
    return pk


def dumpcap(s):
    cap = s.path('own.pcapng')
    dump = s.path('dumpcap.pcapng')
    units = ['pcapng=%s' % cap, '']
    with multiprocess_pmd(s, units) as pmd:
        pmd.cmd('start')
        dc = dumpcap_start(s, pmd, dump, 2 * N)
        check_eq(verify(pmd), 0, 'dumpcap: traffic while capturing')
        dumpcap_end(dc)
        check_eq(verify(pmd), 0, 'testpmd keeps forwarding after dumpcap')
        xs = pmd.xstats(0)
        check_eq(xs['client_opens'], 2, 'the unit survived the secondary')
    got = packets(dump)
    own = [p for p in packets(cap)][:2 * N]
    check_eq(len(got), 2 * N, 'dumpcap captured %d packets' % (2 * N))
    check(sorted(got) == sorted(own),
          'dumpcap packets (direction, source, payload) equal the PMD\'s '
          'own capture of them (%d vs %d)' % (len(got), len(own)))


def pdump(s):
    rx = s.path('rx.pcap')
    tx = s.path('tx.pcap')
    with multiprocess_pmd(s, ['', '']) as pmd:
        pmd.cmd('start')
        argv = ['stdbuf', '-oL', 'dpdk-pdump', '--file-prefix=' + pmd.prefix,
                '--', '--pdump',
                'port=0,queue=*,rx-dev=%s,tx-dev=%s' % (rx, tx)]
        print('$ ' + ' '.join(argv), flush=True)
        log = s.path('pdump.log')
        pd = subprocess.Popen(argv, stdout=open(log, 'w'),
                              stderr=subprocess.STDOUT, text=True,
                              start_new_session=True, env=secondary_env())
        # Capturing once it says so: it prints its tuples after
        # rte_pdump_enable(), which returns once the primary installed
        # its callbacks.
        ready = harness.wait_for(
            lambda: 'capture for (1) tuples' in open(log).read() or
            pd.poll() is not None, harness.PATIENCE, 0.05)
        check(ready and pd.poll() is None, 'dpdk-pdump started')
        check_eq(verify(pmd), 0, 'pdump: traffic while capturing')
        # what went through the callbacks is on its rings: wait until it
        # wrote all of it (its pcap port flushes each burst)
        check(harness.wait_for(lambda: (pcap_count(rx), pcap_count(tx)) ==
                               (N, N), harness.PATIENCE, 0.05),
              'pdump: every packet written (%d, %d)' %
              (pcap_count(rx), pcap_count(tx)))
        os.killpg(pd.pid, signal.SIGINT)
        try:
            pd.wait(timeout=harness.PATIENCE)
        except subprocess.TimeoutExpired:
            os.killpg(pd.pid, signal.SIGKILL)
            pd.wait()
        print(open(log).read()[-2000:], flush=True)
        check_eq(verify(pmd), 0, 'testpmd keeps forwarding after pdump')
    r = tshark(rx, 'ip.src', 'ipv6.src')
    t = tshark(tx, 'ip.src', 'ipv6.src')
    check_eq((len(r), len(t)), (N, N), 'pdump rx/tx packet counts')
    check({x[0] or x[1] for x in r} <= {'10.1.0.1', 'fd00::1:1'},
          'pdump rx: stream 1 packets')
    check({x[0] or x[1] for x in t} <= {'10.2.0.1', 'fd00::2:1'},
          'pdump tx: stream 2 packets')


def proc_info(s):
    with multiprocess_pmd(s, ['', '']) as pmd:
        pmd.cmd('start')
        check_eq(verify(pmd, 1000), 0, 'traffic before proc-info')
        for opt in ('--stats', '--xstats'):
            argv = ['dpdk-proc-info', '--file-prefix=' + pmd.prefix, '--',
                    opt]
            p = subprocess.run(argv, capture_output=True, text=True,
                               timeout=60, env=secondary_env())
            out = p.stdout + p.stderr
            print(out[-3000:], flush=True)
            check_eq(p.returncode, 0, 'dpdk-proc-info %s exit status' % opt)
            if opt == '--stats':
                check(re.search(r'RX-packets:\s+1000\b', out) and
                      re.search(r'TX-packets:\s+1000\b', out),
                      'proc-info --stats shows 1000 packets each way')
            else:
                for name in ('tx_no_client', 'client_opens', 'tun_pid',
                             'rx_bad_family'):
                    check(name in out, 'proc-info --xstats lists %s' % name)
        check_eq(verify(pmd, 1000), 0, 'testpmd keeps forwarding after '
                 'proc-info')


def multiqueue(s):
    """Two queue pairs on port 0 (queues=2, held through its device node
    twice): the PMD's own capture and dpdk-dumpcap (a secondary, through
    pdump's callbacks on every queue) record each packet with the queue it
    crossed; proc-info reads the per-queue counters."""
    cap = s.path('mq.pcapng')
    dump = s.path('mq_dumpcap.pcapng')
    nodes = [s.path('mqn0'), s.path('mqn1')]
    units = ['queues=2,pcapng=%s,cdev=%s' % (cap, nodes[0]),
             'queues=2,cdev=' + nodes[1]]
    # (queue, direction, source, count): in = client to app
    want = [(0, 1, 1, 7), (1, 1, 2, 3), (0, 2, 3, 4), (1, 2, 4, 9)]
    total = sum(w[3] for w in want)
    with multiprocess_pmd(s, units, ['--forward-mode=io', '--rxq=2',
                                     '--txq=2']) as pmd:
        a = [harness.open_node(nodes[0]) for _ in (0, 1)]
        b = [harness.open_node(nodes[1]) for _ in (0, 1)]
        pmd.cmd('start')
        dc = dumpcap_start(s, pmd, dump, total)
        try:
            for q, d, src, n in want:
                for i in range(n):
                    os.write((a if d == 1 else b)[q],
                             harness.ipv4_packet(src, i))
            got = [len(harness.read_packets(fd, n)) for fd, n in
                   ((b[0], 7), (b[1], 3), (a[0], 4), (a[1], 9))]
            check_eq(got, [7, 3, 4, 9], 'every packet reached its pair')
        finally:
            for fd in a + b:
                os.close(fd)
        dumpcap_end(dc)
        p = subprocess.run(['dpdk-proc-info', '--file-prefix=' + pmd.prefix,
                            '--', '--xstats'], capture_output=True,
                           text=True, timeout=60, env=secondary_env())
        print(p.stdout[-3000:] + p.stderr[-1000:], flush=True)
        for name, v in (('rx_q0_packets', 7), ('rx_q1_packets', 3),
                        ('tx_q0_packets', 4), ('tx_q1_packets', 9),
                        ('q1_client_opens', 1), ('capture_packets', total)):
            check(re.search(r'\b%s: %d\b' % (name, v), p.stdout),
                  'proc-info --xstats (a secondary): %s %d' % (name, v))

    def rows(path):
        r = tshark(path, 'frame.interface_queue',
                   'frame.packet_flags_direction', 'ip.src')
        return sorted((int(x[0]), int(x[1], 0), int(x[2].split('.')[3]))
                      for x in r if x[0])
    expect = sorted((q, d, src) for q, d, src, n in want for _ in range(n))
    check_eq(rows(cap), expect, 'pcapng=: each packet with its queue and '
             'direction')
    check_eq(rows(dump), expect, 'dpdk-dumpcap: each packet with its queue '
             'and direction')


def main():
    with harness.Session() as s:
        for framing in ('eth', 'ip'):
            pcapng_devarg(s, framing)
        dumpcap(s)
        pdump(s)
        proc_info(s)
        multiqueue(s)


harness.run_main(main)
