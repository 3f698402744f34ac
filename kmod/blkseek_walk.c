// SPDX-License-Identifier: GPL-2.0
/*
 * The extent walk behind SEEK_DATA and SEEK_HOLE.
 *
 * From the block that holds the offset, follow runs (fetching again from
 * the end of the last one) until the hole-ness changes or the range ends.
 * Anything the source cannot state reliably is data: a hole is reported
 * only where the source said "unmapped" and unmapped blocks read as zero.
 *
 * Pure code: compiled into blkseek.ko and, unchanged, into the host unit
 * tests and fuzz targets.
 */
#include <linux/types.h>
#include <linux/errno.h>

#include "blkseek_walk.h"

static bool run_is_hole(const struct blkseek_run *r)
{
	return r->state != BLKSEEK_MAPPED;
}

/*
 * Find the first block in [lba, end) whose hole-ness is @want_hole.
 * Returns true and sets *found, or false when there is none before @end.
 * Unknown blocks are data.
 */
static bool walk_find(const struct blkseek_geom *g,
		      const struct blkseek_source *src, u64 lba, u64 end,
		      bool want_hole, u64 *found,
		      struct blkseek_walk_stats *stats)
{
	struct blkseek_run runs[BLKSEEK_WALK_RUNS];

	while (lba < end) {
		int n, i;

		if (stats->fetches >= g->max_fetches)
			goto unknown;
		stats->fetches++;
		n = src->fetch(src->ctx, lba, runs, BLKSEEK_WALK_RUNS);
		if (n <= 0 || n > BLKSEEK_WALK_RUNS)
			goto unknown;

		for (i = 0; i < n && lba < end; i++) {
			const struct blkseek_run *r = &runs[i];

			if (r->lba != lba || !r->count)
				goto unknown;
			if (run_is_hole(r) == want_hole) {
				*found = lba;
				return true;
			}
			lba = r->count > ~(u64)0 - lba ? ~(u64)0 : lba + r->count;
		}
	}
	return false;

unknown:
	/* Nothing reliable from @lba on: it is data. */
	stats->fallback = true;
	if (want_hole)
		return false;
	*found = lba;
	return true;
}

/**
 * blkseek_seek() - answer lseek(SEEK_DATA) or lseek(SEEK_HOLE)
 * @g: the range and its device
 * @src: provisioning runs of the device, in device LBAs
 * @off: byte offset in the range
 * @seek_hole: SEEK_HOLE if true, SEEK_DATA if false
 * @stats: filled with the cost of the answer (zeroed here)
 *
 * Semantics are those of ext4/xfs: @off < 0 or @off >= size gives -ENXIO;
 * SEEK_DATA with no data at or after @off gives -ENXIO; SEEK_HOLE with no
 * hole gives the size (the implicit hole at the end).  An answer inside
 * the block holding @off is @off itself.  Never reports a hole that the
 * source did not state.
 *
 * Return: the new offset, or -ENXIO.
 */
long long blkseek_seek(const struct blkseek_geom *g,
		       const struct blkseek_source *src, long long off,
		       bool seek_hole, struct blkseek_walk_stats *stats)
{
	unsigned int shift = g->lbs_shift;
	u64 lba, end, found, pos;

	stats->fetches = 0;
	stats->fallback = false;

	if (off < 0 || (u64)off >= g->size)
		return -ENXIO;
	/* A range that does not fit in 64 bits of device bytes is all data. */
	if (!g->zeroes || shift > 32 || g->base > ~(u64)0 - g->size)
		return seek_hole ? (long long)g->size : off;

	lba = (g->base + (u64)off) >> shift;
	end = (g->base + g->size) >> shift;
	if ((end << shift) != g->base + g->size)
		end++;

	if (!walk_find(g, src, lba, end, seek_hole, &found, stats))
		return seek_hole ? (long long)g->size : -ENXIO;
	if (found == lba)
		return off;

	/* found < end, so found << shift cannot wrap; it lies past @off. */
	pos = (found << shift) - g->base;
	if (pos >= g->size)
		return seek_hole ? (long long)g->size : -ENXIO;
	return pos;
}

