#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One LUN reached as several block devices: a write through any of them
# is seen by SEEK_DATA through every other, even while the reply cache
# holds a reply of the device asked (cache_ms long, no other traffic).
# Two scsi_debug hosts share one store and report one LU identity
# (vpd_use_hostno=0), as the paths of a SAN LUN do.  Each case arms the
# cache of the device asked with a walk, writes 64 KiB (O_DIRECT unless
# said) at a fresh offset through another device, and asks SEEK_DATA from
# 1 MiB before it: the answer must be no later than the write, and a read
# there must return what was written.
#  1. two paths used directly, both ways
#  2. a partition and its whole disk, both ways
#  3. a dm-multipath map with both paths in one round-robin group (repeat
#     count 1): written and asked through the map
#  4. the same with each path in its own priority group, switched halfway
#  5. the LUN through the map and directly, both ways
#  6. a loop device over one path, asked through the other and the map
#  7. two writers through the map racing two seekers through the map, with
#     both paths in one group and with the second path's group active
#  8. two iSCSI sessions to one tgt LUN on this host (tgt, open-iscsi)
#  9. a map over two devices of one store whose LU identities differ
#     (vpd_use_hostno=1): blkseek cannot tell they are one LUN, so the map
#     answers all data
# 10. paths failed in dm-multipath (told by the udev rule): never asked
# One KTAP result per check (ktap_helpers.sh).
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=ktap_helpers.sh
. "$here/ktap_helpers.sh"
probe=$here/blkseek_probe
stats=/sys/module/blkseek/stats
param=/sys/module/blkseek/parameters
map=${BLKSEEK_REPO:-}/tools/blkseek-map
stack=${BLKSEEK_REPO:-}/tools/blkseek-stack
K64=65536
M1=1048576

[ -d $stats ] || { echo "# no $stats (blkseek not loaded)"; exit $KSFT_SKIP; }
[ -x "$map" ] && [ -x "$stack" ] || { echo "# no tools/blkseek-map, blkseek-stack (BLKSEEK_REPO)"; exit $KSFT_SKIP; }
for t in dmsetup losetup sfdisk; do
	command -v $t > /dev/null || { echo "# no $t"; exit $KSFT_SKIP; }
done
. "$here/blkseek_lib.sh"
modprobe dm-multipath || { echo "# no dm-multipath"; exit $KSFT_SKIP; }
modprobe loop
# scsi_debug with one LU identity (vpd_use_hostno=0) reports ALUA, a port
# group state by host number: with the alua device handler attached (a
# multipath-tools map loads it) I/O through a standby path fails.  These
# cases are about caches, not path states: no handler.
modprobe -r scsi_dh_alua 2> /dev/null

work=$(mktemp -d)
old_ms=$(cat $param/cache_ms)
# replies live as long as a case (the longest cache_ms): the bug this
# tests shows at any cache_ms on a fast enough machine
echo 60000 > $param/cache_ms || { echo "# FAIL: cache_ms=60000"; exit 1; }
cleanup() {
	dmsetup remove bspaths 2>/dev/null
	losetup -D 2>/dev/null
	echo "$old_ms" > $param/cache_ms
	rm -rf "$work"
}
trap cleanup EXIT
ktap_print_header

