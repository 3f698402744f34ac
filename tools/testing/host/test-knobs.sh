#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The tree's knobs and targets are documented where the next engineer
# looks:
#  - every BLKSEEK_* environment variable that a script or Makefile of
#    the tree reads has a row in the table of Documentation/dev.rst's
#    section "Environment knobs", and every row names a variable that is
#    read.  Read means: a shell expansion of the variable in a script
#    (the name after "$" or "${"), getenv() of it in C, "NAME ?=" in a
#    Makefile or Kbuild file; the tree is what git tracks under Makefile, Kbuild, kmod/
#    (its Kbuild files), .ci/, debian/, tools/ and selftests/;
#  - every target of the top-level Makefile (its rules and .PHONY) has a
#    line in `make help`, and every line there names a target.
# KTAP output.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
doc=$top/Documentation/dev.rst
# shellcheck source-path=SCRIPTDIR source=../lib/ktap.sh
. "$(dirname "$0")/../lib/ktap.sh"
ktap_print_header

check() {	# check NAME MISSING...: passes when nothing is missing
	local name=$1
	shift
	if [ $# = 0 ]; then
		ktap_test_pass "$name"
	else
		ktap_test_fail "$name: $*"
	fi
}

# the files searched: git's list, or every file when the tree is no clone
files() {
	local paths=(Makefile Kbuild kmod .ci debian tools selftests)
	if git -C "$top" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
		git -C "$top" ls-files -- "${paths[@]}"
	else
		(cd "$top" && find "${paths[@]}" -type f 2> /dev/null)
	fi
}

names() { grep -oE 'BLKSEEK_[A-Z0-9_]+'; }

# the knobs read, one a line
knobs_read() {
	local f
	files | while read -r f; do
		case $f in
		*.md | *.rst | *.[0-9] | *.patch) continue ;;
		kmod/*.c | kmod/*.h) continue ;;	# the module's own macros
		*.c | *.h)
			grep -IohE 'getenv\("BLKSEEK_[A-Z0-9_]+"' "$top/$f" | names ;;
		*Makefile | *Kbuild* | *.mk | debian/rules)
			grep -IohE '^[[:space:]]*BLKSEEK_[A-Z0-9_]+[[:space:]]*\?=' "$top/$f" |
				names
			grep -IohE '\$\{?BLKSEEK_[A-Z0-9_]+' "$top/$f" | names ;;
		*)
			grep -IohE '\$\{?BLKSEEK_[A-Z0-9_]+' "$top/$f" | names ;;
		esac
	done | sort -u
}

# the first column of the table in dev.rst's "Environment knobs"
knobs_documented() {	# a section's title is underlined with "=" alone
	awk '{ l[NR] = $0 }
	     END { for (i = 1; i <= NR; i++) {
			if (l[i] == "Environment knobs") { s = 1; i++; continue }
			if (s && l[i + 1] ~ /^=+$/) break
			if (s && match(l[i], /^``BLKSEEK_[A-Z0-9_]+``/))
				print substr(l[i], 3, RLENGTH - 4)
		} }' "$doc" | sort -u
}

read_list=$(knobs_read)
doc_list=$(knobs_documented)
# shellcheck disable=SC2046 # one word a name
check "every BLKSEEK_* knob read has a row in dev.rst's table ($(wc -w <<< "$read_list") read)" \
	$(comm -23 <(echo "$read_list") <(echo "$doc_list"))
# shellcheck disable=SC2046
check "every row of dev.rst's knob table is read by the tree ($(wc -w <<< "$doc_list") rows)" \
	$(comm -13 <(echo "$read_list") <(echo "$doc_list"))

# the top-level Makefile's targets: rules (no variables, no patterns,
# no special targets) and .PHONY's names
targets=$(cd "$top" && {
	sed -n 's/^\([a-z][a-z0-9_-]*\)[[:space:]]*:\([^=]\|$\).*/\1/p' Makefile
	sed -n '/^\.PHONY:/,/[^\\]$/p' Makefile | sed 's/^\.PHONY://; s/\\$//' | tr -s ' \t' '\n'
} | grep . | sort -u)
helped=$(make -s -C "$top" help 2> /dev/null | awk '$1 == "make" { print $2 }' | sort -u)
# shellcheck disable=SC2046
check "every target of the Makefile has a line in make help ($(wc -w <<< "$targets") targets)" \
	$(comm -23 <(echo "$targets") <(echo "$helped"))
# shellcheck disable=SC2046
check "every line of make help names a target" \
	$(comm -13 <(echo "$targets") <(echo "$helped"))

ktap_finished
