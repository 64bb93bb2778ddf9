/* index.c: the packed R-tree that lets a tile touch only the pieces it meets. */
#include <stdlib.h>
#include <string.h>

#include "private.h"

#define NODE_SIZE RTREE_NODE_SIZE

static double centre(const geodata_bbox *b, int axis)
{
	return axis ? (b->miny + b->maxy) * 0.5 : (b->minx + b->maxx) * 0.5;
}

/* qsort has no context argument: sort (key, item) pairs instead. */
typedef struct {
	double key;
	uint32_t item;
} keyed;

static int keyed_cmp(const void *a, const void *b)
{
	double ka = ((const keyed *)a)->key, kb = ((const keyed *)b)->key;
	return ka < kb ? -1 : ka > kb;
}

static void sort_by(uint32_t *items, size_t n, const geodata_bbox *boxes, int axis, keyed *tmp)
{
	for (size_t i = 0; i < n; i++) {
		tmp[i].key = centre(&boxes[items[i]], axis);
		tmp[i].item = items[i];
	}
	qsort(tmp, n, sizeof(*tmp), keyed_cmp);
	for (size_t i = 0; i < n; i++)
		items[i] = tmp[i].item;
}

static geodata_bbox union_box(const geodata_bbox *a, const geodata_bbox *b)
{
	geodata_bbox r = *a;
	if (b->minx < r.minx)
		r.minx = b->minx;
	if (b->miny < r.miny)
		r.miny = b->miny;
	if (b->maxx > r.maxx)
		r.maxx = b->maxx;
	if (b->maxy > r.maxy)
		r.maxy = b->maxy;
	return r;
}

int rtree_build(rtree *t, const geodata_bbox *boxes, size_t n)
{
	memset(t, 0, sizeof(*t));
	if (n == 0)
		return 0;
	size_t cap = 2 * (n / NODE_SIZE + 1) + 64;
	keyed *tmp = malloc(n * sizeof(*tmp));
	t->items = malloc(n * sizeof(uint32_t));
	/* Zeroed so that the padding of nodes written to a snapshot is the same on every run. */
	t->nodes = calloc(cap, sizeof(rtree_node));
	if (!tmp || !t->items || !t->nodes)
		goto fail;
	t->nitems = n;
	for (size_t i = 0; i < n; i++)
		t->items[i] = (uint32_t)i;

	/* Sort-tile-recursive: slices by x, then by y within each slice. */
	size_t nleaves = (n + NODE_SIZE - 1) / NODE_SIZE;
	size_t slices = 1;
	while (slices * slices < nleaves)
		slices++;
	size_t per_slice = slices * NODE_SIZE;
	sort_by(t->items, n, boxes, 0, tmp);
	for (size_t s = 0; s < n; s += per_slice) {
		size_t m = n - s < per_slice ? n - s : per_slice;
		sort_by(t->items + s, m, boxes, 1, tmp);
	}
	for (size_t i = 0; i < n; i += NODE_SIZE) {
		rtree_node *nd = &t->nodes[t->nnodes++];
		nd->leaf = 1;
		nd->first = (uint32_t)i;
		nd->count = (uint32_t)(n - i < NODE_SIZE ? n - i : NODE_SIZE);
		nd->box = boxes[t->items[i]];
		for (uint32_t k = 1; k < nd->count; k++)
			nd->box = union_box(&nd->box, &boxes[t->items[i + k]]);
	}
	/* Upper levels group consecutive nodes: leaves are already spatially sorted. */
	size_t level_start = 0, level_end = t->nnodes;
	while (level_end - level_start > 1) {
		for (size_t i = level_start; i < level_end; i += NODE_SIZE) {
			if (t->nnodes >= cap) {
				rtree_node *grown = realloc(t->nodes, 2 * cap * sizeof(rtree_node));
				if (!grown)
					goto fail;
				memset(grown + cap, 0, cap * sizeof(rtree_node));
				t->nodes = grown;
				cap *= 2;
			}
			rtree_node *nd = &t->nodes[t->nnodes++];
			nd->leaf = 0;
			nd->first = (uint32_t)i;
			nd->count =
			    (uint32_t)(level_end - i < NODE_SIZE ? level_end - i : NODE_SIZE);
			nd->box = t->nodes[i].box;
			for (uint32_t k = 1; k < nd->count; k++)
				nd->box = union_box(&nd->box, &t->nodes[i + k].box);
		}
		level_start = level_end;
		level_end = t->nnodes;
	}
	t->root = t->nnodes - 1;
	free(tmp);
	return 0;
fail:
	free(tmp);
	rtree_finish(t);
	return GEODATA_ENOMEM;
}

int rtree_check(const rtree *t, size_t nboxes)
{
	if (t->nitems != nboxes || (t->nnodes == 0) != (t->nitems == 0))
		return -1;
	if (t->nnodes && t->root >= t->nnodes)
		return -1;
	for (size_t i = 0; i < t->nitems; i++)
		if (t->items[i] >= nboxes)
			return -1;
	/* Each node and item has at most one parent, so a walk visits each once at most. */
	unsigned char *owned = calloc(t->nnodes + t->nitems + 1, 1);
	if (!owned)
		return -1;
	int rc = -1;
	for (size_t i = 0; i < t->nnodes; i++) {
		const rtree_node *nd = &t->nodes[i];
		if (nd->count == 0 || nd->count > NODE_SIZE || nd->leaf > 1)
			goto out;
		/* Children come before their parent: every walk goes down and ends. */
		size_t limit = nd->leaf ? t->nitems : i;
		if (nd->first > limit || nd->count > limit - nd->first)
			goto out;
		unsigned char *o = owned + (nd->leaf ? t->nnodes : 0) + nd->first;
		for (uint32_t k = 0; k < nd->count; k++) {
			if (o[k])
				goto out;
			o[k] = 1;
		}
	}
	/* And every node but the root, and every item, has one: nothing is out of the walk's reach. */
	for (size_t i = 0; i < t->nnodes + t->nitems; i++)
		if (!owned[i] != (i == t->root))
			goto out;
	rc = 0;
out:
	free(owned);
	return rc;
}

void rtree_finish(rtree *t)
{
	if (!t)
		return;
	free(t->nodes);
	free(t->items);
	memset(t, 0, sizeof(*t));
}

int rtree_search(const rtree *t, const geodata_bbox *boxes, const geodata_bbox *q,
                 int (*fn)(uint32_t item, void *ud), void *ud)
{
	if (!t->nnodes)
		return 0;
	/* Depth is log16(n): a small fixed stack is plenty. */
	size_t stack[256];
	size_t sp = 0;
	stack[sp++] = t->root;
	while (sp) {
		const rtree_node *nd = &t->nodes[stack[--sp]];
		if (!bbox_meets(&nd->box, q))
			continue;
		if (nd->leaf) {
			for (uint32_t k = 0; k < nd->count; k++) {
				uint32_t it = t->items[nd->first + k];
				if (bbox_meets(&boxes[it], q)) {
					int rc = fn(it, ud);
					if (rc)
						return rc;
				}
			}
		} else {
			for (uint32_t k = 0; k < nd->count && sp < 256; k++)
				stack[sp++] = nd->first + k;
		}
	}
	return 0;
}
