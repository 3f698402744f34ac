/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module-wide counters, readable by anyone under
 * /sys/module/blkseek/stats/ (one file per counter).
 */
#ifndef BLKSEEK_STATS_H
#define BLKSEEK_STATS_H

#include <linux/percpu.h>
#include <linux/types.h>

enum blkseek_stat {
	BLKSEEK_STAT_LSEEKS,		/* SEEK_DATA/SEEK_HOLE answered by blkseek */
	BLKSEEK_STAT_IOCTLS,		/* extent queries answered */
	BLKSEEK_STAT_ANSWER_DATA,	/* lseek answers that are data */
	BLKSEEK_STAT_ANSWER_HOLE,	/* lseek answers that are a hole */
	BLKSEEK_STAT_ANSWER_ENXIO,	/* lseek answers ENXIO */
	BLKSEEK_STAT_CMDS,		/* SCSI commands sent */
	BLKSEEK_STAT_CMDS_RC16,		/* of which READ CAPACITY(16) */
	BLKSEEK_STAT_CMDS_GLS,		/* of which GET LBA STATUS */
	BLKSEEK_STAT_CMDS_RSOC,		/* of which REPORT SUPPORTED OPERATION CODES */
	BLKSEEK_STAT_DESCRIPTORS,	/* runs taken from GET LBA STATUS replies */
	BLKSEEK_STAT_FB_NO_LBP,		/* fallback: LBPME=0 or block size mismatch */
	BLKSEEK_STAT_FB_NO_LBPRZ,	/* fallback: LBPRZ=0 (lseek reports data) */
	BLKSEEK_STAT_FB_CMD_FAILED,	/* fallback: a command failed or timed out */
	BLKSEEK_STAT_FB_MALFORMED,	/* fallback: a reply did not describe the LBA */
	BLKSEEK_STAT_FB_BUDGET,		/* fallback: max_queries reached */
	BLKSEEK_STAT_FB_TIME,		/* fallback: answer_ms reached */
	BLKSEEK_STAT_FB_KILLED,		/* fallback: the caller was killed */
	BLKSEEK_STAT_FB_NO_DEVICE,	/* fallback: device going away */
	BLKSEEK_STAT_FB_REFUSED,	/* fallback: the disk refused GET LBA STATUS */
	BLKSEEK_STAT_GLS_REFUSED,	/* disks that refused it (since their rescan) */
	BLKSEEK_STAT_DIRTY_FLUSHES,	/* dirty page cache written back first */
	BLKSEEK_STAT_CACHE_HITS,	/* GET LBA STATUS answered from the cache */
	BLKSEEK_STAT_CACHE_MISSES,	/* GET LBA STATUS not in the cache */
	BLKSEEK_STAT_CACHE_CHANGES,	/* commands that may change state, seen */
	BLKSEEK_STAT_CACHE_TIMEOUTS_LOST, /* timeouts not recorded: no arming */
	BLKSEEK_STAT_CACHE_DISPATCH,	/* 1: the cache watches SCSI dispatch (set) */
	BLKSEEK_STAT_STACK_MAPPINGS,	/* stacked mappings holding lower files now */
	BLKSEEK_STAT_STACK_STALE,	/* stacked mappings made stale by a change */
	BLKSEEK_STAT_STACK_REDONE,	/* answers redone as data: stale mid-walk */
	BLKSEEK_STAT_THIN_MAPPINGS,	/* thin volumes' mappings set now */
	BLKSEEK_STAT_THIN_TELLS,	/* thin mappings set (BLKSEEK_IOC_THIN_SET) */
	BLKSEEK_STAT_NR
};

/*
 * Each CPU counts in its own copy; a read sums the copies.  An lseek
 * touches no cache line another CPU writes.  A gauge (stacked_mappings,
 * thin_mappings)
 * may go down on another CPU than the one it went up on: its copies may
 * be negative, their sum is not.
 */
DECLARE_PER_CPU(long [BLKSEEK_STAT_NR], blkseek_stats);

static inline void blkseek_count(enum blkseek_stat s)
{
	this_cpu_inc(blkseek_stats[s]);
}

static inline void blkseek_count_add(enum blkseek_stat s, long n)
{
	this_cpu_add(blkseek_stats[s], n);
}

void blkseek_stats_set_dispatch_mode(bool on);
int blkseek_stats_register(struct kobject *parent);
void blkseek_stats_unregister(void);

#endif /* BLKSEEK_STATS_H */
