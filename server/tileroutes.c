/* tileroutes.c: XYZ tiles, their TileJSON and the WMTS capabilities of every tileset. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"

#define ATTRIBUTION_BASE "Natural Earth; cities: SimpleMaps (CC BY 4.0)"
#define ATTRIBUTION_EVENTS "events from the article"

static const char *const tileset_descr[] = {
    [TILE_TILESET_BRIEFING] = "Base map of the region with the article's events",
    [TILE_TILESET_BASE] = "Base map of the region: land, countries, states and cities",
    [TILE_TILESET_EVENTS] = "The article's events alone, transparent, to lay over another base map",
};
_Static_assert(sizeof tileset_descr / sizeof tileset_descr[0] == TILE_TILESET_COUNT,
               "every tileset has a description");

int tileroutes_is_tilejson(const char *rest)
{
	size_t n = strlen(rest);
	return !strchr(rest, '/') && n > 5 && strcmp(rest + n - 5, ".json") == 0;
}

int tileroutes_needs_briefing(const char *rest)
{
	char name[32];
	size_t n = strcspn(rest, "/");
	if (n >= sizeof name)
		return 1;
	memcpy(name, rest, n);
	name[n] = '\0';
	int ts = tile_tileset_from_name(name);
	return ts < 0 || tile_tileset_uses_events((tile_tileset)ts);
}

/* The revision of a tileset as the request's briefing serves it: 16 hex digits. */
static void tile_revision(const request *r, tile_tileset ts, char out[17])
{
	uint64_t h = tile_key_revision(ts, r->srv->data_version, r->b ? r->b->events_hash : 0,
	                               r->b ? r->b->slug : NULL);
	snprintf(out, 17, "%016" PRIx64, h);
}

/*
 * A tile asked for at a revision that is no longer current is redirected to the
 * current one rather than refused: a page or TileJSON fetched before an edit
 * keeps showing a map, and its next requests land on immutable URLs. The
 * Location is relative (the last path segment), so it holds behind any prefix.
 */
static enum MHD_Result reply_stale_revision(request *r, const char *last_seg, const char *rev,
                                            const query *q)
{
	const char *until = query_get(q, "until"), *lang = query_get(q, "lang");
	char loc[160];
	/* `until` passed geodata_date_parse and `lang` tile_sheet_lang_find: nothing to escape. */
	snprintf(loc, sizeof loc, "%s?v=%s%s%.32s%s%.8s", last_seg, rev, until ? "&until=" : "",
	         until ? until : "", lang ? "&lang=" : "", lang ? lang : "");
	return reply_redirect(r, loc, 1);
}

/* The scene a tile is drawn from: the briefing's, or for the base map any scene at all. */
static tile_scene *tile_scene_for(request *r, tile_tileset ts)
{
	tile_scene *sc = request_scene(r);
	/* The base map is one for all: every scene places its labels apart from the events'. */
	if (!tile_tileset_uses_events(ts) && !sc) {
		brief *d = briefings_default(r->srv->bs);
		sc = tile_scene_ref(d && d->scene ? d->scene : r->srv->base_scene);
		brief_unref(d);
	}
	return sc;
}

/* Reads the request into the tile it asks for; 0, or an HTTP status with `*msg`. */
static unsigned tile_request(request *r, const char *rest, const query *q, tile_key *k,
                             const char **msg)
{
	params_tile t;
	int prc = params_tile_http(&t, rest, q, msg);
	if (prc == PARAMS_ENOTFOUND)
		return MHD_HTTP_NOT_FOUND;
	if (prc != 0)
		return MHD_HTTP_BAD_REQUEST;
	int ts_events = tile_tileset_uses_events(t.tileset);
	const char *slug = ts_events && r->b ? r->b->slug : NULL;
	if (tile_key_init(k, t.tileset, t.z, t.x, t.y, t.scale, t.format, t.until,
	                  r->b ? r->b->events_hash : 0, slug) != 0) {
		*msg = "tile out of range";
		return MHD_HTTP_NOT_FOUND;
	}
	tile_key_set_lang(k, t.lang);
	return 0;
}

