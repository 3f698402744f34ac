/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzz targets' reader of their input: the next @bytes bytes,
 * big-endian, as one number; fewer (zero bits below) at the input's end.
 */
#ifndef FUZZ_TAKE_H
#define FUZZ_TAKE_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t take(const uint8_t **p, size_t *left, unsigned int bytes)
{
	uint64_t v = 0;

	while (bytes-- && *left) {
		v = v << 8 | **p;
		(*p)++;
		(*left)--;
	}
	return v;
}

#endif
