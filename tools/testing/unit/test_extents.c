// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of blkseek's pure core: the extent walk of the ioctl
 * (blkseek_extents() of kmod/blkseek_walk.c) against a fake thin disk,
 * continued from where each call ended.
 * Output is TAP: "ok N - name" / "not ok N - name", then "N passed, N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "blkseek_gls.h"
#include "blkseek_walk.h"
#include "fake_dev.h"

#include "unit_tap.h"

/* Reference kind of device block @b under @g's rules. */
static unsigned int ref_kind(const struct fake_dev *d, const struct blkseek_geom *g, u64 b)
{
	u8 st = b < d->nblocks ? d->status[b] : 0;

	if (!g->lbpme)
		return 0;
	if (st == 1)
		return BLKSEEK_KIND_UNALLOCATED | (g->zeroes ? BLKSEEK_KIND_ZERO : 0);
	if (st == 2)
		return g->zeroes ? BLKSEEK_KIND_ZERO : 0;
	return 0;
}

/*
 * Walk [off, size) with blkseek_extents in calls of at most @max extents,
 * continuing from each end, and check every byte's kind against the
 * reference; returns mismatches.
 */
static int extents_walk_check(struct fake_dev *d, struct blkseek_geom *g, u64 off,
			      unsigned int max)
{
	struct blkseek_source src = { .fetch = fake_dev_fetch, .ctx = d };
	struct blkseek_ext ext[64];
	struct blkseek_walk_stats st;
	u64 lbs = 1ULL << g->lbs_shift, pos = off;
	int bad = 0, calls = 0;

	while (pos < g->size && calls++ < 100000) {
		unsigned int n = blkseek_extents(g, &src, pos, 0, ext, max, &st), i;

		if (n == 0 || n > max)
			return bad + 1;
		for (i = 0; i < n; i++) {
			u64 b;

			if (ext[i].offset != pos || !ext[i].length)
				return bad + 1;
			if (i && ext[i].kind == ext[i - 1].kind)
				bad++;		/* not merged */
			for (b = (g->base + pos) / lbs;
			     b * lbs < g->base + pos + ext[i].length; b++)
				if (ref_kind(d, g, b) != ext[i].kind && bad++ < 5)
					printf("#   block %llu: kind %u want %u\n",
					       (unsigned long long)b, ext[i].kind,
					       ref_kind(d, g, b));
			pos += ext[i].length;
		}
	}
	return pos == g->size ? bad : bad + 1;
}

static void test_extents_random(void)
{
	struct fake_dev d = { .nblocks = 700, .max_desc = 3, .chop = 5,
			      .start_before = true, .fail_after = -1 };
	u8 status[700];
	int seed;

	d.status = status;
	for (seed = 1; seed <= 20; seed++) {
		struct blkseek_geom g = fake_geom(0, 700 * 512, 9);

		fake_seed(0x51ed270b27ULL * seed);
		fake_random_map(&d, 30);
		CHECK_EQ(extents_walk_check(&d, &g, 0, 1 + seed % 7), 0);
		CHECK_EQ(extents_walk_check(&d, &g, 1234, 64), 0);
		g = fake_geom(37 * 4096, 400 * 4096, 12);	/* a partition */
		d.nblocks = 700;
		CHECK_EQ(extents_walk_check(&d, &g, 5, 3), 0);
		g = fake_geom(0, 700 * 512, 9);
		g.zeroes = false;			/* LBPRZ=0 */
		CHECK_EQ(extents_walk_check(&d, &g, 0, 64), 0);
		g.lbpme = false;			/* no provisioning */
		CHECK_EQ(extents_walk_check(&d, &g, 0, 64), 0);
	}
}

static void test_extents_edges(void)
{
	struct fake_dev d = { .nblocks = 100, .max_desc = 1, .fail_after = -1 };
	struct blkseek_source src = { .fetch = fake_dev_fetch, .ctx = &d };
	struct blkseek_geom g = fake_geom(0, 100 * 512, 9);
	struct blkseek_walk_stats st;
	struct blkseek_ext e[4];
	u8 status[100];

	d.status = status;
	memset(status, 1, 50);
	memset(status + 50, 2, 25);
	memset(status + 75, 3, 25);
	CHECK_EQ(blkseek_extents(&g, &src, 100 * 512, 0, e, 4, &st), 0);
	CHECK_EQ(blkseek_extents(&g, &src, ~0ULL, 0, e, 4, &st), 0);
	CHECK_EQ(blkseek_extents(&g, &src, 0, 0, e, 0, &st), 0);
	/* a length inside a block, past the end, and overflowing */
	CHECK_EQ(blkseek_extents(&g, &src, 10, 7, e, 4, &st), 1);
	CHECK_EQ(e[0].offset, 10);
	CHECK_EQ(e[0].length, 7);
	CHECK_EQ(e[0].kind, BLKSEEK_KIND_UNALLOCATED | BLKSEEK_KIND_ZERO);
	CHECK_EQ(blkseek_extents(&g, &src, 10, ~0ULL, e, 4, &st), 3);
	CHECK_EQ(e[1].offset, 50 * 512);
	CHECK_EQ(e[1].kind, BLKSEEK_KIND_ZERO);	/* anchored */
	CHECK_EQ(e[2].kind, 0);
	CHECK_EQ(e[2].offset + e[2].length, 100 * 512);
	/* one extent of room: stops at the first change */
	CHECK_EQ(blkseek_extents(&g, &src, 0, 0, e, 1, &st), 1);
	CHECK_EQ(e[0].length, 50 * 512);
	/* a failure turns the rest into one data extent */
	d.fail_after = 1;
	d.fetches = 0;
	CHECK_EQ(blkseek_extents(&g, &src, 0, 0, e, 4, &st), 2);
	CHECK_EQ(e[1].offset, 50 * 512);
	CHECK_EQ(e[1].length, 50 * 512);
	CHECK_EQ(e[1].kind, 0);
	CHECK(st.fallback);
}

int main(void)
{
	printf("TAP version 13\n");
	run("extents_random_maps_walked_by_continuation", test_extents_random);
	run("extents_edges_lengths_failures", test_extents_edges);
	return tap_end();
}
