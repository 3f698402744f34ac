// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of blkseek's pure core: a lower device's extents as an
 * upper device's runs (blkseek_runs_of_extents() of kmod/blkseek_walk.c,
 * the stacked devices' conversion).
 * Output is TAP: "ok N - name" / "not ok N - name", then "N passed, N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkseek_gls.h"
#include "blkseek_walk.h"

#include "unit_tap.h"

#define Z	(BLKSEEK_KIND_UNALLOCATED | BLKSEEK_KIND_ZERO)

static void test_runs_of_extents_aligned(void)
{
	const struct blkseek_ext ext[] = {
		{ 1 << 20, 4096, 0 }, { (1 << 20) + 4096, 8192, Z },
		{ (1 << 20) + 12288, 4096, BLKSEEK_KIND_ZERO },
		{ (1 << 20) + 16384, 512, BLKSEEK_KIND_UNALLOCATED },
	};
	struct blkseek_run r[8];
	int n = blkseek_runs_of_extents(8192, 1 << 20, ext, 4, 9, r, 8);

	CHECK_EQ(n, 4);
	CHECK_EQ(r[0].lba, 16); CHECK_EQ(r[0].count, 8); CHECK_EQ(r[0].state, BLKSEEK_MAPPED);
	CHECK_EQ(r[1].lba, 24); CHECK_EQ(r[1].count, 16); CHECK_EQ(r[1].state, BLKSEEK_DEALLOCATED);
	CHECK_EQ(r[2].lba, 40); CHECK_EQ(r[2].count, 8); CHECK_EQ(r[2].state, BLKSEEK_ANCHORED);
	/* unallocated but not zero: data */
	CHECK_EQ(r[3].lba, 48); CHECK_EQ(r[3].count, 1); CHECK_EQ(r[3].state, BLKSEEK_MAPPED);
}

static void test_runs_of_extents_unaligned(void)
{
	/* 4 KiB upper blocks, hole [1000, 9000): only [4096, 8192) is a hole */
	const struct blkseek_ext ext[] = {
		{ 0, 1000, 0 }, { 1000, 8000, Z }, { 9000, 3000, 0 },
	};
	const struct blkseek_ext tiny[] = { { 512, 3072, Z }, { 3584, 512, 0 } };
	struct blkseek_run r[8];
	int n = blkseek_runs_of_extents(0, 0, ext, 3, 12, r, 8);

	CHECK_EQ(n, 3);
	CHECK_EQ(r[0].lba, 0); CHECK_EQ(r[0].count, 1); CHECK_EQ(r[0].state, BLKSEEK_MAPPED);
	CHECK_EQ(r[1].lba, 1); CHECK_EQ(r[1].count, 1); CHECK_EQ(r[1].state, BLKSEEK_DEALLOCATED);
	CHECK_EQ(r[2].lba, 2); CHECK_EQ(r[2].count, 1); CHECK_EQ(r[2].state, BLKSEEK_MAPPED);
	/* a hole smaller than a block inside it: the block is data */
	n = blkseek_runs_of_extents(4096, 512, tiny, 2, 12, r, 8);
	CHECK_EQ(n, 1);
	CHECK_EQ(r[0].lba, 1); CHECK_EQ(r[0].count, 1); CHECK_EQ(r[0].state, BLKSEEK_MAPPED);
}

static void test_runs_of_extents_bad(void)
{
	const struct blkseek_ext gap[] = { { 0, 4096, 0 }, { 8192, 4096, Z } };
	const struct blkseek_ext late[] = { { 512, 4096, Z } };
	const struct blkseek_ext huge[] = { { 0, ~0ULL - 100, 0 } };
	struct blkseek_run r[8];

	/* a gap stops the conversion after what came before it */
	CHECK_EQ(blkseek_runs_of_extents(0, 0, gap, 2, 9, r, 8), 1);
	CHECK_EQ(r[0].count, 8);
	/* extents not starting where asked: nothing */
	CHECK_EQ(blkseek_runs_of_extents(0, 0, late, 1, 9, r, 8), -EIO);
	CHECK_EQ(blkseek_runs_of_extents(0, 0, late, 0, 9, r, 8), -EIO);
	/* past 2^64 on the upper device: nothing */
	CHECK_EQ(blkseek_runs_of_extents(1 << 20, 0, huge, 1, 9, r, 8), -EIO);
	CHECK_EQ(blkseek_runs_of_extents(100, 0, huge, 1, 9, r, 8), -EINVAL);
	CHECK_EQ(blkseek_runs_of_extents(0, 0, huge, 1, 8, r, 8), -EINVAL);
}

/*
 * Random extents at 512-byte boundaries against the rules: runs contiguous
 * from @pos; a block reported as a hole lies wholly in one extent of that
 * state, and a block lying wholly in a zero extent is a hole; without a
 * full @runs, everything up to the block the last extent ends in is
 * described.
 */
static void test_runs_of_extents_random(void)
{
	unsigned int iter, bad = 0;

	srand(7);
	for (iter = 0; iter < 20000; iter++) {
		static const unsigned int kinds[] = { 0, Z, BLKSEEK_KIND_ZERO,
						      BLKSEEK_KIND_UNALLOCATED };
		struct blkseek_ext ext[16];
		struct blkseek_run r[24];
		unsigned int shift = 9 + rand() % 4, max = 1 + rand() % 24;
		u64 bs = 1ULL << shift, pos = (u64)(rand() % 64) << shift;
		u64 lower = (u64)(rand() % 4096) * 512, at = lower, b;
		unsigned int n = 1 + rand() % 16, i, j;
		int nr;

		for (i = 0; i < n; i++) {
			ext[i].offset = at;
			ext[i].length = (u64)(1 + rand() % 24) * 512;
			ext[i].kind = kinds[rand() % 4];
			at += ext[i].length;
		}
		nr = blkseek_runs_of_extents(pos, lower, ext, n, shift, r, max);
		if (nr < 0) {
			bad++;		/* valid extents always give a run */
			continue;
		}
		b = pos / bs;
		for (j = 0; j < (unsigned int)nr; j++) {
			u64 k;

			bad += r[j].lba != b || !r[j].count;
			for (k = r[j].lba; k < r[j].lba + r[j].count; k++) {
				u64 s = k * bs - pos + lower, e = s + bs;
				int in = -1;

				for (i = 0; i < n; i++)
					if (ext[i].offset <= s &&
					    e <= ext[i].offset + ext[i].length)
						in = i;
				if (r[j].state == BLKSEEK_DEALLOCATED)
					bad += in < 0 || ext[in].kind != Z;
				else if (r[j].state == BLKSEEK_ANCHORED)
					bad += in < 0 || ext[in].kind != BLKSEEK_KIND_ZERO;
				else
					bad += in >= 0 && (ext[in].kind & BLKSEEK_KIND_ZERO);
			}
			b += r[j].count;
		}
		/* not full: described up to the block the extents end in */
		if ((unsigned int)nr < max)
			bad += b * bs != ((pos + (at - lower) + bs - 1) & ~(bs - 1));
	}
	CHECK_EQ(bad, 0);
}

int main(void)
{
	printf("TAP version 13\n");
	run("runs_of_extents_aligned", test_runs_of_extents_aligned);
	run("runs_of_extents_unaligned", test_runs_of_extents_unaligned);
	run("runs_of_extents_bad_input", test_runs_of_extents_bad);
	run("runs_of_extents_random", test_runs_of_extents_random);
	return tap_end();
}
