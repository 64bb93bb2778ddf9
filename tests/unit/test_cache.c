/* test_cache.c: the tile cache's LRU order, memory bound, purge and blob reference counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "testcase.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

static tile_blob *blob_of(char c, size_t len, uint64_t tag)
{
	unsigned char buf[4096];
	assert_true(len <= sizeof(buf));
	memset(buf, c, len);
	tile_blob *b = tile_blob_create(buf, len, tag);
	assert_non_null(b);
	return b;
}

static void put_new(tile_cache *c, const char *key, char fill, size_t len, uint64_t tag)
{
	tile_blob *b = blob_of(fill, len, tag);
	tile_cache_put(c, key, b);
	/* The cache holds its own reference: ours can go at once. */
	tile_blob_unref(b);
}

static int holds(tile_cache *c, const char *key, char fill)
{
	tile_blob *b = tile_cache_get(c, key);
	if (!b)
		return 0;
	int ok = b->len > 0 && b->data[0] == (unsigned char)fill && b->data[b->len - 1] == fill;
	tile_blob_unref(b);
	assert_true(ok);
	return 1;
}

static void test_put_get(void **state)
{
	(void)state;
	tile_cache *c = tile_cache_create(1 << 20);
	assert_non_null(c);
	assert_null(tile_cache_get(c, "briefing/0/0/0"));
	put_new(c, "briefing/0/0/0", 'a', 1000, 5);
	put_new(c, "base/0/0/0", 'b', 10, 6);
	tile_blob *b = tile_cache_get(c, "briefing/0/0/0");
	assert_non_null(b);
	assert_int_equal(b->len, 1000);
	assert_int_equal(b->tag, 5);
	assert_int_equal(b->data[999], 'a');
	tile_blob_unref(b);
	assert_true(holds(c, "base/0/0/0", 'b'));
	assert_false(holds(c, "base/0/0/1", 'b'));

	/* A second put under the same key replaces the entry. */
	put_new(c, "base/0/0/0", 'c', 20, 7);
	assert_true(holds(c, "base/0/0/0", 'c'));
	tile_cache_stats st;
	tile_cache_stats_get(c, &st);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.max_bytes, 1 << 20);
	assert_true(st.bytes >= 1020 && st.bytes <= st.max_bytes);
	assert_int_equal(st.hits, 3);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.evictions, 0);
	assert_null(tile_cache_get(c, NULL));

	/* An empty blob is a valid value. */
	put_new(c, "empty", 'x', 0, 0);
	b = tile_cache_get(c, "empty");
	assert_non_null(b);
	assert_int_equal(b->len, 0);
	tile_blob_unref(b);
	tile_cache_destroy(c);
	tile_cache_destroy(NULL);
	tile_blob_unref(NULL);
	assert_null(tile_blob_ref(NULL));
}

static void test_lru_eviction(void **state)
{
	(void)state;
	/* Measure what one entry costs, then size a cache for exactly eight. */
	tile_cache *probe = tile_cache_create(1 << 20);
	put_new(probe, "k00", 'p', 1000, 0);
	tile_cache_stats st;
	tile_cache_stats_get(probe, &st);
	size_t cost = st.bytes;
	assert_true(cost >= 1000 && cost < 2000);
	tile_cache_destroy(probe);

	tile_cache *c = tile_cache_create(8 * cost + cost / 2);
	char key[16];
	for (int i = 0; i < 8; i++) {
		snprintf(key, sizeof(key), "k%02d", i);
		put_new(c, key, (char)('a' + i), 1000, 0);
	}
	tile_cache_stats_get(c, &st);
	assert_int_equal(st.entries, 8);
	assert_int_equal(st.evictions, 0);
	/* Touch k00, so that k01 is now the least recently used. */
	assert_true(holds(c, "k00", 'a'));
	put_new(c, "k08", 'i', 1000, 0);
	tile_cache_stats_get(c, &st);
	assert_int_equal(st.entries, 8);
	assert_int_equal(st.evictions, 1);
	assert_true(st.bytes <= st.max_bytes);
	assert_false(holds(c, "k01", 'b'));
	assert_true(holds(c, "k00", 'a'));
	assert_true(holds(c, "k08", 'i'));

	/* A big entry pushes out as many old ones as it needs, oldest first. */
	put_new(c, "big", 'z', 3000, 0);
	tile_cache_stats_get(c, &st);
	assert_true(st.bytes <= st.max_bytes);
	assert_true(holds(c, "big", 'z'));
	assert_false(holds(c, "k02", 'c'));
	assert_false(holds(c, "k03", 'd'));
	assert_true(holds(c, "k08", 'i'));

	/* An entry larger than the whole cache is not kept, and evicts nothing. */
	tile_cache_stats before;
	tile_cache_stats_get(c, &before);
	unsigned char *huge = calloc(1, 16 * cost);
	assert_non_null(huge);
	tile_blob *hb = tile_blob_create(huge, 16 * cost, 0);
	free(huge);
	tile_cache_put(c, "huge", hb);
	tile_blob_unref(hb);
	assert_null(tile_cache_get(c, "huge"));
	tile_cache_stats_get(c, &st);
	assert_int_equal(st.entries, before.entries);
	assert_int_equal(st.evictions, before.evictions);

	/* Many puts: the bound holds throughout. */
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "n%d", i);
		put_new(c, key, 'n', (size_t)(i * 37 % 2500), 0);
		tile_cache_stats_get(c, &st);
		assert_true(st.bytes <= st.max_bytes);
	}
	assert_true(st.entries >= 3);
	tile_cache_destroy(c);
}

