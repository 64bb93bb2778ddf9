/* private.h: what the files of tiles/ share among themselves; not for other folders. */
#ifndef BRIEFMAP_TILES_PRIVATE_H
#define BRIEFMAP_TILES_PRIVATE_H

#include <cairo.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "tiles.h"

/** One drawing pass: where the image sits and how to map coordinates to pixels. */
/** The countries a briefing's events are in (their layer codes), tinted on its maps. */
#define TILE_EMPHASIS_MAX 32
typedef struct tile_emphasis {
	char codes[TILE_EMPHASIS_MAX][8];
	size_t n;
} tile_emphasis;
/** Finds the countries of the countries layer that hold an event's anchor. */
void tile_emphasis_find(const geodata *gd, const geodata_events *ev, tile_emphasis *out);
int tile_emphasis_has(const tile_emphasis *e, const char *code);
/** The scene's emphasised countries (none for a scene without events). */
const tile_emphasis *scene_emphasis(const tile_scene *s);
/**
 * Said when an image's drawing is over and only its encoding is left: a one-off command's
 * scene gives the snapshot's mapped pages back then (they stay in the page cache), so that
 * its resident set does not peak with them and the encoder's buffers at once.
 */
void scene_drawn(const tile_scene *s);

/* ---- scene.c: what is computed once per scene ------------------------- */

/** Points along a geodesic distance line: smooth at zoom 10 over 2,000 km. */
#define SCENE_LINK_POINTS 96

/** A distance line from an event of a `from` kind to one of a `to` kind, computed once per scene. */
typedef struct scene_link {
	size_t base, zone;                   /**< event indices */
	double metres;                       /**< geodesic length */
	double lonlat[2 * SCENE_LINK_POINTS]; /**< the geodesic in degrees */
	double merc[2 * SCENE_LINK_POINTS];   /**< the same in EPSG:3857 */
	geodata_bbox merc_bbox;
} scene_link;

/**
 * What a scene holds that drawing reads, immutable once the scene is made.
 * scene.c puts it first in `struct tile_scene`, so that the files below the
 * scene (labels, symbols) read it without calling back up into scene.c.
 */
/**
 * Text extents of labels kept by a scene (measures.c): thread-safe; a lookup
 * that misses, or a memo that could not be made (NULL), means "measure it".
 */
typedef struct label_measures label_measures;
label_measures *label_measures_create(void);
void label_measures_destroy(label_measures *m);
/** Whether the extents of `text` in class `cls` at `size` are known; if so they are in `wh`. */
int label_measures_get(label_measures *m, int cls, double size, const char *text, double wh[2]);
/** Keeps the extents measured; out of memory or a very long text only keeps nothing. */
void label_measures_put(label_measures *m, int cls, double size, const char *text,
                        const double wh[2]);
/**
 * The same by the text's address, for texts that stay where they are for the scene's life
 * (the base data's names): one probe, no string compared. Measures made by text and by
 * address are kept apart.
 */
int label_measures_get_at(label_measures *m, int cls, double size, const char *text,
                          double wh[2]);
void label_measures_put_at(label_measures *m, int cls, double size, const char *text,
                           const double wh[2]);

/** The account of a scene's label images (sprites.c): thread-safe. */
typedef struct label_sprites label_sprites;

typedef struct scene_data {
	const geodata *gd;
	geodata_events *events; /**< NULL for the base map alone */
	const scene_link *links;
	size_t nlinks;
	tile_emphasis emphasis;
	label_measures *measures; /**< owned by the scene; may be NULL */
	label_sprites *sprites;   /**< owned by the scene; NULL: labels drawn as text */
} scene_data;
static inline const scene_data *scene_data_of(const tile_scene *s)
{
	return (const scene_data *)(const void *)s;
}

/** Languages labels are placed in (those of i18n.c); 0 is the default, English. */
#define TILE_LANGS 2
/** The index of `lang` among them: 0 for NULL or a language they do not speak. */
size_t tile_lang_index(const char *lang);
/** The code of language `i` ("en", "es"), static. */
const char *tile_lang_code(size_t i);

