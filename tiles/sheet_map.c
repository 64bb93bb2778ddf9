/* sheet_map.c: a sheet's map: its view in any CRS, labels fitted to the frame, its drawing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sheet.h"

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
static int labels_fit_frame(sheet_map *mv, const label_set *src, double gx, double gy)
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

/* Sets the map up for w x h logical pixels in `crs` (borrowed); `labels` also places its labels. */
int sheet_map_setup(sheet_map *mv, const tile_scene *s, const tile_sheet_request *req,
                    geodata_crs *crs, int w, int h, int labels, tile_error *err)
{
	int rc;
	memset(mv, 0, sizeof(*mv));
	mv->merc = geodata_crs_is_web_mercator(crs);
	if (mv->merc) {
		tile_view v = {.width = w,
		               .height = h,
		               .scale = req->scale,
		               .tileset = TILE_TILESET_BRIEFING,
		               .until = req->until,
		               .lang = req->lang};
		if ((rc = sheet_merc_extent(geodata_crs_to_merc(crs), &req->bbox, w, h, &v.extent,
		                            err)))
			return rc;
		render_ctx_init_merc(&mv->ctx, s, &v, NULL);
		/* Borrowed, so that placing points does not set PROJ up again. */
		mv->ctx.to_merc = geodata_crs_to_merc(crs);
		double resy = (v.extent.maxy - v.extent.miny) / v.height;
		if (fabs(resy - mv->ctx.res) > 1e-6 * mv->ctx.res)
			mv->ctx.res = fmax(mv->ctx.res, resy);
	} else if ((rc = sheet_ctx_init(&mv->ctx, s, &req->bbox, crs, w, h, req->scale, req->until,
	                                err))) {
		return rc;
	}
	mv->ctx.lang = req->lang;
	mv->ready = 1;
	if (!labels)
		return 0;
	/* At an exact zoom the global placement keeps the sheet's labels where the tiles have
	 * them. */
	const label_set *src = NULL;
	double gx = 0, gy = 0;
	if (mv->merc && fabs(mv->ctx.zoomf - mv->ctx.zoom) < 1e-6 &&
	    (src = scene_labels_lang(s, mv->ctx.zoom, req->lang))) {
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

void sheet_map_finish(sheet_map *mv)
{
	/* The fitted set borrows its texts from the placement: it owns its array alone. */
	free(mv->local.labels);
	mv->local.labels = NULL;
	labels_finish(&mv->placed);
	if (mv->ready) {
		/* Both transformations are the CRS's, which outlives the map. */
		mv->ctx.proj = NULL;
		mv->ctx.to_merc = NULL;
		render_ctx_finish(&mv->ctx);
	}
	mv->ready = 0;
}

/* Draws the map into cr over (0,0)-(width,height) of the current user space. */
static int map_draw(sheet_map *mv, cairo_t *cr)
{
	render_ctx *ctx = &mv->ctx;
	sheet_textkit tk = {0};
	int rc;
	ctx->cr = cr;
	cairo_save(cr);
	cairo_rectangle(cr, 0, 0, ctx->width, ctx->height);
	cairo_clip(cr);
	if (mv->merc) {
		rc = render_map(ctx, 1, 1, mv->ls, mv->gx, mv->gy);
	} else if ((rc = sheet_textkit_init(&tk, cr)) == 0) {
		/* The graticule goes between the base map and the events, so it hides neither; its
		 * values go under the map's labels, which matter more. */
		geodata_events *ev = tile_scene_events(ctx->scene);
		rc = render_map(ctx, 1, 0, NULL, 0, 0);
		if (!rc)
			rc = sheet_graticule_draw(ctx, &tk, 0);
		if (!rc && ev)
			rc = symbols_draw_events(ctx, ev);
		if (!rc)
			rc = sheet_graticule_draw(ctx, &tk, 1);
		if (!rc)
			rc = labels_draw(ctx, mv->ls, mv->gx, mv->gy, 1, 1);
	}
	sheet_textkit_finish(&tk);
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
int sheet_map_draw(sheet_map *mv, cairo_t *cr)
{
	double x0 = 0, y0 = 0, x1 = mv->ctx.width, y1 = mv->ctx.height;
	cairo_user_to_device(cr, &x0, &y0);
	cairo_user_to_device(cr, &x1, &y1);
	if (!mv->merc || mv->ctx.proj || !bands_worth_it(cr, y0, y1))
		return map_draw(mv, cr);
	sheet_map other = *mv;
	/* The second band's working buffers and lazily made transformation are its own. */
	other.ctx.px = other.ctx.clip_a = other.ctx.clip_b = other.ctx.scratch = NULL;
	other.ctx.px_cap = other.ctx.clip_a_cap = other.ctx.clip_b_cap = other.ctx.scratch_cap = 0;
	other.ctx.to_merc = NULL;
	int rc = bands_draw(cr, y0, y1, band_map_draw, mv, &other);
	render_ctx_finish(&other.ctx);
	mv->ctx.cr = cr; /* as map_draw leaves it: the band's context is gone */
	return rc;
}
