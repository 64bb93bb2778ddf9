/* tiles.h: rendering views, tiles and briefing sheets with cairo; label placement; tile cache. */
#ifndef BRIEFMAP_TILES_H
#define BRIEFMAP_TILES_H

#include <stddef.h>
#include <stdint.h>

#include "geodata.h"

/**
 * Conventions of this module.
 *
 * Ownership: `_create` results belong to the caller and are released with
 * `_destroy`; refcounted objects (`tile_scene`, `tile_blob`) with `_unref`.
 * `_destroy(NULL)` and `_unref(NULL)` are no-ops. A `tile_buffer` is the
 * caller's storage: `tile_buffer_finish` frees what it holds.
 *
 * Thread safety: a `tile_scene` is immutable once created, except for its
 * label placements, which are computed lazily per zoom and language under an
 * internal lock; any number of threads may render from one scene at once. Each
 * rendering call uses its own cairo surface and the calling thread's pango
 * font map. The `tile_cache` is internally locked.
 *
 * Errors: 0 or a negative `TILE_E*` code; a one-line message in the caller's
 * `tile_error` when one is given. Every cairo status is checked. Nothing here
 * exits, prints, or knows about HTTP.
 */

enum {
	TILE_OK = 0,
	TILE_EINVAL = -1,  /**< malformed request (bad bbox, zoom, size, format) */
	TILE_ENOMEM = -2,  /**< allocation failed */
	TILE_ECAIRO = -3,  /**< cairo or pango reported an error */
	TILE_ETOOBIG = -4, /**< the requested image exceeds the size limits */
	TILE_ECRS = -5,    /**< unknown or unusable CRS */
	TILE_ERANGE = -6,  /**< tile coordinates out of range */
	TILE_EIO = -7,     /**< writing the output failed */
	TILE_EDATA = -8    /**< the base data snapshot is damaged (load it again, checked whole) */
};

typedef struct tile_error {
	char msg[512];
} tile_error;

/** Largest side and area of any image we draw, in device pixels. */
#define TILE_MAX_SIDE 8192
#define TILE_MAX_PIXELS (40L * 1000 * 1000)
#define TILE_SIZE 256

/** A growable byte buffer in the caller's storage; zero-initialise it. */
typedef struct tile_buffer {
	unsigned char *data;
	size_t len, cap;
} tile_buffer;
void tile_buffer_finish(tile_buffer *b);

/* ---- tile maths -------------------------------------------------------- */

/** The EPSG:3857 extent of XYZ tile z/x/y (y = 0 at the north). */
int tile_xyz_bbox(int z, long x, long y, geodata_bbox *out);
/** The tile containing a point in degrees at zoom z. */
void tile_lonlat_to_xyz(double lon, double lat, int z, long *x, long *y);
/** Whether z/x/y names a tile of the pyramid (0 <= z <= GEODATA_MAX_ZOOM). */
int tile_xyz_valid(int z, long x, long y);

/* ---- scene: data + events + label placement ----------------------------- */

typedef struct tile_scene tile_scene;

/**
 * Builds what rendering needs from loaded data and events: style tables and
 * the label candidates. Takes a reference on `events` (may be NULL for no
 * events); `gd` must outlive the scene. Label placement is global per zoom
 * and computed once: with `eager`, zoom 0 now and the others on two background
 * threads (a render that needs a zoom not placed yet waits for it); without,
 * on first use. Labels in another language than the default (tile_view.lang)
 * are always placed on first use, so that start-up and memory do not grow
 * with the languages served.
 */
tile_scene *tile_scene_create(const geodata *gd, geodata_events *events, int eager,
			      tile_error *err);
tile_scene *tile_scene_ref(tile_scene *s);
void tile_scene_unref(tile_scene *s);
geodata_events *tile_scene_events(const tile_scene *s);
/**
 * Asks the eager warm-up to end after the zoom under way, without waiting
 * (zooms not placed are then placed on first use). For a scene about to be
 * released: its last unref then waits for little. Thread safe; NULL is a no-op.
 */
