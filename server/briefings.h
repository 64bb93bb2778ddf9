/* briefings.h: private to server/: the set of briefings a server serves and their live reload. */
#ifndef BRIEFMAP_BRIEFINGS_H
#define BRIEFMAP_BRIEFINGS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "tiles.h"

/** A briefing's named views and their /api/views body, shared by its versions. */
typedef struct brief_views {
	atomic_int refs;
	geodata_views *views;
	char *json;
	char etag[24];
} brief_views;

/**
 * One version of one briefing: immutable once published, refcounted, so a
 * request holds what it started with while a reload swaps in the next one.
 * `scene` and `views` are NULL when the briefing never loaded well (its map
 * routes then answer 503); `problem` says why the last load failed (NULL
 * when it succeeded), and the last good scene and views stay.
 */
typedef struct brief {
	atomic_int refs;
	char slug[GEODATA_SLUG_MAX + 1];
	tile_scene *scene;
	brief_views *views;
	char *problem;
	uint64_t events_hash;        /**< of the events served; 0 without any */
	long long data_time;         /**< when its files last changed: printed on sheets */
	unsigned long reload_errors; /**< loads refused since the server started */
	unsigned long generation;    /**< good loads so far */
} brief;

brief *brief_ref(brief *b);
/** NULL is a no-op. */
void brief_unref(brief *b);

typedef struct briefings briefings;

/** What the set is loaded from. */
typedef struct briefings_config {
	const geodata *gd;          /**< outlives the set */
	const char *dir;            /**< folder of briefing folders; used when `events` is NULL */
	const char *events;         /**< one events file: the only briefing, named after its folder */
	const char *views;          /**< with `events`: its views file (NULL: views.json beside it) */
	const char *default_slug;   /**< NULL: the first in slug order */
	uint64_t data_version;      /**< of the base data, mixed into revisions */
	long long base_time;        /**< when the base data last changed */
	/** Called on the watcher thread after a briefing's scene changed or it went away. */
	void (*changed)(void *ud, const char *slug, uint64_t events_hash, int removed);
	void *ud;
} briefings_config;

/**
 * Loads every briefing (a bad one is kept with its problem, logged). Returns
 * NULL only when out of memory or when a single `events` file cannot be
 * loaded, with `err` (of `errcap` bytes) filled. Thread safety: every
 * function below may be called from any thread.
 */
briefings *briefings_create(const briefings_config *cfg, char *err, size_t errcap);
/** Frees the set (stop its watcher first). NULL is a no-op. */
void briefings_destroy(briefings *bs);

/** How a pass over the folder waits for writers and asks for folders to be watched. */
typedef struct briefings_scan_hooks {
	/** Waits `ms` for a writer to finish; returns 1 when told to stop. */
	int (*settle)(void *ud, long ms);
	/** A briefing's folder, whose changes should end the next wait early. */
	void (*watch_dir)(void *ud, const char *dir);
	void *ud;
} briefings_scan_hooks;
/**
 * One pass: briefings added or changed are loaded once their files have
 * settled, removed ones dropped, replaced versions whose labels are placed
 * released. Returns 1 when told to stop. One thread at a time (the watcher).
 */
int briefings_scan(briefings *bs, const briefings_scan_hooks *h);
/** The folder of briefings to watch for added and removed ones; NULL with one events file. */
const char *briefings_dir(const briefings *bs);

/** The current version of `slug` (a reference), or NULL. */
brief *briefings_get(briefings *bs, const char *slug);
/** The default briefing (a reference), or NULL when there is none. */
brief *briefings_default(briefings *bs);
/** A snapshot of every briefing in slug order: references in a malloc'd array. */
brief **briefings_snapshot(briefings *bs, size_t *n);
void briefings_snapshot_free(brief **list, size_t n);
/** Whether every loaded briefing's labels are placed. */
int briefings_placed(briefings *bs);

/* ---- watch.c: the thread that picks up briefings added, changed and removed ---------- */

typedef struct watch watch;
/**
 * Starts the thread: a briefings_scan every half second, and as soon as
 * inotify reports a change. `bs` must outlive the watcher. NULL on failure.
 */
watch *watch_start(briefings *bs);
/** Stops and joins the thread, frees the watcher. NULL is a no-op. */
void watch_stop(watch *w);

/* ---- listpage.c: what the list of briefings and each briefing's metadata say ---------- */

/**
 * A briefing as /b/{slug}/api/briefing and /api/briefings give it: its
 * briefing.json metadata, its slug, event counts by status, the view of its
 * small map, and `problem` when its last load failed. NULL when out of memory.
 */
json_object *listpage_briefing(const brief *b);
/** The /api/briefings body (malloc'd): every briefing and the default one's slug. */
char *listpage_briefings_json(briefings *bs);

#endif
