/* fuzz_events.c: feeds arbitrary bytes to the events loader (runner.c runs it over its corpus). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geodata.h"
#include "runner.h"

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
