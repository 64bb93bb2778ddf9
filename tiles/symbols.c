/* symbols.c: the article's events on the map: areas, distance lines, symbols, by kind and status.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "private.h"

/* Spacing of hypothetical hatching, logical pixels. */
#define HATCH_STEP 6.0
/* Points along a geodesic distance line: smooth at zoom 10 over 2,000 km. */
#define GEODESIC_POINTS 96
/* Co-located symbols gather in a cluster; beyond this many they are not drawn apart. */
#define MAX_CLUSTER 8

/*
 * One hue per kind, dark enough to read on pale beige land and pale blue
 * sea: reds and oranges for strikes, purple for diplomacy, and so on.
 */
static const double KIND_RGB[GEODATA_KIND_COUNT][3] = {
    [GEODATA_KIND_STRIKE_ZONE] = {0.776, 0.157, 0.157},    /* red */
    [GEODATA_KIND_BOAT_STRIKE] = {0.851, 0.396, 0.035},    /* orange */
    [GEODATA_KIND_RAID] = {0.576, 0.086, 0.243},           /* crimson */
    [GEODATA_KIND_THREAT] = {0.722, 0.490, 0.000},         /* amber */
    [GEODATA_KIND_DIPLOMATIC] = {0.420, 0.239, 0.604},     /* purple */
    [GEODATA_KIND_STAGING_BASE] = {0.165, 0.306, 0.494},   /* slate blue */
    [GEODATA_KIND_PUBLIC_OPINION] = {0.000, 0.475, 0.420}, /* teal */
    [GEODATA_KIND_OTHER] = {0.376, 0.376, 0.400},          /* grey */
};

static const double NEUTRAL[3] = {0.25, 0.25, 0.28};

void symbols_kind_color(geodata_event_kind kind, double rgb[3])
{
	const double *c = (unsigned)kind < GEODATA_KIND_COUNT ? KIND_RGB[kind] : NEUTRAL;
	rgb[0] = c[0], rgb[1] = c[1], rgb[2] = c[2];
}

static void set_rgba(cairo_t *cr, const double rgb[3], double a)
{
	cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], a);
}

/* Symbol diameter in logical pixels: readable at zoom 3, not bulky at zoom 10. */
static double symbol_size(int zoom)
{
	double s = 14 + (zoom - 3) * 1.5;
	return s < 14 ? 14 : s > 22 ? 22 : s;
}

static int is_area(const geodata_event *e)
{
	return e->ngeoms > 0 && e->lonlat[0].type == GEODATA_GEOM_POLYGON;
}

double symbols_event_radius(const geodata_event *e, int zoom)
{
	(void)e;
	/* The white ring around every symbol adds a pixel and a half. */
	return symbol_size(zoom) / 2 + 1.5;
}

/* ---- status treatments ------------------------------------------------------------- */

typedef enum line_style { LINE_SOLID, LINE_DASHED, LINE_DOTTED, LINE_DASHDOT } line_style;

static line_style status_line(geodata_event_status s)
{
	switch (s) {
	case GEODATA_STATUS_CLAIMED:
	case GEODATA_STATUS_THREATENED:
		return LINE_DASHED;
	case GEODATA_STATUS_HYPOTHETICAL:
		return LINE_DOTTED;
	case GEODATA_STATUS_DISPUTED:
		return LINE_DASHDOT;
	default:
		return LINE_SOLID;
	}
}

/* Dash lengths grow with the line so that a dashed edge never reads as solid. */
static void set_dash(cairo_t *cr, line_style st, double width)
{
	double u = width < 1 ? 1 : width;
	switch (st) {
	case LINE_DASHED: {
		double d[] = {4.5 * u, 2.8 * u};
		cairo_set_dash(cr, d, 2, 0);
		cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
		break;
	}
	case LINE_DOTTED: {
		double d[] = {0.01, 2.4 * u};
		cairo_set_dash(cr, d, 2, 0);
		cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
		break;
	}
	case LINE_DASHDOT: {
		double d[] = {5 * u, 2 * u, 0.01, 2 * u};
		cairo_set_dash(cr, d, 4, 0);
		cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
		break;
	}
	default:
		cairo_set_dash(cr, NULL, 0, 0);
		cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
	}
}

