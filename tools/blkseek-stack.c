// SPDX-License-Identifier: GPL-2.0
/*
 * blkseek-stack: tell blkseek how dm-linear, dm-multipath and loop
 * devices map onto their lower devices, so that their SEEK_DATA,
 * SEEK_HOLE and extent queries are answered.  Run by udev on every add
 * and change of a dm or loop device (tools/packaging/udev).
 *
 *   blkseek-stack [-v] [-w SECONDS] [DEVICE...]
 *                                     (no DEVICE: every dm and loop disk)
 *   blkseek-stack --help | --version
 *
 * A DEVICE is set after the dm and loop devices below it (sysfs slaves)
 * whose mappings do not answer, and then every device whose mapping is
 * stale is set again: the kernel marks stale only the mapping of the
 * device that changed, or of every device of a kind where it cannot tell
 * which one did.  So udev passes the device of each event.
 *
 * For each device: read the generation, read the mapping (the dm table by
 * DM_TABLE_STATUS, the loop status by LOOP_GET_STATUS64), open the lower
 * devices or the backing file, and set the mapping with that generation;
 * the kernel refuses it (EAGAIN) if anything changed meanwhile, and it is
 * read again.  A thin volume (one dm-thin "thin" target) is told by
 * thin-tell.c: a write tracker armed, the volume drained, the pool's
 * metadata snapshot read with thin_dump (Documentation/blkseek.rst, "Thin
 * volumes (dm-thin)"); run by udev, one that answers already is not told
 * again.  An LVM thin volume is told holding LVM's lock on its volume
 * group, so that no LVM command changes it meanwhile; LVM holds that lock
 * while it waits for udev, so run by udev the tell is then left to a
 * process that waits for it (-w).  BLKSEEK_THIN_NO_DRAIN=1 skips the
 * drain, for blkseek_thin.sh alone (it shows what the drain prevents).
 * A device that is neither all dm-linear, one dm-multipath target, a thin
 * volume nor a loop gets its mapping cleared: the stock answer (EINVAL).
 *
 * The DEVICE arguments are checked (each a dm or loop block device) even
 * when blkseek is not loaded.
 *
 * Exit status (the tools' convention): 0, 1 when a DEVICE is missing or a
 * mapping could not be set, 2 for a usage error (an unknown option, a
 * DEVICE that is not a dm or loop device).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/blkseek_stack.h>
#include <linux/dm-ioctl.h>
#include <linux/fs.h>
#include <linux/loop.h>

#include "thin-tell.h"

#define MAX_SEGS	BLKSEEK_STACK_MAX_SEGMENTS
#define STALE_LIST	"/sys/module/blkseek/stale_mappings"
#define ATTEMPTS	200
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
/* seconds a tell deferred from udev waits for LVM's volume group lock */
#define LVM_WAIT_DEFERRED	120

static int verbose;
/* thin volumes found busy in this run (LVM's lock held), and the result */
static struct busy {
	dev_t devt;
	int ret;
} busy[16];
static unsigned int nr_busy;
static unsigned int lvm_wait;	/* -w: seconds to wait for LVM's lock */

struct mapping {
	unsigned int kind;
	unsigned int nr;
	/* a thin volume: its one target (dm_read() returned 2) */
	uint64_t thin_start, thin_len;
	char thin_params[256];
	struct blkseek_stack_segment segs[MAX_SEGS];
};

static void close_fds(struct mapping *m)
{
	unsigned int i, j;

	for (i = 0; i < m->nr; i++)
		for (j = 0; j < m->segs[i].nr_paths; j++)
			close(m->segs[i].path_fds[j]);
	m->nr = 0;
}

/* Open the block device MAJ:MIN for reading. */
static int open_devno(unsigned int maj, unsigned int min)
{
	char dev[300];

	if (devno_path(maj, min, dev, sizeof(dev)))
		return -1;
	return open(dev, O_RDONLY | O_CLOEXEC);
}