typedef struct render_ctx {
	cairo_t *cr; /**< user space = logical pixels (device scale applied) */
	const tile_scene *scene;
	geodata_bbox extent; /**< EPSG:3857 extent (for other CRSs: their units) */
	geodata_bbox query;  /**< EPSG:3857 box of what the image can show, for index queries */
	double res;          /**< CRS units per logical pixel */
	double ox, oy;       /**< CRS coordinate of logical pixel (0,0), top left */
	int width, height, scale; /**< logical size and device scale */
	int zoom;                 /**< generalisation level and style zoom, 0..GEODATA_MAX_ZOOM */
	double zoomf;             /**< fractional zoom, for sizes that grow smoothly */
	geodata_day until;
	geodata_proj *proj;    /**< NULL for EPSG:3857; else lon/lat -> view CRS */
	geodata_proj *to_merc; /**< lazily made for render_lonlat_to_px in Mercator views */
	double *scratch;       /**< reprojection buffer for `proj` */
	size_t scratch_cap;
	/** How render_path_geom adds runs: RENDER_PATH_PLAIN unless the base layers say otherwise. */
	int path_mode;
	/** RENDER_PATH_STROKE dashes, laid out along each run: on, off, on, off lengths (ndash
	 * of them, 0: solid), as cairo_set_dash takes them. */
	double dash[4];
	int ndash;
	double *px, *clip_a, *clip_b; /**< working buffers of the path code */
	size_t px_cap, clip_a_cap, clip_b_cap;
	/** The labels this drawing will show, so that other text can keep clear of them. */
	const struct label_set *labels;
	double labels_gx, labels_gy; /**< the view's origin in the labels' pixel space */
	/** Countries to tint: the scene's when the drawing shows events, else NULL (the shared
	 * base map belongs to no briefing). */
	const tile_emphasis *emphasis;
	/** The language of base labels placed for this view (NULL: the default names). */
	const char *lang;
} render_ctx;

enum {
	RENDER_PATH_PLAIN, /**< every vertex, as it is */
	RENDER_PATH_FILL,  /**< rings clipped to the view, for filling */
	RENDER_PATH_STROKE /**< only segments near the view, dashed by ctx->dash if set */
};

/**
 * The part of the view that the clip of ctx->cr lets through, in logical pixels: x0, y0, x1,
 * y1 within (0, 0)-(width, height). What lies wholly outside it cannot change a pixel, so a
 * band of an image (bands.c) skips what only the other band shows.
 */
static inline void render_visible(const render_ctx *ctx, double box[4])
{
	double x0, y0, x1, y1;
	cairo_clip_extents(ctx->cr, &x0, &y0, &x1, &y1);
	box[0] = x0 > 0 ? x0 : 0;
	box[1] = y0 > 0 ? y0 : 0;
	box[2] = x1 < ctx->width ? x1 : ctx->width;
	box[3] = y1 < ctx->height ? y1 : ctx->height;
}

static inline void render_merc_to_px(const render_ctx *ctx, double x, double y, double *px,
                                     double *py)
{
	*px = (x - ctx->ox) / ctx->res;
	*py = (ctx->oy - y) / ctx->res;
}

/**
 * Adds a geometry to the current path in logical pixels: `merc` for a
 * Web Mercator view, `lonlat` reprojected when the view has another CRS.
 * Points add nothing. Returns 0, or a negative TILE_E* code.
 */
int render_path_geom(render_ctx *ctx, const geodata_geom *merc, const geodata_geom *lonlat);
/**
 * Adds a base-layer piece of `layer` as render_path_geom does, reading its geometry through
 * geodata_piece_geom; TILE_EDATA when those bytes fail their checksum.
 */
int render_path_piece(render_ctx *ctx, const geodata_layer *layer, const geodata_piece *p);
/** Maps a point in degrees to logical pixels; returns 0, or -1 if it cannot be projected. */
int render_lonlat_to_px(render_ctx *ctx, double lon, double lat, double *px, double *py);

/* ---- scene.c, continued ---- */

/** The scene's distance lines (never NULL when `n` is non-zero). */
const scene_link *scene_links(const tile_scene *s, size_t *n);

/* ---- glyphs.c: the built-in glyph set ---------------------------------- */

/** Where a glyph's paths go: painted with the current source, or written as SVG. */
typedef struct glyph_pen glyph_pen;
/** Hands the current path to the pen's SVG output (fill when `width` is 0) and clears it. */
void glyph_pen_capture(glyph_pen *p, double width);
/**
 * Paints the glyph `name` (an unknown name: the dot) in the unit box centred
 * on the user-space origin, with the current source; scale first.
 */
