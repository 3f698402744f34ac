/* SPDX-License-Identifier: GPL-2.0 */
/* the generic _IOWR() of x86, for the same checks */
#ifndef _LINUX_IOCTL_H
#define _LINUX_IOCTL_H
#include <asm-generic/ioctl.h>
#endif
