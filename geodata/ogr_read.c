/* ogr_read.c: a base layer read through GDAL/OGR, features and geometry into the loader's builder; built as the module briefmap-ogr.so. */
#include <cpl_conv.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"

static int add_run(builder *b, OGRGeometryH g)
{
	int n = OGR_G_GetPointCount(g);
	if (n <= 0)
		return 0;
	if (dvec_reserve(&b->coords, 2 * (size_t)n))
		return GEODATA_ENOMEM;
	double *dst = b->coords.v + b->coords.len;
	OGR_G_GetPoints(g, dst, 2 * sizeof(double), dst + 1, 2 * sizeof(double), NULL, 0);
	b->coords.len += 2 * (size_t)n;
	if (uvec_push(&b->lens, (uint32_t)n))
		return GEODATA_ENOMEM;
	piece_build *p = &b->pb[b->npb - 1];
	p->nparts[SLOT_LONLAT]++;
	p->npts[SLOT_LONLAT] += (uint32_t)n;
	return 0;
}

/*
 * Natural Earth's world layers carry a few rings that cross the antimeridian
 * with an edge jumping from +180 to -180: drawn flat they become lines across
 * the whole world. Such an edge marks the piece for dropping, except near the
 * poles, where Antarctica's closing edge runs along the bottom of the world.
 */
static int crosses_antimeridian(const builder *b, const piece_build *p)
{
	const double *xy = b->coords.v + p->coff[SLOT_LONLAT];
	for (uint32_t i = 1; i < p->npts[SLOT_LONLAT]; i++) {
		const double *a = xy + 2 * (i - 1), *c = a + 2;
		if (fabs(c[0] - a[0]) > 180 && fmax(fabs(a[1]), fabs(c[1])) < 80)
			return 1;
	}
	return 0;
}

static int add_polygon(builder *b, OGRGeometryH poly)
{
	int nrings = OGR_G_GetGeometryCount(poly);
	if (nrings <= 0)
		return 0;
	if (build_piece_add(b))
		return GEODATA_ENOMEM;
	for (int r = 0; r < nrings; r++)
		if (add_run(b, OGR_G_GetGeometryRef(poly, r)))
			return GEODATA_ENOMEM;
	piece_build *p = &b->pb[b->npb - 1];
	if (p->npts[SLOT_LONLAT] == 0 || (b->geographic && crosses_antimeridian(b, p))) {
		/* Not a piece after all: take back what it appended. */
		b->coords.len = p->coff[SLOT_LONLAT];
		b->lens.len = p->loff[SLOT_LONLAT];
		b->npb--;
		return 0;
	}
	double area = OGR_G_Area(poly);
	if (area > b->best_area) {
		b->best_area = area;
		b->best_poly = poly;
	}
	return 0;
}

static int add_geometry(builder *b, OGRGeometryH g)
{
	OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
	int rc = 0;
	switch (t) {
	case wkbPoint:
		if (OGR_G_IsEmpty(g))
			return 0;
		if ((rc = build_piece_add(b)))
			return rc;
		return add_run(b, g);
	case wkbLineString:
		if ((rc = build_piece_add(b)))
			return rc;
		return add_run(b, g);
	case wkbPolygon:
		return add_polygon(b, g);
	case wkbMultiPolygon:
	case wkbMultiPoint:
	case wkbMultiLineString:
	case wkbGeometryCollection:
		for (int i = 0; i < OGR_G_GetGeometryCount(g) && !rc; i++)
			rc = add_geometry(b, OGR_G_GetGeometryRef(g, i));
		return rc;
	default:
		return 0; /* curves and the like are not part of a briefing map */
	}
}

static char *dup_field(OGRFeatureH f, int idx)
{
	const char *s =
	    idx >= 0 && OGR_F_IsFieldSetAndNotNull(f, idx) ? OGR_F_GetFieldAsString(f, idx) : "";
	return strdup(s ? s : "");
}

