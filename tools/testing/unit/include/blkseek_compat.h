/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for kmod/blkseek_compat.h: what the pure core takes
 * from it.  The pure files include it as <blkseek_compat.h>, so this
 * directory (first on the host build's include path) replaces the
 * module's.
 */
#ifndef BLKSEEK_UNIT_COMPAT_H
#define BLKSEEK_UNIT_COMPAT_H

#include <linux/unaligned.h>

#endif
