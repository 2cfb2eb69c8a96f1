/* SPDX-License-Identifier: MIT */
/* api-spaces.c: listing, creating (sim, process, ptdump) and deleting
   spaces. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "json.h"
#include "recording.h"
#include "request.h"
#include "procfs.h"
#include "procfs-space.h"
#include "ptdump.h"
#include "routes.h"
#include "net.h"
#include "daemon.h"
#include "sim.h"
#include "vm.h"

/* Answer with the space object of e (locked here) and drop the ref. */
static int
reply_space(struct http_req *rq, struct http_resp *rs, struct entry *e,
    int status)
{
	cJSON *o;

	entry_lock(e);
	o = json_space(e);
	entry_unlock(e);
	registry_put(&rq->srv->reg, e);
	return http_json(rs, status, o);
}

int
api_spaces_list(struct http_req *rq, struct http_resp *rs)
{
	struct registry *reg = &rq->srv->reg;
	struct entry **v;
	size_t n;
	cJSON *o;

	v = registry_list(reg, &n);
	o = json_spaces(v, n);
	registry_put_all(reg, v, n);
	return http_json(rs, 200, o);
}

static const char *
get_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The "boot" scenario: apply its steps one by one, each recorded in the
   history as a generation captioned with the kernel function it models. */
static int
boot_replay(struct entry *e, struct pts_err *err)
{
	unsigned n = sim_boot_steps(e->space);
	char cap[SIM_BOOT_CAPTION_MAX];
	int rc = 0;

	entry_lock(e);
	for (unsigned k = 0; k < n && rc == 0; k++) {
		rc = sim_boot_step(e->space, k, cap, sizeof cap, err);
		if (rc == 0)
			rc = entry_record(e, cap, err);
	}
	entry_unlock(e);
	return rc;
}

static int
create_sim(struct http_req *rq, struct http_resp *rs, const cJSON *body)
{
	const char *arch = get_str(body, "arch");
	const char *scen = get_str(body, "scenario");
	struct space *s;
	struct entry *e;
	struct pts_err err;
	uint64_t ram = 0;
	int r;

	if (arch == NULL)
		return http_errorf(rs, PTS_EINVAL, "missing_field",
		    "a sim space needs \"arch\" (one of /api/v1/arches)");
	if (cJSON_GetObjectItemCaseSensitive(body, "scenario") && !scen)
		return http_errorf(rs, PTS_EINVAL, "bad_field",
		    "\"scenario\" must be a string");
	if ((r = request_get_u64(body, "ram_mb", false, &ram, &err)) < 0)
		return http_error(rs, &err);
	if (ram > 1u << 30)
		return http_errorf(rs, PTS_EINVAL, "bad_ram",
		    "ram_mb %llu is out of range", (unsigned long long)ram);
	if (sim_space_new(arch, scen ? scen : "empty", (unsigned)ram, &s,
	    &err) < 0)
		return http_error(rs, &err);
	if (registry_add(&rq->srv->reg, s, "sim", 0, &e, &err) < 0)
		return http_error(rs, &err);
	if (boot_replay(e, &err) < 0) {
		struct pts_err ignored;

		(void)registry_remove(&rq->srv->reg, e->id, &ignored);
		registry_put(&rq->srv->reg, e);
		return http_error(rs, &err);
	}
	return reply_space(rq, rs, e, 201);
}

