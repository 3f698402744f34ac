#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check the output of make demo for what README promises, not only its
# exit code: the map from blkseek-map, equal to the device's own answer
# (sg_get_lba_status), and nbdcopy's sectors read without blkseek (the
# whole disk) and with it (its data, a small part of the disk), each copy
# identical.  Usage: tools/testing/demo/demo-check.sh LOG; prints KTAP,
# one result per check (tools/testing/lib/ktap.sh), and exits 1 when any
# failed.
set -u
log=$1
# shellcheck source-path=SCRIPTDIR source=../lib/ktap.sh
. "$(dirname "$0")/../lib/ktap.sh"
out() {	# out STATUS WHAT: the result of the command just run
	ktap_test_result "demo: $2" [ "$1" = 0 ]
}
ktap_print_header
ktap_set_plan 6
# the log without colour codes
text=$(sed 's/\x1b\[[0-9;]*m//g' "$log")
get() { sed -n "$1" <<< "$text" | head -1; }

disk=$(get 's/^disk sectors: \([0-9]*\)$/\1/p')
mapped=$(get 's/^mapped sectors per blkseek-map: \([0-9]*\)$/\1/p')
stock=$(get 's/^nbdcopy, stock kernel: *sectors read: *\([0-9]*\) .*/\1/p')
with=$(get 's/^nbdcopy, with blkseek: *sectors read: *\([0-9]*\) .*/\1/p')

grep -q 'method: blkseek extent query' <<< "$text"
out $? "blkseek-map printed the map with the extent query"
grep -q "^blkseek-map equals the device's answer" <<< "$text"
out $? "the map equals sg_get_lba_status's descriptors"
[ -n "$disk" ] && [ -n "$mapped" ] && [ "$mapped" -gt 0 ] && [ "$mapped" -lt "$disk" ]
out $? "the disk is sparse: ${mapped:-?} of ${disk:-?} sectors mapped"
[ -n "$stock" ] && [ -n "$disk" ] && [ "$stock" -ge "$disk" ]
out $? "nbdcopy without blkseek read the whole disk: ${stock:-?} sectors"
# with blkseek: its data, plus at most nbdcopy's request rounding and the
# readahead around each extent, far below the disk
[ -n "$with" ] && [ -n "$mapped" ] && [ "$with" -ge "$mapped" ] &&
	[ "$with" -le $((disk / 8)) ]
out $? "nbdcopy with blkseek read its data only: ${with:-?} sectors (${mapped:-?} mapped)"
[ "$(grep -c 'copy identical (cmp)' <<< "$text")" = 2 ]
out $? "both copies identical to the disk"
ktap_finished