void glyph_draw(cairo_t *cr, const char *name);
/** 0 when every kind names a glyph of the set; else TILE_EINVAL with the kind, glyph and set named. */
int glyph_kinds_check(const geodata_kinds *k, tile_error *err);

/* ---- symbols.c: the article's events ----------------------------------- */

/**
 * Draws the events visible at `ctx->until` whose extent meets the view:
 * areas, uncertainty zones, distance lines and symbols (not their labels,
 * which go through the global placement). Honest by status: solid for
 * confirmed/reported, dashed for claimed/threatened, hatched for
 * hypothetical, a distinct mark for disputed. Hatching is anchored to the
 * map's coordinates so that it continues across tile edges.
 */
int symbols_draw_events(render_ctx *ctx, const geodata_events *ev);
/** Draws the symbol of one kind and status centred on (x, y) of diameter `size`; for legends. */
void symbols_draw_marker(cairo_t *cr, const geodata_kind *kind, geodata_event_status status,
                         double x, double y, double size);
/** Draws a legend swatch of a status (line or area treatment) in the box at (x, y, w, h). */
/** Strokes the current path as the map's own distance measurement (legend and map alike). */
void symbols_stroke_distance(cairo_t *cr);
void symbols_draw_status_swatch(cairo_t *cr, geodata_event_status status, double x, double y,
                                double w, double h);
/** The label text of an event on the map (its title, "35+ boats", "... (hypothetical)"). */
void symbols_event_label(const geodata_events *ev, const geodata_event *e, char *buf, size_t n);
/** Radius in logical pixels of the event's point symbol at a zoom: labels keep clear of it. */
double symbols_event_radius(const geodata_event *e, int zoom);
/** Colour of an event kind, for symbols, labels and legends. */
void symbols_kind_color(const geodata_kind *kind, double rgb[3]);

/* ---- labels.c: global label placement ----------------------------------- */

typedef enum label_class {
	LABEL_EVENT,
	LABEL_COUNTRY,
	LABEL_STATE,
	LABEL_CAPITAL,
	LABEL_CITY,
	LABEL_WATER
} label_class;

/** A placed label, in global pixel coordinates of its zoom (logical pixels). */
typedef struct placed_label {
	const char *text;
	label_class cls;
	double x, y; /**< top-left of the text's logical box */
	double w, h;
	double font_size;
	double ax, ay;   /**< the anchor (city dot, event symbol) */
	int dot;         /**< city dot style: 0 none, 1 town, 2 state capital, 3 national capital */
	int event_index; /**< for LABEL_EVENT, the event it names; else -1 */
} placed_label;

/* ---- labelgrid.c: placed labels by cell ---------------------------------------- */

/** Side of a cell of the label grid, in the placement's pixels: a tile's. */
#define LABEL_GRID_CELL 256.0

/** The labels of a placement filed by every cell their drawing (text, dot, leader) meets. */
typedef struct label_grid {
	uint64_t *keys;   /**< the cells met, sorted */
	uint32_t *first;  /**< ncells + 1 offsets into items */
	uint32_t *items;  /**< label indices, in placement order within each cell */
	size_t ncells;
	int ready;        /**< 0: no grid (view placements); draw every label */
} label_grid;

/**
 * Files labels `v[0..n)` by cell, each grown by `margin` pixels. 0 or TILE_ENOMEM (then the
 * grid is empty and not ready).
 */
int label_grid_build(label_grid *g, const placed_label *v, size_t n, double margin);
void label_grid_finish(label_grid *g);
/**
 * The labels filed in the cells meeting the box, each once, in placement order: `*out` points
 * into the grid for a box within one cell, else into `*scratch`, which the caller frees.
 * Returns their count, or -1 when out of memory.
 */
long label_grid_query(const label_grid *g, double x0, double y0, double x1, double y1,
                      const uint32_t **out, uint32_t **scratch);

typedef struct label_set {
	placed_label *labels;
	size_t count;
	char *text_pool;
	/**
	 * Each label drawn once into a small image per device scale, on first
	 * use, and installed with a compare-and-swap: tiles then paint images
	 * instead of stroking glyph outlines. NULL arrays for view placements.
	 * Painted and made under the scene's sprites' shared lock, freed under it alone
	 * (sprites.c); `used` marks a sprite painted since the last sweep.
	 */
	_Atomic(cairo_surface_t *) *sprites[2];
	atomic_uchar *used[2];
	label_grid grid;
} label_set;

