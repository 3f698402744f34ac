/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The watch on SCSI commands dispatched to disks, for the reply cache
 * (blkseek_cmd_watch.c).
 */
#ifndef BLKSEEK_CMD_WATCH_H
#define BLKSEEK_CMD_WATCH_H

int blkseek_cmd_watch_start(void);
void blkseek_cmd_watch_stop(void);

#endif /* BLKSEEK_CMD_WATCH_H */
