# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # name, dev, blocks: for the sourcing test
#
# Sourced by the guest parts of the host tests that boot a VM
# (test-deb.sh, test-readme.sh): a scsi_debug disk with a little data,
# and SEEK_DATA/SEEK_HOLE on it compared with the device's own answer.

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

# lseek_is_device_answer DEV REPO: SEEK_DATA/SEEK_HOLE on DEV give the
# data runs that sg_get_lba_status reports (mapped blocks; deallocated
# and anchored ones read zeroes with LBPRZ=1), and there is data; prints
# both as "# " lines.  REPO: the tree holding selftests/blkseek.
lseek_is_device_answer() {
	local truth lba desc start count status
	local nblocks=$(($(blockdev --getsize64 "$1") / 512))

	truth=$(mktemp)
	lba=0
	# the device's own answer, descriptor by descriptor, as "LBA BLOCKS STATUS"
	while [ "$lba" -lt "$nblocks" ]; do
		desc=$(sg_get_lba_status -R -b -l "$lba" -m 4104 "$1" |
		       awk -f "$2/selftests/blkseek/sg_gls_brief.awk" | head -1)
		read -r start count status <<< "$desc"
		[ -n "$desc" ] && [ $((start)) -le "$lba" ] && [ $((start + count)) -gt "$lba" ] || break
		echo "$((start)) $((count)) $status" >> "$truth"
		lba=$((start + count))
	done
	if [ "$lba" -lt "$nblocks" ]; then
		echo "# sg_get_lba_status stopped at LBA $lba of $nblocks"
		rm -f "$truth"
		return 1
	fi
	python3 - "$1" "$truth" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
size = os.lseek(fd, 0, os.SEEK_END)
seek, off = [], 0
while off < size:
    try:
        d = os.lseek(fd, off, os.SEEK_DATA)
    except OSError:
        break
    h = os.lseek(fd, d, os.SEEK_HOLE)
    seek.append((d, h))
    off = h
truth = []
for line in open(sys.argv[2]):
    lba, n, status = (int(x, 0) for x in line.split())
    a, b = lba * 512, (lba + n) * 512
    if status != 0:
        continue
    if truth and truth[-1][1] == a:
        truth[-1] = (truth[-1][0], b)
    else:
        truth.append((a, b))
print("# data runs by lseek: %s" % seek)
print("# data runs by sg_get_lba_status: %s" % truth)
sys.exit(0 if seek == truth and seek else 1)
PY
	status=$?
	rm -f "$truth"
	return $status
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
