/* seed.c: `briefmap seed`, rendering a tile pyramid into an MBTiles file on every core. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

typedef struct {
	int z;
	long x, y;
} tile_id;

typedef struct {
	const server_seed_options *o;
	tile_scene *scene;
	uint64_t events; /* revision of the scene's events, in each tile's key */
	tile_id *tiles;
	size_t ntiles;
	atomic_size_t next, done;
	pthread_mutex_t db_lock;
	sqlite3 *db;
	sqlite3_stmt *insert;
	atomic_int failed;
	char error[512];
} seed_job;

static void seed_fail(seed_job *j, const char *msg)
{
	pthread_mutex_lock(&j->db_lock);
	if (!atomic_exchange(&j->failed, 1))
		snprintf(j->error, sizeof(j->error), "%s", msg);
	pthread_mutex_unlock(&j->db_lock);
}

static void *seed_worker(void *arg)
{
	seed_job *j = arg;
	tile_buffer buf = {0};
	tile_error te;
	for (;;) {
		size_t i = atomic_fetch_add(&j->next, 1);
		if (i >= j->ntiles || atomic_load(&j->failed))
			break;
		const tile_id *t = &j->tiles[i];
		tile_key k;
		buf.len = 0;
		if (tile_key_init(&k, j->o->tileset, t->z, t->x, t->y, j->o->scale, TILE_IMAGE_PNG,
		                  GEODATA_DAY_OPEN, j->events, NULL) != 0) {
			seed_fail(j, "tile outside the pyramid");
			break;
		}
		if (tile_key_render(j->scene, &k, &buf, &te)) {
			seed_fail(j, te.msg);
			break;
		}
		pthread_mutex_lock(&j->db_lock);
		/* MBTiles rows count from the south (TMS), XYZ from the north. */
		sqlite3_bind_int(j->insert, 1, t->z);
		sqlite3_bind_int64(j->insert, 2, t->x);
		sqlite3_bind_int64(j->insert, 3, (1L << t->z) - 1 - t->y);
		sqlite3_bind_blob(j->insert, 4, buf.data, (int)buf.len, SQLITE_STATIC);
		int rc = sqlite3_step(j->insert);
		sqlite3_reset(j->insert);
		pthread_mutex_unlock(&j->db_lock);
		if (rc != SQLITE_DONE) {
			seed_fail(j, sqlite3_errmsg(j->db));
			break;
		}
		atomic_fetch_add(&j->done, 1);
	}
	tile_buffer_finish(&buf);
	return NULL;
}