static int stale_tag(const char *key, const tile_blob *b, void *ud)
{
	(void)key;
	return b->tag != *(const uint64_t *)ud;
}

static int stale_prefix(const char *key, const tile_blob *b, void *ud)
{
	(void)b;
	return !strncmp(key, ud, strlen(ud));
}

static void test_purge_and_refs(void **state)
{
	(void)state;
	tile_cache *c = tile_cache_create(1 << 20);
	char key[32];
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "%s/5/%d/0", i % 2 ? "events" : "base", i);
		put_new(c, key, 'q', 100, i % 3 ? 1 : 2);
	}
	/* A blob held by a reader outlives its eviction, its purge and the cache itself. */
	tile_blob *held = tile_cache_get(c, "events/5/1/0");
	assert_non_null(held);
	uint64_t current = 1;
	tile_cache_purge(c, stale_tag, &current);
	tile_cache_stats st;
	tile_cache_stats_get(c, &st);
	assert_int_equal(st.entries, 66);
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "%s/5/%d/0", i % 2 ? "events" : "base", i);
		assert_int_equal(holds(c, key, 'q'), i % 3 != 0);
	}
	tile_cache_purge(c, stale_prefix, "events/");
	tile_cache_stats_get(c, &st);
	assert_int_equal(st.entries, 33);
	assert_false(holds(c, "events/5/1/0", 'q'));
	tile_cache_purge(c, stale_prefix, "");
	tile_cache_stats_get(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, 0);
	tile_cache_destroy(c);
	/* Still ours: AddressSanitizer reports it if the cache freed it. */
	assert_int_equal(held->len, 100);
	assert_int_equal(held->data[99], 'q');
	tile_blob *again = tile_blob_ref(held);
	assert_ptr_equal(again, held);
	tile_blob_unref(again);
	tile_blob_unref(held);
}

typedef struct worker_arg {
	tile_cache *c;
	int id;
} worker_arg;

static void *worker(void *p)
{
	worker_arg *a = p;
	char key[32];
	for (int i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "t/%d", (i * 7 + a->id) % 200);
		tile_blob *b = tile_cache_get(a->c, key);
		if (b) {
			/* Every blob of a key has that key's content. */
			if (b->len != 64 || b->data[0] != (unsigned char)(key[2] + key[3]))
				return (void *)1;
			tile_blob_unref(b);
		} else {
			unsigned char buf[64];
			memset(buf, key[2] + key[3], sizeof(buf));
			b = tile_blob_create(buf, sizeof(buf), 0);
			if (!b)
				return (void *)1;
			tile_cache_put(a->c, key, b);
			tile_blob_unref(b);
		}
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	tile_cache *c = tile_cache_create(100 * 200);
	pthread_t th[4];
	worker_arg args[4];
	for (int i = 0; i < 4; i++) {
		args[i] = (worker_arg){c, i};
		assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		void *ret;
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_null(ret);
	}
	tile_cache_stats st;
	tile_cache_stats_get(c, &st);
	assert_true(st.bytes <= st.max_bytes);
	assert_int_equal(st.hits + st.misses, 4 * 3000);
	tile_cache_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_put_get),
	    cmocka_unit_test(test_lru_eviction),
	    cmocka_unit_test(test_purge_and_refs),
	    cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
