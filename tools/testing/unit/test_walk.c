// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of blkseek's pure core: the SEEK_DATA/SEEK_HOLE walk
 * (blkseek_seek() of kmod/blkseek_walk.c) against a fake thin disk and a
 * brute-force reference.
 * Output is TAP: "ok N - name" / "not ok N - name", then "N passed, N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "blkseek_gls.h"
#include "blkseek_walk.h"
#include "fake_dev.h"

#include "unit_tap.h"

/* Compare blkseek_seek with the reference at many offsets; returns mismatches. */
static int compare_all(struct fake_dev *d, u64 base, u64 size, unsigned int shift)
{
	struct blkseek_source src = { .fetch = fake_dev_fetch, .ctx = d };
	struct blkseek_geom g = fake_geom(base, size, shift);
	struct blkseek_walk_stats st;
	u64 lbs = 1ULL << shift;
	int bad = 0, w;
	long long off;

	for (off = -1; off <= (long long)size + 1; ) {
		for (w = 0; w < 2; w++) {
			long long got = blkseek_seek(&g, &src, off, w, &st);
			long long want = ref_seek(d, base, size, shift, off, w);

			if (got != want && bad++ < 5)
				printf("#   off %lld %s: got %lld want %lld\n",
				       off, w ? "HOLE" : "DATA", got, want);
			if (st.fallback && bad++ < 5)
				printf("#   off %lld: unexpected fallback\n", off);
		}
		/* block starts, their neighbours and a point inside */
		if (off < 0 || off % lbs == 0 || off % lbs == lbs - 1)
			off = off < 0 ? 0 : (off % lbs == 0 ? off + 1 : off + 1);
		else
			off = off - off % lbs + lbs - 1;
	}
	return bad;
}

static void walk_case(unsigned int shift, bool start_before, unsigned int chop,
		      unsigned int max_desc)
{
	struct fake_dev d = { .nblocks = 600, .max_desc = max_desc,
			      .chop = chop, .start_before = start_before,
			      .fail_after = -1 };
	u8 status[600];
	int seed;

	d.status = status;
	for (seed = 1; seed <= 20; seed++) {
		fake_seed(0x9e3779b97f4a7c15ULL * seed);
		fake_random_map(&d, seed % 3 ? 40 : 3);
		/* whole disk */
		CHECK_EQ(compare_all(&d, 0, d.nblocks << shift, shift), 0);
		/* a partition: starts at block 37, ends inside a run */
		CHECK_EQ(compare_all(&d, 37ULL << shift, 401ULL << shift, shift), 0);
	}
}

static void test_walk_512_one_desc(void)	{ walk_case(9, false, 0, 1); }
static void test_walk_4096_one_desc(void)	{ walk_case(12, false, 0, 1); }
static void test_walk_many_desc(void)		{ walk_case(9, false, 0, 255); }
static void test_walk_nonmaximal(void)		{ walk_case(9, false, 3, 255); }
static void test_walk_nonmaximal_one(void)	{ walk_case(12, false, 2, 1); }
static void test_walk_starts_before(void)	{ walk_case(9, true, 0, 4); }

static void test_walk_partition_off_4k(void)
{
	/* 512-byte blocks, partition at sector 63 (not 4 KiB aligned),
	 * ending inside a descriptor.
	 */
	struct fake_dev d = { .nblocks = 2048, .max_desc = 1, .fail_after = -1 };
	u8 status[2048];

	d.status = status;
	memset(status, 1, sizeof(status));
	memset(status + 100, 3, 50);
	memset(status + 1000, 0, 1048);
	CHECK_EQ(compare_all(&d, 63 * 512, 1500 * 512, 9), 0);
	CHECK_EQ(compare_all(&d, 63 * 512, (2048 - 63) * 512, 9), 0);
}