/* A new segment of @m, or NULL when full. */
static struct blkseek_stack_segment *segment_add(struct mapping *m,
						 uint64_t start, uint64_t len,
						 uint64_t lower)
{
	struct blkseek_stack_segment *s;

	if (m->nr == MAX_SEGS)
		return NULL;
	s = &m->segs[m->nr++];
	memset(s, 0, sizeof(*s));
	s->start = start;
	s->length = len;
	s->lower_offset = lower;
	return s;
}

/* Add the path MAJ:MIN to @s. */
static int path_add(struct blkseek_stack_segment *s, const char *devno)
{
	unsigned int maj, min;
	int fd;

	if (s->nr_paths == BLKSEEK_STACK_MAX_PATHS ||
	    sscanf(devno, "%u:%u", &maj, &min) != 2)
		return -1;
	fd = open_devno(maj, min);
	if (fd < 0)
		return -1;
	s->path_fds[s->nr_paths++] = fd;
	return 0;
}

/* "linear" params: "MAJ:MIN START" */
static int dm_linear(struct mapping *m, const struct dm_target_spec *t,
		     const char *params)
{
	struct blkseek_stack_segment *s;
	char devno[32];
	unsigned long long start;

	if (sscanf(params, "%31s %llu", devno, &start) != 2)
		return -1;
	s = segment_add(m, t->sector_start << 9, t->length << 9, start << 9);
	return s ? path_add(s, devno) : -1;
}

/* The next space-separated token of *@s, or NULL; *@s moves past it. */
static char *token(char **s)
{
	char *t;

	while (**s == ' ')
		(*s)++;
	if (!**s)
		return NULL;
	t = *s;
	*s += strcspn(*s, " ");
	if (**s)
		*(*s)++ = 0;
	return t;
}

/* Skip the count-prefixed group of tokens at *@s ("N a1 .. aN"): 0 or -1. */
static int skip_counted(char **s)
{
	char *n = token(s);
	unsigned long i, k;

	if (!n || sscanf(n, "%lu", &k) != 1)
		return -1;
	for (i = 0; i < k; i++)
		if (!token(s))
			return -1;
	return 0;
}

/*
 * The paths of dm-multipath, from its status line: those it has not
 * failed ("A"), the active priority group's first, then the other groups
 * in their order, disabled ones last; then those it has failed, to
 * @failed.  Written as "MAJ:MIN ..."; 0, or -1 when the status cannot be
 * parsed.
 *
 * Status: <#features> <features> <#hw args> <hw args> <#groups> <next>
 * then per group: <A|E|D> <#ps args> <ps args> <#paths> <#path args>,
 * and per path: <MAJ:MIN> <A|F> <fail count> <path args>.
 */
static int mpath_active(char *status, char *out, char *failed, size_t len)
{
	unsigned long g, ng, p, np, na, i;
	char *s = status, *tok, *state, *dev;
	/* active, enabled, disabled groups' paths; failed paths */
	char lists[4][512] = { "", "", "", "" };
	int which;

	if (skip_counted(&s) || skip_counted(&s) ||
	    !(tok = token(&s)) || sscanf(tok, "%lu", &ng) != 1 || !token(&s))
		return -1;
	for (g = 0; g < ng; g++) {
		state = token(&s);
		if (!state || skip_counted(&s) || !(tok = token(&s)) ||
		    sscanf(tok, "%lu", &np) != 1 || !(tok = token(&s)) ||
		    sscanf(tok, "%lu", &na) != 1)
			return -1;
		which = *state == 'A' ? 0 : *state == 'D' ? 2 : 1;
		for (p = 0; p < np; p++) {
			dev = token(&s);
			tok = token(&s);
			if (!dev || !tok || !token(&s))	/* fail count */
				return -1;
			for (i = 0; i < na; i++)
				if (!token(&s))
					return -1;
			i = strcmp(tok, "A") ? 3 : which;
			if (strlen(lists[i]) + strlen(dev) + 2 < sizeof(lists[0])) {
				strcat(lists[i], dev);
				strcat(lists[i], " ");
			}
		}
	}
	snprintf(out, len, "%s%s%s", lists[0], lists[1], lists[2]);
	snprintf(failed, len, "%s", lists[3]);
	return 0;
}

