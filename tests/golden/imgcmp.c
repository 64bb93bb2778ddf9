/* imgcmp.c: compares two PNG images through cairo and assembles tile mosaics, for image tests. */
#include <cairo.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_SAME = 0, EXIT_DIFFERENT = 1, EXIT_ERROR = 2 };

static const char usage[] =
    "usage: imgcmp compare EXPECTED.png ACTUAL.png [--diff OUT.png] [--mean-max M]\n"
    "                      [--big-level B] [--big-frac-max F] [--noise-level N] [--noise-max K]\n"
    "  Passes when the mean absolute difference per channel is at most M (default 1.0),\n"
    "  at most a fraction F (default 0.005) of pixels differ by more than B (default 32)\n"
    "  in some channel, and at most K pixels (default: no limit) differ by more than N.\n"
    "       imgcmp mosaic OUT.png COLS ROWS TILE.png...   (tiles row by row, north first)\n";

static cairo_surface_t *load(const char *path)
{
	cairo_surface_t *s = cairo_image_surface_create_from_png(path);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		fprintf(stderr, "imgcmp: cannot read '%s': %s\n", path,
		        cairo_status_to_string(cairo_surface_status(s)));
		cairo_surface_destroy(s);
		return NULL;
	}
	return s;
}

/* One pixel as four 8-bit channels, opaque when the image has no alpha. */
static uint32_t pixel(cairo_surface_t *s, int x, int y)
{
	const unsigned char *row =
	    cairo_image_surface_get_data(s) + (size_t)y * cairo_image_surface_get_stride(s);
	uint32_t p = ((const uint32_t *)(const void *)row)[x];
	return cairo_image_surface_get_format(s) == CAIRO_FORMAT_RGB24 ? p | 0xff000000u : p;
}

static int compare(int argc, char **argv)
{
	const char *diff_path = NULL;
	double mean_max = 1.0, big_frac_max = 0.005;
	int big_level = 32, noise_level = 255;
	long noise_max = -1;
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_ERROR;
	}
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc) {
			fputs(usage, stderr);
			return EXIT_ERROR;
		}
		if (!strcmp(argv[i], "--diff"))
			diff_path = argv[++i];
		else if (!strcmp(argv[i], "--mean-max"))
			mean_max = atof(argv[++i]);
		else if (!strcmp(argv[i], "--big-level"))
			big_level = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--big-frac-max"))
			big_frac_max = atof(argv[++i]);
		else if (!strcmp(argv[i], "--noise-level"))
			noise_level = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--noise-max"))
			noise_max = atol(argv[++i]);
		else {
			fputs(usage, stderr);
			return EXIT_ERROR;
		}
	}
	int rc = EXIT_ERROR;
	cairo_surface_t *a = load(argv[0]), *b = NULL, *d = NULL;
	if (!a || !(b = load(argv[1])))
		goto out;
	int w = cairo_image_surface_get_width(a), h = cairo_image_surface_get_height(a);
	if (w != cairo_image_surface_get_width(b) || h != cairo_image_surface_get_height(b)) {
		printf("size differs: expected %dx%d, got %dx%d\n", w, h,
		       cairo_image_surface_get_width(b), cairo_image_surface_get_height(b));
		rc = EXIT_DIFFERENT;
		goto out;
	}
	d = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	if (cairo_surface_status(d) != CAIRO_STATUS_SUCCESS)
		goto out;
	unsigned char *dd = cairo_image_surface_get_data(d);
	int ds = cairo_image_surface_get_stride(d);
	double sum = 0;
	long big = 0, noisy = 0;
	int maxd = 0;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint32_t pa = pixel(a, x, y), pb = pixel(b, x, y);
			int m = 0;
			for (int sh = 0; sh < 32; sh += 8) {
				int ca = (int)(pa >> sh) & 0xff, cb = (int)(pb >> sh) & 0xff;
				int dv = ca > cb ? ca - cb : cb - ca;
				sum += dv;
				if (dv > m)
					m = dv;
			}
			if (m > maxd)
				maxd = m;
			big += m > big_level;
			noisy += m > noise_level;
			/* The expected image faded to grey; noise in orange, differences in
			 * magenta, big ones in red. */
			unsigned grey =
			    (((pa >> 16) & 0xff) + ((pa >> 8) & 0xff) + (pa & 0xff)) / 3;
			grey = 160 + grey * 95 / 255;
			uint32_t out = m == 0    ? (grey << 16) | (grey << 8) | grey
			               : m <= 8  ? 0xffb000u
			               : m <= 32 ? 0xff00ffu
			                         : 0xff0000u;
			((uint32_t *)(void *)(dd + (size_t)y * ds))[x] = out;
		}
	cairo_surface_mark_dirty(d);
	double mean = sum / (4.0 * w * h);
	double frac = (double)big / ((double)w * h);
	int ok = mean <= mean_max && frac <= big_frac_max && (noise_max < 0 || noisy <= noise_max);
	printf("%dx%d mean %.4f (max %.2f), %ld px over %d = %.4f%% (max %.3f%%), %ld px over %d "
	       "(max %ld), largest %d: %s\n",
	       w, h, mean, mean_max, big, big_level, 100 * frac, 100 * big_frac_max, noisy,
	       noise_level, noise_max, maxd, ok ? "same" : "DIFFERENT");
	if (!ok && diff_path && cairo_surface_write_to_png(d, diff_path) != CAIRO_STATUS_SUCCESS)
		fprintf(stderr, "imgcmp: cannot write '%s'\n", diff_path);
	rc = ok ? EXIT_SAME : EXIT_DIFFERENT;
