# SPDX-License-Identifier: GPL-2.0
#
# Count the KTAP of a test run: prints "PASSED FAILED SKIPPED".  The one
# counter of make check (tools/testing/check.sh), make check-debug, make
# canary and make upstream-check, for every stage: the host tests' KTAP
# (tools/testing/lib/ktap.sh), lint's, and the VM's kselftest KTAP.
# A result line "ok N ..." / "not ok N ..." counts once ("# SKIP":
# skipped), unless nested results ("# ok N ...", as kselftest's runner
# prefixes a program's own) came before it: then those count instead,
# and a program failing with all its cases passed (crash, timeout)
# counts one more failure.
/^# (not )?ok [0-9]+ / {
	if ($2 == "not") nf++; else if ($0 ~ /# SKIP/) ns++; else np++
	nested++; next
}
/^(not )?ok [0-9]+/ {
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
