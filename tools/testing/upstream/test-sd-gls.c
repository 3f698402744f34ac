// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of the GET LBA STATUS parser of the series' sd patch:
 * sd_gls_find() and sd_gls_is_hole(), cut out of the patched
 * drivers/scsi/sd.c by host-tests.sh into sd-gls-cut.h and compiled here
 * with the few kernel helpers they use.  The cases are those the module's
 * parser is held to (tools/testing/unit/test_gls.c): descriptors that
 * start before the LBA asked, non-maximal and non-contiguous ones, a
 * parameter data length shorter or longer than the reply, a truncated
 * descriptor, a zero-length one, a count running past 2^64 - 1, and the
 * provisioning statuses.  Prints TAP; exits 1 on a failure.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "test-sd-shim.h"
#include "sd-gls-cut.h"

static u8 buf[4096];
static int n_test, n_fail;

/* a reply of @n descriptors; the parameter data length says all of them */
static size_t reply(int n, const u64 *lba, const u32 *count, const u8 *st)
{
	int i;

	memset(buf, 0, sizeof(buf));
	put_be(buf, 4 + 16 * n, 4);
	for (i = 0; i < n; i++) {
		put_be(buf + 8 + 16 * i, lba[i], 8);
		put_be(buf + 16 + 16 * i, count[i], 4);
		buf[20 + 16 * i] = st[i];
	}
	return 8 + 16 * n;
}

static void expect(const char *what, size_t len, u64 lba, bool hole,
		   int want_ret, u64 want_next)
{
	u64 next = 0xdead;
	int ret = sd_gls_find(buf, len, lba, hole, &next);
	bool ok = ret == want_ret && (ret < 0 || next == want_next);

	n_test++;
	if (!ok)
		n_fail++;
	printf("%sok %d - %s", ok ? "" : "not ", n_test, what);
	if (!ok)
		printf(" (got %d next %llu, want %d next %llu)", ret,
		       (unsigned long long)next, want_ret,
		       (unsigned long long)want_next);
	printf("\n");
}

int main(void)
{
	size_t len;

	len = reply(1, (u64[]){ 100 }, (u32[]){ 50 }, (u8[]){ 0 });
	expect("mapped run, looking for a hole: next is its end", len, 100, true, 0, 150);
	expect("mapped run, looking for data: the LBA itself", len, 100, false, 1, 100);
	expect("descriptor starting before the LBA", len, 120, true, 0, 150);
	expect("LBA past the descriptor: not described", len, 150, true, -EIO, 0);
	expect("descriptor starting after the LBA: not described", len, 99, true, -EIO, 0);

	len = reply(1, (u64[]){ 0 }, (u32[]){ 8 }, (u8[]){ 1 });
	expect("deallocated is a hole", len, 0, true, 1, 0);
	len = reply(1, (u64[]){ 0 }, (u32[]){ 8 }, (u8[]){ 2 });
	expect("anchored is a hole", len, 3, true, 1, 3);
	len = reply(1, (u64[]){ 0 }, (u32[]){ 8 }, (u8[]){ 3 });
	expect("mapped (3) is data", len, 0, false, 1, 0);
	len = reply(1, (u64[]){ 0 }, (u32[]){ 8 }, (u8[]){ 4 });
	expect("unknown (4) is data", len, 0, false, 1, 0);
	len = reply(1, (u64[]){ 0 }, (u32[]){ 8 }, (u8[]){ 0x0f });
	expect("reserved (15) is data", len, 0, true, 0, 8);
	len = reply(1, (u64[]){ 0 }, (u32[]){ 8 }, (u8[]){ 0x11 });
	expect("only bits 3:0 count (0x11 is deallocated)", len, 0, true, 1, 0);

	len = reply(3, (u64[]){ 0, 8, 16 }, (u32[]){ 8, 8, 8 }, (u8[]){ 0, 0, 1 });
	expect("non-maximal data runs, then a hole", len, 2, true, 1, 16);
	expect("the same, looking for data", len, 2, false, 1, 2);
	len = reply(2, (u64[]){ 0, 9 }, (u32[]){ 8, 8 }, (u8[]){ 0, 1 });
	expect("a gap ends the reply's use", len, 0, true, 0, 8);
	len = reply(2, (u64[]){ 0, 8 }, (u32[]){ 8, 0 }, (u8[]){ 0, 1 });
	expect("a zero-length descriptor ends it", len, 0, true, 0, 8);
	len = reply(1, (u64[]){ 0 }, (u32[]){ 0 }, (u8[]){ 1 });
	expect("a zero-length first descriptor: not described", len, 0, true, -EIO, 0);

	len = reply(2, (u64[]){ 0, 8 }, (u32[]){ 8, 8 }, (u8[]){ 0, 1 });
	put_be(buf, 4 + 16, 4);
	expect("the parameter data length hides the second", len, 0, true, 0, 8);
	put_be(buf, 4000, 4);
	expect("a length past the reply: only what was received", len - 1, 0, true, 0, 8);
	expect("a reply shorter than its header", 7, 0, true, -EIO, 0);
	put_be(buf, 4 + 32, 4);
	expect("header only", 8, 0, true, -EIO, 0);

	len = reply(1, (u64[]){ U64_MAX - 4 }, (u32[]){ 100 }, (u8[]){ 0 });
	expect("a count past 2^64 - 1 stops there", len, U64_MAX - 2, true, 0, U64_MAX);

	printf("1..%d\n", n_test);
	return n_fail ? 1 : 0;
}
