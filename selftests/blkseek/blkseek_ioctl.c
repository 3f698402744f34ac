// SPDX-License-Identifier: GPL-2.0
/*
 * The extent query of /dev/blkseek (uapi/linux/blkseek.h): the table of
 * bad inputs (each errno, nothing written on error), extents equal to the
 * ground truth from sg_get_lba_status for lbprz=1 and lbprz=0 disks, 512
 * and 4096-byte blocks, walks by continuation with 1, 3 and 256 extents a
 * call, devices that cannot answer, and the documentation's example.
 * The tests of one variant share its scsi_debug disk: the first loads it,
 * the others find it loaded with their parameters and reset it (see
 * sdebug_reuse()) instead of reloading scsi_debug, which takes seconds
 * under TCG.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <linux/blkseek.h>
#include <linux/loop.h>
#include <sys/mman.h>
#include "../kselftest_harness.h"
#include "blkseek_util.h"

static int query(int ctl, struct blkseek_query *q)
{
	return ioctl(ctl, BLKSEEK_IOC_QUERY, q) ? -errno : 0;
}

static void query_init(struct blkseek_query *q, int fd, struct blkseek_extent *e,
		       unsigned int n)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->fd = fd;
	q->extent_count = n;
	q->extents = (uintptr_t)e;
}

/* Expected flags of a block with GET LBA STATUS status @st. */
static unsigned int want_flags(uint8_t st, bool lbprz)
{
	if (st == 1)
		return BLKSEEK_EXTENT_UNALLOCATED | (lbprz ? BLKSEEK_EXTENT_ZERO : 0);
	if (st == 2)
		return lbprz ? BLKSEEK_EXTENT_ZERO : 0;
	return 0;
}

/*
 * Walk @fd by continuation, @per_call extents a call; store each block's
 * flags in @flags.  Returns the number of extents or -errno / -1000.
 */
static long walk(int ctl, int fd, const struct disk *d, unsigned int per_call,
		 uint8_t *flags, uint32_t *dev_flags)
{
	struct blkseek_extent e[256];
	struct blkseek_query q;
	uint64_t off = 0, b;
	long n = 0;
	unsigned int i;

	while (off < d->size) {
		query_init(&q, fd, e, per_call);
		q.offset = off;
		if (query(ctl, &q))
			return -errno;
		if (!q.mapped_extents || q.mapped_extents > per_call ||
		    q.size_bytes != d->size || q.logical_block_size != d->lbs)
			return -1000 - __LINE__;
		for (i = 0; i < q.mapped_extents; i++) {
			if (e[i].offset != off || !e[i].length || e[i].reserved ||
			    (e[i].flags & ~BLKSEEK_EXTENT_FLAGS) ||
			    (i && e[i].flags == e[i - 1].flags && per_call > 1))
				return -1000 - __LINE__;
			for (b = off / d->lbs; b * d->lbs < off + e[i].length; b++)
				flags[b] = e[i].flags;
			off += e[i].length;
			n++;
		}
		if (q.end != off)
			return -1000 - __LINE__;
		*dev_flags = q.device_flags;
	}
	return n;
}

static int random_workload(const struct disk *d, unsigned int seed, int ops)
{
	char *buf;
	int fd, i;

	if (posix_memalign((void **)&buf, 4096, 65536))
		return -1;
	memset(buf, 0x3c, 65536);
	fd = open(d->path, O_RDWR | O_DIRECT);
	if (fd < 0)
		return -1;
	srand(seed);
	for (i = 0; i < ops; i++) {
		uint64_t blocks = 1 + rand() % (65536 / d->lbs);
		uint64_t lba = rand() % (d->nblocks - blocks);

		if (rand() % 4) {
			if (pwrite(fd, buf, blocks * d->lbs, lba * d->lbs) < 0)
				break;
		} else {
			uint64_t r[2] = { lba * d->lbs, blocks * d->lbs * 3 };

			if (r[0] + r[1] > d->size)
				r[1] = d->size - r[0];
			ioctl(fd, BLKDISCARD, r);
		}
	}
	close(fd);
	free(buf);
	return i == ops ? 0 : -1;
}

/*
 * The scsi_debug parameters of the disk an ioc test loaded and left
 * loaded, "" when none.  In a page shared by the processes the harness
 * forks for the tests (mmap zeroes it).
 */
#define SDEBUG_SHARED_LEN 4096
static char *sdebug_shared;

