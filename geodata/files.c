/* files.c: reads the data files geodata opens itself, refusing what is not a regular file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

static const char *file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	return "not a regular file";
}

int file_check_regular(int fd, char *why, size_t whylen)
{
	struct stat st;
	if (fstat(fd, &st)) {
		snprintf(why, whylen, "cannot stat: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "not a regular file (%s)", file_kind(st.st_mode));
		return -1;
	}
	return 0;
}

int file_read_regular(const char *path, size_t max, char **data, size_t *len, char *why,
                      size_t whylen)
{
	*data = NULL;
	*len = 0;
	/* Non-blocking: opening a FIFO must not wait for a writer that never comes. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "cannot open: %s", strerror(errno));
		return -1;
	}
	char *buf = NULL;
	int rc = -1;
	struct stat st;
	if (file_check_regular(fd, why, whylen))
		goto out;
	if (fstat(fd, &st) || (uintmax_t)st.st_size > max) {
		snprintf(why, whylen, "too large: %jd bytes (at most %zu)", (intmax_t)st.st_size,
		         max);
		goto out;
	}
	/* The size may change while reading: never read past `max`, and keep what is there. */
	size_t cap = (size_t)st.st_size + 1, n = 0;
	buf = malloc(cap + 1);
	if (!buf) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(why, whylen, "read error: %s", strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n == cap) {
			if (cap > max) {
				snprintf(why, whylen, "too large: more than %zu bytes", max);
				goto out;
			}
			char *nb = realloc(buf, 2 * cap + 1);
			if (!nb) {
				snprintf(why, whylen, "out of memory");
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
	}
	buf[n] = 0;
	*data = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}
