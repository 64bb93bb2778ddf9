/* snapshot.c: the prepared layers saved as one file and mapped back at start-up, so nothing is
 * re-parsed. */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libdeflate.h>

#include "snapshot_format.h"

typedef snapshot_file_header file_header;
typedef snapshot_layer_header layer_header;
typedef snapshot_feature_rec feature_rec;
typedef snapshot_geom_rec geom_rec;
typedef snapshot_piece_rec piece_rec;
typedef snapshot_point_rec point_rec;
#define NSLOTS SNAPSHOT_SLOTS

static uint64_t layout_id(void)
{
	return (uint64_t)sizeof(file_header) | (uint64_t)sizeof(layer_header) << 12 |
	       (uint64_t)sizeof(feature_rec) << 24 | (uint64_t)sizeof(piece_rec) << 36 |
	       (uint64_t)sizeof(rtree_node) << 52;
}

/* Output counting the bytes after the header; the blocks are checksummed once it is whole. */
typedef struct {
	FILE *f;
	uint64_t len;
} writer;

static int put(writer *w, const void *p, size_t n)
{
	static const char zero[8] = {0};
	if (n && fwrite(p, 1, n, w->f) != n)
		return -1;
	size_t pad = (8 - n % 8) % 8;
	if (pad && fwrite(zero, 1, pad, w->f) != pad)
		return -1;
	w->len += n + pad;
	return 0;
}

/* Bytes that keep the 8-byte alignment by themselves (runs of doubles), without padding. */
static int put_raw(writer *w, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, w->f) != n)
		return -1;
	w->len += n;
	return 0;
}

static size_t pooled(char **pool, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s) + 1;
	if (*len + n > *cap) {
		size_t c = *cap ? *cap * 2 : 65536;
		while (c < *len + n)
			c *= 2;
		char *p = realloc(*pool, c);
		if (!p)
			return (size_t)-1;
		*pool = p;
		*cap = c;
	}
	memcpy(*pool + *len, s, n);
	*len += n;
	return *len - n;
}

static void geom_to_rec(const geodata_layer *L, const geodata_geom *g, geom_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->type = g->type;
	r->nparts = g->nparts;
	r->npoints = g->npoints;
	r->coff = g->xy ? (uint64_t)(g->xy - L->coords) : 0;
	r->loff = g->part_len ? (uint64_t)(g->part_len - L->lens) : 0;
	r->bbox = g->bbox;
}

static const geodata_geom *slot_geom(const geodata_piece *p, int z)
{
	return z < GEODATA_LEVELS ? &p->level[z] : &p->lonlat;
}

/* The earlier slot of the same piece whose runs slot `z` uses too, or -1. */
static int shared_slot(const geodata_piece *p, int z)
{
	const geodata_geom *g = slot_geom(p, z);
	for (int k = 0; k < z; k++) {
		const geodata_geom *o = slot_geom(p, k);
		if (o->xy == g->xy && o->part_len == g->part_len && o->npoints == g->npoints &&
		    o->nparts == g->nparts)
			return k;
	}
	return -1;
}

/*
 * The coordinates and run lengths in the order the file keeps them: zoom by zoom, each piece's
 * run of a slot after the previous piece's, so that what one zoom draws lies on few pages of
 * the mapping rather than on one page per piece amid the detail of the other zooms. A run a
 * piece shares between slots (a point, a level simplification left as it was) is kept once.
 * Rewrites the records' offsets to the new order and returns the new run lengths in `*lens`.
 */
