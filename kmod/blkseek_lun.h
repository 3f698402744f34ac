/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A logical unit's identity from its Device Identification VPD page
 * (0x83), pure (blkseek_lun.c): which SCSI devices may be paths of one
 * LUN, so that a write through one of them invalidates what is cached for
 * the others.  Compiles unchanged in userspace (tools/testing/unit).
 */
#ifndef BLKSEEK_LUN_H
#define BLKSEEK_LUN_H

#include <linux/types.h>

/* Designators of the logical unit kept; a page with more is "unknown". */
#define BLKSEEK_LUN_IDS	8

/* @nr of an identity not read yet (blkseek_lun_of_vpd83() sets it) */
#define BLKSEEK_LUN_UNREAD	(~0U)

/**
 * struct blkseek_lun - what identifies a logical unit
 * @nr: hashes in @id; 0 when unknown (no page, none, too many, malformed):
 *	an unknown LUN may be any LUN
 * @id: a hash of each designator whose association is the logical unit
 */
struct blkseek_lun {
	unsigned int nr;
	u64 id[BLKSEEK_LUN_IDS];
};

void blkseek_lun_of_vpd83(const u8 *page, size_t len, struct blkseek_lun *lun);
bool blkseek_lun_may_match(const struct blkseek_lun *a,
			   const struct blkseek_lun *b);

#endif /* BLKSEEK_LUN_H */