static void __attribute__((constructor)) sdebug_shared_init(void)
{
	void *p = mmap(NULL, SDEBUG_SHARED_LEN, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	sdebug_shared = p == MAP_FAILED ? NULL : p;
}

static void sdebug_shared_set(const char *params)
{
	if (sdebug_shared)
		snprintf(sdebug_shared, SDEBUG_SHARED_LEN, "%s", params);
}

/* At the program's end (the harness's process): unload the shared disk. */
static void __attribute__((destructor)) sdebug_shared_exit(void)
{
	if (sdebug_shared && sdebug_shared[0])
		sdebug_unload();
}

/*
 * The disk an earlier test loaded with @params, if it is still there,
 * made like a disk just loaded: all of it discarded, and every block
 * unmapped by the ground truth.  Returns 0, or -1: load scsi_debug afresh.
 */
static int sdebug_reuse(struct disk *d, const char *params)
{
	uint64_t range[2], b;
	uint8_t *status;
	glob_t g;
	int fd, rc;

	if (!sdebug_shared || strcmp(sdebug_shared, params))
		return -1;
	if (glob("/sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/*",
		 0, NULL, &g))
		return -1;
	rc = disk_open_info(d, strrchr(g.gl_pathv[0], '/') + 1);
	globfree(&g);
	if (rc)
		return -1;
	fd = open(d->path, O_RDWR);
	if (fd < 0)
		return -1;
	range[0] = 0;
	range[1] = d->size;
	rc = ioctl(fd, BLKDISCARD, range) ? -1 : 0;
	close(fd);
	status = malloc(d->nblocks);
	if (!status || truth_status(d, status))
		rc = -1;
	for (b = 0; !rc && b < d->nblocks; b++)
		if (status[b] != 1)
			rc = -1;
	free(status);
	return rc;
}

FIXTURE(ioc) {
	struct disk d;
	int ctl, fd;
};

FIXTURE_VARIANT(ioc) {
	unsigned int sector_size;
	unsigned int lbprz;
};

FIXTURE_VARIANT_ADD(ioc, s512_lbprz1) { 512, 1 };
FIXTURE_VARIANT_ADD(ioc, s4096_lbprz1) { 4096, 1 };
FIXTURE_VARIANT_ADD(ioc, s512_lbprz0) { 512, 0 };

FIXTURE_SETUP(ioc)
{
	char p[160];

	snprintf(p, sizeof(p), "dev_size_mb=16 lbpu=1 lbprz=%u unmap_granularity=8 sector_size=%u",
		 variant->lbprz, variant->sector_size);
	self->fd = -1;
	self->ctl = open(BLKSEEK_DEVICE, O_RDONLY);
	if (self->ctl < 0)
		SKIP(return, "no %s", BLKSEEK_DEVICE);
	if (sdebug_reuse(&self->d, p)) {
		sdebug_shared_set("");
		if (sdebug_load(&self->d, p))
			SKIP(return, "scsi_debug not available");
		sdebug_shared_set(p);
	}
	self->fd = open(self->d.path, O_RDONLY);
	ASSERT_LE(0, self->fd);
}

/* scsi_debug stays loaded, for the next test with the same parameters. */
FIXTURE_TEARDOWN(ioc)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->ctl >= 0)
		close(self->ctl);
}

TEST_F_TIMEOUT(ioc, extents_equal_ground_truth, BLKSEEK_TIMEOUT(900))
{
	const unsigned int counts[] = { 1, 3, 256 };
	uint8_t *truth = calloc(self->d.nblocks, 1);
	uint8_t *flags = calloc(self->d.nblocks, 1);
	uint32_t dev_flags = 0;
	uint64_t b;
	unsigned int c;
	long prev = -1;

	ASSERT_EQ(0, random_workload(&self->d, 42 + variant->sector_size, 150));
	ASSERT_EQ(0, truth_status(&self->d, truth));
	for (c = 0; c < 3; c++) {
		long n;

		memset(flags, 0xee, self->d.nblocks);
		n = walk(self->ctl, self->fd, &self->d, counts[c], flags, &dev_flags);
		ASSERT_LT(0, n);
		ASSERT_EQ(BLKSEEK_DEV_ANSWERS |
			  (variant->lbprz ? BLKSEEK_DEV_UNMAP_ZEROES : 0), dev_flags);
		for (b = 0; b < self->d.nblocks; b++)
			if (flags[b] != want_flags(truth[b], variant->lbprz)) {
				TH_LOG("%u a call: block %llu flags %u, status %u", counts[c],
				       (unsigned long long)b, flags[b], truth[b]);
				ASSERT_EQ(want_flags(truth[b], variant->lbprz), flags[b]);
			}
		if (counts[c] > 1 && prev >= 0)
			ASSERT_EQ(prev, n);	/* same map, same extents */
		if (counts[c] > 1)
			prev = n;
		TH_LOG("%u extents a call: %ld extents", counts[c], n);
	}
	free(truth);
	free(flags);
}