out:
	cairo_surface_destroy(d);
	cairo_surface_destroy(b);
	cairo_surface_destroy(a);
	return rc;
}

static int mosaic(int argc, char **argv)
{
	if (argc < 4) {
		fputs(usage, stderr);
		return EXIT_ERROR;
	}
	int cols = atoi(argv[1]), rows = atoi(argv[2]);
	if (cols <= 0 || rows <= 0 || argc != 3 + cols * rows) {
		fputs(usage, stderr);
		return EXIT_ERROR;
	}
	cairo_surface_t *out = NULL;
	cairo_t *cr = NULL;
	int rc = EXIT_ERROR, tw = 0, th = 0;
	for (int i = 0; i < cols * rows; i++) {
		cairo_surface_t *t = load(argv[3 + i]);
		if (!t)
			goto out;
		int w = cairo_image_surface_get_width(t), h = cairo_image_surface_get_height(t);
		if (!out) {
			tw = w;
			th = h;
			out = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, cols * w, rows * h);
			cr = cairo_create(out);
			cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
		}
		if (w != tw || h != th) {
			fprintf(stderr, "imgcmp: '%s' is %dx%d, not %dx%d\n", argv[3 + i], w, h, tw,
			        th);
			cairo_surface_destroy(t);
			goto out;
		}
		/* SOURCE is unbounded: limit it to the tile's cell, or it clears the others. */
		cairo_set_source_surface(cr, t, (i % cols) * tw, (i / cols) * th);
		cairo_rectangle(cr, (i % cols) * tw, (i / cols) * th, tw, th);
		cairo_fill(cr);
		cairo_surface_destroy(t);
	}
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS ||
	    cairo_surface_write_to_png(out, argv[0]) != CAIRO_STATUS_SUCCESS) {
		fprintf(stderr, "imgcmp: cannot write '%s'\n", argv[0]);
		goto out;
	}
	rc = EXIT_SAME;
out:
	if (cr)
		cairo_destroy(cr);
	cairo_surface_destroy(out);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "compare"))
		return compare(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "mosaic"))
		return mosaic(argc - 2, argv + 2);
	fputs(usage, stderr);
	return EXIT_ERROR;
}