/*
 * "multipath": the paths dm-multipath has not failed, in the order it
 * tries them (@status, its status line), then those it has failed, which
 * blkseek never asks but checks for the LUN's identity with the others
 * (BLKSEEK_STACK_SEG_FAILED()).  With every path failed blkseek answers
 * the map as data.
 */
static int dm_multipath(struct mapping *m, const struct dm_target_spec *t,
			char *status)
{
	char active[1600], failed[1600], *p, *tok;
	struct blkseek_stack_segment *s;
	unsigned int asked;

	s = segment_add(m, t->sector_start << 9, t->length << 9, 0);
	if (!s || mpath_active(status, active, failed, sizeof(active)))
		return -1;
	for (p = active; (tok = token(&p));)
		path_add(s, tok);	/* a path that is gone is left out */
	asked = s->nr_paths;
	for (p = failed; (tok = token(&p));)
		path_add(s, tok);
	s->flags = BLKSEEK_STACK_SEG_FAILED(s->nr_paths - asked);
	return s->nr_paths ? 0 : -1;
}

/* DM_TABLE_STATUS of dm device MAJ:MIN with @flags, or NULL. */
static struct dm_ioctl *dm_status(unsigned int maj, unsigned int min,
				  unsigned int flags)
{
	size_t size = 64 << 10;
	struct dm_ioctl *dmi;
	int ctl;

	ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return NULL;
	for (;;) {
		dmi = calloc(1, size);
		if (!dmi)
			break;
		dm_ioctl_init(dmi, size, maj, min, flags);
		if (ioctl(ctl, DM_TABLE_STATUS, dmi) < 0) {
			free(dmi);
			dmi = NULL;
			break;
		}
		if (!(dmi->flags & DM_BUFFER_FULL_FLAG))
			break;
		free(dmi);
		size *= 4;
	}
	close(ctl);
	return dmi;
}

/*
 * Read the live table of dm device MAJ:MIN into @m (and a multipath
 * target's status).  Returns 1 when it can be answered, 2 for a thin
 * volume (thin-tell.c), 0 when it cannot (another target), -1 on error.
 */
static int dm_read(struct mapping *m, unsigned int maj, unsigned int min)
{
	struct dm_ioctl *dmi, *st;
	unsigned int i;
	int ret = -1;
	char *data, *p;

	dmi = dm_status(maj, min, DM_STATUS_TABLE_FLAG);
	if (!dmi)
		return -1;
	m->kind = BLKSEEK_STACK_DM;
	data = (char *)dmi + dmi->data_start;
	ret = dmi->target_count > 0 && (dmi->flags & DM_ACTIVE_PRESENT_FLAG);
	for (i = 0, p = data; ret == 1 && i < dmi->target_count; i++) {
		struct dm_target_spec *t = (struct dm_target_spec *)p;
		char *params = (char *)(t + 1);

		p = data + t->next;	/* @next is from the start of the data */
		if (!strcmp(t->target_type, "linear"))
			ret = dm_linear(m, t, params) ? -1 : 1;
		else if (!strcmp(t->target_type, "thin") &&
			 dmi->target_count == 1 &&
			 strlen(params) < sizeof(m->thin_params)) {
			strcpy(m->thin_params, params);
			m->thin_start = t->sector_start;
			m->thin_len = t->length;
			ret = 2;
		} else if (!strcmp(t->target_type, "multipath") &&
			 dmi->target_count == 1) {
			st = dm_status(maj, min, 0);
			ret = st && st->target_count == 1 &&
			      !dm_multipath(m, t, (char *)st + st->data_start +
						  sizeof(struct dm_target_spec)) ? 1 : -1;
			free(st);
		}
		else
			ret = 0;	/* transforms or drops data: not answered */
	}
	free(dmi);
	return ret;
}

