#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make upstream-check, in its VM: SEEK_DATA/SEEK_HOLE answered by a kernel
# with the series of upstream/, blkseek.ko not loaded, nothing told by
# userspace.  On a thin scsi_debug disk with data at known places, each
# map walked by SEEK_DATA/SEEK_HOLE must equal the ground truth composed
# from sg_get_lba_status on the disk:
#  - the disk, a partition of it, dm-linear of two segments in reverse
#    order (EAGAIN while suspended), dm-linear over the partition, loop
#    over the partition with an offset;
#  - dm-multipath's path choice: lseek asks the path I/O takes, never
#    switches path groups, and says EAGAIN while I/O would be queued;
#  - dm-zero is one hole, before dm-linear too; a disk of unmapped blocks
#    that do not read as zeroes (lbprz=0) is all data;
#  - a write still in the page cache is data before it reaches the disk,
#    also when it sits in the cache of a loop's backing block device
#    (through loop over the disk or a partition, and dm-linear over loop);
#  - a loop device over a file that shrank: SEEK_DATA and SEEK_HOLE agree
#    on data past its end, where a read fails;
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
# suspended, dm answers EAGAIN, as its ioctls and report_zones do (issue
# 32, item 4); resumed, the same map again
dmsetup suspend up-lin || ktap_test_fail "dmsetup suspend up-lin"
check_eq "dm-linear suspended: SEEK_DATA" EAGAIN "$(timeout 30 python3 "$here/blkseek_seek.py" one /dev/mapper/up-lin $M SEEK_DATA)"
check_eq "dm-linear suspended: SEEK_HOLE" EAGAIN "$(timeout 30 python3 "$here/blkseek_seek.py" one /dev/mapper/up-lin $M SEEK_HOLE)"
dmsetup resume up-lin || ktap_test_fail "dmsetup resume up-lin"
seek_walk /dev/mapper/up-lin > "$work/got"
same_map "dm-linear, two segments, resumed" "$work/lin.truth" "$work/got"
# dm holds its lower devices exclusively: the disk's holder keeps its
# partition from another dm device (EBUSY), and the partition's the disk
ktap_test_result "dmsetup remove up-lin" dmsetup remove up-lin

dmsetup create up-lin-part --table "0 65536 linear $part 0" ||
	ktap_test_fail "dmsetup create up-lin-part"
seek_walk /dev/mapper/up-lin-part > "$work/got"
same_map "dm-linear over the partition" "$work/part.truth" "$work/got"
ktap_test_result "dmsetup remove up-lin-part" dmsetup remove up-lin-part

