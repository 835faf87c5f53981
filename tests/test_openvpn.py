#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Debian's openvpn, unmodified, on a unit's device node.

Peer-to-peer static-key openvpn (`--dev-node NODE --disable-dco`): its
Linux tun open (TUNSETIFF, IFF_NO_PI) is answered by the node, and its
tunnel carries ping, ping -6 and an iperf3 TCP run between two network
namespaces, through testpmd:

    nsA: kernel tun/tap 10.79.0.1/24 fd79::1/64
         | tuntest bridge
    net_bsdtun0 == testpmd io == net_bsdtun1 (cdev=NODE)
         | openvpn #1 --dev-node NODE (in nsC, no interface of its own)
         | UDP over a veth pair, 192.168.79.1 <-> 192.168.79.2
    nsB: openvpn #2, a kernel tun/tap 10.79.0.2 fd79::2

Three times: tun units with `--dev-type tun`; tap units (mode=tap) with
`--dev-type tap` and kernel taps, where ARP resolves across the whole
path; and tun units again with openvpn #1 opening /dev/net/tun, no
--dev-node, run by `tuntest run`, which puts the node there in a private
mount namespace; and tun and tap once more with tuntest run --preload,
openvpn #1's open answered by the preload face (no FUSE).  Exact counts: 5 of 5 pings each way; iperf3's received
bytes as both ends report them; testpmd's port counters moved by at least
as much; no drop counter of the PMD moved while the traffic ran; openvpn #1's
TUN/TAP byte counts equal the unit's port counters.
"""
import itertools
import json
import os
import re
import shutil
import signal
import stat
import subprocess

import harness
from harness import check, check_eq, ns_exec
from harness import run_cmd as run

ADDR4 = ('10.79.0.1', '10.79.0.2')
ADDR6 = ('fd79::1', 'fd79::2')
UNDER = ('192.168.79.1', '192.168.79.2')   # openvpn #1 (nsC), #2 (nsB)
PORT = 1194
ETH_HLEN = 14
INIT_DONE = 'Initialization Sequence Completed'
# The PMD's drop counters: none may move while the traffic runs.
DROPS = ('tx_no_client', 'tx_af_unsupported', 'tx_bad_ethertype',
         'tx_bad_ip_version', 'tx_detached', 'tx_runt', 'tx_too_big',
         'tx_ring_corrupt', 'tx_ring_full', 'rx_bad_family', 'rx_runt',
         'rx_too_big', 'rx_no_scatter', 'rx_ring_corrupt', 'rx_nombuf',
         'client_refused_busy', 'client_refused_perm',
         'client_bad_message')
_ns_count = itertools.count(1)


class Namespaces:
    """nsA, nsB, nsC of one round and the veth pair nsC <-> nsB; removed
    at exit (their devices with them), whatever happened."""

    def __init__(self):
        n = next(_ns_count)
        self.a, self.b, self.c = ['ov%d_%d%s' % (os.getpid(), n, x)
                                  for x in 'abc']
        self.made = []

    def __enter__(self):
        for ns in (self.a, self.b, self.c):
            run(['ip', 'netns', 'add', ns])
            self.made.append(ns)
            # Less chatter: no router solicitations, no DAD wait.
            ns_exec(ns, ['sysctl', '-qw',
                         'net.ipv6.conf.default.router_solicitations=0'])
            ns_exec(ns, ['sysctl', '-qw',
                         'net.ipv6.conf.default.accept_dad=0'])
            run(['ip', '-n', ns, 'link', 'set', 'lo', 'up'])
        run(['ip', 'link', 'add', 'ovc%d' % os.getpid(), 'netns', self.c,
             'type', 'veth', 'peer', 'name', 'ovb%d' % os.getpid(),
             'netns', self.b])
        for ns, dev, addr in ((self.c, 'ovc', UNDER[0]),
                              (self.b, 'ovb', UNDER[1])):
            dev += str(os.getpid())
            run(['ip', '-n', ns, 'addr', 'add', addr + '/24', 'dev', dev])
            run(['ip', '-n', ns, 'link', 'set', dev, 'up'])
        return self

    def __exit__(self, *exc):
        for ns in self.made:
            run(['ip', 'netns', 'del', ns], echo=False)
        return False


def openvpn(s, wrap, key, direction, me, peer, dev, dev_type, extra):
    """Start one openvpn, peer-to-peer static key over UDP, its command
    line behind wrap (ip netns exec NS, or tuntest run): the Proc."""
    argv = list(wrap) + ['openvpn', '--verb', '3',
            '--disable-dco', '--dev', dev, '--dev-type', dev_type,
            '--secret', key, str(direction), '--cipher', 'AES-256-CBC',
            '--proto', 'udp', '--local', me, '--lport', str(PORT),
            '--remote', peer, '--rport', str(PORT)] + extra
    # under --preload an ASan build's library needs its runtime first
    return s.spawn(argv, 'openvpn', echo=True,
                   env=harness.sanitizer_env() if '--preload' in wrap
                   else None)


def preload_served(runner_pid):
    """The program under tuntest run --preload has the preload library
    and holds no descriptor of the node: its tun descriptor is the
    preload face's (a socket)."""
    kids = subprocess.run(['pgrep', '-P', str(runner_pid)],
                          capture_output=True, text=True).stdout.split()
    if len(kids) != 1:
        return False
    pid = kids[0]
    with open('/proc/%s/maps' % pid) as f:
        if 'libbsdtun-preload.so' not in f.read():
            return False
    fds = []
    for fd in os.listdir('/proc/%s/fd' % pid):
        try:
            fds.append(os.readlink('/proc/%s/fd/%s' % (pid, fd)))
        except OSError:
            pass
    return '/dev/net/tun' not in fds