# load: scsi_debug with two hosts over one store; sets a, b (their disks)
load() {
	sdebug_reload dev_size_mb=128 lbpu=1 lbprz=1 unmap_granularity=8 \
		add_host=2 "$@"
	[ ${#disks[@]} = 2 ] || ktap_exit_fail_msg "scsi_debug made ${#disks[@]} disks, not 2"
	a=/dev/${disks[0]} b=/dev/${disks[1]}
}

# the next fresh offset: 1 MiB + 2 MiB steps, so that 1 MiB before it
# lies in the hole after the previous write; anew() deallocates the LUN
# (through the device given, or the first path) and starts again at 1 MiB
fresh() { off=$((next * M1)); next=$((next + 2)); }
anew() {
	local out

	out=$(blkdiscard -f "${1:-$a}" 2>&1) ||
		ktap_test_fail "blkdiscard ${1:-$a}: $out"
	next=1
}

# write_seek LABEL WDEV SDEV [buffered]: arm SDEV's cache with two walks,
# write 64 KiB of random data through WDEV at a fresh offset (O_DIRECT, or
# buffered then fsync), then SEEK_DATA on SDEV from 1 MiB before it.
# Counts in tries, bad; bad answers are printed.
write_seek() {
	local label=$1 wdev=$2 sdev=$3 d flag=oflag=direct

	[ "${4:-}" = buffered ] && flag=conv=fsync
	fresh
	"$map" --lseek "$sdev" > /dev/null; "$map" --lseek "$sdev" > /dev/null
	dd if=/dev/urandom of="$work/w" bs=$K64 count=1 status=none
	dd if="$work/w" of="$wdev" bs=$K64 seek=$((off / K64)) $flag status=none
	d=$("$probe" "$sdev" data $((off - M1)))
	tries=$((tries + 1))
	if ! [[ "$d" =~ ^[0-9]+$ ]] || [ "$d" -gt "$off" ]; then
		bad=$((bad + 1))
		echo "# $label: SEEK_DATA($((off - M1))) = $d over data written at $off"
	fi
}

# case LABEL N WDEV SDEV [buffered]: N write_seek and the verdict; the
# last write must read back through SDEV
case_() {
	local label=$1 n=$2 i

	tries=0 bad=0
	anew "$4"
	for i in $(seq "$n"); do write_seek "$label" "$3" "$4" "${5:-}"; done
	check_eq "$label: holes over data in $tries" 0 "$bad"
	dd if="$4" of="$work/r" bs=$K64 count=1 skip=$((off / K64)) iflag=direct status=none
	ktap_test_result "$label: the last write reads back" cmp -s "$work/w" "$work/r"
}

# map_create TABLE-TAIL: dm-multipath bspaths over the whole LUN, told
map_create() {
	dmsetup remove bspaths 2>/dev/null
	dmsetup create bspaths --table "0 $(blockdev --getsz "$a") multipath $*" ||
		{ ktap_test_fail "dmsetup create bspaths multipath $*"; return 1; }
	udevadm settle
	"$stack" /dev/mapper/bspaths || { ktap_test_fail "blkseek-stack bspaths ($*)"; return 1; }
}
mm() { cat "/sys/class/block/$(basename "$(readlink -f "$1")")/dev"; }
reqs() { cat "/sys/block/$(basename "$1")/device/iorequest_cnt"; }

load vpd_use_hostno=0
echo "# paths $a $b: wwid $(cat /sys/block/${a#/dev/}/device/wwid 2>/dev/null) and $(cat /sys/block/${b#/dev/}/device/wwid 2>/dev/null)"

# 1. two paths used directly
case_ "direct: written through the second path, asked through the first" 10 "$b" "$a"
case_ "direct: written through the first path, asked through the second" 5 "$a" "$b"
case_ "direct: buffered write through the second path" 5 "$b" "$a" buffered

# 3. one round-robin group; dm sends every other write to the other path
mp=/dev/mapper/bspaths
if map_create "0 0 1 1 round-robin 0 2 1 $(mm "$a") 1 $(mm "$b") 1"; then
	ra=$(reqs "$a") rb=$(reqs "$b")
	case_ "multipath, one group: written and asked through the map" 40 $mp $mp
	echo "# commands on the paths meanwhile: $(($(reqs "$a") - ra)) and $(($(reqs "$b") - rb))"
	case_ "multipath: buffered writes through the map" 5 $mp $mp buffered
	# 5. the LUN through the map and directly
	case_ "written through the second path, asked through the map" 5 "$b" $mp
	case_ "written through the map, asked through the second path" 5 $mp "$b"
	# 6. a loop device over the second path (buffered: loop writes into
	# the path's page cache, written back by the fsync)
	loop=$(losetup -f --show "$b") && {
		case_ "loop over the second path, asked through the first" 5 "$loop" "$a" buffered
		case_ "loop over the second path, asked through the map" 5 "$loop" $mp buffered
		losetup -d "$loop"
	}
fi

# 4. a priority group per path, switched halfway
if map_create "0 0 2 1 round-robin 0 1 1 $(mm "$a") 1 round-robin 0 1 1 $(mm "$b") 1"; then
	case_ "multipath, group 1 active" 5 $mp $mp
	dmsetup message bspaths 0 switch_group 2
	rb=$(reqs "$b")
	case_ "multipath, switched to group 2" 10 $mp $mp
	ktap_test_result "switch_group 2: at least 10 commands on the second path ($(($(reqs "$b") - rb)))" \
		[ $(($(reqs "$b") - rb)) -ge 10 ]
fi

# 7. two writers through the map against two seekers through the map,
# nothing else.  A writer logs each write once it returned; a seeker takes
# every other logged write, checks SEEK_DATA from 1 MiB before it, then
# asks SEEK_HOLE at it, which leaves cached the reply from its end on: the
# one the next writes (through either path) land in.  A writer starts a
# write only once at most one logged write is left unchecked, so that the
# seekers' replies race the writes rather than follow them.
race_writer() {	# race_writer W: 12 writes at the W-th of each two offsets
	local i o

	for i in $(seq 0 11); do
		while [ $(($(wc -l < "$work/done") - $(wc -l < "$work/checked"))) -gt 1 ]; do
			sleep 0.02
		done
		o=$(((first + 4 * i + 2 * $1) * M1))
		dd if=/dev/urandom of=$mp bs=$K64 count=1 seek=$((o / K64)) \
			oflag=direct status=none
		echo $o >> "$work/done"
	done
	echo end >> "$work/done"
}
race_seeker() {	# race_seeker S: checks the logged writes S, S + 2, ...
	local seen=0 tries=0 bad=0 ends d o l lines all

	while :; do
		# one read of the log: the ends counted are those of the writes seen
		mapfile -t lines < "$work/done"
		ends=0 all=()
		for l in "${lines[@]}"; do
			if [ "$l" = end ]; then ends=$((ends + 1)); else all+=("$l"); fi
		done
		while [ $((2 * seen + $1)) -lt ${#all[@]} ]; do
			o=${all[$((2 * seen + $1))]}
			seen=$((seen + 1)) tries=$((tries + 1))
			d=$("$probe" $mp data $((o - M1)))
			if ! [[ "$d" =~ ^[0-9]+$ ]] || [ "$d" -gt "$o" ]; then
				bad=$((bad + 1))
				echo "# race: SEEK_DATA($((o - M1))) = $d over data written at $o"
			fi
			"$probe" $mp hole "$o" > /dev/null
			echo "$o" >> "$work/checked"
		done
		[ "$ends" = 2 ] && [ $((2 * seen + $1)) -ge ${#all[@]} ] && break
	done
	echo "$tries $bad" > "$work/seeker$1"
}
race() {	# race LABEL: the writers and seekers on the map
	local w0 w1 s0 t0 b0 t1 b1

	: > "$work/done"
	: > "$work/checked"
	anew
	first=$next
	race_writer 0 & w0=$!
	race_writer 1 & w1=$!
	race_seeker 0 & s0=$!
	race_seeker 1
	wait $w0 $w1 $s0
	read -r t0 b0 < "$work/seeker0"; read -r t1 b1 < "$work/seeker1"
	check_eq "race, $1: holes over data in $((t0 + t1))" 0 $((b0 + b1))
	check_eq "race, $1: writes checked" 24 $((t0 + t1))
}
# both paths in one group: dm spreads the writes over both
map_create "0 0 1 1 round-robin 0 2 1 $(mm "$a") 1 $(mm "$b") 1" &&
	race "one round-robin group"
# the second path's group active: every write goes through the path not asked
map_create "0 0 2 1 round-robin 0 1 1 $(mm "$a") 1 round-robin 0 1 1 $(mm "$b") 1" &&
	dmsetup message bspaths 0 switch_group 2 && race "the second path's group active"
dmsetup remove bspaths

# 10. paths dm-multipath failed: told again through the installed udev
# rule on dm's uevent, blkseek asks only the paths dm uses.  The first
# path failed in dm (its SCSI device online): no command reaches it, and
# answers stay exact through the other; reinstated, it is asked again;
# every path failed: all data, at once.
rules=/run/udev/rules.d/90-blkseek-stack.rules
mkdir -p /run/udev/rules.d
sed "s|@SBINDIR@|$(dirname "$stack")|" \
	"$BLKSEEK_REPO/tools/packaging/udev/90-blkseek-stack.rules" > $rules
udevadm control --reload
quiet_walks() {	# quiet_walks: 10 walks of the map, commands on the first path
	local r0

	r0=$(reqs "$a")
	for _ in $(seq 10); do "$map" --lseek $mp > /dev/null; done
	echo $(($(reqs "$a") - r0))
}
# path_message MESSAGE...: one message to the map, then wait until dm has
# sent its uevent (sent from a workqueue, before the map's event counter
# moves: dmsetup wait) and udev has run the rule's tell on it (settle)
path_message() {
	local ev m

	for m in "$@"; do
		ev=$(dmsetup info -c --noheadings -o events bspaths)
		# shellcheck disable=SC2086 # the message's words
		dmsetup message bspaths 0 $m
		timeout 10 dmsetup wait bspaths "$ev" > /dev/null ||
			echo "# no dm event after: $m"
	done
	udevadm settle
}
if map_create "0 0 1 1 round-robin 0 2 1 $(mm "$a") 1 $(mm "$b") 1"; then
	path_message "fail_path $(mm "$a")"
	echo "# failed in dm: $(dmsetup status bspaths)"
	check_eq "the first path failed in dm: commands on it over 10 walks" 0 "$(quiet_walks)"
	case_ "the first path failed in dm: written and asked through the map" 10 $mp $mp
	path_message "reinstate_path $(mm "$a")"
	n=$(quiet_walks)
	ktap_test_result "the first path reinstated: commands on it ($n)" [ "$n" -gt 0 ]
	echo "# reinstated: $n commands on the first path over 10 walks"
	path_message "fail_path $(mm "$a")" "fail_path $(mm "$b")"
	r0=$(($(reqs "$a") + $(reqs "$b")))
	t0=$(date +%s)
	h=$(timeout 60 "$probe" $mp hole 0)
	check_eq "every path failed: SEEK_HOLE 0 (all data)" "$(blockdev --getsize64 $mp)" "$h"
	check_eq "every path failed: commands on the paths" 0 $(($(reqs "$a") + $(reqs "$b") - r0))
	ktap_test_result "every path failed: answered within 5 s ($(($(date +%s) - t0)) s)" \
		[ $(($(date +%s) - t0)) -le 5 ]
	dmsetup remove bspaths
fi
rm -f $rules
udevadm control --reload

# 2. a partition and its whole disk (one device: one cache entry)
anew
printf 'label: gpt\nstart=2048, size=200000\n' | sfdisk -q "$a" > /dev/null &&
	blockdev --rereadpt "$a" && udevadm settle
part=$(ls -d /sys/block/${a#/dev/}/${a#/dev/}* 2>/dev/null | head -1)
if [ -n "$part" ] && [ -b "/dev/$(basename "$part")" ]; then
	part=/dev/$(basename "$part")
	pstart=$(($(cat "/sys/class/block/$(basename "$part")/start") * 512))
	tries=0 bad=0
	for i in $(seq 5); do
		# through the partition at a fresh offset of the disk, asked on the disk
		fresh
		"$map" --lseek "$a" > /dev/null
		dd if=/dev/urandom of="$part" bs=$K64 count=1 seek=$(((off - pstart) / K64)) oflag=direct status=none
		d=$("$probe" "$a" data $((off - M1))); tries=$((tries + 1))
		[[ "$d" =~ ^[0-9]+$ ]] && [ "$d" -le "$off" ] || { bad=$((bad + 1)); echo "# disk: SEEK_DATA = $d over $off"; }
		# through the disk, asked on the partition
		fresh
		"$map" --lseek "$part" > /dev/null
		dd if=/dev/urandom of="$a" bs=$K64 count=1 seek=$((off / K64)) oflag=direct status=none
		d=$("$probe" "$part" data $((off - M1 - pstart))); tries=$((tries + 1))
		[[ "$d" =~ ^[0-9]+$ ]] && [ "$d" -le $((off - pstart)) ] || { bad=$((bad + 1)); echo "# partition: SEEK_DATA = $d over $((off - pstart))"; }
	done
	check_eq "a partition and its whole disk, both ways: holes over data in $tries" 0 "$bad"
else
	ktap_test_fail "a partition of $a"
fi

# 8. two iSCSI sessions to one LUN of tgt, over loopback
tgt=${BLKSEEK_REPO:-}/tools/testing/bench/tgt-lun.sh
if command -v tgtd > /dev/null && command -v iscsiadm > /dev/null && [ -x "$tgt" ]; then
	truncate -s 64M "$work/lun.img"
	if s1=$("$tgt" up "$work/lun.img") && s2=$("$tgt" session); then
		echo "# iSCSI sessions: $s1 and $s2, wwid $(cat /sys/block/$s1/device/wwid) and $(cat /sys/block/$s2/device/wwid)"
		case_ "two iSCSI sessions: written through the second, asked through the first" 10 "/dev/$s2" "/dev/$s1"
		case_ "two iSCSI sessions: written through the first, asked through the second" 5 "/dev/$s1" "/dev/$s2"
	else
		ktap_test_fail "two iSCSI sessions to one tgt LUN"
	fi
	"$tgt" down
else
	echo "# two iSCSI sessions: skipped (no tgt, open-iscsi or tools/testing/bench/tgt-lun.sh)"
fi

# 9. one store, two identities: a map over them answers all data
load vpd_use_hostno=1
if map_create "0 0 1 1 round-robin 0 2 1 $(mm "$a") 1 $(mm "$b") 1"; then
	size=$(blockdev --getsize64 $mp)
	check_eq "paths with different LU identities: SEEK_HOLE(0) (all data)" "$size" "$("$probe" $mp hole 0)"
	case_ "paths with different LU identities: written and asked through the map" 10 $mp $mp
	dmsetup remove bspaths
fi

ktap_finished
