#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: install what is missing, build blkseek.ko and the tools for
# Debian's 6.12 kernel, boot it in a VM and run tools/testing/demo/demo-guest.sh: a
# sparse scsi_debug disk mapped by blkseek-map beside sg_get_lba_status,
# and copied by nbdcopy without and with blkseek.  Its output (also in
# build/demo.log) is checked by tools/testing/demo/demo-check.sh.
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top"
tools/testing/setup.sh
kver=${BLKSEEK_DEMO_KERNEL:-$(ls /boot/vmlinuz-6.12.* | sort -V | tail -1)}
kver=${kver#/boot/vmlinuz-}
echo "demo: building blkseek.ko for $kver"
make -s -C "$top" KDIR="/usr/src/linux-headers-$kver" module
mkdir -p "build/ko/$kver"
cp blkseek.ko "build/ko/$kver/"
make -s -C tools
echo "demo: booting $kver under QEMU (about a minute under TCG)"
# the output also in build/demo.log, checked for the lines README promises
set +e
tools/testing/vm/vng-boot "$kver" "$top/tools/testing/demo/demo-guest.sh $top $top/build/ko/$kver/blkseek.ko" |
	tee build/demo.log
rc=${PIPESTATUS[0]}
set -e
echo
echo "== checking the demo's output (tools/testing/demo/demo-check.sh)"
tools/testing/demo/demo-check.sh build/demo.log || rc=1
exit "$rc"
