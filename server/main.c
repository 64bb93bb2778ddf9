/* main.c: the `briefmap` command line: serve, render, tile, seed, check, views. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ops.h"
#include "server.h"

#ifndef BRIEFMAP_SOURCE_ROOT
#define BRIEFMAP_SOURCE_ROOT "."
#endif

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("briefmap: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return code;
}

/* Resources live in the source tree: found from the working directory or the build's root. */
typedef struct paths {
	char views[PATH_MAX];
	char events[PATH_MAX];
	char data[PATH_MAX];
	char statics[PATH_MAX];
} paths;

static void resolve(char *out, const char *rel)
{
	if (access(rel, F_OK) == 0)
		snprintf(out, PATH_MAX, "%s", rel);
	else
		snprintf(out, PATH_MAX, "%s/%s", BRIEFMAP_SOURCE_ROOT, rel);
}

static void paths_init(paths *p)
{
	resolve(p->views, "briefings/us-mexico-cartels/views.json");
	resolve(p->events, "briefings/us-mexico-cartels/events.geojson");
	resolve(p->data, "var/data");
	resolve(p->statics, "static");
}

/* Options shared by the subcommands that load data. */
typedef struct common {
	paths p;
	const char *data_dir;
	const char *events;
	const char *views;
	geodata_options gopts;
} common;

enum {
	OPT_DATA = 1000,
	OPT_EVENTS,
	OPT_LAYER,
	OPT_LISTEN,
	OPT_THREADS,
	OPT_CONNS_PER_IP,
	OPT_TIMEOUT,
	OPT_CACHE,
	OPT_SHEET_BUDGET,
	OPT_VIEW,
	OPT_BBOX,
	OPT_SIZE,
	OPT_SCALE,
	OPT_FORMAT,
	OPT_CRS,
	OPT_TITLE,
	OPT_UNTIL,
	OPT_BARE,
	OPT_TILESET,
	OPT_ZOOM,
	OPT_VIEWS,
	OPT_VERSION,
	OPT_PUBLIC_URL,
	OPT_TRUST_PROXY,
	OPT_ACCESS_LOG,
	OPT_ACCESS_LOG_FORMAT
};

/* `briefmap --version` and `briefmap COMMAND --version`: the program and its libraries. */
static int print_version(void)
{
	char libs[256];
	server_version_libraries(libs, sizeof libs);
	printf("briefmap %s\n%s\n", server_version(), libs);
	return 0;
}

static int common_option(common *c, int opt, const char *arg)
{
	switch (opt) {
	case OPT_DATA:
		c->data_dir = arg;
		return 1;
	case OPT_EVENTS:
		c->events = arg;
		return 1;
	case OPT_VIEWS:
		c->views = arg;
		return 1;
	case OPT_VERSION:
		/* Nothing is allocated while options are read: leaving here releases nothing. */
		exit(print_version());
	case OPT_LAYER: {
		const char *eq = strchr(arg, '=');
		if (!eq)
			return -1;
		for (int i = 0; i < GEODATA_LAYER_COUNT; i++) {
			const char *n = geodata_layer_name((geodata_layer_id)i);
			if (strlen(n) == (size_t)(eq - arg) &&
			    !strncmp(n, arg, (size_t)(eq - arg))) {
				c->gopts.layer_source[i] = eq + 1;
				return 1;
			}
		}
		return -1;
	}
	}
	return 0;
}

#define COMMON_LONGOPTS                                                                            \
	{"data", required_argument, NULL, OPT_DATA},                                               \
	    {"events", required_argument, NULL, OPT_EVENTS},                                       \
	    {"views-file", required_argument, NULL, OPT_VIEWS},                                    \
	    {"layer", required_argument, NULL, OPT_LAYER},                                         \
	    {"version", no_argument, NULL, OPT_VERSION},                                           \
	{                                                                                          \
		"help", no_argument, NULL, 'h'                                                     \
	}

