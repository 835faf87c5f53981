#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The package: a client built out of tree with `pkg-config --cflags --libs
bsdtun` against the installed files runs against a unit; every devarg in
the code is in the documentation's tables and the other way round; the
installed man page and PMD are where they belong.

The Debian packages (devtools/package.sh, doc/packaging.md), built against
the DPDK pkg-config finds (or taken from BSDTUN_PACKAGES=DIR), installed
with dpkg -i: that DPDK's dpdk-testpmd with --vdev=net_bsdtun0 and no -d
loads the PMD from its plugin directory and forwards traffic the packaged
tuntest verifies; a client built out of tree with pkg-config bsdtun
against libbsdtun-dev opens a unit, writes a packet and reads it back.
Both run with /usr/local hidden (a mount namespace), where
devtools/build.sh installs, and without LD_LIBRARY_PATH: they see only
what the packages installed.  dpkg -P then removes every file again, the
files dpkg -i replaced (devtools/build.sh's PMD) are put back, and every
path of the packages' file lists is as it was before, on failure too."""
import hashlib
import os
import re
import shutil
import stat
import subprocess

import harness
from harness import check, check_eq

TOP = os.path.dirname(harness.HERE)
# The installed files, not the build tree meson test points at: the
# library path keeps only what is outside the build (a DPDK installed
# under a prefix, where bsdtun is installed too).
INSTALLED_ENV = dict(os.environ, LD_LIBRARY_PATH=':'.join(
    d for d in os.environ.get('LD_LIBRARY_PATH', '').split(':')
    if d and not os.path.abspath(d).startswith(harness.BUILD + os.sep)))

CLIENT = r'''
#include <bsdtun.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	unsigned char pkt[64] = { 0x45, 0, 0, 64, 0, 0, 0, 0, 64, 253 };
	unsigned char buf[128];
	struct bsdtun *t = bsdtun_open(argv[1], 0);
	ssize_t n;

	if (argc != 2 || t == NULL) {
		perror("bsdtun_open");
		return 2;
	}
	if (bsdtun_write(t, pkt, sizeof(pkt)) != sizeof(pkt))
		return 3;
	n = bsdtun_read(t, buf, sizeof(buf));
	printf("read %zd bytes, %s\n", n,
	       n == sizeof(pkt) && !memcmp(buf, pkt, n) ? "same" : "different");
	bsdtun_close(t);
	return n == sizeof(pkt) && !memcmp(buf, pkt, n) ? 0 : 1;
}
'''


def out_of_tree(s):
    p = subprocess.run(['pkg-config', '--cflags', '--libs', 'bsdtun'],
                       capture_output=True, text=True)
    check_eq(p.returncode, 0, 'pkg-config finds the installed bsdtun.pc '
             '(devtools/build.sh installs it): %s' % p.stderr.strip())
    if p.returncode != 0:
        return
    src = s.path('client.c')
    exe = s.path('client')
    with open(src, 'w') as f:
        f.write(CLIENT)
    argv = ['cc', '-std=c11', '-Wall', '-Wextra', '-Werror', src, '-o', exe] \
        + p.stdout.split()
    print('$ ' + ' '.join(argv), flush=True)
    c = subprocess.run(argv, capture_output=True, text=True)
    print(c.stdout + c.stderr, flush=True)
    check_eq(c.returncode, 0, 'out-of-tree client compiles and links')
    if c.returncode != 0:
        return
    with s.testpmd([''], args=['--forward-mode=io']) as pmd:
        pmd.cmd('start')
        r = subprocess.run([exe, pmd.sock(0)], capture_output=True,
                           text=True, timeout=30, env=INSTALLED_ENV)
        print(r.stdout + r.stderr, flush=True)
        check_eq(r.returncode, 0, 'out-of-tree client: a packet written '
                 'comes back through testpmd, byte-exact')


def devarg_tables():
    # the one table in the code, and what the built PMD says
    code = open(os.path.join(TOP, 'drivers/net/bsdtun/bsdtun_ethdev.c')).read()
    table = re.search(r'#define BSDTUN_DEVARGS\(X\)(.*?)\n\n', code,
                      re.S).group(1)
    in_code = set(re.findall(r'X\((\w+),', table))
    so = os.path.join(harness.BUILD, 'drivers', 'net', 'bsdtun',
                      'librte_net_bsdtun.so')
    strs = subprocess.run(['strings', '-a', so], capture_output=True,
                          text=True).stdout
    param = [ln for ln in strs.splitlines() if ln.startswith('sock=')]
    in_param = set(re.findall(r'(\w+)=', param[0])) if param else set()
    rst = open(os.path.join(TOP, 'doc/guides/nics/bsdtun.rst')).read()
    in_rst = set(re.findall(r'^   \* - ``(\w+)``', rst, re.M))
    md = open(os.path.join(TOP, 'doc/pmd.md')).read()
    table = md.split('## Devargs')[1].split('\n## ')[0]
    in_md = set(re.findall(r'^\| `(\w+)`', table, re.M))
    readme = open(os.path.join(TOP, 'README.md')).read()
    in_readme = set(re.findall(r'`(\w+)=', readme))
    check(len(in_code) >= 10, 'devargs found in the code: %s' %
          sorted(in_code))
    check_eq(sorted(in_param), sorted(in_code),
             'the parameter string in the built PMD lists every devarg')
    check_eq(sorted(in_rst), sorted(in_code),
             'doc/guides/nics/bsdtun.rst devargs table == code')
    check_eq(sorted(in_md), sorted(in_code),
             'doc/pmd.md devargs table == code')
    check_eq(sorted(in_readme - in_code), [],
             'README names no devarg the code lacks')


