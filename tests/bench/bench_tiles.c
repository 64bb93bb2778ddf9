/* bench_tiles.c: times briefmap's tile rendering on one thread and on every core over a fixed tile
 * list. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "geodata.h"
#include "tiles.h"

/* The benchmark's region: the `region` named view, lon -120..-58, lat 2..35. */
#define REGION_WEST -120.0
#define REGION_SOUTH 2.0
#define REGION_EAST -58.0
#define REGION_NORTH 35.0

typedef struct tile_id {
	int z;
	long x, y;
} tile_id;

typedef struct tile_list {
	tile_id *tiles;
	size_t count;
} tile_list;

typedef struct bench_args {
	const char *data_dir;
	const char *events_path;
	const char *list_out;
	const char *save_dir;
	int zmin, zmax;
	int threads;
	int repeat;
	int list_only;
} bench_args;

/* What every worker shares: the scene, the list, and the next tile to take. */
typedef struct run_shared {
	const tile_scene *scene;
	const tile_list *list;
	atomic_size_t next;
	atomic_int failed;
	/* Start gate: workers report ready, then wait for `go`, so that the
	 * clock runs only while every worker renders. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int ready, go;
	char error[640];
} run_shared;

typedef struct worker {
	pthread_t thread;
	run_shared *shared;
	size_t tiles;
	unsigned long long bytes;
} worker;

typedef struct zoom_stat {
	size_t tiles;
	double seconds;
	unsigned long long bytes;
} zoom_stat;

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* This thread's CPU time: on a shared machine it moves far less with the load than the clock. */
static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_tiles [--data DIR] [--events FILE] [--zoom MIN-MAX] [--threads N] "
	           "[--repeat N]\n"
	           "                   [--list FILE] [--list-only] [--save DIR]\n"
	           "  --data DIR      prepared base data (default $BRIEFMAP_DATA or var/data)\n"
	           "  --events FILE   article events (default briefings/us-mexico-cartels/events.geojson)\n"
	           "  --zoom MIN-MAX  zoom levels of the tile list (default 2-8)\n"
	           "  --threads N     threads of the parallel run (default: number of cores)\n"
	           "  --repeat N      run each N times and report the fastest (default 1)\n"
	           "  --list FILE     write the tile list there, one \"z x y\" per line\n"
	           "  --list-only     write the list and stop, without loading or rendering\n"
	           "  --save DIR      after timing, write every tile as DIR/z-x-y.png\n");
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_zoom(const char *s, int *zmin, int *zmax)
{
	char buf[32];
	char *dash;

	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (!dash)
		return parse_int(buf, 0, GEODATA_MAX_ZOOM, zmin) ||
		       parse_int(buf, 0, GEODATA_MAX_ZOOM, zmax);
	*dash = '\0';
	if (parse_int(buf, 0, GEODATA_MAX_ZOOM, zmin) ||
	    parse_int(dash + 1, 0, GEODATA_MAX_ZOOM, zmax) || *zmin > *zmax)
		return -1;
	return 0;
}

