// SPDX-License-Identifier: GPL-2.0
/*
 * From an open block device file to the SCSI disk that can be asked, and
 * the file's place on its disk.
 */
#include <linux/blkdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <scsi/scsi.h>
#include <scsi/scsi_device.h>

#include "blkseek_dev.h"
#include "blkseek_lun.h"
#include "blkseek_walk.h"

/**
 * blkseek_geom_of() - where a block device file lies on its disk
 * @file: an open block device file (whole disk or partition)
 * @g: its @base, @size and @lbs_shift are set, the rest left alone
 */
void blkseek_geom_of(struct file *file, struct blkseek_geom *g)
{
	struct inode *inode = file->f_mapping->host;
	struct block_device *bdev = I_BDEV(inode);

	g->base = (u64)bdev->bd_start_sect << SECTOR_SHIFT;
	g->size = i_size_read(inode);
	g->lbs_shift = ilog2(bdev_logical_block_size(bdev));
}

/**
 * blkseek_disk_made_by() - was a disk made by a given module?
 * @disk: the disk, pinned by the caller
 * @name: a module's name ("sd_mod", "dm_mod", "loop")
 *
 * Return: true if @disk's block device operations belong to @name (a
 * driver built in owns none).
 */
bool blkseek_disk_made_by(const struct gendisk *disk, const char *name)
{
	struct module *owner = disk->fops ? disk->fops->owner : NULL;

	return owner && !strcmp(module_name(owner), name);
}

/*
 * Only disks of sd answer; anything else keeps the stock lseek.  @disk's
 * parent @sdev_dev is a scsi_device.  Its driver is named "sd" whether sd
 * is the sd_mod module or built in; a disk being deleted has lost that
 * driver already, and is recognised by its fops' owner when sd is a
 * module (an open block device pins it, so both stay readable).
 */
static bool disk_of_sd(struct gendisk *disk, struct device *sdev_dev)
{
	struct device_driver *drv = READ_ONCE(sdev_dev->driver);

	return (drv && !strcmp(drv->name, "sd")) ||
	       blkseek_disk_made_by(disk, "sd_mod");
}

/**
 * blkseek_target_get() - find the SCSI disk behind a block device file
 * @file: an open block device file (whole disk or partition)
 * @t: filled on success (the geometry is blkseek_geom_of()'s)
 *
 * The open file pins the gendisk, and through sd's scsi_disk the
 * scsi_device's memory; scsi_device_get() additionally refuses a device
 * being deleted and pins its host driver.  On success @t->sdev holds a
 * reference, or is NULL when the disk is an sd disk whose device is going
 * away (the caller then answers "all data").
 *
 * Return: 0, or -ENODEV when @file is not on an sd-driven SCSI disk.
 */
int blkseek_target_get(struct file *file, struct blkseek_target *t)
{
	struct block_device *bdev = I_BDEV(file->f_mapping->host);
	struct gendisk *disk = bdev->bd_disk;
	struct device *parent = disk_to_dev(disk)->parent;
	struct scsi_device *sdev;

	if (!parent || !scsi_is_sdev_device(parent))
		return -ENODEV;
	sdev = to_scsi_device(parent);
	if ((sdev->type != TYPE_DISK && sdev->type != TYPE_ZBC) ||
	    !disk_of_sd(disk, parent))
		return -ENODEV;

	t->bdev = bdev;
	t->sdev = scsi_device_get(sdev) ? NULL : sdev;
	return 0;
}

/**
 * blkseek_target_put() - drop what blkseek_target_get() took
 * @t: the target
 */
void blkseek_target_put(struct blkseek_target *t)
{
	if (t->sdev)
		scsi_device_put(t->sdev);
	t->sdev = NULL;
}

/**
 * blkseek_lun_of_sdev() - the identity of the logical unit behind @sdev
 * @sdev: a SCSI device, pinned by the caller (a reference, or a command
 *	of it in flight)
 * @lun: filled from the Device Identification page the midlayer keeps;
 *	unknown (matching any device) when it keeps none
 *
 * Any context: no sleep, no lock but RCU's.
 */
void blkseek_lun_of_sdev(struct scsi_device *sdev, struct blkseek_lun *lun)
{
	struct scsi_vpd *vpd;

	rcu_read_lock();
	vpd = rcu_dereference(sdev->vpd_pg83);
	if (vpd)
		blkseek_lun_of_vpd83(vpd->data, vpd->len, lun);
	else
		lun->nr = 0;
	rcu_read_unlock();
}
