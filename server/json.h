/* SPDX-License-Identifier: MIT */
/*
 * json.h: the API's JSON, built from the backends' C results.
 *
 * Every function returns a new cJSON tree owned by the caller (or adds to a
 * parent it is given).  64-bit values become "0x..." strings and PT_UNKNOWN
 * becomes null.  With hide set, physical addresses and descriptor values
 * (which contain PFNs) are null: live spaces without --show-physical.
 */
#ifndef PTS_JSON_H
#define PTS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "arch.h"
#include "err.h"
#include "pt.h"
#include "zones.h"

struct entry;
struct machine_tables;
struct proc_entry;
struct regions;
struct server;
struct space;
struct space_op_result;
struct history;
struct hdiff;
struct hgen;
struct whatif_config;
struct whatif_result;

void	 json_add_hex(cJSON *obj, const char *key, uint64_t v);
void	 json_add_u64(cJSON *obj, const char *key, uint64_t v);
/* GET /info: name, version, WebSocket URL, live capabilities, limits. */
cJSON	*json_info(const struct server *);
cJSON	*json_arch(const struct arch *);
struct desc_fields;
/* A descriptor word split into fields: {"format","bits","valid","table",
   "next_table_pa"|"output_pa","fields":[{name,lo,hi,value,meaning}]}. */
cJSON	*json_desc_fields(const struct desc_fields *);
/* {"arches":[...]}: every arch ptscope knows. */
cJSON	*json_arches(void);
/* {"processes":[...]} from procfs_list(). */
cJSON	*json_processes(const struct proc_entry *, size_t n);
cJSON	*json_node(const struct pt_node *, bool hide);
/* One entry of a table without the children of the table it points to
   (json_node's child, for writers that add those themselves). */
cJSON	*json_child_head(const struct pt_child *, bool hide);
/* One range of a "ranges" answer. */
cJSON	*json_range(const struct pt_range *, bool hide);
/* {"space":id,"arch","generation"}: how every reply about one space's
   tables starts. */
cJSON	*json_table_head(const char *id, const struct space *);
/* The node's own fields only (no children): a delta's stats update. */
cJSON	*json_node_head(const struct pt_node *, bool hide);
/* One entry of a delta's "changes": the table at level and va, and its
   new rendering (node, consumed; NULL: the table is gone). */
cJSON	*json_delta_change(enum pt_level, uint64_t va, cJSON *node);
/* The same without "node", which a streamed delta writes after it. */
cJSON	*json_delta_ref(enum pt_level, uint64_t va);
/*
 * Replies about one space's tables: {"space":id,"arch","generation"}
 * followed by the result (the tree's "node", the walk's fields, "ranges",
 * "regions").
 */
cJSON	*json_tree(const char *id, const struct space *,
	    const struct pt_node *, bool hide);
cJSON	*json_walk(const char *id, const struct space *,
	    const struct pt_walk *, bool hide);
cJSON	*json_ranges(const char *id, const struct space *,
	    const struct pt_ranges *, bool hide);
/* "regions" (each with its cost), the space's "tables" per level,
   "charged_table_pages" and "deposited_tables". */
cJSON	*json_regions(const char *id, const struct space *,
	    const struct regions *);
/* GET .../cost: the what-if (arch, thp, page_size, tables per level,
   totals) with "space", "source_arch", "generation" and "current", the
   same for the space as it is. */
struct kfacts;
struct kdiffs;
/* GET /spaces/{id}/compare?with=sim: both sides' kernel facts and every
   difference (model/kcompare.h). */
cJSON	*json_compare(const char *id, const struct arch *, unsigned ram_mb,
    const struct kfacts *guest, const struct kfacts *sim,
    const struct kdiffs *);
cJSON	*json_cost(const char *id, const struct space *,
	    const struct whatif_config *, const struct whatif_result *,
	    const struct whatif_config *cur, const struct whatif_result *rcur);
/* A simulator op's counts; forked (consumed, may be NULL) is the space
   object of the child a fork made. */
cJSON	*json_op_result(const struct space_op_result *, cJSON *forked);
cJSON	*json_zones(const struct zones_state *);
struct zones_history;
/* GET /api/v1/zones/history (docs/api.md). */
cJSON	*json_zones_history(const struct zones_history *);
/* GET /api/v1/machine: meminfo page tables beside the sum of VmPTE and
   the top consumers. */
cJSON	*json_machine(const struct machine_tables *,
	    const struct proc_entry *top, size_t ntop);

/* The space object: id, kind, arch, label, generation and backend info.
   Call with the entry locked. */
cJSON	*json_space(const struct entry *);
/* {"spaces":[...]}: each entry is locked while it is rendered. */
cJSON	*json_spaces(struct entry *const *, size_t n);
cJSON	*json_error(const struct pts_err *);
/* {"space","generation","generations":[{"generation","time","changes",
   "caption"}...],"dropped","bytes"} */
cJSON	*json_history(const char *id, uint64_t generation,
	    const struct history *);
/* {"space","from","to","changes":[...],"tables":{"added","freed"}} */
cJSON	*json_diff(const char *id, uint64_t from, uint64_t to,
	    const struct hdiff *, bool hide);
/* The pieces of those two answers, for json-stream.c, which joins them
   (json_history: head, generations, tail's members; json_diff: head,
   changes, tables_head with its list, not_read when partial). */
struct hdiff_change;
struct hdiff_table;
struct hdiff_unread;
cJSON	*json_history_head(const char *id, uint64_t generation);
cJSON	*json_history_gen(const struct hgen *);
cJSON	*json_history_tail(const struct history *);
cJSON	*json_diff_head(const char *id, uint64_t from, uint64_t to);
cJSON	*json_diff_change(const struct hdiff_change *, bool hide);
cJSON	*json_diff_tables_head(const struct hdiff *);
cJSON	*json_diff_table(const struct hdiff_table *);
cJSON	*json_diff_unread(const struct hdiff_unread *);
/* The WebSocket "diff" message: the diff from..to->generation with that
   generation's time and caption, the oldest generation kept, and
   "resync":true after a dropped backlog (docs/api.md). */
cJSON	*json_ws_diff(const char *id, uint64_t from, const struct hgen *to,
	    uint64_t oldest, const struct hdiff *, bool hide, bool resync);
/* Set a reply's "generation" (answers of an old generation). */
void	 json_set_generation(cJSON *o, uint64_t g);
/* ISO-8601 UTC with milliseconds of a wall-clock time in ms. */
void	 json_iso_time(int64_t ms, char *buf, size_t len);
/* Print without formatting; caller frees. */
char	*json_print(const cJSON *);

#endif
