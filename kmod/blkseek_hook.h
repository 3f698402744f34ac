/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The replacement for blkdev_llseek() (blkseek_hook.c).
 */
#ifndef BLKSEEK_HOOK_H
#define BLKSEEK_HOOK_H

#include <linux/types.h>

struct file;

bool blkseek_answer(struct file *file, loff_t off, int whence, loff_t *ret);
loff_t blkseek_llseek(struct file *file, loff_t off, int whence);

#endif /* BLKSEEK_HOOK_H */
