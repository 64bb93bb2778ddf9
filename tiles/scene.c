/* scene.c: data + events + per-zoom label placements, shared read-only by rendering threads. */
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

#define WARM_THREADS 2

struct tile_scene {
	scene_data d; /* first: see scene_data_of */
	atomic_int refs;
	pthread_mutex_t lock[GEODATA_LEVELS];
	/*
	 * Per language (0: the default names, placed by the warm-up; others on first use), then
	 * [1]: with the events' labels, for briefing and events tiles; [0]: the base map alone.
	 */
	atomic_int placed[TILE_LANGS][2][GEODATA_LEVELS];
	label_set labels[TILE_LANGS][2][GEODATA_LEVELS];
	scene_link *links; /* owned; d.links reads it */
	size_t nlinks;
	pthread_t warm[WARM_THREADS];
	int warming; /* warm-up threads started */
	atomic_int stop; /* set when the scene goes away before the warm-up ends */
	atomic_int warm_left; /* warm-up threads still running */
	int one_off; /* made for one command's drawing, not a server's (not eager) */
};
_Static_assert(offsetof(struct tile_scene, d) == 0, "scene_data_of reads the scene's first member");

const tile_emphasis *scene_emphasis(const tile_scene *s)
{
	return &s->d.emphasis;
}

void scene_drawn(const tile_scene *s)
{
	/* A server's upkeep thread decides when to give its pages back: drawing goes on. */
	if (s->one_off)
		geodata_mapping_release(s->d.gd);
}

/* The distance lines from each event of a `from` kind to each of a `to` kind, with PROJ's geodesics. */
static int measures(const geodata_events *ev, size_t i, geodata_measure m)
{
	return geodata_events_kind(ev, geodata_events_get(ev, i))->measure == m;
}

static int make_links(tile_scene *s)
{
	geodata_events *ev = s->d.events;
	size_t n = geodata_events_count(ev), cap = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			cap += measures(ev, i, GEODATA_MEASURE_FROM) && measures(ev, j, GEODATA_MEASURE_TO);
	if (!cap)
		return 0;
	s->links = calloc(cap, sizeof(scene_link));
	geodata_error e;
	geodata_proj *p = geodata_proj_create("EPSG:4326", "EPSG:3857", &e);
	int rc = s->links && p ? 0 : TILE_ENOMEM;
	for (size_t i = 0; i < n && !rc; i++) {
		const geodata_event *b = geodata_events_get(ev, i);
		if (!measures(ev, i, GEODATA_MEASURE_FROM))
			continue;
		for (size_t j = 0; j < n && !rc; j++) {
			const geodata_event *z = geodata_events_get(ev, j);
			if (!measures(ev, j, GEODATA_MEASURE_TO))
				continue;
			scene_link *l = &s->links[s->nlinks++];
			l->base = i;
			l->zone = j;
			geodata_geodesic_line(b->anchor_lon, b->anchor_lat, z->anchor_lon,
			                      z->anchor_lat, l->lonlat, SCENE_LINK_POINTS);
			l->metres = geodata_geodesic_inverse(b->anchor_lon, b->anchor_lat,
			                                     z->anchor_lon, z->anchor_lat, NULL);
			memcpy(l->merc, l->lonlat, sizeof(l->merc));
			if (geodata_proj_trans(p, l->merc, SCENE_LINK_POINTS, 0))
				rc = TILE_ECRS;
			l->merc_bbox =
			    (geodata_bbox){l->merc[0], l->merc[1], l->merc[0], l->merc[1]};
			for (int k = 1; k < SCENE_LINK_POINTS; k++) {
				double x = l->merc[2 * k], y = l->merc[2 * k + 1];
				l->merc_bbox.minx = x < l->merc_bbox.minx ? x : l->merc_bbox.minx;
				l->merc_bbox.maxx = x > l->merc_bbox.maxx ? x : l->merc_bbox.maxx;
				l->merc_bbox.miny = y < l->merc_bbox.miny ? y : l->merc_bbox.miny;
				l->merc_bbox.maxy = y > l->merc_bbox.maxy ? y : l->merc_bbox.maxy;
			}
		}
	}
	geodata_proj_destroy(p);
	return rc;
}

