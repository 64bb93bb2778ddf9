/* test_view_bands.c: views bigger than a tile, drawn in two bands, give the pixels of one pass;
 * a band draws only the labels it shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "testcase.h"
#include <math.h>
#include <string.h>

#include "testutil.h"
#include "tiles/private.h"

/* Tiles 6/14/26 to 6/17/29: a 1024 px square over Mexico at an exact zoom. */
static tile_view exact_view(int scale)
{
	tile_view v = {.width = 1024, .height = 1024, .scale = scale,
	               .tileset = TILE_TILESET_BRIEFING, .until = GEODATA_DAY_OPEN};
	geodata_bbox a, b;
	assert_int_equal(tile_xyz_bbox(6, 14, 26, &a), 0);
	assert_int_equal(tile_xyz_bbox(6, 17, 29, &b), 0);
	v.extent = (geodata_bbox){a.minx, b.miny, b.maxx, a.maxy};
	return v;
}

/* The same view at a zoom between two, 1300 x 900 px: labels placed for the view alone. */
static tile_view fractional_view(int scale)
{
	tile_view v = {.width = 1300, .height = 900, .scale = scale,
	               .tileset = TILE_TILESET_BRIEFING, .until = GEODATA_DAY_OPEN};
	double res = 2 * GEODATA_MERC_HALF / (256.0 * pow(2, 5.6));
	double cx = -11.0e6, cy = 2.4e6;
	v.extent = (geodata_bbox){cx - res * 650, cy - res * 450, cx + res * 650, cy + res * 450};
	return v;
}

/* The labels tile_view_render uses for `v`, and the view's origin in their pixels. */
static const label_set *view_labels(render_ctx *ctx, const tile_view *v, label_set *local,
                                    double *gx, double *gy)
{
	*gx = *gy = 0;
	if (fabs(ctx->zoomf - ctx->zoom) < 1e-6) {
		*gx = round((ctx->ox + GEODATA_MERC_HALF) / ctx->res);
		*gy = round((GEODATA_MERC_HALF - ctx->oy) / ctx->res);
		return scene_labels_lang(ctx->scene, ctx->zoom, v->lang);
	}
	assert_int_equal(labels_place_view(ctx, local), 0);
	return local;
}

/* `v` drawn by render_map in one pass on this thread, the way tile_view_render did alone. */
static cairo_surface_t *one_pass(const tile_scene *s, const tile_view *v)
{
	cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, v->width * v->scale,
	                                                   v->height * v->scale);
	cairo_t *cr = cairo_create(surf);
	cairo_scale(cr, v->scale, v->scale);
	render_ctx ctx;
	render_ctx_init_merc(&ctx, s, v, cr);
	label_set local = {0};
	double gx, gy;
	const label_set *ls = view_labels(&ctx, v, &local, &gx, &gy);
	assert_int_equal(render_map(&ctx, 1, 1, ls, gx, gy), 0);
	labels_finish(&local);
	render_ctx_finish(&ctx);
	cairo_destroy(cr);
	cairo_surface_flush(surf);
	return surf;
}

static long differing_rows(cairo_surface_t *a, cairo_surface_t *b)
{
	int w = cairo_image_surface_get_width(a), h = cairo_image_surface_get_height(a);
	assert_int_equal(cairo_image_surface_get_width(b), w);
	assert_int_equal(cairo_image_surface_get_height(b), h);
	int sa = cairo_image_surface_get_stride(a), sb = cairo_image_surface_get_stride(b);
	long differ = 0;
	for (int y = 0; y < h; y++)
		differ += memcmp(cairo_image_surface_get_data(a) + (size_t)y * sa,
		                 cairo_image_surface_get_data(b) + (size_t)y * sb, 4 * (size_t)w) != 0;
	return differ;
}

static void test_view_bands_same_pixels(void **state)
{
	test_world *w = *state;
	for (int scale = 1; scale <= 2; scale++)
		for (int k = 0; k < 2; k++) {
			tile_view v = k ? fractional_view(scale) : exact_view(scale);
			cairo_t *probe = cairo_create(
			    cairo_image_surface_create(CAIRO_FORMAT_ARGB32, v.width, v.height * scale));
			/* On a one-core machine there are no bands to check. */
			int banded = bands_worth_it(probe, 0, v.height * scale);
			cairo_surface_destroy(cairo_get_target(probe));
			cairo_destroy(probe);
			if (!banded)
				skip();
			void *got = NULL;
			tile_error err = {{0}};
			if (tile_view_render(w->scene, &v, &got, &err))
				fail_msg("view: %s", err.msg);
			cairo_surface_t *want = one_pass(w->scene, &v);
			long differ = differing_rows(got, want);
			if (differ)
				fail_msg("%s view @%dx: %ld rows differ", k ? "fractional" : "exact",
				         scale, differ);
			cairo_surface_destroy(got);
			cairo_surface_destroy(want);
		}
}

/*
 * A band (a context clipped to some rows) makes the images of the labels it shows and of no
 * other, so that two bands do not each draw every label of the view.
 */
static void test_band_draws_its_own_labels(void **state)
{
	test_world *w = *state;
	tile_error te = {{0}};
	tile_scene *s = tile_scene_create(w->gd, w->ev, 0, &te);
	if (!s)
		fail_msg("scene: %s", te.msg);
	tile_view v = exact_view(1);
	cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, v.width, v.height);
	cairo_t *cr = cairo_create(surf);
	render_ctx ctx;
	render_ctx_init_merc(&ctx, s, &v, cr);
	double gx, gy, band = 256, m = 8;
	const label_set *ls = view_labels(&ctx, &v, NULL, &gx, &gy);
	assert_non_null(ls);
	/* The labels of the view, and of its top band, as labels_draw counts them. */
	long in_view = 0, in_band = 0;
	for (size_t i = 0; i < ls->count; i++) {
		const placed_label *l = &ls->labels[i];
		int ev = l->cls == LABEL_EVENT;
		double x0 = (ev ? fmin(l->x, l->ax) : l->x) - gx,
		       y0 = (ev ? fmin(l->y, l->ay) : l->y) - gy;
		double x1 = (ev ? fmax(l->x + l->w, l->ax) : l->x + l->w) - gx,
		       y1 = (ev ? fmax(l->y + l->h, l->ay) : l->y + l->h) - gy;
		if (x1 < -m || x0 > v.width + m || y1 < -m || y0 > v.height + m)
			continue;
		in_view++;
		in_band += y0 <= band + m;
	}
	assert_true(in_band > 0);
	assert_true(in_band < in_view / 2);
	cairo_rectangle(cr, 0, 0, v.width, band);
	cairo_clip(cr);
	assert_int_equal(render_map(&ctx, 1, 1, ls, gx, gy), 0);
	tile_sprite_stats st;
	tile_scene_sprite_stats(s, &st);
	assert_true(st.made > 0);
	assert_true(st.made <= (unsigned long long)in_band);
	render_ctx_finish(&ctx);
	cairo_destroy(cr);
	cairo_surface_destroy(surf);
	tile_scene_unref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_view_bands_same_pixels),
	    cmocka_unit_test(test_band_draws_its_own_labels),
	};
	return cmocka_run_group_tests(tests, test_scene_setup, test_scene_teardown);
}
