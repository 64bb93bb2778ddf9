/* test_opsunits.c: the operations helpers of server/: public URLs, Accept-Encoding, gzip, access
 * log escaping and reopening. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "ops.h"

static void test_publicurl_parse(void **state)
{
	(void)state;
	publicurl p;
	char err[256];
	memset(&p, 0, sizeof p);
	assert_int_equal(publicurl_parse(&p, "HTTPS://maps.example.org/briefmap//", err, sizeof err),
	                 0);
	assert_string_equal(p.base, "https://maps.example.org/briefmap");
	assert_int_equal(publicurl_parse(&p, "http://[::1]:8080", err, sizeof err), 0);
	assert_string_equal(p.base, "http://[::1]:8080");
	static const char *const bad[] = {
	    "ftp://x",         "maps.example.org", "http://",          "http://a b/",
	    "http://x/../y",   "http://x/a/./b",   "http://x/a?b=1",   "http://x/#f",
	    "http://x\"<y/",   "https://x/a//b",   "http://x/%2e%2e",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_int_equal(publicurl_parse(&p, bad[i], err, sizeof err), -1);
		assert_true(err[0] != '\0');
	}
}

static void test_publicurl_for(void **state)
{
	(void)state;
	publicurl p;
	memset(&p, 0, sizeof p);
	char out[600];
	publicurl_headers h = {.host = "a.example:8080",
	                       .fwd_host = "b.example, c.example",
	                       .fwd_proto = "https",
	                       .fwd_prefix = "/maps/"};
	publicurl_for(&p, &h, "127.0.0.1:1", out, sizeof out);
	assert_string_equal(out, "http://a.example:8080"); /* untrusted: Host only */
	p.trust_proxy = 1;
	publicurl_for(&p, &h, "127.0.0.1:1", out, sizeof out);
	assert_string_equal(out, "https://b.example/maps");
	h = (publicurl_headers){.host = "bad host", .fwd_prefix = "/a/../b", .fwd_proto = "gopher"};
	publicurl_for(&p, &h, "127.0.0.1:1", out, sizeof out);
	assert_string_equal(out, "http://127.0.0.1:1");
	char err[64];
	assert_int_equal(publicurl_parse(&p, "https://pub.example/x", err, sizeof err), 0);
	publicurl_for(&p, &h, "127.0.0.1:1", out, sizeof out);
	assert_string_equal(out, "https://pub.example/x"); /* the configured URL wins */
}

static void test_accepts_gzip(void **state)
{
	(void)state;
	assert_true(compress_accepts_gzip("gzip"));
	assert_true(compress_accepts_gzip("deflate, gzip;q=0.5, br"));
	assert_true(compress_accepts_gzip("GZIP"));
	assert_true(compress_accepts_gzip("x-gzip"));
	assert_true(compress_accepts_gzip("*"));
	assert_false(compress_accepts_gzip(NULL));
	assert_false(compress_accepts_gzip(""));
	assert_false(compress_accepts_gzip("br, deflate"));
	assert_false(compress_accepts_gzip("gzip;q=0"));
	assert_false(compress_accepts_gzip("gzip; q=0.0, br"));
	assert_false(compress_accepts_gzip("*;q=0"));
	assert_false(compress_accepts_gzip("gzipx"));
	assert_false(compress_accepts_gzip("br;q=1, gzip;q=0, *;q=1"));
	assert_true(compress_type_ok("application/json"));
	assert_true(compress_type_ok("text/html; charset=utf-8"));
	assert_true(compress_type_ok("image/svg+xml"));
	assert_false(compress_type_ok("image/png"));
	assert_false(compress_type_ok("image/webp"));
	assert_false(compress_type_ok(NULL));
}

static void test_gzip_roundtrip(void **state)
{
	(void)state;
	char text[20000];
	for (size_t i = 0; i < sizeof text; i++)
		text[i] = "briefmap "[i % 9];
	unsigned char *gz = NULL;
	size_t gzlen = 0;
	assert_int_equal(compress_gzip(text, sizeof text, &gz, &gzlen), 0);
	assert_true(gzlen < sizeof text / 10);
	assert_int_equal(gz[0], 0x1f); /* a gzip member, not a zlib stream */
	assert_int_equal(gz[1], 0x8b);
	char back[sizeof text];
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = gz;
	zs.avail_in = (uInt)gzlen;
	zs.next_out = (Bytef *)back;
	zs.avail_out = sizeof back;
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	assert_int_equal(zs.total_out, sizeof text);
	inflateEnd(&zs);
	assert_memory_equal(back, text, sizeof text);
	free(gz);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = calloc(1, 65536);
	size_t n = buf ? fread(buf, 1, 65535, f) : 0;
	(void)n;
	fclose(f);
	return buf;
}

static void test_accesslog(void **state)
{
	(void)state;
	char dir[] = "/tmp/briefmap-log-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], moved[140], err[256];
	snprintf(path, sizeof path, "%s/a.log", dir);
	snprintf(moved, sizeof moved, "%s.1", path);
	accesslog *l = accesslog_create(path, ACCESSLOG_COMBINED, err, sizeof err);
	assert_non_null(l);
	accesslog_entry e = {.client = "127.0.0.1",
	                     .method = "GET",
	                     .target = "/a\nb\"c\\d\x7f\xc3\xa9",
	                     .user_agent = "ua\r\n127.0.0.1 - - forged",
	                     .status = 200,
	                     .bytes = 12,
	                     .duration_ms = 1.5,
	                     .cache = "hit"};
	accesslog_write(l, &e);
	char *text = slurp(path);
	assert_non_null(text);
	/* One line: every byte a client chose that could break or forge a line is escaped. */
	assert_non_null(strstr(text, "\"GET /a\\x0ab\\x22c\\x5cd\\x7f\\xc3\\xa9 HTTP/1.1\" 200 12 "));
	assert_non_null(strstr(text, "\"ua\\x0d\\x0a127.0.0.1 - - forged\" 0.002 hit\n"));
	assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1);
	free(text);

	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(accesslog_reopen(l, err, sizeof err), 0);
	e.target = "/after";
	accesslog_write(l, &e);
	text = slurp(path);
	assert_non_null(text);
	assert_non_null(strstr(text, "/after"));
	free(text);
	accesslog_destroy(l);
	accesslog_destroy(NULL);

	l = accesslog_create(path, ACCESSLOG_JSON, err, sizeof err);
	assert_non_null(l);
	e.target = "/j\"\x01";
	e.referer = NULL;
	accesslog_write(l, &e);
	accesslog_destroy(l);
	text = slurp(path);
	assert_non_null(strstr(text, "\"path\":\"/j\\u0022\\u0001\""));
	assert_non_null(strstr(text, "\"referer\":null"));
	free(text);
	assert_null(accesslog_create("/nonexistent-dir/x.log", ACCESSLOG_JSON, err, sizeof err));
	assert_non_null(strstr(err, "/nonexistent-dir/x.log"));
	unlink(path);
	unlink(moved);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_publicurl_parse), cmocka_unit_test(test_publicurl_for),
	    cmocka_unit_test(test_accepts_gzip),    cmocka_unit_test(test_gzip_roundtrip),
	    cmocka_unit_test(test_accesslog),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
