/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the blkseek selftests: scsi_debug disks, the ground
 * truth from sg_get_lba_status, and lseek maps.  Header-only so that each
 * test stays a single kselftest program.
 */
#ifndef BLKSEEK_UTIL_H
#define BLKSEEK_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/fs.h>

/*
 * The harness's default of 30 s per test (fixture setup and teardown
 * included) is too short for scsi_debug loads in a TCG guest, and more so
 * under a debug kernel: a test without its own timeout gets 300 s.  The
 * harness expands the macro where TEST()/TEST_F() are used, after this.
 */
#ifndef BLKSEEK_TIMEOUT_SCALE
#define BLKSEEK_TIMEOUT_SCALE 1
#endif
/* make check-debug builds with BLKSEEK_TIMEOUT_SCALE=10: a slower kernel */
#define BLKSEEK_TIMEOUT(s) ((s) * BLKSEEK_TIMEOUT_SCALE)
#ifdef TEST_TIMEOUT_DEFAULT
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT BLKSEEK_TIMEOUT(300)
#endif

#ifndef SEEK_DATA
#define SEEK_DATA 3
#define SEEK_HOLE 4
#endif

/* A disk under test. */
struct disk {
	char name[32];		/* sda, sda1 */
	char path[64];		/* /dev/sda */
	unsigned int lbs;	/* logical block size */
	uint64_t size;		/* bytes */
	uint64_t nblocks;
};

