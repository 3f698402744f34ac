# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the tools' host tests: a scratch directory as the working
# directory (removed at exit), and one KTAP result per test
# (tools/testing/lib/ktap.sh); the test ends with ktap_finished.

# shellcheck source-path=SCRIPTDIR source=../lib/ktap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/ktap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
ktap_print_header

# t NAME COMMAND...: a test passes when COMMAND succeeds; its output is
# shown when it fails
t() {
	local name=$1
	shift
	if "$@" > out.log 2>&1; then
		ktap_test_pass "$name"
	else
		ktap_test_fail "$name"; sed 's/^/#   /' out.log
	fi
}
