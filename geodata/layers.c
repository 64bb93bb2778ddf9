/* layers.c: the one table of base layers (source, fields, drawing, labels) and their accessors. */
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "private.h"

#define NE "Natural Earth"
/* Read from every source that has them, so that any OGR source can stand in for a layer. */
#define COMMON                                                                                    \
	.population = "population", .capital = "capital", .rank = "labelrank", .lat = "latitude",  \
	.lon = "longitude"
#define LAND_FILL {0.953, 0.941, 0.918}
#define BORDER {0.60, 0.55, 0.50}
/* Borders thicken as the map zooms in; the coast is drawn a little heavier than borders. */
#define BORDER_WIDTH {{3, 0.5}, {5, 0.9}, {GEODATA_MAX_ZOOM, 1.2}}
#define COAST_WIDTH {{3, 0.5 + 0.3}, {5, 0.9 + 0.3}, {GEODATA_MAX_ZOOM, 1.2 + 0.3}}

/*
 * Drawn bottom to top by pass number (fills, tints and strokes of all layers
 * interleave: state lines, then national borders, then the coast, each
 * hiding the one below where they meet). A layer with a coarse twin is
 * drawn and labelled from the twin below `coarse_below` and wherever a view
 * reaches past its own data. The ids of geodata.h name the first rows; rows
 * added after them need no id.
 */
static const geodata_layer_info table[] = {
    [GEODATA_LAND_LOW] = {.name = "land_low", .attribution = NE, .geom = GEODATA_GEOM_POLYGON,
                          .fields = {COMMON}},
    [GEODATA_COUNTRIES_LOW] = {.name = "countries_low", .attribution = NE,
                               .geom = GEODATA_GEOM_POLYGON,
                               .fields = {.name = "name", .name_es = "name_es", .code = "id",
                                          .country = "iso2", COMMON}},
    [GEODATA_LAND] = {.name = "land", .attribution = NE, .geom = GEODATA_GEOM_POLYGON,
                      .fields = {COMMON},
                      .coarse = "land_low", .coarse_below = 4,
                      .style = {.fill_pass = 1, .fill = LAND_FILL, .stroke_pass = 5,
                                .stroke = {0.54, 0.66, 0.74}, .width = COAST_WIDTH}},
    [GEODATA_COUNTRIES] = {.name = "countries", .attribution = NE, .geom = GEODATA_GEOM_POLYGON,
                           .fields = {.name = "name", .name_es = "name_es", .code = "id",
                                      .country = "iso2", COMMON},
                           .coarse = "countries_low", .coarse_below = 4,
                           .style = {.emphasis_pass = 2, .emphasis = {0.973, 0.933, 0.847},
                                     .stroke_pass = 4, .stroke = BORDER, .width = BORDER_WIDTH},
                           .label = {.style = GEODATA_LABEL_COUNTRY, .priority = 2000,
                                     .area_weight = 1,
                                     .size = {{3, 10}, {4, 11}, {5, 12}, {GEODATA_MAX_ZOOM, 13}}}},
    [GEODATA_STATES] = {.name = "states", .attribution = NE, .geom = GEODATA_GEOM_POLYGON,
                        .fields = {.name = "name", .name_es = "name_es", .code = "iso_3166_2",
                                   .country = "adm0_a3", COMMON},
                        .style = {.stroke_pass = 3, .stroke_min_zoom = 4,
                                  .stroke = {0.72, 0.67, 0.61}, .dash_on = 3.0, .dash_off = 2.2,
                                  .width = {{5, 0.6}, {GEODATA_MAX_ZOOM, 0.8}}},
                        .label = {.style = GEODATA_LABEL_REGION, .min_zoom = 5, .priority = 3000,
                                  .rank_weight = 1, .area_weight = 0.1,
                                  .size = {{5, 9.5}, {7, 10.5}, {GEODATA_MAX_ZOOM, 11.5}}}},
    [GEODATA_CITIES] = {.name = "cities", .attribution = "SimpleMaps World Cities (CC BY 4.0)",
                        .geom = GEODATA_GEOM_POINT,
                        .fields = {.name = "name", .code = "iso2", .country = "iso2",
                                   COMMON},
                        .label = {.style = GEODATA_LABEL_PLACE}},
};

#define NROWS (sizeof(table) / sizeof(table[0]))
_Static_assert(NROWS >= GEODATA_LAYER_ROLES, "every layer id names a row of the table");
_Static_assert(NROWS <= GEODATA_LAYERS_MAX, "raise GEODATA_LAYERS_MAX for more base layers");

size_t geodata_layer_count(void)
{
	return NROWS;
}

const geodata_layer_info *geodata_layer_info_get(size_t i)
{
	return i < NROWS ? &table[i] : NULL;
}

