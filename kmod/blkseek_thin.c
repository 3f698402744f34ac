// SPDX-License-Identifier: GPL-2.0
/*
 * Thin volumes (dm-thin).  The kernel exports none of dm-thin's metadata
 * lookups, so userspace (blkseek-stack) reads a thin volume's mapped
 * blocks from a metadata snapshot of its pool, and the module tracks the
 * writes the snapshot may have missed: a tracker armed before the
 * snapshot (BLKSEEK_IOC_THIN_ARM) marks, one bit per grain of thin
 * blocks, every write and write-zeroes bio dm remaps for the volume, as
 * the exported block_bio_remap tracepoint reports them.  A thin block is a
 * hole only where it is unmapped in the snapshot and its grain is not
 * marked.  Documentation/blkseek.rst, "Thin volumes (dm-thin)", has the
 * sequence and why no write can slip past.
 *
 * Trackers live in a hash by device number, read by the probe under RCU;
 * arming waits for a grace period, so that any remap the probe did not
 * see for the new tracker was over before the arm returned.  A tracker is
 * used by the thin mappings set with it (blkseek_stack_set_thin()); a
 * newer arm of the same disk supersedes it, and a superseded tracker that
 * no mapping uses leaves the hash and is freed after a grace period.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <trace/events/block.h>

#include "blkseek_ctx.h"
#include "blkseek_dev.h"
#include "blkseek_stack.h"
#include "blkseek_thin.h"
#include "blkseek_thin_map.h"

/**
 * struct blkseek_thin - a thin volume's write tracker
 * @hnode: in thin_hash, by @devt
 * @rcu: frees it after the probe can no longer see it
 * @devt: the volume's device number, as block_bio_remap reports it
 * @disk: the volume's disk, compared only
 * @diskseq: the disk's sequence number when armed
 * @cookie: names it to userspace
 * @users: thin mappings using it (under thin_lock)
 * @superseded: a newer arm of the same disk exists (under thin_lock)
 * @overflow: a write reached past @nr_blocks: everything is data
 * @sector_shift: log2 of 512-byte sectors per thin block
 * @grain_shift: log2 of thin blocks per grain (64: one grain)
 * @nr_blocks: thin blocks of the volume when armed
 * @nr_grains: bits in @bits
 * @bits: one per grain, set when a write reached it
 */
struct blkseek_thin {
	struct hlist_node hnode;
	struct rcu_head rcu;
	dev_t devt;
	const struct gendisk *disk;
	u64 diskseq;
	u64 cookie;
	unsigned int users;
	bool superseded;
	bool overflow;
	unsigned int sector_shift;
	unsigned int grain_shift;
	u64 nr_blocks;
	u64 nr_grains;
	unsigned long *bits;
};

static DEFINE_HASHTABLE(thin_hash, 6);
static DEFINE_SPINLOCK(thin_lock);
static u64 thin_cookie;
static bool thin_probing;

static u64 grain_of(const struct blkseek_thin *t, u64 block)
{
	return t->grain_shift >= 64 ? 0 : block >> t->grain_shift;
}

/* Mark the grains of sectors [@from, @from + @sectors) of @t's volume. */
static void thin_mark(struct blkseek_thin *t, sector_t from,
		      unsigned int sectors)
{
	u64 first = (u64)from >> t->sector_shift;
	u64 last = ((u64)from + sectors - 1) >> t->sector_shift;
	u64 g;

	if (last >= t->nr_blocks) {
		WRITE_ONCE(t->overflow, true);
		if (first >= t->nr_blocks)
			return;
		last = t->nr_blocks - 1;
	}
	for (g = grain_of(t, first); g <= grain_of(t, last); g++)
		set_bit(g, t->bits);
}

/*
 * block_bio_remap: dm_submit_bio_remap() reports every clone a dm target
 * issues, @dev the dm disk and @from the clone's sector on it.  Discards
 * only unmap blocks, and empty flushes write nothing; every other write
 * operation is marked.
 */
