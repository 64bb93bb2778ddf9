/* sheet_legend.c: a sheet's legend: rows for what the map shows, their symbols, their layout. */
#include <math.h>

#include "sheet.h"

size_t sheet_legend_rows(const sheet_shown *sh, sheet_legend_row *rows)
{
	size_t n = 0;
	const tile_words *w = sh->w;
	rows[n++] = (sheet_legend_row){SHEET_ROW_HEAD, 0, 0, 0, w->legend_events, NULL};
	for (size_t k = 0; k < sh->kinds->count; k++)
		if (sh->kind_status[k] >= 0)
			rows[n++] =
			    (sheet_legend_row){SHEET_ROW_KIND,           (int)k,
			                       sh->kind_status[k],       0,
			                       geodata_kind_label(&sh->kinds->kind[k], w->code),
			                       &sh->kinds->kind[k]};
	if (sh->distance)
		rows[n++] = (sheet_legend_row){SHEET_ROW_DISTANCE, 0, 0, 0, w->distance, NULL};
	if (!sh->nevents)
		rows[n++] = (sheet_legend_row){SHEET_ROW_NOTE, 0, 0, 0, w->no_events, NULL};
	if (sh->nevents) {
		rows[n++] = (sheet_legend_row){SHEET_ROW_HEAD, 0, 0, 1, w->legend_status, NULL};
		for (int s = 0; s < GEODATA_STATUS_COUNT; s++)
			if (sh->status[s])
				rows[n++] = (sheet_legend_row){
				    SHEET_ROW_STATUS,
				    s,
				    s,
				    1,
				    geodata_status_words_get((geodata_event_status)s, w->code).legend,
				    NULL};
	}
	int sec = sh->nevents ? 2 : 1;
	rows[n++] = (sheet_legend_row){SHEET_ROW_HEAD, 0, 0, sec, w->legend_base, NULL};
	if (sh->capital)
		rows[n++] = (sheet_legend_row){SHEET_ROW_CAPITAL, 0, 0, sec, w->capital, NULL};
	if (sh->city)
		rows[n++] = (sheet_legend_row){SHEET_ROW_CITY, 0, 0, sec, w->city, NULL};
	rows[n++] = (sheet_legend_row){SHEET_ROW_BORDER, 0, 0, sec, w->border, NULL};
	if (sh->states)
		rows[n++] = (sheet_legend_row){SHEET_ROW_STATES, 0, 0, sec, w->state, NULL};
	return n;
}

/*
 * Draws a row's symbol in the box (x, y, sw, sh). The map's own symbols are drawn for 12.5 px
 * type; `zoom` scales them with the legend's type so that big sheets keep them in proportion.
 */
