/* test_tilemath.c: XYZ tile extents, point-to-tile lookup and pyramid bounds, against PROJ. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "testcase.h"
#include <limits.h>
#include <math.h>

#include "testutil.h"

static void test_valid_bounds(void **state)
{
	(void)state;
	assert_true(tile_xyz_valid(0, 0, 0));
	assert_false(tile_xyz_valid(0, 1, 0));
	assert_false(tile_xyz_valid(0, 0, 1));
	assert_true(tile_xyz_valid(3, 7, 7));
	assert_false(tile_xyz_valid(3, 8, 0));
	assert_false(tile_xyz_valid(3, 0, 8));
	assert_true(tile_xyz_valid(12, 4095, 4095));
	assert_true(tile_xyz_valid(12, 0, 4095));
	assert_false(tile_xyz_valid(12, 4096, 0));
	assert_false(tile_xyz_valid(12, 0, 4096));
	assert_false(tile_xyz_valid(13, 0, 0));
	assert_false(tile_xyz_valid(-1, 0, 0));
	assert_false(tile_xyz_valid(3, -1, 0));
	assert_false(tile_xyz_valid(3, 0, -1));
	assert_false(tile_xyz_valid(3, LONG_MIN, 0));
	assert_false(tile_xyz_valid(3, 0, LONG_MAX));
	/* Large zooms must be rejected before any shift by the zoom. */
	assert_false(tile_xyz_valid(63, 0, 0));
	assert_false(tile_xyz_valid(64, 0, 0));
	assert_false(tile_xyz_valid(INT_MAX, 0, 0));
	assert_false(tile_xyz_valid(INT_MIN, 0, 0));
}

static void test_bbox_world_and_edges(void **state)
{
	(void)state;
	const double H = GEODATA_MERC_HALF;
	geodata_bbox b;
	assert_int_equal(tile_xyz_bbox(0, 0, 0, &b), 0);
	assert_near(b.minx, -H, 1e-6);
	assert_near(b.maxx, H, 1e-6);
	assert_near(b.miny, -H, 1e-6);
	assert_near(b.maxy, H, 1e-6);

	/* y = 0 is the north. */
	assert_int_equal(tile_xyz_bbox(1, 0, 0, &b), 0);
	assert_near(b.minx, -H, 1e-6);
	assert_near(b.maxx, 0, 1e-6);
	assert_near(b.miny, 0, 1e-6);
	assert_near(b.maxy, H, 1e-6);

	/* The last tile of the deepest zoom touches the south-east corner of the world. */
	assert_int_equal(tile_xyz_bbox(12, 4095, 4095, &b), 0);
	double size = 2 * H / 4096;
	assert_near(b.maxx, H, 1e-6);
	assert_near(b.miny, -H, 1e-6);
	assert_near(b.maxx - b.minx, size, 1e-6);
	assert_near(b.maxy - b.miny, size, 1e-6);
	assert_int_equal(tile_xyz_bbox(12, 0, 0, &b), 0);
	assert_near(b.minx, -H, 1e-6);
	assert_near(b.maxy, H, 1e-6);

	assert_int_equal(tile_xyz_bbox(13, 0, 0, &b), TILE_ERANGE);
	assert_int_equal(tile_xyz_bbox(-1, 0, 0, &b), TILE_ERANGE);
	assert_int_equal(tile_xyz_bbox(3, 8, 0, &b), TILE_ERANGE);
	assert_int_equal(tile_xyz_bbox(3, 0, 8, &b), TILE_ERANGE);
	assert_int_equal(tile_xyz_bbox(3, -1, 0, &b), TILE_ERANGE);
	assert_int_equal(tile_xyz_bbox(0, 1, 0, &b), TILE_ERANGE);
}

/* Every tile of a zoom abuts its neighbours: no gap or overlap larger than rounding. */
static void test_bbox_tiles_abut(void **state)
{
	(void)state;
	for (int z = 0; z <= GEODATA_MAX_ZOOM; z++) {
		long n = 1L << z;
		long step = n > 64 ? n / 61 : 1;
		for (long x = 0; x + 1 < n; x += step) {
			geodata_bbox a, b;
			assert_int_equal(tile_xyz_bbox(z, x, x % n, &a), 0);
			assert_int_equal(tile_xyz_bbox(z, x + 1, x % n, &b), 0);
			assert_near(a.maxx, b.minx, 1e-6);
			assert_int_equal(tile_xyz_bbox(z, x, x + 1, &b), 0);
			assert_near(a.miny, b.maxy, 1e-6);
			assert_near(a.maxx - a.minx, geodata_zoom_resolution(z) * 256, 1e-6);
		}
	}
}

/* The tile of a point is found with PROJ's Web Mercator, independently of tilemath.c. */
static void expected_tile(geodata_proj *p, double lon, double lat, int z, long *x, long *y)
{
	double mx, my;
	assert_int_equal(geodata_lonlat_to_merc(p, lon, lat, &mx, &my), 0);
	double size = 2 * GEODATA_MERC_HALF / (double)(1L << z);
	long n = 1L << z;
	long ix = (long)floor((mx + GEODATA_MERC_HALF) / size);
	long iy = (long)floor((GEODATA_MERC_HALF - my) / size);
	*x = ix < 0 ? 0 : ix >= n ? n - 1 : ix;
	*y = iy < 0 ? 0 : iy >= n ? n - 1 : iy;
}

