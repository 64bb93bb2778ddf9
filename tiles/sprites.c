/* sprites.c: a scene's label images: made on first use, held within a byte budget, evicted by a
 * clock sweep. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "private.h"

struct label_sprites {
	/* Painters hold it shared while they paint sprites; a sweep holds it alone. */
	pthread_rwlock_t lock;
	atomic_size_t bytes;
	atomic_size_t budget;
	atomic_int sweeping;
	atomic_int wanted; /* a sprite was refused for want of room since the last sweep */
	atomic_ullong made, evicted, refused;
};

label_sprites *label_sprites_create(size_t budget)
{
	label_sprites *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	pthread_rwlockattr_t a;
	int ok = pthread_rwlockattr_init(&a) == 0;
#ifdef __GLIBC__
	/* glibc lets new readers pass a waiting writer by default: tiles never stop coming. */
	if (ok)
		pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
	if (!ok || pthread_rwlock_init(&c->lock, &a) != 0) {
		if (ok)
			pthread_rwlockattr_destroy(&a);
		free(c);
		return NULL;
	}
	pthread_rwlockattr_destroy(&a);
	atomic_init(&c->budget, budget);
	return c;
}

void label_sprites_destroy(label_sprites *c)
{
	if (!c)
		return;
	pthread_rwlock_destroy(&c->lock);
	free(c);
}

void label_sprites_set_budget(label_sprites *c, size_t budget)
{
	atomic_store(&c->budget, budget);
	atomic_store(&c->wanted, 1);
}

void label_sprites_paint_begin(label_sprites *c)
{
	pthread_rwlock_rdlock(&c->lock);
}

void label_sprites_paint_end(label_sprites *c)
{
	pthread_rwlock_unlock(&c->lock);
}

size_t label_sprites_cost(cairo_surface_t *sp)
{
	return (size_t)cairo_image_surface_get_stride(sp) *
	           (size_t)cairo_image_surface_get_height(sp) +
	       LABEL_SPRITE_OVERHEAD;
}

int label_sprites_reserve(label_sprites *c, size_t bytes)
{
	size_t budget = atomic_load(&c->budget);
	size_t old = atomic_load(&c->bytes);
	do {
		if (old + bytes > budget) {
			atomic_store(&c->wanted, 1);
			atomic_fetch_add(&c->refused, 1);
			return -1;
		}
	} while (!atomic_compare_exchange_weak(&c->bytes, &old, old + bytes));
	atomic_fetch_add(&c->made, 1);
	return 0;
}

void label_sprites_release(label_sprites *c, size_t bytes, int evicted)
{
	atomic_fetch_sub(&c->bytes, bytes);
	if (evicted)
		atomic_fetch_add(&c->evicted, 1);
	else
		atomic_fetch_sub(&c->made, 1);
}

int label_sprites_sweep_begin(label_sprites *c)
{
	if (!c || !atomic_load(&c->wanted))
		return 0;
	int idle = 0;
	if (!atomic_compare_exchange_strong(&c->sweeping, &idle, 1))
		return 0; /* another thread sweeps now */
	pthread_rwlock_wrlock(&c->lock);
	atomic_store(&c->wanted, 0);
	return 1;
}

int label_sprites_sweep_more(const label_sprites *c)
{
	/* Down to three quarters: room for the next tiles' new labels without sweeping at once. */
	return atomic_load(&c->bytes) > atomic_load(&c->budget) / 4 * 3;
}

void label_sprites_sweep_end(label_sprites *c)
{
	pthread_rwlock_unlock(&c->lock);
	atomic_store(&c->sweeping, 0);
}

size_t label_sprites_sweep_set(label_sprites *c, label_set *ls, int keep_recent)
{
	size_t freed = 0;
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; ls->sprites[k] && i < ls->count; i++) {
			cairo_surface_t *sp = atomic_load_explicit(&ls->sprites[k][i],
			                                           memory_order_relaxed);
			if (!sp)
				continue;
			/* The clock's hand: a sprite painted since the last pass gets another round. */
			if (keep_recent && atomic_exchange_explicit(&ls->used[k][i], 0,
			                                            memory_order_relaxed))
				continue;
			size_t cost = label_sprites_cost(sp);
			atomic_store_explicit(&ls->sprites[k][i], NULL, memory_order_relaxed);
			cairo_surface_destroy(sp);
			label_sprites_release(c, cost, 1);
			freed += cost;
			if (!label_sprites_sweep_more(c))
				return freed;
		}
	return freed;
}

