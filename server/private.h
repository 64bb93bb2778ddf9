/* private.h: what the files of server/ share; not installed, not for other folders. */
#ifndef BRIEFMAP_SERVER_PRIVATE_H
#define BRIEFMAP_SERVER_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "server.h"
#include "tiles.h"

/* ---- query.c: request-target parsing; thread-safe, no allocation but query_parse ------ */

/* Most parameters of one query string; more is a 413. */
#define QUERY_MAX_PARAMS 32

/**
 * Percent-decodes `s` in place ('+' as a space too when `plus`). Returns 0,
 * -1 on a malformed escape or an encoded NUL (so a decoded string is never cut
 * short behind our back), -2 on an encoded '/' when `slash_ok` is 0 (so that
 * only the slashes the client wrote separate path segments).
 */
int query_pct_decode(char *s, int plus, int slash_ok);

/**
 * Replaces, in place, every byte that is not part of well-formed UTF-8
 * (truncated or overlong sequences, surrogates, code points past U+10FFFF)
 * by '?'. The result is valid for JSON. Never reads past the terminator.
 */
void query_utf8_sanitize(char *s);

/**
 * As query_utf8_sanitize, and also replaces what XML 1.0 forbids (C0
 * controls but tab, LF and CR; U+FFFE, U+FFFF) by '?', so that the text can
 * go into any output: SVG, PDF metadata, JSON. Never makes `s` longer.
 */
void query_text_sanitize(char *s);

/**
 * Strict unsigned decimal of `len` bytes: digits only, no sign, no leading
 * zero (so one tile has one URL), at most `max`. Returns 0 or -1.
 */
int query_uint_parse(const char *s, size_t len, long max, long *out);

/** "WxH" in pixels, both at least 1. Returns 0 or -1. */
int query_size_parse(const char *text, long *w, long *h);

/** A parsed query string; owns one buffer. */
typedef struct query {
	char *buf;
	size_t n;
	const char *key[QUERY_MAX_PARAMS];
	const char *val[QUERY_MAX_PARAMS];
} query;

/**
 * Splits and decodes "a=1&b=2" (NULL or "" is an empty query). Returns 0,
 * -1 on a malformed escape or no memory, -2 on too many parameters. Call
 * query_finish whatever it returns.
 */
int query_parse(query *q, const char *raw);
void query_finish(query *q);
/** The first value of `key`, or NULL. */
const char *query_get(const query *q, const char *key);
/** `until` as a day (GEODATA_DAY_OPEN when absent). Returns 0, or -1 if malformed. */
int query_until_parse(const query *q, geodata_day *until);

/** A tile's address as read from "{tileset}/{z}/{x}/{y}.png" or "...{y}@2x.png". */
typedef struct query_tile {
	char tileset[32];
	long z, x, y;
	int scale;
	tile_image_format format; /**< from the extension, through tiles' codec table */
} query_tile;

enum {
	QUERY_TILE_OK = 0,
	QUERY_TILE_NO_ROUTE = -1,  /**< not four segments: 404 */
	QUERY_TILE_NO_SUFFIX = -2, /**< y is not {y}.EXT nor {y}@2x.EXT of a known format: 404 */
	QUERY_TILE_BAD_NUMBER = -3 /**< z, x or y not a plain decimal: 400 */
};

/**
 * Parses the part of a decoded tile path after "/tiles/". Does not check the
 * tileset name nor the range of z/x/y (callers answer 404 for those).
 */
int query_tile_parse(const char *rest, query_tile *t);

/**
 * Copies `in` into `out` (of `cap` bytes, at least 8) with every byte outside
 * printable ASCII written as \xNN and backslashes doubled, cut with "..." when
 * it does not fit: what reaches a log or a terminal is never a control code.
 */
void query_log_escape(const char *in, char *out, size_t cap);

/* ---- params.c: the one request model of tiles and sheets, for the CLI and HTTP ----------- */

