// SPDX-License-Identifier: GPL-2.0
/*
 * The lseek(SEEK_DATA/SEEK_HOLE) map of a scsi_debug disk after random
 * writes and discards equals the ground truth from sg_get_lba_status, and
 * every block reported as a hole reads back as zeroes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* O_DIRECT; 6.1's harness does not define it */
#endif
#include "../kselftest_harness.h"
#include "blkseek_util.h"

FIXTURE(sdebug) {
	struct disk d;
	uint8_t *truth;
	uint8_t *hole;
};

FIXTURE_VARIANT(sdebug) {
	unsigned int sector_size;
	unsigned int granularity;
	unsigned int seed;
	unsigned int ops;
};

FIXTURE_VARIANT_ADD(sdebug, s512_g8_seed1) { 512, 8, 1, 200 };
FIXTURE_VARIANT_ADD(sdebug, s512_g8_seed2) { 512, 8, 2, 200 };
FIXTURE_VARIANT_ADD(sdebug, s512_g16_seed3) { 512, 16, 3, 200 };
FIXTURE_VARIANT_ADD(sdebug, s512_g1_seed4) { 512, 1, 4, 120 };
FIXTURE_VARIANT_ADD(sdebug, s4096_g8_seed5) { 4096, 8, 5, 200 };
FIXTURE_VARIANT_ADD(sdebug, s4096_g4_seed6) { 4096, 4, 6, 200 };

FIXTURE_SETUP(sdebug)
{
	char params[256];

	snprintf(params, sizeof(params),
		 "dev_size_mb=64 lbpu=1 lbprz=1 unmap_granularity=%u sector_size=%u",
		 variant->granularity, variant->sector_size);
	if (sdebug_load(&self->d, params))
		SKIP(return, "scsi_debug not available");
	self->truth = calloc(self->d.nblocks, 1);
	self->hole = calloc(self->d.nblocks, 1);
	ASSERT_NE(NULL, self->truth);
	ASSERT_NE(NULL, self->hole);
}

FIXTURE_TEARDOWN(sdebug)
{
	free(self->truth);
	free(self->hole);
	sdebug_unload();
}

static unsigned long long rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Random O_DIRECT writes of non-zero data and BLKDISCARDs. */
static int workload(const struct disk *d, unsigned int seed, unsigned int ops)
{
	const uint64_t max_blocks = (256 * 1024) / d->lbs;
	char *buf;
	unsigned int i;
	int fd;

	rng = 0x9e3779b97f4a7c15ULL * seed;
	if (posix_memalign((void **)&buf, 4096, 256 * 1024))
		return -ENOMEM;
	memset(buf, 0x5a, 256 * 1024);
	fd = open(d->path, O_RDWR | O_DIRECT);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (i = 0; i < ops; i++) {
		uint64_t len = 1 + rnd() % max_blocks;
		uint64_t lba = rnd() % (d->nblocks - len);

		if (rnd() % 3) {
			if (pwrite(fd, buf, len * d->lbs, lba * d->lbs) !=
			    (ssize_t)(len * d->lbs))
				break;
		} else {
			uint64_t range[2] = { lba * d->lbs, 4 * len * d->lbs };

			if (range[0] + range[1] > d->size)
				range[1] = d->size - range[0];
			if (ioctl(fd, BLKDISCARD, range))
				break;
		}
	}
	close(fd);
	free(buf);
	return i == ops ? 0 : -EIO;
}

/* lseek's answer at @off for both whences, from the per-block truth */
static void truth_answer(const struct disk *d, const uint8_t *truth, uint64_t off,
			 long long *want_data, long long *want_hole)
{
	uint64_t b = off / d->lbs, e;
	bool is_hole = status_is_hole(truth[b]);

	for (e = b; e < d->nblocks && status_is_hole(truth[e]) == is_hole; e++)
		;
	if (is_hole) {
		*want_hole = off;
		*want_data = e < d->nblocks ? (long long)(e * d->lbs) : -ENXIO;
	} else {
		*want_data = off;
		*want_hole = e * d->lbs;
	}
}

TEST_F_TIMEOUT(sdebug, map_equals_ground_truth, BLKSEEK_TIMEOUT(900))
{
	unsigned int extents = 0, holes = 0, i;
	uint64_t b;
	int fd;

	ASSERT_EQ(0, workload(&self->d, variant->seed, variant->ops));
	ASSERT_EQ(0, truth_status(&self->d, self->truth));

	fd = open(self->d.path, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, lseek_map(fd, self->d.size, self->d.lbs, self->hole,
			       &extents));

	for (b = 0; b < self->d.nblocks; b++) {
		if (self->hole[b] != status_is_hole(self->truth[b])) {
			TH_LOG("block %llu: lseek says %s, device status %u",
			       (unsigned long long)b,
			       self->hole[b] ? "hole" : "data", self->truth[b]);
			ASSERT_EQ(status_is_hole(self->truth[b]), self->hole[b]);
		}
		holes += self->hole[b];
	}
	/* The workload leaves both kinds: a map of one kind proves little. */
	ASSERT_LT(0, holes);
	ASSERT_LT(holes, self->d.nblocks);
	TH_LOG("%u data extents, %u of %llu blocks are holes", extents, holes,
	       (unsigned long long)self->d.nblocks);

	/* Offsets inside blocks: each answer matches the per-block truth,
	 * and the file position follows it.
	 */
	rng = variant->seed;
	for (i = 0; i < 300; i++) {
		uint64_t off = rnd() % self->d.size;
		long long want_data, want_hole, got;

		truth_answer(&self->d, self->truth, off, &want_data, &want_hole);
		got = lseek(fd, off, SEEK_DATA);
		ASSERT_EQ(want_data, got < 0 ? -errno : got);
		ASSERT_EQ(want_hole, lseek(fd, off, SEEK_HOLE));
		ASSERT_EQ(want_hole, lseek(fd, 0, SEEK_CUR));
	}
	close(fd);

	/* Holes read as zeroes: the device's own content agrees. */
	for (b = 0; b < self->d.nblocks; ) {
		uint64_t e = b;

		while (e < self->d.nblocks && self->hole[e] == self->hole[b])
			e++;
		if (self->hole[b])
			ASSERT_EQ(1, range_is_zero(self->d.path, b * self->d.lbs,
						   (e - b) * self->d.lbs));
		b = e;
	}
}

TEST_HARNESS_MAIN
