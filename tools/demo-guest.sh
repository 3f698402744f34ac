#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo, inside the VM: a sparse scsi_debug disk, its map from
# blkseek-map beside the device's own answer (sg_get_lba_status), and a
# copy with nbdcopy without and with blkseek, counting sectors read.
# Usage: demo-guest.sh REPO_DIR KO_PATH
set -u
repo=$1
ko=$2
map="$repo/tools/blkseek-map"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

modprobe scsi_debug dev_size_mb=256 lbpu=1 lbprz=1 unmap_granularity=8 || exit 1
udevadm settle 2>/dev/null
sdir=$(ls -d /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/* | head -1)
name=$(basename "$sdir")
dev=/dev/$name
for i in $(seq 50); do [ -b "$dev" ] && break; sleep 0.1; done

say "a 256 MiB thin scsi_debug disk ($dev, lbpu=1 lbprz=1): writing 6 extents"
for mib in 1 5 9 40 100 200; do
	dd if=/dev/urandom of="$dev" bs=1M count=1 seek=$mib oflag=direct status=none
done
dd if=/dev/urandom of="$dev" bs=64k count=1 seek=3000 oflag=direct status=none
echo "written: 6 x 1 MiB at 1, 5, 9, 40, 100, 200 MiB and 64 KiB at 187.5 MiB"

sectors_read() { awk '{print $3}' "/sys/block/$name/stat"; }

copy() {	# copy LABEL: nbdcopy the disk, print sectors read, check identical
	local a b out=/tmp/demo-copy.img
	echo 3 > /proc/sys/vm/drop_caches
	a=$(sectors_read)
	nbdcopy -- [ nbdkit file "$dev" ] "$out"
	b=$(sectors_read)
	printf '%-22s sectors read: %7d (%s MiB)   ' "$1" $((b - a)) $(((b - a) / 2048))
	if cmp -s "$dev" "$out"; then echo "copy identical (cmp)"; else echo "COPY DIFFERS"; fi
	rm -f "$out"
}

say "without blkseek: the stock kernel cannot answer"
"$map" "$dev"
echo "(exit code $?)"
copy "nbdcopy, stock kernel:"

say "insmod blkseek.ko"
insmod "$ko" || exit 1
for i in $(seq 300); do
	[ "$(cat /sys/kernel/livepatch/blkseek/transition 2>/dev/null)" = 0 ] && break
	sleep 0.1
done
grep . /sys/kernel/livepatch/blkseek/enabled /sys/kernel/livepatch/blkseek/transition

say "blkseek-map $dev"
"$map" "$dev"

say "the device's own answer: sg_get_lba_status, descriptor by descriptor"
lba=0
blocks=$(( $(blockdev --getsize64 "$dev") / 512 ))
while [ "$lba" -lt "$blocks" ]; do
	read -r start count status _ < <(sg_get_lba_status -b -l "$lba" -m 4104 "$dev")
	count=$((count))
	case $status in 1) kind=deallocated ;; 2) kind=anchored ;; *) kind=mapped ;; esac
	printf '  LBA %10d  blocks %8d  %s\n' $((start)) "$count" "$kind"
	lba=$((start + count))
done

say "copying with nbdcopy (nbdkit file plugin serving $dev)"
copy "nbdcopy, with blkseek:"
mapped=$("$map" --json "$dev" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["data"] // 512)')
echo "mapped sectors per blkseek-map: $mapped"
