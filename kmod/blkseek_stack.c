// SPDX-License-Identifier: GPL-2.0
/*
 * Mappings of stacked devices (dm-linear, dm-multipath, loop) onto their
 * lower devices, as told by userspace (BLKSEEK_IOC_STACK_SET).
 *
 * The kernel exports no way to read a dm table or a loop's backing file,
 * so userspace reads them and tells them here.  A mapping is never used
 * once what it was read from may have changed:
 *  - the functions that change a dm table, a loop's status or remove a
 *    disk are watched (blkseek_stack_watch.c).  On entry, before they
 *    change anything, every mapping of that kind (or of that disk) is
 *    marked stale, the generation is bumped and a change is in progress;
 *    on return it is no longer in progress;
 *  - userspace reads the generation first, then the mapping, and sets it
 *    with that generation: it is refused (EAGAIN) if the generation moved
 *    or a change is in progress, so a mapping read across any part of a
 *    change is never accepted;
 *  - an answer takes a reference on the mapping and checks, after its
 *    walk, that the mapping was not marked stale meanwhile; if it was,
 *    the whole answer is data (blkseek_forward.c).
 * A stale mapping is replaced by a tombstone that answers "all data"
 * until userspace sets the new mapping; its lower files are released.
 * A removed disk's mapping is dropped.  A mapping is used only for the
 * disk and sequence number it was set for: a disk whose media changed
 * (its diskseq moved, as LOOP_CHANGE_FD does) has none until it is set
 * again, which drops the disk's older ones.  The disk pointer is only
 * compared, never followed: del_gendisk() drops every mapping of a disk
 * before its memory can be reused.
 */

#include <linux/blkdev.h>
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <linux/blkseek_stack.h>

#include "blkseek_dev.h"
#include "blkseek_lun.h"
#include "blkseek_stack.h"
#include "blkseek_stats.h"
#include "blkseek_thin.h"

static LIST_HEAD(stacks);
static DEFINE_SPINLOCK(stack_lock);
static u64 stack_generation;
static unsigned int stack_changing;
/* BLKSEEK_STACK_* whose changes are watched, told by the watch */
static unsigned int stack_armed;

static void stack_reap(struct work_struct *work);
static DECLARE_WORK(reap_work, stack_reap);

static void stack_release(struct kref *ref)
{
	struct blkseek_stack *st = container_of(ref, struct blkseek_stack, ref);
	unsigned int i, j;

	for (i = 0; i < st->nr_segs; i++)
		for (j = 0; j < st->segs[i].nr_paths; j++)
			fput(st->segs[i].paths[j]);
	if (st->counted)
		blkseek_count_add(st->thin ? BLKSEEK_STAT_THIN_MAPPINGS :
				  BLKSEEK_STAT_STACK_MAPPINGS, -1);
	if (st->thin)
		blkseek_thin_unuse(st->thin);
	kvfree(st->thin_ranges);
	kvfree(st);
}

/**
 * blkseek_stack_put() - drop a reference taken by blkseek_stack_get()
 * @st: the mapping
 */
void blkseek_stack_put(struct blkseek_stack *st)
{
	kref_put(&st->ref, stack_release);
}

/**
 * blkseek_stack_get() - the mapping set for a disk
 * @disk: the upper disk
 *
 * The caller asks the watch whether the mapping's kind is still sound
 * (blkseek_stack_watch_sound()): a miss is counted by kprobes, which tells
 * no one.
 *
 * Return: a referenced mapping (stale or not), or NULL when none is set.
 */
struct blkseek_stack *blkseek_stack_get(struct gendisk *disk)
{
	struct blkseek_stack *st, *found = NULL;

	spin_lock(&stack_lock);
	list_for_each_entry(st, &stacks, node) {
		if (st->disk == disk && st->diskseq == disk->diskseq &&
		    !st->gone) {
			kref_get(&st->ref);
			found = st;
			break;
		}
	}
	spin_unlock(&stack_lock);
	return found;
}

/**
 * blkseek_stack_watched() - the kinds whose changes the watch sees now
 * @armed: BLKSEEK_STACK_* bits
 *
 * Told by the watch (blkseek_stack_watch.c) whenever it arms or disarms a
 * module's probes.  Mappings are accepted only for these kinds.
 */
