/* geodata.h: base map layers, article events and named views, loaded once and read-only after. */
#ifndef BRIEFMAP_GEODATA_H
#define BRIEFMAP_GEODATA_H

#include <stddef.h>
#include <stdint.h>

/**
 * Conventions of this module.
 *
 * Ownership: every object returned by a `_create` or `_load` function belongs
 * to the caller and is released with the matching `_destroy` (or
 * `geodata_events_unref`); `_destroy(NULL)` is a no-op. Pointers returned by
 * accessors (features, names, geometry) borrow from their parent and live as
 * long as it does.
 *
 * Thread safety: loading is done by one thread; once loaded, a `geodata`,
 * `geodata_events` or `geodata_views` is immutable and may be read from any
 * number of threads without locking. `geodata_events_ref/unref` are atomic.
 * Each loading call creates and destroys its own PROJ context, so loads may
 * run concurrently in different threads.
 *
 * Errors: functions return 0 on success or a negative `GEODATA_E*` code, or
 * NULL; a human-readable message (one line, no trailing newline) is written
 * to the caller's `geodata_error` when one is given. Nothing here exits the
 * process or prints.
 */

/** Highest zoom level with its own generalised geometry; tiles go up to it. */
#define GEODATA_MAX_ZOOM 12
#define GEODATA_LEVELS (GEODATA_MAX_ZOOM + 1)

/** Half the width of the EPSG:3857 world, metres. */
#define GEODATA_MERC_HALF 20037508.342789244

enum {
	GEODATA_OK = 0,
	GEODATA_EINVAL = -1,   /**< bad argument or bad input data */
	GEODATA_ENOMEM = -2,   /**< allocation failed */
	GEODATA_EIO = -3,      /**< a source could not be opened or read */
	GEODATA_EPROJ = -4,    /**< PROJ could not build or run a transformation */
	GEODATA_ENOTFOUND = -5, /**< no such view, event or layer */
	GEODATA_EDAMAGED = -6   /**< the base data snapshot's bytes fail their checksum */
};

/** An error message buffer owned by the caller. */
typedef struct geodata_error {
	char msg[512];
} geodata_error;

typedef struct geodata_bbox {
	double minx, miny, maxx, maxy;
} geodata_bbox;

/* ---- base layers ------------------------------------------------------ */

/**
 * The base layers are declared once, in the table of geodata/layers.c (see
 * geodata_layer_info): loading, the snapshot, drawing and labels all read
 * it. These ids name the rows other code refers to by role; rows added after
 * them are reached by index, below geodata_layer_count().
 */
typedef enum geodata_layer_id {
	GEODATA_LAND_LOW,      /**< world land, coarse (Natural Earth 50m), zooms 0-3 */
	GEODATA_COUNTRIES_LOW, /**< world countries, coarse, zooms 0-3 */
	GEODATA_LAND,          /**< land of the region, Natural Earth 10m, zoom 4 up */
	GEODATA_COUNTRIES,     /**< countries of the region, 10m, zoom 4 up */
	GEODATA_STATES,        /**< admin-1 states and provinces of the region */
	GEODATA_CITIES,        /**< populated places with population and capital flag */
	GEODATA_LAYER_ROLES    /**< rows named by an id; the table may have more */
} geodata_layer_id;

/** Most base layers the table may declare (a compile-time check holds it to this). */
#define GEODATA_LAYERS_MAX 16
/** How many base layers the table declares: every geodata has that many. Thread-safe. */
size_t geodata_layer_count(void);
/** The same, for loops over the layers. */
#define GEODATA_LAYER_COUNT ((int)geodata_layer_count())

typedef enum geodata_geom_type {
	GEODATA_GEOM_NONE,
	GEODATA_GEOM_POINT,
	GEODATA_GEOM_LINE,
	GEODATA_GEOM_POLYGON
} geodata_geom_type;

/**
 * A geometry as flat coordinate runs: `nparts` runs (polygon rings, line
 * strings or single points) of `part_len[i]` vertices each, coordinates
 * interleaved x,y. Polygon rings of one piece are meant to be filled with
 * the even-odd rule (holes are rings too).
 */
typedef struct geodata_geom {
	geodata_geom_type type;
	uint32_t nparts;
	uint32_t npoints;
	const uint32_t *part_len;
	const double *xy;
	geodata_bbox bbox;
} geodata_geom;

/** City capital status, from the SimpleMaps `capital` column. */
typedef enum geodata_capital {
	GEODATA_CAPITAL_NONE,
	GEODATA_CAPITAL_MINOR,
	GEODATA_CAPITAL_ADMIN,  /**< capital of a state or province */
	GEODATA_CAPITAL_PRIMARY /**< national capital */
} geodata_capital;

