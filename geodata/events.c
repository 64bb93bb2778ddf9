/* events.c: loads, validates, projects and serialises the article's events (GeoJSON via OGR). */
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <json.h>
#include <ogr_api.h>

#include "evidence.h"
#include "private.h"

/* Web Mercator's latitude limit: the square world of the tile pyramid. */
#define MERC_MAX_LAT 85.05112878

/* Beyond this many lines a report stops being read; the rest is counted. */
#define MAX_PROBLEM_LINES 200

/* Far more than any article needs, small enough that a stray file cannot exhaust memory. */
#define MAX_FILE_BYTES GEODATA_EVENTS_MAX_BYTES
/* Freeing a model or a parse bigger than this gives the freed pages back to the system. */
#define TRIM_BYTES (4u << 20)

/* Text limits of the design's model, in characters (Unicode code points). */
#define MAX_TITLE 120
#define MAX_SUMMARY 1000
#define MAX_ACTOR 120
#define MAX_ID 80
#define MAX_DATE_TEXT 32

static const char *const date_precision_names[] = {"day", "week", "month", "year"};

struct geodata_events {
	atomic_size_t refs;
	geodata_event *events;
	size_t count;
	size_t *by_id; /* event indices sorted by id, for lookups */
	char **feature_json;
	char *collection_json;
	uint64_t hash;
	geodata_briefing *briefing; /* briefing.json beside the file, or NULL */
	int quotes_checked;
	/* Every block behind the events' pointers, freed together. */
	arena mem;
	int oom;
};

/* State of one load: where problems go and what is being built. */
typedef struct loader {
	const geodata *gd;
	geodata_problems *out;
	size_t nproblems;
	geodata_events *ev;
	geodata_proj *proj;
	int proj_failed;
	char gdal_msg[256];
	/* The article quotes are checked against, or NULL. */
	const char *article;
	size_t article_len;
	/* The feature being read, for the prefix of its problems. */
	size_t index;
	const char *id;
} loader;

/* ---- problems ------------------------------------------------------------------- */

void geodata_problems_finish(geodata_problems *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->count; i++)
		free(p->lines[i]);
	free(p->lines);
	p->lines = NULL;
	p->count = p->cap = 0;
}

static void problems_push(geodata_problems *p, char *line)
{
	if (p->count == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		char **v = realloc(p->lines, cap * sizeof *v);
		if (!v) {
			free(line);
			return;
		}
		p->lines = v;
		p->cap = cap;
	}
	p->lines[p->count++] = line;
}

/* One problem per line, always: control characters from the input become spaces. */
static void vproblem(loader *L, const char *fmt, va_list ap)
{
	L->nproblems++;
	if (!L->out || L->nproblems > MAX_PROBLEM_LINES)
		return;
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	char *line = malloc((size_t)n + 1);
	if (!line)
		return;
	vsnprintf(line, (size_t)n + 1, fmt, ap);
	for (char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	problems_push(L->out, line);
}

static void __attribute__((format(printf, 2, 3))) file_problem(loader *L, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vproblem(L, fmt, ap);
	va_end(ap);
}

/*
 * Quotes a value from the input as a JSON string (json-c does the escaping),
 * cut to a readable length on a UTF-8 boundary.
 */
static void quote_n(const char *s, size_t len, char *buf, size_t n)
{
	char tmp[96];
	size_t cut = len;
	if (cut > 64) {
		cut = 64;
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
	}
	memcpy(tmp, s, cut);
	if (cut < len) {
		memcpy(tmp + cut, "...", 3);
		cut += 3;
	}
	json_object *o = json_object_new_string_len(tmp, (int)cut);
	const char *t = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                          JSON_C_TO_STRING_NOSLASHESCAPE)
	                  : NULL;
	snprintf(buf, n, "%s", t ? t : "\"?\"");
	json_object_put(o);
}

static void quote(const char *s, char *buf, size_t n)
{
	quote_n(s, strlen(s), buf, n);
}

static void __attribute__((format(printf, 3, 4)))
field_problem(loader *L, const char *field, const char *fmt, ...)
{
	char id[128], head[320];
	if (L->id)
		quote(L->id, id, sizeof id);
	else
		snprintf(id, sizeof id, "no id");
	if (field)
		snprintf(head, sizeof head, "feature %zu (%s%s): field \"%s\": ", L->index,
		         L->id ? "id " : "", id, field);
	else
		snprintf(head, sizeof head, "feature %zu (%s%s): ", L->index, L->id ? "id " : "",
		         id);
	va_list ap;
	va_start(ap, fmt);
	char body[1024];
	vsnprintf(body, sizeof body, fmt, ap);
	va_end(ap);
	file_problem(L, "%s%s", head, body);
}

/* ---- storage ---------------------------------------------------------------------- */

static void *ev_alloc(geodata_events *ev, size_t size)
{
	void *p = arena_alloc(&ev->mem, size);
	if (!p)
		ev->oom = 1;
	return p;
}

static char *ev_strdup(geodata_events *ev, const char *s, size_t len)
{
	char *d = ev_alloc(ev, len + 1);
	if (d)
		memcpy(d, s, len);
	return d;
}

static void events_free(geodata_events *ev)
{
	if (!ev)
		return;
	size_t big = ev->mem.bytes;
	arena_finish(&ev->mem);
	free(ev->feature_json); /* the strings are in the arena */
	free(ev->collection_json);
	free(ev->by_id);
	free(ev->events);
	geodata_briefing_destroy(ev->briefing);
	free(ev);
	/* glibc keeps freed memory for reuse; a server swapping a big file for a small one wants
	 * it back. */
	if (big > TRIM_BYTES)
		malloc_trim(0);
}

/* ---- small checks ------------------------------------------------------------------- */

/* Counts code points; returns -1 if the bytes are not valid UTF-8. */
static long utf8_length(const char *s, size_t len)
{
	long n = 0;
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		unsigned c = *p;
		size_t k;
		unsigned min;
		if (c < 0x80) {
			p++;
			n++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			k = 1, min = 0x80, c &= 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			k = 2, min = 0x800, c &= 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			k = 3, min = 0x10000, c &= 0x07;
		} else {
			return -1;
		}
		if ((size_t)(end - p) <= k)
			return -1;
		for (size_t i = 1; i <= k; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return -1;
			c = (c << 6) | (p[i] & 0x3F);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return -1;
		p += k + 1;
		n++;
	}
	return n;
}

