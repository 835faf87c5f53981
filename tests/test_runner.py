#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tuntest run: an unmodified Linux tun program (one that hard-codes
/dev/net/tun) against a unit.

testpmd forwards (io) between two units with device nodes.  PROG below is
such a program, plain system calls only: open("/dev/net/tun"), TUNSETIFF
"tun7" IFF_TUN|IFF_NO_PI, TUNGETIFF, `ip addr add ... dev tun7`, one IPv4
packet written and one read.  It runs under
`tuntest run --netns NS --ifname tun7 NODE0 -- PROG`, while the test holds
the other unit's node as a Linux tun file: the exact bytes cross both ways
through testpmd.  Around it: the host's /dev/net/tun stays the kernel's
(10:200) and nothing is mounted on the host, the kernel interface tun7
exists in NS only while the program runs, the exit status (or the signal)
is PROGRAM's, SIGTERM is passed on, a killed tuntest run takes the kernel
interface and the program with it, an existing interface is left alone,
--tap makes a tap, a machine without /dev/net/tun (or without /dev/net) gets
one inside the namespace, and every error of the command line exits 2 with
a message and without running anything.
"""

import fcntl
import os
import re
import shutil
import signal
import stat
import struct
import subprocess
import sys

import harness
from harness import check, check_eq

TUNSETIFF = 0x400454ca
TUNGETIFF = 0x800454d2
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000

ADDR = '10.77.7.1/24'

# The Linux program.  Modes: io (the whole exchange, exits 3), sigterm
# (exits 5 on SIGTERM), selfkill (killed by SIGTERM), sleep (until a
# signal ends it), probe (TUNSETIFF/TUNGETIFF only).
PROG = r'''
import fcntl, os, select, signal, struct, subprocess, sys

mode = sys.argv[1]
print('pid %d' % os.getpid(), flush=True)
if mode == 'sigterm':
    signal.signal(signal.SIGTERM, lambda s, f: os._exit(5))
    print('ready', flush=True)
    while True:
        signal.pause()
if mode == 'selfkill':
    os.kill(os.getpid(), signal.SIGTERM)
if mode == 'sleep':
    print('ready', flush=True)
    while True:
        signal.pause()
st = os.stat('/dev/net/tun')
print('inside_stat %s %d:%d' % ('chr' if st.st_mode & 0o170000 == 0o020000
                                else 'reg' if st.st_mode & 0o170000 ==
                                0o100000 else 'other',
                                os.major(st.st_rdev), os.minor(st.st_rdev)),
      flush=True)
fd = os.open('/dev/net/tun', os.O_RDWR)
ifr = bytearray(struct.pack('16sH22x', b'tun7', 0x0001 | 0x1000))
fcntl.ioctl(fd, 0x400454ca, ifr)
print('setiff %s' % ifr[:16].rstrip(b'\0').decode(), flush=True)
g = bytearray(40)
fcntl.ioctl(fd, 0x800454d2, g)
print('getiff %s 0x%x' % (g[:16].rstrip(b'\0').decode(),
                          struct.unpack('H', g[16:18])[0]), flush=True)
if mode == 'probe':
    st = os.stat('/dev/null')
    print('dev_null %d:%d' % (os.major(st.st_rdev), os.minor(st.st_rdev)),
          flush=True)
    sys.exit(0)
r = subprocess.run(['ip', 'addr', 'add', sys.argv[2], 'dev', 'tun7'])
print('ip_addr_add %d' % r.returncode, flush=True)
print('sys_class_net %s' % ' '.join(sorted(os.listdir('/sys/class/net'))),
      flush=True)
print('ready', flush=True)
sys.stdin.readline()
pkt = bytes.fromhex(sys.argv[3])
print('wrote %d' % os.write(fd, pkt), flush=True)
r, _, _ = select.select([fd], [], [], 60)
print('read %s' % (os.read(fd, 65536).hex() if r else 'nothing'),
      flush=True)
sys.exit(3)
'''


def ip(*args):
    return subprocess.run(['ip'] + list(args), capture_output=True,
                          text=True)


def host_tun():
    """What the host's /dev/net/tun is: (kind, major, minor)."""
    st = os.stat('/dev/net/tun')
    return ('chr' if stat.S_ISCHR(st.st_mode) else 'other',
            os.major(st.st_rdev), os.minor(st.st_rdev))


