/* query.c: parsing of request targets: percent-decoding, query strings, tile paths, UTF-8. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int query_pct_decode(char *s, int plus, int slash_ok)
{
	char *w = s;
	for (const char *p = s; *p; p++) {
		if (*p == '%') {
			int hi = hexval((unsigned char)p[1]);
			int lo = hi < 0 ? -1 : hexval((unsigned char)p[2]);
			if (hi < 0 || lo < 0)
				return -1;
			int c = hi * 16 + lo;
			if (c == 0)
				return -1;
			if (c == '/' && !slash_ok)
				return -2;
			*w++ = (char)c;
			p += 2;
		} else if (plus && *p == '+') {
			*w++ = ' ';
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return 0;
}

/*
 * Length of the well-formed UTF-8 sequence at `p` (1 to 4) with its code
 * point in `*cp`, or 0 when it is not one. Reads a continuation byte only
 * after checking the previous one, so a terminator stops it.
 */
static int utf8_seq(const unsigned char *p, unsigned long *cp)
{
	unsigned char c = p[0];
	int n;
	unsigned long v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		n = 2, v = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0; /* the terminator is not a continuation byte: we stop at it */
		v = (v << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and code points past Unicode are not UTF-8. */
	if (v < min || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return 0;
	*cp = v;
	return n;
}

static void sanitize(char *s, int xml)
{
	/* Reads at `r`, writes at `w`: a replaced character may be shorter than it was. */
	unsigned char *r = (unsigned char *)s, *w = r;
	while (*r) {
		unsigned long cp;
		int n = utf8_seq(r, &cp);
		if (n == 0) {
			*w++ = '?';
			r++;
		} else if (xml && ((cp < 0x20 && cp != 0x09 && cp != 0x0a && cp != 0x0d) ||
		                   cp == 0xfffe || cp == 0xffff)) {
			*w++ = '?'; /* one '?' for the whole character */
			r += n;
		} else {
			memmove(w, r, (size_t)n);
			w += n;
			r += n;
		}
	}
	*w = '\0';
}

void query_utf8_sanitize(char *s)
{
	sanitize(s, 0);
}

void query_text_sanitize(char *s)
{
	sanitize(s, 1);
}

int query_uint_parse(const char *s, size_t len, long max, long *out)
{
	if (len == 0 || len > 18 || (len > 1 && s[0] == '0'))
		return -1;
	long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int query_size_parse(const char *t, long *w, long *h)
{
	const char *xp = strchr(t, 'x');
	if (!xp)
		return -1;
	if (query_uint_parse(t, (size_t)(xp - t), 1L << 30, w) < 0 ||
	    query_uint_parse(xp + 1, strlen(xp + 1), 1L << 30, h) < 0)
		return -1;
	return *w >= 1 && *h >= 1 ? 0 : -1;
}

int query_parse(query *q, const char *raw)
{
	memset(q, 0, sizeof *q);
	if (!raw || !*raw)
		return 0;
	q->buf = strdup(raw);
	if (!q->buf)
		return -1;
	char *save = NULL;
	for (char *tok = strtok_r(q->buf, "&", &save); tok; tok = strtok_r(NULL, "&", &save)) {
		if (q->n == QUERY_MAX_PARAMS)
			return -2;
		char *eq = strchr(tok, '=');
		/* A key without '=' has the empty value: its own terminator, which is writable
		 * (the decoder writes one back), unlike a string literal. */
		char *v = tok + strlen(tok);
		if (eq) {
			*eq = '\0';
			v = eq + 1;
		}
		if (query_pct_decode(tok, 1, 1) < 0 || query_pct_decode(v, 1, 1) < 0)
			return -1;
		q->key[q->n] = tok;
		q->val[q->n] = v;
		q->n++;
	}
	return 0;
}

void query_finish(query *q)
{
	free(q->buf);
	q->buf = NULL;
}

const char *query_get(const query *q, const char *key)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->key[i], key) == 0)
			return q->val[i];
	return NULL;
}

int query_until_parse(const query *q, geodata_day *until)
{
	const char *u = query_get(q, "until");
	*until = GEODATA_DAY_OPEN;
	if (!u)
		return 0;
	return geodata_date_parse(u, until) == 0 ? 0 : -1;
}

int query_tile_parse(const char *rest, query_tile *t)
{
	const char *seg[4];
	size_t len[4];
	int nseg = 0;
	const char *p = rest;
	for (;;) {
		const char *slash = strchr(p, '/');
		if (nseg == 4)
			return QUERY_TILE_NO_ROUTE;
		seg[nseg] = p;
		len[nseg] = slash ? (size_t)(slash - p) : strlen(p);
		nseg++;
		if (!slash)
			break;
		p = slash + 1;
	}
	if (nseg != 4)
		return QUERY_TILE_NO_ROUTE;
	if (len[0] >= sizeof t->tileset)
		len[0] = 0; /* no tileset has so long a name: empty is refused the same way */
	memcpy(t->tileset, seg[0], len[0]);
	t->tileset[len[0]] = '\0';
	size_t ylen = len[3];
	const char *dot = memrchr(seg[3], '.', ylen);
	int fmt = dot ? tile_image_format_from_ext(dot + 1, ylen - (size_t)(dot + 1 - seg[3])) : -1;
	if (fmt < 0)
		return QUERY_TILE_NO_SUFFIX;
	t->format = (tile_image_format)fmt;
	ylen = (size_t)(dot - seg[3]);
	t->scale = 1;
	if (ylen >= 3 && memcmp(seg[3] + ylen - 3, "@2x", 3) == 0) {
		t->scale = 2;
		ylen -= 3;
	}
	if (query_uint_parse(seg[1], len[1], 1L << 30, &t->z) < 0 ||
	    query_uint_parse(seg[2], len[2], LONG_MAX / 4, &t->x) < 0 ||
	    query_uint_parse(seg[3], ylen, LONG_MAX / 4, &t->y) < 0)
		return QUERY_TILE_BAD_NUMBER;
	return QUERY_TILE_OK;
}

void query_log_escape(const char *in, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)in;
	for (; *p; p++) {
		char tmp[4];
		size_t k = 0;
		if (*p == '\\') {
			tmp[k++] = '\\';
			tmp[k++] = '\\';
		} else if (*p >= 0x20 && *p < 0x7f) {
			tmp[k++] = (char)*p;
		} else {
			tmp[k++] = '\\';
			tmp[k++] = 'x';
			tmp[k++] = hex[*p >> 4];
			tmp[k++] = hex[*p & 15];
		}
		/* Room for this, "..." and the terminator. */
		if (n + k + 4 > cap) {
			memcpy(out + n, "...", 3);
			n += 3;
			break;
		}
		memcpy(out + n, tmp, k);
		n += k;
	}
	out[n] = '\0';
}
