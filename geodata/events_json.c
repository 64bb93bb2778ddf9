/* events_json.c: writes the events model as the API's GeoJSON, once, when it is first asked for:
 * each event's Feature and the FeatureCollection of them all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "events_private.h"
#include "evidence.h"

/* Numbers with 7 decimals (about 1 cm), as written rather than as 17 digits of noise. */
static json_object *num(double v)
{
	char buf[48];
	snprintf(buf, sizeof buf, "%.7f", v);
	for (char *c = buf; *c; c++)
		if (*c == ',')
			*c = '.'; /* a caller's numeric locale must not leak into JSON */
	char *dot = strchr(buf, '.');
	if (dot) {
		char *end = buf + strlen(buf) - 1;
		while (end > dot && *end == '0')
			*end-- = 0;
		if (end == dot)
			*end = 0;
	}
	if (!strcmp(buf, "-0"))
		strcpy(buf, "0");
	return json_object_new_double_s(v, buf);
}

static json_object *position(const double *xy)
{
	json_object *p = json_object_new_array_ext(2);
	json_object_array_add(p, num(xy[0]));
	json_object_array_add(p, num(xy[1]));
	return p;
}

/* A ring wound as RFC 7946 asks: exterior counterclockwise, holes clockwise. */
static json_object *ring_json(const double *xy, uint32_t n, int exterior)
{
	json_object *r = json_object_new_array_ext((int)n);
	int ccw = events_ring_area(xy, n) > 0;
	int reverse = exterior ? !ccw : ccw;
	for (uint32_t i = 0; i < n; i++)
		json_object_array_add(r, position(xy + 2 * (reverse ? n - 1 - i : i)));
	return r;
}

static json_object *polygon_json(const geodata_geom *g)
{
	json_object *poly = json_object_new_array_ext((int)g->nparts);
	const double *xy = g->xy;
	for (uint32_t r = 0; r < g->nparts; r++) {
		json_object_array_add(poly, ring_json(xy, g->part_len[r], r == 0));
		xy += 2 * (size_t)g->part_len[r];
	}
	return poly;
}

static json_object *runs_json(const geodata_geom *g)
{
	json_object *a = json_object_new_array_ext((int)g->nparts);
	const double *xy = g->xy;
	for (uint32_t r = 0; r < g->nparts; r++) {
		json_object *run = json_object_new_array_ext((int)g->part_len[r]);
		for (uint32_t i = 0; i < g->part_len[r]; i++)
			json_object_array_add(run, position(xy + 2 * i));
		json_object_array_add(a, run);
		xy += 2 * (size_t)g->part_len[r];
	}
	return a;
}

static json_object *geometry_json(const geodata_event *e)
{
	json_object *g = json_object_new_object();
	const geodata_geom *g0 = &e->lonlat[0];
	const char *type;
	json_object *coords;
	if (g0->type == GEODATA_GEOM_POLYGON) {
		if (e->ngeoms == 1 && !e->area) {
			type = "Polygon";
			coords = polygon_json(g0);
		} else {
			type = "MultiPolygon";
			coords = json_object_new_array_ext((int)e->ngeoms);
			for (size_t i = 0; i < e->ngeoms; i++)
				json_object_array_add(coords, polygon_json(&e->lonlat[i]));
		}
	} else if (g0->type == GEODATA_GEOM_POINT) {
		if (g0->nparts == 1) {
			type = "Point";
			coords = position(g0->xy);
		} else {
			type = "MultiPoint";
			coords = json_object_new_array_ext((int)g0->npoints);
			for (uint32_t i = 0; i < g0->npoints; i++)
				json_object_array_add(coords, position(g0->xy + 2 * i));
		}
	} else {
		json_object *runs = runs_json(g0);
		if (g0->nparts == 1) {
			type = "LineString";
			coords = json_object_get(json_object_array_get_idx(runs, 0));
			json_object_put(runs);
		} else {
			type = "MultiLineString";
			coords = runs;
		}
	}
	json_object_object_add(g, "type", json_object_new_string(type));
	json_object_object_add(g, "coordinates", coords);
	return g;
}

