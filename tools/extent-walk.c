// SPDX-License-Identifier: GPL-2.0
/*
 * extent-walk: a source walked extent by extent, by the blkseek extent
 * query or by SEEK_DATA/SEEK_HOLE (see extent-walk.h).
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "extent-walk.h"

static int sys_query(int ctl, struct blkseek_query *q)
{
	return ioctl(ctl, BLKSEEK_IOC_QUERY, q);
}

void ew_open(struct extent_walk *w, int fd, uint64_t size, unsigned int flags)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->size = size;
	w->ctl = -1;
	w->ew_query = sys_query;
	w->ew_seek = lseek;
	if ((flags & EW_BLOCK_DEVICE) && !(flags & EW_LSEEK_ONLY))
		w->ctl = open(BLKSEEK_DEVICE, O_RDONLY | O_CLOEXEC);
	if (w->ctl >= 0)
		w->method = EW_IOCTL;
	else if (!(flags & EW_READ_ALL_OK) || lseek(fd, 0, SEEK_DATA) >= 0 || errno == ENXIO)
		w->method = EW_LSEEK;
	else
		w->method = EW_READ_ALL;
}

const char *ew_method_name(const struct extent_walk *w)
{
	static const char *const name[] = {
		[EW_IOCTL] = "ioctl", [EW_LSEEK] = "lseek", [EW_READ_ALL] = "read-all",
	};

	return name[w->method];
}

/* The rest, from @off, is gone: nothing there to read. */
static void rest_gone(struct extent_walk *w, struct ew_extent *e)
{
	w->shrunk = true;
	e->end = w->size;
	e->unallocated = true;
	e->zero = true;
}

static int next_by_query(struct extent_walk *w, uint64_t off, struct ew_extent *e)
{
	const struct blkseek_extent *x;

	/* one query maps up to BLKSEEK_MAX_EXTENTS ahead */
	if (w->next >= w->nr || w->ext[w->next].offset != off) {
		struct blkseek_query q;

		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.fd = w->fd;
		q.offset = off;
		q.extent_count = BLKSEEK_MAX_EXTENTS;
		q.extents = (uintptr_t)w->ext;
		if (w->ew_query(w->ctl, &q) < 0)
			return -errno;
		w->dev_flags = q.device_flags;
		w->nr = q.mapped_extents < BLKSEEK_MAX_EXTENTS ?
			q.mapped_extents : BLKSEEK_MAX_EXTENTS;
		w->next = 0;
		if (!w->nr) {		/* the device shrank below @off */
			rest_gone(w, e);
			return 0;
		}
	}
	x = &w->ext[w->next++];
	if (x->offset != off || !x->length || x->length > w->size - off)
		return -EIO;
	e->end = off + x->length;
	e->unallocated = x->flags & BLKSEEK_EXTENT_UNALLOCATED;
	e->zero = x->flags & BLKSEEK_EXTENT_ZERO;
	return 0;
}

static int next_by_lseek(struct extent_walk *w, uint64_t off, struct ew_extent *e)
{
	off_t d = w->ew_seek(w->fd, (off_t)off, SEEK_DATA);
	off_t h;

	if (d < 0 && errno != ENXIO)
		return -errno;
	if (d < 0 || (uint64_t)d > off) {	/* a hole up to the next data */
		e->end = d < 0 || (uint64_t)d > w->size ? w->size : (uint64_t)d;
		e->unallocated = true;
		e->zero = true;
		return 0;
	}
	/* data at @off (an answer before @off is taken as @off) */
	h = w->ew_seek(w->fd, (off_t)off, SEEK_HOLE);
	if (h < 0 && errno != ENXIO)
		return -errno;
	if (h < 0) {			/* the file shrank below @off */
		rest_gone(w, e);
		return 0;
	}
	e->unallocated = false;
	e->zero = false;
	if ((uint64_t)h <= off) {
		/* data and a hole at @off: count a step as data, move on */
		w->inconsistent++;
		e->end = off + EW_STUCK_STEP - off % EW_STUCK_STEP;
	} else {
		e->end = (uint64_t)h;
	}
	if (e->end > w->size)
		e->end = w->size;
	return 0;
}

int ew_next(struct extent_walk *w, uint64_t off, struct ew_extent *e)
{
	if (off >= w->size)
		return -EINVAL;
	switch (w->method) {
	case EW_IOCTL:
		return next_by_query(w, off, e);
	case EW_LSEEK:
		return next_by_lseek(w, off, e);
	default:
		e->end = w->size;
		e->unallocated = false;
		e->zero = false;
		return 0;
	}
}

void ew_close(struct extent_walk *w)
{
	if (w->ctl >= 0)
		close(w->ctl);
	w->ctl = -1;
}
