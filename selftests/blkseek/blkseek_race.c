// SPDX-License-Identifier: GPL-2.0
/*
 * Races: writers (O_DIRECT and buffered) and a discarder change random
 * 64 KiB regions of a scsi_debug disk while other threads ask SEEK_DATA
 * and SEEK_HOLE.  Invariant: once a write has returned (a buffered one
 * too, before any flush), no lseek reports a hole inside its region until
 * a discard of that region starts.
 *
 * BLKSEEK_RACE_OPS sets the number of write/discard operations (default
 * 2000; `make soak` runs 100000).  Prints ops, checks and violations.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdatomic.h>
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
	atomic_long ops_left, discards_left;
	atomic_long writes, discards, checks, violations;
	atomic_int stop;
};

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
	long done = atomic_load(&race->writes) + atomic_load(&race->discards);
	int i;

	for (i = 0; i < 100 && atomic_load(&race->checks) * 10 < done; i++)
		usleep(1000);
}

struct writer_arg {
	struct race *race;
	int direct;
	unsigned int seed;
};

static void *writer(void *p)
{
	struct writer_arg *a = p;
	struct race *race = a->race;
	char *buf;
	int fd;

	if (posix_memalign((void **)&buf, 4096, REGION))
		return NULL;
	memset(buf, 0x5a + a->direct, REGION);
	fd = open(race->d.path, O_RDWR | (a->direct ? O_DIRECT : 0));
	if (fd < 0)
		return NULL;
	while (atomic_fetch_sub(&race->ops_left, 1) > 0) {
		unsigned int i = pick(&a->seed);
		struct region *r = &race->r[i];

		change_begin(r, WRITING);
		if (pwrite(fd, buf, REGION, (off_t)i * REGION) != REGION)
			atomic_fetch_add(&race->violations, 1000000);
		change_end(r, WRITTEN);
		atomic_fetch_add(&race->writes, 1);
		pace(race);
	}
	close(fd);		/* buffered data may still be dirty until here */
	free(buf);
	return NULL;
}

static void *discarder(void *p)
{
	struct writer_arg *a = p;
	struct race *race = a->race;
	int fd = open(race->d.path, O_RDWR);

	if (fd < 0)
		return NULL;
	while (atomic_fetch_sub(&race->discards_left, 1) > 0) {
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

/* 2000 changes take 5 to 8 s under TCG; make soak's 10^5 several minutes */
TEST_F_TIMEOUT(race, writes_discards_lseeks, BLKSEEK_TIMEOUT(1700))
{
	static struct race race;
	struct writer_arg wa[2], da, sa[2];
	pthread_t w[2], dt, s[2];
	const char *env = getenv("BLKSEEK_RACE_OPS");
	long ops = env ? atol(env) : 2000;
	int i;

	if (sdebug_load(&race.d, "dev_size_mb=32 lbpu=1 lbprz=1 unmap_granularity=8"))
		SKIP(return, "scsi_debug not available");
	for (i = 0; i < NREGIONS; i++)
		pthread_mutex_init(&race.r[i].lock, NULL);
	/* a quarter of the changes are discards, the rest writes */
	atomic_store(&race.discards_left, ops / 4);
	atomic_store(&race.ops_left, ops - ops / 4);

	for (i = 0; i < 2; i++) {
		wa[i] = (struct writer_arg){ &race, i == 0, 11 + i };
		sa[i] = (struct writer_arg){ &race, 0, 101 + i };
		ASSERT_EQ(0, pthread_create(&s[i], NULL, seeker, &sa[i]));
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&w[i], NULL, writer, &wa[i]));
	da = (struct writer_arg){ &race, 0, 7 };
	ASSERT_EQ(0, pthread_create(&dt, NULL, discarder, &da));

	for (i = 0; i < 2; i++)
		pthread_join(w[i], NULL);
	pthread_join(dt, NULL);
	atomic_store(&race.stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(s[i], NULL);

	TH_LOG("ops %ld (writes %ld, discards %ld), lseek checks %ld, violations %ld",
	       atomic_load(&race.writes) + atomic_load(&race.discards),
	       atomic_load(&race.writes), atomic_load(&race.discards),
	       atomic_load(&race.checks), atomic_load(&race.violations));
	EXPECT_EQ(0, atomic_load(&race.violations));
	EXPECT_EQ(ops, atomic_load(&race.writes) + atomic_load(&race.discards));
	EXPECT_LT(ops / 20, atomic_load(&race.checks));
	sdebug_unload();
}

TEST_HARNESS_MAIN
