// SPDX-License-Identifier: GPL-2.0
/*
 * A cache of GET LBA STATUS replies and READ CAPACITY(16) answers.
 *
 * Without it a walk asks again at every run boundary and every lseek sends
 * a READ CAPACITY(16).  With it a copier pays about one command per reply:
 * a reply holds up to 255 runs, and it stays usable while the copier reads.
 *
 * Entries are keyed by the disk's diskseq, which never repeats across
 * disks (a pointer or dev_t can be reused).  A reply is used only while
 * nothing can have changed the provisioning state it describes, as far as
 * this host can see, and for at most cache_ms (other initiators of a
 * shared LUN are invisible to this host; the bound keeps their staleness
 * short).  "Nothing changed" is what probes on the SCSI dispatch
 * tracepoints see (blkseek_cmd_watch.c); without them (dispatch mode off)
 * no reply is kept: the commands of another path of the LUN could not be
 * seen.
 *
 * Every command dispatched to a disk whose entry is here, or to another
 * path of its LUN (blkseek_lun.c), completed or timed out is classified by
 * blkseek_cdb_keeps_provisioning(); any other command (a write, UNMAP,
 * WRITE SAME, FORMAT, SG_IO passthrough of any of them, an unknown opcode)
 * bumps the entry's @changes at dispatch and again at completion or
 * timeout.  A reply is kept only if @changes did not move from before the
 * command was sent to after it returned, and used only while @changes
 * still has that value.  A write in flight while the reply was made bumps
 * @changes when it completes, so a reply that may predate it dies then.
 * A timed-out write may still be executed until the error handler is done
 * with it: it disarms the entry, and the entry is armed again only when
 * the device is seen idle (that write finished), and no other path of the
 * LUN is still handling a timed-out write (blkseek_timeouts.c).  A new
 * entry is armed the same way, so that commands dispatched before the
 * probes could see the entry are finished.
 *
 * READ CAPACITY answers (LBPME, LBPRZ, block size) change only when the
 * device is reformatted; they are kept for 30 s whatever the traffic, as
 * long as the cache is on (cache_ms > 0).
 *
 * Locking: cache_lock serializes the writers of an entry: taking it for
 * a disk (entry_of()), arming it (blkseek_cache_begin()), and keeping a
 * reply or a READ CAPACITY answer in it.  Those writers change @diskseq,
 * the reply and the caps inside the entry's seqcount.  A hit takes no
 * lock: it finds the entry by its diskseq (entry_find()), then reads the
 * reply (or caps) and checks @diskseq between read_seqcount_begin() and
 * read_seqcount_retry(), again if a writer ran meanwhile, so it uses a
 * reply only whole, as its writer left it.  Whether that reply is still
 * current comes from @changes and @timeouts, which the probes bump with
 * atomics and no lock, in any context (blkseek_cache_device_changed()),
 * and from @armed and @armed_at, written under the lock and read without
 * it (smp_wmb() and smp_rmb() order them; changes_of() orders them after
 * @changes).  The only shared write of a hit is @used, at most once per
 * jiffy.
 */
#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <scsi/scsi_device.h>

#include "blkseek_cache.h"
#include "blkseek_dev.h"
#include "blkseek_lun.h"
#include "blkseek_params.h"
#include "blkseek_query.h"
#include "blkseek_stats.h"
#include "blkseek_timeouts.h"

/* The longest use of a kept reply, ms; 0: the cache is off. */
static unsigned int cache_ms = 1000;
static struct blkseek_uint_range cache_range = {
	.value = &cache_ms, .min = 0, .max = 60000,
};
module_param_cb(cache_ms, &blkseek_uint_range_ops, &cache_range, 0644);
MODULE_PARM_DESC(cache_ms,
		 "Longest use of a cached reply, ms; 0 disables the cache (0..60000, default 1000)");

/* Disks walked at once without evicting each other's replies. */
#define CACHE_ENTRIES	16
/* READ CAPACITY answers change only when a disk is reformatted. */
#define CAPS_TTL_MS	30000

