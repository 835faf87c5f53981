#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""DPDK's own l3fwd-power example, unmodified, in --interrupt-only mode on
two bsdtun ports: it waits on the ports' rx interrupts (rte_epoll_wait),
a client's packet wakes it ("waked up from rx interrupt on port N", its
own log line, printed for each event its epoll returned), and it routes
the packet (LPM: 1.1.1.0/24 to port 0, 2.1.1.0/24 to port 1) to the other
unit's client, TTL decremented.

The example's source is the DPDK release's own: for the installed DPDK,
from its Debian source package (devtools/setup.sh puts it in
build-deps/dpdk-examples/), for a release devtools/dpdk-matrix.sh built,
from that release's tree beside its prefix.  It is built here with the
example's own Makefile against the DPDK pkg-config finds.
"""
import os
import re
import shutil
import signal
import subprocess

import harness
from harness import check, check_eq

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EPOLL = (harness.SYS_EPOLL_WAIT, harness.SYS_EPOLL_PWAIT,
         harness.SYS_EPOLL_PWAIT2)


def example_source():
    """The l3fwd-power source of the DPDK in use, or None."""
    ver = subprocess.run(['pkg-config', '--modversion', 'libdpdk'],
                         capture_output=True, text=True).stdout.strip()
    deb = os.path.join(TOP, 'build-deps', 'dpdk-examples')
    try:
        with open(os.path.join(deb, 'VERSION')) as f:
            if f.read().strip().startswith(ver):
                return os.path.join(deb, 'l3fwd-power')
    except OSError:
        pass
    prefix = subprocess.run(['pkg-config', '--variable=prefix', 'libdpdk'],
                            capture_output=True, text=True).stdout.strip()
    tree = os.path.join(os.path.dirname(prefix), 'dpdk-' +
                        '.'.join(ver.split('.')[:2]))
    src = os.path.join(tree, 'examples', 'l3fwd-power')
    return src if os.path.isdir(src) else None


def build():
    src = example_source()
    check(src is not None, 'the l3fwd-power source of this DPDK release '
          '(devtools/setup.sh, devtools/dpdk-matrix.sh)')
    if src is None:
        return None
    out = os.path.join(harness.BUILD, 'l3fwd-power')
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(src, out)
    p = subprocess.run(['make', '-C', out, 'shared'], capture_output=True,
                       text=True, timeout=300)
    if p.returncode != 0:
        print(p.stdout[-3000:] + p.stderr[-3000:], flush=True)
    check_eq(p.returncode, 0, 'make l3fwd-power (%s)' % src)
    return os.path.join(out, 'build', 'l3fwd-power-shared')


def routed(p):
    """What l3fwd-power makes of p, but for the header checksum: TTL - 1.
    (Its RFC 1812 check zeroes the checksum field and the forwarding path
    then adds one to it: the example's own business, not compared.)"""
    return p[:8] + bytes([p[8] - 1]) + p[9:10] + p[12:]


def no_cksum(p):
    return p[:10] + p[12:]


def main():
    with harness.Session() as s:
        prog = build()
        if prog is None:
            return
        pfx = s.new_prefix()
        socks = [s.path('l3p_s%d' % i) for i in (0, 1)]
        nodes = [s.path('l3p_n%d' % i) for i in (0, 1)]
        argv = [prog, '-l', '1', '--no-pci', '--huge-unlink',
                '--file-prefix=' + pfx, '-d', harness.PMD] + \
            ['--vdev=net_bsdtun%d,sock=%s,cdev=%s' % (i, socks[i], nodes[i])
             for i in (0, 1)] + \
            ['--', '-p', '0x3', '--config=(0,0,1),(1,0,1)',
             '--interrupt-only']
        app = harness.Proc(argv, 'l3fwd-power', env=harness.sanitizer_env(),
                           echo=True)
        s.procs.append(app)
        check(harness.wait_for(lambda: all(os.path.exists(sk)
                                           for sk in socks)),
              'l3fwd-power probed both units')
        fds = [harness.open_node(n) for n in nodes]
        try:
            app.wait_output(r'entering main interrupt loop')
            # l3fwd-power waits on the interrupts in 10 ms slices and polls
            # once between them: a packet that lands in that gap is polled,
            # not woken for.  So each port gets packets, each written once
            # its (only) lcore, the main thread, sleeps in epoll_wait; every
            # one must be routed, and at least one of each port's must
            # have woken it from that port's interrupt: 4 packets, more
            # (up to 40) while none is seen to have.
            for src, dst, to in ((0, (2, 1, 1, 1), 1), (1, (1, 1, 1, 1), 0)):
                woke = r'waked up from rx interrupt on port %d' % src
                before = len(re.findall(woke, app.output))

                def wakes():
                    return len(re.findall(woke, app.output)) - before
                sent = 0
                for i in range(40):
                    if i >= 4 and wakes() > 0:
                        break
                    sent += 1
                    harness.wait_blocked(app.pid, EPOLL)
                    pkt = harness.ipv4_packet(1, i, dst=dst)
                    os.write(fds[src], pkt)
                    got = [no_cksum(g) for g in
                           harness.read_packets(fds[to], 1)]
                    harness.check_packets(got, [routed(pkt)],
                                          'packet %d: port %d -> %s, routed '
                                          'to port %d (TTL 63)' %
                                          (i, src, '.'.join(map(str, dst)),
                                           to))
                # its log line comes before the packet it woke for
                check(harness.wait_for(lambda: wakes() >= 1),
                      'l3fwd-power woke from port %d\'s rx interrupt for '
                      '%d of its %d packets' % (src, wakes(), sent))
        finally:
            for fd in fds:
                os.close(fd)
        app.signal(signal.SIGINT)
        rc = app.wait(harness.PATIENCE)
        check_eq(rc, 0, 'l3fwd-power exits 0 on SIGINT')
        s.release_prefix(pfx)


if __name__ == '__main__':
    harness.run_main(main)
