#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, inside the VM (blkseek loaded): what an LVM thin volume
# costs (issue 33).  One scsi_debug disk, one VG, one thin pool (64 KiB
# chunks); t1, a 512 MiB thin LV with 1200 runs of data (1 to 3 chunks
# each, random, one seed).  With t1 alone in the pool, then with 199 more
# thin LVs (as many as fit in the time budget; 10 of them with 50 runs):
#  - the tell: blkseek-stack of t1, and of a small LV, median of 5, beside
#    the start-up of the program alone and thin_dump of t1 alone (the
#    snapshot held outside the timing);
#  - the map of t1: its SEEK_DATA/SEEK_HOLE walk through blkseek
#    (seek-walk, timed inside the process, and as a whole command)
#    beside the map userspace makes without blkseek: reserve_metadata_snap,
#    thin_dump --metadata-snap --dev-id, parsed (awk), release, median of
#    5; the two maps compared (they must be identical).
# Prints Markdown tables: figures, no timed pass/fail; the maps' check
# (and the setup's failures) make the exit status.
# Usage: bench-thin.sh REPO
set -u
repo=$1
stack=$repo/tools/blkseek-stack
walker=$repo/tools/testing/bench/seek-walk
# sdebug_reload PARAMS...: scsi_debug loaded afresh; sets disks, name, dev
# shellcheck source=../../../selftests/blkseek/blkseek_lib.sh
. "$repo/selftests/blkseek/blkseek_lib.sh"

nlv=200			# thin LVs in the pool at the end
vg=bsbench
work=$(mktemp -d)
rc=0

now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
# median5 CMD...: the median of 5 runs of CMD, in ms (CMD's output
# dropped), and how many of them failed, if any
median5() {
	local samples=() t0 t1 bad=0
	for _ in 1 2 3 4 5; do
		t0=$(now); "$@" > /dev/null 2>&1 || bad=$((bad + 1)); t1=$(now)
		samples+=("$(ms "$t0" "$t1")")
	done
	printf '%s\n' "${samples[@]}" | sort -n | sed -n 3p | tr -d '\n'
	[ $bad = 0 ] || printf ' (%d of 5 failed)' $bad
	echo
}
fail() { echo "bench-thin: $*" >&2; rc=1; }
progress() { echo "bench-thin: $* (at $SECONDS s)" >&2; }
# settle: udev done with the events so far (udevadm settle, again if it
# failed: it crashed once in the guest)
settle() {
	for _ in 1 2 3; do
		udevadm settle 2> /dev/null && return
		sleep 1
	done
	progress "udevadm settle failed three times"
}
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	dmsetup remove_all --noudevsync 2> /dev/null
	[ -n "${dev:-}" ] && dd if=/dev/zero of="$dev" bs=1M count=1 oflag=direct status=none 2> /dev/null
	modprobe -r scsi_debug 2> /dev/null
	rm -rf "$work"
}
trap cleanup EXIT

modprobe dm-thin-pool || { echo "bench-thin: no dm-thin-pool" >&2; exit 1; }
command -v thin_dump > /dev/null || { echo "bench-thin: no thin_dump" >&2; exit 1; }
# LVM as fast as TCG allows, with nothing skipped that the volumes need:
# no wait for udev (LVM makes the /dev nodes itself, and udev's dm rules
# leave them alone), no metadata backups or archives, no dmeventd
mkdir "$work/lvm"
cat > "$work/lvm/lvm.conf" << 'CONF'
activation {
	udev_sync = 0
	udev_rules = 0
	monitoring = 0
}
backup {
	backup = 0
	archive = 0
}
CONF
export LVM_SYSTEM_DIR=$work/lvm LVM_SUPPRESS_FD_WARNINGS=1

t_setup0=$(now)
sdebug_reload dev_size_mb=512
lvm=(--devices "$dev")
if ! lvm vgcreate -qq "${lvm[@]}" $vg "$dev" > /dev/null ||
   ! lvm lvcreate -qq "${lvm[@]}" -L 440m -c 64k -V 512m -T $vg/pool -n t1 > /dev/null; then
	echo "bench-thin: lvm thin setup failed" >&2
	exit 1
