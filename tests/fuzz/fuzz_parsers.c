/* fuzz_parsers.c: arbitrary bytes into the bbox, date, interval and views parsers; runner.c makes
 * it a corpus runner. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tiles.h"
#include "runner.h"

static void check_bbox(const char *s)
{
	geodata_bbox b;
	geodata_error err;
	if (geodata_bbox_parse(s, &b, &err) == 0) {
		/* Whatever was accepted must be a usable box. */
		if (!(b.minx < b.maxx && b.miny < b.maxy) || !isfinite(b.minx) || b.minx < -180 ||
		    b.maxx > 180 || b.miny < -85.06 || b.maxy > 85.06)
			abort();
	} else if (!err.msg[0] || strchr(err.msg, '\n')) {
		abort();
	}
}

static void check_dates(const char *s)
{
	geodata_day d, a, b;
	if (geodata_date_parse(s, &d) == 0 && (d < -1000000 || d > 3000000))
		abort();
	if (geodata_interval_parse(s, &a, &b) == 0 && b < a)
		abort();
}

static void check_views(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/briefmap-fuzz-views-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return;
	}
	close(fd);
	geodata_error err;
	geodata_views *v = geodata_views_load(path, &err);
	for (size_t i = 0; v && i < geodata_views_count(v); i++) {
		const geodata_view *w = geodata_views_get(v, i);
		if (!w->name || geodata_views_find(v, w->name) == NULL ||
		    !(w->bbox.minx < w->bbox.maxx))
			abort();
	}
	if (!v && !err.msg[0])
		abort();
	geodata_views_destroy(v);
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = 0;
	switch (data[0] % 4) {
	case 0:
		check_bbox(s);
		break;
	case 1:
		check_dates(s);
		break;
	case 2:
		(void)tile_tileset_from_name(s);
		(void)tile_format_from_name(s);
		check_bbox(s);
		break;
	default:
		check_views(data + 1, size - 1);
		break;
	}
	free(s);
	return 0;
}
