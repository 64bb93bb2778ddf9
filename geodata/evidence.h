/* evidence.h: the evidence part of an event (quotes, verification, narrative order); private to geodata/. */
#ifndef BRIEFMAP_GEODATA_EVIDENCE_H
#define BRIEFMAP_GEODATA_EVIDENCE_H

#include <json.h>

#include "geodata.h"

/** What the events loader lends the evidence reader. */
typedef struct evidence_io {
	/** Zeroed storage owned by the events being built; NULL when out of memory. */
	void *(*alloc)(void *ud, size_t size);
	/** Reports one problem of the current feature's `field`. */
	void (*problem)(void *ud, const char *field, const char *msg);
	void *ud;
	/** The article's text; NULL when there is none to check quotes against. */
	const char *article;
	size_t article_len;
} evidence_io;

/**
 * Reads `sources` (or the older single `source`), `verification`,
 * `verification_note`, `date_text`, `sequence` and `place` into `e`, checks
 * every quote against the article, and the rules that tie them to the date
 * and status already read. Returns 0, or -1 after reporting problems.
 */
int evidence_read(const evidence_io *io, json_object *props, geodata_event *e);

/** Adds the evidence properties of `e` to a GeoJSON properties object. */
void evidence_json(json_object *props, const geodata_event *e);

/** The files beside an events file that make it a briefing. */
typedef struct briefing_files {
	char *article; /**< article.txt, NUL-terminated, or NULL when absent */
	size_t article_len;
	geodata_briefing *briefing; /**< briefing.json, or NULL when absent */
	uint64_t hash;              /**< of both, so that ETags follow them */
} briefing_files;

/**
 * Reads article.txt and briefing.json from the folder of `events_path` when
 * they exist. Returns 0, or -1 with problems naming the file.
 */
int briefing_files_read(const char *events_path, briefing_files *out, geodata_problems *problems);
void briefing_files_finish(briefing_files *bf);

/** Adds a problem `file "PATH": ...` to `p` (NULL: dropped). */
void briefing_problem(geodata_problems *p, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/**
 * Reads a `kinds` array into `out`, whose strings borrow from `list`. Returns
 * 0, or -1 after naming every bad field in `p`.
 */
int kinds_read(json_object *list, geodata_kinds *out, geodata_problems *p, const char *path);

#endif
