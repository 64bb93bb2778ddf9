/* apiroutes.c: the JSON API (briefings, events, views, style), oEmbed, and the health probes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "oembed.h"

int apiroutes_is_event_id(const char *rest)
{
	return rest[0] && !strchr(rest, '/');
}

static void free_events(void *cls)
{
	geodata_events_unref(cls);
}

enum MHD_Result apiroutes_oembed(request *r, const char *rest, const query *q)
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
	reply_opts o = reply_route_opts(r, "application/json");
	enum MHD_Result ret = reply_copy(r, a.body, strlen(a.body), &o);
	free(a.body);
	return ret;
}

/* Ready once the data is loaded and every zoom's labels are placed: tiles then never wait. */
enum MHD_Result apiroutes_readyz(request *r, const char *rest, const query *q)
{
	int ready = briefings_placed(r->srv->bs);
	if (!ready)
		return reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "label placement under way");
	reply_opts o = reply_route_opts(r, "text/plain; charset=utf-8");
	return reply_copy(r, "ready\n", 6, &o);
}

/*
 * Answers `body` (len bytes, owned by `ev`, whose reference this takes over)
 * with an ETag of the events' revision and `salt`: gzip when asked, 304 when
 * current, else the bytes themselves without a copy.
 */
static enum MHD_Result reply_events_owned(request *r, geodata_events *ev, const char *body,
                                          size_t len, const char *ctype, const char *salt)
{
	uint64_t h = tile_hash_u64(TILE_HASH_INIT, geodata_events_hash(ev));
	h = tile_hash_str(h, salt);
	char etag[24];
	reply_etag_format(etag, h);
	reply_opts o = reply_route_opts(r, ctype);
	o.etag = etag;
	reply_opts probe = o;
	if (reply_gzip_wanted(r, &probe)) {
		enum MHD_Result zret = reply_copy(r, body, len, &o);
		geodata_events_unref(ev);
		return zret;
	}
	o.vary = probe.vary;
	o.full_len = len;
	if (reply_not_modified(r, etag)) {
		geodata_events_unref(ev);
		return reply_304(r, &o);
	}
	/* The reference keeps the bytes alive while they are sent. */
	struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
	    len, (void *)body, free_events, ev);
	if (!resp) {
		geodata_events_unref(ev);
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	return reply_send(r, MHD_HTTP_OK, resp, len, &o);
}

static enum MHD_Result handle_events(request *r, const char *id)
{
	tile_scene *sc = request_scene(r);
	geodata_events *ev = tile_scene_events(sc);
	ev = ev ? geodata_events_ref(ev) : NULL;
	tile_scene_unref(sc);
	if (!ev) {
		if (id)
			return reply_error(r, MHD_HTTP_NOT_FOUND, "no such event");
		json_object *j = json_object_new_object();
		json_object_object_add(j, "type", json_object_new_string("FeatureCollection"));
		json_object_object_add(j, "features", json_object_new_array());
		reply_opts o = reply_route_opts(r, "application/geo+json");
		return reply_json(r, j, &o);
	}
	const char *body = NULL;
	int found = !id;
	if (id) {
		size_t n = geodata_events_count(ev);
		for (size_t i = 0; i < n && !found; i++)
			if (strcmp(geodata_events_get(ev, i)->id, id) == 0) {
				body = geodata_event_geojson(ev, i);
				found = 1;
			}
	} else {
		body = geodata_events_geojson(ev);
	}
	if (!body) {
		geodata_events_unref(ev);
		/* Written when the briefing was loaded; NULL here means memory ran out since. */
		return found ? reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		                           "out of memory writing the events' GeoJSON")
		             : reply_error(r, MHD_HTTP_NOT_FOUND, "no such event");
	}
	return reply_events_owned(r, ev, body, strlen(body), "application/geo+json", id ? id : "");
}

/*
 * /api/article: article.txt as the quotes' byte offsets count it, so that a
 * page can show a quote in its paragraph; 404 when the briefing has none.
 */
enum MHD_Result apiroutes_article(request *r, const char *rest, const query *q)
{
	tile_scene *sc = request_scene(r);
	geodata_events *ev = tile_scene_events(sc);
	ev = ev ? geodata_events_ref(ev) : NULL;
	tile_scene_unref(sc);
	size_t len;
	const char *text = geodata_events_article(ev, &len);
	if (!text) {
		geodata_events_unref(ev);
		return reply_error(r, MHD_HTTP_NOT_FOUND, "this briefing has no article.txt");
	}
	/* "\n" cannot be an event id: the article's ETag never equals an event's. */
	return reply_events_owned(r, ev, text, len, "text/plain; charset=utf-8", "\n");
}

enum MHD_Result apiroutes_views(request *r, const char *rest, const query *q)
{
	brief_views *v = r->b->views;
	reply_opts o = reply_route_opts(r, "application/json");
	o.etag = v->etag;
	o.full_len = strlen(v->json);
	if (reply_not_modified(r, v->etag))
		return reply_304(r, &o);
	size_t len = strlen(v->json);
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, v->json, MHD_RESPMEM_MUST_COPY);
	return reply_send(r, MHD_HTTP_OK, resp, len, &o);
}


enum MHD_Result apiroutes_events(request *r, const char *rest, const query *q)
{
	return handle_events(r, NULL);
}

enum MHD_Result apiroutes_event(request *r, const char *rest, const query *q)
{
	return handle_events(r, rest);
}

enum MHD_Result apiroutes_style(request *r, const char *rest, const query *q)
{
	/* The words in the language asked for; a language the outputs do not speak is refused. */
	const char *lang_s = query_get(q, "lang"), *lang = NULL;
	if (lang_s && !(lang = tile_sheet_lang_find(lang_s)))
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "lang must be en or es");
	tile_scene *sc = request_scene(r);
	reply_opts o = reply_route_opts(r, "application/json");
	enum MHD_Result ret = reply_json(r, style_json(tile_scene_events(sc), lang), &o);
	tile_scene_unref(sc);
	return ret;
}

/* /api/briefing: the briefing's metadata and caveats, and its problem when its last load failed. */
enum MHD_Result apiroutes_briefing(request *r, const char *rest, const query *q)
{
	reply_opts o = reply_route_opts(r, "application/json");
	return reply_json(r, listpage_briefing(r->b), &o);
}

enum MHD_Result apiroutes_briefings(request *r, const char *rest, const query *q)
{
	char *body = listpage_briefings_json(r->srv->bs);
	if (!body)
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	reply_opts o = reply_route_opts(r, "application/json");
	enum MHD_Result ret = reply_copy(r, body, strlen(body), &o);
	free(body);
	return ret;
}

enum MHD_Result apiroutes_healthz(request *r, const char *rest, const query *q)
{
	reply_opts o = reply_route_opts(r, "text/plain; charset=utf-8");
	return reply_copy(r, "ok\n", 3, &o);
}
