/* test_symbols.c: the events as drawn: each status its own treatment, seamless across tiles. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include "testcase.h"

#include "private.h"

typedef struct fixture {
	geodata *gd;
	geodata_events *article;
	geodata_events *synthetic;
	tile_scene *article_scene;
	tile_scene *synthetic_scene;
} fixture;

/* Four square zones at sea, one per status treatment, far enough apart not to meet. */
static const struct square {
	const char *id, *status;
	double lon, lat;
} SQUARES[] = {
    {"zone-reported", "reported", -94, 25},
    {"zone-claimed", "claimed", -88, 25},
    {"zone-hypothetical", "hypothetical", -94, 21},
    {"zone-disputed", "disputed", -80, 14},
};
#define NSQUARES (sizeof SQUARES / sizeof SQUARES[0])
#define HALF_SIDE 1.0 /* degrees */

/* Point events of one kind with each status, at sea, far apart. */
static const struct marker {
	const char *id, *status;
	double lon, lat;
} MARKERS[] = {
    {"raid-reported", "reported", -60, 30},
    {"raid-claimed", "claimed", -56, 30},
    {"raid-hypothetical", "hypothetical", -52, 30},
    {"raid-disputed", "disputed", -48, 30},
};
#define NMARKERS (sizeof MARKERS / sizeof MARKERS[0])

static char *synthetic_file(void)
{
	size_t cap = 16384, len = 0;
	char *s = malloc(cap);
	assert_non_null(s);
	len += (size_t)snprintf(s + len, cap - len,
	                        "{\"type\": \"FeatureCollection\", \"features\": [");
	for (size_t i = 0; i < NSQUARES; i++) {
		const struct square *q = &SQUARES[i];
		double w = q->lon - HALF_SIDE, e = q->lon + HALF_SIDE;
		double so = q->lat - HALF_SIDE, n = q->lat + HALF_SIDE;
		len += (size_t)snprintf(
		    s + len, cap - len,
		    "%s{\"type\": \"Feature\", \"geometry\": {\"type\": \"Polygon\", "
		    "\"coordinates\": "
		    "[[[%g, %g], [%g, %g], [%g, %g], [%g, %g], [%g, %g]]]}, \"properties\": "
		    "{\"id\": "
		    "\"%s\", \"kind\": \"strike_zone\", \"title\": \"Z\", %s"
		    "\"status\": \"%s\", \"geo_precision\": "
		    "\"exact\", "
		    "\"source\": \"s\"}}",
		    i ? ", " : "", w, so, e, so, e, n, w, n, w, so, q->id,
		    /* A hypothetical is not a dated event. */
		    strcmp(q->status, "hypothetical")
		        ? "\"date\": \"2024-07\", \"date_precision\": \"month\", "
		        : "",
		    q->status);
	}
	for (size_t i = 0; i < NMARKERS; i++) {
		const struct marker *m = &MARKERS[i];
		len += (size_t)snprintf(
		    s + len, cap - len,
		    ", {\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", "
		    "\"coordinates\": [%g, "
		    "%g]}, \"properties\": {\"id\": \"%s\", \"kind\": \"raid\", \"title\": \"R\", "
		    "%s\"status\": \"%s\", "
		    "\"geo_precision\": \"exact\", \"source\": \"s\"}}",
		    m->lon, m->lat, m->id,
		    strcmp(m->status, "hypothetical")
		        ? "\"date\": \"2025\", \"date_precision\": \"year\", "
		        : "",
		    m->status);
	}
	len += (size_t)snprintf(s + len, cap - len, "]}");
	assert_true(len < cap);
	return s;
}

