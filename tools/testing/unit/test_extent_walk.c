// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of tools/extent-walk.c, the walk blkseek-map and
 * blkseek-copy share: the extent query and SEEK_DATA/SEEK_HOLE answers
 * are played by fakes (well formed, malformed, contradicting, shrinking)
 * and the walk's extents checked; then a real sparse file is walked with
 * lseek.  TAP output.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extent-walk.h"

#include "unit_tap.h"

/* ---- a fake extent query: a script of replies ---- */

#define U BLKSEEK_EXTENT_UNALLOCATED
#define Z BLKSEEK_EXTENT_ZERO

struct fake_ext { uint64_t off, len; uint32_t flags; };

static const struct fake_ext *script;	/* the extents of the whole device */
static unsigned int script_n, per_reply, queries;
static int query_errno;

static int fake_query(int ctl, struct blkseek_query *q)
{
	struct blkseek_extent *out = (struct blkseek_extent *)(uintptr_t)q->extents;
	unsigned int i, n = 0;

	(void)ctl;
	queries++;
	if (query_errno) {
		errno = query_errno;
		return -1;
	}
	for (i = 0; i < script_n && n < per_reply && n < q->extent_count; i++) {
		if (n == 0 && script[i].len && script[i].off + script[i].len <= q->offset)
			continue;
		out[n].offset = script[i].off;
		out[n].length = script[i].len;
		out[n].flags = script[i].flags;
		n++;
	}
	q->mapped_extents = n;
	q->device_flags = BLKSEEK_DEV_ANSWERS;
	return 0;
}

/* A walk of a fake device of @size bytes by the extent query. */
static void open_query(struct extent_walk *w, uint64_t size,
		       const struct fake_ext *s, unsigned int n, unsigned int per)
{
	ew_open(w, -1, size, 0);
	w->method = EW_IOCTL;
	w->ew_query = fake_query;
	script = s;
	script_n = n;
	per_reply = per;
	queries = 0;
	query_errno = 0;
}

/* ---- a fake lseek: data in [data_lo, data_hi), a hole elsewhere ---- */

static uint64_t fsize, data_lo, data_hi;
static int seek_mode;	/* 0 sane, 1 contradicting, 2 shrunk, 3 EINVAL */

static off_t fake_seek(int fd, off_t off, int whence)
{
	uint64_t o = off;

	(void)fd;
	if (seek_mode == 3) {
		errno = EINVAL;
		return -1;
	}
	if (whence == SEEK_DATA) {
		if (o < data_lo)
			return data_lo;
		if (o < data_hi)
			return off;
		errno = ENXIO;
		return -1;
	}
	if (seek_mode == 1)
		return off;		/* "a hole right here" after "data here" */
	if (seek_mode == 2) {
		errno = ENXIO;		/* the file shrank below off */
		return -1;
	}
	return o < data_hi ? (off_t)data_hi : (off_t)fsize;
}

static void open_seek(struct extent_walk *w, uint64_t size, uint64_t lo,
		      uint64_t hi, int mode)
{
	ew_open(w, -1, size, 0);
	w->method = EW_LSEEK;
	w->ew_seek = fake_seek;
	fsize = size;
	data_lo = lo;
	data_hi = hi;
	seek_mode = mode;
}

/* ---- tests ---- */

static void query_many_per_reply(void)
{
	static const struct fake_ext s[] = {
		{ 0, 4096, 0 }, { 4096, 8192, U | Z }, { 12288, 4096, Z },
		{ 16384, 4096, U },
	};
	struct extent_walk w;
	struct ew_extent e;

	open_query(&w, 20480, s, 4, 255);
	CHECK_EQ(ew_next(&w, 0, &e), 0);
	CHECK_EQ(e.end, 4096);
	CHECK_EQ(e.unallocated, 0);
	CHECK_EQ(e.zero, 0);
	CHECK_EQ(ew_next(&w, 4096, &e), 0);
	CHECK_EQ(e.end, 12288);
	CHECK_EQ(e.unallocated, 1);
	CHECK_EQ(e.zero, 1);
	CHECK_EQ(ew_next(&w, 12288, &e), 0);
	CHECK_EQ(e.zero, 1);
	CHECK_EQ(e.unallocated, 0);
	/* unallocated but not reading zero: the caller must read it */
	CHECK_EQ(ew_next(&w, 16384, &e), 0);
	CHECK_EQ(e.end, 20480);
	CHECK_EQ(e.unallocated, 1);
	CHECK_EQ(e.zero, 0);
	CHECK_EQ(queries, 1);		/* one reply served the whole walk */
	CHECK_EQ(w.dev_flags, BLKSEEK_DEV_ANSWERS);
}

