// SPDX-License-Identifier: GPL-2.0
/*
 * A small cache of GET LBA STATUS replies and READ CAPACITY(16) answers.
 *
 * Without it a walk asks twice per run boundary and every lseek sends a
 * READ CAPACITY(16).  With it a full walk by a copier costs about one
 * command per lseek.
 *
 * Entries are keyed by the disk's diskseq, which never repeats across
 * disks (a pointer or dev_t can be reused).  A reply is used only while it
 * is provably current for this host:
 *  - when it was fetched, no other command was in flight or dispatched:
 *    the device was idle (scsi_device_busy() == 0) before it was sent, and
 *    iorequest_cnt advanced by exactly one (our command) when it returned;
 *  - since then no command of any kind reached the device (iorequest_cnt,
 *    which counts every dispatched command, SG_IO passthrough included,
 *    is unchanged) and none is in flight now;
 *  - it is younger than cache_ms (other initiators of a shared LUN are
 *    invisible to this host; the bound keeps such staleness short).
 * Any write, discard or page-cache write-back therefore invalidates it.
 * READ CAPACITY answers (LBPME, LBPRZ, block size) change only when the
 * device is reformatted; they are kept for 30 s whatever the traffic, as
 * long as the cache is on (cache_ms > 0).
 */
#include <linux/jiffies.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <scsi/scsi_device.h>

#include "blkseek.h"
#include "blkseek_stats.h"

#define CACHE_ENTRIES	8
/* READ CAPACITY answers change only when a disk is reformatted. */
#define CAPS_TTL_MS	30000

struct cache_entry {
	u64 diskseq;			/* 0: free */
	unsigned long used;		/* jiffies of last use, for eviction */
	/* the last reply */
	bool runs_valid;
	unsigned int iorequest_cnt;
	unsigned long runs_stamp;
	unsigned int nr_runs;
	struct blkseek_run runs[BLKSEEK_WALK_RUNS];
	/* READ CAPACITY(16) */
	bool caps_valid;
	unsigned long caps_stamp;
	struct blkseek_caps caps;
};

static struct cache_entry cache[CACHE_ENTRIES];
static DEFINE_SPINLOCK(cache_lock);

/* Younger than @ms, while the cache is on. */
static bool fresh(unsigned long stamp, unsigned int ms)
{
	return READ_ONCE(blkseek_cache_ms) &&
	       time_before(jiffies, stamp + msecs_to_jiffies(ms));
}

/* The entry of @diskseq, or NULL; with @create, a free or the oldest one. */
static struct cache_entry *entry_of(u64 diskseq, bool create)
{
	struct cache_entry *e, *victim = &cache[0];

	lockdep_assert_held(&cache_lock);
	for (e = cache; e < cache + CACHE_ENTRIES; e++) {
		if (e->diskseq == diskseq) {
			e->used = jiffies;
			return e;
		}
		if (!e->diskseq ||
		    (victim->diskseq && time_before(e->used, victim->used)))
			victim = e;
	}
	if (!create)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	victim->diskseq = diskseq;
	victim->used = jiffies;
	return victim;
}

/**
 * blkseek_cache_runs() - runs from @lba on, from a reply still current
 * @q: the command state (device and diskseq)
 * @lba: starting LBA
 * @runs: filled on a hit, the first run starting at @lba
 * @max_runs: capacity of @runs
 *
 * Return: number of runs on a hit, 0 on a miss.
 */
int blkseek_cache_runs(struct blkseek_cmd *q, u64 lba, struct blkseek_run *runs,
		       unsigned int max_runs)
{
	unsigned int cnt = atomic_read(&q->sdev->iorequest_cnt);
	struct cache_entry *e;
	unsigned int i, n = 0;

	if (!q->diskseq)
		return 0;
	spin_lock(&cache_lock);
	e = entry_of(q->diskseq, false);
	if (!e || !e->runs_valid || e->iorequest_cnt != cnt ||
	    !fresh(e->runs_stamp, READ_ONCE(blkseek_cache_ms)) ||
	    scsi_device_busy(q->sdev))
		goto out;
	for (i = 0; i < e->nr_runs && n < max_runs; i++) {
		const struct blkseek_run *r = &e->runs[i];

		if (!n && (lba < r->lba || lba - r->lba >= r->count))
			continue;
		runs[n] = *r;
		if (!n) {
			runs[0].count -= lba - r->lba;
			runs[0].lba = lba;
		}
		n++;
	}
out:
	spin_unlock(&cache_lock);
	blkseek_count(n ? BLKSEEK_STAT_CACHE_HITS : BLKSEEK_STAT_CACHE_MISSES);
	return n;
}

/**
 * blkseek_cache_begin() - note the device's state before a GET LBA STATUS
 * @q: the command state
 *
 * Return: a token for blkseek_cache_store(): the dispatch count, or
 * UINT_MAX when the device is busy and the reply may not be cached.
 */
unsigned int blkseek_cache_begin(struct blkseek_cmd *q)
{
	unsigned int cnt = atomic_read(&q->sdev->iorequest_cnt);

	/* read the count first: a command slipping in after it shows there */
	smp_rmb();
	return scsi_device_busy(q->sdev) ? UINT_MAX : cnt;
}

/**
 * blkseek_cache_store() - keep a reply if nothing else touched the device
 * @q: the command state
 * @token: from blkseek_cache_begin() before the command was sent
 * @runs: the reply's runs
 * @n: how many
 */
void blkseek_cache_store(struct blkseek_cmd *q, unsigned int token,
			 const struct blkseek_run *runs, int n)
{
	unsigned int cnt = atomic_read(&q->sdev->iorequest_cnt);
	struct cache_entry *e;

	if (!q->diskseq || token == UINT_MAX || cnt != token + 1 || n <= 0 ||
	    n > BLKSEEK_WALK_RUNS || scsi_device_busy(q->sdev) ||
	    !READ_ONCE(blkseek_cache_ms))
		return;
	spin_lock(&cache_lock);
	e = entry_of(q->diskseq, true);
	memcpy(e->runs, runs, n * sizeof(*runs));
	e->nr_runs = n;
	e->iorequest_cnt = cnt;
	e->runs_stamp = jiffies;
	e->runs_valid = true;
	spin_unlock(&cache_lock);
}

/**
 * blkseek_cache_caps() - READ CAPACITY(16) answer of a disk, if recent
 * @q: the command state
 * @caps: filled on a hit
 *
 * Return: true on a hit.
 */
bool blkseek_cache_caps(struct blkseek_cmd *q, struct blkseek_caps *caps)
{
	struct cache_entry *e;
	bool hit = false;

	if (!q->diskseq)
		return false;
	spin_lock(&cache_lock);
	e = entry_of(q->diskseq, false);
	if (e && e->caps_valid && fresh(e->caps_stamp, CAPS_TTL_MS)) {
		*caps = e->caps;
		hit = true;
	}
	spin_unlock(&cache_lock);
	return hit;
}

/**
 * blkseek_cache_store_caps() - keep a READ CAPACITY(16) answer
 * @q: the command state
 * @caps: the answer
 */
void blkseek_cache_store_caps(struct blkseek_cmd *q,
			      const struct blkseek_caps *caps)
{
	struct cache_entry *e;

	if (!q->diskseq || !READ_ONCE(blkseek_cache_ms))
		return;
	spin_lock(&cache_lock);
	e = entry_of(q->diskseq, true);
	e->caps = *caps;
	e->caps_stamp = jiffies;
	e->caps_valid = true;
	spin_unlock(&cache_lock);
}
