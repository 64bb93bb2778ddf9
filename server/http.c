/* http.c: the HTTP server of `briefmap serve`: routing, HTTP semantics, render workers, events
 * reload. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include "briefings.h"
#include "jobs.h"
#include "oembed.h"
#include "ops.h"
#include "private.h"
#include "server.h"

#ifndef BRIEFMAP_VERSION
#define BRIEFMAP_VERSION "0.0.0"
#endif

/* Renders waiting beyond this are refused: a client retrying later beats a queue nobody drains. */
#define QUEUE_MAX 64
/* Longest path and query we parse; longer ones are refused with JSON before any work. */
#define MAX_PATH_LEN 8192
#define MAX_QUERY_LEN 4096
/* Defaults of the connection policy (limits.c, daemon.c). */
#define DEFAULT_TIMEOUT_S 30
#define DEFAULT_PER_IP 64
#define WATCH_INTERVAL_MS 500
#define RENDER_NICE 5
/* Sheets queued or being drawn may take this much memory (estimated from their size). */
#define DEFAULT_SHEET_BUDGET_MB 512

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define DEFAULT_STATIC "static"
#define DEFAULT_BRIEFINGS "briefings"
#define DEFAULT_CACHE_MB 256

#define ALLOW_METHODS "GET, HEAD, OPTIONS"
#define CC_TILES "public, max-age=300"
/* A tile URL carrying the revision it was drawn from never changes meaning. */
#define CC_IMMUTABLE "public, max-age=31536000, immutable"
#define CC_STATIC "public, max-age=60"
#define CC_API "no-cache"
#define CC_NONE "no-store"

#define ATTRIBUTION_BASE "Natural Earth; cities: SimpleMaps (CC BY 4.0)"
#define ATTRIBUTION_EVENTS "events from the article"

/* ---- metrics ---------------------------------------------------------- */

enum route {
	ROUTE_INDEX,
	ROUTE_EMBED,
	ROUTE_STATIC,
	ROUTE_TILE,
	ROUTE_TILEJSON,
	ROUTE_EVENTS,
	ROUTE_EVENT,
	ROUTE_VIEWS,
	ROUTE_RENDER,
	ROUTE_HEALTHZ,
	ROUTE_METRICS,
	ROUTE_OEMBED,
	ROUTE_READYZ,
	ROUTE_WMTS,
	ROUTE_STYLE,
	ROUTE_BRIEFING,
	ROUTE_BRIEFINGS,
	ROUTE_OTHER,
	ROUTE_COUNT
};

static const char *const route_names[ROUTE_COUNT] = {
    "index", "embed", "static", "tile",    "tilejson", "events",
    "event", "views", "render", "healthz", "metrics",  "oembed", "readyz", "wmts",
    "style", "briefing", "briefings", "other",
};

static const int status_codes[] = {200, 204, 302, 304, 400, 404, 405, 413, 414, 500, 503};
#define NSTATUS (sizeof status_codes / sizeof status_codes[0])

static const double render_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                        0.5,   1.0,  2.5,   5.0,  10.0};
#define NBUCKETS (sizeof render_buckets / sizeof render_buckets[0])

typedef struct metrics {
	atomic_ulong requests[ROUTE_COUNT][NSTATUS + 1];
	atomic_ulong tiles_rendered[TILE_TILESET_COUNT];
	/* Per job kind (tile, sheet): bucket counts (not cumulative), count, sum in microseconds.
	 */
	atomic_ulong render_bucket[2][NBUCKETS + 1];
	atomic_ulong render_count[2];
	atomic_ulong render_usec[2];
	atomic_ulong render_errors;
} metrics;

/* ---- server and request state ------------------------------------------ */

typedef struct request request;

typedef struct server {
	const server_options *opts;
	geodata *gd;
	briefings *bs;          /* every briefing, each with its scene, views and revision */
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
	int seen; /* the access handler has been called once */
	int route;
	int status; /* 0 until a response is queued */
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

/* ---- small helpers ------------------------------------------------------ */

#define FNV_INIT 1469598103934665603ULL

static uint64_t fnv_add(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	/* The terminator goes in too, so that ("ab","c") and ("a","bc") differ. */
	return fnv_add(h, s, strlen(s) + 1);
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
	return fnv_add(h, &v, sizeof v);
}

static void etag_format(char out[24], uint64_t h)
{
	snprintf(out, 24, "\"%016" PRIx64 "\"", h);
}

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void set_err(server_error *err, const char *fmt, ...)
{
	if (!err)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

/* A growable string for bodies built piece by piece (metrics). */
typedef struct strbuf {
	char *data;
	size_t len, cap;
	int failed;
} strbuf;

static void sb_printf(strbuf *b, const char *fmt, ...)
{
	if (b->failed)
		return;
	for (;;) {
		size_t room = b->cap - b->len;
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->data ? b->data + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = 1;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap - b->len <= (size_t)n)
			cap *= 2;
		char *p = realloc(b->data, cap);
		if (!p) {
			b->failed = 1;
			return;
		}
		b->data = p;
		b->cap = cap;
	}
}

/* ---- responses ---------------------------------------------------------- */

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

static void add_header(struct MHD_Response *resp, const char *name, const char *value)
{
	/* Fails only for values with CR/LF, which we never build. */
	if (value)
		(void)MHD_add_response_header(resp, name, value);
}

static void add_common(struct MHD_Response *resp, const reply_opts *o)
{
	add_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, o->ctype);
	add_header(resp, MHD_HTTP_HEADER_ETAG, o->etag);
	add_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, o->cache);
	add_header(resp, "Content-Disposition", o->disposition);
	add_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, o->last_modified);
	add_header(resp, "X-Content-Type-Options", "nosniff");
	add_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, o->encoding);
	if (o->vary)
		add_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (o->cors) {
		add_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
		add_header(resp, "Access-Control-Expose-Headers", "ETag, Content-Disposition");
	}
}

/* Queues `resp` (taking it over) with status; records what the access log needs. */
static enum MHD_Result reply_send(request *r, unsigned status, struct MHD_Response *resp,
                                  size_t len, const reply_opts *o)
{
	if (!resp)
		return MHD_NO;
	if (o)
		add_common(resp, o);
	/* While stopping, connections are not kept alive: they would hold the stop up. */
	if (atomic_load(&r->srv->closing) || r->must_close)
		add_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	r->status = (int)status;
	r->bytes = r->is_head ? 0 : len;
	enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply_error(request *r, unsigned status, const char *msg)
{
	char clean[512];
	snprintf(clean, sizeof clean, "%s", msg);
	query_utf8_sanitize(clean);
	json_object *o = json_object_new_object();
	if (!o)
		return MHD_NO;
	json_object_object_add(o, "error", json_object_new_string(clean));
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(s);
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, (void *)s, MHD_RESPMEM_MUST_COPY);
	json_object_put(o);
	if (!resp)
		return MHD_NO;
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		add_header(resp, MHD_HTTP_HEADER_ALLOW, ALLOW_METHODS);
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		add_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	reply_opts ro = {.ctype = "application/json", .cache = CC_NONE, .cors = 1};
	return reply_send(r, status, resp, len, &ro);
}

/* Whether If-None-Match (a list of entity tags, or "*") matches our strong tag. */
static int etag_matches(const char *inm, const char *etag)
{
	if (!inm || !etag)
		return 0;
	size_t elen = strlen(etag);
	const char *p = inm;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		if (*p == '*')
			return 1;
		/* If-None-Match compares weakly: W/"x" matches "x". */
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		const char *start = p;
		if (*p == '"') {
			const char *q = strchr(p + 1, '"');
			p = q ? q + 1 : p + strlen(p);
		} else {
			while (*p && *p != ',')
				p++;
		}
		if ((size_t)(p - start) == elen && memcmp(start, etag, elen) == 0)
			return 1;
		while (*p && *p != ',')
			p++;
	}
	return 0;
}

static int not_modified(request *r, const char *etag)
{
	const char *inm =
	    MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	return etag_matches(inm, etag);
}

/* Never called: a 304 has no body, MHD only writes its length. */
static ssize_t no_body(void *cls, uint64_t pos, char *buf, size_t max)
{
	return MHD_CONTENT_READER_END_OF_STREAM;
}

/*
 * A 304 may carry a Content-Length only if it is the 200's; libmicrohttpd
 * 0.9.75 writes the response's size, so the response is given that size (and
 * no body is sent). Where the 200's length is unknown, the connection is
 * closed rather than a wrong "Content-Length: 0" sent.
 */
static enum MHD_Result reply_304(request *r, const reply_opts *o)
{
	struct MHD_Response *resp = MHD_create_response_from_callback(
	    o->full_len ? (uint64_t)o->full_len : MHD_SIZE_UNKNOWN, 64, no_body, NULL, NULL);
	if (resp && !o->full_len)
		MHD_set_response_options(resp, MHD_RF_HTTP_1_0_COMPATIBLE_STRICT, MHD_RO_END);
	reply_opts ro = *o;
	ro.ctype = NULL;
	ro.disposition = NULL;
	ro.encoding = NULL;
	return reply_send(r, MHD_HTTP_NOT_MODIFIED, resp, 0, &ro);
}

/*
 * Whether to send the gzipped form of a body of this type: sets `o->vary` for
 * every compressible type, and returns 1 when the client accepts gzip.
 */
static int gzip_wanted(request *r, reply_opts *o)
{
	if (!compress_type_ok(o->ctype))
		return 0;
	o->vary = 1;
	return compress_accepts_gzip(MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	                                                         MHD_HTTP_HEADER_ACCEPT_ENCODING));
}

/* The gzipped representation has its own strong tag: "<tag>-gz" (etag buffers hold 24). */
static void etag_gz(char out[24], const char *etag)
{
	snprintf(out, 24, "%.*s-gz\"", (int)strlen(etag) - 1, etag);
}

/* 200 with a body copied from `data`; answers 304 instead when the client has it. */
static enum MHD_Result reply_copy(request *r, const void *data, size_t len, const reply_opts *o)
{
	char tag[24], gztag[24];
	reply_opts ro = *o;
	if (!ro.etag) {
		/* Every 200 has a strong tag; for generated bodies the body's own hash does. */
		etag_format(tag, fnv_add(FNV_INIT, data, len));
		ro.etag = tag;
	}
	unsigned char *gz = NULL;
	size_t gzlen = 0;
	if (gzip_wanted(r, &ro) && compress_gzip(data, len, &gz, &gzlen) == 0) {
		etag_gz(gztag, ro.etag);
		ro.etag = gztag;
		ro.encoding = "gzip";
		data = gz;
		len = gzlen;
	}
	enum MHD_Result ret;
	ro.full_len = len;
	if (not_modified(r, ro.etag))
		ret = reply_304(r, &ro);
	else
		ret = reply_send(
		    r, MHD_HTTP_OK,
		    MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY), len,
		    &ro);
	free(gz);
	return ret;
}

