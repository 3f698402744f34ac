// SPDX-License-Identifier: GPL-2.0
/*
 * map-check: blkseek-map --check DEVICE.  Says whether blkseek will report
 * holes on a device, and why not: the module's state
 * (/sys/kernel/livepatch/blkseek), and for a SCSI disk driven by sd what
 * the device itself says, asked through SG_IO (so it works before the
 * module is loaded): READ CAPACITY(16) (LBPME, LBPRZ, logical block size),
 * the Logical Block Provisioning VPD page (0xB2) and one GET LBA STATUS(16)
 * at LBA 0.  A dm or loop device has no SG_IO: its answer comes from the
 * mapping blkseek-stack sets, asked with the extent query of /dev/blkseek;
 * a thin volume (one dm "thin" target, read with DM_TABLE_STATUS) is not
 * answered through its lower devices but from its pool's mappings, as
 * blkseek-stack told them: all data until told, and after a table change.
 *
 * The rules are the module's (kmod/blkseek_ctx.c): holes only with LBPME,
 * the same logical block size, LBPRZ set in READ CAPACITY(16), and GET LBA
 * STATUS accepted.  The report ends with one line starting "verdict: ".
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/dm-ioctl.h>
#include <linux/fs.h>
#include <linux/blkseek.h>
#include <scsi/sg.h>

#include "map-check.h"
#include "thin-tell.h"

#define PROG		"blkseek-map"
#define SG_TIMEOUT_MS	20000
#define LIVEPATCH	"/sys/kernel/livepatch/blkseek"

struct sg_reply {
	int ok;			/* 1 GOOD, 0 failed, -1 SG_IO itself failed (errno) */
	int err;
	unsigned int len;	/* bytes returned */
	unsigned char sense[32];
	unsigned int sense_len;
	unsigned int status, host, driver;
};

static void sg_cmd(int fd, const unsigned char *cdb, unsigned int cdb_len,
		   unsigned char *buf, unsigned int len, struct sg_reply *r)
{
	struct sg_io_hdr io;

	memset(r, 0, sizeof(*r));
	memset(buf, 0, len);
	memset(&io, 0, sizeof(io));
	io.interface_id = 'S';
	io.dxfer_direction = SG_DXFER_FROM_DEV;
	io.cmd_len = cdb_len;
	io.cmdp = (unsigned char *)cdb;
	io.dxferp = buf;
	io.dxfer_len = len;
	io.sbp = r->sense;
	io.mx_sb_len = sizeof(r->sense);
	io.timeout = SG_TIMEOUT_MS;
	if (ioctl(fd, SG_IO, &io) < 0) {
		r->ok = -1;
		r->err = errno;
		return;
	}
	r->status = io.status;
	r->host = io.host_status;
	r->driver = io.driver_status;
	r->sense_len = io.sb_len_wr;
	r->len = len - (io.resid > 0 && (unsigned int)io.resid <= len ? (unsigned int)io.resid : 0);
	r->ok = !io.status && !io.host_status && !(io.driver_status & ~0x8 /* DRIVER_SENSE */) &&
		!(io.info & SG_INFO_CHECK);
}

static const char *sense_key_name(unsigned int key)
{
	static const char *const name[16] = {
		"NO SENSE", "RECOVERED ERROR", "NOT READY", "MEDIUM ERROR",
		"HARDWARE ERROR", "ILLEGAL REQUEST", "UNIT ATTENTION",
		"DATA PROTECT", "BLANK CHECK", "VENDOR SPECIFIC", "COPY ABORTED",
		"ABORTED COMMAND", "0xc", "VOLUME OVERFLOW", "MISCOMPARE",
		"COMPLETED",
	};

	return name[key & 15];
}

/* "SG_IO: strerror", "sense key NAME (K), ASC/ASCQ 0xAA/0xQQ" or the statuses */
static void describe_failure(const struct sg_reply *r, char *buf, size_t len)
{
	const unsigned char *s = r->sense;

	if (r->ok < 0) {
		snprintf(buf, len, "SG_IO: %s", strerror(r->err));
	} else if (r->sense_len >= 14 && (s[0] & 0x7e) == 0x70) {
		snprintf(buf, len, "sense key %s (0x%x), ASC/ASCQ 0x%02x/0x%02x",
			 sense_key_name(s[2]), s[2] & 15, s[12], s[13]);
	} else if (r->sense_len >= 4 && (s[0] & 0x7e) == 0x72) {
		snprintf(buf, len, "sense key %s (0x%x), ASC/ASCQ 0x%02x/0x%02x",
			 sense_key_name(s[1]), s[1] & 15, s[2], s[3]);
	} else {
		snprintf(buf, len, "status 0x%02x, host 0x%02x, driver 0x%02x",
			 r->status, r->host, r->driver);
	}
}

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* The first line of a sysfs file, or "" */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

