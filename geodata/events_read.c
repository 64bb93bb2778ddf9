/* events_read.c: reads an events file: the bytes from disk, the JSON parsed once, each feature's
 * properties and geometry into the model, then the model's GeoJSON. */
#include <malloc.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <json.h>
#include <ogr_api.h>

#include "events_private.h"
#include "evidence.h"

/* Far more than any article needs, small enough that a stray file cannot exhaust memory. */
#define MAX_FILE_BYTES GEODATA_EVENTS_MAX_BYTES

static uint64_t fnv1a64(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---- reading properties ------------------------------------------------------------ */
/* ---- geometry, through OGR's GeoJSON geometry reader --------------------------------- */

typedef struct geom_list {
	geodata_geom *g;
	size_t n, cap;
} geom_list;

static geodata_geom *geom_push(events_loader *L, geom_list *gl)
{
	if (gl->n == gl->cap) {
		size_t cap = gl->cap ? gl->cap * 2 : 4;
		geodata_geom *v = events_alloc(L->ev, cap * sizeof *v);
		if (!v)
			return NULL;
		if (gl->n)
			memcpy(v, gl->g, gl->n * sizeof *v);
		gl->g = v; /* the old block stays tracked and is freed with the rest */
		gl->cap = cap;
	}
	geodata_geom *g = &gl->g[gl->n++];
	memset(g, 0, sizeof *g);
	return g;
}

/* Checks every position of an OGR geometry; returns the first bad one's message. */
static int check_positions(events_loader *L, OGRGeometryH g)
{
	int n = OGR_G_GetPointCount(g);
	for (int i = 0; i < n; i++) {
		double x = OGR_G_GetX(g, i), y = OGR_G_GetY(g, i);
		if (!isfinite(x) || !isfinite(y)) {
			events_problem_field(L, "geometry", "position %d is not a finite number",
			                     i);
			return -1;
		}
		if (x < -180 || x > 180 || y < -90 || y > 90) {
			events_problem_field(
			    L, "geometry",
			    "position %d (%g, %g) is out of range (longitude -180..180, "
			    "latitude -90..90)",
			    i, x, y);
			return -1;
		}
	}
	return 0;
}

/* Copies OGR runs (points, line strings or rings) into one geodata_geom. */
static int geom_from_runs(events_loader *L, geom_list *gl, geodata_geom_type type,
                          OGRGeometryH *runs, int nruns)
{
	size_t total = 0;
	for (int r = 0; r < nruns; r++) {
		if (check_positions(L, runs[r]))
			return -1;
		int n = OGR_G_GetPointCount(runs[r]);
		if (type == GEODATA_GEOM_LINE && n < 2) {
			events_problem_field(L, "geometry",
			                     "a line string needs at least 2 positions");
			return -1;
		}
		if (type == GEODATA_GEOM_POLYGON) {
			if (n < 4) {
				events_problem_field(
				    L, "geometry",
				    "a polygon ring needs at least 4 positions, has %d", n);
				return -1;
			}
			if (OGR_G_GetX(runs[r], 0) != OGR_G_GetX(runs[r], n - 1) ||
			    OGR_G_GetY(runs[r], 0) != OGR_G_GetY(runs[r], n - 1)) {
				events_problem_field(
				    L, "geometry",
				    "a polygon ring is not closed (its last position must "
				    "repeat the first)");
				return -1;
			}
		}
		total += (size_t)(n > 0 ? n : 0);
	}
	if (total > UINT32_MAX / 2) {
		events_problem_field(L, "geometry", "too many positions");
		return -1;
	}
	geodata_geom *g = geom_push(L, gl);
	uint32_t *lens = events_alloc(L->ev, (size_t)nruns * sizeof *lens);
	double *xy = events_alloc(L->ev, total * 2 * sizeof *xy);
	if (!g || !lens || !xy)
		return -1;
	size_t k = 0;
	for (int r = 0; r < nruns; r++) {
		int n = OGR_G_GetPointCount(runs[r]);
		lens[r] = (uint32_t)n;
		for (int i = 0; i < n; i++, k++) {
			xy[2 * k] = OGR_G_GetX(runs[r], i);
			xy[2 * k + 1] = OGR_G_GetY(runs[r], i);
		}
	}
	g->type = type;
	g->nparts = (uint32_t)nruns;
	g->npoints = (uint32_t)total;
	g->part_len = lens;
	g->xy = xy;
	events_geom_bbox(g);
	return 0;
}

static int polygon_to_geom(events_loader *L, geom_list *gl, OGRGeometryH poly)
{
	int nrings = OGR_G_GetGeometryCount(poly);
	if (nrings <= 0 || OGR_G_IsEmpty(poly)) {
		events_problem_field(L, "geometry", "empty polygon");
		return -1;
	}
	OGRGeometryH *runs = malloc((size_t)nrings * sizeof *runs);
	if (!runs) {
		L->ev->oom = 1;
		return -1;
	}
	for (int i = 0; i < nrings; i++)
		runs[i] = OGR_G_GetGeometryRef(poly, i);
	int rc = geom_from_runs(L, gl, GEODATA_GEOM_POLYGON, runs, nrings);
	free(runs);
	return rc;
}

/* The GeoJSON name of a geometry's type, for messages in the file's own terms. */
static const char *geojson_type(OGRGeometryH g)
{
	switch (wkbFlatten(OGR_G_GetGeometryType(g))) {
	case wkbPoint:
		return "Point";
	case wkbMultiPoint:
		return "MultiPoint";
	case wkbLineString:
		return "LineString";
	case wkbMultiLineString:
		return "MultiLineString";
	case wkbPolygon:
		return "Polygon";
	case wkbMultiPolygon:
		return "MultiPolygon";
	case wkbGeometryCollection:
		return "GeometryCollection";
	default:
		return OGR_G_GetGeometryName(g);
	}
}

/* Converts an OGR geometry into geodata_geom pieces in degrees. */
static int geometry_from_ogr(events_loader *L, OGRGeometryH g, geom_list *gl)
{
	OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
	if (OGR_G_IsEmpty(g)) {
		events_problem_field(L, "geometry", "empty %s", geojson_type(g));
		return -1;
	}
	switch (t) {
	case wkbPoint:
	case wkbLineString:
		return geom_from_runs(L, gl, t == wkbPoint ? GEODATA_GEOM_POINT : GEODATA_GEOM_LINE,
		                      &g, 1);
	case wkbMultiPoint:
	case wkbMultiLineString: {
		int n = OGR_G_GetGeometryCount(g);
		OGRGeometryH *runs = malloc((size_t)(n > 0 ? n : 1) * sizeof *runs);
		if (!runs) {
			L->ev->oom = 1;
			return -1;
		}
		int m = 0;
		for (int i = 0; i < n; i++) {
			OGRGeometryH sub = OGR_G_GetGeometryRef(g, i);
			if (!OGR_G_IsEmpty(sub))
				runs[m++] = sub;
		}
		int rc = geom_from_runs(
		    L, gl, t == wkbMultiPoint ? GEODATA_GEOM_POINT : GEODATA_GEOM_LINE, runs, m);
		free(runs);
		return rc;
	}
	case wkbPolygon:
		return polygon_to_geom(L, gl, g);
	case wkbMultiPolygon:
		for (int i = 0; i < OGR_G_GetGeometryCount(g); i++) {
			OGRGeometryH sub = OGR_G_GetGeometryRef(g, i);
			if (OGR_G_IsEmpty(sub))
				continue;
			if (polygon_to_geom(L, gl, sub))
				return -1;
		}
		return 0;
	default:
		events_problem_field(L, "geometry",
		                     "unsupported type %s (expected Point, MultiPoint, LineString, "
		                     "MultiLineString, Polygon or MultiPolygon)",
		                     geojson_type(g));
		return -1;
	}
}

/* The feature's geometry from the parsed tree, handed to OGR's GeoJSON geometry reader alone. */
static OGRGeometryH ogr_geometry(events_loader *L, json_object *native)
{
	const char *text = json_object_to_json_string_ext(native, JSON_C_TO_STRING_PLAIN);
	if (!text) {
		L->ev->oom = 1;
		return NULL;
	}
	L->gdal_msg[0] = 0;
	return OGR_G_CreateGeometryFromJson(text);
}

static int read_geometry(events_loader *L, json_object *jf, geodata_event *e, long *area_feature)
{
	json_object *native = NULL;
	json_object_object_get_ex(jf, "geometry", &native);
	int has_native = native && !json_object_is_type(native, json_type_null);
	if (e->area) {
		if (has_native) {
			events_problem_field(
			    L, "geometry",
			    "must be null when \"area\" gives the geometry (it would "
			    "be ambiguous which one counts)");
			return -1;
		}
		if (events_check_area_code(L, e->area) ||
		    events_area_resolve(L, e->area, e, area_feature))
			return -1;
		return events_anchor(L, e);
	}
	if (!has_native) {
		events_problem_field(L, "geometry",
		                     "missing (give coordinates, or an ISO 3166-2 \"area\")");
		return -1;
	}
	/* OGR takes a NaN position for an empty point: catch non-finite numbers first. */
	if (!events_finite_numbers(native, 0)) {
		events_problem_field(L, "geometry", "a position is not a finite number");
		return -1;
	}
	OGRGeometryH g = ogr_geometry(L, native);
	if (!g) {
		/* OGR drops empty coordinates silently; say so rather than "invalid". */
		json_object *coords = NULL;
		if (json_object_object_get_ex(native, "coordinates", &coords) &&
		    json_object_is_type(coords, json_type_array) &&
		    json_object_array_length(coords) == 0) {
			events_problem_field(L, "geometry", "empty coordinates");
			return -1;
		}
		events_problem_field(L, "geometry", "not a valid GeoJSON geometry%s%s",
		                     L->gdal_msg[0] ? ": " : "", L->gdal_msg);
		return -1;
	}
	geom_list gl = {0};
	int rc = geometry_from_ogr(L, g, &gl);
	OGR_G_DestroyGeometry(g);
	if (rc)
		return -1;
	if (gl.n == 0) {
		events_problem_field(L, "geometry", "empty");
		return -1;
	}
	e->lonlat = gl.g;
	e->ngeoms = gl.n;
	if (events_project(L, e))
		return -1;
	return events_anchor(L, e);
}

/* ---- features ---------------------------------------------------------------------- */

static void read_feature(events_loader *L, json_object *jf, geodata_event *e, long *area_feature)
{
	json_object *props = NULL;
	json_object_object_get_ex(jf, "properties", &props);
	if (props && !json_object_is_type(props, json_type_object))
		props = NULL;
	events_read_properties(L, props, e);
	/* With a bad area code, any geometry message would only repeat it. */
	if (events_prop(props, "area") && !e->area)
		return;
	if (!L->ev->oom && !read_geometry(L, jf, e, area_feature) &&
	    events_geom_levels(&L->ev->mem, e))
		L->ev->oom = 1;
}

/* GDAL's messages go into the loader rather than to stderr. */
static void CPL_STDCALL gdal_handler(CPLErr cls, CPLErrorNum num, const char *msg)
{
	(void)num;
	events_loader *L = CPLGetErrorHandlerUserData();
	if (L && cls >= CE_Warning)
		snprintf(L->gdal_msg, sizeof L->gdal_msg, "%s", msg ? msg : "");
}

static void read_features(events_loader *L, json_object *features)
{
	geodata_events *ev = L->ev;
	size_t n = json_object_array_length(features);
	ev->events = calloc(n ? n : 1, sizeof *ev->events);
	ev->by_id = calloc(n ? n : 1, sizeof *ev->by_id);
	ev->area_feature = malloc((n ? n : 1) * sizeof *ev->area_feature);
	if (!ev->events || !ev->by_id || !ev->area_feature) {
		ev->oom = 1;
		return;
	}
	ev->count = n;
	CPLPushErrorHandlerEx(gdal_handler, L);
	for (size_t i = 0; i < n; i++) {
		L->index = i;
		L->id = NULL;
		ev->area_feature[i] = -1;
		read_feature(L, json_object_array_get_idx(features, i), &ev->events[i],
		             &ev->area_feature[i]);
	}
	CPLPopErrorHandler();
}

/* ---- loading ----------------------------------------------------------------------- */

/* Takes ownership of `briefing`, which the events carry and serve with their collection. */
static geodata_events *load_with_article(const geodata *gd, const void *data, size_t len,
                                         const char *article, size_t article_len,
                                         geodata_briefing *briefing, geodata_problems *problems)
{
	events_loader L = {
	    .gd = gd, .out = problems, .article = article, .article_len = article_len};
	json_object *root = NULL, *features = NULL;

	L.ev = calloc(1, sizeof *L.ev);
	if (!L.ev) {
		geodata_briefing_destroy(briefing);
		events_problem_file(&L, "out of memory");
		return NULL;
	}
	L.ev->briefing = briefing;
	if (!data || len == 0) {
		events_problem_file(&L, "empty file");
		goto done;
	}
	if (len > MAX_FILE_BYTES) {
		events_problem_file(&L, "too large: %zu bytes (at most %u)", len, MAX_FILE_BYTES);
		goto done;
	}
	/* A briefing's kinds change how its events are drawn: they are part of the revision. */
	L.ev->hash = fnv1a64(data, len) ^ geodata_events_kinds(L.ev)->hash;
	if (!(root = events_check_structure(&L, data, len)))
		goto done;
	json_object_object_get_ex(root, "features", &features);
	read_features(&L, features);
	if (!L.ev->oom)
		events_ids_index(&L);
	/* The parsed tree is converted: free it before the next big allocations. */
	json_object_put(root);
	root = NULL;
	if (!L.nproblems && !L.ev->oom &&
	    (events_stacks_compute(L.ev->events, L.ev->count) || events_json_write(L.ev)))
		L.ev->oom = 1;
	if (L.ev->oom)
		events_problem_file(&L, "out of memory");
done:
	json_object_put(root);
	geodata_proj_destroy(L.proj);
	if (len > EVENTS_TRIM_BYTES)
		malloc_trim(0); /* the parse's transient tree is gone: give its pages back */
	events_problems_close(&L);
	if (L.nproblems) {
		events_free(L.ev);
		return NULL;
	}
	atomic_init(&L.ev->refs, 1);
	return L.ev;
}

geodata_events *geodata_events_load_buffer(const geodata *gd, const void *data, size_t len,
                                           geodata_problems *problems)
{
	return load_with_article(gd, data, len, NULL, 0, NULL, problems);
}

/* Lines about the whole file, from `from` on, say which file it is. */
static void name_file_in_problems(geodata_problems *problems, size_t from, const char *quoted)
{
	for (size_t i = from; problems && i < problems->count; i++) {
		char *line = problems->lines[i];
		if (!strncmp(line, "feature ", 8))
			continue;
		size_t n = strlen(quoted) + strlen(line) + 8;
		char *withname = malloc(n);
		if (withname) {
			snprintf(withname, n, "file %s: %s", quoted, line);
			free(line);
			problems->lines[i] = withname;
		}
	}
}

geodata_events *geodata_events_load(const geodata *gd, const char *path, geodata_problems *problems)
{
	events_loader L = {.out = problems};
	geodata_events *ev = NULL;
	char *buf = NULL, why[256];
	size_t len = 0;
	char q[300];

	if (!path) {
		events_problem_file(&L, "no events file given");
		return NULL;
	}
	events_quote(path, q, sizeof q);
	if (file_read_regular(path, MAX_FILE_BYTES, &buf, &len, why, sizeof why)) {
		events_problem_file(&L, "file %s: %s", q, why);
		return NULL;
	}
	size_t before = problems ? problems->count : 0;
	briefing_files bf;
	if (briefing_files_read(path, &bf, problems)) {
		free(buf);
		return NULL;
	}
	ev = load_with_article(gd, buf, len, bf.article, bf.article_len, bf.briefing, problems);
	/* The bytes are no longer needed: give them back before the caller goes on. */
	free(buf);
	bf.briefing = NULL;
	if (ev) {
		ev->quotes_checked = bf.article != NULL;
		ev->hash ^= bf.hash;
	}
	briefing_files_finish(&bf);
	name_file_in_problems(problems, before, q);
	return ev;
}