static enum MHD_Result reply_json(request *r, json_object *j, const reply_opts *o)
{
	if (!j)
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	const char *s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
	enum MHD_Result ret = reply_copy(r, s, strlen(s), o);
	json_object_put(j);
	return ret;
}

static void free_blob(void *cls)
{
	tile_blob_unref(cls);
}

static void free_events(void *cls)
{
	geodata_events_unref(cls);
}

/* ---- scene access -------------------------------------------------------- */

/* The scene of the request's briefing: dispatch answers 503 before any handler when none. */
static tile_scene *scene_get(request *r)
{
	return tile_scene_ref(r->b ? r->b->scene : NULL);
}

static uint64_t scene_events_hash(const tile_scene *sc)
{
	const geodata_events *ev = tile_scene_events(sc);
	return ev ? geodata_events_hash(ev) : 0;
}

static void mtime_max(long long *t, const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && (long long)st.st_mtime > *t)
		*t = (long long)st.st_mtime;
}

/* When the data last changed (base data, layers, events): the time sheets print. */
static long long data_time_compute(const geodata_options *d)
{
	long long t = 0;
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/base.gpkg", d->data_dir ? d->data_dir : "var/data");
	mtime_max(&t, path);
	for (int i = 0; i < GEODATA_LAYER_COUNT; i++) {
		if (!d->layer_source[i])
			continue;
		snprintf(path, sizeof path, "%s", d->layer_source[i]);
		char *bar = strchr(path, '|');
		if (bar)
			*bar = '\0';
		mtime_max(&t, path);
	}
	return t;
}

/* ---- render queue -------------------------------------------------------- */

/* Called by a render worker after each render. */
static void record_render(void *ud, const job *j, double seconds)
{
	server *s = ud;
	int kind = j->kind == JOB_SHEET;
	size_t b = 0;
	while (b < NBUCKETS && seconds > render_buckets[b])
		b++;
	atomic_fetch_add(&s->m.render_bucket[kind][b], 1);
	atomic_fetch_add(&s->m.render_count[kind], 1);
	atomic_fetch_add(&s->m.render_usec[kind], (unsigned long)(seconds * 1e6));
	if (j->rc != 0)
		atomic_fetch_add(&s->m.render_errors, 1);
	else if (j->kind == JOB_TILE)
		atomic_fetch_add(&s->m.tiles_rendered[j->tileset], 1);
}

/* ---- static files --------------------------------------------------------- */