/**
 * blkseek_run_kind() - the extent kind of a run's state on a device
 * @g: the device's geometry and what may be reported
 * @state: the run's provisioning state
 *
 * Return: BLKSEEK_KIND_* bits; 0 (data) unless @g allows more.
 */
unsigned int blkseek_run_kind(const struct blkseek_geom *g,
			      enum blkseek_state state)
{
	switch (state) {
	case BLKSEEK_DEALLOCATED:
		return BLKSEEK_KIND_UNALLOCATED |
		       (g->zeroes ? BLKSEEK_KIND_ZERO : 0);
	case BLKSEEK_ANCHORED:
		return g->zeroes ? BLKSEEK_KIND_ZERO : 0;
	default:
		return 0;
	}
}

/* Append [start, end) of @kind, merging with the last extent; false when full. */
static bool ext_add(struct blkseek_ext *out, unsigned int *n, unsigned int max,
		    u64 start, u64 end, unsigned int kind)
{
	struct blkseek_ext *last = *n ? &out[*n - 1] : NULL;

	if (last && last->kind == kind && last->offset + last->length == start) {
		last->length += end - start;
		return true;
	}
	if (*n >= max)
		return false;
	out[*n].offset = start;
	out[*n].length = end - start;
	out[*n].kind = kind;
	(*n)++;
	return true;
}

/**
 * blkseek_extents() - describe a byte range as extents of kinds
 * @g: the range and its device
 * @src: provisioning runs of the device, in device LBAs
 * @off: first byte to describe
 * @len: bytes to describe; 0 or past the end means up to the end
 * @out: extents, contiguous from @off, adjacent ones of different kinds
 * @max: room in @out, at least 1
 * @stats: filled with the cost of the answer (zeroed here)
 *
 * Kinds follow the rules of blkseek_seek(): ZERO only with LBPRZ,
 * UNALLOCATED only for deallocated blocks, and anything the source cannot
 * state reliably is data.  The walk stops when @out is full: the caller
 * continues from the end of the last extent.
 *
 * Return: the number of extents, 0 only when @off is at or past the end.
 */
unsigned int blkseek_extents(const struct blkseek_geom *g,
			     const struct blkseek_source *src, u64 off, u64 len,
			     struct blkseek_ext *out, unsigned int max,
			     struct blkseek_walk_stats *stats)
{
	struct blkseek_run runs[BLKSEEK_WALK_RUNS];
	unsigned int shift = g->lbs_shift;
	unsigned int n = 0;
	u64 end, lba, pos;

	stats->fetches = 0;
	stats->fallback = false;
	if (off >= g->size || !max)
		return 0;
	end = (len && len < g->size - off) ? off + len : g->size;
	pos = off;
	if (!g->lbpme || shift > 32 || g->base > ~(u64)0 - g->size)
		goto rest_is_data;

	lba = (g->base + off) >> shift;
	while (pos < end) {
		int nr, i;

		if (stats->fetches >= g->max_fetches)
			goto rest_is_data;
		stats->fetches++;
		nr = src->fetch(src->ctx, lba, runs, BLKSEEK_WALK_RUNS);
		if (nr <= 0 || nr > BLKSEEK_WALK_RUNS)
			goto rest_is_data;
		for (i = 0; i < nr && pos < end; i++) {
			const struct blkseek_run *r = &runs[i];
			u64 run_end;

			if (r->lba != lba || !r->count)
				goto rest_is_data;
			lba = r->count > ~(u64)0 - lba ? ~(u64)0 : lba + r->count;
			/* bytes of the range this run covers (no wrap: the
			 * shift happens only below the range's end)
			 */
			if (lba > (g->base + end) >> shift)
				run_end = end;
			else
				run_end = (lba << shift) - g->base;
			if (run_end > end)
				run_end = end;
			if (!ext_add(out, &n, max, pos, run_end,
				     blkseek_run_kind(g, r->state)))
				return n;
			pos = run_end;
		}
	}
	return n;

rest_is_data:
	stats->fallback = g->lbpme;
	ext_add(out, &n, max, pos, end, 0);
	return n;
}

