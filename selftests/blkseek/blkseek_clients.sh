#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Real copiers, unchanged, on a sparse scsi_debug disk (16 extents of
# 256 KiB in 64 MiB): nbdcopy DEV FILE,
# the nbdkit file plugin serving DEV (nbdinfo --map), borg create
# --read-special --sparse with a fixed chunker, qemu-img convert to qcow2
# from the nbdkit file plugin over DEV, and nbdcopy into a qcow2 served
# by qemu-nbd (with blkseek only; BLKSEEK_RECIPES=qemu runs these and
# qemu-img convert of DEV itself, about 2 minutes under TCG: make check
# does on its newest line; BLKSEEK_RECIPES=1 adds cp and dd, 3 more).
# With blkseek each reads only the
# mapped sectors (within 5 % + 256, counted in /sys/block/X/stat) and its
# result equals the device (cmp, qemu-img compare) or its ground truth
# (sg_get_lba_status).
# Copiers that do not ask a block device for holes (qemu-img convert of
# DEV itself, cp --sparse=always, dd conv=sparse) read the whole disk
# with blkseek too: README says so.  Then, as the control, the same
# without the module (livepatch disabled and module removed, loaded again
# at the end): each reads the whole disk, and nbdkit maps it as one data
# extent.  borg's two archives, one per pass, go to one repository.
#
# Readahead of the disk is set to 0 while measuring, so that the counts
# are what the client asked for: with the default 128 KiB the kernel also
# reads up to 128 KiB past each extent a client reads with buffered I/O.
# Between the counts it is 2 MiB: with none a buffered read goes to the
# disk one page at a time, and each check that reads the whole disk (cmp,
# qemu-img compare) took a minute and a half under TCG.
#
# Each step's start is printed as "# (at N s) STEP", N the seconds since
# the test began.
lp=/sys/kernel/livepatch/blkseek
work=$(mktemp -d)
here=$(cd "$(dirname "$0")" && pwd)
# One KTAP result per check (ktap_helpers.sh).
# shellcheck source=ktap_helpers.sh
. "$here/ktap_helpers.sh"
at() { echo "# (at $SECONDS s) $*"; }
for t in nbdcopy nbdinfo nbdkit sg_get_lba_status; do
	command -v $t > /dev/null || { echo "# no $t"; exit $KSFT_SKIP; }
done
[ -d $lp ] || { echo "# blkseek not loaded"; exit $KSFT_SKIP; }

. "$here/blkseek_lib.sh"
recipes=${BLKSEEK_RECIPES:-0}	# 0, qemu or 1
case $recipes in 0|qemu|1) ;; *) echo "# BLKSEEK_RECIPES=$recipes: not 0, qemu or 1"; exit 1 ;; esac
at "scsi_debug reload"
sdebug_reload dev_size_mb=64 lbpu=1 lbprz=1 unmap_granularity=8
size=$(blockdev --getsize64 "$dev")

# data at 0 (where a partition table would be) and 15 more 256 KiB
# extents at fixed spots, 6.25 % mapped.  256 KiB and aligned: nbdcopy
# reads in whole requests of --request-size (256 KiB by default), so a
# 64 KiB extent alone in its 256 KiB costs it 256 KiB of reads.
at "writing the extents"
for s in 0 9 25 37 58 72 94 103 124 138 152 175 194 212 227 250; do
	dd if=/dev/urandom of="$dev" bs=256k count=1 seek=$s oflag=direct status=none
done
udevadm settle 2>/dev/null

# ground truth, "offset length data|hole" with runs merged
at "ground truth"
# shellcheck source=blkseek_truth.sh
. "$here/blkseek_truth.sh"
merge() { merge_runs "$size"; }
gls_truth "$dev" > "$work/truth" || { echo "# sg_get_lba_status failed"; exit $KSFT_SKIP; }
mapped=$(awk '$3 == "data" { s += $2 } END { print s / 512 }' "$work/truth")
echo "# $dev: $size bytes, $mapped sectors mapped in $(grep -c data "$work/truth") runs"
ktap_print_header

rd() { awk '{ print $3 }' "/sys/block/$name/stat"; }
ra=$(blockdev --getra "$dev")
# counting on|off: readahead 0 and the page cache dropped before a count
# (then r0=$(rd)); readahead 2 MiB again after it, for the checks' reads
counting() {
	if [ "$1" = on ]; then
		blockdev --setra 0 "$dev"
		echo 3 > /proc/sys/vm/drop_caches
	else
		blockdev --setra 4096 "$dev"
	fi
}
counting off

