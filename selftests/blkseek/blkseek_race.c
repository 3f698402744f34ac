// SPDX-License-Identifier: GPL-2.0
/*
 * Races: writers (O_DIRECT and buffered), a discarder and an SG_IO thread
 * (WRITE(16) and UNMAP passed through, as sg_write_same and sg_unmap do)
 * change random 64 KiB regions of a scsi_debug disk, and a reader reads
 * random regions with O_DIRECT (reads keep the reply cache), while other
 * threads ask SEEK_DATA and SEEK_HOLE.  Invariant: once a write has
 * returned (a buffered one too, before any flush), no lseek reports a
 * hole inside its region until a discard or an UNMAP of that region
 * starts.
 *
 * BLKSEEK_RACE_OPS sets the least number of changes (default 2000; `make
 * soak` runs 100000), BLKSEEK_RACE_ANSWERS the least number of lseek
 * answers checked (default 10000, about 80 a second under TCG; `make
 * soak` 100000): changes go on until both are reached.
 * Prints changes, answers and violations.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <scsi/sg.h>
#include "../kselftest_harness.h"
#include "blkseek_util.h"

#define REGION		(64 * 1024)
#define NREGIONS	256		/* 16 MiB of the disk */

enum { EMPTY, WRITING, WRITTEN, DISCARDING };

struct region {
	pthread_mutex_t lock;
	atomic_uint gen;		/* odd while changing */
	atomic_int state;
};

struct race {
	struct disk d;
	struct region r[NREGIONS];
	atomic_long ops_left, discards_left, sg_left;
	atomic_long writes, discards, sg_writes, sg_unmaps, reads, checks,
		    violations;
	long min_checks;
	atomic_int stop;
};

/* Another change to make: some left, or too few answers checked yet. */
static bool more(struct race *race, atomic_long *left)
{
	return atomic_fetch_sub(left, 1) > 0 ||
	       atomic_load(&race->checks) < race->min_checks;
}

static unsigned int pick(unsigned int *seed)
{
	return rand_r(seed) % NREGIONS;
}

static void change_begin(struct region *r, int state)
{
	pthread_mutex_lock(&r->lock);
	atomic_fetch_add(&r->gen, 1);
	atomic_store(&r->state, state);
}

static void change_end(struct region *r, int state)
{
	atomic_store(&r->state, state);
	atomic_fetch_add(&r->gen, 1);
	pthread_mutex_unlock(&r->lock);
}

/*
 * Keep the seekers in the race: after each change, wait (up to 100 ms)
 * until they have made one check per ten changes so far.
 */
static void pace(struct race *race)
{
	long done = atomic_load(&race->writes) + atomic_load(&race->discards) +
		    atomic_load(&race->sg_writes) + atomic_load(&race->sg_unmaps);
	int i;

	for (i = 0; i < 100 && atomic_load(&race->checks) * 10 < done; i++)
		usleep(1000);
}

struct writer_arg {
	struct race *race;
	int direct;
	unsigned int seed;
};

/*
 * A thread's disk, opened with @flags, and a 4 KiB aligned region-sized
 * buffer of @fill bytes; false (nothing kept) when either fails.
 */
static bool open_disk(const struct race *race, int flags, int fill, int *fd,
		      char **buf)
{
	if (posix_memalign((void **)buf, 4096, REGION))
		return false;
	memset(*buf, fill, REGION);
	*fd = open(race->d.path, flags);
	if (*fd >= 0)
		return true;
	free(*buf);
	return false;
}

static void close_disk(int fd, char *buf)
{
	close(fd);		/* buffered data may still be dirty until here */
	free(buf);
}

static void *writer(void *p)
{
	struct writer_arg *a = p;
	struct race *race = a->race;
	char *buf;
	int fd;

	if (!open_disk(race, O_RDWR | (a->direct ? O_DIRECT : 0),
		       0x5a + a->direct, &fd, &buf))
		return NULL;
	while (more(race, &race->ops_left)) {
		unsigned int i = pick(&a->seed);
		struct region *r = &race->r[i];

		change_begin(r, WRITING);
		if (pwrite(fd, buf, REGION, (off_t)i * REGION) != REGION)
			atomic_fetch_add(&race->violations, 1000000);
		change_end(r, WRITTEN);
		atomic_fetch_add(&race->writes, 1);
		pace(race);
	}
	close_disk(fd, buf);
	return NULL;
}