/** One feature's attributes, shared by all its pieces. */
typedef struct geodata_feature {
	const char *name;    /**< label text, UTF-8 (never NULL, may be "") */
	const char *name_es; /**< the same in Spanish where the source has it (never NULL, may be "") */
	const char *code;    /**< ISO 3166-2 for states, country id or ISO code otherwise */
	const char *country; /**< ISO 3166-1 alpha-3 of a state's country, alpha-2 of a city's */
	long population;     /**< cities; 0 if unknown */
	geodata_capital capital;
	int rank;            /**< label priority, lower is more important */
	double label_x, label_y; /**< label anchor in EPSG:3857 */
	double lon, lat;         /**< the same anchor in degrees */
	double area;             /**< area of the largest piece, square metres of EPSG:3857 */
} geodata_feature;

/**
 * A piece is one polygon with its holes (or one point) of a feature; big
 * multi-polygons are split into pieces so that the spatial index stays tight.
 */
typedef struct geodata_piece {
	uint32_t feature;                 /**< index into the layer's features */
	geodata_geom level[GEODATA_LEVELS]; /**< EPSG:3857, generalised for each zoom */
	geodata_geom lonlat;               /**< source geometry in degrees, full detail */
} geodata_piece;
/** The slot of geodata_piece_geom that is the piece's `lonlat`; zooms are slots 0 to 12. */
#define GEODATA_SLOT_LONLAT GEODATA_LEVELS

typedef struct geodata geodata;
typedef struct geodata_layer geodata_layer;

/** A value that changes with the zoom: the first step whose `upto` is at least the zoom. */
typedef struct geodata_zoom_step {
	int upto;
	double value;
} geodata_zoom_step;
#define GEODATA_ZOOM_STEPS 4
/** The value of `steps` at `zoom` (0 past the last step). */
double geodata_zoom_value(const geodata_zoom_step steps[GEODATA_ZOOM_STEPS], int zoom);

/**
 * How a layer is drawn: each of its fill, tint and stroke is a pass, and the
 * passes of all layers are drawn in increasing number (0: not drawn).
 * Colours are RGB in 0..1.
 */
typedef struct geodata_layer_style {
	int fill_pass;
	double fill[3];
	int emphasis_pass;  /**< only the countries a briefing's events are in */
	double emphasis[3];
	int stroke_pass;
	int stroke_min_zoom; /**< no stroke below this zoom */
	double stroke[3];
	geodata_zoom_step width[GEODATA_ZOOM_STEPS]; /**< stroke width, logical pixels */
	double dash_on, dash_off;                    /**< 0: a solid stroke */
} geodata_layer_style;

/** The look of a layer's labels (font and colour are the renderer's). */
typedef enum geodata_label_style {
	GEODATA_LABEL_NONE,    /**< not labelled */
	GEODATA_LABEL_COUNTRY, /**< an area, spaced capitals */
	GEODATA_LABEL_REGION,  /**< an area, italic */
	GEODATA_LABEL_PLACE,   /**< a dot and a name beside it, by population and capital rank */
	GEODATA_LABEL_WATER    /**< an area of water, italic blue */
} geodata_label_style;

/**
 * Labels of a layer: the feature's name in the reader's language. Area
 * labels are centred on the feature's anchor where the text fits; lower
 * priorities are placed first: `priority + rank_weight * rank -
 * area_weight * log10(area + 1)`.
 */
typedef struct geodata_label_rule {
	geodata_label_style style;
	int min_zoom;
	double priority, rank_weight, area_weight;
	geodata_zoom_step size[GEODATA_ZOOM_STEPS]; /**< font size, logical pixels */
} geodata_label_rule;

/** The source fields a layer keeps (NULL: not kept). */
typedef struct geodata_layer_fields {
	const char *name, *name_es, *code, *country, *population, *capital, *rank, *lat, *lon;
} geodata_layer_fields;

/** One row of the table of base layers: static, immutable. */
typedef struct geodata_layer_info {
	const char *name;        /**< its layer in base.gpkg, and NAME of `--layer NAME=SOURCE` */
	const char *attribution; /**< its source, as every output credits it */
	geodata_geom_type geom;  /**< GEODATA_GEOM_POLYGON or GEODATA_GEOM_POINT */
	geodata_layer_fields fields;
	const char *coarse;      /**< a coarser layer drawn in its place, or NULL */
	int coarse_below;        /**< ... below this zoom (and where a view reaches past its data) */
	geodata_layer_style style;
	geodata_label_rule label;
} geodata_layer_info;

/** Row `i` of the table, or NULL past geodata_layer_count(). Thread-safe. */
const geodata_layer_info *geodata_layer_info_get(size_t i);
/** The index of the layer named `name`, or -1. */
long geodata_layer_find(const char *name);
/**
 * A feature's name in the language `lang` ("es"): its own name there when
 * the source has one, else its default name. NULL `lang`: the default.
 */
const char *geodata_feature_name(const geodata_feature *f, const char *lang);

