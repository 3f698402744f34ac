// SPDX-License-Identifier: GPL-2.0
/*
 * Answers for stacked devices: a dm-linear, dm-multipath or loop device
 * whose mapping userspace has set (blkseek_stack.c) is answered by asking
 * its lower devices, at their offsets, what they hold.  A lower block
 * device is answered as any other (an sd disk by GET LBA STATUS, a
 * stacked one by its own mapping, anything else is data); a loop's
 * regular backing file by its filesystem's SEEK_DATA/SEEK_HOLE.
 *
 * The lower answers, extents in bytes of the lower device, become runs in
 * blocks of the upper device for the walk (blkseek_runs_of_extents()).
 */
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/minmax.h>
#include <scsi/scsi_device.h>

#include "blkseek_ctx.h"
#include "blkseek_dev.h"
#include "blkseek_forward.h"
#include "blkseek_stack.h"
#include "blkseek_stack_watch.h"
#include "blkseek_stats.h"
#include "blkseek_thin.h"

/*
 * Lower extents asked per fetch (BLKSEEK_FWD_EXTENTS, in struct
 * blkseek_fwd): one run of the lower device as its source gives it
 * (device_extent()).  The walk above asks again where it needs more, and
 * the lower disk's reply cache answers what was fetched last, so a
 * stacked device costs the SCSI commands its disk costs.
 */

/* One data extent [@off, @off + @len). */
static unsigned int data_extent(u64 off, u64 len, struct blkseek_ext *ext)
{
	ext[0].offset = off;
	ext[0].length = len;
	ext[0].kind = 0;
	return 1;
}

/* Extents of a regular file by its SEEK_DATA/SEEK_HOLE: holes read zero. */
static unsigned int file_extents(struct file *file, u64 off, u64 len,
				 struct blkseek_ext *ext, unsigned int max)
{
	u64 size = i_size_read(file_inode(file));
	u64 end = min(off + len, size), pos = off;
	unsigned int n = 0;

	if (off >= size)	/* past the file: whatever loop reads is data */
		return data_extent(off, len, ext);
	while (pos < end && n < max) {
		loff_t d = vfs_llseek(file, pos, SEEK_DATA);
		loff_t h;

		if (d == -ENXIO)
			d = end;
		if (d < 0)
			break;
		if (d > pos) {
			ext[n].offset = pos;
			ext[n].length = min_t(u64, d, end) - pos;
			ext[n++].kind = BLKSEEK_KIND_UNALLOCATED | BLKSEEK_KIND_ZERO;
			pos += ext[n - 1].length;
			continue;
		}
		h = vfs_llseek(file, pos, SEEK_HOLE);
		if (h <= pos)
			break;
		ext[n].offset = pos;
		ext[n].length = min_t(u64, h, end) - pos;
		ext[n++].kind = 0;
		pos += ext[n - 1].length;
	}
	if (pos < end && n < max)	/* the file could not say: data */
		n += data_extent(pos, end - pos, &ext[n]);
	return n;
}

/*
 * The extent at @off of a block device being answered (@c): its source's
 * run holding @off, as it comes (one GET LBA STATUS or a cached reply, or
 * a stacked device's own lower extent).  Not a walk: a walk would look
 * past the run to merge runs of one kind, sending commands the answer
 * above may never need, and replacing the reply the next fetch needs.
 */
static unsigned int device_extent(struct blkseek_ctx *c, u64 off, u64 len,
				  struct blkseek_ext *ext)
{
	const struct blkseek_geom *g = &c->geom;
	unsigned int shift = g->lbs_shift;
	struct blkseek_run run;
	u64 lba, end;

	if (off >= g->size)
		return 0;
	len = min(len, g->size - off);
	if (!g->lbpme || shift > 32)
		return data_extent(off, len, ext);
	lba = (g->base + off) >> shift;
	if (c->src.fetch(c->src.ctx, lba, &run, 1) < 1 || run.lba != lba ||
	    !run.count || run.count > (U64_MAX >> shift) - lba)
		return data_extent(off, len, ext);
	end = ((lba + run.count) << shift) - g->base;
	ext[0].offset = off;
	ext[0].length = min(end, off + len) - off;
	ext[0].kind = blkseek_run_kind(g, run.state);
	return 1;
}

/**
 * blkseek_file_extents() - what a lower device or file holds
 * @file: a block device or regular file, open for reading
 * @off: first byte
 * @len: bytes from @off
 * @ext: filled with extents from @off, contiguous
 * @max: room in @ext (a block device fills one)
 * @depth: devices stacked above @file
 * @deadline: jiffies after which no command is started (the answer's)
 *
 * Return: extents filled, 0 when @off is past the end.  Whatever cannot
 * be asked is one data extent.
 */
