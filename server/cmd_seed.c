/* cmd_seed.c: `briefmap seed`: a zoom range of tiles of one briefing into an MBTiles file. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "private.h"


static const char seed_help[] =
    "usage: briefmap seed --zoom MIN-MAX [--briefing SLUG] [--bbox W,S,E,N] [--tileset NAME] [--scale 1|2] -o "
    "FILE.mbtiles\n"
    "Renders every tile of a zoom range (default bbox: the briefing's default view) into an MBTiles file,\n"
    "on every core, with progress on a terminal. The file is written whole or not at all.\n"
    "  --threads N          render threads, default the number of cores\n" CLI_BRIEFING_HELP
    CLI_COMMON_HELP;

/* "MIN-MAX" or "Z" within the pyramid's zooms; 0 or -1. */
static int zoom_range(const char *arg, int *minzoom, int *maxzoom)
{
	char a[32], *dash;
	long lo_z, hi_z;
	snprintf(a, sizeof(a), "%s", arg);
	dash = strchr(a, '-');
	if (dash)
		*dash = 0;
	if (cli_parse_int(a, 0, GEODATA_MAX_ZOOM, &lo_z) ||
	    cli_parse_int(dash ? dash + 1 : a, 0, GEODATA_MAX_ZOOM, &hi_z) || hi_z < lo_z)
		return -1;
	*minzoom = (int)lo_z;
	*maxzoom = (int)hi_z;
	return 0;
}

int cli_cmd_seed(int argc, char **argv, cli_common *c)
{
	static const struct option lo[] = {{"zoom", required_argument, NULL, OPT_ZOOM},
	                                   {"bbox", required_argument, NULL, OPT_BBOX},
	                                   {"tileset", required_argument, NULL, OPT_TILESET},
	                                   {"scale", required_argument, NULL, OPT_SCALE},
	                                   {"threads", required_argument, NULL, OPT_THREADS},
	                                   {"briefing", required_argument, NULL, OPT_BRIEFING},
	                                   CLI_COMMON_LONGOPTS,
	                                   {NULL, 0, NULL, 0}};
	server_seed_options so = {.minzoom = -1, .scale = 1, .tileset = TILE_TILESET_BRIEFING};
	const char *bbox = NULL;
	params_tile tp;
	params_tile_init(&tp);
	int opt;
	long v;
	while ((opt = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		int r = cli_common_option(c, opt, optarg);
		if (r < 0)
			return cli_fail(CLI_EXIT_USAGE, "seed: bad --layer '%s'", optarg);
		if (r)
			continue;
		switch (opt) {
		case 'h':
			fputs(seed_help, stdout);
			return 0;
		case 'o':
			so.output = optarg;
			break;
		case OPT_ZOOM:
			if (zoom_range(optarg, &so.minzoom, &so.maxzoom))
				return cli_fail(CLI_EXIT_USAGE,
				                "seed: bad --zoom '%s' (expected MIN-MAX within 0-%d)",
				                optarg, GEODATA_MAX_ZOOM);
			break;
		case OPT_BBOX:
			bbox = optarg;
			break;
		case OPT_TILESET:
		case OPT_SCALE: {
			/* Read as `briefmap tile` and the tile URLs read them. */
			const char *key = opt == OPT_TILESET ? "tileset" : "scale", *msg;
			if (params_tile_set(&tp, key, optarg, &msg))
				return cli_fail(CLI_EXIT_USAGE, "seed: --%s '%s': %s", key, optarg, msg);
			so.tileset = tp.tileset;
			so.scale = tp.scale;
			break;
		}
		case OPT_THREADS:
			if (cli_parse_int(optarg, 1, 256, &v))
				return cli_fail(CLI_EXIT_USAGE, "seed: --threads must be 1 to 256");
			so.threads = (int)v;
			break;
		default:
			return cli_bad_option("seed", argv);
		}
	}
	if (optind < argc)
		return cli_fail(CLI_EXIT_USAGE, "seed: unexpected argument '%s'", argv[optind]);
	if (so.minzoom < 0)
		return cli_fail(CLI_EXIT_USAGE, "seed: --zoom MIN-MAX is required");
	if (!so.output)
		return cli_fail(CLI_EXIT_USAGE, "seed: -o FILE.mbtiles is required");
	geodata_error ge;
	if (bbox && geodata_bbox_parse(bbox, &so.bbox, &ge))
		return cli_fail(CLI_EXIT_USAGE, "seed: %s", ge.msg);
	int frc = cli_common_finish(c, "seed");
	if (frc)
		return frc;
	cli_loaded l;
	int rc = cli_loaded_open(c, &l, 1);
	if (rc)
		goto out;
	if (!bbox) {
		/* The briefing's default view, else its first one. */
		const geodata_briefing *b = geodata_events_briefing(l.ev);
		const geodata_view *vw =
		    geodata_views_find(l.views, b && b->default_view ? b->default_view : "");
		if (!vw && l.views && geodata_views_count(l.views))
			vw = geodata_views_get(l.views, 0);
		if (!vw) {
			rc = cli_fail(CLI_EXIT_RUNTIME, "seed: no view to seed and no --bbox");
			goto out;
		}
		so.bbox = vw->bbox;
	}
	server_error se = {{0}};
	if (server_seed(&so, l.scene, &se))
		rc = cli_fail(CLI_EXIT_RUNTIME, "%s", se.msg);
out:
	cli_loaded_close(&l);
	return rc;
}

