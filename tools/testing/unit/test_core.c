// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for blkseek's pure core: GET LBA STATUS CDB and reply
 * parsing, READ CAPACITY(16) parsing, and the SEEK_DATA/SEEK_HOLE walk
 * against a fake thin disk and a brute-force reference.
 * Output is TAP: "ok N - name" / "not ok N - name", then "N passed, N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/unaligned.h>

#include "blkseek_gls.h"
#include "blkseek_walk.h"
#include "fake_dev.h"

#include "unit_tap.h"

/* ---- reply building helpers ---- */

struct reply {
	u8 b[4096];
	size_t len;
};

static void reply_init(struct reply *r)
{
	memset(r, 0, sizeof(*r));
	r->len = 8;
	put_unaligned_be32(4, r->b);
}

static void reply_add(struct reply *r, u64 lba, u32 count, u8 status)
{
	u8 *d = r->b + r->len;

	put_unaligned_be64(lba, d);
	put_unaligned_be32(count, d + 8);
	d[12] = status;
	r->len += 16;
	put_unaligned_be32((u32)(r->len - 4), r->b);
}

/* ---- CDBs ---- */

static void test_gls_cdb(void)
{
	u8 cdb[BLKSEEK_CDB_LEN];
	const u8 want[16] = { 0x9e, 0x12, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
			      0xcd, 0xef, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00 };

	memset(cdb, 0xaa, sizeof(cdb));
	blkseek_gls_cdb(cdb, 0x0123456789abcdefULL, 4096);
	CHECK(!memcmp(cdb, want, 16));
}

static void test_rc16_cdb(void)
{
	u8 cdb[BLKSEEK_CDB_LEN];
	const u8 want[16] = { 0x9e, 0x10, 0, 0, 0, 0, 0, 0,
			      0, 0, 0, 0, 0, 32, 0, 0 };

	memset(cdb, 0x55, sizeof(cdb));
	blkseek_rc16_cdb(cdb, 32);
	CHECK(!memcmp(cdb, want, 16));
}

/* ---- GET LBA STATUS parsing ---- */

static void test_parse_single(void)
{
	struct reply r;
	struct blkseek_run runs[4];

	reply_init(&r);
	reply_add(&r, 100, 50, 1);
	CHECK_EQ(blkseek_gls_parse(r.b, r.len, 100, runs, 4), 1);
	CHECK_EQ(runs[0].lba, 100);
	CHECK_EQ(runs[0].count, 50);
	CHECK_EQ(runs[0].state, BLKSEEK_DEALLOCATED);
}

static void test_parse_many(void)
{
	struct reply r;
	struct blkseek_run runs[BLKSEEK_WALK_RUNS];
	u64 lba = 0;
	int i, n;

	reply_init(&r);
	for (i = 0; i < 200; i++) {
		reply_add(&r, lba, i + 1, i % 2 ? 1 : 3);
		lba += i + 1;
	}
	n = blkseek_gls_parse(r.b, r.len, 0, runs, BLKSEEK_WALK_RUNS);
	CHECK_EQ(n, BLKSEEK_WALK_RUNS);
	lba = 0;
	for (i = 0; i < n; i++) {
		CHECK_EQ(runs[i].lba, lba);
		CHECK_EQ(runs[i].count, i + 1);
		CHECK_EQ(runs[i].state, i % 2 ? BLKSEEK_DEALLOCATED : BLKSEEK_MAPPED);
		lba += i + 1;
	}
}

static void test_parse_nonmaximal(void)
{
	struct reply r;
	struct blkseek_run runs[4];

	reply_init(&r);
	reply_add(&r, 0, 8, 1);
	reply_add(&r, 8, 8, 1);
	reply_add(&r, 16, 8, 2);	/* anchored: another state */
	reply_add(&r, 24, 8, 3);
	reply_add(&r, 32, 8, 0);	/* mapped or unknown: same as mapped */
	reply_add(&r, 40, 8, 4);	/* unknown: same as mapped */
	CHECK_EQ(blkseek_gls_parse(r.b, r.len, 4, runs, 4), 3);
	CHECK_EQ(runs[0].lba, 4);
	CHECK_EQ(runs[0].count, 12);
	CHECK_EQ(runs[1].lba, 16);
	CHECK_EQ(runs[1].count, 8);
	CHECK_EQ(runs[1].state, BLKSEEK_ANCHORED);
	CHECK_EQ(runs[2].lba, 24);
	CHECK_EQ(runs[2].count, 24);
	CHECK_EQ(runs[2].state, BLKSEEK_MAPPED);
}

