#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the VM of make upstream-check (a kernel with the series of
# upstream/): with blkseek.ko not loaded, run the selftests that concern
# seek semantics, races, stacked devices (upstream_stack.sh, and the
# module's blkseek_stack*.sh with BLKSEEK_INKERNEL=1) and the kernel log
# against the in-kernel SEEK_DATA/SEEK_HOLE.  KTAP on stdout and in KTAP; the kernel
# log beside it.  Usage: upstream-guest.sh SUITE KTAP [TEST...]
suite=$1
ktap=$2
tests="${*:3}"	# BLKSEEK_UPSTREAM_TESTS of upstream-check.sh
[ -n "$tests" ] ||
	tests="blkseek_map blkseek_edges blkseek_race upstream_stack.sh blkseek_stack.sh blkseek_stack_mpath.sh blkseek_stack_lvs.sh blkseek_dmesg.sh"
# blkseek_stack*.sh in their in-kernel mode (the module's control plane
# skipped) with this tree's tools
BLKSEEK_REPO=$(cd "$(dirname "$0")/../../.." && pwd)
export BLKSEEK_INKERNEL=1 BLKSEEK_REPO

fail_boot() {
	printf 'TAP version 13\n1..1\nnot ok 1 selftests: blkseek: %s\n' "$1" |
		tee "$ktap"
	exit 1
}

echo "# kernel $(uname -r)"
# the answers must come from the kernel, not from a livepatch
[ ! -e /sys/module/blkseek ] || fail_boot "blkseek.ko is loaded"
[ ! -e /sys/kernel/livepatch/blkseek ] || fail_boot "a blkseek livepatch is loaded"

(cd "$suite" && BASE_DIR=$(dirname "$suite") &&
 . ../kselftest/runner.sh && run_many $tests) 2>&1 | tee "$ktap.tmp"
rc=${PIPESTATUS[0]}
# the runner prints no plan for run_many: add it
{ echo "TAP version 13"; echo "1..$(wc -w <<< "$tests")"; grep -v '^TAP version' "$ktap.tmp"; } > "$ktap"
rm -f "$ktap.tmp"
dmesg > "${ktap%.ktap}.dmesg"
echo "# run_many exit $rc"
exit "$rc"
