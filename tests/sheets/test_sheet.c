/* test_sheet.c: briefing sheets: scale bar, north arrow, CRS set-up, limits and formats. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "private.h"

typedef struct fixture {
	geodata *gd;
	geodata_events *ev;
	tile_scene *scene;
} fixture;

static const geodata_bbox CARIBBEAN = {-90.0, 8.0, -59.0, 24.5};
static const geodata_bbox MEXICO = {-118.5, 14.0, -86.0, 33.5};

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	geodata_error ge;
	tile_error te;
	const char *data = getenv("BRIEFMAP_DATA"), *events = getenv("BRIEFMAP_EVENTS");
	geodata_options opts = {.data_dir = data};
	if (!f || !data || !events)
		return -1;
	f->gd = geodata_load(&opts, &ge);
	if (!f->gd) {
		fprintf(stderr, "load: %s\n", ge.msg);
		return -1;
	}
	f->ev = geodata_events_load(f->gd, events, NULL);
	if (!f->ev)
		return -1;
	f->scene = tile_scene_create(f->gd, f->ev, 0, &te);
	if (!f->scene)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	tile_scene_unref(f->scene);
	geodata_events_unref(f->ev);
	geodata_destroy(f->gd);
	free(f);
	pango_cairo_font_map_set_default(NULL);
	return 0;
}

/* A Web Mercator context over a box in degrees, as tiles set one up. */
static void merc_ctx(const fixture *f, const geodata_bbox *ll, int w, int h, render_ctx *ctx)
{
	geodata_error ge;
	geodata_proj *p = geodata_proj_create("EPSG:4326", "EPSG:3857", &ge);
	assert_non_null(p);
	double xy[4] = {ll->minx, ll->miny, ll->maxx, ll->maxy};
	assert_int_equal(geodata_proj_trans(p, xy, 2, 0), 0);
	geodata_proj_destroy(p);
	tile_view v = {.extent = {xy[0], xy[1], xy[2], xy[3]},
	               .width = w,
	               .height = h,
	               .scale = 1,
	               .until = GEODATA_DAY_OPEN};
	render_ctx_init_merc(ctx, f->scene, &v, NULL);
}

/* Degrees of a pixel of ctx, through PROJ's inverse (not the code under test). */
static void pixel_lonlat(const render_ctx *ctx, double px, double py, double *lon, double *lat)
{
	double xy[2] = {ctx->ox + px * ctx->res, ctx->oy - py * ctx->res};
	if (ctx->proj) {
		assert_int_equal(geodata_proj_trans(ctx->proj, xy, 1, 1), 0);
	} else {
		geodata_error ge;
		geodata_proj *p = geodata_proj_create("EPSG:4326", "EPSG:3857", &ge);
		assert_non_null(p);
		assert_int_equal(geodata_proj_trans(p, xy, 1, 1), 0);
		geodata_proj_destroy(p);
	}
	*lon = xy[0];
	*lat = xy[1];
}

/* The bar's length must be round, fit, not be needlessly short, and match the geodesic. */
static void check_bar(render_ctx *ctx, double max_px, double unit_m)
{
	double len = 0, px = 0;
	assert_int_equal(sheet_scale_bar(ctx, max_px, unit_m, &len, &px), 0);
	assert_true(len > 0 && px > 0);
	double mant = len / pow(10, floor(log10(len) + 1e-9));
	assert_true(fabs(mant - 1) < 1e-9 || fabs(mant - 2) < 1e-9 || fabs(mant - 5) < 1e-9);
	assert_true(px <= max_px + 1e-6);
	assert_true(px >= max_px * 0.4 - 1e-6);
	double cx = ctx->width / 2.0, cy = ctx->height / 2.0, lon1, lat1, lon2, lat2;
	pixel_lonlat(ctx, cx - px / 2, cy, &lon1, &lat1);
	pixel_lonlat(ctx, cx + px / 2, cy, &lon2, &lat2);
	double metres = geodata_geodesic_inverse(lon1, lat1, lon2, lat2, NULL);
	double want = len * unit_m;
	if (fabs(metres - want) > 0.003 * want)
		fail_msg("bar of %g x %g m over %.2f px measures %.1f m on the ground", len, unit_m,
		         px, metres);
}

