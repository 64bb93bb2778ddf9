/* events_validate.c: checks an events file against the design's model: its structure and size,
 * and each feature's properties, read once from the parsed JSON into the model. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "events_private.h"
#include "evidence.h"

/* Text limits of the design's model, in characters (Unicode code points). */
#define MAX_TITLE 120
#define MAX_SUMMARY 1000
#define MAX_ACTOR 120
#define MAX_ID 80
#define MAX_DATE_TEXT 32
#define MAX_AREA 16

static const char *const date_precision_names[] = {"day", "week", "month", "year"};

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

/* ---- properties, each read once from the parsed tree -------------------------------- */

json_object *events_prop(json_object *props, const char *name)
{
	json_object *v = NULL;
	if (!props || !json_object_object_get_ex(props, name, &v) ||
	    json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

/*
 * A text property: a string of valid UTF-8 without NUL characters, within
 * `max_chars`. Returns a copy owned by the events, or NULL (with a problem
 * when it is required or present but bad).
 */
static const char *text_field(events_loader *L, json_object *props, const char *name, int required,
                              long max_chars)
{
	json_object *v = events_prop(props, name);
	if (!v) {
		if (required)
			events_problem_field(L, name, "missing");
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		events_problem_field(L, name, "expected a string, got %s", json_type_word(v));
		return NULL;
	}
	const char *s = json_object_get_string(v);
	size_t len = (size_t)json_object_get_string_len(v);
	if (memchr(s, 0, len)) {
		events_problem_field(L, name, "contains a NUL character");
		return NULL;
	}
	long chars = utf8_length(s, len);
	if (chars < 0) {
		events_problem_field(L, name, "not valid UTF-8");
		return NULL;
	}
	if (required && chars == 0) {
		events_problem_field(L, name, "empty");
		return NULL;
	}
	if (max_chars > 0 && chars > max_chars) {
		events_problem_field(L, name, "too long: %ld characters (at most %ld)", chars,
		                     max_chars);
		return NULL;
	}
	return events_strdup(L->ev, s, len);
}

/* An enumerated property: returns its index in `names`, or -1 with a problem. */
static int enum_field(events_loader *L, json_object *props, const char *name,
                      const char *const *names, size_t n, const char **text)
{
	const char *s = text_field(L, props, name, 1, 64);
	*text = s;
	if (!s)
		return -1;
	int k = name_index(s, names, n);
	if (k < 0) {
		char q[128], list[256];
		events_quote(s, q, sizeof q);
		names_list(names, n, list, sizeof list);
		events_problem_field(L, name, "unknown value %s (expected %s)", q, list);
	}
	return k;
}

static int read_actors(events_loader *L, json_object *props, geodata_event *e)
{
	json_object *v = events_prop(props, "actors");
	e->actors = NULL;
	e->nactors = 0;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_array)) {
		events_problem_field(L, "actors", "expected an array of strings, got %s",
		                     json_type_word(v));
		return -1;
	}
	size_t n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(v, i);
		if (!json_object_is_type(a, json_type_string)) {
			events_problem_field(L, "actors", "item %zu: expected a string, got %s", i,
			                     json_type_word(a));
			return -1;
		}
	}
	const char **out = events_alloc(L->ev, (n + 1) * sizeof *out);
	if (!out)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(v, i);
		const char *s = json_object_get_string(a);
		size_t len = (size_t)json_object_get_string_len(a);
		long chars = utf8_length(s, len);
		if (chars <= 0 || memchr(s, 0, len)) {
			events_problem_field(L, "actors", "item %zu: %s", i,
			                     chars == 0 ? "empty" : "not valid UTF-8 text");
			return -1;
		}
		if (chars > MAX_ACTOR) {
			events_problem_field(L, "actors",
			                     "item %zu: too long: %ld characters (at most %d)", i,
			                     chars, MAX_ACTOR);
			return -1;
		}
		if (!(out[i] = events_strdup(L->ev, s, len)))
			return -1;
	}
	e->actors = out;
	e->nactors = n;
	return 0;
}

