/* private.h: structures shared by the files of geodata/; not for other folders. */
#ifndef BRIEFMAP_GEODATA_PRIVATE_H
#define BRIEFMAP_GEODATA_PRIVATE_H

#include <pthread.h>
#include <stdatomic.h>

#include "geodata.h"

/** A packed R-tree (sort-tile-recursive) over piece bounding boxes. */
typedef struct rtree_node {
	geodata_bbox box;
	uint32_t first; /**< first child node, or first item for a leaf */
	uint32_t count;
	uint8_t leaf;
} rtree_node;

typedef struct rtree {
	rtree_node *nodes;
	size_t nnodes;
	uint32_t *items; /**< piece indices in leaf order */
	size_t nitems;
	size_t root;
} rtree;

/** Children per node. */
#define RTREE_NODE_SIZE 16

int rtree_build(rtree *t, const geodata_bbox *boxes, size_t n);
/**
 * Whether a tree read from a file is sound over `nboxes` items: every child
 * and item index in range, children stored before their parent (so a walk
 * ends), at most RTREE_NODE_SIZE children. Returns 0 or -1.
 */
int rtree_check(const rtree *t, size_t nboxes);
void rtree_finish(rtree *t);
/** Calls fn for each item whose box meets `q`, in arbitrary order; non-zero stops. */
int rtree_search(const rtree *t, const geodata_bbox *boxes, const geodata_bbox *q,
                 int (*fn)(uint32_t item, void *ud), void *ud);

/**
 * Piece `i` of `L` (i < npieces): a mapped layer's is built from its record on first use
 * (thread-safe). NULL when out of memory or when a point's coordinates fail their checksum
 * (`*why`, may be NULL, says which: GEODATA_ENOMEM or GEODATA_EDAMAGED).
 */
const geodata_piece *layer_piece_at(const geodata_layer *L, size_t i, int *why);
/** Every piece of `L`, for writing a snapshot; NULL as layer_piece_at. */
const geodata_piece *layer_pieces(const geodata_layer *L);
/** Fills `p` from piece `i`'s checked record (snapshot.c); 0 or GEODATA_EDAMAGED. */
int snapshot_piece_build(const geodata_layer *L, size_t i, geodata_piece *p);

/*
 * A snapshot's block checksums (blocks.c): each block of the file is checked
 * the first time anything in it is read, so that a command drawing one view
 * checks only the coordinates it draws. Thread-safe; owned by the geodata.
 */
typedef struct snapshot_blocks snapshot_blocks;
/** Over the `len` bytes at `base`, with the (already checked) table of their CRC-32s. */
snapshot_blocks *snapshot_blocks_create(const void *base, size_t len, const uint32_t *table);
void snapshot_blocks_destroy(snapshot_blocks *b);
/** 0 when the blocks holding [p, p + n) match their checksums (or p is not in them), else
 * GEODATA_EDAMAGED. */
int snapshot_blocks_check(snapshot_blocks *b, const void *p, size_t n);
/** Whether any block has failed its check, or a record checked late was unsound. */
int snapshot_blocks_damaged(const snapshot_blocks *b);
/** Records that a record checked at first use was unsound (its checksum was right). */
void snapshot_blocks_damaged_set(snapshot_blocks *b);
/** Checks every block; with `release`, gives the checked pages of a file mapping back. */
int snapshot_blocks_check_all(snapshot_blocks *b, int release);
/** zlib's CRC-32, as the snapshot uses it. */
uint32_t snapshot_crc(uint32_t crc, const void *p, size_t n);

struct geodata_layer {
	geodata_layer_id id;
	const char *attribution;
	geodata_feature *features;
	size_t nfeatures;
	uint32_t *feature_first_piece; /**< pieces of feature i: [first[i], first[i+1]) */
	/*
	 * Of a mapped layer, built from the snapshot's records on first use (layer_pieces), under
	 * pieces_lock: a sheet never pays for the 44,691 pieces of the cities it labels from their
	 * features. A layer read through OGR has them from the start (pieces_ready set).
	 */
	geodata_piece *pieces;
	atomic_int pieces_ready; /**< every piece is built (a layer read through OGR) */
	/* Of a mapped layer: allocated on first use, under pieces_lock, untouched pages staying
	 * out of memory; each piece built when first asked for, as piece_state says, or all at
	 * once when pieces_whole. */
	_Atomic unsigned char *piece_state;
	atomic_int pieces_alloced; /**< pieces and piece_state are allocated */
	int pieces_whole; /**< a mapped layer checked whole at load: all its pieces built at once */
	pthread_mutex_t pieces_lock; /**< initialised for mapped layers only */
	const void *piece_recs; /**< the checked records pieces are built from (mapped layers) */
	int point_recs;         /**< piece_recs are snapshot_point_recs (a layer of points) */
	/** piece_recs and lens are checked piece by piece when built (a lazily checked load) */
	int recs_unchecked;
	uint64_t ncoords, nlens; /**< sizes of coords and lens (mapped layers) */
	size_t npieces;
	geodata_bbox *piece_boxes;
	rtree index;
	/* Storage behind the pointers above. */
	double *coords;
	uint32_t *lens;
	char *strings;
	geodata_layer_stats stats;
	int mapped; /**< coords, lens, boxes, index and strings live in the snapshot mapping */
	/** The snapshot's block checksums the coordinates are checked against (mapped layers). */
	snapshot_blocks *blocks;
};

