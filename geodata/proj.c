/* proj.c: PROJ transformations and geodesics, one PROJ context per object. */
#include <geodesic.h>
#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

struct geodata_proj {
	PJ_CONTEXT *ctx;
	PJ *pj;
	int target_geographic;
	int owns_ctx; /* else the context is a geodata_crs's */
};

void geodata_proj_error_set(geodata_error *err, const char *what, const char *crs, PJ_CONTEXT *ctx)
{
	if (!err)
		return;
	int e = ctx ? proj_context_errno(ctx) : 0;
	const char *why = e ? proj_context_errno_string(ctx, e) : NULL;
	/* PROJ's generic "Unknown error (code N)" says less than nothing. */
	if (why && !strncmp(why, "Unknown error", 13))
		why = NULL;
	snprintf(err->msg, sizeof(err->msg), "%s '%s'%s%s", what, crs, why ? ": " : "",
		 why ? why : "");
}

int geodata_proj_type_geographic(PJ_TYPE t)
{
	return t == PJ_TYPE_GEOGRAPHIC_2D_CRS || t == PJ_TYPE_GEOGRAPHIC_3D_CRS ||
	       t == PJ_TYPE_GEOGRAPHIC_CRS;
}

int geodata_proj_type_usable(PJ_TYPE t)
{
	return geodata_proj_type_geographic(t) || t == PJ_TYPE_PROJECTED_CRS ||
	       t == PJ_TYPE_COMPOUND_CRS || t == PJ_TYPE_BOUND_CRS || t == PJ_TYPE_OTHER_CRS;
}

static int is_geographic(PJ_CONTEXT *ctx, const char *def)
{
	PJ *crs = proj_create(ctx, def);
	if (!crs)
		return 0;
	PJ_TYPE t = proj_get_type(crs);
	proj_destroy(crs);
	return geodata_proj_type_geographic(t);
}

geodata_proj *geodata_proj_adopt(PJ_CONTEXT *ctx, PJ *pj, int target_geographic)
{
	geodata_proj *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->ctx = ctx;
	p->pj = pj;
	p->target_geographic = target_geographic;
	return p;
}

/*
 * What PROJ's database resolves EPSG:4326 -> EPSG:3857 to once the axes are
 * normalised (east, north): the same operations, PROJ still doing the maths,
 * without proj.db. Opening it through SQLite cost a one-off command about
 * 6 ms and 5 MB for the first context, 1 ms for each later one.
 * tests/unit/test_proj.c holds the two routes to the same numbers.
 */
static const char web_mercator_pipeline[] =
    "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
    "+step +proj=webmerc +lat_0=0 +lon_0=0 +x_0=0 +y_0=0 +ellps=WGS84";

static int is_web_mercator_pair(const char *from, const char *to)
{
	return !strcmp(from, "EPSG:4326") && !strcmp(to, "EPSG:3857");
}

static void log_nothing(void *ud, int level, const char *msg)
{
	(void)ud, (void)level, (void)msg;
}

/*
 * PROJ (9.1) opens proj.db for any definition, even a pipeline that needs
 * nothing from it: the context is given only a search path where no file can
 * be (/dev/null is no folder), and PROJ's note that it found no database,
 * which it prints whatever the log level, is silenced.
 */
static PJ *web_mercator_create(PJ_CONTEXT *ctx)
{
	static const char *const nowhere[] = {"/dev/null"};
	proj_context_set_search_paths(ctx, 1, nowhere);
	proj_log_func(ctx, NULL, log_nothing);
	return proj_create(ctx, web_mercator_pipeline);
}

