// SPDX-License-Identifier: GPL-2.0
/*
 * Edge semantics of SEEK_DATA/SEEK_HOLE on a scsi_debug disk with a known
 * layout (the ext4/xfs rules), the stock whences unchanged, and partitions
 * (one starting off a 4 KiB boundary, one ending inside a data run; the
 * smallest partitions; a partition of size 0 cannot be made).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* O_DIRECT; 6.1's harness does not define it */
#endif
#include <limits.h>
#include <linux/blkpg.h>
#include "../kselftest_harness.h"
#include "blkseek_util.h"

FIXTURE(layout) {
	struct disk d;
	int fd;
	char *buf;
};

FIXTURE_VARIANT(layout) {
	unsigned int sector_size;
};

FIXTURE_VARIANT_ADD(layout, s512) { 512 };
FIXTURE_VARIANT_ADD(layout, s4096) { 4096 };

/* Write [lba, lba + n) with non-zero data, bypassing the page cache. */
static int put_data(FIXTURE_DATA(layout) *self, uint64_t lba, uint64_t n)
{
	int fd = open(self->d.path, O_RDWR | O_DIRECT);
	uint64_t i;
	int rc = 0;

	if (fd < 0)
		return -errno;
	for (i = 0; i < n && !rc; i++)
		if (pwrite(fd, self->buf, self->d.lbs, (lba + i) * self->d.lbs) !=
		    self->d.lbs)
			rc = -EIO;
	close(fd);
	return rc;
}

static int discard(const struct disk *d, uint64_t lba, uint64_t n)
{
	uint64_t range[2] = { lba * d->lbs, n * d->lbs };
	int fd = open(d->path, O_RDWR);
	int rc;

	if (fd < 0)
		return -errno;
	rc = ioctl(fd, BLKDISCARD, range) ? -errno : 0;
	close(fd);
	return rc;
}