/* @src into @dst of @len bytes, cut if longer */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = 0;
}

/* The kernel's name of block device @dev (sdb1, dm-0, loop3) and its whole disk's. */
static void dev_names(dev_t dev, char *name, char *whole, size_t len, bool *partition)
{
	char sys[64], link[PATH_MAX], path[PATH_MAX + 16];
	ssize_t n;
	char *p;

	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(dev), minor(dev));
	n = readlink(sys, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	p = strrchr(link, '/');
	copy_str(name, len, p ? p + 1 : link);
	snprintf(path, sizeof(path), "%s/partition", sys);
	*partition = !access(path, F_OK);
	copy_str(whole, len, name);
	if (*partition && p) {
		*p = 0;
		p = strrchr(link, '/');
		copy_str(whole, len, p ? p + 1 : link);
	}
}

/* The driver of whole disk @whole: "sd", or another name, or "". */
static void disk_driver(const char *whole, char *drv, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "/sys/block/%s/device/driver", whole);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	p = strrchr(link, '/');
	copy_str(drv, len, p ? p + 1 : link);
}

/* The lower devices of @whole (sysfs slaves/), space separated. */
static void slaves(const char *whole, char *buf, size_t len)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;
	size_t n;

	buf[0] = 0;
	snprintf(path, sizeof(path), "/sys/block/%s/slaves", whole);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n = strlen(buf);
		snprintf(buf + n, len - n, "%s%s", n ? " " : "", e->d_name);
	}
	closedir(d);
}

static enum module_state module_state(void)
{
	char v[16];

	if (access("/sys/module/blkseek", F_OK) && access(LIVEPATCH, F_OK)) {
		printf("blkseek: not loaded\n");
		return MOD_ABSENT;
	}
	read_line(LIVEPATCH "/enabled", v, sizeof(v));
	if (strcmp(v, "1")) {
		printf("blkseek: loaded, disabled (" LIVEPATCH "/enabled: %s)\n",
		       v[0] ? v : "missing");
		return MOD_DISABLED;
	}
	printf("blkseek: loaded, enabled\n");
	return MOD_ENABLED;
}

/* What lseek(SEEK_DATA) at 0 answers, printed. */
static void lseek_line(int fd)
{
	off_t d = lseek(fd, 0, SEEK_DATA);

	if (d >= 0)
		printf("lseek: SEEK_DATA at 0 answers %lld\n", (long long)d);
	else if (errno == ENXIO)
		printf("lseek: SEEK_DATA at 0 answers ENXIO (no data)\n");
	else
		printf("lseek: SEEK_DATA at 0 fails: %s%s\n", strerror(errno),
		       errno == EINVAL ? " (the stock answer)" : "");
}

/*
 * Whether blkseek remembers that the whole disk of @fd refused GET LBA
 * STATUS (/sys/module/blkseek/refused: "MAJ:MIN DISKSEQ SECONDS how", the
 * disk's device number and sequence number): fills @buf with "SECONDS s
 * ago (how)".
 */
static bool refused_since(int fd, char *buf, size_t len)
{
	char name[256], whole[256], path[300], majmin[32], seq[32], line[160];
	unsigned long long diskseq;
	unsigned long secs;
	bool partition, found = false;
	struct stat st;
	char how[64];
	FILE *f;

	if (fstat(fd, &st))
		return false;
	dev_names(st.st_rdev, name, whole, sizeof(name), &partition);
	snprintf(path, sizeof(path), "/sys/block/%s/dev", whole);
	read_line(path, majmin, sizeof(majmin));
	snprintf(path, sizeof(path), "/sys/block/%s/diskseq", whole);
	read_line(path, seq, sizeof(seq));
	f = fopen("/sys/module/blkseek/refused", "re");
	if (!f || !majmin[0]) {
		if (f)
			fclose(f);
		return false;
	}
	while (!found && fgets(line, sizeof(line), f)) {
		size_t n = strlen(majmin);

		if (strncmp(line, majmin, n) || line[n] != ' ' ||
		    sscanf(line + n, " %llu %lu %63[^\n]", &diskseq, &secs, how) != 3 ||
		    (seq[0] && strtoull(seq, NULL, 10) != diskseq))
			continue;
		snprintf(buf, len, "%lu s ago (%s)", secs, how);
		found = true;
	}
	fclose(f);
	return found;
}

