/* test_png.c: tile and sheet encoders: PNG and WebP decode back to the pixels drawn, or within the
 * palette's bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "testcase.h"
#include <string.h>
#include <webp/decode.h>

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
		assert_int_equal(png_write_surface(s, NULL, levels[i], 0, &out, &err), 0);
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
	assert_int_equal(png_write_surface(e, NULL, 2, 0, &out, &err), 0);
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
	int rc = png_write_surface(s, NULL, 2, 0, &out, &err);
	assert_true(rc < 0);
	assert_true(err.msg[0] != 0);
	/* Nothing half-written is left behind. */
	assert_int_equal(out.len, 2);
	cairo_surface_destroy(s);
	tile_buffer_finish(&out);
	tile_buffer_finish(NULL);
}

/* Flat rectangles on whole pixels: `n` colours exactly, no anti-aliasing. */
static cairo_surface_t *draw_flat(int w, int h, int n, int opaque)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	cairo_t *cr = cairo_create(s);
	cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
	for (int x = 0; x < w; x++) {
		int i = x % n;
		double a = opaque ? 1 : (i % 3 == 0 ? 0 : i % 3 == 1 ? 0.5 : 1);
		cairo_set_source_rgba(cr, (i * 37 % 256) / 255.0, (i * 91 % 256) / 255.0,
		                      (i * 13 % 256) / 255.0, a);
		cairo_rectangle(cr, x, 0, 1, h);
		cairo_fill(cr);
	}
	cairo_destroy(cr);
	cairo_surface_flush(s);
	return s;
}

static int png_colour_type(const tile_buffer *b)
{
	return b->data[25];
}

static int png_bit_depth(const tile_buffer *b)
{
	return b->data[24];
}

/* At most 256 colours: an exact palette, at the smallest bit depth, whatever the bound. */
static void test_exact_palette(void **state)
{
	(void)state;
	const struct {
		int colours, opaque, depth;
	} cases[] = {{2, 1, 1}, {4, 1, 2}, {16, 1, 4}, {200, 1, 8}, {256, 0, 8}, {9, 0, 4}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cairo_surface_t *s = draw_flat(256, 7, cases[i].colours, cases[i].opaque);
		for (int bound = 0; bound <= 16; bound += 16) {
			tile_buffer out = {0};
			tile_error err = {{0}};
			assert_int_equal(png_write_surface(s, NULL, 6, bound, &out, &err), 0);
			assert_int_equal(png_colour_type(&out), 3);
			assert_int_equal(png_bit_depth(&out), cases[i].depth);
			cairo_surface_t *d = decode(out.data, out.len);
			compare(s, d, 1, cases[i].opaque ? 0 : 1);
			cairo_surface_destroy(d);
			tile_buffer_finish(&out);
		}
		cairo_surface_destroy(s);
	}
}

/* Colours no 256 can stand for within the bound: the image stays full colour, exact. */
static void test_palette_refused(void **state)
{
	(void)state;
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 128, 128);
	cairo_surface_flush(s);
	unsigned char *data = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s);
	test_rng rng = {42};
	for (int y = 0; y < 128; y++)
		for (int x = 0; x < 128; x++)
			((uint32_t *)(void *)(data + (size_t)y * stride))[x] =
			    0xff000000u | (uint32_t)(test_rng_next(&rng) >> 40);
	cairo_surface_mark_dirty(s);
	tile_buffer out = {0};
	tile_error err = {{0}};
	assert_int_equal(png_write_surface(s, NULL, 6, TILE_QUANT_MAX_ERROR, &out, &err), 0);
	assert_int_equal(png_colour_type(&out), 2);
	cairo_surface_t *d = decode(out.data, out.len);
	compare(s, d, 0, 0);
	cairo_surface_destroy(d);
	tile_buffer_finish(&out);
	cairo_surface_destroy(s);
}

/* Entries of a PNG's palette, from the length of its PLTE chunk; 0 when it has none. */
static int png_palette_entries(const tile_buffer *b)
{
	for (size_t i = 12; i + 4 <= b->len; i++)
		if (!memcmp(b->data + i, "PLTE", 4)) {
			const unsigned char *l = b->data + i - 4;
			return (int)(((uint32_t)l[0] << 24 | (uint32_t)l[1] << 16 |
			              (uint32_t)l[2] << 8 | l[3]) / 3);
		}
	return 0;
}

/*
 * More than 256 colours within the bound: with a PSNR floor the palette stops
 * at the fewest colours that reach it, and a higher floor needs more of them.
 */
