/* SPDX-License-Identifier: MIT */
/* peer.c: the uid of a loopback TCP peer, from the kernel's socket tables. */
#include "config.h"
#include "peer.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/time.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* An address as the tables print it: 4 or 16 bytes and a port. */
struct taddr {
	int len;		/* 4 or 16 */
	uint32_t w[4];		/* the words as the kernel prints them */
	unsigned port;
};

/*
 * From a socket address.  The kernel prints each 32-bit word of the
 * address as it lies in memory, read as a host integer ("%08X" of
 * s_addr), so the words are copied as they are.  A v4-mapped v6 address
 * is a v4 one (the other end may be an AF_INET socket).
 */
static bool
taddr_of(const struct sockaddr *sa, struct taddr *t)
{
	memset(t, 0, sizeof *t);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		t->len = 4;
		memcpy(&t->w[0], &s4->sin_addr, 4);
		t->port = ntohs(s4->sin_port);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		t->port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			t->len = 4;
			memcpy(&t->w[0], &s6->sin6_addr.s6_addr[12], 4);
		} else {
			t->len = 16;
			memcpy(t->w, &s6->sin6_addr, 16);
		}
		return true;
	}
	return false;
}

/* Parse "HEX:PORT" of a table row. */
static bool
taddr_parse(const char *hex, unsigned port, struct taddr *t)
{
	size_t n = strlen(hex);

	memset(t, 0, sizeof *t);
	if (n != 8 && n != 32)
		return false;
	t->len = (int)n / 2;
	for (size_t i = 0; i < n / 8; i++) {
		char word[9];

		memcpy(word, hex + 8 * i, 8);
		word[8] = '\0';
		t->w[i] = (uint32_t)strtoul(word, NULL, 16);
	}
	/* a v4-mapped row of tcp6 */
	if (t->len == 16 && t->w[0] == 0 && t->w[1] == 0 &&
	    t->w[2] == htonl(0xffff)) {
		t->len = 4;
		t->w[0] = t->w[3];
		t->w[1] = t->w[2] = t->w[3] = 0;
	}
	t->port = port;
	return true;
}

static bool
taddr_eq(const struct taddr *a, const struct taddr *b)
{
	return a->len == b->len && a->port == b->port &&
	    memcmp(a->w, b->w, sizeof a->w) == 0;
}

long
peer_uid_in_table(const char *table, const struct sockaddr *local,
    const struct sockaddr *remote)
{
	struct taddr want_l, want_r;
	const char *p = table;

	if (!taddr_of(local, &want_l) || !taddr_of(remote, &want_r))
		return PEER_UNKNOWN;
	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char lh[33], rh[33];
		unsigned lp, rp;
		long uid;
		struct taddr l, r;

		if (sscanf(p, " %*u: %32[0-9A-Fa-f]:%x %32[0-9A-Fa-f]:%x %*x "
		    "%*x:%*x %*x:%*x %*x %ld", lh, &lp, rh, &rp, &uid) != 5)
			continue;	/* the header line */
		if (taddr_parse(lh, lp, &l) && taddr_parse(rh, rp, &r) &&
		    taddr_eq(&l, &want_l) && taddr_eq(&r, &want_r))
			return uid;
	}
	return PEER_UNKNOWN;
}

/*
 * Ask the kernel for the one socket with this 4-tuple (sock_diag, the
 * netlink interface of ss(8)): a hash lookup, where reading
 * /proc/net/tcp costs time in proportion to every socket of the machine
 * (tens of thousands of TIME_WAIT ones on a busy test machine).
 */
static long
diag_uid(const struct sockaddr *theirs, const struct sockaddr *ours)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;
	union {
		struct nlmsghdr nlh;
		char buf[1024];
	} ans;
	struct taddr l, r;
	struct timeval tv = { .tv_sec = 1, .tv_usec = 0 };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	const struct inet_diag_msg *m;
	long uid = PEER_UNKNOWN;
	ssize_t n;
	int fd;

	if (!taddr_of(theirs, &l) || !taddr_of(ours, &r) || l.len != r.len)
		return PEER_UNKNOWN;
	memset(&req, 0, sizeof req);
	req.nlh.nlmsg_len = sizeof req;
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST;
	req.r.sdiag_family = l.len == 4 ? AF_INET : AF_INET6;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = ~0u;
	req.r.id.idiag_sport = htons((uint16_t)l.port);
	req.r.id.idiag_dport = htons((uint16_t)r.port);
	memcpy(req.r.id.idiag_src, l.w, sizeof l.w);
	memcpy(req.r.id.idiag_dst, r.w, sizeof r.w);
	req.r.id.idiag_cookie[0] = req.r.id.idiag_cookie[1] =
	    INET_DIAG_NOCOOKIE;
	if ((fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
	    NETLINK_SOCK_DIAG)) < 0)
		return PEER_UNKNOWN;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (sendto(fd, &req, sizeof req, 0, (struct sockaddr *)&sa,
	    sizeof sa) == (ssize_t)sizeof req &&
	    (n = recv(fd, &ans, sizeof ans, 0)) > 0 &&
	    NLMSG_OK(&ans.nlh, (size_t)n) &&
	    ans.nlh.nlmsg_type == SOCK_DIAG_BY_FAMILY &&
	    ans.nlh.nlmsg_len >= NLMSG_LENGTH(sizeof *m)) {
		m = NLMSG_DATA(&ans.nlh);
		uid = (long)m->idiag_uid;
	}
	close(fd);
	return uid;
}

long
peer_uid_of_fd(int fd)
{
	static const char *const tables[] = { "/proc/net/tcp",
	    "/proc/net/tcp6" };
	struct sockaddr_storage ours, theirs;
	socklen_t ol = sizeof ours, tl = sizeof theirs;
	long uid;

	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ours, &ol) < 0 ||
	    getpeername(fd, (struct sockaddr *)&theirs, &tl) < 0)
		return PEER_UNKNOWN;
	/* the peer's socket: its local end is our remote one */
	uid = diag_uid((struct sockaddr *)&theirs, (struct sockaddr *)&ours);
	/* no sock_diag (a kernel without it, a seccomp filter): the tables */
	for (size_t i = 0; i < 2 && uid == PEER_UNKNOWN; i++) {
		struct strbuf sb = STRBUF_INIT;

		if (strbuf_read_file(&sb, tables[i], 64u << 20, NULL) == 0)
			uid = peer_uid_in_table(sb.buf,
			    (struct sockaddr *)&theirs,
			    (struct sockaddr *)&ours);
		strbuf_release(&sb);
	}
	return uid;
}

long
peer_ref_uid(struct peer_ref *p)
{
	if (!p->looked_up) {
		p->uid = peer_uid_of_fd(p->fd);
		p->looked_up = true;
	}
	return p->uid;
}

const char *
peer_local_literal(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	const struct sockaddr_in6 *s6 = (const void *)&ss;
	const struct sockaddr_in *s4 = (const void *)&ss;

	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return NULL;
	if (ss.ss_family == AF_INET)
		return inet_ntop(AF_INET, &s4->sin_addr, buf, (socklen_t)len);
	if (ss.ss_family != AF_INET6)
		return NULL;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf,
		    (socklen_t)len);
	return inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)len);
}
