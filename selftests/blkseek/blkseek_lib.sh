# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # name, dev, disks: for the sourcing test
#
# Sourced by the shell selftests and the bench: scsi_debug loaded afresh
# for a test, blkseek disabled, unloaded and loaded again, and a check
# as one KTAP result.

# the directory of this file and of what it runs (blkseek_seek.py)
blkseek_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# KTAP results (ktap_helpers.sh), unless the sourcing test has them already
# shellcheck source=ktap_helpers.sh
declare -F ktap_test_pass > /dev/null || . "$blkseek_lib_dir/ktap_helpers.sh"

# check_eq WHAT EXPECTED GOT: one KTAP result, "WHAT = GOT" when GOT is
# EXPECTED, else a failure naming both
check_eq() {
	if [ "$2" = "$3" ]; then
		ktap_test_pass "$1 = $3"
	else
		ktap_test_fail "$1: expected $2, got $3"
	fi
}

# same WHAT EXPECTED ACTUAL: one KTAP result, that the map in file ACTUAL
# (lines "OFFSET LENGTH data|hole", as blkseek_seek.py walk prints them)
# is the one in file EXPECTED, which must not be empty; the diff if not
same() {
	local d

	if [ -s "$2" ] && d=$(diff "$2" "$3"); then
		ktap_test_pass "$1 ($(grep -c hole "$3") holes, $(grep -c data "$3") data runs)"
		return 0
	fi
	[ -s "$2" ] || echo "#   $2: empty, nothing to compare with"
	[ -n "$d" ] && echo "$d" | head -20 | sed 's/^/#   /'
	ktap_test_fail "$1"
	return 1
}

# floor < MAP: the sectors of the 256 KiB pieces of MAP ("OFFSET LENGTH
# data|hole" lines) that hold data: what nbdcopy, reading 256 KiB requests,
# must read at least
floor() {
	awk '$3 == "data" { for (c = int($1 / 262144); c * 262144 < $1 + $2; c++) p[c] = 1 }
		END { print length(p) * 512 }'
}

# nbdcopy_check WHAT DEV TRUTH: three KTAP results: nbdcopy DEV to a file
# in $work exits 0, reads (sectors read in /sys/block/NAME/stat) no more
# than the floor of the map TRUTH and 5% and 256 sectors, and the copy
# is DEV
nbdcopy_check() {
	local name r0 r1 fl out=${work:?}/copy.img

	name=$(basename "$(readlink -f "$2")")
	fl=$(floor < "$3")
	udevadm settle
	echo 3 > /proc/sys/vm/drop_caches
	blockdev --setra 0 "$2"
	r0=$(awk '{ print $3 }' "/sys/block/$name/stat")
	nbdcopy "$2" "$out"
	ktap_test_result "$1: nbdcopy exits 0" [ $? = 0 ]
	r1=$(awk '{ print $3 }' "/sys/block/$name/stat")
	echo "# $1: nbdcopy read $((r1 - r0)) sectors, floor $fl"
	ktap_test_result "$1: nbdcopy reads its floor" [ $((r1 - r0)) -le $((fl * 105 / 100 + 256)) ]
	ktap_test_result "$1: copy identical" cmp -s "$2" "$out"
	rm -f "$out"
}

# section TEXT: a "# --- TEXT (at N s)" line that heads a part of a test
section() { echo "# --- $* (at $SECONDS s)"; }

# covers_kind MAP OFF LEN KIND: [OFF, OFF + LEN) lies in one run of KIND
# of the map in file MAP ("OFFSET LENGTH data|hole" lines)
covers_kind() {
	awk -v o="$2" -v l="$3" -v k="$4" '$3 == k && $1 <= o && o + l <= $1 + $2 { f = 1 }
		END { exit !f }' "$1"
}

# dm_remove_matching ERE: the dm devices whose names match the extended
# regular expression ERE removed without LVM (vgremove takes a minute
# under TCG), each round removing what nothing holds any more: a volume
# before its pool, a pool before its layers; at most six rounds
dm_remove_matching() {
	local d n

	for _ in 1 2 3 4 5 6; do
		n=0
		for d in $(dmsetup ls 2> /dev/null | awk -v re="$1" '$1 ~ re { print $1 }'); do
			dmsetup remove "$d" 2> /dev/null || n=$((n + 1))
		done
		[ $n = 0 ] && break
	done
}

