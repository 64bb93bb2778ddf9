/* fuzz_events.c: feeds arbitrary bytes to the events loader; also a regression runner over a
 * corpus. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geodata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	geodata_problems problems = {0};
	geodata_events *ev = geodata_events_load_buffer(NULL, data, size, &problems);
	/* Whatever the input, the result is either a usable set or at least one problem. */
	if (!ev == !problems.count)
		abort();
	for (size_t i = 0; i < problems.count; i++)
		if (!problems.lines[i] || strchr(problems.lines[i], '\n'))
			abort();
	for (size_t i = 0; ev && i < geodata_events_count(ev); i++) {
		const geodata_event *e = geodata_events_get(ev, i);
		for (int z = 0; e->ngeoms && z < GEODATA_LEVELS; z++)
			if (!e->level[z] || e->level[z][0].nparts != e->merc[0].nparts)
				abort();
		if (!e->id || !e->title || !e->source || e->ngeoms == 0 ||
		    geodata_events_find(ev, e->id) != e || !geodata_event_geojson(ev, i))
			abort();
	}
	if (ev && !geodata_events_geojson(ev))
		abort();
	geodata_events_unref(ev);
	geodata_problems_finish(&problems);
	return 0;
}

#ifndef BRIEFMAP_LIBFUZZER
#include <dirent.h>
#include <sys/stat.h>

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "fuzz_events: cannot open %s\n", path);
		return 1;
	}
	size_t cap = 1 << 16, len = 0;
	unsigned char *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			unsigned char *nb = realloc(buf, cap * 2);
			if (!nb)
				free(buf);
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (!buf) {
		fprintf(stderr, "fuzz_events: out of memory reading %s\n", path);
		return 1;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

/* Runs every file named, and every file in every folder named: the corpus as a regression test. */
int main(int argc, char **argv)
{
	int rc = 0, n = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *de;
			while (d && (de = readdir(d))) {
				if (de->d_name[0] == '.')
					continue;
				char path[4096];
				snprintf(path, sizeof path, "%s/%s", argv[i], de->d_name);
				rc |= run_file(path);
				n++;
			}
			if (d)
				closedir(d);
		} else {
			rc |= run_file(argv[i]);
			n++;
		}
	}
	printf("fuzz_events: %d inputs\n", n);
	return rc || n == 0;
}
#endif