/* ---- sprites.c: the label images' byte budget ------------------------------------ */

/**
 * What a scene's label images may hold at most, unless tile_scene_set_sprite_budget says else:
 * about four fifths of what the 1,612 tiles of tests/bench (zooms 2-8 over the article's region)
 * use (20.6 MB), so that a server stays within 250 MiB under tests/bench/soak.py; the other
 * labels are drawn as text, or take the room of the least recently painted.
 */
#define LABEL_SPRITE_BUDGET ((size_t)16 << 20)

label_sprites *label_sprites_create(size_t budget);
void label_sprites_destroy(label_sprites *c);
void label_sprites_set_budget(label_sprites *c, size_t budget);
/** Held around painting (and making) sprites: a sweep waits for it. */
void label_sprites_paint_begin(label_sprites *c);
void label_sprites_paint_end(label_sprites *c);
/** What an image costs besides its pixels: cairo's and pixman's records of it, malloc's. */
#define LABEL_SPRITE_OVERHEAD 512
/** The bytes an image sprite counts for: its pixel rows and LABEL_SPRITE_OVERHEAD. */
size_t label_sprites_cost(cairo_surface_t *sp);
/** Reserves room for a new sprite: 0, or -1 when it would pass the budget (asks for a sweep). */
int label_sprites_reserve(label_sprites *c, size_t bytes);
/** Gives back room: an evicted sprite, or a reserved one not kept (`evicted` 0). */
void label_sprites_release(label_sprites *c, size_t bytes, int evicted);
/** 1 when a sweep is wanted and this thread now holds the lock alone to do it; else 0. */
int label_sprites_sweep_begin(label_sprites *c);
/** Whether the sweep has more to free. */
int label_sprites_sweep_more(const label_sprites *c);
/**
 * Frees sprites of `ls` (those not painted since the last pass if `keep_recent`, clearing
 * their marks) until the sweep has freed enough; between sweep_begin and sweep_end only.
 */
size_t label_sprites_sweep_set(label_sprites *c, label_set *ls, int keep_recent);
void label_sprites_sweep_end(label_sprites *c);
void label_sprites_stats(const label_sprites *c, tile_sprite_stats *out);
/** Margin of a label's image around its text, whole pixels so images land on the pixel grid. */
#define LABEL_SPRITE_PAD 5
/**
 * The image of label `i` of `ls` at device `scale`, made on first use if the budget has room;
 * NULL: draw the text. Between label_sprites_paint_begin and _end only, which keep a sweep
 * from freeing it while it is painted.
 */
cairo_surface_t *label_sprite_get(const label_set *ls, label_sprites *c, size_t i,
                                  const double rgb[3], int scale);

/*
 * The order of calls in tiles/, one way only: sheet.c and render.c (what a
 * caller asks for) -> scene.c (placements kept per zoom and language) ->
 * labels.c -> symbols.c -> paths.c -> glyphs.c. Nothing calls back up; what
 * a lower file needs of the scene it reads from scene_data.
 */

/** One zoom's placement with the events' labels, default names (computed once; see scene.c). */
const label_set *scene_labels(const tile_scene *s, int zoom);
/**
 * Frees label images when the scene's sprites passed their budget since the last time: those
 * not painted lately first. Called after a drawing; returns at once when nothing is wanted.
 */
void scene_sprites_trim(const tile_scene *s);
/** The placement of one zoom for the base map alone: no gaps where event labels would go. */
const label_set *scene_base_labels(const tile_scene *s, int zoom);
/**
 * The same with base labels in the language `lang` (NULL or unknown: the default): placed on
 * first use of that language and zoom, so a language nobody asks for costs nothing.
 */
const label_set *scene_labels_lang(const tile_scene *s, int zoom, const char *lang);
const label_set *scene_base_labels_lang(const tile_scene *s, int zoom, const char *lang);
/**
 * Computes the placement of a zoom for the whole world, with or without the events, base
 * labels in `lang` (NULL: default names).
 */
int labels_place(const scene_data *d, int zoom, int with_events, const char *lang,
                 label_set *out);
/**
 * Measures into the scene's memo (d->measures) the base candidates of the whole world at `zoom`
 * whose index is `part` modulo `nparts`, so that threads share the first measuring; placements
 * stay what they would be without it. 0 or TILE_ENOMEM.
 */
