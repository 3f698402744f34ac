# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2154 # $here: set by the sourcing test
#
# Sourced by the shell selftests: a disk's ground truth from the device
# itself, and the map format they compare ("offset length data|hole",
# bytes, adjacent runs of one kind merged).  Needs $here, the directory
# holding sg_gls_brief.awk.

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

# gls_truth DEV: the whole disk's map from sg_get_lba_status; fails when
# the device does not answer
gls_truth() {
	local dev=$1 size lba=0 next s n st
	size=$(blockdev --getsize64 "$dev") || return 1
	while [ $lba -lt $((size / 512)) ]; do
		next=$lba
		while read -r s n st _; do
			s=$((s)) n=$((n))
			[ $((s + n)) -gt $next ] && next=$((s + n))
			echo "$((s * 512)) $((n * 512)) $([ "$st" = 0 ] && echo data || echo hole)"
		done < <(sg_get_lba_status -R -b -l $lba -m 4104 "$dev" 2>/dev/null |
			 awk -f "$here/sg_gls_brief.awk")
		[ $next -gt $lba ] || return 1
		lba=$next
	done | merge_runs "$size"
}
