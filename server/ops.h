/* ops.h (private to server/): access log, gzip, public URLs, WMTS and process metrics. */
#ifndef BRIEFMAP_SERVER_OPS_H
#define BRIEFMAP_SERVER_OPS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct MHD_Connection;

/* ---- access log (accesslog.c) ------------------------------------------------ */

typedef enum accesslog_format { ACCESSLOG_COMBINED, ACCESSLOG_JSON } accesslog_format;

/** One answered request, as the access log needs it. Strings may be NULL ("-"). */
typedef struct accesslog_entry {
	const char *client, *method, *target, *referer, *user_agent;
	const char *cache; /**< "hit", "render", "wait" (joined a render in flight) or NULL */
	int status;
	size_t bytes;
	double duration_ms;
	int aborted;
} accesslog_entry;

typedef struct accesslog accesslog;

/**
 * Opens (appends to, creating with mode 0640) the log file. Returns NULL with
 * `err` filled when it cannot be opened. Thread safety: write and reopen may
 * be called from any thread at once; each entry is one write(2) of one line.
 */
accesslog *accesslog_create(const char *path, accesslog_format fmt, char *err, size_t errcap);
/** Reopens the file by name (after logrotate renamed it); keeps the old one on failure. */
int accesslog_reopen(accesslog *l, char *err, size_t errcap);
void accesslog_write(accesslog *l, const accesslog_entry *e);
/**
 * Fills the entry's client, referer and user agent from the connection, then writes it. With
 * `trust_proxy`, the client is the address the proxy appended to X-Forwarded-For (its last
 * entry: earlier ones are whatever the client sent).
 */
void accesslog_request(accesslog *l, struct MHD_Connection *conn, int trust_proxy,
                       accesslog_entry *e);
void accesslog_destroy(accesslog *l);
/** Returns the format for "combined" or "json", or -1. */
int accesslog_format_from_name(const char *name);

/* ---- gzip (compress.c) ------------------------------------------------------ */

/** Whether a Content-Type is worth compressing (JSON, JS, CSS, HTML, SVG, XML, text). */
int compress_type_ok(const char *ctype);
/** Whether an Accept-Encoding header accepts gzip (and does not refuse it with q=0). */
int compress_accepts_gzip(const char *accept_encoding);
/**
 * Gzips `len` bytes into a new malloc'd buffer; returns 0 or -1 (out of
 * memory, zlib failure). The caller frees `*out`.
 */
int compress_gzip(const void *data, size_t len, unsigned char **out, size_t *outlen);

/**
 * The gzipped forms of static files, made once per file version (path, inode,
 * size, mtime) and kept; bounded in entries. Thread safe.
 */
typedef struct compress_cache compress_cache;
compress_cache *compress_cache_create(size_t max_entries);
void compress_cache_destroy(compress_cache *c);
/**
 * Returns a reference-counted gzipped copy of the file open at `fd` (read
 * with pread, the descriptor is left open), or NULL when it cannot be read.
 * Release with compress_blob_unref.
 */
typedef struct compress_blob {
	unsigned char *data;
	size_t len;
} compress_blob;
compress_blob *compress_cache_get(compress_cache *c, const char *path, int fd, uint64_t stamp,
                                  size_t size);
void compress_blob_unref(void *blob);

/* ---- public URLs (publicurl.c) ------------------------------------------------ */

/** The configured public URL, parsed. */
typedef struct publicurl {
	char base[512]; /**< "scheme://host[:port][/prefix]", no trailing slash; "" when unset */
	int trust_proxy;
} publicurl;

/** Parses --public-url (http or https, a host, an optional path). Returns 0 or -1 with err. */
int publicurl_parse(publicurl *p, const char *url, char *err, size_t errcap);

/** Request headers publicurl_for needs; any may be NULL. */
typedef struct publicurl_headers {
	const char *host, *fwd_host, *fwd_proto, *fwd_prefix;
} publicurl_headers;

/**
 * The base URL of this server as the client sees it: the configured public
 * URL; else, with trust_proxy, X-Forwarded-Host/-Proto/-Prefix; else the Host
 * header and http; else `fallback_host`. Values that are not a plain host,
 * scheme or path are ignored. Writes no trailing slash.
 */
void publicurl_for(const publicurl *p, const publicurl_headers *h, const char *fallback_host,
                   char *out, size_t cap);
/** publicurl_for with the headers of a request being answered (for TileJSON, WMTS, oEmbed). */
void publicurl_for_connection(const publicurl *p, struct MHD_Connection *conn,
                              const char *fallback_host, char *out, size_t cap);

/* ---- WMTS (wmts.c) ------------------------------------------------------------ */

typedef struct wmts_layer {
	const char *name, *title, *abstract;
	const char *revision; /**< carried by the ResourceURL template */
	double bbox[4];       /**< W,S,E,N degrees */
} wmts_layer;

/**
 * Builds the RESTful WMTS 1.0.0 capabilities document (GoogleMapsCompatible,
 * zoom 0..maxzoom) for `n` layers whose tiles are at `base`/tiles/NAME/...;
 * a new malloc'd string, or NULL when out of memory.
 */
char *wmts_capabilities(const char *base, const wmts_layer *layers, size_t n, int maxzoom);

/* ---- process metrics (procmetrics.c) -------------------------------------------- */

/**
 * Appends Prometheus text for build_info and the standard process metrics
 * (resident memory, open descriptors, start time, CPU seconds) to a new
 * malloc'd string; NULL when out of memory.
 */
char *procmetrics_text(void);

#endif
