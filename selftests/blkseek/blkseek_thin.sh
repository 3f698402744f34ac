#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# LVM thin volumes (dm-thin), told by blkseek-stack as udev would: a thin
# pool made by lvm2 on a scsi_debug disk, thin volumes written at aligned
# and unaligned spots, then:
#  - the map walked by SEEK_DATA/SEEK_HOLE equals the truth from thin_dump
#    of the quiesced pool, and every hole reads zeroes;
#  - writes after the tell (no new tell) are data at once: the tracker;
#  - a thin snapshot (shared blocks) answers its own map; writes to its
#    origin do not change it;
#  - lvextend (a table swap) makes the volume all data until told again;
#  - a writer provisioning blocks under seekers: never a hole over data
#    (no hole where a write completed before the lseek began);
#  - a whole-block write in flight when the tracker is armed (its data
#    write held back by dm-delay below the pool): the drain waits for it
#    (the proof's third case); told without the drain, it is missed.
# Documentation/blkseek.rst, "Thin volumes (dm-thin)".  One KTAP result
# per check (ktap_helpers.sh).
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=ktap_helpers.sh
. "$here/ktap_helpers.sh"
stack=${BLKSEEK_REPO:-}/tools/blkseek-stack
seek=$here/blkseek_seek.py

[ -x "$stack" ] || { echo "# no $stack (BLKSEEK_REPO unset?)"; exit $KSFT_SKIP; }
command -v thin_dump > /dev/null || { echo "# no thin_dump (thin-provisioning-tools)"; exit $KSFT_SKIP; }
modprobe dm-thin-pool 2> /dev/null || { echo "# no dm-thin-pool"; exit $KSFT_SKIP; }

