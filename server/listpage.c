/* listpage.c: the list of briefings and each briefing's metadata, as JSON for the pages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "briefings.h"

/* The view of a briefing's small map: its default view when it has it, else its first. */
static const char *thumb_view(const brief *b, const geodata_briefing *meta)
{
	if (!b->views)
		return NULL;
	const geodata_views *v = b->views->views;
	if (meta && meta->default_view && geodata_views_find(v, meta->default_view))
		return meta->default_view;
	return geodata_views_count(v) ? geodata_views_get(v, 0)->name : NULL;
}

static json_object *counts_by_status(const geodata_events *ev)
{
	json_object *c = json_object_new_object();
	if (!c)
		return NULL;
	size_t n[GEODATA_STATUS_COUNT] = {0};
	size_t total = ev ? geodata_events_count(ev) : 0;
	for (size_t i = 0; i < total; i++)
		n[geodata_events_get(ev, i)->status]++;
	for (int s = 0; s < GEODATA_STATUS_COUNT; s++)
		json_object_object_add(c, geodata_event_status_name((geodata_event_status)s),
		                       json_object_new_int64((int64_t)n[s]));
	return c;
}

json_object *listpage_briefing(const brief *b)
{
	const geodata_events *ev = b->scene ? tile_scene_events(b->scene) : NULL;
	const geodata_briefing *meta = ev ? geodata_events_briefing(ev) : NULL;
	json_object *o = meta && meta->json ? json_tokener_parse(meta->json) : NULL;
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = json_object_new_object();
	}
	if (!o)
		return NULL;
	json_object_object_add(o, "slug", json_object_new_string(b->slug));
	json_object_object_add(o, "events", json_object_new_int64(ev ? (int64_t)geodata_events_count(ev) : 0));
	json_object_object_add(o, "status_counts", counts_by_status(ev));
	const char *view = thumb_view(b, meta);
	json_object_object_add(o, "thumbnail_view", view ? json_object_new_string(view) : NULL);
	json_object_object_add(o, "served", json_object_new_boolean(b->scene != NULL));
	json_object_object_add(o, "problem", b->problem ? json_object_new_string(b->problem) : NULL);
	return o;
}

char *listpage_briefings_json(briefings *bs)
{
	size_t n;
	brief **list = briefings_snapshot(bs, &n);
	json_object *root = json_object_new_object();
	json_object *arr = json_object_new_array();
	char *out = NULL;
	if (!list || !root || !arr)
		goto out;
	for (size_t i = 0; i < n; i++) {
		json_object *o = listpage_briefing(list[i]);
		if (!o)
			goto out;
		json_object_array_add(arr, o);
	}
	brief *d = briefings_default(bs);
	json_object_object_add(root, "default", d ? json_object_new_string(d->slug) : NULL);
	brief_unref(d);
	json_object_object_add(root, "briefings", arr);
	arr = NULL;
	out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
out:
	json_object_put(arr);
	json_object_put(root);
	briefings_snapshot_free(list, n);
	return out;
}
