#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# README's install commands, run as written (TAP).  The commands are
# taken from README.md itself ("Quick start on a real machine", "Building
# and installing from the tree"): each must be run here or by
# test-deb.sh (the packages), so a command README gains or changes fails
# this test until a test runs it.
#
# Here, in a fresh copy of the tree (git archive of HEAD, as a clone
# has): README's make on this host as the 6.12 kernel's guest would run
# it (uname -r answers that release: the same KDIR, whose headers are
# installed here; under TCG the guest takes minutes for a build), and
# make tools (make install's first step); then a
# VM of the 6.12 kernel runs, in that copy, in order:
#   insmod blkseek.ko; SEEK_DATA/SEEK_HOLE on a scsi_debug disk equal
#   sg_get_lba_status's answer; README's unload line;
#   make install: the files where README says, nothing else written;
#   modprobe blkseek loads that module and answers; sg_readcap -l,
#   blkseek-map --check and blkseek-map on the disk; make uninstall: the
#   files compared with before the install;
#   with BLKSEEK_README_DKMS=1 (off by default: about 5 min more of VM): make
#   dkms-install (DKMS builds for the running kernel), modprobe blkseek
#   loads DKMS's module and answers; make dkms-remove: the files compared
#   with before.
# test-install.sh runs make install DESTDIR=... PREFIX=/usr KDIR=...
# and make dkms-install KVER=<release> on the host (a second DKMS build,
# for the 6.1 kernel, would double the VM's time); test-deb.sh the
# packages' commands.
# The guest sees the host's root filesystem read-only, with /etc, /lib,
# /usr, /var, /tmp (and /home, /opt, /srv) as overlays on a tmpfs of the
# guest (virtme-ng's default without --rw): nothing installed reaches the
# host.  The guest checks that first and installs nothing otherwise; the
# host checks afterwards that none of blkseek's files appeared.
# test-readme.sh guest TREE README-COMMANDS DKMS runs the VM's part.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)

# readme_commands README: one command a line, from the two sections'
# code blocks (a trailing comment cut; "# or: CMD" in it is a command
# too) and the inline code in their prose that starts with a command
readme_commands() {
	awk '
	/^## / { on = ($0 ~ /^## (Quick start on a real machine|Building and installing from the tree)/) }
	!on { next }
	/^```/ { block = !block; next }
	function out(c) { gsub(/^[ \t]+|[ \t]+$/, "", c); if (c != "" && !seen[c]++) print c }
	block {
		line = $0; comment = ""
		if (match(line, /(^|[ \t])#/)) {
			comment = substr(line, RSTART + RLENGTH)
			line = substr(line, 1, RSTART - 1)
		}
		out(line)
		if (match(comment, /or: /)) out(substr(comment, RSTART + 4))
		next
	}
	{
		s = $0
		while (match(s, /`[^`]+`/)) {
			c = substr(s, RSTART + 1, RLENGTH - 2)
			s = substr(s, RSTART + RLENGTH)
			if (c ~ /^(make|insmod|rmmod|modprobe|apt|blkseek-map|blkseek-copy|nbdcopy|sg_readcap|echo)( |$)/)
				out(c)
		}
	}' "$1"
}