void blkseek_stack_watched(unsigned int armed)
{
	WRITE_ONCE(stack_armed, armed);
}

/* Whether a change of @kind or of @disk (when not NULL) may change @st. */
static bool stack_touched_by(const struct blkseek_stack *st, unsigned int kind,
			     const struct gendisk *disk)
{
	return disk ? st->disk == disk : st->kind & kind;
}

/**
 * blkseek_stack_change_begin() - a change of stacked devices starts
 * @kind: BLKSEEK_STACK_* whose mappings it may change, when @disk is NULL
 * @disk: the one disk whose mapping it may change, or NULL for all of @kind
 * @gone: @disk is being removed: its mappings are dropped
 *
 * Only the mapping of the disk that changes is marked stale: the mappings
 * of devices stacked on it are read from their own tables, which did not
 * change, and their answers ask it through its own mapping, checked on
 * every answer (blkseek_file_extents()).
 *
 * Called by the watch before the change takes effect, in atomic context.
 */
void blkseek_stack_change_begin(unsigned int kind, const struct gendisk *disk,
				bool gone)
{
	struct blkseek_stack *st;
	bool reap = false;

	spin_lock(&stack_lock);
	stack_generation++;
	stack_changing++;
	list_for_each_entry(st, &stacks, node) {
		if (gone && st->disk == disk) {
			WRITE_ONCE(st->stale, true);
			st->gone = true;
			reap = true;
		} else if (!gone && !st->stale &&
			   stack_touched_by(st, kind, disk)) {
			WRITE_ONCE(st->stale, true);
			blkseek_count(BLKSEEK_STAT_STACK_STALE);
			reap |= st->nr_segs > 0 || st->thin;
		}
	}
	spin_unlock(&stack_lock);
	if (reap)
		schedule_work(&reap_work);
}

/**
 * blkseek_stack_change_end() - a change begun by blkseek_stack_change_begin()
 * has returned
 */
void blkseek_stack_change_end(void)
{
	spin_lock(&stack_lock);
	stack_generation++;
	stack_changing--;
	spin_unlock(&stack_lock);
}

/* Unlink @st and replace it by @tomb (or nothing); @st moves to @dead. */
static void stack_unlink(struct blkseek_stack *st, struct blkseek_stack *tomb,
			 struct list_head *dead)
{
	if (tomb) {
		tomb->disk = st->disk;
		tomb->diskseq = st->diskseq;
		tomb->devt = st->devt;
		tomb->kind = st->kind;
		tomb->stale = true;
		list_replace(&st->node, &tomb->node);
	} else {
		list_del(&st->node);
	}
	list_add(&st->node, dead);
}

/* Put every mapping of @list (unlinked from the registry), emptying it. */
static void stack_put_all(struct list_head *list)
{
	struct blkseek_stack *st, *tmp;

	list_for_each_entry_safe(st, tmp, list, node) {
		list_del(&st->node);
		blkseek_stack_put(st);
	}
}

/*
 * Release the lower files of stale mappings (a tombstone takes their
 * place) and drop removed disks' mappings.
 */
static void stack_reap(struct work_struct *work)
{
	struct blkseek_stack *st, *tmp, *tomb;
	LIST_HEAD(dead);
	bool again;

	do {
		again = false;
		tomb = kzalloc(sizeof(*tomb), GFP_KERNEL);
		if (tomb)
			kref_init(&tomb->ref);
		spin_lock(&stack_lock);
		list_for_each_entry_safe(st, tmp, &stacks, node) {
			if (st->gone) {
				stack_unlink(st, NULL, &dead);
			} else if (st->stale && (st->nr_segs || st->thin)) {
				if (!tomb) {
					/* keep it, stale, until memory is there */
					continue;
				}
				stack_unlink(st, tomb, &dead);
				tomb = NULL;
				again = true;
			}
		}
		spin_unlock(&stack_lock);
		kfree(tomb);
		stack_put_all(&dead);
	} while (again);
}

/**
 * blkseek_stack_gen_ioctl() - BLKSEEK_IOC_STACK_GEN
 * @ugen: the user's struct blkseek_stack_gen
 *
 * Return: 0 or -EFAULT.
 */