static int setup(void **state)
{
	const char *dir = getenv("BRIEFMAP_DATA"), *events = getenv("BRIEFMAP_EVENTS");
	if (!dir || !events) {
		print_error("BRIEFMAP_DATA and BRIEFMAP_EVENTS must be set\n");
		return -1;
	}
	fixture *fx = calloc(1, sizeof *fx);
	geodata_options o = {.data_dir = dir};
	geodata_error err = {{0}};
	geodata_problems p = {0};
	tile_error terr = {{0}};
	if (!fx || !(fx->gd = geodata_load(&o, &err))) {
		print_error("cannot load base data: %s\n", err.msg);
		return -1;
	}
	fx->article = geodata_events_load(fx->gd, events, &p);
	char *text = synthetic_file();
	fx->synthetic = geodata_events_load_buffer(fx->gd, text, strlen(text), &p);
	free(text);
	for (size_t i = 0; i < p.count; i++)
		print_error("%s\n", p.lines[i]);
	geodata_problems_finish(&p);
	if (!fx->article || !fx->synthetic)
		return -1;
	fx->article_scene = tile_scene_create(fx->gd, fx->article, 0, &terr);
	fx->synthetic_scene = tile_scene_create(fx->gd, fx->synthetic, 0, &terr);
	if (!fx->article_scene || !fx->synthetic_scene) {
		print_error("cannot create scenes: %s\n", terr.msg);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	tile_scene_unref(fx->article_scene);
	tile_scene_unref(fx->synthetic_scene);
	geodata_events_unref(fx->article);
	geodata_events_unref(fx->synthetic);
	geodata_destroy(fx->gd);
	free(fx);
	pango_cairo_font_map_set_default(NULL);
	return 0;
}

/* ---- images ------------------------------------------------------------------------------- */

typedef struct image {
	cairo_surface_t *surface;
	const uint32_t *px;
	int width, height, stride;
	geodata_bbox extent;
	double res;
} image;

static double merc_y(double lat)
{
	return log(tan(M_PI / 4 + lat * M_PI / 360)) * 6378137.0;
}

static double merc_x(double lon)
{
	return lon / 180 * GEODATA_MERC_HALF;
}

/*
 * A square transparent view centred on a point at an integer zoom. With
 * `symbols_only` it holds what symbols.c draws and nothing else (no labels,
 * which could cross the pixels under test); otherwise the whole events tileset.
 */
static image render_events(const tile_scene *s, double lon, double lat, int zoom, int size,
                           geodata_day until, int symbols_only)
{
	image im = {0};
	double res = geodata_zoom_resolution(zoom);
	/* Snap the view to whole pixels of the zoom, as tiles are. */
	double cx = round(merc_x(lon) / res) * res, cy = round(merc_y(lat) / res) * res;
	tile_view v = {.extent = {cx - size / 2 * res, cy - size / 2 * res, cx + size / 2 * res,
	                          cy + size / 2 * res},
	               .width = size,
	               .height = size,
	               .scale = 1,
	               .tileset = TILE_TILESET_EVENTS,
	               .until = until};
	if (symbols_only) {
		im.surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, size, size);
		cairo_t *cr = cairo_create(im.surface);
		render_ctx ctx;
		render_ctx_init_merc(&ctx, s, &v, cr);
		assert_int_equal(symbols_draw_events(&ctx, tile_scene_events(s)), 0);
		render_ctx_finish(&ctx);
		assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
		cairo_destroy(cr);
	} else {
		tile_error err = {{0}};
		void *surf = NULL;
		if (tile_view_render(s, &v, &surf, &err))
			fail_msg("render failed: %s", err.msg);
		im.surface = surf;
	}
	cairo_surface_flush(im.surface);
	im.px = (const uint32_t *)cairo_image_surface_get_data(im.surface);
	im.stride = cairo_image_surface_get_stride(im.surface) / 4;
	im.width = size;
	im.height = size;
	im.extent = v.extent;
	im.res = res;
	return im;
}

static void image_free(image *im)
{
	cairo_surface_destroy(im->surface);
}

static void pixel(const image *im, int x, int y, double *a, double rgb[3])
{
	uint32_t p = im->px[y * im->stride + x];
	*a = (p >> 24) / 255.0;
	for (int i = 0; i < 3; i++) {
		double c = ((p >> (16 - 8 * i)) & 255) / 255.0;
		rgb[i] = *a > 0 ? c / *a : 0; /* un-premultiply */
	}
}

static void to_px(const image *im, double lon, double lat, double *x, double *y)
{
	*x = (merc_x(lon) - im->extent.minx) / im->res;
	*y = (im->extent.maxy - merc_y(lat)) / im->res;
}

