#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The reply cache watches the SCSI commands dispatched to the disk: a
# reply stays in use across reads (a copier reads between its lseeks), and
# any command that may change provisioning state drops it, whoever sends
# it: O_DIRECT and buffered writes, discards, SG_IO passthrough of WRITE
# SAME, WRITE(16) and UNMAP.  Answers are compared with what was written.
# One KTAP result per check (ktap_helpers.sh).
dir=$(dirname "$(readlink -f "$0")")
# shellcheck source=ktap_helpers.sh
. "$dir/ktap_helpers.sh"
probe="$dir/blkseek_probe"
stats=/sys/module/blkseek/stats
param=/sys/module/blkseek/parameters
K64=65536

[ -d $stats ] || { echo "# no $stats (blkseek not loaded)"; exit $KSFT_SKIP; }
for t in sg_write_same sg_unmap sg_raw blkdiscard; do
	command -v $t > /dev/null || { echo "# no $t"; exit $KSFT_SKIP; }
done
. "$dir/blkseek_lib.sh"
ktap_print_header

count() { cat $stats/"$1"; }
commands() { echo $(($(count get_lba_status_commands) + $(count read_capacity_commands))); }

ktap_test_result "the cache watches SCSI dispatch on $(uname -r) (else dmesg says why)" \
	[ "$(count cache_dispatch_mode)" = 1 ]
old_ms=$(cat $param/cache_ms)
# longest lifetime: on a slow kernel a walk outlives the default 1 s
echo 60000 > $param/cache_ms

# 40 extents of 64 KiB, 24 x 64 KiB apart
sdebug_reload dev_size_mb=64 lbpu=1 lbprz=1 unmap_granularity=8
size=$(blockdev --getsize64 "$dev")
lbs=$(blockdev --getss "$dev")
for i in $(seq 0 39); do
	dd if=/dev/urandom of="$dev" bs=$K64 count=1 seek=$((i * 24 + 3)) oflag=direct status=none
done
udevadm settle 2>/dev/null

# walk_with_reads DEV: a walk as a copier makes it: SEEK_DATA, read the
# data, SEEK_HOLE.  Sets n (lseeks), bad (SEEK_HOLE answers not 64 KiB
# after their SEEK_DATA) and ratio (commands per lseek).
walk_with_reads() {
	local size c0 d h off=0

	size=$(blockdev --getsize64 "$1")
	n=0 bad=0 c0=$(commands)
	while :; do
		d=$("$probe" "$1" data $off); n=$((n + 1))
		[ "$d" = ENXIO ] && break
		[[ "$d" =~ ^[0-9]+$ ]] || { ktap_test_fail "walk of $1: SEEK_DATA $off = $d"; break; }
		dd if="$1" of=/dev/null bs=$K64 count=1 skip=$((d / K64)) iflag=direct status=none
		h=$("$probe" "$1" hole "$d"); n=$((n + 1))
		[ "$h" = $((d + K64)) ] || bad=$((bad + 1))
		[[ "$h" =~ ^[0-9]+$ ]] && [ "$h" -lt "$size" ] || break
		off=$h
	done
	ratio=$(awk -v c=$(($(commands) - c0)) -v n=$n 'BEGIN { printf "%.3f", c / n }')
	echo "# walk of $1 with a read between lseeks: $n lseeks, $ratio commands per lseek"
}

# 1. A walk with reads keeps about one command per lseek.
walk_with_reads "$dev"
check_eq "walk lseeks (40 extents)" 81 "$n"
check_eq "SEEK_HOLE answers not at the extent's end" 0 "$bad"
# without the dispatch probes each read drops the reply: about 1.5
ktap_test_result "walk with reads: at most 1.05 commands per lseek ($ratio)" \
	awk -v r="$ratio" 'BEGIN { exit !(r <= 1.05) }'

# 2. The last reply (extent 1's, at 27 x 64 KiB) survives a read: asked
# again after it, no command is sent.
check_eq "SEEK_DATA in the hole after extent 0" $((27 * K64)) "$("$probe" "$dev" data $((4 * K64)))"
c0=$(commands)
dd if="$dev" of=/dev/null bs=$K64 count=1 skip=10 iflag=direct status=none
check_eq "after a read, SEEK_DATA at extent 1" $((27 * K64)) "$("$probe" "$dev" data $((27 * K64)))"
check_eq "commands after the read (the cached reply used)" 0 $(($(commands) - c0))

