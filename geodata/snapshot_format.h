/* snapshot_format.h: the records of the snapshot file; private to geodata/ and its tests. */
#ifndef BRIEFMAP_GEODATA_SNAPSHOT_FORMAT_H
#define BRIEFMAP_GEODATA_SNAPSHOT_FORMAT_H

#include "private.h"

/*
 * The file is a file_header, then for each layer: a layer_header, its
 * feature_recs, nfeatures + 1 first-piece indices (uint32), piece_recs, piece
 * boxes, R-tree nodes, R-tree items (uint32), coordinates (double), run
 * lengths (uint32) and the string pool; each array padded to 8 bytes. A layer whose every
 * piece is one point has point records in place of piece records. Coordinates and
 * run lengths are grouped by slot (zoom 0 to 12, then degrees): one zoom's lie together.
 *
 * The layers end at `body_end`; then comes the block table: zlib's CRC-32 of each
 * SNAPSHOT_BLOCK bytes of [sizeof(file_header), body_end) (the last block shorter), padded to
 * 8 bytes. `crc` is the CRC-32 of the table. A load checks the table, then the blocks of
 * everything but the coordinates before it reads them; the coordinates' blocks are checked
 * when they are first drawn (blocks.c), or all at load when the caller asks.
 */

/* Bump on any change to what the loader computes: a snapshot of older output must not be used. */
#define SNAPSHOT_MAGIC "BRFMSNPB"
#define SNAPSHOT_SLOTS (GEODATA_LEVELS + 1)
/* Small enough that a view's coordinates cost little more than themselves to check. */
#define SNAPSHOT_BLOCK ((size_t)64 << 10)

typedef struct {
	char magic[8];
	uint64_t fingerprint;
	uint64_t layout; /* sizes of the records, so that a different build never misreads a file */
	uint64_t nlayers;
	uint64_t length;   /* of the whole file: a truncated copy is told at once */
	uint64_t body_end; /* where the layers end and the block table begins */
	uint64_t crc;      /* of the block table */
} snapshot_file_header;

/** Blocks of checksum in a body of `body` bytes. */
static inline size_t snapshot_nblocks(uint64_t body)
{
	return (size_t)((body + SNAPSHOT_BLOCK - 1) / SNAPSHOT_BLOCK);
}

typedef struct {
	uint64_t nfeatures, npieces, ncoords, nlens, nstrings, nnodes, nitems, root;
	uint64_t points; /* 1: the piece records are snapshot_point_recs, 0: snapshot_piece_recs */
	geodata_layer_stats stats;
} snapshot_layer_header;

typedef struct {
	uint64_t name, code, country, name_es; /* offsets into the string pool */
	int64_t population;
	int32_t capital, rank;
	double label_x, label_y, lon, lat, area;
} snapshot_feature_rec;

typedef struct {
	uint32_t type, nparts, npoints, pad;
	uint64_t coff, loff; /* in doubles and in run lengths from the layer's arrays */
	geodata_bbox bbox;
} snapshot_geom_rec;

typedef struct {
	uint64_t feature;
	snapshot_geom_rec g[SNAPSHOT_SLOTS];
} snapshot_piece_rec;

/*
 * A piece of a layer of single points (the cities): every zoom draws the one projected point,
 * so 40 bytes stand for 14 geometry records. Each point is a run of one point; the boxes are
 * the point's.
 */
typedef struct {
	uint64_t feature;
	uint64_t coff, loff;               /* EPSG:3857, shared by every zoom */
	uint64_t lonlat_coff, lonlat_loff; /* degrees */
} snapshot_point_rec;

/**
 * Reads a snapshot held in memory. The result borrows `buf`, which must stay
 * mapped and unchanged while it lives (and be 8-byte aligned). Returns NULL
 * with the reason in `why` when the buffer is not a sound snapshot of the
 * data identified by `fingerprint`: wrong magic, layout or fingerprint, a
 * checksum mismatch, or any count, offset or index pointing outside its
 * array. Whatever the bytes, it never reads outside `buf`.
 */
geodata *snapshot_parse(const void *buf, size_t len, uint64_t fingerprint, geodata_error *why);
/**
 * The same as a command drawing one view loads it: records of polygon pieces and the
 * coordinates are checked when first used (geodata_layer_piece, geodata_piece_geom), and
 * geodata_damaged says when they were not sound.
 */
geodata *snapshot_parse_lazily(const void *buf, size_t len, uint64_t fingerprint,
                               geodata_error *why);
/**
 * Recomputes the block table, its checksum and the length of a snapshot in memory whose
 * header's `body_end` is set and whose `len` has room for the table; returns its fingerprint.
 */
uint64_t snapshot_seal(void *buf, size_t len);
/** Bytes of the table after a body ending at `body_end`, padding included. */
size_t snapshot_table_size(uint64_t body_end);

#endif
