/* SPDX-License-Identifier: MIT */
/* strbuf.h: a growable string (git's strbuf, smaller). */
#ifndef PTS_STRBUF_H
#define PTS_STRBUF_H

#include <stddef.h>

#include "err.h"

struct strbuf {
	char *buf;		/* always NUL-terminated once anything is added */
	size_t len, cap;
};

#define STRBUF_INIT { NULL, 0, 0 }

void	 strbuf_add(struct strbuf *, const void *, size_t);
void	 strbuf_adds(struct strbuf *, const char *);
void	 strbuf_addf(struct strbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 strbuf_addc(struct strbuf *, char);
void	 strbuf_reset(struct strbuf *);
void	 strbuf_release(struct strbuf *);
/* Hand the bytes to the caller (who frees them); the strbuf is emptied. */
char	*strbuf_detach(struct strbuf *, size_t *len);
/*
 * Read a whole regular file; PTS_EIO with a message on failure (a FIFO or
 * a device is refused at once, not waited for).  max 0: no limit.
 */
int	 strbuf_read_file(struct strbuf *, const char *path, size_t max,
	    struct pts_err *);
/* The same for name in directory dirfd, never following a symbolic link
   (name is one path component: /proc/PID/maps under a held /proc/PID). */
int	 strbuf_read_fileat(struct strbuf *, int dirfd, const char *name,
	    size_t max, struct pts_err *);

#endif
