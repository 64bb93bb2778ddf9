/* tilemath.c: XYZ tile arithmetic in Web Mercator (y = 0 at the north), and shared helpers. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

int tile_xyz_valid(int z, long x, long y)
{
	if (z < 0 || z > GEODATA_MAX_ZOOM)
		return 0;
	long n = 1L << z;
	return x >= 0 && x < n && y >= 0 && y < n;
}

int tile_xyz_bbox(int z, long x, long y, geodata_bbox *out)
{
	if (!tile_xyz_valid(z, x, y))
		return TILE_ERANGE;
	double size = 2.0 * GEODATA_MERC_HALF / (double)(1L << z);
	out->minx = -GEODATA_MERC_HALF + (double)x * size;
	out->maxx = out->minx + size;
	out->maxy = GEODATA_MERC_HALF - (double)y * size;
	out->miny = out->maxy - size;
	return 0;
}

void tile_lonlat_to_xyz(double lon, double lat, int z, long *x, long *y)
{
	double n = (double)(1L << z);
	lat = fmax(-85.05112878, fmin(85.05112878, lat));
	double lr = lat * M_PI / 180.0;
	double fx = (lon + 180.0) / 360.0 * n;
	double fy = (1.0 - log(tan(lr) + 1.0 / cos(lr)) / M_PI) / 2.0 * n;
	long ix = (long)floor(fx), iy = (long)floor(fy);
	long max = (1L << z) - 1;
	*x = ix < 0 ? 0 : ix > max ? max : ix;
	*y = iy < 0 ? 0 : iy > max ? max : iy;
}

static const char *const tileset_names[TILE_TILESET_COUNT] = {"briefing", "base", "events"};

const char *tile_tileset_name(tile_tileset t)
{
	return (unsigned)t < TILE_TILESET_COUNT ? tileset_names[t] : "?";
}

int tile_tileset_from_name(const char *name)
{
	for (int i = 0; name && i < TILE_TILESET_COUNT; i++)
		if (!strcmp(name, tileset_names[i]))
			return i;
	return -1;
}

void tile_buffer_finish(tile_buffer *b)
{
	if (!b)
		return;
	free(b->data);
	memset(b, 0, sizeof(*b));
}

int tile_buffer_append(tile_buffer *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		while (cap < b->len + len)
			cap *= 2;
		unsigned char *d = realloc(b->data, cap);
		if (!d)
			return TILE_ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

void tile_error_set(tile_error *err, const char *fmt, ...)
{
	if (!err)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}
