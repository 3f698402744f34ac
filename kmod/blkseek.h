/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blkseek internal interfaces between the module's steps:
 * hook -> device -> query -> walk -> answer.
 */
#ifndef BLKSEEK_H
#define BLKSEEK_H

#include <linux/fs.h>
#include <linux/types.h>

#include "blkseek_gls.h"
#include "blkseek_walk.h"

struct block_device;
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

int blkseek_target_get(struct file *file, struct blkseek_target *t);
void blkseek_target_put(struct blkseek_target *t);

/**
 * struct blkseek_cmd - state of the SCSI commands of one answer
 * @sdev: device asked
 * @dev: the disk's device number, for the tracepoint
 * @diskseq: the disk's sequence number, the key of the reply cache
 * @buf: reply buffer of BLKSEEK_GLS_BUF_LEN bytes
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
 * struct blkseek_ctx - everything one answer (lseek or ioctl) works with
 * @t: the disk and the range answered for
 * @q: the query state of @src
 * @src: GET LBA STATUS as a source of runs for the walk
 * @g: the geometry and what may be reported, for the walk
 */
struct blkseek_ctx {
	struct blkseek_target t;
	struct blkseek_cmd q;
	struct blkseek_source src;
	struct blkseek_geom g;
};

int blkseek_begin(struct file *file, u64 off, struct blkseek_ctx *c);
void blkseek_end(struct blkseek_ctx *c, const struct blkseek_walk_stats *stats);

int blkseek_ioctl_register(void);
void blkseek_ioctl_unregister(void);

int blkseek_cache_runs(struct blkseek_cmd *q, u64 lba, struct blkseek_run *runs,
		       unsigned int max_runs);
unsigned int blkseek_cache_begin(struct blkseek_cmd *q);
void blkseek_cache_store(struct blkseek_cmd *q, unsigned int token,
			 const struct blkseek_run *runs, int n);
bool blkseek_cache_caps(struct blkseek_cmd *q, struct blkseek_caps *caps);
void blkseek_cache_store_caps(struct blkseek_cmd *q,
			      const struct blkseek_caps *caps);

bool blkseek_answer(struct file *file, loff_t off, int whence, loff_t *ret);
loff_t blkseek_llseek(struct file *file, loff_t off, int whence);

#endif /* BLKSEEK_H */
