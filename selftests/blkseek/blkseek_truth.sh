# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The ground truth: a disk's map from the device itself
# (sg_get_lba_status), or a thin volume's from its pool's metadata
# (thin_dump), in the map format the tests compare ("offset length
# data|hole", bytes, adjacent runs of one kind merged); the same map
# walked by SEEK_DATA/SEEK_HOLE (blkseek_seek.py); and whether a map's
# holes read zeroes.  Sourced by
# the shell selftests, and through tools/testing/lib/truth.sh by
# upstream_stack.sh, the guests of tools/testing/host and the demo; the
# selftests install it with sg_gls_brief.awk and blkseek_seek.py, which
# it finds beside itself.

truth_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# merge_runs [SIZE]: merge adjacent runs of one kind, drop empty ones, and
# with SIZE clip to it
merge_runs() {
	awk -v size="${1:-0}" '
		size > 0 { if ($1 >= size) next; if ($1 + $2 > size) $2 = size - $1 }
		$2 > 0 { if (n && $3 == k && $1 == o + l) { l += $2; next }
			 if (n) print o, l, k
			 o = $1; l = $2; k = $3; n = 1 }
		END { if (n) print o, l, k }'
}

# gls_descriptors DEV: every descriptor sg_get_lba_status gives for DEV,
# from LBA 0 to its end, as "LBA BLOCKS STATUS" (decimal; 0 mapped, 1
# deallocated, 2 anchored); fails when the device does not answer.
# sg_get_lba_status -b prints other lines before the descriptors (sg3_utils
# 1.46: "Completion condition=0", "RTP=0"): sg_gls_brief.awk picks the
# descriptors by what they say.  -R opens read-only: a read-write close
# makes udev probe the disk.
gls_descriptors() {
	local dev=$1 blocks lba=0 next s n st
	blocks=$(blockdev --getsize64 "$dev") || return 1
	blocks=$((blocks / 512))
	while [ $lba -lt $blocks ]; do
		next=$lba
		while read -r s n st _; do
			s=$((s)) n=$((n))
			[ $((s + n)) -gt $next ] && next=$((s + n))
			echo "$s $n $st"
		done < <(sg_get_lba_status -R -b -l $lba -m 4104 "$dev" 2>/dev/null |
			 awk -f "$truth_dir/sg_gls_brief.awk")
		[ $next -gt $lba ] || return 1
		lba=$next
	done
}

# gls_truth DEV: the whole disk's map from sg_get_lba_status (deallocated
# and anchored blocks are holes); fails when the device does not answer
gls_truth() {
	local size s n st
	local -
	set -o pipefail
	size=$(blockdev --getsize64 "$1") || return 1
	gls_descriptors "$1" | while read -r s n st; do
		echo "$((s * 512)) $((n * 512)) $([ "$st" = 0 ] && echo data || echo hole)"
	done | merge_runs "$size"
}

# seek_walk DEV: DEV's map walked by SEEK_DATA/SEEK_HOLE, in the same
# format; an errno other than ENXIO from SEEK_DATA ends it with the line
# "error ERRNO x"
seek_walk() {
	python3 "$truth_dir/blkseek_seek.py" walk "$1"
}

# seek_is_truth DEV: SEEK_DATA/SEEK_HOLE on DEV give the data runs that
# sg_get_lba_status reports (mapped blocks; deallocated and anchored ones
# read zeroes with LBPRZ=1), and there is data; prints both as "# " lines
seek_is_truth() {
	local truth seek

	truth=$(gls_truth "$1" | awk '$3 == "data"') ||
		{ echo "# sg_get_lba_status does not answer for all of $1"; return 1; }
	seek=$(seek_walk "$1" | awk '$3 != "hole"')
	echo "# data runs by lseek: $(tr '\n' ';' <<< "$seek")"
	echo "# data runs by sg_get_lba_status: $(tr '\n' ';' <<< "$truth")"
	[ -n "$seek" ] && [ "$seek" = "$truth" ]
}

# thin_truth NAME: the map of thin volume NAME (its dm name) from
# thin_dump of a metadata snapshot of its pool (thin-provisioning-tools),
# the pool quiesced by the caller (no writes running): a provisioned
# block is data, any other a hole; fails when the pool refuses the
# snapshot
thin_truth() {
	local id size pool tp meta xml rc
	id=$(dmsetup table "$1" | awk '$3 == "thin" { print $5 }')
	size=$(blockdev --getsize64 "/dev/mapper/$1")
	pool=$(dmsetup table "$1" | awk '{ print $4 }')
	tp=$(cat "/sys/dev/block/$pool/dm/name")
	meta=$(dmsetup table "$tp" | awk '{ print $4 }')
	meta=/dev/$(sed -n 's/^DEVNAME=//p' "/sys/dev/block/$meta/uevent")
	dmsetup message "$tp" 0 reserve_metadata_snap || return 1
	xml=$(mktemp)
	thin_dump --metadata-snap --dev-id "$id" "$meta" > "$xml"
	dmsetup message "$tp" 0 release_metadata_snap
	python3 - "$xml" "$size" <<'PY'
import re, sys
xml, size = open(sys.argv[1]).read(), int(sys.argv[2])
bs = int(re.search(r'data_block_size="(\d+)"', xml).group(1)) * 512
m = []
for a, b in re.findall(r'<range_mapping origin_begin="(\d+)" data_begin="\d+" length="(\d+)"', xml):
    m.append((int(a), int(b)))
for a in re.findall(r'<single_mapping origin_block="(\d+)"', xml):
    m.append((int(a), 1))
m.sort()
out, pos = [], 0
def add(o, n, k):
    if n <= 0:
        return
    if out and out[-1][2] == k and out[-1][0] + out[-1][1] == o:
        out[-1][1] += n
    else:
        out.append([o, n, k])
for b, n in m:
    s, e = b * bs, min((b + n) * bs, size)
    add(pos, s - pos, "hole")
    add(s, e - s, "data")
    pos = e
add(pos, size - pos, "hole")
for o, n, k in out:
    print(o, n, k)
PY
	rc=$?
	rm -f "$xml"
	return $rc
}

# zero_holes DEV MAP: every hole of MAP (a map file) reads zeroes on DEV
# (O_DIRECT reads of up to 1 MiB); the first hole that does not is named
zero_holes() {
	python3 - "$1" "$2" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECT)
import mmap
buf = mmap.mmap(-1, 1 << 20)
bad = 0
for line in open(sys.argv[2]):
    o, n, k = line.split()
    o, n = int(o), int(n)
    if k != "hole":
        continue
    while n > 0:
        c = min(n, 1 << 20)
        got = os.preadv(fd, [memoryview(buf)[:c]], o)
        if buf[:got].count(0) != got:
            bad += 1
            print("# nonzero in hole at", o)
            break
        o += c
        n -= c
sys.exit(1 if bad else 0)
PY
}
