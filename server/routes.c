/* routes.c: the one table of HTTP routes, and dispatch: path to route, briefing, method, handler. */
#include <stdio.h>
#include <string.h>

#include "httpd.h"

/* Longest path and query we parse; longer ones are refused with JSON before any work. */
#define MAX_PATH_LEN 8192
#define MAX_QUERY_LEN 4096

#define TOP ROUTE_AT_TOP
#define BOTH (ROUTE_AT_TOP | ROUTE_AT_BRIEFING)

/*
 * Every route, first match wins. A route is found by the path the client wrote
 * (under /b/{slug}/, by what follows the slug); what it needs of a briefing,
 * its caching, CORS and methods are read from here by dispatch, the answers
 * and /metrics. Adding a route is a line here and its handler.
 */
static const route routes[] = {
    {.name = "index", .path = "/", .handle = files_index, .where = BOTH,
     .briefing = ROUTE_ANY_BRIEFING, .cache = CC_STATIC, .allow = ROUTE_READ_METHODS},
    {.name = "embed", .path = "/embed", .handle = files_embed, .where = BOTH,
     .briefing = ROUTE_ONE_BRIEFING, .cache = CC_STATIC, .allow = ROUTE_READ_METHODS},
    {.name = "static", .path = "/static/", .prefix = 1, .handle = files_static, .where = BOTH,
     .cache = CC_STATIC, .allow = ROUTE_READ_METHODS},
    {.name = "tile", .path = "/tiles/", .prefix = 1, .rest_ok = tileroutes_is_tile,
     .handle = tileroutes_tile, .where = BOTH, .briefing = ROUTE_ONE_BRIEFING,
     .needs_briefing = tileroutes_needs_briefing, .cache = CC_TILES, .cors = 1,
     .allow = ROUTE_READ_METHODS},
    {.name = "tilejson", .path = "/tiles/", .prefix = 1, .rest_ok = tileroutes_is_tilejson,
     .handle = tileroutes_tilejson, .where = BOTH, .briefing = ROUTE_ONE_BRIEFING,
     .cache = CC_API, .cors = 1, .allow = ROUTE_READ_METHODS},
    {.name = "events", .path = "/api/events", .handle = apiroutes_events, .where = BOTH,
     .briefing = ROUTE_ONE_BRIEFING, .cache = CC_API, .cors = 1, .allow = ROUTE_READ_METHODS},
    {.name = "event", .path = "/api/events/", .prefix = 1, .rest_ok = apiroutes_is_event_id,
     .handle = apiroutes_event, .where = BOTH, .briefing = ROUTE_ONE_BRIEFING, .cache = CC_API,
     .cors = 1, .allow = ROUTE_READ_METHODS},
    {.name = "views", .path = "/api/views", .handle = apiroutes_views, .where = BOTH,
     .briefing = ROUTE_ONE_BRIEFING, .cache = CC_API, .cors = 1, .allow = ROUTE_READ_METHODS},
    {.name = "render", .path = "/render.", .prefix = 1, .rest_ok = sheetroutes_is_format,
     .handle = sheetroutes_render, .where = BOTH, .briefing = ROUTE_ONE_BRIEFING,
     .cache = CC_STATIC, .cors = 1, .allow = ROUTE_READ_METHODS},
    {.name = "healthz", .path = "/healthz", .handle = apiroutes_healthz, .where = TOP,
     .before_load = 1, .cache = CC_NONE, .allow = ROUTE_READ_METHODS},
    {.name = "metrics", .path = "/metrics", .handle = metrics_handle, .where = TOP,
     .cache = CC_NONE, .allow = ROUTE_READ_METHODS},
    {.name = "oembed", .path = "/oembed", .handle = apiroutes_oembed, .where = BOTH,
     .briefing = ROUTE_ONE_BRIEFING, .cache = CC_API, .cors = 1, .allow = ROUTE_READ_METHODS},
    {.name = "readyz", .path = "/readyz", .handle = apiroutes_readyz, .where = TOP,
     .cache = CC_NONE, .allow = ROUTE_READ_METHODS},
    {.name = "wmts", .path = "/wmts/1.0.0/WMTSCapabilities.xml", .handle = tileroutes_wmts,
     .where = TOP, .briefing = ROUTE_ONE_BRIEFING, .cache = CC_API, .cors = 1,
     .allow = ROUTE_READ_METHODS},
    {.name = "style", .path = "/api/style", .handle = apiroutes_style, .where = BOTH,
     .briefing = ROUTE_ONE_BRIEFING, .cache = CC_API, .cors = 1, .allow = ROUTE_READ_METHODS},
    {.name = "briefing", .path = "/api/briefing", .handle = apiroutes_briefing, .where = BOTH,
     .briefing = ROUTE_ONE_BRIEFING, .unloaded_ok = 1, .cache = CC_API, .cors = 1,
     .allow = ROUTE_READ_METHODS},
    {.name = "article", .path = "/api/article", .handle = apiroutes_article, .where = BOTH,
     .briefing = ROUTE_ONE_BRIEFING, .cache = CC_API, .cors = 1, .allow = ROUTE_READ_METHODS},
    {.name = "briefings", .path = "/api/briefings", .handle = apiroutes_briefings, .where = TOP,
     .cache = CC_API, .cors = 1, .allow = ROUTE_READ_METHODS},
};
#define NROUTES (sizeof routes / sizeof routes[0])
/* Per-route counters have a slot for each route and one for "other". */
_Static_assert(NROUTES + 1 <= ROUTES_MAX, "ROUTES_MAX holds every route and \"other\"");

