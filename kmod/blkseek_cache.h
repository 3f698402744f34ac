/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cache of GET LBA STATUS replies and READ CAPACITY(16) answers
 * (blkseek_cache.c).
 */
#ifndef BLKSEEK_CACHE_H
#define BLKSEEK_CACHE_H

#include <linux/types.h>

#include "blkseek_gls.h"

struct blkseek_sd;
struct scsi_device;

int blkseek_cache_runs(struct blkseek_sd *sd, u64 lba, struct blkseek_run *runs,
		       unsigned int max_runs);
/* blkseek_cache_begin(): the reply that follows may not be kept */
#define BLKSEEK_CACHE_NO_TOKEN	U64_MAX
u64 blkseek_cache_begin(struct blkseek_sd *sd);
int blkseek_cache_reply(struct blkseek_sd *sd, u64 token, size_t len, u64 lba,
			struct blkseek_run *runs, unsigned int max_runs);
void blkseek_cache_dispatch_mode(bool on);
void blkseek_cache_device_changed(struct scsi_device *sdev, bool timed_out);
bool blkseek_cache_caps(struct blkseek_sd *sd, struct blkseek_caps *caps);
void blkseek_cache_store_caps(struct blkseek_sd *sd,
			      const struct blkseek_caps *caps);

#endif /* BLKSEEK_CACHE_H */