if [ "${1:-}" = guest ]; then
	# inside the VM: "GUEST ok - ..." / "GUEST not ok - ..." lines
	tree=$2 cmds=$3 dkms=$4
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	. "$tree/tools/testing/host/guest-lib.sh"
	ok() { echo "GUEST ok - $1"; }
	not_ok() { echo "GUEST not ok - $1"; }
	g() { if "${@:2}"; then ok "$1"; else not_ok "$1"; fi; }
	kver=$(uname -r)
	lp=/sys/kernel/livepatch/blkseek

	# nothing of this may reach the host: a read-only root, overlays
	safe=1
	findmnt -n -o OPTIONS / | grep -qE '(^|,)ro(,|$)' || safe=0
	for d in /etc /usr /usr/local/sbin "/lib/modules/$kver" /var/lib/dkms /usr/src /tmp; do
		[ "$(findmnt -n -o FSTYPE --target "$d")" = overlay ] || { echo "# $d is not on an overlay"; safe=0; }
	done
	g "the root filesystem is read-only, /etc /usr /lib/modules /var /tmp are the guest's overlays" [ $safe = 1 ]
	[ $safe = 1 ] || exit 0

	# what the commands may change, listed to compare: every
	# directory README names, and what DKMS and depmod write
	snapshot() {
		{
			find /usr/local /usr/include/blkseek /usr/lib/udev/rules.d /etc/udev \
				/etc/modules-load.d /etc/modprobe.d /var/lib/dkms \
				/lib/modules/*/updates 2>/dev/null
			find /usr/src /usr/include /lib/modules -maxdepth 2 2>/dev/null
			find /usr/share/man /usr/share/doc -maxdepth 2 -name '*blkseek*' 2>/dev/null
		} | sort -u
	}
	# every file the guest wrote since boot, from the overlays' upper
	# directories, as its path in the guest (not /tmp's)
	written() {
		local target opts upper
		findmnt -n -r -t overlay -o TARGET,OPTIONS | while read -r target opts; do
			[ "$target" = /tmp ] && continue
			upper=${opts#*upperdir=}
			upper=${upper%%,*}
			(cd "$upper" && find . ! -type d) | sed "s|^\.|${target%/}|"
		done | sort -u
	}
	have() { grep -qxF -- "$1" "$cmds"; }	# README says it
	# run README's command as written (its /dev/sdX: the scsi_debug disk)
	run() {
		local c=${1//\/dev\/sdX/$dev}
		echo "# \$ $c"
		(cd "$tree" && bash -c "$c") > /tmp/run.log 2>&1
		local rc=$?
		tail -5 /tmp/run.log | sed 's/^/#   /'
		return $rc
	}
	# step CMD: README's command run, named in the result
	step() {
		if ! have "$1"; then
			not_ok "README says: $1"
			return 1
		fi
		local t=$SECONDS
		if run "$1"; then
			ok "$1 ($((SECONDS - t)) s)"
		else
			not_ok "$1"
			return 1
		fi
	}
	loaded_answers() {	# the loaded module answers on the disk
		lp_transition_done
		g "$1: the livepatch is enabled, its transition complete" \
			[ "$(cat $lp/enabled 2>/dev/null)$(cat $lp/transition 2>/dev/null)" = 10 ]
		g "$1: SEEK_DATA/SEEK_HOLE on $dev give the device's answer (sg_get_lba_status)" \
			seek_is_truth "$dev"
	}
	unload='echo 0 > /sys/kernel/livepatch/blkseek/enabled; rmmod blkseek'
	unload() {	# README's unload line, "after the transition": its two commands
		if ! have "$unload"; then
			not_ok "README says: $unload"
			return
		fi
		run "${unload%%;*}" && lp_gone && run "${unload#*; }"
		g "$1: $unload" bash -c '! grep -q "^blkseek " /proc/modules'
	}

	guest_disk
	snapshot > /tmp/before
	written > /tmp/written-before

	# README's make ran on the host (as here: uname -r, KDIR)
	g "make (on the host): blkseek.ko for $kver" \
		[ "$(modinfo -F vermagic "$tree/blkseek.ko" 2>/dev/null | cut -d' ' -f1)" = "$kver" ]
	if step "insmod blkseek.ko"; then
		loaded_answers "insmod blkseek.ko"
		unload "insmod"
	fi

	if step "make install"; then
		snapshot > /tmp/installed
		comm -13 /tmp/before /tmp/installed | grep -v '/$' > /tmp/added
		sed 's/^/# added: /' /tmp/added
		l=/usr/local
		for f in "/lib/modules/$kver/updates/blkseek.ko" $l/sbin/blkseek-map $l/sbin/blkseek-copy \
			 $l/sbin/blkseek-stack $l/share/man/man8/blkseek-map.8 $l/share/man/man4/blkseek.4 \
			 $l/share/doc/blkseek/README.md $l/lib/udev/rules.d/90-blkseek-stack.rules \
			 $l/include/blkseek/linux/blkseek.h; do
			g "make install: $f" grep -q "^$f" /tmp/added
		done
		# README: the module in /lib/modules/KVER/updates, all else
		# under PREFIX=/usr/local (tools, man pages, docs, the udev
		# rule, the header)
		# (paths by prefix: a release has dots and a +)
		outside() { awk -v a="$1" -v b="$2" -v c="$3" \
			'index($0, a) != 1 && index($0, b) != 1 && index($0, c) != 1'; }
		outside "/lib/modules/$kver/updates" /usr/local/ /usr/local/ < /tmp/added > /tmp/outside
		sed 's/^/# outside: /' /tmp/outside
		g "make install: nothing beside /lib/modules/$kver/updates and /usr/local" [ ! -s /tmp/outside ]
		comm -13 /tmp/written-before <(written) |
			outside /usr/local/ "/usr/lib/modules/$kver/updates/" "/usr/lib/modules/$kver/modules." > /tmp/stray
		sed 's/^/# also written: /' /tmp/stray
		g "make install wrote nothing else (but depmod's modules.*)" [ ! -s /tmp/stray ]
		if step "modprobe blkseek"; then
			g "modprobe blkseek: /lib/modules/$kver/updates/blkseek.ko (modinfo -n)" \
				bash -c '[[ "$(modinfo -n blkseek)" == /lib/modules/$0/updates/blkseek.ko* ]]' "$kver"
			loaded_answers "modprobe blkseek"
			step "sg_readcap -l /dev/sdX" &&
				g "sg_readcap -l: lbpme=1, lbprz=1" grep -q 'lbpme=1, lbprz=1' /tmp/run.log
			g "blkseek-map is make install's (/usr/local/sbin)" \
				[ "$(command -v blkseek-map)" = /usr/local/sbin/blkseek-map ]
			step "blkseek-map --check /dev/sdX" &&
				sed 's/^/# /' /tmp/run.log
			step "blkseek-map /dev/sdX" &&
				g "blkseek-map /dev/sdX: a map with data and unallocated extents" \
					bash -c 'grep -q data /tmp/run.log && grep -q unallocated /tmp/run.log'
			unload "modprobe"
		fi
		if step "make uninstall"; then
			snapshot > /tmp/after
			diff /tmp/before /tmp/after | sed 's/^/#   /'
			g "make uninstall: the files as before make install" cmp -s /tmp/before /tmp/after
		fi
	fi

	if [ "$dkms" != 1 ]; then
		ok "make dkms-install, modprobe blkseek, make dkms-remove # SKIP only with BLKSEEK_README_DKMS=1"
	else
		if step "make dkms-install"; then
			g "make dkms-install: DKMS's blkseek.ko for $kver, blkseek-stack and its udev rule" \
				bash -c 'dkms status -m blkseek -k "$0" | grep -q ": installed" &&
					 [ -x /usr/local/sbin/blkseek-stack ] &&
					 grep -q "RUN+=\"/usr/local/sbin/blkseek-stack" /usr/local/lib/udev/rules.d/90-blkseek-stack.rules' "$kver"
			if step "modprobe blkseek"; then
				g "modprobe blkseek: DKMS's module (modinfo -n)" \
					bash -c '[[ "$(modinfo -n blkseek)" == /lib/modules/$0/updates/dkms/blkseek.ko* ]]' "$kver"
				loaded_answers "modprobe blkseek (DKMS)"
				unload "modprobe (DKMS)"
			fi
		fi
		if step "make dkms-remove"; then
			snapshot > /tmp/after
			diff /tmp/before /tmp/after | sed 's/^/#   /'
			g "make dkms-remove: the files as before make dkms-install" cmp -s /tmp/before /tmp/after
		fi
	fi
	echo "GUEST end"
	exit 0
fi

# shellcheck source=tools/testing/host/vm-tap.sh
. "$top/tools/testing/host/vm-tap.sh"
cd "$top" || exit 1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

readme_commands README.md > "$work/commands"
sed 's/^/# README: /' "$work/commands"
ktap_test_result "README's two sections name install commands" [ -s "$work/commands" ]
# which command the VM below runs; the packages' are test-deb.sh's
here='^(make|insmod blkseek\.ko|make install|make uninstall|make dkms-install|make dkms-remove|modprobe blkseek|sg_readcap -l /dev/sdX|blkseek-map --check /dev/sdX|blkseek-map /dev/sdX|echo 0 > /sys/kernel/livepatch/blkseek/enabled; rmmod blkseek)$'
while read -r c; do
	if grep -qxE "$here" <<< "$c"; then
		:
	elif [[ "$c" == "make dkms-install KVER="* ]] &&
	     grep -qF 'dkms-install KVER="$k612"' tools/testing/host/test-install.sh; then
		ktap_test_pass "README's $c: run by test-install.sh (on this host, the 6.12 release)"
	elif [[ "$c" == "make install DESTDIR="*" PREFIX=/usr KDIR="* ]] &&
	     grep -qF 'install DESTDIR="$dest" PREFIX=/usr KDIR="$kdir"' tools/testing/host/test-install.sh; then
		ktap_test_pass "README's $c: run by test-install.sh (each kernel's headers, another DESTDIR)"
	elif grep -qF -- "$c" tools/testing/host/test-deb.sh; then
		ktap_test_pass "README's $c: run by test-deb.sh"
	else
		ktap_test_fail "README's $c: run by a test"
	fi
done < "$work/commands"

kver=$(ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null | sort -V | tail -1)
kver=${kver#/usr/src/linux-headers-}
[ -n "$kver" ] || { ktap_test_fail "the 6.12 kernel's headers are installed (run tools/testing/setup.sh)"; ktap_finished; }
# the tree as a clone has it
git archive --prefix=blkseek/ HEAD | tar -x -C "$work"
# README's make, as the guest runs it: uname -r says the 6.12 release
mkdir "$work/bin"
printf '#!/bin/sh\n[ "$*" = -r ] && echo %s && exit\nexec /bin/uname "$@"\n' "$kver" > "$work/bin/uname"
chmod +x "$work/bin/uname"
t0=$SECONDS
if (cd "$work/blkseek" && PATH=$work/bin:$PATH make) > "$work/make.log" 2>&1; then
	ktap_test_pass "make, on this host as in the $kver guest ($((SECONDS - t0)) s)"
else
	ktap_test_fail "make, on this host as in the $kver guest"; tail -20 "$work/make.log" | sed 's/^/# /'
fi
# and the tools, which make install builds first: the guest's make
# install finds both current
make -s -C "$work/blkseek" tools > "$work/make.log" 2>&1 ||
	{ ktap_test_fail "make tools"; tail -20 "$work/make.log" | sed 's/^/# /'; }
host_files() {	# blkseek's files on the host, if any appeared
	find /usr/local /usr/src /var/lib/dkms /lib/modules /usr/include \
		/usr/lib/udev/rules.d /etc/udev \( -name 'blkseek*' -o -name '90-blkseek*' \) \
		-print 2>/dev/null | sort
}
host_files > "$work/host-before"
# two TCG threads: DKMS builds with make -j2 (the VM runs alone here)
export BLKSEEK_QEMU_ACCEL=${BLKSEEK_QEMU_ACCEL:--accel tcg,thread=multi}
# make dkms-install's build and the four depmods of 6.12's 4230 modules
# take minutes under TCG: make check-all runs that part
dkms=${BLKSEEK_README_DKMS:-0}
vm_tap "$kver" "bash $work/blkseek/tools/testing/host/test-readme.sh guest $work/blkseek $work/commands $dkms"
ktap_test_result "$kver VM ran every step (exit $vm_rc)" grep -qx 'GUEST end' "$work/vm.log"
host_files > "$work/host-after"
ktap_test_result "nothing installed in the VM reached the host" cmp -s "$work/host-before" "$work/host-after"
ktap_finished
