#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Removal and unload under load: threads loop SEEK_DATA/SEEK_HOLE while
#  - the disk is deleted (/sys/block/sdX/device/delete),
#  - the scsi_debug host is removed (add_host=-1),
#  - scsi_debug is unloaded,
#  - the livepatch is disabled and blkseek removed and loaded again
#    (BLKSEEK_CYCLES times, default 3; make soak runs 50).
# No lseek may return EIO or an impossible offset, no task may hang (each
# hammer must finish within its time plus 60 s), and the kernel log is
# checked by blkseek_dmesg.sh afterwards.
KSFT_SKIP=4
dir=$(dirname "$(readlink -f "$0")")
hammer="$dir/blkseek_hammer"
sd=/sys/bus/pseudo/drivers/scsi_debug
lp=/sys/kernel/livepatch/blkseek
fail=0

[ -d $lp ] || { echo "# blkseek livepatch not loaded"; exit $KSFT_SKIP; }

. "$dir/blkseek_lib.sh"

disk() {	# load scsi_debug and write some data; sets $name $dev
	sdebug_reload dev_size_mb=16 lbpu=1 lbprz=1 unmap_granularity=8 "$@"
	dd if=/dev/urandom of="$dev" bs=64k count=4 seek=40 oflag=direct status=none
	udevadm settle 2>/dev/null
}

# start_hammer SECONDS [PAUSE_US]: in the background, output in $out;
# returns once its threads have the disk open (or it has ended), so that
# what the test removes next is removed under them however slow the kernel
start_hammer() {
	out=$(mktemp)
	timeout $(($1 + 120)) "$hammer" "$dev" "$1" 3 "${2:-0}" > "$out" 2>&1 &
	hpid=$!
	for _ in $(seq 600); do
		grep -q '^# open in' "$out" && return
		kill -0 $hpid 2>/dev/null || return
		sleep 0.1
	done
}

wait_hammer() {	# wait_hammer LABEL: non-zero (and fail=1) when it failed
	wait $hpid
	rc=$?
	echo "# $1: $(tail -1 "$out") (exit $rc)"
	if [ $rc = 124 ]; then
		echo "# FAIL: $1: lseek threads hung"; fail=1
	elif [ $rc != 0 ]; then
		sed 's/^/# /' "$out"; echo "# FAIL: $1"; fail=1
	fi
	rm -f "$out"
	[ $rc = 0 ]
}

disk
start_hammer 4
sleep 1
echo 1 > /sys/block/$name/device/delete
wait_hammer "disk deleted under lseek"

disk
start_hammer 4
sleep 1
echo -1 > $sd/add_host
wait_hammer "host removed under lseek"

disk
start_hammer 4
sleep 1
for _ in $(seq 50); do modprobe -r scsi_debug 2>/dev/null && break; sleep 0.1; done
wait_hammer "scsi_debug unloaded under lseek"
lsmod | grep -q '^scsi_debug' && { echo "# FAIL: scsi_debug still loaded"; fail=1; }

# livepatch disable, rmmod and insmod while lseeks run: each cycle starts
# lseek threads for 4 s, disables the patch 1 s later, and must see the
# disable complete and the module go within the threads' time plus 60 s.
# The threads pause 100 us after each lseek: threads that lseek without
# pause starve the task disabling the patch under TCG until they stop
# (see "Loading, disabling, unloading" in Documentation/blkseek.rst).
if [ -n "${BLKSEEK_KO:-}" ] && [ -f "$BLKSEEK_KO" ]; then
	cycles=${BLKSEEK_CYCLES:-3}
	[ -n "${BLKSEEK_CYCLE_CACHE_MS:-}" ] &&
		echo "$BLKSEEK_CYCLE_CACHE_MS" > /sys/module/blkseek/parameters/cache_ms
	disk
	done_cycles=0
	under_load=0
	slowest=0
	for c in $(seq "$cycles"); do
		start_hammer 4 100
		sleep 1
		t0=$(date +%s%N)
		blkseek_disable 65
		disabled=$?
		ms=$((($(date +%s%N) - t0) / 1000000))
		[ $ms -gt $slowest ] && slowest=$ms
		if [ $disabled != 0 ]; then echo "# FAIL: cycle $c: disable did not complete"; fail=1; break; fi
		kill -0 $hpid 2>/dev/null && under_load=$((under_load + 1))
		rmmod blkseek || { echo "# FAIL: cycle $c: rmmod"; fail=1; break; }
		blkseek_load ${BLKSEEK_CYCLE_CACHE_MS:+cache_ms=$BLKSEEK_CYCLE_CACHE_MS} ||
			{ echo "# FAIL: cycle $c: insmod"; fail=1; break; }
		# the hammer's lines are printed only when the cycle failed
		wait_hammer "cycle $c" > "$out.c" || { cat "$out.c"; rm -f "$out.c"; break; }
		rm -f "$out.c"
		done_cycles=$c
	done
	echo "# $done_cycles disable/rmmod/insmod cycles under lseek; disable took at most $slowest ms; $under_load of them with lseeks still running at rmmod"
else
	echo "# BLKSEEK_KO not set: livepatch cycles skipped"
fi
modprobe -r scsi_debug 2>/dev/null
exit $fail
