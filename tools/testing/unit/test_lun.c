// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the LUN identity from a Device Identification VPD
 * page (kmod/blkseek_lun.c): which designators identify the logical unit,
 * malformed and overfull pages (unknown: may be any LUN), and when two
 * devices may be paths of one LUN.
 * Output is TAP, as the other unit programs.
 */
#include <string.h>

#include "blkseek_lun.h"

#include "unit_tap.h"

struct page {
	u8 b[1024];
	size_t len;
};

static void page_init(struct page *p)
{
	memset(p, 0, sizeof(*p));
	p->b[1] = 0x83;
	p->len = 4;
}

/* add a designator: code set, association, type, bytes */
static void desig(struct page *p, u8 codeset, u8 assoc, u8 type,
		  const char *id, u8 len)
{
	u8 *d = p->b + p->len;

	d[0] = codeset;
	d[1] = (u8)(assoc << 4 | type);
	d[3] = len;
	memcpy(d + 4, id, len);
	p->len += 4 + len;
	p->b[2] = (u8)((p->len - 4) >> 8);
	p->b[3] = (u8)(p->len - 4);
}

static struct blkseek_lun of(const struct page *p)
{
	struct blkseek_lun lun;

	blkseek_lun_of_vpd83(p->b, p->len, &lun);
	return lun;
}

/* a path of LUN @n as a SAN reports it: NAA of the LU, its port's own */
static struct page san_path(char lu, char port)
{
	struct page p;
	char naa[8] = { 0x60, 0, 0, 0, 0, 0, 0, lu };
	char rel[4] = { 0, 0, 0, port };

	page_init(&p);
	desig(&p, 1, 0, 3, naa, 8);	/* NAA, logical unit */
	desig(&p, 1, 1, 4, rel, 4);	/* relative target port */
	desig(&p, 1, 1, 3, naa, 8);	/* an NAA of the port, same bytes */
	p.b[4 + 12 + 8 + 4 + 7] = (u8)port;
	return p;
}

static void test_paths_of_one_lun(void)
{
	struct page p1 = san_path(1, 1), p2 = san_path(1, 2);
	struct blkseek_lun a = of(&p1), b = of(&p2);

	CHECK_EQ(a.nr, 1);
	CHECK_EQ(b.nr, 1);
	CHECK(blkseek_lun_may_match(&a, &b));
	CHECK(blkseek_lun_may_match(&b, &a));
}

static void test_two_luns_differ(void)
{
	struct page p1 = san_path(1, 1), p2 = san_path(2, 1);
	struct blkseek_lun a = of(&p1), b = of(&p2);

	CHECK(!blkseek_lun_may_match(&a, &b));
}

/* one shared designator among others is enough */
static void test_any_shared_designator(void)
{
	struct page p1, p2;
	struct blkseek_lun a, b;

	page_init(&p1);
	desig(&p1, 2, 0, 1, "VENDOR  serial-1", 16);
	desig(&p1, 1, 0, 3, "\x60\0\0\0\0\0\0\x07", 8);
	page_init(&p2);
	desig(&p2, 1, 0, 3, "\x60\0\0\0\0\0\0\x07", 8);
	desig(&p2, 3, 0, 8, "iqn.x,t,0x1,L,0x0", 17);
	a = of(&p1);
	b = of(&p2);
	CHECK_EQ(a.nr, 2);
	CHECK_EQ(b.nr, 2);
	CHECK(blkseek_lun_may_match(&a, &b));
	/* the same bytes under another type or code set are another designator */
	page_init(&p2);
	desig(&p2, 1, 0, 2, "\x60\0\0\0\0\0\0\x07", 8);
	desig(&p2, 2, 0, 3, "\x60\0\0\0\0\0\0\x07", 8);
	b = of(&p2);
	CHECK(!blkseek_lun_may_match(&a, &b));
}

/* only port designators, none, no page, malformed, overfull: unknown */
static void test_unknown_matches_all(void)
{
	struct page p1 = san_path(1, 1), p;
	struct blkseek_lun known = of(&p1), u;
	int i;

	page_init(&p);
	desig(&p, 1, 1, 4, "\0\0\0\1", 4);
	u = of(&p);
	CHECK_EQ(u.nr, 0);
	CHECK(blkseek_lun_may_match(&known, &u));
	CHECK(blkseek_lun_may_match(&u, &known));

	blkseek_lun_of_vpd83(NULL, 0, &u);
	CHECK_EQ(u.nr, 0);
	blkseek_lun_of_vpd83(p1.b, 3, &u);		/* short header */
	CHECK_EQ(u.nr, 0);
	blkseek_lun_of_vpd83(p1.b, p1.len - 1, &u);	/* page length past the buffer */
	CHECK_EQ(u.nr, 0);
	p = p1;
	p.b[1] = 0x80;					/* not page 0x83 */
	CHECK_EQ(of(&p).nr, 0);
	p = p1;
	p.b[4 + 3] = 200;				/* a designator past the page */
	CHECK_EQ(of(&p).nr, 0);
	p = p1;
	p.b[3] += 2;					/* a torn designator header at the end */
	p.len += 2;
	CHECK_EQ(of(&p).nr, 0);

	page_init(&p);
	for (i = 0; i <= BLKSEEK_LUN_IDS; i++) {
		char id[2] = { 'a', (char)i };

		desig(&p, 2, 0, 0, id, 2);
	}
	CHECK_EQ(of(&p).nr, 0);				/* more than it keeps */
	p.len -= 6;
	p.b[3] -= 6;
	CHECK_EQ(of(&p).nr, BLKSEEK_LUN_IDS);		/* exactly as many */
}

/* zero-length designators identify nothing */
static void test_empty_designator_skipped(void)
{
	struct page p;

	page_init(&p);
	desig(&p, 1, 0, 3, "", 0);
	CHECK_EQ(of(&p).nr, 0);
	desig(&p, 1, 0, 3, "\x60\0\0\0\0\0\0\x09", 8);
	CHECK_EQ(of(&p).nr, 1);
}

int main(void)
{
	run("paths of one LUN match", test_paths_of_one_lun);
	run("two LUNs do not match", test_two_luns_differ);
	run("any shared LU designator matches; type and code set count",
	    test_any_shared_designator);
	run("an unknown identity matches every device", test_unknown_matches_all);
	run("empty designators are skipped", test_empty_designator_skipped);
	return tap_end();
}
