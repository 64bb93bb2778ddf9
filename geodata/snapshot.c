/* snapshot.c: the prepared layers saved as one file and mapped back at start-up, so nothing is
 * re-parsed. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "private.h"

/* Bump on any change to what the loader computes: a snapshot of older output must not be used. */
#define MAGIC "BRFMSNP6"
#define NSLOTS (GEODATA_LEVELS + 1)

typedef struct {
	char magic[8];
	uint64_t fingerprint;
	uint64_t layout; /* sizes of the records, so that a different build never misreads a file */
	uint64_t nlayers;
} file_header;

typedef struct {
	uint64_t nfeatures, npieces, ncoords, nlens, nstrings, nnodes, nitems, root;
	geodata_layer_stats stats;
} layer_header;

typedef struct {
	uint64_t name, code, country; /* offsets into the string pool */
	int64_t population;
	int32_t capital, rank;
	double label_x, label_y, lon, lat, area;
} feature_rec;

typedef struct {
	uint32_t type, nparts, npoints, pad;
	uint64_t coff, loff; /* in doubles and in run lengths from the layer's arrays */
	geodata_bbox bbox;
} geom_rec;

typedef struct {
	uint64_t feature;
	geom_rec g[NSLOTS];
} piece_rec;

static uint64_t layout_id(void)
{
	return (uint64_t)sizeof(file_header) | (uint64_t)sizeof(layer_header) << 12 |
	       (uint64_t)sizeof(feature_rec) << 24 | (uint64_t)sizeof(piece_rec) << 36 |
	       (uint64_t)sizeof(rtree_node) << 52;
}

