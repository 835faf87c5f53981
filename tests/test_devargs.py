#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Devargs: every bad value fails the probe with one log line naming the
key and the value, and leaves no endpoint behind; good values probe.

Each case runs dpdk-testpmd -i with 'quit' on stdin (a failed vdev probe
does not stop testpmd: it starts with no port).
"""

import concurrent.futures
import os
import re
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, check_eq  # noqa: E402

LONG_SOCK = '/tmp/' + 'x' * 120 + '.sock'     # > sun_path (108)

# (key, value): the error line must contain 'key=value'
BAD = [
    ('sock', 'relative.sock'),
    ('sock', LONG_SOCK),
    ('qlen', '0'),
    ('qlen', '65537'),
    ('qlen', 'abc'),
    ('queues', '0'),
    ('queues', '17'),
    ('queues', '2x'),
    ('mtu', '71'),
    ('mtu', '16385'),
    ('framing', 'foo'),
    ('mac', 'not-a-mac'),
    ('mac', '01:00:5e:00:00:01'),
    ('owner', 'no-such-user'),
    ('group', 'no-such-group'),
    ('perm', '999'),
    ('perm', 'abc'),
    ('cdev', 'relative/node'),
    ('pcapng', '/nonexistent-bsdtun-dir/x.pcapng'),   # cannot be created
    ('pcapng', ''),
    ('mode', 'tup'),
    ('foo', 'bar'),             # unknown key
]

PROBE_FAILED = 'failed to initialize net_bsdtun0 device'
NO_PORT = 'No probed ethernet devices'


def run_quit(s, devargs, stdin='quit\n'):
    pmd = s.testpmd([devargs], stdin_text=stdin, echo=False)
    pmd.start()
    rc = pmd.wait_exit(30)
    pmd.stop()
    return pmd, rc, pmd.output


def bad_cases(s):
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        futs = [(k, v, ex.submit(run_quit, s, '%s=%s' % (k, v)))
                for k, v in BAD]
        for key, val, fut in futs:
            pmd, rc, out = fut.result()
            what = '%s=%s' % (key, val)
            print('\n=== bad devarg %s ===' % what, flush=True)
            print('$ ' + ' '.join(pmd.argv), flush=True)
            lines = out.splitlines()
            naming = [ln for ln in lines if what in ln]
            for ln in naming:
                print('  | ' + ln, flush=True)
            check_eq(len(naming), 1,
                     '%s: log lines naming key and value' % what)
            check(any('net_bsdtun' in ln for ln in naming),
                  '%s: the line comes from net_bsdtun' % what)
            check(PROBE_FAILED in out, '%s: probe failed' % what)
            check(NO_PORT in out, '%s: testpmd has no port' % what)
            check_eq(rc, 0, '%s: testpmd still quits cleanly' % what)
            socks = [p for p in pmd.socks if p != LONG_SOCK]
            check(all(not os.path.exists(p) for p in socks),
                  '%s: no endpoint left behind' % what)


def good_case(s, devargs, mac, mtu, uid, gid, mode, pcapng=None):
    print('\n=== good devargs %s ===' % devargs, flush=True)
    with s.testpmd([devargs]) as pmd:
        if pcapng is not None:
            check(os.path.isfile(pcapng), '%s: capture file created' %
                  devargs)
        out = pmd.output
        check(PROBE_FAILED not in out and NO_PORT not in out,
              '%s: probes' % devargs)
        info = pmd.cmd('show port info 0')
        m = re.search(r'MAC address: (\S+)', info)
        check_eq(m and m.group(1).lower(), mac, '%s: MAC' % devargs)
        check('Driver name: net_bsdtun' in info, '%s: driver' % devargs)
        # doc/pmd.md: mtu= is the initial MTU, the same value as
        # rte_eth_dev_get_mtu(); testpmd configured the port without
        # asking for an MTU (rxmode.mtu 0).
        m = re.search(r'^MTU: (\d+)', info, re.M)
        check_eq(m and int(m.group(1)), mtu,
                 '%s: MTU after the app configured the port' % devargs)
        st = os.stat(pmd.sock(0))
        check(stat.S_ISSOCK(st.st_mode), '%s: endpoint is a socket' %
              devargs)
        check_eq(oct(stat.S_IMODE(st.st_mode)), oct(mode),
                 '%s: endpoint mode' % devargs)
        check_eq((st.st_uid, st.st_gid), (uid, gid),
                 '%s: endpoint owner, group' % devargs)


def main():
    with harness.Session() as s:
        bad_cases(s)
        good_case(s, 'qlen=50', '02:62:74:75:6e:00', 1500, os.geteuid(),
                  os.getegid(), 0o600)
        good_case(s, 'cdev=off,qlen=8,mtu=9000,framing=ip,'
                  'mac=02:11:22:33:44:55,owner=root,group=root,perm=0660',
                  '02:11:22:33:44:55', 9000, 0, 0, 0o660)
        good_case(s, 'qlen=65536,mtu=72,framing=eth,mac=0A:00:00:00:00:01,queues=16,'
                  'owner=65534,group=65534,perm=606',
                  '0a:00:00:00:00:01', 72, 65534, 65534, 0o606)
        cap = s.path('cap.pcapng')
        good_case(s, 'qlen=1,mtu=16384,pcapng=' + cap, '02:62:74:75:6e:00',
                  16384, os.geteuid(), os.getegid(), 0o600, pcapng=cap)


if __name__ == '__main__':
    harness.run_main(main)
