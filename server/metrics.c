/* metrics.c: the counters of `briefmap serve` and GET /metrics in Prometheus text format. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"

static const int status_codes[] = {200, 204, 302, 304, 400, 404, 405, 413, 414, 500, 503};
#define NSTATUS (sizeof status_codes / sizeof status_codes[0])
_Static_assert(NSTATUS + 1 <= sizeof((metrics *)0)->requests[0] /
                                  sizeof((metrics *)0)->requests[0][0],
               "every status counted has a slot, and one for the others");

static const double render_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                        0.5,   1.0,  2.5,   5.0,  10.0};
#define NBUCKETS (sizeof render_buckets / sizeof render_buckets[0])
_Static_assert(NBUCKETS == METRICS_NBUCKETS, "one counter per bucket");

static int status_slot(int status)
{
	for (size_t i = 0; i < NSTATUS; i++)
		if (status_codes[i] == status)
			return (int)i;
	return (int)NSTATUS;
}

void metrics_count_request(metrics *m, int idx, int status)
{
	if (idx >= 0 && idx < ROUTES_MAX)
		atomic_fetch_add(&m->requests[idx][status_slot(status)], 1);
}

/* Called by a render worker after each render. */
void metrics_record_render(void *ud, const job *j, double seconds)
{
	server *s = ud;
	int kind = j->kind == JOB_SHEET;
	size_t b = 0;
	while (b < NBUCKETS && seconds > render_buckets[b])
		b++;
	atomic_fetch_add(&s->m.render_bucket[kind][b], 1);
	atomic_fetch_add(&s->m.render_count[kind], 1);
	atomic_fetch_add(&s->m.render_usec[kind], (unsigned long)(seconds * 1e6));
	if (j->rc != 0)
		atomic_fetch_add(&s->m.render_errors, 1);
	else if (j->kind == JOB_TILE)
		atomic_fetch_add(&s->m.tiles_rendered[j->tile.tileset], 1);
}


/* A growable string for bodies built piece by piece (metrics). */
typedef struct strbuf {
	char *data;
	size_t len, cap;
	int failed;
} strbuf;

static void sb_printf(strbuf *b, const char *fmt, ...)
{
	if (b->failed)
		return;
	for (;;) {
		size_t room = b->cap - b->len;
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->data ? b->data + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = 1;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap - b->len <= (size_t)n)
			cap *= 2;
		char *p = realloc(b->data, cap);
		if (!p) {
			b->failed = 1;
			return;
		}
		b->data = p;
		b->cap = cap;
	}
}

