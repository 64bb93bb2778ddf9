/* procmetrics.c: build_info and the standard process metrics of Prometheus, read from /proc. */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>
#include <gdal_version.h> /* the GDAL of the reader module: loaded only to read OGR sources */
#include <microhttpd.h>
#include <proj.h>

#include "ops.h"
#include "server.h"

#ifndef BRIEFMAP_VERSION
#define BRIEFMAP_VERSION "0.0.0"
#endif

const char *server_version(void)
{
	return BRIEFMAP_VERSION;
}

int server_version_libraries(char *out, size_t cap)
{
	PJ_INFO pi = proj_info();
	return snprintf(out, cap, "GDAL %s, PROJ %s, cairo %s, libmicrohttpd %s",
	                GDAL_RELEASE_NAME, pi.version, cairo_version_string(),
	                MHD_get_version());
}

static long count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	long n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the descriptor of the listing itself */
}

/* Seconds since the epoch at which this process started: its start in ticks after boot. */
static double start_time(double *cpu_seconds)
{
	double ticks = (double)sysconf(_SC_CLK_TCK);
	char buf[1024];
	*cpu_seconds = -1;
	FILE *f = fopen("/proc/self/stat", "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields are counted after its end. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	unsigned long long utime = 0, stime = 0, start = 0;
	if (sscanf(p + 2,
	           "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d "
	           "%llu",
	           &utime, &stime, &start) != 3)
		return -1;
	*cpu_seconds = (double)(utime + stime) / ticks;
	f = fopen("/proc/stat", "r");
	if (!f)
		return -1;
	unsigned long long btime = 0;
	char line[256];
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "btime %llu", &btime) == 1)
			break;
	fclose(f);
	return btime ? (double)btime + (double)start / ticks : -1;
}

static long resident_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return -1;
	long size = 0, rss = -1;
	if (fscanf(f, "%ld %ld", &size, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss < 0 ? -1 : rss * sysconf(_SC_PAGESIZE);
}

static void add(char **buf, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char **buf, size_t *len, const char *fmt, ...)
{
	if (!*buf)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = n < 0 ? NULL : realloc(*buf, *len + (size_t)n + 1);
	if (!p) {
		free(*buf);
		*buf = NULL;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(p + *len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	*buf = p;
	*len += (size_t)n;
}

char *procmetrics_text(void)
{
	size_t len = 0;
	char *b = calloc(1, 1);
	PJ_INFO pi = proj_info();
	add(&b, &len,
	    "# HELP briefmap_build_info The program's version and the libraries it runs with.\n"
	    "# TYPE briefmap_build_info gauge\n"
	    "briefmap_build_info{version=\"%s\",gdal=\"%s\",proj=\"%s\",cairo=\"%s\","
	    "libmicrohttpd=\"%s\"} 1\n",
	    BRIEFMAP_VERSION, GDAL_RELEASE_NAME, pi.version, cairo_version_string(),
	    MHD_get_version());
	long rss = resident_bytes();
	if (rss >= 0)
		add(&b, &len,
		    "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
		    "# TYPE process_resident_memory_bytes gauge\n"
		    "process_resident_memory_bytes %ld\n",
		    rss);
	long fds = count_fds();
	if (fds >= 0)
		add(&b, &len,
		    "# HELP process_open_fds Number of open file descriptors.\n"
		    "# TYPE process_open_fds gauge\nprocess_open_fds %ld\n",
		    fds);
	long maxfds = sysconf(_SC_OPEN_MAX);
	if (maxfds > 0)
		add(&b, &len,
		    "# HELP process_max_fds Maximum number of open file descriptors.\n"
		    "# TYPE process_max_fds gauge\nprocess_max_fds %ld\n",
		    maxfds);
	double cpu;
	double st = start_time(&cpu);
	if (st > 0)
		add(&b, &len,
		    "# HELP process_start_time_seconds Start time of the process since unix epoch "
		    "in seconds.\n"
		    "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %.2f\n",
		    st);
	if (cpu >= 0)
		add(&b, &len,
		    "# HELP process_cpu_seconds_total Total user and system CPU time spent in "
		    "seconds.\n"
		    "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.2f\n",
		    cpu);
	return b;
}
