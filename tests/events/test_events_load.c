/* test_events_load.c: validation of events files: one clear line per problem, nothing half-loaded.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include "testcase.h"
#include <json.h>

#include "geodata.h"

/* ---- building test files ------------------------------------------------------------ */

/* A feature with every property of the model filled, at a point in Caracas. */
static json_object *good_feature(const char *id)
{
	char text[1024];
	snprintf(text, sizeof text,
	         "{\"type\": \"Feature\","
	         " \"geometry\": {\"type\": \"Point\", \"coordinates\": [-66.9039, 10.4806]},"
	         " \"properties\": {\"id\": \"%s\", \"kind\": \"raid\", \"title\": \"A raid\","
	         " \"summary\": \"What happened.\", \"date\": \"2025-09-01\","
	         " \"date_precision\": \"day\", \"status\": \"reported\","
	         " \"geo_precision\": \"approximate\", \"actors\": [\"U.S. government\"],"
	         " \"source\": \"The sentence.\"}}",
	         id);
	json_object *f = json_tokener_parse(text);
	assert_non_null(f);
	return f;
}

/* Sets a property to a JSON value given as text; NULL removes it. */
static void set_prop(json_object *f, const char *key, const char *json_value)
{
	json_object *props = json_object_object_get(f, "properties");
	if (!json_value) {
		json_object_object_del(props, key);
		return;
	}
	json_object *v = json_tokener_parse(json_value);
	assert_true(v != NULL || !strcmp(json_value, "null"));
	json_object_object_add(props, key, v);
}

static void set_geometry(json_object *f, const char *json_value)
{
	json_object *v = json_tokener_parse(json_value);
	assert_true(v != NULL || !strcmp(json_value, "null"));
	json_object_object_add(f, "geometry", v);
}

/* A FeatureCollection of the features (consumed), as text to free. */
static char *collection(json_object **features, size_t n)
{
	json_object *fc = json_object_new_object(), *arr = json_object_new_array();
	json_object_object_add(fc, "type", json_object_new_string("FeatureCollection"));
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, features[i]);
	json_object_object_add(fc, "features", arr);
	char *text = strdup(json_object_to_json_string_ext(fc, JSON_C_TO_STRING_PRETTY));
	json_object_put(fc);
	assert_non_null(text);
	return text;
}

/* One feature changed by `key` = `value` (NULL removes it), loaded without base data. */
static geodata_events *load_one(const geodata *gd, const char *key, const char *value,
                                geodata_problems *p)
{
	json_object *f = good_feature("caracas-raid");
	if (key)
		set_prop(f, key, value);
	char *text = collection(&f, 1);
	geodata_events *ev = geodata_events_load_buffer(gd, text, strlen(text), p);
	free(text);
	return ev;
}

static geodata_events *load_text(const char *text, geodata_problems *p)
{
	return geodata_events_load_buffer(NULL, text, strlen(text), p);
}

/* The load failed, and one of its problem lines is exactly `line`. */
static void expect_line(geodata_events *ev, geodata_problems *p, const char *line)
{
	assert_null(ev);
	for (size_t i = 0; i < p->count; i++)
		if (!strcmp(p->lines[i], line))
			return;
	for (size_t i = 0; i < p->count; i++)
		print_message("  problem: %s\n", p->lines[i]);
	fail_msg("no problem line \"%s\"", line);
}

/* The load failed, and one problem line starts with `head` and contains `part`. */
static void expect_problem(geodata_events *ev, geodata_problems *p, const char *head,
                           const char *part)
{
	assert_null(ev);
	assert_true(p->count > 0);
	for (size_t i = 0; i < p->count; i++) {
		assert_null(strchr(p->lines[i], '\n'));
		if (!strncmp(p->lines[i], head, strlen(head)) && strstr(p->lines[i], part))
			return;
	}
	for (size_t i = 0; i < p->count; i++)
		print_message("  problem: %s\n", p->lines[i]);
	fail_msg("no problem starting \"%s\" with \"%s\"", head, part);
}

#define ONE "feature 0 (id \"caracas-raid\"): "

/* ---- fixture: the real base data, for area codes -------------------------------------- */

static int setup_data(void **state)
{
	const char *dir = getenv("BRIEFMAP_DATA");
	if (!dir) {
		print_error("BRIEFMAP_DATA is not set\n");
		return -1;
	}
	geodata_options o = {.data_dir = dir};
	geodata_error err = {{0}};
	geodata *gd = geodata_load(&o, &err);
	if (!gd) {
		print_error("cannot load base data from %s: %s\n", dir, err.msg);
		return -1;
	}
	*state = gd;
	return 0;
}

static int teardown_data(void **state)
{
	geodata_destroy(*state);
	return 0;
}

/* ---- a good file --------------------------------------------------------------------- */

