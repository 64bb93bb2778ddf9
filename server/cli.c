/* cli.c: options, paths, loading and file writing shared by the `briefmap` subcommands. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#ifndef BRIEFMAP_SOURCE_ROOT
#define BRIEFMAP_SOURCE_ROOT "."
#endif

int cli_fail(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("briefmap: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return code;
}

static void resolve(char *out, const char *rel)
{
	if (access(rel, F_OK) == 0)
		snprintf(out, PATH_MAX, "%s", rel);
	else
		snprintf(out, PATH_MAX, "%s/%s", BRIEFMAP_SOURCE_ROOT, rel);
}

void cli_common_init(cli_common *c)
{
	memset(c, 0, sizeof *c);
	resolve(c->data_default, "var/data");
	resolve(c->statics, "static");
	resolve(c->briefings_default, "briefings");
}

int cli_print_version(void)
{
	char libs[256];
	server_version_libraries(libs, sizeof libs);
	printf("briefmap %s\n%s\n", server_version(), libs);
	return 0;
}

int cli_common_option(cli_common *c, int opt, const char *arg)
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
	case OPT_BRIEFINGS:
		c->briefings = arg;
		return 1;
	case OPT_BRIEFING:
		c->briefing = arg;
		return 1;
	case OPT_VERSION:
		/* Nothing is allocated while options are read: leaving here releases nothing. */
		exit(cli_print_version());
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

