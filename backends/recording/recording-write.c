/* SPDX-License-Identifier: MIT */
/* recording-write.c: writing generations into a recording (SQLite). */
#include "config.h"
#include "recording.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "recording-int.h"
#include "strbuf.h"
#include "xalloc.h"

struct rec_writer {
	sqlite3 *db;
	sqlite3_stmt *ins_item, *end_item, *ins_gen;
	const struct arch *arch;
	bool wrote;		/* the first generation is in */
};

static int
db_fail(sqlite3 *db, const char *what, struct pts_err *err)
{
	return pts_errf(err, PTS_EIO, "recording_failed",
	    "Writing the recording failed (%s): %s.", what,
	    db ? sqlite3_errmsg(db) : "out of memory");
}

static int
exec_sql(sqlite3 *db, const char *sql, struct pts_err *err)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, sql, err);
	return 0;
}

static int
put_meta(sqlite3 *db, const char *key, const char *value, struct pts_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (value == NULL)
		return 0;
	if (sqlite3_prepare_v2(db, "INSERT INTO meta VALUES (?, ?)", -1, &st,
	    NULL) != SQLITE_OK)
		return db_fail(db, "meta", err);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, "meta", err);
}

static int
write_meta(sqlite3 *db, const struct rec_meta *m, struct pts_err *err)
{
	char num[32], iv[32], when[32];
	const uint16_t probe = 1;
	time_t now = time(NULL);
	struct tm tm;
	int r;

	snprintf(num, sizeof num, "%d", m->pid);
	snprintf(iv, sizeof iv, "%u", m->interval_ms);
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	r = exec_sql(db, "INSERT INTO ptscope_recording VALUES (1, '"
	    PACKAGE_NAME " " PACKAGE_VERSION "')", err);
	if (r == 0)
		r = put_meta(db, "arch", m->arch, err);
	if (r == 0)
		r = put_meta(db, "kind", m->kind, err);
	if (r == 0)
		r = put_meta(db, "label", m->label, err);
	if (r == 0)
		r = put_meta(db, "command", m->command, err);
	if (r == 0)
		r = put_meta(db, "comm", m->comm, err);
	if (r == 0 && m->pid)
		r = put_meta(db, "pid", num, err);
	if (r == 0)
		r = put_meta(db, "interval_ms", iv, err);
	if (r == 0)
		r = put_meta(db, "started", when, err);
	if (r == 0)
		r = put_meta(db, "byte_order",
		    *(const uint8_t *)&probe ? "little" : "big", err);
	return r;
}

static int
prepare(struct rec_writer *w, struct pts_err *err)
{
	if (sqlite3_prepare_v2(w->db, "INSERT INTO items (list, key, sub, "
	    "born, level, va, kind, flags, pages, name, data) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &w->ins_item,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(w->db, "UPDATE items SET died = ? WHERE "
	    "list = ? AND key = ? AND sub = ? AND died IS NULL", -1,
	    &w->end_item, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(w->db, "INSERT INTO generations VALUES "
	    "(?, ?, ?, ?, ?)", -1, &w->ins_gen, NULL) != SQLITE_OK)
		return db_fail(w->db, "prepare", err);
	return 0;
}

int
rec_create(const char *path, const struct rec_meta *m,
    struct rec_writer **out, struct pts_err *err)
{
	struct rec_writer *w;
	int r;

	if (access(path, F_OK) == 0)
		return pts_errf(err, PTS_EEXIST, "file_exists",
		    "%s already exists: remove it or choose another name.",
		    path);
	w = xcalloc(1, sizeof *w);
	w->arch = arch_find(m->arch);
	if (sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		r = pts_errf(err, PTS_EIO, "recording_failed",
		    "Cannot create %s: %s.", path, w->db ?
		    sqlite3_errmsg(w->db) : "out of memory");
		rec_close(w, NULL);
		return r;
	}
	/* a reader (sqlite3, a daemon serving the file, a test) holds a shared
	   lock while it reads: the commit waits for it instead of failing */
	sqlite3_busy_timeout(w->db, REC_BUSY_MS);
	r = exec_sql(w->db, "PRAGMA journal_mode = DELETE; BEGIN; "
	    REC_SCHEMA, err);
	if (r == 0)
		r = write_meta(w->db, m, err);
	if (r == 0)
		r = exec_sql(w->db, "COMMIT", err);
	if (r == 0)
		r = prepare(w, err);
	if (r < 0) {
		rec_close(w, NULL);
		unlink(path);
		return r;
	}
	*out = w;
	return 0;
}

/* Flag names, space-separated. */
static void
flag_names(uint32_t flags, struct strbuf *sb)
{
	for (unsigned b = 0; b < PTF_NR; b++)
		if (flags & (1u << b))
			strbuf_addf(sb, "%s%s", sb->len ? " " : "",
			    pt_flag_name(1u << b));
}

/* The people's columns (level..name) of an item into the insert. */
static void
bind_columns(struct rec_writer *w, unsigned list, const struct hitem *it,
    struct strbuf *fl)
{
	sqlite3_stmt *st = w->ins_item;
	char va[24];

	if (list < HL_ROOT || list == HL_ROOT) {
		const struct hrec_entry *r = hitem_entry(it);
		bool table = r->kind == PT_KIND_TABLE;

		sqlite3_bind_text(st, 5, arch_level_name(list == HL_ROOT ?
		    r->tlevel : r->level), -1, SQLITE_STATIC);
		snprintf(va, sizeof va, "0x%" PRIx64, r->va);
		sqlite3_bind_text(st, 6, va, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 7, list == HL_ROOT ? "root" :
		    pt_kind_name((enum pt_kind)r->kind), -1, SQLITE_STATIC);
		flag_names(r->flags, fl);
		sqlite3_bind_int64(st, 9, (sqlite3_int64)(table ?
		    r->present_pages : r->size >> w->arch->page_shift));
		if (hitem_entry_attrs(it))
			sqlite3_bind_text(st, 10, hitem_entry_attrs(it), -1,
			    SQLITE_TRANSIENT);
	} else if (list == HL_RANGES) {
		struct hrec_range r;

		memcpy(&r, it->data, sizeof r);
		sqlite3_bind_text(st, 5, arch_level_name((enum pt_level)
		    r.level), -1, SQLITE_STATIC);
		snprintf(va, sizeof va, "0x%" PRIx64, r.start);
		sqlite3_bind_text(st, 6, va, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 7, "range", -1, SQLITE_STATIC);
		flag_names(r.flags, fl);
		sqlite3_bind_int64(st, 9, (sqlite3_int64)r.pages);
		if (r.attrs_len)
			sqlite3_bind_text(st, 10, (const char *)it->data +
			    sizeof r, -1, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_text(st, 7, "zones", -1, SQLITE_STATIC);
	}
	sqlite3_bind_text(st, 8, fl->buf ? fl->buf : "", -1, SQLITE_TRANSIENT);
}

static int
insert_item(struct rec_writer *w, unsigned list, const struct hitem *it,
    uint64_t born, struct pts_err *err)
{
	struct strbuf fl = STRBUF_INIT;
	sqlite3_stmt *st = w->ins_item;
	int rc;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_int(st, 1, (int)list);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)it->key);
	sqlite3_bind_int64(st, 3, it->sub);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)born);
	bind_columns(w, list, it, &fl);
	sqlite3_bind_blob(st, 11, it->data, (int)it->len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	strbuf_release(&fl);
	return rc == SQLITE_DONE ? 0 : db_fail(w->db, "item", err);
}