static void test_good_file_loads(void **state)
{
	(void)state;
	geodata_problems p = {0};
	json_object *f[2] = {good_feature("caracas-raid"), good_feature("boats")};
	set_prop(f[1], "kind", "\"boat_strike\"");
	set_prop(f[1], "count", "35");
	set_prop(f[1], "date", "\"2025-09/..\"");
	set_prop(f[1], "date_precision", "\"month\"");
	set_prop(f[1], "geo_precision", "\"region\"");
	set_prop(f[1], "actors", "[\"U.S. forces\", \"Drug cartels\"]");
	set_geometry(f[1], "{\"type\": \"Polygon\", \"coordinates\": [[[-80, 12], [-70, 12], "
	                   "[-70, 16], [-80, 16], [-80, 12]]]}");
	char *text = collection(f, 2);
	geodata_events *ev = geodata_events_load_buffer(NULL, text, strlen(text), &p);
	for (size_t i = 0; i < p.count; i++)
		print_message("  problem: %s\n", p.lines[i]);
	assert_non_null(ev);
	assert_int_equal(p.count, 0);
	assert_int_equal(geodata_events_count(ev), 2);

	const geodata_event *e = geodata_events_get(ev, 0);
	assert_string_equal(e->id, "caracas-raid");
	assert_string_equal(geodata_events_kind(ev, e)->id, "raid");
	assert_int_equal(e->status, GEODATA_STATUS_REPORTED);
	assert_int_equal(e->geo_precision, GEODATA_PRECISION_APPROXIMATE);
	assert_string_equal(e->date, "2025-09-01");
	assert_int_equal(e->count, -1);
	assert_int_equal(e->nactors, 1);
	assert_string_equal(e->actors[0], "U.S. government");
	assert_int_equal(e->ngeoms, 1);
	assert_int_equal(e->lonlat[0].type, GEODATA_GEOM_POINT);
	assert_true(e->anchor_lon == -66.9039 && e->anchor_lat == 10.4806);
	/* Web Mercator through PROJ: x is linear in longitude. */
	assert_true(fabs(e->anchor_x - (-66.9039 / 180 * GEODATA_MERC_HALF)) < 0.01);
	assert_true(e->anchor_y > 1170000 && e->anchor_y < 1176000);
	assert_int_equal(e->stack_count, 1);

	const geodata_event *b = geodata_events_find(ev, "boats");
	assert_ptr_equal(b, geodata_events_get(ev, 1));
	assert_null(geodata_events_find(ev, "nothing"));
	assert_int_equal(b->count, 35);
	assert_int_equal(b->end, GEODATA_DAY_OPEN);
	assert_int_equal(b->nactors, 2);
	assert_string_equal(b->actors[1], "Drug cartels");
	assert_int_equal(b->lonlat[0].type, GEODATA_GEOM_POLYGON);
	assert_int_equal(b->merc[0].npoints, 5);
	/* The anchor of an area lies inside it. */
	assert_true(b->anchor_lon > -80 && b->anchor_lon < -70);
	assert_true(b->anchor_lat > 12 && b->anchor_lat < 16);
	assert_true(b->merc_bbox.minx < b->anchor_x && b->anchor_x < b->merc_bbox.maxx);

	/* Written on first demand: RFC 7946 with the model's properties. */
	json_object *fc = json_tokener_parse(geodata_events_geojson(ev));
	assert_non_null(fc);
	assert_string_equal(json_object_get_string(json_object_object_get(fc, "type")),
	                    "FeatureCollection");
	json_object *feats = json_object_object_get(fc, "features");
	assert_int_equal(json_object_array_length(feats), 2);
	json_object *one = json_tokener_parse(geodata_event_geojson(ev, 1));
	assert_non_null(one);
	json_object *props = json_object_object_get(one, "properties");
	assert_int_equal(json_object_get_int(json_object_object_get(props, "count")), 35);
	assert_string_equal(json_object_get_string(json_object_object_get(props, "date")),
	                    "2025-09/..");
	json_object *geom = json_object_object_get(one, "geometry");
	assert_string_equal(json_object_get_string(json_object_object_get(geom, "type")),
	                    "Polygon");
	json_object *pos = json_object_array_get_idx(
	    json_object_array_get_idx(json_object_object_get(geom, "coordinates"), 0), 0);
	assert_true(json_object_get_double(json_object_array_get_idx(pos, 0)) == -80);
	assert_true(json_object_get_double(json_object_array_get_idx(pos, 1)) == 12);
	assert_null(geodata_event_geojson(ev, 2));
	json_object_put(one);
	json_object_put(fc);

	/* References: the set lives until its last holder lets go. */
	assert_ptr_equal(geodata_events_ref(ev), ev);
	geodata_events_unref(ev);
	assert_int_equal(geodata_events_count(ev), 2);
	geodata_events_unref(ev);
	geodata_events_unref(NULL);
	free(text);
	geodata_problems_finish(&p);
}

static void test_hash_follows_content(void **state)
{
	(void)state;
	geodata_problems p = {0};
	geodata_events *a = load_one(NULL, NULL, NULL, &p);
	geodata_events *b = load_one(NULL, NULL, NULL, &p);
	geodata_events *c = load_one(NULL, "title", "\"Another raid\"", &p);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(geodata_events_hash(a) == geodata_events_hash(b));
	assert_true(geodata_events_hash(a) != geodata_events_hash(c));
	geodata_events_unref(a);
	geodata_events_unref(b);
	geodata_events_unref(c);
	assert_int_equal(p.count, 0);
}

static void test_empty_collection(void **state)
{
	(void)state;
	geodata_problems p = {0};
	geodata_events *ev = load_text("{\"type\": \"FeatureCollection\", \"features\": []}", &p);
	assert_non_null(ev);
	assert_int_equal(geodata_events_count(ev), 0);
	assert_string_equal(geodata_events_geojson(ev),
	                    "{\"type\":\"FeatureCollection\",\"features\":[]}");
	geodata_events_unref(ev);
}

/* ---- the file as a whole -------------------------------------------------------------- */

