/* evidence.c: reads and checks an event's quoted sources, verification and place in the narrative. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "evidence.h"

#define MAX_QUOTE 2000
#define MAX_CLAIMANT 120
#define MAX_NOTE 2000
#define MAX_DATE_TEXT 80
#define MAX_PLACE 120
#define MAX_SOURCES 32

static const char *const verification_names[GEODATA_VERIFICATION_COUNT] = {
    [GEODATA_VERIFICATION_NONE] = "",
    [GEODATA_VERIFICATION_UNCORROBORATED] = "uncorroborated",
    [GEODATA_VERIFICATION_CORROBORATED] = "corroborated",
    [GEODATA_VERIFICATION_CONTRADICTED] = "contradicted",
};

const char *geodata_verification_name(geodata_verification v)
{
	return (unsigned)v < GEODATA_VERIFICATION_COUNT ? verification_names[v] : "unknown";
}

static void problem(const evidence_io *io, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(const evidence_io *io, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	io->problem(io->ud, field, msg);
}

static json_object *get(json_object *o, const char *name)
{
	json_object *v = NULL;
	if (!o || !json_object_object_get_ex(o, name, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

/* Whether `len` bytes are well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static int utf8_ok(const unsigned char *p, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned c = p[i], n, min;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0)
			n = 1, min = 0x80, c &= 0x1F;
		else if ((c & 0xF0) == 0xE0)
			n = 2, min = 0x800, c &= 0x0F;
		else if ((c & 0xF8) == 0xF0)
			n = 3, min = 0x10000, c &= 0x07;
		else
			return 0;
		if (len - i <= n)
			return 0;
		for (unsigned k = 1; k <= n; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
			c = (c << 6) | (p[i + k] & 0x3F);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return 0;
		i += n + 1;
	}
	return 1;
}

/*
 * A copy of a JSON string owned by the events; NULL with a problem when it
 * is not a string, holds a control character or NUL, or is too long (bytes
 * are a safe upper bound on characters here).
 */
static const char *text(const evidence_io *io, json_object *v, const char *field, size_t max,
                        int *bad)
{
	if (!v)
		return NULL;
	if (!json_object_is_type(v, json_type_string)) {
		problem(io, field, "expected a string");
		*bad = 1;
		return NULL;
	}
	const char *s = json_object_get_string(v);
	size_t len = (size_t)json_object_get_string_len(v);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			problem(io, field,
			        !strstr(field, "quote") && strcmp(field, "source")
			            ? "holds a line break or control character"
			            : "holds a line break or control character (a quote that spans "
			              "paragraphs is one entry of \"sources\" per paragraph)");
			*bad = 1;
			return NULL;
		}
	if (!utf8_ok((const unsigned char *)s, len)) {
		problem(io, field, "not valid UTF-8");
		*bad = 1;
		return NULL;
	}
	/* Characters, not bytes: a continuation byte does not start one. */
	size_t chars = 0;
	for (size_t i = 0; i < len; i++)
		chars += ((unsigned char)s[i] & 0xC0) != 0x80;
	if (len == 0) {
		problem(io, field, "empty");
		*bad = 1;
		return NULL;
	}
	if (chars > max) {
		problem(io, field, "too long: %zu characters (at most %zu)", chars, max);
		*bad = 1;
		return NULL;
	}
	char *d = io->alloc(io->ud, len + 1);
	if (!d) {
		*bad = 1;
		return NULL;
	}
	memcpy(d, s, len);
	return d;
}

/* Finds the quote in the article; reports the first words of a quote that is not there. */
static int locate(const evidence_io *io, geodata_source *src, const char *field)
{
	src->length = strlen(src->quote);
	src->offset = -1;
	if (!io->article)
		return 0;
	const char *at = memmem(io->article, io->article_len, src->quote, src->length);
	if (!at) {
		problem(io, field, "quote not found verbatim in article.txt: \"%.60s%s\"", src->quote,
		        src->length > 60 ? "..." : "");
		return -1;
	}
	src->offset = (long)(at - io->article);
	return 0;
}

