// SPDX-License-Identifier: GPL-2.0
/*
 * A logical unit's identity, from its Device Identification VPD page.
 *
 * Two SCSI devices are paths of one LUN when the target says so: the
 * designators whose association is the logical unit (SPC-4 7.8.6, byte 1
 * bits 5:4 = 0) name the LUN, whatever port it is reached through.  That
 * is what multipath groups paths by (the wwid is one of them).  Two
 * devices "may be one LUN" when they share any such designator, or when
 * either has none that blkseek can read: an unknown identity matches
 * every device.  Nothing here decides that two devices are one LUN
 * without a reason to; a wrong match only costs cached replies.
 *
 * Designators are compared by a 64-bit FNV-1a hash of their code set,
 * type and bytes: equal designators hash equal, and a collision is a
 * match, which is safe.
 */
#include <linux/types.h>

#include "blkseek_lun.h"

#define VPD83_HDR_LEN		4
#define DESIG_HDR_LEN		4
#define ASSOC_LOGICAL_UNIT	0

static u64 fnv1a(u64 h, const u8 *p, size_t len)
{
	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/**
 * blkseek_lun_of_vpd83() - the identity a Device Identification page gives
 * @page: the page as the device returned it (page code 0x83 at byte 1)
 * @len: bytes in @page
 * @lun: filled; @lun->nr is 0 when the page is absent, malformed, holds no
 *	designator of the logical unit or more than BLKSEEK_LUN_IDS
 */
void blkseek_lun_of_vpd83(const u8 *page, size_t len, struct blkseek_lun *lun)
{
	size_t end, pos;

	lun->nr = 0;
	if (!page || len < VPD83_HDR_LEN || page[1] != 0x83)
		return;
	end = VPD83_HDR_LEN + ((size_t)page[2] << 8 | page[3]);
	if (end > len)
		return;
	for (pos = VPD83_HDR_LEN; pos < end;
	     pos += DESIG_HDR_LEN + page[pos + 3]) {
		const u8 *d = page + pos;
		u8 key[2];

		if (end - pos < DESIG_HDR_LEN ||
		    end - pos - DESIG_HDR_LEN < d[3])
			goto unknown;
		if (((d[1] >> 4) & 3) != ASSOC_LOGICAL_UNIT || !d[3])
			continue;
		if (lun->nr == BLKSEEK_LUN_IDS)
			goto unknown;
		key[0] = d[0] & 0x0f;	/* code set */
		key[1] = d[1] & 0x0f;	/* designator type */
		lun->id[lun->nr++] = fnv1a(fnv1a(0xcbf29ce484222325ULL, key, 2),
					   d + DESIG_HDR_LEN, d[3]);
	}
	return;
unknown:
	lun->nr = 0;
}

/**
 * blkseek_lun_may_match() - whether two devices may be paths of one LUN
 * @a: one device's identity
 * @b: the other's
 *
 * Return: true when either identity is unknown or they share a designator.
 */
bool blkseek_lun_may_match(const struct blkseek_lun *a,
			   const struct blkseek_lun *b)
{
	unsigned int i, j;

	if (!a->nr || !b->nr)
		return true;
	for (i = 0; i < a->nr && i < BLKSEEK_LUN_IDS; i++)
		for (j = 0; j < b->nr && j < BLKSEEK_LUN_IDS; j++)
			if (a->id[i] == b->id[j])
				return true;
	return false;
}
