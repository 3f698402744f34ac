// SPDX-License-Identifier: GPL-2.0
/*
 * blkseek-map - print the data/hole map of a block device, partition or
 * regular file.  Block devices are asked with the blkseek extent query
 * (/dev/blkseek, three kinds: data, zero, unallocated) when the module is
 * loaded; otherwise, and for files, lseek(SEEK_DATA) / lseek(SEEK_HOLE)
 * are walked (two kinds: data, hole).
 *
 * The JSON map is nbdinfo --map --json's: an array of extents with
 * offset, length, type and description (see blkseek-map.8).
 *
 * --check DEVICE (map-check.c) says whether a device's holes can be
 * answered, from SCSI commands sent through SG_IO.
 *
 * Exit status: 0 success, 1 error (open, stat, lseek, output), 2 usage,
 * 3 the kernel answers SEEK_DATA/SEEK_HOLE with EINVAL on a block device
 * (stock kernels do; blkseek.ko makes SCSI disks answer); --check: 0 holes
 * answered, 3 not answered, 4 answered once blkseek is loaded.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/blkseek.h>

#include "extent-walk.h"
#include "json-writer.h"
#include "map-check.h"

#define PROG		"blkseek-map"

/* the tools' convention: 0 ok, 1 failure, 2 usage, 3 and up the verdicts */
#define EXIT_OK		0
#define EXIT_ERR	1
#define EXIT_USAGE	2
#define EXIT_NOSEEK	MAP_NO_ANSWERS	/* 3: the kernel cannot answer */

/*
 * KIND_HOLE: unallocated and reads zero (ioctl), or a hole (lseek);
 * KIND_ZERO: allocated, reads zero; KIND_UNALLOC: unallocated, but reads
 * are not guaranteed to return zeroes (ioctl only).
 */
enum kind { KIND_DATA, KIND_HOLE, KIND_ZERO, KIND_UNALLOC, NR_KINDS };

struct extent {
	uint64_t offset;
	uint64_t length;
	enum kind kind;
};

struct map {
	const char *path;
	uint64_t size;
	bool is_blk;
	struct extent *ext;
	size_t nr;
	size_t cap;
	uint64_t bytes[NR_KINDS];	/* totals per kind */
	bool ioctl;			/* mapped with the extent query */
	uint32_t dev_flags;		/* its BLKSEEK_DEV_* */
	unsigned long inconsistent;	/* contradicting kernel answers */
};

struct opts {
	bool json;
	bool quiet;
	bool lseek;
	bool totals;
	bool check;
	const char *path;
};

static const char *kind_name(const struct map *m, enum kind kind)
{
	if (kind == KIND_DATA)
		return "data";
	if (kind == KIND_ZERO)
		return "zero";
	if (kind == KIND_UNALLOC)
		return "unalloc-nonzero";
	return m->ioctl ? "unallocated" : "hole";
}

