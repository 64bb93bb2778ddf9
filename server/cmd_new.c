/* cmd_new.c: `briefmap new`: scaffolds a briefing folder from an article, whole or not at all. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Longest article read; far above any news article, small enough to hold in memory. */
#define ARTICLE_MAX (16u << 20)
/* Longest headline taken from the article's first line. */
#define HEADLINE_MAX 300

/* The one view of a new briefing: the whole world until its events say where. */
#define NEW_VIEW_NAME "all"

static const char new_help[] =
    "usage: briefmap new SLUG --article FILE [--headline TEXT] [--briefings DIR]\n"
    "Scaffolds the briefing folder DIR/SLUG/ (SLUG: 1 to 64 of a-z, 0-9 and -): article.txt\n"
    "(a copy of FILE), briefing.json (title and headline from --headline or the article's\n"
    "first line, an `undated` caveat until dates are filled in), an empty events.geojson\n"
    "and views.json with one view \"all\". The folder is written whole or not at all; an\n"
    "existing one is never touched.\n"
    "  --article FILE       the article's text as retrieved\n"
    "  --headline TEXT      the article's headline (default: its first line)\n" CLI_COMMON_HELP;

static const char example_feature[] =
    "    {\"type\": \"Feature\",\n"
    "     \"geometry\": {\"type\": \"Point\", \"coordinates\": [LON, LAT]},\n"
    "     \"properties\": {\n"
    "       \"id\": \"first-event\", \"kind\": \"other\", \"status\": \"reported\",\n"
    "       \"title\": \"What happened, no stronger than its status\",\n"
    "       \"summary\": \"One or two sentences in the article's terms.\",\n"
    "       \"sources\": [{\"quote\": \"words copied verbatim from article.txt\",\n"
    "                    \"claimant\": \"the article\"}],\n"
    "       \"date_text\": \"last week\", \"sequence\": 1,\n"
    "       \"geo_precision\": \"near\", \"place\": \"the place as the article names it\",\n"
    "       \"actors\": [\"who acted\"]}}\n";