struct geodata {
	geodata_layer layers[GEODATA_LAYERS_MAX]; /**< the first geodata_layer_count() are used */
	void *map; /**< the snapshot file mapping, when loaded from one */
	int from_snapshot;
	size_t map_len;
	snapshot_blocks *blocks; /**< owned; NULL unless loaded from a snapshot */
	/** Why a snapshot beside the data was not used and was rebuilt; "" if none was. */
	char snapshot_note[512];
};

/** Writes the loaded layers to a snapshot file (atomically); returns 0 or a GEODATA_E* code. */
int snapshot_write(const geodata *gd, const char *path, uint64_t fingerprint);
/**
 * Maps a snapshot; NULL if it is missing, stale (other fingerprint) or
 * damaged. `why` (may be NULL) gets the reason, or stays empty when the file
 * is simply missing. With `check_all` every block's checksum is checked now;
 * else the records are, and each block of coordinates when it is first read.
 */
geodata *snapshot_load(const char *path, uint64_t fingerprint, int check_all, geodata_error *why);
/** Frees what a layer owns (layers.c); the geodata itself goes with geodata_destroy. */
void layer_finish(geodata_layer *L);

/**
 * A bump allocator: memory comes zeroed, aligned for any type, and is only
 * given back all at once by arena_finish. Zero-initialise an arena before
 * use. Not thread-safe; one arena per object being built.
 */
typedef struct arena_chunk arena_chunk;
typedef struct arena {
	arena_chunk *head;
	size_t bytes; /**< reserved from the system so far */
} arena;
/** `n` zeroed bytes, or NULL when memory is exhausted. */
void *arena_alloc(arena *a, size_t n);
void arena_finish(arena *a);

/* ---- event geometry (events_geom.c) ---- */
struct json_object;
/** Positions under a GeoJSON geometry object (counted before any parser copies them). */
size_t events_json_positions(struct json_object *geometry);
/**
 * Fills `e->level` from `e->merc`: per zoom, every run simplified within half
 * a pixel, each level from the one above; points and areas share `merc`.
 * Allocates from `a`. Returns 0 or -1 when memory is exhausted.
 */
int events_geom_levels(arena *a, geodata_event *e);
/**
 * Sets `stack_index` and `stack_count` of every event: events whose anchors
 * lie within 1 km form a stack, counted in file order. Near-linear for large
 * files, also when thousands share one anchor. Returns 0 or -1 (no memory).
 */
int events_stacks_compute(geodata_event *events, size_t n);

/**
 * Reads a whole file that must be a regular file of at most `max` bytes:
 * opened without blocking (a FIFO or device at the path is refused, never
 * waited on). On success `*data` (NUL-terminated, freed by the caller) and
 * `*len`; on error -1 with a one-line reason in `why`.
 */
int file_read_regular(const char *path, size_t max, char **data, size_t *len, char *why,
                      size_t whylen);
/** 0 if `fd` is a regular file, else -1 with the reason ("not a regular file (a FIFO)"). */
int file_check_regular(int fd, char *why, size_t whylen);

static inline int bbox_meets(const geodata_bbox *a, const geodata_bbox *b)
{
	return a->minx <= b->maxx && b->minx <= a->maxx && a->miny <= b->maxy && b->miny <= a->maxy;
}

/* ---- proj.c, for crs.c: transformations in a context the caller keeps ---------- */

#include <proj.h>

/** A one-line message "what 'crs': PROJ's reason" from the context's last error. */
void geodata_proj_error_set(geodata_error *err, const char *what, const char *crs, PJ_CONTEXT *ctx);
int geodata_proj_type_geographic(PJ_TYPE t);
/** Whether a map can be drawn in a CRS of this type. */
int geodata_proj_type_usable(PJ_TYPE t);
/**
 * Wraps a transformation made in `ctx` as a geodata_proj that takes `pj` (not on failure:
 * NULL) and borrows `ctx`, which must outlive it.
 */
geodata_proj *geodata_proj_adopt(PJ_CONTEXT *ctx, PJ *pj, int target_geographic);

#endif