/* Read the status of loop @fd into @m: 1, 0 (not bound), or -1. */
static int loop_read(struct mapping *m, int fd, const char *name)
{
	struct blkseek_stack_segment *s;
	struct loop_info64 li;
	char path[4200], file[4096];
	uint64_t size;
	struct stat st;
	ssize_t n;
	FILE *f;
	int bfd;

	m->kind = BLKSEEK_STACK_LOOP;
	if (ioctl(fd, LOOP_GET_STATUS64, &li) < 0)
		return errno == ENXIO ? 0 : -1;
	snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fgets(file, sizeof(file), f) ? (ssize_t)strcspn(file, "\n") : -1;
	fclose(f);
	if (n <= 0)
		return -1;
	file[n] = 0;
	bfd = open(file, O_RDONLY | O_CLOEXEC);
	if (bfd < 0)
		return -1;
	/* the file opened must be the one loop has (lo_device is encoded) */
	if (fstat(bfd, &st) || st.st_ino != li.lo_inode ||
	    major(st.st_dev) != ((li.lo_device >> 8) & 0xfff) ||
	    minor(st.st_dev) != ((li.lo_device & 0xff) |
				 ((li.lo_device >> 12) & 0xfff00))) {
		close(bfd);
		return -1;
	}
	/* the loop's whole size: its offset and size limit applied */
	if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
		close(bfd);
		return -1;
	}
	if (!size) {
		close(bfd);
		return 0;
	}
	s = segment_add(m, 0, size, li.lo_offset);
	s->path_fds[s->nr_paths++] = bfd;
	return 1;
}

/* Whether @name is a disk blkseek-stack sets: dm-N or loopN. */
static int stacked_name(const char *name)
{
	return !strncmp(name, "dm-", 3) ||
	       (!strncmp(name, "loop", 4) && isdigit((unsigned char)name[4]));
}

/* The kernel's name of block device @dev (dm-N, loopN) into @name. */
static int kernel_name(const char *dev, char *name, size_t len)
{
	char sys[64], link[4096];
	struct stat st;
	const char *base;
	ssize_t n;

	if (stat(dev, &st) || !S_ISBLK(st.st_mode))
		return -1;
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u",
		 major(st.st_rdev), minor(st.st_rdev));
	n = readlink(sys, link, sizeof(link) - 1);
	if (n <= 0)
		return -1;
	link[n] = 0;
	base = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	if (strlen(base) >= len)
		return -1;
	strcpy(name, base);
	return 0;
}

/*
 * Run by udev, a thin volume whose volume group LVM holds (LVM holds it
 * while it waits for udev, so waiting here would stall both): tell it
 * from a process of its own once LVM lets go, "blkseek-stack -w
 * LVM_WAIT_DEFERRED DEV", started by systemd-run where systemd runs (udev
 * kills what its RUN leaves behind), else forked into a session of its
 * own; ACTION stays set, so a volume told meanwhile is not told again
 * (the drain's resume sends a change event: no loop of tells).  0 when
 * started; -1 (errno unchanged) when not run by udev, already waiting,
 * or the process could not be started.
 */
