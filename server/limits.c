/* limits.c: how many connections the daemon takes, and the deadline of a request's arrival. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "private.h"

/* Descriptors kept for everything but client sockets: data files, static files being sent,
 * the events watcher, libmicrohttpd's own. */
#define FD_RESERVE 256
/* Past this many connections the answer is more machines behind a proxy, not more sockets. */
#define CONN_LIMIT_MAX 16384
#define CONN_LIMIT_MIN 64
#define GUARD_TICK_MS 250

void limits_policy_init(limits_policy *p, unsigned per_ip, unsigned timeout_s)
{
	struct rlimit rl;
	rlim_t have = 1024;
	/* The default soft limit (often 1024) is a compatibility value for select(); we use epoll
	 * and may take what the hard limit allows. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur != rl.rlim_max) {
			struct rlimit want = {rl.rlim_max, rl.rlim_max};
			if (setrlimit(RLIMIT_NOFILE, &want) == 0)
				rl.rlim_cur = rl.rlim_max;
		}
		have = rl.rlim_cur;
	}
	/* A connection sending a static file holds two descriptors. */
	rlim_t conns =
	    have > FD_RESERVE + 2 * CONN_LIMIT_MIN ? (have - FD_RESERVE) / 2 : CONN_LIMIT_MIN;
	if (conns > CONN_LIMIT_MAX)
		conns = CONN_LIMIT_MAX;
	p->conn_limit = (unsigned)conns;
	p->per_ip = per_ip;
	p->timeout_s = timeout_s;
	if (have < 4096)
		log_line("briefmap: only %lu open files allowed (ulimit -n); serving at most %u "
		         "connections",
		         (unsigned long)have, p->conn_limit);
}

/* ---- the request deadline ------------------------------------------------------- */

struct limits_conn {
	int fd;
	int armed;           /* listed, waiting for its request */
	struct timespec due; /* when it is cut if still armed */
	limits_conn *prev, *next;
};

/* Armed connections in order of deadline: each is (re)armed with now + timeout, so appending
 * keeps the list sorted and the thread looks only at the head. */
struct limits_guard {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	limits_conn *head, *tail;
	unsigned timeout_s;
	int stopping;
	pthread_t thread;
	atomic_ulong cut;
};

static void unlink_conn(limits_guard *g, limits_conn *c)
{
	if (!c->armed)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		g->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		g->tail = c->prev;
	c->prev = c->next = NULL;
	c->armed = 0;
}

static void arm(limits_guard *g, limits_conn *c)
{
	unlink_conn(g, c);
	clock_gettime(CLOCK_MONOTONIC, &c->due);
	c->due.tv_sec += g->timeout_s;
	c->prev = g->tail;
	c->next = NULL;
	if (g->tail)
		g->tail->next = c;
	else
		g->head = c;
	g->tail = c;
	c->armed = 1;
}

static int before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec <= b->tv_nsec);
}

static void *guard_main(void *arg)
{
	limits_guard *g = arg;
	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		while (g->head && before(&g->head->due, &now)) {
			limits_conn *c = g->head;
			unlink_conn(g, c);
			/* The socket is still open: libmicrohttpd reports the close (and we unlist
			 * it under this lock) before it closes the descriptor. The shutdown makes
			 * its next read see the end, and it closes the connection itself. */
			(void)shutdown(c->fd, SHUT_RDWR);
			atomic_fetch_add(&g->cut, 1);
		}
		struct timespec wake;
		clock_gettime(CLOCK_REALTIME, &wake);
		wake.tv_nsec += GUARD_TICK_MS * 1000000L;
		if (wake.tv_nsec >= 1000000000L) {
			wake.tv_sec++;
			wake.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->cond, &g->lock, &wake);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

limits_guard *limits_guard_create(unsigned timeout_s)
{
	limits_guard *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->timeout_s = timeout_s;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	if (pthread_create(&g->thread, NULL, guard_main, g) != 0) {
		pthread_cond_destroy(&g->cond);
		pthread_mutex_destroy(&g->lock);
		free(g);
		return NULL;
	}
	return g;
}

void limits_guard_destroy(limits_guard *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->stopping = 1;
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	/* Connections still listed belong to a daemon that is gone; only our records remain. */
	while (g->head) {
		limits_conn *c = g->head;
		unlink_conn(g, c);
		free(c);
	}
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

limits_conn *limits_guard_add(limits_guard *g, int fd)
{
	limits_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->fd = fd;
	pthread_mutex_lock(&g->lock);
	arm(g, c);
	pthread_mutex_unlock(&g->lock);
	return c;
}

void limits_guard_received(limits_guard *g, limits_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	unlink_conn(g, c);
	pthread_mutex_unlock(&g->lock);
}

void limits_guard_rearm(limits_guard *g, limits_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	arm(g, c);
	pthread_mutex_unlock(&g->lock);
}

void limits_guard_remove(limits_guard *g, limits_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	unlink_conn(g, c);
	pthread_mutex_unlock(&g->lock);
	free(c);
}

unsigned long limits_guard_cut(limits_guard *g)
{
	return g ? atomic_load(&g->cut) : 0;
}