long blkseek_stack_gen_ioctl(struct blkseek_stack_gen __user *ugen)
{
	struct blkseek_stack_gen g = { };

	spin_lock(&stack_lock);
	g.generation = stack_generation;
	g.changing = stack_changing;
	spin_unlock(&stack_lock);
	g.armed = READ_ONCE(stack_armed);
	return copy_to_user(ugen, &g, sizeof(g)) ? -EFAULT : 0;
}

/* The disk's kind, as the driver that made it says; 0 when neither. */
static unsigned int disk_kind(struct gendisk *disk)
{
	if (blkseek_disk_made_by(disk, "dm_mod"))
		return BLKSEEK_STACK_DM;
	if (blkseek_disk_made_by(disk, "loop"))
		return BLKSEEK_STACK_LOOP;
	return 0;
}

/* The disk a lower path is on; NULL for a regular file. */
static const struct gendisk *path_disk(struct file *f)
{
	if (!S_ISBLK(file_inode(f)->i_mode))
		return NULL;
	return I_BDEV(f->f_mapping->host)->bd_disk;
}

/* Whether a mapping's lower files hold references that may be followed. */
static bool stack_holds(const struct blkseek_stack *st)
{
	return !st->gone && !READ_ONCE(st->stale) && st->nr_segs;
}

/* Whether @st has a lower path on @disk. */
static bool stack_uses(const struct blkseek_stack *st,
		       const struct gendisk *disk)
{
	unsigned int i, j;

	for (i = 0; i < st->nr_segs; i++)
		for (j = 0; j < st->segs[i].nr_paths; j++)
			if (path_disk(st->segs[i].paths[j]) == disk)
				return true;
	return false;
}

static int chain_below(const struct blkseek_stack *st,
		       const struct gendisk *upper, unsigned int depth,
		       u64 walk);

/*
 * The most mapped devices in a chain from @disk downwards, or -ELOOP when
 * one of them is @upper or the chain is too long.  Under stack_lock.
 */
static int chain_below_disk(const struct gendisk *disk,
			    const struct gendisk *upper, unsigned int depth,
			    u64 walk)
{
	struct blkseek_stack *st;
	int most = 0;

	if (disk == upper)
		return -ELOOP;
	list_for_each_entry(st, &stacks, node) {
		if (st->disk != disk || !stack_holds(st))
			continue;
		if (st->walk_down != walk) {
			st->below = chain_below(st, upper, depth, walk);
			st->walk_down = walk;
		}
		if (st->below < 0)
			return st->below;
		most = max(most, st->below);
	}
	return most;
}

/*
 * The most mapped devices in a chain from @st downwards, @st included, or
 * -ELOOP.  The registry holds no cycle (each mapping was checked when it
 * was set), so @depth bounds the recursion only against a longer chain.
 */
static int chain_below(const struct blkseek_stack *st,
		       const struct gendisk *upper, unsigned int depth,
		       u64 walk)
{
	const struct gendisk *disk, *last = NULL;
	unsigned int i, j;
	int most = 0, n;

	if (depth >= BLKSEEK_STACK_MAX_DEPTH)
		return -ELOOP;
	for (i = 0; i < st->nr_segs; i++) {
		for (j = 0; j < st->segs[i].nr_paths; j++) {
			disk = path_disk(st->segs[i].paths[j]);
			if (!disk || disk == last)
				continue;
			last = disk;
			n = chain_below_disk(disk, upper, depth + 1, walk);
			if (n < 0)
				return n;
			most = max(most, n);
		}
	}
	return most + 1;
}

/*
 * The most mapped devices in a chain stacked on @disk, @disk excluded, or
 * -ELOOP when that chain is too long; @depth of them are above the disk
 * checked and below @disk.  Under stack_lock.
 */
static int chain_above(const struct gendisk *disk, unsigned int depth,
		       u64 walk)
{
	struct blkseek_stack *st;
	int most = 0;

	if (depth > BLKSEEK_STACK_MAX_DEPTH)
		return -ELOOP;
	list_for_each_entry(st, &stacks, node) {
		if (st->disk == disk || !stack_holds(st) ||
		    !stack_uses(st, disk))
			continue;
		if (st->walk_up != walk) {
			st->above = chain_above(st->disk, depth + 1, walk);
			st->walk_up = walk;
		}
		if (st->above < 0)
			return st->above;
		most = max(most, st->above + 1);
	}
	return most;
}

