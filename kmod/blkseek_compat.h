/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences between the lines blkseek supports (6.1, 6.12,
 * 7.2, 7.3), and the kernel's internal names blkseek attaches to.  Every
 * version difference of the module lives in this file.  The
 * BLKSEEK_HAVE_* macros come from feature probes of the kernel headers
 * (kmod/Kbuild.probes), kept only where a supported kernel differs; a
 * kernel lacking what blkseek cannot do without fails to build here, with
 * an error naming what is missing, rather than building a module that
 * loads and misbehaves.  What every supported kernel has is used as is,
 * and a kernel older than 6.1 is not supported.
 */
#ifndef BLKSEEK_COMPAT_H
#define BLKSEEK_COMPAT_H

#include <linux/dma-direction.h>
#include <linux/kprobes.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_eh.h>

/*
 * get_unaligned_be32() and the other unaligned helpers: <linux/unaligned.h>
 * since 6.12, <asm/unaligned.h> before (6.1).  The pure blkseek_gls.c
 * includes this file as <blkseek_compat.h>, so that the host build's
 * stand-in (tools/testing/unit/include) replaces it there.
 */
#ifdef BLKSEEK_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#ifndef CONFIG_LIVEPATCH
#error "blkseek: the kernel has no CONFIG_LIVEPATCH (blkseek is a livepatch of blkdev_llseek)"
#endif
#ifndef CONFIG_TRACEPOINTS
#error "blkseek: the kernel has no CONFIG_TRACEPOINTS (the reply cache watches SCSI dispatch)"
#endif
#if !defined(BLKSEEK_HAVE_SCSI_EXECUTE_CMD) && !defined(BLKSEEK_HAVE_SCSI_EXECUTE_REQ)
#error "blkseek: the kernel has neither scsi_execute_cmd() nor scsi_execute_req()"
#endif

/*
 * Internal functions and tracepoints blkseek attaches to by name, and the
 * arguments it reads there: not API, the same on every supported line.  A
 * kernel that renames a function fails to arm its probe (its stacked
 * devices are then not answered); one that renames a tracepoint leaves
 * the reply cache off.
 *
 * kretprobes of the stack watch (blkseek_stack_watch.c); "module:symbol"
 * is the module's own function, whatever else has the name.
 */
#define BLKSEEK_SYM_DEL_GENDISK		"del_gendisk"
#define BLKSEEK_SYM_DM_SWAP_TABLE	"dm_mod:dm_swap_table"
#define BLKSEEK_SYM_LOOP_SET_STATUS	"loop:loop_set_status"
#define BLKSEEK_SYM_LOOP_CLR_FD		"loop:__loop_clr_fd"
#define BLKSEEK_SYM_LO_IOCTL		"loop:lo_ioctl"
/* del_gendisk(disk), dm_swap_table(md, table): the first argument */
#define BLKSEEK_ARG_DEL_GENDISK_DISK	0
#define BLKSEEK_ARG_DM_SWAP_TABLE_MD	0
/* lo_ioctl(bdev, mode, cmd, arg) */
#define BLKSEEK_ARG_LO_IOCTL_BDEV	0
#define BLKSEEK_ARG_LO_IOCTL_CMD	2

/* The SCSI midlayer's tracepoints the command watch attaches to. */
#define BLKSEEK_TP_MODULE		"scsi_mod"
#define BLKSEEK_TP_DISPATCH_START	"scsi_dispatch_cmd_start"
#define BLKSEEK_TP_DISPATCH_DONE	"scsi_dispatch_cmd_done"
#define BLKSEEK_TP_DISPATCH_TIMEOUT	"scsi_dispatch_cmd_timeout"

/*
 * Send a data-in command and wait for it.  scsi_execute_cmd() and struct
 * scsi_exec_args replaced scsi_execute_req() in 6.3 (6.12 has the former,
 * 6.1 the latter).
 * Returns 0, a negative errno, or a positive SCSI result.
 */
static inline int blkseek_execute_in(struct scsi_device *sdev, const u8 *cdb,
				     void *buf, unsigned int len,
				     unsigned int timeout, int retries,
				     struct scsi_sense_hdr *sshdr, int *resid)
{
#ifdef BLKSEEK_HAVE_SCSI_EXECUTE_CMD
	const struct scsi_exec_args args = {
		.sshdr = sshdr,
		.resid = resid,
	};

	return scsi_execute_cmd(sdev, cdb, REQ_OP_DRV_IN, buf, len, timeout,
				retries, &args);
#else
	return scsi_execute_req(sdev, cdb, DMA_FROM_DEVICE, buf, len, sshdr,
				timeout, retries, resid);
#endif
}

/*
 * Whether the running kernel has a probeable function @name: the check at
 * load that the function the livepatch replaces is there (not renamed,
 * not inlined, not notrace).  A kprobe is registered on it and removed at
 * once.  Without CONFIG_KPROBES nothing can be checked: 0, and
 * klp_enable_patch() reports what it cannot find.
 * Returns 0, or the negative errno of register_kprobe().
 */
static inline int blkseek_kernel_has_function(const char *name)
{
#ifdef CONFIG_KPROBES
	struct kprobe kp = { .symbol_name = name };
	int err = register_kprobe(&kp);

	if (!err)
		unregister_kprobe(&kp);
	return err;
#else
	return 0;
#endif
}

#endif /* BLKSEEK_COMPAT_H */
