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
 *	(LBPME and LBPRZ both set); when false lseek reports only data
 * @lbpme: provisioning states may be asked and reported as extent kinds
 *	(LBPME set); when false extents are all data
 * @max_fetches: most fetches one answer may take; past it the rest is data
 */
struct blkseek_geom {
	u64 base;
	u64 size;
	unsigned int lbs_shift;
	bool zeroes;
	bool lbpme;
	unsigned int max_fetches;
};

/* Extent kinds; the values are those of the uapi BLKSEEK_EXTENT_* flags. */
#define BLKSEEK_KIND_UNALLOCATED	0x1	/* deallocated */
#define BLKSEEK_KIND_ZERO		0x2	/* reads return zeroes */

/**
 * struct blkseek_ext - a byte range of one kind
 * @offset: first byte, relative to the range's start
 * @length: bytes, never 0
 * @kind: BLKSEEK_KIND_* bits; 0 is data
 */
struct blkseek_ext {
	u64 offset;
	u64 length;
	unsigned int kind;
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

unsigned int blkseek_extents(const struct blkseek_geom *g,
			     const struct blkseek_source *src, u64 off, u64 len,
			     struct blkseek_ext *out, unsigned int max,
			     struct blkseek_walk_stats *stats);

unsigned int blkseek_run_kind(const struct blkseek_geom *g,
			      enum blkseek_state state);

int blkseek_runs_of_extents(u64 pos, u64 lower, const struct blkseek_ext *ext,
			    unsigned int n, unsigned int shift,
			    struct blkseek_run *runs, unsigned int max);

#endif /* BLKSEEK_WALK_H */
