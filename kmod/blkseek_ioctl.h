/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/blkseek and its ioctls (blkseek_ioctl.c).
 */
#ifndef BLKSEEK_IOCTL_H
#define BLKSEEK_IOCTL_H

int blkseek_ioctl_register(void);
void blkseek_ioctl_unregister(void);

#endif /* BLKSEEK_IOCTL_H */