/** Where the base data comes from. Any field left NULL takes the default. */
typedef struct geodata_options {
	/** Folder with the prepared `base.gpkg`; default "var/data". */
	const char *data_dir;
	/**
	 * Replacement OGR source per layer (GeoPackage, Shapefile, GeoJSON,
	 * FlatGeobuf, "PG:..."), as "SOURCE" or "SOURCE|LAYERNAME". The source
	 * must be in a CRS with a known definition; it is reprojected.
	 */
	const char *layer_source[GEODATA_LAYERS_MAX];
	/**
	 * 1: of a snapshot, check the records at load and each block of coordinates when
	 * first read (geodata_piece_geom), for a command that draws one view; 0 (a server):
	 * check the whole file at load.
	 */
	int check_lazily;
} geodata_options;

/** Load timing and size of one layer, for `briefmap check`. */
typedef struct geodata_layer_stats {
	size_t features, pieces, vertices;
	geodata_bbox extent_lonlat;
	geodata_bbox extent_merc; /**< the same in EPSG:3857: where the layer has data at all */
	double load_ms;
} geodata_layer_stats;

/**
 * Opens every base layer through GDAL/OGR, reprojects it to EPSG:3857 with
 * PROJ, generalises it for each zoom level, builds its spatial index and
 * label anchors. Returns NULL on error, with `err` filled.
 */
geodata *geodata_load(const geodata_options *opts, geodata_error *err);
void geodata_destroy(geodata *gd);

const geodata_layer *geodata_layer_get(const geodata *gd, geodata_layer_id id);
/**
 * Whether bytes of the snapshot read since load (with `check_lazily`) failed
 * their checksum. A command checks it before it writes anything drawn: then
 * it loads again without `check_lazily`, which rebuilds the snapshot.
 */
int geodata_damaged(const geodata *gd);
/** Whether the layers were mapped from the prepared snapshot rather than read through OGR. */
int geodata_from_snapshot(const geodata *gd);
/**
 * When a snapshot beside the data was there but not used (damaged, truncated,
 * made from other data) and the layers were read again and the snapshot
 * rewritten: one line saying which file and why. "" otherwise.
 */
const char *geodata_snapshot_note(const geodata *gd);
/**
 * Bytes of the mapped snapshot that this process holds resident (read from
 * /proc/self/smaps: about a millisecond, not for a hot path). 0 when the data
 * is not mapped from a snapshot or the figure cannot be read.
 */
size_t geodata_mapping_resident(const geodata *gd);
/**
 * Gives back this process's pages of the mapped snapshot. Readers on any
 * thread keep working: the mapping stays, and a page read again comes back
 * from the page cache. 0 on success or when nothing is mapped, -1 if the
 * kernel refused.
 */
int geodata_mapping_release(const geodata *gd);
const char *geodata_layer_name(geodata_layer_id id);
/** Attribution text of the layer's source, e.g. "Natural Earth". */
const char *geodata_layer_attribution(const geodata_layer *layer);
size_t geodata_layer_feature_count(const geodata_layer *layer);
const geodata_feature *geodata_layer_feature(const geodata_layer *layer, size_t i);
size_t geodata_layer_piece_count(const geodata_layer *layer);
const geodata_piece *geodata_layer_piece(const geodata_layer *layer, size_t i);
/**
 * A piece's geometry of one slot (a zoom, or GEODATA_SLOT_LONLAT), to be read
 * only through this: the coordinates of a snapshot loaded with
 * `check_lazily` are checked against their checksums here, on first read.
 * Returns NULL for a bad slot or when they fail the check (the snapshot is
 * damaged: load again without `check_lazily`, which rebuilds it). Thread-safe.
 */
const geodata_geom *geodata_piece_geom(const geodata_layer *layer, const geodata_piece *p,
                                       int slot);
void geodata_layer_stats_get(const geodata_layer *layer, geodata_layer_stats *out);
/** Finds a state by ISO 3166-2 code ("MX-SIN"); returns its feature index or -1. */
long geodata_state_find(const geodata *gd, const char *iso_3166_2);
/**
 * Finds a country of the countries layer by ISO 3166-1 alpha-2 code ("MX");
 * returns its feature index or -1.
 */
long geodata_country_find(const geodata *gd, const char *alpha2);
/** All pieces of feature `feature` of `layer`: writes their indices, returns the count. */
size_t geodata_layer_feature_pieces(const geodata_layer *layer, size_t feature, size_t *out,
				    size_t cap);

/** Called for each piece whose bbox meets the query box; return non-zero to stop. */
typedef int (*geodata_piece_fn)(const geodata_piece *piece, const geodata_feature *feature,
				void *ud);
/**
 * Visits the pieces of `layer` whose EPSG:3857 bbox intersects `bbox`, in
 * source order (so that drawing order is stable across tiles). Returns the
 * callback's non-zero value if it stopped the walk, else 0.
 */
int geodata_layer_query(const geodata_layer *layer, const geodata_bbox *bbox, geodata_piece_fn fn,
			void *ud);

