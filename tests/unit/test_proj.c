/* test_proj.c: reprojection and WGS 84 geodesics through PROJ, against independent values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "testcase.h"
#include <math.h>
#include <proj.h>
#include <sys/inotify.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define R_WGS84 6378137.0

/* Spherical Web Mercator written out, to check PROJ's result by another route. */
static void merc_formula(double lon, double lat, double *x, double *y)
{
	*x = R_WGS84 * lon * M_PI / 180;
	*y = R_WGS84 * log(tan(M_PI / 4 + lat * M_PI / 360));
}

static void test_web_mercator_known_values(void **state)
{
	(void)state;
	geodata_error err = {{0}};
	geodata_proj *p = geodata_proj_create("EPSG:4326", "EPSG:3857", &err);
	assert_non_null(p);
	assert_false(geodata_proj_target_is_geographic(p));

	double xy[] = {180, 0, -180, 0, 0, 85.0511287798066, 0, 0};
	assert_int_equal(geodata_proj_trans(p, xy, 4, 0), 0);
	assert_near(xy[0], 20037508.34, 0.01);
	assert_near(xy[2], -20037508.34, 0.01);
	assert_near(xy[1], 0, 1e-6);
	assert_near(xy[5], 20037508.34, 0.01);
	assert_near(xy[6], 0, 1e-6);
	assert_near(xy[7], 0, 1e-6);
	assert_near(GEODATA_MERC_HALF, 20037508.342789244, 1e-6);

	/* Mexico City, as `cs2cs EPSG:4326 EPSG:3857` gives it. */
	double mx[] = {-99.1332, 19.4326};
	assert_int_equal(geodata_proj_trans(p, mx, 1, 0), 0);
	assert_near(mx[0], -11035457.3447, 0.01);
	assert_near(mx[1], 2205934.3610, 0.01);

	test_rng rng = {77};
	for (int i = 0; i < 1000; i++) {
		double lon = test_rng_uniform(&rng, -180, 180);
		double lat = test_rng_uniform(&rng, -85, 85);
		double pt[2] = {lon, lat}, ex, ey;
		assert_int_equal(geodata_proj_trans(p, pt, 1, 0), 0);
		merc_formula(lon, lat, &ex, &ey);
		assert_near(pt[0], ex, 1e-4);
		assert_near(pt[1], ey, 1e-4);
		/* And back. */
		assert_int_equal(geodata_proj_trans(p, pt, 1, 1), 0);
		assert_near(pt[0], lon, 1e-9);
		assert_near(pt[1], lat, 1e-9);
	}
	double x, y;
	assert_int_equal(geodata_lonlat_to_merc(p, -66.9036, 10.4806, &x, &y), 0);
	merc_formula(-66.9036, 10.4806, &mx[0], &mx[1]);
	assert_near(x, mx[0], 1e-4);
	assert_near(y, mx[1], 1e-4);
	/* The poles clamp to the square world rather than failing. */
	assert_int_equal(geodata_lonlat_to_merc(p, 10, 90, &x, &y), 0);
	assert_near(y, GEODATA_MERC_HALF, 1);
	assert_int_equal(geodata_lonlat_to_merc(p, 10, -90, &x, &y), 0);
	assert_near(y, -GEODATA_MERC_HALF, 1);
	assert_int_equal(geodata_proj_trans(p, NULL, 0, 0), 0);
	geodata_proj_destroy(p);
	geodata_proj_destroy(NULL);
}

/* EPSG:4326 -> EPSG:3857 as PROJ's database resolves it, axes east then north. */
static PJ *database_route(PJ_CONTEXT *ctx)
{
	PJ *raw = proj_create_crs_to_crs(ctx, "EPSG:4326", "EPSG:3857", NULL);
	assert_non_null(raw);
	PJ *pj = proj_normalize_for_visualization(ctx, raw);
	proj_destroy(raw);
	assert_non_null(pj);
	return pj;
}

/*
 * geodata_proj_create builds EPSG:4326 -> EPSG:3857 without PROJ's database:
 * the numbers, both ways, are the database route's, the square world's edges
 * and the antimeridian included.
 */
