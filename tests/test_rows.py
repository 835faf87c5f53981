#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""SPEC section 2 rows 1, 5, 6, 9, 10, 11, 12, 13, 14 through libbsdtun.

Each row gets its own dpdk-testpmd in io forwarding mode: with one port
what the client writes comes back to it.  tests/client_rows does the
client side and asserts errnos and bytes; this script checks what the
DPDK side counted, exactly.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, check_eq  # noqa: E402

IO = ['--forward-mode=io']


def expect_counters(pmd, port, stats=None, xstats=None, closes=None):
    """After the client is gone: wait for the PMD to see the close, then
    compare every named counter exactly."""
    if closes is not None:
        pmd.wait_xstat(port, 'client_closes', closes)
    xs = pmd.xstats(port)
    st = pmd.port_stats(port)
    for k, v in (stats or {}).items():
        check_eq(st.get(k), v, 'port %d stats %s' % (port, k))
    for k, v in (xstats or {}).items():
        check_eq(xs.get(k), v, 'port %d xstats %s' % (port, k))


def one_port_row(s, row, stats, xstats, closes, devargs='', args=(),
                 on_wait=None):
    print('\n=== %s ===' % row, flush=True)
    with s.testpmd([devargs], IO + list(args)) as pmd:
        pmd.cmd('start')
        s.client(row, pmd.sock(0),
                 on_wait=None if on_wait is None else
                 (lambda what: on_wait(pmd, what)))
        expect_counters(pmd, 0, stats, xstats, closes)


def row1(s):
    # 1 holder + 100 close-and-reopen; two refused opens.
    one_port_row(s, 'row1',
                 stats={'RX-packets': 1, 'TX-packets': 1},
                 xstats={'client_refused_busy': 2, 'client_opens': 101,
                         'client_closes': 101, 'tun_pid': 0},
                 closes=101)


def row16_owner(s):
    """The library face's SIGIO owner: never the DPDK process (pid,
    threads, group), BSD's existence and session rules, cleared at close."""
    print('\n=== row16_owner ===', flush=True)
    with s.testpmd([''], IO) as pmd:
        s.client('row16_owner', pmd.sock(0), extra=[str(pmd.proc.pid)])
        expect_counters(pmd, 0, xstats={'client_opens': 2}, closes=2)


def row5(s):
    one_port_row(s, 'row5',
                 stats={'RX-packets': 1, 'TX-packets': 1},
                 xstats={'client_opens': 2, 'tx_no_client': 0,
                         'to_client_purged': 0},
                 closes=2)


def row6(s):
    one_port_row(s, 'row6',
                 stats={'RX-packets': 7, 'TX-packets': 7, 'TX-errors': 0},
                 xstats={'tx_ring_full': 0, 'to_client_purged': 0},
                 closes=1)


def row9(s):
    """Port 0 (client) io-forwards to port 1 (no client): port 1's
    tx_burst drops and counts every packet, and still consumes them."""
    print('\n=== row9 ===', flush=True)
    with s.testpmd(['', ''], IO) as pmd:
        pmd.cmd('start')
        s.client('row9', pmd.sock(0))
        xs1 = pmd.wait_xstat(1, 'tx_no_client', 5)
        check_eq(xs1.get('tx_no_client'), 5, 'port 1 xstats tx_no_client')
        st1 = pmd.port_stats(1)
        check_eq(st1.get('TX-packets'), 0, 'port 1 stats TX-packets')
        check_eq(st1.get('TX-errors'), 5, 'port 1 stats TX-errors')
        st0 = pmd.port_stats(0)
        check_eq(st0.get('RX-packets'), 5, 'port 0 stats RX-packets')
        check_eq(st0.get('TX-packets'), 0, 'port 0 stats TX-packets')
        check_eq(pmd.xstats(0).get('tx_no_client'), 0,
                 'port 0 xstats tx_no_client')
        fwd = pmd.fwd_stop().get(1, {})
        # testpmd's TX-dropped is its own drops (what tx_burst did not
        # take) plus the port's oerrors: 5 means tx_burst took all 5.
        check_eq(fwd.get('TX-packets'), 0, 'forward stats port 1 TX-packets')
        check_eq(fwd.get('TX-dropped'), 5,
                 'forward stats port 1 TX-dropped = oerrors only '
                 '(tx_burst consumed every packet)')

def row10(s):
    one_port_row(s, 'row10',
                 stats={'RX-packets': 1, 'TX-packets': 1, 'RX-errors': 0},
                 xstats={'rx_runt': 0, 'rx_bad_family': 0},
                 closes=1)


def row11(s):
    # framing=eth: each packet gains a 14-byte Ethernet header in DPDK.
    # A TUNMRU packet reaches an app that asked for it: MTU 16384 and
    # scatter (without them the PMD drops it, test_rx_contract.py).
    one_port_row(s, 'row11', devargs='mtu=16384', args=['--enable-scatter'],
                 stats={'RX-packets': 2, 'TX-packets': 2,
                        'RX-bytes': (16384 + 14) + (16380 + 14),
                        'TX-bytes': (16384 + 14) + (16380 + 14)},
                 xstats={'tx_too_big': 0, 'rx_runt': 0},
                 closes=1)


def row12(s):
    one_port_row(s, 'row12',
                 stats={'RX-packets': 5, 'TX-packets': 5, 'RX-errors': 0},
                 xstats={'rx_bad_family': 0, 'rx_runt': 0,
                         'tx_af_unsupported': 0},
                 closes=1)


def row13(s):
    """qlen=8; the client asks for 'stop' (nothing drains the ring to
    DPDK) and 'start'.  --no-flush-rx keeps testpmd's start from
    discarding what the client queued meanwhile."""
    def on_wait(pmd, what):
        if what == 'stop':
            pmd.fwd_stop()
        elif what == 'start':
            pmd.cmd('start')
        else:
            check(False, 'row13: unexpected WAIT %s' % what)

    # 21 looped before the stop, 8 queued while stopped, 1 after.
    one_port_row(s, 'row13', devargs='qlen=8', args=['--no-flush-rx'],
                 on_wait=on_wait,
                 stats={'RX-packets': 30, 'TX-packets': 30, 'RX-errors': 0},
                 xstats={'tx_ring_full': 0, 'to_dpdk_purged': 0,
                         'to_client_purged': 0},
                 closes=1)


def row14(s):
    one_port_row(s, 'row14',
                 stats={'RX-packets': 4, 'TX-packets': 4},
                 xstats={'tx_ring_full': 0},
                 closes=1)


ROWS = [row1, row5, row6, row9, row10, row11, row12, row13, row14,
        row16_owner]


def main():
    only = sys.argv[1:]
    with harness.Session() as s:
        for fn in ROWS:
            if only and fn.__name__ not in only:
                continue
            try:
                fn(s)
            except Exception as e:  # noqa: BLE001 - next row still runs
                check(False, '%s raised %s: %s' % (fn.__name__,
                                                   type(e).__name__, e))


if __name__ == '__main__':
    harness.run_main(main)
