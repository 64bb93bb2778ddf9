/* png.c: PNG encoding of cairo image surfaces: indexed colour when it fits, libdeflate, text
 * chunks. */
#include <libdeflate.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "private.h"

typedef struct sink {
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

/* cairo stores premultiplied alpha; PNG wants it straight. */
static void unpremultiply(uint32_t p, unsigned char rgba[4])
{
	unsigned a = p >> 24, r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;
	if (a != 0xff && a != 0) {
		r = (r * 255 + a / 2) / a;
		g = (g * 255 + a / 2) / a;
		b = (b * 255 + a / 2) / a;
	}
	rgba[0] = (unsigned char)r;
	rgba[1] = (unsigned char)g;
	rgba[2] = (unsigned char)b;
	rgba[3] = (unsigned char)a;
}

/* What goes into IDAT before deflate: one filter byte, then the row. */
typedef struct raster {
	unsigned char *data;
	size_t len, rowbytes;
	int depth, color_type;
} raster;

/* Indexed rows at the smallest bit depth that holds the palette, filter None (the PNG
 * specification's advice for palettes): on the benchmark's tiles Up made them 15% larger and a
 * per-row adaptive choice 11%. */
static int raster_indexed(raster *r, const quant_palette *q, const unsigned char *perm)
{
	int w = q->width, h = q->height;
	r->depth = q->count <= 2 ? 1 : q->count <= 4 ? 2 : q->count <= 16 ? 4 : 8;
	r->color_type = PNG_COLOR_TYPE_PALETTE;
	r->rowbytes = ((size_t)w * r->depth + 7) / 8;
	r->len = (r->rowbytes + 1) * h;
	r->data = calloc(1, r->len);
	if (!r->data)
		return TILE_ENOMEM;
	int per = 8 / r->depth;
	for (int y = 0; y < h; y++) {
		unsigned char *d = r->data + (r->rowbytes + 1) * y + 1;
		const unsigned char *s = q->index + (size_t)y * w;
		if (r->depth == 8) {
			for (int x = 0; x < w; x++)
				d[x] = perm[s[x]];
			continue;
		}
		for (int x = 0; x < w; x++)
			d[x / per] |= (unsigned char)(perm[s[x]] << (8 - r->depth * (x % per + 1)));
	}
	return 0;
}

/*
 * Full-colour images beyond this many pixels are deflated row by row through
 * zlib: libdeflate wants the whole filtered image in memory, 3 or 4 bytes a
 * pixel beside the surface (120 MB more at the 40-megapixel limit). A 10
 * megapixel sheet: whole, 205 MB peak and 0.9 s; by rows, 175 MB and 1.4 s.
 */
#define WHOLE_IMAGE_PIXELS (16L * 1000 * 1000)

static void truecolor_header(raster *r, int w, int h, int opaque)
{
	r->depth = 8;
	r->color_type = opaque ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGB_ALPHA;
	r->rowbytes = (size_t)w * (opaque ? 3 : 4);
	r->len = (r->rowbytes + 1) * h;
}

/* One RGB or RGBA row with the Sub filter: flat map colours become runs of zeros, cheaply. */
static void truecolor_row(const uint32_t *src, int w, int ch, unsigned char *d)
{
	*d++ = PNG_FILTER_VALUE_SUB;
	unsigned char prev[4] = {0, 0, 0, 0}, px[4];
	for (int x = 0; x < w; x++) {
		unpremultiply(src[x], px);
		for (int k = 0; k < ch; k++) {
			*d++ = (unsigned char)(px[k] - prev[k]);
			prev[k] = px[k];
		}
	}
}

static int raster_truecolor(raster *r, const unsigned char *data, int w, int h, int stride,
                            int opaque)
{
	truecolor_header(r, w, h, opaque);
	r->data = malloc(r->len);
	if (!r->data)
		return TILE_ENOMEM;
	for (int y = 0; y < h; y++)
		truecolor_row((const uint32_t *)(const void *)(data + (size_t)y * stride), w,
		              opaque ? 3 : 4, r->data + (r->rowbytes + 1) * y);
	return 0;
}

/* The same rows deflated one at a time, for images too big to filter whole. */
static int deflate_rows(const raster *r, const unsigned char *data, int w, int h, int stride,
                        int level, unsigned char **z, size_t *zlen)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (deflateInit(&zs, level > 9 ? 9 : level) != Z_OK)
		return TILE_ENOMEM;
	tile_buffer zb = {0};
	unsigned char *row = malloc(r->rowbytes + 1);
	unsigned char chunk[1 << 16];
	int rc = row ? 0 : TILE_ENOMEM;
	for (int y = 0; y < h && !rc; y++) {
		truecolor_row((const uint32_t *)(const void *)(data + (size_t)y * stride), w,
		              r->color_type == PNG_COLOR_TYPE_RGB ? 3 : 4, row);
		zs.next_in = row;
		zs.avail_in = (uInt)(r->rowbytes + 1);
		int flush = y == h - 1 ? Z_FINISH : Z_NO_FLUSH;
		do {
			zs.next_out = chunk;
			zs.avail_out = sizeof chunk;
			int zr = deflate(&zs, flush);
			if ((zr != Z_OK && zr != Z_STREAM_END) ||
			    tile_buffer_append(&zb, chunk, sizeof chunk - zs.avail_out)) {
				rc = TILE_ENOMEM;
				break;
			}
		} while (zs.avail_out == 0);
	}
	deflateEnd(&zs);
	free(row);
	if (rc) {
		tile_buffer_finish(&zb);
		return rc;
	}
	*z = zb.data;
	*zlen = zb.len;
	return 0;
}