static int exec_sql(sqlite3 *db, const char *sql, server_error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err->msg, sizeof(err->msg), "MBTiles: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int put_meta(sqlite3 *db, const char *name, const char *value)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "INSERT INTO metadata (name, value) VALUES (?, ?)", -1, &st,
	                       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

/* Whether `pid` is a running briefmap (an unrelated process may have been given the PID since). */
static int seed_alive(long pid)
{
	if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		return 0;
	char path[64], comm[64] = "", self[64] = "";
	snprintf(path, sizeof path, "/proc/%ld/comm", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 1; /* no /proc: the PID alone decides */
	int ok = fgets(comm, sizeof comm, f) != NULL;
	fclose(f);
	f = fopen("/proc/self/comm", "r");
	if (!f)
		return 1;
	ok = ok && fgets(self, sizeof self, f) != NULL;
	fclose(f);
	return !ok || strcmp(comm, self) == 0;
}

/*
 * Removes "OUTPUT.partial-PID" files beside the output left by a seed that
 * was killed: those whose PID is no longer a running briefmap. A seed still
 * writing its own is left alone.
 */
static void partials_remove_stale(const char *output)
{
	char dir[PATH_MAX];
	if (snprintf(dir, sizeof dir, "%s", output) >= (int)sizeof dir)
		return;
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : output;
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	char prefix[NAME_MAX + 16];
	int plen = snprintf(prefix, sizeof prefix, "%s.partial-", base);
	if (plen < 0 || plen >= (int)sizeof prefix)
		return;
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix, (size_t)plen) != 0)
			continue;
		const char *digits = e->d_name + plen;
		char *end;
		errno = 0;
		long pid = strtol(digits, &end, 10);
		if (!*digits || *end || errno || pid <= 0 || pid == (long)getpid() || seed_alive(pid))
			continue;
		(void)unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

/* The tiles of the range, zoom by zoom, row by row; 0, or -1 with `err` filled. */
static int tiles_list(seed_job *j, server_error *err)
{
	const server_seed_options *o = j->o;
	for (int z = o->minzoom; z <= o->maxzoom; z++) {
		long x0, y0, x1, y1;
		tile_lonlat_to_xyz(o->bbox.minx, o->bbox.maxy, z, &x0, &y0);
		tile_lonlat_to_xyz(o->bbox.maxx, o->bbox.miny, z, &x1, &y1);
		j->ntiles += (size_t)(x1 - x0 + 1) * (size_t)(y1 - y0 + 1);
	}
	if (j->ntiles > 5000000) {
		snprintf(err->msg, sizeof(err->msg), "%zu tiles is more than the limit of 5000000",
		         j->ntiles);
		return -1;
	}
	j->tiles = malloc(j->ntiles * sizeof(tile_id));
	if (!j->tiles) {
		snprintf(err->msg, sizeof(err->msg), "out of memory for %zu tiles", j->ntiles);
		return -1;
	}
	size_t n = 0;
	for (int z = o->minzoom; z <= o->maxzoom; z++) {
		long x0, y0, x1, y1;
		tile_lonlat_to_xyz(o->bbox.minx, o->bbox.maxy, z, &x0, &y0);
		tile_lonlat_to_xyz(o->bbox.maxx, o->bbox.miny, z, &x1, &y1);
		for (long y = y0; y <= y1; y++)
			for (long x = x0; x <= x1; x++)
				j->tiles[n++] = (tile_id){z, x, y};
	}
	return 0;
}

/* The MBTiles metadata, described and credited by the briefing the tiles are drawn from. */
static int mbtiles_meta(seed_job *j, server_error *err)
{
	const server_seed_options *o = j->o;
	const geodata_events *sev = tile_scene_events(j->scene);
	const geodata_briefing *bf = sev ? geodata_events_briefing(sev) : NULL;
	char desc[512], attr[512];
	snprintf(desc, sizeof desc, "briefmap: %s", bf ? bf->title : "events of an article");
	snprintf(attr, sizeof attr,
	         "Natural Earth; SimpleMaps World Cities (CC BY 4.0); events from the article%s%s%s",
	         bf ? " “" : "", bf ? bf->headline : "", bf ? "”" : "");
	char b[256], c[128], zs[2][16];
	snprintf(b, sizeof(b), "%.6f,%.6f,%.6f,%.6f", o->bbox.minx, o->bbox.miny, o->bbox.maxx,
	         o->bbox.maxy);
	snprintf(c, sizeof(c), "%.6f,%.6f,%d", (o->bbox.minx + o->bbox.maxx) / 2,
	         (o->bbox.miny + o->bbox.maxy) / 2, (o->minzoom + o->maxzoom) / 2);
	snprintf(zs[0], sizeof(zs[0]), "%d", o->minzoom);
	snprintf(zs[1], sizeof(zs[1]), "%d", o->maxzoom);
	const char *tsname = tile_tileset_name(o->tileset);
	if (put_meta(j->db, "name", tsname) || put_meta(j->db, "format", "png") ||
	    put_meta(j->db, "bounds", b) || put_meta(j->db, "center", c) ||
	    put_meta(j->db, "minzoom", zs[0]) || put_meta(j->db, "maxzoom", zs[1]) ||
	    put_meta(j->db, "version", BRIEFMAP_VERSION) || put_meta(j->db, "scheme", "tms") ||
	    put_meta(j->db, "type", o->tileset == TILE_TILESET_EVENTS ? "overlay" : "baselayer") ||
	    put_meta(j->db, "description", desc) || put_meta(j->db, "attribution", attr)) {
		snprintf(err->msg, sizeof(err->msg), "MBTiles: %s", sqlite3_errmsg(j->db));
		return -1;
	}
	return 0;
}

/* Creates the file `tmp` with its tables and metadata, ready for inserts; 0 or -1. */
static int mbtiles_open(seed_job *j, const char *tmp, server_error *err)
{
	unlink(tmp);
	if (sqlite3_open_v2(tmp, &j->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		snprintf(err->msg, sizeof(err->msg), "cannot create '%s': %s", j->o->output,
		         j->db ? sqlite3_errmsg(j->db) : "out of memory");
		return -1;
	}
	if (exec_sql(
	        j->db,
	        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
	        /* 0x4d504258, "MPBX": what `file` and GDAL recognise an MBTiles file by. */
	        "PRAGMA application_id=1297105496;"
	        "CREATE TABLE metadata (name TEXT, value TEXT);"
	        "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,"
	        " tile_data BLOB);"
	        "BEGIN;",
	        err) ||
	    mbtiles_meta(j, err))
		return -1;
	if (sqlite3_prepare_v2(j->db,
	                       "INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data)"
	                       " VALUES (?, ?, ?, ?)",
	                       -1, &j->insert, NULL) != SQLITE_OK) {
		snprintf(err->msg, sizeof(err->msg), "MBTiles: %s", sqlite3_errmsg(j->db));
		return -1;
	}
	return 0;
}

/* Draws every tile on `nth` threads, showing progress on a terminal; 0 or -1. */
static int seed_run(seed_job *j, int nth, server_error *err)
{
	pthread_t th[256];
	int started = 0;
	for (; started < nth; started++)
		if (pthread_create(&th[started], NULL, seed_worker, j))
			break;
	if (started == 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot start render threads");
		return -1;
	}
	int tty = isatty(2);
	while (tty && atomic_load(&j->done) < j->ntiles && !atomic_load(&j->failed)) {
		size_t d = atomic_load(&j->done);
		fprintf(stderr, "\rbriefmap: seeding %zu/%zu tiles (%.0f%%)", d, j->ntiles,
		        100.0 * (double)d / (double)j->ntiles);
		struct timespec ts = {0, 200 * 1000 * 1000};
		nanosleep(&ts, NULL);
		if (atomic_load(&j->next) >= j->ntiles && atomic_load(&j->done) >= j->ntiles)
			break;
	}
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (tty)
		fprintf(stderr, "\rbriefmap: seeded %zu tiles%20s\n", (size_t)atomic_load(&j->done),
		        "");
	if (atomic_load(&j->failed)) {
		snprintf(err->msg, sizeof(err->msg), "seed: %.400s", j->error);
		return -1;
	}
	return 0;
}

int server_seed(const server_seed_options *o, tile_scene *scene, server_error *err)
{
	const geodata_events *sev = tile_scene_events(scene);
	seed_job j = {.o = o, .scene = scene, .events = sev ? geodata_events_hash(sev) : 0};
	int nth = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nth < 1)
		nth = 1;
	if (nth > 256)
		nth = 256;
	int rc = -1;
	char tmp[4096] = "";
	atomic_init(&j.next, 0);
	atomic_init(&j.done, 0);
	atomic_init(&j.failed, 0);
	pthread_mutex_init(&j.db_lock, NULL);
	if (tiles_list(&j, err) < 0)
		goto out;
	partials_remove_stale(o->output);
	/* Written beside the target and renamed at the end: the file is whole or absent. */
	if (snprintf(tmp, sizeof(tmp), "%s.partial-%ld", o->output, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		tmp[0] = '\0';
		snprintf(err->msg, sizeof(err->msg), "output path is too long");
		goto out;
	}
	if (mbtiles_open(&j, tmp, err) < 0 || seed_run(&j, nth, err) < 0)
		goto out;
	sqlite3_finalize(j.insert);
	j.insert = NULL;
	if (exec_sql(j.db,
	             "COMMIT; CREATE UNIQUE INDEX tile_index ON tiles"
	             " (zoom_level, tile_column, tile_row);",
	             err))
		goto out;
	if (sqlite3_close(j.db) != SQLITE_OK) {
		snprintf(err->msg, sizeof(err->msg), "MBTiles: cannot close '%s'", o->output);
		j.db = NULL;
		goto out;
	}
	j.db = NULL;
	if (rename(tmp, o->output)) {
		snprintf(err->msg, sizeof(err->msg), "cannot write '%s'", o->output);
		goto out;
	}
	rc = 0;
out:
	if (j.insert)
		sqlite3_finalize(j.insert);
	if (j.db)
		sqlite3_close(j.db);
	if (rc && tmp[0])
		unlink(tmp);
	free(j.tiles);
	pthread_mutex_destroy(&j.db_lock);
	return rc;
}
