#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An iSCSI LUN of tgt (the userspace target) over loopback, thin
# provisioned on a sparse file: tgt answers GET LBA STATUS from the file's
# SEEK_DATA/SEEK_HOLE with many descriptors per reply, as arrays do.
# Inside the VM (root, the host's packages):
#   tgt-lun.sh up FILE... one LUN per FILE (1, 2, ...); prints the
#                         disks' names (sdX), one a line, once logged in
#   tgt-lun.sh session    logs in a second session (iface blkseek2) to
#                         the target; prints LUN 1's disk in it: the
#                         same LUN through a second I_T nexus
#   tgt-lun.sh down       logs out and stops the daemons
set -u
iqn=iqn.2026-11.org.blkseek:lun
case ${1:-} in
up)
	shift
	ip link set lo up
	# the VM's /etc is the host's, read-only: open-iscsi keeps its
	# records in a tmpfs over /etc/iscsi
	if ! grep -q " /etc/iscsi tmpfs " /proc/mounts; then
		tmp=$(mktemp -d)
		cp -a /etc/iscsi/. "$tmp"/
		mount -t tmpfs tmpfs /etc/iscsi && cp -a "$tmp"/. /etc/iscsi/
		rm -rf "$tmp"
	fi
	mkdir -p /run/lock/iscsi /var/lib/iscsi 2>/dev/null
	if pgrep -x tgtd > /dev/null || pgrep -x iscsid > /dev/null; then
		echo "tgt-lun: tgtd or iscsid already running (tgt-lun.sh down first)" >&2
		exit 1
	fi
	tgtd || { echo "tgt-lun: tgtd did not start" >&2; exit 1; }
	for _ in $(seq 100); do tgtadm --lld iscsi --op show --mode sys > /dev/null 2>&1 && break; sleep 0.1; done
	tgtadm --lld iscsi --op new --mode target --tid 1 -T $iqn || exit 1
	lun=0
	for file in "$@"; do
		lun=$((lun + 1))
		tgtadm --lld iscsi --op new --mode logicalunit --tid 1 --lun $lun -b "$file" &&
		tgtadm --lld iscsi --op update --mode logicalunit --tid 1 --lun $lun \
			--params thin_provisioning=1 || exit 1
	done
	tgtadm --lld iscsi --op bind --mode target --tid 1 -I ALL || exit 1
	modprobe iscsi_tcp
	iscsid || { echo "tgt-lun: iscsid did not start" >&2; exit 1; }
	iscsiadm -m discovery -t sendtargets -p 127.0.0.1 > /dev/null &&
	iscsiadm -m node -T $iqn -p 127.0.0.1 --login > /dev/null || exit 1
	udevadm settle
	for l in $(seq "$lun"); do
		for _ in $(seq 100); do
			b=$(ls -d /sys/class/iscsi_session/session*/device/target*/*:*:*:"$l"/block/* 2>/dev/null | head -1)
			[ -n "$b" ] && [ -b "/dev/$(basename "$b")" ] && break
			b=
			sleep 0.1
		done
		[ -n "$b" ] || { echo "tgt-lun: no disk for LUN $l after login" >&2; exit 1; }
		basename "$b"
	done
	exit 0 ;;
session)
	old=$(ls -d /sys/class/iscsi_session/session* 2>/dev/null)
	{ iscsiadm -m iface -I blkseek2 > /dev/null 2>&1 ||
	  iscsiadm -m iface -I blkseek2 -o new > /dev/null; } &&
	iscsiadm -m discovery -t sendtargets -p 127.0.0.1 -I blkseek2 -o new > /dev/null &&
	iscsiadm -m node -T $iqn -p 127.0.0.1 -I blkseek2 --login > /dev/null ||
		{ echo "tgt-lun: no second session" >&2; exit 1; }
	udevadm settle
	for _ in $(seq 100); do
		for s in /sys/class/iscsi_session/session*; do
			grep -qxF "$s" <<< "$old" && continue
			b=$(ls -d "$s"/device/target*/*:*:*:1/block/* 2>/dev/null | head -1)
			[ -n "$b" ] && [ -b "/dev/$(basename "$b")" ] &&
				{ basename "$b"; exit 0; }
		done
		sleep 0.1
	done
	echo "tgt-lun: no disk for LUN 1 in the second session" >&2
	exit 1 ;;
down)
	iscsiadm -m node -T $iqn --logout > /dev/null 2>&1
	for l in 1 2 3 4; do
		tgtadm --lld iscsi --op delete --mode logicalunit --tid 1 --lun $l > /dev/null 2>&1
	done
	tgtadm --lld iscsi --op delete --mode target --tid 1 > /dev/null 2>&1
	# tgtd stays up on SIGTERM: it is told to stop ("delete" of the
	# system); each daemon waited for, so that the next "up" starts anew
	tgtadm --op update --mode sys --name State -v offline > /dev/null 2>&1
	tgtadm --op delete --mode system > /dev/null 2>&1
	pkill -x iscsid
	for _ in $(seq 100); do
		pgrep -x tgtd > /dev/null || pgrep -x iscsid > /dev/null || break
		sleep 0.1
	done
	pkill -KILL -x tgtd; pkill -KILL -x iscsid
	rm -f /run/iscsid.pid
	umount /etc/iscsi 2>/dev/null
	exit 0 ;;
*)
	echo "usage: tgt-lun.sh up FILE... | session | down" >&2
	exit 2 ;;
esac
