/* SPDX-License-Identifier: MIT */
/* gdbrsp.c: the gdb remote serial protocol over TCP (see gdbrsp.h). */
#include "config.h"
#include "gdbrsp.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "strbuf.h"
#include "xalloc.h"

struct gdbrsp {
	int fd;
	unsigned timeout_ms;
	bool stopped;
	bool noack;		/* QStartNoAckMode accepted */
	size_t packet_size;
	char *supported;
	char in[8192];		/* received bytes not yet parsed */
	size_t nin;
	char *reply;		/* last packet's payload */
	size_t reply_cap;
	char addr[80];
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
lost(struct gdbrsp *g, struct pts_err *err, const char *what)
{
	return pts_errf(err, PTS_EIO, "vm_disconnected",
	    "The gdbstub at %s %s.", g->addr, what);
}

/* Read more bytes into g->in before the deadline. */
static int
fill(struct gdbrsp *g, uint64_t deadline, struct pts_err *err)
{
	struct pollfd p = { .fd = g->fd, .events = POLLIN };
	uint64_t now = now_ms();
	ssize_t r;
	int pr;

	if (g->nin == sizeof g->in)
		return lost(g, err, "sent a packet over the size limit");
	if (now >= deadline)
		return lost(g, err, "did not answer in time");
	pr = poll(&p, 1, (int)(deadline - now));
	if (pr == 0)
		return lost(g, err, "did not answer in time");
	if (pr < 0)
		return lost(g, err, "could not be polled");
	r = recv(g->fd, g->in + g->nin, sizeof g->in - g->nin, 0);
	if (r <= 0)
		return lost(g, err, "closed the connection");
	g->nin += (size_t)r;
	return 0;
}

static int
send_all(struct gdbrsp *g, const char *p, size_t n, struct pts_err *err)
{
	while (n) {
		ssize_t w = send(g->fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return lost(g, err, "closed the connection");
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
send_packet(struct gdbrsp *g, const char *data, struct pts_err *err)
{
	size_t n = strlen(data);
	char *buf = xmalloc(n + 5);
	unsigned cs = 0;
	int r;

	for (size_t i = 0; i < n; i++)
		cs += (unsigned char)data[i];
	buf[0] = '$';
	memcpy(buf + 1, data, n);
	snprintf(buf + 1 + n, 4, "#%02x", cs & 0xff);
	r = send_all(g, buf, n + 4, err);
	free(buf);
	return r;
}

/* Unescape a packet payload (} escapes and * run-length) into g->reply. */
static void
keep_reply(struct gdbrsp *g, const char *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		size_t rep = 1;

		if (c == '}' && i + 1 < n)
			c = p[++i] ^ 0x20;
		else if (c == '*' && i + 1 < n && o > 0) {
			rep = (size_t)((unsigned char)p[++i] - 29);
			c = g->reply[o - 1];
		}
		if (o + rep + 1 > g->reply_cap) {
			g->reply_cap = (o + rep + 1) * 2;
			g->reply = xrealloc(g->reply, g->reply_cap);
		}
		while (rep--)
			g->reply[o++] = c;
	}
	if (o + 1 > g->reply_cap) {
		g->reply_cap = o + 1;
		g->reply = xrealloc(g->reply, g->reply_cap);
	}
	g->reply[o] = '\0';
}

/* The next packet (acks and noise before '$' are skipped). */
static int
recv_packet(struct gdbrsp *g, struct pts_err *err)
{
	uint64_t deadline = now_ms() + g->timeout_ms;

	for (;;) {
		char *start = memchr(g->in, '$', g->nin), *hash;
		size_t off;

		if (start == NULL) {
			g->nin = 0;
		} else {
			off = (size_t)(start - g->in);
			hash = memchr(start, '#', g->nin - off);
			if (hash && (size_t)(hash - g->in) + 3 <= g->nin) {
				size_t end = (size_t)(hash - g->in) + 3;

				keep_reply(g, start + 1, (size_t)(hash - start - 1));
				memmove(g->in, g->in + end, g->nin - end);
				g->nin -= end;
				return g->noack ? 0 : send_all(g, "+", 1, err);
			}
			memmove(g->in, start, g->nin - off);
			g->nin -= off;
		}
		if (fill(g, deadline, err) < 0)
			return PTS_EIO;
	}
}

static bool
is_stop_reply(const char *r)
{
	return (r[0] == 'T' || r[0] == 'S') &&
	    strlen(r) >= 3 && strchr("0123456789abcdef", r[1]);
}

int
gdbrsp_exchange(struct gdbrsp *g, const char *pkt, bool want_stop,
    const char **reply, struct pts_err *err)
{
	int r;

	if ((r = send_packet(g, pkt, err)) < 0)
		return r;
	for (;;) {
		if ((r = recv_packet(g, err)) < 0)
			return r;
		if (want_stop || !is_stop_reply(g->reply))
			break;
	}
	*reply = g->reply;
	return 0;
}

/* Connect with a deadline. */
static int
connect_to(const char *hostport, unsigned timeout_ms, int *fd_out,
    struct pts_err *err)
{
	char host[64], *colon;
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
	    .ai_socktype = SOCK_STREAM }, *ai = NULL;
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	int fd = -1;

	snprintf(host, sizeof host, "%s", hostport);
	colon = strrchr(host, ':');
	if (colon == NULL || colon == host || !colon[1] ||
	    strlen(hostport) >= sizeof host)
		return pts_errf(err, PTS_EINVAL, "bad_address",
		    "'%.60s' is not HOST:PORT.", hostport);
	*colon = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || ai == NULL)
		return pts_errf(err, PTS_EINVAL, "bad_address",
		    "Cannot resolve '%.60s'.", hostport);
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		int one = 1;

		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		/* one small packet per request: Nagle would hold each one
		   for the peer's delayed ack (40 ms) */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return pts_errf(err, PTS_EIO, "vm_unreachable",
		    "No gdbstub answers at %.60s (start QEMU with "
		    "-gdb tcp:%.60s).", hostport, hostport);
	*fd_out = fd;
	return 0;
}

int
gdbrsp_open(const char *hostport, unsigned timeout_ms, struct gdbrsp **out,
    struct pts_err *err)
{
	struct gdbrsp *g = xcalloc(1, sizeof *g);
	const char *r, *ps;
	int rc;

