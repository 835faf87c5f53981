#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A hostile client (tests/hostile_client.c) against net_bsdtun0 while
testpmd forwards (io) between it and net_bsdtun1, where a tuntest sender
keeps packets coming towards the attacked port.  One attack per client
process: garbage in the shared region (ring indices, record lengths, wrap
flags, families, flags, packet counters, the PMD's own fields), malformed
control messages before and after HELLO, descriptors passed with
SCM_RIGHTS, connection floods and storms.

After each attack: testpmd is alive, every bad thing is counted under its
xstat with the exact value, the records the attacker wrote correctly were
all delivered, testpmd holds as many descriptors as before, and a
well-behaved pair of clients (tuntest verify) works through the attacked
port.  See doc/robustness.md.

HOSTILE_ONLY=name,name... runs only those attacks (for debugging; the
test suite always runs them all)."""
import os
import re
import signal
import subprocess

import harness
from harness import check, check_eq

HOSTILE = os.path.join(harness.BUILD, 'tests', 'hostile_client')
QLEN = 8
VERIFY_COUNT = 300

# Counters compared exactly after every attack (delta over the attack).
EXACT = ('rx_ring_corrupt', 'tx_ring_corrupt', 'rx_bad_family', 'rx_runt',
         'rx_nombuf', 'client_bad_message', 'client_refused_busy',
         'client_refused_perm', 'client_opens', 'client_closes',
         'to_client_purged', 'to_dpdk_purged', 'bells', 'rx_vnet_bad',
         'rx_gso_dropped')

RX = {'rx_ring_corrupt': 1, 'client_opens': 1, 'client_closes': 1}
TX = {'tx_ring_corrupt': 1, 'client_opens': 1, 'client_closes': 1}
ALIVE = {'client_opens': 1, 'client_closes': 1}
HELLO_BAD = {'client_bad_message': 1}
SESSION_BAD = {'client_bad_message': 1, 'client_opens': 1,
               'client_closes': 1}

# name: expected deltas (counters not named: 0).  'refused': None means
# client_refused_busy depends on how fast the control thread accepts
# (reported, not compared); 'random': exactly one ring found corrupt.
ATTACKS = [
    ('rx_head_ahead', RX), ('rx_head_behind', RX), ('rx_head_far', RX),
    ('rx_head_unaligned', RX), ('rx_head_random', RX),
    ('rx_len_huge', RX), ('rx_len_max1', RX), ('rx_len_past_head', RX),
    ('rx_len_past_end', RX),
    ('rx_wrap_at_zero', RX), ('rx_wrap_past_head', RX),
    ('rx_wrap_twice', RX), ('rx_wrap_valid', ALIVE),
    ('rx_bad_family', ALIVE), ('rx_runt', ALIVE), ('rx_flags', ALIVE),
    ('rx_vnet', ALIVE),
    ('rx_head_pkts', ALIVE), ('scribble', ALIVE),
    ('random_data', RX), ('random_ctl', dict(ALIVE, random=1)),
    ('tx_tail_ahead', TX), ('tx_tail_back', TX), ('tx_tail_far', TX),
    ('tx_tail_pkts_ahead', TX), ('tx_tail_pkts_back', TX),
    ('tx_tail_random', TX), ('tx_armed', dict(ALIVE, bells=1)),
    ('hello_ioctl', HELLO_BAD), ('hello_magic', HELLO_BAD),
    ('hello_type0', HELLO_BAD), ('hello_welcome', HELLO_BAD),
    ('hello_type99', HELLO_BAD), ('hello_short1', HELLO_BAD),
    ('hello_short', HELLO_BAD), ('hello_long', HELLO_BAD),
    ('hello_long4k', HELLO_BAD), ('hello_scm', HELLO_BAD),
    ('hello_scm1', HELLO_BAD),
    ('hello_empty', {}), ('hello_version0', {}), ('hello_version2', {}),
    ('session_hello', SESSION_BAD), ('session_magic', SESSION_BAD),
    ('session_welcome', SESSION_BAD), ('session_error', SESSION_BAD),
    ('session_type99', SESSION_BAD), ('session_arglen33', SESSION_BAD),
    ('session_arglen_max', SESSION_BAD),
    ('session_arglen_neg', SESSION_BAD), ('session_short', SESSION_BAD),
    ('session_long', SESSION_BAD), ('session_scm', SESSION_BAD),
    ('session_scm1', SESSION_BAD),
    ('ioctl_bad', ALIVE), ('sigio_owner', dict(ALIVE, sigio=1)),
    ('sifpid_forged', dict(ALIVE, sifpid=1)),
    ('conn_flood', dict(ALIVE, client_refused_busy=300 - 8 + 2)),
    ('storm_sync', ALIVE),
    ('storm_open', {'client_opens': 501, 'client_closes': 501}),
    ('storm_raw', dict(ALIVE, refused=None)),
    ('storm_kill', {'refused': None, 'opens_eq_closes': 1, 'purged': None}),
    ('keep_region', {'client_opens': 100, 'client_closes': 100}),
]


def fd_count(pid):
    return len(os.listdir('/proc/%d/fd' % pid))


def run_client(argv, timeout=60, on_wait=None):
    """Run a client; lines 'WAIT x' call on_wait(x), then it goes on.
    Returns (exit status, stdout)."""
    rc, lines, _ = harness.run_stepped(argv, on_wait, timeout)
    return rc, ''.join(ln + '\n' for ln in lines)


def counts(out):
    return {m.group(1): int(m.group(2)) for m in
            re.finditer(r'^count (\w+) (\d+)$', out, re.M)}


def start_sender(pmd):
    opens = pmd.xstats(1)['client_opens']
    argv = [harness.TUNTEST, 'send', pmd.sock(1), '--count', '1000000000',
            '--rate', '20000', '--quiet', '--timeout', '120']
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    pmd.wait_xstat(1, 'client_opens', opens + 1)
    return proc


def stop_sender(pmd, proc):
    closes = pmd.xstats(1)['client_closes']
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    pmd.wait_xstat(1, 'client_closes', closes + 1)


def attack(pmd, name, exp, fd_base):
    sender = start_sender(pmd)
    before = pmd.xstats(0)
    rx0 = pmd.port_stats(0)['RX-packets']
    mark = len(pmd.output)
    def on_wait(what):
        if what.startswith('sifpid '):
            # TUNSIFPID sent by this child, whose message claimed pid 1
            check_eq(pmd.xstats(0)['tun_pid'], int(what.split()[1]),
                     '%s: xstat tun_pid is the real sender' % name)
            return
        # a libbsdtun client while every pending slot is taken
        r = subprocess.run([harness.TUNTEST, 'send', pmd.sock(0),
                            '--count', '1'], capture_output=True, text=True,
                           timeout=30)
        check(r.returncode == 2 and
              'cannot open %s: Device or resource busy' % pmd.sock(0) in
              r.stderr, '%s: a libbsdtun client meanwhile fails EBUSY '
              '(exit %d, %r)' % (name, r.returncode, r.stderr.strip()))
    rc, stdout = run_client([HOSTILE, pmd.sock(0), name], on_wait=on_wait)
    stop_sender(pmd, sender)
    check(rc == 0 and 'DONE' in stdout,
          '%s: hostile client exit 0, all its checks passed (exit %d)' %
          (name, rc))
    check(pmd.proc.poll() is None, '%s: testpmd alive' % name)
    after = pmd.xstats(0)
    got = {k: after[k] - before[k] for k in EXACT}
    c = counts(stdout)
    want = {k: 0 for k in EXACT}
    for k, v in exp.items():
        if k in want:
            want[k] = v
    want['rx_bad_family'] = c.get('bad_family', 0)
    want['rx_runt'] = c.get('runt', 0)
    want['rx_vnet_bad'] = c.get('vnet_bad', 0)
    want['rx_gso_dropped'] = c.get('gso_dropped', 0)
    want['to_client_purged'] = c.get('to_client_purged', 0)
    want['to_dpdk_purged'] = c.get('to_dpdk_purged', 0)
    want['client_refused_busy'] += c.get('retries', 0)
    if exp.get('random'):
        # exactly one of the two rings was found corrupt; the random
        # words may land on armed and on the packet counters at close
        check_eq(got['rx_ring_corrupt'] + got['tx_ring_corrupt'], 1,
                 '%s: rx_ring_corrupt + tx_ring_corrupt' % name)
        for k in ('rx_ring_corrupt', 'tx_ring_corrupt', 'bells',
                  'to_client_purged', 'to_dpdk_purged'):
            del got[k], want[k]
    if 'refused' in exp:
        print('  client_refused_busy +%d (not compared)' %
              got['client_refused_busy'], flush=True)
        del got['client_refused_busy'], want['client_refused_busy']
    if 'purged' in exp:
        # sessions opened by HELLO-and-vanish: the client never saw them
        for k in ('to_client_purged', 'to_dpdk_purged'):
            del got[k], want[k]
    if exp.get('opens_eq_closes'):
        check(got['client_opens'] == got['client_closes'],
              '%s: client_opens == client_closes (+%d)' %
              (name, got['client_opens']))
        del got['client_opens'], want['client_opens']
        del got['client_closes'], want['client_closes']
    if exp.get('sigio'):
        # rings for an owner that is the DPDK process, a thread or its
        # group are refused; the rest let the kernel decide (CANSIGIO)
        check(after['async_refused'] > before['async_refused'],
              '%s: async_refused counts the rings refused (+%d)' %
              (name, after['async_refused'] - before['async_refused']))
        check(after['async_bells'] > before['async_bells'],
              '%s: async_bells counts the rings for SIGIO (+%d)' %
              (name, after['async_bells'] - before['async_bells']))

    check_eq(got, want, '%s: xstats deltas' % name)
    if 'good' in c:
        check_eq(pmd.port_stats(0)['RX-packets'] - rx0, c['good'],
                 '%s: every well-formed record delivered' % name)
    if name.startswith('hello_version'):
        check(re.search(r'client speaks wire version \d+, not 2',
                        pmd.output[mark:]) is not None,
              '%s: logged' % name)
    rc, _ = run_client([harness.TUNTEST, 'verify', pmd.sock(0), pmd.sock(1),
                        '--count', str(VERIFY_COUNT), '--ifhead', '--quiet',
                        '--window', str(QLEN)], timeout=120)
    check_eq(rc, 0, '%s: then tuntest verify works' % name)
    check_eq(fd_count(pmd.proc.pid), fd_base,
             '%s: testpmd descriptors back to the baseline' % name)


def main():
    with harness.Session() as s:
        # attacks write records of up to 16 KiB: an app that takes them
        units = ['qlen=%d,mtu=16384' % QLEN] * 2
        with s.testpmd(units, args=['--forward-mode=io',
                                    '--enable-scatter']) as pmd:
            pmd.cmd('start')
            fd_base = fd_count(pmd.proc.pid)
            only = os.environ.get('HOSTILE_ONLY')
            for name, exp in ATTACKS:
                if only and name not in only.split(','):
                    continue
                attack(pmd, name, exp, fd_base)
            pmd.cmd('stop')
            out = pmd.output
            check('AddressSanitizer' not in out and
                  'runtime error' not in out,
                  'no sanitizer report in testpmd output')


harness.run_main(main)
