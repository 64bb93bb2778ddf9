/* test_article.c: the article's events on the real base data: where they lie, what they say. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include "testcase.h"
#include <json.h>

#include "geodata.h"

typedef struct fixture {
	geodata *gd;
	geodata_events *ev;
	char *article;
} fixture;

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
		buf[n] = 0;
	else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	const char *dir = getenv("BRIEFMAP_DATA"), *events = getenv("BRIEFMAP_EVENTS");
	const char *article = getenv("BRIEFMAP_ARTICLE");
	if (!dir || !events || !article) {
		print_error("BRIEFMAP_DATA, BRIEFMAP_EVENTS and BRIEFMAP_ARTICLE must be set\n");
		return -1;
	}
	fixture *fx = calloc(1, sizeof *fx);
	geodata_options o = {.data_dir = dir};
	geodata_error err = {{0}};
	geodata_problems p = {0};
	if (!fx || !(fx->gd = geodata_load(&o, &err))) {
		print_error("cannot load base data: %s\n", err.msg);
		return -1;
	}
	fx->ev = geodata_events_load(fx->gd, events, &p);
	for (size_t i = 0; i < p.count; i++)
		print_error("%s\n", p.lines[i]);
	geodata_problems_finish(&p);
	fx->article = read_file(article);
	if (!fx->ev || !fx->article) {
		print_error("cannot load %s or %s\n", events, article);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	geodata_events_unref(fx->ev);
	geodata_destroy(fx->gd);
	free(fx->article);
	free(fx);
	return 0;
}

static const geodata_event *event(fixture *fx, const char *id)
{
	const geodata_event *e = geodata_events_find(fx->ev, id);
	if (!e)
		fail_msg("no event \"%s\" in the article's file", id);
	return e;
}

static double km_from(const geodata_event *e, double lon, double lat)
{
	return geodata_geodesic_inverse(e->anchor_lon, e->anchor_lat, lon, lat, NULL) / 1000;
}

/* Even-odd point in polygon over every ring of a piece. */
static int point_in_geom(const geodata_geom *g, double x, double y)
{
	int in = 0;
	const double *xy = g->xy;
	for (uint32_t r = 0; r < g->nparts; r++) {
		uint32_t n = g->part_len[r];
		for (uint32_t i = 0, j = n - 1; i < n; j = i++) {
			double xi = xy[2 * i], yi = xy[2 * i + 1], xj = xy[2 * j],
			       yj = xy[2 * j + 1];
			if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
				in = !in;
		}
		xy += 2 * (size_t)n;
	}
	return in;
}

typedef struct land_probe {
	double lon, lat;
	int on_land;
} land_probe;

static int probe_piece(const geodata_piece *piece, const geodata_feature *f, void *ud)
{
	(void)f;
	land_probe *lp = ud;
	if (point_in_geom(&piece->lonlat, lp->lon, lp->lat))
		lp->on_land = 1;
	return lp->on_land;
}

static int on_land(fixture *fx, double lon, double lat)
{
	const geodata_layer *land = geodata_layer_get(fx->gd, GEODATA_LAND);
	double x = lon / 180 * GEODATA_MERC_HALF;
	double y = log(tan(M_PI / 4 + lat * M_PI / 360)) * 6378137.0;
	geodata_bbox q = {x - 1, y - 1, x + 1, y + 1};
	land_probe lp = {lon, lat, 0};
	geodata_layer_query(land, &q, probe_piece, &lp);
	return lp.on_land;
}

