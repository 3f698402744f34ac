// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of the series' loop patch: lo_seek_hole_data(), cut out of the
 * patched drivers/block/loop.c by host-tests.sh into loop-walk-cut.h,
 * over a real sparse file of this host (dentry_open() and vfs_llseek()
 * become open() and lseek()).  Random files of 4 KiB-aligned extents,
 * random lo_offset and lo_sizelimit, random offsets: each answer must
 * equal the ground truth of what was written, the position of the
 * file loop was given must not move, no lseek may open a file (the file
 * asked is opened once, as loop_open_seek_file() does), and past the end
 * of a file that shrank SEEK_DATA and SEEK_HOLE must agree on data (a
 * read there fails).
 * Usage: test-loop-walk DIR (where the sparse files are made).  Prints TAP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test-sd-shim.h"

#ifndef O_LARGEFILE
#define O_LARGEFILE 0
#endif
#define min(a, b) ((a) < (b) ? (a) : (b))
#define IS_ERR(p) ((unsigned long)(p) >= (unsigned long)-4095)
#define PTR_ERR(p) ((long)(p))
#define ERR_PTR(e) ((void *)(long)(e))

struct mutex { int unused; };
struct path { const char *name; };
struct inode { unsigned int i_mode; };
struct file {
	int fd;
	int refs;
	struct path f_path;
	struct inode inode;
	void *f_cred;
};
struct block_device;
struct gendisk { void *private_data; };
struct loop_device {
	struct mutex lo_mutex;
	int lo_lock;
	struct file *lo_backing_file;
	struct file *lo_seek_file;
	loff_t lo_offset;
	loff_t lo_sizelimit;
};

static int mutex_lock_killable(struct mutex *m) { return 0; }
static void mutex_unlock(struct mutex *m) { }
static void spin_lock_irq(int *l) { }
static void spin_unlock_irq(int *l) { }
static struct inode *file_inode(struct file *f) { return &f->inode; }
static struct block_device *file_bdev(struct file *f) { return NULL; }

/* the inode is inside its file here: its size is the open file's */
static inline loff_t i_size_read(struct inode *inode)
{
	struct file *f = (struct file *)((char *)inode - offsetof(struct file, inode));
	struct stat st;

	return fstat(f->fd, &st) ? -1 : st.st_size;
}

static loff_t bdev_seek_hole_data(struct block_device *b, loff_t pos,
				  loff_t end, int whence)
{
	return -EOPNOTSUPP;	/* not reached: the files here are regular */
}

static struct file *get_file(struct file *f)
{
	f->refs++;
	return f;
}

static void fput(struct file *f)
{
	if (--f->refs == 0) {
		close(f->fd);
		free(f);
	}
}

static unsigned int opens;	/* dentry_open() calls */

static struct file *dentry_open(const struct path *path, int flags, void *cred)
{
	struct file *f = calloc(1, sizeof(*f));

	opens++;
	if (!f)
		return ERR_PTR(-ENOMEM);
	f->fd = open(path->name, flags);
	if (f->fd < 0) {
		free(f);
		return ERR_PTR(-errno);
	}
	f->refs = 1;
	f->f_path = *path;
	f->inode.i_mode = S_IFREG;
	return f;
}

static loff_t vfs_llseek(struct file *f, loff_t off, int whence)
{
	loff_t r = lseek(f->fd, off, whence);

	return r < 0 ? -errno : r;
}

#include "loop-walk-cut.h"

#define FILE_BLOCKS 512		/* of 4 KiB: a 2 MiB file */
static bool written[FILE_BLOCKS];

/* the first byte >= pos in [pos, end) of the device that is of the kind */
static loff_t truth(loff_t offset, loff_t pos, loff_t end, bool hole)
{
	loff_t x;

	for (x = pos; x < end; x = ((offset + x) / 4096 + 1) * 4096 - offset)
		if (written[(offset + x) / 4096] != hole)
			return x;
	return end;
}