static void test_not_json(void **state)
{
	(void)state;
	geodata_problems p = {0};
	expect_problem(load_text("{\"type\": \"FeatureCollection\", \"features\": [", &p), &p,
	               "not valid JSON", "");
	geodata_problems_finish(&p);
	expect_problem(load_text("{\"type\": \"FeatureCollection\", \"features\": []} x", &p), &p,
	               "not valid JSON", "after the end");
	geodata_problems_finish(&p);
	expect_problem(geodata_events_load_buffer(NULL, "", 0, &p), &p, "empty file", "");
	geodata_problems_finish(&p);
}

static void test_not_a_feature_collection(void **state)
{
	(void)state;
	geodata_problems p = {0};
	json_object *f = good_feature("caracas-raid");
	const char *text = json_object_to_json_string(f);
	expect_problem(load_text(text, &p), &p, "not a GeoJSON FeatureCollection", "");
	json_object_put(f);
	geodata_problems_finish(&p);
	expect_problem(load_text("[1, 2]", &p), &p, "not a GeoJSON FeatureCollection", "");
	geodata_problems_finish(&p);
	expect_problem(load_text("{\"type\": \"FeatureCollection\"}", &p), &p,
	               "not a GeoJSON FeatureCollection", "\"features\"");
	geodata_problems_finish(&p);
	expect_problem(load_text("{\"type\": \"FeatureCollection\", \"features\": [5, "
	                         "{\"type\": \"Feature\", \"properties\": 3, \"geometry\": null}]}",
	                         &p),
	               &p, "feature 0 (no id): not a GeoJSON Feature", "");
	expect_problem(NULL, &p, "feature 1 (no id): \"properties\" must be an object", "");
	geodata_problems_finish(&p);
	expect_problem(load_text("{\"type\": \"FeatureCollection\", \"crs\": {\"type\": \"name\", "
	                         "\"properties\": {\"name\": \"EPSG:3857\"}}, \"features\": []}",
	                         &p),
	               &p, "member \"crs\"", "RFC 7946");
	geodata_problems_finish(&p);
}

static void test_unreadable_path(void **state)
{
	(void)state;
	geodata_problems p = {0};
	geodata_events *ev = geodata_events_load(NULL, "/nonexistent/dir/events.geojson", &p);
	expect_problem(ev, &p, "file \"/nonexistent/dir/events.geojson\": cannot open", "");
	geodata_problems_finish(&p);

	/* A bad file on disk: the line names the file. */
	char path[] = "/tmp/briefmap-test-events-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"type\": 1}", 11), 11);
	close(fd);
	ev = geodata_events_load(NULL, path, &p);
	char head[128];
	snprintf(head, sizeof head, "file \"%s\": not a GeoJSON FeatureCollection", path);
	expect_problem(ev, &p, head, "");
	unlink(path);
	geodata_problems_finish(&p);
}

/* ---- enumerations -------------------------------------------------------------------- */

static void test_unknown_status_in_fourth_feature(void **state)
{
	(void)state;
	geodata_problems p = {0};
	json_object *f[4] = {good_feature("a"), good_feature("b"), good_feature("c"),
	                     good_feature("caracas-raid")};
	set_prop(f[3], "status", "\"rumoured\"");
	char *text = collection(f, 4);
	geodata_events *ev = geodata_events_load_buffer(NULL, text, strlen(text), &p);
	expect_line(ev, &p,
	            "feature 3 (id \"caracas-raid\"): field \"status\": unknown value \"rumoured\" "
	            "(expected confirmed, reported, claimed, threatened, hypothetical, disputed)");
	assert_int_equal(p.count, 1);
	free(text);
	geodata_problems_finish(&p);
}

static void test_missing_and_unknown_enums(void **state)
{
	(void)state;
	geodata_problems p = {0};
	expect_line(load_one(NULL, "kind", NULL, &p), &p, ONE "field \"kind\": missing");
	geodata_problems_finish(&p);
	expect_line(load_one(NULL, "kind", "\"airstrike\"", &p), &p,
	            ONE
	            "field \"kind\": unknown value \"airstrike\" (expected strike_zone, "
	            "boat_strike, raid, threat, diplomatic, staging_base, public_opinion, other)");
	geodata_problems_finish(&p);
	expect_line(load_one(NULL, "kind", "7", &p), &p,
	            ONE "field \"kind\": expected a string, got a number");
	geodata_problems_finish(&p);
	expect_line(load_one(NULL, "status", NULL, &p), &p, ONE "field \"status\": missing");
	geodata_problems_finish(&p);
	expect_line(load_one(NULL, "status", "null", &p), &p, ONE "field \"status\": missing");
	geodata_problems_finish(&p);
	expect_line(load_one(NULL, "geo_precision", NULL, &p), &p,
	            ONE "field \"geo_precision\": missing");
	geodata_problems_finish(&p);
	expect_line(load_one(NULL, "geo_precision", "\"precise\"", &p), &p,
	            ONE "field \"geo_precision\": unknown value \"precise\" (expected exact, "
	                "near, region, admin1, country, water)");
	geodata_problems_finish(&p);
	expect_line(load_one(NULL, "date_precision", NULL, &p), &p,
	            ONE "field \"date_precision\": missing");
	geodata_problems_finish(&p);
	expect_line(load_one(NULL, "date_precision", "\"hour\"", &p), &p,
	            ONE "field \"date_precision\": unknown value \"hour\" (expected day, week, "
	                "month, year)");
	geodata_problems_finish(&p);
	/* Case matters: the model's values are lower case. */
	expect_problem(load_one(NULL, "status", "\"Reported\"", &p), &p, ONE "field \"status\"",
	               "unknown value \"Reported\"");
	geodata_problems_finish(&p);
}

