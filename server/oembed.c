/* oembed.c: GET /oembed (oEmbed 1.0, type rich) and the discovery link in the web pages. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include "oembed.h"

/* The embed snippet's size when the consumer sets no bound (as the web map's Embed button). */
#define EMBED_W 800
#define EMBED_H 500
#define MAX_URL 2048
#define MAX_PAGE (1024 * 1024)

typedef struct url_parts {
	char scheme[8];
	char host[256];
	char path[MAX_URL + 1];
	char query[MAX_URL + 1];
} url_parts;

static void fail(oembed_reply *out, unsigned status, const char *msg)
{
	out->status = status;
	snprintf(out->error, sizeof out->error, "%s", msg);
}

static int is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Every '%' starts a two-digit escape, and none encodes NUL. */
static int escapes_ok(const char *s)
{
	for (; *s; s++)
		if (*s == '%') {
			if (!is_hex((unsigned char)s[1]) || !is_hex((unsigned char)s[2]) ||
			    (s[1] == '0' && s[2] == '0'))
				return 0;
			s += 2;
		}
	return 1;
}

/* Host and port as a URL may carry them: a name or address, nothing that needs escaping. */
static int host_chars_ok(const char *h)
{
	if (!*h)
		return 0;
	for (; *h; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') ||
		      (*h >= '0' && *h <= '9') || strchr(".-:[]_", *h)))
			return 0;
	return 1;
}

/* Splits an absolute http(s) URL; the fragment is dropped. Returns 0, or -1 when malformed. */
static int url_split(const char *url, url_parts *u)
{
	size_t n = strlen(url);
	if (n == 0 || n > MAX_URL)
		return -1;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("\"<>\\^`{|}", *p))
			return -1;
	const char *rest;
	if (strncasecmp(url, "http://", 7) == 0) {
		snprintf(u->scheme, sizeof u->scheme, "http");
		rest = url + 7;
	} else if (strncasecmp(url, "https://", 8) == 0) {
		snprintf(u->scheme, sizeof u->scheme, "https");
		rest = url + 8;
	} else {
		return -1;
	}
	size_t hl = strcspn(rest, "/?#");
	if (hl == 0 || hl >= sizeof u->host)
		return -1;
	memcpy(u->host, rest, hl);
	u->host[hl] = '\0';
	if (!host_chars_ok(u->host))
		return -1;
	rest += hl;
	size_t pl = strcspn(rest, "?#");
	if (pl == 0)
		snprintf(u->path, sizeof u->path, "/");
	else {
		memcpy(u->path, rest, pl);
		u->path[pl] = '\0';
	}
	rest += pl;
	u->query[0] = '\0';
	if (*rest == '?') {
		size_t ql = strcspn(rest + 1, "#");
		memcpy(u->query, rest + 1, ql);
		u->query[ql] = '\0';
	}
	if (!escapes_ok(u->path) || !escapes_ok(u->query))
		return -1;
	MHD_http_unescape(u->path);
	return 0;
}

/* The decoded value of `key` in a raw query string, into `out`; 1 if found, 0 if not. */
static int query_value(const char *query, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key);
	for (const char *p = query; *p;) {
		size_t len = strcspn(p, "&");
		const char *eq = memchr(p, '=', len);
		size_t kl = eq ? (size_t)(eq - p) : len;
		if (kl == klen && memcmp(p, key, klen) == 0) {
			size_t vl = eq ? len - kl - 1 : 0;
			if (vl >= outlen)
				vl = outlen - 1;
			memcpy(out, eq ? eq + 1 : "", vl);
			out[vl] = '\0';
			for (char *c = out; *c; c++)
				if (*c == '+')
					*c = ' ';
			MHD_http_unescape(out);
			return 1;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	return 0;
}

/* A positive whole number of pixels; absent or empty leaves `*v` alone. Returns 0 or -1. */
static int parse_bound(const char *s, long *v)
{
	if (!s || !*s)
		return 0;
	size_t n = strlen(s);
	if (n > 6 || strspn(s, "0123456789") != n)
		return -1;
	long x = strtol(s, NULL, 10);
	if (x < 1)
		return -1;
	*v = x;
	return 0;
}

/* "host:port" of an origin "scheme://host:port". */
static const char *origin_host(const char *origin)
{
	const char *p = strstr(origin, "://");
	return p ? p + 3 : origin;
}

/* Appends `s` percent-encoded but for unreserved characters; stops short of `cap`. */
static void append_pct(char *out, size_t cap, size_t *len, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	if (*len >= cap)
		return;
	for (; *s && *len + 4 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c))
			out[(*len)++] = (char)c;
		else {
			out[(*len)++] = '%';
			out[(*len)++] = hex[c >> 4];
			out[(*len)++] = hex[c & 15];
		}
	}
	out[*len] = '\0';
}

