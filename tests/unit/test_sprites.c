/* test_sprites.c: label images stay within the scene's byte budget under a long mixed load, on
 * two threads, and the tiles drawn with and without them match; the label grid files every label. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "testcase.h"
#include <pthread.h>
#include <string.h>

#include "testutil.h"
#include "tiles/private.h"

/* Tiles over Mexico and the Caribbean at zooms 3 to 11, the mixed load of a busy server. */
typedef struct tile_walk {
	tile_scene *scene;
	int first, step; /* this walker's share of the tiles */
	size_t budget;
	size_t tiles, worst; /* tiles drawn; most bytes seen held after one */
	int failed;
} tile_walk;

static void *walk(void *arg)
{
	tile_walk *w = arg;
	tile_buffer png = {0};
	int k = 0;
	for (int z = 3; z <= 11 && !w->failed; z++) {
		long n = 1L << z;
		/* lon -118..-60, lat 8..32: x from 0.17 to 0.33 of the world, y from 0.40 to 0.48. */
		long x0 = (long)(0.17 * n), x1 = (long)(0.33 * n), y0 = (long)(0.40 * n),
		     y1 = (long)(0.48 * n);
		long sx = (x1 - x0) / 6 + 1, sy = (y1 - y0) / 3 + 1;
		for (long y = y0; y <= y1 && !w->failed; y += sy)
			for (long x = x0; x <= x1 && !w->failed; x += sx, k++) {
				if (k % w->step != w->first)
					continue;
				tile_error err = {{0}};
				png.len = 0;
				if (tile_render_xyz(w->scene, TILE_TILESET_BRIEFING, z, x, y, 1 + (k % 2),
				                    GEODATA_DAY_OPEN, &png, &err)) {
					fprintf(stderr, "tile %d/%ld/%ld: %s\n", z, x, y, err.msg);
					w->failed = 1;
				}
				tile_sprite_stats st;
				tile_scene_sprite_stats(w->scene, &st);
				if (st.bytes > w->budget)
					w->failed = 2;
				if (st.bytes > w->worst)
					w->worst = st.bytes;
				w->tiles++;
			}
	}
	tile_buffer_finish(&png);
	return NULL;
}

static tile_scene *fresh_scene(test_world *w)
{
	tile_error te = {{0}};
	tile_scene *s = tile_scene_create(w->gd, w->ev, 0, &te);
	if (!s)
		fail_msg("scene: %s", te.msg);
	return s;
}

/* The default budget is the one the header states, and nothing is held before a tile. */
static void test_sprites_default_budget(void **state)
{
	tile_scene *s = fresh_scene(*state);
	tile_sprite_stats st;
	tile_scene_sprite_stats(s, &st);
	assert_int_equal(st.budget, LABEL_SPRITE_BUDGET);
	assert_int_equal(st.budget, (size_t)16 << 20);
	assert_int_equal(st.bytes, 0);
	tile_scene_unref(s);
}

/* A budget far below what the walk would keep: images are made, freed and refused, and the
 * bytes held never pass the budget, on one thread and then on two at once. */
static void test_sprites_stay_within_budget(void **state)
{
	tile_scene *s = fresh_scene(*state);
	const size_t budget = 384 << 10;
	tile_scene_set_sprite_budget(s, budget);
	tile_walk one = {.scene = s, .first = 0, .step = 1, .budget = budget};
	walk(&one);
	assert_int_equal(one.failed, 0);
	if (one.tiles < 100)
		fail_msg("the walk drew only %zu tiles", one.tiles);
	tile_sprite_stats st;
	tile_scene_sprite_stats(s, &st);
	assert_true(st.bytes <= budget);
	assert_true(one.worst > budget / 2); /* the budget was used, not merely respected */
	assert_true(st.evicted > 0 && st.made > st.evicted);

	tile_walk two[2] = {{.scene = s, .first = 0, .step = 2, .budget = budget},
	                    {.scene = s, .first = 1, .step = 2, .budget = budget}};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, walk, &two[1]), 0);
	walk(&two[0]);
	pthread_join(t, NULL);
	assert_int_equal(two[0].failed, 0);
	assert_int_equal(two[1].failed, 0);
	tile_sprite_stats st2;
	tile_scene_sprite_stats(s, &st2);
	assert_true(st2.bytes <= budget);
	assert_true(st2.evicted > st.evicted);
	tile_scene_unref(s);
}

/* The same walk without a bound holds several times the small budget: the bound did the work. */
static void test_sprites_unbounded_walk_holds_more(void **state)
{
	tile_scene *s = fresh_scene(*state);
	tile_walk one = {.scene = s, .first = 0, .step = 1, .budget = (size_t)-1};
	walk(&one);
	assert_int_equal(one.failed, 0);
	tile_sprite_stats st;
	tile_scene_sprite_stats(s, &st);
	assert_true(st.bytes > 4 * (384 << 10));
	assert_int_equal(st.evicted, 0);
	tile_scene_unref(s);
}

