/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for the kernel's <scsi/scsi_proto.h>: the opcodes and
 * service actions the pure core names, with the kernel's names and the
 * values of SPC/SBC.
 */
#ifndef BLKSEEK_UNIT_SCSI_PROTO_H
#define BLKSEEK_UNIT_SCSI_PROTO_H

#define TEST_UNIT_READY		0x00
#define REQUEST_SENSE		0x03
#define READ_6			0x08
#define INQUIRY			0x12
#define MODE_SENSE		0x1a
#define READ_CAPACITY		0x25
#define READ_10			0x28
#define SYNCHRONIZE_CACHE	0x35
#define LOG_SENSE		0x4d
#define MODE_SENSE_10		0x5a
#define READ_16			0x88
#define SYNCHRONIZE_CACHE_16	0x91
#define SERVICE_ACTION_IN_16	0x9e
#define REPORT_LUNS		0xa0
#define MAINTENANCE_IN		0xa3
#define READ_12			0xa8

/* MAINTENANCE IN's service action */
#define MI_REPORT_SUPPORTED_OPERATION_CODES	0x0c

/* sense keys */
#define ILLEGAL_REQUEST		0x05

/* values of SERVICE ACTION IN(16)'s service action */
#define SAI_READ_CAPACITY_16	0x10
#define SAI_GET_LBA_STATUS	0x12

#endif