static void test_palette_fewest_colours(void **state)
{
	(void)state;
	const int w = 200, h = 120;
	cairo_surface_t *s = draw_sample(w, h, 1);
	const unsigned char *data = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s);
	quant_palette all = {0};
	assert_int_equal(quant_palette_build(data, w, h, stride, 255, 0, &all), 1);
	assert_int_equal(all.count, 256);
	const double floors[] = {40, 46};
	int counts[2];
	for (int i = 0; i < 2; i++) {
		quant_palette q = {0};
		assert_int_equal(quant_palette_build(data, w, h, stride, 255, floors[i], &q), 1);
		double psnr = 10 * log10(255.0 * 255.0 / (q.sq_error / ((double)w * h * 4)));
		printf("# %.0f dB floor: %d colours, %.1f dB\n", floors[i], q.count, psnr);
		assert_true(psnr >= floors[i]);
		assert_true(q.count < all.count);
		counts[i] = q.count;
		quant_palette_finish(&q);
	}
	assert_true(counts[0] < counts[1]);
	quant_palette_finish(&all);
	cairo_surface_destroy(s);
}

/* Beyond 16 megapixels full colour is deflated row by row: the same pixels come back. */
static void test_large_round_trip(void **state)
{
	(void)state;
	const struct {
		int w, h, opaque;
	} cases[] = {{4001, 4000, 1}, {4100, 4000, 0}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cairo_surface_t *s = draw_sample(cases[i].w, cases[i].h, cases[i].opaque);
		tile_buffer out = {0};
		tile_error err = {{0}};
		assert_int_equal(png_write_surface(s, NULL, 4, 0, &out, &err), 0);
		assert_int_equal(png_colour_type(&out), cases[i].opaque ? 2 : 6);
		cairo_surface_t *d = decode(out.data, out.len);
		compare(s, d, !cases[i].opaque, cases[i].opaque ? 0 : 1);
		cairo_surface_destroy(d);
		tile_buffer_finish(&out);
		cairo_surface_destroy(s);
	}
}

typedef struct pixel_error {
	int max;      /* largest per-channel difference, premultiplied */
	double sq, n; /* sum of squared differences, channels compared */
} pixel_error;

static void accumulate(pixel_error *e, cairo_surface_t *a, const unsigned char *b, int b_stride)
{
	int w = cairo_image_surface_get_width(a), h = cairo_image_surface_get_height(a);
	const unsigned char *da = cairo_image_surface_get_data(a);
	int sa = cairo_image_surface_get_stride(a);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint32_t pa = ((const uint32_t *)(const void *)(da + (size_t)y * sa))[x];
			uint32_t pb =
			    ((const uint32_t *)(const void *)(b + (size_t)y * b_stride))[x];
			for (int sh = 0; sh < 32; sh += 8) {
				int d = (int)(pa >> sh & 0xff) - (int)(pb >> sh & 0xff);
				e->max = abs(d) > e->max ? abs(d) : e->max;
				e->sq += (double)d * d;
				e->n++;
			}
		}
}

/*
 * No visible loss: real tiles of every tileset, at 1x and 2x, encoded as tiles
 * are, decode within TILE_QUANT_MAX_ERROR of their full-colour render on every
 * channel of every pixel (one more where un- and re-premultiplying rounds), at
 * a PSNR of at least 50 dB over all of them and of TILE_QUANT_MIN_PSNR for each
 * of fewer than 256 colours (within rounding), and the PNGs are at most 0.65 of the lossless ones' size.
 * The WebP of each tile decodes to the PNG's pixels, and within the same bounds
 * of the full-colour render.
 */
