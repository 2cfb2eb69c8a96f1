/* SPDX-License-Identifier: MIT */
/* recording.c: a recording (SQLite) served as a space: every generation
   rebuilt into a model/history.h history, the last one answered. */
#include "config.h"
#include "recording.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "hview.h"
#include "recording-int.h"
#include "xalloc.h"

struct rec_space {
	struct space base;
	char name[256];		/* file name or upload name */
	char command[200], comm[64], kind[32], started[40];
	int pid;
};

/* One version of an item as read. */
struct rrow {
	unsigned list;
	uint64_t born, died;	/* died 0: to the end */
	struct hitem *it;
};

struct rec_load {
	sqlite3 *db;
	const char *name;
	struct rec_space *rs;
	struct rrow *rows;
	size_t nrows, cap;
	struct history *h;
};

static int
bad(struct pts_err *err, const char *name, const char *why, sqlite3 *db)
{
	return pts_errf(err, PTS_EINVAL, "bad_recording",
	    "%.120s is not a usable ptscope recording: %s%s%s.", name, why,
	    db ? ": " : "", db ? sqlite3_errmsg(db) : "");
}

static int
check_version(struct rec_load *x, struct pts_err *err)
{
	sqlite3_stmt *st;
	int v, rc;

	if (sqlite3_prepare_v2(x->db, "SELECT version FROM ptscope_recording",
	    -1, &st, NULL) != SQLITE_OK)
		return bad(err, x->name, "no ptscope_recording table (not a "
		    "recording, or a truncated or damaged file)", x->db);
	rc = sqlite3_step(st);
	v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return bad(err, x->name, "no version row", NULL);
	if (v != RECORDING_VERSION)
		return pts_errf(err, PTS_EINVAL, "bad_recording",
		    "%.120s is a version %d recording; this ptscope reads "
		    "version %d.", x->name, v, RECORDING_VERSION);
	return 0;
}

static void
copy_text(char *dst, size_t len, const unsigned char *s)
{
	snprintf(dst, len, "%s", s ? (const char *)s : "");
}

static int
read_meta(struct rec_load *x, struct pts_err *err)
{
	struct rec_space *rs = x->rs;
	const uint16_t probe = 1;
	const char *order = *(const uint8_t *)&probe ? "little" : "big";
	char arch[40] = "", bo[16] = "";
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(x->db, "SELECT key, value FROM meta", -1, &st,
	    NULL) != SQLITE_OK)
		return bad(err, x->name, "no meta table", x->db);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		const unsigned char *v = sqlite3_column_text(st, 1);

		if (k == NULL)
			continue;
		if (!strcmp(k, "arch"))
			copy_text(arch, sizeof arch, v);
		else if (!strcmp(k, "label"))
			copy_text(rs->base.label, sizeof rs->base.label, v);
		else if (!strcmp(k, "command"))
			copy_text(rs->command, sizeof rs->command, v);
		else if (!strcmp(k, "comm"))
			copy_text(rs->comm, sizeof rs->comm, v);
		else if (!strcmp(k, "kind"))
			copy_text(rs->kind, sizeof rs->kind, v);
		else if (!strcmp(k, "started"))
			copy_text(rs->started, sizeof rs->started, v);
		else if (!strcmp(k, "byte_order"))
			copy_text(bo, sizeof bo, v);
		else if (!strcmp(k, "pid"))
			rs->pid = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if ((rs->base.arch = arch_find(arch)) == NULL)
		return bad(err, x->name, "its meta names no known arch", NULL);
	if (strcmp(bo, order))
		return bad(err, x->name, "it was written on a machine of the "
		    "other byte order", NULL);
	return 0;
}

/* Whether an item's data is a well-formed record of its list. */
static bool
row_ok(unsigned list, const struct hitem *it)
{
	if (list < HL_ROOT || list == HL_ROOT) {
		struct hrec_entry r;

		if (it->len < sizeof r)
			return false;
		memcpy(&r, it->data, sizeof r);
		if (it->len > sizeof r && it->data[it->len - 1] != '\0')
			return false;
		return r.level < PT_NLEVELS && r.tlevel < PT_NLEVELS &&
		    r.kind <= PT_KIND_SWAP && r.nhw <= 2 &&
		    (list == HL_ROOT || r.level == list);
	}
	if (list == HL_RANGES) {
		struct hrec_range r;

		if (it->len < sizeof r)
			return false;
		memcpy(&r, it->data, sizeof r);
		return r.level < PT_NLEVELS &&
		    (uint64_t)r.attrs_len + r.marker_len == it->len - sizeof r &&
		    (r.attrs_len == 0 || it->data[sizeof r + r.attrs_len - 1]
		    == '\0') && (r.marker_len == 0 || it->data[it->len - 1] ==
		    '\0');
	}
	if (list == HL_ZONES) {
		struct zones_state z;

		if (it->len < sizeof z)
			return false;
		memcpy(&z, it->data, sizeof z);
		return z.nzones <= 64 &&
		    it->len == sizeof z + z.nzones * sizeof *z.zones;
	}
	return false;
}

