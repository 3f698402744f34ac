// SPDX-License-Identifier: GPL-2.0
/*
 * The layout of <linux/blkseek.h> and of the stack control plane's
 * <linux/blkseek_stack.h> is the same for every ABI: each field at a fixed
 * offset, no padding, and one ioctl number.  Compiled (not run) as C for
 * x86-64, i386 and x32, and as C++; a difference is a compile error.  The
 * public header alone declares nothing of the stack control plane.
 */
#include <stddef.h>
#include <linux/blkseek.h>

#if defined(BLKSEEK_IOC_STACK_GEN) || defined(BLKSEEK_STACK_MAX_DEPTH)
#error "<linux/blkseek.h> declares the stack control plane"
#endif

#include <linux/blkseek_stack.h>

#ifdef __cplusplus
#define _Static_assert static_assert
#endif

#define AT(type, field, off) \
	_Static_assert(offsetof(struct type, field) == (off), #type "." #field " at " #off)

AT(blkseek_extent, offset, 0);
AT(blkseek_extent, length, 8);
AT(blkseek_extent, flags, 16);
AT(blkseek_extent, reserved, 20);
_Static_assert(sizeof(struct blkseek_extent) == 24, "blkseek_extent is 24 bytes");

AT(blkseek_query, size, 0);
AT(blkseek_query, fd, 4);
AT(blkseek_query, offset, 8);
AT(blkseek_query, length, 16);
AT(blkseek_query, flags, 24);
AT(blkseek_query, extent_count, 28);
AT(blkseek_query, extents, 32);
AT(blkseek_query, mapped_extents, 40);
AT(blkseek_query, logical_block_size, 44);
AT(blkseek_query, device_flags, 48);
AT(blkseek_query, reserved0, 52);
AT(blkseek_query, end, 56);
AT(blkseek_query, size_bytes, 64);
AT(blkseek_query, reserved, 72);
_Static_assert(sizeof(struct blkseek_query) == BLKSEEK_QUERY_SIZE_VER0, "blkseek_query is 96 bytes");
_Static_assert(BLKSEEK_IOC_QUERY == 0xc060b901u, "BLKSEEK_IOC_QUERY is 0xc060b901");

AT(blkseek_stack_gen, generation, 0);
AT(blkseek_stack_gen, armed, 8);
AT(blkseek_stack_gen, changing, 12);
_Static_assert(sizeof(struct blkseek_stack_gen) == 16, "blkseek_stack_gen is 16 bytes");

AT(blkseek_stack_segment, start, 0);
AT(blkseek_stack_segment, length, 8);
AT(blkseek_stack_segment, lower_offset, 16);
AT(blkseek_stack_segment, nr_paths, 24);
AT(blkseek_stack_segment, flags, 28);
AT(blkseek_stack_segment, path_fds, 32);
_Static_assert(sizeof(struct blkseek_stack_segment) == 64, "blkseek_stack_segment is 64 bytes");

AT(blkseek_stack_map, size, 0);
AT(blkseek_stack_map, fd, 4);
AT(blkseek_stack_map, generation, 8);
AT(blkseek_stack_map, kind, 16);
AT(blkseek_stack_map, nr_segments, 20);
AT(blkseek_stack_map, segments, 24);
AT(blkseek_stack_map, reserved, 32);
_Static_assert(sizeof(struct blkseek_stack_map) == BLKSEEK_STACK_MAP_SIZE_VER0, "blkseek_stack_map is 48 bytes");
_Static_assert(BLKSEEK_IOC_STACK_GEN == 0x8010b902u, "BLKSEEK_IOC_STACK_GEN is 0x8010b902");
_Static_assert(BLKSEEK_IOC_STACK_SET == 0x4030b903u, "BLKSEEK_IOC_STACK_SET is 0x4030b903");

AT(blkseek_thin_arm, size, 0);
AT(blkseek_thin_arm, fd, 4);
AT(blkseek_thin_arm, block_sectors, 8);
AT(blkseek_thin_arm, flags, 12);
AT(blkseek_thin_arm, cookie, 16);
AT(blkseek_thin_arm, reserved, 24);
_Static_assert(sizeof(struct blkseek_thin_arm) == BLKSEEK_THIN_ARM_SIZE_VER0, "blkseek_thin_arm is 40 bytes");
AT(blkseek_thin_extent, start, 0);
AT(blkseek_thin_extent, count, 8);
_Static_assert(sizeof(struct blkseek_thin_extent) == 16, "blkseek_thin_extent is 16 bytes");
AT(blkseek_thin_map, size, 0);
AT(blkseek_thin_map, fd, 4);
AT(blkseek_thin_map, generation, 8);
AT(blkseek_thin_map, cookie, 16);
AT(blkseek_thin_map, nr_extents, 24);
AT(blkseek_thin_map, flags, 28);
AT(blkseek_thin_map, extents, 32);
AT(blkseek_thin_map, reserved, 40);
_Static_assert(sizeof(struct blkseek_thin_map) == BLKSEEK_THIN_MAP_SIZE_VER0, "blkseek_thin_map is 56 bytes");
_Static_assert(BLKSEEK_IOC_THIN_ARM == 0xc028b904u, "BLKSEEK_IOC_THIN_ARM is 0xc028b904");
_Static_assert(BLKSEEK_IOC_THIN_SET == 0x4038b905u, "BLKSEEK_IOC_THIN_SET is 0x4038b905");