static void test_scale_bar_mercator(void **state)
{
	fixture *f = *state;
	const geodata_bbox boxes[] = {
	    CARIBBEAN, MEXICO, {-70, 8.5, -63.5, 12.5}, {-120, 2, -58, 35}};
	const int widths[] = {300, 800, 1600, 3000};
	for (size_t i = 0; i < sizeof boxes / sizeof boxes[0]; i++) {
		for (size_t j = 0; j < sizeof widths / sizeof widths[0]; j++) {
			render_ctx ctx;
			merc_ctx(f, &boxes[i], widths[j], widths[j] * 2 / 3, &ctx);
			check_bar(&ctx, 200, 1000);
			check_bar(&ctx, 200, 1609.344);
			check_bar(&ctx, 57, 1000);
			render_ctx_finish(&ctx);
		}
	}
}

/* The same Mercator resolution is longer on the ground near the equator: true at the centre. */
static void test_scale_bar_follows_latitude(void **state)
{
	fixture *f = *state;
	const geodata_bbox south = {-80, 0, -70, 6}, north = {-80, 40, -70, 46};
	render_ctx a, b;
	merc_ctx(f, &south, 800, 500, &a);
	merc_ctx(f, &north, 800, 500, &b);
	double la, pa, lb, pb;
	assert_int_equal(sheet_scale_bar(&a, 300, 1000, &la, &pa), 0);
	assert_int_equal(sheet_scale_bar(&b, 300, 1000, &lb, &pb), 0);
	double mid_a = 0, mid_b = 0, lon;
	pixel_lonlat(&a, 400, 250, &lon, &mid_a);
	pixel_lonlat(&b, 400, 250, &lon, &mid_b);
	/* Ground metres per pixel go with the cosine of the latitude in Web Mercator. */
	double ratio = (la / pa) / (lb / pb);
	double want = cos(mid_a * M_PI / 180) / cos(mid_b * M_PI / 180);
	assert_true(fabs(ratio / want - 1) < 0.01);
	render_ctx_finish(&a);
	render_ctx_finish(&b);
}

static void test_ctx_crs_and_scale_bar(void **state)
{
	fixture *f = *state;
	const char *crss[] = {"EPSG:6372",
	                      ("+proj=lcc +lat_1=12 +lat_2=22 +lat_0=17 +lon_0=-75 "
	                       "+datum=WGS84"),
	                      "EPSG:4326", "EPSG:32614"};
	for (size_t i = 0; i < sizeof crss / sizeof crss[0]; i++) {
		render_ctx ctx;
		tile_error te = {{0}};
		geodata_error ge = {{0}};
		geodata_crs *crs = geodata_crs_create(crss[i], &ge);
		if (!crs)
			fail_msg("%s: %s", crss[i], ge.msg);
		int rc = sheet_ctx_init(&ctx, f->scene, &MEXICO, crs, 900, 600, 1, GEODATA_DAY_OPEN,
		                        &te);
		if (rc)
			fail_msg("%s: %s", crss[i], te.msg);
		assert_non_null(ctx.proj);
		assert_true(ctx.res > 0);
		assert_true(ctx.zoom >= 3 && ctx.zoom <= 6);
		/* The whole box is inside the frame, and the frame keeps square pixels. */
		double corners[4][2] = {{MEXICO.minx, MEXICO.miny},
		                        {MEXICO.maxx, MEXICO.miny},
		                        {MEXICO.maxx, MEXICO.maxy},
		                        {MEXICO.minx, MEXICO.maxy}};
		for (int c = 0; c < 4; c++) {
			double x, y;
			assert_int_equal(
			    render_lonlat_to_px(&ctx, corners[c][0], corners[c][1], &x, &y), 0);
			assert_true(x > -0.5 && x < 900.5 && y > -0.5 && y < 600.5);
		}
		assert_true(fabs((ctx.extent.maxx - ctx.extent.minx) / 900 -
		                 (ctx.extent.maxy - ctx.extent.miny) / 600) < 1e-6 * ctx.res);
		/* The Web Mercator query box holds the box. */
		geodata_proj *m = geodata_proj_create("EPSG:4326", "EPSG:3857", &ge);
		double mx, my;
		assert_int_equal(geodata_lonlat_to_merc(m, MEXICO.minx, MEXICO.miny, &mx, &my), 0);
		assert_true(ctx.query.minx <= mx && ctx.query.miny <= my);
		assert_int_equal(geodata_lonlat_to_merc(m, MEXICO.maxx, MEXICO.maxy, &mx, &my), 0);
		assert_true(ctx.query.maxx >= mx && ctx.query.maxy >= my);
		geodata_proj_destroy(m);
		check_bar(&ctx, 200, 1000);
		check_bar(&ctx, 200, 1609.344);
		render_ctx_finish(&ctx);
		geodata_crs_destroy(crs);
	}
}