/* A slug: lower-case ASCII letters and digits in groups joined by single hyphens. */
static int is_slug(const char *s)
{
	if (!*s || *s == '-')
		return 0;
	for (const char *c = s; *c; c++) {
		int ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		         (*c == '-' && c[1] && c[1] != '-');
		if (!ok)
			return 0;
	}
	return 1;
}

/* "MX-SIN": a two-letter country, a hyphen, one to three letters or digits. */
static int is_iso_3166_2(const char *s)
{
	size_t n = strlen(s);
	if (n < 4 || n > 6 || s[2] != '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (i == 2)
			continue;
		int letter = c >= 'A' && c <= 'Z';
		if (i < 2 ? !letter : !(letter || (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

static const char *json_type_word(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
	case json_type_int:
		return "a number";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "something else";
}

static int name_index(const char *value, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(value, names[i]))
			return (int)i;
	return -1;
}

static void names_list(const char *const *names, size_t n, char *buf, size_t cap)
{
	size_t used = 0;
	buf[0] = 0;
	for (size_t i = 0; i < n && used < cap; i++) {
		int w = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", names[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

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

/* The native value of a property, or NULL when absent or null. */
static json_object *prop(json_object *props, const char *name)
{
	json_object *v = NULL;
	if (!props || !json_object_object_get_ex(props, name, &v) ||
	    json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

/*
 * Reads a text property through OGR, checking it against the native JSON so
 * that a value OGR typed differently for the whole layer (a number in one
 * feature, a string in another) is still attributed to the right feature.
 * Returns a copy owned by the events, or NULL (with a problem if required).
 */
static const char *text_field(loader *L, OGRFeatureH of, json_object *props, const char *name,
                              int required, long max_chars)
{
	json_object *v = prop(props, name);
	if (!v) {
		if (required)
			field_problem(L, name, "missing");
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		field_problem(L, name, "expected a string, got %s", json_type_word(v));
		return NULL;
	}
	const char *native = json_object_get_string(v);
	size_t len = (size_t)json_object_get_string_len(v);
	int idx = OGR_F_GetFieldIndex(of, name);
	const char *s = idx >= 0 && OGR_F_IsFieldSetAndNotNull(of, idx)
	                    ? OGR_F_GetFieldAsString(of, idx)
	                    : NULL;
	if (!s || strlen(s) != len || memcmp(s, native, len)) {
		field_problem(L, name,
		              "OGR read a different value than the file holds (a NUL character, "
		              "or another property whose name differs only in case?)");
		return NULL;
	}
	long chars = utf8_length(s, len);
	if (chars < 0) {
		field_problem(L, name, "not valid UTF-8");
		return NULL;
	}
	if (required && chars == 0) {
		field_problem(L, name, "empty");
		return NULL;
	}
	if (max_chars > 0 && chars > max_chars) {
		field_problem(L, name, "too long: %ld characters (at most %ld)", chars, max_chars);
		return NULL;
	}
	return ev_strdup(L->ev, s, len);
}

/* An enumerated property: returns its index in `names`, or -1 with a problem. */
static int enum_field(loader *L, OGRFeatureH of, json_object *props, const char *name,
                      const char *const *names, size_t n, const char **text)
{
	const char *s = text_field(L, of, props, name, 1, 64);
	*text = s;
	if (!s)
		return -1;
	int k = name_index(s, names, n);
	if (k < 0) {
		char q[128], list[256];
		quote(s, q, sizeof q);
		names_list(names, n, list, sizeof list);
		field_problem(L, name, "unknown value %s (expected %s)", q, list);
	}
	return k;
}

static int read_actors(loader *L, OGRFeatureH of, json_object *props, geodata_event *e)
{
	json_object *v = prop(props, "actors");
	e->actors = NULL;
	e->nactors = 0;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_array)) {
		field_problem(L, "actors", "expected an array of strings, got %s",
		              json_type_word(v));
		return -1;
	}
	size_t n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(v, i);
		if (!json_object_is_type(a, json_type_string)) {
			field_problem(L, "actors", "item %zu: expected a string, got %s", i,
			              json_type_word(a));
			return -1;
		}
	}
	/*
	 * OGR gives a string list when every feature's array holds strings; when
	 * the layer's type fell back to text (some other feature is broken, or
	 * all arrays are empty) the native array is the only faithful reading.
	 */
	int idx = OGR_F_GetFieldIndex(of, "actors");
	char **list = NULL;
	if (idx >= 0 && OGR_F_IsFieldSetAndNotNull(of, idx) &&
	    OGR_Fld_GetType(OGR_F_GetFieldDefnRef(of, idx)) == OFTStringList)
		list = OGR_F_GetFieldAsStringList(of, idx);
	if (list && (size_t)CSLCount(list) != n) {
		field_problem(L, "actors", "OGR read %d items where the file has %zu",
		              CSLCount(list), n);
		return -1;
	}
	const char **out = ev_alloc(L->ev, (n + 1) * sizeof *out);
	if (!out)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(v, i);
		const char *native = json_object_get_string(a);
		size_t len = (size_t)json_object_get_string_len(a);
		if (list && (strlen(list[i]) != len || memcmp(list[i], native, len))) {
			field_problem(L, "actors", "item %zu: OGR read a different value", i);
			return -1;
		}
		long chars = utf8_length(native, len);
		if (chars <= 0 || memchr(native, 0, len)) {
			field_problem(L, "actors", "item %zu: %s", i,
			              chars == 0 ? "empty" : "not valid UTF-8 text");
			return -1;
		}
		if (chars > MAX_ACTOR) {
			field_problem(L, "actors",
			              "item %zu: too long: %ld characters (at most %d)", i, chars,
			              MAX_ACTOR);
			return -1;
		}
		if (!(out[i] = ev_strdup(L->ev, native, len)))
			return -1;
	}
	e->actors = out;
	e->nactors = n;
	return 0;
}

static int read_count(loader *L, OGRFeatureH of, json_object *props, geodata_event *e)
{
	json_object *v = prop(props, "count");
	e->count = -1;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0) {
		const char *t = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		char q[128];
		quote(t ? t : "?", q, sizeof q);
		field_problem(L, "count", "expected a non-negative integer, got %s", q);
		return -1;
	}
	int64_t native = json_object_get_int64(v);
	int idx = OGR_F_GetFieldIndex(of, "count");
	if (idx < 0 || !OGR_F_IsFieldSetAndNotNull(of, idx) ||
	    OGR_F_GetFieldAsInteger64(of, idx) != native) {
		field_problem(L, "count", "OGR read a different value than the file holds");
		return -1;
	}
	e->count = (long)native;
	return 0;
}

/* The date and its precision, checked against each other. */
static int read_date(loader *L, OGRFeatureH of, json_object *props, geodata_event *e)
{
	int rc = 0;
	const char *prec_text;
	e->date = text_field(L, of, props, "date", 0, MAX_DATE_TEXT);
	if (!e->date) {
		/* No date in the article: nothing places the event in time. */
		e->start = e->end = GEODATA_DAY_OPEN;
		e->date_precision = NULL;
		if (prop(props, "date"))
			return -1;
		if (prop(props, "date_precision")) {
			field_problem(L, "date_precision", "given without a \"date\"");
			return -1;
		}
		return 0;
	}
	int prec = enum_field(L, of, props, "date_precision", date_precision_names, 4, &prec_text);
	e->date_precision = prec_text;
	const char *slash = strchr(e->date, '/');
	size_t start_len = slash ? (size_t)(slash - e->date) : strlen(e->date);
	char start_text[MAX_DATE_TEXT * 4 + 1], q[128];
	memcpy(start_text, e->date, start_len);
	start_text[start_len] = 0;
	geodata_day a, b = 0;
	int end_open = slash && !strcmp(slash + 1, "..");
	if (geodata_date_parse(start_text, &a) ||
	    (slash && !end_open && geodata_date_parse(slash + 1, &b))) {
		quote(e->date, q, sizeof q);
		field_problem(L, "date",
		              "not an ISO 8601 calendar date (YYYY, YYYY-MM, YYYY-MM-DD) or "
		              "interval (START/END, START/..): %s",
		              q);
		return -1;
	}
	if (slash && !end_open && b < a) {
		field_problem(L, "date", "the interval ends (%s) before it starts (%s)", slash + 1,
		              start_text);
		return -1;
	}
	if (geodata_interval_parse(e->date, &e->start, &e->end))
		return -1;
	/* A precision the written date cannot carry would claim more than the text knows. */
	static const size_t need_len[] = {10, 10, 7, 4};
	if (prec >= 0 && start_len < need_len[prec]) {
		quote(e->date, q, sizeof q);
		field_problem(L, "date_precision", "\"%s\" is finer than the date %s can express",
		              prec_text, q);
		rc = -1;
	}
	return prec < 0 ? -1 : rc;
}

/* ---- geometry ---------------------------------------------------------------------- */

typedef struct geom_list {
	geodata_geom *g;
	size_t n, cap;
} geom_list;

static geodata_geom *geom_push(loader *L, geom_list *gl)
{
	if (gl->n == gl->cap) {
		size_t cap = gl->cap ? gl->cap * 2 : 4;
		geodata_geom *v = ev_alloc(L->ev, cap * sizeof *v);
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

static void geom_bbox(geodata_geom *g)
{
	geodata_bbox b = {INFINITY, INFINITY, -INFINITY, -INFINITY};
	for (uint32_t i = 0; i < g->npoints; i++) {
		double x = g->xy[2 * i], y = g->xy[2 * i + 1];
		b.minx = fmin(b.minx, x), b.maxx = fmax(b.maxx, x);
		b.miny = fmin(b.miny, y), b.maxy = fmax(b.maxy, y);
	}
	g->bbox = b;
}

/* Checks every position of an OGR geometry; returns the first bad one's message. */
static int check_positions(loader *L, OGRGeometryH g)
{
	int n = OGR_G_GetPointCount(g);
	for (int i = 0; i < n; i++) {
		double x = OGR_G_GetX(g, i), y = OGR_G_GetY(g, i);
		if (!isfinite(x) || !isfinite(y)) {
			field_problem(L, "geometry", "position %d is not a finite number", i);
			return -1;
		}
		if (x < -180 || x > 180 || y < -90 || y > 90) {
			field_problem(L, "geometry",
			              "position %d (%g, %g) is out of range (longitude -180..180, "
			              "latitude -90..90)",
			              i, x, y);
			return -1;
		}
	}
	return 0;
}

/* Copies OGR runs (points, line strings or rings) into one geodata_geom. */
static int geom_from_runs(loader *L, geom_list *gl, geodata_geom_type type, OGRGeometryH *runs,
                          int nruns)
{
	size_t total = 0;
	for (int r = 0; r < nruns; r++) {
		if (check_positions(L, runs[r]))
			return -1;
		int n = OGR_G_GetPointCount(runs[r]);
		if (type == GEODATA_GEOM_LINE && n < 2) {
			field_problem(L, "geometry", "a line string needs at least 2 positions");
			return -1;
		}
		if (type == GEODATA_GEOM_POLYGON) {
			if (n < 4) {
				field_problem(L, "geometry",
				              "a polygon ring needs at least 4 positions, has %d",
				              n);
				return -1;
			}
			if (OGR_G_GetX(runs[r], 0) != OGR_G_GetX(runs[r], n - 1) ||
			    OGR_G_GetY(runs[r], 0) != OGR_G_GetY(runs[r], n - 1)) {
				field_problem(
				    L, "geometry",
				    "a polygon ring is not closed (its last position must "
				    "repeat the first)");
				return -1;
			}
		}
		total += (size_t)(n > 0 ? n : 0);
	}
	if (total > UINT32_MAX / 2) {
		field_problem(L, "geometry", "too many positions");
		return -1;
	}
	geodata_geom *g = geom_push(L, gl);
	uint32_t *lens = ev_alloc(L->ev, (size_t)nruns * sizeof *lens);
	double *xy = ev_alloc(L->ev, total * 2 * sizeof *xy);
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
	geom_bbox(g);
	return 0;
}

static int polygon_to_geom(loader *L, geom_list *gl, OGRGeometryH poly)
{
	int nrings = OGR_G_GetGeometryCount(poly);
	if (nrings <= 0 || OGR_G_IsEmpty(poly)) {
		field_problem(L, "geometry", "empty polygon");
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
static int geometry_from_ogr(loader *L, OGRGeometryH g, geom_list *gl)
{
	OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
	if (OGR_G_IsEmpty(g)) {
		field_problem(L, "geometry", "empty %s", geojson_type(g));
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
		field_problem(L, "geometry",
		              "unsupported type %s (expected Point, MultiPoint, LineString, "
		              "MultiLineString, Polygon or MultiPolygon)",
		              geojson_type(g));
		return -1;
	}
}

static int geom_copy(loader *L, const geodata_geom *src, geodata_geom *dst)
{
	*dst = *src;
	uint32_t *lens = ev_alloc(L->ev, (src->nparts ? src->nparts : 1) * sizeof *lens);
	double *xy = ev_alloc(L->ev, (src->npoints ? src->npoints : 1) * 2 * sizeof *xy);
	if (!lens || !xy)
		return -1;
	memcpy(lens, src->part_len, src->nparts * sizeof *lens);
	memcpy(xy, src->xy, (size_t)src->npoints * 2 * sizeof *xy);
	dst->part_len = lens;
	dst->xy = xy;
	return 0;
}

/*
 * The polygon pieces of a state (ISO 3166-2) or a country (ISO 3166-1
 * alpha-2), copied so the events do not depend on the base data's lifetime.
 */
static int geometry_from_area(loader *L, const char *code, geodata_event *e)
{
	char q[64];
	quote(code, q, sizeof q);
	int country = strlen(code) == 2 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' &&
	              code[1] <= 'Z';
	if (!country && !is_iso_3166_2(code)) {
		field_problem(L, "area",
		              "%s is not an ISO 3166-2 code (like \"MX-SIN\") or an ISO 3166-1 "
		              "alpha-2 country code (like \"MX\")",
		              q);
		return -1;
	}
	if (!L->gd) {
		field_problem(L, "area", "cannot resolve %s: no base data loaded", q);
		return -1;
	}
	long f = country ? geodata_country_find(L->gd, code) : geodata_state_find(L->gd, code);
	const geodata_layer *layer =
	    geodata_layer_get(L->gd, country ? GEODATA_COUNTRIES : GEODATA_STATES);
	if (f < 0 || !layer) {
		field_problem(L, "area", "unknown %s code %s (not in the %s layer)",
		              country ? "country" : "state", q, country ? "countries" : "states");
		return -1;
	}
	size_t n = geodata_layer_feature_pieces(layer, (size_t)f, NULL, 0);
	if (n == 0) {
		field_problem(L, "area", "the state %s has no geometry", q);
		return -1;
	}
	size_t *idx = malloc(n * sizeof *idx);
	geodata_geom *ll = ev_alloc(L->ev, n * sizeof *ll);
	geodata_geom *merc = ev_alloc(L->ev, n * sizeof *merc);
	int rc = -1;
	if (!idx || !ll || !merc) {
		L->ev->oom = 1;
		goto done;
	}
	geodata_layer_feature_pieces(layer, (size_t)f, idx, n);
	for (size_t i = 0; i < n; i++) {
		const geodata_piece *p = geodata_layer_piece(layer, idx[i]);
		if (!p || geom_copy(L, &p->lonlat, &ll[i]) ||
		    geom_copy(L, &p->level[GEODATA_MAX_ZOOM], &merc[i]))
			goto done;
	}
	e->lonlat = ll;
	e->merc = merc;
	e->ngeoms = n;
	rc = 0;
done:
	free(idx);
	return rc;
}

static geodata_proj *loader_proj(loader *L)
{
	if (!L->proj && !L->proj_failed) {
		geodata_error err = {{0}};
		L->proj = geodata_proj_create("EPSG:4326", "EPSG:3857", &err);
		if (!L->proj) {
			L->proj_failed = 1;
			file_problem(L,
			             "cannot build the EPSG:4326 to EPSG:3857 transformation: %s",
			             err.msg);
		}
	}
	return L->proj;
}

/* Web Mercator copies of the degree geometry, latitudes clamped to the square world. */
static int project_geoms(loader *L, geodata_event *e)
{
	geodata_proj *p = loader_proj(L);
	geodata_geom *merc = ev_alloc(L->ev, e->ngeoms * sizeof *merc);
	if (!p || !merc)
		return -1;
	for (size_t i = 0; i < e->ngeoms; i++) {
		if (geom_copy(L, &e->lonlat[i], &merc[i]))
			return -1;
		double *xy = (double *)merc[i].xy;
		for (uint32_t k = 0; k < merc[i].npoints; k++)
			xy[2 * k + 1] = fmax(-MERC_MAX_LAT, fmin(MERC_MAX_LAT, xy[2 * k + 1]));
		if (geodata_proj_trans(p, xy, merc[i].npoints, 0)) {
			field_problem(L, "geometry", "cannot be projected to EPSG:3857");
			return -1;
		}
		geom_bbox(&merc[i]);
	}
	e->merc = merc;
	return 0;
}

static double ring_area(const double *xy, uint32_t n)
{
	double a = 0;
	for (uint32_t i = 0; i + 1 < n; i++)
		a += xy[2 * i] * xy[2 * i + 3] - xy[2 * i + 2] * xy[2 * i + 1];
	return a / 2;
}

/* Builds an OGR polygon of one piece so GEOS can find a point inside it. */
static int point_on_surface(const geodata_geom *g, double *lon, double *lat)
{
	OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
	int rc = -1;
	if (!poly)
		return -1;
	const double *xy = g->xy;
	for (uint32_t r = 0; r < g->nparts; r++) {
		OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
		if (!ring)
			goto done;
		for (uint32_t i = 0; i < g->part_len[r]; i++)
			OGR_G_AddPoint_2D(ring, xy[2 * i], xy[2 * i + 1]);
		xy += 2 * (size_t)g->part_len[r];
		OGRErr oe = OGR_G_AddGeometryDirectly(poly, ring);
		if (oe != OGRERR_NONE)
			goto done;
	}
	OGRGeometryH pt = OGR_G_PointOnSurface(poly);
	if (pt && !OGR_G_IsEmpty(pt)) {
		*lon = OGR_G_GetX(pt, 0);
		*lat = OGR_G_GetY(pt, 0);
		rc = isfinite(*lon) && isfinite(*lat) ? 0 : -1;
	}
	OGR_G_DestroyGeometry(pt);
done:
	OGR_G_DestroyGeometry(poly);
	return rc;
}

/* Where the symbol and label go: the point itself, or a point inside the largest polygon. */
static int compute_anchor(loader *L, geodata_event *e)
{
	const geodata_geom *g0 = &e->lonlat[0];
	double lon = g0->xy[0], lat = g0->xy[1];
	if (g0->type == GEODATA_GEOM_LINE) {
		uint32_t mid = g0->part_len[0] / 2;
		lon = g0->xy[2 * mid], lat = g0->xy[2 * mid + 1];
	} else if (g0->type == GEODATA_GEOM_POLYGON) {
		size_t best = 0;
		double best_area = -1;
		for (size_t i = 0; i < e->ngeoms; i++) {
			double a = fabs(ring_area(e->merc[i].xy, e->merc[i].part_len[0]));
			if (a > best_area)
				best = i, best_area = a;
		}
		const geodata_geom *g = &e->lonlat[best];
		if (point_on_surface(g, &lon, &lat)) {
			/* Without GEOS: the middle of the box, which is inside for compact shapes.
			 */
			lon = (g->bbox.minx + g->bbox.maxx) / 2;
			lat = (g->bbox.miny + g->bbox.maxy) / 2;
		}
	}
	e->anchor_lon = lon;
	e->anchor_lat = lat;
	double xy[2] = {lon, fmax(-MERC_MAX_LAT, fmin(MERC_MAX_LAT, lat))};
	geodata_proj *p = loader_proj(L);
	if (!p || geodata_proj_trans(p, xy, 1, 0) || !isfinite(xy[0]) || !isfinite(xy[1])) {
		if (p)
			field_problem(L, "geometry", "its anchor cannot be projected to EPSG:3857");
		return -1;
	}
	e->anchor_x = xy[0];
	e->anchor_y = xy[1];
	geodata_bbox b = {INFINITY, INFINITY, -INFINITY, -INFINITY};
	for (size_t i = 0; i < e->ngeoms; i++) {
		b.minx = fmin(b.minx, e->merc[i].bbox.minx);
		b.miny = fmin(b.miny, e->merc[i].bbox.miny);
		b.maxx = fmax(b.maxx, e->merc[i].bbox.maxx);
		b.maxy = fmax(b.maxy, e->merc[i].bbox.maxy);
	}
	e->merc_bbox = b;
	return 0;
}

/* Whether every number under a JSON value is finite (json-c accepts NaN and 1e999). */
static int finite_numbers(json_object *v, int depth)
{
	if (depth > 64)
		return 1;
	switch (json_object_get_type(v)) {
	case json_type_double:
		return isfinite(json_object_get_double(v));
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (!finite_numbers(json_object_array_get_idx(v, i), depth + 1))
				return 0;
		return 1;
	case json_type_object: {
		json_object_object_foreach(v, key, val)
		{
			(void)key;
			if (!finite_numbers(val, depth + 1))
				return 0;
		}
		return 1;
	}
	default:
		return 1;
	}
}

static int read_geometry(loader *L, OGRFeatureH of, json_object *jf, geodata_event *e)
{
	json_object *native = NULL;
	json_object_object_get_ex(jf, "geometry", &native);
	int has_native = native && !json_object_is_type(native, json_type_null);
	if (e->area) {
		if (has_native) {
			field_problem(L, "geometry",
			              "must be null when \"area\" gives the geometry (it would be "
			              "ambiguous which one counts)");
			return -1;
		}
		if (geometry_from_area(L, e->area, e))
			return -1;
		return compute_anchor(L, e);
	}
	if (!has_native) {
		field_problem(L, "geometry",
		              "missing (give coordinates, or an ISO 3166-2 \"area\")");
		return -1;
	}
	/* OGR takes a NaN position for an empty point: catch non-finite numbers first. */
	if (!finite_numbers(native, 0)) {
		field_problem(L, "geometry", "a position is not a finite number");
		return -1;
	}
	OGRGeometryH g = OGR_F_GetGeometryRef(of);
	if (!g) {
		/* OGR drops empty coordinates silently; say so rather than "invalid". */
		json_object *coords = NULL;
		if (json_object_object_get_ex(native, "coordinates", &coords) &&
		    json_object_is_type(coords, json_type_array) &&
		    json_object_array_length(coords) == 0) {
			field_problem(L, "geometry", "empty coordinates");
			return -1;
		}
		field_problem(L, "geometry", "not a valid GeoJSON geometry%s%s",
		              L->gdal_msg[0] ? ": " : "", L->gdal_msg);
		return -1;
	}
	geom_list gl = {0};
	if (geometry_from_ogr(L, g, &gl))
		return -1;
	if (gl.n == 0) {
		field_problem(L, "geometry", "empty");
		return -1;
	}
	e->lonlat = gl.g;
	e->ngeoms = gl.n;
	if (project_geoms(L, e))
		return -1;
	return compute_anchor(L, e);
}

/* ---- one feature -------------------------------------------------------------------- */

static void *evidence_alloc(void *ud, size_t size)
{
	return ev_alloc(((loader *)ud)->ev, size);
}

static void evidence_problem(void *ud, const char *field, const char *msg)
{
	field_problem(ud, field, "%s", msg);
}

static void read_feature(loader *L, OGRFeatureH of, json_object *jf, geodata_event *e)
{
	json_object *props = NULL;
	json_object_object_get_ex(jf, "properties", &props);
	if (props && !json_object_is_type(props, json_type_object))
		props = NULL;
	const char *t;
	const geodata_kinds *kt = geodata_events_kinds(L->ev);
	const char *kinds[GEODATA_KINDS_MAX], *statuses[GEODATA_STATUS_COUNT];
	const char *precision_names[GEODATA_PRECISION_COUNT];
	for (int i = 0; i < GEODATA_PRECISION_COUNT; i++)
		precision_names[i] = geodata_precision_name((geodata_precision)i);
	for (size_t i = 0; i < kt->count; i++)
		kinds[i] = kt->kind[i].id;
	for (int i = 0; i < GEODATA_STATUS_COUNT; i++)
		statuses[i] = geodata_event_status_name((geodata_event_status)i);

	L->id = NULL;
	e->id = text_field(L, of, props, "id", 1, MAX_ID);
	if (e->id && !is_slug(e->id)) {
		char q[128];
		quote(e->id, q, sizeof q);
		field_problem(L, "id",
		              "%s is not a slug (lower-case letters and digits joined by single "
		              "hyphens)",
		              q);
		e->id = NULL;
	}
	L->id = e->id;
	/* One of its briefing's kinds: the problem lists them. */
	int k = enum_field(L, of, props, "kind", kinds, kt->count, &t);
	e->kind = k < 0 ? 0 : (uint32_t)k;
	int s = enum_field(L, of, props, "status", statuses, GEODATA_STATUS_COUNT, &t);
	e->status = s < 0 ? GEODATA_STATUS_CONFIRMED : (geodata_event_status)s;
	json_object *gp = prop(props, "geo_precision");
	int p = gp && json_object_is_type(gp, json_type_string) &&
	                !strcmp(json_object_get_string(gp), "approximate")
	            ? GEODATA_PRECISION_NEAR
	            : enum_field(L, of, props, "geo_precision", precision_names,
	                         GEODATA_PRECISION_COUNT, &t);
	e->geo_precision = p < 0 ? GEODATA_PRECISION_EXACT : (geodata_precision)p;
	e->title = text_field(L, of, props, "title", 1, MAX_TITLE);
	e->summary = text_field(L, of, props, "summary", 0, MAX_SUMMARY);
	if (!e->summary)
		e->summary = "";
	read_date(L, of, props, e);
	evidence_io io = {evidence_alloc, evidence_problem, L, L->article, L->article_len};
	evidence_read(&io, props, e);
	read_actors(L, of, props, e);
	read_count(L, of, props, e);
	e->area = text_field(L, of, props, "area", 0, 16);
	/* With a bad area code, any geometry message would only repeat it. */
	if (prop(props, "area") && !e->area)
		return;
	if (!L->ev->oom && !read_geometry(L, of, jf, e) && events_geom_levels(&L->ev->mem, e))
		L->ev->oom = 1;
}

/* ---- structure ------------------------------------------------------------------------ */

/* Counts a feature's positions before OGR copies them; too many is a problem naming it. */
static size_t geometry_within_limits(loader *L, json_object *f, json_object *props)
{
	json_object *g = NULL, *id = NULL;
	if (!json_object_object_get_ex(f, "geometry", &g))
		return 0;
	size_t n = events_json_positions(g);
	if (n > GEODATA_EVENTS_MAX_FEATURE_POSITIONS) {
		if (json_object_is_type(props, json_type_object) &&
		    json_object_object_get_ex(props, "id", &id) &&
		    json_object_is_type(id, json_type_string))
			L->id = json_object_get_string(id);
		field_problem(L, "geometry", "too many positions: %zu (at most %u per feature)", n,
		              GEODATA_EVENTS_MAX_FEATURE_POSITIONS);
		L->id = NULL;
	}
	return n;
}

/*
 * Checks with json-c what OGR would silently accept or skip (a lone Feature,
 * non-object array items, trailing bytes), so that feature numbers in
 * messages are the positions in the file's "features" array.
 */
static json_object *check_structure(loader *L, const char *data, size_t len)
{
	json_tokener *tok = json_tokener_new();
	if (!tok) {
		L->ev->oom = 1;
		return NULL;
	}
	json_object *root = json_tokener_parse_ex(tok, data, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root || jerr != json_tokener_success) {
		file_problem(L, "not valid JSON: %s near byte %zu",
		             jerr == json_tokener_continue ? "unexpected end of file"
		                                           : json_tokener_error_desc(jerr),
		             end);
		json_object_put(root);
		return NULL;
	}
	for (size_t i = end; i < len; i++)
		if (!strchr(" \t\r\n", data[i])) {
			file_problem(L, "not valid JSON: unexpected data after the end at byte %zu",
			             i);
			json_object_put(root);
			return NULL;
		}
	json_object *type = NULL, *features = NULL, *crs = NULL;
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "type", &type) ||
	    !json_object_is_type(type, json_type_string) ||
	    strcmp(json_object_get_string(type), "FeatureCollection")) {
		file_problem(L, "not a GeoJSON FeatureCollection (the top level must be an object "
		                "with \"type\": \"FeatureCollection\")");
		json_object_put(root);
		return NULL;
	}
	if (!json_object_object_get_ex(root, "features", &features) ||
	    !json_object_is_type(features, json_type_array)) {
		file_problem(L, "not a GeoJSON FeatureCollection (no \"features\" array)");
		json_object_put(root);
		return NULL;
	}
	if (json_object_object_get_ex(root, "crs", &crs) &&
	    !json_object_is_type(crs, json_type_null)) {
		const char *c = json_object_to_json_string_ext(crs, JSON_C_TO_STRING_PLAIN);
		if (!c || !strstr(c, "CRS84")) {
			file_problem(L,
			             "member \"crs\": RFC 7946 coordinates are WGS 84 longitude, "
			             "latitude; remove the member or name OGC CRS84");
			json_object_put(root);
			return NULL;
		}
	}
	size_t n = json_object_array_length(features), bad = L->nproblems;
	if (n > GEODATA_EVENTS_MAX_FEATURES) {
		file_problem(L, "too many features: %zu (at most %u)", n,
		             GEODATA_EVENTS_MAX_FEATURES);
		json_object_put(root);
		return NULL;
	}
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(features, i), *ft = NULL, *props = NULL;
		L->index = i;
		L->id = NULL;
		if (!json_object_is_type(f, json_type_object) ||
		    !json_object_object_get_ex(f, "type", &ft) ||
		    !json_object_is_type(ft, json_type_string) ||
		    strcmp(json_object_get_string(ft), "Feature")) {
			field_problem(L, NULL,
			              "not a GeoJSON Feature (needs \"type\": \"Feature\")");
			continue;
		}
		if (json_object_object_get_ex(f, "properties", &props) &&
		    !json_object_is_type(props, json_type_object) &&
		    !json_object_is_type(props, json_type_null))
			field_problem(L, NULL, "\"properties\" must be an object, got %s",
			              json_type_word(props));
		total += geometry_within_limits(L, f, props);
	}
	if (total > GEODATA_EVENTS_MAX_POSITIONS)
		file_problem(L, "too many positions in all geometries: %zu (at most %u)", total,
		             GEODATA_EVENTS_MAX_POSITIONS);
	if (L->nproblems != bad) {
		json_object_put(root);
		return NULL;
	}
	return root;
}

/* GDAL's messages go into the loader rather than to stderr. */
static void CPL_STDCALL gdal_handler(CPLErr cls, CPLErrorNum num, const char *msg)
{
	loader *L = CPLGetErrorHandlerUserData();
	if (L && cls >= CE_Warning)
		snprintf(L->gdal_msg, sizeof L->gdal_msg, "%s", msg ? msg : "");
}

static int cmp_by_id(const void *a, const void *b, void *ud)
{
	const geodata_event *ev = ud;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(ev[i].id, ev[j].id);
	return c ? c : (i > j) - (i < j);
}

static void check_duplicates(loader *L)
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
			field_problem(L, "id", "duplicate of feature %zu", ev->by_id[k - 1]);
		}
	}
}

/* ---- serialising ------------------------------------------------------------------------ */

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
	int ccw = ring_area(xy, n) > 0;
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
	geodata_bbox b = {INFINITY, INFINITY, -INFINITY, -INFINITY};
	for (size_t i = 0; i < e->ngeoms; i++) {
		b.minx = fmin(b.minx, e->lonlat[i].bbox.minx);
		b.miny = fmin(b.miny, e->lonlat[i].bbox.miny);
		b.maxx = fmax(b.maxx, e->lonlat[i].bbox.maxx);
		b.maxy = fmax(b.maxy, e->lonlat[i].bbox.maxy);
	}
	json_object *bbox = json_object_new_array_ext(4);
	json_object_array_add(bbox, num(b.minx));
	json_object_array_add(bbox, num(b.miny));
	json_object_array_add(bbox, num(b.maxx));
	json_object_array_add(bbox, num(b.maxy));
	json_object_object_add(f, "type", json_object_new_string("Feature"));
	json_object_object_add(f, "id", json_object_new_string(e->id));
	json_object_object_add(f, "bbox", bbox);
	json_object_object_add(f, "geometry",
	                       shared_geometry ? json_object_get(shared_geometry) : geometry_json(e));
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

/*
 * Each feature's tree lives only while it is written out; the collection is
 * the features' strings joined, never a second tree of the whole file.
 */
static int serialise(geodata_events *ev)
{
	const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	static const char head[] = "{\"type\":\"FeatureCollection\",\"features\":[";
	ev->feature_json = calloc(ev->count ? ev->count : 1, sizeof *ev->feature_json);
	if (!ev->feature_json)
		return -1;
	size_t total = sizeof head + 2;
	/* Events on one area (one country, several statements) share its coordinates: the area
	 * events' geometry trees are kept until every feature is written. */
	json_object **geoms = calloc(ev->count ? ev->count : 1, sizeof *geoms);
	if (!geoms)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < ev->count && rc == 0; i++) {
		json_object *shared = NULL;
		for (size_t j = 0; j < i && !shared && ev->events[i].area; j++)
			if (geoms[j] && !strcmp(ev->events[j].area, ev->events[i].area))
				shared = geoms[j];
		json_object *f = feature_json(ev, &ev->events[i], shared);
		json_object *g = NULL;
		if (f && ev->events[i].area && !shared && json_object_object_get_ex(f, "geometry", &g))
			geoms[i] = json_object_get(g);
		const char *s = f ? json_object_to_json_string_ext(f, flags) : NULL;
		ev->feature_json[i] = s ? ev_strdup(ev, s, strlen(s)) : NULL;
		json_object_put(f);
		if (!ev->feature_json[i])
			rc = -1;
		else
			total += strlen(ev->feature_json[i]) + 1;
	}
	for (size_t i = 0; i < ev->count; i++)
		json_object_put(geoms[i]);
	free(geoms);
	if (rc)
		return -1;
	size_t blen = ev->briefing ? strlen(ev->briefing->json) : 0;
	total += blen + sizeof ",\"briefing\":";
	char *out = malloc(total);
	if (!out)
		return -1;
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
		static const char member[] = ",\"briefing\":";
		memcpy(p, member, sizeof member - 1);
		p += sizeof member - 1;
		memcpy(p, ev->briefing->json, blen);
		p += blen;
	}
	memcpy(p, "}", 2);
	ev->collection_json = out;
	return 0;
}