static inline int run_cmd(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static inline int run_cmd(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static inline int read_sysfs(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static inline uint64_t sysfs_u64(const char *fmt, const char *name)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), fmt, name);
	if (read_sysfs(path, buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 0);
}

/* Fill @d for block device @name (e.g. "sda" or "sda1"), wait for its node. */
static inline int disk_open_info(struct disk *d, const char *name)
{
	int fd, i;

	snprintf(d->name, sizeof(d->name), "%.31s", name);
	snprintf(d->path, sizeof(d->path), "/dev/%.31s", name);
	for (i = 0; i < 200; i++) {
		fd = open(d->path, O_RDONLY);
		if (fd >= 0)
			break;
		usleep(50000);
	}
	if (fd < 0)
		return -errno;
	if (ioctl(fd, BLKSSZGET, &d->lbs) || ioctl(fd, BLKGETSIZE64, &d->size)) {
		close(fd);
		return -errno;
	}
	close(fd);
	d->nblocks = d->size / d->lbs;
	return 0;
}

static inline void sdebug_unload(void)
{
	int i;

	for (i = 0; i < 50; i++) {
		if (run_cmd("modprobe -r scsi_debug 2>/dev/null") == 0)
			break;
		usleep(100000);
	}
	run_cmd("udevadm settle 2>/dev/null");
}

/*
 * (Re)load scsi_debug with @params and return its first disk.
 * Returns 0, or -ENODEV when scsi_debug cannot be loaded (test skips).
 */
static inline int sdebug_load(struct disk *d, const char *params)
{
	glob_t g;
	int i, rc = -ENODEV;

	sdebug_unload();
	if (run_cmd("modprobe scsi_debug %s", params))
		return -ENODEV;
	for (i = 0; i < 200 && rc; i++) {
		if (glob("/sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/*",
			 0, NULL, &g) == 0) {
			const char *p = strrchr(g.gl_pathv[0], '/') + 1;

			rc = disk_open_info(d, p);
			globfree(&g);
		} else {
			usleep(50000);
		}
	}
	return rc;
}

/* Find an sd disk whose SCSI vendor is @vendor (e.g. QEMU's scsi-hd). */
static inline int find_disk_by_vendor(struct disk *d, const char *vendor)
{
	glob_t g;
	size_t i;
	int rc = -ENODEV;

	if (glob("/sys/block/sd*/device/vendor", 0, NULL, &g))
		return -ENODEV;
	for (i = 0; i < g.gl_pathc && rc; i++) {
		char buf[64], name[32];

		if (read_sysfs(g.gl_pathv[i], buf, sizeof(buf)) ||
		    strncmp(buf, vendor, strlen(vendor)))
			continue;
		if (sscanf(g.gl_pathv[i], "/sys/block/%31[^/]/", name) == 1)
			rc = disk_open_info(d, name);
	}
	globfree(&g);
	return rc;
}

/*
 * The directory of the running test program, where the kselftest files
 * (TEST_FILES: sg_gls_brief.awk) are installed beside it.
 */
static inline int test_dir(char *dir, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", dir, len - 1);
	char *slash;

	if (n <= 0)
		return -1;
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return 0;
}

/*
 * Ground truth: provisioning status of every block of @d, from
 * sg_get_lba_status -b (sg3_utils), one status byte per block.  Its
 * descriptor lines are picked by sg_gls_brief.awk, the project's one
 * parser of that output (sg3_utils 1.46 prints other lines first).
 * Returns 0, or -1 when sg_get_lba_status fails or prints no descriptor
 * covering the LBA asked.
 */
static inline int truth_status(const struct disk *d, uint8_t *status)
{
	char dir[4096];
	uint64_t lba = 0;

	if (test_dir(dir, sizeof(dir)))
		return -1;
	while (lba < d->nblocks) {
		char cmd[8192], line[256];
		uint64_t next = lba;
		FILE *p;

		snprintf(cmd, sizeof(cmd),
			 "sg_get_lba_status -R -b -l %llu -m 4104 %s 2>/dev/null | awk -f '%s/sg_gls_brief.awk'",
			 (unsigned long long)lba, d->path, dir);
		p = popen(cmd, "r");
		if (!p)
			return -1;
		while (fgets(line, sizeof(line), p)) {
			unsigned long long start, count;
			unsigned int st;
			uint64_t b;

			if (sscanf(line, "%llx %llx %u", &start, &count, &st) != 3)
				continue;
			if (start > next || start + count <= next)
				continue;
			for (b = next; b < start + count && b < d->nblocks; b++)
				status[b] = st;
			next = start + count;
		}
		if (pclose(p) != 0 || next == lba)
			return -1;
		lba = next;
	}
	return 0;
}

/* A block whose status means "reads zero" on an LBPRZ=1 disk. */
static inline bool status_is_hole(uint8_t st)
{
	return st == 1 || st == 2;
}

/*
 * Walk [0, size) of @fd with SEEK_DATA/SEEK_HOLE; mark each block of
 * @lbs bytes as hole (1) or data (0) in @hole.  Checks the walk is
 * well formed.  Returns 0 or a negative errno / -1000 - line on a bad walk.
 */
static inline int lseek_map(int fd, uint64_t size, unsigned int lbs,
			    uint8_t *hole, unsigned int *extents)
{
	uint64_t off = 0, b;
	unsigned int n = 0;

	while (off < size) {
		off_t d = lseek(fd, off, SEEK_DATA);
		off_t h;

		if (d < 0 && errno == ENXIO)
			d = size;
		else if (d < 0)
			return -errno;
		if ((uint64_t)d < off || (uint64_t)d > size || d % lbs)
			return -1000 - __LINE__;
		for (b = off / lbs; b < (uint64_t)d / lbs; b++)
			hole[b] = 1;
		if ((uint64_t)d == size)
			break;
		h = lseek(fd, d, SEEK_HOLE);
		if (h < 0)
			return -errno;
		if (h <= d || (uint64_t)h > size ||
		    (h % lbs && (uint64_t)h != size))
			return -1000 - __LINE__;
		for (b = d / lbs; b < ((uint64_t)h + lbs - 1) / lbs; b++)
			hole[b] = 0;
		off = h;
		n++;
	}
	if (extents)
		*extents = n;
	return 0;
}

/* Read [off, off+len) with O_DIRECT and tell whether it is all zeroes. */
static inline int range_is_zero(const char *path, uint64_t off, uint64_t len)
{
	static char *buf;
	const size_t chunk = 1 << 20;
	int fd, zero = 1;

	if (!buf && posix_memalign((void **)&buf, 4096, chunk))
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_DIRECT);
	if (fd < 0)
		return -errno;
	while (len && zero) {
		size_t n = len < chunk ? len : chunk;
		ssize_t got = pread(fd, buf, n, off);
		ssize_t i;

		if (got <= 0) {
			zero = -EIO;
			break;
		}
		for (i = 0; i < got; i++)
			if (buf[i]) {
				zero = 0;
				break;
			}
		off += got;
		len -= got;
	}
	close(fd);
	return zero;
}

/* Count of commands the device has received (sysfs iorequest_cnt). */
static inline uint64_t iorequest_cnt(const struct disk *d)
{
	return sysfs_u64("/sys/block/%s/device/iorequest_cnt", d->name);
}

#endif /* BLKSEEK_UTIL_H */