static void thin_remap_probe(void *data, struct bio *bio, dev_t dev,
			     sector_t from)
{
	unsigned int sectors = bio_sectors(bio);
	struct blkseek_thin *t;

	if (!op_is_write(bio->bi_opf) || bio_op(bio) == REQ_OP_DISCARD ||
	    !sectors)
		return;
	rcu_read_lock();
	hash_for_each_possible_rcu(thin_hash, t, hnode, dev)
		if (t->devt == dev)
			thin_mark(t, from, sectors);
	rcu_read_unlock();
}

static void thin_free_rcu(struct rcu_head *rcu)
{
	struct blkseek_thin *t = container_of(rcu, struct blkseek_thin, rcu);

	kvfree(t->bits);
	kfree(t);
}

/* Under thin_lock: drop @t from the hash if nothing needs it. */
static void thin_maybe_drop(struct blkseek_thin *t)
{
	lockdep_assert_held(&thin_lock);
	if (t->users || !t->superseded)
		return;
	hash_del_rcu(&t->hnode);
	call_rcu(&t->rcu, thin_free_rcu);
}

/**
 * blkseek_thin_unuse() - a thin mapping using @t is released
 * @t: the tracker
 */
void blkseek_thin_unuse(struct blkseek_thin *t)
{
	spin_lock(&thin_lock);
	t->users--;
	thin_maybe_drop(t);
	spin_unlock(&thin_lock);
}

/* The thin volume of fd @fd, referenced in *@upper; its bdev or ERR_PTR. */
static struct block_device *thin_volume(int fd, struct file **upper)
{
	struct block_device *bdev;
	struct file *f = fget(fd);

	if (!f)
		return ERR_PTR(-EBADF);
	*upper = f;
	if (!S_ISBLK(file_inode(f)->i_mode))
		return ERR_PTR(-ENOTBLK);
	if (!(f->f_mode & FMODE_READ))
		return ERR_PTR(-EBADF);
	bdev = I_BDEV(f->f_mapping->host);
	if (bdev_is_partition(bdev) ||
	    !blkseek_disk_made_by(bdev->bd_disk, "dm_mod"))
		return ERR_PTR(-EINVAL);
	if (!READ_ONCE(thin_probing) ||
	    !blkseek_stack_kind_watched(BLKSEEK_STACK_DM))
		return ERR_PTR(-EOPNOTSUPP);
	return bdev;
}

/**
 * blkseek_thin_arm_ioctl() - BLKSEEK_IOC_THIN_ARM
 * @ua: the user's struct blkseek_thin_arm
 *
 * Return: 0 with the cookie written back; -EPERM without CAP_SYS_ADMIN;
 * -EOPNOTSUPP when remaps or dm table swaps are not watched; -EINVAL,
 * -EBADF, -ENOTBLK, -E2BIG or -EFAULT for bad input; -ENOMEM.
 */
long blkseek_thin_arm_ioctl(struct blkseek_thin_arm __user *ua)
{
	struct blkseek_thin *t = NULL, *old;
	struct hlist_node *tmp;
	struct blkseek_thin_arm a;
	struct block_device *bdev;
	struct file *upper = NULL;
	unsigned int shift;
	u64 sectors;
	u32 usize;
	long err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (get_user(usize, &ua->size))
		return -EFAULT;
	if (usize < BLKSEEK_THIN_ARM_SIZE_VER0)
		return -EINVAL;
	err = copy_struct_from_user(&a, sizeof(a), ua, usize);
	if (err)
		return err;
	if (a.flags || a.reserved[0] || a.reserved[1] ||
	    blkseek_thin_block_shift(a.block_sectors, 9, &shift))
		return -EINVAL;
	bdev = thin_volume(a.fd, &upper);
	if (IS_ERR(bdev)) {
		err = PTR_ERR(bdev);
		goto out;
	}
	err = -ENOMEM;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		goto out;
	sectors = bdev_nr_sectors(bdev);
	t->sector_shift = shift;
	t->nr_blocks = (sectors + (1ULL << shift) - 1) >> shift;
	t->grain_shift = blkseek_thin_grain_shift(t->nr_blocks,
						  BLKSEEK_THIN_MAX_GRAINS);
	t->nr_grains = t->grain_shift >= 64 ? 1 :
		       (t->nr_blocks + (1ULL << t->grain_shift) - 1) >>
		       t->grain_shift;
	if (!t->nr_grains)
		t->nr_grains = 1;
	t->bits = kvcalloc(BITS_TO_LONGS(t->nr_grains), sizeof(long),
			   GFP_KERNEL);
	if (!t->bits)
		goto out;
	t->devt = disk_devt(bdev->bd_disk);
	t->disk = bdev->bd_disk;
	t->diskseq = bdev->bd_disk->diskseq;

	spin_lock(&thin_lock);
	t->cookie = ++thin_cookie;
	a.cookie = t->cookie;
	/* older trackers of the disk: dropped unless a mapping uses them */
	hash_for_each_possible_safe(thin_hash, old, tmp, hnode, t->devt) {
		if (old->devt != t->devt)
			continue;
		old->superseded = true;
		thin_maybe_drop(old);
	}
	hash_add_rcu(thin_hash, &t->hnode, t->devt);
	spin_unlock(&thin_lock);
	t = NULL;
	/* every remap the probe did not mark for it is over now */
	synchronize_rcu();
	err = copy_to_user(ua, &a, min_t(u32, usize, sizeof(a))) ? -EFAULT : 0;
out:
	if (t) {
		kvfree(t->bits);
		kfree(t);
	}
	if (upper)
		fput(upper);
	return err;
}

