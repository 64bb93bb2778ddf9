/* sheet_output.c: the table of sheet output formats, and how each one is written. */
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sheet.h"

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int len)
{
	sheet_sink *sk = closure;
	if (tile_buffer_append(&sk->buf, data, len)) {
		sk->failed = 1;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

/*
 * Appends cairo's SVG body with its top group named "sheet": cairo numbers it
 * from a counter of the whole process, so equal requests would differ in that
 * number alone. Left as it is when something refers to it.
 */
static int svg_body_append(tile_buffer *out, const unsigned char *body, size_t len)
{
	static const char tag[] = "<g id=\"surface";
	const size_t n = sizeof tag - 1;
	const unsigned char *g = memmem(body, len, tag, n);
	if (!g || memmem(body, len, "#surface", 8))
		return tile_buffer_append(out, body, len);
	const unsigned char *end = body + len, *p = g + n;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (tile_buffer_append(out, body, (size_t)(g - body)) ||
	    tile_buffer_append(out, "<g id=\"sheet", 12))
		return -1;
	return tile_buffer_append(out, p, (size_t)(end - p));
}

/* Appends cairo's SVG with a <title> and <desc> just inside the root element. */
static int svg_append(tile_buffer *out, const tile_buffer *svg, const char *title, const char *desc,
                      tile_error *err)
{
	const unsigned char *root = svg->len ? memmem(svg->data, svg->len, "<svg", 4) : NULL;
	const unsigned char *gt =
	    root ? memchr(root, '>', svg->len - (size_t)(root - svg->data)) : NULL;
	if (!gt) {
		tile_error_set(err, "cairo wrote an SVG without a root element");
		return TILE_ECAIRO;
	}
	size_t head = (size_t)(gt + 1 - svg->data);
	gchar *t = g_markup_escape_text(title, -1), *d = g_markup_escape_text(desc, -1);
	int rc = TILE_ENOMEM;
	if (t && d && !tile_buffer_append(out, svg->data, head) &&
	    !tile_buffer_append(out, "\n<title>", 8) && !tile_buffer_append(out, t, strlen(t)) &&
	    !tile_buffer_append(out, "</title>\n<desc>", 15) &&
	    !tile_buffer_append(out, d, strlen(d)) && !tile_buffer_append(out, "</desc>", 7) &&
	    !svg_body_append(out, svg->data + head, svg->len - head))
		rc = 0;
	g_free(t);
	g_free(d);
	if (rc)
		tile_error_set(err, "out of memory writing SVG");
	return rc;
}

static cairo_surface_t *png_surface(sheet_sink *sk, int w, int h, int dev)
{
	return cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w * dev, h * dev);
}

static int png_write(cairo_surface_t *surf, sheet_sink *sk, const sheet_meta *m, tile_buffer *out,
                     tile_error *err)
{
	tile_png_meta meta = {.title = m->title,
	                      .source = m->sources,
	                      .software = "briefmap",
	                      .creation_time = m->iso_time,
	                      .description = m->description};
	return png_write_surface(surf, &meta, SHEET_PNG_LEVEL, 0, out, err);
}

static cairo_surface_t *pdf_surface(sheet_sink *sk, int w, int h, int dev)
{
	return cairo_pdf_surface_create_for_stream(sink_write, sk, w, h);
}

static cairo_surface_t *svg_surface(sheet_sink *sk, int w, int h, int dev)
{
	cairo_surface_t *surf = cairo_svg_surface_create_for_stream(sink_write, sk, w, h);
	if (cairo_surface_status(surf) == CAIRO_STATUS_SUCCESS)
		cairo_svg_surface_set_document_unit(surf, CAIRO_SVG_UNIT_PT);
	return surf;
}

/* Finishes a vector surface, whose bytes are then all in the sink. */
static int vector_finish(cairo_surface_t *surf, sheet_sink *sk, const char *what, tile_error *err)
{
	cairo_surface_finish(surf);
	if (cairo_surface_status(surf) == CAIRO_STATUS_SUCCESS && !sk->failed)
		return 0;
	tile_error_set(err, "writing the %s failed: %s", what,
	               sk->failed ? "out of memory"
	                          : cairo_status_to_string(cairo_surface_status(surf)));
	return sk->failed ? TILE_ENOMEM : TILE_ECAIRO;
}

static int pdf_write(cairo_surface_t *surf, sheet_sink *sk, const sheet_meta *m, tile_buffer *out,
                     tile_error *err)
{
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, m->title);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_SUBJECT, m->description);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_KEYWORDS, m->sources);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "briefmap");
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE, m->iso_time);
	int rc = vector_finish(surf, sk, "PDF", err);
	if (rc)
		return rc;
	if (tile_buffer_append(out, sk->buf.data, sk->buf.len)) {
		tile_error_set(err, "out of memory writing PDF");
		return TILE_ENOMEM;
	}
	return 0;
}

static int svg_write(cairo_surface_t *surf, sheet_sink *sk, const sheet_meta *m, tile_buffer *out,
                     tile_error *err)
{
	int rc = vector_finish(surf, sk, "SVG", err);
	if (rc)
		return rc;
	/* The description names the sources too: an SVG has no other place for them. */
	char desc[SHEET_DESCRIPTION_MAX + SHEET_SOURCES_MAX + 8];
	snprintf(desc, sizeof desc, "%s %s.", m->description, m->sources);
	return svg_append(out, &sk->buf, m->title, desc, err);
}

static const struct sheet_writer PNG_WRITER = {png_surface, png_write};
static const struct sheet_writer PDF_WRITER = {pdf_surface, pdf_write};
static const struct sheet_writer SVG_WRITER = {svg_surface, svg_write};

static const tile_sheet_format FORMATS[] = {
    [TILE_FORMAT_PNG] = {"png", "png", "image/png", 1, &PNG_WRITER},
    [TILE_FORMAT_PDF] = {"pdf", "pdf", "application/pdf", 0, &PDF_WRITER},
    [TILE_FORMAT_SVG] = {"svg", "svg", "image/svg+xml", 0, &SVG_WRITER},
};
_Static_assert(sizeof FORMATS / sizeof FORMATS[0] == TILE_FORMAT_COUNT,
               "one entry per sheet format");

const tile_sheet_format *tile_sheet_format_get(tile_format f)
{
	return (unsigned)f < TILE_FORMAT_COUNT ? &FORMATS[f] : NULL;
}

int tile_format_from_name(const char *name)
{
	for (int i = 0; name && i < TILE_FORMAT_COUNT; i++)
		if (!strcmp(name, FORMATS[i].name))
			return i;
	return -1;
}
