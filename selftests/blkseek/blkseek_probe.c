// SPDX-License-Identifier: GPL-2.0
/*
 * blkseek_probe PATH data|hole OFFSET: print lseek's answer, or the errno
 * name (ENXIO, EINVAL, ...).  A helper for the shell selftests.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* SEEK_DATA, SEEK_HOLE */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int whence, fd;
	off_t r;

	if (argc != 4) {
		fprintf(stderr, "usage: %s PATH data|hole OFFSET\n", argv[0]);
		return 2;
	}
	whence = !strcmp(argv[2], "hole") ? SEEK_HOLE : SEEK_DATA;
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	r = lseek(fd, strtoll(argv[3], NULL, 0), whence);
	if (r < 0)
		printf("%s\n", errno == ENXIO ? "ENXIO" :
		       errno == EINVAL ? "EINVAL" : strerror(errno));
	else
		printf("%lld\n", (long long)r);
	close(fd);
	return 0;
}
