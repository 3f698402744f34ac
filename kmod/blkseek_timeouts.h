/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Devices with a timed-out command that may change provisioning state,
 * until their error handling is over (blkseek_timeouts.c).
 */
#ifndef BLKSEEK_TIMEOUTS_H
#define BLKSEEK_TIMEOUTS_H

#include <linux/types.h>

struct blkseek_lun;
struct scsi_device;

void blkseek_timeouts_note(struct scsi_device *sdev);
bool blkseek_timeouts_quiet(const struct blkseek_lun *lun);
void blkseek_timeouts_exit(void);

#endif /* BLKSEEK_TIMEOUTS_H */
