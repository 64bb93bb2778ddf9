/* area.c: resolves an ISO 3166-1 alpha-2 country code to its polygon in the countries layer. */
#include <string.h>
#include <strings.h>

#include "geodata.h"

typedef struct hit {
	const geodata_layer *layer;
	double x, y;
	long feature;
} hit;

int geodata_geom_contains(const geodata_geom *g, double x, double y)
{
	int inside = 0;
	const double *xy = g->xy;
	for (uint32_t r = 0; r < g->nparts; r++) {
		uint32_t n = g->part_len[r];
		for (uint32_t i = 0, j = n ? n - 1 : 0; i < n; j = i++) {
			double xi = xy[2 * i], yi = xy[2 * i + 1], xj = xy[2 * j], yj = xy[2 * j + 1];
			if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
				inside = !inside;
		}
		xy += 2 * (size_t)n;
	}
	return inside;
}

static int visit(const geodata_piece *piece, const geodata_feature *f, void *ud)
{
	(void)f;
	hit *h = ud;
	/* Bytes that fail their check count as outside; geodata_damaged tells the caller. */
	const geodata_geom *g = geodata_piece_geom(h->layer, piece, GEODATA_MAX_ZOOM);
	if (g && g->type == GEODATA_GEOM_POLYGON && geodata_geom_contains(g, h->x, h->y)) {
		h->feature = (long)piece->feature;
		return 1;
	}
	return 0;
}

/*
 * The countries layer carries ISO numeric ids, the states layer ISO 3166-2
 * codes: the country of "MX" is the one that contains the label point of a
 * state coded "MX-...". No second table of country codes is needed.
 */
long geodata_country_find(const geodata *gd, const char *alpha2)
{
	if (!gd || !alpha2 || strlen(alpha2) != 2)
		return -1;
	const geodata_layer *states = geodata_layer_get(gd, GEODATA_STATES);
	const geodata_layer *countries = geodata_layer_get(gd, GEODATA_COUNTRIES);
	if (!states || !countries)
		return -1;
	for (size_t i = 0; i < geodata_layer_feature_count(states); i++) {
		const geodata_feature *s = geodata_layer_feature(states, i);
		if (!s->code || strncasecmp(s->code, alpha2, 2) || s->code[2] != '-')
			continue;
		hit h = {countries, s->label_x, s->label_y, -1};
		geodata_bbox q = {h.x, h.y, h.x, h.y};
		geodata_layer_query(countries, &q, visit, &h);
		if (h.feature >= 0)
			return h.feature;
	}
	return -1;
}
