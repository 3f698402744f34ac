#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""SEEK_DATA/SEEK_HOLE on a device or file, for the shell tests: the one
walker of the tree (the selftests, make upstream-check's upstream_stack.sh,
the guests of tools/testing/host and the demo, through
tools/testing/lib/truth.sh).

  blkseek_seek.py walk DEV
      its map: "offset length data|hole" lines (bytes, runs of one kind
      merged); an errno other than ENXIO from SEEK_DATA ends it with the
      line "error ERRNO x"
  blkseek_seek.py one DEV OFF SEEK_DATA|SEEK_HOLE
      one answer, or the errno's name
  blkseek_seek.py many DEV COUNT
      SEEK_DATA at 0, COUNT times in one process: each answer seen (an
      offset or an errno's text) with how many times, "ANSWER:N"
      space-separated ("0:2000": all data)
  blkseek_seek.py seekers DEV MAP ANSWERS STOP
      SEEK_DATA and SEEK_HOLE at random offsets until at least ANSWERS
      answers and the file STOP exists, each checked against MAP
      ("offset length data|hole" lines, the device's data before the
      test): a hole reported over data is a violation.  Prints "done"
      once ANSWERS are reached, then the counts; exit 1 on any violation.
  blkseek_seek.py race DEV BLOCK WRITES
      a writer provisioning blocks under a seeker: WRITES O_DIRECT writes
      of BLOCK bytes of random data at random blocks of DEV, while
      SEEK_HOLE is asked at random blocks; prints "ANSWERS HOLES BAD",
      BAD the holes found at a block whose write had completed before
      the lseek began (never allowed); exit 1 when BAD

extents(fd, size) is the walk itself, for the tests that import it."""
import collections
import errno
import mmap
import os
import random
import sys
import threading


def extents(fd, size):
    """The data runs (start, end) of fd up to size, by SEEK_DATA and
    SEEK_HOLE; stops at the first SEEK_DATA error (ENXIO: no more data)."""
    runs, off = [], 0
    while off < size:
        try:
            d = os.lseek(fd, off, os.SEEK_DATA)
        except OSError:
            break
        h = os.lseek(fd, d, os.SEEK_HOLE)
        runs.append((d, h))
        off = h
    return runs


def walk(dev):
    fd = os.open(dev, os.O_RDONLY)
    size = os.lseek(fd, 0, os.SEEK_END)
    out, pos = [], 0
    while pos < size:
        try:
            d = os.lseek(fd, pos, os.SEEK_DATA)
        except OSError as e:
            if e.errno != errno.ENXIO:
                out.append([None, e.errno, "error"])
                break
            d = size
        if d > pos:
            out.append([pos, d - pos, "hole"])
        if d >= size:
            break
        h = os.lseek(fd, d, os.SEEK_HOLE)
        out.append([d, h - d, "data"])
        pos = h
    merged = []
    for run in out:
        if merged and run[2] != "error" and merged[-1][2] == run[2] \
                and merged[-1][0] + merged[-1][1] == run[0]:
            merged[-1][1] += run[1]
        elif run[1] or run[2] == "error":
            merged.append(run)
    for o, n, k in merged:
        print("error %d x" % n if k == "error" else "%d %d %s" % (o, n, k))


def one(dev, off, whence):
    fd = os.open(dev, os.O_RDONLY)
    try:
        print(os.lseek(fd, int(off), getattr(os, whence)))
    except OSError as e:
        print(errno.errorcode[e.errno])


def many(dev, count):
    fd = os.open(dev, os.O_RDONLY)
    seen = collections.Counter()
    for _ in range(int(count)):
        try:
            seen[str(os.lseek(fd, 0, os.SEEK_DATA))] += 1
        except OSError as e:
            seen[os.strerror(e.errno)] += 1
    print(" ".join("%s:%d" % kv for kv in seen.items()))


def seekers(dev, mapfile, want, stop):
    want = int(want)
    data = [(int(o), int(o) + int(n)) for o, n, k in
            (line.split() for line in open(mapfile)) if k == "data"]
    fd = os.open(dev, os.O_RDONLY)
    size = os.lseek(fd, 0, os.SEEK_END)
    rnd = random.Random(1)

    def data_in(a, b):
        """Whether any known data lies in [a, b)."""
        return any(s < b and a < e for s, e in data)

    answers = holes = violations = einval = again = 0
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
            try:
                if e.errno != errno.ENXIO:
                    raise
                d = size                    # no data past off
                h = os.lseek(fd, off, os.SEEK_HOLE)
            except OSError as e2:
                if e2.errno == errno.EINVAL:    # not told the mapping right now
                    einval += 1
                elif e2.errno == errno.EAGAIN:  # in-kernel: dm suspended
                    again += 1
                else:
                    raise
                answers += 1
                continue
        answers += 2
        # [off, d) are holes, and so is the rest of the block holding h
        # (off itself when off is inside a hole: only up to its block's end)
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
    print(f"{answers} answers, {holes} holes, {einval} EINVAL, {again} EAGAIN, "
          f"{violations} holes over data")
    return 1 if violations else 0


def race(dev, block, writes):
    block, writes = int(block), int(writes)
    fd = os.open(dev, os.O_RDONLY)
    blocks = os.lseek(fd, 0, os.SEEK_END) // block
    stop = threading.Event()
    written = set()
    lock = threading.Lock()

    def writer():
        wfd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
        buf = mmap.mmap(-1, block)
        buf.write(os.urandom(block))
        rnd = random.Random(2)
        for _ in range(writes):
            b = rnd.randrange(blocks)
            os.pwritev(wfd, [buf], b * block)
            with lock:
                written.add(b)
        os.close(wfd)
        stop.set()

    answers = holes = bad = 0
    rnd = random.Random(3)
    t = threading.Thread(target=writer)
    t.start()
    while not stop.is_set():
        b = rnd.randrange(blocks)
        with lock:
            done = b in written
        try:
            h = os.lseek(fd, b * block, os.SEEK_HOLE)
        except OSError:
            continue
        answers += 1
        if h == b * block:
            holes += 1
            # a block written before the lseek began must not be a hole
            bad += done
    t.join()
    print(answers, holes, bad)
    return 1 if bad else 0


COMMANDS = {"walk": (walk, 1), "one": (one, 3), "many": (many, 2),
            "seekers": (seekers, 4), "race": (race, 3)}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS or \
            len(sys.argv) - 2 != COMMANDS[sys.argv[1]][1]:
        sys.exit(__doc__)
    fn = COMMANDS[sys.argv[1]][0]
    sys.exit(fn(*sys.argv[2:]) or 0)