/**
 * Even-odd test of a point against every ring of a polygon geometry (holes
 * are rings too), in the geometry's own coordinates.
 */
int geodata_geom_contains(const geodata_geom *g, double x, double y);

/* ---- projection helpers ----------------------------------------------- */

/**
 * A PROJ transformation between two CRSs with its own context: create one
 * per thread. `from`/`to` are anything PROJ understands ("EPSG:4326",
 * "EPSG:6372", a PROJ string). Axis order is always x=longitude/easting,
 * y=latitude/northing.
 */
typedef struct geodata_proj geodata_proj;
geodata_proj *geodata_proj_create(const char *from, const char *to, geodata_error *err);
void geodata_proj_destroy(geodata_proj *p);
/** Transforms `n` interleaved x,y pairs in place; returns 0 or GEODATA_EPROJ. */
int geodata_proj_trans(geodata_proj *p, double *xy, size_t n, int inverse);
/** Whether the target CRS is geographic (degrees). */
int geodata_proj_target_is_geographic(const geodata_proj *p);

/**
 * Geodesic distance (metres) and initial azimuth (degrees) on WGS 84 between
 * two points in degrees, through PROJ's geodesic routines.
 */
double geodata_geodesic_inverse(double lon1, double lat1, double lon2, double lat2,
				double *azimuth1);
/** Fills `n` points (lon,lat pairs) along the geodesic between two points, ends included. */
void geodata_geodesic_line(double lon1, double lat1, double lon2, double lat2, double *xy,
			   size_t n);

/** Spherical Web Mercator through PROJ for a single point (degrees in, metres out). */
int geodata_lonlat_to_merc(geodata_proj *p, double lon, double lat, double *x, double *y);

/* ---- parsed CRS --------------------------------------------------------- */

/**
 * A CRS a map is drawn in, parsed once with the transformations a map needs:
 * degrees (EPSG:4326) to the CRS and back, and degrees to Web Mercator
 * (EPSG:3857), where the base data lives.
 *
 * `def` is anything PROJ understands ("EPSG:6372", WKT, a PROJ string); a
 * bare PROJ string ("+proj=lcc ...") is taken as the CRS it describes, not as
 * an operation. NULL, "" and "EPSG:3857" (any case) name Web Mercator.
 *
 * Ownership: the caller destroys it with geodata_crs_destroy; the
 * transformations it hands out are borrowed and die with it.
 *
 * Thread safety: PROJ objects belong to the context they were made in, and a
 * context to one thread at a time. A geodata_crs has its own contexts, so
 * different threads may each use their own geodata_crs at once, but one
 * geodata_crs and its transformations must be used by one thread at a time.
 * Create one per thread (or per drawing) and reuse it for everything that
 * drawing projects.
 *
 * Errors: NULL with a message in `err` naming the CRS as written, with
 * PROJ's reason when it gives one.
 */
typedef struct geodata_crs geodata_crs;
geodata_crs *geodata_crs_create(const char *def, geodata_error *err);
void geodata_crs_destroy(geodata_crs *c);
/** Whether `def` names Web Mercator, by the rule geodata_crs_create uses; parses nothing. */
int geodata_crs_def_is_web_mercator(const char *def);
/** Whether the CRS is Web Mercator (then geodata_crs_from_lonlat is NULL). */
int geodata_crs_is_web_mercator(const geodata_crs *c);
/** The definition as the caller wrote it ("" for Web Mercator given as NULL). */
const char *geodata_crs_definition(const geodata_crs *c);
/**
 * Degrees to the CRS (forward) and back (inverse) for geodata_proj_trans;
 * NULL for Web Mercator, whose maths callers do themselves. Borrowed.
 */
geodata_proj *geodata_crs_from_lonlat(geodata_crs *c);
/** Degrees to Web Mercator metres (inverse: back), for any CRS. Borrowed. */
geodata_proj *geodata_crs_to_merc(geodata_crs *c);

/* ---- generalisation and index (exposed for tests) --------------------- */

/**
 * Douglas-Peucker simplification of one run of `n` points with tolerance
 * `tol`; writes the kept points to `out` (capacity `n`), returns their count.
 * Closed rings keep their closing point. Never returns fewer than 2 points
 * for a line or 4 for a closed ring unless the input had fewer.
 */
size_t geodata_simplify(const double *xy, size_t n, double tol, int closed, double *out);

/** Width of one pixel in EPSG:3857 metres at a zoom level, for 256 px tiles. */
double geodata_zoom_resolution(int zoom);

/* ---- named views ------------------------------------------------------ */

typedef struct geodata_view {
	const char *name;  /**< slug used on the command line and in URLs */
	const char *title; /**< human title, used as the sheet title */
	const char *description;
	geodata_bbox bbox; /**< west, south, east, north in degrees */
} geodata_view;

