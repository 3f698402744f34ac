#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Device faults: with scsi_debug injecting timeouts, aborted commands,
# transport errors and (on kernels that have it) per-command failures of
# opcode 0x9e (READ CAPACITY(16) and GET LBA STATUS), lseek answers are
# data or the true answer, never a hole over data, never EIO, and each one
# returns within a bound; answers are exact again once the faults stop.
KSFT_SKIP=4
dir=$(dirname "$(readlink -f "$0")")
probe="$dir/blkseek_probe"
sd=/sys/bus/pseudo/drivers/scsi_debug
param=/sys/module/blkseek/parameters
fail=0
MiB=1048576

[ -d /sys/module/blkseek ] || { echo "# blkseek not loaded"; exit $KSFT_SKIP; }
. "$dir/blkseek_lib.sh"
sdebug_reload dev_size_mb=16 lbpu=1 lbprz=1 unmap_granularity=8
sdev=$(basename "$(readlink -f /sys/block/"$name"/device)")
# Other commands meet the faults too (udev reads the disk after each
# reset): with sd's default 30 s timeout and 10 s for error handling, an
# lseek queued behind them waits minutes.  Short ones keep the error
# handler's rounds, and so the bound below, about the lseek's own commands.
echo 2 > /sys/block/"$name"/device/timeout
echo 2 > /sys/block/"$name"/device/eh_timeout
dd if=/dev/urandom of="$dev" bs=64k count=1 seek=16 oflag=direct status=none
udevadm settle 2>/dev/null

old_timeout=$(cat $param/timeout_ms)
echo 1000 > $param/timeout_ms

# One lseek, bounded: 3 tries of 1 s plus error handling.
seek() {	# seek data|hole OFFSET
	local t0 out
	t0=$(date +%s)
	out=$(timeout 120 "$probe" "$dev" "$1" "$2") || out="HUNG"
	echo "$out $(( $(date +%s) - t0 ))"
}

# The answers allowed while faults happen: data before the true answer,
# or the true answer; never ENXIO/EIO, never a hole over [1M, 1M+64K).
check_round() {	# check_round LABEL
	local d h td th
	read -r d td < <(seek data 0)
	read -r h th < <(seek hole $MiB)
	if ! [[ $d =~ ^[0-9]+$ ]] || [ "$d" -gt $MiB ]; then
		echo "# FAIL: $1: SEEK_DATA 0 = $d"; fail=1
	fi
	if ! [[ $h =~ ^[0-9]+$ ]] || [ "$h" -lt $((MiB + 65536)) ]; then
		echo "# FAIL: $1: SEEK_HOLE 1M = $h"; fail=1
	fi
	if [ "$td" -gt 60 ] || [ "$th" -gt 60 ]; then
		echo "# FAIL: $1: lseek took $td s / $th s"; fail=1
	fi
	echo "# $1: SEEK_DATA 0 = $d (${td}s), SEEK_HOLE 1M = $h (${th}s)"
}

recover() {
	local state=/sys/block/$name/device/state
	local host=/sys/class/scsi_host/host${sdev%%:*}/state

	echo 0 > $sd/opts
	echo 0 > $sd/every_nth
	# The error handler may still be at work on a command of the round
	# (an abort, a reset; slow in a loaded VM) and may set the device
	# offline when done: wait until the host runs and nothing is in
	# flight, bringing the device back each time it is offline.
	for _ in $(seq 600); do
		[ "$(cat "$state")" = running ] || echo running > "$state"
		[ "$(cat "$host")" = running ] &&
			[ "$(awk '{ print $1 + $2 }' /sys/block/"$name"/inflight)" = 0 ] &&
			[ "$(cat "$state")" = running ] && return
		sleep 0.1
	done
	echo "# recover: after 60 s host $(cat "$host"), device $(cat "$state"), in flight $(cat /sys/block/"$name"/inflight)"
}

exact() {	# exact LABEL: faults stopped, answers exact again
	local d h
	d=$("$probe" "$dev" data 0)
	h=$("$probe" "$dev" hole $MiB)
	if [ "$d" != $MiB ] || [ "$h" != $((MiB + 65536)) ]; then
		echo "# FAIL: $1: after the faults: SEEK_DATA 0 = $d, SEEK_HOLE 1M = $h"
		fail=1
	else
		echo "# ok: $1: exact again"
	fi
}

exact "before faults"
failed0=$(cat /sys/module/blkseek/stats/fallback_command_failed)
#      opts  name
for f in "4 timeout" "65536 aborted-command" "16 transport-error" "8 recovered-error"; do
	set -- $f
	# every command timing out sends the error handler through all its
	# escalations: start timeouts at every 2nd command
	for nth in $([ "$1" = 4 ] && echo 2 3 || echo 1 2 3); do
		echo "$nth" > $sd/every_nth
		echo "$1" > $sd/opts
		check_round "$2 every $nth"
		check_round "$2 every $nth, again"
		recover
	done
	exact "$2"
done
failed1=$(cat /sys/module/blkseek/stats/fallback_command_failed)
echo "# fallback_command_failed counted $((failed1 - failed0)) failures"
[ "$failed1" -gt "$failed0" ] || { echo "# FAIL: no failure was counted"; fail=1; }

# Per-command injection (scsi_debug debugfs, 6.12): fail every 0x9e with
# ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE, then time it out once.
dbg=/sys/kernel/debug/scsi_debug/$sdev/error
[ -d /sys/kernel/debug/scsi_debug ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
if [ -e "$dbg" ]; then
	echo "2 1 0x9e 0x0 0x0 0x2 0x5 0x20 0x0" > "$dbg"
	check_round "0x9e rejected"
	d=$("$probe" "$dev" data 0)
	[ "$d" = 0 ] || { echo "# FAIL: 0x9e rejected: SEEK_DATA 0 = $d, want 0 (all data)"; fail=1; }
	echo "- 2 0x9e" > "$dbg"
	exact "0x9e accepted again"
	echo "0 -1 0x9e" > "$dbg"
	check_round "0x9e times out once"
	echo "- 0 0x9e" > "$dbg" 2>/dev/null
	recover
	exact "after the timeout"
else
	echo "# no scsi_debug error injection on $(uname -r): skipped that part"
fi

echo "$old_timeout" > $param/timeout_ms
# what the kernel said, for a failure's diagnosis
[ $fail = 0 ] || dmesg | tail -40 | sed 's/^/# dmesg: /'
modprobe -r scsi_debug
exit $fail
