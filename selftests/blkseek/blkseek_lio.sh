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
map=${BLKSEEK_REPO:-}/tools/blkseek-map

[ -d $stats ] || { echo "# no $stats (blkseek not loaded)"; exit $KSFT_SKIP; }
. "$here/blkseek_lib.sh"
# shellcheck source=blkseek_lio_lib.sh
. "$here/blkseek_lio_lib.sh"
lio_load file || exit $KSFT_SKIP

work=$(mktemp -d)
cleanup() {
	lio_down 0 fileio bslio
	rm -rf "$work"
}
trap cleanup EXIT

truncate -s 64M "$work/lun.img"
dev=$(lio_up 0 fileio bslio "$work/lun.img" $((64 << 20))) ||
	{ echo "# FAIL: LIO fileio LUN through tcm_loop"; exit 1; }
disk=${dev#/dev/}
udevadm settle
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
