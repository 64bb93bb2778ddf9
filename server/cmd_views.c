/* cmd_views.c: `briefmap views`: lists the named views of one briefing. */
#include <stdio.h>

#include "cli.h"

static const char views_help[] =
    "usage: briefmap views [--briefing SLUG]\n"
    "Lists the named views of a briefing: name, box in degrees (W,S,E,N) and title.\n"
    CLI_BRIEFING_HELP CLI_COMMON_HELP;

int cli_cmd_views(int argc, char **argv, cli_common *c)
{
	int orc = cli_briefing_options(argc, argv, c, "views", views_help);
	if (orc >= 0)
		return orc;
	int frc = cli_common_finish(c, "views");
	if (frc)
		return frc;
	if (!c->views)
		return cli_fail(CLI_EXIT_RUNTIME, "views: no views.json beside '%s'", c->events);
	geodata_error e;
	geodata_views *v = geodata_views_load(c->views, &e);
	if (!v)
		return cli_fail(CLI_EXIT_RUNTIME, "%s", e.msg);
	for (size_t i = 0; i < geodata_views_count(v); i++) {
		const geodata_view *w = geodata_views_get(v, i);
		printf("%-14s %8.2f,%.2f,%.2f,%.2f  %s\n", w->name, w->bbox.minx, w->bbox.miny,
		       w->bbox.maxx, w->bbox.maxy, w->title);
	}
	geodata_views_destroy(v);
	return 0;
}
