// SPDX-License-Identifier: GPL-2.0
/*
 * GET LBA STATUS(16) and READ CAPACITY(16): CDBs and reply parsing.
 *
 * Pure code: compiled into blkseek.ko and, unchanged, into the host unit
 * tests and fuzz targets.  Every byte read is bounds-checked against the
 * number of bytes the device actually returned.
 */
#include <linux/errno.h>
#include <linux/types.h>
#include <scsi/scsi_proto.h>

/* <>: the host build's include/ has its own stand-in (the unaligned helpers) */
#include <blkseek_compat.h>

#include "blkseek_gls.h"

static void cdb_clear(u8 *cdb)
{
	unsigned int i;

	for (i = 0; i < BLKSEEK_CDB_LEN; i++)
		cdb[i] = 0;
}

static void sai_cdb(u8 *cdb, u8 service_action, u32 alloc_len)
{
	cdb_clear(cdb);
	cdb[0] = SERVICE_ACTION_IN_16;
	cdb[1] = service_action;
	put_unaligned_be32(alloc_len, cdb + 10);
}

/**
 * blkseek_gls_cdb() - build a GET LBA STATUS(16) CDB
 * @cdb: BLKSEEK_CDB_LEN bytes to fill
 * @lba: starting logical block address
 * @alloc_len: allocation length of the reply buffer, in bytes
 *
 * The report type (byte 14) is 0: report every provisioning status.
 */
void blkseek_gls_cdb(u8 *cdb, u64 lba, u32 alloc_len)
{
	sai_cdb(cdb, SAI_GET_LBA_STATUS, alloc_len);
	put_unaligned_be64(lba, cdb + 2);
}

/**
 * blkseek_rc16_cdb() - build a READ CAPACITY(16) CDB
 * @cdb: BLKSEEK_CDB_LEN bytes to fill
 * @alloc_len: allocation length of the reply buffer, in bytes
 */
void blkseek_rc16_cdb(u8 *cdb, u32 alloc_len)
{
	sai_cdb(cdb, SAI_READ_CAPACITY_16, alloc_len);
}

static enum blkseek_state gls_state(u8 status)
{
	switch (status & 0x0f) {
	case 1:
		return BLKSEEK_DEALLOCATED;
	case 2:
		return BLKSEEK_ANCHORED;
	default:
		/* 0 mapped or unknown, 3 mapped, 4 unknown, reserved values */
		return BLKSEEK_MAPPED;
	}
}

/**
 * blkseek_gls_parse() - turn a GET LBA STATUS reply into runs from @lba on
 * @buf: reply bytes
 * @len: number of bytes the device returned (never read past it)
 * @lba: the starting LBA that was asked
 * @runs: output array
 * @max_runs: capacity of @runs, at least 1
 *
 * The first descriptor must cover @lba (it may start before it); it becomes
 * a run starting exactly at @lba.  Following descriptors are used while they
 * are contiguous and non-empty; adjacent descriptors with the same state are
 * merged.  Descriptors past the parameter data length, past @len or only
 * partly inside them are ignored: a truncated reply just describes less.
 * A run that would end past 2^64 - 1 is cut there and ends the list.
 *
 * Return: the number of runs written (at least 1), or -EIO when the reply
 * does not describe @lba: too short, empty, zero-length or non-covering
 * first descriptor.  The caller then treats the blocks as data.
 */
int blkseek_gls_parse(const u8 *buf, size_t len, u64 lba,
		      struct blkseek_run *runs, unsigned int max_runs)
{
	size_t avail, off;
	u64 next = lba;
	int n = 0;

	if (!max_runs || len < BLKSEEK_GLS_HDR_LEN)
		return -EIO;
	/* Parameter data length counts the bytes after itself. */
	avail = (size_t)get_unaligned_be32(buf) + 4;
	if (avail > len)
		avail = len;

	for (off = BLKSEEK_GLS_HDR_LEN;
	     avail >= BLKSEEK_GLS_DESC_LEN && off <= avail - BLKSEEK_GLS_DESC_LEN;
	     off += BLKSEEK_GLS_DESC_LEN) {
		const u8 *d = buf + off;
		u64 start = get_unaligned_be64(d);
		u64 count = get_unaligned_be32(d + 8);
		enum blkseek_state state = gls_state(d[12]);
		u64 end;
		bool last = false;

		if (!count)
			break;
		if (n == 0) {
			/* The first descriptor must cover the asked LBA. */
			if (start > lba || lba - start >= count)
				break;
		} else if (start != next) {
			break;
		}
		if (count > ~(u64)0 - start) {
			end = ~(u64)0;
			last = true;
		} else {
			end = start + count;
		}

		/* LBA 2^64 - 1 cannot start a run: its end does not fit */
		if (end == next)
			break;
		if (n > 0 && runs[n - 1].state == state) {
			runs[n - 1].count += end - next;
		} else if ((unsigned int)n < max_runs) {
			runs[n].lba = next;
			runs[n].count = end - next;
			runs[n].state = state;
			n++;
		} else {
			break;
		}
		next = end;
		if (last)
			break;
	}
	return n ? n : -EIO;
}

/**
 * blkseek_rc16_parse() - decode a READ CAPACITY(16) reply
 * @buf: reply bytes
 * @len: number of bytes the device returned
 * @caps: filled on success
 *
 * Return: 0, or -EIO when the reply is too short to hold the provisioning
 * bits (byte 14) or states a block length of zero.
 */
