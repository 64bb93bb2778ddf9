/* render.c: draws the base map (land, borders, coasts) and composes events and labels over it. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/* The sea under every base layer; the layers' own colours are in geodata's table of layers. */
static const double OCEAN[3] = {0.839, 0.894, 0.925};

void render_ctx_init_merc(render_ctx *ctx, const tile_scene *s, const tile_view *v, cairo_t *cr)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->cr = cr;
	ctx->scene = s;
	ctx->extent = v->extent;
	ctx->width = v->width;
	ctx->height = v->height;
	ctx->scale = v->scale;
	ctx->res = (v->extent.maxx - v->extent.minx) / v->width;
	ctx->ox = v->extent.minx;
	ctx->oy = v->extent.maxy;
	ctx->until = v->until;
	ctx->lang = v->lang;
	ctx->zoomf = log2(2 * GEODATA_MERC_HALF / (256.0 * ctx->res));
	long z = lround(ctx->zoomf);
	ctx->zoom = z < 0 ? 0 : z > GEODATA_MAX_ZOOM ? GEODATA_MAX_ZOOM : (int)z;
	double m = 32 * ctx->res;
	ctx->query = (geodata_bbox){v->extent.minx - m, v->extent.miny - m, v->extent.maxx + m,
	                            v->extent.maxy + m};
}

typedef struct {
	render_ctx *ctx;
	const geodata_layer *layer;
	int mode; /* 0: every piece, 1: emphasised countries only */
	int rc;
} path_walk;

static int add_piece(const geodata_piece *p, const geodata_feature *f, void *ud)
{
	path_walk *w = ud;
	if (w->mode == 1 && !tile_emphasis_has(w->ctx->emphasis, f->code))
		return 0;
	w->rc = render_path_piece(w->ctx, w->layer, p);
	return w->rc;
}

static int layer_path(render_ctx *ctx, geodata_layer_id id, int mode, int path_mode)
{
	const geodata_layer *L = geodata_layer_get(tile_scene_data(ctx->scene), id);
	path_walk w = {ctx, L, mode, 0};
	geodata_bbox q = ctx->query;
	if (!ctx->proj) {
		/* Only the pieces near what the clip shows, with the query's own margin. */
		double v[4], m = 32 * ctx->res;
		render_visible(ctx, v);
		q.minx = fmax(q.minx, ctx->ox + v[0] * ctx->res - m);
		q.maxx = fmin(q.maxx, ctx->ox + v[2] * ctx->res + m);
		q.miny = fmax(q.miny, ctx->oy - v[3] * ctx->res - m);
		q.maxy = fmin(q.maxy, ctx->oy - v[1] * ctx->res + m);
	}
	cairo_new_path(ctx->cr);
	ctx->path_mode = path_mode;
	int qrc = geodata_layer_query(L, &q, add_piece, &w);
	if (qrc && !w.rc)
		w.rc = qrc == GEODATA_EDAMAGED ? TILE_EDATA : TILE_ENOMEM;
	ctx->path_mode = RENDER_PATH_PLAIN;
	return w.rc;
}

static void set_rgb(cairo_t *cr, const double c[3])
{
	cairo_set_source_rgb(cr, c[0], c[1], c[2]);
}

/*
 * The layer drawn for row `li` in this view: its coarse twin below the zoom
 * the table gives and wherever the view reaches past the layer's own data,
 * so that no clipping edge is ever drawn.
 */
static geodata_layer_id shown_layer(const render_ctx *ctx, size_t li)
{
	const geodata_layer_info *info = geodata_layer_info_get(li);
	if (!info->coarse)
		return (geodata_layer_id)li;
	geodata_layer_stats st;
	geodata_layer_stats_get(geodata_layer_get(tile_scene_data(ctx->scene), (geodata_layer_id)li),
	                        &st);
	const geodata_bbox *q = &ctx->query;
	int coarse = ctx->zoom < info->coarse_below || q->minx < st.extent_merc.minx ||
	             q->maxx > st.extent_merc.maxx || q->miny < st.extent_merc.miny ||
	             q->maxy > st.extent_merc.maxy;
	long twin = coarse ? geodata_layer_find(info->coarse) : -1;
	return twin >= 0 ? (geodata_layer_id)twin : (geodata_layer_id)li;
}

enum { PASS_FILL, PASS_EMPHASIS, PASS_STROKE };
typedef struct {
	int pass, what;
	size_t layer;
} pass;