/* Returns 0 to go on, 1 to exit successfully (help), 2 on a usage error. */
static int parse_args(int argc, char **argv, bench_args *a)
{
	const char *env = getenv("BRIEFMAP_DATA");
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	a->data_dir = env && *env ? env : "var/data";
	a->events_path = "briefings/us-mexico-cartels/events.geojson";
	a->list_out = NULL;
	a->save_dir = NULL;
	a->zmin = 2;
	a->zmax = 8;
	a->threads = cores > 0 ? (int)cores : 1;
	a->repeat = 1;
	a->list_only = 0;
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			usage(stdout);
			return 1;
		}
		if (!strcmp(opt, "--list-only")) {
			a->list_only = 1;
			continue;
		}
		if (!val) {
			fprintf(stderr, "bench_tiles: unknown option or missing value: %s\n", opt);
			return 2;
		}
		if (!strcmp(opt, "--data")) {
			a->data_dir = val;
		} else if (!strcmp(opt, "--events")) {
			a->events_path = val;
		} else if (!strcmp(opt, "--list")) {
			a->list_out = val;
		} else if (!strcmp(opt, "--save")) {
			a->save_dir = val;
		} else if (!strcmp(opt, "--zoom")) {
			if (parse_zoom(val, &a->zmin, &a->zmax)) {
				fprintf(stderr, "bench_tiles: bad --zoom: %s\n", val);
				return 2;
			}
		} else if (!strcmp(opt, "--repeat")) {
			if (parse_int(val, 1, 100, &a->repeat)) {
				fprintf(stderr, "bench_tiles: bad --repeat: %s\n", val);
				return 2;
			}
		} else if (!strcmp(opt, "--threads")) {
			if (parse_int(val, 1, 1024, &a->threads)) {
				fprintf(stderr, "bench_tiles: bad --threads: %s\n", val);
				return 2;
			}
		} else {
			fprintf(stderr, "bench_tiles: unknown option: %s\n", opt);
			return 2;
		}
		i++;
	}
	return 0;
}

/* Every tile meeting the region at each zoom, zoom by zoom, rows north to south. */
static int tile_list_build(int zmin, int zmax, tile_list *out)
{
	size_t n = 0, cap = 0;
	tile_id *tiles = NULL;

	for (int z = zmin; z <= zmax; z++) {
		long x0, y0, x1, y1;

		tile_lonlat_to_xyz(REGION_WEST, REGION_NORTH, z, &x0, &y0);
		tile_lonlat_to_xyz(REGION_EAST, REGION_SOUTH, z, &x1, &y1);
		for (long y = y0; y <= y1; y++) {
			for (long x = x0; x <= x1; x++) {
				if (!tile_xyz_valid(z, x, y))
					continue;
				if (n == cap) {
					size_t ncap = cap ? cap * 2 : 1024;
					tile_id *t = realloc(tiles, ncap * sizeof *t);

					if (!t) {
						free(tiles);
						return -1;
					}
					tiles = t;
					cap = ncap;
				}
				tiles[n++] = (tile_id){z, x, y};
			}
		}
	}
	out->tiles = tiles;
	out->count = n;
	return 0;
}

static int tile_list_write(const tile_list *list, const char *path)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (!f)
		return -1;
	for (size_t i = 0; i < list->count; i++) {
		if (fprintf(f, "%d %ld %ld\n", list->tiles[i].z, list->tiles[i].x,
		            list->tiles[i].y) < 0)
			rc = -1;
	}
	if (fclose(f))
		rc = -1;
	return rc;
}

static void shared_fail(run_shared *sh, const tile_id *t, const char *msg)
{
	pthread_mutex_lock(&sh->lock);
	if (!atomic_load(&sh->failed))
		snprintf(sh->error, sizeof sh->error, "tile %d/%ld/%ld: %s", t->z, t->x, t->y, msg);
	atomic_store(&sh->failed, 1);
	pthread_mutex_unlock(&sh->lock);
}

static void *worker_main(void *arg)
{
	worker *w = arg;
	run_shared *sh = w->shared;
	tile_buffer png = {0};
	tile_error err = {{0}};

	/* One untimed tile first so that each thread's font map is ready, as
	 * the other tools' workers also set up before their clock starts. */
	if (tile_render_xyz(sh->scene, TILE_TILESET_BRIEFING, sh->list->tiles[0].z,
	                    sh->list->tiles[0].x, sh->list->tiles[0].y, 1, GEODATA_DAY_OPEN, &png,
	                    &err))
		shared_fail(sh, &sh->list->tiles[0], err.msg);
	pthread_mutex_lock(&sh->lock);
	sh->ready++;
	pthread_cond_broadcast(&sh->cond);
	while (!sh->go)
		pthread_cond_wait(&sh->cond, &sh->lock);
	pthread_mutex_unlock(&sh->lock);
	for (;;) {
		size_t i = atomic_fetch_add(&sh->next, 1);
		const tile_id *t;

		if (i >= sh->list->count || atomic_load(&sh->failed))
			break;
		t = &sh->list->tiles[i];
		png.len = 0;
		if (tile_render_xyz(sh->scene, TILE_TILESET_BRIEFING, t->z, t->x, t->y, 1,
		                    GEODATA_DAY_OPEN, &png, &err)) {
			shared_fail(sh, t, err.msg);
			break;
		}
		w->tiles++;
		w->bytes += png.len;
	}
	tile_buffer_finish(&png);
	return NULL;
}

