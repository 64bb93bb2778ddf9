/* events_problems.c: the one-line problems an events load reports, about the file or one feature.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "events_private.h"

void geodata_problems_finish(geodata_problems *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->count; i++)
		free(p->lines[i]);
	free(p->lines);
	p->lines = NULL;
	p->count = p->cap = 0;
}

void events_problems_push(geodata_problems *p, char *line)
{
	if (p->count == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		char **v = realloc(p->lines, cap * sizeof *v);
		if (!v) {
			free(line);
			return;
		}
		p->lines = v;
		p->cap = cap;
	}
	p->lines[p->count++] = line;
}

/* One problem per line, always: control characters from the input become spaces. */
static void vproblem(events_loader *L, const char *fmt, va_list ap)
{
	L->nproblems++;
	if (!L->out || L->nproblems > EVENTS_MAX_PROBLEM_LINES)
		return;
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	char *line = malloc((size_t)n + 1);
	if (!line)
		return;
	vsnprintf(line, (size_t)n + 1, fmt, ap);
	for (char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	events_problems_push(L->out, line);
}

void events_problem_file(events_loader *L, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vproblem(L, fmt, ap);
	va_end(ap);
}

/*
 * Quotes a value from the input as a JSON string (json-c does the escaping),
 * cut to a readable length on a UTF-8 boundary.
 */
void events_quote_n(const char *s, size_t len, char *buf, size_t n)
{
	char tmp[96];
	size_t cut = len;
	if (cut > 64) {
		cut = 64;
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
	}
	memcpy(tmp, s, cut);
	if (cut < len) {
		memcpy(tmp + cut, "...", 3);
		cut += 3;
	}
	json_object *o = json_object_new_string_len(tmp, (int)cut);
	const char *t = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                          JSON_C_TO_STRING_NOSLASHESCAPE)
	                  : NULL;
	snprintf(buf, n, "%s", t ? t : "\"?\"");
	json_object_put(o);
}

void events_quote(const char *s, char *buf, size_t n)
{
	events_quote_n(s, strlen(s), buf, n);
}

void events_problem_field(events_loader *L, const char *field, const char *fmt, ...)
{
	char id[128], head[320];
	if (L->id)
		events_quote(L->id, id, sizeof id);
	else
		snprintf(id, sizeof id, "no id");
	if (field)
		snprintf(head, sizeof head, "feature %zu (%s%s): field \"%s\": ", L->index,
		         L->id ? "id " : "", id, field);
	else
		snprintf(head, sizeof head, "feature %zu (%s%s): ", L->index, L->id ? "id " : "",
		         id);
	va_list ap;
	va_start(ap, fmt);
	char body[1024];
	vsnprintf(body, sizeof body, fmt, ap);
	va_end(ap);
	events_problem_file(L, "%s%s", head, body);
}

/* ---- storage ---------------------------------------------------------------------- */

void events_problems_close(events_loader *L)
{
	if (L->nproblems <= EVENTS_MAX_PROBLEM_LINES || !L->out)
		return;
	char more[80];
	snprintf(more, sizeof more, "... and %zu more problems",
	         L->nproblems - EVENTS_MAX_PROBLEM_LINES);
	char *line = strdup(more);
	if (line)
		events_problems_push(L->out, line);
}
