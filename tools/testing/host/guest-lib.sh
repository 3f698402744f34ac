# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # name, dev, blocks: for the sourcing test
#
# Sourced by the guest parts of the host tests that boot a VM
# (test-deb.sh, test-readme.sh): a scsi_debug disk with a little data,
# and (tools/testing/lib/truth.sh) SEEK_DATA/SEEK_HOLE on it compared
# with the device's own answer: seek_is_truth DEV.

# shellcheck source-path=SCRIPTDIR source=../lib/truth.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/truth.sh"

# guest_disk: scsi_debug (64 MiB, LBPME and LBPRZ) with data at 1, 5 and
# 20 MiB and 64 KiB at 40 MiB; sets name, dev (/dev/$name), blocks
guest_disk() {
	modprobe scsi_debug dev_size_mb=64 lbpu=1 lbprz=1 unmap_granularity=8
	udevadm settle 2>/dev/null
	name=$(basename "$(ls -d /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/* | head -1)")
	dev=/dev/$name
	for _ in $(seq 100); do [ -b "$dev" ] && break; sleep 0.1; done
	for off in 1 5 20; do
		dd if=/dev/urandom of="$dev" bs=1M count=1 seek=$off oflag=direct status=none
	done
	dd if=/dev/urandom of="$dev" bs=64k count=1 seek=640 oflag=direct status=none
	blocks=$(($(blockdev --getsize64 "$dev") / 512))
}

# lp_transition_done: blkseek's livepatch transition complete (60 s at most)
lp_transition_done() {
	for _ in $(seq 600); do
		[ "$(cat /sys/kernel/livepatch/blkseek/transition 2>/dev/null)" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# lp_gone: blkseek's livepatch gone after it was disabled (60 s at most)
lp_gone() {
	for _ in $(seq 600); do
		[ -d /sys/kernel/livepatch/blkseek ] || return 0
		sleep 0.1
	done
	return 1
}
