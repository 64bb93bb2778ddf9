/* test_labels.c: global label placement on real data: no overlaps, thinning, determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "testcase.h"
#include <math.h>
#include <string.h>

#include "testutil.h"
#include "tiles/private.h"

static int boxes_overlap(double ax0, double ay0, double ax1, double ay1, double bx0, double by0,
                         double bx1, double by1)
{
	return ax0 < bx1 && bx0 < ax1 && ay0 < by1 && by0 < ay1;
}

static const char *class_name(label_class c)
{
	static const char *const n[] = {"event", "country", "state", "capital", "city", "water"};
	return (unsigned)c < sizeof(n) / sizeof(n[0]) ? n[c] : "?";
}

static void check_zoom(const tile_scene *s, const geodata_events *ev, int z)
{
	const label_set *ls = scene_labels(s, z);
	if (!ls)
		fail_msg("no label placement at zoom %d", z);
	if (ls->count == 0)
		fail_msg("zoom %d places no label at all", z);
	const double world = 256.0 * (double)(1L << z);
	for (size_t i = 0; i < ls->count; i++) {
		const placed_label *a = &ls->labels[i];
		assert_non_null(a->text);
		assert_true(a->text[0] != 0);
		assert_true(a->w > 0 && a->h > 0 && a->font_size > 0);
		assert_true(a->ax > -1 && a->ax < world + 1 && a->ay > -1 && a->ay < world + 1);
		if (a->cls == LABEL_EVENT)
			assert_true(a->event_index >= 0 &&
			            (size_t)a->event_index < geodata_events_count(ev));
		else
			assert_int_equal(a->event_index, -1);
		/* A label sits next to its anchor (an event's within six rings of its symbol,
		 * with a leader line when pushed out), not somewhere else on the map. */
		double cx = a->x + a->w / 2, cy = a->y + a->h / 2;
		double slack =
		    a->cls == LABEL_EVENT
		        ? (symbols_event_radius(geodata_events_get(ev, (size_t)a->event_index), z) +
		           3) * 11 +
		              5
		    /* A city under an event's symbol loses its dot and is named further out. */
		    : (a->cls == LABEL_CITY || a->cls == LABEL_CAPITAL) && !a->dot ? 40
		                                                                   : 6;
		if (fabs(cx - a->ax) > a->w / 2 + slack || fabs(cy - a->ay) > a->h / 2 + slack)
			fail_msg(
			    "zoom %d: %s label '%s' at %.1f,%.1f is far from its anchor %.1f,%.1f",
			    z, class_name(a->cls), a->text, a->x, a->y, a->ax, a->ay);
		for (size_t j = i + 1; j < ls->count; j++) {
			const placed_label *b = &ls->labels[j];
			if (boxes_overlap(a->x, a->y, a->x + a->w, a->y + a->h, b->x, b->y,
			                  b->x + b->w, b->y + b->h))
				fail_msg(
				    "zoom %d: '%s' (%s, %.1f,%.1f %.1fx%.1f) overlaps '%s' (%s, "
				    "%.1f,%.1f %.1fx%.1f)",
				    z, a->text, class_name(a->cls), a->x, a->y, a->w, a->h, b->text,
				    class_name(b->cls), b->x, b->y, b->w, b->h);
			/* Nothing is placed twice. */
			if (!strcmp(a->text, b->text) && a->ax == b->ax && a->ay == b->ay)
				fail_msg("zoom %d: '%s' is placed twice", z, a->text);
			/* No text covers another label's dot. */
			if (b->dot && boxes_overlap(a->x, a->y, a->x + a->w, a->y + a->h, b->ax - 2,
			                            b->ay - 2, b->ax + 2, b->ay + 2))
				fail_msg("zoom %d: '%s' covers the dot of '%s'", z, a->text,
				         b->text);
			if (a->dot && boxes_overlap(b->x, b->y, b->x + b->w, b->y + b->h, a->ax - 2,
			                            a->ay - 2, a->ax + 2, a->ay + 2))
				fail_msg("zoom %d: '%s' covers the dot of '%s'", z, b->text,
				         a->text);
		}
		/* No text covers an event's symbol. */
		for (size_t e = 0; ev && e < geodata_events_count(ev); e++) {
			const geodata_event *E = geodata_events_get(ev, e);
			double res = geodata_zoom_resolution(z);
			double ex = (E->anchor_x + GEODATA_MERC_HALF) / res;
			double ey = (GEODATA_MERC_HALF - E->anchor_y) / res;
			double r = symbols_event_radius(E, z) - 0.5;
			if (r > 0 && boxes_overlap(a->x, a->y, a->x + a->w, a->y + a->h, ex - r,
			                           ey - r, ex + r, ey + r))
				fail_msg("zoom %d: '%s' covers the symbol of event '%s'", z,
				         a->text, E->id);
		}
	}
}

