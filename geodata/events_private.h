/* events_private.h: the events model's structure and the calls between its files; geodata/ only. */
#ifndef BRIEFMAP_GEODATA_EVENTS_PRIVATE_H
#define BRIEFMAP_GEODATA_EVENTS_PRIVATE_H

#define GEOS_USE_ONLY_R_API
#include <geos_c.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

#include "private.h"

/*
 * Who calls whom, never in a circle:
 *   events_read.c     (file, JSON parse, geometry, one feature) -> validate, model, geom,
 *                                                                  problems
 *   events_validate.c (structure, size limits, properties)       -> model, geom, problems
 *   events_json.c     (GeoJSON for the API, on first demand)     -> model
 *   events_model.c    (storage, areas, projection, lookups)      -> problems
 *   events_geom.c     (positions counted, zoom levels, stacks)   -> arena
 *   events_problems.c (one-line problems)
 */

struct json_object;

/* Web Mercator's latitude limit: the square world of the tile pyramid. */
#define EVENTS_MERC_MAX_LAT 85.05112878
/* Beyond this many lines a report stops being read; the rest is counted. */
#define EVENTS_MAX_PROBLEM_LINES 200
/* Freeing a model or a parse bigger than this gives the freed pages back to the system. */
#define EVENTS_TRIM_BYTES (4u << 20)

struct geodata_events {
	atomic_size_t refs;
	geodata_event *events;
	size_t count;
	size_t *by_id; /* event indices sorted by id, for lookups */
	/* Per event: the base-layer feature its `area` resolved to at load, or -1. */
	long *area_feature;
	/* The API's GeoJSON, written on first demand (only `serve` sends it): `json_ready` is set
	 * once both are complete, under `json_lock`, and never cleared. */
	pthread_mutex_t json_lock;
	atomic_int json_ready;
	char **feature_json;
	char *collection_json;
	uint64_t hash;
	geodata_briefing *briefing; /* briefing.json beside the file, or NULL */
	int quotes_checked;
	/* article.txt as the quotes' offsets count it (NUL-terminated), or NULL. */
	char *article;
	size_t article_len;
	/* Every block behind the events' pointers, freed together. */
	arena mem;
	int oom;
};

/*
 * One area as the load resolved it: its copied pieces and, once found, its
 * anchor in degrees. Events on one area (statements about one country) share
 * both: the copies are read-only, and the anchor would come out the same.
 */
typedef struct events_area {
	const geodata_geom *lonlat, *merc;
	size_t n;
	int anchored;
	double lon, lat;
} events_area;

/* State of one load: where problems go and what is being built. Not shared between threads. */
typedef struct events_loader {
	const geodata *gd;
	geodata_problems *out;
	size_t nproblems;
	geodata_events *ev;
	geodata_proj *proj;
	int proj_failed;
	GEOSContextHandle_t geos; /* for polygons' anchors; made on first use */
	/* Areas resolved so far, per feature of the countries and the states layers (NULL until
	 * the first area of that layer). */
	events_area *areas[2];
	/* The current feature's area, or NULL. */
	events_area *area;
	/* The article quotes are checked against, or NULL. */
	const char *article;
	size_t article_len;
	/* The feature being read, for the prefix of its problems. */
	size_t index;
	const char *id;
} events_loader;

/* ---- events_problems.c ---- */
/** Adds a line to `p`, which takes it (freed here when it cannot be kept). */
void events_problems_push(geodata_problems *p, char *line);
/** A problem of the whole file; control characters become spaces. */
void events_problem_file(events_loader *L, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** A problem of the current feature, prefixed "feature N (id "x"): field "f": ". */
void events_problem_field(events_loader *L, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Writes `s` (`len` bytes) as a JSON string cut to a readable length, into `buf`. */
void events_quote_n(const char *s, size_t len, char *buf, size_t n);
void events_quote(const char *s, char *buf, size_t n);
/** Appends "... and N more problems" when the report was cut. */
void events_problems_close(events_loader *L);

/* ---- events_model.c ---- */
/** `size` zeroed bytes of the model's arena; NULL sets `ev->oom`. */
void *events_alloc(geodata_events *ev, size_t size);
/** A NUL-terminated copy of `len` bytes in the model's arena. */
char *events_strdup(geodata_events *ev, const char *s, size_t len);
/** Frees a model whatever its state; NULL is a no-op. */
void events_free(geodata_events *ev);
/** Twice the signed area of a ring over two (positive when counterclockwise). */
double events_ring_area(const double *xy, uint32_t n);
/** The union of the stored boxes of `n` geometries. */
geodata_bbox events_geoms_bbox(const geodata_geom *g, size_t n);
/** The bounding box of a geometry's positions, stored in it. */
void events_geom_bbox(geodata_geom *g);
/**
 * Resolves a checked ISO 3166-2 or ISO 3166-1 alpha-2 code against the base data
 * and copies its polygons into the model (the events outlive the base data),
 * once per area: `e` shares them with earlier events on the same area. Sets
 * `*feature` to the feature index in the states or countries layer and
 * `L->area` to the area. Returns 0, or -1 with a problem.
 */
int events_area_resolve(events_loader *L, const char *code, geodata_event *e, long *feature);
/** Frees what the load kept of the areas it resolved. */
void events_areas_finish(events_loader *L);
/** Fills `e->merc` from `e->lonlat`; 0 or -1 with a problem. */
int events_project(events_loader *L, geodata_event *e);
/** Sets the anchor (degrees and metres) and `merc_bbox`; 0 or -1 with a problem. */
int events_anchor(events_loader *L, geodata_event *e);
/** Sorts the id index and reports each duplicate id. */
void events_ids_index(events_loader *L);

/* ---- events_validate.c ---- */
/** The native value of a property, or NULL when absent or null. */
struct json_object *events_prop(struct json_object *props, const char *name);
/**
 * Checks the whole document (a FeatureCollection of Features, within the
 * size limits) and returns its parsed tree, or NULL with problems.
 */
struct json_object *events_check_structure(events_loader *L, const char *data, size_t len);
/** Reads and checks every property of one feature into `e`, with a problem for each bad one. */
void events_read_properties(events_loader *L, struct json_object *props, geodata_event *e);
/** Whether every number under a JSON value is finite (json-c accepts NaN and 1e999). */
int events_finite_numbers(struct json_object *v, int depth);
/** 0 if `code` is an ISO 3166-2 or ISO 3166-1 alpha-2 code, else -1 with a problem. */
int events_check_area_code(events_loader *L, const char *code);

/* ---- events_json.c ---- */
/**
 * Writes each event's Feature and the whole collection once, whichever thread asks first;
 * 0, or -1 when memory is exhausted (nothing is kept then, and a later call tries again).
 */
int events_json_ensure(geodata_events *ev);

#endif