static int defer_tell(const char *dev)
{
	char self[PATH_MAX], secs[16], unit[300], name[256] = "";
	int e = errno, status;
	ssize_t n;
	pid_t pid;

	if (!getenv("ACTION") || lvm_wait)
		return -1;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0 || kernel_name(dev, name, sizeof(name)))
		goto fail;
	self[n] = 0;
	snprintf(secs, sizeof(secs), "%d", LVM_WAIT_DEFERRED);
	if (!access("/run/systemd/system", F_OK)) {
		snprintf(unit, sizeof(unit), "blkseek-thin-%s", name);
		pid = fork();
		if (pid == 0) {
			char seq[48];

			snprintf(seq, sizeof(seq), "--setenv=SEQNUM=%s",
				 getenv("SEQNUM") ?: "");
			execlp("systemd-run", "systemd-run", "--no-block", "--quiet",
			       "--collect", "--unit", unit, "--setenv=ACTION=change",
			       seq, self, "-w", secs, dev, (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid || status)
			goto fail;
	} else {
		pid = fork();
		if (pid == 0) {
			setsid();
			if (fork() == 0) {
				/* not udev's pipes: udev waits for them to close */
				int null = open("/dev/null", O_RDWR);
				int kmsg = open("/dev/kmsg", O_WRONLY);

				dup2(null, 0);
				dup2(null, 1);
				dup2(kmsg >= 0 ? kmsg : null, 2);
				execl(self, self, "-w", secs, dev, (char *)NULL);
			}
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, NULL, 0) != pid)
			goto fail;
	}
	fprintf(stderr, "blkseek-stack: %s: LVM holds its volume group; told once LVM lets go (within %s s)\n",
		dev, secs);
	return 0;
fail:
	errno = e;
	return -1;
}

/* Set the mapping of the block device @dev; 0 or -1. */
static int sync_one(int ctl, const char *dev)
{
	static struct mapping m;
	char name[256] = "";
	struct stat st;
	int fd, attempt, ret = -1;
	unsigned int i;

	fd = open(dev, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) || !S_ISBLK(st.st_mode)) {
		fprintf(stderr, "blkseek-stack: %s: not a block device\n", dev);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* a thin volume found busy once is not tried again in this run */
	for (i = 0; i < nr_busy; i++)
		if (busy[i].devt == st.st_rdev) {
			close(fd);
			return busy[i].ret;
		}
	/* the kernel's name (dm-N, loopN), whatever @dev is called */
	kernel_name(dev, name, sizeof(name));
	for (attempt = 0; attempt < ATTEMPTS; attempt++) {
		struct blkseek_stack_gen g;
		struct blkseek_stack_map map = { .size = sizeof(map), .fd = fd };
		int r;

		if (ioctl(ctl, BLKSEEK_IOC_STACK_GEN, &g) < 0)
			break;
		if (g.changing) {
			usleep(1000);
			continue;
		}
		memset(&m, 0, sizeof(m));
		if (!strncmp(name, "loop", 4))
			r = loop_read(&m, fd, name);
		else
			r = dm_read(&m, major(st.st_rdev), minor(st.st_rdev));
		if (r < 0) {
			close_fds(&m);
			usleep(1000);	/* read while changing: again */
			continue;
		}
		if (r == 2) {
			if (!(g.armed & BLKSEEK_STACK_DM)) {
				errno = EOPNOTSUPP;
				break;
			}
			r = thin_tell(ctl, fd, major(st.st_rdev),
				      minor(st.st_rdev), m.thin_params,
				      m.thin_start, m.thin_len, g.generation,
				      lvm_wait, verbose);
			if (!r) {
				ret = 0;
				break;
			}
			if (errno == EBUSY) {
				if (!defer_tell(dev))
					ret = 0;
				else
					fprintf(stderr, "blkseek-stack: %s: busy: LVM holds its volume group, or the volume is being changed%s\n",
						dev, lvm_wait ? "" : " (-w SECONDS waits for LVM)");
				if (nr_busy < ARRAY_LEN(busy))
					busy[nr_busy++] = (struct busy){ st.st_rdev, ret };
				close(fd);
				return ret;
			}
			if (errno != EAGAIN)
				break;
			continue;
		}
		map.generation = g.generation;
		map.kind = m.kind;
		map.nr_segments = r ? m.nr : 0;
		map.segments = (uintptr_t)m.segs;
		if (!(g.armed & m.kind)) {
			errno = EOPNOTSUPP;
			close_fds(&m);
			break;
		}
		r = ioctl(ctl, BLKSEEK_IOC_STACK_SET, &map);
		close_fds(&m);
		if (!r) {
			if (verbose)
				printf("%s: %u segments\n", dev, map.nr_segments);
			ret = 0;
			break;
		}
		if (errno != EAGAIN)
			break;
	}
	if (ret)
		fprintf(stderr, "blkseek-stack: %s: %s\n", dev,
			attempt == ATTEMPTS ? "changing all the time" : strerror(errno));
	close(fd);
	return ret;
}

