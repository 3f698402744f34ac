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

#endif /* _UAPI_LINUX_BLKSEEK_STACK_H */
