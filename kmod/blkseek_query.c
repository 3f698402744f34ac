// SPDX-License-Identifier: GPL-2.0
/*
 * READ CAPACITY(16) and GET LBA STATUS(16) through the SCSI midlayer, and
 * once per disk REPORT SUPPORTED OPERATION CODES of GET LBA STATUS
 * (blkseek_support.c remembers the answer).  Commands are bounded by the
 * timeout_ms module parameter; any failure is reported as an error that
 * the walk turns into "data".
 */
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <scsi/scsi_device.h>

#include "blkseek_cache.h"
#include "blkseek_compat.h"
#include "blkseek_params.h"
#include "blkseek_query.h"
#include "blkseek_stats.h"
#include "blkseek_support.h"

#define CREATE_TRACE_POINTS
#include "blkseek_trace.h"

#define BLKSEEK_RETRIES	2

/*
 * The reply buffer, allocated by the answer's first command: an answer
 * from the cache allocates nothing.  Without memory the command is not
 * sent (nor counted as sent) and counts as failed.
 */
static int reply_buf(struct blkseek_sd *sd)
{
	if (!sd->buf)
		sd->buf = kmalloc(BLKSEEK_GLS_BUF_LEN, GFP_KERNEL);
	if (sd->buf)
		return 0;
	blkseek_count(BLKSEEK_STAT_FB_CMD_FAILED);
	return -ENOMEM;
}

/*
 * Send @cdb with a reply of @len bytes (at most BLKSEEK_GLS_BUF_LEN) into
 * @sd->buf; return the number of reply bytes received, -EOPNOTSUPP when
 * the device refused the command (blkseek_sense_refuses(); @sshdr says
 * how), or -EIO.
 */
static int query_send(struct blkseek_sd *sd, const u8 *cdb, unsigned int len,
		      struct scsi_sense_hdr *sshdr)
{
	int resid = 0;
	int result;

	memset(sd->buf, 0, len);
	memset(sshdr, 0, sizeof(*sshdr));
	blkseek_count(BLKSEEK_STAT_CMDS);
	result = blkseek_execute_in(sd->sdev, cdb, sd->buf, len,
				    msecs_to_jiffies(READ_ONCE(blkseek_timeout_ms)),
				    BLKSEEK_RETRIES, sshdr, &resid);
	if (result > 0 && scsi_sense_valid(sshdr) &&
	    blkseek_sense_refuses(sshdr->sense_key, sshdr->asc)) {
		blkseek_count(BLKSEEK_STAT_FB_CMD_FAILED);
		return -EOPNOTSUPP;
	}
	if (result || resid < 0 || resid > len) {
		blkseek_count(BLKSEEK_STAT_FB_CMD_FAILED);
		return -EIO;
	}
	return len - resid;
}

/**
 * blkseek_read_caps() - ask READ CAPACITY(16) for the provisioning bits
 * @sd: query state (device and buffer)
 * @caps: filled on success
 *
 * Return: 0, -ENOMEM when there is no memory for the reply, or -EIO when
 * the command fails or the reply is short.
 */
int blkseek_read_caps(struct blkseek_sd *sd, struct blkseek_caps *caps)
{
	struct scsi_sense_hdr sshdr;
	u8 cdb[BLKSEEK_CDB_LEN];
	int got;

	if (blkseek_cache_caps(sd, caps))
		return 0;
	if (reply_buf(sd))
		return -ENOMEM;
	blkseek_rc16_cdb(cdb, BLKSEEK_RC16_LEN);
	blkseek_count(BLKSEEK_STAT_CMDS_RC16);
	got = query_send(sd, cdb, BLKSEEK_RC16_LEN, &sshdr);
	if (got < 0)
		return -EIO;
	if (blkseek_rc16_parse(sd->buf, got, caps)) {
		blkseek_count(BLKSEEK_STAT_FB_MALFORMED);
		return -EIO;
	}
	blkseek_cache_store_caps(sd, caps);
	return 0;
}