static void test_web_mercator_as_the_database_gives_it(void **state)
{
	(void)state;
	geodata_error err = {{0}};
	geodata_proj *p = geodata_proj_create("EPSG:4326", "EPSG:3857", &err);
	assert_non_null(p);
	assert_false(geodata_proj_target_is_geographic(p));
	PJ_CONTEXT *ctx = proj_context_create();
	assert_non_null(ctx);
	PJ *db = database_route(ctx);

	/* The corners and edges of the square world, the antimeridian, and places. */
	static const double fixed[][2] = {{180, 0},
	                                  {-180, 0},
	                                  {180, 85.05112878},
	                                  {-180, -85.05112878},
	                                  {0, 85.05112878},
	                                  {0, -85.05112878},
	                                  {-180, 85.05},
	                                  {180, -85.05},
	                                  {0, 0},
	                                  {-99.1332, 19.4326},
	                                  {-66.9036, 10.4806},
	                                  {179.9999999, 45},
	                                  {-179.9999999, -45},
	                                  {1e-12, -1e-12}};
	enum { FIXED = sizeof fixed / sizeof *fixed, RANDOM = 2000 };
	double pts[2 * (FIXED + RANDOM)];
	memcpy(pts, fixed, sizeof fixed);
	test_rng rng = {4326};
	for (int i = 0; i < RANDOM; i++) {
		pts[2 * (FIXED + i)] = test_rng_uniform(&rng, -180, 180);
		pts[2 * (FIXED + i) + 1] = test_rng_uniform(&rng, -85.05112878, 85.05112878);
	}
	size_t n = FIXED + RANDOM;
	double *ours = malloc(sizeof pts), *theirs = malloc(sizeof pts);
	assert_non_null(ours);
	assert_non_null(theirs);
	memcpy(ours, pts, sizeof pts);
	memcpy(theirs, pts, sizeof pts);
	assert_int_equal(geodata_proj_trans(p, ours, n, 0), 0);
	assert_int_equal(proj_trans_generic(db, PJ_FWD, theirs, 2 * sizeof(double), n, theirs + 1,
	                                    2 * sizeof(double), n, NULL, 0, 0, NULL, 0, 0),
	                 n);
	for (size_t i = 0; i < 2 * n; i++) {
		assert_true(isfinite(ours[i]));
		assert_near(ours[i], theirs[i], 1e-9);
	}
	assert_near(ours[0], GEODATA_MERC_HALF, 1e-6);
	assert_near(ours[5], GEODATA_MERC_HALF, 1e-2);
	/* And back, the same way. */
	assert_int_equal(geodata_proj_trans(p, ours, n, 1), 0);
	assert_int_equal(proj_trans_generic(db, PJ_INV, theirs, 2 * sizeof(double), n, theirs + 1,
	                                    2 * sizeof(double), n, NULL, 0, 0, NULL, 0, 0),
	                 n);
	for (size_t i = 0; i < 2 * n; i++) {
		assert_near(ours[i], theirs[i], 1e-9);
		assert_near(ours[i], pts[i], 1e-9);
	}
	free(ours);
	free(theirs);
	proj_destroy(db);
	proj_context_destroy(ctx);
	geodata_proj_destroy(p);
}

/* Whether PROJ's database was opened since the last call: inotify's record of `fd`'s watch. */
static int opened_since(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int opened = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ie = (const struct inotify_event *)p;
			opened |= (ie->mask & IN_OPEN) != 0;
			p += sizeof *ie + ie->len;
		}
	return opened;
}

/* Only that pair leaves the database out; other CRSs still open it. */
static void test_web_mercator_needs_no_database(void **state)
{
	(void)state;
	PJ_CONTEXT *ctx = proj_context_create();
	assert_non_null(ctx);
	const char *db = proj_context_get_database_path(ctx);
	assert_non_null(db);
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(inotify_add_watch(fd, db, IN_OPEN) >= 0);
	proj_context_destroy(ctx);
	opened_since(fd);

	geodata_error err = {{0}};
	geodata_proj *p = geodata_proj_create("EPSG:4326", "EPSG:3857", &err);
	assert_non_null(p);
	assert_false(opened_since(fd));
	double xy[] = {-99.1332, 19.4326};
	assert_int_equal(geodata_proj_trans(p, xy, 1, 0), 0);
	assert_near(xy[0], -11035457.3447, 0.01);
	assert_near(xy[1], 2205934.3610, 0.01);
	/* The watch sees the database when it is opened. */
	geodata_proj *other = geodata_proj_create("EPSG:4326", "EPSG:6372", &err);
	assert_non_null(other);
	assert_true(opened_since(fd));
	geodata_proj_destroy(other);
	geodata_proj_destroy(p);
	close(fd);
}