int blkseek_rc16_parse(const u8 *buf, size_t len, struct blkseek_caps *caps)
{
	if (len < 15)
		return -EIO;
	caps->last_lba = get_unaligned_be64(buf);
	caps->block_size = get_unaligned_be32(buf + 8);
	caps->lbpme = buf[14] & 0x80;
	caps->lbprz = buf[14] & 0x40;
	return caps->block_size ? 0 : -EIO;
}

/**
 * blkseek_rsoc_gls_cdb() - build REPORT SUPPORTED OPERATION CODES for GET
 *	LBA STATUS
 * @cdb: BLKSEEK_CDB_LEN bytes, filled (12 of them used)
 * @alloc_len: reply bytes allowed
 *
 * MAINTENANCE IN, reporting options 010b: one command, by opcode and
 * service action (SERVICE ACTION IN(16), GET LBA STATUS).
 */
void blkseek_rsoc_gls_cdb(u8 *cdb, u32 alloc_len)
{
	cdb_clear(cdb);
	cdb[0] = MAINTENANCE_IN;
	cdb[1] = MI_REPORT_SUPPORTED_OPERATION_CODES;
	cdb[2] = 0x02;
	cdb[3] = SERVICE_ACTION_IN_16;
	cdb[5] = SAI_GET_LBA_STATUS;
	put_unaligned_be32(alloc_len, cdb + 6);
}

/**
 * blkseek_rsoc_parse() - what a one-command REPORT SUPPORTED OPERATION
 *	CODES reply says
 * @buf: the reply
 * @len: bytes the device returned
 *
 * Byte 1 bits 2:0, SUPPORT: 001b not supported; 011b supported as the
 * standard says, 101b in a vendor-specific way; 000b (no data) and the
 * reserved values say nothing.
 *
 * Return: the support said, BLKSEEK_SUPPORT_UNKNOWN for a short reply.
 */
enum blkseek_support blkseek_rsoc_parse(const u8 *buf, size_t len)
{
	if (len < 2)
		return BLKSEEK_SUPPORT_UNKNOWN;
	switch (buf[1] & 0x07) {
	case 0x01:
		return BLKSEEK_UNSUPPORTED;
	case 0x03:
	case 0x05:
		return BLKSEEK_SUPPORTED;
	default:
		return BLKSEEK_SUPPORT_UNKNOWN;
	}
}

/**
 * blkseek_sense_refuses() - does a command's sense say the device does not
 *	implement it?
 * @sense_key: the sense key
 * @asc: the additional sense code
 *
 * ILLEGAL REQUEST with INVALID COMMAND OPERATION CODE (0x20) or INVALID
 * FIELD IN CDB (0x24, what LIO, SCST and libata say of an unknown service
 * action).  Anything else (UNIT ATTENTION, NOT READY, ABORTED COMMAND, a
 * transport error, a timeout) may pass: it is not a refusal.
 *
 * Return: true for a refusal.
 */
bool blkseek_sense_refuses(u8 sense_key, u8 asc)
{
	return sense_key == ILLEGAL_REQUEST && (asc == 0x20 || asc == 0x24);
}

/**
 * blkseek_cdb_keeps_provisioning() - can a command not change what GET LBA
 *	STATUS reports?
 * @cdb: the command descriptor block
 * @len: its length in bytes
 *
 * A short list of commands that only read: data (READ 6/10/12/16), the
 * device's description (INQUIRY, MODE SENSE, LOG SENSE, REPORT LUNS,
 * MAINTENANCE IN such as REPORT SUPPORTED OPERATION CODES), its capacity
 * and provisioning (READ CAPACITY 10, and of SERVICE ACTION IN(16) only
 * READ CAPACITY(16) and GET LBA STATUS), or its state (TEST UNIT READY,
 * REQUEST SENSE), and SYNCHRONIZE CACHE, which makes durable what earlier
 * writes changed but changes nothing itself.  Every other opcode, known or
 * not, may change provisioning state (writes, UNMAP, WRITE SAME, FORMAT
 * UNIT, SANITIZE, COMPARE AND WRITE, ATA pass-through, vendor commands).
 *
 * Return: true only for a command of that list.
 */
bool blkseek_cdb_keeps_provisioning(const u8 *cdb, unsigned int len)
{
	if (!len)
		return false;
	switch (cdb[0]) {
	case TEST_UNIT_READY:
	case REQUEST_SENSE:
	case READ_6:
	case INQUIRY:
	case MODE_SENSE:
	case READ_CAPACITY:
	case READ_10:
	case SYNCHRONIZE_CACHE:
	case LOG_SENSE:
	case MODE_SENSE_10:
	case READ_16:
	case SYNCHRONIZE_CACHE_16:
	case REPORT_LUNS:
	case MAINTENANCE_IN:	/* REPORT SUPPORTED OPERATION CODES, ... */
	case READ_12:
		return true;
	case SERVICE_ACTION_IN_16:
		return len > 1 && ((cdb[1] & 0x1f) == SAI_READ_CAPACITY_16 ||
				   (cdb[1] & 0x1f) == SAI_GET_LBA_STATUS);
	default:
		return false;
	}
}
