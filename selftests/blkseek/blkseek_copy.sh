#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# blkseek-copy end to end: a sparse scsi_debug disk copied to a second one
# full of stale data and to a file is byte-identical, reads only the
# mapped sectors (/sys/block/*/stat), leaves holes in the file, and the
# tool refuses its source, a smaller and a mounted destination.  --verify
# reads the destination from the device (not the copy's page cache), and
# only its data: it finds writes a destination dropped (dm-flakey).
# One KTAP result per check (ktap_helpers.sh).
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=ktap_helpers.sh
. "$here/ktap_helpers.sh"
copy=${BLKSEEK_REPO:-}/tools/blkseek-copy

[ -x "$copy" ] || { echo "# no $copy (BLKSEEK_REPO unset?)"; exit $KSFT_SKIP; }

# shellcheck source=blkseek_lib.sh
. "$here/blkseek_lib.sh"
# lbpws=1: sd zeroes with WRITE SAME(16) UNMAP, so a range blkseek-copy
# zeroes on the destination (PUNCH_HOLE) is deallocated there, a hole
sdebug_reload dev_size_mb=32 add_host=2 per_host_store=1 lbpu=1 lbpws=1 lbprz=1 \
	unmap_granularity=8
[ ${#disks[@]} -ge 2 ] || { echo "# need two scsi_debug disks"; exit $KSFT_SKIP; }
src=/dev/${disks[0]} dst=/dev/${disks[1]}
ktap_print_header

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
ktap_test_result "copy to a disk exits 0 ($rc)" [ "$rc" = 0 ]
echo "# sectors read from the source: $((r1 - r0)), mapped $mapped"
ktap_test_result "reads only mapped sectors (within 5 % + 256)" \
	[ $((r1 - r0)) -le $((mapped * 105 / 100 + 256)) ]
ktap_test_result "destination disk identical (cmp), no stale data" cmp "$src" "$dst"

# --verify reads the destination from the device, not from the pages the
# copy left in its page cache, and only where the destination says it
# holds data (its holes, as the source's, are not read).  No readahead,
# and udev's probe of a device closed after writing held back until the
# counts are read: they are what blkseek-copy asked for.
udevadm settle 2>/dev/null
echo 3 > /proc/sys/vm/drop_caches
blockdev --setra 0 "$src" "$dst"
udevadm control --stop-exec-queue 2>/dev/null
r0=$(rd "${disks[0]}") d0=$(rd "${disks[1]}")
"$copy" --no-progress --verify "$src" "$dst" | sed 's/^/# /'
rc=${PIPESTATUS[0]}
r1=$(rd "${disks[0]}") d1=$(rd "${disks[1]}")
udevadm control --start-exec-queue 2>/dev/null
udevadm settle 2>/dev/null
ktap_test_result "copy --verify to a disk exits 0 ($rc)" [ "$rc" = 0 ]
echo "# copy --verify read $((r1 - r0)) sectors of the source, $((d1 - d0)) of the destination; mapped $mapped"
ktap_test_result "--verify read the destination's data from the device (>= $mapped sectors)" \
	[ $((d1 - d0)) -ge "$mapped" ]
ktap_test_result "--verify read none of the destination's holes (<= $mapped + a page a data run)" \
	[ $((d1 - d0)) -le $((mapped + 6 * 8)) ]
ktap_test_result "the source's holes not read, its data read once (page cache on the second pass)" \
	[ $((r1 - r0)) -le $((mapped + 6 * 8)) ]
blockdev --setra 256 "$src" "$dst"

# A destination that loses its writes (dm-flakey drop_writes reports them
# done and drops them): its page cache holds the copy, the device holds
# zeroes.  --verify must read the device and say so (exit 3).
if modprobe dm-flakey 2> /dev/null; then
	blkdiscard "$dst"
	dmsetup create blkseek-drop \
		--table "0 $(blockdev --getsz "$dst") flakey $dst 0 0 1 1 drop_writes"
	udevadm settle 2>/dev/null
	"$copy" --no-progress --verify "$src" /dev/mapper/blkseek-drop > /dev/null 2> /tmp/blkseek-drop.err
	rc=$?
	sed 's/^/# /' /tmp/blkseek-drop.err
	ktap_test_result "--verify finds the writes a destination dropped (exit 3: $rc)" [ "$rc" = 3 ]
	ktap_test_result "--verify names where the destination differs" \
		grep -q 'verify: /dev/mapper/blkseek-drop differs from' /tmp/blkseek-drop.err
	udevadm settle 2>/dev/null
	dmsetup remove --retry blkseek-drop
	rm -f /tmp/blkseek-drop.err
else
	echo "# SKIP: no dm-flakey: --verify against a device that drops writes"
fi

out=/tmp/blkseek-copy.img
rm -f "$out"
"$copy" --no-progress --verify "$src" "$out" | sed 's/^/# /'
ktap_test_result "copy to a file verified" [ "${PIPESTATUS[0]}" = 0 ]
ktap_test_result "file identical (cmp)" cmp "$src" "$out"
alloc=$(( $(stat -c %b "$out") * $(stat -c %B "$out") ))
echo "# file: $(stat -c %s "$out") bytes, $alloc allocated"
ktap_test_result "file keeps the holes" [ "$alloc" -le $((mapped * 512 + 1048576)) ]
rm -f "$out"

"$copy" --no-progress "$src" "$src" > /dev/null 2>&1
ktap_test_result "refuses its own source (exit 2)" [ $? = 2 ]
small=$(mktemp)
truncate -s 4M "$small"
if loop=$(losetup -f --show "$small" 2>/dev/null); then
	"$copy" --no-progress "$src" "$loop" > /dev/null 2>&1
	ktap_test_result "refuses a smaller destination (exit 2)" [ $? = 2 ]
	losetup -d "$loop"
fi
rm -f "$small"
if command -v mkfs.ext4 > /dev/null; then
	mnt=$(mktemp -d)
	if mkfs.ext4 -q -F "$dst" && mount "$dst" "$mnt"; then
		"$copy" --no-progress "$src" "$dst" > /dev/null 2>&1
		ktap_test_result "refuses a mounted destination (exit 2)" [ $? = 2 ]
		umount "$mnt"
	fi
	rmdir "$mnt"
fi

modprobe -r scsi_debug
ktap_finished
