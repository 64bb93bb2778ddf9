/* test_snapshot.c: damaged snapshots of the real data are refused or rebuilt, never crash or
 * change the map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "testcase.h"
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "geodata/snapshot_format.h"
#include "testutil.h"

/* Tiles whose PNG bytes must come out the same from a rebuilt snapshot. */
static const int tiles[][3] = {{2, 0, 1}, {4, 3, 6}, {5, 7, 14}, {6, 17, 30}, {8, 68, 114}};
#define NTILES (sizeof(tiles) / sizeof(tiles[0]))

typedef struct fixture {
	char dir[64], gpkg[96], snap[96];
	unsigned char *good; /* the sound snapshot's bytes */
	size_t len;
	uint64_t fingerprint;
	tile_buffer ref[NTILES];
} fixture;

static int copy_file(const char *from, const char *to)
{
	FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
	char buf[1 << 16];
	size_t n;
	int rc = a && b ? 0 : -1;
	while (!rc && (n = fread(buf, 1, sizeof buf, a)) > 0)
		rc = fwrite(buf, 1, n, b) == n ? 0 : -1;
	if (a)
		fclose(a);
	if (b && fclose(b))
		rc = -1;
	return rc;
}

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int rc = fwrite(data, 1, len, f) == len ? 0 : -1;
	return fclose(f) || rc ? -1 : 0;
}

static geodata *load(fixture *fx, geodata_error *err)
{
	geodata_options opts = {.data_dir = fx->dir};
	return geodata_load(&opts, err);
}

static void render_tiles(const geodata *gd, tile_buffer *out)
{
	tile_error te = {{0}};
	tile_scene *s = tile_scene_create(gd, NULL, 0, &te);
	assert_non_null(s);
	for (size_t i = 0; i < NTILES; i++) {
		memset(&out[i], 0, sizeof out[i]);
		assert_int_equal(tile_render_xyz(s, TILE_TILESET_BASE, tiles[i][0], tiles[i][1],
		                                 tiles[i][2], 1, GEODATA_DAY_OPEN, &out[i], &te),
		                 0);
	}
	tile_scene_unref(s);
}

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);
	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof fx->dir, "/tmp/briefmap-snapshot-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->gpkg, sizeof fx->gpkg, "%s/base.gpkg", fx->dir);
	snprintf(fx->snap, sizeof fx->snap, "%s/base.snapshot", fx->dir);
	char src[4096];
	snprintf(src, sizeof src, "%s/base.gpkg", test_env_or("BRIEFMAP_DATA", "var/data"));
	if (copy_file(src, fx->gpkg))
		return -1;
	geodata_error err = {{0}};
	geodata *gd = load(fx, &err); /* reads the GeoPackage, writes the snapshot */
	if (!gd || geodata_from_snapshot(gd)) {
		fprintf(stderr, "first load: %s\n", err.msg);
		return -1;
	}
	geodata_destroy(gd);
	gd = load(fx, &err);
	if (!gd || !geodata_from_snapshot(gd)) {
		fprintf(stderr, "second load did not map the snapshot: %s\n", err.msg);
		return -1;
	}
	render_tiles(gd, fx->ref);
	geodata_destroy(gd);
	FILE *f = fopen(fx->snap, "rb");
	struct stat st;
	if (!f || fstat(fileno(f), &st))
		return -1;
	fx->len = (size_t)st.st_size;
	fx->good = malloc(fx->len);
	if (!fx->good || fread(fx->good, 1, fx->len, f) != fx->len)
		return -1;
	fclose(f);
	fx->fingerprint = ((const snapshot_file_header *)fx->good)->fingerprint;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	if (fx) {
		for (size_t i = 0; i < NTILES; i++)
			tile_buffer_finish(&fx->ref[i]);
		unlink(fx->snap);
		unlink(fx->gpkg);
		rmdir(fx->dir);
		free(fx->good);
		free(fx);
	}
	test_release_fonts();
	return 0;
}

/* Where each array of each layer starts, by walking the headers as the loader does. */
typedef struct sections {
	size_t header, features, first, pieces, boxes, nodes, items, coords, lens, pool;
	snapshot_layer_header lh;
} sections;

static size_t pad8(size_t n)
{
	return n + (8 - n % 8) % 8;
}