enum MHD_Result tileroutes_tile(request *r, const char *rest, const query *q)
{
	server *s = r->srv;
	tile_key *k = &r->j.tile;
	const char *msg = NULL;
	unsigned st = tile_request(r, rest, q, k, &msg);
	if (st)
		return reply_error(r, st, msg);
	const char *want = query_get(q, "v");
	if (want && (strlen(want) != 16 || strspn(want, "0123456789abcdef") != 16))
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "v must be a revision (16 hex digits)");
	if (want) {
		char rev[17];
		tile_revision(r, k->tileset, rev);
		if (strcmp(want, rev) != 0) {
			const char *last = strrchr(rest, '/');
			return reply_stale_revision(r, last ? last + 1 : rest, rev, q);
		}
		r->tile_immutable = 1;
	}
	uint64_t tag = tile_key_tag(k);
	reply_etag_format(r->etag, tile_key_hash(k, s->data_version));
	job *j = &r->j;
	if (tile_key_cache_key(k, j->key, sizeof j->key) < 0)
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "tile key too long");
	tile_blob *blob = tile_cache_get(s->cache, j->key);
	if (reply_not_modified(r, r->etag)) {
		reply_opts o = reply_route_opts(r, NULL);
		o.etag = r->etag;
		if (r->tile_immutable)
			o.cache = CC_IMMUTABLE;
		o.full_len = blob && blob->tag == tag ? blob->len : 0;
		tile_blob_unref(blob);
		return reply_304(r, &o);
	}
	if (blob && blob->tag == tag) {
		r->cache_note = "hit";
		return renders_reply_tile(r, blob);
	}
	/* A blob from before an events reload that raced the purge counts as a miss. */
	tile_blob_unref(blob);
	j->kind = JOB_TILE;
	j->tag = tag;
	r->cache_note = "render";
	return renders_submit(r, tile_scene_for(r, k->tileset));
}

/* The attribution names the briefing's article, and the title its headline. */
static void tilejson_names(tile_tileset ts, const geodata_briefing *meta, char *attribution,
                           size_t acap, char *title, size_t tcap)
{
	const char *headline = meta && meta->headline ? meta->headline : NULL;
	const char *name = tile_tileset_name(ts);
	if (!tile_tileset_uses_events(ts))
		snprintf(attribution, acap, "%s", ATTRIBUTION_BASE);
	else if (headline)
		snprintf(attribution, acap, "%s; events from the article \"%.300s\"%s%.100s",
		         ATTRIBUTION_BASE, headline, meta->outlet ? ", " : "",
		         meta->outlet ? meta->outlet : "");
	else
		snprintf(attribution, acap, "%s; %s", ATTRIBUTION_BASE, ATTRIBUTION_EVENTS);
	if (headline && tile_tileset_uses_events(ts))
		snprintf(title, tcap, "briefmap %s: %.300s", name, headline);
	else
		snprintf(title, tcap, "briefmap %s", name);
}

/* The briefing's default view (else its first one), else the first version's region. */
static geodata_bbox tilejson_bounds(request *r, const geodata_briefing *meta)
{
	geodata_bbox b = {-120.0, 2.0, -58.0, 35.0};
	const geodata_view *region =
	    meta && meta->default_view ? geodata_views_find(r->b->views->views, meta->default_view)
	                               : NULL;
	if (!region && geodata_views_count(r->b->views->views) > 0)
		region = geodata_views_get(r->b->views->views, 0);
	if (region)
		b = region->bbox;
	return b;
}

/* "NAME.json", "NAME@2x.json" or "?scale=2": 512 px tiles, for MapLibre's tileSize 512. */
static int tilejson_name(const char *rest, const query *q, char name[32], int *scale)
{
	size_t n = strlen(rest) - 5; /* without ".json" */
	if (n == 0 || n >= 32)
		return -1;
	memcpy(name, rest, n);
	name[n] = '\0';
	*scale = 1;
	if (n > 3 && strcmp(name + n - 3, "@2x") == 0) {
		name[n - 3] = '\0';
		*scale = 2;
	}
	const char *scale_s = query_get(q, "scale");
	if (scale_s && strcmp(scale_s, "1") != 0 && strcmp(scale_s, "2") != 0)
		return -2;
	if (scale_s && scale_s[0] == '2')
		*scale = 2;
	return 0;
}

