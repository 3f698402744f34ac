// SPDX-License-Identifier: GPL-2.0
/*
 * blkseek-stack: telling the module a thin volume (dm-thin), in the order
 * Documentation/blkseek.rst, "Thin volumes (dm-thin)", proves safe:
 *   1. (the caller) the stack generation, then the volume's table: one
 *      "thin" target over the whole device, no external origin; here the
 *      pool's table and status: read-write, no needs_check, no held root;
 *   2. arm the module's write tracker (BLKSEEK_IOC_THIN_ARM);
 *   3. drain: suspend (flushing) and resume the volume; give up if it is
 *      suspended already or has an inactive table (LVM is changing it);
 *   4. reserve_metadata_snap on the pool (it commits first), thin_dump
 *      --metadata-snap --dev-id of the pool's metadata device, and
 *      release_metadata_snap;
 *   5. set the mapped ranges with the cookie and the generation
 *      (BLKSEEK_IOC_THIN_SET); EAGAIN: the caller starts again.
 * One tell per pool at a time: an exclusive flock on
 * /run/blkseek/thin-pool-MAJ:MIN.lock (a pool holds one metadata snapshot).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dm-ioctl.h>
#include <linux/fs.h>

#include "thin-tell.h"

#define LOCK_DIR	"/run/blkseek"
/* LVM's file locks (lvm.conf global/locking_dir's default) */
#define LVM_LOCK_DIR	"/run/lock/lvm"

/* The value of attribute @name in the XML element at @line, or NULL. */
static const char *attr(const char *line, const char *name, char *buf,
			size_t len)
{
	size_t nl = strlen(name);
	const char *p = line, *e;

	while ((p = strstr(p, name))) {
		if ((p == line || p[-1] == ' ' || p[-1] == '\t') &&
		    p[nl] == '=' && p[nl + 1] == '"') {
			p += nl + 2;
			e = strchr(p, '"');
			if (!e || (size_t)(e - p) >= len)
				return NULL;
			memcpy(buf, p, e - p);
			buf[e - p] = 0;
			return buf;
		}
		p += nl;
	}
	return NULL;
}

/* Attribute @name as an unsigned number into *@v: 0 or -1. */
static int attr_u64(const char *line, const char *name, uint64_t *v)
{
	char buf[32], *end;

	if (!attr(line, name, buf, sizeof(buf)) || !buf[0] || buf[0] == '-')
		return -1;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	return errno || *end ? -1 : 0;
}

/**
 * thin_dump_parse() - the mapped thin blocks of one device in thin_dump XML
 * @f: thin_dump's output (--metadata-snap --dev-id @dev_id)
 * @dev_id: the thin device id
 * @block_sectors: the pool's data block size, as its table says
 * @nr_blocks: thin blocks of the volume; a mapping past it is an error
 * @out: malloc'd extents, sorted, adjacent ones joined
 * @n: entries in @out
 *
 * Refuses (-1, EINVAL) anything it does not fully understand: another
 * block size, not exactly one device of @dev_id, shared subtrees (<def>,
 * <ref>) of newer thin_dump versions, unsorted or overlapping mappings,
 * an unknown element.
 *
 * Return: 0 or -1 with errno set.
 */