/* Errors of params_*: the HTTP status or the CLI's usage error they become. */
enum {
	PARAMS_EBAD = -1,      /**< malformed: 400, or a usage error */
	PARAMS_ENOTFOUND = -2, /**< no such tileset, view or tile: 404, or a usage error */
	PARAMS_ETOOBIG = -3    /**< larger than any image we draw: 413, or a usage error */
};

/** A sheet's size when none is asked for, on the command line and over HTTP alike. */
#define PARAMS_SHEET_WIDTH 1200
#define PARAMS_SHEET_HEIGHT 800
#define PARAMS_STR_(x) #x
#define PARAMS_STR(x) PARAMS_STR_(x)
/** The default size as help texts print it: "1200x800". */
#define PARAMS_SHEET_SIZE PARAMS_STR(PARAMS_SHEET_WIDTH) "x" PARAMS_STR(PARAMS_SHEET_HEIGHT)
/** A sheet's title when neither the request nor its view gives one. */
#define PARAMS_SHEET_TITLE "Briefing map"

/**
 * One tile asked for, by `briefmap tile` or GET /tiles/...: z/x/y are plain
 * decimals (no sign, no leading zero, so that one tile has one address) within
 * the pyramid. Caller's storage; the strings it was read from may go.
 */
typedef struct params_tile {
	tile_tileset tileset;     /**< default briefing */
	int z;
	long x, y;
	int scale;                /**< 1 (default) or 2 */
	tile_image_format format; /**< default PNG */
	geodata_day until;        /**< default GEODATA_DAY_OPEN */
	const char *lang;         /**< base labels' language (tile_sheet_lang_find); NULL: default names */
} params_tile;

/** The defaults. */
void params_tile_init(params_tile *t);
/**
 * Takes one parameter ("tileset", "scale", "until", "ext", "lang"). Returns 0 or a
 * PARAMS_E* code with a static message in `*msg`.
 */
int params_tile_set(params_tile *t, const char *key, const char *value, const char **msg);
/** Takes the address "Z/X/Y" (`len` bytes); 0 or PARAMS_E* with `*msg`. */
int params_tile_address(params_tile *t, const char *zxy, size_t len, const char **msg);
/**
 * Reads the part of a tile URL's path after "/tiles/" and its query string
 * (`until`); 0 or PARAMS_E* with `*msg`.
 */
int params_tile_http(params_tile *t, const char *rest, const query *q, const char **msg);

/**
 * One briefing sheet asked for, by `briefmap render` or GET /render.EXT.
 * Strings point into what the caller passed; `msg` holds the last error.
 */
typedef struct params_sheet {
	const char *view;   /**< a view's name, resolved by params_sheet_view */
	int has_bbox;
	tile_sheet_request req; /**< bbox, size, scale, format, crs, title, until, lang, bare */
	char msg[200];
} params_sheet;

/** The defaults: PNG of PARAMS_SHEET_WIDTH x PARAMS_SHEET_HEIGHT at scale 1, no filter. */
void params_sheet_init(params_sheet *p);
/**
 * Takes one parameter: "view", "bbox", "size" (WxH), "scale", "format",
 * "crs", "title", "until", "lang", "bare" (0 or 1). Returns 0 or PARAMS_E*
 * with `p->msg`.
 */
int params_sheet_set(params_sheet *p, const char *key, const char *value);
/** Exactly one of view and bbox, and a size within the limits; 0 or PARAMS_E*. */
int params_sheet_check(params_sheet *p);
/** Reads the view's box (and title when none was given) from `views`; 0 or PARAMS_E*. */
int params_sheet_view(params_sheet *p, const geodata_views *views);
/**
 * Reads a sheet URL: the format from "/render.EXT" and the query string, in
 * the order HTTP answers them (the view is resolved from `views`); 0 or PARAMS_E*.
 */
int params_sheet_http(params_sheet *p, const char *ext, const query *q,
                      const geodata_views *views);

/* ---- log.c ---------------------------------------------------------------------- */

/**
 * Logs one line on stderr with a single write, so that lines of different
 * threads never mix; non-printable bytes are escaped (query_log_escape).
 * Thread-safe.
 */
void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- limits.c: the process and connection policy of the daemon ------------------- */

