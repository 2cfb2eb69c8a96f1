/* SPDX-License-Identifier: MIT */
/* vm-mem.c: guest RAM through /proc/QEMU_PID/mem (see vm-mem.h). */
#define _GNU_SOURCE
#include "config.h"
#include "vm-mem.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xalloc.h"

#define MAX_SEGS	32

struct vm_hostmem {
	int fd;
	pid_t pid;
	unsigned nseg;
	struct vm_seg seg[MAX_SEGS];
};

/* ---- QEMU's pid ---------------------------------------------------------- */

/* "%08X:%04X" (or the IPv6 form) as /proc/net/tcp prints an address. */
static void
proc_net_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;

		snprintf(buf, len, "%08X:%04X", a->sin_addr.s_addr,
		    ntohs(a->sin_port));
	} else {
		const struct sockaddr_in6 *a = (const void *)ss;
		uint32_t w[4];

		memcpy(w, &a->sin6_addr, sizeof w);
		snprintf(buf, len, "%08X%08X%08X%08X:%04X", w[0], w[1], w[2],
		    w[3], ntohs(a->sin6_port));
	}
}

/* The inode of the socket whose local end is `local` and remote `rem`. */
static unsigned long
tcp_inode(const char *table, const char *local, const char *rem)
{
	char line[512], l[64], r[64];
	unsigned long ino = 0, in;
	FILE *f = fopen(table, "re");

	if (f == NULL)
		return 0;
	while (ino == 0 && fgets(line, sizeof line, f))
		if (sscanf(line, " %*s %63s %63s %*s %*s %*s %*s %*s %*s %lu",
		    l, r, &in) == 3 && !strcmp(l, local) && !strcmp(r, rem))
			ino = in;
	fclose(f);
	return ino;
}

/* The first process with an fd on socket:[ino]. */
static pid_t
socket_owner(unsigned long ino)
{
	char want[40], path[300], link[64];
	DIR *proc = opendir("/proc"), *fds;
	struct dirent *p, *d;
	pid_t found = 0;

	if (proc == NULL)
		return 0;
	snprintf(want, sizeof want, "socket:[%lu]", ino);
	while (!found && (p = readdir(proc)) != NULL) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%.20s/fd", p->d_name);
		if ((fds = opendir(path)) == NULL)
			continue;
		while (!found && (d = readdir(fds)) != NULL) {
			ssize_t n;

			snprintf(path, sizeof path, "/proc/%.20s/fd/%.20s",
			    p->d_name, d->d_name);
			n = readlink(path, link, sizeof link - 1);
			if (n > 0 && (link[n] = 0, !strcmp(link, want)))
				found = (pid_t)atoi(p->d_name);
		}
		closedir(fds);
	}
	closedir(proc);
	return found;
}

/* The local process at the far end of TCP socket fd, or 0. */
static pid_t
tcp_peer_pid(int fd)
{
	struct sockaddr_storage me, peer;
	socklen_t ml = sizeof me, pl = sizeof peer;
	char local[64], rem[64];
	unsigned long ino;

	if (getsockname(fd, (struct sockaddr *)&me, &ml) < 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &pl) < 0 ||
	    (peer.ss_family != AF_INET && peer.ss_family != AF_INET6))
		return 0;
	/* the peer's row: its local address is our peer, its remote us */
	proc_net_addr(&peer, local, sizeof local);
	proc_net_addr(&me, rem, sizeof rem);
	ino = tcp_inode(peer.ss_family == AF_INET ? "/proc/net/tcp" :
	    "/proc/net/tcp6", local, rem);
	return ino ? socket_owner(ino) : 0;
}

pid_t
vm_qemu_pid(int qmp_fd, int gdb_fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	pid_t pid = 0;

	if (qmp_fd >= 0 && getsockname(qmp_fd, (struct sockaddr *)&ss,
	    &sl) == 0 && ss.ss_family == AF_UNIX) {
		struct ucred uc;
		socklen_t ul = sizeof uc;

		if (getsockopt(qmp_fd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) == 0)
			pid = uc.pid;
	} else if (qmp_fd >= 0)
		pid = tcp_peer_pid(qmp_fd);
	if (pid == 0 && gdb_fd >= 0)
		pid = tcp_peer_pid(gdb_fd);
	return pid;
}

/* ---- the monitor's answers ------------------------------------------------ */

