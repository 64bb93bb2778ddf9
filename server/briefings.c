/* briefings.c: the briefings a server serves: loading each folder, and reloading what changed. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "briefings.h"
#include "private.h"

#define SETTLE_MS 100
#define SETTLE_TRIES 10
/* Problem lines kept in a briefing's `problem`: the log has them all. */
#define PROBLEM_LINES 8
/* Versions replaced while their labels were still being placed, kept until that ends. */
#define RETIRED_MAX 8

typedef struct entry {
	brief *cur;
	uint64_t stamp; /* of its four files when `cur` was loaded */
} entry;

struct briefings {
	briefings_config cfg;
	pthread_mutex_t lock;
	entry *items; /* sorted by slug */
	size_t n, cap;
	/* Dropping the last reference to a scene still placing its labels waits for the zoom
	 * under way: replaced versions wait here (watcher thread only), so that neither the
	 * watcher nor a network thread finishing a request ever waits for it. */
	brief *retired[RETIRED_MAX];
	size_t nretired;
};

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* ---- versions --------------------------------------------------------------- */

static brief_views *views_ref(brief_views *v)
{
	if (v)
		atomic_fetch_add(&v->refs, 1);
	return v;
}

static void views_unref(brief_views *v)
{
	if (!v || atomic_fetch_sub(&v->refs, 1) != 1)
		return;
	geodata_views_destroy(v->views);
	free(v->json);
	free(v);
}

brief *brief_ref(brief *b)
{
	if (b)
		atomic_fetch_add(&b->refs, 1);
	return b;
}

void brief_unref(brief *b)
{
	if (!b || atomic_fetch_sub(&b->refs, 1) != 1)
		return;
	tile_scene_unref(b->scene);
	views_unref(b->views);
	free(b->problem);
	free(b);
}