static void *discarder(void *p)
{
	struct writer_arg *a = p;
	struct race *race = a->race;
	int fd = open(race->d.path, O_RDWR);

	if (fd < 0)
		return NULL;
	while (more(race, &race->discards_left)) {
		unsigned int i = pick(&a->seed);
		struct region *r = &race->r[i];
		uint64_t range[2] = { (uint64_t)i * REGION, REGION };

		change_begin(r, DISCARDING);
		if (ioctl(fd, BLKDISCARD, range))
			atomic_fetch_add(&race->violations, 1000000);
		change_end(r, EMPTY);
		atomic_fetch_add(&race->discards, 1);
		pace(race);
	}
	close(fd);
	return NULL;
}

/* A data-out command through SG_IO; 0 when the device took it. */
static int sg_out(int fd, const unsigned char *cdb, unsigned int cdb_len,
		  void *buf, unsigned int len)
{
	unsigned char sense[32];
	struct sg_io_hdr h = {
		.interface_id = 'S',
		.dxfer_direction = SG_DXFER_TO_DEV,
		.cmd_len = cdb_len,
		.mx_sb_len = sizeof(sense),
		.dxfer_len = len,
		.dxferp = buf,
		.cmdp = (unsigned char *)cdb,
		.sbp = sense,
		.timeout = 60000,
	};

	if (ioctl(fd, SG_IO, &h) < 0)
		return -1;
	return h.status || h.host_status || h.driver_status ? -1 : 0;
}

static void put_be(unsigned char *p, uint64_t v, int bytes)
{
	while (bytes--) {
		p[bytes] = v & 0xff;
		v >>= 8;
	}
}

/* WRITE(16) and UNMAP of whole regions, passed through with SG_IO. */
static void *sg_changer(void *p)
{
	struct writer_arg *a = p;
	struct race *race = a->race;
	unsigned int lbs = race->d.lbs;
	char *buf;
	int fd;

	if (!open_disk(race, O_RDWR, 0x6b, &fd, &buf))
		return NULL;
	while (more(race, &race->sg_left)) {
		unsigned int i = pick(&a->seed);
		struct region *r = &race->r[i];
		uint64_t lba = (uint64_t)i * REGION / lbs;
		unsigned char cdb[16] = { 0 }, list[24] = { 0 };
		bool unmap = rand_r(&a->seed) & 1;
		int err;

		if (unmap) {
			cdb[0] = 0x42;			/* UNMAP */
			put_be(cdb + 7, sizeof(list), 2);
			put_be(list, sizeof(list) - 2, 2);
			put_be(list + 2, 16, 2);
			put_be(list + 8, lba, 8);
			put_be(list + 16, REGION / lbs, 4);
			change_begin(r, DISCARDING);
			err = sg_out(fd, cdb, 10, list, sizeof(list));
			change_end(r, EMPTY);
			atomic_fetch_add(&race->sg_unmaps, 1);
		} else {
			cdb[0] = 0x8a;			/* WRITE(16) */
			put_be(cdb + 2, lba, 8);
			put_be(cdb + 10, REGION / lbs, 4);
			change_begin(r, WRITING);
			err = sg_out(fd, cdb, 16, buf, REGION);
			change_end(r, WRITTEN);
			atomic_fetch_add(&race->sg_writes, 1);
		}
		if (err)
			atomic_fetch_add(&race->violations, 1000000);
		pace(race);
	}
	close_disk(fd, buf);
	return NULL;
}

/* O_DIRECT reads of random regions, until the end, one every 2 ms. */
static void *reader(void *p)
{
	struct writer_arg *a = p;
	struct race *race = a->race;
	char *buf;
	int fd;

	if (!open_disk(race, O_RDONLY | O_DIRECT, 0, &fd, &buf))
		return NULL;
	while (!atomic_load(&race->stop)) {
		if (pread(fd, buf, REGION, (off_t)pick(&a->seed) * REGION) !=
		    REGION)
			atomic_fetch_add(&race->violations, 1000000);
		atomic_fetch_add(&race->reads, 1);
		usleep(2000);
	}
	close_disk(fd, buf);
	return NULL;
}

