/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The checks and TAP lines of the host unit tests (test_gls.c, test_walk.c,
 * test_extents.c, test_runs_of_extents.c, test_extent_walk.c): CHECK() and
 * CHECK_EQ() count failed checks of the running test, run() prints
 * "ok N - name" or "not ok N - name", tap_end() the plan and the counts.
 * Header-only: each test program is one file plus what it tests.
 */
#ifndef UNIT_TAP_H
#define UNIT_TAP_H

#include <stdio.h>

static int failed_checks;
static int n_pass, n_fail, n_test;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		failed_checks++;					\
		if (failed_checks < 20)					\
			printf("#   %s:%d: check failed: %s\n",		\
			       __FILE__, __LINE__, #cond);		\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		failed_checks++;					\
		if (failed_checks < 20)					\
			printf("#   %s:%d: %s == %lld, expected %lld\n",	\
			       __FILE__, __LINE__, #a, _a, _b);		\
	}								\
} while (0)

static void run(const char *name, void (*fn)(void))
{
	failed_checks = 0;
	fn();
	n_test++;
	if (failed_checks) {
		n_fail++;
		printf("not ok %d - %s\n", n_test, name);
	} else {
		n_pass++;
		printf("ok %d - %s\n", n_test, name);
	}
}

/* The plan and the counts after the last run(); main()'s exit status. */
static inline int tap_end(void)
{
	printf("1..%d\n", n_test);
	printf("%d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}

#endif /* UNIT_TAP_H */
