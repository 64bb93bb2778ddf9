/* quant.c: an image's colours as a palette of at most 256: exact when it has that few, else cut. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/*
 * Why a quantiser of our own: the usual libraries (libimagequant, pngquant) are
 * GPL-3 and briefmap is MIT. Map tiles are flat colours plus the anti-aliased
 * edges between them, which a variance-driven median cut over the histogram
 * represents well; each result is measured and refused when any pixel moves by
 * more than the caller's bound, so the worst case is a full-colour tile, never
 * a visibly wrong one.
 */

#define MAX_DISTINCT (1u << 16) /* beyond this a tile is a photograph: keep full colour */

typedef struct entry {
	uint32_t color; /* premultiplied ARGB, cairo's own */
	uint32_t count;
	uint32_t slot; /* palette index */
} entry;

typedef struct histogram {
	entry *e;      /* open addressing; count 0 marks a free slot */
	uint32_t mask; /* capacity - 1 */
	uint32_t n;
} histogram;

static uint32_t hash(uint32_t c, uint32_t mask)
{
	return (c * 0x9E3779B1u) >> 7 & mask;
}

static int hist_grow(histogram *h)
{
	uint32_t cap = (h->mask + 1) * 2;
	entry *ne = calloc(cap, sizeof(entry));
	if (!ne)
		return -1;
	for (uint32_t i = 0; i <= h->mask; i++) {
		if (!h->e[i].count)
			continue;
		uint32_t j = hash(h->e[i].color, cap - 1);
		while (ne[j].count)
			j = (j + 1) & (cap - 1);
		ne[j] = h->e[i];
	}
	free(h->e);
	h->e = ne;
	h->mask = cap - 1;
	return 0;
}

/* The entry of a colour, added when new; NULL when out of memory. */
static entry *hist_find(histogram *h, uint32_t c)
{
	uint32_t j = hash(c, h->mask);
	while (h->e[j].count) {
		if (h->e[j].color == c)
			return &h->e[j];
		j = (j + 1) & h->mask;
	}
	if (2 * (h->n + 1) > h->mask + 1) {
		if (hist_grow(h))
			return NULL;
		return hist_find(h, c);
	}
	h->n++;
	h->e[j].color = c;
	return &h->e[j];
}

/* Counts colours; stops early (returning 1) once there are more than `limit`. */
static int hist_build(histogram *h, const unsigned char *data, int w, int ht, int stride,
                      uint32_t limit)
{
	h->mask = 1023;
	h->n = 0;
	h->e = calloc(h->mask + 1, sizeof(entry));
	if (!h->e)
		return -1;
	for (int y = 0; y < ht; y++) {
		const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * stride);
		int x = 0;
		while (x < w) {
			/* Map tiles are mostly runs of one colour: count a run at once. */
			uint32_t c = row[x];
			int run = 1;
			while (x + run < w && row[x + run] == c)
				run++;
			entry *e = hist_find(h, c);
			if (!e)
				return -1;
			e->count += (uint32_t)run;
			x += run;
			if (h->n > limit)
				return 1;
		}
	}
	return 0;
}

static int channel(uint32_t c, int k)
{
	return (int)(c >> (8 * k)) & 0xff;
}

/* A box of the median cut: a range of the colour list and its sums per channel. */
typedef struct box {
	uint32_t lo, hi;
	double sum[4], sumsq[4], n;
	double sse; /* squared error of the box around its mean, all channels */
} box;

static void box_measure(box *b, const entry *list)
{
	memset(b->sum, 0, sizeof b->sum);
	memset(b->sumsq, 0, sizeof b->sumsq);
	b->n = 0;
	for (uint32_t i = b->lo; i < b->hi; i++) {
		double w = list[i].count;
		b->n += w;
		for (int k = 0; k < 4; k++) {
			double v = channel(list[i].color, k);
			b->sum[k] += w * v;
			b->sumsq[k] += w * v * v;
		}
	}
	b->sse = 0;
	for (int k = 0; k < 4; k++)
		b->sse += b->sumsq[k] - b->sum[k] * b->sum[k] / b->n;
	if (b->hi - b->lo < 2)
		b->sse = 0;
}