/**
 * struct cache_entry - what is cached for one disk
 * @seq: writers (under cache_lock) change the fields below it inside it
 * @diskseq: the disk's, 0 when free
 * @sdev: its SCSI device, only compared by the dispatch probe, never
 *	dereferenced; NULL when free
 * @lun: the identity of its logical unit: a command on another device
 *	that may be a path of the same LUN changes it too
 * @changes: bumped by the probe for each command that may change
 *	provisioning state, at dispatch and at completion or timeout; never
 *	reset, so a token taken before the entry was reused cannot match
 * @timeouts: bumped by the probe for each command that may change
 *	provisioning state and timed out on the entry's device or on another
 *	path of its LUN: it disarms the entry
 * @armed: the device was seen idle, and no other path busy with a
 *	timed-out change, since the entry was made, when @timeouts was
 *	@armed_at
 * @armed_at: @timeouts when the entry was armed; the entry is armed only
 *	while @timeouts still has that value
 * @used: jiffies of last use, for eviction
 * @runs_valid: @runs hold a reply
 * @runs_changes: @changes when the reply was asked for
 * @runs_stamp: jiffies when the reply came
 * @nr_runs: runs in @runs
 * @runs: the reply, from the LBA asked on
 * @caps_valid: @caps hold an answer
 * @caps_stamp: jiffies when it came
 * @caps: the READ CAPACITY(16) answer
 */
struct cache_entry {
	seqcount_spinlock_t seq;
	u64 diskseq;
	struct scsi_device *sdev;
	struct blkseek_lun lun;
	atomic_t changes;
	atomic_t timeouts;
	bool armed;
	unsigned int armed_at;
	unsigned long used;
	bool runs_valid;
	unsigned int runs_changes;
	unsigned long runs_stamp;
	unsigned int nr_runs;
	struct blkseek_run runs[BLKSEEK_REPLY_RUNS];
	bool caps_valid;
	unsigned long caps_stamp;
	struct blkseek_caps caps;
};

static DEFINE_SPINLOCK(cache_lock);
static struct cache_entry cache[CACHE_ENTRIES] = {
	[0 ... CACHE_ENTRIES - 1] = {
		.seq = SEQCNT_SPINLOCK_ZERO(cache.seq, &cache_lock),
	},
};

/* Set by blkseek_cmd_watch.c while its probes are attached. */
static bool dispatch_mode;

/* Younger than @ms, while the cache is on. */
static bool fresh(unsigned long stamp, unsigned int ms)
{
	return READ_ONCE(cache_ms) &&
	       time_before(jiffies, stamp + msecs_to_jiffies(ms));
}

/* Under the lock: the entry of @sd's disk, else a free or the oldest one. */
static struct cache_entry *entry_of(struct blkseek_sd *sd)
{
	struct cache_entry *e, *victim = &cache[0];

	lockdep_assert_held(&cache_lock);
	for (e = cache; e < cache + CACHE_ENTRIES; e++) {
		if (e->diskseq == sd->diskseq) {
			WRITE_ONCE(e->used, jiffies);
			return e;
		}
		if (!e->diskseq ||
		    (victim->diskseq &&
		     time_before(READ_ONCE(e->used), READ_ONCE(victim->used))))
			victim = e;
	}
	/* the old disk's tokens die with it; the probe sees the new sdev */
	atomic_inc(&victim->changes);
	write_seqcount_begin(&victim->seq);
	WRITE_ONCE(victim->diskseq, sd->diskseq);
	WRITE_ONCE(victim->sdev, NULL);
	blkseek_lun_of_sdev(sd->sdev, &victim->lun);
	/*
	 * The identity before the device: a probe that sees the new sdev sees
	 * its LUN (smp_load_acquire() in changes_entry()); one that still sees
	 * the old sdev or NULL concerns an entry not armed yet.
	 */
	smp_store_release(&victim->sdev, sd->sdev);
	WRITE_ONCE(victim->armed, false);
	victim->runs_valid = false;
	victim->caps_valid = false;
	WRITE_ONCE(victim->used, jiffies);
	write_seqcount_end(&victim->seq);
	return victim;
}

/*
 * A hit's lookup, without the lock: the entry that had @diskseq when it
 * was looked at, or NULL.  The caller reads it in a seqcount section and
 * checks @diskseq again there.
 */
static struct cache_entry *entry_find(u64 diskseq)
{
	struct cache_entry *e;
	unsigned long now = jiffies;

