#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""What the PMD promises the DPDK app (doc/robustness.md, classes 6 and 8):

- open is complete when it returns: a packet the app sends right after a
  client's open returned reaches that client, on both faces (no
  tx_no_client); tests/app_probe opens the unit itself, from a thread of
  the DPDK process, so nothing sits between the open and the transmit;
- the app's LSC callback runs with no PMD lock held: it may stop the port,
  or stop and close it (the last port, so the control thread is stopped
  from inside its own callback), and the PMD keeps working: a new port
  hot-plugged afterwards admits clients."""
import os
import subprocess

import harness
from harness import check, check_eq

CDEV = os.path.exists(os.path.join(harness.BUILD, 'tests', 'cdev_client'))
OPENS_LIB = 500
OPENS_NODE = 100


def word(out, key):
    for line in out:
        w = line.split()
        if w and w[0] == key:
            return w[1:]
    return None


def open_complete(s, face, n):
    node = s.path('probe-node-%s' % face)
    args = 'qlen=64' + (',cdev=' + node if face == 'node' else '')
    app = harness.AppProbe(s, args)
    path = node if face == 'node' else app.sock
    out, xs = app.command('open-send %d %s %s' % (n, face, path))
    print('\n'.join(out[-5:]), flush=True)
    check_eq(word(out, 'delivered'), [str(n)],
             '%s face: every packet sent right after open() returned was '
             'read by that client' % face)
    check_eq(xs.get('tx_no_client'), 0,
             '%s face: no packet found the unit without its client' % face)
    check_eq(xs.get('client_opens'), n, '%s face: %d opens' % (face, n))
    app.close()


def big_burst(s):
    """One rte_eth_tx_burst() of 300 packets (the PMD takes them in chunks
    of 64, capturing each chunk after its lock is dropped): all reach the
    client, in order, and all are captured."""
    cap = s.path('burst.pcapng')
    app = harness.AppProbe(s, 'qlen=1024,pcapng=' + cap)
    out, xs = app.command('burst-send 300 ' + app.sock)
    check_eq((word(out, 'sent'), word(out, 'in-order')), (['300'], ['300']),
             'one tx_burst of 300: all sent, all read back in order')
    check_eq(xs.get('capture_packets'), 300, 'all 300 captured')
    check_eq(xs.get('tx_ring_full'), 0, 'no backpressure at qlen 1024')
    app.close()


def tuntest_ioctl(sock):
    r = subprocess.run([harness.TUNTEST, 'ioctl', sock, 'debug', '0'],
                       capture_output=True, text=True, timeout=20)
    print(r.stdout + r.stderr, end='', flush=True)
    return r.returncode


def lsc_careless(s, what):
    app = harness.AppProbe(s, 'qlen=64')
    out, _ = app.command('lsc ' + what)
    check_eq(out, ['armed'], 'lsc %s: callback registered' % what)
    # A client's open takes the link up: the callback runs in the PMD's
    # control thread and stops (closes) the port from there.  A close
    # closes the unit under the client: its ioctl may fail ENXIO.
    rc = tuntest_ioctl(app.sock)
    check(rc == 0 or (what == 'close' and rc == 1),
          'lsc %s: a client opened the unit (tuntest status %d)' % (what, rc))
    out, xs = app.command('lsc-wait')
    check_eq(word(out, 'lsc-ran'), ['0'],
             'lsc %s: the callback ran and its %s returned 0' % (what, what))
    if what == 'stop':
        check_eq(tuntest_ioctl(app.sock), 0,
                 'lsc stop: the control thread still admits clients')
        check_eq(xs.get('client_opens'), 1, 'lsc stop: one open so far')
    else:
        check(xs == {}, 'lsc close: port 0 is gone (no xstats)')
        check(not os.path.exists(app.sock),
              'lsc close: the control socket was removed')
        sock2 = s.path(app.prefix + '-2.sock')
        out, _ = app.command('probe net_bsdtun1,sock=%s' % sock2)
        check(word(out, 'port') is not None,
              'lsc close: a port hot-plugged afterwards started (%s)' % out)
        check_eq(tuntest_ioctl(sock2), 0,
                 'lsc close: the new port admits a client (a new control '
                 'thread)')
    app.close()


def peer_mac(s):
    """Frames from the client come from the peer's MAC, derived from the
    port's (local bit set, last bit flipped): after a MAC change too."""
    app = harness.AppProbe(s, 'qlen=64')
    for mac, peer in (('02:62:74:75:6e:00', '02:62:74:75:6e:01'),
                      ('02:00:00:00:00:10', '02:00:00:00:00:11')):
        if mac != '02:62:74:75:6e:00':
            out, _ = app.command('mac ' + mac)
            check_eq(out, ['mac 0'], 'port MAC set to %s' % mac)
        pkts, _ = app.send_and_burst(100)
        check_eq((len(pkts), app.last_src.lower()), (1, peer),
                 'port MAC %s: the frame comes from %s' % (mac, peer))
    app.close()


def main():
    with harness.Session() as s:
        peer_mac(s)
        big_burst(s)
        open_complete(s, 'lib', OPENS_LIB)
        if CDEV:
            open_complete(s, 'node', OPENS_NODE)
        lsc_careless(s, 'stop')
        lsc_careless(s, 'close')


if __name__ == '__main__':
    harness.run_main(main)
