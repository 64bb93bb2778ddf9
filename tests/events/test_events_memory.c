/* test_events_memory.c: what a big events file costs while loaded, that it is given back, and that
 * its GeoJSON is written only when asked for, once, whichever threads ask. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pthread.h>

#include <cmocka.h>
#include "testcase.h"

#include "geodata.h"

#define EVENTS 20000

/* How long the spread-out events took to load: the yardstick for the co-located ones. */
static double spread_ms;

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

/* `n` point events spread over the region (or at `places` places), with article-sized summaries. */
static char *events_text(size_t n, size_t places, size_t *len)
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
		    i ? "," : "", -90 + (double)(i % (places ? places : 300)) * 0.1,
		    8 + (places ? 0 : (double)(i / 300) * 0.1), i, 0);
	used += (size_t)snprintf(s + used, cap - used, "]}");
	*len = used;
	return s;
}

static void test_memory_given_back(void **state)
{
	(void)state;
	size_t len;
	char *text = events_text(EVENTS, 0, &len);
	geodata_problems pr = {0};
	/* A first small load sets up GDAL and PROJ, which stay. */
	geodata_events *warm = geodata_events_load_buffer(NULL, text, 2000, &pr);
	geodata_problems_finish(&pr);
	geodata_events_unref(warm);
	long before = rss_kb();
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	geodata_events *ev = geodata_events_load_buffer(NULL, text, len, &pr);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	spread_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	for (size_t i = 0; i < pr.count && i < 5; i++)
		fprintf(stderr, "%s\n", pr.lines[i]);
	assert_non_null(ev);
	assert_int_equal(geodata_events_count(ev), EVENTS);
	free(text);
	/* What serve holds: the model and its GeoJSON, both given back below. */
	assert_non_null(geodata_events_geojson(ev));
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

/* Thousands of events at a few places (statements at capitals) form stacks in linear time. */
static void test_colocated_stacks(void **state)
{
	(void)state;
	size_t len;
	char *text = events_text(EVENTS, 4, &len);
	geodata_problems pr = {0};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	geodata_events *ev = geodata_events_load_buffer(NULL, text, len, &pr);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(text);
	assert_non_null(ev);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("%d events at 4 places loaded in %.0f ms (spread out: %.0f ms)\n", EVENTS, ms,
	       spread_ms);
	for (size_t i = 0; i < EVENTS; i++) {
		const geodata_event *e = geodata_events_get(ev, i);
		assert_int_equal(e->stack_count, EVENTS / 4);
		assert_int_equal(e->stack_index, i / 4);
	}
	/* Comparing every pair of a stack made this ten times slower and more; now about the same. */
	assert_true(ms < 3 * spread_ms + 1000);
	geodata_events_unref(ev);
	geodata_problems_finish(&pr);
}

#define THREADS 8

typedef struct asker {
	pthread_barrier_t *start;
	const geodata_events *ev;
	size_t first; /* the event this thread asks for first */
	const char *collection, *feature;
} asker;

static void *ask(void *arg)
{
	asker *a = arg;
	pthread_barrier_wait(a->start);
	/* Half the threads start with one event, half with the whole set. */
	if (a->first % 2) {
		a->feature = geodata_event_geojson(a->ev, a->first);
		a->collection = geodata_events_geojson(a->ev);
	} else {
		a->collection = geodata_events_geojson(a->ev);
		a->feature = geodata_event_geojson(a->ev, a->first);
	}
	return NULL;
}

/*
 * A one-off command never sends the GeoJSON: loading does not write it, the
 * first call does, and threads asking at once all get the one copy.
 */
static void test_geojson_on_first_demand(void **state)
{
	(void)state;
	size_t len;
	char *text = events_text(EVENTS, 0, &len);
	geodata_problems pr = {0};
	long before = rss_kb();
	geodata_events *ev = geodata_events_load_buffer(NULL, text, len, &pr);
	free(text);
	assert_non_null(ev);
	long loaded = rss_kb();

	pthread_barrier_t start;
	assert_int_equal(pthread_barrier_init(&start, NULL, THREADS), 0);
	asker a[THREADS];
	pthread_t t[THREADS];
	for (size_t i = 0; i < THREADS; i++) {
		a[i] = (asker){.start = &start, .ev = ev, .first = i * (EVENTS / THREADS)};
		assert_int_equal(pthread_create(&t[i], NULL, ask, &a[i]), 0);
	}
	for (size_t i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&start);
	long written = rss_kb();
	printf("%d events: RSS %ld KB before, %ld KB loaded, %ld KB once the GeoJSON (%zu "
	       "bytes) is written\n",
	       EVENTS, before, loaded, written, strlen(a[0].collection));

	size_t total = 0;
	for (size_t i = 0; i < THREADS; i++) {
		assert_non_null(a[i].collection);
		assert_ptr_equal(a[i].collection, a[0].collection);
		assert_ptr_equal(a[i].feature, geodata_event_geojson(ev, a[i].first));
		char want[64];
		snprintf(want, sizeof want, "\"id\":\"event-%zu\"", a[i].first);
		assert_non_null(strstr(a[i].feature, want));
		/* Each Feature is in the collection as written on its own. */
		assert_non_null(strstr(a[i].collection, a[i].feature));
	}
	for (size_t i = 0; i < EVENTS; i++)
		total += strlen(geodata_event_geojson(ev, i)) + 1;
	assert_int_equal(strlen(a[0].collection),
	                 total - 1 + strlen("{\"type\":\"FeatureCollection\",\"features\":[]}"));
#if defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer's allocator reuses its quarantine: the growth is not this process's. */
	(void)written;
#else
	/* Loading wrote none of it: what the strings take came with the first call. */
	assert_true(written - loaded > (long)(total / 1024));
#endif
	assert_null(geodata_event_geojson(ev, EVENTS));
	geodata_events_unref(ev);
	geodata_problems_finish(&pr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_memory_given_back),
	    cmocka_unit_test(test_geojson_on_first_demand),
	    cmocka_unit_test(test_colocated_stacks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
