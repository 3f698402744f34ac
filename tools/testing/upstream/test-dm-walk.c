// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of the series' block and dm patches: bdev_seek_hole_data()
 * (block/fops.c), dm_blk_seek_hole_data() (drivers/md/dm.c) and
 * linear_seek_hole_data() (drivers/md/dm-linear.c), cut out of the patched
 * tree by host-tests.sh into dm-walk-cut.h and compiled with the few
 * kernel structures they use.  Below them a model disk answers exactly
 * from a map of 512-byte blocks.  Random dm tables of linear targets (onto
 * the disk or onto a partition of it), targets without the method (as
 * zero or crypt) and targets whose method fails, seen whole or through a
 * partition of the dm device, are asked SEEK_DATA and SEEK_HOLE at random
 * offsets; each answer must equal the ground truth composed from the
 * table, where a target without the method or failing is data.
 * Prints TAP; exits 1 on a failure.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-sd-shim.h"

typedef u64 sector_t;
#define SEEK_DATA 3
#define SEEK_HOLE 4
#define SECTOR_SHIFT 9
#define EXPORT_SYMBOL_GPL(sym)
#define WARN_ON_ONCE(c) (c)
#define min(a, b) ((a) < (b) ? (a) : (b))

struct gendisk;
struct block_device_operations {
	loff_t (*seek_hole_data)(struct gendisk *disk, loff_t pos, loff_t end,
				 int whence);
};
struct gendisk {
	const struct block_device_operations *fops;
	void *private_data;
};
struct block_device {
	struct gendisk *bd_disk;
	sector_t bd_start_sect;
	loff_t nr_bytes;
	struct address_space *bd_mapping;
};

/* the model disk: 512-byte blocks, exact answers */
#define DISK_BLOCKS 4096
static bool disk_hole[DISK_BLOCKS];

/*
 * A page cache of the model disk (or a partition of it) holding
 * [dirty_start, dirty_end) dirty: written back, those blocks become data
 */
struct address_space {
	struct block_device *bdev;
	loff_t dirty_start, dirty_end;
};
static unsigned int writebacks;

static inline bool filemap_range_needs_writeback(struct address_space *m,
						 loff_t start, loff_t end)
{
	return m && m->dirty_start < m->dirty_end && m->dirty_start <= end &&
	       start < m->dirty_end;
}

static inline int filemap_write_and_wait_range(struct address_space *m,
					       loff_t start, loff_t end)
{
	loff_t base = (loff_t)m->bdev->bd_start_sect << 9, b;

	for (b = m->dirty_start; b < m->dirty_end; b += 512)
		disk_hole[(base + b) >> 9] = false;
	m->dirty_start = m->dirty_end = 0;
	writebacks++;
	return 0;
}

static loff_t bdev_nr_bytes(struct block_device *bdev)
{
	return bdev->nr_bytes;
}

struct dm_target;
struct target_type {
	loff_t (*seek_hole_data)(struct dm_target *ti, loff_t pos, loff_t end,
				 int whence);
};
struct dm_target {
	sector_t begin;
	sector_t len;
	struct target_type *type;
	void *private;
};
struct dm_table {
	unsigned int num_targets;
	struct dm_target *targets;
};
struct mapped_device {
	struct dm_table *map;
	bool suspended;
};
struct dm_dev {
	struct block_device *bdev;
};
struct linear_c {
	struct dm_dev *dev;
	sector_t start;
};

static struct dm_target *dm_table_get_target(struct dm_table *t, unsigned int i)
{
	return t->targets + i;
}

static inline struct dm_target *dm_table_find_target(struct dm_table *t,
						     sector_t sector)
{
	unsigned int i;

	for (i = 0; i < t->num_targets; i++)
		if (sector < t->targets[i].begin + t->targets[i].len)
			return t->targets + i;
	return NULL;
}