/*
 * Whether GET LBA STATUS may be sent to @sd's disk: not if it refused the
 * command since its last rescan.  The first time, where the device answers
 * REPORT SUPPORTED OPERATION CODES, its answer decides; a device that does
 * not say (or does not answer) is asked GET LBA STATUS itself.
 */
static bool gls_allowed(struct blkseek_sd *sd)
{
	enum blkseek_support said = BLKSEEK_SUPPORT_UNKNOWN;
	struct scsi_sense_hdr sshdr;
	u8 cdb[BLKSEEK_CDB_LEN];
	int got;

	if (blkseek_support_of(sd, &said))
		return said != BLKSEEK_UNSUPPORTED;
	if (!sd->sdev->no_report_opcodes) {
		blkseek_rsoc_gls_cdb(cdb, BLKSEEK_RSOC_LEN);
		blkseek_count(BLKSEEK_STAT_CMDS_RSOC);
		got = query_send(sd, cdb, BLKSEEK_RSOC_LEN, &sshdr);
		if (got >= 0)
			said = blkseek_rsoc_parse(sd->buf, got);
	}
	blkseek_support_note(sd, said, NULL);
	return said != BLKSEEK_UNSUPPORTED;
}

/**
 * blkseek_fetch_runs() - &struct blkseek_source fetch for GET LBA STATUS
 * @ctx: the &struct blkseek_sd
 * @lba: starting LBA
 * @runs: output runs, the first starting at @lba
 * @max_runs: capacity of @runs
 *
 * Answers from the reply cache when a reply is provably current.  A disk
 * that refused the command is not asked again (blkseek_support.c).  No
 * command is started for a caller with a fatal signal pending, nor after
 * the answer's deadline: the rest of the answer is then data.
 *
 * Return: number of runs, or a negative errno (the walk then reports data).
 */
int blkseek_fetch_runs(void *ctx, u64 lba, struct blkseek_run *runs,
		       unsigned int max_runs)
{
	struct blkseek_sd *sd = ctx;
	struct scsi_sense_hdr sshdr;
	u8 cdb[BLKSEEK_CDB_LEN];
	u64 token;
	ktime_t start;
	int n;

	n = blkseek_cache_runs(sd, lba, runs, max_runs);
	if (n)
		return n;
	/* between commands: a killed caller, or the answer's time is up */
	if (fatal_signal_pending(current)) {
		blkseek_count(BLKSEEK_STAT_FB_KILLED);
		return -EINTR;
	}
	if (time_after(jiffies, sd->deadline)) {
		blkseek_count(BLKSEEK_STAT_FB_TIME);
		return -ETIME;
	}
	if (reply_buf(sd))
		return -ENOMEM;
	if (!gls_allowed(sd)) {
		blkseek_count(BLKSEEK_STAT_FB_REFUSED);
		return -EOPNOTSUPP;
	}
	token = blkseek_cache_begin(sd);
	start = ktime_get();
	blkseek_gls_cdb(cdb, lba, BLKSEEK_GLS_BUF_LEN);
	blkseek_count(BLKSEEK_STAT_CMDS_GLS);
	n = query_send(sd, cdb, BLKSEEK_GLS_BUF_LEN, &sshdr);
	if (n == -EOPNOTSUPP)
		blkseek_support_note(sd, BLKSEEK_UNSUPPORTED, &sshdr);
	if (n >= 0) {
		/* the whole reply into the cache; the walk takes its first runs */
		n = blkseek_cache_reply(sd, token, n, lba, runs, max_runs);
		if (n < 0)
			blkseek_count(BLKSEEK_STAT_FB_MALFORMED);
		else
			blkseek_count_add(BLKSEEK_STAT_DESCRIPTORS, n);
	}
	if (n > 0)
		n = min_t(unsigned int, n, max_runs);
	trace_blkseek_query(sd->dev, lba, n < 0 ? n : 0,
			    n > 0 ? runs[0].count : 0,
			    n > 0 ? runs[0].state : 0,
			    ktime_to_ns(ktime_sub(ktime_get(), start)));
	return n;
}
