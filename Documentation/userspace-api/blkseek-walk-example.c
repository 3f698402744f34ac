// SPDX-License-Identifier: GPL-2.0
/*
 * Walk a whole disk or partition with the blkseek extent query and print
 * one line per extent: offset, length and kind (data, zero, unallocated).
 *
 *   cc -I<blkseek>/uapi -o walk blkseek-walk-example.c && ./walk /dev/sdb
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/blkseek.h>

static const char *kind(unsigned int flags)
{
	if (flags & BLKSEEK_EXTENT_UNALLOCATED)
		return flags & BLKSEEK_EXTENT_ZERO ? "unallocated,zero" : "unallocated";
	return flags & BLKSEEK_EXTENT_ZERO ? "zero" : "data";
}

int main(int argc, char **argv)
{
	struct blkseek_extent ext[64];
	struct blkseek_query q;
	int ctl, fd;
	__u64 off = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s BLOCK-DEVICE\n", argv[0]);
		return 2;
	}
	ctl = open(BLKSEEK_DEVICE, O_RDONLY | O_CLOEXEC);
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (ctl < 0 || fd < 0) {
		perror(ctl < 0 ? BLKSEEK_DEVICE : argv[1]);
		return 1;
	}
	for (;;) {
		unsigned int i;

		memset(&q, 0, sizeof(q));	/* reserved fields must be 0 */
		q.size = sizeof(q);
		q.fd = fd;
		q.offset = off;
		q.extent_count = 64;
		q.extents = (__u64)(unsigned long)ext;
		if (ioctl(ctl, BLKSEEK_IOC_QUERY, &q) < 0) {
			perror("BLKSEEK_IOC_QUERY");
			return 1;
		}
		if (!q.mapped_extents)		/* offset at the end */
			break;
		for (i = 0; i < q.mapped_extents; i++)
			printf("%llu %llu %s\n", (unsigned long long)ext[i].offset,
			       (unsigned long long)ext[i].length, kind(ext[i].flags));
		off = q.end;			/* continue from the end */
		if (off >= q.size_bytes)
			break;
	}
	fprintf(stderr, "%s: %llu bytes, block size %u, %s%s\n", argv[1],
		(unsigned long long)q.size_bytes, q.logical_block_size,
		q.device_flags & BLKSEEK_DEV_ANSWERS ? "provisioning answered" :
		"cannot answer (all data)",
		q.device_flags & BLKSEEK_DEV_UNMAP_ZEROES ? ", unallocated reads zero" : "");
	return 0;
}
