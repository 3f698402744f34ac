#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages as a user installs them (TAP), on this host, as
# root:
#  - make deb; lintian on the result reports no error;
#  - apt install ./build/deb/blkseek-dkms_*.deb ./build/deb/blkseek-tools_*.deb
#    (README's command): DKMS builds the module for every kernel in
#    /lib/modules that has headers; the tools, the udev rule in udev's
#    rules directory, the header in /usr/include/blkseek, man pages;
#  - a VM of the 6.12 kernel (the host's root filesystem, so the installed
#    packages): modprobe blkseek loads the DKMS module, and on a
#    scsi_debug disk with a little data SEEK_DATA/SEEK_HOLE give the
#    device's own answer (sg_get_lba_status), /usr/sbin/blkseek-map maps
#    it and nbdcopy copies it reading less than the disk;
#  - apt purge blkseek-dkms blkseek-tools, also when a test failed (trap),
#    and nothing left: files under /usr, /etc, /var/lib/dkms and dpkg's
#    lists compared with before the install.
# Run by make check before the VM lanes: the installed udev rule must not
# be there while the selftest VMs run on the host's root filesystem.
# test-deb.sh guest REPO runs the VM's part (inside the VM).
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)

if [ "${1:-}" = guest ]; then
	# inside the VM: prints "GUEST ok - ..." / "GUEST not ok - ..."
	. "$2/tools/testing/host/guest-lib.sh"
	g() { if "${@:2}"; then echo "GUEST ok - $1"; else echo "GUEST not ok - $1"; fi; }
	lp=/sys/kernel/livepatch/blkseek
	g "modprobe blkseek" modprobe blkseek
	lp_transition_done
	g "the livepatch is enabled, its transition complete" \
		[ "$(cat $lp/enabled 2>/dev/null)$(cat $lp/transition 2>/dev/null)" = 10 ]
	path=$(modinfo -n blkseek)
	echo "# modinfo -n blkseek: $path"
	g "modinfo -n blkseek is DKMS's module for $(uname -r)" \
		bash -c '[[ "$0" == /lib/modules/$(uname -r)/updates/dkms/blkseek.ko* ]]' "$path"
	g "the loaded module is that file (srcversion)" \
		[ "$(cat /sys/module/blkseek/srcversion)" = "$(modinfo -F srcversion blkseek)" ]
	guest_disk
	# SEEK_DATA/SEEK_HOLE through the installed module against the
	# device's own answer
	g "SEEK_DATA/SEEK_HOLE give the device's answer (sg_get_lba_status)" \
		seek_is_truth "$dev"
	g "/usr/sbin/blkseek-map $dev maps the disk" bash -c '/usr/sbin/blkseek-map "$0" > /dev/null' "$dev"
	/usr/sbin/blkseek-map --check "$dev" | sed 's/^/# --check: /'
	g "blkseek-map --check $dev: answers (exit 0)" bash -c '/usr/sbin/blkseek-map --check "$0" > /dev/null' "$dev"
	echo 3 > /proc/sys/vm/drop_caches
	blockdev --setra 0 "$dev"
	a=$(awk '{print $3}' "/sys/block/$name/stat")
	# README's copy (nbdcopy /dev/sdX disk.img)
	(cd /tmp && nbdcopy "$dev" disk.img)
	b=$(awk '{print $3}' "/sys/block/$name/stat")
	echo "# nbdcopy read $((b - a)) of $blocks sectors"
	g "nbdcopy $dev disk.img: an identical copy" cmp "$dev" /tmp/disk.img
	g "nbdcopy read less than a tenth of the disk" [ $((b - a)) -lt $((blocks / 10)) ]
	# README's unload
	echo 0 > /sys/kernel/livepatch/blkseek/enabled
	lp_gone
	g "echo 0 > /sys/kernel/livepatch/blkseek/enabled; rmmod blkseek" rmmod blkseek
	exit 0
fi