static const char *content_type_for(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {".html", "text/html; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".mjs", "text/javascript; charset=utf-8"},
	    {".css", "text/css; charset=utf-8"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	    {".jpg", "image/jpeg"},
	    {".ico", "image/x-icon"},
	    {".json", "application/json"},
	    {".geojson", "application/geo+json"},
	    {".map", "application/json"},
	    {".woff2", "font/woff2"},
	    {".woff", "font/woff"},
	    {".txt", "text/plain; charset=utf-8"},
	};
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (strcasecmp(dot, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

/*
 * Whether a decoded relative path may name a file: no "..", no segment
 * starting with a dot (hidden files), no backslash, no control character,
 * no empty segment. realpath() containment is checked after this.
 */
static int static_path_ok(const char *rel)
{
	if (!*rel || strstr(rel, ".."))
		return 0;
	const char *seg = rel;
	for (const char *p = rel;; p++) {
		if (*p == '/' || *p == '\0') {
			if (p == seg || seg[0] == '.')
				return 0;
			if (!*p)
				break;
			seg = p + 1;
			continue;
		}
		if (*p == '\\' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	}
	return 1;
}

static enum MHD_Result serve_file(request *r, const char *root, const char *rel)
{
	if (!root || !static_path_ok(rel))
		return reply_error(r, MHD_HTTP_NOT_FOUND, "no such file");
	size_t rootlen = strlen(root);
	size_t n = rootlen + strlen(rel) + 2;
	char *joined = malloc(n);
	if (!joined)
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	snprintf(joined, n, "%s/%s", root, rel);
	char *real = realpath(joined, NULL);
	free(joined);
	/* The resolved file must still lie under the root: a symlink pointing out is refused. */
	if (!real || strncmp(real, root, rootlen) != 0 || real[rootlen] != '/') {
		free(real);
		return reply_error(r, MHD_HTTP_NOT_FOUND, "no such file");
	}
	/* O_NONBLOCK: opening a FIFO (or a device) must not wait for a writer; anything but a
	 * regular file is refused below. It has no effect on reading a regular file. */
	int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	const char *ctype = content_type_for(real);
	free(real);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return reply_error(r, MHD_HTTP_NOT_FOUND, "no such file");
	}
	char etag[24];
	uint64_t h = fnv_u64(FNV_INIT, (uint64_t)st.st_mtim.tv_sec);
	h = fnv_u64(h, (uint64_t)st.st_mtim.tv_nsec);
	h = fnv_u64(h, (uint64_t)st.st_size);
	h = fnv_u64(h, (uint64_t)st.st_ino);
	etag_format(etag, h);
	char lm[64];
	struct tm tm;
	gmtime_r(&st.st_mtim.tv_sec, &tm);
	strftime(lm, sizeof lm, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	reply_opts o = {.ctype = ctype, .etag = etag, .cache = CC_STATIC, .last_modified = lm};
	char gztag[24];
	compress_blob *gz = NULL;
	if (gzip_wanted(r, &o)) {
		etag_gz(gztag, etag);
		gz = compress_cache_get(r->srv->gz, rel, fd, h, (size_t)st.st_size);
		if (gz) {
			o.etag = gztag;
			o.encoding = "gzip";
		}
	}
	o.full_len = gz ? gz->len : (size_t)st.st_size;
	if (not_modified(r, o.etag)) {
		close(fd);
		compress_blob_unref(gz);
		return reply_304(r, &o);
	}
	if (gz) {
		close(fd);
		struct MHD_Response *zr = MHD_create_response_from_buffer_with_free_callback_cls(
		    gz->len, gz->data, compress_blob_unref, gz);
		if (!zr)
			compress_blob_unref(gz);
		return zr ? reply_send(r, MHD_HTTP_OK, zr, gz->len, &o)
		          : reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	/* MHD owns the descriptor from here and closes it. */
	struct MHD_Response *resp = MHD_create_response_from_fd((size_t)st.st_size, fd);
	if (!resp) {
		close(fd);
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot send file");
	}
	return reply_send(r, MHD_HTTP_OK, resp, (size_t)st.st_size, &o);
}

/* ---- route handlers -------------------------------------------------------- */

/* The public base URL of this request: --public-url, trusted forwarded headers, else Host. */
static void request_base(request *r, char *out, size_t cap)
{
	publicurl_for_connection(&r->srv->purl, r->conn, r->srv->host, out, cap);
}

/* A web page with the oEmbed discovery link for the address it was asked by. */
static enum MHD_Result serve_page(request *r, const char *file)
{
	char origin[600];
	request_base(r, origin, sizeof origin);
	size_t len = 0;
	char *body = oembed_page(r->srv->static_root, file, origin, r->uri ? r->uri : "/", &len);
	if (!body)
		return serve_file(r, r->srv->static_root, file);
	reply_opts o = {.ctype = "text/html; charset=utf-8", .cache = CC_STATIC};
	enum MHD_Result ret = reply_copy(r, body, len, &o);
	free(body);
	return ret;
}

static enum MHD_Result handle_oembed(request *r, const query *q)
{
	char origin[600];
	request_base(r, origin, sizeof origin);
	/* A url under /b/{slug}/ is that briefing's page, whatever route the request came by. */
	const char *url = query_get(q, "url");
	const char *at = url ? strstr(url, "://") : NULL;
	const char *upath = at ? strchr(at + 3, '/') : NULL;
	brief *ub = NULL;
	char prefix[GEODATA_SLUG_MAX + 4] = "";
	if (upath && strncmp(upath, "/b/", 3) == 0) {
		char slug[GEODATA_SLUG_MAX + 1];
		size_t n = strcspn(upath + 3, "/?#");
		if (n > 0 && n <= GEODATA_SLUG_MAX) {
			memcpy(slug, upath + 3, n);
			slug[n] = '\0';
			ub = geodata_slug_valid(slug) ? briefings_get(r->srv->bs, slug) : NULL;
		}
		if (!ub || !ub->views) {
			brief_unref(ub);
			return reply_error(r, MHD_HTTP_NOT_FOUND, "url is not a page of this server");
		}
		snprintf(prefix, sizeof prefix, "/b/%s", ub->slug);
	}
	oembed_reply a;
	oembed_answer((ub ? ub : r->b)->views->views, prefix, origin, r->srv->host, query_get(q, "url"),
	              query_get(q, "maxwidth"), query_get(q, "maxheight"), query_get(q, "format"),
	              &a);
	brief_unref(ub);
	if (a.status != MHD_HTTP_OK)
		return reply_error(r, a.status, a.error);
	reply_opts o = {.ctype = "application/json", .cache = CC_API, .cors = 1};
	enum MHD_Result ret = reply_copy(r, a.body, strlen(a.body), &o);
	free(a.body);
	return ret;
}

static enum MHD_Result handle_embed(request *r, const query *q)
{
	const char *view = query_get(q, "view");
	if (view && !geodata_views_find(r->b->views->views, view))
		return reply_error(r, MHD_HTTP_NOT_FOUND, "no such view");
	return serve_page(r, "embed.html");
}

static enum MHD_Result handle_static(request *r, const char *rel)
{
	server *s = r->srv;
	if (strncmp(rel, "leaflet/", 8) == 0 && s->leaflet_root)
		return serve_file(r, s->leaflet_root, rel + 8);
	return serve_file(r, s->static_root, rel);
}

static uint64_t tile_tag(int tileset, uint64_t evhash)
{
	return tileset == TILE_TILESET_BASE ? 0 : evhash;
}

/*
 * A tileset's revision: what its tiles are drawn from (the program and base
 * data, and for the tilesets with events, the events). Tile URLs carrying it
 * (?v=REV) are immutable; 16 hex digits.
 */
static void tile_revision(const request *r, int ts, char out[17])
{
	uint64_t h = fnv_u64(FNV_INIT, r->srv->data_version);
	h = fnv_u64(h, tile_tag(ts, r->b ? r->b->events_hash : 0));
	/* Two briefings with equal events still have tiles of their own. */
	if (ts != TILE_TILESET_BASE && r->b)
		h = fnv_str(h, r->b->slug);
	snprintf(out, 17, "%016" PRIx64, h);
}

/*
 * A tile asked for at a revision that is no longer current is redirected to the
 * current one rather than refused: a page or TileJSON fetched before an edit
 * keeps showing a map, and its next requests land on immutable URLs. The
 * Location is relative (the last path segment), so it holds behind any prefix.
 */
static enum MHD_Result reply_stale_revision(request *r, const char *last_seg, size_t seglen,
                                            const char *rev, const query *q)
{
	const char *until = query_get(q, "until");
	char loc[128];
	/* `until` passed geodata_date_parse: digits and dashes only, nothing to escape. */
	snprintf(loc, sizeof loc, "%.*s?v=%s%s%.32s", (int)seglen, last_seg, rev,
	         until ? "&until=" : "", until ? until : "");
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	add_header(resp, MHD_HTTP_HEADER_LOCATION, loc);
	reply_opts o = {.cache = CC_NONE, .cors = 1};
	return reply_send(r, MHD_HTTP_FOUND, resp, 0, &o);
}

static enum MHD_Result reply_tile_blob(request *r, tile_blob *blob, const char *etag)
{
	reply_opts o = {.ctype = tile_image_codec_get(r->j.format)->mime,
	                .etag = etag,
	                .cache = r->tile_immutable ? CC_IMMUTABLE : CC_TILES,
	                .cors = 1};
	struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
	    blob->len, blob->data, free_blob, blob);
	if (!resp) {
		tile_blob_unref(blob);
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	return reply_send(r, MHD_HTTP_OK, resp, blob->len, &o);
}

/* "/tiles/{tileset}/{z}/{x}/{y}.{ext}" or "...{y}@2x.{ext}", ext from the tile image formats;
 * `rest` is what follows "/tiles/". */
/* Queues the render a request needs, or answers 503 at once when the queue is full. */
static enum MHD_Result submit_or_refuse(server *s, request *r, tile_scene *sc)
{
	r->j.conn = r->conn;
	r->j.scene = sc;
	int rc = job_queue_submit(s->jobs, &r->j);
	if (rc == JOB_QUEUED)
		return MHD_YES;
	r->j.kind = JOB_NONE;
	r->j.scene = NULL;
	tile_scene_unref(sc);
	if (rc == JOB_EBUDGET)
		return reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
		                   "too many large sheets being drawn, retry later");
	if (rc == JOB_ESTOPPING)
		return reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "server is stopping");
	return reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "render queue full, retry later");
}

static enum MHD_Result handle_tile(request *r, const char *rest, const query *q)
{
	server *s = r->srv;
	query_tile t;
	int prc = query_tile_parse(rest, &t);
	if (prc == QUERY_TILE_NO_ROUTE)
		return reply_error(r, MHD_HTTP_NOT_FOUND, "no such route");
	const char *name = t.tileset;
	int ts = tile_tileset_from_name(name);
	if (ts < 0)
		return reply_error(r, MHD_HTTP_NOT_FOUND, "no such tileset");
	if (prc == QUERY_TILE_NO_SUFFIX)
		return reply_error(r, MHD_HTTP_NOT_FOUND,
		                   "tiles are {y}.{format} or {y}@2x.{format} in a known format");
	/* Malformed numbers are 400; well-formed ones beyond the pyramid are 404. */
	if (prc != QUERY_TILE_OK)
		return reply_error(r, MHD_HTTP_BAD_REQUEST,
		                   "tile coordinates must be plain decimal integers");
	long z = t.z, x = t.x, y = t.y;
	int scale = t.scale;
	if (z > GEODATA_MAX_ZOOM || !tile_xyz_valid((int)z, x, y))
		return reply_error(r, MHD_HTTP_NOT_FOUND, "tile out of range");
	geodata_day until;
	if (query_until_parse(q, &until) < 0)
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "until must be a date YYYY-MM-DD");

	const char *want = query_get(q, "v");
	if (want && (strlen(want) != 16 || strspn(want, "0123456789abcdef") != 16))
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "v must be a revision (16 hex digits)");
	/* The base map is one for all: every scene places its labels apart from the events'. */
	tile_scene *sc = scene_get(r);
	if (ts == TILE_TILESET_BASE && !sc) {
		brief *d = briefings_default(s->bs);
		sc = tile_scene_ref(d && d->scene ? d->scene : s->base_scene);
		brief_unref(d);
	}
	if (want) {
		char rev[17];
		tile_revision(r, ts, rev);
		if (strcmp(want, rev) != 0) {
			tile_scene_unref(sc);
			const char *last = strrchr(rest, '/');
			last = last ? last + 1 : rest;
			return reply_stale_revision(r, last, strlen(last), rev, q);
		}
		r->tile_immutable = 1;
	}
	uint64_t tag = tile_tag(ts, r->b ? r->b->events_hash : 0);
	const char *ext = tile_image_codec_get(t.format)->ext;
	const char *slug = ts == TILE_TILESET_BASE || !r->b ? "" : r->b->slug;
	/* Events do not change the base tileset, so its tag leaves them out. */
	uint64_t h = fnv_str(FNV_INIT, name);
	h = fnv_u64(h, (uint64_t)z);
	h = fnv_u64(h, (uint64_t)x);
	h = fnv_u64(h, (uint64_t)y);
	h = fnv_u64(h, (uint64_t)scale);
	h = fnv_str(h, ext);
	h = fnv_u64(h, ts == TILE_TILESET_BASE ? 0 : (uint64_t)(uint32_t)until);
	h = fnv_u64(h, s->data_version);
	h = fnv_u64(h, tag);
	h = fnv_str(h, slug);
	etag_format(r->etag, h);
	job *j = &r->j;
	j->format = t.format;
	/* Tiles with events are kept per briefing ("b/SLUG/..."); the base map once for all. */
	char bpre[GEODATA_SLUG_MAX + 4] = "";
	if (*slug)
		snprintf(bpre, sizeof bpre, "b/%s/", slug);
	if (ts == TILE_TILESET_BASE || until == GEODATA_DAY_OPEN)
		snprintf(j->key, sizeof j->key, "%s%s/%ld/%ld/%ld@%d.%s", bpre, name, z, x, y, scale,
		         ext);
	else
		snprintf(j->key, sizeof j->key, "%s%s/%ld/%ld/%ld@%d.%s?%" PRId32, bpre, name, z, x,
		         y, scale, ext, until);
	tile_blob *blob = tile_cache_get(s->cache, j->key);
	if (not_modified(r, r->etag)) {
		tile_scene_unref(sc);
		reply_opts o = {.etag = r->etag,
		                .cache = r->tile_immutable ? CC_IMMUTABLE : CC_TILES,
		                .cors = 1,
		                .full_len = blob && blob->tag == tag ? blob->len : 0};
		tile_blob_unref(blob);
		return reply_304(r, &o);
	}
	if (blob && blob->tag == tag) {
		tile_scene_unref(sc);
		r->cache_note = "hit";
		return reply_tile_blob(r, blob, r->etag);
	}
	/* A blob from before an events reload that raced the purge counts as a miss. */
	tile_blob_unref(blob);
	j->kind = JOB_TILE;
	j->tileset = ts;
	j->z = (int)z;
	j->x = x;
	j->y = y;
	j->scale = scale;
	j->until = ts == TILE_TILESET_BASE ? GEODATA_DAY_OPEN : until;
	j->tag = tag;
	r->cache_note = "render";
	return submit_or_refuse(s, r, sc);
}

static int tile_status(int rc)
{
	switch (rc) {
	case TILE_EINVAL:
	case TILE_ECRS:
		return MHD_HTTP_BAD_REQUEST;
	case TILE_ERANGE:
		return MHD_HTTP_NOT_FOUND;
	case TILE_ETOOBIG:
		return MHD_HTTP_CONTENT_TOO_LARGE;
	default:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

static const char *format_ctype(tile_format f)
{
	switch (f) {
	case TILE_FORMAT_PDF:
		return "application/pdf";
	case TILE_FORMAT_SVG:
		return "image/svg+xml";
	default:
		return "image/png";
	}
}

static const char *format_ext(tile_format f)
{
	switch (f) {
	case TILE_FORMAT_PDF:
		return "pdf";
	case TILE_FORMAT_SVG:
		return "svg";
	default:
		return "png";
	}
}

/* The answer for a sheet: its bytes (NULL for headers alone), type, tag and file name. */
static enum MHD_Result reply_sheet(request *r, tile_blob *blob)
{
	char disp[160];
	snprintf(disp, sizeof disp, "inline; filename=\"%s\"", r->filename);
	reply_opts o = {.ctype = format_ctype(r->j.sheet.format),
	                .etag = r->etag,
	                .cache = CC_STATIC,
	                .cors = 1,
	                .disposition = disp};
	if (!blob) {
		/* HEAD of a sheet not drawn yet: every header but the length, without drawing it. */
		struct MHD_Response *resp = MHD_create_response_from_callback(
		    MHD_SIZE_UNKNOWN, 4096, no_body, NULL, NULL);
		return reply_send(r, MHD_HTTP_OK, resp, 0, &o);
	}
	struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
	    blob->len, blob->data, free_blob, blob);
	if (!resp) {
		tile_blob_unref(blob);
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	return reply_send(r, MHD_HTTP_OK, resp, blob->len, &o);
}

/* Called on the network thread once the worker has resumed the connection. */
static enum MHD_Result render_done(request *r)
{
	job *j = &r->j;
	tile_scene_unref(j->scene);
	j->scene = NULL;
	/* Nobody to answer: close at once rather than write to a socket the client shut. */
	if (j->end == JOB_END_ABANDONED)
		return MHD_NO;
	if (j->end == JOB_END_STOPPING)
		return reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "server is stopping");
	if (j->rc != 0) {
		int st = tile_status(j->rc);
		if (st == MHD_HTTP_INTERNAL_SERVER_ERROR)
			log_line("briefmap: render failed: %s", j->errmsg);
		return reply_error(r, (unsigned)st, j->errmsg);
	}
	tile_blob *b = j->blob;
	j->blob = NULL;
	if (!b)
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "render gave nothing");
	if (j->kind == JOB_TILE)
		return reply_tile_blob(r, b, r->etag);
	return reply_sheet(r, b);
}

static enum MHD_Result handle_render(request *r, const char *ext, const query *q)
{
	server *s = r->srv;
	int fmt = tile_format_from_name(ext);
	if (fmt < 0)
		return reply_error(r, MHD_HTTP_NOT_FOUND, "no such route");
	const char *view = query_get(q, "view");
	const char *bbox = query_get(q, "bbox");
	const char *size = query_get(q, "size");
	const char *scale_s = query_get(q, "scale");
	const char *title = query_get(q, "title");
	const char *crs = query_get(q, "crs");
	const char *lang_s = query_get(q, "lang");
	const char *lang = lang_s ? tile_sheet_lang_find(lang_s) : NULL;
	if (lang_s && !lang)
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "lang must be en or es");
	tile_sheet_request *req = &r->j.sheet;
	memset(req, 0, sizeof *req);
	req->format = (tile_format)fmt;
	const geodata_view *v = NULL;
	if (view && bbox)
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "give view or bbox, not both");
	if (view) {
		v = geodata_views_find(r->b->views->views, view);
		if (!v)
			return reply_error(r, MHD_HTTP_NOT_FOUND, "no such view");
		req->bbox = v->bbox;
	} else if (bbox) {
		geodata_error gerr = {{0}};
		if (geodata_bbox_parse(bbox, &req->bbox, &gerr) < 0)
			return reply_error(r, MHD_HTTP_BAD_REQUEST,
			                   gerr.msg[0] ? gerr.msg : "bad bbox");
	} else {
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "view or bbox is required");
	}
	long w = 1200, h = 800;
	if (size && query_size_parse(size, &w, &h) < 0)
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "size must be WxH in pixels");
	long scale = 1;
	if (scale_s &&
	    (query_uint_parse(scale_s, strlen(scale_s), 9, &scale) < 0 || scale < 1 || scale > 2))
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "scale must be 1 or 2");
	if (fmt != TILE_FORMAT_PNG)
		scale = 1;
	/* Refused here rather than after queueing: the answer does not depend on the data. */
	if (w * scale > TILE_MAX_SIDE || h * scale > TILE_MAX_SIDE ||
	    w * h * scale * scale > TILE_MAX_PIXELS)
		return reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "image too large");
	geodata_day until;
	if (query_until_parse(q, &until) < 0)
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "until must be a date YYYY-MM-DD");
	if (crs && (!*crs || strlen(crs) > 512))
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "bad crs");
	if (!title)
		title = v ? v->title : "Briefing map";
	r->title = strdup(title);
	r->crs = crs ? strdup(crs) : NULL;
	if (!r->title || (crs && !r->crs))
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	/* The title goes into SVG and PDF text: only characters XML allows. */
	query_text_sanitize(r->title);
	req->width = (int)w;
	req->height = (int)h;
	req->scale = (int)scale;
	req->crs = r->crs;
	req->title = r->title;
	req->until = until;
	req->lang = lang;
	req->made_at = (int64_t)r->b->data_time;
	const char *bare = query_get(q, "bare");
	if (bare && strcmp(bare, "0") != 0 && strcmp(bare, "1") != 0)
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "bare must be 0 or 1");
	req->bare = bare && bare[0] == '1';
	snprintf(r->filename, sizeof r->filename, "briefmap-%s.%s", v ? v->name : "map",
	         format_ext(req->format));
	/* Quotes and backslashes would break the Content-Disposition header. */
	for (char *c = r->filename; *c; c++)
		if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
			*c = '_';

	tile_scene *sc = scene_get(r);
	uint64_t hsh = fnv_str(FNV_INIT, "render");
	hsh = fnv_add(hsh, &req->bbox, sizeof req->bbox);
	hsh = fnv_u64(hsh, (uint64_t)w);
	hsh = fnv_u64(hsh, (uint64_t)h);
	hsh = fnv_u64(hsh, (uint64_t)scale);
	hsh = fnv_u64(hsh, (uint64_t)req->format);
	hsh = fnv_str(hsh, r->crs ? r->crs : "");
	hsh = fnv_str(hsh, r->title);
	hsh = fnv_u64(hsh, (uint64_t)(uint32_t)until);
	hsh = fnv_str(hsh, lang ? lang : "");
	hsh = fnv_u64(hsh, s->data_version);
	hsh = fnv_u64(hsh, scene_events_hash(sc));
	hsh = fnv_str(hsh, r->b->slug);
	hsh = fnv_u64(hsh, (uint64_t)req->bare);
	etag_format(r->etag, hsh);
	if (not_modified(r, r->etag)) {
		tile_scene_unref(sc);
		reply_opts o = {.etag = r->etag, .cache = CC_STATIC, .cors = 1};
		return reply_304(r, &o);
	}
	job *j = &r->j;
	j->kind = JOB_SHEET;
	j->tag = hsh;
	snprintf(j->key, sizeof j->key, "sheet/%s", r->etag);
	j->cache_max = s->sheet_cache_max;
	tile_blob *blob = tile_cache_get(s->cache, j->key);
	if (blob && blob->tag == hsh) {
		tile_scene_unref(sc);
		return reply_sheet(r, blob);
	}
	tile_blob_unref(blob);
	/* HEAD answers from what the ETag is made of; drawing the sheet would only give its length. */
	if (r->is_head) {
		tile_scene_unref(sc);
		return reply_sheet(r, NULL);
	}
	return submit_or_refuse(s, r, sc);
}