static void legend_symbol(cairo_t *cr, const sheet_legend_row *r, double x, double y, double sw,
                          double sh, double zoom)
{
	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_scale(cr, zoom, zoom);
	sw /= zoom;
	sh /= zoom;
	x = y = 0;
	double cx = sw / 2, cy = sh / 2, s = fmin(sw, sh);
	cairo_new_path(cr);
	switch (r->type) {
	case SHEET_ROW_KIND:
		symbols_draw_marker(cr, r->kind, (geodata_event_status)r->status, cx, cy, s * 0.9);
		break;
	case SHEET_ROW_STATUS:
		symbols_draw_status_swatch(cr, (geodata_event_status)r->which, x, cy - s * 0.42, sw,
		                           s * 0.84);
		break;
	case SHEET_ROW_DISTANCE:
		cairo_move_to(cr, x + 1, cy);
		cairo_line_to(cr, x + sw - 1, cy);
		symbols_stroke_distance(cr);
		break;
	case SHEET_ROW_BORDER:
	case SHEET_ROW_STATES:
		cairo_move_to(cr, x + 1, cy);
		cairo_line_to(cr, x + sw - 1, cy);
		if (r->type == SHEET_ROW_STATES) {
			double dash[2] = {3.0, 2.2};
			cairo_set_dash(cr, dash, 2, 0);
			cairo_set_source_rgb(cr, SHEET_STATE_RGB[0], SHEET_STATE_RGB[1],
			                     SHEET_STATE_RGB[2]);
			cairo_set_line_width(cr, 1.0);
		} else {
			cairo_set_source_rgb(cr, SHEET_BORDER_RGB[0], SHEET_BORDER_RGB[1],
			                     SHEET_BORDER_RGB[2]);
			cairo_set_line_width(cr, 1.3);
		}
		cairo_stroke(cr);
		break;
	case SHEET_ROW_CAPITAL:
		cairo_arc(cr, cx, cy, 4.2, 0, 2 * M_PI);
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_fill_preserve(cr);
		cairo_set_source_rgb(cr, 0.15, 0.14, 0.13);
		cairo_set_line_width(cr, 1.2);
		cairo_stroke(cr);
		cairo_arc(cr, cx, cy, 2.0, 0, 2 * M_PI);
		cairo_fill(cr);
		break;
	case SHEET_ROW_CITY:
		cairo_arc(cr, cx, cy, 2.6, 0, 2 * M_PI);
		cairo_set_source_rgb(cr, 0.3, 0.28, 0.26);
		cairo_fill(cr);
		break;
	default:
		break;
	}
	cairo_restore(cr);
}

/*
 * Lays the legend out in `columns` columns from (x, y), one section per column when there are
 * enough columns, else stacked; draws it too when `draw`. Returns the height used.
 */
double sheet_legend_run(sheet_textkit *tk, const sheet_legend_row *rows, size_t n, double x,
                        double y, double width, int columns, double fs, int draw)
{
	double colgap = fs * 1.6;
	double cw = (width - colgap * (columns - 1)) / columns;
	double colx[3], coly[3];
	int nsec = 0;
	for (size_t i = 0; i < n; i++)
		nsec = rows[i].section + 1 > nsec ? rows[i].section + 1 : nsec;
	for (int c = 0; c < 3; c++) {
		colx[c] = x + c * (cw + colgap);
		coly[c] = y;
	}
	double sw = fs * 2.0, sh = fs * 1.45, tx = sw + fs * 0.6;
	for (size_t i = 0; i < n; i++) {
		const sheet_legend_row *r = &rows[i];
		int c = columns >= nsec ? r->section : 0;
		if (c >= columns)
			c = columns - 1;
		double th, cx = colx[c], cy = coly[c];
		if (r->type == SHEET_ROW_HEAD) {
			if (cy > y)
				cy += fs * 0.9;
			sheet_text_set(tk, r->text, fs * 0.82, SHEET_TXT_BOLD | SHEET_TXT_CAPS, cw,
			               0);
			sheet_text_extent(tk, NULL, &th);
			if (draw)
				sheet_text_show(tk, cx, cy, SHEET_MUTED);
			coly[c] = cy + th + fs * 0.45;
			continue;
		}
		int note = r->type == SHEET_ROW_NOTE;
		sheet_text_set(tk, r->text, fs, note ? SHEET_TXT_ITALIC : SHEET_TXT_REGULAR,
		               note ? cw : cw - tx, 0);
		sheet_text_extent(tk, NULL, &th);
		double rh = fmax(th, sh);
		if (draw) {
			if (!note)
				legend_symbol(tk->cr, r, cx, cy + (rh - sh) / 2, sw, sh,
				              fmax(0.75, fs / 12.5));
			sheet_text_show(tk, note ? cx : cx + tx, cy + (rh - th) / 2,
			                note ? SHEET_MUTED : SHEET_INK);
		}
		coly[c] = cy + rh + fs * 0.4;
	}
	double hmax = 0;
	for (int c = 0; c < columns && c < 3; c++)
		hmax = fmax(hmax, coly[c] - y);
	return hmax;
}
