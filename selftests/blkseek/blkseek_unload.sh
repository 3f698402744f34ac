#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Disabling the livepatch and removing the module bring back the stock
# EINVAL for SEEK_DATA/SEEK_HOLE on an sd disk; loading the module again
# (BLKSEEK_KO, set by the VM runner) brings the answers back.  The module
# cannot be removed while the patch is enabled.  A module built to replace
# a function this kernel lacks (BLKSEEK_REFUSE_KO, built by the VM runner
# with BLKSEEK_PATCHED naming no function) refuses to load with ENOENT and
# a message naming it, and leaves nothing behind.
# One KTAP result per check (ktap_helpers.sh).
dir=$(dirname "$(readlink -f "$0")")
# shellcheck source=ktap_helpers.sh
. "$dir/ktap_helpers.sh"
probe="$dir/blkseek_probe"
lp=/sys/kernel/livepatch/blkseek

wait_for() {	# wait_for CONDITION...: up to 120 s
	local i
	for i in $(seq 1200); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

[ -d $lp ] || { echo "# blkseek livepatch not loaded"; exit $KSFT_SKIP; }
. "$dir/blkseek_lib.sh"
sdebug_reload dev_size_mb=16 lbpu=1 lbprz=1 unmap_granularity=8
wait_for test -b "$dev" || { echo "# no scsi_debug disk"; exit 1; }
ktap_print_header
dd if=/dev/urandom of="$dev" bs=64k count=1 seek=16 oflag=direct status=none

answers() {	# the module answers: data at 1 MiB, hole at 0
	check_eq "$1: SEEK_DATA 0" 1048576 "$("$probe" "$dev" data 0)"
	check_eq "$1: SEEK_HOLE 0" 0 "$("$probe" "$dev" hole 0)"
}

stock() {
	check_eq "$1: SEEK_DATA 0" EINVAL "$("$probe" "$dev" data 0)"
	check_eq "$1: SEEK_HOLE 0" EINVAL "$("$probe" "$dev" hole 0)"
}

refusal() {	# the refusing variant fails to load and leaves nothing
	if [ -z "${BLKSEEK_REFUSE_KO:-}" ]; then
		echo "# BLKSEEK_REFUSE_KO not set: the refusal at load is not checked"
		return
	fi
	if [ ! -f "$BLKSEEK_REFUSE_KO" ]; then
		ktap_test_fail "the refusing variant was built: $BLKSEEK_REFUSE_KO"
		return
	fi
	dmesg -C
	err=$(insmod "$BLKSEEK_REFUSE_KO" 2>&1)
	check_eq "insmod of a module patching a missing function" 1 "$?"
	echo "# insmod: $err"
	check_eq "it said ENOENT" 1 "$(echo "$err" | grep -c 'No such file or directory\|Unknown symbol\|No such')"
	msg=$(dmesg | grep 'blkseek: not loading')
	echo "# dmesg: $msg"
	check_eq "the kernel log names the function and the reason" 1 \
		"$(echo "$msg" | grep -c 'no patchable blkseek_no_such_function()')"
	check_eq "nothing left: module, livepatch, /dev/blkseek" "gone gone gone" \
		"$([ -d /sys/module/blkseek ] && echo left || echo gone) $([ -d $lp ] && echo left || echo gone) $([ -e /dev/blkseek ] && echo left || echo gone)"
	stock "after the refused load"
}

cycles=${BLKSEEK_UNLOAD_CYCLES:-3}
for c in $(seq "$cycles"); do
	answers "loaded ($c)"
	if rmmod blkseek 2>/dev/null; then
		ktap_test_fail "rmmod refused while the patch is enabled ($c)"
		break
	fi
	ktap_test_pass "rmmod refused while the patch is enabled ($c)"
	ktap_test_result "patch disabled ($c)" blkseek_disable || break
	stock "disabled ($c)"
	ktap_test_result "rmmod after disable ($c)" rmmod blkseek || break
	stock "removed ($c)"
	[ "$c" = 1 ] && refusal
	if [ -z "$BLKSEEK_KO" ] || [ ! -f "$BLKSEEK_KO" ]; then
		echo "# BLKSEEK_KO not set: not reloading"
		break
	fi
	ktap_test_result "insmod $BLKSEEK_KO ($c)" blkseek_load || break
done
[ -d $lp ] && answers "reloaded"

modprobe -r scsi_debug 2>/dev/null
ktap_finished
