/* sheet_prose.c: a sheet's words: dateline, sources, provenance, caveats and text alternative. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sheet.h"

static void day_to_ymd(geodata_day d, int *y, int *m, int *dd)
{
	/* Civil date from days since 1970-01-01 in the proleptic Gregorian calendar. */
	long z = (long)d + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	*dd = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static void format_day(geodata_day d, char *buf, size_t n)
{
	int y, m, dd;
	day_to_ymd(d, &y, &m, &dd);
	snprintf(buf, n, "%04d-%02d-%02d", y, m, dd);
}

/* An event's date by the one rule the web page shares (geodata_date_format). */
static void format_event_date(const geodata_event *e, const char *lang, char *buf, size_t n)
{
	if (geodata_date_format_lang(e->date, e->date_precision, e->date_text, lang, buf, n))
		snprintf(buf, n, "%s", e->date ? e->date : "?");
}

static void dateline_text(const sheet_shown *sh, geodata_day until, char *buf, size_t n)
{
	char a[64], b[40];
	if (sh->nevents) {
		if (sh->latest_event)
			format_event_date(sh->latest_event, sh->lang, a, sizeof a);
		else if (sh->nevents == 99) /* a layout probe: as wide as a real dateline gets */
			snprintf(a, sizeof a, "since September 2025");
		else
			a[0] = 0;
		size_t len = (size_t)snprintf(
		    buf, n, sh->nevents == 1 ? sh->w->events_shown_one : sh->w->events_shown_many,
		    sh->nevents);
		if (len < n)
			snprintf(buf + len, n - len, "%s%s", a[0] ? sh->w->latest_dated : "", a);
	} else {
		snprintf(buf, n, "%s", sh->w->no_events);
	}
	if (until != GEODATA_DAY_OPEN) {
		size_t len = strlen(buf);
		char iso[40];
		format_day(until, iso, sizeof iso);
		if (geodata_date_format_lang(iso, "day", NULL, sh->lang, b, sizeof b))
			snprintf(b, sizeof b, "%s", iso);
		snprintf(buf + len, n - len, sh->w->as_of, b);
		/* Undated events are never placed at a date: say how many the filter hides. */
		len = strlen(buf);
		snprintf(buf + len, n - len,
		         sh->left_out == 1 ? sh->w->left_out_one : sh->w->left_out_many,
		         sh->left_out);
	}
}

static time_t sheet_time(const tile_sheet_request *req)
{
	if (req->made_at > 0)
		return (time_t)req->made_at;
	/* Reproducible output when the builder asks for it, as other tools do. */
	const char *e = getenv("SOURCE_DATE_EPOCH");
	if (e && *e) {
		char *end;
		long long v = strtoll(e, &end, 10);
		if (!*end && v >= 0)
			return (time_t)v;
	}
	return time(NULL);
}

/* The sheet's text alternative, the first words of its description in every format's metadata:
 * "Map of TITLE: 12 events, 8 reported, 3 claimed, 1 disputed; caveats: ...". */
static void alt_text(sheet_text *st, const tile_words *w, const sheet_shown *sh)
{
	char *d = st->description;
	size_t n = sizeof st->description, len;
	len = (size_t)snprintf(d, n, w->map_of, st->title);
	if (len < n)
		len += (size_t)snprintf(d + len, n - len, ": ");
	if (len < n)
		len += (size_t)snprintf(d + len, n - len,
		                        sh->nevents == 1 ? w->n_events_one : w->n_events_many,
		                        sh->nevents);
	for (int s = 0; s < GEODATA_STATUS_COUNT && len < n; s++)
		if (sh->status[s]) {
			geodata_status_words sw = geodata_status_words_get((geodata_event_status)s, w->code);
			len += (size_t)snprintf(d + len, n - len, ", %d %s", sh->status[s],
			                        sh->status[s] == 1 ? sw.count_one : sw.count_other);
		}
	if (len < n && st->caveats_full[0])
		len += (size_t)snprintf(d + len, n - len, "; %s", st->caveats_full);
	if (len < n)
		snprintf(d + len, n - len, ".");
}

/* The sheet's words; `mv` (when set up) tells what area the map shows, for the provenance. */
void sheet_text_init(sheet_text *st, const tile_scene *s, const tile_sheet_request *req,
                     const sheet_shown *sh, const sheet_map *mv)
{
	const geodata *gd = tile_scene_data(s);
	const tile_words *w = tile_words_get(req->lang);
	st->title = req->title && req->title[0] ? req->title : w->default_title;
	dateline_text(sh, req->until, st->dateline, sizeof st->dateline);
	/* Every layer's own attribution, each named once. */
	size_t n = (size_t)snprintf(st->sources, sizeof st->sources, "%s", w->sources);
	int first = 1;
	for (int i = 0; i < GEODATA_LAYER_COUNT; i++) {
		const geodata_layer *L = geodata_layer_get(gd, (geodata_layer_id)i);
		const char *a = L ? geodata_layer_attribution(L) : NULL;
		if (!a || !a[0] || strstr(st->sources, a) || n >= sizeof st->sources)
			continue;
		n += (size_t)snprintf(st->sources + n, sizeof st->sources - n, "%s%s",
		                      first ? "" : "; ", a);
		first = 0;
	}
	/* The events are credited to their own briefing's article, named by its headline. */
	const geodata_events *sev = tile_scene_events(s);
	const geodata_briefing *b = sev ? geodata_events_briefing(sev) : NULL;
	if (n < sizeof st->sources && b && b->headline) {
		n += (size_t)snprintf(st->sources + n, sizeof st->sources - n, "%s",
		                      first ? "" : "; ");
		if (n < sizeof st->sources)
			snprintf(st->sources + n, sizeof st->sources - n, w->from_article,
			         b->headline);
	}
	time_t now = sheet_time(req);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(st->iso_time, sizeof st->iso_time, "%Y-%m-%dT%H:%M:%SZ", &tm);
	char when[32];
	strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
	int merc = geodata_crs_def_is_web_mercator(req->crs);
	snprintf(st->crs, sizeof st->crs, "%s", merc ? "Web Mercator (EPSG:3857)" : req->crs);
	snprintf(st->made, sizeof st->made, w->made, when, st->crs);
	char area[128] = "";
	geodata_bbox f;
	if (mv && mv->ready && sheet_frame_lonlat(&mv->ctx, &f) == 0)
		snprintf(area, sizeof area, " The map shows %.3f,%.3f,%.3f,%.3f.", f.minx, f.miny,
		         f.maxx, f.maxy);
	geodata_events *ev = tile_scene_events(s);
	tile_caveats_text_lang(ev, 1, req->lang, st->caveats_full, sizeof st->caveats_full);
	tile_caveats_text_lang(ev, !mv || !mv->ready || req->width >= 900, req->lang, st->caveats,
	                       sizeof st->caveats);
	alt_text(st, w, sh);
	size_t len = strlen(st->description);
	snprintf(st->description + len, sizeof st->description - len,
	         " %g,%g,%g,%g (W,S,E,N), %s.%s %s. %s", req->bbox.minx, req->bbox.miny,
	         req->bbox.maxx, req->bbox.maxy, st->crs, area, st->dateline, when);
}
