/* runner.c: the corpus runner linked into every fuzz target outside libFuzzer: each input once. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runner.h"

unsigned char *fuzz_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0, got;
	unsigned char *buf = malloc(cap);
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			unsigned char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static int run_file(const char *name, const char *path)
{
	size_t len = 0;
	unsigned char *buf = fuzz_read_file(path, &len);
	if (!buf) {
		fprintf(stderr, "%s: cannot read %s\n", name, path);
		return 1;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

/* Every file of a folder; a folder without one is a failure (a corpus emptied or misplaced). */
static int run_dir(const char *name, const char *dir, int *n)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "%s: cannot open the corpus folder %s\n", name, dir);
		return 1;
	}
	int rc = 0, before = *n;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		rc |= run_file(name, path);
		(*n)++;
	}
	closedir(d);
	if (*n == before) {
		fprintf(stderr, "%s: the corpus folder %s is empty\n", name, dir);
		rc = 1;
	}
	return rc;
}

__attribute__((weak)) int fuzz_runner_option(int argc, char **argv, int i, int *failed, int *done)
{
	(void)argc, (void)argv, (void)i, (void)failed, (void)done;
	return 0;
}

int main(int argc, char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	const char *name = slash ? slash + 1 : argv[0];
	int failed = 0, done = 0, n = 0;
	for (int i = 1; i < argc && !done; i++) {
		if (!strncmp(argv[i], "--", 2)) {
			int took = fuzz_runner_option(argc, argv, i, &failed, &done);
			if (took <= 0) {
				fprintf(stderr, "%s: unknown option %s\n", name, argv[i]);
				return 2;
			}
			i += took - 1;
			continue;
		}
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			failed |= run_dir(name, argv[i], &n);
		else
			failed |= run_file(name, argv[i]), n++;
	}
	if (done)
		return failed;
	printf("%s: %d inputs%s\n", name, n, failed ? "" : ", no crash");
	/* An empty corpus tests nothing: that is a failure, not a pass. */
	if (n == 0)
		fprintf(stderr, "%s: no corpus input given\n", name);
	return failed || n == 0;
}