/* Reads the whole article; NULL with a message printed. */
static char *read_article(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		cli_fail(CLI_EXIT_RUNTIME, "new: cannot read article '%s': %s", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(ARTICLE_MAX + 1);
	size_t n = buf ? fread(buf, 1, ARTICLE_MAX + 1, f) : 0;
	int err = ferror(f);
	fclose(f);
	const char *why = !buf ? "out of memory"
	                  : err ? "read error"
	                  : n > ARTICLE_MAX ? "larger than 16 MiB"
	                  : !n ? "it is empty"
	                  : memchr(buf, 0, n) ? "it is not text (a NUL byte)"
	                  : NULL;
	if (why) {
		cli_fail(CLI_EXIT_RUNTIME, "new: cannot use article '%s': %s", path, why);
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

/* The first non-blank line of the article, trimmed and cut to HEADLINE_MAX bytes. */
static void first_line(const char *text, char *out, size_t cap)
{
	const char *p = text;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	size_t n = strcspn(p, "\r\n");
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n >= cap)
		n = cap - 1;
	/* Never cut a UTF-8 sequence in two. */
	while (n && ((unsigned char)p[n] & 0xC0) == 0x80)
		n--;
	memcpy(out, p, n);
	out[n] = 0;
}

static json_object *briefing_json(const char *headline)
{
	json_object *root = json_object_new_object(), *art = json_object_new_object();
	json_object *caveats = json_object_new_array(), *cav = json_object_new_object();
	json_object_object_add(root, "title", json_object_new_string(headline));
	json_object_object_add(root, "subtitle", NULL);
	json_object_object_add(root, "language", json_object_new_string("en"));
	json_object_object_add(art, "headline", json_object_new_string(headline));
	json_object_object_add(art, "outlet", NULL);
	json_object_object_add(art, "byline", NULL);
	json_object_object_add(art, "url", NULL);
	json_object_object_add(art, "published", NULL);
	json_object_object_add(art, "retrieved", NULL);
	json_object_object_add(root, "article", art);
	json_object_object_add(cav, "kind", json_object_new_string("undated"));
	json_object_object_add(
	    cav, "text",
	    json_object_new_string("The dates of this briefing's events must still be filled in "
	                           "from the article: until then they are undated, and a date "
	                           "filter leaves them out."));
	json_object_array_add(caveats, cav);
	json_object_object_add(root, "caveats", caveats);
	json_object_object_add(root, "default_view", json_object_new_string(NEW_VIEW_NAME));
	return root;
}

static json_object *views_json(void)
{
	json_object *root = json_object_new_object(), *list = json_object_new_array();
	json_object *v = json_object_new_object(), *bbox = json_object_new_array();
	const double world[4] = {-180.0, -85.0, 180.0, 85.0};
	for (int i = 0; i < 4; i++)
		json_object_array_add(bbox, json_object_new_double(world[i]));
	json_object_object_add(v, "name", json_object_new_string(NEW_VIEW_NAME));
	json_object_object_add(v, "title", json_object_new_string("The whole world"));
	json_object_object_add(v, "bbox", bbox);
	json_object_array_add(list, v);
	json_object_object_add(root, "views", list);
	return root;
}

/* Writes one file of the new folder; 0 or -1 with a message printed. */
static int write_in(const char *dir, const char *name, const char *data, size_t len)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	int bad = done < len || fsync(fd);
	int e = errno;
	if (close(fd) && !bad)
		goto fail;
	errno = e;
	if (!bad)
		return 0;
fail:
	cli_fail(CLI_EXIT_RUNTIME, "new: cannot write '%s': %s", path, strerror(errno));
	return -1;
}

static int write_json_in(const char *dir, const char *name, json_object *o)
{
	const char *s = o ? json_object_to_json_string_ext(
	                        o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)
	                  : NULL;
	if (!s)
		return cli_fail(CLI_EXIT_RUNTIME, "new: out of memory"), -1;
	char *text = NULL;
	int rc = asprintf(&text, "%s\n", s) < 0 ? -1 : write_in(dir, name, text, strlen(text));
	free(text);
	return rc;
}

/* Removes the half-written temporary folder: only the files this command writes. */
static void remove_tmp(const char *dir)
{
	static const char *const files[] = {GEODATA_BRIEFING_ARTICLE, GEODATA_BRIEFING_META,
	                                    GEODATA_BRIEFING_EVENTS, GEODATA_BRIEFING_VIEWS};
	char path[PATH_MAX + 64];
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void print_next_steps(const char *dest, const char *dir, const char *slug)
{
	printf("created %s/ (article.txt, briefing.json, events.geojson, views.json)\n"
	       "next:\n"
	       "  1. edit %s/events.geojson: one Feature per event, for instance\n%s"
	       "     and briefing.json (outlet, byline, url, published, caveats), views.json\n"
	       "  2. briefmap check --briefings %s --briefing %s\n"
	       "  3. briefmap render --briefings %s --briefing %s --view " NEW_VIEW_NAME
	       " -o %s.png\n"
	       "  4. briefmap serve --briefings %s\n",
	       dest, dest, example_feature, dir, slug, dir, slug, slug, dir);
}

/* Writes the four files into a temporary folder, then renames it into place. */
static int scaffold(const char *dir, const char *slug, const char *article, size_t alen,
                    const char *headline)
{
	char dest[PATH_MAX], tmp[PATH_MAX + 16];
	if (geodata_briefing_path(dir, slug, "", dest, sizeof dest))
		return cli_fail(CLI_EXIT_RUNTIME, "new: path of '%s' too long", slug);
	dest[strlen(dest) - 1] = 0; /* no trailing '/' */
	/* Not a slug (it has a '.'): a server listing the folder meanwhile ignores it. */
	snprintf(tmp, sizeof tmp, "%s.new-XXXXXX", dest);
	if (!mkdtemp(tmp))
		return cli_fail(CLI_EXIT_RUNTIME, "new: cannot create a folder in '%s': %s", dir,
		                strerror(errno));
	json_object *meta = briefing_json(headline), *views = views_json();
	static const char empty[] = "{\"type\": \"FeatureCollection\", \"features\": []}\n";
	int rc = CLI_EXIT_RUNTIME;
	if (write_in(tmp, GEODATA_BRIEFING_ARTICLE, article, alen) ||
	    write_json_in(tmp, GEODATA_BRIEFING_META, meta) ||
	    write_in(tmp, GEODATA_BRIEFING_EVENTS, empty, sizeof empty - 1) ||
	    write_json_in(tmp, GEODATA_BRIEFING_VIEWS, views) || chmod(tmp, 0755))
		goto out;
	/* Never replaces a folder that appeared meanwhile, even an empty one. */
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dest, RENAME_NOREPLACE)) {
		cli_fail(CLI_EXIT_RUNTIME, "new: cannot create '%s': %s", dest, strerror(errno));
		goto out;
	}
	print_next_steps(dest, dir, slug);
	rc = 0;
out:
	if (rc)
		remove_tmp(tmp);
	json_object_put(meta);
	json_object_put(views);
	return rc;
}