typedef struct geodata_views geodata_views;
/** Loads named views from a JSON file (`briefings/us-mexico-cartels/views.json`). */
geodata_views *geodata_views_load(const char *path, geodata_error *err);
void geodata_views_destroy(geodata_views *v);
size_t geodata_views_count(const geodata_views *v);
const geodata_view *geodata_views_get(const geodata_views *v, size_t i);
const geodata_view *geodata_views_find(const geodata_views *v, const char *name);

/**
 * Parses "W,S,E,N" in degrees. Rejects NaN, infinities, longitudes outside
 * -180..180, latitudes outside -85.06..85.06 (Web Mercator's limit), west >=
 * east or south >= north. Returns 0 or GEODATA_EINVAL with `err` filled.
 */
int geodata_bbox_parse(const char *text, geodata_bbox *out, geodata_error *err);

/* ---- article events --------------------------------------------------- */

typedef enum geodata_event_status {
	GEODATA_STATUS_CONFIRMED,
	GEODATA_STATUS_REPORTED,
	GEODATA_STATUS_CLAIMED,
	GEODATA_STATUS_THREATENED,
	GEODATA_STATUS_HYPOTHETICAL,
	GEODATA_STATUS_DISPUTED,
	GEODATA_STATUS_COUNT
} geodata_event_status;

/** How a status is drawn, so that it reads without colour. */
typedef enum geodata_line {
	GEODATA_LINE_SOLID,
	GEODATA_LINE_DASHED,
	GEODATA_LINE_DOTTED,
	GEODATA_LINE_DASHDOT
} geodata_line;
typedef enum geodata_fill { GEODATA_FILL_SOLID, GEODATA_FILL_HOLLOW, GEODATA_FILL_HALF } geodata_fill;
typedef enum geodata_shape { GEODATA_SHAPE_DISC, GEODATA_SHAPE_DIAMOND } geodata_shape;
typedef struct geodata_treatment {
	geodata_line line;   /**< edges of areas and of hollow markers */
	geodata_fill fill;   /**< the marker: solid disc, hollow, half filled */
	int inner_ring;      /**< a white ring inside a solid marker */
	int hatch;           /**< hatched marker and area */
	geodata_shape shape; /**< the marker's outline */
	int badge;           /**< a '?' badge beside the marker */
} geodata_treatment;

/**
 * A status's words in one language, from the one table of each language in
 * geodata/statuses.c. Static strings, never NULL when got from
 * geodata_status_words_get.
 */
typedef struct geodata_status_words {
	const char *label;       /**< short: "Claimed"; labels of non-confirmed events end with it */
	const char *words;       /**< plainly: "Claimed — not independently confirmed" */
	const char *legend;      /**< a legend's row: "Claimed, not verified" */
	const char *legend_note; /**< what the symbol drawn looks like, in words */
	const char *count_one;   /**< after a count of one: "1 claimed", "1 amenazado" */
	const char *count_other; /**< after any other count: "3 claimed", "3 amenazados" */
} geodata_status_words;

/**
 * One status, declared once (geodata/statuses.c) and read by the validator,
 * the map, labels, legends and /api/style. Static strings.
 */
typedef struct geodata_status_info {
	const char *name;       /**< in the data: "claimed" */
	const char *color;      /**< the badge colour of the web page */
	int label_rank;         /**< labels placed first: 0 first */
	geodata_treatment treatment;
} geodata_status_info;
/** The row of a status (an out-of-range value: an "unknown" row drawn as a claim). Never NULL. */
const geodata_status_info *geodata_status_get(geodata_event_status s);
/**
 * The words of a status in the language `lang` ("en", "es"; NULL or any other:
 * English), each word English where that language's table leaves it out; an
 * out-of-range status gets the "unknown" words. Thread-safe.
 */
geodata_status_words geodata_status_words_get(geodata_event_status s, const char *lang);
/** Whether the status words have a table of their own for `lang` ("en", "es"). */
int geodata_status_lang_known(const char *lang);
const char *geodata_line_name(geodata_line l);
const char *geodata_fill_name(geodata_fill f);
const char *geodata_shape_name(geodata_shape s);

/**
 * An event kind of a briefing: the built-in kinds (geodata/kinds.json,
 * compiled in) or those its briefing.json declares, which replace them.
 * `glyph` names one of the built-in glyph set of tiles/. Optional drawing
 * rules: `zone` (an area with a known edge is drawn as a designated zone),
 * `measure` (distance lines go from each `from` event to each `to` event),
 * `count_noun` (a count reads "35+ boats"). Strings live as long as their table.
 */
