#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the series' sd code: cut sd_lbs_is_hole(), sd_lbs_find()
# and sd_seek_hole_data() with their SD_LBS_* constants out of a patched
# drivers/scsi/sd.c; run test-sd-lbs.c (the parser) and test-sd-walk.c
# (the walk over a model device) on them.
# Usage: test-sd-lbs.sh SD_C WORKDIR   (make upstream-check's series step)
set -u
here=$(cd "$(dirname "$0")" && pwd)
sd=$1
work=$2
mkdir -p "$work"
{
	grep -E '^#define SD_LBS_(HDR_LEN|DESC_LEN|DEALLOCATED|ANCHORED)' "$sd"
	awk '/^static bool sd_lbs_is_hole\(/,/^}/' "$sd"
	awk '/^static int sd_lbs_find\(/,/^}/' "$sd"
} > "$work/sd-lbs-cut.h"
# the walk, over a model of the device instead of sd_lbs_query()
{
	cat "$work/sd-lbs-cut.h"
	grep -E '^#define SD_LBS_(BUF_LEN|MAX_CMDS)' "$sd"
	awk '/^static loff_t sd_seek_hole_data\(/,/^}/' "$sd"
} > "$work/sd-walk-cut.h"
grep -q '^static int sd_lbs_find(' "$work/sd-lbs-cut.h" &&
grep -q '^static loff_t sd_seek_hole_data(' "$work/sd-walk-cut.h" ||
	{ echo "test-sd-lbs: no sd_lbs_find() or sd_seek_hole_data() in $sd" >&2; exit 1; }
cc -Wall -Wextra -Werror -Wno-unused-parameter -O2 -I"$work" -o "$work/test-sd-lbs" "$here/test-sd-lbs.c" &&
cc -Wall -Wextra -Werror -Wno-unused-parameter -O2 -I"$work" -o "$work/test-sd-walk" "$here/test-sd-walk.c" ||
	exit 1
"$work/test-sd-lbs"
rc=$?
"$work/test-sd-walk" || rc=1
exit $rc
