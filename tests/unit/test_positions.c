/* test_positions.c: cities of the story sit where they are on Earth, in the data and on tiles. */
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

typedef struct place {
	const char *name, *ascii;
	double lat, lon; /* from gazetteers, independent of the data */
} place;

static const place places[] = {
    {"Caracas", "Caracas", 10.4806, -66.9036},  {"Culiacán", "Culiacan", 24.8091, -107.3940},
    {"Tijuana", "Tijuana", 32.5149, -117.0382}, {"Mexico City", "Mexico City", 19.4326, -99.1332},
    {"Havana", "Havana", 23.1136, -82.3666},
};

/* The most populous city of that name (names repeat: there are many San José). */
static const geodata_feature *find_city(const geodata_layer *L, const place *p, size_t *index)
{
	const geodata_feature *best = NULL;
	for (size_t i = 0; i < geodata_layer_feature_count(L); i++) {
		const geodata_feature *f = geodata_layer_feature(L, i);
		if ((!strcmp(f->name, p->name) || !strcmp(f->name, p->ascii)) &&
		    (!best || f->population > best->population)) {
			best = f;
			*index = i;
		}
	}
	return best;
}

static void test_data_positions(void **state)
{
	test_world *w = *state;
	const geodata_layer *L = geodata_layer_get(w->gd, GEODATA_CITIES);
	geodata_error err = {{0}};
	geodata_proj *p = geodata_proj_create("EPSG:4326", "EPSG:3857", &err);
	assert_non_null(p);
	for (size_t k = 0; k < sizeof(places) / sizeof(places[0]); k++) {
		size_t fi = 0;
		const geodata_feature *f = find_city(L, &places[k], &fi);
		if (!f)
			fail_msg("no city named %s", places[k].name);
		if (fabs(f->lon - places[k].lon) > 0.05 || fabs(f->lat - places[k].lat) > 0.05)
			fail_msg("%s is at %.4f,%.4f in the data, %.4f,%.4f on Earth",
			         places[k].name, f->lat, f->lon, places[k].lat, places[k].lon);
		assert_true(f->population > 100000);
		/* The label anchor in metres is the same point. */
		double x, y;
		assert_int_equal(geodata_lonlat_to_merc(p, f->lon, f->lat, &x, &y), 0);
		assert_near(f->label_x, x, 1.0);
		assert_near(f->label_y, y, 1.0);
		/* And so is its point geometry, at every zoom. */
		size_t pieces[4];
		size_t n = geodata_layer_feature_pieces(L, fi, pieces, 4);
		assert_int_equal(n, 1);
		const geodata_piece *pc = geodata_layer_piece(L, pieces[0]);
		assert_int_equal(pc->lonlat.type, GEODATA_GEOM_POINT);
		assert_near(pc->lonlat.xy[0], f->lon, 1e-9);
		assert_near(pc->lonlat.xy[1], f->lat, 1e-9);
		for (int z = 0; z < GEODATA_LEVELS; z++) {
			assert_int_equal(pc->level[z].npoints, 1);
			assert_near(pc->level[z].xy[0], x, 1.0);
			assert_near(pc->level[z].xy[1], y, 1.0);
		}
	}
	geodata_proj_destroy(p);
}

static cairo_surface_t *render_tile(test_world *w, tile_tileset ts, int z, long x, long y)
{
	tile_buffer png = {0};
	tile_error te = {{0}};
	int rc = tile_render_xyz(w->scene, ts, z, x, y, 1, GEODATA_DAY_OPEN, &png, &te);
	if (rc)
		fail_msg("tile %d/%ld/%ld: %s", z, x, y, te.msg);
	cairo_surface_t *s = test_png_decode(png.data, png.len);
	assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	tile_buffer_finish(&png);
	return s;
}

static uint32_t pixel_at(cairo_surface_t *s, int x, int y)
{
	const unsigned char *row =
	    cairo_image_surface_get_data(s) + (size_t)y * cairo_image_surface_get_stride(s);
	return ((const uint32_t *)(const void *)row)[x] & 0xffffff;
}

/*
 * A city with an event on it gives way to the event's symbol (events are placed first): then the
 * event must be where the city is, and its symbol drawn there on the briefing tile.
 */