typedef enum geodata_measure { GEODATA_MEASURE_NONE, GEODATA_MEASURE_FROM, GEODATA_MEASURE_TO } geodata_measure;
typedef struct geodata_kind {
	const char *id, *label, *glyph, *color; /**< color "#rrggbb" */
	const char *label_es;                   /**< its label in Spanish, or NULL */
	double rgb[3];
	const char *count_noun; /**< NULL when counts have no noun */
	int zone;
	geodata_measure measure;
} geodata_kind;
/** Most kinds one briefing may declare. */
#define GEODATA_KINDS_MAX 32
/** A table of kinds; immutable once loaded, safe to read from any thread. */
typedef struct geodata_kinds {
	geodata_kind kind[GEODATA_KINDS_MAX];
	size_t count;
	uint64_t hash; /**< of the table's content, for ETags */
} geodata_kinds;
/** The built-in kinds, parsed once from the compiled-in kinds.json; never NULL. */
const geodata_kinds *geodata_kinds_builtin(void);
/** A kind's index by id, or -1. */
long geodata_kinds_find(const geodata_kinds *k, const char *id);
/** A kind's label in the language `lang` ("es"); its English `label` when it gives none. */
const char *geodata_kind_label(const geodata_kind *k, const char *lang);

/**
 * How precisely the geometry places the event, with its drawing rule:
 * `exact` a point where it happened, `near` within about 25 km (both a
 * symbol at the point; where the map chose the place, `place` says so);
 * `admin1` a state or province, `country` a country, `water` a body of
 * water, `region` a wider area: these four are areas of uncertainty,
 * stippled or hatched with a soft edge, never a heavy fill, and when given
 * only as a point drawn with a soft blur around the symbol, never as a bare
 * pin. "approximate", the older word for `near`, is still read.
 */
typedef enum geodata_precision {
	GEODATA_PRECISION_EXACT,
	GEODATA_PRECISION_APPROXIMATE,
	GEODATA_PRECISION_REGION,
	GEODATA_PRECISION_ADMIN1,
	GEODATA_PRECISION_COUNTRY,
	GEODATA_PRECISION_WATER,
	GEODATA_PRECISION_COUNT
} geodata_precision;
#define GEODATA_PRECISION_NEAR GEODATA_PRECISION_APPROXIMATE
/** The design's word for a precision ("exact", "near", "admin1", ...). */
const char *geodata_precision_name(geodata_precision p);
/** Whether events of this precision are areas of uncertainty rather than places. */
int geodata_precision_is_area(geodata_precision p);

/** What the briefing's author established beyond the article. */
typedef enum geodata_verification {
	GEODATA_VERIFICATION_NONE, /**< not stated */
	GEODATA_VERIFICATION_UNCORROBORATED,
	GEODATA_VERIFICATION_CORROBORATED,
	GEODATA_VERIFICATION_CONTRADICTED,
	GEODATA_VERIFICATION_COUNT
} geodata_verification;
const char *geodata_verification_name(geodata_verification v);

/**
 * One quoted source of an event: `quote` verbatim from the briefing's
 * article.txt, found there at load (`offset` is its first byte in the file,
 * `length` its bytes; offset -1 when no article was given to check against),
 * `claimant` who makes the statement ("the article" when it is the article's
 * own voice).
 */
typedef struct geodata_source {
	const char *quote, *claimant;
	long offset;
	size_t length;
} geodata_source;

/** The name of a status in the data ("claimed"). */
const char *geodata_event_status_name(geodata_event_status s);

/** Days since 1970-01-01 for an ISO date; INT32_MAX stands for an open end. */
typedef int32_t geodata_day;
#define GEODATA_DAY_OPEN INT32_MAX
/**
 * Parses "YYYY-MM-DD" (also "YYYY-MM" and "YYYY", taken as their first day)
 * into days since the epoch. Returns 0 or GEODATA_EINVAL.
 */
int geodata_date_parse(const char *text, geodata_day *out);
/** Parses a date or an interval "START/END" ("START/.." is open-ended). */
int geodata_interval_parse(const char *text, geodata_day *start, geodata_day *end);

typedef struct geodata_event {
	const char *id, *title, *summary, *date, *date_precision, *source, *area;
	uint32_t kind; /**< index into its events' kind table (geodata_events_kinds) */
	geodata_event_status status;
	geodata_precision geo_precision;
	const char *const *actors;
	size_t nactors;
	long count; /**< -1 when absent */
	geodata_day start, end; /**< from `date`; end is GEODATA_DAY_OPEN if open */
	/** Geometry in degrees (for `area` events: the state's polygon pieces). */
	size_t ngeoms;
	const geodata_geom *lonlat;
	/** The same in EPSG:3857, full detail. */
	const geodata_geom *merc;
	/** The same generalised for each zoom level (`ngeoms` each): what tiles draw. */
	const geodata_geom *level[GEODATA_LEVELS];
	geodata_bbox merc_bbox;
	double anchor_lon, anchor_lat; /**< where its symbol and label go */
	double anchor_x, anchor_y;     /**< the same in EPSG:3857 */
	/**
	 * Events whose anchors coincide (within 1 km, e.g. several statements
	 * placed at one capital) form a stack: `stack_count` is its size (1 for
	 * an event alone) and `stack_index` this event's place in it, in file
	 * order. Symbols of a stack are fanned out around the shared anchor.
	 */
	uint32_t stack_index, stack_count;
	/* The evidence model (see geodata_source). `source` above is the first quote. */
	const geodata_source *sources;
	size_t nsources;
	geodata_verification verification;
	const char *verification_note; /**< NULL when absent */
	/**
	 * `date` is NULL when the article gives no date: such an event is never
	 * placed at a date (start = end = GEODATA_DAY_OPEN, and a date filter
	 * leaves it out). `date_text` is the article's own words ("last week"),
	 * `sequence` the event's order in the article's narrative (-1 if absent).
	 */
	const char *date_text;
	long sequence;
	const char *place; /**< the place as the article names it, or NULL */
} geodata_event;