const scene_link *scene_links(const tile_scene *s, size_t *n)
{
	*n = s->nlinks;
	return s->links;
}

/*
 * Places every zoom in the background, so that a server answers at once and tiles rarely wait:
 * both threads first measure half of the texts each, then one places from the lowest zoom up,
 * one from the highest down (the zooms' locks make each placement happen once), so that two
 * cores share the work.
 */
static void warm_zoom(tile_scene *s, int z)
{
	scene_labels(s, z);
	scene_base_labels(s, z);
}

/* The zoom whose candidates hold nearly every text of the others (cities thin out by zoom). */
#define MEASURE_ZOOM (GEODATA_LEVELS - 1)

static void *warm_up(void *arg)
{
	tile_scene *s = arg;
	if (!atomic_load(&s->stop))
		labels_premeasure(&s->d, MEASURE_ZOOM, 0, WARM_THREADS);
	for (int z = 0; z < GEODATA_LEVELS && !atomic_load(&s->stop); z++)
		warm_zoom(s, z);
	atomic_fetch_sub(&s->warm_left, 1);
	return NULL;
}

static void *warm_down(void *arg)
{
	tile_scene *s = arg;
	if (!atomic_load(&s->stop))
		labels_premeasure(&s->d, MEASURE_ZOOM, 1, WARM_THREADS);
	for (int z = GEODATA_LEVELS - 1; z >= 0 && !atomic_load(&s->stop); z--)
		warm_zoom(s, z);
	atomic_fetch_sub(&s->warm_left, 1);
	return NULL;
}

tile_scene *tile_scene_create(const geodata *gd, geodata_events *events, int eager, tile_error *err)
{
	if (!gd) {
		tile_error_set(err, "no data to draw");
		return NULL;
	}
	/* A kind whose glyph cannot be drawn is refused here, before anything is drawn with it. */
	if (events && glyph_kinds_check(geodata_events_kinds(events), err))
		return NULL;
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
	s->one_off = !eager;
	s->d.gd = gd;
	s->d.measures = label_measures_create(); /* NULL only costs time: placements measure */
	s->d.sprites = label_sprites_create(LABEL_SPRITE_BUDGET); /* NULL: labels drawn as text */
	s->d.events = events ? geodata_events_ref(events) : NULL;
	for (int l = 0; l < TILE_LANGS; l++)
		for (int z = 0; z < GEODATA_LEVELS; z++) {
			atomic_init(&s->placed[l][0][z], 0);
			atomic_init(&s->placed[l][1][z], 0);
		}
	if (s->d.events)
		tile_emphasis_find(gd, s->d.events, &s->d.emphasis);
	int links = s->d.events ? make_links(s) : 0;
	s->d.links = s->links;
	s->d.nlinks = s->nlinks;
	if (links) {
		tile_error_set(err, "cannot compute the distance lines");
		tile_scene_unref(s);
		return NULL;
	}
	if (eager) {
		/* Zoom 0 now, so that a failure is reported here; the rest in the background. */
		if (!scene_labels(s, 0)) {
			tile_error_set(err, "label placement failed");
			tile_scene_unref(s);
			return NULL;
		}
		void *(*const mains[WARM_THREADS])(void *) = {warm_up, warm_down};
		atomic_store(&s->warm_left, WARM_THREADS);
		for (int t = 0; t < WARM_THREADS; t++) {
			if (pthread_create(&s->warm[s->warming], NULL, mains[t], s) == 0)
				s->warming++;
			else
				atomic_fetch_sub(&s->warm_left, 1);
		}
	}
	return s;
}

void tile_scene_stop_warming(tile_scene *s)
{
	if (s)
		atomic_store(&s->stop, 1);
}

