/* sheet_furniture.c: what a sheet draws on its map: graticule, scale bar, north arrow, locator. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sheet.h"

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
int sheet_graticule_draw(render_ctx *ctx, sheet_textkit *tk, int pass)
{
	enum { NPTS = 241 };
	cairo_t *cr = ctx->cr;
	geodata_bbox ll;
	if (sheet_frame_lonlat(ctx, &ll))
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
						sheet_text_set(tk, text, fs, SHEET_TXT_ITALIC, 0,
						               0);
						double tw, th;
						sheet_text_extent(tk, &tw, &th);
						/* Corners belong to the north arrow and the scale
						 * bar. */
						if (meridian && at - tw / 2 > 4 &&
						    at + tw / 2 < w - 64)
							sheet_text_show_halo(tk, at - tw / 2, 3,
							                     SHEET_GRATICULE, 2);
						else if (!meridian && at - th / 2 > 22 &&
						         at + th / 2 < h - 70)
							sheet_text_show_halo(tk, 4, at - th / 2,
							                     SHEET_GRATICULE, 2);
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
		cairo_set_source_rgba(cr, SHEET_GRATICULE[0], SHEET_GRATICULE[1],
		                      SHEET_GRATICULE[2], 0.45);
		cairo_set_line_width(cr, 0.6);
		cairo_set_dash(cr, NULL, 0, 0);
		cairo_stroke(cr);
	}
	cairo_restore(cr);
	free(xy);
	return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : TILE_ECAIRO;
}

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
int sheet_scale_bar_draw(sheet_map *mv, sheet_textkit *tk, double fx, double fy, double fw,
                         double fh, double mag, double k)
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
	sheet_text_set(tk, tkm, fs, SHEET_TXT_REGULAR, 0, 0);
	sheet_text_extent(tk, &wkm, &th);
	sheet_text_set(tk, tmi, fs, SHEET_TXT_REGULAR, 0, 0);
	sheet_text_extent(tk, &wmi, NULL);
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
		cairo_set_source_rgb(cr, SHEET_INK[0], SHEET_INK[1], SHEET_INK[2]);
		cairo_fill(cr);
		cairo_rectangle(cr, x + len / 2, y, len / 2, bh);
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_fill_preserve(cr);
		cairo_set_source_rgb(cr, SHEET_INK[0], SHEET_INK[1], SHEET_INK[2]);
		cairo_set_line_width(cr, 0.8);
		cairo_stroke(cr);
		cairo_rectangle(cr, x, y, len, bh);
		cairo_stroke(cr);
		sheet_text_set(tk, row ? tmi : tkm, fs, SHEET_TXT_REGULAR, 0, 0);
		sheet_text_show(tk, x + barw + fs * 0.6, ty, SHEET_INK);
	}
	cairo_restore(cr);
	return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : TILE_ECAIRO;
}

/* A north arrow at the top right of the frame, turned to the meridian through the centre. */
void sheet_north_arrow_draw(sheet_map *mv, sheet_textkit *tk, double fx, double fy, double fw,
                            double k)
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
	cairo_set_source_rgb(cr, SHEET_INK[0], SHEET_INK[1], SHEET_INK[2]);
	cairo_fill(cr);
	cairo_move_to(cr, 0, tip);
	cairo_line_to(cr, half, tail);
	cairo_line_to(cr, 0, notch);
	cairo_close_path(cr);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, SHEET_INK[0], SHEET_INK[1], SHEET_INK[2]);
	cairo_set_line_width(cr, fmax(0.8, 0.9 * k));
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_stroke(cr);
	sheet_text_set(tk, "N", 10.5 * k, SHEET_TXT_BOLD, 0, 0);
	double tw, th;
	sheet_text_extent(tk, &tw, &th);
	sheet_text_show(tk, -tw / 2, tip - th * 0.98, SHEET_INK);
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
 * What the locator shows, in degrees: the briefing's region, or a wider context when the view
 * `v` is most of the region already, or lies outside it. Returns -1 for no locator.
 */
