#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: install what is missing, build blkseek.ko and the tools for
# Debian's 6.12 kernel (BLKSEEK_DEMO_KERNEL: another line or release),
# boot it in a VM and run tools/testing/demo/demo-guest.sh: a sparse
# scsi_debug disk mapped by blkseek-map beside sg_get_lba_status, and
# copied by nbdcopy without and with blkseek.  The module is built and
# the kernel booted through the interface of every line (make module
# KVER=, tools/build/vng-boot).  Its output (also in build/demo.log)
# is checked by tools/testing/demo/demo-check.sh.
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top"
line=${BLKSEEK_DEMO_KERNEL:-6.12}
case $line in
6.1 | 6.12 | sid | bpo | rc)
	tools/testing/setup.sh "$line"
	kver=$(tools/build/kernel-line.sh fetch "$line" | tail -1) ;;
*)
	tools/testing/setup.sh
	kver=$line ;;
esac
echo "demo: building blkseek.ko for $kver"
make -s -C "$top" module KVER="$kver" > build/demo-module.log 2>&1 ||
	{ cat build/demo-module.log; exit 1; }
make -s -C tools
echo "demo: booting $kver under QEMU (about a minute under TCG)"
# the output also in build/demo.log, checked for the lines README promises
set +e
tools/build/vng-boot "$kver" "$top/tools/testing/demo/demo-guest.sh $top $top/build/ko/$kver/blkseek.ko" |
	tee build/demo.log
rc=${PIPESTATUS[0]}
set -e
echo
echo "== checking the demo's output (tools/testing/demo/demo-check.sh)"
tools/testing/demo/demo-check.sh build/demo.log || rc=1
exit "$rc"