/* One fill, tint or stroke of one layer. */
static int draw_pass(render_ctx *ctx, const pass *p)
{
	cairo_t *cr = ctx->cr;
	const geodata_layer_style *st = &geodata_layer_info_get(p->layer)->style;
	geodata_layer_id id = shown_layer(ctx, p->layer);
	int rc;
	switch (p->what) {
	case PASS_FILL:
		if ((rc = layer_path(ctx, id, 0, RENDER_PATH_FILL)))
			return rc;
		set_rgb(cr, st->fill);
		cairo_fill(cr);
		return 0;
	case PASS_EMPHASIS:
		if (!ctx->emphasis || !ctx->emphasis->n)
			return 0;
		if ((rc = layer_path(ctx, id, 1, RENDER_PATH_FILL)))
			return rc;
		set_rgb(cr, st->emphasis);
		cairo_fill(cr);
		return 0;
	default:
		if (ctx->zoom < st->stroke_min_zoom)
			return 0;
		ctx->dash[0] = st->dash_on;
		ctx->dash[1] = st->dash_off;
		ctx->ndash = st->dash_on > 0 ? 2 : 0;
		rc = layer_path(ctx, id, 0, RENDER_PATH_STROKE);
		ctx->ndash = 0;
		if (rc)
			return rc;
		cairo_set_line_width(cr, geodata_zoom_value(st->width, ctx->zoom));
		set_rgb(cr, st->stroke);
		cairo_stroke(cr);
		return 0;
	}
}