static int regroup(const geodata_layer *L, const geodata_piece *pieces, piece_rec *pr,
                   uint32_t **lens, size_t *ncoords, size_t *nlens)
{
	size_t cap = 1;
	for (size_t i = 0; i < L->npieces; i++)
		for (int z = 0; z < NSLOTS; z++)
			cap += pr[i].g[z].nparts;
	uint32_t *out = malloc(cap * sizeof(uint32_t));
	if (!out)
		return GEODATA_ENOMEM;
	size_t nc = 0, nl = 0;
	for (int z = 0; z < NSLOTS; z++)
		for (size_t i = 0; i < L->npieces; i++) {
			const geodata_geom *g = slot_geom(&pieces[i], z);
			geom_rec *r = &pr[i].g[z];
			int k = shared_slot(&pieces[i], z);
			if (!g->npoints && !g->nparts) {
				r->coff = r->loff = 0;
			} else if (k >= 0) {
				r->coff = pr[i].g[k].coff;
				r->loff = pr[i].g[k].loff;
			} else {
				r->coff = nc;
				r->loff = nl;
				memcpy(out + nl, g->part_len, g->nparts * sizeof(uint32_t));
				nc += 2 * (size_t)g->npoints;
				nl += g->nparts;
			}
		}
	*lens = out;
	*ncoords = nc;
	*nlens = nl;
	return 0;
}

/* The box a point's geometry has (as load.c computes it, also for a point PROJ could not place). */
static geodata_bbox point_box(const double *xy)
{
	geodata_bbox b = {INFINITY, INFINITY, -INFINITY, -INFINITY};
	b.minx = fmin(b.minx, xy[0]);
	b.maxx = fmax(b.maxx, xy[0]);
	b.miny = fmin(b.miny, xy[1]);
	b.maxy = fmax(b.maxy, xy[1]);
	return b;
}

/* Whether geometry record `r` of `g` is a lone point that point_geom gives back exactly. */
static int lone_point(const geodata_geom *g, const geom_rec *r)
{
	geodata_bbox b = g->npoints == 1 ? point_box(g->xy) : r->bbox;
	return r->type == GEODATA_GEOM_POINT && r->npoints == 1 && r->nparts == 1 &&
	       g->part_len[0] == 1 && !memcmp(&b, &r->bbox, sizeof(b));
}

/*
 * Point records for a layer whose every piece is one point, its zooms sharing one run (after
 * regroup); NULL when the layer is not such a layer (or has no pieces) or out of memory.
 */
static point_rec *point_recs(const geodata_layer *L, const geodata_piece *pieces,
                             const piece_rec *pr)
{
	if (!L->npieces)
		return NULL;
	for (size_t i = 0; i < L->npieces; i++) {
		if (!lone_point(&pieces[i].lonlat, &pr[i].g[GEODATA_LEVELS]))
			return NULL;
		for (int z = 0; z < GEODATA_LEVELS; z++)
			if (!lone_point(&pieces[i].level[z], &pr[i].g[z]) ||
			    pr[i].g[z].coff != pr[i].g[0].coff || pr[i].g[z].loff != pr[i].g[0].loff)
				return NULL;
	}
	point_rec *out = calloc(L->npieces, sizeof(*out));
	for (size_t i = 0; out && i < L->npieces; i++)
		out[i] = (point_rec){pr[i].feature, pr[i].g[0].coff, pr[i].g[0].loff,
		                     pr[i].g[GEODATA_LEVELS].coff, pr[i].g[GEODATA_LEVELS].loff};
	return out;
}

/* The coordinates in the order regroup gave them offsets. */
static int put_coords(writer *w, const geodata_layer *L, const geodata_piece *pieces)
{
	for (int z = 0; z < NSLOTS; z++)
		for (size_t i = 0; i < L->npieces; i++) {
			const geodata_geom *g = slot_geom(&pieces[i], z);
			if ((g->npoints || g->nparts) && shared_slot(&pieces[i], z) < 0 &&
			    put_raw(w, g->xy, 2 * (size_t)g->npoints * sizeof(double)))
				return -1;
		}
	return 0;
}

