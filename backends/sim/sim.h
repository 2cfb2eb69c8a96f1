/* SPDX-License-Identifier: MIT */
/* sim.h: the simulated backend (page tables, buddy allocator, scenarios). */
#ifndef PTS_SIM_H
#define PTS_SIM_H

#include "space.h"

#define SIM_DEFAULT_RAM_MB 1024

/* Scenario names, NULL-terminated: "empty", "process", "kernel". */
extern const char *const sim_scenarios[];

/*
 * A new simulated machine of that arch with ram_mb of RAM (0: default) and
 * one address space laid out by the scenario.  PTS_EINVAL for an unknown
 * arch or scenario or a RAM size out of range.
 */
int sim_space_new(const char *arch_id, const char *scenario, unsigned ram_mb,
    struct space **out, struct pts_err *err);

/*
 * The "boot" scenario's steps (0 for other spaces): the server applies step
 * k (in order, 0 first) and records a generation captioned with the kernel
 * function it models.
 */
unsigned sim_boot_steps(struct space *);
#define SIM_BOOT_CAPTION_MAX 480	/* bytes of a step's caption, NUL included */
int sim_boot_step(struct space *, unsigned k, char *caption, size_t n,
    struct pts_err *err);

#endif
