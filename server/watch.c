/* watch.c: the thread of `briefmap serve` that picks up briefings added, changed or removed. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "briefings.h"
#include "private.h"

#define WATCH_INTERVAL_MS 500
#define RELOAD_NICE 5

struct watch {
	briefings *bs;
	pthread_t thread;
	int wake_fd; /* written to stop the thread */
	int ino_fd;  /* inotify, or -1: polling alone */
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Sleeps up to `ms` or until woken to stop (returns 1); inotify events end it early (0). */
static int nap(watch *w, long ms, int on_change)
{
	double t0 = now_ms();
	for (;;) {
		long left = ms - (long)(now_ms() - t0);
		if (left <= 0)
			return 0;
		struct pollfd pfd[2] = {{.fd = w->wake_fd, .events = POLLIN},
		                        {.fd = w->ino_fd, .events = POLLIN}};
		int n = poll(pfd, w->ino_fd >= 0 ? 2 : 1, (int)left);
		if (n <= 0)
			continue;
		if (pfd[0].revents)
			return 1;
		if (pfd[1].revents) {
			char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
			while (read(w->ino_fd, buf, sizeof buf) > 0)
				;
			if (on_change)
				return 0;
		}
	}
}

static int settle(void *ud, long ms)
{
	return nap(ud, ms, 0);
}

static void watch_dir(void *ud, const char *dir)
{
	watch *w = ud;
	if (w->ino_fd >= 0)
		(void)inotify_add_watch(w->ino_fd, dir,
		                        IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE |
		                            IN_MOVED_FROM | IN_MOVED_TO);
}

static void *watch_main(void *arg)
{
	watch *w = arg;
	briefings_scan_hooks h = {settle, watch_dir, w};
	/* Reloads run below the network threads' priority, like the render workers. */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), RELOAD_NICE);
	while (!nap(w, WATCH_INTERVAL_MS, 1))
		if (briefings_scan(w->bs, &h))
			break;
	return NULL;
}

watch *watch_start(briefings *bs)
{
	watch *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->bs = bs;
	w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	w->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	const char *dir = briefings_dir(bs);
	if (w->ino_fd >= 0 && dir &&
	    inotify_add_watch(w->ino_fd, dir, IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO) <
	        0)
		log_line("briefmap: cannot watch %s (%s); polling it", dir, strerror(errno));
	if (w->wake_fd < 0 || pthread_create(&w->thread, NULL, watch_main, w) != 0) {
		if (w->wake_fd >= 0)
			close(w->wake_fd);
		if (w->ino_fd >= 0)
			close(w->ino_fd);
		free(w);
		return NULL;
	}
	return w;
}

void watch_stop(watch *w)
{
	if (!w)
		return;
	uint64_t one = 1;
	if (write(w->wake_fd, &one, sizeof one) != (ssize_t)sizeof one)
		log_line("briefmap: cannot wake the briefings watcher: %s", strerror(errno));
	pthread_join(w->thread, NULL);
	close(w->wake_fd);
	if (w->ino_fd >= 0)
		close(w->ino_fd);
	free(w);
}