/*
 * Splits a box along its widest channel (by squared error) where the two halves'
 * error on that channel is least: sorted by counting, split by prefix sums.
 */
static int box_split(box *b, box *nb, entry *list, entry *tmp)
{
	int k = 0;
	double best = -1;
	for (int c = 0; c < 4; c++) {
		double e = b->sumsq[c] - b->sum[c] * b->sum[c] / b->n;
		if (e > best) {
			best = e;
			k = c;
		}
	}
	uint32_t start[257] = {0};
	double cnt[256] = {0}, sum[256] = {0};
	for (uint32_t i = b->lo; i < b->hi; i++) {
		int v = channel(list[i].color, k);
		start[v + 1]++;
		cnt[v] += list[i].count;
		sum[v] += (double)list[i].count * v;
	}
	for (int v = 0; v < 256; v++)
		start[v + 1] += start[v];
	uint32_t pos[256];
	memcpy(pos, start, sizeof pos);
	for (uint32_t i = b->lo; i < b->hi; i++)
		tmp[pos[channel(list[i].color, k)]++] = list[i];
	memcpy(list + b->lo, tmp, (b->hi - b->lo) * sizeof(entry));
	/* The cut between values v and v+1 that minimises n_l*var_l + n_r*var_r, i.e. maximises
	 * sum_l^2/n_l + sum_r^2/n_r. */
	double nl = 0, sl = 0, best_gain = -1;
	int cut = -1;
	for (int v = 0; v < 255; v++) {
		nl += cnt[v];
		sl += sum[v];
		double nr = b->n - nl, sr = b->sum[k] - sl;
		if (nl <= 0 || nr <= 0)
			continue;
		double gain = sl * sl / nl + sr * sr / nr;
		if (gain > best_gain) {
			best_gain = gain;
			cut = v;
		}
	}
	if (cut < 0)
		return -1; /* one value only: rounding made the box look spread */
	uint32_t mid = b->lo + start[cut + 1];
	*nb = (box){.lo = mid, .hi = b->hi};
	b->hi = mid;
	box_measure(b, list);
	box_measure(nb, list);
	return 0;
}

static uint32_t box_mean(const box *b)
{
	uint32_t c = 0;
	for (int k = 0; k < 4; k++) {
		uint32_t v = (uint32_t)(b->sum[k] / b->n + 0.5);
		c |= (v > 255 ? 255 : v) << (8 * k);
	}
	return c;
}

static int max_channel_error(uint32_t a, uint32_t b)
{
	int m = 0;
	for (int k = 0; k < 4; k++) {
		int d = channel(a, k) - channel(b, k);
		d = d < 0 ? -d : d;
		m = d > m ? d : m;
	}
	return m;
}

/* What the palette of the boxes' rounded means does to the colours: the largest
 * per-channel change and the squared error over every pixel. */
static void boxes_error(const box *boxes, int nb, const entry *list, int *max, double *sq)
{
	*max = 0;
	*sq = 0;
	for (int i = 0; i < nb; i++) {
		uint32_t mean = box_mean(&boxes[i]);
		for (uint32_t j = boxes[i].lo; j < boxes[i].hi; j++) {
			int e = max_channel_error(list[j].color, mean);
			*max = e > *max ? e : *max;
			for (int k = 0; k < 4; k++) {
				double d = channel(list[j].color, k) - channel(mean, k);
				*sq += d * d * list[j].count;
			}
		}
	}
}

/*
 * Whether the palette of these boxes is good enough to stop: its squared error
 * within `sse_budget` and no colour moved beyond `max_error`. The boxes' own
 * error (around unrounded means) is summed first; the exact one reads every
 * colour, so it is measured only once that holds, and again only after a few
 * more splits.
 */
static int boxes_enough(const box *boxes, int nb, const entry *list, double sse_budget,
                        int max_error, int *next_check)
{
	if (sse_budget <= 0 || nb < *next_check)
		return 0;
	double sse = 0;
	for (int i = 0; i < nb; i++)
		sse += boxes[i].sse;
	if (sse > sse_budget)
		return 0;
	int max;
	boxes_error(boxes, nb, list, &max, &sse);
	if (max <= max_error && sse <= sse_budget)
		return 1;
	*next_check = nb + 1 + nb / 8;
	return 0;
}

