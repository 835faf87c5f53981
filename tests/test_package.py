#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The package: a client built out of tree with `pkg-config --cflags --libs
bsdtun` against the installed files runs against a unit; every devarg in
the code is in the documentation's tables and the other way round; the
installed man page and PMD are where they belong."""
import os
import re
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


def main():
    exports()
    devarg_tables()
    installed()
    with harness.Session() as s:
        out_of_tree(s)


harness.run_main(main)
