/* SPDX-License-Identifier: MIT */
/* net.c: finding and opening ptscope-net.so (net.h says why it exists). */
#include "config.h"
#include "net.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "strbuf.h"

static const struct net_ops *loaded;

/* The directory of the running binary, with its '/'. */
static int
binary_dir(char *dir, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", dir, size - 1);
	char *slash;

	if (n <= 0)
		return -1;
	dir[n] = '\0';
	if ((slash = strrchr(dir, '/')) == NULL)
		return -1;
	slash[1] = '\0';
	return 0;
}

/* The length of the path component at p (after any '/'), p moved to it. */
static size_t
component(const char **p)
{
	while (**p == '/')
		(*p)++;
	return strcspn(*p, "/");
}

/*
 * to (a directory) as seen from the directory from: "../lib/ptscope/" for
 * /usr/local/bin and /usr/local/lib/ptscope.  Both are absolute, without
 * "." or ".." (configure's bindir and pkglibdir).
 */
static void
relative_dir(const char *from, const char *to, struct strbuf *out)
{
	size_t n;

	/* past the components both start with */
	while ((n = component(&from)) > 0 && component(&to) == n &&
	    memcmp(from, to, n) == 0) {
		from += n;
		to += n;
	}
	component(&to);
	/* up from each component of from that is left, then down to to */
	for (; (n = component(&from)) > 0; from += n)
		strbuf_adds(out, "../");
	strbuf_addf(out, "%s%s", to, *to ? "/" : "");
}

/*
 * Whether dlopen() may read path: with the effective ids and capabilities
 * (AT_EACCESS), as open() checks, not access()'s real ones: a daemon run as
 * nobody with CAP_DAC_READ_SEARCH from a build under /root (mode 700) reads
 * its module where access() says no.
 */
static bool
readable(const char *path)
{
	return faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) == 0;
}

/*
 * Where the module may be, in order: beside the binary (a build
 * directory); where it is installed relative to the binary (an installed
 * tree moved whole: DESTDIR, a copied prefix); where it was installed.
 */
static void
find_module(char *path, size_t size)
{
	char dir[PATH_MAX];
	struct strbuf rel = STRBUF_INIT;

	if (binary_dir(dir, sizeof dir) == 0) {
		snprintf(path, size, "%s%s", dir, NET_MODULE_NAME);
		if (readable(path))
			return;
		relative_dir(PTS_BINDIR, PTS_PKGLIBDIR, &rel);
		snprintf(path, size, "%s%s%s", dir, rel.buf ? rel.buf : "",
		    NET_MODULE_NAME);
		strbuf_release(&rel);
		if (readable(path))
			return;
	}
	snprintf(path, size, "%s/%s", PTS_PKGLIBDIR, NET_MODULE_NAME);
}

int
net_load(struct pts_err *err)
{
	char path[2 * PATH_MAX];
	const struct net_ops *ops;
	void *handle;

	if (loaded)
		return 0;
	find_module(path, sizeof path);
	/* RTLD_NOW: a missing symbol is found here, not mid-request */
	if ((handle = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return pts_errf(err, PTS_EIO, "net_module",
		    "cannot load the HTTP/WebSocket module: %s (is ptscope "
		    "installed whole?)", dlerror());
	ops = dlsym(handle, NET_OPS_SYMBOL);
	if (ops == NULL || strcmp(ops->version, PACKAGE_VERSION) != 0) {
		pts_errf(err, PTS_EIO, "net_module", "%s is not the HTTP/"
		    "WebSocket module of ptscope %s (%s)", path,
		    PACKAGE_VERSION, ops ? ops->version : "no " NET_OPS_SYMBOL);
		dlclose(handle);
		return PTS_EIO;
	}
	loaded = ops;	/* never closed: threads of it run until exit */
	return 0;
}

const struct net_ops *
net_ops(void)
{
	return loaded;
}

void
net_ws_notify(struct server *srv)
{
	if (loaded && srv->ws)
		loaded->ws_notify(srv->ws);
}