static void find_sections(const unsigned char *buf, size_t len, sections *out)
{
	size_t off = sizeof(snapshot_file_header);
	for (int i = 0; i < GEODATA_LAYER_COUNT; i++) {
		sections *s = &out[i];
		assert_true(off + sizeof s->lh <= len);
		memcpy(&s->lh, buf + off, sizeof s->lh);
		s->header = off;
		s->features = off += pad8(sizeof s->lh);
		s->first = off += pad8(s->lh.nfeatures * sizeof(snapshot_feature_rec));
		s->pieces = off += pad8((s->lh.nfeatures + 1) * sizeof(uint32_t));
		s->boxes = off += pad8(s->lh.npieces * (s->lh.points ? sizeof(snapshot_point_rec)
		                                                      : sizeof(snapshot_piece_rec)));
		s->nodes = off += pad8(s->lh.npieces * sizeof(geodata_bbox));
		s->items = off += pad8(s->lh.nnodes * sizeof(rtree_node));
		s->coords = off += pad8(s->lh.nitems * sizeof(uint32_t));
		s->lens = off += pad8(s->lh.ncoords * sizeof(double));
		s->pool = off += pad8(s->lh.nlens * sizeof(uint32_t));
		off += pad8(s->lh.nstrings);
	}
	const snapshot_file_header *h = (const snapshot_file_header *)buf;
	assert_int_equal(off, h->body_end);
	assert_int_equal(len, h->body_end + snapshot_table_size(h->body_end));
}

typedef struct walk {
	const geodata_layer *layer;
	size_t pieces;
	double sum;
} walk;

static int touch(const geodata_piece *p, const geodata_feature *f, void *ud)
{
	walk *w = ud;
	w->pieces++;
	w->sum += (double)strlen(f->name) + strlen(f->name_es) + strlen(f->code) + strlen(f->country);
	for (int z = 0; z <= GEODATA_SLOT_LONLAT; z++) {
		const geodata_geom *g = geodata_piece_geom(w->layer, p, z);
		assert_non_null(g);
		size_t k = 0;
		for (uint32_t r = 0; r < g->nparts; r++)
			for (uint32_t i = 0; i < g->part_len[r]; i++, k++)
				w->sum += g->xy[2 * k] + g->xy[2 * k + 1];
		assert_int_equal(k, g->npoints);
	}
	return 0;
}

/* Reads everything an accepted snapshot offers, as renderers would: it must not crash. */
static void walk_all(const geodata *gd)
{
	static const geodata_bbox world = {-GEODATA_MERC_HALF, -GEODATA_MERC_HALF,
	                                   GEODATA_MERC_HALF, GEODATA_MERC_HALF};
	for (int i = 0; i < GEODATA_LAYER_COUNT; i++) {
		const geodata_layer *L = geodata_layer_get(gd, (geodata_layer_id)i);
		walk w = {L, 0, 0};
		geodata_layer_query(L, &world, touch, &w);
		for (size_t f = 0; f < geodata_layer_feature_count(L); f++) {
			size_t idx[8];
			size_t n = geodata_layer_feature_pieces(L, f, idx, 8);
			for (size_t k = 0; k < n && k < 8; k++)
				assert_true(idx[k] < geodata_layer_piece_count(L));
		}
	}
	geodata_state_find(gd, "MX-SIN");
}

/* Parses a buffer; if accepted, everything in it is walked. Returns whether it was accepted. */
static int try_parse(fixture *fx, unsigned char *buf, size_t len)
{
	geodata_error why = {{0}};
	geodata *gd = snapshot_parse(buf, len, fx->fingerprint, &why);
	if (!gd) {
		assert_true(why.msg[0] != 0);
		return 0;
	}
	walk_all(gd);
	geodata_destroy(gd);
	return 1;
}

/* Random bit flips and truncations, without fixing the checksum: every one is refused. */
static void test_checksum_refuses_damage(void **state)
{
	fixture *fx = *state;
	test_rng rng = {0x5eed0001};
	unsigned char *buf = fx->good;
	assert_int_equal(try_parse(fx, buf, fx->len), 1);
	int refused = 0;
	for (int i = 0; i < 100; i++) {
		size_t off = (size_t)(test_rng_next(&rng) % fx->len);
		unsigned char bit = (unsigned char)(1u << (test_rng_next(&rng) % 8));
		buf[off] ^= bit;
		refused += !try_parse(fx, buf, fx->len);
		buf[off] ^= bit;
	}
	for (int i = 0; i < 20; i++)
		refused += !try_parse(fx, buf, (size_t)(test_rng_next(&rng) % fx->len));
	assert_int_equal(refused, 120);
	printf("checksum: 100 bit flips and 20 truncations refused\n");
}

typedef void (*damage_fn)(unsigned char *buf, const sections *s, int layer, test_rng *rng);

static void set_u64(unsigned char *buf, size_t off, uint64_t v)
{
	memcpy(buf + off, &v, sizeof v);
}

static void damage_root(unsigned char *buf, const sections *s, int layer, test_rng *rng)
{
	(void)rng;
	set_u64(buf, s[layer].header + offsetof(snapshot_layer_header, root),
	        s[layer].lh.nnodes + 12345);
}

static void damage_root_to_leaf(unsigned char *buf, const sections *s, int layer, test_rng *rng)
{
	/* A sound node index, but not the root: the map would lose most of the layer. */
	uint64_t n = s[layer].lh.nnodes, root = s[layer].lh.root;
	uint64_t other = n > 1 ? (root + 1 + test_rng_next(rng) % (n - 1)) % n : 7;
	set_u64(buf, s[layer].header + offsetof(snapshot_layer_header, root), other);
}

