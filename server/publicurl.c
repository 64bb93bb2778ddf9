/* publicurl.c: the base URL written into TileJSON, WMTS and embed snippets, behind a proxy too. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "ops.h"

/* A host name, an IPv4 or [IPv6] address, an optional port: nothing that could break a URL. */
static int host_ok(const char *h, size_t n)
{
	if (n == 0 || n > 255)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = h[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(".-:[]_", c)))
			return 0;
	}
	return 1;
}

/* A path prefix: "/seg/seg", unreserved characters only, no "." or ".." segment. */
static int prefix_ok(const char *p, size_t n)
{
	if (n == 0)
		return 1;
	if (p[0] != '/' || n > 200)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("/-._~", c)))
			return 0;
		if (c == '/' && i + 1 < n && p[i + 1] == '/')
			return 0;
		if (c == '/' && i + 1 < n && p[i + 1] == '.' &&
		    (i + 2 == n || p[i + 2] == '/' || (p[i + 2] == '.' && (i + 3 == n || p[i + 3] == '/'))))
			return 0;
	}
	return 1;
}

/* Length without trailing slashes. */
static size_t trim(const char *p, size_t n)
{
	while (n > 0 && p[n - 1] == '/')
		n--;
	return n;
}

int publicurl_parse(publicurl *p, const char *url, char *err, size_t errcap)
{
	const char *rest;
	if (strncasecmp(url, "http://", 7) == 0)
		rest = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		rest = url + 8;
	else {
		snprintf(err, errcap, "--public-url must start with http:// or https://");
		return -1;
	}
	const char *slash = strchr(rest, '/');
	size_t hlen = slash ? (size_t)(slash - rest) : strlen(rest);
	size_t plen = slash ? trim(slash, strlen(slash)) : 0;
	if (!host_ok(rest, hlen) || (slash && !prefix_ok(slash, plen)) || strchr(url, '?') ||
	    strchr(url, '#')) {
		snprintf(err, errcap, "--public-url '%s' is not scheme://host[:port][/path]", url);
		return -1;
	}
	size_t slen = (size_t)(rest - url);
	if (slen + hlen + plen + 1 > sizeof p->base) {
		snprintf(err, errcap, "--public-url is too long");
		return -1;
	}
	for (size_t i = 0; i < slen; i++) /* the scheme in lower case, as URLs are compared */
		p->base[i] = (char)(url[i] >= 'A' && url[i] <= 'Z' ? url[i] + 32 : url[i]);
	memcpy(p->base + slen, rest, hlen + plen);
	p->base[slen + hlen + plen] = '\0';
	return 0;
}

void publicurl_for(const publicurl *p, const publicurl_headers *h, const char *fallback_host,
                   char *out, size_t cap)
{
	if (p && p->base[0]) {
		snprintf(out, cap, "%s", p->base);
		return;
	}
	const char *scheme = "http";
	const char *host = NULL;
	size_t hlen = 0;
	const char *prefix = "";
	size_t plen = 0;
	if (h && h->host && host_ok(h->host, strlen(h->host))) {
		host = h->host;
		hlen = strlen(host);
	}
	if (p && p->trust_proxy && h) {
		if (h->fwd_proto && (strcasecmp(h->fwd_proto, "https") == 0))
			scheme = "https";
		if (h->fwd_host) {
			/* A proxy chain gives "a, b": the first is what the client asked for. */
			size_t n = strcspn(h->fwd_host, ", ");
			if (host_ok(h->fwd_host, n)) {
				host = h->fwd_host;
				hlen = n;
			}
		}
		if (h->fwd_prefix) {
			size_t n = trim(h->fwd_prefix, strlen(h->fwd_prefix));
			if (prefix_ok(h->fwd_prefix, n)) {
				prefix = h->fwd_prefix;
				plen = n;
			}
		}
	}
	if (!host) {
		host = fallback_host;
		hlen = strlen(host);
	}
	snprintf(out, cap, "%s://%.*s%.*s", scheme, (int)hlen, host, (int)plen, prefix);
}

void publicurl_for_connection(const publicurl *p, struct MHD_Connection *conn,
                              const char *fallback_host, char *out, size_t cap)
{
	publicurl_headers h = {
	    .host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST),
	    .fwd_host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-Host"),
	    .fwd_proto = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-Proto"),
	    .fwd_prefix = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-Prefix")};
	publicurl_for(p, &h, fallback_host, out, cap);
}