static void query_one_per_reply(void)
{
	static const struct fake_ext s[] = { { 0, 512, 0 }, { 512, 512, U | Z } };
	struct extent_walk w;
	struct ew_extent e;

	open_query(&w, 1024, s, 2, 1);
	CHECK_EQ(ew_next(&w, 0, &e), 0);
	CHECK_EQ(ew_next(&w, 512, &e), 0);
	CHECK_EQ(e.end, 1024);
	CHECK_EQ(queries, 2);
}

static void query_asked_elsewhere(void)
{
	static const struct fake_ext s[] = { { 0, 4096, 0 }, { 4096, 4096, U | Z } };
	struct extent_walk w;
	struct ew_extent e;

	/* a jump: the cached extents do not start at the offset asked */
	open_query(&w, 8192, s, 2, 255);
	CHECK_EQ(ew_next(&w, 0, &e), 0);
	CHECK_EQ(ew_next(&w, 4096, &e), 0);
	CHECK_EQ(queries, 1);
	open_query(&w, 8192, s, 2, 255);
	CHECK_EQ(ew_next(&w, 4096, &e), 0);
	CHECK_EQ(e.end, 8192);
	CHECK_EQ(queries, 1);
}

static void query_malformed(void)
{
	static const struct fake_ext gap[] = { { 0, 512, 0 }, { 1024, 512, 0 } };
	static const struct fake_ext zero_len[] = { { 0, 0, 0 } };
	static const struct fake_ext past_end[] = { { 0, 8192, 0 } };
	struct extent_walk w;
	struct ew_extent e;

	open_query(&w, 2048, gap, 2, 255);
	CHECK_EQ(ew_next(&w, 0, &e), 0);
	CHECK_EQ(ew_next(&w, 512, &e), -EIO);	/* not where asked */
	open_query(&w, 2048, zero_len, 1, 255);
	CHECK_EQ(ew_next(&w, 0, &e), -EIO);
	open_query(&w, 4096, past_end, 1, 255);
	CHECK_EQ(ew_next(&w, 0, &e), -EIO);
}

static void query_fails_or_shrinks(void)
{
	static const struct fake_ext s[] = { { 0, 512, 0 } };
	struct extent_walk w;
	struct ew_extent e;

	open_query(&w, 1024, s, 1, 255);
	query_errno = EBADF;
	CHECK_EQ(ew_next(&w, 0, &e), -EBADF);
	/* nothing mapped from 512: the device is smaller than it was */
	open_query(&w, 1024, s, 1, 255);
	CHECK_EQ(ew_next(&w, 0, &e), 0);
	CHECK_EQ(w.shrunk, 0);
	script_n = 0;
	CHECK_EQ(ew_next(&w, 512, &e), 0);
	CHECK_EQ(w.shrunk, 1);
	CHECK_EQ(e.end, 1024);
	CHECK_EQ(ew_next(&w, 1024, &e), -EINVAL);	/* past the size */
}

