/* jobs.c: render workers behind two queues (tiles first), merging, hang-up detection, sheet budget. */
#include "jobs.h"

#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* Render threads run below the network threads so that a cached tile is answered at once. */
#define RENDER_NICE 5
/* How often queued clients are checked for a hang-up, and memory handed back when idle. */
#define WATCH_MS 200
#define TRIM_IDLE_MS 1000
/* Under constant load the workers are never idle: freed memory is handed back this often anyway. */
#define TRIM_BUSY_MS 5000
/* Fixed part of a sheet's memory: scene copies, layout, pango, encoder state. */
#define SHEET_BASE_COST (16u << 20)

enum { ST_QUEUED = 1, ST_RUNNING, ST_FOLLOWER };

typedef struct fifo {
	job *head, *tail;
	size_t len;
} fifo;

struct job_queue {
	job_queue_options o;
	pthread_mutex_t lock;
	pthread_cond_t work; /* workers wait here */
	pthread_cond_t tick; /* the watcher waits here, with a timeout */
	fifo q[2];           /* [0] tiles, [1] sheets */
	job *running;
	size_t nrunning, nrunning_sheets, sheet_slots;
	size_t sheet_bytes;
	int stopping;
	unsigned long renders_since_trim;
	struct timespec last_done, last_trim;
	job_queue_stats st;
	pthread_t *workers;
	int nworkers;
	pthread_t watcher;
	int watcher_started;
};

void job_finish(job *j)
{
	if (!j)
		return;
	tile_scene_unref(j->scene);
	j->scene = NULL;
	tile_blob_unref(j->blob);
	j->blob = NULL;
}

size_t job_sheet_cost(const tile_sheet_request *req)
{
	size_t px = (size_t)req->width * (size_t)req->height;
	if (tile_sheet_format_get(req->format)->raster) {
		/* The ARGB surface, the encoder's growing buffer and the bytes kept for the reply. */
		px *= (size_t)req->scale * (size_t)req->scale;
		return px * 4 * 2 + SHEET_BASE_COST;
	}
	/* Vector output: pattern and hatch surfaces, the document kept in memory. */
	return px * 2 + SHEET_BASE_COST;
}