/* BLKSEEK_DEV_* of /dev/@name now (the extent query's device facts). */
static unsigned int device_flags(int ctl, const char *name)
{
	struct blkseek_query q = { .size = sizeof(q) };
	char dev[300];

	snprintf(dev, sizeof(dev), "/dev/%s", name);
	q.fd = open(dev, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (q.fd < 0)
		return 0;
	if (ioctl(ctl, BLKSEEK_IOC_QUERY, &q) < 0)
		q.device_flags = 0;
	close(q.fd);
	return q.device_flags;
}

/*
 * Set the dm and loop devices below @name (sysfs slaves, deepest first)
 * whose mappings do not answer: stale, or never set.  0 or -1.
 */
static int sync_below(int ctl, const char *name, unsigned int depth)
{
	char path[300], dev[300];
	struct dirent *d;
	int ret = 0;
	DIR *dir;

	if (depth > BLKSEEK_STACK_MAX_DEPTH)
		return 0;
	snprintf(path, sizeof(path), "/sys/block/%s/slaves", name);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		if (!stacked_name(d->d_name))
			continue;
		ret |= sync_below(ctl, d->d_name, depth + 1);
		if (device_flags(ctl, d->d_name) & BLKSEEK_DEV_ANSWERS)
			continue;
		snprintf(dev, sizeof(dev), "/dev/%s", d->d_name);
		ret |= sync_one(ctl, dev);
	}
	closedir(dir);
	return ret;
}

/*
 * Set every dm and loop device whose mapping is stale (set, but a change
 * the kernel could not pin to one device marked it); 0 or -1.  The module
 * lists them (/sys/module/blkseek/stale_mappings), so that telling one
 * device costs what its own stack costs, not one query per dm and loop
 * disk of the host; a module without the list has every disk asked.
 */
static int sync_stale(int ctl)
{
	unsigned int maj, min;
	struct dirent *d;
	char dev[300];
	int ret = 0;
	DIR *dir;
	FILE *f;

	f = fopen(STALE_LIST, "re");
	if (f) {
		int n;

		while ((n = fscanf(f, "%u:%u", &maj, &min)) == 2)
			if (!devno_path(maj, min, dev, sizeof(dev)))
				ret |= sync_one(ctl, dev);
		fclose(f);
		if (n == EOF)
			return ret;
		/* "all": too many to list; every disk is asked */
	}
	dir = opendir("/sys/block");
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (!stacked_name(d->d_name) ||
		    (device_flags(ctl, d->d_name) &
		     (BLKSEEK_DEV_FORWARDED | BLKSEEK_DEV_ANSWERS)) !=
		    BLKSEEK_DEV_FORWARDED)
			continue;
		snprintf(dev, sizeof(dev), "/dev/%s", d->d_name);
		ret |= sync_one(ctl, dev);
	}
	closedir(dir);
	return ret;
}

/*
 * Set @dev after the devices below it that do not answer: telling one
 * device is enough, whatever it sits on.  0 or -1.
 */