def tun_mounts(pid='self'):
    """Mounts on /dev/net/tun in pid's mount namespace: [fstype]."""
    out = []
    with open('/proc/%s/mountinfo' % pid) as f:
        for line in f:
            w = line.split()
            if w[4] == '/dev/net/tun':
                out.append(w[w.index('-') + 1])
    return out


def host_clean(what):
    check_eq(host_tun(), ('chr', 10, 200),
             '%s: the host\'s /dev/net/tun is the kernel\'s' % what)
    check_eq(tun_mounts(), [], '%s: nothing mounted on the host\'s '
             '/dev/net/tun' % what)


def link_exists(ns, name):
    return ip('-n', ns, 'link', 'show', name).returncode == 0


def gone(pid):
    """No process pid, or only its zombie."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] == 'Z'
    except OSError:
        return True


def line_of(p, key):
    m = re.search(r'^%s (.*)$' % key, p.output, re.M)
    return m.group(1) if m else None


def errors(s, node0, ns, marker):
    """Each error of item 1: exit 2, a message, PROGRAM not run, nothing
    left on the host or in NS."""
    plain = s.path('plain')
    open(plain, 'w').close()
    prog = ['--', 'touch', marker]
    cases = [
        ('no arguments', [], 'expected'),
        ('no "--"', [node0, 'touch', marker], 'expected'),
        ('no PROGRAM', [node0, '--'], 'expected'),
        ('unknown option', ['--bogus', node0] + prog, 'unknown option'),
        ('missing NODE', [s.path('absent')] + prog,
         'No such file or directory'),
        ('NODE a plain file', [plain] + prog, 'not a device node'),
        ('NODE /dev/net/tun', ['/dev/net/tun'] + prog,
         'not a device node'),
        ('NODE a directory', [s.dir] + prog, 'not a device node'),
        ('missing netns', ['--netns', 'bsdtun-no-such-ns', node0] + prog,
         '/run/netns/bsdtun-no-such-ns: No such file or directory'),
        ('netns not a network namespace',
         ['--netns', '/proc/self/ns/mnt', node0] + prog,
         'not a network namespace'),
        ('NAME too long', ['--netns', ns, '--ifname', 'abcdefghijklmnop',
                           node0] + prog, 'longer than 15 characters'),
        ('NAME with a slash', ['--ifname', 'tun/7', node0] + prog,
         'contains'),
        ('--tap without --ifname', ['--tap', node0] + prog,
         '--tap needs --ifname'),
    ]
    for what, args, msg in cases:
        r = subprocess.run([harness.TUNTEST, 'run'] + args,
                           capture_output=True, text=True, timeout=30)
        err = r.stderr.strip()
        print('$ tuntest run %s\n  %s' % (' '.join(args), err), flush=True)
        check(r.returncode == 2 and msg in err and 'tuntest run' in err,
              'error %s: exit %d (want 2), message has %r' %
              (what, r.returncode, msg))
        check(not os.path.exists(marker), 'error %s: PROGRAM not run' % what)
    check(not link_exists(ns, 'abcdefghijklmno') and
          not link_exists(ns, 'abcdefghijklmnop'),
          'errors: no kernel interface left in NS')
    r = subprocess.run([harness.TUNTEST, 'run', node0, '--',
                        s.path('no-such-program')], capture_output=True,
                       text=True, timeout=30)
    check(r.returncode == 127 and 'No such file or directory' in r.stderr,
          'PROGRAM not found: exit %d (want 127), %r' %
          (r.returncode, r.stderr.strip()))
    host_clean('after the errors')


def exchange(s, pmd, node0, node1, ns, prog):
    """The Linux program on unit 0 through tuntest run, the test on unit 1:
    one packet each way, byte-exact."""
    a = harness.ipv4_packet(7, 1, 84)
    b = harness.ipv4_packet(9, 2, 100)
    host_clean('before the program')
    check(not link_exists(ns, 'tun7'), 'tun7 absent from NS before')
    p = s.spawn([harness.TUNTEST, 'run', '--netns', ns, '--ifname', 'tun7',
                 node0, '--', sys.executable, prog, 'io', ADDR, a.hex()],
                'run', stdin=True, echo=True)
    p.wait_output(r'^ready$', 0)
    print(p.output, flush=True)
    pid = int(line_of(p, 'pid'))
    check_eq(line_of(p, 'inside_stat'), 'reg 0:0',
             'inside: /dev/net/tun is the node (a regular file)')
    check_eq(line_of(p, 'setiff'), 'tun7', 'inside: TUNSETIFF tun7 answers '
             'tun7')
    check_eq(line_of(p, 'getiff'), 'tun7 0x%x' % (IFF_TUN | IFF_NO_PI),
             'inside: TUNGETIFF says tun7, IFF_TUN|IFF_NO_PI')
    check_eq(line_of(p, 'ip_addr_add'), '0',
             'inside: ip addr add %s dev tun7 succeeds' % ADDR)
    check('tun7' in (line_of(p, 'sys_class_net') or '').split(),
          'inside: /sys/class/net is NS\'s (has tun7)')

    # While it runs.
    host_clean('while the program runs')
    check_eq(tun_mounts(pid), ['fuse.bsdtun'],
             'the program\'s /dev/net/tun is the node (its mountinfo)')
    addr = ip('-n', ns, 'addr', 'show', 'dev', 'tun7').stdout
    check('inet %s ' % ADDR in addr, 'NS: tun7 has %s' % ADDR)
    check('tun7' not in ip('link', 'show').stdout,
          'no tun7 in the host\'s network namespace')
    kind = ip('-n', ns, '-d', 'link', 'show', 'tun7').stdout
    check('tun type tun' in kind, 'NS: tun7 is a kernel tun device')

    # The test's side: unit 1's node as a Linux tun file.
    fd = harness.open_node(node1)
    try:
        ifr = bytearray(struct.pack('16sH22x', b'', IFF_TUN | IFF_NO_PI))
        fcntl.ioctl(fd, TUNSETIFF, ifr)
        p.proc.stdin.write(b'go\n')
        p.proc.stdin.flush()
        got = harness.read_packets(fd, 1)
        harness.check_packets(got, [a], 'program -> unit 0 -> testpmd -> '
                              'unit 1 -> test, exact bytes')
        p.wait_output(r'^wrote ', 0)
        check_eq(line_of(p, 'wrote'), str(len(a)), 'program wrote %d bytes'
                 % len(a))
        check_eq(os.write(fd, b), len(b), 'test wrote %d bytes' % len(b))
        p.wait_output(r'^read ', 0)
        check_eq(line_of(p, 'read'), b.hex(), 'test -> unit 1 -> testpmd '
                 '-> unit 0 -> program, exact bytes')
        rc = p.wait(harness.PATIENCE)
    finally:
        os.close(fd)
    check_eq(rc, 3, 'tuntest run exits with the program\'s status 3')
    check(not link_exists(ns, 'tun7'), 'tun7 gone from NS after the exit')
    host_clean('after the program')


def signals(s, node0, ns, prog):
    # SIGTERM to tuntest run alone reaches the program.
    p = s.spawn([harness.TUNTEST, 'run', node0, '--', sys.executable, prog,
                 'sigterm'], 'run', echo=True)
    p.wait_output(r'^ready$', 0)
    os.kill(p.pid, signal.SIGTERM)
    check_eq(p.wait(harness.PATIENCE), 5,
             'SIGTERM to tuntest run is passed on: the '
             'program\'s handler exits 5')

    # A program killed by a signal: tuntest run ends by the same signal.
    p = s.spawn([harness.TUNTEST, 'run', node0, '--', sys.executable, prog,
                 'selfkill'], 'run', echo=True)
    check_eq(p.wait(harness.PATIENCE), -signal.SIGTERM,
             'program killed by SIGTERM: so is tuntest run')

    # tuntest run killed (-9): the kernel interface and the program go.
    p = s.spawn([harness.TUNTEST, 'run', '--netns', ns, '--ifname', 'tun9',
                 node0, '--', sys.executable, prog, 'sleep'], 'run',
                echo=True)
    p.wait_output(r'^ready$', 0)
    pid = int(line_of(p, 'pid'))
    check(link_exists(ns, 'tun9'), 'tun9 exists in NS while it runs')
    os.kill(p.pid, signal.SIGKILL)
    p.wait(harness.PATIENCE)
    check(harness.wait_for(lambda: not link_exists(ns, 'tun9')),
          'tuntest run killed: tun9 gone from NS')
    check(harness.wait_for(lambda: gone(pid)),
          'tuntest run killed: the program ended (SIGTERM from its '
          'parent\'s death)')
    host_clean('after kill -9')


def interfaces(s, node0, ns, prog):
    # An existing interface is used and left in place.
    check_eq(ip('-n', ns, 'tuntap', 'add', 'dev', 'tun8', 'mode',
                'tun').returncode, 0, 'ip tuntap add tun8 in NS')
    r = subprocess.run([harness.TUNTEST, 'run', '--netns', ns, '--ifname',
                        'tun8', node0, '--', 'ip', 'addr', 'add',
                        '10.77.8.1/24', 'dev', 'tun8'],
                       capture_output=True, text=True, timeout=30)
    print(r.stdout + r.stderr, flush=True)
    check(r.returncode == 0 and 'tun8 exists' in r.stderr,
          'existing tun8: program ran (exit %d), said so' % r.returncode)
    check('inet 10.77.8.1/24' in ip('-n', ns, 'addr', 'show', 'dev',
                                    'tun8').stdout,
          'existing tun8 left in place, with the program\'s address')
    ip('-n', ns, 'tuntap', 'del', 'dev', 'tun8', 'mode', 'tun')

    # --tap: a kernel tap device.
    r = subprocess.run([harness.TUNTEST, 'run', '--netns', ns, '--ifname',
                        'tap7', '--tap', node0, '--', 'ip', '-d', 'link',
                        'show', 'tap7'], capture_output=True, text=True,
                       timeout=30)
    print(r.stdout + r.stderr, flush=True)
    check(r.returncode == 0 and 'link/ether' in r.stdout and
          'tun type tap' in r.stdout, '--tap: tap7 is a kernel tap device')
    check(not link_exists(ns, 'tap7'), '--tap: tap7 gone after the exit')


def no_dev_net_tun(s, node0, prog):
    """A machine without /dev/net/tun, then without /dev/net: the test
    makes one in a mount namespace of its own (unshare(1)), and tuntest
    run creates the file inside its namespace."""
    tt = harness.TUNTEST
    py = sys.executable
    old = s.path('olddev')
    os.mkdir(old)
    variants = [
        ('no /dev/net/tun', 'mount -t tmpfs tmpfs /dev/net'),
        ('no /dev/net',
         'mount --rbind /dev %s && mount -t tmpfs tmpfs /dev && '
         'for f in null zero urandom; do touch /dev/$f && '
         'mount --bind %s/$f /dev/$f; done' % (old, old)),
    ]
    for what, setup in variants:
        script = ('%s && test ! -e /dev/net/tun && '
                  '{ %s run --ifname tun7 %s -- true; echo ifname_rc $?; } '
                  '&& exec %s run %s -- %s %s probe' %
                  (setup, tt, node0, tt, node0, py, prog))
        r = subprocess.run(['unshare', '-m', '--propagation', 'private',
                            'sh', '-c', script], capture_output=True,
                           text=True, timeout=60)
        print(r.stdout + r.stderr, flush=True)
        check('ifname_rc 2' in r.stdout and
              "--ifname needs the kernel's /dev/net/tun" in r.stderr,
              '%s: --ifname refused, exit 2' % what)
        check(r.returncode == 0 and 'inside_stat reg 0:0' in r.stdout and
              'getiff tun7 0x1001' in r.stdout,
              '%s: the program opened the unit at /dev/net/tun (exit %d)' %
              (what, r.returncode))
        check('dev_null 1:3' in r.stdout, '%s: the rest of /dev is there '
              '(/dev/null 1:3)' % what)
    host_clean('after the machines without /dev/net/tun')


def main():
    for prog in ('ip', 'unshare'):
        if not check(shutil.which(prog) is not None, '%s installed' % prog):
            return
    ns = 'bsdtun-run-%d' % os.getpid()
    check_eq(ip('netns', 'add', ns).returncode, 0, 'ip netns add ' + ns)
    try:
        with harness.Session('runner') as s:
            prog = s.path('prog.py')
            with open(prog, 'w') as f:
                f.write(PROG)
            node0, node1 = s.path('n0'), s.path('n1')
            with s.testpmd(['cdev=' + node0, 'cdev=' + node1],
                           args=['--forward-mode=io']) as pmd:
                pmd.cmd('start')
                errors(s, node0, ns, s.path('marker'))
                exchange(s, pmd, node0, node1, ns, prog)
                signals(s, node0, ns, prog)
                interfaces(s, node0, ns, prog)
                no_dev_net_tun(s, node0, prog)
                pmd.fwd_stop()
        host_clean('at the end')
    finally:
        ip('netns', 'del', ns)


harness.run_main(main)
