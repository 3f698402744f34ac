#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# blkseek-map --check against scsi_debug and the ground truth of
# sg_readcap -l and sg_vpd -p lbpv: before blkseek is loaded (a thin disk
# that qualifies: exit 4) and after (exit 0); LBPME=0 (lbpu=0), an
# initialization pattern (lbprz=2) and no zeroes (lbprz=0): exit 3 with
# the reason; a partition; QEMU's scsi-hd, which rejects GET LBA STATUS;
# a loop device before and after blkseek-stack sets its mapping.  Each report ends with one verdict line.  Leaves blkseek loaded.
KSFT_SKIP=4
map=${BLKSEEK_REPO:-}/tools/blkseek-map
stack=${BLKSEEK_REPO:-}/tools/blkseek-stack
fail=0

[ -x "$map" ] || { echo "# no $map (BLKSEEK_REPO unset?)"; exit $KSFT_SKIP; }
command -v sg_readcap > /dev/null || { echo "# no sg_readcap"; exit $KSFT_SKIP; }
# shellcheck source=blkseek_lib.sh
. "$(dirname "$(readlink -f "$0")")/blkseek_lib.sh"
work=$(mktemp -d)
loop=
cleanup() {
	[ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
	umount "$work/mnt" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# chk WHAT WANT_RC PATTERN...: --check $dev exits WANT_RC, its report
# matches every PATTERN (grep -E) and ends with its only verdict line
chk() {
	local what=$1 want=$2 rc p ok=1
	shift 2
	"$map" --check "${target:-$dev}" > "$work/out" 2> "$work/err"
	rc=$?
	sed 's/^/#   /' "$work/out" "$work/err"
	[ "$rc" = "$want" ] || { echo "# exit $rc, expected $want"; ok=0; }
	for p in "$@"; do
		grep -qE -- "$p" "$work/out" || { echo "# no line matching: $p"; ok=0; }
	done
	[ "$(grep -c '^verdict: ' "$work/out")" = 1 ] && tail -1 "$work/out" | grep -q '^verdict: ' ||
		{ echo "# not one verdict line, last"; ok=0; }
	if [ $ok = 1 ]; then echo "# ok: $what"; else echo "# FAIL: $what"; fail=1; fi
}

# truth: the device's own answers, by sg3_utils
truth() {
	local rc vpd
	rc=$(sg_readcap -l "$dev")
	vpd=$(sg_vpd -p lbpv "$dev" 2>/dev/null)
	lbpme=$(sed -n 's/.*lbpme=\([01]\).*/\1/p' <<< "$rc")
	lbprz=$(sed -n 's/.*lbprz=\([01]\).*/\1/p' <<< "$rc")
	lbs=$(sed -n 's/.*Logical block length=\([0-9]*\) bytes.*/\1/p' <<< "$rc")
	lbpu=$(sed -n 's/.*(LBPU): \([0-9]\).*/\1/p' <<< "$vpd")
	vlbprz=$(sed -n 's/.*(LBPRZ): \([0-9]\).*/\1/p' <<< "$vpd")
	echo "# sg_readcap: lbpme=$lbpme lbprz=$lbprz block $lbs; sg_vpd lbpv: LBPU=$lbpu LBPRZ=$vlbprz"
}
truth_lines() {	# the patterns of the device's facts, as sg3_utils says them
	echo "^READ CAPACITY\(16\): LBPME=$lbpme LBPRZ=$lbprz logical block size $lbs,"
	if [ -n "$lbpu" ]; then
		echo "^VPD 0xb2: LBPU=$lbpu .* LBPRZ=$vlbprz "
	else
		echo "^VPD 0xb2: not available"
	fi
}

# 1. a thin disk that reads zeroes: before and after blkseek is loaded
sdebug_reload dev_size_mb=16 lbpu=1 lbprz=1 unmap_granularity=8
truth
mapfile -t facts < <(truth_lines)
blkseek_unload || { echo "# FAIL: blkseek could not be unloaded"; exit 1; }
chk "lbpu=1 lbprz=1, blkseek not loaded: exit 4" 4 "^blkseek: not loaded$" \
	"^device: $dev \($name, [0-9]+:[0-9]+, a whole disk\)$" "^driver: sd$" "${facts[@]}" \
	"^GET LBA STATUS\(16\): accepted: LBA 0: [0-9]+ blocks deallocated$" \
	"^verdict: no answers until blkseek is loaded: blkseek is not loaded"
blkseek_load || { echo "# FAIL: blkseek could not be loaded again"; exit 1; }
chk "lbpu=1 lbprz=1, blkseek loaded: exit 0" 0 "^blkseek: loaded, enabled$" "${facts[@]}" \
	"^lseek: SEEK_DATA at 0 answers ENXIO" "^verdict: answers: holes are reported$"
echo 0 > /sys/kernel/livepatch/blkseek/enabled
for _ in $(seq 600); do [ -d /sys/kernel/livepatch/blkseek ] || break; sleep 0.1; done
chk "lbpu=1 lbprz=1, blkseek disabled: exit 4" 4 "^blkseek: loaded, disabled" \
	"^verdict: no answers until blkseek is loaded: "
if ! { blkseek_unload && blkseek_load; }; then
	echo "# FAIL: blkseek could not be loaded again"
	exit 1
fi

# 2. no logical block provisioning
sdebug_reload dev_size_mb=16 lbpu=0
truth
mapfile -t facts < <(truth_lines)
chk "lbpu=0: exit 3, LBPME=0" 3 "${facts[@]}" "^verdict: no answers: all data: LBPME=0"

# 3. unmapped blocks read an initialization pattern (0xff), not zeroes
sdebug_reload dev_size_mb=16 lbpu=1 lbprz=2 unmap_granularity=8
truth
mapfile -t facts < <(truth_lines)
chk "lbprz=2: exit 3, initialization pattern" 3 "${facts[@]}" \
	"^verdict: no answers: all data: LBPRZ=0: unmapped blocks read an initialization pattern"

# 4. unmapped blocks keep old data
sdebug_reload dev_size_mb=16 lbpu=1 lbprz=0 unmap_granularity=8
truth
mapfile -t facts < <(truth_lines)
chk "lbprz=0: exit 3, not zeroes" 3 "${facts[@]}" \
	"^verdict: no answers: all data: LBPRZ=0: unmapped blocks are not guaranteed"

# 5. a partition: the whole disk is asked
sdebug_reload dev_size_mb=16 lbpu=1 lbprz=1 unmap_granularity=8
if echo 'start=2048, size=8192' | sfdisk -q "$dev" > /dev/null 2>&1; then
	udevadm settle
	target=${dev}1
	chk "a partition: exit 0, its disk asked" 0 \
		"^device: ${dev}1 \(${name}1, [0-9]+:[0-9]+, a partition of $name\)$" \
		"^READ CAPACITY\(16\): LBPME=1 LBPRZ=1" "^verdict: answers: "
	target=
fi

# 6. QEMU's scsi-hd (tools/build/vng-boot attaches one): it rejects
# GET LBA STATUS
qdev=
for v in /sys/block/sd*/device/vendor; do
	case $(cat "$v" 2>/dev/null) in
	QEMU* | virtme*) b=${v#/sys/block/}; qdev=/dev/${b%%/*}; break ;;
	esac
done
if [ -n "$qdev" ]; then
	sddev=$dev dev=$qdev
	truth
	mapfile -t facts < <(truth_lines)
	chk "QEMU scsi-hd: GET LBA STATUS rejected, exit 3" 3 "${facts[@]}" \
		"^GET LBA STATUS\(16\): rejected: sense key ILLEGAL REQUEST \(0x5\), ASC/ASCQ 0x" \
		"^verdict: no answers: all data: .*GET LBA STATUS is not accepted$"
	dev=$sddev
else
	echo "# SKIP: no QEMU scsi-hd disk"
fi

# 7. a loop device over a sparse file: no SG_IO; answered once
# blkseek-stack has set its mapping
modprobe loop 2>/dev/null
mkdir "$work/mnt"
mount -t tmpfs none "$work/mnt"
truncate -s 8m "$work/mnt/f"
if loop=$(losetup -f --show "$work/mnt/f"); then
	udevadm settle
	target=$loop
	if ! ls /run/udev/rules.d/*blkseek* /etc/udev/rules.d/*blkseek* \
		/lib/udev/rules.d/*blkseek* > /dev/null 2>&1; then
		chk "loop without a mapping (no udev rule): exit 3" 3 "^driver: loop$" \
			"^SCSI: none: a loop device has no SG_IO" "^mapping: not set$" \
			"^verdict: no answers: all data: no mapping set"
	fi
	if "$stack" "$loop"; then
		chk "loop with its mapping: exit 0" 0 "^mapping: set$" \
			"^verdict: answers: holes are reported: through the lower devices$"
	else
		echo "# FAIL: blkseek-stack $loop"
		fail=1
	fi
	losetup -d "$loop"
	loop=
	target=
else
	echo "# SKIP: no loop device"
fi

modprobe -r scsi_debug
exit $fail
