/* SPDX-License-Identifier: MIT */
/*
 * qmp.h: a client of the QEMU Machine Protocol (JSON lines over a unix
 * socket or TCP): the capabilities handshake and human-monitor-command,
 * which is how the x86 registers the gdbstub does not show (CR3, CR4,
 * EFER) are read ("info registers").
 */
#ifndef PTS_QMP_H
#define PTS_QMP_H

#include "err.h"

struct qmp;

/* where: a unix socket path (starts with / or .) or HOST:PORT. */
int qmp_open(const char *where, unsigned timeout_ms, struct qmp **out,
    struct pts_err *);
void qmp_close(struct qmp *);
/* A monitor command's text output (malloc'd). */
/* Run a command without arguments ("cont", "stop") and wait for its
   return. */
int qmp_execute(struct qmp *, const char *name, struct pts_err *);
/* The connection's socket (SO_PEERCRED names QEMU's pid). */
int qmp_fd(const struct qmp *);
int qmp_hmp(struct qmp *, const char *cmdline, char **out, struct pts_err *);

#endif
