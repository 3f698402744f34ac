/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blkseek internal interfaces between the module's steps:
 * hook -> device -> query -> walk -> answer.
 */
#ifndef BLKSEEK_H
#define BLKSEEK_H

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/types.h>

#include <linux/blkseek.h>

#include "blkseek_gls.h"
#include "blkseek_walk.h"

struct block_device;
struct gendisk;
struct scsi_device;

/* Reply buffer for GET LBA STATUS: header plus 255 descriptors. */
#define BLKSEEK_GLS_BUF_LEN	4096

extern unsigned int blkseek_timeout_ms;
extern unsigned int blkseek_max_queries;
extern unsigned int blkseek_cache_ms;

/**
 * struct blkseek_target - the SCSI disk behind an open block device file
 * @bdev: the block device (whole disk or partition)
 * @sdev: its SCSI device, referenced by blkseek_target_get()
 * @base: byte offset of @bdev on the disk
 * @size: bytes in @bdev
 * @lbs_shift: log2 of the logical block size
 */
struct blkseek_target {
	struct block_device *bdev;
	struct scsi_device *sdev;
	u64 base;
	u64 size;
	unsigned int lbs_shift;
};

bool blkseek_disk_made_by(const struct gendisk *disk, const char *name);
int blkseek_target_get(struct file *file, struct blkseek_target *t);
void blkseek_target_put(struct blkseek_target *t);

/**
 * struct blkseek_cmd - state of the SCSI commands of one answer
 * @sdev: device asked
 * @dev: the disk's device number, for the tracepoint
 * @diskseq: the disk's sequence number, the key of the reply cache
 * @buf: reply buffer of BLKSEEK_GLS_BUF_LEN bytes, allocated when the
 *	answer's first command is sent (an answer from the cache sends none);
 *	NULL until then
 */
struct blkseek_cmd {
	struct scsi_device *sdev;
	dev_t dev;
	u64 diskseq;
	u8 *buf;
};

int blkseek_read_caps(struct blkseek_cmd *q, struct blkseek_caps *caps);
int blkseek_fetch_runs(void *ctx, u64 lba, struct blkseek_run *runs,
		       unsigned int max_runs);

/**
 * struct blkseek_seg - bytes of a stacked device on its lower devices
 * @start: first byte on the upper disk
 * @length: bytes
 * @lower_offset: where @start lies on the lower device or file
 * @nr_paths: files in @paths
 * @paths: the lower device (several paths of one LUN), or a loop's file
 */
struct blkseek_seg {
	u64 start;
	u64 length;
	u64 lower_offset;
	unsigned int nr_paths;
	struct file *paths[BLKSEEK_STACK_MAX_PATHS];
};

/**
 * struct blkseek_stack - the mapping of a stacked disk set by userspace
 * @node: in the list of mappings
 * @ref: held by the list and by each answer using it
 * @disk: the upper disk, compared only (see blkseek_stack.c)
 * @diskseq: the upper disk's sequence number when the mapping was set
 * @kind: BLKSEEK_STACK_*
 * @stale: what it was read from may have changed: answer all data
 * @gone: the disk is being removed: drop it
 * @counted: counted in the stacked_mappings gauge
 * @walk_down: the chain check that last set @below
 * @below: mapped devices in the longest chain from it down, or -ELOOP
 * @walk_up: the chain check that last set @above
 * @above: mapped devices in the longest chain stacked on it, or -ELOOP
 * @nr_segs: entries in @segs, sorted; 0 for a tombstone
 * @segs: the segments
 */
struct blkseek_stack {
	struct list_head node;
	struct kref ref;
	const struct gendisk *disk;
	u64 diskseq;
	unsigned int kind;
	bool stale;
	bool gone;
	bool counted;
	u64 walk_down;
	int below;
	u64 walk_up;
	int above;
	unsigned int nr_segs;
	struct blkseek_seg segs[];
};

