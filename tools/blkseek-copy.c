// SPDX-License-Identifier: GPL-2.0
/*
 * blkseek-copy - copy a disk, partition or file, reading only its data and
 * preserving its allocation.
 *
 * Source ranges come from the blkseek extent query (/dev/blkseek) for block
 * devices when the module is loaded, else from SEEK_DATA/SEEK_HOLE, else the
 * whole source is data.  Data is read and written; ranges that read as
 * zeroes are not read: on a file destination they become holes, on a block
 * device they are zeroed with fallocate (PUNCH_HOLE for unallocated,
 * ZERO_RANGE for allocated zeroes) or BLKZEROOUT, so no stale destination
 * data remains where the source reads zero.  With --preallocate the
 * destination keeps no hole: a file is allocated in full first, and zero
 * ranges are zeroed in place (ZERO_RANGE), whatever the source.
 *
 * --verify compares the data ranges by reading both sides (the
 * destination's page cache dropped first, so its reads come from its
 * storage), and checks the source's zero ranges on the destination by its
 * own answer (extent query, SEEK_DATA), reading only what it reports as
 * data there.
 *
 * Exit status (the tools' convention): 0 copied, 1 failure (open, I/O,
 * output), 2 usage (options, operands, a destination refused), 3 --verify
 * found a difference.
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
#include "json-writer.h"

#define PROG		"blkseek-copy"
#define BUF_SIZE	(1 << 20)

/* the tools' convention: 0 ok, 1 failure, 2 usage, 3 and up the verdicts */
enum { EX_OK, EX_IO, EX_USAGE, EX_VERIFY };
#define EX_REFUSED	EX_USAGE	/* a destination that cannot be used */
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
	uint64_t verify_read;		/* bytes read back by --verify */
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

/*
 * Position, and the rate of the bytes actually copied (read and written):
 * skipped and zeroed ranges cost next to nothing, so they are not counted
 * in the rate, and no time left is guessed.
 */
static void progress(struct copy *c, bool final)
{
	static double last;
	double t = now(), el = t - (c->t0.tv_sec + c->t0.tv_nsec / 1e9);
	double rate = el > 0 ? c->read / el : 0;

	if (!c->progress || (!final && t - last < 0.25))
		return;
	last = t;
	fprintf(stderr, "\r%" PRIu64 " / %" PRIu64 " MiB (%3.0f%%), copied %" PRIu64
		" MiB at %.1f MiB/s   %s",
		c->done >> 20, c->src.size >> 20,
		c->src.size ? 100.0 * c->done / c->src.size : 100.0,
		c->read >> 20, rate / 1048576, final ? "\n" : "");
}

/*
 * Read (@write false) or write all @len bytes at @off, again after a
 * signal or a short transfer.  Returns 0 or a negative errno (-EIO for
 * an end of file or a device that takes nothing).
 */