static int
read_rows(struct rec_load *x, struct pts_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(x->db, "SELECT list, key, sub, born, died, data "
	    "FROM items ORDER BY born, list, key, sub", -1, &st, NULL) !=
	    SQLITE_OK)
		return bad(err, x->name, "no items table", x->db);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *d = sqlite3_column_blob(st, 5);
		int len = sqlite3_column_bytes(st, 5);
		struct rrow *r;

		x->rows = xgrow(x->rows, &x->cap, x->nrows + 1, sizeof *x->rows);
		r = &x->rows[x->nrows++];
		r->list = (unsigned)sqlite3_column_int(st, 0);
		r->born = (uint64_t)sqlite3_column_int64(st, 3);
		r->died = sqlite3_column_type(st, 4) == SQLITE_NULL ? 0 :
		    (uint64_t)sqlite3_column_int64(st, 4);
		r->it = hitem_new((uint64_t)sqlite3_column_int64(st, 1),
		    (uint32_t)sqlite3_column_int64(st, 2), d, (uint32_t)len);
		if (r->list >= HL_N || len < 0 || !row_ok(r->list, r->it) ||
		    (r->died && r->died <= r->born)) {
			sqlite3_finalize(st);
			return bad(err, x->name, "an item row is damaged", NULL);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return bad(err, x->name, "reading its items failed", x->db);
	return 0;
}

static int
cmp_rows(const void *a, const void *b)
{
	const struct rrow *x = *(struct rrow *const *)a;
	const struct rrow *y = *(struct rrow *const *)b;

	if (x->list != y->list)
		return x->list < y->list ? -1 : 1;
	return hitem_cmp_key(x->it, y->it);
}

/* The state at g: rows alive[] (sorted by list, key) turned into lists. */
static struct hstate *
state_of(const struct rec_load *x, struct rrow **alive, size_t n, uint64_t g)
{
	struct hstate *st = hstate_new(x->rs->base.arch);

	st->generation = g;
	st->has = HS_HAS_RANGES;
	for (size_t i = 0; i < n; i++)
		hlist_push(&st->l[alive[i]->list], hitem_ref(alive[i]->it));
	for (unsigned l = 0; l < HL_N; l++)
		if (l == HL_ZONES && st->l[l].n)
			st->has |= HS_HAS_ZONES;
	return st;
}

/* Every generation, in order, pushed into the history. */
static int
build(struct rec_load *x, struct pts_err *err)
{
	struct rrow **alive = NULL;
	size_t nalive = 0, acap = 0, next = 0;
	sqlite3_stmt *st;
	int rc, ngen = 0;

	if (sqlite3_prepare_v2(x->db, "SELECT generation, time_ms, caption "
	    "FROM generations ORDER BY generation", -1, &st, NULL) != SQLITE_OK)
		return bad(err, x->name, "no generations table", x->db);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t g = (uint64_t)sqlite3_column_int64(st, 0);
		const char *cap = (const char *)sqlite3_column_text(st, 2);
		size_t k = 0;

		for (size_t i = 0; i < nalive; i++)	/* the ones that died */
			if (alive[i]->died != g)
				alive[k++] = alive[i];
		nalive = k;
		for (; next < x->nrows && x->rows[next].born <= g; next++) {
			alive = xgrow(alive, &acap, nalive + 1, sizeof *alive);
			alive[nalive++] = &x->rows[next];
		}
		if (nalive > 1)
			qsort(alive, nalive, sizeof *alive, cmp_rows);
		history_push(x->h, state_of(x, alive, nalive, g), cap,
		    sqlite3_column_int64(st, 1));
		ngen++;
	}
	sqlite3_finalize(st);
	free(alive);
	if (rc != SQLITE_DONE)
		return bad(err, x->name, "reading its generations failed",
		    x->db);
	if (ngen == 0)
		return bad(err, x->name, "it holds no generation", NULL);
	return 0;
}