static int write_layer(writer *f, const geodata_layer *L)
{
	int rc = GEODATA_ENOMEM;
	char *pool = NULL;
	uint32_t *lens = NULL;
	point_rec *points = NULL;
	size_t plen = 0, pcap = 0, ncoords = 0, nlens = 0;
	feature_rec *fr = calloc(L->nfeatures + 1, sizeof(*fr));
	piece_rec *pr = calloc(L->npieces + 1, sizeof(*pr));
	const geodata_piece *pieces = layer_pieces(L); /* a mapped layer's are built on first use */
	if (!fr || !pr || !pieces)
		goto out;
	for (size_t i = 0; i < L->nfeatures; i++) {
		const geodata_feature *ft = &L->features[i];
		fr[i].name = pooled(&pool, &plen, &pcap, ft->name);
		fr[i].code = pooled(&pool, &plen, &pcap, ft->code);
		fr[i].country = pooled(&pool, &plen, &pcap, ft->country);
		fr[i].name_es = pooled(&pool, &plen, &pcap, ft->name_es);
		if (fr[i].name == (size_t)-1 || fr[i].code == (size_t)-1 ||
		    fr[i].country == (size_t)-1 || fr[i].name_es == (size_t)-1)
			goto out;
		fr[i].population = ft->population;
		fr[i].capital = ft->capital;
		fr[i].rank = ft->rank;
		fr[i].label_x = ft->label_x;
		fr[i].label_y = ft->label_y;
		fr[i].lon = ft->lon;
		fr[i].lat = ft->lat;
		fr[i].area = ft->area;
	}
	for (size_t i = 0; i < L->npieces; i++) {
		pr[i].feature = pieces[i].feature;
		for (int z = 0; z < NSLOTS; z++)
			geom_to_rec(L, slot_geom(&pieces[i], z), &pr[i].g[z]);
	}
	if ((rc = regroup(L, pieces, pr, &lens, &ncoords, &nlens)))
		goto out;
	points = point_recs(L, pieces, pr);
	layer_header lh = {L->nfeatures,   L->npieces,   ncoords,       nlens,
	                   plen,           L->index.nnodes, L->index.nitems, L->index.root,
	                   points != NULL, L->stats};
	lh.stats.load_ms = 0; /* measured at each start; the same data gives the same file */
	rc = GEODATA_EIO;
	if (put(f, &lh, sizeof(lh)) || put(f, fr, L->nfeatures * sizeof(*fr)) ||
	    put(f, L->feature_first_piece, (L->nfeatures + 1) * sizeof(uint32_t)) ||
	    (points ? put(f, points, L->npieces * sizeof(*points))
	            : put(f, pr, L->npieces * sizeof(*pr))) ||
	    put(f, L->piece_boxes, L->npieces * sizeof(geodata_bbox)) ||
	    put(f, L->index.nodes, L->index.nnodes * sizeof(rtree_node)) ||
	    put(f, L->index.items, L->index.nitems * sizeof(uint32_t)) ||
	    put_coords(f, L, pieces) || put(f, lens, nlens * sizeof(uint32_t)) ||
	    put(f, pool, plen))
		goto out;
	rc = 0;
out:
	free(points);
	free(lens);
	free(pool);
	free(pr);
	free(fr);
	return rc;
}

size_t snapshot_table_size(uint64_t body_end)
{
	size_t n = snapshot_nblocks(body_end - sizeof(file_header)) * sizeof(uint32_t);
	return n + (8 - n % 8) % 8;
}

/* The block table and the header's length and checksum, through a shared mapping of the file. */
static int seal_file(int fd, size_t len)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return GEODATA_EIO;
	snapshot_seal(m, len);
	return munmap(m, len) ? GEODATA_EIO : 0;
}