fi
t_pool=$(ms "$t_setup0" "$(now)")
progress "VG, pool and t1 made in $t_pool ms"

# provision DEV SLOTS RUNS SEED [DEV SLOTS RUNS SEED...]: RUNS random
# slots of 4 chunks of DEV written, 1 to 3 whole chunks each from the
# slot's start (so RUNS runs of data), in order
provision() {
	python3 - "$@" << 'PY'
import mmap, os, random, sys
bs = 65536
buf = mmap.mmap(-1, 3 * bs)
buf.write(os.urandom(3 * bs))
a = sys.argv[1:]
for i in range(0, len(a), 4):
    dev, slots, runs, seed = a[i], int(a[i + 1]), int(a[i + 2]), int(a[i + 3])
    random.seed(seed)
    fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
    for s in sorted(random.sample(range(slots), runs)):
        n = random.randint(1, 3)
        os.pwritev(fd, [memoryview(buf)[:n * bs]], s * 4 * bs)
    os.close(fd)
PY
}
t0=$(now)
provision /dev/mapper/$vg-t1 2048 1200 33 || fail "writing t1 failed"
t_write=$(ms "$t0" "$(now)")
progress "t1's runs written in $t_write ms"

# find_pool: the pool (its thin-pool target: tpool) and its metadata
# device (meta), from t1's table
find_pool() {
	local pool_mm meta_mm

	pool_mm=$(dmsetup table $vg-t1 | awk '$3 == "thin" { print $4 }')
	tpool=$(cat "/sys/dev/block/$pool_mm/dm/name")
	meta_mm=$(dmsetup table "$tpool" | awk '{ print $4 }')
	meta=/dev/$(sed -n 's/^DEVNAME=//p' "/sys/dev/block/$meta_mm/uevent")
}
find_pool
devid() { dmsetup table "$1" | awk '$3 == "thin" { print $5 }'; }

