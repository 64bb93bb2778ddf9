/* test_index.c: the R-tree query of every real layer against a brute-force scan of piece boxes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "testcase.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geodata/private.h"
#include "testutil.h"

typedef struct hits {
	const geodata_layer *layer;
	size_t *v;
	size_t len, cap;
	int stop_after; /* 0: never stop */
} hits;

static int collect(const geodata_piece *piece, const geodata_feature *feature, void *ud)
{
	hits *h = ud;
	size_t i = (size_t)(piece - geodata_layer_piece(h->layer, 0));
	assert_true(i < geodata_layer_piece_count(h->layer));
	assert_ptr_equal(geodata_layer_piece(h->layer, i), piece);
	assert_ptr_equal(geodata_layer_feature(h->layer, piece->feature), feature);
	if (h->len == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 1024;
		h->v = realloc(h->v, h->cap * sizeof(size_t));
		assert_non_null(h->v);
	}
	h->v[h->len++] = i;
	return h->stop_after && (int)h->len == h->stop_after ? 7 : 0;
}

static int meets(const geodata_bbox *a, const geodata_bbox *b)
{
	return a->minx <= b->maxx && b->minx <= a->maxx && a->miny <= b->maxy && b->miny <= a->maxy;
}

static int contains(const geodata_bbox *outer, const geodata_bbox *inner)
{
	return inner->minx >= outer->minx && inner->maxx <= outer->maxx &&
	       inner->miny >= outer->miny && inner->maxy <= outer->maxy;
}

/* A random query box: sizes from a fraction of a z12 pixel to the whole world. */
static geodata_bbox random_box(test_rng *r)
{
	const double H = GEODATA_MERC_HALF;
	double cx, cy;
	if (test_rng_next(r) % 4) {
		/* Mostly over the mapped region (lon -120..-58, lat 2..35), where pieces are. */
		cx = test_rng_uniform(r, -13.4e6, -6.4e6);
		cy = test_rng_uniform(r, 0.2e6, 4.2e6);
	} else {
		cx = test_rng_uniform(r, -H, H);
		cy = test_rng_uniform(r, -H, H);
	}
	double w = exp(test_rng_uniform(r, log(1.0), log(4 * H)));
	double h = test_rng_next(r) % 8 ? w * test_rng_uniform(r, 0.3, 3) : 0; /* some are lines */
	geodata_bbox b = {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
	return b;
}

static void check_layer(const geodata *gd, geodata_layer_id id, test_rng *rng)
{
	const geodata_layer *L = geodata_layer_get(gd, id);
	assert_non_null(L);
	size_t n = geodata_layer_piece_count(L);
	if (n == 0)
		fail_msg("layer %s has no pieces", geodata_layer_name(id));
	/* The indexed box of a piece holds every generalised version of it, or a query would miss
	 * what a tile draws. */
	for (size_t i = 0; i < n; i++) {
		const geodata_piece *p = geodata_layer_piece(L, i);
		assert_true(p->feature < geodata_layer_feature_count(L));
		/* A piece without geometry is never drawn nor found: it should not exist. */
		if (p->lonlat.npoints == 0 || !(L->piece_boxes[i].minx <= L->piece_boxes[i].maxx))
			fail_msg("%s piece %zu (feature %u '%s') is empty", geodata_layer_name(id),
			         i, p->feature, geodata_layer_feature(L, p->feature)->name);
		for (int z = 0; z < GEODATA_LEVELS; z++)
			if (p->level[z].npoints && !contains(&L->piece_boxes[i], &p->level[z].bbox))
				fail_msg("%s piece %zu: zoom %d geometry outside its indexed box",
				         geodata_layer_name(id), i, z);
	}
	hits h = {.layer = L};
	size_t *expect = malloc(n * sizeof(size_t));
	assert_non_null(expect);
	size_t total_hits = 0;
	for (int q = 0; q < 3000; q++) {
		geodata_bbox box = random_box(rng);
		size_t ne = 0;
		for (size_t i = 0; i < n; i++)
			if (meets(&L->piece_boxes[i], &box))
				expect[ne++] = i;
		h.len = 0;
		assert_int_equal(geodata_layer_query(L, &box, collect, &h), 0);
		if (h.len != ne)
			fail_msg("%s: query %d (%.3f,%.3f,%.3f,%.3f) found %zu pieces, brute force "
			         "%zu",
			         geodata_layer_name(id), q, box.minx, box.miny, box.maxx, box.maxy,
			         h.len, ne);
		/* Same set, in source order (the brute force is in source order). */
		for (size_t i = 0; i < ne; i++)
			if (h.v[i] != expect[i])
				fail_msg("%s: query %d: hit %zu is piece %zu, expected %zu",
				         geodata_layer_name(id), q, i, h.v[i], expect[i]);
		total_hits += ne;
	}
	/* The boxes must have exercised the index, not only missed it. */
	if (total_hits == 0)
		fail_msg("%s: no query met any piece", geodata_layer_name(id));

	/* A callback's non-zero return stops the walk and is passed back. */
	geodata_bbox world = {-GEODATA_MERC_HALF, -GEODATA_MERC_HALF, GEODATA_MERC_HALF,
	                      GEODATA_MERC_HALF};
	h.len = 0;
	h.stop_after = 3;
	int rc = geodata_layer_query(L, &world, collect, &h);
	if (n >= 3) {
		assert_int_equal(rc, 7);
		assert_int_equal(h.len, 3);
		assert_int_equal(h.v[0], 0);
		assert_int_equal(h.v[1], 1);
		assert_int_equal(h.v[2], 2);
	}
	h.stop_after = 0;
	/* The whole world meets every piece. */
	h.len = 0;
	assert_int_equal(geodata_layer_query(L, &world, collect, &h), 0);
	assert_int_equal(h.len, n);
	/* And a box far from the data meets none. */
	geodata_bbox none = {-1e9, -1e9, -9e8, -9e8};
	h.len = 0;
	assert_int_equal(geodata_layer_query(L, &none, collect, &h), 0);
	assert_int_equal(h.len, 0);
	free(expect);
	free(h.v);
}

static void test_query_matches_brute_force(void **state)
{
	test_world *w = *state;
	test_rng rng = {20250901};
	for (int id = 0; id < GEODATA_LAYER_COUNT; id++)
		check_layer(w->gd, (geodata_layer_id)id, &rng);
}

/* The pieces of a feature listed by geodata_layer_feature_pieces are exactly those that name it. */
static void test_feature_pieces(void **state)
{
	test_world *w = *state;
	for (int id = 0; id < GEODATA_LAYER_COUNT; id++) {
		const geodata_layer *L = geodata_layer_get(w->gd, (geodata_layer_id)id);
		size_t np = geodata_layer_piece_count(L), nf = geodata_layer_feature_count(L);
		size_t *count = calloc(nf ? nf : 1, sizeof(size_t));
		size_t *buf = malloc((np ? np : 1) * sizeof(size_t));
		assert_non_null(count);
		assert_non_null(buf);
		for (size_t i = 0; i < np; i++)
			count[geodata_layer_piece(L, i)->feature]++;
		for (size_t f = 0; f < nf; f++) {
			size_t k = geodata_layer_feature_pieces(L, f, buf, np);
			assert_int_equal(k, count[f]);
			for (size_t j = 0; j < k; j++)
				assert_int_equal(geodata_layer_piece(L, buf[j])->feature, f);
		}
		free(buf);
		free(count);
	}
}

static int setup(void **state)
{
	*state = test_world_load(0, 0);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	test_world_free(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_query_matches_brute_force),
	    cmocka_unit_test(test_feature_pieces),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
