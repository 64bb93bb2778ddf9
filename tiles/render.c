/* render.c: draws the base map (land, borders, coasts) and composes events and labels over it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/* The briefing style: calm sea and land, the two countries of the story slightly warmer. */
static const double OCEAN[3] = {0.839, 0.894, 0.925};
static const double LAND[3] = {0.953, 0.941, 0.918};
static const double EMPHASIS[3] = {0.973, 0.933, 0.847};
static const double BORDER[3] = {0.60, 0.55, 0.50};
static const double STATE[3] = {0.72, 0.67, 0.61};
static const double COAST[3] = {0.54, 0.66, 0.74};

static double zoom_width(int z, double lo, double mid, double hi)
{
	return z <= 3 ? lo : z <= 5 ? mid : hi;
}

void render_ctx_init_merc(render_ctx *ctx, const tile_scene *s, const tile_view *v, cairo_t *cr)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->cr = cr;
	ctx->scene = s;
	ctx->extent = v->extent;
	ctx->width = v->width;
	ctx->height = v->height;
	ctx->scale = v->scale;
	ctx->res = (v->extent.maxx - v->extent.minx) / v->width;
	ctx->ox = v->extent.minx;
	ctx->oy = v->extent.maxy;
	ctx->until = v->until;
	ctx->zoomf = log2(2 * GEODATA_MERC_HALF / (256.0 * ctx->res));
	long z = lround(ctx->zoomf);
	ctx->zoom = z < 0 ? 0 : z > GEODATA_MAX_ZOOM ? GEODATA_MAX_ZOOM : (int)z;
	double m = 32 * ctx->res;
	ctx->query = (geodata_bbox){v->extent.minx - m, v->extent.miny - m, v->extent.maxx + m,
	                            v->extent.maxy + m};
}

void render_ctx_finish(render_ctx *ctx)
{
	free(ctx->scratch);
	free(ctx->px);
	free(ctx->clip_a);
	free(ctx->clip_b);
	ctx->px = ctx->clip_a = ctx->clip_b = NULL;
	ctx->px_cap = ctx->clip_a_cap = ctx->clip_b_cap = 0;
	geodata_proj_destroy(ctx->to_merc);
	ctx->to_merc = NULL;
	ctx->scratch = NULL;
	ctx->scratch_cap = 0;
}

static int grow(double **buf, size_t *cap, size_t need)
{
	if (*cap >= need)
		return 0;
	size_t c = *cap ? *cap : 1024;
	while (c < need)
		c *= 2;
	double *nb = realloc(*buf, c * sizeof(double));
	if (!nb)
		return TILE_ENOMEM;
	*buf = nb;
	*cap = c;
	return 0;
}

static void emit_plain(cairo_t *cr, const double *p, size_t n, int closed)
{
	for (size_t i = 0; i < n; i++) {
		if (i == 0)
			cairo_move_to(cr, p[0], p[1]);
		else
			cairo_line_to(cr, p[2 * i], p[2 * i + 1]);
	}
	if (closed && n)
		cairo_close_path(cr);
}

/* One Sutherland-Hodgman pass against the half-plane coord[axis] * sign <= limit * sign. */
static size_t clip_pass(const double *in, size_t n, double *out, int axis, double limit, int sign)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		const double *a = in + 2 * ((i + n - 1) % n), *b = in + 2 * i;
		int ain = (a[axis] - limit) * sign <= 0, bin = (b[axis] - limit) * sign <= 0;
		if (ain != bin) {
			double t = (limit - a[axis]) / (b[axis] - a[axis]);
			out[2 * m] = a[0] + t * (b[0] - a[0]);
			out[2 * m + 1] = a[1] + t * (b[1] - a[1]);
			m++;
		}
		if (bin) {
			out[2 * m] = b[0];
			out[2 * m + 1] = b[1];
			m++;
		}
	}
	return m;
}

/*
 * Fills only need the part of a ring inside the view (plus a margin): clipping
 * first keeps cairo from sorting thousands of edges that fall outside a tile.
 */
