/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake thin-provisioned SCSI disk for the host tests: it answers GET LBA
 * STATUS with real reply bytes, which the module's parser then reads.
 */
#ifndef BLKSEEK_FAKE_DEV_H
#define BLKSEEK_FAKE_DEV_H

#include <linux/types.h>
#include "blkseek_gls.h"
#include "blkseek_walk.h"

struct fake_dev {
	u64 nblocks;		/* device size in blocks */
	u8 *status;		/* per block: GET LBA STATUS provisioning status 0..15 */
	unsigned int chop;	/* most blocks per descriptor, 0 = maximal */
	unsigned int max_desc;	/* descriptors per reply, >= 1 */
	bool start_before;	/* first descriptor starts where its run starts */
	long fail_after;	/* fetches that succeed before all fail; < 0 never */
	unsigned long fetches;	/* fetches made */
	u8 reply[4096];
};

/* Status code means "reads return zeroes" (deallocated or anchored). */
static inline bool fake_status_is_hole(u8 s)
{
	return s == 1 || s == 2;
}

size_t fake_dev_reply(struct fake_dev *d, u64 lba, u8 *buf, size_t len);
int fake_dev_fetch(void *ctx, u64 lba, struct blkseek_run *runs, unsigned int max_runs);
long long ref_seek(const struct fake_dev *d, u64 base, u64 size, unsigned int shift,
		   long long off, bool seek_hole);

/* Random maps for the walk and extent tests, reproducible from a seed. */
void fake_seed(unsigned long long seed);
u64 fake_rnd(void);
/* Random runs of random kinds over @d (status codes of every meaning). */
void fake_random_map(struct fake_dev *d, unsigned int max_run);
/* An LBPME, LBPRZ disk or partition of @size bytes from byte @base. */
struct blkseek_geom fake_geom(u64 base, u64 size, unsigned int shift);

#endif