/* ---- loading ------------------------------------------------------------------------ */

static geodata_events *load_with_article(const geodata *gd, const void *data, size_t len,
                                         const char *article, size_t article_len,
                                         geodata_briefing *briefing,
                                         geodata_problems *problems);

static void read_features(loader *L, GDALDatasetH ds, json_object *features)
{
	geodata_events *ev = L->ev;
	size_t n = json_object_array_length(features);
	if (GDALDatasetGetLayerCount(ds) != 1) {
		if (n)
			file_problem(L, "GDAL found %d layers in a FeatureCollection",
			             GDALDatasetGetLayerCount(ds));
		return;
	}
	OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
	ev->events = calloc(n ? n : 1, sizeof *ev->events);
	ev->by_id = calloc(n ? n : 1, sizeof *ev->by_id);
	if (!ev->events || !ev->by_id) {
		ev->oom = 1;
		return;
	}
	OGR_L_ResetReading(layer);
	size_t i = 0;
	OGRFeatureH of;
	L->gdal_msg[0] = 0;
	while ((of = OGR_L_GetNextFeature(layer))) {
		if (i < n) {
			L->index = i;
			L->id = NULL;
			read_feature(L, of, json_object_array_get_idx(features, i), &ev->events[i]);
			L->gdal_msg[0] = 0;
		}
		OGR_F_Destroy(of);
		i++;
	}
	if (i != n)
		file_problem(L, "OGR read %zu features where the file has %zu", i, n);
	ev->count = n;
}

