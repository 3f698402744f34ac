#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make upstream-check, in its VM: SEEK_DATA/SEEK_HOLE answered by a kernel
# with the series of upstream/, blkseek.ko not loaded, nothing told by
# userspace.  On a thin scsi_debug disk with data at known places, each
# map walked by SEEK_DATA/SEEK_HOLE must equal the ground truth composed
# from sg_get_lba_status on the disk:
#  - the disk, a partition of it, dm-linear of two segments in reverse
#    order, dm-linear over the partition, loop over the partition with an
#    offset;
#  - a dm target without the method (zero) and a disk of unmapped blocks
#    that do not read as zeroes (lbprz=0) are all data;
#  - a write still in the page cache is data before it reaches the disk;
#  - the ENXIO rules at the edges;
#  - a driver without the method (brd) keeps EINVAL.
# The stacks users make (LVM, kpartx, multipath, loop over files) are
# blkseek_stack*.sh tests', which run in-kernel too (BLKSEEK_INKERNEL=1).
# Copied beside the blkseek selftests by tools/testing/upstream/upstream-check.sh.
# One KTAP result per check (ktap_helpers.sh).
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
M=$((1 << 20))

# shellcheck source=../../../selftests/blkseek/ktap_helpers.sh
. "$here/ktap_helpers.sh"
# shellcheck source=../../../selftests/blkseek/blkseek_lib.sh
. "$here/blkseek_lib.sh"
# shellcheck source=../../../selftests/blkseek/blkseek_truth.sh
. "$here/blkseek_truth.sh"

for t in sg_get_lba_status dmsetup losetup sfdisk python3; do
	command -v $t > /dev/null || { echo "# no $t"; exit $KSFT_SKIP; }
done
[ ! -e /sys/module/blkseek ] || { echo "# FAIL: blkseek.ko is loaded"; exit 1; }
modprobe dm-mod; modprobe loop

cleanup() {
	losetup -D 2>/dev/null
	dmsetup remove_all 2>/dev/null
	modprobe -r scsi_debug brd 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# seek1 DEV OFF SEEK_DATA|SEEK_HOLE: one answer, or the errno's name
seek1() { python3 "$here/blkseek_seek.py" one "$@"; }

# cut OFF LEN < MAP: the runs of [OFF, OFF + LEN), moved to start at 0
cut() {
	awk -v o="$1" -v n="$2" '{
		s = $1 < o ? o : $1; e = $1 + $2 > o + n ? o + n : $1 + $2
		if (e > s) print s - o, e - s, $3 }'
}

# shift BY < MAP: the runs moved by BY bytes
shift_by() { awk -v b="$1" '{ print $1 + b, $2, $3 }'; }

same_map() {	# same_map WHAT EXPECTED_FILE GOT_FILE: one result
	if cmp -s "$2" "$3"; then
		ktap_test_pass "$1 ($(wc -l < "$3") runs)"
	else
		diff "$2" "$3" | head -20 | sed 's/^/#   /'
		ktap_test_fail "$1"
	fi
}

# -- a thin disk, 64 MiB of 512-byte blocks, with data at known places
sdebug_reload dev_size_mb=64 lbpu=1 lbprz=1 unmap_granularity=8
for at in 1 10 40; do
	dd if=/dev/urandom of="$dev" bs=64K count=2 seek=$((at * 16)) oflag=direct status=none
done
echo 'start=8192, size=65536' | sfdisk -q "$dev" > /dev/null
udevadm settle
part=${dev}1
[ -b "$part" ] || { echo "# FAIL: no partition $part"; exit 1; }
size=$(blockdev --getsize64 "$dev")
gls_truth "$dev" > "$work/disk.truth" || { echo "# FAIL: no ground truth"; exit 1; }
echo "# disk $dev: $(tr '\n' ';' < "$work/disk.truth")"
ktap_print_header

seek_walk "$dev" > "$work/got"
same_map "the disk" "$work/disk.truth" "$work/got"

cut $((4 * M)) $((32 * M)) < "$work/disk.truth" | merge_runs > "$work/part.truth"
seek_walk "$part" > "$work/got"
same_map "the partition (4 MiB in, 32 MiB)" "$work/part.truth" "$work/got"

# -- dm-linear: two segments of the disk in reverse order
dmsetup create up-lin --table "0 16384 linear $dev 20480
16384 16384 linear $dev 0" || ktap_test_fail "dmsetup create up-lin"
{ cut $((10 * M)) $((8 * M)) < "$work/disk.truth"
  cut 0 $((8 * M)) < "$work/disk.truth" | shift_by $((8 * M)); } |
	merge_runs > "$work/lin.truth"