static const char *const tileset_descr[TILE_TILESET_COUNT] = {
    "Base map of the region with the article's events",
    "Base map of the region: land, countries, states and cities",
    "The article's events alone, transparent, to lay over another base map",
};

static enum MHD_Result handle_tilejson(request *r, const char *rest, const query *q)
{
	size_t n = strlen(rest) - 5; /* without ".json" */
	char name[32];
	if (n == 0 || n >= sizeof name)
		return reply_error(r, MHD_HTTP_NOT_FOUND, "no such tileset");
	memcpy(name, rest, n);
	name[n] = '\0';
	/* "NAME@2x.json" or "?scale=2": 512 px tiles, for MapLibre's tileSize 512. */
	const char *scale_s = query_get(q, "scale");
	int scale = 1;
	if (n > 3 && strcmp(name + n - 3, "@2x") == 0) {
		name[n - 3] = '\0';
		scale = 2;
	}
	if (scale_s && strcmp(scale_s, "1") != 0 && strcmp(scale_s, "2") != 0)
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "scale must be 1 or 2");
	if (scale_s && scale_s[0] == '2')
		scale = 2;
	int ts = tile_tileset_from_name(name);
	if (ts < 0)
		return reply_error(r, MHD_HTTP_NOT_FOUND, "no such tileset");
	geodata_day until;
	const char *until_s = query_get(q, "until");
	if (query_until_parse(q, &until) < 0)
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "until must be a date YYYY-MM-DD");
	char base[600], url[800], rev[17];
	request_base(r, base, sizeof base);
	tile_revision(r, ts, rev);
	char untilq[48] = "";
	if (until_s && ts != TILE_TILESET_BASE) {
		/* Only digits and dashes pass geodata_date_parse, so the value needs no escaping.
		 */
		snprintf(untilq, sizeof untilq, "&until=%.32s", until_s);
	}
	const tile_image_codec *png = tile_image_codec_get(TILE_IMAGE_PNG);
	/* Under /b/{slug}/ a briefing's tiles keep its prefix; the base map's are at the root. */
	char bpre[GEODATA_SLUG_MAX + 4] = "";
	if (ts != TILE_TILESET_BASE && r->in_briefing)
		snprintf(bpre, sizeof bpre, "/b/%s", r->b->slug);
	snprintf(url, sizeof url, "%s%s/tiles/%s/{z}/{x}/{y}%s.%s?v=%s%s", base, bpre, name,
	         scale == 2 ? "@2x" : "", png->ext, rev, untilq);

	geodata_bbox b = {-120.0, 2.0, -58.0, 35.0};
	const geodata_briefing *meta = NULL;
	tile_scene *msc = scene_get(r);
	if (msc && tile_scene_events(msc))
		meta = geodata_events_briefing(tile_scene_events(msc));
	const geodata_view *region =
	    meta && meta->default_view ? geodata_views_find(r->b->views->views, meta->default_view)
	                               : NULL;
	if (!region && geodata_views_count(r->b->views->views) > 0)
		region = geodata_views_get(r->b->views->views, 0);
	if (region)
		b = region->bbox;
	/* The attribution names the briefing's article, and the name its headline. */
	char attribution[600];
	const char *headline = meta && meta->headline ? meta->headline : NULL;
	if (ts == TILE_TILESET_BASE)
		snprintf(attribution, sizeof attribution, "%s", ATTRIBUTION_BASE);
	else if (headline)
		snprintf(attribution, sizeof attribution, "%s; events from the article \"%.300s\"%s%.100s",
		         ATTRIBUTION_BASE, headline, meta->outlet ? ", " : "",
		         meta->outlet ? meta->outlet : "");
	else
		snprintf(attribution, sizeof attribution, "%s; %s", ATTRIBUTION_BASE,
		         ATTRIBUTION_EVENTS);
	char title[400];
	if (headline && ts != TILE_TILESET_BASE)
		snprintf(title, sizeof title, "briefmap %s: %.300s", name, headline);
	else
		snprintf(title, sizeof title, "briefmap %s", name);

	json_object *j = json_object_new_object();
	json_object *tiles = json_object_new_array();
	json_object *bounds = json_object_new_array();
	json_object *center = json_object_new_array();
	if (!j || !tiles || !bounds || !center) {
		tile_scene_unref(msc);
		json_object_put(j);
		json_object_put(tiles);
		json_object_put(bounds);
		json_object_put(center);
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	json_object_array_add(tiles, json_object_new_string(url));
	json_object_array_add(bounds, json_object_new_double(b.minx));
	json_object_array_add(bounds, json_object_new_double(b.miny));
	json_object_array_add(bounds, json_object_new_double(b.maxx));
	json_object_array_add(bounds, json_object_new_double(b.maxy));
	json_object_array_add(center, json_object_new_double((b.minx + b.maxx) / 2));
	json_object_array_add(center, json_object_new_double((b.miny + b.maxy) / 2));
	json_object_array_add(center, json_object_new_int(4));
	json_object_object_add(j, "tilejson", json_object_new_string("3.0.0"));
	json_object_object_add(j, "name", json_object_new_string(title));
	/* The article's caveats travel with the tiles into any client that shows a description. */
	char cav[4096] = "", description[4300];
	tile_caveats_text(tile_scene_events(msc), 1, cav, sizeof cav);
	tile_scene_unref(msc);
	snprintf(description, sizeof description, "%s.%s%s", tileset_descr[ts], cav[0] ? " " : "",
	         cav);
	json_object_object_add(j, "description", json_object_new_string(description));
	json_object_object_add(j, "version", json_object_new_string(BRIEFMAP_VERSION));
	json_object_object_add(j, "attribution", json_object_new_string(attribution));
	json_object_object_add(j, "scheme", json_object_new_string("xyz"));
	json_object_object_add(j, "tiles", tiles);
	json_object_object_add(j, "minzoom", json_object_new_int(0));
	json_object_object_add(j, "maxzoom", json_object_new_int(GEODATA_MAX_ZOOM));
	json_object_object_add(j, "bounds", bounds);
	json_object_object_add(j, "center", center);
	json_object_object_add(j, "format", json_object_new_string(png->name));
	json_object_object_add(j, "tileSize", json_object_new_int(256 * scale));
	reply_opts o = {.ctype = "application/json", .cache = CC_API, .cors = 1};
	return reply_json(r, j, &o);
}

