/* kinds.c: tables of event kinds, read from the built-in kinds.json or a briefing's own list. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"

extern const char geodata_kinds_json[];
extern const size_t geodata_kinds_json_len;

static int is_id(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '_' ||
		      s[n] == '-'))
			return 0;
	return n > 0 && n <= 64;
}

static int hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	                                    : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static const char *str(json_object *o, const char *name)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	const char *s = json_object_get_string(v);
	/* An embedded NUL would make the id the program sees differ from the file's. */
	return s && *s && strlen(s) == (size_t)json_object_get_string_len(v) ? s : NULL;
}

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (h ^ 0xff) * 1099511628211ull;
}

/* One entry of the list; returns 0 or -1 after a problem naming the field. */
static int read_kind(json_object *o, size_t i, geodata_kind *k, geodata_problems *p,
                     const char *path)
{
	int bad = 0;
	if (!json_object_is_type(o, json_type_object)) {
		briefing_problem(p, path, "field \"kinds[%zu]\": expected an object", i);
		return -1;
	}
	k->id = str(o, "id");
	k->label = str(o, "label");
	k->label_es = str(o, "label_es");
	k->glyph = str(o, "glyph");
	k->color = str(o, "color");
	k->count_noun = str(o, "count_noun");
	if (!k->id || !is_id(k->id)) {
		briefing_problem(p, path, "field \"kinds[%zu].id\": expected 1 to 64 of a-z, 0-9, _ and -", i);
		bad = 1;
	}
	if (!k->label) {
		briefing_problem(p, path, "field \"kinds[%zu].label\": expected a non-empty string", i);
		bad = 1;
	}
	json_object *v = NULL;
	if (json_object_object_get_ex(o, "label_es", &v) && !k->label_es) {
		briefing_problem(p, path, "field \"kinds[%zu].label_es\": expected a non-empty string", i);
		bad = 1;
	}
	if (!k->glyph || !is_id(k->glyph)) {
		briefing_problem(p, path, "field \"kinds[%zu].glyph\": expected the name of a built-in glyph", i);
		bad = 1;
	}
	if (!k->color || strlen(k->color) != 7 || k->color[0] != '#') {
		briefing_problem(p, path, "field \"kinds[%zu].color\": expected \"#rrggbb\"", i);
		bad = 1;
	} else {
		for (int c = 0; c < 3; c++) {
			int hi = hex(k->color[1 + 2 * c]), lo = hex(k->color[2 + 2 * c]);
			if (hi < 0 || lo < 0) {
				briefing_problem(p, path, "field \"kinds[%zu].color\": expected \"#rrggbb\"", i);
				bad = 1;
				break;
			}
			k->rgb[c] = (hi * 16 + lo) / 255.0;
		}
	}
	k->zone = json_object_object_get_ex(o, "zone", &v) && json_object_get_boolean(v);
	const char *m = str(o, "measure");
	k->measure = !m ? GEODATA_MEASURE_NONE
	             : !strcmp(m, "from") ? GEODATA_MEASURE_FROM
	             : !strcmp(m, "to")   ? GEODATA_MEASURE_TO
	                                  : (geodata_measure)-1;
	if ((int)k->measure < 0) {
		briefing_problem(p, path, "field \"kinds[%zu].measure\": expected \"from\" or \"to\"", i);
		bad = 1;
	}
	return bad ? -1 : 0;
}

int kinds_read(json_object *list, geodata_kinds *out, geodata_problems *p, const char *path)
{
	memset(out, 0, sizeof *out);
	if (!json_object_is_type(list, json_type_array) || !json_object_array_length(list) ||
	    json_object_array_length(list) > GEODATA_KINDS_MAX) {
		briefing_problem(p, path, "field \"kinds\": expected an array of 1 to %d kinds",
		                 GEODATA_KINDS_MAX);
		return -1;
	}
	int bad = 0;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		geodata_kind *k = &out->kind[out->count];
		if (read_kind(json_object_array_get_idx(list, i), i, k, p, path)) {
			bad = 1;
			continue;
		}
		if (geodata_kinds_find(out, k->id) >= 0) {
			briefing_problem(p, path, "field \"kinds[%zu].id\": \"%s\" is declared twice", i,
			                 k->id);
			bad = 1;
			continue;
		}
		out->count++;
		h = fnv(fnv(fnv(fnv(fnv(h, k->id), k->label), k->glyph), k->color), k->count_noun);
		h = fnv(fnv(h, k->label_es), k->zone ? "z" : "") ^ (uint64_t)k->measure;
	}
	out->hash = h;
	return bad ? -1 : 0;
}

long geodata_kinds_find(const geodata_kinds *k, const char *id)
{
	for (size_t i = 0; k && id && i < k->count; i++)
		if (!strcmp(k->kind[i].id, id))
			return (long)i;
	return -1;
}

const char *geodata_kind_label(const geodata_kind *k, const char *lang)
{
	return lang && !strcmp(lang, "es") && k->label_es ? k->label_es : k->label;
}

/* The built-in table: read once from bytes compiled into the program, never changed after. */
static struct {
	pthread_once_t once;
	json_object *root;
	geodata_kinds kinds;
} builtin = {PTHREAD_ONCE_INIT, NULL, {.count = 0}};

static void builtin_read(void)
{
	json_object *list = NULL;
	builtin.root = json_tokener_parse(geodata_kinds_json);
	if (!builtin.root || !json_object_object_get_ex(builtin.root, "kinds", &list) ||
	    kinds_read(list, &builtin.kinds, NULL, "kinds.json")) {
		/* Only a broken build gets here: the tests read the same file. */
		fprintf(stderr, "briefmap: the built-in kinds.json is invalid\n");
		abort();
	}
}

const geodata_kinds *geodata_kinds_builtin(void)
{
	pthread_once(&builtin.once, builtin_read);
	return &builtin.kinds;
}
