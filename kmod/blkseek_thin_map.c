// SPDX-License-Identifier: GPL-2.0
/*
 * Thin volumes, pure part: a thin block is a hole only when it is unmapped
 * in the pool's metadata snapshot and its tracker grain was not written
 * since the tracker was armed (Documentation/blkseek.rst, "Thin volumes
 * (dm-thin)").  Everything here is block arithmetic over the snapshot's
 * ranges and a "was this grain written" callback, so that it compiles in
 * userspace for the unit tests and the fuzz target.
 */
#include <linux/errno.h>
#include <linux/types.h>

#include "blkseek_thin_map.h"

/**
 * blkseek_thin_block_shift() - log2 of a thin block in logical blocks
 * @block_sectors: the pool's data block size in 512-byte sectors
 * @lbs_shift: log2 of the thin volume's logical block size (9..16)
 * @shift: out: log2 of logical blocks per thin block
 *
 * Only power-of-two block sizes are answered: dm-thin allows any multiple
 * of 64 KiB, but LVM's are powers of two, and a shift keeps the probe and
 * the walk free of divisions.
 *
 * Return: 0, or -EINVAL for a size dm-thin would not take, one that is not
 * a power of two, or one smaller than a logical block.
 */
int blkseek_thin_block_shift(u32 block_sectors, unsigned int lbs_shift,
			     unsigned int *shift)
{
	unsigned int s = 0;

	if (block_sectors < BLKSEEK_THIN_MIN_BLOCK_SECTORS ||
	    block_sectors > BLKSEEK_THIN_MAX_BLOCK_SECTORS ||
	    (block_sectors & (block_sectors - 1)) ||
	    lbs_shift < 9 || lbs_shift > 16)
		return -EINVAL;
	while ((1U << s) < block_sectors)
		s++;
	/* sectors to logical blocks */
	if (s + 9 < lbs_shift)
		return -EINVAL;
	*shift = s + 9 - lbs_shift;
	return 0;
}

/**
 * blkseek_thin_grain_shift() - thin blocks per tracker grain, as log2
 * @nr_blocks: thin blocks of the volume
 * @max_grains: most grains the tracker may have (at least 1)
 *
 * Return: the smallest k with ceil(@nr_blocks / 2^k) <= @max_grains, or
 * 64: one grain for the whole volume.
 */
unsigned int blkseek_thin_grain_shift(u64 nr_blocks, u64 max_grains)
{
	unsigned int k = 0;

	if (!max_grains)
		max_grains = 1;
	while (k < 64 && (nr_blocks >> k) +
	       !!(nr_blocks & ((1ULL << k) - 1)) > max_grains)
		k++;
	return k;
}

/**
 * blkseek_thin_ranges_check() - whether mapped ranges may be used
 * @r: the ranges
 * @n: entries in @r
 * @nr_blocks: thin blocks of the volume
 *
 * Return: 0 when every range is non-empty, lies within the volume and
 * starts at or after the end of the one before (adjacent ranges are
 * allowed: thin_dump splits ranges where the data blocks are not
 * contiguous); -EINVAL otherwise.
 */
int blkseek_thin_ranges_check(const struct blkseek_thin_range *r,
			      unsigned int n, u64 nr_blocks)
{
	u64 end = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!r[i].count || r[i].start < end ||
		    r[i].start >= nr_blocks ||
		    r[i].count > nr_blocks - r[i].start)
			return -EINVAL;
		end = r[i].start + r[i].count;
	}
	return 0;
}

/**
 * blkseek_thin_ranges_merge() - join adjacent ranges in place
 * @r: ranges that passed blkseek_thin_ranges_check()
 * @n: entries in @r
 *
 * Return: the entries left, sorted, none adjacent to the next.
 */
unsigned int blkseek_thin_ranges_merge(struct blkseek_thin_range *r,
				       unsigned int n)
{
	unsigned int i, out = 0;

	for (i = 0; i < n; i++) {
		if (out && r[out - 1].start + r[out - 1].count == r[i].start) {
			r[out - 1].count += r[i].count;
			continue;
		}
		r[out++] = r[i];
	}
	return out;
}

/* The first range that ends after @block, or v->nr_ranges. */
static unsigned int range_at(const struct blkseek_thin_view *v, u64 block)
{
	unsigned int lo = 0, hi = v->nr_ranges;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct blkseek_thin_range *m = &v->ranges[mid];

		if (m->start + m->count <= block)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The state of thin block @block and the end of the segment from it in
 * which the state cannot change: the mapped range it is in, or (unmapped)
 * up to the next range and the end of its grain.
 */
static bool segment(const struct blkseek_thin_view *v, u64 block, u64 *end)
{
	unsigned int i = range_at(v, block);
	u64 next = v->nr_blocks, grain_end;
	u64 grain;

	if (i < v->nr_ranges) {
		if (v->ranges[i].start <= block) {
			*end = v->ranges[i].start + v->ranges[i].count;
			return false;
		}
		next = v->ranges[i].start;
	}
	if (v->grain_shift >= 64) {
		grain = 0;
		grain_end = v->nr_blocks;
	} else {
		grain = block >> v->grain_shift;
		grain_end = (grain + 1) << v->grain_shift;
		if (grain_end <= block || grain_end > v->nr_blocks)
			grain_end = v->nr_blocks;
	}
	*end = grain_end < next ? grain_end : next;
	return !v->written(v->ctx, grain);
}

/**
 * blkseek_thin_fetch() - provisioning runs of a thin volume
 * @v: the volume's snapshot ranges and tracker
 * @lba: first logical block
 * @runs: filled with runs from @lba, contiguous
 * @max_runs: room in @runs
 *
 * A run is BLKSEEK_DEALLOCATED only over thin blocks unmapped in the
 * snapshot and whose grains were not written; everything else is
 * BLKSEEK_MAPPED.  A run may be shorter than its state lasts (after
 * BLKSEEK_THIN_MAX_STEPS segments): the walk asks again.
 *
 * Return: runs filled (1..@max_runs), or -EINVAL when @lba is past the
 * volume or the view is inconsistent.
 */
int blkseek_thin_fetch(const struct blkseek_thin_view *v, u64 lba,
		       struct blkseek_run *runs, unsigned int max_runs)
{
	unsigned int n = 0, steps = 0;
	u64 block, end, lend;
	bool hole;

	if (!max_runs || lba >= v->nr_lbas || v->block_shift >= 64 ||
	    (v->nr_lbas - 1) >> v->block_shift >= v->nr_blocks)
		return -EINVAL;
	while (n < max_runs && lba < v->nr_lbas &&
	       steps < BLKSEEK_THIN_MAX_STEPS) {
		block = lba >> v->block_shift;
		hole = segment(v, block, &end);
		steps++;
		while (end < v->nr_blocks && steps < BLKSEEK_THIN_MAX_STEPS) {
			u64 e;

			if (segment(v, end, &e) != hole)
				break;
			steps++;
			end = e;
		}
		lend = end << v->block_shift;
		if (lend >> v->block_shift != end || lend > v->nr_lbas)
			lend = v->nr_lbas;
		runs[n].lba = lba;
		runs[n].count = lend - lba;
		runs[n].state = hole ? BLKSEEK_DEALLOCATED : BLKSEEK_MAPPED;
		n++;
		lba = lend;
	}
	return n;
}