static void test_caracas_raid(void **state)
{
	fixture *fx = *state;
	const geodata_event *e = event(fx, "caracas-raid");
	assert_string_equal(geodata_events_kind(fx->ev, e)->id, "raid");
	assert_true(km_from(e, -66.92, 10.50) < 10);
	/* Reported by the article, not independently confirmed by it. */
	assert_int_equal(e->status, GEODATA_STATUS_REPORTED);
	/* Its justification is what Maduro denies. */
	const geodata_event *j = event(fx, "caracas-raid-narcotics-justification");
	assert_int_equal(j->status, GEODATA_STATUS_DISPUTED);
	assert_true(km_from(j, -66.92, 10.50) < 10);
	assert_int_equal(j->nsources, 2);
	assert_string_equal(j->sources[1].quote, "a claim Maduro denies");
	assert_string_equal(j->sources[1].claimant, "Nicolas Maduro");
	/* "last week" in an article without a dateline dates nothing. */
	assert_null(e->date);
	assert_int_equal(e->start, GEODATA_DAY_OPEN);
	assert_string_equal(e->date_text, "last week");
	/* What is known outside the article is said as such, never made the event's date. */
	assert_int_equal(e->verification, GEODATA_VERIFICATION_CORROBORATED);
	assert_non_null(strstr(e->verification_note, "Outside the article"));
	assert_non_null(strstr(e->verification_note, "3 January 2026"));
	assert_string_equal(event(fx, "petro-call")->date_text, "on Wednesday");
	assert_null(event(fx, "petro-call")->date);
	assert_non_null(strstr(event(fx, "petro-call")->verification_note, "7 January 2026"));
	assert_non_null(
	    strstr(event(fx, "mexico-land-strike-threat")->verification_note, "8 January 2026"));
	assert_non_null(strstr(event(fx, "sheinbaum-response")->verification_note, "9 January"));
	assert_non_null(strstr(event(fx, "sre-condemns-caracas-operation")->verification_note,
	                       "3 January 2026"));
}

static void test_land_layer_probe_works(void **state)
{
	fixture *fx = *state;
	/* The probe itself must tell land from sea, or the boat test below proves nothing. */
	assert_true(on_land(fx, -99.13, 19.43)); /* Mexico City */
	assert_true(on_land(fx, -66.92, 10.45)); /* Caracas */
	assert_false(on_land(fx, -75.0, 15.0));  /* open Caribbean */
	assert_false(on_land(fx, -92.0, 25.0));  /* Gulf of Mexico */
}

static void test_boat_strikes_at_sea(void **state)
{
	fixture *fx = *state;
	const geodata_event *e = event(fx, "caribbean-boat-strikes");
	assert_string_equal(geodata_events_kind(fx->ev, e)->id, "boat_strike");
	assert_int_equal(e->count, 35);
	assert_non_null(strstr(e->source, "at least 35"));
	/* Positions are not given: an area of water, not a point. */
	assert_int_equal(e->geo_precision, GEODATA_PRECISION_WATER);
	/* "cartel boats" is the U.S. characterisation, not the map's. */
	assert_null(strstr(e->title, "cartel boats"));
	/* The summary says the Caribbean as a whole: the outline reaches the waters off
	 * Venezuela, Aruba and Curacao, and Trinidad. */
	assert_true(e->merc_bbox.minx < -9300000 && e->lonlat[0].bbox.maxx > -61.0);
	assert_true(e->lonlat[0].bbox.miny < 11.0);
	assert_non_null(strstr(e->verification_note, "eastern Pacific"));
	assert_int_equal(e->lonlat[0].type, GEODATA_GEOM_POLYGON);
	/* Area-weighted centroid of the outer ring. */
	const geodata_geom *g = &e->lonlat[0];
	double a = 0, cx = 0, cy = 0;
	for (uint32_t i = 0; i + 1 < g->part_len[0]; i++) {
		double x0 = g->xy[2 * i], y0 = g->xy[2 * i + 1];
		double x1 = g->xy[2 * i + 2], y1 = g->xy[2 * i + 3];
		double c = x0 * y1 - x1 * y0;
		a += c;
		cx += (x0 + x1) * c;
		cy += (y0 + y1) * c;
	}
	cx /= 3 * a;
	cy /= 3 * a;
	assert_true(cx > -85 && cx < -60 && cy > 9 && cy < 19);
	assert_false(on_land(fx, cx, cy));
	assert_false(on_land(fx, e->anchor_lon, e->anchor_lat));
	/* Every vertex of the outline lies at sea too. */
	int sea = 0;
	for (uint32_t i = 0; i < g->npoints; i++)
		sea += !on_land(fx, g->xy[2 * i], g->xy[2 * i + 1]);
	assert_int_equal(sea, (int)g->npoints);
}

