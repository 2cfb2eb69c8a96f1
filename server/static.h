/* SPDX-License-Identifier: MIT */
/* static.h: serving the viewer's files from the web root, safely. */
#ifndef PTS_STATIC_H
#define PTS_STATIC_H

#include <stdint.h>

#include <microhttpd.h>

/*
 * A response for path under root ("/" → index.html) or NULL with *status
 * set (403 for escapes and symlinks out of the root, 404 for missing).
 */
struct MHD_Response *static_response(const char *root, const char *path,
    int *status, uint64_t *size);

#endif