static json_object *feature_json(const geodata_events *ev, const geodata_event *e,
                                 json_object *shared_geometry)
{
	json_object *f = json_object_new_object(), *p = json_object_new_object();
	geodata_bbox b = events_geoms_bbox(e->lonlat, e->ngeoms);
	json_object *bbox = json_object_new_array_ext(4);
	json_object_array_add(bbox, num(b.minx));
	json_object_array_add(bbox, num(b.miny));
	json_object_array_add(bbox, num(b.maxx));
	json_object_array_add(bbox, num(b.maxy));
	json_object_object_add(f, "type", json_object_new_string("Feature"));
	json_object_object_add(f, "id", json_object_new_string(e->id));
	json_object_object_add(f, "bbox", bbox);
	json_object_object_add(
	    f, "geometry", shared_geometry ? json_object_get(shared_geometry) : geometry_json(e));
	json_object_object_add(p, "id", json_object_new_string(e->id));
	json_object_object_add(p, "kind", json_object_new_string(geodata_events_kind(ev, e)->id));
	json_object_object_add(p, "title", json_object_new_string(e->title));
	json_object_object_add(p, "summary", json_object_new_string(e->summary));
	json_object_object_add(p, "date", e->date ? json_object_new_string(e->date) : NULL);
	json_object_object_add(p, "date_precision",
	                       e->date ? json_object_new_string(e->date_precision) : NULL);
	json_object_object_add(p, "status",
	                       json_object_new_string(geodata_event_status_name(e->status)));
	json_object_object_add(p, "geo_precision",
	                       json_object_new_string(geodata_precision_name(e->geo_precision)));
	json_object *actors = json_object_new_array_ext((int)e->nactors);
	for (size_t i = 0; i < e->nactors; i++)
		json_object_array_add(actors, json_object_new_string(e->actors[i]));
	json_object_object_add(p, "actors", actors);
	if (e->count >= 0)
		json_object_object_add(p, "count", json_object_new_int64(e->count));
	json_object_object_add(p, "source", json_object_new_string(e->source));
	evidence_json(p, e);
	if (e->area)
		json_object_object_add(p, "area", json_object_new_string(e->area));
	json_object_object_add(f, "properties", p);
	return f;
}

typedef struct area_key {
	uint64_t key; /* layer and feature of the area */
	size_t event;
} area_key;

static int cmp_area_key(const void *a, const void *b)
{
	const area_key *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->event > y->event) - (x->event < y->event);
}

/*
 * Per event, the first event on the same resolved area, or the event
 * itself: sorted once, so that thousands of statements about one country
 * cost n log n, not n squared. NULL when memory is exhausted.
 */
static size_t *first_on_same_area(const geodata_events *ev)
{
	size_t n = ev->count ? ev->count : 1, m = 0;
	size_t *first = malloc(n * sizeof *first);
	area_key *keys = malloc(n * sizeof *keys);
	if (!first || !keys) {
		free(first);
		free(keys);
		return NULL;
	}
	for (size_t i = 0; i < ev->count; i++) {
		first[i] = i;
		geodata_layer_id layer;
		long f = geodata_events_area(ev, &ev->events[i], &layer);
		if (f >= 0)
			keys[m++] = (area_key){((uint64_t)layer << 32) | (uint64_t)f, i};
	}
	if (m)
		qsort(keys, m, sizeof *keys, cmp_area_key);
	for (size_t k = 1; k < m; k++)
		if (keys[k].key == keys[k - 1].key)
			first[keys[k].event] = first[keys[k - 1].event];
	free(keys);
	return first;
}

