/* testcase.h: lets BRIEFMAP_TEST_CASE name the cmocka tests to run (a glob); include after
 * <cmocka.h>. A name that matches no test of the group is a failure, never an empty pass. */
#ifndef BRIEFMAP_TESTCASE_H
#define BRIEFMAP_TESTCASE_H

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>

static inline int testcase_run_group(const char *group, const struct CMUnitTest *tests, size_t n,
                                     CMFixtureFunction setup, CMFixtureFunction teardown)
{
	const char *want = getenv("BRIEFMAP_TEST_CASE");
	if (want && *want) {
		size_t hits = 0;
		for (size_t i = 0; i < n; i++)
			hits += fnmatch(want, tests[i].name, 0) == 0;
		if (hits == 0) {
			fprintf(stderr, "%s: no test named \"%s\"\n", group, want);
			return 1;
		}
		cmocka_set_test_filter(want);
	}
	return _cmocka_run_group_tests(group, tests, n, setup, teardown);
}

#undef cmocka_run_group_tests
#define cmocka_run_group_tests(group_tests, group_setup, group_teardown)                           \
	testcase_run_group(#group_tests, group_tests,                                              \
	                   sizeof(group_tests) / sizeof((group_tests)[0]), group_setup,            \
	                   group_teardown)

#endif
