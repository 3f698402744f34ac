#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: one VM per kernel (6.1 and 6.12) runs tools/testing/bench/bench-guest.sh;
# the tables go to build/results/bench-<kver>.md and, with the notes,
# to Documentation/blkseek-bench.md.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
tools/testing/setup.sh > /dev/null || exit 1
make -s -C tools > /dev/null || exit 1
gcc -O2 -Wall -Wextra -Werror -o tools/testing/bench/gls-walk tools/testing/bench/gls-walk.c || exit 1
BLKSEEK_BENCH=1 BLKSEEK_VM_MEMORY=4G tools/testing/vm/vm-run "$@"
rc=$?
doc=Documentation/blkseek-bench.md
{
	cat tools/testing/bench/header.md
	for f in build/results/bench-*.md; do
		[ -s "$f" ] && cat "$f"
	done
} > "$doc"
cat "$doc"
exit $rc
