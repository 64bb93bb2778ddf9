/* paths.c: geometry to cairo paths in a view's pixels (clipped fills, dashed strokes), fonts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

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
	int nd = ctx->ndash == 2 || ctx->ndash == 4 ? ctx->ndash : 0;
	double period = 0;
	for (int j = 0; j < nd; j++)
		period += ctx->dash[j];
	if (!(period > 0))
		nd = 0;
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
		if (!nd) {
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
			for (int j = 0; j < nd; j += 2, ds += ctx->dash[j - 2] + ctx->dash[j - 1]) {
				double a0 = fmax(ds, s), a1 = fmin(ds + ctx->dash[j], end_s);
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

int render_path_piece(render_ctx *ctx, const geodata_layer *layer, const geodata_piece *p)
{
	const geodata_geom *merc = geodata_piece_geom(layer, p, ctx->zoom);
	if (merc && !merc->npoints)
		return 0;
	/* Degrees only where the view reprojects them: their blocks are the file's biggest. */
	const geodata_geom *ll = ctx->proj ? geodata_piece_geom(layer, p, GEODATA_SLOT_LONLAT) : NULL;
	if (!merc || (ctx->proj && !ll))
		return TILE_EDATA;
	return render_path_geom(ctx, merc, ll);
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

void render_font_options(cairo_t *cr, PangoContext *pc)
{
	cairo_font_options_t *fo = cairo_font_options_create();
	/* No hinting: glyph advances scale linearly, so a label measured at 1x fits at 2x too. */
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
	if (cr)
		cairo_set_font_options(cr, fo);
	if (pc)
		pango_cairo_context_set_font_options(pc, fo);
	cairo_font_options_destroy(fo);
}
