/* events_read.c: reads an events file: the bytes from disk, the JSON parsed once, each feature's
 * properties and geometry into the model, then its stacks. */
#include <malloc.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

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

/* ---- geometry, read from the parsed tree ------------------------------------------- */

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

static int is_array(json_object *v)
{
	return json_object_is_type(v, json_type_array);
}

static int is_number(json_object *v)
{
	return json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int);
}

/* A position: two or more numbers (a third, the height, is ignored). 0, or -1 if it is not one. */
static int position_read(json_object *p, double *x, double *y)
{
	if (!is_array(p) || json_object_array_length(p) < 2 ||
	    !is_number(json_object_array_get_idx(p, 0)) ||
	    !is_number(json_object_array_get_idx(p, 1)))
		return -1;
	*x = json_object_get_double(json_object_array_get_idx(p, 0));
	*y = json_object_get_double(json_object_array_get_idx(p, 1));
	return 0;
}

/* A run is one position for points, an array of positions for lines and rings. */
static size_t run_length(geodata_geom_type type, json_object *run)
{
	return type == GEODATA_GEOM_POINT ? 1 : json_object_array_length(run);
}

static json_object *run_position(geodata_geom_type type, json_object *run, size_t i)
{
	return type == GEODATA_GEOM_POINT ? run : json_object_array_get_idx(run, i);
}

/* Checks one run: its positions, in range, and the length and closing its type needs. */
static int run_check(events_loader *L, geodata_geom_type type, json_object *run)
{
	if (type != GEODATA_GEOM_POINT && !is_array(run))
		return events_problem_field(L, "geometry", "not a valid GeoJSON geometry"), -1;
	size_t n = run_length(type, run);
	double x, y, x0 = 0, y0 = 0;
	for (size_t i = 0; i < n; i++) {
		if (position_read(run_position(type, run, i), &x, &y)) {
			events_problem_field(L, "geometry",
			                     "not a valid GeoJSON geometry: position %zu is not an "
			                     "array of two numbers",
			                     i);
			return -1;
		}
		if (x < -180 || x > 180 || y < -90 || y > 90) {
			events_problem_field(L, "geometry",
			                     "position %zu (%g, %g) is out of range (longitude "
			                     "-180..180, latitude -90..90)",
			                     i, x, y);
			return -1;
		}
		if (i == 0)
			x0 = x, y0 = y;
	}
	if (type == GEODATA_GEOM_LINE && n < 2) {
		events_problem_field(L, "geometry", "a line string needs at least 2 positions");
		return -1;
	}
	if (type == GEODATA_GEOM_POLYGON) {
		if (n < 4) {
			events_problem_field(
			    L, "geometry", "a polygon ring needs at least 4 positions, has %zu", n);
			return -1;
		}
		if (x != x0 || y != y0) {
			events_problem_field(L, "geometry",
			                     "a polygon ring is not closed (its last position must "
			                     "repeat the first)");
			return -1;
		}
	}
	return 0;
}

/* Copies runs (points, line strings or rings) into one geodata_geom. */
static int geom_from_runs(events_loader *L, geom_list *gl, geodata_geom_type type,
                          json_object **runs, size_t nruns)
{
	size_t total = 0;
	for (size_t r = 0; r < nruns; r++) {
		if (run_check(L, type, runs[r]))
			return -1;
		total += run_length(type, runs[r]);
	}
	if (total > UINT32_MAX / 2 || nruns > UINT32_MAX) {
		events_problem_field(L, "geometry", "too many positions");
		return -1;
	}
	geodata_geom *g = geom_push(L, gl);
	uint32_t *lens = events_alloc(L->ev, (nruns ? nruns : 1) * sizeof *lens);
	double *xy = events_alloc(L->ev, (total ? total : 1) * 2 * sizeof *xy);
	if (!g || !lens || !xy)
		return -1;
	size_t k = 0;
	for (size_t r = 0; r < nruns; r++) {
		size_t n = run_length(type, runs[r]);
		lens[r] = (uint32_t)n;
		for (size_t i = 0; i < n; i++, k++)
			position_read(run_position(type, runs[r], i), &xy[2 * k], &xy[2 * k + 1]);
	}
	g->type = type;
	g->nparts = (uint32_t)nruns;
	g->npoints = (uint32_t)total;
	g->part_len = lens;
	g->xy = xy;
	events_geom_bbox(g);
	return 0;
}

/*
 * The members of a coordinates array as runs, leaving out empty ones (an
 * empty member of a Multi* is nothing, not an error). `*runs` is malloc'd.
 */
static int runs_of(events_loader *L, json_object *coords, json_object ***runs, size_t *n)
{
	size_t len = json_object_array_length(coords), m = 0;
	*runs = malloc((len ? len : 1) * sizeof **runs);
	if (!*runs) {
		L->ev->oom = 1;
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		json_object *run = json_object_array_get_idx(coords, i);
		if (!is_array(run) || json_object_array_length(run) > 0)
			(*runs)[m++] = run;
	}
	*n = m;
	return 0;
}

