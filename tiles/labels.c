/* labels.c: greedy collision-free label placement, once per zoom for the whole map, and label
 * drawing. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

#define HALO 2.5
/* Device pixels a halo's stroke may depart from the exact outline (see draw_text). */
#define HALO_TOLERANCE 0.25
#define PAD 2.0
/* How far outside a view a label's box may start and still be drawn: halos, dots, leaders. */
#define DRAW_MARGIN 8.0

typedef struct cand {
	const char *text;
	label_class cls;
	double ax, ay; /* anchor in pixels */
	double prio;   /* lower is placed first */
	double size;   /* font size, logical pixels */
	double gap;    /* distance from anchor for point labels; < 0 means centred */
	int dot;
	int event_index;
	double area_px; /* for areas: only labelled when the text fits */
} cand;

typedef struct {
	cand *v;
	size_t len, cap;
} cand_vec;

static int cand_push(cand_vec *cv, const cand *c)
{
	if (cv->len == cv->cap) {
		size_t cap = cv->cap ? cv->cap * 2 : 256;
		cand *v = realloc(cv->v, cap * sizeof(*v));
		if (!v)
			return TILE_ENOMEM;
		cv->v = v;
		cv->cap = cap;
	}
	cv->v[cv->len++] = *c;
	return 0;
}

/* ---- a spatial hash of placed boxes ------------------------------------------ */

#define CELL 128.0
/* A whole zoom 12 world holds tens of thousands of boxes: few per bucket keeps a test short. */
#define NBUCKETS 65536

typedef struct box {
	double x0, y0, x1, y1;
} box;

typedef struct {
	/* per bucket: copies of the boxes filed there, read in one sweep without an indirection */
	box *items[NBUCKETS];
	uint32_t nitems[NBUCKETS], capitems[NBUCKETS];
	/* the buckets given storage, so that finishing frees those and not all 65,536 */
	uint32_t used[NBUCKETS];
	size_t nused;
} grid;

static size_t bucket(long cx, long cy)
{
	return (size_t)(((unsigned long)cx * 73856093UL) ^ ((unsigned long)cy * 19349663UL)) %
	       NBUCKETS;
}

static int grid_hits(const grid *g, const box *b)
{
	long cx0 = (long)floor(b->x0 / CELL), cx1 = (long)floor(b->x1 / CELL);
	long cy0 = (long)floor(b->y0 / CELL), cy1 = (long)floor(b->y1 / CELL);
	for (long cy = cy0; cy <= cy1; cy++)
		for (long cx = cx0; cx <= cx1; cx++) {
			size_t k = bucket(cx, cy);
			const box *o = g->items[k];
			for (uint32_t i = 0, n = g->nitems[k]; i < n; i++)
				if (o[i].x0 < b->x1 && b->x0 < o[i].x1 && o[i].y0 < b->y1 &&
				    b->y0 < o[i].y1)
					return 1;
		}
	return 0;
}

static int grid_add(grid *g, const box *b)
{
	long cx0 = (long)floor(b->x0 / CELL), cx1 = (long)floor(b->x1 / CELL);
	long cy0 = (long)floor(b->y0 / CELL), cy1 = (long)floor(b->y1 / CELL);
	for (long cy = cy0; cy <= cy1; cy++)
		for (long cx = cx0; cx <= cx1; cx++) {
			size_t k = bucket(cx, cy);
			if (g->nitems[k] == g->capitems[k]) {
				uint32_t cap = g->capitems[k] ? g->capitems[k] * 2 : 4;
				box *v = realloc(g->items[k], cap * sizeof(box));
				if (!v)
					return TILE_ENOMEM;
				if (!g->items[k])
					g->used[g->nused++] = (uint32_t)k;
				g->items[k] = v;
				g->capitems[k] = cap;
			}
			g->items[k][g->nitems[k]++] = *b;
		}
	return 0;
}

static void grid_finish(grid *g)
{
	for (size_t i = 0; i < g->nused; i++)
		free(g->items[g->used[i]]);
}

/* ---- styles ------------------------------------------------------------------- */

