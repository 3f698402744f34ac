/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for the kernel's <linux/errno.h>.  It shadows the uapi
 * header of the same name, which libc's <errno.h> also pulls in, so it
 * provides the same thing: the E* constants.
 */
#ifndef BLKSEEK_UNIT_LINUX_ERRNO_H
#define BLKSEEK_UNIT_LINUX_ERRNO_H
#include <asm/errno.h>
#endif
