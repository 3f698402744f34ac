#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel log of the whole run holds no warning, oops, lockdep or
# sanitizer report, and no hung task.  Runs last.
patterns='WARNING:|BUG:|Oops|general protection|Call Trace|KASAN|UBSAN|kmemleak|INFO: task .* blocked|possible circular locking|possible recursive locking|sleeping function called|RCU stall|soft lockup|hard LOCKUP'
found=$(dmesg | grep -E "$patterns")
if [ -n "$found" ]; then
	echo "# kernel log reports:"
	echo "$found" | sed 's/^/# /'
	exit 1
fi
echo "# kernel log clean ($(dmesg | wc -l) lines)"
dmesg | grep -E 'blkseek|livepatch' | sed 's/^/# /'
exit 0
