/* build.c: the growable arrays and pieces of a layer being read, in the loader and the reader module alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"

int dvec_reserve(dvec *d, size_t extra)
{
	if (d->len + extra <= d->cap)
		return 0;
	size_t cap = d->cap ? d->cap : 4096;
	while (cap < d->len + extra)
		cap *= 2;
	double *v = realloc(d->v, cap * sizeof(double));
	if (!v)
		return GEODATA_ENOMEM;
	d->v = v;
	d->cap = cap;
	return 0;
}

int uvec_push(uvec *u, uint32_t x)
{
	if (u->len == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 1024;
		uint32_t *v = realloc(u->v, cap * sizeof(uint32_t));
		if (!v)
			return GEODATA_ENOMEM;
		u->v = v;
		u->cap = cap;
	}
	u->v[u->len++] = x;
	return 0;
}

void build_err_set(geodata_error *err, const char *fmt, const char *a, const char *b)
{
	if (!err)
		return;
	/* Messages are cut to the buffer: a long path must not hide the start of the message. */
	char tmp[sizeof(err->msg) * 2];
	snprintf(tmp, sizeof(tmp), fmt, a, b ? b : "");
	snprintf(err->msg, sizeof(err->msg), "%.*s", (int)sizeof(err->msg) - 1, tmp);
}

int build_piece_add(builder *b)
{
	if (b->npb == b->cappb) {
		size_t cap = b->cappb ? b->cappb * 2 : 256;
		piece_build *p = realloc(b->pb, cap * sizeof(*p));
		if (!p)
			return GEODATA_ENOMEM;
		b->pb = p;
		b->cappb = cap;
	}
	piece_build *p = &b->pb[b->npb++];
	memset(p, 0, sizeof(*p));
	p->coff[SLOT_LONLAT] = b->coords.len;
	p->loff[SLOT_LONLAT] = b->lens.len;
	return 0;
}