int cli_cmd_new(int argc, char **argv, cli_common *c)
{
	static const struct option lo[] = {{"article", required_argument, NULL, OPT_ARTICLE},
	                                   {"headline", required_argument, NULL, OPT_HEADLINE},
	                                   CLI_COMMON_LONGOPTS,
	                                   {NULL, 0, NULL, 0}};
	const char *article = NULL, *headline = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		int r = cli_common_option(c, opt, optarg);
		if (r < 0)
			return cli_fail(CLI_EXIT_USAGE, "new: bad --layer '%s'", optarg);
		if (r)
			continue;
		switch (opt) {
		case 'h':
			fputs(new_help, stdout);
			return 0;
		case OPT_ARTICLE:
			article = optarg;
			break;
		case OPT_HEADLINE:
			headline = optarg;
			break;
		default:
			return cli_bad_option("new", argv);
		}
	}
	if (optind != argc - 1)
		return cli_fail(CLI_EXIT_USAGE, "new: give one SLUG (see `briefmap new --help`)");
	const char *slug = argv[optind];
	if (!geodata_slug_valid(slug))
		return cli_fail(CLI_EXIT_USAGE,
		                "new: bad slug '%.80s' (1 to 64 of a-z, 0-9 and -)", slug);
	if (!article)
		return cli_fail(CLI_EXIT_USAGE, "new: --article FILE is required");
	if (headline && !headline[0])
		return cli_fail(CLI_EXIT_USAGE, "new: --headline is empty");
	const char *dir = c->briefings ? c->briefings : c->briefings_default;
	char dest[PATH_MAX];
	struct stat st;
	if (geodata_briefing_path(dir, slug, "", dest, sizeof dest))
		return cli_fail(CLI_EXIT_RUNTIME, "new: path of '%s' too long", slug);
	if (lstat(dest, &st) == 0)
		return cli_fail(CLI_EXIT_RUNTIME, "new: '%s' already exists (nothing written)",
		                dest);
	size_t alen = 0;
	char *text = read_article(article, &alen);
	if (!text)
		return CLI_EXIT_RUNTIME;
	char line[HEADLINE_MAX + 1];
	first_line(text, line, sizeof line);
	int rc;
	if (!headline && !line[0])
		rc = cli_fail(CLI_EXIT_RUNTIME, "new: article '%s' has no text line", article);
	else if (mkdir(dir, 0755) && errno != EEXIST)
		rc = cli_fail(CLI_EXIT_RUNTIME, "new: cannot create '%s': %s", dir, strerror(errno));
	else
		rc = scaffold(dir, slug, text, alen, headline ? headline : line);
	free(text);
	return rc;
}
