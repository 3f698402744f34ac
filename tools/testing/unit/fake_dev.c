// SPDX-License-Identifier: GPL-2.0
/* A fake thin SCSI disk and a brute-force reference for SEEK_DATA/HOLE. */
#include <errno.h>
#include <string.h>
#include <linux/unaligned.h>

#include "fake_dev.h"

/* Build a GET LBA STATUS reply for @lba into @buf; returns bytes used. */
size_t fake_dev_reply(struct fake_dev *d, u64 lba, u8 *buf, size_t len)
{
	size_t off = 8;
	unsigned int n = 0;
	u64 pos = lba;

	memset(buf, 0, len);
	if (d->start_before) {
		/* back to the start of the run, or of its chopped piece */
		while (pos > 0 && d->status[pos - 1] == d->status[lba])
			pos--;
		if (d->chop)
			pos = lba - (lba - pos) % d->chop;
	}
	while (pos < d->nblocks && n < d->max_desc && off + 16 <= len) {
		u64 end = pos;
		u8 s = d->status[pos];

		while (end < d->nblocks && d->status[end] == s &&
		       end - pos < 0xffffffffULL &&
		       (!d->chop || end - pos < d->chop))
			end++;
		put_unaligned_be64(pos, buf + off);
		put_unaligned_be32((u32)(end - pos), buf + off + 8);
		buf[off + 12] = s;
		off += 16;
		n++;
		pos = end;
	}
	put_unaligned_be32((u32)(off - 4), buf);
	return off;
}

int fake_dev_fetch(void *ctx, u64 lba, struct blkseek_run *runs, unsigned int max_runs)
{
	struct fake_dev *d = ctx;
	size_t got;

	if (d->fail_after >= 0 && d->fetches >= (unsigned long)d->fail_after) {
		d->fetches++;
		return -EIO;
	}
	d->fetches++;
	if (lba >= d->nblocks)
		return -EIO;	/* ILLEGAL REQUEST: LBA out of range */
	got = fake_dev_reply(d, lba, d->reply, sizeof(d->reply));
	return blkseek_gls_parse(d->reply, got, lba, runs, max_runs);
}

/*
 * Reference answer by scanning every block of the range [base, base+size)
 * on a device whose unmapped blocks read as zeroes.
 */
long long ref_seek(const struct fake_dev *d, u64 base, u64 size, unsigned int shift,
		   long long off, bool seek_hole)
{
	u64 lbs = 1ULL << shift;
	u64 b;

	if (off < 0 || (u64)off >= size)
		return -ENXIO;
	for (b = (base + off) >> shift; b * lbs < base + size; b++) {
		bool hole = b < d->nblocks && fake_status_is_hole(d->status[b]);

		if (hole == seek_hole) {
			u64 pos = b * lbs > base ? b * lbs - base : 0;

			if (pos < (u64)off)
				pos = off;
			if (pos >= size)
				break;
			return pos;
		}
	}
	return seek_hole ? (long long)size : -ENXIO;
}

static unsigned long long rng_state;

void fake_seed(unsigned long long seed)
{
	rng_state = seed;
}

/* xorshift64: the same maps on every host */
u64 fake_rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static const u8 data_codes[] = { 0, 3, 4, 5, 15 };

void fake_random_map(struct fake_dev *d, unsigned int max_run)
{
	u64 b = 0;

	while (b < d->nblocks) {
		u64 len = 1 + fake_rnd() % max_run;
		u8 s = fake_rnd() % 2 ? (u8)(1 + fake_rnd() % 2) :
			data_codes[fake_rnd() % sizeof(data_codes)];

		while (len-- && b < d->nblocks)
			d->status[b++] = s;
	}
}

struct blkseek_geom fake_geom(u64 base, u64 size, unsigned int shift)
{
	struct blkseek_geom g = {
		.base = base, .size = size, .lbs_shift = shift,
		.zeroes = true, .lbpme = true, .max_fetches = 1 << 20,
	};
	return g;
}