static void class_font(label_class cls, double size, PangoFontDescription *fd)
{
	pango_font_description_set_family(fd, TILE_FONT_FAMILY);
	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	pango_font_description_set_style(
	    fd, cls == LABEL_STATE || cls == LABEL_WATER ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
	pango_font_description_set_weight(fd, cls == LABEL_EVENT     ? PANGO_WEIGHT_BOLD
	                                      : cls == LABEL_CAPITAL ? PANGO_WEIGHT_SEMIBOLD
	                                      : cls == LABEL_COUNTRY ? PANGO_WEIGHT_MEDIUM
	                                                             : PANGO_WEIGHT_NORMAL);
}

static void class_color(label_class cls, double rgb[3])
{
	static const double c[][3] = {
	    [LABEL_EVENT] = {0.15, 0.12, 0.1}, [LABEL_COUNTRY] = {0.42, 0.37, 0.32},
	    [LABEL_STATE] = {0.55, 0.5, 0.45}, [LABEL_CAPITAL] = {0.13, 0.12, 0.11},
	    [LABEL_CITY] = {0.22, 0.2, 0.19},  [LABEL_WATER] = {0.36, 0.5, 0.6},
	};
	memcpy(rgb, c[cls], sizeof(c[cls]));
}

static void set_layout(PangoLayout *lay, PangoFontDescription *fd, const char *text,
                       label_class cls, double size)
{
	class_font(cls, size, fd);
	pango_layout_set_font_description(lay, fd);
	if (cls == LABEL_COUNTRY) {
		/* Country names spaced out in capitals, the classic atlas look. */
		PangoAttrList *al = pango_attr_list_new();
		pango_attr_list_insert(
		    al, pango_attr_letter_spacing_new((int)(size * 0.12 * PANGO_SCALE)));
		pango_layout_set_attributes(lay, al);
		pango_attr_list_unref(al);
		char *up = g_utf8_strup(text, -1);
		pango_layout_set_text(lay, up, -1);
		g_free(up);
	} else {
		pango_layout_set_attributes(lay, NULL);
		pango_layout_set_text(lay, text, -1);
	}
	/* Long event titles wrap rather than run across half the map. */
	pango_layout_set_width(lay, cls == LABEL_EVENT ? (int)(size * 14 * PANGO_SCALE) : -1);
	pango_layout_set_wrap(lay, PANGO_WRAP_WORD);
	pango_layout_set_alignment(lay, PANGO_ALIGN_LEFT);
}

/* ---- candidates ------------------------------------------------------------------- */

typedef struct mapper {
	int global; /* 1: global pixel grid of a zoom; 0: a view */
	int events; /* place the events' labels (and keep clear of their symbols) */
	double res;
	render_ctx *ctx;
	double w, h; /* view size for view placement */
	const char *lang; /* of base labels; NULL: default names */
} mapper;

static int map_pt(const mapper *m, double x, double y, double lon, double lat, double *px,
                  double *py)
{
	if (m->global) {
		*px = (x + GEODATA_MERC_HALF) / m->res;
		*py = (GEODATA_MERC_HALF - y) / m->res;
		return isfinite(x) && isfinite(y) ? 0 : -1;
	}
	if (!m->ctx->proj) {
		render_merc_to_px(m->ctx, x, y, px, py);
		return isfinite(x) && isfinite(y) ? 0 : -1;
	}
	return render_lonlat_to_px(m->ctx, lon, lat, px, py);
}

/* A single image names only what it shows: a label whose place is off the map would float. */
static int in_view(const mapper *m, double px, double py)
{
	return m->global || (px >= 0 && py >= 0 && px <= m->w && py <= m->h);
}

static long city_min_population(int z)
{
	static const long t[] = {20000000, 10000000, 8000000, 5000000, 2000000, 1000000, 400000,
	                         150000,   60000,    25000,   10000,   5000,    1000};
	return t[z < 0 ? 0 : z > 12 ? 12 : z];
}

/*
 * Events before every base label (base priorities start at 1000), and among
 * them the ones a reader must not mistake first: hypothetical, disputed,
 * claimed, threatened, then reported and confirmed; file order within each.
 */
static double event_prio(const geodata_event *e, size_t i, size_t n)
{
	int r = geodata_status_get(e->status)->label_rank;
	return r * 100 + 99.0 * (double)i / (double)(n + 1);
}

static int gather_events(const scene_data *d, int z, const mapper *m, cand_vec *cv)
{
	geodata_events *ev = d->events;
	/* At world scale the symbols speak for themselves: titles would cover half a continent. */
	for (size_t i = 0; ev && m->events && z >= 3 && i < geodata_events_count(ev); i++) {
		const geodata_event *e = geodata_events_get(ev, i);
		cand c = {0};
		if (map_pt(m, e->anchor_x, e->anchor_y, e->anchor_lon, e->anchor_lat, &c.ax,
		           &c.ay) ||
		    !in_view(m, c.ax, c.ay))
			continue;
		c.cls = LABEL_EVENT;
		c.prio = event_prio(e, i, geodata_events_count(ev));
		c.size = z <= 4 ? 11 : 12;
		c.gap = symbols_event_radius(e, z) + 3;
		c.event_index = (int)i;
		c.text = NULL; /* filled from the event at measure time */
		int rc = cand_push(cv, &c);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * A populated place: shown by population for the zoom, national capitals
 * from zoom 3 and state capitals a little earlier than their size alone
 * would; capitals and cities of a million first. Returns 0 with `c->text`
 * NULL when the place is not shown.
 */
static void place_cand(const geodata_feature *f, int z, cand *c)
{
	long minpop = city_min_population(z);
	int primary = f->capital == GEODATA_CAPITAL_PRIMARY;
	if (f->population < minpop && !(primary && z >= 3) &&
	    !(f->capital == GEODATA_CAPITAL_ADMIN && z >= 6 && f->population >= minpop / 4)) {
		c->text = NULL;
		return;
	}
	double lp = log10((double)f->population + 10);
	c->cls = primary ? LABEL_CAPITAL : LABEL_CITY;
	c->prio = primary ? 1000 - lp : f->population >= 1000000 ? 2500 - lp : 3500 - lp;
	c->size = primary ? (z <= 5 ? 11.5 : 12.5) : (f->population >= 1000000 ? 11 : 10.5);
	c->dot = primary ? 3 : f->capital == GEODATA_CAPITAL_ADMIN ? 2 : 1;
	c->gap = primary ? 5 : 4;
}

/* The candidates of one base layer, by its row of the table of layers. */
static int gather_layer(const scene_data *d, size_t li, int z, const mapper *m, cand_vec *cv)
{
	const geodata_layer_info *info = geodata_layer_info_get(li);
	const geodata_label_rule *r = &info->label;
	if (r->style == GEODATA_LABEL_NONE || z < r->min_zoom)
		return 0;
	long shown = (long)li;
	if (info->coarse && z < info->coarse_below)
		shown = geodata_layer_find(info->coarse);
	const geodata_layer *L = geodata_layer_get(d->gd, (geodata_layer_id)shown);
	if (!L)
		return 0;
	double res = m->global ? m->res : m->ctx->res;
	label_class cls = r->style == GEODATA_LABEL_COUNTRY  ? LABEL_COUNTRY
	                  : r->style == GEODATA_LABEL_REGION ? LABEL_STATE
	                                                     : LABEL_WATER;
	for (size_t i = 0; i < geodata_layer_feature_count(L); i++) {
		const geodata_feature *f = geodata_layer_feature(L, i);
		cand c = {0};
		c.text = geodata_feature_name(f, m->lang);
		if (r->style == GEODATA_LABEL_PLACE)
			place_cand(f, z, &c);
		if (!c.text || !c.text[0] ||
		    map_pt(m, f->label_x, f->label_y, f->lon, f->lat, &c.ax, &c.ay) ||
		    !in_view(m, c.ax, c.ay))
			continue;
		c.event_index = -1;
		if (r->style != GEODATA_LABEL_PLACE) {
			c.cls = cls;
			c.area_px = f->area / (res * res);
			c.prio = r->priority + r->rank_weight * f->rank -
			         r->area_weight * log10(f->area + 1);
			c.size = geodata_zoom_value(r->size, z);
			c.gap = -1;
		}
		int rc = cand_push(cv, &c);
		if (rc)
			return rc;
	}
	return 0;
}

/* Events first: they are the point of the map; then the base layers in the table's order. */
static int gather(const scene_data *d, int z, const mapper *m, cand_vec *cv)
{
	int rc = gather_events(d, z, m, cv);
	for (size_t li = 0; !rc && li < geodata_layer_count(); li++)
		rc = gather_layer(d, li, z, m, cv);
	return rc;
}

/* Whether a box touches an event's symbol (`syms`, one box each): the one case where a city
 * gives up its dot. */
static int under_event(const box *syms, size_t n, const box *b)
{
	for (size_t i = 0; i < n; i++)
		if (syms[i].x0 < b->x1 && b->x0 < syms[i].x1 && syms[i].y0 < b->y1 &&
		    b->y0 < syms[i].y1)
			return 1;
	return 0;
}

static int cand_cmp(const void *a, const void *b)
{
	const cand *x = a, *y = b;
	return x->prio < y->prio ? -1 : x->prio > y->prio;
}

/* ---- measuring --------------------------------------------------------------------- */

/* What measures text: every placement lays text out the same way, so a measure is one per text. */
typedef struct meter {
	PangoContext *pc;
	PangoLayout *lay;
	PangoFontDescription *fd;
} meter;

static int meter_init(meter *mt)
{
	PangoFontMap *fm = pango_cairo_font_map_get_default();
	mt->pc = pango_font_map_create_context(fm);
	mt->fd = pango_font_description_new();
	mt->lay = NULL;
	if (!mt->pc || !mt->fd)
		return TILE_ENOMEM;
	render_font_options(NULL, mt->pc);
	mt->lay = pango_layout_new(mt->pc);
	return mt->lay ? 0 : TILE_ENOMEM;
}

static void meter_finish(meter *mt)
{
	if (mt->lay)
		g_object_unref(mt->lay);
	if (mt->fd)
		pango_font_description_free(mt->fd);
	if (mt->pc)
		g_object_unref(mt->pc);
}

/*
 * The logical extents of a label's text, from the scene's memo when another placement had it;
 * `stable`: the text is the base data's, which stays put, and is found by its address.
 */
static void measure(const scene_data *d, meter *mt, const char *text, int stable,
                    label_class cls, double size, double wh[2])
{
	if (stable ? label_measures_get_at(d->measures, cls, size, text, wh)
	           : label_measures_get(d->measures, cls, size, text, wh))
		return;
	set_layout(mt->lay, mt->fd, text, cls, size);
	PangoRectangle ink, logical;
	pango_layout_get_pixel_extents(mt->lay, &ink, &logical);
	wh[0] = logical.width;
	wh[1] = logical.height;
	if (stable)
		label_measures_put_at(d->measures, cls, size, text, wh);
	else
		label_measures_put(d->measures, cls, size, text, wh);
}

/* ---- placement ------------------------------------------------------------------- */

typedef struct {
	placed_label *v;
	size_t len, cap;
	char *pool;
	size_t plen, pcap;
} out_vec;

static int out_text(out_vec *o, const char *t, size_t *off)
{
	size_t n = strlen(t) + 1;
	if (o->plen + n > o->pcap) {
		size_t cap = o->pcap ? o->pcap : 4096;
		while (cap < o->plen + n)
			cap *= 2;
		char *p = realloc(o->pool, cap);
		if (!p)
			return TILE_ENOMEM;
		o->pool = p;
		o->pcap = cap;
	}
	memcpy(o->pool + o->plen, t, n);
	*off = o->plen;
	o->plen += n;
	return 0;
}

/* Where a label may go around its anchor, best first: centred for areas, else rings of 8. */
static int positions(const cand *c, double w, double h, int rings, double pos[][2])
{
	int npos = 0;
	if (c->gap < 0) {
		pos[npos][0] = c->ax - w / 2;
		pos[npos++][1] = c->ay - h / 2;
	}
	for (int ring = 0; c->gap >= 0 && ring < rings; ring++) {
		double gap = c->gap * (1 + 2 * ring);
		pos[npos][0] = c->ax + gap;
		pos[npos++][1] = c->ay - h / 2;
		pos[npos][0] = c->ax - gap - w;
		pos[npos++][1] = c->ay - h / 2;
		pos[npos][0] = c->ax - w / 2;
		pos[npos++][1] = c->ay - gap - h;
		pos[npos][0] = c->ax - w / 2;
		pos[npos++][1] = c->ay + gap;
		pos[npos][0] = c->ax + gap * 0.7;
		pos[npos++][1] = c->ay - gap * 0.7 - h;
		pos[npos][0] = c->ax + gap * 0.7;
		pos[npos++][1] = c->ay + gap * 0.7;
		pos[npos][0] = c->ax - gap * 0.7 - w;
		pos[npos++][1] = c->ay - gap * 0.7 - h;
		pos[npos][0] = c->ax - gap * 0.7 - w;
		pos[npos++][1] = c->ay + gap * 0.7;
	}
	return npos;
}

/* Adds a placed label at `at`; its text's offset in the pool is fixed up once all are placed. */
static int out_push(out_vec *o, const cand *c, const char *text, const double at[2], double w,
                    double h, int dot)
{
	if (o->len == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 128;
		placed_label *v = realloc(o->v, cap * sizeof(*v));
		if (!v)
			return TILE_ENOMEM;
		o->v = v;
		o->cap = cap;
	}
	size_t off;
	if (out_text(o, text, &off))
		return TILE_ENOMEM;
	placed_label *pl = &o->v[o->len++];
	pl->text = (const char *)(uintptr_t)off; /* the pool may still move */
	pl->cls = c->cls;
	pl->x = at[0];
	pl->y = at[1];
	pl->w = w;
	pl->h = h;
	pl->font_size = c->size;
	pl->ax = c->ax;
	pl->ay = c->ay;
	pl->dot = dot;
	pl->event_index = c->event_index;
	return 0;
}

/* Event symbols are obstacles for every other label: into the grid, and listed in `syms`. */
static int event_obstacles(grid *g, const cand_vec *cv, box *syms, size_t *nsyms)
{
	for (size_t i = 0; i < cv->len; i++) {
		const cand *c = &cv->v[i];
		if (c->cls != LABEL_EVENT)
			continue;
		double r = c->gap - 3;
		box b = {c->ax - r, c->ay - r, c->ax + r, c->ay + r};
		syms[(*nsyms)++] = b;
		int rc = grid_add(g, &b);
		if (rc)
			return rc;
	}
	return 0;
}

/* The first of the `npos` positions whose padded box is free (and inside a single image), or -1. */
static int choose(const mapper *m, grid *g, double pos[][2], int npos, double w, double h)
{
	for (int k = 0; k < npos; k++) {
		box b = {pos[k][0] - PAD, pos[k][1] - PAD, pos[k][0] + w + PAD, pos[k][1] + h + PAD};
		/* A single image has edges that nothing continues past: keep labels inside. */
		if (!m->global && (b.x0 < 0 || b.y0 < 0 || b.x1 > m->w || b.y1 > m->h))
			continue;
		if (!grid_hits(g, &b))
			return k;
	}
	return -1;
}

static int place(const scene_data *d, int z, const mapper *m, label_set *out)
{
	cand_vec cv = {0};
	out_vec o = {0};
	grid *g = calloc(1, sizeof(*g)); /* too large for a thread's stack */
	box *syms = NULL;
	size_t nsyms = 0;
	meter mt;
	int rc = meter_init(&mt);
	geodata_events *ev = d->events;
	if (!rc && !g)
		rc = TILE_ENOMEM;
	if (rc)
		goto done;
	if ((rc = gather(d, z, m, &cv)))
		goto done;
	if (cv.len)
		qsort(cv.v, cv.len, sizeof(cand), cand_cmp);

	rc = TILE_ENOMEM;
	syms = malloc((cv.len ? cv.len : 1) * sizeof(*syms));
	if (!syms)
		goto done;
	if ((rc = event_obstacles(g, &cv, syms, &nsyms)))
		goto done;
	rc = TILE_ENOMEM;
	char evtext[512];
	for (size_t i = 0; i < cv.len; i++) {
		const cand *c = &cv.v[i];
		const char *text = c->text;
		if (c->cls == LABEL_EVENT) {
			symbols_event_label(ev, geodata_events_get(ev, (size_t)c->event_index), evtext,
			                    sizeof(evtext));
			text = evtext;
		}
		if (!text || !text[0])
			continue;
		/* The dot first: where it is taken, the text need not be measured at all. */
		box dotbox = {c->ax - 3, c->ay - 3, c->ax + 3, c->ay + 3};
		int dot = c->dot, rings = 1;
		if (c->dot && grid_hits(g, &dotbox)) {
			if (!under_event(syms, nsyms, &dotbox))
				continue;
			/*
			 * A capital or a large city under an event's symbol keeps its name: the
			 * symbol marks the place, and the name goes beside it, further out.
			 */
			if (c->cls != LABEL_CAPITAL && c->prio >= 2500)
				continue;
			dot = 0;
			rings = 4;
		}
		double wh[2];
		measure(d, &mt, text, text == c->text, c->cls, c->size, wh);
		double w = wh[0], h = wh[1];
		/* Only areas have an area, and they have no dot: the order of the two tests is free. */
		if (c->area_px > 0 && c->area_px < w * h * 0.9 && z < 7)
			continue; /* the area is too small to carry its name at this zoom */
		double pos[8 * 6][2];
		/* An event's label looks further out, all round, before it gives up. */
		if (c->cls == LABEL_EVENT)
			rings = 6;
		int chosen = choose(m, g, pos, positions(c, w, h, rings, pos), w, h);
		if (chosen < 0)
			continue;
		box b = {pos[chosen][0] - PAD, pos[chosen][1] - PAD, pos[chosen][0] + w + PAD,
		         pos[chosen][1] + h + PAD};
		if (grid_add(g, &b) || (dot && grid_add(g, &dotbox)))
			goto done;
		if (out_push(&o, c, text, pos[chosen], w, h, dot))
			goto done;
	}
	for (size_t i = 0; i < o.len; i++)
		o.v[i].text = o.pool + (uintptr_t)o.v[i].text;
	out->labels = o.v;
	out->count = o.len;
	out->text_pool = o.pool;
	o.v = NULL;
	o.pool = NULL;
	rc = 0;
done:
	free(o.v);
	free(o.pool);
	if (g)
		grid_finish(g);
	free(g);
	free(syms);
	free(cv.v);
	meter_finish(&mt);
	return rc;
}

int labels_premeasure(const scene_data *d, int zoom, size_t part, size_t nparts)
{
	mapper m = {.global = 1, .res = geodata_zoom_resolution(zoom)};
	cand_vec cv = {0};
	meter mt;
	int rc = meter_init(&mt);
	if (!rc)
		rc = gather(d, zoom, &m, &cv);
	for (size_t i = part; !rc && i < cv.len; i += nparts) {
		double wh[2];
		if (cv.v[i].text && cv.v[i].text[0])
			measure(d, &mt, cv.v[i].text, 1, cv.v[i].cls, cv.v[i].size, wh);
	}
	free(cv.v);
	meter_finish(&mt);
	return rc;
}

int labels_place(const scene_data *d, int zoom, int with_events, const char *lang,
                 label_set *out)
{
	mapper m = {.global = 1,
	            .events = with_events,
	            .res = geodata_zoom_resolution(zoom),
	            .lang = lang};
	memset(out, 0, sizeof(*out));
	int rc = place(d, zoom, &m, out);
	if (rc)
		return rc;
	for (int k = 0; k < 2; k++) {
		out->sprites[k] = calloc(out->count ? out->count : 1, sizeof(*out->sprites[k]));
		out->used[k] = calloc(out->count ? out->count : 1, sizeof(*out->used[k]));
		if (!out->sprites[k] || !out->used[k]) {
			labels_finish(out);
			return TILE_ENOMEM;
		}
	}
	/* One more pixel than labels_draw's margin: a label touching a tile's edge is in its cell. */
	if (label_grid_build(&out->grid, out->labels, out->count, DRAW_MARGIN + 1)) {
		labels_finish(out);
		return TILE_ENOMEM;
	}
	return 0;
}

int labels_place_view(render_ctx *ctx, label_set *out)
{
	mapper m = {.global = 0,
	            .events = 1,
	            .ctx = ctx,
	            .w = ctx->width,
	            .h = ctx->height,
	            .lang = ctx->lang};
	memset(out, 0, sizeof(*out));
	return place(scene_data_of(ctx->scene), ctx->zoom, &m, out);
}

void labels_finish(label_set *ls)
{
	if (!ls)
		return;
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; ls->sprites[k] && i < ls->count; i++) {
			cairo_surface_t *sp = atomic_load(&ls->sprites[k][i]);
			if (sp)
				cairo_surface_destroy(sp);
		}
		free(ls->sprites[k]);
		free(ls->used[k]);
	}
	label_grid_finish(&ls->grid);
	free(ls->labels);
	free(ls->text_pool);
	memset(ls, 0, sizeof(*ls));
}

static void draw_dot(cairo_t *cr, int dot, double x, double y)
{
	cairo_new_path(cr);
	if (dot == 3) {
		/* National capital: a ringed dot. */
		cairo_arc(cr, x, y, 4.2, 0, 2 * M_PI);
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_fill_preserve(cr);
		cairo_set_source_rgb(cr, 0.15, 0.14, 0.13);
		cairo_set_line_width(cr, 1.2);
		cairo_stroke(cr);
		cairo_arc(cr, x, y, 2.0, 0, 2 * M_PI);
		cairo_fill(cr);
	} else {
		double r = dot == 2 ? 2.8 : 2.2;
		cairo_arc(cr, x, y, r, 0, 2 * M_PI);
		cairo_set_source_rgb(cr, 0.3, 0.28, 0.26);
		cairo_fill_preserve(cr);
		cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
		cairo_set_line_width(cr, 0.8);
		cairo_stroke(cr);
	}
}

void labels_draw_text(cairo_t *cr, PangoLayout *lay, PangoFontDescription *fd,
                      const placed_label *l, const double rgb[3], double x, double y)
{
	int is_event = l->cls == LABEL_EVENT;
	set_layout(lay, fd, l->text, l->cls, l->font_size);
	cairo_new_path(cr);
	cairo_move_to(cr, x, y);
	pango_cairo_layout_path(cr, lay);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_line_width(cr, is_event ? 2 * HALO + 0.5 : 2 * HALO);
	cairo_set_source_rgba(cr, 1, 1, 1, is_event ? 0.92 : 0.8);
	/*
	 * A halo's edge within a quarter of a pixel of the exact one: cairo's default tenth makes
	 * the round joins of every glyph's curves several times the polygon, and this stroke was
	 * a fifth of a tile's time.
	 */
	double tol = cairo_get_tolerance(cr);
	cairo_set_tolerance(cr, HALO_TOLERANCE);
	cairo_stroke(cr);
	cairo_set_tolerance(cr, tol);
	cairo_move_to(cr, x, y);
	cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
	pango_cairo_show_layout(cr, lay);
}

static double e_radius(const geodata_events *ev, const placed_label *l, int zoom)
{
	return symbols_event_radius(geodata_events_get(ev, (size_t)l->event_index), zoom);
}

/*
 * A label pushed away from its symbol by its neighbours gets a thin line
 * back to it, so that no reader pairs it with the wrong symbol.
 */
static void leader(render_ctx *ctx, const placed_label *l, double r, double gx, double gy,
                   const double rgb[3])
{
	double ax = l->ax - gx, ay = l->ay - gy, x = l->x - gx, y = l->y - gy;
	double px = ax < x ? x : ax > x + l->w ? x + l->w : ax;
	double py = ay < y ? y : ay > y + l->h ? y + l->h : ay;
	double dx = px - ax, dy = py - ay, d = sqrt(dx * dx + dy * dy);
	if (d < r + 14)
		return;
	cairo_t *cr = ctx->cr;
	cairo_save(cr);
	cairo_move_to(cr, ax + dx / d * (r + 1), ay + dy / d * (r + 1));
	cairo_line_to(cr, px - dx / d * 2, py - dy / d * 2);
	cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], 0.8);
	cairo_set_line_width(cr, 0.9);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_stroke(cr);
	cairo_restore(cr);
}

