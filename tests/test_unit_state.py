#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""What a client sets on its unit ends with it (doc/behaviour.md, "What a
client sets ends with it"; doc/robustness.md, row 16):

- owner_carrier: uid 65534 TUNSETIFF, TUNSETOWNER 4242, TUNSETCARRIER 0,
  close; then uid 1000 TUNSETIFF works and the DPDK link is up while it
  holds the unit.  Root's TUNSETOWNER stands;
- debug: uid 65534's TUNSDEBUG ends at its close (the level root set is
  back);
- mtu_shared: on a queues=2 unit, a user may not change the MTU while
  another user holds the other pair (EPERM); alone, its MTU goes back at
  its close;
- log_limit: uid 65534 sets TUNSDEBUG 1 and sends requests for 3 s (one
  debug line each): testpmd's log has at most 2 x 20 of the unit's lines
  and "N messages suppressed" lines whose counts add up, with the lines
  printed, to every line the client caused; its debug level ends at close
  (doc/robustness.md, row 18);
- open_off_thread: testpmd locks its memory (mlockall), so mapping an
  open's region faults in all of it (64 MiB at qlen=65536).  While such a
  unit is opened and closed in a loop, another unit's requests are
  answered, and the control thread, which answers every unit, faults in
  none of those regions: the region thread does (per-thread minor fault
  counts, /proc/PID/task/TID/stat) (doc/robustness.md, row 19).

Clients run as other users (unit_state_client, through libbsdtun).
"""
import os
import re

import harness
from harness import check, check_eq

NOBODY = harness.NOBODY
OTHER = 1000  # another user; no account needed
CLIENT = harness.unprivileged_path(
    os.path.join(harness.BUILD, 'tests', 'unit_state_client'))


def client(pmd, ops, what, uid=NOBODY, on_wait=None, port=0):
    """unit_state_client on port's unit as uid: one assertion, what."""
    return harness.run_client([CLIENT, pmd.sock(port), ops], what,
                              on_wait=on_wait, uid=uid)


def mtu(pmd, port=0):
    out = pmd.cmd('show port info %d' % port)
    return int(re.search(r'MTU: (\d+)', out).group(1))


def owner_carrier(s):
    with s.testpmd(['perm=0666'], args=['--forward-mode=io']) as pmd:
        def down(_):
            check(harness.wait_for(lambda: pmd.link(0) == 'down'),
                  'uid %d set TUNSETCARRIER 0: the link is down' % NOBODY)
        client(pmd, 'setiff,owner=4242,carrier=0,wait',
               'uid %d: TUNSETIFF, TUNSETOWNER 4242, TUNSETCARRIER 0'
               % NOBODY, on_wait=down)

        def up(_):
            check(harness.wait_for(lambda: pmd.link(0) == 'up'),
                  'the next open holds the unit: the link is up (the '
                  'carrier turned off was put back at the close)')
        client(pmd, 'setiff,wait',
               'uid %d: TUNSETIFF works (the owner uid %d set ended '
               'with its open)' % (OTHER, NOBODY), uid=OTHER, on_wait=up)
        # root's settings are the admin's: they stand
        client(pmd, 'setiff,owner=4242', 'root: TUNSETOWNER 4242', uid=0)
        client(pmd, 'setiff:EPERM',
               'root\'s owner 4242 stands: uid %d TUNSETIFF EPERM'
               % NOBODY)
        client(pmd, 'setiff,owner=%d' % NOBODY,
               'root: TUNSETOWNER %d' % NOBODY, uid=0)
        client(pmd, 'setiff,carrier=0,wait',
               'uid %d (the owner now) may TUNSETCARRIER 0' % NOBODY,
               on_wait=down)
        client(pmd, 'setiff,wait', 'root\'s open after it: the carrier '
               'is back', uid=0, on_wait=up)


def debug(s):
    with s.testpmd(['perm=0666'], args=['--forward-mode=io']) as pmd:
        client(pmd, 'debug=2', 'root: TUNSDEBUG 2 (stands)', uid=0)
        client(pmd, 'gdebug=2,debug=1,gdebug=1',
               'uid %d: TUNSDEBUG 1' % NOBODY)
        client(pmd, 'gdebug=2', 'uid %d\'s debug level ended at its close: '
               'root\'s 2 is back' % NOBODY, uid=OTHER)
        client(pmd, 'debug=0', 'root: TUNSDEBUG 0', uid=0)


def mtu_shared(s):
    with s.testpmd(['queues=2,perm=0666'],
                   args=['--forward-mode=io', '--rxq=2', '--txq=2']) as pmd:
        held = s.spawn([CLIENT, pmd.sock(0), 'wait,gmtu=1500'], uid=OTHER,
                       stdin=True, echo=True)
        held.wait_output(r'WAIT held')
        client(pmd, 'mtu=72:EPERM,gmtu=1500',
               'queues=2, uid %d holds a pair: uid %d TUNSIFINFO EPERM'
               % (OTHER, NOBODY))
        check_eq(mtu(pmd), 1500, 'the port\'s MTU is still 1500')
        held.proc.stdin.write(b'go\n')
        held.proc.stdin.flush()
        check_eq(held.wait(30), 0, 'uid %d\'s pair: MTU 1500 throughout'
                 % OTHER)

        def lowered(_):
            check_eq(mtu(pmd), 1000, 'alone on the unit, uid %d set MTU '
                     '1000: the port\'s MTU' % NOBODY)
        client(pmd, 'mtu=1000,wait', 'uid %d alone: TUNSIFINFO MTU 1000'
               % NOBODY, on_wait=lowered)
        check(harness.wait_for(lambda: mtu(pmd) == 1500),
              'at its close the MTU is 1500 again')
        client(pmd, 'mtu=1400', 'root: TUNSIFINFO MTU 1400', uid=0)
        check_eq(mtu(pmd), 1400, 'root\'s MTU stands')


