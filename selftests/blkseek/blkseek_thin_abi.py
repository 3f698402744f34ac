#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Bad input to BLKSEEK_IOC_THIN_ARM and BLKSEEK_IOC_THIN_SET gets its
errno and changes nothing.
Usage: blkseek_thin_abi.py THIN OTHER_THIN LINEAR DISK FILE: THIN and
OTHER_THIN thin volumes (OTHER_THIN told, answering), LINEAR a dm-linear
device, DISK an sd disk, FILE a regular file.  Prints "ok"/"FAIL" lines;
exit 1 on any failure.  The caller checks afterwards that OTHER_THIN's
map is intact."""
import ctypes
import errno
import fcntl
import os
import struct
import sys

from blkseek_abi_lib import ctl, expect, finish, gen, ioctl_errno

ARM = 0xC028B904
SET = 0x4038B905
thin, other, linear, disk, regular = sys.argv[1:6]


def arm(fd, bs=128, size=40, flags=0, reserved=0):
    """(errno, cookie)"""
    a = bytearray(struct.pack("iiIIQQQ", size, fd, bs, flags, 0, reserved, 0))
    try:
        fcntl.ioctl(ctl, ARM, a)
        return 0, struct.unpack_from("Q", a, 16)[0]
    except OSError as e:
        return e.errno, 0


def tell(fd, cookie, ranges, size=56, generation=None, flags=0, reserved=0, nr=None):
    buf = bytearray(b"".join(struct.pack("QQ", s, n) for s, n in ranges) or b"\0" * 16)
    cbuf = (ctypes.c_char * len(buf)).from_buffer(buf)
    m = struct.pack("iiQQIIQQQ", size, fd, gen() if generation is None else generation,
                    cookie, len(ranges) if nr is None else nr, flags,
                    ctypes.addressof(cbuf), reserved, 0)
    return ioctl_errno(SET, m)


t = os.open(thin, os.O_RDONLY)
o = os.open(other, os.O_RDONLY)
lin = os.open(linear, os.O_RDONLY)
sd = os.open(disk, os.O_RDONLY)
reg = os.open(regular, os.O_RDONLY)
wo = os.open(thin, os.O_WRONLY)
nblocks = os.lseek(t, 0, os.SEEK_END) // 65536

expect("arm: size below 40", errno.EINVAL, arm(t, size=32)[0])
expect("arm: flags", errno.EINVAL, arm(t, flags=1)[0])
expect("arm: reserved", errno.EINVAL, arm(t, reserved=1)[0])
for bs in (0, 64, 192, 1 << 22):
    expect(f"arm: block size {bs}", errno.EINVAL, arm(t, bs=bs)[0])
expect("arm: a regular file", errno.ENOTBLK, arm(reg)[0])
expect("arm: an sd disk", errno.EINVAL, arm(sd)[0])
expect("arm: a closed fd", errno.EBADF, arm(9999)[0])
expect("arm: write-only fd", errno.EBADF, arm(wo)[0])
err, c1 = arm(t)
expect("arm: the thin volume", 0, err)
good = [(0, 1), (5, 2)]
expect("set: size below 56", errno.EINVAL, tell(t, c1, good, size=48))
expect("set: flags", errno.EINVAL, tell(t, c1, good, flags=1))
expect("set: reserved", errno.EINVAL, tell(t, c1, good, reserved=1))
expect("set: too many ranges", errno.E2BIG, tell(t, c1, good, nr=(1 << 21) + 1))
expect("set: unsorted", errno.EINVAL, tell(t, c1, [(5, 1), (0, 1)]))
expect("set: overlapping", errno.EINVAL, tell(t, c1, [(0, 3), (2, 1)]))
expect("set: empty range", errno.EINVAL, tell(t, c1, [(0, 0)]))
expect("set: past the end", errno.EINVAL, tell(t, c1, [(nblocks - 1, 2)]))
expect("set: start past the end", errno.EINVAL, tell(t, c1, [(nblocks, 1)]))
expect("set: wrapping", errno.EINVAL, tell(t, c1, [(1, (1 << 64) - 1)]))
expect("set: moved generation", errno.EAGAIN, tell(t, c1, good, generation=gen() + 2))
expect("set: unknown cookie", errno.EAGAIN, tell(t, c1 + 1000, good))
expect("set: another volume's cookie", errno.EINVAL, tell(o, c1, good))
expect("set: a dm-linear device with the cookie", errno.EINVAL, tell(lin, c1, good))
expect("set: an sd disk", errno.EINVAL, tell(sd, c1, good))
err, c2 = arm(t)
expect("arm again", 0, err)
expect("set: a superseded cookie", errno.EAGAIN, tell(t, c1, good))
expect("set: adjacent ranges joined, accepted", 0, tell(t, c2, [(0, 1), (1, 1), (5, 2)]))
finish()
