#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: setup, host unit tests, fuzz smoke, tool tests, install
# tests, README's install commands (in a 6.12 VM), static checks, the
# Debian packages (built, installed, a 6.12 VM, purged), and the
# kselftests in VMs: the whole suite on the oldest line (6.1) and the
# newest (the newer of the sid and bpo kernels setup
# fetched), a subset on 6.12 in two parts (BLKSEEK_SUBSET after 6.1,
# BLKSEEK_SUBSET2 before the newest), in two VM lanes at once (one core
# each).
# BLKSEEK_CHECK_ALL=1 (make check-all): the whole suite on every tested
# line (6.1, 6.12, sid, bpo).
# Ends with the line "N passed, N failed".  The wall-clock time of each
# stage and of each kernel's VM goes to Documentation/check-times.md
# (not for make check-all).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
logs=$top/build/check
mkdir -p "$logs"
rm -f "$logs/result"
passed=0 failed=0 skipped=0
summary=()
times=()	# "STAGE|SECONDS|PASSED|FAILED" for Documentation/check-times.md

add() {	# add STAGE PASSED FAILED [SKIPPED]
	passed=$((passed + $2))
	failed=$((failed + $3))
	skipped=$((skipped + ${4:-0}))
	summary+=("$(printf '%-28s %4d passed, %d failed%s' "$1" "$2" "$3" \
		"$([ "${4:-0}" -gt 0 ] && echo ", $4 skipped")")")
}

# every stage's output and the VM's KTAP: one format, one counter
# (tools/testing/lib/ktap-counts.awk)
ktap_counts() {
	awk -f "$top/tools/testing/lib/ktap-counts.awk" "$1"
}

run_stage() {	# run_stage NAME LOG CMD...
	local name=$1 log=$2 rc t0=$SECONDS p f s
	shift 2
	echo "=== $name"
	"$@" > "$log" 2>&1
	rc=$?
	grep -E '^(# )?not ok [0-9]+|^#   ' "$log" | head -40
	read -r p f s < <(ktap_counts "$log")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "$name: exit $rc with no failed test; the log ends:"
		tail -20 "$log"
		f=1
	fi
	add "$name" "$p" "$f" "$s"
	times+=("$name|$((SECONDS - t0))|$p|$f")
}

# Documentation/check-times.md: this run's times, written as
# tools/testing/bench/bench.sh writes Documentation/blkseek-bench.md
write_times() {
	local t name secs p f kver
	{
		echo "# What make check costs"
		echo
		echo "Written by \`make check\` (\`tools/testing/check.sh\`) at the end of each"
		echo "run: the wall-clock time of each stage, and of each kernel's VM, in"
		echo "that run.  Not edited by hand."
		echo
		echo "Run of $(date -u +%Y-%m-%d) on $(nproc) cores, QEMU under" \
			"$([ "${BLKSEEK_KVM:-0}" = 1 ] && echo KVM || echo TCG):" \
			"$passed passed, $failed failed, $SECONDS s in all."
		echo
		echo "| stage | time (s) | passed | failed |"
		echo "| --- | ---: | ---: | ---: |"
		for t in "${times[@]}"; do
			IFS='|' read -r name secs p f <<< "$t"
			echo "| $name | $secs | $p | $f |"
		done
		echo
		echo "| kernel | suite | VM (s) |"
		echo "| --- | --- | ---: |"
		grep -h 'VM ran [0-9]* s$' "${vm_logs[@]}" 2>/dev/null |
		while read -r _ kver _ _ secs _; do
			kver=${kver%:}
			if grep -qxF "$kver" <<< "$subset_kvers"; then
				echo "| $kver | subset | $secs |"
			else
				echo "| $kver | whole | $secs |"
			fi
		done
	} > "$top/Documentation/check-times.md"
}

# the subset: the edge cases against the ground truth (partitions, block
# sizes, the disk's end), the fallbacks, blkseek-copy, the command
# counts, LVM thin volumes, LIO's refusal; then the kernel log.  The
# rest (blkseek_map, blkseek_ioctl, the races, the reply cache, one LUN
# through several devices, faults, stacked devices, the copiers) runs
# in full on the oldest and newest line, and on 6.12 in make check-all:
# the two whole suites are what the VM phase's time is made of.
# In two parts, one per lane, so that the lanes end together: lane 1
# runs the first after the oldest line's whole suite, lane 2 the second
# before the newest's, whose suite takes the longer (the two runs of 6.12
# never overlap: lane 1's starts after about 2600 s, lane 2's ends
# within 200 s).
subset=${BLKSEEK_SUBSET:-blkseek_edges blkseek_fallback blkseek_stats.sh blkseek_thin.sh blkseek_dmesg.sh}
subset2=${BLKSEEK_SUBSET2:-blkseek_copy.sh blkseek_lio.sh blkseek_dmesg.sh}
if [ "${BLKSEEK_CHECK_ALL:-0}" = 1 ]; then
	full=(6.1 6.12 sid bpo) part=()
else
	full=(6.1 newest) part=(6.12)
fi

echo "=== setup"
# every tested line fetched: the lint builds each (W=1, sparse)
t0=$SECONDS
if ! "$top/tools/testing/setup.sh" 6.1 6.12 sid bpo; then
	add setup 0 1
	printf '%s\n' "${summary[@]}"
	echo "$passed passed, $failed failed" | tee "$logs/result"
	exit 1
fi
times+=("setup|$((SECONDS - t0))|0|0")
# "newest": the newer of the kernels setup has just fetched for sid and
# bpo, resolved once here (vm-run would ask the mirrors again)
newest_kver() {
	local l k v best='' best_v=''
	for l in sid bpo; do
		read -r k v < "build/lines/$l/current" || continue
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best_v"; then
			best=$k best_v=$v
		fi
	done
	echo "${best:-bpo}"
}
for i in "${!full[@]}"; do
	[ "${full[$i]}" = newest ] && full[i]=$(newest_kver)