FIXTURE_SETUP(layout)
{
	char params[160];

	snprintf(params, sizeof(params),
		 "dev_size_mb=16 lbpu=1 lbprz=1 unmap_granularity=8 sector_size=%u",
		 variant->sector_size);
	if (sdebug_load(&self->d, params))
		SKIP(return, "scsi_debug not available");
	ASSERT_EQ(0, posix_memalign((void **)&self->buf, 4096, 4096));
	memset(self->buf, 0xa5, 4096);
	/* data: [64,128) [1000,1008) and the last 8 blocks */
	ASSERT_EQ(0, put_data(self, 64, 64));
	ASSERT_EQ(0, put_data(self, 1000, 8));
	ASSERT_EQ(0, put_data(self, self->d.nblocks - 8, 8));
	self->fd = open(self->d.path, O_RDONLY);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(layout)
{
	if (self->fd >= 0)
		close(self->fd);
	free(self->buf);
	sdebug_unload();
}

/* lseek result as value or -errno */
static long long seek(int fd, long long off, int whence)
{
	off_t r = lseek(fd, off, whence);

	return r < 0 ? -errno : r;
}

TEST_F(layout, edge_table)
{
	const long long L = self->d.lbs, S = self->d.size;
	const long long last = S - 8 * L;
	const struct {
		long long off;
		int whence;
		long long want;
	} t[] = {
		{ -1, SEEK_DATA, -ENXIO },
		{ -1, SEEK_HOLE, -ENXIO },
		{ LLONG_MIN, SEEK_DATA, -ENXIO },
		{ S, SEEK_DATA, -ENXIO },
		{ S, SEEK_HOLE, -ENXIO },
		{ S + 1, SEEK_DATA, -ENXIO },
		{ S + 1, SEEK_HOLE, -ENXIO },
		{ LLONG_MAX, SEEK_DATA, -ENXIO },
		{ LLONG_MAX, SEEK_HOLE, -ENXIO },
		{ 0, SEEK_DATA, 64 * L },
		{ 0, SEEK_HOLE, 0 },
		{ 5, SEEK_HOLE, 5 },
		{ 5, SEEK_DATA, 64 * L },
		{ 64 * L - 1, SEEK_DATA, 64 * L },
		{ 64 * L - 1, SEEK_HOLE, 64 * L - 1 },
		{ 64 * L, SEEK_DATA, 64 * L },
		{ 64 * L + 1, SEEK_DATA, 64 * L + 1 },
		{ 64 * L + 1, SEEK_HOLE, 128 * L },
		{ 128 * L - 1, SEEK_HOLE, 128 * L },
		{ 128 * L, SEEK_HOLE, 128 * L },
		{ 128 * L, SEEK_DATA, 1000 * L },
		{ 1007 * L + 3, SEEK_HOLE, 1008 * L },
		{ 1007 * L + 3, SEEK_DATA, 1007 * L + 3 },
		{ 1008 * L, SEEK_DATA, last },
		{ last, SEEK_HOLE, S },		/* implicit hole at the end */
		{ last + 1, SEEK_DATA, last + 1 },
		{ S - 1, SEEK_DATA, S - 1 },
		{ S - 1, SEEK_HOLE, S },
	};
	unsigned int i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		long long got, pos;

		ASSERT_EQ(12345, lseek(self->fd, 12345, SEEK_SET));
		got = seek(self->fd, t[i].off, t[i].whence);
		pos = lseek(self->fd, 0, SEEK_CUR);
		if (got != t[i].want)
			TH_LOG("row %u: lseek(%lld, %s) = %lld, want %lld", i,
			       t[i].off, t[i].whence == SEEK_DATA ? "SEEK_DATA" :
			       "SEEK_HOLE", got, t[i].want);
		EXPECT_EQ(t[i].want, got);
		/* the position moves on success and stays on error */
		EXPECT_EQ(got < 0 ? 12345 : got, pos);
	}

	/* no data after the offset: ENXIO; the last run becomes a hole */
	ASSERT_EQ(0, discard(&self->d, self->d.nblocks - 8, 8));
	EXPECT_EQ(-ENXIO, seek(self->fd, 1008 * L, SEEK_DATA));
	EXPECT_EQ(last, seek(self->fd, last, SEEK_HOLE));
	EXPECT_EQ(1000 * L, seek(self->fd, 128 * L, SEEK_DATA));
}

TEST_F(layout, stock_whences_unchanged)
{
	const long long S = self->d.size;

	EXPECT_EQ(S, seek(self->fd, 0, SEEK_END));
	EXPECT_EQ(S - 10, seek(self->fd, -10, SEEK_END));
	EXPECT_EQ(-EINVAL, seek(self->fd, 1, SEEK_END));
	EXPECT_EQ(100, seek(self->fd, 100, SEEK_SET));
	EXPECT_EQ(150, seek(self->fd, 50, SEEK_CUR));
	EXPECT_EQ(-EINVAL, seek(self->fd, -1, SEEK_SET));
	EXPECT_EQ(-EINVAL, seek(self->fd, S + 1, SEEK_SET));
	EXPECT_EQ(S, seek(self->fd, S, SEEK_SET));
	EXPECT_EQ(-EINVAL, seek(self->fd, 0, 5));
	EXPECT_EQ(-EINVAL, seek(self->fd, 0, -1));
}

/* Write an MBR with up to four primary partitions (start, count in blocks). */
static int write_mbr(const struct disk *d, const uint32_t (*p)[2], int n)
{
	char *blk;
	int fd, i, rc = 0;

	if (posix_memalign((void **)&blk, 4096, d->lbs))
		return -ENOMEM;
	memset(blk, 0, d->lbs);
	for (i = 0; i < n; i++) {
		unsigned char *e = (unsigned char *)blk + 446 + 16 * i;

		e[4] = 0x83;
		memcpy(e + 8, &p[i][0], 4);	/* little-endian host */
		memcpy(e + 12, &p[i][1], 4);
	}
	blk[510] = 0x55;
	blk[511] = (char)0xaa;
	fd = open(d->path, O_RDWR | O_DIRECT);
	if (fd < 0 || pwrite(fd, blk, d->lbs, 0) != d->lbs)
		rc = -EIO;
	if (!rc && ioctl(fd, BLKRRPART))
		rc = -errno;
	if (fd >= 0)
		close(fd);
	free(blk);
	run_cmd("udevadm settle 2>/dev/null");
	return rc;
}

