// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/blkseek: the extent query ioctl (uapi/linux/blkseek.h) and the
 * dispatch of the stack control plane (uapi/linux/blkseek_stack.h).
 *
 * The caller's authority is the block device fd passed in the query: it
 * must be open for reading.  /dev/blkseek itself grants nothing.
 */
#include <linux/blkdev.h>
#include <linux/build_bug.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <linux/blkseek.h>
#include <linux/blkseek_stack.h>

#include "blkseek_ctx.h"
#include "blkseek_ioctl.h"
#include "blkseek_stack.h"
#include "blkseek_thin.h"
#include "blkseek_stats.h"

static_assert(sizeof(struct blkseek_query) == BLKSEEK_QUERY_SIZE_VER0);
static_assert(sizeof(struct blkseek_extent) == 24);
static_assert(sizeof(struct blkseek_stack_map) == BLKSEEK_STACK_MAP_SIZE_VER0);
static_assert(sizeof(struct blkseek_stack_segment) == 64);
static_assert(sizeof(struct blkseek_thin_arm) == BLKSEEK_THIN_ARM_SIZE_VER0);
static_assert(sizeof(struct blkseek_thin_map) == BLKSEEK_THIN_MAP_SIZE_VER0);
static_assert(sizeof(struct blkseek_thin_extent) == 16);
static_assert(BLKSEEK_KIND_UNALLOCATED == BLKSEEK_EXTENT_UNALLOCATED);
static_assert(BLKSEEK_KIND_ZERO == BLKSEEK_EXTENT_ZERO);

static bool query_reserved_clear(const struct blkseek_query *q)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(q->reserved); i++)
		if (q->reserved[i])
			return false;
	return !q->flags && !q->reserved0;
}

static int copy_extents_out(struct blkseek_extent __user *uext,
			    const struct blkseek_ext *ext, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct blkseek_extent e = {
			.offset = ext[i].offset,
			.length = ext[i].length,
			.flags = ext[i].kind,
		};

		if (copy_to_user(&uext[i], &e, sizeof(e)))
			return -EFAULT;
	}
	return 0;
}

/* Fill @q's answer for the block device @bdev_file. */
static int query_bdev(struct file *bdev_file, struct blkseek_query *q)
{
	unsigned int max = min_t(u32, q->extent_count, BLKSEEK_MAX_EXTENTS);
	struct blkseek_walk_stats stats = { };
	struct blkseek_ext *ext = NULL;
	struct blkseek_ctx c;
	unsigned int n = 0;
	bool forwarded;
	int err = 0;

	if (max) {
		ext = kmalloc_array(max, sizeof(*ext), GFP_KERNEL);
		if (!ext)
			return -ENOMEM;
	}

	/* Not an sd disk nor mapped: @c.geom holds the geometry, all data. */
	blkseek_begin(bdev_file, q->offset, &c);
	if (max)
		n = blkseek_walk_current(&c, blkseek_extents(&c.geom, &c.src,
							     q->offset,
							     q->length, ext,
							     max, &stats));
	forwarded = c.fwd.st;
	if (c.target.bdev)
		blkseek_end(&c, &stats);
	blkseek_count(BLKSEEK_STAT_IOCTLS);

	q->mapped_extents = n;
	q->end = n ? ext[n - 1].offset + ext[n - 1].length : q->offset;
	q->size_bytes = c.geom.size;
	q->logical_block_size = 1U << c.geom.lbs_shift;
	q->device_flags = (c.geom.lbpme ? BLKSEEK_DEV_ANSWERS : 0) |
			  (c.geom.zeroes ? BLKSEEK_DEV_UNMAP_ZEROES : 0) |
			  (forwarded ? BLKSEEK_DEV_FORWARDED : 0);
	if (n)
		err = copy_extents_out(u64_to_user_ptr(q->extents), ext, n);
	kfree(ext);
	return err;
}

static long query_ioctl(struct blkseek_query __user *uq)
{
	struct blkseek_query q;
	struct file *bdev_file;
	u32 usize;
	int err;

	if (get_user(usize, &uq->size))
		return -EFAULT;
	if (usize < BLKSEEK_QUERY_SIZE_VER0)
		return -EINVAL;
	err = copy_struct_from_user(&q, sizeof(q), uq, usize);
	if (err)
		return err;
	if (!query_reserved_clear(&q))
		return -EINVAL;

	bdev_file = fget(q.fd);		/* refuses O_PATH fds */
	if (!bdev_file)
		return -EBADF;
	if (!S_ISBLK(file_inode(bdev_file)->i_mode))
		err = -ENOTBLK;
	else if (!(bdev_file->f_mode & FMODE_READ))
		err = -EBADF;
	else
		err = query_bdev(bdev_file, &q);
	fput(bdev_file);
	if (err)
		return err;
	return copy_to_user(uq, &q, sizeof(q)) ? -EFAULT : 0;
}

/* A command without the size field: what selects it. */
#define BLKSEEK_IOC_CMD(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

static long blkseek_misc_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	/*
	 * One rule for every command: magic, number and direction select
	 * it, the size encoded in the number never does.  The query and the
	 * map carry their own size (so do the thin arm and map); struct
	 * blkseek_stack_gen never changes.
	 */
	switch (BLKSEEK_IOC_CMD(cmd)) {
	case BLKSEEK_IOC_CMD(BLKSEEK_IOC_QUERY):
		return query_ioctl(uarg);
	case BLKSEEK_IOC_CMD(BLKSEEK_IOC_STACK_GEN):
		return blkseek_stack_gen_ioctl(uarg);
	case BLKSEEK_IOC_CMD(BLKSEEK_IOC_STACK_SET):
		return blkseek_stack_set_ioctl(uarg);
	case BLKSEEK_IOC_CMD(BLKSEEK_IOC_THIN_ARM):
		return blkseek_thin_arm_ioctl(uarg);
	case BLKSEEK_IOC_CMD(BLKSEEK_IOC_THIN_SET):
		return blkseek_thin_set_ioctl(uarg);
	}
	return -ENOTTY;
}

static const struct file_operations blkseek_misc_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = blkseek_misc_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice blkseek_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "blkseek",
	.fops = &blkseek_misc_fops,
	.mode = 0444,
};

/**
 * blkseek_ioctl_register() - create /dev/blkseek
 *
 * Return: 0 or a negative errno from misc_register().
 */
int blkseek_ioctl_register(void)
{
	return misc_register(&blkseek_misc);
}

/**
 * blkseek_ioctl_unregister() - remove /dev/blkseek
 */
void blkseek_ioctl_unregister(void)
{
	misc_deregister(&blkseek_misc);
}
