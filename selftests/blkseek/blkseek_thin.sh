#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# LVM thin volumes (dm-thin), told by blkseek-stack as udev would: a thin
# pool made by lvm2 on a scsi_debug disk, thin volumes written at aligned
# and unaligned spots, then:
#  - the map walked by SEEK_DATA/SEEK_HOLE equals the truth from thin_dump
#    of the quiesced pool, and every hole reads zeroes;
#  - writes after the tell (no new tell) are data at once: the tracker;
#    so are a write dm core splits at the thin blocks, a FUA write
#    dm-thin defers to its commit, and a buffered write made durable by
#    fsync; after a discard, holes still read zeroes, and the next tell
#    answers the discarded block as a hole;
#  - a thin snapshot (shared blocks) answers its own map; writes to its
#    origin do not change it;
#  - lvextend (a table swap) makes the volume all data until told again;
#  - a writer provisioning blocks under seekers: never a hole over data
#    (no hole where a write completed before the lseek began);
#  - nbdcopy of a told volume reads only its provisioned chunks, and the
#    copy is the volume;
#  - lvremove while seekers run: answers or clean errors, no oops, and a
#    new volume on the same minor is not answered from the old mapping;
#  - a pool out of data space (error_if_no_space, then queue_if_no_space
#    with a short no_space_timeout): failed or queued writes leave holes
#    that read zeroes, never a hole over data; the tell refuses the pool
#    and the mapping told before stays, and stays exact;
#  - a pool read-only, or another user's metadata snapshot held: the
#    tell refuses it and the mapping told before stays;
#  - blkseek-map --check's verdict on a thin volume: told, not told, told
#    before a table change, of a pool out of data space;
#  - end to end: a thin volume exported by tgt over iSCSI on loopback;
#    the initiator's sd disk answers the volume's map (tgt asks the
#    volume with SEEK_DATA/SEEK_HOLE, blkseek answers both);
#  - a whole-block write in flight when the tracker is armed (its data
#    write held back by dm-delay below the pool): the drain waits for it
#    (the proof's third case); told without the drain, it is missed.
# Documentation/blkseek.rst, "Thin volumes (dm-thin)".  One KTAP result
# per check (ktap_helpers.sh).
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=ktap_helpers.sh
. "$here/ktap_helpers.sh"
stack=${BLKSEEK_REPO:-}/tools/blkseek-stack
map=${BLKSEEK_REPO:-}/tools/blkseek-map
seek=$here/blkseek_seek.py

[ -x "$stack" ] && [ -x "$map" ] || { echo "# no $stack (BLKSEEK_REPO unset?)"; exit $KSFT_SKIP; }
command -v thin_dump > /dev/null || { echo "# no thin_dump (thin-provisioning-tools)"; exit $KSFT_SKIP; }
modprobe dm-thin-pool 2> /dev/null || { echo "# no dm-thin-pool"; exit $KSFT_SKIP; }

