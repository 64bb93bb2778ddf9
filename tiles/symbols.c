/* symbols.c: the article's events on the map (areas, distance lines, symbols) by kind and status.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "private.h"

/* Spacing of hypothetical hatching, logical pixels. */
#define HATCH_STEP 6.0
/* Spacing of the dots over areas of uncertainty. */
#define STIPPLE_STEP 9.0
/* Co-located symbols gather in a cluster; beyond this many they are not drawn apart. */
#define MAX_CLUSTER 8

static const double NEUTRAL[3] = {0.25, 0.25, 0.28};

/* The key of a status in legends: a grey dot, no kind of any briefing. */
static const geodata_kind LEGEND_KIND = {.id = "", .label = "", .glyph = "dot",
                                         .color = "#606066", .rgb = {0.376, 0.376, 0.400}};

void symbols_kind_color(const geodata_kind *kind, double rgb[3])
{
	const double *c = kind ? kind->rgb : NEUTRAL;
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

/* Distance from a stack's shared anchor to the centre of each of its symbols. */
static double stack_ring(uint32_t count, double size)
{
	if (count <= 1)
		return 0;
	/* Neighbouring symbols one white ring apart on a circle. */
	double chord = size + 2;
	return count == 2 ? chord / 2 : chord / (2 * sin(M_PI / count));
}

static void stack_offset(const geodata_event *e, double size, double *dx, double *dy)
{
	uint32_t n = e->stack_count ? e->stack_count : 1;
	double r = stack_ring(n, size);
	/* First member on the left, then clockwise: the same fan in every tile. */
	double a = M_PI + 2 * M_PI * e->stack_index / n + (n == 4 ? M_PI / 4 : 0);
	if (n == 3)
		a = M_PI / 2 + 2 * M_PI * e->stack_index / 3 + M_PI / 3;
	*dx = n > 1 ? r * cos(a) : 0;
	*dy = n > 1 ? r * sin(a) : 0;
}

double symbols_event_radius(const geodata_event *e, int zoom)
{
	double size = symbol_size(zoom);
	/* The whole fan of a stack, and the white ring around every symbol. */
	return stack_ring(e ? e->stack_count : 1, size) + size / 2 + 1.5;
}

/* ---- status treatments ------------------------------------------------------------- */

static geodata_line status_line(geodata_event_status s)
{
	return geodata_status_get(s)->treatment.line;
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

/*
 * Dots on a staggered grid of the global pixel space, over the clip region:
 * like the hatching, they line up across tile edges.
 */
/*
 * One period of the stipple (step x 2 steps of the global grid) as a repeating image, for
 * an image target whose device pixels are a whole number of them per period: painting it
 * gives the dots of stipple_clip without filling hundreds of discs through the clip. Where
 * the grid's origin falls between device pixels (a sheet's map), the period is drawn with
 * that same fraction, so that every dot keeps the coverage it would have had.
 * Returns 1 when painted, 0 when the target does not qualify, and the caller fills instead.
 */
static int stipple_paint(cairo_t *cr, double gx0, double gy0, double step, double radius)
{
	cairo_matrix_t m;
	cairo_get_matrix(cr, &m);
	double sc = m.xx, tw = step * sc, th = 2 * step * sc;
	double ox = m.x0 - gx0 * sc, oy = m.y0 - gy0 * sc; /* the grid's origin, device pixels */
	/* A tile's origin is a whole pixel up to the rounding of its extent in metres. */
	if (fabs(ox - round(ox)) < 1e-6)
		ox = round(ox);
	if (fabs(oy - round(oy)) < 1e-6)
		oy = round(oy);
	if (cairo_surface_get_type(cairo_get_target(cr)) != CAIRO_SURFACE_TYPE_IMAGE ||
	    m.xy != 0 || m.yx != 0 || m.yy != sc || !(sc >= 1 && sc <= 4) || tw != floor(tw) ||
	    !isfinite(ox) || !isfinite(oy) || fabs(ox) > 1e9 || fabs(oy) > 1e9)
		return 0;
	double ix = floor(ox), iy = floor(oy);
	cairo_surface_t *t = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)tw, (int)th);
	cairo_t *tc = cairo_create(t);
	cairo_set_source(tc, cairo_get_source(cr));
	cairo_set_antialias(tc, cairo_get_antialias(cr));
	cairo_translate(tc, ox - ix, oy - iy);
	cairo_scale(tc, sc, sc);
	/* Each dot with its copies one period away, so that dots on the period's edges wrap. */
	for (int r = -1; r <= 3; r++)
		for (int c = -1; c <= 1; c++) {
			double x = c * step + (r % 2 ? step / 2 : 0), y = r * step;
			cairo_move_to(tc, x + radius, y);
			cairo_arc(tc, x, y, radius, 0, 2 * M_PI);
		}
	cairo_fill(tc);
	int ok = cairo_status(tc) == CAIRO_STATUS_SUCCESS;
	cairo_destroy(tc);
	cairo_surface_flush(t);
	cairo_pattern_t *p = cairo_pattern_create_for_surface(t);
	cairo_surface_destroy(t);
	cairo_matrix_t pm;
	/* User space to the period's pixels: device pixels counted from the period's corner. */
	cairo_matrix_init(&pm, sc, 0, 0, sc, m.x0 - ix, m.y0 - iy);
	cairo_pattern_set_matrix(p, &pm);
	cairo_pattern_set_extend(p, CAIRO_EXTEND_REPEAT);
	cairo_pattern_set_filter(p, CAIRO_FILTER_NEAREST);
	if (ok && cairo_pattern_status(p) == CAIRO_STATUS_SUCCESS) {
		cairo_save(cr);
		cairo_set_source(cr, p);
		cairo_paint(cr);
		cairo_restore(cr);
	}
	cairo_pattern_destroy(p);
	return ok;
}