# dump_map NAME: the map of thin LV NAME as userspace makes it without
# blkseek, one "start end" line (bytes) per data run, as seek-walk -m
# prints its own: a metadata snapshot reserved, thin_dump of NAME's
# device from it, parsed, the snapshot released
dump_map() {
	local id size

	id=$(devid "$1")
	size=$(blockdev --getsize64 "/dev/mapper/$1")
	dmsetup message "$tpool" 0 reserve_metadata_snap || return 1
	thin_dump --metadata-snap --dev-id "$id" "$meta" | awk -v size="$size" '
	function attr(n) {
		if (!match($0, n "=\"[0-9]+\""))
			return -1
		return substr($0, RSTART + length(n) + 2, RLENGTH - length(n) - 3) + 0
	}
	function add(o, l,   s, e) {
		s = o * bs; e = (o + l) * bs
		if (e > size)
			e = size
		if (s >= e)
			return
		if (n && s == ce) {
			ce = e
			return
		}
		if (n)
			printf "%.0f %.0f\n", cs, ce
		n++; cs = s; ce = e
	}
	/<superblock/ { bs = attr("data_block_size") * 512 }
	/<range_mapping/ { add(attr("origin_begin"), attr("length")) }
	/<single_mapping/ { add(attr("origin_block"), 1) }
	END { if (n) printf "%.0f %.0f\n", cs, ce }'
	dmsetup message "$tpool" 0 release_metadata_snap
}
# dump_alone ID: thin_dump of device ID alone, the snapshot held around it
dump_alone() {
	local t0 t1 samples=()

	dmsetup message "$tpool" 0 reserve_metadata_snap || return 1
	for _ in 1 2 3 4 5; do
		t0=$(now); thin_dump --metadata-snap --dev-id "$1" "$meta" > /dev/null; t1=$(now)
		samples+=("$(ms "$t0" "$t1")")
	done
	dmsetup message "$tpool" 0 release_metadata_snap
	printf '%s\n' "${samples[@]}" | sort -n | sed -n 3p
}
# check NAME: NAME told, walked (seek-walk -m) and mapped from thin_dump;
# sets runs, extents and same (the two maps identical: yes or no)
check() {
	local out

	out=$("$stack" -v "/dev/mapper/$1" 2>&1) || fail "blkseek-stack $1: $out"
	extents=$(echo "$out" | sed -n 's/.*dev_id [0-9]*, \([0-9]*\) mapped extents.*/\1/p')
	"$walker" -n 1 -m "$work/$1.walk" "/dev/mapper/$1" > /dev/null || fail "seek-walk $1 failed"
	dump_map "$1" > "$work/$1.dump" || fail "thin_dump map of $1 failed"
	runs=$(wc -l < "$work/$1.dump")
	if cmp -s "$work/$1.walk" "$work/$1.dump" && [ "$runs" -gt 0 ]; then
		same=yes
	else
		same=no
		fail "$1: the walk's map ($(wc -l < "$work/$1.walk") runs) differs from thin_dump's ($runs runs)"
		diff "$work/$1.dump" "$work/$1.walk" | head -5 >&2
	fi
}
# walk NAME: 5 walks of NAME timed inside seek-walk (its own clock
# around each pass); sets walk_ms (the median walk), lseeks and us_lseek
walk() {
	"$walker" -n 5 "/dev/mapper/$1" > "$work/passes" || fail "seek-walk -n 5 $1 failed"
	lseeks=$(awk 'NR == 1 { print $4 }' "$work/passes")
	us_lseek=$(awk '{ print $6 }' "$work/passes" | sort -n | awk 'NR == 3 { printf "%.2f", $1 / 1000 }')
	walk_ms=$(awk '{ print $4 * $6 / 1e6 }' "$work/passes" | sort -n | awk 'NR == 3 { printf "%.2f", $1 }')
}
meta_used() { dmsetup status "$tpool" | awk '{ print $5 }'; }

declare -A r_lvs r_exec r_tell1 r_tellS r_dump r_walk r_walkcmd r_map r_lseek r_us r_meta r_runs r_same r_ext
# measure KEY SMALL: one line of figures, with SMALL (an LV with few
# chunks, or -) told beside t1
measure() {
	settle
	r_lvs[$1]=$(dmsetup ls | grep -c "^$vg-t[0-9]")
	check $vg-t1
	r_same[$1]=$same; r_runs[$1]=$runs; r_ext[$1]=$extents
	if [ "$2" != - ]; then
		check "$2"
		r_same[$1]+=", $2 ($runs runs): $same"
	fi
	r_exec[$1]=$(median5 "$stack" --version)
	r_tell1[$1]=$(median5 "$stack" /dev/mapper/$vg-t1)
	r_tellS[$1]=-
	[ "$2" != - ] && r_tellS[$1]="$(median5 "$stack" "/dev/mapper/$2") ms"
	r_dump[$1]=$(dump_alone "$(devid $vg-t1)")
	walk $vg-t1
	r_walk[$1]=$walk_ms
	r_lseek[$1]=$lseeks; r_us[$1]=$us_lseek
	r_walkcmd[$1]=$(median5 "$walker" -n 1 /dev/mapper/$vg-t1)
	r_map[$1]=$(median5 dump_map $vg-t1)
	r_meta[$1]=$(meta_used)
	# after the timed tells: still the same map
	"$walker" -n 1 -m "$work/again" /dev/mapper/$vg-t1 > /dev/null
	cmp -s "$work/again" "$work/$vg-t1.dump" || { r_same[$1]+=" (after the timed tells: differs)"; fail "t1 differs after the timed tells"; }
}

t0=$(now)
measure one -
r_lvs[one]="${r_lvs[one]} (t1 alone)"
t_one=$(ms "$t0" "$(now)")
progress "measured with t1 alone in $t_one ms"

