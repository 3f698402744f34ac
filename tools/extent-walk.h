/* SPDX-License-Identifier: GPL-2.0 */
/*
 * extent-walk: the walk of a block device, partition or regular file
 * extent by extent that blkseek-map and blkseek-copy share.  Block devices
 * are asked with the blkseek extent query (/dev/blkseek) when it is there;
 * otherwise SEEK_DATA/SEEK_HOLE are walked; where neither answers, the
 * whole source is data.  Whatever the kernel answers inconsistently is
 * data: the walk never reports a hole it was not told about.
 *
 * The two system calls go through hooks (ew_query, ew_seek) so that the
 * host unit tests (tools/testing/unit/test_extent_walk.c) can play any
 * answer, well formed or not.
 */
#ifndef EXTENT_WALK_H
#define EXTENT_WALK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/blkseek.h>

/* How the source is walked. */
enum ew_method {
	EW_IOCTL,	/* the blkseek extent query */
	EW_LSEEK,	/* SEEK_DATA / SEEK_HOLE */
	EW_READ_ALL,	/* nothing answers: all data */
};

/* One extent from the walk's position to @end. */
struct ew_extent {
	uint64_t end;
	bool unallocated;	/* no storage behind it (or a hole) */
	bool zero;		/* reads as zeroes */
};

/* When the kernel contradicts itself, this much is counted as data. */
#define EW_STUCK_STEP	4096

struct extent_walk {
	int fd;
	uint64_t size;
	enum ew_method method;
	int ctl;			/* /dev/blkseek, or -1 */
	uint32_t dev_flags;		/* BLKSEEK_DEV_* of the last query */
	unsigned long inconsistent;	/* contradicting answers, counted as data */
	bool shrunk;			/* the source ended before its size */
	/* the last query's extents, used in order before asking again */
	struct blkseek_extent ext[BLKSEEK_MAX_EXTENTS];
	unsigned int next, nr;
	/* the system calls: ioctl(BLKSEEK_IOC_QUERY) and lseek() by default */
	int (*ew_query)(int ctl, struct blkseek_query *q);
	off_t (*ew_seek)(int fd, off_t off, int whence);
};

/* ew_open() flags */
#define EW_BLOCK_DEVICE	0x1	/* @fd is a block device: try the extent query */
#define EW_LSEEK_ONLY	0x2	/* walk SEEK_DATA/SEEK_HOLE even so */
#define EW_READ_ALL_OK	0x4	/* where lseek cannot answer, read all (else
				 * ew_next() returns lseek's error) */

/*
 * Start walking @fd of @size bytes (@flags: EW_*): the extent query for a
 * block device when /dev/blkseek is there, else SEEK_DATA/SEEK_HOLE, else
 * (with EW_READ_ALL_OK, when lseek cannot answer) all data.
 */
void ew_open(struct extent_walk *w, int fd, uint64_t size, unsigned int flags);

/*
 * The extent at @off (< size): its end (> @off, <= size) and kind.
 * Returns 0, -EIO for a malformed answer of the extent query, or the
 * negative errno of a failed call (-EINVAL from lseek on a block device:
 * the kernel cannot answer SEEK_DATA/SEEK_HOLE there).
 */
int ew_next(struct extent_walk *w, uint64_t off, struct ew_extent *e);

/* The method's name: "ioctl", "lseek" or "read-all". */
const char *ew_method_name(const struct extent_walk *w);

void ew_close(struct extent_walk *w);

#endif /* EXTENT_WALK_H */