/*
 * Diagonal hatching over the clip region. Lines satisfy gx + gy = k * step
 * in the global pixel grid given by (gx0, gy0), the global position of the
 * user-space origin: with the map's origin, hatching runs on across tile
 * edges; with a symbol's centre, it sits the same in every tile.
 */
static void hatch_clip(cairo_t *cr, double gx0, double gy0, double step, double width)
{
	double x1, y1, x2, y2;
	cairo_clip_extents(cr, &x1, &y1, &x2, &y2);
	if (!(x2 > x1) || !(y2 > y1))
		return;
	double phase = fmod(gx0 + gy0, step);
	double kmin = floor((x1 + y1 + phase) / step) - 1,
	       kmax = ceil((x2 + y2 + phase) / step) + 1;
	if (kmax - kmin > 20000)
		return; /* absurd extents: nothing sensible to hatch */
	cairo_new_path(cr);
	for (double k = kmin; k <= kmax; k++) {
		double c = k * step - phase;
		cairo_move_to(cr, x1 - 1, c - (x1 - 1));
		cairo_line_to(cr, x2 + 1, c - (x2 + 1));
	}
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_set_line_width(cr, width);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
	cairo_stroke(cr);
}

/* A question mark drawn as a path, so the disputed badge needs no font. */
static void question_mark(cairo_t *cr, double x, double y, double h)
{
	double r = h * 0.2;
	cairo_new_sub_path(cr);
	cairo_arc(cr, x, y - h * 0.17, r, M_PI * 1.05, M_PI * 2.25);
	cairo_line_to(cr, x, y + h * 0.1);
	cairo_set_line_width(cr, h * 0.13);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_stroke(cr);
	cairo_arc(cr, x, y + h * 0.31, h * 0.075, 0, 2 * M_PI);
	cairo_fill(cr);
}

/* The disputed mark: a small white badge with a dark '?', up and right of a symbol. */
static void disputed_badge(cairo_t *cr, double x, double y, double size)
{
	double r = size * 0.27;
	cairo_new_path(cr);
	cairo_arc(cr, x, y, r, 0, 2 * M_PI);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, NEUTRAL[0], NEUTRAL[1], NEUTRAL[2]);
	cairo_set_line_width(cr, fmax(1, size * 0.06));
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_stroke(cr);
	question_mark(cr, x, y, r * 1.7);
}

/* ---- glyphs, in a unit box centred on the symbol --------------------------------------- */

static void glyph_boat(cairo_t *cr)
{
	cairo_move_to(cr, -0.34, 0.06);
	cairo_line_to(cr, 0.34, 0.06);
	cairo_line_to(cr, 0.22, 0.24);
	cairo_line_to(cr, -0.22, 0.24);
	cairo_close_path(cr);
	cairo_move_to(cr, -0.02, 0.02);
	cairo_line_to(cr, -0.02, -0.32);
	cairo_line_to(cr, 0.24, 0.02);
	cairo_close_path(cr);
	cairo_fill(cr);
}

static void glyph_crosshair(cairo_t *cr)
{
	cairo_set_line_width(cr, 0.085);
	cairo_arc(cr, 0, 0, 0.23, 0, 2 * M_PI);
	cairo_stroke(cr);
	const double t[4][4] = {
	    {0, -0.4, 0, -0.1}, {0, 0.1, 0, 0.4}, {-0.4, 0, -0.1, 0}, {0.1, 0, 0.4, 0}};
	for (int i = 0; i < 4; i++) {
		cairo_move_to(cr, t[i][0], t[i][1]);
		cairo_line_to(cr, t[i][2], t[i][3]);
	}
	cairo_stroke(cr);
	cairo_arc(cr, 0, 0, 0.05, 0, 2 * M_PI);
	cairo_fill(cr);
}

