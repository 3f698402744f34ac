// SPDX-License-Identifier: GPL-2.0
/*
 * What each disk said of GET LBA STATUS, remembered.
 *
 * A device may report LBPME=1 and LBPRZ=1 yet not implement GET LBA
 * STATUS: a LIO fileio LUN with emulate_tpu=1, a SATA SSD behind libata
 * flagged zero-after-trim, an SCST vdisk.  Asking it at every lseek costs
 * a refused command each time, and the target logs each.  So blkseek asks
 * once per disk, as sd remembers a failed discard (sd_disable_discard()):
 *  - where the device answers REPORT SUPPORTED OPERATION CODES, that says
 *    (blkseek_query.c asks before the disk's first GET LBA STATUS);
 *  - else the first GET LBA STATUS refused with ILLEGAL REQUEST, INVALID
 *    COMMAND OPERATION CODE or INVALID FIELD IN CDB, does
 *    (blkseek_sense_refuses()); a transient error (UNIT ATTENTION, NOT
 *    READY, BUSY, a timeout) says nothing.
 * A disk that refused answers all data.  What a disk said is kept per
 * disk sequence number until the device is rescanned (the midlayer reads
 * its VPD pages again into new buffers, allocated before the old ones are
 * freed: the addresses of pages 0x00 and 0x83 are compared, never
 * followed), its media change (a new diskseq), or blkseek is loaded
 * again.  A device with neither page is not seen rescanned.  Listed in
 * /sys/module/blkseek/refused.
 */
#include <linux/jiffies.h>
#include <linux/kobject.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_device.h>

#include "blkseek_query.h"
#include "blkseek_stats.h"
#include "blkseek_support.h"

/* Disks remembered; the least recently used is forgotten (asked again). */
#define SUPPORT_ENTRIES	64

/**
 * struct support - what one disk said
 * @diskseq: the disk's, 0 when free
 * @dev: its device number, for the listing
 * @vpd: the addresses of its VPD pages 0x00 and 0x83 then, compared only
 * @said: BLKSEEK_SUPPORTED, BLKSEEK_UNSUPPORTED, or BLKSEEK_SUPPORT_UNKNOWN
 *	(asked, the device did not say)
 * @sense: the sense key, ASC and ASCQ of a refusal (all 0: the device's
 *	list of supported commands said so)
 * @since: jiffies when it said so
 * @used: jiffies of last use, for eviction
 */
struct support {
	u64 diskseq;
	dev_t dev;
	const void *vpd[2];
	enum blkseek_support said;
	u8 sense[3];
	unsigned long since;
	unsigned long used;
};

static DEFINE_SPINLOCK(support_lock);
static struct support supports[SUPPORT_ENTRIES];

/* Whether @sd's VPD pages are those @s saw (@set: make them so). */
static bool vpd_same(struct support *s, const struct blkseek_sd *sd, bool set)
{
	const void *vpd[2] = {
		rcu_access_pointer(sd->sdev->vpd_pg0),
		rcu_access_pointer(sd->sdev->vpd_pg83),
	};

	if (set) {
		s->vpd[0] = vpd[0];
		s->vpd[1] = vpd[1];
	}
	return s->vpd[0] == vpd[0] && s->vpd[1] == vpd[1];
}

/* Under the lock: the entry of @sd's disk as its device is now, or NULL. */
static struct support *support_find(const struct blkseek_sd *sd)
{
	struct support *s;

	for (s = supports; s < supports + SUPPORT_ENTRIES; s++) {
		if (s->diskseq != sd->diskseq)
			continue;
		if (!vpd_same(s, sd, false)) {	/* rescanned: ask again */
			s->diskseq = 0;
			return NULL;
		}
		return s;
	}
	return NULL;
}

/* Under the lock: a free entry, else the least recently used. */
static struct support *support_victim(void)
{
	struct support *s, *victim = supports;

	for (s = supports; s < supports + SUPPORT_ENTRIES; s++) {
		if (!s->diskseq)
			return s;
		if (time_before(s->used, victim->used))
			victim = s;
	}
	return victim;
}