# one borg repository, an archive per pass (run_clients MODE: MODE)
have_borg=
if command -v borg > /dev/null; then
	have_borg=yes
	export BORG_BASE_DIR=$work/borgbase BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes
	borg init -e none "$work/repo" > /dev/null 2>&1
fi

# run_clients MODE: each client once; sets reads_nbdcopy, reads_borg, and
# with blkseek (the qemu recipes' whole-disk reads without it cost minutes
# under TCG and show nothing nbdcopy's and nbdkit's control does not)
# reads_qemu_nbdkit, reads_nbdcopy_qcow2
run_clients() {
	local mode=$1 r0 r1 out=$work/nbdcopy.img
	# no udev probe may read the disk while the reads are counted: one
	# still running from the last write-open (sg_get_lba_status opens
	# read-write without -R) added 2-3 MiB to nbdcopy's count on a slow
	# kernel
	udevadm settle 2>/dev/null

	rm -f "$out"
	at "$mode: nbdcopy"
	counting on
	r0=$(rd)
	nbdcopy "$dev" "$out"
	ktap_test_result "$mode: nbdcopy exits 0" [ $? = 0 ]
	r1=$(rd)
	counting off
	reads_nbdcopy=$((r1 - r0))
	at "$mode: cmp"
	ktap_test_result "$mode: nbdcopy copy identical (cmp)" cmp -s "$dev" "$out"
	echo "# $mode: nbdcopy read $reads_nbdcopy sectors, $(( $(stat -c %b "$out") * $(stat -c %B "$out") / 512 )) allocated in the copy"
	rm -f "$out"

	at "$mode: nbdinfo --map"
	nbdinfo --map -- [ nbdkit -r file "$dev" ] > "$work/nbdmap.raw" 2> "$work/nbdinfo.err"
	ktap_test_result "$mode: nbdinfo --map exits 0" [ $? = 0 ]
	# "offset length type description": type 0 data; bit 0 hole
	awk '{ print $1, $2, ($3 % 2 ? "hole" : "data") }' "$work/nbdmap.raw" | merge > "$work/nbdmap"
	map_nbdkit=$(wc -l < "$work/nbdmap")

	reads_borg=
	if [ -n "$have_borg" ]; then
		rm -rf "$work/x"
		at "$mode: borg create"
		counting on
		r0=$(rd)
		borg create --read-special --sparse --chunker-params fixed,65536 \
			"$work/repo::$mode" "$dev" 2>> "$work/borg.err"
		ktap_test_result "$mode: borg create exits 0" [ $? = 0 ]
		r1=$(rd)
		counting off
		reads_borg=$((r1 - r0))
		at "$mode: borg extract"
		mkdir -p "$work/x"
		(cd "$work/x" && borg extract --sparse "$work/repo::$mode" 2>> "$work/borg.err")
		at "$mode: borg cmp"
		ktap_test_result "$mode: borg extract equals the device (cmp)" cmp -s "$dev" "$work/x/${dev#/}"
		echo "# $mode: borg create read $reads_borg sectors"
		rm -rf "$work/x"
	fi

	reads_qemu_nbdkit='' reads_nbdcopy_qcow2=''
	if [ "$mode" = blkseek ] && [ "$recipes" != 0 ] &&
	   command -v qemu-img > /dev/null && command -v qemu-nbd > /dev/null; then
		# qemu-img from the nbdkit file plugin (NBD base:allocation)
		rm -f "$work/out.qcow2"
		at "$mode: nbdkit --run qemu-img convert"
		counting on
		r0=$(rd)
		# shellcheck disable=SC2016 # $uri: nbdkit's, for qemu-img
		nbdkit -r file "$dev" --run 'qemu-img convert -f raw -O qcow2 "$uri" '"$work/out.qcow2" \
			2> "$work/qemu.err"
		ktap_test_result "$mode: nbdkit --run qemu-img convert exits 0" [ $? = 0 ]
		reads_qemu_nbdkit=$(($(rd) - r0))
		counting off
		at "$mode: qemu-img compare"
		ktap_test_result "$mode: its qcow2 equals the device (qemu-img compare)" \
			qemu-img compare -q -f raw -F qcow2 "$dev" "$work/out.qcow2"
		echo "# $mode: qemu-img convert through nbdkit read $reads_qemu_nbdkit sectors"
		# nbdcopy into a qcow2 that qemu-nbd serves
		rm -f "$work/out.qcow2"
		at "$mode: nbdcopy into qemu-nbd"
		qemu-img create -q -f qcow2 "$work/out.qcow2" "$size"
		counting on
		r0=$(rd)
		nbdcopy "$dev" -- [ qemu-nbd -f qcow2 "$work/out.qcow2" ] 2>> "$work/qemu.err"
		ktap_test_result "$mode: nbdcopy into qemu-nbd's qcow2 exits 0" [ $? = 0 ]
		reads_nbdcopy_qcow2=$(($(rd) - r0))
		counting off
		at "$mode: qemu-img compare"
		ktap_test_result "$mode: that qcow2 equals the device (qemu-img compare)" \
			qemu-img compare -q -f raw -F qcow2 "$dev" "$work/out.qcow2"
		echo "# $mode: nbdcopy into qemu-nbd read $reads_nbdcopy_qcow2 sectors"
		rm -f "$work/out.qcow2"
	fi
}

