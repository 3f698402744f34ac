#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, inside the VM (blkseek loaded): prints Markdown tables.
# Usage: bench-guest.sh REPO
#  1. map walk of a 1 GiB scsi_debug disk with 1000 random 64 KiB extents:
#     blkseek-map --lseek vs gls-walk (userspace SG_IO GET LBA STATUS),
#     best of 3 each, and SCSI commands per lseek (iorequest_cnt over the
#     module's lseek counter), with the reply cache and without it
#  2. walk cost against size: the same 1000 extents on 256 MiB and 2 GiB
#  3. an LV over two disks (blkseek-stack): SCSI commands per lseek
#     against walking the two disks themselves
#  4. copies read through a 100 MB/s cap (cgroup v2 io.max; under TCG
#     scsi_debug serves reads as memcpy): nbdcopy of a 256 MiB LUN with
#     1000 random 64 KiB extents, against its floor (the 256 KiB requests
#     it makes that hold data) and against the userspace SG_IO walk time
#     plus the floor's bytes at the cap; SCSI commands per lseek; from
#     scsi_debug (one descriptor per reply) and from a tgt iSCSI LUN
#     (many, tools/testing/bench/tgt-lun.sh)
#  5. sparse copies of a 256 MiB disk at 1, 6, 25 and 100 % mapped
#     (256 KiB extents): nbdcopy with blkseek, blkseek-copy, dd of the
#     whole disk, then (module unloaded, same disks) nbdcopy without it
#  6. cached answers on a tgt LUN beside its backing file and an ext4
#     file with the same layout, one reader and two (bench-cached.sh)
#  7. telling blkseek-stack one LV, every device, and one per LV as at
#     boot, with 200 and 1000 LVs (bench-lvs.sh)
#  8. LVM thin volumes: the tell with 1 and 200 thin LVs in the pool, and
#     the walk of a told LV with 1200 runs beside the map userspace makes
#     from thin_dump of a metadata snapshot (bench-thin.sh)
# With BLKSEEK_BENCH=cached, only 6; with cached-profile, 6 and where a
# cached answer's time goes (function_graph); with lvs, only 7; with
# thin, only 8.
set -u
repo=$1
map=$repo/tools/blkseek-map
copy=$repo/tools/blkseek-copy
gls=$repo/tools/testing/bench/gls-walk
stats=/sys/module/blkseek/stats
out=/tmp/bench-out

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# sdebug_reload PARAMS...: scsi_debug loaded afresh; sets disks, name, dev
# shellcheck source=../../../selftests/blkseek/blkseek_lib.sh
. "$repo/selftests/blkseek/blkseek_lib.sh"
fill() {	# fill SLOT_BYTES NSLOTS N SEED: N distinct random slots written;
	# prints the bytes of the 256 KiB blocks that hold data (the floor)
	# and lists their offsets in $floor_list
	python3 - "$dev" "$@" <<'EOF'
import mmap, os, random, sys
dev, slot, nslots, n, seed = sys.argv[1], *map(int, sys.argv[2:])
fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
buf = mmap.mmap(-1, slot)
buf.write(os.urandom(slot))
random.seed(seed)
chunks = set()
for s in sorted(random.sample(range(nslots), n)):
    os.pwritev(fd, [buf], s * slot)
    chunks.update(range(s * slot >> 18, ((s + 1) * slot - 1 >> 18) + 1))
os.close(fd)
print(len(chunks) << 18)
with open(os.environ.get("floor_list", "/dev/null"), "w") as f:
    f.write("".join("%d\n" % (c << 18) for c in sorted(chunks)))
EOF
	udevadm settle 2>/dev/null
}
cmds() { echo $(($(cat /sys/block/$name/device/iorequest_cnt))); }
rd() { awk '{ print $3 * 512 }' /sys/block/$name/stat; }
best() {	# best N CMD...: smallest wall time of N runs, in seconds
	local n=$1 b= t0 t1 t
	shift
	for _ in $(seq "$n"); do
		t0=$(now); "$@" > /dev/null; t1=$(now)
		t=$(secs "$t0" "$t1")
		if [ -z "$b" ] || awk -v t="$t" -v b="$b" 'BEGIN { exit !(t < b) }'; then b=$t; fi
	done
	echo "$b"
}