static int read_sources(const evidence_io *io, json_object *props, geodata_event *e)
{
	json_object *list = get(props, "sources"), *one = get(props, "source");
	int bad = 0;
	if (list && one) {
		problem(io, "source", "give either \"sources\" or the older \"source\", not both");
		return -1;
	}
	if (!list && !one) {
		problem(io, "sources", "missing (every event quotes the article)");
		return -1;
	}
	if (one) {
		geodata_source *s = io->alloc(io->ud, sizeof *s);
		if (!s || !(s->quote = text(io, one, "source", MAX_QUOTE, &bad)))
			return -1;
		e->sources = s;
		e->nsources = 1;
		return locate(io, s, "source");
	}
	if (!json_object_is_type(list, json_type_array) || !json_object_array_length(list)) {
		problem(io, "sources", "expected a non-empty array of {\"quote\", \"claimant\"}");
		return -1;
	}
	size_t n = json_object_array_length(list);
	if (n > MAX_SOURCES) {
		problem(io, "sources", "too many quotes: %zu (at most %d)", n, MAX_SOURCES);
		return -1;
	}
	geodata_source *v = io->alloc(io->ud, n * sizeof *v);
	if (!v)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_object *it = json_object_array_get_idx(list, i);
		char field[48];
		snprintf(field, sizeof field, "sources[%zu]", i);
		if (!json_object_is_type(it, json_type_object)) {
			problem(io, field, "expected an object {\"quote\", \"claimant\"}");
			bad = 1;
			continue;
		}
		snprintf(field, sizeof field, "sources[%zu].quote", i);
		v[i].quote = text(io, get(it, "quote"), field, MAX_QUOTE, &bad);
		if (!v[i].quote && !bad) {
			problem(io, field, "missing");
			bad = 1;
		}
		if (v[i].quote && locate(io, &v[i], field))
			bad = 1;
		snprintf(field, sizeof field, "sources[%zu].claimant", i);
		v[i].claimant = text(io, get(it, "claimant"), field, MAX_CLAIMANT, &bad);
		if (!v[i].claimant && !bad) {
			problem(io, field, "missing (who makes the statement; \"the article\" for "
			                   "its own voice)");
			bad = 1;
		}
	}
	e->sources = v;
	e->nsources = n;
	return bad ? -1 : 0;
}

static int read_verification(const evidence_io *io, json_object *props, geodata_event *e)
{
	int bad = 0;
	const char *name = text(io, get(props, "verification"), "verification", 32, &bad);
	e->verification_note =
	    text(io, get(props, "verification_note"), "verification_note", MAX_NOTE, &bad);
	e->verification = GEODATA_VERIFICATION_NONE;
	if (name) {
		int k = -1;
		for (int i = 1; i < GEODATA_VERIFICATION_COUNT; i++)
			if (!strcmp(name, verification_names[i]))
				k = i;
		if (k < 0) {
			problem(io, "verification",
			        "unknown value \"%.40s\" (expected uncorroborated, corroborated, "
			        "contradicted)",
			        name);
			return -1;
		}
		e->verification = (geodata_verification)k;
		if (!e->verification_note) {
			problem(io, "verification_note",
			        "missing: say what was checked and where (outside the article)");
			return -1;
		}
	}
	return bad ? -1 : 0;
}

static int read_narrative(const evidence_io *io, json_object *props, geodata_event *e)
{
	int bad = 0;
	e->date_text = text(io, get(props, "date_text"), "date_text", MAX_DATE_TEXT, &bad);
	e->place = text(io, get(props, "place"), "place", MAX_PLACE, &bad);
	e->sequence = -1;
	json_object *seq = get(props, "sequence");
	if (seq) {
		if (!json_object_is_type(seq, json_type_int) || json_object_get_int64(seq) < 0 ||
		    json_object_get_int64(seq) > 1000000) {
			problem(io, "sequence", "expected a non-negative integer (the order in the "
			                        "article's narrative)");
			return -1;
		}
		e->sequence = (long)json_object_get_int64(seq);
	}
	/* A scenario did not happen at any date: its year belongs in its words, not on a timeline. */
	if (e->date && e->status == GEODATA_STATUS_HYPOTHETICAL) {
		problem(io, "date",
		        "a hypothetical is not a dated event: leave \"date\" out and quote the "
		        "article's words in \"date_text\"");
		bad = 1;
	}
	return bad ? -1 : 0;
}

int evidence_read(const evidence_io *io, json_object *props, geodata_event *e)
{
	int rc = read_sources(io, props, e);
	if (e->nsources)
		e->source = e->sources[0].quote;
	rc |= read_verification(io, props, e);
	rc |= read_narrative(io, props, e);
	return rc ? -1 : 0;
}

void evidence_json(json_object *p, const geodata_event *e)
{
	json_object *list = json_object_new_array_ext((int)e->nsources);
	for (size_t i = 0; i < e->nsources; i++) {
		const geodata_source *s = &e->sources[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "quote", json_object_new_string(s->quote));
		json_object_object_add(o, "claimant", s->claimant
		                                          ? json_object_new_string(s->claimant)
		                                          : NULL);
		/* Byte offsets into article.txt, so that a page can show the quote in context. */
		if (s->offset >= 0) {
			json_object_object_add(o, "offset", json_object_new_int64(s->offset));
			json_object_object_add(o, "length",
			                       json_object_new_int64((int64_t)s->length));
		}
		json_object_array_add(list, o);
	}
	json_object_object_add(p, "sources", list);
	if (e->verification != GEODATA_VERIFICATION_NONE)
		json_object_object_add(
		    p, "verification",
		    json_object_new_string(geodata_verification_name(e->verification)));
	if (e->verification_note)
		json_object_object_add(p, "verification_note",
		                       json_object_new_string(e->verification_note));
	if (e->date_text)
		json_object_object_add(p, "date_text", json_object_new_string(e->date_text));
	if (e->sequence >= 0)
		json_object_object_add(p, "sequence", json_object_new_int64(e->sequence));
	if (e->place)
		json_object_object_add(p, "place", json_object_new_string(e->place));
}