static void test_tiles_within_bound(void **state)
{
	test_world *w = *state;
	pixel_error png_err = {0}, webp_err = {0}, webp_full = {0};
	double min_psnr = 99;
	size_t quantised = 0, lossless = 0, tiles = 0;
	for (int z = 2; z <= 9; z++) {
		long x0, y0, x1, y1;
		tile_lonlat_to_xyz(-118, 33, z, &x0, &y0);
		tile_lonlat_to_xyz(-60, 3, z, &x1, &y1);
		/* A spread sample: about 8 tiles a zoom, every tileset, both scales. */
		long step = (x1 - x0 + 1) * (y1 - y0 + 1) / 8 + 1, k = 0;
		for (long y = y0; y <= y1; y++)
			for (long x = x0; x <= x1; x++, k++) {
				if (k % step)
					continue;
				tile_view v = {.width = TILE_SIZE,
				               .height = TILE_SIZE,
				               .scale = 1 + (int)(k / step % 2),
				               .tileset =
				                   (tile_tileset)(k / step % TILE_TILESET_COUNT),
				               .until = GEODATA_DAY_OPEN};
				assert_int_equal(tile_xyz_bbox(z, x, y, &v.extent), 0);
				void *surf = NULL;
				tile_error err = {{0}};
				assert_int_equal(tile_view_render(w->scene, &v, &surf, &err), 0);
				tile_buffer q = {0}, l = {0}, wp = {0};
				const tile_image_codec *png = tile_image_codec_get(TILE_IMAGE_PNG);
				const tile_image_codec *webp =
				    tile_image_codec_get(TILE_IMAGE_WEBP);
				assert_int_equal(png->encode(surf, &q, &err), 0);
				assert_int_equal(png_write_surface(surf, NULL, 6, 0, &l, &err), 0);
				assert_int_equal(webp->encode(surf, &wp, &err), 0);
				cairo_surface_t *d = decode(q.data, q.len);
				cairo_surface_flush(d);
				pixel_error one = {0};
				accumulate(&one, surf, cairo_image_surface_get_data(d),
				           cairo_image_surface_get_stride(d));
				if (one.max > TILE_QUANT_MAX_ERROR + 1)
					fail_msg("tile %d/%ld/%ld@%dx: a channel moved by %d", z, x,
					         y, v.scale, one.max);
				accumulate(&png_err, surf, cairo_image_surface_get_data(d),
				           cairo_image_surface_get_stride(d));
				/* WebP gives straight alpha: premultiply it as cairo does. */
				int ww, wh;
				uint8_t *rgba = WebPDecodeBGRA(wp.data, wp.len, &ww, &wh);
				assert_non_null(rgba);
				assert_int_equal(ww, cairo_image_surface_get_width(surf));
				for (int i = 0; i < ww * wh; i++) {
					uint8_t *p = rgba + 4 * i;
					for (int c = 0; c < 3; c++)
						p[c] = (uint8_t)((p[c] * p[3] + 127) / 255);
				}
				accumulate(&webp_err, d, rgba, 4 * ww);
				/* And the WebP against the full-colour render: the same bound. */
				pixel_error wone = {0};
				accumulate(&wone, surf, rgba, 4 * ww);
				accumulate(&webp_full, surf, rgba, 4 * ww);
				if (wone.max > TILE_QUANT_MAX_ERROR + 1)
					fail_msg("tile %d/%ld/%ld@%dx as WebP: a channel moved by %d",
					         z, x, y, v.scale, wone.max);
				WebPFree(rgba);
				/* A palette of fewer than 256 colours stopped at the floor. */
				double tile_psnr =
				    one.sq > 0 ? 10 * log10(255.0 * 255.0 / (one.sq / one.n)) : 99;
				if (png_palette_entries(&q) < 256 && tile_psnr < min_psnr)
					min_psnr = tile_psnr;
				quantised += q.len;
				lossless += l.len;
				tiles++;
				cairo_surface_destroy(d);
				cairo_surface_destroy(surf);
				tile_buffer_finish(&q);
				tile_buffer_finish(&l);
				tile_buffer_finish(&wp);
			}
	}
	double psnr = 10 * log10(255.0 * 255.0 / (png_err.sq / png_err.n));
	double webp_psnr = 10 * log10(255.0 * 255.0 / (webp_full.sq / webp_full.n));
	printf("# %zu tiles: max channel error %d, PSNR %.1f dB (WebP %.1f dB, least of a tile "
	       "of fewer than 256 colours %.1f dB), PNG %.2f of lossless\n",
	       tiles, png_err.max, psnr, webp_psnr, min_psnr, (double)quantised / (double)lossless);
	assert_true(tiles >= 40);
	assert_true(psnr >= 50);
	assert_true(webp_psnr >= 50);
	/* The floor holds for each tile it cut short, within the rounding of straight alpha
	 * in the file. */
	assert_true(min_psnr >= TILE_QUANT_MIN_PSNR - 0.5);
	assert_true(quantised <= 0.65 * (double)lossless);
	/* Both encode the same palette image losslessly: only premultiplying may round. */
	assert_true(webp_err.max <= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_opaque_round_trip),
	    cmocka_unit_test(test_transparent_keeps_alpha),
	    cmocka_unit_test(test_metadata),
	    cmocka_unit_test(test_bad_surface),
	    cmocka_unit_test(test_exact_palette),
	    cmocka_unit_test(test_palette_refused),
	    cmocka_unit_test(test_large_round_trip),
	    cmocka_unit_test(test_palette_fewest_colours),
	};
	const struct CMUnitTest data_tests[] = {
	    cmocka_unit_test(test_tiles_within_bound),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	return failed + cmocka_run_group_tests(data_tests, test_scene_setup, test_scene_teardown);
}
