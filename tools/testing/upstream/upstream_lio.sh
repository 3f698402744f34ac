#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make upstream-check, in its VM: LIO answering GET LBA STATUS from its
# backstore (patch 9 of upstream/), seen through tcm_loop as an sd disk
# that answers SEEK_DATA/SEEK_HOLE with it (patch 2); blkseek.ko not
# loaded.  End to end, the way a Linux box exports thin storage:
#  1. an iblock LUN over a thin LV (LVM): with LBPRZ as LIO sets it (0:
#     it cannot know that unmapped blocks read zeroes) the sd disk is all
#     data; with unmap_zeroes_data=1, the sd disk's map walked by
#     lseek, and its map by GET LBA STATUS (sg_get_lba_status), equal the
#     thin LV's (thin_dump of its pool); nbdcopy of the sd disk reads
#     only the provisioned chunks; REPORT SUPPORTED OPERATION CODES lists
#     the command; a reply cut to one descriptor, an LBA past the end; a
#     write and a discard through the sd disk, and a write to the LV
#     beside LIO, each answered at once on both;
#  2. a fileio LUN over a sparse file: the sd disk's maps equal the
#     file's own (lseek on the file); nbdcopy likewise; a write through
#     the sd disk, and a hole punched in the file, answered at once.
# Copied beside the blkseek selftests by tools/testing/upstream/upstream-check.sh.
# One KTAP result per check (ktap_helpers.sh).
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source=../../../selftests/blkseek/ktap_helpers.sh
. "$here/ktap_helpers.sh"
# shellcheck source=../../../selftests/blkseek/blkseek_lib.sh
. "$here/blkseek_lib.sh"
# shellcheck source=../../../selftests/blkseek/blkseek_truth.sh
. "$here/blkseek_truth.sh"
# shellcheck source=../../../selftests/blkseek/blkseek_lio_lib.sh
. "$here/blkseek_lio_lib.sh"

for t in lvm thin_dump dmsetup sg_get_lba_status sg_opcodes blkdiscard fallocate python3; do
	command -v $t > /dev/null || { echo "# no $t"; exit $KSFT_SKIP; }
done
[ ! -e /sys/module/blkseek ] || { echo "# FAIL: blkseek.ko is loaded"; exit 1; }
modprobe dm-thin-pool 2> /dev/null || { echo "# no dm-thin-pool"; exit $KSFT_SKIP; }
lio_load file iblock || exit $KSFT_SKIP

sdebug_reload dev_size_mb=128
export LVM_SUPPRESS_FD_WARNINGS=1
work=$(mktemp -d)
# the sparse file on tmpfs, whose holes lseek finds (a 9p or overlay /tmp
# might answer the whole file as data)
mount -t tmpfs -o size=256m uplio "$work" || { echo "# FAIL: tmpfs on $work"; exit 1; }
vg=uplio
lvm=(--devices "$dev")
bs=65536
M=$((1 << 20))
cleanup() {
	lio_down 1 iblock uplio_thin
	lio_down 2 fileio uplio_file
	dm_remove_matching '^uplio-'
	dd if=/dev/zero of="$dev" bs=1M count=1 oflag=direct status=none 2> /dev/null
	umount "$work" && rm -rf "$work"
}
trap cleanup EXIT

# both WHAT DEV TRUTH: two results, DEV's map walked by lseek and its map
# by GET LBA STATUS each equal the map in file TRUTH
both() {
	seek_walk "$2" > "$work/got.seek"
	same "$1: the sd disk's map by lseek" "$3" "$work/got.seek"
	gls_truth "$2" > "$work/got.gls"
	same "$1: the sd disk's map by GET LBA STATUS" "$3" "$work/got.gls"
}

lvm vgcreate -qq "${lvm[@]}" $vg "$dev" > /dev/null &&
lvm lvcreate -qq "${lvm[@]}" -L 64m -c 64k -V 64m -T $vg/pool -n t1 > /dev/null ||
	{ echo "# FAIL: lvm thin setup"; exit 1; }
