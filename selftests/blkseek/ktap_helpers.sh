# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # KSFT_*, KTAP_CNT_*: read by the sourcing script
#
# KTAP output for the shell tests, with the functions and variables of
# kselftest's ktap_helpers.sh (tools/testing/selftests/kselftest/, since
# 6.9; the 6.1 kselftest tree these tests build in has none).  Sourced by
# the selftests, and through tools/testing/lib/ktap.sh by every host test
# of the tree, so that make check counts one format
# (tools/testing/lib/ktap-counts.awk).
#
#   ktap_print_header            "TAP version 13"
#   ktap_set_plan N              "1..N"
#   ktap_test_pass DESC          "ok N DESC"
#   ktap_test_fail DESC          "not ok N DESC"
#   ktap_test_skip DESC          "ok N DESC # SKIP"
#   ktap_test_xfail DESC         "ok N DESC # XFAIL"
#   ktap_test_result DESC CMD... pass if CMD succeeds, else fail;
#                                returns CMD's status
#   ktap_print_msg TEXT...       "# TEXT"
#   ktap_skip_all REASON         "1..0 # SKIP REASON"
#   ktap_exit_fail_msg TEXT      "Bail out! TEXT", the totals, exit KSFT_FAIL
#   ktap_finished                the totals; exit KSFT_PASS when every
#                                planned test passed or was skipped,
#                                else KSFT_FAIL
#
# Beyond kselftest's: ktap_test_skip takes an optional reason as its
# second argument ("# SKIP REASON"), ktap_test_result returns the status
# of the command it ran ("ktap_test_result ... || break"), and
# ktap_finished with no plan set prints the plan from the tests run
# ("1..N" last, as TAP allows), for tests whose number of checks depends
# on what the machine has.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_XFAIL=2
KSFT_XPASS=3
KSFT_SKIP=4

KTAP_TESTNO=1
KTAP_CNT_PASS=0
KTAP_CNT_FAIL=0
KTAP_CNT_XFAIL=0
KTAP_CNT_SKIP=0
KSFT_NUM_TESTS=

ktap_print_header() {
	echo "TAP version 13"
}

ktap_print_msg() {
	echo "# $*"
}

ktap_set_plan() {
	KSFT_NUM_TESTS=$1
	echo "1..$1"
}

ktap_skip_all() {
	echo "1..0 # SKIP $*"
}

# __ktap_line RESULT DESC [DIRECTIVE]: one numbered result line
__ktap_line() {
	echo "$1 $KTAP_TESTNO $2${3:+ # $3}"
	KTAP_TESTNO=$((KTAP_TESTNO + 1))
}

ktap_test_pass() {
	__ktap_line ok "$1"
	KTAP_CNT_PASS=$((KTAP_CNT_PASS + 1))
}

ktap_test_fail() {
	__ktap_line "not ok" "$1"
	KTAP_CNT_FAIL=$((KTAP_CNT_FAIL + 1))
}

ktap_test_skip() {
	__ktap_line ok "$1" "SKIP${2:+ $2}"
	KTAP_CNT_SKIP=$((KTAP_CNT_SKIP + 1))
}

ktap_test_xfail() {
	__ktap_line ok "$1" XFAIL
	KTAP_CNT_XFAIL=$((KTAP_CNT_XFAIL + 1))
}

ktap_test_result() {
	local desc=$1 rc=0

	shift
	"$@" || rc=$?
	if [ $rc = 0 ]; then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
	fi
	return $rc
}

ktap_print_totals() {
	echo "# Totals: pass:$KTAP_CNT_PASS fail:$KTAP_CNT_FAIL xfail:$KTAP_CNT_XFAIL xpass:0 skip:$KTAP_CNT_SKIP error:0"
}

ktap_exit_fail_msg() {
	echo "Bail out! $*"
	ktap_print_totals
	exit "$KSFT_FAIL"
}

ktap_finished() {
	[ -n "$KSFT_NUM_TESTS" ] || ktap_set_plan $((KTAP_TESTNO - 1))
	ktap_print_totals
	if [ $((KTAP_CNT_PASS + KTAP_CNT_SKIP + KTAP_CNT_XFAIL)) = "$KSFT_NUM_TESTS" ]; then
		exit "$KSFT_PASS"
	fi
	exit "$KSFT_FAIL"
}
