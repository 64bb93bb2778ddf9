/* crs.c: a map's CRS parsed once, with its transformations from degrees and to Web Mercator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "private.h"

struct geodata_crs {
	char *def; /* as the caller wrote it */
	int web_mercator;
	PJ_CONTEXT *ctx;           /* the one context of both transformations; NULL for Web Mercator */
	geodata_proj *from_lonlat; /* EPSG:4326 -> the CRS; NULL for Web Mercator */
	geodata_proj *to_merc;     /* EPSG:4326 -> EPSG:3857 */
};

int geodata_crs_def_is_web_mercator(const char *def)
{
	return !def || !def[0] || !strcasecmp(def, "EPSG:3857");
}

/*
 * PROJ takes a bare PROJ string for an operation; "+type=crs" makes it the CRS it
 * describes. Returns the definition to give PROJ, `def` itself or `buf`; NULL when
 * the completed string does not fit.
 */
static const char *crs_text(const char *def, char *buf, size_t n)
{
	if ((def[0] == '+' || !strncmp(def, "proj=", 5)) && !strstr(def, "type=crs"))
		return snprintf(buf, n, "%s +type=crs", def) < (int)n ? buf : NULL;
	return def;
}

/* The transformation from `geo` to `dst`, axes in x=east, y=north order; NULL on error. */
static geodata_proj *transformation(PJ_CONTEXT *ctx, const PJ *geo, const PJ *dst, const char *name,
                                    int geographic, geodata_error *err)
{
	PJ *raw = proj_create_crs_to_crs_from_pj(ctx, geo, dst, NULL, NULL);
	if (!raw) {
		geodata_proj_error_set(err, "no transformation to", name, ctx);
		return NULL;
	}
	PJ *pj = proj_normalize_for_visualization(ctx, raw);
	proj_destroy(raw);
	if (!pj) {
		geodata_proj_error_set(err, "cannot normalise axis order of", name, ctx);
		return NULL;
	}
	geodata_proj *p = geodata_proj_adopt(ctx, pj, geographic);
	if (!p) {
		proj_destroy(pj);
		if (err)
			snprintf(err->msg, sizeof err->msg, "out of memory");
	}
	return p;
}

/*
 * Parses the CRS and makes the transformation from degrees to it. An error names the CRS
 * as the user wrote it: with a completed PROJ string, as an unknown CRS with PROJ's reason.
 */
static int crs_parse(geodata_crs *c, const PJ *geo, geodata_error *err)
{
	char buf[1024];
	const char *use = crs_text(c->def, buf, sizeof buf);
	int rc = GEODATA_EPROJ;
	PJ *crs = NULL;
	if (!use) {
		if (err)
			snprintf(err->msg, sizeof err->msg,
			         "CRS definition of %zu characters is too long", strlen(c->def));
		return GEODATA_EINVAL;
	}
	const char *what = "unknown CRS";
	crs = proj_create(c->ctx, use);
	if (crs && !geodata_proj_type_usable(proj_get_type(crs)))
		what = use == c->def ? "not a usable CRS" : what;
	else if (crs)
		what = NULL;
	if (what) {
		geodata_proj_error_set(err, what, c->def, c->ctx);
		goto done;
	}
	c->from_lonlat = transformation(c->ctx, geo, crs, use,
	                                geodata_proj_type_geographic(proj_get_type(crs)), err);
	if (!c->from_lonlat) {
		/* Name the CRS as the user wrote it, with PROJ's reason. */
		if (use != c->def)
			geodata_proj_error_set(err, "unknown CRS", c->def, c->ctx);
		goto done;
	}
	rc = 0;
done:
	proj_destroy(crs);
	return rc;
}

geodata_crs *geodata_crs_create(const char *def, geodata_error *err)
{
	PJ *geo = NULL, *merc = NULL;
	geodata_crs *c = calloc(1, sizeof(*c));
	if (!c || !(c->def = strdup(def ? def : ""))) {
		if (err)
			snprintf(err->msg, sizeof err->msg, "out of memory");
		goto fail;
	}
	c->web_mercator = geodata_crs_def_is_web_mercator(def);
	if (c->web_mercator) {
		/* The one transformation is built without PROJ's database: no context of ours. */
		if (!(c->to_merc = geodata_proj_create("EPSG:4326", "EPSG:3857", err)))
			goto fail;
		return c;
	}
	c->ctx = proj_context_create();
	if (!c->ctx) {
		geodata_proj_error_set(err, "cannot create a PROJ context for", c->def, NULL);
		goto fail;
	}
	/* Unknown CRSs must fail fast rather than print to stderr. */
	proj_log_level(c->ctx, PJ_LOG_NONE);
	geo = proj_create(c->ctx, "EPSG:4326");
	if (!geo) {
		geodata_proj_error_set(err, "unknown CRS", "EPSG:4326", c->ctx);
		goto fail;
	}
	if (crs_parse(c, geo, err))
		goto fail;
	merc = proj_create(c->ctx, "EPSG:3857");
	if (!merc) {
		geodata_proj_error_set(err, "unknown CRS", "EPSG:3857", c->ctx);
		goto fail;
	}
	c->to_merc = transformation(c->ctx, geo, merc, "EPSG:3857", 0, err);
	if (!c->to_merc)
		goto fail;
	proj_destroy(merc);
	proj_destroy(geo);
	return c;
fail:
	proj_destroy(merc);
	proj_destroy(geo);
	geodata_crs_destroy(c);
	return NULL;
}

void geodata_crs_destroy(geodata_crs *c)
{
	if (!c)
		return;
	/* The transformations first: they live in the context. */
	geodata_proj_destroy(c->from_lonlat);
	geodata_proj_destroy(c->to_merc);
	if (c->ctx)
		proj_context_destroy(c->ctx);
	free(c->def);
	free(c);
}

int geodata_crs_is_web_mercator(const geodata_crs *c)
{
	return c ? c->web_mercator : 0;
}

const char *geodata_crs_definition(const geodata_crs *c)
{
	return c ? c->def : NULL;
}

geodata_proj *geodata_crs_from_lonlat(geodata_crs *c)
{
	return c ? c->from_lonlat : NULL;
}

geodata_proj *geodata_crs_to_merc(geodata_crs *c)
{
	return c ? c->to_merc : NULL;
}
