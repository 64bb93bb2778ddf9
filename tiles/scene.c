/* scene.c: data + events + per-zoom label placements, shared read-only by rendering threads. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

struct tile_scene {
	atomic_int refs;
	const geodata *gd;
	geodata_events *events;
	pthread_mutex_t lock[GEODATA_LEVELS];
	atomic_int placed[GEODATA_LEVELS];
	label_set labels[GEODATA_LEVELS];
	pthread_t warm;
	int warming;
	atomic_int stop; /* set when the scene goes away before the warm-up ends */
};

/* Places every zoom in the background, so that a server answers at once and tiles rarely wait. */
static void *warm_main(void *arg)
{
	tile_scene *s = arg;
	for (int z = 0; z < GEODATA_LEVELS && !atomic_load(&s->stop); z++)
		scene_labels(s, z);
	return NULL;
}

tile_scene *tile_scene_create(const geodata *gd, geodata_events *events, int eager, tile_error *err)
{
	if (!gd) {
		tile_error_set(err, "no data to draw");
		return NULL;
	}
	tile_scene *s = calloc(1, sizeof(*s));
	int locks = 0;
	while (s && locks < GEODATA_LEVELS && !pthread_mutex_init(&s->lock[locks], NULL))
		locks++;
	if (!s || locks < GEODATA_LEVELS) {
		while (s && locks--)
			pthread_mutex_destroy(&s->lock[locks]);
		free(s);
		tile_error_set(err, "out of memory");
		return NULL;
	}
	atomic_init(&s->refs, 1);
	s->gd = gd;
	s->events = events ? geodata_events_ref(events) : NULL;
	for (int z = 0; z < GEODATA_LEVELS; z++)
		atomic_init(&s->placed[z], 0);
	if (eager) {
		/* Zoom 0 now, so that a failure is reported here; the rest in the background. */
		if (!scene_labels(s, 0)) {
			tile_error_set(err, "label placement failed");
			tile_scene_unref(s);
			return NULL;
		}
		s->warming = pthread_create(&s->warm, NULL, warm_main, s) == 0;
	}
	return s;
}

tile_scene *tile_scene_ref(tile_scene *s)
{
	if (s)
		atomic_fetch_add(&s->refs, 1);
	return s;
}

void tile_scene_unref(tile_scene *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	if (s->warming) {
		atomic_store(&s->stop, 1);
		pthread_join(s->warm, NULL);
	}
	for (int z = 0; z < GEODATA_LEVELS; z++) {
		labels_finish(&s->labels[z]);
		pthread_mutex_destroy(&s->lock[z]);
	}
	geodata_events_unref(s->events);
	free(s);
}

geodata_events *tile_scene_events(const tile_scene *s)
{
	return s ? s->events : NULL;
}

const geodata *tile_scene_data(const tile_scene *s)
{
	return s ? s->gd : NULL;
}

const label_set *scene_labels(const tile_scene *cs, int zoom)
{
	/* Placement is computed once per zoom, on first use; the zoom's lock makes it happen once.
	 */
	tile_scene *s = (tile_scene *)cs;
	if (zoom < 0 || zoom >= GEODATA_LEVELS)
		return NULL;
	if (atomic_load_explicit(&s->placed[zoom], memory_order_acquire))
		return &s->labels[zoom];
	pthread_mutex_lock(&s->lock[zoom]);
	if (!atomic_load_explicit(&s->placed[zoom], memory_order_relaxed)) {
		if (labels_place(s, zoom, &s->labels[zoom]) == 0)
			atomic_store_explicit(&s->placed[zoom], 1, memory_order_release);
	}
	pthread_mutex_unlock(&s->lock[zoom]);
	return atomic_load_explicit(&s->placed[zoom], memory_order_acquire) ? &s->labels[zoom]
	                                                                    : NULL;
}