static inline sector_t dm_table_get_size(struct dm_table *t)
{
	struct dm_target *last = t->targets + t->num_targets - 1;

	return t->num_targets ? last->begin + last->len : 0;
}

static inline bool dm_suspended_md(struct mapped_device *md)
{
	return md->suspended;
}

#define current NULL
static inline bool fatal_signal_pending(void *task)
{
	return false;
}

static int srcu_held;

static struct dm_table *dm_get_live_table(struct mapped_device *md, int *idx)
{
	srcu_held++;
	*idx = 0;
	return md->map;
}

static void dm_put_live_table(struct mapped_device *md, int idx)
{
	srcu_held--;
}

#include "dm-walk-cut.h"

static loff_t model_seek(struct gendisk *disk, loff_t pos, loff_t end,
			 int whence)
{
	loff_t b;

	for (b = pos >> 9; b << 9 < end; b++)
		if (disk_hole[b] == (whence == SEEK_HOLE))
			return b << 9 > pos ? b << 9 : pos;
	return end;
}

static loff_t failing_seek(struct dm_target *ti, loff_t pos, loff_t end,
			   int whence)
{
	return -EIO;
}

static const struct block_device_operations model_fops = {
	.seek_hole_data = model_seek,
};
static const struct block_device_operations dm_fops = {
	.seek_hole_data = dm_blk_seek_hole_data,
};
static struct target_type linear_type = {
	.seek_hole_data = linear_seek_hole_data,
};
static struct target_type no_method_type;
static struct target_type failing_type = {
	.seek_hole_data = failing_seek,
};

static struct gendisk model_disk = { .fops = &model_fops };
static struct block_device model_whole = { .bd_disk = &model_disk,
					    .nr_bytes = DISK_BLOCKS << 9 };
static struct block_device model_part;	/* a partition of the model disk */
static struct dm_dev dev_whole = { .bdev = &model_whole };
static struct dm_dev dev_part = { .bdev = &model_part };

#define MAX_TARGETS 8
#define DM_BLOCKS (MAX_TARGETS * 1000)
static struct dm_target targets[MAX_TARGETS];
static struct linear_c lcs[MAX_TARGETS];
static struct dm_table table = { .targets = targets };
static struct mapped_device md = { .map = &table };
static struct gendisk dm_disk = { .fops = &dm_fops, .private_data = &md };
static bool dm_hole[DM_BLOCKS];		/* the truth of the dm device */
static sector_t dm_blocks;

static void random_setup(void)
{
	sector_t b = 0, pstart, plen;
	unsigned int i, n;

	for (b = 0; b < DISK_BLOCKS; ) {
		sector_t len = 1 + rand() % 64;
		bool hole = rand() % 2;

		while (len-- && b < DISK_BLOCKS)
			disk_hole[b++] = hole;
	}
	pstart = rand() % 1024;
	plen = 1 + rand() % (DISK_BLOCKS - pstart - 1);
	model_part.bd_disk = &model_disk;
	model_part.bd_start_sect = pstart;
	model_part.nr_bytes = plen << 9;

	n = 1 + rand() % MAX_TARGETS;
	dm_blocks = 0;
	for (i = 0; i < n; i++) {
		struct dm_target *ti = &targets[i];
		int kind = rand() % 6;
		bool on_part = rand() % 2;
		sector_t room = on_part ? plen : DISK_BLOCKS;

		ti->begin = dm_blocks;
		ti->len = 1 + rand() % min((sector_t)1000, room);
		ti->private = NULL;
		if (kind < 4) {
			lcs[i].dev = on_part ? &dev_part : &dev_whole;
			lcs[i].start = rand() % (room - ti->len + 1);
			ti->type = &linear_type;
			ti->private = &lcs[i];
			for (b = 0; b < ti->len; b++)
				dm_hole[ti->begin + b] =
					disk_hole[(on_part ? pstart : 0) + lcs[i].start + b];
		} else {
			ti->type = kind == 4 ? &no_method_type : &failing_type;
			for (b = 0; b < ti->len; b++)
				dm_hole[ti->begin + b] = false;
		}
		dm_blocks += ti->len;
	}
	table.num_targets = n;
}

