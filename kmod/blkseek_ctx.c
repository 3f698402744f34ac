// SPDX-License-Identifier: GPL-2.0
/*
 * Preparing an answer: find the disk, make the page cache clean over the
 * range, and learn from READ CAPACITY(16) what may be reported.  Shared by
 * lseek and the extent query ioctl.
 */
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/slab.h>

#include "blkseek_ctx.h"
#include "blkseek_dev.h"
#include "blkseek_forward.h"
#include "blkseek_params.h"
#include "blkseek_query.h"
#include "blkseek_stack.h"
#include "blkseek_stats.h"

/**
 * blkseek_flush_dirty() - write back what the page cache holds dirty
 * @file: the block device file
 * @off: first byte that will be asked about
 * @size: bytes in the device
 *
 * Written-but-cached data must not be hidden: write back the dirty part of
 * [off, end of device) before asking the device.  Done before the query,
 * so that anything clean here has reached the device when it is asked.
 * Costs a tag lookup when nothing is dirty.
 *
 * Return: 0 or the error of the write-back.
 */
int blkseek_flush_dirty(struct file *file, u64 off, u64 size)
{
	struct address_space *mapping = file->f_mapping;

	if (!filemap_range_needs_writeback(mapping, off, size - 1))
		return 0;
	blkseek_count(BLKSEEK_STAT_DIRTY_FLUSHES);
	return filemap_write_and_wait_range(mapping, off, size - 1);
}

/*
 * Decide what may be reported: provisioning states only when the device
 * has LBPME and agrees on the block size, holes only with LBPRZ too, and
 * either only once the page cache is clean from @off on.
 */
static void read_capabilities(struct file *file, struct blkseek_ctx *c, u64 off)
{
	struct blkseek_caps caps;

	if (!c->target.sdev) {
		blkseek_count(BLKSEEK_STAT_FB_NO_DEVICE);
		return;
	}
	if (blkseek_flush_dirty(file, off, c->geom.size)) {
		blkseek_count(BLKSEEK_STAT_FB_CMD_FAILED);
		return;
	}
	if (blkseek_read_caps(&c->sd, &caps))
		return;
	if (!caps.lbpme || caps.block_size != 1U << c->geom.lbs_shift) {
		blkseek_count(BLKSEEK_STAT_FB_NO_LBP);
		return;
	}
	c->geom.lbpme = true;
	c->geom.zeroes = caps.lbprz;
	if (!caps.lbprz)
		blkseek_count(BLKSEEK_STAT_FB_NO_LBPRZ);
}

/**
 * blkseek_begin_at() - prepare to answer for a block device file
 * @file: the block device file
 * @off: first byte that will be asked about
 * @c: filled; release with blkseek_end() when this returns 0
 * @depth: devices stacked above @file (0: the file asked about)
 *
 * When the device cannot answer (not asked, failed, no LBPME, or @off past
 * the end) @c->geom says "all data" and the walk never queries.  A stacked
 * device answers through the mapping userspace set for it; after the
 * walk, blkseek_stale_to_data() says whether it must be redone as data
 * (blkseek_walk_current()).
 *
 * Return: 0, or -ENODEV when @file is neither on an sd disk nor a stacked
 * device with a mapping; @c->geom then holds the device's geometry and says
 * "all data", and @c needs no blkseek_end().
 */
int blkseek_begin_at(struct file *file, u64 off, struct blkseek_ctx *c,
		     unsigned int depth)
{
	memset(c, 0, sizeof(*c));
	blkseek_geom_of(file, &c->geom);
	c->geom.max_fetches = READ_ONCE(blkseek_max_queries);
	c->sd.deadline = jiffies + msecs_to_jiffies(READ_ONCE(blkseek_answer_ms));
	/*
	 * Recursion, on purpose: a stacked device's walk asks its lower
	 * devices through blkseek_file_extents(), which comes back here one
	 * level down (@depth + 1, at most BLKSEEK_STACK_MAX_DEPTH), so that a
	 * lower device is answered as any other.  Hence this file and the
	 * stacked devices' (blkseek_forward_begin()) call each other.
	 */
	if (blkseek_target_get(file, &c->target))
		return blkseek_forward_begin(file, off, c, depth);

	c->src.fetch = blkseek_fetch_runs;
	c->src.ctx = &c->sd;
	if (off < c->geom.size && c->target.sdev) {
		c->sd.sdev = c->target.sdev;
		c->sd.dev = c->target.bdev->bd_dev;
		c->sd.diskseq = c->target.bdev->bd_disk->diskseq;
		read_capabilities(file, c, off);
	}
	return 0;
}

/**
 * blkseek_begin() - blkseek_begin_at() for the file asked about
 * @file: the block device file
 * @off: first byte that will be asked about
 * @c: filled; release with blkseek_end() when this returns 0
 *
 * Return: as blkseek_begin_at().
 */
int blkseek_begin(struct file *file, u64 off, struct blkseek_ctx *c)
{
	return blkseek_begin_at(file, off, c, 0);
}

/**
 * blkseek_end() - release what blkseek_begin() took
 * @c: the context
 * @stats: what the walk cost, or NULL
 */
void blkseek_end(struct blkseek_ctx *c, const struct blkseek_walk_stats *stats)
{
	if (stats && stats->fallback && stats->fetches >= c->geom.max_fetches)
		blkseek_count(BLKSEEK_STAT_FB_BUDGET);
	kfree(c->sd.buf);
	c->sd.buf = NULL;
	if (c->fwd.st)
		blkseek_stack_put(c->fwd.st);
	c->fwd.st = NULL;
	blkseek_target_put(&c->target);
}