/*
 * Whether @st, set for @upper, keeps every chain of mapped devices through
 * it acyclic and at most BLKSEEK_STACK_MAX_DEPTH long: 0 or -ELOOP.  A
 * cycle would have the devices hold each other open for good.  Under
 * stack_lock, so that no other mapping set at the same time can close one.
 */
static int stack_chain_check(const struct blkseek_stack *st,
			     const struct gendisk *upper)
{
	static u64 walk;
	int below, above;

	lockdep_assert_held(&stack_lock);
	walk++;
	below = chain_below(st, upper, 0, walk);
	if (below < 0)
		return below;
	above = chain_above(upper, 0, walk);
	if (above < 0 || above + below > BLKSEEK_STACK_MAX_DEPTH)
		return -ELOOP;
	return 0;
}

/*
 * Whether the paths of @seg, failed ones included, are paths of one LUN,
 * as far as their SCSI devices say (blkseek_lun.c): only then does a write
 * through any of them change the reply cache of the one asked.  Every two
 * are compared (an unknown identity matches any, so matching is not
 * transitive).  A path that is not an sd disk has no identity blkseek can
 * read, nor commands it sees.
 */
static bool paths_one_lun(const struct blkseek_seg *seg)
{
	struct blkseek_lun lun[BLKSEEK_STACK_MAX_PATHS];
	unsigned int i, j;

	for (i = 0; i < seg->nr_paths; i++) {
		struct blkseek_target t;

		if (!S_ISBLK(file_inode(seg->paths[i])->i_mode) ||
		    blkseek_target_get(seg->paths[i], &t))
			return false;
		if (!t.sdev)
			return false;
		blkseek_lun_of_sdev(t.sdev, &lun[i]);
		blkseek_target_put(&t);
		for (j = 0; j < i; j++)
			if (!blkseek_lun_may_match(&lun[i], &lun[j]))
				return false;
	}
	return true;
}

/*
 * Take the lower files of one segment of an upper device of @size bytes;
 * the caller puts what was taken.  The last paths of a dm segment may be
 * failed ones (BLKSEEK_STACK_SEG_FAILED()): never asked; with all failed
 * the segment is data (path_pick() finds none).
 */
static int segment_take(struct blkseek_seg *seg,
			const struct blkseek_stack_segment *us,
			unsigned int kind, u64 size)
{
	unsigned int failed = (us->flags & BLKSEEK_STACK_SEG_FAILED_MASK) >>
			      BLKSEEK_STACK_SEG_FAILED_SHIFT;
	unsigned int i;

	if (!us->length || (us->flags & ~BLKSEEK_STACK_SEG_FAILED_MASK) ||
	    failed > us->nr_paths || (failed && kind != BLKSEEK_STACK_DM) ||
	    !us->nr_paths || us->nr_paths > BLKSEEK_STACK_MAX_PATHS ||
	    (us->start | us->length) & (SECTOR_SIZE - 1) ||
	    us->start >= size || us->length > size - us->start ||
	    us->lower_offset + us->length < us->lower_offset)
		return -EINVAL;
	seg->start = us->start;
	seg->length = us->length;
	seg->lower_offset = us->lower_offset;
	for (i = 0; i < us->nr_paths; i++) {
		struct file *f = fget(us->path_fds[i]);
		umode_t mode;

		if (!f)
			return -EBADF;
		seg->paths[seg->nr_paths++] = f;
		mode = file_inode(f)->i_mode;
		if (!(f->f_mode & FMODE_READ))
			return -EBADF;
		/* a loop's backing file may be a regular file, once */
		if (!S_ISBLK(mode) &&
		    !(S_ISREG(mode) && kind == BLKSEEK_STACK_LOOP &&
		      us->nr_paths == 1))
			return -EINVAL;
		/* a file may grow; a block device's range must be there */
		if (S_ISBLK(mode) && us->lower_offset + us->length >
		    bdev_nr_bytes(I_BDEV(f->f_mapping->host)))
			return -EINVAL;
	}
	seg->nr_ask = us->nr_paths - failed;
	seg->one_lun = us->nr_paths == 1 || paths_one_lun(seg);
	return 0;
}