void label_sprites_stats(const label_sprites *c, tile_sprite_stats *out)
{
	label_sprites *m = (label_sprites *)c;
	out->bytes = atomic_load(&m->bytes);
	out->budget = atomic_load(&m->budget);
	out->made = atomic_load(&m->made);
	out->evicted = atomic_load(&m->evicted);
	out->refused = atomic_load(&m->refused);
}

/* An image's size in logical pixels: the text's box and the halo's room all round. */
static void sprite_size(const placed_label *l, int *w, int *h)
{
	*w = (int)ceil(l->w + 2 * LABEL_SPRITE_PAD + 1);
	*h = (int)ceil(l->h + 2 * LABEL_SPRITE_PAD + 1);
}

/* What make_sprite's image will count for in the budget (label_sprites_cost of it). */
static size_t sprite_cost(const placed_label *l, int scale)
{
	int w, h;
	sprite_size(l, &w, &h);
	return (size_t)cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, w * scale) *
	           (size_t)(h * scale) +
	       LABEL_SPRITE_OVERHEAD;
}

/*
 * The label as an image whose pixel grid is the map's: the label's position
 * modulo one pixel is baked in, so painting it at an integer offset gives the
 * same pixels as drawing the text there.
 */
static cairo_surface_t *make_sprite(const placed_label *l, const double rgb[3], int scale)
{
	double fx = l->x - floor(l->x), fy = l->y - floor(l->y);
	int w, h;
	sprite_size(l, &w, &h);
	cairo_surface_t *sp = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w * scale, h * scale);
	if (cairo_surface_status(sp) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(sp);
		return NULL;
	}
	cairo_t *cr = cairo_create(sp);
	cairo_scale(cr, scale, scale);
	PangoLayout *lay = pango_cairo_create_layout(cr);
	PangoFontDescription *fd = pango_font_description_new();
	if (lay && fd) {
		render_font_options(cr, pango_layout_get_context(lay));
		pango_cairo_update_layout(cr, lay);
		labels_draw_text(cr, lay, fd, l, rgb, LABEL_SPRITE_PAD + fx, LABEL_SPRITE_PAD + fy);
	}
	if (lay)
		g_object_unref(lay);
	if (fd)
		pango_font_description_free(fd);
	int ok = cairo_status(cr) == CAIRO_STATUS_SUCCESS;
	cairo_destroy(cr);
	if (!ok) {
		cairo_surface_destroy(sp);
		return NULL;
	}
	cairo_surface_flush(sp);
	cairo_surface_set_device_scale(sp, scale, scale);
	return sp;
}

/* The label's image, made on first use if the budget has room; NULL: draw the text. Called
 * between label_sprites_paint_begin and _end, which keep a sweep from freeing it meanwhile. */
cairo_surface_t *label_sprite_get(const label_set *ls, label_sprites *c, size_t i,
                                  const double rgb[3], int scale)
{
	_Atomic(cairo_surface_t *) *slot = &ls->sprites[scale - 1][i];
	atomic_uchar *used = &ls->used[scale - 1][i];
	cairo_surface_t *sp = atomic_load_explicit(slot, memory_order_acquire);
	/* Only a change is written: painting threads share these cache lines. */
	if (!atomic_load_explicit(used, memory_order_relaxed))
		atomic_store_explicit(used, 1, memory_order_relaxed);
	if (sp)
		return sp;
	size_t cost = sprite_cost(&ls->labels[i], scale);
	if (label_sprites_reserve(c, cost))
		return NULL;
	cairo_surface_t *mine = make_sprite(&ls->labels[i], rgb, scale);
	if (!mine) {
		label_sprites_release(c, cost, 0);
		return NULL;
	}
	cairo_surface_t *expected = NULL;
	if (atomic_compare_exchange_strong(slot, &expected, mine))
		return mine;
	cairo_surface_destroy(mine); /* another thread made it first */
	label_sprites_release(c, cost, 0);
	return expected;
}
