#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Paths an attacker prepared (doc/robustness.md, class 4).

The DPDK process (root here) creates, chmods, chowns, replaces and mounts
over the paths its devargs name (sock=, cdev=, pcapng=).  Another user
(uid 65534) prepares the filesystem first: directories of its own, links
to root's files, a world-writable directory.  Each is refused at probe
with one log line naming the key, the path and the reason, and nothing of
root's is touched.  Paths through directories only root can change (a
link among them too) work, and the control socket is never reachable
with another mode than perm=.  A non-root process without
XDG_RUNTIME_DIR has no default socket path (no shared /tmp fallback).

A link in a sticky directory others can write (/tmp) is followed only as
the kernel's protected_symlinks rule would, whatever the sysctl says.
After the check nothing is resolved by name again: re-pointing a link
(even one root placed) while the unit runs, or flipping it during probe,
never makes root mount, unlink, chown or truncate anything outside the
directory it checked.  The capture file is 0600, and an existing one is
reused only when it is a regular file of the DPDK user."""
import os
import re
import shutil
import stat
import subprocess
import sys
import threading

import harness
from harness import check, check_eq

NOBODY = harness.NOBODY
PROBE = harness.AppProbe.PROG


def probe(s, devargs, user=None, env=None):
    """app_probe with one unit: (exit status, output)."""
    prefix = s.new_prefix()
    # another user must reach the programs (a checkout under /root is 0700)
    prog = PROBE if user is None else harness.unprivileged_path(PROBE)
    pmd = harness.PMD if user is None else \
        harness.unprivileged_path(harness.PMD)
    argv = [prog, '-l', '0', '--no-pci', '--file-prefix=' + prefix,
            '-d', pmd, '--vdev=net_bsdtun0,' + devargs]
    if user is None:
        argv.insert(3, '--huge-unlink')
    else:
        argv[3:3] = ['--no-huge', '-m', '64']
    print('$ ' + ' '.join(argv), flush=True)
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True,
                         env=harness.sanitizer_env(env),
                         preexec_fn=harness.as_user(user) if user else None)
    out = ''
    for line in p.stdout:
        out += line
        if line.strip() == 'ready':
            p.stdin.write('quit\n')
            p.stdin.flush()
    rc = p.wait(60)
    s.release_prefix(prefix)
    return rc, out


def refused(s, name, devargs, pattern, user=None, env=None):
    rc, out = probe(s, devargs, user, env)
    line = re.search(pattern, out)
    check(rc != 0 and line is not None,
          '%s: refused (exit %d) with "%s"' %
          (name, rc, line.group(0) if line else out.strip()[-300:]))


def mkdir(path, uid=0, mode=0o755):
    os.mkdir(path)
    os.chown(path, uid, uid)
    os.chmod(path, mode)


def main():
    with harness.Session() as s:
        os.chmod(s.dir, 0o755)  # uid 65534 may reach its directories
        top = s.path('fs')
        mkdir(top)
        evil = os.path.join(top, 'evil')            # uid 65534's own
        mkdir(evil, NOBODY)
        shared = os.path.join(top, 'shared')        # root's, mode 0777
        mkdir(shared, 0, 0o777)
        safe = os.path.join(top, 'safe')            # root's, 0755
        mkdir(safe)
        secret = os.path.join(safe, 'secret')       # a root file
        with open(secret, 'w') as f:
            f.write('root data\n')
        os.chmod(secret, 0o600)

        # sock= in a directory another user owns: it could swap the
        # socket for a link before the chmod/chown, or take the endpoint
        refused(s, 'sock in a uid 65534 directory',
                'sock=%s/u.sock' % evil,
                r'sock=\S+ refused: directory evil is owned by uid 65534')
        check(os.listdir(evil) == [], 'nothing was created there')
        # ... one it can write
        refused(s, 'sock in a world-writable directory',
                'sock=%s/u.sock' % shared,
                r'sock=\S+ refused: directory shared is writable by others')
        # a link planted in its directory, leading into root's
        os.symlink(safe, os.path.join(evil, 'to-safe'))
        refused(s, 'sock through a link in a uid 65534 directory',
                'sock=%s/to-safe/u.sock' % evil,
                r'sock=\S+ refused: directory evil is owned by uid 65534')
        # the socket path is a link (root's own directory, so root put
        # it there: still refused, never followed)
        link = os.path.join(safe, 'sock-link')
        os.symlink(secret, link)
        refused(s, 'sock is a symbolic link', 'sock=' + link,
                r'sock=\S+ refused: it is a symbolic link')
        # an existing file that is not a socket is never replaced
        refused(s, 'sock names a regular file', 'sock=' + secret,
                r'sock=\S+ refused: it exists and is not a socket')
        st = os.lstat(secret)
        check(stat.S_ISREG(st.st_mode) and open(secret).read() ==
              'root data\n' and st.st_mode & 0o777 == 0o600 and
              st.st_uid == 0, 'root\'s file is untouched (mode, owner, '
              'contents)')

        if os.path.exists(os.path.join(harness.BUILD, 'tests',
                                       'cdev_client')):
            # cdev= a link to root's file: mounting there would hide it
            refused(s, 'cdev is a symbolic link', 'sock=%s/c.sock,cdev=%s'
                    % (safe, link), r'cdev=\S+ refused: it is a symbolic '
                    r'link')
            refused(s, 'cdev in a uid 65534 directory',
                    'sock=%s/c.sock,cdev=%s/tun0' % (safe, evil),
                    r'cdev=\S+ refused: directory evil is owned by uid '
                    r'65534')
            mounts = open('/proc/self/mounts').read()
            check(secret not in mounts and evil not in mounts,
                  'nothing mounted over root\'s file or in that directory')
        refused(s, 'pcapng in a uid 65534 directory',
                'sock=%s/p.sock,pcapng=%s/cap.pcapng' % (safe, evil),
                r'pcapng=\S+ refused: directory evil is owned by uid 65534')
        check(open(secret).read() == 'root data\n',
              'root\'s file still holds its data')

        # Trusted: through a link root put in a directory of root's.
        real = os.path.join(top, 'real')
        mkdir(real)
        os.symlink(real, os.path.join(safe, 'run'))
        sock = os.path.join(safe, 'run', 'ok.sock')
        rc, out = probe(s, 'sock=%s,perm=0660,owner=%d,group=%d' %
                        (sock, NOBODY, NOBODY))
        check_eq(rc, 0, 'a path through a link in a root directory works')
        check_eq(os.listdir(real), [], 'the socket (and no temporary '
                 'name) left behind after close')

        # The mode and owner are those of perm=/owner=/group= as soon as
        # the path exists (bound under a temporary name, then renamed).
        s2 = harness.AppProbe(s, 'perm=0660,owner=%d,group=%d' %
                              (NOBODY, NOBODY))
        st = os.lstat(s2.sock)
        check_eq((stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid),
                 (0o660, NOBODY, NOBODY), 'control socket mode and owner')
        check_eq([n for n in os.listdir(s.dir) if n.startswith('.')], [],
                 'no temporary socket name left')
        s2.close()

        # Non-root without XDG_RUNTIME_DIR: no shared default.
        env = dict(os.environ)
        env.pop('XDG_RUNTIME_DIR', None)
        refused(s, 'non-root default path', 'qlen=64', user=NOBODY,
                env=env, pattern=r'no default for sock=: not root and no '
                r'XDG_RUNTIME_DIR')

        try:
            sticky_link(s, top, safe)
            repoint_after_check(s, top, safe)
            if have_cdev():
                mount_race(s, top, safe)
            capture_file(s, top, safe, secret)
        finally:
            unmount_under(top)
        shutil.rmtree(top, ignore_errors=True)


def have_cdev():
    return os.path.exists(os.path.join(harness.BUILD, 'tests',
                                       'cdev_client'))


def mounts_under(top):
    """Mount points at or below top (/proc/self/mountinfo, field 5)."""
    out = []
    with open('/proc/self/mountinfo') as f:
        for line in f:
            mp = line.split()[4].replace('\\040', ' ')
            if mp == top or mp.startswith(top + '/'):
                out.append(mp)
    return out


def unmount_under(top):
    """Clean-up: whatever a failing run left mounted below top."""
    for mp in reversed(mounts_under(top)):
        subprocess.run(['umount', '-l', mp], check=False)


def snapshot(d):
    """Every entry of d: kind, mode, owner, and contents or link target."""
    out = {}
    for n in sorted(os.listdir(d)):
        p = os.path.join(d, n)
        try:
            st = os.lstat(p)
        except OSError as e:  # a dead mount: ENOTCONN
            out[n] = ('error', e.errno)
            continue
        if stat.S_ISLNK(st.st_mode):
            what = os.readlink(p)
        elif stat.S_ISREG(st.st_mode):
            with open(p, 'rb') as f:
                what = f.read()
        else:
            what = None
        out[n] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode),
                  st.st_uid, st.st_gid, st.st_ino, what)
    return out


def check_same(got, want, msg):
    """check_eq for snapshots: the entries that differ only on failure."""
    diff = {k: (got.get(k), want.get(k)) for k in set(got) | set(want)
            if got.get(k) != want.get(k)}
    check(not diff, msg + ('' if not diff else ': differs %r' % diff))


def put(path, data, uid=0, mode=0o600):
    with open(path, 'wb') as f:
        f.write(data)
    os.chown(path, uid, uid)
    os.chmod(path, mode)


def run_probe(s, devargs, at_ready=None, timeout=60):
    """app_probe with one unit; at_ready() runs while it is up.  A run
    that does not end within timeout is killed.  (exit status, output)."""
    prefix = s.new_prefix()
    argv = [PROBE, '-l', '0', '--no-pci', '--huge-unlink',
            '--file-prefix=' + prefix, '-d', harness.PMD,
            '--vdev=net_bsdtun0,' + devargs]
    print('$ ' + ' '.join(argv), flush=True)
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True,
                         env=harness.sanitizer_env())
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    out = ''
    try:
        for line in p.stdout:
            out += line
            if line.strip() == 'ready':
                if at_ready is not None:
                    at_ready()
                p.stdin.write('quit\n')
                p.stdin.flush()
        rc = p.wait()
    finally:
        timer.cancel()
        if p.poll() is None:
            p.kill()
            p.wait()
        s.release_prefix(prefix)
    if rc < 0:
        print(out[-2000:], flush=True)
    return rc, out


class Sysctl:
    """Set a sysctl for a with block; the old value is put back."""

    def __init__(self, name, value):
        self.path = '/proc/sys/' + name.replace('.', '/')
        self.value = value

    def __enter__(self):
        with open(self.path) as f:
            self.old = f.read().strip()
        with open(self.path, 'w') as f:
            f.write(self.value)

    def __exit__(self, *exc):
        with open(self.path, 'w') as f:
            f.write(self.old)


def sticky_link(s, top, safe):
    """uid 65534's link in /tmp (sticky, world-writable) leading into a
    directory of root's: with fs.protected_symlinks=0 the kernel follows
    it, the PMD must not (neither root's nor /tmp's owner's link)."""
    target = os.path.join(top, 'sticky-target')
    mkdir(target)
    link = '/tmp/bsdtun-sticky-%d' % os.getpid()
    cases = [('cdev', 'sock=%s/st.sock,cdev=%s/t0.node' % (safe, link))] \
        if have_cdev() else []
    cases += [('sock', 'sock=%s/u.sock' % link),
              ('pcapng', 'sock=%s/st.sock,pcapng=%s/c.pcapng' %
               (safe, link))]
    with Sysctl('fs.protected_symlinks', '0'):
        try:
            subprocess.run(['ln', '-s', target, link], check=True,
                           preexec_fn=harness.as_user(NOBODY))
            check_eq(os.lstat(link).st_uid, NOBODY, 'the link in /tmp is '
                     'uid 65534\'s')
            for key, devargs in cases:
                refused(s, '%s= through uid 65534\'s link in /tmp' % key,
                        devargs, r'%s=\S+ refused: link bsdtun-sticky-\d+ '
                        r'is owned by uid 65534, in a sticky directory '
                        r'others can write' % key)
                check_eq(os.listdir(target), [], '%s=: nothing created '
                         'where the link leads' % key)
                check_eq(mounts_under(target) + mounts_under(link), [],
                         '%s=: nothing mounted there' % key)
        finally:
            os.unlink(link)
    shutil.rmtree(target, ignore_errors=True)


def repoint_after_check(s, top, safe):
    """sock=, cdev= and pcapng= through a link root placed; the link is
    re-pointed to another directory of root's while the unit runs (the
    worst moment of a race).  The close removes and unmounts what it made
    in the checked directory; the other directory, which holds entries of
    the same names, is left exactly as it was."""
    a = os.path.join(top, 'repoint-a')
    b = os.path.join(top, 'repoint-b')
    mkdir(a)
    mkdir(b)
    put(os.path.join(b, 'u.sock'), b'b sock\n', 0, 0o640)
    put(os.path.join(b, 't0.node'), b'b node\n', 0, 0o600)
    put(os.path.join(b, 'c.pcapng'), b'b capture\n', NOBODY, 0o644)
    cur = os.path.join(safe, 'cur')
    os.symlink(a, cur)
    before = snapshot(b)
    devargs = 'sock=%s/u.sock,pcapng=%s/c.pcapng' % (cur, cur)
    if have_cdev():
        devargs += ',cdev=%s/t0.node' % cur
    seen = {}

    def repoint():
        seen['a'] = sorted(os.listdir(a))
        seen['mounts'] = mounts_under(a) + mounts_under(b)
        os.symlink(b, cur + '.new')
        os.replace(cur + '.new', cur)

    rc, out = run_probe(s, devargs, repoint)
    check_eq(rc, 0, 'the unit through root\'s link ran and closed')
    want = ['c.pcapng', 'u.sock'] + (['t0.node'] if have_cdev() else [])
    check_eq(seen.get('a'), sorted(want), 'its files were made in the '
             'checked directory')
    if have_cdev():
        check_eq(seen.get('mounts'), [os.path.join(a, 't0.node')],
                 'the node was mounted in the checked directory')
    check_same(snapshot(b), before, 'the directory the link leads to at '
             'close is untouched (entries, kinds, modes, owners, contents)')
    check_eq(mounts_under(a) + mounts_under(b), [], 'the node was '
             'unmounted in the checked directory, nothing else')
    unmount_under(a)
    left = snapshot(a)
    check_eq(sorted(left), ['c.pcapng'], 'the socket and the node were '
             'removed from the checked directory (the capture stays)')
    if 'c.pcapng' in left:
        check_eq(left['c.pcapng'][1:4], (0o600, 0, 0),
                 'the capture file: mode 0600, root\'s')
    os.unlink(cur)


def mount_race(s, top, safe, tries=24):
    """A link flipped as fast as possible during probe between a
    directory the rule accepts and one it refuses (root's, mode 0777)
    holding a file of root's with the node's name.  Whichever the check
    saw, the node is never mounted over that file, and the file keeps
    its contents, mode and owner."""
    good = os.path.join(top, 'race-good')
    victim = os.path.join(top, 'race-victim')
    mkdir(good)
    mkdir(victim, 0, 0o777)
    node = os.path.join(victim, 't0.node')
    put(node, b'root data, not a device node\n', 0, 0o600)
    before = snapshot(victim)
    flip = os.path.join(safe, 'flip')
    os.symlink(good, flip)
    flipper = subprocess.Popen(
        [sys.executable, '-c', 'import os, sys\n'
         'l, a, b = sys.argv[1:]\n'
         'while True:\n'
         '    for t in (b, a):\n'
         '        os.symlink(t, l + ".t")\n'
         '        os.replace(l + ".t", l)\n', flip, good, victim])
    outcome = {'mounted': 0, 'refused': 0, 'other': 0}
    bad = []
    try:
        for i in range(tries):
            seen = {}

            def look():
                seen['m'] = mounts_under(top)
                seen['good'] = sorted(os.listdir(good))

            rc, out = run_probe(s, 'sock=%s/race.sock,cdev=%s/t0.node' %
                                (safe, flip), look)
            mounted_over = [m for m in seen.get('m', []) if
                            m.startswith(victim)]
            if rc == 0 and seen.get('m') == [os.path.join(good, 't0.node')]:
                outcome['mounted'] += 1
            elif rc != 0 and re.search(r'cdev=\S+ refused: directory '
                                       r'race-victim is writable by others',
                                       out):
                outcome['refused'] += 1
            else:
                outcome['other'] += 1
                print(out[-1500:], flush=True)
            if mounted_over or snapshot(victim) != before or \
                    mounts_under(top):
                bad.append((i, mounted_over, mounts_under(top)))
                unmount_under(top)
    finally:
        flipper.kill()
        flipper.wait()
    print('race: %r' % outcome, flush=True)
    check_eq(bad, [], '%d probes while a link flips: never mounted over '
             'root\'s file, never left mounted' % tries)
    check_eq(outcome['other'], 0, 'each probe either mounted in the checked '
             'directory or refused the other one')
    check_same(snapshot(victim), before, 'root\'s file keeps its contents, '
             'mode and owner; nothing else appeared beside it')
    check_eq(os.listdir(good), [], 'nothing left in the accepted '
             'directory')
    os.unlink(flip)
    for n in os.listdir(safe):
        if n.startswith('flip'):
            os.unlink(os.path.join(safe, n))


def capture_file(s, top, safe, secret):
    """pcapng=: created 0600, the DPDK user's; an existing file is reused
    only when it is a regular file of that user; a link, another user's
    file or a FIFO is refused and left as it was."""
    d = os.path.join(top, 'cap')
    mkdir(d)
    sock = 'sock=%s/cap.sock' % safe
    fresh = os.path.join(d, 'new.pcapng')
    rc, _ = run_probe(s, '%s,pcapng=%s' % (sock, fresh))
    check_eq(rc, 0, 'pcapng= a new file')
    st = os.lstat(fresh)
    check_eq((stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid),
             (0o600, 0, 0), 'a new capture file: mode 0600, root:root')

    own = os.path.join(d, 'own.pcapng')
    put(own, b'x' * 100000, 0, 0o644)
    rc, _ = run_probe(s, '%s,pcapng=%s' % (sock, own))
    st = os.lstat(own)
    check_eq((rc, stat.S_IMODE(st.st_mode), st.st_uid, st.st_size < 100000),
             (0, 0o600, 0, True), 'root\'s own file is truncated, made 0600')

    d = os.path.join(top, 'cap-refused')
    mkdir(d)
    other = os.path.join(d, 'other.pcapng')
    put(other, b'uid 65534 data\n', NOBODY, 0o644)
    fifo = os.path.join(d, 'fifo.pcapng')
    os.mkfifo(fifo)
    link = os.path.join(d, 'link.pcapng')
    os.symlink(secret, link)
    before = snapshot(d)
    sec_before = snapshot(os.path.dirname(secret))
    for name, path, pattern in [
            ('another user\'s file', other, r'pcapng=\S+ refused: it exists '
             r'and is not a regular file of uid 0 \(type 0100000, owner '
             r'uid 65534\)'),
            ('a FIFO', fifo, r'pcapng=\S+ refused: it exists and is not a '
             r'regular file of uid 0 \(type 0010000, owner uid 0\)'),
            ('a link to root\'s file', link, r'pcapng=\S+ refused: it is a '
             r'symbolic link')]:
        rc, out = run_probe(s, '%s,pcapng=%s' % (sock, path), timeout=30)
        line = re.search(pattern, out)
        check(rc > 0 and line is not None,
              'pcapng= %s: refused (exit %d) with "%s"' %
              (name, rc, line.group(0) if line else out.strip()[-300:]))
    check_same(snapshot(d), before, 'each refused file left as it was')
    check_same(snapshot(os.path.dirname(secret)), sec_before,
             'root\'s file behind the link left as it was')


if __name__ == '__main__':
    harness.run_main(main)
