/* test_crs.c: a map's CRS parsed once: Web Mercator, EPSG codes, PROJ strings, errors, threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#define R_WGS84 6378137.0

static void test_web_mercator(void **state)
{
	(void)state;
	const char *names[] = {NULL, "", "EPSG:3857", "epsg:3857"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		geodata_error err = {{0}};
		assert_true(geodata_crs_def_is_web_mercator(names[i]));
		geodata_crs *c = geodata_crs_create(names[i], &err);
		assert_non_null(c);
		assert_true(geodata_crs_is_web_mercator(c));
		assert_null(geodata_crs_from_lonlat(c));
		assert_string_equal(geodata_crs_definition(c), names[i] ? names[i] : "");
		/* Spherical Web Mercator written out, against PROJ. */
		double xy[] = {180, 0, -90, 45};
		assert_int_equal(geodata_proj_trans(geodata_crs_to_merc(c), xy, 2, 0), 0);
		assert_near(xy[0], R_WGS84 * M_PI, 1e-3);
		assert_near(xy[1], 0, 1e-3);
		assert_near(xy[2], -R_WGS84 * M_PI / 2, 1e-3);
		assert_near(xy[3], R_WGS84 * log(tan(M_PI / 4 + M_PI / 8)), 1e-3);
		geodata_crs_destroy(c);
	}
	assert_false(geodata_crs_def_is_web_mercator("EPSG:6372"));
	assert_false(geodata_crs_def_is_web_mercator("EPSG:38570"));
}

/* A bare PROJ string is the CRS it describes: on its central meridian x is 0, both ways. */
static void test_proj_string(void **state)
{
	(void)state;
	const char *defs[] = {"+proj=lcc +lat_1=20 +lat_2=40 +lon_0=-90 +datum=WGS84",
	                      "proj=lcc +lat_1=20 +lat_2=40 +lon_0=-90 +datum=WGS84",
	                      "+proj=lcc +lat_1=20 +lat_2=40 +lon_0=-90 +datum=WGS84 +type=crs"};
	for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
		geodata_error err = {{0}};
		geodata_crs *c = geodata_crs_create(defs[i], &err);
		if (!c)
			fail_msg("%s: %s", defs[i], err.msg);
		assert_false(geodata_crs_is_web_mercator(c));
		assert_string_equal(geodata_crs_definition(c), defs[i]);
		geodata_proj *p = geodata_crs_from_lonlat(c);
		assert_non_null(p);
		double xy[] = {-90, 30, -80, 30};
		assert_int_equal(geodata_proj_trans(p, xy, 2, 0), 0);
		assert_near(xy[0], 0, 1e-6);
		assert_true(xy[2] > 900e3 && xy[2] < 1000e3); /* 10 degrees of longitude at 30N */
		assert_int_equal(geodata_proj_trans(p, xy, 2, 1), 0);
		assert_near(xy[0], -90, 1e-9);
		assert_near(xy[1], 30, 1e-9);
		assert_near(xy[2], -80, 1e-9);
		assert_near(xy[3], 30, 1e-9);
		geodata_crs_destroy(c);
	}
}

static void test_epsg_round_trip(void **state)
{
	(void)state;
	geodata_error err = {{0}};
	geodata_crs *c = geodata_crs_create("EPSG:6372", &err);
	assert_non_null(c);
	double xy[] = {-99.13, 19.43};
	assert_int_equal(geodata_proj_trans(geodata_crs_from_lonlat(c), xy, 1, 0), 0);
	assert_true(fabs(xy[0]) > 1000 && fabs(xy[1]) > 1000); /* metres, not degrees */
	assert_int_equal(geodata_proj_trans(geodata_crs_from_lonlat(c), xy, 1, 1), 0);
	assert_near(xy[0], -99.13, 1e-8);
	assert_near(xy[1], 19.43, 1e-8);
	/* The Mercator transformation is there for every CRS, not only Web Mercator. */
	double m[] = {0, 0};
	assert_int_equal(geodata_proj_trans(geodata_crs_to_merc(c), m, 1, 0), 0);
	assert_near(m[0], 0, 1e-6);
	geodata_crs_destroy(c);
}

static void test_errors(void **state)
{
	(void)state;
	geodata_error err = {{0}};
	assert_null(geodata_crs_create("EPSG:99999999", &err));
	assert_non_null(strstr(err.msg, "'EPSG:99999999'"));
	/* Named as the user wrote it, not with what was added for PROJ. */
	assert_null(geodata_crs_create("+proj=nosuchthing", &err));
	assert_non_null(strstr(err.msg, "unknown CRS '+proj=nosuchthing'"));
	assert_null(strstr(err.msg, "type=crs"));
	/* A PROJ string too long to complete is refused as such ... */
	char longdef[1100];
	memset(longdef, ' ', sizeof longdef);
	memcpy(longdef, "+proj=lcc", 9);
	longdef[sizeof longdef - 1] = 0;
	assert_null(geodata_crs_create(longdef, &err));
	assert_non_null(strstr(err.msg, "too long"));
	/* ... while other definitions of any length go to PROJ whole. */
	memcpy(longdef, "GEOGCRS[\"x\"", 11);
	assert_null(geodata_crs_create(longdef, &err));
	assert_null(strstr(err.msg, "too long"));
	/* A geodetic or vertical thing is not a CRS a map can be drawn in. */
	assert_null(geodata_crs_create("EPSG:5703", &err));
	assert_true(err.msg[0] != 0);
	geodata_crs_destroy(NULL);
	assert_false(geodata_crs_is_web_mercator(NULL));
	assert_null(geodata_crs_from_lonlat(NULL));
	assert_null(geodata_crs_to_merc(NULL));
}

/* One CRS per thread: each thread's transformations run at once with the others'. */
typedef struct worker {
	double sum;
	int failed;
} worker;

static void *work(void *ud)
{
	worker *w = ud;
	geodata_error err;
	geodata_crs *c = geodata_crs_create("+proj=lcc +lat_1=20 +lat_2=40 +lon_0=-90", &err);
	if (!c) {
		w->failed = 1;
		return NULL;
	}
	for (int i = 0; i < 2000; i++) {
		double xy[] = {-120 + i * 0.02, 10 + i * 0.01};
		if (geodata_proj_trans(geodata_crs_from_lonlat(c), xy, 1, 0) ||
		    geodata_proj_trans(geodata_crs_from_lonlat(c), xy, 1, 1))
			w->failed = 1;
		w->sum += xy[0] + xy[1];
	}
	geodata_crs_destroy(c);
	return NULL;
}

static void test_one_per_thread(void **state)
{
	(void)state;
	worker w[4] = {{0}};
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < 4; i++) {
		assert_false(w[i].failed);
		assert_true(w[i].sum == w[0].sum);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_web_mercator),    cmocka_unit_test(test_proj_string),
	    cmocka_unit_test(test_epsg_round_trip), cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_one_per_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
