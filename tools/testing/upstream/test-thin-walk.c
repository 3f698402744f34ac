// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of the series' dm-thin patch: thin_seek_hole_data()
 * (drivers/md/dm-thin.c), cut out of the patched tree by host-tests.sh into
 * thin-walk-cut.h and compiled with the few dm-thin structures it uses.
 * Below it a model of the pool's metadata answers
 * dm_thin_find_mapped_range() as dm-thin-metadata.c does (the next mapped
 * block from the one asked, then the run of blocks mapped to consecutive
 * pool blocks with the same sharing), from a random map of a thin device,
 * and fails at random (-EIO, -EWOULDBLOCK, -EINVAL as a failed pool's
 * metadata answers).  Pools of power-of-two and other block sizes, thin
 * sizes that are no multiple of the block, pools not in write mode and
 * thins with an external origin are asked SEEK_DATA and SEEK_HOLE over
 * random ranges.  Every answer must lie in the range asked and never
 * report a hole over data; with no failure, a pool in write mode and no
 * origin it must equal the truth (unprovisioned blocks are holes),
 * otherwise the range, or the rest of it from the failing block, is data.
 * Prints TAP; exits 1 on a failure.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-sd-shim.h"

typedef u64 sector_t;
typedef u64 dm_block_t;
#define SEEK_DATA 3
#define SEEK_HOLE 4
#define SECTOR_SHIFT 9

enum pool_mode { PM_WRITE, PM_OUT_OF_DATA_SPACE, PM_OUT_OF_METADATA_SPACE,
		 PM_READ_ONLY, PM_FAIL };
struct pool_features { enum pool_mode mode; };
struct pool {
	u32 sectors_per_block;
	struct pool_features pf;
};
struct dm_dev { int unused; };
struct dm_thin_device { int unused; };
struct thin_c {
	struct dm_dev *origin_dev;
	struct pool *pool;
	struct dm_thin_device *td;
};
struct dm_target { void *private; };

static enum pool_mode get_pool_mode(struct pool *pool)
{
	return pool->pf.mode;
}

static inline u64 div_u64(u64 a, u32 b)
{
	return a / b;
}

static int current;
static bool killed;
static unsigned int resched;
#define fatal_signal_pending(p) ((void)(p), killed)
#define cond_resched() (resched++)

/* the thin device's map: model pool block of each thin block, or -1 */
#define MAX_BLOCKS 256
static int64_t map[MAX_BLOCKS];
static bool shared[MAX_BLOCKS];
static unsigned int nr_blocks, lookups, fail_pct;
static int fail_with;

static int dm_thin_find_mapped_range(struct dm_thin_device *td,
				     dm_block_t begin, dm_block_t end,
				     dm_block_t *thin_begin, dm_block_t *thin_end,
				     dm_block_t *pool_begin, bool *maybe_shared)
{
	dm_block_t b;

	lookups++;
	if (fail_pct && (unsigned int)rand() % 100 < fail_pct)
		return fail_with;
	/* mappings past the thin's size (left by a shrink) are looked up too */
	for (b = begin; b < end && b < MAX_BLOCKS && map[b] < 0; b++)
		;
	if (b >= end || b >= MAX_BLOCKS)
		return -ENODATA;
	*thin_begin = b;
	*pool_begin = map[b];
	*maybe_shared = shared[b];
	for (b++; b < end && b < MAX_BLOCKS && map[b] == map[b - 1] + 1 &&
	     shared[b] == *maybe_shared; b++)
		;
	*thin_end = b;
	return 0;
}

#include "thin-walk-cut.h"

/* exact answer: unprovisioned blocks are holes */
static loff_t truth(loff_t pos, loff_t end, int whence, u32 bs)
{
	loff_t b, blk_bytes = (loff_t)bs << 9;

	/* from one block's start to the next */
	for (b = pos; b < end; b = (b / blk_bytes + 1) * blk_bytes) {
		bool hole = map[b / blk_bytes] < 0;

		if (hole == (whence == SEEK_HOLE))
			return b;
	}
	return end;
}

/* is any byte of [a, b) data? */
static bool data_in(loff_t a, loff_t b, u32 bs)
{
	loff_t blk;

	if (a >= b)
		return false;
	for (blk = (a >> 9) / bs; blk <= ((b - 1) >> 9) / bs; blk++)
		if (map[blk] >= 0)
			return true;
	return false;
}

