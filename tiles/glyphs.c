/* glyphs.c: the built-in glyph set of event symbols, drawn by cairo and exported as SVG paths. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/*
 * A glyph only builds paths and hands each to its pen, filled or stroked:
 * drawing, the pen paints it; exporting, the pen writes the same path as SVG
 * path data. So each glyph is declared once, for the map and the web page.
 */
struct glyph_pen {
	cairo_t *cr;
	int capture;             /**< 0: paint; 1: append SVG paths */
	tiles_glyph_path *paths; /**< capture: the paths so far */
	size_t n, cap;
	int failed;
};

static void pen_fill(glyph_pen *p)
{
	if (!p->capture) {
		cairo_fill(p->cr);
		return;
	}
	glyph_pen_capture(p, 0);
}

static void pen_stroke(glyph_pen *p, double width)
{
	if (!p->capture) {
		cairo_set_line_width(p->cr, width);
		cairo_stroke(p->cr);
		return;
	}
	glyph_pen_capture(p, width);
}

/* ---- the glyphs, in a unit box centred on the symbol -------------------------------------- */

static void dot(cairo_t *cr, glyph_pen *p)
{
	cairo_arc(cr, 0, 0, 0.15, 0, 2 * M_PI);
	pen_fill(p);
}

static void boat(cairo_t *cr, glyph_pen *p)
{
	cairo_move_to(cr, -0.34, 0.06);
	cairo_line_to(cr, 0.34, 0.06);
	cairo_line_to(cr, 0.22, 0.24);
	cairo_line_to(cr, -0.22, 0.24);
	cairo_close_path(cr);
	cairo_move_to(cr, -0.02, 0.02);
	cairo_line_to(cr, -0.02, -0.32);
	cairo_line_to(cr, 0.24, 0.02);
	cairo_close_path(cr);
	pen_fill(p);
}

static void crosshair(cairo_t *cr, glyph_pen *p)
{
	cairo_arc(cr, 0, 0, 0.23, 0, 2 * M_PI);
	pen_stroke(p, 0.085);
	const double t[4][4] = {
	    {0, -0.4, 0, -0.1}, {0, 0.1, 0, 0.4}, {-0.4, 0, -0.1, 0}, {0.1, 0, 0.4, 0}};
	for (int i = 0; i < 4; i++) {
		cairo_move_to(cr, t[i][0], t[i][1]);
		cairo_line_to(cr, t[i][2], t[i][3]);
	}
	pen_stroke(p, 0.085);
	cairo_arc(cr, 0, 0, 0.05, 0, 2 * M_PI);
	pen_fill(p);
}

/* An outlined irregular area with hatching: a designated zone in small. */
static void zone(cairo_t *cr, glyph_pen *p)
{
	static const double q[4][2] = {{-0.3, -0.18}, {0.2, -0.3}, {0.32, 0.16}, {-0.18, 0.3}};
	/* Each hatch line x + y = c cut to the (convex) outline, so that no clip is needed. */
	for (double c = -0.4; c <= 0.41; c += 0.2) {
		double t[2];
		int k = 0;
		for (int i = 0; i < 4 && k < 2; i++) {
			const double *a = q[i], *b = q[(i + 1) % 4];
			double fa = a[0] + a[1] - c, fb = b[0] + b[1] - c;
			if ((fa < 0) != (fb < 0) && fa != fb)
				t[k++] = i + fa / (fa - fb);
		}
		if (k < 2)
			continue;
		for (int j = 0; j < 2; j++) {
			int i = (int)t[j];
			double f = t[j] - i;
			const double *a = q[i], *b = q[(i + 1) % 4];
			double x = a[0] + f * (b[0] - a[0]), y = a[1] + f * (b[1] - a[1]);
			if (j == 0)
				cairo_move_to(cr, x, y);
			else
				cairo_line_to(cr, x, y);
		}
	}
	pen_stroke(p, 0.07);
	cairo_move_to(cr, q[0][0], q[0][1]);
	for (int i = 1; i < 4; i++)
		cairo_line_to(cr, q[i][0], q[i][1]);
	cairo_close_path(cr);
	pen_stroke(p, 0.09);
}

static void polygon(cairo_t *cr, const double (*pt)[2], size_t n)
{
	cairo_move_to(cr, pt[0][0], pt[0][1]);
	for (size_t i = 1; i < n; i++)
		cairo_line_to(cr, pt[i][0], pt[i][1]);
	cairo_close_path(cr);
}

