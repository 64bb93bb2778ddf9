/* test_files.c: a FIFO, device or folder where a data file should be is refused at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "testcase.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "geodata.h"

typedef struct fixture {
	char dir[64], fifo[96];
} fixture;

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);
	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof fx->dir, "/tmp/briefmap-files-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->fifo, sizeof fx->fifo, "%s/events.geojson", fx->dir);
	if (mkfifo(fx->fifo, 0600))
		return -1;
	/* A load that blocks never returns: the alarm turns that into a failure. */
	alarm(20);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	alarm(0);
	unlink(fx->fifo);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void expect_refused_events(const char *path, const char *words)
{
	geodata_problems pr = {0};
	geodata_events *ev = geodata_events_load(NULL, path, &pr);
	assert_null(ev);
	assert_int_equal(pr.count, 1);
	if (!strstr(pr.lines[0], words) || !strstr(pr.lines[0], path))
		fail_msg("expected '%s' naming %s, got: %s", words, path, pr.lines[0]);
	geodata_problems_finish(&pr);
}

static void test_events_not_regular(void **state)
{
	fixture *fx = *state;
	expect_refused_events(fx->fifo, "not a regular file (a FIFO)");
	expect_refused_events("/dev/zero", "not a regular file (a character device)");
	expect_refused_events(fx->dir, "not a regular file (a directory)");
}

static void test_views_not_regular(void **state)
{
	fixture *fx = *state;
	geodata_error err = {{0}};
	assert_null(geodata_views_load(fx->fifo, &err));
	if (!strstr(err.msg, "not a regular file (a FIFO)"))
		fail_msg("got: %s", err.msg);
	assert_null(geodata_views_load("/dev/zero", &err));
	if (!strstr(err.msg, "not a regular file"))
		fail_msg("got: %s", err.msg);
}

static void test_layer_source_not_regular(void **state)
{
	fixture *fx = *state;
	geodata_options opts = {.data_dir = fx->dir};
	for (int i = 0; i < GEODATA_LAYER_COUNT; i++)
		opts.layer_source[i] = fx->fifo;
	geodata_error err = {{0}};
	geodata *gd = geodata_load(&opts, &err);
	assert_null(gd);
	if (!strstr(err.msg, "not a regular file"))
		fail_msg("got: %s", err.msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_events_not_regular),
	    cmocka_unit_test(test_views_not_regular),
	    cmocka_unit_test(test_layer_source_not_regular),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