static int
end_item(struct rec_writer *w, unsigned list, const struct hitem *it,
    uint64_t died, struct pts_err *err)
{
	sqlite3_stmt *st = w->end_item;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)died);
	sqlite3_bind_int(st, 2, (int)list);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)it->key);
	sqlite3_bind_int64(st, 4, it->sub);
	return sqlite3_step(st) == SQLITE_DONE ? 0 :
	    db_fail(w->db, "item end", err);
}

static int
insert_gen(struct rec_writer *w, const struct hgen *g, struct pts_err *err)
{
	sqlite3_stmt *st = w->ins_gen;
	char when[64];
	time_t t = (time_t)(g->time_ms / 1000);
	struct tm tm;
	char day[40];

	gmtime_r(&t, &tm);
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when, sizeof when, "%s.%03dZ", day, (int)(g->time_ms % 1000));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)g->generation);
	sqlite3_bind_text(st, 2, when, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, g->time_ms);
	if (g->caption)
		sqlite3_bind_text(st, 4, g->caption, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, g->changes);
	return sqlite3_step(st) == SQLITE_DONE ? 0 :
	    db_fail(w->db, "generation", err);
}

/* Every item of the state, born at generation g. */
static int
write_state(struct rec_writer *w, const struct hstate *s, uint64_t g,
    struct pts_err *err)
{
	int r = 0;

	for (unsigned l = 0; r == 0 && l < HL_N; l++)
		for (size_t i = 0; r == 0 && i < s->l[l].n; i++)
			r = insert_item(w, l, s->l[l].v[i], g, err);
	return r;
}

static int
write_delta(struct rec_writer *w, const struct hgen *g, struct pts_err *err)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < g->nch; i++) {
		const struct hchange *c = &g->ch[i];

		if (c->before)
			r = end_item(w, c->list, c->before, g->generation, err);
		if (r == 0 && c->after)
			r = insert_item(w, c->list, c->after, g->generation,
			    err);
	}
	return r;
}

int
rec_write_generation(struct rec_writer *w, const struct history *h,
    struct pts_err *err)
{
	const struct hgen *g = &h->gens[h->ngens - 1];
	int r;

	if ((r = exec_sql(w->db, "BEGIN", err)) < 0)
		return r;
	r = insert_gen(w, g, err);
	if (r == 0)
		r = w->wrote ? write_delta(w, g, err) :
		    write_state(w, h->head, g->generation, err);
	if (r == 0)
		r = exec_sql(w->db, "COMMIT", err);
	if (r < 0) {
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
		return r;
	}
	w->wrote = true;
	return 0;
}

int
rec_close(struct rec_writer *w, struct pts_err *err)
{
	int r = 0;

	if (w == NULL)
		return 0;
	sqlite3_finalize(w->ins_item);
	sqlite3_finalize(w->end_item);
	sqlite3_finalize(w->ins_gen);
	if (w->db && sqlite3_close(w->db) != SQLITE_OK)
		r = db_fail(w->db, "close", err);
	free(w);
	return r;
}
