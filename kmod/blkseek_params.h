/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module parameters the answer reads (defined in blkseek_main.c;
 * cache_ms, read only by the cache, is blkseek_cache.c's own), and the
 * parameter type they share.
 */
#ifndef BLKSEEK_PARAMS_H
#define BLKSEEK_PARAMS_H

#include <linux/moduleparam.h>

/**
 * struct blkseek_uint_range - an unsigned module parameter that accepts
 *	only values in [@min, @max] (blkseek_uint_range_ops)
 * @value: the parameter; written with WRITE_ONCE(), read with READ_ONCE()
 * @min: the least value accepted
 * @max: the greatest value accepted
 */
struct blkseek_uint_range {
	unsigned int *value;
	unsigned int min;
	unsigned int max;
};

extern const struct kernel_param_ops blkseek_uint_range_ops;

extern unsigned int blkseek_timeout_ms;
extern unsigned int blkseek_max_queries;
extern unsigned int blkseek_answer_ms;

#endif /* BLKSEEK_PARAMS_H */