def initialised(p, what):
    """Wait until openvpn p logs INIT_DONE (it does once it heard its
    peer); one assertion."""
    try:
        p.wait_output(re.escape(INIT_DONE))
    except harness.ProcError as e:
        print(e, flush=True)
    return check(INIT_DONE in p.output, '%s logs "%s"' % (what, INIT_DONE))


def ping(tag, pmd, src_ns, v6):
    dst = ADDR6[1] if v6 else ADDR4[1]
    what = 'IPv6' if v6 else 'IPv4'
    before = pmd.ports_stats()
    p = ns_exec(src_ns, ['ping'] + (['-6'] if v6 else []) +
                ['-c', '5', '-i', '0.2', '-w', '%d' % harness.PATIENCE,
                 dst], timeout=2 * harness.PATIENCE)

    def moved(st):
        d = harness.stats_delta(before, st)
        return all(d[q][k] >= 5 for q in (0, 1)
                   for k in ('RX-packets', 'TX-packets'))
    d = harness.stats_delta(before, pmd.settled_stats(moved))
    check(p.returncode == 0 and
          re.search(r'^5 packets transmitted, 5 received, 0% packet loss',
                    p.stdout, re.M),
          '%s: ping %s -> %s: 5 transmitted, 5 received' % (tag, what, dst))
    # Echo requests enter port 0 and leave port 1; replies the other way.
    check(all(d[q][k] >= 5 for q in (0, 1)
              for k in ('RX-packets', 'TX-packets')),
          '%s: ping %s: testpmd port 0 rx +%d tx +%d, port 1 rx +%d '
          'tx +%d (each >= 5)' %
          (tag, what, d[0]['RX-packets'], d[0]['TX-packets'],
           d[1]['RX-packets'], d[1]['TX-packets']))


