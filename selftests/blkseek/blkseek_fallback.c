// SPDX-License-Identifier: GPL-2.0
/*
 * Devices blkseek must not report holes on, and devices it must leave
 * alone:
 *  - scsi_debug lbpu=0 (no provisioning), lbprz=0 (stale data) and
 *    lbprz=2 (reads 0xff): all data, though the device says deallocated;
 *  - QEMU's scsi-hd, which rejects GET LBA STATUS: all data;
 *  - a loop device and a SCSI CD-ROM: the stock answer, EINVAL;
 *  - a buffered write not yet written back: data.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* O_DIRECT; 6.1's harness does not define it */
#endif
#include <linux/loop.h>
#include "../kselftest_harness.h"
#include "blkseek_util.h"

static long long seek(int fd, long long off, int whence)
{
	off_t r = lseek(fd, off, whence);

	return r < 0 ? -errno : r;
}

/* Every probe offset is data and SEEK_HOLE finds only the end. */
static void expect_all_data(struct __test_metadata *_metadata,
			    const struct disk *d)
{
	const long long S = d->size;
	const long long offs[] = { 0, 1, 4096, 1 << 20, S / 2 + 7, S - 1 };
	unsigned int i;
	int fd = open(d->path, O_RDONLY);

	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		EXPECT_EQ(offs[i], seek(fd, offs[i], SEEK_DATA));
		EXPECT_EQ(S, seek(fd, offs[i], SEEK_HOLE));
	}
	EXPECT_EQ(-ENXIO, seek(fd, S, SEEK_DATA));
	EXPECT_EQ(-ENXIO, seek(fd, S, SEEK_HOLE));
	close(fd);
}

/* The device itself reports deallocated blocks: only blkseek's rules hide them. */
static int deallocated_blocks(const struct disk *d)
{
	uint8_t *st = calloc(d->nblocks, 1);
	uint64_t b;
	int n = 0;

	if (!st || truth_status(d, st)) {
		free(st);
		return -1;
	}
	for (b = 0; b < d->nblocks; b++)
		n += st[b] == 1;
	free(st);
	return n;
}

TEST(lbpu0_is_all_data)
{
	struct disk d;

	if (sdebug_load(&d, "dev_size_mb=16 lbpu=0"))
		SKIP(return, "scsi_debug not available");
	expect_all_data(_metadata, &d);
	sdebug_unload();
}

TEST(lbprz0_is_all_data)
{
	struct disk d;

	if (sdebug_load(&d, "dev_size_mb=16 lbpu=1 lbprz=0 unmap_granularity=8"))
		SKIP(return, "scsi_debug not available");
	ASSERT_LT(0, deallocated_blocks(&d));
	expect_all_data(_metadata, &d);
	sdebug_unload();
}

TEST(lbprz2_reads_ff_is_all_data)
{
	struct disk d;

	if (sdebug_load(&d, "dev_size_mb=16 lbpu=1 lbprz=2 unmap_granularity=8"))
		SKIP(return, "scsi_debug not available");
	ASSERT_LT(0, deallocated_blocks(&d));
	/* written then discarded, a block reads 0xff: a hole would lose it */
	ASSERT_EQ(0, run_cmd("dd if=/dev/urandom of=%s bs=64k count=1 seek=16 oflag=direct status=none && blkdiscard -o 1048576 -l 65536 %s",
			     d.path, d.path));
	ASSERT_EQ(0, range_is_zero(d.path, 1 << 20, 4096));
	expect_all_data(_metadata, &d);
	sdebug_unload();
}

TEST(qemu_scsi_hd_rejecting_get_lba_status_is_all_data)
{
	struct disk d;

	/* QEMU names it "QEMU", or as virtme-ng's --disk sets, "virtme" */
	if (find_disk_by_vendor(&d, "QEMU") && find_disk_by_vendor(&d, "virtme"))
		SKIP(return, "no QEMU scsi-hd disk attached");
	/* the device refuses the command sg_get_lba_status sends */
	ASSERT_NE(0, run_cmd("sg_get_lba_status -m 4104 %s >/dev/null 2>&1",
			     d.path));
	expect_all_data(_metadata, &d);
}

TEST(scsi_cdrom_keeps_stock_einval)
{
	int fd = open("/dev/sr0", O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		SKIP(return, "no /dev/sr0");
	EXPECT_EQ(-EINVAL, seek(fd, 0, SEEK_DATA));
	EXPECT_EQ(-EINVAL, seek(fd, 0, SEEK_HOLE));
	close(fd);
}

TEST(loop_device_keeps_stock_einval)
{
	char file[] = "/tmp/blkseek-loop-XXXXXX", dev[32];
	int ctl, ffd, lfd, n;

	run_cmd("modprobe loop 2>/dev/null");
	ctl = open("/dev/loop-control", O_RDWR);
	if (ctl < 0)
		SKIP(return, "no loop support");
	ffd = mkstemp(file);
	ASSERT_LE(0, ffd);
	unlink(file);
	ASSERT_EQ(0, ftruncate(ffd, 8 << 20));	/* sparse backing file */
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	ASSERT_LE(0, n);
	snprintf(dev, sizeof(dev), "/dev/loop%d", n);
	lfd = open(dev, O_RDWR);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, ioctl(lfd, LOOP_SET_FD, ffd));
	EXPECT_EQ(-EINVAL, seek(lfd, 0, SEEK_DATA));
	EXPECT_EQ(-EINVAL, seek(lfd, 4096, SEEK_HOLE));
	EXPECT_EQ(8 << 20, seek(lfd, 0, SEEK_END));
	ioctl(lfd, LOOP_CLR_FD, 0);
	close(lfd);
	close(ffd);
	close(ctl);
}

TEST(buffered_write_not_flushed_is_data)
{
	const off_t at = 3 << 20;
	uint64_t flushes;
	struct disk d;
	char buf[4096];
	int wfd, fd;

	if (sdebug_load(&d, "dev_size_mb=16 lbpu=1 lbprz=1 unmap_granularity=8"))
		SKIP(return, "scsi_debug not available");
	fd = open(d.path, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-ENXIO, seek(fd, 0, SEEK_DATA));	/* fresh: all hole */

	memset(buf, 0x42, sizeof(buf));
	wfd = open(d.path, O_WRONLY);			/* buffered */
	ASSERT_LE(0, wfd);
	ASSERT_EQ(sizeof(buf), pwrite(wfd, buf, sizeof(buf), at));
	/* no fsync: the data sits in the page cache only, and blkseek
	 * writes it back before asking the device
	 */
	flushes = sysfs_u64("%s", "/sys/module/blkseek/stats/dirty_flushes");
	EXPECT_EQ(at, seek(fd, 0, SEEK_DATA));
	EXPECT_EQ(flushes + 1,
		  sysfs_u64("%s", "/sys/module/blkseek/stats/dirty_flushes"));
	EXPECT_EQ(at, seek(fd, at, SEEK_DATA));
	EXPECT_LE(at + 4096, seek(fd, at, SEEK_HOLE));
	/* and reads return that data */
	ASSERT_EQ(sizeof(buf), pread(fd, buf, sizeof(buf), at));
	EXPECT_EQ(0x42, buf[100]);
	close(wfd);
	close(fd);
	sdebug_unload();
}

TEST_HARNESS_MAIN