def installed():
    libdir = subprocess.run(['pkg-config', '--variable=libdir', 'libdpdk'],
                            capture_output=True, text=True).stdout.strip()
    pmds = [d for d in os.listdir(os.path.join(libdir, 'dpdk'))
            if d.startswith('pmds-')]
    check(any(os.path.exists(os.path.join(libdir, 'dpdk', d,
                                          'librte_net_bsdtun.so'))
              for d in pmds),
          'the PMD is installed in DPDK\'s plugin directory')
    man = subprocess.run(['man', '-w', 'tuntest'], capture_output=True,
                         text=True)
    check(man.returncode == 0 or os.path.exists(
          '/usr/local/share/man/man1/tuntest.1'),
          'the tuntest man page is installed')
    h = subprocess.run(['tuntest', '--help'], capture_output=True,
                       text=True, env=INSTALLED_ENV)
    check_eq(h.returncode, 0, 'tuntest is installed on PATH')
    ini = open(os.path.join(TOP, 'doc/guides/nics/features/bsdtun.ini')).read()
    check('Usage doc            = Y' in ini, 'features matrix present')


def exports():
    """The PMD exports nothing (its version script): neither its own functions nor
    the client library it links for the device node."""
    so = os.path.join(harness.BUILD, 'drivers', 'net', 'bsdtun',
                      'librte_net_bsdtun.so')
    nm = subprocess.run(['nm', '-D', '--defined-only', so],
                        capture_output=True, text=True)
    syms = [ln.split()[-1] for ln in nm.stdout.splitlines() if ln.strip()]
    check_eq(nm.returncode, 0, 'nm -D --defined-only on the PMD')
    check_eq(syms, [], 'the PMD exports no symbols')




# ---- the Debian packages ---------------------------------------------------

PKG_COUNT = 20000
# A machine with only the packages: /usr/local (devtools/build.sh's
# install) hidden in a mount namespace of its own, no LD_LIBRARY_PATH.
HIDE_LOCAL = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
              'mount -t tmpfs -o ro,size=4k bsdtun-hide /usr/local && '
              'exec "$@"', 'sh']
PRISTINE_ENV = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'LANG': 'C.UTF-8'}


def pristine(argv, timeout=120):
    """Run argv as a machine with only the packages sees it."""
    print('$ ' + ' '.join(argv), flush=True)
    p = subprocess.run(HIDE_LOCAL + argv, capture_output=True, text=True,
                       timeout=timeout, env=PRISTINE_ENV)
    print(p.stdout + p.stderr, flush=True)
    return p


def build_packages(s):
    """The four packages' .deb files (no -dbgsym): BSDTUN_PACKAGES=DIR's,
    or devtools/package.sh's, built into the session's dir."""
    out = os.environ.get('BSDTUN_PACKAGES')
    if not out:
        out = s.path('debs')
        argv = ['bash', os.path.join(TOP, 'devtools', 'package.sh'), out]
        print('$ ' + ' '.join(argv), flush=True)
        p = subprocess.run(argv, capture_output=True, text=True,
                           timeout=1200)
        print(p.stdout + p.stderr[-4000:], flush=True)
        check_eq(p.returncode, 0, 'devtools/package.sh builds the '
                 'packages, lintian without errors')
    debs = sorted(os.path.join(out, f) for f in os.listdir(out)
                  if f.endswith('.deb') and '-dbgsym_' not in f)
    names = sorted(re.sub(r'^(librte-net-bsdtun)\d+$', r'\1N',
                          deb_field(d, 'Package')) for d in debs)
    check_eq(names, ['bsdtun-tools', 'libbsdtun-dev', 'libbsdtun0',
                     'librte-net-bsdtunN'], 'the four packages')
    return debs if len(names) == 4 else []


