/* SPDX-License-Identifier: MIT */
/*
 * ptdump-debugfs.c: find the kernel's page-table dumps in debugfs
 * (arch/x86/mm/debug_pagetables.c, arch/arm64/mm/ptdump_debugfs.c,
 * arch/riscv/mm/ptdump.c) and make live spaces that re-read them.
 */
#include "config.h"

#include "ptdump.h"
#include "ptdump-int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEBUGFS "/sys/kernel/debug"

/* The files each arch offers, and the space id each becomes. */
static const struct { const char *file, *id; } ptdump_files[] = {
	{ "page_tables/kernel", "kernel" },
	{ "page_tables/current_user", "kernel-user" },
	{ "page_tables/current_kernel", "kernel-current" },
	{ "page_tables/efi", "efi" },
	{ "kernel_page_tables", "kernel" },
	{ "efi_page_tables", "efi" },
};

/* Whether debugfs is mounted at dir (read from /proc/self/mounts). */
static bool
ptdump_debugfs_mounted(const char *dir)
{
	char line[1024], fsdir[512], type[64];
	FILE *f = fopen("/proc/self/mounts", "r");
	bool found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "%*s %511s %63s", fsdir, type) == 2 &&
		    strcmp(fsdir, dir) == 0 && strcmp(type, "debugfs") == 0)
			found = true;
	fclose(f);
	return found;
}

/* Mount debugfs at the standard place when root; false with why set. */
static bool
ptdump_debugfs_mount(char *why, size_t whylen)
{
	if (ptdump_debugfs_mounted(DEBUGFS))
		return true;
	if (geteuid() != 0) {
		snprintf(why, whylen, "debugfs is not mounted at " DEBUGFS
		    " and ptscope is not root, so it cannot mount it.");
		return false;
	}
	if (mount("debugfs", DEBUGFS, "debugfs", 0, NULL) != 0) {
		snprintf(why, whylen, "debugfs is not mounted at " DEBUGFS
		    " and mounting it failed: %s.", strerror(errno));
		return false;
	}
	return true;
}

/* Explain why root holds no readable dump. */
static void
ptdump_debugfs_why(const char *root, bool unreadable, char *why,
    size_t whylen)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof path, "%s/page_tables", root);
	if (unreadable)
		snprintf(why, whylen, "The page-table dumps under %s are "
		    "readable by root only (mode 0400).", root);
	else if (stat(path, &st) != 0)
		snprintf(why, whylen, "debugfs is mounted but has no "
		    "page_tables directory or kernel_page_tables file: the "
		    "kernel was built without CONFIG_PTDUMP_DEBUGFS.");
	else
		snprintf(why, whylen, "%s exists but holds no dump.", path);
}

/* Probe below root (the real debugfs, or a test directory). */
int
ptdump_debugfs_probe_at(const char *root, struct ptdump_source *src,
    int max, char *why, size_t whylen)
{
	bool unreadable = false;
	int n = 0;

	if (why && whylen)
		why[0] = '\0';
	for (size_t i = 0; i < sizeof ptdump_files / sizeof ptdump_files[0] &&
	    n < max; i++) {
		char path[sizeof src->path];
		int fd;

		if ((size_t)snprintf(path, sizeof path, "%s/%s", root,
		    ptdump_files[i].file) >= sizeof path)
			continue;
		/* opened, not access(2)ed: access() checks the real uid
		   without capabilities, so a non-root daemon holding
		   CAP_DAC_READ_SEARCH (the unit's) would be told no */
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
			if (errno != ENOENT)
				unreadable = true;
			continue;
		}
		close(fd);
		snprintf(src[n].id, sizeof src[n].id, "%s", ptdump_files[i].id);
		snprintf(src[n].path, sizeof src[n].path, "%s", path);
		n++;
	}
	if (n == 0 && why && whylen)
		ptdump_debugfs_why(root, unreadable, why, whylen);
	return n;
}

/* Find the readable dumps, mounting debugfs when root and unmounted. */
int
ptdump_debugfs_probe(struct ptdump_source *src, int max, char *why,
    size_t whylen)
{
	char buf[200];

	if (why == NULL || whylen == 0) {
		why = buf;
		whylen = sizeof buf;
	}
	if (!ptdump_debugfs_mount(why, whylen))
		return 0;
	return ptdump_debugfs_probe_at(DEBUGFS, src, max, why, whylen);
}

/* A live space of kind "kernel" over a debugfs dump. */
int
ptdump_debugfs_space(const struct ptdump_source *src, struct space **out,
    struct pts_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	struct ptdump_dump d = { 0 };
	struct space *s;
	int r;

	r = strbuf_read_file(&sb, src->path, PTDUMP_MAX_TEXT, err);
	if (r == 0)
		r = ptdump_dump_parse(sb.buf ? sb.buf : "", sb.len, NULL, &d,
		    err);
	strbuf_release(&sb);
	if (r < 0)
		return r;
	s = ptdump_space_new(&d, true, src->path);
	snprintf(s->label, sizeof s->label, "%.15s (%.40s)", src->id,
	    src->path);
	*out = s;
	return 0;
}