static void expect_state_polygon(fixture *fx, const char *id, const char *code)
{
	const geodata_event *e = event(fx, id);
	assert_string_equal(geodata_events_kind(fx->ev, e)->id, "strike_zone");
	assert_string_equal(e->area, code);
	/* A leak nobody confirms. */
	assert_int_equal(e->status, GEODATA_STATUS_CLAIMED);
	long f = geodata_state_find(fx->gd, code);
	assert_true(f >= 0);
	/* Resolved once at load: the same state, without a lookup. */
	geodata_layer_id layer = GEODATA_LAND;
	assert_int_equal(geodata_events_area(fx->ev, e, &layer), f);
	assert_int_equal(layer, GEODATA_STATES);
	const geodata_layer *states = geodata_layer_get(fx->gd, GEODATA_STATES);
	size_t idx[256];
	size_t n = geodata_layer_feature_pieces(states, (size_t)f, idx, 256);
	assert_true(n > 0 && n <= 256);
	assert_int_equal(e->ngeoms, n);
	size_t vertices = 0, state_vertices = 0;
	for (size_t i = 0; i < n; i++) {
		const geodata_piece *p = geodata_layer_piece(states, idx[i]);
		assert_int_equal(e->lonlat[i].npoints, p->lonlat.npoints);
		assert_int_equal(e->lonlat[i].nparts, p->lonlat.nparts);
		assert_true(e->lonlat[i].bbox.minx == p->lonlat.bbox.minx);
		assert_true(e->lonlat[i].bbox.maxy == p->lonlat.bbox.maxy);
		assert_int_equal(e->merc[i].npoints, p->level[GEODATA_MAX_ZOOM].npoints);
		assert_true(e->merc[i].bbox.maxx == p->level[GEODATA_MAX_ZOOM].bbox.maxx);
		vertices += e->lonlat[i].npoints;
		state_vertices += p->lonlat.npoints;
	}
	assert_int_equal(vertices, state_vertices);
	/* The anchor lies inside the state. */
	int inside = 0;
	for (size_t i = 0; i < n; i++)
		inside |= point_in_geom(&e->lonlat[i], e->anchor_lon, e->anchor_lat);
	assert_true(inside);
}

static void test_strike_zones_are_the_states(void **state)
{
	fixture *fx = *state;
	expect_state_polygon(fx, "strike-zone-sinaloa", "MX-SIN");
	expect_state_polygon(fx, "strike-zone-baja-california", "MX-BCN");
	const geodata_event *s = event(fx, "strike-zone-sinaloa");
	const geodata_event *b = event(fx, "strike-zone-baja-california");
	/* Sinaloa lies south-east of Baja California, both in north-west Mexico. */
	assert_true(s->anchor_lat < b->anchor_lat && s->anchor_lon > b->anchor_lon);
	assert_true(s->anchor_lat > 22 && s->anchor_lat < 27.1);
	assert_true(b->anchor_lat > 28 && b->anchor_lat < 32.8);
}