/* ---- evidence -------------------------------------------------------------------------- */

/* A feature with the evidence model: several quotes, a verification, no date. */
static geodata_events *load_evidence(const char *key, const char *value, geodata_problems *p)
{
	json_object *f = good_feature("caracas-raid");
	set_prop(f, "source", NULL);
	set_prop(f, "date", NULL);
	set_prop(f, "date_precision", NULL);
	set_prop(f, "sources", "[{\"quote\": \"One.\", \"claimant\": \"the article\"},"
	                       " {\"quote\": \"Two.\", \"claimant\": \"Nicolas Maduro\"}]");
	set_prop(f, "verification", "\"contradicted\"");
	set_prop(f, "verification_note", "\"Outside the article: ...\"");
	set_prop(f, "date_text", "\"last week\"");
	set_prop(f, "sequence", "3");
	if (key)
		set_prop(f, key, value);
	char *text = collection(&f, 1);
	geodata_events *ev = geodata_events_load_buffer(NULL, text, strlen(text), p);
	free(text);
	return ev;
}

static void test_evidence(void **state)
{
	(void)state;
	geodata_problems p = {0};
	geodata_events *ev = load_evidence(NULL, NULL, &p);
	assert_non_null(ev);
	const geodata_event *e = geodata_events_get(ev, 0);
	assert_int_equal(e->nsources, 2);
	assert_string_equal(e->sources[1].claimant, "Nicolas Maduro");
	assert_string_equal(e->source, "One.");
	/* No article to check against: no offset is invented. */
	assert_int_equal(e->sources[0].offset, -1);
	assert_false(geodata_events_quotes_checked(ev));
	assert_int_equal(e->verification, GEODATA_VERIFICATION_CONTRADICTED);
	assert_null(e->date);
	assert_int_equal(e->start, GEODATA_DAY_OPEN);
	assert_string_equal(e->date_text, "last week");
	assert_int_equal(e->sequence, 3);
	assert_false(geodata_event_visible(e, 0));
	geodata_events_unref(ev);

	expect_line(load_evidence("sources", "[{\"quote\": \"One.\"}]", &p), &p,
	            ONE "field \"sources[0].claimant\": missing (who makes the statement; \"the "
	                "article\" for its own voice)");
	geodata_problems_finish(&p);
	expect_line(load_evidence("sources", "[]", &p), &p,
	            ONE "field \"sources\": expected a non-empty array of {\"quote\", "
	                "\"claimant\"}");
	geodata_problems_finish(&p);
	expect_line(load_evidence("source", "\"Both.\"", &p), &p,
	            ONE "field \"source\": give either \"sources\" or the older \"source\", "
	                "not both");
	geodata_problems_finish(&p);
	expect_line(load_evidence("verification", "\"probably\"", &p), &p,
	            ONE "field \"verification\": unknown value \"probably\" (expected "
	                "uncorroborated, corroborated, contradicted)");
	geodata_problems_finish(&p);
	expect_line(load_evidence("verification_note", NULL, &p), &p,
	            ONE "field \"verification_note\": missing: say what was checked and where "
	                "(outside the article)");
	geodata_problems_finish(&p);
	expect_line(load_evidence("sequence", "-1", &p), &p,
	            ONE "field \"sequence\": expected a non-negative integer (the order in the "
	                "article's narrative)");
	geodata_problems_finish(&p);
	expect_line(load_evidence("sources",
	                          "[{\"quote\": \"\\u00ff\\u00fe\", \"claimant\": \"a\\nb\"}]",
	                          &p),
	            &p, ONE "field \"sources[0].claimant\": holds a line break or control character");
	geodata_problems_finish(&p);
	/* An undated hypothetical is what the model asks for. */
	ev = load_evidence("status", "\"hypothetical\"", &p);
	assert_non_null(ev);
	geodata_events_unref(ev);
	geodata_problems_finish(&p);
}

/* ---- dates --------------------------------------------------------------------------- */

static void test_bad_dates(void **state)
{
	(void)state;
	geodata_problems p = {0};
	/* A date is optional, but a precision without one claims what is not there. */
	expect_line(load_one(NULL, "date", NULL, &p), &p,
	            ONE "field \"date_precision\": given without a \"date\"");
	geodata_problems_finish(&p);
	static const char *const bad[] = {"\"2025-13-01\"", "\"2025-02-29\"",      "\"2024-02-30\"",
	                                  "\"01/09/2025\"", "\"2025-9-1\"",        "\"last week\"",
	                                  "\"../2025\"",    "\"2025-09-01T10:00\""};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_problem(load_one(NULL, "date", bad[i], &p), &p,
		               ONE "field \"date\": not an ISO 8601 calendar date", "");
		geodata_problems_finish(&p);
	}
	expect_line(load_one(NULL, "date", "\"2025-09-01/2025-08-01\"", &p), &p,
	            ONE "field \"date\": the interval ends (2025-08-01) before it starts "
	                "(2025-09-01)");
	geodata_problems_finish(&p);
	expect_line(load_one(NULL, "date", "20250901", &p), &p,
	            ONE "field \"date\": expected a string, got a number");
	geodata_problems_finish(&p);
	/* A precision finer than the written date claims more than is known. */
	expect_line(load_one(NULL, "date", "\"2025-09\"", &p), &p,
	            ONE "field \"date_precision\": \"day\" is finer than the date \"2025-09\" can "
	                "express");
	geodata_problems_finish(&p);

	/* Leap day and open interval are fine. */
	geodata_events *ev = load_one(NULL, "date", "\"2024-02-29/..\"", &p);
	assert_non_null(ev);
	geodata_events_unref(ev);
}

