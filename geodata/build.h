/* build.h: a layer being read, shared by the loader and the GDAL/OGR reader module; private to geodata/. */
#ifndef BRIEFMAP_GEODATA_BUILD_H
#define BRIEFMAP_GEODATA_BUILD_H

#include "private.h"

/* Growable arrays. */
typedef struct {
	double *v;
	size_t len, cap;
} dvec;
typedef struct {
	uint32_t *v;
	size_t len, cap;
} uvec;
/** Room for `extra` more values; 0 or GEODATA_ENOMEM. */
int dvec_reserve(dvec *d, size_t extra);
int uvec_push(uvec *u, uint32_t x);

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
	void *best_poly; /* the reader's largest polygon of the current feature, for its label */
	int geographic;  /* coordinates come in degrees */
	double best_area;
} builder;

/** Starts a piece at the end of the arrays; 0 or GEODATA_ENOMEM. */
int build_piece_add(builder *b);
/** `fmt` with up to two strings into `err` (may be NULL), cut to fit. */
void build_err_set(geodata_error *err, const char *fmt, const char *a, const char *b);

/*
 * The GDAL/OGR reader (ogr_read.c) is a module of its own, briefmap-ogr.so, loaded by
 * ogr_module.c only when a layer is read through OGR: a program that draws from the snapshot
 * never loads GDAL and the hundred libraries it brings (50 ms and 20 MB at every start).
 */
#define OGR_READER_SYMBOL "briefmap_ogr_reader"
typedef struct ogr_reader {
	const char *abi; /**< BRIEFMAP_OGR_ABI of the build that made it: the structures agree */
	/**
	 * Reads layer `lname` (the first when NULL) of the source `path` into `b`, with the
	 * fields `fl` names; `*srsdef` gets its CRS as "AUTH:CODE" or WKT (malloc'd, the caller
	 * frees it). Returns 0, or a GEODATA_E* code with `err` filled.
	 */
	int (*read)(builder *b, const char *path, const char *lname, const geodata_layer_fields *fl,
	            char **srsdef, geodata_error *err);
} ogr_reader;

/**
 * Loads the reader module: the build tree's when there is one, else the installed one.
 * Returns it with `*handle` for ogr_reader_close, or NULL with `err` filled.
 */
const ogr_reader *ogr_reader_open(void **handle, geodata_error *err);
void ogr_reader_close(void *handle);

#endif