TEST_F(ioc, bad_inputs_change_nothing)
{
	struct blkseek_extent e[4], pristine[4];
	struct { struct blkseek_query q; __u64 tail; } big;
	struct blkseek_query q;
	int wfd, pfd, ffd, nfd;
	char file[] = "/tmp/blkseek-ioc-XXXXXX";
	unsigned int i;

	memset(pristine, 0xa5, sizeof(pristine));
	wfd = open(self->d.path, O_WRONLY);
	pfd = open(self->d.path, O_PATH);
	ffd = mkstemp(file);
	nfd = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, wfd);
	ASSERT_LE(0, pfd);
	ASSERT_LE(0, ffd);
	unlink(file);

	struct {
		const char *what;
		int fd;
		int field;	/* which field to spoil */
		int want;
	} t[] = {
		{ "size 0", self->fd, 1, -EINVAL },
		{ "size 95", self->fd, 2, -EINVAL },
		{ "flags", self->fd, 3, -EINVAL },
		{ "reserved0", self->fd, 4, -EINVAL },
		{ "reserved[0]", self->fd, 5, -EINVAL },
		{ "reserved[2]", self->fd, 6, -EINVAL },
		{ "bad extents pointer", self->fd, 7, -EFAULT },
		{ "fd -1", -1, 0, -EBADF },
		{ "fd not open", 1000, 0, -EBADF },
		{ "O_PATH fd", pfd, 0, -EBADF },
		{ "write-only fd", wfd, 0, -EBADF },
		{ "regular file", ffd, 0, -ENOTBLK },
		{ "character device", nfd, 0, -ENOTBLK },
	};

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memcpy(e, pristine, sizeof(e));
		query_init(&q, t[i].fd, e, 4);
		switch (t[i].field) {
		case 1: q.size = 0; break;
		case 2: q.size = 95; break;
		case 3: q.flags = 1; break;
		case 4: q.reserved0 = 1; break;
		case 5: q.reserved[0] = 1; break;
		case 6: q.reserved[2] = 1ULL << 63; break;
		case 7: q.extents = 1; break;
		}
		if (query(self->ctl, &q) != t[i].want)
			TH_LOG("%s: got %d", t[i].what, query(self->ctl, &q));
		EXPECT_EQ(t[i].want, query(self->ctl, &q));
		EXPECT_EQ(0, memcmp(e, pristine, sizeof(e)));
		EXPECT_EQ(0u, q.mapped_extents);
	}
	EXPECT_EQ(-EFAULT, ioctl(self->ctl, BLKSEEK_IOC_QUERY, (void *)8) ? -errno : 0);
	EXPECT_EQ(-ENOTTY, ioctl(self->ctl, _IOWR(BLKSEEK_IOC_MAGIC, 9, struct blkseek_query), &q) ? -errno : 0);
	EXPECT_EQ(-ENOTTY, ioctl(self->ctl, BLKGETSIZE64, &q) ? -errno : 0);

	/* a larger struct from a newer caller: zero tail fine, else E2BIG */
	memset(&big, 0, sizeof(big));
	query_init(&big.q, self->fd, e, 4);
	big.q.size = sizeof(big);
	EXPECT_EQ(0, query(self->ctl, &big.q));
	EXPECT_EQ(1u, big.q.mapped_extents);
	big.tail = 1;
	EXPECT_EQ(-E2BIG, query(self->ctl, &big.q));

	/* facts only; offset past the end; the cap on extents */
	query_init(&q, self->fd, NULL, 0);
	EXPECT_EQ(0, query(self->ctl, &q));
	EXPECT_EQ(0u, q.mapped_extents);
	EXPECT_EQ(self->d.size, q.size_bytes);
	EXPECT_EQ(self->d.lbs, q.logical_block_size);
	query_init(&q, self->fd, e, 4);
	q.offset = self->d.size;
	EXPECT_EQ(0, query(self->ctl, &q));
	EXPECT_EQ(0u, q.mapped_extents);
	close(wfd);
	close(pfd);
	close(ffd);
	close(nfd);
}

