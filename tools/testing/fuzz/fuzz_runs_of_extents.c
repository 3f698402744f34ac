// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: blkseek_runs_of_extents(), which turns a lower
 * device's extents into runs of a stacked device, over fuzzed extents
 * (any offsets, lengths and kinds, near 2^64 too).  Invariants:
 *  - it returns -EINVAL, -EIO, or 1..max runs;
 *  - the runs are contiguous from @pos, none empty;
 *  - a run that is a hole covers only blocks lying wholly in one extent
 *    of the valid prefix (each extent starting where the last ended)
 *    that reads as zeroes, of the run's state.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "blkseek_walk.h"
#include "fuzz_take.h"

#define MAX_EXT	16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blkseek_ext ext[MAX_EXT];
	struct blkseek_run runs[MAX_EXT * 2 + 2];
	unsigned int shift, max, n = 0, valid = 0, i, j;
	uint64_t pos, lower, next, bs, b;
	int nr;

	shift = take(&data, &size, 1) % 34;
	max = 1 + take(&data, &size, 1) % (MAX_EXT * 2 + 2);
	pos = take(&data, &size, 8);
	lower = take(&data, &size, 8);
	while (n < MAX_EXT && size >= 17) {
		ext[n].offset = take(&data, &size, 8);
		ext[n].length = take(&data, &size, 8);
		ext[n].kind = take(&data, &size, 1) & 3;
		n++;
	}
	nr = blkseek_runs_of_extents(pos, lower, ext, n, shift, runs, max);
	if (shift < 9 || shift > 32) {
		assert(nr == -EINVAL);
		return 0;
	}
	bs = 1ULL << shift;
	if (pos & (bs - 1)) {
		assert(nr == -EINVAL);
		return 0;
	}
	for (next = lower; valid < n && ext[valid].offset == next &&
	     ext[valid].offset + ext[valid].length > ext[valid].offset; valid++)
		next = ext[valid].offset + ext[valid].length;
	if (nr < 0) {
		assert(nr == -EIO);
		return 0;
	}
	assert(nr >= 1 && (unsigned int)nr <= max);
	b = pos >> shift;
	for (j = 0; j < (unsigned int)nr; j++) {
		assert(runs[j].lba == b && runs[j].count);
		if (runs[j].state != BLKSEEK_MAPPED) {
			/* first and last block of the run: the rest follows */
			uint64_t ends[2] = { runs[j].lba, runs[j].lba + runs[j].count - 1 };
			unsigned int k;

			for (k = 0; k < 2; k++) {
				uint64_t s = (ends[k] << shift) - pos + lower;
				int in = -1;

				for (i = 0; i < valid; i++)
					if (ext[i].offset <= s &&
					    s + bs <= ext[i].offset + ext[i].length)
						in = i;
				assert(in >= 0 && (ext[in].kind & BLKSEEK_KIND_ZERO));
				assert((runs[j].state == BLKSEEK_DEALLOCATED) ==
				       !!(ext[in].kind & BLKSEEK_KIND_UNALLOCATED));
			}
		}
		b += runs[j].count;
	}
	return 0;
}