geodata_events *geodata_events_load_buffer(const geodata *gd, const void *data, size_t len,
                                           geodata_problems *problems)
{
	return load_with_article(gd, data, len, NULL, 0, NULL, problems);
}

/* Takes ownership of `briefing`, which the events carry and serve with their collection. */
static geodata_events *load_with_article(const geodata *gd, const void *data, size_t len,
                                         const char *article, size_t article_len,
                                         geodata_briefing *briefing,
                                         geodata_problems *problems)
{
	loader L = {.gd = gd, .out = problems, .article = article, .article_len = article_len};
	json_object *root = NULL, *features = NULL;
	GDALDatasetH ds = NULL;
	char vsiname[96] = "";
	int pushed = 0;

	L.ev = calloc(1, sizeof *L.ev);
	if (!L.ev) {
		geodata_briefing_destroy(briefing);
		file_problem(&L, "out of memory");
		return NULL;
	}
	L.ev->briefing = briefing;
	if (!data || len == 0) {
		file_problem(&L, "empty file");
		goto done;
	}
	if (len > MAX_FILE_BYTES) {
		file_problem(&L, "too large: %zu bytes (at most %u)", len, MAX_FILE_BYTES);
		goto done;
	}
	/* A briefing's kinds change how its events are drawn: they are part of the revision. */
	L.ev->hash = fnv1a64(data, len) ^ geodata_events_kinds(L.ev)->hash;
	if (!(root = check_structure(&L, data, len)))
		goto done;
	json_object_object_get_ex(root, "features", &features);

	if (!GDALGetDriverByName("GeoJSON"))
		GDALAllRegister();
	/* A stack address is unique among the calls running at once: no shared counter needed. */
	snprintf(vsiname, sizeof vsiname, "/vsimem/briefmap-events-%p.geojson", (void *)&L);
	VSILFILE *vf = VSIFileFromMemBuffer(vsiname, (GByte *)data, (vsi_l_offset)len, FALSE);
	if (!vf) {
		file_problem(&L, "GDAL cannot map the file in memory");
		vsiname[0] = 0;
		goto done;
	}
	VSIFCloseL(vf);
	CPLPushErrorHandlerEx(gdal_handler, &L);
	pushed = 1;
	const char *const drivers[] = {"GeoJSON", NULL};
	/* Dates as written ("2025-09" stays "2025-09"), arrays of strings as string lists. */
	const char *const open_opts[] = {"DATE_AS_STRING=YES", "ARRAY_AS_STRING=NO", NULL};
	ds = GDALOpenEx(vsiname, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, open_opts, NULL);
	if (!ds) {
		file_problem(&L, "GDAL cannot read it as GeoJSON%s%s", L.gdal_msg[0] ? ": " : "",
		             L.gdal_msg);
		goto done;
	}
	read_features(&L, ds, features);
	if (!L.ev->oom)
		check_duplicates(&L);
	/* Both parsed trees are converted: free them before the next big allocations. */
	GDALClose(ds);
	ds = NULL;
	json_object_put(root);
	root = NULL;
	if (!L.nproblems && !L.ev->oom && (events_stacks_compute(L.ev->events, L.ev->count) || serialise(L.ev)))
		L.ev->oom = 1;
	if (L.ev->oom)
		file_problem(&L, "out of memory");
done:
	if (ds)
		GDALClose(ds);
	if (pushed)
		CPLPopErrorHandler();
	if (vsiname[0])
		VSIUnlink(vsiname);
	json_object_put(root);
	geodata_proj_destroy(L.proj);
	if (len > TRIM_BYTES)
		malloc_trim(0); /* the parse's transient trees are gone: give their pages back */
	if (L.nproblems > MAX_PROBLEM_LINES && problems) {
		char more[80];
		snprintf(more, sizeof more, "... and %zu more problems",
		         L.nproblems - MAX_PROBLEM_LINES);
		char *line = strdup(more);
		if (line)
			problems_push(problems, line);
	}
	if (L.nproblems) {
		events_free(L.ev);
		return NULL;
	}
	atomic_init(&L.ev->refs, 1);
	return L.ev;
}