static struct blkseek_stack *map_take(const struct blkseek_stack_map *m,
				      unsigned int kind, u64 size)
{
	struct blkseek_stack_segment __user *useg = u64_to_user_ptr(m->segments);
	struct blkseek_stack_segment us;
	struct blkseek_stack *st;
	unsigned int i;
	int err = 0;

	st = kvzalloc(struct_size(st, segs, m->nr_segments), GFP_KERNEL);
	if (!st)
		return ERR_PTR(-ENOMEM);
	kref_init(&st->ref);
	st->kind = kind;
	for (i = 0; i < m->nr_segments && !err; i++) {
		if (copy_from_user(&us, &useg[i], sizeof(us))) {
			err = -EFAULT;
			break;
		}
		st->nr_segs = i + 1;
		err = segment_take(&st->segs[i], &us, kind, size);
		if (!err && i && us.start < st->segs[i - 1].start +
					   st->segs[i - 1].length)
			err = -EINVAL;
	}
	if (err) {
		blkseek_stack_put(st);
		return ERR_PTR(err);
	}
	st->counted = true;
	blkseek_count(BLKSEEK_STAT_STACK_MAPPINGS);
	return st;
}

/*
 * Insert @st for @disk (or clear when NULL) if @generation still holds and
 * no chain of mappings through it would be a cycle or too long.
 */
static int stack_install(struct gendisk *disk, u64 generation,
			 struct blkseek_stack *st)
{
	struct blkseek_stack *old, *tmp;
	LIST_HEAD(dead);
	int err = 0;

	spin_lock(&stack_lock);
	if (stack_changing || generation != stack_generation ||
	    !disk_live(disk))
		err = -EAGAIN;
	else if (st)
		err = stack_chain_check(st, disk);
	if (!err) {
		/* the disk's mappings under any sequence number it had */
		list_for_each_entry_safe(old, tmp, &stacks, node)
			if (old->disk == disk)
				stack_unlink(old, NULL, &dead);
		if (st) {
			st->disk = disk;
			st->diskseq = disk->diskseq;
			st->devt = disk_devt(disk);
			list_add(&st->node, &stacks);
		}
	}
	spin_unlock(&stack_lock);
	stack_put_all(&dead);
	return err;
}

/**
 * blkseek_stack_set_ioctl() - BLKSEEK_IOC_STACK_SET
 * @um: the user's struct blkseek_stack_map
 *
 * Return: 0; -EPERM without CAP_SYS_ADMIN; -EAGAIN when the generation
 * moved; -EOPNOTSUPP when changes of that kind are not watched; -ELOOP
 * when a chain of mappings through it would be a cycle or longer than
 * BLKSEEK_STACK_MAX_DEPTH; -EINVAL, -EBADF, -ENOTBLK, -E2BIG, -EFAULT or
 * -ENOMEM for bad input (see the uapi header).  Nothing changes on error.
 */
long blkseek_stack_set_ioctl(struct blkseek_stack_map __user *um)
{
	struct blkseek_stack *st = NULL;
	struct blkseek_stack_map m;
	struct block_device *bdev;
	struct file *upper;
	u32 usize;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (get_user(usize, &um->size))
		return -EFAULT;
	if (usize < BLKSEEK_STACK_MAP_SIZE_VER0)
		return -EINVAL;
	err = copy_struct_from_user(&m, sizeof(m), um, usize);
	if (err)
		return err;
	if (m.reserved[0] || m.reserved[1] ||
	    m.nr_segments > BLKSEEK_STACK_MAX_SEGMENTS ||
	    (m.kind != BLKSEEK_STACK_DM && m.kind != BLKSEEK_STACK_LOOP))
		return -EINVAL;
	upper = fget(m.fd);
	if (!upper)
		return -EBADF;
	err = -ENOTBLK;
	if (!S_ISBLK(file_inode(upper)->i_mode))
		goto out;
	bdev = I_BDEV(upper->f_mapping->host);
	err = -EINVAL;
	if (bdev_is_partition(bdev) || disk_kind(bdev->bd_disk) != m.kind)
		goto out;
	err = -EOPNOTSUPP;
	if (!(READ_ONCE(stack_armed) & m.kind))
		goto out;
	if (m.nr_segments) {
		st = map_take(&m, m.kind, bdev_nr_bytes(bdev));
		if (IS_ERR(st)) {
			err = PTR_ERR(st);
			goto out;
		}
	}
	err = stack_install(bdev->bd_disk, m.generation, st);
	if (err && st)
		blkseek_stack_put(st);
out:
	fput(upper);
	return err;
}

