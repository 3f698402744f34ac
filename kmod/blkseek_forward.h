/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Answers for stacked devices, from their lower devices
 * (blkseek_forward.c).
 */
#ifndef BLKSEEK_FORWARD_H
#define BLKSEEK_FORWARD_H

#include <linux/types.h>

#include "blkseek_walk.h"

struct blkseek_ctx;
struct blkseek_stack;
struct file;

/*
 * Lower extents asked per fetch of a stacked device: one run of the lower
 * device as its source gives it (blkseek_forward.c).
 */
#define BLKSEEK_FWD_EXTENTS	1

/**
 * struct blkseek_fwd - a stacked device as a source of runs for the walk
 * @st: its mapping, referenced
 * @ext: room for the lower answers
 * @depth: devices stacked above it
 */
struct blkseek_fwd {
	struct blkseek_stack *st;
	struct blkseek_ext ext[BLKSEEK_FWD_EXTENTS];
	unsigned int depth;
};

int blkseek_forward_begin(struct file *file, u64 off, struct blkseek_ctx *c,
			  unsigned int depth);
bool blkseek_stale_to_data(struct blkseek_ctx *c);
unsigned int blkseek_file_extents(struct file *file, u64 off, u64 len,
				  struct blkseek_ext *ext, unsigned int max,
				  unsigned int depth, unsigned long deadline);

#endif /* BLKSEEK_FORWARD_H */
