/* httpd.h: what the files of `briefmap serve`'s HTTP side share (private to server/): the server
 * and request state, the route descriptors, responses, and each file's entry points. */
#ifndef BRIEFMAP_HTTPD_H
#define BRIEFMAP_HTTPD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include "briefings.h"
#include "jobs.h"
#include "ops.h"
#include "private.h"
#include "server.h"

#ifndef BRIEFMAP_VERSION
#define BRIEFMAP_VERSION "0.0.0"
#endif

/* Cache-Control of the answers: routes name theirs in the route table. */
#define CC_TILES "public, max-age=300"
/* A tile URL carrying the revision it was drawn from never changes meaning. */
#define CC_IMMUTABLE "public, max-age=31536000, immutable"
#define CC_STATIC "public, max-age=60"
#define CC_API "no-cache"
#define CC_NONE "no-store"

/* The methods of a read-only route: its Allow, and what its OPTIONS advertises. */
#define ROUTE_READ_METHODS "GET, HEAD, OPTIONS"

typedef struct request request;

/* ---- upkeep.c: the thread that gives back the mapped base data's pages ------------------- */

typedef struct upkeep upkeep;
/**
 * Starts the thread: once a second, when more than `budget` bytes of the
 * snapshot mapped by `gd` are resident, it gives them all back
 * (geodata_mapping_release). `gd` must outlive it. NULL on failure.
 */
upkeep *upkeep_start(const geodata *gd, size_t budget);
/** How many times the pages were given back. Thread-safe; 0 for NULL. */
uint64_t upkeep_releases(const upkeep *u);
/** The budget it was started with; 0 for NULL. */
size_t upkeep_budget(const upkeep *u);
/** Stops and joins the thread, frees it. NULL is a no-op. */
void upkeep_stop(upkeep *u);

/* ---- routes.c: the route table and dispatch ---------------------------------------------- */

/** A route's handler: `rest` is the path after the route's prefix ("" for exact paths). */
typedef enum MHD_Result (*route_handler)(request *r, const char *rest, const query *q);

/** Where a route is found. */
enum { ROUTE_AT_TOP = 1, /**< without /b/{slug}/ (for briefing routes: the default briefing) */
       ROUTE_AT_BRIEFING = 2 /**< under /b/{slug}/ */ };

/** What a route needs of a briefing. */
typedef enum route_briefing {
	ROUTE_NO_BRIEFING,  /**< answers for the server, not for a briefing */
	ROUTE_ANY_BRIEFING, /**< the default one at the top when there is one; under /b/: required */
	ROUTE_ONE_BRIEFING, /**< required: 404 when none, 503 when it never loaded */
} route_briefing;

/** One route: everything dispatch, 405/Allow, CORS, caching and metrics know of it. */
typedef struct route {
	const char *name;  /**< its label in /metrics */
	const char *path;  /**< the exact path, or with `prefix` what the path starts with */
	int prefix;
	/** With `prefix`: whether the rest of the path is this route's (NULL: any rest). */
	int (*rest_ok)(const char *rest);
	route_handler handle;
	unsigned where;          /**< ROUTE_AT_TOP | ROUTE_AT_BRIEFING */
	route_briefing briefing;
	/** Overrides `briefing` for some paths: 0 when this rest needs no briefing (NULL: none). */
	int (*needs_briefing)(const char *rest);
	int before_load;         /**< answers while the data is loading */
	int unloaded_ok;         /**< answers for a briefing that never loaded (to say why) */
	const char *cache;       /**< Cache-Control of its 200s */
	int cors;                /**< Access-Control-Allow-Origin: * */
	const char *allow;       /**< the methods it answers: 405's Allow, OPTIONS, the check */
} route;

/** Room for the routes in per-route counters; routes.c asserts the table fits. */
#define ROUTES_MAX 24

/** Routes in the table; index `routes_count()` is "other" (no route matched). */
size_t routes_count(void);
/** The metrics label of route index `i` ("other" past the table). */
const char *routes_label(size_t i);
/** First call for a request: decides everything, or hands the request to a render worker. */
enum MHD_Result routes_dispatch(request *r, const char *method);

/* ---- metrics.c: counters and /metrics ---------------------------------------------------- */

#define METRICS_NBUCKETS 11

