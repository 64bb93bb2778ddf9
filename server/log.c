/* log.c: one line at a time on stderr, with whatever a client sent made harmless for a terminal. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "private.h"

void log_line(const char *fmt, ...)
{
	char raw[1024];
	/* Every byte may become four, plus the newline. */
	char buf[sizeof raw * 4 + 2];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	query_log_escape(raw, buf, sizeof buf - 1);
	size_t len = strlen(buf);
	buf[len++] = '\n';
	fwrite(buf, 1, len, stderr);
}
