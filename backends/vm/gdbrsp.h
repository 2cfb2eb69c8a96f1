/* SPDX-License-Identifier: MIT */
/*
 * gdbrsp.h: a client of the gdb remote serial protocol, as QEMU's gdbstub
 * speaks it: $data#cs packets with + acks, qSupported, qXfer target XML,
 * register reads (p), memory reads (m, at most PacketSize per reply),
 * Qqemu.PhyMemMode for guest-physical reads, and stop (0x03) / continue
 * (c).  Every wait has a deadline; a closed or silent stub is PTS_EIO.
 */
#ifndef PTS_GDBRSP_H
#define PTS_GDBRSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct gdbrsp;

/* Connect to HOST:PORT (timeout_ms for connect and each reply). */
int gdbrsp_open(const char *hostport, unsigned timeout_ms,
    struct gdbrsp **out, struct pts_err *);
void gdbrsp_close(struct gdbrsp *);

/* Send a packet and return its reply (owned by the client, valid until the
   next call).  Asynchronous stop replies are skipped unless want_stop. */
int gdbrsp_exchange(struct gdbrsp *, const char *pkt, bool want_stop,
    const char **reply, struct pts_err *);
/* qSupported's reply (after open). */
const char *gdbrsp_supported(const struct gdbrsp *);
/* Largest reply payload the stub sends (PacketSize). */
size_t gdbrsp_packet_size(const struct gdbrsp *);

/* Stop the guest (0x03, wait for the stop reply) / let it run (c). */
int gdbrsp_stop(struct gdbrsp *, struct pts_err *);
int gdbrsp_cont(struct gdbrsp *, struct pts_err *);
bool gdbrsp_stopped(const struct gdbrsp *);
/* The connection's socket (to find the process at its other end). */
int gdbrsp_fd(const struct gdbrsp *);

/* qXfer:features:read of annex into a malloc'd string. */
int gdbrsp_xfer(struct gdbrsp *, const char *annex, char **out,
    struct pts_err *);
/* Register n (little-endian bytes as the stub sends them). */
int gdbrsp_read_reg(struct gdbrsp *, unsigned n, uint64_t *v,
    struct pts_err *);
/* Read n bytes at addr (virtual or, after gdbrsp_phys_mode, physical). */
int gdbrsp_read_mem(struct gdbrsp *, uint64_t addr, void *buf, size_t n,
    struct pts_err *);
/* A monitor command through qRcmd (gdb's "monitor CMD"): its output,
   malloc'd.  QEMU runs HMP commands this way. */
int gdbrsp_monitor(struct gdbrsp *, const char *cmd, char **out,
    struct pts_err *);
/* Qqemu.PhyMemMode:1/0 (QEMU only; PTS_ENOTSUP elsewhere). */
int gdbrsp_phys_mode(struct gdbrsp *, bool on, struct pts_err *);

#endif
