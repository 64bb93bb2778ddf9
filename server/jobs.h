/* jobs.h: the render queue of `briefmap serve` (private to server/): tiles before sheets, identical
 * requests merged, abandoned requests dropped, sheet memory within a budget. */
#ifndef BRIEFMAP_JOBS_H
#define BRIEFMAP_JOBS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "tiles.h"

/**
 * A render job, in the storage of the request that needs it.
 *
 * Ownership: the network thread fills the inputs and calls `job_queue_submit`,
 * which suspends `conn`. From then until the queue resumes `conn`, the job
 * belongs to the queue; after the resume the network thread owns it again and
 * reads the result (`rc`, `end`, `errmsg`, `blob`). `job_finish` releases what
 * a job holds; the caller frees the job's storage.
 */
typedef enum job_kind { JOB_NONE, JOB_TILE, JOB_SHEET } job_kind;

/** How a job ended, for the network thread. */
typedef enum job_end {
	JOB_END_DONE,      /**< rendered (or failed: see `rc`) */
	JOB_END_STOPPING,  /**< the server is stopping */
	JOB_END_ABANDONED, /**< every client that wanted it hung up; nothing to send */
} job_end;

typedef struct job job;
struct job {
	/* Inputs. */
	job_kind kind;
	struct MHD_Connection *conn;
	tile_scene *scene; /**< a reference the job owns */
	char key[160];     /**< identical keys are rendered once; a tile's key is its cache key */
	uint64_t tag;      /**< version stamp stored with the result blob */
	tile_key tile;     /**< with JOB_TILE: the tile to draw */
	tile_sheet_request sheet;
	size_t cache_max; /**< a sheet up to this many bytes is kept in the tile cache under `key` */

	/* Result. */
	int rc;
	job_end end;
	char errmsg[512];
	tile_blob *blob; /**< the rendered bytes, a reference the job owns */

	/* Queue state, under the queue's lock. */
	int suspended; /**< cleared by the network thread once it is resumed */
	int fd;        /**< the client's socket, to notice a hang-up */
	size_t cost;   /**< bytes charged against the sheet budget */
	int state;
	job *next;      /**< in a queue, the running list or a leader's followers */
	job *followers; /**< identical requests waiting for this job's result */
};

/** Releases what a job holds (scene, blob); the job may be reused or freed afterwards. */
void job_finish(job *j);

/** Renders each queued job; tiles are always taken before sheets. */
typedef struct job_queue job_queue;

typedef struct job_queue_options {
	int threads;          /**< render workers, >= 1 */
	size_t max_queued;    /**< jobs waiting (followers not counted) beyond which submit refuses */
	size_t sheet_budget;  /**< bytes of sheets queued or rendering at once (estimated) */
	tile_cache *cache;    /**< rendered tiles are stored here */
	/** Called on a worker after each render, for metrics; may be NULL. */
	void (*rendered)(void *ud, const job *j, double seconds);
	void *ud;
} job_queue_options;

/** Counters and gauges for /metrics. */
typedef struct job_queue_stats {
	size_t queued_tiles, queued_sheets, running;
	size_t sheet_bytes, sheet_budget;
	uint64_t merged[2];    /**< requests served by another request's render: tile, sheet */
	uint64_t abandoned[2]; /**< jobs dropped because every client hung up: tile, sheet */
	uint64_t refused_full, refused_budget;
	uint64_t trims; /**< times freed memory was handed back to the system */
	size_t heap_used; /**< bytes malloc has handed out (mapped blocks included) */
	size_t heap_free; /**< bytes malloc holds free in its heaps */
} job_queue_stats;

/**
 * Sets the process's malloc up for long-running rendering on many threads:
 * one arena, large blocks mapped on their own. Call once, before
 * the threads start. Never fails (a refused setting only costs memory).
 */
void job_memory_tune(void);

/**
 * Starts the workers and the watch on queued clients. Returns NULL on failure.
 * Thread safety: every function but `_destroy` may be called from any thread.
 */
job_queue *job_queue_create(const job_queue_options *o);

enum {
	JOB_QUEUED = 0,
	JOB_EFULL = -1,     /**< the queue is full */
	JOB_EBUDGET = -2,   /**< the sheet would exceed the memory budget */
	JOB_ESTOPPING = -3, /**< the server is stopping */
};

/**
 * Queues a job, or merges it with an identical one already queued or running.
 * On JOB_QUEUED the connection is suspended and resumed once `j` holds its
 * result; otherwise nothing changed and the caller answers at once.
 */
int job_queue_submit(job_queue *q, job *j);

/** The memory a sheet is expected to take while it is drawn and encoded, in bytes. */
size_t job_sheet_cost(const tile_sheet_request *req);

void job_queue_stats_get(job_queue *q, job_queue_stats *out);

/** Cancels what is queued (resumed with JOB_END_STOPPING) and joins the threads. */
void job_queue_stop(job_queue *q);
/** Stops if needed and frees the queue. NULL is a no-op. */
void job_queue_destroy(job_queue *q);

#endif