static int read_count(events_loader *L, json_object *props, geodata_event *e)
{
	json_object *v = events_prop(props, "count");
	e->count = -1;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0) {
		const char *t = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		char q[128];
		events_quote(t ? t : "?", q, sizeof q);
		events_problem_field(L, "count", "expected a non-negative integer, got %s", q);
		return -1;
	}
	e->count = (long)json_object_get_int64(v);
	return 0;
}

/* The date and its precision, checked against each other. */
static int read_date(events_loader *L, json_object *props, geodata_event *e)
{
	int rc = 0;
	const char *prec_text;
	e->date = text_field(L, props, "date", 0, MAX_DATE_TEXT);
	if (!e->date) {
		/* No date in the article: nothing places the event in time. */
		e->start = e->end = GEODATA_DAY_OPEN;
		e->date_precision = NULL;
		if (events_prop(props, "date"))
			return -1;
		if (events_prop(props, "date_precision")) {
			events_problem_field(L, "date_precision", "given without a \"date\"");
			return -1;
		}
		return 0;
	}
	int prec = enum_field(L, props, "date_precision", date_precision_names, 4, &prec_text);
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
		events_quote(e->date, q, sizeof q);
		events_problem_field(L, "date",
		                     "not an ISO 8601 calendar date (YYYY, YYYY-MM, YYYY-MM-DD) or "
		                     "interval (START/END, START/..): %s",
		                     q);
		return -1;
	}
	if (slash && !end_open && b < a) {
		events_problem_field(L, "date", "the interval ends (%s) before it starts (%s)",
		                     slash + 1, start_text);
		return -1;
	}
	if (geodata_interval_parse(e->date, &e->start, &e->end))
		return -1;
	/* A precision the written date cannot carry would claim more than the text knows. */
	static const size_t need_len[] = {10, 10, 7, 4};
	if (prec >= 0 && start_len < need_len[prec]) {
		events_quote(e->date, q, sizeof q);
		events_problem_field(L, "date_precision",
		                     "\"%s\" is finer than the date %s can express", prec_text, q);
		rc = -1;
	}
	return prec < 0 ? -1 : rc;
}

static void *evidence_alloc(void *ud, size_t size)
{
	return events_alloc(((events_loader *)ud)->ev, size);
}

static void evidence_problem(void *ud, const char *field, const char *msg)
{
	events_problem_field(ud, field, "%s", msg);
}

/* The identity and classification: id, kind, status and geo_precision. */
static void read_identity(events_loader *L, json_object *props, geodata_event *e)
{
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
	e->id = text_field(L, props, "id", 1, MAX_ID);
	if (e->id && !is_slug(e->id)) {
		char q[128];
		events_quote(e->id, q, sizeof q);
		events_problem_field(L, "id",
		                     "%s is not a slug (lower-case letters and digits joined by "
		                     "single hyphens)",
		                     q);
		e->id = NULL;
	}
	L->id = e->id;
	/* One of its briefing's kinds: the problem lists them. */
	int k = enum_field(L, props, "kind", kinds, kt->count, &t);
	e->kind = k < 0 ? 0 : (uint32_t)k;
	int s = enum_field(L, props, "status", statuses, GEODATA_STATUS_COUNT, &t);
	e->status = s < 0 ? GEODATA_STATUS_CONFIRMED : (geodata_event_status)s;
	json_object *gp = events_prop(props, "geo_precision");
	int p = gp && json_object_is_type(gp, json_type_string) &&
	                !strcmp(json_object_get_string(gp), "approximate")
	            ? GEODATA_PRECISION_NEAR
	            : enum_field(L, props, "geo_precision", precision_names,
	                         GEODATA_PRECISION_COUNT, &t);
	e->geo_precision = p < 0 ? GEODATA_PRECISION_EXACT : (geodata_precision)p;
}

void events_read_properties(events_loader *L, json_object *props, geodata_event *e)
{
	read_identity(L, props, e);
	e->title = text_field(L, props, "title", 1, MAX_TITLE);
	e->summary = text_field(L, props, "summary", 0, MAX_SUMMARY);
	if (!e->summary)
		e->summary = "";
	read_date(L, props, e);
	evidence_io io = {evidence_alloc, evidence_problem, L, L->article, L->article_len};
	evidence_read(&io, props, e);
	read_actors(L, props, e);
	read_count(L, props, e);
	e->area = text_field(L, props, "area", 0, MAX_AREA);
}

