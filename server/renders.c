/* renders.c: a request's render job: queueing it, and answering once a worker has drawn it. */
#include <stdio.h>
#include <string.h>

#include "httpd.h"

enum MHD_Result renders_submit(request *r, tile_scene *sc)
{
	r->j.conn = r->conn;
	r->j.scene = sc;
	int rc = job_queue_submit(r->srv->jobs, &r->j);
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

enum MHD_Result renders_reply_tile(request *r, tile_blob *blob)
{
	reply_opts o = reply_route_opts(r, tile_image_codec_get(r->j.tile.format)->mime);
	o.etag = r->etag;
	if (r->tile_immutable)
		o.cache = CC_IMMUTABLE;
	return reply_blob(r, blob, &o);
}

enum MHD_Result renders_reply_sheet(request *r, tile_blob *blob)
{
	char disp[160];
	snprintf(disp, sizeof disp, "inline; filename=\"%s\"", r->filename);
	reply_opts o = reply_route_opts(r, tile_sheet_format_get(r->j.sheet.format)->mime);
	o.etag = r->etag;
	o.disposition = disp;
	/* HEAD of a sheet not drawn yet: every header but the length, without drawing it. */
	return blob ? reply_blob(r, blob, &o) : reply_headers_only(r, &o);
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

enum MHD_Result renders_done(request *r)
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
		return renders_reply_tile(r, b);
	return renders_reply_sheet(r, b);
}
