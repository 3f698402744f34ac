// SPDX-License-Identifier: GPL-2.0
/*
 * The replacement for blkdev_llseek(), and the lseek answer.
 *
 * SEEK_SET, SEEK_CUR and SEEK_END keep the stock body exactly.  SEEK_DATA
 * and SEEK_HOLE on sd disks are answered from the device's provisioning
 * state; on every other block device they keep the stock answer (EINVAL).
 */
#include <linux/fs.h>

#include "blkseek_ctx.h"
#include "blkseek_hook.h"
#include "blkseek_stats.h"

/*
 * The body of blkdev_llseek() (block/fops.c) on every tested line: 6.1,
 * 6.12 and 7.x (bdev_file_inode() there is file->f_mapping->host).
 */
static loff_t stock_llseek(struct file *file, loff_t off, int whence)
{
	struct inode *bd_inode = file->f_mapping->host;
	loff_t ret;

	inode_lock(bd_inode);
	ret = fixed_size_llseek(file, off, whence, i_size_read(bd_inode));
	inode_unlock(bd_inode);
	return ret;
}

/**
 * blkseek_answer() - answer SEEK_DATA/SEEK_HOLE for an sd or stacked disk
 * @file: the block device file
 * @off: offset asked
 * @whence: SEEK_DATA or SEEK_HOLE
 * @ret: the lseek result when this returns true
 *
 * Never returns EIO: whatever cannot be asked or understood is data.
 *
 * Return: false when @file is neither on an sd disk nor a stacked device
 * with a mapping (the caller keeps the stock answer), true when @ret holds the answer.
 */
bool blkseek_answer(struct file *file, loff_t off, int whence, loff_t *ret)
{
	struct blkseek_walk_stats stats;
	struct blkseek_ctx c;
	loff_t pos;

	if (blkseek_begin(file, off < 0 ? U64_MAX : off, &c))
		return false;
	pos = blkseek_walk_current(&c, blkseek_seek(&c.geom, &c.src, off,
						    whence == SEEK_HOLE,
						    &stats));
	blkseek_count(BLKSEEK_STAT_LSEEKS);
	if (pos < 0)
		blkseek_count(BLKSEEK_STAT_ANSWER_ENXIO);
	else if (whence == SEEK_DATA || pos == c.geom.size)
		blkseek_count(BLKSEEK_STAT_ANSWER_DATA);
	else
		blkseek_count(BLKSEEK_STAT_ANSWER_HOLE);
	if (pos >= 0)
		pos = vfs_setpos(file, pos, c.geom.size);
	blkseek_end(&c, &stats);
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