/* Renders the whole list on `nthreads` threads; fills seconds, tiles and bytes. */
static int run_parallel(const tile_scene *scene, const tile_list *list, int nthreads,
                        double *seconds, unsigned long long *bytes)
{
	run_shared sh;
	worker *workers;
	int started = 0, rc = -1;
	size_t done = 0;
	double t0;

	workers = calloc((size_t)nthreads, sizeof *workers);
	if (!workers)
		return -1;
	sh.scene = scene;
	sh.list = list;
	atomic_init(&sh.next, 0);
	atomic_init(&sh.failed, 0);
	sh.error[0] = '\0';
	sh.ready = 0;
	sh.go = 0;
	if (pthread_mutex_init(&sh.lock, NULL))
		goto out_workers;
	if (pthread_cond_init(&sh.cond, NULL))
		goto out_mutex;
	for (; started < nthreads; started++) {
		workers[started].shared = &sh;
		if (pthread_create(&workers[started].thread, NULL, worker_main, &workers[started]))
			break;
	}
	if (started < nthreads) {
		fprintf(stderr, "bench_tiles: could not start %d threads\n", nthreads);
		atomic_store(&sh.failed, 1);
	}
	pthread_mutex_lock(&sh.lock);
	while (sh.ready < started)
		pthread_cond_wait(&sh.cond, &sh.lock);
	sh.go = 1;
	pthread_cond_broadcast(&sh.cond);
	pthread_mutex_unlock(&sh.lock);
	t0 = now_seconds();
	*bytes = 0;
	for (int i = 0; i < started; i++) {
		pthread_join(workers[i].thread, NULL);
		done += workers[i].tiles;
		*bytes += workers[i].bytes;
	}
	*seconds = now_seconds() - t0;
	if (atomic_load(&sh.failed)) {
		if (sh.error[0])
			fprintf(stderr, "bench_tiles: %s\n", sh.error);
	} else if (done != list->count) {
		fprintf(stderr, "bench_tiles: rendered %zu of %zu tiles\n", done, list->count);
	} else {
		rc = 0;
	}
	pthread_cond_destroy(&sh.cond);
out_mutex:
	pthread_mutex_destroy(&sh.lock);
out_workers:
	free(workers);
	return rc;
}

/* The single-core run, timed tile by tile so that it also gives the per-zoom figures. */
static int run_single(const tile_scene *scene, const tile_list *list, int zmax, zoom_stat *zs,
                      double *seconds, double *cpu, unsigned long long *bytes)
{
	tile_buffer png = {0};
	tile_error err = {{0}};
	double t0, start;
	int rc = -1;

	if (tile_render_xyz(scene, TILE_TILESET_BRIEFING, list->tiles[0].z, list->tiles[0].x,
	                    list->tiles[0].y, 1, GEODATA_DAY_OPEN, &png, &err)) {
		fprintf(stderr, "bench_tiles: warm-up tile: %s\n", err.msg);
		goto out;
	}
	*bytes = 0;
	*cpu = cpu_seconds();
	start = now_seconds();
	t0 = start;
	for (size_t i = 0; i < list->count; i++) {
		const tile_id *t = &list->tiles[i];
		double t1;

		png.len = 0;
		if (tile_render_xyz(scene, TILE_TILESET_BRIEFING, t->z, t->x, t->y, 1,
		                    GEODATA_DAY_OPEN, &png, &err)) {
			fprintf(stderr, "bench_tiles: tile %d/%ld/%ld: %s\n", t->z, t->x, t->y,
			        err.msg);
			goto out;
		}
		t1 = now_seconds();
		if (t->z <= zmax) {
			zs[t->z].tiles++;
			zs[t->z].seconds += t1 - t0;
			zs[t->z].bytes += png.len;
		}
		*bytes += png.len;
		t0 = t1;
	}
	*seconds = now_seconds() - start;
	*cpu = cpu_seconds() - *cpu;
	rc = 0;
out:
	tile_buffer_finish(&png);
	return rc;
}

