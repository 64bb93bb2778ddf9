/* sheet.c: a briefing sheet as a whole: checks the request, composes its parts, writes it. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sheet.h"

static int check_request(const tile_sheet_request *req, tile_error *err)
{
	const geodata_bbox *b = &req->bbox;
	const tile_sheet_format *fmt = tile_sheet_format_get(req->format);
	if (!fmt) {
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
	long s = fmt->raster ? req->scale : 1;
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
	if (geodata_crs_def_is_web_mercator(req->crs) &&
	    (b->miny < -SHEET_MERC_MAX_LAT || b->maxy > SHEET_MERC_MAX_LAT)) {
		tile_error_set(err,
		               "box %g,%g,%g,%g reaches beyond Web Mercator's latitude limit of %g",
		               b->minx, b->miny, b->maxx, b->maxy, SHEET_MERC_MAX_LAT);
		return TILE_EINVAL;
	}
	return 0;
}

/* The panel: the legend, and the locator under it when there is room. */
static int draw_panel(cairo_t *cr, sheet_map *mv, geodata_crs *crs, sheet_textkit *tk,
                      const sheet_layout *L, const sheet_shown *sh, int scale, tile_error *err)
{
	int rc;
	sheet_legend_row rows[SHEET_LEGEND_ROWS];
	size_t n = sheet_legend_rows(sh, rows);
	double fs = L->fs_body;
	double cap_h;
	sheet_text_set(tk, sh->w->location, fs * 0.82, SHEET_TXT_BOLD | SHEET_TXT_CAPS, 0, 0);
	sheet_text_extent(tk, NULL, &cap_h);
	double ix, iy;
	int inset = 1;
	if (!L->portrait) {
		/*
		 * A long legend first gets smaller type, then loses its base map section,
		 * then the locator: the events' key matters most.
		 */
		double room = L->pan_h - L->inset_h - cap_h - fs;
		while (fs > 8.5 && sheet_legend_run(tk, rows, n, 0, 0, L->pan_w, 1, fs, 0) > room)
			fs *= 0.94;
		if (sheet_legend_run(tk, rows, n, 0, 0, L->pan_w, 1, fs, 0) > room) {
			size_t keep = n;
			while (keep > 0 && rows[keep - 1].type != SHEET_ROW_HEAD)
				keep--;
			if (keep > 1)
				n = keep - 1;
		}
		if (sheet_legend_run(tk, rows, n, 0, 0, L->pan_w, 1, fs, 0) > room)
			inset = 0;
		sheet_legend_run(tk, rows, n, L->pan_x, L->pan_y, L->pan_w, 1, fs, 1);
		ix = L->pan_x;
		iy = L->pan_y + L->pan_h - L->inset_h;
	} else {
		double lw = L->pan_w - L->inset_w - L->gap * 1.5;
		ix = L->pan_x + L->pan_w - L->inset_w;
		iy = L->map_y + L->map_h + L->gap + cap_h + fs * 0.45;
		sheet_legend_run(tk, rows, n, L->pan_x, L->map_y + L->map_h + L->gap, lw, 3, fs, 1);
	}
	if (inset) {
		sheet_text_set(tk, sh->w->location, L->fs_body * 0.82,
		               SHEET_TXT_BOLD | SHEET_TXT_CAPS, 0, 0);
		sheet_text_show(tk, ix, iy - cap_h - L->fs_body * 0.3, SHEET_MUTED);
		if ((rc = sheet_locator_draw(mv, cr, crs, ix, iy, (int)L->inset_w, (int)L->inset_h,
		                             scale, err)))
			return rc;
	}
	return 0;
}

