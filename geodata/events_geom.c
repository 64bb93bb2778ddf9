/* events_geom.c: the size limits of event geometry and its generalisation per zoom level. */
#include <json.h>
#include <string.h>

#include "private.h"

/* GeoJSON nests positions four arrays deep at most (MultiPolygon); collections add a level. */
#define MAX_NESTING 8

static size_t positions(json_object *v, int depth)
{
	if (depth > MAX_NESTING || !json_object_is_type(v, json_type_array))
		return 0;
	size_t n = json_object_array_length(v);
	if (n == 0)
		return 0;
	json_object *first = json_object_array_get_idx(v, 0);
	/* An array of numbers is one position. */
	if (json_object_is_type(first, json_type_double) || json_object_is_type(first, json_type_int))
		return 1;
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += positions(json_object_array_get_idx(v, i), depth + 1);
	return total;
}

size_t events_json_positions(json_object *geometry)
{
	json_object *coords = NULL, *members = NULL;
	if (!json_object_is_type(geometry, json_type_object))
		return 0;
	if (json_object_object_get_ex(geometry, "coordinates", &coords))
		return positions(coords, 0);
	size_t total = 0;
	if (json_object_object_get_ex(geometry, "geometries", &members) &&
	    json_object_is_type(members, json_type_array))
		for (size_t i = 0; i < json_object_array_length(members); i++) {
			json_object *m = json_object_array_get_idx(members, i), *c = NULL;
			if (json_object_is_type(m, json_type_object) &&
			    json_object_object_get_ex(m, "coordinates", &c))
				total += positions(c, 1);
		}
	return total;
}

/*
 * One level from the one above: each run simplified within half a pixel of
 * the level. Unlike base layers no ring is dropped, however small: an event
 * never disappears because it is small at a zoom.
 */
static int simplify_geom(arena *a, const geodata_geom *src, double tol, geodata_geom *dst)
{
	*dst = *src;
	if (src->type == GEODATA_GEOM_POINT || src->npoints == 0)
		return 0;
	double *xy = arena_alloc(a, (size_t)src->npoints * 2 * sizeof(double));
	uint32_t *lens = arena_alloc(a, (src->nparts ? src->nparts : 1) * sizeof(uint32_t));
	if (!xy || !lens)
		return -1;
	const double *in = src->xy;
	size_t m = 0;
	for (uint32_t r = 0; r < src->nparts; r++) {
		uint32_t n = src->part_len[r];
		size_t k = geodata_simplify(in, n, tol, src->type == GEODATA_GEOM_POLYGON,
		                            xy + 2 * m);
		lens[r] = (uint32_t)k;
		m += k;
		in += 2 * (size_t)n;
	}
	dst->xy = xy;
	dst->part_len = lens;
	dst->npoints = (uint32_t)m;
	return 0;
}

int events_geom_levels(arena *a, geodata_event *e)
{
	/* An area's state is drawn from the base layer's own levels; only a fallback is kept. */
	if (e->area || e->ngeoms == 0) {
		for (int z = 0; z < GEODATA_LEVELS; z++)
			e->level[z] = e->merc;
		return 0;
	}
	const geodata_geom *above = e->merc;
	for (int z = GEODATA_MAX_ZOOM; z >= 0; z--) {
		geodata_geom *lv = arena_alloc(a, e->ngeoms * sizeof(*lv));
		if (!lv)
			return -1;
		double tol = 0.5 * geodata_zoom_resolution(z);
		for (size_t i = 0; i < e->ngeoms; i++)
			if (simplify_geom(a, &above[i], tol, &lv[i]))
				return -1;
		e->level[z] = lv;
		above = lv;
	}
	return 0;
}
