#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stacked devices, set up as users do and told to blkseek the way udev
# does (the rule of tools/packaging/udev, with this tree's blkseek-stack).
# Three scsi_debug disks of their own stores:
#  - an LVM LV of two segments on two disks, and a kpartx partition of it
#    (dm-linear over dm-linear);
#  - loop over sparse files on tmpfs, ext4 and xfs, with offset and size
#    limit, and loop over a partition of a thin disk;
#  - dm-crypt over a thin disk: the stock answer (EINVAL);
#  - table reloads moving the LV's first segment between two disks (its
#    old place discarded) under seekers: never a hole over data;
#  - nbdcopy from the LV reads its floor; blkseek unloaded and loaded
#    again with mappings set; every mapping released at the end.
# Then two scsi_debug hosts sharing one store (two paths of one LUN):
#  - multipath-tools' map of them, with a path taken offline under
#    seekers, an LV on the map, and nbdcopy from the map.
# Then many LVs on one VG, one more created, extended and removed while
# the others are walked and copied.
# Each map walked by SEEK_DATA/SEEK_HOLE must equal the ground truth
# composed from sg_get_lba_status on the disks and the tables of
# `dmsetup table` (or the backing file's own map).
# BLKSEEK_INKERNEL=1 (make upstream-check): the answers come from the
# kernel itself (the series of upstream/) and blkseek.ko must not be
# loaded.  The two modes differ in two hooks and a skip list (below):
# how a device is told (udev's rule and blkseek-stack; in-kernel nothing
# is told), the module's counters (none in-kernel), and the scenarios
# that are only the module's control plane (2, 13 and 14).  Two answers
# differ by the series' design, and are checked as it gives them:
# dm-crypt is all data (dm answers for every device, a target without
# the method is data), not EINVAL; and the multipath path taken offline
# is also failed in dm, as multipathd's checker does (dm-mpath asks the
# path I/O would take, and an offline path it has not failed answers
# "all data": checked to show no hole over data).  Every other check of
# the answers runs unchanged.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ktap_helpers.sh
. "$here/ktap_helpers.sh"
stack=${BLKSEEK_REPO:-}/tools/blkseek-stack
map=${BLKSEEK_REPO:-}/tools/blkseek-map
rules=/run/udev/rules.d/90-blkseek-stack.rules
work=$(mktemp -d)
inkernel=${BLKSEEK_INKERNEL:-0}

# One KTAP result per check (ktap_helpers.sh; nested: the runner
# prefixes "# "), one skip for a scenario not run, and one failure for a
# test that exits in a scenario.
scenarios=(
	"LVM: an LV of two segments on two disks"
	"bad mappings, cycles and chains refused; their devices removable"
	"the top of two dm devices told alone"
	"a neighbour's table swap leaves an LV exact"
	"kpartx: a partition of the LV"
	"loop over a sparse file on tmpfs"
	"loop: backing file and offset changed"
	"loop over sparse files on ext4 and xfs"
	"loop over a partition of a thin disk"
	"dm-crypt keeps the stock answer"
	"table reloads under seekers: never a hole over data"
	"nbdcopy from the LV reads its floor"
	"blkseek unloaded and loaded with mappings set"
	"every mapping released once the devices are gone"
	"multipath: two paths of one LUN, a path offline, an LV on it"
	"many LVs, one changing: the others stay exact"
)
[ "$inkernel" != 1 ] ||	# the answer the series gives by design
	scenarios[9]="dm-crypt is all data (a dm target without the method)"

# The mode's hooks and skip list:
#   tell [DEV]      DEV's stack told to blkseek (blkseek-stack DEV; no DEV:
#                   every device); in-kernel nothing is told
#   udev_rule on|off  the installed udev rule, which tells each device as
#                   it changes, in place or not; in-kernel there is none
#   stat NAME       the module's counter NAME; in-kernel none: prints
#                   nothing and fails
#   skipped         the scenarios that are only the module's control
#                   plane, each one skip
for t in sg_get_lba_status lvm dmsetup kpartx losetup sfdisk mkfs.ext4 mkfs.xfs cryptsetup multipath nbdcopy; do
	command -v $t > /dev/null || { echo "# no $t"; exit $KSFT_SKIP; }
done
[ -x "$map" ] || { echo "# tools not built"; exit $KSFT_SKIP; }
if [ "$inkernel" = 1 ]; then
	if [ -e /sys/module/blkseek ] || [ -e /sys/kernel/livepatch/blkseek ]; then
		echo "# FAIL: BLKSEEK_INKERNEL=1 but blkseek.ko is loaded"; exit 1
	fi
	echo "# in-kernel: the answers come from $(uname -r), blkseek.ko not loaded"
	stack=
	tell() { :; }
	udev_rule() { :; }
	stat() { return 1; }
	skipped=(2 13 14)
	skip_why="in-kernel: the module's control plane only"