echo "## $(uname -r)"
echo
case ${BLKSEEK_BENCH:-} in
cached) exec "$repo/tools/testing/bench/bench-cached.sh" "$repo" ;;
cached-profile) exec "$repo/tools/testing/bench/bench-cached.sh" "$repo" profile ;;
lvs) exec "$repo/tools/testing/bench/bench-lvs.sh" "$repo" ;;
thin) exec "$repo/tools/testing/bench/bench-thin.sh" "$repo" ;;
esac
echo "### Map walk: 1 GiB, 1000 random 64 KiB extents"
echo
sdebug_reload dev_size_mb=1024 lbpu=1 lbprz=1 unmap_granularity=128
fill 65536 16384 1000 1 > /dev/null
g=$("$gls" "$dev")
echo "| walker | time (best of 3) | SCSI commands | lseeks | commands per lseek |"
echo "| --- | --- | --- | --- | --- |"
tg=$(best 3 "$gls" "$dev")
echo "| gls-walk (SG_IO GET LBA STATUS) | $tg s | $(echo "$g" | awk '{ print $6 }') | - | - |"
cache_ms=$(cat /sys/module/blkseek/parameters/cache_ms)
for ms in "$cache_ms" 0; do
	echo "$ms" > /sys/module/blkseek/parameters/cache_ms
	c0=$(cmds); l0=$(cat $stats/lseeks)
	"$map" --lseek --quiet "$dev"
	c1=$(cmds); l1=$(cat $stats/lseeks)
	tm=$(best 3 "$map" --lseek --quiet "$dev")
	echo "| blkseek-map --lseek, cache_ms=$ms | $tm s | $((c1 - c0)) | $((l1 - l0)) | $(awk -v c=$((c1 - c0)) -v l=$((l1 - l0)) 'BEGIN { printf "%.3f", c / l }') |"
	if [ "$ms" = "$cache_ms" ]; then
		ratio=$(awk -v a="$tm" -v b="$tg" 'BEGIN { printf "%.2f", a / b }')
		cpl=$(awk -v c=$((c1 - c0)) -v l=$((l1 - l0)) 'BEGIN { printf "%.3f", c / l }')
	fi
done
echo "$cache_ms" > /sys/module/blkseek/parameters/cache_ms
echo
echo "Runs found by gls-walk: $(echo "$g" | awk '{ print $2 }'), data $(echo "$g" | awk '{ print $4 }') bytes."
echo "Time ratio blkseek-map --lseek / gls-walk (cache on): **$ratio** (target <= 1.0)."
echo

echo "### Walk cost against device size: the same 1000 extents"
echo
echo "| device | blkseek-map --lseek (best of 3) | gls-walk (best of 3) |"
echo "| --- | --- | --- |"
for mb in 256 2048; do
	sdebug_reload dev_size_mb=$mb lbpu=1 lbprz=1 unmap_granularity=128
	fill 65536 4096 1000 1 > /dev/null
	echo "| $mb MiB | $(best 3 "$map" --lseek --quiet "$dev") s | $(best 3 "$gls" "$dev") s |"
done
echo

echo "### Stacked: an LV over two disks against the disks themselves"
echo
# two disks of their own stores, 500 random 64 KiB extents each; an LV
# made of both whole (two segments), told to blkseek by blkseek-stack
sdebug_reload dev_size_mb=256 lbpu=1 lbprz=1 unmap_granularity=128 per_host_store=1 add_host=2
pvs=("/dev/${disks[0]}" "/dev/${disks[1]}")
for i in 0 1; do
	dev=${pvs[$i]} fill 65536 4096 500 $((3 + i)) > /dev/null