/* ---- ids ------------------------------------------------------------------------------ */

static void test_ids(void **state)
{
	(void)state;
	geodata_problems p = {0};
	static const char *const bad[] = {"Caracas-raid", "caracas raid", "caracas--raid",
	                                  "-caracas",     "caracas-",     "caracas_raid",
	                                  "raid/1",       "été"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_object *f = good_feature(bad[i]);
		char *text = collection(&f, 1);
		expect_problem(geodata_events_load_buffer(NULL, text, strlen(text), &p), &p,
		               "feature 0 (no id): field \"id\":", "is not a slug");
		free(text);
		geodata_problems_finish(&p);
	}
	expect_line(load_one(NULL, "id", NULL, &p), &p, "feature 0 (no id): field \"id\": missing");
	geodata_problems_finish(&p);

	json_object *f[3] = {good_feature("a"), good_feature("b"), good_feature("a")};
	char *text = collection(f, 3);
	expect_line(geodata_events_load_buffer(NULL, text, strlen(text), &p), &p,
	            "feature 2 (id \"a\"): field \"id\": duplicate of feature 0");
	assert_int_equal(p.count, 1);
	free(text);
	geodata_problems_finish(&p);
}

/* ---- texts ---------------------------------------------------------------------------- */

static char *json_string_of(size_t n, const char *unit)
{
	size_t ul = strlen(unit);
	char *s = malloc(n * ul + 3);
	assert_non_null(s);
	s[0] = '"';
	for (size_t i = 0; i < n; i++)
		memcpy(s + 1 + i * ul, unit, ul);
	strcpy(s + 1 + n * ul, "\"");
	return s;
}

static void check_limit(const char *field, size_t limit)
{
	geodata_problems p = {0};
	char expected[256];
	/* The limit counts characters, not bytes: "é" is one. */
	char *ok = json_string_of(limit, "é");
	geodata_events *ev = load_one(NULL, field, ok, &p);
	assert_non_null(ev);
	geodata_events_unref(ev);
	char *over = json_string_of(limit + 1, "é");
	snprintf(expected, sizeof expected,
	         ONE "field \"%s\": too long: %zu characters (at most %zu)", field, limit + 1,
	         limit);
	expect_line(load_one(NULL, field, over, &p), &p, expected);
	free(ok);
	free(over);
	geodata_problems_finish(&p);
}

static void test_text_limits(void **state)
{
	(void)state;
	check_limit("title", 120);
	check_limit("summary", 1000);
	check_limit("source", 2000);

	geodata_problems p = {0};
	expect_line(load_one(NULL, "title", NULL, &p), &p, ONE "field \"title\": missing");
	geodata_problems_finish(&p);
	expect_line(load_one(NULL, "title", "\"\"", &p), &p, ONE "field \"title\": empty");
	geodata_problems_finish(&p);
	expect_line(load_one(NULL, "source", NULL, &p), &p,
	            ONE "field \"sources\": missing (every event quotes the article)");
	geodata_problems_finish(&p);
	expect_line(load_one(NULL, "title", "[\"a\"]", &p), &p,
	            ONE "field \"title\": expected a string, got an array");
	geodata_problems_finish(&p);

	char *actor = json_string_of(121, "x"), actors[200];
	snprintf(actors, sizeof actors, "[\"ok\", %s]", actor);
	expect_line(load_one(NULL, "actors", actors, &p), &p,
	            ONE "field \"actors\": item 1: too long: 121 characters (at most 120)");
	geodata_problems_finish(&p);
	expect_line(load_one(NULL, "actors", "\"U.S.\"", &p), &p,
	            ONE "field \"actors\": expected an array of strings, got a string");
	geodata_problems_finish(&p);
	expect_line(load_one(NULL, "actors", "[\"U.S.\", 3]", &p), &p,
	            ONE "field \"actors\": item 1: expected a string, got a number");
	geodata_problems_finish(&p);
	expect_line(load_one(NULL, "actors", "[\"\"]", &p), &p,
	            ONE "field \"actors\": item 0: empty");
	geodata_problems_finish(&p);
	/* Each value is read once, from the parsed file: a NUL inside it is caught there. */
	expect_line(load_one(NULL, "title", "\"a\\u0000b\"", &p), &p,
	            ONE "field \"title\": contains a NUL character");
	geodata_problems_finish(&p);
	/* A property whose name differs only in case is another property, not the title. */
	geodata_events *ev = load_one(NULL, "Title", "\"Something else\"", &p);
	assert_non_null(ev);
	assert_string_equal(geodata_events_get(ev, 0)->title, "A raid");
	geodata_events_unref(ev);
	free(actor);
}

static void test_counts(void **state)
{
	(void)state;
	geodata_problems p = {0};
	expect_line(load_one(NULL, "count", "-1", &p), &p,
	            ONE "field \"count\": expected a non-negative integer, got \"-1\"");
	geodata_problems_finish(&p);
	expect_line(load_one(NULL, "count", "3.5", &p), &p,
	            ONE "field \"count\": expected a non-negative integer, got \"3.5\"");
	geodata_problems_finish(&p);
	expect_line(load_one(NULL, "count", "\"35\"", &p), &p,
	            ONE "field \"count\": expected a non-negative integer, got \"\\\"35\\\"\"");
	geodata_problems_finish(&p);
	expect_problem(load_one(NULL, "count", "true", &p), &p, ONE "field \"count\"",
	               "non-negative integer");
	geodata_problems_finish(&p);
	geodata_events *ev = load_one(NULL, "count", "0", &p);
	assert_non_null(ev);
	assert_int_equal(geodata_events_get(ev, 0)->count, 0);
	geodata_events_unref(ev);
}