else
	[ -x "$stack" ] || { echo "# tools not built"; exit $KSFT_SKIP; }
	[ -c /dev/blkseek ] || { echo "# blkseek not loaded"; exit $KSFT_SKIP; }
	tell() { "$stack" "$@"; }
	udev_rule() {
		if [ "$1" = on ]; then
			mkdir -p "$(dirname $rules)"
			sed "s|@SBINDIR@|$(dirname "$stack")|" \
				"$BLKSEEK_REPO/tools/packaging/udev/90-blkseek-stack.rules" > "$rules"
		else
			rm -f "$rules"
		fi
		udevadm control --reload
	}
	stat() { cat "/sys/module/blkseek/stats/$1"; }
	skipped=()
fi
stats() {	# stats NAME...: "# stats: NAME=VALUE ..."; nothing in-kernel
	local f v line=
	for f; do
		v=$(stat "$f") || return 0
		line+="$f=$v "
	done
	echo "# stats: $line"
}

scen=0
step() {	# step N: scenario N begins; fails, one skip, if N is skipped
	[ "$scen" -gt 0 ] || ktap_print_header
	scen=$1
	if [[ " ${skipped[*]} " == *" $scen "* ]]; then
		ktap_test_skip "${scenarios[scen - 1]}" "$skip_why"
		return 1
	fi
	echo "# scenario $scen at ${SECONDS} s: ${scenarios[scen - 1]}"
}
skip() {	# skip REASON: the current scenario not run, one skip
	ktap_test_skip "${scenarios[scen - 1]}" "$1"
}
modprobe dm-mod; modprobe dm-multipath; modprobe dm-crypt; modprobe loop
export LVM_SUPPRESS_FD_WARNINGS=1	# the harness's own descriptors