geodata_proj *geodata_proj_create(const char *from, const char *to, geodata_error *err)
{
	geodata_proj *p = calloc(1, sizeof(*p));
	PJ *raw = NULL;
	if (!p) {
		if (err)
			snprintf(err->msg, sizeof(err->msg), "out of memory");
		return NULL;
	}
	p->owns_ctx = 1;
	p->ctx = proj_context_create();
	if (!p->ctx) {
		geodata_proj_error_set(err, "cannot create a PROJ context for", to, NULL);
		goto fail;
	}
	/* Unknown CRSs must fail fast rather than print to stderr. */
	proj_log_level(p->ctx, PJ_LOG_NONE);
	if (is_web_mercator_pair(from, to)) {
		p->pj = web_mercator_create(p->ctx);
		if (!p->pj) {
			geodata_proj_error_set(err, "no transformation to", to, p->ctx);
			goto fail;
		}
		return p;
	}
	PJ *src = proj_create(p->ctx, from);
	if (!src) {
		geodata_proj_error_set(err, "unknown CRS", from, p->ctx);
		goto fail;
	}
	proj_destroy(src);
	PJ *dst = proj_create(p->ctx, to);
	if (!dst) {
		geodata_proj_error_set(err, "unknown CRS", to, p->ctx);
		goto fail;
	}
	PJ_TYPE t = proj_get_type(dst);
	proj_destroy(dst);
	if (!geodata_proj_type_usable(t)) {
		geodata_proj_error_set(err, "not a usable CRS", to, p->ctx);
		goto fail;
	}
	raw = proj_create_crs_to_crs(p->ctx, from, to, NULL);
	if (!raw) {
		geodata_proj_error_set(err, "no transformation to", to, p->ctx);
		goto fail;
	}
	p->pj = proj_normalize_for_visualization(p->ctx, raw);
	proj_destroy(raw);
	if (!p->pj) {
		geodata_proj_error_set(err, "cannot normalise axis order of", to, p->ctx);
		goto fail;
	}
	p->target_geographic = is_geographic(p->ctx, to);
	return p;
fail:
	geodata_proj_destroy(p);
	return NULL;
}

void geodata_proj_destroy(geodata_proj *p)
{
	if (!p)
		return;
	if (p->pj)
		proj_destroy(p->pj);
	if (p->ctx && p->owns_ctx)
		proj_context_destroy(p->ctx);
	free(p);
}

int geodata_proj_trans(geodata_proj *p, double *xy, size_t n, int inverse)
{
	if (!p || (!xy && n))
		return GEODATA_EINVAL;
	if (n == 0)
		return 0;
	proj_errno_reset(p->pj);
	size_t done = proj_trans_generic(p->pj, inverse ? PJ_INV : PJ_FWD, xy, 2 * sizeof(double),
	                                 n, xy + 1, 2 * sizeof(double), n, NULL, 0, 0, NULL, 0, 0);
	if (done != n)
		return GEODATA_EPROJ;
	/* A point outside a projection's domain comes back as HUGE_VAL; callers skip those. */
	return 0;
}

int geodata_proj_target_is_geographic(const geodata_proj *p)
{
	return p ? p->target_geographic : 0;
}

int geodata_lonlat_to_merc(geodata_proj *p, double lon, double lat, double *x, double *y)
{
	double xy[2] = {lon, fmax(-85.05112878, fmin(85.05112878, lat))};
	int rc = geodata_proj_trans(p, xy, 1, 0);
	if (rc)
		return rc;
	*x = xy[0];
	*y = xy[1];
	return isfinite(xy[0]) && isfinite(xy[1]) ? 0 : GEODATA_EPROJ;
}

static void wgs84(struct geod_geodesic *g)
{
	geod_init(g, 6378137.0, 1 / 298.257223563);
}

double geodata_geodesic_inverse(double lon1, double lat1, double lon2, double lat2,
                                double *azimuth1)
{
	struct geod_geodesic g;
	double s12 = 0, azi1 = 0, azi2 = 0;
	wgs84(&g);
	geod_inverse(&g, lat1, lon1, lat2, lon2, &s12, &azi1, &azi2);
	if (azimuth1)
		*azimuth1 = azi1;
	return s12;
}

void geodata_geodesic_line(double lon1, double lat1, double lon2, double lat2, double *xy, size_t n)
{
	struct geod_geodesic g;
	struct geod_geodesicline l;
	if (n == 0)
		return;
	wgs84(&g);
	geod_inverseline(&l, &g, lat1, lon1, lat2, lon2, 0);
	for (size_t i = 0; i < n; i++) {
		double lat, lon;
		double s = n > 1 ? l.s13 * (double)i / (double)(n - 1) : 0;
		geod_position(&l, s, &lat, &lon, NULL);
		xy[2 * i] = lon;
		xy[2 * i + 1] = lat;
	}
}