/* A type problem in one feature is not blamed on the others, whatever type OGR picks. */
static void test_mixed_types_blame_one_feature(void **state)
{
	(void)state;
	geodata_problems p = {0};
	json_object *f[3] = {good_feature("a"), good_feature("b"), good_feature("c")};
	set_prop(f[0], "count", "35");
	set_prop(f[1], "count", "\"many\"");
	set_prop(f[2], "actors", "[\"x\", 1]");
	set_prop(f[0], "title", "5");
	char *text = collection(f, 3);
	geodata_events *ev = geodata_events_load_buffer(NULL, text, strlen(text), &p);
	expect_line(ev, &p,
	            "feature 0 (id \"a\"): field \"title\": expected a string, got a number");
	expect_line(ev, &p,
	            "feature 1 (id \"b\"): field \"count\": expected a non-negative integer, got "
	            "\"\\\"many\\\"\"");
	expect_line(
	    ev, &p,
	    "feature 2 (id \"c\"): field \"actors\": item 1: expected a string, got a number");
	assert_int_equal(p.count, 3);
	free(text);
	geodata_problems_finish(&p);
}

/* ---- geometry -------------------------------------------------------------------------- */

static void expect_geometry(const char *geometry, const char *part)
{
	geodata_problems p = {0};
	json_object *f = good_feature("caracas-raid");
	set_geometry(f, geometry);
	char *text = collection(&f, 1);
	expect_problem(geodata_events_load_buffer(NULL, text, strlen(text), &p), &p,
	               ONE "field \"geometry\": ", part);
	free(text);
	geodata_problems_finish(&p);
}

static void test_geometry(void **state)
{
	(void)state;
	expect_geometry("null", "missing");
	expect_geometry("{\"type\": \"Point\", \"coordinates\": [200, 10]}", "out of range");
	expect_geometry("{\"type\": \"Point\", \"coordinates\": [-66, 91]}", "out of range");
	expect_geometry("{\"type\": \"Point\", \"coordinates\": []}", "empty");
	expect_geometry("{\"type\": \"MultiPolygon\", \"coordinates\": []}", "empty");
	expect_geometry("{\"type\": \"Point\", \"coordinates\": [\"a\", 10]}",
	                "not a valid GeoJSON geometry");
	expect_geometry("{\"type\": \"Polygon\", \"coordinates\": [[[0, 0], [1, 0], [1, 1]]]}", "");
	expect_geometry(
	    "{\"type\": \"Polygon\", \"coordinates\": [[[0, 0], [1, 0], [1, 1], [0, 1], "
	    "[0, 0.5]]]}",
	    "");
	expect_geometry("{\"type\": \"GeometryCollection\", \"geometries\": [{\"type\": \"Point\", "
	                "\"coordinates\": [0, 0]}]}",
	                "unsupported type");
	/* Read from the parsed file, not a second parser: each way to be wrong says which. */
	expect_geometry("{\"type\": \"Pointe\", \"coordinates\": [0, 0]}",
	                "not a valid GeoJSON geometry: unknown type \"Pointe\"");
	expect_geometry("{\"type\": \"Point\"}", "no \"coordinates\" array");
	expect_geometry("\"Point\"", "not a valid GeoJSON geometry: not an object");
	expect_geometry("{\"type\": \"Point\", \"coordinates\": [1]}",
	                "position 0 is not an array of two numbers");
	expect_geometry("{\"type\": \"LineString\", \"coordinates\": [[1, 2]]}",
	                "a line string needs at least 2 positions");
	expect_geometry("{\"type\": \"Polygon\", \"coordinates\": [[]]}",
	                "a polygon ring needs at least 4 positions, has 0");

	/* Non-finite numbers only exist in sloppy JSON, which the parsers accept. */
	geodata_problems p = {0};
	const char *inf =
	    "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", "
	    "\"geometry\": {\"type\": \"Point\", \"coordinates\": [1e999, 10]}, "
	    "\"properties\": {\"id\": \"caracas-raid\", \"kind\": \"raid\", \"title\": "
	    "\"t\", \"date\": \"2025\", \"date_precision\": \"year\", \"status\": "
	    "\"reported\", \"geo_precision\": \"exact\", \"source\": \"s\"}}]}";
	expect_problem(load_text(inf, &p), &p, ONE "field \"geometry\": ", "not a finite number");
	geodata_problems_finish(&p);
	char *nan = strdup(inf);
	memcpy(strstr(nan, "1e999"), "NaN  ", 5);
	expect_line(load_text(nan, &p), &p,
	            ONE "field \"geometry\": a position is not a finite number");
	free(nan);
	geodata_problems_finish(&p);

	/* Lines and multi-points are fine too. */
	json_object *f = good_feature("caracas-raid");
	set_geometry(f, "{\"type\": \"LineString\", \"coordinates\": [[-70, 10], [-66, 10], "
	                "[-60, 12]]}");
	char *text = collection(&f, 1);
	geodata_events *ev = geodata_events_load_buffer(NULL, text, strlen(text), &p);
	assert_non_null(ev);
	const geodata_event *e = geodata_events_get(ev, 0);
	assert_int_equal(e->lonlat[0].type, GEODATA_GEOM_LINE);
	assert_true(e->anchor_lon == -66 && e->anchor_lat == 10);
	geodata_events_unref(ev);
	free(text);

	/* A height is ignored; an empty member of a multi-point is nothing, not an error. */
	f = good_feature("caracas-raid");
	set_geometry(f, "{\"type\": \"MultiPoint\", \"coordinates\": [[-70, 10, 5], [], "
	                "[-66, 11]]}");
	text = collection(&f, 1);
	ev = geodata_events_load_buffer(NULL, text, strlen(text), &p);
	assert_non_null(ev);
	e = geodata_events_get(ev, 0);
	assert_int_equal(e->lonlat[0].type, GEODATA_GEOM_POINT);
	assert_int_equal(e->lonlat[0].npoints, 2);
	assert_true(e->lonlat[0].xy[2] == -66 && e->lonlat[0].xy[3] == 11);
	geodata_events_unref(ev);
	free(text);
}