static void test_no_overlaps(void **state)
{
	test_world *w = *state;
	for (int z = 3; z <= 8; z++)
		check_zoom(w->scene, w->ev, z);
}

static size_t count_class(const label_set *ls, int cities)
{
	size_t n = 0;
	for (size_t i = 0; i < ls->count; i++) {
		label_class c = ls->labels[i].cls;
		if (cities ? (c == LABEL_CITY || c == LABEL_CAPITAL) : c == LABEL_EVENT)
			n++;
	}
	return n;
}

static void test_cities_thin_out(void **state)
{
	test_world *w = *state;
	size_t prev = 0;
	size_t at[13] = {0};
	for (int z = 3; z <= 8; z++) {
		const label_set *ls = scene_labels(w->scene, z);
		assert_non_null(ls);
		at[z] = count_class(ls, 1);
		print_message("zoom %d: %zu labels, %zu city labels, %zu event labels\n", z,
		              ls->count, at[z], count_class(ls, 0));
		/* More room means at least as many towns, give or take collisions. */
		assert_true(at[z] * 10 >= prev * 9);
		prev = at[z];
	}
	if (!(at[4] < at[7]))
		fail_msg("city labels do not thin out: %zu at zoom 4, %zu at zoom 7", at[4], at[7]);
	assert_true(at[4] > 0);
	/* At zoom 3 national capitals only, or a few more. */
	assert_true(at[3] <= at[5]);
}

/* Whether an event's symbol or label covers a city's dot at (x, y): events are placed first. */
static int covered_by_event(const label_set *ls, const geodata_events *ev, int z, double x,
                            double y)
{
	double res = geodata_zoom_resolution(z);
	for (size_t e = 0; ev && e < geodata_events_count(ev); e++) {
		const geodata_event *E = geodata_events_get(ev, e);
		double ex = (E->anchor_x + GEODATA_MERC_HALF) / res;
		double ey = (GEODATA_MERC_HALF - E->anchor_y) / res;
		double r = symbols_event_radius(E, z) + 3;
		if (fabs(ex - x) < r && fabs(ey - y) < r)
			return 1;
	}
	for (size_t i = 0; i < ls->count; i++) {
		const placed_label *l = &ls->labels[i];
		if (l->cls == LABEL_EVENT &&
		    boxes_overlap(l->x - 2, l->y - 2, l->x + l->w + 2, l->y + l->h + 2, x - 3,
		                  y - 3, x + 3, y + 3))
			return 1;
	}
	return 0;
}

/* National capitals come before towns and country names: each is labelled unless an event is in
 * the way. */
static void test_capitals_labelled(void **state)
{
	test_world *w = *state;
	const geodata_layer *cities = geodata_layer_get(w->gd, GEODATA_CITIES);
	const char *capitals[] = {"Mexico City", "Caracas", "Havana", "Bogotá", "Panama City"};
	for (int z = 4; z <= 8; z++) {
		const label_set *ls = scene_labels(w->scene, z);
		double res = geodata_zoom_resolution(z);
		assert_non_null(ls);
		for (size_t c = 0; c < sizeof(capitals) / sizeof(capitals[0]); c++) {
			const geodata_feature *f = NULL;
			for (size_t i = 0; i < geodata_layer_feature_count(cities); i++) {
				const geodata_feature *g = geodata_layer_feature(cities, i);
				if (g->capital == GEODATA_CAPITAL_PRIMARY &&
				    !strcmp(g->name, capitals[c]))
					f = g;
			}
			if (!f)
				fail_msg("no national capital named %s in the cities layer",
				         capitals[c]);
			double x = (f->label_x + GEODATA_MERC_HALF) / res;
			double y = (GEODATA_MERC_HALF - f->label_y) / res;
			if (covered_by_event(ls, w->ev, z, x, y)) {
				print_message("zoom %d: %s gives way to an event\n", z,
				              capitals[c]);
				continue;
			}
			int found = 0;
			for (size_t i = 0; i < ls->count && !found; i++)
				found = ls->labels[i].cls == LABEL_CAPITAL &&
				        !strcmp(ls->labels[i].text, capitals[c]) &&
				        fabs(ls->labels[i].ax - x) < 0.01 &&
				        fabs(ls->labels[i].ay - y) < 0.01 && ls->labels[i].dot == 3;
			if (!found)
				fail_msg("zoom %d: capital %s is not labelled", z, capitals[c]);
		}
	}
}