static void damage_lens(unsigned char *buf, const sections *s, int layer, test_rng *rng)
{
	if (!s[layer].lh.nlens)
		return;
	size_t from = (size_t)(test_rng_next(rng) % s[layer].lh.nlens);
	size_t n = s[layer].lh.nlens - from < 50 ? s[layer].lh.nlens - from : 50;
	memset(buf + s[layer].lens + from * sizeof(uint32_t), 0, n * sizeof(uint32_t));
}

static void damage_feature(unsigned char *buf, const sections *s, int layer, test_rng *rng)
{
	if (!s[layer].lh.nfeatures)
		return;
	size_t f = (size_t)(test_rng_next(rng) % s[layer].lh.nfeatures);
	memset(buf + s[layer].features + f * sizeof(snapshot_feature_rec), 0xA5,
	       sizeof(snapshot_feature_rec));
}

static void damage_node(unsigned char *buf, const sections *s, int layer, test_rng *rng)
{
	if (!s[layer].lh.nnodes)
		return;
	size_t n = (size_t)(test_rng_next(rng) % s[layer].lh.nnodes);
	rtree_node *nd = (rtree_node *)(buf + s[layer].nodes + n * sizeof(rtree_node));
	nd->first += 1 + (uint32_t)(test_rng_next(rng) % 100000);
}

static void damage_piece(unsigned char *buf, const sections *s, int layer, test_rng *rng)
{
	if (!s[layer].lh.npieces)
		return;
	size_t p = (size_t)(test_rng_next(rng) % s[layer].lh.npieces);
	if (s[layer].lh.points) {
		/* A point's one point half past the end of the coordinates. */
		snapshot_point_rec *pt = (snapshot_point_rec *)(buf + s[layer].pieces + p * sizeof *pt);
		*(test_rng_next(rng) % 2 ? &pt->coff : &pt->lonlat_coff) = s[layer].lh.ncoords - 1;
		return;
	}
	snapshot_piece_rec *pr = (snapshot_piece_rec *)(buf + s[layer].pieces + p * sizeof *pr);
	int z = (int)(test_rng_next(rng) % SNAPSHOT_SLOTS);
	pr->g[z].coff = s[layer].lh.ncoords - 1;
	pr->g[z].npoints += 3;
}

static void damage_first(unsigned char *buf, const sections *s, int layer, test_rng *rng)
{
	size_t f = (size_t)(test_rng_next(rng) % (s[layer].lh.nfeatures + 1));
	uint32_t v = (uint32_t)test_rng_next(rng);
	memcpy(buf + s[layer].first + f * sizeof v, &v, sizeof v);
}

static void damage_pool(unsigned char *buf, const sections *s, int layer, test_rng *rng)
{
	(void)rng;
	if (s[layer].lh.nstrings)
		buf[s[layer].pool + s[layer].lh.nstrings - 1] = 'x';
}

/*
 * Hostile content with a valid checksum: the structural checks must refuse
 * each of these (they point outside arrays or break the index), and random
 * flips that keep the structure sound must at least be safe to read.
 */
static void test_structure_refuses_hostile_content(void **state)
{
	fixture *fx = *state;
	static const struct {
		const char *name;
		damage_fn fn;
	} damages[] = {{"R-tree root out of range", damage_root},
	               {"R-tree root on another node", damage_root_to_leaf},
	               {"zeroed part lengths", damage_lens},
	               {"overwritten feature record", damage_feature},
	               {"R-tree node children moved", damage_node},
	               {"piece geometry past its array", damage_piece},
	               {"feature piece ranges", damage_first},
	               {"string pool without its end", damage_pool}};
	unsigned char *buf = malloc(fx->len);
	assert_non_null(buf);
	sections s[GEODATA_LAYER_COUNT];
	find_sections(fx->good, fx->len, s);
	test_rng rng = {0x5eed0002};
	int tried = 0, refused = 0;
	for (size_t d = 0; d < sizeof damages / sizeof damages[0]; d++) {
		for (int layer = 0; layer < GEODATA_LAYER_COUNT; layer++) {
			if (!s[layer].lh.npieces)
				continue;
			memcpy(buf, fx->good, fx->len);
			damages[d].fn(buf, s, layer, &rng);
			snapshot_seal(buf, fx->len);
			tried++;
			if (try_parse(fx, buf, fx->len))
				fail_msg("%s in layer %d was accepted", damages[d].name, layer);
			refused++;
		}
	}
	/* Sealed random flips: many are sound (a coordinate, a name), none may crash a reader. */
	memcpy(buf, fx->good, fx->len);
	int accepted = 0;
	for (int i = 0; i < 60; i++) {
		size_t off = sizeof(snapshot_file_header) +
		             (size_t)(test_rng_next(&rng) % (fx->len - sizeof(snapshot_file_header)));
		unsigned char old = buf[off];
		buf[off] ^= (unsigned char)(1u << (test_rng_next(&rng) % 8));
		snapshot_seal(buf, fx->len);
		accepted += try_parse(fx, buf, fx->len);
		buf[off] = old;
	}
	free(buf);
	printf("structure: %d targeted corruptions refused of %d; 60 sealed flips: %d read safely, "
	       "%d refused\n",
	       refused, tried, accepted, 60 - accepted);
}

