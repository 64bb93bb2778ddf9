/* events_geom.c: event geometry: its size limits, generalisation per zoom level, and stacks. */
#include <json.h>
#include <math.h>
#include <stdlib.h>
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

/* ---- stacks of co-located events ---- */

static size_t uf_find(size_t *parent, size_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

static int cmp_by_lat(const void *a, const void *b, void *ud)
{
	const geodata_event *ev = ud;
	const geodata_event *p = &ev[*(const size_t *)a], *q = &ev[*(const size_t *)b];
	if (p->anchor_lat != q->anchor_lat)
		return (p->anchor_lat > q->anchor_lat) - (p->anchor_lat < q->anchor_lat);
	return (p->anchor_lon > q->anchor_lon) - (p->anchor_lon < q->anchor_lon);
}

static int same_anchor(const geodata_event *p, const geodata_event *q)
{
	return p->anchor_lat == q->anchor_lat && p->anchor_lon == q->anchor_lon;
}

/*
 * Whether two anchors are surely farther apart than `metres`: the straight
 * chord between them, never longer than the geodesic, is compared on a
 * sphere of the polar radius (the smallest), so nothing near is rejected.
 */
static int surely_apart(const geodata_event *p, const geodata_event *q, double metres)
{
	double dlon = fabs(p->anchor_lon - q->anchor_lon);
	if (dlon > 180)
		dlon = 360 - dlon;
	double phi = fmax(fabs(p->anchor_lat), fabs(q->anchor_lat)) * M_PI / 180;
	return 2 * 6356752.0 * cos(phi) * sin(dlon * M_PI / 360) > 1.01 * metres;
}

/*
 * Groups events whose anchors lie within STACK_METRES of each other, so that
 * renderers can fan their symbols out instead of piling them up. A sweep
 * over latitude keeps this near-linear for large files.
 */
#define STACK_METRES 1000.0
int events_stacks_compute(geodata_event *events, size_t n)
{
	size_t *order = malloc((n ? n : 1) * sizeof *order);
	size_t *parent = malloc((n ? n : 1) * sizeof *parent);
	size_t *seen = calloc(n ? n : 1, sizeof *seen);
	int rc = -1;
	if (!order || !parent || !seen)
		goto done;
	for (size_t i = 0; i < n; i++)
		order[i] = parent[i] = i;
	qsort_r(order, n, sizeof *order, cmp_by_lat, events);
	const double dlat_max = STACK_METRES / 110000.0;
	for (size_t a = 0; a < n; a++) {
		const geodata_event *p = &events[order[a]];
		/* Events at one place (many statements at one capital) join the first of them and
		 * are not compared again: thousands of them stay linear. */
		if (a > 0 && same_anchor(p, &events[order[a - 1]])) {
			size_t r1 = uf_find(parent, order[a - 1]), r2 = uf_find(parent, order[a]);
			if (r1 != r2)
				parent[r1 > r2 ? r1 : r2] = r1 < r2 ? r1 : r2;
			continue;
		}
		for (size_t b = a + 1; b < n; b++) {
			const geodata_event *q = &events[order[b]];
			if (q->anchor_lat - p->anchor_lat > dlat_max)
				break;
			if (same_anchor(q, &events[order[b - 1]]) && b - 1 > a)
				continue;
			if (surely_apart(p, q, STACK_METRES))
				continue;
			if (geodata_geodesic_inverse(p->anchor_lon, p->anchor_lat, q->anchor_lon,
			                             q->anchor_lat, NULL) <= STACK_METRES) {
				size_t r1 = uf_find(parent, order[a]),
				       r2 = uf_find(parent, order[b]);
				if (r1 != r2)
					parent[r1 > r2 ? r1 : r2] = r1 < r2 ? r1 : r2;
			}
		}
	}
	/* Members count up in file order; sizes are known once every member is counted. */
	for (size_t i = 0; i < n; i++)
		events[i].stack_index = (uint32_t)seen[uf_find(parent, i)]++;
	for (size_t i = 0; i < n; i++)
		events[i].stack_count = (uint32_t)seen[uf_find(parent, i)];
	rc = 0;
done:
	free(order);
	free(parent);
	free(seen);
	return rc;
}