static void test_area_without_base_data(void **state)
{
	(void)state;
	geodata_problems p = {0};
	json_object *f = good_feature("caracas-raid");
	set_prop(f, "area", "\"MX-SIN\"");
	set_geometry(f, "null");
	char *text = collection(&f, 1);
	expect_line(geodata_events_load_buffer(NULL, text, strlen(text), &p), &p,
	            ONE "field \"area\": cannot resolve \"MX-SIN\": no base data loaded");
	free(text);
	geodata_problems_finish(&p);
}

static void test_area_codes(void **state)
{
	const geodata *gd = *state;
	geodata_problems p = {0};
	json_object *f[4] = {good_feature("sinaloa"), good_feature("nowhere"),
	                     good_feature("badcode"), good_feature("both")};
	set_prop(f[0], "area", "\"MX-SIN\"");
	set_prop(f[1], "area", "\"MX-XXX\"");
	set_prop(f[2], "area", "\"Sinaloa\"");
	set_prop(f[3], "area", "\"MX-BCN\"");
	for (int i = 0; i < 3; i++)
		set_geometry(f[i], "null");
	char *text = collection(f, 4);
	geodata_events *ev = geodata_events_load_buffer(gd, text, strlen(text), &p);
	expect_line(
	    ev, &p,
	    "feature 1 (id \"nowhere\"): field \"area\": unknown state code \"MX-XXX\" (not "
	    "in the states layer)");
	expect_line(ev, &p,
	            "feature 2 (id \"badcode\"): field \"area\": \"Sinaloa\" is not an ISO 3166-2 "
	            "code (like \"MX-SIN\") or an ISO 3166-1 alpha-2 country code (like \"MX\")");
	expect_problem(
	    ev, &p, "feature 3 (id \"both\"): field \"geometry\": ", "must be null when \"area\"");
	assert_int_equal(p.count, 3);
	free(text);
	geodata_problems_finish(&p);

	/* Alone, the good one loads with the state's polygons. */
	json_object *g = good_feature("sinaloa");
	set_prop(g, "area", "\"MX-SIN\"");
	set_prop(g, "kind", "\"strike_zone\"");
	set_geometry(g, "null");
	text = collection(&g, 1);
	ev = geodata_events_load_buffer(gd, text, strlen(text), &p);
	assert_non_null(ev);
	const geodata_event *e = geodata_events_get(ev, 0);
	assert_string_equal(e->area, "MX-SIN");
	assert_true(e->ngeoms >= 1);
	assert_int_equal(e->lonlat[0].type, GEODATA_GEOM_POLYGON);
	json_object *one = json_tokener_parse(geodata_event_geojson(ev, 0));
	json_object *geom = json_object_object_get(one, "geometry");
	assert_string_equal(json_object_get_string(json_object_object_get(geom, "type")),
	                    "MultiPolygon");
	assert_int_equal(json_object_array_length(json_object_object_get(geom, "coordinates")),
	                 e->ngeoms);
	assert_string_equal(json_object_get_string(json_object_object_get(
	                        json_object_object_get(one, "properties"), "area")),
	                    "MX-SIN");
	json_object_put(one);
	geodata_events_unref(ev);
	free(text);
}

/*
 * Events on one area (several statements about one country) share one copy
 * of its pieces and one anchor, as the base layer has them; other areas have
 * their own.
 */