int main(void)
{
	static const u32 sizes[] = { 1, 8, 128, 3, 384 };
	static const int fails[] = { -EIO, -EWOULDBLOCK, -EINVAL };
	unsigned int round, answers = 0, exact = 0, wrong = 0, over = 0;
	unsigned int outside = 0, uncertain = 0, holes = 0;
	struct dm_thin_device td;
	struct dm_dev origin;
	struct pool pool;
	struct thin_c tc = { .pool = &pool, .td = &td };
	struct dm_target ti = { .private = &tc };

	srand(34);
	for (round = 0; round < 200000; round++) {
		loff_t size, pos, end, got, want;
		int whence = rand() % 2 ? SEEK_HOLE : SEEK_DATA;
		bool certain;

		if (round % 50 == 0) {
			unsigned int i;
			int64_t pb = 0;

			pool.sectors_per_block = sizes[rand() % 5];
			nr_blocks = 1 + rand() % MAX_BLOCKS;
			for (i = 0; i < MAX_BLOCKS; i++) {
				bool mapped = rand() % 3 == 0;

				/* runs of consecutive pool blocks, or not */
				pb = rand() % 4 ? pb + 1 : rand() % 10000;
				map[i] = mapped ? pb : -1;
				shared[i] = rand() % 8 == 0;
			}
		}
		pool.pf.mode = rand() % 5 ? PM_WRITE : rand() % 5;
		tc.origin_dev = rand() % 10 ? NULL : &origin;
		fail_pct = rand() % 3 ? 0 : 1 + rand() % 40;
		fail_with = fails[rand() % 3];
		/* the thin's size: no multiple of the block */
		size = (((loff_t)(nr_blocks - 1) * pool.sectors_per_block +
			 1 + rand() % pool.sectors_per_block) << 9);
		end = 1 + rand() % size;
		pos = rand() % end;
		lookups = 0;
		got = thin_seek_hole_data(&ti, pos, end, whence);
		answers++;
		certain = !fail_pct && pool.pf.mode == PM_WRITE && !tc.origin_dev;
		if (got < pos || got > end) {
			outside++;
			continue;
		}
		/* never a hole over data */
		if (whence == SEEK_DATA ? data_in(pos, got, pool.sectors_per_block) :
		    got < end && data_in(got, got + 1, pool.sectors_per_block)) {
			if (over++ < 5)
				printf("# hole over data: %s at %lld of [0, %lld), block %u sectors: got %lld\n",
				       whence == SEEK_HOLE ? "SEEK_HOLE" : "SEEK_DATA",
				       (long long)pos, (long long)end,
				       pool.sectors_per_block, (long long)got);
			continue;
		}
		if (whence == SEEK_HOLE && got < end)
			holes++;
		if (!certain) {
			/* data: the range, from the failing block on */
			if (pool.pf.mode != PM_WRITE || tc.origin_dev)
				want = whence == SEEK_DATA ? pos : end;
			else
				want = -1;
			if (want >= 0 && got != want && wrong++ < 5)
				printf("# not all data: %s at %lld of [0, %lld), mode %d, origin %d: got %lld\n",
				       whence == SEEK_HOLE ? "SEEK_HOLE" : "SEEK_DATA",
				       (long long)pos, (long long)end, pool.pf.mode,
				       !!tc.origin_dev, (long long)got);
			uncertain++;
			continue;
		}
		want = truth(pos, end, whence, pool.sectors_per_block);
		if (got == want) {
			exact++;
		} else if (wrong++ < 5) {
			printf("# %s at %lld of [0, %lld), block %u sectors: got %lld, want %lld\n",
			       whence == SEEK_HOLE ? "SEEK_HOLE" : "SEEK_DATA",
			       (long long)pos, (long long)end,
			       pool.sectors_per_block, (long long)got, (long long)want);
		}
	}
	tap(!outside, "dm-thin: %u answers, %u outside the range asked", answers, outside);
	tap(!over, "dm-thin: %u holes over data, with %u answers under failing lookups, a pool not in write mode or an external origin",
	    over, uncertain);
	tap(!wrong, "dm-thin: %u of %u certain answers equal the model's map (%u differ), %u holes found",
	    exact, answers - uncertain - over - outside, wrong, holes);

	/* a fatal signal stops a long walk */
	killed = true;
	pool.pf.mode = PM_WRITE;
	tc.origin_dev = NULL;
	fail_pct = 0;
	memset(map, 0, sizeof(map));
	{
		loff_t got = thin_seek_hole_data(&ti, 0,
						 (loff_t)MAX_BLOCKS * pool.sectors_per_block << 9,
						 SEEK_HOLE);

		tap(got == -EINTR, "dm-thin: a fatal signal stops the walk (%lld)", (long long)got);
	}
	killed = false;
	return tap_end();
}