/* Appends `s` escaped for an HTML attribute; stops short of `cap`. */
static void append_html(char *out, size_t cap, size_t *len, const char *s)
{
	if (*len >= cap)
		return;
	for (; *s; s++) {
		const char *r = NULL;
		switch (*s) {
		case '&':
			r = "&amp;";
			break;
		case '<':
			r = "&lt;";
			break;
		case '>':
			r = "&gt;";
			break;
		case '"':
			r = "&quot;";
			break;
		case '\'':
			r = "&#39;";
			break;
		default:
			break;
		}
		size_t rl = r ? strlen(r) : 1;
		if (*len + rl + 1 >= cap)
			break;
		if (r)
			memcpy(out + *len, r, rl);
		else
			out[*len] = *s;
		*len += rl;
	}
	out[*len] = '\0';
}

/* The view the url names, or the briefing's first; NULL when it names none. */
static const geodata_view *url_view(const geodata_views *views, const url_parts *u, int *named)
{
	char name[256];
	*named = query_value(u->query, "view", name, sizeof name) && name[0];
	if (*named)
		return geodata_views_find(views, name);
	return geodata_views_count(views) > 0 ? geodata_views_get(views, 0) : NULL;
}

/* Fits the snippet's size into the bounds, keeping its proportions. */
static void fit_size(long maxw, long maxh, long *w, long *h)
{
	*w = EMBED_W;
	*h = EMBED_H;
	if (maxw > 0 && *w > maxw) {
		*h = *h * maxw / *w;
		*w = maxw;
	}
	if (maxh > 0 && *h > maxh) {
		*w = *w * maxh / *h;
		*h = maxh;
	}
	if (*w < 1)
		*w = 1;
	if (*h < 1)
		*h = 1;
}

static char *answer_json(const char *src_origin, const char *origin, const geodata_view *v, long w,
                         long h)
{
	const char *title = v->title && *v->title ? v->title : v->name;
	char html[3072];
	size_t n = 0;
	n += (size_t)snprintf(html, sizeof html, "<iframe src=\"%s/embed?view=", src_origin);
	append_pct(html, sizeof html, &n, v->name);
	n += (size_t)snprintf(html + n, sizeof html - n,
	                      "\" width=\"%ld\" height=\"%ld\" style=\"border:0;max-width:100%%\" "
	                      "loading=\"lazy\" title=\"briefmap: ",
	                      w, h);
	if (n >= sizeof html)
		return NULL;
	append_html(html, sizeof html, &n, title);
	n += (size_t)snprintf(html + n, sizeof html - n, "\" data-briefmap-embed></iframe>");
	if (n >= sizeof html)
		return NULL;
	char provider[300];
	snprintf(provider, sizeof provider, "%s/", origin);

	json_object *j = json_object_new_object();
	if (!j)
		return NULL;
	json_object_object_add(j, "version", json_object_new_string("1.0"));
	json_object_object_add(j, "type", json_object_new_string("rich"));
	json_object_object_add(j, "title", json_object_new_string(title));
	json_object_object_add(j, "provider_name", json_object_new_string("briefmap"));
	json_object_object_add(j, "provider_url", json_object_new_string(provider));
	json_object_object_add(j, "width", json_object_new_int64(w));
	json_object_object_add(j, "height", json_object_new_int64(h));
	json_object_object_add(j, "html", json_object_new_string(html));
	char *s = strdup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
	                                                       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
	return s;
}