#define COMMON_HELP                                                                                \
	"  --data DIR           folder of the prepared base data (default var/data)\n"             \
	"  --events FILE        article events GeoJSON (default briefings/us-mexico-cartels/events.geojson)\n" \
	"  --layer NAME=SOURCE  replace a base layer with any OGR source (SOURCE or "              \
	"SOURCE|LAYER);\n"                                                                         \
	"                       NAME is land, countries, land_low, countries_low, states or "      \
	"cities\n"                                                                                 \
	"  --views-file FILE    named views JSON (default briefings/us-mexico-cartels/views.json)\n"

static void common_finish_paths(common *c)
{
	c->gopts.data_dir = c->data_dir ? c->data_dir : c->p.data;
	if (!c->events)
		c->events = c->p.events;
	if (!c->views)
		c->views = c->p.views;
}

/* What a subcommand draws from: released by loaded_close whatever was reached. */
typedef struct loaded {
	geodata *gd;
	geodata_views *views;
	geodata_events *ev;
	tile_scene *scene;
} loaded;

static void loaded_close(loaded *l)
{
	tile_scene_unref(l->scene);
	geodata_events_unref(l->ev);
	geodata_views_destroy(l->views);
	geodata_destroy(l->gd);
}

/* Prints every problem of an events file on its own line, then the summary line. */
static int events_rejected(const char *path, geodata_problems *pr)
{
	for (size_t i = 0; i < pr->count; i++)
		fprintf(stderr, "briefmap: %s: %s\n", path, pr->lines[i]);
	size_t n = pr->count;
	geodata_problems_finish(pr);
	return fail(EXIT_RUNTIME, "events file '%s' rejected (%zu problem%s)", path, n,
	            n == 1 ? "" : "s");
}

/*
 * Loads data and views and, with `scene`, the events and a scene to draw;
 * returns 0 or the exit status, its message printed.
 */
static int loaded_open(common *c, loaded *l, int scene)
{
	geodata_error e = {{0}};
	memset(l, 0, sizeof(*l));
	l->gd = geodata_load(&c->gopts, &e);
	if (!l->gd)
		return fail(EXIT_RUNTIME, "%s", e.msg);
	l->views = geodata_views_load(c->views, &e);
	if (!l->views)
		return fail(EXIT_RUNTIME, "%s", e.msg);
	if (!scene)
		return 0;
	geodata_problems pr = {0};
	l->ev = geodata_events_load(l->gd, c->events, &pr);
	if (!l->ev)
		return events_rejected(c->events, &pr);
	geodata_problems_finish(&pr);
	tile_error te;
	l->scene = tile_scene_create(l->gd, l->ev, 0, &te);
	if (!l->scene)
		return fail(EXIT_RUNTIME, "%s", te.msg);
	return 0;
}

/* Writes a whole file or nothing: a temporary beside it, then an atomic rename. */
static int write_file_atomic(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX];
	char dircopy[PATH_MAX];
	snprintf(dircopy, sizeof(dircopy), "%s", path);
	const char *dir = dirname(dircopy);
	if (snprintf(tmp, sizeof(tmp), "%s/.briefmap-XXXXXX", dir) >= (int)sizeof(tmp))
		return fail(EXIT_RUNTIME, "output path '%s' is too long", path);
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return fail(EXIT_RUNTIME, "cannot write '%s': it is a directory", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return fail(EXIT_RUNTIME, "cannot write '%s': %s", path, strerror(errno));
	const unsigned char *p = data;
	size_t left = len;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = errno;
			close(fd);
			unlink(tmp);
			return fail(EXIT_RUNTIME, "cannot write '%s': %s", path, strerror(e));
		}
		p += n;
		left -= (size_t)n;
	}
	if (fchmod(fd, 0644) || fsync(fd) || close(fd)) {
		unlink(tmp);
		return fail(EXIT_RUNTIME, "cannot write '%s': %s", path, strerror(errno));
	}
	if (rename(tmp, path)) {
		int e = errno;
		unlink(tmp);
		return fail(EXIT_RUNTIME, "cannot write '%s': %s", path, strerror(e));
	}
	return 0;
}