static geodata_capital parse_capital(const char *s)
{
	if (!strcmp(s, "primary"))
		return GEODATA_CAPITAL_PRIMARY;
	if (!strcmp(s, "admin"))
		return GEODATA_CAPITAL_ADMIN;
	if (!strcmp(s, "minor"))
		return GEODATA_CAPITAL_MINOR;
	return GEODATA_CAPITAL_NONE;
}

/* A label point inside the polygon: its centroid when that falls inside, else a point on its
 * surface. */
static void polygon_anchor(OGRGeometryH poly, double *lon, double *lat)
{
	OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
	if (!pt)
		return;
	if (OGR_G_Centroid(poly, pt) == OGRERR_NONE && OGR_G_Contains(poly, pt)) {
		*lon = OGR_G_GetX(pt, 0);
		*lat = OGR_G_GetY(pt, 0);
	} else {
		OGRGeometryH s = OGR_G_PointOnSurface(poly);
		if (s) {
			*lon = OGR_G_GetX(s, 0);
			*lat = OGR_G_GetY(s, 0);
			OGR_G_DestroyGeometry(s);
		}
	}
	OGR_G_DestroyGeometry(pt);
}

/* `fi`: the indices of the table's fields (name, code, country, population, capital, rank, lat,
 * lon, name_es), -1 where absent. */
static int add_feature(builder *b, OGRFeatureH f, const int *fi)
{
	geodata_layer *L = b->layer;
	OGRGeometryH g = OGR_F_GetGeometryRef(f);
	if (!g || OGR_G_IsEmpty(g))
		return 0;
	if (L->nfeatures == b->capfeat) {
		size_t cap = b->capfeat ? b->capfeat * 2 : 256;
		geodata_feature *nf = realloc(L->features, cap * sizeof(*nf));
		uint32_t *np = realloc(L->feature_first_piece, (cap + 1) * sizeof(uint32_t));
		if (nf)
			L->features = nf;
		if (np)
			L->feature_first_piece = np;
		if (!nf || !np)
			return GEODATA_ENOMEM;
		b->capfeat = cap;
	}
	uint32_t idx = (uint32_t)L->nfeatures;
	size_t first = b->npb;
	b->best_poly = NULL;
	b->best_area = -1;
	int rc = add_geometry(b, g);
	if (rc)
		return rc;
	if (b->npb == first)
		return 0;
	geodata_feature *ft = &L->features[L->nfeatures++];
	memset(ft, 0, sizeof(*ft));
	L->feature_first_piece[idx] = (uint32_t)first;
	ft->name = dup_field(f, fi[0]);
	ft->code = dup_field(f, fi[1]);
	ft->country = dup_field(f, fi[2]);
	ft->name_es = dup_field(f, fi[8]);
	if (!ft->name || !ft->code || !ft->country || !ft->name_es)
		return GEODATA_ENOMEM;
	ft->population = fi[3] >= 0 ? (long)OGR_F_GetFieldAsInteger64(f, fi[3]) : 0;
	ft->capital = fi[4] >= 0 ? parse_capital(OGR_F_GetFieldAsString(f, fi[4])) : 0;
	ft->rank = fi[5] >= 0 ? OGR_F_GetFieldAsInteger(f, fi[5]) : 0;
	ft->lon = ft->lat = NAN;
	if (fi[6] >= 0 && fi[7] >= 0 && OGR_F_IsFieldSetAndNotNull(f, fi[6])) {
		ft->lat = OGR_F_GetFieldAsDouble(f, fi[6]);
		ft->lon = OGR_F_GetFieldAsDouble(f, fi[7]);
	}
	if (!isfinite(ft->lon) || !isfinite(ft->lat) || (ft->lon == 0 && ft->lat == 0)) {
		if (b->best_poly) {
			polygon_anchor(b->best_poly, &ft->lon, &ft->lat);
		} else {
			const piece_build *p = &b->pb[first];
			ft->lon = b->coords.v[p->coff[SLOT_LONLAT]];
			ft->lat = b->coords.v[p->coff[SLOT_LONLAT] + 1];
		}
	}
	return 0;
}

