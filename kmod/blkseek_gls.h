/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure SCSI helpers for blkseek: CDB building and reply parsing for
 * GET LBA STATUS(16) and READ CAPACITY(16).
 *
 * Nothing here touches kernel objects: the same source compiles in
 * userspace for the unit tests and fuzz targets (tools/testing/unit), whose
 * include/ stands in for <scsi/scsi_proto.h> (the opcodes' names),
 * <linux/unaligned.h> and <blkseek_compat.h>.
 */
#ifndef BLKSEEK_GLS_H
#define BLKSEEK_GLS_H

#include <linux/types.h>

#define BLKSEEK_CDB_LEN		16
#define BLKSEEK_GLS_HDR_LEN	8
#define BLKSEEK_GLS_DESC_LEN	16
#define BLKSEEK_RC16_LEN	32
/* REPORT SUPPORTED OPERATION CODES, one command: header and CDB usage */
#define BLKSEEK_RSOC_LEN	20
/* Descriptors a 4 KiB GET LBA STATUS reply carries: (4096 - 8) / 16. */
#define BLKSEEK_REPLY_RUNS	255

/**
 * enum blkseek_state - provisioning state of a run of blocks
 * @BLKSEEK_MAPPED: mapped, unknown or a reserved status: reads may return data
 * @BLKSEEK_DEALLOCATED: deallocated (unmapped, no storage)
 * @BLKSEEK_ANCHORED: anchored (unmapped, storage reserved)
 */
enum blkseek_state {
	BLKSEEK_MAPPED = 0,
	BLKSEEK_DEALLOCATED,
	BLKSEEK_ANCHORED,
};

/**
 * struct blkseek_run - a run of blocks that share one provisioning state
 * @lba: first logical block of the run
 * @count: number of blocks, never 0
 * @state: provisioning state of every block of the run
 */
struct blkseek_run {
	u64 lba;
	u64 count;
	enum blkseek_state state;
};

/**
 * struct blkseek_caps - what READ CAPACITY(16) says about the device
 * @last_lba: highest addressable logical block
 * @block_size: logical block length in bytes
 * @lbpme: logical block provisioning management enabled
 * @lbprz: unmapped blocks read as zeroes
 */
struct blkseek_caps {
	u64 last_lba;
	u32 block_size;
	bool lbpme;
	bool lbprz;
};

/**
 * enum blkseek_support - what a device says of GET LBA STATUS
 * @BLKSEEK_SUPPORT_UNKNOWN: it did not say (ask the command itself)
 * @BLKSEEK_SUPPORTED: listed as supported
 * @BLKSEEK_UNSUPPORTED: listed as not supported, or refused with ILLEGAL
 *	REQUEST (invalid opcode or field in CDB)
 */
enum blkseek_support {
	BLKSEEK_SUPPORT_UNKNOWN = 0,
	BLKSEEK_SUPPORTED,
	BLKSEEK_UNSUPPORTED,
};

void blkseek_gls_cdb(u8 *cdb, u64 lba, u32 alloc_len);
void blkseek_rsoc_gls_cdb(u8 *cdb, u32 alloc_len);
enum blkseek_support blkseek_rsoc_parse(const u8 *buf, size_t len);
bool blkseek_sense_refuses(u8 sense_key, u8 asc);
void blkseek_rc16_cdb(u8 *cdb, u32 alloc_len);
int blkseek_gls_parse(const u8 *buf, size_t len, u64 lba,
		      struct blkseek_run *runs, unsigned int max_runs);
int blkseek_rc16_parse(const u8 *buf, size_t len, struct blkseek_caps *caps);
bool blkseek_cdb_keeps_provisioning(const u8 *cdb, unsigned int len);

#endif /* BLKSEEK_GLS_H */
