/* SPDX-License-Identifier: MIT */
/* log.c: stderr logging with levels and the optional access log. */
#include "config.h"
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int verbosity = 1;
static FILE *access_fp;
static pthread_mutex_t access_lock = PTHREAD_MUTEX_INITIALIZER;

void
log_set_verbosity(int v)
{
	verbosity = v;
}

/* Is stderr connected to the journal?  systemd says so in JOURNAL_STREAM
   ("DEVICE:INODE" of the stream it gave us; see systemd.exec(5)).  Found
   once: the first log line may come from any thread. */
static bool journal;
static pthread_once_t journal_once = PTHREAD_ONCE_INIT;

static void
journal_probe(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	journal = e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(2, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

static bool
stderr_is_journal(void)
{
	pthread_once(&journal_once, journal_probe);
	return journal;
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info",
	    "debug" };
	/* syslog priorities, which journald reads from a "<N>" line prefix */
	static const char *const prio[] = { "<3>", "<4>", "<6>", "<7>" };
	char buf[1024];
	va_list ap;

	if ((verbosity == 0 && lvl > LOG_ERROR) ||
	    (verbosity == 1 && lvl > LOG_INFO))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	/* one write per line so concurrent threads do not interleave */
	fprintf(stderr, "%sptscope: %s: %s\n",
	    stderr_is_journal() ? prio[lvl] : "", names[lvl], buf);
}

int
log_access_open(const char *path)
{
	if (path == NULL || *path == '\0')
		return 0;
	if (strcmp(path, "-") == 0) {
		access_fp = stdout;
		return 0;
	}
	if ((access_fp = fopen(path, "a")) == NULL)
		return -1;
	setvbuf(access_fp, NULL, _IOLBF, 0);
	return 0;
}

void
log_access_close(void)
{
	if (access_fp && access_fp != stdout)
		fclose(access_fp);
	access_fp = NULL;
}

void
log_access(const char *client, const char *method, const char *path,
    int status, unsigned long long bytes, double ms)
{
	char when[32];
	struct tm tm;
	time_t now;

	if (access_fp == NULL)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	pthread_mutex_lock(&access_lock);
	fprintf(access_fp, "%s %s \"%s %s\" %d %llu %.1fms\n", client, when,
	    method, path, status, bytes, ms);
	fflush(access_fp);
	pthread_mutex_unlock(&access_lock);
}
