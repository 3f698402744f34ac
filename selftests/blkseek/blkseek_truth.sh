# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The ground truth: a disk's map from the device itself
# (sg_get_lba_status), in the map format the tests compare ("offset
# length data|hole", bytes, adjacent runs of one kind merged), and the
# same map walked by SEEK_DATA/SEEK_HOLE (blkseek_seek.py).  Sourced by
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