/* The render queue's gauges and counters, by job kind. */
static void jobs_metrics(strbuf *b, job_queue *q)
{
	job_queue_stats st;
	job_queue_stats_get(q, &st);
	static const char *const kinds[2] = {"tile", "sheet"};
	sb_printf(b, "# HELP briefmap_render_queue_depth Render jobs waiting for a worker.\n");
	sb_printf(b, "# TYPE briefmap_render_queue_depth gauge\n");
	sb_printf(b, "briefmap_render_queue_depth %zu\n", st.queued_tiles + st.queued_sheets);
	sb_printf(b, "# HELP briefmap_render_queued Render jobs waiting, by kind.\n");
	sb_printf(b, "# TYPE briefmap_render_queued gauge\n");
	sb_printf(b, "briefmap_render_queued{kind=\"tile\"} %zu\n", st.queued_tiles);
	sb_printf(b, "briefmap_render_queued{kind=\"sheet\"} %zu\n", st.queued_sheets);
	sb_printf(b, "# HELP briefmap_render_running Renders in progress.\n");
	sb_printf(b, "# TYPE briefmap_render_running gauge\n");
	sb_printf(b, "briefmap_render_running %zu\n", st.running);
	sb_printf(b, "# HELP briefmap_render_merged_total Requests answered by an identical "
	             "request's render.\n");
	sb_printf(b, "# TYPE briefmap_render_merged_total counter\n");
	for (int k = 0; k < 2; k++)
		sb_printf(b, "briefmap_render_merged_total{kind=\"%s\"} %" PRIu64 "\n", kinds[k],
		          st.merged[k]);
	sb_printf(b, "# HELP briefmap_render_abandoned_total Renders not drawn because every "
	             "client asking for them hung up.\n");
	sb_printf(b, "# TYPE briefmap_render_abandoned_total counter\n");
	for (int k = 0; k < 2; k++)
		sb_printf(b, "briefmap_render_abandoned_total{kind=\"%s\"} %" PRIu64 "\n",
		          kinds[k], st.abandoned[k]);
	sb_printf(b, "# HELP briefmap_render_refused_total Renders refused with 503, by reason.\n");
	sb_printf(b, "# TYPE briefmap_render_refused_total counter\n");
	sb_printf(b, "briefmap_render_refused_total{reason=\"queue_full\"} %" PRIu64 "\n",
	          st.refused_full);
	sb_printf(b, "briefmap_render_refused_total{reason=\"sheet_budget\"} %" PRIu64 "\n",
	          st.refused_budget);
	sb_printf(b, "# HELP briefmap_sheet_memory_bytes Estimated memory of the sheets queued or "
	             "being drawn.\n");
	sb_printf(b, "# TYPE briefmap_sheet_memory_bytes gauge\n");
	sb_printf(b, "briefmap_sheet_memory_bytes %zu\n", st.sheet_bytes);
	sb_printf(b, "# HELP briefmap_sheet_memory_budget_bytes Bound of that estimate.\n");
	sb_printf(b, "# TYPE briefmap_sheet_memory_budget_bytes gauge\n");
	sb_printf(b, "briefmap_sheet_memory_budget_bytes %zu\n", st.sheet_budget);
	sb_printf(b, "# HELP briefmap_memory_trims_total Times freed memory was handed back to "
	             "the system.\n");
	sb_printf(b, "# TYPE briefmap_memory_trims_total counter\n");
	sb_printf(b, "briefmap_memory_trims_total %" PRIu64 "\n", st.trims);
	sb_printf(b, "# HELP briefmap_heap_bytes Memory of malloc: handed out, or held free.\n");
	sb_printf(b, "# TYPE briefmap_heap_bytes gauge\n");
	sb_printf(b, "briefmap_heap_bytes{state=\"used\"} %zu\n", st.heap_used);
	sb_printf(b, "briefmap_heap_bytes{state=\"free\"} %zu\n", st.heap_free);
}

/* Per briefing: loaded or not, and the reloads refused; for the default one its generation. */
static void briefings_metrics(strbuf *b, briefings *bs)
{
	size_t n;
	brief **list = briefings_snapshot(bs, &n);
	size_t loaded = 0;
	unsigned long rejected = 0;
	for (size_t i = 0; list && i < n; i++) {
		loaded += list[i]->scene != NULL;
		rejected += list[i]->reload_errors;
	}
	sb_printf(b, "# HELP briefmap_briefings Briefings found, by whether they are served.\n");
	sb_printf(b, "# TYPE briefmap_briefings gauge\n");
	sb_printf(b, "briefmap_briefings{state=\"loaded\"} %zu\n", loaded);
	sb_printf(b, "briefmap_briefings{state=\"failed\"} %zu\n", n - loaded);
	sb_printf(b, "# HELP briefmap_briefing_reload_errors_total Loads of a briefing refused as "
	             "invalid.\n");
	sb_printf(b, "# TYPE briefmap_briefing_reload_errors_total counter\n");
	for (size_t i = 0; list && i < n; i++)
		sb_printf(b, "briefmap_briefing_reload_errors_total{briefing=\"%s\"} %lu\n",
		          list[i]->slug, list[i]->reload_errors);
	sb_printf(b, "# HELP briefmap_label_images_bytes Images of placed labels kept by each "
	             "briefing's map, and their budget.\n");
	sb_printf(b, "# TYPE briefmap_label_images_bytes gauge\n");
	for (size_t i = 0; list && i < n; i++) {
		tile_sprite_stats st;
		tile_scene_sprite_stats(list[i]->scene, &st);
		sb_printf(b, "briefmap_label_images_bytes{briefing=\"%s\",state=\"held\"} %zu\n",
		          list[i]->slug, st.bytes);
		sb_printf(b, "briefmap_label_images_bytes{briefing=\"%s\",state=\"budget\"} %zu\n",
		          list[i]->slug, st.budget);
	}
	sb_printf(b, "# HELP briefmap_briefing_events Events served, by briefing.\n");
	sb_printf(b, "# TYPE briefmap_briefing_events gauge\n");
	for (size_t i = 0; list && i < n; i++) {
		const geodata_events *ev = list[i]->scene ? tile_scene_events(list[i]->scene) : NULL;
		sb_printf(b, "briefmap_briefing_events{briefing=\"%s\"} %zu\n", list[i]->slug,
		          ev ? geodata_events_count(ev) : (size_t)0);
	}
	briefings_snapshot_free(list, n);
	brief *d = briefings_default(bs);
	const geodata_events *ev = d && d->scene ? tile_scene_events(d->scene) : NULL;
	sb_printf(b, "# HELP briefmap_events_generation Versions of the default briefing loaded so "
	             "far.\n");
	sb_printf(b, "# TYPE briefmap_events_generation gauge\n");
	sb_printf(b, "briefmap_events_generation %lu\n", d ? d->generation : 0UL);
	sb_printf(b, "# HELP briefmap_events_reloads_rejected_total Loads of any briefing refused "
	             "as invalid.\n");
	sb_printf(b, "# TYPE briefmap_events_reloads_rejected_total counter\n");
	sb_printf(b, "briefmap_events_reloads_rejected_total %lu\n", rejected);
	sb_printf(b, "# HELP briefmap_events Events of the default briefing currently served.\n");
	sb_printf(b, "# TYPE briefmap_events gauge\n");
	sb_printf(b, "briefmap_events %zu\n", ev ? geodata_events_count(ev) : (size_t)0);
	brief_unref(d);
}

