/* events_model.c: the events model: its storage, areas resolved from the base data, projection,
 * anchors, the id index and the lookups every reader of the model uses. */
#include <malloc.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "events_private.h"

/* ---- storage ---------------------------------------------------------------------- */

void *events_alloc(geodata_events *ev, size_t size)
{
	void *p = arena_alloc(&ev->mem, size);
	if (!p)
		ev->oom = 1;
	return p;
}

char *events_strdup(geodata_events *ev, const char *s, size_t len)
{
	char *d = events_alloc(ev, len + 1);
	if (d)
		memcpy(d, s, len);
	return d;
}

void events_free(geodata_events *ev)
{
	if (!ev)
		return;
	size_t big = ev->mem.bytes;
	arena_finish(&ev->mem);
	free(ev->feature_json); /* the strings are in the arena */
	free(ev->collection_json);
	pthread_mutex_destroy(&ev->json_lock);
	free(ev->by_id);
	free(ev->area_feature);
	free(ev->article);
	free(ev->events);
	geodata_briefing_destroy(ev->briefing);
	free(ev);
	/* glibc keeps freed memory for reuse; a server swapping a big file for a small one wants
	 * it back. */
	if (big > EVENTS_TRIM_BYTES)
		malloc_trim(0);
}

/* ---- small checks ------------------------------------------------------------------- */

void events_geom_bbox(geodata_geom *g)
{
	geodata_bbox b = {INFINITY, INFINITY, -INFINITY, -INFINITY};
	for (uint32_t i = 0; i < g->npoints; i++) {
		double x = g->xy[2 * i], y = g->xy[2 * i + 1];
		b.minx = fmin(b.minx, x), b.maxx = fmax(b.maxx, x);
		b.miny = fmin(b.miny, y), b.maxy = fmax(b.maxy, y);
	}
	g->bbox = b;
}

static int geom_copy(events_loader *L, const geodata_geom *src, geodata_geom *dst)
{
	*dst = *src;
	uint32_t *lens = events_alloc(L->ev, (src->nparts ? src->nparts : 1) * sizeof *lens);
	double *xy = events_alloc(L->ev, (src->npoints ? src->npoints : 1) * 2 * sizeof *xy);
	if (!lens || !xy)
		return -1;
	memcpy(lens, src->part_len, src->nparts * sizeof *lens);
	memcpy(xy, src->xy, (size_t)src->npoints * 2 * sizeof *xy);
	dst->part_len = lens;
	dst->xy = xy;
	return 0;
}

/*
 * Copies, so that the events do not depend on the base data's lifetime; `q` names the area.
 * 0, 1 when the feature has no pieces, -1 on failure (a problem said when the bytes are bad).
 */
static int area_copy(events_loader *L, const geodata_layer *layer, long f, const char *q,
                     events_area *a)
{
	size_t n = geodata_layer_feature_pieces(layer, (size_t)f, NULL, 0);
	if (n == 0)
		return 1;
	size_t *idx = malloc(n * sizeof *idx);
	geodata_geom *ll = events_alloc(L->ev, n * sizeof *ll);
	geodata_geom *merc = events_alloc(L->ev, n * sizeof *merc);
	int rc = -1;
	if (!idx || !ll || !merc) {
		L->ev->oom = 1;
		goto done;
	}
	geodata_layer_feature_pieces(layer, (size_t)f, idx, n);
	for (size_t i = 0; i < n; i++) {
		const geodata_piece *p = geodata_layer_piece(layer, idx[i]);
		if (!p)
			goto done;
		const geodata_geom *gll = geodata_piece_geom(layer, p, GEODATA_SLOT_LONLAT);
		const geodata_geom *gm = geodata_piece_geom(layer, p, GEODATA_MAX_ZOOM);
		if (!gll || !gm) {
			events_problem_field(L, "area", "the base data of %s fail their checksum", q);
			goto done;
		}
		if (geom_copy(L, gll, &ll[i]) || geom_copy(L, gm, &merc[i]))
			goto done;
	}
	a->lonlat = ll;
	a->merc = merc;
	a->n = n;
	rc = 0;
done:
	free(idx);
	return rc;
}

