#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the series' code: cut sd_gls_is_hole(), sd_gls_find()
# and sd_seek_hole_data() with their SD_GLS_* constants out of a patched
# drivers/scsi/sd.c, and bdev_seek_hole_data(), dm_blk_seek_hole_data()
# and linear_seek_hole_data() and lo_seek_hole_data() out of the same
# tree; run test-sd-gls.c (the parser), test-sd-walk.c (the walk over a
# model device), test-dm-walk.c (dm tables over a model disk) and
# test-loop-walk.c (loop over sparse files in WORKDIR) on them; and, when
# the tree has them (upstream/next/, BLKSEEK_UPSTREAM_NEXT=1),
# thin_seek_hole_data() out of drivers/md/dm-thin.c (test-thin-walk.c:
# a model of the pool's mappings, with failing lookups) and LIO's GET LBA
# STATUS, sbc_gls_*() and sbc_emulate_get_lba_status() out of
# drivers/target/target_core_sbc.c with fileio's fd_seek_hole_data()
# (test-target-gls.c: sparse files in WORKDIR).
# Usage: host-tests.sh TREE WORKDIR   (make upstream-check's series step)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$1
sd=$top/drivers/scsi/sd.c
work=$2
mkdir -p "$work"
{
	grep -E '^#define SD_GLS_(HDR_LEN|DESC_LEN|DEALLOCATED|ANCHORED)' "$sd"
	awk '/^static bool sd_gls_is_hole\(/,/^}/' "$sd"
	awk '/^static int sd_gls_find\(/,/^}/' "$sd"
} > "$work/sd-gls-cut.h"
# the walk, over a model of the device instead of sd_gls_query()
{
	cat "$work/sd-gls-cut.h"
	grep -E '^#define SD_GLS_(BUF_LEN|MAX_CMDS)' "$sd"
	awk '/^static loff_t sd_seek_hole_data\(/,/^}/' "$sd"
} > "$work/sd-walk-cut.h"
grep -q '^static int sd_gls_find(' "$work/sd-gls-cut.h" &&
grep -q '^static loff_t sd_seek_hole_data(' "$work/sd-walk-cut.h" ||
	{ echo "host-tests: no sd_gls_find() or sd_seek_hole_data() in $sd" >&2; exit 1; }
# the block layer's range and partition rules, dm's split along the table
# and dm-linear's offset, from the same tree
{
	awk '/^loff_t bdev_seek_hole_data\(/,/^}/' "$top/block/fops.c"
	awk '/^static loff_t linear_seek_hole_data\(/,/^}/' "$top/drivers/md/dm-linear.c"
	awk '/^static loff_t dm_blk_seek_hole_data\(/,/^}/' "$top/drivers/md/dm.c"
} > "$work/dm-walk-cut.h"
[ "$(grep -c '^[a-z].*seek_hole_data(' "$work/dm-walk-cut.h")" = 3 ] ||
	{ echo "host-tests: the block or dm functions are missing from $top" >&2; exit 1; }
# loop's, over sparse files in WORKDIR
awk '/^static loff_t lo_seek_hole_data\(/,/^}/' "$top/drivers/block/loop.c" > "$work/loop-walk-cut.h"
grep -q '^static loff_t lo_seek_hole_data(' "$work/loop-walk-cut.h" ||
	{ echo "host-tests: no lo_seek_hole_data() in $top" >&2; exit 1; }
# dm-thin's and LIO's (patches 8 and 9): when the tree has them (an
# earlier series, BLKSEEK_UPSTREAM_REV, may not)
tests="test-sd-gls test-sd-walk test-dm-walk test-loop-walk"
awk '/^static loff_t thin_seek_hole_data\(/,/^}/' "$top/drivers/md/dm-thin.c" > "$work/thin-walk-cut.h"
if grep -q '^static loff_t thin_seek_hole_data(' "$work/thin-walk-cut.h"; then
	tests+=" test-thin-walk"
else
	echo "# no thin_seek_hole_data() in $top: test-thin-walk not run"
fi
# LIO's GET LBA STATUS, with fileio's seek, over sparse files in WORKDIR
tsbc=$top/drivers/target/target_core_sbc.c
{
	grep -E '^#define SBC_GLS_' "$tsbc"
	awk '/^static loff_t sbc_gls_seek\(/,/^}/' "$tsbc"
	awk '/^static unsigned int sbc_gls_fill\(/,/^}/' "$tsbc"
	awk '/^static sense_reason_t sbc_emulate_get_lba_status\(/,/^}/' "$tsbc"
	awk '/^static loff_t fd_seek_hole_data\(/,/^}/' "$top/drivers/target/target_core_file.c"
} > "$work/target-gls-cut.h"
case $(grep -cE '^static [a-z_ ]+ (sbc_gls_seek|sbc_gls_fill|sbc_emulate_get_lba_status|fd_seek_hole_data)\(' "$work/target-gls-cut.h") in
4) tests+=" test-target-gls" ;;
0) echo "# no GET LBA STATUS of LIO in $top: test-target-gls not run" ;;
*) echo "host-tests: some of the target's GET LBA STATUS functions are missing from $top" >&2; exit 1 ;;
esac
echo "# host-tests: $tests"
rc=0
for t in $tests; do
	cc -Wall -Wextra -Werror -Wno-unused-parameter -O2 -I"$work" \
		-o "$work/$t" "$here/$t.c" && "$work/$t" "$work" || rc=1
done
exit $rc
