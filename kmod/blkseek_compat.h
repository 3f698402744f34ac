/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences between the lines blkseek supports (6.1, 6.12).
 * Every version difference of the module lives in this file.  The
 * BLKSEEK_HAVE_* macros come from feature probes of the kernel headers in
 * Kbuild.
 */
#ifndef BLKSEEK_COMPAT_H
#define BLKSEEK_COMPAT_H

#include <linux/dma-direction.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_eh.h>

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

#endif /* BLKSEEK_COMPAT_H */
