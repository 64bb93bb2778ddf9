/* labelgrid.c: a zoom's placed labels filed by tile-sized cell, so a tile reads only its own. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

typedef struct pair {
	uint64_t key;
	uint32_t item;
} pair;

/* Cells are counted from -1 so that a label hanging over the world's left or top edge fits. */
static uint64_t cell_key(long cx, long cy)
{
	return ((uint64_t)(uint32_t)(cy + 1) << 32) | (uint32_t)(cx + 1);
}

static long cell_of(double v)
{
	double c = floor(v / LABEL_GRID_CELL);
	return c < -1 ? -1 : c > 4e9 ? 4000000000L : (long)c;
}

static int pair_cmp(const void *a, const void *b)
{
	const pair *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->item < y->item ? -1 : x->item > y->item;
}

/* Everything a label draws: its text, and its dot or an event's leader line back to the anchor. */
static void label_extent(const placed_label *l, double m, double *x0, double *y0, double *x1,
                         double *y1)
{
	*x0 = l->x, *y0 = l->y, *x1 = l->x + l->w, *y1 = l->y + l->h;
	if (l->dot || l->cls == LABEL_EVENT) {
		*x0 = fmin(*x0, l->ax), *y0 = fmin(*y0, l->ay);
		*x1 = fmax(*x1, l->ax), *y1 = fmax(*y1, l->ay);
	}
	*x0 -= m, *y0 -= m, *x1 += m, *y1 += m;
}

int label_grid_build(label_grid *g, const placed_label *v, size_t n, double margin)
{
	memset(g, 0, sizeof(*g));
	size_t np = 0, cap = n + 16;
	pair *p = malloc(cap * sizeof(*p));
	int rc = TILE_ENOMEM;
	if (!p)
		return rc;
	for (size_t i = 0; i < n; i++) {
		double x0, y0, x1, y1;
		label_extent(&v[i], margin, &x0, &y0, &x1, &y1);
		if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1))
			continue;
		for (long cy = cell_of(y0); cy <= cell_of(y1); cy++)
			for (long cx = cell_of(x0); cx <= cell_of(x1); cx++) {
				if (np == cap) {
					pair *q = realloc(p, 2 * cap * sizeof(*p));
					if (!q)
						goto done;
					p = q;
					cap *= 2;
				}
				p[np++] = (pair){cell_key(cx, cy), (uint32_t)i};
			}
	}
	qsort(p, np, sizeof(*p), pair_cmp);
	size_t ncells = 0;
	for (size_t i = 0; i < np; i++)
		ncells += i == 0 || p[i].key != p[i - 1].key;
	g->keys = malloc((ncells ? ncells : 1) * sizeof(*g->keys));
	g->first = malloc((ncells + 1) * sizeof(*g->first));
	g->items = malloc((np ? np : 1) * sizeof(*g->items));
	if (!g->keys || !g->first || !g->items) {
		label_grid_finish(g);
		goto done;
	}
	size_t c = 0;
	for (size_t i = 0; i < np; i++) {
		if (i == 0 || p[i].key != p[i - 1].key) {
			g->keys[c] = p[i].key;
			g->first[c++] = (uint32_t)i;
		}
		g->items[i] = p[i].item;
	}
	g->first[ncells] = (uint32_t)np;
	g->ncells = ncells;
	g->ready = 1;
	rc = 0;
done:
	free(p);
	return rc;
}

void label_grid_finish(label_grid *g)
{
	free(g->keys);
	free(g->first);
	free(g->items);
	memset(g, 0, sizeof(*g));
}

/* The items of one cell, in placement order; none for a cell no label meets. */
static const uint32_t *cell_items(const label_grid *g, long cx, long cy, size_t *n)
{
	uint64_t k = cell_key(cx, cy);
	size_t lo = 0, hi = g->ncells;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (g->keys[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == g->ncells || g->keys[lo] != k) {
		*n = 0;
		return NULL;
	}
	*n = g->first[lo + 1] - g->first[lo];
	return g->items + g->first[lo];
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

long label_grid_query(const label_grid *g, double x0, double y0, double x1, double y1,
                      const uint32_t **out, uint32_t **scratch)
{
	*out = NULL;
	*scratch = NULL;
	long cx0 = cell_of(x0), cx1 = cell_of(x1), cy0 = cell_of(y0), cy1 = cell_of(y1);
	size_t n;
	if (cx0 == cx1 && cy0 == cy1) {
		*out = cell_items(g, cx0, cy0, &n);
		return (long)n;
	}
	size_t total = 0, len = 0;
	for (long cy = cy0; cy <= cy1; cy++)
		for (long cx = cx0; cx <= cx1; cx++) {
			cell_items(g, cx, cy, &n);
			total += n;
		}
	uint32_t *v = malloc((total ? total : 1) * sizeof(*v));
	if (!v)
		return -1;
	for (long cy = cy0; cy <= cy1; cy++)
		for (long cx = cx0; cx <= cx1; cx++) {
			const uint32_t *it = cell_items(g, cx, cy, &n);
			if (n)
				memcpy(v + len, it, n * sizeof(*v));
			len += n;
		}
	/* A label over several cells is filed in each: once, and in placement order. */
	qsort(v, len, sizeof(*v), u32_cmp);
	size_t u = 0;
	for (size_t i = 0; i < len; i++)
		if (u == 0 || v[i] != v[u - 1])
			v[u++] = v[i];
	*out = v;
	*scratch = v;
	return (long)u;
}
