/* fuzz_http.c: arbitrary bytes into the server's request-target parsers; runner.c makes it a corpus
 * runner. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "private.h"
#include "runner.h"

/* Whether `s` is well-formed UTF-8, by json-c's own validator: an independent second opinion. */
static int utf8_valid(const char *s)
{
	json_object *o = json_object_new_string(s);
	if (!o)
		return 1; /* no memory: nothing to say */
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	json_tokener *tok = json_tokener_new();
	int ok = 1;
	if (tok) {
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
		json_object *back = json_tokener_parse_ex(tok, text, (int)strlen(text));
		ok = back && json_object_is_type(back, json_type_string) &&
		     strcmp(json_object_get_string(back), s) == 0;
		json_object_put(back);
		json_tokener_free(tok);
	}
	json_object_put(o);
	return ok;
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == c;
	return n;
}

static void check_decode(const char *s, int plus, int slash_ok)
{
	char *d = strdup(s);
	if (!d)
		return;
	int rc = query_pct_decode(d, plus, slash_ok);
	if (rc == 0) {
		if (strlen(d) > strlen(s))
			abort();
		/* Without encoded slashes, every '/' of the result is one the client wrote. */
		if (!slash_ok && count_char(d, '/') != count_char(s, '/'))
			abort();
	} else if (rc != -1 && !(rc == -2 && !slash_ok)) {
		abort();
	}
	free(d);
}

static void check_sanitize(const char *s)
{
	size_t n = strlen(s);
	char *a = strdup(s), *b = strdup(s);
	if (!a || !b) {
		free(a);
		free(b);
		return;
	}
	query_utf8_sanitize(a);
	if (strlen(a) != n || !utf8_valid(a))
		abort();
	query_text_sanitize(b);
	if (strlen(b) > n || !utf8_valid(b))
		abort();
	for (const unsigned char *p = (const unsigned char *)b; *p; p++) {
		/* XML 1.0 forbids C0 controls other than tab, LF, CR, and U+FFFE, U+FFFF. */
		if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
			abort();
		if (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))
			abort();
	}
	/* Sanitising what is already clean changes nothing. */
	char *c = strdup(b);
	if (c) {
		query_text_sanitize(c);
		if (strcmp(c, b) != 0)
			abort();
		free(c);
	}
	free(a);
	free(b);
}

static void check_query(const char *s)
{
	query q;
	int rc = query_parse(&q, s);
	if (rc == 0) {
		if (q.n > QUERY_MAX_PARAMS)
			abort();
		for (size_t i = 0; i < q.n; i++)
			if (!q.key[i] || !q.val[i] || query_get(&q, q.key[i]) == NULL)
				abort();
		geodata_day until;
		(void)query_until_parse(&q, &until);
		const char *size = query_get(&q, "size");
		long w, h;
		if (size && query_size_parse(size, &w, &h) == 0) {
			/* Strict parsing means one spelling per size: it prints back the same. */
			char back[64];
			snprintf(back, sizeof back, "%ldx%ld", w, h);
			if (w < 1 || h < 1 || strcmp(back, size) != 0)
				abort();
		}
		const char *bbox = query_get(&q, "bbox");
		if (bbox) {
			geodata_bbox b;
			geodata_error err;
			(void)geodata_bbox_parse(bbox, &b, &err);
		}
		const char *title = query_get(&q, "title");
		if (title)
			check_sanitize(title);
	} else if (rc != -1 && rc != -2) {
		abort();
	}
	query_finish(&q);
}

static void check_tile(const char *s)
{
	query_tile t;
	int rc = query_tile_parse(s, &t);
	if (rc == QUERY_TILE_OK) {
		char back[160];
		snprintf(back, sizeof back, "%s/%ld/%ld/%ld%s", t.tileset, t.z, t.x, t.y,
		         t.scale == 2 ? "@2x.png" : ".png");
		if (t.z < 0 || t.x < 0 || t.y < 0 || (t.scale != 1 && t.scale != 2))
			abort();
		/* Names too long for any tileset come back empty, to be refused as unknown. */
		size_t seg0 = strcspn(s, "/");
		if (t.tileset[0] ? strcmp(back, s) != 0 : seg0 != 0 && seg0 < sizeof t.tileset)
			abort();
		(void)tile_tileset_from_name(t.tileset);
		if (t.z <= GEODATA_MAX_ZOOM)
			(void)tile_xyz_valid((int)t.z, t.x, t.y);
	} else if (rc != QUERY_TILE_NO_ROUTE && rc != QUERY_TILE_NO_SUFFIX &&
	           rc != QUERY_TILE_BAD_NUMBER) {
		abort();
	}
	long v;
	if (query_uint_parse(s, strlen(s), 1L << 30, &v) == 0) {
		char back[32];
		snprintf(back, sizeof back, "%ld", v);
		if (strcmp(back, s) != 0)
			abort();
	}
}

static void check_log(const char *s)
{
	char out[64];
	query_log_escape(s, out, sizeof out);
	size_t n = strlen(out);
	if (n >= sizeof out)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	/* A request target: the path and the query apart, as the server reads them. */
	char *qm = strchr(s, '?');
	if (qm)
		*qm = '\0';
	check_decode(s, 0, 0);
	check_decode(s, 1, 1);
	char *path = strdup(s);
	if (path && query_pct_decode(path, 0, 0) == 0 && strncmp(path, "/tiles/", 7) == 0)
		check_tile(path + 7);
	free(path);
	check_tile(s);
	if (qm)
		check_query(qm + 1);
	check_sanitize(s);
	check_log(s);
	free(s);
	return 0;
}
