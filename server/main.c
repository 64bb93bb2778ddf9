/* main.c: the `briefmap` command line: its dispatch, and the render and tile subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int parse_size(const char *s, int *w, int *h)
{
	char buf[64];
	long a, b;
	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	char *x = strchr(buf, 'x');
	if (!x)
		return -1;
	*x = 0;
	if (cli_parse_int(buf, 1, TILE_MAX_SIDE, &a) || cli_parse_int(x + 1, 1, TILE_MAX_SIDE, &b))
		return -1;
	*w = (int)a;
	*h = (int)b;
	return 0;
}

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
    "  --size WxH           size in pixels (points for PDF/SVG), default 1600x1000\n"
    "  --scale 1|2          device pixels per pixel for PNG, default 1\n"
    "  --format png|pdf|svg default from the output's extension, else png\n"
    "  --crs CRS            any CRS PROJ understands (EPSG:6372, a PROJ string), default "
    "EPSG:3857\n"
    "  --title TEXT         the sheet's title (default: the view's)\n"
    "  --until YYYY-MM-DD   show only events begun by that date\n"
    "  --bare               the map alone: no title, legend, scale bar or footer\n"
    "  --lang en|es         the language of the sheet's own words and dates, default English\n"
    "  -o FILE              output file, written whole or not at all\n" CLI_BRIEFING_HELP CLI_COMMON_HELP;

static int cmd_render(int argc, char **argv, cli_common *c)
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
	const char *view = NULL, *bbox = NULL, *out = NULL, *format = NULL, *until = NULL;
	tile_sheet_request req = {
	    .width = 1600, .height = 1000, .scale = 1, .until = GEODATA_DAY_OPEN};
	int opt;
	long v;
	while ((opt = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		int r = cli_common_option(c, opt, optarg);
		if (r < 0)
			return cli_fail(CLI_EXIT_USAGE, "render: bad --layer '%s' (expected NAME=SOURCE)",
			            optarg);
		if (r)
			continue;
		switch (opt) {
		case 'h':
			fputs(render_help, stdout);
			return 0;
		case 'o':
			out = optarg;
			break;
		case OPT_VIEW:
			view = optarg;
			break;
		case OPT_BBOX:
			bbox = optarg;
			break;
		case OPT_SIZE:
			if (parse_size(optarg, &req.width, &req.height))
				return cli_fail(CLI_EXIT_USAGE,
				            "render: bad --size '%s' (expected WxH, each 1 to %d)",
				            optarg, TILE_MAX_SIDE);
			break;
		case OPT_SCALE:
			if (cli_parse_int(optarg, 1, 2, &v))
				return cli_fail(CLI_EXIT_USAGE, "render: --scale must be 1 or 2");
			req.scale = (int)v;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_CRS:
			req.crs = optarg;
			break;
		case OPT_TITLE:
			req.title = optarg;
			break;
		case OPT_UNTIL:
			until = optarg;
			break;
		case OPT_BARE:
			req.bare = 1;
			break;
		case OPT_LANG:
			if (!(req.lang = tile_sheet_lang_find(optarg)))
				return cli_fail(CLI_EXIT_USAGE, "render: --lang must be en or es");
			break;
		default:
			return cli_bad_option("render", argv);
		}
	}
	if (optind < argc)
		return cli_fail(CLI_EXIT_USAGE, "render: unexpected argument '%s'", argv[optind]);
	if (!!view == !!bbox)
		return cli_fail(CLI_EXIT_USAGE,
		            "render: give exactly one of --view NAME or --bbox W,S,E,N");
	if (!out)
		return cli_fail(CLI_EXIT_USAGE, "render: -o FILE is required");
	int fmt = tile_format_from_name(format ? format : ext_of(out));
	if (fmt < 0 && format)
		return cli_fail(CLI_EXIT_USAGE, "render: unknown --format '%s' (png, pdf or svg)", format);
	req.format = fmt < 0 ? TILE_FORMAT_PNG : (tile_format)fmt;
	if (until && geodata_date_parse(until, &req.until))
		return cli_fail(CLI_EXIT_USAGE, "render: bad --until '%s' (expected YYYY-MM-DD)", until);
	geodata_error ge;
	if (bbox && geodata_bbox_parse(bbox, &req.bbox, &ge))
		return cli_fail(CLI_EXIT_USAGE, "render: %s", ge.msg);
	int frc = cli_common_finish(c, "render");
	if (frc)
		return frc;

	cli_loaded l;
	tile_buffer buf = {0};
	tile_error te;
	int rc = cli_loaded_open(c, &l, 1);
	if (rc)
		goto out;
	if (view) {
		const geodata_view *vw = geodata_views_find(l.views, view);
		if (!vw) {
			rc = cli_fail(CLI_EXIT_USAGE, "render: unknown view '%s' (see `briefmap views`)",
			          view);
			goto out;
		}
		req.bbox = vw->bbox;
		if (!req.title)
			req.title = vw->title;
	}
	if (!req.title)
		req.title = "Briefing map";
	int trc = tile_sheet_render(l.scene, &req, &buf, &te);
	if (trc) {
		rc = cli_fail(trc == TILE_EINVAL || trc == TILE_ETOOBIG || trc == TILE_ECRS
		              ? CLI_EXIT_USAGE
		              : CLI_EXIT_RUNTIME,
		          "render: %s", te.msg);
		goto out;
	}
	rc = cli_write_file_atomic(out, buf.data, buf.len);
out:
	tile_buffer_finish(&buf);
	cli_loaded_close(&l);
	return rc;
}

/* ---- briefmap tile ------------------------------------------------------------- */