static void test_walk_edges(void)
{
	struct fake_dev d = { .nblocks = 64, .max_desc = 1, .fail_after = -1 };
	struct blkseek_source src = { .fetch = fake_dev_fetch, .ctx = &d };
	struct blkseek_geom g = fake_geom(0, 64 * 512, 9);
	struct blkseek_walk_stats st;
	u8 status[64];

	d.status = status;
	memset(status, 1, 64);			/* all hole */
	CHECK_EQ(blkseek_seek(&g, &src, 0, false, &st), -ENXIO);
	CHECK_EQ(blkseek_seek(&g, &src, 100, true, &st), 100);
	CHECK_EQ(blkseek_seek(&g, &src, -1, true, &st), -ENXIO);
	CHECK_EQ(blkseek_seek(&g, &src, 64 * 512, true, &st), -ENXIO);
	CHECK_EQ(blkseek_seek(&g, &src, 64 * 512, false, &st), -ENXIO);
	CHECK_EQ(blkseek_seek(&g, &src, -(1LL << 62), false, &st), -ENXIO);
	CHECK_EQ(blkseek_seek(&g, &src, (long long)(~0ULL >> 1), false, &st), -ENXIO);
	memset(status, 3, 64);			/* all data */
	CHECK_EQ(blkseek_seek(&g, &src, 777, false, &st), 777);
	CHECK_EQ(blkseek_seek(&g, &src, 777, true, &st), 64 * 512);
	status[10] = 1;				/* one hole block */
	CHECK_EQ(blkseek_seek(&g, &src, 777, true, &st), 10 * 512);
	CHECK_EQ(blkseek_seek(&g, &src, 10 * 512 + 7, true, &st), 10 * 512 + 7);
	CHECK_EQ(blkseek_seek(&g, &src, 10 * 512 + 7, false, &st), 11 * 512);
	/* zeroes off: everything is data and the source is never asked */
	memset(status, 1, 64);
	g.zeroes = false;
	d.fetches = 0;
	CHECK_EQ(blkseek_seek(&g, &src, 5, false, &st), 5);
	CHECK_EQ(blkseek_seek(&g, &src, 5, true, &st), 64 * 512);
	CHECK_EQ(blkseek_seek(&g, &src, 64 * 512, false, &st), -ENXIO);
	CHECK_EQ(d.fetches, 0);
}

/* A source that fails after k fetches: never a hole past the failure. */
static void test_walk_failure_is_data(void)
{
	struct fake_dev d = { .nblocks = 100, .max_desc = 1, .chop = 10 };
	struct blkseek_source src = { .fetch = fake_dev_fetch, .ctx = &d };
	struct blkseek_geom g = fake_geom(0, 100 * 512, 9);
	struct blkseek_walk_stats st;
	u8 status[100];

	d.status = status;
	memset(status, 1, 100);			/* all hole, 10 blocks a descriptor */
	d.fail_after = 3;
	d.fetches = 0;
	CHECK_EQ(blkseek_seek(&g, &src, 0, false, &st), 30 * 512);
	CHECK(st.fallback);
	d.fetches = 0;
	CHECK_EQ(blkseek_seek(&g, &src, 0, true, &st), 0);
	d.fail_after = 0;
	d.fetches = 0;
	CHECK_EQ(blkseek_seek(&g, &src, 512 * 50 + 3, false, &st), 512 * 50 + 3);
	d.fetches = 0;
	CHECK_EQ(blkseek_seek(&g, &src, 512 * 50 + 3, true, &st), 100 * 512);
	/* data first, then a failure: SEEK_HOLE finds no hole */
	memset(status, 3, 50);
	d.fail_after = 2;
	d.fetches = 0;
	CHECK_EQ(blkseek_seek(&g, &src, 0, true, &st), 100 * 512);
}

static void test_walk_budget(void)
{
	struct fake_dev d = { .nblocks = 1000, .max_desc = 1, .chop = 1, .fail_after = -1 };
	struct blkseek_source src = { .fetch = fake_dev_fetch, .ctx = &d };
	struct blkseek_geom g = fake_geom(0, 1000 * 512, 9);
	struct blkseek_walk_stats st;
	u8 status[1000];

	d.status = status;
	memset(status, 1, 1000);
	g.max_fetches = 10;
	CHECK_EQ(blkseek_seek(&g, &src, 0, false, &st), 10 * 512);
	CHECK_EQ(st.fetches, 10);
	CHECK(st.fallback);
	memset(status, 3, 1000);
	CHECK_EQ(blkseek_seek(&g, &src, 0, true, &st), 1000 * 512);
	CHECK_EQ(st.fetches, 10);
}