done

run_stage "host unit tests" "$logs/unit.log" make -C tools/testing/unit run
if [ -f tools/testing/fuzz/Makefile ]; then
	run_stage "fuzz smoke" "$logs/fuzz.log" make -C tools/testing/fuzz smoke
fi
run_stage "tools tests" "$logs/tools.log" make -C tools test
run_stage "test machinery" "$logs/machinery.log" make -C tools/testing test
run_stage "install and DKMS" "$logs/install.log" tools/testing/host/test-install.sh
# README's install commands as written, in a 6.12 VM whose installs stay
# in its own overlays; before the packages' stage, so no package is on
# the host's root filesystem the VM sees
run_stage "README's commands" "$logs/readme.log" tools/testing/host/test-readme.sh
run_stage "lint" "$logs/lint.log" tools/testing/lint.sh
# the Debian packages installed on this host, modprobe blkseek in a 6.12
# VM, purged: before the VM lanes, whose guests share the host's root
# filesystem (and would see the packages' udev rule)
run_stage "Debian packages" "$logs/deb.log" tools/testing/host/test-deb.sh

echo "=== VM selftests: whole suite on ${full[*]}${part:+, subset on ${part[*]}}"
rm -f build/results/*.ktap build/results/*.times "$logs"/vm*.log
t0=$SECONDS
# Two lanes at once: each TCG guest is one thread, one of the two cores.
# Lane 1 takes every other line of the whole suite, then the subset; lane
# 2 the other lines.  BLKSEEK_VM_LANES=1 runs everything in one lane.
lane1=() lane2=()
for i in "${!full[@]}"; do
	if [ "${BLKSEEK_VM_LANES:-2}" = 1 ] || [ $((i % 2)) = 0 ]; then
		lane1+=("${full[$i]}")
	else
		lane2+=("${full[$i]}")
	fi
done
# the second part of the subset, before the newest line's suite in lane
# 2, or last in the one lane
subset2_run() {
	[ ${#part[@]} -gt 0 ] && [ -n "$subset2" ] || return 0
	BLKSEEK_RESULTS_TAG=2 BLKSEEK_TESTS=$subset2 tools/testing/vm/vm-run "${part[@]}" \
		> "$logs/vm-subset2.log" 2>&1
}
(
	rc=0
	tools/testing/vm/vm-run "${lane1[@]}" > "$logs/vm.log" 2>&1 || rc=1
	if [ ${#part[@]} -gt 0 ]; then
		BLKSEEK_TESTS=$subset tools/testing/vm/vm-run "${part[@]}" \
			> "$logs/vm-subset.log" 2>&1 || rc=1
	fi
	[ ${#lane2[@]} -gt 0 ] || subset2_run || rc=1
	exit $rc
) &
lane1_pid=$!
lane2_pid=
if [ ${#lane2[@]} -gt 0 ]; then
	(
		rc=0
		subset2_run || rc=1
		# README's qemu copier recipes (blkseek_clients.sh)
		BLKSEEK_RECIPES=${BLKSEEK_RECIPES:-qemu} tools/testing/vm/vm-run "${lane2[@]}" \
			> "$logs/vm-lane2.log" 2>&1 || rc=1
		exit $rc
	) &
	lane2_pid=$!
fi
vmrc=0
wait $lane1_pid || vmrc=1
[ -z "$lane2_pid" ] || wait "$lane2_pid" || vmrc=1
vm_s=$((SECONDS - t0))
vm_logs=("$logs/vm.log" "$logs/vm-subset2.log" "$logs/vm-lane2.log" "$logs/vm-subset.log")
grep -hE '^=== |VM ran|dkms build|^vm-run|: blkseek_' "${vm_logs[@]}" 2>/dev/null
# the results' names of the subset's runs: KVER and KVER-2
subset_kvers=$(sed -n 's/^=== //p' "$logs/vm-subset.log" "$logs/vm-subset2.log" 2>/dev/null)
nparts=0
[ ${#part[@]} -gt 0 ] && nparts=1 && [ -n "$subset2" ] && nparts=2
nk=0
for ktap in build/results/*.ktap; do
	[ -f "$ktap" ] || continue
	nk=$((nk + 1))
	kver=$(basename "$ktap" .ktap)
	grep -E '^(# )?not ok' "$ktap" | head -20
	read -r p f s < <(ktap_counts "$ktap")
	if grep -qxF "$kver" <<< "$subset_kvers"; then
		add "selftests $kver (subset)" "$p" "$f" "$s"
	else
		add "selftests $kver" "$p" "$f" "$s"
	fi
done
if [ "$nk" -lt $((${#full[@]} + ${#part[@]} * nparts)) ] || { [ "$vmrc" != 0 ] && [ "$failed" = 0 ]; }; then
	echo "VM selftests: exit $vmrc, $nk kernels with results"
	add "VM selftests" 0 1
fi
vp=$passed vf=$failed
for t in "${times[@]}"; do
	IFS='|' read -r _ _ p f <<< "$t"
	vp=$((vp - p)) vf=$((vf - f))
done
lanes="two lanes at once"
[ -n "$lane2_pid" ] || lanes="one lane"
times+=("VM selftests, $lanes|$vm_s|$vp|$vf")
[ "${BLKSEEK_CHECK_ALL:-0}" = 1 ] || write_times

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
[ "$skipped" -gt 0 ] && echo "($skipped skipped)"
echo "$passed passed, $failed failed" | tee "$logs/result"
[ "$failed" = 0 ]