static void test_other_places(void **state)
{
	fixture *fx = *state;
	const geodata_event *e = event(fx, "sheinbaum-response");
	assert_string_equal(geodata_events_kind(fx->ev, e)->id, "diplomatic");
	assert_true(km_from(e, -99.13, 19.43) < 10);
	e = event(fx, "sre-condemns-caracas-operation");
	assert_true(km_from(e, -99.13, 19.43) < 10);
	e = event(fx, "petro-call");
	assert_true(km_from(e, -74.07, 4.71) < 10);
	e = event(fx, "nellis-afb-staging");
	assert_string_equal(geodata_events_kind(fx->ev, e)->id, "staging_base");
	assert_true(km_from(e, -115.03, 36.24) < 5);
	/* "would require": a conditional, not a deployment. */
	assert_int_equal(e->status, GEODATA_STATUS_HYPOTHETICAL);
	e = event(fx, "aguascalientes-drone-strike-2022");
	assert_int_equal(e->status, GEODATA_STATUS_HYPOTHETICAL);
	assert_string_equal(e->area, "MX-AGU");
	/* A hypothetical is not a dated event: its year stays in the article's words. */
	assert_null(e->date);
	assert_string_equal(e->date_text, "in 2022");
	assert_non_null(strstr(e->title, "hypothetical"));
	/* An event without an area, or of another model, has no resolved area. */
	assert_int_equal(geodata_events_area(fx->ev, event(fx, "petro-call"), NULL), -1);
	assert_int_equal(geodata_events_area(NULL, e, NULL), -1);
	e = event(fx, "el-financiero-poll");
	assert_string_equal(geodata_events_kind(fx->ev, e)->id, "public_opinion");
	assert_string_equal(e->date, "2024-08");
	e = event(fx, "mexico-land-strike-threat");
	assert_string_equal(geodata_events_kind(fx->ev, e)->id, "threat");
	assert_int_equal(e->status, GEODATA_STATUS_THREATENED);
	assert_true(on_land(fx, e->anchor_lon, e->anchor_lat));
	/* Country-level events are the country, not a pin at its centroid. */
	static const char *const national[] = {"mexico-land-strike-threat", "el-financiero-poll",
	                                       "trump-flooding-accusation",
	                                       "trump-cartels-running-mexico"};
	long mx = geodata_country_find(fx->gd, "MX");
	assert_true(mx >= 0);
	size_t pieces = geodata_layer_feature_pieces(geodata_layer_get(fx->gd, GEODATA_COUNTRIES),
	                                             (size_t)mx, NULL, 0);
	for (size_t i = 0; i < sizeof national / sizeof national[0]; i++) {
		e = event(fx, national[i]);
		assert_int_equal(e->geo_precision, GEODATA_PRECISION_COUNTRY);
		assert_string_equal(e->area, "MX");
		geodata_layer_id layer = GEODATA_LAND;
		assert_int_equal(geodata_events_area(fx->ev, e, &layer), mx);
		assert_int_equal(layer, GEODATA_COUNTRIES);
		assert_int_equal(e->ngeoms, pieces);
		assert_int_equal(e->lonlat[0].type, GEODATA_GEOM_POLYGON);
	}
	/* The map's own additions say so. */
	assert_non_null(strstr(event(fx, "nellis-afb-staging")->summary, "measured by this map"));
	assert_non_null(strstr(event(fx, "sheinbaum-response")->place, "assumed by this map"));
}

/* Every excerpt of every `source` is in the article, byte for byte. */
static void test_sources_are_verbatim(void **state)
{
	fixture *fx = *state;
	for (size_t i = 0; i < geodata_events_count(fx->ev); i++) {
		const geodata_event *e = geodata_events_get(fx->ev, i);
		assert_true(e->nsources > 0);
		for (size_t k = 0; k < e->nsources; k++) {
			const geodata_source *q = &e->sources[k];
			/* One paragraph per quote: joined quotes would read as one statement. */
			assert_null(strchr(q->quote, '\n'));
			assert_non_null(q->claimant);
			assert_true(q->offset >= 0);
			if (memcmp(fx->article + q->offset, q->quote, q->length) ||
			    q->length != strlen(q->quote))
				fail_msg("event %s: quote %zu not at its offset", e->id, k);
		}
	}
	assert_true(geodata_events_quotes_checked(fx->ev));
}

/* Honesty of the model against the article's own words. */
static void test_statuses_follow_the_text(void **state)
{
	fixture *fx = *state;
	for (size_t i = 0; i < geodata_events_count(fx->ev); i++) {
		const geodata_event *e = geodata_events_get(fx->ev, i);
		if (strstr(e->source, "Hypothetical"))
			assert_int_equal(e->status, GEODATA_STATUS_HYPOTHETICAL);
		if (!strcmp(geodata_events_kind(fx->ev, e)->id, "threat"))
			assert_true(e->status == GEODATA_STATUS_THREATENED ||
			            e->status == GEODATA_STATUS_CLAIMED);
		/* Nothing in the article is more than reported by it. */
		assert_int_not_equal(e->status, GEODATA_STATUS_CONFIRMED);
		/* Hypotheticals are not dated events. */
		if (e->status == GEODATA_STATUS_HYPOTHETICAL)
			assert_null(e->date);
		/* An open interval only where the article says "since". */
		if (e->date && e->end == GEODATA_DAY_OPEN)
			if (!e->date_text || strncasecmp(e->date_text, "since", 5))
				fail_msg("event %s: open-ended date without the article's \"since\"",
				         e->id);
		/* Outside facts are marked as such. */
		if (e->verification_note && strstr(e->verification_note, "2026"))
			assert_non_null(strstr(e->verification_note, "Outside the article"));
		assert_true(e->sequence > 0);
		assert_true(e->anchor_lon > -125 && e->anchor_lon < -55);
		assert_true(e->anchor_lat > -5 && e->anchor_lat < 40);
	}
}