static int put(FILE *f, const void *p, size_t n)
{
	static const char zero[8] = {0};
	if (n && fwrite(p, 1, n, f) != n)
		return -1;
	size_t pad = (8 - n % 8) % 8;
	return pad && fwrite(zero, 1, pad, f) != pad ? -1 : 0;
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

static int write_layer(FILE *f, const geodata_layer *L)
{
	int rc = GEODATA_ENOMEM;
	char *pool = NULL;
	size_t plen = 0, pcap = 0;
	feature_rec *fr = calloc(L->nfeatures + 1, sizeof(*fr));
	piece_rec *pr = calloc(L->npieces + 1, sizeof(*pr));
	if (!fr || !pr)
		goto out;
	for (size_t i = 0; i < L->nfeatures; i++) {
		const geodata_feature *ft = &L->features[i];
		fr[i].name = pooled(&pool, &plen, &pcap, ft->name);
		fr[i].code = pooled(&pool, &plen, &pcap, ft->code);
		fr[i].country = pooled(&pool, &plen, &pcap, ft->country);
		if (fr[i].name == (size_t)-1 || fr[i].code == (size_t)-1 ||
		    fr[i].country == (size_t)-1)
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
		pr[i].feature = L->pieces[i].feature;
		for (int z = 0; z < GEODATA_LEVELS; z++)
			geom_to_rec(L, &L->pieces[i].level[z], &pr[i].g[z]);
		geom_to_rec(L, &L->pieces[i].lonlat, &pr[i].g[GEODATA_LEVELS]);
	}
	/* The arrays' true lengths: the largest offset + run reached by any piece. */
	size_t ncoords = 0, nlens = 0;
	for (size_t i = 0; i < L->npieces; i++)
		for (int z = 0; z < NSLOTS; z++) {
			const geom_rec *g = &pr[i].g[z];
			if (g->coff + 2 * (uint64_t)g->npoints > ncoords)
				ncoords = g->coff + 2 * (uint64_t)g->npoints;
			if (g->loff + g->nparts > nlens)
				nlens = g->loff + g->nparts;
		}
	layer_header lh = {L->nfeatures,    L->npieces,      ncoords,       nlens,   plen,
	                   L->index.nnodes, L->index.nitems, L->index.root, L->stats};
	rc = GEODATA_EIO;
	if (put(f, &lh, sizeof(lh)) || put(f, fr, L->nfeatures * sizeof(*fr)) ||
	    put(f, L->feature_first_piece, (L->nfeatures + 1) * sizeof(uint32_t)) ||
	    put(f, pr, L->npieces * sizeof(*pr)) ||
	    put(f, L->piece_boxes, L->npieces * sizeof(geodata_bbox)) ||
	    put(f, L->index.nodes, L->index.nnodes * sizeof(rtree_node)) ||
	    put(f, L->index.items, L->index.nitems * sizeof(uint32_t)) ||
	    put(f, L->coords, ncoords * sizeof(double)) ||
	    put(f, L->lens, nlens * sizeof(uint32_t)) || put(f, pool, plen))
		goto out;
	rc = 0;
out:
	free(pool);
	free(pr);
	free(fr);
	return rc;
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
	file_header h = {{0}, fingerprint, layout_id(), GEODATA_LAYER_COUNT};
	memcpy(h.magic, MAGIC, 8);
	if (put(f, &h, sizeof(h)))
		goto out_close;
	for (int i = 0; i < GEODATA_LAYER_COUNT; i++)
		if ((rc = write_layer(f, &gd->layers[i])))
			goto out_close;
	rc = GEODATA_EIO;
	if (fflush(f) || fsync(fileno(f)))
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
} cursor;

static const void *take(cursor *c, size_t n)
{
	size_t padded = n + (8 - n % 8) % 8;
	if ((size_t)(c->end - c->p) < padded)
		return NULL;
	const void *r = c->p;
	c->p += padded;
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

static int read_layer(cursor *c, geodata_layer *L, geodata_layer_id id)
{
	const layer_header *lh = take(c, sizeof(*lh));
	if (!lh)
		return -1;
	const feature_rec *fr = take(c, lh->nfeatures * sizeof(*fr));
	const uint32_t *first = take(c, (lh->nfeatures + 1) * sizeof(uint32_t));
	const piece_rec *pr = take(c, lh->npieces * sizeof(*pr));
	const geodata_bbox *boxes = take(c, lh->npieces * sizeof(geodata_bbox));
	const rtree_node *nodes = take(c, lh->nnodes * sizeof(rtree_node));
	const uint32_t *items = take(c, lh->nitems * sizeof(uint32_t));
	const double *coords = take(c, lh->ncoords * sizeof(double));
	const uint32_t *lens = take(c, lh->nlens * sizeof(uint32_t));
	const char *pool = take(c, lh->nstrings);
	if (!fr || !first || !pr || !boxes || !nodes || !items || !coords || !lens || !pool)
		return -1;
	L->mapped = 1;
	L->id = id;
	L->attribution =
	    id == GEODATA_CITIES ? "SimpleMaps World Cities (CC BY 4.0)" : "Natural Earth";
	L->nfeatures = lh->nfeatures;
	L->npieces = lh->npieces;
	L->coords = (double *)coords;
	L->lens = (uint32_t *)lens;
	L->strings = (char *)pool;
	L->feature_first_piece = (uint32_t *)first;
	L->piece_boxes = (geodata_bbox *)boxes;
	L->index.nodes = (rtree_node *)nodes;
	L->index.nnodes = lh->nnodes;
	L->index.items = (uint32_t *)items;
	L->index.nitems = lh->nitems;
	L->index.root = lh->root;
	L->stats = lh->stats;
	L->features = calloc(lh->nfeatures + 1, sizeof(geodata_feature));
	L->pieces = calloc(lh->npieces + 1, sizeof(geodata_piece));
	if (!L->features || !L->pieces)
		return -1;
	for (size_t i = 0; i < lh->nfeatures; i++) {
		geodata_feature *ft = &L->features[i];
		if (fr[i].name >= lh->nstrings || fr[i].code >= lh->nstrings ||
		    fr[i].country >= lh->nstrings)
			return -1;
		ft->name = pool + fr[i].name;
		ft->code = pool + fr[i].code;
		ft->country = pool + fr[i].country;
		ft->population = (long)fr[i].population;
		ft->capital = (geodata_capital)fr[i].capital;
		ft->rank = fr[i].rank;
		ft->label_x = fr[i].label_x;
		ft->label_y = fr[i].label_y;
		ft->lon = fr[i].lon;
		ft->lat = fr[i].lat;
		ft->area = fr[i].area;
	}
	for (size_t i = 0; i < lh->npieces; i++) {
		geodata_piece *p = &L->pieces[i];
		p->feature = (uint32_t)pr[i].feature;
		for (int z = 0; z < NSLOTS; z++) {
			const geom_rec *g = &pr[i].g[z];
			if (g->coff + 2 * (uint64_t)g->npoints > lh->ncoords ||
			    g->loff + g->nparts > lh->nlens || p->feature >= lh->nfeatures)
				return -1;
		}
		for (int z = 0; z < GEODATA_LEVELS; z++)
			rec_to_geom(L, &pr[i].g[z], &p->level[z]);
		rec_to_geom(L, &pr[i].g[GEODATA_LEVELS], &p->lonlat);
	}
	return 0;
}

geodata *snapshot_load(const char *path, uint64_t fingerprint)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	geodata *gd = NULL;
	void *map = MAP_FAILED;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(file_header))
		goto fail;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		goto fail;
	cursor c = {map, (const char *)map + st.st_size};
	const file_header *h = take(&c, sizeof(*h));
	if (!h || memcmp(h->magic, MAGIC, 8) || h->fingerprint != fingerprint ||
	    h->layout != layout_id() || h->nlayers != GEODATA_LAYER_COUNT)
		goto fail;
	gd = calloc(1, sizeof(*gd));
	if (!gd)
		goto fail;
	gd->map = map;
	gd->map_len = (size_t)st.st_size;
	for (int i = 0; i < GEODATA_LAYER_COUNT; i++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (read_layer(&c, &gd->layers[i], (geodata_layer_id)i))
			goto fail;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* What this start cost, not what preparing the snapshot once did. */
		gd->layers[i].stats.load_ms =
		    (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	}
	gd->from_snapshot = 1;
	close(fd);
	return gd;
fail:
	if (gd) {
		gd->map = NULL; /* unmapped below */
		geodata_destroy(gd);
	}
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	close(fd);
	return NULL;
}
