#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Bad input to BLKSEEK_IOC_STACK_SET gets its errno and changes nothing;
the ioctl numbers are dispatched by one rule.
Usage: blkseek_stack_abi.py LV DISK FILE C1 C2 C3 C4 C5: LV a mapped
dm-linear device, DISK an sd disk, FILE a regular file, C1..C5 dm-linear
devices of 1 MiB each stacked on the one before (C1 on DISK).  Prints
"ok"/"FAIL" lines; exit 1 on any failure.  The caller checks afterwards
that LV's map is intact and that C5..C1 can be removed."""
import ctypes
import errno
import os
import struct
import sys

from blkseek_abi_lib import GEN, expect, finish, gen, ioctl_errno

SET = 0x4030B903
DM, LOOP = 1, 2
lv, disk, regular = sys.argv[1:4]
chain_devs = sys.argv[4:9]


def FAILED(n):
    return n << 8


def seg(start, length, lower, fds, flags=0):
    fds = list(fds) + [-1] * (8 - len(fds))
    return struct.pack("QQQII8i", start, length, lower, len(fds) - fds.count(-1), flags, *fds)


def call(fd, kind, segs, size=48, generation=None, reserved=0, nr=None, addr=None):
    buf = bytearray(b"".join(segs) or b"\0" * 64)
    cbuf = (ctypes.c_char * len(buf)).from_buffer(buf)
    if addr is None:
        addr = ctypes.addressof(cbuf)
    m = struct.pack("iiQIIQQQ", size, fd, gen() if generation is None else generation,
                    kind, len(segs) if nr is None else nr, addr, reserved, 0)
    return ioctl_errno(SET, m)


up = os.open(lv, os.O_RDONLY)
low = os.open(disk, os.O_RDONLY)
wo = os.open(disk, os.O_WRONLY)
reg = os.open(regular, os.O_RDONLY)
good = seg(0, 1 << 20, 0, [low])
expect("size below 48", errno.EINVAL, call(up, DM, [good], size=40))
expect("reserved field", errno.EINVAL, call(up, DM, [good], reserved=1))
expect("unknown kind", errno.EINVAL, call(up, 4, [good]))
expect("loop kind on a dm disk", errno.EINVAL, call(up, LOOP, [good]))
expect("an sd disk as the upper", errno.EINVAL, call(low, DM, [good]))
expect("a regular file as the upper", errno.ENOTBLK, call(reg, DM, [good]))
expect("a closed upper fd", errno.EBADF, call(9999, DM, [good]))
expect("a moved generation", errno.EAGAIN, call(up, DM, [good], generation=gen() + 2))
expect("overlapping segments", errno.EINVAL, call(up, DM, [good, seg(4096, 4096, 0, [low])]))
expect("unaligned segment", errno.EINVAL, call(up, DM, [seg(100, 4096, 0, [low])]))
expect("empty segment", errno.EINVAL, call(up, DM, [seg(0, 0, 0, [low])]))
expect("an unknown segment flag (bit 0)", errno.EINVAL, call(up, DM, [seg(0, 4096, 0, [low], 1)]))
expect("an unknown segment flag (bit 16)", errno.EINVAL, call(up, DM, [seg(0, 4096, 0, [low], 1 << 16)]))
expect("more failed paths than paths", errno.EINVAL, call(up, DM, [seg(0, 4096, 0, [low], FAILED(2))]))
expect("no path", errno.EINVAL, call(up, DM, [seg(0, 4096, 0, [])]))
expect("a closed path fd", errno.EBADF, call(up, DM, [seg(0, 4096, 0, [9999])]))
expect("a write-only path", errno.EBADF, call(up, DM, [seg(0, 4096, 0, [wo])]))
expect("a regular file below dm", errno.EINVAL, call(up, DM, [seg(0, 4096, 0, [reg])]))
expect("too many segments", errno.EINVAL, call(up, DM, [good], nr=4097))
expect("segments not accessible", errno.EFAULT, call(up, DM, [good], addr=8))
size = os.lseek(up, 0, os.SEEK_END)
disk_size = os.lseek(low, 0, os.SEEK_END)
expect("a segment past the upper's end", errno.EINVAL, call(up, DM, [seg(size - 4096, 8192, 0, [low])]))
expect("a segment starting at the upper's end", errno.EINVAL, call(up, DM, [seg(size, 4096, 0, [low])]))
expect("a length near 2^64", errno.EINVAL, call(up, DM, [seg(0, (1 << 64) - 512, 0, [low])]))
expect("a lower range past the lower's end", errno.EINVAL, call(up, DM, [seg(0, 8192, disk_size - 4096, [low])]))
expect("a lower offset past the lower's end", errno.EINVAL, call(up, DM, [seg(0, 4096, disk_size, [low])]))
expect("a lower offset near 2^64", errno.EINVAL, call(up, DM, [seg(0, 4096, (1 << 64) - 512, [low])]))
expect("the upper as its own path", errno.ELOOP, call(up, DM, [seg(0, 4096, 0, [up])]))
expect("the upper as its second path", errno.ELOOP, call(up, DM, [seg(0, 4096, 0, [low, up])]))

