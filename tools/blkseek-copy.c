// SPDX-License-Identifier: GPL-2.0
/*
 * blkseek-copy - copy a disk, partition or file, reading only its data and
 * preserving its allocation.
 *
 * Source ranges come from the blkseek extent query (/dev/blkseek) for block
 * devices when the module is loaded, else from SEEK_DATA/SEEK_HOLE, else the
 * whole source is data.  Data is read and written; ranges that read as
 * zeroes are not read: on a file destination they become holes (or, with
 * --preallocate, allocated zeroes where the source keeps them allocated);
 * on a block device they are zeroed with fallocate (PUNCH_HOLE for
 * unallocated, ZERO_RANGE for allocated zeroes) or BLKZEROOUT, so no stale
 * destination data remains where the source reads zero.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/blkseek.h>

#include "extent-walk.h"

#define PROG		"blkseek-copy"
#define BUF_SIZE	(1 << 20)

enum { EX_OK, EX_USAGE, EX_REFUSED, EX_IO, EX_VERIFY };
enum kind { K_DATA, K_ZERO, K_HOLE };	/* K_ZERO: allocated zeroes */

struct side {
	const char *path;
	int fd;
	bool blk;
	uint64_t size;
	struct stat st;
};

struct copy {
	struct side src, dst;
	bool preallocate, verify, progress, json;
	struct extent_walk walk;	/* the source's */
	const char *method;
	char *buf, *buf2;
	uint64_t done, read, written, zeroed, extents;
	struct timespec t0;
};

static int fail(int code, const char *path, const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s%s%s\n", PROG, path, what, err ? ": " : "",
		err ? strerror(err) : "");
	return code;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void progress(struct copy *c, bool final)
{
	static double last;
	double t = now(), el = t - (c->t0.tv_sec + c->t0.tv_nsec / 1e9);
	double rate = el > 0 ? c->done / el : 0;

	if (!c->progress || (!final && t - last < 0.25))
		return;
	last = t;
	fprintf(stderr, "\r%" PRIu64 " / %" PRIu64 " MiB (%3.0f%%)  %.1f MiB/s  ETA %.0f s   %s",
		c->done >> 20, c->src.size >> 20,
		c->src.size ? 100.0 * c->done / c->src.size : 100.0,
		rate / 1048576, rate > 0 ? (c->src.size - c->done) / rate : 0,
		final ? "\n" : "");
}

static int full_pread(int fd, char *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pread(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= n;
		off += n;
	}
	return 0;
}

static int full_pwrite(int fd, const char *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= n;
		off += n;
	}
	return 0;
}

/*
 * The kind of the source at @off and where it ends (<= size), from the
 * walk shared with blkseek-map (tools/extent-walk.c).  Unallocated space
 * that does not read as zeroes is data: its content must be read.
 */
static int next_extent(struct copy *c, uint64_t off, enum kind *kind, uint64_t *end)
{
	struct ew_extent e;
	int err = ew_next(&c->walk, off, &e);

	if (err)
		return err;
	if (c->walk.shrunk)
		return -ENXIO;		/* the source shrank under the copy */
	*end = e.end;
	*kind = !e.zero ? K_DATA : e.unallocated ? K_HOLE : K_ZERO;
	return 0;
}

static int copy_data(struct copy *c, uint64_t off, uint64_t end)
{
	while (off < end) {
		size_t n = end - off < BUF_SIZE ? end - off : BUF_SIZE;
		int err = full_pread(c->src.fd, c->buf, n, off);

		if (err)
			return fail(EX_IO, c->src.path, "read", -err);
		err = full_pwrite(c->dst.fd, c->buf, n, off);
		if (err)
			return fail(EX_IO, c->dst.path, "write", -err);
		c->read += n;
		c->written += n;
		off += n;
		c->done += n;
		progress(c, false);
	}
	return 0;
}

/* Make [off, end) of the destination read as zeroes without reading the source. */
static int zero_range(struct copy *c, uint64_t off, uint64_t end, enum kind kind)
{
	uint64_t len = end - off;
	int mode = kind == K_ZERO && (c->preallocate || c->dst.blk) ?
		   FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE :
		   FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;

	if (fallocate(c->dst.fd, mode, off, len) == 0)
		goto done;
	if (c->dst.blk) {
		uint64_t r[2] = { off, len };

		if (ioctl(c->dst.fd, BLKZEROOUT, r) == 0)
			goto done;
		return fail(EX_IO, c->dst.path, "BLKZEROOUT", errno);
	}
	/* a file system without hole punching: write zeroes */
	memset(c->buf, 0, BUF_SIZE);
	while (off < end) {
		size_t n = end - off < BUF_SIZE ? end - off : BUF_SIZE;
		int err = full_pwrite(c->dst.fd, c->buf, n, off);

		if (err)
			return fail(EX_IO, c->dst.path, "write", -err);
		c->written += n;
		off += n;
	}
done:
	c->zeroed += len;
	c->done += len;
	progress(c, false);
	return 0;
}