/* One line of a flat view: "  START-END (prio P, ram): NAME ...". */
static bool
mtree_ram_line(const char *line, uint64_t *s, uint64_t *e)
{
	char kind[16];

	return sscanf(line, " %" SCNx64 "-%" SCNx64 " (prio %*d, %15[^)]):",
	    s, e, kind) == 3 && !strcmp(kind, "ram") && *e >= *s;
}

unsigned
vm_mtree_ram(const char *mtree, struct vm_seg *out, unsigned max)
{
	const char *p = mtree;
	unsigned n = 0;
	bool sys = false;

	while (p && *p && n < max) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[256];
		uint64_t s, e;

		snprintf(line, sizeof line, "%.*s", (int)(len < 255 ? len : 255),
		    p);
		/* a view's header names the address spaces it renders; the
		   system memory's is "memory" */
		if (!strncmp(line, "FlatView #", 10))
			sys = false;
		else if (strstr(line, " AS \"memory\""))
			sys = true;
		else if (sys && mtree_ram_line(line, &s, &e))
			out[n++] = (struct vm_seg){ s, e - s + 1, 0 };
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

bool
vm_gpa2hva_parse(const char *text, uint64_t *hva)
{
	const char *is = strstr(text, " is 0x");

	return is && sscanf(is + 4, "%" SCNx64, hva) == 1;
}

/* ---- reading -------------------------------------------------------------- */

static bool
probes_match(struct vm_hostmem *m, const struct vm_probe *pr, unsigned np)
{
	unsigned char buf[4096];
	int gone = 0;

	for (unsigned i = 0; i < np; i++) {
		size_t n = pr[i].n < sizeof buf ? pr[i].n : sizeof buf;

		if (vm_hostmem_read(m, pr[i].gpa, buf, n, &gone) < 0 ||
		    memcmp(buf, pr[i].bytes, n) != 0)
			return false;
	}
	return np > 0;
}

int
vm_hostmem_open(pid_t pid, const struct vm_seg *segs, unsigned nseg,
    const struct vm_probe *probes, unsigned np, struct vm_hostmem **out,
    struct pts_err *err)
{
	struct vm_hostmem *m;
	char path[64];

	if (pid <= 0)
		return pts_errf(err, PTS_ENOENT, "qemu_not_found",
		    "QEMU's process is not on this host (or its sockets are "
		    "not visible here).");
	m = xcalloc(1, sizeof *m);
	m->pid = pid;
	m->nseg = nseg < MAX_SEGS ? nseg : MAX_SEGS;
	memcpy(m->seg, segs, m->nseg * sizeof *segs);
	snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
	if ((m->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		int e = errno;

		free(m);
		return pts_errf(err, e == ENOENT ? PTS_ENOENT : PTS_EPERM,
		    "host_memory_denied", "Cannot read %s: %s (ptrace access "
		    "to QEMU's process is needed: same user and "
		    "kernel.yama.ptrace_scope 0, or CAP_SYS_PTRACE).", path,
		    strerror(e));
	}
	if (!probes_match(m, probes, np)) {
		vm_hostmem_close(m);
		return pts_errf(err, PTS_ENOENT, "ram_not_found",
		    "Process %d's memory at the guest RAM's host address does "
		    "not hold the guest's page tables: it is not this guest's "
		    "QEMU.", (int)pid);
	}
	*out = m;
	return 0;
}

int
vm_hostmem_read(struct vm_hostmem *m, uint64_t gpa, void *buf, size_t n,
    int *gone)
{
	const struct vm_seg *s = NULL;
	ssize_t r;

	for (unsigned i = 0; i < m->nseg && !s; i++)
		if (gpa >= m->seg[i].gpa && gpa - m->seg[i].gpa < m->seg[i].len &&
		    m->seg[i].len - (gpa - m->seg[i].gpa) >= n)
			s = &m->seg[i];
	if (s == NULL)
		return -1;
	r = pread(m->fd, buf, n, (off_t)(s->hva + (gpa - s->gpa)));
	if (r == (ssize_t)n)
		return 0;
	if (r == 0 || (r < 0 && errno == ESRCH))
		*gone = 1;
	return -1;
}

pid_t
vm_hostmem_pid(const struct vm_hostmem *m)
{
	return m->pid;
}

void
vm_hostmem_close(struct vm_hostmem *m)
{
	if (m == NULL)
		return;
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}