def deb_field(deb, field):
    return subprocess.run(['dpkg-deb', '-f', deb, field], capture_output=True,
                          text=True, check=True).stdout.strip()


def deb_paths(deb):
    """Every path of the package's file list, directories too."""
    out = subprocess.run(['dpkg-deb', '--fsys-tarfile', deb],
                         capture_output=True, check=True).stdout
    names = subprocess.run(['tar', '-t'], input=out, capture_output=True,
                           check=True).stdout.decode().split('\n')
    return {os.path.normpath('/' + n) for n in names if n.strip('./')}


def path_state(path):
    """What is at path: None, or its type, mode, owner and content."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    what = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid,
            st.st_gid)
    if stat.S_ISLNK(st.st_mode):
        return what + (os.readlink(path),)
    if stat.S_ISREG(st.st_mode):
        with open(path, 'rb') as f:
            return what + (hashlib.sha256(f.read()).hexdigest(),)
    return what


class Packages:
    """The .deb files installed with dpkg -i for the with block.  At exit,
    even on failure: dpkg -P, the files dpkg -i replaced put back from
    save_dir, and every path of the packages' file lists as before."""

    def __init__(self, debs, save_dir):
        self.debs = debs
        self.save_dir = save_dir
        self.names = [deb_field(d, 'Package') for d in debs]
        self.pmd_pkg = [n for n in self.names if n.startswith('librte-')][0]
        self.paths = sorted(set().union(*(deb_paths(d) for d in debs)))
        self.before = {}
        self.saved = {}

    def installed(self):
        q = subprocess.run(['dpkg-query', '-W', '-f=${Package} ${Status}\n']
                           + self.names, capture_output=True, text=True)
        return [ln.split()[0] for ln in q.stdout.splitlines()
                if not ln.endswith(' not-installed')]

    def files(self, name):
        """dpkg -L name"""
        return subprocess.run(['dpkg', '-L', name], capture_output=True,
                              text=True).stdout.splitlines()

    def __enter__(self):
        if self.installed():
            raise RuntimeError('%s already installed: this test installs '
                               'and purges its own' % self.installed())
        self.before = {p: path_state(p) for p in self.paths}
        os.makedirs(self.save_dir)
        for i, p in enumerate(self.paths):
            st = self.before[p]
            if st is not None and not stat.S_ISDIR(st[0]):
                self.saved[p] = os.path.join(self.save_dir, str(i))
                shutil.copy2(p, self.saved[p], follow_symlinks=False)
        print('replaced by the packages, saved: %s' % sorted(self.saved),
              flush=True)
        argv = ['dpkg', '-i'] + self.debs
        print('$ ' + ' '.join(argv), flush=True)
        p = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        print(p.stdout + p.stderr, flush=True)
        if p.returncode != 0:
            self.__exit__(None, None, None)
            raise RuntimeError('dpkg -i failed')
        return self

    def __exit__(self, *exc):
        argv = ['dpkg', '-P'] + self.names
        print('$ ' + ' '.join(argv), flush=True)
        p = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        print(p.stdout + p.stderr, flush=True)
        check_eq(p.returncode, 0, 'dpkg -P the packages')
        check_eq(self.installed(), [], 'no package left installed')
        for path, copy in self.saved.items():
            if path_state(path) != self.before[path]:
                if os.path.lexists(path):
                    os.unlink(path)
                shutil.copy2(copy, path, follow_symlinks=False)
                st = self.before[path]
                os.lchown(path, st[2], st[3])
        if self.saved:
            subprocess.run(['ldconfig'])
        changed = [p for p in self.paths
                   if path_state(p) != self.before[p]]
        check_eq(changed, [], 'every path of the packages\' file lists '
                 '(%d) is as before they were installed' % len(self.paths))
        return False


