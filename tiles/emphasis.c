/* emphasis.c: the countries a briefing's events are in, tinted on the maps that show them. */
#include <string.h>

#include "private.h"

typedef struct {
	const geodata_layer *layer;
	double x, y;
	tile_emphasis *out;
} probe;

static int add_if_inside(const geodata_piece *piece, const geodata_feature *f, void *ud)
{
	probe *pr = ud;
	/* Bytes that fail their check count as outside; geodata_damaged tells the command. */
	const geodata_geom *g = geodata_piece_geom(pr->layer, piece, GEODATA_MAX_ZOOM);
	if (!g || g->type != GEODATA_GEOM_POLYGON || !geodata_geom_contains(g, pr->x, pr->y))
		return 0;
	tile_emphasis *e = pr->out;
	if (tile_emphasis_has(e, f->code) || e->n == TILE_EMPHASIS_MAX ||
	    strlen(f->code) >= sizeof e->codes[0])
		return 0;
	strcpy(e->codes[e->n++], f->code);
	return 0;
}

void tile_emphasis_find(const geodata *gd, const geodata_events *ev, tile_emphasis *out)
{
	memset(out, 0, sizeof *out);
	const geodata_layer *countries = geodata_layer_get(gd, GEODATA_COUNTRIES);
	for (size_t i = 0; countries && i < geodata_events_count(ev); i++) {
		const geodata_event *e = geodata_events_get(ev, i);
		probe pr = {countries, e->anchor_x, e->anchor_y, out};
		geodata_bbox b = {pr.x, pr.y, pr.x, pr.y};
		geodata_layer_query(countries, &b, add_if_inside, &pr);
	}
}

int tile_emphasis_has(const tile_emphasis *e, const char *code)
{
	for (size_t i = 0; e && code && i < e->n; i++)
		if (!strcmp(e->codes[i], code))
			return 1;
	return 0;
}