static void test_parse_starts_before(void)
{
	struct reply r;
	struct blkseek_run runs[2];

	reply_init(&r);
	reply_add(&r, 96, 64, 1);
	reply_add(&r, 160, 10, 3);
	CHECK_EQ(blkseek_gls_parse(r.b, r.len, 150, runs, 2), 2);
	CHECK_EQ(runs[0].lba, 150);
	CHECK_EQ(runs[0].count, 10);
	CHECK_EQ(runs[1].lba, 160);
	CHECK_EQ(runs[1].count, 10);
}

static void test_parse_not_covering(void)
{
	struct reply r;
	struct blkseek_run runs[2];

	reply_init(&r);
	reply_add(&r, 101, 50, 1);	/* starts after the asked LBA */
	CHECK_EQ(blkseek_gls_parse(r.b, r.len, 100, runs, 2), -EIO);
	reply_init(&r);
	reply_add(&r, 50, 50, 1);	/* ends right before it */
	CHECK_EQ(blkseek_gls_parse(r.b, r.len, 100, runs, 2), -EIO);
}

static void test_parse_zero_length(void)
{
	struct reply r;
	struct blkseek_run runs[4];

	reply_init(&r);
	reply_add(&r, 100, 0, 1);
	CHECK_EQ(blkseek_gls_parse(r.b, r.len, 100, runs, 4), -EIO);
	reply_init(&r);
	reply_add(&r, 100, 5, 1);
	reply_add(&r, 105, 0, 3);	/* stops the list */
	reply_add(&r, 105, 5, 3);
	CHECK_EQ(blkseek_gls_parse(r.b, r.len, 100, runs, 4), 1);
	CHECK_EQ(runs[0].count, 5);
}

static void test_parse_gap_overlap(void)
{
	struct reply r;
	struct blkseek_run runs[4];

	reply_init(&r);
	reply_add(&r, 0, 10, 1);
	reply_add(&r, 11, 10, 3);	/* gap */
	CHECK_EQ(blkseek_gls_parse(r.b, r.len, 0, runs, 4), 1);
	reply_init(&r);
	reply_add(&r, 0, 10, 1);
	reply_add(&r, 9, 10, 3);	/* overlap */
	CHECK_EQ(blkseek_gls_parse(r.b, r.len, 0, runs, 4), 1);
	CHECK_EQ(runs[0].count, 10);
}

static void test_parse_length_past_buffer(void)
{
	struct reply r;
	struct blkseek_run runs[4];

	reply_init(&r);
	reply_add(&r, 0, 10, 1);
	reply_add(&r, 10, 10, 3);
	put_unaligned_be32(0xfffffff0, r.b);		/* claims far more than was sent */
	CHECK_EQ(blkseek_gls_parse(r.b, r.len, 0, runs, 4), 2);
	/* Received bytes end inside the second descriptor: only the first. */
	CHECK_EQ(blkseek_gls_parse(r.b, r.len - 1, 0, runs, 4), 1);
	CHECK_EQ(runs[0].count, 10);
	/* Parameter length says one descriptor though two were sent. */
	put_unaligned_be32(4 + 16, r.b);
	CHECK_EQ(blkseek_gls_parse(r.b, r.len, 0, runs, 4), 1);
}

static void test_parse_too_short(void)
{
	struct reply r;
	struct blkseek_run runs[4];
	size_t len;

	reply_init(&r);
	reply_add(&r, 0, 10, 1);
	for (len = 0; len < 24; len++)
		CHECK_EQ(blkseek_gls_parse(r.b, len, 0, runs, 4), -EIO);
	put_unaligned_be32(19, r.b);			/* header + 15 bytes of descriptor */
	CHECK_EQ(blkseek_gls_parse(r.b, r.len, 0, runs, 4), -EIO);
	put_unaligned_be32(0, r.b);
	CHECK_EQ(blkseek_gls_parse(r.b, r.len, 0, runs, 4), -EIO);
	put_unaligned_be32(20, r.b);
	CHECK_EQ(blkseek_gls_parse(r.b, r.len, 0, runs, 0), -EIO);
}

static void test_parse_statuses(void)
{
	struct reply r;
	struct blkseek_run runs[1];
	unsigned int s;

	for (s = 0; s < 256; s++) {
		enum blkseek_state want;

		reply_init(&r);
		reply_add(&r, 0, 1, s);
		switch (s & 0x0f) {
		case 1:
			want = BLKSEEK_DEALLOCATED;
			break;
		case 2:
			want = BLKSEEK_ANCHORED;
			break;
		default:
			want = BLKSEEK_MAPPED;
		}
		CHECK_EQ(blkseek_gls_parse(r.b, r.len, 0, runs, 1), 1);
		CHECK_EQ(runs[0].state, want);
	}
}