/* Lambert conformal conic: meridians converge by n * (lon - lon0), n from the standard parallels.
 */
static double lcc_convergence(double lat1, double lat2, double lon0, double lon)
{
	double p1 = lat1 * M_PI / 180, p2 = lat2 * M_PI / 180;
	double n = log(cos(p1) / cos(p2)) / log(tan(M_PI / 4 + p2 / 2) / tan(M_PI / 4 + p1 / 2));
	return n * (lon - lon0);
}

static void test_north_angle(void **state)
{
	fixture *f = *state;
	render_ctx ctx;
	merc_ctx(f, &CARIBBEAN, 800, 500, &ctx);
	assert_true(fabs(sheet_north_angle(&ctx)) < 1e-6);
	render_ctx_finish(&ctx);

	/* EPSG:6372: LCC, standard parallels 17.5 and 29.5, central meridian -102. */
	const geodata_bbox *boxes[] = {&CARIBBEAN, &MEXICO};
	geodata_error ge;
	geodata_crs *crs = geodata_crs_create("EPSG:6372", &ge);
	assert_non_null(crs);
	for (int i = 0; i < 2; i++) {
		tile_error te;
		assert_int_equal(sheet_ctx_init(&ctx, f->scene, boxes[i], crs, 800, 500, 1,
		                                GEODATA_DAY_OPEN, &te),
		                 0);
		double lon, lat;
		pixel_lonlat(&ctx, 400, 250, &lon, &lat);
		double got = sheet_north_angle(&ctx);
		/* East of the central meridian, north leans left (counter-clockwise). */
		double want = -lcc_convergence(17.5, 29.5, -102, lon);
		if (fabs(got - want) > 0.3)
			fail_msg("north at %.2f,%.2f: %.3f degrees, want %.3f", lon, lat, got,
			         want);
		render_ctx_finish(&ctx);
	}
	geodata_crs_destroy(crs);
}

static void test_bad_crs(void **state)
{
	fixture *f = *state;
	render_ctx ctx;
	tile_error te = {{0}};
	geodata_error ge = {{0}};
	assert_null(geodata_crs_create("EPSG:99999999", &ge));
	assert_non_null(strstr(ge.msg, "EPSG:99999999"));
	/* A bare PROJ string is named as written, not as completed for PROJ. */
	assert_null(geodata_crs_create("+proj=nosuchthing", &ge));
	assert_non_null(strstr(ge.msg, "unknown CRS '+proj=nosuchthing'"));
	assert_null(strstr(ge.msg, "type=crs"));
	/* The far side of an orthographic globe cannot show the Caribbean. */
	geodata_crs *crs = geodata_crs_create("+proj=ortho +lat_0=0 +lon_0=100 +datum=WGS84", &ge);
	assert_non_null(crs);
	assert_int_equal(sheet_ctx_init(&ctx, f->scene, &CARIBBEAN, crs, 800, 500, 1,
	                                GEODATA_DAY_OPEN, &te),
	                 TILE_ECRS);
	assert_null(ctx.proj);
	assert_true(te.msg[0] != 0);
	assert_non_null(strstr(te.msg, "+proj=ortho"));
	geodata_crs_destroy(crs);
	/* Web Mercator is the tiles' own view, not one for sheet_ctx_init. */
	crs = geodata_crs_create(NULL, &ge);
	assert_non_null(crs);
	assert_int_equal(sheet_ctx_init(&ctx, f->scene, &CARIBBEAN, crs, 800, 500, 1,
	                                GEODATA_DAY_OPEN, &te),
	                 TILE_EINVAL);
	geodata_crs_destroy(crs);
}