# chains: C1..C5 of 1 MiB, each set onto the one named
c = [os.open(d, os.O_RDONLY) for d in chain_devs]
MIB = 1 << 20


def onto(i, lower):
    return call(c[i], DM, [seg(0, MIB, 0, [lower])])


def clear():
    for fd in c:
        expect("a chain device cleared", 0, call(fd, DM, [], nr=0))


# a dm segment whose one path dm has failed (BLKSEEK_STACK_SEG_FAILED(1)):
# set, never asked: all data
expect("a segment whose paths all failed", 0, call(c[0], DM, [seg(0, MIB, 0, [low], FAILED(1))]))
try:
    d = os.lseek(c[0], 0, os.SEEK_DATA)
    h = os.lseek(c[0], 0, os.SEEK_HOLE)
except OSError as e:
    d = h = e.errno
expect("every path failed: SEEK_DATA 0, SEEK_HOLE at the end", (0, MIB), (d, h))
clear()
expect("C1 onto C2", 0, onto(0, c[1]))
expect("C2 onto C1: a cycle of two", errno.ELOOP, onto(1, c[0]))
expect("C2 onto C3", 0, onto(1, c[2]))
expect("C3 onto C1: a cycle of three", errno.ELOOP, onto(2, c[0]))
clear()
for i in range(4):
    expect(f"C{i + 1} onto {'the disk' if i == 0 else f'C{i}'}: chain of {i + 1}", 0,
           onto(i, low if i == 0 else c[i - 1]))
expect("C5 onto C4: a chain of 5 mapped devices", errno.ELOOP, onto(4, c[3]))
clear()
for i in range(4, 0, -1):
    expect(f"C{i + 1} onto C{i}, set from the top", 0, onto(i, c[i - 1]))
expect("C1 onto the disk under a chain of 4: a chain of 5", errno.ELOOP, onto(0, low))
expect("C1 onto C5 under C2..C5: a cycle of five", errno.ELOOP, onto(0, c[4]))

# one dispatch rule: magic, number and direction select a command, the
# size in the number never does
SIZE = 0x3FFF << 16
expect("STACK_GEN with another size in the number", 0, ioctl_errno((GEN & ~SIZE) | (24 << 16), bytes(24)))
expect("STACK_SET with another size in the number: dispatched (size below 48)",
       errno.EINVAL, ioctl_errno((SET & ~SIZE) | (64 << 16), struct.pack("iiQ40x", 40, up, gen())))
expect("STACK_GEN as a write", errno.ENOTTY, ioctl_errno((GEN & 0x3FFFFFFF) | 0x40000000, bytes(16)))
expect("STACK_SET as a read", errno.ENOTTY, ioctl_errno((SET & 0x3FFFFFFF) | 0x80000000, bytes(48)))
# 4 and 5 are the thin volumes' (blkseek_thin_abi.py); 6 is no command
expect("number 6", errno.ENOTTY, ioctl_errno(0xC030B906, bytes(48)))

for fd in c:
    os.close(fd)
pid = os.fork()
if pid == 0:
    os.setuid(65534)
    os._exit(call(up, DM, [good]))
_, status = os.waitpid(pid, 0)
expect("without CAP_SYS_ADMIN", errno.EPERM, os.waitstatus_to_exitcode(status))
finish()
