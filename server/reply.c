/* reply.c: HTTP responses of `briefmap serve`: headers, entity tags, 304s, gzip, JSON errors. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"

reply_opts reply_route_opts(const request *r, const char *ctype)
{
	reply_opts o = {.ctype = ctype};
	if (r->rt) {
		o.cache = r->rt->cache;
		o.cors = r->rt->cors;
	}
	return o;
}

void reply_header(struct MHD_Response *resp, const char *name, const char *value)
{
	/* Fails only for values with CR/LF, which we never build. */
	if (value)
		(void)MHD_add_response_header(resp, name, value);
}

static void add_common(struct MHD_Response *resp, const reply_opts *o)
{
	reply_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, o->ctype);
	reply_header(resp, MHD_HTTP_HEADER_ETAG, o->etag);
	reply_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, o->cache);
	reply_header(resp, "Content-Disposition", o->disposition);
	reply_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, o->last_modified);
	reply_header(resp, "X-Content-Type-Options", "nosniff");
	reply_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, o->encoding);
	if (o->vary)
		reply_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (o->cors) {
		reply_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
		reply_header(resp, "Access-Control-Expose-Headers", "ETag, Content-Disposition");
	}
}

enum MHD_Result reply_send(request *r, unsigned status, struct MHD_Response *resp, size_t len,
                           const reply_opts *o)
{
	if (!resp)
		return MHD_NO;
	if (o)
		add_common(resp, o);
	/* While stopping, connections are not kept alive: they would hold the stop up. */
	if (atomic_load(&r->srv->closing) || r->must_close)
		reply_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	r->status = (int)status;
	r->bytes = r->is_head ? 0 : len;
	enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result reply_error(request *r, unsigned status, const char *msg)
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
		reply_header(resp, MHD_HTTP_HEADER_ALLOW, r->rt ? r->rt->allow : ROUTE_READ_METHODS);
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		reply_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
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

int reply_not_modified(request *r, const char *etag)
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
enum MHD_Result reply_304(request *r, const reply_opts *o)
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

enum MHD_Result reply_headers_only(request *r, const reply_opts *o)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, no_body, NULL, NULL);
	return reply_send(r, MHD_HTTP_OK, resp, 0, o);
}

int reply_gzip_wanted(request *r, reply_opts *o)
{
	if (!compress_type_ok(o->ctype))
		return 0;
	o->vary = 1;
	return compress_accepts_gzip(MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	                                                         MHD_HTTP_HEADER_ACCEPT_ENCODING));
}

void reply_etag_format(char out[24], uint64_t h)
{
	snprintf(out, 24, "\"%016" PRIx64 "\"", h);
}

void reply_etag_gz(char out[24], const char *etag)
{
	snprintf(out, 24, "%.*s-gz\"", (int)strlen(etag) - 1, etag);
}

enum MHD_Result reply_copy(request *r, const void *data, size_t len, const reply_opts *o)
{
	char tag[24], gztag[24];
	reply_opts ro = *o;
	if (!ro.etag) {
		/* Every 200 has a strong tag; for generated bodies the body's own hash does. */
		reply_etag_format(tag, tile_hash_add(TILE_HASH_INIT, data, len));
		ro.etag = tag;
	}
	unsigned char *gz = NULL;
	size_t gzlen = 0;
	if (reply_gzip_wanted(r, &ro) && compress_gzip(data, len, &gz, &gzlen) == 0) {
		reply_etag_gz(gztag, ro.etag);
		ro.etag = gztag;
		ro.encoding = "gzip";
		data = gz;
		len = gzlen;
	}
	enum MHD_Result ret;
	ro.full_len = len;
	if (reply_not_modified(r, ro.etag))
		ret = reply_304(r, &ro);
	else
		ret = reply_send(
		    r, MHD_HTTP_OK,
		    MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY), len,
		    &ro);
	free(gz);
	return ret;
}

enum MHD_Result reply_json(request *r, json_object *j, const reply_opts *o)
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

enum MHD_Result reply_blob(request *r, tile_blob *blob, const reply_opts *o)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
	    blob->len, blob->data, free_blob, blob);
	if (!resp) {
		tile_blob_unref(blob);
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	return reply_send(r, MHD_HTTP_OK, resp, blob->len, o);
}

enum MHD_Result reply_redirect(request *r, const char *location, int cors)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	reply_header(resp, MHD_HTTP_HEADER_LOCATION, location);
	reply_opts o = {.cache = CC_NONE, .cors = cors};
	return reply_send(r, MHD_HTTP_FOUND, resp, 0, &o);
}
