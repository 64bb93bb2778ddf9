/* views.c: named views (a slug, a title and a box in degrees) read from a JSON file. */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/* Named views are a few lines each: a megabyte is thousands of them. */
#define MAX_VIEWS_BYTES (1u << 20)

struct geodata_views {
	geodata_view *v;
	size_t n;
	json_object *root; /* owns the strings the views point to */
};

static void fail(geodata_error *err, const char *path, const char *what)
{
	if (err)
		snprintf(err->msg, sizeof(err->msg), "views file '%s': %s", path, what);
}

geodata_views *geodata_views_load(const char *path, geodata_error *err)
{
	geodata_views *vs = calloc(1, sizeof(*vs));
	if (!vs) {
		fail(err, path, "out of memory");
		return NULL;
	}
	json_object *arr = NULL;
	char *text = NULL, why[256];
	size_t len = 0;
	if (file_read_regular(path, MAX_VIEWS_BYTES, &text, &len, why, sizeof why)) {
		fail(err, path, why);
		goto bad;
	}
	json_tokener *tok = json_tokener_new();
	vs->root = tok && len <= INT32_MAX ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
	int complete = tok && json_tokener_get_error(tok) == json_tokener_success;
	for (size_t i = complete ? json_tokener_get_parse_end(tok) : len; i < len; i++)
		if (!strchr(" \t\r\n", text[i]))
			complete = 0;
	if (!vs->root || !complete) {
		snprintf(why, sizeof why, "not valid JSON%s%s", tok ? ": " : "",
		         tok ? (json_tokener_get_error(tok) == json_tokener_success
		                    ? "unexpected data after the end"
		                    : json_tokener_error_desc(json_tokener_get_error(tok)))
		             : "");
		json_object_put(vs->root);
		vs->root = NULL;
	}
	json_tokener_free(tok);
	free(text);
	if (!vs->root) {
		fail(err, path, why);
		goto bad;
	}
	if (!json_object_object_get_ex(vs->root, "views", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		fail(err, path, "no \"views\" array");
		goto bad;
	}
	size_t n = json_object_array_length(arr);
	vs->v = calloc(n ? n : 1, sizeof(geodata_view));
	if (!vs->v) {
		fail(err, path, "out of memory");
		goto bad;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(arr, i), *name, *title, *desc, *bbox;
		if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, "name", &name) ||
		    !json_object_is_type(name, json_type_string) ||
		    !json_object_get_string_len(name) ||
		    !json_object_object_get_ex(o, "bbox", &bbox) ||
		    !json_object_is_type(bbox, json_type_array) ||
		    json_object_array_length(bbox) != 4) {
			fail(err, path, "a view lacks a name or a 4-number bbox");
			goto bad;
		}
		for (size_t k = 0; k < 4; k++) {
			json_object *c = json_object_array_get_idx(bbox, k);
			if (!json_object_is_type(c, json_type_double) &&
			    !json_object_is_type(c, json_type_int)) {
				fail(err, path,
				     "a view's bbox holds something that is not a number");
				goto bad;
			}
		}
		geodata_view *v = &vs->v[vs->n++];
		v->name = json_object_get_string(name);
		v->title = json_object_object_get_ex(o, "title", &title)
		               ? json_object_get_string(title)
		               : v->name;
		v->description = json_object_object_get_ex(o, "description", &desc)
		                     ? json_object_get_string(desc)
		                     : "";
		double *c = &v->bbox.minx;
		for (int k = 0; k < 4; k++)
			c[k] = json_object_get_double(json_object_array_get_idx(bbox, (size_t)k));
		if (!(v->bbox.minx < v->bbox.maxx && v->bbox.miny < v->bbox.maxy) ||
		    !isfinite(v->bbox.minx) || !isfinite(v->bbox.maxx) || v->bbox.minx < -180 ||
		    v->bbox.maxx > 180 || v->bbox.miny < -85.06 || v->bbox.maxy > 85.06) {
			fail(err, path, "a view's bbox is empty or inverted");
			goto bad;
		}
	}
	return vs;
bad:
	geodata_views_destroy(vs);
	return NULL;
}

void geodata_views_destroy(geodata_views *v)
{
	if (!v)
		return;
	free(v->v);
	json_object_put(v->root);
	free(v);
}

size_t geodata_views_count(const geodata_views *v)
{
	return v ? v->n : 0;
}

const geodata_view *geodata_views_get(const geodata_views *v, size_t i)
{
	return v && i < v->n ? &v->v[i] : NULL;
}

const geodata_view *geodata_views_find(const geodata_views *v, const char *name)
{
	for (size_t i = 0; v && name && i < v->n; i++)
		if (!strcmp(v->v[i].name, name))
			return &v->v[i];
	return NULL;
}

/* The input as it may be quoted in a one-line message: short, printable. */
static void quotable(const char *text, char *out, size_t n)
{
	size_t i = 0;
	for (; text[i] && i + 4 < n && i < 80; i++)
		out[i] = (unsigned char)text[i] < 0x20 || text[i] == 0x7f ? '?' : text[i];
	if (text[i])
		out[i > 3 ? i - 3 : 0] = 0, strcat(out, "...");
	else
		out[i] = 0;
}

int geodata_bbox_parse(const char *text, geodata_bbox *out, geodata_error *err)
{
	char q[96];
	double c[4];
	const char *p = text;
	const char *names[4] = {"west", "south", "east", "north"};
	if (!text || !*text) {
		if (err)
			snprintf(err->msg, sizeof(err->msg), "bbox is empty (expected W,S,E,N)");
		return GEODATA_EINVAL;
	}
	quotable(text, q, sizeof(q));
	for (int i = 0; i < 4; i++) {
		char *end;
		c[i] = strtod(p, &end);
		if (end == p || (i < 3 && *end != ',') || (i == 3 && *end != 0)) {
			if (err)
				snprintf(err->msg, sizeof(err->msg),
				         "bbox '%s' is not four numbers W,S,E,N", q);
			return GEODATA_EINVAL;
		}
		if (!isfinite(c[i])) {
			if (err)
				snprintf(err->msg, sizeof(err->msg),
				         "bbox %s is not a finite number", names[i]);
			return GEODATA_EINVAL;
		}
		p = end + 1;
	}
	const char *why = NULL;
	if (c[0] < -180 || c[0] > 180 || c[2] < -180 || c[2] > 180)
		why = "longitudes must be within -180..180";
	else if (c[1] < -85.06 || c[1] > 85.06 || c[3] < -85.06 || c[3] > 85.06)
		why = "latitudes must be within -85.06..85.06";
	else if (c[0] >= c[2])
		why = "west must be less than east";
	else if (c[1] >= c[3])
		why = "south must be less than north";
	if (why) {
		if (err)
			snprintf(err->msg, sizeof(err->msg), "bad bbox '%s': %s", q, why);
		return GEODATA_EINVAL;
	}
	out->minx = c[0];
	out->miny = c[1];
	out->maxx = c[2];
	out->maxy = c[3];
	return 0;
}