int thin_dump_parse(FILE *f, uint64_t dev_id, uint32_t block_sectors,
		    uint64_t nr_blocks, struct blkseek_thin_extent **out,
		    uint32_t *n)
{
	struct blkseek_thin_extent *e = NULL, *ne;
	uint64_t v, begin, len, end = 0;
	uint32_t cap = 0, cnt = 0;
	int devices = 0, in_dev = 0, sb = 0;
	char line[1024];

	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");

		if (!strchr(line, '\n') && !feof(f))
			goto bad;	/* a line too long to be ours */
		if (!*p || *p == '\n')
			continue;
		if (!strncmp(p, "<superblock ", 12)) {
			if (sb++ || attr_u64(p, "data_block_size", &v) ||
			    v != block_sectors)
				goto bad;
		} else if (!strncmp(p, "</superblock>", 13)) {
			if (!sb || in_dev)
				goto bad;
		} else if (!strncmp(p, "<device ", 8)) {
			if (!sb || in_dev || devices++ ||
			    attr_u64(p, "dev_id", &v) || v != dev_id)
				goto bad;
			in_dev = 1;
		} else if (!strncmp(p, "</device>", 9)) {
			if (!in_dev)
				goto bad;
			in_dev = 0;
		} else if (!strncmp(p, "<range_mapping ", 15) ||
			   !strncmp(p, "<single_mapping ", 16)) {
			if (!in_dev)
				goto bad;
			if (p[1] == 'r') {
				if (attr_u64(p, "origin_begin", &begin) ||
				    attr_u64(p, "length", &len) || !len)
					goto bad;
			} else {
				if (attr_u64(p, "origin_block", &begin))
					goto bad;
				len = 1;
			}
			if (begin < end || begin >= nr_blocks ||
			    len > nr_blocks - begin)
				goto bad;
			if (cnt && e[cnt - 1].start + e[cnt - 1].count == begin) {
				e[cnt - 1].count += len;
			} else {
				if (cnt == BLKSEEK_THIN_MAX_RANGES) {
					errno = E2BIG;
					goto fail;
				}
				if (cnt == cap) {
					cap = cap ? cap * 2 : 1024;
					ne = realloc(e, cap * sizeof(*e));
					if (!ne)
						goto fail;
					e = ne;
				}
				e[cnt].start = begin;
				e[cnt].count = len;
				cnt++;
			}
			end = begin + len;
		} else {
			goto bad;	/* <def>, <ref>, anything else */
		}
	}
	if (ferror(f) || !sb || in_dev || devices != 1)
		goto bad;
	*out = e;
	*n = cnt;
	return 0;
bad:
	errno = EINVAL;
fail:
	free(e);
	return -1;
}

/**
 * dm_ioctl_init() - the header of a dm ioctl on device MAJ:MIN
 * @dmi: the buffer, zeroed, of @size bytes
 * @size: its size
 * @maj: the device's major
 * @min: its minor
 * @flags: DM_*_FLAG
 */
void dm_ioctl_init(struct dm_ioctl *dmi, size_t size, unsigned int maj,
		   unsigned int min, unsigned int flags)
{
	dmi->version[0] = DM_VERSION_MAJOR;
	dmi->data_size = size;
	dmi->data_start = sizeof(*dmi);
	dmi->dev = ((uint64_t)maj << 8) | (min & 0xff) |
		   ((uint64_t)(min & ~0xffu) << 12);
	dmi->flags = flags;
}

/* A dm ioctl on device MAJ:MIN: the reply (malloc'd) or NULL. */
static struct dm_ioctl *dm_call(unsigned long cmd, unsigned int maj,
				unsigned int min, unsigned int flags,
				const char *msg)
{
	size_t size = 16 << 10;
	struct dm_ioctl *dmi;
	int ctl, r, e;

	ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return NULL;
	dmi = calloc(1, size);
	if (!dmi) {
		close(ctl);
		return NULL;
	}
	dm_ioctl_init(dmi, size, maj, min, flags);
	if (msg) {
		struct dm_target_msg *m = (void *)((char *)dmi + dmi->data_start);

		m->sector = 0;
		snprintf(m->message, size - sizeof(*dmi) - sizeof(*m), "%s", msg);
	}
	r = ioctl(ctl, cmd, dmi);
	e = errno;
	close(ctl);
	if (r < 0 || (dmi->flags & DM_BUFFER_FULL_FLAG)) {
		free(dmi);
		errno = r < 0 ? e : ENOSPC;
		return NULL;
	}
	return dmi;
}