size_t routes_count(void)
{
	return NROUTES;
}

const char *routes_label(size_t i)
{
	return i < NROUTES ? routes[i].name : "other";
}

/* The route of `path` found `where`, with the rest after its prefix; NULL for none. */
static const route *route_find(const char *path, unsigned where, const char **rest)
{
	for (size_t i = 0; i < NROUTES; i++) {
		const route *rt = &routes[i];
		size_t n = strlen(rt->path);
		if (!(rt->where & where))
			continue;
		if (rt->prefix ? strncmp(path, rt->path, n) != 0 : strcmp(path, rt->path) != 0)
			continue;
		if (rt->rest_ok && !rt->rest_ok(path + n))
			continue;
		*rest = path + n;
		return rt;
	}
	/* A path found elsewhere only (/healthz under /b/{slug}/) is no route here. */
	*rest = "";
	return NULL;
}

/* Whether `method` is one of the comma-separated `allow`. */
static int method_allowed(const char *allow, const char *method)
{
	size_t n = strlen(method);
	for (const char *p = allow; (p = strstr(p, method)) != NULL; p += n)
		if ((p == allow || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
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
	return reply_redirect(r, loc, 0);
}

static enum MHD_Result reply_options(request *r)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	reply_header(resp, MHD_HTTP_HEADER_ALLOW, r->rt->allow);
	reply_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
	reply_header(resp, "Access-Control-Allow-Methods", r->rt->allow);
	reply_header(resp, "Access-Control-Allow-Headers",
	             "If-None-Match, Content-Type, Cache-Control");
	reply_header(resp, "Access-Control-Max-Age", "86400");
	return reply_send(r, MHD_HTTP_NO_CONTENT, resp, 0, NULL);
}

/* Whether the route answers for one briefing here, which must then be served. */
static int needs_briefing(const request *r, const char *rest)
{
	const route *rt = r->rt;
	if (!rt || rt->briefing == ROUTE_NO_BRIEFING)
		return 0;
	if (rt->briefing == ROUTE_ANY_BRIEFING)
		return r->in_briefing;
	return !rt->needs_briefing || rt->needs_briefing(rest);
}

/* The briefing of the request: 0 when it may go on, else the answer is queued (-1). */
static int briefing_check(request *r, const char *rest, enum MHD_Result *ret)
{
	int needs = needs_briefing(r, rest);
	if (!r->in_briefing && r->rt && (needs || r->rt->briefing == ROUTE_ANY_BRIEFING))
		r->b = briefings_default(r->srv->bs);
	if (!needs)
		return 0;
	if (!r->b) {
		*ret = reply_error(r, MHD_HTTP_NOT_FOUND, "no briefing is served");
		return -1;
	}
	/* A briefing bad from the start has nothing to map: its problem says why. */
	if (!r->b->scene && !r->rt->unloaded_ok) {
		char msg[400];
		snprintf(msg, sizeof msg, "briefing %s cannot be served: %s", r->b->slug,
		         r->b->problem ? r->b->problem : "not loaded");
		*ret = reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, msg);
		return -1;
	}
	return 0;
}

