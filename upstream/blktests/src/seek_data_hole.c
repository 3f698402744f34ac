// SPDX-License-Identifier: GPL-3.0+
// Copyright (C) 2026 blkseek developers
//
// Ask a file or block device for its data and holes with lseek(SEEK_DATA)
// and lseek(SEEK_HOLE).
//
//   seek_data_hole map PATH
//	the whole map from offset 0, one line per run: "data|hole OFFSET LENGTH"
//	(bytes), built from SEEK_DATA and SEEK_HOLE answers alone, adjacent
//	runs of one kind merged.  An error other than ENXIO from SEEK_DATA
//	ends it with the line "error ERRNO-NAME"
//   seek_data_hole data|hole PATH OFFSET
//	one lseek: the offset it returns, or the errno's name (ENXIO, EINVAL...)
//   seek_data_hole write PATH OFFSET buffered|direct
//	64 KiB of 0x5a written at OFFSET, then, on the descriptor that wrote,
//	SEEK_DATA from 1 MiB before OFFSET: "ANSWER BYTE", ANSWER the offset or
//	the errno's name and BYTE the first byte read back at OFFSET through
//	another descriptor, in hex.  The descriptor stays open from the write
//	to the lseek: a block device's last close writes its page cache back.
//   seek_data_hole repeat N data|hole PATH OFFSET
//	the same lseek N times on one descriptor: the distinct answers, sorted,
//	one a line (offsets, or errno names)

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>

#define WRITE_LEN 65536

static const char *errname(int err)
{
	switch (err) {
	case ENXIO: return "ENXIO";
	case EINVAL: return "EINVAL";
	case EAGAIN: return "EAGAIN";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOTTY: return "ENOTTY";
	default: return strerror(err);
	}
}

static long long size_of(int fd)
{
	struct stat st;
	unsigned long long bytes;

	if (fstat(fd, &st) < 0)
		return -1;
	if (!S_ISBLK(st.st_mode))
		return st.st_size;
	if (ioctl(fd, BLKGETSIZE64, &bytes) < 0)
		return -1;
	return bytes;
}

/* print a run, merged with the one before when of the same kind */
static void run(const char *kind, long long off, long long len)
{
	static const char *last_kind;
	static long long last_off, last_len;

	if (kind && len <= 0)
		return;
	if (kind && last_kind && !strcmp(kind, last_kind) &&
	    last_off + last_len == off) {
		last_len += len;
		return;
	}
	if (last_kind)
		printf("%s %lld %lld\n", last_kind, last_off, last_len);
	last_kind = kind;
	last_off = off;
	last_len = len;
}

static int map(int fd)
{
	long long size = size_of(fd), pos = 0, data, hole;

	if (size < 0) {
		perror("size");
		return 1;
	}
	while (pos < size) {
		data = lseek(fd, pos, SEEK_DATA);
		if (data < 0) {
			if (errno != ENXIO) {
				run(NULL, 0, 0);
				printf("error %s\n", errname(errno));
				return 0;
			}
			data = size;
		}
		if (data < pos || data > size) {
			run(NULL, 0, 0);
			printf("error SEEK_DATA at %lld returned %lld\n", pos, data);
			return 0;
		}
		run("hole", pos, data - pos);
		if (data == size)
			break;
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0) {
			run(NULL, 0, 0);
			printf("error SEEK_HOLE %s\n", errname(errno));
			return 0;
		}
		if (hole <= data || hole > size) {
			run(NULL, 0, 0);
			printf("error SEEK_HOLE at %lld returned %lld\n", data, hole);
			return 0;
		}
		run("data", data, hole - data);
		pos = hole;
	}
	run(NULL, 0, 0);
	return 0;
}

static int write_then_seek(const char *path, long long off, const char *mode)
{
	int direct = !strcmp(mode, "direct");
	unsigned char byte = 0;
	long long ret;
	void *buf;
	int fd, rfd;

	if (posix_memalign(&buf, 4096, WRITE_LEN))
		return 1;
	memset(buf, 0x5a, WRITE_LEN);
	fd = open(path, O_RDWR | (direct ? O_DIRECT : 0));
	if (fd < 0) {
		perror(path);
		return 1;
	}
	if (pwrite(fd, buf, WRITE_LEN, off) != WRITE_LEN) {
		perror("pwrite");
		return 1;
	}
	ret = lseek(fd, off - (1 << 20), SEEK_DATA);
	if (ret < 0)
		printf("%s", errname(errno));
	else
		printf("%lld", ret);
	rfd = open(path, O_RDONLY);
	if (rfd < 0 || pread(rfd, &byte, 1, off) != 1) {
		perror("pread");
		return 1;
	}
	printf(" %02x\n", byte);
	close(rfd);
	close(fd);
	free(buf);
	return 0;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int repeat(long n, int whence, const char *path, long long off)
{
	long long *answers = calloc(n, sizeof(*answers));
	long i;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || !answers) {
		perror(path);
		return 1;
	}
	/* an error is kept as its negated errno */
	for (i = 0; i < n; i++) {
		answers[i] = lseek(fd, off, whence);
		if (answers[i] < 0)
			answers[i] = -errno;
	}
	qsort(answers, n, sizeof(*answers), cmp_ll);
	for (i = 0; i < n; i++) {
		if (i && answers[i] == answers[i - 1])
			continue;
		if (answers[i] < 0)
			printf("%s\n", errname(-answers[i]));
		else
			printf("%lld\n", answers[i]);
	}
	free(answers);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int fd, whence;
	long long ret;

	if (argc == 5 && !strcmp(argv[1], "write"))
		return write_then_seek(argv[2], strtoll(argv[3], NULL, 0),
				       argv[4]);
	if (argc == 6 && !strcmp(argv[1], "repeat") &&
	    (!strcmp(argv[3], "data") || !strcmp(argv[3], "hole")))
		return repeat(strtol(argv[2], NULL, 0),
			      !strcmp(argv[3], "data") ? SEEK_DATA : SEEK_HOLE,
			      argv[4], strtoll(argv[5], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "map"))
		whence = -1;
	else if (argc == 4 && !strcmp(argv[1], "data"))
		whence = SEEK_DATA;
	else if (argc == 4 && !strcmp(argv[1], "hole"))
		whence = SEEK_HOLE;
	else {
		fprintf(stderr,
				"usage: %s map PATH | data|hole PATH OFFSET | write PATH OFFSET buffered|direct | repeat N data|hole PATH OFFSET\n",
			argv[0]);
		return 2;
	}
	fd = open(argv[2], O_RDONLY);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	if (whence < 0)
		return map(fd);
	ret = lseek(fd, strtoll(argv[3], NULL, 0), whence);
	if (ret < 0)
		printf("%s\n", errname(errno));
	else
		printf("%lld\n", ret);
	close(fd);
	return 0;
}