int tile_scene_warm_over(const tile_scene *s)
{
	return !s || atomic_load(&s->warm_left) == 0;
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
	atomic_store(&s->stop, 1);
	for (int t = 0; t < s->warming; t++)
		pthread_join(s->warm[t], NULL);
	for (int z = 0; z < GEODATA_LEVELS; z++) {
		for (int l = 0; l < TILE_LANGS; l++) {
			labels_finish(&s->labels[l][0][z]);
			labels_finish(&s->labels[l][1][z]);
		}
		pthread_mutex_destroy(&s->lock[z]);
	}
	geodata_events_unref(s->d.events);
	free(s->links);
	label_measures_destroy(s->d.measures);
	label_sprites_destroy(s->d.sprites);
	free(s);
}

geodata_events *tile_scene_events(const tile_scene *s)
{
	return s ? s->d.events : NULL;
}

int tile_scene_placed(const tile_scene *s)
{
	if (!s)
		return 0;
	for (int z = 0; z < GEODATA_LEVELS; z++)
		if (!atomic_load(&s->placed[0][0][z]) || !atomic_load(&s->placed[0][1][z]))
			return 0;
	return 1;
}

const geodata *tile_scene_data(const tile_scene *s)
{
	return s ? s->d.gd : NULL;
}

static const label_set *placement(const tile_scene *cs, int zoom, int with_events, size_t lang)
{
	/* Placement is computed once per zoom, on first use; the zoom's lock makes it happen once.
	 */
	tile_scene *s = (tile_scene *)cs;
	if (zoom < 0 || zoom >= GEODATA_LEVELS)
		return NULL;
	atomic_int *placed = &s->placed[lang][with_events][zoom];
	label_set *ls = &s->labels[lang][with_events][zoom];
	if (atomic_load_explicit(placed, memory_order_acquire))
		return ls;
	pthread_mutex_lock(&s->lock[zoom]);
	if (!atomic_load_explicit(placed, memory_order_relaxed)) {
		if (labels_place(&s->d, zoom, with_events, tile_lang_code(lang), ls) == 0)
			atomic_store_explicit(placed, 1, memory_order_release);
	}
	pthread_mutex_unlock(&s->lock[zoom]);
	return atomic_load_explicit(placed, memory_order_acquire) ? ls : NULL;
}

const label_set *scene_labels(const tile_scene *s, int zoom)
{
	return placement(s, zoom, 1, 0);
}

const label_set *scene_base_labels(const tile_scene *s, int zoom)
{
	return placement(s, zoom, 0, 0);
}

const label_set *scene_labels_lang(const tile_scene *s, int zoom, const char *lang)
{
	return placement(s, zoom, 1, tile_lang_index(lang));
}

const label_set *scene_base_labels_lang(const tile_scene *s, int zoom, const char *lang)
{
	return placement(s, zoom, 0, tile_lang_index(lang));
}

void scene_sprites_trim(const tile_scene *cs)
{
	tile_scene *s = (tile_scene *)cs;
	label_sprites *c = s->d.sprites;
	if (!label_sprites_sweep_begin(c))
		return;
	/* A set is complete once `placed` says so; the sweep never touches one being placed. */
	for (int pass = 0; pass < 2 && label_sprites_sweep_more(c); pass++)
		for (int z = 0; z < GEODATA_LEVELS && label_sprites_sweep_more(c); z++)
			for (int l = 0; l < TILE_LANGS; l++)
				for (int e = 0; e < 2; e++)
					if (atomic_load_explicit(&s->placed[l][e][z],
					                         memory_order_acquire))
						label_sprites_sweep_set(c, &s->labels[l][e][z],
						                        pass == 0);
	label_sprites_sweep_end(c);
}

void tile_scene_sprite_stats(const tile_scene *s, tile_sprite_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (s && s->d.sprites)
		label_sprites_stats(s->d.sprites, out);
}

void tile_scene_set_sprite_budget(tile_scene *s, size_t bytes)
{
	if (s && s->d.sprites)
		label_sprites_set_budget(s->d.sprites, bytes);
}