/** Connection policy of the daemon; see server_options for the meaning of each field. */
typedef struct limits_policy {
	unsigned conn_limit; /**< connections at once, all clients */
	unsigned per_ip;     /**< connections at once from one address; 0: no limit */
	unsigned timeout_s;  /**< idle connection, and request not received whole */
} limits_policy;

/**
 * Raises the soft limit of open files to the hard limit and derives the
 * connection limit from it (leaving room for data files, the cache and the
 * render threads). Writes a line to the log when the limit is low.
 */
void limits_policy_init(limits_policy *p, unsigned per_ip, unsigned timeout_s);

/*
 * The request deadline: libmicrohttpd's connection timeout counts from the
 * last byte received, so a client sending one byte every few seconds would
 * hold a connection forever. The guard gives each request `timeout_s` from the
 * connection's start (or the end of the previous request on it) to arrive
 * whole, and shuts down the sockets of those that do not.
 * Thread safety: every function may be called from any thread.
 */
typedef struct limits_guard limits_guard;
typedef struct limits_conn limits_conn;

/** Starts the guard's thread. Returns NULL on failure (no memory, no thread). */
limits_guard *limits_guard_create(unsigned timeout_s);
/** Stops the thread; call after the daemon is stopped. NULL is a no-op. */
void limits_guard_destroy(limits_guard *g);
/** A connection was accepted on socket `fd`: its first request's deadline starts. */
limits_conn *limits_guard_add(limits_guard *g, int fd);
/** Its request arrived whole: no deadline until the request is finished. */
void limits_guard_received(limits_guard *g, limits_conn *c);
/** Its request was answered: the next one's deadline starts now. */
void limits_guard_rearm(limits_guard *g, limits_conn *c);
/** The connection is closing (called before its socket is closed). Frees `c`. */
void limits_guard_remove(limits_guard *g, limits_conn *c);
/** Requests cut at the deadline so far. */
unsigned long limits_guard_cut(limits_guard *g);

/* ---- daemon.c: the libmicrohttpd daemon ------------------------------------------- */

/** The server's callbacks, all called with `cls`. */
typedef struct daemon_hooks {
	MHD_AccessHandlerCallback on_request;
	void *(*on_uri)(void *cls, const char *uri, struct MHD_Connection *conn);
	MHD_RequestCompletedCallback on_completed;
	void *cls;
} daemon_hooks;

/**
 * Parses "ADDR:PORT", "[V6]:PORT", "localhost:PORT" or ":PORT" into `ss`
 * and the host part as it is shown in URLs. Returns 0 or -1.
 */
int daemon_listen_parse(const char *spec, struct sockaddr_storage *ss, int *v6, char *hostout,
                        size_t hostcap);

/**
 * Starts the daemon on `listen` with the connection policy `p`; `guard`
 * (kept by the caller until after MHD_stop_daemon) gets every connection.
 * Writes "ADDR:PORT" as bound into `host`. Returns NULL with `err` filled.
 */
struct MHD_Daemon *daemon_start(const char *listen, const limits_policy *p, limits_guard *guard,
                                const daemon_hooks *h, char *host, size_t hostcap,
                                server_error *err);

/**
 * Whether the request's length is unambiguous: at most one Content-Length,
 * at most one Transfer-Encoding, never both (RFC 9112 section 6.3).
 */
int daemon_framing_ok(struct MHD_Connection *conn);

/** The deadline record of a connection (from daemon_start's connection callback), or NULL. */
limits_conn *daemon_conn_of(struct MHD_Connection *conn);

/* ---- style.c: /api/style ------------------------------------------------------------ */

struct json_object;
/**
 * The kinds of the briefing of `ev` (NULL: the built-in ones), every status
 * with its words and treatment, and the glyph set: each kind carries its
 * glyph as SVG paths. Words are in `lang` (from tile_sheet_lang_find; NULL:
 * English), each one English where its table gives none. A new tree the
 * caller puts, or NULL without memory.
 */
struct json_object *style_json(const geodata_events *ev, const char *lang);

#endif
