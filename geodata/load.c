/* load.c: reads the base layers through GDAL/OGR once, reprojects, generalises and indexes them. */
#include <cpl_conv.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "private.h"

#define MERC_MAX_LAT 85.05112878

/* ---- growable arrays ------------------------------------------------------ */

typedef struct {
	double *v;
	size_t len, cap;
} dvec;
typedef struct {
	uint32_t *v;
	size_t len, cap;
} uvec;

static int dvec_reserve(dvec *d, size_t extra)
{
	if (d->len + extra <= d->cap)
		return 0;
	size_t cap = d->cap ? d->cap : 4096;
	while (cap < d->len + extra)
		cap *= 2;
	double *v = realloc(d->v, cap * sizeof(double));
	if (!v)
		return GEODATA_ENOMEM;
	d->v = v;
	d->cap = cap;
	return 0;
}

static int uvec_push(uvec *u, uint32_t x)
{
	if (u->len == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 1024;
		uint32_t *v = realloc(u->v, cap * sizeof(uint32_t));
		if (!v)
			return GEODATA_ENOMEM;
		u->v = v;
		u->cap = cap;
	}
	u->v[u->len++] = x;
	return 0;
}

/* ---- building a layer ----------------------------------------------------- */

#define SLOT_LONLAT GEODATA_LEVELS
#define SLOT_MERC (GEODATA_LEVELS + 1)
#define SLOTS (GEODATA_LEVELS + 2)

/* While loading, geometry lives as offsets into growable arrays that move. */
typedef struct {
	size_t coff[SLOTS], loff[SLOTS];
	uint32_t nparts[SLOTS], npts[SLOTS];
} piece_build;

typedef struct {
	geodata_layer *layer;
	dvec coords;
	uvec lens;
	piece_build *pb;
	size_t npb, cappb;
	size_t capfeat;
	OGRGeometryH best_poly; /* largest polygon of the current feature, for its label */
	int geographic;         /* coordinates come in degrees */
	double best_area;
} builder;

static void set_err(geodata_error *err, const char *fmt, const char *a, const char *b)
{
	if (!err)
		return;
	/* Messages are cut to the buffer: a long path must not hide the start of the message. */
	char tmp[sizeof(err->msg) * 2];
	snprintf(tmp, sizeof(tmp), fmt, a, b ? b : "");
	snprintf(err->msg, sizeof(err->msg), "%.*s", (int)sizeof(err->msg) - 1, tmp);
}

static int add_piece(builder *b)
{
	if (b->npb == b->cappb) {
		size_t cap = b->cappb ? b->cappb * 2 : 256;
		piece_build *p = realloc(b->pb, cap * sizeof(*p));
		if (!p)
			return GEODATA_ENOMEM;
		b->pb = p;
		b->cappb = cap;
	}
	piece_build *p = &b->pb[b->npb++];
	memset(p, 0, sizeof(*p));
	p->coff[SLOT_LONLAT] = b->coords.len;
	p->loff[SLOT_LONLAT] = b->lens.len;
	return 0;
}

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
	if (add_piece(b))
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
		if ((rc = add_piece(b)))
			return rc;
		return add_run(b, g);
	case wkbLineString:
		if ((rc = add_piece(b)))
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

/* Generalises one run into the coordinate array; returns the kept count (0 = dropped). */
static uint32_t simplify_run(builder *b, size_t src_off, uint32_t n, double tol, int polygon,
                             double min_extent)
{
	if (dvec_reserve(&b->coords, 2 * (size_t)n))
		return 0;
	const double *src = b->coords.v + src_off;
	if (polygon) {
		double x0 = src[0], x1 = src[0], y0 = src[1], y1 = src[1];
		for (uint32_t i = 1; i < n; i++) {
			x0 = fmin(x0, src[2 * i]);
			x1 = fmax(x1, src[2 * i]);
			y0 = fmin(y0, src[2 * i + 1]);
			y1 = fmax(y1, src[2 * i + 1]);
		}
		/* Rings smaller than a pixel would only add noise at this zoom. */
		if (x1 - x0 < min_extent && y1 - y0 < min_extent)
			return 0;
	}
	double *dst = b->coords.v + b->coords.len;
	size_t m = geodata_simplify(src, n, tol, polygon, dst);
	b->coords.len += 2 * m;
	return (uint32_t)m;
}