/* The mapped base data: what of it is resident, its budget, and how often it was given back. */
static void mapped_metrics(strbuf *b, const server *s)
{
	sb_printf(b, "# HELP briefmap_mapped_data_bytes The mapped base data snapshot: resident in "
	             "this process, and the budget past which its pages are given back.\n");
	sb_printf(b, "# TYPE briefmap_mapped_data_bytes gauge\n");
	sb_printf(b, "briefmap_mapped_data_bytes{state=\"resident\"} %zu\n",
	          geodata_mapping_resident(s->gd));
	sb_printf(b, "briefmap_mapped_data_bytes{state=\"budget\"} %zu\n",
	          upkeep_budget(s->upkeep));
	sb_printf(b, "# HELP briefmap_mapped_data_releases_total Times those pages were given "
	             "back.\n");
	sb_printf(b, "# TYPE briefmap_mapped_data_releases_total counter\n");
	sb_printf(b, "briefmap_mapped_data_releases_total %" PRIu64 "\n",
	          upkeep_releases(s->upkeep));
}

enum MHD_Result metrics_handle(request *r, const char *rest, const query *q)
{
	server *s = r->srv;
	metrics *m = &s->m;
	strbuf b = {0};
	sb_printf(&b,
	          "# HELP briefmap_requests_total HTTP requests answered, by route and status.\n");
	sb_printf(&b, "# TYPE briefmap_requests_total counter\n");
	for (size_t rt = 0; rt < m->nlabels; rt++)
		for (size_t i = 0; i <= NSTATUS; i++) {
			unsigned long v = atomic_load(&m->requests[rt][i]);
			if (!v)
				continue;
			if (i < NSTATUS)
				sb_printf(
				    &b, "briefmap_requests_total{route=\"%s\",status=\"%d\"} %lu\n",
				    m->labels[rt], status_codes[i], v);
			else
				sb_printf(
				    &b,
				    "briefmap_requests_total{route=\"%s\",status=\"other\"} %lu\n",
				    m->labels[rt], v);
		}
	sb_printf(&b, "# HELP briefmap_tiles_rendered_total Tiles rendered (cache misses that were "
	              "drawn).\n");
	sb_printf(&b, "# TYPE briefmap_tiles_rendered_total counter\n");
	for (int t = 0; t < TILE_TILESET_COUNT; t++)
		sb_printf(&b, "briefmap_tiles_rendered_total{tileset=\"%s\"} %lu\n",
		          tile_tileset_name((tile_tileset)t), atomic_load(&m->tiles_rendered[t]));
	tile_cache_stats cs;
	tile_cache_stats_get(s->cache, &cs);
	sb_printf(&b,
	          "# HELP briefmap_tile_cache_hits_total Tile cache lookups that found a tile.\n");
	sb_printf(&b, "# TYPE briefmap_tile_cache_hits_total counter\n");
	sb_printf(&b, "briefmap_tile_cache_hits_total %" PRIu64 "\n", cs.hits);
	sb_printf(
	    &b, "# HELP briefmap_tile_cache_misses_total Tile cache lookups that found nothing.\n");
	sb_printf(&b, "# TYPE briefmap_tile_cache_misses_total counter\n");
	sb_printf(&b, "briefmap_tile_cache_misses_total %" PRIu64 "\n", cs.misses);
	sb_printf(
	    &b,
	    "# HELP briefmap_tile_cache_evictions_total Tiles evicted to stay within the bound.\n");
	sb_printf(&b, "# TYPE briefmap_tile_cache_evictions_total counter\n");
	sb_printf(&b, "briefmap_tile_cache_evictions_total %" PRIu64 "\n", cs.evictions);
	sb_printf(&b, "# HELP briefmap_tile_cache_bytes Bytes held by the tile cache.\n");
	sb_printf(&b, "# TYPE briefmap_tile_cache_bytes gauge\n");
	sb_printf(&b, "briefmap_tile_cache_bytes %zu\n", cs.bytes);
	sb_printf(&b, "# HELP briefmap_tile_cache_max_bytes Bound of the tile cache.\n");
	sb_printf(&b, "# TYPE briefmap_tile_cache_max_bytes gauge\n");
	sb_printf(&b, "briefmap_tile_cache_max_bytes %zu\n", cs.max_bytes);
	sb_printf(&b, "# HELP briefmap_tile_cache_entries Tiles held by the tile cache.\n");
	sb_printf(&b, "# TYPE briefmap_tile_cache_entries gauge\n");
	sb_printf(&b, "briefmap_tile_cache_entries %zu\n", cs.entries);
	sb_printf(&b, "# HELP briefmap_render_seconds Time spent rendering, by job kind.\n");
	sb_printf(&b, "# TYPE briefmap_render_seconds histogram\n");
	static const char *const kinds[2] = {"tile", "sheet"};
	for (int k = 0; k < 2; k++) {
		unsigned long cum = 0;
		for (size_t i = 0; i < NBUCKETS; i++) {
			cum += atomic_load(&m->render_bucket[k][i]);
			sb_printf(&b, "briefmap_render_seconds_bucket{kind=\"%s\",le=\"%g\"} %lu\n",
			          kinds[k], render_buckets[i], cum);
		}
		cum += atomic_load(&m->render_bucket[k][NBUCKETS]);
		sb_printf(&b, "briefmap_render_seconds_bucket{kind=\"%s\",le=\"+Inf\"} %lu\n",
		          kinds[k], cum);
		sb_printf(&b, "briefmap_render_seconds_sum{kind=\"%s\"} %.6f\n", kinds[k],
		          (double)atomic_load(&m->render_usec[k]) / 1e6);
		sb_printf(&b, "briefmap_render_seconds_count{kind=\"%s\"} %lu\n", kinds[k],
		          atomic_load(&m->render_count[k]));
	}
	sb_printf(&b, "# HELP briefmap_render_errors_total Renders that failed.\n");
	sb_printf(&b, "# TYPE briefmap_render_errors_total counter\n");
	sb_printf(&b, "briefmap_render_errors_total %lu\n", atomic_load(&m->render_errors));
	jobs_metrics(&b, s->jobs);
	sb_printf(&b, "# HELP briefmap_render_threads Render worker threads.\n");
	sb_printf(&b, "# TYPE briefmap_render_threads gauge\n");
	sb_printf(&b, "briefmap_render_threads %d\n", s->nworkers);
	briefings_metrics(&b, s->bs);
	mapped_metrics(&b, s);
	char *proc = procmetrics_text();
	sb_printf(&b, "%s", proc ? proc : "");
	free(proc);
	if (b.failed) {
		free(b.data);
		return reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	reply_opts o = reply_route_opts(r, "text/plain; version=0.0.4; charset=utf-8");
	enum MHD_Result ret = reply_copy(r, b.data, b.len, &o);
	free(b.data);
	return ret;
}

