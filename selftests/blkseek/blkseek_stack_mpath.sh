#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two scsi_debug hosts sharing one store, two paths of one LUN:
# multipath-tools' map of them, with a path taken offline under seekers,
# an LV on the map, and nbdcopy from the map (blkseek_stack_lib.sh).
# BLKSEEK_INKERNEL=1: the path taken offline is also failed in dm, as
# multipathd's checker does, by the series' design (dm-mpath asks the
# path I/O would take, and an offline path it has not failed answers
# "all data": checked to show no hole over data).
here=$(cd "$(dirname "$0")" && pwd)
scenarios=(
	"multipath: two paths of one LUN, a path offline, an LV on it"
)
inkernel_skip=()
# shellcheck source=blkseek_stack_lib.sh
. "$here/blkseek_stack_lib.sh"
stop=$work/stop

# 1. multipath-tools over two scsi_debug hosts sharing one store: two
# paths of one LUN, one LU identity (vpd_use_hostno=0, with which
# scsi_debug also reports ALUA port groups, a state by host number).
# multipath is told to group by the model, which only they share.
step 1
sdebug 2 vpd_use_hostno=0
mkdir -p /etc/multipath
mount -t tmpfs none /etc/multipath
mkdir -p /etc/multipath/conf.d
cat > /etc/multipath/conf.d/blkseek.conf <<'CONF'
defaults {
	find_multipaths no
	user_friendly_names no
}
blacklist {
	device {
		vendor ".*"
		product ".*"
	}
}
blacklist_exceptions {
	device {
		vendor "Linux"
		product "scsi_debug"
	}
}
devices {
	device {
		vendor "Linux"
		product "scsi_debug"
		uid_attribute "ID_MODEL"
		path_grouping_policy multibus
	}
}
multipaths {
	multipath {
		wwid "scsi_debug"
		alias "bsmpath"
	}
}
CONF
multipath -r > /dev/null 2>&1
udevadm settle
mp=/dev/mapper/bsmpath
if [ -b $mp ]; then
	echo "# multipath: $(dmsetup table bsmpath)"
	scatter "$mp" 2
	udevadm settle
	truth "${disks[0]}" > "$work/mp.truth"
	lsmap $mp > "$work/mp.map"
	same "multipath: map equals the LUN's" "$work/mp.truth" "$work/mp.map"
	# a path taken offline and back while seekers run (1000 answers, all
	# asked of the disks: no table changes here)
	rm -f "$stop"
	python3 "$here/blkseek_seek.py" seekers $mp "$work/mp.truth" 1000 "$stop" > "$work/seek.out" &
	seeker=$!
	for _ in 1 2 3; do
		sleep 1
		echo offline > "/sys/block/${disks[0]}/device/state"
		sleep 1
		echo running > "/sys/block/${disks[0]}/device/state"
	done
	for _ in $(seq 600); do grep -q '^done' "$work/seek.out" && break; sleep 0.5; done
	touch "$stop"
	wait $seeker
	rc=$?
	sed 's/^/# /' "$work/seek.out"
	ktap_test_result "multipath: no hole over data with a path going offline" [ $rc = 0 ]
	echo offline > "/sys/block/${disks[0]}/device/state"
	if [ "$inkernel" = 1 ]; then
		# dm-mpath asks the path I/O would take: until dm fails the
		# offline path, that may be it, and its answer is data
		lsmap $mp > "$work/mp-off.now"
		echo "# offline path not failed in dm: $(grep -c hole "$work/mp-off.now") holes, $(grep -c data "$work/mp-off.now") data runs"
		no_hole_over "multipath with the first path offline, not failed in dm" \
			"$work/mp.truth" "$work/mp-off.now"
		mpdev=$(cat "/sys/block/${disks[0]}/dev")
		ktap_test_result "multipath: the offline path failed in dm (as multipathd does)" \
			dmsetup message bsmpath 0 fail_path "$mpdev"
	fi
	lsmap $mp > "$work/mp-off.map"
	# scsi_debug with one LU identity emulates ALUA (port group state by
	# host number): the other path may be a standby one that dm has
	# failed, never asked; then nothing is left to ask and the map is
	# all data
	other=$(cat "/sys/block/${disks[1]}/dev")
	echo "# multipath status: $(dmsetup status bsmpath)"
	if dmsetup status bsmpath | grep -q " $other A "; then
		same "multipath with the first path offline: asked through the other" \
			"$work/mp.truth" "$work/mp-off.map"
	else
		ktap_test_result "multipath with the first path offline and the other failed in dm: all data" \
			[ "$(cat "$work/mp-off.map")" = "0 $(blockdev --getsize64 $mp) data" ]
	fi
	echo running > "/sys/block/${disks[0]}/device/state"
	if [ "$inkernel" = 1 ]; then
		ktap_test_result "multipath: the path reinstated in dm" \
			dmsetup message bsmpath 0 reinstate_path "$mpdev"
	fi
	nbdcopy_check "multipath" $mp "$work/mp.truth"

	# an LV on the multipath map
	lvm=(--devices "$mp")
	lvm pvcreate -q "${lvm[@]}" $mp > /dev/null &&
	lvm vgcreate -q "${lvm[@]}" bsmpvg $mp > /dev/null &&
	lvm lvcreate -q "${lvm[@]}" -n lv -L 16m bsmpvg > /dev/null
	udevadm settle
	dm_truth bsmpvg-lv > "$work/mplv.truth"
	lsmap /dev/mapper/bsmpvg-lv > "$work/mplv.map"
	same "LV on the multipath map" "$work/mplv.truth" "$work/mplv.map"
	dmsetup remove bsmpvg-lv
else
	ktap_test_fail "multipath made a map of the two paths"
fi
multipath -F > /dev/null 2>&1
dmsetup remove_all
umount /etc/multipath
ktap_finished