static char *views_json_build(const geodata_views *v)
{
	json_object *arr = json_object_new_array();
	if (!arr)
		return NULL;
	for (size_t i = 0; i < geodata_views_count(v); i++) {
		const geodata_view *w = geodata_views_get(v, i);
		json_object *o = json_object_new_object();
		json_object *b = json_object_new_array();
		json_object_array_add(b, json_object_new_double(w->bbox.minx));
		json_object_array_add(b, json_object_new_double(w->bbox.miny));
		json_object_array_add(b, json_object_new_double(w->bbox.maxx));
		json_object_array_add(b, json_object_new_double(w->bbox.maxy));
		json_object_object_add(o, "name", json_object_new_string(w->name));
		json_object_object_add(o, "title", json_object_new_string(w->title ? w->title : ""));
		json_object_object_add(o, "description",
		                       json_object_new_string(w->description ? w->description : ""));
		json_object_object_add(o, "bbox", b);
		json_object_array_add(arr, o);
	}
	char *out = strdup(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
	json_object_put(arr);
	return out;
}

/* ---- files of a briefing ------------------------------------------------------ */

enum { F_EVENTS, F_VIEWS, F_META, F_ARTICLE, F_COUNT };

typedef struct brief_paths {
	char f[F_COUNT][PATH_MAX];
} brief_paths;

static int paths_of(const briefings *bs, const char *slug, brief_paths *p)
{
	static const char *const names[F_COUNT] = {GEODATA_BRIEFING_EVENTS, GEODATA_BRIEFING_VIEWS,
	                                           GEODATA_BRIEFING_META,
	                                           GEODATA_BRIEFING_ARTICLE};
	if (!bs->cfg.events) {
		for (int i = 0; i < F_COUNT; i++)
			if (geodata_briefing_path(bs->cfg.dir, slug, names[i], p->f[i], PATH_MAX) != 0)
				return -1;
		return 0;
	}
	/* One events file: the other files are beside it, views unless given. */
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", bs->cfg.events);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	snprintf(p->f[F_EVENTS], PATH_MAX, "%s", bs->cfg.events);
	for (int i = 1; i < F_COUNT; i++)
		if (snprintf(p->f[i], PATH_MAX, "%s/%s", dir, names[i]) >= PATH_MAX)
			return -1;
	if (bs->cfg.views)
		snprintf(p->f[F_VIEWS], PATH_MAX, "%s", bs->cfg.views);
	return 0;
}

/* What the four files are now (size, times, inode; missing ones count as missing). */
static uint64_t stamp_of(const brief_paths *p, long long *mtime)
{
	uint64_t h = TILE_HASH_INIT;
	for (int i = 0; i < F_COUNT; i++) {
		struct stat st;
		if (stat(p->f[i], &st) != 0) {
			h = tile_hash_add(h, "-", 1);
			continue;
		}
		uint64_t v[6] = {(uint64_t)st.st_ino, (uint64_t)st.st_size,
		                 (uint64_t)st.st_mtim.tv_sec, (uint64_t)st.st_mtim.tv_nsec,
		                 (uint64_t)st.st_ctim.tv_sec, (uint64_t)st.st_ctim.tv_nsec};
		h = tile_hash_add(h, v, sizeof v);
		if (mtime && (long long)st.st_mtime > *mtime)
			*mtime = (long long)st.st_mtime;
	}
	return h;
}

/* The problems as one text: the first few lines, and how many more the log has. */
static char *problem_text(const char *what, const geodata_problems *pr)
{
	size_t cap = 256;
	for (size_t i = 0; i < pr->count && i < PROBLEM_LINES; i++)
		cap += strlen(pr->lines[i]) + 2;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	size_t n = (size_t)snprintf(s, cap, "%s", what);
	for (size_t i = 0; i < pr->count && i < PROBLEM_LINES; i++)
		n += (size_t)snprintf(s + n, cap - n, "%s%s", i ? "; " : ": ", pr->lines[i]);
	if (pr->count > PROBLEM_LINES)
		snprintf(s + n, cap - n, "; and %zu more", pr->count - PROBLEM_LINES);
	query_text_sanitize(s);
	return s;
}

static brief_views *views_load(const char *path, char **problem)
{
	geodata_error gerr = {{0}};
	brief_views *v = calloc(1, sizeof *v);
	if (!v)
		return NULL;
	atomic_init(&v->refs, 1);
	v->views = geodata_views_load(path, &gerr);
	if (!v->views) {
		size_t cap = strlen(path) + strlen(gerr.msg) + 32;
		*problem = malloc(cap);
		if (*problem) {
			snprintf(*problem, cap, "views %s: %s", path, gerr.msg);
			query_text_sanitize(*problem);
		}
		free(v);
		return NULL;
	}
	v->json = views_json_build(v->views);
	if (!v->json) {
		views_unref(v);
		return NULL;
	}
	snprintf(v->etag, sizeof v->etag, "\"%016llx\"",
	         (unsigned long long)tile_hash_add(TILE_HASH_INIT, v->json, strlen(v->json)));
	return v;
}

/*
 * The next version of `slug` after `prev` (NULL for a new one): a good load,
 * or `prev`'s scene and views with the problem. NULL only when out of memory.
 */
static brief *load_version(briefings *bs, const char *slug, const brief *prev,
                           const brief_paths *p, long long mtime)
{
	double t0 = now_ms();
	brief *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	atomic_init(&b->refs, 1);
	snprintf(b->slug, sizeof b->slug, "%s", slug);
	b->data_time = mtime > bs->cfg.base_time ? mtime : bs->cfg.base_time;
	b->reload_errors = prev ? prev->reload_errors : 0;
	b->generation = prev ? prev->generation : 0;
	geodata_problems probs = {0};
	geodata_events *ev = geodata_events_load(bs->cfg.gd, p->f[F_EVENTS], &probs);
	char *problem = NULL;
	brief_views *views = NULL;
	if (!ev) {
		char what[PATH_MAX + 64];
		snprintf(what, sizeof what, "%s has %zu problem%s", p->f[F_EVENTS], probs.count,
		         probs.count == 1 ? "" : "s");
		problem = problem_text(what, &probs);
		for (size_t i = 0; i < probs.count; i++)
			log_line("briefmap: briefing %s: %s", slug, probs.lines[i]);
	} else if (!geodata_events_geojson(ev)) {
		/* Written here, once, so that no request pays for it or meets its failure. */
		problem = strdup("out of memory writing the events' GeoJSON");
		geodata_events_unref(ev);
		ev = NULL;
	} else {
		views = views_load(p->f[F_VIEWS], &problem);
	}
	geodata_problems_finish(&probs);
	if (ev && views) {
		uint64_t h = geodata_events_hash(ev);
		if (prev && prev->scene && prev->events_hash == h) {
			b->scene = tile_scene_ref(prev->scene);
		} else {
			tile_error terr = {{0}};
			b->scene = tile_scene_create(bs->cfg.gd, ev, 1, &terr);
			if (!b->scene) {
				size_t cap = strlen(terr.msg) + 64;
				problem = malloc(cap);
				if (problem)
					snprintf(problem, cap, "cannot build the map: %s", terr.msg);
			}
		}
		if (b->scene) {
			b->events_hash = h;
			b->views = views;
			views = NULL;
			b->generation++;
			log_line("briefmap: briefing %s loaded: %zu events (generation %lu) in %.0f ms",
			         slug, geodata_events_count(ev), b->generation, now_ms() - t0);
		}
	}
	geodata_events_unref(ev);
	views_unref(views);
	if (!b->scene) {
		b->problem = problem ? problem : strdup("cannot be loaded");
		b->reload_errors++;
		if (prev && prev->scene) {
			b->scene = tile_scene_ref(prev->scene);
			b->views = views_ref(prev->views);
			b->events_hash = prev->events_hash;
			b->data_time = prev->data_time;
		}
		struct stat st;
		if (prev && prev->scene && stat(p->f[F_EVENTS], &st) != 0)
			log_line("briefmap: briefing %s: events file %s is gone (%s); serving the last "
			         "good version",
			         slug, p->f[F_EVENTS], strerror(errno));
		else
			log_line("briefmap: briefing %s: events reload rejected: %s; %s", slug,
			         b->problem ? b->problem : "",
			         b->scene ? "keeping the last good version" : "not served until fixed");
	} else {
		free(problem);
	}
	return b;
}

/* ---- the set ------------------------------------------------------------------ */

static size_t find_slot(const briefings *bs, const char *slug, int *found)
{
	size_t lo = 0, hi = bs->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(bs->items[mid].cur->slug, slug);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

/* Keeps `old` (taken over) until its labels are placed; watcher and start-up only. */
static void retire(briefings *bs, brief *old, const tile_scene *kept)
{
	if (!old)
		return;
	if (bs->nretired == RETIRED_MAX) {
		brief_unref(bs->retired[0]);
		memmove(bs->retired, bs->retired + 1, (RETIRED_MAX - 1) * sizeof *bs->retired);
		bs->nretired--;
	}
	/* Its labels are no use once replaced: the CPU goes to the new version's. */
	if (old->scene && old->scene != kept)
		tile_scene_stop_warming(old->scene);
	bs->retired[bs->nretired++] = old;
}

static void retired_sweep(briefings *bs)
{
	size_t k = 0;
	for (size_t i = 0; i < bs->nretired; i++) {
		brief *b = bs->retired[i];
		if (!b->scene || tile_scene_warm_over(b->scene))
			brief_unref(b);
		else
			bs->retired[k++] = b;
	}
	bs->nretired = k;
}

/* Publishes `b` (taking it over) as the current version of its slug. */
static int publish(briefings *bs, brief *b, uint64_t stamp)
{
	pthread_mutex_lock(&bs->lock);
	int found;
	size_t i = find_slot(bs, b->slug, &found);
	brief *old = NULL;
	if (found) {
		old = bs->items[i].cur;
	} else {
		if (bs->n == bs->cap) {
			size_t cap = bs->cap ? bs->cap * 2 : 8;
			entry *p = realloc(bs->items, cap * sizeof *p);
			if (!p) {
				pthread_mutex_unlock(&bs->lock);
				brief_unref(b);
				return -1;
			}
			bs->items = p;
			bs->cap = cap;
		}
		memmove(bs->items + i + 1, bs->items + i, (bs->n - i) * sizeof *bs->items);
		bs->n++;
	}
	bs->items[i] = (entry){b, stamp};
	pthread_mutex_unlock(&bs->lock);
	uint64_t was = old ? old->events_hash : 0;
	int scene_changed = !old || old->scene != b->scene;
	retire(bs, old, b->scene);
	if (scene_changed && was && bs->cfg.changed)
		bs->cfg.changed(bs->cfg.ud, b->slug, b->events_hash, 0);
	return 0;
}

static void remove_slug(briefings *bs, const char *slug)
{
	pthread_mutex_lock(&bs->lock);
	int found;
	size_t i = find_slot(bs, slug, &found);
	brief *old = NULL;
	if (found) {
		old = bs->items[i].cur;
		memmove(bs->items + i, bs->items + i + 1, (bs->n - i - 1) * sizeof *bs->items);
		bs->n--;
	}
	pthread_mutex_unlock(&bs->lock);
	if (!old)
		return;
	log_line("briefmap: briefing %s removed", old->slug);
	if (bs->cfg.changed)
		bs->cfg.changed(bs->cfg.ud, old->slug, 0, 1);
	retire(bs, old, NULL);
}

brief *briefings_get(briefings *bs, const char *slug)
{
	if (!bs || !slug)
		return NULL;
	pthread_mutex_lock(&bs->lock);
	int found;
	size_t i = find_slot(bs, slug, &found);
	brief *b = found ? brief_ref(bs->items[i].cur) : NULL;
	pthread_mutex_unlock(&bs->lock);
	return b;
}

brief *briefings_default(briefings *bs)
{
	if (!bs)
		return NULL;
	brief *b = bs->cfg.default_slug ? briefings_get(bs, bs->cfg.default_slug) : NULL;
	if (b)
		return b;
	/* The first that can be served; a briefing bad from the start only when all are. */
	pthread_mutex_lock(&bs->lock);
	for (size_t i = 0; i < bs->n && !b; i++)
		if (bs->items[i].cur->scene)
			b = brief_ref(bs->items[i].cur);
	if (!b && bs->n)
		b = brief_ref(bs->items[0].cur);
	pthread_mutex_unlock(&bs->lock);
	return b;
}

brief **briefings_snapshot(briefings *bs, size_t *n)
{
	pthread_mutex_lock(&bs->lock);
	brief **list = malloc((bs->n ? bs->n : 1) * sizeof *list);
	*n = 0;
	if (list) {
		for (size_t i = 0; i < bs->n; i++)
			list[i] = brief_ref(bs->items[i].cur);
		*n = bs->n;
	}
	pthread_mutex_unlock(&bs->lock);
	return list;
}

void briefings_snapshot_free(brief **list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		brief_unref(list[i]);
	free(list);
}

int briefings_placed(briefings *bs)
{
	size_t n;
	brief **list = briefings_snapshot(bs, &n);
	int placed = list != NULL;
	for (size_t i = 0; placed && i < n; i++)
		if (list[i]->scene && !tile_scene_placed(list[i]->scene))
			placed = 0;
	briefings_snapshot_free(list, n);
	return placed;
}

/* The stamp of `slug` as published, and whether it is published at all. */
static int stamp_published(briefings *bs, const char *slug, uint64_t *stamp)
{
	pthread_mutex_lock(&bs->lock);
	int found;
	size_t i = find_slot(bs, slug, &found);
	if (found)
		*stamp = bs->items[i].stamp;
	pthread_mutex_unlock(&bs->lock);
	return found;
}

/*
 * Loads `slug` when its files differ from what is published, once they look
 * the same twice SETTLE_MS apart (a writer has finished). Returns 1 when told
 * to stop.
 */
static int refresh(briefings *bs, const char *slug, const briefings_scan_hooks *h)
{
	brief_paths p;
	if (paths_of(bs, slug, &p) != 0)
		return 0;
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", p.f[F_EVENTS]);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		h->watch_dir(h->ud, dir);
	}
	long long mtime = 0;
	uint64_t st = stamp_of(&p, &mtime), pub = 0;
	int known = stamp_published(bs, slug, &pub);
	if (known && pub == st)
		return 0;
	int settled = 0;
	for (int i = 0; i < SETTLE_TRIES && !settled; i++) {
		if (h->settle(h->ud, SETTLE_MS))
			return 1;
		mtime = 0;
		uint64_t again = stamp_of(&p, &mtime);
		settled = again == st;
		st = again;
	}
	if (!settled)
		return 0;
	brief *prev = briefings_get(bs, slug);
	brief *b = load_version(bs, slug, prev, &p, mtime);
	brief_unref(prev);
	if (b)
		publish(bs, b, st);
	return 0;
}

int briefings_scan(briefings *bs, const briefings_scan_hooks *h)
{
	retired_sweep(bs);
	if (bs->cfg.events) {
		brief *b = briefings_default(bs);
		char slug[GEODATA_SLUG_MAX + 1];
		snprintf(slug, sizeof slug, "%s", b ? b->slug : "");
		brief_unref(b);
		return slug[0] ? refresh(bs, slug, h) : 0;
	}
	geodata_briefing_list list = {0};
	geodata_error gerr = {{0}};
	if (geodata_briefings_list(bs->cfg.dir, &list, &gerr) != 0)
		return 0; /* a folder gone for a moment: the briefings stay until it is back */
	for (size_t i = 0; i < list.count; i++)
		if (refresh(bs, list.slugs[i], h)) {
			geodata_briefing_list_finish(&list);
			return 1;
		}
	size_t n;
	brief **cur = briefings_snapshot(bs, &n);
	for (size_t i = 0; cur && i < n; i++) {
		int present = 0;
		for (size_t k = 0; k < list.count && !present; k++)
			present = strcmp(list.slugs[k], cur[i]->slug) == 0;
		if (!present)
			remove_slug(bs, cur[i]->slug);
	}
	briefings_snapshot_free(cur, n);
	geodata_briefing_list_finish(&list);
	return 0;
}

const char *briefings_dir(const briefings *bs)
{
	return bs->cfg.events ? NULL : bs->cfg.dir;
}

/* The slug of a single events file: its folder's name, or "briefing" if that is no slug. */
static void single_slug(const char *events, char out[GEODATA_SLUG_MAX + 1])
{
	char dir[PATH_MAX];
	char *real = realpath(events, NULL);
	snprintf(dir, sizeof dir, "%s", real ? real : events);
	free(real);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	slash = strrchr(dir, '/');
	const char *name = slash ? slash + 1 : dir;
	if (!geodata_slug_valid(name))
		name = "briefing";
	size_t n = strlen(name);
	memcpy(out, name, n + 1 <= GEODATA_SLUG_MAX + 1 ? n + 1 : 1);
}

briefings *briefings_create(const briefings_config *cfg, char *err, size_t errcap)
{
	briefings *bs = calloc(1, sizeof *bs);
	if (!bs) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	bs->cfg = *cfg;
	if (!bs->cfg.dir)
		bs->cfg.dir = "briefings";
	pthread_mutex_init(&bs->lock, NULL);
	if (cfg->events) {
		char slug[GEODATA_SLUG_MAX + 1];
		single_slug(cfg->events, slug);
		brief_paths p;
		long long mtime = 0;
		if (paths_of(bs, slug, &p) != 0) {
			snprintf(err, errcap, "events path too long");
			briefings_destroy(bs);
			return NULL;
		}
		uint64_t st = stamp_of(&p, &mtime);
		brief *b = load_version(bs, slug, NULL, &p, mtime);
		if (!b || !b->scene) {
			snprintf(err, errcap, "events file %s: %s", cfg->events,
			         b && b->problem ? b->problem : "out of memory");
			brief_unref(b);
			briefings_destroy(bs);
			return NULL;
		}
		publish(bs, b, st);
		return bs;
	}
	geodata_briefing_list list = {0};
	geodata_error gerr = {{0}};
	if (geodata_briefings_list(bs->cfg.dir, &list, &gerr) != 0) {
		snprintf(err, errcap, "briefings folder %s: %s", bs->cfg.dir, gerr.msg);
		briefings_destroy(bs);
		return NULL;
	}
	for (size_t i = 0; i < list.count; i++) {
		brief_paths p;
		long long mtime = 0;
		if (paths_of(bs, list.slugs[i], &p) != 0)
			continue;
		uint64_t st = stamp_of(&p, &mtime);
		brief *b = load_version(bs, list.slugs[i], NULL, &p, mtime);
		if (b)
			publish(bs, b, st);
	}
	geodata_briefing_list_finish(&list);
	return bs;
}

void briefings_destroy(briefings *bs)
{
	if (!bs)
		return;
	for (size_t i = 0; i < bs->n; i++)
		brief_unref(bs->items[i].cur);
	for (size_t i = 0; i < bs->nretired; i++)
		brief_unref(bs->retired[i]);
	free(bs->items);
	pthread_mutex_destroy(&bs->lock);
	free(bs);
}
