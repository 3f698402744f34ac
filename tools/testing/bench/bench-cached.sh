#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, inside the VM (blkseek loaded): the cached path beside what
# users compare it with (issue 23).  One layout, 20000 random 4 KiB
# extents over 4 GiB, is walked with SEEK_DATA/SEEK_HOLE
# (tools/testing/bench/seek-walk.c):
#  a. on a tgt iSCSI LUN backed by a sparse file (tgt-lun.sh), through
#     blkseek: tgt answers GET LBA STATUS with as many descriptors as the
#     reply holds, so most lseeks are answered from the reply cache;
#  b. on that backing file itself (tmpfs);
#  c. on an ext4 file with the same layout (ext4 on a loop device over a
#     tmpfs file).
# Whole walks (every reply fetched once per walk) and the first 100 runs
# walked again and again (one reply, cached answers only); GET LBA STATUS
# per 100 lseeks from the module's stats; the three maps compared.  Then
# one reader against two at once on the two vCPUs: two LUNs (one each),
# one LUN (both on it), and ext4 beside them.
# With "profile" after REPO, also where a cached answer's time goes:
# function_graph from blkseek_llseek() down, over 2000 cached lseeks,
# the time of each function (inclusive) per lseek.
# Usage: bench-cached.sh REPO [profile]; prints a Markdown section.
set -u
repo=$1
profile=${2:-}
walk=$repo/tools/testing/bench/seek-walk
stats=/sys/module/blkseek/stats
dir=/tmp/blkseek-bench-cached
size=$((4 << 30))
extents=20000
passes=3		# whole walks
head_runs=100		# the cached-only walk: these first runs ...
head_passes=200		# ... this many times
rc=0

mkdir -p $dir
mount -t tmpfs -o size=3G tmpfs $dir || exit 1
# the layout: 20000 distinct random 4 KiB slots of 4 GiB, random bytes
layout() {	# layout FILE: FILE made sparse, of $size, with the layout
	truncate -s $size "$1"
	python3 - "$1" $size $extents <<'EOF'
import os, random, sys
path, size, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(23)
fd = os.open(path, os.O_WRONLY)
for s in sorted(random.sample(range(size >> 12), n)):
    os.pwrite(fd, random.randbytes(4096), s << 12)
os.fsync(fd)
os.close(fd)
EOF
}
layout $dir/lun0.img
cp --sparse=always $dir/lun0.img $dir/lun1.img
truncate -s 5G $dir/ext4.img
modprobe loop
if ! { mkfs.ext4 -q -F $dir/ext4.img && mkdir -p $dir/ext4 &&
	loop=$(losetup -f --show $dir/ext4.img) && mount -t ext4 "$loop" $dir/ext4 &&
	layout $dir/ext4/file; }; then
	echo "bench-cached: no ext4 file" >&2
	rc=1
