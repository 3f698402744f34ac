#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of the series' GET LBA STATUS parser: cut sd_lbs_is_hole() and
# sd_lbs_find() with their SD_LBS_* constants out of a patched
# drivers/scsi/sd.c and run test-sd-lbs.c on them.
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
grep -q '^static int sd_lbs_find(' "$work/sd-lbs-cut.h" ||
	{ echo "test-sd-lbs: no sd_lbs_find() in $sd" >&2; exit 1; }
cc -Wall -Wextra -Werror -O2 -I"$work" -o "$work/test-sd-lbs" "$here/test-sd-lbs.c" &&
	"$work/test-sd-lbs"