/* An aircraft seen from above. */
static void plane(cairo_t *cr, glyph_pen *p)
{
	static const double pt[][2] = {
	    {0, -0.38},    {0.055, -0.3},   {0.055, -0.08}, {0.36, 0.08},   {0.36, 0.15},
	    {0.055, 0.06}, {0.055, 0.22},   {0.15, 0.3},    {0.15, 0.35},   {0, 0.3},
	    {-0.15, 0.35}, {-0.15, 0.3},    {-0.055, 0.22}, {-0.055, 0.06}, {-0.36, 0.15},
	    {-0.36, 0.08}, {-0.055, -0.08}, {-0.055, -0.3}};
	polygon(cr, pt, sizeof pt / sizeof pt[0]);
	pen_fill(p);
}

static void rounded_rect(cairo_t *cr, double x, double y, double w, double h, double r)
{
	cairo_new_sub_path(cr);
	cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
	cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
	cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
	cairo_arc(cr, x + r, y + r, r, M_PI, 1.5 * M_PI);
	cairo_close_path(cr);
}

static void speech(cairo_t *cr, glyph_pen *p)
{
	rounded_rect(cr, -0.32, -0.27, 0.64, 0.4, 0.1);
	pen_fill(p);
	cairo_move_to(cr, -0.14, 0.1);
	cairo_line_to(cr, -0.2, 0.3);
	cairo_line_to(cr, 0.04, 0.1);
	cairo_close_path(cr);
	pen_fill(p);
}

static void chart(cairo_t *cr, glyph_pen *p)
{
	const double h[3] = {0.26, 0.46, 0.34};
	for (int i = 0; i < 3; i++)
		cairo_rectangle(cr, -0.27 + i * 0.19, 0.24 - h[i], 0.14, h[i]);
	pen_fill(p);
	cairo_move_to(cr, -0.33, 0.27);
	cairo_line_to(cr, 0.33, 0.27);
	pen_stroke(p, 0.06);
}

static void exclamation(cairo_t *cr, glyph_pen *p)
{
	cairo_move_to(cr, -0.075, -0.33);
	cairo_line_to(cr, 0.075, -0.33);
	cairo_line_to(cr, 0.045, 0.09);
	cairo_line_to(cr, -0.045, 0.09);
	cairo_close_path(cr);
	pen_fill(p);
	cairo_arc(cr, 0, 0.23, 0.075, 0, 2 * M_PI);
	pen_fill(p);
}

static void fire(cairo_t *cr, glyph_pen *p)
{
	cairo_move_to(cr, 0, -0.36);
	cairo_curve_to(cr, 0.1, -0.18, 0.3, -0.08, 0.28, 0.12);
	cairo_curve_to(cr, 0.26, 0.3, 0.12, 0.36, 0, 0.36);
	cairo_curve_to(cr, -0.12, 0.36, -0.26, 0.3, -0.28, 0.12);
	cairo_curve_to(cr, -0.3, -0.04, -0.16, -0.1, -0.12, -0.22);
	cairo_curve_to(cr, -0.04, -0.12, -0.02, -0.22, 0, -0.36);
	cairo_close_path(cr);
	pen_fill(p);
}

static void lightning(cairo_t *cr, glyph_pen *p)
{
	static const double pt[][2] = {{0.08, -0.38}, {-0.2, 0.04}, {-0.02, 0.04},
	                               {-0.1, 0.38},  {0.22, -0.08}, {0.03, -0.08}};
	polygon(cr, pt, sizeof pt / sizeof pt[0]);
	pen_fill(p);
}

static void water(cairo_t *cr, glyph_pen *p)
{
	for (int i = -1; i <= 1; i++) {
		double y = i * 0.2;
		cairo_move_to(cr, -0.34, y);
		cairo_curve_to(cr, -0.22, y - 0.1, -0.12, y - 0.1, 0, y);
		cairo_curve_to(cr, 0.12, y + 0.1, 0.22, y + 0.1, 0.34, y);
	}
	pen_stroke(p, 0.08);
}

static void house(cairo_t *cr, glyph_pen *p)
{
	static const double pt[][2] = {{0, -0.34}, {0.34, -0.02}, {0.24, -0.02}, {0.24, 0.32},
	                               {0.07, 0.32}, {0.07, 0.12}, {-0.07, 0.12}, {-0.07, 0.32},
	                               {-0.24, 0.32}, {-0.24, -0.02}, {-0.34, -0.02}};
	polygon(cr, pt, sizeof pt / sizeof pt[0]);
	pen_fill(p);
}

static void factory(cairo_t *cr, glyph_pen *p)
{
	static const double pt[][2] = {{-0.34, 0.3},  {-0.34, -0.32}, {-0.2, -0.32},
	                               {-0.2, -0.04}, {0, -0.18},     {0, -0.04},
	                               {0.18, -0.18}, {0.18, -0.04},  {0.34, -0.18}, {0.34, 0.3}};
	polygon(cr, pt, sizeof pt / sizeof pt[0]);
	pen_fill(p);
}