/* "a, b, c" of a list of slugs, cut short to fit. */
static void slugs_join(const geodata_briefing_list *l, char *out, size_t cap)
{
	size_t used = 0;
	out[0] = 0;
	for (size_t i = 0; i < l->count && used < cap; i++) {
		int n = snprintf(out + used, cap - used, "%s%s", i ? ", " : "", l->slugs[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* Picks the briefing of the folder: the one named, else the only or the first one. */
static int choose_briefing(cli_common *c, const char *cmd)
{
	geodata_briefing_list list;
	geodata_error e = {{0}};
	if (geodata_briefings_list(c->briefings, &list, &e))
		return cli_fail(CLI_EXIT_RUNTIME, "%s: %s", cmd, e.msg);
	int rc = 0;
	const char *pick = NULL;
	for (size_t i = 0; c->briefing && i < list.count; i++)
		if (!strcmp(list.slugs[i], c->briefing))
			pick = list.slugs[i];
	if (!c->briefing && list.count)
		pick = list.slugs[0];
	if (!pick) {
		char names[1024];
		slugs_join(&list, names, sizeof names);
		if (c->briefing)
			rc = cli_fail(CLI_EXIT_USAGE, "%s: unknown briefing '%.64s' (in %s: %s)", cmd,
			              c->briefing, c->briefings, list.count ? names : "none");
		else
			rc = cli_fail(CLI_EXIT_RUNTIME,
			              "%s: no briefing in '%s' (make one with `briefmap new`)", cmd,
			              c->briefings);
		goto out;
	}
	snprintf(c->slug, sizeof c->slug, "%s", pick);
	geodata_briefing_path(c->briefings, c->slug, GEODATA_BRIEFING_EVENTS, c->events_buf,
	                      sizeof c->events_buf);
	c->events = c->events_buf;
	if (!c->views) {
		geodata_briefing_path(c->briefings, c->slug, GEODATA_BRIEFING_VIEWS, c->views_buf,
		                      sizeof c->views_buf);
		c->views = c->views_buf;
	}
out:
	geodata_briefing_list_finish(&list);
	return rc;
}

int cli_common_finish(cli_common *c, const char *cmd)
{
	c->gopts.data_dir = c->data_dir ? c->data_dir : c->data_default;
	if (!c->briefings)
		c->briefings = c->briefings_default;
	if (!c->events)
		return choose_briefing(c, cmd);
	if (c->briefing)
		return cli_fail(CLI_EXIT_USAGE, "%s: give --briefing or --events, not both", cmd);
	/* One events file: its views are the views.json beside it, when there is one. */
	if (!c->views) {
		char copy[PATH_MAX];
		struct stat st;
		snprintf(copy, sizeof copy, "%s", c->events);
		snprintf(c->views_buf, sizeof c->views_buf, "%s/%s", dirname(copy),
		         GEODATA_BRIEFING_VIEWS);
		if (stat(c->views_buf, &st) == 0) {
			c->views = c->views_buf;
			return 0;
		}
		/* Else the views of the folder's default briefing, when there is one. */
		geodata_briefing_list list;
		if (geodata_briefings_list(c->briefings, &list, NULL) == 0 && list.count &&
		    geodata_briefing_path(c->briefings, list.slugs[0], GEODATA_BRIEFING_VIEWS,
		                          c->views_buf, sizeof c->views_buf) == 0 &&
		    stat(c->views_buf, &st) == 0)
			c->views = c->views_buf;
		geodata_briefing_list_finish(&list);
	}
	return 0;
}

int cli_bad_option(const char *cmd, char **argv)
{
	if (optopt == 'o')
		return cli_fail(CLI_EXIT_USAGE, "%s: -o needs a file name (see `briefmap %s --help`)",
		                cmd, cmd);
	if (optopt > 0 && optopt < 256)
		return cli_fail(CLI_EXIT_USAGE,
		                "%s: unknown option '-%c' (see `briefmap %s --help`)", cmd, optopt,
		                cmd);
	const char *arg = optind > 0 ? argv[optind - 1] : "?";
	return cli_fail(CLI_EXIT_USAGE,
	                "%s: unknown option or missing value in '%s' (see `briefmap %s --help`)",
	                cmd, arg, cmd);
}

int cli_parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int cli_write_file_atomic(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX];
	char dircopy[PATH_MAX];
	snprintf(dircopy, sizeof(dircopy), "%s", path);
	const char *dir = dirname(dircopy);
	if (snprintf(tmp, sizeof(tmp), "%s/.briefmap-XXXXXX", dir) >= (int)sizeof(tmp))
		return cli_fail(CLI_EXIT_RUNTIME, "output path '%s' is too long", path);
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return cli_fail(CLI_EXIT_RUNTIME, "cannot write '%s': it is a directory", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return cli_fail(CLI_EXIT_RUNTIME, "cannot write '%s': %s", path, strerror(errno));
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
			return cli_fail(CLI_EXIT_RUNTIME, "cannot write '%s': %s", path, strerror(e));
		}
		p += n;
		left -= (size_t)n;
	}
	if (fchmod(fd, 0644) || fsync(fd) || close(fd)) {
		unlink(tmp);
		return cli_fail(CLI_EXIT_RUNTIME, "cannot write '%s': %s", path, strerror(errno));
	}
	if (rename(tmp, path)) {
		int e = errno;
		unlink(tmp);
		return cli_fail(CLI_EXIT_RUNTIME, "cannot write '%s': %s", path, strerror(e));
	}
	return 0;
}

int cli_events_rejected(const char *path, geodata_problems *pr)
{
	for (size_t i = 0; i < pr->count; i++)
		fprintf(stderr, "briefmap: %s: %s\n", path, pr->lines[i]);
	size_t n = pr->count;
	geodata_problems_finish(pr);
	return cli_fail(CLI_EXIT_RUNTIME, "events file '%s' rejected (%zu problem%s)", path, n,
	                n == 1 ? "" : "s");
}

void cli_loaded_close(cli_loaded *l)
{
	tile_scene_unref(l->scene);
	geodata_events_unref(l->ev);
	geodata_views_destroy(l->views);
	geodata_destroy(l->gd);
}

int cli_loaded_open(cli_common *c, cli_loaded *l, int scene)
{
	geodata_error e = {{0}};
	memset(l, 0, sizeof(*l));
	l->gd = geodata_load(&c->gopts, &e);
	if (!l->gd)
		return cli_fail(CLI_EXIT_RUNTIME, "%s", e.msg);
	if (c->views && !(l->views = geodata_views_load(c->views, &e)))
		return cli_fail(CLI_EXIT_RUNTIME, "%s", e.msg);
	if (!scene)
		return 0;
	geodata_problems pr = {0};
	l->ev = geodata_events_load(l->gd, c->events, &pr);
	if (!l->ev && geodata_damaged(l->gd)) {
		/* Said by cli_loaded_draw, which loads again. */
		geodata_problems_finish(&pr);
		return CLI_EXIT_RUNTIME;
	}
	if (!l->ev)
		return cli_events_rejected(c->events, &pr);
	geodata_problems_finish(&pr);
	/* The events copied the areas they name, in full detail: pages the drawing never reads. */
	geodata_mapping_release(l->gd);
	tile_error te;
	l->scene = tile_scene_create(l->gd, l->ev, 0, &te);
	if (!l->scene)
		return cli_fail(CLI_EXIT_RUNTIME, "%s", te.msg);
	return 0;
}

int cli_loaded_draw(cli_common *c, const char *cmd, cli_draw_fn draw, void *ud)
{
	cli_loaded l;
	/* One view: the snapshot's coordinates are checked as they are drawn, not all 300 MB. */
	c->gopts.check_lazily = 1;
	int rc = cli_loaded_open(c, &l, 1);
	if (!rc)
		rc = draw(c, &l, ud);
	if (geodata_damaged(l.gd)) {
		cli_loaded_close(&l);
		fprintf(stderr, "briefmap %s: the base data snapshot fails its checksum: rebuilding it\n",
		        cmd);
		c->gopts.check_lazily = 0;
		rc = cli_loaded_open(c, &l, 1);
		if (!rc)
			rc = draw(c, &l, ud);
	}
	cli_loaded_close(&l);
	return rc;
}

int cli_briefing_options(int argc, char **argv, cli_common *c, const char *cmd, const char *help)
{
	static const struct option lo[] = {{"briefing", required_argument, NULL, OPT_BRIEFING},
	                                   CLI_COMMON_LONGOPTS,
	                                   {NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		int r = cli_common_option(c, opt, optarg);
		if (r < 0)
			return cli_fail(CLI_EXIT_USAGE, "%s: bad --layer '%s'", cmd, optarg);
		if (r)
			continue;
		if (opt == 'h') {
			fputs(help, stdout);
			return 0;
		}
		return cli_bad_option(cmd, argv);
	}
	if (optind < argc)
		return cli_fail(CLI_EXIT_USAGE, "%s: unexpected argument '%s'", cmd, argv[optind]);
	return -1;
}
