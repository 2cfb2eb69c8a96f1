/* SPDX-License-Identifier: MIT */
/*
 * ws-client: a real WebSocket client (libwebsockets) for the tests.
 *
 * usage: ws-client [--protocol P] [--header 'Name: value']...
 *     [--rcvbuf BYTES] URL
 * Each stdin line is sent as one text message, except "#pause MS" (stop
 * reading from the socket for MS milliseconds), "#resume" (end a pause
 * now) and "#close".  Each whole
 * message received is printed on its own line; "#open", "#closed" and
 * "#error ..." report the connection's state.  The socket's receive
 * buffer is 16 KiB (a paused client's backlog builds up in the daemon at
 * once) unless --rcvbuf says otherwise (0: the system's own, for a client
 * that reads big messages at loopback speed).
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>

#define MAX_HEADERS 4

struct line {
	struct line *next;
	char text[];
};

static struct {
	pthread_mutex_t lock;
	struct line *head, *tail;
	int eof;
	struct lws_context *ctx;
	struct lws *wsi;
	int done;
	char *headers[MAX_HEADERS];
	int nheaders;
	char *rx;
	size_t rxlen;
	long long resume_at;	/* ms; 0 when reading */
	int rcvbuf;		/* SO_RCVBUF, or 0: left alone */
} st = { .lock = PTHREAD_MUTEX_INITIALIZER, .rcvbuf = 16384 };

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *
stdin_main(void *arg)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t got;

	(void)arg;
	while ((got = getline(&buf, &cap, stdin)) >= 0) {
		size_t n = strcspn(buf, "\n");
		struct line *l = malloc(sizeof *l + n + 1);

		memcpy(l->text, buf, n);
		l->text[n] = '\0';
		l->next = NULL;
		pthread_mutex_lock(&st.lock);
		if (st.tail)
			st.tail->next = l;
		else
			st.head = l;
		st.tail = l;
		pthread_mutex_unlock(&st.lock);
		lws_cancel_service(st.ctx);
	}
	free(buf);
	pthread_mutex_lock(&st.lock);
	st.eof = 1;
	pthread_mutex_unlock(&st.lock);
	lws_cancel_service(st.ctx);
	return NULL;
}

static struct line *
pop_line(void)
{
	struct line *l;

	pthread_mutex_lock(&st.lock);
	l = st.head;
	if (l && (st.head = l->next) == NULL)
		st.tail = NULL;
	pthread_mutex_unlock(&st.lock);
	return l;
}

/* Wake the service loop when a pause is over. */
static void *
waker_main(void *arg)
{
	usleep((useconds_t)(long)arg * 1000);
	lws_cancel_service(st.ctx);
	return NULL;
}

/* Handle queued stdin lines: commands now, messages when writeable. */
static void
on_lines(struct lws *wsi)
{
	struct line *l;
	int eof;

	pthread_mutex_lock(&st.lock);
	l = st.head;
	eof = st.eof;
	pthread_mutex_unlock(&st.lock);
	if (l && strncmp(l->text, "#pause ", 7) == 0) {
		pop_line();
		lws_rx_flow_control(wsi, 0);
		st.resume_at = now_ms() + atol(l->text + 7);
		pthread_t th;
		pthread_create(&th, NULL, waker_main,
		    (void *)(atol(l->text + 7) + 5));
		pthread_detach(th);
		free(l);
		on_lines(wsi);
		return;
	}
	if (l && strcmp(l->text, "#resume") == 0) {
		/* end a pause now: the main loop resumes reading */
		pop_line();
		if (st.resume_at)
			st.resume_at = 1;
		free(l);
		on_lines(wsi);
		return;
	}
	if ((l && strcmp(l->text, "#close") == 0) || (!l && eof)) {
		st.done = 1;
		return;
	}
	if (l)
		lws_callback_on_writable(wsi);
}

static int
on_writeable(struct lws *wsi)
{
	struct line *l = pop_line();
	unsigned char *buf;
	size_t n;

	if (l == NULL || l->text[0] == '#') {
		if (l)
			pthread_mutex_lock(&st.lock), l->next = st.head,
			    st.head = l, st.tail = st.tail ? st.tail : l,
			    pthread_mutex_unlock(&st.lock);
		on_lines(wsi);
		return 0;
	}
	n = strlen(l->text);
	buf = malloc(LWS_PRE + n);
	memcpy(buf + LWS_PRE, l->text, n);
	free(l);
	if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n) {
		free(buf);
		return -1;
	}
	free(buf);
	on_lines(wsi);
	return 0;
}