static void expect_status(fixture *fx, const char *id, geodata_event_status st,
                          geodata_verification v)
{
	const geodata_event *e = event(fx, id);
	if (e->status != st || e->verification != v)
		fail_msg("event %s: status %s, verification %s", id,
		         geodata_event_status_name(e->status),
		         geodata_verification_name(e->verification));
	assert_non_null(e->verification_note);
}

static void test_contradictions_are_told(void **state)
{
	fixture *fx = *state;
	assert_non_null(strstr(event(fx, "caracas-raid")->summary, "contradicts"));
	assert_non_null(
	    strstr(event(fx, "maduro-raid-2024-cia-operation")->summary, "contradicts"));
	assert_non_null(
	    strstr(event(fx, "aguascalientes-drone-strike-2022")->summary, "No fictional events"));
	/* The part-two raid and its leak contradict part one and the record. */
	expect_status(fx, "maduro-raid-2024-cia-operation", GEODATA_STATUS_DISPUTED,
	              GEODATA_VERIFICATION_CONTRADICTED);
	expect_status(fx, "maduro-raid-2024-leak", GEODATA_STATUS_DISPUTED,
	              GEODATA_VERIFICATION_CONTRADICTED);
	/* What could not be found is no more than claimed. */
	expect_status(fx, "el-financiero-poll", GEODATA_STATUS_CLAIMED,
	              GEODATA_VERIFICATION_UNCORROBORATED);
	expect_status(fx, "sre-warning-unilateral-strike", GEODATA_STATUS_CLAIMED,
	              GEODATA_VERIFICATION_UNCORROBORATED);
	expect_status(fx, "trump-threats-june-2024", GEODATA_STATUS_CLAIMED,
	              GEODATA_VERIFICATION_UNCORROBORATED);
	assert_non_null(strstr(event(fx, "el-financiero-poll")->verification_note, "78%"));
	/* Titles no stronger than the status. */
	assert_null(strstr(event(fx, "strike-zone-sinaloa")->title, "Alleged"));
	assert_non_null(strstr(event(fx, "strike-zone-sinaloa")->title, "Potential"));
	/* The claims the article reports and the map once left out. */
	assert_int_equal(event(fx, "trump-97-percent-claim")->status, GEODATA_STATUS_CLAIMED);
	assert_int_equal(event(fx, "trump-flooding-accusation")->status, GEODATA_STATUS_CLAIMED);
	assert_int_equal(event(fx, "trump-cartels-running-mexico")->status,
	                 GEODATA_STATUS_CLAIMED);
	assert_int_equal(event(fx, "usmca-consequence")->status, GEODATA_STATUS_HYPOTHETICAL);
	/* The article's own contradictions and errors are the briefing's caveats. */
	const geodata_briefing *b = geodata_events_briefing(fx->ev);
	assert_non_null(b);
	assert_null(b->published);
	int kinds[GEODATA_CAVEAT_COUNT] = {0};
	char all[8192] = "";
	for (size_t i = 0; i < b->ncaveats; i++) {
		kinds[b->caveats[i].kind]++;
		strncat(all, b->caveats[i].text, sizeof all - strlen(all) - 1);
	}
	assert_true(kinds[GEODATA_CAVEAT_CONTRADICTION] && kinds[GEODATA_CAVEAT_INACCURACY] &&
	            kinds[GEODATA_CAVEAT_UNDATED]);
	static const char *const told[] = {"last week", "ex-president", "Hypothetical Reference",
	                                   "No fictional events", "13864", "H.R. 4245",
	                                   "Article 30", "2017", "2021", "62%"};
	for (size_t i = 0; i < sizeof told / sizeof told[0]; i++)
		if (!strstr(all, told[i]))
			fail_msg("no caveat mentions \"%s\"", told[i]);
}