/*
 * Bad whences get the stock EINVAL and leave the position alone; errors
 * never move it; the answers do not depend on the open mode (read-only,
 * write-only, read-write); an O_PATH fd cannot seek at all (EBADF).
 */
TEST_F(layout, whences_and_open_modes)
{
	const long long L = self->d.lbs, S = self->d.size;
	const int bad[] = { -1, 5, 6, 7, 100, INT_MAX, INT_MIN };
	const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR };
	unsigned int i;
	int fd;

	ASSERT_EQ(12345, seek(self->fd, 12345, SEEK_SET));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, seek(self->fd, 0, bad[i])) TH_LOG("whence %d", bad[i]);
		EXPECT_EQ(12345, seek(self->fd, 0, SEEK_CUR));
	}
	EXPECT_EQ(-ENXIO, seek(self->fd, S, SEEK_DATA));
	EXPECT_EQ(-ENXIO, seek(self->fd, -1, SEEK_HOLE));
	EXPECT_EQ(-ENXIO, seek(self->fd, LLONG_MAX, SEEK_DATA));
	EXPECT_EQ(12345, seek(self->fd, 0, SEEK_CUR));

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		fd = open(self->d.path, modes[i]);
		ASSERT_LE(0, fd);
		EXPECT_EQ(64 * L, seek(fd, 0, SEEK_DATA)) TH_LOG("mode %d", modes[i]);
		EXPECT_EQ(0, seek(fd, 0, SEEK_HOLE));
		EXPECT_EQ(128 * L, seek(fd, 64 * L, SEEK_HOLE));
		EXPECT_EQ(-ENXIO, seek(fd, S, SEEK_DATA));
		close(fd);
	}

	fd = open(self->d.path, O_PATH);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBADF, seek(fd, 0, SEEK_DATA));
	EXPECT_EQ(-EBADF, seek(fd, 0, SEEK_HOLE));
	close(fd);
}

TEST_F_TIMEOUT(layout, partitions, BLKSEEK_TIMEOUT(600))
{
	const uint64_t n = self->d.nblocks;
	/* p1 from block 63 (off 4 KiB for 512-byte blocks) to 1004, which
	 * ends inside the data run [1000,1008); p2 from 1500 to the end
	 * minus 3 blocks, ending inside the last run.
	 */
	const uint32_t parts[2][2] = {
		{ 63, 1004 - 63 },
		{ 1500, (uint32_t)(n - 3 - 1500) },
	};
	uint8_t *truth = calloc(n, 1), *hole = calloc(n, 1);
	int i;

	ASSERT_NE(NULL, truth);
	ASSERT_NE(NULL, hole);
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, put_data(self, 1600, 16));
	ASSERT_EQ(0, write_mbr(&self->d, parts, 2));
	ASSERT_EQ(0, truth_status(&self->d, truth));

	for (i = 0; i < 2; i++) {
		struct disk p;
		char name[64];
		unsigned int ext;
		uint64_t b;
		int fd;

		snprintf(name, sizeof(name), "%s%d", self->d.name, i + 1);
		ASSERT_EQ(0, disk_open_info(&p, name));
		ASSERT_EQ((uint64_t)parts[i][1] * self->d.lbs, p.size);
		ASSERT_EQ(parts[i][0] * (self->d.lbs / 512),
			  sysfs_u64("/sys/class/block/%s/start", name));
		fd = open(p.path, O_RDONLY);
		ASSERT_LE(0, fd);
		memset(hole, 0xff, n);
		ASSERT_EQ(0, lseek_map(fd, p.size, p.lbs, hole, &ext));
		for (b = 0; b < parts[i][1]; b++)
			if (hole[b] != status_is_hole(truth[parts[i][0] + b])) {
				TH_LOG("%s block %llu: lseek %u, device status %u",
				       name, (unsigned long long)b, hole[b],
				       truth[parts[i][0] + b]);
				ASSERT_EQ(status_is_hole(truth[parts[i][0] + b]),
					  hole[b]);
			}
		/* the partition ends inside a data run: no hole at its end */
		EXPECT_EQ((long long)p.size,
			  seek(fd, (parts[i][1] - 1) * (long long)p.lbs, SEEK_HOLE));
		EXPECT_EQ(-ENXIO, seek(fd, p.size, SEEK_DATA));
		close(fd);
	}
	free(truth);
	free(hole);
}