static enum MHD_Result handle_wmts(request *r)
{
	char base[600];
	request_base(r, base, sizeof base);
	geodata_bbox b = {-180.0, -85.0511, 180.0, 85.0511};
	wmts_layer layers[TILE_TILESET_COUNT];
	char revs[TILE_TILESET_COUNT][17], titles[TILE_TILESET_COUNT][64];
	for (int t = 0; t < TILE_TILESET_COUNT; t++) {
		tile_revision(r, t, revs[t]);
		snprintf(titles[t], sizeof titles[t], "briefmap %s", tile_tileset_name((tile_tileset)t));
		layers[t] = (wmts_layer){.name = tile_tileset_name((tile_tileset)t),
		                         .title = titles[t],
		                         .abstract = tileset_descr[t],
		                         .revision = revs[t],
		                         .bbox = {b.minx, b.miny, b.maxx, b.maxy}};
	}
	char *xml = wmts_capabilities(base, layers, TILE_TILESET_COUNT, GEODATA_MAX_ZOOM);
	if (!xml)
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	reply_opts o = {.ctype = "application/xml; charset=utf-8", .cache = CC_API, .cors = 1};
	enum MHD_Result ret = reply_copy(r, xml, strlen(xml), &o);
	free(xml);
	return ret;
}

/* Ready once the data is loaded and every zoom's labels are placed: tiles then never wait. */
static enum MHD_Result handle_readyz(request *r)
{
	int ready = briefings_placed(r->srv->bs);
	if (!ready)
		return reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "label placement under way");
	reply_opts o = {.ctype = "text/plain; charset=utf-8", .cache = CC_NONE};
	return reply_copy(r, "ready\n", 6, &o);
}

static enum MHD_Result handle_events(request *r, const char *id)
{
	tile_scene *sc = scene_get(r);
	geodata_events *ev = tile_scene_events(sc);
	ev = ev ? geodata_events_ref(ev) : NULL;
	tile_scene_unref(sc);
	if (!ev) {
		if (id)
			return reply_error(r, MHD_HTTP_NOT_FOUND, "no such event");
		json_object *j = json_object_new_object();
		json_object_object_add(j, "type", json_object_new_string("FeatureCollection"));
		json_object_object_add(j, "features", json_object_new_array());
		reply_opts o = {.ctype = "application/geo+json", .cache = CC_API, .cors = 1};
		return reply_json(r, j, &o);
	}
	const char *body = NULL;
	if (id) {
		size_t n = geodata_events_count(ev);
		for (size_t i = 0; i < n; i++)
			if (strcmp(geodata_events_get(ev, i)->id, id) == 0) {
				body = geodata_event_geojson(ev, i);
				break;
			}
		if (!body) {
			geodata_events_unref(ev);
			return reply_error(r, MHD_HTTP_NOT_FOUND, "no such event");
		}
	} else {
		body = geodata_events_geojson(ev);
	}
	uint64_t h = fnv_u64(FNV_INIT, geodata_events_hash(ev));
	h = fnv_str(h, id ? id : "");
	char etag[24];
	etag_format(etag, h);
	reply_opts o = {.ctype = "application/geo+json", .etag = etag, .cache = CC_API, .cors = 1};
	reply_opts probe = o;
	if (gzip_wanted(r, &probe)) {
		enum MHD_Result zret = reply_copy(r, body, strlen(body), &o);
		geodata_events_unref(ev);
		return zret;
	}
	o.vary = probe.vary;
	o.full_len = strlen(body);
	if (not_modified(r, etag)) {
		geodata_events_unref(ev);
		return reply_304(r, &o);
	}
	size_t len = strlen(body);
	/* The body is the events' own serialisation; the reference keeps it alive while sent. */
	struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
	    len, (void *)body, free_events, ev);
	if (!resp) {
		geodata_events_unref(ev);
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	return reply_send(r, MHD_HTTP_OK, resp, len, &o);
}

static enum MHD_Result handle_views(request *r)
{
	brief_views *v = r->b->views;
	reply_opts o = {.ctype = "application/json", .etag = v->etag, .cache = CC_API, .cors = 1};
	o.full_len = strlen(v->json);
	if (not_modified(r, v->etag))
		return reply_304(r, &o);
	size_t len = strlen(v->json);
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, v->json, MHD_RESPMEM_MUST_COPY);
	return reply_send(r, MHD_HTTP_OK, resp, len, &o);
}

/* The render queue's gauges and counters, by job kind. */
static void jobs_metrics(strbuf *b, job_queue *q)
{
	job_queue_stats st;
	job_queue_stats_get(q, &st);
	static const char *const kinds[2] = {"tile", "sheet"};
	sb_printf(b, "# HELP briefmap_render_queue_depth Render jobs waiting for a worker.\n");
	sb_printf(b, "# TYPE briefmap_render_queue_depth gauge\n");
	sb_printf(b, "briefmap_render_queue_depth %zu\n", st.queued_tiles + st.queued_sheets);
	sb_printf(b, "# HELP briefmap_render_queued Render jobs waiting, by kind.\n");
	sb_printf(b, "# TYPE briefmap_render_queued gauge\n");
	sb_printf(b, "briefmap_render_queued{kind=\"tile\"} %zu\n", st.queued_tiles);
	sb_printf(b, "briefmap_render_queued{kind=\"sheet\"} %zu\n", st.queued_sheets);
	sb_printf(b, "# HELP briefmap_render_running Renders in progress.\n");
	sb_printf(b, "# TYPE briefmap_render_running gauge\n");
	sb_printf(b, "briefmap_render_running %zu\n", st.running);
	sb_printf(b, "# HELP briefmap_render_merged_total Requests answered by an identical "
	             "request's render.\n");
	sb_printf(b, "# TYPE briefmap_render_merged_total counter\n");
	for (int k = 0; k < 2; k++)
		sb_printf(b, "briefmap_render_merged_total{kind=\"%s\"} %" PRIu64 "\n", kinds[k],
		          st.merged[k]);
	sb_printf(b, "# HELP briefmap_render_abandoned_total Renders not drawn because every "
	             "client asking for them hung up.\n");
	sb_printf(b, "# TYPE briefmap_render_abandoned_total counter\n");
	for (int k = 0; k < 2; k++)
		sb_printf(b, "briefmap_render_abandoned_total{kind=\"%s\"} %" PRIu64 "\n",
		          kinds[k], st.abandoned[k]);
	sb_printf(b, "# HELP briefmap_render_refused_total Renders refused with 503, by reason.\n");
	sb_printf(b, "# TYPE briefmap_render_refused_total counter\n");
	sb_printf(b, "briefmap_render_refused_total{reason=\"queue_full\"} %" PRIu64 "\n",
	          st.refused_full);
	sb_printf(b, "briefmap_render_refused_total{reason=\"sheet_budget\"} %" PRIu64 "\n",
	          st.refused_budget);
	sb_printf(b, "# HELP briefmap_sheet_memory_bytes Estimated memory of the sheets queued or "
	             "being drawn.\n");
	sb_printf(b, "# TYPE briefmap_sheet_memory_bytes gauge\n");
	sb_printf(b, "briefmap_sheet_memory_bytes %zu\n", st.sheet_bytes);
	sb_printf(b, "# HELP briefmap_sheet_memory_budget_bytes Bound of that estimate.\n");
	sb_printf(b, "# TYPE briefmap_sheet_memory_budget_bytes gauge\n");
	sb_printf(b, "briefmap_sheet_memory_budget_bytes %zu\n", st.sheet_budget);
	sb_printf(b, "# HELP briefmap_memory_trims_total Times freed memory was handed back to "
	             "the system.\n");
	sb_printf(b, "# TYPE briefmap_memory_trims_total counter\n");
	sb_printf(b, "briefmap_memory_trims_total %" PRIu64 "\n", st.trims);
	sb_printf(b, "# HELP briefmap_heap_bytes Memory of malloc: handed out, or held free.\n");
	sb_printf(b, "# TYPE briefmap_heap_bytes gauge\n");
	sb_printf(b, "briefmap_heap_bytes{state=\"used\"} %zu\n", st.heap_used);
	sb_printf(b, "briefmap_heap_bytes{state=\"free\"} %zu\n", st.heap_free);
}

/* Per briefing: loaded or not, and the reloads refused; for the default one its generation. */
static void briefings_metrics(strbuf *b, briefings *bs)
{
	size_t n;
	brief **list = briefings_snapshot(bs, &n);
	size_t loaded = 0;
	unsigned long rejected = 0;
	for (size_t i = 0; list && i < n; i++) {
		loaded += list[i]->scene != NULL;
		rejected += list[i]->reload_errors;
	}
	sb_printf(b, "# HELP briefmap_briefings Briefings found, by whether they are served.\n");
	sb_printf(b, "# TYPE briefmap_briefings gauge\n");
	sb_printf(b, "briefmap_briefings{state=\"loaded\"} %zu\n", loaded);
	sb_printf(b, "briefmap_briefings{state=\"failed\"} %zu\n", n - loaded);
	sb_printf(b, "# HELP briefmap_briefing_reload_errors_total Loads of a briefing refused as "
	             "invalid.\n");
	sb_printf(b, "# TYPE briefmap_briefing_reload_errors_total counter\n");
	for (size_t i = 0; list && i < n; i++)
		sb_printf(b, "briefmap_briefing_reload_errors_total{briefing=\"%s\"} %lu\n",
		          list[i]->slug, list[i]->reload_errors);
	sb_printf(b, "# HELP briefmap_briefing_events Events served, by briefing.\n");
	sb_printf(b, "# TYPE briefmap_briefing_events gauge\n");
	for (size_t i = 0; list && i < n; i++) {
		const geodata_events *ev = list[i]->scene ? tile_scene_events(list[i]->scene) : NULL;
		sb_printf(b, "briefmap_briefing_events{briefing=\"%s\"} %zu\n", list[i]->slug,
		          ev ? geodata_events_count(ev) : (size_t)0);
	}
	briefings_snapshot_free(list, n);
	brief *d = briefings_default(bs);
	const geodata_events *ev = d && d->scene ? tile_scene_events(d->scene) : NULL;
	sb_printf(b, "# HELP briefmap_events_generation Versions of the default briefing loaded so "
	             "far.\n");
	sb_printf(b, "# TYPE briefmap_events_generation gauge\n");
	sb_printf(b, "briefmap_events_generation %lu\n", d ? d->generation : 0UL);
	sb_printf(b, "# HELP briefmap_events_reloads_rejected_total Loads of any briefing refused "
	             "as invalid.\n");
	sb_printf(b, "# TYPE briefmap_events_reloads_rejected_total counter\n");
	sb_printf(b, "briefmap_events_reloads_rejected_total %lu\n", rejected);
	sb_printf(b, "# HELP briefmap_events Events of the default briefing currently served.\n");
	sb_printf(b, "# TYPE briefmap_events gauge\n");
	sb_printf(b, "briefmap_events %zu\n", ev ? geodata_events_count(ev) : (size_t)0);
	brief_unref(d);
}

