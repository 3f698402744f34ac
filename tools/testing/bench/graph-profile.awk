# SPDX-License-Identifier: GPL-2.0
#
# The function_graph trace of bench-cached.sh (module names stripped,
# funcgraph-tail on) summed per function: "name calls_per_lseek
# us_per_lseek", inclusive, over the n lseeks traced (awk -v n=N).
# Lines: " 0)   1.234 us    |      foo();" and " 0) + 15.678 us   |    } /* foo */"
/ us +\|/ {
	t = 0
	for (i = 1; i <= NF; i++)
		if ($i == "us") { t = $(i - 1); break }
	f = ""
	if (match($0, /\/\* [A-Za-z0-9_.]+ \*\//))
		f = substr($0, RSTART + 3, RLENGTH - 6)
	else if (match($0, /[A-Za-z0-9_.]+\(\);/))
		f = substr($0, RSTART, RLENGTH - 3)
	if (f != "") { tot[f] += t; cnt[f]++ }
}
END {
	if (n)
		for (f in tot)
			printf "%s %.3f %.3f\n", f, cnt[f] / n, tot[f] / n
}