	for (e = cache; e < cache + CACHE_ENTRIES; e++) {
		if (READ_ONCE(e->diskseq) != diskseq)
			continue;
		/* eviction's clock: written once per jiffy, not per hit */
		if (READ_ONCE(e->used) != now)
			WRITE_ONCE(e->used, now);
		return e;
	}
	return NULL;
}

/*
 * Runs of @e from @lba on into @runs; how many (0: @lba not in them).
 * The runs of a reply are contiguous and ascending (blkseek_gls_parse()):
 * a binary search finds the one holding @lba.  Read in a seqcount section,
 * the entry may be torn: every index stays below the one count read, so a
 * torn read copies garbage (thrown away by the retry), never past @runs.
 */
static int runs_from(const struct cache_entry *e, u64 lba,
		     struct blkseek_run *runs, unsigned int max_runs)
{
	unsigned int nr = min_t(unsigned int, READ_ONCE(e->nr_runs),
				BLKSEEK_REPLY_RUNS);
	unsigned int lo = 0, hi = nr, mid, n;

	/* the last run starting at or before @lba is runs[lo - 1] */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (e->runs[mid].lba <= lba)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || lba - e->runs[lo - 1].lba >= e->runs[lo - 1].count)
		return 0;
	n = min(nr - (lo - 1), max_runs);
	memcpy(runs, &e->runs[lo - 1], n * sizeof(*runs));
	runs[0].count -= lba - runs[0].lba;
	runs[0].lba = lba;
	return n;
}

/* Armed: since it was, no change timed out on a path of its LUN. */
static bool is_armed(const struct cache_entry *e)
{
	if (!READ_ONCE(e->armed))
		return false;
	smp_rmb();	/* pairs with smp_wmb() in blkseek_cache_begin() */
	return READ_ONCE(e->armed_at) == (unsigned int)atomic_read(&e->timeouts);
}

/*
 * The entry's change count, then whether it is armed.  The probe bumps
 * @timeouts before @changes (blkseek_cache_device_changed()): a count read
 * here that includes a timed-out command's bump comes with its disarm.
 */
static unsigned int changes_of(const struct cache_entry *e, bool *armed)
{
	unsigned int changes = (unsigned int)atomic_read(&e->changes);

	/* pairs with smp_mb__after_atomic() in the probe */
	smp_rmb();
	*armed = is_armed(e);
	return changes;
}

/*
 * Nothing has changed the provisioning state since @e's reply came: no
 * command that may change it was seen since, and the probes still watch.
 */
static bool reply_current(const struct cache_entry *e)
{
	unsigned int changes;
	bool armed;

	if (!e->runs_valid || !READ_ONCE(dispatch_mode) ||
	    !fresh(e->runs_stamp, READ_ONCE(cache_ms)))
		return false;
	changes = changes_of(e, &armed);
	return armed && e->runs_changes == changes;
}

/*
 * Parse @sd's reply of @len bytes, asked at @lba, into @e, stamped with
 * @changes, and copy its first runs into the walk's @runs.  Under
 * the lock, so that no reader sees a reply half parsed, and the walk gets
 * the runs kept.
 *
 * Return: the runs of the whole reply, or -EIO (nothing kept).
 */
static int keep_reply(struct cache_entry *e, const struct blkseek_sd *sd,
		      size_t len, u64 lba, unsigned int changes,
		      struct blkseek_run *runs, unsigned int max_runs)
{
	int n;

	lockdep_assert_held(&cache_lock);
	write_seqcount_begin(&e->seq);
	e->runs_valid = false;
	n = blkseek_gls_parse(sd->buf, len, lba, e->runs, BLKSEEK_REPLY_RUNS);
	if (n >= 0) {
		WRITE_ONCE(e->nr_runs, n);
		e->runs_changes = changes;
		e->runs_stamp = jiffies;
		e->runs_valid = true;
	}
	write_seqcount_end(&e->seq);
	if (n >= 0)
		memcpy(runs, e->runs,
		       min_t(unsigned int, n, max_runs) * sizeof(*runs));
	return n;
}

/**
 * blkseek_cache_runs() - runs from @lba on, from a reply still current
 * @sd: the command state (device and diskseq)
 * @lba: starting LBA
 * @runs: filled on a hit, the first run starting at @lba
 * @max_runs: capacity of @runs
 *
 * Return: number of runs on a hit, 0 on a miss.
 */
