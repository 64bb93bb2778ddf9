/* briefings_dir.c: a folder of briefings: slugs, their files' paths, and the list of them. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "geodata.h"

int geodata_slug_valid(const char *slug)
{
	if (!slug)
		return 0;
	size_t n = strspn(slug, "abcdefghijklmnopqrstuvwxyz0123456789-");
	return n >= 1 && n <= GEODATA_SLUG_MAX && slug[n] == '\0';
}

int geodata_briefing_path(const char *dir, const char *slug, const char *file, char *out,
			  size_t cap)
{
	if (!dir || !file || !geodata_slug_valid(slug))
		return GEODATA_EINVAL;
	int n = snprintf(out, cap, "%s/%s/%s", dir, slug, file);
	return n < 0 || (size_t)n >= cap ? GEODATA_EINVAL : 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder entry is a briefing when it is a valid slug holding a regular events file. */
static int is_briefing(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;
	return geodata_briefing_path(dir, name, GEODATA_BRIEFING_EVENTS, path, sizeof path) == 0 &&
	       stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int geodata_briefings_list(const char *dir, geodata_briefing_list *out, geodata_error *err)
{
	int rc = GEODATA_ENOMEM;
	memset(out, 0, sizeof *out);
	DIR *d = dir ? opendir(dir) : NULL;
	if (!d) {
		if (err)
			snprintf(err->msg, sizeof err->msg, "briefings folder '%s': %s",
				 dir ? dir : "(none)", dir ? strerror(errno) : "not given");
		return GEODATA_EIO;
	}
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!is_briefing(dir, e->d_name))
			continue;
		if (out->count == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			char **grown = realloc(out->slugs, ncap * sizeof *grown);
			if (!grown)
				goto fail;
			out->slugs = grown;
			cap = ncap;
		}
		if (!(out->slugs[out->count] = strdup(e->d_name)))
			goto fail;
		out->count++;
	}
	closedir(d);
	if (out->count)
		qsort(out->slugs, out->count, sizeof *out->slugs, by_name);
	return 0;
fail:
	closedir(d);
	geodata_briefing_list_finish(out);
	if (err)
		snprintf(err->msg, sizeof err->msg, "out of memory");
	return rc;
}

void geodata_briefing_list_finish(geodata_briefing_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->count; i++)
		free(l->slugs[i]);
	free(l->slugs);
	l->slugs = NULL;
	l->count = 0;
}