# shellcheck source=blkseek_lib.sh
. "$here/blkseek_lib.sh"
# shellcheck source=blkseek_truth.sh
. "$here/blkseek_truth.sh"
sdebug_reload dev_size_mb=128 add_host=2 per_host_store=1
[ ${#disks[@]} -ge 2 ] || { echo "# need two scsi_debug disks"; exit $KSFT_SKIP; }
export LVM_SUPPRESS_FD_WARNINGS=1
ktap_print_header
work=$(mktemp -d)
vg=bsthin
lvm=(--devices "$dev")
slowlvm=(--devices /dev/mapper/bsdelay --devices /dev/mapper/bsfast)
nst=/sys/module/dm_thin_pool/parameters/no_space_timeout
nst0=$(cat $nst 2> /dev/null)
cleanup() {
	local d

	[ -n "$nst0" ] && echo "$nst0" > $nst
	[ -n "${holder:-}" ] && kill "$holder" 2> /dev/null
	[ -n "${tgt_up:-}" ] && "$tgt" down
	rm -f /run/udev/rules.d/90-blkseek-stack.rules
	udevadm control --reload 2> /dev/null
	# the test's dm devices removed without LVM (vgremove of the two
	# volume groups took 70 s under TCG), bsdelay and bsfast last; then
	# LVM's labels zeroed, so that nothing activates the volume groups
	# again before the next test reloads scsi_debug
	dm_remove_matching '^(bsthin-|bsslow-|bsdelay$|bsfast$)'
	for d in "$dev" "/dev/${disks[1]}"; do
		dd if=/dev/zero of="$d" bs=1M count=1 oflag=direct status=none 2> /dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT

# vgcreate makes the PV; one lvcreate the pool and t1 (each LVM command
# takes seconds under TCG)
lvm vgcreate -qq "${lvm[@]}" $vg "$dev" > /dev/null &&
lvm lvcreate -qq "${lvm[@]}" -L 80m -c 64k -V 96m -T $vg/pool -n t1 > /dev/null ||
	ktap_exit_fail_msg "lvm thin setup"
udevadm settle 2> /dev/null
t1=/dev/mapper/$vg-t1
bs=65536

walk() { python3 "$seek" walk "$1"; }
# matches WHAT NAME [tell]: thin volume NAME (its dm name) told first
# with "tell" (blkseek-stack's output shown if it fails), walked into
# $work/NAME.map, its truth from thin_dump into $work/NAME.truth; one
# result: the map equals the truth (same, blkseek_lib.sh)
matches() {
	if [ "${3:-}" = tell ] && ! "$stack" "/dev/mapper/$2" > "$work/tell.log" 2>&1; then
		sed 's/^/#   /' "$work/tell.log"
	fi
	walk "/dev/mapper/$2" > "$work/$2.map"
	thin_truth "$2" > "$work/$2.truth"
	same "$1" "$work/$2.truth" "$work/$2.map"
}
# verdict WHAT DEV STATUS TEXT: one result: blkseek-map --check DEV exits
# STATUS and its verdict line holds TEXT
verdict() {
	local out rc has=no
	out=$("$map" --check "$2" 2>&1)
	rc=$?
	echo "$out" | grep -E '^(thin|mapping|lseek|extent query|verdict):' | sed 's/^/#   /'
	echo "$out" | grep '^verdict: ' | grep -qF -- "$4" && has=yes
	ktap_test_result "$1 (exit $rc, the verdict says so: $has)" [ "$rc:$has" = "$3:yes" ]
}
# covers MAP OFF LEN: [OFF, OFF+LEN) lies in data runs of MAP
covers() { covers_kind "$@" data; }

section "1. writes at aligned and unaligned spots, then the tell"
for b in 0 1 2 7 100 101 500 1535; do
	dd if=/dev/urandom of="$t1" bs=$bs count=1 seek=$b oflag=direct status=none
done
dd if=/dev/urandom of="$t1" bs=4096 count=1 seek=$((300 * 16 + 3)) oflag=direct status=none
dd if=/dev/urandom of="$t1" bs=512 count=3 seek=$((900 * 128 + 127)) oflag=direct status=none
sync
stats=/sys/module/blkseek/stats
tells0=$(cat $stats/thin_tells) maps0=$(cat $stats/thin_mappings)
out=$("$stack" -v "$t1" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
ktap_test_result "blkseek-stack tells the thin volume (exit $rc)" [ "$rc" = 0 ]
ktap_test_result "stats: thin_tells +$(($(cat $stats/thin_tells) - tells0)), thin_mappings +$(($(cat $stats/thin_mappings) - maps0))" \
	[ "$(($(cat $stats/thin_tells) - tells0)):$(($(cat $stats/thin_mappings) - maps0))" = 1:1 ]
matches "map equals thin_dump's truth" $vg-t1
ktap_test_result "holes read zeroes" zero_holes "$t1" "$work/$vg-t1.map"
ktap_test_result "the volume has holes ($(grep -c hole "$work/$vg-t1.map") runs)" \
	[ "$(grep -c hole "$work/$vg-t1.map")" -ge 5 ]
verdict "blkseek-map --check: a told thin volume answers from its pool's mappings" \
	"$t1" 0 "a thin volume, from its pool's mappings as blkseek-stack told them"

section "2. writes after the tell, no new tell: data at once (the tracker)"
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
matches "the tracker marks only what was written (map equals the truth)" $vg-t1

section "2b. after the tell: bios dm core splits, bios dm-thin defers, a discard"
# No new tell; each write below is to unprovisioned blocks:
#  - 192 KiB from 32 KiB into block 1000: dm core splits it at each
#    64 KiB block into 4 clones, each remapped on its own;
#  - a FUA write (O_DIRECT and RWF_DSYNC) to block 1100: dm-thin defers
#    it to its worker and issues it after the pool's commit;
#  - 4 KiB buffered at 8 KiB into block 1300, then fsync: writeback,
#    then an empty flush.
python3 - "$t1" $bs <<'PY' || ktap_exit_fail_msg "the writes of 2b"
import mmap, os, sys
dev, bs = sys.argv[1], int(sys.argv[2])
fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
split = mmap.mmap(-1, 3 * bs)
split.write(os.urandom(3 * bs))
os.pwritev(fd, [split], 1000 * bs + 32768)
fua = mmap.mmap(-1, bs)
fua.write(os.urandom(bs))
os.pwritev(fd, [fua], 1100 * bs, os.RWF_DSYNC)
os.close(fd)
fd = os.open(dev, os.O_WRONLY)
os.pwrite(fd, os.urandom(4096), 1300 * bs + 8192)
os.fsync(fd)
os.close(fd)
PY
walk "$t1" > "$work/t1.map2b"
for r in "split|$((1000 * bs + 32768)) $((3 * bs))" "FUA|$((1100 * bs)) $bs" \
	"buffered, fsync|$((1300 * bs + 8192)) 4096"; do
	# shellcheck disable=SC2086
	ktap_test_result "a ${r%%|*} write after the tell is data without a new tell" \
		covers "$work/t1.map2b" ${r#*|}
done
# a discard of block 1200 (written after the tell, so the tracker's):
# dm-thin unmaps it; the answer may stay data until the next tell, but
# a hole must read zeroes; told again, the map is the pool's
blkdiscard -o $((1200 * bs)) -l $bs "$t1"
walk "$t1" > "$work/t1.map2c"
echo "# block 1200 after its discard, before a tell: $(awk -v o=$((1200 * bs)) '$1 <= o && o < $1 + $2 { print $3 }' "$work/t1.map2c")"
ktap_test_result "after a discard, no new tell: holes read zeroes" zero_holes "$t1" "$work/t1.map2c"
matches "after a discard, told again: map equals the truth" $vg-t1 tell
ktap_test_result "the discard unmapped block 1200 (the truth: a hole)" \
	covers_kind "$work/$vg-t1.truth" $((1200 * bs)) $bs hole

section "3. a thin snapshot: shared blocks, its own map; the origin's writes do not change it"
lvm lvcreate -qq "${lvm[@]}" -s $vg/t1 -n s1 -kn > /dev/null &&
	lvm lvchange -qq "${lvm[@]}" -ay $vg/s1 > /dev/null
udevadm settle 2> /dev/null
s1=/dev/mapper/$vg-s1
if [ -b "$s1" ]; then
	matches "snapshot: map equals the truth" $vg-s1 tell
	dd if=/dev/urandom of="$t1" bs=$bs count=4 seek=700 oflag=direct status=none
	walk "$s1" > "$work/s1.map2"
	same "snapshot: writes to its origin leave it as it was" "$work/$vg-s1.map" "$work/s1.map2"
	matches "origin told again after breaking sharing: map equals the truth" $vg-t1 tell
else
	ktap_test_skip "snapshot: map equals the truth (no snapshot)"
	ktap_test_skip "snapshot: writes to its origin leave it as it was"
	ktap_test_skip "origin told again after breaking sharing"
fi

section "4. lvextend: a table swap makes it all data until it is told again"
lvm lvextend -qq "${lvm[@]}" -L +32m $vg/t1 > /dev/null
walk "$t1" > "$work/t1.ext"
size=$(blockdev --getsize64 "$t1")
ktap_test_result "after lvextend (no tell): all data" \
	[ "$(cat "$work/t1.ext")" = "0 $size data" ]
verdict "blkseek-map --check after lvextend: all data until told again" \
	"$t1" 3 "a thin volume told before its table changed"
matches "after lvextend, told again: map equals the truth" $vg-t1 tell
cp "$work/$vg-t1.map" "$work/t1.ext2"

section "4b. bad input to the thin ioctls gets its errno and changes nothing"
if [ -b "$s1" ]; then
	touch "$work/regular"
	python3 "$here/blkseek_thin_abi.py" "$s1" "$t1" "/dev/mapper/$vg-pool_tmeta" "$dev" \
		"$work/regular" > "$work/abi.log" 2>&1
	rc=$?
	grep -v '^ok' "$work/abi.log" | sed 's/^/# /'
	echo "# $(grep -c '^ok' "$work/abi.log") ABI checks passed"
	ktap_test_result "thin ioctls: bad input refused with its errno" [ "$rc" = 0 ]
	walk "$t1" > "$work/t1.abi"
	same "thin ioctls: another volume's map intact" "$work/t1.ext2" "$work/t1.abi"
	matches "thin ioctls: the volume told again equals the truth" $vg-s1 tell
else
	ktap_test_skip "thin ioctls (no snapshot)"
fi

section "4d. a pool read-only, or with a metadata snapshot held: the tell refuses it"
# Another user's metadata snapshot (a backup tool's reserve_metadata_snap)
# and a read-only pool (the "read_only" feature, as dm-thin sets itself
# after a metadata error): the tell refuses each with EOPNOTSUPP and sets
# nothing; the mapping told before stays and stays exact.
tp=$vg-pool-tpool
refused() {	# refused WHAT DEV: the tell of DEV fails with EOPNOTSUPP
	"$stack" "$2" > "$work/refused.log" 2>&1
	local rc=$?
	sed 's/^/#   /' "$work/refused.log"
	ktap_test_result "$1: the tell refuses it (exit $rc)" \
		[ "$([ $rc != 0 ] && echo refused):$(grep -c 'Operation not supported' "$work/refused.log")" = refused:1 ]
}
walk "$t1" > "$work/t1.before4d"
dmsetup message $tp 0 reserve_metadata_snap || ktap_exit_fail_msg "reserve_metadata_snap"
echo "# pool with a snapshot held: $(dmsetup status $tp | awk '{ print $7, $8 }')"
refused "a metadata snapshot held by another user" "$t1"
dmsetup message $tp 0 release_metadata_snap
ptable=$(dmsetup table $tp)
# the table's features: the count after the low water mark, then each
ro_table=$(awk '{ $8 = $8 + 1; print $0 " read_only" }' <<< "$ptable")
dmsetup suspend $tp && dmsetup reload $tp --table "$ro_table" && dmsetup resume $tp ||
	ktap_exit_fail_msg "pool read-only: $ro_table"
echo "# pool read-only: $(dmsetup status $tp | awk '{ print $8 }')"
refused "a read-only pool" "$t1"
# a write that needs a new block fails in a read-only pool: its block
# stays a hole that reads zeroes
dd if=/dev/urandom of="$t1" bs=$bs count=1 seek=1450 oflag=direct status=none 2> /dev/null
echo "# a write to an unprovisioned block of the read-only pool: exit $?"
walk "$t1" > "$work/t1.ro"
same "a read-only pool: the mapping told before stays" "$work/t1.before4d" "$work/t1.ro"
ktap_test_result "a read-only pool: holes read zeroes after a failed write" zero_holes "$t1" "$work/t1.ro"
dmsetup suspend $tp && dmsetup reload $tp --table "$ptable" && dmsetup resume $tp ||
	ktap_exit_fail_msg "pool read-write again: $ptable"
matches "the pool read-write again: map equals the truth" $vg-t1 tell

section "4c. LVM's lock on the volume group"
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
verdict "blkseek-map --check: a thin volume not told: EINVAL until told" \
	"$t2" 3 "a thin volume not told: lseek answers EINVAL until blkseek-stack tells it"
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
ktap_test_result "-w waits for LVM's lock (still waiting after 2 s: $([ $waiting = 0 ] && echo yes || echo no)), then tells (exit $rc)" \
	[ "$waiting:$rc" = 0:0 ]
matches "told after waiting: map equals the truth" $vg-t2
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
	walk "$t2" | grep -q hole && { told=yes; break; }
	sleep 0.2
done
ktap_test_result "run by udev with LVM's lock held: exit $rc, all data while held, told once it is free ($told)" \
	[ "$rc:$(cat "$work/t2.held"):$told" = "0:0 $size2 data:yes" ]
matches "told once LVM let go: map equals the truth" $vg-t2
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
matches "the volume udev told: a write is data, map equals the truth" $vg-t3
rm -f "$rules"
udevadm control --reload

section "5. a writer provisioning blocks under seekers"
# 5. a writer provisioning blocks under seekers: every hole a seeker is
# given reads zeroes when the writer has written only random data there
python3 "$seek" race "$t1" $bs 600 > "$work/race.log"
read -r answers holes bad < "$work/race.log"
echo "# race: $answers answers, $holes holes, $bad holes over written blocks"
ktap_test_result "race: never a hole over a block written before the lseek" [ "${bad:-1}" = 0 ]
ktap_test_result "race: some answers find holes" [ "${holes:-0}" -gt 0 ]

section "7. nbdcopy of a told thin volume reads only its provisioned chunks"
lvm lvcreate -qq "${lvm[@]}" -V 32m -T $vg/pool -n t5 > /dev/null ||
	ktap_exit_fail_msg "lvcreate t5"
udevadm settle 2> /dev/null
t5=/dev/mapper/$vg-t5
for b in 3 4 40 41 42 200 333 511; do
	dd if=/dev/urandom of="$t5" bs=$bs count=1 seek=$b oflag=direct status=none
done
matches "t5 told: map equals the truth" $vg-t5 tell
echo "# t5: $(awk '$3 == "data" { n += $2 } END { print n + 0 }' "$work/$vg-t5.truth") bytes provisioned (thin_dump) of $(blockdev --getsize64 "$t5")"
if command -v nbdcopy > /dev/null; then
	nbdcopy_check "nbdcopy of a thin volume" "$t5" "$work/$vg-t5.truth"
else
	ktap_test_skip "nbdcopy of a thin volume (no nbdcopy)"
fi

section "8. lvremove while seekers run; a new volume on the same minor"
# seekers open the volume for each round (LVM removes no open volume):
# SEEK_DATA/SEEK_HOLE at random offsets, each answer checked against the
# truth (never a hole over data), each error counted by name, until
# the file STOP exists; STOP.ready.PID once it has 200 answers
seekers_open() {	# seekers_open DEV TRUTH STOP
	python3 - "$@" <<'PY'
import errno, os, random, sys, time
dev, truth, stop = sys.argv[1:4]
ready = "%s.ready.%d" % (stop, os.getpid())
data = [(int(o), int(o) + int(n)) for o, n, k in
        (l.split() for l in open(truth)) if k == "data"]
size = int(open(truth).read().split()[-3]) + int(open(truth).read().split()[-2])
rnd = random.Random(os.getpid())
answers = bad = 0
errs = {}
while not os.path.exists(stop):
    try:
        fd = os.open(dev, os.O_RDONLY)
    except OSError as e:
        errs[errno.errorcode[e.errno]] = errs.get(errno.errorcode[e.errno], 0) + 1
        time.sleep(0.01)
        continue
    for _ in range(10):
        off = rnd.randrange(size)
        try:
            d = os.lseek(fd, off, os.SEEK_DATA)
            answers += 1
            # [off, d) said to be a hole
            if d > off and any(s < d and off < e for s, e in data):
                bad += 1
        except OSError as e:
            now = -1
            try:
                now = os.lseek(fd, 0, os.SEEK_END)
            except OSError:
                pass
            if e.errno != errno.ENXIO or now <= off:
                # the disk going: its size 0, past it ENXIO
                name = errno.errorcode[e.errno] + ("(gone)" if e.errno == errno.ENXIO else "")
                errs[name] = errs.get(name, 0) + 1
            else:
                answers += 1
                if any(off < e for s, e in data):
                    bad += 1
    os.close(fd)
    if answers >= 200 and not os.path.exists(ready):
        open(ready, "w").close()
    time.sleep(0.02)
print(answers, bad, ",".join("%s:%d" % kv for kv in sorted(errs.items())) or "none")
PY
}
read -r j5 m5 < <(stat -L -c '%t %T' "$t5")
j5=$((0x$j5)) m5=$((0x$m5))
dmesg0=$(dmesg | wc -l)
rm -f "$work/stop"
seekers_open "$t5" "$work/$vg-t5.truth" "$work/stop" > "$work/seek1.log" 2>&1 &
sk1=$!
seekers_open "$t5" "$work/$vg-t5.truth" "$work/stop" > "$work/seek2.log" 2>&1 &
sk2=$!
# lvremove once both seekers answer (python starts slowly under TCG)
for _ in $(seq 600); do
	[ "$(find "$work" -name 'stop.ready.*' | wc -l)" -ge 2 ] && break
	sleep 0.1
done
maps0=$(cat $stats/thin_mappings)
tries=0
until [ $tries -ge 30 ] || lvm lvremove -qq -y "${lvm[@]}" $vg/t5 > "$work/lvremove.log" 2>&1; do
	tries=$((tries + 1))
	sleep 0.2
done
rmrc=$?
sleep 2
touch "$work/stop"
wait $sk1; r1=$?
wait $sk2; r2=$?
read -r a1 b1 e1 < "$work/seek1.log"
read -r a2 b2 e2 < "$work/seek2.log"
echo "# lvremove: exit $rmrc after $tries refusals (open by a seeker); seekers: $a1 and $a2 answers, $b1 and $b2 holes over data, errors $e1 and $e2"
[ $rmrc = 0 ] || sed 's/^/#   /' "$work/lvremove.log" | tail -3
ktap_test_result "lvremove while seekers run: removed (exit $rmrc)" [ "$rmrc:$([ -e "$t5" ] && echo there || echo gone)" = 0:gone ]
# its mapping dropped (the del_gendisk watch; the last reference may go
# a moment later)
for _ in $(seq 50); do
	[ "$(cat $stats/thin_mappings)" -lt "$maps0" ] && break
	sleep 0.1
done
ktap_test_result "stats: thin_mappings after lvremove: $(cat $stats/thin_mappings), was $maps0" \
	[ "$(cat $stats/thin_mappings)" = $((maps0 - 1)) ]
# a clean error: the node gone (ENOENT), the disk gone (ENXIO from open,
# or from lseek past its size 0; ENODEV), or not answered (EINVAL, the
# mapping dropped)
clean=yes
for e in ${e1//,/ } ${e2//,/ }; do
	case ${e%%:*} in none | ENOENT | ENXIO | 'ENXIO(gone)' | ENODEV | EINVAL) ;; *) clean="no (${e})" ;; esac
done
ktap_test_result "seekers: answers, never a hole over data, only clean errors ($clean)" \
	[ "$r1:$r2:$((${a1:-0} > 0 && ${a2:-0} > 0)):${b1:-x}:${b2:-x}:$clean" = "0:0:1:0:0:yes" ]
dmesg | tail -n +$((dmesg0 + 1)) | grep -E 'BUG|WARNING|Oops|general protection|KASAN|UBSAN|RCU stall|blkseek' |
	sed 's/^/#   /' > "$work/dmesg.new"
cat "$work/dmesg.new"
ktap_test_result "no oops or warning in dmesg ($(grep -c . "$work/dmesg.new") lines)" \
	[ ! -s "$work/dmesg.new" ]
# the same minor again: not answered from the removed volume's mapping
lvm lvcreate -qq "${lvm[@]}" -V 32m -T $vg/pool -n t6 -My --major "$j5" --minor $m5 > "$work/t6.log" 2>&1 ||
	sed 's/^/#   /' "$work/t6.log"
udevadm settle 2> /dev/null
t6=/dev/mapper/$vg-t6
m6=$(stat -L -c '%T' "$t6" 2> /dev/null)
m6=$((0x${m6:-0}))
dd if=/dev/urandom of="$t6" bs=$bs count=1 seek=100 oflag=direct status=none
ans=$(python3 "$seek" one "$t6" 0 SEEK_DATA)
ktap_test_result "a new volume on the removed one's minor ($m6, was $m5): EINVAL until told ($ans)" \
	[ "$m6:$ans" = "$m5:EINVAL" ]
matches "the new volume told: map equals the truth" $vg-t6 tell

section "9. a pool out of data space"
# 8 MiB of data in 64 KiB blocks (128), a 32 MiB volume t4 told empty,
# and t7 not told.  LVM's default, queue_if_no_space: a write that finds
# the pool full waits no_space_timeout (3 s here), then fails, and from
# then on the pool fails such writes at once (as error_if_no_space).
echo 3 > $nst
lvm lvcreate -qq "${lvm[@]}" -L 8m -c 64k -Zn -V 32m -T $vg/pool2 -n t4 > /dev/null &&
	lvm lvcreate -qq "${lvm[@]}" -V 8m -T $vg/pool2 -n t7 > /dev/null ||
	ktap_exit_fail_msg "lvcreate pool2"
udevadm settle 2> /dev/null
t4=/dev/mapper/$vg-t4
t7=/dev/mapper/$vg-t7
p2=$vg-pool2-tpool
"$stack" "$t4" > /dev/null 2>&1 || ktap_exit_fail_msg "tell t4"
pmode() { dmsetup status $p2 | awk '{ print $8 }'; }	# rw, out_of_data_space
# every other 64 KiB block until the pool is full and 11 writes failed:
# "written|failed BLOCK SECONDS [ERRNO]" per write; a write still
# waiting after 1 s is asked SEEK_HOLE at its block: "peek BLOCK ANSWER"
python3 - "$t4" > "$work/fill.log" <<'PY'
import errno, mmap, os, sys, threading, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_DIRECT)
rfd = os.open(sys.argv[1], os.O_RDONLY)
buf = mmap.mmap(-1, 65536)
buf.write(os.urandom(65536))
cur = (None, 0.0)
peeks = {}
done = threading.Event()
def monitor():
    while not done.is_set():
        b, t = cur
        if b is not None and b not in peeks and time.time() - t > 1:
            try:
                peeks[b] = os.lseek(rfd, b * 65536, os.SEEK_HOLE)
            except OSError as e:
                peeks[b] = errno.errorcode[e.errno]
            print("peek", b, peeks[b], flush=True)
        time.sleep(0.05)
m = threading.Thread(target=monitor)
m.start()
fail = 0
for b in range(0, 512, 2):
    cur = (b, time.time())
    try:
        os.pwritev(fd, [buf], b * 65536)
        print("written", b, "%.1f" % (time.time() - cur[1]), flush=True)
    except OSError as e:
        print("failed", b, "%.1f" % (time.time() - cur[1]), errno.errorcode[e.errno], flush=True)
        fail += 1
        if fail > 10:
            break
    cur = (None, 0.0)
done.set()
m.join()
PY
read -r _ q qsecs qerr < <(grep -m1 failed "$work/fill.log")
read -r _ _ q2secs _ < <(grep failed "$work/fill.log" | sed -n 2p)
peek=$(awk -v b="$q" '$1 == "peek" && $2 == b { print $3 }' "$work/fill.log")
echo "# filling: $(grep -c written "$work/fill.log") blocks written, $(grep -c failed "$work/fill.log") failed; the first at block $q after $qsecs s ($qerr; SEEK_HOLE there while it waited: ${peek:-not asked}), the next after $q2secs s; pool: $(pmode)"
qs=${qsecs%.*} q2s=${q2secs%.*}
ktap_test_result "full pool, queue_if_no_space: a write waits, then fails; later ones fail at once; mode out_of_data_space" \
	[ "$(grep -c failed "$work/fill.log"):$((${qs:-0} >= 2)):${q2s:-x}:$(pmode)" = "11:1:0:out_of_data_space" ]
ktap_test_result "full pool: the waiting write's block is a hole while it waits (no write completed there)" \
	[ "${peek:-none}" = "$((${q:-0} * bs))" ]
walk "$t4" > "$work/t4.full"
# one awk over the map and the log (an awk for each written block took
# seconds under TCG)
awk -v bs=$bs 'NR == FNR { if ($3 == "data") { s[n] = $1; e[n++] = $1 + $2 }; next }
	$1 == "written" {
		o = $2 * bs; f = 0
		for (i = 0; i < n; i++)
			if (s[i] <= o && o + bs <= e[i])
				f = 1
		if (!f) { print "# written, not data: block " $2; bad = 1 }
	}
	END { exit bad }' "$work/t4.full" "$work/fill.log"
ktap_test_result "full pool: every block written is data, without a new tell" [ $? = 0 ]
ktap_test_result "full pool: the failed writes left holes that read zeroes" zero_holes "$t4" "$work/t4.full"
# the tell refuses a pool that is not read-write; the mapping told
# before stays
refused "a pool out of data space" "$t4"
matches "full pool, tell refused: the mapping told before stays, equal to the truth" $vg-t4
verdict "blkseek-map --check: a volume of a full pool, told before, still answers" \
	"$t4" 0 "a thin volume, from its pool's mappings"
verdict "blkseek-map --check: a volume of a full pool, not told: refused while full" \
	"$t7" 3 "its pool is out_of_data_space"
# more room: the pool extended (its table swapped, not the volume's);
# a write to the block that failed completes and is data without a tell
lvm lvextend -qq "${lvm[@]}" -L +4m $vg/pool2 > /dev/null
dd if=/dev/urandom of="$t4" bs=$bs count=1 seek="${q:-0}" oflag=direct status=none
echo "# pool extended by 4 MiB: $(pmode)"
matches "pool extended: a write is data at once, map equals the truth" $vg-t4
echo "$nst0" > $nst

section "10. end to end: a thin volume exported by tgt over iSCSI (loopback)"
# tgt answers GET LBA STATUS from its backing store's SEEK_DATA and
# SEEK_HOLE: here thin volume t1, which blkseek answers from its pool's
# mappings; the initiator's sd disk blkseek answers with GET LBA STATUS.
# So the sd disk's map is the thin volume's, through both.
tgt=$BLKSEEK_REPO/tools/testing/bench/tgt-lun.sh
if command -v tgtd > /dev/null && command -v iscsiadm > /dev/null && [ -x "$tgt" ]; then
	matches "before the export: t1 told, map equals the truth" $vg-t1 tell
	tgt_up=1
	if sd=$("$tgt" up "$t1"); then
		echo "# t1 exported by tgt: /dev/$sd, $(blockdev --getsize64 "/dev/$sd") bytes," \
			"$(grep -c data "$work/$vg-t1.truth") data runs"
		walk "/dev/$sd" > "$work/sd.map"
		same "the iSCSI disk's map equals the thin volume's truth" \
			"$work/$vg-t1.truth" "$work/sd.map"
		# a write through the initiator to an unprovisioned block (the
		# first whole block in a hole of the truth): tgt writes it to t1
		# (the tracker marks it); the sd disk answers data
		hb=$(awk -v bs=$bs '$3 == "hole" { b = int(($1 + bs - 1) / bs)
			if ((b + 1) * bs <= $1 + $2) { print b; exit } }' "$work/$vg-t1.truth")
		[ -n "$hb" ] || { echo "# no whole block in a hole of t1"; hb=-1; }
		dd if=/dev/urandom of="/dev/$sd" bs=$bs count=1 seek="$hb" oflag=direct status=none
		walk "/dev/$sd" > "$work/sd.map2"
		ktap_test_result "a write through the iSCSI disk to block $hb, a hole, is data there, no new tell" \
			covers "$work/sd.map2" $((hb * bs)) $bs
		ktap_test_result "the iSCSI disk's holes read zeroes" zero_holes "/dev/$sd" "$work/sd.map2"
		thin_truth $vg-t1 > "$work/t1.truth10"
		same "after the write: the iSCSI disk's map equals the thin volume's truth" \
			"$work/t1.truth10" "$work/sd.map2"
	else
		ktap_test_fail "t1 exported by tgt over iSCSI"
	fi
	"$tgt" down
	tgt_up=
else
	echo "# no tgt, open-iscsi or $tgt"
	ktap_test_skip "the thin volume exported by tgt over iSCSI"
fi

section "6. writes in flight at the arm (dm-delay)"
# 6. a whole-block write in flight at the arm: dm-thin inserts its
# mapping when the data write completes, which dm-delay holds back 5 s
# (writes only: flushes pass at once, or each commit of the pool, which
# flushes its data device first, would wait behind the write).
# The pool's data on dm-delay, its metadata on a linear device beside it
# (the tell's commits are not held back).
d2=/dev/${disks[1]}
half=$(($(blockdev --getsz "$d2") / 2))
dmsetup create bsdelay --table "0 $half delay $d2 0 0 $d2 0 0" &&
dmsetup create bsfast --table "0 $half linear $d2 $half" &&
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
dmsetup suspend bsdelay && dmsetup reload bsdelay --table "0 $half delay $d2 0 0 $d2 0 5000 $d2 0 0" &&
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
matches "told again: map equals the truth" bsslow-t tell

section "end: the checks done; the cleanup follows"
ktap_finished
