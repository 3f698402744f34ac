/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The watch on changes of stacked devices (blkseek_stack_watch.c).
 */
#ifndef BLKSEEK_STACK_WATCH_H
#define BLKSEEK_STACK_WATCH_H

#include <linux/types.h>

bool blkseek_stack_watch_sound(unsigned int kind);
int blkseek_stack_watch_start(void);
void blkseek_stack_watch_stop(void);

#endif /* BLKSEEK_STACK_WATCH_H */