static enum MHD_Result handle_metrics(request *r)
{
	server *s = r->srv;
	metrics *m = &s->m;
	strbuf b = {0};
	sb_printf(&b,
	          "# HELP briefmap_requests_total HTTP requests answered, by route and status.\n");
	sb_printf(&b, "# TYPE briefmap_requests_total counter\n");
	for (int rt = 0; rt < ROUTE_COUNT; rt++)
		for (size_t i = 0; i <= NSTATUS; i++) {
			unsigned long v = atomic_load(&m->requests[rt][i]);
			if (!v)
				continue;
			if (i < NSTATUS)
				sb_printf(
				    &b, "briefmap_requests_total{route=\"%s\",status=\"%d\"} %lu\n",
				    route_names[rt], status_codes[i], v);
			else
				sb_printf(
				    &b,
				    "briefmap_requests_total{route=\"%s\",status=\"other\"} %lu\n",
				    route_names[rt], v);
		}
	sb_printf(&b, "# HELP briefmap_tiles_rendered_total Tiles rendered (cache misses that were "
	              "drawn).\n");
	sb_printf(&b, "# TYPE briefmap_tiles_rendered_total counter\n");
	for (int t = 0; t < TILE_TILESET_COUNT; t++)
		sb_printf(&b, "briefmap_tiles_rendered_total{tileset=\"%s\"} %lu\n",
		          tile_tileset_name((tile_tileset)t), atomic_load(&m->tiles_rendered[t]));
	tile_cache_stats cs;
	tile_cache_stats_get(s->cache, &cs);
	sb_printf(&b,
	          "# HELP briefmap_tile_cache_hits_total Tile cache lookups that found a tile.\n");
	sb_printf(&b, "# TYPE briefmap_tile_cache_hits_total counter\n");
	sb_printf(&b, "briefmap_tile_cache_hits_total %" PRIu64 "\n", cs.hits);
	sb_printf(
	    &b, "# HELP briefmap_tile_cache_misses_total Tile cache lookups that found nothing.\n");
	sb_printf(&b, "# TYPE briefmap_tile_cache_misses_total counter\n");
	sb_printf(&b, "briefmap_tile_cache_misses_total %" PRIu64 "\n", cs.misses);
	sb_printf(
	    &b,
	    "# HELP briefmap_tile_cache_evictions_total Tiles evicted to stay within the bound.\n");
	sb_printf(&b, "# TYPE briefmap_tile_cache_evictions_total counter\n");
	sb_printf(&b, "briefmap_tile_cache_evictions_total %" PRIu64 "\n", cs.evictions);
	sb_printf(&b, "# HELP briefmap_tile_cache_bytes Bytes held by the tile cache.\n");
	sb_printf(&b, "# TYPE briefmap_tile_cache_bytes gauge\n");
	sb_printf(&b, "briefmap_tile_cache_bytes %zu\n", cs.bytes);
	sb_printf(&b, "# HELP briefmap_tile_cache_max_bytes Bound of the tile cache.\n");
	sb_printf(&b, "# TYPE briefmap_tile_cache_max_bytes gauge\n");
	sb_printf(&b, "briefmap_tile_cache_max_bytes %zu\n", cs.max_bytes);
	sb_printf(&b, "# HELP briefmap_tile_cache_entries Tiles held by the tile cache.\n");
	sb_printf(&b, "# TYPE briefmap_tile_cache_entries gauge\n");
	sb_printf(&b, "briefmap_tile_cache_entries %zu\n", cs.entries);
	sb_printf(&b, "# HELP briefmap_render_seconds Time spent rendering, by job kind.\n");
	sb_printf(&b, "# TYPE briefmap_render_seconds histogram\n");
	static const char *const kinds[2] = {"tile", "sheet"};
	for (int k = 0; k < 2; k++) {
		unsigned long cum = 0;
		for (size_t i = 0; i < NBUCKETS; i++) {
			cum += atomic_load(&m->render_bucket[k][i]);
			sb_printf(&b, "briefmap_render_seconds_bucket{kind=\"%s\",le=\"%g\"} %lu\n",
			          kinds[k], render_buckets[i], cum);
		}
		cum += atomic_load(&m->render_bucket[k][NBUCKETS]);
		sb_printf(&b, "briefmap_render_seconds_bucket{kind=\"%s\",le=\"+Inf\"} %lu\n",
		          kinds[k], cum);
		sb_printf(&b, "briefmap_render_seconds_sum{kind=\"%s\"} %.6f\n", kinds[k],
		          (double)atomic_load(&m->render_usec[k]) / 1e6);
		sb_printf(&b, "briefmap_render_seconds_count{kind=\"%s\"} %lu\n", kinds[k],
		          atomic_load(&m->render_count[k]));
	}
	sb_printf(&b, "# HELP briefmap_render_errors_total Renders that failed.\n");
	sb_printf(&b, "# TYPE briefmap_render_errors_total counter\n");
	sb_printf(&b, "briefmap_render_errors_total %lu\n", atomic_load(&m->render_errors));
	jobs_metrics(&b, s->jobs);
	sb_printf(&b, "# HELP briefmap_render_threads Render worker threads.\n");
	sb_printf(&b, "# TYPE briefmap_render_threads gauge\n");
	sb_printf(&b, "briefmap_render_threads %d\n", s->nworkers);
	briefings_metrics(&b, s->bs);
	char *proc = procmetrics_text();
	sb_printf(&b, "%s", proc ? proc : "");
	free(proc);
	if (b.failed) {
		free(b.data);
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	reply_opts o = {.ctype = "text/plain; version=0.0.4; charset=utf-8", .cache = CC_NONE};
	enum MHD_Result ret = reply_copy(r, b.data, b.len, &o);
	free(b.data);
	return ret;
}

/* ---- dispatch ---------------------------------------------------------------- */

static int route_of(const char *path)
{
	if (strcmp(path, "/") == 0)
		return ROUTE_INDEX;
	if (strcmp(path, "/embed") == 0)
		return ROUTE_EMBED;
	if (strncmp(path, "/static/", 8) == 0)
		return ROUTE_STATIC;
	if (strncmp(path, "/tiles/", 7) == 0) {
		const char *rest = path + 7;
		size_t n = strlen(rest);
		if (!strchr(rest, '/') && n > 5 && strcmp(rest + n - 5, ".json") == 0)
			return ROUTE_TILEJSON;
		return ROUTE_TILE;
	}
	if (strcmp(path, "/api/events") == 0)
		return ROUTE_EVENTS;
	if (strncmp(path, "/api/events/", 12) == 0 && path[12] && !strchr(path + 12, '/'))
		return ROUTE_EVENT;
	if (strcmp(path, "/api/views") == 0)
		return ROUTE_VIEWS;
	if (strcmp(path, "/api/style") == 0)
		return ROUTE_STYLE;
	if (strcmp(path, "/render.png") == 0 || strcmp(path, "/render.pdf") == 0 ||
	    strcmp(path, "/render.svg") == 0)
		return ROUTE_RENDER;
	if (strcmp(path, "/healthz") == 0)
		return ROUTE_HEALTHZ;
	if (strcmp(path, "/metrics") == 0)
		return ROUTE_METRICS;
	if (strcmp(path, "/oembed") == 0)
		return ROUTE_OEMBED;
	if (strcmp(path, "/readyz") == 0)
		return ROUTE_READYZ;
	if (strcmp(path, "/wmts/1.0.0/WMTSCapabilities.xml") == 0)
		return ROUTE_WMTS;
	if (strcmp(path, "/api/briefing") == 0)
		return ROUTE_BRIEFING;
	if (strcmp(path, "/api/briefings") == 0)
		return ROUTE_BRIEFINGS;
	return ROUTE_OTHER;
}

/* The routes a briefing has under /b/{slug}: `sub` is what follows the slug. */
static int route_of_briefing(const char *sub)
{
	int rt = route_of(sub);
	switch (rt) {
	case ROUTE_HEALTHZ:
	case ROUTE_READYZ:
	case ROUTE_METRICS:
	case ROUTE_WMTS:
	case ROUTE_BRIEFINGS:
		return ROUTE_OTHER;
	default:
		return rt;
	}
}

/* Whether a route answers for one briefing (the default one outside /b/{slug}/). */
static int route_needs_briefing(int rt, const char *sub)
{
	switch (rt) {
	case ROUTE_EMBED:
	case ROUTE_TILEJSON:
	case ROUTE_EVENTS:
	case ROUTE_EVENT:
	case ROUTE_VIEWS:
	case ROUTE_RENDER:
	case ROUTE_OEMBED:
	case ROUTE_WMTS:
	case ROUTE_BRIEFING:
	case ROUTE_STYLE:
		return 1;
	case ROUTE_TILE:
		/* The base map is the same for every briefing. */
		return strncmp(sub, "/tiles/base/", 12) != 0;
	default:
		return 0;
	}
}

/*
 * Reads "/b/{slug}{sub}" into the briefing and the path under it. Returns 0,
 * 1 when the path is "/b/{slug}" alone (answered with a redirect to the
 * slash), or -1 when no such briefing is served (404).
 */
static int briefing_path_split(request *r, const char *path, const char **sub)
{
	const char *p = path + 3;
	const char *e = strchr(p, '/');
	size_t n = e ? (size_t)(e - p) : strlen(p);
	char slug[GEODATA_SLUG_MAX + 1];
	if (n == 0 || n > GEODATA_SLUG_MAX)
		return -1;
	memcpy(slug, p, n);
	slug[n] = '\0';
	if (!geodata_slug_valid(slug))
		return -1;
	r->b = briefings_get(r->srv->bs, slug);
	if (!r->b)
		return -1;
	*sub = e ? e : "";
	return e ? 0 : 1;
}

/* "/b/SLUG" to "/b/SLUG/": a relative Location, so that it holds behind any prefix. */
static enum MHD_Result reply_slash(request *r)
{
	char loc[GEODATA_SLUG_MAX + 4];
	snprintf(loc, sizeof loc, "%s/", r->b->slug);
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	add_header(resp, MHD_HTTP_HEADER_LOCATION, loc);
	reply_opts o = {.cache = CC_NONE};
	return reply_send(r, MHD_HTTP_FOUND, resp, 0, &o);
}

/* /api/briefing: the briefing's metadata and caveats, and its problem when its last load failed. */
static enum MHD_Result handle_briefing(request *r)
{
	reply_opts o = {.ctype = "application/json", .cache = CC_API, .cors = 1};
	return reply_json(r, listpage_briefing(r->b), &o);
}

static enum MHD_Result handle_briefings(request *r)
{
	char *body = listpage_briefings_json(r->srv->bs);
	if (!body)
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	reply_opts o = {.ctype = "application/json", .cache = CC_API, .cors = 1};
	enum MHD_Result ret = reply_copy(r, body, strlen(body), &o);
	free(body);
	return ret;
}

/* "/": the list of briefings, or the map itself when there is only one. */
static enum MHD_Result handle_index(request *r, int in_briefing)
{
	if (in_briefing)
		return serve_page(r, "index.html");
	size_t n;
	brief **list = briefings_snapshot(r->srv->bs, &n);
	briefings_snapshot_free(list, n);
	if (n == 1 && r->b && r->b->scene)
		return serve_page(r, "index.html");
	return serve_page(r, "list.html");
}

static enum MHD_Result reply_options(request *r)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	add_header(resp, MHD_HTTP_HEADER_ALLOW, ALLOW_METHODS);
	add_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
	add_header(resp, "Access-Control-Allow-Methods", ALLOW_METHODS);
	add_header(resp, "Access-Control-Allow-Headers",
	           "If-None-Match, Content-Type, Cache-Control");
	add_header(resp, "Access-Control-Max-Age", "86400");
	return reply_send(r, MHD_HTTP_NO_CONTENT, resp, 0, NULL);
}

