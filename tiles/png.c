/* png.c: PNG encoding of cairo image surfaces through libpng, tuned for speed, with text chunks. */
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "private.h"

typedef struct {
	tile_buffer *out;
	int failed;
} sink;

static void write_cb(png_structp png, png_bytep data, png_size_t len)
{
	sink *s = png_get_io_ptr(png);
	if (tile_buffer_append(s->out, data, len))
		s->failed = 1;
}

static void flush_cb(png_structp png)
{
	(void)png;
}

static void error_cb(png_structp png, png_const_charp msg)
{
	(void)msg;
	png_longjmp(png, 1);
}

static void warning_cb(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static int is_opaque(const unsigned char *data, int w, int h, int stride)
{
	for (int y = 0; y < h; y++) {
		const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * stride);
		for (int x = 0; x < w; x++)
			if ((row[x] >> 24) != 0xff)
				return 0;
	}
	return 1;
}

int png_write_surface(cairo_surface_t *surface, const tile_png_meta *meta, int level,
                      tile_buffer *out, tile_error *err)
{
	cairo_surface_flush(surface);
	if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS ||
	    cairo_image_surface_get_format(surface) != CAIRO_FORMAT_ARGB32) {
		tile_error_set(err, "cannot encode: %s",
		               cairo_status_to_string(cairo_surface_status(surface)));
		return TILE_ECAIRO;
	}
	int w = cairo_image_surface_get_width(surface);
	int h = cairo_image_surface_get_height(surface);
	int stride = cairo_image_surface_get_stride(surface);
	const unsigned char *data = cairo_image_surface_get_data(surface);
	int opaque = is_opaque(data, w, h, stride);
	int channels = opaque ? 3 : 4;
	size_t start = out->len;
	sink s = {out, 0};
	/* volatile: these are read after a longjmp from libpng. */
	unsigned char *volatile row = malloc((size_t)w * 4);
	png_structp png = NULL;
	png_infop info = NULL;
	int rc = TILE_ENOMEM;
	if (!row)
		goto out;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, error_cb, warning_cb);
	if (!png)
		goto out;
	info = png_create_info_struct(png);
	if (!info)
		goto out;
	if (setjmp(png_jmpbuf(png))) {
		rc = TILE_EIO;
		tile_error_set(err, "PNG encoding failed");
		goto out;
	}
	png_set_write_fn(png, &s, write_cb, flush_cb);
	png_set_compression_level(png, level);
	/* SUB alone compresses flat map colours well at a fraction of the cost of adaptive
	 * filtering. */
	png_set_filter(png, 0, PNG_FILTER_SUB);
	png_set_compression_strategy(png, level <= 2 ? Z_RLE : Z_DEFAULT_STRATEGY);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8,
	             opaque ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (meta) {
		png_text text[5];
		int nt = 0;
		const char *keys[5] = {"Title", "Source", "Software", "Creation Time",
		                       "Description"};
		const char *vals[5] = {meta->title, meta->source, meta->software,
		                       meta->creation_time, meta->description};
		for (int i = 0; i < 5; i++) {
			if (!vals[i])
				continue;
			memset(&text[nt], 0, sizeof(text[nt]));
			/* iTXt keeps UTF-8 titles intact; tEXt is Latin-1 only. */
			text[nt].compression = PNG_ITXT_COMPRESSION_NONE;
			text[nt].key = (png_charp)keys[i];
			text[nt].text = (png_charp)vals[i];
			text[nt].text_length = 0;
			text[nt].itxt_length = strlen(vals[i]);
			nt++;
		}
		if (nt)
			png_set_text(png, info, text, nt);
	}
	png_write_info(png, info);
	for (int y = 0; y < h; y++) {
		const uint32_t *src = (const uint32_t *)(const void *)(data + (size_t)y * stride);
		unsigned char *d = row;
		for (int x = 0; x < w; x++) {
			uint32_t p = src[x];
			unsigned a = p >> 24, r = (p >> 16) & 0xff, g = (p >> 8) & 0xff,
			         b = p & 0xff;
			if (a != 0xff && a != 0) {
				/* cairo stores premultiplied alpha; PNG wants it straight. */
				r = (r * 255 + a / 2) / a;
				g = (g * 255 + a / 2) / a;
				b = (b * 255 + a / 2) / a;
			}
			*d++ = (unsigned char)r;
			*d++ = (unsigned char)g;
			*d++ = (unsigned char)b;
			if (channels == 4)
				*d++ = (unsigned char)a;
		}
		png_write_row(png, row);
	}
	png_write_end(png, info);
	rc = s.failed ? TILE_ENOMEM : 0;
out:
	if (png)
		png_destroy_write_struct(&png, info ? &info : NULL);
	free(row);
	if (rc) {
		out->len = start;
		if (rc == TILE_ENOMEM)
			tile_error_set(err, "out of memory encoding PNG");
	}
	return rc;
}

int tile_png_encode(void *surface, const tile_png_meta *meta, tile_buffer *out, tile_error *err)
{
	return png_write_surface(surface, meta, 6, out, err);
}