# 199 more thin LVs.  One lvcreate each takes about 3 s under TCG (10
# minutes for 199), so they are made as LVM would make them, in a few
# commands: the pool's thin devices created by message (create_thin, and
# set_transaction_id as LVM sets it after its own), the LVs written into
# LVM's metadata (vgcfgbackup, the 199 LVs added with their device ids
# and the pool's new transaction id, vgcfgrestore --force with the VG
# inactive, as LVM asks for thin volumes), then the VG activated whole
t0=$(now)
tid=$(dmsetup status "$tpool" | awk '{ print $4 }')
for j in $(seq 2 $nlv); do
	dmsetup message "$tpool" 0 "create_thin $j" || { fail "create_thin $j failed"; break; }
done
dmsetup message "$tpool" 0 "set_transaction_id $tid $((tid + nlv - 1))" ||
	fail "set_transaction_id failed"
t_msg=$(ms "$t0" "$(now)")
progress "$((nlv - 1)) thin devices created in the pool in $t_msg ms"
lvm vgcfgbackup -q "${lvm[@]}" -f "$work/vg.txt" $vg > /dev/null || fail "vgcfgbackup failed"
python3 - "$work/vg.txt" "$tid" "$nlv" << 'PY' || fail "editing LVM's metadata failed"
import random, re, string, sys
path, tid, nlv = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = open(path).read()
# the pool's transaction id: the one in its thin-pool segment
m = re.search(r'type = "thin-pool".*?transaction_id = (\d+)', s, re.S)
assert m and int(m.group(1)) == tid, "pool transaction_id %s, kernel %d" % (m and m.group(1), tid)
s = s[:m.start(1)] + str(tid + nlv - 1) + s[m.end(1):]
ext = int(re.search(r'extent_size = (\d+)', s).group(1))	# sectors
random.seed(33)
def uuid():
    c = string.ascii_letters + string.digits
    return "-".join("".join(random.choice(c) for _ in range(n)) for n in (6, 4, 4, 4, 4, 4, 6))
