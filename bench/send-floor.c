/* SPDX-License-Identifier: MIT */
/*
 * send-floor.c: the floor of WebSocket fan-out's CPU per delta: what one
 * send() of a delta's bytes to each of N loopback TCP clients costs the
 * sending thread, with nothing else done (no JSON, no locks, no lws).
 *
 *   cc -O2 -o send-floor bench/send-floor.c -lpthread
 *   ./send-floor [CLIENTS] [RATE] [SECONDS] [BYTES]
 *
 * Defaults: 1000 clients, 10 rounds/s, 10 s, 400 bytes (a ws-fanout delta
 * plus its 4-byte frame header is about that).  A reader thread drains
 * every socket (epoll); the sender's CPU is its own thread's
 * (RUSAGE_THREAD), which on loopback includes the kernel's receive
 * processing that the send triggers, as it does for the daemon.
 *
 * PTS_SPLIT_CPUS=S,R in the environment pins the sender to CPU S and the
 * reader to CPU R (bench/ws-bench-split.sh uses it, with the receive
 * processing steered to R).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static atomic_bool done;
static int ep;

static void *
reader(void *arg)
{
	struct epoll_event ev[64];
	char buf[65536];

	(void)arg;
	while (!atomic_load(&done)) {
		int n = epoll_wait(ep, ev, 64, 100);

		for (int i = 0; i < n; i++)
			while (recv(ev[i].data.fd, buf, sizeof buf,
			    MSG_DONTWAIT) > 0)
				;
	}
	return NULL;
}

/* Pin thread th to CPU cpu. */
static void
pin(pthread_t th, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(th, sizeof set, &set) != 0)
		fprintf(stderr, "send-floor: cannot pin to CPU %d\n", cpu);
}

static double
thread_cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	int rate = argc > 2 ? atoi(argv[2]) : 10;
	int secs = argc > 3 ? atoi(argv[3]) : 10;
	size_t len = argc > 4 ? (size_t)atoi(argv[4]) : 400;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof a;
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1, *srv;
	char *msg = malloc(len);
	struct timespec t0, t;
	pthread_t th;
	double c0, c1;
	long sends = 0;

	memset(msg, 'x', len);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) ||
	    listen(ls, 4096) || getsockname(ls, (struct sockaddr *)&a, &al)) {
		perror("listen");
		return 1;
	}
	ep = epoll_create1(0);
	srv = calloc((size_t)n, sizeof *srv);
	for (int i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = c };

		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) ||
		    (srv[i] = accept(ls, NULL, NULL)) < 0) {
			perror("connect");
			return 1;
		}
		setsockopt(srv[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
	}
	pthread_create(&th, NULL, reader, NULL);
	if (getenv("PTS_SPLIT_CPUS")) {
		int cs = -1, cr = -1;

		if (sscanf(getenv("PTS_SPLIT_CPUS"), "%d,%d", &cs, &cr) != 2) {
			fprintf(stderr, "send-floor: PTS_SPLIT_CPUS=S,R\n");
			return 2;
		}
		pin(pthread_self(), cs);
		pin(th, cr);
	}
	c0 = thread_cpu_us();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long r = 0; r < (long)rate * secs; r++) {
		t = t0;
		t.tv_nsec += (long)(r * (1000000000L / rate) % 1000000000L);
		t.tv_sec += r / rate + t.tv_nsec / 1000000000L;
		t.tv_nsec %= 1000000000L;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
		for (int i = 0; i < n; i++)
			sends += send(srv[i], msg, len, MSG_NOSIGNAL) ==
			    (ssize_t)len;
	}
	c1 = thread_cpu_us();
	atomic_store(&done, true);
	pthread_join(th, NULL);
	printf("send-floor: %d clients x %d/s x %d s, %zu bytes: %ld sends, "
	    "sender CPU %.0f ms, %.2f us per send\n", n, rate, secs, len,
	    sends, (c1 - c0) / 1000, (c1 - c0) / (double)sends);
	return 0;
}
