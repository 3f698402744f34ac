// SPDX-License-Identifier: GPL-2.0
/*
 * blkseek-map - print the data/hole map of a block device, partition or
 * regular file.  Block devices are asked with the blkseek extent query
 * (/dev/blkseek, three kinds: data, zero, unallocated) when the module is
 * loaded; otherwise, and for files, lseek(SEEK_DATA) / lseek(SEEK_HOLE)
 * are walked (two kinds: data, hole).
 *
 * Exit status: 0 success, 1 error (usage, open, stat, lseek, output),
 * 2 the kernel answers SEEK_DATA/SEEK_HOLE with EINVAL on a block device
 * (stock kernels do; blkseek.ko makes SCSI disks answer).
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

#define PROG		"blkseek-map"

#define EXIT_OK		0
#define EXIT_ERR	1
#define EXIT_NOSEEK	2

/* KIND_HOLE: unallocated (ioctl) or a hole (lseek); KIND_ZERO: allocated, reads zero */
enum kind { KIND_DATA, KIND_HOLE, KIND_ZERO };

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
	uint64_t data;
	uint64_t hole;
	uint64_t zero;
	bool ioctl;			/* mapped with the extent query */
	uint32_t dev_flags;		/* its BLKSEEK_DEV_* */
	unsigned long inconsistent;	/* contradicting kernel answers */
};

struct opts {
	bool json;
	bool quiet;
	bool lseek;
	const char *path;
};

static const char *kind_name(const struct map *m, enum kind kind)
{
	if (kind == KIND_DATA)
		return "data";
	if (kind == KIND_ZERO)
		return "zero";
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

	if (kind == KIND_DATA)
		m->data += length;
	else if (kind == KIND_ZERO)
		m->zero += length;
	else
		m->hole += length;

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
		k = e.unallocated ? KIND_HOLE : e.zero ? KIND_ZERO : KIND_DATA;
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

static void print_table(const struct map *m)
{
	char h1[32], h2[32];
	size_t i;

	printf("%s: %" PRIu64 " bytes (%s), method: %s\n",
	       m->path, m->size, human(m->size, h1, sizeof(h1)),
	       m->ioctl ? "blkseek extent query (ioctl)" :
	       "lseek SEEK_DATA/SEEK_HOLE");
	if (m->ioctl)
		printf("device: %s%s\n",
		       m->dev_flags & BLKSEEK_DEV_ANSWERS ?
		       "provisioning state answered" :
		       "cannot answer (everything is data)",
		       m->dev_flags & BLKSEEK_DEV_UNMAP_ZEROES ?
		       ", unallocated blocks read as zeroes" : "");
	printf("%20s %20s  %-11s  %10s  %10s\n",
	       "OFFSET", "LENGTH", "KIND", "AT", "SIZE");
	for (i = 0; i < m->nr; i++) {
		const struct extent *e = &m->ext[i];

		printf("%20" PRIu64 " %20" PRIu64 "  %-11s  %10s  %10s\n",
		       e->offset, e->length, kind_name(m, e->kind),
		       human(e->offset, h1, sizeof(h1)),
		       human(e->length, h2, sizeof(h2)));
	}
	printf("total size:  %" PRIu64 " (%s)\n",
	       m->size, human(m->size, h1, sizeof(h1)));
	printf("data bytes:  %" PRIu64 " (%s)\n",
	       m->data, human(m->data, h1, sizeof(h1)));
	printf("%-12s %" PRIu64 " (%s)\n", m->ioctl ? "unallocated:" : "hole bytes:",
	       m->hole, human(m->hole, h1, sizeof(h1)));
	if (m->ioctl)
		printf("zero bytes:  %" PRIu64 " (%s)\n",
		       m->zero, human(m->zero, h1, sizeof(h1)));
	printf("extents:     %zu\n", m->nr);
	printf("mapped:      %.1f%%\n", pct(m->data, m->size));
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong, surrogate or past U+10FFFF */
	if ((n == 3 && cp < 0x800) || (cp >= 0xd800 && cp <= 0xdfff) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* Print s as a JSON string; invalid UTF-8 bytes become U+FFFD. */
static void json_string(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	putchar('"');
	while (*s) {
		if (*s == '"' || *s == '\\') {
			printf("\\%c", *s++);
		} else if (*s < 0x20) {
			printf("\\u%04x", *s++);
		} else if (!(n = utf8_len(s))) {
			fputs("\\ufffd", stdout);
			s++;
		} else {
			fwrite(s, 1, n, stdout);
			s += n;
		}
	}
	putchar('"');
}

static void print_json(const struct map *m)
{
	size_t i;

	fputs("{\"path\":", stdout);
	json_string(m->path);
	printf(",\"size\":%" PRIu64 ",\"method\":\"%s\",", m->size,
	       m->ioctl ? "ioctl" : "lseek");
	if (m->ioctl)
		printf("\"answers\":%s,\"unallocated_reads_zero\":%s,",
		       m->dev_flags & BLKSEEK_DEV_ANSWERS ? "true" : "false",
		       m->dev_flags & BLKSEEK_DEV_UNMAP_ZEROES ? "true" : "false");
	fputs("\"extents\":[", stdout);
	for (i = 0; i < m->nr; i++) {
		const struct extent *e = &m->ext[i];

		printf("%s{\"offset\":%" PRIu64 ",\"length\":%" PRIu64
		       ",\"kind\":\"%s\"}", i ? "," : "",
		       e->offset, e->length, kind_name(m, e->kind));
	}
	printf("],\"totals\":{\"data\":%" PRIu64 ",\"hole\":%" PRIu64,
	       m->data, m->hole);
	if (m->ioctl)
		printf(",\"zero\":%" PRIu64, m->zero);
	printf(",\"extents\":%zu}}\n", m->nr);
}

/* ------------------------------------------------------------------ cli */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [--json] [--quiet] [--lseek] PATH\n"
		"       " PROG " --help | --version\n"
		"\n"
		"Print the data/hole map of a block device, partition or regular\n"
		"file.  Block devices are asked with the blkseek extent query when\n"
		"/dev/blkseek exists (kinds data, zero, unallocated), otherwise\n"
		"lseek(SEEK_DATA) and lseek(SEEK_HOLE) are walked (data, hole).\n"
		"The header and the JSON \"method\" say which was used.\n"
		"\n"
		"  -l, --lseek    walk SEEK_DATA/SEEK_HOLE even when the ioctl exists\n"
		"  -j, --json     print one JSON object instead of a table\n"
		"  -q, --quiet    print nothing on stdout and no warnings;\n"
		"                 only the exit status and errors\n"
		"  -h, --help     show this help\n"
		"  -V, --version  show the version\n"
		"\n"
		"Exit status: 0 success; 1 error; 2 the kernel cannot answer\n"
		"SEEK_DATA/SEEK_HOLE on this block device (EINVAL).\n");
}

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "json",    no_argument, NULL, 'j' },
		{ "quiet",   no_argument, NULL, 'q' },
		{ "lseek",   no_argument, NULL, 'l' },
		{ "help",    no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "jqlhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o->lseek = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf(PROG " %s\n", BLKSEEK_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_ERR;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "%s: expected exactly one PATH\n", PROG);
		usage(stderr);
		return EXIT_ERR;
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
		if (o.json)
			print_json(&m);
		else
			print_table(&m);
	}
	ret = flush_stdout();
out:
	free(m.ext);
	return ret;
}
