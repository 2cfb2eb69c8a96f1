/* SPDX-License-Identifier: MIT */
/* procfs-stat.c: /proc/PID/stat and status-like "Key: N kB" files. */
#include "config.h"
#include "procfs-stat.h"

#include <stdio.h>
#include <string.h>

#include "strbuf.h"

/* Read /proc/PID/stat below proc_root. */
int
procfs_stat_read(const char *proc_root, int pid, struct procfs_stat *st,
    struct pts_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	char path[256], *open_p, *close_p;
	unsigned long long v[20];
	char state;
	int r;

	snprintf(path, sizeof path, "%s/%d/stat", proc_root, pid);
	if ((r = strbuf_read_file(&sb, path, 4096, NULL)) < 0) {
		strbuf_release(&sb);
		return pts_errf(err, PTS_ENOENT, "no_such_process",
		    "There is no process %d.", pid);
	}
	open_p = strchr(sb.buf, '(');
	close_p = strrchr(sb.buf, ')');
	memset(st, 0, sizeof *st);
	if (open_p == NULL || close_p == NULL || close_p < open_p ||
	    sscanf(close_p + 1, " %c %llu %llu %llu %llu %llu %llu %llu %llu "
	    "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
	    &state, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
	    &v[8], &v[9], &v[10], &v[11], &v[12], &v[13], &v[14], &v[15],
	    &v[16], &v[17], &v[18]) != 20) {
		strbuf_release(&sb);
		return pts_errf(err, PTS_EIO, "bad_proc_stat",
		    "%s is not in the kernel's format.", path);
	}
	snprintf(st->comm, sizeof st->comm, "%.*s",
	    (int)(close_p - open_p - 1), open_p + 1);
	st->state = state;
	st->flags = (unsigned)v[5];		/* field 9 */
	st->start_time = v[18];			/* field 22 */
	strbuf_release(&sb);
	return 0;
}

/* The value in kB of "Key:" in a /proc status-like file, or false. */
bool
procfs_status_kb(const char *path, const char *key, uint64_t *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t kl = strlen(key);
	bool ok = false;

	if (strbuf_read_file(&sb, path, 0, NULL) == 0 && sb.buf) {
		for (char *p = sb.buf; p && *p; p = strchr(p, '\n'),
		    p = p ? p + 1 : NULL) {
			unsigned long long v;

			if (strncmp(p, key, kl) == 0 && p[kl] == ':' &&
			    sscanf(p + kl + 1, " %llu", &v) == 1) {
				*out = v;
				ok = true;
				break;
			}
		}
	}
	strbuf_release(&sb);
	return ok;
}