static void corrupt_file(fixture *fx, const char *what, test_rng *rng)
{
	unsigned char *buf = malloc(fx->len);
	assert_non_null(buf);
	memcpy(buf, fx->good, fx->len);
	sections s[GEODATA_LAYER_COUNT];
	find_sections(buf, fx->len, s);
	size_t len = fx->len;
	if (!strcmp(what, "root")) {
		damage_root(buf, s, GEODATA_STATES, rng);
	} else if (!strcmp(what, "root-sealed")) {
		damage_root_to_leaf(buf, s, GEODATA_COUNTRIES, rng);
		snapshot_seal(buf, len);
	} else if (!strcmp(what, "lens-sealed")) {
		damage_lens(buf, s, GEODATA_LAND, rng);
		snapshot_seal(buf, len);
	} else if (!strcmp(what, "city")) {
		/* A city moved to another place: sound structure, a different map. */
		snapshot_feature_rec *f = (snapshot_feature_rec *)(buf + s[GEODATA_CITIES].features);
		f[100].label_x += 50000;
		f[100].label_y -= 50000;
	} else if (!strcmp(what, "coordinate")) {
		double *xy = (double *)(buf + s[GEODATA_COUNTRIES].coords);
		xy[2 * 1000] += 1e5;
	} else if (!strcmp(what, "truncated")) {
		len = fx->len / 3;
	} else {
		size_t off = (size_t)(test_rng_next(rng) % fx->len);
		buf[off] ^= (unsigned char)(1u << (test_rng_next(rng) % 8));
	}
	assert_int_equal(write_file(fx->snap, buf, len), 0);
	free(buf);
}

/* Through geodata_load: a damaged snapshot is rebuilt from the GeoPackage and the map is unchanged. */
static void test_damaged_file_is_rebuilt(void **state)
{
	fixture *fx = *state;
	static const char *const what[] = {"root",       "root-sealed", "lens-sealed", "city",
	                                   "coordinate", "truncated",   "flip"};
	test_rng rng = {0x5eed0003};
	for (size_t i = 0; i < sizeof what / sizeof what[0]; i++) {
		geodata_error err = {{0}};
		geodata *gd;
		if (strcmp(what[i], "coordinate") && strcmp(what[i], "flip")) {
			/* Records are checked at load even when coordinates wait for their first read. */
			corrupt_file(fx, what[i], &rng);
			geodata_options lazily = {.data_dir = fx->dir, .check_lazily = 1};
			gd = geodata_load(&lazily, &err);
			assert_non_null(gd);
			/* Sealed run lengths of polygons are checked when their pieces are built. */
			for (int l = 0; geodata_from_snapshot(gd) && l < GEODATA_LAYER_COUNT; l++) {
				const geodata_layer *L = geodata_layer_get(gd, (geodata_layer_id)l);
				for (size_t k = 0; k < geodata_layer_piece_count(L); k++)
					geodata_layer_piece(L, k);
			}
			if (geodata_from_snapshot(gd) &&
			    (strcmp(what[i], "lens-sealed") || !geodata_damaged(gd)))
				fail_msg("%s: accepted by a load checking coordinates lazily", what[i]);
			geodata_destroy(gd);
		}
		corrupt_file(fx, what[i], &rng);
		gd = load(fx, &err);
		if (!gd)
			fail_msg("%s: not rebuilt: %s", what[i], err.msg);
		assert_false(geodata_from_snapshot(gd));
		if (!strstr(geodata_snapshot_note(gd), "base.snapshot"))
			fail_msg("%s: no note saying the snapshot was not used: '%s'", what[i],
			         geodata_snapshot_note(gd));
		tile_buffer out[NTILES];
		render_tiles(gd, out);
		for (size_t t = 0; t < NTILES; t++) {
			if (out[t].len != fx->ref[t].len ||
			    memcmp(out[t].data, fx->ref[t].data, out[t].len))
				fail_msg("%s: tile %d/%d/%d differs from the good render", what[i],
				         tiles[t][0], tiles[t][1], tiles[t][2]);
			tile_buffer_finish(&out[t]);
		}
		geodata_destroy(gd);
		/* The rewritten snapshot is sound and mapped by the next start. */
		gd = load(fx, &err);
		assert_non_null(gd);
		assert_true(geodata_from_snapshot(gd));
		assert_string_equal(geodata_snapshot_note(gd), "");
		geodata_destroy(gd);
		printf("%s: rebuilt, %zu tiles equal to the good render\n", what[i], NTILES);
	}
}