static int
create_process(struct http_req *rq, struct http_resp *rs, const cJSON *body)
{
	struct server *srv = rq->srv;
	struct pts_err err;
	struct space *s;
	struct entry *e;
	uint64_t pid;
	char id[40];

	if (request_get_u64(body, "pid", true, &pid, &err) < 0)
		return http_error(rs, &err);
	if (pid == 0 || pid > 0x7fffffff)
		return http_errorf(rs, PTS_EINVAL, "bad_pid",
		    "pid %llu is not a process id", (unsigned long long)pid);
	if ((e = registry_find_pid(&srv->reg, (int)pid)) != NULL) {
		struct pts_err rerr;
		int r;

		entry_lock(e);
		r = entry_refresh(e, 0, &rerr);
		if (r != PTS_EGONE && server_peer_may_read(srv, &rq->peer,
		    e->space, &err) < 0) {
			entry_unlock(e);
			registry_put(&srv->reg, e);
			return http_error(rs, &err);
		}
		entry_unlock(e);
		if (r != PTS_EGONE)
			return reply_space(rq, rs, e, 200);
		/* the old process is gone: its id may be reused below */
		registry_remove(&srv->reg, e->id, NULL);
		registry_put(&srv->reg, e);
	}
	if (procfs_space_new_checked(srv->opt.proc_root, (int)pid,
	    server_attach_allowed, srv, &s, &err) < 0)
		return http_error(rs, &err);
	/* before anything of it is shown or kept: is it the client's? */
	if (server_peer_may_read(srv, &rq->peer, s, &err) < 0) {
		space_free(s);
		return http_error(rs, &err);
	}
	snprintf(id, sizeof id, "pid-%d", (int)pid);
	/* the space of an exited process with this pid gives way to the
	   new process (registry_find_pid skips it: it is gone) */
	if ((e = registry_get(&srv->reg, id, NULL)) != NULL) {
		if (e->gone)
			registry_remove(&srv->reg, id, NULL);
		registry_put(&srv->reg, e);
	}
	if (registry_add(&srv->reg, s, id, (int)pid, &e, &err) < 0)
		return http_error(rs, &err);
	return reply_space(rq, rs, e, 201);
}

/* Parse a dump and register it; shared by both upload forms. */
static int
create_dump(struct http_req *rq, struct http_resp *rs, const char *text,
    size_t len, const char *arch)
{
	struct pts_err err;
	struct space *s;
	struct entry *e;

	if (arch && arch_find(arch) == NULL)
		return http_errorf(rs, PTS_EINVAL, "unknown_arch",
		    "there is no arch '%.40s' (see /api/v1/arches)", arch);
	if (ptdump_parse(text, len, arch, &s, &err) < 0)
		return http_error(rs, &err);
	if (registry_add(&rq->srv->reg, s, "dump", 0, &e, &err) < 0)
		return http_error(rs, &err);
	return reply_space(rq, rs, e, 201);
}

/*
 * A recording: {"path":FILE} on the daemon's machine, or {"data":BASE64}
 * (an upload from the viewer; "name" labels it).
 */
static int
create_recording(struct http_req *rq, struct http_resp *rs,
    const cJSON *body)
{
	const char *path = get_str(body, "path"), *data = get_str(body, "data");
	const char *name = get_str(body, "name");
	struct pts_err err;
	struct space *s;
	struct entry *e;
	unsigned char *bytes;
	size_t n;
	int r;

	if ((path == NULL) == (data == NULL))
		return http_errorf(rs, PTS_EINVAL, "missing_field",
		    "a recording space needs \"path\" (a file on the "
		    "daemon's machine) or \"data\" (the file, base64)");
	if (path) {
		r = server_peer_may_open(rq->srv, &rq->peer, path, &err);
		if (r == 0)
			r = recording_open(path, &s, &err);
	} else {
		if (base64_decode(data, strlen(data), &bytes, &n) < 0)
			return http_errorf(rs, PTS_EINVAL, "bad_field",
			    "\"data\" must be the file's bytes in base64");
		r = recording_open_bytes(bytes, n, name ? name : "upload", &s,
		    &err);
		free(bytes);
	}
	if (r < 0)
		return http_error(rs, &err);
	if (registry_add(&rq->srv->reg, s, "rec", 0, &e, &err) < 0)
		return http_error(rs, &err);
	return reply_space(rq, rs, e, 201);
}