done
lvm=(--devices "${pvs[0]},${pvs[1]}")
lvm pvcreate -q "${lvm[@]}" "${pvs[@]}" > /dev/null
lvm vgcreate -q "${lvm[@]}" benchvg "${pvs[@]}" > /dev/null
lvm lvcreate -q "${lvm[@]}" -n lv -l 100%FREE benchvg > /dev/null
udevadm settle
"$repo/tools/blkseek-stack" /dev/mapper/benchvg-lv
walk_cost() {	# walk_cost DEV...: "commands lseeks" of one walk of each
	local c0 l0
	c0=$(cat $stats/scsi_commands); l0=$(cat $stats/lseeks)
	for d in "$@"; do "$map" --lseek --quiet "$d"; done
	echo "$(($(cat $stats/scsi_commands) - c0)) $(($(cat $stats/lseeks) - l0))"
}
echo "| walked | time (best of 3) | SCSI commands | lseeks | commands per lseek |"
echo "| --- | --- | --- | --- | --- |"
read -r cd ld < <(walk_cost "${pvs[@]}")
read -r cl ll < <(walk_cost /dev/mapper/benchvg-lv)
cpl_disks=$(awk -v c="$cd" -v l="$ld" 'BEGIN { printf "%.3f", c / l }')
cpl_lv=$(awk -v c="$cl" -v l="$ll" 'BEGIN { printf "%.3f", c / l }')
echo "| the two disks, one after the other | $(best 3 "$map" --lseek --quiet "${pvs[0]}") + $(best 3 "$map" --lseek --quiet "${pvs[1]}") s | $cd | $ld | $cpl_disks |"
echo "| the LV over both | $(best 3 "$map" --lseek --quiet /dev/mapper/benchvg-lv) s | $cl | $ll | $cpl_lv |"
echo
stack_ratio=$(awk -v a="$cpl_lv" -v b="$cpl_disks" 'BEGIN { printf "%.2f", a / b }')
echo "Commands per lseek, LV / disks: **$stack_ratio** (target <= 1.05)."
echo
dmsetup remove benchvg-lv

echo "### Copy through a 100 MB/s read cap: 256 MiB, 1000 random 64 KiB extents"
echo
# cgroup v2 io.max on the disk; nbdcopy's reads are its own (page cache
# dropped first).  Readahead stays at its default (128 KiB): it reads past
# the pieces nbdcopy asks for (read / floor shows how much), but with it
# off the page cache reads a page at a time (120 s instead of 19 s for
# this copy on 6.12).  scsi_debug answers GET LBA STATUS with one descriptor;
# tgt, from its backing file, with as many as the reply holds.
cap=$((100 * 1000 * 1000))
cg=/sys/fs/cgroup
grep -q " $cg cgroup2 " /proc/mounts || mount -t cgroup2 none $cg
echo +io > $cg/cgroup.subtree_control 2>/dev/null
mkdir -p $cg/blkseek-bench
capped() {	# capped CMD...: run CMD (or a function) in the capped cgroup
	(echo "$BASHPID" > $cg/blkseek-bench/cgroup.procs && "$@")
}
declare -A copy_ratio copy_cpl
echo "| LUN | cache | nbdcopy time | expected (walk + floor at the cap) | time / expected | read / floor | lseeks | GET LBA STATUS + READ CAPACITY | commands per lseek |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
floor_list=/tmp/blkseek-bench-floor
export floor_list
read_floor() {	# read_floor: the floor's 256 KiB pieces read, nothing else
	python3 - "$dev" "$floor_list" <<'EOF'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
for off in open(sys.argv[2]):
    os.pread(fd, 262144, int(off))
os.close(fd)
EOF
}
capped_copies() {	# capped_copies LUN: nbdcopy of $dev, cache on and off
	local floor tw tf expect ms l0 q0 r0 r1 t0 t1 l q row
	floor=$(fill 65536 4096 1000 5)
	echo "$(cat /sys/block/$name/dev) rbps=$cap" > $cg/blkseek-bench/io.max
	tw=$(best 3 "$gls" "$dev")
	expect=$(awk -v w="$tw" -v f="$floor" -v c=$cap 'BEGIN { printf "%.2f", w + f / c }')
	echo 3 > /proc/sys/vm/drop_caches
	t0=$(now); capped read_floor; t1=$(now); tf=$(secs "$t0" "$t1")
	for ms in "$cache_ms" 0; do
		echo "$ms" > /sys/module/blkseek/parameters/cache_ms
		echo 3 > /proc/sys/vm/drop_caches
		l0=$(cat $stats/lseeks)
		q0=$(($(cat $stats/get_lba_status_commands) + $(cat $stats/read_capacity_commands)))
		r0=$(rd); t0=$(now); capped nbdcopy "$dev" "$out"; t1=$(now); r1=$(rd)
		l=$(($(cat $stats/lseeks) - l0))
		q=$(($(cat $stats/get_lba_status_commands) + $(cat $stats/read_capacity_commands) - q0))
		cmp -s "$dev" "$out" || echo "nbdcopy's copy of $1 differs (cache_ms=$ms)" >&2
		rm -f "$out"
		row=$(awk -v t="$(secs "$t0" "$t1")" -v e="$expect" -v r=$((r1 - r0)) -v f="$floor" \
			-v l="$l" -v q="$q" 'BEGIN {
			printf "%.2f s | %s s | %.2f | %.3f | %d | %d | %.3f", t, e, t / e, r / f, l, q, q / l }')
		echo "| $1 | cache_ms=$ms | $row |"
		if [ "$ms" = "$cache_ms" ]; then
			copy_ratio[$1]=$(echo "$row" | awk -F' [|] ' '{ print $3 }')
			copy_cpl[$1]=$(echo "$row" | awk -F' [|] ' '{ print $7 }')
		fi
	done
	echo "$cache_ms" > /sys/module/blkseek/parameters/cache_ms
	echo "max" > $cg/blkseek-bench/io.max 2>/dev/null
	notes+="$1: floor $floor bytes (the 256 KiB requests holding data), userspace SG_IO walk (gls-walk, best of 3) $tw s, the floor's pieces read alone through the cap $tf s (python, buffered). "
}
notes=
sdebug_reload dev_size_mb=256 lbpu=1 lbprz=1 unmap_granularity=8
capped_copies scsi_debug
modprobe -r scsi_debug
lun=/tmp/blkseek-bench-lun.img
truncate -s 256M $lun
if name=$("$repo/tools/testing/bench/tgt-lun.sh" up $lun); then
	dev=/dev/$name
	capped_copies tgt
	"$repo/tools/testing/bench/tgt-lun.sh" down
