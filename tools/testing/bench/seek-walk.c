// SPDX-License-Identifier: GPL-2.0
/*
 * seek-walk - walk a file's or a block device's map with
 * SEEK_DATA/SEEK_HOLE, PASSES times, and time each pass, for make bench:
 * the same walk on a LUN through blkseek, on its backing file and on an
 * ext4 file.  Prints one line per pass:
 *   pass P lseeks L ns_per_lseek T runs R data D
 * and, with -m FILE, the map (one "start end" line per data run) of the
 * first pass, to compare walkers.  With -c CPU it runs on that CPU only;
 * with -r RUNS a pass ends after the first RUNS data runs.
 * Usage: seek-walk [-n PASSES] [-r RUNS] [-m MAPFILE] [-c CPU] PATH
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	const char *mapfile = NULL;
	int passes = 3, cpu = -1, opt, fd, p;
	uint64_t max_runs = UINT64_MAX;
	FILE *map = NULL;

	while ((opt = getopt(argc, argv, "n:r:m:c:")) != -1) {
		switch (opt) {
		case 'n': passes = atoi(optarg); break;
		case 'r': max_runs = strtoull(optarg, NULL, 0); break;
		case 'm': mapfile = optarg; break;
		case 'c': cpu = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || passes < 1)
		goto usage;
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("sched_setaffinity");
			return 1;
		}
	}
	fd = open(argv[optind], O_RDONLY);
	if (fd < 0) {
		perror(argv[optind]);
		return 1;
	}
	if (mapfile) {
		map = fopen(mapfile, "w");
		if (!map) {
			perror(mapfile);
			return 1;
		}
	}
	for (p = 1; p <= passes; p++) {
		uint64_t lseeks = 0, runs = 0, data = 0;
		off_t off = 0, d, h;
		double t0 = now_ns(), t1;

		while (runs < max_runs) {
			lseeks++;
			d = lseek(fd, off, SEEK_DATA);
			if (d < 0) {
				if (errno == ENXIO)
					break;
				perror("SEEK_DATA");
				return 1;
			}
			lseeks++;
			h = lseek(fd, d, SEEK_HOLE);
			if (h < 0 || h <= d) {
				perror("SEEK_HOLE");
				return 1;
			}
			runs++;
			data += h - d;
			if (map && p == 1)
				fprintf(map, "%jd %jd\n", (intmax_t)d, (intmax_t)h);
			off = h;
		}
		t1 = now_ns();
		printf("pass %d lseeks %" PRIu64 " ns_per_lseek %.0f runs %" PRIu64
		       " data %" PRIu64 "\n", p, lseeks, (t1 - t0) / lseeks,
		       runs, data);
	}
	if (map && fclose(map)) {
		perror(mapfile);
		return 1;
	}
	return 0;
usage:
	fprintf(stderr, "usage: seek-walk [-n PASSES] [-r RUNS] [-m MAPFILE] [-c CPU] PATH\n");
	return 2;
}
