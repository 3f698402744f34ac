#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# blkseek-copy end to end: a sparse scsi_debug disk copied to a second one
# full of stale data and to a file is byte-identical, reads only the
# mapped sectors (/sys/block/*/stat), leaves holes in the file, and the
# tool refuses its source, a smaller and a mounted destination.
KSFT_SKIP=4
copy=${BLKSEEK_REPO:-}/tools/blkseek-copy
fail=0

[ -x "$copy" ] || { echo "# no $copy (BLKSEEK_REPO unset?)"; exit $KSFT_SKIP; }
check() {	# check WHAT CONDITION...
	local what=$1
	shift
	if "$@"; then echo "# ok: $what"; else echo "# FAIL: $what"; fail=1; fi
}

. "$(dirname "$(readlink -f "$0")")/blkseek_lib.sh"
sdebug_reload dev_size_mb=32 add_host=2 per_host_store=1 lbpu=1 lbprz=1 \
	unmap_granularity=8
[ ${#disks[@]} -ge 2 ] || { echo "# need two scsi_debug disks"; exit $KSFT_SKIP; }
src=/dev/${disks[0]} dst=/dev/${disks[1]}

# stale data on the destination, a sparse source (5 x 64 KiB + 4 KiB)
dd if=/dev/urandom of="$dst" bs=1M count=32 oflag=direct status=none
for mib in 1 3 7 20 31; do
	dd if=/dev/urandom of="$src" bs=64k count=1 seek=$((mib * 16)) oflag=direct status=none
done
dd if=/dev/urandom of="$src" bs=4k count=1 seek=3000 oflag=direct status=none
mapped=$(( (5 * 65536 + 4096) / 512 ))
udevadm settle 2>/dev/null
echo 3 > /proc/sys/vm/drop_caches

rd() { awk '{print $3}' "/sys/block/$1/stat"; }
r0=$(rd "${disks[0]}")
"$copy" --no-progress "$src" "$dst" | sed 's/^/# /'
rc=${PIPESTATUS[0]}
r1=$(rd "${disks[0]}")
check "copy to a disk exits 0 ($rc)" [ "$rc" = 0 ]
echo "# sectors read from the source: $((r1 - r0)), mapped $mapped"
check "reads only mapped sectors (within 5 % + 256)" \
	[ $((r1 - r0)) -le $((mapped * 105 / 100 + 256)) ]
check "destination disk identical (cmp), no stale data" cmp "$src" "$dst"

out=/tmp/blkseek-copy.img
rm -f "$out"
"$copy" --no-progress --verify "$src" "$out" | sed 's/^/# /'
check "copy to a file verified" [ "${PIPESTATUS[0]}" = 0 ]
check "file identical (cmp)" cmp "$src" "$out"
alloc=$(( $(stat -c %b "$out") * $(stat -c %B "$out") ))
echo "# file: $(stat -c %s "$out") bytes, $alloc allocated"
check "file keeps the holes" [ "$alloc" -le $((mapped * 512 + 1048576)) ]
rm -f "$out"

"$copy" --no-progress "$src" "$src" > /dev/null 2>&1
check "refuses its own source (exit 2)" [ $? = 2 ]
small=$(mktemp)
truncate -s 4M "$small"
if loop=$(losetup -f --show "$small" 2>/dev/null); then
	"$copy" --no-progress "$src" "$loop" > /dev/null 2>&1
	check "refuses a smaller destination (exit 2)" [ $? = 2 ]
	losetup -d "$loop"
fi
rm -f "$small"
if command -v mkfs.ext4 > /dev/null; then
	mnt=$(mktemp -d)
	if mkfs.ext4 -q -F "$dst" && mount "$dst" "$mnt"; then
		"$copy" --no-progress "$src" "$dst" > /dev/null 2>&1
		check "refuses a mounted destination (exit 2)" [ $? = 2 ]
		umount "$mnt"
	fi
	rmdir "$mnt"
fi

modprobe -r scsi_debug
exit $fail
