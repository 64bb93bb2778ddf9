/* fuzz_snapshot.c: arbitrary bytes, with a valid checksum, into the snapshot loader; with runner.c a
 * corpus runner, which also checks fresh seed snapshots made from tiny layers (--fresh). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "geodata/snapshot_format.h"
#include "runner.h"

typedef struct walk {
	const geodata_layer *layer;
	double sum;
} walk;

static int touch(const geodata_piece *p, const geodata_feature *f, void *ud)
{
	walk *w = ud;
	w->sum += (double)strlen(f->name) + strlen(f->code) + strlen(f->country) + f->label_x;
	for (int z = 0; z <= GEODATA_SLOT_LONLAT; z++) {
		/* Sealed input: every block matches its checksum. */
		const geodata_geom *g = geodata_piece_geom(w->layer, p, z);
		if (!g)
			abort();
		size_t k = 0;
		for (uint32_t r = 0; r < g->nparts; r++)
			for (uint32_t i = 0; i < g->part_len[r]; i++, k++)
				w->sum += g->xy[2 * k] + g->xy[2 * k + 1];
		/* Accepted geometry is exactly as long as it says. */
		if (k != g->npoints)
			abort();
	}
	return 0;
}

/* Everything an accepted snapshot offers, read the way renderers read it. */
static void walk_all(const geodata *gd)
{
	static const geodata_bbox world = {-1e300, -1e300, 1e300, 1e300};
	walk w = {NULL, 0};
	for (int i = 0; i < GEODATA_LAYER_COUNT; i++) {
		const geodata_layer *L = geodata_layer_get(gd, (geodata_layer_id)i);
		w.layer = L;
		geodata_layer_query(L, &world, touch, &w);
		for (size_t f = 0; f < geodata_layer_feature_count(L); f++) {
			size_t idx[4];
			size_t n = geodata_layer_feature_pieces(L, f, idx, 4);
			for (size_t k = 0; k < n && k < 4; k++) {
				if (idx[k] >= geodata_layer_piece_count(L))
					abort();
				/* Loaded lazily, an unsound record is refused here, and said. */
				const geodata_piece *p = geodata_layer_piece(L, idx[k]);
				if (p ? p->feature != f : !geodata_damaged(gd))
					abort();
			}
		}
	}
	geodata_state_find(gd, "MX-SIN");
	if (w.sum == 12345.678)
		puts(""); /* keeps the reads from being optimised away */
}

/*
 * The checksum would refuse nearly every mutation before the structure is
 * looked at: the input is sealed first, so the fuzzer explores what a file
 * with a valid checksum but hostile content can do.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The loader reads records in place: give it the alignment a mapping has. */
	uint64_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	uint64_t fp = snapshot_seal(buf, size);
	geodata_error why = {{0}};
	geodata *gd = snapshot_parse(buf, size, fp, &why);
	if (gd)
		walk_all(gd);
	else if (!why.msg[0] || strchr(why.msg, '\n'))
		abort();
	/* As a command drawing one view loads it: what the whole check accepts, it accepts and
	 * reads without finding damage; what it refuses, it may accept, but never crashes on. */
	geodata_error lwhy = {{0}};
	geodata *lazy = snapshot_parse_lazily(buf, size, fp, &lwhy);
	if (gd && !lazy)
		abort();
	if (lazy)
		walk_all(lazy);
	if (gd && geodata_damaged(lazy))
		abort();
	geodata_destroy(lazy);
	geodata_destroy(gd);
	free(buf);
	return 0;
}

#ifndef BRIEFMAP_LIBFUZZER

static const char *const tiny_polygons =
    "{\"type\":\"FeatureCollection\",\"features\":["
    "{\"type\":\"Feature\",\"properties\":{\"name\":\"A\",\"id\":\"1\",\"iso_3166_2\":\"MX-SIN\","
    "\"adm0_a3\":\"MEX\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[-100,20],[-99,20],[-99,21],[-99.5,21.2],[-100,21],[-100,20]],"
    "[[-99.8,20.2],[-99.8,20.4],[-99.6,20.4],[-99.8,20.2]]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"name\":\"B\",\"id\":\"2\",\"iso_3166_2\":\"MX-SON\","
    "\"adm0_a3\":\"MEX\"},\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":"
    "[[[[-110,28],[-109,28],[-109,29],[-110,28]]],[[[-108,27],[-107,27],[-107,27.5],"
    "[-108,27]]]]}}]}";