static int full_io(int fd, char *buf, size_t len, uint64_t off, bool write)
{
	while (len) {
		ssize_t n = write ? pwrite(fd, buf, len, off) :
				    pread(fd, buf, len, off);

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

static int full_pread(int fd, char *buf, size_t len, uint64_t off)
{
	return full_io(fd, buf, len, off, false);
}

static int full_pwrite(int fd, char *buf, size_t len, uint64_t off)
{
	return full_io(fd, buf, len, off, true);
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
	int mode = c->preallocate || (kind == K_ZERO && c->dst.blk) ?
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
	/* a file system without hole punching or zeroing: write zeroes */
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

static int verify_mismatch(struct copy *c, uint64_t off, uint64_t end)
{
	fprintf(stderr, "%s: verify: %s differs from %s in [%" PRIu64 ", %" PRIu64 ")\n",
		PROG, c->dst.path, c->src.path, off, end);
	return EX_VERIFY;
}

/* Compare data range [off, end) of both sides, reading both. */
static int verify_data(struct copy *c, uint64_t off, uint64_t end)
{
	while (off < end) {
		size_t n = end - off < BUF_SIZE ? end - off : BUF_SIZE;
		int err = full_pread(c->src.fd, c->buf, n, off);

		if (err)
			return fail(EX_IO, c->src.path, "verify read", -err);
		err = full_pread(c->dst.fd, c->buf2, n, off);
		if (err)
			return fail(EX_IO, c->dst.path, "verify read", -err);
		c->verify_read += 2 * n;
		if (memcmp(c->buf, c->buf2, n))
			return verify_mismatch(c, off, off + n);
		off += n;
	}
	return 0;
}

static bool all_zero(const char *buf, size_t n)
{
	return !n || (!buf[0] && !memcmp(buf, buf + 1, n - 1));
}

/*
 * The source reads zeroes in [off, end): the destination must too.  What
 * the destination itself says reads zero (a hole, an unallocated or zero
 * extent) is taken as it says; only what it says is data is read.
 */
static int verify_zero(struct copy *c, struct extent_walk *dw, uint64_t off, uint64_t end)
{
	while (off < end) {
		struct ew_extent e;
		uint64_t to;
		int err = ew_next(dw, off, &e);

		if (err)
			return fail(EX_IO, c->dst.path, "verify: extent query", -err);
		to = e.end < end ? e.end : end;
		if (e.zero) {
			off = to;
			continue;
		}
		while (off < to) {
			size_t n = to - off < BUF_SIZE ? to - off : BUF_SIZE;

			err = full_pread(c->dst.fd, c->buf2, n, off);
			if (err)
				return fail(EX_IO, c->dst.path, "verify read", -err);
			c->verify_read += n;
			if (!all_zero(c->buf2, n))
				return verify_mismatch(c, off, off + n);
			off += n;
		}
	}
	return 0;
}

/*
 * After the copy (fsync'd): the source walked again, its data compared by
 * reading both sides, its zero ranges checked on the destination by the
 * destination's own answer.  The destination's cached pages are dropped
 * first, so what is read comes from its storage, not from the copy's
 * page cache.
 */
static int verify(struct copy *c)
{
	struct extent_walk sw, dw;
	uint64_t off;
	int ret = 0;

	posix_fadvise(c->dst.fd, 0, 0, POSIX_FADV_DONTNEED);
	ew_open(&sw, c->src.fd, c->src.size,
		(c->src.blk ? EW_BLOCK_DEVICE : 0) | EW_READ_ALL_OK);
	ew_open(&dw, c->dst.fd, c->dst.size,
		(c->dst.blk ? EW_BLOCK_DEVICE : 0) | EW_READ_ALL_OK);
	for (off = 0; off < c->src.size && !ret; ) {
		enum kind kind = K_DATA;
		uint64_t end = c->src.size;
		struct ew_extent e;
		int err = ew_next(&sw, off, &e);

		if (err || sw.shrunk) {
			ret = fail(EX_IO, c->src.path, "verify: extent query",
				   err ? -err : ENXIO);
			break;
		}
		if (e.end > off)
			end = e.end;
		kind = e.zero ? K_ZERO : K_DATA;
		ret = kind == K_DATA ? verify_data(c, off, end) : verify_zero(c, &dw, off, end);
		off = end;
	}
	ew_close(&sw);
	ew_close(&dw);
	return ret;
}

/* open_side()'s error for neither a regular file nor a block device */
#define E_FTYPE		1000

/* Standard output written out: @ret, or EX_IO on a write error. */
static int flush_stdout(int ret)
{
	if (fflush(stdout) == EOF || ferror(stdout) || fclose(stdout) == EOF) {
		fprintf(stderr, "%s: write error on standard output: %s\n", PROG,
			strerror(errno));
		return ret ? ret : EX_IO;
	}
	return ret;
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
		return -E_FTYPE;
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
		"Copy a disk, partition or regular file to a regular file or block\n"
		"device, reading only the source's data.  Ranges that read as zeroes\n"
		"become holes in a file destination and are zeroed on a block device\n"
		"destination.\n"
		"\n"
		"  -p, --preallocate  leave no hole in the destination: allocate a file\n"
		"                     in full, zero ranges in place (FALLOC_FL_ZERO_RANGE)\n"
		"  -v, --verify       compare after the copy: data ranges read on both\n"
		"                     sides, zero ranges checked by the destination's\n"
		"                     own map (read only where it says data)\n"
		"  -P, --progress     progress on stderr (default when stderr is a terminal)\n"
		"  -N, --no-progress  no progress\n"
		"  -j, --json         print the summary as one JSON object\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n"
		"\n"
		"Refuses to copy onto the source or a partition overlapping it, onto a\n"
		"smaller block device, or onto a block device in use (mounted).\n"
		"Exit status: 0 copied; 1 failure (open, I/O, output); 2 usage error\n"
		"(options, operands, a refused destination); 3 --verify found a\n"
		"difference.\n");
}

static int check_type(const struct side *s, int err, const char *what)
{
	if (err == -E_FTYPE) {
		fprintf(stderr, "%s: %s: not a regular file or block device (the %s must be a disk, partition or regular file)\n",
			PROG, s->path, what);
		return EX_USAGE;
	}
	return fail(EX_IO, s->path, what[0] == 's' ? "cannot open the source" :
		    "cannot open the destination", -err);
}

static void print_summary(struct copy *c, double secs, int ret)
{
	struct json_writer w;

	if (!c->json) {
		printf("%s -> %s: %" PRIu64 " bytes via %s: read %" PRIu64 ", written %"
		       PRIu64 ", zeroed or skipped %" PRIu64 " in %" PRIu64
		       " extents, %.2f s%s\n", c->src.path, c->dst.path, c->src.size,
		       c->method, c->read, c->written, c->zeroed, c->extents, secs,
		       c->verify ? (ret ? ", VERIFY FAILED" : ", verified") : "");
		return;
	}
	json_init(&w, stdout, false);
	json_object_begin(&w);
	json_kv_string(&w, "source", c->src.path);
	json_kv_string(&w, "destination", c->dst.path);
	json_kv_string(&w, "method", c->method);
	json_kv_u64(&w, "size", c->src.size);
	json_kv_u64(&w, "read", c->read);
	json_kv_u64(&w, "written", c->written);
	json_kv_u64(&w, "zeroed", c->zeroed);
	json_kv_u64(&w, "extents", c->extents);
	json_key(&w, "seconds");
	json_double(&w, secs, 3);
	json_kv_bool(&w, "preallocated", c->preallocate);
	json_kv_bool(&w, "verified", c->verify && !ret);
	json_kv_u64(&w, "verify_read", c->verify_read);
	json_object_end(&w);
	json_end(&w);
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
	struct stat st;
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
		case 'h': usage(stdout); return flush_stdout(EX_OK);
		case 'V': printf("blkseek-copy %s\n", BLKSEEK_VERSION); return flush_stdout(EX_OK);
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "%s: expected a source and a destination\n", PROG);
		usage(stderr);
		return EX_USAGE;
	}
	c.src.path = argv[optind];
	c.dst.path = argv[optind + 1];

	err = open_side(&c.src, O_RDONLY);
	if (err)
		return check_type(&c.src, err, "source");
	/* O_EXCL on a block device: refused while mounted or otherwise claimed */
	if (!stat(c.dst.path, &st) && !S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode))
		err = -E_FTYPE;
	else if (!stat(c.dst.path, &st) && S_ISBLK(st.st_mode))
		err = open_side(&c.dst, O_RDWR | O_EXCL);
	else
		err = open_side(&c.dst, O_RDWR | O_CREAT);
	if (err == -EBUSY)
		return fail(EX_REFUSED, c.dst.path, "refusing: in use (mounted?)", 0);
	if (err)
		return check_type(&c.dst, err, "destination");
	if (overlaps(&c))
		return fail(EX_REFUSED, c.dst.path, "refusing: it is (or overlaps) the source", 0);
	if (c.dst.blk && c.dst.size < c.src.size)
		return fail(EX_REFUSED, c.dst.path, "refusing: smaller than the source", 0);
	if (!c.dst.blk) {
		if (ftruncate(c.dst.fd, c.src.size))
			return fail(EX_IO, c.dst.path, "ftruncate", errno);
		c.dst.size = c.src.size;
		/* --preallocate: the whole file allocated before the copy */
		if (c.preallocate && c.src.size &&
		    fallocate(c.dst.fd, 0, 0, c.src.size) && errno != EOPNOTSUPP)
			return fail(EX_IO, c.dst.path, "fallocate", errno);
	}

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
	print_summary(&c, secs, ret);
	return flush_stdout(ret);
}
