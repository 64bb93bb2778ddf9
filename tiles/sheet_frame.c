/* sheet_frame.c: fitting a map's frame to a box in any CRS, and its pixels back to degrees. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sheet.h"

#define EARTH_R 6378137.0
/* Points per edge when a box is reprojected: enough for curved edges of a conic projection. */
#define EDGE_POINTS 64

void sheet_merc_to_lonlat(double x, double y, double *lon, double *lat)
{
	*lon = x / EARTH_R * 180.0 / M_PI;
	*lat = atan(sinh(y / EARTH_R)) * 180.0 / M_PI;
}

/* The Web Mercator extent of a box in degrees, widened to the image's aspect so pixels stay square.
 */
int sheet_merc_extent(geodata_proj *to_merc, const geodata_bbox *ll, int w, int h,
                      geodata_bbox *out, tile_error *err)
{
	double xy[4] = {ll->minx, ll->miny, ll->maxx, ll->maxy};
	if (geodata_proj_trans(to_merc, xy, 2, 0)) {
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
void sheet_box_ring(const geodata_bbox *b, double *xy, int n)
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
size_t sheet_bbox_of(const double *xy, size_t n, geodata_bbox *out)
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
int sheet_px_to_lonlat(const render_ctx *ctx, double px, double py, double *lon, double *lat)
{
	double x = ctx->ox + px * ctx->res, y = ctx->oy - py * ctx->res;
	if (!ctx->proj) {
		sheet_merc_to_lonlat(x, y, lon, lat);
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
int sheet_frame_lonlat(const render_ctx *ctx, geodata_bbox *out)
{
	enum { N = 32 };
	double ring[8 * N];
	geodata_bbox px = {0, 0, ctx->width, ctx->height};
	sheet_box_ring(&px, ring, N);
	size_t k = 0;
	for (size_t i = 0; i < 4 * N; i++) {
		double lon, lat;
		if (sheet_px_to_lonlat(ctx, ring[2 * i], ring[2 * i + 1], &lon, &lat))
			continue;
		ring[2 * k] = lon;
		ring[2 * k + 1] = lat;
		k++;
	}
	return sheet_bbox_of(ring, k, out) >= 4 ? 0 : -1;
}

/* Where the map's centre sits in Web Mercator: the zoom whose detail matches, and the box to query.
 */
static int merc_zoom_query(render_ctx *ctx, const geodata_bbox *ll, geodata_proj *to_merc,
                           const char *crs, tile_error *err)
{
	double w = ctx->width, h = ctx->height;
	double la, pa, lb, pb, xa, ya, xb, yb;
	/* Generalisation and styles follow the Web Mercator zoom with the same detail at the
	 * centre.
	 */
	if (sheet_px_to_lonlat(ctx, w / 2.0 - 8, h / 2.0, &la, &pa) ||
	    sheet_px_to_lonlat(ctx, w / 2.0 + 8, h / 2.0, &lb, &pb) ||
	    geodata_lonlat_to_merc(to_merc, la, pa, &xa, &ya) ||
	    geodata_lonlat_to_merc(to_merc, lb, pb, &xb, &yb)) {
		tile_error_set(err, "CRS '%s' has no inverse at the map's centre", crs);
		return TILE_ECRS;
	}
	double mres = hypot(xb - xa, yb - ya) / 16;
	ctx->zoomf = log2(2 * GEODATA_MERC_HALF / (256.0 * mres));
	long z = lround(ctx->zoomf);
	ctx->zoom = z < 0 ? 0 : z > GEODATA_MAX_ZOOM ? GEODATA_MAX_ZOOM : (int)z;

	/* What the frame shows can reach beyond the box (a conic frame's corners): query both. */
	geodata_bbox q = *ll, f;
	if (sheet_frame_lonlat(ctx, &f) == 0) {
		q.minx = fmin(q.minx, f.minx);
		q.miny = fmin(q.miny, f.miny);
		q.maxx = fmax(q.maxx, f.maxx);
		q.maxy = fmax(q.maxy, f.maxy);
	}
	double mx = 0.02 * (q.maxx - q.minx), my = 0.02 * (q.maxy - q.miny);
	q.minx = fmax(-180, q.minx - mx);
	q.maxx = fmin(180, q.maxx + mx);
	q.miny = fmax(-SHEET_MERC_MAX_LAT, q.miny - my);
	q.maxy = fmin(SHEET_MERC_MAX_LAT, q.maxy + my);
	if (geodata_lonlat_to_merc(to_merc, q.minx, q.miny, &xa, &ya) ||
	    geodata_lonlat_to_merc(to_merc, q.maxx, q.maxy, &xb, &yb)) {
		tile_error_set(err, "cannot find the Web Mercator box of the map");
		return TILE_ECRS;
	}
	double m = 32 * mres;
	ctx->query = (geodata_bbox){xa - m, ya - m, xb + m, yb + m};
	return 0;
}

int sheet_ctx_init(render_ctx *ctx, const tile_scene *s, const geodata_bbox *ll, geodata_crs *crs,
                   int w, int h, int scale, geodata_day until, tile_error *err)
{
	double ring[8 * EDGE_POINTS];
	geodata_bbox e;
	const char *def = geodata_crs_definition(crs);
	int rc;

	memset(ctx, 0, sizeof(*ctx));
	if (w <= 0 || h <= 0) {
		tile_error_set(err, "map size %dx%d is empty", w, h);
		return TILE_EINVAL;
	}
	if (!geodata_crs_from_lonlat(crs)) {
		tile_error_set(err, "no CRS, or Web Mercator, which is the tiles' own view");
		return TILE_EINVAL;
	}
	ctx->proj = geodata_crs_from_lonlat(crs);
	sheet_box_ring(ll, ring, EDGE_POINTS);
	if (geodata_proj_trans(ctx->proj, ring, 4 * EDGE_POINTS, 0) ||
	    sheet_bbox_of(ring, 4 * EDGE_POINTS, &e) < 4 * EDGE_POINTS) {
		tile_error_set(err, "the box %g,%g,%g,%g lies outside what CRS '%s' can show",
		               ll->minx, ll->miny, ll->maxx, ll->maxy, def);
		rc = TILE_ECRS;
		goto fail;
	}
	double res = fmax((e.maxx - e.minx) / w, (e.maxy - e.miny) / h);
	if (!(res > 0) || !isfinite(res)) {
		tile_error_set(err, "the box %g,%g,%g,%g is empty in CRS '%s'", ll->minx, ll->miny,
		               ll->maxx, ll->maxy, def);
		rc = TILE_ECRS;
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
	if ((rc = merc_zoom_query(ctx, ll, geodata_crs_to_merc(crs), def, err)))
		goto fail;
	return 0;
fail:
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
	if (sheet_px_to_lonlat(ctx, cx - max_px / 2, cy, &lon1, &lat1) ||
	    sheet_px_to_lonlat(ctx, cx + max_px / 2, cy, &lon2, &lat2))
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
	if (sheet_px_to_lonlat(ctx, px, py, &lon, &lat))
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

int sheet_north_is_up(render_ctx *ctx)
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
