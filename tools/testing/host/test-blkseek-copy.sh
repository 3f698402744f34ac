#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of blkseek-copy on sparse regular files (SEEK_DATA/SEEK_HOLE
# of the host's file system).  TAP lines, then "N passed, N failed".
copy=${1:-$(dirname "$0")/../../blkseek-copy}
copy=$(readlink -f "$copy")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
n=0 pass=0 failn=0

t() {	# t NAME COMMAND...: a test passes when COMMAND succeeds
	local name=$1
	shift
	n=$((n + 1))
	if "$@" > out.log 2>&1; then
		pass=$((pass + 1)); echo "ok $n - $name"
	else
		failn=$((failn + 1)); echo "not ok $n - $name"; sed 's/^/#   /' out.log
	fi
}

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
t "usage error exits 1" sh -c "'$copy' src.img; [ \$? = 1 ]"
t "missing source exits 1" sh -c "'$copy' nothing.img x.img; [ \$? = 1 ]"
t "JSON summary" sh -c "'$copy' --json src.img j.img | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"read\"] == 266240 and d[\"method\"] == \"lseek\"'"
t "--preallocate keeps the copy identical" sh -c "'$copy' --preallocate --verify src.img p.img && cmp src.img p.img"
truncate -s 0 empty.img
t "empty source" sh -c "'$copy' empty.img e2.img && [ \$(stat -c %s e2.img) = 0 ]"
t "--help exits 0" "$copy" --help

echo "$pass passed, $failn failed"
[ "$failn" = 0 ]
