/* test_bbox.c: parsing W,S,E,N boxes from users, and the named views file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "testcase.h"
#include <string.h>

#include "testutil.h"

static void expect_bad(const char *text)
{
	geodata_bbox b = {1, 2, 3, 4};
	geodata_error err;
	memset(&err, 0, sizeof(err));
	int rc = geodata_bbox_parse(text, &b, &err);
	if (rc != GEODATA_EINVAL)
		fail_msg("bbox '%s' accepted (rc %d, %g,%g,%g,%g)", text ? text : "(null)", rc,
		         b.minx, b.miny, b.maxx, b.maxy);
	if (!err.msg[0])
		fail_msg("bbox '%s' rejected without a message", text ? text : "(null)");
	/* One line, for `briefmap: ...` on stderr and JSON errors, whatever the input holds. */
	for (const char *c = err.msg; *c; c++)
		if ((unsigned char)*c < 0x20)
			fail_msg("bbox '%s': the message has a control character: '%s'",
			         text ? text : "(null)", err.msg);
	/* Still rejected without a message buffer. */
	assert_int_equal(geodata_bbox_parse(text, &b, NULL), GEODATA_EINVAL);
}

static void expect_good(const char *text, double w, double s, double e, double n)
{
	geodata_bbox b;
	geodata_error err = {{0}};
	int rc = geodata_bbox_parse(text, &b, &err);
	if (rc)
		fail_msg("bbox '%s' rejected: %s", text, err.msg);
	assert_near(b.minx, w, 1e-12);
	assert_near(b.miny, s, 1e-12);
	assert_near(b.maxx, e, 1e-12);
	assert_near(b.maxy, n, 1e-12);
}

static void test_good(void **state)
{
	(void)state;
	expect_good("-120,2,-58,35", -120, 2, -58, 35);
	expect_good("-99.1332,19.4326,-98.5,20", -99.1332, 19.4326, -98.5, 20);
	expect_good("-180,-85.06,180,85.06", -180, -85.06, 180, 85.06);
	expect_good("-67.5000000000,10.4878236055,-64.6875000000,13.2399454992", -67.5,
	            10.4878236055, -64.6875, 13.2399454992);
	expect_good("1e1,2E0,3e1,4e0", 10, 2, 30, 4);
}

static void test_not_finite(void **state)
{
	(void)state;
	expect_bad("nan,0,1,1");
	expect_bad("0,NaN,1,1");
	expect_bad("0,0,nan,1");
	expect_bad("0,0,1,nan");
	expect_bad("inf,0,1,1");
	expect_bad("-inf,0,1,1");
	expect_bad("0,0,infinity,1");
	expect_bad("0,0,1,INF");
	expect_bad("1e400,0,1,1");
	expect_bad("0,-1e999,1,1");
}

static void test_out_of_order(void **state)
{
	(void)state;
	expect_bad("0,10,1,5");    /* south above north */
	expect_bad("0,5,1,5");     /* empty */
	expect_bad("10,0,5,1");    /* west east of east */
	expect_bad("-70,0,-70,1"); /* zero width */
}

static void test_out_of_range(void **state)
{
	(void)state;
	expect_bad("-181,0,0,1");
	expect_bad("0,0,180.5,1");
	expect_bad("-200,-10,200,10");
	expect_bad("0,-86,1,0");
	expect_bad("0,0,1,86");
	expect_bad("0,-90,1,90");
	expect_bad("0,85.07,1,86");
}

static void test_malformed(void **state)
{
	(void)state;
	expect_bad(NULL);
	expect_bad("");
	expect_bad("abc");
	expect_bad("1,2,3");
	expect_bad("1,2,3,4,5");
	expect_bad("1,2,3,4,");
	expect_bad(",1,2,3");
	expect_bad("1,,2,3");
	expect_bad("1;2;3;4");
	expect_bad("1 2 3 4");
	expect_bad("1,2,3,4x");
	expect_bad("1,2,3,4 junk");
	expect_bad("W,S,E,N");
	expect_bad("-120,2,-58,35\n");
	expect_bad(",,,");
	char longtext[4096];
	memset(longtext, '9', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = 0;
	expect_bad(longtext);
}

static void test_views_file(void **state)
{
	(void)state;
	geodata_error err = {{0}};
	const char *path = test_env_or("BRIEFMAP_VIEWS", "briefings/us-mexico-cartels/views.json");
	geodata_views *v = geodata_views_load(path, &err);
	if (!v)
		fail_msg("cannot load views from %s: %s", path, err.msg);
	const char *names[] = {"region", "mexico", "caribbean", "venezuela", "sinaloa-baja"};
	assert_true(geodata_views_count(v) >= 5);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const geodata_view *w = geodata_views_find(v, names[i]);
		if (!w)
			fail_msg("view '%s' is missing", names[i]);
		assert_string_equal(w->name, names[i]);
		assert_non_null(w->title);
		assert_true(w->title[0] != 0);
		/* Every view is a box a user could have typed. */
		char text[256];
		snprintf(text, sizeof(text), "%.10f,%.10f,%.10f,%.10f", w->bbox.minx, w->bbox.miny,
		         w->bbox.maxx, w->bbox.maxy);
		expect_good(text, w->bbox.minx, w->bbox.miny, w->bbox.maxx, w->bbox.maxy);
	}
	assert_null(geodata_views_find(v, "atlantis"));
	assert_null(geodata_views_find(v, NULL));
	assert_null(geodata_views_get(v, geodata_views_count(v)));
	geodata_views_destroy(v);
	geodata_views_destroy(NULL);

	memset(&err, 0, sizeof(err));
	assert_null(geodata_views_load("/nonexistent/views.json", &err));
	assert_true(err.msg[0] != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),         cmocka_unit_test(test_not_finite),
	    cmocka_unit_test(test_out_of_order), cmocka_unit_test(test_out_of_range),
	    cmocka_unit_test(test_malformed),    cmocka_unit_test(test_views_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
