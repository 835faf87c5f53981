#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""qemu's tap backend with vnet_hdr=on on a tap unit, unmodified, under
`tuntest run --preload` (doc/behaviour.md, "The virtio-net header").

    guest eth0 (virtio-net, 10.99.0.2)
      | qemu -netdev tap,ifname=tap0,vnet_hdr=on|off (tuntest run --preload:
      |   its open("/dev/net/tun") is net_bsdtun0's)
    net_bsdtun0 (mode=tap) == testpmd io == net_bsdtun1 (mode=tap)
      | tuntest bridge
    kernel tap bt1 in a network namespace (10.99.0.1): socat listeners

The guest (Debian 12's kernel and busybox-static, fetched with
`apt-get download` into --cache, an initramfs of their own) pings
10.99.0.1 five times, sends 10 MiB of zeros over TCP and reads 3 MiB
back.  With vnet_hdr=on the guest's virtio-net takes TSO: it writes
64 KiB super-packets with a GSO header, which the PMD cuts for testpmd
(no LRO: xstat rx_gso_cut).  Checked, for vnet_hdr=on and off: 5 of 5
pings, every byte both ways, and rx_gso_cut (on: > 0, off: 0).

    devtools/qemu_vnet.py [--build DIR] [--cache DIR]

Needs root, qemu-system-x86_64, socat, ip, apt-get (Debian), a build
(BSDTUN_BUILD or build/) and devtools/setup.sh done.  The guest runs
under TCG: no KVM needed.  Exit status 0 when everything held.
"""
import argparse
import glob
import gzip
import os
import shutil
import stat
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULES = ('virtio_ring', 'virtio', 'virtio_pci_modern_dev',
           'virtio_pci_legacy_dev', 'virtio_pci', 'failover',
           'net_failover', 'virtio_net')
TX_BYTES = 160 * 65536  # guest -> host
RX_BYTES = 3 << 20      # host -> guest

INIT = """#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in %s; do insmod /lib/$m.ko; done
ip link set eth0 up
ip addr add 10.99.0.2/24 dev eth0
ping -c 5 -W 3 10.99.0.1
dd if=/dev/zero bs=65536 count=160 2>/dev/null | nc -w 5 10.99.0.1 5001 &&
    echo "GUEST sent"
echo "GUEST received $(nc -w 5 10.99.0.1 5002 | wc -c)"
echo GUEST-DONE
poweroff -f
""" % ' '.join(MODULES)


def cpio_newc(root):
    """The files under root as a newc cpio archive (an initramfs)."""
    out = bytearray()
    ino = [1]

    def entry(name, mode, data=b'', nlink=1):
        hdr = '070701' + ''.join('%08x' % v for v in (
            ino[0], mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0,
            len(name) + 1, 0))
        ino[0] += 1
        b = hdr.encode() + name.encode() + b'\0'
        b += b'\0' * (-len(b) % 4) + data
        out.extend(b + b'\0' * (-len(b) % 4))

    for dp, _, fns in sorted(os.walk(root)):
        rel = os.path.relpath(dp, root)
        if rel != '.':
            entry(rel, stat.S_IFDIR | 0o755, nlink=2)
        for f in sorted(fns):
            p = os.path.join(dp, f)
            entry(os.path.normpath(os.path.join(rel, f)),
                  stat.S_IFREG | (os.lstat(p).st_mode & 0o777),
                  open(p, 'rb').read())
    entry('TRAILER!!!', 0)
    return bytes(out)


def guest(cache):
    """(kernel, initramfs) in cache, made once from Debian's packages."""
    initrd = os.path.join(cache, 'initrd.gz')
    kernels = glob.glob(os.path.join(cache, 'root/boot/vmlinuz-*'))
    if kernels and os.path.exists(initrd):
        return kernels[0], initrd
    os.makedirs(cache, exist_ok=True)
    dep = subprocess.run(['apt-cache', 'depends', 'linux-image-amd64'],
                         capture_output=True, text=True, check=True).stdout
    image = [ln.split()[-1] for ln in dep.splitlines()
             if 'Depends: linux-image-' in ln][0]
    subprocess.run(['apt-get', 'download', image, 'busybox-static'],
                   cwd=cache, check=True)
    for deb in glob.glob(os.path.join(cache, '*.deb')):
        subprocess.run(['dpkg-deb', '-x', deb, os.path.join(cache, 'root')],
                       check=True)
    tree = os.path.join(cache, 'initrd')
    shutil.rmtree(tree, ignore_errors=True)
    for d in ('bin', 'lib', 'proc', 'sys', 'dev'):
        os.makedirs(os.path.join(tree, d))
    shutil.copy(os.path.join(cache, 'root/bin/busybox'),
                os.path.join(tree, 'bin'))
    for m in MODULES:
        src = glob.glob(os.path.join(cache, 'root/lib/modules/*/kernel/**',
                                     m + '.ko'), recursive=True)
        shutil.copy(src[0], os.path.join(tree, 'lib'))
    with open(os.path.join(tree, 'init'), 'w') as f:
        f.write(INIT)
    os.chmod(os.path.join(tree, 'init'), 0o755)
    with open(initrd, 'wb') as f:
        f.write(gzip.compress(cpio_newc(tree)))
    return glob.glob(os.path.join(cache, 'root/boot/vmlinuz-*'))[0], initrd


def ip(*a):
    return subprocess.run(['ip'] + list(a), capture_output=True, text=True)


def one(harness, kernel, initrd, vnet):
    """One guest run with vnet_hdr=vnet; returns the failed checks."""
    bad = []
    ns = 'bsdtun-qemu-%d' % os.getpid()
    ip('netns', 'add', ns)
    procs = []
    try:
        with harness.Session('qemu') as s:
            node0, tx = s.path('n0'), s.path('tx.bin')
            rx = s.path('rx.bin')
            with open(tx, 'wb') as f:
                f.write(os.urandom(RX_BYTES))
            with s.testpmd(['mode=tap,cdev=' + node0, 'mode=tap'],
                           args=['--forward-mode=io', '--enable-scatter',
                                 '--mbuf-size=2048']) as pmd:
                pmd.cmd('start')
                s.spawn(['ip', 'netns', 'exec', ns, harness.TUNTEST,
                         'bridge', pmd.sock(1), 'bt1', '--quiet'], 'bridge')
                for _ in range(100):
                    if 'bt1' in ip('-n', ns, 'link').stdout:
                        break
                    time.sleep(0.1)
                ip('-n', ns, 'addr', 'add', '10.99.0.1/24', 'dev', 'bt1')
                ip('-n', ns, 'link', 'set', 'bt1', 'up')
                procs = [subprocess.Popen(
                    ['ip', 'netns', 'exec', ns, 'socat', '-u'] + a)
                    for a in (['TCP-LISTEN:5001,reuseaddr',
                               'OPEN:%s,creat,trunc' % rx],
                              ['OPEN:' + tx, 'TCP-LISTEN:5002,reuseaddr'])]
                log = open(s.path('qemu.log'), 'w+b')
                subprocess.run(
                    [harness.TUNTEST, 'run', '--preload', pmd.sock(0),
                     node0, '--', 'qemu-system-x86_64', '-accel', 'tcg',
                     '-m', '256', '-nographic', '-no-reboot',
                     '-kernel', kernel, '-initrd', initrd,
                     '-append', 'console=ttyS0 panic=-1 quiet',
                     '-netdev', 'tap,id=n0,ifname=tap0,script=no,'
                     'downscript=no,vnet_hdr=' + vnet,
                     '-device', 'virtio-net-pci,netdev=n0'],
                    stdout=log, stderr=subprocess.STDOUT, timeout=300)
                log.seek(0)
                out = log.read().decode(errors='replace')
                print('\n'.join(ln for ln in out.splitlines()
                                if 'ping' in ln or 'GUEST' in ln or
                                'qemu' in ln), flush=True)
                for p in procs:
                    try:
                        p.wait(10)
                    except subprocess.TimeoutExpired:
                        p.kill()
                        p.wait()
                got = open(rx, 'rb').read() if os.path.exists(rx) else b''
                cut = pmd.xstats(0).get('rx_gso_cut', 0)
                checks = [
                    ('5 of 5 pings',
                     '5 packets transmitted, 5 packets received' in out),
                    ('%d bytes guest -> host, all zeros' % TX_BYTES,
                     got == bytes(TX_BYTES)),
                    ('%d bytes host -> guest' % RX_BYTES,
                     'GUEST received %d' % RX_BYTES in out),
                    ('rx_gso_cut %d (%s)' % (cut, '> 0' if vnet == 'on'
                                             else '0'),
                     (cut > 0) == (vnet == 'on')),
                ]
                for what, ok in checks:
                    print('%s vnet_hdr=%s: %s' % ('ok  ' if ok else 'FAIL',
                                                 vnet, what), flush=True)
                    if not ok:
                        bad.append('vnet_hdr=%s: %s' % (vnet, what))
    except subprocess.TimeoutExpired:
        log.seek(0)
        print(log.read().decode(errors='replace')[-3000:])
        bad.append('vnet_hdr=%s: qemu did not finish in 300 s' % vnet)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        ip('netns', 'del', ns)
    return bad


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build', default=os.environ.get('BSDTUN_BUILD') or
                    os.path.join(TOP, 'build'))
    ap.add_argument('--cache', default='/var/tmp/bsdtun-qemu-guest')
    opt = ap.parse_args()
    os.environ['BSDTUN_BUILD'] = os.path.abspath(opt.build)
    sys.path.insert(0, os.path.join(TOP, 'tests'))
    import harness  # noqa: E402
    for prog in ('qemu-system-x86_64', 'socat', 'ip', 'apt-get'):
        if shutil.which(prog) is None:
            print('qemu_vnet: %s is not installed' % prog)
            return 2
    kernel, initrd = guest(opt.cache)
    bad = []
    for vnet in ('on', 'off'):
        bad += one(harness, kernel, initrd, vnet)
    print('qemu_vnet: %s' % ('OK' if not bad else 'FAILED: ' +
                             '; '.join(bad)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
