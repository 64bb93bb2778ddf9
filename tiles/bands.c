/* bands.c: one drawing split into two horizontal bands of an image, drawn at once on two threads.
 */
#include <pthread.h>
#include <unistd.h>

#include "private.h"

typedef struct band {
	cairo_surface_t *surface; /* the band's rows of the target, as an image of their own */
	cairo_t *cr;
	band_draw_fn draw;
	void *ud;
	int rc;
} band;

static void *band_main(void *arg)
{
	band *b = arg;
	b->rc = b->draw(b->ud, b->cr);
	return NULL;
}

/* A cairo context on rows [y0, y1) of the target with the same user space as `cr`. */
static int band_init(band *b, cairo_t *cr, int y0, int y1)
{
	cairo_surface_t *t = cairo_get_target(cr);
	int stride = cairo_image_surface_get_stride(t);
	b->surface = cairo_image_surface_create_for_data(
	    cairo_image_surface_get_data(t) + (size_t)y0 * stride, CAIRO_FORMAT_ARGB32,
	    cairo_image_surface_get_width(t), y1 - y0, stride);
	b->cr = cairo_create(b->surface);
	if (cairo_status(b->cr) != CAIRO_STATUS_SUCCESS)
		return TILE_ENOMEM;
	/* Whole device rows: every pixel is rasterised exactly as it would be in one pass. */
	cairo_matrix_t m;
	cairo_get_matrix(cr, &m);
	m.y0 -= y0;
	cairo_set_matrix(b->cr, &m);
	/* And the caller's clip, rectangles in that user space (bands_worth_it checked it is). */
	cairo_rectangle_list_t *clip = cairo_copy_clip_rectangle_list(cr);
	int rc = clip->status == CAIRO_STATUS_SUCCESS ? 0 : TILE_ECAIRO;
	if (!rc) {
		for (int i = 0; i < clip->num_rectangles; i++)
			cairo_rectangle(b->cr, clip->rectangles[i].x, clip->rectangles[i].y,
			                clip->rectangles[i].width, clip->rectangles[i].height);
		cairo_clip(b->cr);
	}
	cairo_rectangle_list_destroy(clip);
	return rc;
}

static void band_finish(band *b)
{
	if (b->cr)
		cairo_destroy(b->cr);
	if (b->surface) {
		cairo_surface_flush(b->surface);
		cairo_surface_destroy(b->surface);
	}
}

int bands_draw(cairo_t *cr, double y_top, double y_bottom, band_draw_fn draw, void *ud_top,
               void *ud_bottom)
{
	cairo_surface_t *t = cairo_get_target(cr);
	int h = cairo_image_surface_get_height(t);
	int split = (int)((y_top + y_bottom) / 2);
	band b[2] = {{.draw = draw, .ud = ud_top}, {.draw = draw, .ud = ud_bottom}};
	pthread_t thread;
	int rc = 0, started = 0;
	cairo_surface_flush(t);
	if ((rc = band_init(&b[0], cr, 0, split)) || (rc = band_init(&b[1], cr, split, h)))
		goto out;
	started = pthread_create(&thread, NULL, band_main, &b[1]) == 0;
	b[0].rc = draw(ud_top, b[0].cr);
	if (started)
		pthread_join(thread, NULL);
	else
		b[1].rc = draw(ud_bottom, b[1].cr);
	rc = b[0].rc ? b[0].rc : b[1].rc;
out:
	band_finish(&b[0]);
	band_finish(&b[1]);
	cairo_surface_mark_dirty(t);
	return rc;
}

int bands_worth_it(cairo_t *cr, double y_top, double y_bottom)
{
	cairo_surface_t *t = cairo_get_target(cr);
	if (cairo_surface_get_type(t) != CAIRO_SURFACE_TYPE_IMAGE ||
	    cairo_image_surface_get_format(t) != CAIRO_FORMAT_ARGB32 || y_top < 0 ||
	    y_bottom > cairo_image_surface_get_height(t) || y_bottom - y_top < 512 ||
	    sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return 0;
	cairo_rectangle_list_t *clip = cairo_copy_clip_rectangle_list(cr);
	int ok = clip->status == CAIRO_STATUS_SUCCESS;
	cairo_rectangle_list_destroy(clip);
	return ok;
}
