/* SPDX-License-Identifier: MIT */
/* qmp.c: QMP over a unix socket or TCP (see qmp.h). */
#include "config.h"
#include "qmp.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "strbuf.h"
#include "xalloc.h"

struct qmp {
	int fd;
	unsigned timeout_ms;
	char *buf;
	size_t n, cap;
	char where[120];
};

static int
qmp_lost(struct qmp *q, struct pts_err *err, const char *what)
{
	return pts_errf(err, PTS_EIO, "qmp_failed", "QMP at %.80s %s.",
	    q->where, what);
}

static int
connect_where(const char *where, unsigned timeout_ms, int *out,
    struct pts_err *err)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	int fd = -1;

	if (where[0] == '/' || where[0] == '.') {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		if (strlen(where) >= sizeof sa.sun_path)
			return pts_errf(err, PTS_EINVAL, "bad_address",
			    "The QMP socket path is too long.");
		strcpy(sa.sun_path, where);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa,
		    sizeof sa) < 0) {
			close(fd);
			fd = -1;
		}
	} else {
		char host[64], *colon;
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;

		snprintf(host, sizeof host, "%s", where);
		if ((colon = strrchr(host, ':')) == NULL)
			return pts_errf(err, PTS_EINVAL, "bad_address",
			    "\"qmp\" is a socket path or HOST:PORT.");
		*colon = '\0';
		if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
			return pts_errf(err, PTS_EINVAL, "bad_address",
			    "Cannot resolve '%.60s'.", where);
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
		freeaddrinfo(ai);
	}
	if (fd < 0)
		return pts_errf(err, PTS_EIO, "qmp_unreachable",
		    "No QMP answers at %.80s (start QEMU with "
		    "-qmp unix:PATH,server,nowait).", where);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	*out = fd;
	return 0;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The next JSON line as a parsed object. */
static int
read_msg(struct qmp *q, cJSON **out, struct pts_err *err)
{
	uint64_t deadline = now_ms() + q->timeout_ms;

	for (;;) {
		char *nl = q->n ? memchr(q->buf, '\n', q->n) : NULL;
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		uint64_t now;
		ssize_t r;

		if (nl) {
			size_t len = (size_t)(nl - q->buf) + 1;

			*nl = '\0';
			*out = cJSON_Parse(q->buf);
			memmove(q->buf, q->buf + len, q->n - len);
			q->n -= len;
			if (*out == NULL)
				return qmp_lost(q, err, "sent something that "
				    "is not JSON");
			return 0;
		}
		if (q->n > (1u << 24))
			return qmp_lost(q, err, "sent a line over 16 MiB");
		if (q->cap - q->n < 65536) {
			q->cap = q->cap * 2 + 65536;
			q->buf = xrealloc(q->buf, q->cap);
		}
		now = now_ms();
		if (now >= deadline || poll(&p, 1, (int)(deadline - now)) <= 0)
			return qmp_lost(q, err, "did not answer in time");
		r = recv(q->fd, q->buf + q->n, q->cap - q->n, 0);
		if (r <= 0)
			return qmp_lost(q, err, "closed the connection");
		q->n += (size_t)r;
	}
}

/* Send a command; *ret gets the "return" member (owned by *msg). */
static int
command(struct qmp *q, const char *json, cJSON **msg, cJSON **ret,
    struct pts_err *err)
{
	size_t len = strlen(json);
	int r;

	if (send(q->fd, json, len, MSG_NOSIGNAL) != (ssize_t)len)
		return qmp_lost(q, err, "closed the connection");
	for (;;) {
		cJSON *e;

		if ((r = read_msg(q, msg, err)) < 0)
			return r;
		if ((*ret = cJSON_GetObjectItem(*msg, "return")) != NULL)
			return 0;
		if ((e = cJSON_GetObjectItem(*msg, "error")) != NULL) {
			cJSON *d = cJSON_GetObjectItem(e, "desc");

			r = pts_errf(err, PTS_EIO, "qmp_failed", "QMP: %.160s",
			    cJSON_IsString(d) ? d->valuestring : "error");
			cJSON_Delete(*msg);
			return r;
		}
		cJSON_Delete(*msg);	/* an event */
	}
}

int
qmp_open(const char *where, unsigned timeout_ms, struct qmp **out,
    struct pts_err *err)
{
	struct qmp *q = xcalloc(1, sizeof *q);
	cJSON *m = NULL, *ret;
	int r;

	q->timeout_ms = timeout_ms;
	snprintf(q->where, sizeof q->where, "%s", where);
	if ((r = connect_where(where, timeout_ms, &q->fd, err)) < 0) {
		free(q);
		return r;
	}
	if ((r = read_msg(q, &m, err)) == 0 &&
	    !cJSON_GetObjectItem(m, "QMP"))
		r = pts_errf(err, PTS_EIO, "not_qmp",
		    "%.80s does not greet like QMP.", where);
	cJSON_Delete(m);
	if (r == 0 && (r = command(q, "{\"execute\":\"qmp_capabilities\"}\n",
	    &m, &ret, err)) == 0)
		cJSON_Delete(m);
	if (r < 0) {
		qmp_close(q);
		return r;
	}
	*out = q;
	return 0;
}

void
qmp_close(struct qmp *q)
{
	if (q == NULL)
		return;
	close(q->fd);
	free(q->buf);
	free(q);
}

int
qmp_fd(const struct qmp *q)
{
	return q->fd;
}

int
qmp_execute(struct qmp *q, const char *name, struct pts_err *err)
{
	char json[96];
	cJSON *msg, *ret;
	int r;

	snprintf(json, sizeof json, "{\"execute\":\"%.40s\"}\n", name);
	if ((r = command(q, json, &msg, &ret, err)) == 0)
		cJSON_Delete(msg);
	return r;
}

int
qmp_hmp(struct qmp *q, const char *cmdline, char **out, struct pts_err *err)
{
	cJSON *req = cJSON_CreateObject(), *args, *msg, *ret;
	char *txt;
	int r;

	cJSON_AddStringToObject(req, "execute", "human-monitor-command");
	args = cJSON_AddObjectToObject(req, "arguments");
	cJSON_AddStringToObject(args, "command-line", cmdline);
	txt = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (txt == NULL)
		return pts_errf(err, PTS_EIO, "qmp_failed", "out of memory");
	{
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "%s\n", txt);
		free(txt);
		r = command(q, sb.buf, &msg, &ret, err);
		strbuf_release(&sb);
	}
	if (r < 0)
		return r;
	*out = xstrdup(cJSON_IsString(ret) ? ret->valuestring : "");
	cJSON_Delete(msg);
	return 0;
}
