// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of the walk of the series' sd patch: sd_seek_hole_data(), cut
 * out of the patched drivers/scsi/sd.c by host-tests.sh into
 * sd-walk-cut.h, with sd_gls_query() replaced by a model disk.  Random
 * disks of runs (mapped, deallocated, anchored, mapped-3, unknown) are
 * asked SEEK_DATA and SEEK_HOLE at random byte offsets of random ranges,
 * with 512 and 4096 byte blocks, and the model answers GET LBA STATUS in
 * the ways devices do: maximal or split descriptors, a first one starting
 * before the LBA asked, one to many per reply.
 *  - a well-behaved model: every answer equals the ground truth;
 *  - a failing one (commands failing, first descriptors that do not cover
 *    the LBA, truncated replies): no answer reports a hole over data;
 *  - LBPRZ or LBPME clear: everything is data, no command is sent.
 * Prints TAP; exits 1 on a failure.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-sd-shim.h"

#define SEEK_DATA 3
#define SEEK_HOLE 4
#define GFP_KERNEL 0
#define kmalloc(n, f) malloc(n)
#define kfree(p) free(p)
#define ilog2(n) (31 - __builtin_clz(n))
#define clamp_t(t, v, lo, hi) min_t(t, max_t(t, v, lo), hi)

struct gendisk { int unused; };
struct scsi_device { unsigned int sector_size; };
struct scsi_disk {
	struct scsi_device *device;
	unsigned int lbpme : 1;
	unsigned int lbprz : 1;
	unsigned int no_get_lba_status : 1;
	unsigned char provisioning_mode;
};
#define SD_LBP_FULL 0
#define SD_LBP_UNMAP 1
#define SD_LBP_DISABLE 5
#define READ_ONCE(x) (x)
#define current NULL
#define EINTR 4
static inline bool fatal_signal_pending(void *task)
{
	return false;
}
static struct scsi_device the_sdev;
static struct scsi_disk the_sdkp = { .device = &the_sdev };

static struct scsi_disk *scsi_disk(struct gendisk *disk)
{
	return &the_sdkp;
}

/* the model disk */
#define MAX_BLOCKS 4096
static u8 state[MAX_BLOCKS];	/* 0 mapped, 1 deallocated, 2 anchored, 3, 4 */
static u64 nblocks;
static bool failing;
static unsigned int commands;

static bool is_hole(u64 b)
{
	return state[b] == 1 || state[b] == 2;
}

static int sd_gls_query(struct scsi_disk *sdkp, u64 lba, u8 *buf);

#include "sd-walk-cut.h"

/* GET LBA STATUS from @lba, as a device of the model would answer */
static int sd_gls_query(struct scsi_disk *sdkp, u64 lba, u8 *buf)
{
	int max = 1 + rand() % (rand() % 4 ? 4 : 255), n = 0;
	bool split = rand() % 2;
	u64 b = lba, start;

	commands++;
	if (failing && rand() % 5 == 0)
		return -EIO;
	if (lba >= nblocks)
		return -EIO;
	memset(buf, 0, SD_GLS_BUF_LEN);
	/* the first descriptor may start where lba's run starts */
	start = lba;
	if (rand() % 2)
		while (start > 0 && state[start - 1] == state[lba])
			start--;
	if (failing && rand() % 8 == 0)
		start = lba + 1;	/* not covering the LBA */
	b = start;
	while (b < nblocks && n < max) {
		u64 e = b + 1;

		while (e < nblocks && state[e] == state[b])
			e++;
		/* split, but the first descriptor still covers the LBA */
		if (split && n == 0 && e - lba > 1)
			e = lba + 1 + rand() % (e - lba - 1);
		else if (split && n > 0 && e - b > 1)
			e = b + 1 + rand() % (e - b - 1);
		put_be(buf + 8 + 16 * n, b, 8);
		put_be(buf + 16 + 16 * n, e - b, 4);
		buf[20 + 16 * n] = state[b] | (rand() % 2 ? 0x10 : 0);
		n++;
		b = e;
	}
	put_be(buf, 4 + 16 * n, 4);
	if (failing && rand() % 8 == 0)
		return 8 + 16 * n - 1 - rand() % 16;	/* truncated */
	return 8 + 16 * n;
}

/* what the answer must be: the first byte >= pos of the kind, or end */
static loff_t truth(loff_t pos, loff_t end, unsigned int shift, bool hole)
{
	u64 b;

	for (b = pos >> shift; (loff_t)(b << shift) < end; b++)
		if (is_hole(b) == hole)
			return (loff_t)(b << shift) > pos ? (loff_t)(b << shift) : pos;
	return end;
}

