/* SPDX-License-Identifier: MIT */
/* static.c: files of the web root with MIME types and no escape from it. */
#include "config.h"
#include "static.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct { const char *ext, *type; } mimes[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".woff2", "font/woff2" },
	{ ".map", "application/json" },
};

/* MIME type by file name extension. */
static const char *
static_mime(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof mimes / sizeof mimes[0]; i++) {
		size_t e = strlen(mimes[i].ext);

		if (n >= e && strcmp(name + n - e, mimes[i].ext) == 0)
			return mimes[i].type;
	}
	return "application/octet-stream";
}

/* Reject paths that try to climb: "..", backslashes, control bytes. */
static int
path_is_clean(const char *path)
{
	const char *p;

	if (path[0] != '/')
		return 0;
	for (p = path; *p; p++)
		if (*p == '\\' || (unsigned char)*p < 0x20)
			return 0;
	for (p = path; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			return 0;
	return 1;
}

struct MHD_Response *
static_response(const char *root, const char *path, int *status,
    uint64_t *size)
{
	char want[PATH_MAX], real[PATH_MAX], rroot[PATH_MAX];
	struct MHD_Response *resp;
	struct stat st;
	size_t rl;
	int fd;

	*status = 404;
	*size = 0;
	if (!path_is_clean(path)) {
		*status = 403;
		return NULL;
	}
	if (realpath(root, rroot) == NULL)
		return NULL;
	if (snprintf(want, sizeof want, "%s%s%s", rroot, path,
	    path[strlen(path) - 1] == '/' ? "index.html" : "") >=
	    (int)sizeof want)
		return NULL;
	if (realpath(want, real) == NULL)
		return NULL;
	rl = strlen(rroot);
	/* a symlink may point anywhere: the resolved file must be inside */
	if (strncmp(real, rroot, rl) != 0 || real[rl] != '/') {
		*status = 403;
		return NULL;
	}
	/* O_NONBLOCK: opening a FIFO would wait for a writer for good,
	   holding a worker (and SIGTERM's shutdown) */
	if ((fd = open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (resp == NULL) {
		close(fd);	/* the response owns fd only once created */
		*status = 500;
		return NULL;
	}
	MHD_add_response_header(resp, "Content-Type", static_mime(real));
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	*status = 200;
	*size = (uint64_t)st.st_size;
	return resp;
}