static int save_tiles(const tile_scene *scene, const tile_list *list, const char *dir)
{
	tile_buffer png = {0};
	tile_error err = {{0}};
	char path[PATH_MAX];
	int rc = -1;

	if (mkdir(dir, 0777) && errno != EEXIST) {
		fprintf(stderr, "bench_tiles: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < list->count; i++) {
		const tile_id *t = &list->tiles[i];
		FILE *f;
		int ok;

		png.len = 0;
		if (tile_render_xyz(scene, TILE_TILESET_BRIEFING, t->z, t->x, t->y, 1,
		                    GEODATA_DAY_OPEN, &png, &err)) {
			fprintf(stderr, "bench_tiles: tile %d/%ld/%ld: %s\n", t->z, t->x, t->y,
			        err.msg);
			goto out;
		}
		snprintf(path, sizeof path, "%s/%d-%ld-%ld.png", dir, t->z, t->x, t->y);
		f = fopen(path, "wb");
		if (!f) {
			fprintf(stderr, "bench_tiles: %s: %s\n", path, strerror(errno));
			goto out;
		}
		ok = fwrite(png.data, 1, png.len, f) == png.len;
		if (fclose(f) || !ok) {
			fprintf(stderr, "bench_tiles: %s: write failed\n", path);
			goto out;
		}
	}
	rc = 0;
out:
	tile_buffer_finish(&png);
	return rc;
}

/*
 * The scene places labels zoom by zoom on a background thread. One tile of
 * each tileset at every zoom waits for each placement (or makes it), so that
 * none of that work overlaps the timed runs.
 */
static int warm_scene(const tile_scene *scene)
{
	tile_buffer png = {0};
	tile_error err = {{0}};
	int rc = 0;

	for (int z = 0; z <= GEODATA_MAX_ZOOM && !rc; z++) {
		long x, y;

		tile_lonlat_to_xyz(-90.0, 20.0, z, &x, &y);
		for (int ts = 0; ts < TILE_TILESET_COUNT && !rc; ts++) {
			png.len = 0;
			rc = tile_render_xyz(scene, (tile_tileset)ts, z, x, y, 1, GEODATA_DAY_OPEN,
			                     &png, &err);
			if (rc)
				fprintf(stderr, "bench_tiles: warm-up tile %d/%ld/%ld: %s\n", z, x,
				        y, err.msg);
		}
	}
	tile_buffer_finish(&png);
	return rc;
}

/* The same list once more as WebP, one thread: its size beside the PNGs', and its cost. */
static int run_webp(const tile_scene *scene, const tile_list *list)
{
	tile_buffer out = {0};
	tile_error err = {{0}};
	unsigned long long bytes = 0;
	int rc = -1;
	double t0 = now_seconds();

	for (size_t i = 0; i < list->count; i++) {
		const tile_id *t = &list->tiles[i];

		out.len = 0;
		if (tile_render_xyz_as(scene, TILE_TILESET_BRIEFING, t->z, t->x, t->y, 1,
		                       GEODATA_DAY_OPEN, TILE_IMAGE_WEBP, &out, &err)) {
			fprintf(stderr, "bench_tiles: tile %d/%ld/%ld as WebP: %s\n", t->z, t->x,
			        t->y, err.msg);
			goto out;
		}
		bytes += out.len;
	}
	double seconds = now_seconds() - t0;
	printf(
	    "webp        1 thread  %6zu tiles %8.3f s %9.1f tiles/s %8.2f ms/tile  mean WebP %5.0f "
	    "bytes\n",
	    list->count, seconds, (double)list->count / seconds,
	    1000.0 * seconds / (double)list->count, (double)bytes / (double)list->count);
	printf("result tool=briefmap mode=webp threads=1 tiles=%zu seconds=%.4f tiles_per_s=%.2f "
	       "mean_bytes=%.0f\n",
	       list->count, seconds, (double)list->count / seconds,
	       (double)bytes / (double)list->count);
	fflush(stdout);
	rc = 0;
out:
	tile_buffer_finish(&out);
	return rc;
}

static void print_result(const char *mode, int threads, size_t tiles, double seconds,
                         unsigned long long bytes)
{
	printf("%-10s %2d thread%s %6zu tiles %8.3f s %9.1f tiles/s %8.2f ms/tile  mean PNG %6.0f "
	       "bytes\n",
	       mode, threads, threads == 1 ? " " : "s", tiles, seconds, (double)tiles / seconds,
	       1000.0 * seconds / (double)tiles, (double)bytes / (double)tiles);
	/* One machine-readable line per run, the same shape for every tool, for run.sh. */
	printf("result tool=briefmap mode=%s threads=%d tiles=%zu seconds=%.4f tiles_per_s=%.2f "
	       "mean_png_bytes=%.0f\n",
	       mode, threads, tiles, seconds, (double)tiles / seconds,
	       (double)bytes / (double)tiles);
}

int main(int argc, char **argv)
{
	bench_args a;
	tile_list list = {0};
	geodata_options gopts = {0};
	geodata_error gerr = {{0}};
	geodata_problems problems = {0};
	tile_error terr = {{0}};
	geodata *gd = NULL;
	geodata_events *ev = NULL;
	tile_scene *scene = NULL;
	zoom_stat zs[GEODATA_LEVELS] = {{0}};
	double t0, t_data, t_events, t_scene, t_warm, seconds;
	unsigned long long bytes = 0;
	int rc = 1, pr;

	pr = parse_args(argc, argv, &a);
	if (pr)
		return pr == 1 ? 0 : 2;
	if (tile_list_build(a.zmin, a.zmax, &list) || list.count == 0) {
		fprintf(stderr, "bench_tiles: could not build the tile list\n");
		goto out;
	}
	if (a.list_out && tile_list_write(&list, a.list_out)) {
		fprintf(stderr, "bench_tiles: %s: %s\n", a.list_out, strerror(errno));
		goto out;
	}
	if (a.list_only) {
		rc = 0;
		goto out;
	}

	t0 = now_seconds();
	gopts.data_dir = a.data_dir;
	gd = geodata_load(&gopts, &gerr);
	if (!gd) {
		fprintf(stderr, "bench_tiles: %s\n", gerr.msg);
		goto out;
	}
	t_data = now_seconds();
	ev = geodata_events_load(gd, a.events_path, &problems);
	if (!ev) {
		fprintf(stderr, "bench_tiles: %s: %zu problem(s)\n", a.events_path, problems.count);
		for (size_t i = 0; i < problems.count; i++)
			fprintf(stderr, "bench_tiles: %s\n", problems.lines[i]);
		goto out;
	}
	t_events = now_seconds();
	scene = tile_scene_create(gd, ev, 1, &terr);
	if (!scene) {
		fprintf(stderr, "bench_tiles: %s\n", terr.msg);
		goto out;
	}
	t_scene = now_seconds();
	/* The process's CPU while the scene's own threads place every zoom, this one asleep. */
	struct timespec nap = {0, 2000000}, pc0, pc1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &pc0);
	while (!tile_scene_placed(scene) && !tile_scene_warm_over(scene))
		nanosleep(&nap, NULL);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &pc1);
	double place_cpu = (double)(pc1.tv_sec - pc0.tv_sec) + (pc1.tv_nsec - pc0.tv_nsec) / 1e9;
	if (warm_scene(scene))
		goto out;
	t_warm = now_seconds();

	printf("briefmap tile benchmark: %zu tiles, zooms %d-%d, lon %g..%g lat %g..%g, "
	       "tileset briefing, 256 px, PNG, best of %d\n",
	       list.count, a.zmin, a.zmax, REGION_WEST, REGION_EAST, REGION_SOUTH, REGION_NORTH,
	       a.repeat);
	printf("load: data %.3f s, events %.3f s, scene %.3f s, labels of every zoom ready after "
	       "%.3f s more\n",
	       t_data - t0, t_events - t_data, t_scene - t_events, t_warm - t_scene);
	printf("placement of every zoom: %.3f s of CPU on the scene's threads\n", place_cpu);
	fflush(stdout);

	/* On a shared machine the least disturbed of several runs is the best estimate. */
	seconds = -1;
	double cpu = -1;
	for (int r = 0; r < a.repeat; r++) {
		zoom_stat zr[GEODATA_LEVELS] = {{0}};
		double sec, c;

		if (run_single(scene, &list, a.zmax, zr, &sec, &c, &bytes))
			goto out;
		if (seconds < 0 || sec < seconds) {
			seconds = sec;
			memcpy(zs, zr, sizeof zs);
		}
		if (cpu < 0 || c < cpu)
			cpu = c;
	}
	printf("zoom  tiles  seconds   tiles/s  ms/tile  mean PNG bytes\n");
	for (int z = a.zmin; z <= a.zmax; z++) {
		if (!zs[z].tiles)
			continue;
		printf("%4d %6zu %8.3f %9.1f %8.2f %15.0f\n", z, zs[z].tiles, zs[z].seconds,
		       (double)zs[z].tiles / zs[z].seconds,
		       1000.0 * zs[z].seconds / (double)zs[z].tiles,
		       (double)zs[z].bytes / (double)zs[z].tiles);
	}
	for (int z = a.zmin; z <= a.zmax; z++) {
		if (zs[z].tiles)
			printf("result tool=briefmap mode=zoom zoom=%d tiles=%zu seconds=%.4f\n", z,
			       zs[z].tiles, zs[z].seconds);
	}
	print_result("sequential", 1, list.count, seconds, bytes);
	printf("sequential  1 thread    %zu tiles in %.3f s of the thread's CPU time: %.1f tiles per "
	       "CPU second\n",
	       list.count, cpu, (double)list.count / cpu);
	tile_sprite_stats sst;
	tile_scene_sprite_stats(scene, &sst);
	printf("label sprites: %zu bytes held of a budget of %zu; %llu made, %llu freed, %llu "
	       "refused room\n",
	       sst.bytes, sst.budget, sst.made, sst.evicted, sst.refused);
	fflush(stdout);

	seconds = -1;
	for (int r = 0; r < a.repeat; r++) {
		double sec;

		if (run_parallel(scene, &list, a.threads, &sec, &bytes))
			goto out;
		if (seconds < 0 || sec < seconds)
			seconds = sec;
	}
	print_result("parallel", a.threads, list.count, seconds, bytes);
	fflush(stdout);

	if (run_webp(scene, &list))
		goto out;
	if (a.save_dir && save_tiles(scene, &list, a.save_dir))
		goto out;
	rc = 0;
out:
	tile_scene_unref(scene);
	geodata_events_unref(ev);
	geodata_problems_finish(&problems);
	geodata_destroy(gd);
	free(list.tiles);
	return rc;
}
