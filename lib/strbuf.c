/* SPDX-License-Identifier: MIT */
/* strbuf.c: growable strings and whole-file reads. */
#include "config.h"
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

static void
strbuf_reserve(struct strbuf *sb, size_t extra)
{
	sb->buf = xgrow(sb->buf, &sb->cap, sb->len + extra + 1, 1);
}

void
strbuf_add(struct strbuf *sb, const void *p, size_t n)
{
	strbuf_reserve(sb, n);
	memcpy(sb->buf + sb->len, p, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void
strbuf_adds(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void
strbuf_addc(struct strbuf *sb, char c)
{
	strbuf_add(sb, &c, 1);
}

void
strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	strbuf_reserve(sb, 64);
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sb->cap - sb->len) {
		strbuf_reserve(sb, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t)n;
}

void
strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void
strbuf_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

char *
strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *p;

	strbuf_reserve(sb, 0);
	p = sb->buf;
	if (len)
		*len = sb->len;
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return p;
}

/* The error of a failed open of name (errno e). */
static int
open_error(const char *name, int e, struct pts_err *err)
{
	if (e == ELOOP)
		return pts_errf(err, PTS_EPERM, NULL, "%s is a symbolic link, "
		    "which is not followed here", name);
	return pts_errf(err, e == EACCES || e == EPERM ? PTS_EPERM :
	    e == ENOENT || e == ESRCH ? PTS_ENOENT : PTS_EIO, NULL,
	    "cannot open %s: %s", name, strerror(e));
}

/*
 * Read all of an open fd (closed here).  Only regular files: a FIFO or a
 * device could block a worker for good (it was opened O_NONBLOCK, but a
 * read would still wait or never end).  Messages name the file, never
 * quote what it holds.
 */
static int
read_fd(struct strbuf *sb, int fd, const char *name, size_t max,
    struct pts_err *err)
{
	char chunk[16384];
	struct stat st;
	ssize_t n;
	int e;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return pts_errf(err, PTS_EIO, NULL, "%s is not a regular file",
		    name);
	}
	strbuf_reserve(sb, 0);
	sb->buf[sb->len] = '\0';	/* an empty file is "", not garbage */
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (max && sb->len + (size_t)n > max) {
			close(fd);
			return pts_errf(err, PTS_E2BIG, NULL,
			    "%s is larger than %zu bytes", name, max);
		}
		strbuf_add(sb, chunk, (size_t)n);
	}
	e = errno;
	close(fd);
	if (n < 0)
		return pts_errf(err, e == ESRCH ? PTS_EGONE : PTS_EIO, NULL,
		    "cannot read %s: %s", name, strerror(e));
	return 0;
}

int
strbuf_read_file(struct strbuf *sb, const char *path, size_t max,
    struct pts_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return open_error(path, errno, err);
	return read_fd(sb, fd, path, max, err);
}

int
strbuf_read_fileat(struct strbuf *sb, int dirfd, const char *name,
    size_t max, struct pts_err *err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    O_NOFOLLOW);

	if (fd < 0)
		return open_error(name, errno, err);
	return read_fd(sb, fd, name, max, err);
}