long geodata_layer_find(const char *name)
{
	for (size_t i = 0; name && i < NROWS; i++)
		if (!strcmp(table[i].name, name))
			return (long)i;
	return -1;
}

const char *geodata_layer_name(geodata_layer_id id)
{
	return (unsigned)id < NROWS ? table[id].name : "?";
}

double geodata_zoom_value(const geodata_zoom_step steps[GEODATA_ZOOM_STEPS], int zoom)
{
	for (int i = 0; i < GEODATA_ZOOM_STEPS; i++)
		if (zoom <= steps[i].upto)
			return steps[i].value;
	return 0;
}

const char *geodata_feature_name(const geodata_feature *f, const char *lang)
{
	if (lang && !strcmp(lang, "es") && f->name_es && f->name_es[0])
		return f->name_es;
	return f->name;
}

void layer_finish(geodata_layer *L)
{
	if (L->mapped) {
		/* Only the fixed-up copies are ours; the rest belongs to the mapping. */
		free(L->features);
		free(L->pieces);
		free((void *)L->piece_state);
		pthread_mutex_destroy(&L->pieces_lock);
		memset(L, 0, sizeof(*L));
		return;
	}
	for (size_t i = 0; i < L->nfeatures; i++) {
		free((char *)L->features[i].name);
		free((char *)L->features[i].name_es);
		free((char *)L->features[i].code);
		free((char *)L->features[i].country);
	}
	free(L->features);
	free(L->feature_first_piece);
	free(L->pieces);
	free(L->piece_boxes);
	rtree_finish(&L->index);
	free(L->coords);
	free(L->lens);
	memset(L, 0, sizeof(*L));
}

void geodata_destroy(geodata *gd)
{
	if (!gd)
		return;
	for (size_t i = 0; i < NROWS; i++)
		layer_finish(&gd->layers[i]);
	snapshot_blocks_destroy(gd->blocks);
	if (gd->map)
		munmap(gd->map, gd->map_len);
	free(gd);
}

int geodata_damaged(const geodata *gd)
{
	return gd ? snapshot_blocks_damaged(gd->blocks) : 0;
}

int geodata_from_snapshot(const geodata *gd)
{
	return gd && gd->from_snapshot;
}

const char *geodata_snapshot_note(const geodata *gd)
{
	return gd ? gd->snapshot_note : "";
}

const geodata_layer *geodata_layer_get(const geodata *gd, geodata_layer_id id)
{
	return gd && (unsigned)id < NROWS ? &gd->layers[id] : NULL;
}

const char *geodata_layer_attribution(const geodata_layer *layer)
{
	return layer->attribution;
}

size_t geodata_layer_feature_count(const geodata_layer *layer)
{
	return layer->nfeatures;
}

const geodata_feature *geodata_layer_feature(const geodata_layer *layer, size_t i)
{
	return i < layer->nfeatures ? &layer->features[i] : NULL;
}

size_t geodata_layer_piece_count(const geodata_layer *layer)
{
	return layer->npieces;
}

enum { PIECE_UNBUILT, PIECE_BUILDING, PIECE_READY };

/*
 * Every piece of a layer, at once: what a server wants, which reads each record once and then
 * never again, where one by one the records' pages would come in all along its drawing.
 */
static int pieces_build_all(geodata_layer *L)
{
	int rc = 0;
	pthread_mutex_lock(&L->pieces_lock);
	for (size_t i = 0; !atomic_load(&L->pieces_ready) && i < L->npieces && !rc; i++)
		rc = snapshot_piece_build(L, i, &L->pieces[i]);
	if (!rc)
		atomic_store_explicit(&L->pieces_ready, 1, memory_order_release);
	pthread_mutex_unlock(&L->pieces_lock);
	return rc;
}

/* A mapped layer's arrays of pieces and their states, allocated once; 0 or GEODATA_ENOMEM. */
static int pieces_alloc(geodata_layer *L)
{
	if (atomic_load_explicit(&L->pieces_alloced, memory_order_acquire))
		return 0;
	pthread_mutex_lock(&L->pieces_lock);
	if (!atomic_load_explicit(&L->pieces_alloced, memory_order_relaxed)) {
		/* calloc of this size maps zero pages: a piece never asked for costs no memory. */
		if (!L->pieces)
			L->pieces = calloc(L->npieces + 1, sizeof(geodata_piece));
		if (!L->piece_state)
			L->piece_state = calloc(L->npieces + 1, 1);
		if (L->pieces && L->piece_state)
			atomic_store_explicit(&L->pieces_alloced, 1, memory_order_release);
	}
	pthread_mutex_unlock(&L->pieces_lock);
	return atomic_load_explicit(&L->pieces_alloced, memory_order_acquire) ? 0 : GEODATA_ENOMEM;
}

