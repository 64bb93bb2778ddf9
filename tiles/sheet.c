/* sheet.c: briefing sheets; the map of a box in degrees, with the sheet's furniture around it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

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

int tile_sheet_render(const tile_scene *s, const tile_sheet_request *req, tile_buffer *out,
                      tile_error *err)
{
	if (req->format != TILE_FORMAT_PNG || !req->bare ||
	    (req->crs && strcmp(req->crs, "EPSG:3857"))) {
		tile_error_set(err, "only bare PNG maps in EPSG:3857 are available");
		return TILE_EINVAL;
	}
	tile_view v = {.width = req->width,
	               .height = req->height,
	               .scale = req->scale,
	               .tileset = TILE_TILESET_BRIEFING,
	               .until = req->until};
	int rc = merc_extent(&req->bbox, req->width > 0 ? req->width : 1,
	                     req->height > 0 ? req->height : 1, &v.extent, err);
	if (rc)
		return rc;
	void *surf = NULL;
	if ((rc = tile_view_render(s, &v, &surf, err)))
		return rc;
	tile_png_meta meta = {.title = req->title, .software = "briefmap"};
	rc = png_write_surface(surf, &meta, 6, out, err);
	cairo_surface_destroy(surf);
	return rc;
}