int events_check_area_code(events_loader *L, const char *code)
{
	int country = strlen(code) == 2 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' &&
	              code[1] <= 'Z';
	if (country || is_iso_3166_2(code))
		return 0;
	char q[64];
	events_quote(code, q, sizeof q);
	events_problem_field(L, "area",
	                     "%s is not an ISO 3166-2 code (like \"MX-SIN\") or an ISO 3166-1 "
	                     "alpha-2 country code (like \"MX\")",
	                     q);
	return -1;
}

/* ---- the document as a whole ------------------------------------------------------- */

int events_finite_numbers(json_object *v, int depth)
{
	if (depth > 64)
		return 1;
	switch (json_object_get_type(v)) {
	case json_type_double:
		return isfinite(json_object_get_double(v));
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (!events_finite_numbers(json_object_array_get_idx(v, i), depth + 1))
				return 0;
		return 1;
	case json_type_object: {
		json_object_object_foreach(v, key, val)
		{
			(void)key;
			if (!events_finite_numbers(val, depth + 1))
				return 0;
		}
		return 1;
	}
	default:
		return 1;
	}
}

/* Counts a feature's positions before any parser copies them; too many is a problem naming it. */
static size_t geometry_within_limits(events_loader *L, json_object *f, json_object *props)
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
		events_problem_field(L, "geometry",
		                     "too many positions: %zu (at most %u per feature)", n,
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
json_object *events_check_structure(events_loader *L, const char *data, size_t len)
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
		events_problem_file(L, "not valid JSON: %s near byte %zu",
		                    jerr == json_tokener_continue ? "unexpected end of file"
		                                                  : json_tokener_error_desc(jerr),
		                    end);
		json_object_put(root);
		return NULL;
	}
	for (size_t i = end; i < len; i++)
		if (!strchr(" \t\r\n", data[i])) {
			events_problem_file(
			    L, "not valid JSON: unexpected data after the end at byte %zu", i);
			json_object_put(root);
			return NULL;
		}
	json_object *type = NULL, *features = NULL, *crs = NULL;
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "type", &type) ||
	    !json_object_is_type(type, json_type_string) ||
	    strcmp(json_object_get_string(type), "FeatureCollection")) {
		events_problem_file(
		    L, "not a GeoJSON FeatureCollection (the top level must be an object "
		       "with \"type\": \"FeatureCollection\")");
		json_object_put(root);
		return NULL;
	}
	if (!json_object_object_get_ex(root, "features", &features) ||
	    !json_object_is_type(features, json_type_array)) {
		events_problem_file(L, "not a GeoJSON FeatureCollection (no \"features\" array)");
		json_object_put(root);
		return NULL;
	}
	if (json_object_object_get_ex(root, "crs", &crs) &&
	    !json_object_is_type(crs, json_type_null)) {
		const char *c = json_object_to_json_string_ext(crs, JSON_C_TO_STRING_PLAIN);
		if (!c || !strstr(c, "CRS84")) {
			events_problem_file(
			    L, "member \"crs\": RFC 7946 coordinates are WGS 84 longitude, "
			       "latitude; remove the member or name OGC CRS84");
			json_object_put(root);
			return NULL;
		}
	}
	size_t n = json_object_array_length(features), bad = L->nproblems;
	if (n > GEODATA_EVENTS_MAX_FEATURES) {
		events_problem_file(L, "too many features: %zu (at most %u)", n,
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
			events_problem_field(L, NULL,
			                     "not a GeoJSON Feature (needs \"type\": \"Feature\")");
			continue;
		}
		if (json_object_object_get_ex(f, "properties", &props) &&
		    !json_object_is_type(props, json_type_object) &&
		    !json_object_is_type(props, json_type_null))
			events_problem_field(L, NULL, "\"properties\" must be an object, got %s",
			                     json_type_word(props));
		total += geometry_within_limits(L, f, props);
	}
	if (total > GEODATA_EVENTS_MAX_POSITIONS)
		events_problem_file(L, "too many positions in all geometries: %zu (at most %u)",
		                    total, GEODATA_EVENTS_MAX_POSITIONS);
	if (L->nproblems != bad) {
		json_object_put(root);
		return NULL;
	}
	return root;
}
