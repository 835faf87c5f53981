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
XDG_RUNTIME_DIR has no default socket path (no shared /tmp fallback)."""
import os
import re
import shutil
import stat
import subprocess

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
        shutil.rmtree(top, ignore_errors=True)


if __name__ == '__main__':
    harness.run_main(main)
