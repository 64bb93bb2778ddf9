/* test_events_memory.c: what a big events file costs while loaded, and that it is given back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "geodata.h"

#define EVENTS 20000

/* Resident set size of this process in KB, from /proc. */
static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

/* `n` point events spread over the region, each with an article-sized summary. */
static char *events_text(size_t n, size_t *len)
{
	size_t cap = n * 1200 + 64, used = 0;
	char *s = malloc(cap);
	assert_non_null(s);
	used += (size_t)snprintf(s, cap, "{\"type\":\"FeatureCollection\",\"features\":[");
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(
		    s + used, cap - used,
		    "%s{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[%.4f,"
		    "%.4f]},\"properties\":{\"id\":\"event-%zu\",\"kind\":\"boat_strike\",\"title\":"
		    "\"A strike on a boat\",\"summary\":\"%0600d\",\"date\":\"2025-09-02\","
		    "\"date_precision\":\"day\",\"status\":\"reported\",\"geo_precision\":"
		    "\"approximate\",\"actors\":[\"U.S. military\"],\"count\":3,\"source\":\"The "
		    "strikes on boats in the Caribbean went on.\"}}",
		    i ? "," : "", -90 + (double)(i % 300) * 0.1, 8 + (double)(i / 300) * 0.1, i, 0);
	used += (size_t)snprintf(s + used, cap - used, "]}");
	*len = used;
	return s;
}

static void test_memory_given_back(void **state)
{
	(void)state;
	size_t len;
	char *text = events_text(EVENTS, &len);
	geodata_problems pr = {0};
	/* A first small load sets up GDAL and PROJ, which stay. */
	geodata_events *warm = geodata_events_load_buffer(NULL, text, 2000, &pr);
	geodata_problems_finish(&pr);
	geodata_events_unref(warm);
	long before = rss_kb();
	geodata_events *ev = geodata_events_load_buffer(NULL, text, len, &pr);
	for (size_t i = 0; i < pr.count && i < 5; i++)
		fprintf(stderr, "%s\n", pr.lines[i]);
	assert_non_null(ev);
	assert_int_equal(geodata_events_count(ev), EVENTS);
	free(text);
	long loaded = rss_kb();
	geodata_events_unref(ev);
	long after = rss_kb();
	printf("%d events (%zu bytes of GeoJSON): RSS %ld KB before, %ld KB loaded (%.1f KB per "
	       "event kept), %ld KB after freeing\n",
	       EVENTS, len, before, loaded, (double)(loaded - before) / EVENTS, after);
#if defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer's allocator keeps freed memory in quarantine: nothing to measure. */
	(void)after;
#else
	/* Freed is freed: at most a tenth of what the model took stays resident. */
	assert_true(after - before < (loaded - before) / 10 + 2048);
#endif
	geodata_problems_finish(&pr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_memory_given_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