static int emit_fill(render_ctx *ctx, const double *p, size_t n)
{
	double m = 4, x0 = -m, y0 = -m, x1 = ctx->width + m, y1 = ctx->height + m;
	int inside = 1;
	for (size_t i = 0; i < n && inside; i++)
		inside =
		    p[2 * i] >= x0 && p[2 * i] <= x1 && p[2 * i + 1] >= y0 && p[2 * i + 1] <= y1;
	if (inside) {
		emit_plain(ctx->cr, p, n, 1);
		return 0;
	}
	/* Each pass adds at most one vertex per edge it cuts. */
	if (grow(&ctx->clip_a, &ctx->clip_a_cap, 4 * n + 16) ||
	    grow(&ctx->clip_b, &ctx->clip_b_cap, 4 * n + 16))
		return TILE_ENOMEM;
	size_t k = clip_pass(p, n, ctx->clip_a, 0, x0, -1);
	k = k ? clip_pass(ctx->clip_a, k, ctx->clip_b, 0, x1, 1) : 0;
	k = k ? clip_pass(ctx->clip_b, k, ctx->clip_a, 1, y0, -1) : 0;
	k = k ? clip_pass(ctx->clip_a, k, ctx->clip_b, 1, y1, 1) : 0;
	if (k >= 3)
		emit_plain(ctx->cr, ctx->clip_b, k, 1);
	return 0;
}

static int seg_visible(const double *a, const double *b, double x0, double y0, double x1, double y1)
{
	return !((a[0] < x0 && b[0] < x0) || (a[0] > x1 && b[0] > x1) || (a[1] < y0 && b[1] < y0) ||
	         (a[1] > y1 && b[1] > y1));
}

/*
 * Strokes only the segments near the view. Dashes are laid out here, by the
 * distance along the run from its start, rather than by cairo: a dash then
 * falls at the same place of the map in every tile and in every render.
 */
static void emit_stroke(render_ctx *ctx, const double *p, size_t n, int closed)
{
	cairo_t *cr = ctx->cr;
	double m = 8, x0 = -m, y0 = -m, x1 = ctx->width + m, y1 = ctx->height + m;
	double on = ctx->dash_on, period = ctx->dash_on + ctx->dash_off;
	double s = 0;
	int pen = 0;
	size_t segs = closed ? n : (n ? n - 1 : 0);
	for (size_t i = 0; i < segs; i++) {
		const double *a = p + 2 * i, *b = p + 2 * ((i + 1) % n);
		double dx = b[0] - a[0], dy = b[1] - a[1];
		double len = sqrt(dx * dx + dy * dy);
		if (!seg_visible(a, b, x0, y0, x1, y1) || len <= 0) {
			pen = pen && len <= 0;
			s += len;
			continue;
		}
		if (on <= 0) {
			if (!pen)
				cairo_move_to(cr, a[0], a[1]);
			cairo_line_to(cr, b[0], b[1]);
			pen = 1;
			s += len;
			continue;
		}
		/* Walk the dashes by index: floating phases could stall on a boundary. */
		double end_s = s + len;
		int cont = pen;
		pen = 0;
		for (long k = (long)floor(s / period);; k++) {
			double ds = (double)k * period;
			if (ds >= end_s)
				break;
			double a0 = fmax(ds, s), a1 = fmin(ds + on, end_s);
			if (a1 <= a0)
				continue;
			if (!(cont && a0 == s)) {
				double f = (a0 - s) / len;
				cairo_move_to(cr, a[0] + f * dx, a[1] + f * dy);
			}
			double g = (a1 - s) / len;
			cairo_line_to(cr, a[0] + g * dx, a[1] + g * dy);
			cont = 0;
			pen = a1 >= end_s;
		}
		s = end_s;
	}
}

static int emit_run(render_ctx *ctx, const double *p, size_t n, int closed)
{
	switch (ctx->path_mode) {
	case RENDER_PATH_FILL:
		return closed ? emit_fill(ctx, p, n) : 0;
	case RENDER_PATH_STROKE:
		emit_stroke(ctx, p, n, closed);
		return 0;
	default:
		emit_plain(ctx->cr, p, n, closed);
		return 0;
	}
}

static int path_merc(render_ctx *ctx, const geodata_geom *g)
{
	const double *xy = g->xy;
	double inv = 1.0 / ctx->res;
	int closed = g->type == GEODATA_GEOM_POLYGON;
	for (uint32_t part = 0; part < g->nparts; part++) {
		uint32_t n = g->part_len[part];
		if (grow(&ctx->px, &ctx->px_cap, 2 * (size_t)n))
			return TILE_ENOMEM;
		for (uint32_t i = 0; i < n; i++) {
			ctx->px[2 * i] = (xy[2 * i] - ctx->ox) * inv;
			ctx->px[2 * i + 1] = (ctx->oy - xy[2 * i + 1]) * inv;
		}
		/* Rings are stored closed; the emitters close them themselves. */
		size_t m =
		    closed && n > 1 && xy[0] == xy[2 * (n - 1)] && xy[1] == xy[2 * (n - 1) + 1]
		        ? n - 1
		        : n;
		int rc = emit_run(ctx, ctx->px, m, closed);
		if (rc)
			return rc;
		xy += 2 * (size_t)n;
	}
	return 0;
}

