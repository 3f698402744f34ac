/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thin volumes: the mapped ranges of a metadata snapshot and the written
 * grains since arming, as provisioning runs for the walk.
 * Pure code, compiled unchanged in userspace for unit tests and fuzzing.
 */
#ifndef BLKSEEK_THIN_MAP_H
#define BLKSEEK_THIN_MAP_H

#include <linux/types.h>

#include "blkseek_gls.h"

/* Most grains (bits) of one volume's tracker: 2^27 bits, 16 MiB. */
#define BLKSEEK_THIN_MAX_GRAINS		0x8000000ULL
/* dm-thin's block sizes: 64 KiB to 1 GiB, in 512-byte sectors. */
#define BLKSEEK_THIN_MIN_BLOCK_SECTORS	128U
#define BLKSEEK_THIN_MAX_BLOCK_SECTORS	0x200000U
/* Most segments one fetch steps through before ending its run early. */
#define BLKSEEK_THIN_MAX_STEPS		65536U

/**
 * struct blkseek_thin_range - thin blocks mapped in the snapshot
 * @start: first thin block
 * @count: thin blocks, never 0
 */
struct blkseek_thin_range {
	u64 start;
	u64 count;
};

/**
 * struct blkseek_thin_view - what a thin volume's answers are made from
 * @ranges: mapped ranges, sorted, not overlapping, not adjacent
 *	(blkseek_thin_ranges_merge())
 * @nr_ranges: entries in @ranges
 * @nr_blocks: thin blocks of the volume (its last may be partial)
 * @block_shift: log2 of the thin block size in logical blocks
 * @grain_shift: log2 of thin blocks per tracker grain
 * @written: whether a grain was written since arming (or may have been);
 *	called for grains below the tracker's size only
 * @ctx: passed to @written
 * @nr_lbas: logical blocks of the volume
 */
struct blkseek_thin_view {
	const struct blkseek_thin_range *ranges;
	unsigned int nr_ranges;
	u64 nr_blocks;
	unsigned int block_shift;
	unsigned int grain_shift;
	bool (*written)(void *ctx, u64 grain);
	void *ctx;
	u64 nr_lbas;
};

int blkseek_thin_block_shift(u32 block_sectors, unsigned int lbs_shift,
			     unsigned int *shift);
unsigned int blkseek_thin_grain_shift(u64 nr_blocks, u64 max_grains);
int blkseek_thin_ranges_check(const struct blkseek_thin_range *r,
			      unsigned int n, u64 nr_blocks);
unsigned int blkseek_thin_ranges_merge(struct blkseek_thin_range *r,
				       unsigned int n);
int blkseek_thin_fetch(const struct blkseek_thin_view *v, u64 lba,
		       struct blkseek_run *runs, unsigned int max_runs);

#endif /* BLKSEEK_THIN_MAP_H */
