// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the thin volumes' pure part (kmod/blkseek_thin_map.c)
 * over fuzzed ranges, shifts, sizes and written grains.  Invariants:
 *  - blkseek_thin_ranges_check() accepts only sorted, non-empty ranges
 *    within the volume; merging keeps exactly the same blocks;
 *  - blkseek_thin_fetch() returns -EINVAL or 1..max runs, contiguous from
 *    the asked lba, none empty, none past the volume;
 *  - a hole run covers only blocks unmapped and in unwritten grains;
 *  - the written callback is never asked past the tracker's grains.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "blkseek_thin_map.h"
#include "fuzz_take.h"

#define MAX_R	16

struct trk {
	uint64_t grains;
	uint64_t mask;	/* grain g written when bit (g % 64) of mask */
};

static bool written(void *ctx, u64 grain)
{
	struct trk *t = ctx;

	assert(grain < t->grains);
	return t->mask >> (grain % 64) & 1;
}

static bool mapped(const struct blkseek_thin_range *r, unsigned int n, u64 b)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (b >= r[i].start && b - r[i].start < r[i].count)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blkseek_thin_range r[MAX_R], orig[MAX_R];
	struct blkseek_run runs[8];
	struct blkseek_thin_view v = { 0 };
	struct trk t;
	unsigned int n, m, i, max;
	uint64_t lba, pos, b;
	int nr, k;

	v.block_shift = take(&data, &size, 1) % 70;
	v.nr_lbas = take(&data, &size, 8);
	v.nr_blocks = take(&data, &size, 8);
	v.grain_shift = blkseek_thin_grain_shift(v.nr_blocks,
						 1 + take(&data, &size, 4));
	t.grains = v.grain_shift >= 64 ? 1 :
		   (v.nr_blocks >> v.grain_shift) +
		   !!(v.nr_blocks & ((1ULL << v.grain_shift) - 1));
	if (!t.grains)
		t.grains = 1;
	t.mask = take(&data, &size, 8);
	lba = take(&data, &size, 8);
	max = 1 + take(&data, &size, 1) % 8;
	n = take(&data, &size, 1) % (MAX_R + 1);
	for (i = 0; i < n; i++) {
		r[i].start = take(&data, &size, 8);
		r[i].count = take(&data, &size, 8);
	}
	if (blkseek_thin_ranges_check(r, n, v.nr_blocks))
		return 0;
	for (i = 0; i < n; i++) {
		assert(r[i].count && r[i].start < v.nr_blocks);
		assert(r[i].count <= v.nr_blocks - r[i].start);
		assert(!i || r[i].start >= r[i - 1].start + r[i - 1].count);
	}
	memcpy(orig, r, sizeof(r));
	m = blkseek_thin_ranges_merge(r, n);
	assert(m <= n);
	for (i = 0; i < n; i++) {
		assert(mapped(r, m, orig[i].start));
		assert(mapped(r, m, orig[i].start + orig[i].count - 1));
	}
	v.ranges = r;
	v.nr_ranges = m;
	v.written = written;
	v.ctx = &t;
	nr = blkseek_thin_fetch(&v, lba, runs, max);
	if (nr < 0) {
		assert(nr == -EINVAL);
		return 0;
	}
	assert(nr >= 1 && (unsigned int)nr <= max);
	pos = lba;
	for (k = 0; k < nr; k++) {
		assert(runs[k].lba == pos && runs[k].count);
		assert(runs[k].count <= v.nr_lbas - pos);
		if (runs[k].state == BLKSEEK_DEALLOCATED) {
			/* spot-check the run's ends and a middle block */
			uint64_t probe[3] = { pos, pos + runs[k].count / 2,
					      pos + runs[k].count - 1 };

			for (i = 0; i < 3; i++) {
				b = probe[i] >> v.block_shift;
				assert(!mapped(r, m, b));
				assert(!written(&t, v.grain_shift >= 64 ? 0 :
						b >> v.grain_shift));
			}
		}
		pos += runs[k].count;
	}
	return 0;
}
