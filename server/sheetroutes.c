/* sheetroutes.c: GET /render.{png,pdf,svg}: briefing sheets, drawn by the render queue. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"

int sheetroutes_is_format(const char *rest)
{
	return tile_format_from_name(rest) >= 0;
}

static unsigned params_status(int rc)
{
	return rc == PARAMS_ENOTFOUND ? MHD_HTTP_NOT_FOUND
	       : rc == PARAMS_ETOOBIG ? MHD_HTTP_CONTENT_TOO_LARGE
	                              : MHD_HTTP_BAD_REQUEST;
}

/* What the sheet's bytes are made of: its ETag, and its key in the cache. */
static uint64_t sheet_hash(const request *r, const tile_sheet_request *req, const tile_scene *sc)
{
	const geodata_events *ev = tile_scene_events(sc);
	uint64_t h = tile_hash_str(TILE_HASH_INIT, "render");
	h = tile_hash_add(h, &req->bbox, sizeof req->bbox);
	h = tile_hash_u64(h, (uint64_t)req->width);
	h = tile_hash_u64(h, (uint64_t)req->height);
	h = tile_hash_u64(h, (uint64_t)req->scale);
	h = tile_hash_u64(h, (uint64_t)req->format);
	h = tile_hash_str(h, req->crs ? req->crs : "");
	h = tile_hash_str(h, req->title);
	h = tile_hash_u64(h, (uint64_t)(uint32_t)req->until);
	h = tile_hash_str(h, req->lang ? req->lang : "");
	h = tile_hash_u64(h, r->srv->data_version);
	h = tile_hash_u64(h, ev ? geodata_events_hash(ev) : 0);
	h = tile_hash_str(h, r->b->slug);
	return tile_hash_u64(h, (uint64_t)req->bare);
}

/* The request's own copies of its texts, made safe for every output; 0 or -1 without memory. */
static int sheet_texts(request *r, tile_sheet_request *req, const params_sheet *p)
{
	r->title = strdup(req->title);
	r->crs = req->crs ? strdup(req->crs) : NULL;
	if (!r->title || (req->crs && !r->crs))
		return -1;
	/* The title goes into SVG and PDF text: only characters XML allows. */
	query_text_sanitize(r->title);
	req->title = r->title;
	req->crs = r->crs;
	req->made_at = (int64_t)r->b->data_time;
	snprintf(r->filename, sizeof r->filename, "briefmap-%s.%s", p->view ? p->view : "map",
	         tile_sheet_format_get(req->format)->ext);
	/* Quotes and backslashes would break the Content-Disposition header. */
	for (char *c = r->filename; *c; c++)
		if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
			*c = '_';
	return 0;
}

enum MHD_Result sheetroutes_render(request *r, const char *rest, const query *q)
{
	server *s = r->srv;
	params_sheet p;
	int prc = params_sheet_http(&p, rest, q, r->b->views->views);
	if (prc != 0)
		return reply_error(r, params_status(prc), p.msg);
	tile_sheet_request *req = &r->j.sheet;
	*req = p.req;
	if (sheet_texts(r, req, &p) < 0)
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	tile_scene *sc = request_scene(r);
	uint64_t hsh = sheet_hash(r, req, sc);
	reply_etag_format(r->etag, hsh);
	if (reply_not_modified(r, r->etag)) {
		tile_scene_unref(sc);
		reply_opts o = reply_route_opts(r, NULL);
		o.etag = r->etag;
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
		return renders_reply_sheet(r, blob);
	}
	tile_blob_unref(blob);
	/* HEAD answers from what the ETag is made of; drawing the sheet would only give its length. */
	if (r->is_head) {
		tile_scene_unref(sc);
		return renders_reply_sheet(r, NULL);
	}
	return renders_submit(r, sc);
}