/* Ask BLKPG to add partition pno over [start, start + length) bytes. */
static int blkpg_add(int fd, int pno, long long start, long long length)
{
	struct blkpg_partition p = {
		.start = start, .length = length, .pno = pno,
	};
	struct blkpg_ioctl_arg a = {
		.op = BLKPG_ADD_PARTITION, .datalen = sizeof(p), .data = &p,
	};

	return ioctl(fd, BLKPG, &a) ? -errno : 0;
}

/*
 * The smallest partitions: one logical block, over a hole, over data, and
 * the disk's last block.  Each answers like a one-block file: its only
 * block is a hole or data, the implicit hole is at its end, and ENXIO from
 * its size on.  A partition of size 0 cannot exist: BLKPG refuses a
 * length of 0 (EINVAL) and a partition table entry with no blocks makes
 * no device, so no lseek can reach one.
 */
TEST_F(layout, smallest_partitions)
{
	const long long L = self->d.lbs, n = self->d.nblocks;
	const struct {
		long long lba;
		bool data;
	} t[] = {
		{ 2000, false },	/* never written: unmapped */
		{ 64, true },
		{ n - 1, true },	/* the disk's last block */
	};
	char name[64], path[80];
	uint32_t parts[3][2];
	unsigned int i;
	int fd;

	EXPECT_EQ(-EINVAL, blkpg_add(self->fd, 1, 2000 * L, 0));
	close(self->fd);
	self->fd = -1;
	/*
	 * In a partition table, not with BLKPG: udev rereads the table when
	 * a writer closes the disk, which drops BLKPG-added partitions.
	 */
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		parts[i][0] = (uint32_t)t[i].lba;
		parts[i][1] = 1;
	}
	ASSERT_EQ(0, write_mbr(&self->d, parts, 3));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(name, sizeof(name), "%s%u", self->d.name, i + 1);
		snprintf(path, sizeof(path), "/dev/%s", name);
		ASSERT_EQ((uint64_t)L / 512, sysfs_u64("/sys/class/block/%s/size", name));
		fd = open(path, O_RDONLY);
		ASSERT_LE(0, fd) TH_LOG("%s", path);
		if (t[i].data) {
			EXPECT_EQ(0, seek(fd, 0, SEEK_DATA)) TH_LOG("%s", name);
			EXPECT_EQ(L - 1, seek(fd, L - 1, SEEK_DATA));
			EXPECT_EQ(L, seek(fd, 0, SEEK_HOLE));
			EXPECT_EQ(L, seek(fd, L - 1, SEEK_HOLE));
		} else {
			EXPECT_EQ(-ENXIO, seek(fd, 0, SEEK_DATA)) TH_LOG("%s", name);
			EXPECT_EQ(-ENXIO, seek(fd, L - 1, SEEK_DATA));
			EXPECT_EQ(0, seek(fd, 0, SEEK_HOLE));
			EXPECT_EQ(L - 1, seek(fd, L - 1, SEEK_HOLE));
		}
		EXPECT_EQ(-ENXIO, seek(fd, L, SEEK_DATA));
		EXPECT_EQ(-ENXIO, seek(fd, L, SEEK_HOLE));
		EXPECT_EQ(-ENXIO, seek(fd, -1, SEEK_HOLE));
		EXPECT_EQ(L, seek(fd, 0, SEEK_END));
		close(fd);
	}
}

TEST_HARNESS_MAIN