lvs = ""
for j in range(2, nlv + 1):
    lvs += """
t%d {
id = "%s"
status = ["READ", "WRITE", "VISIBLE"]
flags = []
creation_time = 1700000000
creation_host = "blkseek-bench"
segment_count = 1
segment1 {
start_extent = 0
extent_count = %d
type = "thin"
thin_pool = "pool"
transaction_id = %d
device_id = %d
}
}
""" % (j, uuid(), (64 << 11) // ext, tid + j - 2, j)
i = s.index("logical_volumes {") + len("logical_volumes {")
s = s[:i] + lvs + s[i:]
open(path, "w").write(s)
PY
lvm vgchange -an -q "${lvm[@]}" $vg > /dev/null || fail "vgchange -an failed"
lvm vgcfgrestore -q --force "${lvm[@]}" -f "$work/vg.txt" $vg < /dev/null > "$work/lvm.log" 2>&1 ||
	fail "vgcfgrestore failed: $(tail -3 "$work/lvm.log")"
t_restore=$(ms "$t0" "$(now)")
lvm vgchange -ay -q "${lvm[@]}" $vg > "$work/lvm.log" 2>&1 ||
	fail "vgchange -ay failed: $(tail -3 "$work/lvm.log")"
settle
made=$(dmsetup ls | grep -c "^$vg-t[0-9]")
t_create=$(ms "$t0" "$(now)")
t_activate=$((t_create - t_restore))
progress "$made thin LVs active after $t_create ms"
[ "$made" = $nlv ] || fail "$made thin LVs active, not $nlv"
find_pool
# 50 runs in every 20th LV (t20, t40, ...)
t0=$(now)
args=()
for j in $(seq 20 20 "$made"); do
	[ -e "/dev/mapper/$vg-t$j" ] && args+=("/dev/mapper/$vg-t$j" 256 50 "$j")
done
[ ${#args[@]} -gt 0 ] && { provision "${args[@]}" || fail "writing the small LVs failed"; }
t_write2=$(ms "$t0" "$(now)")
small=-
[ -e /dev/mapper/$vg-t100 ] && small=$vg-t100
t0=$(now)
measure many "$small"
t_many=$(ms "$t0" "$(now)")
progress "measured with ${r_lvs[many]} LVs in $t_many ms"

# the control: the 199 others gone again (their dm devices removed,
# their thin devices deleted from the pool), t1 measured again, so that
# what the pool's size adds shows apart from the guest's drift
t0=$(now)
names=()
for j in $(seq 2 "$made"); do
	names+=("$vg-t$j")
done
dmsetup remove --noudevsync "${names[@]}" || fail "dmsetup remove of the others failed"
for j in $(seq 2 $nlv); do
	dmsetup message "$tpool" 0 "delete $j" || { fail "delete $j failed"; break; }
done
t_delete=$(ms "$t0" "$(now)")
progress "the others removed and deleted in $t_delete ms"
t0=$(now)
measure again -
t_again=$(ms "$t0" "$(now)")
progress "measured again with ${r_lvs[again]} LV in $t_again ms"
r_lvs[again]="${r_lvs[again]} (the others deleted)"

echo "### Thin volumes: the tell with 1 and ${r_lvs[many]} LVs in the pool, the walk beside thin_dump"
echo
echo "One scsi_debug disk (512 MiB), one VG, a thin pool of 440 MiB with 64 KiB chunks."
echo "t1: 512 MiB virtual, ${r_runs[one]} runs of 1 to 3 chunks written at random (${r_ext[one]} mapped extents told)."
echo "Setup: VG, pool and t1 (two LVM commands) ${t_pool} ms; t1's runs written in ${t_write} ms;"
echo "$((nlv - 1)) more thin LVs of 64 MiB in ${t_create} ms: ${t_msg} ms for their create_thin messages,"
echo "$((t_restore - t_msg)) ms for vgcfgbackup, vgchange -an and vgcfgrestore, ${t_activate} ms for vgchange -ay of the $made;"
echo "50 runs written in each of $((${#args[@]} / 4)) of them in ${t_write2} ms."
echo "Measuring took ${t_one} ms with t1 alone and ${t_many} ms with every LV; then the other LVs"
echo "were removed (one dmsetup remove) and their thin devices deleted from the pool (delete messages) in ${t_delete} ms,"
echo "and t1 measured again alone in ${t_again} ms: the control for the guest's drift between the first and second lines."
echo
echo "| thin LVs in the pool | pool metadata used (4 KiB blocks) | blkseek-stack --version (start-up alone) | tell of t1 (median of 5) | tell of a small LV, 50 runs (median of 5) | thin_dump --dev-id of t1 alone, snapshot held (median of 5) |"
echo "| --- | --- | --- | --- | --- | --- |"
for k in one many again; do
	echo "| ${r_lvs[$k]} | ${r_meta[$k]} | ${r_exec[$k]} ms | ${r_tell1[$k]} ms | ${r_tellS[$k]} | ${r_dump[$k]} ms |"
done
echo
echo "The map of t1 (${r_runs[many]} runs, ${r_lseek[many]} lseeks a walk):"
echo
echo "| thin LVs in the pool | walk through blkseek, inside seek-walk (median of 5) | µs per lseek | walk as a command (seek-walk -n 1, median of 5) | userspace map: reserve_metadata_snap, thin_dump, awk, release (median of 5) | map / walk inside | map / walk as a command | the maps (walk, thin_dump) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for k in one many again; do
	awk -v n="${r_lvs[$k]}" -v w="${r_walk[$k]}" -v u="${r_us[$k]}" -v c="${r_walkcmd[$k]}" \
	    -v m="${r_map[$k]}" -v s="${r_same[$k]}" 'BEGIN {
		printf "| %s | %.2f ms | %s | %s ms | %s ms | %.0fx | %.1fx | identical: %s |\n",
			n, w, u, c, m, (w > 0 ? m / w : 0), (c > 0 ? m / c : 0), s }'
done
echo
exit $rc