/* Attach to a QEMU guest's gdbstub (and QMP). */
static int
create_vm(struct http_req *rq, struct http_resp *rs, const cJSON *body)
{
	const char *gdb = get_str(body, "gdb"), *qmp = get_str(body, "qmp");
	const char *memory = get_str(body, "memory");
	struct pts_err err;
	struct space *s;
	struct entry *e;
	int mem = memory ? vm_memory_parse(memory) : VM_MEMORY_AUTO;

	if (gdb == NULL)
		return http_errorf(rs, PTS_EINVAL, "missing_field",
		    "a vm space needs \"gdb\": the gdbstub's HOST:PORT");
	if (cJSON_GetObjectItemCaseSensitive(body, "qmp") && !qmp)
		return http_errorf(rs, PTS_EINVAL, "bad_field",
		    "\"qmp\" must be a string: a socket path or HOST:PORT");
	if (mem < 0 || (cJSON_GetObjectItemCaseSensitive(body, "memory") &&
	    !memory))
		return http_errorf(rs, PTS_EINVAL, "bad_field",
		    "\"memory\" is \"auto\", \"host\" or \"gdbstub\"");
	if (vm_space_new(gdb, qmp, (enum vm_memory)mem, &s, &err) < 0)
		return http_error(rs, &err);
	if (registry_add(&rq->srv->reg, s, "vm", 0, &e, &err) < 0)
		return http_error(rs, &err);
	return reply_space(rq, rs, e, 201);
}

int
api_spaces_create(struct http_req *rq, struct http_resp *rs)
{
	struct pts_err err;
	cJSON *body;
	const char *kind, *text;
	int st;

	if (request_body_object(rq->body, rq->body_len, &body, &err) < 0)
		return http_error(rs, &err);
	kind = get_str(body, "kind");
	if (kind == NULL)
		st = http_errorf(rs, PTS_EINVAL, "missing_field",
		    "\"kind\" is required: sim, process, ptdump or recording");
	else if (!strcmp(kind, "sim"))
		st = create_sim(rq, rs, body);
	else if (!strcmp(kind, "process"))
		st = create_process(rq, rs, body);
	else if (!strcmp(kind, "recording"))
		st = create_recording(rq, rs, body);
	else if (!strcmp(kind, "vm"))
		st = create_vm(rq, rs, body);
	else if (!strcmp(kind, "ptdump")) {
		text = get_str(body, "text");
		st = text ? create_dump(rq, rs, text, strlen(text),
		    get_str(body, "arch")) :
		    http_errorf(rs, PTS_EINVAL, "missing_field",
		    "a ptdump space needs \"text\": the dump's contents");
	} else
		st = http_errorf(rs, PTS_EINVAL, "unknown_kind",
		    "unknown kind '%.40s': use sim, process, ptdump, "
		    "recording or vm", kind);
	cJSON_Delete(body);
	return st;
}

int
api_ptdump_upload(struct http_req *rq, struct http_resp *rs)
{
	return create_dump(rq, rs, rq->body ? rq->body : "", rq->body_len,
	    http_arg(rq, "arch"));
}

int
api_space_get(struct http_req *rq, struct http_resp *rs)
{
	struct pts_err err;
	struct entry *e = registry_get(&rq->srv->reg, rq->seg[3], &err);
	int r;

	if (e == NULL)
		return http_error(rs, &err);
	/* a live space is re-read first (always: this is where clients ask
	   whether it is still there): an exited process is 404, and every
	   field of the object comes from one reading */
	entry_lock(e);
	r = entry_refresh(e, 0, &err);
	if (r == 0)
		r = server_peer_may_read(rq->srv, &rq->peer, e->space,
		    &err);
	entry_unlock(e);
	if (r < 0) {
		registry_put(&rq->srv->reg, e);
		if (r == PTS_EGONE)
			net_ws_notify(rq->srv);
		return http_error(rs, &err);
	}
	return reply_space(rq, rs, e, 200);
}

int
api_space_delete(struct http_req *rq, struct http_resp *rs)
{
	struct pts_err err;

	if (registry_remove(&rq->srv->reg, rq->seg[3], &err) < 0)
		return http_error(rs, &err);
	net_ws_notify(rq->srv);
	return http_text(rs, 204, NULL, "", 0);
}