static const char *const tiny_points =
    "{\"type\":\"FeatureCollection\",\"features\":["
    "{\"type\":\"Feature\",\"properties\":{\"name\":\"Culiacan\",\"iso2\":\"MX\",\"population\":"
    "800000,\"capital\":\"admin\",\"latitude\":24.8,\"longitude\":-107.39},\"geometry\":"
    "{\"type\":\"Point\",\"coordinates\":[-107.39,24.8]}},"
    "{\"type\":\"Feature\",\"properties\":{\"name\":\"Mexico City\",\"iso2\":\"MX\",\"population\":"
    "9000000,\"capital\":\"primary\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":"
    "[-99.13,19.43]}}]}";
static const char *const tiny_empty = "{\"type\":\"FeatureCollection\",\"features\":[]}";

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int rc = fputs(text, f) < 0;
	return fclose(f) || rc ? -1 : 0;
}

/* A small snapshot of tiny layers (`empty`: half of them without features) into `out`. */
static int make_seed(const char *dir, int empty, const char *out)
{
	char poly[512], pts[512], none[512];
	snprintf(poly, sizeof poly, "%s/poly.geojson", dir);
	snprintf(pts, sizeof pts, "%s/points.geojson", dir);
	snprintf(none, sizeof none, "%s/empty.geojson", dir);
	if (write_text(poly, tiny_polygons) || write_text(pts, tiny_points) ||
	    write_text(none, tiny_empty))
		return -1;
	geodata_options opts = {0};
	for (int i = 0; i < GEODATA_LAYER_COUNT; i++)
		opts.layer_source[i] = (empty && i % 2) ? none : i == GEODATA_CITIES ? pts : poly;
	geodata_error err = {{0}};
	geodata *gd = geodata_load(&opts, &err);
	if (!gd) {
		fprintf(stderr, "fuzz_snapshot: tiny layers: %s\n", err.msg);
		return -1;
	}
	int rc = snapshot_write(gd, out, 42);
	geodata_destroy(gd);
	unlink(poly);
	unlink(pts);
	unlink(none);
	return rc;
}

/* A fresh seed must be accepted as it is: the writer and the checks agree. */
static int fresh_seeds(const char *save_dir)
{
	char dir[] = "/tmp/briefmap-fuzz-snapshot-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	int rc = 0;
	for (int empty = 0; empty < 2 && !rc; empty++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s", save_dir ? save_dir : dir,
		         empty ? "tiny-half-empty.snapshot" : "tiny.snapshot");
		size_t len = 0;
		unsigned char *buf = make_seed(dir, empty, path) ? NULL : fuzz_read_file(path, &len);
		geodata_error why = {{0}};
		geodata *gd = buf ? snapshot_parse(buf, len, 42, &why) : NULL;
		if (!gd) {
			fprintf(stderr, "fuzz_snapshot: a fresh tiny snapshot is refused: %s\n",
			        why.msg);
			rc = 1;
		} else {
			walk_all(gd);
		}
		geodata_destroy(gd);
		free(buf);
		if (!save_dir)
			unlink(path);
	}
	rmdir(dir);
	return rc;
}

/* --fresh: also checks seeds written now; --write-seeds DIR: only writes them into DIR. */
int fuzz_runner_option(int argc, char **argv, int i, int *failed, int *done)
{
	if (!strcmp(argv[i], "--fresh")) {
		*failed |= fresh_seeds(NULL);
		return 1;
	}
	if (!strcmp(argv[i], "--write-seeds") && i + 1 < argc) {
		*failed |= fresh_seeds(argv[i + 1]);
		*done = 1;
		return 2;
	}
	return 0;
}
#endif