typedef struct geodata_events geodata_events;

/**
 * Limits of an events file, checked before its geometry is parsed: beyond
 * them a file is refused with a problem naming the file, the feature and the
 * field, rather than making every tile slow or memory run out.
 */
#define GEODATA_EVENTS_MAX_BYTES (64u << 20)
#define GEODATA_EVENTS_MAX_FEATURES 50000u
#define GEODATA_EVENTS_MAX_FEATURE_POSITIONS 100000u /**< in one feature's geometry */
#define GEODATA_EVENTS_MAX_POSITIONS 2000000u        /**< in the whole file */

/** Problems found in an events file, one line each ("feature 3 (id 'x'): field 'kind': ..."). */
typedef struct geodata_problems {
	char **lines;
	size_t count, cap;
} geodata_problems;
void geodata_problems_finish(geodata_problems *p);

/**
 * Reads and validates an events file through OGR. On any problem returns
 * NULL and lists every problem found in `problems` (if given); nothing is
 * half-loaded. `gd` resolves `area` codes to state polygons. The result has
 * a reference count of 1.
 */
geodata_events *geodata_events_load(const geodata *gd, const char *path,
				    geodata_problems *problems);
/** The same from bytes in memory (used by the fuzzer and tests). */
geodata_events *geodata_events_load_buffer(const geodata *gd, const void *data, size_t len,
					   geodata_problems *problems);
geodata_events *geodata_events_ref(geodata_events *ev);
void geodata_events_unref(geodata_events *ev);
size_t geodata_events_count(const geodata_events *ev);
const geodata_event *geodata_events_get(const geodata_events *ev, size_t i);
const geodata_event *geodata_events_find(const geodata_events *ev, const char *id);
/**
 * The base-layer feature an event's `area` code was resolved to when `ev`
 * was loaded (no lookup: constant time), with its layer in `*layer`
 * (GEODATA_STATES or GEODATA_COUNTRIES; may be NULL). The index is valid in
 * the `geodata` the events were loaded against. Returns -1 when `e` has no
 * area or is not an event of `ev`. Thread-safe (the model is read-only).
 */
long geodata_events_area(const geodata_events *ev, const geodata_event *e,
                         geodata_layer_id *layer);
/** A hash of the file's content, for ETags: changes whenever the events do. */
uint64_t geodata_events_hash(const geodata_events *ev);
/**
 * The whole set as an RFC 7946 FeatureCollection. The first call of this or
 * of `geodata_event_geojson` writes the GeoJSON of every event (a one-off
 * command that never sends it never pays for it); later calls only read it.
 * Thread-safe: concurrent first calls wait for one writer, under a lock
 * inside `ev`. The string lives as long as `ev`. NULL when `ev` is NULL or
 * memory is exhausted while writing it (nothing is kept: a later call tries
 * again); a server wanting no such failure on a request calls it once after
 * loading.
 */
const char *geodata_events_geojson(const geodata_events *ev);
/**
 * Event `i` as an RFC 7946 Feature, written as `geodata_events_geojson`
 * says (the first call writes every event's). NULL when `i` is out of range
 * or memory is exhausted.
 */
const char *geodata_event_geojson(const geodata_events *ev, size_t i);
/**
 * Whether an event is shown under a date filter: with no filter
 * (GEODATA_DAY_OPEN) every event; with one, only dated events begun by
 * `until` (an undated event is never placed at a date, so a filter leaves
 * it out; see geodata_event_left_out).
 */
int geodata_event_visible(const geodata_event *e, geodata_day until);
/** Whether a date filter leaves this event out only because it has no date. */
int geodata_event_left_out(const geodata_event *e, geodata_day until);

/**
 * The one date formatting rule, shared by sheets and the web page (which
 * reads the same cases from tests/events/date_format_cases.json):
 * - no date: "Undated" and, when given, the article's words:
 *   "Undated (“last week”)";
 * - "YYYY" reads "2022", "YYYY-MM" "March 2024", "YYYY-MM-DD"
 *   "15 June 2024";
 * - "START/END" reads "START to END", "START/.." "since START";
 * - at week precision a day reads "week of 15 June 2024".
 * Writes at most `n` bytes (NUL included); returns 0 or GEODATA_EINVAL.
 */
