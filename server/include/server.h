/* server.h: the HTTP server behind `briefmap serve`. */
#ifndef BRIEFMAP_SERVER_H
#define BRIEFMAP_SERVER_H

#include "tiles.h"

/**
 * The tile cache's bound when none is given, in MiB. At about 3 KB a tile
 * it holds some 15,000 tiles (zooms 0 to 9 over the article's region in all
 * three tilesets) while the whole server stays within 250 MiB under
 * tests/bench/soak.py, whose random tiles found 27.6% of their lookups in it
 * against 29.1% with 64 MiB.
 */
#define SERVER_CACHE_MB_DEFAULT 48

/**
 * Ownership: the caller owns `opts` and the strings in it for the duration
 * of `server_run`. Thread safety: `server_run` blocks the calling thread
 * until SIGINT or SIGTERM; it starts its own network and render threads.
 * Errors: returns 0 after a clean stop, or a negative code with a one-line
 * message in `err` (bind failure, data that cannot be loaded).
 */
typedef struct server_options {
	const char *listen;      /**< "ADDR:PORT", default "127.0.0.1:8080" */
	int threads;             /**< render workers; 0 = number of cores */
	int cache_mb;            /**< tile cache bound in MiB; 0: SERVER_CACHE_MB_DEFAULT */
	int sheet_budget_mb;     /**< memory of sheets queued or drawn at once, MiB; default 512 */
	const char *static_dir;  /**< folder of the front end; default "static" */
	const char *briefings_dir; /**< folder of briefing folders, each served under /b/{slug}/ and
	                                watched for changes; default "briefings" */
	const char *default_briefing; /**< slug the routes without /b/{slug}/ serve; NULL: the first
	                                   in slug order */
	const char *views_path;  /**< with events_path: its named views; NULL: views.json beside it */
	const char *events_path; /**< NULL: every briefing of briefings_dir; else this one events
	                              file is the only briefing, named after its folder */
	int conns_per_ip;        /**< connections at once from one client address; default 64 */
	int timeout_s;           /**< idle connections, and requests not received whole within
	                              this many seconds, are closed; default 30 */
	geodata_options data;    /**< where the base layers come from */
	const char *public_url;  /**< "scheme://host[/prefix]" for absolute URLs; NULL: derived */
	int trust_proxy;         /**< honour X-Forwarded-Host/-Proto/-Prefix */
	const char *access_log;  /**< file of the access log, reopened on SIGHUP; NULL: stderr */
	int access_log_json;     /**< JSON lines rather than the combined log format */
} server_options;

typedef struct server_error {
	char msg[512];
} server_error;

int server_run(const server_options *opts, server_error *err);

/** The program's version ("0.1.0"); a static string. */
const char *server_version(void);
/** Writes the versions of the libraries in use ("GDAL 3.6.2, PROJ ..."); returns snprintf's. */
int server_version_libraries(char *out, size_t cap);

/** What `briefmap seed` renders. */
typedef struct server_seed_options {
	int minzoom, maxzoom;
	geodata_bbox bbox; /**< degrees */
	tile_tileset tileset;
	int scale;
	int threads;        /**< 0 = number of cores */
	const char *output; /**< the .mbtiles file, written whole or not at all */
} server_seed_options;

/**
 * Renders every tile of the range into an MBTiles file on `threads` threads,
 * showing progress on a terminal. Returns 0, or -1 with `err` filled.
 */
int server_seed(const server_seed_options *o, tile_scene *scene, server_error *err);

#endif