/**
 * dm_one_target() - the params of a dm device's single target
 * @maj: the device's major
 * @min: its minor
 * @status: nonzero: the target's status line, else its table line
 * @type: the target type it must be ("thin", "thin-pool")
 * @params: the params, on success
 * @len: @params' size
 *
 * Return: 0; -1 with errno set when the device cannot be read, has more
 * or fewer targets than one, or one of another type.
 */
int dm_one_target(unsigned int maj, unsigned int min, int status,
		  const char *type, char *params, size_t len)
{
	struct dm_ioctl *dmi = dm_call(DM_TABLE_STATUS, maj, min,
				       status ? 0 : DM_STATUS_TABLE_FLAG, NULL);
	struct dm_target_spec *t;
	int ret = -1;

	if (!dmi)
		return -1;
	t = (void *)((char *)dmi + dmi->data_start);
	if (dmi->target_count == 1 && !strcmp(t->target_type, type) &&
	    strlen((char *)(t + 1)) < len) {
		strcpy(params, (char *)(t + 1));
		ret = 0;
	}
	free(dmi);
	if (ret)
		errno = EINVAL;
	return ret;
}

/* The pool's status allows a snapshot: read-write, no check, no held root. */
static int pool_ok(const char *status)
{
	char held[64], mode[32];
	unsigned long long tid;

	if (sscanf(status, "%llu %*s %*s %63s %31s", &tid, held, mode) != 3)
		return 0;
	return !strcmp(held, "-") && !strcmp(mode, "rw") &&
	       !strstr(status, "needs_check");
}

/**
 * devno_path() - the device node of block device MAJ:MIN, by its sysfs
 * DEVNAME (devtmpfs has it)
 * @maj: its major
 * @min: its minor
 * @dev: "/dev/NAME"
 * @len: @dev's size
 *
 * Return: 0, or -1 when sysfs has no such device.
 */
int devno_path(unsigned int maj, unsigned int min, char *dev, size_t len)
{
	char path[64], line[256];
	int ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", maj, min);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (ret && fgets(line, sizeof(line), f))
		if (!strncmp(line, "DEVNAME=", 8)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(dev, len, "/dev/%s", line + 8);
			ret = 0;
		}
	fclose(f);
	return ret;
}

/* Run thin_dump of the snapshot and parse it. */
static int dump_snapshot(unsigned int mmaj, unsigned int mmin, uint64_t dev_id,
			 uint32_t block_sectors, uint64_t nr_blocks,
			 struct blkseek_thin_extent **e, uint32_t *n)
{
	char meta[300], id[32];
	int pfd[2], status, ret, e2;
	pid_t pid;
	FILE *f;

	if (devno_path(mmaj, mmin, meta, sizeof(meta)))
		return -1;
	snprintf(id, sizeof(id), "%" PRIu64, dev_id);
	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (!pid) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		/* udev's RUN may have a PATH without the sbin directories */
		execlp("thin_dump", "thin_dump", "--metadata-snap", "--dev-id",
		       id, meta, (char *)NULL);
		execl("/usr/sbin/thin_dump", "thin_dump", "--metadata-snap",
		      "--dev-id", id, meta, (char *)NULL);
		fprintf(stderr, "blkseek-stack: thin_dump: %s\n", strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	if (!f) {
		close(pfd[0]);
		waitpid(pid, &status, 0);
		return -1;
	}
	ret = thin_dump_parse(f, dev_id, block_sectors, nr_blocks, e, n);
	e2 = errno;
	/* read to the end so that thin_dump is not killed by SIGPIPE */
	while (fgetc(f) != EOF)
		;
	fclose(f);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		if (!ret)
			free(*e);
		errno = EIO;
		return -1;
	}
	errno = e2;
	return ret;
}

/* Whether the volume @fd answers now: its thin mapping set, not stale. */
static int answers(int ctl, int fd)
{
	struct blkseek_query q = { .size = sizeof(q), .fd = fd };

	return !ioctl(ctl, BLKSEEK_IOC_QUERY, &q) &&
	       (q.device_flags & BLKSEEK_DEV_ANSWERS);
}