else
	echo "| tgt | - | no tgt LUN: tgt-lun.sh failed | | | | | | |"
fi
rm -f $lun
rmdir $cg/blkseek-bench 2>/dev/null
echo
echo "$notes"
echo "Cap $cap bytes/s. Cache mode: $([ "$(cat $stats/cache_dispatch_mode)" = 1 ] && echo "dispatch (reads keep a reply)" || echo "count")."
echo

echo "### Sparse copy of a 256 MiB disk (256 KiB extents)"
echo
size=$((256 << 20))
declare -A t_nbd t_bc t_dd r_nbd r_bc r_dd l_nbd c_nbd
pcts="1 6 25 100"
for p in $pcts; do
	n=$((1024 * p / 100))
	sdebug_reload dev_size_mb=256 lbpu=1 lbprz=1 unmap_granularity=8
	fill 262144 1024 $n 2 > /dev/null
	echo 3 > /proc/sys/vm/drop_caches
	l0=$(cat $stats/lseeks); c0=$(cat $stats/scsi_commands)
	r0=$(rd); t0=$(now); nbdcopy "$dev" "$out"; t1=$(now); r1=$(rd)
	t_nbd[$p]=$(secs "$t0" "$t1"); r_nbd[$p]=$((r1 - r0)); rm -f "$out"
	l_nbd[$p]=$(($(cat $stats/lseeks) - l0)); c_nbd[$p]=$(($(cat $stats/scsi_commands) - c0))
	echo 3 > /proc/sys/vm/drop_caches
	r0=$(rd); t0=$(now); "$copy" --no-progress "$dev" "$out" > /dev/null; t1=$(now); r1=$(rd)
	t_bc[$p]=$(secs "$t0" "$t1"); r_bc[$p]=$((r1 - r0)); rm -f "$out"
	echo 3 > /proc/sys/vm/drop_caches
	r0=$(rd); t0=$(now); dd if="$dev" of="$out" bs=1M status=none; t1=$(now); r1=$(rd)
	t_dd[$p]=$(secs "$t0" "$t1"); r_dd[$p]=$((r1 - r0)); rm -f "$out"
