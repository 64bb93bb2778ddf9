/* fuzz_oembed.c: arbitrary bytes as the url, sizes and format of GET /oembed and as the address of
 * a page given its discovery link; runner.c makes it a corpus runner. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "oembed.h"
#include "runner.h"

#define ORIGIN "http://127.0.0.1:8080"

/* The fixtures every input shares: two views and a page, written once to a temporary folder. */
typedef struct fixture {
	char dir[64];
	geodata_views *views;
} fixture;

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static fixture *fixture_get(void)
{
	static fixture fx;
	static int ready;
	if (ready)
		return fx.views ? &fx : NULL;
	ready = 1;
	snprintf(fx.dir, sizeof fx.dir, "/tmp/briefmap-fuzz-oembed-XXXXXX");
	if (!mkdtemp(fx.dir))
		return NULL;
	if (write_file(
	        fx.dir, "views.json",
	        "{\"views\":[{\"name\":\"region\",\"title\":\"A \\\"region\\\" <b>&</b>\","
	        "\"bbox\":[-120,2,-58,35]},{\"name\":\"caribbean\",\"bbox\":[-90,8,-59,24]}]}") <
	        0 ||
	    write_file(fx.dir, "page.html",
	               "<html><head><title>t</title></head><body></body></html>") < 0)
		return NULL;
	char path[128];
	snprintf(path, sizeof path, "%s/views.json", fx.dir);
	geodata_error err;
	fx.views = geodata_views_load(path, &err);
	return fx.views ? &fx : NULL;
}

/* Splits "a\nb\nc\nd" into up to four strings in place; missing ones are NULL. */
static void split4(char *s, char *out[4])
{
	for (int i = 0; i < 4; i++) {
		out[i] = s;
		if (!s)
			continue;
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		s = nl ? nl + 1 : NULL;
	}
}

static void check_answer(const fixture *fx, char *s)
{
	char *arg[4];
	split4(s, arg);
	oembed_reply a;
	oembed_answer(fx->views, "", ORIGIN, "127.0.0.1:8080", arg[0], arg[1], arg[2], arg[3], &a);
	if (a.status != 200) {
		if ((a.status != 400 && a.status != 404 && a.status != 501 && a.status != 500) ||
		    !a.error[0] || a.body)
			abort();
		return;
	}
	json_object *j = json_tokener_parse(a.body);
	json_object *html = NULL, *w = NULL;
	if (!j || !json_object_object_get_ex(j, "html", &html) ||
	    !json_object_object_get_ex(j, "width", &w))
		abort();
	const char *h = json_object_get_string(html);
	long maxw = arg[1] && *arg[1] ? strtol(arg[1], NULL, 10) : 0;
	/* One iframe, nothing else: no markup can come in through the url or a title. */
	if (strncmp(h, "<iframe src=\"http", 17) != 0 || strchr(h + 1, '<') != strrchr(h, '<') ||
	    (maxw > 0 && json_object_get_int64(w) > maxw))
		abort();
	json_object_put(j);
	free(a.body);
}

static void check_page(const fixture *fx, const char *target)
{
	size_t len = 0;
	char *page = oembed_page(fx->dir, "page.html", ORIGIN, target, &len);
	if (!page)
		abort();
	/* Exactly one tag more than the page had, and the address cannot close its attribute. */
	const char *link = strstr(page, "<link ");
	const char *end = link ? strstr(link, "\">\n</head>") : NULL;
	if (strlen(page) != len || !end || strchr(link + 1, '<') != end + 3 ||
	    strchr(strstr(link, "href=\"") + 6, '"') != end)
		abort();
	free(page);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fixture *fx = fixture_get();
	if (size < 1 || !fx)
		return 0;
	char *s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = 0;
	if (data[0] % 2 == 0)
		check_answer(fx, s);
	else
		check_page(fx, s);
	free(s);
	return 0;
}