/* Placement is a pure function of data and zoom: two scenes agree label for label. */
static void test_deterministic(void **state)
{
	test_world *w = *state;
	tile_error te = {{0}};
	tile_scene *other = tile_scene_create(w->gd, w->ev, 0, &te);
	assert_non_null(other);
	for (int z = 4; z <= 6; z++) {
		const label_set *a = scene_labels(w->scene, z), *b = scene_labels(other, z);
		assert_non_null(a);
		assert_non_null(b);
		assert_int_equal(a->count, b->count);
		for (size_t i = 0; i < a->count; i++) {
			assert_string_equal(a->labels[i].text, b->labels[i].text);
			assert_true(a->labels[i].x == b->labels[i].x &&
			            a->labels[i].y == b->labels[i].y);
		}
	}
	tile_scene_unref(other);
	assert_null(scene_labels(w->scene, -1));
	assert_null(scene_labels(w->scene, GEODATA_LEVELS));
}

/* Two placements alike label for label: text, class, box, anchor and dot. */
static void assert_same_placement(const label_set *a, const label_set *b, int z)
{
	assert_non_null(a);
	assert_non_null(b);
	if (a->count != b->count)
		fail_msg("zoom %d: %zu labels against %zu", z, a->count, b->count);
	for (size_t i = 0; i < a->count; i++) {
		const placed_label *x = &a->labels[i], *y = &b->labels[i];
		if (strcmp(x->text, y->text) || x->cls != y->cls || x->x != y->x || x->y != y->y ||
		    x->w != y->w || x->h != y->h || x->ax != y->ax || x->ay != y->ay ||
		    x->dot != y->dot || x->event_index != y->event_index)
			fail_msg("zoom %d: label %zu differs: %s / %s", z, i, x->text, y->text);
	}
}

/*
 * The scene's memo of text extents, filled by other zooms, by the warm-up's
 * first measuring and by other placements, changes no placement: each zoom
 * placed again measuring every text afresh gives the very same labels.
 */
static void test_measures_change_nothing(void **state)
{
	test_world *w = *state;
	tile_error te = {{0}};
	tile_scene *s = tile_scene_create(w->gd, w->ev, 0, &te);
	assert_non_null(s);
	scene_data fresh = *scene_data_of(s);
	assert_non_null(fresh.measures);
	assert_int_equal(labels_premeasure(&fresh, GEODATA_LEVELS - 1, 0, 2), 0);
	assert_int_equal(labels_premeasure(&fresh, GEODATA_LEVELS - 1, 1, 2), 0);
	fresh.measures = NULL;
	for (int z = 8; z >= 3; z--) {
		label_set own = {0};
		assert_int_equal(labels_place(&fresh, z, 1, NULL, &own), 0);
		assert_same_placement(scene_labels(s, z), &own, z);
		labels_finish(&own);
		assert_int_equal(labels_place(&fresh, z, 0, "es", &own), 0);
		assert_same_placement(scene_base_labels_lang(s, z, "es"), &own, z);
		labels_finish(&own);
	}
	tile_scene_unref(s);
}

/* The memo keeps extents by class, exact size and text, and nothing it cannot key. */
static void test_measures_keys(void **state)
{
	(void)state;
	label_measures *m = label_measures_create();
	assert_non_null(m);
	double wh[2] = {0}, a[2] = {10, 20}, b[2] = {30, 40};
	assert_false(label_measures_get(m, LABEL_CITY, 10.5, "Tampico", wh));
	label_measures_put(m, LABEL_CITY, 10.5, "Tampico", a);
	label_measures_put(m, LABEL_CITY, nextafter(10.5, 11), "Tampico", b);
	assert_true(label_measures_get(m, LABEL_CITY, 10.5, "Tampico", wh));
	assert_true(wh[0] == 10 && wh[1] == 20);
	assert_true(label_measures_get(m, LABEL_CITY, nextafter(10.5, 11), "Tampico", wh));
	assert_true(wh[0] == 30 && wh[1] == 40);
	assert_false(label_measures_get(m, LABEL_CAPITAL, 10.5, "Tampico", wh));
	assert_false(label_measures_get(m, LABEL_CITY, 10.5, "Tampic", wh));
	char longer[2000];
	memset(longer, 'a', sizeof longer - 1);
	longer[sizeof longer - 1] = 0;
	label_measures_put(m, LABEL_EVENT, 12, longer, a);
	assert_false(label_measures_get(m, LABEL_EVENT, 12, longer, wh));
	label_measures_destroy(m);
	label_measures_destroy(NULL);
	assert_false(label_measures_get(NULL, LABEL_CITY, 10.5, "Tampico", wh));
}

/* Whether a placement has a label of class `cls` whose text holds `text`. */
static int names(const label_set *ls, label_class cls, const char *text)
{
	for (size_t i = 0; ls && i < ls->count; i++)
		if (ls->labels[i].cls == cls && strstr(ls->labels[i].text, text))
			return 1;
	return 0;
}

