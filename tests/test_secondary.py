#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A DPDK secondary process on a running primary's unit (doc/pmd.md,
"Secondary processes").

testpmd is the primary, forwarding between two units; tests/lib_client
holds unit 0 (its link is up) while tests/secondary_probe, a secondary
with the same --file-prefix, calls every control op on port 0.  What reads
shared data works and agrees with the primary (info, MTU, link, stats,
xstats); every control op is refused with -ENOTSUP, or returns 0 without
acting (promiscuous on: it is on already; close: the secondary's own view
of the port); its bursts move nothing.  The secondary exits 0 without a
sanitizer report, and the primary's port is untouched: MTU, link, MAC,
promiscuous mode, counters, and it forwards verified traffic after."""
import os
import re
import subprocess

import harness
from harness import check, check_eq

PROBE = os.path.join(harness.BUILD, 'tests', 'secondary_probe')
LIB_CLIENT = os.path.join(harness.BUILD, 'tests', 'lib_client')
N = 1000
ENOTSUP = -95

# What each call in the secondary returns (secondary_probe's order).
EXPECT = [
    ('pool', 0),
    ('configure', ENOTSUP),
    ('rx_queue_setup', ENOTSUP),
    ('tx_queue_setup', ENOTSUP),
    ('start', ENOTSUP),
    ('stop', ENOTSUP),
    ('set_mtu', ENOTSUP),
    ('set_link_up', ENOTSUP),
    ('set_link_down', ENOTSUP),
    ('promiscuous_enable', 0),      # on already: ethdev returns at once
    ('promiscuous_disable', ENOTSUP),
    ('allmulticast_disable', ENOTSUP),
    ('mac_set', ENOTSUP),
    ('rx_queue_stop', ENOTSUP),
    ('rx_queue_start', ENOTSUP),
    ('tx_queue_stop', ENOTSUP),
    ('tx_queue_start', ENOTSUP),
    ('rx_intr_enable', ENOTSUP),
    ('rx_intr_disable', ENOTSUP),
    ('rx_burst', 0),
    ('tx_burst', 0),
    ('close', 0),                   # the secondary's view only
]


def secondary_env():
    """Secondaries register mempool drivers in the primary's order: the
    ones Debian's dpdk-testpmd links directly are preloaded (as
    test_capture.py does), after the ASan runtime in a sanitizer build."""
    out = subprocess.run(['ldd', subprocess.run(
        ['which', harness.TESTPMD], capture_output=True,
        text=True).stdout.strip()], capture_output=True, text=True).stdout
    libs = re.findall(r'(librte_mempool_\w+\.so[.\d]*) =>', out)
    env = harness.sanitizer_env()
    pre = [env['LD_PRELOAD']] if 'LD_PRELOAD' in env else []
    env['LD_PRELOAD'] = ' '.join(pre + libs)
    return env


def port_info(pmd, port):
    """'show port info N': {MTU, Link status, MAC address, Promiscuous
    mode, Allmulticast mode}."""
    out = pmd.cmd('show port info %d' % port)
    keys = ('MTU', 'Link status', 'MAC address', 'Promiscuous mode',
            'Allmulticast mode')
    return {k: m.group(1) if m else None for k, m in
            ((k, re.search(r'^%s: (\S+)' % k, out, re.M)) for k in keys)}


def run_secondary(pmd):
    """secondary_probe on port 0: (exit status, output, [(name, [words])])."""
    argv = [PROBE, '--proc-type=secondary', '--file-prefix=' + pmd.prefix,
            '--no-pci', '-l', '0', '-d', harness.PMD, '--',
            'net_bsdtun0']
    print('$ ' + ' '.join(argv), flush=True)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                       env=secondary_env())
    out = p.stdout + p.stderr
    print(out, flush=True)
    rows = [(ln.split()[0], ln.split()[1:]) for ln in p.stdout.splitlines()
            if ln.strip()]
    return p.returncode, out, rows


def stats_of(primary):
    return [primary[k] for k in ('RX-packets', 'TX-packets', 'RX-bytes',
                                 'TX-bytes', 'RX-errors', 'TX-errors')]


def main():
    with harness.Session() as s:
        # hugepage files kept and memory at a fixed address, so that a
        # secondary can attach (as test_capture.py's multiprocess_pmd)
        pmd = s.testpmd(['', ''], args=['--forward-mode=io'],
                        eal=['--base-virtaddr=0x200000000000'])
        pmd.argv.remove('--huge-unlink')
        with pmd:
            pmd.cmd('start')
            pmd.verify('before the secondary: %d packets each way' % N, N)
            idle = port_info(pmd, 0)
            check_eq((idle['MTU'], idle['Link status'],
                      idle['Promiscuous mode']),
                     ('1500', 'down', 'enabled'),
                     'port 0 before: MTU, link (nobody holds it), '
                     'promiscuous')

            def on_wait(what):
                held = port_info(pmd, 0)
                check_eq(held, dict(idle, **{'Link status': 'up'}),
                         'port 0 held by lib_client: link up')
                stats = pmd.port_stats(0)
                xstats = pmd.xstats(0)
                rc, out, rows = run_secondary(pmd)
                check_eq(rc, 0, 'the secondary exits 0')
                check('ERROR: AddressSanitizer' not in out and
                      'runtime error:' not in out,
                      'no sanitizer report in the secondary')
                names = [n for n, _ in rows]
                check_eq(names[-1:], ['done'], 'the secondary ran to its '
                         'end')
                got = [(n, int(w[0])) for n, w in rows
                       if n in dict(EXPECT)]
                check_eq(got, EXPECT, 'return codes in the secondary')
                reads = [(n, w) for n, w in rows
                         if n in ('info', 'mtu', 'link', 'stats')]
                want = [('info', ['0', '1', '16384', 'net_bsdtun']),
                        ('mtu', ['0', '1500']),
                        ('link', ['0', 'up']),
                        ('stats', ['0'] + [str(v) for v in
                                           stats_of(stats)])]
                check_eq(reads, want + want,
                         'info, MTU, link and stats read in the secondary '
                         '(before and after its control calls) are the '
                         'primary\'s')
                sec_xs = {}
                for n, w in rows:
                    if n == 'xstat':
                        sec_xs.setdefault(w[0], []).append(int(w[1]))
                check_eq({k: v for k, v in sec_xs.items()},
                         {k: [v, v] for k, v in xstats.items()},
                         'every xstat read in the secondary (twice) is the '
                         'primary\'s')
                check_eq([w for n, w in rows if n == 'xstats'],
                         [[str(len(xstats))]] * 2, 'xstats count')
                check_eq(port_info(pmd, 0), held,
                         'port 0 after the secondary: MTU, link, MAC, '
                         'promiscuous, allmulticast unchanged')
                check_eq(pmd.port_stats(0), stats,
                         'port 0 counters unchanged by the secondary')
                check_eq(pmd.xstats(0), xstats,
                         'port 0 xstats unchanged by the secondary')

            harness.run_client([LIB_CLIENT, pmd.sock(0), 'hold', '1,0'],
                               'lib_client holds unit 0 while the '
                               'secondary runs', on_wait)
            pmd.verify('after the secondary: testpmd still forwards %d '
                       'packets each way' % N, N)
            check_eq(port_info(pmd, 0), idle,
                     'port 0 after: as before the secondary')


harness.run_main(main)