/* the first byte >= pos of the kind in [pos, end) of the dm device, from base */
static loff_t truth(loff_t base, loff_t pos, loff_t end, bool hole)
{
	loff_t b;

	for (b = (base + pos) >> 9; b << 9 < base + end; b++)
		if (dm_hole[b] == hole)
			return (b << 9) - base > pos ? (b << 9) - base : pos;
	return end;
}

int main(void)
{
	unsigned int round, wrong = 0, answers = 0, leaks = 0;
	struct block_device upper = { .bd_disk = &dm_disk };

	srand(1);
	for (round = 0; round < 40000; round++) {
		loff_t pos, got, want;
		bool hole = rand() % 2;

		if (round % 100 == 0)
			random_setup();
		/* the dm device whole, or a partition of it */
		if (rand() % 2) {
			upper.bd_start_sect = 0;
			upper.nr_bytes = dm_blocks << 9;
		} else {
			upper.bd_start_sect = rand() % dm_blocks;
			upper.nr_bytes = (1 + rand() % (dm_blocks - upper.bd_start_sect)) << 9;
		}
		pos = rand() % upper.nr_bytes;
		got = bdev_seek_hole_data(&upper, pos, upper.nr_bytes,
					  hole ? SEEK_HOLE : SEEK_DATA);
		want = truth(upper.bd_start_sect << 9, pos, upper.nr_bytes, hole);
		answers++;
		if (got != want && wrong++ < 5)
			printf("# %s at %lld of %lld bytes from sector %llu: got %lld, want %lld\n",
			       hole ? "SEEK_HOLE" : "SEEK_DATA", (long long)pos,
			       (long long)upper.nr_bytes,
			       (unsigned long long)upper.bd_start_sect,
			       (long long)got, (long long)want);
		if (srcu_held)
			leaks++;
	}
	tap(!wrong, "dm tables of linear, method-less and failing targets, whole or partitioned: %u answers, %u differ from the truth",
	    answers, wrong);
	tap(!leaks, "the live table's reference dropped after every answer (%u left held)", leaks);

	/*
	 * A write held dirty in the page cache of the lower device (as loop
	 * leaves one in its backing block device's), over a hole: asked
	 * through dm-linear, it is data, written back before the disk is
	 * asked
	 */
	{
		struct address_space cache = { .bdev = &model_whole,
					       .dirty_start = 100 << 9,
					       .dirty_end = 228 << 9 };
		loff_t got;

		memset(disk_hole, 1, sizeof(disk_hole));
		targets[0] = (struct dm_target){ .begin = 0, .len = DISK_BLOCKS,
						 .type = &linear_type,
						 .private = &lcs[0] };
		lcs[0].dev = &dev_whole;
		lcs[0].start = 0;
		table.num_targets = 1;
		model_whole.bd_mapping = &cache;
		upper.bd_start_sect = 0;
		upper.nr_bytes = DISK_BLOCKS << 9;
		writebacks = 0;
		got = bdev_seek_hole_data(&upper, 0, upper.nr_bytes, SEEK_DATA);
		tap(got == 100 << 9 && writebacks == 1,
		    "a write dirty in the lower device's page cache is data through dm-linear: SEEK_DATA from 0 = %lld (want %d), %u write-backs",
		    (long long)got, 100 << 9, writebacks);
		model_whole.bd_mapping = NULL;

		/* suspended: -EAGAIN, the table's reference dropped */
		md.suspended = true;
		got = bdev_seek_hole_data(&upper, 0, upper.nr_bytes, SEEK_DATA);
		tap(got == -EAGAIN && !srcu_held,
		    "a suspended dm device answers -EAGAIN (%lld), %d references left held",
		    (long long)got, srcu_held);
		md.suspended = false;
	}
	return tap_end();
}
