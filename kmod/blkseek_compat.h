/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences between the lines blkseek supports (6.1, 6.12,
 * 7.2, 7.3).  Every version difference of the module lives in this file.
 * The BLKSEEK_HAVE_* macros come from feature probes of the kernel headers
 * in Kbuild; a kernel lacking what blkseek cannot do without fails to
 * build here, with an error naming what is missing, rather than building
 * a module that loads and misbehaves.
 */
#ifndef BLKSEEK_COMPAT_H
#define BLKSEEK_COMPAT_H

#include <linux/dma-direction.h>
#include <linux/kprobes.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_eh.h>

#ifndef CONFIG_LIVEPATCH
#error "blkseek: the kernel has no CONFIG_LIVEPATCH (blkseek is a livepatch of blkdev_llseek)"
#endif
#ifndef CONFIG_TRACEPOINTS
#error "blkseek: the kernel has no CONFIG_TRACEPOINTS (the reply cache watches SCSI dispatch)"
#endif
#ifndef BLKSEEK_HAVE_KLP_ENABLE_PATCH
#error "blkseek: the kernel headers have no klp_enable_patch() (include/linux/livepatch.h)"
#endif
#if !defined(BLKSEEK_HAVE_SCSI_EXECUTE_CMD) && !defined(BLKSEEK_HAVE_SCSI_EXECUTE_REQ)
#error "blkseek: the kernel has neither scsi_execute_cmd() nor scsi_execute_req()"
#endif
#ifndef BLKSEEK_HAVE_SCSI_DEVICE_BUSY
#error "blkseek: the kernel has no scsi_device_busy() (the reply cache needs it)"
#endif
#ifndef BLKSEEK_HAVE_FIXED_SIZE_LLSEEK
#error "blkseek: the kernel has no fixed_size_llseek() (the body of blkdev_llseek it keeps)"
#endif
#ifndef BLKSEEK_HAVE_BD_START_SECT
#error "blkseek: struct block_device has no bd_start_sect (a partition's offset)"
#endif
#ifndef BLKSEEK_HAVE_FILEMAP_RANGE_NEEDS_WRITEBACK
#error "blkseek: the kernel has no filemap_range_needs_writeback() (dirty pages are data)"
#endif

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
