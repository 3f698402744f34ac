#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: one VM per kernel, one after the other, runs tools/testing/bench/bench-guest.sh;
# the tables go to build/results/bench-<kver>.md and, between header.md
# and notes.md (what was measured by hand), to Documentation/blkseek-bench.md.
# Usage: bench.sh [LINE|KVER...]
# (default: 6.12 and the newest 7.x, side by side in one run).
# BLKSEEK_BENCH_PART=cached runs only the cached answers' section
# (bench-cached.sh), =lvs only the many LVs' (bench-lvs.sh), =thin only
# the thin volumes' (bench-thin.sh), and prints it, leaving the
# Documentation alone.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
[ $# -gt 0 ] || set -- 6.12 newest
tools/testing/setup.sh "$@" > /dev/null || exit 1
make -s -C tools > /dev/null || exit 1
for w in gls-walk seek-walk; do
	gcc -O2 -Wall -Wextra -Werror -o tools/testing/bench/$w tools/testing/bench/$w.c || exit 1
done
rm -f build/results/bench-*.md	# the kernels of this run only
part=${BLKSEEK_BENCH_PART:-1}
BLKSEEK_BENCH=$part BLKSEEK_VM_MEMORY=4G tools/testing/vm/vm-run "$@"
rc=$?
if [ "$part" != 1 ]; then
	cat build/results/bench-*.md
	exit $rc
fi
doc=Documentation/blkseek-bench.md
{
	cat tools/testing/bench/header.md
	for f in build/results/bench-*.md; do
		[ -s "$f" ] && cat "$f"
	done
	echo
	cat tools/testing/bench/notes.md
} > "$doc"
cat "$doc"
exit $rc