typedef struct metrics {
	/* The routes' labels by index, the last "other": set once before serving starts. */
	const char *labels[ROUTES_MAX];
	size_t nlabels;
	atomic_ulong requests[ROUTES_MAX][16];
	atomic_ulong tiles_rendered[TILE_TILESET_COUNT];
	/* Per job kind (tile, sheet): bucket counts (not cumulative), count, sum in microseconds. */
	atomic_ulong render_bucket[2][METRICS_NBUCKETS + 1];
	atomic_ulong render_count[2];
	atomic_ulong render_usec[2];
	atomic_ulong render_errors;
} metrics;

/** Counts one answered request of route index `route` with `status`. Thread-safe. */
void metrics_count_request(metrics *m, int idx, int status);
/** The render queue's callback after each render (`ud` is the server). */
void metrics_record_render(void *ud, const job *j, double seconds);
enum MHD_Result metrics_handle(request *r, const char *rest, const query *q);

/* ---- server and request state ------------------------------------------------------------ */

typedef struct server {
	const server_options *opts;
	geodata *gd;
	briefings *bs;          /* every briefing, each with its scene, views and revision */
	watch *watcher;         /* picks up briefings added, changed and removed */
	upkeep *upkeep;         /* keeps the mapped base data within its budget */
	tile_scene *base_scene; /* the base map when no briefing is served */
	tile_cache *cache;
	uint64_t data_version;
	char *static_root;  /* realpath of static_dir, or NULL */
	char *leaflet_root; /* realpath of node_modules/leaflet/dist beside it, or NULL */
	char host[80]; /* "ADDR:PORT" as printed, for TileJSON without a usable Host header */

	job_queue *jobs;
	int nworkers;
	size_t sheet_cache_max; /* larger sheets are not kept in the tile cache */
	atomic_int closing; /* a stop signal has arrived */
	atomic_int suspended;

	struct MHD_Daemon *daemon;
	limits_policy policy;
	limits_guard *guard; /* the request deadline */
	metrics m;
	accesslog *alog;     /* NULL: one line per request on stderr */
	compress_cache *gz;  /* gzipped static files */
	atomic_int loaded;   /* data loaded and threads started: routes beyond /healthz answer */
	publicurl purl;
} server;

struct request {
	server *srv;
	struct MHD_Connection *conn;
	char *uri; /* raw request target, as received */
	struct timespec t0;
	char method[16];
	int is_head;
	/* What follows on the connection is not to be trusted: close after the answer. */
	int must_close;
	int seen;        /* the access handler has been called once */
	const route *rt; /* the route asked for; NULL: none */
	int route;       /* its index in the table, routes_count() for none: metrics */
	int status;      /* 0 until a response is queued */
	size_t bytes;
	const char *cache_note; /* for the access log: "hit", "render", "wait" */
	int tile_immutable;     /* asked for at the current revision */
	brief *b;               /* the briefing asked for (a reference), or NULL */
	int in_briefing;        /* asked for under /b/{slug}/ rather than by a first-version route */

	/* Render job, filled by the network thread, run by a worker. */
	job j;
	char etag[24];
	char *title, *crs;
	char filename[96];
};

/** The scene of the request's briefing (a new reference, or NULL). */
static inline tile_scene *request_scene(request *r)
{
	return tile_scene_ref(r->b ? r->b->scene : NULL);
}

/** The public base URL of this request: --public-url, trusted forwarded headers, else Host. */
static inline void request_base(request *r, char *out, size_t cap)
{
	publicurl_for_connection(&r->srv->purl, r->conn, r->srv->host, out, cap);
}

/* ---- reply.c: responses, entity tags, JSON errors ---------------------------------------- */

typedef struct reply_opts {
	const char *ctype;
	const char *etag;
	const char *cache;
	int cors;
	const char *disposition;
	const char *last_modified;
	const char *encoding; /* Content-Encoding */
	int vary;             /* the body depends on Accept-Encoding */
	size_t full_len;      /* a 304's: the length of the 200 it stands for; 0 if unknown */
} reply_opts;

/** The options of a 200 of the request's route: its type, Cache-Control and CORS. */
reply_opts reply_route_opts(const request *r, const char *ctype);
/** Adds a header (NULL value: none). */
void reply_header(struct MHD_Response *resp, const char *name, const char *value);
/** Queues `resp` (taking it over) with `status`; records what the access log needs. */
enum MHD_Result reply_send(request *r, unsigned status, struct MHD_Response *resp, size_t len,
                           const reply_opts *o);
