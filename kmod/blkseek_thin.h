/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thin volumes (dm-thin): write trackers armed before a pool's metadata
 * snapshot, and the answers made from the snapshot and the tracker
 * (blkseek_thin.c).
 */
#ifndef BLKSEEK_THIN_H
#define BLKSEEK_THIN_H

#include <linux/types.h>

#include <linux/blkseek_stack.h>

struct blkseek_ctx;
struct blkseek_stack;
struct blkseek_thin;

int blkseek_thin_start(void);
void blkseek_thin_stop(void);
void blkseek_thin_unuse(struct blkseek_thin *t);
long blkseek_thin_arm_ioctl(struct blkseek_thin_arm __user *ua);
long blkseek_thin_set_ioctl(struct blkseek_thin_map __user *um);
void blkseek_thin_begin(struct blkseek_ctx *c, struct blkseek_stack *st);

#endif /* BLKSEEK_THIN_H */
