/* compress.c: gzip for text answers; static files are compressed once per version and kept. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <zlib.h>

#include "ops.h"

/* Static files above this are sent as they are: the cache must stay small. */
#define MAX_STATIC_GZ (8u << 20)

int compress_type_ok(const char *ctype)
{
	static const char *const types[] = {
	    "application/json", "application/geo+json", "text/",
	    "image/svg+xml",    "application/xml",      "application/javascript",
	};
	if (!ctype)
		return 0;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strncasecmp(ctype, types[i], strlen(types[i])) == 0)
			return 1;
	return 0;
}

int compress_accepts_gzip(const char *ae)
{
	if (!ae)
		return 0;
	/* Each coding is "name[;q=V]"; gzip (or x-gzip, or *) with a q other than 0 accepts. */
	const char *p = ae;
	int star = 0;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		const char *name = p;
		while (*p && *p != ',' && *p != ';' && *p != ' ')
			p++;
		size_t n = (size_t)(p - name);
		double q = 1.0;
		const char *end = strchr(p, ',');
		const char *qp = strstr(p, "q=");
		if (qp && (!end || qp < end))
			q = strtod(qp + 2, NULL);
		int is_gzip = (n == 4 && strncasecmp(name, "gzip", 4) == 0) ||
		              (n == 6 && strncasecmp(name, "x-gzip", 6) == 0);
		if (is_gzip)
			return q > 0;
		if (n == 1 && *name == '*')
			star = q > 0;
		p = end ? end : p + strlen(p);
	}
	return star;
}

int compress_gzip(const void *data, size_t len, unsigned char **out, size_t *outlen)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	/* 15 + 16: a gzip wrapper rather than zlib's, which is what Content-Encoding: gzip means. */
	if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	uLong bound = deflateBound(&zs, (uLong)len);
	unsigned char *buf = malloc(bound);
	if (!buf) {
		deflateEnd(&zs);
		return -1;
	}
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)len;
	zs.next_out = buf;
	zs.avail_out = (uInt)bound;
	int rc = deflate(&zs, Z_FINISH);
	size_t n = zs.total_out;
	deflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -1;
	}
	*out = buf;
	*outlen = n;
	return 0;
}

typedef struct entry {
	char *path;
	uint64_t stamp;
	compress_blob *blob;
} entry;

/* A blob with its count in front, so that compress_blob_unref needs nothing else. */
typedef struct counted {
	atomic_int refs;
	compress_blob blob;
} counted;

struct compress_cache {
	pthread_mutex_t lock;
	entry *e;
	size_t n, max, next_victim;
};

compress_cache *compress_cache_create(size_t max_entries)
{
	compress_cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->e = calloc(max_entries ? max_entries : 1, sizeof *c->e);
	if (!c->e) {
		free(c);
		return NULL;
	}
	c->max = max_entries ? max_entries : 1;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void compress_blob_unref(void *b)
{
	if (!b)
		return;
	counted *k = (counted *)((char *)b - offsetof(counted, blob));
	if (atomic_fetch_sub(&k->refs, 1) == 1) {
		free(k->blob.data);
		free(k);
	}
}

void compress_cache_destroy(compress_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->e[i].path);
		compress_blob_unref(c->e[i].blob);
	}
	free(c->e);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static compress_blob *blob_ref(compress_blob *b)
{
	counted *k = (counted *)((char *)b - offsetof(counted, blob));
	atomic_fetch_add(&k->refs, 1);
	return b;
}

static counted *make_blob(int fd, size_t size)
{
	if (size > MAX_STATIC_GZ)
		return NULL;
	unsigned char *raw = malloc(size ? size : 1);
	if (!raw)
		return NULL;
	size_t got = 0;
	while (got < size) {
		ssize_t r = pread(fd, raw + got, size - got, (off_t)got);
		if (r <= 0) {
			free(raw);
			return NULL;
		}
		got += (size_t)r;
	}
	counted *k = calloc(1, sizeof *k);
	if (!k || compress_gzip(raw, size, &k->blob.data, &k->blob.len) < 0) {
		free(k);
		free(raw);
		return NULL;
	}
	free(raw);
	atomic_init(&k->refs, 1);
	return k;
}

compress_blob *compress_cache_get(compress_cache *c, const char *path, int fd, uint64_t stamp,
                                  size_t size)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n; i++)
		if (c->e[i].stamp == stamp && strcmp(c->e[i].path, path) == 0) {
			compress_blob *b = blob_ref(c->e[i].blob);
			pthread_mutex_unlock(&c->lock);
			return b;
		}
	pthread_mutex_unlock(&c->lock);
	/* Compressed outside the lock: two first requests may both do it, one result is kept. */
	counted *k = make_blob(fd, size);
	char *pcopy = k ? strdup(path) : NULL;
	if (!k || !pcopy) {
		if (k)
			compress_blob_unref(&k->blob);
		free(pcopy);
		return NULL;
	}
	pthread_mutex_lock(&c->lock);
	size_t slot = c->n;
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->e[i].path, path) == 0)
			slot = i; /* a new version of a file replaces the old one */
	if (slot == c->n) {
		if (c->n < c->max) {
			c->n++;
		} else {
			slot = c->next_victim;
			c->next_victim = (c->next_victim + 1) % c->max;
		}
	}
	if (slot < c->n && c->e[slot].path) {
		free(c->e[slot].path);
		compress_blob_unref(c->e[slot].blob);
	}
	c->e[slot].path = pcopy;
	c->e[slot].stamp = stamp;
	c->e[slot].blob = blob_ref(&k->blob);
	pthread_mutex_unlock(&c->lock);
	return &k->blob;
}