/* The extent query's device facts (no extents asked); 0 or -errno. */
static int query_flags(int fd, uint32_t *flags)
{
	struct blkseek_query q;
	int ctl = open(BLKSEEK_DEVICE, O_RDONLY | O_CLOEXEC);
	int ret = 0;

	if (ctl < 0)
		return -errno;
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.fd = fd;
	if (ioctl(ctl, BLKSEEK_IOC_QUERY, &q) < 0)
		ret = -errno;
	close(ctl);
	*flags = q.device_flags;
	return ret;
}

/* The extent query's device flags, printed; @thin: of a thin volume */
static void query_line(int fd, bool thin, uint32_t *flags, int *err)
{
	*err = query_flags(fd, flags);
	if (*err) {
		printf("extent query: %s\n", strerror(-*err));
		return;
	}
	printf("extent query: device_flags 0x%x:%s%s%s\n", *flags,
	       *flags & BLKSEEK_DEV_ANSWERS ? " answers" : " cannot answer",
	       *flags & BLKSEEK_DEV_UNMAP_ZEROES ? ", unallocated reads zero" : "",
	       !(*flags & BLKSEEK_DEV_FORWARDED) ? ", not forwarded" :
	       thin ? ", a mapping set (a thin volume: its pool's mappings)" :
	       ", forwarded to the lower devices");
}

/* Append @r to the reasons in @why, separated by "; ". */
static void add_reason(char *why, size_t len, const char *r)
{
	size_t n = strlen(why);

	snprintf(why + n, len - n, "%s%s", n ? "; " : "", r);
}

static int verdict(int status, const char *why)
{
	if (status == MAP_ANSWERS)
		printf("verdict: answers: holes are reported%s%s\n", why ? ": " : "",
		       why ? why : "");
	else if (status == MAP_NOT_LOADED)
		printf("verdict: no answers until blkseek is loaded: %s\n", why);
	else
		printf("verdict: no answers: all data: %s\n", why);
	return status;
}

/*
 * A thin volume's facts: its pool and device id from its table, whether
 * it has an external origin, and the pool's mode from its status ("rw",
 * "ro", "out_of_data_space", with needs_check or Fail); printed.  @t->kind
 * stays MAP_DM_OTHER when @maj:@min is not a thin volume.
 */
static void thin_facts(unsigned int maj, unsigned int min, struct map_thin *t)
{
	unsigned int pmaj, pmin;
	unsigned long long id;
	char params[512], extra[8], mode[32];

	memset(t, 0, sizeof(*t));
	if (dm_one_target(maj, min, 0, "thin", params, sizeof(params)))
		return;
	t->kind = MAP_DM_THIN;
	if (sscanf(params, "%u:%u %llu %7s", &pmaj, &pmin, &id, extra) == 4)
		t->kind = MAP_DM_THIN_ORIGIN;
	else if (sscanf(params, "%u:%u %llu", &pmaj, &pmin, &id) != 3)
		return;
	snprintf(t->pool, sizeof(t->pool), "%u:%u", pmaj, pmin);
	if (dm_one_target(pmaj, pmin, 1, "thin-pool", params, sizeof(params))) {
		snprintf(t->pool_mode, sizeof(t->pool_mode), "unknown");
	} else if (sscanf(params, "%*s %*s %*s %*s %31s", mode) == 1) {
		snprintf(t->pool_mode, sizeof(t->pool_mode), "%s", mode);
		if (strstr(params, "needs_check"))
			t->needs_check = true;
	} else {
		snprintf(t->pool_mode, sizeof(t->pool_mode), "%s",
			 strncmp(params, "Fail", 4) ? "unknown" : "Fail");
	}
	printf("thin: a thin volume, device id %llu of pool %s (mode %s%s)%s\n", id,
	       t->pool, t->pool_mode[0] ? t->pool_mode : "unknown",
	       t->needs_check ? ", needs_check" : "",
	       t->kind == MAP_DM_THIN_ORIGIN ? ", with an external origin" : "");
}

