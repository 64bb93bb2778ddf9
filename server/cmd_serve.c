/* cmd_serve.c: `briefmap serve`: reads its options into server_options and runs the server. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ops.h"


static const char serve_help[] =
    "usage: briefmap serve [--listen ADDR:PORT] [--threads N] [--cache-mb N] [--sheet-budget-mb N] "
    "[--briefings DIR]\n"
    "                      [--default-briefing SLUG] [--data DIR] [--events FILE]\n"
    "                      [--conns-per-ip N] [--timeout S]\n"
    "Serves the web map, XYZ tiles, TileJSON, the events API and briefing sheets.\n"
    "  --default-briefing SLUG  the briefing of / and of the first version's routes\n"
    "                       (default: the first by name)\n"
    "  --listen ADDR:PORT   default 127.0.0.1:8080 (port 0 picks a free port)\n"
    "  --threads N          render threads, default the number of cores\n"
    "  --cache-mb N         memory bound of the tile cache, default " CLI_STR(SERVER_CACHE_MB_DEFAULT) "\n"
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
    "  --access-log-format combined|json   default combined\n" CLI_COMMON_HELP;

/* The numeric options: their names, bounds and fields. */
static const struct {
	int opt;
	const char *name;
	long max;
	size_t field;
} numeric[] = {
    {OPT_THREADS, "threads", 256, offsetof(server_options, threads)},
    {OPT_CACHE, "cache-mb", 65536, offsetof(server_options, cache_mb)},
    {OPT_CONNS_PER_IP, "conns-per-ip", 65536, offsetof(server_options, conns_per_ip)},
    {OPT_TIMEOUT, "timeout", 3600, offsetof(server_options, timeout_s)},
    {OPT_SHEET_BUDGET, "sheet-budget-mb", 1048576, offsetof(server_options, sheet_budget_mb)},
};

/* Takes a numeric option: 0, an exit status for a bad value, or -1 when `opt` is not one. */
static int numeric_option(server_options *so, int opt, const char *arg)
{
	for (size_t i = 0; i < sizeof numeric / sizeof numeric[0]; i++) {
		long v;
		if (numeric[i].opt != opt)
			continue;
		if (cli_parse_int(arg, 1, numeric[i].max, &v))
			return cli_fail(CLI_EXIT_USAGE, "serve: --%s must be 1 to %ld", numeric[i].name,
			                numeric[i].max);
		*(int *)((char *)so + numeric[i].field) = (int)v;
		return 0;
	}
	return -1;
}

int cli_cmd_serve(int argc, char **argv, cli_common *c)
{
	static const struct option lo[] = {
	    {"listen", required_argument, NULL, OPT_LISTEN},
	    {"threads", required_argument, NULL, OPT_THREADS},
	    {"cache-mb", required_argument, NULL, OPT_CACHE},
	    {"sheet-budget-mb", required_argument, NULL, OPT_SHEET_BUDGET},
	    {"conns-per-ip", required_argument, NULL, OPT_CONNS_PER_IP},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"static", required_argument, NULL, OPT_STATIC},
	    {"default-briefing", required_argument, NULL, OPT_DEFAULT_BRIEFING},
	    {"public-url", required_argument, NULL, OPT_PUBLIC_URL},
	    {"trust-proxy", no_argument, NULL, OPT_TRUST_PROXY},
	    {"access-log", required_argument, NULL, OPT_ACCESS_LOG},
	    {"access-log-format", required_argument, NULL, OPT_ACCESS_LOG_FORMAT},
	    CLI_COMMON_LONGOPTS,
	    {NULL, 0, NULL, 0}};
	server_options so = {.listen = "127.0.0.1:8080"};
	int opt;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		int r = cli_common_option(c, opt, optarg);
		if (r < 0)
			return cli_fail(CLI_EXIT_USAGE, "serve: bad --layer '%s'", optarg);
		if (r)
			continue;
		int nrc = numeric_option(&so, opt, optarg);
		if (nrc >= 0) {
			if (nrc)
				return nrc;
			continue;
		}
		switch (opt) {
		case 'h':
			fputs(serve_help, stdout);
			return 0;
		case OPT_LISTEN:
			so.listen = optarg;
			break;
		case OPT_STATIC:
			so.static_dir = optarg;
			break;
		case OPT_DEFAULT_BRIEFING:
			if (!geodata_slug_valid(optarg))
				return cli_fail(CLI_EXIT_USAGE,
				                "serve: bad --default-briefing '%.64s' (a slug: a-z, 0-9, -)",
				                optarg);
			c->briefing = optarg;
			so.default_briefing = optarg;
			break;
		case OPT_PUBLIC_URL: {
			publicurl pu;
			char perr[256];
			if (publicurl_parse(&pu, optarg, perr, sizeof perr))
				return cli_fail(CLI_EXIT_USAGE, "serve: %s", perr);
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
				return cli_fail(CLI_EXIT_USAGE,
				            "serve: --access-log-format must be combined or json");
			so.access_log_json = strcmp(optarg, "json") == 0;
			break;
		default:
			return cli_bad_option("serve", argv);
		}
	}
	if (optind < argc)
		return cli_fail(CLI_EXIT_USAGE, "serve: unexpected argument '%s'", argv[optind]);
	/* Without --events, every briefing of the briefings folder is served. */
	const char *one_events = c->events;
	int frc = cli_common_finish(c, "serve");
	if (frc)
		return frc;
	if (!so.static_dir)
		so.static_dir = c->statics;
	so.briefings_dir = c->briefings;
	so.views_path = one_events ? c->views : NULL;
	so.events_path = one_events;
	so.data = c->gopts;
	server_error se = {{0}};
	if (server_run(&so, &se))
		return cli_fail(CLI_EXIT_RUNTIME, "%s", se.msg);
	return 0;
}