static void warning(cairo_t *cr, glyph_pen *p)
{
	cairo_move_to(cr, 0, -0.34);
	cairo_line_to(cr, 0.36, 0.28);
	cairo_line_to(cr, -0.36, 0.28);
	cairo_close_path(cr);
	pen_stroke(p, 0.07);
	cairo_move_to(cr, 0, -0.12);
	cairo_line_to(cr, 0, 0.08);
	pen_stroke(p, 0.08);
	cairo_arc(cr, 0, 0.18, 0.045, 0, 2 * M_PI);
	pen_fill(p);
}

static void flag(cairo_t *cr, glyph_pen *p)
{
	cairo_move_to(cr, -0.24, 0.36);
	cairo_line_to(cr, -0.24, -0.34);
	pen_stroke(p, 0.07);
	cairo_move_to(cr, -0.21, -0.34);
	cairo_curve_to(cr, 0, -0.42, 0.1, -0.22, 0.32, -0.3);
	cairo_line_to(cr, 0.32, 0.02);
	cairo_curve_to(cr, 0.1, 0.1, 0, -0.1, -0.21, -0.02);
	cairo_close_path(cr);
	pen_fill(p);
}

static void star(cairo_t *cr, glyph_pen *p)
{
	for (int i = 0; i < 10; i++) {
		double a = -M_PI / 2 + i * M_PI / 5, r = i % 2 ? 0.15 : 0.37;
		if (i == 0)
			cairo_move_to(cr, r * cos(a), r * sin(a) + 0.03);
		else
			cairo_line_to(cr, r * cos(a), r * sin(a) + 0.03);
	}
	cairo_close_path(cr);
	pen_fill(p);
}

static void megaphone(cairo_t *cr, glyph_pen *p)
{
	static const double pt[][2] = {{-0.32, -0.08}, {-0.12, -0.08}, {0.28, -0.3},
	                               {0.28, 0.26},   {-0.12, 0.06},  {-0.32, 0.06}};
	polygon(cr, pt, sizeof pt / sizeof pt[0]);
	pen_fill(p);
	cairo_move_to(cr, -0.2, 0.06);
	cairo_line_to(cr, -0.12, 0.32);
	pen_stroke(p, 0.09);
}

static void handshake(cairo_t *cr, glyph_pen *p)
{
	cairo_move_to(cr, -0.38, -0.06);
	cairo_line_to(cr, -0.14, -0.2);
	cairo_line_to(cr, 0.06, -0.1);
	cairo_line_to(cr, 0.24, -0.2);
	cairo_line_to(cr, 0.38, -0.06);
	pen_stroke(p, 0.09);
	cairo_move_to(cr, -0.24, 0.0);
	cairo_line_to(cr, 0.0, 0.22);
	cairo_line_to(cr, 0.08, 0.16);
	cairo_line_to(cr, 0.16, 0.1);
	cairo_line_to(cr, 0.24, 0.0);
	cairo_line_to(cr, 0.06, -0.1);
	pen_stroke(p, 0.09);
}

static void skull(cairo_t *cr, glyph_pen *p)
{
	cairo_arc(cr, 0, -0.06, 0.28, 0, 2 * M_PI);
	pen_fill(p);
	cairo_rectangle(cr, -0.14, 0.14, 0.28, 0.18);
	pen_fill(p);
}

/* The set, by name: a briefing's kinds name their glyph from this table. */
static const struct glyph_def {
	const char *name;
	void (*draw)(cairo_t *cr, glyph_pen *p);
} GLYPHS[] = {
    {"dot", dot},           {"boat", boat},           {"crosshair", crosshair},
    {"zone", zone},         {"plane", plane},         {"speech", speech},
    {"chart", chart},       {"exclamation", exclamation}, {"fire", fire},
    {"lightning", lightning}, {"water", water},       {"house", house},
    {"factory", factory},   {"warning", warning},     {"flag", flag},
    {"star", star},         {"megaphone", megaphone}, {"handshake", handshake},
    {"skull", skull},
};
#define NGLYPHS (sizeof GLYPHS / sizeof GLYPHS[0])
_Static_assert(NGLYPHS >= 16, "the built-in glyph set has at least 16 glyphs");

size_t tiles_glyph_count(void)
{
	return NGLYPHS;
}

const char *tiles_glyph_name(size_t i)
{
	return i < NGLYPHS ? GLYPHS[i].name : NULL;
}

long tiles_glyph_find(const char *name)
{
	for (size_t i = 0; name && i < NGLYPHS; i++)
		if (!strcmp(GLYPHS[i].name, name))
			return (long)i;
	return -1;
}

void glyph_draw(cairo_t *cr, const char *name)
{
	long i = tiles_glyph_find(name);
	glyph_pen pen = {.cr = cr};
	GLYPHS[i < 0 ? 0 : i].draw(cr, &pen);
}

