/* testutil.h: loading the real data and events once per test group, from the paths meson gives. */
#ifndef BRIEFMAP_TESTUTIL_H
#define BRIEFMAP_TESTUTIL_H

#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geodata.h"
#include "tiles.h"

/* cmocka 1.1 compares floats only as float; coordinates in metres need doubles. Use after
 * <cmocka.h>. */
#define assert_near(a, b, eps)                                                                     \
	do {                                                                                       \
		double a_ = (a), b_ = (b), e_ = (eps);                                             \
		if (!(fabs(a_ - b_) <= e_))                                                        \
			fail_msg("%s = %.12g, expected %s = %.12g within %g", #a, a_, #b, b_, e_); \
	} while (0)

/* What a test group that needs the real data shares between its tests. */
typedef struct test_world {
	geodata *gd;
	geodata_events *ev;
	tile_scene *scene;
} test_world;

/* The environment is set by tests/meson.build; running a test binary by hand works from the source
 * root too. */
static inline const char *test_env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return v && *v ? v : fallback;
}

static inline void test_world_free(test_world *w)
{
	if (!w)
		return;
	tile_scene_unref(w->scene);
	geodata_events_unref(w->ev);
	geodata_destroy(w->gd);
	free(w);
}

/*
 * Gives back this thread's font map once every scene is gone. cairo's and fontconfig's caches
 * stay: LeakSanitizer sees them still referenced (fontconfig's through tests/lsan.supp), and
 * cairo_debug_reset_static_data() raced pango's own threads, which drop the last reference to
 * a font map (a band thread's too) when their font loading ends: it aborted on a scaled font
 * still alive in 7 runs of test_bands in 200.
 */
static inline void test_release_fonts(void)
{
	pango_cairo_font_map_set_default(NULL);
}

/* Loads base data, events (when `events`) and a lazy scene; prints why and returns NULL on error.
 */
static inline test_world *test_world_load(int events, int scene)
{
	test_world *w = calloc(1, sizeof(*w));
	geodata_options opts = {.data_dir = test_env_or("BRIEFMAP_DATA", "var/data")};
	geodata_error err = {{0}};
	if (!w)
		return NULL;
	w->gd = geodata_load(&opts, &err);
	if (!w->gd) {
		fprintf(stderr, "cannot load base data from %s: %s\n", opts.data_dir, err.msg);
		goto fail;
	}
	if (events) {
		const char *path = test_env_or("BRIEFMAP_EVENTS", "briefings/us-mexico-cartels/events.geojson");
		geodata_problems pr = {0};
		w->ev = geodata_events_load(w->gd, path, &pr);
		for (size_t i = 0; i < pr.count; i++)
			fprintf(stderr, "%s: %s\n", path, pr.lines[i]);
		geodata_problems_finish(&pr);
		if (!w->ev) {
			fprintf(stderr, "cannot load events from %s\n", path);
			goto fail;
		}
	}
	if (scene) {
		tile_error te = {{0}};
		w->scene = tile_scene_create(w->gd, w->ev, 0, &te);
		if (!w->scene) {
			fprintf(stderr, "cannot create the scene: %s\n", te.msg);
			goto fail;
		}
	}
	return w;
fail:
	test_world_free(w);
	return NULL;
}

/* cmocka group fixtures for tests that draw: the real data, events and a scene. */
static inline int test_scene_setup(void **state)
{
	*state = test_world_load(1, 1);
	return *state ? 0 : -1;
}

static inline int test_scene_teardown(void **state)
{
	test_world_free(*state);
	test_release_fonts();
	return 0;
}

/* PNG bytes in memory back to an image through cairo; check the surface's status. */
typedef struct test_png_reader {
	const unsigned char *data;
	size_t len, pos;
} test_png_reader;

static inline cairo_status_t test_png_read(void *closure, unsigned char *data, unsigned int length)
{
	test_png_reader *r = closure;
	if (r->len - r->pos < length)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, r->data + r->pos, length);
	r->pos += length;
	return CAIRO_STATUS_SUCCESS;
}

static inline cairo_surface_t *test_png_decode(const unsigned char *data, size_t len)
{
	test_png_reader r = {data, len, 0};
	return cairo_image_surface_create_from_png_stream(test_png_read, &r);
}

/* A small deterministic generator (xorshift64*): the same boxes and points on every run. */
typedef struct test_rng {
	uint64_t s;
} test_rng;

static inline uint64_t test_rng_next(test_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ULL;
}

/* Uniform in [lo, hi). */
static inline double test_rng_uniform(test_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * (double)(test_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

#endif