# sdebug_reload PARAMS...: unload scsi_debug and load it with PARAMS.
# Sets disks (the disk names, one per host, in host order), name (the
# first) and dev (/dev/$name).  A test before may leave scsi_debug busy a
# while (udev probes, a client closing, a timed-out command being
# aborted): a load with other parameters needs it gone, so wait for that
# and fail clearly rather than run on the old disks.
sdebug_reload() {
	local sd=/sys/bus/pseudo/drivers/scsi_debug h b

	udevadm settle 2>/dev/null
	for _ in $(seq 200); do
		lsmod | grep -q '^scsi_debug ' || break
		modprobe -r scsi_debug 2>/dev/null && break
		sleep 0.3
	done
	if lsmod | grep -q '^scsi_debug '; then
		echo "# FAIL: scsi_debug still in use after 60 s: $(lsmod | grep '^scsi_debug ')"
		echo "# modprobe -r: $(modprobe -r scsi_debug 2>&1); refcnt $(cat /sys/module/scsi_debug/refcnt)"
		echo "# holders: $(cd /sys/block && ls -d sd*/holders/* sd*/sd*/holders/* 2>/dev/null | tr '\n' ' ')"
		echo "# open: $(find /proc/[0-9]*/fd -lname '/dev/sd*' -printf '%h %l\n' 2>/dev/null |
			while read -r d l; do p=${d#/proc/}; echo -n "${p%%/*}:$(cat "/proc/${p%%/*}/comm" 2>/dev/null):$l "; done)"
		exit 1
	fi
	modprobe scsi_debug "$@" || exit "${KSFT_SKIP:-4}"
	udevadm settle 2>/dev/null
	disks=()
	for h in $(ls -d $sd/adapter*/host* | sort -V); do
		for b in "$h"/target*/*/block/*; do
			[ -e "$b" ] && disks+=("$(basename "$b")")
		done
	done
	if [ ${#disks[@]} = 0 ]; then
		echo "# FAIL: scsi_debug $* made no disk"
		exit 1
	fi
	name=${disks[0]}
	dev=/dev/$name
	for b in "${disks[@]}"; do
		for _ in $(seq 100); do [ -b "/dev/$b" ] && break; sleep 0.1; done
	done
}

# blkseek_disable [SECONDS]: disable blkseek's livepatch and wait up to
# SECONDS (default 120) for the kernel to finish the transition and
# remove it; fails if it is still there then.
blkseek_disable() {
	local lp=/sys/kernel/livepatch/blkseek

	[ -d $lp ] && echo 0 > $lp/enabled
	for _ in $(seq $((${1:-120} * 10))); do
		[ -d $lp ] || return 0
		sleep 0.1
	done
	return 1
}

# blkseek_load PARAMS...: insmod $BLKSEEK_KO with PARAMS and wait up to
# 60 s for the livepatch transition to complete; fails if it did not.
blkseek_load() {
	local lp=/sys/kernel/livepatch/blkseek

	insmod "${BLKSEEK_KO:?}" "$@" || return 1
	for _ in $(seq 600); do
		[ "$(cat $lp/transition 2>/dev/null)" = 0 ] && return 0
		sleep 0.1
	done
	echo "# blkseek_load: livepatch transition not complete after 60 s"
	return 1
}

# blkseek_unload: blkseek disabled (blkseek_disable) and removed.
blkseek_unload() {
	blkseek_disable 120 && rmmod blkseek
}

# blkseek_reload PARAMS...: blkseek unloaded and loaded again with PARAMS.
blkseek_reload() {
	blkseek_unload && blkseek_load "$@"
}

# seek_data_many DEV COUNT: SEEK_DATA at 0 on DEV, COUNT times in one
# process; prints each answer seen (an offset or an errno's text) with how
# many times, "ANSWER:N" space-separated ("0:2000": all data)
seek_data_many() {
	python3 "$blkseek_lib_dir/blkseek_seek.py" many "$1" "$2"
}

# A write held dirty in a lower device's page cache is data.  Loop writes
# to a backing block device through that device's page cache, so what goes
# through /dev/loopN (or a device above it), buffered or O_DIRECT, sits
# dirty there until writeback while the disk still reports the blocks
# unmapped.  With writeback held off (dirty_hold on|off), dirty_case writes
# 64 KiB of 0x5a through TOP at AT and asks SEEK_DATA from 1 MiB before, on
# the fd that wrote: no later than AT.  The same lseek before the write
# must have found no data up to AT (the case would show nothing), and a
# read through TOP must give the write back.
dirty_hold() {	# dirty_hold on|off: writeback held off, or as it was
	if [ "$1" = on ]; then
		dirty_was="$(cat /proc/sys/vm/dirty_expire_centisecs) $(cat /proc/sys/vm/dirty_writeback_centisecs)"
		echo 360000 > /proc/sys/vm/dirty_expire_centisecs
		echo 0 > /proc/sys/vm/dirty_writeback_centisecs
	else
		sync
		echo "${dirty_was% *}" > /proc/sys/vm/dirty_expire_centisecs
		echo "${dirty_was#* }" > /proc/sys/vm/dirty_writeback_centisecs
	fi
}
dirty_case() {	# dirty_case WHAT TOP AT direct|buffered: one result
	local before after byte m=$((1 << 20))
	read -r before after byte < <(python3 - "$2" "$3" "$4" <<'PY'
import errno, mmap, os, sys
dev, at, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def seek_data(fd, off):
    try:
        return str(os.lseek(fd, off, os.SEEK_DATA))
    except OSError as e:
        return errno.errorcode[e.errno]
fd = os.open(dev, os.O_RDWR | (os.O_DIRECT if mode == "direct" else 0))
before = seek_data(fd, at - (1 << 20))
buf = mmap.mmap(-1, 65536)
buf.write(b"\x5a" * 65536)
os.pwritev(fd, [buf], at)
after = seek_data(fd, at - (1 << 20))
rfd = os.open(dev, os.O_RDONLY)
print(before, after, os.pread(rfd, 1, at).hex())
os.close(rfd)
os.close(fd)
PY
)
	if [[ "$before" =~ ^[0-9]+$ ]] && [ "$before" -le "$3" ]; then
		ktap_test_fail "$1: data at $before before the $4 write at $3: the case shows nothing"
	elif [ "$byte" != 5a ]; then
		ktap_test_fail "$1: the $4 write at $(($3 / m)) MiB did not read back ($byte)"
	elif [[ "$after" =~ ^[0-9]+$ ]] && [ "$after" -le "$3" ] &&
	     [ "$after" -ge $(($3 - m)) ]; then
		ktap_test_pass "$1: SEEK_DATA from 1 MiB before a $4 write at $(($3 / m)) MiB = $after (before it: $before)"
	else
		ktap_test_fail "$1: SEEK_DATA from 1 MiB before a $4 write at $3: $after (a hole over data)"
	fi
}

# seek_one DEV OFFSET SEEK_DATA|SEEK_HOLE: one lseek's answer, or the
# errno's name
seek_one() {
	python3 "$blkseek_lib_dir/blkseek_seek.py" one "$1" "$2" "$3"
}

# A loop device's backing file that shrank under it: past the file's end
# a read through the loop fails on 6.12 and 7.3 (6.1's loop completes
# it), so SEEK_DATA and SEEK_HOLE agree on data there, right in either
# case, and the file's own hole before its end stays a hole.
# shrunk_loop_checks LOOP: LOOP is over an 8 MiB file whose first MiB is
# data, cut to 4 MiB since; one result per answer, the read printed
shrunk_loop_checks() {
	local m=$((1 << 20)) f
	f=$(mktemp)
	if dd if="$1" of="$f" bs=4096 skip=$((6 * m / 4096)) count=1 \
		iflag=direct status=none 2>/dev/null; then
		echo "# loop over a file that shrank: a read at 6 MiB gives $(tr -d '\0' < "$f" | wc -c) non-zero bytes"
	else
		echo "# loop over a file that shrank: a read at 6 MiB fails"
	fi
	rm -f "$f"
	check_eq "loop over a file that shrank: SEEK_DATA at 6 MiB" $((6 * m)) "$(seek_one "$1" $((6 * m)) SEEK_DATA)"
	check_eq "loop over a file that shrank: SEEK_HOLE at 6 MiB" $((8 * m)) "$(seek_one "$1" $((6 * m)) SEEK_HOLE)"
	check_eq "loop over a file that shrank: SEEK_DATA at 2 MiB (the file's end)" $((4 * m)) "$(seek_one "$1" $((2 * m)) SEEK_DATA)"
	check_eq "loop over a file that shrank: SEEK_HOLE at 0" $m "$(seek_one "$1" 0 SEEK_HOLE)"
}
