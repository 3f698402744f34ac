# SPDX-License-Identifier: GPL-2.0
#
# Count a kselftest KTAP file: prints "PASSED FAILED SKIPPED".  Each
# harness test case counts; a program with no nested cases counts once; a
# program failing with all its cases passed (crash, timeout) counts one
# more failure.  Used by tools/testing/check.sh and tools/testing/check-debug.sh.
/^# (not )?ok [0-9]+ / {
	if ($2 == "not") nf++; else if ($0 ~ /# SKIP/) ns++; else np++
	nested++; next
}
/^(not )?ok [0-9]+ selftests:/ {
	top_fail = ($1 == "not")
	if (!nested) {
		if (top_fail) f++; else if ($0 ~ /# SKIP/) s++; else p++
	} else {
		p += np; f += nf; s += ns
		if (top_fail && !nf) f++
	}
	nested = np = nf = ns = 0
}
END { print p + 0, f + 0, s + 0 }
