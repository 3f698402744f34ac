#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make canary: blkseek on Debian experimental's newest kernel (a release
# candidate): fetch it and its build chroot (tools/build/kernel-line.sh fetch
# rc), build the module there with DKMS, and run the map, edges and ioctl
# selftests in a VM.  The last line names the kernel and the result; a
# failure is printed (failing tests and the log's end), never hidden, and
# the exit status is non-zero.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
tests=${BLKSEEK_CANARY_TESTS:-blkseek_map blkseek_edges blkseek_ioctl}
if ! out=$("$top/tools/build/kernel-line.sh" fetch rc 2>&1); then
	printf '%s\n' "$out"
	echo "canary: FAILED: cannot fetch experimental's newest kernel"
	exit 1
fi
printf '%s\n' "$out" | sed '$d'
kver=$(printf '%s\n' "$out" | tail -1)
image=$(cut -d' ' -f2 "$top/build/lines/rc/current")
BLKSEEK_TESTS=$tests "$top/tools/testing/vm/vm-run" "$kver" > "$top/build/canary.log" 2>&1
rc=$?
ktap=$top/build/results/$kver.ktap
grep -E '^(# )?(ok|not ok) [0-9]+' "$ktap" 2>/dev/null | grep -v '^# ok' | sed 's/^/canary: /'
read -r p f s < <(awk -f "$top/tools/testing/lib/ktap-counts.awk" "$ktap" 2>/dev/null || echo "0 1 0")
if [ "$rc" = 0 ] && [ "$f" = 0 ] && [ "$p" -gt 0 ]; then
	echo "canary: PASSED on experimental $kver (linux-image $image): $p passed, $s skipped ($tests)"
	exit 0
fi
echo "canary: the VM log (build/canary.log) ends:"
tail -30 "$top/build/canary.log" | sed 's/^/canary: | /'
echo "canary: FAILED on experimental $kver (linux-image $image): $p passed, $f failed ($tests)"
exit 1
