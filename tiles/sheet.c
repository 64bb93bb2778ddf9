/* sheet.c: briefing sheets: a map in any CRS with its furniture, as PNG, PDF or SVG. */
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "private.h"

#define EARTH_R 6378137.0
#define MERC_MAX_LAT 85.05112878
/* Points per edge when a box is reprojected: enough for curved edges of a conic projection. */
#define EDGE_POINTS 64

/* The sheet's palette: near-black ink, warm greys, one accent for the locator. */
static const double INK[3] = {0.11, 0.10, 0.09};
static const double MUTED[3] = {0.40, 0.37, 0.34};
static const double RULE[3] = {0.80, 0.77, 0.73};
static const double FRAME[3] = {0.52, 0.49, 0.45};
static const double ACCENT[3] = {0.74, 0.13, 0.10};
static const double GRATICULE[3] = {0.24, 0.36, 0.46};
/* The base map's line colours (render.c), repeated for the legend's swatches. */
static const double BORDER_RGB[3] = {0.60, 0.55, 0.50};
static const double STATE_RGB[3] = {0.72, 0.67, 0.61};

/* ---- geometry helpers ------------------------------------------------------------------- */

static int crs_is_web_mercator(const char *crs)
{
	return !crs || !crs[0] || !strcasecmp(crs, "EPSG:3857");
}

static void merc_to_lonlat(double x, double y, double *lon, double *lat)
{
	*lon = x / EARTH_R * 180.0 / M_PI;
	*lat = atan(sinh(y / EARTH_R)) * 180.0 / M_PI;
}

/* The Web Mercator extent of a box in degrees, widened to the image's aspect so pixels stay square.
 */
static int merc_extent(const geodata_bbox *ll, int w, int h, geodata_bbox *out, tile_error *err)
{
	geodata_error e;
	geodata_proj *p = geodata_proj_create("EPSG:4326", "EPSG:3857", &e);
	if (!p) {
		tile_error_set(err, "%s", e.msg);
		return TILE_ECRS;
	}
	double xy[4] = {ll->minx, ll->miny, ll->maxx, ll->maxy};
	int rc = geodata_proj_trans(p, xy, 2, 0);
	geodata_proj_destroy(p);
	if (rc) {
		tile_error_set(err, "cannot project the box to EPSG:3857");
		return TILE_ECRS;
	}
	double cx = (xy[0] + xy[2]) / 2, cy = (xy[1] + xy[3]) / 2;
	double res = fmax((xy[2] - xy[0]) / w, (xy[3] - xy[1]) / h);
	out->minx = cx - res * w / 2;
	out->maxx = cx + res * w / 2;
	out->miny = cy - res * h / 2;
	out->maxy = cy + res * h / 2;
	/* A box that matches the tile grid must stay exact, so that renders equal tile mosaics. */
	if (fabs((xy[2] - xy[0]) / w - (xy[3] - xy[1]) / h) < 1e-9 * res) {
		out->minx = xy[0];
		out->miny = xy[1];
		out->maxx = xy[2];
		out->maxy = xy[3];
	}
	return 0;
}

/* The boundary of a box as 4*n points, counter-clockwise from the south-west corner. */
static void box_ring(const geodata_bbox *b, double *xy, int n)
{
	double dx = b->maxx - b->minx, dy = b->maxy - b->miny;
	for (int i = 0; i < n; i++) {
		double t = (double)i / n;
		xy[2 * i] = b->minx + t * dx;
		xy[2 * i + 1] = b->miny;
		xy[2 * (n + i)] = b->maxx;
		xy[2 * (n + i) + 1] = b->miny + t * dy;
		xy[2 * (2 * n + i)] = b->maxx - t * dx;
		xy[2 * (2 * n + i) + 1] = b->maxy;
		xy[2 * (3 * n + i)] = b->minx;
		xy[2 * (3 * n + i) + 1] = b->maxy - t * dy;
	}
}

/* The box of the finite points among n; returns how many were finite. */
static size_t bbox_of(const double *xy, size_t n, geodata_bbox *out)
{
	size_t good = 0;
	*out = (geodata_bbox){INFINITY, INFINITY, -INFINITY, -INFINITY};
	for (size_t i = 0; i < n; i++) {
		double x = xy[2 * i], y = xy[2 * i + 1];
		if (!isfinite(x) || !isfinite(y) || fabs(x) > 1e15 || fabs(y) > 1e15)
			continue;
		out->minx = fmin(out->minx, x);
		out->maxx = fmax(out->maxx, x);
		out->miny = fmin(out->miny, y);
		out->maxy = fmax(out->maxy, y);
		good++;
	}
	return good;
}

/* A logical pixel of the map to degrees; -1 where the CRS has no inverse there. */
static int px_to_lonlat(const render_ctx *ctx, double px, double py, double *lon, double *lat)
{
	double x = ctx->ox + px * ctx->res, y = ctx->oy - py * ctx->res;
	if (!ctx->proj) {
		merc_to_lonlat(x, y, lon, lat);
		return 0;
	}
	double xy[2] = {x, y};
	if (geodata_proj_trans(ctx->proj, xy, 1, 1) || !isfinite(xy[0]) || !isfinite(xy[1]) ||
	    fabs(xy[0]) > 360 || fabs(xy[1]) > 90)
		return -1;
	*lon = xy[0];
	*lat = xy[1];
	return 0;
}

/* The box in degrees of what the map frame shows (its densified edges taken back to degrees). */
static int frame_lonlat(const render_ctx *ctx, geodata_bbox *out)
{
	enum { N = 32 };
	double ring[8 * N];
	geodata_bbox px = {0, 0, ctx->width, ctx->height};
	box_ring(&px, ring, N);
	size_t k = 0;
	for (size_t i = 0; i < 4 * N; i++) {
		double lon, lat;
		if (px_to_lonlat(ctx, ring[2 * i], ring[2 * i + 1], &lon, &lat))
			continue;
		ring[2 * k] = lon;
		ring[2 * k + 1] = lat;
		k++;
	}
	return bbox_of(ring, k, out) >= 4 ? 0 : -1;
}

int sheet_ctx_init_crs(render_ctx *ctx, const tile_scene *s, const geodata_bbox *ll,
                       const char *crs, int w, int h, int scale, geodata_day until, tile_error *err)
{
	geodata_error ge = {{0}};
	geodata_proj *to_merc = NULL;
	double ring[8 * EDGE_POINTS];
	geodata_bbox e;
	int rc = TILE_ECRS;

	memset(ctx, 0, sizeof(*ctx));
	if (w <= 0 || h <= 0) {
		tile_error_set(err, "map size %dx%d is empty", w, h);
		return TILE_EINVAL;
	}
	/* A bare PROJ string names an operation to PROJ; "+type=crs" makes it the CRS it means. */
	char def[1024];
	const char *use = crs;
	if ((crs[0] == '+' || !strncmp(crs, "proj=", 5)) && !strstr(crs, "type=crs")) {
		if (snprintf(def, sizeof def, "%s +type=crs", crs) >= (int)sizeof def) {
			tile_error_set(err, "CRS definition of %zu characters is too long",
			               strlen(crs));
			return TILE_ECRS;
		}
		use = def;
	}
	ctx->proj = geodata_proj_create("EPSG:4326", use, &ge);
	if (!ctx->proj) {
		/* Name the CRS as the user wrote it, with PROJ's reason. */
		const char *why = strstr(ge.msg, "': ");
		if (use == crs)
			tile_error_set(err, "%s", ge.msg);
		else
			tile_error_set(err, "unknown CRS '%s'%s%s", crs, why ? ": " : "",
			               why ? why + 3 : "");
		return TILE_ECRS;
	}
	box_ring(ll, ring, EDGE_POINTS);
	if (geodata_proj_trans(ctx->proj, ring, 4 * EDGE_POINTS, 0) ||
	    bbox_of(ring, 4 * EDGE_POINTS, &e) < 4 * EDGE_POINTS) {
		tile_error_set(err, "the box %g,%g,%g,%g lies outside what CRS '%s' can show",
		               ll->minx, ll->miny, ll->maxx, ll->maxy, crs);
		goto fail;
	}
	double res = fmax((e.maxx - e.minx) / w, (e.maxy - e.miny) / h);
	if (!(res > 0) || !isfinite(res)) {
		tile_error_set(err, "the box %g,%g,%g,%g is empty in CRS '%s'", ll->minx, ll->miny,
		               ll->maxx, ll->maxy, crs);
		goto fail;
	}
	double cx = (e.minx + e.maxx) / 2, cy = (e.miny + e.maxy) / 2;
	ctx->scene = s;
	ctx->extent =
	    (geodata_bbox){cx - res * w / 2, cy - res * h / 2, cx + res * w / 2, cy + res * h / 2};
	ctx->res = res;
	ctx->ox = ctx->extent.minx;
	ctx->oy = ctx->extent.maxy;
	ctx->width = w;
	ctx->height = h;
	ctx->scale = scale;
	ctx->until = until;

	/* Generalisation and styles follow the Web Mercator zoom with the same detail at the
	 * centre.
	 */
	to_merc = geodata_proj_create("EPSG:4326", "EPSG:3857", &ge);
	if (!to_merc) {
		tile_error_set(err, "%s", ge.msg);
		goto fail;
	}
	double la, pa, lb, pb, xa, ya, xb, yb;
	if (px_to_lonlat(ctx, w / 2.0 - 8, h / 2.0, &la, &pa) ||
	    px_to_lonlat(ctx, w / 2.0 + 8, h / 2.0, &lb, &pb) ||
	    geodata_lonlat_to_merc(to_merc, la, pa, &xa, &ya) ||
	    geodata_lonlat_to_merc(to_merc, lb, pb, &xb, &yb)) {
		tile_error_set(err, "CRS '%s' has no inverse at the map's centre", crs);
		goto fail;
	}
	double mres = hypot(xb - xa, yb - ya) / 16;
	ctx->zoomf = log2(2 * GEODATA_MERC_HALF / (256.0 * mres));
	long z = lround(ctx->zoomf);
	ctx->zoom = z < 0 ? 0 : z > GEODATA_MAX_ZOOM ? GEODATA_MAX_ZOOM : (int)z;

	/* What the frame shows can reach beyond the box (a conic frame's corners): query both. */
	geodata_bbox q = *ll, f;
	if (frame_lonlat(ctx, &f) == 0) {
		q.minx = fmin(q.minx, f.minx);
		q.miny = fmin(q.miny, f.miny);
		q.maxx = fmax(q.maxx, f.maxx);
		q.maxy = fmax(q.maxy, f.maxy);
	}
	double mx = 0.02 * (q.maxx - q.minx), my = 0.02 * (q.maxy - q.miny);
	q.minx = fmax(-180, q.minx - mx);
	q.maxx = fmin(180, q.maxx + mx);
	q.miny = fmax(-MERC_MAX_LAT, q.miny - my);
	q.maxy = fmin(MERC_MAX_LAT, q.maxy + my);
	if (geodata_lonlat_to_merc(to_merc, q.minx, q.miny, &xa, &ya) ||
	    geodata_lonlat_to_merc(to_merc, q.maxx, q.maxy, &xb, &yb)) {
		tile_error_set(err, "cannot find the Web Mercator box of the map");
		goto fail;
	}
	double m = 32 * mres;
	ctx->query = (geodata_bbox){xa - m, ya - m, xb + m, yb + m};
	geodata_proj_destroy(to_merc);
	return 0;
fail:
	geodata_proj_destroy(to_merc);
	geodata_proj_destroy(ctx->proj);
	ctx->proj = NULL;
	return rc;
}

