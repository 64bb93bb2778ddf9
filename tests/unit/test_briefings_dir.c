/* test_briefings_dir.c: briefing slugs, the paths of a briefing's files, the list of a folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "testcase.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "geodata.h"

static void slugs(void **state)
{
	(void)state;
	static const char *const good[] = {"a", "0", "-", "us-2025", "abc-def-123",
	                                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	static const char *const bad[] = {"", "A", "a_b", "a/b", "..", ".", "a.b", "a b", "é",
	                                  "a\n", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		if (!geodata_slug_valid(good[i]))
			fail_msg("slug '%s' refused", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (geodata_slug_valid(bad[i]))
			fail_msg("slug '%s' accepted", bad[i]);
	assert_int_equal(strlen(good[5]), GEODATA_SLUG_MAX);
	assert_false(geodata_slug_valid(NULL));
}

static void paths(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(geodata_briefing_path("dir", "a-b", GEODATA_BRIEFING_EVENTS, out,
	                                       sizeof out), 0);
	assert_string_equal(out, "dir/a-b/events.geojson");
	/* A bad slug never becomes a path: no way out of the folder. */
	assert_int_equal(geodata_briefing_path("dir", "..", "x", out, sizeof out), GEODATA_EINVAL);
	assert_int_equal(geodata_briefing_path("dir", "a/b", "x", out, sizeof out),
	                 GEODATA_EINVAL);
	assert_int_equal(geodata_briefing_path(NULL, "a", "x", out, sizeof out), GEODATA_EINVAL);
	assert_int_equal(geodata_briefing_path("dir", "a", NULL, out, sizeof out), GEODATA_EINVAL);
	/* A path longer than the caller's buffer is refused, not cut. */
	assert_int_equal(geodata_briefing_path("dir", "a", "events.geojson", out, 10),
	                 GEODATA_EINVAL);
}

static void touch(const char *dir, const char *name, const char *file)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	mkdir(path, 0755);
	if (!file)
		return;
	snprintf(path, sizeof path, "%s/%s/%s", dir, name, file);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	close(fd);
}

static void list(void **state)
{
	(void)state;
	char dir[] = "/tmp/briefmap-test-briefings-XXXXXX";
	assert_non_null(mkdtemp(dir));
	geodata_briefing_list l;
	geodata_error err = {{0}};
	assert_int_equal(geodata_briefings_list(dir, &l, &err), 0);
	assert_int_equal(l.count, 0); /* an empty folder is an empty list */
	geodata_briefing_list_finish(&l);

	touch(dir, "zeta", GEODATA_BRIEFING_EVENTS);
	touch(dir, "alpha", GEODATA_BRIEFING_EVENTS);
	touch(dir, "mid-1", GEODATA_BRIEFING_EVENTS);
	touch(dir, "no-events", GEODATA_BRIEFING_META); /* being written: no events file yet */
	touch(dir, "Bad_Name", GEODATA_BRIEFING_EVENTS);
	touch(dir, "x.new-abc", GEODATA_BRIEFING_EVENTS); /* a temporary folder */
	touch(dir, "events-is-dir", NULL);
	char sub[512];
	snprintf(sub, sizeof sub, "%s/events-is-dir/%s", dir, GEODATA_BRIEFING_EVENTS);
	mkdir(sub, 0755);
	assert_int_equal(geodata_briefings_list(dir, &l, &err), 0);
	assert_int_equal(l.count, 3);
	assert_string_equal(l.slugs[0], "alpha");
	assert_string_equal(l.slugs[1], "mid-1");
	assert_string_equal(l.slugs[2], "zeta");
	geodata_briefing_list_finish(&l);
	assert_null(l.slugs);
	assert_int_equal(l.count, 0);
	geodata_briefing_list_finish(NULL);

	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	/* A folder that is not there is an error with a message, and an empty list. */
	memset(&err, 0, sizeof err);
	assert_true(geodata_briefings_list(dir, &l, &err) < 0);
	assert_non_null(strstr(err.msg, dir));
	assert_int_equal(l.count, 0);
	geodata_briefing_list_finish(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(slugs),
	    cmocka_unit_test(paths),
	    cmocka_unit_test(list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
