/* cmd_check.c: `briefmap check`: validates the base data and every briefing, with a summary. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"

static const char check_help[] =
    "usage: briefmap check [--briefing DIR|SLUG] [--briefings DIR] [--events FILE] [--data DIR]\n"
    "Loads the base data and validates every briefing of the folder (or the one given by\n"
    "slug or by its folder), printing a summary of each: events by status, views, caveats\n"
    "and quotes checked against article.txt. Every problem is one line on stderr naming the\n"
    "file, the feature and the field; the exit status is 1 if any briefing is bad.\n"
    "  --briefing DIR|SLUG  check one briefing only\n" CLI_COMMON_HELP;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void print_layers(const geodata *gd)
{
	printf("%-14s %9s %8s %9s %9s  %s\n", "layer", "features", "pieces", "vertices", "load ms",
	       "extent (W,S,E,N degrees)");
	for (int i = 0; i < GEODATA_LAYER_COUNT; i++) {
		geodata_layer_stats st;
		geodata_layer_stats_get(geodata_layer_get(gd, (geodata_layer_id)i), &st);
		printf("%-14s %9zu %8zu %9zu %9.1f  %.2f,%.2f,%.2f,%.2f\n",
		       geodata_layer_name((geodata_layer_id)i), st.features, st.pieces, st.vertices,
		       st.load_ms, st.extent_lonlat.minx, st.extent_lonlat.miny,
		       st.extent_lonlat.maxx, st.extent_lonlat.maxy);
	}
	printf("layers %s\n", geodata_from_snapshot(gd)
	                          ? "mapped from the prepared snapshot (base.snapshot)"
	                          : "read through GDAL/OGR, reprojected and generalised");
	if (geodata_snapshot_note(gd)[0])
		printf("%s; rebuilt from the GeoPackage\n", geodata_snapshot_note(gd));
}

static void print_events(const geodata_events *ev, const char *events)
{
	size_t by_status[GEODATA_STATUS_COUNT] = {0};
	size_t nquotes = 0, undated = 0, n = geodata_events_count(ev);
	for (size_t i = 0; i < n; i++) {
		const geodata_event *e = geodata_events_get(ev, i);
		by_status[e->status]++;
		nquotes += e->nsources;
		undated += !e->date;
	}
	printf("  events: %zu in %s (%s", n, events, n ? "" : "none yet");
	for (int s = 0, first = 1; s < GEODATA_STATUS_COUNT; s++) {
		if (!by_status[s])
			continue;
		printf("%s%zu %s", first ? "" : ", ", by_status[s],
		       geodata_event_status_name((geodata_event_status)s));
		first = 0;
	}
	printf(")\n  quotes: %zu, %s\n", nquotes,
	       geodata_events_quotes_checked(ev)
	           ? "every one found verbatim in article.txt"
	           : "not checked (no article.txt beside the events file)");
	printf("  undated events: %zu\n", undated);
}

/* Validates one briefing's events, metadata and views; returns 0 if good, 1 if bad. */
static int check_one(const geodata *gd, const char *label, const char *events, const char *views)
{
	printf("briefing %s\n", label);
	fflush(stdout);
	geodata_problems pr = {0};
	geodata_events *ev = geodata_events_load(gd, events, &pr);
	if (!ev) {
		cli_events_rejected(events, &pr);
		return 1;
	}
	geodata_problems_finish(&pr);
	int bad = 0;
	print_events(ev, events);
	geodata_views *vs = NULL;
	if (views) {
		geodata_error e = {{0}};
		if (!(vs = geodata_views_load(views, &e))) {
			fflush(stdout);
			cli_fail(CLI_EXIT_RUNTIME, "%s", e.msg);
			bad = 1;
		} else {
			printf("  views: %zu in %s\n", geodata_views_count(vs), views);
		}
	} else {
		printf("  views: none (no views.json beside the events file)\n");
	}
	const geodata_briefing *b = geodata_events_briefing(ev);
	if (b) {
		printf("  title: \"%s\"\n  caveats: %zu\n", b->title, b->ncaveats);
		if (b->default_view && vs && !geodata_views_find(vs, b->default_view)) {
			fflush(stdout);
			cli_fail(CLI_EXIT_RUNTIME,
			         "%s: field \"default_view\": no view \"%s\" in views.json", events,
			         b->default_view);
			bad = 1;
		}
	} else {
		printf("  briefing.json: none beside the events file\n");
	}
	geodata_views_destroy(vs);
	geodata_events_unref(ev);
	return bad;
}