int labels_premeasure(const scene_data *d, int zoom, size_t part, size_t nparts);
/** Places labels for one arbitrary view (non-integer zoom or another CRS), in ctx->lang. */
int labels_place_view(render_ctx *ctx, label_set *out);
void labels_finish(label_set *ls);
/** Draws a label's halo then its text, the layout's top-left at (x, y) of the user space. */
void labels_draw_text(cairo_t *cr, PangoLayout *lay, PangoFontDescription *fd,
                      const placed_label *l, const double rgb[3], double x, double y);
/** Draws the labels of `ls` meeting the view; `gx, gy` is the view's origin in the set's pixel
 * space. */
int labels_draw(render_ctx *ctx, const label_set *ls, double gx, double gy, int base, int events);

/* ---- render.c; paths.c for the path helpers above, render_ctx_finish and fonts ---- */

/**
 * Draws the map into ctx (base layers if `base`, events if `events`) with
 * the labels of `ls`, whose pixel space has the view's origin at (gx, gy).
 */
int render_map(render_ctx *ctx, int base, int events, const label_set *ls, double gx, double gy);
/** Sets up ctx for a Web Mercator view; the caller owns ctx->cr. */
void render_ctx_init_merc(render_ctx *ctx, const tile_scene *s, const tile_view *v, cairo_t *cr);
void render_ctx_finish(render_ctx *ctx);
/** The font family used for all text. */
#define TILE_FONT_FAMILY "Noto Sans, DejaVu Sans, sans-serif"
/** Font options that keep glyph metrics scale-independent, so @2x matches 1x layout. */
void render_font_options(cairo_t *cr, PangoContext *pc);

/* ---- sheet_frame.c: a sheet's map in any CRS ------------------------------------ */

/**
 * Sets up ctx for a map of the box `ll` (degrees) in `crs` (not Web Mercator), w x h logical
 * pixels: the box is reprojected with densified edges and widened to the image's aspect.
 * ctx->proj is the CRS's transformation from degrees, borrowed: keep `crs` until after
 * render_ctx_finish. Returns 0, TILE_ECRS (box outside the CRS's domain, no inverse at
 * the centre) or TILE_EINVAL (empty size, Web Mercator).
 */
int sheet_ctx_init(render_ctx *ctx, const tile_scene *s, const geodata_bbox *ll, geodata_crs *crs,
                   int w, int h, int scale, geodata_day until, tile_error *err);
/**
 * Chooses a scale bar true at the map's centre: the longest round length (1, 2 or 5 x 10^n
 * units of `unit_m` metres, 1000 for km, 1609.344 for mi) that fits in `max_px` logical
 * pixels. Writes the length in units and in pixels; returns 0, or -1 if the centre cannot be
 * measured.
 */
int sheet_scale_bar(render_ctx *ctx, double max_px, double unit_m, double *length, double *px);
/** Direction of north at the map's centre, degrees clockwise from up; NAN if unknown. */
double sheet_north_angle(render_ctx *ctx);

/* ---- quant.c: palettes -------------------------------------------------- */

/** An image as at most 256 colours and one index byte per pixel. */
typedef struct quant_palette {
	uint32_t color[256]; /**< premultiplied ARGB, as cairo stores pixels */
	int count;
	unsigned char *index; /**< width * height slots, row by row; owned */
	int width, height;
	int max_error;   /**< largest change of any channel of any pixel, 0..255 */
	double sq_error; /**< sum over pixels and channels of the squared change */
} quant_palette;

/**
 * Builds the palette of an ARGB32 image: exact when it has at most 256
 * colours; otherwise, when `max_error` > 0, a median cut whose largest
 * per-channel change (premultiplied) must stay within `max_error`. With
 * `min_psnr` > 0 the cut stops at the fewest colours whose PSNR over the
 * image (every channel, premultiplied) is at least `min_psnr` dB; with 0 it
 * cuts to 256. Returns 1 with `q` filled (release with quant_palette_finish),
 * 0 when no palette fits (keep full colour), or TILE_ENOMEM.
 */
int quant_palette_build(const unsigned char *data, int w, int h, int stride, int max_error,
			double min_psnr, quant_palette *q);
void quant_palette_finish(quant_palette *q);

/* ---- png.c, webp.c: encoders ----------------------------------------------- */

