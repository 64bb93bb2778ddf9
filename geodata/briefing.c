/* briefing.c: reads a briefing's metadata (briefing.json) and the article beside its events. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events_private.h"
#include "evidence.h"

/* Far more than any article or metadata needs; a stray file cannot exhaust memory. */
#define MAX_BRIEFING_BYTES (4u << 20)
#define MAX_CAVEATS 64

static const char *const caveat_names[GEODATA_CAVEAT_COUNT] = {
    [GEODATA_CAVEAT_CONTRADICTION] = "contradiction",
    [GEODATA_CAVEAT_INACCURACY] = "inaccuracy",
    [GEODATA_CAVEAT_UNDATED] = "undated",
    [GEODATA_CAVEAT_OTHER] = "other",
};

const char *geodata_caveat_kind_name(geodata_caveat_kind k)
{
	return (unsigned)k < GEODATA_CAVEAT_COUNT ? caveat_names[k] : "unknown";
}

/* The metadata and every string it points to live in one json-c tree, kept with it. */
typedef struct briefing_impl {
	geodata_briefing pub;
	json_object *root;
	geodata_caveat *caveats;
	geodata_kinds kinds;
	char *json;
} briefing_impl;

void briefing_problem(geodata_problems *p, const char *path, const char *fmt, ...)
{
	if (!p)
		return;
	char body[600], *line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof body, fmt, ap);
	va_end(ap);
	size_t n = strlen(path) + strlen(body) + 16;
	if (!(line = malloc(n)))
		return;
	snprintf(line, n, "file \"%s\": %s", path, body);
	for (char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = ' ';
	events_problems_push(p, line);
}

/* Reads a whole file; -ENOENT when it does not exist, another negative errno on failure. */
static int read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > MAX_BRIEFING_BYTES) {
				rc = -EFBIG;
				break;
			}
			size_t ncap = cap ? cap * 2 : 16384;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			buf = nb;
			cap = ncap;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				rc = -EIO;
			break;
		}
	}
	fclose(f);
	if (rc) {
		free(buf);
		return rc;
	}
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
}

/* A string member; `required` ones must be non-empty. Returns 0 or -1 with a problem. */
static int member(geodata_problems *p, const char *path, json_object *o, const char *where,
                  const char *name, int required, int nullable, const char **out)
{
	json_object *v = NULL;
	*out = NULL;
	int present = json_object_object_get_ex(o, name, &v);
	if (!present || json_object_is_type(v, json_type_null)) {
		if (required && !(nullable && present)) {
			briefing_problem(p, path, "field \"%s%s\": missing%s", where, name,
			     nullable ? " (null when the article gives none)" : "");
			return -1;
		}
		return 0;
	}
	if (!json_object_is_type(v, json_type_string) || !json_object_get_string_len(v) ||
	    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v)) {
		briefing_problem(p, path, "field \"%s%s\": expected a non-empty string", where, name);
		return -1;
	}
	*out = json_object_get_string(v);
	return 0;
}

static int read_caveats(briefing_impl *b, geodata_problems *p, const char *path)
{
	json_object *list = NULL;
	if (!json_object_object_get_ex(b->root, "caveats", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		briefing_problem(p, path, "field \"caveats\": missing (an array of {\"kind\", \"text\"}; "
		              "empty when the article has none)");
		return -1;
	}
	size_t n = json_object_array_length(list);
	if (n > MAX_CAVEATS) {
		briefing_problem(p, path, "field \"caveats\": too many (%zu, at most %d)", n, MAX_CAVEATS);
		return -1;
	}
	b->caveats = calloc(n ? n : 1, sizeof *b->caveats);
	if (!b->caveats)
		return -1;
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(list, i);
		char where[40];
		snprintf(where, sizeof where, "caveats[%zu].", i);
		const char *kind, *text;
		if (!json_object_is_type(c, json_type_object)) {
			briefing_problem(p, path, "field \"caveats[%zu]\": expected an object", i);
			bad = 1;
			continue;
		}
		if (member(p, path, c, where, "kind", 1, 0, &kind) ||
		    member(p, path, c, where, "text", 1, 0, &text)) {
			bad = 1;
			continue;
		}
		int k = -1;
		for (int j = 0; j < GEODATA_CAVEAT_COUNT; j++)
			if (!strcmp(kind, caveat_names[j]))
				k = j;
		if (k < 0) {
			briefing_problem(p, path,
			     "field \"%skind\": unknown value \"%.40s\" (expected contradiction, "
			     "inaccuracy, undated, other)",
			     where, kind);
			bad = 1;
			continue;
		}
		b->caveats[i] = (geodata_caveat){(geodata_caveat_kind)k, text};
	}
	b->pub.caveats = b->caveats;
	b->pub.ncaveats = n;
	return bad ? -1 : 0;
}

