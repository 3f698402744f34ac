#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Device faults: with scsi_debug injecting timeouts, aborted commands,
# transport errors and (on kernels that have it) per-command failures of
# opcode 0x9e (READ CAPACITY(16) and GET LBA STATUS), lseek answers are
# data or the true answer, never a hole over data, never EIO, and each one
# returns within a bound; answers are exact again once the faults stop.
# One KTAP result per check (ktap_helpers.sh).
dir=$(dirname "$(readlink -f "$0")")
# shellcheck source=ktap_helpers.sh
. "$dir/ktap_helpers.sh"
probe="$dir/blkseek_probe"
sd=/sys/bus/pseudo/drivers/scsi_debug
param=/sys/module/blkseek/parameters
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
ktap_print_header

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
# One result per round.
check_round() {	# check_round LABEL
	local d h td th bad=
	read -r d td < <(seek data 0)
	read -r h th < <(seek hole $MiB)
	echo "# $1: SEEK_DATA 0 = $d (${td}s), SEEK_HOLE 1M = $h (${th}s)"
	if ! [[ $d =~ ^[0-9]+$ ]] || [ "$d" -gt $MiB ]; then
		bad+=", SEEK_DATA 0 = $d"
	fi
	if ! [[ $h =~ ^[0-9]+$ ]] || [ "$h" -lt $((MiB + 65536)) ]; then
		bad+=", SEEK_HOLE 1M = $h"
	fi
	if [ "$td" -gt 60 ] || [ "$th" -gt 60 ]; then
		bad+=", lseek took $td s / $th s"
	fi
	if [ -n "$bad" ]; then
		ktap_test_fail "$1: data or the true answer within 60 s${bad}"
	else
		ktap_test_pass "$1: data or the true answer within 60 s"
	fi
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
	check_eq "$1: exact again (SEEK_DATA 0, SEEK_HOLE 1M)" "$MiB $((MiB + 65536))" "$d $h"
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
ktap_test_result "fallback_command_failed counted the failures" [ "$failed1" -gt "$failed0" ]

stat_of() { cat /sys/module/blkseek/stats/"$1"; }
# this disk's line of /sys/module/blkseek/refused (other disks of earlier
# tests, gone since, may be listed too)
refused_line() {
	grep "^$(cat /sys/block/"$name"/dev) $(cat /sys/block/"$name"/diskseq) " \
		/sys/module/blkseek/refused
}
rescan() { echo 1 > /sys/block/"$name"/device/rescan; udevadm settle 2>/dev/null; }
# fresh_caps RC0: blkseek has read READ CAPACITY(16) of the disk since
# the stat read_capacity_commands was RC0 (the last few seconds).  It
# keeps that answer 30 s, and the injection below fails READ CAPACITY(16)
# too (same opcode 0x9e): an older answer could expire before the first
# of the 2000 lseeks and leave no GET LBA STATUS to refuse.  Else waits,
# an lseek a second, until one is sent (at most 40 s).
fresh_caps() {
	local i
	for i in $(seq 40); do
		[ "$(stat_of read_capacity_commands)" -gt "$1" ] && return 0
		sleep 1
		"$probe" "$dev" data 0 > /dev/null
	done
	ktap_test_fail "READ CAPACITY(16) sent in 40 s"
}

# Per-command injection (scsi_debug debugfs, 6.12): every 0x9e (READ
# CAPACITY(16) and GET LBA STATUS) fails.  A refusal (ILLEGAL REQUEST,
# INVALID COMMAND OPERATION CODE or INVALID FIELD IN CDB, as LIO says of
# GET LBA STATUS) is remembered until the device is rescanned: 2000
# lseeks send at most 2 GET LBA STATUS.  A transient error (UNIT
# ATTENTION) is not: answers are exact as soon as it stops.  Then 0x9e
# times out once.
dbg=/sys/kernel/debug/scsi_debug/$sdev/error
[ -d /sys/kernel/debug/scsi_debug ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
if [ -e "$dbg" ]; then
	for asc in 0x20 0x24; do
		rc0=$(stat_of read_capacity_commands)
		exact "before refusing with asc $asc"
		fresh_caps "$rc0"
		g0=$(stat_of get_lba_status_commands) r0=$(stat_of get_lba_status_refused)
		echo "2 1 0x9e 0x0 0x0 0x2 0x5 $asc 0x0" > "$dbg"
		check_eq "refused with asc $asc: 2000 SEEK_DATA 0 (all data)" "0:2000" "$(seek_data_many "$dev" 2000)"
		sent=$(($(stat_of get_lba_status_commands) - g0))
		echo "# refused with asc $asc: $sent GET LBA STATUS for 2000 lseeks"
		ktap_test_result "refused with asc $asc: at most 2 GET LBA STATUS for 2000 lseeks ($sent)" [ "$sent" -le 2 ]
		check_eq "disks that refused" 1 $(($(stat_of get_lba_status_refused) - r0))
		refused="^$(cat /sys/block/"$name"/dev) $(cat /sys/block/"$name"/diskseq) [0-9]* sense 5/${asc#0x}/00\$"
		ktap_test_result "refused with asc $asc: /sys/module/blkseek/refused lists the disk" \
			grep -q "$refused" /sys/module/blkseek/refused ||
			sed 's/^/# refused: /' /sys/module/blkseek/refused
		echo "- 2 0x9e" > "$dbg"
		d=$("$probe" "$dev" data 0)
		check_eq "accepted again, not rescanned: SEEK_DATA 0 (remembered: all data)" 0 "$d"
		if [ -x "${BLKSEEK_REPO:-}/tools/blkseek-map" ]; then
			out=$("$BLKSEEK_REPO/tools/blkseek-map" --check "$dev")
			check_eq "blkseek-map --check exit status (3: no answers)" 3 $?
			ktap_test_result "refused with asc $asc: blkseek-map --check says the disk refused" \
				grep -q "this disk refused GET LBA STATUS [0-9]* s ago (sense 5/${asc#0x}/00)" <<< "$out" ||
				sed 's/^/#   /' <<< "$out"
		fi
		rescan
		exact "accepted again, rescanned"
		check_eq "rescanned and asked: refused does not list the disk" "" "$(refused_line)"
	done
	echo "2 1 0x9e 0x0 0x0 0x2 0x6 0x29 0x0" > "$dbg"
	check_round "0x9e UNIT ATTENTION"
	echo "- 2 0x9e" > "$dbg"
	exact "after UNIT ATTENTION (not remembered)"
	check_eq "refused after UNIT ATTENTION: the disk not listed" "" "$(refused_line)"
	echo "0 -1 0x9e" > "$dbg"
	check_round "0x9e times out once"
	echo "- 0 0x9e" > "$dbg" 2>/dev/null
	recover
	exact "after the timeout"
else
	echo "# no scsi_debug error injection on $(uname -r): skipped that part"
fi

echo "$old_timeout" > $param/timeout_ms

# Slow commands: every command takes 200 ms (scsi_debug ndelay), and the
# disk holds 100 data runs, so one extent query (blkseek-map's walk)
# sends about 200 GET LBA STATUS: 40 s.  Killed with SIGKILL after 3 s,
# it is gone within 3 s (no command started after the signal).  With
# answer_ms=1000 a walk starts no command after 1 s: the rest is data.
map=${BLKSEEK_REPO:-}/tools/blkseek-map
if [ -x "$map" ]; then
	sdebug_reload dev_size_mb=16 lbpu=1 lbprz=1 unmap_granularity=8
	for i in $(seq 0 99); do
		dd if=/dev/urandom of="$dev" bs=64k count=1 seek=$((2 * i + 1)) oflag=direct status=none
	done
	udevadm settle 2>/dev/null
	echo 200000000 > $sd/ndelay
	k0=$(stat_of fallback_killed)
	"$map" "$dev" > /dev/null & walker=$!
	sleep 3
	t0=$(date +%s%N)
	kill -KILL $walker
	wait $walker 2>/dev/null
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "# a walk of 200 slow runs killed after 3 s: gone $ms ms after SIGKILL"
	ktap_test_result "the killed walk gone within 3000 ms ($ms)" [ "$ms" -le 3000 ]
	ktap_test_result "fallback_killed moved" [ "$(stat_of fallback_killed)" -gt "$k0" ]
	# Nothing leaks: 20 more walks killed in the middle of a command.  The
	# reply buffers (4 KiB each, kmalloc-4k or its kmalloc-rnd-NN-4k
	# copies) are no more than before, give or take a slab's
	# worth; the disk's references (scsi_device_get() takes one on
	# scsi_debug's module) no more than before.
	slab4k() { awk '$1 ~ /^kmalloc(-rnd-[0-9]+)?-4k$/ { n += $2 } END { print n + 0 }' /proc/slabinfo; }
	ref0=$(cat /sys/module/scsi_debug/refcnt) s0=$(slab4k)
	for i in $(seq 20); do
		"$map" "$dev" > /dev/null & walker=$!
		sleep 0.5
		kill -KILL $walker
		wait $walker 2>/dev/null
	done
	ref1=$(cat /sys/module/scsi_debug/refcnt) s1=$(slab4k)
	echo "# 20 walks killed: kmalloc-4k objects $s0 before, $s1 after; scsi_debug references $ref0 before, $ref1 after"
	ktap_test_result "20 killed walks: fewer than 16 more 4 KiB objects ($((s1 - s0)))" [ $((s1 - s0)) -lt 16 ]
	ktap_test_result "20 killed walks: no more references on scsi_debug ($((ref1 - ref0)))" [ "$ref1" -le "$ref0" ]
	old_answer=$(cat $param/answer_ms)
	echo 1000 > $param/answer_ms
	b0=$(stat_of fallback_time_budget)
	t0=$(date +%s%N)
	out=$(mktemp)
	"$map" "$dev" > "$out"
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "# the walk with answer_ms=1000: $ms ms, $(grep -c hole "$out") holes"
	# 1 s, then one command of 200 ms (3 tries at most), and the tool's own time
	ktap_test_result "the walk with answer_ms=1000 within 5000 ms ($ms)" [ "$ms" -le 5000 ]
	ktap_test_result "fallback_time_budget moved" [ "$(stat_of fallback_time_budget)" -gt "$b0" ]
	rm -f "$out"
	echo "$old_answer" > $param/answer_ms
	echo 0 > $sd/ndelay
else
	echo "# no tools/blkseek-map (BLKSEEK_REPO): slow commands skipped"
fi

# what the kernel said, for a failure's diagnosis
[ "$KTAP_CNT_FAIL" = 0 ] || dmesg | tail -40 | sed 's/^/# dmesg: /'
modprobe -r scsi_debug
ktap_finished
