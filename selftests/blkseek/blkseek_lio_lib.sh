# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# LIO, the kernel's SCSI target, exporting a file or a block device as a
# thin LUN through tcm_loop, its loopback fabric: the LUN appears as a
# local sd disk, with no network.  Configfs only (no targetcli).  The LUN
# reports logical block provisioning (emulate_tpu=1 and emulate_tpws=1:
# LBPME; UNMAP and WRITE SAME with UNMAP, as sd may choose either) and
# that unmapped blocks read zeroes (unmap_zeroes_data=1: LBPRZ), which
# is true of a sparse file's holes and of a thin volume's unprovisioned
# blocks; with lio_lbprz=0, LBPRZ as LIO sets it itself.
# Sourced by blkseek_lio.sh and make upstream-check's upstream_lio.sh.

lio_cfs=/sys/kernel/config/target

# lio_load KIND...: configfs mounted and the target core, the backstores
# of KIND (file, iblock) and tcm_loop loaded; fails naming what is missing
lio_load() {
	local m

	for m in target_core_mod "${@/#/target_core_}" tcm_loop; do
		modprobe "$m" 2> /dev/null || { echo "# no $m"; return 1; }
	done
	mountpoint -q /sys/kernel/config ||
		mount -t configfs none /sys/kernel/config || return 1
	[ -d $lio_cfs/core ] || { echo "# no $lio_cfs/core"; return 1; }
}

# lio_wwn N: the loopback target's WWN of LUN number N (0-255), and its
# initiator's with a second argument
lio_wwn() { printf 'naa.5001405b15ee%02x%02x\n' "$1" $((${2:-0} + 1)); }

# lio_up N KIND NAME PATH [SIZE]: LUN number N (0-255), a backstore NAME
# of KIND (fileio over the file PATH of SIZE bytes, or iblock over the
# block device PATH) behind its own tcm_loop target; prints its sd disk
# (/dev/sdX) once the disk is there.  Fails, with what it could not do,
# leaving whatever it made for lio_down.
lio_up() {
	local n=$1 kind=$2 name=$3 path=$4 size=${5:-} bs tpg addr b

	bs=$lio_cfs/core/${kind}_$n/$name
	tpg=$lio_cfs/loopback/$(lio_wwn "$n")/tpgt_1
	mkdir -p "$bs" || { echo "# cannot make $bs" >&2; return 1; }
	if [ "$kind" = fileio ]; then
		echo "fd_dev_name=$path,fd_dev_size=$size" > "$bs/control"
	else
		echo "udev_path=$path" > "$bs/control"
	fi &&
	echo 1 > "$bs/enable" &&
	echo 1 > "$bs/attrib/emulate_tpu" &&
	echo 1 > "$bs/attrib/emulate_tpws" &&
	{ [ "${lio_lbprz:-1}" = 0 ] || echo 1 > "$bs/attrib/unmap_zeroes_data"; } &&
	mkdir -p "$tpg/lun/lun_0" &&
	lio_wwn "$n" 1 > "$tpg/nexus" &&
	ln -s "$bs" "$tpg/lun/lun_0/$name" ||
		{ echo "# cannot export $path as $kind LUN $n" >&2; return 1; }
	# the tpg's address is the initiator side's host:channel:target
	addr=$(cat "$tpg/address")
	for _ in $(seq 100); do
		for b in /sys/class/scsi_disk/"$addr":0/device/block/*; do
			[ -b "/dev/${b##*/}" ] && { echo "/dev/${b##*/}"; return 0; }
		done
		sleep 0.1
	done
	echo "# no sd disk for LUN $n ($addr:0)" >&2
	return 1
}

# lio_down N KIND NAME: LUN number N and its backstore gone (what lio_up
# made of it, as far as it got)
lio_down() {
	local bs=$lio_cfs/core/${2}_$1/$3 wwn

	wwn=$lio_cfs/loopback/$(lio_wwn "$1")
	rm -f "$wwn/tpgt_1/lun/lun_0/$3"
	rmdir "$wwn/tpgt_1/lun/lun_0" "$wwn/tpgt_1" "$wwn" 2> /dev/null
	rmdir "$bs" "$lio_cfs/core/${2}_$1" 2> /dev/null
	return 0
}