/* A pixel drawn mostly in the strike-zone red. */
static int reddish(const image *im, int x, int y)
{
	double a, c[3];
	pixel(im, x, y, &a, c);
	return a > 0.6 && c[0] > c[1] + 0.3 && c[0] > c[2] + 0.3;
}

/* Fraction of red pixels along the top edge of a square zone, away from its corners. */
static double edge_coverage(const image *im, const struct square *q, int *gaps)
{
	double x0, y0, x1, y1;
	to_px(im, q->lon - HALF_SIDE, q->lat + HALF_SIDE, &x0, &y0);
	to_px(im, q->lon + HALF_SIDE, q->lat + HALF_SIDE, &x1, &y1);
	int y = (int)floor(y0), red = 0, n = 0, prev = 1;
	*gaps = 0;
	for (int x = (int)x0 + 12; x < (int)x1 - 12; x++, n++) {
		int r = reddish(im, x, y) || reddish(im, x, y - 1) || reddish(im, x, y + 1);
		red += r;
		*gaps += prev && !r;
		prev = r;
	}
	assert_true(n > 50);
	return (double)red / n;
}

/* Changes between faint and strong alpha along a row inside the zone: hatching crosses it. */
static int interior_transitions(const image *im, const struct square *q)
{
	double xc, yc;
	to_px(im, q->lon, q->lat, &xc, &yc);
	/* Half-way between the centre (symbol, label) and the bottom edge. */
	double xb, yb;
	to_px(im, q->lon, q->lat - HALF_SIDE, &xb, &yb);
	int y = (int)((yc + yb) / 2), changes = 0, prev = -1;
	for (int x = (int)xc - 40; x < (int)xc + 40; x++) {
		double a, c[3];
		pixel(im, x, y, &a, c);
		int strong = a > 0.35;
		if (prev >= 0 && strong != prev)
			changes++;
		prev = strong;
	}
	return changes;
}

static const struct square *square(const char *status)
{
	for (size_t i = 0; i < NSQUARES; i++)
		if (!strcmp(SQUARES[i].status, status))
			return &SQUARES[i];
	fail_msg("no square %s", status);
	return NULL;
}

static void test_area_status_treatments(void **state)
{
	fixture *fx = *state;
	double cover[NSQUARES];
	int gaps[NSQUARES], hatch[NSQUARES];
	for (size_t i = 0; i < NSQUARES; i++) {
		image im = render_events(fx->synthetic_scene, SQUARES[i].lon, SQUARES[i].lat, 7,
		                         512, GEODATA_DAY_OPEN, 1);
		cover[i] = edge_coverage(&im, &SQUARES[i], &gaps[i]);
		hatch[i] = interior_transitions(&im, &SQUARES[i]);
		print_message("  %-13s edge %.2f, %d gaps; interior changes %d\n",
		              SQUARES[i].status, cover[i], gaps[i], hatch[i]);
		image_free(&im);
	}
	size_t rep = (size_t)(square("reported") - SQUARES);
	size_t cla = (size_t)(square("claimed") - SQUARES);
	size_t hyp = (size_t)(square("hypothetical") - SQUARES);
	size_t dis = (size_t)(square("disputed") - SQUARES);
	/* Solid: an unbroken edge. */
	assert_true(cover[rep] > 0.98);
	assert_int_equal(gaps[rep], 0);
	/* Dashed: regular gaps, still mostly drawn. */
	assert_true(gaps[cla] >= 8);
	assert_true(cover[cla] > 0.4 && cover[cla] < 0.9);
	/* Dash-dot for disputed: gaps too, and unlike the claimed rhythm. */
	assert_true(gaps[dis] >= 8);
	assert_true(fabs(cover[dis] - cover[cla]) > 0.02 || gaps[dis] != gaps[cla]);
	/* Hypothetical: hatched inside, and only it. */
	assert_true(hatch[hyp] >= 10);
	assert_int_equal(hatch[rep], 0);
	assert_int_equal(hatch[cla], 0);
	assert_int_equal(hatch[dis], 0);
}