SUPPRESSED = re.compile(r'net_bsdtun0: (\d+) messages suppressed')


def log_limit(s):
    with s.testpmd(['perm=0666'], args=['--forward-mode=io'],
                   eal=['--log-level=pmd.net.bsdtun,6']) as pmd:
        mark = pmd.mark()
        _, lines = client(pmd, 'debug=1,flood=3',
                          'uid %d: TUNSDEBUG 1, then requests for 3 s'
                          % NOBODY)
        sent = int([ln for ln in lines if ln.startswith('COUNT ')][0][6:])
        # "debug level 1", that request's debug line, one per request of
        # the flood, the debug level put back at close
        caused = sent + 3

        def tally():
            unit = [ln for ln in pmd.output[mark:].splitlines()
                    if 'net_bsdtun0: ' in ln]
            sup = [int(m.group(1)) for m in map(SUPPRESSED.search, unit)
                   if m]
            return len(unit) - len(sup), sup
        harness.wait_for(lambda: sum(tally()[1]) + tally()[0] == caused,
                         timeout=harness.PATIENCE, step=0.2)
        printed, sup = tally()
        print('%d requests: %d lines printed, suppressed %r'
              % (sent, printed, sup), flush=True)
        check(sent > 1000, 'the client made %d debug lines (> 1000)' % sent)
        check(printed <= 2 * 20, 'at most 2 x 20 of them printed (%d)'
              % printed)
        check(1 <= len(sup) <= 2, 'one "N messages suppressed" line per '
              '5 s interval (%d)' % len(sup))
        check_eq(printed + sum(sup), caused, 'printed and suppressed add '
                 'up to every line the client caused')
        mark = pmd.mark()
        client(pmd, 'gdebug=0,gdebug=0', 'the debug level of uid %d ended '
               'with its open' % NOBODY, uid=OTHER)
        check('debug: ' not in pmd.output[mark:],
              'no debug lines after its close')


def thread_faults(pid):
    """{thread name: minor faults} of pid's threads."""
    res = {}
    for tid in os.listdir('/proc/%d/task' % pid):
        try:
            with open('/proc/%d/task/%s/stat' % (pid, tid)) as f:
                st = f.read()
        except OSError:
            continue
        name = st[st.index('(') + 1:st.rindex(')')]
        res[name] = res.get(name, 0) + int(st[st.rindex(')') + 2:].split()[7])
    return res


def open_off_thread(s):
    with s.testpmd(['qlen=65536,perm=0666', 'perm=0666'],
                   args=['--forward-mode=io']) as pmd:
        with open('/proc/%d/status' % pmd.pid) as f:
            locked = [int(ln.split()[1]) for ln in f
                      if ln.startswith('VmLck:')][0]
        # beside ASan's shadow (the sanitizer build preloads its runtime
        # into testpmd) mlockall() fails, testpmd goes on unlocked, and a
        # region's pages fault in only where they are touched
        check(locked > 0 or harness.SANITIZE,
              'testpmd locks its memory (VmLck %d kB)' % locked)
        pages = harness.region_bytes(65536) // 4096
        before = thread_faults(pmd.pid)
        loop = s.spawn([CLIENT, pmd.sock(0), 'reopen=3'], uid=NOBODY,
                       echo=True)
        client(pmd, 'rtt=3', 'meanwhile another unit answers every '
               'request', port=1, uid=OTHER)
        check_eq(loop.wait(60), 0, 'unit 0 opened and closed for 3 s')
        opens = int(re.search(r'COUNT (\d+)', loop.output).group(1))
        after = thread_faults(pmd.pid)
        delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        print('%d opens of %d pages each; minor faults by thread: %r'
              % (opens, pages, delta), flush=True)
        check(opens >= 2, '%d opens' % opens)
        check(delta.get('dpdk-bsdtun-ctl', 0) < pages // 8,
              'the control thread faulted in none of the regions (%d '
              'faults, one region is %d pages)'
              % (delta.get('dpdk-bsdtun-ctl', 0), pages))
        if locked > 0:
            check(delta.get('dpdk-bsdtun-reg', 0) >= opens * pages // 2,
                  'the region thread did (%d faults for %d opens)'
                  % (delta.get('dpdk-bsdtun-reg', 0), opens))
        else:
            print('INFO testpmd runs unlocked (ASan): the regions are '
                  'not faulted in at open by anybody', flush=True)


def main():
    with harness.Session() as s:
        os.chmod(s.dir, 0o755)  # other users reach the sockets
        owner_carrier(s)
        debug(s)
        mtu_shared(s)
        log_limit(s)
        open_off_thread(s)


harness.run_main(main)