/* A label's text, as its image when `c` lets one be kept, else drawn. */
static void draw_label(render_ctx *ctx, const label_set *ls, size_t i, double gx, double gy,
                       label_sprites *c, PangoLayout *lay, PangoFontDescription *fd)
{
	cairo_t *cr = ctx->cr;
	const placed_label *l = &ls->labels[i];
	geodata_events *ev = scene_data_of(ctx->scene)->events;
	double rgb[3];
	class_color(l->cls, rgb);
	if (l->cls == LABEL_EVENT) {
		const geodata_event *e = geodata_events_get(ev, (size_t)l->event_index);
		if (!e || !geodata_event_visible(e, ctx->until))
			return;
		double k[3];
		symbols_kind_color(geodata_events_kind(ev, e), k);
		/* Darken the kind's colour so that text stays readable. */
		for (int j = 0; j < 3; j++)
			rgb[j] = k[j] * 0.75;
		leader(ctx, l, e_radius(ev, l, ctx->zoom), gx, gy, rgb);
	}
	cairo_surface_t *sp = c ? label_sprite_get(ls, c, i, rgb, ctx->scale) : NULL;
	if (sp) {
		cairo_set_source_surface(cr, sp, floor(l->x) - gx - LABEL_SPRITE_PAD,
		                         floor(l->y) - gy - LABEL_SPRITE_PAD);
		cairo_paint(cr);
	} else {
		labels_draw_text(cr, lay, fd, l, rgb, l->x - gx, l->y - gy);
	}
}

