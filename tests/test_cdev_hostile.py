#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A caller of the device node cannot wedge it (doc/robustness.md, row 16).

The node reads and writes the struct ifreq of TUNSETIFF, TUNGETIFF,
TUNSETQUEUE and SIOCGIFHWADDR in the caller's memory.  tests/node_wedge
hands it an address whose bytes straddle an anonymous page and a mapping
that faults into FUSE when touched:

  - self: the node file itself, mapped MAP_PRIVATE (the fault is a FUSE
    read addressed to the node);
  - fuse: a file of a FUSE mount the caller serves itself and whose reads
    it never answers.

The node answers a read of its own pages at once (it has none), so the
first fails EFAULT at once.  The second stays in flight (the caller
blocked in it, a child of the DPDK process blocked in the fault) while
another user opens the same node, writes a packet and reads it back
through testpmd's forwarding, and testpmd quits cleanly; the hostile
ioctl then fails ENXIO.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, check_eq  # noqa: E402

WEDGE = os.path.join(harness.BUILD, 'tests', 'node_wedge')
NOBODY = harness.NOBODY
OTHER = 4243            # another user, admitted by perm=0666
ARGS = ['--forward-mode=io', '--port-topology=loop', '--rxq=2', '--txq=2']

# The other user's whole life on the node: open, write, read the echo.
OTHER_CHILD = r'''
import os, select, sys
pkt = bytes.fromhex(sys.argv[2])
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NONBLOCK)
print('opened', flush=True)
print('wrote', os.write(fd, pkt), flush=True)
r, _, _ = select.select([fd], [], [], 120)
print('echo', os.read(fd, 65536).hex() if r else 'none', flush=True)
os.close(fd)
'''

IOCTL_LINE = 'ioctl ret'


def in_ioctl(pid):
    """Is pid's (only) thread blocked in ioctl(2) (syscall 16)?"""
    try:
        with open('/proc/%d/syscall' % pid) as f:
            return f.read().split()[0] == '16'
    except (OSError, IndexError):
        return False


def children_in_fault(pid):
    """The children of pid (the node's copying children) waiting in a
    fault on FUSE: for the answer, or for the page the answer fills."""
    n = 0
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                ppid = int(f.read().rsplit(')', 1)[1].split()[1])
            if ppid != pid:
                continue
            with open('/proc/%s/stack' % d) as f:
                stack = f.read()
            print('INFO child %s of the DPDK process:\n%s' % (d, stack),
                  flush=True)
            n += 'process_vm_rw' in stack and \
                ('fuse' in stack or 'folio' in stack)
        except (OSError, ValueError, IndexError):
            pass
    return n


def other_user_works(node, what):
    """Another user's open, write and read on the node, with a deadline
    that only a wedged node misses."""
    pkt = harness.ipv4_packet(7, 1, size=84)
    p = subprocess.run(['/usr/bin/python3', '-c', OTHER_CHILD, node, pkt.hex()],
                       preexec_fn=harness.as_user(OTHER), capture_output=True,
                       text=True, timeout=180)
    print(p.stdout + p.stderr, flush=True)
    check_eq(p.stdout.split('\n')[:3],
             ['opened', 'wrote %d' % len(pkt), 'echo ' + pkt.hex()],
             '%s: another user opens, writes and reads its echo' % what)


def attack(s, mode):
    print('\n=== a hostile struct ifreq (%s) ===' % mode, flush=True)
    node = s.path('%s/tun0' % mode)
    argv = [harness.unprivileged_path(WEDGE), mode, node]
    if mode == 'fuse':
        d = s.path('fuse-%d' % NOBODY)
        os.mkdir(d, 0o700)
        os.chown(d, NOBODY, NOBODY)
        backing = os.path.join(d, 'page')
        with open(backing, 'w'):
            pass
        os.chown(backing, NOBODY, NOBODY)
        argv.append(backing)
    pmd = s.testpmd(['cdev=%s,queues=2,perm=0666' % node], ARGS)
    pmd.start()
    pmd.cmd('start')
    wedge = s.spawn(argv, uid=NOBODY, echo=True)
    try:
        if mode == 'self':
            # the node answers a read of its pages at once (it has none):
            # the copy fails EFAULT and nothing waits
            wedge.wait_output(IOCTL_LINE, timeout=60)
            check_eq(wedge.lines()[-1], 'ioctl ret -1 errno 14',
                     'self: the ioctl fails EFAULT at once')
            other_user_works(node, mode)
            check_eq(pmd.stop(timeout=60), 0, 'self: testpmd quits')
            return
        wedge.wait_output(r'WAIT stalled_read', timeout=60)
        check(harness.wait_for(lambda: in_ioctl(wedge.pid), timeout=60),
              'fuse: the hostile caller is blocked in its ioctl')
        check_eq(children_in_fault(pmd.pid), 1,
                 'fuse: a child of the DPDK process waits in the fault')
        other_user_works(node, mode)
        check(IOCTL_LINE not in wedge.output,
              'fuse: the hostile ioctl is still in flight')
        # close the port: the request fails, nothing waits on the fault
        check_eq(pmd.stop(timeout=60), 0, 'fuse: testpmd quits')
        wedge.wait_output(IOCTL_LINE, timeout=60)
        check_eq(wedge.lines()[-1], 'ioctl ret -1 errno 6',
                 'fuse: the hostile ioctl fails ENXIO')
    finally:
        wedge.kill(0)
        if mode == 'fuse':
            subprocess.run(['umount', '-l', backing], capture_output=True)


SUPPRESSED = re.compile(r'net_bsdtun0: (\d+) messages suppressed')
BAD_PTR = "cannot read the caller's struct ifreq"


def log_flood(s):
    print('\n=== 3 s of bad struct ifreq pointers: the log is bounded ===',
          flush=True)
    node = s.path('flood/tun0')
    with s.testpmd(['cdev=%s,perm=0666' % node], ARGS[:2]) as pmd:
        mark = pmd.mark()
        p = s.spawn([harness.unprivileged_path(WEDGE), 'flood', node, 3],
                    uid=NOBODY, echo=True)
        p.wait_output(r'COUNT \d+', timeout=120)
        sent = int([ln for ln in p.lines() if ln.startswith('COUNT ')][0][6:])

        def tally():
            unit = pmd.output[mark:].splitlines()
            bad = sum(BAD_PTR in ln for ln in unit)
            sup = [int(m.group(1)) for m in map(SUPPRESSED.search, unit)
                   if m]
            return bad, sup
        # every line is printed or counted in a suppression line
        harness.wait_for(lambda: sum(tally()[1]) + tally()[0] >= sent,
                         timeout=harness.PATIENCE, step=0.2)
        bad, sup = tally()
        print('%d EFAULTs: %d lines printed, suppressed %r'
              % (sent, bad, sup), flush=True)
        check(sent > 40, 'the caller made %d bad requests (> 40)' % sent)
        check(bad <= 2 * 20, 'at most 2 x 20 lines printed (%d)' % bad)
        check(1 <= len(sup) <= 2, 'one "N messages suppressed" line per '
              '5 s interval (%d)' % len(sup))
        # the others: the open's and the close's own lines
        check(sent <= bad + sum(sup) <= sent + 2,
              'printed and suppressed add up to every bad request (%d of '
              '%d)' % (bad + sum(sup), sent))


def main():
    with harness.Session() as s:
        os.chmod(s.dir, 0o755)  # other users reach the nodes
        attack(s, 'self')
        attack(s, 'fuse')
        log_flood(s)


harness.run_main(main)
