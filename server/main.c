/* main.c: the `briefmap` command line: its dispatch, and the render and tile subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "private.h"

static const char *ext_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	return dot && (!slash || dot > slash) ? dot + 1 : "";
}

/* ---- briefmap render ----------------------------------------------------------- */

static const char render_help[] =
    "usage: briefmap render [--briefing SLUG] (--view NAME | --bbox W,S,E,N) [options] -o FILE\n"
    "Writes a briefing sheet (or with --bare the map alone) as PNG, PDF or SVG.\n"
    "  --view NAME          a named view (see `briefmap views`)\n"
    "  --bbox W,S,E,N       any box in degrees\n"
    "  --size WxH           size in pixels (points for PDF/SVG), default " PARAMS_SHEET_SIZE "\n"
    "  --scale 1|2          device pixels per pixel for PNG, default 1\n"
    "  --format png|pdf|svg default from the output's extension, else png\n"
    "  --crs CRS            any CRS PROJ understands (EPSG:6372, a PROJ string), default "
    "EPSG:3857\n"
    "  --title TEXT         the sheet's title (default: the view's)\n"
    "  --until YYYY-MM-DD   show only events begun by that date\n"
    "  --bare               the map alone: no title, legend, scale bar or footer\n"
    "  --lang en|es         the language of the sheet's own words and dates, default English\n"
    "  -o FILE              output file, written whole or not at all\n" CLI_BRIEFING_HELP CLI_COMMON_HELP;

/* The option a sheet parameter comes from: the same names as the HTTP query's. */
static const char *sheet_key(int opt)
{
	switch (opt) {
	case OPT_VIEW: return "view";
	case OPT_BBOX: return "bbox";
	case OPT_SIZE: return "size";
	case OPT_SCALE: return "scale";
	case OPT_FORMAT: return "format";
	case OPT_CRS: return "crs";
	case OPT_TITLE: return "title";
	case OPT_UNTIL: return "until";
	case OPT_BARE: return "bare";
	case OPT_LANG: return "lang";
	default: return NULL;
	}
}

