// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of blkseek-map --check's verdict on a dm or loop device
 * (tools/map-check.c, map_stacked_verdict()): a thin volume's verdict says
 * what it is answered from (its pool's mappings as blkseek-stack told
 * them), not told, told before a table change, an external origin, a pool
 * not read-write; a dm-linear or loop device keeps its verdicts.
 * Output is TAP: "ok N - name" / "not ok N - name", then "N passed, N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/blkseek.h>

#include "map-check.h"

#include "unit_tap.h"

#define TOLD	(BLKSEEK_DEV_FORWARDED | BLKSEEK_DEV_ANSWERS | BLKSEEK_DEV_UNMAP_ZEROES)

static char why[1200];

static int thin_v(enum map_dm_kind kind, const char *mode, bool check,
		  enum module_state mod, int err, uint32_t flags)
{
	struct map_thin t = { .kind = kind, .pool = "253:2", .needs_check = check };

	snprintf(t.pool_mode, sizeof(t.pool_mode), "%s", mode);
	why[0] = 0;
	return map_stacked_verdict(true, mod, err, flags, "dm-0 dm-1", &t, why,
				   sizeof(why));
}

#define HAS(s)	CHECK(strstr(why, s))
#define HASNT(s) CHECK(!strstr(why, s))

static void test_thin_told(void)
{
	CHECK_EQ(thin_v(MAP_DM_THIN, "rw", false, MOD_ENABLED, 0, TOLD), MAP_ANSWERS);
	HAS("pool's mappings");
	HAS("unprovisioned blocks read zeroes");
	HASNT("lower devices");
}

static void test_thin_not_told(void)
{
	CHECK_EQ(thin_v(MAP_DM_THIN, "rw", false, MOD_ENABLED, 0, 0), MAP_NO_ANSWERS);
	HAS("not told");
	HAS("EINVAL until blkseek-stack tells it");
	HASNT("lower devices");
	/* the query failing is the same: no mapping */
	CHECK_EQ(thin_v(MAP_DM_THIN, "rw", false, MOD_ENABLED, -EINVAL, 0), MAP_NO_ANSWERS);
	HAS("not told");
}

static void test_thin_stale(void)
{
	CHECK_EQ(thin_v(MAP_DM_THIN, "rw", false, MOD_ENABLED, 0,
			BLKSEEK_DEV_FORWARDED), MAP_NO_ANSWERS);
	HAS("table changed");
	HAS("all data until blkseek-stack tells it again");
	HASNT("lower devices");
}

static void test_thin_pool_not_rw(void)
{
	CHECK_EQ(thin_v(MAP_DM_THIN, "out_of_data_space", false, MOD_ENABLED, 0, 0),
		 MAP_NO_ANSWERS);
	HAS("its pool is out_of_data_space");
	HAS("read-write pool only");
	CHECK_EQ(thin_v(MAP_DM_THIN, "rw", true, MOD_ENABLED, 0, 0), MAP_NO_ANSWERS);
	HAS("rw, needs_check");
	/* told before the pool filled up: still answered */
	CHECK_EQ(thin_v(MAP_DM_THIN, "out_of_data_space", false, MOD_ENABLED, 0, TOLD),
		 MAP_ANSWERS);
	HAS("pool's mappings");
}

static void test_thin_origin(void)
{
	CHECK_EQ(thin_v(MAP_DM_THIN_ORIGIN, "rw", false, MOD_ENABLED, 0, 0), MAP_NO_ANSWERS);
	HAS("external origin");
}

static void test_thin_module(void)
{
	CHECK_EQ(thin_v(MAP_DM_THIN, "rw", false, MOD_ABSENT, 0, 0), MAP_NO_ANSWERS);
	HAS("blkseek is not loaded");
	HAS("pool's mappings");
	HASNT("lower devices");
	CHECK_EQ(thin_v(MAP_DM_THIN, "rw", false, MOD_DISABLED, 0, 0), MAP_NO_ANSWERS);
	HAS("blkseek is disabled");
}

static void test_linear_and_loop(void)
{
	struct map_thin other = { .kind = MAP_DM_OTHER };

	CHECK_EQ(map_stacked_verdict(true, MOD_ENABLED, 0, TOLD, "sda", &other, why,
				     sizeof(why)), MAP_ANSWERS);
	HAS("through the lower devices");
	CHECK_EQ(map_stacked_verdict(true, MOD_ENABLED, 0, TOLD, "sda", NULL, why,
				     sizeof(why)), MAP_ANSWERS);
	HAS("through the lower devices");
	CHECK_EQ(map_stacked_verdict(true, MOD_ENABLED, 0, 0, "sda", &other, why,
				     sizeof(why)), MAP_NO_ANSWERS);
	HAS("no mapping set");
	CHECK_EQ(map_stacked_verdict(true, MOD_ENABLED, 0, BLKSEEK_DEV_FORWARDED, "sda",
				     &other, why, sizeof(why)), MAP_NO_ANSWERS);
	HAS("lower devices cannot answer");
	CHECK_EQ(map_stacked_verdict(false, MOD_ENABLED, 0,
				     BLKSEEK_DEV_FORWARDED | BLKSEEK_DEV_ANSWERS, "", NULL,
				     why, sizeof(why)), MAP_NO_ANSWERS);
	HAS("not known to read as zeroes");
	CHECK_EQ(map_stacked_verdict(false, MOD_ABSENT, 0, 0, "", NULL, why, sizeof(why)),
		 MAP_NO_ANSWERS);
	HAS("or backing file");
}

int main(void)
{
	run("thin volume told: answered from its pool's mappings", test_thin_told);
	run("thin volume not told: EINVAL until told", test_thin_not_told);
	run("thin volume after a table change: all data until told again", test_thin_stale);
	run("thin volume of a pool not read-write", test_thin_pool_not_rw);
	run("thin volume with an external origin", test_thin_origin);
	run("thin volume without blkseek", test_thin_module);
	run("dm-linear and loop verdicts unchanged", test_linear_and_loop);
	return tap_end();
}