/**
 * blkseek_support_of() - what a disk said of GET LBA STATUS
 * @sd: the disk
 * @said: set when it said something since its last rescan
 *
 * Return: true when @said is set; false when the disk must be asked.
 */
bool blkseek_support_of(const struct blkseek_sd *sd, enum blkseek_support *said)
{
	struct support *s;

	if (!sd->diskseq)
		return false;
	spin_lock(&support_lock);
	s = support_find(sd);
	if (s) {
		*said = s->said;
		s->used = jiffies;
	}
	spin_unlock(&support_lock);
	return s;
}

/**
 * blkseek_support_note() - remember what a disk said of GET LBA STATUS
 * @sd: the disk
 * @said: what it said
 * @sshdr: the sense of a refused GET LBA STATUS, or NULL
 *
 * A refusal is counted (gls_refused) and logged once per disk.
 */
void blkseek_support_note(const struct blkseek_sd *sd, enum blkseek_support said,
			  const struct scsi_sense_hdr *sshdr)
{
	struct support *s;
	bool refused = false;

	if (!sd->diskseq)
		return;
	spin_lock(&support_lock);
	s = support_find(sd) ?: support_victim();
	if (s->diskseq != sd->diskseq || s->said != said) {
		refused = said == BLKSEEK_UNSUPPORTED;
		s->diskseq = sd->diskseq;
		s->dev = sd->dev;
		vpd_same(s, sd, true);
		s->said = said;
		s->sense[0] = sshdr ? sshdr->sense_key : 0;
		s->sense[1] = sshdr ? sshdr->asc : 0;
		s->sense[2] = sshdr ? sshdr->ascq : 0;
		s->since = jiffies;
	}
	s->used = jiffies;
	spin_unlock(&support_lock);
	if (!refused)
		return;
	blkseek_count(BLKSEEK_STAT_GLS_REFUSED);
	if (sshdr)
		sdev_printk(KERN_INFO, sd->sdev,
			    "blkseek: GET LBA STATUS refused (sense %x/%02x/%02x): lseek answers all data until the device is rescanned\n",
			    sshdr->sense_key, sshdr->asc, sshdr->ascq);
	else
		sdev_printk(KERN_INFO, sd->sdev,
			    "blkseek: GET LBA STATUS not supported (REPORT SUPPORTED OPERATION CODES): lseek answers all data until the device is rescanned\n");
}

/*
 * /sys/module/blkseek/refused: a line per disk that refused, "MAJ:MIN
 * DISKSEQ SECONDS how", how being "rsoc" (its list of supported commands)
 * or "sense KEY/ASC/ASCQ" (hexadecimal).  A disk rescanned since is listed
 * until its next answer asks it again; a device number reused by another
 * disk comes with that disk's own diskseq.
 */
static ssize_t refused_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	unsigned long now = jiffies;
	struct support *s;
	ssize_t len = 0;

	spin_lock(&support_lock);
	for (s = supports; s < supports + SUPPORT_ENTRIES; s++) {
		if (!s->diskseq || s->said != BLKSEEK_UNSUPPORTED)
			continue;
		len += sysfs_emit_at(buf, len, "%u:%u %llu %lu ", MAJOR(s->dev),
				     MINOR(s->dev), s->diskseq,
				     (now - s->since) / HZ);
		if (s->sense[0])
			len += sysfs_emit_at(buf, len, "sense %x/%02x/%02x\n",
					     s->sense[0], s->sense[1],
					     s->sense[2]);
		else
			len += sysfs_emit_at(buf, len, "rsoc\n");
	}
	spin_unlock(&support_lock);
	return len;
}

static struct kobj_attribute refused_attr = __ATTR_RO(refused);

/**
 * blkseek_support_register() - create /sys/module/blkseek/refused
 * @parent: the module's kobject
 *
 * Return: 0 or a negative errno.
 */
int blkseek_support_register(struct kobject *parent)
{
	return sysfs_create_file(parent, &refused_attr.attr);
}

/**
 * blkseek_support_unregister() - remove it
 * @parent: the module's kobject
 */
void blkseek_support_unregister(struct kobject *parent)
{
	sysfs_remove_file(parent, &refused_attr.attr);
}
