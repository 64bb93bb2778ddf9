/* test_dates.c: ISO 8601 dates and intervals of events, names of the events model, visibility. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include "testcase.h"
#include <json.h>

#include "geodata.h"

static geodata_day day(const char *text)
{
	geodata_day d = 0;
	assert_int_equal(geodata_date_parse(text, &d), GEODATA_OK);
	return d;
}

static void test_epoch_and_known_days(void **state)
{
	(void)state;
	assert_int_equal(day("1970-01-01"), 0);
	assert_int_equal(day("1970-01-02"), 1);
	assert_int_equal(day("1969-12-31"), -1);
	assert_int_equal(day("2000-03-01"), 11017);
	assert_int_equal(day("2025-09-01"), 20332);
	/* Partial dates stand for their first day. */
	assert_int_equal(day("2025-09"), day("2025-09-01"));
	assert_int_equal(day("2025"), day("2025-01-01"));
}

static void test_consecutive_days_across_a_century(void **state)
{
	(void)state;
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	geodata_day prev = day("1899-12-31");
	char buf[40];
	for (int y = 1900; y <= 2100; y++)
		for (int m = 1; m <= 12; m++) {
			int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
			int n = len[m - 1] + (m == 2 && leap);
			for (int d = 1; d <= n; d++) {
				snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
				geodata_day cur = day(buf);
				assert_int_equal(cur, prev + 1);
				prev = cur;
			}
		}
}

static void test_leap_years(void **state)
{
	(void)state;
	geodata_day d;
	assert_int_equal(geodata_date_parse("2024-02-29", &d), GEODATA_OK);
	assert_int_equal(geodata_date_parse("2000-02-29", &d), GEODATA_OK);
	assert_int_equal(geodata_date_parse("2025-02-29", &d), GEODATA_EINVAL);
	assert_int_equal(geodata_date_parse("1900-02-29", &d), GEODATA_EINVAL);
	assert_int_equal(geodata_date_parse("2100-02-29", &d), GEODATA_EINVAL);
	assert_int_equal(geodata_date_parse("2024-02-30", &d), GEODATA_EINVAL);
	assert_int_equal(day("2024-03-01") - day("2024-02-28"), 2);
	assert_int_equal(day("2025-03-01") - day("2025-02-28"), 1);
}

static void test_bad_dates(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",           "2025-00-10",       "2025-13-01",  "2025-04-31", "2025-06-31",
	    "2025-01-00", "2025-01-32",       "25-01-01",    "2025-1-01",  "2025-01-1",
	    "2025/01/01", "2025-01-01T00:00", "20250101",    " 2025",      "2025 ",
	    "abcd",       "2025-0a",          "2025-09-01/", "+2025",      "2025-09-",
	    "२०२५",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		geodata_day d = 12345;
		if (geodata_date_parse(bad[i], &d) != GEODATA_EINVAL)
			fail_msg("accepted bad date \"%s\"", bad[i]);
		assert_int_equal(d, 12345); /* untouched on error */
	}
	geodata_day d;
	assert_int_equal(geodata_date_parse(NULL, &d), GEODATA_EINVAL);
	assert_int_equal(geodata_date_parse("2025", NULL), GEODATA_EINVAL);
}