static void test_parse_near_2_64(void)
{
	struct reply r;
	struct blkseek_run runs[4];
	const u64 top = ~0ULL;

	reply_init(&r);
	reply_add(&r, top - 10, 100, 1);	/* would end past 2^64 */
	reply_add(&r, 0, 5, 3);			/* must not be used */
	CHECK_EQ(blkseek_gls_parse(r.b, r.len, top - 1, runs, 4), 1);
	CHECK_EQ(runs[0].lba, top - 1);
	CHECK_EQ(runs[0].count, 1);
	reply_init(&r);
	reply_add(&r, top - 20, 10, 1);
	reply_add(&r, top - 10, 10, 3);
	CHECK_EQ(blkseek_gls_parse(r.b, r.len, top - 15, runs, 4), 2);
	CHECK_EQ(runs[1].lba, top - 10);
	CHECK_EQ(runs[1].count, 10);
	CHECK_EQ(blkseek_gls_parse(r.b, r.len, top, runs, 4), -EIO);
	/* LBA 2^64 - 1 cannot start a run: no empty run, the reply is unusable */
	reply_init(&r);
	reply_add(&r, top - 10, 100, 1);
	CHECK_EQ(blkseek_gls_parse(r.b, r.len, top, runs, 4), -EIO);
}

static void test_rc16_parse(void)
{
	u8 b[32] = { 0 };
	struct blkseek_caps c;

	put_unaligned_be64(0x7ffff, b);
	put_unaligned_be32(4096, b + 8);
	b[14] = 0xc0;
	CHECK_EQ(blkseek_rc16_parse(b, 32, &c), 0);
	CHECK_EQ(c.last_lba, 0x7ffff);
	CHECK_EQ(c.block_size, 4096);
	CHECK(c.lbpme && c.lbprz);
	b[14] = 0x80;
	CHECK_EQ(blkseek_rc16_parse(b, 15, &c), 0);
	CHECK(c.lbpme && !c.lbprz);
	b[14] = 0x40;
	CHECK_EQ(blkseek_rc16_parse(b, 32, &c), 0);
	CHECK(!c.lbpme && c.lbprz);
	CHECK_EQ(blkseek_rc16_parse(b, 14, &c), -EIO);
	put_unaligned_be32(0, b + 8);
	CHECK_EQ(blkseek_rc16_parse(b, 32, &c), -EIO);

	/* the wire's bytes, written out: big-endian whatever the helpers do */
	{
		const u8 w[15] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
				   0x00, 0x00, 0x10, 0x00, 0, 0, 0x80 };

		CHECK_EQ(blkseek_rc16_parse(w, sizeof(w), &c), 0);
		CHECK_EQ(c.last_lba, 0x0102030405060708ULL);
		CHECK_EQ(c.block_size, 4096);
	}
}

/* Which commands keep the cache: the documented list and nothing else. */
static void test_cdb_keeps_provisioning(void)
{
	static const u8 keep[] = { 0x00, 0x03, 0x08, 0x12, 0x1a, 0x25, 0x28,
				   0x35, 0x4d, 0x5a, 0x88, 0x91, 0xa0, 0xa3,
				   0xa8 };
	u8 cdb[16] = { 0 };
	unsigned int op, sa, i, kept = 0;

	for (op = 0; op < 256; op++) {
		bool want = false;

		for (i = 0; i < sizeof(keep); i++)
			want |= keep[i] == op;
		cdb[0] = op;
		cdb[1] = 0x12;
		if (op != 0x9e)
			CHECK_EQ(blkseek_cdb_keeps_provisioning(cdb, 16), want);
		kept += blkseek_cdb_keeps_provisioning(cdb, 16);
	}
	/* the list, plus GET LBA STATUS */
	CHECK_EQ(kept, sizeof(keep) + 1);
	/* writes, UNMAP, WRITE SAME, FORMAT, SANITIZE, COMPARE AND WRITE,
	 * ATA pass-through, XDWRITEREAD, WRITE AND VERIFY, MODE SELECT
	 */
	for (op = 0; op < 256; op++) {
		static const u8 change[] = { 0x0a, 0x2a, 0xaa, 0x8a, 0x42, 0x41,
					     0x93, 0x04, 0x48, 0x89, 0x85, 0xa1,
					     0x53, 0x2e, 0x8e, 0x15, 0x55,
					     0x9f, 0x7f };

		for (i = 0; i < sizeof(change); i++)
			if (change[i] == op) {
				cdb[0] = op;
				CHECK(!blkseek_cdb_keeps_provisioning(cdb, 16));
			}
	}
	/* SERVICE ACTION IN(16): only READ CAPACITY(16) and GET LBA STATUS */
	cdb[0] = 0x9e;
	for (sa = 0; sa < 256; sa++) {
		cdb[1] = sa;
		CHECK_EQ(blkseek_cdb_keeps_provisioning(cdb, 16),
			 (sa & 0x1f) == 0x10 || (sa & 0x1f) == 0x12);
	}
	CHECK(!blkseek_cdb_keeps_provisioning(cdb, 1));
	CHECK(!blkseek_cdb_keeps_provisioning(cdb, 0));
}