cleanup() {
	local rc=$?
	# exited inside a scenario (ktap_finished sets the plan): it failed,
	# and the rest did not run
	if [ "$scen" -gt 0 ] && [ -z "$KSFT_NUM_TESTS" ]; then
		ktap_test_fail "scenario $scen, ${scenarios[scen - 1]}: exit $rc; $((${#scenarios[@]} - scen)) scenarios after it not run"
		ktap_set_plan $((KTAP_TESTNO - 1))
		ktap_print_totals
	fi
	umount "$work/mnt-ext4" "$work/mnt-xfs" 2>/dev/null
	losetup -D 2>/dev/null
	umount "$work/mnt-tmp" 2>/dev/null
	dmsetup remove_all 2>/dev/null
	multipath -F > /dev/null 2>&1
	dmsetup remove_all 2>/dev/null
	umount /etc/multipath 2>/dev/null
	rm -f "$rules"
	udevadm control --reload 2>/dev/null
	modprobe -r scsi_debug 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

udevadm control --reload || { echo "# no udevd"; exit $KSFT_SKIP; }
# the udev rule as installed, pointing at this tree's blkseek-stack
udev_rule on

. "$here/blkseek_lib.sh"
sdebug() {	# sdebug HOSTS PARAMS...: scsi_debug loaded afresh with HOSTS
		# hosts (add_host=HOSTS); sets disks, one per host
	local hosts=$1
	shift
	sdebug_reload dev_size_mb=32 lbpu=1 lbprz=1 unmap_granularity=8 \
		add_host="$hosts" "$@"
	if [ ${#disks[@]} != "$hosts" ]; then
		echo "# scsi_debug made ${#disks[@]} disks, not $hosts"
		exit 1
	fi
}
sdebug 3 per_host_store=1
pv1=${disks[0]} pv2=${disks[1]} thin=${disks[2]}
echo "# PVs $pv1 $pv2, thin disk $thin"

# shellcheck source=blkseek_truth.sh
. "$here/blkseek_truth.sh"
truth() { gls_truth "/dev/$1"; }	# truth DISK: the whole disk's map
merge() { merge_runs; }
cut() {	# cut FROM LEN AT < map: the map's [FROM, FROM+LEN) placed at AT
	awk -v f="$1" -v len="$2" -v at="$3" '
		{ s = $1; e = $1 + $2; if (s < f) s = f; if (e > f + len) e = f + len
		  if (e > s) print s - f + at, e - s, $3 }'
}
lsmap() {	# lsmap DEV: the map walked by SEEK_DATA/SEEK_HOLE
	"$map" --lseek "$1" | awk '$1 ~ /^[0-9]+$/ && NF >= 3 { print $1, $2, $3 }' | merge
}
dm_truth() {	# dm_truth NAME: composed from `dmsetup table` and the disks
	local start len tgt dev off
	dmsetup table "$1" | while read -r start len tgt dev off; do
		if [ "$tgt" = multipath ]; then	# the LUN, by its first path
			dev=$(echo "$dev $off" | grep -oE '[0-9]+:[0-9]+' | head -1) off=0
		fi
		[ "$tgt" = linear ] || [ "$tgt" = multipath ] || return 1
		local lower
		lower=$(basename "$(readlink -f "/sys/dev/block/$dev")")
		if [ -d "/sys/block/$lower/dm" ]; then
			dm_truth "$(cat "/sys/block/$lower/dm/name")"
		else
			truth "$lower"
		fi | cut $((off * 512)) $((len * 512)) $((start * 512))
	done | merge
}
same() {	# same WHAT EXPECTED ACTUAL: one result, the diff if they differ
	if [ -s "$2" ] && diff "$2" "$3" > "$work/diff"; then
		ktap_test_pass "$1 ($(grep -c hole "$3") holes, $(grep -c data "$3") data runs)"
	else
		sed 's/^/#   /' "$work/diff" | head -20
		ktap_test_fail "$1"
	fi
}
loop_attach() {	# loop_attach LOSETUP-ARGS...: the loop device (udev may
		# still hold the one losetup picks: tried again)
	local l
	for _ in $(seq 10); do
		udevadm settle
		l=$(losetup -f --show "$@" 2>/dev/null) && { echo "$l"; return 0; }
		sleep 0.5
	done
	return 1
}
floor() {	# floor MAP: sectors of the 256 KiB pieces that hold data
	awk '$3 == "data" { for (c = int($1 / 262144); c * 262144 < $1 + $2; c++) p[c] = 1 }
		END { print length(p) * 512 }'
}
nbdcopy_check() {	# nbdcopy_check WHAT DEV TRUTH: reads only its floor
	local name r0 r1 fl out=$work/copy.img
	name=$(basename "$(readlink -f "$2")")
	fl=$(floor < "$3")
	udevadm settle
	echo 3 > /proc/sys/vm/drop_caches
	blockdev --setra 0 "$2"
	r0=$(awk '{ print $3 }' "/sys/block/$name/stat")
	nbdcopy "$2" "$out"
	ktap_test_result "$1: nbdcopy exits 0" [ $? = 0 ]
	r1=$(awk '{ print $3 }' "/sys/block/$name/stat")
	echo "# $1: nbdcopy read $((r1 - r0)) sectors, floor $fl"
	ktap_test_result "$1: nbdcopy reads its floor" [ $((r1 - r0)) -le $((fl * 105 / 100 + 256)) ]
	ktap_test_result "$1: copy identical" cmp -s "$2" "$out"
	rm -f "$out"
}
scatter() {	# scatter DEV SEED: 256 KiB of random data at some spots
	local s
	for s in $(seq 0 $(( $(blockdev --getsize64 "$1") / 262144 - 1)) | shuf --random-source=<(yes "$2") | head -12); do
		dd if=/dev/urandom of="$1" bs=256k count=1 seek="$s" oflag=direct status=none
	done
}

# 1. LVM: a 2-segment LV across two disks; kpartx partition of it
step 1
lvm=(--devices "/dev/$pv1,/dev/$pv2")
lvm pvcreate -q "${lvm[@]}" "/dev/$pv1" "/dev/$pv2" > /dev/null &&
lvm vgcreate -q "${lvm[@]}" bsvg "/dev/$pv1" "/dev/$pv2" > /dev/null &&
lvm lvcreate -q "${lvm[@]}" -n lv -L 12m bsvg "/dev/$pv1" > /dev/null &&
lvm lvextend -q "${lvm[@]}" -L +12m bsvg/lv "/dev/$pv2" > /dev/null &&
lvm lvcreate -q "${lvm[@]}" -n fs -L 16m bsvg "/dev/$pv1" > /dev/null ||
	{ echo "# lvm setup failed"; exit 1; }
udevadm settle
lv=/dev/mapper/bsvg-lv
blkdiscard "$lv"
scatter "$lv" 1
ktap_test_result "LV has 2 segments" [ "$(dmsetup table bsvg-lv | wc -l)" = 2 ]
dm_truth bsvg-lv > "$work/lv.truth"
lsmap "$lv" > "$work/lv.map"
same "LV over two disks: map equals the composed truth" "$work/lv.truth" "$work/lv.map"
if step 2; then
touch "$work/regular"
# five 1 MiB dm-linear devices, each on the one before, the first on the
# thin disk: chains and cycles of mappings set on them are refused
chain=()
for i in 1 2 3 4 5; do
	lower=/dev/$thin
	[ "$i" = 1 ] || lower=/dev/mapper/bschain$((i - 1))
	dmsetup create "bschain$i" --table "0 2048 linear $lower 0" ||
		ktap_test_fail "dmsetup create bschain$i"
	chain+=("/dev/mapper/bschain$i")
done
udevadm settle
python3 "$here/blkseek_stack_abi.py" "$lv" "/dev/$thin" "$work/regular" "${chain[@]}" | sed 's/^/# /'
ktap_test_result "bad mappings refused with their errno" [ "${PIPESTATUS[0]}" = 0 ]
lsmap "$lv" > "$work/lv.map2"
same "LV map unchanged by the refused mappings" "$work/lv.truth" "$work/lv.map2"
# what was accepted pins nothing: each device can be removed (its lower
# one's file is released by blkseek's reaper, just after)
for i in 5 4 3 2 1; do
	for _ in $(seq 20); do
		dmsetup remove "bschain$i" 2> /dev/null && break
		sleep 0.5
	done
	ktap_test_result "chain device $i removed with mappings set" [ ! -e "/dev/mapper/bschain$i" ]
done
fi

step 3
# telling one device is enough: a dm-linear device on another, neither
# told by udev (no rule), answers once blkseek-stack is given the top one
# (in-kernel: at once, nothing told)
udev_rule off
dmsetup create bsbase --table "0 4096 linear /dev/$thin 2048" &&
	dmsetup create bstop --table "0 2048 linear /dev/mapper/bsbase 1024" ||
	ktap_test_fail "dmsetup create bsbase, bstop"
udevadm settle
dd if=/dev/urandom of=/dev/mapper/bstop bs=4k count=2 seek=64 oflag=direct status=none
[ -z "$stack" ] ||	# in-kernel: nothing to tell
	ktap_test_result "blkseek-stack given the top device only exits 0" tell /dev/mapper/bstop
dm_truth bstop > "$work/top.truth"
lsmap /dev/mapper/bstop > "$work/top.map"
same "the top device told alone answers exactly" "$work/top.truth" "$work/top.map"
dmsetup remove bstop; dmsetup remove bsbase
udev_rule on

step 4
# a table swap of one LV marks only that LV's mapping stale: its
# neighbour answers exactly at once, before udev has told anything
udevadm settle
stale0=$(stat stacked_stale)
udevadm control --stop-exec-queue
dmsetup table bsvg-fs > "$work/fs.table"
dmsetup --noudevsync suspend bsvg-fs && dmsetup --noudevsync load bsvg-fs "$work/fs.table" &&
	dmsetup --noudevsync resume bsvg-fs
lsmap "$lv" > "$work/lv.map3"
[ -z "$stale0" ] || check_eq "mappings marked stale by a table swap of the neighbour" 1 \
	$(($(stat stacked_stale) - stale0))
udevadm control --start-exec-queue
udevadm settle
same "LV answered exactly while its neighbour's table was swapped" "$work/lv.truth" "$work/lv.map3"

step 5
printf 'label: dos\nstart=2048, size=16384\nstart=20480\n' | sfdisk -q "$lv" 2>/dev/null
kpartx -a "$lv" && udevadm settle
part=/dev/mapper/bsvg-lv1
[ -b "$part" ] || part=/dev/mapper/bsvg-lvp1
dm_truth "$(basename "$part")" > "$work/part.truth"
lsmap "$part" > "$work/part.map"
same "kpartx partition of the LV" "$work/part.truth" "$work/part.map"
ktap_test_result "the partition's truth is the LV's cut" \
	cmp -s "$work/part.truth" <(cut $((2048 * 512)) $((16384 * 512)) 0 < "$work/lv.truth" | merge)

# 2. loop: sparse files on tmpfs, ext4 and xfs (offset 1 MiB, size limit
# 8 MiB), and over a partition of a thin disk
step 6
loop_check() {	# loop_check WHAT FILE
	local l
	l=$(loop_attach -o 1048576 --sizelimit 8388608 "$2") || { ktap_test_fail "losetup over $1"; return; }
	udevadm settle
	"$map" --lseek "$2" | awk '$1 ~ /^[0-9]+$/ && NF >= 3 { print $1, $2, $3 }' |
		cut 1048576 8388608 0 | merge > "$work/loop.truth"
	lsmap "$l" > "$work/loop.map"
	same "loop over a sparse file on $1" "$work/loop.truth" "$work/loop.map"
	losetup -d "$l"
}
sparse() {	# sparse FILE [SPOTS]: 16 MiB with data at a few 256 KiB spots
	truncate -s 16m "$1"
	for s in ${2:-3 9 14 20 33 41 50}; do
		dd if=/dev/urandom of="$1" bs=256k count=1 seek=$s conv=notrunc status=none
	done
	sync "$1"
}
mkdir -p "$work/mnt-tmp" "$work/mnt-ext4" "$work/mnt-xfs"
mount -t tmpfs none "$work/mnt-tmp"
sparse "$work/mnt-tmp/f"
loop_check tmpfs "$work/mnt-tmp/f"

step 7
# a loop's backing file changed (LOOP_CHANGE_FD) and then its offset
# (LOOP_SET_STATUS64), data of the new file where the old one has holes:
# at once, before udev has run, no hole over the new data; once udev has
# run, the new file's map
fmap() {	# fmap FILE FROM: FILE's map from byte FROM, as the loop shows it
	"$map" --lseek "$1" | awk '$1 ~ /^[0-9]+$/ && NF >= 3 { print $1, $2, $3 }' |
		cut "$2" $((16 << 20)) 0 | merge
}
no_hole_over() {	# no_hole_over WHAT TRUTH MAP
	if awk 'BEGIN { n = 0 }
		NR == FNR { if ($3 == "data") { s[n] = $1; e[n] = $1 + $2; n++ }; next }
		$3 == "hole" { for (i = 0; i < n; i++) if ($1 < e[i] && s[i] < $1 + $2) bad = 1 }
		END { exit bad }' "$2" "$3"; then
		ktap_test_pass "$1: no hole over data"
	else
		echo "# $1: a hole over data; data, then the map:"
		awk '$3 == "data" { printf "%s+%s ", $1, $2 } END { print "" }' "$2" | sed 's/^/#   /'
		awk '{ printf "%s+%s:%s ", $1, $2, $3 } END { print "" }' "$3" | sed 's/^/#   /'
		stats stacked_mappings stacked_stale stacked_redone
		ktap_test_fail "$1: no hole over data"
	fi
}
sparse "$work/mnt-tmp/a" "3 9 14 20 33 41 50"
sparse "$work/mnt-tmp/b" "5 11 17 26 37 45 55 60"
l=$(loop_attach -r "$work/mnt-tmp/a")
fmap "$work/mnt-tmp/a" 0 > "$work/a.truth"
fmap "$work/mnt-tmp/b" 0 > "$work/b.truth"
fmap "$work/mnt-tmp/b" $((1 << 20)) > "$work/b1.truth"
lsmap "$l" > "$work/la.map"
same "read-only loop over a file" "$work/a.truth" "$work/la.map"
python3 - "$l" "$work/mnt-tmp/b" <<'PY'
import fcntl, os, sys
LOOP_CHANGE_FD = 0x4C06
fcntl.ioctl(os.open(sys.argv[1], os.O_RDONLY), LOOP_CHANGE_FD, os.open(sys.argv[2], os.O_RDONLY))
PY
lsmap "$l" > "$work/lb.now"
no_hole_over "LOOP_CHANGE_FD, at once" "$work/b.truth" "$work/lb.now"
udevadm settle; tell "$l"
lsmap "$l" > "$work/lb.map"
same "LOOP_CHANGE_FD, told again" "$work/b.truth" "$work/lb.map"
python3 - "$l" <<'PY'
import fcntl, os, struct, sys
LOOP_SET_STATUS64, LOOP_GET_STATUS64 = 0x4C04, 0x4C05
fd = os.open(sys.argv[1], os.O_RDONLY)
info = bytearray(fcntl.ioctl(fd, LOOP_GET_STATUS64, bytes(232)))
struct.pack_into("Q", info, 24, 1 << 20)	# lo_offset
fcntl.ioctl(fd, LOOP_SET_STATUS64, bytes(info))
PY
lsmap "$l" > "$work/lo.now"
no_hole_over "LOOP_SET_STATUS64 offset, at once" "$work/b1.truth" "$work/lo.now"
udevadm settle; tell "$l"
lsmap "$l" > "$work/lo.map"
same "LOOP_SET_STATUS64 offset, told again" "$work/b1.truth" "$work/lo.map"
losetup -d "$l"
step 8
# a file system that cannot be made or mounted fails the scenario: its
# loop check would not run
if mkfs.ext4 -q /dev/mapper/bsvg-fs && mount /dev/mapper/bsvg-fs "$work/mnt-ext4"; then
	sparse "$work/mnt-ext4/f"
	loop_check ext4 "$work/mnt-ext4/f"
else
	ktap_test_fail "ext4 on the LV made and mounted"
fi
truncate -s 320m "$work/mnt-tmp/xfs.img"
xl=$(loop_attach "$work/mnt-tmp/xfs.img")
if mkfs.xfs -q "$xl" && mount "$xl" "$work/mnt-xfs"; then
	sparse "$work/mnt-xfs/f"
	loop_check xfs "$work/mnt-xfs/f"
else
	ktap_test_fail "xfs on $xl made and mounted"
fi

step 9
printf 'label: dos\nstart=2048, size=16384\nstart=20480\n' | sfdisk -q "/dev/$thin"
udevadm settle
scatter "/dev/$thin" 3
l=$(loop_attach "/dev/${thin}1")
udevadm settle
truth "$thin" | cut $((2048 * 512)) $((16384 * 512)) 0 | merge > "$work/lp.truth"
lsmap "$l" > "$work/lp.map"
same "loop over a partition of a thin disk" "$work/lp.truth" "$work/lp.map"
losetup -d "$l"

# 3. dm-crypt over a thin disk: stock answer
step 10
head -c 32 /dev/urandom > "$work/key"
cryptsetup open --type plain --cipher aes-xts-plain64 --key-size 256 \
	--key-file "$work/key" "/dev/${thin}2" bscrypt
udevadm settle
if [ "$inkernel" != 1 ]; then
	"$map" --lseek -q /dev/mapper/bscrypt
	ktap_test_result "dm-crypt keeps the stock answer (EINVAL: blkseek-map exits 3)" [ $? = 3 ]
else
	# the series answers for every dm device: a target without the
	# method (crypt) is data, never EINVAL (as upstream_stack.sh's
	# dm-zero); its answer here is the whole device as one data run
	echo "0 $(blockdev --getsize64 /dev/mapper/bscrypt) data" > "$work/crypt.truth"
	lsmap /dev/mapper/bscrypt > "$work/crypt.map"
	same "dm-crypt: all data in-kernel (a target without the method)" \
		"$work/crypt.truth" "$work/crypt.map"
fi

# 4. table reloads move the LV's first segment between two disks, its old
# place discarded each time, and swap its neighbour's table, while seekers
# check every answer against the LV's data: never a hole over data
step 11
umount "$work/mnt-ext4"
dm_truth bsvg-lv > "$work/lv.now"
read -r _ seglen _ dev0 off0 < <(dmsetup table bsvg-lv | head -1)
read -r _ _ _ _ off2 < <(dmsetup table bsvg-lv | tail -1)
cur=$dev0 curoff=$off0 other=$(cat "/sys/block/$pv2/dev") otheroff=$((off2 + seglen + 2048))
blkdiscard -f -o $((otheroff * 512)) -l $((seglen * 512)) "/dev/$pv2" 2>/dev/null
stop=$work/stop
python3 "$here/blkseek_seek.py" seekers "$lv" "$work/lv.now" 10000 "$stop" > "$work/seek.out" &
seeker=$!
moves=0
nmoves=${BLKSEEK_STACK_MOVES:-5}
forwarded=0
while [ $moves -lt "$nmoves" ] || ! grep -q '^done' "$work/seek.out"; do
	kill -0 $seeker 2>/dev/null || break
	from=/dev/block/$cur to=/dev/block/$other
	dd if="$from" of="$to" bs=64k iflag=direct,skip_bytes oflag=direct,seek_bytes conv=sparse,notrunc \
		skip=$((curoff * 512)) seek=$((otheroff * 512)) count=$((seglen / 128)) status=none
	{ echo "0 $seglen linear $other $otheroff"; dmsetup table bsvg-lv | tail -n +2; } > "$work/table"
	dmsetup suspend bsvg-lv && dmsetup load bsvg-lv "$work/table" && dmsetup resume bsvg-lv ||
		{ ktap_test_fail "reload of bsvg-lv"; break; }
	# and the neighbour's table swapped under the seekers too
	dmsetup suspend bsvg-fs && dmsetup load bsvg-fs "$work/fs.table" && dmsetup resume bsvg-fs ||
		{ ktap_test_fail "reload of the neighbour bsvg-fs"; break; }
	blkdiscard -f -o $((curoff * 512)) -l $((seglen * 512)) "$from" 2>/dev/null
	t=$cur; cur=$other; other=$t
	t=$curoff; curoff=$otheroff; otheroff=$t
	moves=$((moves + 1))
	udevadm settle
	# udev has told blkseek the new table: answered again
	lsmap "$lv" | grep -q hole && forwarded=$((forwarded + 1))
done
touch "$stop"
wait $seeker
rc=$?
sed 's/^/# /' "$work/seek.out"
echo "# $moves table reloads, answered after $forwarded of them"
[ $rc = 0 ] && [ $moves -ge "$nmoves" ]
ktap_test_result "no hole over data while tables were reloaded ($moves of $nmoves reloads)" [ $? = 0 ]
lsmap "$lv" > "$work/lv.after"
dm_truth bsvg-lv > "$work/lv.after.truth"
same "LV after the moves: map equals the composed truth" "$work/lv.after.truth" "$work/lv.after"
stats stacked_mappings stacked_stale stacked_redone

# 5. nbdcopy from the LV reads only the 256 KiB pieces holding data
step 12
nbdcopy_check "LV" "$lv" "$work/lv.after.truth"

# 6. blkseek disabled, unloaded and loaded again with mappings set; udev
# sets them again when /dev/blkseek appears
if ! step 13; then
	:	# skipped
elif [ -z "${BLKSEEK_KO:-}" ] || [ ! -f "$BLKSEEK_KO" ]; then
	skip "no BLKSEEK_KO to load again"
else
	ktap_test_result "unloaded with mappings set" blkseek_unload
	ktap_test_result "loaded again" blkseek_load
	udevadm settle
	lsmap "$lv" > "$work/lv.reload"
	same "LV answered again after insmod (udev)" "$work/lv.after.truth" "$work/lv.reload"
fi

# 7. every mapping released once the devices are gone
cryptsetup close bscrypt
kpartx -d "$lv"
dmsetup remove_all
umount "$work/mnt-xfs"
losetup -D
udevadm settle
if step 14; then
	check_eq "mappings left after the devices are gone" 0 "$(stat stacked_mappings)"
fi

# 8. multipath-tools over two scsi_debug hosts sharing one store: two
# paths of one LUN, one LU identity (vpd_use_hostno=0, with which
# scsi_debug also reports ALUA port groups, a state by host number).
# multipath is told to group by the model, which only they share.
step 15
sdebug 2 vpd_use_hostno=0
mkdir -p /etc/multipath
mount -t tmpfs none /etc/multipath
mkdir -p /etc/multipath/conf.d
cat > /etc/multipath/conf.d/blkseek.conf <<'CONF'
defaults {
	find_multipaths no
	user_friendly_names no
}
blacklist {
	device {
		vendor ".*"
		product ".*"
	}
}
blacklist_exceptions {
	device {
		vendor "Linux"
		product "scsi_debug"
	}
}
devices {
	device {
		vendor "Linux"
		product "scsi_debug"
		uid_attribute "ID_MODEL"
		path_grouping_policy multibus
	}
}
multipaths {
	multipath {
		wwid "scsi_debug"
		alias "bsmpath"
	}
}
CONF
multipath -r > /dev/null 2>&1
udevadm settle
mp=/dev/mapper/bsmpath
if [ -b $mp ]; then
	echo "# multipath: $(dmsetup table bsmpath)"
	scatter "$mp" 2
	udevadm settle
	truth "${disks[0]}" > "$work/mp.truth"
	lsmap $mp > "$work/mp.map"
	same "multipath: map equals the LUN's" "$work/mp.truth" "$work/mp.map"
	# a path taken offline and back while seekers run (1000 answers, all
	# asked of the disks: no table changes here)
	rm -f "$stop"
	python3 "$here/blkseek_seek.py" seekers $mp "$work/mp.truth" 1000 "$stop" > "$work/seek.out" &
	seeker=$!
	for _ in 1 2 3; do
		sleep 1
		echo offline > "/sys/block/${disks[0]}/device/state"
		sleep 1
		echo running > "/sys/block/${disks[0]}/device/state"
	done
	for _ in $(seq 600); do grep -q '^done' "$work/seek.out" && break; sleep 0.5; done
	touch "$stop"
	wait $seeker
	rc=$?
	sed 's/^/# /' "$work/seek.out"
	ktap_test_result "multipath: no hole over data with a path going offline" [ $rc = 0 ]
	echo offline > "/sys/block/${disks[0]}/device/state"
	if [ "$inkernel" = 1 ]; then
		# dm-mpath asks the path I/O would take: until dm fails the
		# offline path, that may be it, and its answer is data
		lsmap $mp > "$work/mp-off.now"
		echo "# offline path not failed in dm: $(grep -c hole "$work/mp-off.now") holes, $(grep -c data "$work/mp-off.now") data runs"
		no_hole_over "multipath with the first path offline, not failed in dm" \
			"$work/mp.truth" "$work/mp-off.now"
		mpdev=$(cat "/sys/block/${disks[0]}/dev")
		ktap_test_result "multipath: the offline path failed in dm (as multipathd does)" \
			dmsetup message bsmpath 0 fail_path "$mpdev"
	fi
	lsmap $mp > "$work/mp-off.map"
	# scsi_debug with one LU identity emulates ALUA (port group state by
	# host number): the other path may be a standby one that dm has
	# failed, never asked; then nothing is left to ask and the map is
	# all data
	other=$(cat "/sys/block/${disks[1]}/dev")
	echo "# multipath status: $(dmsetup status bsmpath)"
	if dmsetup status bsmpath | grep -q " $other A "; then
		same "multipath with the first path offline: asked through the other" \
			"$work/mp.truth" "$work/mp-off.map"
	else
		ktap_test_result "multipath with the first path offline and the other failed in dm: all data" \
			[ "$(cat "$work/mp-off.map")" = "0 $(blockdev --getsize64 $mp) data" ]
	fi
	echo running > "/sys/block/${disks[0]}/device/state"
	if [ "$inkernel" = 1 ]; then
		ktap_test_result "multipath: the path reinstated in dm" \
			dmsetup message bsmpath 0 reinstate_path "$mpdev"
	fi
	nbdcopy_check "multipath" $mp "$work/mp.truth"

	# an LV on the multipath map
	lvm=(--devices "$mp")
	lvm pvcreate -q "${lvm[@]}" $mp > /dev/null &&
	lvm vgcreate -q "${lvm[@]}" bsmpvg $mp > /dev/null &&
	lvm lvcreate -q "${lvm[@]}" -n lv -L 16m bsmpvg > /dev/null
	udevadm settle
	dm_truth bsmpvg-lv > "$work/mplv.truth"
	lsmap /dev/mapper/bsmpvg-lv > "$work/mplv.map"
	same "LV on the multipath map" "$work/mplv.truth" "$work/mplv.map"
	dmsetup remove bsmpvg-lv
else
	ktap_test_fail "multipath made a map of the two paths"
fi
multipath -F > /dev/null 2>&1
dmsetup remove_all
umount /etc/multipath

# 9. a busy LVM host: many LVs on one VG (BLKSEEK_STACK_LVS, 30; make
# soak 200; 0 skips the step, as make check's 6.12 subset does: creating
# them takes about 1.5 s each under TCG).  While one more LV is created,
# extended and removed again and again (BLKSEEK_STACK_CHURN times, 3),
# the others keep exact answers (a walk that differs from the truth is an
# answer fallen back to data), and nbdcopy of one of them reads its floor.
nlv=${BLKSEEK_STACK_LVS:-30}
step 16
if [ "$nlv" -le 0 ]; then
	skip "BLKSEEK_STACK_LVS=0"
	ktap_finished
fi
sdebug_reload dev_size_mb=$((nlv + 40)) lbpu=1 lbprz=1 unmap_granularity=8
pv=/dev/${disks[0]}
lvm=(--devices "$pv")
lvm pvcreate -q "${lvm[@]}" "$pv" > /dev/null &&
lvm vgcreate -q -s 256k "${lvm[@]}" bsmany "$pv" > /dev/null ||
	{ echo "# lvm setup of bsmany failed"; exit 1; }
t0=$SECONDS
for i in $(seq "$nlv"); do
	lvm lvcreate -q -Zn -Wn "${lvm[@]}" -n "lv$i" -L 1m bsmany > /dev/null ||
		{ ktap_test_fail "lvcreate lv$i"; break; }
done
udevadm settle
echo "# $nlv LVs created in $((SECONDS - t0)) s"
stats stacked_mappings
# telling one LV costs what its own stack costs, not a look at every dm
# disk (the module lists the stale ones): the device nodes blkseek-stack
# opens, telling one LV and telling every device
if [ -n "$stack" ]; then
	opens() {	# opens CMD...: device nodes CMD opens
		strace -f -e trace=openat -o "$work/strace" "$@" > /dev/null 2>&1
		grep -c '"/dev/' "$work/strace"
	}
	if command -v strace > /dev/null; then
		one=$(opens "$stack" /dev/mapper/bsmany-lv1)
		all=$(opens "$stack")
		echo "# blkseek-stack of one LV of $nlv opens $one device nodes; of every device, $all"
		[ "$one" -le 5 ] && [ $((one * 10)) -le "$all" ]
		ktap_test_result "telling one LV opens at most 5 device nodes, a tenth of every device's ($one, $all)" \
			[ $? = 0 ]
	else
		ktap_test_fail "strace to count what telling one LV opens"
	fi
fi
for i in $(seq "$nlv"); do
	dd if=/dev/urandom of="/dev/mapper/bsmany-lv$i" bs=4k count=2 seek=$((i * 7 % 254)) \
		oflag=direct status=none
done
gls_truth "$pv" > "$work/many.disk"
truth() { cat "$work/many.disk"; }	# the one disk's truth, read once
sampled=()
for i in $(seq 1 $(((nlv + 19) / 20)) "$nlv"); do	# about 20 of them
	sampled+=("$i")
	dm_truth "bsmany-lv$i" > "$work/many.$i.truth"
done
walk_sampled() {	# walk_sampled: how many sampled LVs answer exactly
	local i n=0
	for i in "${sampled[@]}"; do
		lsmap "/dev/mapper/bsmany-lv$i" | cmp -s - "$work/many.$i.truth" && n=$((n + 1))
	done
	echo $n
}
check_eq "sampled LVs answering exactly, all told" ${#sampled[@]} "$(walk_sampled)"
redone0=$(stat stacked_redone) stale0=$(stat stacked_stale)
churn() {	# churn: one more LV created, extended and removed, again and
		# again, in the background; $work/churn.done once finished
	rm -f "$work/churn.done"
	(
		for _ in $(seq "${BLKSEEK_STACK_CHURN:-3}"); do
			lvm lvcreate -q -Zn -Wn "${lvm[@]}" -n extra -L 1m bsmany > /dev/null &&
			lvm lvextend -q "${lvm[@]}" -L +1m bsmany/extra > /dev/null &&
			lvm lvremove -q -f "${lvm[@]}" bsmany/extra > /dev/null ||
				echo "# churn: an lvm command failed"
		done
		touch "$work/churn.done"
	) &
	churner=$!
}
churn
walks=0 exact=0
while [ ! -e "$work/churn.done" ] || [ $walks = 0 ]; do
	walks=$((walks + ${#sampled[@]}))
	exact=$((exact + $(walk_sampled)))
done
wait $churner
dm_truth bsmany-lv7 > "$work/many.7.truth"
churn
nbdcopy_check "an LV while a neighbour changes" /dev/mapper/bsmany-lv7 "$work/many.7.truth"
wait $churner
echo "# while one LV changed: $walks walks of the others, $exact exact"
[ -z "$stale0" ] ||
	echo "# stacked_stale +$(($(stat stacked_stale) - stale0)), stacked_redone +$(($(stat stacked_redone) - redone0))"
check_eq "walks of the other LVs that fell back to data while one changed" 0 $((walks - exact))
udevadm settle
check_eq "sampled LVs answering exactly after the changes" ${#sampled[@]} "$(walk_sampled)"
lvm vgremove -q -f "${lvm[@]}" bsmany > /dev/null
ktap_finished
