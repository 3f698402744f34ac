# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # vm_rc, vm_s: for the sourcing test
#
# Sourced by the host tests that boot a VM (test-deb.sh, test-readme.sh):
# TAP lines, and a guest's "GUEST ok - ..." / "GUEST not ok - ..." lines
# turned into TAP.  The sourcing test sets work (a scratch directory).

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
finish() {
	echo "1..$n"
	echo "# $((n - failed)) passed, $failed failed"
	[ $failed = 0 ]
	exit
}

# a signal ends the VM (its own process group) at once
vm_pid=
trap '[ -z "$vm_pid" ] || kill -TERM -- "-$vm_pid" 2> /dev/null; exit 1' INT TERM HUP

# vm_tap KVER COMMAND: boot KVER (tools/build/vng-boot), run COMMAND
# in it; its GUEST lines as TAP ("KVER VM: ..."), its "# " lines, the
# VM's time; the log in $work/vm.log, the exit status in vm_rc, the
# seconds in vm_s
vm_tap() {
	local t0=$SECONDS line

	setsid "$top/tools/build/vng-boot" "$1" "$2" > "$work/vm.log" 2>&1 &
	vm_pid=$!
	wait $vm_pid
	vm_rc=$?
	vm_pid=
	vm_s=$((SECONDS - t0))
	if grep -q '^GUEST ' "$work/vm.log"; then
		while read -r line; do
			case $line in
			"GUEST ok - "*) ok "$1 VM: ${line#GUEST ok - }" ;;
			"GUEST not ok - "*) not_ok "$1 VM: ${line#GUEST not ok - }" ;;
			esac
		done < <(grep '^GUEST ' "$work/vm.log")
		grep '^# ' "$work/vm.log"
		echo "# the VM took $vm_s s"
	else
		not_ok "$1 VM ran the test"; tail -30 "$work/vm.log" | sed 's/^/# /'
	fi
	if grep -q '^GUEST not ok' "$work/vm.log"; then
		tail -40 "$work/vm.log" | grep -v '^GUEST' | sed 's/^/# vm: /'
	fi
}