/* The collection: the features' strings joined, with the briefing as a foreign member. */
static char *collection_join(const geodata_events *ev, size_t total)
{
	static const char head[] = "{\"type\":\"FeatureCollection\",\"features\":[";
	static const char member[] = ",\"briefing\":";
	size_t blen = ev->briefing ? strlen(ev->briefing->json) : 0;
	total += sizeof head + 2 + blen + sizeof member;
	char *out = malloc(total);
	if (!out)
		return NULL;
	char *p = out;
	memcpy(p, head, sizeof head - 1);
	p += sizeof head - 1;
	for (size_t i = 0; i < ev->count; i++) {
		if (i)
			*p++ = ',';
		size_t n = strlen(ev->feature_json[i]);
		memcpy(p, ev->feature_json[i], n);
		p += n;
	}
	*p++ = ']';
	/* The briefing's metadata and caveats, a foreign member that GeoJSON clients ignore. */
	if (blen) {
		memcpy(p, member, sizeof member - 1);
		p += sizeof member - 1;
		memcpy(p, ev->briefing->json, blen);
		p += blen;
	}
	memcpy(p, "}", 2);
	return out;
}

static void json_drop(geodata_events *ev)
{
	free(ev->feature_json); /* the strings are in the arena */
	free(ev->collection_json);
	ev->feature_json = NULL;
	ev->collection_json = NULL;
}

/*
 * Each feature's tree lives only while it is written out; the collection is
 * the features' strings joined, never a second tree of the whole file.
 */
static int json_write(geodata_events *ev)
{
	const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	ev->feature_json = calloc(ev->count ? ev->count : 1, sizeof *ev->feature_json);
	/* Events on one area (one country, several statements) share its coordinates: the area
	 * events' geometry trees are kept until every feature is written. */
	json_object **geoms = calloc(ev->count ? ev->count : 1, sizeof *geoms);
	size_t *first = first_on_same_area(ev), total = 0;
	int rc = ev->feature_json && geoms && first ? 0 : -1;
	for (size_t i = 0; i < ev->count && rc == 0; i++) {
		json_object *shared = first[i] != i ? geoms[first[i]] : NULL;
		json_object *f = feature_json(ev, &ev->events[i], shared);
		json_object *g = NULL;
		if (f && ev->events[i].area && !shared &&
		    json_object_object_get_ex(f, "geometry", &g))
			geoms[i] = json_object_get(g);
		const char *s = f ? json_object_to_json_string_ext(f, flags) : NULL;
		ev->feature_json[i] = s ? events_strdup(ev, s, strlen(s)) : NULL;
		json_object_put(f);
		if (!ev->feature_json[i])
			rc = -1;
		else
			total += strlen(ev->feature_json[i]) + 1;
	}
	for (size_t i = 0; geoms && i < ev->count; i++)
		json_object_put(geoms[i]);
	free(geoms);
	free(first);
	if (rc == 0 && !(ev->collection_json = collection_join(ev, total)))
		rc = -1;
	if (rc)
		json_drop(ev);
	return rc;
}

/*
 * Only `serve` sends these strings, and they cost a one-off command about half
 * of its events' load time: the first caller writes them, later ones (of any
 * thread) only read. A failed write keeps nothing, so that a later call can
 * try again.
 */
int events_json_ensure(geodata_events *ev)
{
	if (atomic_load_explicit(&ev->json_ready, memory_order_acquire))
		return 0;
	int rc = 0;
	pthread_mutex_lock(&ev->json_lock);
	if (!atomic_load_explicit(&ev->json_ready, memory_order_relaxed)) {
		rc = json_write(ev);
		if (rc == 0)
			atomic_store_explicit(&ev->json_ready, 1, memory_order_release);
	}
	pthread_mutex_unlock(&ev->json_lock);
	return rc;
}

/* The one part of a loaded model written after its load, under its own lock: the model is
 * not const where it was allocated. */
const char *geodata_events_geojson(const geodata_events *ev)
{
	return ev && !events_json_ensure((geodata_events *)ev) ? ev->collection_json : NULL;
}

const char *geodata_event_geojson(const geodata_events *ev, size_t i)
{
	return ev && i < ev->count && !events_json_ensure((geodata_events *)ev)
	           ? ev->feature_json[i]
	           : NULL;
}
