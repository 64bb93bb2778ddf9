/* files.c: the front end's files under /static/ (and Leaflet's), and the web pages. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"
#include "oembed.h"

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
	uint64_t h = tile_hash_u64(TILE_HASH_INIT, (uint64_t)st.st_mtim.tv_sec);
	h = tile_hash_u64(h, (uint64_t)st.st_mtim.tv_nsec);
	h = tile_hash_u64(h, (uint64_t)st.st_size);
	h = tile_hash_u64(h, (uint64_t)st.st_ino);
	reply_etag_format(etag, h);
	char lm[64];
	struct tm tm;
	gmtime_r(&st.st_mtim.tv_sec, &tm);
	strftime(lm, sizeof lm, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	reply_opts o = reply_route_opts(r, ctype);
	o.etag = etag;
	o.last_modified = lm;
	char gztag[24];
	compress_blob *gz = NULL;
	if (reply_gzip_wanted(r, &o)) {
		reply_etag_gz(gztag, etag);
		gz = compress_cache_get(r->srv->gz, rel, fd, h, (size_t)st.st_size);
		if (gz) {
			o.etag = gztag;
			o.encoding = "gzip";
		}
	}
	o.full_len = gz ? gz->len : (size_t)st.st_size;
	if (reply_not_modified(r, o.etag)) {
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

/* A web page with the oEmbed discovery link for the address it was asked by. */
static enum MHD_Result serve_page(request *r, const char *file)
{
	char origin[600];
	request_base(r, origin, sizeof origin);
	size_t len = 0;
	char *body = oembed_page(r->srv->static_root, file, origin, r->uri ? r->uri : "/", &len);
	if (!body)
		return serve_file(r, r->srv->static_root, file);
	reply_opts o = reply_route_opts(r, "text/html; charset=utf-8");
	enum MHD_Result ret = reply_copy(r, body, len, &o);
	free(body);
	return ret;
}

enum MHD_Result files_embed(request *r, const char *rest, const query *q)
{
	const char *view = query_get(q, "view");
	if (view && !geodata_views_find(r->b->views->views, view))
		return reply_error(r, MHD_HTTP_NOT_FOUND, "no such view");
	return serve_page(r, "embed.html");
}

enum MHD_Result files_static(request *r, const char *rest, const query *q)
{
	server *s = r->srv;
	if (strncmp(rest, "leaflet/", 8) == 0 && s->leaflet_root)
		return serve_file(r, s->leaflet_root, rest + 8);
	return serve_file(r, s->static_root, rest);
}

/* "/": the list of briefings, or the map itself when there is only one. */
enum MHD_Result files_index(request *r, const char *rest, const query *q)
{
	if (r->in_briefing)
		return serve_page(r, "index.html");
	size_t n;
	brief **list = briefings_snapshot(r->srv->bs, &n);
	briefings_snapshot_free(list, n);
	if (n == 1 && r->b && r->b->scene)
		return serve_page(r, "index.html");
	return serve_page(r, "list.html");
}