/* First call for a request: everything is decided here, or handed to a render worker. */
static enum MHD_Result dispatch(request *r, const char *method)
{
	const char *raw = r->uri ? r->uri : "/";
	const char *qmark = strchr(raw, '?');
	size_t pathlen = qmark ? (size_t)(qmark - raw) : strlen(raw);
	const char *rawq = qmark ? qmark + 1 : NULL;
	r->route = ROUTE_OTHER;
	if (pathlen > MAX_PATH_LEN)
		return reply_error(r, MHD_HTTP_URI_TOO_LONG, "URL too long");
	if (rawq && strlen(rawq) > MAX_QUERY_LEN)
		return reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "query string too long");
	char path[MAX_PATH_LEN + 1];
	memcpy(path, raw, pathlen);
	path[pathlen] = '\0';
	/* Fragments never reach a server; a raw '#' is as malformed as a bad escape. */
	if (path[0] != '/' || strchr(path, '#'))
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "malformed URL");
	/* Routes are read from the slashes the client wrote: "%2F" separates nothing, and no
	 * route has a '/' inside a segment. */
	int drc = query_pct_decode(path, 0, 0);
	if (drc == -2)
		return reply_error(r, MHD_HTTP_NOT_FOUND,
		                   "no such route (an encoded '/' is not a path separator)");
	if (drc < 0)
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "malformed URL");
	const char *sub = path;
	int in_briefing = strncmp(path, "/b/", 3) == 0;
	r->in_briefing = in_briefing;
	int split = 0;
	if (in_briefing) {
		split = briefing_path_split(r, path, &sub);
		r->route = split == 0 ? route_of_briefing(sub) : ROUTE_OTHER;
	} else {
		r->route = route_of(path);
	}

	if (strcmp(method, "OPTIONS") == 0) {
		if (r->route == ROUTE_OTHER)
			return reply_error(r, MHD_HTTP_NOT_FOUND, "no such route");
		return reply_options(r);
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	/* Listening starts before the load: until it is over, only /healthz says yes. */
	if (!atomic_load(&r->srv->loaded) && r->route != ROUTE_HEALTHZ)
		return reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "loading data");
	if (split < 0)
		return reply_error(r, MHD_HTTP_NOT_FOUND, "no such briefing");
	if (split > 0)
		return reply_slash(r);
	if (!in_briefing && (route_needs_briefing(r->route, sub) || r->route == ROUTE_INDEX))
		r->b = briefings_default(r->srv->bs);
	if (route_needs_briefing(r->route, sub) || (in_briefing && r->route == ROUTE_INDEX)) {
		if (!r->b)
			return reply_error(r, MHD_HTTP_NOT_FOUND, "no briefing is served");
		/* A briefing bad from the start has nothing to map: its problem says why. */
		if (!r->b->scene && r->route != ROUTE_BRIEFING) {
			char msg[400];
			snprintf(msg, sizeof msg, "briefing %s cannot be served: %s", r->b->slug,
			         r->b->problem ? r->b->problem : "not loaded");
			return reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, msg);
		}
	}

	query q;
	int qrc = query_parse(&q, rawq);
	if (qrc < 0) {
		query_finish(&q);
		if (qrc == -2)
			return reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE,
			                   "too many query parameters");
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "malformed query string");
	}
	enum MHD_Result ret;
	switch (r->route) {
	case ROUTE_INDEX:
		ret = handle_index(r, in_briefing);
		break;
	case ROUTE_BRIEFING:
		ret = handle_briefing(r);
		break;
	case ROUTE_BRIEFINGS:
		ret = handle_briefings(r);
		break;
	case ROUTE_EMBED:
		ret = handle_embed(r, &q);
		break;
	case ROUTE_STATIC:
		ret = handle_static(r, sub + 8);
		break;
	case ROUTE_TILE:
		ret = handle_tile(r, sub + 7, &q);
		break;
	case ROUTE_TILEJSON:
		ret = handle_tilejson(r, sub + 7, &q);
		break;
	case ROUTE_EVENTS:
		ret = handle_events(r, NULL);
		break;
	case ROUTE_EVENT:
		ret = handle_events(r, sub + 12);
		break;
	case ROUTE_VIEWS:
		ret = handle_views(r);
		break;
	case ROUTE_STYLE: {
		tile_scene *sc = scene_get(r);
		reply_opts o = {.ctype = "application/json", .cache = CC_API, .cors = 1};
		ret = reply_json(r, style_json(tile_scene_events(sc)), &o);
		tile_scene_unref(sc);
		break;
	}
	case ROUTE_RENDER:
		ret = handle_render(r, sub + 8, &q);
		break;
	case ROUTE_HEALTHZ: {
		reply_opts o = {.ctype = "text/plain; charset=utf-8", .cache = CC_NONE};
		ret = reply_copy(r, "ok\n", 3, &o);
		break;
	}
	case ROUTE_METRICS:
		ret = handle_metrics(r);
		break;
	case ROUTE_OEMBED:
		ret = handle_oembed(r, &q);
		break;
	case ROUTE_READYZ:
		ret = handle_readyz(r);
		break;
	case ROUTE_WMTS:
		ret = handle_wmts(r);
		break;
	default:
		ret = reply_error(r, MHD_HTTP_NOT_FOUND, "no such route");
		break;
	}
	query_finish(&q);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
	server *s = cls;
	request *r = *req_cls;
	if (!r) {
		/* The URI callback always creates one; this is a safety net for memory failure. */
		return MHD_NO;
	}
	if (r->j.suspended) {
		r->j.suspended = 0;
		atomic_fetch_sub(&s->suspended, 1);
		return render_done(r);
	}
	if (r->status) {
		/* Already answered; a body still arriving is read and dropped. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!r->seen) {
		r->seen = 1;
		r->conn = conn;
		snprintf(r->method, sizeof r->method, "%s", method);
		r->is_head = strcmp(method, "HEAD") == 0;
		/* Answering on this first call would make MHD close the connection (it cannot
		 * know the request is over), so safe methods wait for the end of the request.
		 * Others get their 405 now: reading their body first would be wasted work. */
		if (!daemon_framing_ok(conn)) {
			r->must_close = 1;
			return reply_error(r, MHD_HTTP_BAD_REQUEST,
			                   "ambiguous request length (Content-Length with "
			                   "Transfer-Encoding, or twice)");
		}
		if (r->is_head || strcmp(method, "GET") == 0 || strcmp(method, "OPTIONS") == 0)
			return MHD_YES;
	} else if (*upload_data_size) {
		/* A body on a safe method means nothing to us: read and dropped. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* The request is here whole: its arrival deadline no longer applies. */
	limits_guard_received(s->guard, daemon_conn_of(conn));
	enum MHD_Result ret = dispatch(r, method);
	if (r->j.suspended)
		atomic_fetch_add(&s->suspended, 1);
	if (ret == MHD_YES && !r->j.suspended && !r->status)
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "no answer");
	return ret;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	request *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->srv = cls;
	r->conn = conn;
	r->uri = strdup(uri ? uri : "");
	r->route = ROUTE_OTHER;
	r->j.until = GEODATA_DAY_OPEN;
	r->j.fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	return r;
}

static int status_slot(int status)
{
	for (size_t i = 0; i < NSTATUS; i++)
		if (status_codes[i] == status)
			return (int)i;
	return (int)NSTATUS;
}

static void access_log(server *s, request *r, struct MHD_Connection *conn,
                       enum MHD_RequestTerminationCode toe)
{
	int ok = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;
	accesslog_entry e = {.method = r->method[0] ? r->method : NULL,
	                     .target = r->uri,
	                     .cache = r->cache_note,
	                     .status = r->status,
	                     .bytes = ok ? r->bytes : 0,
	                     .duration_ms = elapsed_ms(&r->t0),
	                     .aborted = !ok};
	accesslog_request(s->alog, conn, s->purl.trust_proxy, &e);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
	server *s = cls;
	request *r = *req_cls;
	if (!r)
		return;
	*req_cls = NULL;
	/* The next request on this connection has its own time to arrive. */
	limits_guard_rearm(s->guard, daemon_conn_of(conn));
	char shown[256];
	size_t n = 0;
	/* The logged path is cut and made printable: it is whatever the client sent. */
	for (const char *p = r->uri ? r->uri : ""; *p && n < sizeof shown - 4; p++)
		shown[n++] = ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) ? '?' : *p;
	if (r->uri && strlen(r->uri) > n) {
		memcpy(shown + n, "...", 3);
		n += 3;
	}
	shown[n] = '\0';
	if (r->status && s->alog) {
		atomic_fetch_add(&s->m.requests[r->route][status_slot(r->status)], 1);
		access_log(s, r, conn, toe);
	} else if (r->status) {
		atomic_fetch_add(&s->m.requests[r->route][status_slot(r->status)], 1);
		log_line("%s %s %d %zu %.1fms%s", r->method[0] ? r->method : "-", shown, r->status,
		         toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? r->bytes : (size_t)0,
		         elapsed_ms(&r->t0),
		         toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
	}
	job_finish(&r->j);
	brief_unref(r->b);
	free(r->title);
	free(r->crs);
	free(r->uri);
	free(r);
}

/* ---- briefing reload ---------------------------------------------------------- */

typedef struct purge_ctx {
	char prefix[GEODATA_SLUG_MAX + 8];
	uint64_t tag;
	int all;
} purge_ctx;

static int tile_stale(const char *key, const tile_blob *b, void *ud)
{
	const purge_ctx *pc = ud;
	return strncmp(key, pc->prefix, strlen(pc->prefix)) == 0 && (pc->all || b->tag != pc->tag);
}