static char *srs_definition(OGRSpatialReferenceH srs)
{
	if (!srs)
		return strdup("EPSG:4326");
	const char *auth = OSRGetAuthorityName(srs, NULL);
	const char *code = OSRGetAuthorityCode(srs, NULL);
	if (auth && code) {
		size_t n = strlen(auth) + strlen(code) + 2;
		char *s = malloc(n);
		if (s)
			snprintf(s, n, "%s:%s", auth, code);
		return s;
	}
	char *wkt = NULL;
	const char *opts[] = {"FORMAT=WKT2_2019", NULL};
	if (OSRExportToWktEx(srs, &wkt, opts) != OGRERR_NONE) {
		CPLFree(wkt);
		return NULL;
	}
	char *s = strdup(wkt);
	CPLFree(wkt);
	return s;
}

/* Opens the source read-only and finds its layer (the first when `lname` is NULL); NULL with
 * `err` filled, `*ds` to close either way. */
static OGRLayerH open_layer(const char *path, const char *lname, GDALDatasetH *ds,
                           geodata_error *err)
{
	/* GDAL would block opening a FIFO; folders (Shapefile sets) and "PG:..." are fine. */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		build_err_set(err, "data source '%s': %s", path,
		        "not a regular file (a FIFO, socket or device)");
		return NULL;
	}
	*ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
	if (!*ds) {
		build_err_set(err, "cannot open data source '%s'%s", path,
		        "; run the setup (tools/prepare-data.sh) or pass --data DIR");
		return NULL;
	}
	OGRLayerH ol = lname ? GDALDatasetGetLayerByName(*ds, lname) : GDALDatasetGetLayer(*ds, 0);
	if (!ol)
		build_err_set(err, "no layer '%s' in '%s'", lname ? lname : "?", path);
	return ol;
}

/* Every feature of the layer into the builder, with the fields the layer table names. */
static int read_features(builder *b, OGRLayerH ol, const geodata_layer_fields *fl)
{
	OGRFeatureDefnH defn = OGR_L_GetLayerDefn(ol);
	const char *names[9] = {fl->name, fl->code,    fl->country, fl->population, fl->capital,
	                        fl->rank, fl->lat,     fl->lon,     fl->name_es};
	int fi[9];
	for (int k = 0; k < 9; k++)
		fi[k] = names[k] ? OGR_FD_GetFieldIndex(defn, names[k]) : -1;
	OGR_L_ResetReading(ol);
	OGRFeatureH f;
	while ((f = OGR_L_GetNextFeature(ol))) {
		int rc = add_feature(b, f, fi);
		OGR_F_Destroy(f);
		if (rc)
			return rc;
	}
	return 0;
}

static int read_layer(builder *b, const char *path, const char *lname, const geodata_layer_fields *fl,
                char **srsdef, geodata_error *err)
{
	GDALDatasetH ds = NULL;
	int rc = GEODATA_EIO;
	/* Registers the drivers the first time; after that, finds them registered. */
	GDALAllRegister();
	OGRLayerH ol = open_layer(path, lname, &ds, err);
	if (!ol)
		goto out;
	*srsdef = srs_definition(OGR_L_GetSpatialRef(ol));
	if (!*srsdef) {
		build_err_set(err, "layer '%s' of '%s' has a CRS that cannot be described", lname, path);
		goto out;
	}
	b->geographic = strcmp(*srsdef, "EPSG:4326") == 0;
	rc = read_features(b, ol, fl);
out:
	if (ds)
		GDALClose(ds);
	return rc;
}

/* What ogr_module.c looks up: the one symbol this module exports for it. */
__attribute__((visibility("default"))) const ogr_reader briefmap_ogr_reader = {BRIEFMAP_OGR_ABI,
                                                                                read_layer};
