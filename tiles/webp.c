/* webp.c: lossless WebP of cairo image surfaces through libwebp, of the palette image when one
 * fits. */
#include <stdlib.h>
#include <string.h>
#include <webp/encode.h>

#include "private.h"

/* cairo's premultiplied 0xAARRGGBB to WebP's straight 0xAARRGGBB. */
static uint32_t straight(uint32_t p)
{
	uint32_t a = p >> 24;
	if (a == 0xff || a == 0)
		return p;
	uint32_t r = (((p >> 16) & 0xff) * 255 + a / 2) / a,
	         g = (((p >> 8) & 0xff) * 255 + a / 2) / a, b = ((p & 0xff) * 255 + a / 2) / a;
	return a << 24 | r << 16 | g << 8 | b;
}

static int fill_picture(WebPPicture *pic, const unsigned char *data, int stride,
                        const quant_palette *q)
{
	uint32_t straight_palette[256];
	if (q)
		for (int i = 0; i < q->count; i++)
			straight_palette[i] = straight(q->color[i]);
	for (int y = 0; y < pic->height; y++) {
		uint32_t *d = pic->argb + (size_t)y * pic->argb_stride;
		if (q) {
			const unsigned char *s = q->index + (size_t)y * q->width;
			for (int x = 0; x < pic->width; x++)
				d[x] = straight_palette[s[x]];
		} else {
			const uint32_t *s =
			    (const uint32_t *)(const void *)(data + (size_t)y * stride);
			for (int x = 0; x < pic->width; x++)
				d[x] = straight(s[x]);
		}
	}
	return 0;
}

int webp_write_surface(cairo_surface_t *surface, int max_error, tile_buffer *out, tile_error *err)
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
	quant_palette q = {0};
	WebPConfig config;
	WebPPicture pic;
	WebPMemoryWriter wr;
	WebPMemoryWriterInit(&wr);
	int have_pic = 0, rc = quant_palette_build(data, w, h, stride, max_error,
	                                           max_error > 0 ? TILE_QUANT_MIN_PSNR : 0, &q);
	if (rc < 0)
		goto out;
	rc = TILE_ENOMEM;
	if (!WebPConfigInit(&config) || !WebPPictureInit(&pic))
		goto out;
	/* Lossless; on the benchmark's tiles method 2 is within 3% of method 4's size at 70% of
	 * its time. */
	config.lossless = 1;
	config.method = 2;
	config.quality = 50;
	pic.use_argb = 1;
	pic.width = w;
	pic.height = h;
	if (!WebPValidateConfig(&config) || !WebPPictureAlloc(&pic))
		goto out;
	have_pic = 1;
	fill_picture(&pic, data, stride, q.index ? &q : NULL);
	pic.writer = WebPMemoryWrite;
	pic.custom_ptr = &wr;
	if (!WebPEncode(&config, &pic)) {
		rc = pic.error_code == VP8_ENC_ERROR_OUT_OF_MEMORY ? TILE_ENOMEM : TILE_EIO;
		tile_error_set(err, "WebP encoding failed (libwebp error %d)", (int)pic.error_code);
		goto out;
	}
	rc = tile_buffer_append(out, wr.mem, wr.size) ? TILE_ENOMEM : 0;
out:
	if (rc == TILE_ENOMEM)
		tile_error_set(err, "out of memory encoding WebP");
	if (have_pic)
		WebPPictureFree(&pic);
	WebPMemoryWriterClear(&wr);
	quant_palette_finish(&q);
	return rc;
}