static int deflate_raster(const raster *r, int level, unsigned char **z, size_t *zlen)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
	if (!c)
		return TILE_ENOMEM;
	size_t bound = libdeflate_zlib_compress_bound(c, r->len);
	*z = malloc(bound);
	*zlen = *z ? libdeflate_zlib_compress(c, r->data, r->len, *z, bound) : 0;
	libdeflate_free_compressor(c);
	return *zlen ? 0 : TILE_ENOMEM;
}

static void set_text(png_structp png, png_infop info, const tile_png_meta *meta)
{
	png_text text[5];
	int nt = 0;
	const char *keys[5] = {"Title", "Source", "Software", "Creation Time", "Description"};
	const char *vals[5] = {meta->title, meta->source, meta->software, meta->creation_time,
	                       meta->description};
	for (int i = 0; i < 5; i++) {
		if (!vals[i])
			continue;
		memset(&text[nt], 0, sizeof(text[nt]));
		/* iTXt keeps UTF-8 titles intact; tEXt is Latin-1 only. */
		text[nt].compression = PNG_ITXT_COMPRESSION_NONE;
		text[nt].key = (png_charp)keys[i];
		text[nt].text = (png_charp)vals[i];
		text[nt].itxt_length = strlen(vals[i]);
		nt++;
	}
	if (nt)
		png_set_text(png, info, text, nt);
}

/*
 * The palette in PNG order: translucent entries first, so that tRNS stops at
 * the last of them. `perm` maps the quantiser's slots to PNG indices.
 */
static int palette_order(const quant_palette *q, png_color *plte, png_byte *trns,
                         unsigned char *perm)
{
	int n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < q->count; i++) {
			int translucent = (q->color[i] >> 24) != 0xff;
			if (translucent != (pass == 0))
				continue;
			unsigned char px[4];
			unpremultiply(q->color[i], px);
			plte[n] = (png_color){px[0], px[1], px[2]};
			trns[n] = px[3];
			perm[i] = (unsigned char)n++;
		}
	int ntrns = 0;
	for (int i = 0; i < q->count; i++)
		if (trns[i] != 0xff)
			ntrns = i + 1;
	return ntrns;
}

typedef struct png_palette {
	png_color plte[256];
	png_byte trns[256];
	int count, ntrns;
} png_palette;

/* Frames deflated rows as a PNG with libpng: header, palette, text, IDAT, IEND. */
static int write_png(tile_buffer *out, const raster *r, int w, int h, const png_palette *pal,
                     const unsigned char *z, size_t zlen, const tile_png_meta *meta,
                     tile_error *err)
{
	sink s = {out, 0};
	png_structp png =
	    png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, error_cb, warning_cb);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!info) {
		png_destroy_write_struct(&png, NULL);
		return TILE_ENOMEM;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		tile_error_set(err, "PNG encoding failed");
		return TILE_EIO;
	}
	png_set_write_fn(png, &s, write_cb, flush_cb);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, r->depth, r->color_type,
	             PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (pal) {
		png_set_PLTE(png, info, pal->plte, pal->count);
		if (pal->ntrns)
			png_set_tRNS(png, info, pal->trns, pal->ntrns, NULL);
	}
	if (meta)
		set_text(png, info, meta);
	png_write_info(png, info);
	/* IDAT chunks are limited to 2^31 - 1 bytes each. */
	for (size_t off = 0; off < zlen;) {
		size_t n = zlen - off > 0x7fffffff ? 0x7fffffff : zlen - off;
		png_write_chunk(png, (png_const_bytep) "IDAT", z + off, n);
		off += n;
	}
	png_write_chunk(png, (png_const_bytep) "IEND", NULL, 0);
	png_destroy_write_struct(&png, &info);
	return s.failed ? TILE_ENOMEM : 0;
}

int png_write_surface(cairo_surface_t *surface, const tile_png_meta *meta, int level, int max_error,
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
	size_t start = out->len;
	quant_palette q = {0};
	raster r = {0};
	unsigned char *z = NULL;
	size_t zlen = 0;
	png_palette pal;
	int rc = quant_palette_build(data, w, h, stride, max_error,
	                             max_error > 0 ? TILE_QUANT_MIN_PSNR : 0, &q);
	if (rc == 1) {
		unsigned char perm[256];
		pal.count = q.count;
		pal.ntrns = palette_order(&q, pal.plte, pal.trns, perm);
		rc = raster_indexed(&r, &q, perm);
	} else if (rc == 0 && (long)w * h > WHOLE_IMAGE_PIXELS) {
		truecolor_header(&r, w, h, is_opaque(data, w, h, stride));
		rc = deflate_rows(&r, data, w, h, stride, level < 1 ? 1 : level, &z, &zlen);
	} else if (rc == 0) {
		rc = raster_truecolor(&r, data, w, h, stride, is_opaque(data, w, h, stride));
	}
	if (rc == 0 && !z)
		rc = deflate_raster(&r, level < 1 ? 1 : level > 12 ? 12 : level, &z, &zlen);
	if (rc == 0)
		rc = write_png(out, &r, w, h, q.index ? &pal : NULL, z, zlen, meta, err);
	free(z);
	free(r.data);
	quant_palette_finish(&q);
	if (rc) {
		out->len = start;
		if (rc == TILE_ENOMEM)
			tile_error_set(err, "out of memory encoding PNG");
	}
	return rc;
}

int tile_png_encode(void *surface, const tile_png_meta *meta, tile_buffer *out, tile_error *err)
{
	return png_write_surface(surface, meta, 6, 0, out, err);
}