void tile_scene_stop_warming(tile_scene *s);
/** Whether no warm-up thread runs any more (finished or stopped). Thread safe. */
int tile_scene_warm_over(const tile_scene *s);
/**
 * Whether the labels of every zoom are placed in the default language (the eager warm-up is
 * over; other languages are placed on first use). Thread safe.
 */
int tile_scene_placed(const tile_scene *s);

/**
 * The images a scene keeps of its placed labels (one per label and device scale, made on
 * first use: tiles paint them instead of drawing text). Their memory is bounded by a byte
 * budget per scene, 16 MiB unless set: a label refused room is drawn as text, and the least
 * recently painted images are freed after the drawing that found the budget full.
 */
typedef struct tile_sprite_stats {
	size_t bytes;  /**< held now: each image's pixel rows (stride x height) and 512 bytes */
	size_t budget; /**< the most `bytes` may reach */
	unsigned long long made, evicted, refused; /**< images made, freed, refused room */
} tile_sprite_stats;
/** Fills `out` with the scene's figures; thread safe, a snapshot (all zero for NULL). */
void tile_scene_sprite_stats(const tile_scene *s, tile_sprite_stats *out);
/**
 * Sets the scene's byte budget for label images (0: none are kept); images over it are freed
 * after the next tile drawn. Thread safe. For tests and for servers short of memory.
 */
void tile_scene_set_sprite_budget(tile_scene *s, size_t bytes);
const geodata *tile_scene_data(const tile_scene *s);

/* ---- rendering ----------------------------------------------------------- */

typedef enum tile_tileset {
	TILE_TILESET_BRIEFING, /**< base map and events, opaque */
	TILE_TILESET_BASE,     /**< base map only, opaque */
	TILE_TILESET_EVENTS,   /**< events only, transparent */
	TILE_TILESET_COUNT
} tile_tileset;
const char *tile_tileset_name(tile_tileset t);
/** Returns the tileset for a name, or -1. */
int tile_tileset_from_name(const char *name);

/** What one image shows. */
typedef struct tile_view {
	geodata_bbox extent; /**< EPSG:3857 metres */
	int width, height;   /**< logical pixels */
	int scale;           /**< 1 or 2: device pixels per logical pixel */
	tile_tileset tileset;
	geodata_day until;   /**< GEODATA_DAY_OPEN for no filter */
	/**
	 * The language of base-map labels ("es": Spanish names where the data has them, else
	 * the default ones); NULL or a language tiles do not speak (tile_sheet_lang_find): the
	 * default names. A language's labels are placed on its first use.
	 */
	const char *lang;
} tile_view;

/**
 * Draws a view in EPSG:3857 into a new ARGB32 image surface of
 * width*scale x height*scale. When the view's resolution is that of an
 * integer zoom, labels come from that zoom's global placement, so tiles and
 * renders of the same extent agree pixel for pixel. A view bigger than a tile
 * is drawn in two bands on a second thread as well, with the same pixels. The
 * caller destroys the surface (cairo_surface_t *, passed as void * to keep
 * cairo out of this header's users that do not draw).
 */
int tile_view_render(const tile_scene *s, const tile_view *v, void **surface, tile_error *err);

/* ---- tile image formats ---------------------------------------------------- */

typedef enum tile_image_format {
	TILE_IMAGE_PNG,  /**< indexed colour when a palette keeps every pixel close, else RGB(A) */
	TILE_IMAGE_WEBP, /**< lossless WebP of the same pixels */
	TILE_IMAGE_COUNT
} tile_image_format;

/**
 * A tile image format. `tile_image_codec_get` reads the one table of them:
 * the HTTP tile route, the CLI and TileJSON take names, extensions and types
 * from it. Entries are static and immutable.
 */
typedef struct tile_image_codec {
	const char *name; /**< "png", "webp": also TileJSON's `format` */
	const char *ext;  /**< file and URL extension, without the dot */
	const char *mime; /**< Content-Type */
	/** Encodes a tile (a cairo_surface_t *), appending to `out`; 0 or TILE_E*. */
	int (*encode)(void *surface, tile_buffer *out, tile_error *err);
} tile_image_codec;