static void __attribute__((format(printf, 2, 3)))
err_msg(const char *path, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: ", PROG, path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ------------------------------------------------------------------ map */

/* Append [offset, offset + length), merging with the previous extent. */
static int map_add(struct map *m, uint64_t offset, uint64_t length,
		   enum kind kind)
{
	struct extent *last = m->nr ? &m->ext[m->nr - 1] : NULL;

	if (!length)
		return 0;

	m->bytes[kind] += length;

	if (last && last->kind == kind &&
	    last->offset + last->length == offset) {
		last->length += length;
		return 0;
	}

	if (m->nr == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct extent *ext = realloc(m->ext, cap * sizeof(*ext));

		if (!ext)
			return -ENOMEM;
		m->ext = ext;
		m->cap = cap;
	}
	m->ext[m->nr++] = (struct extent){ offset, length, kind };
	return 0;
}

/* Report a failed walk; returns the exit status to use. */
static int walk_error(const struct map *m, const struct extent_walk *w,
		      uint64_t pos, int err)
{
	if (w->method == EW_IOCTL) {
		if (err == EIO)
			err_msg(m->path, "inconsistent extent at %" PRIu64, pos);
		else
			err_msg(m->path, "BLKSEEK_IOC_QUERY: %s", strerror(err));
		return EXIT_ERR;
	}
	if (err == EINVAL && m->is_blk) {
		err_msg(m->path,
			"the kernel cannot answer SEEK_DATA/SEEK_HOLE on this device (is blkseek.ko loaded and enabled?)");
		return EXIT_NOSEEK;
	}
	err_msg(m->path, "lseek: %s", strerror(err));
	return EXIT_ERR;
}

/*
 * Map @fd with the extent query (a block device, unless @lseek_only) or
 * SEEK_DATA/SEEK_HOLE (tools/extent-walk.c).  Returns 0 or an exit status.
 */
static int map_walk(int fd, struct map *m, bool lseek_only)
{
	struct extent_walk w;
	uint64_t pos = 0;
	int ret = 0;

	ew_open(&w, fd, m->size, (m->is_blk ? EW_BLOCK_DEVICE : 0) |
		(lseek_only ? EW_LSEEK_ONLY : 0));
	m->ioctl = w.method == EW_IOCTL;
	while (pos < m->size) {
		struct ew_extent e;
		enum kind k;
		int err = ew_next(&w, pos, &e);

		if (err) {
			ret = walk_error(m, &w, pos, -err);
			break;
		}
		/* past a shrunk end: one unallocated extent to the old size */
		k = e.unallocated ? (e.zero ? KIND_HOLE : KIND_UNALLOC) :
		    e.zero ? KIND_ZERO : KIND_DATA;
		if (map_add(m, pos, e.end - pos, k)) {
			err_msg(m->path, "%s", strerror(ENOMEM));
			ret = EXIT_ERR;
			break;
		}
		pos = e.end;
	}
	m->dev_flags = w.dev_flags;
	m->inconsistent = w.inconsistent;
	ew_close(&w);
	return ret;
}

/* Open path and find its size; returns the fd, or -exit status. */
static int map_open(struct map *m)
{
	struct stat st;
	int fd;

	fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_msg(m->path, "cannot open: %s", strerror(errno));
		return -EXIT_ERR;
	}
	if (fstat(fd, &st) < 0) {
		err_msg(m->path, "cannot stat: %s", strerror(errno));
		goto fail;
	}

	if (S_ISREG(st.st_mode)) {
		m->size = (uint64_t)st.st_size;
	} else if (S_ISBLK(st.st_mode)) {
		m->is_blk = true;
		if (ioctl(fd, BLKGETSIZE64, &m->size) < 0) {
			err_msg(m->path, "BLKGETSIZE64: %s", strerror(errno));
			goto fail;
		}
	} else {
		err_msg(m->path, "not a regular file or block device");
		goto fail;
	}

	if (m->size > INT64_MAX) {
		err_msg(m->path, "size %" PRIu64 " too large", m->size);
		goto fail;
	}
	return fd;

fail:
	close(fd);
	return -EXIT_ERR;
}

/* --------------------------------------------------------------- output */