static tile_sheet_request request(tile_format fmt, int w, int h)
{
	tile_sheet_request r = {.bbox = CARIBBEAN,
	                        .width = w,
	                        .height = h,
	                        .scale = 1,
	                        .format = fmt,
	                        .title = "Test sheet",
	                        .until = GEODATA_DAY_OPEN};
	return r;
}

/* A failed render reports the code and message and leaves the caller's buffer as it was. */
static void expect_failure(const fixture *f, const tile_sheet_request *r, int code,
                           const char *in_msg)
{
	tile_buffer b = {0};
	tile_error te = {{0}};
	assert_int_equal(tile_buffer_append(&b, "keep", 4), 0);
	int rc = tile_sheet_render(f->scene, r, &b, &te);
	if (rc != code)
		fail_msg("got %d (%s), want %d", rc, te.msg, code);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.data, "keep", 4);
	if (in_msg && !strstr(te.msg, in_msg))
		fail_msg("message '%s' lacks '%s'", te.msg, in_msg);
	tile_buffer_finish(&b);
}

static void test_limits_and_bad_input(void **state)
{
	fixture *f = *state;
	char side[16], pixels[24];
	snprintf(side, sizeof side, "%d", TILE_MAX_SIDE);
	snprintf(pixels, sizeof pixels, "%ld", (long)TILE_MAX_PIXELS);
	tile_sheet_request r = request(TILE_FORMAT_PNG, TILE_MAX_SIDE + 1, 100);
	expect_failure(f, &r, TILE_ETOOBIG, side);
	r = request(TILE_FORMAT_PDF, 100, TILE_MAX_SIDE + 1);
	expect_failure(f, &r, TILE_ETOOBIG, side);
	r = request(TILE_FORMAT_PNG, 4100, 4100);
	r.scale = 2;
	expect_failure(f, &r, TILE_ETOOBIG, side);
	r = request(TILE_FORMAT_SVG, 7000, 7000);
	expect_failure(f, &r, TILE_ETOOBIG, pixels);
	r = request(TILE_FORMAT_PNG, 0, 100);
	expect_failure(f, &r, TILE_EINVAL, NULL);
	r = request(TILE_FORMAT_PNG, 100, 100);
	r.scale = 3;
	expect_failure(f, &r, TILE_EINVAL, NULL);
	r = request(TILE_FORMAT_PNG, 100, 100);
	r.bbox = (geodata_bbox){10, 0, 5, 5};
	expect_failure(f, &r, TILE_EINVAL, NULL);
	r.bbox = (geodata_bbox){NAN, 0, 5, 5};
	expect_failure(f, &r, TILE_EINVAL, NULL);
	r = request(TILE_FORMAT_PDF, 300, 200);
	r.crs = "EPSG:99999999";
	expect_failure(f, &r, TILE_ECRS, "EPSG:99999999");
	r.crs = "+proj=nosuchthing";
	expect_failure(f, &r, TILE_ECRS, "unknown CRS '+proj=nosuchthing'");
	r.crs = "+proj=ortho +lat_0=0 +lon_0=100 +datum=WGS84";
	expect_failure(f, &r, TILE_ECRS, "+proj=ortho");
	r = request(TILE_FORMAT_PNG, 300, 200);
	r.format = (tile_format)7;
	expect_failure(f, &r, TILE_EINVAL, NULL);
}