enum MHD_Result tileroutes_tilejson(request *r, const char *rest, const query *q)
{
	char name[32];
	int scale;
	int nrc = tilejson_name(rest, q, name, &scale);
	if (nrc == -2)
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "scale must be 1 or 2");
	int tsi = nrc == 0 ? tile_tileset_from_name(name) : -1;
	if (tsi < 0)
		return reply_error(r, MHD_HTTP_NOT_FOUND, "no such tileset");
	tile_tileset ts = (tile_tileset)tsi;
	geodata_day until;
	const char *until_s = query_get(q, "until");
	if (query_until_parse(q, &until) < 0)
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "until must be a date YYYY-MM-DD");
	char base[600], url[800], rev[17];
	request_base(r, base, sizeof base);
	tile_revision(r, ts, rev);
	char untilq[48] = "";
	/* Only digits and dashes pass geodata_date_parse, so the value needs no escaping. */
	if (until_s && tile_tileset_uses_events(ts))
		snprintf(untilq, sizeof untilq, "&until=%.32s", until_s);
	/* The tiles name places in the language asked for; a language they lack is refused. */
	const char *lang_s = query_get(q, "lang"), *lang = NULL;
	if (lang_s && !(lang = tile_sheet_lang_find(lang_s)))
		return reply_error(r, MHD_HTTP_BAD_REQUEST, "lang must be en or es");
	char langq[16] = "";
	if (lang)
		snprintf(langq, sizeof langq, "&lang=%s", lang);
	const tile_image_codec *png = tile_image_codec_get(TILE_IMAGE_PNG);
	/* Under /b/{slug}/ a briefing's tiles keep its prefix; the base map's are at the root. */
	char bpre[GEODATA_SLUG_MAX + 4] = "";
	if (tile_tileset_uses_events(ts) && r->in_briefing)
		snprintf(bpre, sizeof bpre, "/b/%s", r->b->slug);
	snprintf(url, sizeof url, "%s%s/tiles/%s/{z}/{x}/{y}%s.%s?v=%s%s%s", base, bpre, name,
	         scale == 2 ? "@2x" : "", png->ext, rev, untilq, langq);

	tile_scene *msc = request_scene(r);
	const geodata_briefing *meta =
	    msc && tile_scene_events(msc) ? geodata_events_briefing(tile_scene_events(msc)) : NULL;
	geodata_bbox b = tilejson_bounds(r, meta);
	char attribution[600], title[400];
	tilejson_names(ts, meta, attribution, sizeof attribution, title, sizeof title);
	/* The article's caveats travel with the tiles into any client that shows a description. */
	char cav[4096] = "", description[4300];
	tile_caveats_text(tile_scene_events(msc), 1, cav, sizeof cav);
	tile_scene_unref(msc);
	snprintf(description, sizeof description, "%s.%s%s", tileset_descr[ts], cav[0] ? " " : "",
	         cav);

	json_object *j = json_object_new_object();
	json_object *tiles = json_object_new_array();
	json_object *bounds = json_object_new_array();
	json_object *center = json_object_new_array();
	if (!j || !tiles || !bounds || !center) {
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
	reply_opts o = reply_route_opts(r, "application/json");
	return reply_json(r, j, &o);
}

enum MHD_Result tileroutes_wmts(request *r, const char *rest, const query *q)
{
	char base[600];
	request_base(r, base, sizeof base);
	geodata_bbox b = {-180.0, -85.0511, 180.0, 85.0511};
	wmts_layer layers[TILE_TILESET_COUNT];
	char revs[TILE_TILESET_COUNT][17], titles[TILE_TILESET_COUNT][64];
	for (int t = 0; t < TILE_TILESET_COUNT; t++) {
		tile_revision(r, (tile_tileset)t, revs[t]);
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
	reply_opts o = reply_route_opts(r, "application/xml; charset=utf-8");
	enum MHD_Result ret = reply_copy(r, xml, strlen(xml), &o);
	free(xml);
	return ret;
}

int tileroutes_is_tile(const char *rest)
{
	return !tileroutes_is_tilejson(rest);
}