/* "0 B", "512 B", "64 KiB", "1.5 MiB" */
static const char *human(uint64_t n, char *buf, size_t len)
{
	static const char *const unit[] = {
		"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"
	};
	double v = (double)n;
	int u = 0;

	if (n < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", n);
		return buf;
	}
	/* stop before a unit would print as "1024.0" */
	while (v >= 1023.95 && u < 6) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f", v);
	/* "64.0" reads better as "64" */
	if (!strcmp(buf + strlen(buf) - 2, ".0"))
		buf[strlen(buf) - 2] = '\0';
	snprintf(buf + strlen(buf), len - strlen(buf), " %s", unit[u]);
	return buf;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* The totals: one line per kind, the number of extents, the share of data. */
static void print_totals(const struct map *m)
{
	char h[32];

	printf("total size:  %" PRIu64 " (%s)\n",
	       m->size, human(m->size, h, sizeof(h)));
	printf("data bytes:  %" PRIu64 " (%s)\n", m->bytes[KIND_DATA],
	       human(m->bytes[KIND_DATA], h, sizeof(h)));
	printf("%-12s %" PRIu64 " (%s)\n", m->ioctl ? "unallocated:" : "hole bytes:",
	       m->bytes[KIND_HOLE], human(m->bytes[KIND_HOLE], h, sizeof(h)));
	if (m->ioctl && m->bytes[KIND_UNALLOC])
		printf("unalloc-nonzero: %" PRIu64 " (%s)\n", m->bytes[KIND_UNALLOC],
		       human(m->bytes[KIND_UNALLOC], h, sizeof(h)));
	if (m->ioctl)
		printf("zero bytes:  %" PRIu64 " (%s)\n", m->bytes[KIND_ZERO],
		       human(m->bytes[KIND_ZERO], h, sizeof(h)));
	printf("extents:     %zu\n", m->nr);
	printf("mapped:      %.1f%%\n", pct(m->bytes[KIND_DATA], m->size));
}

static void print_table(const struct map *m, bool totals_only)
{
	char h1[32], h2[32];
	size_t i;

	printf("%s: %" PRIu64 " bytes (%s), method: %s\n",
	       m->path, m->size, human(m->size, h1, sizeof(h1)),
	       m->ioctl ? "blkseek extent query (ioctl)" :
	       "lseek SEEK_DATA/SEEK_HOLE");
	if (m->ioctl)
		printf("device: %s%s%s\n",
		       m->dev_flags & BLKSEEK_DEV_ANSWERS ?
		       "provisioning state answered" :
		       "cannot answer (everything is data)",
		       m->dev_flags & BLKSEEK_DEV_UNMAP_ZEROES ?
		       ", unallocated blocks read as zeroes" : "",
		       m->dev_flags & BLKSEEK_DEV_FORWARDED ?
		       ", through the lower devices" : "");
	if (!totals_only) {
		printf("%20s %20s  %-15s  %10s  %10s\n",
		       "OFFSET", "LENGTH", "KIND", "AT", "SIZE");
		for (i = 0; i < m->nr; i++) {
			const struct extent *e = &m->ext[i];

			printf("%20" PRIu64 " %20" PRIu64 "  %-15s  %10s  %10s\n",
			       e->offset, e->length, kind_name(m, e->kind),
			       human(e->offset, h1, sizeof(h1)),
			       human(e->length, h2, sizeof(h2)));
		}
	}
	print_totals(m);
}

/* The extent's type and description as nbdinfo --map --json gives them. */
static unsigned int kind_type(enum kind kind)
{
	static const unsigned int type[] = {
		[KIND_DATA] = 0, [KIND_UNALLOC] = 1, [KIND_ZERO] = 2, [KIND_HOLE] = 3,
	};

	return type[kind];
}

static const char *type_description(unsigned int type)
{
	static const char *const desc[] = { "data", "hole", "zero", "hole,zero" };

	return desc[type & 3];
}

/* nbdinfo --map --json: [{"offset", "length", "type", "description"}, ...] */
static void print_json(const struct map *m)
{
	struct json_writer w;
	size_t i;

	json_init(&w, stdout, true);
	json_array_begin(&w);
	for (i = 0; i < m->nr; i++) {
		const struct extent *e = &m->ext[i];

		json_object_begin(&w);
		json_kv_u64(&w, "offset", e->offset);
		json_kv_u64(&w, "length", e->length);
		json_kv_u64(&w, "type", kind_type(e->kind));
		json_kv_string(&w, "description", type_description(kind_type(e->kind)));
		json_object_end(&w);
	}
	json_array_end(&w);
	json_end(&w);
}

/* nbdinfo --map --totals --json: [{"size", "percent", "type", "description"}, ...] */
static void print_json_totals(const struct map *m)
{
	uint64_t bytes[4] = { 0 };
	struct json_writer w;
	unsigned int t;
	size_t i;

	for (i = 0; i < m->nr; i++)
		bytes[kind_type(m->ext[i].kind)] += m->ext[i].length;
	json_init(&w, stdout, true);
	json_array_begin(&w);
	for (t = 0; t < 4; t++) {
		if (!bytes[t])
			continue;
		json_object_begin(&w);
		json_kv_u64(&w, "size", bytes[t]);
		json_key(&w, "percent");
		json_double(&w, pct(bytes[t], m->size), 3);
		json_kv_u64(&w, "type", t);
		json_kv_string(&w, "description", type_description(t));
		json_object_end(&w);
	}
	json_array_end(&w);
	json_end(&w);
}

/* ------------------------------------------------------------------ cli */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [--json] [--totals] [--quiet] [--lseek] PATH\n"
		"       " PROG " --check DEVICE\n"
		"       " PROG " --help | --version\n"
		"\n"
		"Print the data/hole map of a block device, partition or regular\n"
		"file.  Block devices are asked with the blkseek extent query when\n"
		"/dev/blkseek exists (kinds data, zero, unallocated), otherwise\n"
		"lseek(SEEK_DATA) and lseek(SEEK_HOLE) are walked (data, hole).\n"
		"The header says which was used.\n"
		"\n"
		"  -c, --check    check whether DEVICE's holes can be answered (SCSI\n"
		"                 commands through SG_IO, works without the module);\n"
		"                 ends with one verdict line\n"
		"  -l, --lseek    walk SEEK_DATA/SEEK_HOLE even when the ioctl exists\n"
		"  -j, --json     print the map as JSON, as nbdinfo --map --json does:\n"
		"                 [{\"offset\",\"length\",\"type\",\"description\"},...]\n"
		"  -t, --totals   print only the totals (with --json: nbdinfo's\n"
		"                 [{\"size\",\"percent\",\"type\",\"description\"},...])\n"
		"  -q, --quiet    print nothing on stdout and no warnings;\n"
		"                 only the exit status and errors\n"
		"  -h, --help     show this help\n"
		"  -V, --version  show the version\n"
		"\n"
		"Exit status: 0 success (--check: holes are answered); 1 failure;\n"
		"2 usage error; 3 no answers: the kernel cannot answer SEEK_DATA/\n"
		"SEEK_HOLE on this block device (EINVAL), or --check: the device\n"
		"cannot be answered; 4 --check: the device can be answered once\n"
		"blkseek is loaded and enabled (it is not).\n");
}

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "json",    no_argument, NULL, 'j' },
		{ "totals",  no_argument, NULL, 't' },
		{ "quiet",   no_argument, NULL, 'q' },
		{ "lseek",   no_argument, NULL, 'l' },
		{ "check",   no_argument, NULL, 'c' },
		{ "help",    no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "jtqlchV", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o->lseek = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 't':
			o->totals = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'c':
			o->check = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf(PROG " %s\n", BLKSEEK_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "%s: expected exactly one PATH\n", PROG);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (o->check && (o->json || o->totals || o->lseek || o->quiet)) {
		fprintf(stderr, "%s: --check takes no other option\n", PROG);
		usage(stderr);
		return EXIT_USAGE;
	}
	o->path = argv[optind];
	return -1;
}

static int flush_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "%s: write error: %s\n", PROG, strerror(errno));
		return EXIT_ERR;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct map m = { 0 };
	int fd, ret;

	ret = parse_args(argc, argv, &o);
	if (ret >= 0)
		return ret == EXIT_OK ? flush_stdout() : ret;
	if (o.check) {
		ret = map_check(o.path);
		return flush_stdout() ?: ret;
	}

	m.path = o.path;
	fd = map_open(&m);
	if (fd < 0)
		return -fd;

	ret = map_walk(fd, &m, o.lseek);
	close(fd);
	if (ret)
		goto out;

	if (m.inconsistent && !o.quiet)
		fprintf(stderr,
			"%s: %s: warning: %lu contradicting SEEK_DATA/SEEK_HOLE answers (target changing?); counted as data\n",
			PROG, m.path, m.inconsistent);

	if (!o.quiet) {
		if (o.json && o.totals)
			print_json_totals(&m);
		else if (o.json)
			print_json(&m);
		else
			print_table(&m, o.totals);
	}
	ret = flush_stdout();
out:
	free(m.ext);
	return ret;
}
