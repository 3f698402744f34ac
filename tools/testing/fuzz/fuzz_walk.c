// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the SEEK_DATA/SEEK_HOLE walk and the extent walk over
 * a fuzzed fake thin disk (tools/testing/unit/fake_dev.c) whose replies may be
 * reshaped, fail, or be corrupted.  Invariants:
 *  - answers lie in [off, size] (SEEK_HOLE) or [off, size) (SEEK_DATA);
 *  - never a hole the device did not state: every block SEEK_DATA skips
 *    and the block SEEK_HOLE lands on are truly deallocated or anchored
 *    (unless a reply was corrupted: then it stated something else);
 *  - with a well-behaved device the answers equal the brute-force ones;
 *  - fetch LBAs strictly increase within one answer, within the budget;
 *  - extents tile the range and never claim zero over mapped blocks.
 */
#include <assert.h>
#include <stdio.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fake_dev.h"

struct fuzz_src {
	struct fake_dev d;
	unsigned int corrupt_at;	/* fetch index whose reply is corrupted */
	uint8_t corrupt_byte, corrupt_val;
	uint64_t last_lba;
	unsigned int fetches;
};

static int fuzz_fetch(void *ctx, u64 lba, struct blkseek_run *runs, unsigned int max)
{
	struct fuzz_src *f = ctx;
	size_t got;

	if (f->fetches++)
		assert(lba > f->last_lba);	/* progress */
	f->last_lba = lba;
	if (f->d.fail_after >= 0 && f->fetches > (unsigned long)f->d.fail_after)
		return -EIO;
	if (lba >= f->d.nblocks)
		return -EIO;
	got = fake_dev_reply(&f->d, lba, f->d.reply, sizeof(f->d.reply));
	if (f->fetches == f->corrupt_at && got)
		f->d.reply[f->corrupt_byte % got] ^= f->corrupt_val;
	return blkseek_gls_parse(f->d.reply, got, lba, runs, max);
}

/*
 * The device stated a hole at @b.  A corrupted reply states what it
 * states: only replies left intact are checked against the true map.
 */
static int truly_hole(const struct fuzz_src *f, uint64_t b)
{
	return f->corrupt_at ||
	       (b < f->d.nblocks && fake_status_is_hole(f->d.status[b]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t status[4096];
	struct fuzz_src f = { 0 };
	struct blkseek_source src = { .fetch = fuzz_fetch, .ctx = &f };
	struct blkseek_geom g = { 0 };
	struct blkseek_walk_stats st, st_h;
	struct blkseek_ext ext[8];
	unsigned int shift, i, nb, well_behaved;
	uint64_t lbs, b, pos;
	size_t p = 12;

	if (size < 16)
		return 0;
	shift = data[0] & 1 ? 12 : 9;
	lbs = 1ULL << shift;
	nb = 1 + (data[1] | data[2] << 8) % 4096;
	f.d.nblocks = nb;
	f.d.status = status;
	f.d.max_desc = 1 + data[3] % 8;
	f.d.chop = data[4] % 5;
	f.d.start_before = data[5] & 1;
	f.d.fail_after = data[5] & 2 ? data[6] % 8 : -1;
	f.corrupt_at = data[5] & 4 ? 1 + data[7] % 4 : 0;
	f.corrupt_byte = data[8];
	f.corrupt_val = data[9] | 1;
	well_behaved = f.d.fail_after < 0 && !f.corrupt_at;
	/* the map: runs of (length, status) pairs from the input */
	for (b = 0; b < nb; ) {
		uint8_t len = p < size ? data[p++] : 255;
		uint8_t s = p < size ? data[p++] % 6 : 0;

		while (len-- && b < nb)
			status[b++] = s;
	}
	/* a partition inside the disk */
	g.lbs_shift = shift;
	g.base = (data[10] % nb) * lbs;
	g.size = (nb * lbs - g.base) - (data[11] % (nb - g.base / lbs)) * lbs;
	if (!g.size)
		return 0;
	g.zeroes = true;
	g.lbpme = true;
	g.max_fetches = 64;

	for (i = 0; i < 4; i++) {
		long long off = (long long)((p + i * 7919) % (g.size + 2)) - 1;
		long long d, h;

		f.fetches = 0;
		d = blkseek_seek(&g, &src, off, false, &st);
		assert(st.fetches <= g.max_fetches);
		f.fetches = 0;
		h = blkseek_seek(&g, &src, off, true, &st_h);
		if (off < 0 || (uint64_t)off >= g.size) {
			assert(d == -ENXIO && h == -ENXIO);
			continue;
		}
		assert(d == -ENXIO || (d >= off && (uint64_t)d < g.size));
		assert(h >= off && (uint64_t)h <= g.size);
		/* SEEK_DATA skipped only true holes */
		for (b = (g.base + off) >> shift;
		     b < ((g.base + (d < 0 ? g.size : (uint64_t)d)) >> shift); b++)
			assert(truly_hole(&f, b));
		/* SEEK_HOLE landed on a true hole */
		if ((uint64_t)h < g.size)
			assert(truly_hole(&f, (g.base + h) >> shift));
		if (well_behaved && !st.fallback && !st_h.fallback) {
			long long rd = ref_seek(&f.d, g.base, g.size, shift, off, false);
			long long rh = ref_seek(&f.d, g.base, g.size, shift, off, true);

			if (getenv("FUZZ_DEBUG") && (d != rd || h != rh))
				fprintf(stderr, "off %lld base %llu size %llu shift %u: data %lld/%lld hole %lld/%lld\n",
					off, (unsigned long long)g.base, (unsigned long long)g.size,
					shift, d, rd, h, rh);
			assert(d == rd);
			assert(h == rh);
		}
	}

	/* extents: tile [pos, size), zero only over true holes */
	for (pos = 0; pos < g.size; ) {
		unsigned int n, k;

		f.fetches = 0;
		n = blkseek_extents(&g, &src, pos, 0, ext, 1 + data[3] % 8, &st);
		assert(n >= 1);
		for (k = 0; k < n; k++) {
			assert(ext[k].offset == pos && ext[k].length);
			if (ext[k].kind)
				for (b = (g.base + pos) >> shift;
				     b << shift < g.base + pos + ext[k].length; b++)
					assert(truly_hole(&f, b));
			pos += ext[k].length;
		}
		assert(pos <= g.size);
	}
	return 0;
}
