// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of the series' LIO patch: sbc_gls_seek(), sbc_gls_fill() and
 * sbc_emulate_get_lba_status() (drivers/target/target_core_sbc.c) and
 * fileio's fd_seek_hole_data() (drivers/target/target_core_file.c), cut
 * out of the patched tree by host-tests.sh into target-gls-cut.h and
 * compiled with the few target structures they use; vfs_llseek() is
 * lseek(2) on a file in WORKDIR.  Random sparse files (data written at
 * random offsets, holes punched, sizes shorter or longer than the LUN)
 * are exported as LUNs of 512- and 4096-byte blocks, and GET LBA STATUS
 * is asked from random LBAs with random allocation lengths.  The reply
 * must: hold no more descriptors than the allocation length allows (one
 * when it allows none, cut to it), state its length in the PARAMETER DATA
 * LENGTH, start with the LBA asked and run contiguous, give each block the
 * status that lseek(SEEK_DATA) from that block's start implies (a block is
 * deallocated only when all of it is in a hole), never report a block
 * holding a non-zero byte as deallocated, and not split a run of one
 * status but at the 32-bit count.  A model backstore with data and holes
 * at any byte checks the rounding: a block with one byte of data is
 * mapped.  A backstore whose seek fails answers
 * mapped; one of 2^33 blocks in a hole splits at the 32-bit count.
 * Prints TAP; exits 1 on a failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test-sd-shim.h"

typedef uint16_t u16;
typedef int sense_reason_t;
#define U32_MAX UINT32_MAX
#define GFP_KERNEL 0
#define kzalloc(n, gfp) calloc(1, n)
#define kfree free
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define ilog2(n) (31 - __builtin_clz(n))
#define TCM_ADDRESS_OUT_OF_RANGE 1
#define TCM_OUT_OF_RESOURCES 2
#define SAM_STAT_GOOD 0

static inline void put_unaligned_be32(u32 v, void *p)
{
	put_be(p, v, 4);
}

static inline void put_unaligned_be64(u64 v, void *p)
{
	put_be(p, v, 8);
}

struct file { int fd; };
struct se_device;
struct target_backend_ops {
	u64 (*get_blocks)(struct se_device *dev);
};
struct se_dev_attrib { u32 block_size; };
struct se_device {
	const struct target_backend_ops *transport;
	struct se_dev_attrib dev_attrib;
	u64 nr_blocks;
	struct file *file;
};
struct fd_dev { struct file *fd_file; };
#define FD_DEV(dev) (&(struct fd_dev){ .fd_file = (dev)->file })
struct se_cmd;
struct exec_cmd_ops {
	loff_t (*seek_hole_data)(struct se_cmd *cmd, loff_t pos, loff_t end,
				 int whence);
};
struct se_cmd {
	struct se_device *se_dev;
	unsigned char t_task_cdb[16];
	u32 data_length;
	void *protocol_data;
	unsigned char *data;
	int completed_len;
	unsigned int seeks;
};

static u64 get_blocks(struct se_device *dev)
{
	return dev->nr_blocks - 1;
}

static const struct target_backend_ops backend = { .get_blocks = get_blocks };

static loff_t vfs_llseek(struct file *file, loff_t pos, int whence)
{
	loff_t r = lseek(file->fd, pos, whence);

	return r < 0 ? -errno : r;
}

static void *transport_kmap_data_sg(struct se_cmd *cmd)
{
	return cmd->data;
}

static void transport_kunmap_data_sg(struct se_cmd *cmd)
{
}

static void target_complete_cmd(struct se_cmd *cmd, u8 status)
{
	cmd->completed_len = 0;
}

static void target_complete_cmd_with_length(struct se_cmd *cmd, u8 status,
					    int len)
{
	cmd->completed_len = len;
}

#include "target-gls-cut.h"

static loff_t counted_seek(struct se_cmd *cmd, loff_t pos, loff_t end,
			   int whence)
{
	cmd->seeks++;
	return fd_seek_hole_data(cmd, pos, end, whence);
}

static loff_t failing_seek(struct se_cmd *cmd, loff_t pos, loff_t end,
			   int whence)
{
	return -EIO;
}

/* a backstore with data at byte granularity: model_data[] per byte */
#define MODEL_BYTES (64 * 4096)
static bool model_data[MODEL_BYTES];

static loff_t model_seek(struct se_cmd *cmd, loff_t pos, loff_t end,
			 int whence)
{
	for (; pos < end; pos++)
		if (model_data[pos] == (whence == SEEK_DATA))
			return pos;
	return end;
}