/* A thin volume's verdict (map_stacked_verdict()). */
static int thin_verdict(enum module_state mod, int err, uint32_t flags,
			const struct map_thin *t, char *why, size_t len)
{
	bool pool_rw = !strcmp(t->pool_mode, "rw") && !t->needs_check;

	if (t->kind == MAP_DM_THIN_ORIGIN) {
		snprintf(why, len, "a thin volume with an external origin is not answered (its unprovisioned blocks read the origin, not zeroes)");
		return MAP_NO_ANSWERS;
	}
	if (mod != MOD_ENABLED) {
		snprintf(why, len, "blkseek is %s (a thin volume is answered from its pool's mappings once blkseek is loaded and blkseek-stack has told it)",
			 mod == MOD_ABSENT ? "not loaded" : "disabled");
		return MAP_NO_ANSWERS;
	}
	if (err || !(flags & BLKSEEK_DEV_FORWARDED)) {
		if (!pool_rw)
			snprintf(why, len, "a thin volume not told, and its pool is %s%s: blkseek-stack tells a volume of a read-write pool only (lseek answers EINVAL until it is told)",
				 t->pool_mode[0] ? t->pool_mode : "unknown",
				 t->needs_check ? ", needs_check" : "");
		else
			snprintf(why, len, "a thin volume not told: lseek answers EINVAL until blkseek-stack tells it (run blkseek-stack DEVICE; the udev rule does at each change)");
		return MAP_NO_ANSWERS;
	}
	if (!(flags & BLKSEEK_DEV_ANSWERS) || !(flags & BLKSEEK_DEV_UNMAP_ZEROES)) {
		snprintf(why, len, "a thin volume told before its table changed (lvextend, lvreduce, a reload): all data until blkseek-stack tells it again (run blkseek-stack DEVICE)");
		return MAP_NO_ANSWERS;
	}
	snprintf(why, len, "a thin volume, from its pool's mappings as blkseek-stack told them: unprovisioned blocks read zeroes, blocks written since are data");
	return MAP_ANSWERS;
}

int map_stacked_verdict(bool dm, enum module_state mod, int err, uint32_t flags,
			const char *lower, const struct map_thin *thin,
			char *why, size_t len)
{
	if (dm && thin && thin->kind != MAP_DM_OTHER)
		return thin_verdict(mod, err, flags, thin, why, len);
	if (mod != MOD_ENABLED) {
		snprintf(why, len, "blkseek is %s (check the lower devices%s%s)",
			 mod == MOD_ABSENT ? "not loaded" : "disabled",
			 lower[0] ? ": " : "", lower[0] ? lower : " or backing file");
		return MAP_NO_ANSWERS;
	}
	if (err || !(flags & BLKSEEK_DEV_FORWARDED)) {
		snprintf(why, len, "%s", dm ?
			 "no mapping set (not all dm-linear, one dm-multipath or one dm-thin target, or blkseek-stack has not run: run blkseek-stack DEVICE)" :
			 "no mapping set (an unbound loop, or blkseek-stack has not run: run blkseek-stack DEVICE)");
		return MAP_NO_ANSWERS;
	}
	if (!(flags & BLKSEEK_DEV_ANSWERS)) {
		snprintf(why, len, "the lower devices cannot answer (check them)");
		return MAP_NO_ANSWERS;
	}
	if (!(flags & BLKSEEK_DEV_UNMAP_ZEROES)) {
		snprintf(why, len, "unallocated blocks below are not known to read as zeroes");
		return MAP_NO_ANSWERS;
	}
	snprintf(why, len, "through the lower devices");
	return MAP_ANSWERS;
}

/*
 * A dm or loop device: no SG_IO; answered through the mapping
 * blkseek-stack sets, or for a thin volume from its pool's mappings.
 */
static int check_stacked(int fd, const char *whole, dev_t dev, bool dm,
			 enum module_state mod)
{
	char lower[1024], why[1200];
	struct map_thin thin = { .kind = MAP_DM_OTHER };
	uint32_t flags = 0;
	int err = 0, status;