/* Lock the pool MAJ:MIN against other tells: the lock's fd or -1. */
static int pool_lock(unsigned int maj, unsigned int min)
{
	char path[128];
	int fd;

	mkdir(LOCK_DIR, 0700);
	snprintf(path, sizeof(path), LOCK_DIR "/thin-pool-%u:%u.lock", maj, min);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX)) {
		close(fd);
		return -1;
	}
	return fd;
}

/**
 * lvm_vg_name() - the volume group of an LVM volume from its dm name
 * @dm_name: "VG-LV", a '-' in either name doubled ("my--vg-lv")
 * @vg: the group's name ("my-vg")
 * @len: @vg's size
 *
 * Return: 0, or -1 when @dm_name is not a non-empty group name, a single
 * '-' and a non-empty volume name, or the group's name does not fit.
 */
int lvm_vg_name(const char *dm_name, char *vg, size_t len)
{
	size_t n = 0;
	const char *p;

	for (p = dm_name; *p; p++) {
		if (*p == '-') {
			if (p[1] != '-') {
				vg[n] = 0;
				return n && p[1] ? 0 : -1;
			}
			p++;
		}
		if (n + 1 >= len)
			return -1;
		vg[n++] = *p;
	}
	return -1;
}

/*
 * LVM's own lock on the volume group of dm MAJ:MIN, taken exclusively as
 * an LVM command that changes it does (flock on LOCK_DIR/V_VG, the file
 * on disk still the one locked, since LVM unlinks it at unlock), so that
 * no LVM command loads a table between the drain's check and its resume.
 * @wait: seconds to wait for it; 0 fails at once with EBUSY (LVM holds it
 * while it waits for udev, so a udev RUN must not wait).
 * Return: the lock's fd; -2 for a volume LVM does not manage (no lock
 * needed); -1 with errno (EBUSY: held by LVM).
 */
static int lvm_vg_lock(unsigned int maj, unsigned int min, unsigned int wait)
{
	const char *dir = getenv("BLKSEEK_LVM_LOCK_DIR") ?: LVM_LOCK_DIR;
	char vg[DM_NAME_LEN], path[DM_NAME_LEN + 64];
	struct stat a, b;
	struct dm_ioctl *dmi;
	unsigned int tries;
	int fd, lvm;

	dmi = dm_call(DM_DEV_STATUS, maj, min, 0, NULL);
	if (!dmi)
		return -1;
	lvm = !strncmp(dmi->uuid, "LVM-", 4) &&
	      !lvm_vg_name(dmi->name, vg, sizeof(vg));
	free(dmi);
	if (!lvm)
		return -2;
	snprintf(path, sizeof(path), "%s/V_%s", dir, vg);
	for (tries = 0; ; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return -1;
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			close(fd);
			if (errno != EWOULDBLOCK)
				return -1;
			if (tries >= wait * 10) {
				errno = EBUSY;
				return -1;
			}
			usleep(100000);
			continue;
		}
		if (!stat(path, &a) && !fstat(fd, &b) && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			return fd;
		close(fd);	/* unlinked by LVM meanwhile: again */
	}
}

/* The kernel's last uevent number, 0 if unreadable. */
static unsigned long long uevent_seqnum(void)
{
	unsigned long long n = 0;
	FILE *f = fopen("/sys/kernel/uevent_seqnum", "re");

	if (f) {
		if (fscanf(f, "%llu", &n) != 1)
			n = 0;
		fclose(f);
	}
	return n;
}

/*
 * The uevents of the drain's resume of MAJ:MIN: numbered after @before
 * and up to @after, noted in LOCK_DIR/thin-MAJ:MIN.resume (under the
 * pool's lock) for own_resume().
 */
static void note_resume(unsigned int maj, unsigned int min,
			unsigned long long before, unsigned long long after)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), LOCK_DIR "/thin-%u:%u.resume", maj, min);
	f = fopen(path, "we");
	if (f) {
		fprintf(f, "%llu %llu\n", before, after);
		fclose(f);
	}
}