static int sync_dev(int ctl, const char *dev)
{
	char name[256];
	int ret = 0;

	if (!kernel_name(dev, name, sizeof(name)))
		ret = sync_below(ctl, name, 1);
	return sync_one(ctl, dev) | ret;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: blkseek-stack [-v] [-w SECONDS] [DEVICE...]\n"
		"       blkseek-stack --help | --version\n"
		"\n"
		"Tell blkseek how dm-linear, dm-multipath and loop devices map onto\n"
		"their lower devices, so that their SEEK_DATA/SEEK_HOLE are answered.\n"
		"With no DEVICE, every dm and loop device.  Run by udev; with blkseek\n"
		"not loaded there is nothing to tell (the DEVICEs are checked all\n"
		"the same).\n"
		"\n"
		"  -v, --verbose  print each device done and its number of segments\n"
		"  -w, --wait-lvm SECONDS\n"
		"                 wait up to SECONDS for LVM's lock on a thin volume's\n"
		"                 volume group (default: give up at once; run by udev,\n"
		"                 the tell is then left to a process that waits 120 s)\n"
		"  -h, --help     show this help\n"
		"  -V, --version  show the version\n"
		"\n"
		"Exit status: 0 every mapping set or cleared (or blkseek not loaded);\n"
		"1 failure (a DEVICE missing, a mapping not set); 2 usage error (an\n"
		"unknown option, a DEVICE that is not a dm or loop device).\n");
}

/* A DEVICE argument: a dm or loop block device.  0, or an exit status. */
static int check_device(const char *dev)
{
	char name[256] = "";
	struct stat st;

	if (stat(dev, &st)) {
		fprintf(stderr, "blkseek-stack: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	if (!S_ISBLK(st.st_mode)) {
		fprintf(stderr, "blkseek-stack: %s: not a block device (blkseek-stack takes dm and loop devices)\n",
			dev);
		return 2;
	}
	if (kernel_name(dev, name, sizeof(name)) || !stacked_name(name)) {
		fprintf(stderr, "blkseek-stack: %s: %s is not a stacked device (dm or loop): it has no mapping to tell%s\n",
			dev, name[0] ? name : "it",
			!strncmp(name, "sd", 2) ? "; blkseek answers SCSI disks and their partitions directly" : "");
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "wait-lvm", required_argument, NULL, 'w' },
		{ "help",    no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ctl, i, c, ret = 0;
	struct dirent *d;
	DIR *dir;

	while ((c = getopt_long(argc, argv, "vw:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			verbose = 1;
			break;
		case 'w': {
			char *end;
			unsigned long w;

			errno = 0;
			w = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' ||
			    !w || w > 3600) {
				fprintf(stderr, "blkseek-stack: --wait-lvm %s: not a number of seconds from 1 to 3600\n",
					optarg);
				return 2;
			}
			lvm_wait = w;
			break;
		}
		case 'h':
			usage(stdout);
			return fflush(stdout) ? 1 : 0;
		case 'V':
			printf("blkseek-stack %s\n", BLKSEEK_VERSION);
			return fflush(stdout) ? 1 : 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind - 1;
	argv += optind - 1;
	/* the arguments are checked whether or not blkseek is loaded */
	for (i = 1; i < argc; i++) {
		c = check_device(argv[i]);
		if (c > ret)
			ret = c;
	}
	if (ret)
		return ret;
	ctl = open(BLKSEEK_DEVICE, O_RDONLY | O_CLOEXEC);
	if (ctl < 0) {
		if (errno == ENOENT)
			return 0;	/* blkseek not loaded: nothing to tell */
		perror("blkseek-stack: " BLKSEEK_DEVICE);
		return 1;
	}
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			ret |= sync_dev(ctl, argv[i]);
		ret |= sync_stale(ctl);
		return ret ? 1 : 0;
	}
	dir = opendir("/sys/block");
	if (!dir)
		return 1;
	while ((d = readdir(dir))) {
		char dev[300];

		if (!stacked_name(d->d_name))
			continue;
		snprintf(dev, sizeof(dev), "/dev/%s", d->d_name);
		ret |= sync_one(ctl, dev);
	}
	closedir(dir);
	return ret ? 1 : 0;
}