/* A strike zone in small: an outlined irregular area with hatching. */
static void glyph_zone(cairo_t *cr)
{
	cairo_move_to(cr, -0.3, -0.18);
	cairo_line_to(cr, 0.2, -0.3);
	cairo_line_to(cr, 0.32, 0.16);
	cairo_line_to(cr, -0.18, 0.3);
	cairo_close_path(cr);
	cairo_save(cr);
	cairo_clip_preserve(cr);
	cairo_set_line_width(cr, 0.07);
	for (double c = -0.6; c <= 0.6; c += 0.2) {
		cairo_move_to(cr, -0.5, c + 0.5);
		cairo_line_to(cr, 0.5, c - 0.5);
	}
	cairo_stroke(cr);
	cairo_restore(cr);
	cairo_move_to(cr, -0.3, -0.18);
	cairo_line_to(cr, 0.2, -0.3);
	cairo_line_to(cr, 0.32, 0.16);
	cairo_line_to(cr, -0.18, 0.3);
	cairo_close_path(cr);
	cairo_set_line_width(cr, 0.09);
	cairo_stroke(cr);
}

/* An aircraft seen from above: the base's reason to be on this map. */
static void glyph_plane(cairo_t *cr)
{
	static const double p[][2] = {
	    {0, -0.38},    {0.055, -0.3},   {0.055, -0.08}, {0.36, 0.08},   {0.36, 0.15},
	    {0.055, 0.06}, {0.055, 0.22},   {0.15, 0.3},    {0.15, 0.35},   {0, 0.3},
	    {-0.15, 0.35}, {-0.15, 0.3},    {-0.055, 0.22}, {-0.055, 0.06}, {-0.36, 0.15},
	    {-0.36, 0.08}, {-0.055, -0.08}, {-0.055, -0.3}};
	cairo_move_to(cr, p[0][0], p[0][1]);
	for (size_t i = 1; i < sizeof p / sizeof p[0]; i++)
		cairo_line_to(cr, p[i][0], p[i][1]);
	cairo_close_path(cr);
	cairo_fill(cr);
}

static void rounded_rect(cairo_t *cr, double x, double y, double w, double h, double r)
{
	cairo_new_sub_path(cr);
	cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
	cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
	cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
	cairo_arc(cr, x + r, y + r, r, M_PI, 1.5 * M_PI);
	cairo_close_path(cr);
}

static void glyph_speech(cairo_t *cr)
{
	rounded_rect(cr, -0.32, -0.27, 0.64, 0.4, 0.1);
	cairo_fill(cr);
	cairo_move_to(cr, -0.14, 0.1);
	cairo_line_to(cr, -0.2, 0.3);
	cairo_line_to(cr, 0.04, 0.1);
	cairo_close_path(cr);
	cairo_fill(cr);
}

static void glyph_bars(cairo_t *cr)
{
	const double h[3] = {0.26, 0.46, 0.34};
	for (int i = 0; i < 3; i++)
		cairo_rectangle(cr, -0.27 + i * 0.19, 0.24 - h[i], 0.14, h[i]);
	cairo_fill(cr);
	cairo_set_line_width(cr, 0.06);
	cairo_move_to(cr, -0.33, 0.27);
	cairo_line_to(cr, 0.33, 0.27);
	cairo_stroke(cr);
}

static void glyph_exclamation(cairo_t *cr)
{
	cairo_move_to(cr, -0.075, -0.33);
	cairo_line_to(cr, 0.075, -0.33);
	cairo_line_to(cr, 0.045, 0.09);
	cairo_line_to(cr, -0.045, 0.09);
	cairo_close_path(cr);
	cairo_fill(cr);
	cairo_arc(cr, 0, 0.23, 0.075, 0, 2 * M_PI);
	cairo_fill(cr);
}

