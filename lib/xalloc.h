/* SPDX-License-Identifier: MIT */
/* xalloc.h: allocation that never returns NULL (OOM is fatal, as in tmux). */
#ifndef PTS_XALLOC_H
#define PTS_XALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
/* Grow an array to hold at least n elements of size sz; updates *cap. */
void	*xgrow(void *, size_t *cap, size_t n, size_t sz);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);

#endif