/* Counts pixels of a grey darker than any kind colour's white glyph: the '?' badge's mark. */
static int badge_pixels(const image *im, double cx, double cy, double r)
{
	int n = 0;
	for (int y = (int)(cy - r); y <= (int)(cy + r); y++)
		for (int x = (int)(cx - r); x <= (int)(cx + r); x++) {
			double a, c[3];
			pixel(im, x, y, &a, c);
			if (a > 0.8 && c[0] < 0.4 && c[1] < 0.4 && c[2] < 0.4 &&
			    fabs(c[0] - c[2]) < 0.08)
				n++;
		}
	return n;
}

/* Pixels of the kind colour around the ring of a marker. */
static double ring_coverage(const image *im, double cx, double cy, double radius)
{
	int n = 0, hit = 0;
	for (int k = 0; k < 360; k += 3, n++) {
		int x = (int)lround(cx + radius * cos(k * M_PI / 180));
		int y = (int)lround(cy + radius * sin(k * M_PI / 180));
		double a, c[3];
		pixel(im, x, y, &a, c);
		hit += a > 0.6 && c[0] > c[1] + 0.25;
	}
	return (double)hit / n;
}

static void test_marker_status_treatments(void **state)
{
	fixture *fx = *state;
	int zoom = 8;
	double r =
	    symbols_event_radius(geodata_events_find(fx->synthetic, "raid-reported"), zoom) - 1.5;
	double ring[NMARKERS];
	int badge[NMARKERS];
	for (size_t i = 0; i < NMARKERS; i++) {
		image im = render_events(fx->synthetic_scene, MARKERS[i].lon, MARKERS[i].lat, zoom,
		                         256, GEODATA_DAY_OPEN, 1);
		double cx, cy;
		to_px(&im, MARKERS[i].lon, MARKERS[i].lat, &cx, &cy);
		ring[i] = ring_coverage(&im, cx, cy, r - 1.2);
		badge[i] = badge_pixels(&im, cx + r * 0.78, cy - r * 0.78, r * 0.3);
		print_message("  %-13s ring %.2f, badge pixels %d\n", MARKERS[i].status, ring[i],
		              badge[i]);
		image_free(&im);
	}
	/* reported: a solid disc; claimed: a dashed ring; hypothetical: a dotted one. */
	assert_true(ring[0] > 0.95);
	assert_true(ring[1] > 0.35 && ring[1] < 0.85);
	assert_true(ring[2] < ring[1]);
	/* disputed: the disc of a report, with a '?' badge no other status has. */
	assert_true(ring[3] > 0.6);
	assert_true(badge[3] >= 3);
	assert_int_equal(badge[0], 0);
	assert_int_equal(badge[1], 0);
	assert_int_equal(badge[2], 0);
}

/*
 * Inside the article's zones: Aguascalientes (hypothetical) is hatched,
 * Sinaloa (a claimed potential zone) only sparsely stippled, never filled. Returns the changes between
 * faint and strong along a short row below the symbol; `tinted` counts the
 * row's pixels that carry some colour.
 */
static int hatch_changes_in(const fixture *fx, const char *id, int zoom, int *tinted)
{
	const geodata_event *e = geodata_events_find(fx->article, id);
	assert_non_null(e);
	image im = render_events(fx->article_scene, e->anchor_lon, e->anchor_lat, zoom, 512,
	                         GEODATA_DAY_OPEN, 1);
	double cx, cy;
	to_px(&im, e->anchor_lon, e->anchor_lat, &cx, &cy);
	/* Below the symbol, inside the state at this zoom. */
	int changes = 0, prev = -1;
	int y = (int)cy + 24;
	*tinted = 0;
	for (int x = (int)cx - 12; x < (int)cx + 12; x++) {
		double a, c[3];
		pixel(&im, x, y, &a, c);
		int strong = a > 0.35;
		if (prev >= 0 && strong != prev)
			changes++;
		prev = strong;
		*tinted += a > 0.05;
	}
	image_free(&im);
	return changes;
}

