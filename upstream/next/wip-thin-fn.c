/*
 * SEEK_DATA/SEEK_HOLE from the thin device's mappings: a block the pool
 * has not provisioned for it reads zeroes, so it is a hole; a provisioned
 * one, shared with a snapshot or not, is data.  Anything the mappings
 * cannot tell for sure is data, never a hole:
 *  - a pool not in write mode (read-only, out of space or failed: its
 *    metadata may be unreadable, or reads of unprovisioned blocks may not
 *    return zeroes for long);
 *  - an external origin, which unprovisioned blocks are read from;
 *  - a failed lookup (a metadata error, or -EWOULDBLOCK) from the block
 *    it was asked about on.
 * Mappings are per pool block: the answer is a block's start, or pos or
 * end when the block holding them decides.
 */
static loff_t thin_seek_hole_data(struct dm_target *ti, loff_t pos,
				  loff_t end, int whence)
{
	struct thin_c *tc = ti->private;
	struct pool *pool = tc->pool;
	sector_t bs = pool->sectors_per_block;
	dm_block_t b, stop, thin_begin = 0, thin_end = 0, pool_begin;
	bool shared;
	loff_t at;
	int r;

	if (get_pool_mode(pool) != PM_WRITE || tc->origin_dev)
		return whence == SEEK_DATA ? pos : end;

	/* the blocks holding [pos, end) */
	b = div_u64((u64)pos >> SECTOR_SHIFT, bs);
	stop = div_u64(((u64)end - 1) >> SECTOR_SHIFT, bs) + 1;
	while (b < stop) {
		if (fatal_signal_pending(current))
			return -EINTR;
		at = max_t(loff_t, pos, (loff_t)(b * bs) << SECTOR_SHIFT);
		r = dm_thin_find_mapped_range(tc->td, b, stop, &thin_begin,
					      &thin_end, &pool_begin, &shared);
		if (r == -ENODATA)	/* nothing mapped from b on */
			return whence == SEEK_HOLE ? at : end;
		if (r || thin_begin < b || thin_end <= thin_begin)
			/* cannot tell: data from b on */
			return whence == SEEK_DATA ? at : end;
		if (whence == SEEK_DATA)
			return max_t(loff_t, pos,
				     (loff_t)(thin_begin * bs) << SECTOR_SHIFT);
		if (thin_begin > b)	/* b is unmapped */
			return at;
		b = thin_end;
		cond_resched();
	}
	return end;
}
