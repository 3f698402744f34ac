#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, inside the VM (blkseek loaded): what telling blkseek-stack
# costs on a host with many LVs.  For 200 and 1000 dm-linear devices of
# 64 KiB on one scsi_debug disk (as LVM makes them, created at once with
# dmsetup --concise): the time of blkseek-stack for one of them (median
# of 5), for every device at once, and a boot-like run of one
# blkseek-stack per device, as udev runs it; beside them the time of
# starting the program alone (blkseek-stack --version, median of 5),
# which under TCG is most of a one-device run, and the system calls of
# one device and of every device (strace -c).  Prints a Markdown table
# and the targets (one device at most a tenth of all, in system calls
# and in time above the start-up; the boot-like run linear: its time per
# device at 1000 at most 1.5 times that at 200).
# Usage: bench-lvs.sh REPO
set -u
repo=$1
stack=$repo/tools/blkseek-stack
# sdebug_reload PARAMS...: scsi_debug loaded afresh; sets disks, name, dev
# shellcheck source=../../../selftests/blkseek/blkseek_lib.sh
. "$repo/selftests/blkseek/blkseek_lib.sh"

now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
# median5 CMD...: the median of 5 runs of CMD, in ms
median5() {
	local samples=() t0 t1
	for _ in 1 2 3 4 5; do
		t0=$(now); "$@" > /dev/null; t1=$(now)
		samples+=("$(ms "$t0" "$t1")")
	done
	printf '%s\n' "${samples[@]}" | sort -n | sed -n 3p
}
# syscalls CMD...: how many system calls CMD makes (strace -c's total)
syscalls() {
	strace -f -c -o "$tmp" "$@" > /dev/null 2>&1
	awk '$NF == "total" { print $4 }' "$tmp"
}
tmp=$(mktemp)

declare -A t_one t_all t_boot t_exec s_one s_all
for n in 200 1000; do
	sdebug_reload dev_size_mb=$((n / 16 + 16)) lbpu=1 lbprz=1 unmap_granularity=8
	majmin=$(cat /sys/block/"$name"/dev)
	spec=
	for i in $(seq "$n"); do
		spec+="bslv$i,,,,0 128 linear $majmin $((i * 128));"
	done
	dmsetup create --noudevsync --concise "${spec%;}" ||
		{ echo "bench-lvs: dmsetup create of $n devices failed"; exit 1; }
	udevadm settle
	"$stack" > /dev/null 2>&1	# every device told once
	t_exec[$n]=$(median5 "$stack" --version)
	t_one[$n]=$(median5 "$stack" /dev/mapper/bslv7)
	s_one[$n]=$(syscalls "$stack" /dev/mapper/bslv7)
	s_all[$n]=$(syscalls "$stack")
	t0=$(now); "$stack"; t1=$(now)
	t_all[$n]=$(ms "$t0" "$t1")
	t0=$(now)
	for i in $(seq "$n"); do "$stack" "/dev/mapper/bslv$i"; done
	t1=$(now)
	t_boot[$n]=$(ms "$t0" "$t1")
	dmsetup remove_all --noudevsync
	udevadm settle
done
modprobe -r scsi_debug

echo "### Telling many LVs (blkseek-stack) on $(uname -r)"
echo
echo "| LVs | start-up alone | one LV (median of 5) | every device at once | one / every, above start-up | system calls: one LV, every device | one per LV, as at boot | per LV at boot |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for n in 200 1000; do
	awk -v n="$n" -v x="${t_exec[$n]}" -v o="${t_one[$n]}" -v a="${t_all[$n]}" -v b="${t_boot[$n]}" \
	    -v so="${s_one[$n]}" -v sa="${s_all[$n]}" 'BEGIN {
		r = a > x ? (o - x) / (a - x) : 1
		printf "| %d | %d ms | %d ms | %d ms | %.3f | %d, %d | %.1f s | %.1f ms |\n",
			n, x, o, a, r < 0 ? 0 : r, so, sa, b / 1000, b / n }'
done
echo
for n in 200 1000; do
	awk -v n="$n" -v so="${s_one[$n]}" -v sa="${s_all[$n]}" 'BEGIN {
		printf "- one LV / every device, %d LVs, system calls: %.3f <= 0.1: %s\n", n, so / sa, so / sa <= 0.1 ? "reached" : "missed" }'
done
awk -v b2="${t_boot[200]}" -v b1="${t_boot[1000]}" 'BEGIN {
	r = (b1 / 1000) / (b2 / 200)
	printf "- boot-like run, time per LV at 1000 / at 200: %.2f <= 1.5 (linear): %s\n", r, r <= 1.5 ? "reached" : "missed"
}'
echo
rm -f "$tmp"
