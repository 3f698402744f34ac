# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by every test of tools/testing: KTAP output with the API of
# kselftest's ktap_helpers.sh (ktap_print_header, ktap_set_plan,
# ktap_test_pass/fail/skip/result, ktap_print_msg, ktap_finished, the
# KTAP_CNT_* counters, KSFT_PASS/FAIL/SKIP).  The one copy is the
# selftests', selftests/blkseek/ktap_helpers.sh, which the selftests
# install with themselves; tools/testing/lib/ktap-counts.awk counts what
# it prints.

# shellcheck source=../../../selftests/blkseek/ktap_helpers.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../../selftests/blkseek/ktap_helpers.sh"
