#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of blkseek-copy on sparse regular files (SEEK_DATA/SEEK_HOLE
# of the host's file system).  KTAP (tap.sh).
copy=${1:-$(dirname "$0")/../../blkseek-copy}
copy=$(readlink -f "$copy")
# shellcheck source-path=SCRIPTDIR source=tap.sh
. "$(dirname "$0")/tap.sh"

alloc() { echo $(( $(stat -c %b "$1") * $(stat -c %B "$1") )); }

truncate -s 32M src.img
dd if=/dev/urandom of=src.img bs=64k count=4 seek=10 conv=notrunc status=none
dd if=/dev/urandom of=src.img bs=4k count=1 seek=5000 conv=notrunc status=none
# a destination full of stale data
dd if=/dev/urandom of=dst.img bs=1M count=32 status=none

t "copy onto a stale file is identical" sh -c "'$copy' --verify src.img dst.img && cmp src.img dst.img"
t "holes punched where the source has them" sh -c "[ $(alloc src.img) -ge 0 ] && [ \$(( \$(stat -c %b dst.img) * \$(stat -c %B dst.img) )) -le \$(( $(alloc src.img) + 65536 )) ]"
t "reads only the data (summary)" sh -c "'$copy' src.img new.img | grep -q 'read 266240,'"
t "new destination identical" cmp src.img new.img
t "refuses to copy onto itself (exit 2)" sh -c "'$copy' src.img src.img; [ \$? = 2 ]"
t "refuses a hard link of the source (exit 2)" sh -c "ln src.img link.img && '$copy' src.img link.img; [ \$? = 2 ]"
t "usage error exits 2" sh -c "'$copy' src.img; [ \$? = 2 ]"
t "unknown option exits 2" sh -c "'$copy' -x src.img y.img; [ \$? = 2 ]"
t "missing source exits 1" sh -c "'$copy' nothing.img x.img; [ \$? = 1 ]"
t "JSON summary" sh -c "'$copy' --json src.img j.img | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"read\"] == 266240 and d[\"method\"] == \"lseek\"'"
t "--preallocate keeps the copy identical" sh -c "'$copy' --preallocate --verify src.img p.img && cmp src.img p.img"
t "--preallocate from a file source allocates the whole destination" \
	sh -c "[ \$(( \$(stat -c %b p.img) * \$(stat -c %B p.img) )) -ge $((32 << 20)) ]"
t "no --preallocate: the destination keeps its holes" \
	sh -c "[ \$(( \$(stat -c %b new.img) * \$(stat -c %B new.img) )) -lt $((4 << 20)) ]"

# --json: both paths escaped (quote, backslash, control, non-UTF-8 bytes)
odd_src=$'we"ird\\ \tsrc\n\xff\xc3\xa9'
odd_dst=$'dst "\x01\\.img'
cp src.img "$odd_src"
# shellcheck disable=SC2016 # expanded by the inner sh
t "--json escapes odd source and destination paths, names both" \
	sh -c '"$0" --json "$1" "$2" > odd.json && python3 -c "
import json, os, sys
d = json.load(open(\"odd.json\"))
want = lambda p: os.fsencode(p).decode(\"utf-8\", \"replace\")
assert d[\"source\"] == want(sys.argv[1]) and d[\"destination\"] == want(sys.argv[2]), d
" "$1" "$2"' "$copy" "$odd_src" "$odd_dst"
rm -f "$odd_src" "$odd_dst"

# --verify reads only the data ranges (twice: both sides), not the holes
t "--verify reads back the data only (verify_read = 2 x data)" \
	sh -c "'$copy' --verify --json src.img v.img | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"verified\"] and d[\"verify_read\"] == 2 * 266240, d'"

# output errors, sources and destinations of other types
if [ -e /dev/full ]; then
	t "stdout on /dev/full: exit 1, write error reported" \
		sh -c "'$copy' src.img full.img > /dev/full 2> err.txt; [ \$? = 1 ] && grep -q 'write error' err.txt"
fi
t "a directory as source: exit 2, says what is accepted" \
	sh -c "mkdir -p d && '$copy' d x1.img 2> err.txt; [ \$? = 2 ] && grep -q 'not a regular file or block device' err.txt && ! grep -q 'Block device required' err.txt"
t "/dev/null as source: exit 2, says what is accepted" \
	sh -c "'$copy' /dev/null x2.img 2> err.txt; [ \$? = 2 ] && grep -q 'not a regular file or block device' err.txt"
t "/dev/null as destination: exit 2, says what is accepted" \
	sh -c "'$copy' src.img /dev/null 2> err.txt; [ \$? = 2 ] && grep -q 'not a regular file or block device' err.txt"
t "a directory as destination: exit 2" \
	sh -c "mkdir -p d && '$copy' src.img d 2> err.txt; [ \$? = 2 ] && grep -q 'not a regular file or block device' err.txt"

# the progress rate counts what was copied, not what was skipped: 16 GiB
# with 256 KiB of data copied at "thousands of MiB/s" would be a lie
if truncate -s 16G big.img 2> /dev/null; then
	dd if=/dev/urandom of=big.img bs=64k count=4 seek=10 conv=notrunc status=none
	t "progress rate counts only bytes copied (< 1000 MiB/s for 256 KiB)" \
		sh -c "'$copy' --progress big.img big2.img 2> prog.txt > /dev/null &&
		       rate=\$(tr '\r' '\n' < prog.txt | grep -o '[0-9.]* MiB/s' | tail -1 | cut -d' ' -f1) &&
		       echo \"rate \$rate\" && awk -v r=\"\$rate\" 'BEGIN { exit !(r != \"\" && r < 1000) }'"
	rm -f big.img big2.img
fi
truncate -s 0 empty.img
t "empty source" sh -c "'$copy' empty.img e2.img && [ \$(stat -c %s e2.img) = 0 ]"
t "--help exits 0" "$copy" --help

ktap_finished
