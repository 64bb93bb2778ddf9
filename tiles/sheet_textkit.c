/* sheet_textkit.c: the sheet's text: one pango layout, set, measured and shown in its styles. */
#include "sheet.h"

int sheet_textkit_init(sheet_textkit *t, cairo_t *cr)
{
	t->cr = cr;
	t->lay = pango_cairo_create_layout(cr);
	t->fd = pango_font_description_new();
	if (!t->lay || !t->fd)
		return TILE_ENOMEM;
	render_font_options(cr, pango_layout_get_context(t->lay));
	pango_font_description_set_family(t->fd, TILE_FONT_FAMILY);
	return 0;
}

void sheet_textkit_finish(sheet_textkit *t)
{
	if (t->lay)
		g_object_unref(t->lay);
	if (t->fd)
		pango_font_description_free(t->fd);
	t->lay = NULL;
	t->fd = NULL;
}

/* Sets the layout's text; `width` > 0 wraps at that width, `lines` > 0 ellipsizes after so many. */
void sheet_text_set(sheet_textkit *t, const char *text, double size, int style, double width,
                    int lines)
{
	PangoFontDescription *fd = t->fd;
	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	pango_font_description_set_weight(fd, style & SHEET_TXT_BOLD       ? PANGO_WEIGHT_BOLD
	                                      : style & SHEET_TXT_SEMIBOLD ? PANGO_WEIGHT_SEMIBOLD
	                                                                   : PANGO_WEIGHT_NORMAL);
	pango_font_description_set_style(fd, style & SHEET_TXT_ITALIC ? PANGO_STYLE_ITALIC
	                                                              : PANGO_STYLE_NORMAL);
	pango_layout_set_font_description(t->lay, fd);
	if (style & SHEET_TXT_CAPS) {
		/* Small headings: capitals spaced out, as the map's country names are. */
		PangoAttrList *al = pango_attr_list_new();
		pango_attr_list_insert(
		    al, pango_attr_letter_spacing_new((int)(size * 0.1 * PANGO_SCALE)));
		pango_layout_set_attributes(t->lay, al);
		pango_attr_list_unref(al);
		char *up = g_utf8_strup(text, -1);
		pango_layout_set_text(t->lay, up, -1);
		g_free(up);
	} else {
		pango_layout_set_attributes(t->lay, NULL);
		pango_layout_set_text(t->lay, text, -1);
	}
	pango_layout_set_width(t->lay, width > 0 ? (int)(width * PANGO_SCALE) : -1);
	pango_layout_set_wrap(t->lay, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_ellipsize(t->lay, lines > 0 && width > 0 ? PANGO_ELLIPSIZE_END
	                                                          : PANGO_ELLIPSIZE_NONE);
	pango_layout_set_height(t->lay, lines > 0 ? -lines : -1);
	pango_layout_set_alignment(t->lay, PANGO_ALIGN_LEFT);
	pango_cairo_update_layout(t->cr, t->lay);
}

void sheet_text_extent(sheet_textkit *t, double *w, double *h)
{
	PangoRectangle ink, logical;
	pango_layout_get_extents(t->lay, &ink, &logical);
	if (w)
		*w = logical.width / (double)PANGO_SCALE;
	if (h)
		*h = logical.height / (double)PANGO_SCALE;
}

void sheet_text_show(sheet_textkit *t, double x, double y, const double rgb[3])
{
	cairo_t *cr = t->cr;
	cairo_new_path(cr);
	cairo_move_to(cr, x, y);
	cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
	pango_cairo_show_layout(cr, t->lay);
	cairo_new_path(cr);
}

/* Text over the map keeps a white halo, as the map's own labels do. */
void sheet_text_show_halo(sheet_textkit *t, double x, double y, const double rgb[3], double halo)
{
	cairo_t *cr = t->cr;
	cairo_save(cr);
	cairo_new_path(cr);
	cairo_move_to(cr, x, y);
	pango_cairo_layout_path(cr, t->lay);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_line_width(cr, 2 * halo);
	cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
	cairo_stroke(cr);
	cairo_restore(cr);
	sheet_text_show(t, x, y, rgb);
}
