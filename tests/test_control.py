#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tun(4) control semantics seen from both sides: admission of an
unprivileged user (row 2), the MTU shared by TUNSIFINFO and the ethdev
(row 19), TUNSIFMODE against the port state (row 17), TUNSDEBUG driving the
PMD's log (row 20), the holder's pid on the DPDK side (row 21)."""
import os
import re
import subprocess

import harness
from harness import check, check_eq

NOBODY = harness.NOBODY


def ioctl(sock, *args, user=None):
    prog = harness.TUNTEST
    if user == 'nobody':
        prog = harness.unprivileged_path(prog)
    argv = [prog, 'ioctl', sock] + [str(a) for a in args]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                       preexec_fn=harness.as_user(NOBODY)
                       if user == 'nobody' else None)
    out = (p.stdout + p.stderr).strip()
    print('$ %s%s -> %d %s' % ('(nobody) ' if user else '', ' '.join(argv),
                                p.returncode, out), flush=True)
    return p.returncode, out


def admission(s):
    os.chmod(s.dir, 0o755)
    cases = [('', False), ('perm=0606', True),
             ('owner=%d' % NOBODY, True),
             ('group=%d,perm=0660' % NOBODY, True),
             ('perm=0660', False)]
    with s.testpmd([c for c, _ in cases]) as pmd:
        for i, (devargs, admit) in enumerate(cases):
            rc, out = ioctl(pmd.sock(i), 'info', user='nobody')
            if admit:
                check_eq(rc, 0, 'row 2: nobody opens a unit with "%s"' %
                         devargs)
            else:
                check(rc == 2 and ('Permission denied' in out or
                                   'Operation not permitted' in out),
                      'row 2: nobody refused with EACCES/EPERM by "%s": %s'
                      % (devargs or 'defaults', out))
            rc, _ = ioctl(pmd.sock(i), 'info')
            check_eq(rc, 0, 'row 2: root opens the unit with "%s"' %
                     devargs)


def mtu(s):
    with s.testpmd(['mtu=2000']) as pmd:
        info = pmd.cmd('show port info 0')
        check_eq(re.search(r'MTU: (\d+)', info).group(1), '2000',
                 'devarg mtu=2000 is the ethdev MTU')
        check_eq(ioctl(pmd.sock(0), 'info')[1].split()[1], '2000',
                 'devarg mtu=2000 is TUNGIFINFO\'s MTU')
        check_eq(ioctl(pmd.sock(0), 'mtu', 9000)[0], 0, 'TUNSIFINFO 9000')
        info = pmd.cmd('show port info 0')
        check_eq(re.search(r'MTU: (\d+)', info).group(1), '9000',
                 'row 19: rte_eth_dev_get_mtu after TUNSIFINFO 9000')
        pmd.cmd('port config mtu 0 1400')
        check_eq(ioctl(pmd.sock(0), 'info')[1].split()[1], '1400',
                 'row 19: TUNGIFINFO after rte_eth_dev_set_mtu 1400')
        rc, out = ioctl(pmd.sock(0), 'mtu', 71)
        check(rc == 1 and 'Invalid argument' in out,
              'row 19: TUNSIFINFO 71 fails EINVAL: %s' % out)
        out = pmd.cmd('port config mtu 0 71')
        info = pmd.cmd('show port info 0')
        check_eq(re.search(r'MTU: (\d+)', info).group(1), '1400',
                 'rte_eth_dev_set_mtu 71 refused, MTU unchanged')


def ifmode(s):
    iff = {'pointopoint': 0x10, 'broadcast': 0x2,
           'pointopoint,multicast': 0x1010, 'broadcast,multicast': 0x1002,
           '0x8010': 0x1010, '0x8002': 0x1002}
    with s.testpmd(['']) as pmd:
        check_eq(pmd.xstats(0)['if_flags'], 0x1010,
                 'row 3: point-to-point + multicast at creation (xstat '
                 'if_flags)')
        pmd.cmd('start')
        for v in ('pointopoint', 'broadcast'):
            rc, out = ioctl(pmd.sock(0), 'ifmode', v)
            check(rc == 1 and 'Device or resource busy' in out,
                  'row 17: TUNSIFMODE %s while started: EBUSY (%s)' %
                  (v, out))
        pmd.cmd('stop')
        pmd.cmd('port stop 0')
        for v in ('pointopoint', 'broadcast', 'pointopoint,multicast',
                  'broadcast,multicast', '0x8010', '0x8002'):
            check_eq(ioctl(pmd.sock(0), 'ifmode', v)[0], 0,
                     'row 17: TUNSIFMODE %s while stopped' % v)
            check_eq(pmd.xstats(0)['if_flags'], iff[v],
                     'row 17: TUNSIFMODE %s: xstat if_flags' % v)
        for v in ('0', '0x12', '0x1000', '0x8', '-1'):
            rc, out = ioctl(pmd.sock(0), 'ifmode', v)
            check(rc == 1 and 'Invalid argument' in out,
                  'row 17: TUNSIFMODE %s while stopped: EINVAL (%s)' %
                  (v, out))
        check_eq(pmd.xstats(0)['if_flags'], 0x1002,
                 'row 17: a refused TUNSIFMODE changes nothing')
        pmd.cmd('port start 0')
        rc, out = ioctl(pmd.sock(0), 'ifmode', 'broadcast')
        check(rc == 1 and 'Device or resource busy' in out,
              'row 17: TUNSIFMODE after port start: EBUSY (%s)' % out)


def debug_and_pid(s):
    with s.testpmd(['']) as pmd:
        pmd.cmd('start')
        mark = len(pmd.output)
        check_eq(ioctl(pmd.sock(0), 'debug', 3)[0], 0, 'TUNSDEBUG 3')
        pmd.wait_output(r'net_bsdtun0: debug level 3', mark)
        check(True, 'row 20: the PMD logs the unit\'s new debug level')
        mark = len(pmd.output)
        ioctl(pmd.sock(0), 'info')
        pmd.wait_output(r'net_bsdtun0: debug: ', mark)
        check(True, 'row 20: debug lines for the unit while it is on')
        ioctl(pmd.sock(0), 'debug', 0)
        # the lines of that ioctl's own open are written before its reply;
        # one testpmd command makes sure they were read before the mark
        pmd.cmd('show port info 0')
        mark = len(pmd.output)
        ioctl(pmd.sock(0), 'info')
        pmd.cmd('show port info 0')
        late = [ln for ln in pmd.output[mark:].splitlines()
                if 'debug: ' in ln]
        check_eq(late, [], 'row 20: no debug lines once TUNSDEBUG 0')
        holder = subprocess.Popen([harness.TUNTEST, 'recv', pmd.sock(0),
                                   '--count', '1', '--timeout', '3',
                                   '--quiet'], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        xs = pmd.wait_xstat(0, 'tun_pid', 1)
        check_eq(xs['tun_pid'], holder.pid,
                 'row 21: xstat tun_pid is the holder\'s pid')
        holder.kill()
        holder.wait()
        xs = harness.wait_for(lambda: pmd.xstats(0)['tun_pid'] == 0)
        check(xs, 'row 21: tun_pid back to 0 after close')


def main():
    with harness.Session() as s:
        admission(s)
        mtu(s)
        ifmode(s)
        debug_and_pid(s)


harness.run_main(main)