int blkseek_cache_runs(struct blkseek_sd *sd, u64 lba, struct blkseek_run *runs,
		       unsigned int max_runs)
{
	struct cache_entry *e;
	unsigned int seq;
	int n = 0;

	if (!sd->diskseq)
		return 0;
	e = entry_find(sd->diskseq);
	if (e) {
		do {
			seq = read_seqcount_begin(&e->seq);
			n = 0;
			if (e->diskseq == sd->diskseq && reply_current(e))
				n = runs_from(e, lba, runs, max_runs);
		} while (read_seqcount_retry(&e->seq, seq));
	}
	blkseek_count(n ? BLKSEEK_STAT_CACHE_HITS : BLKSEEK_STAT_CACHE_MISSES);
	return n;
}

/**
 * blkseek_cache_begin() - note the device's state before a GET LBA STATUS
 * @sd: the command state
 *
 * Makes the disk's entry (the probes then watch its device and the other
 * paths of its LUN) and arms it if the device is idle and no other path
 * is handling a timed-out change.
 *
 * Return: a token for blkseek_cache_reply(): the entry's index and change
 * count, so that the reply is kept only in that entry; or
 * BLKSEEK_CACHE_NO_TOKEN when the reply may not be kept.
 */
u64 blkseek_cache_begin(struct blkseek_sd *sd)
{
	u64 token = BLKSEEK_CACHE_NO_TOKEN;
	unsigned int changes, timeouts;
	struct cache_entry *e;
	bool armed;

	if (!sd->diskseq || !READ_ONCE(cache_ms) ||
	    !READ_ONCE(dispatch_mode))
		return BLKSEEK_CACHE_NO_TOKEN;
	spin_lock(&cache_lock);
	e = entry_of(sd);
	/*
	 * The timeouts seen before the checks: one recorded after
	 * blkseek_timeouts_quiet() looked bumps @timeouts after that, and
	 * leaves the entry disarmed (arming never overwrites a disarm).
	 */
	timeouts = (unsigned int)atomic_read(&e->timeouts);
	/*
	 * Pairs with the budget a command takes before its dispatch probe
	 * reads the entry's sdev: either that probe sees the entry, or the
	 * command shows here as busy.  Idle: every command the probe may have
	 * missed, and every timed-out one, has finished.
	 */
	smp_mb();
	if (!is_armed(e) && !scsi_device_busy(sd->sdev) &&
	    blkseek_timeouts_quiet(&e->lun)) {
		WRITE_ONCE(e->armed_at, timeouts);
		smp_wmb();	/* a reader seeing @armed sees @armed_at */
		WRITE_ONCE(e->armed, true);
	}
	changes = changes_of(e, &armed);
	if (armed)
		token = (u64)(e - cache) << 32 | changes;
	spin_unlock(&cache_lock);
	return token;
}

/* Keep the reply if its entry's count did not move. */
static int reply_keep(struct blkseek_sd *sd, u64 token, size_t len, u64 lba,
		      struct blkseek_run *runs, unsigned int max_runs)
{
	struct cache_entry *e = &cache[(token >> 32) % CACHE_ENTRIES];
	unsigned int changes;
	bool armed;
	int n = 0;

	spin_lock(&cache_lock);
	changes = changes_of(e, &armed);
	if (e->diskseq == sd->diskseq && armed &&
	    changes == (unsigned int)token)
		n = keep_reply(e, sd, len, lba, changes, runs, max_runs);
	spin_unlock(&cache_lock);
	return n;
}

/**
 * blkseek_cache_reply() - parse a GET LBA STATUS reply, kept if nothing
 *	could have changed it
 * @sd: the command state; @sd->buf holds the reply
 * @token: from blkseek_cache_begin() before the command was sent
 * @len: bytes the device returned
 * @lba: the LBA asked
 * @runs: filled with the reply's first runs, from @lba on
 * @max_runs: capacity of @runs
 *
 * A reply that may be kept is parsed straight into its cache entry, whole
 * (no buffer of runs beside the cache's); one that may not, only as far
 * as @runs holds.
 *
 * Return: the runs parsed, of which the first min(that, @max_runs) are
 * in @runs, or -EIO when the reply does not describe @lba.
 */
