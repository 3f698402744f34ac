# SPDX-License-Identifier: GPL-2.0
"""What blkseek_stack_abi.py and blkseek_thin_abi.py share: /dev/blkseek,
the stack generation, an ioctl's errno, and the ok/FAIL lines with their
count of failures."""
import errno
import fcntl
import os
import struct
import sys

GEN = 0x8010B902
ctl = os.open("/dev/blkseek", os.O_RDONLY)
fails = 0


def gen():
    """The stack generation (BLKSEEK_IOC_STACK_GEN)."""
    g, armed, changing = struct.unpack("QII", fcntl.ioctl(ctl, GEN, bytes(16)))
    return g


def ioctl_errno(req, arg):
    """0, or the errno of ioctl(/dev/blkseek, REQ, ARG)."""
    try:
        fcntl.ioctl(ctl, req, arg)
        return 0
    except OSError as e:
        return e.errno


def expect(what, want, got):
    """One "ok"/"FAIL" line: WHAT gave the errno GOT, WANT expected."""
    global fails
    if want == got:
        print(f"ok: {what}: {errno.errorcode.get(want, want)}")
    else:
        print(f"FAIL: {what}: {errno.errorcode.get(got, got)}, expected {errno.errorcode.get(want, want)}")
        fails += 1


def finish():
    """Exit 1 if any expect() failed."""
    sys.exit(1 if fails else 0)
