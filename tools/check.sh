#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: setup, host unit tests, fuzz smoke, tool tests, static
# checks, and the kselftests in VMs on the 6.1 and 6.12 kernels.
# Ends with the line "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logs=$top/build/check
mkdir -p "$logs"
rm -f "$logs/result"
passed=0 failed=0 skipped=0
summary=()

add() {	# add STAGE PASSED FAILED [SKIPPED]
	passed=$((passed + $2))
	failed=$((failed + $3))
	skipped=$((skipped + ${4:-0}))
	summary+=("$(printf '%-28s %4d passed, %d failed%s' "$1" "$2" "$3" \
		"$([ "${4:-0}" -gt 0 ] && echo ", $4 skipped")")")
}

# TAP lines "ok N ..." / "not ok N ..." of a stage's output
tap_counts() {
	awk '/^not ok [0-9]+/ { f++; next }
	     /^ok [0-9]+/ { if ($0 ~ /# SKIP/) s++; else p++ }
	     END { print p + 0, f + 0, s + 0 }' "$1"
}

# kselftest KTAP (tools/ktap-counts.awk)
ktap_counts() {
	awk -f "$top/tools/ktap-counts.awk" "$1"
}

run_stage() {	# run_stage NAME LOG COUNTER CMD...
	local name=$1 log=$2 counter=$3 rc p f s
	shift 3
	echo "=== $name"
	"$@" > "$log" 2>&1
	rc=$?
	grep -E '^(not ok|ok) [0-9]+|^(PASS|FAIL): |^#   ' "$log" | grep -v '^ok ' | head -40
	read -r p f s < <($counter "$log")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "$name: exit $rc with no failed test; the log ends:"
		tail -20 "$log"
		f=1
	fi
	add "$name" "$p" "$f" "$s"
}

lint_counts() {
	echo "$(grep -c '^PASS: ' "$1") $(grep -c '^FAIL: ' "$1") 0"
}

echo "=== setup"
if ! "$top/tools/setup.sh"; then
	add setup 0 1
	printf '%s\n' "${summary[@]}"
	echo "$passed passed, $failed failed" | tee "$logs/result"
	exit 1
fi

run_stage "host unit tests" "$logs/unit.log" tap_counts make -C tools/unit run
if [ -f tools/fuzz/Makefile ]; then
	run_stage "fuzz smoke" "$logs/fuzz.log" tap_counts make -C tools/fuzz smoke
fi
run_stage "tools tests" "$logs/tools.log" tap_counts make -C tools test
run_stage "install and DKMS" "$logs/install.log" tap_counts tools/test-install.sh
run_stage "lint" "$logs/lint.log" lint_counts tools/lint.sh

echo "=== VM selftests"
rm -f build/results/*.ktap
tools/vm-run > "$logs/vm.log" 2>&1
vmrc=$?
grep -E '^=== |VM ran|dkms build|^vm-run' "$logs/vm.log"
nk=0
for ktap in build/results/*.ktap; do
	[ -f "$ktap" ] || continue
	nk=$((nk + 1))
	kver=$(basename "$ktap" .ktap)
	grep -E '^(# )?not ok' "$ktap" | head -20
	read -r p f s < <(ktap_counts "$ktap")
	add "selftests $kver" "$p" "$f" "$s"
done
if [ "$nk" -lt 2 ] || { [ "$vmrc" != 0 ] && [ "$failed" = 0 ]; }; then
	echo "VM selftests: exit $vmrc, $nk kernels with results"
	add "VM selftests" 0 1
fi

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
[ "$skipped" -gt 0 ] && echo "($skipped skipped)"
echo "$passed passed, $failed failed" | tee "$logs/result"
[ "$failed" = 0 ]