/* Under thin_lock: the tracker @cookie armed for @disk, or NULL. */
static struct blkseek_thin *thin_find(u64 cookie, const struct gendisk *disk)
{
	struct blkseek_thin *t;
	unsigned int bkt;

	lockdep_assert_held(&thin_lock);
	hash_for_each(thin_hash, bkt, t, hnode)
		if (t->cookie == cookie)
			return t->disk == disk &&
			       t->diskseq == disk->diskseq ? t : ERR_PTR(-EINVAL);
	return NULL;
}

/* Copy, check and join the user's extents for @t. */
static struct blkseek_thin_range *thin_ranges_take(const struct blkseek_thin_map *m,
						   const struct blkseek_thin *t,
						   unsigned int *n)
{
	struct blkseek_thin_range *r;
	size_t bytes;

	BUILD_BUG_ON(sizeof(*r) != sizeof(struct blkseek_thin_extent));
	*n = 0;
	if (!m->nr_extents)
		return NULL;
	bytes = array_size(m->nr_extents, sizeof(*r));
	r = kvmalloc(bytes, GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(r, u64_to_user_ptr(m->extents), bytes)) {
		kvfree(r);
		return ERR_PTR(-EFAULT);
	}
	if (blkseek_thin_ranges_check(r, m->nr_extents, t->nr_blocks)) {
		kvfree(r);
		return ERR_PTR(-EINVAL);
	}
	*n = blkseek_thin_ranges_merge(r, m->nr_extents);
	return r;
}

/**
 * blkseek_thin_set_ioctl() - BLKSEEK_IOC_THIN_SET
 * @um: the user's struct blkseek_thin_map
 *
 * Return: 0; -EPERM without CAP_SYS_ADMIN; -EAGAIN when the generation
 * moved or the tracker was superseded or is gone; -EOPNOTSUPP when remaps
 * or dm table swaps are not watched; -EINVAL, -EBADF, -ENOTBLK, -E2BIG or
 * -EFAULT for bad input; -ENOMEM.  Nothing changes on error.
 */