/* Reads render's options into `p` and `*out`; -1 to go on, else an exit status. */
static int render_options(int argc, char **argv, cli_common *c, params_sheet *p,
                          const char **out)
{
	static const struct option lo[] = {{"view", required_argument, NULL, OPT_VIEW},
	                                   {"bbox", required_argument, NULL, OPT_BBOX},
	                                   {"size", required_argument, NULL, OPT_SIZE},
	                                   {"scale", required_argument, NULL, OPT_SCALE},
	                                   {"format", required_argument, NULL, OPT_FORMAT},
	                                   {"crs", required_argument, NULL, OPT_CRS},
	                                   {"title", required_argument, NULL, OPT_TITLE},
	                                   {"until", required_argument, NULL, OPT_UNTIL},
	                                   {"bare", no_argument, NULL, OPT_BARE},
	                                   {"lang", required_argument, NULL, OPT_LANG},
	                                   {"briefing", required_argument, NULL, OPT_BRIEFING},
	                                   CLI_COMMON_LONGOPTS,
	                                   {NULL, 0, NULL, 0}};
	int opt, format = 0;
	while ((opt = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		int r = cli_common_option(c, opt, optarg);
		if (r < 0)
			return cli_fail(CLI_EXIT_USAGE, "render: bad --layer '%s' (expected NAME=SOURCE)",
			                optarg);
		if (r)
			continue;
		const char *key = sheet_key(opt);
		if (opt == 'h') {
			fputs(render_help, stdout);
			return 0;
		} else if (opt == 'o') {
			*out = optarg;
		} else if (!key) {
			return cli_bad_option("render", argv);
		} else if (params_sheet_set(p, key, opt == OPT_BARE ? "1" : optarg) != 0) {
			return cli_fail(CLI_EXIT_USAGE, "render: --%s: %s", key, p->msg);
		}
		format |= opt == OPT_FORMAT;
	}
	if (optind < argc)
		return cli_fail(CLI_EXIT_USAGE, "render: unexpected argument '%s'", argv[optind]);
	if (!!p->view == !!p->has_bbox)
		return cli_fail(CLI_EXIT_USAGE,
		                "render: give exactly one of --view NAME or --bbox W,S,E,N");
	if (!*out)
		return cli_fail(CLI_EXIT_USAGE, "render: -o FILE is required");
	/* Without --format, the output's extension when it names one; PNG otherwise. */
	if (!format && tile_format_from_name(ext_of(*out)) >= 0)
		params_sheet_set(p, "format", ext_of(*out));
	if (params_sheet_check(p) != 0)
		return cli_fail(CLI_EXIT_USAGE, "render: %s", p->msg);
	return -1;
}

typedef struct {
	params_sheet p;
	tile_buffer buf;
} render_job;

static int render_draw(cli_common *c, cli_loaded *l, void *ud)
{
	(void)c;
	render_job *j = ud;
	tile_error te;
	tile_buffer_finish(&j->buf);
	if (params_sheet_view(&j->p, l->views) != 0)
		return cli_fail(CLI_EXIT_USAGE, "render: unknown view '%s' (see `briefmap views`)",
		                j->p.view);
	int trc = tile_sheet_render(l->scene, &j->p.req, &j->buf, &te);
	if (trc && geodata_damaged(l->gd))
		return CLI_EXIT_RUNTIME;
	if (trc)
		return cli_fail(trc == TILE_EINVAL || trc == TILE_ETOOBIG || trc == TILE_ECRS
		                    ? CLI_EXIT_USAGE
		                    : CLI_EXIT_RUNTIME,
		                "render: %s", te.msg);
	return 0;
}

static int cmd_render(int argc, char **argv, cli_common *c)
{
	render_job j = {0};
	const char *out = NULL;
	params_sheet_init(&j.p);
	int orc = render_options(argc, argv, c, &j.p, &out);
	if (orc >= 0)
		return orc;
	int rc = cli_common_finish(c, "render");
	if (!rc && !(rc = cli_loaded_draw(c, "render", render_draw, &j)))
		rc = cli_write_file_atomic(out, j.buf.data, j.buf.len);
	tile_buffer_finish(&j.buf);
	return rc;
}

/* ---- briefmap tile ------------------------------------------------------------- */

static const char tile_help[] =
    "usage: briefmap tile Z/X/Y [--briefing SLUG] [--tileset briefing|base|events] [--scale 1|2] [--until DATE] [--lang en|es] -o "
    "FILE\n"
    "Writes one XYZ tile (EPSG:3857, y = 0 at the north, zoom 0-12) as PNG, or as WebP when\n"
    "FILE ends in .webp. --lang names the base map's places in that language where the data\n"
    "has the names.\n" CLI_BRIEFING_HELP CLI_COMMON_HELP;

/* Reads tile's options into `t` and `*out`; -1 to go on, else an exit status. */
static int tile_options(int argc, char **argv, cli_common *c, params_tile *t, const char **out)
{
	static const struct option lo[] = {{"tileset", required_argument, NULL, OPT_TILESET},
	                                   {"scale", required_argument, NULL, OPT_SCALE},
	                                   {"until", required_argument, NULL, OPT_UNTIL},
	                                   {"lang", required_argument, NULL, OPT_LANG},
	                                   {"briefing", required_argument, NULL, OPT_BRIEFING},
	                                   CLI_COMMON_LONGOPTS,
	                                   {NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		int r = cli_common_option(c, opt, optarg);
		if (r < 0)
			return cli_fail(CLI_EXIT_USAGE, "tile: bad --layer '%s'", optarg);
		if (r)
			continue;
		const char *key = opt == OPT_TILESET ? "tileset"
		                  : opt == OPT_SCALE ? "scale"
		                  : opt == OPT_UNTIL ? "until"
		                  : opt == OPT_LANG  ? "lang"
		                                     : NULL, *msg;
		if (opt == 'h') {
			fputs(tile_help, stdout);
			return 0;
		} else if (opt == 'o') {
			*out = optarg;
		} else if (!key) {
			return cli_bad_option("tile", argv);
		} else if (params_tile_set(t, key, optarg, &msg) != 0) {
			return cli_fail(CLI_EXIT_USAGE, "tile: --%s '%s': %s", key, optarg, msg);
		}
	}
	if (optind != argc - 1)
		return cli_fail(CLI_EXIT_USAGE, "tile: give one tile as Z/X/Y");
	const char *zxy = argv[optind], *msg;
	if (params_tile_address(t, zxy, strlen(zxy), &msg) != 0)
		return cli_fail(CLI_EXIT_USAGE, "tile: bad tile '%s': %s (zoom 0-%d, x and y below 2^zoom)",
		                zxy, msg, GEODATA_MAX_ZOOM);
	if (!*out)
		return cli_fail(CLI_EXIT_USAGE, "tile: -o FILE is required");
	/* The format follows the file's extension when it names one; PNG otherwise. */
	const char *ext = ext_of(*out);
	if (tile_image_format_from_ext(ext, strlen(ext)) >= 0)
		params_tile_set(t, "ext", ext, &msg);
	return -1;
}

typedef struct {
	params_tile t;
	tile_buffer buf;
} tile_job;

static int tile_draw(cli_common *c, cli_loaded *l, void *ud)
{
	tile_job *j = ud;
	const params_tile *t = &j->t;
	tile_error te = {"tile outside the pyramid"};
	tile_key k;
	tile_buffer_finish(&j->buf);
	const geodata_events *ev = tile_scene_events(l->scene);
	if (tile_key_init(&k, t->tileset, t->z, t->x, t->y, t->scale, t->format, t->until,
	                  ev ? geodata_events_hash(ev) : 0, c->slug) != 0 ||
	    (tile_key_set_lang(&k, t->lang), tile_key_render(l->scene, &k, &j->buf, &te)))
		return geodata_damaged(l->gd) ? CLI_EXIT_RUNTIME
		                              : cli_fail(CLI_EXIT_RUNTIME, "tile: %s", te.msg);
	return 0;
}

static int cmd_tile(int argc, char **argv, cli_common *c)
{
	tile_job j = {0};
	const char *out = NULL;
	params_tile_init(&j.t);
	int orc = tile_options(argc, argv, c, &j.t, &out);
	if (orc >= 0)
		return orc;
	int rc = cli_common_finish(c, "tile");
	if (!rc && !(rc = cli_loaded_draw(c, "tile", tile_draw, &j)))
		rc = cli_write_file_atomic(out, j.buf.data, j.buf.len);
	tile_buffer_finish(&j.buf);
	return rc;
}

static const char usage[] =
    "usage: briefmap COMMAND [options]   (briefmap COMMAND --help for details)\n"
    "  serve    the web map, tiles, TileJSON and API over HTTP\n"
    "  render   a briefing sheet (PNG, PDF or SVG) of a view or a box\n"
    "  tile     one XYZ tile as PNG\n"
    "  seed     render a range of tiles into an MBTiles file\n"
    "  new      scaffold a briefing folder from an article\n"
    "  check    validate the base data and the briefings, print a summary\n"
    "  views    list the named views\n"
    "briefmap --version prints the version of the program and of its libraries.\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return CLI_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version"))
		return cli_print_version();
	cli_common c;
	cli_common_init(&c);
	/* getopt's own messages would make a second stderr line: we report bad options ourselves.
	 */
	opterr = 0;
	argc--;
	argv++;
	if (!strcmp(cmd, "render"))
		return cmd_render(argc, argv, &c);
	if (!strcmp(cmd, "tile"))
		return cmd_tile(argc, argv, &c);
	if (!strcmp(cmd, "check"))
		return cli_cmd_check(argc, argv, &c);
	if (!strcmp(cmd, "views"))
		return cli_cmd_views(argc, argv, &c);
	if (!strcmp(cmd, "serve"))
		return cli_cmd_serve(argc, argv, &c);
	if (!strcmp(cmd, "seed"))
		return cli_cmd_seed(argc, argv, &c);
	if (!strcmp(cmd, "new"))
		return cli_cmd_new(argc, argv, &c);
	return cli_fail(CLI_EXIT_USAGE,
	                "unknown command '%s' (serve, render, tile, seed, new, check, views)",
	            cmd);
}