/*
 * Base labels speak the reader's language: Spanish names where the data has
 * them (states from Natural Earth's name_es, countries by ISO code), the
 * default names elsewhere (cities); English shares the default placement.
 */
static void test_labels_in_spanish(void **state)
{
	test_world *w = *state;
	int nuevo_leon = 0, gulf = 0;
	for (int z = 5; z <= 7; z++) {
		assert_non_null(scene_labels_lang(w->scene, z, "es"));
		assert_true(scene_labels_lang(w->scene, z, "en") == scene_labels(w->scene, z));
		assert_true(scene_labels_lang(w->scene, z, "xx") == scene_labels(w->scene, z));
		assert_true(scene_labels_lang(w->scene, z, "es") != scene_labels(w->scene, z));
		/* The base map's own placements: no event takes a name's place. */
		const label_set *es = scene_base_labels_lang(w->scene, z, "es");
		const label_set *en = scene_base_labels_lang(w->scene, z, "en");
		assert_non_null(es);
		assert_true(en == scene_base_labels(w->scene, z));
		assert_true(es != en);
		nuevo_leon += names(es, LABEL_STATE, "Nuevo León");
		/* Spanish names that differ from the default ones, on the Gulf of Mexico. */
		gulf += names(es, LABEL_STATE, "Misisipi") || names(es, LABEL_STATE, "Luisiana");
		if (names(es, LABEL_STATE, "Mississippi") || names(es, LABEL_STATE, "Louisiana"))
			fail_msg("zoom %d: a state keeps its English name in Spanish", z);
		if (!names(es, LABEL_COUNTRY, "Estados Unidos") || names(es, LABEL_COUNTRY, "United States"))
			fail_msg("zoom %d: the United States are not named in Spanish", z);
		if (!names(en, LABEL_COUNTRY, "United States") || names(en, LABEL_COUNTRY, "Estados Unidos"))
			fail_msg("zoom %d: the United States are not named in English", z);
		if (!names(es, LABEL_COUNTRY, "México") || !names(en, LABEL_COUNTRY, "Mexico"))
			fail_msg("zoom %d: Mexico is not named in both languages", z);
		/* The cities' data has no Spanish names: they keep their own. */
		if (!names(es, LABEL_CAPITAL, "Mexico City"))
			fail_msg("zoom %d: Mexico City lost its name in Spanish", z);
	}
	/* Monterrey and its neighbours take the room first; the state's name comes at zoom 9. */
	nuevo_leon += names(scene_base_labels_lang(w->scene, 9, "es"), LABEL_STATE, "Nuevo León");
	if (!nuevo_leon)
		fail_msg("no 'Nuevo León' among the Spanish labels of zooms 5-7 and 9");
	if (!gulf)
		fail_msg("no state named in Spanish (Misisipi, Luisiana) at zooms 5-7");
}

/* A tile over Mexico in Spanish differs from the English one, which is the default tile. */
static void test_tile_lang(void **state)
{
	test_world *w = *state;
	long x, y;
	tile_lonlat_to_xyz(-100.3, 25.7, 5, &x, &y);
	tile_buffer def = {0}, en = {0}, es = {0};
	tile_error te = {{0}};
	assert_int_equal(tile_render_xyz_as(w->scene, TILE_TILESET_BASE, 5, x, y, 1, GEODATA_DAY_OPEN,
	                                    TILE_IMAGE_PNG, &def, &te), 0);
	assert_int_equal(tile_render_xyz_lang(w->scene, TILE_TILESET_BASE, 5, x, y, 1,
	                                      GEODATA_DAY_OPEN, "en", TILE_IMAGE_PNG, &en, &te), 0);
	assert_int_equal(tile_render_xyz_lang(w->scene, TILE_TILESET_BASE, 5, x, y, 1,
	                                      GEODATA_DAY_OPEN, "es", TILE_IMAGE_PNG, &es, &te), 0);
	assert_true(def.len == en.len && !memcmp(def.data, en.data, def.len));
	assert_false(def.len == es.len && !memcmp(def.data, es.data, def.len));
	tile_buffer_finish(&def);
	tile_buffer_finish(&en);
	tile_buffer_finish(&es);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_overlaps),
	    cmocka_unit_test(test_cities_thin_out),
	    cmocka_unit_test(test_capitals_labelled),
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_measures_change_nothing),
	    cmocka_unit_test(test_measures_keys),
	    cmocka_unit_test(test_labels_in_spanish),
	    cmocka_unit_test(test_tile_lang),
	};
	return cmocka_run_group_tests(tests, test_scene_setup, test_scene_teardown);
}
