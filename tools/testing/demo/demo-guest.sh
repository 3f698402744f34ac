#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo, inside the VM: a sparse scsi_debug disk, its map from
# blkseek-map beside the device's own answer (sg_get_lba_status), and a
# copy with nbdcopy without and with blkseek, counting sectors read.
# Usage: demo-guest.sh REPO_DIR KO_PATH
set -u
repo=$1
ko=$2
# shellcheck source=../../../selftests/blkseek/blkseek_lib.sh
. "$repo/selftests/blkseek/blkseek_lib.sh"
# shellcheck source=../lib/truth.sh
. "$repo/tools/testing/lib/truth.sh"
map="$repo/tools/blkseek-map"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

modprobe scsi_debug dev_size_mb=256 lbpu=1 lbprz=1 unmap_granularity=8 || exit 1
udevadm settle 2>/dev/null
sdir=$(ls -d /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/* | head -1)
name=$(basename "$sdir")
dev=/dev/$name
for i in $(seq 50); do [ -b "$dev" ] && break; sleep 0.1; done

say "a 256 MiB thin scsi_debug disk ($dev, lbpu=1 lbprz=1): writing 6 extents"
for mib in 1 5 9 40 100 200; do
	dd if=/dev/urandom of="$dev" bs=1M count=1 seek=$mib oflag=direct status=none
done
dd if=/dev/urandom of="$dev" bs=64k count=1 seek=3000 oflag=direct status=none
echo "written: 6 x 1 MiB at 1, 5, 9, 40, 100, 200 MiB and 64 KiB at 187.5 MiB"

failed=0
sectors_read() { awk '{print $3}' "/sys/block/$name/stat"; }

copy() {	# copy LABEL: nbdcopy the disk, print sectors read, check identical
	local a b out=/tmp/demo-copy.img
	echo 3 > /proc/sys/vm/drop_caches
	udevadm settle 2>/dev/null	# no udev probe reading while counting
	a=$(sectors_read)
	nbdcopy -- [ nbdkit file "$dev" ] "$out"
	b=$(sectors_read)
	printf '%-22s sectors read: %7d (%s MiB)   ' "$1" $((b - a)) $(((b - a) / 2048))
	if cmp -s "$dev" "$out"; then
		echo "copy identical (cmp)"
	else
		echo "COPY DIFFERS"
		failed=1
	fi
	rm -f "$out"
}

say "without blkseek: the stock kernel cannot answer"
"$map" "$dev"
echo "(exit code $?)"
copy "nbdcopy, stock kernel:"

say "insmod blkseek.ko"
BLKSEEK_KO=$ko blkseek_load || exit 1
grep . /sys/kernel/livepatch/blkseek/enabled /sys/kernel/livepatch/blkseek/transition

say "blkseek-map $dev"
"$map" "$dev"

say "the device's own answer: sg_get_lba_status, descriptor by descriptor"
# gls_descriptors: tools/testing/lib/truth.sh
truth=/tmp/demo-truth
gls_descriptors "$dev" > "$truth.lba" || {
	echo "demo: sg_get_lba_status does not answer for all of $dev" >&2
	exit 1
}
: > "$truth"
while read -r start count status; do
	case $status in 1) kind=deallocated ;; 2) kind=anchored ;; *) kind=mapped ;; esac
	printf '  LBA %10d  blocks %8d  %s\n' "$start" "$count" "$kind"
	echo "$start $count $kind" >> "$truth"
done < "$truth.lba"
# blkseek-map --json's extents (nbdinfo --map --json's format: type 0 is
# data) against the device's descriptors, as byte runs of data (mapped)
# and not data (deallocated/anchored reads zero)
"$map" --json "$dev" > /tmp/demo-map.json || exit 1
python3 - "$truth" /tmp/demo-map.json <<'PY' || exit 1
import json, sys
m = json.load(open(sys.argv[2]))
runs = []
for line in open(sys.argv[1]):
    lba, n, kind = line.split()
    runs.append((int(lba) * 512, int(n) * 512, kind == "mapped"))
def merged(rs):
    out = []
    for off, ln, d in rs:
        if out and out[-1][2] == d and out[-1][0] + out[-1][1] == off:
            out[-1] = (out[-1][0], out[-1][1] + ln, d)
        else:
            out.append((off, ln, d))
    return out
mine = merged((e["offset"], e["length"], e["type"] == 0) for e in m)
dev = merged(runs)
same = mine == dev
print("blkseek-map %s the device's answer (%d runs, %d data bytes)"
      % ("equals" if same else "DIFFERS FROM", len(dev),
         sum(r[1] for r in dev if r[2])))
sys.exit(0 if same else 1)
PY

say "copying with nbdcopy (nbdkit file plugin serving $dev)"
copy "nbdcopy, with blkseek:"
mapped=$("$map" --json --totals "$dev" | python3 -c 'import json,sys; print(sum(t["size"] for t in json.load(sys.stdin) if t["type"] == 0) // 512)')
echo "mapped sectors per blkseek-map: $mapped"
disk=$(( $(blockdev --getsize64 "$dev") / 512 ))
echo "disk sectors: $disk"
exit "$failed"