static void test_stacks(void **state)
{
	fixture *fx = *state;
	size_t n = geodata_events_count(fx->ev);
	for (size_t i = 0; i < n; i++) {
		const geodata_event *e = geodata_events_get(fx->ev, i);
		uint32_t near = 0, before = 0;
		for (size_t j = 0; j < n; j++) {
			const geodata_event *o = geodata_events_get(fx->ev, j);
			if (geodata_geodesic_inverse(e->anchor_lon, e->anchor_lat, o->anchor_lon,
			                             o->anchor_lat, NULL) <= 1000) {
				near++;
				before += j < i;
			}
		}
		assert_int_equal(e->stack_count, near);
		assert_int_equal(e->stack_index, before);
	}
	assert_true(event(fx, "caracas-raid")->stack_count >= 2);
}

static void test_geojson_output(void **state)
{
	fixture *fx = *state;
	json_object *fc = json_tokener_parse(geodata_events_geojson(fx->ev));
	assert_non_null(fc);
	json_object *feats = json_object_object_get(fc, "features");
	assert_int_equal(json_object_array_length(feats), geodata_events_count(fx->ev));
	for (size_t i = 0; i < geodata_events_count(fx->ev); i++) {
		const geodata_event *e = geodata_events_get(fx->ev, i);
		json_object *f = json_object_array_get_idx(feats, i);
		json_object *props = json_object_object_get(f, "properties");
		json_object *geom = json_object_object_get(f, "geometry");
		assert_string_equal(json_object_get_string(json_object_object_get(props, "id")),
		                    e->id);
		assert_string_equal(json_object_get_string(json_object_object_get(props, "source")),
		                    e->source);
		/* Quotes with their place in the article, for showing them in context. */
		json_object *src = json_object_object_get(props, "sources");
		assert_int_equal(json_object_array_length(src), e->nsources);
		json_object *q0 = json_object_array_get_idx(src, 0);
		assert_int_equal(json_object_get_int64(json_object_object_get(q0, "offset")),
		                 e->sources[0].offset);
		if (!e->date)
			assert_true(json_object_is_type(json_object_object_get(props, "date"),
			                                json_type_null));
		assert_string_equal(json_object_get_string(json_object_object_get(props, "status")),
		                    geodata_event_status_name(e->status));
		const char *type = json_object_get_string(json_object_object_get(geom, "type"));
		if (e->area) {
			assert_string_equal(type, "MultiPolygon");
			assert_string_equal(
			    json_object_get_string(json_object_object_get(props, "area")), e->area);
		}
		/* The same event serialised alone. */
		json_object *one = json_tokener_parse(geodata_event_geojson(fx->ev, i));
		assert_true(json_object_equal(one, f));
		json_object_put(one);
		/* RFC 7946: longitude first. */
		json_object *bbox = json_object_object_get(f, "bbox");
		double w = json_object_get_double(json_object_array_get_idx(bbox, 0));
		double s = json_object_get_double(json_object_array_get_idx(bbox, 1));
		assert_true(w <= e->anchor_lon + 1e-6 && s <= e->anchor_lat + 1e-6);
		assert_true(w < -55 && s > -5);
	}
	json_object_put(fc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_caracas_raid),
	    cmocka_unit_test(test_land_layer_probe_works),
	    cmocka_unit_test(test_boat_strikes_at_sea),
	    cmocka_unit_test(test_strike_zones_are_the_states),
	    cmocka_unit_test(test_other_places),
	    cmocka_unit_test(test_sources_are_verbatim),
	    cmocka_unit_test(test_statuses_follow_the_text),
	    cmocka_unit_test(test_contradictions_are_told),
	    cmocka_unit_test(test_stacks),
	    cmocka_unit_test(test_geojson_output),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
