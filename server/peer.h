/* SPDX-License-Identifier: MIT */
/*
 * peer.h: which local user is at the other end of a TCP connection.
 *
 * A client on this machine reaches the daemon over loopback TCP; both
 * ends of that connection are sockets of this machine, listed in the
 * kernel's socket tables (/proc/net/tcp and tcp6) with the uid that owns
 * each.  The client's socket is the row whose local address is the
 * connection's remote one and whose remote address is the connection's
 * local one.  The daemon uses that uid to show a client only processes
 * the client could read itself (docs/reliability.md, "confused deputy").
 */
#ifndef PTS_PEER_H
#define PTS_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define PEER_UNKNOWN (-1L)

/* A connection's peer, looked up once and only when it is asked for. */
struct peer_ref {
	int fd;
	bool looked_up;
	long uid;
};
#define PEER_REF(fd) ((struct peer_ref){ (fd), false, PEER_UNKNOWN })

/* The peer uid of the connection (peer_uid_of_fd, the first time). */
long peer_ref_uid(struct peer_ref *);

/*
 * The uid owning the socket connected to fd (an accepted TCP socket), or
 * PEER_UNKNOWN when it is not a socket of this machine's network
 * namespace (a remote client, a client in another container).
 */
long peer_uid_of_fd(int fd);

/*
 * The address fd's own end is bound to, as a literal without brackets
 * ("192.168.1.5", "::1"; a v4-mapped v6 address as the v4 one), in buf;
 * NULL when it has none.
 */
const char *peer_local_literal(int fd, char *buf, size_t len);

/*
 * The uid of the row of a socket table (the text of /proc/net/tcp or
 * tcp6) whose local address is `local` and remote address is `remote`,
 * or PEER_UNKNOWN.  Pure, for the unit tests.
 */
long peer_uid_in_table(const char *table, const struct sockaddr *local,
    const struct sockaddr *remote);

#endif