def tuntest_summaries(out):
    res = {}
    for m in re.finditer(r'^tuntest: stream (\d+) (.*)$', out, re.M):
        kv = m.group(2).split()
        row = {kv[i]: int(float(kv[i + 1])) for i in range(0, len(kv), 2)}
        for k, v in row.items():
            res.setdefault(int(m.group(1)), {}).setdefault(k, 0)
            res[int(m.group(1))][k] += v
    return res


def from_packages(s, pk):
    v = subprocess.run(['dpkg', '--verify'] + pk.names, capture_output=True,
                       text=True)
    check_eq((v.returncode, v.stdout), (0, ''),
             'dpkg --verify: every installed file as packaged')
    pmd = [p for p in pk.files(pk.pmd_pkg)
           if p.endswith('/librte_net_bsdtun.so')]
    check_eq(len(pmd), 1, '%s holds the PMD: %s' % (pk.pmd_pkg, pmd))

    # no -d: EAL finds the PMD in its plugin directory
    with s.testpmd([''] * 2, args=['--forward-mode=io'],
                   plugin=False) as pmd:
        check('-d' not in pmd.argv, 'testpmd runs without -d')
        info = pmd.cmd('show port info 0')
        check(re.search(r'Driver name:\s+net_bsdtun', info),
              'port 0 is a net_bsdtun port')
        pmd.cmd('start')
        p = pristine(['/usr/bin/tuntest', 'verify', pmd.sock(0),
                      pmd.sock(1), '--count', str(PKG_COUNT), '--ifhead',
                      '--min', '20', '--max', '1500', '--quiet'],
                     timeout=300)
        check_eq(p.returncode, 0, 'the packaged tuntest verify: exit '
                 'status')
        st = tuntest_summaries(p.stdout)
        for stream in (1, 2):
            r = st.get(stream, {})
            check_eq((r.get('sent'), r.get('received'), r.get('lost'),
                      r.get('reordered'), r.get('corrupt')),
                     (PKG_COUNT, PKG_COUNT, 0, 0, 0),
                     'stream %d sent, received, lost, reordered, corrupt'
                     % stream)
        fwd = pmd.fwd_stop()
        for port in (0, 1):
            ps = pmd.port_stats(port)
            check_eq((ps['RX-packets'], ps['TX-packets'], ps['RX-errors'],
                      ps['TX-errors'], fwd[port]['TX-dropped']),
                     (PKG_COUNT, PKG_COUNT, 0, 0, 0),
                     'port %d RX/TX packets, errors, dropped' % port)

    # a client of libbsdtun-dev, out of tree
    src = s.path('pkg_client.c')
    exe = s.path('pkg_client')
    with open(src, 'w') as f:
        f.write(CLIENT)
    p = pristine(['pkg-config', '--cflags', '--libs', 'bsdtun'])
    check_eq((p.returncode, p.stdout.split()), (0, ['-lbsdtun']),
             'pkg-config bsdtun: the packaged bsdtun.pc')
    p = pristine(['cc', '-std=c11', '-Wall', '-Wextra', '-Werror', '-MD',
                  '-MF', exe + '.d', src, '-o', exe] + p.stdout.split())
    check_eq(p.returncode, 0, 'the client compiles and links against '
             'libbsdtun-dev')
    deps = open(exe + '.d').read() if os.path.exists(exe + '.d') else ''
    check('/usr/include/bsdtun.h' in deps, 'with the packaged bsdtun.h')
    p = pristine(['ldd', exe])
    m = re.search(r'libbsdtun\.so\.0 => (\S+)', p.stdout)
    lib = [f for f in pk.files('libbsdtun0') if f.endswith('.so.0')]
    check_eq(os.path.realpath(m.group(1)) if m else None,
             os.path.realpath(lib[0]) if lib else 'libbsdtun0',
             'it loads the packaged libbsdtun.so.0')
    with s.testpmd([''], args=['--forward-mode=io'], plugin=False) as pmd:
        pmd.cmd('start')
        p = pristine([exe, pmd.sock(0)], timeout=30)
        check_eq((p.returncode, p.stdout.strip()),
                 (0, 'read 64 bytes, same'), 'the client opens the unit, '
                 'writes a packet and reads it back through testpmd')


def main():
    exports()
    devarg_tables()
    installed()
    with harness.Session() as s:
        out_of_tree(s)
    with harness.Session(tag='pkg') as s:
        debs = build_packages(s)
        if debs:
            with Packages(debs, s.path('saved')) as pk:
                from_packages(s, pk)


harness.run_main(main)
