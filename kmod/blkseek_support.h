/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What each disk said of GET LBA STATUS, remembered (blkseek_support.c).
 */
#ifndef BLKSEEK_SUPPORT_H
#define BLKSEEK_SUPPORT_H

#include <linux/types.h>

#include "blkseek_gls.h"

struct blkseek_sd;
struct kobject;
struct scsi_sense_hdr;

bool blkseek_support_of(const struct blkseek_sd *sd, enum blkseek_support *said);
void blkseek_support_note(const struct blkseek_sd *sd, enum blkseek_support said,
			  const struct scsi_sense_hdr *sshdr);
int blkseek_support_register(struct kobject *parent);
void blkseek_support_unregister(struct kobject *parent);

#endif /* BLKSEEK_SUPPORT_H */