# -- dm-multipath's path choice (issue 32, item 3): lseek asks the path I/O
#    takes now, and never chooses a path or switches path groups itself.
#    Two path groups of one path each: the disk, and dm-linear over all of
#    it standing for a second path to the same logical unit (bio-based
#    multipath: a request-based one takes no bio-based path)
# the number of the active path group, 0 when none is (path group states
# are A, E or D; a path's state follows its major:minor)
mpactive() {
	dmsetup status "$1" | awk '{ g = 0; a = 0
		for (i = 10; i <= NF; i++)
			if ($i ~ /^[ADE]$/ && $(i - 1) !~ /:/) { g++; if ($i == "A") a = g }
		print a }'
}
dmsetup create up-lin-full --table "0 $((size / 512)) linear $dev 0" || ktap_test_fail "dmsetup create up-lin-full"
p1=$(cat "/sys/block/$name/dev")
p2=$(dmsetup info -c --noheadings -o major,minor --separator : up-lin-full)
dmsetup create up-mp2 --table "0 $((size / 512)) multipath 2 queue_mode bio 0 2 1 round-robin 0 1 1 $p1 1000 round-robin 0 1 1 $p2 1000" || ktap_test_fail "dmsetup create up-mp2"
dd if=/dev/mapper/up-mp2 of=/dev/null bs=4K count=1 iflag=direct status=none
echo "# $(dmsetup status up-mp2)"
check_eq "multipath: I/O took path group 1" 1 "$(mpactive up-mp2)"
check_eq "multipath: SEEK_DATA at 20 MiB" $((40 * M)) "$(seek_one /dev/mapper/up-mp2 $((20 * M)) SEEK_DATA)"
# told to switch: no group is active until I/O switches (no uevent, so
# no udev probe does I/O meanwhile); lseek must not, and answers data
dmsetup message up-mp2 0 switch_group 2 || ktap_test_fail "dmsetup message up-mp2"
check_eq "multipath, a switch to group 2 pending: no group active" 0 "$(mpactive up-mp2)"
check_eq "multipath, a switch pending: SEEK_DATA at 20 MiB is data" $((20 * M)) "$(seek_one /dev/mapper/up-mp2 $((20 * M)) SEEK_DATA)"
check_eq "multipath, a switch pending: lseek switched no path group" 0 "$(mpactive up-mp2)"
dd if=/dev/mapper/up-mp2 of=/dev/null bs=4K count=1 iflag=direct status=none
check_eq "multipath: I/O switched to path group 2" 2 "$(mpactive up-mp2)"
check_eq "multipath, path group 2: SEEK_DATA at 20 MiB" $((40 * M)) "$(seek_one /dev/mapper/up-mp2 $((20 * M)) SEEK_DATA)"
dmsetup remove up-mp2 || ktap_test_fail "dmsetup remove up-mp2"
# queue_if_no_path and no path left: I/O would be queued, lseek says EAGAIN;
# a path reinstated and taken by I/O, the answers again
dmsetup create up-mp3 --table "0 $((size / 512)) multipath 3 queue_if_no_path queue_mode bio 0 1 1 round-robin 0 1 1 $p2 1000" || ktap_test_fail "dmsetup create up-mp3"
dd if=/dev/mapper/up-mp3 of=/dev/null bs=4K count=1 iflag=direct status=none
dmsetup message up-mp3 0 fail_path "$p2" || ktap_test_fail "dmsetup message up-mp3"
check_eq "multipath, queue_if_no_path, no path: SEEK_DATA" EAGAIN "$(timeout 30 python3 "$here/blkseek_seek.py" one /dev/mapper/up-mp3 $((20 * M)) SEEK_DATA)"
dmsetup message up-mp3 0 reinstate_path "$p2" || ktap_test_fail "dmsetup message up-mp3"
timeout 30 dd if=/dev/mapper/up-mp3 of=/dev/null bs=4K count=1 iflag=direct status=none
check_eq "multipath, the path reinstated: SEEK_DATA at 20 MiB" $((40 * M)) "$(seek_one /dev/mapper/up-mp3 $((20 * M)) SEEK_DATA)"
dmsetup message up-mp3 0 fail_if_no_path
udevadm settle
dmsetup remove up-mp3 || ktap_test_fail "dmsetup remove up-mp3"
dmsetup remove up-lin-full || ktap_test_fail "dmsetup remove up-lin-full"

# -- dm-zero reads zeroes: all of it is a hole (issue 32, item 7; a
#    target without the method, as crypt, is data: blkseek_stack.sh)
dmsetup create up-zero --table "0 8192 zero" || ktap_test_fail "dmsetup create up-zero"
echo "0 $((4 * M)) hole" > "$work/zero.truth"
seek_walk /dev/mapper/up-zero > "$work/got"
same_map "dm-zero: one hole" "$work/zero.truth" "$work/got"
check_eq "dm-zero: SEEK_DATA at 0" ENXIO "$(seek_one /dev/mapper/up-zero 0 SEEK_DATA)"
# zero, then the disk's first 16 MiB (data at 1 and 10 MiB)
dmsetup create up-zero-lin --table "0 8192 zero
8192 32768 linear $dev 0" || ktap_test_fail "dmsetup create up-zero-lin"
{ echo "0 $((4 * M)) hole"
  cut 0 $((16 * M)) < "$work/disk.truth" | shift_by $((4 * M)); } |
	merge_runs > "$work/zl.truth"