/* After getopt_long returned '?': names the option it stopped at. */
static int bad_option(const char *cmd, char **argv)
{
	if (optopt == 'o')
		return fail(EXIT_USAGE, "%s: -o needs a file name (see `briefmap %s --help`)", cmd,
		            cmd);
	if (optopt > 0 && optopt < 256)
		return fail(EXIT_USAGE, "%s: unknown option '-%c' (see `briefmap %s --help`)", cmd,
		            optopt, cmd);
	const char *arg = optind > 0 ? argv[optind - 1] : "?";
	return fail(EXIT_USAGE,
	            "%s: unknown option or missing value in '%s' (see `briefmap %s --help`)", cmd,
	            arg, cmd);
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

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
	if (parse_int(buf, 1, TILE_MAX_SIDE, &a) || parse_int(x + 1, 1, TILE_MAX_SIDE, &b))
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
    "usage: briefmap render (--view NAME | --bbox W,S,E,N) [options] -o FILE\n"
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
    "  -o FILE              output file, written whole or not at all\n" COMMON_HELP;

static int cmd_render(int argc, char **argv, common *c)
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
	                                   COMMON_LONGOPTS,
	                                   {NULL, 0, NULL, 0}};
	const char *view = NULL, *bbox = NULL, *out = NULL, *format = NULL, *until = NULL;
	tile_sheet_request req = {
	    .width = 1600, .height = 1000, .scale = 1, .until = GEODATA_DAY_OPEN};
	int opt;
	long v;
	while ((opt = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		int r = common_option(c, opt, optarg);
		if (r < 0)
			return fail(EXIT_USAGE, "render: bad --layer '%s' (expected NAME=SOURCE)",
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
				return fail(EXIT_USAGE,
				            "render: bad --size '%s' (expected WxH, each 1 to %d)",
				            optarg, TILE_MAX_SIDE);
			break;
		case OPT_SCALE:
			if (parse_int(optarg, 1, 2, &v))
				return fail(EXIT_USAGE, "render: --scale must be 1 or 2");
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
		default:
			return bad_option("render", argv);
		}
	}
	if (optind < argc)
		return fail(EXIT_USAGE, "render: unexpected argument '%s'", argv[optind]);
	if (!!view == !!bbox)
		return fail(EXIT_USAGE,
		            "render: give exactly one of --view NAME or --bbox W,S,E,N");
	if (!out)
		return fail(EXIT_USAGE, "render: -o FILE is required");
	int fmt = tile_format_from_name(format ? format : ext_of(out));
	if (fmt < 0 && format)
		return fail(EXIT_USAGE, "render: unknown --format '%s' (png, pdf or svg)", format);
	req.format = fmt < 0 ? TILE_FORMAT_PNG : (tile_format)fmt;
	if (until && geodata_date_parse(until, &req.until))
		return fail(EXIT_USAGE, "render: bad --until '%s' (expected YYYY-MM-DD)", until);
	geodata_error ge;
	if (bbox && geodata_bbox_parse(bbox, &req.bbox, &ge))
		return fail(EXIT_USAGE, "render: %s", ge.msg);
	common_finish_paths(c);

	loaded l;
	tile_buffer buf = {0};
	tile_error te;
	int rc = loaded_open(c, &l, 1);
	if (rc)
		goto out;
	if (view) {
		const geodata_view *vw = geodata_views_find(l.views, view);
		if (!vw) {
			rc = fail(EXIT_USAGE, "render: unknown view '%s' (see `briefmap views`)",
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
		rc = fail(trc == TILE_EINVAL || trc == TILE_ETOOBIG || trc == TILE_ECRS
		              ? EXIT_USAGE
		              : EXIT_RUNTIME,
		          "render: %s", te.msg);
		goto out;
	}
	rc = write_file_atomic(out, buf.data, buf.len);
out:
	tile_buffer_finish(&buf);
	loaded_close(&l);
	return rc;
}

/* ---- briefmap tile ------------------------------------------------------------- */

static const char tile_help[] =
    "usage: briefmap tile Z/X/Y [--tileset briefing|base|events] [--scale 1|2] [--until DATE] -o "
    "FILE\n"
    "Writes one XYZ tile (EPSG:3857, y = 0 at the north, zoom 0-12) as PNG, or as WebP when\n"
    "FILE ends in .webp.\n" COMMON_HELP;

static int parse_zxy(const char *s, int *z, long *x, long *y)
{
	char buf[64];
	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	char *a = strtok(buf, "/"), *b = strtok(NULL, "/"), *d = strtok(NULL, "/");
	long zz;
	if (!a || !b || !d || strtok(NULL, "/") || parse_int(a, 0, 30, &zz) ||
	    parse_int(b, 0, LONG_MAX, x) || parse_int(d, 0, LONG_MAX, y))
		return -1;
	*z = (int)zz;
	return 0;
}

static int cmd_tile(int argc, char **argv, common *c)
{
	static const struct option lo[] = {{"tileset", required_argument, NULL, OPT_TILESET},
	                                   {"scale", required_argument, NULL, OPT_SCALE},
	                                   {"until", required_argument, NULL, OPT_UNTIL},
	                                   COMMON_LONGOPTS,
	                                   {NULL, 0, NULL, 0}};
	const char *out = NULL, *tileset = "briefing", *until = NULL;
	int scale = 1, opt;
	long v;
	while ((opt = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		int r = common_option(c, opt, optarg);
		if (r < 0)
			return fail(EXIT_USAGE, "tile: bad --layer '%s'", optarg);
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
			if (parse_int(optarg, 1, 2, &v))
				return fail(EXIT_USAGE, "tile: --scale must be 1 or 2");
			scale = (int)v;
			break;
		case OPT_UNTIL:
			until = optarg;
			break;
		default:
			return bad_option("tile", argv);
		}
	}
	if (optind != argc - 1)
		return fail(EXIT_USAGE, "tile: give one tile as Z/X/Y");
	int z;
	long x, y;
	if (parse_zxy(argv[optind], &z, &x, &y))
		return fail(EXIT_USAGE, "tile: bad tile '%s' (expected Z/X/Y)", argv[optind]);
	if (!tile_xyz_valid(z, x, y))
		return fail(EXIT_USAGE,
		            "tile: %s is outside the pyramid (zoom 0-%d, x and y below 2^zoom)",
		            argv[optind], GEODATA_MAX_ZOOM);
	int ts = tile_tileset_from_name(tileset);
	if (ts < 0)
		return fail(EXIT_USAGE, "tile: unknown tileset '%s' (briefing, base or events)",
		            tileset);
	geodata_day day = GEODATA_DAY_OPEN;
	if (until && geodata_date_parse(until, &day))
		return fail(EXIT_USAGE, "tile: bad --until '%s' (expected YYYY-MM-DD)", until);
	if (!out)
		return fail(EXIT_USAGE, "tile: -o FILE is required");
	/* The format follows the file's extension when it names one; PNG otherwise. */
	const char *ext = ext_of(out);
	int fmt = tile_image_format_from_ext(ext, strlen(ext));
	common_finish_paths(c);
	loaded l;
	tile_buffer buf = {0};
	tile_error te;
	int rc = loaded_open(c, &l, 1);
	if (rc)
		goto out;
	if (tile_render_xyz_as(l.scene, (tile_tileset)ts, z, x, y, scale, day,
	                       fmt < 0 ? TILE_IMAGE_PNG : (tile_image_format)fmt, &buf, &te)) {
		rc = fail(EXIT_RUNTIME, "tile: %s", te.msg);
		goto out;
	}
	rc = write_file_atomic(out, buf.data, buf.len);
out:
	tile_buffer_finish(&buf);
	loaded_close(&l);
	return rc;
}

/* ---- briefmap check / views ------------------------------------------------------ */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char check_help[] =
    "usage: briefmap check [--events FILE] [--data DIR]\n"
    "Loads the base data and the events, validates them and prints a summary.\n"
    "Exit status 1 if anything is wrong, with one line per problem.\n" COMMON_HELP;

static int cmd_check(int argc, char **argv, common *c)
{
	static const struct option lo[] = {COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		int r = common_option(c, opt, optarg);
		if (r < 0)
			return fail(EXIT_USAGE, "check: bad --layer '%s'", optarg);
		if (r)
			continue;
		if (opt == 'h') {
			fputs(check_help, stdout);
			return 0;
		}
		return bad_option("check", argv);
	}
	if (optind < argc)
		return fail(EXIT_USAGE, "check: unexpected argument '%s'", argv[optind]);
	common_finish_paths(c);
	double t0 = now_ms();
	loaded l;
	int rc = loaded_open(c, &l, 0);
	if (rc)
		goto out;
	printf("%-14s %9s %8s %9s %9s  %s\n", "layer", "features", "pieces", "vertices", "load ms",
	       "extent (W,S,E,N degrees)");
	for (int i = 0; i < GEODATA_LAYER_COUNT; i++) {
		geodata_layer_stats st;
		geodata_layer_stats_get(geodata_layer_get(l.gd, (geodata_layer_id)i), &st);
		printf("%-14s %9zu %8zu %9zu %9.1f  %.2f,%.2f,%.2f,%.2f\n",
		       geodata_layer_name((geodata_layer_id)i), st.features, st.pieces, st.vertices,
		       st.load_ms, st.extent_lonlat.minx, st.extent_lonlat.miny,
		       st.extent_lonlat.maxx, st.extent_lonlat.maxy);
	}
	printf("layers %s\n", geodata_from_snapshot(l.gd)
	                          ? "mapped from the prepared snapshot (base.snapshot)"
	                          : "read through GDAL/OGR, reprojected and generalised");
	if (geodata_snapshot_note(l.gd)[0])
		printf("%s; rebuilt from the GeoPackage\n", geodata_snapshot_note(l.gd));
	printf("views: %zu\n", geodata_views_count(l.views));
	geodata_problems pr = {0};
	fflush(stdout);
	l.ev = geodata_events_load(l.gd, c->events, &pr);
	if (!l.ev) {
		rc = events_rejected(c->events, &pr);
		goto out;
	}
	geodata_problems_finish(&pr);
	size_t by_status[GEODATA_STATUS_COUNT] = {0};
	for (size_t i = 0; i < geodata_events_count(l.ev); i++)
		by_status[geodata_events_get(l.ev, i)->status]++;
	printf("events: %zu in %s (", geodata_events_count(l.ev), c->events);
	for (int s = 0, first = 1; s < GEODATA_STATUS_COUNT; s++) {
		if (!by_status[s])
			continue;
		printf("%s%zu %s", first ? "" : ", ", by_status[s],
		       geodata_event_status_name((geodata_event_status)s));
		first = 0;
	}
	printf(")\n");
	size_t nquotes = 0, undated = 0;
	for (size_t i = 0; i < geodata_events_count(l.ev); i++) {
		nquotes += geodata_events_get(l.ev, i)->nsources;
		undated += !geodata_events_get(l.ev, i)->date;
	}
	printf("quotes: %zu, %s\n", nquotes,
	       geodata_events_quotes_checked(l.ev)
	           ? "every one found verbatim in article.txt"
	           : "not checked (no article.txt beside the events file)");
	printf("undated events: %zu\n", undated);
	const geodata_briefing *b = geodata_events_briefing(l.ev);
	if (b)
		printf("briefing: \"%s\", %zu caveat%s\n", b->title, b->ncaveats,
		       b->ncaveats == 1 ? "" : "s");
	else
		printf("briefing: none (no briefing.json beside the events file)\n");
	printf("loaded in %.0f ms\n", now_ms() - t0);
out:
	loaded_close(&l);
	return rc;
}

static int cmd_views(int argc, char **argv, common *c)
{
	static const struct option lo[] = {COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (common_option(c, opt, optarg))
			continue;
		if (opt == 'h') {
			fputs("usage: briefmap views\nLists the named views: name, box in degrees "
			      "(W,S,E,N) and title.\n",
			      stdout);
			return 0;
		}
		return bad_option("views", argv);
	}
	if (optind < argc)
		return fail(EXIT_USAGE, "views: unexpected argument '%s'", argv[optind]);
	common_finish_paths(c);
	geodata_error e;
	geodata_views *v = geodata_views_load(c->views, &e);
	if (!v)
		return fail(EXIT_RUNTIME, "%s", e.msg);
	for (size_t i = 0; i < geodata_views_count(v); i++) {
		const geodata_view *w = geodata_views_get(v, i);
		printf("%-14s %8.2f,%.2f,%.2f,%.2f  %s\n", w->name, w->bbox.minx, w->bbox.miny,
		       w->bbox.maxx, w->bbox.maxy, w->title);
	}
	geodata_views_destroy(v);
	return 0;
}

/* ---- briefmap serve ---------------------------------------------------------------- */

static const char serve_help[] =
    "usage: briefmap serve [--listen ADDR:PORT] [--threads N] [--cache-mb N] [--sheet-budget-mb N] "
    "[--data DIR] [--events FILE]\n"
    "                      [--conns-per-ip N] [--timeout S]\n"
    "Serves the web map, XYZ tiles, TileJSON, the events API and briefing sheets.\n"
    "  --listen ADDR:PORT   default 127.0.0.1:8080 (port 0 picks a free port)\n"
    "  --threads N          render threads, default the number of cores\n"
    "  --cache-mb N         memory bound of the tile cache, default 256\n"
    "  --sheet-budget-mb N  memory for the sheets being drawn at once (estimated from their\n"
    "                       size; past it a sheet gets 503 with Retry-After), default 512\n"
    "  --conns-per-ip N     connections at once from one client address, default 64\n"
    "  --timeout S          close connections idle, or requests not received whole,\n"
    "                       for S seconds, default 30\n"
    "  --static DIR         the front end's folder (default static)\n"
    "  --public-url URL     scheme://host[:port][/prefix] for the absolute URLs it writes\n"
    "                       (TileJSON, WMTS) when behind a proxy\n"
    "  --trust-proxy        honour X-Forwarded-Host, -Proto and -Prefix (only behind a proxy)\n"
    "  --access-log FILE    append an access log to FILE (reopened on SIGHUP)\n"
    "  --access-log-format combined|json   default combined\n" COMMON_HELP;

static int cmd_serve(int argc, char **argv, common *c)
{
	static const struct option lo[] = {
	    {"listen", required_argument, NULL, OPT_LISTEN},
	    {"threads", required_argument, NULL, OPT_THREADS},
	    {"cache-mb", required_argument, NULL, OPT_CACHE},
	    {"sheet-budget-mb", required_argument, NULL, OPT_SHEET_BUDGET},
	    {"conns-per-ip", required_argument, NULL, OPT_CONNS_PER_IP},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"static", required_argument, NULL, OPT_FORMAT},
	    {"public-url", required_argument, NULL, OPT_PUBLIC_URL},
	    {"trust-proxy", no_argument, NULL, OPT_TRUST_PROXY},
	    {"access-log", required_argument, NULL, OPT_ACCESS_LOG},
	    {"access-log-format", required_argument, NULL, OPT_ACCESS_LOG_FORMAT},
	    COMMON_LONGOPTS,
	    {NULL, 0, NULL, 0}};
	server_options so = {.listen = "127.0.0.1:8080", .cache_mb = 256};
	int opt;
	long v;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		int r = common_option(c, opt, optarg);
		if (r < 0)
			return fail(EXIT_USAGE, "serve: bad --layer '%s'", optarg);
		if (r)
			continue;
		switch (opt) {
		case 'h':
			fputs(serve_help, stdout);
			return 0;
		case OPT_LISTEN:
			so.listen = optarg;
			break;
		case OPT_THREADS:
			if (parse_int(optarg, 1, 256, &v))
				return fail(EXIT_USAGE, "serve: --threads must be 1 to 256");
			so.threads = (int)v;
			break;
		case OPT_CACHE:
			if (parse_int(optarg, 1, 65536, &v))
				return fail(EXIT_USAGE, "serve: --cache-mb must be 1 to 65536");
			so.cache_mb = (int)v;
			break;
		case OPT_CONNS_PER_IP:
			if (parse_int(optarg, 1, 65536, &v))
				return fail(EXIT_USAGE, "serve: --conns-per-ip must be 1 to 65536");
			so.conns_per_ip = (int)v;
			break;
		case OPT_TIMEOUT:
			if (parse_int(optarg, 1, 3600, &v))
				return fail(EXIT_USAGE, "serve: --timeout must be 1 to 3600");
			so.timeout_s = (int)v;
			break;
		case OPT_SHEET_BUDGET:
			if (parse_int(optarg, 1, 1048576, &v))
				return fail(EXIT_USAGE, "serve: --sheet-budget-mb must be 1 to 1048576");
			so.sheet_budget_mb = (int)v;
			break;
		case OPT_FORMAT:
			so.static_dir = optarg;
			break;
		case OPT_PUBLIC_URL: {
			publicurl pu;
			char perr[256];
			if (publicurl_parse(&pu, optarg, perr, sizeof perr))
				return fail(EXIT_USAGE, "serve: %s", perr);
			so.public_url = optarg;
			break;
		}
		case OPT_TRUST_PROXY:
			so.trust_proxy = 1;
			break;
		case OPT_ACCESS_LOG:
			so.access_log = optarg;
			break;
		case OPT_ACCESS_LOG_FORMAT:
			if (strcmp(optarg, "combined") && strcmp(optarg, "json"))
				return fail(EXIT_USAGE,
				            "serve: --access-log-format must be combined or json");
			so.access_log_json = strcmp(optarg, "json") == 0;
			break;
		default:
			return bad_option("serve", argv);
		}
	}
	if (optind < argc)
		return fail(EXIT_USAGE, "serve: unexpected argument '%s'", argv[optind]);
	/* Without --events, every briefing of the briefings folder is served. */
	const char *one_events = c->events;
	char briefings_dir[PATH_MAX];
	common_finish_paths(c);
	if (!so.static_dir)
		so.static_dir = c->p.statics;
	so.views_path = one_events ? c->views : NULL;
	so.events_path = one_events;
	if (!so.briefings_dir) {
		resolve(briefings_dir, "briefings");
		so.briefings_dir = briefings_dir;
	}
	so.data = c->gopts;
	server_error se = {{0}};
	if (server_run(&so, &se))
		return fail(EXIT_RUNTIME, "%s", se.msg);
	return 0;
}

