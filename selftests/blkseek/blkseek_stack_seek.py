#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Seekers for blkseek_stack.sh: SEEK_DATA and SEEK_HOLE at random offsets
of DEV until at least ANSWERS answers and the file STOP exists, each checked against MAP ("offset length
data|hole" lines, the device's data before the test): a hole reported
over data is a violation.  Prints the counts; exit 1 on any violation."""
import os
import random
import sys

dev, mapfile, want, stop = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
data = [(int(o), int(o) + int(n)) for o, n, k in
        (line.split() for line in open(mapfile)) if k == "data"]
fd = os.open(dev, os.O_RDONLY)
size = os.lseek(fd, 0, os.SEEK_END)
rnd = random.Random(1)


def data_in(a, b):
    """Whether any known data lies in [a, b)."""
    return any(s < b and a < e for s, e in data)


answers = holes = violations = einval = 0
said = False
while answers < want or not os.path.exists(stop):
    if answers >= want and not said:
        print("done", flush=True)
        said = True
    off = rnd.randrange(0, size)
    try:
        d = os.lseek(fd, off, os.SEEK_DATA)
        h = os.lseek(fd, off, os.SEEK_HOLE)
    except OSError as e:
        if e.errno == 6:        # ENXIO: no data past off
            d = size
            h = os.lseek(fd, off, os.SEEK_HOLE)
        elif e.errno == 22:     # EINVAL: not told the mapping right now
            einval += 1
            answers += 1
            continue
        else:
            raise
    answers += 2
    # [off, d) are holes, and so is the rest of the block holding h (off
    # itself when off is inside a hole: only up to its block's end)
    if d > off:
        holes += 1
        if data_in(off, d):
            violations += 1
            print(f"violation: SEEK_DATA({off}) = {d} over data")
    if h < size:
        holes += 1
        if data_in(h, (h // 512 + 1) * 512):
            violations += 1
            print(f"violation: SEEK_HOLE({off}) = {h} on data")
print(f"{answers} answers, {holes} holes, {einval} EINVAL, {violations} holes over data")
sys.exit(1 if violations else 0)
