/* params.c: the one request model of tiles and sheets: what `briefmap tile`/`render` and the HTTP
 * tile and sheet URLs ask for, with one set of defaults and limits. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "private.h"

static const char until_msg[] = "until must be a date YYYY-MM-DD";

void params_tile_init(params_tile *t)
{
	memset(t, 0, sizeof *t);
	t->tileset = TILE_TILESET_BRIEFING;
	t->scale = 1;
	t->format = TILE_IMAGE_PNG;
	t->until = GEODATA_DAY_OPEN;
}

int params_tile_set(params_tile *t, const char *key, const char *value, const char **msg)
{
	long v;
	if (strcmp(key, "tileset") == 0) {
		int ts = tile_tileset_from_name(value);
		if (ts < 0) {
			*msg = "no such tileset (briefing, base or events)";
			return PARAMS_ENOTFOUND;
		}
		t->tileset = (tile_tileset)ts;
	} else if (strcmp(key, "scale") == 0) {
		if (query_uint_parse(value, strlen(value), 9, &v) < 0 || v < 1 || v > 2) {
			*msg = "scale must be 1 or 2";
			return PARAMS_EBAD;
		}
		t->scale = (int)v;
	} else if (strcmp(key, "until") == 0) {
		if (geodata_date_parse(value, &t->until) != 0) {
			*msg = until_msg;
			return PARAMS_EBAD;
		}
	} else if (strcmp(key, "lang") == 0) {
		if (!(t->lang = tile_sheet_lang_find(value))) {
			*msg = "lang must be en or es";
			return PARAMS_EBAD;
		}
	} else if (strcmp(key, "ext") == 0) {
		int f = tile_image_format_from_ext(value, strlen(value));
		if (f < 0) {
			*msg = "tiles are {y}.{format} or {y}@2x.{format} in a known format";
			return PARAMS_ENOTFOUND;
		}
		t->format = (tile_image_format)f;
	} else {
		*msg = "unknown tile parameter";
		return PARAMS_EBAD;
	}
	return 0;
}

/* Malformed numbers are refused before the range: an address is read, then looked up. */
static int tile_range(const params_tile *t, const char **msg)
{
	if (t->z > GEODATA_MAX_ZOOM || !tile_xyz_valid(t->z, t->x, t->y)) {
		*msg = "tile out of range";
		return PARAMS_ENOTFOUND;
	}
	return 0;
}

int params_tile_address(params_tile *t, const char *zxy, size_t len, const char **msg)
{
	const char *s1 = memchr(zxy, '/', len);
	const char *s2 = s1 ? memchr(s1 + 1, '/', len - (size_t)(s1 + 1 - zxy)) : NULL;
	long z;
	*msg = "tile coordinates must be plain decimal integers Z/X/Y";
	if (!s2 || memchr(s2 + 1, '/', len - (size_t)(s2 + 1 - zxy)))
		return PARAMS_EBAD;
	if (query_uint_parse(zxy, (size_t)(s1 - zxy), 1L << 30, &z) < 0 ||
	    query_uint_parse(s1 + 1, (size_t)(s2 - s1 - 1), LONG_MAX / 4, &t->x) < 0 ||
	    query_uint_parse(s2 + 1, len - (size_t)(s2 + 1 - zxy), LONG_MAX / 4, &t->y) < 0)
		return PARAMS_EBAD;
	t->z = z > INT_MAX ? INT_MAX : (int)z;
	return tile_range(t, msg);
}

int params_tile_http(params_tile *t, const char *rest, const query *q, const char **msg)
{
	params_tile_init(t);
	query_tile qt;
	int prc = query_tile_parse(rest, &qt);
	if (prc == QUERY_TILE_NO_ROUTE) {
		*msg = "no such route";
		return PARAMS_ENOTFOUND;
	}
	int rc = params_tile_set(t, "tileset", qt.tileset, msg);
	if (rc)
		return rc;
	if (prc == QUERY_TILE_NO_SUFFIX) {
		*msg = "tiles are {y}.{format} or {y}@2x.{format} in a known format";
		return PARAMS_ENOTFOUND;
	}
	if (prc != QUERY_TILE_OK) {
		*msg = "tile coordinates must be plain decimal integers";
		return PARAMS_EBAD;
	}
	t->z = qt.z > INT_MAX ? INT_MAX : (int)qt.z;
	t->x = qt.x;
	t->y = qt.y;
	t->scale = qt.scale;
	t->format = qt.format;
	if ((rc = tile_range(t, msg)) != 0)
		return rc;
	const char *until = query_get(q, "until"), *lang = query_get(q, "lang");
	if (until && (rc = params_tile_set(t, "until", until, msg)) != 0)
		return rc;
	return lang ? params_tile_set(t, "lang", lang, msg) : 0;
}

void params_sheet_init(params_sheet *p)
{
	memset(p, 0, sizeof *p);
	p->req.width = PARAMS_SHEET_WIDTH;
	p->req.height = PARAMS_SHEET_HEIGHT;
	p->req.scale = 1;
	p->req.format = TILE_FORMAT_PNG;
	p->req.until = GEODATA_DAY_OPEN;
}

static int fail(params_sheet *p, int rc, const char *msg)
{
	snprintf(p->msg, sizeof p->msg, "%.199s", msg);
	return rc;
}