static const char tile_help[] =
    "usage: briefmap tile Z/X/Y [--briefing SLUG] [--tileset briefing|base|events] [--scale 1|2] [--until DATE] -o "
    "FILE\n"
    "Writes one XYZ tile (EPSG:3857, y = 0 at the north, zoom 0-12) as PNG, or as WebP when\n"
    "FILE ends in .webp.\n" CLI_BRIEFING_HELP CLI_COMMON_HELP;

static int parse_zxy(const char *s, int *z, long *x, long *y)
{
	char buf[64];
	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	char *a = strtok(buf, "/"), *b = strtok(NULL, "/"), *d = strtok(NULL, "/");
	long zz;
	if (!a || !b || !d || strtok(NULL, "/") || cli_parse_int(a, 0, 30, &zz) ||
	    cli_parse_int(b, 0, LONG_MAX, x) || cli_parse_int(d, 0, LONG_MAX, y))
		return -1;
	*z = (int)zz;
	return 0;
}

static int cmd_tile(int argc, char **argv, cli_common *c)
{
	static const struct option lo[] = {{"tileset", required_argument, NULL, OPT_TILESET},
	                                   {"scale", required_argument, NULL, OPT_SCALE},
	                                   {"until", required_argument, NULL, OPT_UNTIL},
	                                   {"briefing", required_argument, NULL, OPT_BRIEFING},
	                                   CLI_COMMON_LONGOPTS,
	                                   {NULL, 0, NULL, 0}};
	const char *out = NULL, *tileset = "briefing", *until = NULL;
	int scale = 1, opt;
	long v;
	while ((opt = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		int r = cli_common_option(c, opt, optarg);
		if (r < 0)
			return cli_fail(CLI_EXIT_USAGE, "tile: bad --layer '%s'", optarg);
		if (r)
			continue;
		switch (opt) {
		case 'h':
			fputs(tile_help, stdout);
			return 0;
		case 'o':
			out = optarg;
			break;
		case OPT_TILESET:
			tileset = optarg;
			break;
		case OPT_SCALE:
			if (cli_parse_int(optarg, 1, 2, &v))
				return cli_fail(CLI_EXIT_USAGE, "tile: --scale must be 1 or 2");
			scale = (int)v;
			break;
		case OPT_UNTIL:
			until = optarg;
			break;
		default:
			return cli_bad_option("tile", argv);
		}
	}
	if (optind != argc - 1)
		return cli_fail(CLI_EXIT_USAGE, "tile: give one tile as Z/X/Y");
	int z;
	long x, y;
	if (parse_zxy(argv[optind], &z, &x, &y))
		return cli_fail(CLI_EXIT_USAGE, "tile: bad tile '%s' (expected Z/X/Y)", argv[optind]);
	if (!tile_xyz_valid(z, x, y))
		return cli_fail(CLI_EXIT_USAGE,
		            "tile: %s is outside the pyramid (zoom 0-%d, x and y below 2^zoom)",
		            argv[optind], GEODATA_MAX_ZOOM);
	int ts = tile_tileset_from_name(tileset);
	if (ts < 0)
		return cli_fail(CLI_EXIT_USAGE, "tile: unknown tileset '%s' (briefing, base or events)",
		            tileset);
	geodata_day day = GEODATA_DAY_OPEN;
	if (until && geodata_date_parse(until, &day))
		return cli_fail(CLI_EXIT_USAGE, "tile: bad --until '%s' (expected YYYY-MM-DD)", until);
	if (!out)
		return cli_fail(CLI_EXIT_USAGE, "tile: -o FILE is required");
	/* The format follows the file's extension when it names one; PNG otherwise. */
	const char *ext = ext_of(out);
	int fmt = tile_image_format_from_ext(ext, strlen(ext));
	int frc = cli_common_finish(c, "tile");
	if (frc)
		return frc;
	cli_loaded l;
	tile_buffer buf = {0};
	tile_error te;
	int rc = cli_loaded_open(c, &l, 1);
	if (rc)
		goto out;
	if (tile_render_xyz_as(l.scene, (tile_tileset)ts, z, x, y, scale, day,
	                       fmt < 0 ? TILE_IMAGE_PNG : (tile_image_format)fmt, &buf, &te)) {
		rc = cli_fail(CLI_EXIT_RUNTIME, "tile: %s", te.msg);
		goto out;
	}
	rc = cli_write_file_atomic(out, buf.data, buf.len);
out:
	tile_buffer_finish(&buf);
	cli_loaded_close(&l);
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