static void test_intervals(void **state)
{
	(void)state;
	geodata_day a, b;
	assert_int_equal(geodata_interval_parse("2025-09-01", &a, &b), GEODATA_OK);
	assert_int_equal(a, day("2025-09-01"));
	assert_int_equal(b, a);
	assert_int_equal(geodata_interval_parse("2025-09/..", &a, &b), GEODATA_OK);
	assert_int_equal(a, day("2025-09-01"));
	assert_int_equal(b, GEODATA_DAY_OPEN);
	assert_int_equal(geodata_interval_parse("2024-06-15/2024-06-16", &a, &b), GEODATA_OK);
	assert_int_equal(b - a, 1);
	assert_int_equal(geodata_interval_parse("2024-03/2024-04", &a, &b), GEODATA_OK);
	assert_int_equal(b - a, 31);
	/* A one-day interval is fine; an end before the start is not. */
	assert_int_equal(geodata_interval_parse("2024-06-15/2024-06-15", &a, &b), GEODATA_OK);
	static const char *const bad[] = {
	    "2025-09-01/2025-08-31",
	    "../2025",
	    "2025/",
	    "/2025",
	    "2025/../..",
	    "2025/2026/2027",
	    "2025-02-29/..",
	    "2025/2025-13",
	    "..",
	    "2025/.",
	    "2025/...",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (geodata_interval_parse(bad[i], &a, &b) != GEODATA_EINVAL)
			fail_msg("accepted bad interval \"%s\"", bad[i]);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(geodata_event_status_name(GEODATA_STATUS_CONFIRMED), "confirmed");
	assert_string_equal(geodata_event_status_name(GEODATA_STATUS_HYPOTHETICAL), "hypothetical");
	assert_string_equal(geodata_event_status_name(GEODATA_STATUS_DISPUTED), "disputed");
	assert_string_equal(geodata_event_status_name((geodata_event_status)-1), "unknown");
	/* The built-in kinds, from kinds.json: every id distinct and found by name. */
	const geodata_kinds *k = geodata_kinds_builtin();
	assert_int_equal(k->count, 8);
	assert_int_equal(geodata_kinds_find(k, "strike_zone"), 0);
	assert_int_equal(geodata_kinds_find(k, "other"), 7);
	assert_int_equal(geodata_kinds_find(k, "nonesuch"), -1);
	for (size_t i = 0; i < k->count; i++)
		for (size_t j = i + 1; j < k->count; j++)
			assert_string_not_equal(k->kind[i].id, k->kind[j].id);
}

static void test_visible(void **state)
{
	(void)state;
	geodata_event e = {.date = "2025-09/.."};
	assert_int_equal(geodata_interval_parse("2025-09/..", &e.start, &e.end), GEODATA_OK);
	assert_true(geodata_event_visible(&e, GEODATA_DAY_OPEN));
	assert_true(geodata_event_visible(&e, day("2025-09-01")));
	assert_true(geodata_event_visible(&e, day("2026-01-01")));
	assert_false(geodata_event_visible(&e, day("2025-08-31")));
	assert_false(geodata_event_visible(NULL, GEODATA_DAY_OPEN));
}

/* An event the article gives no date for is never placed at a date: any filter leaves it out. */
static void test_undated(void **state)
{
	(void)state;
	geodata_event e = {.date = NULL, .start = GEODATA_DAY_OPEN, .end = GEODATA_DAY_OPEN};
	assert_true(geodata_event_visible(&e, GEODATA_DAY_OPEN));
	assert_false(geodata_event_left_out(&e, GEODATA_DAY_OPEN));
	assert_false(geodata_event_visible(&e, day("2025-09-01")));
	assert_false(geodata_event_visible(&e, day("9999-12-31")));
	assert_true(geodata_event_left_out(&e, day("2025-09-01")));
	e.date = "2025-09";
	e.start = day("2025-09-01");
	assert_false(geodata_event_left_out(&e, day("2025-09-01")));
}

/* The cases the web page's test reads too: one rule, one list of cases. */
static void test_date_format_cases(void **state)
{
	(void)state;
	const char *path = getenv("BRIEFMAP_DATE_CASES");
	assert_non_null(path);
	json_object *root = json_object_from_file(path), *cases = NULL;
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "cases", &cases));
	size_t n = json_object_array_length(cases);
	assert_true(n >= 8);
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(cases, i), *v;
		const char *f[5] = {NULL, NULL, NULL, NULL, "en"};
		const char *names[5] = {"date", "date_precision", "date_text", "text", "lang"};
		for (int k = 0; k < 5; k++)
			if (json_object_object_get_ex(c, names[k], &v) && v)
				f[k] = json_object_get_string(v);
		char buf[128];
		assert_true(geodata_date_lang_known(f[4]));
		assert_int_equal(geodata_date_format_lang(f[0], f[1], f[2], f[4], buf, sizeof buf),
		                 GEODATA_OK);
		if (strcmp(buf, f[3]))
			fail_msg("case %zu (%s): %s -> \"%s\", expected \"%s\"", i, f[4],
			         f[0] ? f[0] : "null", buf, f[3]);
	}
	char small[8];
	assert_int_equal(geodata_date_format("2024-06-15", "day", NULL, small, sizeof small),
	                 GEODATA_OK);
	assert_int_equal(strlen(small), 7);
	assert_int_equal(geodata_date_format("2024-13", "month", NULL, small, sizeof small),
	                 GEODATA_EINVAL);
	json_object_put(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_epoch_and_known_days),
	    cmocka_unit_test(test_consecutive_days_across_a_century),
	    cmocka_unit_test(test_leap_years),
	    cmocka_unit_test(test_bad_dates),
	    cmocka_unit_test(test_intervals),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_visible),
	    cmocka_unit_test(test_undated),
	    cmocka_unit_test(test_date_format_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