/** The codec of a format, or NULL when out of range. */
const tile_image_codec *tile_image_codec_get(tile_image_format f);
/** The format whose extension is the `len` bytes at `ext` (no dot), or -1. */
int tile_image_format_from_ext(const char *ext, size_t len);

/** Renders XYZ tile z/x/y of a tileset in format `fmt`, appending the bytes to `out`. */
int tile_render_xyz_as(const tile_scene *s, tile_tileset ts, int z, long x, long y, int scale,
		       geodata_day until, tile_image_format fmt, tile_buffer *out,
		       tile_error *err);
/** tile_render_xyz_as with base-map labels in `lang` (see tile_view). */
int tile_render_xyz_lang(const tile_scene *s, tile_tileset ts, int z, long x, long y, int scale,
			 geodata_day until, const char *lang, tile_image_format fmt,
			 tile_buffer *out, tile_error *err);
/** tile_render_xyz_as in PNG. */
int tile_render_xyz(const tile_scene *s, tile_tileset ts, int z, long x, long y, int scale,
		    geodata_day until, tile_buffer *png, tile_error *err);

/** Text metadata stored in a PNG (tEXt chunks); any field may be NULL. */
typedef struct tile_png_meta {
	const char *title, *source, *software, *creation_time, *description;
} tile_png_meta;
/** Encodes an image surface as lossless PNG (indexed when it has at most 256 colours), appending to `out`. */
int tile_png_encode(void *surface, const tile_png_meta *meta, tile_buffer *out, tile_error *err);

/* ---- tile key: what one XYZ tile is, for caches, ETags and seeders ------------------- */

/**
 * Whether a tileset's tiles depend on the events (and so on `until` and on the
 * briefing they come from): the one place that says the base map is the same
 * for every briefing and every date. Out of range gives 0. Thread-safe.
 */
int tile_tileset_uses_events(tile_tileset t);

/**
 * FNV-1a, the hash of every ETag and revision: add bytes, a string (with its
 * terminator, so that ("ab","c") and ("a","bc") differ) or a 64-bit value to
 * `h`, which starts at TILE_HASH_INIT. Pure functions.
 */
#define TILE_HASH_INIT 1469598103934665603ULL
uint64_t tile_hash_add(uint64_t h, const void *data, size_t n);
uint64_t tile_hash_str(uint64_t h, const char *s);
uint64_t tile_hash_u64(uint64_t h, uint64_t v);

/**
 * The identity of one XYZ tile: everything its pixels depend on besides the
 * base data and the program. Caller's storage, filled by tile_key_init, which
 * normalises it: a tileset without events gets until GEODATA_DAY_OPEN, events
 * revision 0 and no briefing, so that equal tiles have equal keys.
 */
typedef struct tile_key {
	tile_tileset tileset;
	int z;
	long x, y;
	int scale;                /**< 1 or 2 */
	tile_image_format format;
	geodata_day until;        /**< GEODATA_DAY_OPEN: no date filter */
	uint64_t events;          /**< revision of the events drawn (their hash); 0: none */
	char briefing[GEODATA_SLUG_MAX + 1]; /**< slug of the briefing drawn; "": none */
	/** Language of the base map's place names (static storage); NULL: the default names. */
	const char *lang;
} tile_key;

/**
 * Fills `k`. `briefing` may be NULL or "" (no briefing). Returns 0,
 * TILE_ERANGE when z/x/y is not a tile of the pyramid, or TILE_EINVAL for a
 * bad tileset, scale, format or slug; `k` is then unusable.
 */
int tile_key_init(tile_key *k, tile_tileset ts, int z, long x, long y, int scale,
		  tile_image_format format, geodata_day until, uint64_t events,
		  const char *briefing);

/**
 * Names the base map's places in `lang` ("es"; see tile_sheet_lang_find) where
 * the data has names in it. NULL, "en" or a language tiles do not speak: the
 * default names, so that those tiles keep one key.
 */
