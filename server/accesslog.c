/* accesslog.c: the access log, in the combined log format or as JSON lines, reopened on SIGHUP. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include "ops.h"

struct accesslog {
	char *path;
	accesslog_format fmt;
	pthread_mutex_t lock; /* guards fd against a reopen while a line is written */
	int fd;
};

int accesslog_format_from_name(const char *name)
{
	if (strcmp(name, "combined") == 0)
		return ACCESSLOG_COMBINED;
	if (strcmp(name, "json") == 0)
		return ACCESSLOG_JSON;
	return -1;
}

static int open_log(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

accesslog *accesslog_create(const char *path, accesslog_format fmt, char *err, size_t errcap)
{
	accesslog *l = calloc(1, sizeof *l);
	if (!l || !(l->path = strdup(path))) {
		snprintf(err, errcap, "out of memory");
		free(l);
		return NULL;
	}
	l->fmt = fmt;
	l->fd = open_log(path);
	if (l->fd < 0) {
		snprintf(err, errcap, "cannot open access log %s: %s", path, strerror(errno));
		free(l->path);
		free(l);
		return NULL;
	}
	pthread_mutex_init(&l->lock, NULL);
	return l;
}

int accesslog_reopen(accesslog *l, char *err, size_t errcap)
{
	if (!l)
		return 0;
	int fd = open_log(l->path);
	if (fd < 0) {
		snprintf(err, errcap, "cannot reopen access log %s: %s", l->path, strerror(errno));
		return -1;
	}
	pthread_mutex_lock(&l->lock);
	int old = l->fd;
	l->fd = fd;
	pthread_mutex_unlock(&l->lock);
	close(old);
	return 0;
}

void accesslog_destroy(accesslog *l)
{
	if (!l)
		return;
	close(l->fd);
	pthread_mutex_destroy(&l->lock);
	free(l->path);
	free(l);
}

/* A bounded line being built; overflow cuts the field, never the line's end. */
typedef struct line {
	char buf[4096];
	size_t n;
} line;

static void put(line *b, const char *s, size_t len)
{
	size_t room = sizeof b->buf - 2 - b->n; /* keeps room for "\n" */
	if (len > room)
		len = room;
	memcpy(b->buf + b->n, s, len);
	b->n += len;
}

static void puts_(line *b, const char *s)
{
	put(b, s, strlen(s));
}

static void putf(line *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(line *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/*
 * A client-supplied field, escaped so that it can neither end the line nor
 * forge another field: control bytes, quotes and backslashes become \xHH (or
 * \uXXXX in JSON), and at most 1024 bytes are kept. Bytes >= 0x80 are escaped
 * in the combined format (which is read as bytes) and passed through in JSON
 * only when JSON's own escaping keeps the line valid, i.e. always as \u00XX.
 */
static void put_field(line *b, const char *s, int json)
{
	if (!s || !*s) {
		puts_(b, json ? "null" : "-");
		return;
	}
	if (json)
		puts_(b, "\"");
	size_t kept = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && kept < 1024; p++, kept++) {
		unsigned c = *p;
		if (c < 0x20 || c == 0x7f || c >= 0x80 || c == '"' || c == '\\') {
			if (json)
				putf(b, "\\u%04x", c);
			else
				putf(b, "\\x%02x", c);
		} else {
			char ch = (char)c;
			put(b, &ch, 1);
		}
	}
	if (*((const unsigned char *)s + kept))
		puts_(b, "...");
	if (json)
		puts_(b, "\"");
}

static void format_combined(line *b, const accesslog_entry *e, const struct tm *tm)
{
	char when[64];
	strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S %z", tm);
	put_field(b, e->client, 0);
	putf(b, " - - [%s] \"", when);
	put_field(b, e->method, 0);
	puts_(b, " ");
	put_field(b, e->target, 0);
	putf(b, " HTTP/1.1\" %d %zu \"", e->status, e->bytes);
	put_field(b, e->referer, 0);
	puts_(b, "\" \"");
	put_field(b, e->user_agent, 0);
	/* Beyond the combined format proper, as nginx's $request_time and $upstream_cache_status. */
	putf(b, "\" %.3f %s%s", e->duration_ms / 1e3, e->cache ? e->cache : "-",
	     e->aborted ? " aborted" : "");
}

static void format_json(line *b, const accesslog_entry *e, const struct tm *tm, long usec)
{
	char when[64];
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", tm);
	putf(b, "{\"time\":\"%s.%06ldZ\",\"client\":", when, usec);
	put_field(b, e->client, 1);
	puts_(b, ",\"method\":");
	put_field(b, e->method, 1);
	puts_(b, ",\"path\":");
	put_field(b, e->target, 1);
	putf(b, ",\"status\":%d,\"bytes\":%zu,\"duration_ms\":%.3f,\"cache\":", e->status, e->bytes,
	     e->duration_ms);
	put_field(b, e->cache, 1);
	puts_(b, ",\"user_agent\":");
	put_field(b, e->user_agent, 1);
	puts_(b, ",\"referer\":");
	put_field(b, e->referer, 1);
	putf(b, ",\"aborted\":%s}", e->aborted ? "true" : "false");
}

void accesslog_write(accesslog *l, const accesslog_entry *e)
{
	if (!l)
		return;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct tm tm;
	line b;
	b.n = 0;
	if (l->fmt == ACCESSLOG_JSON) {
		gmtime_r(&now.tv_sec, &tm);
		format_json(&b, e, &tm, now.tv_nsec / 1000);
	} else {
		localtime_r(&now.tv_sec, &tm);
		format_combined(&b, e, &tm);
	}
	b.buf[b.n++] = '\n';
	pthread_mutex_lock(&l->lock);
	/* One write of a whole line with O_APPEND: lines of different threads never mix. */
	ssize_t w = write(l->fd, b.buf, b.n);
	pthread_mutex_unlock(&l->lock);
	(void)w; /* a full disk must not stop serving; nothing else to do with the error */
}

/* The last address of X-Forwarded-For, if it is one. */
static int forwarded_client(const char *xff, char *out, size_t cap)
{
	if (!xff)
		return 0;
	const char *last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	while (*last == ' ' || *last == '\t')
		last++;
	char addr[INET6_ADDRSTRLEN];
	size_t n = strcspn(last, " \t");
	if (n == 0 || n >= sizeof addr || n >= cap)
		return 0;
	memcpy(addr, last, n);
	addr[n] = '\0';
	unsigned char bin[sizeof(struct in6_addr)];
	if (inet_pton(AF_INET, addr, bin) != 1 && inet_pton(AF_INET6, addr, bin) != 1)
		return 0;
	memcpy(out, addr, n + 1);
	return 1;
}

void accesslog_request(accesslog *l, struct MHD_Connection *conn, int trust_proxy,
                       accesslog_entry *e)
{
	if (!l)
		return;
	char client[INET6_ADDRSTRLEN] = "-";
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, client,
			          sizeof client);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, client,
			          sizeof client);
	}
	if (trust_proxy)
		forwarded_client(
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For"), client,
		    sizeof client);
	e->client = client;
	e->referer = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_REFERER);
	e->user_agent =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);
	accesslog_write(l, e);
}