	slaves(whole, lower, sizeof(lower));
	if (dm)
		thin_facts(major(dev), minor(dev), &thin);
	if (thin.kind != MAP_DM_OTHER)
		printf("SCSI: none: a dm thin volume has no SG_IO; it is answered from its pool's mappings, which blkseek-stack tells (not through its lower devices: %s)\n", lower[0] ? lower : "none");
	else
		printf("SCSI: none: a %s device has no SG_IO; it is answered through the mapping blkseek-stack sets%s%s\n", dm ? "dm" : "loop",
		       lower[0] ? ", from its lower devices: " : "", lower);
	if (mod == MOD_ENABLED) {
		lseek_line(fd);
		query_line(fd, thin.kind != MAP_DM_OTHER, &flags, &err);
		printf("mapping: %s\n", err || !(flags & BLKSEEK_DEV_FORWARDED) ?
		       "not set" : "set");
	}
	status = map_stacked_verdict(dm, mod, err, flags, lower, &thin, why, sizeof(why));
	return verdict(status, why);
}

/* An sd disk or partition: the device's own answers through SG_IO. */
static int check_sd(int fd, const char *dev, enum module_state mod)
{
	static const char *const ptype[8] = {
		"0 (not known or fully provisioned)", "1 (resource provisioned)",
		"2 (thin provisioned)", "3 (reserved)", "4 (reserved)",
		"5 (reserved)", "6 (reserved)", "7 (reserved)",
	};
	static const char *const gls_state[16] = {
		"mapped or unknown", "deallocated", "anchored", "mapped", "unknown",
	};
	unsigned char cdb[16], buf[64];
	char why[512], fail[128], refused[128] = "";
	struct sg_reply r;
	int sgfd, kernel_lbs = 0;
	bool lbpme = false, lbprz = false, gls = false, rc16 = false;
	uint32_t lbs = 0;
	int vpd_lbprz = -1;

	/* the whole disk: SG_IO on a partition needs CAP_SYS_RAWIO */
	sgfd = open(dev, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (sgfd < 0)
		sgfd = dup(fd);
	if (ioctl(fd, BLKSSZGET, &kernel_lbs) < 0)
		kernel_lbs = 0;

	/* READ CAPACITY(16): SERVICE ACTION IN(16) 0x9e, 0x10 */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x9e;
	cdb[1] = 0x10;
	cdb[13] = 32;
	sg_cmd(sgfd, cdb, 16, buf, 32, &r);
	if (r.ok > 0 && r.len >= 15) {
		rc16 = true;
		lbs = be32(buf + 8);
		lbpme = buf[14] & 0x80;
		lbprz = buf[14] & 0x40;
		printf("READ CAPACITY(16): LBPME=%d LBPRZ=%d logical block size %" PRIu32
		       ", %" PRIu64 " blocks\n", lbpme, lbprz, lbs, be64(buf) + 1);
	} else {
		describe_failure(&r, fail, sizeof(fail));
		printf("READ CAPACITY(16): failed: %s\n", fail);
	}

	/* INQUIRY, EVPD, page 0xb2: Logical Block Provisioning */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x12;
	cdb[1] = 0x01;
	cdb[2] = 0xb2;
	cdb[4] = 64;
	sg_cmd(sgfd, cdb, 6, buf, 64, &r);
	if (r.ok > 0 && r.len >= 7 && buf[1] == 0xb2) {
		vpd_lbprz = (buf[5] >> 2) & 7;
		printf("VPD 0xb2: LBPU=%d LBPWS=%d LBPWS10=%d LBPRZ=%d ANC_SUP=%d DP=%d"
		       ", provisioning type %s\n",
		       !!(buf[5] & 0x80), !!(buf[5] & 0x40), !!(buf[5] & 0x20), vpd_lbprz,
		       !!(buf[5] & 2), buf[5] & 1, ptype[buf[6] & 7]);
	} else {
		describe_failure(&r, fail, sizeof(fail));
		printf("VPD 0xb2: not available: %s\n", r.ok > 0 ? "short or wrong page" : fail);
	}

	/* GET LBA STATUS(16) at LBA 0: one descriptor's room */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x9e;
	cdb[1] = 0x12;
	cdb[13] = 32;
	sg_cmd(sgfd, cdb, 16, buf, 32, &r);
	if (r.ok > 0 && r.len >= 24 && be32(buf) >= 20 && !be64(buf + 8) && be32(buf + 16)) {
		gls = true;
		printf("GET LBA STATUS(16): accepted: LBA 0: %" PRIu32 " blocks %s\n",
		       be32(buf + 16), gls_state[buf[20] & 15] ? gls_state[buf[20] & 15] :
		       "(reserved state)");
	} else if (r.ok > 0) {
		printf("GET LBA STATUS(16): malformed reply (%u bytes, no descriptor of LBA 0)\n",
		       r.len);
	} else {
		describe_failure(&r, fail, sizeof(fail));
		printf("GET LBA STATUS(16): rejected: %s\n", fail);
	}
	close(sgfd);

	if (mod == MOD_ENABLED) {
		lseek_line(fd);
		if (refused_since(fd, refused, sizeof(refused)))
			printf("blkseek: this disk refused GET LBA STATUS %s; "
			       "its answers are all data until the device is rescanned\n",
			       refused);
	}

	/* every reason that applies, in order, on the one verdict line */
	why[0] = 0;
	if (!rc16)
		add_reason(why, sizeof(why), "READ CAPACITY(16) failed: no provisioning information");
	else if (!lbpme)
		add_reason(why, sizeof(why), "LBPME=0: the device does not report provisioning (not thin provisioned)");
	if (rc16 && lbpme && kernel_lbs && lbs != (uint32_t)kernel_lbs) {
		snprintf(fail, sizeof(fail), "the device's block size %" PRIu32
			 " is not the kernel's %d", lbs, kernel_lbs);
		add_reason(why, sizeof(why), fail);
	}
	if (rc16 && lbpme && !lbprz)
		add_reason(why, sizeof(why), vpd_lbprz > 1 ?
			"LBPRZ=0: unmapped blocks read an initialization pattern, not zeroes" :
			"LBPRZ=0: unmapped blocks are not guaranteed to read as zeroes");
	if (!gls)
		add_reason(why, sizeof(why), "GET LBA STATUS is not accepted");
	else if (refused[0])
		add_reason(why, sizeof(why), "blkseek remembers a refusal of GET LBA STATUS "
			   "(echo 1 > /sys/block/DISK/device/rescan)");
	if (why[0])
		return verdict(MAP_NO_ANSWERS, why);
	if (mod == MOD_ABSENT)
		return verdict(MAP_NOT_LOADED, "blkseek is not loaded (modprobe blkseek)");
	if (mod == MOD_DISABLED)
		return verdict(MAP_NOT_LOADED, "blkseek is disabled (echo 1 > " LIVEPATCH "/enabled)");
	if (lseek(fd, 0, SEEK_DATA) < 0 && errno == EINVAL)
		return verdict(MAP_NO_ANSWERS, "the kernel answers EINVAL although blkseek is loaded");
	return verdict(MAP_ANSWERS, NULL);
}

int map_check(const char *path)
{
	char name[256], whole[256], drv[64], dev[300];
	enum module_state mod;
	bool partition;
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: cannot open: %s\n", PROG, path, strerror(errno));
		return 1;
	}
	if (fstat(fd, &st) || !S_ISBLK(st.st_mode)) {
		fprintf(stderr, "%s: %s: --check takes a block device (a disk, partition, dm or loop device)\n",
			PROG, path);
		close(fd);
		return 2;
	}
	dev_names(st.st_rdev, name, whole, sizeof(name), &partition);
	printf("device: %s (%s, %u:%u%s%s)\n", path, name, major(st.st_rdev),
	       minor(st.st_rdev), partition ? ", a partition of " : ", a whole disk",
	       partition ? whole : "");
	mod = module_state();
	if (!strncmp(whole, "dm-", 3) || !strncmp(whole, "loop", 4)) {
		printf("driver: %s\n", whole[0] == 'd' ? "device-mapper" : "loop");
		ret = check_stacked(fd, whole, st.st_rdev, whole[0] == 'd', mod);
	} else {
		disk_driver(whole, drv, sizeof(drv));
		printf("driver: %s\n", drv[0] ? drv : "none");
		if (strcmp(drv, "sd")) {
			ret = verdict(MAP_NO_ANSWERS, "not a SCSI disk driven by sd "
				      "(blkseek answers sd disks and dm/loop devices over them)");
		} else {
			snprintf(dev, sizeof(dev), "/dev/%s", whole);
			ret = check_sd(fd, partition ? dev : path, mod);
		}
	}
	close(fd);
	return ret;
}
