#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make upstream-check, in its VM: dm-thin answering SEEK_DATA/SEEK_HOLE
# itself (patch 8 of upstream/), blkseek.ko not loaded, nothing told by
# userspace.  A thin pool made by LVM, as users make them, on a scsi_debug
# disk; every map walked by lseek is compared with the pool's own
# metadata (thin_dump of a metadata snapshot):
#  1. a thin volume written at aligned and unaligned spots: the maps are
#     equal, the holes read zeroes;
#  2. a thin snapshot shares the blocks: same map; a write to it is data
#     on it alone;
#  3. a discard is a hole at once, on the volume discarded alone;
#  4. lvextend: the new part is a hole;
#  5. a writer provisioning blocks under a seeker: never a hole at a block
#     whose write had completed;
#  6. nbdcopy reads only the provisioned chunks;
#  7. what the mappings cannot answer for is all data: a read-only pool, a
#     pool out of data space (answered again once extended), a thin
#     snapshot of an external origin; a held metadata snapshot changes
#     nothing.
# Copied beside the blkseek selftests by tools/testing/upstream/upstream-check.sh.
# One KTAP result per check (ktap_helpers.sh).
here=$(cd "$(dirname "$0")" && pwd)
seek=$here/blkseek_seek.py

# shellcheck source=../../../selftests/blkseek/ktap_helpers.sh
. "$here/ktap_helpers.sh"
# shellcheck source=../../../selftests/blkseek/blkseek_lib.sh
. "$here/blkseek_lib.sh"
# shellcheck source=../../../selftests/blkseek/blkseek_truth.sh
. "$here/blkseek_truth.sh"

for t in lvm thin_dump dmsetup blkdiscard python3; do
	command -v $t > /dev/null || { echo "# no $t"; exit $KSFT_SKIP; }
done
[ ! -e /sys/module/blkseek ] || { echo "# FAIL: blkseek.ko is loaded"; exit 1; }
modprobe dm-thin-pool 2> /dev/null || { echo "# no dm-thin-pool"; exit $KSFT_SKIP; }

sdebug_reload dev_size_mb=160
export LVM_SUPPRESS_FD_WARNINGS=1
work=$(mktemp -d)
vg=upthin
lvm=(--devices "$dev")
bs=65536
cleanup() {
	# the volumes removed without LVM, then LVM's label zeroed
	dm_remove_matching '^upthin-'
	dd if=/dev/zero of="$dev" bs=1M count=1 oflag=direct status=none 2> /dev/null
	rm -rf "$work"
}
trap cleanup EXIT

lvm vgcreate -qq "${lvm[@]}" $vg "$dev" > /dev/null &&
lvm lvcreate -qq "${lvm[@]}" -L 80m -c 64k -V 96m -T $vg/pool -n t1 > /dev/null ||
	{ echo "# FAIL: lvm thin setup"; exit 1; }
udevadm settle 2> /dev/null
t1=/dev/mapper/$vg-t1
tp=$vg-pool-tpool
ktap_print_header
if [ "$(python3 "$seek" one "$t1" 0 SEEK_DATA)" = EINVAL ]; then
	ktap_exit_fail_msg "SEEK_DATA on a thin volume: EINVAL (the kernel has no dm-thin patch)"
fi

# matches WHAT NAME: thin volume NAME (its dm name) walked into
# $work/NAME.map, its truth from thin_dump into $work/NAME.truth; one
# result, that they are equal
matches() {
	seek_walk "/dev/mapper/$2" > "$work/$2.map"
	thin_truth "$2" > "$work/$2.truth"
	same "$1" "$work/$2.truth" "$work/$2.map"
}
# in_runs MAP BLOCK KIND: block BLOCK (of $bs bytes) lies in a run of KIND
in_runs() { covers_kind "$1" $(($2 * bs)) $bs "$3"; }
write_blocks() {	# write_blocks DEV BLOCK...: random data, O_DIRECT
	local d=$1 b

	shift
	for b in "$@"; do
		dd if=/dev/urandom of="$d" bs=$bs count=1 seek="$b" oflag=direct status=none
	done
}