/* The slot of feature `f` of the countries (0) or states (1) layer; NULL when out of memory. */
static events_area *area_slot(events_loader *L, int states, const geodata_layer *layer, long f)
{
	size_t nf = geodata_layer_feature_count(layer);
	if ((size_t)f >= nf)
		return NULL;
	if (!L->areas[states] && !(L->areas[states] = calloc(nf, sizeof *L->areas[states]))) {
		L->ev->oom = 1;
		return NULL;
	}
	return &L->areas[states][f];
}

int events_area_resolve(events_loader *L, const char *code, geodata_event *e, long *feature)
{
	char q[64];
	events_quote(code, q, sizeof q);
	int country = strlen(code) == 2;
	L->area = NULL;
	if (!L->gd) {
		events_problem_field(L, "area", "cannot resolve %s: no base data loaded", q);
		return -1;
	}
	long f = country ? geodata_country_find(L->gd, code) : geodata_state_find(L->gd, code);
	const geodata_layer *layer =
	    geodata_layer_get(L->gd, country ? GEODATA_COUNTRIES : GEODATA_STATES);
	if (f < 0 || !layer) {
		events_problem_field(L, "area", "unknown %s code %s (not in the %s layer)",
		                     country ? "country" : "state", q,
		                     country ? "countries" : "states");
		return -1;
	}
	events_area *a = area_slot(L, !country, layer, f);
	if (!a)
		return -1;
	int rc = a->n ? 0 : area_copy(L, layer, f, q, a);
	if (rc > 0)
		events_problem_field(L, "area", "the state %s has no geometry", q);
	if (rc)
		return -1;
	e->lonlat = a->lonlat;
	e->merc = a->merc;
	e->ngeoms = a->n;
	*feature = f;
	L->area = a;
	return 0;
}

void events_areas_finish(events_loader *L)
{
	free(L->areas[0]);
	free(L->areas[1]);
	L->areas[0] = L->areas[1] = NULL;
	L->area = NULL;
}

static geodata_proj *loader_proj(events_loader *L)
{
	if (!L->proj && !L->proj_failed) {
		geodata_error err = {{0}};
		L->proj = geodata_proj_create("EPSG:4326", "EPSG:3857", &err);
		if (!L->proj) {
			L->proj_failed = 1;
			events_problem_file(
			    L, "cannot build the EPSG:4326 to EPSG:3857 transformation: %s",
			    err.msg);
		}
	}
	return L->proj;
}

/* Web Mercator copies of the degree geometry, latitudes clamped to the square world. */
int events_project(events_loader *L, geodata_event *e)
{
	geodata_proj *p = loader_proj(L);
	geodata_geom *merc = events_alloc(L->ev, e->ngeoms * sizeof *merc);
	if (!p || !merc)
		return -1;
	for (size_t i = 0; i < e->ngeoms; i++) {
		if (geom_copy(L, &e->lonlat[i], &merc[i]))
			return -1;
		double *xy = (double *)merc[i].xy;
		for (uint32_t k = 0; k < merc[i].npoints; k++)
			xy[2 * k + 1] =
			    fmax(-EVENTS_MERC_MAX_LAT, fmin(EVENTS_MERC_MAX_LAT, xy[2 * k + 1]));
		if (geodata_proj_trans(p, xy, merc[i].npoints, 0)) {
			events_problem_field(L, "geometry", "cannot be projected to EPSG:3857");
			return -1;
		}
		events_geom_bbox(&merc[i]);
	}
	e->merc = merc;
	return 0;
}

geodata_bbox events_geoms_bbox(const geodata_geom *g, size_t n)
{
	geodata_bbox b = {INFINITY, INFINITY, -INFINITY, -INFINITY};
	for (size_t i = 0; i < n; i++) {
		b.minx = fmin(b.minx, g[i].bbox.minx);
		b.miny = fmin(b.miny, g[i].bbox.miny);
		b.maxx = fmax(b.maxx, g[i].bbox.maxx);
		b.maxy = fmax(b.maxy, g[i].bbox.maxy);
	}
	return b;
}

