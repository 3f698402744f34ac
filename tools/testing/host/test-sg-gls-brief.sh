#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/blkseek/sg_gls_brief.awk, the one parser of
# `sg_get_lba_status -b` in the project (selftests' ground truth, the
# demo), on what the installed sg3_utils really prints: replies built here
# are decoded by `sg_get_lba_status -b --inhex`.  sg3_utils 1.46 prints
# "Completion condition=N" and "RTP=N" before the descriptors; a parser
# that takes the first line as a descriptor fails here.  KTAP output.
set -u
awkf=$(cd "$(dirname "$0")/../../.." && pwd)/selftests/blkseek/sg_gls_brief.awk
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source-path=SCRIPTDIR source=../lib/ktap.sh
. "$(dirname "$0")/../lib/ktap.sh"

command -v sg_get_lba_status > /dev/null || {
	ktap_skip_all "no sg_get_lba_status (sg3-utils)"; exit 0; }

# reply DESC...: a GET LBA STATUS reply, each DESC "LBA BLOCKS STATUS",
# as the hex file --inhex reads
reply() {
	local d lba blocks st
	printf '%08x%08x' $((4 + 16 * $#)) 0
	for d in "$@"; do
		read -r lba blocks st <<< "$d"
		printf '%016x%08x%02x000000' "$lba" "$blocks" "$st"
	done
	echo
}

check() {	# check NAME EXPECTED_RC EXPECTED_OUTPUT DESC...
	local name=$1 want_rc=$2 want=$3 got rc
	shift 3
	reply "$@" | sed 's/../& /g' > "$tmp/r.hex"
	sg_get_lba_status -b -m 4104 --inhex="$tmp/r.hex" > "$tmp/out" 2>/dev/null
	got=$(awk -f "$awkf" "$tmp/out")
	rc=$?
	if [ "$got" = "$want" ] && [ "$rc" = "$want_rc" ]; then
		ktap_test_pass "$name"
	else
		ktap_test_fail "$name: got '$got' (exit $rc), want '$want' (exit $want_rc); sg_get_lba_status printed:"
		sed 's/^/#   /' "$tmp/out"
	fi
}

ktap_print_header
ktap_set_plan 5
check "one deallocated descriptor" 0 "0x0000000000000000 0x800 1" "0 2048 1"
check "mapped, deallocated, anchored" 0 "0x0000000000001000 0x10 0
0x0000000000001010 0x7f0 1
0x0000000000001800 0xffffffff 2" "4096 16 0" "4112 2032 1" "6144 4294967295 2"
check "an LBA past 2^32" 0 "0x0000000123456789 0x1 3" "4886718345 1 3"
check "no descriptor: exit 1" 1 ""
# the lines before the descriptors are there, and none is taken for one
reply "0 8 1" | sed 's/../& /g' > "$tmp/r.hex"
sg_get_lba_status -b -m 4104 --inhex="$tmp/r.hex" > "$tmp/out" 2>/dev/null
first=$(head -1 "$tmp/out")
if [ "$(awk -f "$awkf" "$tmp/out" | wc -l)" = 1 ]; then
	ktap_test_pass "one descriptor out of $(wc -l < "$tmp/out") lines (the first: '$first')"
else
	ktap_test_fail "lines other than descriptors taken: $(tr '\n' '|' < "$tmp/out")"
fi
ktap_finished
