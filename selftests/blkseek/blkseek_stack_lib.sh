# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2154 # set here for, or by, the sourcing test
#
# Sourced by the stacked-device tests (blkseek_stack.sh,
# blkseek_stack_mpath.sh, blkseek_stack_lvs.sh), which set here, the
# scenarios and inkernel_skip first.  Devices are set up as users do and
# told to blkseek the way udev does (the rule of tools/packaging/udev,
# with this tree's blkseek-stack); each map walked by SEEK_DATA/SEEK_HOLE
# must equal the ground truth composed from sg_get_lba_status on the
# disks and the tables of `dmsetup table` (or the backing file's own
# map).
# BLKSEEK_INKERNEL=1 (make upstream-check): the answers come from the
# kernel itself (the series of upstream/) and blkseek.ko must not be
# loaded.  The two modes differ in the hooks and the skip list below:
# how a device is told (udev's rule and blkseek-stack; in-kernel nothing
# is told), the module's counters (none in-kernel), and the scenarios
# that are only the module's control plane (inkernel_skip).  The answers
# that differ by the series' design are the tests' own.

# shellcheck source=ktap_helpers.sh
. "$here/ktap_helpers.sh"
stack=${BLKSEEK_REPO:-}/tools/blkseek-stack
map=${BLKSEEK_REPO:-}/tools/blkseek-map
rules=/run/udev/rules.d/90-blkseek-stack.rules
work=$(mktemp -d)
inkernel=${BLKSEEK_INKERNEL:-0}

# One KTAP result per check (ktap_helpers.sh; nested: the runner
# prefixes "# "), one skip for a scenario not run, and one failure for a
# test that exits in a scenario.

# The mode's hooks and skip list:
#   tell [DEV]      DEV's stack told to blkseek (blkseek-stack DEV; no DEV:
#                   every device); in-kernel nothing is told
#   udev_rule on|off  the installed udev rule, which tells each device as
#                   it changes, in place or not; in-kernel there is none
#   stat NAME       the module's counter NAME; in-kernel none: prints
#                   nothing and fails
#   skipped         the scenarios that are only the module's control
#                   plane, each one skip
for t in sg_get_lba_status lvm dmsetup kpartx losetup sfdisk mkfs.ext4 mkfs.xfs cryptsetup multipath nbdcopy; do
	command -v $t > /dev/null || { echo "# no $t"; exit $KSFT_SKIP; }
done
[ -x "$map" ] || { echo "# tools not built"; exit $KSFT_SKIP; }
if [ "$inkernel" = 1 ]; then
	if [ -e /sys/module/blkseek ] || [ -e /sys/kernel/livepatch/blkseek ]; then
		echo "# FAIL: BLKSEEK_INKERNEL=1 but blkseek.ko is loaded"; exit 1
	fi
	echo "# in-kernel: the answers come from $(uname -r), blkseek.ko not loaded"
	stack=
	tell() { :; }
	udev_rule() { :; }
	stat() { return 1; }
	skipped=("${inkernel_skip[@]}")
	skip_why="in-kernel: the module's control plane only"
else
	[ -x "$stack" ] || { echo "# tools not built"; exit $KSFT_SKIP; }
	[ -c /dev/blkseek ] || { echo "# blkseek not loaded"; exit $KSFT_SKIP; }
	tell() { "$stack" "$@"; }
	udev_rule() {
		if [ "$1" = on ]; then
			mkdir -p "$(dirname $rules)"
			sed "s|@SBINDIR@|$(dirname "$stack")|" \
				"$BLKSEEK_REPO/tools/packaging/udev/90-blkseek-stack.rules" > "$rules"
		else
			rm -f "$rules"
		fi
		udevadm control --reload
	}
	stat() { cat "/sys/module/blkseek/stats/$1"; }
	skipped=()
fi
stats() {	# stats NAME...: "# stats: NAME=VALUE ..."; nothing in-kernel
	local f v line=
	for f; do
		v=$(stat "$f") || return 0
		line+="$f=$v "
	done
	echo "# stats: $line"
}

scen=0
step() {	# step N: scenario N begins; fails, one skip, if N is skipped
	[ "$scen" -gt 0 ] || ktap_print_header
	scen=$1
	if [[ " ${skipped[*]} " == *" $scen "* ]]; then
		ktap_test_skip "${scenarios[scen - 1]}" "$skip_why"
		return 1
	fi
	echo "# scenario $scen at ${SECONDS} s: ${scenarios[scen - 1]}"
}
skip() {	# skip REASON: the current scenario not run, one skip
	ktap_test_skip "${scenarios[scen - 1]}" "$1"
}
modprobe dm-mod; modprobe dm-multipath; modprobe dm-crypt; modprobe loop
export LVM_SUPPRESS_FD_WARNINGS=1	# the harness's own descriptors

