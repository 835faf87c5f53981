#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of the fuzz targets (tests/fuzz/corpus/TARGET/).
The files are committed; rerun this after changing an input format:
    python3 tests/fuzz/make_corpus.py
Layouts: lib/bsdtun/bsdtun_wire.h (x86-64, little-endian)."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
MAGIC = 0x4e555442
VERSION = 2          # BSDTUN_WIRE_VERSION
HELLO, WELCOME, ERROR, IOCTL, RING = 1, 2, 3, 4, 5
(SIFINFO, GIFINFO, SDEBUG, GDEBUG, SLMODE, SIFHEAD, GIFHEAD, SIFMODE,
 SIFPID, SASYNC, SOWN, GOWN) = range(1, 13)


def msg(mtype, body=b'', magic=MAGIC):
    m = struct.pack('<II', mtype, magic) + body
    return m + b'\0' * (64 - len(m))


def hello(version=VERSION):
    return msg(HELLO, struct.pack('<Ii', version, 4242))


def ioctl(cmd, arg=b'', arg_len=None):
    if arg_len is None:
        arg_len = len(arg)
    return msg(IOCTL, struct.pack('<IiiII', cmd, 0, 4242, 0, arg_len) +
               arg.ljust(32, b'\0')[:32])


def dgram(payload, fd=False, eof=False):
    return struct.pack('<H', len(payload) | (0x4000 if fd else 0) |
                       (0x8000 if eof else 0)) + payload


def i32(v):
    return struct.pack('<i', v)


def ctrl_seeds():
    h = dgram(hello())
    info = struct.pack('<ihBB', 9600, 1400, 0x17, 0)
    yield 'hello', h
    yield 'hello_eof', dgram(hello(), eof=True)
    yield 'hello_fd', dgram(hello(), fd=True)
    yield 'hello_next_version', dgram(hello(VERSION + 1))
    yield 'hello_long', dgram(hello() + b'\0' * 8)
    yield 'hello_short', dgram(hello()[:40])
    yield 'ioctl_first', dgram(ioctl(GIFHEAD))
    yield 'ioctls', h + b''.join(dgram(x) for x in (
        ioctl(SIFINFO, info), ioctl(GIFINFO), ioctl(SDEBUG, i32(1)),
        ioctl(GDEBUG), ioctl(SLMODE, i32(1)), ioctl(SIFHEAD, i32(1)),
        ioctl(GIFHEAD), ioctl(SIFMODE, i32(0x10)), ioctl(SIFPID),
        ioctl(SASYNC, i32(1)), ioctl(SOWN, i32(1)), ioctl(GOWN),
        ioctl(99, i32(0))))
    yield 'ioctl_arglen', h + dgram(ioctl(SDEBUG, i32(1), 33))
    yield 'ioctl_wrongsize', h + dgram(ioctl(SIFINFO, i32(1))) + \
        dgram(ioctl(SDEBUG, info))
    yield 'sown', h + dgram(ioctl(SOWN, i32(-1))) + \
        dgram(ioctl(SOWN, i32(-2147483648))) + dgram(ioctl(GOWN))
    yield 'ring', h + dgram(msg(RING)) + dgram(msg(RING), eof=True)
    yield 'session_fd', h + dgram(ioctl(GIFHEAD), fd=True)
    yield 'session_bad', h + dgram(hello()) + dgram(msg(WELCOME)) + \
        dgram(msg(ERROR))


def rec(length, family=2, flags=0, fill=b'\x45'):
    body = (fill * length)[:length]
    pad = (-(8 + length)) % 8
    return struct.pack('<IHH', length, family, flags) + body + b'\0' * pad


def ring_seeds():
    # byte 0: size index (5: 64 KiB, 0: 64 B), byte 1: qlen-1,
    # 2 bytes: bytes of initial data, the data, then operations.
    data = rec(20) + rec(100, 10) + rec(0) + rec(60, 7)
    ops = bytes([3, 1, 3, 1, 3, 1, 3, 1, 3, 0, 4, 5])
    yield 'records', bytes([5, 7]) + struct.pack('>H', len(data)) + data + ops
    # a WRAP near the end of a 64-byte ring
    small = rec(20) + rec(0, 0, 1) + b'\0' * 28
    yield 'wrap', bytes([0, 3]) + struct.pack('>H', 64) + small[:64] + \
        bytes([3, 1, 3, 1, 3, 1])
    # produce, consumer releases, produce more
    prod = bytes([8, 0, 100, 1, 8, 0, 200, 1, 9, 7, 2, 0, 112, 8, 0, 50, 1,
                  10, 0, 20, 6] + [0] * 16 + [8, 0, 10, 0])
    yield 'produce', bytes([5, 1, 0, 0]) + prod
    yield 'hostile_head', bytes([5, 7, 0, 16]) + rec(8) + \
        bytes([0]) + struct.pack('>Q', 1 << 40) + bytes([3, 1, 2, 0, 0]) + \
        struct.pack('>Q', 0xffffffff00000000) + bytes([1, 0, 16, 3, 1])


def region_seeds():
    rb = 65536
    size = 4096 + 2 * rb
    # magic version region_size qlen ring_bytes to_client_ctl
    # to_client_data to_dpdk_ctl to_dpdk_data state queue
    hdr = struct.pack('<IIQIIQQQQII', MAGIC, VERSION, size, 1, rb, 256, 4096,
                      512, 4096 + rb, 1, 0)
    sz = struct.pack('<I', size - 4096)
    ctl = bytearray(4096 - 256 + 64)
    # to_client (offset 256 in the region, 0 here): head 32, head_pkts 1
    struct.pack_into('<QQ', ctl, 0, 32, 1)
    # its first record at region offset 4096 = 3840 here
    r = rec(20)
    ctl[3840:3840 + len(r)] = r
    yield 'valid', hdr + sz + bytes(ctl)
    yield 'valid_empty', hdr + sz
    yield 'bad_offsets', struct.pack(
        '<IIQIIQQQQII', MAGIC, VERSION, size, 1, rb, (1 << 64) - 64, 4096,
        512,
        4096 + rb, 1, 0) + sz


def rx_seeds():
    # byte 0 flags (1 framing=ip, 2 scatter, 4 small mbufs), 2 bytes MTU,
    # 4 bytes head, 1 byte head_pkts, then the start of the data area.
    def seed(flags, mtu, recs):
        data = b''.join(recs)
        return bytes([flags]) + struct.pack('>H', mtu - 72) + \
            struct.pack('>I', len(data)) + bytes([len(recs) & 0xff]) + data
    mixed = [rec(20), rec(1500), rec(0), rec(100, 7), rec(1501),
             rec(3000, 10), rec(60)]
    yield 'mixed_eth', seed(0, 1500, mixed)
    yield 'mixed_ip_scatter', seed(3, 9000, mixed)
    yield 'small_mbufs', seed(6, 9000, [rec(200), rec(300), rec(1000)])
    # a ring of runts: one call must stop after its budget
    yield 'runts', seed(0, 1500, [rec(0, 0)] * 200 + [rec(40)] * 8)


def main():
    for target, gen in (('ctrl', ctrl_seeds), ('ring', ring_seeds),
                        ('region', region_seeds), ('rx', rx_seeds)):
        d = os.path.join(HERE, 'corpus', target)
        os.makedirs(d, exist_ok=True)
        for name, blob in gen():
            with open(os.path.join(d, name), 'wb') as f:
                f.write(blob)


if __name__ == '__main__':
    main()