/* The path of the request target, checked and with its escapes decoded but "%2F"; 0 or -1. */
static int path_read(request *r, char path[MAX_PATH_LEN + 1], const char **rawq,
                     enum MHD_Result *ret)
{
	const char *raw = r->uri ? r->uri : "/";
	const char *qmark = strchr(raw, '?');
	size_t pathlen = qmark ? (size_t)(qmark - raw) : strlen(raw);
	*rawq = qmark ? qmark + 1 : NULL;
	if (pathlen > MAX_PATH_LEN) {
		*ret = reply_error(r, MHD_HTTP_URI_TOO_LONG, "URL too long");
		return -1;
	}
	if (*rawq && strlen(*rawq) > MAX_QUERY_LEN) {
		*ret = reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "query string too long");
		return -1;
	}
	memcpy(path, raw, pathlen);
	path[pathlen] = '\0';
	/* Fragments never reach a server; a raw '#' is as malformed as a bad escape. */
	int drc = path[0] != '/' || strchr(path, '#') ? -1 : query_pct_decode(path, 0, 0);
	/* Routes are read from the slashes the client wrote: "%2F" separates nothing, and no
	 * route has a '/' inside a segment. */
	if (drc == -2)
		*ret = reply_error(r, MHD_HTTP_NOT_FOUND,
		                   "no such route (an encoded '/' is not a path separator)");
	else if (drc < 0)
		*ret = reply_error(r, MHD_HTTP_BAD_REQUEST, "malformed URL");
	return drc < 0 ? -1 : 0;
}

enum MHD_Result routes_dispatch(request *r, const char *method)
{
	enum MHD_Result ret = MHD_NO;
	char path[MAX_PATH_LEN + 1];
	const char *rawq;
	r->rt = NULL;
	r->route = (int)NROUTES;
	if (path_read(r, path, &rawq, &ret) < 0)
		return ret;
	const char *sub = path, *rest = "";
	r->in_briefing = strncmp(path, "/b/", 3) == 0;
	int split = r->in_briefing ? briefing_path_split(r, path, &sub) : 0;
	if (split == 0)
		r->rt = route_find(sub, r->in_briefing ? ROUTE_AT_BRIEFING : ROUTE_AT_TOP, &rest);
	if (r->rt)
		r->route = (int)(r->rt - routes);

	if (strcmp(method, "OPTIONS") == 0) {
		if (!r->rt || !method_allowed(r->rt->allow, method))
			return reply_error(r, MHD_HTTP_NOT_FOUND, "no such route");
		return reply_options(r);
	}
	if (!method_allowed(r->rt ? r->rt->allow : ROUTE_READ_METHODS, method))
		return reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	/* Listening starts before the load: until it is over, only /healthz says yes. */
	if (!atomic_load(&r->srv->loaded) && !(r->rt && r->rt->before_load))
		return reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "loading data");
	if (split < 0)
		return reply_error(r, MHD_HTTP_NOT_FOUND, "no such briefing");
	if (split > 0)
		return reply_slash(r);
	if (briefing_check(r, rest, &ret) < 0)
		return ret;

	query q;
	int qrc = query_parse(&q, rawq);
	if (qrc < 0) {
		query_finish(&q);
		if (qrc == -2)
			return reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too many query parameters");
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "malformed query string");
	}
	ret = r->rt ? r->rt->handle(r, rest, &q)
	            : reply_error(r, MHD_HTTP_NOT_FOUND, "no such route");
	query_finish(&q);
	return ret;
}
