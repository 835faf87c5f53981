#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The device node (devarg cdev=PATH, doc/cdev.md).

dpdk-testpmd in io forwarding serves net_bsdtun units with cdev=PATH;
tests/cdev_client, a plain tun(4) program (open/read/write/ioctl/poll,
no libbsdtun), does what only the node has to show (the behaviours both
faces share are tuntest conform's, test_behaviour.py and test_conform.py
run them on the node too).  This script drives testpmd between the
client's steps, checks what the DPDK side counted, and shows:

  - one holder across both faces: the library gets EBUSY while the node is
    open, the node while a library client holds the unit;
  - admission (owner/group/perm) against the caller of open(2);
  - several units in one process, each with its own node; a read blocked
    on one unit stops neither another unit nor its own control path;
  - 100,000 verified packets each way between two nodes;
  - after kill -9 of testpmd the next testpmd mounts the same node.
"""
import errno
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, check_eq  # noqa: E402

CDEV_CLIENT = os.path.join(harness.BUILD, 'tests', 'cdev_client')
LIBBSDTUN = os.path.join(harness.BUILD, 'lib', 'bsdtun', 'libbsdtun.so')
IO = ['--forward-mode=io']
NOBODY = harness.NOBODY
TRAFFIC = int(os.environ.get('BSDTUN_CDEV_PACKETS', '100000'))

# ---- helpers ----------------------------------------------------------------


def client(step, *args, on_wait=None, timeout=60, uid=None):
    """Run cdev_client STEP ARGS; 'WAIT x' lines call on_wait(x).  Records
    one assertion (exit 0, no FAIL line) and returns the output lines."""
    prog = CDEV_CLIENT if uid is None else \
        harness.unprivileged_path(CDEV_CLIENT)
    _, lines = harness.run_client([prog, step] + [str(a) for a in args],
                                  'cdev_client %s' % step, on_wait=on_wait,
                                  timeout=timeout, uid=uid, need_pass=False)
    return lines


# A library-face client in a child python (ctypes on libbsdtun.so; in a
# sanitizer build the child gets the ASan runtime preloaded).
LIB_CHILD = r'''
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1], use_errno=True)
lib.bsdtun_open.restype = ctypes.c_void_p
lib.bsdtun_open.argtypes = [ctypes.c_char_p, ctypes.c_int]
lib.bsdtun_close.argtypes = [ctypes.c_void_p]
t = lib.bsdtun_open(sys.argv[2].encode(), 0)
print('errno %d' % (0 if t else ctypes.get_errno()), flush=True)
if t:
    sys.stdin.readline()
    lib.bsdtun_close(t)
'''


class LibClient:
    """Open the unit through libbsdtun; hold it until close()."""

    def __init__(self, sock):
        self.proc = subprocess.Popen(
            [sys.executable, '-c', LIB_CHILD, LIBBSDTUN, sock],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env=harness.sanitizer_env())
        line = self.proc.stdout.readline().split()
        self.errno = int(line[1]) if len(line) == 2 else -1

    def close(self):
        try:
            self.proc.stdin.write('\n')
            self.proc.stdin.close()
        except OSError:
            pass
        return self.proc.wait(harness.PATIENCE)


def lib_open_errno(sock):
    c = LibClient(sock)
    c.close()
    return c.errno


def mounted(path):
    """Is path a mount point (of any fs) in our namespace?"""
    with open('/proc/self/mountinfo') as f:
        for line in f:
            mp = line.split()[4].replace('\\040', ' ')
            if mp == path:
                return True
    return False


def port_info(pmd, port, key):
    out = pmd.cmd('show port info %d' % port)
    m = re.search(r'%s:\s*(\S+)' % re.escape(key), out)
    return m.group(1) if m else None


# ---- the rows ---------------------------------------------------------------


def rows(s):
    print('\n=== rows (one port, loopback) ===', flush=True)
    node = s.path('rows/tun0')
    # --no-flush-rx: 'start' must not drop what was written before it.
    with s.testpmd(['cdev=' + node], IO + ['--no-flush-rx']) as pmd:
        sock = pmd.sock(0)
        check(mounted(node), 'node %s mounted at probe' % node)
        st = os.stat(node)
        check_eq(oct(st.st_mode), oct(0o100600), 'node mode (perm default)')

        # Row 1 across faces.  Forwarding is off: nothing moves yet.
        def on_busy(what):
            check_eq(lib_open_errno(sock), errno.EBUSY,
                     'row 1: library open while the node is open')
        client('busy', node, on_wait=on_busy)
        # A FUSE release is asynchronous to close(2) (doc/cdev.md).
        pmd.wait_xstat(0, 'client_closes', 101)
        lib = LibClient(sock)
        check_eq(lib.errno, 0, 'library client opens the unit')
        client('open_errno', node, 'EBUSY')
        lib.close()
        pmd.wait_xstat(0, 'client_closes', 103)
        check_eq(lib_open_errno(sock), 0, 'library open after the node '
                 'and library clients closed')

        # Rows 17-22: forwarding stopped (testpmd refuses 'port stop'
        # while forwarding).
        pmd.cmd('stop')

        def on_ioctl(what):
            if what == 'port-stop':
                pmd.cmd('port stop 0')
            elif what == 'port-start':
                pmd.cmd('port start 0')
            elif what == 'mtu 9000':
                check_eq(port_info(pmd, 0, 'MTU'), '9000',
                         'row 19: TUNSIFINFO set the ethdev MTU')
                pmd.cmd('port config mtu 0 1400')
            elif what == 'debug 3':
                pmd.wait_output(r'debug level 3')
                check(True, 'row 20: the PMD logs "debug level 3"')
            elif what.startswith('pid '):
                pid = int(what[4:])
                check_eq(pmd.xstats(0).get('tun_pid'), pid,
                         'row 21: xstats tun_pid after TUNSIFPID')
        client('ioctls', node, on_wait=on_ioctl)
        check_eq(port_info(pmd, 0, 'MTU'), '1500', 'MTU back to 1500')
        pmd.cmd('start')

        # What the VFS does with FIONREAD/FIOASYNC/FIOSETOWN.
        client('vfs', node)

        # Row 23: purge at close, link down with an LSC event.
        marks = {}

        def on_purge(what):
            if what == 'queued':
                marks['purged'] = pmd.xstats(0)['to_client_purged']
                marks['closes'] = pmd.xstats(0)['client_closes']
                marks['out'] = len(pmd.output)
                check_eq(port_info(pmd, 0, 'Link status'), 'up',
                         'row 23: link up while the node is open')
            else:
                xs = pmd.wait_xstat(0, 'client_closes', marks['closes'] + 1)
                check_eq(xs['to_client_purged'], marks['purged'] + 3,
                         'row 23: 3 packets purged at close')
                check_eq(xs['tun_pid'], 0, 'row 23: holder pid cleared')
                check_eq(port_info(pmd, 0, 'Link status'), 'down',
                         'row 23: link down after close')
                pmd.wait_output(r'Port 0: link state change event',
                                marks['out'])
                check(True, 'row 23: LSC event at close')
        client('purge', node, 3, on_wait=on_purge)

        pmd.cmd('stop')
        check_eq(pmd.wait_mbufs(0), 0, 'mbufs in use back to 0')

        # The unit goes away (port closed) under a blocked reader.
        def on_gone(what):
            pmd.cmd('port stop 0')
            pmd.cmd('port close 0', timeout=20)
        client('gone', node, on_wait=on_gone)
        check(not mounted(node), 'node unmounted when the port closed')
        check(not os.path.exists(node), 'node file removed')


def admission(s):
    print('\n=== admission (owner/group/perm) ===', flush=True)
    n0, n1 = s.path('adm0'), s.path('adm1')
    with s.testpmd(['cdev=' + n0, 'cdev=%s,perm=0666' % n1], IO) as pmd:
        check_eq(oct(os.stat(n1).st_mode), oct(0o100666), 'node mode 0666')
        client('open_errno', n0, 'EACCES', uid=NOBODY)
        check_eq(pmd.xstats(0).get('client_refused_perm'), 1,
                 'xstats client_refused_perm')
        client('open_ok', n1, uid=NOBODY)
        check_eq(pmd.xstats(1).get('client_opens'), 1,
                 'xstats client_opens')


def traffic(s):
    print('\n=== two units, two nodes, io forwarding ===', flush=True)
    na, nb = s.path('tunA'), s.path('tunB')
    with s.testpmd(['cdev=' + na, 'cdev=' + nb], IO) as pmd:
        check(mounted(na) and mounted(nb), 'each unit has its node')
        pmd.cmd('start')
        client('blocked', na, nb)
        client('traffic', na, nb, TRAFFIC, 32, timeout=900)
        fwd = pmd.fwd_stop()
        for p in (0, 1):
            got = fwd.get(p, {})
            check_eq((got.get('RX-packets'), got.get('TX-packets'),
                      got.get('RX-dropped'), got.get('TX-dropped')),
                     (TRAFFIC + 1, TRAFFIC + 1, 0, 0),
                     'port %d forward stats RX/TX packets, dropped' % p)
            xs = pmd.xstats(p)
            for k in ('tx_ring_full', 'tx_no_client', 'rx_bad_family',
                      'rx_runt', 'rx_nombuf'):
                check_eq(xs.get(k), 0, 'port %d xstats %s' % (p, k))
        check_eq(pmd.wait_mbufs(0), 0, 'mbufs in use back to 0')


def crash(s):
    print('\n=== kill -9 of testpmd, then a new one on the same node ===',
          flush=True)
    node, sock = s.path('crash/tun0'), s.path('crash.sock')
    units = ['sock=%s,cdev=%s' % (sock, node)]
    pmd = s.testpmd(units, IO)
    pmd.start()
    pmd.cmd('start')
    client('echo', node)
    held = os.open(node, os.O_RDWR)     # a client holding it at the crash
    pmd._kill()
    pmd.wait_exit()
    s.release_prefix(pmd.prefix)
    try:
        os.stat(node)
        err = 0
    except OSError as e:
        err = e.errno
    check_eq(err, errno.ENOTCONN, 'after kill -9 the node is a dead mount')
    with s.testpmd(units, IO) as pmd2:
        pmd2.wait_output(r'detached the stale mount')
        check(True, 'the new testpmd detached the stale mount')
        check(mounted(node), 'and mounted the node again')
        pmd2.cmd('start')
        client('echo', node)
        try:
            os.read(held, 100)
            err = 0
        except OSError as e:
            err = e.errno
        print('INFO read on a file of the dead mount: %s' %
              errno.errorcode.get(err, err), flush=True)
    try:
        os.close(held)      # FUSE flush on a dead connection: ENOTCONN
    except OSError:
        pass
    check(not mounted(node) and not os.path.exists(node),
          'node gone after a clean quit')


def detach_leftovers(top):
    """A testpmd that died mid-test leaves a dead mount: detach it, so
    that the session's directory can go."""
    with open('/proc/self/mountinfo') as f:
        mps = [ln.split()[4] for ln in f]
    for mp in mps:
        if mp.startswith(top + '/'):
            subprocess.run(['umount', '-l', mp], check=False)


def main():
    with harness.Session() as s:
        os.chmod(s.dir, 0o755)  # other users reach the nodes (admission)
        try:
            rows(s)
            admission(s)
            traffic(s)
            crash(s)
        finally:
            for p in s.pmds:
                if p.proc is not None and p.proc.poll() is None:
                    p.stop(10)
            detach_leftovers(s.dir)


harness.run_main(main)