/* The base layers as the table of layers says: every pass of every layer by pass number. */
static int draw_base(render_ctx *ctx)
{
	cairo_t *cr = ctx->cr;
	pass passes[3 * GEODATA_LAYERS_MAX];
	size_t n = 0;
	for (size_t li = 0; li < geodata_layer_count(); li++) {
		const geodata_layer_style *st = &geodata_layer_info_get(li)->style;
		int num[3] = {st->fill_pass, st->emphasis_pass, st->stroke_pass};
		for (int k = 0; k < 3; k++) {
			if (!num[k])
				continue;
			/* Insertion by pass number; equal numbers keep the table's order. */
			size_t j = n++;
			while (j > 0 && passes[j - 1].pass > num[k]) {
				passes[j] = passes[j - 1];
				j--;
			}
			passes[j] = (pass){num[k], k, li};
		}
	}
	set_rgb(cr, OCEAN);
	cairo_paint(cr);
	cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
	/* Bevel joins: at these widths they look the same as round ones and cost far less to
	 * stroke. */
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_BEVEL);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
	for (size_t i = 0; i < n; i++) {
		int rc = draw_pass(ctx, &passes[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* The base map: what lies under the events and the labels, and needs neither. */
static int map_base(render_ctx *ctx, int base, int events)
{
	ctx->emphasis = events ? scene_emphasis(ctx->scene) : NULL;
	return base ? draw_base(ctx) : 0;
}

/* The events and the labels over the base map (the events' own text keeps clear of labels). */
static int map_over(render_ctx *ctx, int base, int events, const label_set *ls, double gx,
                    double gy)
{
	int rc;
	geodata_events *ev = tile_scene_events(ctx->scene);
	ctx->labels = ls;
	ctx->labels_gx = gx;
	ctx->labels_gy = gy;
	if (events && ev && (rc = symbols_draw_events(ctx, ev)))
		return rc;
	if ((rc = labels_draw(ctx, ls, gx, gy, base, events)))
		return rc;
	return cairo_status(ctx->cr) == CAIRO_STATUS_SUCCESS ? 0 : TILE_ECAIRO;
}

int render_map(render_ctx *ctx, int base, int events, const label_set *ls, double gx, double gy)
{
	int rc = map_base(ctx, base, events);
	return rc ? rc : map_over(ctx, base, events, ls, gx, gy);
}

static int check_size(int w, int h, int scale, tile_error *err)
{
	if (w <= 0 || h <= 0) {
		tile_error_set(err, "image size %dx%d is empty", w, h);
		return TILE_EINVAL;
	}
	if (scale != 1 && scale != 2) {
		tile_error_set(err, "scale must be 1 or 2, not %d", scale);
		return TILE_EINVAL;
	}
	long dw = (long)w * scale, dh = (long)h * scale;
	if (dw > TILE_MAX_SIDE || dh > TILE_MAX_SIDE) {
		tile_error_set(err, "image %ldx%ld px is larger than the limit of %d px a side", dw,
		               dh, TILE_MAX_SIDE);
		return TILE_ETOOBIG;
	}
	if (dw * dh > TILE_MAX_PIXELS) {
		tile_error_set(err, "image of %ld px is larger than the limit of %ld megapixels",
		               dw * dh, TILE_MAX_PIXELS / 1000000);
		return TILE_ETOOBIG;
	}
	return 0;
}

/*
 * A view's labels placed by the top band's thread while the bottom band draws its base map:
 * placement is the longest step before drawing, and the base map does not need it.
 */
typedef struct view_labels {
	label_set set;
	int placing; /* until the top band has placed them */
	int rc;
	pthread_mutex_t lock;
	pthread_cond_t done;
} view_labels;

/* One band of a view's drawing: a context of its own over the shared, read-only labels. */
typedef struct view_band {
	render_ctx ctx;
	int base, events;
	const label_set *ls;
	double gx, gy;
	view_labels *place; /* NULL when `ls` is ready */
	int top;
} view_band;

static int view_band_draw(void *ud, cairo_t *cr)
{
	view_band *b = ud;
	view_labels *vl = b->place;
	b->ctx.cr = cr;
	if (!vl)
		return render_map(&b->ctx, b->base, b->events, b->ls, b->gx, b->gy);
	int rc;
	if (b->top) {
		/* Placement reads the view's geometry, not the band's clip. */
		rc = labels_place_view(&b->ctx, &vl->set);
		pthread_mutex_lock(&vl->lock);
		vl->rc = rc;
		vl->placing = 0;
		pthread_cond_broadcast(&vl->done);
		pthread_mutex_unlock(&vl->lock);
		return rc ? rc : render_map(&b->ctx, b->base, b->events, &vl->set, b->gx, b->gy);
	}
	if ((rc = map_base(&b->ctx, b->base, b->events)))
		return rc;
	pthread_mutex_lock(&vl->lock);
	while (vl->placing)
		pthread_cond_wait(&vl->done, &vl->lock);
	rc = vl->rc;
	pthread_mutex_unlock(&vl->lock);
	return rc ? rc : map_over(&b->ctx, b->base, b->events, &vl->set, b->gx, b->gy);
}

/*
 * render_map, in two bands on two threads when the image is bigger than a tile and big
 * enough to pay (bands.c):
 * the second band's working buffers and lazily made transformation are its own, the scene
 * and the labels are only read (label images are made and shared under their own lock).
 * Without `ls`, the labels are placed for the view into `placed` first (the caller finishes
 * it); a failure there sets `*placing_failed`.
 */
static int view_draw(render_ctx *ctx, int base, int events, const label_set *ls, double gx,
                     double gy, label_set *placed, int *placing_failed)
{
	cairo_t *cr = ctx->cr;
	double h = (double)ctx->height * ctx->scale;
	int rc;
	/* A tile stays on its caller's thread: a server draws many at once already. */
	if ((ctx->width <= TILE_SIZE && ctx->height <= TILE_SIZE) || !bands_worth_it(cr, 0, h)) {
		if (!ls && (*placing_failed = (rc = labels_place_view(ctx, placed)) != 0))
			return rc;
		return render_map(ctx, base, events, ls ? ls : placed, gx, gy);
	}
	view_labels vl = {.placing = 1};
	view_band top = {*ctx, base, events, ls, gx, gy, ls ? NULL : &vl, 1}, bottom = top;
	bottom.top = 0;
	if (!ls && (pthread_mutex_init(&vl.lock, NULL) || pthread_cond_init(&vl.done, NULL)))
		return TILE_ENOMEM;
	bottom.ctx.px = bottom.ctx.clip_a = bottom.ctx.clip_b = bottom.ctx.scratch = NULL;
	bottom.ctx.px_cap = bottom.ctx.clip_a_cap = bottom.ctx.clip_b_cap = 0;
	bottom.ctx.scratch_cap = 0;
	bottom.ctx.to_merc = NULL;
	rc = bands_draw(cr, 0, h, view_band_draw, &top, &bottom);
	/* The top band grew the caller's buffers; they stay the caller's to free. */
	top.ctx.cr = cr;
	*ctx = top.ctx;
	render_ctx_finish(&bottom.ctx);
	if (!ls) {
		*placed = vl.set;
		*placing_failed = vl.rc != 0;
		pthread_cond_destroy(&vl.done);
		pthread_mutex_destroy(&vl.lock);
	}
	if (!rc && cairo_status(cr) != CAIRO_STATUS_SUCCESS)
		rc = TILE_ECAIRO;
	return rc;
}

int tile_view_render(const tile_scene *s, const tile_view *v, void **surface, tile_error *err)
{
	int rc = check_size(v->width, v->height, v->scale, err);
	if (rc)
		return rc;
	if (!(v->extent.maxx > v->extent.minx) || !(v->extent.maxy > v->extent.miny)) {
		tile_error_set(err, "empty extent");
		return TILE_EINVAL;
	}
	cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, v->width * v->scale,
	                                                   v->height * v->scale);
	cairo_t *cr = NULL;
	render_ctx ctx;
	label_set local = {0};
	const label_set *ls = NULL;
	double gx = 0, gy = 0;
	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
		rc = TILE_ENOMEM;
		tile_error_set(err, "cannot create a %dx%d image: %s", v->width * v->scale,
		               v->height * v->scale,
		               cairo_status_to_string(cairo_surface_status(surf)));
		goto out;
	}
	cr = cairo_create(surf);
	cairo_scale(cr, v->scale, v->scale);
	render_ctx_init_merc(&ctx, s, v, cr);
	/* Square pixels only: a stretched view would draw a lie. */
	double resy = (v->extent.maxy - v->extent.miny) / v->height;
	if (fabs(resy - ctx.res) > 1e-6 * ctx.res) {
		ctx.res = fmax(ctx.res, resy);
	}
	if (fabs(ctx.zoomf - ctx.zoom) < 1e-6) {
		ls = tile_tileset_uses_events(v->tileset) ? scene_labels_lang(s, ctx.zoom, v->lang)
		                                          : scene_base_labels_lang(s, ctx.zoom, v->lang);
		gx = (ctx.ox + GEODATA_MERC_HALF) / ctx.res;
		gy = (GEODATA_MERC_HALF - ctx.oy) / ctx.res;
		/* Tile-aligned views sit on whole pixels of the zoom's grid, up to rounding. */
		if (fabs(gx - round(gx)) < 1e-6)
			gx = round(gx);
		if (fabs(gy - round(gy)) < 1e-6)
			gy = round(gy);
	}
	int base = v->tileset != TILE_TILESET_EVENTS, events = tile_tileset_uses_events(v->tileset);
	int placing_failed = 0;
	rc = view_draw(&ctx, base, events, ls, gx, gy, &local, &placing_failed);
	if (rc && placing_failed)
		tile_error_set(err, "label placement failed");
	else if (rc)
		tile_error_set(err, "drawing failed: %s", cairo_status_to_string(cairo_status(cr)));
	labels_finish(&local);
	render_ctx_finish(&ctx);
	scene_sprites_trim(s);
out:
	if (cr)
		cairo_destroy(cr);
	if (rc) {
		cairo_surface_destroy(surf);
		return rc;
	}
	*surface = surf;
	return 0;
}

int tile_render_xyz_lang(const tile_scene *s, tile_tileset ts, int z, long x, long y, int scale,
                         geodata_day until, const char *lang, tile_image_format fmt,
                         tile_buffer *out, tile_error *err)
{
	tile_view v = {.width = TILE_SIZE,
	               .height = TILE_SIZE,
	               .scale = scale,
	               .tileset = ts,
	               .until = until,
	               .lang = lang};
	const tile_image_codec *codec = tile_image_codec_get(fmt);
	if ((unsigned)ts >= TILE_TILESET_COUNT || !codec) {
		tile_error_set(err, "unknown tileset or format");
		return TILE_EINVAL;
	}
	if (tile_xyz_bbox(z, x, y, &v.extent)) {
		tile_error_set(err, "tile %d/%ld/%ld is outside the pyramid (zoom 0-%d)", z, x, y,
		               GEODATA_MAX_ZOOM);
		return TILE_ERANGE;
	}
	void *surf = NULL;
	int rc = tile_view_render(s, &v, &surf, err);
	if (rc)
		return rc;
	rc = codec->encode(surf, out, err);
	cairo_surface_destroy(surf);
	return rc;
}

int tile_render_xyz_as(const tile_scene *s, tile_tileset ts, int z, long x, long y, int scale,
                       geodata_day until, tile_image_format fmt, tile_buffer *out,
                       tile_error *err)
{
	return tile_render_xyz_lang(s, ts, z, x, y, scale, until, NULL, fmt, out, err);
}

int tile_render_xyz(const tile_scene *s, tile_tileset ts, int z, long x, long y, int scale,
                    geodata_day until, tile_buffer *png, tile_error *err)
{
	return tile_render_xyz_as(s, ts, z, x, y, scale, until, TILE_IMAGE_PNG, png, err);
}
