#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stacked devices on three scsi_debug disks of their own stores, set up
# as users do and told to blkseek the way udev does
# (blkseek_stack_lib.sh):
#  - an LVM LV of two segments on two disks, and a kpartx partition of it
#    (dm-linear over dm-linear);
#  - loop over sparse files on tmpfs, ext4 and xfs, with offset and size
#    limit, a backing file cut short under its loop, and loop over a
#    partition of a thin disk; a write held dirty in the page cache of
#    the device a loop writes to is data;
#  - dm-crypt over a thin disk: the stock answer (EINVAL);
#  - table reloads moving the LV's first segment between two disks (its
#    old place discarded) under seekers: never a hole over data;
#  - nbdcopy from the LV reads its floor;
#  - the control plane: bad mappings refused, the top of two dm devices
#    told alone, blkseek unloaded and loaded again with mappings set,
#    every mapping released at the end.
# BLKSEEK_INKERNEL=1: scenarios 2, 13 and 14, only the control plane,
# are skipped; dm-crypt is all data (dm answers for every device, a
# target without the method is data), not EINVAL, by the series' design.
here=$(cd "$(dirname "$0")" && pwd)
scenarios=(
	"LVM: an LV of two segments on two disks"
	"bad mappings, cycles and chains refused; their devices removable"
	"the top of two dm devices told alone"
	"a neighbour's table swap leaves an LV exact"
	"kpartx: a partition of the LV"
	"loop over a sparse file on tmpfs"
	"loop: backing file and offset changed, file cut short"
	"loop over sparse files on ext4 and xfs"
	"loop over a partition of a thin disk; writes held in its cache"
	"dm-crypt keeps the stock answer"
	"table reloads under seekers: never a hole over data"
	"nbdcopy from the LV reads its floor"
	"blkseek unloaded and loaded with mappings set"
	"every mapping released once the devices are gone"
)
inkernel_skip=(2 13 14)	# the module's control plane only
# shellcheck source=blkseek_stack_lib.sh
. "$here/blkseek_stack_lib.sh"
[ "$inkernel" != 1 ] ||	# the answer the series gives by design
	scenarios[9]="dm-crypt is all data (a dm target without the method)"
sdebug 3 per_host_store=1
pv1=${disks[0]} pv2=${disks[1]} thin=${disks[2]}
echo "# PVs $pv1 $pv2, thin disk $thin"

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
# a backing file cut short under its loop: data past its end, where a read
# fails (6.12, 7.3) or is filled with zeroes (6.1) (shrunk_loop_checks,
# blkseek_lib.sh)
truncate -s 8m "$work/mnt-tmp/c"
dd if=/dev/urandom of="$work/mnt-tmp/c" bs=1M count=1 conv=notrunc status=none
l=$(loop_attach "$work/mnt-tmp/c")
udevadm settle; tell "$l"
truncate -s 4m "$work/mnt-tmp/c"
shrunk_loop_checks "$l"
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
# a write held dirty in the page cache of the device a loop writes to (the
# partition, the disk) is data, through that loop, one over the whole disk
# and dm-linear over the latter (dirty_case, blkseek_lib.sh: buffered and
# O_DIRECT, writeback held off); every write into [4, 26) MiB of the disk,
# discarded first
blkdiscard -o $((4 << 20)) -l $((22 << 20)) "/dev/$thin"
ld=$(loop_attach "/dev/$thin")
dmsetup create bsdirty --table "0 65536 linear $ld 0"
udevadm settle; tell "$ld"; tell /dev/mapper/bsdirty
dirty_hold on
dirty_case "loop over the partition" "$l" $((4 << 20)) buffered
dirty_case "loop over the partition" "$l" $((7 << 20)) direct
dirty_case "loop over the disk" "$ld" $((12 << 20)) buffered
dirty_case "loop over the disk" "$ld" $((16 << 20)) direct
dirty_case "dm-linear over a loop over the disk" /dev/mapper/bsdirty $((21 << 20)) buffered
dirty_case "dm-linear over a loop over the disk" /dev/mapper/bsdirty $((25 << 20)) direct
dirty_hold off
udevadm settle
dmsetup remove --retry bsdirty
losetup -d "$ld"
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
ktap_finished
