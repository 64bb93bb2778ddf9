/* cli.h: what the subcommands of the `briefmap` command line share (private to server/). */
#ifndef BRIEFMAP_CLI_H
#define BRIEFMAP_CLI_H

/* A number macro as a string literal, for help texts that quote a default. */
#define CLI_STR_(x) #x
#define CLI_STR(x) CLI_STR_(x)

#include <getopt.h>
#include <limits.h>
#include <stddef.h>

#include "server.h"

enum { CLI_EXIT_RUNTIME = 1, CLI_EXIT_USAGE = 2 };

/** Prints "briefmap: MESSAGE" on stderr as one line; returns `code`. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

enum {
	OPT_DATA = 1000,
	OPT_EVENTS,
	OPT_LAYER,
	OPT_BRIEFINGS,
	OPT_BRIEFING,
	OPT_DEFAULT_BRIEFING,
	OPT_ARTICLE,
	OPT_HEADLINE,
	OPT_LISTEN,
	OPT_THREADS,
	OPT_CONNS_PER_IP,
	OPT_TIMEOUT,
	OPT_CACHE,
	OPT_SHEET_BUDGET,
	OPT_STATIC,
	OPT_VIEW,
	OPT_BBOX,
	OPT_SIZE,
	OPT_SCALE,
	OPT_FORMAT,
	OPT_CRS,
	OPT_TITLE,
	OPT_UNTIL,
	OPT_BARE,
	OPT_LANG,
	OPT_TILESET,
	OPT_ZOOM,
	OPT_VIEWS,
	OPT_VERSION,
	OPT_PUBLIC_URL,
	OPT_TRUST_PROXY,
	OPT_ACCESS_LOG,
	OPT_ACCESS_LOG_FORMAT
};

/**
 * Options every subcommand takes, and the paths they resolve to. Paths of the
 * source tree are found from the working directory or the build's source root.
 * Strings point into argv or into the struct itself.
 */
typedef struct cli_common {
	char data_default[PATH_MAX], statics[PATH_MAX], briefings_default[PATH_MAX];
	char events_buf[PATH_MAX], views_buf[PATH_MAX];
	const char *data_dir;  /**< --data */
	const char *briefings; /**< --briefings, else briefings_default */
	const char *briefing;  /**< --briefing SLUG (or, for check, a folder) */
	const char *events;    /**< --events, else the chosen briefing's events file */
	const char *views;     /**< --views-file, else the chosen briefing's views.json */
	char slug[GEODATA_SLUG_MAX + 1]; /**< the chosen briefing; empty with --events */
	geodata_options gopts;
} cli_common;

#define CLI_COMMON_LONGOPTS                                                                        \
	{"data", required_argument, NULL, OPT_DATA},                                               \
	    {"events", required_argument, NULL, OPT_EVENTS},                                       \
	    {"views-file", required_argument, NULL, OPT_VIEWS},                                    \
	    {"layer", required_argument, NULL, OPT_LAYER},                                         \
	    {"briefings", required_argument, NULL, OPT_BRIEFINGS},                                 \
	    {"version", no_argument, NULL, OPT_VERSION},                                           \
	{                                                                                          \
		"help", no_argument, NULL, 'h'                                                     \
	}

#define CLI_COMMON_HELP                                                                            \
	"  --briefings DIR      the folder of briefings (default briefings)\n"                     \
	"  --data DIR           folder of the prepared base data (default var/data)\n"             \
	"  --layer NAME=SOURCE  replace a base layer with any OGR source (SOURCE or "              \
	"SOURCE|LAYER);\n"                                                                         \
	"                       NAME is land, countries, land_low, countries_low, states or "      \
	"cities\n"                                                                                 \
	"  --events FILE        one events file instead of a briefing of the folder\n"            \
	"  --views-file FILE    named views JSON (default the briefing's views.json)\n"

#define CLI_BRIEFING_HELP                                                                          \
	"  --briefing SLUG      which briefing of the folder (default: the only one, or the\n"    \
	"                       first by name)\n"

/** Fills the defaults found from the working directory or the source root. */
void cli_common_init(cli_common *c);
/**
 * Takes a common option: 1 if taken, 0 if not one, -1 on a bad --layer.
 * `--version` prints the version and exits (nothing is allocated yet).
 */
int cli_common_option(cli_common *c, int opt, const char *arg);
/** Prints the version of the program and its libraries; returns 0. */
int cli_print_version(void);
/**
 * Resolves the data folder and the briefing (from --events, --briefing or
 * the folder's only or first one). Returns 0 or an exit status, its message
 * printed ("unknown briefing" is a usage error listing the slugs).
 */
int cli_common_finish(cli_common *c, const char *cmd);
/**
 * Reads the options of a subcommand that takes --briefing and the common ones
 * only (check, views). Returns -1 when they are read, else the exit status
 * to end with (its help printed, or a usage error reported).
 */
int cli_briefing_options(int argc, char **argv, cli_common *c, const char *cmd, const char *help);
/** After getopt_long returned '?': names the option it stopped at; returns 2. */
int cli_bad_option(const char *cmd, char **argv);
int cli_parse_int(const char *s, long lo, long hi, long *out);
/** Writes a whole file or nothing: a temporary beside it, then an atomic rename. */
int cli_write_file_atomic(const char *path, const void *data, size_t len);
/** Prints every problem on its own line, then a summary line; returns 1. */
int cli_events_rejected(const char *path, geodata_problems *pr);

/** What a subcommand draws from: released by cli_loaded_close whatever was reached. */
typedef struct cli_loaded {
	geodata *gd;
	geodata_views *views;
	geodata_events *ev;
	tile_scene *scene;
} cli_loaded;
/** Loads data, views and, with `scene`, the events and a scene; 0 or an exit status. */
int cli_loaded_open(cli_common *c, cli_loaded *l, int scene);
void cli_loaded_close(cli_loaded *l);
/**
 * Draws what a command writes, into its own buffers: returns 0 or an exit
 * status, and says nothing when geodata_damaged(l->gd).
 */
typedef int (*cli_draw_fn)(cli_common *c, cli_loaded *l, void *ud);
/**
 * Loads the data and events and calls `draw`, the snapshot's coordinates
 * checked as they are read; when they fail their checksum, nothing drawn from
 * them is kept: the data are loaded again, checked whole (which rebuilds the
 * snapshot), and `draw` is called again. Returns `draw`'s status or the
 * load's.
 */
int cli_loaded_draw(cli_common *c, const char *cmd, cli_draw_fn draw, void *ud);

/* The subcommands with files of their own; argv[0] is the subcommand's name. */
int cli_cmd_new(int argc, char **argv, cli_common *c);
int cli_cmd_check(int argc, char **argv, cli_common *c);
int cli_cmd_views(int argc, char **argv, cli_common *c);
int cli_cmd_serve(int argc, char **argv, cli_common *c);
int cli_cmd_seed(int argc, char **argv, cli_common *c);

#endif