static int verify(struct copy *c)
{
	uint64_t off;

	for (off = 0; off < c->src.size; ) {
		size_t n = c->src.size - off < BUF_SIZE ? c->src.size - off : BUF_SIZE;

		if (full_pread(c->src.fd, c->buf, n, off) ||
		    full_pread(c->dst.fd, c->buf2, n, off))
			return fail(EX_IO, c->dst.path, "verify read", EIO);
		if (memcmp(c->buf, c->buf2, n)) {
			fprintf(stderr, "%s: verify: %s differs from %s in [%" PRIu64
				", %" PRIu64 ")\n", PROG, c->dst.path, c->src.path,
				off, off + n);
			return EX_VERIFY;
		}
		off += n;
	}
	return 0;
}

static int open_side(struct side *s, int flags)
{
	s->fd = open(s->path, flags | O_CLOEXEC, 0644);
	if (s->fd < 0)
		return -errno;
	if (fstat(s->fd, &s->st))
		return -errno;
	s->blk = S_ISBLK(s->st.st_mode);
	if (s->blk) {
		if (ioctl(s->fd, BLKGETSIZE64, &s->size))
			return -errno;
	} else if (S_ISREG(s->st.st_mode)) {
		s->size = s->st.st_size;
	} else {
		return -ENOTBLK;
	}
	return 0;
}

/* The whole disk and byte range of a block device, from sysfs. */
static void disk_range(dev_t dev, unsigned int *disk, uint64_t *start, uint64_t *len)
{
	char path[128], buf[64];
	FILE *f;

	*disk = major(dev) << 20 | minor(dev);
	*start = 0;
	*len = UINT64_MAX;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/partition", major(dev), minor(dev));
	if (access(path, F_OK))
		return;		/* a whole disk */
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../dev", major(dev), minor(dev));
	f = fopen(path, "r");
	if (f && fgets(buf, sizeof(buf), f)) {
		unsigned int ma, mi;

		if (sscanf(buf, "%u:%u", &ma, &mi) == 2)
			*disk = ma << 20 | mi;
	}
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/start", major(dev), minor(dev));
	f = fopen(path, "r");
	if (f && fscanf(f, "%" SCNu64, start) == 1)
		*start *= 512;
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/size", major(dev), minor(dev));
	f = fopen(path, "r");
	if (f && fscanf(f, "%" SCNu64, len) == 1)
		*len *= 512;
	if (f)
		fclose(f);
}