void tile_key_set_lang(tile_key *k, const char *lang);

/**
 * The tile's cache key ("b/SLUG/TILESET/Z/X/Y@S.EXT", "?UNTIL" when filtered, "#LANG" in a language;
 * no "b/SLUG/" prefix for tiles without events), at most `cap` bytes. Returns
 * its length, or -1 when it does not fit.
 */
int tile_key_cache_key(const tile_key *k, char *out, size_t cap);

/**
 * The prefix of the cache keys of one briefing's tiles ("b/SLUG/"), for
 * purging them when the briefing changes. Returns its length, or -1.
 */
int tile_key_briefing_prefix(const char *briefing, char *out, size_t cap);

/** The version stamp stored with the tile's cached bytes: the events revision (0: none). */
uint64_t tile_key_tag(const tile_key *k);

/** The hash of everything the tile's bytes are made from, given the base data's stamp: its ETag. */
uint64_t tile_key_hash(const tile_key *k, uint64_t data_version);

/**
 * A tileset's revision: the hash of what all its tiles are drawn from (the
 * base data's stamp and, for tilesets with events, the events' revision and
 * the briefing's slug). `briefing` may be NULL.
 */
uint64_t tile_key_revision(tile_tileset ts, uint64_t data_version, uint64_t events,
			   const char *briefing);

/** Renders the tile from `s` (whose events must be those `k` names), appending to `out`. */
int tile_key_render(const tile_scene *s, const tile_key *k, tile_buffer *out, tile_error *err);

/* ---- briefing sheets ----------------------------------------------------- */

typedef enum tile_format {
	TILE_FORMAT_PNG,
	TILE_FORMAT_PDF,
	TILE_FORMAT_SVG,
	TILE_FORMAT_COUNT
} tile_format;

/**
 * A sheet's output format. `tile_sheet_format_get` reads the one table of
 * them: the sheet renderer writes with it, and the CLI and the HTTP render
 * route take names, extensions and types from it. Entries are static and
 * immutable; thread-safe.
 */
typedef struct tile_sheet_format {
	const char *name;  /**< "png", "pdf", "svg": what --format and the URL say */
	const char *ext;   /**< file and URL extension, without the dot */
	const char *mime;  /**< Content-Type */
	int raster;        /**< pixels (scale applies), not vector */
	const struct sheet_writer *writer; /**< how tiles/ writes it; opaque elsewhere */
} tile_sheet_format;

/** The entry of a format, or NULL when out of range. */
const tile_sheet_format *tile_sheet_format_get(tile_format f);
/** Returns the format named "png"/"pdf"/"svg", or -1. */
int tile_format_from_name(const char *name);

/** What a sheet showed, for callers that report it (and tests). */
typedef struct tile_sheet_info {
	size_t events_shown;      /**< events drawn on the map */
	size_t undated_left_out;  /**< events on the map left out by `until` for want of a date */
	size_t events_labelled;   /**< of those shown, events whose label was placed */
	size_t unlabelled_status[GEODATA_STATUS_COUNT]; /**< shown but unlabelled, by status */
	int caveats;              /**< whether the caveats are drawn on the sheet */
} tile_sheet_info;

typedef struct tile_sheet_request {
	geodata_bbox bbox;  /**< west, south, east, north in degrees */
	int width, height;  /**< logical pixels (points for PDF/SVG) */
	int scale;          /**< 1 or 2, PNG only */
	tile_format format;
	const char *crs;    /**< anything PROJ understands; NULL for EPSG:3857 */
	const char *title;  /**< NULL: the caller's default */
	geodata_day until;  /**< GEODATA_DAY_OPEN for no filter */
	int bare;           /**< the map alone, no title, legend or footer */
	int64_t made_at;    /**< seconds since 1970 printed as when the sheet was made (the data's
	                         revision, so equal requests give equal bytes); 0: now */
	tile_sheet_info *info; /**< optional: filled with what the sheet showed */
	const char *lang;   /**< the sheet's language, from tile_sheet_lang_find(); NULL: English.
	                         The briefing's own texts stay as written. */
} tile_sheet_request;