TEST_F(ioc, capped_at_max_extents)
{
	static struct blkseek_extent e[1000];
	struct blkseek_query q;
	char *buf;
	int fd, i;

	/*
	 * 150 data extents, 300 extents in all: one write in every other
	 * unmap granule (8 blocks), so runs never merge
	 */
	ASSERT_EQ(0, posix_memalign((void **)&buf, 4096, 4096));
	memset(buf, 1, 4096);
	fd = open(self->d.path, O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd);
	for (i = 0; i < 150; i++)
		ASSERT_EQ(4096, pwrite(fd, buf, 4096, (off_t)i * 16 * self->d.lbs + 8 * self->d.lbs));
	close(fd);
	free(buf);
	query_init(&q, self->fd, e, 1000);
	ASSERT_EQ(0, query(self->ctl, &q));
	EXPECT_EQ(BLKSEEK_MAX_EXTENTS, q.mapped_extents);
	EXPECT_EQ(e[255].offset + e[255].length, q.end);
}

TEST_F(ioc, documentation_example_walks_the_disk)
{
	char cmd[512], line[256];
	uint8_t *flags = calloc(self->d.nblocks, 1);
	uint32_t dev_flags;
	long n, lines = 0;
	FILE *p;

	ASSERT_EQ(0, random_workload(&self->d, 7, 40));
	n = walk(self->ctl, self->fd, &self->d, 256, flags, &dev_flags);
	ASSERT_LT(0, n);
	snprintf(cmd, sizeof(cmd), "./blkseek_walk_example %s 2>/dev/null", self->d.path);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	while (fgets(line, sizeof(line), p)) {
		unsigned long long off, len;
		char kind[32];
		unsigned int f;

		ASSERT_EQ(3, sscanf(line, "%llu %llu %31s", &off, &len, kind));
		f = !strcmp(kind, "data") ? 0 : !strcmp(kind, "zero") ? BLKSEEK_EXTENT_ZERO :
		    !strcmp(kind, "unallocated") ? BLKSEEK_EXTENT_UNALLOCATED :
		    BLKSEEK_EXTENT_UNALLOCATED | BLKSEEK_EXTENT_ZERO;
		ASSERT_EQ(f, flags[off / self->d.lbs]);
		lines++;
	}
	ASSERT_EQ(0, pclose(p));
	ASSERT_EQ(n, lines);
	free(flags);
}

/* Devices that cannot answer: one data extent, device_flags 0. */
static void expect_one_data_extent(struct __test_metadata *_metadata, int ctl,
				   int fd, uint64_t size)
{
	struct blkseek_extent e[4];
	struct blkseek_query q;

	query_init(&q, fd, e, 4);
	ASSERT_EQ(0, query(ctl, &q));
	ASSERT_EQ(1u, q.mapped_extents);
	EXPECT_EQ(0u, e[0].offset);
	EXPECT_EQ(size, e[0].length);
	EXPECT_EQ(0u, e[0].flags);
	EXPECT_EQ(0u, q.device_flags);
	EXPECT_EQ(size, q.end);
}

TEST(lbpu0_and_loop_are_one_data_extent)
{
	int ctl = open(BLKSEEK_DEVICE, O_RDONLY), fd, lfd, ffd, lc, n;
	char file[] = "/tmp/blkseek-ioc-loop-XXXXXX", dev[32];
	struct disk d;

	if (ctl < 0)
		SKIP(return, "no %s", BLKSEEK_DEVICE);
	sdebug_shared_set("");
	if (sdebug_load(&d, "dev_size_mb=16 lbpu=0"))
		SKIP(return, "scsi_debug not available");
	fd = open(d.path, O_RDONLY);
	ASSERT_LE(0, fd);
	expect_one_data_extent(_metadata, ctl, fd, d.size);
	close(fd);
	sdebug_unload();

	run_cmd("modprobe loop 2>/dev/null");
	lc = open("/dev/loop-control", O_RDWR);
	if (lc < 0)
		SKIP(return, "no loop support");
	ffd = mkstemp(file);
	ASSERT_LE(0, ffd);
	unlink(file);
	ASSERT_EQ(0, ftruncate(ffd, 4 << 20));
	n = ioctl(lc, LOOP_CTL_GET_FREE);
	ASSERT_LE(0, n);
	snprintf(dev, sizeof(dev), "/dev/loop%d", n);
	lfd = open(dev, O_RDWR);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, ioctl(lfd, LOOP_SET_FD, ffd));
	expect_one_data_extent(_metadata, ctl, lfd, 4 << 20);
	ioctl(lfd, LOOP_CLR_FD, 0);
	close(lfd);
	close(ffd);
	close(lc);
	close(ctl);
}

TEST_HARNESS_MAIN