# not_asking NAME CMD...: a copier that never asks the device for holes
# reads the whole disk, with blkseek loaded as without
not_asking() {
	local what=$1 r0 reads
	shift
	at "blkseek: $what"
	counting on
	r0=$(rd)
	"$@" > /dev/null 2>&1
	reads=$(($(rd) - r0))
	counting off
	rm -f "$work/out"
	echo "# blkseek: $what read $reads sectors"
	ktap_test_result "blkseek: $what reads the whole disk, asking no holes ($reads >= $((size / 512 * 95 / 100)))" \
		[ "$reads" -ge $((size / 512 * 95 / 100)) ]
}

limit=$((mapped * 105 / 100 + 256))
run_clients "blkseek"
ktap_test_result "blkseek: nbdcopy reads only mapped sectors ($reads_nbdcopy <= $limit)" \
	[ "$reads_nbdcopy" -le $limit ]
ktap_test_result "blkseek: nbdinfo --map of nbdkit equals sg_get_lba_status" \
	cmp -s "$work/truth" "$work/nbdmap" ||
	diff "$work/truth" "$work/nbdmap" | head -10 | sed 's/^/#   /'
echo "# blkseek: nbdkit map $map_nbdkit runs"
if [ -n "$reads_borg" ]; then
	ktap_test_result "blkseek: borg reads only mapped sectors ($reads_borg <= $limit)" \
		[ "$reads_borg" -le $limit ]
fi
if [ -n "$reads_qemu_nbdkit" ]; then
	ktap_test_result "blkseek: qemu-img convert through nbdkit reads only mapped sectors ($reads_qemu_nbdkit <= $limit)" \
		[ "$reads_qemu_nbdkit" -le $limit ]
	ktap_test_result "blkseek: nbdcopy into qemu-nbd reads only mapped sectors ($reads_nbdcopy_qcow2 <= $limit)" \
		[ "$reads_nbdcopy_qcow2" -le $limit ]
	not_asking "qemu-img convert of the device itself" \
		qemu-img convert -f raw -O qcow2 "$dev" "$work/out"
fi
case $recipes in
1)	not_asking "cp --sparse=always" cp --sparse=always "$dev" "$work/out"
	not_asking "dd conv=sparse" dd if="$dev" of="$work/out" bs=1M conv=sparse ;;
qemu)	echo "# README's cp and dd rows: skipped (BLKSEEK_RECIPES=1 runs them)" ;;
*)	echo "# README's qemu, cp and dd rows: skipped (BLKSEEK_RECIPES=qemu or 1 runs them)" ;;
esac

# the control: stock kernel behaviour (EINVAL), module out
at "control: blkseek unloaded"
echo 0 > /sys/module/blkseek/parameters/cache_ms
if ! blkseek_unload; then
	ktap_test_fail "blkseek unloaded for the control"
else
	full=$((size / 512 * 95 / 100))
	run_clients "stock"
	ktap_test_result "stock: nbdcopy reads the whole disk ($reads_nbdcopy >= $full)" \
		[ "$reads_nbdcopy" -ge $full ]
	ktap_test_result "stock: nbdkit maps one data extent" \
		[ "$(cat "$work/nbdmap")" = "0 $size data" ]
	if [ -n "$reads_borg" ]; then
		ktap_test_result "stock: borg reads the whole disk ($reads_borg >= $full)" \
			[ "$reads_borg" -ge $full ]
	fi
	at "control: blkseek loaded again"
	ktap_test_result "blkseek loaded again after the control" blkseek_load
fi

blockdev --setra "$ra" "$dev"
modprobe -r scsi_debug
rm -rf "$work"
at "done"
ktap_finished