/**
 * Largest per-channel change (of 255, premultiplied) a tile's palette may make
 * to any pixel; a tile that would need more stays full colour. Over the
 * benchmark's tiles at 16 the changed pixels are anti-aliased edges (PSNR
 * 62 dB against the full-colour render, with TILE_QUANT_MIN_PSNR) and PNGs
 * are half the size of lossless ones; tests/unit/test_png.c checks real tiles
 * against this bound.
 */
#define TILE_QUANT_MAX_ERROR 16
/**
 * Least PSNR (dB) of a tile's palette against its full-colour render, when
 * the tile has more than 256 colours: the palette is the fewest colours that
 * reach it within TILE_QUANT_MAX_ERROR (or 256 when those cannot). Every
 * colour beyond a tile's flat ones is an anti-aliased edge, and fewer palette
 * entries for them make smaller files: on the benchmark's 1,612 tiles (zooms
 * 2-8) WebPs went from 2,474 to 2,156 bytes (-13%) and PNGs from 3,155 to
 * 2,717 (-14%) against 256 colours, encoding no slower; over the sampled
 * tiles of tests/unit/test_png.c the PSNR is 61.6 dB (64-65 with 256).
 */
#define TILE_QUANT_MIN_PSNR 57.0
/**
 * libdeflate levels. Tiles: level 6 costs about what zlib's level 1 did. Sheets
 * (region, 1600x1000): level 4 encoded in 20.7 ms against zlib 6's 36.8 ms, for
 * 0.6% more bytes; level 2 takes about 9 ms less than level 4 for 0.5-0.9% more.
 * The encoding runs alone, after the drawing's two threads: it is on the critical path.
 */
#define TILE_PNG_LEVEL 6
#define SHEET_PNG_LEVEL 2

/**
 * Encodes an ARGB32 surface as PNG, appending to `out`: indexed colour when
 * the image has at most 256 colours or a palette within `max_error` (and
 * TILE_QUANT_MIN_PSNR) exists (0: lossless only), else RGB or RGBA; deflate
 * by libdeflate at `level` (1..12). On error `out` is left as it was.
 */
int png_write_surface(cairo_surface_t *surface, const tile_png_meta *meta, int level,
                      int max_error, tile_buffer *out, tile_error *err);
/**
 * Encodes an ARGB32 surface as lossless WebP: of the palette image when one
 * fits `max_error` (and, when > 0, TILE_QUANT_MIN_PSNR), as PNG does.
 */
int webp_write_surface(cairo_surface_t *surface, int max_error, tile_buffer *out,
                       tile_error *err);

/* ---- bands.c: one drawing on two threads ----------------------------------- */

/** Draws into `cr` (user space as set up by the caller); 0 or a TILE_E* code. */
typedef int (*band_draw_fn)(void *ud, cairo_t *cr);
/**
 * Whether splitting a drawing over device rows [y_top, y_bottom) of `cr`'s
 * target pays and is exact: an ARGB32 image, tall enough, a clip made of
 * rectangles, and a second core.
 */
int bands_worth_it(cairo_t *cr, double y_top, double y_bottom);
/**
 * Runs `draw` twice at once, on this thread and another, each on its own
 * context over half of the target's rows (split in the middle of
 * [y_top, y_bottom)) with `cr`'s user space and clip: the same pixels as
 * one pass (scaled patterns may round one level apart).
 * Each call gets its own `ud`, so nothing mutable is shared.
 */
int bands_draw(cairo_t *cr, double y_top, double y_bottom, band_draw_fn draw, void *ud_top,
               void *ud_bottom);

/* ---- shared helpers ------------------------------------------------------- */
int tile_buffer_append(tile_buffer *b, const void *data, size_t len);
void tile_error_set(tile_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The words of sheets in one language (i18n.c): printf formats take what their names say. */
typedef struct tile_words {
	const char *code;
	const char *default_title;
	const char *legend_events, *legend_status, *legend_base;
	const char *capital, *city, *border, *state, *distance, *no_events, *location;
	const char *events_shown_one, *events_shown_many, *latest_dated, *as_of;
	const char *left_out_one, *left_out_many;
	const char *sources, *from_article, *made;
	const char *caveats_full, *caveats_short, *caveats_more;
	const char *caveat_kinds[GEODATA_CAVEAT_COUNT], *caveat_kinds_short[GEODATA_CAVEAT_COUNT];
	const char *map_of, *n_events_one, *n_events_many;
} tile_words;

/* The words of `lang` ("en", "es"); English for NULL or any other. Static storage. */
const tile_words *tile_words_get(const char *lang);

#endif
