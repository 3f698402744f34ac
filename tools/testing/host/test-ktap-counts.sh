#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/testing/ktap-counts.awk, which make check and make check-debug count the
# VM's KTAP with, on synthetic KTAP: nested harness cases, programs
# without cases, skips, and a program that fails with all cases passed.
# TAP output.
set -u
awkf=$(dirname "$0")/../ktap-counts.awk
n=0 bad=0

check() {	# check NAME EXPECTED KTAP
	n=$((n + 1))
	got=$(printf '%s\n' "$3" | awk -f "$awkf")
	if [ "$got" = "$2" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1: got '$got', want '$2'"
		bad=1
	fi
}

check "empty file" "0 0 0" ""
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
echo "1..$n"
exit $bad
