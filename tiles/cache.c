/* cache.c: a memory-bounded LRU cache of encoded tiles, shared by all server threads. */
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

typedef struct blob_hdr {
	atomic_int refs;
	tile_blob blob;
} blob_hdr;

#define HDR(b) ((blob_hdr *)(void *)((char *)(b)-offsetof(blob_hdr, blob)))

tile_blob *tile_blob_create(const void *data, size_t len, uint64_t tag)
{
	blob_hdr *h = malloc(sizeof(*h) + len);
	if (!h)
		return NULL;
	atomic_init(&h->refs, 1);
	h->blob.len = len;
	h->blob.tag = tag;
	if (len)
		memcpy(h->blob.data, data, len);
	return &h->blob;
}

tile_blob *tile_blob_ref(tile_blob *b)
{
	if (b)
		atomic_fetch_add(&HDR(b)->refs, 1);
	return b;
}

void tile_blob_unref(tile_blob *b)
{
	if (b && atomic_fetch_sub(&HDR(b)->refs, 1) == 1)
		free(HDR(b));
}

typedef struct entry {
	char *key;
	uint64_t hash;
	tile_blob *blob;
	struct entry *next_hash;
	struct entry *prev, *next; /* LRU list, most recent at head */
} entry;

struct tile_cache {
	pthread_mutex_t lock;
	entry **buckets;
	size_t nbuckets;
	entry *head, *tail;
	size_t bytes, max_bytes, entries;
	uint64_t hits, misses, evictions;
};

static uint64_t hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* What an allocation takes from the heap: its usable size (rounded up to malloc's granule, or
 * to whole pages for a large blob malloc maps on its own) plus malloc's size word. */
static size_t heap_cost(void *p)
{
	return malloc_usable_size(p) + sizeof(size_t);
}

/* The entry's real footprint, not the sum of the sizes asked for: the bound is on memory. */
static size_t entry_cost(const entry *e)
{
	return heap_cost((void *)e) + heap_cost(e->key) + heap_cost(HDR(e->blob));
}

tile_cache *tile_cache_create(size_t max_bytes)
{
	tile_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->nbuckets = 4096;
	c->buckets = calloc(c->nbuckets, sizeof(entry *));
	if (!c->buckets || pthread_mutex_init(&c->lock, NULL)) {
		free(c->buckets);
		free(c);
		return NULL;
	}
	c->max_bytes = max_bytes;
	return c;
}

static void lru_unlink(tile_cache *c, entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(tile_cache *c, entry *e)
{
	e->next = c->head;
	e->prev = NULL;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

static void remove_entry(tile_cache *c, entry *e)
{
	entry **pp = &c->buckets[e->hash % c->nbuckets];
	while (*pp && *pp != e)
		pp = &(*pp)->next_hash;
	if (*pp)
		*pp = e->next_hash;
	lru_unlink(c, e);
	c->bytes -= entry_cost(e);
	c->entries--;
	tile_blob_unref(e->blob);
	free(e->key);
	free(e);
}

static void grow(tile_cache *c)
{
	size_t n = c->nbuckets * 2;
	entry **nb = calloc(n, sizeof(entry *));
	if (!nb)
		return; /* a longer chain is slower, not wrong */
	for (size_t i = 0; i < c->nbuckets; i++) {
		entry *e = c->buckets[i];
		while (e) {
			entry *next = e->next_hash;
			e->next_hash = nb[e->hash % n];
			nb[e->hash % n] = e;
			e = next;
		}
	}
	free(c->buckets);
	c->buckets = nb;
	c->nbuckets = n;
}

void tile_cache_destroy(tile_cache *c)
{
	if (!c)
		return;
	while (c->head)
		remove_entry(c, c->head);
	free(c->buckets);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static entry *find(tile_cache *c, const char *key, uint64_t h)
{
	for (entry *e = c->buckets[h % c->nbuckets]; e; e = e->next_hash)
		if (e->hash == h && !strcmp(e->key, key))
			return e;
	return NULL;
}

tile_blob *tile_cache_get(tile_cache *c, const char *key)
{
	if (!c || !key)
		return NULL;
	uint64_t h = hash_key(key);
	tile_blob *b = NULL;
	pthread_mutex_lock(&c->lock);
	entry *e = find(c, key, h);
	if (e) {
		lru_unlink(c, e);
		lru_push(c, e);
		b = tile_blob_ref(e->blob);
		c->hits++;
	} else {
		c->misses++;
	}
	pthread_mutex_unlock(&c->lock);
	return b;
}

void tile_cache_put(tile_cache *c, const char *key, tile_blob *b)
{
	if (!c || !key || !b)
		return;
	entry *n = calloc(1, sizeof(*n));
	if (!n)
		return;
	n->key = strdup(key);
	if (!n->key) {
		free(n);
		return;
	}
	n->hash = hash_key(key);
	n->blob = tile_blob_ref(b);
	size_t cost = entry_cost(n);
	pthread_mutex_lock(&c->lock);
	entry *old = find(c, key, n->hash);
	if (old)
		remove_entry(c, old);
	if (cost > c->max_bytes) {
		pthread_mutex_unlock(&c->lock);
		tile_blob_unref(n->blob);
		free(n->key);
		free(n);
		return;
	}
	while (c->bytes + cost > c->max_bytes && c->tail) {
		remove_entry(c, c->tail);
		c->evictions++;
	}
	if (c->entries > 2 * c->nbuckets)
		grow(c);
	entry **pp = &c->buckets[n->hash % c->nbuckets];
	n->next_hash = *pp;
	*pp = n;
	lru_push(c, n);
	c->bytes += cost;
	c->entries++;
	pthread_mutex_unlock(&c->lock);
}

void tile_cache_purge(tile_cache *c, int (*stale)(const char *key, const tile_blob *b, void *ud),
                      void *ud)
{
	if (!c || !stale)
		return;
	pthread_mutex_lock(&c->lock);
	entry *e = c->head;
	while (e) {
		entry *next = e->next;
		if (stale(e->key, e->blob, ud))
			remove_entry(c, e);
		e = next;
	}
	pthread_mutex_unlock(&c->lock);
}

void tile_cache_stats_get(tile_cache *c, tile_cache_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	out->entries = c->entries;
	out->bytes = c->bytes;
	out->max_bytes = c->max_bytes;
	out->hits = c->hits;
	out->misses = c->misses;
	out->evictions = c->evictions;
	pthread_mutex_unlock(&c->lock);
}