udevadm settle 2> /dev/null
t1=/dev/mapper/$vg-t1
for b in 0 1 2 9 100 101 102 300 700 1023; do
	dd if=/dev/urandom of="$t1" bs=$bs count=1 seek=$b oflag=direct status=none
done
dd if=/dev/urandom of="$t1" bs=4096 count=1 seek=$((500 * 16 + 5)) oflag=direct status=none
thin_truth $vg-t1 > "$work/t1.truth"
ktap_print_header

section "1. an iblock LUN over a thin LV"
# LIO's own LBPRZ first: it cannot know that the LV's unmapped blocks
# read zeroes, so it does not say so, and the sd disk is all data
if sd=$(lio_lbprz=0 lio_up 1 iblock uplio_thin "$t1"); then
	udevadm settle 2> /dev/null
	echo "# LIO's own: unmap_zeroes_data $(cat $lio_cfs/core/iblock_1/uplio_thin/attrib/unmap_zeroes_data)," \
		"$(sg_readcap -l "$sd" 2> /dev/null | grep -oiE 'lbpme=[01]|lbprz=[01]' | tr '\n' ' ')"
	seek_walk "$sd" > "$work/sd.lbprz0"
	if sg_readcap -l "$sd" 2> /dev/null | grep -qiE 'lbprz=1'; then
		ktap_test_skip "LBPRZ=0: all data (LIO says LBPRZ=1 for this LV)"
	else
		check_eq "LBPRZ=0 (unmap_zeroes_data as LIO sets it): the sd disk is all data" \
			"0 $(blockdev --getsize64 "$sd") data" "$(cat "$work/sd.lbprz0")"
	fi
else
	ktap_test_fail "LIO iblock LUN over $t1 with LIO's own LBPRZ"
fi
lio_down 1 iblock uplio_thin
udevadm settle 2> /dev/null
if ! sd=$(lio_up 1 iblock uplio_thin "$t1"); then
	ktap_exit_fail_msg "LIO iblock LUN over $t1 through tcm_loop"
fi
udevadm settle 2> /dev/null
echo "# $t1 exported by LIO (iblock) through tcm_loop: $sd," \
	"$(sg_readcap -l "$sd" 2> /dev/null | grep -oiE 'lbpme=[01]|lbprz=[01]' | tr '\n' ' ')"
