/* test_bands.c: a drawing split into two bands on two threads gives the pixels of one pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "testcase.h"

#include "testutil.h"
#include "tiles/private.h"

/* Strokes, fills, dashes and text across the whole height, as a map has. */
static int scene_draw(void *ud, cairo_t *cr)
{
	(void)ud;
	cairo_set_source_rgb(cr, 0.84, 0.89, 0.93);
	cairo_paint(cr);
	test_rng rng = {7};
	for (int i = 0; i < 60; i++) {
		cairo_move_to(cr, test_rng_uniform(&rng, -20, 240),
		              test_rng_uniform(&rng, -20, 900));
		for (int k = 0; k < 5; k++)
			cairo_line_to(cr, test_rng_uniform(&rng, -20, 240),
			              test_rng_uniform(&rng, -20, 900));
		cairo_set_source_rgba(cr, i % 3 / 2.0, i % 5 / 4.0, 0.5, 0.7);
		if (i % 2)
			cairo_fill(cr);
		else {
			double dash[2] = {3, 2.2};
			cairo_set_dash(cr, dash, i % 4 ? 0 : 2, 0);
			cairo_set_line_width(cr, 0.5 + i % 3);
			cairo_stroke(cr);
		}
	}
	PangoLayout *lay = pango_cairo_create_layout(cr);
	for (int i = 0; i < 12; i++) {
		cairo_move_to(cr, 10 + i * 3.3, 70.4 * i);
		pango_layout_set_text(lay, "Culiacán, Sinaloa", -1);
		pango_cairo_layout_path(cr, lay);
		cairo_set_line_width(cr, 3);
		cairo_set_source_rgba(cr, 1, 1, 1, 0.8);
		cairo_stroke(cr);
		cairo_move_to(cr, 10 + i * 3.3, 70.4 * i);
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		pango_cairo_show_layout(cr, lay);
	}
	g_object_unref(lay);
	return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : TILE_ECAIRO;
}

/* A map frame clipped on whole pixels, magnified and offset by fractions, as on a sheet. */
static cairo_t *frame(cairo_surface_t *s)
{
	cairo_t *cr = cairo_create(s);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_rectangle(cr, 12, 20, 260, 1150);
	cairo_clip(cr);
	cairo_translate(cr, 12.5, 20.25);
	cairo_scale(cr, 1.27, 1.27);
	return cr;
}

static void test_bands_same_pixels(void **state)
{
	(void)state;
	cairo_surface_t *one = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 300, 1200);
	cairo_surface_t *two = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 300, 1200);
	cairo_t *a = frame(one), *b = frame(two);
	assert_int_equal(scene_draw(NULL, a), 0);
	double y0 = 20, y1 = 20 + 1150;
	assert_true(bands_worth_it(b, y0, y1));
	assert_int_equal(bands_draw(b, y0, y1, scene_draw, NULL, NULL), 0);
	/* The context drawn through goes on as before. */
	cairo_set_source_rgb(b, 0, 0, 0);
	cairo_rectangle(b, 0, 0, 2, 2);
	cairo_fill(b);
	cairo_set_source_rgb(a, 0, 0, 0);
	cairo_rectangle(a, 0, 0, 2, 2);
	cairo_fill(a);
	cairo_surface_flush(one);
	cairo_surface_flush(two);
	int stride = cairo_image_surface_get_stride(one);
	long differ = 0;
	for (int y = 0; y < 1200; y++)
		differ +=
		    memcmp(cairo_image_surface_get_data(one) + (size_t)y * stride,
		           cairo_image_surface_get_data(two) + (size_t)y * stride, 300 * 4) != 0;
	assert_int_equal(differ, 0);
	cairo_destroy(a);
	cairo_destroy(b);
	cairo_surface_destroy(one);
	cairo_surface_destroy(two);
}

static void test_bands_refused(void **state)
{
	(void)state;
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 300, 1200);
	cairo_t *cr = cairo_create(s);
	/* Too short to pay. */
	assert_false(bands_worth_it(cr, 0, 300));
	/* Beyond the image. */
	assert_false(bands_worth_it(cr, -5, 1000));
	/* Clips that are not whole-pixel rectangles cannot be given to the bands exactly. */
	cairo_save(cr);
	cairo_rectangle(cr, 0.5, 0, 200, 1200);
	cairo_clip(cr);
	assert_false(bands_worth_it(cr, 0, 1200));
	cairo_restore(cr);
	cairo_arc(cr, 150, 600, 100, 0, 6.283);
	cairo_clip(cr);
	assert_false(bands_worth_it(cr, 0, 1200));
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	/* Not an image. */
	cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
	cr = cairo_create(rec);
	assert_false(bands_worth_it(cr, 0, 1200));
	cairo_destroy(cr);
	cairo_surface_destroy(rec);
}

static int teardown(void **state)
{
	(void)state;
	test_release_fonts();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bands_same_pixels),
	    cmocka_unit_test(test_bands_refused),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
