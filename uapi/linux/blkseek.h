/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * blkseek: the extent query of /dev/blkseek.
 *
 * Ask which byte ranges of a SCSI disk or partition are data, read as
 * zeroes, or are unallocated, in one call and without syncing when the
 * range is clean.  See Documentation/userspace-api/blkseek.rst.
 *
 * The ioctls that tell the module how stacked devices map onto their
 * lower ones are not here: <linux/blkseek_stack.h> is a private protocol
 * between the module and blkseek-stack, not for applications.
 *
 * The layout is the same for 32- and 64-bit userspace (all fields
 * naturally aligned, no implicit padding, sizes multiples of 8).
 */
#ifndef _UAPI_LINUX_BLKSEEK_H
#define _UAPI_LINUX_BLKSEEK_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define BLKSEEK_DEVICE		"/dev/blkseek"

/* struct blkseek_extent.flags: neither flag means data. */
#define BLKSEEK_EXTENT_UNALLOCATED	0x1 /* deallocated: no storage */
#define BLKSEEK_EXTENT_ZERO		0x2 /* reads return zeroes */
#define BLKSEEK_EXTENT_FLAGS	(BLKSEEK_EXTENT_UNALLOCATED | BLKSEEK_EXTENT_ZERO)

/**
 * struct blkseek_extent - one run of bytes sharing a kind
 * @offset: first byte, relative to the block device queried
 * @length: bytes, never 0
 * @flags: BLKSEEK_EXTENT_*; 0 is data
 * @reserved: set to 0 by the kernel
 */
struct blkseek_extent {
	__u64 offset;
	__u64 length;
	__u32 flags;
	__u32 reserved;
};

/* struct blkseek_query.device_flags */
#define BLKSEEK_DEV_ANSWERS	0x1 /* provisioning states are asked */
#define BLKSEEK_DEV_UNMAP_ZEROES 0x2 /* unallocated blocks read zero */
#define BLKSEEK_DEV_FORWARDED	0x4 /* a stacked device answered by its lower devices */

/* Most extents filled by one call; larger extent_count is capped. */
#define BLKSEEK_MAX_EXTENTS	256

/**
 * struct blkseek_query - argument of BLKSEEK_IOC_QUERY
 * @size: in: sizeof(struct blkseek_query) as the caller knows it
 *	(BLKSEEK_QUERY_SIZE_VER0 today).  Smaller: EINVAL.  Larger (a newer
 *	caller): accepted if the bytes past what this kernel knows are zero,
 *	else E2BIG.
 * @fd: in: a block device (whole disk or partition) opened for reading
 * @offset: in: first byte to describe; out: unchanged
 * @length: in: bytes to describe from @offset; 0 means to the end
 * @flags: in: must be 0
 * @extent_count: in: room in @extents (capped at BLKSEEK_MAX_EXTENTS)
 * @extents: in: user pointer to an array of struct blkseek_extent
 * @mapped_extents: out: extents filled; 0 only when @offset is at or past
 *	the end of the device or @extent_count is 0 (a query of the device
 *	facts alone)
 * @logical_block_size: out: of the device
 * @device_flags: out: BLKSEEK_DEV_*
 * @reserved0: in: must be 0
 * @end: out: byte after the last extent; continue a walk from here
 * @size_bytes: out: size of the block device
 * @reserved: in: must be 0
 */
struct blkseek_query {
	__u32 size;
	__s32 fd;
	__u64 offset;
	__u64 length;
	__u32 flags;
	__u32 extent_count;
	__u64 extents;
	__u32 mapped_extents;
	__u32 logical_block_size;
	__u32 device_flags;
	__u32 reserved0;
	__u64 end;
	__u64 size_bytes;
	__u64 reserved[3];
};

#define BLKSEEK_QUERY_SIZE_VER0	96

/*
 * The kernel reads the size from @size, not from the ioctl number: later,
 * larger versions of the struct keep using this number.
 */
#define BLKSEEK_IOC_MAGIC	0xB9
#define BLKSEEK_IOC_QUERY	_IOWR(BLKSEEK_IOC_MAGIC, 1, struct blkseek_query)

#endif /* _UAPI_LINUX_BLKSEEK_H */