int geodata_date_format(const char *date, const char *date_precision, const char *date_text,
			char *buf, size_t n);
/**
 * The same rule in the language `lang` ("en", "es"; anything else: English): in Spanish
 * "Sin fecha (“last week”)", "marzo de 2024", "15 de junio de 2024", "desde el 1 de
 * septiembre de 2025", "del 15 de junio de 2024 al 16 de junio de 2024", "semana del
 * 10 de junio de 2024". The article's own words are quoted as written.
 */
int geodata_date_format_lang(const char *date, const char *date_precision,
			     const char *date_text, const char *lang, char *buf, size_t n);
/** Whether the date rule (and so every output) speaks `lang`. Thread-safe. */
int geodata_date_lang_known(const char *lang);

/* ---- briefing metadata -------------------------------------------------- */

/** Kinds of caveat a briefing lists about its article. */
typedef enum geodata_caveat_kind {
	GEODATA_CAVEAT_CONTRADICTION,
	GEODATA_CAVEAT_INACCURACY,
	GEODATA_CAVEAT_UNDATED,
	GEODATA_CAVEAT_OTHER,
	GEODATA_CAVEAT_COUNT
} geodata_caveat_kind;
const char *geodata_caveat_kind_name(geodata_caveat_kind k);

typedef struct geodata_caveat {
	geodata_caveat_kind kind;
	const char *text;
} geodata_caveat;

/**
 * A briefing's `briefing.json`: title, article and caveats. Strings borrow
 * from the object; `published` is NULL when the article gives no date (it
 * then bounds nothing).
 */
typedef struct geodata_briefing {
	const char *title, *subtitle, *language, *default_view;
	const char *headline, *outlet, *byline, *url, *published, *retrieved;
	const geodata_caveat *caveats;
	size_t ncaveats;
	const geodata_kinds *kinds; /**< the kinds it declares, or NULL for the built-in ones */
	const char *json; /**< the metadata as served at /api/briefing, serialised once */
} geodata_briefing;

/**
 * Reads and validates a briefing.json. Problems go to `problems` as
 * "file \"PATH\": field \"caveats\": ..." lines; returns NULL on any.
 */
geodata_briefing *geodata_briefing_load(const char *path, geodata_problems *problems);
void geodata_briefing_destroy(geodata_briefing *b);
/**
 * The briefing loaded with the events (briefing.json beside the events
 * file), or NULL when there is none. Lives as long as `ev`.
 */
const geodata_briefing *geodata_events_briefing(const geodata_events *ev);
/** The kinds of the events' briefing (its own, or the built-in ones); never NULL. */
const geodata_kinds *geodata_events_kinds(const geodata_events *ev);
/** The kind of an event of `ev` (NULL `ev`: built-in); never NULL. */
const geodata_kind *geodata_events_kind(const geodata_events *ev, const geodata_event *e);
/** Whether the events' quotes were checked against an article.txt beside the file. */
int geodata_events_quotes_checked(const geodata_events *ev);
/**
 * The article.txt the quotes were checked against (the bytes their offsets
 * count, NUL-terminated; its length in `*len` when `len` is not NULL), owned
 * by `ev`; NULL when there was none.
 */
const char *geodata_events_article(const geodata_events *ev, size_t *len);

/* ---- a folder of briefings --------------------------------------------- */

/** Longest briefing slug; a slug is `[a-z0-9-]{1,64}`, the name of its folder. */
#define GEODATA_SLUG_MAX 64
/** Whether `slug` names a briefing folder: 1 to 64 of a-z, 0-9 and '-'. */
int geodata_slug_valid(const char *slug);

/** The files of a briefing folder, as the design gives them. */
#define GEODATA_BRIEFING_META "briefing.json"
#define GEODATA_BRIEFING_ARTICLE "article.txt"
#define GEODATA_BRIEFING_EVENTS "events.geojson"
#define GEODATA_BRIEFING_VIEWS "views.json"

/**
 * Writes "DIR/SLUG/FILE" to `out`. Returns 0, or GEODATA_EINVAL for a bad
 * slug or a path longer than `cap`.
 */
int geodata_briefing_path(const char *dir, const char *slug, const char *file, char *out,
			  size_t cap);

/** The slugs of a folder of briefings, sorted; the caller's storage. */
typedef struct geodata_briefing_list {
	char **slugs;
	size_t count;
} geodata_briefing_list;
/**
 * Lists the sub-folders of `dir` whose name is a valid slug and which hold an
 * events.geojson, sorted by name (other entries are ignored: a briefing being
 * written has no events file yet). Returns 0 or a negative code with `err`
 * filled; an empty folder is an empty list, not an error.
 */
int geodata_briefings_list(const char *dir, geodata_briefing_list *out, geodata_error *err);
void geodata_briefing_list_finish(geodata_briefing_list *l);

#endif