static cairo_surface_t *draw(tile_scene *s, int z, long x, long y, int scale)
{
	tile_view v = {.width = 256, .height = 256, .scale = scale,
	               .tileset = TILE_TILESET_BRIEFING, .until = GEODATA_DAY_OPEN};
	assert_int_equal(tile_xyz_bbox(z, x, y, &v.extent), 0);
	void *surf = NULL;
	tile_error err = {{0}};
	if (tile_view_render(s, &v, &surf, &err))
		fail_msg("tile %d/%ld/%ld: %s", z, x, y, err.msg);
	cairo_surface_flush(surf);
	return surf;
}

/* A label drawn as text where its image was refused looks the same as the image. */
static void test_sprites_match_text(void **state)
{
	tile_scene *with = fresh_scene(*state), *without = fresh_scene(*state);
	tile_scene_set_sprite_budget(without, 0);
	static const int tiles[][3] = {{5, 7, 14}, {6, 14, 28}, {7, 27, 55}, {8, 55, 111}};
	for (size_t t = 0; t < sizeof tiles / sizeof tiles[0]; t++)
		for (int scale = 1; scale <= 2; scale++) {
			cairo_surface_t *a = draw(with, tiles[t][0], tiles[t][1], tiles[t][2], scale);
			cairo_surface_t *b = draw(without, tiles[t][0], tiles[t][1], tiles[t][2], scale);
			int w = cairo_image_surface_get_width(a), h = cairo_image_surface_get_height(a);
			int sa = cairo_image_surface_get_stride(a);
			const unsigned char *pa = cairo_image_surface_get_data(a),
			                    *pb = cairo_image_surface_get_data(b);
			double sum = 0;
			long big = 0;
			for (int y = 0; y < h; y++)
				for (int x = 0; x < 4 * w; x++) {
					int d = abs(pa[y * sa + x] - pb[y * sa + x]);
					sum += d;
					big += d > 32;
				}
			/* The golden tests' tolerance: mean below 1, under 0.5% of values far off. */
			assert_true(sum / (4.0 * w * h) < 1.0);
			assert_true(big < (long)(0.005 * 4 * w * h));
			cairo_surface_destroy(a);
			cairo_surface_destroy(b);
		}
	tile_sprite_stats st;
	tile_scene_sprite_stats(with, &st);
	assert_true(st.made > 0);
	tile_scene_sprite_stats(without, &st);
	assert_int_equal(st.made, 0);
	assert_int_equal(st.bytes, 0);
	assert_true(st.refused > 0);
	tile_scene_unref(with);
	tile_scene_unref(without);
}

/* Every label a tile would draw is filed in the tile's cell: the grid loses nothing. */
static void test_label_grid_files_every_label(void **state)
{
	test_world *w = *state;
	for (int z = 2; z <= 9; z++) {
		const label_set *ls = scene_labels(w->scene, z);
		assert_non_null(ls);
		assert_true(ls->grid.ready);
		long n = 1L << z;
		for (long ty = 0; ty < n; ty += (n + 15) / 16)
			for (long tx = 0; tx < n; tx += (n + 15) / 16) {
				double gx = 256.0 * tx, gy = 256.0 * ty;
				const uint32_t *idx;
				uint32_t *scratch;
				long m = label_grid_query(&ls->grid, gx, gy, gx + 256 - 1e-3,
				                          gy + 256 - 1e-3, &idx, &scratch);
				assert_true(m >= 0);
				assert_null(scratch); /* a tile is one cell */
				long k = 0;
				for (size_t i = 0; i < ls->count; i++) {
					const placed_label *l = &ls->labels[i];
					double x0 = fmin(l->x, l->ax) - gx, y0 = fmin(l->y, l->ay) - gy;
					double x1 = fmax(l->x + l->w, l->ax) - gx,
					       y1 = fmax(l->y + l->h, l->ay) - gy;
					if (x1 < -8 || y1 < -8 || x0 > 264 || y0 > 264)
						continue;
					/* In placement order, so drawing order is kept. */
					while (k < m && idx[k] < i)
						k++;
					if (k == m || idx[k] != i)
						fail_msg("zoom %d tile %ld/%ld: label '%s' not filed", z,
						         tx, ty, l->text);
				}
			}
		/* A box over several cells gets each label once, in order. */
		const uint32_t *idx;
		uint32_t *scratch;
		long m = label_grid_query(&ls->grid, 0, 0, 256.0 * n, 256.0 * n, &idx, &scratch);
		assert_int_equal(m, (long)ls->count);
		for (long k = 0; k < m; k++)
			assert_int_equal(idx[k], (uint32_t)k);
		free(scratch);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sprites_default_budget),
	    cmocka_unit_test(test_sprites_stay_within_budget),
	    cmocka_unit_test(test_sprites_unbounded_walk_holds_more),
	    cmocka_unit_test(test_sprites_match_text),
	    cmocka_unit_test(test_label_grid_files_every_label),
	};
	return cmocka_run_group_tests(tests, test_scene_setup, test_scene_teardown);
}
