/* caveats.c: the words of a briefing's caveats, as every output shows them. */
#include <stdio.h>
#include <string.h>

#include "tiles.h"

static const char *kind_title(geodata_caveat_kind k)
{
	switch (k) {
	case GEODATA_CAVEAT_CONTRADICTION:
		return "Contradiction";
	case GEODATA_CAVEAT_INACCURACY:
		return "Inaccuracy";
	case GEODATA_CAVEAT_UNDATED:
		return "Undated";
	default:
		return "Note";
	}
}

/* Appends without cutting a UTF-8 sequence in half. */
static void append(char *buf, size_t n, const char *s)
{
	size_t used = strlen(buf), len = strlen(s);
	if (used + 1 >= n)
		return;
	if (used + len + 1 > n) {
		len = n - used - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(buf + used, s, len);
	buf[used + len] = 0;
}

size_t tile_caveats_text(const geodata_events *ev, int full, char *buf, size_t n)
{
	if (!buf || !n)
		return 0;
	buf[0] = 0;
	const geodata_briefing *b = geodata_events_briefing(ev);
	if (!b || !b->ncaveats)
		return 0;
	if (full) {
		append(buf, n, "Caveats about the article.");
		for (size_t i = 0; i < b->ncaveats; i++) {
			append(buf, n, " ");
			append(buf, n, kind_title(b->caveats[i].kind));
			append(buf, n, ": ");
			append(buf, n, b->caveats[i].text);
		}
		return strlen(buf);
	}
	/* The short form names each kind once, with how many there are. */
	append(buf, n, "Caveats about the article: ");
	int first = 1;
	for (int k = 0; k < GEODATA_CAVEAT_COUNT; k++) {
		size_t count = 0;
		for (size_t i = 0; i < b->ncaveats; i++)
			count += b->caveats[i].kind == (geodata_caveat_kind)k;
		if (!count)
			continue;
		char part[64];
		snprintf(part, sizeof part, "%s%s", first ? "" : "; ",
		         geodata_caveat_kind_name((geodata_caveat_kind)k));
		append(buf, n, part);
		if (count > 1) {
			snprintf(part, sizeof part, " (%zu)", count);
			append(buf, n, part);
		}
		first = 0;
	}
	append(buf, n, ". See the briefing for details.");
	return strlen(buf);
}
