/* SPDX-License-Identifier: GPL-2.0 */
/*
 * READ CAPACITY(16) and GET LBA STATUS(16) sent to an sd disk
 * (blkseek_query.c).
 */
#ifndef BLKSEEK_QUERY_H
#define BLKSEEK_QUERY_H

#include <linux/types.h>

#include "blkseek_gls.h"

struct scsi_device;

/* Reply buffer for GET LBA STATUS: header plus 255 descriptors. */
#define BLKSEEK_GLS_BUF_LEN	4096

/**
 * struct blkseek_sd - an sd disk as a source of runs for one answer's walk
 * @sdev: device asked
 * @dev: the disk's device number, for the tracepoint
 * @diskseq: the disk's sequence number, the key of the reply cache
 * @buf: reply buffer of BLKSEEK_GLS_BUF_LEN bytes, allocated when the
 *	answer's first command is sent (an answer from the cache sends none);
 *	NULL until then
 * @deadline: jiffies after which the answer starts no command (answer_ms
 *	from the start of the answer asked, stacked devices included)
 */
struct blkseek_sd {
	struct scsi_device *sdev;
	dev_t dev;
	u64 diskseq;
	u8 *buf;
	unsigned long deadline;
};

int blkseek_read_caps(struct blkseek_sd *sd, struct blkseek_caps *caps);
int blkseek_fetch_runs(void *ctx, u64 lba, struct blkseek_run *runs,
		       unsigned int max_runs);

#endif /* BLKSEEK_QUERY_H */