static void test_area_shared(void **state)
{
	const geodata *gd = *state;
	static const char *const areas[] = {"MX", "MX-SIN", "MX", "MX-SIN", "VE", "MX"};
	enum { N = sizeof areas / sizeof *areas };
	json_object *f[N];
	for (size_t i = 0; i < N; i++) {
		char id[16], code[16];
		snprintf(id, sizeof id, "on-area-%zu", i);
		snprintf(code, sizeof code, "\"%s\"", areas[i]);
		f[i] = good_feature(id);
		set_prop(f[i], "area", code);
		set_geometry(f[i], "null");
	}
	char *text = collection(f, N);
	geodata_problems p = {0};
	geodata_events *ev = geodata_events_load_buffer(gd, text, strlen(text), &p);
	free(text);
	for (size_t i = 0; i < p.count; i++)
		print_message("  problem: %s\n", p.lines[i]);
	assert_non_null(ev);
	for (size_t i = 0; i < N; i++) {
		const geodata_event *e = geodata_events_get(ev, i);
		size_t first = 0;
		while (strcmp(areas[first], areas[i]))
			first++;
		const geodata_event *a = geodata_events_get(ev, first);
		assert_ptr_equal(e->lonlat, a->lonlat);
		assert_ptr_equal(e->merc, a->merc);
		assert_int_equal(e->ngeoms, a->ngeoms);
		assert_true(e->anchor_lon == a->anchor_lon && e->anchor_lat == a->anchor_lat);
		assert_true(e->anchor_x == a->anchor_x && e->anchor_y == a->anchor_y);
		/* The copy is the base layer's pieces, point for point. */
		geodata_layer_id lid;
		long feature = geodata_events_area(ev, e, &lid);
		assert_true(feature >= 0);
		const geodata_layer *layer = geodata_layer_get(gd, lid);
		size_t idx[256], n = geodata_layer_feature_pieces(layer, (size_t)feature, idx, 256);
		assert_int_equal(n, e->ngeoms);
		for (size_t k = 0; k < n; k++) {
			const geodata_piece *piece = geodata_layer_piece(layer, idx[k]);
			assert_int_equal(e->lonlat[k].npoints, piece->lonlat.npoints);
			assert_memory_equal(e->lonlat[k].xy, piece->lonlat.xy,
			                    2 * sizeof(double) * piece->lonlat.npoints);
			assert_int_equal(e->merc[k].npoints,
			                 piece->level[GEODATA_MAX_ZOOM].npoints);
			assert_memory_equal(e->merc[k].xy, piece->level[GEODATA_MAX_ZOOM].xy,
			                    2 * sizeof(double) *
			                        piece->level[GEODATA_MAX_ZOOM].npoints);
		}
	}
	assert_ptr_not_equal(geodata_events_get(ev, 0)->lonlat, geodata_events_get(ev, 1)->lonlat);
	assert_ptr_not_equal(geodata_events_get(ev, 0)->lonlat, geodata_events_get(ev, 4)->lonlat);
	geodata_events_unref(ev);
	geodata_problems_finish(&p);
}

/* ---- many problems at once -------------------------------------------------------------- */

static void test_all_problems_reported(void **state)
{
	(void)state;
	geodata_problems p = {0};
	json_object *f[3] = {good_feature("a"), good_feature("b"), good_feature("c")};
	set_prop(f[0], "kind", "\"x\"");
	set_prop(f[0], "status", "\"y\"");
	set_prop(f[0], "date", "\"2025-99\"");
	set_prop(f[2], "geo_precision", NULL);
	set_geometry(f[2], "{\"type\": \"Point\", \"coordinates\": [0, 100]}");
	char *text = collection(f, 3);
	geodata_events *ev = geodata_events_load_buffer(NULL, text, strlen(text), &p);
	expect_problem(ev, &p, "feature 0 (id \"a\"): field \"kind\"", "unknown value \"x\"");
	expect_problem(ev, &p, "feature 0 (id \"a\"): field \"status\"", "unknown value \"y\"");
	expect_problem(ev, &p, "feature 0 (id \"a\"): field \"date\"", "2025-99");
	expect_problem(ev, &p, "feature 2 (id \"c\"): field \"geo_precision\"", "missing");
	expect_problem(ev, &p, "feature 2 (id \"c\"): field \"geometry\"", "out of range");
	assert_int_equal(p.count, 5);
	free(text);
	geodata_problems_finish(&p);
	assert_int_equal(p.count, 0);
	assert_null(p.lines);
	geodata_problems_finish(NULL);
}

/* Input bytes never break the one-line rule, and quoted values are escaped. */
static void test_problem_lines_stay_single(void **state)
{
	(void)state;
	geodata_problems p = {0};
	expect_line(load_one(NULL, "status", "\"a\\nb\\\"c\"", &p), &p,
	            ONE "field \"status\": unknown value \"a\\nb\\\"c\" (expected confirmed, "
	                "reported, claimed, threatened, hypothetical, disputed)");
	geodata_problems_finish(&p);
	/* Problems beyond a readable number are counted, not listed. */
	json_object *f[300];
	for (int i = 0; i < 300; i++) {
		char id[16];
		snprintf(id, sizeof id, "e%d", i);
		f[i] = good_feature(id);
		set_prop(f[i], "kind", "\"bad\"");
	}
	char *text = collection(f, 300);
	assert_null(geodata_events_load_buffer(NULL, text, strlen(text), &p));
	assert_int_equal(p.count, 201);
	assert_string_equal(p.lines[200], "... and 100 more problems");
	free(text);
	geodata_problems_finish(&p);
	/* Without a problem list the load still fails. */
	assert_null(load_one(NULL, "kind", "\"bad\"", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_file_loads),
	    cmocka_unit_test(test_hash_follows_content),
	    cmocka_unit_test(test_empty_collection),
	    cmocka_unit_test(test_not_json),
	    cmocka_unit_test(test_not_a_feature_collection),
	    cmocka_unit_test(test_unreadable_path),
	    cmocka_unit_test(test_unknown_status_in_fourth_feature),
	    cmocka_unit_test(test_missing_and_unknown_enums),
	    cmocka_unit_test(test_bad_dates),
	    cmocka_unit_test(test_ids),
	    cmocka_unit_test(test_text_limits),
	    cmocka_unit_test(test_evidence),
	    cmocka_unit_test(test_counts),
	    cmocka_unit_test(test_mixed_types_blame_one_feature),
	    cmocka_unit_test(test_geometry),
	    cmocka_unit_test(test_area_without_base_data),
	    cmocka_unit_test(test_area_codes),
	    cmocka_unit_test(test_area_shared),
	    cmocka_unit_test(test_all_problems_reported),
	    cmocka_unit_test(test_problem_lines_stay_single),
	};
	return cmocka_run_group_tests(tests, setup_data, teardown_data);
}