static void
on_receive(struct lws *wsi, const char *in, size_t len)
{
	st.rx = realloc(st.rx, st.rxlen + len + 1);
	memcpy(st.rx + st.rxlen, in, len);
	st.rxlen += len;
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return;
	st.rx[st.rxlen] = '\0';
	for (size_t i = 0; i < st.rxlen; i++)
		if (st.rx[i] == '\n')
			st.rx[i] = ' ';
	printf("%s\n", st.rx);
	fflush(stdout);
	st.rxlen = 0;
}

static int
add_headers(struct lws *wsi, unsigned char **p, unsigned char *end)
{
	for (int i = 0; i < st.nheaders; i++) {
		char name[128];
		char *colon = strchr(st.headers[i], ':');
		const char *val;

		if (colon == NULL || colon - st.headers[i] >= 126)
			continue;
		memcpy(name, st.headers[i], (size_t)(colon - st.headers[i]));
		name[colon - st.headers[i]] = ':';
		name[colon - st.headers[i] + 1] = '\0';
		for (val = colon + 1; *val == ' '; val++)
			;
		if (lws_add_http_header_by_name(wsi, (unsigned char *)name,
		    (const unsigned char *)val, (int)strlen(val), p, end))
			return -1;
	}
	return 0;
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return add_headers(wsi, (unsigned char **)in,
		    *(unsigned char **)in + len);
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (st.rcvbuf > 0)
			setsockopt(lws_get_socket_fd(wsi), SOL_SOCKET,
			    SO_RCVBUF, &st.rcvbuf, sizeof st.rcvbuf);
		printf("#open\n");
		fflush(stdout);
		on_lines(wsi);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		on_receive(wsi, in, len);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return on_writeable(wsi);
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("#error %s\n", in ? (const char *)in : "connect failed");
		fflush(stdout);
		st.done = 1;
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		st.done = 1;
		break;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (st.wsi)
			on_lines(st.wsi);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "ptscope.v1", callback, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	const char *proto = "ptscope.v1", *url = NULL, *prot, *path;
	char urlbuf[512];
	pthread_t th;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--protocol") && i + 1 < argc)
			proto = argv[++i];
		else if (!strcmp(argv[i], "--header") && i + 1 < argc &&
		    st.nheaders < MAX_HEADERS)
			st.headers[st.nheaders++] = argv[++i];
		else if (!strcmp(argv[i], "--rcvbuf") && i + 1 < argc)
			st.rcvbuf = atoi(argv[++i]);
		else
			url = argv[i];
	}
	if (url == NULL) {
		fprintf(stderr, "usage: ws-client [--protocol P] "
		    "[--header 'N: v'] [--rcvbuf BYTES] ws://HOST:PORT/\n");
		return 2;
	}
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = (gid_t)-1;
	info.uid = (uid_t)-1;
	if ((st.ctx = lws_create_context(&info)) == NULL)
		return 1;
	memset(&ci, 0, sizeof ci);
	snprintf(urlbuf, sizeof urlbuf, "%s", url);
	if (lws_parse_uri(urlbuf, &prot, &ci.address, &ci.port, &path))
		return 2;
	char pathbuf[512];
	snprintf(pathbuf, sizeof pathbuf, "/%s", path);
	ci.context = st.ctx;
	ci.path = pathbuf;
	ci.host = ci.address;
	/* no Origin, like curl and scripts (a test gives one with
	   --header 'Origin: ...' when it plays a browser) */
	ci.origin = NULL;
	ci.protocol = proto;
	ci.pwsi = &st.wsi;
	if (lws_client_connect_via_info(&ci) == NULL) {
		printf("#error connect failed\n");
		return 1;
	}
	pthread_create(&th, NULL, stdin_main, NULL);
	pthread_detach(th);
	while (!st.done) {
		lws_service(st.ctx, 50);
		if (st.resume_at && now_ms() >= st.resume_at && st.wsi) {
			st.resume_at = 0;
			lws_rx_flow_control(st.wsi, 1);
		}
	}
	printf("#closed\n");
	fflush(stdout);
	lws_context_destroy(st.ctx);
	return 0;
}