/* The whole sheet: header with caveats, the map and its furniture, legend, locator, footer. */
static int draw_sheet(cairo_t *cr, const tile_sheet_request *req, sheet_map *mv, geodata_crs *crs,
                      sheet_textkit *tk, const sheet_layout *L, const sheet_text *st,
                      const sheet_shown *sh, tile_error *err)
{
	int rc;
	double k = L->k;
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);

	/* Header: the title and the dateline. */
	sheet_text_set(tk, st->title, L->fs_title, SHEET_TXT_BOLD, L->hw, L->compact ? 1 : 2);
	sheet_text_show(tk, L->hx, L->hy, SHEET_INK);
	sheet_text_set(tk, st->dateline, L->fs_sub, SHEET_TXT_REGULAR, L->hw, 1);
	sheet_text_show(tk, L->hx, L->sub_y, SHEET_MUTED);
	/* The article's caveats, before the map: no reader sees the map without them. */
	if (st->caveats[0]) {
		cairo_rectangle(cr, L->hx - 4, L->cav_y - 2, 3, L->cav_h + 4);
		cairo_set_source_rgb(cr, SHEET_ACCENT[0], SHEET_ACCENT[1], SHEET_ACCENT[2]);
		cairo_fill(cr);
		sheet_text_set(tk, st->caveats, L->fs_small, SHEET_TXT_REGULAR, L->hw, 0);
		sheet_text_show(tk, L->hx + 2, L->cav_y, SHEET_INK);
	}

	/* The map, magnified on big sheets so that its lettering keeps up with the sheet's. */
	cairo_save(cr);
	cairo_rectangle(cr, L->map_x, L->map_y, L->map_w, L->map_h);
	cairo_clip(cr);
	cairo_translate(cr, L->map_x, L->map_y);
	cairo_scale(cr, L->mag, L->mag);
	rc = sheet_map_draw(mv, cr);
	cairo_restore(cr);
	if (rc) {
		tile_error_set(err, "drawing the map failed: %s",
		               cairo_status_to_string(cairo_status(cr)));
		return rc;
	}
	pango_cairo_update_layout(cr, tk->lay);
	if ((rc = sheet_scale_bar_draw(mv, tk, L->map_x, L->map_y, L->map_w, L->map_h, L->mag,
	                               L->compact ? fmax(0.72, L->fs_small / 10) : k)))
		return rc;
	if (!mv->merc && !L->compact && !sheet_north_is_up(&mv->ctx))
		sheet_north_arrow_draw(mv, tk, L->map_x, L->map_y, L->map_w, k);
	cairo_rectangle(cr, L->map_x + 0.5, L->map_y + 0.5, L->map_w - 1, L->map_h - 1);
	cairo_set_source_rgb(cr, SHEET_FRAME[0], SHEET_FRAME[1], SHEET_FRAME[2]);
	cairo_set_line_width(cr, 1);
	cairo_stroke(cr);

	/* Legend and locator. */
	if (!L->compact && (rc = draw_panel(cr, mv, crs, tk, L, sh, req->scale, err)))
		return rc;

	/* Footer: a hairline, the sources, when and how the sheet was made. */
	cairo_move_to(cr, L->pad, L->foot_y - L->gap * 0.45);
	cairo_line_to(cr, L->W - L->pad, L->foot_y - L->gap * 0.45);
	cairo_set_source_rgb(cr, SHEET_RULE[0], SHEET_RULE[1], SHEET_RULE[2]);
	cairo_set_line_width(cr, 0.8);
	cairo_stroke(cr);
	sheet_text_set(tk, st->sources, L->fs_small, SHEET_TXT_REGULAR, L->src_w, 0);
	sheet_text_show(tk, L->pad, L->foot_y, SHEET_MUTED);
	sheet_text_set(tk, st->made, L->fs_small, SHEET_TXT_REGULAR,
	               L->made_w < L->W - 2 * L->pad ? 0 : L->made_w, 0);
	sheet_text_show(tk, L->made_x, L->made_y, SHEET_MUTED);
	return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : TILE_ECAIRO;
}

/* What every format's metadata says of the sheet. */
static sheet_meta meta_of(const sheet_text *st)
{
	return (sheet_meta){.title = st->title,
	                    .description = st->description,
	                    .sources = st->sources,
	                    .iso_time = st->iso_time};
}