done
# without the module: the same disks (same seeds)
echo 0 > /sys/module/blkseek/parameters/cache_ms
blkseek_unload
declare -A t_stock r_stock
for p in $pcts; do
	n=$((1024 * p / 100))
	sdebug_reload dev_size_mb=256 lbpu=1 lbprz=1 unmap_granularity=8
	fill 262144 1024 $n 2 > /dev/null
	echo 3 > /proc/sys/vm/drop_caches
	r0=$(rd); t0=$(now); nbdcopy "$dev" "$out"; t1=$(now); r1=$(rd)
	t_stock[$p]=$(secs "$t0" "$t1"); r_stock[$p]=$((r1 - r0)); rm -f "$out"
done
modprobe -r scsi_debug

echo "| mapped | limit (size/mapped) | nbdcopy, no module | nbdcopy + blkseek | speedup | speedup / limit | blkseek-copy | dd whole disk | read/mapped nbdcopy + blkseek | read/mapped blkseek-copy |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for p in $pcts; do
	mapped=$((size * p / 100 / 262144 * 262144))
	awk -v p="$p" -v size=$size -v m=$mapped -v ts="${t_stock[$p]}" -v tn="${t_nbd[$p]}" \
	    -v tb="${t_bc[$p]}" -v td="${t_dd[$p]}" -v rn="${r_nbd[$p]}" -v rb="${r_bc[$p]}" 'BEGIN {
		lim = size / m; sp = ts / tn
		printf "| %d %% | %.1f | %.2f s | %.2f s | %.1fx | %.2f | %.2f s | %.2f s | %.3f | %.3f |\n",
			p, lim, ts, tn, sp, sp / lim, tb, td, rn / m, rb / m }'
done
echo
echo "lseeks (commands) blkseek answered for nbdcopy: $(for p in $pcts; do printf '%s %%: %s (%s); ' "$p" "${l_nbd[$p]}" "${c_nbd[$p]}"; done)"
echo
echo "Bytes read without the module: $(for p in $pcts; do printf '%s %%: %s; ' "$p" "${r_stock[$p]}"; done)dd: ${r_dd[100]} at 100 %."
echo

# each target, reached or missed by how much
verdict() {	# verdict VALUE OP LIMIT
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		ok = (op == "<=") ? v <= l : v >= l
		printf "%s %s %s: %s", v, op, l, ok ? "reached" : "missed"
		if (!ok) printf " by %.0f %%", (op == "<=" ? v / l - 1 : 1 - v / l) * 100 }'
}
echo "### Targets on $(uname -r)"
echo
echo "- walk time ratio: $(verdict "$ratio" '<=' 1.0)"
echo "- SCSI commands per lseek over the walk: $(verdict "$cpl" '<=' 1.05)"
echo "- SCSI commands per lseek, LV over two disks / the disks: $(verdict "$stack_ratio" '<=' 1.05)"
for l in scsi_debug tgt; do
	[ -n "${copy_ratio[$l]:-}" ] || { echo "- copy through the cap from $l: not measured"; continue; }
	echo "- copy through the cap from $l: nbdcopy time / (walk + floor at the cap) $(verdict "${copy_ratio[$l]}" '<=' 1.3);" \
		"commands per lseek $(verdict "${copy_cpl[$l]}" '<=' "$([ $l = tgt ] && echo 0.1 || echo 1.0)")"
done
for p in $pcts; do
	mapped=$((size * p / 100 / 262144 * 262144))
	sl=$(awk -v ts="${t_stock[$p]}" -v tn="${t_nbd[$p]}" -v size=$size -v m=$mapped \
		'BEGIN { printf "%.2f", ts / tn / (size / m) }')
	echo "- $p % mapped: nbdcopy speedup / limit $(verdict "$sl" '>=' 0.8);" \
		"read/mapped nbdcopy $(verdict "$(awk -v r="${r_nbd[$p]}" -v m=$mapped 'BEGIN { printf "%.3f", r / m }')" '<=' 1.05)," \
		"blkseek-copy $(verdict "$(awk -v r="${r_bc[$p]}" -v m=$mapped 'BEGIN { printf "%.3f", r / m }')" '<=' 1.05)"
done
echo
# blkseek was unloaded for the copies without it
blkseek_load || exit 1
"$repo/tools/testing/bench/bench-cached.sh" "$repo"
"$repo/tools/testing/bench/bench-lvs.sh" "$repo"
"$repo/tools/testing/bench/bench-thin.sh" "$repo"
