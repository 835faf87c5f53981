#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Telemetry: /bsdtun/list and /bsdtun/info,PORT read from a running
dpdk-testpmd through its telemetry socket (what dpdk-telemetry.py uses).

Port 0 is held through the library by tests/lib_client (IFHEAD on, 5
packets written while testpmd does not receive), port 1 through its device
node by this script; testpmd's txonly fills port 0's ring to the client
(qlen 64) while the client reads nothing (--no-flush-rx: 'start' leaves
the client's 5 packets where they are).  Every field is compared exactly.
"""
import fcntl
import os
import struct

import harness
from harness import check, check_eq

LIB_CLIENT = os.path.join(harness.BUILD, 'tests', 'lib_client')


def main():
    with harness.Session() as s:
        node = s.path('tel1')
        with s.testpmd(['qlen=64', 'qlen=32,framing=ip,cdev=' + node],
                       ['--forward-mode=txonly', '--no-flush-rx']) as pmd:
            tel = harness.Telemetry(pmd.prefix)
            check_eq(tel.hello.get('pid'), pmd.proc.pid,
                     'the telemetry socket is testpmd\'s')
            check_eq(tel.ask('/bsdtun/list'), {'/bsdtun/list': [0, 1]},
                     '/bsdtun/list')
            idle = tel.ask('/bsdtun/info,1')['/bsdtun/info']
            check_eq(idle, {'port': 1, 'name': 'net_bsdtun1',
                            'sock': pmd.sock(1), 'cdev': node, 'qlen': 32,
                            'mtu': 1500, 'framing': 'ip', 'mode': 'tun',
                            'if_flags': 0x1010,
                            'debug': 0, 'queues': 1, 'held': 0,
                            'q0_ifhead': 0, 'q0_lmode': 0, 'q0_held': 0},
                     '/bsdtun/info,1 with nobody holding it')
            for bad in ('/bsdtun/info', '/bsdtun/info,', '/bsdtun/info,x',
                        '/bsdtun/info,99', '/bsdtun/info,1x'):
                check_eq(tel.ask(bad), {'/bsdtun/info': None},
                         '%s: null (a bad or unknown port)' % bad)

            def on_wait(what):
                pid = int(what.split('=')[1])
                pmd.cmd('start')
                check(harness.wait_for(
                    lambda: tel.ask('/bsdtun/info,0')['/bsdtun/info']
                    .get('q0_to_client_queued') == 64),
                    'txonly filled the client\'s ring')
                pmd.fwd_stop()
                held = tel.ask('/bsdtun/info,0')['/bsdtun/info']
                check_eq(held, {
                    'port': 0, 'name': 'net_bsdtun0', 'sock': pmd.sock(0),
                    'cdev': '', 'qlen': 64, 'mtu': 1500, 'framing': 'eth',
                    'mode': 'tun', 'if_flags': 0x1010, 'debug': 0, 'queues': 1, 'held': 1,
                    'q0_ifhead': 1, 'q0_lmode': 0, 'q0_held': 1,
                    'q0_pid': pid, 'q0_uid': 0, 'q0_face': 'library',
                    'q0_async': 0, 'q0_linux': 0,
                    'q0_region_bytes': harness.region_bytes(64),
                    'q0_to_client_queued': 64, 'q0_to_dpdk_queued': 5},
                    '/bsdtun/info,0 held through the library')

                fd = harness.open_node(node)
                try:
                    info = tel.ask('/bsdtun/info,1')['/bsdtun/info']
                    check_eq(info, dict(idle, **{
                        'held': 1, 'q0_held': 1, 'q0_pid': os.getpid(),
                        'q0_uid': 0, 'q0_face': 'node', 'q0_async': 0,
                        'q0_linux': 0,
                        'q0_region_bytes': harness.region_bytes(32),
                        'q0_to_client_queued': 0, 'q0_to_dpdk_queued': 0}),
                        '/bsdtun/info,1 held through the device node')
                    fcntl.ioctl(fd, 0x400454ca,  # TUNSETIFF, IFF_TUN
                                struct.pack('16sH22x', b'', 1))
                    info = tel.ask('/bsdtun/info,1')['/bsdtun/info']
                    check_eq(info.get('q0_linux'), 1,
                             'q0_linux: 1 once the open issued TUNSETIFF')
                finally:
                    os.close(fd)
            harness.run_client([LIB_CLIENT, pmd.sock(0), 'hold', '1,5'],
                               'lib_client hold', on_wait=on_wait)
            check(harness.wait_for(
                lambda: tel.ask('/bsdtun/info,0')['/bsdtun/info']['held']
                == 0), '/bsdtun/info,0: held 0 after the client closed')
            tel.close()


if __name__ == '__main__':
    harness.run_main(main)
