#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks: checkpatch --strict and kernel-doc on the module, the rst
# documentation through docutils, and W=1 builds with sparse (C=2)
# against the 6.1 and 6.12 headers.  Prints KTAP, one result per check
# (tools/testing/lib/ktap.sh), the output of a failed one as "#" lines;
# exits non-zero on a failure.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
ksrc=$top/build/ksrc/6.12
cd "$top" || exit 1
# shellcheck source=tools/testing/lib/ktap.sh
. "$top/tools/testing/lib/ktap.sh"
# the module builds below use the tree's own objects: one lint at a time
# (tools/testing/vm/vm-run builds in private trees under build/)
mkdir -p "$top/build"
exec 8> "$top/build/lint.lock"
flock 8

result() {	# result NAME OK? OUTPUT
	if [ "$2" = 0 ]; then
		ktap_test_pass "$1"
	else
		ktap_test_fail "$1"
		printf '%s\n' "$3" | head -40 | sed 's/^/#    /'
	fi
}
ktap_print_header

files=$(ls kmod/*.c kmod/*.h uapi/linux/*.h)

out=$(perl "$ksrc/scripts/checkpatch.pl" --no-tree --strict --terse -f $files 2>&1 |
	grep -v '^total: 0 errors, 0 warnings, 0 checks')
result "checkpatch --strict" "$([ -z "$out" ]; echo $?)" "$out"

out=$(perl "$ksrc/scripts/kernel-doc" -none -Wall $files 2>&1)
result "kernel-doc" "$([ -z "$out" ]; echo $?)" "$out"

out=$(/usr/bin/python3 tools/testing/check-rst.py Documentation/*.rst Documentation/*/*.rst 2>&1)
result "rst documentation" "$([ -z "$out" ]; echo $?)" "$out"

# W=1 and sparse on every line: Debian 12's two, and each 7.x line whose
# kernel and chroot tools/testing/setup.sh fetched (make check fetches sid and bpo)
lines="6.1 6.12"
for l in sid bpo rc; do
	[ -f "$top/build/lines/$l/current" ] && lines+=" $l"
done
for line in $lines; do
	case $line in
	6.*) kver=$(tools/build/kernel-line.sh resolve "$line" 2>/dev/null) ;;
	*) kver=$(cut -d' ' -f1 "$top/build/lines/$line/current") ;;
	esac
	if [ -z "$kver" ]; then
		result "build W=1 sparse $line" 1 "no $line kernel installed"
		continue
	fi
	# C=2: sparse on every file, in a fresh staged copy (every warning is
	# seen even when the tree's objects are current); a 7.x line in its
	# build chroot
	stage=$top/build/lint/$kver
	tools/packaging/dkms.sh stage "$stage"
	out=$(tools/build/kernel-line.sh build "$kver" "$stage" C=2 2>&1)
	rc=$?
	bad=$(printf '%s\n' "$out" | grep -E 'warning:|error:|sparse:|not available or not up to date' )
	# trixie's sparse (0.6.4, the bpo chroot's) cannot parse 7.3's headers
	# (no __typeof_unqual__): the kernel's checker-valid.sh rejects it and
	# the build runs without sparse.  Then sparse runs with sid's, on the
	# same headers (tools/build/kernel-line.sh sparse); its kbuild notes
	# that sid's pahole is not the one the kernel was built with.
	name="build W=1 sparse $line ($kver)"
	if [ $rc = 0 ] && [ -n "$bad" ] &&
	   [ "$bad" = "$(printf '%s\n' "$bad" | grep 'not available or not up to date')" ]; then
		name="build W=1 $line ($kver), sparse with sid's"
		out=$(tools/build/kernel-line.sh sparse "$kver" "$stage" 2>&1)
		rc=$?
		bad=$(printf '%s\n' "$out" | grep -E 'warning:|error:|sparse:|not available or not up to date' |
		      grep -v 'pahole version differs')
		[ "$(printf '%s\n' "$out" | grep -c '  CHECK ')" -gt 0 ] || bad="sparse did not run"
	fi
	result "$name" "$([ $rc = 0 ] && [ -z "$bad" ]; echo $?)" "${bad:-$out}"
done
ktap_finished