	g->timeout_ms = timeout_ms;
	g->packet_size = 0x1000;
	snprintf(g->addr, sizeof g->addr, "%s", hostport);
	if ((rc = connect_to(hostport, timeout_ms, &g->fd, err)) < 0) {
		free(g);
		return rc;
	}
	/* QEMU stops the guest when a debugger connects */
	g->stopped = true;
	rc = gdbrsp_exchange(g, "qSupported:multiprocess-;xmlRegisters=i386",
	    false, &r, err);
	if (rc == 0 && (r[0] == '\0' || r[0] == 'E')) {
		rc = pts_errf(err, PTS_EIO, "not_a_gdbstub",
		    "%s does not answer qSupported like a gdbstub.", hostport);
	}
	if (rc < 0) {
		if (err->id[0] && !strcmp(err->id, "vm_disconnected")) {
			char why[sizeof err->msg];	/* not an overlap */

			memcpy(why, err->msg, sizeof why);
			pts_errf(err, PTS_EIO, "not_a_gdbstub",
			    "%.60s is not a gdbstub: %.170s", hostport, why);
		}
		gdbrsp_close(g);
		return rc;
	}
	g->supported = xstrdup(r);
	if (strstr(g->supported, "QStartNoAckMode+") &&
	    gdbrsp_exchange(g, "QStartNoAckMode", false, &r, err) == 0 &&
	    strcmp(r, "OK") == 0)
		g->noack = true;
	if ((ps = strstr(g->supported, "PacketSize=")) != NULL)
		g->packet_size = strtoul(ps + 11, NULL, 16);
	if (g->packet_size < 64)
		g->packet_size = 64;
	*out = g;
	return 0;
}

void
gdbrsp_close(struct gdbrsp *g)
{
	if (g == NULL)
		return;
	if (g->fd >= 0) {
		if (g->stopped) {	/* never leave the guest stopped */
			struct pts_err e;

			gdbrsp_cont(g, &e);
		}
		close(g->fd);
	}
	free(g->supported);
	free(g->reply);
	free(g);
}

const char *
gdbrsp_supported(const struct gdbrsp *g)
{
	return g->supported;
}

size_t
gdbrsp_packet_size(const struct gdbrsp *g)
{
	return g->packet_size;
}

bool
gdbrsp_stopped(const struct gdbrsp *g)
{
	return g->stopped;
}

int
gdbrsp_fd(const struct gdbrsp *g)
{
	return g->fd;
}

int
gdbrsp_stop(struct gdbrsp *g, struct pts_err *err)
{
	int r;

	if (g->stopped)
		return 0;
	if ((r = send_all(g, "\x03", 1, err)) < 0)
		return r;
	for (;;) {		/* the stop reply */
		if ((r = recv_packet(g, err)) < 0)
			return r;
		if (is_stop_reply(g->reply))
			break;
	}
	g->stopped = true;
	return 0;
}

int
gdbrsp_cont(struct gdbrsp *g, struct pts_err *err)
{
	int r;

	if (!g->stopped)
		return 0;
	/* no reply until the next stop */
	if ((r = send_packet(g, "c", err)) < 0)
		return r;
	g->stopped = false;
	return 0;
}

int
gdbrsp_xfer(struct gdbrsp *g, const char *annex, char **out,
    struct pts_err *err)
{
	size_t off = 0, len = 0, cap = 0, chunk = g->packet_size - 8;
	char pkt[200], *buf = NULL;
	const char *r;
	int rc;