static void test_article_zones(void **state)
{
	fixture *fx = *state;
	int agu_tint, sin_tint;
	int agu = hatch_changes_in(fx, "aguascalientes-drone-strike-2022", 8, &agu_tint);
	int sin = hatch_changes_in(fx, "strike-zone-sinaloa", 8, &sin_tint);
	print_message("  Aguascalientes %d changes, Sinaloa %d (tinted %d)\n", agu, sin, sin_tint);
	assert_true(agu >= 4);
	/* A potential zone in a leaked draft is an area of uncertainty: no heavy fill. */
	assert_int_equal(sin, 0);
	assert_true(sin_tint < 12);
}

/* An area of uncertainty (the boat strikes) is stippled in its kind's hue, not a flat grey tint. */
static void test_region_stipple(void **state)
{
	fixture *fx = *state;
	const geodata_event *e = geodata_events_find(fx->article, "caribbean-boat-strikes");
	image im = render_events(fx->article_scene, e->anchor_lon, e->anchor_lat, 6, 512,
	                         GEODATA_DAY_OPEN, 1);
	double cx, cy;
	to_px(&im, e->anchor_lon, e->anchor_lat, &cx, &cy);
	int dots = 0, clear = 0, other = 0;
	for (int y = (int)cy + 30; y < (int)cy + 60; y++)
		for (int x = (int)cx - 60; x < (int)cx + 60; x++) {
			double a, c[3];
			pixel(&im, x, y, &a, c);
			if (a > 0.3 && c[0] > c[2] + 0.5)
				dots++;
			else if (a < 0.02)
				clear++;
			else
				other++;
		}
	print_message("  stipple: %d dot, %d clear, %d other pixels\n", dots, clear, other);
	/* Mostly the map shows through; the dots are frequent and orange. */
	assert_true(clear > 2000);
	assert_true(dots > 40);
	image_free(&im);
}

/* The `until` filter hides events that had not begun. */
static void test_until_filter(void **state)
{
	fixture *fx = *state;
	const geodata_event *e = geodata_events_find(fx->article, "strike-zone-sinaloa");
	geodata_day before = e->start - 1;
	image a = render_events(fx->article_scene, e->anchor_lon, e->anchor_lat, 7, 256,
	                        GEODATA_DAY_OPEN, 0);
	image b = render_events(fx->article_scene, e->anchor_lon, e->anchor_lat, 7, 256, before, 0);
	double aa, ba, c[3];
	pixel(&a, 128, 128, &aa, c);
	pixel(&b, 128, 128, &ba, c);
	assert_true(aa > 0.5);
	assert_true(ba == 0);
	image_free(&a);
	image_free(&b);
}

/* Two tiles side by side equal one view of both: hatching and dashes run on across the edge. */
static void test_seamless_across_tiles(void **state)
{
	fixture *fx = *state;
	static const struct {
		const char *id;
		int zoom;
	} cases[] = {{"aguascalientes-drone-strike-2022", 8},
	             {"strike-zone-sinaloa", 7},
	             {"nellis-afb-staging", 6}};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const geodata_event *e = geodata_events_find(fx->article, cases[k].id);
		int z = cases[k].zoom;
		long tx, ty;
		tile_lonlat_to_xyz(e->anchor_lon, e->anchor_lat, z, &tx, &ty);
		geodata_bbox left, right;
		assert_int_equal(tile_xyz_bbox(z, tx, ty, &left), 0);
		assert_int_equal(tile_xyz_bbox(z, tx + 1, ty, &right), 0);
		tile_view wide = {.extent = {left.minx, left.miny, right.maxx, right.maxy},
		                  .width = 512,
		                  .height = 256,
		                  .scale = 1,
		                  .tileset = TILE_TILESET_EVENTS,
		                  .until = GEODATA_DAY_OPEN};
		tile_view one = wide;
		one.width = 256;
		void *sw = NULL, *sl = NULL, *sr = NULL;
		tile_error err = {{0}};
		assert_int_equal(tile_view_render(fx->article_scene, &wide, &sw, &err), 0);
		one.extent = left;
		assert_int_equal(tile_view_render(fx->article_scene, &one, &sl, &err), 0);
		one.extent = right;
		assert_int_equal(tile_view_render(fx->article_scene, &one, &sr, &err), 0);
		const uint32_t *w = (const uint32_t *)cairo_image_surface_get_data(sw);
		const uint32_t *l = (const uint32_t *)cairo_image_surface_get_data(sl);
		const uint32_t *r = (const uint32_t *)cairo_image_surface_get_data(sr);
		int ws = cairo_image_surface_get_stride(sw) / 4;
		int ts = cairo_image_surface_get_stride(sl) / 4;
		long differ = 0, drawn = 0;
		for (int y = 0; y < 256; y++)
			for (int x = 0; x < 512; x++) {
				uint32_t a = w[y * ws + x];
				uint32_t b = x < 256 ? l[y * ts + x] : r[y * ts + x - 256];
				int d = 0;
				for (int c = 0; c < 32; c += 8)
					d = fmax(
					    d, abs((int)((a >> c) & 255) - (int)((b >> c) & 255)));
				differ += d > 24;
				drawn += (a >> 24) > 0;
			}
		print_message("  %s z%d: %ld of %ld drawn pixels differ\n", cases[k].id, z, differ,
		              drawn);
		assert_true(drawn > 1000);
		assert_true(differ <= drawn / 500);
		cairo_surface_destroy(sw);
		cairo_surface_destroy(sl);
		cairo_surface_destroy(sr);
	}
}