int sheet_scale_bar(render_ctx *ctx, double max_px, double unit_m, double *length, double *px)
{
	double lon1, lat1, lon2, lat2;
	double cx = ctx->width / 2.0, cy = ctx->height / 2.0;
	if (!(max_px > 0) || !(unit_m > 0))
		return -1;
	/* Measured across the centre along the bar's own direction, so the bar is true there. */
	if (px_to_lonlat(ctx, cx - max_px / 2, cy, &lon1, &lat1) ||
	    px_to_lonlat(ctx, cx + max_px / 2, cy, &lon2, &lat2))
		return -1;
	double metres = geodata_geodesic_inverse(lon1, lat1, lon2, lat2, NULL);
	if (!(metres > 0) || !isfinite(metres))
		return -1;
	double per_px = metres / max_px;
	double most = max_px * per_px / unit_m;
	double p10 = pow(10, floor(log10(most)));
	double len = 5 * p10 <= most ? 5 * p10 : 2 * p10 <= most ? 2 * p10 : p10;
	*length = len;
	*px = len * unit_m / per_px;
	return 0;
}

/* Direction of north at a pixel of the map, degrees clockwise from up; NAN if unknown. */
static double north_at(render_ctx *ctx, double px, double py)
{
	double lon, lat, xa, ya, xb, yb;
	if (px_to_lonlat(ctx, px, py, &lon, &lat))
		return NAN;
	double d = 0.05;
	if (render_lonlat_to_px(ctx, lon, fmax(-89.9, lat - d), &xa, &ya) ||
	    render_lonlat_to_px(ctx, lon, fmin(89.9, lat + d), &xb, &yb))
		return NAN;
	return atan2(xb - xa, ya - yb) * 180.0 / M_PI;
}

double sheet_north_angle(render_ctx *ctx)
{
	return north_at(ctx, ctx->width / 2.0, ctx->height / 2.0);
}

/* Whether north is up all over the map (meridians vertical), where an arrow would say nothing.
 */
static int north_is_up(render_ctx *ctx)
{
	double w = ctx->width, h = ctx->height;
	double pts[5][2] = {{w / 2, h / 2}, {0, h / 2}, {w, h / 2}, {w / 2, 0}, {w / 2, h}};
	for (int i = 0; i < 5; i++) {
		double a = north_at(ctx, pts[i][0], pts[i][1]);
		if (isfinite(a) && fabs(a) > 0.5)
			return 0;
	}
	return 1;
}

/* ---- the map ------------------------------------------------------------------------------ */

typedef struct map_view {
	render_ctx ctx;
	label_set placed; /* a placement for this view, when the zoom's global one does not fit */
	label_set local;  /* the labels drawn: those the frame holds whole, in view pixels */
	const label_set *ls;
	double gx, gy;
	int merc;
	int ready;
} map_view;

typedef struct label_box {
	double x0, y0, x1, y1;
} label_box;

