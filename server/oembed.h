/* oembed.h: private to server/: the oEmbed answer and the pages' oEmbed discovery link. */
#ifndef BRIEFMAP_OEMBED_H
#define BRIEFMAP_OEMBED_H

#include <stddef.h>

#include "server.h"

/** What GET /oembed answers. */
typedef struct oembed_reply {
	unsigned status; /**< 200, 400, 404, 501 or 500 */
	char *body;      /**< with 200: the JSON document, malloc'd, the caller frees it */
	char error[160]; /**< otherwise: a one-line message for the JSON error */
} oembed_reply;

/**
 * Answers an oEmbed 1.0 request (type "rich") for `url`, a page of this
 * server (`PREFIX/` or `PREFIX/embed`, with an optional `view=`; `prefix` is
 * "" or "/b/SLUG", the briefing whose `views` are given), with an iframe of
 * the embed page of that view no larger than `maxwidth` x `maxheight`.
 * `origin` is "http://HOST:PORT" as this request reached us and
 * `listen_host` the address the server listens on: the url's host must be
 * one of them. The string parameters are the decoded query values, NULL
 * when absent; an empty maxwidth or maxheight counts as absent.
 * Errors: 400 for a missing or malformed url or size, 404 for a url that
 * is not a page of this server or names no view, 501 for a format other
 * than json, 500 when out of memory; `out->error` says which.
 * Thread safety: reads `views` only; safe from any thread.
 */
void oembed_answer(const geodata_views *views, const char *prefix, const char *origin,
                   const char *listen_host, const char *url, const char *maxwidth, const char *maxheight, const char *format,
                   oembed_reply *out);

/**
 * Reads `static_root`/`file` (an HTML page of at most 1 MiB) and inserts
 * before its </head> the oEmbed discovery link for the page at `origin`
 * and `target` (the raw request target, path and query). Returns the new
 * page (malloc'd, the caller frees it) with its length in `len`, or NULL
 * when the file cannot be read, is too large or has no </head>.
 * Thread safety: none needed; it touches no shared state.
 */
char *oembed_page(const char *static_root, const char *file, const char *origin, const char *target,
                  size_t *len);

#endif
