#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The client library trusts less (doc/robustness.md, class 5).

tests/fake_endpoint serves a control socket that is not a unit, and
tests/lib_client opens it with libbsdtun:
- served by another user (uid 65534): bsdtun_open() fails EPERM (that
  user would read and inject the client's traffic); bsdtun_open_ex()
  naming that uid opens it;
- served by root, but WELCOME hands over an unsealed memfd (the server
  could shrink it under the client's mapping: SIGBUS), one sealed against
  growing only, a region_size larger than the memfd, a plain file, or a
  pipe as the bell: bsdtun_open() fails EPROTO and the client lives."""
import os
import subprocess

import harness
from harness import check

FAKE = os.path.join(harness.BUILD, 'tests', 'fake_endpoint')
LIB_CLIENT = os.path.join(harness.BUILD, 'tests', 'lib_client')


def with_fake(s, mode, uid, step):
    path = s.path('fake-%s.sock' % mode)
    argv = [FAKE, path, mode] + ([str(uid)] if uid is not None else [])
    print('$ ' + ' '.join(argv), flush=True)
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        check(p.stdout.readline().strip() == 'ready',
              'fake_endpoint %s is ready' % mode)
        harness.run_client([LIB_CLIENT, path, step], 'lib_client ' + step)
    finally:
        p.kill()
        p.wait()
        p.stdout.close()


def main():
    with harness.Session() as s:
        with_fake(s, 'good', harness.NOBODY, 'trust_peer')
        for mode in ('unsealed', 'noshrink', 'bigger', 'file', 'bellfile'):
            with_fake(s, mode, None, 'trust_region')


if __name__ == '__main__':
    harness.run_main(main)
