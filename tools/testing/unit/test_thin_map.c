// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the thin volumes' pure part (kmod/blkseek_thin_map.c):
 * block and grain arithmetic, the snapshot's ranges, and the runs a thin
 * volume answers, checked block by block against a plain model.
 * Output is TAP: "ok N - name" / "not ok N - name", then "N passed, N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkseek_thin_map.h"

#include "unit_tap.h"

static void test_block_shift(void)
{
	unsigned int s = 99;

	CHECK_EQ(blkseek_thin_block_shift(128, 9, &s), 0);
	CHECK_EQ(s, 7);
	CHECK_EQ(blkseek_thin_block_shift(128, 12, &s), 0);
	CHECK_EQ(s, 4);
	CHECK_EQ(blkseek_thin_block_shift(1U << 21, 9, &s), 0);
	CHECK_EQ(s, 21);
	s = 99;
	CHECK_EQ(blkseek_thin_block_shift(64, 9, &s), -EINVAL);
	CHECK_EQ(blkseek_thin_block_shift(192, 9, &s), -EINVAL);
	CHECK_EQ(blkseek_thin_block_shift(1U << 22, 9, &s), -EINVAL);
	CHECK_EQ(blkseek_thin_block_shift(0, 9, &s), -EINVAL);
	CHECK_EQ(blkseek_thin_block_shift(128, 8, &s), -EINVAL);
	CHECK_EQ(blkseek_thin_block_shift(128, 17, &s), -EINVAL);
	CHECK_EQ(blkseek_thin_block_shift(128, 16, &s), 0);
	CHECK_EQ(s, 0);
}

static void test_grain_shift(void)
{
	CHECK_EQ(blkseek_thin_grain_shift(0, 8), 0);
	CHECK_EQ(blkseek_thin_grain_shift(8, 8), 0);
	CHECK_EQ(blkseek_thin_grain_shift(9, 8), 1);
	CHECK_EQ(blkseek_thin_grain_shift(16, 8), 1);
	CHECK_EQ(blkseek_thin_grain_shift(17, 8), 2);
	CHECK_EQ(blkseek_thin_grain_shift(1ULL << 40, BLKSEEK_THIN_MAX_GRAINS), 13);
	CHECK_EQ(blkseek_thin_grain_shift(~0ULL, 1), 64);
	CHECK_EQ(blkseek_thin_grain_shift(~0ULL, 2), 63);
	CHECK_EQ(blkseek_thin_grain_shift(1ULL << 63, 1), 63);
	CHECK_EQ(blkseek_thin_grain_shift(5, 0), 3);
}

static void test_ranges_check(void)
{
	struct blkseek_thin_range ok[] = { { 0, 2 }, { 2, 3 }, { 7, 3 } };
	struct blkseek_thin_range empty[] = { { 0, 2 }, { 4, 0 } };
	struct blkseek_thin_range overlap[] = { { 0, 3 }, { 2, 3 } };
	struct blkseek_thin_range unsorted[] = { { 5, 1 }, { 2, 1 } };
	struct blkseek_thin_range past[] = { { 8, 3 } };
	struct blkseek_thin_range wrap[] = { { 1, ~0ULL } };
	struct blkseek_thin_range start_past[] = { { 10, 1 } };

	CHECK_EQ(blkseek_thin_ranges_check(ok, 3, 10), 0);
	CHECK_EQ(blkseek_thin_ranges_check(ok, 0, 0), 0);
	CHECK_EQ(blkseek_thin_ranges_check(ok, 3, 9), -EINVAL);
	CHECK_EQ(blkseek_thin_ranges_check(empty, 2, 10), -EINVAL);
	CHECK_EQ(blkseek_thin_ranges_check(overlap, 2, 10), -EINVAL);
	CHECK_EQ(blkseek_thin_ranges_check(unsorted, 2, 10), -EINVAL);
	CHECK_EQ(blkseek_thin_ranges_check(past, 1, 10), -EINVAL);
	CHECK_EQ(blkseek_thin_ranges_check(wrap, 1, ~0ULL), -EINVAL);
	CHECK_EQ(blkseek_thin_ranges_check(start_past, 1, 10), -EINVAL);
	CHECK_EQ(blkseek_thin_ranges_merge(ok, 3), 2);
	CHECK_EQ(ok[0].start, 0);
	CHECK_EQ(ok[0].count, 5);
	CHECK_EQ(ok[1].start, 7);
	CHECK_EQ(ok[1].count, 3);
}