/**
 * blkseek_stack_kind_watched() - whether mappings of a kind may be set
 * @kind: BLKSEEK_STACK_*
 *
 * Return: true while the watch sees every change of @kind.
 */
bool blkseek_stack_kind_watched(unsigned int kind)
{
	return READ_ONCE(stack_armed) & kind;
}

/**
 * blkseek_stack_set_thin() - set a thin volume's mapping
 * @disk: the thin volume's disk (a dm disk)
 * @generation: the generation its table was read under
 * @thin: its tracker, a use taken by the caller (blkseek_thin_use())
 * @ranges: the mapped thin blocks, checked and merged, from kvmalloc()
 * @n: entries in @ranges
 *
 * On success the mapping owns @ranges and the use of @thin; on error the
 * caller keeps both.  The mapping is a dm one: a swap of @disk's table
 * marks it stale, as any dm mapping.
 *
 * Return: 0, -EAGAIN when the generation moved, or -ENOMEM.
 */
int blkseek_stack_set_thin(struct gendisk *disk, u64 generation,
			   struct blkseek_thin *thin,
			   struct blkseek_thin_range *ranges, unsigned int n)
{
	struct blkseek_stack *st = kzalloc(sizeof(*st), GFP_KERNEL);
	int err;

	if (!st)
		return -ENOMEM;
	kref_init(&st->ref);
	st->kind = BLKSEEK_STACK_DM;
	st->thin = thin;
	st->thin_ranges = ranges;
	st->nr_thin_ranges = n;
	/* counted before it can be dropped, so the gauge never goes below 0 */
	st->counted = true;
	blkseek_count(BLKSEEK_STAT_THIN_MAPPINGS);
	err = stack_install(disk, generation, st);
	if (err) {
		blkseek_count_add(BLKSEEK_STAT_THIN_MAPPINGS, -1);
		kfree(st);
		return err;
	}
	blkseek_count(BLKSEEK_STAT_THIN_TELLS);
	return 0;
}

/*
 * /sys/module/blkseek/stale_mappings: "MAJ:MIN" of each disk whose mapping
 * is stale (a tombstone, or stale and not yet replaced by one), so that
 * blkseek-stack tells those again without asking every dm and loop disk;
 * "all" alone when they do not fit in the page.
 */
static ssize_t stale_mappings_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	struct blkseek_stack *st;
	ssize_t len = 0;

	spin_lock(&stack_lock);
	list_for_each_entry(st, &stacks, node) {
		if (!READ_ONCE(st->stale) || st->gone)
			continue;
		if (len > PAGE_SIZE - 32) {
			len = sysfs_emit(buf, "all\n");
			break;
		}
		len += sysfs_emit_at(buf, len, "%u:%u\n", MAJOR(st->devt),
				     MINOR(st->devt));
	}
	spin_unlock(&stack_lock);
	return len;
}

static struct kobj_attribute stale_mappings_attr = __ATTR_RO(stale_mappings);

/**
 * blkseek_stack_register() - create /sys/module/blkseek/stale_mappings
 * @parent: the module's kobject
 *
 * Return: 0 or a negative errno.
 */
int blkseek_stack_register(struct kobject *parent)
{
	return sysfs_create_file(parent, &stale_mappings_attr.attr);
}

/**
 * blkseek_stack_unregister() - remove it
 * @parent: the module's kobject
 */
void blkseek_stack_unregister(struct kobject *parent)
{
	sysfs_remove_file(parent, &stale_mappings_attr.attr);
}

/**
 * blkseek_stack_exit() - drop every mapping; the watch is off already
 */
void blkseek_stack_exit(void)
{
	flush_work(&reap_work);
	stack_put_all(&stacks);
}
