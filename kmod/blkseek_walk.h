/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The extent walk: turns provisioning runs into SEEK_DATA/SEEK_HOLE answers.
 * Pure code, compiled unchanged in userspace for unit tests and fuzzing.
 */
#ifndef BLKSEEK_WALK_H
#define BLKSEEK_WALK_H

#include <linux/types.h>

#include "blkseek_gls.h"

/* Runs asked of the source per fetch; more in a reply are fetched again. */
#define BLKSEEK_WALK_RUNS	16

/**
 * struct blkseek_source - where the walk gets provisioning runs from
 * @fetch: fill @runs with runs starting exactly at @lba, contiguous, each
 *	non-empty; return how many (1..@max_runs) or a negative errno.
 *	May sleep.  A failure or an inconsistent answer makes the walk treat
 *	everything from @lba on as data.
 * @ctx: passed to @fetch
 */
struct blkseek_source {
	int (*fetch)(void *ctx, u64 lba, struct blkseek_run *runs,
		     unsigned int max_runs);
	void *ctx;
};

/**
 * struct blkseek_geom - the byte range being answered for and its device
 * @base: byte offset of the range on the device (partition start)
 * @size: bytes in the range (the block device's size)
 * @lbs_shift: log2 of the logical block size
 * @zeroes: unmapped blocks read as zeroes and may be reported as holes
 *	(LBPME and LBPRZ both set); when false everything is data
 * @max_fetches: most fetches one answer may take; past it the rest is data
 */
struct blkseek_geom {
	u64 base;
	u64 size;
	unsigned int lbs_shift;
	bool zeroes;
	unsigned int max_fetches;
};

/**
 * struct blkseek_walk_stats - what one answer cost
 * @fetches: calls to the source
 * @fallback: the walk stopped early and reported data (failure, bad
 *	reply or budget)
 */
struct blkseek_walk_stats {
	unsigned int fetches;
	bool fallback;
};

long long blkseek_seek(const struct blkseek_geom *g,
		       const struct blkseek_source *src, long long off,
		       bool seek_hole, struct blkseek_walk_stats *stats);

#endif /* BLKSEEK_WALK_H */