section "1. a thin volume written at aligned and unaligned spots"
write_blocks "$t1" 0 1 2 7 100 101 500 1535
dd if=/dev/urandom of="$t1" bs=4096 count=1 seek=$((300 * 16 + 3)) oflag=direct status=none
# 3 sectors across the boundary of blocks 900 and 901
dd if=/dev/urandom of="$t1" bs=512 count=3 seek=$((900 * 128 + 127)) oflag=direct status=none
matches "t1: lseek's map equals thin_dump's" $vg-t1
ktap_test_result "t1: its holes read zeroes" zero_holes "$t1" "$work/$vg-t1.map"
ktap_test_result "t1: the unaligned writes are data (blocks 300, 900, 901)" \
	eval 'in_runs "$work/$vg-t1.map" 300 data && in_runs "$work/$vg-t1.map" 900 data &&
	      in_runs "$work/$vg-t1.map" 901 data'
ktap_test_result "t1 has holes ($(grep -c hole "$work/$vg-t1.map") runs)" \
	[ "$(grep -c hole "$work/$vg-t1.map")" -ge 5 ]

section "2. a thin snapshot shares the blocks"
lvm lvcreate -qq "${lvm[@]}" -s -kn -n s1 $vg/t1 > /dev/null ||
	ktap_exit_fail_msg "lvcreate -s $vg/t1"
udevadm settle 2> /dev/null
s1=/dev/mapper/$vg-s1
matches "s1: lseek's map equals thin_dump's" $vg-s1
same "s1's map is t1's" "$work/$vg-t1.map" "$work/$vg-s1.map"
write_blocks "$s1" 50
matches "s1 after a write to block 50: map equals thin_dump's" $vg-s1
ktap_test_result "s1: block 50 is data" in_runs "$work/$vg-s1.map" 50 data
seek_walk "$t1" > "$work/t1.after-s1"
same "t1 unchanged by the write to s1" "$work/$vg-t1.map" "$work/t1.after-s1"

section "3. a discard is a hole at once"
blkdiscard -o $((100 * bs)) -l $((2 * bs)) "$t1" ||
	ktap_test_fail "blkdiscard of blocks 100 and 101 of t1"
matches "t1 after the discard: map equals thin_dump's" $vg-t1
ktap_test_result "t1: blocks 100 and 101 are a hole" \
	eval 'in_runs "$work/$vg-t1.map" 100 hole && in_runs "$work/$vg-t1.map" 101 hole'
seek_walk "$s1" > "$work/s1.after-discard"
ktap_test_result "s1: blocks 100 and 101 are still data" \
	eval 'in_runs "$work/s1.after-discard" 100 data && in_runs "$work/s1.after-discard" 101 data'

section "4. lvextend"
lvm lvextend -qq "${lvm[@]}" -L +32m $vg/t1 > /dev/null || ktap_test_fail "lvextend t1"
matches "t1 extended to $(($(blockdev --getsize64 "$t1") >> 20)) MiB: map equals thin_dump's" $vg-t1
ktap_test_result "t1: the new 32 MiB are a hole" \
	covers_kind "$work/$vg-t1.map" $((96 << 20)) $((32 << 20)) hole

section "5. a writer provisioning blocks under a seeker"
lvm lvcreate -qq "${lvm[@]}" -V 32m -T $vg/pool -n t2 > /dev/null ||
	ktap_exit_fail_msg "lvcreate t2"
udevadm settle 2> /dev/null
t2=/dev/mapper/$vg-t2
python3 "$seek" race "$t2" $bs 300 > "$work/race.log"
read -r answers holes bad < "$work/race.log"
echo "# race: $answers answers, $holes holes, $bad holes at blocks written before"
ktap_test_result "race: never a hole at a block written before the lseek" [ "${bad:-1}" = 0 ]
ktap_test_result "race: some answers find holes" [ "${holes:-0}" -gt 0 ]
matches "t2 after the race: map equals thin_dump's" $vg-t2