int params_sheet_set(params_sheet *p, const char *key, const char *value)
{
	tile_sheet_request *r = &p->req;
	long w, h;
	if (strcmp(key, "view") == 0) {
		p->view = value;
	} else if (strcmp(key, "bbox") == 0) {
		geodata_error gerr = {{0}};
		if (geodata_bbox_parse(value, &r->bbox, &gerr) < 0)
			return fail(p, PARAMS_EBAD, gerr.msg[0] ? gerr.msg : "bad bbox");
		p->has_bbox = 1;
	} else if (strcmp(key, "size") == 0) {
		if (query_size_parse(value, &w, &h) < 0)
			return fail(p, PARAMS_EBAD, "size must be WxH in pixels");
		if (w > TILE_MAX_SIDE || h > TILE_MAX_SIDE) {
			snprintf(p->msg, sizeof p->msg,
			         "image too large: %ldx%ld is beyond %d pixels a side", w, h,
			         TILE_MAX_SIDE);
			return PARAMS_ETOOBIG;
		}
		r->width = (int)w;
		r->height = (int)h;
	} else if (strcmp(key, "scale") == 0) {
		if (query_uint_parse(value, strlen(value), 9, &w) < 0 || w < 1 || w > 2)
			return fail(p, PARAMS_EBAD, "scale must be 1 or 2");
		r->scale = (int)w;
	} else if (strcmp(key, "format") == 0) {
		int f = tile_format_from_name(value);
		if (f < 0)
			return fail(p, PARAMS_EBAD, "format must be png, pdf or svg");
		r->format = (tile_format)f;
	} else if (strcmp(key, "crs") == 0) {
		if (!*value || strlen(value) > 512)
			return fail(p, PARAMS_EBAD, "bad crs");
		r->crs = value;
	} else if (strcmp(key, "title") == 0) {
		r->title = value;
	} else if (strcmp(key, "until") == 0) {
		if (geodata_date_parse(value, &r->until) != 0)
			return fail(p, PARAMS_EBAD, until_msg);
	} else if (strcmp(key, "lang") == 0) {
		if (!(r->lang = tile_sheet_lang_find(value)))
			return fail(p, PARAMS_EBAD, "lang must be en or es");
	} else if (strcmp(key, "bare") == 0) {
		if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0)
			return fail(p, PARAMS_EBAD, "bare must be 0 or 1");
		r->bare = value[0] == '1';
	} else {
		return fail(p, PARAMS_EBAD, "unknown sheet parameter");
	}
	return 0;
}

/* Refused before any drawing: the answer does not depend on the data. */
static int size_check(params_sheet *p)
{
	tile_sheet_request *r = &p->req;
	if (!tile_sheet_format_get(r->format)->raster)
		r->scale = 1;
	long w = r->width, h = r->height, s = r->scale;
	if (w * s > TILE_MAX_SIDE || h * s > TILE_MAX_SIDE || w * h * s * s > TILE_MAX_PIXELS) {
		snprintf(p->msg, sizeof p->msg,
		         "image too large: %ldx%ld at scale %ld is beyond %d pixels a side or %ld "
		         "in all",
		         w, h, s, TILE_MAX_SIDE, (long)TILE_MAX_PIXELS);
		return PARAMS_ETOOBIG;
	}
	return 0;
}

int params_sheet_check(params_sheet *p)
{
	if (p->view && p->has_bbox)
		return fail(p, PARAMS_EBAD, "give view or bbox, not both");
	if (!p->view && !p->has_bbox)
		return fail(p, PARAMS_EBAD, "view or bbox is required");
	return size_check(p);
}

int params_sheet_view(params_sheet *p, const geodata_views *views)
{
	const geodata_view *v = p->view ? geodata_views_find(views, p->view) : NULL;
	if (p->view && !v)
		return fail(p, PARAMS_ENOTFOUND, "no such view");
	if (v)
		p->req.bbox = v->bbox;
	if (!p->req.title)
		p->req.title = v ? v->title : PARAMS_SHEET_TITLE;
	return 0;
}

int params_sheet_http(params_sheet *p, const char *ext, const query *q,
                      const geodata_views *views)
{
	params_sheet_init(p);
	/* In the order of the answers: a bad language, then the place, size, and the rest. */
	static const char *const order[] = {"format", "lang", "view", "bbox", "size", "scale"};
	static const char *const after[] = {"until", "crs", "title", "bare"};
	int rc;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const char *v = i == 0 ? ext : query_get(q, order[i]);
		if (i == 3 && p->view && query_get(q, "bbox"))
			return fail(p, PARAMS_EBAD, "give view or bbox, not both");
		if (i == 3 && (rc = params_sheet_view(p, views)) != 0)
			return rc;
		if (v && (rc = params_sheet_set(p, order[i], v)) != 0)
			return rc;
	}
	if ((rc = params_sheet_check(p)) != 0)
		return rc;
	for (size_t i = 0; i < sizeof after / sizeof after[0]; i++) {
		const char *v = query_get(q, after[i]);
		if (v && (rc = params_sheet_set(p, after[i], v)) != 0)
			return rc;
	}
	if (!p->req.title)
		p->req.title = PARAMS_SHEET_TITLE;
	return 0;
}