# shellcheck source=tools/testing/host/vm-tap.sh
. "$top/tools/testing/host/vm-tap.sh"
cd "$top" || exit 1
work=$(mktemp -d)
kver=$(ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null | sort -V | tail -1)
kver=${kver#/usr/src/linux-headers-}
[ -n "$kver" ] || { ktap_test_fail "the 6.12 kernel's headers are installed (run tools/testing/setup.sh)"; ktap_finished; }
pkgs=(blkseek-dkms blkseek-tools)

installed() { dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^.[^n]'; }
purge() {	# README's command; apt asks nothing with Assume-Yes
	printf 'APT::Get::Assume-Yes "true";\n' > "$work/apt.conf"
	APT_CONFIG=$work/apt.conf DEBIAN_FRONTEND=noninteractive \
		apt purge blkseek-dkms blkseek-tools < /dev/null
}
cleanup() {
	local p
	for p in "${pkgs[@]}"; do
		if installed "$p"; then
			echo "# purging $p after a failure"
			purge > "$work/purge-trap.log" 2>&1 || sed 's/^/#   /' "$work/purge-trap.log"
			break
		fi
	done
	rm -rf "$work"
}
# a signal ends the VM at once (vm-tap.sh), then the purge
trap cleanup EXIT

# what is on the system, to compare after the purge; the kernels' and
# other packages' files do not change in between.  Not compared: DKMS's
# own signing key, /var/lib/dkms/mok.key and mok.pub, which dkms creates
# at its first build on a machine, shared by every DKMS module and kept
# on purpose (once enrolled with mokutil, the firmware trusts it).
snapshot() {
	find /usr /etc /var/lib/dkms /var/lib/dpkg/info /var/lib/dpkg/alternatives -xdev \
		\( -path /usr/share/man/index.db -o -path /var/lib/dkms/mok.key \
		   -o -path /var/lib/dkms/mok.pub \) -prune -o -print 2>/dev/null | sort
}

for p in "${pkgs[@]}"; do
	if installed "$p"; then
		echo "# $p is installed before the test: purging it first"
		purge > /dev/null 2>&1
	fi
done

# README's commands, as written: the build's packages (present after
# setup; apt asks nothing with Assume-Yes), make deb
printf 'APT::Get::Assume-Yes "true";\n' > "$work/apt.conf"
if APT_CONFIG=$work/apt.conf DEBIAN_FRONTEND=noninteractive \
	apt install debhelper dh-dkms dpkg-dev dkms < /dev/null > "$work/apt.log" 2>&1; then
	ktap_test_pass "apt install debhelper dh-dkms dpkg-dev dkms"
else
	ktap_test_fail "apt install debhelper dh-dkms dpkg-dev dkms"; tail -10 "$work/apt.log" | sed 's/^/# /'
fi
t0=$SECONDS
if make deb > "$work/deb.log" 2>&1; then
	ktap_test_pass "make deb ($((SECONDS - t0)) s)"
else
	ktap_test_fail "make deb"; tail -30 "$work/deb.log" | sed 's/^/# /'
	ktap_finished
fi
debs=(build/deb/blkseek-dkms_*.deb build/deb/blkseek-tools_*.deb)
ktap_test_result "make deb wrote blkseek-dkms and blkseek-tools into build/deb" \
	test -f "${debs[0]}" -a -f "${debs[1]}"
ktap_test_result "make deb left nothing beside the source tree" \
	bash -c '! ls "$0"/../blkseek*_*.deb "$0"/../blkseek*.changes "$0"/../blkseek*.buildinfo 2>/dev/null' "$top"

lintian --pedantic -I build/deb/blkseek_*.changes > "$work/lintian.log" 2>&1
sed 's/^/# lintian: /' "$work/lintian.log"
ktap_test_result "lintian: no error ($(grep -c '^W: ' "$work/lintian.log") warnings, $(grep -c '^[IP]: ' "$work/lintian.log") info and pedantic tags)" \
	bash -c '! grep -q "^E: " "$0"' "$work/lintian.log"

snapshot > "$work/before"
# README's command (apt asks nothing: no package to add beside them)
t0=$SECONDS
if DEBIAN_FRONTEND=noninteractive apt install ./build/deb/blkseek-dkms_*.deb ./build/deb/blkseek-tools_*.deb \
	< /dev/null > "$work/install.log" 2>&1; then
	ktap_test_pass "apt install ./build/deb/blkseek-dkms_*.deb ./build/deb/blkseek-tools_*.deb ($((SECONDS - t0)) s)"
else
	ktap_test_fail "apt install ./build/deb/blkseek-dkms_*.deb ./build/deb/blkseek-tools_*.deb"
	tail -40 "$work/install.log" | sed 's/^/# /'
fi
grep -E '^Building for|rror' "$work/install.log" | sed 's/^/# /' | head -20
for d in /lib/modules/*; do
	k=${d#/lib/modules/}
	[ -e "$d/build/Makefile" ] || continue
	ktap_test_result "DKMS built and installed blkseek for $k" \
		bash -c 'ls "$0"/updates/dkms/blkseek.ko* > /dev/null 2>&1 &&
			  dkms status -m blkseek -k "$1" 2> /dev/null | grep -q ": installed"' "$d" "$k"
done
ktap_test_result "blkseek-map, blkseek-copy, blkseek-stack in /usr/sbin" \
	test -x /usr/sbin/blkseek-map -a -x /usr/sbin/blkseek-copy -a -x /usr/sbin/blkseek-stack
udevdir=$(pkg-config --variable=udevdir udev)
ktap_test_result "the udev rule in $udevdir/rules.d runs /usr/sbin/blkseek-stack" \
	grep -q 'RUN+="/usr/sbin/blkseek-stack' "$udevdir/rules.d/90-blkseek-stack.rules"
ktap_test_result "no rule in /etc/udev/rules.d, no header in /usr/include/linux" \
	test ! -e /etc/udev/rules.d/90-blkseek-stack.rules -a ! -e /usr/include/linux/blkseek.h
printf '#include <linux/blkseek.h>\nint main(void) { struct blkseek_query q = { sizeof(q) }; return q.size != BLKSEEK_QUERY_SIZE_VER0; }\n' > "$work/h.c"
ktap_test_result "a program builds with -I/usr/include/blkseek and <linux/blkseek.h>" \
	bash -c 'cc -Wall -Werror -I/usr/include/blkseek -o "$0/h" "$0/h.c" && "$0/h"' "$work"
ktap_test_result "man blkseek-map, blkseek-copy, blkseek-stack and blkseek(4) are found" \
	bash -c 'for m in blkseek-map blkseek-copy blkseek-stack "4 blkseek"; do man -w $m > /dev/null || exit 1; done'

vm_tap "$kver" "bash $top/tools/testing/host/test-deb.sh guest $top"

# README's command
t0=$SECONDS
if purge > "$work/purge.log" 2>&1; then
	ktap_test_pass "apt purge blkseek-dkms blkseek-tools ($((SECONDS - t0)) s)"
else
	ktap_test_fail "apt purge blkseek-dkms blkseek-tools"; tail -20 "$work/purge.log" | sed 's/^/# /'
fi
ktap_test_result "neither package is known to dpkg any more" \
	bash -c '! dpkg-query -W blkseek-dkms blkseek-tools > /dev/null 2>&1'
ktap_test_result "no /var/lib/dkms/blkseek, /usr/src/blkseek-*, blkseek.ko under /lib/modules" \
	bash -c '[ ! -e /var/lib/dkms/blkseek ] && ! ls -d /usr/src/blkseek-* 2>/dev/null &&
		  [ -z "$(find /lib/modules -name "blkseek.ko*")" ]'
snapshot > "$work/after"
diff "$work/before" "$work/after" > "$work/diff"
ktap_test_result "the purge left nothing behind (files compared with before the install)" [ ! -s "$work/diff" ]
sed 's/^/#   /' "$work/diff" | head -20
ktap_finished