static int append_fmt(char **s, size_t *len, size_t *cap, const char *fmt, double a, double b)
{
	char tmp[64];
	int k = snprintf(tmp, sizeof tmp, fmt, a, b);
	if (k < 0)
		return -1;
	if (*len + (size_t)k + 1 > *cap) {
		size_t ncap = (*cap ? *cap * 2 : 256) + (size_t)k;
		char *ns = realloc(*s, ncap);
		if (!ns)
			return -1;
		*s = ns, *cap = ncap;
	}
	memcpy(*s + *len, tmp, (size_t)k + 1);
	*len += (size_t)k;
	return 0;
}

/* Writes the current path as SVG path data (cairo gives arcs as curves), then clears it. */
void glyph_pen_capture(glyph_pen *p, double width)
{
	cairo_path_t *path = cairo_copy_path(p->cr);
	cairo_new_path(p->cr);
	char *d = NULL;
	size_t len = 0, cap = 0;
	int bad = !path || path->status != CAIRO_STATUS_SUCCESS;
	for (int i = 0; !bad && i < path->num_data; i += path->data[i].header.length) {
		const cairo_path_data_t *h = &path->data[i];
		const cairo_path_data_t *pt = h + 1;
		switch (h->header.type) {
		case CAIRO_PATH_MOVE_TO:
			bad = append_fmt(&d, &len, &cap, "M%.4g %.4g", pt[0].point.x, pt[0].point.y);
			break;
		case CAIRO_PATH_LINE_TO:
			bad = append_fmt(&d, &len, &cap, "L%.4g %.4g", pt[0].point.x, pt[0].point.y);
			break;
		case CAIRO_PATH_CURVE_TO:
			bad = append_fmt(&d, &len, &cap, "C%.4g %.4g", pt[0].point.x, pt[0].point.y) ||
			      append_fmt(&d, &len, &cap, " %.4g %.4g", pt[1].point.x, pt[1].point.y) ||
			      append_fmt(&d, &len, &cap, " %.4g %.4g", pt[2].point.x, pt[2].point.y);
			break;
		case CAIRO_PATH_CLOSE_PATH:
			bad = append_fmt(&d, &len, &cap, "Z", 0, 0);
			break;
		}
	}
	cairo_path_destroy(path);
	if (!bad && !d)
		bad = -1; /* a glyph part that is empty is a mistake in the set */
	if (!bad && p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 4;
		tiles_glyph_path *np = realloc(p->paths, ncap * sizeof *np);
		if (!np)
			bad = -1;
		else
			p->paths = np, p->cap = ncap;
	}
	if (bad) {
		free(d);
		p->failed = 1;
		return;
	}
	p->paths[p->n++] = (tiles_glyph_path){.d = d, .stroke_width = width};
}

int tiles_glyph_svg(const char *name, tiles_glyph_path **paths, size_t *n)
{
	*paths = NULL, *n = 0;
	long i = tiles_glyph_find(name);
	if (i < 0)
		return TILE_EINVAL;
	/* The path is built in user space; the surface is never painted. */
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
	cairo_t *cr = cairo_create(s);
	glyph_pen pen = {.cr = cr, .capture = 1};
	int rc = cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : TILE_ECAIRO;
	/* Paths are kept in device space's fixed point: scaled up, they keep 4 decimals. */
	cairo_scale(cr, 4096, 4096);
	if (!rc)
		GLYPHS[i].draw(cr, &pen);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	if (!rc && (pen.failed || !pen.n))
		rc = TILE_ENOMEM;
	if (rc) {
		tiles_glyph_svg_free(pen.paths, pen.n);
		return rc;
	}
	*paths = pen.paths, *n = pen.n;
	return 0;
}

void tiles_glyph_svg_free(tiles_glyph_path *paths, size_t n)
{
	for (size_t i = 0; paths && i < n; i++)
		free(paths[i].d);
	free(paths);
}

int glyph_kinds_check(const geodata_kinds *k, tile_error *err)
{
	for (size_t i = 0; k && i < k->count; i++) {
		if (tiles_glyph_find(k->kind[i].glyph) >= 0)
			continue;
		char names[512] = "";
		size_t used = 0;
		for (size_t g = 0; g < NGLYPHS && used < sizeof names; g++) {
			int w = snprintf(names + used, sizeof names - used, "%s%s", g ? ", " : "",
			                 GLYPHS[g].name);
			used += w > 0 ? (size_t)w : 0;
		}
		tile_error_set(err, "kind \"%s\": glyph \"%s\" is not one of the built-in glyphs (%s)",
		               k->kind[i].id, k->kind[i].glyph, names);
		return TILE_EINVAL;
	}
	return 0;
}