/* cairo reads PNG back for comparison: a different decoder from our encoder. */
typedef struct reader {
	const unsigned char *p;
	size_t left;
} reader;

static cairo_status_t read_cb(void *closure, unsigned char *data, unsigned int len)
{
	reader *r = closure;
	if (len > r->left)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, r->p, len);
	r->p += len;
	r->left -= len;
	return CAIRO_STATUS_SUCCESS;
}

static void test_bare_png_is_a_tile_view(void **state)
{
	fixture *f = *state;
	/* Tiles 5/8..9/14..15: a box on the tile grid, so the extent is exact. */
	geodata_bbox a, b;
	assert_int_equal(tile_xyz_bbox(5, 8, 14, &a), 0);
	assert_int_equal(tile_xyz_bbox(5, 9, 15, &b), 0);
	geodata_bbox merc = {a.minx, b.miny, b.maxx, a.maxy};
	double xy[4] = {merc.minx, merc.miny, merc.maxx, merc.maxy};
	geodata_error ge;
	geodata_proj *p = geodata_proj_create("EPSG:4326", "EPSG:3857", &ge);
	assert_int_equal(geodata_proj_trans(p, xy, 2, 1), 0);
	geodata_proj_destroy(p);
	geodata_bbox ll = {xy[0], xy[1], xy[2], xy[3]};

	for (int scale = 1; scale <= 2; scale++) {
		tile_sheet_request r = request(TILE_FORMAT_PNG, 512, 512);
		r.bbox = ll;
		r.bare = 1;
		r.scale = scale;
		r.crs = "EPSG:3857";
		tile_buffer buf = {0};
		tile_error te;
		int rc = tile_sheet_render(f->scene, &r, &buf, &te);
		if (rc)
			fail_msg("%s", te.msg);
		reader rd = {buf.data, buf.len};
		cairo_surface_t *got = cairo_image_surface_create_from_png_stream(read_cb, &rd);
		assert_int_equal(cairo_surface_status(got), CAIRO_STATUS_SUCCESS);

		tile_view v = {.extent = merc,
		               .width = 512,
		               .height = 512,
		               .scale = scale,
		               .tileset = TILE_TILESET_BRIEFING,
		               .until = GEODATA_DAY_OPEN};
		void *want = NULL;
		assert_int_equal(tile_view_render(f->scene, &v, &want, &te), 0);
		int w = cairo_image_surface_get_width(want),
		    h = cairo_image_surface_get_height(want);
		assert_int_equal(cairo_image_surface_get_width(got), w);
		assert_int_equal(cairo_image_surface_get_height(got), h);
		const unsigned char *pg = cairo_image_surface_get_data(got);
		const unsigned char *pw = cairo_image_surface_get_data(want);
		int sg = cairo_image_surface_get_stride(got),
		    sw = cairo_image_surface_get_stride(want);
		long differ = 0;
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				uint32_t cg, cw;
				memcpy(&cg, pg + (size_t)y * sg + 4 * (size_t)x, 4);
				memcpy(&cw, pw + (size_t)y * sw + 4 * (size_t)x, 4);
				/* PNG drops the alpha byte of opaque images; compare colour. */
				differ += (cg & 0xffffff) != (cw & 0xffffff);
			}
		assert_int_equal(differ, 0);
		cairo_surface_destroy(got);
		cairo_surface_destroy(want);
		tile_buffer_finish(&buf);
	}
}

