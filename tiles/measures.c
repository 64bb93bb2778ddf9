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
struct label_measures {
	pthread_mutex_t lock;
	GHashTable *by_key; /* "class size text" -> double[2], both owned */
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