double events_ring_area(const double *xy, uint32_t n)
{
	double a = 0;
	for (uint32_t i = 0; i + 1 < n; i++)
		a += xy[2 * i] * xy[2 * i + 3] - xy[2 * i + 2] * xy[2 * i + 1];
	return a / 2;
}

/*
 * GEOS's point on the surface of one piece. GEOS directly, not through OGR, so that drawing a
 * briefing does not load GDAL and its hundred libraries. A ring GEOS refuses (not closed, too
 * short) fails the whole polygon, and the caller falls back.
 */
static int point_on_surface(GEOSContextHandle_t h, const geodata_geom *g, double *lon,
                            double *lat)
{
	if (!h || !g->nparts)
		return -1;
	GEOSGeometry **rings = calloc(g->nparts, sizeof *rings);
	GEOSGeometry *poly = NULL, *pt = NULL;
	int rc = -1;
	uint32_t made = 0;
	if (!rings)
		return -1;
	const double *xy = g->xy;
	for (; made < g->nparts; made++) {
		GEOSCoordSequence *seq =
		    GEOSCoordSeq_copyFromBuffer_r(h, xy, g->part_len[made], 0, 0);
		xy += 2 * (size_t)g->part_len[made];
		/* Takes the sequence, even when it refuses it. */
		if (!seq || !(rings[made] = GEOSGeom_createLinearRing_r(h, seq)))
			goto done;
	}
	/* Takes the rings, even when it refuses them. */
	poly = GEOSGeom_createPolygon_r(h, rings[0], rings + 1, g->nparts - 1);
	made = 0;
	if (!poly)
		goto done;
	pt = GEOSPointOnSurface_r(h, poly);
	if (pt && !GEOSisEmpty_r(h, pt) && GEOSGeomGetX_r(h, pt, lon) && GEOSGeomGetY_r(h, pt, lat))
		rc = isfinite(*lon) && isfinite(*lat) ? 0 : -1;
done:
	for (uint32_t i = 0; i < made; i++)
		GEOSGeom_destroy_r(h, rings[i]);
	free(rings);
	GEOSGeom_destroy_r(h, pt);
	GEOSGeom_destroy_r(h, poly);
	return rc;
}

/* A point inside the largest polygon of `e`. */
static void polygon_anchor(events_loader *L, const geodata_event *e, double *lon, double *lat)
{
	size_t best = 0;
	double best_area = -1;
	for (size_t i = 0; i < e->ngeoms; i++) {
		double a = fabs(events_ring_area(e->merc[i].xy, e->merc[i].part_len[0]));
		if (a > best_area)
			best = i, best_area = a;
	}
	const geodata_geom *g = &e->lonlat[best];
	/* Made on first use, quiet: a GEOS complaint about one piece has a fallback here. */
	if (!L->geos)
		L->geos = GEOS_init_r();
	if (point_on_surface(L->geos, g, lon, lat)) {
		/* Without GEOS: the middle of the box, which is inside for compact shapes. */
		*lon = (g->bbox.minx + g->bbox.maxx) / 2;
		*lat = (g->bbox.miny + g->bbox.maxy) / 2;
	}
}

/* Where the symbol and label go: the point itself, or a point inside the largest polygon. */
int events_anchor(events_loader *L, geodata_event *e)
{
	const geodata_geom *g0 = &e->lonlat[0];
	double lon = g0->xy[0], lat = g0->xy[1];
	if (g0->type == GEODATA_GEOM_LINE) {
		uint32_t mid = g0->part_len[0] / 2;
		lon = g0->xy[2 * mid], lat = g0->xy[2 * mid + 1];
	} else if (g0->type == GEODATA_GEOM_POLYGON) {
		events_area *a = e->area ? L->area : NULL;
		if (a && a->anchored) {
			lon = a->lon, lat = a->lat;
		} else {
			polygon_anchor(L, e, &lon, &lat);
			if (a)
				a->anchored = 1, a->lon = lon, a->lat = lat;
		}
	}
	e->anchor_lon = lon;
	e->anchor_lat = lat;
	double xy[2] = {lon, fmax(-EVENTS_MERC_MAX_LAT, fmin(EVENTS_MERC_MAX_LAT, lat))};
	geodata_proj *p = loader_proj(L);
	if (!p || geodata_proj_trans(p, xy, 1, 0) || !isfinite(xy[0]) || !isfinite(xy[1])) {
		if (p)
			events_problem_field(L, "geometry",
			                     "its anchor cannot be projected to EPSG:3857");
		return -1;
	}
	e->anchor_x = xy[0];
	e->anchor_y = xy[1];
	e->merc_bbox = events_geoms_bbox(e->merc, e->ngeoms);
	return 0;
}

