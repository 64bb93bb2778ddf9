/* sheet.h: what the files of a briefing sheet share; private to tiles/. */
#ifndef BRIEFMAP_TILES_SHEET_H
#define BRIEFMAP_TILES_SHEET_H

#include "private.h"

/*
 * A sheet is composed in sheet.c, which calls its parts; the parts never call
 * back into it nor into each other in a circle:
 *   sheet.c -> sheet_map.c -> sheet_furniture.c -> sheet_frame.c, sheet_textkit.c
 *   sheet.c -> sheet_layout.c, sheet_legend.c -> sheet_textkit.c
 *   sheet.c -> sheet_shown.c, sheet_prose.c -> sheet_frame.c
 *   sheet.c -> sheet_output.c
 */

/* Web Mercator's latitude limit, degrees. */
#define SHEET_MERC_MAX_LAT 85.05112878
#define SHEET_SOURCES_MAX 768
#define SHEET_DESCRIPTION_MAX 6144

/* The sheet's palette: near-black ink, warm greys, one accent for the locator. */
static const double SHEET_INK[3] = {0.11, 0.10, 0.09};
static const double SHEET_MUTED[3] = {0.40, 0.37, 0.34};
static const double SHEET_RULE[3] = {0.80, 0.77, 0.73};
static const double SHEET_FRAME[3] = {0.52, 0.49, 0.45};
static const double SHEET_ACCENT[3] = {0.74, 0.13, 0.10};
static const double SHEET_GRATICULE[3] = {0.24, 0.36, 0.46};
/* The base map's line colours (render.c), repeated for the legend's swatches. */
static const double SHEET_BORDER_RGB[3] = {0.60, 0.55, 0.50};
static const double SHEET_STATE_RGB[3] = {0.72, 0.67, 0.61};

/* ---- sheet_frame.c: the map's frame in any CRS, pixels to degrees ------------------------ */

void sheet_merc_to_lonlat(double x, double y, double *lon, double *lat);
/* The Web Mercator extent of a box in degrees, widened to the image's aspect (square pixels). */
int sheet_merc_extent(geodata_proj *to_merc, const geodata_bbox *ll, int w, int h,
                      geodata_bbox *out, tile_error *err);
/* The boundary of a box as 4*n points, counter-clockwise from the south-west corner. */
void sheet_box_ring(const geodata_bbox *b, double *xy, int n);
/* The box of the finite points among n; returns how many were finite. */
size_t sheet_bbox_of(const double *xy, size_t n, geodata_bbox *out);
/* A logical pixel of the map to degrees; -1 where the CRS has no inverse there. */
int sheet_px_to_lonlat(const render_ctx *ctx, double px, double py, double *lon, double *lat);
/* The box in degrees of what the map frame shows; -1 when too little of it maps back. */
int sheet_frame_lonlat(const render_ctx *ctx, geodata_bbox *out);
/* Whether north is up all over the map (meridians vertical), where an arrow would say nothing. */
int sheet_north_is_up(render_ctx *ctx);

/* ---- sheet_textkit.c: one pango layout for all the sheet's words ------------------------- */

typedef struct sheet_textkit {
	cairo_t *cr;
	PangoLayout *lay;
	PangoFontDescription *fd;
} sheet_textkit;
enum {
	SHEET_TXT_REGULAR = 0,
	SHEET_TXT_BOLD = 1,
	SHEET_TXT_SEMIBOLD = 2,
	SHEET_TXT_ITALIC = 4,
	SHEET_TXT_CAPS = 8
};
int sheet_textkit_init(sheet_textkit *t, cairo_t *cr);
void sheet_textkit_finish(sheet_textkit *t);
/* Sets the layout's text; `width` > 0 wraps at that width, `lines` > 0 ellipsizes after so many. */
void sheet_text_set(sheet_textkit *t, const char *text, double size, int style, double width,
                    int lines);
void sheet_text_extent(sheet_textkit *t, double *w, double *h);
void sheet_text_show(sheet_textkit *t, double x, double y, const double rgb[3]);
/* Text over the map keeps a white halo, as the map's own labels do. */
void sheet_text_show_halo(sheet_textkit *t, double x, double y, const double rgb[3], double halo);

/* ---- sheet_map.c: the map itself -------------------------------------------------------- */

typedef struct sheet_map {
	render_ctx ctx;
	label_set placed; /* a placement for this view, when the zoom's global one does not fit */
	label_set local;  /* the labels drawn: those the frame holds whole, in view pixels */
	const label_set *ls;
	double gx, gy;
	int merc; /* Web Mercator: the tiles' own drawing */
	int ready;
} sheet_map;
/*
 * Sets the map up for w x h logical pixels in `crs` (which it borrows: keep it until
 * sheet_map_finish); `labels` also places its labels. Call sheet_map_finish even on failure.
 */
int sheet_map_setup(sheet_map *mv, const tile_scene *s, const tile_sheet_request *req,
                    geodata_crs *crs, int w, int h, int labels, tile_error *err);
void sheet_map_finish(sheet_map *mv);
/* Draws the map into cr over (0,0)-(width,height) of the current user space (two bands when it
 * pays). */
int sheet_map_draw(sheet_map *mv, cairo_t *cr);

/* ---- sheet_furniture.c: graticule, scale bar, north arrow, locator ---------------------- */

/* Meridians and parallels: pass 0 strokes the lines, pass 1 writes their values at the edges. */
int sheet_graticule_draw(render_ctx *ctx, sheet_textkit *tk, int pass);
/* Two bars, kilometres above miles, true at the centre of the map; bottom left of the frame. */
int sheet_scale_bar_draw(sheet_map *mv, sheet_textkit *tk, double fx, double fy, double fw,
                         double fh, double mag, double k);
