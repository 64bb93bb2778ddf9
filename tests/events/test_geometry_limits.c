/* test_geometry_limits.c: oversized event geometry is refused by name; big but allowed geometry is
 * generalised per zoom so that tiles stay fast. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cairo.h>
#include <cmocka.h>
#include "testcase.h"
#include <pango/pangocairo.h>

#include "tiles.h"

/* A closed ring of `n` positions around (lon, lat), wobbling so that no vertex is redundant. */
static char *polygon_file(const char *id, size_t n, double lon, double lat, double r)
{
	size_t cap = 512 + n * 48, len = 0;
	char *s = malloc(cap);
	assert_non_null(s);
	len += (size_t)snprintf(s + len, cap - len,
	                        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
	                        "\"properties\":{\"id\":\"%s\",\"kind\":\"strike_zone\",\"title\":"
	                        "\"A big zone\",\"date\":\"2025-09-01\",\"date_precision\":\"day\","
	                        "\"status\":\"threatened\",\"geo_precision\":\"region\",\"source\":"
	                        "\"the article\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[",
	                        id);
	for (size_t i = 0; i < n; i++) {
		double a = 2 * M_PI * (double)(i % (n - 1)) / (double)(n - 1);
		double rr = r * (1 + 0.05 * sin(40 * a) + 0.01 * sin(977 * a));
		len += (size_t)snprintf(s + len, cap - len, "%s[%.7f,%.7f]", i ? "," : "",
		                        lon + rr * cos(a), lat + rr * sin(a));
	}
	snprintf(s + len, cap - len, "]]}}]}");
	return s;
}

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/briefmap-geom-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t n = strlen(text);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	return path;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_million_vertices_refused(void **state)
{
	(void)state;
	char *text = polygon_file("huge-zone", 1000000, -100, 22, 5);
	char *path = write_temp(text);
	free(text);
	geodata_problems pr = {0};
	double t0 = now_ms();
	geodata_events *ev = geodata_events_load(NULL, path, &pr);
	double ms = now_ms() - t0;
	assert_null(ev);
	assert_int_equal(pr.count, 1);
	const char *want = "feature 0 (id \"huge-zone\"): field \"geometry\": too many positions: "
	                   "1000000 (at most 100000 per feature)";
	if (strcmp(pr.lines[0], want))
		fail_msg("got: %s", pr.lines[0]);
	printf("1M-vertex polygon refused in %.0f ms\n", ms);
	geodata_problems_finish(&pr);
	unlink(path);
	free(path);
}

static void test_total_positions_refused(void **state)
{
	(void)state;
	/* 25 features of 90,000 positions each: each allowed, the file not. */
	size_t cap = 25 * 90000 * 24 + 4096, len = 0;
	char *s = malloc(cap);
	assert_non_null(s);
	len += (size_t)snprintf(s, cap, "{\"type\":\"FeatureCollection\",\"features\":[");
	for (int f = 0; f < 25; f++) {
		len += (size_t)snprintf(s + len, cap - len,
		                        "%s{\"type\":\"Feature\",\"properties\":{\"id\":\"l%d\"},"
		                        "\"geometry\":{\"type\":\"MultiPoint\",\"coordinates\":[",
		                        f ? "," : "", f);
		for (int i = 0; i < 90000; i++)
			len += (size_t)snprintf(s + len, cap - len, "%s[1,2]", i ? "," : "");
		len += (size_t)snprintf(s + len, cap - len, "]}}");
	}
	snprintf(s + len, cap - len, "]}");
	geodata_problems pr = {0};
	geodata_events *ev = geodata_events_load_buffer(NULL, s, strlen(s), &pr);
	free(s);
	assert_null(ev);
	assert_int_equal(pr.count, 1);
	if (!strstr(pr.lines[0], "too many positions in all geometries: 2250000 (at most 2000000)"))
		fail_msg("got: %s", pr.lines[0]);
	geodata_problems_finish(&pr);
}

static void test_fifty_thousand_vertices_fast(void **state)
{
	(void)state;
	geodata_options opts = {.data_dir = getenv("BRIEFMAP_DATA")};
	geodata_error err = {{0}};
	geodata *gd = geodata_load(&opts, &err);
	if (!gd)
		fail_msg("base data: %s", err.msg);
	char *text = polygon_file("big-zone", 50000, -100, 22, 5);
	char *path = write_temp(text);
	free(text);
	geodata_problems pr = {0};
	double t0 = now_ms();
	geodata_events *ev = geodata_events_load(gd, path, &pr);
	double load_ms = now_ms() - t0;
	for (size_t i = 0; i < pr.count; i++)
		fprintf(stderr, "%s\n", pr.lines[i]);
	assert_non_null(ev);
	const geodata_event *e = geodata_events_get(ev, 0);
	assert_int_equal(e->merc[0].npoints, 50000);
	/* Each level no bigger than the one above; a tile at zoom 5 draws a few hundred points. */
	for (int z = 0; z < GEODATA_MAX_ZOOM; z++)
		assert_true(e->level[z][0].npoints <= e->level[z + 1][0].npoints);
	assert_true(e->level[GEODATA_MAX_ZOOM][0].npoints <= 50000);
	assert_true(e->level[5][0].npoints < 2000);
	assert_true(e->level[5][0].npoints >= 4);

	tile_error te = {{0}};
	tile_scene *scene = tile_scene_create(gd, ev, 0, &te);
	assert_non_null(scene);
	double worst = 0;
	int zooms[] = {3, 5, 7, 9, 12};
	for (size_t k = 0; k < sizeof zooms / sizeof zooms[0]; k++) {
		long x, y;
		/* On the zone's edge, where its outline crosses the tile. */
		tile_lonlat_to_xyz(-95, 22, zooms[k], &x, &y);
		tile_buffer png = {0};
		/* The first render of a zoom also places that zoom's labels, once per scene. */
		assert_int_equal(tile_render_xyz(scene, TILE_TILESET_EVENTS, zooms[k], x, y, 1,
		                                 GEODATA_DAY_OPEN, &png, &te),
		                 0);
		png.len = 0;
		t0 = now_ms();
		assert_int_equal(tile_render_xyz(scene, TILE_TILESET_EVENTS, zooms[k], x, y, 1,
		                                 GEODATA_DAY_OPEN, &png, &te),
		                 0);
		double ms = now_ms() - t0;
		worst = ms > worst ? ms : worst;
		printf("tile %d/%ld/%ld with a 50,000-vertex zone: %.1f ms (%u points drawn)\n",
		       zooms[k], x, y, ms, e->level[zooms[k]][0].npoints);
		tile_buffer_finish(&png);
	}
	printf("events loaded in %.0f ms; slowest tile %.1f ms\n", load_ms, worst);
	/* Well under a second, even under the sanitizers. */
	assert_true(worst < 500);
	tile_scene_unref(scene);
	geodata_events_unref(ev);
	geodata_problems_finish(&pr);
	geodata_destroy(gd);
	unlink(path);
	free(path);
	pango_cairo_font_map_set_default(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_million_vertices_refused),
	    cmocka_unit_test(test_total_positions_refused),
	    cmocka_unit_test(test_fifty_thousand_vertices_fast),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
