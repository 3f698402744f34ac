# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # pass, failn: read by the sourcing test
#
# Sourced by the tools' host tests: a scratch directory as the working
# directory (removed at exit), and one TAP line per test.

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
n=0 pass=0 failn=0

# t NAME COMMAND...: a test passes when COMMAND succeeds; its output is
# shown when it fails
t() {
	local name=$1
	shift
	n=$((n + 1))
	if "$@" > out.log 2>&1; then
		pass=$((pass + 1)); echo "ok $n - $name"
	else
		failn=$((failn + 1)); echo "not ok $n - $name"; sed 's/^/#   /' out.log
	fi
}
