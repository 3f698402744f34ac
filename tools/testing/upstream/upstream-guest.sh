#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the VM of make upstream-check (a kernel with the series of
# upstream/): with blkseek.ko not loaded, run the selftests that concern
# seek semantics, races, stacked devices (upstream_stack.sh, and the
# module's blkseek_stack*.sh with BLKSEEK_INKERNEL=1) and the kernel log
# against the in-kernel SEEK_DATA/SEEK_HOLE; then, with BLKSEEK_BLKTESTS=DIR
# (a blktests tree with the series' cases, upstream/blktests/), blktests'
# ./check on the cases BLKSEEK_BLKTESTS_CASES names (comma-separated), one
# KTAP result each.  KTAP on stdout and in KTAP; the kernel log beside it.
# Usage: upstream-guest.sh SUITE KTAP [TEST...]
suite=$1
ktap=$2
tests="${*:3}"	# BLKSEEK_UPSTREAM_TESTS of upstream-check.sh
[ -n "$tests" ] ||
	tests="blkseek_map blkseek_edges blkseek_race upstream_stack.sh upstream_thin.sh upstream_lio.sh blkseek_stack.sh blkseek_stack_mpath.sh blkseek_stack_lvs.sh blkseek_dmesg.sh"
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

n=0
if [ "$tests" != none ]; then
	(cd "$suite" && BASE_DIR=$(dirname "$suite") &&
	 . ../kselftest/runner.sh && run_many $tests) 2>&1 | tee "$ktap.tmp"
	rc=${PIPESTATUS[0]}
	n=$(wc -w <<< "$tests")
else
	rc=0
	: > "$ktap.tmp"
fi

# blktests: each case one result, from the status ./check records in
# OUT/nodev/GROUP/NNN; a case that did not run is a skip with its reasons,
# a failed one shows its output's difference from the .out
bt=${BLKSEEK_BLKTESTS:-}
cases=${BLKSEEK_BLKTESTS_CASES:-}
if [ -n "$bt" ] && [ -n "$cases" ]; then
	out=$(dirname "$ktap")/blktests-results
	rm -rf "$out"
	echo "# blktests: ./check ${cases//,/ }"
	(cd "$bt" && ./check -o "$out" ${cases//,/ }) 2>&1 |
		tee "$out.log" | sed 's/^/# /'
	i=$n
	for c in ${cases//,/ }; do
		i=$((i + 1))
		st=$(awk -F'\t' '$1 == "status" { print $2 }' "$out/nodev/$c" 2>/dev/null)
		# a case its requires() skipped may leave no record: its line
		grep -qE "^$c .*\[not run\]" "$out.log" && st="not run"
		case $st in
		pass)
			echo "ok $i blktests: $c" ;;
		"not run")
			echo "ok $i blktests: $c # SKIP $(awk -v c="$c" '
				index($0, c " ") == 1 { on = 1; next }
				on && /^    / { sub(/^ +/, ""); printf "%s; ", $0; next }
				{ on = 0 }' "$out.log")" ;;
		*)
			[ -f "$out/nodev/$c.out.bad" ] &&
				diff -u "$bt/tests/$c.out" "$out/nodev/$c.out.bad" | sed 's/^/# /'
			[ -f "$out/nodev/$c.full" ] && tail -20 "$out/nodev/$c.full" | sed 's/^/# full: /'
			[ -f "$out/nodev/$c.dmesg" ] && head -20 "$out/nodev/$c.dmesg" | sed 's/^/# dmesg: /'
			echo "not ok $i blktests: $c (${st:-no result})"
			rc=1 ;;
		esac
	done > "$out.ktap"
	tee -a "$ktap.tmp" < "$out.ktap"
	grep -q '^not ok' "$out.ktap" && rc=1
	n=$i
fi
# the runner prints no plan for run_many: add it
{ echo "TAP version 13"; echo "1..$n"; grep -v '^TAP version' "$ktap.tmp"; } > "$ktap"
rm -f "$ktap.tmp"
dmesg > "${ktap%.ktap}.dmesg"
echo "# run_many exit $rc"
exit "$rc"