/*
 * Lower extents asked per fetch of a stacked device: one run of the lower
 * device as its source gives it (blkseek_forward.c).
 */
#define BLKSEEK_FWD_EXTENTS	1

/**
 * struct blkseek_fwd - a stacked device as a source of runs for the walk
 * @st: its mapping, referenced
 * @ext: room for the lower answers
 * @lbs_shift: log2 of the upper device's logical block size
 * @depth: devices stacked above it
 */
struct blkseek_fwd {
	struct blkseek_stack *st;
	struct blkseek_ext ext[BLKSEEK_FWD_EXTENTS];
	unsigned int lbs_shift;
	unsigned int depth;
};

/**
 * struct blkseek_ctx - everything one answer (lseek or ioctl) works with
 * @t: the disk and the range answered for
 * @q: the query state of @src for an sd disk
 * @fwd: the state of @src for a stacked device
 * @src: GET LBA STATUS or the lower devices as a source of runs
 * @g: the geometry and what may be reported, for the walk
 */
struct blkseek_ctx {
	struct blkseek_target t;
	struct blkseek_cmd q;
	struct blkseek_fwd fwd;
	struct blkseek_source src;
	struct blkseek_geom g;
};

int blkseek_begin(struct file *file, u64 off, struct blkseek_ctx *c);
int blkseek_begin_at(struct file *file, u64 off, struct blkseek_ctx *c,
		     unsigned int depth);
int blkseek_flush_dirty(struct file *file, u64 off, u64 size);
void blkseek_end(struct blkseek_ctx *c, const struct blkseek_walk_stats *stats);

int blkseek_forward_begin(struct file *file, u64 off, struct blkseek_ctx *c,
			  unsigned int depth);
bool blkseek_stale(struct blkseek_ctx *c);
unsigned int blkseek_file_extents(struct file *file, u64 off, u64 len,
				  struct blkseek_ext *ext, unsigned int max,
				  unsigned int depth);

struct blkseek_stack *blkseek_stack_get(struct gendisk *disk);
void blkseek_stack_put(struct blkseek_stack *st);
void blkseek_stack_change_begin(unsigned int kind, const struct gendisk *disk,
				bool gone);
void blkseek_stack_change_end(void);
long blkseek_stack_gen_ioctl(struct blkseek_stack_gen __user *ugen);
long blkseek_stack_set_ioctl(struct blkseek_stack_map __user *um);
void blkseek_stack_exit(void);
unsigned int blkseek_stack_watch_armed(void);
bool blkseek_stack_watch_sound(unsigned int kind);
int blkseek_stack_watch_start(void);
void blkseek_stack_watch_stop(void);

int blkseek_cmd_watch_start(void);
void blkseek_cmd_watch_stop(void);
bool blkseek_cmd_watch_attached(void);

int blkseek_ioctl_register(void);
void blkseek_ioctl_unregister(void);

int blkseek_cache_runs(struct blkseek_cmd *q, u64 lba, struct blkseek_run *runs,
		       unsigned int max_runs);
/* blkseek_cache_begin(): the reply that follows may not be kept */
#define BLKSEEK_CACHE_NO_TOKEN	U64_MAX
u64 blkseek_cache_begin(struct blkseek_cmd *q);
int blkseek_cache_reply(struct blkseek_cmd *q, u64 token, size_t len, u64 lba,
			struct blkseek_run *runs, unsigned int max_runs);
void blkseek_cache_device_changed(const struct scsi_device *sdev,
				  bool timed_out);
bool blkseek_cache_caps(struct blkseek_cmd *q, struct blkseek_caps *caps);
void blkseek_cache_store_caps(struct blkseek_cmd *q,
			      const struct blkseek_caps *caps);

bool blkseek_answer(struct file *file, loff_t off, int whence, loff_t *ret);
loff_t blkseek_llseek(struct file *file, loff_t off, int whence);

#endif /* BLKSEEK_H */
