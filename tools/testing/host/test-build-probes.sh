#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The feature probes of Kbuild on a kernel that lacks an API: the probed
# headers are copied from a real kernel's tree with one API removed, the
# module is built with BLKSEEK_PROBE_TREE pointing at the copies, and the
# build must fail with blkseek_compat.h's error naming what is missing.
# The same build with unmodified copies must succeed.  KTAP output.
# Usage: tools/testing/host/test-build-probes.sh [KDIR]  (default: the newest 6.12
# headers on the host)
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
kdir=${1:-$(ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null | sort -V | tail -1)}
# shellcheck source-path=SCRIPTDIR source=../lib/ktap.sh
. "$(dirname "$0")/../lib/ktap.sh"
[ -d "$kdir" ] || { ktap_skip_all "no kernel headers"; exit 0; }
# Debian's -amd64 headers include the -common tree, where the headers are
srctree=$kdir
[ -f "$srctree/include/scsi/scsi_device.h" ] || srctree=${kdir%-amd64}-common
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
headers="include/scsi/scsi_device.h include/linux/unaligned.h"

build() {	# build: the module in a private copy, probed headers from $tmp/tree
	rm -rf "$tmp/src"
	"$top/tools/packaging/dkms.sh" stage "$tmp/src"
	make -C "$kdir" M="$tmp/src" BLKSEEK_PROBE_TREE="$tmp/tree" modules > "$tmp/log" 2>&1
}

case_() {	# case_ NAME SYMBOL MESSAGE: SYMBOL removed -> MESSAGE
	rm -rf "$tmp/tree"
	for h in $headers; do
		[ -f "$srctree/$h" ] || continue	# linux/unaligned.h: 6.12 on
		mkdir -p "$(dirname "$tmp/tree/$h")"
		if [ -n "$2" ]; then
			sed "s/\<$2\>/removed_$2/g" "$srctree/$h" > "$tmp/tree/$h"
		else
			cp "$srctree/$h" "$tmp/tree/$h"
		fi
	done
	if [ -z "$2" ]; then
		if build; then ktap_test_pass "$1"; else
			ktap_test_fail "$1: build failed"; tail -5 "$tmp/log" | sed 's/^/#   /'; fi
	elif build; then
		ktap_test_fail "$1: built without $2"
	elif grep -q "error: #error \"$3" "$tmp/log"; then
		ktap_test_pass "$1: $(grep -o "#error \"$3[^\"]*" "$tmp/log" | head -1)"
	else
		ktap_test_fail "$1: failed without naming it:"; grep error "$tmp/log" | head -5 | sed 's/^/#   /'
	fi
}

ktap_print_header
ktap_set_plan 2
case_ "all APIs present: builds" "" ""
case_ "no way to send a command" "scsi_execute_cmd" "blkseek: the kernel has neither scsi_execute_cmd() nor scsi_execute_req()"
ktap_finished
