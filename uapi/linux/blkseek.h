/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * blkseek: the extent query of /dev/blkseek.
 *
 * Ask which byte ranges of a SCSI disk or partition are data, read as
 * zeroes, or are unallocated, in one call and without syncing when the
 * range is clean.  See Documentation/userspace-api/blkseek.rst.
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

/*
 * Stacked devices (dm-linear, dm-multipath, loop): their mapping onto
 * lower devices is told by userspace (blkseek-stack, run by udev), which
 * the kernel cannot read from exported state.  A mapping is accepted only
 * under the generation it was read under, and is dropped by the kernel
 * before any dm table swap or loop status change takes effect.  Needs
 * CAP_SYS_ADMIN.  See Documentation/blkseek.rst, "Stacked devices".
 */

/* struct blkseek_stack_gen.armed: mappings of this kind may be set */
#define BLKSEEK_STACK_DM	0x1 /* device-mapper: linear and multipath */
#define BLKSEEK_STACK_LOOP	0x2 /* loop devices */

/**
 * struct blkseek_stack_gen - argument of BLKSEEK_IOC_STACK_GEN
 * @generation: out: bumped when a dm table swap, a loop status change or
 *	a disk removal begins and when it returns
 * @armed: out: BLKSEEK_STACK_* whose changes the kernel watches now
 * @changing: out: changes in progress now; BLKSEEK_IOC_STACK_SET fails
 *	with EAGAIN while there are any
 */
struct blkseek_stack_gen {
	__u64 generation;
	__u32 armed;
	__u32 changing;
};

#define BLKSEEK_STACK_MAX_PATHS	8
#define BLKSEEK_STACK_MAX_SEGMENTS	4096
/* Most mapped devices in one chain of devices stacked on one another. */
#define BLKSEEK_STACK_MAX_DEPTH	4

/**
 * struct blkseek_stack_segment - bytes of the upper device on a lower one
 * @start: first byte on the upper device (a multiple of 512); the segment
 *	lies within the upper device, else EINVAL
 * @length: bytes (a multiple of 512, never 0)
 * @lower_offset: where @start lies on the lower device or file; on a
 *	block device, @lower_offset + @length must not pass its end (EINVAL)
 * @nr_paths: lower file descriptors in @path_fds (1..BLKSEEK_STACK_MAX_PATHS):
 *	several are paths to one LUN (dm-multipath), asked in order
 * @reserved: must be 0
 * @path_fds: block devices, or for loop one regular file, open for reading
 *	(EBADF otherwise).  No path may be the upper device or a device
 *	stacked on it, at any depth, and no chain of mapped devices through
 *	the upper one may be longer than BLKSEEK_STACK_MAX_DEPTH: ELOOP, so
 *	that no set of mappings holds devices open for good.
 */
struct blkseek_stack_segment {
	__u64 start;
	__u64 length;
	__u64 lower_offset;
	__u32 nr_paths;
	__u32 reserved;
	__s32 path_fds[BLKSEEK_STACK_MAX_PATHS];
};

/**
 * struct blkseek_stack_map - argument of BLKSEEK_IOC_STACK_SET
 * @size: sizeof(struct blkseek_stack_map) as the caller knows it
 * @fd: the upper device (a whole dm or loop disk), open for reading
 * @generation: the generation read before the mapping was read; the call
 *	fails with EAGAIN if it has moved since
 * @kind: BLKSEEK_STACK_DM or BLKSEEK_STACK_LOOP, as @fd is
 * @nr_segments: entries in @segments (1..BLKSEEK_STACK_MAX_SEGMENTS),
 *	sorted and not overlapping; 0 with BLKSEEK_IOC_STACK_SET clears
 * @segments: user pointer to struct blkseek_stack_segment[@nr_segments]
 * @reserved: must be 0
 */
struct blkseek_stack_map {
	__u32 size;
	__s32 fd;
	__u64 generation;
	__u32 kind;
	__u32 nr_segments;
	__u64 segments;
	__u64 reserved[2];
};

#define BLKSEEK_STACK_MAP_SIZE_VER0	48

#define BLKSEEK_IOC_STACK_GEN	_IOR(BLKSEEK_IOC_MAGIC, 2, struct blkseek_stack_gen)
#define BLKSEEK_IOC_STACK_SET	_IOW(BLKSEEK_IOC_MAGIC, 3, struct blkseek_stack_map)

#endif /* _UAPI_LINUX_BLKSEEK_H */