static int polygon_to_geom(events_loader *L, geom_list *gl, json_object *rings)
{
	if (!is_array(rings)) {
		events_problem_field(L, "geometry", "not a valid GeoJSON geometry");
		return -1;
	}
	size_t n = json_object_array_length(rings);
	if (n == 0) {
		events_problem_field(L, "geometry", "empty polygon");
		return -1;
	}
	/* A ring without positions is a ring too short, not one to leave out. */
	json_object **runs = malloc(n * sizeof *runs);
	if (!runs) {
		L->ev->oom = 1;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		runs[i] = json_object_array_get_idx(rings, i);
	int rc = geom_from_runs(L, gl, GEODATA_GEOM_POLYGON, runs, n);
	free(runs);
	return rc;
}

/* The GeoJSON geometry types an event may have, in the order of GEODATA_GEOM_*'s single forms. */
static const char *const geometry_types[] = {"Point",           "MultiPoint", "LineString",
                                             "MultiLineString", "Polygon",    "MultiPolygon"};

/* Converts a GeoJSON geometry object into geodata_geom pieces in degrees. */
static int geometry_from_json(events_loader *L, json_object *geometry, geom_list *gl)
{
	json_object *type = NULL, *coords = NULL;
	const char *t = json_object_object_get_ex(geometry, "type", &type) &&
	                        json_object_is_type(type, json_type_string)
	                    ? json_object_get_string(type)
	                    : NULL;
	int k = -1;
	for (int i = 0; t && i < 6; i++)
		if (!strcmp(t, geometry_types[i]))
			k = i;
	if (k < 0) {
		char q[96];
		events_quote(t ? t : "(none)", q, sizeof q);
		events_problem_field(L, "geometry",
		                     t && !strcmp(t, "GeometryCollection")
		                         ? "unsupported type %s (expected Point, MultiPoint, "
		                           "LineString, MultiLineString, Polygon or MultiPolygon)"
		                         : "not a valid GeoJSON geometry: unknown type %s",
		                     q);
		return -1;
	}
	if (!json_object_object_get_ex(geometry, "coordinates", &coords) || !is_array(coords)) {
		events_problem_field(L, "geometry",
		                     "not a valid GeoJSON geometry: no \"coordinates\" array");
		return -1;
	}
	if (json_object_array_length(coords) == 0) {
		events_problem_field(L, "geometry", "empty %s", t);
		return -1;
	}
	json_object **runs = NULL;
	size_t n = 0;
	int rc = -1;
	switch (k) {
	case 0: /* Point */
	case 2: /* LineString */
		return geom_from_runs(L, gl, k == 0 ? GEODATA_GEOM_POINT : GEODATA_GEOM_LINE,
		                      &coords, 1);
	case 1: /* MultiPoint */
	case 3: /* MultiLineString */
		if (runs_of(L, coords, &runs, &n))
			return -1;
		if (n == 0)
			events_problem_field(L, "geometry", "empty %s", t);
		else
			rc = geom_from_runs(L, gl, k == 1 ? GEODATA_GEOM_POINT : GEODATA_GEOM_LINE,
			                    runs, n);
		free(runs);
		return rc;
	case 4: /* Polygon */
		return polygon_to_geom(L, gl, coords);
	default: /* MultiPolygon */
		for (size_t i = 0; i < json_object_array_length(coords); i++) {
			json_object *poly = json_object_array_get_idx(coords, i);
			if (is_array(poly) && json_object_array_length(poly) == 0)
				continue;
			if (polygon_to_geom(L, gl, poly))
				return -1;
		}
		return 0;
	}
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
	/* json-c accepts NaN and 1e999: no position may hold one. */
	if (!events_finite_numbers(native, 0)) {
		events_problem_field(L, "geometry", "a position is not a finite number");
		return -1;
	}
	if (!json_object_is_type(native, json_type_object)) {
		events_problem_field(L, "geometry", "not a valid GeoJSON geometry: not an object");
		return -1;
	}
	geom_list gl = {0};
	if (geometry_from_json(L, native, &gl))
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
	for (size_t i = 0; i < n; i++) {
		L->index = i;
		L->id = NULL;
		ev->area_feature[i] = -1;
		read_feature(L, json_object_array_get_idx(features, i), &ev->events[i],
		             &ev->area_feature[i]);
	}
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
	pthread_mutex_init(&L.ev->json_lock, NULL);
	atomic_init(&L.ev->json_ready, 0);
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
	if (!L.nproblems && !L.ev->oom && events_stacks_compute(L.ev->events, L.ev->count))
		L.ev->oom = 1;
	if (L.ev->oom)
		events_problem_file(&L, "out of memory");
done:
	json_object_put(root);
	geodata_proj_destroy(L.proj);
	if (L.geos)
		GEOS_finish_r(L.geos);
	events_areas_finish(&L);
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
		/* Kept, so that a page can show each quote where the offsets say it is. */
		ev->article = bf.article;
		ev->article_len = bf.article_len;
		bf.article = NULL;
	}
	briefing_files_finish(&bf);
	name_file_in_problems(problems, before, q);
	return ev;
}
