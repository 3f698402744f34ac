#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The counters under /sys/module/blkseek/stats move as lseeks are answered,
# agree with the commands the device counted (iorequest_cnt), name the
# fallback reasons, a full walk costs about one command per lseek, and the
# blkseek:blkseek_query tracepoint reports each GET LBA STATUS (device,
# LBA, blocks, state, latency).
# One KTAP result per check (ktap_helpers.sh).
dir=$(dirname "$(readlink -f "$0")")
# shellcheck source=ktap_helpers.sh
. "$dir/ktap_helpers.sh"
probe="$dir/blkseek_probe"
stats=/sys/module/blkseek/stats

[ -d $stats ] || { echo "# no $stats (blkseek not loaded)"; exit $KSFT_SKIP; }


snap() { for f in $stats/*; do echo "$(basename "$f")=$(cat "$f")"; done; }
delta() {	# delta NAME: change since the last "mark"
	echo $(( $(cat $stats/"$1") - ${before[$1]} ))
}
declare -A before
mark() { local f; for f in $stats/*; do before[$(basename "$f")]=$(cat "$f"); done; }

. "$dir/blkseek_lib.sh"
ktap_print_header

# world-readable
modes=
for f in $stats/*; do
	[ "$(stat -c %a "$f")" = 444 ] || modes+=" $(basename "$f")"
done
check_eq "counters whose mode is not 444 (world-readable)" "" "$modes"

sdebug_reload dev_size_mb=16 lbpu=1 lbprz=1 unmap_granularity=8
dd if=/dev/urandom of="$dev" bs=64k count=1 seek=16 oflag=direct status=none
udevadm settle 2>/dev/null	# udev reads the disk after a write
cmds0=$(($(cat /sys/block/$name/device/iorequest_cnt)))
mark
check_eq "SEEK_DATA 0" 1048576 "$("$probe" "$dev" data 0)"
check_eq "lseeks" 1 "$(delta lseeks)"
check_eq "answers_data" 1 "$(delta answers_data)"
check_eq "read_capacity_commands" 1 "$(delta read_capacity_commands)"
# a hole then data: two GET LBA STATUS, one descriptor each; before the
# disk's first one, REPORT SUPPORTED OPERATION CODES of it
check_eq "get_lba_status_commands" 2 "$(delta get_lba_status_commands)"
check_eq "report_opcodes_commands" 1 "$(delta report_opcodes_commands)"
check_eq "descriptors" 2 "$(delta descriptors)"
check_eq "scsi_commands" 4 "$(delta scsi_commands)"
cmds1=$(($(cat /sys/block/$name/device/iorequest_cnt)))
check_eq "commands the device counted" 4 $((cmds1 - cmds0))
check_eq "disks that refused GET LBA STATUS" 0 "$(delta get_lba_status_refused)"
check_eq "/sys/module/blkseek/refused: the disk not listed" "" \
	"$(grep "^$(cat /sys/block/$name/dev) $(cat /sys/block/$name/diskseq) " /sys/module/blkseek/refused)"
mark
check_eq "SEEK_HOLE 0" 0 "$("$probe" "$dev" hole 0)"
check_eq "answers_hole" 1 "$(delta answers_hole)"
check_eq "report_opcodes_commands, asked once per disk" 0 "$(delta report_opcodes_commands)"
check_eq "SEEK_DATA past the data" ENXIO "$("$probe" "$dev" data 2097152)"
check_eq "answers_enxio" 1 "$(delta answers_enxio)"

# (dirty_flushes is checked by blkseek_fallback's buffered write test,
# which keeps the writer open: udev writes a whole disk back when the
# last writer closes it)

# the tracepoint
tr=/sys/kernel/tracing
[ -d $tr/events ] || mount -t tracefs nodev $tr 2>/dev/null
if [ -d $tr/events/blkseek/blkseek_query ]; then
	echo > $tr/trace
	echo 1 > $tr/events/blkseek/blkseek_query/enable
	"$probe" "$dev" data 0 > /dev/null
	echo 0 > $tr/events/blkseek/blkseek_query/enable
	majmin=$(cat /sys/block/$name/dev)
	ev=$(grep -c "blkseek_query: dev $majmin lba 0 result 0 blocks 2048 state deallocated latency_ns [0-9]" $tr/trace)
	check_eq "trace events for the hole at 0" 1 "$ev"
	ev=$(grep -c "blkseek_query: dev $majmin lba 2048 result 0 blocks 128 state mapped" $tr/trace)
	check_eq "trace events for the data at 1 MiB" 1 "$ev"
	grep blkseek_query $tr/trace | head -3 | sed 's/^/# /'
elif dmesg | grep -q 'blkseek: module has bad taint, not creating trace events'; then
	# 6.1 creates no trace events for livepatch-tainted (K) modules
	echo "# tracepoint unavailable on $(uname -r): the kernel refuses trace events of livepatch modules"
else
	ktap_test_fail "blkseek:blkseek_query event exists"
fi

# Commands per lseek over a full walk (40 data extents), counted by the
# device (iorequest_cnt), with the reply cache and without it.  The cache
# is measured with the longest lifetime cache_ms takes, 60 s: on a slow
# kernel a walk outlives the default 1 s and counts expiries instead of
# what the cache saves (1.06 and 1.26 commands per lseek under the
# check-debug kernel, 1.01 on Debian's kernels under TCG).
walk() {	# walk: SEEK_DATA/SEEK_HOLE from 0 to the end; prints the lseeks
	local off=0 n=0 d h size
	size=$(blockdev --getsize64 "$dev")
	while :; do
		d=$("$probe" "$dev" data $off); n=$((n + 1))
		[ "$d" = ENXIO ] && break
		[[ "$d" =~ ^[0-9]+$ ]] || { echo "bad SEEK_DATA answer $d"; return; }
		h=$("$probe" "$dev" hole "$d"); n=$((n + 1))
		[[ "$h" =~ ^[0-9]+$ ]] || { echo "bad SEEK_HOLE answer $h"; return; }
		[ "$h" -ge "$size" ] && break
		off=$h
	done
	echo $n
}
sdebug_reload dev_size_mb=64 lbpu=1 lbprz=1 unmap_granularity=8
for i in $(seq 0 39); do
	dd if=/dev/urandom of="$dev" bs=64k count=1 seek=$((i * 24 + 3)) oflag=direct status=none
done
udevadm settle 2>/dev/null
cache_ms=$(cat /sys/module/blkseek/parameters/cache_ms)
for ms in 60000 0; do
	echo "$ms" > /sys/module/blkseek/parameters/cache_ms
	c0=$(($(cat /sys/block/$name/device/iorequest_cnt)))
	n=$(walk)
	c1=$(($(cat /sys/block/$name/device/iorequest_cnt)))
	ratio=$(awk -v c=$((c1 - c0)) -v n="$n" 'BEGIN { printf "%.3f", c / n }')
	echo "# cache_ms=$ms: $n lseeks, $((c1 - c0)) commands, $ratio commands per lseek"
	[ "$ms" = 0 ] && continue
	check_eq "walk lseeks (40 extents)" 81 "$n"
	ktap_test_result "commands per lseek with the cache at most 1.05 ($ratio)" \
		awk -v r="$ratio" 'BEGIN { exit !(r <= 1.05) }'
done
echo "$cache_ms" > /sys/module/blkseek/parameters/cache_ms

# fallback reasons
sdebug_reload dev_size_mb=16 lbpu=1 lbprz=0 unmap_granularity=8
mark
"$probe" "$dev" data 0 > /dev/null
check_eq "fallback_no_lbprz (lbprz=0)" 1 "$(delta fallback_no_lbprz)"
check_eq "no GET LBA STATUS for lbprz=0" 0 "$(delta get_lba_status_commands)"
sdebug_reload dev_size_mb=16 lbpu=0
mark
"$probe" "$dev" data 0 > /dev/null
check_eq "fallback_no_lbp (lbpu=0)" 1 "$(delta fallback_no_lbp)"
modprobe -r scsi_debug

echo "# counters now:"
snap | sed 's/^/#   /'
ktap_finished
