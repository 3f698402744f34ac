# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # vm_rc, vm_s: for the sourcing test
#
# Sourced by the host tests that boot a VM (test-deb.sh, test-readme.sh):
# KTAP (tools/testing/lib/ktap.sh), and a guest's "GUEST ok - ..." /
# "GUEST not ok - ..." lines turned into KTAP results.  The sourcing test
# sets work (a scratch directory) and ends with ktap_finished.

# shellcheck source-path=SCRIPTDIR source=../lib/ktap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/ktap.sh"
ktap_print_header

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
			"GUEST ok - "*" # SKIP "*)
				line=${line#GUEST ok - }
				ktap_test_skip "$1 VM: ${line% # SKIP *}" "${line#* # SKIP }" ;;
			"GUEST ok - "*) ktap_test_pass "$1 VM: ${line#GUEST ok - }" ;;
			"GUEST not ok - "*) ktap_test_fail "$1 VM: ${line#GUEST not ok - }" ;;
			esac
		done < <(grep '^GUEST ' "$work/vm.log")
		grep '^# ' "$work/vm.log"
		echo "# the VM took $vm_s s"
	else
		ktap_test_fail "$1 VM ran the test"; tail -30 "$work/vm.log" | sed 's/^/# /'
	fi
	if grep -q '^GUEST not ok' "$work/vm.log"; then
		tail -40 "$work/vm.log" | grep -v '^GUEST' | sed 's/^/# vm: /'
	fi
}
