// SPDX-License-Identifier: GPL-2.0
/*
 * Steps 1 and 5, hook and answer: the replacement for blkdev_llseek().
 *
 * SEEK_SET, SEEK_CUR and SEEK_END keep the stock body exactly.  SEEK_DATA
 * and SEEK_HOLE on sd disks are answered from the device's provisioning
 * state; on every other block device they keep the stock answer (EINVAL).
 */
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/slab.h>

#include "blkseek.h"

/* The body of blkdev_llseek() in 6.1 and 6.12 (block/fops.c). */
static loff_t stock_llseek(struct file *file, loff_t off, int whence)
{
	struct inode *bd_inode = file->f_mapping->host;
	loff_t ret;

	inode_lock(bd_inode);
	ret = fixed_size_llseek(file, off, whence, i_size_read(bd_inode));
	inode_unlock(bd_inode);
	return ret;
}

/*
 * Written-but-cached data must not be hidden: write back the dirty part of
 * [off, end of device) before asking the device.  Done before the query,
 * so that anything clean here has reached the device when it is asked.
 * Costs a tag lookup when nothing is dirty.
 */
static int flush_dirty(struct file *file, loff_t off, u64 size)
{
	struct address_space *mapping = file->f_mapping;

	if (!filemap_range_needs_writeback(mapping, off, size - 1))
		return 0;
	return filemap_write_and_wait_range(mapping, off, size - 1);
}

/*
 * Decide whether holes may be reported: the page cache is clean over the
 * range, the device has LBPME and LBPRZ, and agrees on the block size.
 */
static bool may_report_holes(struct file *file, struct blkseek_target *t,
			     struct blkseek_query *q, loff_t off)
{
	struct blkseek_caps caps;

	if (!t->sdev || !q->buf)
		return false;
	if (flush_dirty(file, off, t->size))
		return false;
	if (blkseek_read_caps(q, &caps))
		return false;
	return caps.lbpme && caps.lbprz &&
	       caps.block_size == 1U << t->lbs_shift;
}

/**
 * blkseek_answer() - answer SEEK_DATA/SEEK_HOLE for an sd disk
 * @file: the block device file
 * @off: offset asked
 * @whence: SEEK_DATA or SEEK_HOLE
 * @ret: the lseek result when this returns true
 *
 * Never returns EIO: whatever cannot be asked or understood is data.
 *
 * Return: false when @file is not on an sd disk (the caller keeps the
 * stock answer), true when @ret holds the answer.
 */
bool blkseek_answer(struct file *file, loff_t off, int whence, loff_t *ret)
{
	struct blkseek_target t;
	struct blkseek_query q = { };
	struct blkseek_source src = { .fetch = blkseek_fetch_runs, .ctx = &q };
	struct blkseek_walk_stats stats;
	struct blkseek_geom g = { };
	loff_t pos;

	if (blkseek_target_get(file, &t))
		return false;

	g.base = t.base;
	g.size = t.size;
	g.lbs_shift = t.lbs_shift;
	g.max_fetches = blkseek_max_queries;
	if (off >= 0 && off < t.size && t.sdev) {
		q.sdev = t.sdev;
		q.buf = kmalloc(BLKSEEK_GLS_BUF_LEN, GFP_KERNEL);
		g.zeroes = may_report_holes(file, &t, &q, off);
	}

	pos = blkseek_seek(&g, &src, off, whence == SEEK_HOLE, &stats);
	if (pos >= 0)
		pos = vfs_setpos(file, pos, t.size);

	kfree(q.buf);
	blkseek_target_put(&t);
	*ret = pos;
	return true;
}

/**
 * blkseek_llseek() - livepatch replacement for blkdev_llseek()
 * @file: the block device file
 * @off: offset
 * @whence: SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA or SEEK_HOLE
 *
 * Never holds the inode lock across a SCSI command.
 *
 * Return: the new file position or a negative errno.
 */
loff_t blkseek_llseek(struct file *file, loff_t off, int whence)
{
	loff_t ret;

	if ((whence == SEEK_DATA || whence == SEEK_HOLE) &&
	    blkseek_answer(file, off, whence, &ret))
		return ret;
	return stock_llseek(file, off, whence);
}