/*
 * Run by udev: is the uevent (SEQNUM) one of a tell's own resume of
 * MAJ:MIN?  Called under the pool's lock, which a tell holds from before
 * its resume until note_resume(), so the note is complete.  Telling on
 * that event would loop (each tell's resume sends another), also when a
 * tell fails after its drain.
 */
static int own_resume(unsigned int maj, unsigned int min)
{
	const char *seq = getenv("SEQNUM");
	unsigned long long n, before, after;
	char path[128];
	FILE *f;
	int own = 0;

	if (!seq || sscanf(seq, "%llu", &n) != 1)
		return 0;
	snprintf(path, sizeof(path), LOCK_DIR "/thin-%u:%u.resume", maj, min);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &before, &after) == 2)
		own = n > before && n <= after;
	fclose(f);
	return own;
}

/**
 * thin_tell() - steps 1 (the pool's part) to 5 for one thin volume
 * @ctl: /dev/blkseek
 * @fd: the thin volume, open for reading
 * @maj: its major
 * @min: its minor
 * @params: its one "thin" target's table params
 * @tstart: the target's first sector (0, else EOPNOTSUPP)
 * @tlen: the target's sectors (the whole volume, else EOPNOTSUPP)
 * @generation: the stack generation read before its table
 * @lvm_wait: seconds to wait for LVM's lock on the volume group
 * @verbose: print what was set
 *
 * Return: 0, or -1 with errno: EAGAIN to start again from the generation;
 * EBUSY when the volume is being changed by someone else (LVM holds its
 * volume group, it is suspended, it has an inactive table); EOPNOTSUPP
 * for a volume or pool not answered (an external origin, a pool not
 * read-write, needs_check, a held root).
 */