	for (;;) {
		size_t n;

		snprintf(pkt, sizeof pkt, "qXfer:features:read:%s:%zx,%zx",
		    annex, off, chunk);
		if ((rc = gdbrsp_exchange(g, pkt, false, &r, err)) < 0) {
			free(buf);
			return rc;
		}
		if (r[0] != 'm' && r[0] != 'l') {
			free(buf);
			return pts_errf(err, PTS_EIO, "not_qemu",
			    "The gdbstub at %s has no '%s' (qXfer: %.20s).",
			    g->addr, annex, r);
		}
		n = strlen(r + 1);
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			buf = xrealloc(buf, cap);
		}
		memcpy(buf + len, r + 1, n);
		len += n;
		buf[len] = '\0';
		off += n;
		if (r[0] == 'l' || n == 0)
			break;
		if (len > (1u << 22)) {
			free(buf);
			return pts_errf(err, PTS_EIO, "not_qemu",
			    "The gdbstub's '%s' is over 4 MiB.", annex);
		}
	}
	*out = buf;
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex text to bytes; the number of bytes, or -1 on a bad digit. */
static long
unhex(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;

	while (s[0] && s[1] && n < max) {
		int h = hexval(s[0]), l = hexval(s[1]);

		if (h < 0 || l < 0)
			return -1;
		out[n++] = (unsigned char)(h << 4 | l);
		s += 2;
	}
	return (long)n;
}

int
gdbrsp_read_reg(struct gdbrsp *g, unsigned n, uint64_t *v,
    struct pts_err *err)
{
	unsigned char b[8] = { 0 };
	char pkt[32];
	const char *r;
	long got;
	int rc;

	snprintf(pkt, sizeof pkt, "p%x", n);
	if ((rc = gdbrsp_exchange(g, pkt, false, &r, err)) < 0)
		return rc;
	got = unhex(r, b, sizeof b);
	if (r[0] == 'E' || got <= 0)
		return pts_errf(err, PTS_EIO, "register_unreadable",
		    "The gdbstub at %s cannot read register %u (%.20s).",
		    g->addr, n, r);
	*v = 0;
	for (long i = got - 1; i >= 0; i--)
		*v = *v << 8 | b[i];
	return 0;
}

int
gdbrsp_read_mem(struct gdbrsp *g, uint64_t addr, void *buf, size_t n,
    struct pts_err *err)
{
	size_t piece = (g->packet_size - 8) / 2;
	unsigned char *out = buf;

	while (n) {
		size_t k = n < piece ? n : piece;
		char pkt[48];
		const char *r;
		long got;
		int rc;

		snprintf(pkt, sizeof pkt, "m%llx,%zx", (unsigned long long)addr,
		    k);
		if ((rc = gdbrsp_exchange(g, pkt, false, &r, err)) < 0)
			return rc;
		got = r[0] == 'E' ? -1 : unhex(r, out, k);
		if (got <= 0)
			return pts_errf(err, PTS_EIO, "memory_unreadable",
			    "The guest cannot read 0x%llx (%.20s).",
			    (unsigned long long)addr, r);
		out += got;
		addr += (uint64_t)got;
		n -= (size_t)got;
	}
	return 0;
}

int
gdbrsp_monitor(struct gdbrsp *g, const char *cmd, char **out,
    struct pts_err *err)
{
	struct strbuf pkt = STRBUF_INIT, txt = STRBUF_INIT;
	int r;

	strbuf_addf(&pkt, "qRcmd,");
	for (const char *c = cmd; *c; c++)
		strbuf_addf(&pkt, "%02x", (unsigned char)*c);
	r = send_packet(g, pkt.buf, err);
	strbuf_release(&pkt);
	/* "O<hex>" output packets, then OK (or E NN, or empty: no qRcmd) */
	while (r == 0 && (r = recv_packet(g, err)) == 0) {
		const char *p = g->reply;

		if (is_stop_reply(p))
			continue;
		if (p[0] == 'O' && p[1] != 'K') {
			for (p++; p[0] && p[1]; p += 2) {
				unsigned char b;

				if (unhex(p, &b, 1) != 1)
					break;
				strbuf_addf(&txt, "%c", b ? b : ' ');
			}
			continue;
		}
		if (strcmp(p, "OK") != 0)
			r = pts_errf(err, PTS_ENOTSUP, "no_monitor",
			    "The gdbstub at %s runs no monitor commands "
			    "('%.20s').", g->addr, p);
		break;
	}
	if (r < 0) {
		strbuf_release(&txt);
		return r;
	}
	*out = txt.buf ? txt.buf : xstrdup("");
	return 0;
}

int
gdbrsp_phys_mode(struct gdbrsp *g, bool on, struct pts_err *err)
{
	const char *r;
	int rc;

	rc = gdbrsp_exchange(g, on ? "Qqemu.PhyMemMode:1" :
	    "Qqemu.PhyMemMode:0", false, &r, err);
	if (rc < 0)
		return rc;
	if (strcmp(r, "OK") != 0)
		return pts_errf(err, PTS_ENOTSUP, "not_qemu",
		    "The gdbstub at %s cannot read guest-physical memory "
		    "(Qqemu.PhyMemMode: '%.20s'); is it QEMU's?", g->addr, r);
	return 0;
}