static loff_t all_hole(struct se_cmd *cmd, loff_t pos, loff_t end,
		       int whence)
{
	return whence == SEEK_HOLE ? pos : end;
}

/* the status of one block, from lseek(SEEK_DATA) at its start */
static int block_status(int fd, u64 blk, u32 bs, u64 nr_blocks)
{
	loff_t d = lseek(fd, blk * bs, SEEK_DATA);

	return d < 0 || d >= (loff_t)((blk + 1) * bs) ? 1 : 0;
}

static bool block_zero(int fd, u64 blk, u32 bs)
{
	static unsigned char b[4096];
	ssize_t n = pread(fd, b, bs, blk * bs), i;

	for (i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* one GET LBA STATUS into a reply of data_length bytes */
static void ask(struct se_cmd *cmd, u64 lba, u32 alloc)
{
	memset(cmd->t_task_cdb, 0, 16);
	cmd->t_task_cdb[0] = 0x9e;
	cmd->t_task_cdb[1] = 0x12;
	put_be(&cmd->t_task_cdb[2], lba, 8);
	put_be(&cmd->t_task_cdb[10], alloc, 4);
	cmd->data_length = alloc;
	free(cmd->data);
	cmd->data = calloc(1, alloc + 1);
	cmd->completed_len = -1;
}

int main(int argc, char **argv)
{
	unsigned int round, replies = 0, descs = 0, blocks_checked = 0;
	unsigned int bad_len = 0, bad_status = 0, over = 0, bad_runs = 0;
	unsigned int dealloc = 0, too_many = 0, max_descs = 0;
	char path[4096];
	struct file file;
	struct se_device dev = { .transport = &backend, .file = &file };
	struct exec_cmd_ops ops = { .seek_hole_data = counted_seek };
	struct se_cmd cmd = { .se_dev = &dev, .protocol_data = &ops };

	snprintf(path, sizeof(path), "%s/target-gls.img", argc > 1 ? argv[1] : ".");
	srand(34);
	for (round = 0; round < 100; round++) {
		u32 bs = rand() % 2 ? 512 : 4096;
		u64 nr = 1 + rand() % 2048, lba, b;
		int fd, w, i, q;
		static unsigned char junk[65536];

		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0) {
			perror(path);
			return 1;
		}
		file.fd = fd;
		dev.dev_attrib.block_size = bs;
		dev.nr_blocks = nr;
		/* the file: shorter or longer than the LUN */
		if (ftruncate(fd, (off_t)(nr * bs * (rand() % 4 ? 1.0 : 0.5 + (rand() % 100) / 100.0))))
			return 1;
		for (w = rand() % 48; w > 0; w--) {
			off_t at = rand() % (nr * bs);
			size_t len = 1 + rand() % min(sizeof(junk), (size_t)bs * 16);

			memset(junk, 1 + rand() % 255, len);
			if (pwrite(fd, junk, len, at) < 0)
				return 1;
		}
		for (w = rand() % 8; w > 0; w--)
			fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  rand() % (nr * bs), rand() % (bs * 64));
		for (q = 0; q < 20; q++) {
			u32 alloc = rand() % 3 ? 8 + 16 * (rand() % 12) + rand() % 16 :
						 rand() % 1024;
			unsigned int n, room;
			u64 next;

			lba = rand() % nr;
			ask(&cmd, lba, alloc);
			cmd.seeks = 0;
			if (sbc_emulate_get_lba_status(&cmd) || cmd.completed_len < 0) {
				bad_len++;
				continue;
			}
			replies++;
			if (!alloc)
				continue;
			n = (cmd.completed_len - 8) / 16;
			room = alloc >= 24 ? (alloc - 8) / 16 : 1;
			if (n < 1 || n > room || cmd.completed_len != (int)(8 + 16 * n))
				too_many++;
			max_descs = max(max_descs, n);
			if (alloc < 4)
				continue;
			if (get_unaligned_be32(cmd.data) != 4 + 16 * n)
				bad_len++;
			/* the descriptors that fit in alloc */
			next = lba;
			for (i = 0; i < (int)n && 8 + 16 * (i + 1) <= (int)alloc; i++) {
				unsigned char *d = cmd.data + 8 + 16 * i;
				u64 start = get_unaligned_be64(d);
				u32 count = get_unaligned_be32(d + 8);
				int st = d[12] & 0xf;

				descs++;
				if (start != next || !count || start + count > nr)
					bad_runs++;
				if (i && st == (cmd.data[8 + 16 * (i - 1) + 12] & 0xf))
					bad_runs++;
				for (b = start; b < start + count && b < nr; b++) {
					blocks_checked++;
					if (st != block_status(fd, b, bs, nr))
						bad_status++;
					if (st == 1) {
						dealloc++;
						if (!block_zero(fd, b, bs))
							over++;
					}
				}
				next = start + count;
			}
		}
		close(fd);
	}
	unlink(path);
	tap(!bad_len, "LIO fileio: %u replies to GET LBA STATUS over random sparse files, %u with a wrong PARAMETER DATA LENGTH",
	    replies, bad_len);
	tap(!too_many, "LIO fileio: descriptors limited by the allocation length (up to %u in a reply), %u replies over it",
	    max_descs, too_many);
	tap(!bad_runs, "LIO fileio: %u descriptors contiguous from the LBA asked and maximal, %u not",
	    descs, bad_runs);
	tap(!bad_status && !over, "LIO fileio: %u blocks as lseek(SEEK_DATA) has them (%u deallocated): %u differ, %u holes over data",
	    blocks_checked, dealloc, bad_status, over);

	/* data and holes at any byte: a block holding one byte of data is mapped */
	ops.seek_hole_data = model_seek;
	bad_status = dealloc = blocks_checked = 0;
	for (round = 0; round < 400; round++) {
		u32 bs = rand() % 2 ? 512 : 4096;
		u64 lba, b, next;
		unsigned int i, n, w;

		memset(model_data, 0, sizeof(model_data));
		for (w = rand() % 40; w > 0; w--) {
			u32 at = rand() % MODEL_BYTES, len = 1 + rand() % 3000;

			for (; len && at < MODEL_BYTES; len--)
				model_data[at++] = true;
		}
		dev.nr_blocks = MODEL_BYTES / bs - rand() % 4;
		dev.dev_attrib.block_size = bs;
		lba = rand() % dev.nr_blocks;
		ask(&cmd, lba, 8 + 16 * (1 + rand() % 40));
		sbc_emulate_get_lba_status(&cmd);
		n = (cmd.completed_len - 8) / 16;
		next = lba;
		for (i = 0; i < n; i++) {
			unsigned char *d = cmd.data + 8 + 16 * i;
			u64 start = get_unaligned_be64(d);
			u32 count = get_unaligned_be32(d + 8);

			if (start != next)
				bad_status++;
			for (b = start; b < start + count; b++) {
				bool data = false;
				u32 o;

				for (o = 0; o < bs; o++)
					data |= model_data[b * bs + o];
				blocks_checked++;
				dealloc += !data;
				if ((d[12] & 0xf) != (data ? 0 : 1))
					bad_status++;
			}
			next = start + count;
		}
	}
	tap(!bad_status, "a backstore with data and holes at any byte: %u blocks (%u deallocated), %u with a wrong status",
	    blocks_checked, dealloc, bad_status);

	/* a failing backstore answers mapped */
	ops.seek_hole_data = failing_seek;
	dev.nr_blocks = 1000;
	dev.dev_attrib.block_size = 512;
	ask(&cmd, 10, 8 + 16 * 4);
	sbc_emulate_get_lba_status(&cmd);
	tap(cmd.completed_len == 24 && get_unaligned_be64(cmd.data + 8) == 10 &&
	    get_unaligned_be32(cmd.data + 16) == 990 && cmd.data[20] == 0,
	    "a backstore whose seek fails: one mapped descriptor from the LBA asked to the end");

	/* an LBA past the end */
	ask(&cmd, 1000, 64);
	tap(sbc_emulate_get_lba_status(&cmd) == TCM_ADDRESS_OUT_OF_RANGE,
	    "an LBA past the last is out of range");

	/* 2^33 blocks in a hole: split at the 32-bit count */
	ops.seek_hole_data = all_hole;
	dev.nr_blocks = 1ULL << 33;
	ask(&cmd, 1, 8 + 16 * 8);
	sbc_emulate_get_lba_status(&cmd);
	tap(cmd.completed_len == 8 + 16 * 3 &&
	    get_unaligned_be32(cmd.data + 8 + 8) == U32_MAX &&
	    get_unaligned_be32(cmd.data + 24 + 8) == U32_MAX &&
	    get_unaligned_be64(cmd.data + 40) == 1 + 2ULL * U32_MAX &&
	    get_unaligned_be32(cmd.data + 40 + 8) == (1ULL << 33) - 1 - 2ULL * U32_MAX,
	    "2^33 deallocated blocks: descriptors split at the 32-bit count (%d bytes)",
	    cmd.completed_len);
	free(cmd.data);
	return tap_end();
}
