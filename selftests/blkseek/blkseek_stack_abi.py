#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Bad input to BLKSEEK_IOC_STACK_SET gets its errno and changes nothing.
Usage: blkseek_stack_abi.py LV DISK FILE: LV a mapped dm-linear device,
DISK an sd disk, FILE a regular file.  Prints "ok"/"FAIL" lines; exit 1
on any failure.  The caller checks afterwards that LV's map is intact."""
import ctypes
import errno
import fcntl
import os
import struct
import sys

GEN = 0x8010B902
SET = 0x4030B903
DM, LOOP = 1, 2
lv, disk, regular = sys.argv[1:4]
ctl = os.open("/dev/blkseek", os.O_RDONLY)
fails = 0


def gen():
    g, armed, changing = struct.unpack("QII", fcntl.ioctl(ctl, GEN, bytes(16)))
    return g


def seg(start, length, lower, fds, reserved=0):
    fds = list(fds) + [-1] * (8 - len(fds))
    return struct.pack("QQQII8i", start, length, lower, len(fds) - fds.count(-1), reserved, *fds)


def call(fd, kind, segs, size=48, generation=None, reserved=0, nr=None, addr=None):
    buf = bytearray(b"".join(segs) or b"\0" * 64)
    cbuf = (ctypes.c_char * len(buf)).from_buffer(buf)
    if addr is None:
        addr = ctypes.addressof(cbuf)
    m = struct.pack("iiQIIQQQ", size, fd, gen() if generation is None else generation,
                    kind, len(segs) if nr is None else nr, addr, reserved, 0)
    try:
        fcntl.ioctl(ctl, SET, m)
        return 0
    except OSError as e:
        return e.errno


def expect(what, want, got):
    global fails
    if want == got:
        print(f"ok: {what}: {errno.errorcode.get(want, want)}")
    else:
        print(f"FAIL: {what}: {errno.errorcode.get(got, got)}, expected {errno.errorcode.get(want, want)}")
        fails += 1


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
expect("reserved segment field", errno.EINVAL, call(up, DM, [seg(0, 4096, 0, [low], 1)]))
expect("no path", errno.EINVAL, call(up, DM, [seg(0, 4096, 0, [])]))
expect("a closed path fd", errno.EBADF, call(up, DM, [seg(0, 4096, 0, [9999])]))
expect("a write-only path", errno.EBADF, call(up, DM, [seg(0, 4096, 0, [wo])]))
expect("a regular file below dm", errno.EINVAL, call(up, DM, [seg(0, 4096, 0, [reg])]))
expect("too many segments", errno.EINVAL, call(up, DM, [good], nr=4097))
expect("segments not accessible", errno.EFAULT, call(up, DM, [good], addr=8))
pid = os.fork()
if pid == 0:
    os.setuid(65534)
    os._exit(call(up, DM, [good]))
_, status = os.waitpid(pid, 0)
expect("without CAP_SYS_ADMIN", errno.EPERM, os.waitstatus_to_exitcode(status))
sys.exit(1 if fails else 0)
