// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: GET LBA STATUS and READ CAPACITY(16) reply parsing.
 * Input: 8 bytes of asked LBA, 1 byte of max_runs, then the reply bytes
 * (copied into an exactly sized buffer so ASan sees any over-read).
 * Asserts the parser's contract independently of its code.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blkseek_gls.h"
#include "blkseek_walk.h"

static uint64_t be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

/* Is block @b covered by a descriptor fully inside the first @avail bytes? */
static int covered(const uint8_t *buf, size_t avail, uint64_t b, int *status)
{
	size_t off;

	for (off = 8; off + 16 <= avail; off += 16) {
		uint64_t s = be(buf + off, 8), c = be(buf + off + 8, 4);

		if (c && b >= s && b - s < c) {
			*status = buf[off + 12] & 0xf;
			return 1;
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blkseek_run runs[BLKSEEK_WALK_RUNS];
	struct blkseek_caps caps;
	unsigned int max;
	uint64_t lba, next;
	uint8_t *buf;
	size_t len, avail;
	int n, i;

	if (size < 9)
		return 0;
	lba = be(data, 8);
	max = 1 + data[8] % BLKSEEK_WALK_RUNS;
	len = size - 9;
	buf = malloc(len ? len : 1);
	memcpy(buf, data + 9, len);

	n = blkseek_gls_parse(buf, len, lba, runs, max);
	assert(n == -EIO || (n >= 1 && (unsigned int)n <= max));
	avail = len >= 4 ? be(buf, 4) + 4 : 0;
	if (avail > len)
		avail = len;
	next = lba;
	for (i = 0; i < n; i++) {
		int st;

		assert(runs[i].lba == next);
		assert(runs[i].count > 0);
		assert(runs[i].count <= UINT64_MAX - runs[i].lba ||
		       runs[i].lba + runs[i].count == 0);
		if (i)
			assert(runs[i].state != runs[i - 1].state);
		/* the first and last block of the run were stated by the device */
		assert(covered(buf, avail, runs[i].lba, &st));
		assert(covered(buf, avail, runs[i].lba + runs[i].count - 1, &st));
		if (runs[i].state == BLKSEEK_DEALLOCATED)
			assert(st == 1);
		else if (runs[i].state == BLKSEEK_ANCHORED)
			assert(st == 2);
		else
			assert(st != 1 && st != 2);
		next = runs[i].lba + runs[i].count;
	}

	if (!blkseek_rc16_parse(buf, len, &caps))
		assert(len >= 15 && caps.block_size);
	free(buf);
	return 0;
}
