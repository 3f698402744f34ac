/* GET LBA STATUS(16), SBC-4 5.7: the reply's header and descriptors */
#define SBC_GLS_HDR_LEN		8
#define SBC_GLS_DESC_LEN	16
/* Provisioning status, byte 12 bits 3:0 of an LBA status descriptor */
#define SBC_GLS_MAPPED		0
#define SBC_GLS_DEALLOCATED	1

/*
 * The first byte in [@pos, @end) of the backstore that is data or in a hole
 * (@whence), or @end.  A failure, or an answer outside the range, is data:
 * a block is reported deallocated only where the backstore said it reads
 * zeroes.
 */
static loff_t sbc_gls_seek(struct se_cmd *cmd, struct exec_cmd_ops *ops,
			   loff_t pos, loff_t end, int whence)
{
	loff_t ret = ops->seek_hole_data(cmd, pos, end, whence);

	if (ret < pos || ret > end)
		return whence == SEEK_DATA ? pos : end;
	return ret;
}

/*
 * Fill up to @max LBA status descriptors at @desc from block @lba of a
 * backstore of @nr_blocks blocks of (1 << @shift) bytes; return how many.
 * A block is deallocated when all of it lies in a hole of the backstore,
 * and mapped when any byte of it is data.  Descriptors are maximal but
 * for the 32-bit block count; the last one may end before @nr_blocks.
 */
static unsigned int sbc_gls_fill(struct se_cmd *cmd, struct exec_cmd_ops *ops,
				 u64 lba, u64 nr_blocks, unsigned int shift,
				 unsigned char *desc, unsigned int max)
{
	loff_t end = (loff_t)nr_blocks << shift;
	unsigned int n = 0;
	unsigned char *d;
	u64 next, count;
	u8 status;
	loff_t at;

	while (lba < nr_blocks) {
		at = sbc_gls_seek(cmd, ops, (loff_t)lba << shift, end,
				  SEEK_DATA);
		/* the blocks that end before the data are deallocated */
		next = (u64)at >> shift;
		status = SBC_GLS_DEALLOCATED;
		if (next <= lba) {
			at = sbc_gls_seek(cmd, ops, (loff_t)lba << shift, end,
					  SEEK_HOLE);
			/* any block holding data is mapped */
			next = max(((u64)at + (1U << shift) - 1) >> shift,
				   lba + 1);
			status = SBC_GLS_MAPPED;
		}
		next = min(next, nr_blocks);
		/* a hole shorter than a block splits no mapped run */
		d = n ? desc + (n - 1) * SBC_GLS_DESC_LEN : NULL;
		if (d && (d[12] & 0xf) == status &&
		    get_unaligned_be64(&d[0]) + get_unaligned_be32(&d[8]) == lba &&
		    get_unaligned_be32(&d[8]) + (next - lba) <= U32_MAX) {
			put_unaligned_be32(get_unaligned_be32(&d[8]) + (next - lba),
					   &d[8]);
			lba = next;
			continue;
		}
		if (n == max)
			break;
		count = min_t(u64, next - lba, U32_MAX);
		d = desc + n++ * SBC_GLS_DESC_LEN;
		put_unaligned_be64(lba, &d[0]);
		put_unaligned_be32(count, &d[8]);
		d[12] = status;
		lba += count;
	}
	return n;
}

/*
 * GET LBA STATUS from the backstore's SEEK_DATA/SEEK_HOLE: as many
 * descriptors from the starting LBA as the allocation length holds, at
 * least one (the reply is then cut to the allocation length).
 */
static sense_reason_t sbc_emulate_get_lba_status(struct se_cmd *cmd)
{
	struct exec_cmd_ops *ops = cmd->protocol_data;
	struct se_device *dev = cmd->se_dev;
	u64 lba = get_unaligned_be64(&cmd->t_task_cdb[2]);
	u64 nr_blocks = dev->transport->get_blocks(dev) + 1;
	unsigned int max = 1, n, len;
	unsigned char *buf, *rbuf;

	if (lba >= nr_blocks)
		return TCM_ADDRESS_OUT_OF_RANGE;
	if (!cmd->data_length) {
		target_complete_cmd(cmd, SAM_STAT_GOOD);
		return 0;
	}
	if (cmd->data_length >= SBC_GLS_HDR_LEN + SBC_GLS_DESC_LEN)
		max = (cmd->data_length - SBC_GLS_HDR_LEN) / SBC_GLS_DESC_LEN;
	buf = kzalloc(SBC_GLS_HDR_LEN + max * SBC_GLS_DESC_LEN, GFP_KERNEL);
	if (!buf)
		return TCM_OUT_OF_RESOURCES;

	n = sbc_gls_fill(cmd, ops, lba, nr_blocks,
			 ilog2(dev->dev_attrib.block_size),
			 buf + SBC_GLS_HDR_LEN, max);
	len = SBC_GLS_HDR_LEN + n * SBC_GLS_DESC_LEN;
	/* PARAMETER DATA LENGTH: the bytes that follow the field */
	put_unaligned_be32(len - 4, &buf[0]);

	rbuf = transport_kmap_data_sg(cmd);
	if (rbuf) {
		memcpy(rbuf, buf, min_t(u32, len, cmd->data_length));
		transport_kunmap_data_sg(cmd);
	}
	kfree(buf);
	target_complete_cmd_with_length(cmd, SAM_STAT_GOOD, len);
	return 0;
}