int blkseek_cache_reply(struct blkseek_sd *sd, u64 token, size_t len, u64 lba,
			struct blkseek_run *runs, unsigned int max_runs)
{
	int n = 0;

	if (token != BLKSEEK_CACHE_NO_TOKEN && READ_ONCE(cache_ms) &&
	    READ_ONCE(dispatch_mode))
		n = reply_keep(sd, token, len, lba, runs, max_runs);
	/* not kept: only the runs the walk takes */
	if (!n)
		n = blkseek_gls_parse(sd->buf, len, lba, runs, max_runs);
	return n;
}

/**
 * blkseek_cache_dispatch_mode() - the dispatch probes attached or detached
 * @on: true once every probe is attached, false before they are detached
 *
 * Told by the watch (blkseek_cmd_watch.c); until then, and after, no
 * reply is kept or used.
 */
void blkseek_cache_dispatch_mode(bool on)
{
	WRITE_ONCE(dispatch_mode, on);
}

/*
 * Whether a command on @sdev may change what @e describes: @sdev is its
 * device, or may be another path of its LUN (@lun, @sdev's identity, read
 * once per command by the caller, when first needed).
 */
static bool changes_entry(const struct cache_entry *e,
			  struct scsi_device *sdev, struct blkseek_lun *lun)
{
	/* pairs with smp_store_release() in entry_of(): @lun is @own's */
	struct scsi_device *own = smp_load_acquire(&e->sdev);

	if (!own)
		return false;
	if (own == sdev)
		return true;
	if (lun->nr == BLKSEEK_LUN_UNREAD)
		blkseek_lun_of_sdev(sdev, lun);
	return blkseek_lun_may_match(&e->lun, lun);
}

/**
 * blkseek_cache_device_changed() - a command that may change provisioning
 *	state was dispatched to, completed on or timed out on @sdev
 * @sdev: the device; its identity is read, nothing else
 * @timed_out: it timed out: the device may still execute it until the
 *	error handler is done
 *
 * Changes the entry of @sdev and of every device that may be another path
 * of its LUN (blkseek_lun.c): the paths of one LUN share its blocks, not
 * a cache entry.  Called by the dispatch probes, in any context: no lock,
 * no sleep.
 */
void blkseek_cache_device_changed(struct scsi_device *sdev, bool timed_out)
{
	struct blkseek_lun lun = { .nr = BLKSEEK_LUN_UNREAD };
	struct cache_entry *e;

	for (e = cache; e < cache + CACHE_ENTRIES; e++) {
		if (!changes_entry(e, sdev, &lun))
			continue;
		if (timed_out) {
			atomic_inc(&e->timeouts);
			/* ordered before the bump: see changes_of() */
			smp_mb__after_atomic();
		}
		atomic_inc(&e->changes);
		blkseek_count(BLKSEEK_STAT_CACHE_CHANGES);
	}
}

/**
 * blkseek_cache_caps() - READ CAPACITY(16) answer of a disk, if recent
 * @sd: the command state
 * @caps: filled on a hit
 *
 * Return: true on a hit.
 */
bool blkseek_cache_caps(struct blkseek_sd *sd, struct blkseek_caps *caps)
{
	struct cache_entry *e;
	unsigned int seq;
	bool hit = false;

	if (!sd->diskseq)
		return false;
	e = entry_find(sd->diskseq);
	if (!e)
		return false;
	do {
		seq = read_seqcount_begin(&e->seq);
		hit = e->diskseq == sd->diskseq && e->caps_valid &&
		      fresh(e->caps_stamp, CAPS_TTL_MS);
		if (hit)
			*caps = e->caps;
	} while (read_seqcount_retry(&e->seq, seq));
	return hit;
}

/**
 * blkseek_cache_store_caps() - keep a READ CAPACITY(16) answer
 * @sd: the command state
 * @caps: the answer
 */
void blkseek_cache_store_caps(struct blkseek_sd *sd,
			      const struct blkseek_caps *caps)
{
	struct cache_entry *e;

	if (!sd->diskseq || !READ_ONCE(cache_ms))
		return;
	spin_lock(&cache_lock);
	e = entry_of(sd);
	write_seqcount_begin(&e->seq);
	e->caps = *caps;
	e->caps_stamp = jiffies;
	e->caps_valid = true;
	write_seqcount_end(&e->seq);
	spin_unlock(&cache_lock);
}