static int valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int k = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : 3;
		for (int i = 1; i <= k; i++)
			if ((p[i] & 0xC0) != 0x80)
				return 0;
		p += k + 1;
	}
	return 1;
}

static void test_labels(void **state)
{
	fixture *fx = *state;
	char buf[256];
	symbols_event_label(fx->article, geodata_events_find(fx->article, "caribbean-boat-strikes"), buf,
	                    sizeof buf);
	assert_non_null(strstr(buf, "35+ boats"));
	symbols_event_label(fx->article, geodata_events_find(fx->article, "aguascalientes-drone-strike-2022"),
	                    buf, sizeof buf);
	assert_non_null(strstr(buf, "(hypothetical)"));
	symbols_event_label(fx->article, geodata_events_find(fx->article, "caracas-raid"), buf, sizeof buf);
	assert_null(strstr(buf, "hypothetical"));
	/* Every label of an event the article does not confirm says how it presents it. */
	for (size_t i = 0; i < geodata_events_count(fx->article); i++) {
		const geodata_event *e = geodata_events_get(fx->article, i);
		char word[32];
		snprintf(word, sizeof word, "(%s)", geodata_event_status_name(e->status));
		symbols_event_label(fx->article, e, buf, sizeof buf);
		if (e->status != GEODATA_STATUS_CONFIRMED && !strstr(buf, word))
			fail_msg("label of %s lacks its status word: \"%s\"", e->id, buf);
	}
	/* A short buffer never splits a character ("–" is three bytes). */
	const geodata_event *call = geodata_events_find(fx->article, "petro-call");
	assert_non_null(strstr(call->title, "–"));
	for (size_t n = 1; n < 16; n++) {
		symbols_event_label(fx->article, call, buf, n);
		assert_true(strlen(buf) < n);
		assert_true(valid_utf8(buf));
	}
}

/* A marker drawn alone on white, as grey levels (ITU-R BT.709 luminance). */
static void marker_grey(const geodata_kind *kind, geodata_event_status st, double size, int side,
                        double *lum)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, side, side);
	cairo_t *cr = cairo_create(s);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	symbols_draw_marker(cr, kind, st, side / 2.0, side / 2.0, size);
	cairo_destroy(cr);
	cairo_surface_flush(s);
	const unsigned char *d = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s);
	for (int y = 0; y < side; y++)
		for (int x = 0; x < side; x++) {
			uint32_t p = *(const uint32_t *)(const void *)(d + y * stride + 4 * x);
			lum[y * side + x] = (0.2126 * ((p >> 16) & 255) + 0.7152 * ((p >> 8) & 255) +
			                     0.0722 * (p & 255)) /
			                    255.0;
		}
	cairo_surface_destroy(s);
}