/* One table of sheet formats: every entry named, typed and written, found again by its name. */
static void test_format_table(void **state)
{
	(void)state;
	const char *mimes[TILE_FORMAT_COUNT] = {"image/png", "application/pdf", "image/svg+xml"};
	for (int i = 0; i < TILE_FORMAT_COUNT; i++) {
		const tile_sheet_format *fmt = tile_sheet_format_get((tile_format)i);
		assert_non_null(fmt);
		assert_non_null(fmt->writer);
		assert_string_equal(fmt->mime, mimes[i]);
		assert_string_equal(fmt->ext, fmt->name);
		assert_int_equal(tile_format_from_name(fmt->name), i);
		assert_int_equal(fmt->raster, i == TILE_FORMAT_PNG);
	}
	assert_null(tile_sheet_format_get(TILE_FORMAT_COUNT));
	assert_null(tile_sheet_format_get((tile_format)-1));
	assert_int_equal(tile_format_from_name("PNG"), -1);
}

static void test_formats(void **state)
{
	fixture *f = *state;
	tile_error te;
	tile_sheet_request r = request(TILE_FORMAT_PDF, 800, 500);
	r.title = "Boats & <strikes>";
	tile_buffer b = {0};
	if (tile_sheet_render(f->scene, &r, &b, &te))
		fail_msg("pdf: %s", te.msg);
	assert_true(b.len > 1000 && !memcmp(b.data, "%PDF-", 5));
	tile_buffer_finish(&b);

	r.format = TILE_FORMAT_SVG;
	r.crs = "EPSG:6372";
	if (tile_sheet_render(f->scene, &r, &b, &te))
		fail_msg("svg: %s", te.msg);
	assert_int_equal(tile_buffer_append(&b, "", 1), 0);
	const char *svg = (const char *)b.data;
	const char *root = strstr(svg, "<svg"), *title = strstr(svg, "<title>");
	assert_non_null(root);
	assert_non_null(title);
	assert_true(title > root);
	assert_non_null(strstr(svg, "<title>Boats &amp; &lt;strikes&gt;</title>"));
	assert_non_null(strstr(svg, "<desc>"));
	tile_buffer_finish(&b);

	r.format = TILE_FORMAT_PNG;
	r.crs = NULL;
	r.scale = 2;
	r.width = 400;
	r.height = 300;
	if (tile_sheet_render(f->scene, &r, &b, &te))
		fail_msg("png: %s", te.msg);
	reader rd = {b.data, b.len};
	cairo_surface_t *img = cairo_image_surface_create_from_png_stream(read_cb, &rd);
	assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
	assert_int_equal(cairo_image_surface_get_width(img), 800);
	assert_int_equal(cairo_image_surface_get_height(img), 600);
	cairo_surface_destroy(img);
	tile_buffer_finish(&b);
}

/* A named view's default sheet (the CLI's 1600x1000) with what it showed. */
static void render_info(fixture *f, const geodata_bbox *bbox, tile_format fmt, int w, int h,
                        geodata_day until, int bare, tile_sheet_info *info)
{
	tile_error te;
	tile_sheet_request r = request(fmt, w, h);
	r.bbox = *bbox;
	r.until = until;
	r.bare = bare;
	r.info = info;
	tile_buffer b = {0};
	if (tile_sheet_render(f->scene, &r, &b, &te))
		fail_msg("render: %s", te.msg);
	assert_true(b.len > 1000);
	tile_buffer_finish(&b);
}

/*
 * Labels of hypothetical, disputed, claimed, threatened (and reported)
 * events are never dropped: on every named view at its default size, every
 * event whose place is on the map is named.
 */
static void test_named_views_label_every_event(void **state)
{
	fixture *f = *state;
	geodata_error ge;
	geodata_views *v = geodata_views_load(getenv("BRIEFMAP_VIEWS"), &ge);
	if (!v)
		fail_msg("views: %s", ge.msg);
	for (size_t i = 0; i < geodata_views_count(v); i++) {
		const geodata_view *view = geodata_views_get(v, i);
		tile_sheet_info info;
		render_info(f, &view->bbox, TILE_FORMAT_PNG, 1600, 1000, GEODATA_DAY_OPEN, 0, &info);
		size_t dropped = 0;
		for (int st = 0; st < GEODATA_STATUS_COUNT; st++)
			if (st != GEODATA_STATUS_CONFIRMED)
				dropped += info.unlabelled_status[st];
		print_message("  %-13s %zu events shown, %zu labelled, %zu non-confirmed unlabelled\n",
		              view->name, info.events_shown, info.events_labelled, dropped);
		for (int st = 0; st < GEODATA_STATUS_COUNT; st++)
			if (st != GEODATA_STATUS_CONFIRMED && info.unlabelled_status[st])
				fail_msg("view %s: %zu %s event(s) left unlabelled", view->name,
				         info.unlabelled_status[st],
				         geodata_event_status_name((geodata_event_status)st));
		assert_true(info.events_labelled > 0);
	}
	geodata_views_destroy(v);
}

