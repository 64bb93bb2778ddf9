/* residency.c: how much of the mapped snapshot this process holds, and giving it back. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "private.h"

/*
 * The kernel counts a mapped file's pages in the process's resident set once
 * read, and keeps them there for as long as the mapping lives: a server that
 * draws all over the world ends up holding most of the snapshot. Dropping them
 * costs little, as they stay in the page cache and come back on a minor fault.
 */
size_t geodata_mapping_resident(const geodata *gd)
{
	if (!gd || !gd->map)
		return 0;
	FILE *f = fopen("/proc/self/smaps", "re");
	if (!f)
		return 0;
	uintptr_t want = (uintptr_t)gd->map;
	char line[512];
	int inside = 0;
	size_t kb = 0;
	while (fgets(line, sizeof line, f)) {
		uintptr_t lo, hi;
		/* A mapping's first line is "lo-hi perms ...", in hexadecimal without 0x. */
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &lo, &hi) == 2) {
			inside = lo == want;
			continue;
		}
		if (inside && sscanf(line, "Rss: %zu kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb * 1024;
}

int geodata_mapping_release(const geodata *gd)
{
	if (!gd || !gd->map)
		return 0;
	/* Read-only and private, never written: MADV_DONTNEED drops nothing but page table
	 * entries, and readers on other threads fault the same bytes back in. */
	return madvise(gd->map, gd->map_len, MADV_DONTNEED) ? -1 : 0;
}