/* ---- the walk ---- */

static unsigned long long rng_state;

static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static const u8 data_codes[] = { 0, 3, 4, 5, 15 };

/* Random runs of random kinds over @d (status codes of every meaning). */
static void random_map(struct fake_dev *d, unsigned int max_run)
{
	u64 b = 0;

	while (b < d->nblocks) {
		u64 len = 1 + rnd() % max_run;
		u8 s = rnd() % 2 ? (u8)(1 + rnd() % 2) :
			data_codes[rnd() % sizeof(data_codes)];

		while (len-- && b < d->nblocks)
			d->status[b++] = s;
	}
}

static struct blkseek_geom geom(u64 base, u64 size, unsigned int shift)
{
	struct blkseek_geom g = {
		.base = base, .size = size, .lbs_shift = shift,
		.zeroes = true, .lbpme = true, .max_fetches = 1 << 20,
	};
	return g;
}

/* Compare blkseek_seek with the reference at many offsets; returns mismatches. */
static int compare_all(struct fake_dev *d, u64 base, u64 size, unsigned int shift)
{
	struct blkseek_source src = { .fetch = fake_dev_fetch, .ctx = d };
	struct blkseek_geom g = geom(base, size, shift);
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
		rng_state = 0x9e3779b97f4a7c15ULL * seed;
		random_map(&d, seed % 3 ? 40 : 3);
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
	struct blkseek_geom g = geom(0, 64 * 512, 9);
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
	struct blkseek_geom g = geom(0, 100 * 512, 9);
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
	struct blkseek_geom g = geom(0, 1000 * 512, 9);
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
	struct blkseek_geom g = geom(0, 1000 * 512, 9);
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
	struct blkseek_geom g = geom(0, 100 * 512, 9);
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
	struct blkseek_geom g = geom(~0ULL - 4096, 8192, 9);	/* wraps */
	struct blkseek_walk_stats st;

	liar_mode = 3;	/* a well-formed hole of 10 blocks */
	CHECK_EQ(blkseek_seek(&g, &src, 0, false, &st), 0);
	CHECK_EQ(blkseek_seek(&g, &src, 0, true, &st), 8192);
	/* a range ending 512 bytes short of 2^64: all hole per the source */
	g = geom((~0ULL - 8192) & ~511ULL, 8192, 9);
	CHECK_EQ(blkseek_seek(&g, &src, 0, true, &st), 0);
	CHECK_EQ(blkseek_seek(&g, &src, 0, false, &st), -ENXIO);
	CHECK_EQ(blkseek_seek(&g, &src, 8191, false, &st), -ENXIO);
}

/* ---- extents ---- */

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
		struct blkseek_geom g = geom(0, 700 * 512, 9);

		rng_state = 0x51ed270b27ULL * seed;
		random_map(&d, 30);
		CHECK_EQ(extents_walk_check(&d, &g, 0, 1 + seed % 7), 0);
		CHECK_EQ(extents_walk_check(&d, &g, 1234, 64), 0);
		g = geom(37 * 4096, 400 * 4096, 12);	/* a partition */
		d.nblocks = 700;
		CHECK_EQ(extents_walk_check(&d, &g, 5, 3), 0);
		g = geom(0, 700 * 512, 9);
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
	struct blkseek_geom g = geom(0, 100 * 512, 9);
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


/* ---- lower extents as upper runs (stacked devices) ---- */

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
	run("gls_cdb", test_gls_cdb);
	run("cdb_keeps_provisioning", test_cdb_keeps_provisioning);
	run("rc16_cdb", test_rc16_cdb);
	run("parse_single", test_parse_single);
	run("parse_many_descriptors", test_parse_many);
	run("parse_nonmaximal_merged", test_parse_nonmaximal);
	run("parse_starts_before_lba", test_parse_starts_before);
	run("parse_not_covering_is_error", test_parse_not_covering);
	run("parse_zero_length", test_parse_zero_length);
	run("parse_gap_or_overlap_stops", test_parse_gap_overlap);
	run("parse_length_past_buffer", test_parse_length_past_buffer);
	run("parse_too_short", test_parse_too_short);
	run("parse_statuses_0_to_15_and_reserved", test_parse_statuses);
	run("parse_lba_near_2_64", test_parse_near_2_64);
	run("rc16_parse", test_rc16_parse);
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
	run("extents_random_maps_walked_by_continuation", test_extents_random);
	run("extents_edges_lengths_failures", test_extents_edges);
	run("runs_of_extents_aligned", test_runs_of_extents_aligned);
	run("runs_of_extents_unaligned", test_runs_of_extents_unaligned);
	run("runs_of_extents_bad_input", test_runs_of_extents_bad);
	run("runs_of_extents_random", test_runs_of_extents_random);
	printf("1..%d\n", n_test);
	printf("%d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