static void glyph(cairo_t *cr, geodata_event_kind kind)
{
	switch (kind) {
	case GEODATA_KIND_BOAT_STRIKE:
		glyph_boat(cr);
		break;
	case GEODATA_KIND_RAID:
		glyph_crosshair(cr);
		break;
	case GEODATA_KIND_STRIKE_ZONE:
		glyph_zone(cr);
		break;
	case GEODATA_KIND_STAGING_BASE:
		glyph_plane(cr);
		break;
	case GEODATA_KIND_DIPLOMATIC:
		glyph_speech(cr);
		break;
	case GEODATA_KIND_PUBLIC_OPINION:
		glyph_bars(cr);
		break;
	case GEODATA_KIND_THREAT:
		glyph_exclamation(cr);
		break;
	default:
		cairo_arc(cr, 0, 0, 0.15, 0, 2 * M_PI);
		cairo_fill(cr);
	}
}

/*
 * A symbol: a disc carrying the kind's glyph. Confirmed and reported events
 * are solid discs; claimed and threatened ones hollow with a dashed ring;
 * hypothetical ones hatched with a dotted ring; disputed ones solid with a
 * '?' badge.
 */
void symbols_draw_marker(cairo_t *cr, geodata_event_kind kind, geodata_event_status status,
                         double x, double y, double size)
{
	double rgb[3], r = size / 2;
	symbols_kind_color(kind, rgb);
	line_style st = status_line(status);
	int solid = st == LINE_SOLID || st == LINE_DASHDOT;
	cairo_save(cr);
	cairo_new_path(cr);
	/* A white ring keeps the symbol apart from whatever lies under it. */
	cairo_arc(cr, x, y, r + 1.5, 0, 2 * M_PI);
	cairo_set_source_rgba(cr, 1, 1, 1, 0.95);
	cairo_fill(cr);
	cairo_arc(cr, x, y, r, 0, 2 * M_PI);
	if (solid) {
		set_rgba(cr, rgb, 1);
		cairo_fill(cr);
	} else {
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_fill_preserve(cr);
		if (status == GEODATA_STATUS_HYPOTHETICAL) {
			cairo_save(cr);
			cairo_clip_preserve(cr);
			set_rgba(cr, rgb, 0.4);
			hatch_clip(cr, -x, -y, size / 4.5, fmax(0.8, size / 20));
			cairo_restore(cr);
		}
		cairo_new_path(cr);
		double w = fmax(1.4, size / 10);
		cairo_arc(cr, x, y, r - w / 2, 0, 2 * M_PI);
		set_rgba(cr, rgb, 1);
		cairo_set_line_width(cr, w);
		/* Dash units fitted to the circumference, so the ring closes evenly. */
		if (st == LINE_DASHED) {
			double c = 2 * M_PI * (r - w / 2), u = c / 10;
			double d[] = {u * 0.62, u * 0.38};
			cairo_set_dash(cr, d, 2, 0);
		} else {
			double c = 2 * M_PI * (r - w / 2), u = c / 14;
			double d[] = {0.01, u};
			cairo_set_dash(cr, d, 2, 0);
			cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
		}
		cairo_stroke(cr);
		cairo_set_dash(cr, NULL, 0, 0);
	}
	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_scale(cr, size, size);
	if (solid)
		cairo_set_source_rgb(cr, 1, 1, 1);
	else
		set_rgba(cr, rgb, 1);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	glyph(cr, kind);
	cairo_restore(cr);
	if (status == GEODATA_STATUS_DISPUTED)
		disputed_badge(cr, x + r * 0.78, y - r * 0.78, size);
	cairo_restore(cr);
}

void symbols_draw_status_swatch(cairo_t *cr, geodata_event_status status, double x, double y,
                                double w, double h)
{
	line_style st = status_line(status);
	cairo_save(cr);
	cairo_new_path(cr);
	cairo_rectangle(cr, x + 1, y + 1, w - 2, h - 2);
	if (status == GEODATA_STATUS_HYPOTHETICAL) {
		cairo_save(cr);
		cairo_clip_preserve(cr);
		set_rgba(cr, NEUTRAL, 0.55);
		hatch_clip(cr, 0, 0, 5, 1);
		cairo_restore(cr);
		cairo_new_path(cr);
		cairo_rectangle(cr, x + 1, y + 1, w - 2, h - 2);
	} else {
		set_rgba(cr, NEUTRAL, 0.16);
		cairo_fill_preserve(cr);
	}
	set_rgba(cr, NEUTRAL, 1);
	cairo_set_line_width(cr, 1.6);
	set_dash(cr, st, 1.2);
	cairo_stroke(cr);
	cairo_set_dash(cr, NULL, 0, 0);
	if (status == GEODATA_STATUS_DISPUTED)
		disputed_badge(cr, x + w - 2, y + 2, fmin(h, 16));
	cairo_restore(cr);
}