/*
 * The bare map in Web Mercator as PNG is exactly a tile view, so that it matches tile mosaics;
 * only the provenance needs the map's context here.
 */
static int bare_merc_png(const tile_scene *s, const tile_sheet_request *req, geodata_crs *crs,
                         sheet_map *mv, tile_buffer *out, tile_error *err)
{
	sheet_shown sh;
	sheet_text st;
	tile_view v = {.width = req->width,
	               .height = req->height,
	               .scale = req->scale,
	               .tileset = TILE_TILESET_BRIEFING,
	               .until = req->until,
	               .lang = req->lang};
	int rc = sheet_map_setup(mv, s, req, crs, req->width, req->height, 0, err);
	if (rc)
		return rc;
	sheet_shown_collect(mv, &sh);
	sheet_shown_lang(&sh, req);
	sheet_text_init(&st, s, req, &sh, mv);
	rc = sheet_merc_extent(geodata_crs_to_merc(crs), &req->bbox, req->width, req->height,
	                       &v.extent, err);
	void *surf = NULL;
	if (!rc && !(rc = tile_view_render(s, &v, &surf, err))) {
		scene_drawn(s);
		sheet_meta m = meta_of(&st);
		rc =
		    tile_sheet_format_get(TILE_FORMAT_PNG)->writer->write(surf, NULL, &m, out, err);
		cairo_surface_destroy(surf);
	}
	if (req->info)
		sheet_info(mv, &sh, 0, req->info);
	return rc;
}

/* The legend's height below a portrait map: measured on what a map of that size would show. */
static int portrait_fit(sheet_layout *L, sheet_textkit *tk, const tile_scene *s,
                        const tile_sheet_request *req, geodata_crs *crs, tile_error *err)
{
	sheet_map probe;
	sheet_shown sh;
	sheet_legend_row rows[SHEET_LEGEND_ROWS];
	double lw = L->pan_w - L->inset_w - L->gap * 1.5;
	double est = floor(L->map_h - L->gap - L->inset_h - L->fs_body * 3);
	if (est < 1)
		est = 1;
	int rc = sheet_map_setup(&probe, s, req, crs, (int)ceil(L->map_w / L->mag),
	                         (int)ceil(est / L->mag), 0, err);
	if (rc) {
		sheet_map_finish(&probe);
		return rc;
	}
	sheet_shown_collect(&probe, &sh);
	sheet_shown_lang(&sh, req);
	/* Without placed labels the dots are unknown: keep room for them. */
	sh.capital = sh.city = 1;
	sheet_map_finish(&probe);
	size_t n = sheet_legend_rows(&sh, rows);
	double lh = sheet_legend_run(tk, rows, n, 0, 0, lw, 3, L->fs_body, 0);
	L->pan_h = fmax(lh, L->inset_h + L->fs_body * 2);
	L->map_h = floor(L->map_h - L->gap - L->pan_h);
	if (L->map_h < L->H * 0.3) {
		/* No room for both: the map wins, the legend goes. */
		L->compact = 1;
		L->map_h = floor(L->map_h + L->gap + L->pan_h);
	}
	return 0;
}

/* Lays the sheet out and sets its map up to fit: the frame depends on the furniture's size. */
static int plan(sheet_layout *L, sheet_textkit *tk, const tile_scene *s,
                const tile_sheet_request *req, geodata_crs *crs, sheet_map *mv, tile_error *err)
{
	sheet_text probe;
	sheet_shown sh;
	int rc;
	/* Measured with stand-in text as wide as the real text gets. */
	memset(&sh, 0, sizeof sh);
	sheet_shown_lang(&sh, req);
	sh.nevents = 99;
	sheet_text_init(&probe, s, req, &sh, NULL);
	sheet_layout_compute(L, tk, &probe, req->width, req->height);
	if (L->portrait && !L->compact && (rc = portrait_fit(L, tk, s, req, crs, err)))
		return rc;
	int mw = (int)ceil(L->map_w / L->mag), mh = (int)ceil(L->map_h / L->mag);
	return sheet_map_setup(mv, s, req, crs, mw < 1 ? 1 : mw, mh < 1 ? 1 : mh, 1, err);
}

