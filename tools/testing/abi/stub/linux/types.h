/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The uapi integer types as the kernel's asm-generic/int-ll64.h defines
 * them, for checking <linux/blkseek.h> for other ABIs (i386, x32) without
 * their libc headers.
 */
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H
typedef unsigned int __u32;
typedef signed int __s32;
__extension__ typedef unsigned long long __u64;
#endif
