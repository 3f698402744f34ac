#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: install what is missing, build blkseek.ko and the tools for
# Debian's 6.12 kernel, boot it in a VM and run tools/demo-guest.sh: a
# sparse scsi_debug disk mapped by blkseek-map beside sg_get_lba_status,
# and copied by nbdcopy without and with blkseek.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools/setup.sh
kver=${BLKSEEK_DEMO_KERNEL:-$(ls /boot/vmlinuz-6.12.* | sort -V | tail -1)}
kver=${kver#/boot/vmlinuz-}
echo "demo: building blkseek.ko for $kver"
make -s -C "$top" KDIR="/usr/src/linux-headers-$kver" module
mkdir -p "build/ko/$kver"
cp blkseek.ko "build/ko/$kver/"
make -s -C tools
echo "demo: booting $kver under QEMU (about a minute under TCG)"
tools/vng-boot "$kver" "$top/tools/demo-guest.sh $top $top/build/ko/$kver/blkseek.ko"