fi
mapfile -t luns < <("$repo/tools/testing/bench/tgt-lun.sh" up $dir/lun0.img $dir/lun1.img)
[ ${#luns[@]} = 2 ] || { echo "bench-cached: tgt-lun.sh failed" >&2; rc=1; }
udevadm settle
gls() { cat $stats/get_lba_status_commands; }
lseeks() { cat $stats/lseeks; }
field() { awk -v f="$1" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }'; }
# per_lseek OUT: the passes' µs per lseek, "a, b, c"
per_lseek() { field ns_per_lseek <<< "$1" | awk '{ printf "%s%.2f", (NR > 1 ? ", " : ""), $1 / 1000 }'; }
# best OUT: the smallest µs per lseek of the passes
best() { field ns_per_lseek <<< "$1" | sort -n | head -1 | awk '{ printf "%.2f", $1 / 1000 }'; }

echo "### Cached answers: one layout on a tgt LUN, its backing file, ext4"
echo
echo "$extents random 4 KiB extents over 4 GiB, walked with SEEK_DATA/SEEK_HOLE"
echo "by \`seek-walk\`: the whole map $passes times, then the first $head_runs runs"
echo "$head_passes times (one reply: cached answers only). cache_ms=$(cat /sys/module/blkseek/parameters/cache_ms)."
echo
echo "| the layout on | whole walk: µs per lseek ($passes walks) | lseeks per walk | GET LBA STATUS per 100 lseeks | first $head_runs runs: µs per lseek ($head_passes walks, best) | GET LBA STATUS per 100 lseeks | map |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
declare -A whole head
for what in lun file ext4; do
	case $what in
	lun) path=/dev/${luns[0]:-none}; label="tgt LUN through blkseek (/dev/${luns[0]:-none})" ;;
	file) path=$dir/lun0.img; label="its backing file (tmpfs)" ;;
	ext4) path=$dir/ext4/file; label="an ext4 file" ;;
	esac
	[ -e "$path" ] || { echo "| $label | not measured | | | | | |"; continue; }
	g0=$(gls); l0=$(lseeks)
	out=$("$walk" -c 0 -n $passes -m $dir/map.$what "$path") || rc=1
	g1=$(gls); l1=$(lseeks)
	out2=$("$walk" -c 0 -n $head_passes -r $head_runs "$path") || rc=1
	g2=$(gls); l2=$(lseeks)
	whole[$what]=$(best "$out"); head[$what]=$(best "$out2")
	if [ $what = lun ]; then
		c1=$(awk -v g=$((g1 - g0)) -v l=$((l1 - l0)) 'BEGIN { printf "%.3f", 100 * g / l }')
		c2=$(awk -v g=$((g2 - g1)) -v l=$((l2 - l1)) 'BEGIN { printf "%.3f", 100 * g / l }')
		gls_whole=$c1
	else
		c1=-; c2=-
	fi
	if [ $what = lun ]; then
		m="$(field runs <<< "$out" | head -1) runs, $(field data <<< "$out" | head -1) bytes of data"
	elif cmp -s $dir/map.lun $dir/map.$what; then
		m="identical to the LUN's"
	else
		m="**differs** from the LUN's ($(wc -l < $dir/map.$what) runs)"; rc=1
	fi
	echo "| $label | $(per_lseek "$out") | $(field lseeks <<< "$out" | head -1) | $c1 | ${head[$what]} | $c2 | $m |"
