/*
 * GET LBA STATUS: the file's own SEEK_DATA/SEEK_HOLE (a block device's,
 * for a fileio LUN over one).  The LUN's bytes are the file's from 0 on;
 * past the file's last data, and past its end, reads return zeroes.
 */
static loff_t fd_seek_hole_data(struct se_cmd *cmd, loff_t pos, loff_t end,
				int whence)
{
	struct fd_dev *fd_dev = FD_DEV(cmd->se_dev);
	loff_t ret = vfs_llseek(fd_dev->fd_file, pos, whence);

	if (ret == -ENXIO && whence == SEEK_DATA)
		return end;
	return ret < 0 ? ret : min(ret, end);
}