static int generalise(builder *b, int point)
{
	for (size_t i = 0; i < b->npb; i++) {
		piece_build *p = &b->pb[i];
		for (int z = GEODATA_MAX_ZOOM; z >= 0; z--) {
			/* Each level simplifies the one above it: cheaper, and errors stay within a
			 * pixel. */
			int from = z == GEODATA_MAX_ZOOM ? SLOT_MERC : z + 1;
			if (point) {
				p->coff[z] = p->coff[from];
				p->loff[z] = p->loff[from];
				p->nparts[z] = p->nparts[from];
				p->npts[z] = p->npts[from];
				continue;
			}
			size_t soff = p->coff[from], slen = p->loff[from];
			uint32_t sparts = p->nparts[from];
			double res = geodata_zoom_resolution(z);
			p->coff[z] = b->coords.len;
			p->loff[z] = b->lens.len;
			p->nparts[z] = p->npts[z] = 0;
			for (uint32_t r = 0; r < sparts; r++) {
				uint32_t n = b->lens.v[slen + r];
				uint32_t m = simplify_run(b, soff, n, 0.5 * res, 1, res);
				soff += 2 * (size_t)n;
				if (m == 0 && r == 0)
					break; /* the outer ring is gone: so are its holes */
				if (m == 0)
					continue;
				if (uvec_push(&b->lens, m))
					return GEODATA_ENOMEM;
				p->nparts[z]++;
				p->npts[z] += m;
			}
		}
	}
	return 0;
}

