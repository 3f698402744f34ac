// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the LUN identity of a Device Identification VPD page
 * (kmod/blkseek_lun.c).  Input: 1 byte n, then two pages, the first of
 * n bytes (each copied into an exactly sized buffer so ASan sees any
 * over-read).  Asserts: at most BLKSEEK_LUN_IDS designators kept, a page
 * matches itself, matching is symmetric, and an unknown identity matches.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blkseek_lun.h"

static void identity(const uint8_t *data, size_t len, struct blkseek_lun *lun)
{
	uint8_t *page = malloc(len ? len : 1);

	memcpy(page, data, len);
	blkseek_lun_of_vpd83(len ? page : NULL, len, lun);
	free(page);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blkseek_lun a, b, a2;
	size_t n;

	if (size < 1)
		return 0;
	n = data[0];
	if (n > size - 1)
		n = size - 1;
	identity(data + 1, n, &a);
	identity(data + 1 + n, size - 1 - n, &b);
	identity(data + 1, n, &a2);
	assert(a.nr <= BLKSEEK_LUN_IDS && b.nr <= BLKSEEK_LUN_IDS);
	assert(a.nr == a2.nr && !memcmp(a.id, a2.id, a.nr * sizeof(a.id[0])));
	assert(blkseek_lun_may_match(&a, &a));
	assert(blkseek_lun_may_match(&a, &b) == blkseek_lun_may_match(&b, &a));
	if (!a.nr || !b.nr)
		assert(blkseek_lun_may_match(&a, &b));
	return 0;
}
