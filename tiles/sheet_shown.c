/* sheet_shown.c: what a sheet's map shows (events, kinds, places) for legend, dateline, caller. */
#include <math.h>
#include <string.h>

#include "sheet.h"

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
		sheet_merc_to_lonlat(b->minx, b->miny, &ll.minx, &ll.miny);
		sheet_merc_to_lonlat(b->maxx, b->maxy, &ll.maxx, &ll.maxy);
		sheet_box_ring(&ll, ring, N);
		size_t k = 0;
		for (size_t i = 0; i < 4 * N; i++)
			if (render_lonlat_to_px(ctx, ring[2 * i], ring[2 * i + 1], &ring[2 * k],
			                        &ring[2 * k + 1]) == 0)
				k++;
		if (!sheet_bbox_of(ring, k, &px))
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

void sheet_shown_lang(sheet_shown *sh, const tile_sheet_request *req)
{
	sh->w = tile_words_get(req->lang);
	sh->lang = sh->w->code;
}

void sheet_shown_collect(sheet_map *mv, sheet_shown *sh)
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
void sheet_info(sheet_map *mv, const sheet_shown *sh, int caveats, tile_sheet_info *info)
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
