// SPDX-License-Identifier: GPL-2.0
/*
 * gls-walk - walk a SCSI disk's provisioning map from userspace with
 * GET LBA STATUS(16) through SG_IO: the alternative to blkseek that users
 * have today, for make bench.  Prints the runs found (data = mapped;
 * hole = deallocated or anchored), the data bytes and the commands sent.
 * Usage: gls-walk DEV
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/fs.h>
#include <scsi/sg.h>

#define REPLY_LEN 4104	/* 8-byte header and 256 descriptors */

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

int main(int argc, char **argv)
{
	uint8_t cdb[16], reply[REPLY_LEN], sense[32];
	uint64_t size, nblocks, lba = 0, data = 0, runs = 0, cmds = 0;
	int fd, lbs, last = -1;

	if (argc != 2) {
		fprintf(stderr, "usage: gls-walk DEV\n");
		return 1;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &size) || ioctl(fd, BLKSSZGET, &lbs)) {
		perror(argv[1]);
		return 1;
	}
	nblocks = size / lbs;
	while (lba < nblocks) {
		struct sg_io_hdr io = { .interface_id = 'S' };
		uint32_t len, i;
		uint64_t next = lba;

		memset(cdb, 0, sizeof(cdb));
		cdb[0] = 0x9e;
		cdb[1] = 0x12;
		for (i = 0; i < 8; i++)
			cdb[2 + i] = lba >> (56 - 8 * i);
		cdb[10] = REPLY_LEN >> 24;
		cdb[11] = REPLY_LEN >> 16;
		cdb[12] = REPLY_LEN >> 8;
		cdb[13] = REPLY_LEN & 0xff;
		io.cmd_len = sizeof(cdb);
		io.cmdp = cdb;
		io.dxfer_direction = SG_DXFER_FROM_DEV;
		io.dxferp = reply;
		io.dxfer_len = sizeof(reply);
		io.sbp = sense;
		io.mx_sb_len = sizeof(sense);
		io.timeout = 30000;
		cmds++;
		if (ioctl(fd, SG_IO, &io) || io.status || io.host_status || io.driver_status) {
			fprintf(stderr, "%s: GET LBA STATUS at %" PRIu64 " failed\n", argv[1], lba);
			return 2;
		}
		len = get_be(reply, 4) + 4;
		if (len > sizeof(reply) - io.resid)
			len = sizeof(reply) - io.resid;
		for (i = 8; i + 16 <= len; i += 16) {
			uint64_t start = get_be(reply + i, 8);
			uint64_t count = get_be(reply + i + 8, 4);
			int hole = (reply[i + 12] & 0xf) != 0;

			if (start > next || start + count <= next || !count)
				break;
			count -= next - start;
			if (next + count > nblocks)
				count = nblocks - next;
			if (hole != last)
				runs++;
			last = hole;
			if (!hole)
				data += count * lbs;
			next += count;
		}
		if (next == lba) {
			fprintf(stderr, "%s: no progress at LBA %" PRIu64 "\n", argv[1], lba);
			return 2;
		}
		lba = next;
	}
	printf("runs %" PRIu64 " data %" PRIu64 " commands %" PRIu64 "\n", runs, data, cmds);
	close(fd);
	return 0;
}
