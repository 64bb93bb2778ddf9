/* codecs.c: the tile image formats, declared once: name, extension, MIME type, encoder. */
#include <string.h>

#include "private.h"

static int encode_png(void *surface, tile_buffer *out, tile_error *err)
{
	return png_write_surface(surface, NULL, TILE_PNG_LEVEL, TILE_QUANT_MAX_ERROR, out, err);
}

static int encode_webp(void *surface, tile_buffer *out, tile_error *err)
{
	return webp_write_surface(surface, TILE_QUANT_MAX_ERROR, out, err);
}

static const tile_image_codec codecs[TILE_IMAGE_COUNT] = {
    [TILE_IMAGE_PNG] = {"png", "png", "image/png", encode_png},
    [TILE_IMAGE_WEBP] = {"webp", "webp", "image/webp", encode_webp},
};

const tile_image_codec *tile_image_codec_get(tile_image_format f)
{
	return (unsigned)f < TILE_IMAGE_COUNT ? &codecs[f] : NULL;
}

int tile_image_format_from_ext(const char *ext, size_t len)
{
	for (int i = 0; i < TILE_IMAGE_COUNT; i++)
		if (strlen(codecs[i].ext) == len && !memcmp(codecs[i].ext, ext, len))
			return i;
	return -1;
}
