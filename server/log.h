/* SPDX-License-Identifier: MIT */
/* log.h: levelled messages to stderr (journald keeps them) and an access log. */
#ifndef PTS_LOG_H
#define PTS_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* 0 quiet (errors only), 1 normal (warnings and info), 2 verbose (debug). */
void log_set_verbosity(int);
void log_msg(enum log_level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Open the access log: "" none, "-" stdout, else append to the file. */
int log_access_open(const char *path);
void log_access_close(void);
/* One line per request: client, method, path, status, bytes, milliseconds. */
void log_access(const char *client, const char *method, const char *path,
    int status, unsigned long long bytes, double ms);

#endif