/* ---- briefmap seed ------------------------------------------------------------------ */

static const char seed_help[] =
    "usage: briefmap seed --zoom MIN-MAX [--bbox W,S,E,N] [--tileset NAME] [--scale 1|2] -o "
    "FILE.mbtiles\n"
    "Renders every tile of a zoom range (default bbox: the region view) into an MBTiles file,\n"
    "on every core, with progress on a terminal. The file is written whole or not at all.\n"
    "  --threads N          render threads, default the number of cores\n" COMMON_HELP;

static int cmd_seed(int argc, char **argv, common *c)
{
	static const struct option lo[] = {{"zoom", required_argument, NULL, OPT_ZOOM},
	                                   {"bbox", required_argument, NULL, OPT_BBOX},
	                                   {"tileset", required_argument, NULL, OPT_TILESET},
	                                   {"scale", required_argument, NULL, OPT_SCALE},
	                                   {"threads", required_argument, NULL, OPT_THREADS},
	                                   COMMON_LONGOPTS,
	                                   {NULL, 0, NULL, 0}};
	server_seed_options so = {.minzoom = -1, .scale = 1, .tileset = TILE_TILESET_BRIEFING};
	const char *bbox = NULL;
	int opt;
	long v;
	while ((opt = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		int r = common_option(c, opt, optarg);
		if (r < 0)
			return fail(EXIT_USAGE, "seed: bad --layer '%s'", optarg);
		if (r)
			continue;
		switch (opt) {
		case 'h':
			fputs(seed_help, stdout);
			return 0;
		case 'o':
			so.output = optarg;
			break;
		case OPT_ZOOM: {
			char a[32], *dash;
			long lo_z, hi_z;
			snprintf(a, sizeof(a), "%s", optarg);
			dash = strchr(a, '-');
			if (dash)
				*dash = 0;
			if (parse_int(a, 0, GEODATA_MAX_ZOOM, &lo_z) ||
			    parse_int(dash ? dash + 1 : a, 0, GEODATA_MAX_ZOOM, &hi_z) ||
			    hi_z < lo_z)
				return fail(EXIT_USAGE,
				            "seed: bad --zoom '%s' (expected MIN-MAX within 0-%d)",
				            optarg, GEODATA_MAX_ZOOM);
			so.minzoom = (int)lo_z;
			so.maxzoom = (int)hi_z;
			break;
		}
		case OPT_BBOX:
			bbox = optarg;
			break;
		case OPT_TILESET: {
			int ts = tile_tileset_from_name(optarg);
			if (ts < 0)
				return fail(EXIT_USAGE, "seed: unknown tileset '%s'", optarg);
			so.tileset = (tile_tileset)ts;
			break;
		}
		case OPT_SCALE:
			if (parse_int(optarg, 1, 2, &v))
				return fail(EXIT_USAGE, "seed: --scale must be 1 or 2");
			so.scale = (int)v;
			break;
		case OPT_THREADS:
			if (parse_int(optarg, 1, 256, &v))
				return fail(EXIT_USAGE, "seed: --threads must be 1 to 256");
			so.threads = (int)v;
			break;
		default:
			return bad_option("seed", argv);
		}
	}
	if (optind < argc)
		return fail(EXIT_USAGE, "seed: unexpected argument '%s'", argv[optind]);
	if (so.minzoom < 0)
		return fail(EXIT_USAGE, "seed: --zoom MIN-MAX is required");
	if (!so.output)
		return fail(EXIT_USAGE, "seed: -o FILE.mbtiles is required");
	geodata_error ge;
	if (bbox && geodata_bbox_parse(bbox, &so.bbox, &ge))
		return fail(EXIT_USAGE, "seed: %s", ge.msg);
	common_finish_paths(c);
	loaded l;
	int rc = loaded_open(c, &l, 1);
	if (rc)
		goto out;
	if (!bbox) {
		const geodata_view *vw = geodata_views_find(l.views, "region");
		if (!vw) {
			rc = fail(EXIT_RUNTIME, "seed: no region view and no --bbox");
			goto out;
		}
		so.bbox = vw->bbox;
	}
	server_error se = {{0}};
	if (server_seed(&so, l.scene, &se))
		rc = fail(EXIT_RUNTIME, "%s", se.msg);
out:
	loaded_close(&l);
	return rc;
}

static const char usage[] =
    "usage: briefmap COMMAND [options]   (briefmap COMMAND --help for details)\n"
    "  serve    the web map, tiles, TileJSON and API over HTTP\n"
    "  render   a briefing sheet (PNG, PDF or SVG) of a view or a box\n"
    "  tile     one XYZ tile as PNG\n"
    "  seed     render a range of tiles into an MBTiles file\n"
    "  check    validate the data and events, print a summary\n"
    "  views    list the named views\n"
    "briefmap --version prints the version of the program and of its libraries.\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version"))
		return print_version();
	common c = {0};
	paths_init(&c.p);
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
		return cmd_check(argc, argv, &c);
	if (!strcmp(cmd, "views"))
		return cmd_views(argc, argv, &c);
	if (!strcmp(cmd, "serve"))
		return cmd_serve(argc, argv, &c);
	if (!strcmp(cmd, "seed"))
		return cmd_seed(argc, argv, &c);
	return fail(EXIT_USAGE, "unknown command '%s' (serve, render, tile, seed, check, views)",
	            cmd);
}
