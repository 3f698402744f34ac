// SPDX-License-Identifier: GPL-2.0
/*
 * blkseek_hammer DEV SECONDS [THREADS [PAUSE_US]]: threads loop
 * SEEK_DATA/SEEK_HOLE at random offsets of DEV for SECONDS, each sleeping
 * PAUSE_US (default 0) after every lseek.  Prints the answers by kind.  Exits
 * 1 if an answer is impossible: EIO, an offset before the one asked or past
 * the size, or another errno than ENXIO (past the end / no data), EINVAL
 * (the stock answer while blkseek is off) and ENODEV/ENXIO for a deleted
 * device.  SIGTERM stops it early.  A helper for the shell selftests.
 * Once every thread has DEV open it prints "# open in N threads": only
 * then may the test remove the device under it, however slow the kernel.
 * SECONDS count from that line.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

static const char *path;
static long long size;
static time_t until;
static unsigned int pause_us;
static volatile sig_atomic_t stop;
static pthread_barrier_t opened;
static atomic_long answers, einval, enxio, other_err, bad;

static void *hammer(void *arg)
{
	unsigned int seed = (unsigned int)(long)arg;
	int fd = open(path, O_RDONLY);

	pthread_barrier_wait(&opened);
	if (fd < 0) {
		atomic_fetch_add(&other_err, 1);
		return NULL;
	}
	while (!stop && time(NULL) < until) {
		long long off = ((long long)rand_r(&seed) << 16 ^ rand_r(&seed)) % size;
		int whence = rand_r(&seed) % 2 ? SEEK_DATA : SEEK_HOLE;
		off_t r = lseek(fd, off, whence);

		if (r >= 0) {
			atomic_fetch_add(&answers, 1);
			if (r < off || r > size)
				atomic_fetch_add(&bad, 1);
		} else if (errno == EINVAL) {
			atomic_fetch_add(&einval, 1);
		} else if (errno == ENXIO) {
			atomic_fetch_add(&enxio, 1);
		} else if (errno == ENODEV) {
			atomic_fetch_add(&other_err, 1);
		} else {
			fprintf(stderr, "# lseek(%lld, %d): %s\n", off, whence,
				strerror(errno));
			atomic_fetch_add(&bad, 1);
		}
		if (pause_us)
			usleep(pause_us);
	}
	close(fd);
	return NULL;
}

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 3 ? atoi(argv[3]) : 3, i, fd;
	pthread_t t[16];
	uint64_t sz;

	if (argc < 3 || nthreads < 1 || nthreads > 16) {
		fprintf(stderr, "usage: %s DEV SECONDS [THREADS<=16 [PAUSE_US]]\n",
			argv[0]);
		return 2;
	}
	path = argv[1];
	pause_us = argc > 4 ? (unsigned int)atoi(argv[4]) : 0;
	fd = open(path, O_RDONLY);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &sz) || !sz) {
		perror(path);
		return 2;
	}
	close(fd);
	size = sz;
	signal(SIGTERM, on_term);	/* stop early, still print the totals */
	pthread_barrier_init(&opened, NULL, nthreads + 1);
	for (i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, hammer, (void *)(long)(i + 1));
	/* the threads read it after the barrier */
	until = time(NULL) + atoi(argv[2]);
	pthread_barrier_wait(&opened);
	printf("# open in %d threads\n", nthreads);
	fflush(stdout);
	for (i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	printf("answers %ld einval %ld enxio %ld enodev %ld bad %ld\n",
	       atomic_load(&answers), atomic_load(&einval), atomic_load(&enxio),
	       atomic_load(&other_err), atomic_load(&bad));
	return atomic_load(&bad) ? 1 : 0;
}