/*
 * Status is readable without colour: in grey levels, the markers of any two
 * statuses of one kind differ in a good share of their pixels (shape, fill,
 * dash, hatch), not only in hue. Measured at the smallest map size and at the
 * legend's.
 */
static void test_status_distinct_in_greyscale(void **state)
{
	(void)state;
	enum { SIDE = 40 };
	static const double sizes[] = {14, 22};
	double worst = 1;
	for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++)
		for (size_t k = 0; k < geodata_kinds_builtin()->count; k++) {
			const geodata_kind *kind = &geodata_kinds_builtin()->kind[k];
			double lum[GEODATA_STATUS_COUNT][SIDE * SIDE];
			for (int st = 0; st < GEODATA_STATUS_COUNT; st++)
				marker_grey(kind, (geodata_event_status)st, sizes[z],
				            SIDE, lum[st]);
			for (int a = 0; a < GEODATA_STATUS_COUNT; a++)
				for (int b = a + 1; b < GEODATA_STATUS_COUNT; b++) {
					int inked = 0, differ = 0;
					for (int i = 0; i < SIDE * SIDE; i++) {
						if (lum[a][i] > 0.97 && lum[b][i] > 0.97)
							continue;
						inked++;
						differ += fabs(lum[a][i] - lum[b][i]) > 0.2;
					}
					double share = inked ? (double)differ / inked : 0;
					if (share < worst) {
						worst = share;
						print_message("  worst so far: %s vs %s, kind %s, size %g: "
						              "%.0f%% of %d pixels differ\n",
						              geodata_event_status_name(a),
						              geodata_event_status_name(b),
						              kind->id, sizes[z],
						              share * 100, inked);
					}
				}
		}
	assert_true(worst >= 0.15);
}

static void test_radius_and_colours(void **state)
{
	fixture *fx = *state;
	const geodata_event *alone = geodata_events_find(fx->article, "petro-call");
	const geodata_event *stacked = geodata_events_find(fx->article, "caracas-raid");
	assert_int_equal(alone->stack_count, 1);
	assert_true(stacked->stack_count > 1);
	for (int z = 3; z <= 10; z++) {
		assert_true(symbols_event_radius(alone, z) >= 7);
		assert_true(symbols_event_radius(stacked, z) > symbols_event_radius(alone, z));
		assert_true(symbols_event_radius(alone, z + 1) >= symbols_event_radius(alone, z));
	}
	/* A distinct colour per kind. */
	const geodata_kinds *kt = geodata_kinds_builtin();
	for (size_t i = 0; i < kt->count; i++)
		for (size_t j = i + 1; j < kt->count; j++) {
			double a[3], b[3];
			symbols_kind_color(&kt->kind[i], a);
			symbols_kind_color(&kt->kind[j], b);
			assert_true(fabs(a[0] - b[0]) + fabs(a[1] - b[1]) + fabs(a[2] - b[2]) >
			            0.15);
		}
}

/* Legend helpers draw something for every kind and status, and leave cairo healthy. */
static void test_legend_helpers(void **state)
{
	(void)state;
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 40, 40);
	for (size_t k = 0; k < geodata_kinds_builtin()->count; k++)
		for (int st = 0; st < GEODATA_STATUS_COUNT; st++) {
			cairo_t *cr = cairo_create(s);
			cairo_set_operator(cr, CAIRO_OPERATOR_CLEAR);
			cairo_paint(cr);
			cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
			symbols_draw_marker(cr, &geodata_kinds_builtin()->kind[k], st, 20, 20, 18);
			symbols_draw_status_swatch(cr, st, 2, 30, 36, 8);
			assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
			cairo_destroy(cr);
			cairo_surface_flush(s);
			const uint32_t *p = (const uint32_t *)cairo_image_surface_get_data(s);
			assert_true((p[20 * 40 + 20] >> 24) > 200); /* the marker's centre */
			int swatch = 0;
			for (int y = 30; y < 38; y++)
				for (int x = 2; x < 38; x++)
					swatch += (p[y * 40 + x] >> 24) > 100;
			assert_true(swatch > 20);
		}
	cairo_surface_destroy(s);
}