/* A north arrow at the top right of the frame, turned to the meridian through the centre. */
void sheet_north_arrow_draw(sheet_map *mv, sheet_textkit *tk, double fx, double fy, double fw,
                            double k);
/* The locator at (x, y), w x h: the briefing's region with the outline of the view. */
int sheet_locator_draw(sheet_map *mv, cairo_t *cr, geodata_crs *crs, double x, double y, int w,
                       int h, int scale, tile_error *err);

/* ---- sheet_shown.c: what the map shows, for the legend, the dateline and the caller ------ */

typedef struct sheet_shown {
	int kind_status[GEODATA_KINDS_MAX]; /* -1: kind not shown; else the status drawn */
	const geodata_kinds *kinds;         /* the briefing's kinds */
	int status[GEODATA_STATUS_COUNT];
	size_t nevents;
	geodata_day latest;
	const geodata_event *latest_event; /* its date as the article gives it */
	int capital, city, states;
	int distance;        /* a staging base's distance line crosses the map */
	size_t left_out;     /* undated events on the map that a date filter leaves out */
	const tile_words *w; /* the sheet's language */
	const char *lang;
} sheet_shown;
void sheet_shown_lang(sheet_shown *sh, const tile_sheet_request *req);
void sheet_shown_collect(sheet_map *mv, sheet_shown *sh);
/* What the sheet showed, for the caller (tile_sheet_info). */
void sheet_info(sheet_map *mv, const sheet_shown *sh, int caveats, tile_sheet_info *info);

/* ---- sheet_prose.c: the sheet's words: dateline, provenance, caveats, text alternative ---- */

typedef struct sheet_text {
	const char *title;
	char dateline[160];
	char sources[SHEET_SOURCES_MAX];
	char made[400];
	char crs[160];
	char iso_time[32];
	char description[SHEET_DESCRIPTION_MAX];
	char caveats[4096]; /* as drawn: the full text, or the short line on small sheets */
	char caveats_full[4096];
} sheet_text;
/* The sheet's words; `mv` (when set up) tells what area the map shows, for the provenance. */
void sheet_text_init(sheet_text *st, const tile_scene *s, const tile_sheet_request *req,
                     const sheet_shown *sh, const sheet_map *mv);

/* ---- sheet_legend.c: the key to the map ------------------------------------------------- */

typedef enum sheet_row_type {
	SHEET_ROW_HEAD,
	SHEET_ROW_NOTE,
	SHEET_ROW_KIND,
	SHEET_ROW_DISTANCE,
	SHEET_ROW_STATUS,
	SHEET_ROW_BORDER,
	SHEET_ROW_STATES,
	SHEET_ROW_CAPITAL,
	SHEET_ROW_CITY
} sheet_row_type;

typedef struct sheet_legend_row {
	sheet_row_type type;
	int which; /* kind for SHEET_ROW_KIND (its status in `status`), status for SHEET_ROW_STATUS
	            */
	int status;
	int section;
	const char *text;
	const geodata_kind *kind; /* SHEET_ROW_KIND */
} sheet_legend_row;

#define SHEET_LEGEND_ROWS 40
/* The legend's rows for what the map shows (at most SHEET_LEGEND_ROWS); returns how many. */
size_t sheet_legend_rows(const sheet_shown *sh, sheet_legend_row *rows);
/* Lays the legend out in `columns` columns from (x, y), drawing it when `draw`; returns its height.
 */
double sheet_legend_run(sheet_textkit *tk, const sheet_legend_row *rows, size_t n, double x,
                        double y, double width, int columns, double fs, int draw);

/* ---- sheet_layout.c: where everything goes ---------------------------------------------- */

typedef struct sheet_layout {
	double W, H;
	double k;   /* text and margins relative to a 1600x1000 sheet */
	double mag; /* map content magnification */
	double pad, gap;
	int portrait, compact;
	double hx, hy, hw;     /* header */
	double title_h, sub_y; /* title height, dateline top */
	double cav_y, cav_h;   /* the caveats, under the dateline */
	double map_x, map_y, map_w, map_h;
	double pan_x, pan_y, pan_w, pan_h; /* legend and locator */
	double inset_w, inset_h;
	double foot_y, foot_h, made_x, made_y, made_w, src_w;
	double fs_title, fs_sub, fs_body, fs_small;
} sheet_layout;
/* Measures the header and footer; the rest is the body, split between map and panel. */
void sheet_layout_compute(sheet_layout *L, sheet_textkit *tk, const sheet_text *st, int W, int H);

/* ---- sheet_output.c: the output formats' writers ---------------------------------------- */

/* The metadata every format carries. */
typedef struct sheet_meta {
	const char *title, *description, *sources, *iso_time;
} sheet_meta;

/* Where a vector surface streams its bytes. */
typedef struct sheet_sink {
	tile_buffer buf;
	int failed;
} sheet_sink;

/* How one output format is written: read through tile_sheet_format_get(f)->writer. */
struct sheet_writer {
	/* A surface of w x h logical pixels (dev device pixels each) streaming into `sk`. */
	cairo_surface_t *(*surface_create)(sheet_sink *sk, int w, int h, int dev);
	/* Finishes the drawn surface and appends the file to `out`; 0 or TILE_E*. */
	int (*write)(cairo_surface_t *surf, sheet_sink *sk, const sheet_meta *m, tile_buffer *out,
	             tile_error *err);
};

#endif