void oembed_answer(const geodata_views *views, const char *prefix, const char *origin,
                   const char *listen_host, const char *url, const char *maxwidth, const char *maxheight, const char *format,
                   oembed_reply *out)
{
	memset(out, 0, sizeof *out);
	url_parts *u = NULL;
	if (format && *format && strcmp(format, "json") != 0) {
		fail(out, 501, "only format=json is supported");
		goto done;
	}
	if (!url || !*url) {
		fail(out, 400, "url is required");
		goto done;
	}
	long maxw = 0, maxh = 0;
	if (parse_bound(maxwidth, &maxw) < 0 || parse_bound(maxheight, &maxh) < 0) {
		fail(out, 400, "maxwidth and maxheight must be positive whole numbers");
		goto done;
	}
	u = malloc(sizeof *u);
	if (!u) {
		fail(out, 500, "out of memory");
		goto done;
	}
	if (url_split(url, u) < 0) {
		fail(out, 400, "url must be an absolute http or https URL");
		goto done;
	}
	if (strcasecmp(u->host, origin_host(origin)) != 0 &&
	    (!listen_host || strcasecmp(u->host, listen_host) != 0)) {
		fail(out, 404, "url is not a page of this server");
		goto done;
	}
	size_t plen = strlen(prefix);
	if (strncmp(u->path, prefix, plen) != 0 ||
	    (strcmp(u->path + plen, "/") != 0 && strcmp(u->path + plen, "/embed") != 0)) {
		fail(out, 404, "url is not a map page of this server");
		goto done;
	}
	int named = 0;
	const geodata_view *v = url_view(views, u, &named);
	if (!v) {
		fail(out, 404, named ? "no such view" : "this server has no view to embed");
		goto done;
	}
	long w, h;
	fit_size(maxw, maxh, &w, &h);
	char src_origin[400];
	snprintf(src_origin, sizeof src_origin, "%s://%s%s", u->scheme, u->host, prefix);
	out->body = answer_json(src_origin, origin, v, w, h);
	if (!out->body)
		fail(out, 500, "out of memory");
	else
		out->status = 200;
done:
	free(u);
}

/* The whole of a regular file of at most MAX_PAGE bytes, NUL-terminated; NULL on failure. */
static char *read_small(const char *path, size_t *len)
{
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_PAGE)
		goto done;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto done;
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			buf = NULL;
			goto done;
		}
		got += (size_t)r;
	}
	buf[got] = '\0';
	*len = got;
done:
	if (fd >= 0)
		close(fd);
	return buf;
}

char *oembed_page(const char *static_root, const char *file, const char *origin, const char *target,
                  size_t *len)
{
	char *page = NULL, *out = NULL, *link = NULL;
	if (!static_root || !origin || !target)
		return NULL;
	char path[4096];
	if (snprintf(path, sizeof path, "%s/%s", static_root, file) >= (int)sizeof path)
		return NULL;
	size_t plen = 0;
	page = read_small(path, &plen);
	char *head = page ? strstr(page, "</head>") : NULL;
	if (!head)
		goto done;
	/* The page's own address, percent-encoded whole into the link's query: safe in an
	 * attribute. */
	size_t cap = 3 * (strlen(origin) + strlen(target)) + 256;
	link = malloc(cap);
	if (!link)
		goto done;
	size_t n = (size_t)snprintf(link, cap,
	                            "<link rel=\"alternate\" type=\"application/json+oembed\" "
	                            "title=\"briefmap\" href=\"%s/oembed?url=",
	                            origin);
	if (n >= cap)
		goto done;
	append_pct(link, cap, &n, origin);
	append_pct(link, cap, &n, target);
	n += (size_t)snprintf(link + n, cap - n, "\">\n");
	if (n >= cap)
		goto done;
	size_t at = (size_t)(head - page);
	out = malloc(plen + n + 1);
	if (!out)
		goto done;
	memcpy(out, page, at);
	memcpy(out + at, link, n);
	memcpy(out + at + n, page + at, plen - at + 1);
	*len = plen + n;
done:
	free(link);
	free(page);
	return out;
}