static void *seeker(void *p)
{
	struct writer_arg *a = p;
	struct race *race = a->race;
	int fd = open(race->d.path, O_RDONLY);

	if (fd < 0)
		return NULL;
	while (!atomic_load(&race->stop)) {
		unsigned int i = pick(&a->seed);
		struct region *r = &race->r[i];
		off_t start = (off_t)i * REGION, dat, hole;
		unsigned int g1, g2;
		int st;

		g1 = atomic_load(&r->gen);
		st = atomic_load(&r->state);
		if ((g1 & 1) || st != WRITTEN)
			continue;
		dat = lseek(fd, start, SEEK_DATA);
		hole = lseek(fd, start, SEEK_HOLE);
		g2 = atomic_load(&r->gen);
		if (g1 != g2)
			continue;	/* changed meanwhile: nothing to assert */
		atomic_fetch_add(&race->checks, 1);
		if (dat != start || hole < start + REGION) {
			if (atomic_fetch_add(&race->violations, 1) < 5)
				fprintf(stderr, "# region %u written: SEEK_DATA %lld SEEK_HOLE %lld\n",
					i, (long long)dat, (long long)hole);
		}
	}
	close(fd);
	return NULL;
}

FIXTURE(race) {};
FIXTURE_SETUP(race) {}
FIXTURE_TEARDOWN(race) {}

/*
 * 2000 changes take 5 to 8 s under TCG, 10^4 answers about two minutes;
 * make soak's 10^5 changes and answers half an hour
 */
TEST_F_TIMEOUT(race, writes_discards_lseeks, BLKSEEK_TIMEOUT(1700))
{
	static struct race race;
	struct writer_arg wa[2], da, ga, ra, sa[2];
	pthread_t w[2], dt, gt, rt, s[2];
	const char *env = getenv("BLKSEEK_RACE_OPS");
	const char *env_answers = getenv("BLKSEEK_RACE_ANSWERS");
	long ops = env ? atol(env) : 2000;
	long changes;
	int i;

	if (sdebug_load(&race.d, "dev_size_mb=32 lbpu=1 lbprz=1 unmap_granularity=8"))
		SKIP(return, "scsi_debug not available");
	for (i = 0; i < NREGIONS; i++)
		pthread_mutex_init(&race.r[i].lock, NULL);
	/* a quarter discards, a quarter SG_IO, the rest writes */
	atomic_store(&race.discards_left, ops / 4);
	atomic_store(&race.sg_left, ops / 4);
	atomic_store(&race.ops_left, ops - ops / 2);
	/* each check is two answers */
	race.min_checks = (env_answers ? atol(env_answers) : 10000) / 2;

	for (i = 0; i < 2; i++) {
		wa[i] = (struct writer_arg){ &race, i == 0, 11 + i };
		sa[i] = (struct writer_arg){ &race, 0, 101 + i };
		ASSERT_EQ(0, pthread_create(&s[i], NULL, seeker, &sa[i]));
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&w[i], NULL, writer, &wa[i]));
	da = (struct writer_arg){ &race, 0, 7 };
	ASSERT_EQ(0, pthread_create(&dt, NULL, discarder, &da));
	ga = (struct writer_arg){ &race, 0, 13 };
	ASSERT_EQ(0, pthread_create(&gt, NULL, sg_changer, &ga));
	ra = (struct writer_arg){ &race, 0, 17 };
	ASSERT_EQ(0, pthread_create(&rt, NULL, reader, &ra));

	for (i = 0; i < 2; i++)
		pthread_join(w[i], NULL);
	pthread_join(dt, NULL);
	pthread_join(gt, NULL);
	atomic_store(&race.stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(s[i], NULL);
	pthread_join(rt, NULL);

	changes = atomic_load(&race.writes) + atomic_load(&race.discards) +
		  atomic_load(&race.sg_writes) + atomic_load(&race.sg_unmaps);
	TH_LOG("changes %ld (writes %ld, discards %ld, SG_IO writes %ld, SG_IO unmaps %ld), reads %ld, answers checked %ld, holes over data %ld",
	       changes, atomic_load(&race.writes), atomic_load(&race.discards),
	       atomic_load(&race.sg_writes), atomic_load(&race.sg_unmaps),
	       atomic_load(&race.reads), 2 * atomic_load(&race.checks),
	       atomic_load(&race.violations));
	EXPECT_EQ(0, atomic_load(&race.violations));
	EXPECT_LE(ops, changes);
	EXPECT_LE(race.min_checks, atomic_load(&race.checks));
	EXPECT_LT(0, atomic_load(&race.sg_writes));
	EXPECT_LT(0, atomic_load(&race.sg_unmaps));
	sdebug_unload();
}

TEST_HARNESS_MAIN
