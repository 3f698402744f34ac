#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the checked-in seed corpus of the fuzz targets (run once)."""
import os
import struct


def reply(descs, plen=None):
    body = b''.join(struct.pack('>QIB3x', lba, cnt, st) for lba, cnt, st in descs)
    n = len(body) + 4 if plen is None else plen
    return struct.pack('>I4x', n) + body


def gls(name, lba, maxr, data):
    write('fuzz_gls_parse', name, struct.pack('>QB', lba, maxr) + data)


def write(target, name, data):
    os.makedirs(os.path.join('corpus', target), exist_ok=True)
    with open(os.path.join('corpus', target, name), 'wb') as f:
        f.write(data)


gls('single', 0, 1, reply([(0, 1280, 1)]))
gls('many', 5, 16, reply([(i * 8, 8, i % 3) for i in range(40)]))
gls('before', 100, 4, reply([(96, 64, 1), (160, 10, 3)]))
gls('nonmaximal', 0, 8, reply([(0, 8, 1), (8, 8, 1), (16, 8, 2), (24, 8, 0)]))
gls('zero_len', 0, 4, reply([(0, 0, 1)]))
gls('truncated', 0, 4, reply([(0, 10, 1), (10, 10, 3)], plen=0xfffffff0)[:30])
gls('short', 0, 4, reply([(0, 10, 1)], plen=8))
gls('near_top', 2**64 - 2, 4, reply([(2**64 - 11, 100, 1)]))
gls('reserved', 0, 4, reply([(0, 10, 9), (10, 10, 15)]))
gls('rc16', 0, 1, struct.pack('>QIBBBB', 0x7ffff, 4096, 0, 0, 0, 0xc0) + bytes(16))

# fuzz_walk: 12 header bytes then (length, status) pairs
hdr = [
    bytes([0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    bytes([1, 0, 1, 7, 3, 1, 0, 0, 0, 0, 5, 3]),
    bytes([0, 200, 0, 0, 1, 2, 3, 0, 0, 0, 63, 9]),
    bytes([0, 100, 0, 2, 0, 4, 0, 2, 17, 0x40, 0, 0]),
]
maps = [
    bytes([50, 1, 20, 3, 30, 2, 10, 0, 255, 1]),
    bytes([1, 1, 1, 3] * 40),
    bytes([255, 3, 255, 1, 255, 4, 255, 2]),
    bytes([10, 5, 10, 1, 10, 4, 10, 2, 10, 0]),
]
for i, (h, m) in enumerate(zip(hdr, maps)):
    write('fuzz_walk', 'seed%d' % i, h + m)