def iperf(s, tag, pmd, nsx, secs=3):
    srv = s.spawn(['ip', 'netns', 'exec', nsx.b, 'iperf3', '-s', '-1', '-J',
                   '-B', ADDR4[1]], 'iperf3-server', echo=True)
    listening = harness.wait_for(
        lambda: ':5201 ' in ns_exec(nsx.b, ['ss', '-ltn'],
                                    echo=False).stdout, step=0.1)
    check(listening, '%s: iperf3 server listening in nsB' % tag)
    before = pmd.ports_stats()
    p = ns_exec(nsx.a, ['iperf3', '-c', ADDR4[1], '-t', str(secs), '-J'],
                timeout=secs + 60, echo=False)
    print('$ ip netns exec %s iperf3 -c %s -t %d -J -> %d' %
          (nsx.a, ADDR4[1], secs, p.returncode), flush=True)
    rc = srv.wait(harness.PATIENCE)
    try:
        res = json.loads(p.stdout)
        sent = res['end']['sum_sent']
        recv = res['end']['sum_received']
        srv_recv = json.loads(srv.output)['end']['sum_received']
    except (ValueError, KeyError):
        print(p.stdout[-2000:] + p.stderr[-2000:] + srv.output[-2000:],
              flush=True)
        check(False, '%s: iperf3 gave results on both ends' % tag)
        return
    print('iperf3 TCP %s -> %s through openvpn and testpmd (%s): %.0f '
          'Mbit/s sent, %.0f Mbit/s received, %d bytes, %d retransmits' %
          (ADDR4[0], ADDR4[1], tag, sent['bits_per_second'] / 1e6,
           recv['bits_per_second'] / 1e6, recv['bytes'],
           sent.get('retransmits', -1)), flush=True)
    check(p.returncode == 0 and recv['bytes'] > 0,
          '%s: iperf3 client: exit 0, %d bytes received' %
          (tag, recv['bytes']))
    check_eq(rc, 0, '%s: iperf3 server exit status' % tag)
    check_eq(srv_recv['bytes'], recv['bytes'],
             '%s: iperf3 bytes received, as the server reports them = as '
             'the client reports them' % tag)
    check(sent['bytes'] >= recv['bytes'],
          '%s: iperf3 sent %d >= received %d bytes' %
          (tag, sent['bytes'], recv['bytes']))
    # The TCP payload crossed port 0 (in) and port 1 (out) in packets of
    # its own, plus headers: at least as many bytes.
    d = harness.stats_delta(before, pmd.settled_stats(lambda st: min(
        harness.stats_delta(before, st)[0]['RX-bytes'],
        harness.stats_delta(before, st)[1]['TX-bytes']) >= recv['bytes']))
    check(d[0]['RX-bytes'] >= recv['bytes'] and
          d[1]['TX-bytes'] >= recv['bytes'],
          '%s: iperf3: port 0 rx +%d and port 1 tx +%d bytes, at least '
          'the %d received' % (tag, d[0]['RX-bytes'], d[1]['TX-bytes'],
                               recv['bytes']))


def openvpn_counters(p):
    """SIGUSR2: openvpn prints its statistics; {name: bytes}."""
    mark = p.mark()
    p.signal(signal.SIGUSR2)
    try:
        p.wait_output(r'^.*END\s*$', mark)
    except harness.ProcError as e:
        print(e, flush=True)
        return {}
    text = p.output[mark:]
    return {k: int(v) for k, v in
            re.findall(r'(TUN/TAP (?:read|write) bytes),(\d+)', text)}


def neighbour(ns, dev, addr):
    """(lladdr, state) of addr on dev in ns, or (None, None)."""
    out = run(['ip', '-n', ns, 'neigh', 'show', addr, 'dev', dev]).stdout
    m = re.search(r'lladdr ([0-9a-f:]{17}) .*?\b([A-Z]+)\s*$', out, re.M)
    return (m.group(1), m.group(2)) if m else (None, None)


def link_mac(ns, dev):
    out = run(['ip', '-n', ns, 'link', 'show', dev]).stdout
    m = re.search(r'link/ether ([0-9a-f:]{17})', out)
    return m.group(1) if m else None