/* A briefing's events changed or it went away: its tiles of another revision are dropped. */
static void briefing_changed(void *ud, const char *slug, uint64_t events_hash, int removed)
{
	server *s = ud;
	purge_ctx pc = {.tag = events_hash, .all = removed};
	snprintf(pc.prefix, sizeof pc.prefix, "b/%s/", slug);
	tile_cache_purge(s->cache, tile_stale, &pc);
}

/* ---- start-up and shut-down ------------------------------------------------- */

static uint64_t stat_hash(uint64_t h, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return fnv_str(h, path);
	h = fnv_u64(h, (uint64_t)st.st_size);
	h = fnv_u64(h, (uint64_t)st.st_mtim.tv_sec);
	return fnv_u64(h, (uint64_t)st.st_mtim.tv_nsec);
}

/*
 * A stamp of what the tiles are drawn from: the program itself (its style)
 * and the base data files, so that tile ETags change when either does.
 */
static uint64_t data_version_compute(const geodata_options *d)
{
	uint64_t h = fnv_str(FNV_INIT, BRIEFMAP_VERSION);
	h = stat_hash(h, "/proc/self/exe");
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/base.gpkg", d->data_dir ? d->data_dir : "var/data");
	h = stat_hash(h, path);
	for (int i = 0; i < GEODATA_LAYER_COUNT; i++) {
		const char *src = d->layer_source[i];
		if (!src)
			continue;
		snprintf(path, sizeof path, "%s", src);
		char *bar = strchr(path, '|');
		if (bar)
			*bar = '\0';
		h = fnv_str(h, src);
		h = stat_hash(h, path);
	}
	return h;
}

/* realpath of `dir`/../node_modules/leaflet/dist, where the front end's Leaflet lives. */
static char *leaflet_root_find(const char *static_root)
{
	if (!static_root)
		return NULL;
	size_t n = strlen(static_root) + 40;
	char *p = malloc(n);
	if (!p)
		return NULL;
	snprintf(p, n, "%s/../node_modules/leaflet/dist", static_root);
	char *real = realpath(p, NULL);
	free(p);
	return real;
}

/* What the operations options ask for: checked before the seconds spent loading data. */
static int ops_init(server *s, server_error *err)
{
	const server_options *o = s->opts;
	s->purl.trust_proxy = o->trust_proxy;
	if (o->public_url && publicurl_parse(&s->purl, o->public_url, err->msg, sizeof err->msg))
		return -1;
	if (o->access_log) {
		s->alog = accesslog_create(o->access_log,
		                           o->access_log_json ? ACCESSLOG_JSON : ACCESSLOG_COMBINED,
		                           err->msg, sizeof err->msg);
		if (!s->alog)
			return -1;
	}
	s->gz = compress_cache_create(256);
	if (!s->gz) {
		set_err(err, "out of memory");
		return -1;
	}
	return 0;
}

static int load_all(server *s, server_error *err)
{
	geodata_error gerr = {{0}};
	const server_options *o = s->opts;
	s->gd = geodata_load(&o->data, &gerr);
	if (!s->gd) {
		set_err(err, "cannot load base data: %s", gerr.msg);
		return -1;
	}
	/* The cache first: a briefing's reload purges its tiles from it. */
	size_t mb = o->cache_mb > 0 ? (size_t)o->cache_mb : DEFAULT_CACHE_MB;
	s->cache = tile_cache_create(mb * 1024 * 1024);
	/* A sheet may take up to an eighth of the cache, so that HEAD and repeats are cheap
	 * without pushing out the tiles. */
	s->sheet_cache_max = mb * 1024 * 1024 / 8;
	if (!s->cache) {
		set_err(err, "cannot create the tile cache");
		return -1;
	}
	s->data_version = data_version_compute(&o->data);
	tile_error terr = {{0}};
	/* For the base map when no briefing can be served: placed on first use only. */
	s->base_scene = tile_scene_create(s->gd, NULL, 0, &terr);
	if (!s->base_scene) {
		set_err(err, "cannot build the base map: %s", terr.msg);
		return -1;
	}
	briefings_config bc = {.gd = s->gd,
	                       .dir = o->briefings_dir ? o->briefings_dir : DEFAULT_BRIEFINGS,
	                       .events = o->events_path,
	                       .views = o->events_path ? o->views_path : NULL,
	                       .default_slug = o->default_briefing,
	                       .data_version = s->data_version,
	                       .base_time = data_time_compute(&o->data),
	                       .changed = briefing_changed,
	                       .ud = s};
	s->bs = briefings_create(&bc, err->msg, sizeof err->msg);
	if (!s->bs)
		return -1;

	const char *static_dir = o->static_dir ? o->static_dir : DEFAULT_STATIC;
	s->static_root = realpath(static_dir, NULL);
	if (!s->static_root)
		log_line("briefmap: static folder %s: %s; the web map will not be served",
		         static_dir, strerror(errno));
	s->leaflet_root = leaflet_root_find(s->static_root);
	return 0;
}

int server_run(const server_options *opts, server_error *err)
{
	int rc = -1;
	server *s = NULL;
	sigset_t block, old;
	/* Blocked before any thread exists, so that every thread inherits the mask and only
	 * sigwait() below sees SIGINT/SIGTERM; SIGPIPE from a closed socket must not kill us. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (!opts) {
		set_err(err, "no options");
		goto out_mask;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		set_err(err, "out of memory");
		goto out_mask;
	}
	s->opts = opts;
	/* A typo in --listen is reported before the seconds spent loading data. */
	struct sockaddr_storage ss;
	int v6;
	char host[INET6_ADDRSTRLEN + 4];
	const char *listen = opts->listen ? opts->listen : DEFAULT_LISTEN;
	if (daemon_listen_parse(listen, &ss, &v6, host, sizeof host) < 0) {
		set_err(err, "bad listen address '%s' (expected ADDR:PORT or [ADDR]:PORT)", listen);
		goto out_free;
	}
	/* Before anything is opened: the descriptor limit decides the connection limit. */
	limits_policy_init(&s->policy,
	                   opts->conns_per_ip > 0 ? (unsigned)opts->conns_per_ip : DEFAULT_PER_IP,
	                   opts->timeout_s > 0 ? (unsigned)opts->timeout_s : DEFAULT_TIMEOUT_S);
	if (ops_init(s, err) < 0)
		goto out_free;
	s->guard = limits_guard_create(s->policy.timeout_s);
	if (!s->guard) {
		set_err(err, "cannot start the request deadline thread");
		goto out_free;
	}
	/* Listening before the load: /readyz says 503 meanwhile, a port in use is told at once. */
	daemon_hooks hooks = {on_request, on_uri, on_completed, s};
	s->daemon =
	    daemon_start(listen, &s->policy, s->guard, &hooks, s->host, sizeof s->host, err);
	if (!s->daemon)
		goto out_free;
	if (load_all(s, err) < 0)
		goto out_watcher;

	int nthreads = opts->threads > 0 ? opts->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > 256)
		nthreads = 256;
	job_memory_tune();
	size_t budget_mb =
	    opts->sheet_budget_mb > 0 ? (size_t)opts->sheet_budget_mb : DEFAULT_SHEET_BUDGET_MB;
	job_queue_options jo = {.threads = nthreads,
	                        .max_queued = QUEUE_MAX,
	                        .sheet_budget = budget_mb << 20,
	                        .cache = s->cache,
	                        .rendered = record_render,
	                        .ud = s};
	s->jobs = job_queue_create(&jo);
	if (!s->jobs) {
		set_err(err, "cannot start render threads");
		goto out_free;
	}
	s->nworkers = nthreads;
	if (briefings_watch(s->bs) != 0) {
		set_err(err, "cannot start the briefings watcher");
		goto out_workers;
	}
	atomic_store(&s->loaded, 1);

	log_line("briefmap: %d render threads, tile cache %d MiB, briefings from %s", s->nworkers,
	         opts->cache_mb > 0 ? opts->cache_mb : DEFAULT_CACHE_MB,
	         opts->events_path ? opts->events_path
	                           : (opts->briefings_dir ? opts->briefings_dir : DEFAULT_BRIEFINGS));
	log_line("briefmap: at most %u connections, %u per client address; a request has %u s to "
	         "arrive",
	         s->policy.conn_limit, s->policy.per_ip, s->policy.timeout_s);
	log_line("briefmap: serving on http://%s/", s->host);
	fflush(stderr);

	sigset_t wait_set;
	sigemptyset(&wait_set);
	sigaddset(&wait_set, SIGINT);
	sigaddset(&wait_set, SIGTERM);
	sigaddset(&wait_set, SIGHUP);
	int sig = 0;
	/* SIGHUP reopens the access log (after logrotate moved it) and serving goes on. */
	while (sigwait(&wait_set, &sig) != 0 || sig == SIGHUP) {
		server_error lerr = {{0}};
		if (sig == SIGHUP && accesslog_reopen(s->alog, lerr.msg, sizeof lerr.msg) < 0)
			log_line("briefmap: %s", lerr.msg);
		sig = 0;
	}
	log_line("briefmap: %s received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");

	/* Stop accepting, let the workers answer or cancel what is queued, and wait for MHD to
	 * take every suspended connection back: stopping MHD with one suspended is not allowed. */
	atomic_store(&s->closing, 1);
	MHD_socket lsock = MHD_quiesce_daemon(s->daemon);
	job_queue_stop(s->jobs);
	struct timespec ms = {0, 1000000L};
	for (int i = 0; i < 5000 && atomic_load(&s->suspended) > 0; i++)
		nanosleep(&ms, NULL);
	/* Up to a second for the answers just queued (503s included) to reach their clients;
	 * idle keep-alive connections are cut after that. */
	for (int i = 0; i < 1000; i++) {
		const union MHD_DaemonInfo *ci =
		    MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (!ci || ci->num_connections == 0)
			break;
		nanosleep(&ms, NULL);
	}
	MHD_stop_daemon(s->daemon);
	s->daemon = NULL;
	if (lsock != MHD_INVALID_SOCKET)
		close(lsock);
	rc = 0;
out_watcher:
out_workers:
	/* The watcher stops before the cache it purges goes. */
	briefings_destroy(s->bs);
	s->bs = NULL;
	job_queue_stop(s->jobs);
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
out_free:
	limits_guard_destroy(s->guard);
	job_queue_destroy(s->jobs);
	accesslog_destroy(s->alog);
	compress_cache_destroy(s->gz);
	tile_cache_destroy(s->cache);
	briefings_destroy(s->bs);
	tile_scene_unref(s->base_scene);
	geodata_destroy(s->gd);
	free(s->static_root);
	free(s->leaflet_root);
	free(s);
out_mask:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}
