// SPDX-License-Identifier: GPL-2.0
/*
 * Counters under /sys/module/blkseek/stats/, world-readable: one file per
 * counter, each holding a decimal number.  Writing is not supported; the
 * counters start at 0 when the module loads.  They are per CPU, summed
 * when a file is read.
 */
#include <linux/kobject.h>
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/sysfs.h>

#include "blkseek_stats.h"

DEFINE_PER_CPU(long [BLKSEEK_STAT_NR], blkseek_stats);

/* Not a count: set by blkseek_cmd_watch.c. */
static bool dispatch_mode;

/**
 * blkseek_stats_set_dispatch_mode() - what cache_dispatch_mode shows
 * @on: the reply cache watches SCSI dispatch
 */
void blkseek_stats_set_dispatch_mode(bool on)
{
	WRITE_ONCE(dispatch_mode, on);
}

/*
 * The sum of every CPU's copy.  Each copy only grows for a counter, and
 * each is read once, later than by any read before: a counter read twice
 * never goes back.
 */
static long long stat_sum(enum blkseek_stat id)
{
	long long sum = 0;
	int cpu;

	if (id == BLKSEEK_STAT_CACHE_DISPATCH)
		return READ_ONCE(dispatch_mode);
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu(blkseek_stats, cpu)[id]);
	return sum;
}

struct stat_attr {
	struct kobj_attribute attr;
	enum blkseek_stat id;
};

static ssize_t stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	const struct stat_attr *sa = container_of(attr, struct stat_attr, attr);

	return sysfs_emit(buf, "%lld\n", stat_sum(sa->id));
}

#define STAT(_name, _id) {						\
	.attr = __ATTR(_name, 0444, stat_show, NULL),			\
	.id = _id,							\
}

static struct stat_attr stat_attrs[] = {
	STAT(lseeks, BLKSEEK_STAT_LSEEKS),
	STAT(ioctls, BLKSEEK_STAT_IOCTLS),
	STAT(answers_data, BLKSEEK_STAT_ANSWER_DATA),
	STAT(answers_hole, BLKSEEK_STAT_ANSWER_HOLE),
	STAT(answers_enxio, BLKSEEK_STAT_ANSWER_ENXIO),
	STAT(scsi_commands, BLKSEEK_STAT_CMDS),
	STAT(read_capacity_commands, BLKSEEK_STAT_CMDS_RC16),
	STAT(get_lba_status_commands, BLKSEEK_STAT_CMDS_GLS),
	STAT(report_opcodes_commands, BLKSEEK_STAT_CMDS_RSOC),
	STAT(descriptors, BLKSEEK_STAT_DESCRIPTORS),
	STAT(fallback_no_lbp, BLKSEEK_STAT_FB_NO_LBP),
	STAT(fallback_no_lbprz, BLKSEEK_STAT_FB_NO_LBPRZ),
	STAT(fallback_command_failed, BLKSEEK_STAT_FB_CMD_FAILED),
	STAT(fallback_malformed_reply, BLKSEEK_STAT_FB_MALFORMED),
	STAT(fallback_query_budget, BLKSEEK_STAT_FB_BUDGET),
	STAT(fallback_time_budget, BLKSEEK_STAT_FB_TIME),
	STAT(fallback_killed, BLKSEEK_STAT_FB_KILLED),
	STAT(fallback_no_device, BLKSEEK_STAT_FB_NO_DEVICE),
	STAT(fallback_refused, BLKSEEK_STAT_FB_REFUSED),
	STAT(get_lba_status_refused, BLKSEEK_STAT_GLS_REFUSED),
	STAT(dirty_flushes, BLKSEEK_STAT_DIRTY_FLUSHES),
	STAT(cache_hits, BLKSEEK_STAT_CACHE_HITS),
	STAT(cache_misses, BLKSEEK_STAT_CACHE_MISSES),
	STAT(cache_changes, BLKSEEK_STAT_CACHE_CHANGES),
	STAT(cache_timeouts_lost, BLKSEEK_STAT_CACHE_TIMEOUTS_LOST),
	STAT(cache_dispatch_mode, BLKSEEK_STAT_CACHE_DISPATCH),
	STAT(stacked_mappings, BLKSEEK_STAT_STACK_MAPPINGS),
	STAT(stacked_stale, BLKSEEK_STAT_STACK_STALE),
	STAT(stacked_redone, BLKSEEK_STAT_STACK_REDONE),
	STAT(thin_mappings, BLKSEEK_STAT_THIN_MAPPINGS),
	STAT(thin_tells, BLKSEEK_STAT_THIN_TELLS),
};

static_assert(ARRAY_SIZE(stat_attrs) == BLKSEEK_STAT_NR);

static struct attribute *stat_attr_list[BLKSEEK_STAT_NR + 1];

static const struct attribute_group stat_group = {
	.attrs = stat_attr_list,
};

static struct kobject *stats_kobj;

/**
 * blkseek_stats_register() - create the stats directory
 * @parent: the module's kobject
 *
 * Return: 0 or a negative errno.
 */
int blkseek_stats_register(struct kobject *parent)
{
	unsigned int i;
	int err;

	for (i = 0; i < BLKSEEK_STAT_NR; i++)
		stat_attr_list[i] = &stat_attrs[i].attr.attr;
	stats_kobj = kobject_create_and_add("stats", parent);
	if (!stats_kobj)
		return -ENOMEM;
	err = sysfs_create_group(stats_kobj, &stat_group);
	if (err) {
		kobject_put(stats_kobj);
		stats_kobj = NULL;
	}
	return err;
}

/**
 * blkseek_stats_unregister() - remove the stats directory
 */
void blkseek_stats_unregister(void)
{
	kobject_put(stats_kobj);
	stats_kobj = NULL;
}