/* Resident kilobytes of the mappings of `path` in this process, from /proc/self/smaps. */
static long mapped_rss_kb(const char *path)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	assert_non_null(f);
	char line[4096];
	long kb = 0, v;
	int ours = 0;
	size_t n = strlen(path);
	while (fgets(line, sizeof line, f)) {
		char *name = strchr(line, '/');
		if (strchr("0123456789abcdef", line[0]) && strchr(line, '-') < strchr(line, ' '))
			ours = name && !strncmp(name, path, n) && name[n] == '\n';
		else if (ours && sscanf(line, "Rss: %ld kB", &v) == 1)
			kb += v;
	}
	fclose(f);
	return kb;
}

/*
 * Starting from the snapshot checks every byte but leaves the coordinates out of the
 * process: a render makes resident only what it draws.
 */
static void test_load_leaves_coordinates_unread(void **state)
{
	fixture *fx = *state;
	sections s[GEODATA_LAYER_COUNT];
	find_sections(fx->good, fx->len, s);
	size_t coords = 0;
	for (int i = 0; i < GEODATA_LAYER_COUNT; i++)
		coords += s[i].lh.ncoords * sizeof(double);
	assert_int_equal(write_file(fx->snap, fx->good, fx->len), 0);
	geodata_error err = {{0}};
	geodata *gd = load(fx, &err);
	assert_non_null(gd);
	assert_true(geodata_from_snapshot(gd));
	long kb = mapped_rss_kb(fx->snap);
	/* The indexes are read whole; of the coordinates, the kernel's read-around brings in some
	 * next to them, but far from all (a checksum read through the mapping did). */
	long bound = (long)((fx->len - coords) / 1024 + coords / 8 / 1024);
	printf("after load: %ld kB of the %zu kB snapshot resident, its coordinates %zu kB\n", kb,
	       fx->len / 1024, coords / 1024);
	if (kb > bound)
		fail_msg("%ld kB of the snapshot resident after load, more than the %ld kB allowed "
		         "beside its coordinates",
		         kb, bound);
	geodata_destroy(gd);
}

/* Of the pages of [from, to) in this process's mapping `base`, how many are resident. */
static size_t pages_present(const void *base, size_t from, size_t to, size_t *total)
{
	long pg = sysconf(_SC_PAGESIZE);
	int fd = open("/proc/self/pagemap", O_RDONLY);
	assert_true(fd >= 0 && pg > 0);
	uintptr_t a = ((uintptr_t)base + from + (uintptr_t)pg - 1) / (uintptr_t)pg;
	uintptr_t b = ((uintptr_t)base + to) / (uintptr_t)pg;
	size_t n = 0;
	for (uintptr_t v = a; v < b; v++) {
		uint64_t e = 0;
		assert_int_equal(pread(fd, &e, sizeof e, (off_t)(v * sizeof e)), (ssize_t)sizeof e);
		n += (size_t)(e >> 63);
	}
	*total += b > a ? b - a : 0;
	close(fd);
	return n;
}

/*
 * What the checks at load read and nothing keeps using (feature records copied, piece records,
 * boxes, the index and run lengths, read again only for the layers drawn) is not left resident.
 * Looked at page by page, 2 MB away from the arrays kept (the kernel maps a file's pages by
 * whole folios around what is read).
 */
static void test_load_leaves_checked_records_unread(void **state)
{
	fixture *fx = *state;
	sections s[GEODATA_LAYER_COUNT];
	find_sections(fx->good, fx->len, s);
	assert_int_equal(write_file(fx->snap, fx->good, fx->len), 0);
	geodata_error err = {{0}};
	geodata *gd = load(fx, &err);
	assert_non_null(gd);
	assert_true(geodata_from_snapshot(gd));
	size_t present = 0, pages = 0, margin = 2 << 20;
	for (int i = 0; i < GEODATA_LAYER_COUNT; i++)
		if (s[i].coords - s[i].pieces > 2 * margin)
			present += pages_present(gd->map, s[i].pieces + margin, s[i].coords - margin, &pages);
	printf("after load: %zu of %zu pages of the records the checks read are resident\n",
	       present, pages);
	assert_true(pages > 0);
	if (present > pages / 20)
		fail_msg("%zu of %zu pages of checked records resident after load", present, pages);
	/* Given back, not lost: the pieces are built from the records when first used. */
	const geodata_layer *L = geodata_layer_get(gd, GEODATA_STATES);
	size_t n = geodata_layer_piece_count(L);
	assert_true(n > 0);
	assert_int_equal(geodata_layer_piece(L, n - 1)->feature,
	                 ((const snapshot_piece_rec *)(fx->good + s[GEODATA_STATES].pieces))[n - 1]
	                     .feature);
	geodata_destroy(gd);
}