static int boxes_meet(const label_box *a, const label_box *b)
{
	return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

/* Whether a label box would hide the symbol of a visible event other than its own. */
static int box_hits_symbol(render_ctx *ctx, const label_box *b, int own)
{
	geodata_events *ev = tile_scene_events(ctx->scene);
	for (size_t i = 0; ev && i < geodata_events_count(ev); i++) {
		const geodata_event *e = geodata_events_get(ev, i);
		double x, y, r = symbols_event_radius(e, ctx->zoom);
		if ((int)i == own || !geodata_event_visible(e, ctx->until) ||
		    render_lonlat_to_px(ctx, e->anchor_lon, e->anchor_lat, &x, &y))
			continue;
		label_box sb = {x - r, y - r, x + r, y + r};
		if (boxes_meet(b, &sb))
			return 1;
	}
	return 0;
}

/*
 * A sheet's frame is not a tile edge: labels it would cut are left out (those of places off
 * the map with them), except an event's, which moves to the other side of its symbol or slides
 * inside when that fits, since events are the point of the map.
 */
static int labels_fit_frame(map_view *mv, const label_set *src, double gx, double gy)
{
	render_ctx *ctx = &mv->ctx;
	double W = ctx->width, H = ctx->height, m = 1, pad = 2;
	placed_label *out = src->count ? malloc(src->count * sizeof(*out)) : NULL;
	size_t n = 0, *later = src->count ? malloc(src->count * sizeof(size_t)) : NULL;
	size_t nlater = 0;
	if (src->count && (!out || !later)) {
		free(out);
		free(later);
		return TILE_ENOMEM;
	}
	for (size_t i = 0; i < src->count; i++) {
		placed_label l = src->labels[i];
		l.x -= gx, l.y -= gy, l.ax -= gx, l.ay -= gy;
		int inside = l.x >= m && l.y >= m && l.x + l.w <= W - m && l.y + l.h <= H - m;
		int anchored = l.ax >= 0 && l.ay >= 0 && l.ax <= W && l.ay <= H;
		if (inside && (!l.dot || anchored))
			out[n++] = l;
		else if (l.cls == LABEL_EVENT && anchored)
			later[nlater++] = i;
	}
	/* Base labels an event label displaces, marked in `gone`. */
	unsigned char *gone = n + nlater ? calloc(n + nlater, 1) : NULL;
	if (n + nlater && !gone) {
		free(out);
		free(later);
		return TILE_ENOMEM;
	}
	for (size_t k = 0; k < nlater; k++) {
		placed_label l = src->labels[later[k]];
		l.x -= gx, l.y -= gy, l.ax -= gx, l.ay -= gy;
		double cand[4][2] = {
		    {2 * l.ax - l.x - l.w, l.y},
		    {l.x, 2 * l.ay - l.y - l.h},
		    {2 * l.ax - l.x - l.w, 2 * l.ay - l.y - l.h},
		    {fmax(m, fmin(l.x, W - m - l.w)), fmax(m, fmin(l.y, H - m - l.h))}};
		int chosen = -1;
		/* First a free spot; failing that one that only covers base labels, which go. */
		for (int events_only = 0; events_only < 2 && chosen < 0; events_only++) {
			for (int c = 0; c < 4 && chosen < 0; c++) {
				label_box b = {cand[c][0] - pad, cand[c][1] - pad,
				               cand[c][0] + l.w + pad, cand[c][1] + l.h + pad};
				if (b.x0 + pad < m || b.y0 + pad < m || b.x1 - pad > W - m ||
				    b.y1 - pad > H - m || box_hits_symbol(ctx, &b, l.event_index))
					continue;
				int clear = 1;
				for (size_t j = 0; j < n && clear; j++) {
					label_box o = {out[j].x, out[j].y, out[j].x + out[j].w,
					               out[j].y + out[j].h};
					if (gone[j] || (events_only && out[j].cls != LABEL_EVENT))
						continue;
					clear = !boxes_meet(&b, &o);
				}
				if (clear)
					chosen = c;
			}
		}
		if (chosen < 0)
			continue;
		l.x = cand[chosen][0];
		l.y = cand[chosen][1];
		label_box b = {l.x - pad, l.y - pad, l.x + l.w + pad, l.y + l.h + pad};
		for (size_t j = 0; j < n; j++) {
			label_box o = {out[j].x, out[j].y, out[j].x + out[j].w,
			               out[j].y + out[j].h};
			if (out[j].cls != LABEL_EVENT && boxes_meet(&b, &o))
				gone[j] = 1;
		}
		out[n++] = l;
	}
	size_t kept = 0;
	for (size_t j = 0; j < n; j++)
		if (!gone[j])
			out[kept++] = out[j];
	n = kept;
	free(gone);
	free(later);
	mv->local = (label_set){.labels = out, .count = n};
	mv->ls = &mv->local;
	mv->gx = mv->gy = 0;
	return 0;
}

/* Sets the map up for w x h logical pixels; `labels` also places its labels. */
static int map_setup(map_view *mv, const tile_scene *s, const tile_sheet_request *req, int w, int h,
                     int labels, tile_error *err)
{
	int rc;
	memset(mv, 0, sizeof(*mv));
	mv->merc = crs_is_web_mercator(req->crs);
	if (mv->merc) {
		tile_view v = {.width = w,
		               .height = h,
		               .scale = req->scale,
		               .tileset = TILE_TILESET_BRIEFING,
		               .until = req->until};
		if ((rc = merc_extent(&req->bbox, w, h, &v.extent, err)))
			return rc;
		render_ctx_init_merc(&mv->ctx, s, &v, NULL);
		double resy = (v.extent.maxy - v.extent.miny) / v.height;
		if (fabs(resy - mv->ctx.res) > 1e-6 * mv->ctx.res)
			mv->ctx.res = fmax(mv->ctx.res, resy);
	} else if ((rc = sheet_ctx_init_crs(&mv->ctx, s, &req->bbox, req->crs, w, h, req->scale,
	                                    req->until, err))) {
		return rc;
	}
	mv->ready = 1;
	if (!labels)
		return 0;
	/* At an exact zoom the global placement keeps the sheet's labels where the tiles have
	 * them. */
	const label_set *src = NULL;
	double gx = 0, gy = 0;
	if (mv->merc && fabs(mv->ctx.zoomf - mv->ctx.zoom) < 1e-6 &&
	    (src = scene_labels(s, mv->ctx.zoom))) {
		gx = (mv->ctx.ox + GEODATA_MERC_HALF) / mv->ctx.res;
		gy = (GEODATA_MERC_HALF - mv->ctx.oy) / mv->ctx.res;
	} else if ((rc = labels_place_view(&mv->ctx, &mv->placed))) {
		tile_error_set(err, "label placement failed");
		return rc;
	} else {
		src = &mv->placed;
	}
	if ((rc = labels_fit_frame(mv, src, gx, gy)))
		tile_error_set(err, "out of memory fitting labels");
	return rc;
}

static void map_finish(map_view *mv)
{
	/* The fitted set borrows its texts from the placement: it owns its array alone. */
	free(mv->local.labels);
	mv->local.labels = NULL;
	labels_finish(&mv->placed);
	if (mv->ready) {
		geodata_proj *p = mv->ctx.proj;
		render_ctx_finish(&mv->ctx);
		geodata_proj_destroy(p);
	}
	mv->ready = 0;
}

/* ---- text ------------------------------------------------------------------------------- */

typedef struct textkit {
	cairo_t *cr;
	PangoLayout *lay;
	PangoFontDescription *fd;
} textkit;

static int textkit_init(textkit *t, cairo_t *cr)
{
	t->cr = cr;
	t->lay = pango_cairo_create_layout(cr);
	t->fd = pango_font_description_new();
	if (!t->lay || !t->fd)
		return TILE_ENOMEM;
	render_font_options(cr, pango_layout_get_context(t->lay));
	pango_font_description_set_family(t->fd, TILE_FONT_FAMILY);
	return 0;
}

static void textkit_finish(textkit *t)
{
	if (t->lay)
		g_object_unref(t->lay);
	if (t->fd)
		pango_font_description_free(t->fd);
	t->lay = NULL;
	t->fd = NULL;
}

enum { TXT_REGULAR = 0, TXT_BOLD = 1, TXT_SEMIBOLD = 2, TXT_ITALIC = 4, TXT_CAPS = 8 };

/* Sets the layout's text; `width` > 0 wraps at that width, `lines` > 0 ellipsizes after so many. */
static void text_set(textkit *t, const char *text, double size, int style, double width, int lines)
{
	PangoFontDescription *fd = t->fd;
	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	pango_font_description_set_weight(fd, style & TXT_BOLD       ? PANGO_WEIGHT_BOLD
	                                      : style & TXT_SEMIBOLD ? PANGO_WEIGHT_SEMIBOLD
	                                                             : PANGO_WEIGHT_NORMAL);
	pango_font_description_set_style(fd, style & TXT_ITALIC ? PANGO_STYLE_ITALIC
	                                                        : PANGO_STYLE_NORMAL);
	pango_layout_set_font_description(t->lay, fd);
	if (style & TXT_CAPS) {
		/* Small headings: capitals spaced out, as the map's country names are. */
		PangoAttrList *al = pango_attr_list_new();
		pango_attr_list_insert(
		    al, pango_attr_letter_spacing_new((int)(size * 0.1 * PANGO_SCALE)));
		pango_layout_set_attributes(t->lay, al);
		pango_attr_list_unref(al);
		char *up = g_utf8_strup(text, -1);
		pango_layout_set_text(t->lay, up, -1);
		g_free(up);
	} else {
		pango_layout_set_attributes(t->lay, NULL);
		pango_layout_set_text(t->lay, text, -1);
	}
	pango_layout_set_width(t->lay, width > 0 ? (int)(width * PANGO_SCALE) : -1);
	pango_layout_set_wrap(t->lay, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_ellipsize(t->lay, lines > 0 && width > 0 ? PANGO_ELLIPSIZE_END
	                                                          : PANGO_ELLIPSIZE_NONE);
	pango_layout_set_height(t->lay, lines > 0 ? -lines : -1);
	pango_layout_set_alignment(t->lay, PANGO_ALIGN_LEFT);
	pango_cairo_update_layout(t->cr, t->lay);
}

static void text_extent(textkit *t, double *w, double *h)
{
	PangoRectangle ink, logical;
	pango_layout_get_extents(t->lay, &ink, &logical);
	if (w)
		*w = logical.width / (double)PANGO_SCALE;
	if (h)
		*h = logical.height / (double)PANGO_SCALE;
}

static void text_show(textkit *t, double x, double y, const double rgb[3])
{
	cairo_t *cr = t->cr;
	cairo_new_path(cr);
	cairo_move_to(cr, x, y);
	cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
	pango_cairo_show_layout(cr, t->lay);
	cairo_new_path(cr);
}

/* Text over the map keeps a white halo, as the map's own labels do. */
static void text_show_halo(textkit *t, double x, double y, const double rgb[3], double halo)
{
	cairo_t *cr = t->cr;
	cairo_save(cr);
	cairo_new_path(cr);
	cairo_move_to(cr, x, y);
	pango_cairo_layout_path(cr, t->lay);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_line_width(cr, 2 * halo);
	cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
	cairo_stroke(cr);
	cairo_restore(cr);
	text_show(t, x, y, rgb);
}

/* ---- graticule ---------------------------------------------------------------------------- */

static double graticule_step(const geodata_bbox *ll)
{
	double span = fmax(ll->maxx - ll->minx, ll->maxy - ll->miny);
	return span > 40 ? 10 : span > 12 ? 5 : span > 5 ? 2 : 1;
}

static void format_degrees(double v, int is_lon, char *buf, size_t n)
{
	long d = lround(fabs(v));
	if (d == 0 || (is_lon && d == 180))
		snprintf(buf, n, "%ld°", d);
	else
		snprintf(buf, n, "%ld°%s", d, is_lon ? (v < 0 ? "W" : "E") : (v < 0 ? "S" : "N"));
}

/*
 * Meridians and parallels, densified so that they curve as the CRS bends them. Pass 0 strokes
 * the lines; pass 1 writes their values where meridians leave the top edge and parallels the
 * left edge.
 */
static int graticule(map_view *mv, textkit *tk, int pass)
{
	enum { NPTS = 241 };
	render_ctx *ctx = &mv->ctx;
	cairo_t *cr = ctx->cr;
	geodata_bbox ll;
	if (frame_lonlat(ctx, &ll))
		return 0;
	double step = graticule_step(&ll);
	double lat0 = fmax(-89, floor(ll.miny / step) * step - step);
	double lat1 = fmin(89, ceil(ll.maxy / step) * step + step);
	double lon0 = fmax(-180, floor(ll.minx / step) * step - step);
	double lon1 = fmin(180, ceil(ll.maxx / step) * step + step);
	double *xy = malloc(NPTS * 2 * sizeof(double));
	if (!xy)
		return TILE_ENOMEM;
	double fs = 10, w = ctx->width, h = ctx->height;
	cairo_save(cr);
	cairo_new_path(cr);
	for (int meridian = 1; meridian >= 0; meridian--) {
		double from = meridian ? lon0 : lat0, to = meridian ? lon1 : lat1;
		for (double v = from; v <= to + 1e-9; v += step) {
			for (int i = 0; i < NPTS; i++) {
				double t = (double)i / (NPTS - 1);
				xy[2 * i] = meridian ? v : lon0 + t * (lon1 - lon0);
				xy[2 * i + 1] = meridian ? lat0 + t * (lat1 - lat0) : v;
			}
			if (geodata_proj_trans(ctx->proj, xy, NPTS, 0))
				continue;
			int open = 0, labelled = 0;
			double px0 = 0, py0 = 0;
			for (int i = 0; i < NPTS; i++) {
				double px = (xy[2 * i] - ctx->ox) / ctx->res;
				double py = (ctx->oy - xy[2 * i + 1]) / ctx->res;
				if (!isfinite(px) || !isfinite(py) || fabs(px) > 1e6 ||
				    fabs(py) > 1e6) {
					open = 0;
					continue;
				}
				if (pass == 0) {
					if (open)
						cairo_line_to(cr, px, py);
					else
						cairo_move_to(cr, px, py);
				} else if (open && !labelled) {
					/* Where the line crosses the edge it is labelled at. */
					double a = meridian ? py0 : px0, b = meridian ? py : px;
					if ((a < 0) != (b < 0)) {
						double t = -a / (b - a);
						double at = meridian ? px0 + t * (px - px0)
						                     : py0 + t * (py - py0);
						char text[48];
						format_degrees(v, meridian, text, sizeof text);
						text_set(tk, text, fs, TXT_ITALIC, 0, 0);
						double tw, th;
						text_extent(tk, &tw, &th);
						/* Corners belong to the north arrow and the scale
						 * bar. */
						if (meridian && at - tw / 2 > 4 &&
						    at + tw / 2 < w - 64)
							text_show_halo(tk, at - tw / 2, 3,
							               GRATICULE, 2);
						else if (!meridian && at - th / 2 > 22 &&
						         at + th / 2 < h - 70)
							text_show_halo(tk, 4, at - th / 2,
							               GRATICULE, 2);
						labelled = 1;
					}
				}
				px0 = px;
				py0 = py;
				open = 1;
			}
		}
	}
	if (pass == 0) {
		cairo_set_source_rgba(cr, GRATICULE[0], GRATICULE[1], GRATICULE[2], 0.45);
		cairo_set_line_width(cr, 0.6);
		cairo_set_dash(cr, NULL, 0, 0);
		cairo_stroke(cr);
	}
	cairo_restore(cr);
	free(xy);
	return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : TILE_ECAIRO;
}

/* Draws the map into cr over (0,0)-(width,height) of the current user space. */
static int map_draw(map_view *mv, cairo_t *cr)
{
	render_ctx *ctx = &mv->ctx;
	textkit tk = {0};
	int rc;
	ctx->cr = cr;
	cairo_save(cr);
	cairo_rectangle(cr, 0, 0, ctx->width, ctx->height);
	cairo_clip(cr);
	if (mv->merc) {
		rc = render_map(ctx, 1, 1, mv->ls, mv->gx, mv->gy);
	} else if ((rc = textkit_init(&tk, cr)) == 0) {
		/* The graticule goes between the base map and the events, so it hides neither; its
		 * values go under the map's labels, which matter more. */
		geodata_events *ev = tile_scene_events(ctx->scene);
		rc = render_map(ctx, 1, 0, NULL, 0, 0);
		if (!rc)
			rc = graticule(mv, &tk, 0);
		if (!rc && ev)
			rc = symbols_draw_events(ctx, ev);
		if (!rc)
			rc = graticule(mv, &tk, 1);
		if (!rc)
			rc = labels_draw(ctx, mv->ls, mv->gx, mv->gy, 1, 1);
	}
	textkit_finish(&tk);
	cairo_restore(cr);
	if (!rc && cairo_status(cr) != CAIRO_STATUS_SUCCESS)
		rc = TILE_ECAIRO;
	return rc;
}

static int band_map_draw(void *ud, cairo_t *cr)
{
	return map_draw(ud, cr);
}

/*
 * map_draw, in two bands on two threads when the target is an image big
 * enough to pay (bands.c). Web Mercator only: other CRSs share one PROJ
 * transformation, which is not for two threads at once.
 */
static int map_draw_banded(map_view *mv, cairo_t *cr)
{
	double x0 = 0, y0 = 0, x1 = mv->ctx.width, y1 = mv->ctx.height;
	cairo_user_to_device(cr, &x0, &y0);
	cairo_user_to_device(cr, &x1, &y1);
	if (!mv->merc || mv->ctx.proj || !bands_worth_it(cr, y0, y1))
		return map_draw(mv, cr);
	map_view other = *mv;
	/* The second band's working buffers and lazily made transformation are its own. */
	other.ctx.px = other.ctx.clip_a = other.ctx.clip_b = other.ctx.scratch = NULL;
	other.ctx.px_cap = other.ctx.clip_a_cap = other.ctx.clip_b_cap = other.ctx.scratch_cap = 0;
	other.ctx.to_merc = NULL;
	int rc = bands_draw(cr, y0, y1, band_map_draw, mv, &other);
	render_ctx_finish(&other.ctx);
	mv->ctx.cr = cr; /* as map_draw leaves it: the band's context is gone */
	return rc;
}

/* ---- what the map shows, for the legend and the dateline -------------------------------- */

typedef struct shown {
	int kind_status[GEODATA_KINDS_MAX]; /* -1: kind not shown; else the status drawn */
	const geodata_kinds *kinds;         /* the briefing's kinds */
	int status[GEODATA_STATUS_COUNT];
	size_t nevents;
	geodata_day latest;
	const geodata_event *latest_event; /* its date as the article gives it */
	int capital, city, states;
	int distance; /* a staging base's distance line crosses the map */
	size_t left_out; /* undated events on the map that a date filter leaves out */
	const tile_words *w; /* the sheet's language */
	const char *lang;
} shown;

static int event_on_map(render_ctx *ctx, const geodata_event *e)
{
	const geodata_bbox *b = &e->merc_bbox, *q = &ctx->query;
	if (b->minx > q->maxx || b->maxx < q->minx || b->miny > q->maxy || b->maxy < q->miny)
		return 0;
	/* A point event counts when its place is on the map, not when its symbol only grazes the
	 * frame. */
	double r = e->ngeoms && e->lonlat[0].type == GEODATA_GEOM_POLYGON ? 1 : 0;
	geodata_bbox px;
	double x, y;
	if (!ctx->proj) {
		render_merc_to_px(ctx, b->minx, b->maxy, &px.minx, &px.miny);
		render_merc_to_px(ctx, b->maxx, b->miny, &px.maxx, &px.maxy);
	} else {
		/* The event's box in degrees, densified into the map's pixels. */
		enum { N = 8 };
		geodata_bbox ll;
		double ring[8 * N];
		merc_to_lonlat(b->minx, b->miny, &ll.minx, &ll.miny);
		merc_to_lonlat(b->maxx, b->maxy, &ll.maxx, &ll.maxy);
		box_ring(&ll, ring, N);
		size_t k = 0;
		for (size_t i = 0; i < 4 * N; i++)
			if (render_lonlat_to_px(ctx, ring[2 * i], ring[2 * i + 1], &ring[2 * k],
			                        &ring[2 * k + 1]) == 0)
				k++;
		if (!bbox_of(ring, k, &px))
			return 0;
	}
	if (render_lonlat_to_px(ctx, e->anchor_lon, e->anchor_lat, &x, &y) == 0) {
		px.minx = fmin(px.minx, x);
		px.maxx = fmax(px.maxx, x);
		px.miny = fmin(px.miny, y);
		px.maxy = fmax(px.maxy, y);
	}
	return px.maxx + r >= 0 && px.minx - r <= ctx->width && px.maxy + r >= 0 &&
	       px.miny - r <= ctx->height;
}

static void shown_lang(shown *sh, const tile_sheet_request *req)
{
	sh->w = tile_words_get(req->lang);
	sh->lang = sh->w->code;
}

static void shown_collect(map_view *mv, shown *sh)
{
	render_ctx *ctx = &mv->ctx;
	memset(sh, 0, sizeof(*sh));
	for (int k = 0; k < GEODATA_KINDS_MAX; k++)
		sh->kind_status[k] = -1;
	sh->latest = INT32_MIN;
	geodata_events *ev = tile_scene_events(ctx->scene);
	sh->kinds = geodata_events_kinds(ev);
	for (size_t i = 0; ev && i < geodata_events_count(ev); i++) {
		const geodata_event *e = geodata_events_get(ev, i);
		if (geodata_event_left_out(e, ctx->until) && event_on_map(ctx, e))
			sh->left_out++;
		if (!geodata_event_visible(e, ctx->until) || !event_on_map(ctx, e))
			continue;
		if (e->kind < GEODATA_KINDS_MAX && sh->kind_status[e->kind] < 0)
			sh->kind_status[e->kind] = (int)e->status;
		if ((unsigned)e->status < GEODATA_STATUS_COUNT)
			sh->status[e->status]++;
		sh->nevents++;
		if (e->date && e->start > sh->latest) {
			sh->latest = e->start;
			sh->latest_event = e;
		}
	}
	size_t nlinks;
	const scene_link *links = scene_links(ctx->scene, &nlinks);
	for (size_t i = 0; i < nlinks && !sh->distance; i++) {
		if (!geodata_event_visible(geodata_events_get(ev, links[i].base), ctx->until) ||
		    !geodata_event_visible(geodata_events_get(ev, links[i].zone), ctx->until))
			continue;
		for (int k = 0; k < SCENE_LINK_POINTS && !sh->distance; k++) {
			double x, y;
			if (ctx->proj ? render_lonlat_to_px(ctx, links[i].lonlat[2 * k],
			                                    links[i].lonlat[2 * k + 1], &x, &y)
			              : (render_merc_to_px(ctx, links[i].merc[2 * k],
			                                   links[i].merc[2 * k + 1], &x, &y),
			                 0))
				continue;
			sh->distance = x >= 0 && y >= 0 && x <= ctx->width && y <= ctx->height;
		}
	}
	const label_set *ls = mv->ls;
	for (size_t i = 0; ls && i < ls->count; i++) {
		const placed_label *l = &ls->labels[i];
		double x = l->ax - mv->gx, y = l->ay - mv->gy;
		if (!l->dot || x < 0 || y < 0 || x > ctx->width || y > ctx->height)
			continue;
		if (l->dot == 3)
			sh->capital = 1;
		else
			sh->city = 1;
	}
	/* render.c draws state lines from zoom 4. */
	sh->states = ctx->zoom >= 4;
}

/*
 * What the sheet showed, for the caller: events drawn, undated ones a date
 * filter left out, and the events whose place is on the map but whose label
 * could not be placed, by status.
 */
static void sheet_info(map_view *mv, const shown *sh, int caveats, tile_sheet_info *info)
{
	render_ctx *ctx = &mv->ctx;
	memset(info, 0, sizeof *info);
	info->events_shown = sh->nevents;
	info->undated_left_out = sh->left_out;
	info->caveats = caveats;
	geodata_events *ev = tile_scene_events(ctx->scene);
	for (size_t i = 0; ev && mv->ls && i < geodata_events_count(ev); i++) {
		const geodata_event *e = geodata_events_get(ev, i);
		double x, y;
		if (!geodata_event_visible(e, ctx->until))
			continue;
		if (ctx->proj ? render_lonlat_to_px(ctx, e->anchor_lon, e->anchor_lat, &x, &y)
		              : (render_merc_to_px(ctx, e->anchor_x, e->anchor_y, &x, &y), 0))
			continue;
		if (x < 0 || y < 0 || x > ctx->width || y > ctx->height)
			continue;
		int labelled = 0;
		for (size_t k = 0; k < mv->ls->count && !labelled; k++)
			labelled = mv->ls->labels[k].cls == LABEL_EVENT &&
			           mv->ls->labels[k].event_index == (int)i;
		if (labelled)
			info->events_labelled++;
		else if ((unsigned)e->status < GEODATA_STATUS_COUNT)
			info->unlabelled_status[e->status]++;
	}
}

static void day_to_ymd(geodata_day d, int *y, int *m, int *dd)
{
	/* Civil date from days since 1970-01-01 in the proleptic Gregorian calendar. */
	long z = (long)d + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	*dd = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static void format_day(geodata_day d, char *buf, size_t n)
{
	int y, m, dd;
	day_to_ymd(d, &y, &m, &dd);
	snprintf(buf, n, "%04d-%02d-%02d", y, m, dd);
}

/* An event's date by the one rule the web page shares (geodata_date_format). */
static void format_event_date(const geodata_event *e, const char *lang, char *buf, size_t n)
{
	if (geodata_date_format_lang(e->date, e->date_precision, e->date_text, lang, buf, n))
		snprintf(buf, n, "%s", e->date ? e->date : "?");
}

static void dateline_text(const shown *sh, geodata_day until, char *buf, size_t n)
{
	char a[64], b[40];
	if (sh->nevents) {
		if (sh->latest_event)
			format_event_date(sh->latest_event, sh->lang, a, sizeof a);
		else if (sh->nevents == 99) /* a layout probe: as wide as a real dateline gets */
			snprintf(a, sizeof a, "since September 2025");
		else
			a[0] = 0;
		size_t len = (size_t)snprintf(
		    buf, n, sh->nevents == 1 ? sh->w->events_shown_one : sh->w->events_shown_many,
		    sh->nevents);
		if (len < n)
			snprintf(buf + len, n - len, "%s%s", a[0] ? sh->w->latest_dated : "", a);
	} else {
		snprintf(buf, n, "%s", sh->w->no_events);
	}
	if (until != GEODATA_DAY_OPEN) {
		size_t len = strlen(buf);
		char iso[40];
		format_day(until, iso, sizeof iso);
		if (geodata_date_format_lang(iso, "day", NULL, sh->lang, b, sizeof b))
			snprintf(b, sizeof b, "%s", iso);
		snprintf(buf + len, n - len, sh->w->as_of, b);
		/* Undated events are never placed at a date: say how many the filter hides. */
		len = strlen(buf);
		snprintf(buf + len, n - len,
		         sh->left_out == 1 ? sh->w->left_out_one : sh->w->left_out_many, sh->left_out);
	}
}

/* ---- legend ------------------------------------------------------------------------------ */

typedef enum row_type {
	ROW_HEAD,
	ROW_NOTE,
	ROW_KIND,
	ROW_DISTANCE,
	ROW_STATUS,
	ROW_BORDER,
	ROW_STATES,
	ROW_CAPITAL,
	ROW_CITY
} row_type;

typedef struct legend_row {
	row_type type;
	int which; /* kind for ROW_KIND (its status in `status`), status for ROW_STATUS */
	int status;
	int section;
	const char *text;
	const geodata_kind *kind; /* ROW_KIND */
} legend_row;

#define MAX_ROWS 40

static size_t legend_rows(const shown *sh, legend_row *rows)
{
	size_t n = 0;
	const tile_words *w = sh->w;
	rows[n++] = (legend_row){ROW_HEAD, 0, 0, 0, w->legend_events, NULL};
	for (size_t k = 0; k < sh->kinds->count; k++)
		if (sh->kind_status[k] >= 0)
			rows[n++] = (legend_row){ROW_KIND, (int)k, sh->kind_status[k], 0,
			                         sh->kinds->kind[k].label, &sh->kinds->kind[k]};
	if (sh->distance)
		rows[n++] =
		    (legend_row){ROW_DISTANCE, 0, 0, 0, w->distance, NULL};
	if (!sh->nevents)
		rows[n++] = (legend_row){ROW_NOTE, 0, 0, 0, w->no_events, NULL};
	if (sh->nevents) {
		rows[n++] = (legend_row){ROW_HEAD, 0, 0, 1, w->legend_status, NULL};
		for (int s = 0; s < GEODATA_STATUS_COUNT; s++)
			if (sh->status[s])
				rows[n++] = (legend_row){ROW_STATUS, s, s, 1,
				                         geodata_status_get((geodata_event_status)s)->legend, NULL};
	}
	int sec = sh->nevents ? 2 : 1;
	rows[n++] = (legend_row){ROW_HEAD, 0, 0, sec, w->legend_base, NULL};
	if (sh->capital)
		rows[n++] = (legend_row){ROW_CAPITAL, 0, 0, sec, w->capital, NULL};
	if (sh->city)
		rows[n++] = (legend_row){ROW_CITY, 0, 0, sec, w->city, NULL};
	rows[n++] = (legend_row){ROW_BORDER, 0, 0, sec, w->border, NULL};
	if (sh->states)
		rows[n++] = (legend_row){ROW_STATES, 0, 0, sec, w->state, NULL};
	return n;
}

/*
 * Draws a row's symbol in the box (x, y, sw, sh). The map's own symbols are drawn for 12.5 px
 * type; `zoom` scales them with the legend's type so that big sheets keep them in proportion.
 */
static void legend_symbol(cairo_t *cr, const legend_row *r, double x, double y, double sw,
                          double sh, double zoom)
{
	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_scale(cr, zoom, zoom);
	sw /= zoom;
	sh /= zoom;
	x = y = 0;
	double cx = sw / 2, cy = sh / 2, s = fmin(sw, sh);
	cairo_new_path(cr);
	switch (r->type) {
	case ROW_KIND:
		symbols_draw_marker(cr, r->kind,
		                    (geodata_event_status)r->status, cx, cy, s * 0.9);
		break;
	case ROW_STATUS:
		symbols_draw_status_swatch(cr, (geodata_event_status)r->which, x, cy - s * 0.42, sw,
		                           s * 0.84);
		break;
	case ROW_DISTANCE:
		cairo_move_to(cr, x + 1, cy);
		cairo_line_to(cr, x + sw - 1, cy);
		symbols_stroke_distance(cr);
		break;
	case ROW_BORDER:
	case ROW_STATES:
		cairo_move_to(cr, x + 1, cy);
		cairo_line_to(cr, x + sw - 1, cy);
		if (r->type == ROW_STATES) {
			double dash[2] = {3.0, 2.2};
			cairo_set_dash(cr, dash, 2, 0);
			cairo_set_source_rgb(cr, STATE_RGB[0], STATE_RGB[1], STATE_RGB[2]);
			cairo_set_line_width(cr, 1.0);
		} else {
			cairo_set_source_rgb(cr, BORDER_RGB[0], BORDER_RGB[1], BORDER_RGB[2]);
			cairo_set_line_width(cr, 1.3);
		}
		cairo_stroke(cr);
		break;
	case ROW_CAPITAL:
		cairo_arc(cr, cx, cy, 4.2, 0, 2 * M_PI);
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_fill_preserve(cr);
		cairo_set_source_rgb(cr, 0.15, 0.14, 0.13);
		cairo_set_line_width(cr, 1.2);
		cairo_stroke(cr);
		cairo_arc(cr, cx, cy, 2.0, 0, 2 * M_PI);
		cairo_fill(cr);
		break;
	case ROW_CITY:
		cairo_arc(cr, cx, cy, 2.6, 0, 2 * M_PI);
		cairo_set_source_rgb(cr, 0.3, 0.28, 0.26);
		cairo_fill(cr);
		break;
	default:
		break;
	}
	cairo_restore(cr);
}

/*
 * Lays the legend out in `columns` columns from (x, y), one section per column when there are
 * enough columns, else stacked; draws it too when `draw`. Returns the height used.
 */
static double legend_run(textkit *tk, const legend_row *rows, size_t n, double x, double y,
                         double width, int columns, double fs, int draw)
{
	double colgap = fs * 1.6;
	double cw = (width - colgap * (columns - 1)) / columns;
	double colx[3], coly[3];
	int nsec = 0;
	for (size_t i = 0; i < n; i++)
		nsec = rows[i].section + 1 > nsec ? rows[i].section + 1 : nsec;
	for (int c = 0; c < 3; c++) {
		colx[c] = x + c * (cw + colgap);
		coly[c] = y;
	}
	double sw = fs * 2.0, sh = fs * 1.45, tx = sw + fs * 0.6;
	for (size_t i = 0; i < n; i++) {
		const legend_row *r = &rows[i];
		int c = columns >= nsec ? r->section : 0;
		if (c >= columns)
			c = columns - 1;
		double th, cx = colx[c], cy = coly[c];
		if (r->type == ROW_HEAD) {
			if (cy > y)
				cy += fs * 0.9;
			text_set(tk, r->text, fs * 0.82, TXT_BOLD | TXT_CAPS, cw, 0);
			text_extent(tk, NULL, &th);
			if (draw)
				text_show(tk, cx, cy, MUTED);
			coly[c] = cy + th + fs * 0.45;
			continue;
		}
		int note = r->type == ROW_NOTE;
		text_set(tk, r->text, fs, note ? TXT_ITALIC : TXT_REGULAR, note ? cw : cw - tx, 0);
		text_extent(tk, NULL, &th);
		double rh = fmax(th, sh);
		if (draw) {
			if (!note)
				legend_symbol(tk->cr, r, cx, cy + (rh - sh) / 2, sw, sh,
				              fmax(0.75, fs / 12.5));
			text_show(tk, note ? cx : cx + tx, cy + (rh - th) / 2, note ? MUTED : INK);
		}
		coly[c] = cy + rh + fs * 0.4;
	}
	double hmax = 0;
	for (int c = 0; c < columns && c < 3; c++)
		hmax = fmax(hmax, coly[c] - y);
	return hmax;
}

/* ---- furniture on the map ---------------------------------------------------------------- */

static void rounded_box(cairo_t *cr, double x, double y, double w, double h, double r)
{
	cairo_new_sub_path(cr);
	cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
	cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
	cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
	cairo_arc(cr, x + r, y + r, r, M_PI, 3 * M_PI / 2);
	cairo_close_path(cr);
}

static void format_length(double v, const char *unit, char *buf, size_t n)
{
	if (v >= 1)
		snprintf(buf, n, "%.0f %s", v, unit);
	else
		snprintf(buf, n, "%g %s", v, unit);
}

/* Two bars, kilometres above miles, true at the centre of the map; bottom left of the frame. */
static int draw_scale_bar(map_view *mv, textkit *tk, double fx, double fy, double fw, double fh,
                          double mag, double k)
{
	cairo_t *cr = tk->cr;
	double km, kmpx, mi, mipx;
	double max_px = fmin(fw * 0.28, 240 * k);
	if (sheet_scale_bar(&mv->ctx, max_px / mag, 1000, &km, &kmpx) ||
	    sheet_scale_bar(&mv->ctx, max_px / mag, 1609.344, &mi, &mipx))
		return 0; /* no inverse at the centre: no bar rather than a wrong one */
	kmpx *= mag;
	mipx *= mag;
	char tkm[32], tmi[32];
	format_length(km, "km", tkm, sizeof tkm);
	format_length(mi, "mi", tmi, sizeof tmi);
	double fs = fmax(8.5, 10.5 * k), bh = fmax(3.5, 4.5 * k), pad = fmax(5, 7 * k);
	double wkm, wmi, th;
	text_set(tk, tkm, fs, TXT_REGULAR, 0, 0);
	text_extent(tk, &wkm, &th);
	text_set(tk, tmi, fs, TXT_REGULAR, 0, 0);
	text_extent(tk, &wmi, NULL);
	double barw = fmax(kmpx, mipx);
	double boxw = pad * 2 + barw + fs * 0.6 + fmax(wkm, wmi);
	double boxh = pad * 2 + th * 2 + fs * 0.2;
	double bx = fx + 10 * k, by = fy + fh - 10 * k - boxh;
	cairo_save(cr);
	rounded_box(cr, bx, by, boxw, boxh, 3 * k);
	cairo_set_source_rgba(cr, 1, 1, 1, 0.82);
	cairo_fill(cr);
	for (int row = 0; row < 2; row++) {
		double len = row ? mipx : kmpx;
		double ty = by + pad + row * (th + fs * 0.2);
		double y = ty + th / 2 - bh / 2;
		double x = bx + pad;
		/* Alternating halves, the classic look that also shows half the length. */
		cairo_rectangle(cr, x, y, len / 2, bh);
		cairo_set_source_rgb(cr, INK[0], INK[1], INK[2]);
		cairo_fill(cr);
		cairo_rectangle(cr, x + len / 2, y, len / 2, bh);
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_fill_preserve(cr);
		cairo_set_source_rgb(cr, INK[0], INK[1], INK[2]);
		cairo_set_line_width(cr, 0.8);
		cairo_stroke(cr);
		cairo_rectangle(cr, x, y, len, bh);
		cairo_stroke(cr);
		text_set(tk, row ? tmi : tkm, fs, TXT_REGULAR, 0, 0);
		text_show(tk, x + barw + fs * 0.6, ty, INK);
	}
	cairo_restore(cr);
	return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : TILE_ECAIRO;
}

/* A north arrow at the top right of the frame, turned to the meridian through the centre. */
static void draw_north_arrow(map_view *mv, textkit *tk, double fx, double fy, double fw, double k)
{
	cairo_t *cr = tk->cr;
	double ang = sheet_north_angle(&mv->ctx);
	if (!isfinite(ang))
		return;
	double r = 19 * k, cx = fx + fw - r - 10 * k, cy = fy + r + 10 * k;
	cairo_save(cr);
	cairo_new_path(cr);
	cairo_arc(cr, cx, cy, r, 0, 2 * M_PI);
	cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
	cairo_fill(cr);
	cairo_translate(cr, cx, cy);
	cairo_rotate(cr, ang * M_PI / 180);
	/* A split needle: one half filled, one outlined, with its N turned along with it. */
	double tip = -r * 0.28, tail = r * 0.72, half = r * 0.26, notch = r * 0.5;
	cairo_move_to(cr, 0, tip);
	cairo_line_to(cr, -half, tail);
	cairo_line_to(cr, 0, notch);
	cairo_close_path(cr);
	cairo_set_source_rgb(cr, INK[0], INK[1], INK[2]);
	cairo_fill(cr);
	cairo_move_to(cr, 0, tip);
	cairo_line_to(cr, half, tail);
	cairo_line_to(cr, 0, notch);
	cairo_close_path(cr);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, INK[0], INK[1], INK[2]);
	cairo_set_line_width(cr, fmax(0.8, 0.9 * k));
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_stroke(cr);
	text_set(tk, "N", 10.5 * k, TXT_BOLD, 0, 0);
	double tw, th;
	text_extent(tk, &tw, &th);
	text_show(tk, -tw / 2, tip - th * 0.98, INK);
	cairo_restore(cr);
}

/*
 * The briefing's region: where its events are, with a margin, never smaller than 30 by 18
 * degrees. Returns -1 when the briefing has no event to place.
 */
static int briefing_region(const tile_scene *s, geodata_bbox *out)
{
	const geodata_events *ev = tile_scene_events(s);
	size_t n = geodata_events_count(ev);
	geodata_bbox b = {180, 90, -180, -90};
	for (size_t i = 0; i < n; i++) {
		const geodata_event *e = geodata_events_get(ev, i);
		b.minx = fmin(b.minx, e->anchor_lon);
		b.maxx = fmax(b.maxx, e->anchor_lon);
		b.miny = fmin(b.miny, e->anchor_lat);
		b.maxy = fmax(b.maxy, e->anchor_lat);
	}
	if (b.minx > b.maxx)
		return -1;
	double cx = (b.minx + b.maxx) / 2, cy = (b.miny + b.maxy) / 2;
	double hw = fmax((b.maxx - b.minx) * 0.6, 15), hh = fmax((b.maxy - b.miny) * 0.6, 9);
	*out = (geodata_bbox){cx - hw, cy - hh, cx + hw, cy + hh};
	return 0;
}

/*
 * The locator: the briefing's region at small scale with the outline of the view; a wider
 * context when the view is most of the region already, or lies outside it.
 */
static int draw_inset(map_view *mv, cairo_t *cr, const tile_scene *s, double x, double y, int w,
                      int h, int scale, tile_error *err)
{
	geodata_bbox v, region, ctxbb;
	render_ctx ic;
	int have_region = briefing_region(s, &region) == 0;
	if (frame_lonlat(&mv->ctx, &v)) {
		if (!have_region)
			return 0;
		v = region;
	}
	if (!have_region)
		region = v;
	ctxbb = region;
	double rw = region.maxx - region.minx, rh = region.maxy - region.miny;
	double vw = v.maxx - v.minx, vh = v.maxy - v.miny;
	int meets = v.minx < region.maxx && region.minx < v.maxx && v.miny < region.maxy &&
	            region.miny < v.maxy;
	if (vw > 0.6 * rw || vh > 0.6 * rh || !meets) {
		double cx = (v.minx + v.maxx) / 2, cy = (v.miny + v.maxy) / 2;
		double hw = fmax(vw * 0.9, 20), hh = fmax(vh * 0.9, 12);
		ctxbb = (geodata_bbox){cx - hw, cy - hh, cx + hw, cy + hh};
	} else {
		/* The region, grown to hold all of a view that reaches beyond it. */
		double mx = 0.04 * rw, my = 0.04 * rh;
		ctxbb.minx = fmin(ctxbb.minx, v.minx - mx);
		ctxbb.miny = fmin(ctxbb.miny, v.miny - my);
		ctxbb.maxx = fmax(ctxbb.maxx, v.maxx + mx);
		ctxbb.maxy = fmax(ctxbb.maxy, v.maxy + my);
	}
	ctxbb.minx = fmax(-180, ctxbb.minx);
	ctxbb.maxx = fmin(180, ctxbb.maxx);
	ctxbb.miny = fmax(-80, ctxbb.miny);
	ctxbb.maxy = fmin(80, ctxbb.maxy);
	tile_view tv = {.width = w,
	                .height = h,
	                .scale = scale,
	                .tileset = TILE_TILESET_BASE,
	                .until = mv->ctx.until};
	int rc = merc_extent(&ctxbb, w, h, &tv.extent, err);
	if (rc)
		return rc;
	render_ctx_init_merc(&ic, s, &tv, cr);
	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_rectangle(cr, 0, 0, w, h);
	cairo_clip(cr);
	rc = render_map(&ic, 1, 0, NULL, 0, 0);
	if (!rc) {
		/* The view's frame, taken back to degrees, drawn into the locator. */
		enum { N = 24 };
		double ring[8 * N];
		geodata_bbox px = {0, 0, mv->ctx.width, mv->ctx.height}, ob;
		box_ring(&px, ring, N);
		size_t k = 0;
		for (size_t i = 0; i < 4 * N; i++) {
			double lon, lat;
			if (px_to_lonlat(&mv->ctx, ring[2 * i], ring[2 * i + 1], &lon, &lat) ||
			    render_lonlat_to_px(&ic, lon, lat, &ring[2 * k], &ring[2 * k + 1]))
				continue;
			k++;
		}
		cairo_new_path(cr);
		for (size_t i = 0; i < k; i++)
			cairo_line_to(cr, ring[2 * i], ring[2 * i + 1]);
		cairo_close_path(cr);
		cairo_set_source_rgba(cr, ACCENT[0], ACCENT[1], ACCENT[2], 0.14);
		cairo_fill_preserve(cr);
		cairo_set_source_rgb(cr, ACCENT[0], ACCENT[1], ACCENT[2]);
		cairo_set_line_width(cr, 1.5);
		cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
		cairo_stroke(cr);
		/* A view too small to see in the locator gets a ring around it. */
		if (bbox_of(ring, k, &ob) && ob.maxx - ob.minx < 8 && ob.maxy - ob.miny < 8) {
			cairo_arc(cr, (ob.minx + ob.maxx) / 2, (ob.miny + ob.maxy) / 2, 7, 0,
			          2 * M_PI);
			cairo_stroke(cr);
		}
	}
	cairo_restore(cr);
	render_ctx_finish(&ic);
	cairo_save(cr);
	cairo_rectangle(cr, x + 0.5, y + 0.5, w - 1, h - 1);
	cairo_set_source_rgb(cr, FRAME[0], FRAME[1], FRAME[2]);
	cairo_set_line_width(cr, 1);
	cairo_stroke(cr);
	cairo_restore(cr);
	if (rc)
		tile_error_set(err, "drawing the locator failed");
	return rc;
}

/* ---- the sheet --------------------------------------------------------------------------- */

typedef struct sheet_text {
	const char *title;
	char dateline[160];
	char sources[768];
	char made[400];
	char crs[160];
	char iso_time[32];
	char description[6144];
	char caveats[4096]; /* as drawn: the full text, or the short line on small sheets */
	char caveats_full[4096];
} sheet_text;

static time_t sheet_time(const tile_sheet_request *req)
{
	if (req->made_at > 0)
		return (time_t)req->made_at;
	/* Reproducible output when the builder asks for it, as other tools do. */
	const char *e = getenv("SOURCE_DATE_EPOCH");
	if (e && *e) {
		char *end;
		long long v = strtoll(e, &end, 10);
		if (!*end && v >= 0)
			return (time_t)v;
	}
	return time(NULL);
}

/* The sheet's text alternative, the first words of its description in every format's metadata:
 * "Map of TITLE: 12 events, 8 reported, 3 claimed, 1 disputed; caveats: ...". */
static void alt_text(sheet_text *st, const tile_words *w, const shown *sh)
{
	char *d = st->description;
	size_t n = sizeof st->description, len;
	len = (size_t)snprintf(d, n, w->map_of, st->title);
	if (len < n)
		len += (size_t)snprintf(d + len, n - len, ": ");
	if (len < n)
		len += (size_t)snprintf(d + len, n - len,
		                        sh->nevents == 1 ? w->n_events_one : w->n_events_many,
		                        sh->nevents);
	for (int s = 0; s < GEODATA_STATUS_COUNT && len < n; s++)
		if (sh->status[s])
			len += (size_t)snprintf(d + len, n - len, ", %d %s", sh->status[s],
			                        w->status_words[s]);
	if (len < n && st->caveats_full[0])
		len += (size_t)snprintf(d + len, n - len, "; %s", st->caveats_full);
	if (len < n)
		snprintf(d + len, n - len, ".");
}

/* The sheet's words; `mv` (when set up) tells what area the map shows, for the provenance. */
static void sheet_text_init(sheet_text *st, const tile_scene *s, const tile_sheet_request *req,
                            const shown *sh, const map_view *mv)
{
	const geodata *gd = tile_scene_data(s);
	const tile_words *w = tile_words_get(req->lang);
	st->title = req->title && req->title[0] ? req->title : w->default_title;
	dateline_text(sh, req->until, st->dateline, sizeof st->dateline);
	/* Every layer's own attribution, each named once. */
	size_t n = (size_t)snprintf(st->sources, sizeof st->sources, "%s", w->sources);
	int first = 1;
	for (int i = 0; i < GEODATA_LAYER_COUNT; i++) {
		const geodata_layer *L = geodata_layer_get(gd, (geodata_layer_id)i);
		const char *a = L ? geodata_layer_attribution(L) : NULL;
		if (!a || !a[0] || strstr(st->sources, a) || n >= sizeof st->sources)
			continue;
		n += (size_t)snprintf(st->sources + n, sizeof st->sources - n, "%s%s",
		                      first ? "" : "; ", a);
		first = 0;
	}
	/* The events are credited to their own briefing's article, named by its headline. */
	const geodata_events *sev = tile_scene_events(s);
	const geodata_briefing *b = sev ? geodata_events_briefing(sev) : NULL;
	if (n < sizeof st->sources && b && b->headline) {
		n += (size_t)snprintf(st->sources + n, sizeof st->sources - n, "%s",
		                      first ? "" : "; ");
		if (n < sizeof st->sources)
			snprintf(st->sources + n, sizeof st->sources - n, w->from_article, b->headline);
	}
	time_t now = sheet_time(req);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(st->iso_time, sizeof st->iso_time, "%Y-%m-%dT%H:%M:%SZ", &tm);
	char when[32];
	strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
	int merc = crs_is_web_mercator(req->crs);
	snprintf(st->crs, sizeof st->crs, "%s", merc ? "Web Mercator (EPSG:3857)" : req->crs);
	snprintf(st->made, sizeof st->made, w->made, when, st->crs);
	char area[128] = "";
	geodata_bbox f;
	if (mv && mv->ready && frame_lonlat(&mv->ctx, &f) == 0)
		snprintf(area, sizeof area, " The map shows %.3f,%.3f,%.3f,%.3f.", f.minx, f.miny,
		         f.maxx, f.maxy);
	geodata_events *ev = tile_scene_events(s);
	tile_caveats_text_lang(ev, 1, req->lang, st->caveats_full, sizeof st->caveats_full);
	tile_caveats_text_lang(ev, !mv || !mv->ready || req->width >= 900, req->lang, st->caveats,
	                       sizeof st->caveats);
	alt_text(st, w, sh);
	size_t len = strlen(st->description);
	snprintf(st->description + len, sizeof st->description - len,
	         " %g,%g,%g,%g (W,S,E,N), %s.%s %s. %s", req->bbox.minx, req->bbox.miny,
	         req->bbox.maxx, req->bbox.maxy, st->crs, area, st->dateline, when);
}

typedef struct layout {
	double W, H;
	double k;   /* text and margins relative to a 1600x1000 sheet */
	double mag; /* map content magnification */
	double pad, gap;
	int portrait, compact;
	double hx, hy, hw;     /* header */
	double title_h, sub_y; /* title height, dateline top */
	double cav_y, cav_h;   /* the caveats, under the dateline */
	double map_x, map_y, map_w, map_h;
	double pan_x, pan_y, pan_w, pan_h; /* legend and locator */
	double inset_w, inset_h;
	double foot_y, foot_h, made_x, made_y, made_w, src_w;
	double fs_title, fs_sub, fs_body, fs_small;
} layout;

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Measures the header and footer; the rest is the body, split between map and panel. */
static void layout_compute(layout *L, textkit *tk, const sheet_text *st, int W, int H)
{
	memset(L, 0, sizeof(*L));
	L->W = W;
	L->H = H;
	L->k = clampd(sqrt((double)W * H / 1.6e6), 0.72, 4.0);
	L->mag = L->k > 1 ? pow(L->k, 0.6) : 1;
	L->portrait = H > W * 1.05;
	L->compact = W < 480 || H < 320;
	double k = L->k;
	L->pad = round(clampd(18 * k, 10, 80));
	L->gap = round(clampd(14 * k, 8, 60));
	L->fs_title = 25 * k;
	L->fs_sub = 13.5 * k;
	L->fs_body = fmax(9, 12.5 * k);
	L->fs_small = fmax(8, 10 * k);
	if (L->compact) {
		L->fs_title = fmax(11, 0.055 * H);
		L->fs_sub = fmax(8, L->fs_title * 0.6);
		L->fs_small = fmax(7, L->fs_sub * 0.9);
		L->pad = 8;
		L->gap = 6;
	}
	double inner = W - 2 * L->pad;
	L->hx = L->pad;
	L->hy = L->pad;
	L->hw = inner;
	text_set(tk, st->title, L->fs_title, TXT_BOLD, inner, L->compact ? 1 : 2);
	text_extent(tk, NULL, &L->title_h);
	double sub_h;
	text_set(tk, st->dateline, L->fs_sub, TXT_REGULAR, inner, 1);
	text_extent(tk, NULL, &sub_h);
	L->sub_y = L->hy + L->title_h + L->fs_sub * 0.15;
	double head_bottom = L->sub_y + sub_h + L->gap * 0.7;
	L->cav_y = L->sub_y + sub_h + L->gap * 0.35;
	L->cav_h = 0;
	if (st->caveats[0]) {
		text_set(tk, st->caveats, L->fs_small, TXT_REGULAR, inner, 0);
		text_extent(tk, NULL, &L->cav_h);
		head_bottom = L->cav_y + L->cav_h + L->gap * 0.7;
	}

	/* Footer: sources on the left, when and how on the right, or stacked when narrow. */
	double made_w, made_h, src_h;
	text_set(tk, st->made, L->fs_small, TXT_REGULAR, 0, 0);
	text_extent(tk, &made_w, &made_h);
	if (made_w < inner * 0.38) {
		L->src_w = inner - made_w - L->gap * 2;
		text_set(tk, st->sources, L->fs_small, TXT_REGULAR, L->src_w, 0);
		text_extent(tk, NULL, &src_h);
		L->foot_h = fmax(src_h, made_h);
		L->foot_y = H - L->pad - L->foot_h;
		L->made_x = W - L->pad - made_w;
		L->made_y = L->foot_y;
		L->made_w = made_w;
	} else {
		L->src_w = inner;
		text_set(tk, st->sources, L->fs_small, TXT_REGULAR, inner, 0);
		text_extent(tk, NULL, &src_h);
		text_set(tk, st->made, L->fs_small, TXT_REGULAR, inner, 0);
		text_extent(tk, NULL, &made_h);
		L->foot_h = src_h + made_h;
		L->foot_y = H - L->pad - L->foot_h;
		L->made_x = L->pad;
		L->made_y = L->foot_y + src_h;
		L->made_w = inner;
	}
	double body_y = round(head_bottom + L->gap * 0.3);
	double body_h = floor(L->foot_y - L->gap * 0.8 - body_y);
	L->map_x = L->pad;
	L->map_y = body_y;
	if (L->compact) {
		L->map_w = inner;
		L->map_h = body_h;
		return;
	}
	if (!L->portrait) {
		L->pan_w = round(clampd(W * 0.2, 150 * k, 290 * k));
		L->map_w = round(inner - L->pan_w - L->gap);
		L->map_h = body_h;
		L->pan_x = L->map_x + L->map_w + L->gap;
		L->pan_y = body_y;
		L->pan_h = body_h;
		L->inset_w = L->pan_w;
		L->inset_h = round(fmin(L->pan_w * 0.8, body_h * 0.45));
	} else {
		L->inset_w = round(clampd(inner * 0.32, 120 * k, 300 * k));
		L->inset_h = round(L->inset_w * 0.72);
		L->pan_x = L->pad;
		L->pan_w = inner;
		L->map_w = inner;
		L->map_h = body_h;
		L->pan_h = 0; /* set from the legend's height */
	}
}

static int draw_sheet(cairo_t *cr, const tile_scene *s, const tile_sheet_request *req, map_view *mv,
                      textkit *tk, const layout *L, const sheet_text *st, const shown *sh,
                      tile_error *err)
{
	int rc;
	double k = L->k;
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);

	/* Header: the title and the dateline. */
	text_set(tk, st->title, L->fs_title, TXT_BOLD, L->hw, L->compact ? 1 : 2);
	text_show(tk, L->hx, L->hy, INK);
	text_set(tk, st->dateline, L->fs_sub, TXT_REGULAR, L->hw, 1);
	text_show(tk, L->hx, L->sub_y, MUTED);
	/* The article's caveats, before the map: no reader sees the map without them. */
	if (st->caveats[0]) {
		cairo_rectangle(cr, L->hx - 4, L->cav_y - 2, 3, L->cav_h + 4);
		cairo_set_source_rgb(cr, ACCENT[0], ACCENT[1], ACCENT[2]);
		cairo_fill(cr);
		text_set(tk, st->caveats, L->fs_small, TXT_REGULAR, L->hw, 0);
		text_show(tk, L->hx + 2, L->cav_y, INK);
	}

	/* The map, magnified on big sheets so that its lettering keeps up with the sheet's. */
	cairo_save(cr);
	cairo_rectangle(cr, L->map_x, L->map_y, L->map_w, L->map_h);
	cairo_clip(cr);
	cairo_translate(cr, L->map_x, L->map_y);
	cairo_scale(cr, L->mag, L->mag);
	rc = map_draw_banded(mv, cr);
	cairo_restore(cr);
	if (rc) {
		tile_error_set(err, "drawing the map failed: %s",
		               cairo_status_to_string(cairo_status(cr)));
		return rc;
	}
	pango_cairo_update_layout(cr, tk->lay);
	if ((rc = draw_scale_bar(mv, tk, L->map_x, L->map_y, L->map_w, L->map_h, L->mag,
	                         L->compact ? fmax(0.72, L->fs_small / 10) : k)))
		return rc;
	if (!mv->merc && !L->compact && !north_is_up(&mv->ctx))
		draw_north_arrow(mv, tk, L->map_x, L->map_y, L->map_w, k);
	cairo_rectangle(cr, L->map_x + 0.5, L->map_y + 0.5, L->map_w - 1, L->map_h - 1);
	cairo_set_source_rgb(cr, FRAME[0], FRAME[1], FRAME[2]);
	cairo_set_line_width(cr, 1);
	cairo_stroke(cr);

	/* Legend and locator. */
	if (!L->compact) {
		legend_row rows[MAX_ROWS];
		size_t n = legend_rows(sh, rows);
		double fs = L->fs_body;
		double cap_h;
		text_set(tk, sh->w->location, fs * 0.82, TXT_BOLD | TXT_CAPS, 0, 0);
		text_extent(tk, NULL, &cap_h);
		double ix, iy;
		int inset = 1;
		if (!L->portrait) {
			/*
			 * A long legend first gets smaller type, then loses its base map section,
			 * then the locator: the events' key matters most.
			 */
			double room = L->pan_h - L->inset_h - cap_h - fs;
			while (fs > 8.5 && legend_run(tk, rows, n, 0, 0, L->pan_w, 1, fs, 0) > room)
				fs *= 0.94;
			if (legend_run(tk, rows, n, 0, 0, L->pan_w, 1, fs, 0) > room) {
				size_t keep = n;
				while (keep > 0 && rows[keep - 1].type != ROW_HEAD)
					keep--;
				if (keep > 1)
					n = keep - 1;
			}
			if (legend_run(tk, rows, n, 0, 0, L->pan_w, 1, fs, 0) > room)
				inset = 0;
			legend_run(tk, rows, n, L->pan_x, L->pan_y, L->pan_w, 1, fs, 1);
			ix = L->pan_x;
			iy = L->pan_y + L->pan_h - L->inset_h;
		} else {
			double lw = L->pan_w - L->inset_w - L->gap * 1.5;
			ix = L->pan_x + L->pan_w - L->inset_w;
			iy = L->map_y + L->map_h + L->gap + cap_h + fs * 0.45;
			legend_run(tk, rows, n, L->pan_x, L->map_y + L->map_h + L->gap, lw, 3, fs,
			           1);
		}
		if (inset) {
			text_set(tk, sh->w->location, L->fs_body * 0.82, TXT_BOLD | TXT_CAPS, 0, 0);
			text_show(tk, ix, iy - cap_h - L->fs_body * 0.3, MUTED);
			if ((rc = draw_inset(mv, cr, s, ix, iy, (int)L->inset_w, (int)L->inset_h,
			                     req->scale, err)))
				return rc;
		}
	}

	/* Footer: a hairline, the sources, when and how the sheet was made. */
	cairo_move_to(cr, L->pad, L->foot_y - L->gap * 0.45);
	cairo_line_to(cr, L->W - L->pad, L->foot_y - L->gap * 0.45);
	cairo_set_source_rgb(cr, RULE[0], RULE[1], RULE[2]);
	cairo_set_line_width(cr, 0.8);
	cairo_stroke(cr);
	text_set(tk, st->sources, L->fs_small, TXT_REGULAR, L->src_w, 0);
	text_show(tk, L->pad, L->foot_y, MUTED);
	text_set(tk, st->made, L->fs_small, TXT_REGULAR,
	         L->made_w < L->W - 2 * L->pad ? 0 : L->made_w, 0);
	text_show(tk, L->made_x, L->made_y, MUTED);
	return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : TILE_ECAIRO;
}

/* ---- output ------------------------------------------------------------------------------ */

typedef struct stream_sink {
	tile_buffer *buf;
	int failed;
} stream_sink;

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int len)
{
	stream_sink *sk = closure;
	if (tile_buffer_append(sk->buf, data, len)) {
		sk->failed = 1;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

/* Appends cairo's SVG with a <title> and <desc> just inside the root element. */
/*
 * Appends cairo's SVG body with its top group named "sheet": cairo numbers it
 * from a counter of the whole process, so equal requests would differ in that
 * number alone. Left as it is when something refers to it.
 */
static int svg_body_append(tile_buffer *out, const unsigned char *body, size_t len)
{
	static const char tag[] = "<g id=\"surface";
	const size_t n = sizeof tag - 1;
	const unsigned char *g = memmem(body, len, tag, n);
	if (!g || memmem(body, len, "#surface", 8))
		return tile_buffer_append(out, body, len);
	const unsigned char *end = body + len, *p = g + n;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (tile_buffer_append(out, body, (size_t)(g - body)) ||
	    tile_buffer_append(out, "<g id=\"sheet", 12))
		return -1;
	return tile_buffer_append(out, p, (size_t)(end - p));
}

static int svg_append(tile_buffer *out, const tile_buffer *svg, const char *title, const char *desc,
                      tile_error *err)
{
	const unsigned char *root = svg->len ? memmem(svg->data, svg->len, "<svg", 4) : NULL;
	const unsigned char *gt =
	    root ? memchr(root, '>', svg->len - (size_t)(root - svg->data)) : NULL;
	if (!gt) {
		tile_error_set(err, "cairo wrote an SVG without a root element");
		return TILE_ECAIRO;
	}
	size_t head = (size_t)(gt + 1 - svg->data);
	gchar *t = g_markup_escape_text(title, -1), *d = g_markup_escape_text(desc, -1);
	int rc = TILE_ENOMEM;
	if (t && d && !tile_buffer_append(out, svg->data, head) &&
	    !tile_buffer_append(out, "\n<title>", 8) && !tile_buffer_append(out, t, strlen(t)) &&
	    !tile_buffer_append(out, "</title>\n<desc>", 15) &&
	    !tile_buffer_append(out, d, strlen(d)) && !tile_buffer_append(out, "</desc>", 7) &&
	    !svg_body_append(out, svg->data + head, svg->len - head))
		rc = 0;
	g_free(t);
	g_free(d);
	if (rc)
		tile_error_set(err, "out of memory writing SVG");
	return rc;
}

static int check_request(const tile_sheet_request *req, tile_error *err)
{
	const geodata_bbox *b = &req->bbox;
	if ((unsigned)req->format > TILE_FORMAT_SVG) {
		tile_error_set(err, "unknown format (png, pdf or svg)");
		return TILE_EINVAL;
	}
	if (req->width <= 0 || req->height <= 0) {
		tile_error_set(err, "sheet size %dx%d is empty", req->width, req->height);
		return TILE_EINVAL;
	}
	if (req->scale != 1 && req->scale != 2) {
		tile_error_set(err, "scale must be 1 or 2, not %d", req->scale);
		return TILE_EINVAL;
	}
	long s = req->format == TILE_FORMAT_PNG ? req->scale : 1;
	long dw = req->width * s, dh = req->height * s;
	if (dw > TILE_MAX_SIDE || dh > TILE_MAX_SIDE) {
		tile_error_set(err, "sheet of %ldx%ld px is larger than the limit of %d px a side",
		               dw, dh, TILE_MAX_SIDE);
		return TILE_ETOOBIG;
	}
	if (dw * dh > TILE_MAX_PIXELS) {
		tile_error_set(err,
		               "sheet of %ldx%ld px (%ld pixels) is larger than the limit of %ld "
		               "pixels",
		               dw, dh, dw * dh, (long)TILE_MAX_PIXELS);
		return TILE_ETOOBIG;
	}
	if (!isfinite(b->minx) || !isfinite(b->miny) || !isfinite(b->maxx) || !isfinite(b->maxy) ||
	    !(b->minx < b->maxx) || !(b->miny < b->maxy) || b->minx < -180 || b->maxx > 180 ||
	    b->miny < -90 || b->maxy > 90) {
		tile_error_set(err,
		               "bad box %g,%g,%g,%g (expected west<east, south<north in degrees)",
		               b->minx, b->miny, b->maxx, b->maxy);
		return TILE_EINVAL;
	}
	if (crs_is_web_mercator(req->crs) && (b->miny < -MERC_MAX_LAT || b->maxy > MERC_MAX_LAT)) {
		tile_error_set(err,
		               "box %g,%g,%g,%g reaches beyond Web Mercator's latitude limit of %g",
		               b->minx, b->miny, b->maxx, b->maxy, MERC_MAX_LAT);
		return TILE_EINVAL;
	}
	return 0;
}

/* The bare map in Web Mercator as PNG is exactly a tile view, so that it matches tile mosaics. */
static int bare_merc_png(const tile_scene *s, const tile_sheet_request *req,
                         const tile_png_meta *meta, tile_buffer *out, tile_error *err)
{
	tile_view v = {.width = req->width,
	               .height = req->height,
	               .scale = req->scale,
	               .tileset = TILE_TILESET_BRIEFING,
	               .until = req->until};
	int rc = merc_extent(&req->bbox, req->width, req->height, &v.extent, err);
	if (rc)
		return rc;
	void *surf = NULL;
	if ((rc = tile_view_render(s, &v, &surf, err)))
		return rc;
	rc = png_write_surface(surf, meta, SHEET_PNG_LEVEL, 0, out, err);
	cairo_surface_destroy(surf);
	return rc;
}

/* The legend's height below a portrait map: measured on what a map of that size would show. */
static int portrait_fit(layout *L, textkit *tk, const tile_scene *s, const tile_sheet_request *req,
                        tile_error *err)
{
	map_view probe;
	shown sh;
	legend_row rows[MAX_ROWS];
	double lw = L->pan_w - L->inset_w - L->gap * 1.5;
	double est = floor(L->map_h - L->gap - L->inset_h - L->fs_body * 3);
	if (est < 1)
		est = 1;
	int rc = map_setup(&probe, s, req, (int)ceil(L->map_w / L->mag), (int)ceil(est / L->mag), 0,
	                   err);
	if (rc) {
		map_finish(&probe);
		return rc;
	}
	shown_collect(&probe, &sh);
	shown_lang(&sh, req);
	/* Without placed labels the dots are unknown: keep room for them. */
	sh.capital = sh.city = 1;
	map_finish(&probe);
	size_t n = legend_rows(&sh, rows);
	double lh = legend_run(tk, rows, n, 0, 0, lw, 3, L->fs_body, 0);
	L->pan_h = fmax(lh, L->inset_h + L->fs_body * 2);
	L->map_h = floor(L->map_h - L->gap - L->pan_h);
	if (L->map_h < L->H * 0.3) {
		/* No room for both: the map wins, the legend goes. */
		L->compact = 1;
		L->map_h = floor(L->map_h + L->gap + L->pan_h);
	}
	return 0;
}

int tile_sheet_render(const tile_scene *s, const tile_sheet_request *req, tile_buffer *out,
                      tile_error *err)
{
	if (!s || !req || !out) {
		tile_error_set(err, "no scene, request or output");
		return TILE_EINVAL;
	}
	int rc = check_request(req, err);
	if (rc)
		return rc;
	int W = req->width, H = req->height, png = req->format == TILE_FORMAT_PNG;
	int dev = png ? req->scale : 1;
	size_t start = out->len;
	tile_buffer vec = {0};
	stream_sink sink = {&vec, 0};
	cairo_surface_t *surf = NULL;
	cairo_t *cr = NULL;
	textkit tk = {0};
	map_view mv;
	layout L;
	shown sh;
	sheet_text st;
	memset(&mv, 0, sizeof mv);

	if (req->bare && png && crs_is_web_mercator(req->crs)) {
		/* Only the provenance needs the map's context here: the pixels are a tile view's.
		 */
		if ((rc = map_setup(&mv, s, req, W, H, 0, err)))
			goto done;
		shown_collect(&mv, &sh);
		shown_lang(&sh, req);
		sheet_text_init(&st, s, req, &sh, &mv);
		tile_png_meta meta = {.title = st.title,
		                      .source = st.sources,
		                      .software = "briefmap",
		                      .creation_time = st.iso_time,
		                      .description = st.description};
		rc = bare_merc_png(s, req, &meta, out, err);
		if (req->info)
			sheet_info(&mv, &sh, 0, req->info);
		goto done;
	}
	if (req->bare && (rc = map_setup(&mv, s, req, W, H, 1, err)))
		goto done;
	if (png)
		surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W * dev, H * dev);
	else if (req->format == TILE_FORMAT_PDF)
		surf = cairo_pdf_surface_create_for_stream(sink_write, &sink, W, H);
	else
		surf = cairo_svg_surface_create_for_stream(sink_write, &sink, W, H);
	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
		tile_error_set(err, "cannot create a %dx%d surface: %s", W * dev, H * dev,
		               cairo_status_to_string(cairo_surface_status(surf)));
		rc = TILE_ENOMEM;
		goto done;
	}
	if (req->format == TILE_FORMAT_SVG)
		cairo_svg_surface_set_document_unit(surf, CAIRO_SVG_UNIT_PT);
	cr = cairo_create(surf);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		tile_error_set(err, "cannot draw: %s", cairo_status_to_string(cairo_status(cr)));
		rc = TILE_ENOMEM;
		goto done;
	}
	cairo_scale(cr, dev, dev);
	if ((rc = textkit_init(&tk, cr))) {
		tile_error_set(err, "out of memory setting up text");
		goto done;
	}

	if (!req->bare) {
		/* The map frame depends on the furniture's size, measured with stand-in text. */
		sheet_text probe;
		memset(&sh, 0, sizeof sh);
		shown_lang(&sh, req);
		sh.nevents = 99;
		sheet_text_init(&probe, s, req, &sh, NULL);
		layout_compute(&L, &tk, &probe, W, H);
		if (L.portrait && !L.compact && (rc = portrait_fit(&L, &tk, s, req, err)))
			goto done;
		int mw = (int)ceil(L.map_w / L.mag), mh = (int)ceil(L.map_h / L.mag);
		if ((rc = map_setup(&mv, s, req, mw < 1 ? 1 : mw, mh < 1 ? 1 : mh, 1, err)))
			goto done;
	}
	shown_collect(&mv, &sh);
	shown_lang(&sh, req);
	sheet_text_init(&st, s, req, &sh, &mv);

	if (req->bare) {
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_paint(cr);
		if ((rc = map_draw_banded(&mv, cr))) {
			tile_error_set(err, "drawing the map failed: %s",
			               cairo_status_to_string(cairo_status(cr)));
			goto done;
		}
	} else if ((rc = draw_sheet(cr, s, req, &mv, &tk, &L, &st, &sh, err))) {
		goto done;
	}
	if (req->info)
		sheet_info(&mv, &sh, !req->bare && st.caveats[0], req->info);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		tile_error_set(err, "drawing failed: %s", cairo_status_to_string(cairo_status(cr)));
		rc = TILE_ECAIRO;
		goto done;
	}
	textkit_finish(&tk);
	cairo_destroy(cr);
	cr = NULL;

	if (png) {
		tile_png_meta meta = {.title = st.title,
		                      .source = st.sources,
		                      .software = "briefmap",
		                      .creation_time = st.iso_time,
		                      .description = st.description};
		rc = png_write_surface(surf, &meta, SHEET_PNG_LEVEL, 0, out, err);
		goto done;
	}
	if (req->format == TILE_FORMAT_PDF) {
		cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, st.title);
		cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_SUBJECT, st.description);
		cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_KEYWORDS, st.sources);
		cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "briefmap");
		cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE, st.iso_time);
	}
	cairo_surface_finish(surf);
	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS || sink.failed) {
		tile_error_set(err, "writing the %s failed: %s",
		               req->format == TILE_FORMAT_PDF ? "PDF" : "SVG",
		               sink.failed ? "out of memory"
		                           : cairo_status_to_string(cairo_surface_status(surf)));
		rc = sink.failed ? TILE_ENOMEM : TILE_ECAIRO;
		goto done;
	}
	if (req->format == TILE_FORMAT_PDF) {
		if (tile_buffer_append(out, vec.data, vec.len)) {
			tile_error_set(err, "out of memory writing PDF");
			rc = TILE_ENOMEM;
		}
	} else {
		char desc[sizeof st.description + sizeof st.sources + 8];
		snprintf(desc, sizeof desc, "%s %s.", st.description, st.sources);
		rc = svg_append(out, &vec, st.title, desc, err);
	}
done:
	textkit_finish(&tk);
	if (cr)
		cairo_destroy(cr);
	if (surf)
		cairo_surface_destroy(surf);
	map_finish(&mv);
	tile_buffer_finish(&vec);
	if (rc)
		out->len = start;
	return rc;
}