/* The article's caveats are on the sheet itself, in every format and size. */
static void test_caveats_on_every_sheet(void **state)
{
	fixture *f = *state;
	assert_non_null(geodata_events_briefing(f->ev));
	static const int sizes[][2] = {{1600, 1000}, {700, 1000}, {420, 300}};
	for (int fmt = TILE_FORMAT_PNG; fmt <= TILE_FORMAT_SVG; fmt++)
		for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
			tile_sheet_info info;
			render_info(f, &MEXICO, (tile_format)fmt, sizes[k][0], sizes[k][1],
			            GEODATA_DAY_OPEN, 0, &info);
			if (!info.caveats)
				fail_msg("format %d, %dx%d: no caveats on the sheet", fmt, sizes[k][0],
				         sizes[k][1]);
		}
	char full[4096], brief[512];
	assert_true(tile_caveats_text(f->ev, 1, full, sizeof full) > 200);
	assert_true(tile_caveats_text(f->ev, 0, brief, sizeof brief) > 20);
	assert_non_null(strstr(full, "contradicts itself"));
	assert_non_null(strstr(brief, "contradiction"));
	assert_non_null(strstr(brief, "undated"));
}

/* "As of" a date, no undated event is drawn, and the sheet counts those left out. */
static void test_until_leaves_undated_out(void **state)
{
	fixture *f = *state;
	geodata_day until;
	assert_int_equal(geodata_date_parse("2025-09-01", &until), 0);
	static const geodata_bbox REGION = {-120.0, 2.0, -58.0, 35.0};
	size_t undated = 0, dated_by = 0;
	for (size_t i = 0; i < geodata_events_count(f->ev); i++) {
		const geodata_event *e = geodata_events_get(f->ev, i);
		undated += !e->date;
		dated_by += e->date && e->start <= until;
		assert_int_equal(geodata_event_visible(e, until), e->date && e->start <= until);
	}
	assert_true(undated >= 10);
	tile_sheet_info info;
	render_info(f, &REGION, TILE_FORMAT_PNG, 1600, 1000, until, 0, &info);
	print_message("  as of 2025-09-01: %zu shown, %zu undated left out\n", info.events_shown,
	              info.undated_left_out);
	assert_int_equal(info.undated_left_out, undated);
	assert_int_equal(info.events_shown, dated_by);
	render_info(f, &REGION, TILE_FORMAT_PNG, 1600, 1000, GEODATA_DAY_OPEN, 0, &info);
	assert_int_equal(info.undated_left_out, 0);
	assert_int_equal(info.events_shown, geodata_events_count(f->ev));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scale_bar_mercator),
	    cmocka_unit_test(test_scale_bar_follows_latitude),
	    cmocka_unit_test(test_ctx_crs_and_scale_bar),
	    cmocka_unit_test(test_north_angle),
	    cmocka_unit_test(test_bad_crs),
	    cmocka_unit_test(test_limits_and_bad_input),
	    cmocka_unit_test(test_bare_png_is_a_tile_view),
	    cmocka_unit_test(test_format_table),
	    cmocka_unit_test(test_formats),
	    cmocka_unit_test(test_named_views_label_every_event),
	    cmocka_unit_test(test_caveats_on_every_sheet),
	    cmocka_unit_test(test_until_leaves_undated_out),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
