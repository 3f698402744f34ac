/* SPDX-License-Identifier: GPL-2.0 */
/*
 * From an open block device file to the disk that answers (blkseek_dev.c).
 */
#ifndef BLKSEEK_DEV_H
#define BLKSEEK_DEV_H

#include <linux/types.h>

struct blkseek_geom;
struct blkseek_lun;
struct block_device;
struct file;
struct gendisk;
struct scsi_device;

/**
 * struct blkseek_target - the SCSI disk behind an open block device file
 * @bdev: the block device (whole disk or partition)
 * @sdev: its SCSI device, referenced by blkseek_target_get()
 */
struct blkseek_target {
	struct block_device *bdev;
	struct scsi_device *sdev;
};

void blkseek_geom_of(struct file *file, struct blkseek_geom *g);
bool blkseek_disk_made_by(const struct gendisk *disk, const char *name);
int blkseek_target_get(struct file *file, struct blkseek_target *t);
void blkseek_target_put(struct blkseek_target *t);
void blkseek_lun_of_sdev(struct scsi_device *sdev, struct blkseek_lun *lun);

#endif /* BLKSEEK_DEV_H */