static bool overlaps(const struct copy *c)
{
	unsigned int d1, d2;
	uint64_t s1, l1, s2, l2;

	if (!c->src.blk || !c->dst.blk)
		return !c->src.blk && !c->dst.blk &&
		       c->src.st.st_dev == c->dst.st.st_dev &&
		       c->src.st.st_ino == c->dst.st.st_ino;
	if (c->src.st.st_rdev == c->dst.st.st_rdev)
		return true;
	disk_range(c->src.st.st_rdev, &d1, &s1, &l1);
	disk_range(c->dst.st.st_rdev, &d2, &s2, &l2);
	return d1 == d2 && s1 < s2 + l2 && s2 < s1 + l1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [--preallocate] [--verify] [--progress|--no-progress] [--json] SRC DST\n"
		"       " PROG " --help | --version\n"
		"\n"
		"Copy a disk, partition or file to a file or block device, reading only\n"
		"the source's data.  Ranges that read as zeroes become holes in a file\n"
		"destination (with --preallocate, allocated zeroes stay allocated) and\n"
		"are zeroed on a block device destination.\n"
		"\n"
		"  --preallocate   keep the source's allocated zero ranges allocated\n"
		"  --verify        read both back and compare everything\n"
		"  --progress      progress on stderr (default when stderr is a terminal)\n"
		"  --json          print the summary as JSON\n"
		"  --help, --version\n"
		"\n"
		"Refuses to copy onto the source or a partition overlapping it, onto a\n"
		"smaller destination, or onto a block device in use (mounted).\n"
		"Exit status: 0 copied; 1 usage; 2 refused; 3 I/O error; 4 verify mismatch.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "preallocate", no_argument, NULL, 'p' },
		{ "verify", no_argument, NULL, 'v' },
		{ "progress", no_argument, NULL, 'P' },
		{ "no-progress", no_argument, NULL, 'N' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct copy c = { 0 };
	uint64_t off;
	double secs;
	int o, err, ret;

	c.progress = isatty(2);
	while ((o = getopt_long(argc, argv, "pvPNjhV", opts, NULL)) != -1) {
		switch (o) {
		case 'p': c.preallocate = true; break;
		case 'v': c.verify = true; break;
		case 'P': c.progress = true; break;
		case 'N': c.progress = false; break;
		case 'j': c.json = true; break;
		case 'h': usage(stdout); return EX_OK;
		case 'V': printf("blkseek-copy %s\n", BLKSEEK_VERSION); return EX_OK;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return EX_USAGE;
	}
	c.src.path = argv[optind];
	c.dst.path = argv[optind + 1];

	err = open_side(&c.src, O_RDONLY);
	if (err)
		return fail(EX_USAGE, c.src.path, "cannot use as source", -err);
	/* O_EXCL on a block device: refused while mounted or otherwise claimed */
	if (!stat(c.dst.path, &c.dst.st) && S_ISBLK(c.dst.st.st_mode))
		err = open_side(&c.dst, O_RDWR | O_EXCL);
	else
		err = open_side(&c.dst, O_RDWR | O_CREAT);
	if (err == -EBUSY)
		return fail(EX_REFUSED, c.dst.path, "refusing: in use (mounted?)", 0);
	if (err)
		return fail(EX_USAGE, c.dst.path, "cannot use as destination", -err);
	if (overlaps(&c))
		return fail(EX_REFUSED, c.dst.path, "refusing: it is (or overlaps) the source", 0);
	if (c.dst.blk && c.dst.size < c.src.size)
		return fail(EX_REFUSED, c.dst.path, "refusing: smaller than the source", 0);
	if (!c.dst.blk && ftruncate(c.dst.fd, c.src.size))
		return fail(EX_IO, c.dst.path, "ftruncate", errno);

	ew_open(&c.walk, c.src.fd, c.src.size,
		(c.src.blk ? EW_BLOCK_DEVICE : 0) | EW_READ_ALL_OK);
	c.method = ew_method_name(&c.walk);
	c.buf = aligned_alloc(4096, BUF_SIZE);
	c.buf2 = aligned_alloc(4096, BUF_SIZE);
	if (!c.buf || !c.buf2)
		return fail(EX_IO, c.src.path, "out of memory", ENOMEM);

	clock_gettime(CLOCK_MONOTONIC, &c.t0);
	for (off = 0; off < c.src.size; ) {
		enum kind kind = K_DATA;
		uint64_t end = c.src.size;

		err = next_extent(&c, off, &kind, &end);
		if (err == -ENXIO)
			return fail(EX_IO, c.src.path, "the source shrank during the copy", 0);
		if (err)
			return fail(EX_IO, c.src.path, "extent query", -err);
		if (end <= off)
			end = c.src.size;	/* never stall: the rest is data */
		ret = kind == K_DATA ? copy_data(&c, off, end) :
		      zero_range(&c, off, end, kind);
		if (ret)
			return ret;
		c.extents++;
		off = end;
	}
	ew_close(&c.walk);
	if (fsync(c.dst.fd))
		return fail(EX_IO, c.dst.path, "fsync", errno);
	progress(&c, true);
	ret = c.verify ? verify(&c) : 0;
	secs = now() - (c.t0.tv_sec + c.t0.tv_nsec / 1e9);
	if (c.json)
		printf("{\"source\":\"%s\",\"method\":\"%s\",\"size\":%" PRIu64
		       ",\"read\":%" PRIu64 ",\"written\":%" PRIu64 ",\"zeroed\":%" PRIu64
		       ",\"extents\":%" PRIu64 ",\"seconds\":%.3f,\"verified\":%s}\n",
		       c.src.path, c.method, c.src.size, c.read, c.written, c.zeroed,
		       c.extents, secs, c.verify && !ret ? "true" : "false");
	else
		printf("%s -> %s: %" PRIu64 " bytes via %s: read %" PRIu64 ", written %"
		       PRIu64 ", zeroed or skipped %" PRIu64 " in %" PRIu64
		       " extents, %.2f s%s\n", c.src.path, c.dst.path, c.src.size,
		       c.method, c.read, c.written, c.zeroed, c.extents, secs,
		       c.verify ? (ret ? ", VERIFY FAILED" : ", verified") : "");
	return ret;
}