/* a hole reported over data: [pos, got) for SEEK_DATA, got's block for SEEK_HOLE */
static bool unsafe(loff_t pos, loff_t end, unsigned int shift, bool hole, loff_t got)
{
	u64 b;

	if (got < pos || got > end)
		return true;
	if (hole)
		return got < end && !is_hole(got >> shift);
	if (got == pos)
		return false;
	for (b = pos >> shift; (loff_t)(b << shift) < got; b++)
		if (!is_hole(b))
			return true;
	return false;
}

static void random_disk(void)
{
	u64 b = 0;

	nblocks = 64 + rand() % (MAX_BLOCKS - 64);
	while (b < nblocks) {
		u64 len = 1 + rand() % (rand() % 3 ? 8 : 200);
		int st = rand() % 3 ? rand() % 3 : 3 + rand() % 2;

		while (len-- && b < nblocks)
			state[b++] = st;
	}
}

int main(void)
{
	unsigned int shifts[] = { 9, 12 }, round, i, wrong, bad;
	struct gendisk disk;

	srand(1);
	for (i = 0; i < 2; i++) {
		for (int mode = 0; mode < 2; mode++) {
			unsigned int shift = shifts[i];

			failing = mode;
			wrong = bad = 0;
			the_sdev.sector_size = 1U << shift;
			the_sdkp.lbpme = the_sdkp.lbprz = 1;
			the_sdkp.provisioning_mode = SD_LBP_UNMAP;
			for (round = 0; round < 20000; round++) {
				loff_t size, pos, end, got;
				bool hole = rand() % 2;

				if (round % 200 == 0)
					random_disk();
				size = (loff_t)nblocks << shift;
				/* a range as a partition would give: 512-aligned */
				end = size - (rand() % 4 ? 0 : (rand() % (size / 1024)) * 512);
				pos = rand() % end;
				got = sd_seek_hole_data(&disk, pos, end, hole ? SEEK_HOLE : SEEK_DATA);
				if (!failing && got != truth(pos, end, shift, hole)) {
					if (wrong++ < 5)
						printf("# %s at %lld of [0, %lld): got %lld, want %lld\n",
						       hole ? "SEEK_HOLE" : "SEEK_DATA", (long long)pos,
						       (long long)end, (long long)got,
						       (long long)truth(pos, end, shift, hole));
				}
				if (unsafe(pos, end, shift, hole, got)) {
					if (bad++ < 5)
						printf("# hole over data: %s at %lld: %lld\n",
						       hole ? "SEEK_HOLE" : "SEEK_DATA", (long long)pos,
						       (long long)got);
				}
			}
			tap(bad == 0 && (failing || wrong == 0),
			    "%u-byte blocks, %s device: 20000 answers, %u differ from the truth, %u a hole over data",
			    1U << shift, failing ? "failing" : "well-behaved", wrong, bad);
		}
	}

	/* without LBPRZ, or without LBPME: all data, no command */
	failing = false;
	the_sdev.sector_size = 512;
	random_disk();
	for (i = 0; i < 2; i++) {
		loff_t size = (loff_t)nblocks << 9, h, d;

		the_sdkp.lbpme = i;
		the_sdkp.lbprz = !i;
		commands = 0;
		h = sd_seek_hole_data(&disk, 1000, size, SEEK_HOLE);
		d = sd_seek_hole_data(&disk, 1000, size, SEEK_DATA);
		tap(h == size && d == 1000 && commands == 0,
		    "LBPME %u LBPRZ %u: SEEK_HOLE %s the end, SEEK_DATA %s the offset, %u commands",
		    i, !i, h == size ? "is" : "is not", d == 1000 ? "is" : "is not", commands);
	}
	/*
	 * provisioning_mode "full" or "disabled", or GET LBA STATUS refused
	 * or not reported: all data, no command
	 */
	the_sdkp.lbpme = the_sdkp.lbprz = 1;
	for (i = 0; i < 3; i++) {
		static const char * const what[] = {
			"provisioning_mode full", "provisioning_mode disabled",
			"GET LBA STATUS refused"
		};
		loff_t size = (loff_t)nblocks << 9, h, d;

		the_sdkp.provisioning_mode = i == 0 ? SD_LBP_FULL :
					     i == 1 ? SD_LBP_DISABLE : SD_LBP_UNMAP;
		the_sdkp.no_get_lba_status = i == 2;
		commands = 0;
		h = sd_seek_hole_data(&disk, 1000, size, SEEK_HOLE);
		d = sd_seek_hole_data(&disk, 1000, size, SEEK_DATA);
		tap(h == size && d == 1000 && commands == 0,
		    "%s: SEEK_HOLE %s the end, SEEK_DATA %s the offset, %u commands",
		    what[i], h == size ? "is" : "is not", d == 1000 ? "is" : "is not", commands);
	}
	return tap_end();
}
