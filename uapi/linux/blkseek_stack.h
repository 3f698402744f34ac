/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * blkseek: the stack control plane of /dev/blkseek.
 *
 * NOT FOR APPLICATIONS.  This is a private protocol between blkseek.ko and
 * blkseek-stack (run by udev), built from the same tree: it may change
 * with the module, and it is not installed with the extent query's header
 * <linux/blkseek.h>.  Applications ask for extents with BLKSEEK_IOC_QUERY
 * only; blkseek-stack is the one program that tells the module mappings.
 *
 * The layout is the same for 32- and 64-bit userspace (all fields
 * naturally aligned, no implicit padding, sizes multiples of 8).
 */
#ifndef _UAPI_LINUX_BLKSEEK_STACK_H
#define _UAPI_LINUX_BLKSEEK_STACK_H

#include <linux/blkseek.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * Stacked devices (dm-linear, dm-multipath, loop): their mapping onto
 * lower devices is told by userspace (blkseek-stack, run by udev), which
 * the kernel cannot read from exported state.  A mapping is accepted only
 * under the generation it was read under, and is dropped by the kernel
 * before any dm table swap or loop status change takes effect.  Needs
 * CAP_SYS_ADMIN.  See Documentation/blkseek.rst, "Stacked devices".
 *
 * The ioctl numbers share BLKSEEK_IOC_MAGIC with BLKSEEK_IOC_QUERY; the
 * module selects a command by its number and direction, never by the size
 * encoded in it (struct blkseek_stack_map carries its own @size, and
 * struct blkseek_stack_gen is 16 bytes for good).
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
/*
 * struct blkseek_stack_segment.flags: BLKSEEK_STACK_SEG_FAILED(n), the
 * last n of @path_fds are paths dm-multipath has failed: checked for the
 * LUN's identity with the others, never asked (a dm segment whose paths
 * have all failed answers data)
 */
#define BLKSEEK_STACK_SEG_FAILED_SHIFT	8
#define BLKSEEK_STACK_SEG_FAILED_MASK	(0xffU << BLKSEEK_STACK_SEG_FAILED_SHIFT)
#define BLKSEEK_STACK_SEG_FAILED(n)	((__u32)(n) << BLKSEEK_STACK_SEG_FAILED_SHIFT)
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
 * @flags: BLKSEEK_STACK_SEG_FAILED(n) (dm only, n <= @nr_paths) or 0; any
 *	other bit: EINVAL
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
	__u32 flags;
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

/*
 * Thin volumes (dm-thin): see Documentation/blkseek.rst, "Thin volumes
 * (dm-thin)".  blkseek-stack arms a tracker of the volume's writes
 * (BLKSEEK_IOC_THIN_ARM), drains the volume, takes a metadata snapshot of
 * the pool and sets the volume's mapped blocks with the tracker's cookie
 * (BLKSEEK_IOC_THIN_SET).  A block is a hole only where it is unmapped in
 * that snapshot and no write reached it since arming.  Needs
 * CAP_SYS_ADMIN.
 */

/**
 * struct blkseek_thin_arm - argument of BLKSEEK_IOC_THIN_ARM
 * @size: sizeof(struct blkseek_thin_arm) as the caller knows it
 * @fd: the thin volume (a whole dm disk), open for reading
 * @block_sectors: the pool's data block size in 512-byte sectors: a power
 *	of two from 128 to 2^21 (EINVAL otherwise)
 * @flags: must be 0
 * @cookie: out: names the tracker for BLKSEEK_IOC_THIN_SET
 * @reserved: must be 0
 *
 * The tracker watches every write and write-zeroes bio dm remaps for the
 * volume from before the call returns.  A newer arm of the same volume
 * replaces an older tracker that no mapping uses.
 */
struct blkseek_thin_arm {
	__u32 size;
	__s32 fd;
	__u32 block_sectors;
	__u32 flags;
	__u64 cookie;
	__u64 reserved[2];
};

#define BLKSEEK_THIN_ARM_SIZE_VER0	40

/* Most ranges one BLKSEEK_IOC_THIN_SET takes (E2BIG above). */
#define BLKSEEK_THIN_MAX_RANGES		0x200000U	/* 2^21 */

/**
 * struct blkseek_thin_extent - thin blocks mapped in the snapshot
 * @start: first thin block
 * @count: thin blocks, never 0
 */
struct blkseek_thin_extent {
	__u64 start;
	__u64 count;
};

/**
 * struct blkseek_thin_map - argument of BLKSEEK_IOC_THIN_SET
 * @size: sizeof(struct blkseek_thin_map) as the caller knows it
 * @fd: the thin volume, the one armed (EINVAL if @cookie is another's)
 * @generation: the stack generation read before the volume's table was
 *	read (BLKSEEK_IOC_STACK_GEN); EAGAIN if it has moved since
 * @cookie: from BLKSEEK_IOC_THIN_ARM; EAGAIN if that tracker was replaced
 * @nr_extents: entries in @extents (0..BLKSEEK_THIN_MAX_RANGES): sorted,
 *	not overlapping (adjacent ones are joined), each within the volume
 *	as it was armed; EINVAL otherwise
 * @flags: must be 0
 * @extents: user pointer to struct blkseek_thin_extent[@nr_extents]
 * @reserved: must be 0
 */
struct blkseek_thin_map {
	__u32 size;
	__s32 fd;
	__u64 generation;
	__u64 cookie;
	__u32 nr_extents;
	__u32 flags;
	__u64 extents;
	__u64 reserved[2];
};

#define BLKSEEK_THIN_MAP_SIZE_VER0	56

#define BLKSEEK_IOC_THIN_ARM	_IOWR(BLKSEEK_IOC_MAGIC, 4, struct blkseek_thin_arm)
#define BLKSEEK_IOC_THIN_SET	_IOW(BLKSEEK_IOC_MAGIC, 5, struct blkseek_thin_map)

#endif /* _UAPI_LINUX_BLKSEEK_STACK_H */
