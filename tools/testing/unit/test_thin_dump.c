// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of blkseek-stack's thin_dump parser (tools/thin-tell.c,
 * thin_dump_parse()): thin_dump 0.9.0's XML of one device, adjacent
 * mappings joined, and everything it must refuse.
 * Output is TAP: "ok N - name" / "not ok N - name", then "N passed, N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thin-tell.h"

#include "unit_tap.h"

static int parse(const char *xml, uint64_t id, uint32_t bs, uint64_t nr,
		 struct blkseek_thin_extent **e, uint32_t *n)
{
	FILE *f = fmemopen((void *)xml, strlen(xml), "r");
	int r;

	*e = NULL;
	*n = 0;
	r = thin_dump_parse(f, id, bs, nr, e, n);
	fclose(f);
	return r;
}

#define SB "<superblock uuid=\"\" time=\"1\" transaction=\"2\" flags=\"0\" version=\"2\" data_block_size=\"128\" nr_data_blocks=\"2048\">\n"
#define DEV "  <device dev_id=\"1\" mapped_blocks=\"12\" transaction=\"0\" creation_time=\"0\" snap_time=\"1\">\n"
#define END "  </device>\n</superblock>\n"

static void test_good(void)
{
	const char *xml = SB DEV
		"    <range_mapping origin_begin=\"0\" data_begin=\"0\" length=\"3\" time=\"0\"/>\n"
		"    <single_mapping origin_block=\"3\" data_block=\"9\" time=\"0\"/>\n"
		"    <single_mapping origin_block=\"7\" data_block=\"4\" time=\"0\"/>\n"
		"    <range_mapping origin_begin=\"100\" data_begin=\"5\" length=\"4\" time=\"1\"/>\n"
		END;
	struct blkseek_thin_extent *e;
	uint32_t n;

	CHECK_EQ(parse(xml, 1, 128, 1536, &e, &n), 0);
	CHECK_EQ(n, 3);
	if (n == 3) {
		CHECK_EQ(e[0].start, 0);
		CHECK_EQ(e[0].count, 4);
		CHECK_EQ(e[1].start, 7);
		CHECK_EQ(e[1].count, 1);
		CHECK_EQ(e[2].start, 100);
		CHECK_EQ(e[2].count, 4);
	}
	free(e);
	/* an empty device */
	CHECK_EQ(parse(SB DEV END, 1, 128, 10, &e, &n), 0);
	CHECK_EQ(n, 0);
	free(e);
}

static void test_refused(void)
{
	struct blkseek_thin_extent *e;
	uint32_t n;
	const char *bad[] = {
		/* another block size */
		SB DEV END,
		/* another device */
		SB "  <device dev_id=\"2\">\n" END,
		/* two devices */
		SB DEV "  </device>\n" DEV END,
		/* no device */
		SB "</superblock>\n",
		/* shared subtrees (thin_dump 1.x) */
		SB "  <def name=\"x\">\n" DEV END,
		SB DEV "    <ref name=\"x\"/>\n" END,
		/* unsorted, overlapping, empty, past the end */
		SB DEV "<single_mapping origin_block=\"5\" data_block=\"1\"/>\n<single_mapping origin_block=\"4\" data_block=\"2\"/>\n" END,
		SB DEV "<range_mapping origin_begin=\"0\" data_begin=\"0\" length=\"3\"/>\n<single_mapping origin_block=\"2\" data_block=\"9\"/>\n" END,
		SB DEV "<range_mapping origin_begin=\"0\" data_begin=\"0\" length=\"0\"/>\n" END,
		SB DEV "<single_mapping origin_block=\"10\" data_block=\"1\"/>\n" END,
		SB DEV "<range_mapping origin_begin=\"8\" data_begin=\"0\" length=\"3\"/>\n" END,
		/* negative, garbage numbers, a truncated dump */
		SB DEV "<single_mapping origin_block=\"-1\" data_block=\"1\"/>\n" END,
		SB DEV "<single_mapping origin_block=\"1x\" data_block=\"1\"/>\n" END,
		SB DEV "<single_mapping origin_block=\"1\" data_block=\"1\"/>\n",
		"",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t bs = i == 0 ? 256 : 128;
		int r = parse(bad[i], 1, bs, 10, &e, &n);

		if (r != -1 || errno != EINVAL)
			printf("#   case %u accepted\n", i);
		CHECK_EQ(r, -1);
	}
}

/* LVM's dm names: "VG-LV", a '-' in either name doubled */
static void test_lvm_vg_name(void)
{
	static const struct { const char *dm, *vg; } ok[] = {
		{ "vg-lv", "vg" },
		{ "my--vg-lv", "my-vg" },
		{ "vg-my--lv", "vg" },
		{ "a--b--c-d--e", "a-b-c" },
		{ "vg-lv-tpool", "vg" },
		{ "vg-pool_tmeta", "vg" },
	};
	static const char *const bad[] = {
		"", "vg", "-lv", "my--vg", "vg--", "vg---",
	};
	char vg[16], tiny[3];
	unsigned int i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK_EQ(lvm_vg_name(ok[i].dm, vg, sizeof(vg)), 0);
		CHECK_EQ(strcmp(vg, ok[i].vg), 0);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (lvm_vg_name(bad[i], vg, sizeof(vg)) != -1)
			printf("#   \"%s\" accepted\n", bad[i]);
		CHECK_EQ(lvm_vg_name(bad[i], vg, sizeof(vg)), -1);
	}
	/* a group name that does not fit is refused, never cut */
	CHECK_EQ(lvm_vg_name("abc-lv", tiny, sizeof(tiny)), -1);
	CHECK_EQ(lvm_vg_name("ab-lv", tiny, sizeof(tiny)), 0);
}

int main(void)
{
	run("thin_dump_good", test_good);
	run("thin_dump_refused", test_refused);
	run("lvm_vg_name", test_lvm_vg_name);
	return tap_end();
}