done
echo
if [ ${#luns[@]} = 2 ]; then
	t0=$(date +%s%N)
	g=$("$repo/tools/testing/bench/gls-walk" "/dev/${luns[0]}")
	t1=$(date +%s%N)
	echo "The LUN's own cost: gls-walk (GET LBA STATUS through SG_IO from userspace) walks its map with $(awk '{ print $6 }' <<< "$g") commands in $(awk -v t=$((t1 - t0)) 'BEGIN { printf "%.2f", t / 1e9 }') s ($(awk '{ print $2 }' <<< "$g") runs)."
	echo
fi

# one reader, then two at once on CPUs 0 and 1 (the first $head_runs runs,
# cached answers only): µs per lseek of each reader (median of its
# walks), lseeks per second of them all (total lseeks over the time the
# slowest took) and GET LBA STATUS sent meanwhile
together() {	# together PATH0 [PATH1]: readers on CPUs 0 (and 1)
	local i=0 p pids=() t0 t1 n=0 g0
	g0=$(gls)
	t0=$(date +%s%N)
	for p in "$@"; do
		"$walk" -c $i -n $((head_passes * 2)) -r $head_runs "$p" > "$dir/reader.$i" &
		pids+=($!); i=$((i + 1))
	done
	wait "${pids[@]}"
	t1=$(date +%s%N)
	for i in $(seq 0 $(($# - 1))); do
		n=$((n + $(field lseeks < "$dir/reader.$i" | awk '{ s += $1 } END { print s }')))
		printf '%s | ' "$(field ns_per_lseek < "$dir/reader.$i" | sort -n |
			awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] / 1000 }')"
	done
	[ $# = 1 ] && printf -- '- | '
	awk -v n=$n -v t=$((t1 - t0)) 'BEGIN { printf "%.0f", n / (t / 1e9) }'
	printf ' | %s' $(($(gls) - g0))
}
if [ ${#luns[@]} = 2 ]; then
	ms=$(cat /sys/module/blkseek/parameters/cache_ms)
	echo 60000 > /sys/module/blkseek/parameters/cache_ms
	echo "Readers on two vCPUs ($(nproc) online): the first $head_runs runs, $((head_passes * 2)) walks each, µs per lseek (median of the walks), cache_ms=60000 (a reply lives through the run)."
	echo
	echo "| readers | reader on CPU 0 | reader on CPU 1 | lseeks per second, all readers | GET LBA STATUS |"
	echo "| --- | --- | --- | --- | --- |"
	echo "| one, one LUN | $(together "/dev/${luns[0]}") |"
	echo "| two, two LUNs | $(together "/dev/${luns[0]}" "/dev/${luns[1]}") |"
	echo "| two, one LUN | $(together "/dev/${luns[0]}" "/dev/${luns[0]}") |"
	if [ -e $dir/ext4/file ]; then
		echo "| one, ext4 | $(together $dir/ext4/file) |"
		echo "| two, one ext4 file | $(together $dir/ext4/file $dir/ext4/file) |"
	fi
	echo
	echo "$ms" > /sys/module/blkseek/parameters/cache_ms
fi

if [ "$profile" = profile ] && [ ${#luns[@]} = 2 ]; then
	tr=/sys/kernel/tracing
	[ -e $tr/trace ] || mount -t tracefs nodev $tr
	"$walk" -n 3 -r $head_runs "/dev/${luns[0]}" > /dev/null	# the reply cached
	echo 0 > $tr/tracing_on
	echo function_graph > $tr/current_tracer
	echo blkseek_llseek > $tr/set_graph_function
	echo 8 > $tr/max_graph_depth
	echo funcgraph-tail > $tr/trace_options	# "} /* f */" names what closes
	echo nofuncgraph-irqs > $tr/trace_options
	echo 65536 > $tr/buffer_size_kb
	: > $tr/trace
	echo 1 > $tr/tracing_on
	"$walk" -n 10 -r $head_runs "/dev/${luns[0]}" > $dir/profile.walk
	echo 0 > $tr/tracing_on
	grep -v '^#' $tr/trace | sed 's/ \[[a-z0-9_]*\]//' > $dir/profile.trace
	cp $dir/profile.trace "$repo/build/results/profile-$(uname -r).trace" 2>/dev/null
	grep -q '/\* blkseek_llseek \*/' $dir/profile.trace || {
		echo "bench-cached: no blkseek_llseek in the trace ($(wc -l < $dir/profile.trace) lines):" >&2
		grep -v '^#' $dir/profile.trace | head -20 >&2
		cat $tr/set_graph_function $tr/trace_options >&2
		grep -c blkseek_llseek $tr/available_filter_functions >&2
	}
	echo nop > $tr/current_tracer
	: > $tr/set_graph_function
	echo "Where a cached answer's time goes: function_graph under blkseek_llseek()"
	echo "(max depth 8), $(field lseeks < $dir/profile.walk | awk '{ s += $1 } END { print s }') lseeks of the first $head_runs runs;"
	echo "µs per lseek, inclusive of what each calls, with the tracer's own cost in it:"
	echo
	echo "| function | calls per lseek | µs per lseek |"
	echo "| --- | --- | --- |"
	awk -v n="$(grep -c '/\* blkseek_llseek \*/' $dir/profile.trace)" \
		-f "$repo/tools/testing/bench/graph-profile.awk" $dir/profile.trace | sort -k3 -g -r | head -30 |
		awk '{ printf "| %s | %s | %s |\n", $1, $2, $3 }'
	echo
	echo "Walk under the tracer: $(per_lseek "$(cat $dir/profile.walk)") µs per lseek."
	echo
fi

echo "Targets (issue 23):"
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
if [ -n "${head[lun]:-}" ] && [ -n "${head[ext4]:-}" ]; then
	echo "- cached answer / ext4, per lseek (first $head_runs runs, best): $(ratio "${head[lun]}" "${head[ext4]}") (target <= 1.2)"
	echo "- whole walk, LUN / ext4, per lseek (best): $(ratio "${whole[lun]}" "${whole[ext4]}")"
fi
[ -n "${gls_whole:-}" ] && echo "- GET LBA STATUS per 100 lseeks over whole walks: $gls_whole (target <= 1)"
echo

"$repo/tools/testing/bench/tgt-lun.sh" down
umount $dir/ext4 2>/dev/null
[ -n "${loop:-}" ] && losetup -d "$loop"
umount $dir
exit $rc
