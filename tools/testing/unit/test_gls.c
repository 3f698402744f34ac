// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of blkseek's pure core: the CDBs of GET LBA STATUS(16) and READ
 * CAPACITY(16), their replies' parsing (kmod/blkseek_gls.c), and which
 * commands keep the provisioning state.
 * Output is TAP: "ok N - name" / "not ok N - name", then "N passed, N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/unaligned.h>

#include "blkseek_gls.h"
#include "blkseek_walk.h"	/* BLKSEEK_WALK_RUNS: the walk asks with this many */

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

/* REPORT SUPPORTED OPERATION CODES of SERVICE ACTION IN(16) / 0x12 */
static void test_rsoc(void)
{
	u8 cdb[BLKSEEK_CDB_LEN], r[4] = { 0 };
	unsigned int i;

	memset(cdb, 0xee, sizeof(cdb));
	blkseek_rsoc_gls_cdb(cdb, 4);
	CHECK_EQ(cdb[0], 0xa3);
	CHECK_EQ(cdb[1], 0x0c);
	CHECK_EQ(cdb[2], 0x02);		/* one command, by opcode and SA */
	CHECK_EQ(cdb[3], 0x9e);
	CHECK_EQ(get_unaligned_be32(cdb + 4) >> 16, 0x12);
	CHECK_EQ(get_unaligned_be32(cdb + 6), 4);
	for (i = 10; i < BLKSEEK_CDB_LEN; i++)
		CHECK_EQ(cdb[i], 0);
	/* what the support field says; the other bits of byte 1 do not count */
	r[1] = 0x01;
	CHECK_EQ(blkseek_rsoc_parse(r, 4), BLKSEEK_UNSUPPORTED);
	r[1] = 0x83;	/* CTDP set, supported */
	CHECK_EQ(blkseek_rsoc_parse(r, 4), BLKSEEK_SUPPORTED);
	r[1] = 0x05;
	CHECK_EQ(blkseek_rsoc_parse(r, 2), BLKSEEK_SUPPORTED);
	for (i = 0; i < 8; i++) {
		r[1] = (u8)i;
		if (i != 1 && i != 3 && i != 5)
			CHECK_EQ(blkseek_rsoc_parse(r, 4), BLKSEEK_SUPPORT_UNKNOWN);
	}
	r[1] = 0x01;
	CHECK_EQ(blkseek_rsoc_parse(r, 1), BLKSEEK_SUPPORT_UNKNOWN);
	CHECK_EQ(blkseek_rsoc_parse(r, 0), BLKSEEK_SUPPORT_UNKNOWN);
}

/* only ILLEGAL REQUEST, invalid opcode or field in CDB, is a refusal */
static void test_sense_refuses(void)
{
	unsigned int key, asc;

	CHECK(blkseek_sense_refuses(0x05, 0x20));
	CHECK(blkseek_sense_refuses(0x05, 0x24));
	for (key = 0; key < 16; key++)
		for (asc = 0; asc < 256; asc++)
			if (key != 0x05 || (asc != 0x20 && asc != 0x24))
				CHECK(!blkseek_sense_refuses(key, asc));
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
	run("rsoc_of_get_lba_status", test_rsoc);
	run("sense_refuses", test_sense_refuses);
	return tap_end();
}