long blkseek_thin_set_ioctl(struct blkseek_thin_map __user *um)
{
	struct blkseek_thin_range *r = NULL;
	struct blkseek_thin *t = NULL;
	struct blkseek_thin_map m;
	struct block_device *bdev;
	struct file *upper = NULL;
	unsigned int n = 0;
	u32 usize;
	long err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (get_user(usize, &um->size))
		return -EFAULT;
	if (usize < BLKSEEK_THIN_MAP_SIZE_VER0)
		return -EINVAL;
	err = copy_struct_from_user(&m, sizeof(m), um, usize);
	if (err)
		return err;
	if (m.flags || m.reserved[0] || m.reserved[1])
		return -EINVAL;
	if (m.nr_extents > BLKSEEK_THIN_MAX_RANGES)
		return -E2BIG;
	bdev = thin_volume(m.fd, &upper);
	if (IS_ERR(bdev)) {
		err = PTR_ERR(bdev);
		goto out;
	}
	spin_lock(&thin_lock);
	t = thin_find(m.cookie, bdev->bd_disk);
	if (IS_ERR(t)) {
		err = PTR_ERR(t);
		t = NULL;
	} else if (!t || t->superseded) {
		err = -EAGAIN;
		t = NULL;
	} else {
		t->users++;	/* keeps it hashed while unlocked */
	}
	spin_unlock(&thin_lock);
	if (!t)
		goto out;
	r = thin_ranges_take(&m, t, &n);
	if (IS_ERR(r)) {
		err = PTR_ERR(r);
		r = NULL;
		goto out;
	}
	err = blkseek_stack_set_thin(bdev->bd_disk, m.generation, t, r, n);
	if (!err) {
		t = NULL;	/* the mapping owns the use and the ranges */
		r = NULL;
	}
out:
	if (t)
		blkseek_thin_unuse(t);
	kvfree(r);
	if (upper)
		fput(upper);
	return err;
}

/* &struct blkseek_thin_view written callback: @ctx is the tracker. */
static bool thin_written(void *ctx, u64 grain)
{
	const struct blkseek_thin *t = ctx;

	return READ_ONCE(t->overflow) || grain >= t->nr_grains ||
	       test_bit(grain, t->bits);
}

/* &struct blkseek_source fetch for a thin volume; @ctx is its context. */
static int thin_fetch(void *ctx, u64 lba, struct blkseek_run *runs,
		      unsigned int max_runs)
{
	struct blkseek_ctx *c = ctx;
	const struct blkseek_stack *st = c->fwd.st;
	struct blkseek_thin *t = st->thin;
	struct blkseek_thin_view v = {
		.ranges = st->thin_ranges,
		.nr_ranges = st->nr_thin_ranges,
		.nr_blocks = t->nr_blocks,
		.grain_shift = t->grain_shift,
		.written = thin_written,
		.ctx = t,
		.nr_lbas = (c->geom.base + c->geom.size) >> c->geom.lbs_shift,
	};

	if (blkseek_thin_block_shift(1U << t->sector_shift, c->geom.lbs_shift,
				     &v.block_shift))
		return -EINVAL;
	return blkseek_thin_fetch(&v, lba, runs, max_runs);
}

/**
 * blkseek_thin_begin() - answer a thin volume from its mapping
 * @c: the context blkseek_forward_begin() is filling
 * @st: the volume's mapping, with a tracker
 */
void blkseek_thin_begin(struct blkseek_ctx *c, struct blkseek_stack *st)
{
	c->src.fetch = thin_fetch;
	c->src.ctx = c;
}

/**
 * blkseek_thin_start() - attach the probe to block_bio_remap
 *
 * Return: 0; without the probe no thin volume is given a mapping.
 */
int blkseek_thin_start(void)
{
	int err = register_trace_block_bio_remap(thin_remap_probe, NULL);

	if (err)
		pr_warn("thin volumes not answered: cannot attach to block_bio_remap (%d)\n",
			err);
	else
		WRITE_ONCE(thin_probing, true);
	return 0;
}

/**
 * blkseek_thin_stop() - detach the probe and free the trackers; the
 * mappings using them are dropped already (blkseek_stack_exit())
 */
void blkseek_thin_stop(void)
{
	struct blkseek_thin *t;
	struct hlist_node *tmp;
	unsigned int bkt;

	if (READ_ONCE(thin_probing)) {
		unregister_trace_block_bio_remap(thin_remap_probe, NULL);
		tracepoint_synchronize_unregister();
		WRITE_ONCE(thin_probing, false);
	}
	spin_lock(&thin_lock);
	hash_for_each_safe(thin_hash, bkt, tmp, t, hnode) {
		hash_del_rcu(&t->hnode);
		call_rcu(&t->rcu, thin_free_rcu);
	}
	spin_unlock(&thin_lock);
	rcu_barrier();
}