static const struct hstate *
last_state(struct space *s)
{
	return s->history->head;
}

static int
rs_tree(struct space *s, enum pt_level level, uint64_t va, unsigned depth,
    struct pt_node **out, struct pts_err *err)
{
	return hview_tree(last_state(s), level, va, depth, out, err);
}

static int
rs_walk(struct space *s, uint64_t va, struct pt_walk *out,
    struct pts_err *err)
{
	return hview_walk(last_state(s), va, out, err);
}

static int
rs_ranges(struct space *s, struct pt_ranges *out, struct pts_err *err)
{
	return hview_ranges(last_state(s), out, err);
}

static void
rs_info(struct space *s, struct space_info *si)
{
	struct rec_space *rs = (struct rec_space *)s;
	const struct history *h = s->history;

	space_info_str(si, "recording.file", "%s", rs->name);
	space_info_u64(si, "recording.generations", h->ngens);
	space_info_u64(si, "recording.first", h->gens[0].generation);
	if (rs->kind[0])
		space_info_str(si, "recording.kind", "%s", rs->kind);
	if (rs->started[0])
		space_info_str(si, "recording.started", "%s", rs->started);
	if (rs->pid)
		space_info_u64(si, "recording.pid", (uint64_t)rs->pid);
	if (rs->comm[0])
		space_info_str(si, "recording.comm", "%s", rs->comm);
	if (rs->command[0])
		space_info_str(si, "recording.command", "%s", rs->command);
}

static void
rs_free(struct space *s)
{
	history_free(s->history);
	free(s);
}

static const struct space_ops recording_ops = {
	.kind = "recording",
	.tree = rs_tree,
	.walk = rs_walk,
	.ranges = rs_ranges,
	.info = rs_info,
	.free = rs_free,
};

/* Read an opened database into a space. */
static int
load(sqlite3 *db, const char *name, struct space **out, struct pts_err *err)
{
	struct rec_load x = { db, name, NULL, NULL, 0, 0, NULL };
	int r;

	x.rs = xcalloc(1, sizeof *x.rs);
	snprintf(x.rs->name, sizeof x.rs->name, "%s", name);
	r = check_version(&x, err);
	if (r == 0)
		r = read_meta(&x, err);
	if (r == 0) {
		x.h = history_new(x.rs->base.arch, 0, 0);
		r = read_rows(&x, err);
	}
	if (r == 0)
		r = build(&x, err);
	for (size_t i = 0; i < x.nrows; i++)
		hitem_unref(x.rows[i].it);
	free(x.rows);
	if (r < 0) {
		history_free(x.h);
		free(x.rs);
		return r;
	}
	x.rs->base.ops = &recording_ops;
	x.rs->base.history = x.h;
	x.rs->base.generation = x.h->gens[x.h->ngens - 1].generation;
	x.rs->base.live = true;	/* real machine state: PAs stay hidden */
	if (x.rs->base.label[0] == '\0')
		snprintf(x.rs->base.label, sizeof x.rs->base.label,
		    "recording %.50s", name);
	*out = &x.rs->base;
	return 0;
}

int
recording_open(const char *path, struct space **out, struct pts_err *err)
{
	sqlite3 *db = NULL;
	int r;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		r = pts_errf(err, PTS_ENOENT, "no_such_file",
		    "Cannot open %.120s: %s.", path,
		    db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return r;
	}
	sqlite3_busy_timeout(db, REC_BUSY_MS);	/* it may be being recorded */
	r = load(db, path, out, err);
	sqlite3_close(db);
	return r;
}

int
recording_open_bytes(const void *buf, size_t len, const char *name,
    struct space **out, struct pts_err *err)
{
	sqlite3 *db = NULL;
	unsigned char *copy;
	int r;

	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK || (copy = sqlite3_malloc64(len ? len : 1)) == NULL) {
		sqlite3_close(db);
		return pts_errf(err, PTS_EIO, "recording_failed",
		    "SQLite could not open an in-memory database.");
	}
	memcpy(copy, buf, len);
	if (sqlite3_deserialize(db, "main", copy, (sqlite3_int64)len,
	    (sqlite3_int64)len, SQLITE_DESERIALIZE_FREEONCLOSE |
	    SQLITE_DESERIALIZE_READONLY) != SQLITE_OK) {
		r = bad(err, name, "SQLite refused it", db);
		sqlite3_close(db);
		return r;
	}
	r = load(db, name, out, err);
	sqlite3_close(db);
	return r;
}