int main(int argc, char **argv)
{
	static char block[4096], name[4096];
	unsigned int round, wrong = 0, moved = 0, answers = 0, opened = 0;
	unsigned int past_end = 0;
	struct gendisk disk;
	struct loop_device lo;

	if (argc < 2)
		return 2;
	snprintf(name, sizeof(name), "%s/test-loop-walk.img", argv[1]);
	memset(block, 0xa5, sizeof(block));
	srand(1);
	disk.private_data = &lo;
	for (round = 0; round < 50; round++) {
		struct file *backing;
		unsigned int b, i;
		int fd;

		fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || ftruncate(fd, FILE_BLOCKS * 4096LL)) {
			printf("not ok 1 - cannot make %s\n1..1\n", name);
			return 1;
		}
		for (b = 0; b < FILE_BLOCKS; ) {
			unsigned int len = 1 + rand() % 16;
			bool data = rand() % 2;

			while (len-- && b < FILE_BLOCKS) {
				written[b] = data;
				if (data && pwrite(fd, block, 4096, b * 4096LL) != 4096)
					return 1;
				b++;
			}
		}
		close(fd);
		backing = dentry_open(&(struct path){ name }, O_RDONLY, NULL);
		if (IS_ERR(backing))
			return 1;
		lseek(backing->fd, 12345, SEEK_SET);
		lo.lo_backing_file = backing;
		/* as loop_open_seek_file() when the backing file is set */
		lo.lo_seek_file = dentry_open(&(struct path){ name }, O_RDONLY, NULL);
		if (IS_ERR(lo.lo_seek_file))
			return 1;
		opens = 0;
		for (i = 0; i < 200; i++) {
			loff_t size, pos, got, want;
			bool hole = rand() % 2;

			lo.lo_offset = (rand() % 1024) * 512LL;
			lo.lo_sizelimit = rand() % 2 ? 0 : (1 + rand() % 2048) * 512LL;
			size = FILE_BLOCKS * 4096LL - lo.lo_offset;
			if (lo.lo_sizelimit)
				size = min(size, lo.lo_sizelimit);
			pos = rand() % size;
			got = lo_seek_hole_data(&disk, pos, size,
						hole ? SEEK_HOLE : SEEK_DATA);
			want = truth(lo.lo_offset, pos, size, hole);
			answers++;
			if (got != want && wrong++ < 5)
				printf("# %s at %lld, offset %lld, size limit %lld: got %lld, want %lld\n",
				       hole ? "SEEK_HOLE" : "SEEK_DATA", (long long)pos,
				       (long long)lo.lo_offset, (long long)lo.lo_sizelimit,
				       (long long)got, (long long)want);
		}
		if (lseek(backing->fd, 0, SEEK_CUR) != 12345)
			moved++;
		opened += opens;
		/*
		 * the file shrunk under the device: past its end reads fail,
		 * so SEEK_DATA and SEEK_HOLE must agree on data there
		 */
		if (truncate(name, FILE_BLOCKS * 2048LL) == 0) {
			loff_t at = FILE_BLOCKS * 3072LL, dev_end = FILE_BLOCKS * 4096LL;
			loff_t d, h;

			lo.lo_offset = 0;
			lo.lo_sizelimit = 0;
			d = lo_seek_hole_data(&disk, at, dev_end, SEEK_DATA);
			h = lo_seek_hole_data(&disk, at, dev_end, SEEK_HOLE);
			if (d != at || h != dev_end) {
				if (past_end++ < 3)
					printf("# past the end of the file, at %lld: SEEK_DATA %lld (want %lld), SEEK_HOLE %lld (want %lld)\n",
					       (long long)at, (long long)d, (long long)at,
					       (long long)h, (long long)dev_end);
			}
		}
		if (lo.lo_seek_file)
			fput(lo.lo_seek_file);
		fput(backing);
	}
	unlink(name);
	tap(!wrong, "loop over sparse files, random offsets and size limits: %u answers, %u differ from the truth",
	    answers, wrong);
	tap(!moved, "the position of the file loop was given never moved (%u moved)", moved);
	tap(!opened, "no file opened by an lseek: %u opens in %u answers", opened, answers);
	tap(!past_end, "past the end of a file that shrank, SEEK_DATA and SEEK_HOLE agree on data (%u rounds disagree)",
	    past_end);
	return tap_end();
}