/* The provisioning state that an extent's kind stands for. */
static enum blkseek_state kind_state(unsigned int kind)
{
	if (!(kind & BLKSEEK_KIND_ZERO))
		return BLKSEEK_MAPPED;	/* may read non-zero: data */
	return kind & BLKSEEK_KIND_UNALLOCATED ? BLKSEEK_DEALLOCATED :
						 BLKSEEK_ANCHORED;
}

/* Runs being built, in blocks of 1 << shift, contiguous from the first. */
struct run_builder {
	struct blkseek_run *runs;
	unsigned int nr;
	unsigned int max;
	unsigned int shift;
	u64 cur;		/* bytes described so far end here */
};

/* Describe [b->cur, @to) as @state; false when @b is full. */
static bool run_add(struct run_builder *b, enum blkseek_state state, u64 to)
{
	struct blkseek_run *last = b->nr ? &b->runs[b->nr - 1] : NULL;
	u64 count = (to - b->cur) >> b->shift;

	if (to <= b->cur)
		return true;
	if (last && last->state == state) {
		last->count += count;
	} else {
		if (b->nr == b->max)
			return false;
		b->runs[b->nr].lba = b->cur >> b->shift;
		b->runs[b->nr].count = count;
		b->runs[b->nr].state = state;
		b->nr++;
	}
	b->cur = to;
	return true;
}

/**
 * blkseek_runs_of_extents() - a lower device's extents as upper runs
 * @pos: byte of the upper device where the extents start (block aligned)
 * @lower: byte of the lower device that @pos maps to
 * @ext: the lower device's extents from @lower, contiguous
 * @n: entries in @ext
 * @shift: log2 of the upper device's logical block size (9..32)
 * @runs: filled with runs from @pos >> @shift, contiguous
 * @max: room in @runs
 *
 * A block of the upper device is a hole only when all of it lies in
 * extents that read as zeroes; anything else is data (holes shrink to
 * whole blocks, data grows), and so is the block the last extent ends in.
 * An extent that does not continue where the last ended stops the
 * conversion: what is left is not described.
 *
 * Return: runs filled, or -EIO when none could be.
 */
int blkseek_runs_of_extents(u64 pos, u64 lower, const struct blkseek_ext *ext,
			    unsigned int n, unsigned int shift,
			    struct blkseek_run *runs, unsigned int max)
{
	struct run_builder b = { runs, 0, max, shift, pos };
	u64 mask = ((u64)1 << shift) - 1;
	u64 next = lower;
	unsigned int i;

	if (shift < 9 || shift > 32 || pos & mask)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		enum blkseek_state state = kind_state(ext[i].kind);
		u64 end = ext[i].offset + ext[i].length;
		u64 s, t;

		if (ext[i].offset != next || end <= ext[i].offset ||
		    end - lower > ~(u64)0 - mask - pos)
			break;		/* not what was asked: the rest is data */
		next = end;
		s = pos + (ext[i].offset - lower);
		t = pos + (end - lower);
		if (state != BLKSEEK_MAPPED) {
			u64 hs = (s + mask) & ~mask;
			u64 he = t & ~mask;

			if (hs < b.cur)
				hs = b.cur;
			if (he > hs && !(run_add(&b, BLKSEEK_MAPPED, hs) &&
					 run_add(&b, state, he)))
				break;
		} else if (!run_add(&b, BLKSEEK_MAPPED, (t + mask) & ~mask)) {
			break;
		}
	}
	/* all said: a block left partly described is data */
	if (i == n && n)
		run_add(&b, BLKSEEK_MAPPED, (pos + (next - lower) + mask) & ~mask);
	return b.nr ? (int)b.nr : -EIO;
}
