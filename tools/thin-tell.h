/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blkseek-stack's thin volumes (thin-tell.c): the tell of
 * Documentation/blkseek.rst, "Thin volumes (dm-thin)", and the parser of
 * thin_dump's XML it reads the snapshot's mappings with.
 */
#ifndef THIN_TELL_H
#define THIN_TELL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/blkseek_stack.h>

int thin_dump_parse(FILE *f, uint64_t dev_id, uint32_t block_sectors,
		    uint64_t nr_blocks, struct blkseek_thin_extent **out,
		    uint32_t *n);
struct dm_ioctl;

void dm_ioctl_init(struct dm_ioctl *dmi, size_t size, unsigned int maj,
		   unsigned int min, unsigned int flags);
int dm_one_target(unsigned int maj, unsigned int min, int status,
		  const char *type, char *params, size_t len);
int devno_path(unsigned int maj, unsigned int min, char *dev, size_t len);
int lvm_vg_name(const char *dm_name, char *vg, size_t len);
int thin_tell(int ctl, int fd, unsigned int maj, unsigned int min,
	      const char *params, uint64_t tstart, uint64_t tlen,
	      uint64_t generation, unsigned int lvm_wait, int verbose);

#endif