/*
 * Whether a label (with an event's leader line, which may cross this view alone) meets the
 * visible box `v` of the view.
 */
static int label_meets_view(const double v[4], const placed_label *l, double gx, double gy)
{
	int is_event = l->cls == LABEL_EVENT;
	double x = l->x - gx, y = l->y - gy, m = DRAW_MARGIN;
	double x0 = is_event ? fmin(x, l->ax - gx) : x, y0 = is_event ? fmin(y, l->ay - gy) : y;
	double x1 = is_event ? fmax(x + l->w, l->ax - gx) : x + l->w,
	       y1 = is_event ? fmax(y + l->h, l->ay - gy) : y + l->h;
	return !(x1 < v[0] - m || y1 < v[1] - m || x0 > v[2] + m || y0 > v[3] + m);
}

int labels_draw(render_ctx *ctx, const label_set *ls, double gx, double gy, int base, int events)
{
	if (!ls || !ls->count)
		return 0;
	cairo_t *cr = ctx->cr;
	double m = DRAW_MARGIN, v[4];
	render_visible(ctx, v);
	/* A tile reads the labels filed in its own cell of the grid, not every label of the zoom. */
	const uint32_t *idx = NULL;
	uint32_t *scratch = NULL;
	long n = (long)ls->count;
	if (ls->grid.ready &&
	    (n = label_grid_query(&ls->grid, gx + v[0], gy + v[1], gx + v[2] - 1e-3,
	                          gy + v[3] - 1e-3, &idx, &scratch)) < 0)
		return TILE_ENOMEM;
	/* Dots under every text, so that no label is hidden by a neighbour's dot. */
	for (long k = 0; base && k < n; k++) {
		const placed_label *l = &ls->labels[idx ? idx[k] : (size_t)k];
		double x = l->ax - gx, y = l->ay - gy;
		if (l->dot && x >= v[0] - m && y >= v[1] - m && x <= v[2] + m && y <= v[3] + m)
			draw_dot(cr, l->dot, x, y);
	}
	PangoLayout *lay = pango_cairo_create_layout(cr);
	PangoFontDescription *fd = pango_font_description_new();
	if (!lay || !fd) {
		if (lay)
			g_object_unref(lay);
		if (fd)
			pango_font_description_free(fd);
		free(scratch);
		return TILE_ENOMEM;
	}
	render_font_options(cr, pango_layout_get_context(lay));
	pango_cairo_update_layout(cr, lay);
	/* Images only where the target is an image at a whole-pixel offset: sheets keep vector
	 * text. */
	label_sprites *c = scene_data_of(ctx->scene)->sprites;
	int sprites = c && ls->sprites[0] && (ctx->scale == 1 || ctx->scale == 2) &&
	              cairo_surface_get_type(cairo_get_target(cr)) == CAIRO_SURFACE_TYPE_IMAGE &&
	              gx == floor(gx) && gy == floor(gy);
	if (sprites)
		label_sprites_paint_begin(c);
	for (long k = 0; k < n; k++) {
		size_t i = idx ? idx[k] : (size_t)k;
		const placed_label *l = &ls->labels[i];
		int is_event = l->cls == LABEL_EVENT;
		if ((is_event && !events) || (!is_event && !base) ||
		    !label_meets_view(v, l, gx, gy))
			continue;
		draw_label(ctx, ls, i, gx, gy, sprites ? c : NULL, lay, fd);
	}
	if (sprites)
		label_sprites_paint_end(c);
	g_object_unref(lay);
	pango_font_description_free(fd);
	free(scratch);
	return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : TILE_ECAIRO;
}
