/* load.c: the base layers read once (through the GDAL/OGR reader module), reprojected, generalised and indexed, or mapped from the snapshot. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "build.h"

#define MERC_MAX_LAT 85.05112878


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

static int load_layer(geodata_layer *L, geodata_layer_id id, const ogr_reader *ogr,
                      const char *spec, const char *default_layer, geodata_error *err)
{
	double t0 = now_ms();
	builder b = {.layer = L};
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
	if ((rc = ogr->read(&b, path, lname, &info->fields, &srsdef, err)))
		goto out;
	geodata_error perr;
	rc = GEODATA_EPROJ;
	if (!b.geographic) {
		to_lonlat = geodata_proj_create(srsdef, "EPSG:4326", &perr);
		if (!to_lonlat) {
			build_err_set(err, "layer '%s': %s", lname ? lname : path, perr.msg);
			goto out;
		}
	}
	to_merc = geodata_proj_create("EPSG:4326", "EPSG:3857", &perr);
	if (!to_merc) {
		build_err_set(err, "%s%s", perr.msg, NULL);
		goto out;
	}
	if (to_lonlat && geodata_proj_trans(to_lonlat, b.coords.v, b.coords.len / 2, 0)) {
		build_err_set(err, "layer '%s': cannot reproject to EPSG:4326%s", lname, NULL);
		goto out;
	}
	if (project_layer(&b, to_merc)) {
		build_err_set(err, "layer '%s': cannot reproject to EPSG:3857%s", lname, NULL);
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
	const ogr_reader *ogr = NULL;
	void *ogr_handle = NULL;
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
	ogr = ogr_reader_open(&ogr_handle, err);
	if (!ogr)
		goto fail;
	for (int i = 0; i < nlayers; i++) {
		const char *spec = opts->layer_source[i] ? opts->layer_source[i] : base;
		const char *lname = opts->layer_source[i] ? NULL : geodata_layer_name(i);
		if (load_layer(&gd->layers[i], (geodata_layer_id)i, ogr, spec, lname, err)) {
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
	ogr_reader_close(ogr_handle);
	free(snap);
	free(base);
	return gd;
nomem:
	if (err)
		snprintf(err->msg, sizeof(err->msg), "out of memory");
fail:
	ogr_reader_close(ogr_handle);
	free(snap);
	free(base);
	geodata_destroy(gd);
	return NULL;
}