seek_walk /dev/mapper/up-zero-lin > "$work/got"
same_map "dm-zero then dm-linear" "$work/zl.truth" "$work/got"
dmsetup remove up-zero-lin || ktap_test_fail "dmsetup remove up-zero-lin"

# -- loop over the partition, 1 MiB in
lp=$(losetup -f --show -o $M "$part") || ktap_test_fail "losetup over the partition"
cut $M $((31 * M)) < "$work/part.truth" | merge_runs > "$work/lp.truth"
seek_walk "$lp" > "$work/got"
same_map "loop over the partition, offset 1 MiB" "$work/lp.truth" "$work/got"

mkdir -p "$work/tmp" && mount -t tmpfs tmpfs "$work/tmp"
# -- a backing file that shrank under its loop device: past its end a read
#    through the loop device fails, so SEEK_DATA and SEEK_HOLE agree on
#    data there; the file's own hole before its end stays a hole (issue 32,
#    item 6; blktests loop/017; shrunk_loop_checks, blkseek_lib.sh)
f2=$work/tmp/img2
truncate -s $((8 * M)) "$f2"
dd if=/dev/urandom of="$f2" bs=$M count=1 conv=notrunc status=none
lt=$(losetup -f --show "$f2") || ktap_test_fail "losetup over a file"
truncate -s $((4 * M)) "$f2"
shrunk_loop_checks "$lt"
losetup -D
dmsetup remove_all

# -- a write still in the page cache is data.  The file stays open from
#    the write to the lseeks: the last close of a block device writes its
#    cache back, which would hide a missing write-back in the lseek
at=$((30 * M))
check_eq "SEEK_DATA at 30 MiB before the write (a hole)" $((40 * M)) "$(seek_one "$dev" $at SEEK_DATA)"
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
check_eq "SEEK_DATA at the size" ENXIO "$(seek_one "$dev" "$size" SEEK_DATA)"
check_eq "SEEK_HOLE at -1" ENXIO "$(seek_one "$dev" -1 SEEK_HOLE)"
check_eq "SEEK_DATA after the last data" ENXIO "$(seek_one "$dev" $((50 * M)) SEEK_DATA)"
check_eq "SEEK_HOLE in the last hole" $((50 * M)) "$(seek_one "$dev" $((50 * M)) SEEK_HOLE)"

# -- a write held in a lower device's page cache is data (issue 32, item 1).
#    Loop writes to a backing block device through that device's page
#    cache: what goes through /dev/loopN, buffered or O_DIRECT, sits dirty
#    in the lower device's cache until writeback, while the disk still
#    reports the blocks unmapped.  Writeback held off, 64 KiB written
#    through the top device (a loop over the disk, a loop over a
#    partition, dm-linear over a loop), then SEEK_DATA from 1 MiB before
#    must be no later than the write, on the fd that wrote
#    (dirty_hold and dirty_case, blkseek_lib.sh)
losetup -D
dmsetup remove_all
dirty_hold on
sdebug_reload dev_size_mb=64 lbpu=1 lbprz=1 unmap_granularity=8
echo 'start=8192, size=65536' | sfdisk -q "$dev" > /dev/null
udevadm settle
part=${dev}1
if [ -b "$part" ]; then
	# the devices asked directly write their own cache back
	dirty_case "the disk itself" "$dev" $((40 * M)) buffered
	dirty_case "the partition itself" "$part" $((24 * M)) buffered
	ld=$(losetup -f --show "$dev")
	dirty_case "loop over the disk" "$ld" $((44 * M)) buffered
	dirty_case "loop over the disk" "$ld" $((48 * M)) direct
	lp=$(losetup -f --show "$part")
	dirty_case "loop over the partition" "$lp" $((8 * M)) buffered
	dirty_case "loop over the partition" "$lp" $((12 * M)) direct
	losetup -d "$lp"
	dmsetup create up-lin-loop --table "0 $((64 * M / 512)) linear $ld 0" || ktap_test_fail "dmsetup create up-lin-loop"
	dirty_case "dm-linear over a loop over the disk" /dev/mapper/up-lin-loop $((54 * M)) buffered
	dirty_case "dm-linear over a loop over the disk" /dev/mapper/up-lin-loop $((58 * M)) direct
	dmsetup remove up-lin-loop
	losetup -d "$ld"