cleanup() {
	local rc=$?
	# exited inside a scenario (ktap_finished sets the plan): it failed,
	# and the rest did not run
	if [ "$scen" -gt 0 ] && [ -z "$KSFT_NUM_TESTS" ]; then
		ktap_test_fail "scenario $scen, ${scenarios[scen - 1]}: exit $rc; $((${#scenarios[@]} - scen)) scenarios after it not run"
		ktap_set_plan $((KTAP_TESTNO - 1))
		ktap_print_totals
	fi
	umount "$work/mnt-ext4" "$work/mnt-xfs" 2>/dev/null
	losetup -D 2>/dev/null
	umount "$work/mnt-tmp" 2>/dev/null
	dmsetup remove_all 2>/dev/null
	multipath -F > /dev/null 2>&1
	dmsetup remove_all 2>/dev/null
	umount /etc/multipath 2>/dev/null
	rm -f "$rules"
	udevadm control --reload 2>/dev/null
	modprobe -r scsi_debug 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

udevadm control --reload || { echo "# no udevd"; exit $KSFT_SKIP; }
# the udev rule as installed, pointing at this tree's blkseek-stack
udev_rule on

. "$here/blkseek_lib.sh"
sdebug() {	# sdebug HOSTS PARAMS...: scsi_debug loaded afresh with HOSTS
		# hosts (add_host=HOSTS); sets disks, one per host
	local hosts=$1
	shift
	sdebug_reload dev_size_mb=32 lbpu=1 lbprz=1 unmap_granularity=8 \
		add_host="$hosts" "$@"
	if [ ${#disks[@]} != "$hosts" ]; then
		echo "# scsi_debug made ${#disks[@]} disks, not $hosts"
		exit 1
	fi
}

# shellcheck source=blkseek_truth.sh
. "$here/blkseek_truth.sh"
truth() { gls_truth "/dev/$1"; }	# truth DISK: the whole disk's map
merge() { merge_runs; }
cut() {	# cut FROM LEN AT < map: the map's [FROM, FROM+LEN) placed at AT
	awk -v f="$1" -v len="$2" -v at="$3" '
		{ s = $1; e = $1 + $2; if (s < f) s = f; if (e > f + len) e = f + len
		  if (e > s) print s - f + at, e - s, $3 }'
}
lsmap() {	# lsmap DEV: the map walked by SEEK_DATA/SEEK_HOLE
	"$map" --lseek "$1" | awk '$1 ~ /^[0-9]+$/ && NF >= 3 { print $1, $2, $3 }' | merge
}
dm_truth() {	# dm_truth NAME: composed from `dmsetup table` and the disks
	local start len tgt dev off
	dmsetup table "$1" | while read -r start len tgt dev off; do
		if [ "$tgt" = multipath ]; then	# the LUN, by its first path
			dev=$(echo "$dev $off" | grep -oE '[0-9]+:[0-9]+' | head -1) off=0
		fi
		[ "$tgt" = linear ] || [ "$tgt" = multipath ] || return 1
		local lower
		lower=$(basename "$(readlink -f "/sys/dev/block/$dev")")
		if [ -d "/sys/block/$lower/dm" ]; then
			dm_truth "$(cat "/sys/block/$lower/dm/name")"
		else
			truth "$lower"
		fi | cut $((off * 512)) $((len * 512)) $((start * 512))
	done | merge
}
loop_attach() {	# loop_attach LOSETUP-ARGS...: the loop device (udev may
		# still hold the one losetup picks: tried again)
	local l
	for _ in $(seq 10); do
		udevadm settle
		l=$(losetup -f --show "$@" 2>/dev/null) && { echo "$l"; return 0; }
		sleep 0.5
	done
	return 1
}
scatter() {	# scatter DEV SEED: 256 KiB of random data at some spots
	local s
	for s in $(seq 0 $(( $(blockdev --getsize64 "$1") / 262144 - 1)) | shuf --random-source=<(yes "$2") | head -12); do
		dd if=/dev/urandom of="$1" bs=256k count=1 seek="$s" oflag=direct status=none
	done
}
no_hole_over() {	# no_hole_over WHAT TRUTH MAP
	if awk 'BEGIN { n = 0 }
		NR == FNR { if ($3 == "data") { s[n] = $1; e[n] = $1 + $2; n++ }; next }
		$3 == "hole" { for (i = 0; i < n; i++) if ($1 < e[i] && s[i] < $1 + $2) bad = 1 }
		END { exit bad }' "$2" "$3"; then
		ktap_test_pass "$1: no hole over data"
	else
		echo "# $1: a hole over data; data, then the map:"
		awk '$3 == "data" { printf "%s+%s ", $1, $2 } END { print "" }' "$2" | sed 's/^/#   /'
		awk '{ printf "%s+%s:%s ", $1, $2, $3 } END { print "" }' "$3" | sed 's/^/#   /'
		stats stacked_mappings stacked_stale stacked_redone
		ktap_test_fail "$1: no hole over data"
	fi
}