int snapshot_write(const geodata *gd, const char *path, uint64_t fingerprint)
{
	size_t n = strlen(path) + 16;
	char *tmp = malloc(n);
	if (!tmp)
		return GEODATA_ENOMEM;
	snprintf(tmp, n, "%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd >= 0 && fchmod(fd, 0644)) {
		close(fd);
		unlink(tmp);
		fd = -1;
	}
	FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	int rc = GEODATA_EIO;
	if (!f) {
		if (fd >= 0)
			close(fd);
		goto out;
	}
	file_header h = {{0}, fingerprint, layout_id(), geodata_layer_count(), 0, 0, 0};
	memcpy(h.magic, SNAPSHOT_MAGIC, 8);
	writer w = {f, 0};
	if (put(&w, &h, sizeof(h)))
		goto out_close;
	for (size_t i = 0; i < geodata_layer_count(); i++)
		if ((rc = write_layer(&w, &gd->layers[i])))
			goto out_close;
	rc = GEODATA_EIO;
	h.body_end = w.len;
	size_t len = (size_t)h.body_end + snapshot_table_size(h.body_end);
	if (fseek(f, 0, SEEK_SET) || fwrite(&h, 1, sizeof(h), f) != sizeof(h) || fflush(f) ||
	    ftruncate(fileno(f), (off_t)len) || seal_file(fileno(f), len) || fsync(fileno(f)))
		goto out_close;
	if (fclose(f)) {
		f = NULL;
		goto out_unlink;
	}
	f = NULL;
	/* Readers see the old snapshot or the new one, never half of one. */
	if (rename(tmp, path))
		goto out_unlink;
	free(tmp);
	return 0;
out_close:
	fclose(f);
out_unlink:
	unlink(tmp);
out:
	free(tmp);
	return rc;
}

typedef struct {
	const char *p, *end;
	snapshot_blocks *blocks;
	int damaged; /* a block taken did not match its checksum */
	int lazy;    /* records of polygon pieces checked at first use, not here */
} cursor;

/* `count` records of `size` bytes, or NULL when the rest of the file is shorter. */
static const void *take_unchecked(cursor *c, uint64_t count, size_t size)
{
	size_t left = (size_t)(c->end - c->p);
	if (count > left / size)
		return NULL;
	size_t n = (size_t)count * size, padded = n + (8 - n % 8) % 8;
	if (left < padded)
		return NULL;
	const void *r = c->p;
	c->p += padded;
	return r;
}

/* The same, its blocks checked before anything reads it: what the checks at load read. */
static const void *take(cursor *c, uint64_t count, size_t size)
{
	const void *r = take_unchecked(c, count, size);
	if (r && snapshot_blocks_check(c->blocks, r, (size_t)count * size)) {
		c->damaged = 1;
		return NULL;
	}
	return r;
}

static void rec_to_geom(const geodata_layer *L, const geom_rec *r, geodata_geom *g)
{
	g->type = (geodata_geom_type)r->type;
	g->nparts = r->nparts;
	g->npoints = r->npoints;
	g->xy = L->coords + r->coff;
	g->part_len = L->lens + r->loff;
	g->bbox = r->bbox;
}

/*
 * Whether a geometry's runs lie inside the layer's arrays (`ncoords` doubles, `nlens` run
 * lengths) and add up to its point count. `blocks`: the run lengths' blocks are checked first
 * (records checked at first use); NULL when they were at load.
 */
static int geom_sound(const geom_rec *g, uint64_t ncoords, uint64_t nlens, const uint32_t *lens,
                      snapshot_blocks *blocks)
{
	if (g->type > GEODATA_GEOM_POLYGON || g->coff > ncoords ||
	    2 * (uint64_t)g->npoints > ncoords - g->coff || g->loff > nlens ||
	    g->nparts > nlens - g->loff)
		return 0;
	if (blocks && snapshot_blocks_check(blocks, lens + g->loff, g->nparts * sizeof(*lens)))
		return 0;
	uint64_t sum = 0;
	for (uint32_t k = 0; k < g->nparts; k++)
		sum += lens[g->loff + k];
	return sum == g->npoints;
}

/*
 * Gives back this process's copy of pages of the file mapping that the checks have read and
 * nothing keeps using (records copied, or read again only for the layers a render draws): the
 * page cache keeps them, a later read maps them again, and the resident set of a sheet stays
 * what it draws. Only whole pages inside [p, p + n). Never on memory that is not a read-only
 * file mapping: there it would zero the bytes.
 */