/* Draws the sheet, or with `bare` the map alone, on `cr`; fills `st` and the caller's info. */
static int compose(cairo_t *cr, sheet_textkit *tk, const tile_scene *s,
                   const tile_sheet_request *req, geodata_crs *crs, sheet_map *mv,
                   const sheet_layout *L, sheet_text *st, tile_error *err)
{
	sheet_shown sh;
	int rc;
	sheet_shown_collect(mv, &sh);
	sheet_shown_lang(&sh, req);
	sheet_text_init(st, s, req, &sh, mv);
	if (req->bare) {
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_paint(cr);
		if ((rc = sheet_map_draw(mv, cr))) {
			tile_error_set(err, "drawing the map failed: %s",
			               cairo_status_to_string(cairo_status(cr)));
			return rc;
		}
	} else if ((rc = draw_sheet(cr, req, mv, crs, tk, L, st, &sh, err))) {
		return rc;
	}
	if (req->info)
		sheet_info(mv, &sh, !req->bare && st->caveats[0], req->info);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		tile_error_set(err, "drawing failed: %s", cairo_status_to_string(cairo_status(cr)));
		return TILE_ECAIRO;
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
	const tile_sheet_format *fmt = tile_sheet_format_get(req->format);
	int W = req->width, H = req->height, dev = fmt->raster ? req->scale : 1;
	size_t start = out->len;
	sheet_sink sink = {{0}, 0};
	cairo_surface_t *surf = NULL;
	cairo_t *cr = NULL;
	sheet_textkit tk = {0};
	geodata_error ge = {{0}};
	sheet_map mv;
	sheet_layout L;
	sheet_text st;
	memset(&mv, 0, sizeof mv);

	/* Parsed once: every map, frame and locator of the sheet projects with it. */
	geodata_crs *crs = geodata_crs_create(req->crs, &ge);
	if (!crs) {
		tile_error_set(err, "%s", ge.msg);
		rc = TILE_ECRS;
		goto done;
	}
	if (req->bare && fmt->raster && geodata_crs_is_web_mercator(crs)) {
		rc = bare_merc_png(s, req, crs, &mv, out, err);
		goto done;
	}
	if (req->bare && (rc = sheet_map_setup(&mv, s, req, crs, W, H, 1, err)))
		goto done;
	surf = fmt->writer->surface_create(&sink, W, H, dev);
	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
		tile_error_set(err, "cannot create a %dx%d surface: %s", W * dev, H * dev,
		               cairo_status_to_string(cairo_surface_status(surf)));
		rc = TILE_ENOMEM;
		goto done;
	}
	cr = cairo_create(surf);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		tile_error_set(err, "cannot draw: %s", cairo_status_to_string(cairo_status(cr)));
		rc = TILE_ENOMEM;
		goto done;
	}
	cairo_scale(cr, dev, dev);
	if ((rc = sheet_textkit_init(&tk, cr))) {
		tile_error_set(err, "out of memory setting up text");
		goto done;
	}
	if (!req->bare && (rc = plan(&L, &tk, s, req, crs, &mv, err)))
		goto done;
	if ((rc = compose(cr, &tk, s, req, crs, &mv, &L, &st, err)))
		goto done;
	/* The drawing is over: the writer finishes the surface. */
	sheet_textkit_finish(&tk);
	cairo_destroy(cr);
	cr = NULL;
	scene_drawn(s);
	sheet_meta m = meta_of(&st);
	rc = fmt->writer->write(surf, &sink, &m, out, err);
done:
	sheet_textkit_finish(&tk);
	if (cr)
		cairo_destroy(cr);
	if (surf)
		cairo_surface_destroy(surf);
	sheet_map_finish(&mv);
	geodata_crs_destroy(crs);
	tile_buffer_finish(&sink.buf);
	if (rc)
		out->len = start;
	return rc;
}
