/* http.c: `briefmap serve`: start-up, the libmicrohttpd callbacks, the access log, shut-down. */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"

/* Renders waiting beyond this are refused: a client retrying later beats a queue nobody drains. */
#define QUEUE_MAX 64
/* Defaults of the connection policy (limits.c, daemon.c). */
#define DEFAULT_TIMEOUT_S 30
#define DEFAULT_PER_IP 64
/* Sheets queued or being drawn may take this much memory (estimated from their size). */
#define DEFAULT_SHEET_BUDGET_MB 512
/* Growth of the mapped snapshot's resident pages past which they are given back (upkeep.c). */
#define MAPPED_BUDGET_MB 16

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define DEFAULT_STATIC "static"
#define DEFAULT_BRIEFINGS "briefings"

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
		return renders_done(r);
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
	enum MHD_Result ret = routes_dispatch(r, method);
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
	r->route = (int)routes_count();
	r->j.fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	return r;
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
	if (r->status)
		metrics_count_request(&s->m, r->route, r->status);
	if (r->status && s->alog) {
		access_log(s, r, conn, toe);
	} else if (r->status) {
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
	if (tile_key_briefing_prefix(slug, pc.prefix, sizeof pc.prefix) < 0)
		return;
	tile_cache_purge(s->cache, tile_stale, &pc);
}

/* ---- start-up and shut-down ------------------------------------------------- */

static uint64_t stat_hash(uint64_t h, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return tile_hash_str(h, path);
	h = tile_hash_u64(h, (uint64_t)st.st_size);
	h = tile_hash_u64(h, (uint64_t)st.st_mtim.tv_sec);
	return tile_hash_u64(h, (uint64_t)st.st_mtim.tv_nsec);
}

/*
 * A stamp of what the tiles are drawn from: the program itself (its style)
 * and the base data files, so that tile ETags change when either does.
 */
static uint64_t data_version_compute(const geodata_options *d)
{
	uint64_t h = tile_hash_str(TILE_HASH_INIT, BRIEFMAP_VERSION);
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
		h = tile_hash_str(h, src);
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
	if (geodata_snapshot_note(s->gd)[0])
		log_line("briefmap: %s; rebuilt from the GeoPackage", geodata_snapshot_note(s->gd));
	if (!geodata_from_snapshot(s->gd)) {
		/* Read through OGR, every coordinate is on the heap (about 420 MiB with the world's
		 * data); mapped from the snapshot just written, only what is drawn is resident. */
		geodata *mapped = geodata_load(&o->data, &gerr);
		if (mapped && geodata_from_snapshot(mapped)) {
			geodata_destroy(s->gd);
			s->gd = mapped;
			malloc_trim(0);
		} else {
			geodata_destroy(mapped);
		}
	}
	/* The cache first: a briefing's reload purges its tiles from it. */
	size_t mb = o->cache_mb > 0 ? (size_t)o->cache_mb : SERVER_CACHE_MB_DEFAULT;
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

/* The render workers: one per core unless told, at most 256. */
static int workers_start(server *s, server_error *err)
{
	const server_options *opts = s->opts;
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
	                        .rendered = metrics_record_render,
	                        .ud = s};
	s->jobs = job_queue_create(&jo);
	if (!s->jobs) {
		set_err(err, "cannot start render threads");
		return -1;
	}
	s->nworkers = nthreads;
	return 0;
}

static void log_serving(const server *s)
{
	const server_options *opts = s->opts;
	log_line("briefmap: %d render threads, tile cache %d MiB, briefings from %s", s->nworkers,
	         opts->cache_mb > 0 ? opts->cache_mb : SERVER_CACHE_MB_DEFAULT,
	         opts->events_path ? opts->events_path
	                           : (opts->briefings_dir ? opts->briefings_dir : DEFAULT_BRIEFINGS));
	log_line("briefmap: at most %u connections, %u per client address; a request has %u s to "
	         "arrive",
	         s->policy.conn_limit, s->policy.per_ip, s->policy.timeout_s);
	log_line("briefmap: serving on http://%s/", s->host);
	fflush(stderr);
}

/* Blocks until SIGINT or SIGTERM; SIGHUP reopens the access log (after logrotate moved it). */
static void wait_for_stop(server *s)
{
	sigset_t wait_set;
	sigemptyset(&wait_set);
	sigaddset(&wait_set, SIGINT);
	sigaddset(&wait_set, SIGTERM);
	sigaddset(&wait_set, SIGHUP);
	int sig = 0;
	while (sigwait(&wait_set, &sig) != 0 || sig == SIGHUP) {
		server_error lerr = {{0}};
		if (sig == SIGHUP && accesslog_reopen(s->alog, lerr.msg, sizeof lerr.msg) < 0)
			log_line("briefmap: %s", lerr.msg);
		sig = 0;
	}
	log_line("briefmap: %s received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
}

static void drain_and_stop(server *s)
{
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
}

/* The threads beside the requests: the briefings watcher, and the upkeep of the mapped data. */
static int background_start(server *s, server_error *err)
{
	s->watcher = watch_start(s->bs);
	if (!s->watcher) {
		set_err(err, "cannot start the briefings watcher");
		return -1;
	}
	s->upkeep = upkeep_start(s->gd, MAPPED_BUDGET_MB << 20);
	if (!s->upkeep) {
		set_err(err, "cannot start the upkeep thread");
		return -1;
	}
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
	for (size_t i = 0; i <= routes_count(); i++)
		s->m.labels[i] = routes_label(i);
	s->m.nlabels = routes_count() + 1;
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

	if (workers_start(s, err) < 0)
		goto out_workers;
	if (background_start(s, err) < 0)
		goto out_workers;
	atomic_store(&s->loaded, 1);

	log_serving(s);

	wait_for_stop(s);

	drain_and_stop(s);
	rc = 0;
out_watcher:
out_workers:
	upkeep_stop(s->upkeep);
	s->upkeep = NULL;
	/* The watcher stops before the cache it purges goes. */
	watch_stop(s->watcher);
	s->watcher = NULL;
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
