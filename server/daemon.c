/* SPDX-License-Identifier: MIT */
/* daemon.c: small questions every server module asks of the shared state,
   and the one reader of the live machine's zones. */
#include "config.h"
#include "daemon.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "peer.h"
#include "procfs-space.h"
#include "procfs-stat.h"

#include "zones-proc.h"

bool
server_hide_physical(const struct server *srv, const struct space *s)
{
	return s->live && !srv->opt.show_physical;
}

int
server_attach_allowed(void *ctx, int pid, const struct procfs_creds *c,
    struct pts_err *err)
{
	const struct server *srv = ctx;

	if (srv->opt.allow_pid[0] &&
	    !options_list_contains(srv->opt.allow_pid, pid))
		return pts_errf(err, PTS_EPERM, "not_allowed",
		    "pid %d is not in this daemon's --allow-pid list", pid);
	if (!srv->opt.allow_uid[0])
		return 0;
	for (int i = 0; i < 4; i++)
		if (!options_list_contains(srv->opt.allow_uid, c->uid[i]))
			return pts_errf(err, PTS_EPERM, "not_allowed",
			    "processes of uid %ld are not in this daemon's "
			    "--allow-uid list", c->uid[i]);
	return 0;
}

int
server_peer_may_read(const struct server *srv, struct peer_ref *peer,
    const struct space *s, struct pts_err *err)
{
	struct procfs_creds c;
	long peer_uid;
	int r = procfs_space_creds(s, &c, err);

	if (r != 0)
		return r > 0 ? 0 : r;	/* not a process, or refused anyway */
	if (srv->auth)
		return 0;
	peer_uid = peer_ref_uid(peer);
	if (peer_uid == PEER_UNKNOWN) {
		if (srv->opt.insecure_no_auth)
			return 0;
		return pts_errf(err, PTS_EPERM, "peer_unknown",
		    "the daemon cannot tell which local user this client is, "
		    "so it shows no process (use --token-file)");
	}
	if (procfs_creds_readable_by(&c, peer_uid))
		return 0;
	return pts_errf(err, PTS_EPERM, "permission_denied",
	    "uid %ld may not read the memory map of process %d itself (it "
	    "belongs to another user or is not dumpable), so the daemon "
	    "does not show it", peer_uid, procfs_space_pid(s));
}

int
server_peer_may_open(const struct server *srv, struct peer_ref *peer,
    const char *path, struct pts_err *err)
{
	struct stat st;
	long uid;

	if (srv->auth)
		return 0;
	uid = peer_ref_uid(peer);
	if (uid == PEER_UNKNOWN) {
		if (srv->opt.insecure_no_auth)
			return 0;
		return pts_errf(err, PTS_EPERM, "peer_unknown",
		    "the daemon cannot tell which local user this client is, "
		    "so it opens no file for it (use --token-file)");
	}
	if (uid == 0 || stat(path, &st) < 0)
		return 0;	/* a missing file is the open's error */
	if ((st.st_uid == (uid_t)uid && (st.st_mode & S_IRUSR)) ||
	    (st.st_mode & S_IROTH))
		return 0;
	return pts_errf(err, PTS_EPERM, "permission_denied",
	    "uid %ld may not read %.120s itself, so the daemon does not "
	    "open it", uid, path);
}

bool
server_token_ok(const struct server *srv, const char *presented)
{
	size_t n = strlen(srv->token), m;
	unsigned char diff = 0;

	if (presented == NULL)
		return false;
	m = strlen(presented);
	/* compare every byte of the configured token whatever the input */
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)srv->token[i] ^
		    (unsigned char)(i < m ? presented[i] : 0);
	return diff == 0 && m == n && n > 0;
}

void
server_format_url(char *buf, size_t len, const char *scheme,
    const char *host, int port)
{
	snprintf(buf, len, strchr(host, ':') ? "%s://[%s]:%d/" :
	    "%s://%s:%d/", scheme, host, port);
}

int
server_live_zones(const char *proc_root, struct zones_state *zs,
    struct pts_err *err)
{
	int r = zones_read_proc(proc_root, zs, err);

	if (r < 0)
		zones_release(zs);
	return r;
}