static void stipple_clip(cairo_t *cr, double gx0, double gy0, double step, double radius)
{
	double x1, y1, x2, y2;
	cairo_clip_extents(cr, &x1, &y1, &x2, &y2);
	if (!(x2 > x1) || !(y2 > y1) || (x2 - x1) * (y2 - y1) > 1e8)
		return;
	if (stipple_paint(cr, gx0, gy0, step, radius))
		return;
	cairo_new_path(cr);
	double row0 = floor((y1 + gy0) / step) - 1, row1 = ceil((y2 + gy0) / step) + 1;
	for (double r = row0; r <= row1; r++) {
		double y = r * step - gy0;
		/* Every other row shifted by half a step. */
		double shift = fmod(r, 2) != 0 ? step / 2 : 0;
		double c0 = floor((x1 + gx0 - shift) / step) - 1,
		       c1 = ceil((x2 + gx0 - shift) / step) + 1;
		for (double c = c0; c <= c1; c++) {
			double x = c * step + shift - gx0;
			cairo_move_to(cr, x + radius, y);
			cairo_arc(cr, x, y, radius, 0, 2 * M_PI);
		}
	}
	cairo_fill(cr);
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

/* The outline of a marker: a diamond for threats, a disc for everything else. */
static void marker_shape(cairo_t *cr, geodata_event_status status, double x, double y, double r)
{
	cairo_new_path(cr);
	if (geodata_status_get(status)->treatment.shape == GEODATA_SHAPE_DIAMOND) {
		double d = r * 1.18;
		cairo_move_to(cr, x, y - d);
		cairo_line_to(cr, x + d, y);
		cairo_line_to(cr, x, y + d);
		cairo_line_to(cr, x - d, y);
		cairo_close_path(cr);
	} else {
		cairo_arc(cr, x, y, r, 0, 2 * M_PI);
	}
}

/*
 * A symbol carrying the kind's glyph, its status readable without colour:
 * confirmed a solid disc; reported a solid disc with a white inner ring;
 * claimed a hollow disc with a dashed ring; threatened a hollow diamond with
 * a dashed edge; hypothetical a hatched disc with a dotted ring; disputed a
 * half-filled disc with a '?' badge.
 */
void symbols_draw_marker(cairo_t *cr, const geodata_kind *kind, geodata_event_status status,
                         double x, double y, double size)
{
	double rgb[3], r = size / 2;
	const geodata_treatment *t = &geodata_status_get(status)->treatment;
	symbols_kind_color(kind, rgb);
	geodata_line st = t->line;
	int solid = t->fill == GEODATA_FILL_SOLID;
	cairo_save(cr);
	/* A white ring keeps the symbol apart from whatever lies under it. */
	marker_shape(cr, status, x, y, r + 1.5);
	cairo_set_source_rgba(cr, 1, 1, 1, 0.95);
	cairo_fill(cr);
	marker_shape(cr, status, x, y, r);
	if (solid) {
		set_rgba(cr, rgb, 1);
		cairo_fill(cr);
		if (t->inner_ring) {
			cairo_arc(cr, x, y, r * 0.7, 0, 2 * M_PI);
			cairo_set_source_rgb(cr, 1, 1, 1);
			cairo_set_line_width(cr, fmax(1, size / 14));
			cairo_stroke(cr);
		}
	} else if (t->fill == GEODATA_FILL_HALF) {
		/* Half solid, half open: the article's account against its denial. */
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_fill(cr);
		cairo_move_to(cr, x, y - r);
		cairo_arc_negative(cr, x, y, r, -M_PI / 2, M_PI / 2);
		cairo_close_path(cr);
		set_rgba(cr, rgb, 1);
		cairo_fill(cr);
		cairo_arc(cr, x, y, r - fmax(1, size / 14) / 2, 0, 2 * M_PI);
		cairo_set_line_width(cr, fmax(1, size / 14));
		cairo_stroke(cr);
	} else {
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_fill_preserve(cr);
		if (t->hatch) {
			cairo_save(cr);
			cairo_clip_preserve(cr);
			set_rgba(cr, rgb, 0.45);
			hatch_clip(cr, -x, -y, size / 4.5, fmax(0.8, size / 20));
			cairo_restore(cr);
		}
		double w = fmax(2, size / 7.5);
		marker_shape(cr, status, x, y, r - w / 2);
		set_rgba(cr, rgb, 1);
		cairo_set_line_width(cr, w);
		/* Dash units fitted to the outline, so that it closes evenly. */
		if (st == GEODATA_LINE_DASHED) {
			double c = t->shape == GEODATA_SHAPE_DIAMOND ? 4 * M_SQRT2 * 1.18 * (r - w / 2)
			                                               : 2 * M_PI * (r - w / 2);
			double u = c / 8, d[] = {u * 0.6, u * 0.4};
			cairo_set_dash(cr, d, 2, 0);
		} else {
			double c = 2 * M_PI * (r - w / 2), u = c / 12;
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
	const char *g = kind ? kind->glyph : "dot";
	if (t->fill == GEODATA_FILL_HALF) {
		/* The glyph in white over the solid half, in colour over the open one. */
		cairo_save(cr);
		cairo_rectangle(cr, -0.5, -0.5, 0.5, 1);
		cairo_clip(cr);
		cairo_set_source_rgb(cr, 1, 1, 1);
		glyph_draw(cr, g);
		cairo_restore(cr);
		cairo_rectangle(cr, 0, -0.5, 0.5, 1);
		cairo_clip(cr);
		set_rgba(cr, rgb, 1);
	}
	glyph_draw(cr, g);
	cairo_restore(cr);
	if (t->badge)
		disputed_badge(cr, x + r * 0.78, y - r * 0.78, size);
	cairo_restore(cr);
}

/* The legend's key of a status: the very marker the map draws, in the neutral kind. */
void symbols_draw_status_swatch(cairo_t *cr, geodata_event_status status, double x, double y,
                                double w, double h)
{
	double size = fmin(w, h) - 2;
	symbols_draw_marker(cr, &LEGEND_KIND, status, x + w / 2, y + h / 2,
	                    size < 6 ? 6 : size);
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

void symbols_event_label(const geodata_events *ev, const geodata_event *e, char *buf, size_t n)
{
	if (!n)
		return;
	buf[0] = 0;
	append(buf, n, e->title ? e->title : "");
	if (e->count >= 0) {
		/* "at least 35" becomes "35+": the count is a floor, not a tally. */
		char c[64];
		int floor = says_at_least(e->source) || says_at_least(e->summary);
		const char *noun = geodata_events_kind(ev, e)->count_noun;
		snprintf(c, sizeof c, " (%ld%s%s%s)", e->count, floor ? "+" : "", noun ? " " : "",
		         noun ? noun : "");
		append(buf, n, c);
	}
	/* Every event the article does not confirm says how it presents it, in words. */
	if (e->status != GEODATA_STATUS_CONFIRMED) {
		append(buf, n, " (");
		append(buf, n, geodata_event_status_name(e->status));
		append(buf, n, ")");
	}
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

/*
 * A point that only stands for a region (a country, say) gets a soft blur
 * around it: somewhere about here, not exactly here.
 */
static void region_halo(cairo_t *cr, const geodata_kind *kind, double x, double y, double size)
{
	double rgb[3], r = size * 1.3;
	symbols_kind_color(kind, rgb);
	cairo_pattern_t *g = cairo_pattern_create_radial(x, y, size * 0.4, x, y, r);
	cairo_pattern_add_color_stop_rgba(g, 0, rgb[0], rgb[1], rgb[2], 0.3);
	cairo_pattern_add_color_stop_rgba(g, 1, rgb[0], rgb[1], rgb[2], 0);
	cairo_new_path(cr);
	cairo_arc(cr, x, y, r, 0, 2 * M_PI);
	cairo_set_source(cr, g);
	cairo_fill(cr);
	cairo_pattern_destroy(g);
}

/*
 * The outline of an area event. A state's area is taken from the base data
 * at the view's own generalisation level: far fewer vertices at low zooms,
 * and the very line the base map draws for that state's border.
 */
static int area_path(render_ctx *ctx, const geodata_events *ev, const geodata_event *e)
{
	const geodata *gd = scene_data_of(ctx->scene)->gd;
	/* Resolved once when the events were loaded: no search of the layer per tile. */
	geodata_layer_id layer = GEODATA_STATES;
	long f = gd ? geodata_events_area(ev, e, &layer) : -1;
	const geodata_layer *states = f >= 0 ? geodata_layer_get(gd, layer) : NULL;
	size_t idx[64], n = states ? geodata_layer_feature_pieces(states, (size_t)f, idx, 64) : 0;
	int rc = 0;
	if (n > 0 && n <= 64) {
		for (size_t i = 0; i < n && !rc; i++) {
			const geodata_piece *p = geodata_layer_piece(states, idx[i]);
			if (p)
				rc = render_path_piece(ctx, states, p);
		}
		return rc;
	}
	for (size_t i = 0; i < e->ngeoms && !rc; i++)
		rc = render_path_geom(ctx, &e->level[ctx->zoom][i], &e->lonlat[i]);
	return rc;
}

/*
 * The area's outline as `mode` adds it: RENDER_PATH_FILL rings cut to the view for the fill and
 * the clip, RENDER_PATH_STROKE only the edges near the view, dashed by `dash` (ndash 0: solid).
 * A country's outline has thousands of vertices, nearly all of them off any one tile.
 */
static int area_shape(render_ctx *ctx, const geodata_events *ev, const geodata_event *e, int mode,
                      const double *dash, int ndash)
{
	cairo_new_path(ctx->cr);
	ctx->path_mode = mode;
	ctx->ndash = ndash;
	for (int j = 0; j < ndash; j++)
		ctx->dash[j] = dash[j];
	int rc = area_path(ctx, ev, e);
	ctx->path_mode = RENDER_PATH_PLAIN;
	ctx->ndash = 0;
	return rc;
}

/*
 * The dashes of a status's line `width` wide and the cap they need: dash lengths grow with the
 * line so that a dashed edge never reads as solid. Returns how many lengths (0: solid).
 */
static int status_dash(geodata_line st, double width, double dash[4], cairo_line_cap_t *cap)
{
	double u = width < 1 ? 1 : width;
	*cap = CAIRO_LINE_CAP_ROUND;
	switch (st) {
	case GEODATA_LINE_DASHED:
		dash[0] = 4.5 * u, dash[1] = 2.8 * u;
		*cap = CAIRO_LINE_CAP_BUTT;
		return 2;
	case GEODATA_LINE_DOTTED:
		dash[0] = 0.01, dash[1] = 2.4 * u;
		return 2;
	case GEODATA_LINE_DASHDOT:
		dash[0] = 5 * u, dash[1] = 2 * u, dash[2] = 0.01, dash[3] = 2 * u;
		return 4;
	default:
		*cap = CAIRO_LINE_CAP_BUTT;
		return 0;
	}
}

/* The inside of an area: hatching, an inner band or stipple, clipped to the area's fill path. */
static int area_inside(render_ctx *ctx, const geodata_events *ev, const geodata_event *e,
                       const double rgb[3], int zone)
{
	cairo_t *cr = ctx->cr;
	int rc = 0;
	cairo_save(cr);
	cairo_clip(cr);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	double gx0 = ctx->ox / ctx->res, gy0 = -ctx->oy / ctx->res;
	if (geodata_status_get(e->status)->treatment.hatch) {
		set_rgba(cr, rgb, 0.6);
		hatch_clip(cr, gx0, gy0, HATCH_STEP, 1.1);
	} else if (zone) {
		/* An inner band along the edge: the classic look of a designated zone. */
		if (!(rc = area_shape(ctx, ev, e, RENDER_PATH_STROKE, NULL, 0))) {
			set_rgba(cr, rgb, 0.22);
			cairo_set_line_width(cr, 7);
			cairo_stroke(cr);
		}
	} else {
		/*
		 * Stipple: scattered dots of the kind's colour say "somewhere in
		 * here", and keep their hue over the sea, where a tint turns grey.
		 */
		set_rgba(cr, rgb, 0.7);
		stipple_clip(cr, gx0, gy0, STIPPLE_STEP, 1.1);
		if (!(rc = area_shape(ctx, ev, e, RENDER_PATH_STROKE, NULL, 0))) {
			set_rgba(cr, rgb, 0.12);
			cairo_set_line_width(cr, 8);
			cairo_stroke(cr);
		}
	}
	cairo_restore(cr);
	return rc;
}

static int draw_area(render_ctx *ctx, const geodata_events *ev, const geodata_kind *kind,
                     const geodata_event *e)
{
	cairo_t *cr = ctx->cr;
	double rgb[3];
	int rc;
	symbols_kind_color(kind, rgb);
	/* Only a zone with a known edge gets a zone's firm tint; an area of uncertainty never. */
	int zone = kind->zone &&
	           !geodata_precision_is_area(e->geo_precision);
	cairo_save(cr);
	cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
	if ((rc = area_shape(ctx, ev, e, RENDER_PATH_FILL, NULL, 0)))
		goto done;
	/*
	 * Zones get a firm tint. Areas of uncertainty only a faint wash that
	 * deepens towards the edge: a flat warm tint over the blue sea turns grey
	 * or passes for land.
	 */
	if (zone) {
		set_rgba(cr, rgb, 0.14);
		cairo_fill_preserve(cr);
	}
	if ((rc = area_inside(ctx, ev, e, rgb, zone)))
		goto done;
	/* A white casing under the edge keeps dashes legible over borders. */
	if ((rc = area_shape(ctx, ev, e, RENDER_PATH_STROKE, NULL, 0)))
		goto done;
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	double w = zone ? 2 : 1.4, dash[4];
	cairo_line_cap_t cap;
	int ndash = status_dash(status_line(e->status), w, dash, &cap);
	cairo_set_source_rgba(cr, 1, 1, 1, zone ? 0.7 : 0.5);
	cairo_set_line_width(cr, w + 2);
	cairo_set_dash(cr, NULL, 0, 0);
	if (ndash) {
		cairo_stroke(cr);
		if ((rc = area_shape(ctx, ev, e, RENDER_PATH_STROKE, dash, ndash)))
			goto done;
	} else {
		cairo_stroke_preserve(cr);
	}
	set_rgba(cr, rgb, zone ? 1 : 0.85);
	cairo_set_line_width(cr, w);
	cairo_set_line_cap(cr, cap);
	cairo_stroke(cr);
	rc = cairo_ok(cr);
done:
	cairo_restore(cr);
	return rc;
}

/*
 * The map's own measurement: a dotted line in neutral ink on a white casing,
 * no kind's colour, so that it never reads as a route. Strokes the current path.
 */
void symbols_stroke_distance(cairo_t *cr)
{
	cairo_save(cr);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_source_rgba(cr, 1, 1, 1, 0.75);
	cairo_set_line_width(cr, 3.6);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_stroke_preserve(cr);
	set_rgba(cr, NEUTRAL, 0.9);
	cairo_set_line_width(cr, 1.2);
	double d[] = {0.01, 3.5};
	cairo_set_dash(cr, d, 2, 0);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
	cairo_stroke(cr);
	cairo_restore(cr);
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

typedef struct box {
	double x0, y0, x1, y1;
} box;

/*
 * Whether a box of the view is clear of the labels placed for this zoom and
 * of the event symbols. Only views on the zoom's own pixel grid (tiles and
 * renders at an integer zoom) can see the global placement; there every tile
 * makes the same choice, so a text never jumps at a tile edge.
 */
static int box_clear(render_ctx *ctx, const geodata_events *ev, const box *b)
{
	/* The labels this very drawing shows: the global placement, or a sheet's own. */
	const label_set *ls = ctx->labels;
	if (ls) {
		double gx = ctx->labels_gx, gy = ctx->labels_gy;
		for (size_t i = 0; i < ls->count; i++) {
			const placed_label *l = &ls->labels[i];
			double x0 = l->x - gx, y0 = l->y - gy;
			if (x0 < b->x1 && b->x0 < x0 + l->w && y0 < b->y1 && b->y0 < y0 + l->h)
				return 0;
		}
	}
	for (size_t i = 0; i < geodata_events_count(ev); i++) {
		const geodata_event *e = geodata_events_get(ev, i);
		double x, y, r = symbols_event_radius(e, ctx->zoom);
		if (!geodata_event_visible(e, ctx->until))
			continue;
		if (!ctx->proj)
			render_merc_to_px(ctx, e->anchor_x, e->anchor_y, &x, &y);
		else if (render_lonlat_to_px(ctx, e->anchor_lon, e->anchor_lat, &x, &y))
			continue;
		if (x - r < b->x1 && b->x0 < x + r && y - r < b->y1 && b->y0 < y + r)
			return 0;
	}
	return 1;
}

/*
 * The km text of a distance line: near the middle of the line, moved along
 * it or to its other side when a label or a symbol is in the way. Flat lines
 * carry it along them; on steep ones it stays level, beside the line.
 */
static int draw_distance_label(render_ctx *ctx, const geodata_events *ev, const char *text,
                               const double *px, int n, double rgb[3])
{
	cairo_t *cr = ctx->cr;
	PangoLayout *lay = pango_cairo_create_layout(cr);
	if (!lay)
		return TILE_ECAIRO;
	render_font_options(cr, pango_layout_get_context(lay));
	pango_cairo_update_layout(cr, lay);
	PangoFontDescription *fd = pango_font_description_from_string(TILE_FONT_FAMILY);
	pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
	pango_font_description_set_absolute_size(fd, 11 * PANGO_SCALE);
	pango_layout_set_font_description(lay, fd);
	pango_font_description_free(fd);
	pango_layout_set_text(lay, text, -1);
	PangoRectangle ink, logical;
	pango_layout_get_pixel_extents(lay, &ink, &logical);
	double W = logical.width, H = logical.height;

	static const double along[] = {0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74};
	double best_x = 0, best_y = 0, best_angle = 0, best_tx = 0, best_ty = 0;
	for (int k = 0; k < (int)(sizeof along / sizeof along[0]) * 2; k++) {
		int i = (int)lround(along[k / 2] * (n - 2));
		double x = (px[2 * i] + px[2 * i + 2]) / 2, y = (px[2 * i + 1] + px[2 * i + 3]) / 2;
		double angle = atan2(px[2 * i + 3] - px[2 * i + 1], px[2 * i + 2] - px[2 * i]);
		/* Upright text: a line drawn right to left still reads left to right. */
		if (angle > M_PI / 2)
			angle -= M_PI;
		else if (angle < -M_PI / 2)
			angle += M_PI;
		int other_side = k % 2;
		double tx, ty;
		box b;
		if (fabs(angle) < M_PI / 6) {
			tx = -W / 2;
			ty = other_side ? 1.5 : -H - 1.5;
			/* The turned box's extent, enough to test for clashes. */
			double c = fabs(cos(angle)), s = fabs(sin(angle));
			double cx = x - sin(angle) * (ty + H / 2),
			       cy = y + cos(angle) * (ty + H / 2);
			double hw = (W * c + H * s) / 2, hh = (W * s + H * c) / 2;
			b = (box){cx - hw, cy - hh, cx + hw, cy + hh};
		} else {
			double run = fabs(1 / tan(angle));
			tx = other_side ? -(H / 2 * run + 4) - W : H / 2 * run + 4;
			ty = -H / 2;
			angle = 0;
			b = (box){x + tx, y + ty, x + tx + W, y + ty + H};
		}
		/* The first place is the fallback when every place is taken. */
		int clear = box_clear(ctx, ev, &b);
		if (k == 0 || clear) {
			best_x = x, best_y = y, best_angle = angle, best_tx = tx, best_ty = ty;
			if (clear)
				break;
		}
	}
	cairo_save(cr);
	cairo_translate(cr, best_x, best_y);
	cairo_rotate(cr, best_angle);
	cairo_move_to(cr, best_tx, best_ty);
	pango_cairo_layout_path(cr, lay);
	cairo_set_source_rgba(cr, 1, 1, 1, 0.92);
	cairo_set_line_width(cr, 3);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_stroke(cr);
	cairo_move_to(cr, best_tx, best_ty);
	set_rgba(cr, rgb, 1);
	pango_cairo_show_layout(cr, lay);
	cairo_restore(cr);
	g_object_unref(lay);
	return cairo_ok(cr);
}

/* The geodesic from a staging base to a strike zone, dashed, with its length in km. */
static int draw_distance(render_ctx *ctx, const geodata_events *ev, const scene_link *link)
{
	double px[2 * SCENE_LINK_POINTS];
	if (!ctx->proj) {
		/* The geodesic was computed with the scene: here it only meets the view or not. */
		geodata_bbox b = link->merc_bbox;
		double grow = 240 * ctx->res; /* the line and its words */
		b.minx -= grow, b.miny -= grow, b.maxx += grow, b.maxy += grow;
		geodata_bbox v = view_box(ctx, 0);
		if (!meets(&b, &v))
			return 0;
		for (int i = 0; i < SCENE_LINK_POINTS; i++)
			render_merc_to_px(ctx, link->merc[2 * i], link->merc[2 * i + 1], &px[2 * i],
			                  &px[2 * i + 1]);
	} else {
		for (int i = 0; i < SCENE_LINK_POINTS; i++)
			if (render_lonlat_to_px(ctx, link->lonlat[2 * i], link->lonlat[2 * i + 1],
			                        &px[2 * i], &px[2 * i + 1]))
				return 0; /* not drawable in this projection: left out, not bent */
	}
	double metres = link->metres;
	double x1 = px[0], y1 = px[1], x2 = px[0], y2 = px[1];
	for (int i = 1; i < SCENE_LINK_POINTS; i++) {
		x1 = fmin(x1, px[2 * i]), x2 = fmax(x2, px[2 * i]);
		y1 = fmin(y1, px[2 * i + 1]), y2 = fmax(y2, px[2 * i + 1]);
	}
	const double margin = 240; /* room for the km text and its words beside the line */
	if (x2 < -margin || y2 < -margin || x1 > ctx->width + margin || y1 > ctx->height + margin)
		return 0;
	cairo_t *cr = ctx->cr;
	double rgb[3] = {NEUTRAL[0], NEUTRAL[1], NEUTRAL[2]};
	cairo_new_path(cr);
	cairo_move_to(cr, px[0], px[1]);
	for (int i = 1; i < SCENE_LINK_POINTS; i++)
		cairo_line_to(cr, px[2 * i], px[2 * i + 1]);
	symbols_stroke_distance(cr);
	char km[32], text[96];
	format_km(metres, km, sizeof km);
	snprintf(text, sizeof text, "%s, measured by this map", km);
	return draw_distance_label(ctx, ev, text, px, SCENE_LINK_POINTS, rgb);
}

/*
 * Whether an earlier visible event covers the same area (one country, one
 * sea): the area is drawn once, and its events' symbols say the rest.
 */
static int area_drawn_before(const geodata_events *ev, size_t i, geodata_day until)
{
	const geodata_event *e = geodata_events_get(ev, i);
	geodata_layer_id layer = GEODATA_STATES;
	long f = geodata_events_area(ev, e, &layer);
	for (size_t j = 0; j < i; j++) {
		const geodata_event *o = geodata_events_get(ev, j);
		if (!geodata_event_visible(o, until) || !is_area(o))
			continue;
		geodata_layer_id ol = GEODATA_STATES;
		long of = geodata_events_area(ev, o, &ol);
		if (e->area && o->area ? f >= 0 ? of == f && ol == layer : !strcmp(e->area, o->area)
		                       : !e->area && !o->area && o->ngeoms == e->ngeoms &&
		                             !memcmp(&o->merc_bbox, &e->merc_bbox, sizeof e->merc_bbox))
			return 1;
	}
	return 0;
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
		    !meets(&e->merc_bbox, &areas) || area_drawn_before(ev, i, ctx->until))
			continue;
		if ((rc = draw_area(ctx, ev, geodata_events_kind(ev, e), e)))
			return rc;
	}

	/* Then distance lines from each staging base to each strike zone. */
	size_t nlinks = scene_data_of(ctx->scene)->nlinks;
	const scene_link *links = scene_data_of(ctx->scene)->links;
	for (size_t i = 0; i < nlinks; i++) {
		if (!geodata_event_visible(geodata_events_get(ev, links[i].base), ctx->until) ||
		    !geodata_event_visible(geodata_events_get(ev, links[i].zone), ctx->until))
			continue;
		if ((rc = draw_distance(ctx, ev, &links[i])))
			return rc;
	}

	/* Symbols last, each stack fanned out around its anchor. */
	double size = symbol_size(ctx->zoom), margin = 3 * size;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			const geodata_event *e = geodata_events_get(ev, i);
			if (!geodata_event_visible(e, ctx->until))
				continue;
			double x, y, dx, dy;
			if (!ctx->proj)
				render_merc_to_px(ctx, e->anchor_x, e->anchor_y, &x, &y);
			else if (render_lonlat_to_px(ctx, e->anchor_lon, e->anchor_lat, &x, &y))
				continue;
			if (x < -margin || y < -margin || x > ctx->width + margin ||
			    y > ctx->height + margin)
				continue;
			stack_offset(e, size, &dx, &dy);
			if (pass == 0 && geodata_precision_is_area(e->geo_precision) &&
			    !is_area(e))
				region_halo(cr, geodata_events_kind(ev, e), x + dx, y + dy, size);
			else if (pass == 1)
				symbols_draw_marker(cr, geodata_events_kind(ev, e), e->status, x + dx, y + dy, size);
		}
	}
	return cairo_ok(cr);
}