echo "# its discards: provisioning_mode $(cat /sys/block/"${sd#/dev/}"/device/scsi_disk/*/provisioning_mode)," \
	"discard_max_bytes $(cat /sys/block/"${sd#/dev/}"/queue/discard_max_bytes)"
sg_opcodes -o 0x9e -s 0x12 "$sd" > "$work/rsoc" 2>&1
sed 's/^/#   /' "$work/rsoc"
ktap_test_result "REPORT SUPPORTED OPERATION CODES lists GET LBA STATUS" \
	eval 'grep -qi "supported" "$work/rsoc" && ! grep -qiE "not (currently )?(supported|available)" "$work/rsoc"'
seek_walk "$t1" > "$work/t1.map"
same "the thin LV's own map by lseek (dm-thin) equals thin_dump's" "$work/t1.truth" "$work/t1.map"
both "iblock over the thin LV" "$sd" "$work/t1.truth"
n=$(sg_get_lba_status -R -b -m 24 "$sd" 2> /dev/null | awk -f "$here/sg_gls_brief.awk" | wc -l)
ktap_test_result "an allocation length of 24 bytes: one descriptor ($n)" [ "$n" = 1 ]
blocks=$(($(blockdev --getsize64 "$sd") / $(blockdev --getss "$sd")))
sg_get_lba_status -R -l $blocks "$sd" > "$work/oor" 2>&1
oor=$?
sed 's/^/#   /' "$work/oor" | head -3
ktap_test_result "an LBA past the end: refused, LBA out of range (exit $oor)" \
	eval '[ $oor != 0 ] && grep -qi "out of range" "$work/oor"'
if command -v nbdcopy > /dev/null; then
	echo "# t1: $(awk '$3 == "data" { n += $2 } END { print n + 0 }' "$work/t1.truth") bytes provisioned of $(blockdev --getsize64 "$sd")"
	nbdcopy_check "nbdcopy of the sd disk" "$sd" "$work/t1.truth"
else
	ktap_test_skip "nbdcopy of the sd disk (no nbdcopy)"
fi
# a write through the sd disk, into a hole
dd if=/dev/urandom of="$sd" bs=$bs count=1 seek=40 oflag=direct status=none
seek_walk "$sd" > "$work/sd.w"
ktap_test_result "a write through the sd disk: data at once there" covers_kind "$work/sd.w" $((40 * bs)) $bs data
thin_truth $vg-t1 > "$work/t1.truth"
both "after the write through the sd disk" "$sd" "$work/t1.truth"
# a write to the LV beside LIO: the target asks the LV each time
dd if=/dev/urandom of="$t1" bs=$bs count=1 seek=800 oflag=direct status=none
seek_walk "$sd" > "$work/sd.w"
ktap_test_result "a write to the LV beside LIO: data at once on the sd disk" \
	covers_kind "$work/sd.w" $((800 * bs)) $bs data
# a discard through the sd disk (UNMAP, a discard of the LV's blocks)
blkdiscard -o $((100 * bs)) -l $((2 * bs)) "$sd" || ktap_test_fail "blkdiscard through the sd disk"
seek_walk "$sd" > "$work/sd.d"
ktap_test_result "a discard through the sd disk: a hole at once" covers_kind "$work/sd.d" $((100 * bs)) $((2 * bs)) hole
thin_truth $vg-t1 > "$work/t1.truth"
both "after the discard" "$sd" "$work/t1.truth"
ktap_test_result "the sd disk's holes read zeroes" zero_holes "$sd" "$work/t1.truth"
lio_down 1 iblock uplio_thin

section "2. a fileio LUN over a sparse file"
img=$work/lun.img
truncate -s $((64 * M)) "$img"
for at in 0 4096 $((5 * M)) $((5 * M + 8192)) $((20 * M)) $((63 * M)); do
	dd if=/dev/urandom of="$img" bs=4096 count=3 seek=$((at / 4096)) conv=notrunc status=none
done
dd if=/dev/urandom of="$img" bs=$M count=2 seek=30 conv=notrunc status=none
seek_walk "$img" > "$work/file.map"
echo "# $img: $(grep -c data "$work/file.map") data runs by lseek on the file"
if ! sd=$(lio_up 2 fileio uplio_file "$img" $((64 * M))); then
	ktap_exit_fail_msg "LIO fileio LUN over $img through tcm_loop"
fi
udevadm settle 2> /dev/null
ktap_test_result "the file has holes ($(grep -c hole "$work/file.map") runs)" \
	[ "$(grep -c hole "$work/file.map")" -ge 4 ]
both "fileio over a sparse file" "$sd" "$work/file.map"
if command -v nbdcopy > /dev/null; then
	nbdcopy_check "nbdcopy of the fileio sd disk" "$sd" "$work/file.map"
else
	ktap_test_skip "nbdcopy of the fileio sd disk (no nbdcopy)"
fi
dd if=/dev/urandom of="$sd" bs=4096 count=1 seek=$((40 * M / 4096)) oflag=direct status=none
seek_walk "$img" > "$work/file.map"
ktap_test_result "a write through the sd disk: data in the file" covers_kind "$work/file.map" $((40 * M)) 4096 data
both "after the write through the sd disk" "$sd" "$work/file.map"
fallocate -p -o $((30 * M)) -l $M "$img" || ktap_test_fail "fallocate -p on the file"
seek_walk "$img" > "$work/file.map"
both "after a hole punched in the file" "$sd" "$work/file.map"
ktap_test_result "the punched MiB is a hole on the sd disk" covers_kind "$work/got.seek" $((30 * M)) $M hole
lio_down 2 fileio uplio_file
ktap_finished