static int cmp_by_id(const void *a, const void *b, void *ud)
{
	const geodata_event *ev = ud;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(ev[i].id, ev[j].id);
	return c ? c : (i > j) - (i < j);
}

void events_ids_index(events_loader *L)
{
	geodata_events *ev = L->ev;
	size_t m = 0;
	for (size_t i = 0; i < ev->count; i++)
		if (ev->events[i].id)
			ev->by_id[m++] = i;
	qsort_r(ev->by_id, m, sizeof *ev->by_id, cmp_by_id, ev->events);
	for (size_t k = 1; k < m; k++) {
		const geodata_event *a = &ev->events[ev->by_id[k - 1]];
		const geodata_event *b = &ev->events[ev->by_id[k]];
		if (!strcmp(a->id, b->id)) {
			L->index = ev->by_id[k];
			L->id = b->id;
			/* Equal ids sort in file order, so the earlier one is named. */
			events_problem_field(L, "id", "duplicate of feature %zu", ev->by_id[k - 1]);
		}
	}
}

/* ---- lookups ------------------------------------------------------------------------ */

geodata_events *geodata_events_ref(geodata_events *ev)
{
	if (ev)
		atomic_fetch_add_explicit(&ev->refs, 1, memory_order_relaxed);
	return ev;
}

void geodata_events_unref(geodata_events *ev)
{
	if (ev && atomic_fetch_sub_explicit(&ev->refs, 1, memory_order_acq_rel) == 1)
		events_free(ev);
}

const char *geodata_events_article(const geodata_events *ev, size_t *len)
{
	if (len)
		*len = ev && ev->article ? ev->article_len : 0;
	return ev ? ev->article : NULL;
}

size_t geodata_events_count(const geodata_events *ev)
{
	return ev ? ev->count : 0;
}

const geodata_event *geodata_events_get(const geodata_events *ev, size_t i)
{
	return ev && i < ev->count ? &ev->events[i] : NULL;
}

const geodata_event *geodata_events_find(const geodata_events *ev, const char *id)
{
	if (!ev || !id)
		return NULL;
	size_t lo = 0, hi = ev->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ev->events[ev->by_id[mid]].id, id);
		if (c == 0)
			return &ev->events[ev->by_id[mid]];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

uint64_t geodata_events_hash(const geodata_events *ev)
{
	return ev ? ev->hash : 0;
}

const geodata_kinds *geodata_events_kinds(const geodata_events *ev)
{
	return ev && ev->briefing && ev->briefing->kinds ? ev->briefing->kinds
	                                                 : geodata_kinds_builtin();
}

const geodata_kind *geodata_events_kind(const geodata_events *ev, const geodata_event *e)
{
	const geodata_kinds *k = geodata_events_kinds(ev);
	/* The loader keeps every index in range; a stray one reads as the table's first kind. */
	return &k->kind[e && e->kind < k->count ? e->kind : 0];
}

long geodata_events_area(const geodata_events *ev, const geodata_event *e, geodata_layer_id *layer)
{
	if (!ev || !e || e < ev->events || e >= ev->events + ev->count || !e->area)
		return -1;
	if (layer)
		*layer = strlen(e->area) == 2 ? GEODATA_COUNTRIES : GEODATA_STATES;
	return ev->area_feature[e - ev->events];
}

const geodata_briefing *geodata_events_briefing(const geodata_events *ev)
{
	return ev ? ev->briefing : NULL;
}

int geodata_events_quotes_checked(const geodata_events *ev)
{
	return ev ? ev->quotes_checked : 0;
}