seek_walk /dev/mapper/up-lin > "$work/got"
same_map "dm-linear, two segments" "$work/lin.truth" "$work/got"
# dm holds its lower devices exclusively: the disk's holder keeps its
# partition from another dm device (EBUSY), and the partition's the disk
ktap_test_result "dmsetup remove up-lin" dmsetup remove up-lin

dmsetup create up-lin-part --table "0 65536 linear $part 0" ||
	ktap_test_fail "dmsetup create up-lin-part"
seek_walk /dev/mapper/up-lin-part > "$work/got"
same_map "dm-linear over the partition" "$work/part.truth" "$work/got"
ktap_test_result "dmsetup remove up-lin-part" dmsetup remove up-lin-part

# -- a target without the method: all data
dmsetup create up-zero --table "0 8192 zero" || ktap_test_fail "dmsetup create up-zero"
echo "0 $((4 * M)) data" > "$work/zero.truth"
seek_walk /dev/mapper/up-zero > "$work/got"
same_map "dm-zero (no method): all data" "$work/zero.truth" "$work/got"

# -- loop over the partition, 1 MiB in
lp=$(losetup -f --show -o $M "$part") || ktap_test_fail "losetup over the partition"
cut $M $((31 * M)) < "$work/part.truth" | merge_runs > "$work/lp.truth"
seek_walk "$lp" > "$work/got"
same_map "loop over the partition, offset 1 MiB" "$work/lp.truth" "$work/got"
losetup -D
dmsetup remove_all

# -- a write still in the page cache is data.  The file stays open from
#    the write to the lseeks: the last close of a block device writes its
#    cache back, which would hide a missing write-back in the lseek
at=$((30 * M))
check_eq "SEEK_DATA at 30 MiB before the write (a hole)" $((40 * M)) "$(seek1 "$dev" $at SEEK_DATA)"
read -r before got_data got_hole < <(python3 -c '
import os, subprocess, sys
dev, at = sys.argv[1], int(sys.argv[2])
fd = os.open(dev, os.O_RDWR)
os.pwrite(fd, b"\xa5" * 4096, at)
# what the disk says of the block before the lseek: still unmapped (1)
# when the write is only in the page cache
# (the first descriptor of sg_get_lba_status -b: 0xLBA 0xBLOCKS STATUS ADD)
out = subprocess.run(["sg_get_lba_status", "-b", "-l", str(at // 512), "-m", "24", dev],
                     capture_output=True, text=True).stdout
desc = [l.split() for l in out.splitlines()
        if len(l.split()) == 4 and l.split()[0].startswith("0x")]
print(desc[0][2] if desc else "none", os.lseek(fd, at, os.SEEK_DATA),
      os.lseek(fd, at, os.SEEK_HOLE))' "$dev" $at)
check_eq "the disk before the lseek: the block still unmapped" 1 "$before"
check_eq "SEEK_DATA at a cached write" $at "$got_data"
check_eq "SEEK_HOLE at a cached write" $((at + 4096)) "$got_hole"

# -- semantics at the edges
check_eq "SEEK_DATA at the size" ENXIO "$(seek1 "$dev" "$size" SEEK_DATA)"
check_eq "SEEK_HOLE at -1" ENXIO "$(seek1 "$dev" -1 SEEK_HOLE)"
check_eq "SEEK_DATA after the last data" ENXIO "$(seek1 "$dev" $((50 * M)) SEEK_DATA)"
check_eq "SEEK_HOLE in the last hole" $((50 * M)) "$(seek1 "$dev" $((50 * M)) SEEK_HOLE)"

# -- unmapped blocks that do not read as zeroes: all data
sdebug_reload dev_size_mb=16 lbpu=1 lbprz=0 unmap_granularity=8
check_eq "lbprz=0: SEEK_HOLE at 0" $((16 * M)) "$(seek1 "$dev" 0 SEEK_HOLE)"
check_eq "lbprz=0: SEEK_DATA at 4096" 4096 "$(seek1 "$dev" 4096 SEEK_DATA)"
modprobe -r scsi_debug

# -- a driver without the method
if modprobe brd rd_nr=1 rd_size=1024 2>/dev/null && [ -b /dev/ram0 ]; then
	check_eq "brd: SEEK_DATA" EINVAL "$(seek1 /dev/ram0 0 SEEK_DATA)"
	check_eq "brd: SEEK_HOLE" EINVAL "$(seek1 /dev/ram0 0 SEEK_HOLE)"
else
	ktap_test_fail "brd loaded, /dev/ram0"
fi
ktap_finished