static void test_lonlat_to_xyz_against_proj(void **state)
{
	(void)state;
	geodata_error err = {{0}};
	geodata_proj *p = geodata_proj_create("EPSG:4326", "EPSG:3857", &err);
	assert_non_null(p);
	test_rng rng = {0x9e3779b97f4a7c15ULL};
	int checked = 0;
	for (int i = 0; i < 20000; i++) {
		double lon = test_rng_uniform(&rng, -179.999, 179.999);
		double lat = test_rng_uniform(&rng, -85.0, 85.0);
		int z = (int)(test_rng_next(&rng) % (GEODATA_MAX_ZOOM + 1));
		long ex, ey, x, y;
		expected_tile(p, lon, lat, z, &ex, &ey);
		tile_lonlat_to_xyz(lon, lat, z, &x, &y);
		/* A point within a micrometre of a tile edge may fall either way. */
		geodata_bbox b;
		assert_int_equal(tile_xyz_bbox(z, x, y, &b), 0);
		double mx, my;
		assert_int_equal(geodata_lonlat_to_merc(p, lon, lat, &mx, &my), 0);
		assert_true(mx >= b.minx - 1e-3 && mx <= b.maxx + 1e-3);
		assert_true(my >= b.miny - 1e-3 && my <= b.maxy + 1e-3);
		if (labs(ex - x) + labs(ey - y) == 0)
			checked++;
	}
	/* All but edge cases agree exactly. */
	assert_true(checked >= 19990);
	geodata_proj_destroy(p);
}

static void test_lonlat_to_xyz_known(void **state)
{
	(void)state;
	long x, y;
	tile_lonlat_to_xyz(0.0001, -0.0001, 1, &x, &y);
	assert_int_equal(x, 1);
	assert_int_equal(y, 1);
	tile_lonlat_to_xyz(-0.0001, 0.0001, 1, &x, &y);
	assert_int_equal(x, 0);
	assert_int_equal(y, 0);
	/* Caracas (66.9036 W, 10.4806 N) at zoom 7 is tile 40/60. */
	tile_lonlat_to_xyz(-66.9036, 10.4806, 7, &x, &y);
	assert_int_equal(x, 40);
	assert_int_equal(y, 60);
	/* The corners and beyond clamp into the pyramid. */
	tile_lonlat_to_xyz(-180, 85.0511, 0, &x, &y);
	assert_int_equal(x, 0);
	assert_int_equal(y, 0);
	tile_lonlat_to_xyz(-180, 90, 12, &x, &y);
	assert_int_equal(x, 0);
	assert_int_equal(y, 0);
	tile_lonlat_to_xyz(180, -90, 12, &x, &y);
	assert_int_equal(x, 4095);
	assert_int_equal(y, 4095);
	tile_lonlat_to_xyz(200, -89, 5, &x, &y);
	assert_int_equal(x, 31);
	assert_int_equal(y, 31);
	tile_lonlat_to_xyz(-200, 89, 5, &x, &y);
	assert_int_equal(x, 0);
	assert_int_equal(y, 0);
}

/* The centre of any tile maps back to that tile. */
static void test_tile_centre_round_trip(void **state)
{
	(void)state;
	geodata_error err = {{0}};
	geodata_proj *p = geodata_proj_create("EPSG:4326", "EPSG:3857", &err);
	assert_non_null(p);
	test_rng rng = {12345};
	for (int i = 0; i < 5000; i++) {
		int z = (int)(test_rng_next(&rng) % (GEODATA_MAX_ZOOM + 1));
		long n = 1L << z;
		long x = (long)(test_rng_next(&rng) % (uint64_t)n);
		long y = (long)(test_rng_next(&rng) % (uint64_t)n);
		geodata_bbox b;
		assert_int_equal(tile_xyz_bbox(z, x, y, &b), 0);
		double c[2] = {(b.minx + b.maxx) / 2, (b.miny + b.maxy) / 2};
		assert_int_equal(geodata_proj_trans(p, c, 1, 1), 0);
		long tx, ty;
		tile_lonlat_to_xyz(c[0], c[1], z, &tx, &ty);
		assert_int_equal(tx, x);
		assert_int_equal(ty, y);
	}
	geodata_proj_destroy(p);
}

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(tile_tileset_from_name("briefing"), TILE_TILESET_BRIEFING);
	assert_int_equal(tile_tileset_from_name("base"), TILE_TILESET_BASE);
	assert_int_equal(tile_tileset_from_name("events"), TILE_TILESET_EVENTS);
	assert_int_equal(tile_tileset_from_name("Base"), -1);
	assert_int_equal(tile_tileset_from_name(""), -1);
	assert_int_equal(tile_tileset_from_name(NULL), -1);
	for (int t = 0; t < TILE_TILESET_COUNT; t++)
		assert_int_equal(tile_tileset_from_name(tile_tileset_name((tile_tileset)t)), t);
	assert_int_equal(tile_format_from_name("png"), TILE_FORMAT_PNG);
	assert_int_equal(tile_format_from_name("pdf"), TILE_FORMAT_PDF);
	assert_int_equal(tile_format_from_name("svg"), TILE_FORMAT_SVG);
	assert_int_equal(tile_format_from_name("jpeg"), -1);
	assert_int_equal(tile_format_from_name(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_bounds),
	    cmocka_unit_test(test_bbox_world_and_edges),
	    cmocka_unit_test(test_bbox_tiles_abut),
	    cmocka_unit_test(test_lonlat_to_xyz_against_proj),
	    cmocka_unit_test(test_lonlat_to_xyz_known),
	    cmocka_unit_test(test_tile_centre_round_trip),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