int thin_tell(int ctl, int fd, unsigned int maj, unsigned int min,
	      const char *params, uint64_t tstart, uint64_t tlen,
	      uint64_t generation, unsigned int lvm_wait, int verbose)
{
	unsigned int pmaj, pmin, mmaj, mmin, dmaj, dmin;
	struct blkseek_thin_arm arm = { .size = sizeof(arm), .fd = fd };
	struct blkseek_thin_map map = { .size = sizeof(map), .fd = fd };
	struct blkseek_thin_extent *ext = NULL;
	char pool[1024], extra[8];
	unsigned long long dev_id, bs;
	struct dm_ioctl *dmi;
	uint64_t bytes, nr_blocks;
	uint32_t n = 0;
	int lock, vg_lock = -1, ret = -1, e, snap = 0;
	unsigned long long seq;

	/* "POOL_MAJ:MIN DEV_ID" and nothing more: no external origin */
	if (sscanf(params, "%u:%u %llu %7s", &pmaj, &pmin, &dev_id, extra) != 3) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if (ioctl(fd, BLKGETSIZE64, &bytes) < 0)
		return -1;
	if (tstart || tlen != bytes / 512 || bytes % 512) {
		errno = EOPNOTSUPP;
		return -1;
	}
	/* the pool's table: "META_MAJ:MIN DATA_MAJ:MIN BLOCK_SECTORS ..." */
	if (dm_one_target(pmaj, pmin, 0, "thin-pool", pool, sizeof(pool)) ||
	    sscanf(pool, "%u:%u %u:%u %llu", &mmaj, &mmin, &dmaj, &dmin,
		   &bs) != 5 || !bs || bs > UINT32_MAX) {
		errno = EOPNOTSUPP;
		return -1;
	}
	nr_blocks = (bytes / 512 + bs - 1) / bs;
	/*
	 * Run by udev: the event of a tell's own drain is not told again.
	 * The pool's lock, held by that tell until it noted its resume, is
	 * taken for the check alone: LVM's lock comes first below.
	 */
	if (getenv("ACTION")) {
		lock = pool_lock(pmaj, pmin);
		if (lock < 0)
			return -1;
		e = own_resume(maj, min);
		close(lock);
		if (e)
			return 0;
	}
	/*
	 * LVM's lock first, then ours: a tell that waits for LVM holds no
	 * lock of ours that a udev RUN (which LVM waits for) could wait on.
	 */
	vg_lock = lvm_vg_lock(maj, min, lvm_wait);
	if (vg_lock == -1)
		return -1;
	lock = pool_lock(pmaj, pmin);
	if (lock < 0) {
		e = errno;
		if (vg_lock >= 0)
			close(vg_lock);
		errno = e;
		return -1;
	}
	/*
	 * Run by udev (ACTION set, also in a tell deferred from udev): a
	 * volume that answers is not told again.
	 * The drain's own resume sends a change event; telling again on it
	 * would loop.  A table swap marks the mapping stale, so a change that
	 * matters is told.  Run by hand, it is told afresh (discards become
	 * holes).
	 */
	if (getenv("ACTION") && answers(ctl, fd)) {
		ret = 0;
		goto out;
	}
	if (dm_one_target(pmaj, pmin, 1, "thin-pool", pool, sizeof(pool)) ||
	    !pool_ok(pool)) {
		errno = EOPNOTSUPP;
		goto out;
	}
	/* 2. arm */
	arm.block_sectors = bs;
	if (ioctl(ctl, BLKSEEK_IOC_THIN_ARM, &arm) < 0)
		goto out;
	/* 3. drain, unless someone else is changing the volume */
	dmi = dm_call(DM_DEV_STATUS, maj, min, 0, NULL);
	if (!dmi)
		goto out;
	e = dmi->flags & (DM_SUSPEND_FLAG | DM_INACTIVE_PRESENT_FLAG);
	free(dmi);
	if (e) {
		errno = EBUSY;
		goto out;
	}
	/*
	 * BLKSEEK_THIN_NO_DRAIN=1 is for blkseek_thin.sh alone: it shows
	 * that a write in flight at the arm is missed without the drain.
	 */
	if (!getenv("BLKSEEK_THIN_NO_DRAIN")) {
		dmi = dm_call(DM_DEV_SUSPEND, maj, min, DM_SUSPEND_FLAG, NULL);
		if (!dmi)
			goto out;
		free(dmi);
		/* resume: the one table (an inactive one would be swapped in) */
		seq = uevent_seqnum();
		dmi = dm_call(DM_DEV_SUSPEND, maj, min, 0, NULL);
		note_resume(maj, min, seq, uevent_seqnum());
		if (!dmi)
			goto out;
		free(dmi);
	}
	/* 4. snapshot (committed first), dump, release */
	dmi = dm_call(DM_TARGET_MSG, pmaj, pmin, 0, "reserve_metadata_snap");
	if (!dmi) {
		if (errno == EINVAL || errno == EOPNOTSUPP || errno == EPERM)
			errno = EOPNOTSUPP;
		goto out;
	}
	free(dmi);
	snap = 1;
	ret = dump_snapshot(mmaj, mmin, dev_id, bs, nr_blocks, &ext, &n);
	if (ret)
		goto out;
	ret = -1;
	/* 5. set */
	map.generation = generation;
	map.cookie = arm.cookie;
	map.nr_extents = n;
	map.extents = (uintptr_t)ext;
	ret = ioctl(ctl, BLKSEEK_IOC_THIN_SET, &map);
	if (!ret && verbose)
		printf("thin %u:%u: dev_id %llu, %u mapped extents of %llu-sector blocks\n",
		       maj, min, dev_id, n, bs);
out:
	e = errno;
	if (snap) {
		dmi = dm_call(DM_TARGET_MSG, pmaj, pmin, 0, "release_metadata_snap");
		free(dmi);
	}
	free(ext);
	if (vg_lock >= 0)
		close(vg_lock);
	close(lock);
	errno = e;
	return ret;
}
