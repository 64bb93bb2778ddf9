/* tilekey.c: one XYZ tile's identity: its cache key, its ETag and revision inputs, its render. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "private.h"
#include "tiles.h"

/* Which tilesets draw the events; indexed by tile_tileset, beside tilemath.c's names. */
static const unsigned char tileset_uses_events[] = {
    [TILE_TILESET_BRIEFING] = 1,
    [TILE_TILESET_BASE] = 0,
    [TILE_TILESET_EVENTS] = 1,
};
_Static_assert(sizeof tileset_uses_events == TILE_TILESET_COUNT,
               "every tileset says whether it draws the events");

int tile_tileset_uses_events(tile_tileset t)
{
	return (unsigned)t < TILE_TILESET_COUNT && tileset_uses_events[t];
}

uint64_t tile_hash_add(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

uint64_t tile_hash_str(uint64_t h, const char *s)
{
	return tile_hash_add(h, s, strlen(s) + 1);
}

uint64_t tile_hash_u64(uint64_t h, uint64_t v)
{
	return tile_hash_add(h, &v, sizeof v);
}

int tile_key_init(tile_key *k, tile_tileset ts, int z, long x, long y, int scale,
                  tile_image_format format, geodata_day until, uint64_t events,
                  const char *briefing)
{
	memset(k, 0, sizeof *k);
	if ((unsigned)ts >= TILE_TILESET_COUNT || (scale != 1 && scale != 2) ||
	    !tile_image_codec_get(format))
		return TILE_EINVAL;
	if (!tile_xyz_valid(z, x, y))
		return TILE_ERANGE;
	k->tileset = ts;
	k->z = z;
	k->x = x;
	k->y = y;
	k->scale = scale;
	k->format = format;
	k->until = GEODATA_DAY_OPEN;
	/* The base map is one for every briefing and every date. */
	if (!tile_tileset_uses_events(ts))
		return 0;
	if (briefing && *briefing) {
		if (!geodata_slug_valid(briefing))
			return TILE_EINVAL;
		snprintf(k->briefing, sizeof k->briefing, "%s", briefing);
	}
	k->until = until;
	k->events = events;
	return 0;
}

void tile_key_set_lang(tile_key *k, const char *lang)
{
	size_t i = tile_lang_index(lang);
	k->lang = i ? tile_lang_code(i) : NULL;
}

int tile_key_briefing_prefix(const char *briefing, char *out, size_t cap)
{
	int n = snprintf(out, cap, "b/%s/", briefing);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int tile_key_cache_key(const tile_key *k, char *out, size_t cap)
{
	char pre[GEODATA_SLUG_MAX + 4] = "";
	if (k->briefing[0] && tile_key_briefing_prefix(k->briefing, pre, sizeof pre) < 0)
		return -1;
	const char *name = tile_tileset_name(k->tileset);
	const char *ext = tile_image_codec_get(k->format)->ext;
	int n;
	if (k->until == GEODATA_DAY_OPEN)
		n = snprintf(out, cap, "%s%s/%d/%ld/%ld@%d.%s", pre, name, k->z, k->x, k->y,
		             k->scale, ext);
	else
		n = snprintf(out, cap, "%s%s/%d/%ld/%ld@%d.%s?%" PRId32, pre, name, k->z, k->x,
		             k->y, k->scale, ext, k->until);
	if (n >= 0 && (size_t)n < cap && k->lang)
		n += snprintf(out + n, cap - (size_t)n, "#%s", k->lang);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

uint64_t tile_key_tag(const tile_key *k)
{
	return k->events;
}

uint64_t tile_key_hash(const tile_key *k, uint64_t data_version)
{
	uint64_t h = tile_hash_str(TILE_HASH_INIT, tile_tileset_name(k->tileset));
	h = tile_hash_u64(h, (uint64_t)k->z);
	h = tile_hash_u64(h, (uint64_t)k->x);
	h = tile_hash_u64(h, (uint64_t)k->y);
	h = tile_hash_u64(h, (uint64_t)k->scale);
	h = tile_hash_str(h, tile_image_codec_get(k->format)->ext);
	h = tile_hash_u64(h, tile_tileset_uses_events(k->tileset) ? (uint64_t)(uint32_t)k->until : 0);
	h = tile_hash_u64(h, data_version);
	h = tile_hash_u64(h, k->events);
	h = tile_hash_str(h, k->briefing);
	/* Only when set, so that tiles in the default names keep the ETags they had. */
	return k->lang ? tile_hash_str(h, k->lang) : h;
}

uint64_t tile_key_revision(tile_tileset ts, uint64_t data_version, uint64_t events,
                           const char *briefing)
{
	int ev = tile_tileset_uses_events(ts);
	uint64_t h = tile_hash_u64(TILE_HASH_INIT, data_version);
	h = tile_hash_u64(h, ev ? events : 0);
	/* Two briefings with equal events still have tiles of their own. */
	if (ev && briefing)
		h = tile_hash_str(h, briefing);
	return h;
}

int tile_key_render(const tile_scene *s, const tile_key *k, tile_buffer *out, tile_error *err)
{
	return tile_render_xyz_lang(s, k->tileset, k->z, k->x, k->y, k->scale, k->until, k->lang,
	                            k->format, out, err);
}