def round_(s, key, tap, runner=False, preload=False):
    """runner: openvpn #1 opens /dev/net/tun, not --dev-node: tuntest run
    puts the node there for it; preload: tuntest run --preload serves that
    open from the unit's shared memory (doc/preload.md)."""
    kind = 'tap' if tap else 'tun'
    runner = runner or preload
    tag = kind + (', tuntest run --preload' if preload else
                  ', tuntest run' if runner else '')
    node = s.path('%s_node1' % kind)
    unit = 'qlen=512' + (',mode=tap' if tap else '')
    kdev = 'ov%s0' % kind       # nsA's kernel device (the bridge's)
    odev = '%s0' % kind         # openvpn's --dev
    with s.testpmd([unit, unit + ',cdev=' + node],
                   args=['--forward-mode=io']) as pmd, \
            Namespaces() as nsx:
        pmd.cmd('set fwd io retry')
        pmd.cmd('set burst tx delay 10 retry 100000')
        pmd.cmd('start')

        # nsA: a kernel device joined to unit 0 (the library face tells
        # a tap unit by itself).
        br = s.spawn([harness.TUNTEST, 'bridge', pmd.sock(0), kdev,
                      '--netns', nsx.a, '--quiet'], 'bridge', echo=True)
        try:
            br.wait_output(r'ready$')
        except harness.ProcError as e:
            print(e, flush=True)
        check(re.search(r'\(%s\), ready' % ('tap, Ethernet frames' if tap
                                           else 'IFF_NO_PI'), br.output),
              '%s: tuntest bridge joined unit 0 to %s %s in nsA' %
              (tag, kind, kdev))
        for cmd in (['addr', 'add', ADDR4[0] + '/24', 'dev', kdev],
                    ['addr', 'add', ADDR6[0] + '/64', 'dev', kdev,
                     'nodad'],
                    ['link', 'set', kdev, 'up']):
            check_eq(run(['ip', '-n', nsx.a] + cmd).returncode, 0,
                     '%s: ip %s' % (tag, ' '.join(cmd)))

        # openvpn #1 on unit 1's node, no interface; #2 the kernel's.
        if runner:
            ov1 = openvpn(s, [harness.TUNTEST, 'run', '--netns', nsx.c] +
                          (['--preload', pmd.sock(1)] if preload else []) +
                          [node, '--'],
                          key, 0, UNDER[0], UNDER[1], odev, kind, [])
        else:
            ov1 = openvpn(s, ['ip', 'netns', 'exec', nsx.c], key, 0,
                          UNDER[0], UNDER[1], odev, kind,
                          ['--dev-node', node])
        ov2 = openvpn(s, ['ip', 'netns', 'exec', nsx.b], key, 1, UNDER[1],
                      UNDER[0], odev, kind,
                      ['--ifconfig', ADDR4[1],
                       '255.255.255.0' if tap else ADDR4[0],
                       '--ifconfig-ipv6', ADDR6[1] + '/64', ADDR6[0]])
        ok = initialised(ov1, '%s: openvpn #1 (%s, nsC)' %
                         (tag, '/dev/net/tun' if runner else '--dev-node'))
        ok = initialised(ov2, '%s: openvpn #2 (kernel %s, nsB)' %
                         (tag, kind)) and ok
        check(re.search(r'^.* TUN/TAP device %s opened$' % odev,
                        ov1.output, re.M),
              '%s: openvpn #1 opened the node as %s' % (tag, odev))
        if preload:
            check(preload_served(ov1.pid),
                  '%s: openvpn #1 holds the unit through the preload face '
                  '(libbsdtun-preload.so mapped, no descriptor of '
                  '/dev/net/tun)' % tag)
        # ... and no kernel device of that name exists behind it.
        check(run(['ip', '-n', nsx.c, 'link', 'show', odev]).returncode
              != 0, '%s: no kernel %s in nsC (openvpn #1 holds the unit)'
              % (tag, odev))
        if runner:
            st = os.stat('/dev/net/tun')
            check(stat.S_ISCHR(st.st_mode) and
                  (os.major(st.st_rdev), os.minor(st.st_rdev)) == (10, 200),
                  '%s: /dev/net/tun outside the runner is still the '
                  'kernel\'s (10:200)' % tag)
        if not ok:
            return
        pmd_x0 = pmd.ports_xstats()
        stats0 = pmd.ports_stats()

        ping(tag, pmd, nsx.a, v6=False)
        if tap:
            # ARP went across: each side knows the other's MAC.
            for ns, dev, addr, other_ns, other_dev in (
                    (nsx.a, kdev, ADDR4[1], nsx.b, odev),
                    (nsx.b, odev, ADDR4[0], nsx.a, kdev)):
                mac, state = neighbour(ns, dev, addr)
                want = link_mac(other_ns, other_dev)
                check(mac is not None and mac == want and
                      state in ('REACHABLE', 'STALE', 'DELAY'),
                      '%s: ARP resolved %s on %s: lladdr %s %s (want %s, '
                      'REACHABLE/STALE/DELAY)' %
                      (tag, addr, dev, mac, state, want))
        ping(tag, pmd, nsx.a, v6=True)
        if tap:
            mac, state = neighbour(nsx.a, kdev, ADDR6[1])
            want = link_mac(nsx.b, odev)
            check(mac is not None and mac == want and
                  state in ('REACHABLE', 'STALE', 'DELAY'),
                  '%s: neighbour discovery resolved %s on %s: lladdr %s '
                  '%s (want %s)' % (tag, ADDR6[1], kdev, mac, state, want))
        iperf(s, tag, pmd, nsx)

        # No drop counter moved while the traffic ran.
        dx = harness.stats_delta(pmd_x0, pmd.ports_xstats())
        for q in (0, 1):
            moved = {k: dx[q][k] for k in DROPS if dx[q].get(k)}
            check(not moved, '%s: port %d: no drop counter moved during '
                  'the traffic%s' % (tag, q, ' (%r)' % moved if moved
                                     else ''))
        st = pmd.ports_stats()
        d = harness.stats_delta(stats0, st)
        for q in (0, 1):
            check_eq((d[q]['RX-errors'], d[q]['TX-errors'],
                      d[q]['RX-missed'], d[q]['RX-nombuf']), (0, 0, 0, 0),
                     '%s: port %d RX-errors, TX-errors, RX-missed, '
                     'RX-nombuf during the traffic' % (tag, q))

        # openvpn #1 read what port 1 sent and wrote what port 1 got:
        # byte for byte a tap's frames; a tun's IP packets, the port's
        # Ethernet header (framing=eth) aside.
        def balanced(st):
            c = openvpn_counters(ov1)
            hdr = 0 if tap else ETH_HLEN
            ok = c and \
                c['TUN/TAP read bytes'] == st[1]['TX-bytes'] - \
                hdr * st[1]['TX-packets'] and \
                c['TUN/TAP write bytes'] == st[1]['RX-bytes'] - \
                hdr * st[1]['RX-packets']
            balanced.last = c
            return ok
        balanced.last = {}
        st = pmd.settled_stats(balanced)
        c = balanced.last
        # what openvpn read from the unit the port sent, and back
        for ovpn, port in (('read', 'TX'), ('write', 'RX')):
            key = 'TUN/TAP %s bytes' % ovpn
            check(c and c.get(key, -1) ==
                  st[1][port + '-bytes'] - (0 if tap else ETH_HLEN) *
                  st[1][port + '-packets'],
                  '%s: openvpn #1 %s %s = port 1 %s-bytes %d (%d packets%s)'
                  % (tag, key, c.get(key), port, st[1][port + '-bytes'],
                     st[1][port + '-packets'],
                     '' if tap else ', less 14 bytes each'))

        # The bridge's counters against port 0's.
        br.signal(signal.SIGTERM)
        check_eq(br.wait(harness.PATIENCE), 0,
                 '%s: bridge ends cleanly on SIGTERM' % tag)
        m = re.search(r'^tuntest bridge: (to_unit_packets .*)$', br.output,
                      re.M)
        w = m.group(1).split() if m else []
        bc = {w[i]: int(w[i + 1]) for i in range(0, len(w) - 1, 2)}
        st = pmd.ports_stats()
        check(bc.get('to_unit_packets') == st[0]['RX-packets'],
              '%s: bridge to_unit_packets %s = port 0 RX-packets %d' %
              (tag, bc.get('to_unit_packets'), st[0]['RX-packets']))
        for k in ('drop_not_ip', 'drop_family', 'drop_too_big',
                  'drop_unit_error'):
            check_eq(bc.get(k), 0, '%s: bridge %s' % (tag, k))
        for i, p in enumerate((ov1, ov2)):
            p.signal(signal.SIGTERM)
            check_eq(p.wait(harness.PATIENCE), 0,
                     '%s: openvpn #%d exit status on '
                     'SIGTERM' % (tag, i + 1))
        pmd.fwd_stop()


def main():
    for prog in ('ip', 'ping', 'iperf3', 'ss', 'openvpn'):
        if not check(shutil.which(prog) is not None,
                     '%s installed (devtools/setup.sh)' % prog):
            return
    with harness.Session(tag='openvpn') as s:
        key = s.path('static.key')
        check_eq(run(['openvpn', '--genkey', 'secret', key]).returncode, 0,
                 'openvpn --genkey secret')
        round_(s, key, tap=False)
        round_(s, key, tap=True)
        round_(s, key, tap=False, runner=True)
        round_(s, key, tap=False, preload=True)
        round_(s, key, tap=True, preload=True)


harness.run_main(main)
