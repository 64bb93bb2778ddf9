/* measures.c: the scene's memo of label text extents, shared by every placement of the scene. */
#include <glib.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/*
 * Placement measures each candidate's text with pango, which is most of its
 * time; the 13 zooms, with and without the events, measure the same names at
 * the same few sizes again and again. A measure depends only on the text, its
 * class and its size (every placement lays text out the same way, see
 * labels.c), so the first answer is kept and every later placement reads it:
 * the placements, and so the tiles, are the same as without the memo.
 */
/* A measure of a text that stays where it is, found by its address: no string to hash or
 * compare, one probe of an open-addressed table. */
typedef struct at_entry {
	const char *text; /* NULL: a free slot */
	double size;
	int cls;
	float w, h; /* pixel extents: whole numbers, exact in a float */
} at_entry;

struct label_measures {
	pthread_mutex_t lock;
	GHashTable *by_key; /* "class size text" -> double[2], both owned */
	at_entry *at;       /* power-of-two slots, at most half used */
	size_t at_cap, at_len;
};

label_measures *label_measures_create(void)
{
	label_measures *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	if (pthread_mutex_init(&m->lock, NULL)) {
		free(m);
		return NULL;
	}
	m->by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return m;
}

void label_measures_destroy(label_measures *m)
{
	if (!m)
		return;
	g_hash_table_destroy(m->by_key);
	free(m->at);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/*
 * The key: the class, the size's exact bits in hex and the text; 0 when the text is too long to
 * keep. Written by hand: every placement asks for tens of thousands of keys.
 */
static int make_key(char *key, size_t cap, int cls, double size, const char *text)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t bits;
	memcpy(&bits, &size, sizeof bits);
	size_t n = strlen(text);
	if (n + 19 > cap || cls < 0 || cls > 9)
		return 0;
	key[0] = (char)('0' + cls);
	for (int i = 0; i < 16; i++)
		key[1 + i] = hex[(bits >> (60 - 4 * i)) & 15];
	key[17] = ' ';
	memcpy(key + 18, text, n + 1);
	return 1;
}

int label_measures_get(label_measures *m, int cls, double size, const char *text, double wh[2])
{
	char key[640];
	if (!m || !make_key(key, sizeof key, cls, size, text))
		return 0;
	pthread_mutex_lock(&m->lock);
	const double *v = g_hash_table_lookup(m->by_key, key);
	if (v)
		memcpy(wh, v, 2 * sizeof(double));
	pthread_mutex_unlock(&m->lock);
	return v != NULL;
}

void label_measures_put(label_measures *m, int cls, double size, const char *text,
                        const double wh[2])
{
	char key[640];
	if (!m || !make_key(key, sizeof key, cls, size, text))
		return;
	double *v = g_new(double, 2);
	v[0] = wh[0];
	v[1] = wh[1];
	pthread_mutex_lock(&m->lock);
	/* Two threads may measure the same text at once: both found the same extents. */
	g_hash_table_replace(m->by_key, g_strdup(key), v);
	pthread_mutex_unlock(&m->lock);
}

static size_t at_hash(const char *text, int cls, double size)
{
	uint64_t bits;
	memcpy(&bits, &size, sizeof bits);
	uint64_t h = ((uint64_t)(uintptr_t)text ^ (bits * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)cls) *
	             0xbf58476d1ce4e5b9ULL;
	return (size_t)(h ^ (h >> 31));
}

/* The slot of (text, cls, size), or the free slot where it would go; the table is never full. */
static at_entry *at_find(at_entry *t, size_t cap, const char *text, int cls, double size)
{
	for (size_t i = at_hash(text, cls, size) & (cap - 1);; i = (i + 1) & (cap - 1))
		if (!t[i].text || (t[i].text == text && t[i].cls == cls && t[i].size == size))
			return &t[i];
}

int label_measures_get_at(label_measures *m, int cls, double size, const char *text,
                          double wh[2])
{
	if (!m)
		return 0;
	pthread_mutex_lock(&m->lock);
	const at_entry *e = m->at ? at_find(m->at, m->at_cap, text, cls, size) : NULL;
	int found = e && e->text;
	if (found)
		wh[0] = e->w, wh[1] = e->h;
	pthread_mutex_unlock(&m->lock);
	return found;
}

/* Doubles the table; 0, or -1 when out of memory (the table stays as it was). */
static int at_grow(label_measures *m)
{
	size_t cap = m->at_cap ? 2 * m->at_cap : 4096;
	at_entry *t = calloc(cap, sizeof(*t));
	if (!t)
		return -1;
	for (size_t i = 0; i < m->at_cap; i++)
		if (m->at[i].text)
			*at_find(t, cap, m->at[i].text, m->at[i].cls, m->at[i].size) = m->at[i];
	free(m->at);
	m->at = t;
	m->at_cap = cap;
	return 0;
}

void label_measures_put_at(label_measures *m, int cls, double size, const char *text,
                           const double wh[2])
{
	/* Only whole pixels fit a float exactly: anything else goes by its text. */
	if (!m || wh[0] != (float)wh[0] || wh[1] != (float)wh[1]) {
		label_measures_put(m, cls, size, text, wh);
		return;
	}
	pthread_mutex_lock(&m->lock);
	if ((m->at_len + 1) * 2 <= m->at_cap || at_grow(m) == 0) {
		at_entry *e = at_find(m->at, m->at_cap, text, cls, size);
		if (!e->text)
			m->at_len++;
		*e = (at_entry){text, size, cls, (float)wh[0], (float)wh[1]};
	}
	pthread_mutex_unlock(&m->lock);
}