# shellcheck source=blkseek_lib.sh
. "$here/blkseek_lib.sh"
sdebug_reload dev_size_mb=128 add_host=2 per_host_store=1
[ ${#disks[@]} -ge 2 ] || { echo "# need two scsi_debug disks"; exit $KSFT_SKIP; }
export LVM_SUPPRESS_FD_WARNINGS=1
ktap_print_header
work=$(mktemp -d)
vg=bsthin
lvm=(--devices "$dev")
slowlvm=(--devices /dev/mapper/bsdelay --devices /dev/mapper/bsfast)
cleanup() {
	lvm vgremove -qq -ff "${lvm[@]}" $vg > /dev/null 2>&1
	lvm vgremove -qq -ff "${slowlvm[@]}" bsslow > /dev/null 2>&1
	dmsetup remove bsdelay 2> /dev/null
	dmsetup remove bsfast 2> /dev/null
	[ -n "${holder:-}" ] && kill "$holder" 2> /dev/null
	rm -f /run/udev/rules.d/90-blkseek-stack.rules
	udevadm control --reload 2> /dev/null
	rm -rf "$work"
}
trap cleanup EXIT

lvm pvcreate -qq "${lvm[@]}" "$dev" > /dev/null &&
lvm vgcreate -qq "${lvm[@]}" $vg "$dev" > /dev/null &&
lvm lvcreate -qq "${lvm[@]}" --type thin-pool -L 80m -c 64k -n pool $vg > /dev/null &&
lvm lvcreate -qq "${lvm[@]}" -V 96m -T $vg/pool -n t1 > /dev/null ||
	ktap_exit_fail_msg "lvm thin setup"
udevadm settle 2> /dev/null
t1=/dev/mapper/$vg-t1
bs=65536

walk() { python3 "$seek" walk "$1"; }
devid() { dmsetup table "$1" | awk '$3 == "thin" { print $5 }'; }
# truth NAME: the byte map of thin volume NAME from thin_dump of a
# metadata snapshot, the pool quiesced by the caller (no writes running)
truth() {
	local id size pool tp meta
	id=$(devid "$1")
	size=$(blockdev --getsize64 "/dev/mapper/$1")
	pool=$(dmsetup table "$1" | awk '{ print $4 }')
	tp=$(cat "/sys/dev/block/$pool/dm/name")
	meta=$(dmsetup table "$tp" | awk '{ print $4 }')
	meta=/dev/$(sed -n 's/^DEVNAME=//p' "/sys/dev/block/$meta/uevent")
	dmsetup message "$tp" 0 reserve_metadata_snap || return 1
	thin_dump --metadata-snap --dev-id "$id" "$meta" > "$work/dump.xml"
	dmsetup message "$tp" 0 release_metadata_snap
	python3 - "$work/dump.xml" "$size" <<'PY'
import re, sys
xml, size = open(sys.argv[1]).read(), int(sys.argv[2])
bs = int(re.search(r'data_block_size="(\d+)"', xml).group(1)) * 512
m = []
for a, b in re.findall(r'<range_mapping origin_begin="(\d+)" data_begin="\d+" length="(\d+)"', xml):
    m.append((int(a), int(b)))
for a in re.findall(r'<single_mapping origin_block="(\d+)"', xml):
    m.append((int(a), 1))
m.sort()
out, pos = [], 0
def add(o, n, k):
    if n <= 0:
        return
    if out and out[-1][2] == k and out[-1][0] + out[-1][1] == o:
        out[-1][1] += n
    else:
        out.append([o, n, k])
for b, n in m:
    s, e = b * bs, min((b + n) * bs, size)
    add(pos, s - pos, "hole")
    add(s, e - s, "data")
    pos = e
add(pos, size - pos, "hole")
for o, n, k in out:
    print(o, n, k)
PY
}
# zero_holes DEV MAP: every hole of MAP reads zeroes on DEV
zero_holes() {
	python3 - "$1" "$2" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECT)
import mmap
buf = mmap.mmap(-1, 1 << 20)
bad = 0
for line in open(sys.argv[2]):
    o, n, k = line.split()
    o, n = int(o), int(n)
    if k != "hole":
        continue
    while n > 0:
        c = min(n, 1 << 20)
        got = os.preadv(fd, [memoryview(buf)[:c]], o)
        if buf[:got].count(0) != got:
            bad += 1
            print("# nonzero in hole at", o)
            break
        o += c
        n -= c
sys.exit(1 if bad else 0)
PY
}
same() {	# same WHAT EXPECTED ACTUAL
	if [ -s "$2" ] && diff "$2" "$3" > "$work/diff"; then
		echo "# $1: $(grep -c hole "$3") holes, $(grep -c data "$3") data runs"
		return 0
	fi
	echo "# $1 differs:"; sed 's/^/#   /' "$work/diff" | head -20
	return 1
}
# covers MAP OFF LEN: [OFF, OFF+LEN) lies in data runs of MAP
covers() {
	awk -v o="$2" -v l="$3" '$3 == "data" && $1 <= o && o + l <= $1 + $2 { f = 1 }
		END { exit !f }' "$1"
}

# 1. writes at aligned and unaligned spots, then the tell
for b in 0 1 2 7 100 101 500 1535; do
	dd if=/dev/urandom of="$t1" bs=$bs count=1 seek=$b oflag=direct status=none
done
dd if=/dev/urandom of="$t1" bs=4096 count=1 seek=$((300 * 16 + 3)) oflag=direct status=none
dd if=/dev/urandom of="$t1" bs=512 count=3 seek=$((900 * 128 + 127)) oflag=direct status=none
sync
out=$("$stack" -v "$t1" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
ktap_test_result "blkseek-stack tells the thin volume (exit $rc)" [ "$rc" = 0 ]
walk "$t1" > "$work/t1.map"
truth $vg-t1 > "$work/t1.truth"
ktap_test_result "map equals thin_dump's truth" same "t1" "$work/t1.truth" "$work/t1.map"
ktap_test_result "holes read zeroes" zero_holes "$t1" "$work/t1.map"
ktap_test_result "the volume has holes ($(grep -c hole "$work/t1.map") runs)" \
	[ "$(grep -c hole "$work/t1.map")" -ge 5 ]

# 2. writes after the tell, no new tell: data at once (the tracker)
for b in 50 51 1200; do
	dd if=/dev/urandom of="$t1" bs=$bs count=1 seek=$b oflag=direct status=none
done
dd if=/dev/urandom of="$t1" bs=512 count=1 seek=$((1400 * 128 + 5)) oflag=direct status=none
walk "$t1" > "$work/t1.map2"
ok=1
for r in "$((50 * bs)) $((2 * bs))" "$((1200 * bs)) $bs" "$((1400 * bs + 2560)) 512"; do
	# shellcheck disable=SC2086
	covers "$work/t1.map2" $r || { echo "# not data: $r"; ok=0; }
done
ktap_test_result "writes after the tell are data without a new tell" [ $ok = 1 ]
ktap_test_result "holes read zeroes after the writes" zero_holes "$t1" "$work/t1.map2"
truth $vg-t1 > "$work/t1.truth2"
ktap_test_result "the tracker marks only what was written (map equals the truth)" \
	same "t1 after writes" "$work/t1.truth2" "$work/t1.map2"

# 3. a thin snapshot: shared blocks, its own map; the origin's writes do
# not change it
lvm lvcreate -qq "${lvm[@]}" -s $vg/t1 -n s1 -kn > /dev/null &&
	lvm lvchange -qq "${lvm[@]}" -ay $vg/s1 > /dev/null
udevadm settle 2> /dev/null
s1=/dev/mapper/$vg-s1
if [ -b "$s1" ]; then
	"$stack" "$s1" 2>&1 | sed 's/^/# /'
	walk "$s1" > "$work/s1.map"
	truth $vg-s1 > "$work/s1.truth"
	ktap_test_result "snapshot: map equals the truth" same "s1" "$work/s1.truth" "$work/s1.map"
	dd if=/dev/urandom of="$t1" bs=$bs count=4 seek=700 oflag=direct status=none
	walk "$s1" > "$work/s1.map2"
	ktap_test_result "snapshot: writes to its origin leave it as it was" \
		same "s1 after origin writes" "$work/s1.map" "$work/s1.map2"
	"$stack" "$t1" > /dev/null 2>&1
	walk "$t1" > "$work/t1.map3"
	truth $vg-t1 > "$work/t1.truth3"
	ktap_test_result "origin told again after breaking sharing: map equals the truth" \
		same "t1 after snapshot" "$work/t1.truth3" "$work/t1.map3"
else
	ktap_test_skip "snapshot: map equals the truth (no snapshot)"
	ktap_test_skip "snapshot: writes to its origin leave it as it was"
	ktap_test_skip "origin told again after breaking sharing"
fi

# 4. lvextend: a table swap makes it all data until it is told again
lvm lvextend -qq "${lvm[@]}" -L +32m $vg/t1 > /dev/null
walk "$t1" > "$work/t1.ext"
size=$(blockdev --getsize64 "$t1")
ktap_test_result "after lvextend (no tell): all data" \
	[ "$(cat "$work/t1.ext")" = "0 $size data" ]
"$stack" "$t1" > /dev/null 2>&1
walk "$t1" > "$work/t1.ext2"
truth $vg-t1 > "$work/t1.truth4"
ktap_test_result "after lvextend, told again: map equals the truth" \
	same "t1 extended" "$work/t1.truth4" "$work/t1.ext2"

# 4b. bad input to the thin ioctls gets its errno and changes nothing
if [ -b "$s1" ]; then
	touch "$work/regular"
	python3 "$here/blkseek_thin_abi.py" "$s1" "$t1" "/dev/mapper/$vg-pool_tmeta" "$dev" \
		"$work/regular" > "$work/abi.log" 2>&1
	rc=$?
	grep -v '^ok' "$work/abi.log" | sed 's/^/# /'
	echo "# $(grep -c '^ok' "$work/abi.log") ABI checks passed"
	ktap_test_result "thin ioctls: bad input refused with its errno" [ "$rc" = 0 ]
	walk "$t1" > "$work/t1.abi"
	ktap_test_result "thin ioctls: another volume's map intact" \
		same "t1 after ABI" "$work/t1.ext2" "$work/t1.abi"
	"$stack" "$s1" > /dev/null 2>&1
	walk "$s1" > "$work/s1.abi"
	truth $vg-s1 > "$work/s1.truth2"
	ktap_test_result "thin ioctls: the volume told again equals the truth" \
		same "s1 after ABI" "$work/s1.truth2" "$work/s1.abi"
else
	ktap_test_skip "thin ioctls (no snapshot)"
fi

# 4c. LVM's lock on the volume group.  Held by someone else, the tell
# gives up (no suspend, no resume: no change event) and the volume stays
# all data; -w waits for the lock; run by udev (ACTION set), the tell is
# left to a process that waits for it; and the udev rule tells a volume
# lvcreate makes (LVM holds the lock while it waits for udev).
lockf=/run/lock/lvm/V_$vg
mkdir -p /run/lock/lvm
lvm lvcreate -qq "${lvm[@]}" -V 16m -T $vg/pool -n t2 > /dev/null ||
	ktap_exit_fail_msg "lvcreate t2"
udevadm settle 2> /dev/null
t2=/dev/mapper/$vg-t2
t2k=$(basename "$(readlink -f "$t2")")
size2=$(blockdev --getsize64 "$t2")
dd if=/dev/urandom of="$t2" bs=$bs count=2 seek=5 oflag=direct status=none
hold_lock() {	# LVM's lock on $vg held by flock(1) until release_lock
	flock -o -x "$lockf" sleep 120 &
	holder=$!
	for _ in $(seq 50); do
		flock -n "$lockf" true || return 0
		sleep 0.1
	done
	return 1
}
release_lock() { kill "$holder"; wait "$holder" 2> /dev/null; }	# flock -o: the lock is flock(1)'s own, not sleep's
changes() {	# changes CMD...: CMD's output; "# change events: N" of $t2k
	udevadm monitor -k -s block > "$work/uevents" 2>&1 &
	local mon=$! rc
	sleep 0.5
	"$@" 2>&1 | sed 's/^/#   /'
	rc=${PIPESTATUS[0]}
	sleep 0.5
	kill $mon
	wait $mon 2> /dev/null
	nchanges=$(grep -c "change.*/$t2k (block)" "$work/uevents")
	echo "# exit $rc, change events of $t2k: $nchanges"
	return "$rc"
}
changes "$stack" "$t2"
ktap_test_result "told with LVM's lock free: the drain's resume sends a change event" \
	[ "$nchanges" -ge 1 ]
lvm lvextend -qq "${lvm[@]}" -L +16m $vg/t2 > /dev/null	# stale: all data
size2=$(blockdev --getsize64 "$t2")
hold_lock || ktap_exit_fail_msg "flock $lockf"
changes "$stack" "$t2"
rc=$?
walk "$t2" > "$work/t2.busy"
ktap_test_result "LVM's lock held: the tell gives up (exit $rc), no suspend or resume" \
	[ "$rc:$nchanges" = 1:0 ]
ktap_test_result "LVM's lock held: the volume stays all data" \
	[ "$(cat "$work/t2.busy")" = "0 $size2 data" ]
"$stack" -w 60 "$t2" > "$work/wait.log" 2>&1 &
waiter=$!
sleep 2
kill -0 $waiter 2> /dev/null
waiting=$?
release_lock
wait $waiter
rc=$?
sed 's/^/#   /' "$work/wait.log"
walk "$t2" > "$work/t2.map"
truth $vg-t2 > "$work/t2.truth"
ktap_test_result "-w waits for LVM's lock (still waiting after 2 s: $([ $waiting = 0 ] && echo yes || echo no)), then tells (exit $rc)" \
	[ "$waiting:$rc" = 0:0 ]
ktap_test_result "told after waiting: map equals the truth" same "t2" "$work/t2.truth" "$work/t2.map"
lvm lvextend -qq "${lvm[@]}" -L +16m $vg/t2 > /dev/null
size2=$(blockdev --getsize64 "$t2")
hold_lock || ktap_exit_fail_msg "flock $lockf"
ACTION=change "$stack" "$t2" > "$work/defer.log" 2>&1
rc=$?
sed 's/^/#   /' "$work/defer.log"
walk "$t2" > "$work/t2.held"
release_lock
told=no
for _ in $(seq 100); do
	walk "$t2" > "$work/t2.map"
	grep -q hole "$work/t2.map" && { told=yes; break; }
	sleep 0.2
done
truth $vg-t2 > "$work/t2.truth"
ktap_test_result "run by udev with LVM's lock held: exit $rc, all data while held, told once it is free ($told)" \
	[ "$rc:$(cat "$work/t2.held"):$told" = "0:0 $size2 data:yes" ]
ktap_test_result "told once LVM let go: map equals the truth" same "t2 deferred" "$work/t2.truth" "$work/t2.map"
# the package's udev rule and lvcreate, LVM's defaults otherwise
rules=/run/udev/rules.d/90-blkseek-stack.rules
mkdir -p "$(dirname $rules)"
sed "s|@SBINDIR@|$(dirname "$stack")|" \
	"$BLKSEEK_REPO/tools/packaging/udev/90-blkseek-stack.rules" > "$rules"
udevadm control --reload
lvm lvcreate -qq "${lvm[@]}" -V 16m -T $vg/pool -n t3 > /dev/null ||
	ktap_exit_fail_msg "lvcreate t3"
udevadm settle 2> /dev/null
t3=/dev/mapper/$vg-t3
told=no
for _ in $(seq 100); do
	walk "$t3" > "$work/t3.map"
	[ "$(cat "$work/t3.map")" = "0 $(blockdev --getsize64 "$t3") hole" ] && { told=yes; break; }
	sleep 0.2
done
[ $told = yes ] || dmesg | grep blkseek-stack | tail -5 | sed 's/^/#   /'
ktap_test_result "the udev rule tells a thin volume lvcreate makes (told: $told)" [ $told = yes ]
dd if=/dev/urandom of="$t3" bs=$bs count=1 seek=3 oflag=direct status=none
walk "$t3" > "$work/t3.map"
truth $vg-t3 > "$work/t3.truth"
ktap_test_result "the volume udev told: a write is data, map equals the truth" \
	same "t3" "$work/t3.truth" "$work/t3.map"
rm -f "$rules"
udevadm control --reload
lvm lvremove -qq -y "${lvm[@]}" $vg/t2 $vg/t3 > /dev/null

# 5. a writer provisioning blocks under seekers: every hole a seeker is
# given reads zeroes when the writer has written only random data there
python3 - "$t1" "$size" <<'PY' > "$work/race.log"
import os, random, sys, threading, mmap
dev, size = sys.argv[1], int(sys.argv[2])
bs = 65536
stop = threading.Event()
written = set()
lock = threading.Lock()
def writer():
    fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
    buf = mmap.mmap(-1, bs)
    buf.write(os.urandom(bs))
    rnd = random.Random(2)
    for _ in range(600):
        b = rnd.randrange(size // bs)
        os.pwritev(fd, [buf], b * bs)
        with lock:
            written.add(b)
    stop.set()
holes = bad = answers = 0
def seeker():
    global holes, bad, answers
    fd = os.open(dev, os.O_RDONLY)
    rnd = random.Random(3)
    while not stop.is_set():
        b = rnd.randrange(size // bs)
        with lock:
            done = set(written)
        try:
            h = os.lseek(fd, b * bs, os.SEEK_HOLE)
        except OSError:
            continue
        answers += 1
        if h < size and h == b * bs:
            holes += 1
            # a block written before the lseek began must not be a hole
            if b in done:
                bad += 1
t = threading.Thread(target=writer)
t.start()
seeker()
t.join()
print(answers, holes, bad)
PY
read -r answers holes bad < "$work/race.log"
echo "# race: $answers answers, $holes holes, $bad holes over written blocks"
ktap_test_result "race: never a hole over a block written before the lseek" [ "${bad:-1}" = 0 ]
ktap_test_result "race: some answers find holes" [ "${holes:-0}" -gt 0 ]

# 6. a whole-block write in flight at the arm: dm-thin inserts its
# mapping when the data write completes, which dm-delay holds back 10 s
# (writes only: flushes pass at once, or each commit of the pool, which
# flushes its data device first, would wait behind the write).
# The pool's data on dm-delay, its metadata on a linear device beside it
# (the tell's commits are not held back).
d2=/dev/${disks[1]}
half=$(($(blockdev --getsz "$d2") / 2))
dmsetup create bsdelay --table "0 $half delay $d2 0 0 $d2 0 0" &&
dmsetup create bsfast --table "0 $half linear $d2 $half" &&
lvm pvcreate -qq "${slowlvm[@]}" /dev/mapper/bsdelay /dev/mapper/bsfast > /dev/null &&
lvm vgcreate -qq "${slowlvm[@]}" bsslow /dev/mapper/bsdelay /dev/mapper/bsfast > /dev/null &&
lvm lvcreate -qq "${slowlvm[@]}" -an -Zn -L 32m -n pool bsslow /dev/mapper/bsdelay > /dev/null &&
lvm lvcreate -qq "${slowlvm[@]}" -an -Zn -L 4m -n meta bsslow /dev/mapper/bsfast > /dev/null &&
lvm lvconvert -qq -y "${slowlvm[@]}" --type thin-pool -c 64k --poolmetadataspare n \
	--poolmetadata bsslow/meta bsslow/pool > /dev/null &&
lvm lvcreate -qq "${slowlvm[@]}" -V 32m -T bsslow/pool -n t > /dev/null ||
	ktap_exit_fail_msg "lvm setup on dm-delay"
udevadm settle 2> /dev/null
slow=/dev/mapper/bsslow-t
echo "# pool: $(dmsetup table bsslow-pool-tpool)"
dmsetup suspend bsdelay && dmsetup reload bsdelay --table "0 $half delay $d2 0 0 $d2 0 10000 $d2 0 0" &&
	dmsetup resume bsdelay || ktap_exit_fail_msg "dm-delay reload"
# the block:block_bio_remap trace event, for bios remapped from the thin
# volume: the event the tracker is probed on
tr=/sys/kernel/tracing
[ -d $tr/events ] || mount -t tracefs nodev $tr 2> /dev/null
remap=$tr/events/block/block_bio_remap
[ -w $remap/enable ] || ktap_exit_fail_msg "no block_bio_remap trace event in $tr"
read -r maj min < <(stat -L -c '%t %T' "$slow")
echo "old_dev == $(((0x$maj << 20) | 0x$min))" > $remap/filter
echo 1 > $remap/enable
inflight() {	# inflight BLOCK [ENV...]: write BLOCK, tell during it, map
	local b=$1 n
	shift
	echo > $tr/trace
	dd if=/dev/urandom of="$slow" bs=${wsize:-$bs} count=1 \
		seek=$((b * bs / ${wsize:-$bs})) oflag=direct status=none &
	# told once the thin volume's write is remapped to the pool's data
	# device (before the arm: the tracker does not see it), its
	# completion held back by dm-delay
	for _ in $(seq 200); do
		n=$(grep -vc '^#' $tr/trace)
		[ "$n" -gt 0 ] && break
		sleep 0.05
	done
	echo "# remapped before the tell: $n bios"
	local t0=$SECONDS
	env "$@" "$stack" "$slow" > /dev/null 2>&1
	echo "# the tell took $((SECONDS - t0)) s; the write still in flight after it: $(jobs -r | wc -l)"
	wait
	walk "$slow" > "$work/slow.map"
	covers "$work/slow.map" $((b * bs)) "${wsize:-$bs}"
}
ktap_test_result "a write in flight at the arm is data after the tell (the drain)" inflight 10
missed() { ! inflight "$@"; }
ktap_test_result "told without the drain, that write is missed (a hole over data)" \
	missed 20 BLKSEEK_THIN_NO_DRAIN=1
# a 4 KiB write to an unprovisioned block of a pool without zeroing
# (LVM's default, skip_block_zeroing): dm-thin inserts the mapping, then
# remaps the write
wsize=4096 ktap_test_result "a 4 KiB write in flight at the arm is data after the tell" \
	inflight 30
echo 0 > $remap/enable
echo 0 > $remap/filter
"$stack" "$slow" > /dev/null 2>&1
walk "$slow" > "$work/slow.map"
truth bsslow-t > "$work/slow.truth"
ktap_test_result "told again: map equals the truth" same "slow" "$work/slow.truth" "$work/slow.map"

ktap_finished
