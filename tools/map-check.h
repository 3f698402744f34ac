/* SPDX-License-Identifier: GPL-2.0 */
/*
 * map-check: blkseek-map --check DEVICE, whether a device's holes can be
 * answered (see map-check.c and blkseek-map.8).
 */
#ifndef MAP_CHECK_H
#define MAP_CHECK_H

/* --check's exit statuses, beside 1 (failure) and 2 (usage) */
#define MAP_ANSWERS		0	/* holes are answered */
#define MAP_NO_ANSWERS		3	/* all data: the device cannot be answered */
#define MAP_NOT_LOADED		4	/* answerable once blkseek is loaded and enabled */

/* Check @path, print the report and its verdict line; returns an exit status. */
int map_check(const char *path);

#endif /* MAP_CHECK_H */