typedef struct zoom_walk {
	const geodata_layer *layer;
	int zoom;
	size_t bytes;
	double sum;
} zoom_walk;

static int touch_zoom(const geodata_piece *p, const geodata_feature *f, void *ud)
{
	(void)f;
	zoom_walk *w = ud;
	const geodata_geom *g = geodata_piece_geom(w->layer, p, w->zoom);
	assert_non_null(g);
	for (uint32_t i = 0; i < 2 * g->npoints; i++)
		w->sum += g->xy[i];
	w->bytes += 2 * (size_t)g->npoints * sizeof(double);
	return 0;
}

/*
 * Drawing one zoom of the whole world makes resident that zoom's coordinates, not the pages
 * of every zoom around them: the file keeps each zoom's coordinates together.
 */
static void test_one_zoom_stays_compact(void **state)
{
	fixture *fx = *state;
	static const geodata_bbox world = {-GEODATA_MERC_HALF, -GEODATA_MERC_HALF,
	                                   GEODATA_MERC_HALF, GEODATA_MERC_HALF};
	assert_int_equal(write_file(fx->snap, fx->good, fx->len), 0);
	geodata_error err = {{0}};
	geodata *gd = load(fx, &err);
	assert_non_null(gd);
	assert_true(geodata_from_snapshot(gd));
	const int layers[] = {GEODATA_LAND, GEODATA_COUNTRIES, GEODATA_STATES};
	zoom_walk w = {.zoom = 4};
	/* The piece records come in first, so that only the coordinates are measured below. */
	for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
		const geodata_layer *L = geodata_layer_get(gd, layers[i]);
		for (size_t k = 0; k < geodata_layer_piece_count(L); k++)
			assert_non_null(geodata_layer_piece(L, k));
	}
	long before = mapped_rss_kb(fx->snap);
	for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
		w.layer = geodata_layer_get(gd, layers[i]);
		geodata_layer_query(w.layer, &world, touch_zoom, &w);
	}
	long grew = mapped_rss_kb(fx->snap) - before;
	/* Pages are mapped in by the kernel's fault-around windows and folios, not one by one:
	 * four times what was read is still far below the 190 MB a file with the zooms of each
	 * piece side by side made resident here. */
	long bound = (long)(4 * w.bytes / 1024) + 2048;
	printf("zoom 4 of land, countries and states: %zu kB read, %ld kB made resident\n",
	       w.bytes / 1024, grew);
	if (grew > bound)
		fail_msg("drawing zoom 4 made %ld kB of the snapshot resident for %zu kB of "
		         "coordinates (at most %ld kB allowed)",
		         grew, w.bytes / 1024, bound);
	geodata_destroy(gd);
}

/* A copy of the sound snapshot to damage, with where its arrays are. */
static unsigned char *good_copy(const fixture *fx, sections *s)
{
	find_sections(fx->good, fx->len, s);
	unsigned char *buf = malloc(fx->len);
	assert_non_null(buf);
	memcpy(buf, fx->good, fx->len);
	return buf;
}

/* Writes `buf` (taken) as the snapshot and loads it as a one-off command does: checked lazily. */
static geodata *load_lazily(const fixture *fx, unsigned char *buf)
{
	assert_int_equal(write_file(fx->snap, buf, fx->len), 0);
	free(buf);
	geodata_options opts = {.data_dir = fx->dir, .check_lazily = 1};
	geodata_error err = {{0}};
	geodata *gd = geodata_load(&opts, &err);
	assert_non_null(gd);
	assert_true(geodata_from_snapshot(gd));
	return gd;
}

/*
 * Loaded again checked whole, the damaged snapshot is refused and rebuilt from the GeoPackage,
 * the note saying `why` (NULL: any reason).
 */
static void assert_rebuilt(const fixture *fx, const char *why)
{
	geodata_options opts = {.data_dir = fx->dir};
	geodata_error err = {{0}};
	geodata *gd = geodata_load(&opts, &err);
	assert_non_null(gd);
	assert_false(geodata_from_snapshot(gd));
	if (why && !strstr(geodata_snapshot_note(gd), why))
		fail_msg("the note does not say why: '%s'", geodata_snapshot_note(gd));
	geodata_destroy(gd);
}

/* The countries' piece with the longest full-detail run of its own (not shared with zoom 2). */
static size_t longest_own_run(const unsigned char *buf, const sections *s)
{
	const snapshot_piece_rec *pr =
	    (const snapshot_piece_rec *)(buf + s[GEODATA_COUNTRIES].pieces);
	size_t best = 0;
	for (size_t i = 0; i < s[GEODATA_COUNTRIES].lh.npieces; i++)
		if (pr[i].g[GEODATA_MAX_ZOOM].coff != pr[i].g[2].coff &&
		    pr[i].g[GEODATA_MAX_ZOOM].npoints > pr[best].g[GEODATA_MAX_ZOOM].npoints)
			best = i;
	return best;
}