/* Appends a Web Mercator copy of every lon/lat coordinate, in one PROJ call. */
static int project_layer(builder *b, geodata_proj *to_merc)
{
	size_t total = b->coords.len;
	if (total == 0)
		return 0; /* an empty layer: nothing to copy, and no array to copy from */
	if (dvec_reserve(&b->coords, total))
		return GEODATA_ENOMEM;
	double *merc = b->coords.v + total;
	memcpy(merc, b->coords.v, total * sizeof(double));
	for (size_t i = 1; i < total; i += 2)
		merc[i] = fmax(-MERC_MAX_LAT, fmin(MERC_MAX_LAT, merc[i]));
	if (geodata_proj_trans(to_merc, merc, total / 2, 0))
		return GEODATA_EPROJ;
	b->coords.len += total;
	for (size_t i = 0; i < b->npb; i++) {
		piece_build *p = &b->pb[i];
		p->coff[SLOT_MERC] = p->coff[SLOT_LONLAT] + total;
		p->loff[SLOT_MERC] = p->loff[SLOT_LONLAT];
		p->nparts[SLOT_MERC] = p->nparts[SLOT_LONLAT];
		p->npts[SLOT_MERC] = p->npts[SLOT_LONLAT];
	}
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void finalise_geom(geodata_geom *g, const piece_build *p, int slot, geodata_geom_type type,
                          const double *coords, const uint32_t *lens)
{
	g->type = p->npts[slot] ? type : GEODATA_GEOM_NONE;
	g->nparts = p->nparts[slot];
	g->npoints = p->npts[slot];
	g->xy = coords + p->coff[slot];
	g->part_len = lens + p->loff[slot];
	g->bbox.minx = g->bbox.miny = INFINITY;
	g->bbox.maxx = g->bbox.maxy = -INFINITY;
	for (uint32_t i = 0; i < g->npoints; i++) {
		double x = g->xy[2 * i], y = g->xy[2 * i + 1];
		g->bbox.minx = fmin(g->bbox.minx, x);
		g->bbox.maxx = fmax(g->bbox.maxx, x);
		g->bbox.miny = fmin(g->bbox.miny, y);
		g->bbox.maxy = fmax(g->bbox.maxy, y);
	}
}

static double ring_area(const double *xy, uint32_t n)
{
	double a = 0;
	for (uint32_t i = 0; i + 1 < n; i++)
		a += xy[2 * i] * xy[2 * i + 3] - xy[2 * i + 2] * xy[2 * i + 1];
	return fabs(a) * 0.5;
}

static char *source_name(const char *spec, const char **layer_name)
{
	char *s = strdup(spec);
	if (!s)
		return NULL;
	char *bar = strrchr(s, '|');
	if (bar) {
		*bar = 0;
		*layer_name = spec + (bar - s) + 1;
	}
	return s;
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

/*
 * Turns the builder's arrays into the layer's (offsets into pointers, now that
 * they no longer move): pieces per zoom, their boxes, feature areas and label
 * points. Returns 0 or GEODATA_ENOMEM.
 */
static int freeze_pieces(geodata_layer *L, builder *b, const geodata_layer_info *info,
                         geodata_proj *to_merc)
{
	/* Freeze: turn offsets into pointers now that the arrays no longer move. */
	L->coords = b->coords.v;
	L->lens = b->lens.v;
	b->coords.v = NULL;
	b->lens.v = NULL;
	L->npieces = b->npb;
	/* A layer without features is valid: it still has the one closing entry. */
	if (!L->feature_first_piece && !(L->feature_first_piece = calloc(1, sizeof(uint32_t))))
		return GEODATA_ENOMEM;
	L->pieces = calloc(b->npb ? b->npb : 1, sizeof(geodata_piece));
	L->piece_boxes = calloc(b->npb ? b->npb : 1, sizeof(geodata_bbox));
	if (!L->pieces || !L->piece_boxes)
		return GEODATA_ENOMEM;
	atomic_store(&L->pieces_ready, 1); /* built here, not from a snapshot's records */
	geodata_geom_type gt = info->geom == GEODATA_GEOM_POINT ? GEODATA_GEOM_POINT : GEODATA_GEOM_POLYGON;
	uint32_t fidx = 0;
	for (size_t i = 0; i < b->npb; i++) {
		geodata_piece *pc = &L->pieces[i];
		while (fidx + 1 < L->nfeatures && L->feature_first_piece[fidx + 1] <= i)
			fidx++;
		pc->feature = fidx;
		for (int z = 0; z < GEODATA_LEVELS; z++)
			finalise_geom(&pc->level[z], &b->pb[i], z, gt, L->coords, L->lens);
		finalise_geom(&pc->lonlat, &b->pb[i], SLOT_LONLAT, gt, L->coords, L->lens);
		/* The index uses the full-detail box: simplified boxes only ever shrink. */
		geodata_geom full;
		finalise_geom(&full, &b->pb[i], SLOT_MERC, gt, L->coords, L->lens);
		L->piece_boxes[i] = full.bbox;
		if (gt == GEODATA_GEOM_POLYGON && full.nparts) {
			double a = ring_area(full.xy, full.part_len[0]);
			if (a > L->features[fidx].area)
				L->features[fidx].area = a;
		}
	}
	L->feature_first_piece[L->nfeatures] = (uint32_t)b->npb;
	for (size_t i = 0; i < L->nfeatures; i++) {
		geodata_feature *ft = &L->features[i];
		if (geodata_lonlat_to_merc(to_merc, ft->lon, ft->lat, &ft->label_x, &ft->label_y)) {
			ft->label_x = ft->label_y = NAN;
		}
	}
	return 0;
}

/* What `briefmap check` reports of a loaded layer: counts and extents. */
static void layer_stats(geodata_layer *L)
{
	L->stats.features = L->nfeatures;
	L->stats.pieces = L->npieces;
	geodata_bbox ext = {INFINITY, INFINITY, -INFINITY, -INFINITY};
	for (size_t i = 0; i < L->npieces; i++) {
		const geodata_geom *g = &L->pieces[i].lonlat;
		L->stats.vertices += g->npoints;
		if (g->npoints) {
			ext.minx = fmin(ext.minx, g->bbox.minx);
			ext.miny = fmin(ext.miny, g->bbox.miny);
			ext.maxx = fmax(ext.maxx, g->bbox.maxx);
			ext.maxy = fmax(ext.maxy, g->bbox.maxy);
		}
	}
	L->stats.extent_lonlat = ext;
	geodata_bbox em = {INFINITY, INFINITY, -INFINITY, -INFINITY};
	for (size_t i = 0; i < L->npieces; i++) {
		const geodata_bbox *pb = &L->piece_boxes[i];
		em.minx = fmin(em.minx, pb->minx);
		em.miny = fmin(em.miny, pb->miny);
		em.maxx = fmax(em.maxx, pb->maxx);
		em.maxy = fmax(em.maxy, pb->maxy);
	}
	L->stats.extent_merc = em;
}

/* Opens the source read-only and finds its layer (the first when `lname` is NULL); NULL with
 * `err` filled, `*ds` to close either way. */
static OGRLayerH open_layer(const char *path, const char *lname, GDALDatasetH *ds,
                           geodata_error *err)
{
	/* GDAL would block opening a FIFO; folders (Shapefile sets) and "PG:..." are fine. */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		set_err(err, "data source '%s': %s", path,
		        "not a regular file (a FIFO, socket or device)");
		return NULL;
	}
	*ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
	if (!*ds) {
		set_err(err, "cannot open data source '%s'%s", path,
		        "; run the setup (tools/prepare-data.sh) or pass --data DIR");
		return NULL;
	}
	OGRLayerH ol = lname ? GDALDatasetGetLayerByName(*ds, lname) : GDALDatasetGetLayer(*ds, 0);
	if (!ol)
		set_err(err, "no layer '%s' in '%s'", lname ? lname : "?", path);
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

static int load_layer(geodata_layer *L, geodata_layer_id id, const char *spec,
                      const char *default_layer, geodata_error *err)
{
	double t0 = now_ms();
	builder b = {.layer = L};
	GDALDatasetH ds = NULL;
	char *path = NULL, *srsdef = NULL;
	geodata_proj *to_lonlat = NULL, *to_merc = NULL;
	int rc = GEODATA_EIO;
	const char *lname = default_layer;

	const geodata_layer_info *info = geodata_layer_info_get(id);
	L->id = id;
	L->attribution = info->attribution;
	path = source_name(spec, &lname);
	if (!path) {
		rc = GEODATA_ENOMEM;
		goto out;
	}
	OGRLayerH ol = open_layer(path, lname, &ds, err);
	if (!ol)
		goto out;
	srsdef = srs_definition(OGR_L_GetSpatialRef(ol));
	if (!srsdef) {
		set_err(err, "layer '%s' of '%s' has a CRS that cannot be described", lname, path);
		goto out;
	}
	geodata_error perr;
	b.geographic = strcmp(srsdef, "EPSG:4326") == 0;
	if (!b.geographic) {
		to_lonlat = geodata_proj_create(srsdef, "EPSG:4326", &perr);
		if (!to_lonlat) {
			set_err(err, "layer '%s': %s", lname ? lname : path, perr.msg);
			rc = GEODATA_EPROJ;
			goto out;
		}
	}
	to_merc = geodata_proj_create("EPSG:4326", "EPSG:3857", &perr);
	if (!to_merc) {
		set_err(err, "%s%s", perr.msg, NULL);
		rc = GEODATA_EPROJ;
		goto out;
	}

	rc = read_features(&b, ol, &info->fields);
	if (rc)
		goto out;
	rc = GEODATA_EPROJ;
	if (to_lonlat && geodata_proj_trans(to_lonlat, b.coords.v, b.coords.len / 2, 0)) {
		set_err(err, "layer '%s': cannot reproject to EPSG:4326%s", lname, NULL);
		goto out;
	}
	if (project_layer(&b, to_merc)) {
		set_err(err, "layer '%s': cannot reproject to EPSG:3857%s", lname, NULL);
		goto out;
	}
	rc = GEODATA_ENOMEM;
	if (generalise(&b, info->geom == GEODATA_GEOM_POINT))
		goto out;

	if (freeze_pieces(L, &b, info, to_merc) || rtree_build(&L->index, L->piece_boxes, L->npieces))
		goto out;
	layer_stats(L);
	L->stats.load_ms = now_ms() - t0;
	rc = 0;
out:
	if (rc && rc != GEODATA_EIO && rc != GEODATA_EPROJ && err && !err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "out of memory loading layer '%s'",
		         geodata_layer_name(id));
	free(b.coords.v);
	free(b.lens.v);
	free(b.pb);
	geodata_proj_destroy(to_merc);
	geodata_proj_destroy(to_lonlat);
	free(srsdef);
	if (ds)
		GDALClose(ds);
	free(path);
	return rc;
}

/* Identifies one version of the prepared data: a snapshot made from another is ignored. */
static uint64_t source_fingerprint(const char *path)
{
	struct stat st;
	if (stat(path, &st))
		return 0;
	uint64_t h = 1469598103934665603ULL;
	uint64_t v[4] = {(uint64_t)st.st_size, (uint64_t)st.st_mtim.tv_sec,
	                 (uint64_t)st.st_mtim.tv_nsec, (uint64_t)st.st_ino};
	for (int i = 0; i < 4; i++)
		h = (h ^ v[i]) * 1099511628211ULL;
	return h;
}

geodata *geodata_load(const geodata_options *opts, geodata_error *err)
{
	geodata_options defaults = {0};
	if (!opts)
		opts = &defaults;
	if (err)
		err->msg[0] = 0;
	geodata *gd = NULL;
	char *base = NULL, *snap = NULL;
	const char *dir = opts->data_dir ? opts->data_dir : "var/data";
	size_t n = strlen(dir) + 32;
	base = malloc(n);
	snap = malloc(n);
	if (!base || !snap)
		goto nomem;
	snprintf(base, n, "%s/base.gpkg", dir);
	snprintf(snap, n, "%s/base.snapshot", dir);
	int overridden = 0;
	int nlayers = GEODATA_LAYER_COUNT;
	for (int i = 0; i < nlayers; i++)
		overridden |= opts->layer_source[i] != NULL;
	uint64_t fp = overridden ? 0 : source_fingerprint(base);
	geodata_error why = {{0}};
	if (fp && (gd = snapshot_load(snap, fp, !opts->check_lazily, &why))) {
		free(snap);
		free(base);
		return gd;
	}
	gd = calloc(1, sizeof(*gd));
	if (!gd)
		goto nomem;
	if (why.msg[0])
		snprintf(gd->snapshot_note, sizeof(gd->snapshot_note), "snapshot '%.200s' not used (%.200s)",
		         snap, why.msg);
	GDALAllRegister();
	for (int i = 0; i < nlayers; i++) {
		const char *spec = opts->layer_source[i] ? opts->layer_source[i] : base;
		const char *lname = opts->layer_source[i] ? NULL : geodata_layer_name(i);
		if (load_layer(&gd->layers[i], (geodata_layer_id)i, spec, lname, err)) {
			if (gd->snapshot_note[0] && err) {
				/* Say both: the damaged snapshot and why it could not be rebuilt. */
				char tmp[sizeof(err->msg)];
				snprintf(tmp, sizeof(tmp), "%s", err->msg);
				snprintf(err->msg, sizeof(err->msg), "%.240s; cannot rebuild it: %.240s",
				         gd->snapshot_note, tmp);
			}
			goto fail;
		}
	}
	/* A cache, not a requirement: a read-only data folder just means slower starts. */
	if (fp)
		snapshot_write(gd, snap, fp);
	free(snap);
	free(base);
	return gd;
nomem:
	if (err)
		snprintf(err->msg, sizeof(err->msg), "out of memory");
fail:
	free(snap);
	free(base);
	geodata_destroy(gd);
	return NULL;
}