static void seek_sane(void)
{
	struct extent_walk w;
	struct ew_extent e;

	open_seek(&w, 1 << 20, 65536, 131072, 0);
	CHECK_EQ(ew_next(&w, 0, &e), 0);
	CHECK_EQ(e.end, 65536);
	CHECK_EQ(e.unallocated, 1);
	CHECK_EQ(e.zero, 1);
	CHECK_EQ(ew_next(&w, 65536, &e), 0);
	CHECK_EQ(e.end, 131072);
	CHECK_EQ(e.zero, 0);
	CHECK_EQ(ew_next(&w, 131072, &e), 0);	/* ENXIO: a hole to the end */
	CHECK_EQ(e.end, 1 << 20);
	CHECK_EQ(e.zero, 1);
	CHECK_EQ(w.inconsistent, 0);
}

static void seek_contradicting(void)
{
	struct extent_walk w;
	struct ew_extent e;

	/* data at 5000 and a hole at 5000: a step to 8192 counted as data */
	open_seek(&w, 1 << 20, 0, 1 << 20, 1);
	CHECK_EQ(ew_next(&w, 5000, &e), 0);
	CHECK_EQ(e.end, 8192);
	CHECK_EQ(e.zero, 0);
	CHECK_EQ(e.unallocated, 0);
	CHECK_EQ(w.inconsistent, 1);
	/* the step stops at the size */
	open_seek(&w, 6000, 0, 6000, 1);
	CHECK_EQ(ew_next(&w, 5000, &e), 0);
	CHECK_EQ(e.end, 6000);
}

static void seek_shrunk_or_unanswered(void)
{
	struct extent_walk w;
	struct ew_extent e;

	open_seek(&w, 1 << 20, 0, 1 << 20, 2);
	CHECK_EQ(ew_next(&w, 4096, &e), 0);
	CHECK_EQ(w.shrunk, 1);
	CHECK_EQ(e.end, 1 << 20);
	open_seek(&w, 1 << 20, 0, 1 << 20, 3);
	CHECK_EQ(ew_next(&w, 0, &e), -EINVAL);	/* a stock kernel's block device */
}

static void real_sparse_file(void)
{
	char path[] = "/tmp/test_extent_walk.XXXXXX";
	static char buf[65536];
	struct extent_walk w;
	struct ew_extent e;
	uint64_t off = 0, data = 0, size = 16 << 20;
	int fd = mkstemp(path);

	CHECK_EQ(fd >= 0, 1);
	if (fd < 0)
		return;
	unlink(path);
	memset(buf, 0x5a, sizeof(buf));
	CHECK_EQ(ftruncate(fd, size), 0);
	CHECK_EQ(pwrite(fd, buf, sizeof(buf), 4 << 20), (long long)sizeof(buf));
	CHECK_EQ(pwrite(fd, buf, sizeof(buf), 9 << 20), (long long)sizeof(buf));
	ew_open(&w, fd, size, EW_READ_ALL_OK);
	CHECK_EQ(w.method, EW_LSEEK);
	while (off < size) {
		if (ew_next(&w, off, &e)) {
			CHECK_EQ(1, 0);
			break;
		}
		CHECK_EQ(e.end > off, 1);
		if (!e.zero)
			data += e.end - off;
		off = e.end;
	}
	/* both writes are data (a file system may round them up) */
	CHECK_EQ(data >= 2 * sizeof(buf) && data <= 2 * (1 << 20), 1);
	ew_close(&w);
	close(fd);
}

int main(void)
{
	printf("TAP version 13\n1..9\n");
	run("extent query: many extents per reply, kinds as flagged, one query", query_many_per_reply);
	run("extent query: one extent per reply, asked again at its end", query_one_per_reply);
	run("extent query: asked where the cached extents do not start", query_asked_elsewhere);
	run("extent query: gap, zero length, past the end: EIO", query_malformed);
	run("extent query: failure returned, nothing mapped means shrunk", query_fails_or_shrinks);
	run("lseek: hole, data, hole to the end", seek_sane);
	run("lseek: contradicting answers count a step as data", seek_contradicting);
	run("lseek: ENXIO from SEEK_HOLE means shrunk, EINVAL returned", seek_shrunk_or_unanswered);
	run("lseek on a real sparse file", real_sparse_file);
	printf("# %d passed, %d failed\n", n_pass, n_fail);
	return n_fail != 0;
}
