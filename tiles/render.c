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

/* Natural Earth numeric ids of Mexico and Venezuela. */
static int emphasised(const geodata_feature *f)
{
	return !strcmp(f->code, "484") || !strcmp(f->code, "862");
}

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
	geodata_proj_destroy(ctx->to_merc);
	ctx->to_merc = NULL;
	ctx->scratch = NULL;
	ctx->scratch_cap = 0;
}

static void path_merc(render_ctx *ctx, const geodata_geom *g)
{
	cairo_t *cr = ctx->cr;
	const double *xy = g->xy;
	double inv = 1.0 / ctx->res;
	int closed = g->type == GEODATA_GEOM_POLYGON;
	for (uint32_t p = 0; p < g->nparts; p++) {
		uint32_t n = g->part_len[p];
		for (uint32_t i = 0; i < n; i++) {
			double x = (xy[2 * i] - ctx->ox) * inv, y = (ctx->oy - xy[2 * i + 1]) * inv;
			if (i == 0)
				cairo_move_to(cr, x, y);
			else
				cairo_line_to(cr, x, y);
		}
		if (closed && n)
			cairo_close_path(cr);
		xy += 2 * (size_t)n;
	}
}

static int path_projected(render_ctx *ctx, const geodata_geom *g)
{
	if (ctx->scratch_cap < 2 * (size_t)g->npoints) {
		double *s = realloc(ctx->scratch, 2 * (size_t)g->npoints * sizeof(double));
		if (!s)
			return TILE_ENOMEM;
		ctx->scratch = s;
		ctx->scratch_cap = 2 * (size_t)g->npoints;
	}
	memcpy(ctx->scratch, g->xy, 2 * (size_t)g->npoints * sizeof(double));
	if (geodata_proj_trans(ctx->proj, ctx->scratch, g->npoints, 0))
		return TILE_ECRS;
	cairo_t *cr = ctx->cr;
	const double *xy = ctx->scratch;
	int closed = g->type == GEODATA_GEOM_POLYGON;
	for (uint32_t p = 0; p < g->nparts; p++) {
		uint32_t n = g->part_len[p];
		int open = 0;
		for (uint32_t i = 0; i < n; i++) {
			double x = (xy[2 * i] - ctx->ox) / ctx->res;
			double y = (ctx->oy - xy[2 * i + 1]) / ctx->res;
			/* Points outside the projection's domain break the run instead of spiking.
			 */
			if (!isfinite(x) || !isfinite(y) || fabs(x) > 1e6 || fabs(y) > 1e6) {
				open = 0;
				continue;
			}
			if (!open)
				cairo_move_to(cr, x, y);
			else
				cairo_line_to(cr, x, y);
			open = 1;
		}
		if (closed && open)
			cairo_close_path(cr);
		xy += 2 * (size_t)n;
	}
	return 0;
}

int render_path_geom(render_ctx *ctx, const geodata_geom *merc, const geodata_geom *lonlat)
{
	if (!ctx->proj) {
		if (merc && merc->type != GEODATA_GEOM_POINT && merc->npoints)
			path_merc(ctx, merc);
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
	if (w->mode == 1 && !emphasised(f))
		return 0;
	const geodata_geom *g = &p->level[w->ctx->zoom];
	if (!g->npoints)
		return 0;
	w->rc = render_path_geom(w->ctx, g, &p->lonlat);
	return w->rc;
}

static int layer_path(render_ctx *ctx, geodata_layer_id id, int mode)
{
	const geodata_layer *L = geodata_layer_get(tile_scene_data(ctx->scene), id);
	path_walk w = {ctx, mode, 0};
	cairo_new_path(ctx->cr);
	geodata_layer_query(L, &ctx->query, add_piece, &w);
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
	int low = z <= 3;
	geodata_layer_id land = low ? GEODATA_LAND_LOW : GEODATA_LAND;
	geodata_layer_id countries = low ? GEODATA_COUNTRIES_LOW : GEODATA_COUNTRIES;

	set_rgb(cr, OCEAN);
	cairo_paint(cr);
	cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
	if ((rc = layer_path(ctx, land, 0)))
		return rc;
	set_rgb(cr, LAND);
	cairo_fill(cr);
	if ((rc = layer_path(ctx, countries, 1)))
		return rc;
	set_rgb(cr, EMPHASIS);
	cairo_fill(cr);

	/* Bevel joins: at these widths they look the same as round ones and cost far less to stroke. */
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_BEVEL);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
	/* State lines first, then national borders, then the coast: each hides the one below where
	 * they meet. */
	if (z >= 4) {
		if ((rc = layer_path(ctx, GEODATA_STATES, 0)))
			return rc;
		double dash[2] = {3.0, 2.2};
		cairo_set_dash(cr, dash, 2, 0);
		cairo_set_line_width(cr, z >= 6 ? 0.8 : 0.6);
		set_rgb(cr, STATE);
		cairo_stroke(cr);
		cairo_set_dash(cr, NULL, 0, 0);
	}
	if ((rc = layer_path(ctx, countries, 0)))
		return rc;
	double bw = zoom_width(z, 0.5, 0.9, 1.2);
	cairo_set_line_width(cr, bw);
	set_rgb(cr, BORDER);
	cairo_stroke(cr);
	if ((rc = layer_path(ctx, land, 0)))
		return rc;
	cairo_set_line_width(cr, bw + 0.3);
	set_rgb(cr, COAST);
	cairo_stroke(cr);
	return 0;
}

int render_map(render_ctx *ctx, int base, int events, const label_set *ls, double gx, double gy)
{
	int rc = 0;
	if (base && (rc = draw_base(ctx)))
		return rc;
	geodata_events *ev = tile_scene_events(ctx->scene);
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
		ls = scene_labels(s, ctx.zoom);
		gx = (ctx.ox + GEODATA_MERC_HALF) / ctx.res;
		gy = (GEODATA_MERC_HALF - ctx.oy) / ctx.res;
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

int tile_render_xyz(const tile_scene *s, tile_tileset ts, int z, long x, long y, int scale,
                    geodata_day until, tile_buffer *png, tile_error *err)
{
	tile_view v = {
	    .width = TILE_SIZE, .height = TILE_SIZE, .scale = scale, .tileset = ts, .until = until};
	if ((unsigned)ts >= TILE_TILESET_COUNT) {
		tile_error_set(err, "unknown tileset");
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
	/* Tiles favour encoding speed: they are cached, and zlib level 2 is within a few % of 6 on
	 * maps. */
	rc = png_write_surface(surf, NULL, 2, png, err);
	cairo_surface_destroy(surf);
	return rc;
}
