/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module parameters the answer reads (defined in blkseek_main.c).
 */
#ifndef BLKSEEK_PARAMS_H
#define BLKSEEK_PARAMS_H

extern unsigned int blkseek_timeout_ms;
extern unsigned int blkseek_max_queries;
extern unsigned int blkseek_cache_ms;
extern unsigned int blkseek_answer_ms;

#endif /* BLKSEEK_PARAMS_H */
