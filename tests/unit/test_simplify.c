/* test_simplify.c: Douglas-Peucker generalisation keeps shapes within tolerance, rings closed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "testcase.h"
#include <math.h>
#include <string.h>

#include "testutil.h"

static double seg_dist(const double *p, const double *a, const double *b)
{
	double dx = b[0] - a[0], dy = b[1] - a[1];
	double l2 = dx * dx + dy * dy;
	double t = l2 > 0 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l2 : 0;
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	return hypot(a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
}

/*
 * Checks that `out` (m points) is a subsequence of `in` (n points) keeping both ends, and that
 * every dropped point lies within `tol` of the kept segment that spans it.
 */
static void check_within(const double *in, size_t n, const double *out, size_t m, double tol)
{
	assert_true(m >= 2 && m <= n);
	assert_memory_equal(out, in, 2 * sizeof(double));
	assert_memory_equal(out + 2 * (m - 1), in + 2 * (n - 1), 2 * sizeof(double));
	size_t k = 0; /* index in out of the last kept point seen */
	for (size_t i = 1; i < n; i++) {
		if (k + 1 < m && !memcmp(in + 2 * i, out + 2 * (k + 1), 2 * sizeof(double))) {
			k++;
			continue;
		}
		assert_true(k + 1 < m);
		double d = seg_dist(in + 2 * i, out + 2 * k, out + 2 * (k + 1));
		if (d > tol * (1 + 1e-12))
			fail_msg("dropped point %zu is %g from the kept line (tolerance %g)", i, d,
			         tol);
	}
	/* Every kept point was matched, in order. */
	assert_int_equal(k, m - 1);
}

static void test_straight_line_collapses(void **state)
{
	(void)state;
	enum { N = 200 };
	double in[2 * N], out[2 * N];
	test_rng rng = {1};
	for (int i = 0; i < N; i++) {
		/* A straight line with wobble well under the tolerance. */
		in[2 * i] = 1000.0 * i;
		in[2 * i + 1] = 500.0 * i + test_rng_uniform(&rng, -0.4, 0.4);
	}
	size_t m = geodata_simplify(in, N, 1.0, 0, out);
	assert_int_equal(m, 2);
	check_within(in, N, out, m, 1.0);
	/* A tolerance below the wobble keeps more. */
	m = geodata_simplify(in, N, 0.01, 0, out);
	assert_true(m > 2);
	check_within(in, N, out, m, 0.01);
}

static void test_ring_stays_closed(void **state)
{
	(void)state;
	enum { N = 1001 };
	double in[2 * N], out[2 * N];
	for (int i = 0; i < N - 1; i++) {
		double a = 2 * M_PI * i / (N - 1);
		in[2 * i] = 5e5 + 1e4 * cos(a);
		in[2 * i + 1] = -3e5 + 1e4 * sin(a);
	}
	in[2 * (N - 1)] = in[0];
	in[2 * (N - 1) + 1] = in[1];
	const double tols[] = {1e6, 2e4, 5e3, 100, 1, 1e-3};
	size_t prev = 0;
	for (size_t t = 0; t < sizeof(tols) / sizeof(tols[0]); t++) {
		size_t m = geodata_simplify(in, N, tols[t], 1, out);
		assert_true(m >= 4);
		assert_memory_equal(out, out + 2 * (m - 1), 2 * sizeof(double));
		check_within(in, N, out, m, tols[t]);
		/* A finer tolerance never keeps fewer points. */
		assert_true(m >= prev);
		prev = m;
	}
	/* A ring of one repeated point still comes back as a closed ring of 4. */
	double same[2 * 10];
	for (int i = 0; i < 10; i++) {
		same[2 * i] = 7;
		same[2 * i + 1] = 8;
	}
	size_t m = geodata_simplify(same, 10, 1, 1, out);
	assert_true(m >= 4);
	assert_memory_equal(out, out + 2 * (m - 1), 2 * sizeof(double));
}

static void test_tolerance_random_walks(void **state)
{
	(void)state;
	enum { N = 3000 };
	static double in[2 * N], out[2 * N];
	test_rng rng = {42};
	for (int trial = 0; trial < 20; trial++) {
		size_t n = 3 + test_rng_next(&rng) % (N - 3);
		double x = 0, y = 0;
		for (size_t i = 0; i < n; i++) {
			x += test_rng_uniform(&rng, -100, 120);
			y += test_rng_uniform(&rng, -100, 100);
			in[2 * i] = x;
			in[2 * i + 1] = y;
		}
		int closed = trial % 2;
		if (closed && n >= 4) {
			in[2 * (n - 1)] = in[0];
			in[2 * (n - 1) + 1] = in[1];
		}
		double tol = test_rng_uniform(&rng, 1, 2000);
		size_t m = geodata_simplify(in, n, tol, closed, out);
		check_within(in, n, out, m, tol);
		if (closed && n >= 4) {
			assert_true(m >= 4);
			assert_memory_equal(out, out + 2 * (m - 1), 2 * sizeof(double));
		}
	}
}

static void test_short_and_zero_tolerance(void **state)
{
	(void)state;
	double in[] = {0, 0, 1, 1, 2, 0, 3, 1, 4, 0}, out[10];
	assert_int_equal(geodata_simplify(in, 2, 100, 0, out), 2);
	assert_memory_equal(out, in, 4 * sizeof(double));
	assert_int_equal(geodata_simplify(in, 1, 100, 0, out), 1);
	assert_int_equal(geodata_simplify(in, 5, 0, 0, out), 5);
	assert_memory_equal(out, in, sizeof(in));
	assert_int_equal(geodata_simplify(in, 5, 100, 0, out), 2);
	check_within(in, 5, out, 2, 100);
}

static void test_zoom_resolution(void **state)
{
	(void)state;
	assert_near(geodata_zoom_resolution(0), 156543.03392804097, 1e-6);
	assert_near(geodata_zoom_resolution(12), 38.21851414258813, 1e-9);
	for (int z = 1; z <= GEODATA_MAX_ZOOM; z++)
		assert_near(geodata_zoom_resolution(z) * 2, geodata_zoom_resolution(z - 1), 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_straight_line_collapses),
	    cmocka_unit_test(test_ring_stays_closed),
	    cmocka_unit_test(test_tolerance_random_walks),
	    cmocka_unit_test(test_short_and_zero_tolerance),
	    cmocka_unit_test(test_zoom_resolution),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
