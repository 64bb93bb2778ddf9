/* style.c: the body of /api/style, the kinds of a briefing and the statuses with their symbology, in a language. */
#include <json.h>

#include "private.h"

static json_object *glyph_paths(const char *name)
{
	tiles_glyph_path *p = NULL;
	size_t n = 0;
	if (tiles_glyph_svg(name, &p, &n))
		return NULL;
	json_object *a = json_object_new_array();
	for (size_t i = 0; a && i < n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "d", json_object_new_string(p[i].d));
		/* Filled parts have no stroke width: the page fills them with the glyph's ink. */
		if (p[i].stroke_width > 0)
			json_object_object_add(o, "stroke_width",
			                       json_object_new_double(p[i].stroke_width));
		json_object_array_add(a, o);
	}
	tiles_glyph_svg_free(p, n);
	return a;
}

static json_object *kind_json(const geodata_kind *k, const char *lang)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(k->id));
	json_object_object_add(o, "label", json_object_new_string(geodata_kind_label(k, lang)));
	json_object_object_add(o, "color", json_object_new_string(k->color));
	/* A glyph outside the set is drawn as the dot, on the map and on the page alike. */
	const char *g = tiles_glyph_find(k->glyph) >= 0 ? k->glyph : tiles_glyph_name(0);
	json_object_object_add(o, "glyph", json_object_new_string(g));
	json_object_object_add(o, "paths", glyph_paths(g));
	json_object_object_add(o, "zone", json_object_new_boolean(k->zone));
	if (k->count_noun)
		json_object_object_add(o, "count_noun", json_object_new_string(k->count_noun));
	return o;
}

static json_object *status_json(geodata_event_status s, const char *lang)
{
	const geodata_status_info *st = geodata_status_get(s);
	const geodata_status_words w = geodata_status_words_get(s, lang);
	const geodata_treatment *t = &st->treatment;
	json_object *o = json_object_new_object(), *tr = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(st->name));
	json_object_object_add(o, "label", json_object_new_string(w.label));
	json_object_object_add(o, "words", json_object_new_string(w.words));
	json_object_object_add(o, "legend", json_object_new_string(w.legend));
	json_object_object_add(o, "legend_note", json_object_new_string(w.legend_note));
	json_object_object_add(o, "count_one", json_object_new_string(w.count_one));
	json_object_object_add(o, "count_other", json_object_new_string(w.count_other));
	json_object_object_add(o, "color", json_object_new_string(st->color));
	json_object_object_add(o, "label_rank", json_object_new_int(st->label_rank));
	json_object_object_add(tr, "line", json_object_new_string(geodata_line_name(t->line)));
	json_object_object_add(tr, "fill", json_object_new_string(geodata_fill_name(t->fill)));
	json_object_object_add(tr, "inner_ring", json_object_new_boolean(t->inner_ring));
	json_object_object_add(tr, "hatch", json_object_new_boolean(t->hatch));
	json_object_object_add(tr, "shape", json_object_new_string(geodata_shape_name(t->shape)));
	json_object_object_add(tr, "badge", json_object_new_boolean(t->badge));
	json_object_object_add(o, "treatment", tr);
	return o;
}

json_object *style_json(const geodata_events *ev, const char *lang)
{
	const geodata_kinds *kinds = geodata_events_kinds(ev);
	json_object *root = json_object_new_object(), *k = json_object_new_array(),
	            *s = json_object_new_array(), *g = json_object_new_array();
	if (!root || !k || !s || !g) {
		json_object_put(root), json_object_put(k), json_object_put(s), json_object_put(g);
		return NULL;
	}
	for (size_t i = 0; i < kinds->count; i++)
		json_object_array_add(k, kind_json(&kinds->kind[i], lang));
	for (int i = 0; i < GEODATA_STATUS_COUNT; i++)
		json_object_array_add(s, status_json((geodata_event_status)i, lang));
	for (size_t i = 0; i < tiles_glyph_count(); i++)
		json_object_array_add(g, json_object_new_string(tiles_glyph_name(i)));
	/* The language is in the body, so that the ETag (the body's hash) differs by language. */
	json_object_object_add(root, "lang", json_object_new_string(lang ? lang : "en"));
	json_object_object_add(root, "kinds", k);
	json_object_object_add(root, "statuses", s);
	json_object_object_add(root, "glyphs", g);
	return root;
}
