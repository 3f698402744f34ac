#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A LIO LUN that says LBPME=1 and LBPRZ=1 but refuses GET LBA STATUS (a
# fileio backstore with emulate_tpu=1 and unmap_zeroes_data=1, through
# tcm_loop: configfs only, no network).  2000 SEEK_DATA answer all data
# and send at most one GET LBA STATUS (REPORT SUPPORTED OPERATION CODES
# is asked once first); the target logs "Unsupported SA: 0x12" at most
# once, not once per lseek; blkseek lists the disk as refused and
# blkseek-map --check says so.
# One KTAP result per check (ktap_helpers.sh).
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=ktap_helpers.sh
. "$here/ktap_helpers.sh"
stats=/sys/module/blkseek/stats
cfs=/sys/kernel/config/target
map=${BLKSEEK_REPO:-}/tools/blkseek-map
naa=naa.5001405b15ee0001

[ -d $stats ] || { echo "# no $stats (blkseek not loaded)"; exit $KSFT_SKIP; }
. "$here/blkseek_lib.sh"
for m in target_core_mod target_core_file tcm_loop; do
	modprobe $m 2> /dev/null || { echo "# no $m"; exit $KSFT_SKIP; }
done
mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
[ -d $cfs/core ] || { echo "# no $cfs"; exit $KSFT_SKIP; }

work=$(mktemp -d)
bs=$cfs/core/fileio_0/bslio
tpg=$cfs/loopback/$naa/tpgt_1
cleanup() {
	rm -f $tpg/lun/lun_0/bslio
	rmdir $tpg/lun/lun_0 $tpg $cfs/loopback/$naa 2> /dev/null
	rmdir $bs $cfs/core/fileio_0 2> /dev/null
	rm -rf "$work"
}
trap cleanup EXIT

truncate -s 64M "$work/lun.img"
mkdir -p $bs &&
	echo "fd_dev_name=$work/lun.img,fd_dev_size=$((64 << 20))" > $bs/control &&
	echo 1 > $bs/enable &&
	echo 1 > $bs/attrib/emulate_tpu &&
	echo 1 > $bs/attrib/unmap_zeroes_data &&
	mkdir -p $tpg/lun/lun_0 &&
	echo naa.5001405b15ee0002 > $tpg/nexus &&
	ln -s $bs $tpg/lun/lun_0/bslio || { echo "# FAIL: LIO fileio LUN through tcm_loop"; exit 1; }
udevadm settle
disk=
for _ in $(seq 100); do
	for h in /sys/class/scsi_host/host*; do
		[ "$(cat "$h/proc_name" 2> /dev/null)" = tcm_loopback ] || continue
		b=$(ls -d "$h"/device/target*/*:*:*:*/block/* 2> /dev/null | head -1)
		[ -n "$b" ] && disk=$(basename "$b")
	done
	[ -n "$disk" ] && [ -b "/dev/$disk" ] && break
	sleep 0.1
done
[ -n "$disk" ] || { echo "# FAIL: no disk of the LIO LUN"; exit 1; }
dev=/dev/$disk
echo "# LIO LUN: $dev, $(sg_readcap -l "$dev" 2> /dev/null | grep -oiE 'lbpme=[01]|lbprz=[01]' | tr '\n' ' ')"
ktap_print_header

st() { cat $stats/"$1"; }
g0=$(st get_lba_status_commands) r0=$(st report_opcodes_commands)
l0=$(dmesg | grep -c 'Unsupported SA: 0x12')
seen=$(seek_data_many "$dev" 2000)
check_eq "2000 SEEK_DATA 0 on the LIO LUN (all data)" "0:2000" "$seen"
gls=$(($(st get_lba_status_commands) - g0))
logged=$(($(dmesg | grep -c 'Unsupported SA: 0x12') - l0))
echo "# 2000 lseeks: $gls GET LBA STATUS, $(($(st report_opcodes_commands) - r0)) REPORT SUPPORTED OPERATION CODES, $logged lines \"Unsupported SA: 0x12\" in the log"
ktap_test_result "at most one GET LBA STATUS for 2000 lseeks ($gls)" [ "$gls" -le 1 ]
ktap_test_result "the target logged at most one refusal for 2000 lseeks ($logged)" [ "$logged" -le 1 ]
refused="^$(cat /sys/block/"$disk"/dev) $(cat /sys/block/"$disk"/diskseq) [0-9]+ (rsoc|sense 5/2[04]/00)\$"
ktap_test_result "/sys/module/blkseek/refused lists the disk" \
	grep -qE "$refused" /sys/module/blkseek/refused ||
	sed 's/^/# refused: /' /sys/module/blkseek/refused
if [ -x "$map" ]; then
	out=$("$map" --check "$dev")
	rc=$?
	echo "$out" | sed 's/^/#   /'
	check_eq "blkseek-map --check exit status (3: no answers)" 3 $rc
	ktap_test_result "blkseek-map --check says GET LBA STATUS is not accepted" \
		grep -q 'GET LBA STATUS is not accepted' <<< "$out"
fi
ktap_finished