static int kind_slot(const job *j)
{
	return j->kind == JOB_SHEET;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/*
 * A suspended connection is not polled by libmicrohttpd, so a client that
 * hangs up is only noticed here: its end of the socket reads as shut down.
 */
static int client_gone(const job *j)
{
	if (j->fd < 0)
		return 0;
	struct pollfd p = {.fd = j->fd, .events = POLLRDHUP};
	if (poll(&p, 1, 0) <= 0)
		return 0;
	return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

static void suspend(job *j)
{
	MHD_suspend_connection(j->conn);
	j->suspended = 1;
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(j->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	j->fd = ci ? (int)ci->connect_fd : -1;
}

/* Hands a job back to its network thread; from here the job is not ours. */
static void resume(job *j, job_end end)
{
	j->end = end;
	MHD_resume_connection(j->conn);
}

static void fifo_push(fifo *f, job *j)
{
	j->next = NULL;
	if (f->tail)
		f->tail->next = j;
	else
		f->head = j;
	f->tail = j;
	f->len++;
}

static job *fifo_pop(fifo *f)
{
	job *j = f->head;
	if (!j)
		return NULL;
	f->head = j->next;
	if (!f->head)
		f->tail = NULL;
	f->len--;
	j->next = NULL;
	return j;
}

static void list_unlink(job **head, job *j)
{
	for (job **pp = head; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			j->next = NULL;
			return;
		}
}

static job *find_leader(job_queue *q, const job *j)
{
	for (job *l = q->q[kind_slot(j)].head; l; l = l->next)
		if (l->tag == j->tag && strcmp(l->key, j->key) == 0)
			return l;
	for (job *l = q->running; l; l = l->next)
		if (l->kind == j->kind && l->tag == j->tag && strcmp(l->key, j->key) == 0)
			return l;
	return NULL;
}

int job_queue_submit(job_queue *q, job *j)
{
	int rc = JOB_QUEUED;
	j->rc = 0;
	j->end = JOB_END_DONE;
	j->followers = NULL;
	j->next = NULL;
	j->cost = 0;
	pthread_mutex_lock(&q->lock);
	if (q->stopping) {
		rc = JOB_ESTOPPING;
		goto out;
	}
	job *l = find_leader(q, j);
	if (l) {
		/* The same image already queued or being drawn: wait for that render instead of
		 * drawing it again (a page load asks several clients for the same cold tiles). */
		suspend(j);
		j->state = ST_FOLLOWER;
		j->next = l->followers;
		l->followers = j;
		q->st.merged[kind_slot(j)]++;
		goto out;
	}
	if (q->q[0].len + q->q[1].len >= q->o.max_queued) {
		q->st.refused_full++;
		rc = JOB_EFULL;
		goto out;
	}
	if (j->kind == JOB_SHEET) {
		size_t cost = job_sheet_cost(&j->sheet);
		/* One sheet is always allowed, however large: the size limits bound it. */
		if (q->sheet_bytes > 0 && q->sheet_bytes + cost > q->o.sheet_budget) {
			q->st.refused_budget++;
			rc = JOB_EBUDGET;
			goto out;
		}
		j->cost = cost;
		q->sheet_bytes += cost;
	}
	suspend(j);
	j->state = ST_QUEUED;
	fifo_push(&q->q[kind_slot(j)], j);
	pthread_cond_signal(&q->work);
out:
	pthread_mutex_unlock(&q->lock);
	return rc;
}

/* Resumes the followers whose clients hung up; returns how many remain. Under the lock. */
static size_t followers_prune(job *l, job **gone)
{
	size_t left = 0;
	job **pp = &l->followers;
	while (*pp) {
		job *f = *pp;
		if (client_gone(f)) {
			*pp = f->next;
			f->next = *gone;
			*gone = f;
		} else {
			left++;
			pp = &f->next;
		}
	}
	return left;
}

/* Takes out of the queues every job nobody waits for any more. Under the lock. */
static void queues_prune(job_queue *q, job **gone)
{
	for (int k = 0; k < 2; k++) {
		job *prev = NULL;
		job *j = q->q[k].head;
		while (j) {
			job *next = j->next;
			size_t left = followers_prune(j, gone);
			if (left == 0 && client_gone(j)) {
				if (prev)
					prev->next = next;
				else
					q->q[k].head = next;
				if (q->q[k].tail == j)
					q->q[k].tail = prev;
				q->q[k].len--;
				q->sheet_bytes -= j->cost;
				j->cost = 0;
				q->st.abandoned[k]++;
				j->next = *gone;
				*gone = j;
			} else {
				prev = j;
			}
			j = next;
		}
	}
	for (job *j = q->running; j; j = j->next)
		(void)followers_prune(j, gone);
}

static void resume_all(job *list, job_end end)
{
	while (list) {
		job *next = list->next;
		resume(list, end);
		list = next;
	}
}

static void render(job_queue *q, job *j, tile_cache *cache)
{
	tile_error terr = {{0}};
	tile_buffer out = {0};
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (j->kind == JOB_TILE)
		j->rc = tile_key_render(j->scene, &j->tile, &out, &terr);
	else
		j->rc = tile_sheet_render(j->scene, &j->sheet, &out, &terr);
	double secs = ms_since(&t0) / 1e3;
	if (j->rc == 0) {
		j->blob = tile_blob_create(out.data, out.len, j->tag);
		if (!j->blob) {
			j->rc = TILE_ENOMEM;
			snprintf(terr.msg, sizeof terr.msg, "out of memory");
		} else if (j->kind == JOB_TILE || j->blob->len <= j->cache_max) {
			tile_cache_put(cache, j->key, j->blob);
		}
	}
	tile_buffer_finish(&out);
	if (j->rc != 0)
		snprintf(j->errmsg, sizeof j->errmsg, "%s", terr.msg[0] ? terr.msg : "render failed");
	if (q->o.rendered)
		q->o.rendered(q->o.ud, j, secs);
}

/* The next job for a worker: any tile first; a sheet only while a worker stays free for tiles. */
static job *next_job(job_queue *q)
{
	job *j = fifo_pop(&q->q[0]);
	if (!j && q->nrunning_sheets < q->sheet_slots) {
		j = fifo_pop(&q->q[1]);
		if (j)
			q->nrunning_sheets++;
	}
	return j;
}

static void *worker_main(void *arg)
{
	job_queue *q = arg;
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), RENDER_NICE);
	pthread_mutex_lock(&q->lock);
	for (;;) {
		job *j = NULL;
		while (!q->stopping && !(j = next_job(q)))
			pthread_cond_wait(&q->work, &q->lock);
		if (!j)
			break;
		job *gone = NULL;
		if (followers_prune(j, &gone) == 0 && client_gone(j)) {
			/* Nobody left to send it to: the render would be for nobody. Never listed
			 * as running, so no request can wait for it. */
			if (j->kind == JOB_SHEET)
				q->nrunning_sheets--;
			q->sheet_bytes -= j->cost;
			j->cost = 0;
			q->st.abandoned[kind_slot(j)]++;
			pthread_cond_broadcast(&q->work);
			pthread_mutex_unlock(&q->lock);
			resume_all(gone, JOB_END_ABANDONED);
			resume(j, JOB_END_ABANDONED);
			pthread_mutex_lock(&q->lock);
			continue;
		}
		j->state = ST_RUNNING;
		j->next = q->running;
		q->running = j;
		q->nrunning++;
		pthread_mutex_unlock(&q->lock);
		resume_all(gone, JOB_END_ABANDONED);
		render(q, j, q->o.cache);

		pthread_mutex_lock(&q->lock);
		list_unlink(&q->running, j);
		q->nrunning--;
		if (j->kind == JOB_SHEET)
			q->nrunning_sheets--;
		q->sheet_bytes -= j->cost;
		j->cost = 0;
		q->renders_since_trim++;
		clock_gettime(CLOCK_MONOTONIC, &q->last_done);
		job *f = j->followers;
		j->followers = NULL;
		/* A sheet slot may have opened. */
		pthread_cond_broadcast(&q->work);
		pthread_mutex_unlock(&q->lock);
		while (f) {
			job *next = f->next;
			f->rc = j->rc;
			f->blob = tile_blob_ref(j->blob);
			memcpy(f->errmsg, j->errmsg, sizeof f->errmsg);
			resume(f, JOB_END_DONE);
			f = next;
		}
		resume(j, JOB_END_DONE);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

/*
 * Every WATCH_MS: drops queued jobs whose clients hung up, and once the
 * workers have been idle a while, hands the memory freed by the renders back
 * to the system (glibc keeps freed chunks of every arena otherwise).
 */
static void *watcher_main(void *arg)
{
	job_queue *q = arg;
	pthread_mutex_lock(&q->lock);
	while (!q->stopping) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += WATCH_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&q->tick, &q->lock, &until);
		if (q->stopping)
			break;
		job *gone = NULL;
		queues_prune(q, &gone);
		int idle = q->nrunning == 0 && q->q[0].len + q->q[1].len == 0 &&
		           ms_since(&q->last_done) >= TRIM_IDLE_MS;
		int trim = q->renders_since_trim > 0 &&
		           (idle || ms_since(&q->last_trim) >= TRIM_BUSY_MS);
		if (trim) {
			q->renders_since_trim = 0;
			q->st.trims++;
			clock_gettime(CLOCK_MONOTONIC, &q->last_trim);
		}
		pthread_mutex_unlock(&q->lock);
		resume_all(gone, JOB_END_ABANDONED);
		if (trim)
			malloc_trim(0);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

void job_memory_tune(void)
{
	/* glibc gives each thread that contends for malloc an arena of its own (up to 8 per
	 * core) and keeps what is freed in each: a server rendering on 16 threads grew to 200
	 * MiB with an 8 MiB cache, against 130 MiB with one arena. Renders are bound by
	 * drawing, not malloc, and small blocks come from per-thread caches anyway. */
	(void)mallopt(M_ARENA_MAX, 1);
	/* Blocks from a tile surface up (256x256 ARGB) are mapped on their own and given back
	 * when freed, instead of the threshold climbing with each large free and keeping
	 * sheets' surfaces in the heap. */
	(void)mallopt(M_MMAP_THRESHOLD, 128 << 10);
	(void)mallopt(M_TRIM_THRESHOLD, 4 << 20);
}

job_queue *job_queue_create(const job_queue_options *o)
{
	if (!o || o->threads < 1 || !o->cache)
		return NULL;
	job_queue *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->o = *o;
	q->sheet_slots = o->threads > 1 ? (size_t)o->threads - 1 : 1;
	q->st.sheet_budget = o->sheet_budget;
	clock_gettime(CLOCK_MONOTONIC, &q->last_done);
	q->last_trim = q->last_done;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->tick, NULL);
	q->workers = calloc((size_t)o->threads, sizeof *q->workers);
	if (!q->workers)
		goto fail;
	for (int i = 0; i < o->threads; i++) {
		if (pthread_create(&q->workers[i], NULL, worker_main, q) != 0)
			goto fail;
		q->nworkers++;
	}
	if (pthread_create(&q->watcher, NULL, watcher_main, q) != 0)
		goto fail;
	q->watcher_started = 1;
	return q;
fail:
	job_queue_destroy(q);
	return NULL;
}

void job_queue_stats_get(job_queue *q, job_queue_stats *out)
{
	pthread_mutex_lock(&q->lock);
	*out = q->st;
	out->queued_tiles = q->q[0].len;
	out->queued_sheets = q->q[1].len;
	out->running = q->nrunning;
	out->sheet_bytes = q->sheet_bytes;
	pthread_mutex_unlock(&q->lock);
	struct mallinfo2 mi = mallinfo2();
	out->heap_used = mi.uordblks + mi.hblkhd;
	out->heap_free = mi.fordblks;
}

void job_queue_stop(job_queue *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stopping = 1;
	pthread_cond_broadcast(&q->work);
	pthread_cond_broadcast(&q->tick);
	pthread_mutex_unlock(&q->lock);
	for (int i = 0; i < q->nworkers; i++)
		pthread_join(q->workers[i], NULL);
	q->nworkers = 0;
	if (q->watcher_started)
		pthread_join(q->watcher, NULL);
	q->watcher_started = 0;
	/* What is still queued is answered "stopping", followers included. */
	for (int k = 0; k < 2; k++) {
		job *j;
		while ((j = fifo_pop(&q->q[k]))) {
			q->sheet_bytes -= j->cost;
			j->cost = 0;
			job *f = j->followers;
			j->followers = NULL;
			resume_all(f, JOB_END_STOPPING);
			resume(j, JOB_END_STOPPING);
		}
	}
}

void job_queue_destroy(job_queue *q)
{
	if (!q)
		return;
	job_queue_stop(q);
	free(q->workers);
	pthread_cond_destroy(&q->tick);
	pthread_cond_destroy(&q->work);
	pthread_mutex_destroy(&q->lock);
	free(q);
}