/** A JSON error {"error": msg}; 405 says the route's Allow, 503 Retry-After. */
enum MHD_Result reply_error(request *r, unsigned status, const char *msg);
/** Whether If-None-Match matches `etag`. */
int reply_not_modified(request *r, const char *etag);
/** A 304 for a 200 with options `o`. */
enum MHD_Result reply_304(request *r, const reply_opts *o);
/** Sets `o->vary` for compressible types; 1 when the client takes gzip. */
int reply_gzip_wanted(request *r, reply_opts *o);
/** The strong tag of a hash, and of the gzipped form of a tag ("<tag>-gz"). */
void reply_etag_format(char out[24], uint64_t h);
void reply_etag_gz(char out[24], const char *etag);
/** 200 with a copy of `data` (gzipped when asked), or 304; a tag from the body when none. */
enum MHD_Result reply_copy(request *r, const void *data, size_t len, const reply_opts *o);
/** reply_copy of a JSON tree, which it puts; NULL is a 500. */
enum MHD_Result reply_json(request *r, json_object *j, const reply_opts *o);
/** 200 with a cached blob (a reference it takes over). */
enum MHD_Result reply_blob(request *r, tile_blob *blob, const reply_opts *o);
/** 200 with every header but the length, and no body (HEAD of what is not drawn yet). */
enum MHD_Result reply_headers_only(request *r, const reply_opts *o);
/** 302 to a relative `location`. */
enum MHD_Result reply_redirect(request *r, const char *location, int cors);

/* ---- renders.c: the render queue's side of a request ------------------------------------- */

/** Queues the request's render, or answers 503 at once when refused. Takes over `sc`. */
enum MHD_Result renders_submit(request *r, tile_scene *sc);
/** The answer of a render that was waiting: on the network thread, once resumed. */
enum MHD_Result renders_done(request *r);
/** The answer for a tile's bytes (a reference it takes over). */
enum MHD_Result renders_reply_tile(request *r, tile_blob *blob);
/** The answer for a sheet's bytes (NULL: its headers alone). */
enum MHD_Result renders_reply_sheet(request *r, tile_blob *blob);
/** A sheet format's Content-Type and file extension. */

/* ---- files.c: static files and pages ----------------------------------------------------- */

enum MHD_Result files_static(request *r, const char *rest, const query *q);
enum MHD_Result files_index(request *r, const char *rest, const query *q);
enum MHD_Result files_embed(request *r, const char *rest, const query *q);

/* ---- tileroutes.c: tiles, TileJSON, WMTS ------------------------------------------------- */

enum MHD_Result tileroutes_tile(request *r, const char *rest, const query *q);
enum MHD_Result tileroutes_tilejson(request *r, const char *rest, const query *q);
enum MHD_Result tileroutes_wmts(request *r, const char *rest, const query *q);
/** Whether the rest of a "/tiles/" path is a TileJSON document ("NAME.json"), or a tile. */
int tileroutes_is_tilejson(const char *rest);
int tileroutes_is_tile(const char *rest);
/** Whether a tile path's tileset depends on a briefing (the base map does not). */
int tileroutes_needs_briefing(const char *rest);

/* ---- sheetroutes.c: briefing sheets ------------------------------------------------------ */

enum MHD_Result sheetroutes_render(request *r, const char *rest, const query *q);
/** Whether "/render.REST" names a sheet format. */
int sheetroutes_is_format(const char *rest);

/* ---- apiroutes.c: the JSON API, oEmbed, health ------------------------------------------- */

enum MHD_Result apiroutes_events(request *r, const char *rest, const query *q);
enum MHD_Result apiroutes_event(request *r, const char *rest, const query *q);
enum MHD_Result apiroutes_views(request *r, const char *rest, const query *q);
enum MHD_Result apiroutes_article(request *r, const char *rest, const query *q);
enum MHD_Result apiroutes_style(request *r, const char *rest, const query *q);
enum MHD_Result apiroutes_briefing(request *r, const char *rest, const query *q);
enum MHD_Result apiroutes_briefings(request *r, const char *rest, const query *q);
enum MHD_Result apiroutes_oembed(request *r, const char *rest, const query *q);
enum MHD_Result apiroutes_healthz(request *r, const char *rest, const query *q);
enum MHD_Result apiroutes_readyz(request *r, const char *rest, const query *q);
/** Whether the rest of "/api/events/" names one event (one non-empty segment). */
int apiroutes_is_event_id(const char *rest);

#endif