static int path_projected(render_ctx *ctx, const geodata_geom *g)
{
	if (grow(&ctx->scratch, &ctx->scratch_cap, 2 * (size_t)g->npoints))
		return TILE_ENOMEM;
	memcpy(ctx->scratch, g->xy, 2 * (size_t)g->npoints * sizeof(double));
	if (geodata_proj_trans(ctx->proj, ctx->scratch, g->npoints, 0))
		return TILE_ECRS;
	const double *xy = ctx->scratch;
	int closed = g->type == GEODATA_GEOM_POLYGON;
	for (uint32_t part = 0; part < g->nparts; part++) {
		uint32_t n = g->part_len[part];
		if (grow(&ctx->px, &ctx->px_cap, 2 * (size_t)n))
			return TILE_ENOMEM;
		size_t m = 0;
		int broken = 0;
		for (uint32_t i = 0; i < n; i++) {
			double x = (xy[2 * i] - ctx->ox) / ctx->res;
			double y = (ctx->oy - xy[2 * i + 1]) / ctx->res;
			/* Points outside the projection's domain break the run instead of spiking.
			 */
			if (!isfinite(x) || !isfinite(y) || fabs(x) > 1e6 || fabs(y) > 1e6) {
				if (m > 1) {
					int rc = emit_run(ctx, ctx->px, m, 0);
					if (rc)
						return rc;
				}
				m = 0;
				broken = 1;
				continue;
			}
			ctx->px[2 * m] = x;
			ctx->px[2 * m + 1] = y;
			m++;
		}
		if (m > 1) {
			int rc = emit_run(ctx, ctx->px, m, closed && !broken);
			if (rc)
				return rc;
		}
		xy += 2 * (size_t)n;
	}
	return 0;
}

int render_path_geom(render_ctx *ctx, const geodata_geom *merc, const geodata_geom *lonlat)
{
	if (!ctx->proj) {
		if (merc && merc->type != GEODATA_GEOM_POINT && merc->npoints)
			return path_merc(ctx, merc);
		return 0;
	}
	if (lonlat && lonlat->type != GEODATA_GEOM_POINT && lonlat->npoints)
		return path_projected(ctx, lonlat);
	return 0;
}

int render_lonlat_to_px(render_ctx *ctx, double lon, double lat, double *px, double *py)
{
	double xy[2] = {lon, lat};
	if (!ctx->proj) {
		xy[1] = fmax(-85.05112878, fmin(85.05112878, lat));
		if (!ctx->to_merc) {
			geodata_error e;
			ctx->to_merc = geodata_proj_create("EPSG:4326", "EPSG:3857", &e);
			if (!ctx->to_merc)
				return -1;
		}
		if (geodata_proj_trans(ctx->to_merc, xy, 1, 0))
			return -1;
		render_merc_to_px(ctx, xy[0], xy[1], px, py);
	} else {
		if (geodata_proj_trans(ctx->proj, xy, 1, 0))
			return -1;
		*px = (xy[0] - ctx->ox) / ctx->res;
		*py = (ctx->oy - xy[1]) / ctx->res;
	}
	return isfinite(*px) && isfinite(*py) ? 0 : -1;
}

typedef struct {
	render_ctx *ctx;
	int mode; /* 0: every piece, 1: emphasised countries only */
	int rc;
} path_walk;

static int add_piece(const geodata_piece *p, const geodata_feature *f, void *ud)
{
	path_walk *w = ud;
	if (w->mode == 1 && !tile_emphasis_has(w->ctx->emphasis, f->code))
		return 0;
	const geodata_geom *g = &p->level[w->ctx->zoom];
	if (!g->npoints)
		return 0;
	w->rc = render_path_geom(w->ctx, g, &p->lonlat);
	return w->rc;
}

static int layer_path(render_ctx *ctx, geodata_layer_id id, int mode, int path_mode)
{
	const geodata_layer *L = geodata_layer_get(tile_scene_data(ctx->scene), id);
	path_walk w = {ctx, mode, 0};
	cairo_new_path(ctx->cr);
	ctx->path_mode = path_mode;
	geodata_layer_query(L, &ctx->query, add_piece, &w);
	ctx->path_mode = RENDER_PATH_PLAIN;
	return w.rc;
}

