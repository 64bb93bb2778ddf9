/* simplify.c: Douglas-Peucker line simplification, used once per zoom level at load. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geodata.h"

double geodata_zoom_resolution(int zoom)
{
	return 2.0 * GEODATA_MERC_HALF / (256.0 * ldexp(1.0, zoom));
}

static double seg_dist2(const double *p, const double *a, const double *b)
{
	double dx = b[0] - a[0], dy = b[1] - a[1];
	double len2 = dx * dx + dy * dy;
	double t = len2 > 0 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2 : 0;
	if (t < 0)
		t = 0;
	else if (t > 1)
		t = 1;
	double ex = a[0] + t * dx - p[0], ey = a[1] + t * dy - p[1];
	return ex * ex + ey * ey;
}

/* Marks the points to keep between lo and hi; an explicit stack avoids deep recursion on long
 * coasts. */
static void dp_mark(const double *xy, size_t lo, size_t hi, double tol2, unsigned char *keep,
                    size_t *stack)
{
	size_t sp = 0;
	stack[sp++] = lo;
	stack[sp++] = hi;
	while (sp) {
		size_t b = stack[--sp], a = stack[--sp];
		double best = -1;
		size_t idx = 0;
		for (size_t i = a + 1; i < b; i++) {
			double d = seg_dist2(xy + 2 * i, xy + 2 * a, xy + 2 * b);
			if (d > best) {
				best = d;
				idx = i;
			}
		}
		if (best > tol2) {
			keep[idx] = 1;
			stack[sp++] = a;
			stack[sp++] = idx;
			stack[sp++] = idx;
			stack[sp++] = b;
		}
	}
}

size_t geodata_simplify(const double *xy, size_t n, double tol, int closed, double *out)
{
	size_t min_keep = closed ? 4 : 2;
	if (n <= min_keep || tol <= 0) {
		memmove(out, xy, n * 2 * sizeof(double));
		return n;
	}
	unsigned char *keep = calloc(n, 1);
	size_t *stack = malloc(4 * n * sizeof(size_t));
	if (!keep || !stack) {
		/* Without memory, keeping every point is still correct output. */
		free(keep);
		free(stack);
		memmove(out, xy, n * 2 * sizeof(double));
		return n;
	}
	double tol2 = tol * tol;
	keep[0] = keep[n - 1] = 1;
	if (closed) {
		/* A ring's first and last points coincide: split it at its farthest point. */
		size_t far = 0;
		double best = -1;
		for (size_t i = 1; i < n - 1; i++) {
			double dx = xy[2 * i] - xy[0], dy = xy[2 * i + 1] - xy[1];
			double d = dx * dx + dy * dy;
			if (d > best) {
				best = d;
				far = i;
			}
		}
		keep[far] = 1;
		dp_mark(xy, 0, far, tol2, keep, stack);
		dp_mark(xy, far, n - 1, tol2, keep, stack);
	} else {
		dp_mark(xy, 0, n - 1, tol2, keep, stack);
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (keep[i])
			m++;
	if (m < min_keep) {
		/* Too few for a ring: keep the points farthest from the chord as well. */
		for (size_t i = 1; i < n - 1 && m < min_keep; i += (n - 2) / 2 ? (n - 2) / 2 : 1) {
			if (!keep[i]) {
				keep[i] = 1;
				m++;
			}
		}
	}
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (keep[i]) {
			out[2 * j] = xy[2 * i];
			out[2 * j + 1] = xy[2 * i + 1];
			j++;
		}
	}
	free(stack);
	free(keep);
	return j;
}
