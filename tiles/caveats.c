/* caveats.c: the words of a briefing's caveats, as every output shows them. */
#include <stdio.h>
#include <string.h>

#include "private.h"

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
	return tile_caveats_text_lang(ev, full, NULL, buf, n);
}

size_t tile_caveats_text_lang(const geodata_events *ev, int full, const char *lang, char *buf,
                              size_t n)
{
	const tile_words *w = tile_words_get(lang);
	if (!buf || !n)
		return 0;
	buf[0] = 0;
	const geodata_briefing *b = geodata_events_briefing(ev);
	if (!b || !b->ncaveats)
		return 0;
	if (full) {
		append(buf, n, w->caveats_full);
		for (size_t i = 0; i < b->ncaveats; i++) {
			append(buf, n, " ");
			append(buf, n,
			       (unsigned)b->caveats[i].kind < GEODATA_CAVEAT_COUNT
			           ? w->caveat_kinds[b->caveats[i].kind]
			           : w->caveat_kinds[GEODATA_CAVEAT_OTHER]);
			append(buf, n, ": ");
			append(buf, n, b->caveats[i].text);
		}
		return strlen(buf);
	}
	/* The short form names each kind once, with how many there are. */
	append(buf, n, w->caveats_short);
	int first = 1;
	for (int k = 0; k < GEODATA_CAVEAT_COUNT; k++) {
		size_t count = 0;
		for (size_t i = 0; i < b->ncaveats; i++)
			count += b->caveats[i].kind == (geodata_caveat_kind)k;
		if (!count)
			continue;
		char part[64];
		snprintf(part, sizeof part, "%s%s", first ? "" : "; ", w->caveat_kinds_short[k]);
		append(buf, n, part);
		if (count > 1) {
			snprintf(part, sizeof part, " (%zu)", count);
			append(buf, n, part);
		}
		first = 0;
	}
	append(buf, n, w->caveats_more);
	return strlen(buf);
}
