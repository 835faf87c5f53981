#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The Linux tun personality against the kernel's own /dev/net/tun
(doc/behaviour.md, "Differences from Linux's tun").

tests/tun_diff runs one list of Linux tun rows (TUNSETIFF's flags and
names, each request before and after it, TUNSETOFFLOAD's rules, writes
Linux refuses, short reads) and prints one canonical line per step:
- on /dev/net/tun, in a network namespace of its own (it brings its tun
  up there and routes its packet into it);
- on a unit's device node (plain system calls) and through libbsdtun on
  its control socket, testpmd forwarding the packet the program asks for
  (WAIT packet HEX) from the next unit, which this script holds;
once for a tun (a tun unit) and once for a tap (a tap unit, rows tap.*).
Every line of a unit must be the kernel's, unless doc/behaviour.md lists
that row, for that face, with its reason; a listed row that no longer
differs fails too (the list stays exact).
"""
import fnmatch
import os
import re

import harness
from harness import check, check_eq

TUN_DIFF = os.path.join(harness.BUILD, 'tests', 'tun_diff')
DOC = os.path.join(harness.TOP, 'doc', 'behaviour.md')
SECTION = '### Differences from Linux\'s tun'
KINDS = ('justified', 'not implemented yet', 'bug')


def listed_differences():
    """The table of the doc's section: [(row patterns, faces, kind)]."""
    text = open(DOC).read()
    start = text.find(SECTION)
    if start < 0:
        return []
    end = text.find('\n#', start + len(SECTION))
    out = []
    for line in text[start:end if end >= 0 else None].splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        pats = re.findall(r'`([^`]+)`', cells[0])
        if len(cells) < 4 or not cells[0].startswith('`') or not pats:
            continue
        out.append((tuple(pats), cells[1], cells[2]))
    return out


def rows_of(lines):
    """{row: the rest of its line} of a tun_diff run, in order."""
    rows = {}
    for ln in lines:
        if ln.startswith('WAIT ') or ln == 'END':
            continue
        name, _, rest = ln.partition(' ')
        rows[name] = rest
    return rows


def run(argv, what, on_wait=None):
    rc, lines, timed_out = harness.run_stepped(argv, on_wait, timeout=240)
    check(rc == 0 and not timed_out and lines[-1:] == ['END'] and
          not any(ln.startswith('FAIL') for ln in lines),
          '%s: ran to its end (exit %s)' % (what, rc))
    return rows_of(lines)


def kernel_rows():
    """The rows of /dev/net/tun: a tun, then a tap, each in a network
    namespace of its own."""
    rows = {}
    for kind in ('tun', 'tap'):
        ns = 'bsdtun-diff-%d' % os.getpid()
        check_eq(harness.run_cmd(['ip', 'netns', 'add', ns]).returncode, 0,
                 'ip netns add ' + ns)
        try:
            rows.update(run(['ip', 'netns', 'exec', ns, TUN_DIFF, 'kernel',
                             kind], 'kernel /dev/net/tun, a %s' % kind))
        finally:
            harness.run_cmd(['ip', 'netns', 'del', ns])
    return rows


def unit_rows(s):
    """(node rows, library rows) of a tun unit (port 0) and a tap unit
    (port 2), each fed by the next port through testpmd (io)."""
    n = [s.path('diff%d' % i) for i in range(4)]
    with s.testpmd(['cdev=' + n[0], 'cdev=' + n[1], 'mode=tap,cdev=' + n[2],
                    'mode=tap,cdev=' + n[3]],
                   args=['--forward-mode=io']) as pmd:
        pmd.cmd('start')
        feeds = [harness.open_node(n[1]), harness.open_node(n[3])]
        node, lib = {}, {}
        try:
            for face, rows in (('node', node), ('lib', lib)):
                for port, kind, feed in ((0, 'tun', feeds[0]),
                                         (2, 'tap', feeds[1])):
                    def on_wait(what, feed=feed):
                        w = what.split()
                        if w[:1] != ['packet'] or len(w) != 2:
                            check(False, 'unexpected WAIT %s' % what)
                            return
                        while not harness.fd_quiet(feed, 0):
                            pass  # what the unit's writes sent here
                        os.write(feed, bytes.fromhex(w[1]))

                    where = n[port] if face == 'node' else pmd.sock(port)
                    rows.update(run([TUN_DIFF, face, where, kind],
                                    '%s, a %s unit' % (face, kind), on_wait))
                    # the node's release comes after close(2)
                    check(harness.wait_for(lambda p=port: pmd.link(p) ==
                                           'down'),
                          '%s: the %s unit closed' % (face, kind))
        finally:
            for fd in feeds:
                os.close(fd)
    return node, lib


def compare(face, kernel, unit, listed):
    """Each row's line on face against the kernel's.  A row that differs
    must be listed for face (the first entry naming it counts); an entry
    for face that no differing row needs is stale."""
    mine = [e for e in listed if e[1] in ('both', face)]
    check_eq((sorted(set(kernel) - set(unit)),
              sorted(set(unit) - set(kernel))), ([], []),
             '%s: the same rows as the kernel (missing, extra)' % face)
    needed = set()
    differ = 0
    for row, want in kernel.items():
        got = unit.get(row)
        if got == want:
            continue
        differ += 1
        entry = next((e for e in mine
                      if any(fnmatch.fnmatchcase(row, p) for p in e[0])),
                     None)
        if entry is None:
            check(False, '%s %s: differs from the kernel, not listed in '
                  'doc/behaviour.md: kernel "%s", unit "%s"' %
                  (face, row, want, got))
            continue
        needed.add(entry)
        print('diff %-4s %-34s %s\n     kernel %s\n     unit   %s' %
              (face, row, entry[2], want, got), flush=True)
    for e in mine:
        check(e in needed, '%s: the entry for %s is needed (a row '
              'differs)' % (face, ', '.join(e[0])))
    check(True, '%s: %d rows compared, %d differ, each listed' %
          (face, len(kernel), differ))


def main():
    listed = listed_differences()
    check(len(listed) > 0 and all(k in KINDS for _, _, k in listed) and
          all(f in ('both', 'node', 'lib') for _, f, _ in listed),
          'doc/behaviour.md lists the differences (%d), each with its '
          'faces and kind' % len(listed))
    with harness.Session() as s:
        kernel = kernel_rows()
        check(len(kernel) > 300, 'the kernel answered %d rows' % len(kernel))
        node, lib = unit_rows(s)
        compare('node', kernel, node, listed)
        compare('lib', kernel, lib, listed)


harness.run_main(main)