/*
 * Loaded to draw one view, a snapshot checks its records at load and each block of
 * coordinates when first read: damaged coordinates a render does not read leave its image as
 * it was; those it reads are refused, never drawn, and loading again checked whole rebuilds
 * the snapshot.
 */
static void test_lazy_check_refuses_what_it_reads(void **state)
{
	fixture *fx = *state;
	sections s[GEODATA_LAYER_COUNT];
	unsigned char *buf = good_copy(fx, s);
	size_t p = longest_own_run(buf, s);
	const snapshot_geom_rec *g =
	    &((const snapshot_piece_rec *)(buf + s[GEODATA_COUNTRIES].pieces))[p].g[GEODATA_MAX_ZOOM];
	double *xy = (double *)(buf + s[GEODATA_COUNTRIES].coords) + g->coff + 2 * (g->npoints / 2);
	double mx = xy[0], my = xy[1];
	xy[0] += 1e5;
	geodata *gd = load_lazily(fx, buf);
	assert_false(geodata_damaged(gd));
	tile_error te = {{0}};
	tile_scene *sc = tile_scene_create(gd, NULL, 0, &te);
	assert_non_null(sc);
	tile_buffer out = {0};
	assert_int_equal(
	    tile_render_xyz(sc, TILE_TILESET_BASE, tiles[0][0], tiles[0][1], tiles[0][2], 1,
	                    GEODATA_DAY_OPEN, &out, &te),
	    0);
	assert_true(out.len == fx->ref[0].len && !memcmp(out.data, fx->ref[0].data, out.len));
	tile_buffer_finish(&out);
	assert_false(geodata_damaged(gd));

	/* The zoom-12 tile on the damaged point reads it: refused, and the damage is known. */
	double n = (double)(1 << GEODATA_MAX_ZOOM), w = 2 * GEODATA_MERC_HALF;
	long tx = (long)((mx + GEODATA_MERC_HALF) / w * n), ty = (long)((GEODATA_MERC_HALF - my) / w * n);
	assert_int_equal(tile_render_xyz(sc, TILE_TILESET_BASE, GEODATA_MAX_ZOOM, tx, ty, 1,
	                                 GEODATA_DAY_OPEN, &out, &te),
	                 TILE_EDATA);
	tile_buffer_finish(&out);
	assert_true(geodata_damaged(gd));
	const geodata_layer *L = geodata_layer_get(gd, GEODATA_COUNTRIES);
	assert_null(geodata_piece_geom(L, geodata_layer_piece(L, p), GEODATA_MAX_ZOOM));
	assert_non_null(geodata_piece_geom(L, geodata_layer_piece(L, p), 2));
	tile_scene_unref(sc);
	geodata_destroy(gd);

	assert_rebuilt(fx, "checksum mismatch");
	printf("lazy check: zoom 2 drawn as before, tile 12/%ld/%ld refused, then rebuilt\n", tx, ty);
}

/*
 * Loaded to draw one view, a snapshot leaves the polygon pieces' records to be checked when
 * each piece is first built: a hostile record with a right checksum is refused then, and
 * known as damage, as it is refused at load by a load that checks everything.
 */
static void test_lazy_check_refuses_unsound_record(void **state)
{
	fixture *fx = *state;
	sections s[GEODATA_LAYER_COUNT];
	unsigned char *buf = good_copy(fx, s);
	test_rng rng = {0x5eed0004};
	damage_piece(buf, s, GEODATA_COUNTRIES, &rng);
	snapshot_seal(buf, fx->len);
	geodata *gd = load_lazily(fx, buf);
	const geodata_layer *L = geodata_layer_get(gd, GEODATA_COUNTRIES);
	size_t refused = 0, n = geodata_layer_piece_count(L);
	for (size_t i = 0; i < n; i++)
		refused += geodata_layer_piece(L, i) == NULL;
	assert_int_equal(refused, 1);
	assert_true(geodata_damaged(gd));
	geodata_destroy(gd);

	assert_rebuilt(fx, NULL);
	printf("lazy check: 1 unsound piece record of %zu refused when built, then rebuilt\n", n);
}

/*
 * A layer of single points keeps one 40-byte record per point, not 14 geometry records of 64
 * bytes (the cities: 2 MB instead of 40); a layer of polygons keeps its full records. That the
 * points come back as they were read is test_mapped_as_read's.
 */
static void test_points_kept_small(void **state)
{
	fixture *fx = *state;
	sections s[GEODATA_LAYER_COUNT];
	find_sections(fx->good, fx->len, s);
	assert_int_equal(s[GEODATA_CITIES].lh.points, 1);
	assert_int_equal(s[GEODATA_STATES].lh.points, 0);
	assert_int_equal(s[GEODATA_CITIES].boxes - s[GEODATA_CITIES].pieces,
	                 pad8(s[GEODATA_CITIES].lh.npieces * sizeof(snapshot_point_rec)));
	printf("cities: %zu point records, %zu kB\n", (size_t)s[GEODATA_CITIES].lh.npieces,
	       (s[GEODATA_CITIES].boxes - s[GEODATA_CITIES].pieces) / 1024);
}