/* --briefing names a folder when it holds a '/' or is not a slug of the folder. */
static int briefing_is_dir(const cli_common *c)
{
	char path[PATH_MAX];
	struct stat st;
	if (strchr(c->briefing, '/'))
		return 1;
	if (geodata_briefing_path(c->briefings, c->briefing, GEODATA_BRIEFING_EVENTS, path,
	                          sizeof path) == 0 &&
	    stat(path, &st) == 0)
		return 0;
	return stat(c->briefing, &st) == 0 && S_ISDIR(st.st_mode);
}

static void check_dir(const geodata *gd, const char *dir, int *nbad)
{
	char events[PATH_MAX], views[PATH_MAX];
	struct stat st;
	snprintf(events, sizeof events, "%s/%s", dir, GEODATA_BRIEFING_EVENTS);
	snprintf(views, sizeof views, "%s/%s", dir, GEODATA_BRIEFING_VIEWS);
	*nbad += check_one(gd, dir, events, stat(views, &st) == 0 ? views : NULL);
}

static int check_folder(cli_common *c, const geodata *gd, int *nbad)
{
	geodata_briefing_list list;
	geodata_error e = {{0}};
	if (geodata_briefings_list(c->briefings, &list, &e))
		return cli_fail(CLI_EXIT_RUNTIME, "check: %s", e.msg), -1;
	if (!list.count)
		printf("no briefing in %s (make one with `briefmap new`)\n", c->briefings);
	for (size_t i = 0; i < list.count; i++) {
		char events[PATH_MAX], views[PATH_MAX];
		geodata_briefing_path(c->briefings, list.slugs[i], GEODATA_BRIEFING_EVENTS, events,
		                      sizeof events);
		geodata_briefing_path(c->briefings, list.slugs[i], GEODATA_BRIEFING_VIEWS, views,
		                      sizeof views);
		*nbad += check_one(gd, list.slugs[i], events, views);
	}
	size_t n = list.count;
	geodata_briefing_list_finish(&list);
	return (int)n;
}

int cli_cmd_check(int argc, char **argv, cli_common *c)
{
	int orc = cli_briefing_options(argc, argv, c, "check", check_help);
	if (orc >= 0)
		return orc;
	if (!c->briefings)
		c->briefings = c->briefings_default;
	/* A briefing given as a folder is checked as it is; a slug must be in the folder. */
	int one_dir = c->briefing && !c->events && briefing_is_dir(c);
	if (!one_dir && (c->briefing || c->events)) {
		int frc = cli_common_finish(c, "check");
		if (frc)
			return frc;
	}
	c->gopts.data_dir = c->data_dir ? c->data_dir : c->data_default;
	double t0 = now_ms();
	geodata_error e = {{0}};
	geodata *gd = geodata_load(&c->gopts, &e);
	if (!gd)
		return cli_fail(CLI_EXIT_RUNTIME, "%s", e.msg);
	print_layers(gd);
	int nbad = 0, n = 1;
	if (one_dir)
		check_dir(gd, c->briefing, &nbad);
	else if (c->events)
		nbad = check_one(gd, c->slug[0] ? c->slug : c->events, c->events, c->views);
	else
		n = check_folder(c, gd, &nbad);
	geodata_destroy(gd);
	if (n < 0)
		return CLI_EXIT_RUNTIME;
	printf("briefings: %d checked, %d good, %d bad; loaded in %.0f ms\n", n, n - nbad, nbad,
	       now_ms() - t0);
	return nbad ? CLI_EXIT_RUNTIME : 0;
}