/*
 * Cuts the histogram into boxes, the one of largest error first, until 256 or,
 * with a budget, until the palette is within it; each colour's slot is its box.
 * Every colour a tile has beyond the flat ones is an anti-aliased edge: the
 * fewer palette entries stand for them, the smaller a lossless WebP of the
 * palette image.
 */
static int median_cut(histogram *h, quant_palette *q, int max_error, double sse_budget)
{
	entry *list = malloc(h->n * sizeof(entry)), *tmp = malloc(h->n * sizeof(entry));
	box *boxes = malloc(256 * sizeof(box));
	int rc = -1;
	if (!list || !tmp || !boxes)
		goto out;
	uint32_t n = 0;
	for (uint32_t i = 0; i <= h->mask; i++)
		if (h->e[i].count)
			list[n++] = h->e[i];
	int nb = 1;
	boxes[0] = (box){.lo = 0, .hi = n};
	box_measure(&boxes[0], list);
	int next_check = 2;
	while (nb < 256 && !boxes_enough(boxes, nb, list, sse_budget, max_error, &next_check)) {
		int worst = 0;
		for (int i = 1; i < nb; i++)
			if (boxes[i].sse > boxes[worst].sse)
				worst = i;
		if (boxes[worst].sse <= 0)
			break;
		if (box_split(&boxes[worst], &boxes[nb], list, tmp))
			boxes[worst].sse = 0;
		else
			nb++;
	}
	q->count = nb;
	q->max_error = 0;
	q->sq_error = 0;
	for (int i = 0; i < nb; i++) {
		q->color[i] = box_mean(&boxes[i]);
		for (uint32_t j = boxes[i].lo; j < boxes[i].hi; j++) {
			int e = max_channel_error(list[j].color, q->color[i]);
			q->max_error = e > q->max_error ? e : q->max_error;
			for (int k = 0; k < 4; k++) {
				double d = channel(list[j].color, k) - channel(q->color[i], k);
				q->sq_error += d * d * list[j].count;
			}
			entry *e2 = hist_find(h, list[j].color);
			e2->slot = (uint32_t)i;
		}
	}
	rc = q->max_error <= max_error ? 1 : 0;
out:
	free(list);
	free(tmp);
	free(boxes);
	return rc;
}

int quant_palette_build(const unsigned char *data, int w, int h, int stride, int max_error,
                        double min_psnr, quant_palette *q)
{
	/* The squared error over every channel of every pixel that the PSNR allows. */
	double sse_budget =
	    min_psnr > 0 ? (double)w * h * 4 * 255.0 * 255.0 / pow(10, min_psnr / 10) : 0;
	histogram hist = {0};
	memset(q, 0, sizeof(*q));
	int rc = hist_build(&hist, data, w, h, stride, max_error > 0 ? MAX_DISTINCT : 256);
	if (rc) {
		rc = rc < 0 ? -1 : 0; /* out of memory, or too many colours: full colour */
		goto out;
	}
	if (hist.n <= 256) {
		q->count = 0;
		for (uint32_t i = 0; i <= hist.mask; i++)
			if (hist.e[i].count) {
				hist.e[i].slot = (uint32_t)q->count;
				q->color[q->count++] = hist.e[i].color;
			}
		rc = 1;
	} else if ((rc = median_cut(&hist, q, max_error, sse_budget)) != 1) {
		goto out;
	}
	q->index = malloc((size_t)w * h);
	if (!q->index) {
		rc = -1;
		goto out;
	}
	for (int y = 0; y < h; y++) {
		const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * stride);
		unsigned char *d = q->index + (size_t)y * w;
		uint32_t last = ~row[0], slot = 0;
		for (int x = 0; x < w; x++) {
			if (row[x] != last) {
				last = row[x];
				slot = hist_find(&hist, last)->slot;
			}
			d[x] = (unsigned char)slot;
		}
	}
	q->width = w;
	q->height = h;
out:
	free(hist.e);
	if (rc != 1)
		quant_palette_finish(q);
	return rc < 0 ? TILE_ENOMEM : rc;
}

void quant_palette_finish(quant_palette *q)
{
	if (!q)
		return;
	free(q->index);
	q->index = NULL;
}