unsigned int blkseek_file_extents(struct file *file, u64 off, u64 len,
				  struct blkseek_ext *ext, unsigned int max,
				  unsigned int depth, unsigned long deadline)
{
	struct blkseek_ctx c;
	unsigned int n;

	if (S_ISREG(file_inode(file)->i_mode))
		return file_extents(file, off, len, ext, max);
	/*
	 * Recursion: blkseek_begin_at() answers the lower device as any
	 * other, a stacked one by coming back to blkseek_forward_begin(); the
	 * depth bounds it (a cycle of mappings is refused when set, too).
	 */
	if (!S_ISBLK(file_inode(file)->i_mode) || depth > BLKSEEK_STACK_MAX_DEPTH ||
	    blkseek_begin_at(file, off, &c, depth))
		return data_extent(off, len, ext);
	c.sd.deadline = deadline;
	n = blkseek_walk_current(&c, device_extent(&c, off, len, ext));
	blkseek_end(&c, NULL);
	return n;
}

/*
 * The first path not failed in dm whose SCSI device is usable (any
 * non-SCSI one is), or NULL.  Paths that may not be one LUN are never
 * asked: a write through one would not change the reply cache of another.
 */
static struct file *path_pick(const struct blkseek_seg *seg)
{
	unsigned int i;

	if (!seg->one_lun)
		return NULL;
	for (i = 0; i < seg->nr_ask; i++) {
		struct blkseek_target t;
		bool usable = true;

		if (S_ISBLK(file_inode(seg->paths[i])->i_mode) &&
		    !blkseek_target_get(seg->paths[i], &t)) {
			usable = t.sdev && scsi_device_online(t.sdev);
			blkseek_target_put(&t);
		}
		if (usable)
			return seg->paths[i];
	}
	return NULL;
}

/* The segment holding byte @pos of the upper disk, or NULL. */
static const struct blkseek_seg *segment_of(const struct blkseek_stack *st,
					    u64 pos)
{
	unsigned int lo = 0, hi = st->nr_segs;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct blkseek_seg *s = &st->segs[mid];

		if (pos < s->start)
			hi = mid;
		else if (pos - s->start >= s->length)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

/* &struct blkseek_source fetch for a stacked device; @ctx is its context. */
static int forward_fetch(void *ctx, u64 lba, struct blkseek_run *runs,
			 unsigned int max_runs)
{
	struct blkseek_ctx *c = ctx;
	struct blkseek_fwd *f = &c->fwd;
	unsigned int n, shift = c->geom.lbs_shift;
	const struct blkseek_seg *seg;
	u64 pos, lower, len;
	struct file *path;

	if (lba > U64_MAX >> shift)
		return -EINVAL;
	pos = lba << shift;
	seg = segment_of(f->st, pos);
	if (!seg)
		return -ENXIO;	/* not mapped to a lower device: data */
	path = path_pick(seg);
	if (!path)
		return -EIO;
	lower = seg->lower_offset + (pos - seg->start);
	len = seg->length - (pos - seg->start);
	n = blkseek_file_extents(path, lower, len, f->ext, BLKSEEK_FWD_EXTENTS,
				 f->depth + 1, c->sd.deadline);
	return blkseek_runs_of_extents(pos, lower, f->ext, n, shift, runs,
				       max_runs);
}

/**
 * blkseek_forward_begin() - prepare to answer for a stacked device
 * @file: the upper block device file (whole disk or partition)
 * @off: first byte that will be asked about
 * @c: zeroed by the caller but for the geometry, filled; release with
 *	blkseek_end()
 * @depth: devices stacked above @file
 *
 * A mapping that is stale, or a dirty page cache that cannot be written
 * back, leaves @c->geom saying "all data".
 *
 * Return: 0, or -ENODEV when no mapping is set for @file's disk.
 */
int blkseek_forward_begin(struct file *file, u64 off, struct blkseek_ctx *c,
			  unsigned int depth)
{
	struct block_device *bdev = I_BDEV(file->f_mapping->host);
	struct blkseek_stack *st = blkseek_stack_get(bdev->bd_disk);

	if (!st)
		return -ENODEV;
	/* a watched call was missed: the mapping may be out of date */
	if (!blkseek_stack_watch_sound(st->kind))
		WRITE_ONCE(st->stale, true);
	c->target.bdev = bdev;
	c->fwd.st = st;
	c->fwd.depth = depth;
	c->src.fetch = forward_fetch;
	c->src.ctx = c;
	if (st->thin)
		blkseek_thin_begin(c, st);
	if (off >= c->geom.size || READ_ONCE(st->stale))
		return 0;
	if (!blkseek_flush_dirty(file, off, c->geom.size)) {
		c->geom.lbpme = true;
		c->geom.zeroes = true;
	}
	return 0;
}

/**
 * blkseek_stale_to_data() - make @c "all data" if its mapping went stale
 * @c: the context just walked
 *
 * A stacked device's mapping marked stale during the walk may have been
 * used after its table or status changed: the answer must be redone as
 * "all data", which this sets up in @c->geom.  Used through
 * blkseek_walk_current().
 *
 * Return: true when it did, and the caller must walk again.
 */
bool blkseek_stale_to_data(struct blkseek_ctx *c)
{
	if (!c->fwd.st || !c->geom.lbpme)
		return false;
	smp_mb();	/* the lower answers were read before this */
	if (!READ_ONCE(c->fwd.st->stale))
		return false;
	c->geom.lbpme = false;
	c->geom.zeroes = false;
	blkseek_count(BLKSEEK_STAT_STACK_REDONE);
	return true;
}