static int locator_box(sheet_map *mv, geodata_bbox *out)
{
	geodata_bbox v, region, ctxbb;
	int have_region = briefing_region(mv->ctx.scene, &region) == 0;
	if (sheet_frame_lonlat(&mv->ctx, &v)) {
		if (!have_region)
			return -1;
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
	*out = ctxbb;
	return 0;
}

/* The view's frame, taken back to degrees, drawn into the locator `ic`. */
static void locator_outline(sheet_map *mv, render_ctx *ic, cairo_t *cr)
{
	enum { N = 24 };
	double ring[8 * N];
	geodata_bbox px = {0, 0, mv->ctx.width, mv->ctx.height}, ob;
	sheet_box_ring(&px, ring, N);
	size_t k = 0;
	for (size_t i = 0; i < 4 * N; i++) {
		double lon, lat;
		if (sheet_px_to_lonlat(&mv->ctx, ring[2 * i], ring[2 * i + 1], &lon, &lat) ||
		    render_lonlat_to_px(ic, lon, lat, &ring[2 * k], &ring[2 * k + 1]))
			continue;
		k++;
	}
	cairo_new_path(cr);
	for (size_t i = 0; i < k; i++)
		cairo_line_to(cr, ring[2 * i], ring[2 * i + 1]);
	cairo_close_path(cr);
	cairo_set_source_rgba(cr, SHEET_ACCENT[0], SHEET_ACCENT[1], SHEET_ACCENT[2], 0.14);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, SHEET_ACCENT[0], SHEET_ACCENT[1], SHEET_ACCENT[2]);
	cairo_set_line_width(cr, 1.5);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_stroke(cr);
	/* A view too small to see in the locator gets a ring around it. */
	if (sheet_bbox_of(ring, k, &ob) && ob.maxx - ob.minx < 8 && ob.maxy - ob.miny < 8) {
		cairo_arc(cr, (ob.minx + ob.maxx) / 2, (ob.miny + ob.maxy) / 2, 7, 0, 2 * M_PI);
		cairo_stroke(cr);
	}
}

/*
 * The locator: the briefing's region at small scale with the outline of the view; a wider
 * context when the view is most of the region already, or lies outside it.
 */
int sheet_locator_draw(sheet_map *mv, cairo_t *cr, geodata_crs *crs, double x, double y, int w,
                       int h, int scale, tile_error *err)
{
	geodata_bbox ctxbb;
	render_ctx ic;
	if (locator_box(mv, &ctxbb))
		return 0;
	tile_view tv = {.width = w,
	                .height = h,
	                .scale = scale,
	                .tileset = TILE_TILESET_BASE,
	                .until = mv->ctx.until};
	int rc = sheet_merc_extent(geodata_crs_to_merc(crs), &ctxbb, w, h, &tv.extent, err);
	if (rc)
		return rc;
	render_ctx_init_merc(&ic, mv->ctx.scene, &tv, cr);
	ic.to_merc = geodata_crs_to_merc(crs); /* borrowed: given back before render_ctx_finish */
	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_rectangle(cr, 0, 0, w, h);
	cairo_clip(cr);
	rc = render_map(&ic, 1, 0, NULL, 0, 0);
	if (!rc)
		locator_outline(mv, &ic, cr);
	cairo_restore(cr);
	ic.to_merc = NULL;
	render_ctx_finish(&ic);
	cairo_save(cr);
	cairo_rectangle(cr, x + 0.5, y + 0.5, w - 1, h - 1);
	cairo_set_source_rgb(cr, SHEET_FRAME[0], SHEET_FRAME[1], SHEET_FRAME[2]);
	cairo_set_line_width(cr, 1);
	cairo_stroke(cr);
	cairo_restore(cr);
	if (rc)
		tile_error_set(err, "drawing the locator failed");
	return rc;
}