static void release(int on, const void *p, size_t n)
{
	long pg = sysconf(_SC_PAGESIZE);
	if (!on || pg <= 0 || !n)
		return;
	uintptr_t a = ((uintptr_t)p + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
	uintptr_t b = ((uintptr_t)p + n) & ~((uintptr_t)pg - 1);
	if (b > a)
		madvise((void *)a, b - a, MADV_DONTNEED);
}

typedef struct {
	int release; /* the buffer is the file mapping: checked pages may be given back */
	int lazy;    /* piece records and run lengths checked when each piece is first built */
	const layer_header *lh;
	const feature_rec *fr;
	const uint32_t *first;
	const piece_rec *pr; /* one of these two, as lh->points says */
	const point_rec *pt;
	const uint32_t *lens;
	const char *pool;
} layer_view;

static const char *points_unsound(const layer_view *v);
static const char *pieces_unsound(const layer_view *v);

/* Every index and offset of one layer checked before anything is built on it. */
static const char *layer_unsound(const layer_view *v)
{
	const layer_header *lh = v->lh;
	if (lh->nfeatures && (lh->nstrings == 0 || v->pool[lh->nstrings - 1]))
		return "string pool not terminated";
	for (size_t i = 0; i < lh->nfeatures; i++) {
		const feature_rec *f = &v->fr[i];
		if (f->name >= lh->nstrings || f->code >= lh->nstrings ||
		    f->country >= lh->nstrings || f->name_es >= lh->nstrings)
			return "string offset out of range";
		if (f->capital < GEODATA_CAPITAL_NONE || f->capital > GEODATA_CAPITAL_PRIMARY)
			return "capital out of range";
	}
	if (v->first[0] != 0 || v->first[lh->nfeatures] != lh->npieces)
		return "feature piece ranges do not cover the pieces";
	for (size_t i = 0; i < lh->nfeatures; i++)
		if (v->first[i] > v->first[i + 1])
			return "feature piece ranges out of order";
	return lh->points ? points_unsound(v) : v->lazy ? NULL : pieces_unsound(v);
}

static int piece_of_feature(const layer_view *v, size_t i, uint64_t f)
{
	return f < v->lh->nfeatures && i >= v->first[f] && i < v->first[f + 1];
}

/* A point record's two runs: one point each, inside the layer's arrays. */
static const char *points_unsound(const layer_view *v)
{
	for (size_t i = 0; i < v->lh->npieces; i++) {
		const point_rec *p = &v->pt[i];
		geom_rec merc = {GEODATA_GEOM_POINT, 1, 1, 0, p->coff, p->loff, {0, 0, 0, 0}};
		geom_rec ll = {GEODATA_GEOM_POINT, 1, 1, 0, p->lonlat_coff, p->lonlat_loff, {0, 0, 0, 0}};
		if (!piece_of_feature(v, i, p->feature))
			return "piece of no feature";
		if (!geom_sound(&merc, v->lh->ncoords, v->lh->nlens, v->lens, NULL) ||
		    !geom_sound(&ll, v->lh->ncoords, v->lh->nlens, v->lens, NULL))
			return "geometry outside its arrays";
	}
	return NULL;
}

static const char *pieces_unsound(const layer_view *v)
{
	const layer_header *lh = v->lh;
	/* Each run belongs to one piece, shared at most by its slots: this bounds the work below
	 * however the counts lie. */
	uint64_t runs = 0, max_runs = (uint64_t)NSLOTS * lh->nlens;
	enum { STEP = 4096 }; /* records checked between two releases: 3.6 MB */
	for (size_t i = 0; i < lh->npieces; i++) {
		if (i && i % STEP == 0)
			release(v->release, &v->pr[i - STEP], STEP * sizeof(*v->pr));
		if (!piece_of_feature(v, i, v->pr[i].feature))
			return "piece of no feature";
		for (int z = 0; z < NSLOTS; z++) {
			runs += v->pr[i].g[z].nparts;
			if (runs > max_runs)
				return "more runs than the layer holds";
			if (!geom_sound(&v->pr[i].g[z], lh->ncoords, lh->nlens, v->lens, NULL))
				return "geometry outside its arrays";
		}
	}
	return NULL;
}

static const char *read_layer(cursor *c, geodata_layer *L, geodata_layer_id id, int mapped)
{
	const layer_header *lh = take(c, 1, sizeof(*lh));
	if (!lh)
		return c->damaged ? "checksum mismatch" : "truncated";
	/* A view checked lazily reads the records of the pieces it draws, when it draws them. */
	layer_view v = {.release = mapped, .lazy = c->lazy && lh->points == 0, .lh = lh};
	v.fr = take(c, lh->nfeatures, sizeof(*v.fr));
	v.first = lh->nfeatures < UINT64_MAX ? take(c, lh->nfeatures + 1, sizeof(uint32_t)) : NULL;
	if (lh->points > 1)
		return "unknown kind of piece records";
	const void *recs = (v.lazy ? take_unchecked : take)(c, lh->npieces,
	                                                    lh->points ? sizeof(*v.pt) : sizeof(*v.pr));
	size_t recs_size = lh->npieces * (lh->points ? sizeof(*v.pt) : sizeof(*v.pr));
	v.pr = lh->points ? NULL : recs;
	v.pt = lh->points ? recs : NULL;
	const geodata_bbox *boxes = take(c, lh->npieces, sizeof(geodata_bbox));
	const rtree_node *nodes = take(c, lh->nnodes, sizeof(rtree_node));
	const uint32_t *items = take(c, lh->nitems, sizeof(uint32_t));
	/* Checked when a render first reads them (blocks.c). */
	const double *coords = take_unchecked(c, lh->ncoords, sizeof(double));
	v.lens = (v.lazy ? take_unchecked : take)(c, lh->nlens, sizeof(uint32_t));
	v.pool = take(c, lh->nstrings, 1);
	if (c->damaged)
		return "checksum mismatch";
	if (!v.fr || !v.first || !recs || !boxes || !nodes || !items || !coords || !v.lens ||
	    !v.pool)
		return "an array runs past the end of the file";
	if (lh->npieces > UINT32_MAX)
		return "too many pieces";
	const char *bad = layer_unsound(&v);
	if (bad)
		return bad;
	rtree index = {(rtree_node *)nodes, lh->nnodes, (uint32_t *)items, lh->nitems, lh->root};
	if (rtree_check(&index, lh->npieces))
		return "spatial index unsound";
	if (pthread_mutex_init(&L->pieces_lock, NULL))
		return "out of memory";
	L->mapped = 1; /* from here layer_finish destroys the lock and leaves the mapping alone */
	L->blocks = c->blocks;
	L->id = id;
	L->attribution = geodata_layer_info_get(id)->attribution;
	L->nfeatures = lh->nfeatures;
	L->npieces = lh->npieces;
	L->coords = (double *)coords;
	L->lens = (uint32_t *)v.lens;
	L->strings = (char *)v.pool;
	L->feature_first_piece = (uint32_t *)v.first;
	L->piece_boxes = (geodata_bbox *)boxes;
	L->index = index;
	L->stats = lh->stats;
	L->piece_recs = recs;
	L->point_recs = lh->points != 0;
	L->recs_unchecked = v.lazy;
	L->pieces_whole = !c->lazy;
	L->ncoords = lh->ncoords;
	L->nlens = lh->nlens;
	L->features = calloc(lh->nfeatures + 1, sizeof(geodata_feature));
	if (!L->features)
		return "out of memory";
	for (size_t i = 0; i < lh->nfeatures; i++) {
		geodata_feature *ft = &L->features[i];
		const feature_rec *f = &v.fr[i];
		ft->name = v.pool + f->name;
		ft->code = v.pool + f->code;
		ft->country = v.pool + f->country;
		ft->name_es = v.pool + f->name_es;
		ft->population = (long)f->population;
		ft->capital = (geodata_capital)f->capital;
		ft->rank = f->rank;
		ft->label_x = f->label_x;
		ft->label_y = f->label_y;
		ft->lon = f->lon;
		ft->lat = f->lat;
		ft->area = f->area;
	}
	/* Of what the checks read, the features are copied, the rest read again when drawn. */
	release(mapped, v.fr, lh->nfeatures * sizeof(*v.fr));
	release(mapped, recs, recs_size);
	release(mapped, boxes, lh->npieces * sizeof(*boxes));
	release(mapped, nodes, lh->nnodes * sizeof(*nodes));
	release(mapped, items, lh->nitems * sizeof(*items));
	release(mapped, v.lens, lh->nlens * sizeof(*v.lens));
	return NULL;
}

static void point_geom(const geodata_layer *L, uint64_t coff, uint64_t loff, geodata_geom *g)
{
	g->type = GEODATA_GEOM_POINT;
	g->nparts = 1;
	g->npoints = 1;
	g->xy = L->coords + coff;
	g->part_len = L->lens + loff;
	g->bbox = point_box(g->xy);
}

/* The checks pieces_unsound makes at load, for one piece, with its blocks' checksums first. */
static int piece_unsound(const geodata_layer *L, size_t i, const piece_rec *pr)
{
	if (snapshot_blocks_check(L->blocks, pr, sizeof(*pr)) || pr->feature >= L->nfeatures ||
	    i < L->feature_first_piece[pr->feature] || i >= L->feature_first_piece[pr->feature + 1])
		return 1;
	for (int z = 0; z < NSLOTS; z++)
		if (!geom_sound(&pr->g[z], L->ncoords, L->nlens, L->lens, L->blocks))
			return 1;
	return 0;
}

int snapshot_piece_build(const geodata_layer *L, size_t i, geodata_piece *p)
{
	if (L->point_recs) {
		const point_rec *pt = (const point_rec *)L->piece_recs + i;
		/* The point's boxes are computed from its coordinates: check those first. */
		if (snapshot_blocks_check(L->blocks, L->coords + pt->coff, 2 * sizeof(double)) ||
		    snapshot_blocks_check(L->blocks, L->coords + pt->lonlat_coff, 2 * sizeof(double)))
			return GEODATA_EDAMAGED;
		p->feature = (uint32_t)pt->feature;
		point_geom(L, pt->coff, pt->loff, &p->level[0]);
		for (int z = 1; z < GEODATA_LEVELS; z++)
			p->level[z] = p->level[0];
		point_geom(L, pt->lonlat_coff, pt->lonlat_loff, &p->lonlat);
		return 0;
	}
	const piece_rec *pr = (const piece_rec *)L->piece_recs + i;
	if (L->recs_unchecked && piece_unsound(L, i, pr)) {
		snapshot_blocks_damaged_set(L->blocks);
		return GEODATA_EDAMAGED;
	}
	p->feature = (uint32_t)pr->feature;
	for (int z = 0; z < GEODATA_LEVELS; z++)
		rec_to_geom(L, &pr->g[z], &p->level[z]);
	rec_to_geom(L, &pr->g[GEODATA_LEVELS], &p->lonlat);
	return 0;
}

static void say(geodata_error *why, const char *what, const char *detail)
{
	if (why)
		snprintf(why->msg, sizeof(why->msg), "%s%s%s", what, detail ? ": " : "",
		         detail ? detail : "");
}

/* The block table of a header's body_end, or NULL when it does not fit the buffer. */
static const uint32_t *table_of(const void *buf, size_t len)
{
	const file_header *h = buf;
	if (len < sizeof(*h) || h->body_end < sizeof(*h) || h->body_end > len || h->body_end % 8 ||
	    snapshot_table_size(h->body_end) != len - h->body_end)
		return NULL;
	return (const uint32_t *)((const char *)buf + h->body_end);
}

uint64_t snapshot_seal(void *buf, size_t len)
{
	if (len < sizeof(file_header))
		return 0;
	file_header *h = buf;
	h->length = len;
	uint32_t *table = (uint32_t *)table_of(buf, len);
	if (!table)
		return h->fingerprint;
	const char *body = (const char *)buf + sizeof(*h);
	size_t blen = h->body_end - sizeof(*h), n = snapshot_nblocks(blen);
	for (size_t k = 0; k < n; k++) {
		size_t off = k * SNAPSHOT_BLOCK;
		table[k] = snapshot_crc(0, body + off,
		                        blen - off < SNAPSHOT_BLOCK ? blen - off : SNAPSHOT_BLOCK);
	}
	h->crc = snapshot_crc(0, table, n * sizeof(*table));
	return h->fingerprint;
}

/* The header, and the block table it checksums; NULL (and `why`) when either is unsound. */
static snapshot_blocks *header_blocks(const void *buf, size_t len, uint64_t fingerprint,
                                      geodata_error *why)
{
	const file_header *h = buf;
	if (len < sizeof(*h) || memcmp(h->magic, SNAPSHOT_MAGIC, 8) || h->layout != layout_id() ||
	    h->nlayers != geodata_layer_count()) {
		say(why, "not a snapshot of this version", NULL);
		return NULL;
	}
	if (h->fingerprint != fingerprint) {
		say(why, "made from another version of the data", NULL);
		return NULL;
	}
	const uint32_t *table = h->length == len ? table_of(buf, len) : NULL;
	if (!table) {
		say(why, "truncated or extended", NULL);
		return NULL;
	}
	size_t blen = h->body_end - sizeof(*h);
	if (h->crc != snapshot_crc(0, table, snapshot_nblocks(blen) * sizeof(*table))) {
		say(why, "checksum mismatch", "block table");
		return NULL;
	}
	snapshot_blocks *b = snapshot_blocks_create((const char *)buf + sizeof(*h), blen, table);
	if (!b)
		say(why, "out of memory", NULL);
	return b;
}

/* `mapped`: `buf` is the file mapping, whose checked pages may be given back. */
static geodata *parse(const void *buf, size_t len, uint64_t fingerprint, int check_all,
                      int mapped, geodata_error *why)
{
	snapshot_blocks *blocks = header_blocks(buf, len, fingerprint, why);
	if (!blocks)
		return NULL;
	if (check_all && snapshot_blocks_check_all(blocks, mapped)) {
		say(why, "checksum mismatch", NULL);
		snapshot_blocks_destroy(blocks);
		return NULL;
	}
	const file_header *h = buf;
	cursor c = {(const char *)buf + sizeof(*h), (const char *)buf + h->body_end, blocks, 0,
	            !check_all};
	geodata *gd = calloc(1, sizeof(*gd));
	if (!gd) {
		say(why, "out of memory", NULL);
		snapshot_blocks_destroy(blocks);
		return NULL;
	}
	gd->blocks = blocks;
	for (int i = 0; i < GEODATA_LAYER_COUNT; i++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		const char *bad = read_layer(&c, &gd->layers[i], (geodata_layer_id)i, mapped);
		if (bad) {
			char what[64];
			snprintf(what, sizeof(what), "layer '%s'", geodata_layer_name(i));
			say(why, what, bad);
			geodata_destroy(gd);
			return NULL;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* What this start cost, not what preparing the snapshot once did. */
		gd->layers[i].stats.load_ms =
		    (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	}
	if (c.p != c.end) {
		say(why, "unexpected data after the last layer", NULL);
		geodata_destroy(gd);
		return NULL;
	}
	gd->from_snapshot = 1;
	return gd;
}

geodata *snapshot_parse(const void *buf, size_t len, uint64_t fingerprint, geodata_error *why)
{
	return parse(buf, len, fingerprint, 1, 0, why);
}

geodata *snapshot_parse_lazily(const void *buf, size_t len, uint64_t fingerprint,
                               geodata_error *why)
{
	return parse(buf, len, fingerprint, 0, 0, why);
}

geodata *snapshot_load(const char *path, uint64_t fingerprint, int check_all, geodata_error *why)
{
	if (why)
		why->msg[0] = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno != ENOENT)
			say(why, "cannot open", strerror(errno));
		return NULL;
	}
	struct stat st;
	geodata *gd = NULL;
	void *map = MAP_FAILED;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		say(why, "not a regular file", NULL);
		goto out;
	}
	if (st.st_size < (off_t)sizeof(file_header)) {
		say(why, "truncated", NULL);
		goto out;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		say(why, "cannot map", strerror(errno));
		goto out;
	}
	gd = parse(map, (size_t)st.st_size, fingerprint, check_all, 1, why);
	if (gd) {
		gd->map = map;
		gd->map_len = (size_t)st.st_size;
		map = MAP_FAILED;
	}
out:
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	close(fd);
	return gd;
}
