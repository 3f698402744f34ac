#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel log of the whole run holds no warning, oops, lockdep or
# sanitizer report, and no hung task; on a kernel with kmemleak (make
# check-debug), a scan finds no leak.  Runs last.
patterns='WARNING:|BUG:|Oops|general protection|Call Trace|KASAN|UBSAN|ODEBUG: Out of memory|kmemleak: [0-9]+ new suspected|INFO: task .* blocked|possible circular locking|possible recursive locking|sleeping function called|RCU stall|soft lockup|hard LOCKUP'

# kmemleak reports objects unreferenced for 5 s: scan, wait, scan again
kml=/sys/kernel/debug/kmemleak
if [ -w "$kml" ]; then
	echo scan > "$kml"
	sleep 6
	echo scan > "$kml"
	leaks=$(cat "$kml")
	if [ -n "$leaks" ]; then
		echo "# kmemleak reports $(echo "$leaks" | grep -c '^unreferenced object'):"
		echo "$leaks" | head -60 | sed 's/^/# /'
		rc=1
	else
		echo "# kmemleak: no leak"
	fi
fi
found=$(dmesg | grep -E "$patterns")
if [ -n "$found" ]; then
	echo "# kernel log reports:"
	echo "$found" | sed 's/^/# /'
	exit 1
fi
[ "${rc:-0}" = 0 ] || exit 1
echo "# kernel log clean ($(dmesg | wc -l) lines)"
dmesg | grep -E 'blkseek|livepatch' | sed 's/^/# /'
exit 0
