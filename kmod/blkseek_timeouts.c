// SPDX-License-Identifier: GPL-2.0
/*
 * Devices with a timed-out command that may change provisioning state.
 *
 * A write that timed out may still be executed by the target until the
 * error handler is done with it, and the device shows busy until then
 * (scsi_device_busy()).  The reply cache arms an entry only when its own
 * device is idle; but a write through another path of the same LUN lands
 * in the same blocks.  So every such timeout is recorded here with its
 * device and the device's LUN identity (blkseek_lun.c), and the cache
 * arms an entry only while no recorded device that may be a path of its
 * LUN is busy (blkseek_timeouts_quiet()).
 *
 * The timeout probe records the device with a reference
 * (scsi_device_get(), which does not sleep); a delayed work drops the
 * records of devices seen idle (scsi_device_put() may sleep), so a record
 * lives about as long as its error handling, and a device whose error
 * handling is over can be removed.  A timeout that cannot be recorded (no
 * memory, a device being deleted) is "lost": the cache then arms no entry
 * until blkseek is loaded again (counted in cache_timeouts_lost).
 */
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <scsi/scsi_device.h>

#include "blkseek_dev.h"
#include "blkseek_lun.h"
#include "blkseek_stats.h"
#include "blkseek_timeouts.h"

/* How often recorded devices are looked at for idleness. */
#define TIMEOUTS_POLL_MS	100

/**
 * struct timed_out - a device with a timed-out command
 * @node: in timed_out_list
 * @sdev: the device, referenced
 * @lun: its LUN's identity
 */
struct timed_out {
	struct list_head node;
	struct scsi_device *sdev;
	struct blkseek_lun lun;
};

static DEFINE_SPINLOCK(timeouts_lock);
static LIST_HEAD(timed_out_list);
static bool lost;
static bool stopping;

static void drop_idle(struct work_struct *work);
static DECLARE_DELAYED_WORK(drop_work, drop_idle);

/* Under timeouts_lock: the record of @sdev, or NULL. */
static struct timed_out *record_of(const struct scsi_device *sdev)
{
	struct timed_out *t;

	list_for_each_entry(t, &timed_out_list, node)
		if (t->sdev == sdev)
			return t;
	return NULL;
}

/**
 * blkseek_timeouts_note() - a command that may change provisioning state
 *	timed out on @sdev
 * @sdev: the device
 *
 * Called by the timeout probe: no sleep.
 */
void blkseek_timeouts_note(struct scsi_device *sdev)
{
	struct timed_out *t;
	unsigned long flags;

	spin_lock_irqsave(&timeouts_lock, flags);
	if (stopping || record_of(sdev)) {
		spin_unlock_irqrestore(&timeouts_lock, flags);
		return;
	}
	t = kmalloc(sizeof(*t), GFP_ATOMIC);
	if (!t || scsi_device_get(sdev)) {
		kfree(t);
		WRITE_ONCE(lost, true);
		blkseek_count(BLKSEEK_STAT_CACHE_TIMEOUTS_LOST);
		spin_unlock_irqrestore(&timeouts_lock, flags);
		return;
	}
	t->sdev = sdev;
	blkseek_lun_of_sdev(sdev, &t->lun);
	list_add(&t->node, &timed_out_list);
	spin_unlock_irqrestore(&timeouts_lock, flags);
	schedule_delayed_work(&drop_work, msecs_to_jiffies(TIMEOUTS_POLL_MS));
}

/**
 * blkseek_timeouts_quiet() - no device that may be a path of @lun is
 *	still handling a timed-out command that may change its state
 * @lun: the identity of a cached disk's LUN
 *
 * Return: false while such a device is busy, or after a lost timeout.
 */
bool blkseek_timeouts_quiet(const struct blkseek_lun *lun)
{
	struct timed_out *t;
	unsigned long flags;
	bool quiet = !READ_ONCE(lost);

	spin_lock_irqsave(&timeouts_lock, flags);
	list_for_each_entry(t, &timed_out_list, node)
		if (quiet && blkseek_lun_may_match(lun, &t->lun) &&
		    scsi_device_busy(t->sdev))
			quiet = false;
	spin_unlock_irqrestore(&timeouts_lock, flags);
	return quiet;
}

/* Drop the records of idle devices (all when stopping); poll again if any. */
static void drop_idle(struct work_struct *work)
{
	struct timed_out *t, *next;
	unsigned long flags;
	LIST_HEAD(idle);
	bool more;

	spin_lock_irqsave(&timeouts_lock, flags);
	list_for_each_entry_safe(t, next, &timed_out_list, node)
		if (stopping || !scsi_device_busy(t->sdev))
			list_move(&t->node, &idle);
	more = !list_empty(&timed_out_list);
	spin_unlock_irqrestore(&timeouts_lock, flags);
	list_for_each_entry_safe(t, next, &idle, node) {
		scsi_device_put(t->sdev);
		kfree(t);
	}
	if (more)
		schedule_delayed_work(&drop_work,
				      msecs_to_jiffies(TIMEOUTS_POLL_MS));
}

/**
 * blkseek_timeouts_exit() - drop every record; the probes are detached
 */
void blkseek_timeouts_exit(void)
{
	spin_lock_irq(&timeouts_lock);
	stopping = true;
	spin_unlock_irq(&timeouts_lock);
	cancel_delayed_work_sync(&drop_work);
	drop_idle(NULL);
}
