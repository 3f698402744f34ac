#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/testing/lib/ktap-counts.awk, the one counter of make check and
# make check-debug, on synthetic KTAP: a host test's results
# (tools/testing/lib/ktap.sh), nested harness cases, programs without
# cases, skips, and a program that fails with all cases passed.
# KTAP output.
set -u
awkf=$(dirname "$0")/../lib/ktap-counts.awk
# shellcheck source-path=SCRIPTDIR source=../lib/ktap.sh
. "$(dirname "$0")/../lib/ktap.sh"
ktap_print_header

check() {	# check NAME EXPECTED KTAP
	got=$(printf '%s\n' "$3" | awk -f "$awkf")
	if [ "$got" = "$2" ]; then
		ktap_test_pass "$1"
	else
		ktap_test_fail "$1: got '$got', want '$2'"
	fi
}

check "empty file" "0 0 0" ""
check "a host test's results, its diagnostics not counted" "2 1 1" "TAP version 13
ok 1 copy onto a stale file is identical
not ok 2 --check of a missing device exits 1
#   blkseek-map: out.log, ok 1 inside
ok 3 a loop device # SKIP no /dev/loop0
ok 4 --help exits 0
1..4
# Totals: pass:2 fail:1 xfail:0 xpass:0 skip:1 error:0"
check "two host tests of one stage, each numbered from 1" "3 0 0" "ok 1 a
1..1
ok 1 b
ok 2 c
1..2"
check "program without cases" "1 1 1" "TAP version 13
1..3
ok 1 selftests: blkseek: a.sh
not ok 2 selftests: blkseek: b.sh # exit=1
ok 3 selftests: blkseek: c.sh # SKIP no device"
check "nested cases count, not their program" "2 1 1" "TAP version 13
1..1
# selftests: blkseek: blkseek_ioctl
# ok 1 ioc.a
# ok 2 ioc.b
# ok 3 ioc.c # SKIP no scsi_debug
# not ok 4 ioc.d
not ok 1 selftests: blkseek: blkseek_ioctl # exit=1"
check "program failing with all cases passed counts one failure" "2 1 0" "# ok 1 t.a
# ok 2 t.b
not ok 1 selftests: blkseek: t # TIMEOUT 1800 seconds"
check "cases of two programs kept apart" "3 0 0" "# ok 1 t.a
ok 1 selftests: blkseek: t
# ok 1 u.a
# ok 2 u.b
ok 2 selftests: blkseek: u"
ktap_finished