else
	ktap_test_fail "the dirty cache cases: no partition $part"
fi
dirty_hold off
# -- sd honours provisioning_mode: "full" or "disabled", no holes (issue 32,
#    item 2); the disk is the one above, written back: a hole from 4 KiB
#    (after the partition table) to 12 MiB
pm=$(echo /sys/block/"$name"/device/scsi_disk/*/provisioning_mode)
pm_was=$(cat "$pm")
for mode in full disabled; do
	if echo "$mode" > "$pm"; then
		check_eq "provisioning_mode $mode: SEEK_DATA at 2 MiB" $((2 * M)) "$(seek_one "$dev" $((2 * M)) SEEK_DATA)"
		check_eq "provisioning_mode $mode: SEEK_HOLE at 0" $((64 * M)) "$(seek_one "$dev" 0 SEEK_HOLE)"
	else
		ktap_test_fail "provisioning_mode $mode: cannot set it"
	fi
done
echo "$pm_was" > "$pm"
check_eq "provisioning_mode $pm_was again: SEEK_HOLE at 2 MiB" $((2 * M)) "$(seek_one "$dev" $((2 * M)) SEEK_HOLE)"

# -- a device that refuses GET LBA STATUS (ILLEGAL REQUEST, invalid
#    command operation code, injected by scsi_debug for opcode 0x9e): one
#    command for 2000 lseeks, all data, and no kernel-log line per lseek.
#    The injection fails the next 1000 commands and counts them
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
errf=/sys/kernel/debug/scsi_debug/$(basename "$(readlink -f "/sys/block/$name/device")")/error
if [ -w "$errf" ]; then
	logged=$(dmesg | wc -l)
	echo "2 -1000 0x9e 0 0 2 5 20 0" > "$errf"
	got=$(python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
answers = set()
for i in range(2000):
    answers.add(os.lseek(fd, (2 << 20) if i % 2 else 0, os.SEEK_DATA if i % 2 else os.SEEK_HOLE))
print(" ".join(str(a) for a in sorted(answers)))' "$dev")
	left=$(awk 'NR == 2 { print $2 }' "$errf")
	echo "- 2 0x9e" > "$errf" 2>/dev/null
	check_eq "GET LBA STATUS refused: the 2000 answers are all data" "$((2 * M)) $((64 * M))" "$got"
	check_eq "GET LBA STATUS refused: commands sent for 2000 lseeks" 1 $((1000 + left))
	lines=$(( $(dmesg | wc -l) - logged ))
	if [ "$lines" -le 2 ]; then
		ktap_test_pass "GET LBA STATUS refused: $lines kernel-log lines for 2000 lseeks"
	else
		dmesg | tail -5 | sed 's/^/#   /'
		ktap_test_fail "GET LBA STATUS refused: $lines kernel-log lines for 2000 lseeks"
	fi
else
	ktap_test_fail "GET LBA STATUS refused: no scsi_debug error injection ($errf)"
fi

# -- unmapped blocks that do not read as zeroes: all data
sdebug_reload dev_size_mb=16 lbpu=1 lbprz=0 unmap_granularity=8
check_eq "lbprz=0: SEEK_HOLE at 0" $((16 * M)) "$(seek_one "$dev" 0 SEEK_HOLE)"
check_eq "lbprz=0: SEEK_DATA at 4096" 4096 "$(seek_one "$dev" 4096 SEEK_DATA)"
modprobe -r scsi_debug

# -- a driver without the method
if modprobe brd rd_nr=1 rd_size=1024 2>/dev/null && [ -b /dev/ram0 ]; then
	check_eq "brd: SEEK_DATA" EINVAL "$(seek_one /dev/ram0 0 SEEK_DATA)"
	check_eq "brd: SEEK_HOLE" EINVAL "$(seek_one /dev/ram0 0 SEEK_HOLE)"
else
	ktap_test_fail "brd loaded, /dev/ram0"
fi
ktap_finished