/* The model: a byte per thin block (mapped) and per grain (written). */
struct model {
	unsigned char *mapped;
	unsigned char *written;
	unsigned int grains;
	unsigned int asked_past;
};

static bool model_written(void *ctx, u64 grain)
{
	struct model *m = ctx;

	if (grain >= m->grains) {
		m->asked_past++;
		return true;
	}
	return m->written[grain];
}

static void test_fetch_basic(void)
{
	/* 8 thin blocks of 4 lbas; block 1-2 mapped; grain = 2 blocks */
	struct blkseek_thin_range r[] = { { 1, 2 } };
	unsigned char written[4] = { 0, 0, 1, 0 };
	struct model m = { NULL, written, 4, 0 };
	struct blkseek_thin_view v = {
		.ranges = r, .nr_ranges = 1, .nr_blocks = 8, .block_shift = 2,
		.grain_shift = 1, .written = model_written, .ctx = &m,
		.nr_lbas = 30,
	};
	struct blkseek_run runs[8];
	int n = blkseek_thin_fetch(&v, 0, runs, 8);

	/* hole [0,4), data [4,12) (mapped 1-2), hole [12,16) (block 3),
	 * data [16,24) (grain 2 = blocks 4-5 written), hole [24,30) */
	CHECK_EQ(n, 5);
	CHECK_EQ(runs[0].lba, 0);
	CHECK_EQ(runs[0].count, 4);
	CHECK_EQ(runs[0].state, BLKSEEK_DEALLOCATED);
	CHECK_EQ(runs[1].lba, 4);
	CHECK_EQ(runs[1].count, 8);
	CHECK_EQ(runs[1].state, BLKSEEK_MAPPED);
	CHECK_EQ(runs[2].lba, 12);
	CHECK_EQ(runs[2].count, 4);
	CHECK_EQ(runs[2].state, BLKSEEK_DEALLOCATED);
	CHECK_EQ(runs[3].lba, 16);
	CHECK_EQ(runs[3].count, 8);
	CHECK_EQ(runs[3].state, BLKSEEK_MAPPED);
	CHECK_EQ(runs[4].lba, 24);
	CHECK_EQ(runs[4].count, 6);
	CHECK_EQ(runs[4].state, BLKSEEK_DEALLOCATED);
	/* mid-block start */
	n = blkseek_thin_fetch(&v, 27, runs, 1);
	CHECK_EQ(n, 1);
	CHECK_EQ(runs[0].lba, 27);
	CHECK_EQ(runs[0].count, 3);
	CHECK_EQ(blkseek_thin_fetch(&v, 30, runs, 8), -EINVAL);
	CHECK_EQ(blkseek_thin_fetch(&v, 0, runs, 0), -EINVAL);
	v.nr_blocks = 7;	/* 30 lbas need 8 blocks */
	CHECK_EQ(blkseek_thin_fetch(&v, 0, runs, 8), -EINVAL);
	CHECK_EQ(m.asked_past, 0);
}