/* The status table: every status has its words and a treatment of its own. */
static void test_status_table(void **state)
{
	(void)state;
	for (int a = 0; a < GEODATA_STATUS_COUNT; a++) {
		const geodata_status_info *s = geodata_status_get((geodata_event_status)a);
		assert_string_equal(s->name, geodata_event_status_name((geodata_event_status)a));
		assert_true(*s->color);
		/* Every language's table has every word (none falls back to English by accident). */
		for (const char *const *l = (const char *const[]){"en", "es", NULL}; *l; l++) {
			geodata_status_words w = geodata_status_words_get((geodata_event_status)a, *l);
			assert_true(geodata_status_lang_known(*l));
			assert_true(*w.label && *w.words && *w.legend && *w.legend_note &&
			            *w.count_one && *w.count_other);
		}
		for (int b = a + 1; b < GEODATA_STATUS_COUNT; b++) {
			const geodata_status_info *t = geodata_status_get((geodata_event_status)b);
			assert_string_not_equal(s->name, t->name);
			/* Two statuses never look alike. */
			assert_true(memcmp(&s->treatment, &t->treatment, sizeof s->treatment) != 0);
		}
	}
	assert_string_equal(geodata_status_get(GEODATA_STATUS_COUNT)->name, "unknown");
}

/* The glyph set: at least 16, each drawing ink and exported as SVG paths. */
static void test_glyph_set(void **state)
{
	(void)state;
	size_t n = tiles_glyph_count();
	assert_true(n >= 16);
	assert_null(tiles_glyph_name(n));
	assert_int_equal(tiles_glyph_find("nonesuch"), -1);
	enum { SIDE = 32 };
	unsigned char prev[SIDE * SIDE];
	for (size_t i = 0; i < n; i++) {
		const char *name = tiles_glyph_name(i);
		assert_int_equal(tiles_glyph_find(name), (long)i);
		cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_A8, SIDE, SIDE);
		cairo_t *cr = cairo_create(sf);
		cairo_translate(cr, SIDE / 2.0, SIDE / 2.0);
		cairo_scale(cr, SIDE, SIDE);
		glyph_draw(cr, name);
		assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
		cairo_destroy(cr);
		cairo_surface_flush(sf);
		const unsigned char *d = cairo_image_surface_get_data(sf);
		int stride = cairo_image_surface_get_stride(sf), ink = 0, differ = 0;
		for (int y = 0; y < SIDE; y++)
			for (int x = 0; x < SIDE; x++) {
				ink += d[y * stride + x] > 128;
				differ += i && abs(d[y * stride + x] - prev[y * SIDE + x]) > 128;
				prev[y * SIDE + x] = d[y * stride + x];
			}
		cairo_surface_destroy(sf);
		if (ink < 10 || (i && differ < 10))
			fail_msg("glyph %s: %d inked pixels, %d differ from the previous", name, ink,
			         differ);
		tiles_glyph_path *paths;
		size_t np;
		assert_int_equal(tiles_glyph_svg(name, &paths, &np), 0);
		assert_true(np > 0);
		for (size_t k = 0; k < np; k++)
			assert_true(paths[k].d[0] == 'M' && strlen(paths[k].d) > 8);
		tiles_glyph_svg_free(paths, np);
	}
	tiles_glyph_path *none;
	size_t nn;
	assert_int_equal(tiles_glyph_svg("nonesuch", &none, &nn), TILE_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status_table),
	    cmocka_unit_test(test_glyph_set),
	    cmocka_unit_test(test_area_status_treatments),
	    cmocka_unit_test(test_marker_status_treatments),
	    cmocka_unit_test(test_article_zones),
	    cmocka_unit_test(test_region_stipple),
	    cmocka_unit_test(test_until_filter),
	    cmocka_unit_test(test_seamless_across_tiles),
	    cmocka_unit_test(test_labels),
	    cmocka_unit_test(test_status_distinct_in_greyscale),
	    cmocka_unit_test(test_radius_and_colours),
	    cmocka_unit_test(test_legend_helpers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
