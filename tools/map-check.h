/* SPDX-License-Identifier: GPL-2.0 */
/*
 * map-check: blkseek-map --check DEVICE, whether a device's holes can be
 * answered (see map-check.c and blkseek-map.8).
 */
#ifndef MAP_CHECK_H
#define MAP_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --check's exit statuses, beside 1 (failure) and 2 (usage) */
#define MAP_ANSWERS		0	/* holes are answered */
#define MAP_NO_ANSWERS		3	/* all data: the device cannot be answered */
#define MAP_NOT_LOADED		4	/* answerable once blkseek is loaded and enabled */

/* blkseek's state: loaded and enabled, not loaded, loaded but disabled */
enum module_state { MOD_ENABLED, MOD_ABSENT, MOD_DISABLED };

/* What a dm device is, for its verdict */
enum map_dm_kind {
	MAP_DM_OTHER,		/* not a thin volume (or a loop device) */
	MAP_DM_THIN,		/* one dm-thin "thin" target */
	MAP_DM_THIN_ORIGIN,	/* the same with an external origin */
};

/* A thin volume's facts from its table and its pool's status */
struct map_thin {
	enum map_dm_kind kind;
	char pool[32];		/* the pool's MAJ:MIN */
	char pool_mode[32];	/* rw, ro, out_of_data_space, Fail, unknown */
	bool needs_check;
};

/*
 * The verdict of a dm (@dm) or loop device from blkseek's state @mod, the
 * extent query's -errno @err and device flags @flags, its lower devices
 * @lower and, for a dm device, @thin (NULL or kind MAP_DM_OTHER: not a
 * thin volume): an exit status, the reason in @why.
 */
int map_stacked_verdict(bool dm, enum module_state mod, int err, uint32_t flags,
			const char *lower, const struct map_thin *thin,
			char *why, size_t len);

/* Check @path, print the report and its verdict line; returns an exit status. */
int map_check(const char *path);

#endif /* MAP_CHECK_H */
