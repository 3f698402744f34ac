# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # name, dev, disks: for the sourcing test
#
# Sourced by the shell selftests and the bench: scsi_debug loaded afresh
# for a test, blkseek disabled, unloaded and loaded again, and a check
# as one KTAP result.

# the directory of this file and of what it runs (blkseek_seek.py)
blkseek_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# KTAP results (ktap_helpers.sh), unless the sourcing test has them already
# shellcheck source=ktap_helpers.sh
declare -F ktap_test_pass > /dev/null || . "$blkseek_lib_dir/ktap_helpers.sh"

# check_eq WHAT EXPECTED GOT: one KTAP result, "WHAT = GOT" when GOT is
# EXPECTED, else a failure naming both
check_eq() {
	if [ "$2" = "$3" ]; then
		ktap_test_pass "$1 = $3"
	else
		ktap_test_fail "$1: expected $2, got $3"
	fi
}

# sdebug_reload PARAMS...: unload scsi_debug and load it with PARAMS.
# Sets disks (the disk names, one per host, in host order), name (the
# first) and dev (/dev/$name).  A test before may leave scsi_debug busy a
# while (udev probes, a client closing, a timed-out command being
# aborted): a load with other parameters needs it gone, so wait for that
# and fail clearly rather than run on the old disks.
sdebug_reload() {
	local sd=/sys/bus/pseudo/drivers/scsi_debug h b

	udevadm settle 2>/dev/null
	for _ in $(seq 200); do
		lsmod | grep -q '^scsi_debug ' || break
		modprobe -r scsi_debug 2>/dev/null && break
		sleep 0.3
	done
	if lsmod | grep -q '^scsi_debug '; then
		echo "# FAIL: scsi_debug still in use after 60 s: $(lsmod | grep '^scsi_debug ')"
		echo "# modprobe -r: $(modprobe -r scsi_debug 2>&1); refcnt $(cat /sys/module/scsi_debug/refcnt)"
		echo "# holders: $(cd /sys/block && ls -d sd*/holders/* sd*/sd*/holders/* 2>/dev/null | tr '\n' ' ')"
		echo "# open: $(find /proc/[0-9]*/fd -lname '/dev/sd*' -printf '%h %l\n' 2>/dev/null |
			while read -r d l; do p=${d#/proc/}; echo -n "${p%%/*}:$(cat "/proc/${p%%/*}/comm" 2>/dev/null):$l "; done)"
		exit 1
	fi
	modprobe scsi_debug "$@" || exit "${KSFT_SKIP:-4}"
	udevadm settle 2>/dev/null
	disks=()
	for h in $(ls -d $sd/adapter*/host* | sort -V); do
		for b in "$h"/target*/*/block/*; do
			[ -e "$b" ] && disks+=("$(basename "$b")")
		done
	done
	if [ ${#disks[@]} = 0 ]; then
		echo "# FAIL: scsi_debug $* made no disk"
		exit 1
	fi
	name=${disks[0]}
	dev=/dev/$name
	for b in "${disks[@]}"; do
		for _ in $(seq 100); do [ -b "/dev/$b" ] && break; sleep 0.1; done
	done
}

# blkseek_disable [SECONDS]: disable blkseek's livepatch and wait up to
# SECONDS (default 120) for the kernel to finish the transition and
# remove it; fails if it is still there then.
blkseek_disable() {
	local lp=/sys/kernel/livepatch/blkseek

	[ -d $lp ] && echo 0 > $lp/enabled
	for _ in $(seq $((${1:-120} * 10))); do
		[ -d $lp ] || return 0
		sleep 0.1
	done
	return 1
}

# blkseek_load PARAMS...: insmod $BLKSEEK_KO with PARAMS and wait up to
# 60 s for the livepatch transition to complete; fails if it did not.
blkseek_load() {
	local lp=/sys/kernel/livepatch/blkseek

	insmod "${BLKSEEK_KO:?}" "$@" || return 1
	for _ in $(seq 600); do
		[ "$(cat $lp/transition 2>/dev/null)" = 0 ] && return 0
		sleep 0.1
	done
	echo "# blkseek_load: livepatch transition not complete after 60 s"
	return 1
}

# blkseek_unload: blkseek disabled (blkseek_disable) and removed.
blkseek_unload() {
	blkseek_disable 120 && rmmod blkseek
}

# blkseek_reload PARAMS...: blkseek unloaded and loaded again with PARAMS.
blkseek_reload() {
	blkseek_unload && blkseek_load "$@"
}

# seek_data_many DEV COUNT: SEEK_DATA at 0 on DEV, COUNT times in one
# process; prints each answer seen (an offset or an errno's text) with how
# many times, "ANSWER:N" space-separated ("0:2000": all data)
seek_data_many() {
	python3 "$blkseek_lib_dir/blkseek_seek.py" many "$1" "$2"
}
