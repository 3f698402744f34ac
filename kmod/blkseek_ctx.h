/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One answer's state, from the disk found to the walk's source
 * (blkseek_ctx.c).
 */
#ifndef BLKSEEK_CTX_H
#define BLKSEEK_CTX_H

#include <linux/types.h>

#include "blkseek_dev.h"
#include "blkseek_forward.h"
#include "blkseek_query.h"
#include "blkseek_walk.h"

struct file;

/**
 * struct blkseek_ctx - everything one answer (lseek or ioctl) works with
 * @target: the disk and the range answered for
 * @sd: the state of @src for an sd disk
 * @fwd: the state of @src for a stacked device
 * @src: GET LBA STATUS or the lower devices as a source of runs
 * @geom: the geometry and what may be reported, for the walk
 */
struct blkseek_ctx {
	struct blkseek_target target;
	struct blkseek_sd sd;
	struct blkseek_fwd fwd;
	struct blkseek_source src;
	struct blkseek_geom geom;
};

/*
 * blkseek_walk_current() - the value of @walk, an expression walking @c,
 * evaluated again when a stacked device's mapping went stale meanwhile:
 * blkseek_stale_to_data() has then made @c say "all data", and says so
 * only once, so @walk is evaluated once or twice.
 */
#define blkseek_walk_current(c, walk) ({				\
	typeof(walk) __walked;						\
									\
	do {								\
		__walked = (walk);					\
	} while (blkseek_stale_to_data(c));				\
	__walked;							\
})

int blkseek_begin(struct file *file, u64 off, struct blkseek_ctx *c);
int blkseek_begin_at(struct file *file, u64 off, struct blkseek_ctx *c,
		     unsigned int depth);
int blkseek_flush_dirty(struct file *file, u64 off, u64 size);
void blkseek_end(struct blkseek_ctx *c, const struct blkseek_walk_stats *stats);

#endif /* BLKSEEK_CTX_H */