/**
 * The language code sheets speak that `lang` names ("en", "es"), in static storage, or NULL
 * when sheets do not speak it. Thread-safe.
 */
const char *tile_sheet_lang_find(const char *lang);

/**
 * Renders a briefing sheet (or with `bare` the map alone) in the requested
 * format, appending the file's bytes to `out`. Sizes beyond TILE_MAX_SIDE or
 * TILE_MAX_PIXELS give TILE_ETOOBIG; a CRS PROJ cannot use gives TILE_ECRS.
 * The CRS is parsed once per call (a geodata_crs of the calling thread), so
 * any number of threads may render sheets from one scene at once.
 */
int tile_sheet_render(const tile_scene *s, const tile_sheet_request *req, tile_buffer *out,
		      tile_error *err);

/**
 * The caveats of the briefing loaded with `ev` (none: an empty string), as
 * every output shows them: `full` gives each caveat's kind and text, for
 * large sheets and metadata; otherwise one short line naming the kinds.
 * Writes at most `n` bytes (cut on a UTF-8 boundary); returns the length.
 */
size_t tile_caveats_text(const geodata_events *ev, int full, char *buf, size_t n);
/** The same in the language `lang` (see tile_sheet_lang_find; NULL: English). */
size_t tile_caveats_text_lang(const geodata_events *ev, int full, const char *lang, char *buf,
			      size_t n);

/* ---- glyphs of event kinds --------------------------------------------------- */

/**
 * The built-in glyph set, which a briefing's kinds name their glyph from
 * ("boat", "crosshair", "fire", ...). Names are static; i past the count
 * gives NULL; find gives the index or -1. Thread-safe.
 */
size_t tiles_glyph_count(void);
const char *tiles_glyph_name(size_t i);
long tiles_glyph_find(const char *name);
/** One path of a glyph as SVG path data in a unit box centred on 0,0: filled when stroke_width is 0. */
typedef struct tiles_glyph_path {
	char *d;
	double stroke_width;
} tiles_glyph_path;
/**
 * The glyph's paths as SVG, the very paths cairo draws (arcs as curves).
 * On success the caller owns `*paths` (free with tiles_glyph_svg_free);
 * TILE_EINVAL for an unknown name, TILE_ENOMEM or TILE_ECAIRO otherwise.
 */
int tiles_glyph_svg(const char *name, tiles_glyph_path **paths, size_t *n);
void tiles_glyph_svg_free(tiles_glyph_path *paths, size_t n);

/* ---- tile cache ----------------------------------------------------------- */

/** An immutable refcounted byte string (a cached, encoded tile). */
typedef struct tile_blob {
	size_t len;
	uint64_t tag; /**< the caller's version stamp, e.g. the events hash */
	unsigned char data[];
} tile_blob;
tile_blob *tile_blob_create(const void *data, size_t len, uint64_t tag);
tile_blob *tile_blob_ref(tile_blob *b);
void tile_blob_unref(tile_blob *b);

typedef struct tile_cache tile_cache;
/** A least-recently-used cache holding at most `max_bytes` of blobs and keys. */
tile_cache *tile_cache_create(size_t max_bytes);
void tile_cache_destroy(tile_cache *c);
/** Returns a new reference to the cached blob, or NULL. */
tile_blob *tile_cache_get(tile_cache *c, const char *key);
/** Stores a blob (the cache takes its own reference); evicts as needed. */
void tile_cache_put(tile_cache *c, const char *key, tile_blob *b);
/** Drops every entry for which `stale(key, blob, ud)` returns non-zero. */
void tile_cache_purge(tile_cache *c, int (*stale)(const char *key, const tile_blob *b, void *ud),
		      void *ud);
typedef struct tile_cache_stats {
	size_t entries, bytes, max_bytes;
	uint64_t hits, misses, evictions;
} tile_cache_stats;
void tile_cache_stats_get(tile_cache *c, tile_cache_stats *out);

#endif