/* Mexico's INEGI Lambert conformal conic: its origin is (102 W, 12 N) at false easting 2500000. */
static void test_epsg6372_round_trip(void **state)
{
	(void)state;
	geodata_error err = {{0}};
	geodata_proj *p = geodata_proj_create("EPSG:4326", "EPSG:6372", &err);
	assert_non_null(p);
	assert_false(geodata_proj_target_is_geographic(p));
	double o[2] = {-102, 12};
	assert_int_equal(geodata_proj_trans(p, o, 1, 0), 0);
	assert_near(o[0], 2500000, 1e-3);
	assert_near(o[1], 0, 1e-3);

	test_rng rng = {6372};
	double pts[2 * 500], orig[2 * 500];
	for (int i = 0; i < 500; i++) {
		orig[2 * i] = pts[2 * i] = test_rng_uniform(&rng, -118, -86);
		orig[2 * i + 1] = pts[2 * i + 1] = test_rng_uniform(&rng, 14, 33);
	}
	assert_int_equal(geodata_proj_trans(p, pts, 500, 0), 0);
	for (int i = 0; i < 500; i++) {
		/* Easting grows eastward, northing northward: axis order is x = east. */
		assert_true(pts[2 * i] > 5e5 && pts[2 * i] < 4.5e6);
		assert_true(pts[2 * i + 1] > 2e5 && pts[2 * i + 1] < 2.6e6);
	}
	assert_int_equal(geodata_proj_trans(p, pts, 500, 1), 0);
	for (int i = 0; i < 1000; i++)
		assert_near(pts[i], orig[i], 1e-8);
	geodata_proj_destroy(p);

	p = geodata_proj_create("EPSG:3857", "EPSG:4326", &err);
	assert_non_null(p);
	assert_true(geodata_proj_target_is_geographic(p));
	double q[2] = {-20037508.342789244, 0};
	assert_int_equal(geodata_proj_trans(p, q, 1, 0), 0);
	assert_near(q[0], -180, 1e-9);
	assert_near(q[1], 0, 1e-9);
	geodata_proj_destroy(p);
}

static void expect_unknown(const char *from, const char *to, const char *named)
{
	geodata_error err;
	memset(&err, 0, sizeof(err));
	geodata_proj *p = geodata_proj_create(from, to, &err);
	if (p)
		fail_msg("'%s' -> '%s' should not be usable", from, to);
	if (!err.msg[0])
		fail_msg("no message for '%s' -> '%s'", from, to);
	if (!strstr(err.msg, named))
		fail_msg("message '%s' does not name '%s'", err.msg, named);
	assert_null(strchr(err.msg, '\n'));
	/* Without a message buffer it still fails cleanly. */
	assert_null(geodata_proj_create(from, to, NULL));
}

static void test_unknown_crs(void **state)
{
	(void)state;
	expect_unknown("EPSG:4326", "EPSG:999999", "EPSG:999999");
	expect_unknown("EPSG:4326", "no such crs", "no such crs");
	expect_unknown("EPSG:0", "EPSG:3857", "EPSG:0");
	expect_unknown("EPSG:4326", "", "");
}

static void test_geodesic_distances(void **state)
{
	(void)state;
	double az = 0;
	/* Reference distances from `geod +ellps=WGS84 -I`. */
	double d = geodata_geodesic_inverse(-99.1332, 19.4326, -107.3940, 24.8091, &az);
	assert_near(d, 1039178.2, 1039178.2 * 0.01);
	assert_near(az, -53.5620, 0.01); /* north-west */
	d = geodata_geodesic_inverse(-66.9036, 10.4806, -74.0721, 4.7110, &az);
	assert_near(d, 1016034.9, 1016034.9 * 0.01);
	assert_near(az, -128.3677, 0.01); /* south-west */
	/* Symmetric, and zero on the spot. */
	assert_near(geodata_geodesic_inverse(-74.0721, 4.7110, -66.9036, 10.4806, NULL), 1016034.9,
	            1);
	assert_near(geodata_geodesic_inverse(-66.9, 10.5, -66.9, 10.5, NULL), 0, 1e-6);
	/* A quarter of the equator. */
	assert_near(geodata_geodesic_inverse(0, 0, 90, 0, NULL), M_PI * R_WGS84 / 2, 1e-3);
}

static void test_geodesic_line(void **state)
{
	(void)state;
	enum { N = 33 };
	double xy[2 * N];
	geodata_geodesic_line(-66.9036, 10.4806, -74.0721, 4.7110, xy, N);
	assert_near(xy[0], -66.9036, 1e-9);
	assert_near(xy[1], 10.4806, 1e-9);
	assert_near(xy[2 * N - 2], -74.0721, 1e-9);
	assert_near(xy[2 * N - 1], 4.7110, 1e-9);
	double total = geodata_geodesic_inverse(xy[0], xy[1], xy[2 * N - 2], xy[2 * N - 1], NULL);
	for (int i = 1; i < N; i++) {
		double step = geodata_geodesic_inverse(xy[2 * i - 2], xy[2 * i - 1], xy[2 * i],
		                                       xy[2 * i + 1], NULL);
		assert_near(step, total / (N - 1), 1e-3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_web_mercator_known_values),
	    cmocka_unit_test(test_web_mercator_as_the_database_gives_it),
	    cmocka_unit_test(test_web_mercator_needs_no_database),
	    cmocka_unit_test(test_epsg6372_round_trip),
	    cmocka_unit_test(test_unknown_crs),
	    cmocka_unit_test(test_geodesic_distances),
	    cmocka_unit_test(test_geodesic_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