static void set_rgb(cairo_t *cr, const double c[3])
{
	cairo_set_source_rgb(cr, c[0], c[1], c[2]);
}

static int draw_base(render_ctx *ctx)
{
	cairo_t *cr = ctx->cr;
	int z = ctx->zoom, rc;
	/*
	 * The detailed layers cover the region only: a view that reaches past
	 * them takes the world layers, so that no clipping edge is ever drawn.
	 */
	geodata_layer_stats st;
	geodata_layer_stats_get(geodata_layer_get(tile_scene_data(ctx->scene), GEODATA_LAND), &st);
	int low = z <= 3 || ctx->query.minx < st.extent_merc.minx ||
	          ctx->query.maxx > st.extent_merc.maxx || ctx->query.miny < st.extent_merc.miny ||
	          ctx->query.maxy > st.extent_merc.maxy;
	geodata_layer_id land = low ? GEODATA_LAND_LOW : GEODATA_LAND;
	geodata_layer_id countries = low ? GEODATA_COUNTRIES_LOW : GEODATA_COUNTRIES;

	set_rgb(cr, OCEAN);
	cairo_paint(cr);
	cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
	if ((rc = layer_path(ctx, land, 0, RENDER_PATH_FILL)))
		return rc;
	set_rgb(cr, LAND);
	cairo_fill(cr);
	if (ctx->emphasis && ctx->emphasis->n) {
		if ((rc = layer_path(ctx, countries, 1, RENDER_PATH_FILL)))
			return rc;
		set_rgb(cr, EMPHASIS);
		cairo_fill(cr);
	}

	/* Bevel joins: at these widths they look the same as round ones and cost far less to
	 * stroke. */
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_BEVEL);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
	/* State lines first, then national borders, then the coast: each hides the one below where
	 * they meet. */
	if (z >= 4) {
		ctx->dash_on = 3.0;
		ctx->dash_off = 2.2;
		rc = layer_path(ctx, GEODATA_STATES, 0, RENDER_PATH_STROKE);
		ctx->dash_on = ctx->dash_off = 0;
		if (rc)
			return rc;
		cairo_set_line_width(cr, z >= 6 ? 0.8 : 0.6);
		set_rgb(cr, STATE);
		cairo_stroke(cr);
	}
	if ((rc = layer_path(ctx, countries, 0, RENDER_PATH_STROKE)))
		return rc;
	double bw = zoom_width(z, 0.5, 0.9, 1.2);
	cairo_set_line_width(cr, bw);
	set_rgb(cr, BORDER);
	cairo_stroke(cr);
	if ((rc = layer_path(ctx, land, 0, RENDER_PATH_STROKE)))
		return rc;
	cairo_set_line_width(cr, bw + 0.3);
	set_rgb(cr, COAST);
	cairo_stroke(cr);
	return 0;
}

int render_map(render_ctx *ctx, int base, int events, const label_set *ls, double gx, double gy)
{
	int rc = 0;
	ctx->emphasis = events ? scene_emphasis(ctx->scene) : NULL;
	if (base && (rc = draw_base(ctx)))
		return rc;
	geodata_events *ev = tile_scene_events(ctx->scene);
	ctx->labels = ls;
	ctx->labels_gx = gx;
	ctx->labels_gy = gy;
	if (events && ev && (rc = symbols_draw_events(ctx, ev)))
		return rc;
	if ((rc = labels_draw(ctx, ls, gx, gy, base, events)))
		return rc;
	return cairo_status(ctx->cr) == CAIRO_STATUS_SUCCESS ? 0 : TILE_ECAIRO;
}

static int check_size(int w, int h, int scale, tile_error *err)
{
	if (w <= 0 || h <= 0) {
		tile_error_set(err, "image size %dx%d is empty", w, h);
		return TILE_EINVAL;
	}
	if (scale != 1 && scale != 2) {
		tile_error_set(err, "scale must be 1 or 2, not %d", scale);
		return TILE_EINVAL;
	}
	long dw = (long)w * scale, dh = (long)h * scale;
	if (dw > TILE_MAX_SIDE || dh > TILE_MAX_SIDE) {
		tile_error_set(err, "image %ldx%ld px is larger than the limit of %d px a side", dw,
		               dh, TILE_MAX_SIDE);
		return TILE_ETOOBIG;
	}
	if (dw * dh > TILE_MAX_PIXELS) {
		tile_error_set(err, "image of %ld px is larger than the limit of %ld megapixels",
		               dw * dh, TILE_MAX_PIXELS / 1000000);
		return TILE_ETOOBIG;
	}
	return 0;
}