static void test_fetch_one_grain(void)
{
	unsigned char written[1] = { 0 };
	struct model m = { NULL, written, 1, 0 };
	struct blkseek_thin_view v = {
		.nr_blocks = 100, .block_shift = 7, .grain_shift = 64,
		.written = model_written, .ctx = &m, .nr_lbas = 100 << 7,
	};
	struct blkseek_run runs[2];

	CHECK_EQ(blkseek_thin_fetch(&v, 5, runs, 2), 1);
	CHECK_EQ(runs[0].count, (100 << 7) - 5);
	CHECK_EQ(runs[0].state, BLKSEEK_DEALLOCATED);
	written[0] = 1;
	CHECK_EQ(blkseek_thin_fetch(&v, 5, runs, 2), 1);
	CHECK_EQ(runs[0].state, BLKSEEK_MAPPED);
}

/* Random volumes: the runs say exactly the model's state of each lba. */
static void test_fetch_random(void)
{
	unsigned int iter;

	srand(33);
	for (iter = 0; iter < 3000; iter++) {
		unsigned int nr_blocks = 1 + rand() % 200;
		unsigned int bshift = rand() % 4;
		unsigned int gshift = rand() % 4;
		unsigned int grains = (nr_blocks + (1U << gshift) - 1) >> gshift;
		unsigned int nr_lbas = ((nr_blocks - 1) << bshift) + 1 +
				       rand() % (1U << bshift);
		struct blkseek_thin_range r[200];
		unsigned char mapped[200], written[200];
		struct model m = { mapped, written, grains, 0 };
		struct blkseek_thin_view v = {
			.ranges = r, .nr_blocks = nr_blocks,
			.block_shift = bshift, .grain_shift = gshift,
			.written = model_written, .ctx = &m, .nr_lbas = nr_lbas,
		};
		struct blkseek_run runs[4];
		unsigned int i, nr = 0, lba, density = rand() % 4;
		int n, k;

		for (i = 0; i < nr_blocks; i++)
			mapped[i] = (unsigned int)(rand() % 4) < density;
		for (i = 0; i < grains; i++)
			written[i] = rand() % 8 == 0;
		for (i = 0; i < nr_blocks; i++) {
			if (!mapped[i])
				continue;
			/* adjacent ranges, as thin_dump may give them */
			if (nr && r[nr - 1].start + r[nr - 1].count == i &&
			    rand() % 2)
				r[nr - 1].count++;
			else
				r[nr++] = (struct blkseek_thin_range){ i, 1 };
		}
		CHECK_EQ(blkseek_thin_ranges_check(r, nr, nr_blocks), 0);
		v.nr_ranges = blkseek_thin_ranges_merge(r, nr);
		for (lba = rand() % nr_lbas; lba < nr_lbas;) {
			unsigned int max = 1 + rand() % 4;

			n = blkseek_thin_fetch(&v, lba, runs, max);
			CHECK(n >= 1 && n <= (int)max);
			if (n < 1)
				break;
			for (k = 0; k < n; k++) {
				u64 j;

				CHECK_EQ(runs[k].lba, lba);
				CHECK(runs[k].count > 0);
				for (j = lba; j < lba + runs[k].count; j++) {
					unsigned int b = j >> bshift;
					bool hole = !mapped[b] &&
						    !written[b >> gshift];

					CHECK_EQ(runs[k].state == BLKSEEK_DEALLOCATED,
						 hole);
				}
				/* maximal: the next lba has the other state */
				if (lba + runs[k].count < nr_lbas) {
					unsigned int b = (lba + runs[k].count) >> bshift;
					bool hole = !mapped[b] &&
						    !written[b >> gshift];

					CHECK(hole != (runs[k].state ==
						       BLKSEEK_DEALLOCATED));
				}
				lba += runs[k].count;
			}
			CHECK(lba <= nr_lbas);
		}
		CHECK_EQ(m.asked_past, 0);
	}
}

int main(void)
{
	run("thin_block_shift", test_block_shift);
	run("thin_grain_shift", test_grain_shift);
	run("thin_ranges_check_merge", test_ranges_check);
	run("thin_fetch_basic", test_fetch_basic);
	run("thin_fetch_one_grain", test_fetch_one_grain);
	run("thin_fetch_random", test_fetch_random);
	return tap_end();
}