static void check_event_instead(test_world *w, const place *pl, double rx, double ry)
{
	int z = 7;
	double res = geodata_zoom_resolution(z);
	double tol = 0.05 / 360.0 * 256.0 * ldexp(1, z) / cos(pl->lat * M_PI / 180);
	double cx = (rx + GEODATA_MERC_HALF) / res, cy = (GEODATA_MERC_HALF - ry) / res;
	const geodata_event *best = NULL;
	double bestd = 1e300;
	for (size_t i = 0; i < geodata_events_count(w->ev); i++) {
		const geodata_event *e = geodata_events_get(w->ev, i);
		double ex = (e->anchor_x + GEODATA_MERC_HALF) / res;
		double ey = (GEODATA_MERC_HALF - e->anchor_y) / res;
		double d = hypot(ex - cx, ey - cy);
		if (d < bestd) {
			bestd = d;
			best = e;
		}
	}
	if (!best || bestd > tol)
		fail_msg(
		    "%s is not labelled at any zoom from 5 to 9, and no event stands in its place",
		    pl->name);
	double ex = (best->anchor_x + GEODATA_MERC_HALF) / res;
	double ey = (GEODATA_MERC_HALF - best->anchor_y) / res;
	long tx = (long)floor(ex / 256), ty = (long)floor(ey / 256);
	cairo_surface_t *brief = render_tile(w, TILE_TILESET_BRIEFING, z, tx, ty);
	cairo_surface_t *base = render_tile(w, TILE_TILESET_BASE, z, tx, ty);
	int px = (int)floor(ex - 256.0 * tx), py = (int)floor(ey - 256.0 * ty);
	print_message("%s: no city label; event '%s' %.1f px away, drawn at %d,%d of tile "
	              "%d/%ld/%ld\n",
	              pl->name, best->id, bestd, px, py, z, tx, ty);
	/* Symbols may be rings: look for the drawing within the symbol's radius, where no label
	 * goes. */
	int r = (int)ceil(symbols_event_radius(best, z)), changed = 0;
	for (int y = py - r; y <= py + r; y++)
		for (int x = px - r; x <= px + r; x++)
			if (x >= 0 && y >= 0 && x < 256 && y < 256 && hypot(x - px, y - py) <= r)
				changed += pixel_at(brief, x, y) != pixel_at(base, x, y);
	if (changed < r * r)
		fail_msg(
		    "%s: the symbol of event '%s' is not drawn around %d,%d of tile %d/%ld/%ld "
		    "(%d pixels differ from the base map)",
		    pl->name, best->id, px, py, z, tx, ty, changed);
	cairo_surface_destroy(brief);
	cairo_surface_destroy(base);
}

/* Renders the base tile around a city's label anchor; the dot must cover the anchor's pixel. */
static void test_dots_on_tiles(void **state)
{
	test_world *w = *state;
	const geodata_layer *L = geodata_layer_get(w->gd, GEODATA_CITIES);
	geodata_error err = {{0}};
	geodata_proj *p = geodata_proj_create("EPSG:4326", "EPSG:3857", &err);
	assert_non_null(p);
	for (size_t k = 0; k < sizeof(places) / sizeof(places[0]); k++) {
		size_t fi = 0;
		const geodata_feature *f = find_city(L, &places[k], &fi);
		assert_non_null(f);
		double rx, ry;
		assert_int_equal(geodata_lonlat_to_merc(p, places[k].lon, places[k].lat, &rx, &ry),
		                 0);
		int drawn = 0;
		for (int z = 5; z <= 9 && !drawn; z++) {
			const label_set *ls = scene_labels(w->scene, z);
			double res = geodata_zoom_resolution(z);
			assert_non_null(ls);
			const placed_label *pl = NULL;
			for (size_t i = 0; i < ls->count; i++)
				if (!strcmp(ls->labels[i].text, f->name) && ls->labels[i].dot &&
				    fabs(ls->labels[i].ax -
				         (f->label_x + GEODATA_MERC_HALF) / res) < 0.01 &&
				    fabs(ls->labels[i].ay -
				         (GEODATA_MERC_HALF - f->label_y) / res) < 0.01)
					pl = &ls->labels[i];
			if (!pl)
				continue;
			/* Where the city really is, in the zoom's global pixels. */
			double ex = (rx + GEODATA_MERC_HALF) / res,
			       ey = (GEODATA_MERC_HALF - ry) / res;
			double tol =
			    0.05 / 360.0 * 256.0 * ldexp(1, z) / cos(places[k].lat * M_PI / 180);
			if (hypot(pl->ax - ex, pl->ay - ey) > tol)
				fail_msg("zoom %d: %s dot at %.1f,%.1f, expected %.1f,%.1f", z,
				         places[k].name, pl->ax, pl->ay, ex, ey);
			long tx = (long)floor(pl->ax / 256), ty = (long)floor(pl->ay / 256);
			cairo_surface_t *s = render_tile(w, TILE_TILESET_BASE, z, tx, ty);
			int px = (int)floor(pl->ax - 256.0 * tx),
			    py = (int)floor(pl->ay - 256.0 * ty);
			uint32_t c = pixel_at(s, px, py);
			unsigned rr = (c >> 16) & 0xff, gg = (c >> 8) & 0xff, bb = c & 0xff;
			print_message("%s: zoom %d tile %ld/%ld pixel %d,%d = %02x%02x%02x\n",
			              places[k].name, z, tx, ty, px, py, rr, gg, bb);
			/* Land is near white; the dot is a dark brown-grey. */
			if (rr > 140 || gg > 140 || bb > 140)
				fail_msg("%s: no dot at pixel %d,%d of tile %d/%ld/%ld (colour "
				         "%02x%02x%02x)",
				         places[k].name, px, py, z, tx, ty, rr, gg, bb);
			cairo_surface_destroy(s);
			drawn = 1;
		}
		if (!drawn)
			check_event_instead(w, &places[k], rx, ry);
	}
	geodata_proj_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_data_positions),
	    cmocka_unit_test(test_dots_on_tiles),
	};
	return cmocka_run_group_tests(tests, test_scene_setup, test_scene_teardown);
}
