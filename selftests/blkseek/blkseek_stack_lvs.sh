#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Many LVs on one VG (BLKSEEK_STACK_LVS), one more created, extended and
# removed while the others are walked and copied (blkseek_stack_lib.sh).
here=$(cd "$(dirname "$0")" && pwd)
scenarios=(
	"many LVs, one changing: the others stay exact"
)
inkernel_skip=()
# shellcheck source=blkseek_stack_lib.sh
. "$here/blkseek_stack_lib.sh"

# 1. a busy LVM host: many LVs on one VG (BLKSEEK_STACK_LVS, 30; make
# soak 200; 0 skips the test; creating them takes about 1.5 s each under
# TCG, and make check's 6.12 subset leaves this test out).  While one more LV is created,
# extended and removed again and again (BLKSEEK_STACK_CHURN times, 3),
# the others keep exact answers (a walk that differs from the truth is an
# answer fallen back to data), and nbdcopy of one of them reads its floor.
nlv=${BLKSEEK_STACK_LVS:-30}
step 1
if [ "$nlv" -le 0 ]; then
	skip "BLKSEEK_STACK_LVS=0"
	ktap_finished
fi
sdebug_reload dev_size_mb=$((nlv + 40)) lbpu=1 lbprz=1 unmap_granularity=8
pv=/dev/${disks[0]}
lvm=(--devices "$pv")
lvm pvcreate -q "${lvm[@]}" "$pv" > /dev/null &&
lvm vgcreate -q -s 256k "${lvm[@]}" bsmany "$pv" > /dev/null ||
	{ echo "# lvm setup of bsmany failed"; exit 1; }
t0=$SECONDS
for i in $(seq "$nlv"); do
	lvm lvcreate -q -Zn -Wn "${lvm[@]}" -n "lv$i" -L 1m bsmany > /dev/null ||
		{ ktap_test_fail "lvcreate lv$i"; break; }
done
udevadm settle
echo "# $nlv LVs created in $((SECONDS - t0)) s"
stats stacked_mappings
# telling one LV costs what its own stack costs, not a look at every dm
# disk (the module lists the stale ones): the device nodes blkseek-stack
# opens, telling one LV and telling every device
if [ -n "$stack" ]; then
	opens() {	# opens CMD...: device nodes CMD opens
		strace -f -e trace=openat -o "$work/strace" "$@" > /dev/null 2>&1
		grep -c '"/dev/' "$work/strace"
	}
	if command -v strace > /dev/null; then
		one=$(opens "$stack" /dev/mapper/bsmany-lv1)
		all=$(opens "$stack")
		echo "# blkseek-stack of one LV of $nlv opens $one device nodes; of every device, $all"
		[ "$one" -le 5 ] && [ $((one * 10)) -le "$all" ]
		ktap_test_result "telling one LV opens at most 5 device nodes, a tenth of every device's ($one, $all)" \
			[ $? = 0 ]
	else
		ktap_test_fail "strace to count what telling one LV opens"
	fi
fi
for i in $(seq "$nlv"); do
	dd if=/dev/urandom of="/dev/mapper/bsmany-lv$i" bs=4k count=2 seek=$((i * 7 % 254)) \
		oflag=direct status=none
done
gls_truth "$pv" > "$work/many.disk"
truth() { cat "$work/many.disk"; }	# the one disk's truth, read once
sampled=()
for i in $(seq 1 $(((nlv + 19) / 20)) "$nlv"); do	# about 20 of them
	sampled+=("$i")
	dm_truth "bsmany-lv$i" > "$work/many.$i.truth"
done
walk_sampled() {	# walk_sampled: how many sampled LVs answer exactly
	local i n=0
	for i in "${sampled[@]}"; do
		lsmap "/dev/mapper/bsmany-lv$i" | cmp -s - "$work/many.$i.truth" && n=$((n + 1))
	done
	echo $n
}
check_eq "sampled LVs answering exactly, all told" ${#sampled[@]} "$(walk_sampled)"
redone0=$(stat stacked_redone) stale0=$(stat stacked_stale)
churn() {	# churn: one more LV created, extended and removed, again and
		# again, in the background; $work/churn.done once finished
	rm -f "$work/churn.done"
	(
		for _ in $(seq "${BLKSEEK_STACK_CHURN:-3}"); do
			lvm lvcreate -q -Zn -Wn "${lvm[@]}" -n extra -L 1m bsmany > /dev/null &&
			lvm lvextend -q "${lvm[@]}" -L +1m bsmany/extra > /dev/null &&
			lvm lvremove -q -f "${lvm[@]}" bsmany/extra > /dev/null ||
				echo "# churn: an lvm command failed"
		done
		touch "$work/churn.done"
	) &
	churner=$!
}
churn
walks=0 exact=0
while [ ! -e "$work/churn.done" ] || [ $walks = 0 ]; do
	walks=$((walks + ${#sampled[@]}))
	exact=$((exact + $(walk_sampled)))
done
wait $churner
dm_truth bsmany-lv7 > "$work/many.7.truth"
churn
nbdcopy_check "an LV while a neighbour changes" /dev/mapper/bsmany-lv7 "$work/many.7.truth"
wait $churner
echo "# while one LV changed: $walks walks of the others, $exact exact"
[ -z "$stale0" ] ||
	echo "# stacked_stale +$(($(stat stacked_stale) - stale0)), stacked_redone +$(($(stat stacked_redone) - redone0))"
check_eq "walks of the other LVs that fell back to data while one changed" 0 $((walks - exact))
udevadm settle
check_eq "sampled LVs answering exactly after the changes" ${#sampled[@]} "$(walk_sampled)"
lvm vgremove -q -f "${lvm[@]}" bsmany > /dev/null
ktap_finished
