#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks: checkpatch --strict and kernel-doc on the module, the rst
# documentation through docutils, and W=1 builds with sparse (C=2)
# against the 6.1 and 6.12 headers.  Prints one
# "PASS: name" or "FAIL: name" line per check; exits non-zero on a FAIL.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
ksrc=$top/build/ksrc/6.12
status=0
cd "$top" || exit 1
# the module builds below share the tree's objects with tools/vm-run
mkdir -p "$top/build"
exec 8> "$top/build/vm-run.lock"
flock 8

result() {	# result NAME OK? OUTPUT
	if [ "$2" = 0 ]; then
		echo "PASS: $1"
	else
		echo "FAIL: $1"
		printf '%s\n' "$3" | head -40 | sed 's/^/    /'
		status=1
	fi
}

files=$(ls kmod/*.c kmod/*.h uapi/linux/*.h)

out=$(perl "$ksrc/scripts/checkpatch.pl" --no-tree --strict --terse -f $files 2>&1 |
	grep -v '^total: 0 errors, 0 warnings, 0 checks')
result "checkpatch --strict" "$([ -z "$out" ]; echo $?)" "$out"

out=$(perl "$ksrc/scripts/kernel-doc" -none -Wall $files 2>&1)
result "kernel-doc" "$([ -z "$out" ]; echo $?)" "$out"

out=$(/usr/bin/python3 tools/check-rst.py Documentation/*.rst Documentation/*/*.rst 2>&1)
result "rst documentation" "$([ -z "$out" ]; echo $?)" "$out"

for line in 6.1 6.12; do
	kver=$(ls /boot/vmlinuz-"$line".* 2>/dev/null | sort -V | tail -1)
	kver=${kver#/boot/vmlinuz-}
	if [ -z "$kver" ]; then
		result "build W=1 sparse $line" 1 "no $line kernel installed"
		continue
	fi
	# C=2: sparse on every file; -B: rebuild everything, so that every
	# warning is seen even when objects are current.
	out=$(make -B -C "/usr/src/linux-headers-$kver" M="$top" W=1 C=2 modules 2>&1)
	rc=$?
	bad=$(printf '%s\n' "$out" | grep -E 'warning:|error:|sparse:' )
	result "build W=1 sparse $line ($kver)" "$([ $rc = 0 ] && [ -z "$bad" ]; echo $?)" \
		"${bad:-$out}"
done
exit $status
