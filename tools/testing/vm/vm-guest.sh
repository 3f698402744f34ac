#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the test VM: load blkseek.ko built for this kernel, run the
# kselftest suite (KTAP on stdout and in RESULTS/NAME.ktap), and save
# the kernel log.  Usage: vm-guest.sh REPO RESULTS [NAME]
# NAME (default: the kernel release) names the results' files.
repo=$1
results=$2
kver=$(uname -r)
name=${3:-$kver}
line=$(echo "$kver" | cut -d. -f1,2)
ko=$repo/build/ko/$kver/blkseek.ko
suite=${BLKSEEK_SUITE:-$repo/build/ksrc/$line/tools/testing/selftests/blkseek}
ktap=$results/$name.ktap
export BLKSEEK_KO=$ko BLKSEEK_REPO=$repo
export BLKSEEK_REFUSE_KO=$repo/build/ko/$kver/refuse/blkseek.ko

fail_boot() {
	printf 'TAP version 13\n1..1\nnot ok 1 selftests: blkseek: %s\n' "$1" |
		tee "$ktap"
	dmesg > "$results/$name.dmesg"
	exit 1
}

echo "# kernel $kver, module $ko"
# A kmemleak kernel (make check-debug): forget what boot left behind, so
# that the scan of blkseek_dmesg.sh reports only what blkseek and
# the suite leaked.
kml=/sys/kernel/debug/kmemleak
[ -e "$kml" ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
if [ -w "$kml" ]; then
	echo scan > "$kml" && echo clear > "$kml" &&
		echo "# kmemleak: boot objects cleared"
	# no scans every 10 min: under TCG each takes minutes of a vCPU;
	# blkseek_dmesg.sh scans when the suite is done
	echo scan=off > "$kml"
fi
# The kernel log so far, every 2 min: a run stopped early (a slow kernel
# past its time) still leaves it.
(while sleep 120; do dmesg > "$results/$name.dmesg"; done) &
snapshots=$!

# shellcheck source=../../../selftests/blkseek/blkseek_lib.sh
. "$repo/selftests/blkseek/blkseek_lib.sh"
[ -f "$ko" ] || fail_boot "module not built for $kver"
blkseek_load || fail_boot "insmod failed, or its livepatch transition did not complete"
echo "# livepatch blkseek enabled, taint $(cat /proc/sys/kernel/tainted)"
echo "# loaded blkseek $(cat /sys/module/blkseek/version), srcversion $(cat /sys/module/blkseek/srcversion)"
[ "$(cat /sys/module/blkseek/srcversion)" = "$(modinfo -F srcversion "$ko")" ] ||
	fail_boot "the loaded module is not $ko"

# make bench: the benchmark instead of the suite (tools/testing/bench/bench.sh)
if [ -n "${BLKSEEK_BENCH:-}" ]; then
	"$repo/tools/testing/bench/bench-guest.sh" "$repo" > "$results/bench-$kver.md" 2> "$results/bench-$kver.err"
	rc=$?
	printf 'TAP version 13\n1..1\n%s 1 bench: %s\n' "$([ $rc = 0 ] || echo not) ok" "$kver" > "$ktap"
	cat "$ktap"
	kill $snapshots
	dmesg > "$results/$name.dmesg"
	exit $rc
fi

# The runner appends each test's output to /dev/stdout: here a pipe, to
# the KTAP file and to RESULTS/<kver>.times (when each test ended, for
# tools/testing/vm/vm-run's per-test durations).  virtme-ng links
# /dev/stdout to its console port, not to the process's own fd 1, so the
# tests' output (their nested results, which ktap-counts.awk counts) went
# to the console and never into the KTAP file: point it at fd 1, as udev
# does on a booted system.  The guest's /dev is its own devtmpfs.
ln -sfn /proc/self/fd/1 /dev/stdout
: > "$ktap"
stamp_ends() {
	local l
	date +%s > "$results/$name.times"
	while IFS= read -r l; do
		printf '%s\n' "$l" >> "$ktap"
		case $l in
		"ok "* | "not ok "*) echo "$(date +%s) $l" >> "$results/$name.times" ;;
		esac
	done
}
# The kselftest runner's run_many prints the KTAP header and plan up to
# 7.2; 7.3's does not (its run_kselftest.sh does): then they are added,
# the plan being the programs asked for.
add_plan() {	# add_plan N
	grep -q '^1\.\.' "$ktap" && return
	{ echo "TAP version 13"; echo "1..$1"; cat "$ktap"; } > "$ktap.new" &&
		mv "$ktap.new" "$ktap"
}
if [ -n "${BLKSEEK_TESTS:-}" ]; then
	# a subset, in the suite's order, with the kernel's runner
	(cd "$suite" && BASE_DIR=$(dirname "$suite") &&
	 . ../kselftest/runner.sh && run_many $BLKSEEK_TESTS) 2>&1 | stamp_ends
	rc=${PIPESTATUS[0]}
	add_plan "$(wc -w <<< "$BLKSEEK_TESTS")"
else
	make -s -C "$suite" BLKSEEK_UAPI="$repo/uapi" run_tests 2>&1 | stamp_ends
	rc=${PIPESTATUS[0]}
	add_plan "$(make -s -C "$suite" BLKSEEK_UAPI="$repo/uapi" emit_tests | grep -c .)"
fi
cat "$ktap"
kill $snapshots
dmesg > "$results/$name.dmesg"
echo "# run_tests exit $rc"
exit $rc
