/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mappings of stacked devices onto their lower devices, as told by
 * userspace (blkseek_stack.c).
 */
#ifndef BLKSEEK_STACK_H
#define BLKSEEK_STACK_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/types.h>

#include <linux/blkseek_stack.h>

struct blkseek_thin;
struct blkseek_thin_range;
struct file;
struct gendisk;
struct kobject;

/**
 * struct blkseek_seg - bytes of a stacked device on its lower devices
 * @start: first byte on the upper disk
 * @length: bytes
 * @lower_offset: where @start lies on the lower device or file
 * @nr_paths: files in @paths
 * @nr_ask: the first @nr_ask of @paths may be asked; the others are paths
 *	dm-multipath has failed, kept for @one_lun
 * @one_lun: one path, or paths whose SCSI devices may be paths of one LUN
 *	(every two identities match, blkseek_lun.c); else the segment is data
 * @paths: the lower device (several paths of one LUN), or a loop's file
 */
struct blkseek_seg {
	u64 start;
	u64 length;
	u64 lower_offset;
	unsigned int nr_paths;
	unsigned int nr_ask;
	bool one_lun;
	struct file *paths[BLKSEEK_STACK_MAX_PATHS];
};

/**
 * struct blkseek_stack - the mapping of a stacked disk set by userspace
 * @node: in the list of mappings
 * @ref: held by the list and by each answer using it
 * @disk: the upper disk, compared only (see blkseek_stack.c)
 * @diskseq: the upper disk's sequence number when the mapping was set
 * @devt: the upper disk's device number, for the list of stale mappings
 * @kind: BLKSEEK_STACK_*
 * @stale: what it was read from may have changed: answer all data
 * @gone: the disk is being removed: drop it
 * @counted: counted in the stacked_mappings gauge (a thin volume's: in
 *	thin_mappings)
 * @walk_down: the chain check that last set @below
 * @below: mapped devices in the longest chain from it down, or -ELOOP
 * @walk_up: the chain check that last set @above
 * @above: mapped devices in the longest chain stacked on it, or -ELOOP
 * @thin: a thin volume's write tracker (blkseek_thin.c), or NULL; such a
 *	mapping has no segments and answers from @thin_ranges and @thin
 * @thin_ranges: the thin blocks mapped in the pool's metadata snapshot
 * @nr_thin_ranges: entries in @thin_ranges
 * @nr_segs: entries in @segs, sorted; 0 for a tombstone
 * @segs: the segments
 */
struct blkseek_stack {
	struct list_head node;
	struct kref ref;
	const struct gendisk *disk;
	u64 diskseq;
	dev_t devt;
	unsigned int kind;
	bool stale;
	bool gone;
	bool counted;
	u64 walk_down;
	int below;
	u64 walk_up;
	int above;
	struct blkseek_thin *thin;
	struct blkseek_thin_range *thin_ranges;
	unsigned int nr_thin_ranges;
	unsigned int nr_segs;
	struct blkseek_seg segs[];
};

struct blkseek_stack *blkseek_stack_get(struct gendisk *disk);
void blkseek_stack_put(struct blkseek_stack *st);
void blkseek_stack_watched(unsigned int armed);
void blkseek_stack_change_begin(unsigned int kind, const struct gendisk *disk,
				bool gone);
void blkseek_stack_change_end(void);
long blkseek_stack_gen_ioctl(struct blkseek_stack_gen __user *ugen);
long blkseek_stack_set_ioctl(struct blkseek_stack_map __user *um);
void blkseek_stack_exit(void);
bool blkseek_stack_kind_watched(unsigned int kind);
int blkseek_stack_set_thin(struct gendisk *disk, u64 generation,
			   struct blkseek_thin *thin,
			   struct blkseek_thin_range *ranges, unsigned int n);
int blkseek_stack_register(struct kobject *parent);
void blkseek_stack_unregister(struct kobject *parent);

#endif /* BLKSEEK_STACK_H */
