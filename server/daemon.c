/* daemon.c: starts libmicrohttpd with the connection policy; ties its connections to the guard. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "private.h"

/* Per-connection memory: must hold a request of the longest path and query we parse (8 + 4
 * KiB) plus headers, so that over-long URLs reach us (and get a JSON answer) instead of
 * libmicrohttpd's own HTML error. No more: libmicrohttpd zeroes the whole of it before each
 * request of a keep-alive connection, and with 64 KiB that memset was a fifth of the CPU time
 * of serving a cached tile (and 64 MiB touched for 1000 connections). */
#define CONN_MEMORY_LIMIT (32 * 1024)

/*
 * What libmicrohttpd answers by itself, before any callback of ours runs, and
 * which therefore cannot be JSON: a malformed request line or header, a
 * missing Host in HTTP/1.1, a bad Content-Length or chunked body (400), a
 * request head over CONN_MEMORY_LIMIT (431, and 414 for a request line over
 * it), an unknown HTTP version (505). Version 0.9.75 has no option to replace
 * those bodies: they are fixed HTML strings in its connection.c, sent without
 * Content-Type. Everything that reaches dispatch() is answered in JSON.
 * For a malformed or too large Content-Length it also sends its status line
 * and headers twice: MHD_connection_handle_idle() moves the connection on to
 * MHD_CONNECTION_HEADERS_PROCESSED after parse_connection_headers() has queued
 * the error and built its header, and the header is built again when the
 * response is sent (still so in 0.9.77). None of our callbacks runs in between,
 * so it cannot be mended from here; the connection is closed after it.
 */

int daemon_listen_parse(const char *spec, struct sockaddr_storage *ss, int *v6, char *hostout,
                        size_t hostcap)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *portp;
	memset(ss, 0, sizeof *ss);
	*v6 = 0;
	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');
		if (!end || end[1] != ':' || (size_t)(end - spec - 1) >= sizeof host)
			return -1;
		memcpy(host, spec + 1, (size_t)(end - spec - 1));
		host[end - spec - 1] = '\0';
		portp = end + 2;
		*v6 = 1;
	} else {
		const char *colon = strrchr(spec, ':');
		if (!colon || (size_t)(colon - spec) >= sizeof host)
			return -1;
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
		portp = colon + 1;
	}
	long port;
	if (query_uint_parse(portp, strlen(portp), 65535, &port) < 0)
		return -1;
	if (*v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return -1;
		snprintf(hostout, hostcap, "[%s]", host);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (!host[0] || strcmp(host, "localhost") == 0)
			snprintf(host, sizeof host, "127.0.0.1");
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -1;
		snprintf(hostout, hostcap, "%s", host);
	}
	return 0;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
	limits_guard *g = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		/* Without a record (no memory) the connection has only the idle timeout. */
		*socket_context = ci ? limits_guard_add(g, (int)ci->connect_fd) : NULL;
	} else {
		limits_guard_remove(g, *socket_context);
		*socket_context = NULL;
	}
}

/* Counts the headers named `cls`'s name. */
typedef struct header_count {
	const char *name;
	int n;
} header_count;

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
	(void)kind;
	(void)value;
	header_count *hc = cls;
	if (strcasecmp(key, hc->name) == 0)
		hc->n++;
	return MHD_YES;
}

int daemon_framing_ok(struct MHD_Connection *conn)
{
	header_count cl = {MHD_HTTP_HEADER_CONTENT_LENGTH, 0};
	header_count te = {MHD_HTTP_HEADER_TRANSFER_ENCODING, 0};
	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, &cl);
	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, &te);
	/* A proxy in front may frame the request by the one header and we by the other: what
	 * it takes for the body we would take for a second request (request smuggling). */
	return cl.n <= 1 && te.n <= 1 && !(cl.n && te.n);
}

limits_conn *daemon_conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

struct MHD_Daemon *daemon_start(const char *listen, const limits_policy *p, limits_guard *guard,
                                const daemon_hooks *h, char *hostout, size_t hostcap,
                                server_error *err)
{
	server_error scratch;
	if (!err)
		err = &scratch;
	struct sockaddr_storage ss;
	int v6;
	char host[INET6_ADDRSTRLEN + 4];
	if (daemon_listen_parse(listen, &ss, &v6, host, sizeof host) < 0) {
		snprintf(err->msg, sizeof err->msg, "bad listen address '%s'", listen);
		return NULL;
	}
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	/* One event-loop thread per core, as nginx has one worker per core. With four a core,
	 * the threads took turns on the CPU and a request caught behind a thread waiting for its
	 * turn made the tail of the latency: cached tile p99 under wrk -c64 on 2 cores was 5.3 ms
	 * with 8 threads and 4.0 ms with 2 (nginx 4.6 ms), at -c256 13.9 and 7.3 ms (nginx 8.0),
	 * and the rate rose from 88 to 95 thousand a second. What more threads were for, a fresh
	 * connection (a health check) answered at once under a flood of busy ones, holds with
	 * epoll's same-turn reads (MHD_USE_TURBO below): /healthz p99 31-35 ms under wrk -c1000
	 * with 2 threads, 8-9 ms with 8. The workers race to accept, so connections opened
	 * together are not shared exactly evenly (146 and 110 of 256 seen); accepting on a thread
	 * of our own and handing each out with MHD_add_connection() would even them, but with
	 * libmicrohttpd 0.9.75 it left every connection of a wrk -c256 run unanswered after a
	 * second or so, requests unread while both workers slept in epoll_wait. */
	unsigned io_threads = ncpu > 32 ? 32 : (unsigned)ncpu;
	/* A pool of event-loop threads, each with its own epoll set: thousands of idle
	 * connections cost no thread each. At the connection limit libmicrohttpd takes the
	 * listening socket out of its epoll set, so further clients wait unanswered in the
	 * kernel's backlog until a connection closes: the limit is derived from the descriptors
	 * we may open, one address may only take a share of it, and a request has a deadline,
	 * so that neither many clients nor slow ones can hold every slot. */
	unsigned flags =
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	/* With epoll, a new connection is read in the same turn of the event loop that accepted
	 * it instead of the next one: under a flood of busy keep-alive connections one turn is
	 * tens of milliseconds, and a fresh connection (a health check) would wait two. The
	 * other effect, no shutdown() before close(), changes nothing for plain TCP. */
	flags |= MHD_USE_TURBO;
	flags |=
	    MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL : MHD_USE_POLL;
	if (v6)
		flags |= MHD_USE_IPv6;
	uint16_t port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                         : ((struct sockaddr_in *)&ss)->sin_port);
	errno = 0;
	struct MHD_Daemon *d = MHD_start_daemon(
	    flags, port, NULL, NULL, h->on_request, h->cls, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, io_threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, p->timeout_s, MHD_OPTION_CONNECTION_LIMIT, p->conn_limit,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, p->per_ip, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)CONN_MEMORY_LIMIT, MHD_OPTION_URI_LOG_CALLBACK, h->on_uri, h->cls,
	    MHD_OPTION_NOTIFY_COMPLETED, h->on_completed, h->cls, MHD_OPTION_NOTIFY_CONNECTION,
	    on_connection, guard, MHD_OPTION_END);
	if (!d) {
		snprintf(err->msg, sizeof err->msg, "cannot listen on %s: %s", listen,
		         errno ? strerror(errno) : "libmicrohttpd refused to start");
		return NULL;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (info && info->port)
		port = info->port;
	snprintf(hostout, hostcap, "%s:%u", host, (unsigned)port);
	return d;
}