/* ---- labels ------------------------------------------------------------------------------ */

/* Appends without cutting a UTF-8 sequence in half, so pango never sees broken text. */
static void append(char *buf, size_t n, const char *s)
{
	size_t used = strlen(buf), len = strlen(s);
	if (used + 1 >= n)
		return;
	if (used + len + 1 > n) {
		len = n - used - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(buf + used, s, len);
	buf[used + len] = 0;
}

static int says_at_least(const char *s)
{
	for (; s && *s; s++)
		if (!strncasecmp(s, "at least", 8))
			return 1;
	return 0;
}

void symbols_event_label(const geodata_event *e, char *buf, size_t n)
{
	if (!n)
		return;
	buf[0] = 0;
	append(buf, n, e->title ? e->title : "");
	if (e->count >= 0) {
		/* "at least 35" becomes "35+": the count is a floor, not a tally. */
		char c[64];
		int floor = says_at_least(e->source) || says_at_least(e->summary);
		snprintf(c, sizeof c, " (%ld%s%s)", e->count, floor ? "+" : "",
		         e->kind == GEODATA_KIND_BOAT_STRIKE ? " boats" : "");
		append(buf, n, c);
	}
	if (e->status == GEODATA_STATUS_HYPOTHETICAL)
		append(buf, n, " (hypothetical)");
}

/* ---- drawing on the map ------------------------------------------------------------------ */

static int meets(const geodata_bbox *a, const geodata_bbox *b)
{
	return a->minx <= b->maxx && b->minx <= a->maxx && a->miny <= b->maxy && b->miny <= a->maxy;
}

/* The box of the view, in EPSG:3857, grown by `px` logical pixels of margin. */
static geodata_bbox view_box(const render_ctx *ctx, double px)
{
	geodata_bbox q = ctx->query;
	if (!ctx->proj) {
		double m = px * ctx->res;
		q.minx -= m, q.miny -= m, q.maxx += m, q.maxy += m;
	}
	return q;
}

static int cairo_ok(cairo_t *cr)
{
	return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : TILE_ECAIRO;
}

static int draw_area(render_ctx *ctx, const geodata_event *e)
{
	cairo_t *cr = ctx->cr;
	double rgb[3];
	int rc;
	symbols_kind_color(e->kind, rgb);
	int zone = e->kind == GEODATA_KIND_STRIKE_ZONE;
	cairo_save(cr);
	cairo_new_path(cr);
	cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
	for (size_t i = 0; i < e->ngeoms; i++)
		if ((rc = render_path_geom(ctx, &e->merc[i], &e->lonlat[i]))) {
			cairo_restore(cr);
			return rc;
		}
	line_style st = status_line(e->status);
	/* Uncertainty areas are a light wash; zones a firmer tint. */
	set_rgba(cr, rgb, zone ? 0.14 : 0.09);
	cairo_fill_preserve(cr);
	if (e->status == GEODATA_STATUS_HYPOTHETICAL) {
		/* The path is not part of the saved state: keep a copy for the outline. */
		cairo_path_t *path = cairo_copy_path(cr);
		if (!path || path->status != CAIRO_STATUS_SUCCESS) {
			cairo_path_destroy(path);
			cairo_restore(cr);
			return TILE_ECAIRO;
		}
		cairo_save(cr);
		cairo_clip(cr);
		set_rgba(cr, rgb, 0.6);
		hatch_clip(cr, ctx->ox / ctx->res, -ctx->oy / ctx->res, HATCH_STEP, 1.1);
		cairo_restore(cr);
		cairo_new_path(cr);
		cairo_append_path(cr, path);
		cairo_path_destroy(path);
	} else if (zone) {
		cairo_save(cr);
		cairo_clip_preserve(cr);
		/* An inner band along the edge: the classic look of a designated zone. */
		set_rgba(cr, rgb, 0.22);
		cairo_set_line_width(cr, 7);
		cairo_set_dash(cr, NULL, 0, 0);
		cairo_stroke_preserve(cr);
		cairo_restore(cr);
	}
	/* A white casing under the edge keeps dashes legible over borders. */
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	double w = zone ? 2 : 1.4;
	cairo_set_source_rgba(cr, 1, 1, 1, 0.7);
	cairo_set_line_width(cr, w + 2);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_stroke_preserve(cr);
	set_rgba(cr, rgb, zone ? 1 : 0.85);
	cairo_set_line_width(cr, w);
	set_dash(cr, st, w);
	cairo_stroke(cr);
	cairo_restore(cr);
	return cairo_ok(cr);
}

/* "~1,350 km": geodesic distances between illustrative points are worth 50 km at best. */
static void format_km(double metres, char *buf, size_t n)
{
	long km = lround(metres / 50000.0) * 50;
	if (km < 50)
		km = lround(metres / 1000.0);
	if (km >= 1000)
		snprintf(buf, n, "~%ld,%03ld km", km / 1000, km % 1000);
	else
		snprintf(buf, n, "~%ld km", km);
}

static int draw_distance_label(render_ctx *ctx, const char *text, double x, double y, double angle,
                               double rgb[3])
{
	cairo_t *cr = ctx->cr;
	PangoLayout *lay = pango_cairo_create_layout(cr);
	if (!lay)
		return TILE_ECAIRO;
	render_font_options(cr, pango_layout_get_context(lay));
	pango_cairo_update_layout(cr, lay);
	PangoFontDescription *fd = pango_font_description_from_string(TILE_FONT_FAMILY);
	pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
	pango_font_description_set_absolute_size(fd, 10.5 * PANGO_SCALE);
	pango_layout_set_font_description(lay, fd);
	pango_font_description_free(fd);
	pango_layout_set_text(lay, text, -1);
	PangoRectangle ink, logical;
	pango_layout_get_pixel_extents(lay, &ink, &logical);
	/* Upright text: a line drawn right to left still reads left to right. */
	if (angle > M_PI / 2)
		angle -= M_PI;
	else if (angle < -M_PI / 2)
		angle += M_PI;
	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_rotate(cr, angle);
	/* Just above the line, centred on its middle. */
	cairo_move_to(cr, -logical.width / 2.0, -logical.height - 1.5);
	pango_cairo_layout_path(cr, lay);
	cairo_set_source_rgba(cr, 1, 1, 1, 0.92);
	cairo_set_line_width(cr, 3);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_stroke(cr);
	cairo_move_to(cr, -logical.width / 2.0, -logical.height - 1.5);
	set_rgba(cr, rgb, 1);
	pango_cairo_show_layout(cr, lay);
	cairo_restore(cr);
	g_object_unref(lay);
	return cairo_ok(cr);
}

/* The geodesic from a staging base to a strike zone, dashed, with its length in km. */
static int draw_distance(render_ctx *ctx, const geodata_event *base, const geodata_event *zone)
{
	double ll[2 * GEODESIC_POINTS], px[2 * GEODESIC_POINTS];
	if (!ctx->proj) {
		/* Cheap rejection first: the geodesic stays near the box of its ends. */
		geodata_bbox b = {
		    fmin(base->anchor_x, zone->anchor_x), fmin(base->anchor_y, zone->anchor_y),
		    fmax(base->anchor_x, zone->anchor_x), fmax(base->anchor_y, zone->anchor_y)};
		double grow = 0.25 * fmax(b.maxx - b.minx, b.maxy - b.miny) + 80 * ctx->res;
		b.minx -= grow, b.miny -= grow, b.maxx += grow, b.maxy += grow;
		geodata_bbox v = view_box(ctx, 0);
		if (!meets(&b, &v))
			return 0;
	}
	geodata_geodesic_line(base->anchor_lon, base->anchor_lat, zone->anchor_lon,
	                      zone->anchor_lat, ll, GEODESIC_POINTS);
	double metres = geodata_geodesic_inverse(base->anchor_lon, base->anchor_lat,
	                                         zone->anchor_lon, zone->anchor_lat, NULL);
	for (int i = 0; i < GEODESIC_POINTS; i++)
		if (render_lonlat_to_px(ctx, ll[2 * i], ll[2 * i + 1], &px[2 * i], &px[2 * i + 1]))
			return 0; /* not drawable in this projection: leave it out rather than lie
			           */
	double x1 = px[0], y1 = px[1], x2 = px[0], y2 = px[1];
	for (int i = 1; i < GEODESIC_POINTS; i++) {
		x1 = fmin(x1, px[2 * i]), x2 = fmax(x2, px[2 * i]);
		y1 = fmin(y1, px[2 * i + 1]), y2 = fmax(y2, px[2 * i + 1]);
	}
	const double margin = 60; /* room for the km text beside the line */
	if (x2 < -margin || y2 < -margin || x1 > ctx->width + margin || y1 > ctx->height + margin)
		return 0;
	cairo_t *cr = ctx->cr;
	double rgb[3];
	symbols_kind_color(GEODATA_KIND_STAGING_BASE, rgb);
	cairo_save(cr);
	cairo_new_path(cr);
	cairo_move_to(cr, px[0], px[1]);
	for (int i = 1; i < GEODESIC_POINTS; i++)
		cairo_line_to(cr, px[2 * i], px[2 * i + 1]);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_source_rgba(cr, 1, 1, 1, 0.75);
	cairo_set_line_width(cr, 3.6);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_stroke_preserve(cr);
	set_rgba(cr, rgb, 1);
	cairo_set_line_width(cr, 1.6);
	double d[] = {6, 4};
	cairo_set_dash(cr, d, 2, 0);
	cairo_stroke(cr);
	cairo_restore(cr);
	/* The text sits at the middle of the line's drawn length, turned along it. */
	int mid = GEODESIC_POINTS / 2;
	double mx = (px[2 * (mid - 1)] + px[2 * mid]) / 2,
	       my = (px[2 * (mid - 1) + 1] + px[2 * mid + 1]) / 2;
	double ang =
	    atan2(px[2 * mid + 1] - px[2 * (mid - 1) + 1], px[2 * mid] - px[2 * (mid - 1)]);
	char text[32];
	format_km(metres, text, sizeof text);
	return draw_distance_label(ctx, text, mx, my, ang, rgb);
}

typedef struct placed {
	size_t event;
	double x, y; /* where the symbol goes, logical pixels */
	double size;
} placed;

/*
 * Symbols of events at (nearly) the same place are drawn side by side around
 * the first one's anchor instead of on top of each other. Grouping looks at
 * every visible event, in file order, so every tile groups alike.
 */
static size_t place_symbols(render_ctx *ctx, const geodata_events *ev, placed *out, size_t cap)
{
	double s = symbol_size(ctx->zoom);
	size_t n = 0;
	for (size_t i = 0; i < geodata_events_count(ev) && n < cap; i++) {
		const geodata_event *e = geodata_events_get(ev, i);
		if (!geodata_event_visible(e, ctx->until))
			continue;
		double x, y;
		if (!ctx->proj)
			render_merc_to_px(ctx, e->anchor_x, e->anchor_y, &x, &y);
		else if (render_lonlat_to_px(ctx, e->anchor_lon, e->anchor_lat, &x, &y))
			continue;
		out[n++] = (placed){i, x, y, s};
	}
	int *group = calloc(n ? n : 1, sizeof *group);
	if (!group)
		return n;
	for (size_t i = 0; i < n; i++)
		group[i] = -1;
	for (size_t i = 0; i < n; i++) {
		if (group[i] >= 0)
			continue;
		size_t members[MAX_CLUSTER], m = 0;
		members[m++] = i;
		group[i] = (int)i;
		for (size_t j = i + 1; j < n && m < MAX_CLUSTER; j++)
			if (group[j] < 0 &&
			    hypot(out[j].x - out[i].x, out[j].y - out[i].y) < s * 0.8) {
				group[j] = (int)i;
				members[m++] = j;
			}
		if (m == 1)
			continue;
		/* Smaller symbols, on a ring around the shared anchor, first member on the left. */
		double size = s * 0.8, ring = size * (m == 2 ? 0.55 : m <= 4 ? 0.68 : 0.9);
		double cx = out[i].x, cy = out[i].y;
		for (size_t k = 0; k < m; k++) {
			double a =
			    M_PI + 2 * M_PI * (double)k / (double)m + (m == 4 ? M_PI / 4 : 0);
			if (m == 3)
				a = -M_PI / 2 + 2 * M_PI * (double)k / 3 + M_PI / 3;
			out[members[k]].x = cx + ring * cos(a);
			out[members[k]].y = cy + ring * sin(a);
			out[members[k]].size = size;
		}
	}
	free(group);
	return n;
}

int symbols_draw_events(render_ctx *ctx, const geodata_events *ev)
{
	cairo_t *cr = ctx->cr;
	size_t n = geodata_events_count(ev);
	int rc = 0;
	if (!n)
		return 0;
	geodata_bbox areas = view_box(ctx, 8);

	/* Areas first: zones and areas of uncertainty under everything else. */
	for (size_t i = 0; i < n; i++) {
		const geodata_event *e = geodata_events_get(ev, i);
		if (!geodata_event_visible(e, ctx->until) || !is_area(e) ||
		    !meets(&e->merc_bbox, &areas))
			continue;
		if ((rc = draw_area(ctx, e)))
			return rc;
	}

	/* Then distance lines from each staging base to each strike zone. */
	for (size_t i = 0; i < n; i++) {
		const geodata_event *b = geodata_events_get(ev, i);
		if (b->kind != GEODATA_KIND_STAGING_BASE || !geodata_event_visible(b, ctx->until))
			continue;
		for (size_t j = 0; j < n; j++) {
			const geodata_event *z = geodata_events_get(ev, j);
			if (z->kind != GEODATA_KIND_STRIKE_ZONE ||
			    !geodata_event_visible(z, ctx->until))
				continue;
			if ((rc = draw_distance(ctx, b, z)))
				return rc;
		}
	}

	/* Point events with only a region for a place get a faint halo: somewhere about here. */
	placed *pl = malloc(n * sizeof *pl);
	if (!pl)
		return TILE_ENOMEM;
	size_t np = place_symbols(ctx, ev, pl, n);
	double margin = symbol_size(ctx->zoom) * 2;
	for (size_t k = 0; k < np; k++) {
		const geodata_event *e = geodata_events_get(ev, pl[k].event);
		if (pl[k].x < -margin || pl[k].y < -margin || pl[k].x > ctx->width + margin ||
		    pl[k].y > ctx->height + margin)
			continue;
		if (e->geo_precision == GEODATA_PRECISION_REGION && !is_area(e)) {
			double rgb[3];
			symbols_kind_color(e->kind, rgb);
			cairo_new_path(cr);
			cairo_arc(cr, pl[k].x, pl[k].y, pl[k].size * 1.25, 0, 2 * M_PI);
			set_rgba(cr, rgb, 0.14);
			cairo_fill(cr);
		}
	}
	for (size_t k = 0; k < np; k++) {
		const geodata_event *e = geodata_events_get(ev, pl[k].event);
		if (pl[k].x < -margin || pl[k].y < -margin || pl[k].x > ctx->width + margin ||
		    pl[k].y > ctx->height + margin)
			continue;
		symbols_draw_marker(cr, e->kind, e->status, pl[k].x, pl[k].y, pl[k].size);
	}
	free(pl);
	return cairo_ok(cr);
}