# 2b. Cached answers allocate nothing, on the disk and on a dm-linear
# device over it (a stacked device answered from its lower disk's cache).
# For each extent, one lseek asks the device (SEEK_DATA at the extent's
# start caches its data run, SEEK_HOLE at its end the hole's), then a
# window of lseeks inside that run, each answered from the cached reply.
# In the windows the kmem tracepoints are recorded for the walking
# process only (set_event_pid), in process context (an interrupt taken
# meanwhile is not the walk's).  The walker makes no syscall there but
# its lseeks and the writes to trace_marker and tracing_on around them,
# and the stock lseek of a block device (fixed_size_llseek()) allocates
# nothing: every event is the answer's, and its call site says whose.  A
# window in which a command was sent after all (the cached READ CAPACITY
# expired) is dropped and walked again.
tr=/sys/kernel/tracing
[ -d $tr/events ] || mount -t tracefs nodev $tr 2>/dev/null
alloc_events=()
for ev in kmalloc kmalloc_node kmem_cache_alloc kmem_cache_alloc_node mm_page_alloc; do
	[ -d $tr/events/kmem/$ev ] && alloc_events+=("$ev")
done
# cached_walk DEV LABEL: the walk above, its allocations checked
cached_walk() {
	local out nr_ext n cmds bad dropped allocs irq_allocs

	echo 0 > $tr/tracing_on
	echo > $tr/trace
	for ev in "${alloc_events[@]}"; do echo 1 > $tr/events/kmem/$ev/enable; done
	out=$(python3 - "$1" "$tr" "$stats" "$dir" <<'PY'
import os, sys
dev, tr, stats = sys.argv[1:4]
sys.path.insert(0, sys.argv[4])
from blkseek_seek import extents
step = 4096
fd = os.open(dev, os.O_RDONLY)
size = os.lseek(fd, 0, os.SEEK_END)
ton = os.open(tr + "/tracing_on", os.O_WRONLY)
mark = os.open(tr + "/trace_marker", os.O_WRONLY)
def commands():
    with open(stats + "/scsi_commands") as f:
        return int(f.read())
# the extents: a walk, which also warms up the walker and the module
ext = extents(fd, size)
runs = []
for d, h in ext:
    runs.append((os.SEEK_DATA, d, list(range(d, h, step))))
    end = min([e[0] for e in ext if e[0] > d] + [size])
    if h < size:
        runs.append((os.SEEK_HOLE, h, list(range(h, end, step * 8))))
with open(tr + "/set_event_pid", "w") as f:
    f.write(str(os.getpid()))
n = bad = dropped = 0
for whence, first, offs in runs:
    for attempt in range(3):
        os.lseek(fd, first, whence)     # may ask the device: outside
        c0 = commands()
        os.write(ton, b"1")
        os.write(mark, b"W")
        for o in offs:
            if os.lseek(fd, o, whence) != o:
                bad += 1
        os.write(mark, b"E")
        os.write(ton, b"0")
        if commands() == c0 or attempt == 2:
            break
        os.write(ton, b"1")             # the window before is dropped
        os.write(mark, b"X")
        os.write(ton, b"0")
        dropped += 1
    n += len(offs)
with open(tr + "/set_event_pid", "w") as f:
    f.write("")
print(len(ext), n, bad, dropped)
PY
)
	for ev in "${alloc_events[@]}"; do echo 0 > $tr/events/kmem/$ev/enable; done
	echo 1 > $tr/tracing_on
	read -r nr_ext n bad dropped <<< "$out"
	# the third column of the flags: h or H hard interrupt, s softirq;
	# events between the markers W and E, less the windows X drops
	read -r allocs irq_allocs < <(grep -v '^#' $tr/trace | awk '
		/tracing_mark_write: W/ { win = 1; a = i = 0; next }
		/tracing_mark_write: E/ { win = 0; A += a; I += i; next }
		/tracing_mark_write: X/ { A -= a; I -= i; next }
		win && $5 ~ /^(kmalloc|kmem_cache_alloc|mm_page_alloc)/ {
			if ($3 ~ /^..\./) a++; else i++ }
		END { print A + 0, I + 0 }')
	echo "# cached walk of $2: $nr_ext extents, $n lseeks from the cache ($dropped windows" \
		"walked again), $allocs allocations (${alloc_events[*]}; $irq_allocs in interrupts)," \
		"$(awk -v a="$allocs" -v n="$n" 'BEGIN { printf "%.3f", n ? a / n : 0 }') per lseek"
	# the commonest, by event and call site (or order)
	grep -v '^#' $tr/trace | awk '
		/tracing_mark_write: W/ { win = 1; next }
		/tracing_mark_write: E/ { win = 0; next }
		win && $3 ~ /^..\./ && $5 ~ /^(kmalloc|kmem_cache_alloc|mm_page_alloc)/ {
			w = ""
			for (i = 6; i <= NF; i++) if ($i ~ /^(call_site|order)=/) w = $i
			print $5, w }' | sort | uniq -c | sort -rn | head -5 | sed 's/^/#   /'
	echo > $tr/trace
	check_eq "cached walk of $2: extents" 40 "$nr_ext"
	check_eq "cached walk of $2: answers not at the offset asked" 0 "$bad"
	check_eq "cached walk of $2: allocations by the walking process" 0 "$allocs"
}
if [ ${#alloc_events[@]} -lt 3 ] || ! command -v python3 > /dev/null; then
	ktap_test_fail "kmem tracepoints (${alloc_events[*]}) and python3 on $(uname -r)"
else
	cached_walk "$dev" "$name"
	stack=${BLKSEEK_REPO:-}/tools/blkseek-stack
	if [ -x "$stack" ] && command -v dmsetup > /dev/null && modprobe dm-mod 2> /dev/null &&
	   dmsetup create bscache --table "0 $((size / 512)) linear $dev 0"; then
		udevadm settle 2>/dev/null
		ktap_test_result "blkseek-stack /dev/mapper/bscache" "$stack" /dev/mapper/bscache &&
			cached_walk /dev/mapper/bscache "dm-linear over $name"
		dmsetup remove bscache
		udevadm settle 2>/dev/null
	else
		echo "# no blkseek-stack or device mapper: the cached walk of a stacked device skipped"
	fi
fi

# 3. A hole's reply is the last one cached (SEEK_HOLE inside it), then a
# writer puts data inside the hole: the next SEEK_DATA must find it, not
# the next extent the stale reply leads to.  The holes after extents 1..4.
pattern=$(mktemp)
head -c $K64 /dev/urandom > "$pattern"
spot=0
changed() {	# changed LABEL COMMAND...: COMMAND writes 64 KiB at $at
	local label=$1 base=$(((spot * 24 + 28) * K64)) ch0
	shift
	at=$((base + 4 * K64))
	spot=$((spot + 1))
	check_eq "$label: SEEK_HOLE before" $base "$("$probe" "$dev" hole $base)"
	ch0=$(count cache_changes)
	"$@" > /dev/null 2>&1 || ktap_test_fail "$label: $*"
	check_eq "$label: SEEK_DATA after" $at "$("$probe" "$dev" data $base)"
	ktap_test_result "$label: cache_changes moved" [ "$(count cache_changes)" -gt "$ch0" ]
}
blk() { echo $(($1 / lbs)); }
be() { printf '%0*x' $(($2 * 2)) "$1" | sed 's/../& /g'; }	# be VALUE BYTES
changed "O_DIRECT write" dd if="$pattern" of="$dev" bs=$K64 seek=$(((spot * 24 + 32))) \
	oflag=direct conv=notrunc status=none
changed "buffered write" dd if="$pattern" of="$dev" bs=$K64 seek=$(((spot * 24 + 32))) \
	conv=notrunc,fsync status=none
head -c "$lbs" "$pattern" > "$pattern.1"
changed "SG_IO WRITE SAME(16)" sg_write_same --16 --in="$pattern.1" \
	--lba="$(blk $(((spot * 24 + 32) * K64)))" --num=$((K64 / lbs)) "$dev"
# shellcheck disable=SC2046 # be prints one word per byte
changed "SG_IO WRITE(16)" sg_raw -s $K64 -i "$pattern" "$dev" 8a 00 \
	$(be "$(blk $(((spot * 24 + 32) * K64)))" 8) $(be $((K64 / lbs)) 4) 00 00

# 4. An extent's reply is the last one cached (SEEK_DATA at it), then it is
# deallocated: the next SEEK_HOLE finds the hole at its start.
unmapped() {	# unmapped LABEL COMMAND...: COMMAND deallocates extent $e
	local label=$1 at=$(((e * 24 + 3) * K64))
	shift
	check_eq "$label: SEEK_DATA before" "$at" "$("$probe" "$dev" data $at)"
	"$@" > /dev/null 2>&1 || ktap_test_fail "$label: $*"
	check_eq "$label: SEEK_HOLE after" "$at" "$("$probe" "$dev" hole $at)"
	e=$((e + 1))
}
e=30
unmapped "SG_IO UNMAP" sg_unmap --lba="$(blk $(((e * 24 + 3) * K64)))" --num=$((K64 / lbs)) "$dev"
unmapped "BLKDISCARD" blkdiscard -o $(((e * 24 + 3) * K64)) -l $K64 "$dev"

# 5. Two disks walked at once, their lseeks interleaved, with reads: each
# keeps its own reply (no eviction by the other), about one command per
# lseek.
sdebug_reload dev_size_mb=16 lbpu=1 lbprz=1 unmap_granularity=8 add_host=2 per_host_store=1
size=$(blockdev --getsize64 "$dev")
for d in "${disks[@]}"; do
	for i in $(seq 0 19); do
		dd if="$pattern" of="/dev/$d" bs=$K64 count=1 seek=$((i * 12 + 5)) \
			oflag=direct conv=notrunc status=none
	done
done
udevadm settle 2>/dev/null
off=(0 0) phase=(data data) ended=(0 0) n=0
step() {	# step I: the next lseek of disk I's walk, a read after SEEK_DATA
	local i=$1 r
	r=$("$probe" "/dev/${disks[$i]}" "${phase[$i]}" "${off[$i]}")
	n=$((n + 1))
	if ! [[ "$r" =~ ^[0-9]+$ ]]; then
		ended[$i]=1
	elif [ "${phase[$i]}" = data ]; then
		dd if="/dev/${disks[$i]}" of=/dev/null bs=$K64 count=1 skip=$((r / K64)) \
			iflag=direct status=none
		off[$i]=$r phase[$i]=hole
	else
		off[$i]=$r phase[$i]=data
		[ "$r" -lt "$size" ] || ended[$i]=1
	fi
}
c0=$(commands)
while [ "${ended[0]}${ended[1]}" != 11 ]; do
	for i in 0 1; do [ "${ended[$i]}" = 1 ] || step $i; done
done
c1=$(commands)
ratio=$(awk -v c=$((c1 - c0)) -v n=$n 'BEGIN { printf "%.3f", c / n }')
echo "# two disks walked at once: $n lseeks, $((c1 - c0)) commands, $ratio per lseek"
check_eq "lseeks of the two walks (20 extents each)" 82 "$n"
ktap_test_result "two disks walked at once: at most 1.05 commands per lseek ($ratio)" \
	awk -v r="$ratio" 'BEGIN { exit !(r <= 1.05) }'

# 6. No probes, as on a kernel whose tracepoints they cannot attach to
# (cache_watch=0): no reply is kept (a write through another path of the
# LUN would be unseen), every answer sends its command, and the writers
# are seen.  On disk 1 of the two above: extents at (12 i + 5) x 64 KiB.
if ! blkseek_reload cache_watch=0 || ! echo 60000 > $param/cache_ms; then
	ktap_exit_fail_msg "cannot load blkseek again with cache_watch=0"
fi
check_eq "cache_dispatch_mode with cache_watch=0" 0 "$(count cache_dispatch_mode)"
d1=/dev/${disks[1]}
udevadm settle 2>/dev/null
check_eq "no probes: SEEK_DATA at 0" $((5 * K64)) "$("$probe" "$d1" data 0)"
c0=$(commands)
check_eq "no probes: SEEK_DATA at extent 0" $((5 * K64)) "$("$probe" "$d1" data $((5 * K64)))"
ktap_test_result "no probes: the answer sent a command, no reply kept" [ $(($(commands) - c0)) -ge 1 ]
check_eq "no probes: SEEK_HOLE in the hole after extent 0" $((6 * K64)) \
	"$("$probe" "$d1" hole $((6 * K64)))"
dd if="$pattern" of="$d1" bs=$K64 seek=10 oflag=direct conv=notrunc status=none
check_eq "no probes: SEEK_DATA after an O_DIRECT write in that hole" $((10 * K64)) \
	"$("$probe" "$d1" data $((6 * K64)))"
check_eq "no probes: SEEK_DATA at extent 1" $((17 * K64)) "$("$probe" "$d1" data $((17 * K64)))"
sg_unmap --lba="$(blk $((17 * K64)))" --num=$((K64 / lbs)) "$d1" > /dev/null 2>&1 ||
	ktap_test_fail "no probes: sg_unmap of extent 1"
check_eq "no probes: SEEK_HOLE at extent 1 after SG_IO UNMAP" $((17 * K64)) \
	"$("$probe" "$d1" hole $((17 * K64)))"
walk_with_reads "/dev/${disks[0]}"
check_eq "no probes: walk lseeks (20 extents)" 41 "$n"
check_eq "no probes: SEEK_HOLE answers not at the extent's end" 0 "$bad"
# no reply kept: SEEK_DATA asks once or twice (a hole then data), SEEK_HOLE
# twice (the data then the hole)
ktap_test_result "no probes: at least 1.5 commands per lseek ($ratio)" \
	awk -v r="$ratio" 'BEGIN { exit !(r >= 1.5) }'
if ! blkseek_reload || ! echo 60000 > $param/cache_ms; then
	ktap_exit_fail_msg "cannot load blkseek again"
fi
check_eq "cache_dispatch_mode after loading again" 1 "$(count cache_dispatch_mode)"

echo "$old_ms" > $param/cache_ms
rm -f "$pattern" "$pattern.1"
modprobe -r scsi_debug
ktap_finished
