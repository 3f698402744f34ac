/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel types and byte-order helpers that the code cut out of the
 * series' sd.c uses, for the host tests test-sd-gls.c and test-sd-walk.c.
 */
#ifndef TEST_SD_SHIM_H
#define TEST_SD_SHIM_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
#define U64_MAX UINT64_MAX
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))

static inline u32 get_unaligned_be32(const void *p)
{
	const u8 *b = p;

	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

static inline u64 get_unaligned_be64(const void *p)
{
	return (u64)get_unaligned_be32(p) << 32 |
	       get_unaligned_be32((const u8 *)p + 4);
}

/* @v as @bytes big-endian bytes at @p */
static inline void put_be(u8 *p, u64 v, int bytes)
{
	while (bytes--) {
		p[bytes] = v & 0xff;
		v >>= 8;
	}
}

/* TAP: one "ok N - ..." or "not ok N - ..." line, counted */
static int tap_tests, tap_failed;

static inline __attribute__((format(printf, 2, 3), unused))
void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	tap_tests++;
	if (!ok)
		tap_failed++;
	printf("%sok %d - ", ok ? "" : "not ", tap_tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* the plan, last; the exit status */
static inline __attribute__((unused)) int tap_end(void)
{
	printf("1..%d\n", tap_tests);
	return tap_failed ? 1 : 0;
}

#endif /* TEST_SD_SHIM_H */