const geodata_piece *layer_piece_at(const geodata_layer *cL, size_t i, int *why)
{
	/* Shared read-only by every thread: the lazy members are built once each. */
	geodata_layer *L = (geodata_layer *)cL;
	if (atomic_load_explicit(&L->pieces_ready, memory_order_acquire))
		return &L->pieces[i];
	int rc = pieces_alloc(L);
	if (!rc && L->pieces_whole && !(rc = pieces_build_all(L)))
		return &L->pieces[i];
	if (rc) {
		if (why)
			*why = rc;
		return NULL;
	}
	_Atomic unsigned char *st = &L->piece_state[i];
	unsigned char s = atomic_load_explicit(st, memory_order_acquire);
	while (s != PIECE_READY) {
		unsigned char unbuilt = PIECE_UNBUILT;
		if (s == PIECE_UNBUILT && atomic_compare_exchange_strong(st, &unbuilt, PIECE_BUILDING)) {
			rc = snapshot_piece_build(L, i, &L->pieces[i]);
			/* Damaged bytes stay damaged: the next caller finds them again. */
			atomic_store_explicit(st, rc ? PIECE_UNBUILT : PIECE_READY,
			                      memory_order_release);
			if (rc) {
				if (why)
					*why = rc;
				return NULL;
			}
			break;
		}
		sched_yield(); /* another thread is building it: a few hundred nanoseconds */
		s = atomic_load_explicit(st, memory_order_acquire);
	}
	return &L->pieces[i];
}

const geodata_piece *layer_pieces(const geodata_layer *L)
{
	for (size_t i = 0; i < L->npieces; i++)
		if (!layer_piece_at(L, i, NULL))
			return NULL;
	return L->npieces ? layer_piece_at(L, 0, NULL) : L->pieces;
}

const geodata_piece *geodata_layer_piece(const geodata_layer *layer, size_t i)
{
	return i < layer->npieces ? layer_piece_at(layer, i, NULL) : NULL;
}

const geodata_geom *geodata_piece_geom(const geodata_layer *layer, const geodata_piece *p,
                                       int slot)
{
	if (!p || slot < 0 || slot > GEODATA_SLOT_LONLAT)
		return NULL;
	const geodata_geom *g = slot == GEODATA_SLOT_LONLAT ? &p->lonlat : &p->level[slot];
	if (g->npoints &&
	    snapshot_blocks_check(layer->blocks, g->xy, 2 * (size_t)g->npoints * sizeof(double)))
		return NULL;
	return g;
}

void geodata_layer_stats_get(const geodata_layer *layer, geodata_layer_stats *out)
{
	*out = layer->stats;
}

long geodata_state_find(const geodata *gd, const char *iso_3166_2)
{
	if (!gd || !iso_3166_2)
		return -1;
	const geodata_layer *L = &gd->layers[GEODATA_STATES];
	for (size_t i = 0; i < L->nfeatures; i++)
		if (!strcasecmp(L->features[i].code, iso_3166_2))
			return (long)i;
	return -1;
}

size_t geodata_layer_feature_pieces(const geodata_layer *layer, size_t feature, size_t *out,
                                    size_t cap)
{
	if (feature >= layer->nfeatures)
		return 0;
	size_t a = layer->feature_first_piece[feature], b = layer->feature_first_piece[feature + 1];
	size_t n = 0;
	for (size_t i = a; i < b; i++, n++)
		if (n < cap)
			out[n] = i;
	return n;
}

typedef struct {
	uint32_t *v;
	size_t len, cap;
	uint32_t small[512];
} hits;

static int collect(uint32_t item, void *ud)
{
	hits *h = ud;
	if (h->len == h->cap) {
		size_t cap = h->cap * 2;
		uint32_t *v = h->v == h->small ? malloc(cap * sizeof(uint32_t))
		                               : realloc(h->v, cap * sizeof(uint32_t));
		if (!v)
			return GEODATA_ENOMEM;
		if (h->v == h->small)
			memcpy(v, h->small, sizeof(h->small));
		h->v = v;
		h->cap = cap;
	}
	h->v[h->len++] = item;
	return 0;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int geodata_layer_query(const geodata_layer *layer, const geodata_bbox *bbox, geodata_piece_fn fn,
                        void *ud)
{
	hits h;
	h.v = h.small;
	h.len = 0;
	h.cap = sizeof(h.small) / sizeof(h.small[0]);
	int rc = rtree_search(&layer->index, layer->piece_boxes, bbox, collect, &h);
	if (!rc) {
		/* Source order keeps overlapping strokes identical from one tile to the next. */
		qsort(h.v, h.len, sizeof(uint32_t), u32_cmp);
		for (size_t i = 0; i < h.len && !rc; i++) {
			int why = 0;
			const geodata_piece *p = layer_piece_at(layer, h.v[i], &why);
			rc = p ? fn(p, &layer->features[p->feature], ud) : why;
		}
	}
	if (h.v != h.small)
		free(h.v);
	return rc;
}