/* A source that lies: runs not starting at the asked LBA, or empty. */
static int liar_mode;

static int liar_fetch(void *ctx, u64 lba, struct blkseek_run *runs, unsigned int max)
{
	(void)ctx;
	(void)max;
	runs[0].lba = liar_mode == 0 ? lba + 1 : lba;
	runs[0].count = liar_mode == 1 ? 0 : 10;
	runs[0].state = BLKSEEK_DEALLOCATED;
	return liar_mode == 2 ? BLKSEEK_WALK_RUNS + 1 : 1;
}

static void test_walk_inconsistent_source(void)
{
	struct blkseek_source src = { .fetch = liar_fetch };
	struct blkseek_geom g = fake_geom(0, 1000 * 512, 9);
	struct blkseek_walk_stats st;

	for (liar_mode = 0; liar_mode < 3; liar_mode++) {
		CHECK_EQ(blkseek_seek(&g, &src, 4096, false, &st), 4096);
		CHECK_EQ(blkseek_seek(&g, &src, 4096, true, &st), 1000 * 512);
		CHECK(st.fallback);
	}
}

static void test_walk_fetch_count(void)
{
	/* One descriptor per reply: a SEEK_DATA from a hole asks twice at
	 * most when the hole is one descriptor long.
	 */
	struct fake_dev d = { .nblocks = 100, .max_desc = 1, .fail_after = -1 };
	struct blkseek_source src = { .fetch = fake_dev_fetch, .ctx = &d };
	struct blkseek_geom g = fake_geom(0, 100 * 512, 9);
	struct blkseek_walk_stats st;
	u8 status[100];

	d.status = status;
	memset(status, 1, 50);
	memset(status + 50, 3, 50);
	CHECK_EQ(blkseek_seek(&g, &src, 0, false, &st), 50 * 512);
	CHECK_EQ(st.fetches, 2);
	CHECK_EQ(blkseek_seek(&g, &src, 0, true, &st), 0);
	CHECK_EQ(st.fetches, 1);
	CHECK_EQ(blkseek_seek(&g, &src, 60 * 512, true, &st), 100 * 512);
	CHECK_EQ(st.fetches, 1);
}

static void test_walk_huge_geometry(void)
{
	struct blkseek_source src = { .fetch = liar_fetch };
	struct blkseek_geom g = fake_geom(~0ULL - 4096, 8192, 9);	/* wraps */
	struct blkseek_walk_stats st;

	liar_mode = 3;	/* a well-formed hole of 10 blocks */
	CHECK_EQ(blkseek_seek(&g, &src, 0, false, &st), 0);
	CHECK_EQ(blkseek_seek(&g, &src, 0, true, &st), 8192);
	/* a range ending 512 bytes short of 2^64: all hole per the source */
	g = fake_geom((~0ULL - 8192) & ~511ULL, 8192, 9);
	CHECK_EQ(blkseek_seek(&g, &src, 0, true, &st), 0);
	CHECK_EQ(blkseek_seek(&g, &src, 0, false, &st), -ENXIO);
	CHECK_EQ(blkseek_seek(&g, &src, 8191, false, &st), -ENXIO);
}

int main(void)
{
	printf("TAP version 13\n");
	run("walk_512_one_descriptor_per_reply", test_walk_512_one_desc);
	run("walk_4096_one_descriptor_per_reply", test_walk_4096_one_desc);
	run("walk_many_descriptors_per_reply", test_walk_many_desc);
	run("walk_nonmaximal_descriptors", test_walk_nonmaximal);
	run("walk_nonmaximal_one_per_reply_4096", test_walk_nonmaximal_one);
	run("walk_descriptor_starts_before", test_walk_starts_before);
	run("walk_partition_off_4k_end_inside_descriptor", test_walk_partition_off_4k);
	run("walk_edge_semantics", test_walk_edges);
	run("walk_failure_is_data", test_walk_failure_is_data);
	run("walk_query_budget", test_walk_budget);
	run("walk_inconsistent_source_is_data", test_walk_inconsistent_source);
	run("walk_fetch_count", test_walk_fetch_count);
	run("walk_huge_geometry", test_walk_huge_geometry);
	return tap_end();
}