static int read_fields(briefing_impl *b, geodata_problems *p, const char *path)
{
	geodata_briefing *m = &b->pub;
	json_object *art = NULL;
	int bad = 0;
	bad |= member(p, path, b->root, "", "title", 1, 0, &m->title);
	bad |= member(p, path, b->root, "", "subtitle", 0, 0, &m->subtitle);
	bad |= member(p, path, b->root, "", "language", 1, 0, &m->language);
	bad |= member(p, path, b->root, "", "default_view", 0, 0, &m->default_view);
	if (!json_object_object_get_ex(b->root, "article", &art) ||
	    !json_object_is_type(art, json_type_object)) {
		briefing_problem(p, path, "field \"article\": missing (an object with headline, outlet, "
		              "byline, url, published, retrieved)");
		return -1;
	}
	bad |= member(p, path, art, "article.", "headline", 1, 0, &m->headline);
	bad |= member(p, path, art, "article.", "outlet", 0, 0, &m->outlet);
	bad |= member(p, path, art, "article.", "byline", 0, 0, &m->byline);
	bad |= member(p, path, art, "article.", "url", 0, 0, &m->url);
	bad |= member(p, path, art, "article.", "published", 1, 1, &m->published);
	bad |= member(p, path, art, "article.", "retrieved", 0, 0, &m->retrieved);
	geodata_day d;
	if (m->published && geodata_date_parse(m->published, &d)) {
		briefing_problem(p, path, "field \"article.published\": not an ISO date (or null)");
		bad = 1;
	}
	bad |= read_caveats(b, p, path);
	/* A briefing's kinds replace the built-in ones: its legend lists only what it means. */
	json_object *kinds = NULL;
	if (json_object_object_get_ex(b->root, "kinds", &kinds)) {
		if (kinds_read(kinds, &b->kinds, p, path))
			bad = 1;
		else
			m->kinds = &b->kinds;
	}
	return bad ? -1 : 0;
}

geodata_briefing *geodata_briefing_load(const char *path, geodata_problems *problems)
{
	char *text = NULL;
	size_t len = 0;
	int rc = path ? read_file(path, &text, &len) : -EINVAL;
	if (rc) {
		briefing_problem(problems, path ? path : "?", "cannot read: %s", strerror(-rc));
		return NULL;
	}
	briefing_impl *b = calloc(1, sizeof *b);
	enum json_tokener_error jerr = json_tokener_success;
	if (b)
		b->root = json_tokener_parse_verbose(text, &jerr);
	free(text);
	if (!b || !b->root || !json_object_is_type(b->root, json_type_object)) {
		briefing_problem(problems, path, "not a JSON object%s%s", b && !b->root ? ": " : "",
		     b && !b->root ? json_tokener_error_desc(jerr) : "");
		geodata_briefing_destroy(b ? &b->pub : NULL);
		return NULL;
	}
	if (read_fields(b, problems, path)) {
		geodata_briefing_destroy(&b->pub);
		return NULL;
	}
	const char *s = json_object_to_json_string_ext(
	    b->root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s || !(b->json = strdup(s))) {
		briefing_problem(problems, path, "out of memory");
		geodata_briefing_destroy(&b->pub);
		return NULL;
	}
	b->pub.json = b->json;
	return &b->pub;
}

void geodata_briefing_destroy(geodata_briefing *pub)
{
	if (!pub)
		return;
	briefing_impl *b = (briefing_impl *)pub; /* pub is the first member */
	json_object_put(b->root);
	free(b->caveats);
	free(b->json);
	free(b);
}

static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int briefing_files_read(const char *events_path, briefing_files *bf, geodata_problems *problems)
{
	memset(bf, 0, sizeof *bf);
	const char *slash = strrchr(events_path, '/');
	size_t dir = slash ? (size_t)(slash - events_path) + 1 : 0;
	size_t n = dir + 16;
	char *path = malloc(n);
	if (!path)
		return -1;
	snprintf(path, n, "%.*sarticle.txt", (int)dir, events_path);
	int rc = read_file(path, &bf->article, &bf->article_len);
	if (rc && rc != -ENOENT) {
		briefing_problem(problems, path, "cannot read: %s", strerror(-rc));
		free(path);
		return -1;
	}
	bf->hash = fnv(0xcbf29ce484222325ULL, bf->article ? bf->article : "", bf->article_len);
	snprintf(path, n, "%.*sbriefing.json", (int)dir, events_path);
	FILE *probe = fopen(path, "rb");
	if (probe) {
		fclose(probe);
		if (!(bf->briefing = geodata_briefing_load(path, problems))) {
			free(path);
			briefing_files_finish(bf);
			return -1;
		}
		bf->hash = fnv(bf->hash, bf->briefing->json, strlen(bf->briefing->json));
	}
	free(path);
	return 0;
}

void briefing_files_finish(briefing_files *bf)
{
	free(bf->article);
	geodata_briefing_destroy(bf->briefing);
	memset(bf, 0, sizeof *bf);
}
