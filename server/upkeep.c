/* upkeep.c: the thread of `briefmap serve` that keeps the mapped base data within its budget. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "httpd.h"
#include "private.h"

/* Reading /proc/self/statm is a few microseconds: often enough that a burst of drawing does not
 * carry the resident set far past the budget between two looks. */
#define UPKEEP_INTERVAL_MS 250
/* Looks in a row without a page read that make the server idle, and the least worth giving back
 * then. */
#define UPKEEP_QUIET_LOOKS 4
#define UPKEEP_QUIET_MIN ((size_t)4 << 20)

struct upkeep {
	const geodata *gd;
	size_t budget;
	pthread_t thread;
	int wake_fd; /* written to stop the thread */
	_Atomic uint64_t releases;
};

/* Pages of the process backed by files (libraries, fonts, the snapshot), or 0 if unknown. */
static size_t file_pages(void)
{
	FILE *f = fopen("/proc/self/statm", "re");
	if (!f)
		return 0;
	unsigned long size, resident, shared = 0;
	if (fscanf(f, "%lu %lu %lu", &size, &resident, &shared) != 3)
		shared = 0;
	fclose(f);
	return shared;
}

/*
 * Renders read the snapshot through its mapping, and every page read stays in
 * the resident set (220 MiB of the world's snapshot after a few minutes of
 * tiles across the zooms, before it was given back). Past the budget the pages are dropped all at
 * once: the ones still in use come back from the page cache on a minor fault
 * each, which costs far less than tracking which ones are cold. What
 * is counted is the growth of the process's file-backed pages since the last
 * release, as the libraries' and fonts' pages barely change.
 */
static void *upkeep_main(void *arg)
{
	upkeep *u = arg;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), base = 0;
	struct pollfd pfd = {.fd = u->wake_fd, .events = POLLIN};
	int first = 1, still = 0;
	size_t last = 0;
	while (poll(&pfd, 1, UPKEEP_INTERVAL_MS) == 0) {
		size_t now = file_pages() * page;
		/* Nothing new read for a second: the server is idle, and what it holds of the
		 * mapping is given back however little it is. */
		still = now == last ? still + 1 : 0;
		last = now;
		int quiet = still >= UPKEEP_QUIET_LOOKS && now > base + UPKEEP_QUIET_MIN;
		if (!first && !quiet && now <= base + u->budget)
			continue;
		first = 0;
		if (geodata_mapping_release(u->gd) != 0) {
			/* Said once: the same refusal would come every time. */
			log_line("briefmap: cannot give back the mapped base data's pages: %s",
			         strerror(errno));
			break;
		}
		atomic_fetch_add(&u->releases, 1);
		base = last = file_pages() * page;
		still = 0;
	}
	return NULL;
}

upkeep *upkeep_start(const geodata *gd, size_t budget)
{
	upkeep *u = calloc(1, sizeof *u);
	if (!u)
		return NULL;
	u->gd = gd;
	u->budget = budget;
	u->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (u->wake_fd < 0 || pthread_create(&u->thread, NULL, upkeep_main, u) != 0) {
		if (u->wake_fd >= 0)
			close(u->wake_fd);
		free(u);
		return NULL;
	}
	return u;
}

uint64_t upkeep_releases(const upkeep *u)
{
	return u ? atomic_load(&u->releases) : 0;
}

size_t upkeep_budget(const upkeep *u)
{
	return u ? u->budget : 0;
}

void upkeep_stop(upkeep *u)
{
	if (!u)
		return;
	uint64_t one = 1;
	if (write(u->wake_fd, &one, sizeof one) != (ssize_t)sizeof one)
		log_line("briefmap: cannot wake the upkeep thread: %s", strerror(errno));
	pthread_join(u->thread, NULL);
	close(u->wake_fd);
	free(u);
}