/* Whether two geometries have the same points in the same runs. */
static int same_geom(const geodata_geom *a, const geodata_geom *b)
{
	if (a->type != b->type || a->nparts != b->nparts || a->npoints != b->npoints ||
	    memcmp(&a->bbox, &b->bbox, sizeof a->bbox))
		return 0;
	return (!a->npoints || !memcmp(a->xy, b->xy, 2 * a->npoints * sizeof(double))) &&
	       (!a->nparts || !memcmp(a->part_len, b->part_len, a->nparts * sizeof(uint32_t)));
}

/*
 * A mapped layer's pieces are made from the snapshot's records when first asked for, not at
 * load (a sheet labels the cities from their features and never draws their pieces), and are
 * then the pieces the layer read through OGR has.
 */
static void check_pieces_built_on_first_use(const geodata *read, const geodata *mapped)
{
	for (int id = 0; id < GEODATA_LAYER_COUNT; id++) {
		const geodata_layer *a = geodata_layer_get(read, (geodata_layer_id)id);
		const geodata_layer *b = geodata_layer_get(mapped, (geodata_layer_id)id);
		assert_null(b->pieces);
		assert_int_equal(geodata_layer_piece_count(a), geodata_layer_piece_count(b));
		for (size_t i = 0; i < geodata_layer_piece_count(b); i++) {
			const geodata_piece *pa = geodata_layer_piece(a, i), *pb = geodata_layer_piece(b, i);
			assert_non_null(pb);
			assert_int_equal(pa->feature, pb->feature);
			for (int z = 0; z < GEODATA_LEVELS; z++)
				if (!same_geom(&pa->level[z], &pb->level[z]))
					fail_msg("layer %s piece %zu zoom %d differs", geodata_layer_name(id), i, z);
			assert_true(same_geom(&pa->lonlat, &pb->lonlat));
		}
		assert_non_null(b->pieces);
		assert_null(geodata_layer_piece(b, geodata_layer_piece_count(b)));
	}
}

/* The Spanish name of a feature of layer `id` whose code is `code`, or NULL. */
static const char *name_es_of(const geodata *gd, geodata_layer_id id, const char *code)
{
	const geodata_layer *L = geodata_layer_get(gd, id);
	for (size_t i = 0; i < geodata_layer_feature_count(L); i++)
		if (!strcmp(geodata_layer_feature(L, i)->code, code))
			return geodata_layer_feature(L, i)->name_es;
	return NULL;
}

/*
 * Spanish names come through the snapshot as the GeoPackage gave them (absent ones stay ""),
 * and so do the pieces, made when first used. One test: each reads the world through OGR.
 */
static void test_mapped_as_read(void **state)
{
	fixture *fx = *state;
	unlink(fx->snap);
	geodata_error err = {{0}};
	geodata *read = load(fx, &err), *mapped = load(fx, &err);
	assert_non_null(read);
	assert_non_null(mapped);
	assert_false(geodata_from_snapshot(read));
	assert_true(geodata_from_snapshot(mapped));
	const geodata *both[] = {read, mapped};
	for (int k = 0; k < 2; k++) {
		const char *la = name_es_of(both[k], GEODATA_STATES, "US-LA");
		const char *us = name_es_of(both[k], GEODATA_COUNTRIES, "840");
		const char *us_low = name_es_of(both[k], GEODATA_COUNTRIES_LOW, "840");
		assert_non_null(la);
		assert_non_null(us);
		assert_non_null(us_low);
		assert_string_equal(la, "Luisiana");
		assert_string_equal(us, "Estados Unidos");
		assert_string_equal(us_low, "Estados Unidos");
		const geodata_layer *cities = geodata_layer_get(both[k], GEODATA_CITIES);
		const geodata_feature *c = geodata_layer_feature(cities, 0);
		assert_string_equal(c->name_es, "");
		assert_string_equal(geodata_feature_name(c, "es"), c->name);
	}
	check_pieces_built_on_first_use(read, mapped);
	geodata_destroy(read);
	geodata_destroy(mapped);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_checksum_refuses_damage),
	    cmocka_unit_test(test_structure_refuses_hostile_content),
	    cmocka_unit_test(test_damaged_file_is_rebuilt),
	    cmocka_unit_test(test_load_leaves_coordinates_unread),
	    cmocka_unit_test(test_one_zoom_stays_compact),
	    cmocka_unit_test(test_load_leaves_checked_records_unread),
	    cmocka_unit_test(test_points_kept_small),
	    cmocka_unit_test(test_lazy_check_refuses_what_it_reads),
	    cmocka_unit_test(test_lazy_check_refuses_unsound_record),
	    cmocka_unit_test(test_mapped_as_read),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