section "6. nbdcopy reads only the provisioned chunks"
if command -v nbdcopy > /dev/null; then
	echo "# t1: $(awk '$3 == "data" { n += $2 } END { print n + 0 }' "$work/$vg-t1.truth") bytes provisioned of $(blockdev --getsize64 "$t1")"
	nbdcopy_check "nbdcopy of t1" "$t1" "$work/$vg-t1.truth"
else
	ktap_test_skip "nbdcopy of t1 (no nbdcopy)"
fi

section "7. what the mappings cannot answer for is all data"
all_data() {	# all_data WHAT DEV: one result, DEV answers one data run
	local m

	m=$(seek_walk "$2")
	check_eq "$1" "0 $(blockdev --getsize64 "$2") data" "$m"
}
# another user's metadata snapshot (a backup tool's) changes nothing
dmsetup message $tp 0 reserve_metadata_snap || ktap_test_fail "reserve_metadata_snap"
seek_walk "$t1" > "$work/t1.held"
dmsetup message $tp 0 release_metadata_snap
same "a metadata snapshot held: t1's map as before" "$work/$vg-t1.map" "$work/t1.held"
# a read-only pool (the "read_only" feature, as dm-thin sets itself after
# a metadata error)
ptable=$(dmsetup table $tp)
ro_table=$(awk '{ $8 = $8 + 1; print $0 " read_only" }' <<< "$ptable")
if dmsetup suspend $tp && dmsetup reload $tp --table "$ro_table" && dmsetup resume $tp; then
	echo "# pool: $(dmsetup status $tp | awk '{ print $8 }')"
	all_data "a read-only pool: t1 is all data" "$t1"
else
	ktap_test_fail "a read-only pool: $ro_table"
fi
dmsetup suspend $tp && dmsetup reload $tp --table "$ptable" && dmsetup resume $tp ||
	ktap_exit_fail_msg "pool read-write again"
matches "the pool read-write again: t1's map equals thin_dump's" $vg-t1
# a pool out of data space: 4 MiB of 64 KiB blocks, writes failed at once
# when it is full (--errorwhenfull y)
lvm lvcreate -qq "${lvm[@]}" -L 4m -c 64k -Zn --errorwhenfull y -V 16m -T $vg/pool2 -n t3 > /dev/null ||
	ktap_exit_fail_msg "lvcreate pool2"
udevadm settle 2> /dev/null
t3=/dev/mapper/$vg-t3
for b in $(seq 0 2 200); do
	dd if=/dev/urandom of="$t3" bs=$bs count=1 seek="$b" oflag=direct status=none 2> /dev/null || break
done
echo "# pool2 full at block $b: $(dmsetup status $vg-pool2-tpool | awk '{ print $5, $8 }')"
all_data "a pool out of data space: t3 is all data" "$t3"
lvm lvextend -qq "${lvm[@]}" -L +8m $vg/pool2 > /dev/null || ktap_test_fail "lvextend pool2"
echo "# pool2 extended: $(dmsetup status $vg-pool2-tpool | awk '{ print $5, $8 }')"
matches "pool2 extended: t3's map equals thin_dump's" $vg-t3
# a thin snapshot of an external origin: its unprovisioned blocks read
# the origin
lvm lvcreate -qq "${lvm[@]}" -L 8m -n ext $vg > /dev/null &&
	write_blocks "/dev/mapper/$vg-ext" 3 &&
	lvm lvchange -qq "${lvm[@]}" -an -pr $vg/ext > /dev/null &&
	lvm lvcreate -qq "${lvm[@]}" -s -kn --thinpool $vg/pool -n e1 $vg/ext > /dev/null ||
	ktap_exit_fail_msg "a thin snapshot of an external origin"
udevadm settle 2> /dev/null
all_data "a thin snapshot of an external origin: all data" "/dev/mapper/$vg-e1"
ktap_finished