geodata_events *geodata_events_load(const geodata *gd, const char *path, geodata_problems *problems)
{
	loader L = {.out = problems};
	geodata_events *ev = NULL;
	char *buf = NULL, why[256];
	size_t len = 0;
	char q[300];

	if (!path) {
		file_problem(&L, "no events file given");
		return NULL;
	}
	quote(path, q, sizeof q);
	if (file_read_regular(path, MAX_FILE_BYTES, &buf, &len, why, sizeof why)) {
		file_problem(&L, "file %s: %s", q, why);
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
	/* Lines about the whole file say which file it is. */
	for (size_t i = before; problems && i < problems->count; i++) {
		char *line = problems->lines[i];
		if (!strncmp(line, "feature ", 8))
			continue;
		size_t n = strlen(q) + strlen(line) + 8;
		char *withname = malloc(n);
		if (withname) {
			snprintf(withname, n, "file %s: %s", q, line);
			free(line);
			problems->lines[i] = withname;
		}
	}
	return ev;
}

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

const char *geodata_events_geojson(const geodata_events *ev)
{
	return ev ? ev->collection_json : NULL;
}

const char *geodata_event_geojson(const geodata_events *ev, size_t i)
{
	return ev && i < ev->count ? ev->feature_json[i] : NULL;
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

const geodata_briefing *geodata_events_briefing(const geodata_events *ev)
{
	return ev ? ev->briefing : NULL;
}

int geodata_events_quotes_checked(const geodata_events *ev)
{
	return ev ? ev->quotes_checked : 0;
}
