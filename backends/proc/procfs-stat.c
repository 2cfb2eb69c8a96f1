/* SPDX-License-Identifier: MIT */
/* procfs-stat.c: /proc/PID/stat and status-like "Key: N kB" files. */
#include "config.h"
#include "procfs-stat.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "strbuf.h"

/* Parse the text of a stat file (path names it in messages). */
static int
stat_parse(const char *text, const char *path, struct procfs_stat *st,
    struct pts_err *err)
{
	const char *open_p = strchr(text, '('), *close_p = strrchr(text, ')');
	unsigned long long v[20];
	char state;

	memset(st, 0, sizeof *st);
	if (open_p == NULL || close_p == NULL || close_p < open_p ||
	    sscanf(close_p + 1, " %c %llu %llu %llu %llu %llu %llu %llu %llu "
	    "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
	    &state, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
	    &v[8], &v[9], &v[10], &v[11], &v[12], &v[13], &v[14], &v[15],
	    &v[16], &v[17], &v[18]) != 20)
		return pts_errf(err, PTS_EIO, "bad_proc_stat",
		    "%s is not in the kernel's format.", path);
	snprintf(st->comm, sizeof st->comm, "%.*s",
	    (int)(close_p - open_p - 1), open_p + 1);
	st->state = state;
	st->flags = (unsigned)v[5];		/* field 9 */
	st->start_time = v[18];			/* field 22 */
	return 0;
}

/* Read /proc/PID/stat below proc_root. */
int
procfs_stat_read(const char *proc_root, int pid, struct procfs_stat *st,
    struct pts_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	char path[256];
	int r;

	snprintf(path, sizeof path, "%s/%d/stat", proc_root, pid);
	if (strbuf_read_file(&sb, path, 4096, NULL) < 0)
		r = pts_errf(err, PTS_ENOENT, "no_such_process",
		    "There is no process %d.", pid);
	else
		r = stat_parse(sb.buf, path, st, err);
	strbuf_release(&sb);
	return r;
}

int
procfs_stat_readat(int dirfd, int pid, struct procfs_stat *st,
    struct pts_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	if (strbuf_read_fileat(&sb, dirfd, "stat", 4096, NULL) < 0)
		r = pts_errf(err, PTS_ENOENT, "no_such_process",
		    "There is no process %d.", pid);
	else
		r = stat_parse(sb.buf, "stat", st, err);
	strbuf_release(&sb);
	return r;
}

/* The first number after "key:" in text, or false. */
static bool
status_field(const char *text, const char *key, unsigned long long *out)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'),
	    p = p ? p + 1 : NULL)
		if (strncmp(p, key, kl) == 0 && p[kl] == ':' &&
		    sscanf(p + kl + 1, " %llu", out) == 1)
			return true;
	return false;
}

bool
procfs_status_kb_at(int dirfd, const char *file, const char *key,
    uint64_t *out)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned long long v;
	bool ok = strbuf_read_fileat(&sb, dirfd, file, 0, NULL) == 0 &&
	    status_field(sb.buf, key, &v);

	if (ok)
		*out = v;
	strbuf_release(&sb);
	return ok;
}

/* The four numbers of a "Uid:" or "Gid:" line. */
static bool
status_ids(const char *text, const char *key, long ids[4])
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'),
	    p = p ? p + 1 : NULL)
		if (strncmp(p, key, kl) == 0 && p[kl] == ':')
			return sscanf(p + kl + 1, " %ld %ld %ld %ld", &ids[0],
			    &ids[1], &ids[2], &ids[3]) == 4;
	return false;
}

int
procfs_creds_readat(int dirfd, struct procfs_creds *c, struct pts_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int r = strbuf_read_fileat(&sb, dirfd, "status", 1 << 16, err);

	memset(c, 0, sizeof *c);
	if (r == 0 && (!status_ids(sb.buf, "Uid", c->uid) ||
	    !status_ids(sb.buf, "Gid", c->gid)))
		r = pts_errf(err, PTS_EIO, "bad_proc_status",
		    "status is not in the kernel's format.");
	strbuf_release(&sb);
	if (r < 0)
		return r == PTS_EIO ? r : PTS_ENOENT;
	if (fstat(dirfd, &st) < 0)
		return pts_errf(err, PTS_ENOENT, "no_such_process",
		    "The process is gone.");
	c->owner = (long)st.st_uid;
	return 0;
}

bool
procfs_creds_equal(const struct procfs_creds *a, const struct procfs_creds *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

bool
procfs_creds_readable_by(const struct procfs_creds *c, long uid)
{
	if (uid == 0)
		return true;
	for (int i = 0; i < 4; i++)
		if (c->uid[i] != uid || c->gid[i] != c->gid[0])
			return false;
	return c->owner == uid;
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