int tile_view_render(const tile_scene *s, const tile_view *v, void **surface, tile_error *err)
{
	int rc = check_size(v->width, v->height, v->scale, err);
	if (rc)
		return rc;
	if (!(v->extent.maxx > v->extent.minx) || !(v->extent.maxy > v->extent.miny)) {
		tile_error_set(err, "empty extent");
		return TILE_EINVAL;
	}
	cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, v->width * v->scale,
	                                                   v->height * v->scale);
	cairo_t *cr = NULL;
	render_ctx ctx;
	label_set local = {0};
	const label_set *ls = NULL;
	double gx = 0, gy = 0;
	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
		rc = TILE_ENOMEM;
		tile_error_set(err, "cannot create a %dx%d image: %s", v->width * v->scale,
		               v->height * v->scale,
		               cairo_status_to_string(cairo_surface_status(surf)));
		goto out;
	}
	cr = cairo_create(surf);
	cairo_scale(cr, v->scale, v->scale);
	render_ctx_init_merc(&ctx, s, v, cr);
	/* Square pixels only: a stretched view would draw a lie. */
	double resy = (v->extent.maxy - v->extent.miny) / v->height;
	if (fabs(resy - ctx.res) > 1e-6 * ctx.res) {
		ctx.res = fmax(ctx.res, resy);
	}
	if (fabs(ctx.zoomf - ctx.zoom) < 1e-6) {
		ls = v->tileset == TILE_TILESET_BASE ? scene_base_labels(s, ctx.zoom)
		                                     : scene_labels(s, ctx.zoom);
		gx = (ctx.ox + GEODATA_MERC_HALF) / ctx.res;
		gy = (GEODATA_MERC_HALF - ctx.oy) / ctx.res;
		/* Tile-aligned views sit on whole pixels of the zoom's grid, up to rounding. */
		if (fabs(gx - round(gx)) < 1e-6)
			gx = round(gx);
		if (fabs(gy - round(gy)) < 1e-6)
			gy = round(gy);
	} else if ((rc = labels_place_view(&ctx, &local)) == 0) {
		ls = &local;
	} else {
		tile_error_set(err, "label placement failed");
		goto out_ctx;
	}
	int base = v->tileset != TILE_TILESET_EVENTS, events = v->tileset != TILE_TILESET_BASE;
	rc = render_map(&ctx, base, events, ls, gx, gy);
	if (rc)
		tile_error_set(err, "drawing failed: %s", cairo_status_to_string(cairo_status(cr)));
out_ctx:
	labels_finish(&local);
	render_ctx_finish(&ctx);
out:
	if (cr)
		cairo_destroy(cr);
	if (rc) {
		cairo_surface_destroy(surf);
		return rc;
	}
	*surface = surf;
	return 0;
}

int tile_render_xyz_as(const tile_scene *s, tile_tileset ts, int z, long x, long y, int scale,
                       geodata_day until, tile_image_format fmt, tile_buffer *out,
                       tile_error *err)
{
	tile_view v = {
	    .width = TILE_SIZE, .height = TILE_SIZE, .scale = scale, .tileset = ts, .until = until};
	const tile_image_codec *codec = tile_image_codec_get(fmt);
	if ((unsigned)ts >= TILE_TILESET_COUNT || !codec) {
		tile_error_set(err, "unknown tileset or format");
		return TILE_EINVAL;
	}
	if (tile_xyz_bbox(z, x, y, &v.extent)) {
		tile_error_set(err, "tile %d/%ld/%ld is outside the pyramid (zoom 0-%d)", z, x, y,
		               GEODATA_MAX_ZOOM);
		return TILE_ERANGE;
	}
	void *surf = NULL;
	int rc = tile_view_render(s, &v, &surf, err);
	if (rc)
		return rc;
	rc = codec->encode(surf, out, err);
	cairo_surface_destroy(surf);
	return rc;
}

int tile_render_xyz(const tile_scene *s, tile_tileset ts, int z, long x, long y, int scale,
                    geodata_day until, tile_buffer *png, tile_error *err)
{
	return tile_render_xyz_as(s, ts, z, x, y, scale, until, TILE_IMAGE_PNG, png, err);
}
