/* test_png.c: PNG encoding of cairo surfaces decodes back through cairo to the same pixels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "testutil.h"
#include "tiles/private.h"

static cairo_surface_t *decode(const unsigned char *data, size_t len)
{
	cairo_surface_t *s = test_png_decode(data, len);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
		fail_msg("cairo cannot read the PNG: %s",
		         cairo_status_to_string(cairo_surface_status(s)));
	return s;
}

/* Something with gradients, curves, text-like thin strokes and odd edges, in an odd size. */
static cairo_surface_t *draw_sample(int w, int h, int opaque)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	cairo_t *cr = cairo_create(s);
	if (opaque) {
		cairo_set_source_rgb(cr, 0.839, 0.894, 0.925);
		cairo_paint(cr);
	}
	cairo_pattern_t *g = cairo_pattern_create_linear(0, 0, w, h);
	cairo_pattern_add_color_stop_rgba(g, 0, 1, 0, 0, opaque ? 1 : 0.2);
	cairo_pattern_add_color_stop_rgba(g, 1, 0, 0.3, 1, opaque ? 1 : 0.9);
	cairo_set_source(cr, g);
	cairo_arc(cr, w * 0.4, h * 0.5, h * 0.35, 0, 6.283);
	cairo_fill(cr);
	cairo_pattern_destroy(g);
	cairo_set_source_rgba(cr, 0.1, 0.6, 0.2, opaque ? 1 : 0.5);
	cairo_set_line_width(cr, 1.3);
	for (int i = 0; i < 12; i++) {
		cairo_move_to(cr, i * 7.3, 0);
		cairo_line_to(cr, w - i * 3.1, h);
	}
	cairo_stroke(cr);
	assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
	cairo_destroy(cr);
	cairo_surface_flush(s);
	return s;
}

static void compare(cairo_surface_t *a, cairo_surface_t *b, int alpha, int tolerance)
{
	int w = cairo_image_surface_get_width(a), h = cairo_image_surface_get_height(a);
	assert_int_equal(cairo_image_surface_get_width(b), w);
	assert_int_equal(cairo_image_surface_get_height(b), h);
	cairo_surface_flush(b);
	const unsigned char *da = cairo_image_surface_get_data(a);
	const unsigned char *db = cairo_image_surface_get_data(b);
	int sa = cairo_image_surface_get_stride(a), sb = cairo_image_surface_get_stride(b);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint32_t pa = ((const uint32_t *)(const void *)(da + (size_t)y * sa))[x];
			uint32_t pb = ((const uint32_t *)(const void *)(db + (size_t)y * sb))[x];
			for (int sh = 0; sh < (alpha ? 32 : 24); sh += 8) {
				int ca = (int)(pa >> sh) & 0xff, cb = (int)(pb >> sh) & 0xff;
				int d = ca > cb ? ca - cb : cb - ca;
				if (d > (sh == 24 ? 0 : tolerance))
					fail_msg("pixel %d,%d: %08x encoded, %08x decoded", x, y,
					         (unsigned)pa, (unsigned)pb);
			}
		}
}

static void test_opaque_round_trip(void **state)
{
	(void)state;
	cairo_surface_t *s = draw_sample(97, 61, 1);
	const int levels[] = {1, 2, 6, 9};
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		tile_buffer out = {0};
		tile_error err = {{0}};
		/* Appends: what is already in the buffer stays. */
		assert_int_equal(tile_buffer_append(&out, "head", 4), 0);
		assert_int_equal(png_write_surface(s, NULL, levels[i], &out, &err), 0);
		assert_memory_equal(out.data, "head", 4);
		assert_memory_equal(out.data + 4, "\x89PNG\r\n\x1a\n", 8);
		cairo_surface_t *d = decode(out.data + 4, out.len - 4);
		/* Opaque images are written without alpha and come back exactly. */
		assert_int_equal(cairo_image_surface_get_format(d), CAIRO_FORMAT_RGB24);
		compare(s, d, 0, 0);
		cairo_surface_destroy(d);
		tile_buffer_finish(&out);
	}
	cairo_surface_destroy(s);
}

static void test_transparent_keeps_alpha(void **state)
{
	(void)state;
	cairo_surface_t *s = draw_sample(64, 48, 0);
	tile_buffer out = {0};
	tile_error err = {{0}};
	assert_int_equal(tile_png_encode(s, NULL, &out, &err), 0);
	cairo_surface_t *d = decode(out.data, out.len);
	assert_int_equal(cairo_image_surface_get_format(d), CAIRO_FORMAT_ARGB32);
	/* Alpha exactly; colour within the rounding of un- and re-premultiplying. */
	compare(s, d, 1, 1);
	/* The bottom left corner was never painted: fully transparent. */
	const unsigned char *last =
	    cairo_image_surface_get_data(d) +
	    (size_t)(cairo_image_surface_get_height(d) - 1) * cairo_image_surface_get_stride(d);
	assert_int_equal(*(const uint32_t *)(const void *)last, 0);
	cairo_surface_destroy(d);
	tile_buffer_finish(&out);

	/* An empty surface is all transparent, not black. */
	cairo_surface_t *e = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 16, 16);
	assert_int_equal(png_write_surface(e, NULL, 2, &out, &err), 0);
	d = decode(out.data, out.len);
	assert_int_equal(cairo_image_surface_get_format(d), CAIRO_FORMAT_ARGB32);
	compare(e, d, 1, 0);
	cairo_surface_destroy(d);
	cairo_surface_destroy(e);
	tile_buffer_finish(&out);
	cairo_surface_destroy(s);
}

static int contains(const tile_buffer *b, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= b->len; i++)
		if (!memcmp(b->data + i, needle, n))
			return 1;
	return 0;
}

static void test_metadata(void **state)
{
	(void)state;
	cairo_surface_t *s = draw_sample(20, 10, 1);
	tile_buffer out = {0};
	tile_error err = {{0}};
	tile_png_meta meta = {.title = "Ataques en Culiacán", .software = "briefmap"};
	assert_int_equal(tile_png_encode(s, &meta, &out, &err), 0);
	assert_true(contains(&out, "Title"));
	assert_true(contains(&out, "Ataques en Culiacán"));
	assert_true(contains(&out, "Software"));
	assert_false(contains(&out, "Description"));
	cairo_surface_t *d = decode(out.data, out.len);
	compare(s, d, 0, 0);
	cairo_surface_destroy(d);
	tile_buffer_finish(&out);
	cairo_surface_destroy(s);
}

static void test_bad_surface(void **state)
{
	(void)state;
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, 8, 8);
	tile_buffer out = {0};
	tile_error err = {{0}};
	assert_int_equal(tile_buffer_append(&out, "xy", 2), 0);
	int rc = png_write_surface(s, NULL, 2, &out, &err);
	assert_true(rc < 0);
	assert_true(err.msg[0] != 0);
	/* Nothing half-written is left behind. */
	assert_int_equal(out.len, 2);
	cairo_surface_destroy(s);
	tile_buffer_finish(&out);
	tile_buffer_finish(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_opaque_round_trip),
	    cmocka_unit_test(test_transparent_keeps_alpha),
	    cmocka_unit_test(test_metadata),
	    cmocka_unit_test(test_bad_surface),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
