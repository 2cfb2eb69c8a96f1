/* SPDX-License-Identifier: MIT */
/* vm-regs.c: paging registers of a QEMU guest (see vm-regs.h). */
#include "config.h"
#include "vm-regs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Register number of <reg name="NAME" ... regnum="N"> in xml, or -1.
   Registers without regnum follow the previous one; *next carries that
   count across the files of one description. */
static void
scan_regs(const char *xml, int *next, const char *const *names, int *nums,
    unsigned n)
{
	const char *p = xml;

	while ((p = strstr(p, "<reg ")) != NULL) {
		const char *end = strchr(p, '>'), *nm, *rn;
		char name[64] = "";
		int num = *next;

		if (end == NULL)
			break;
		nm = strstr(p, "name=\"");
		if (nm && nm < end)
			sscanf(nm + 6, "%63[^\"]", name);
		rn = strstr(p, "regnum=\"");
		if (rn && rn < end)
			num = atoi(rn + 8);
		*next = num + 1;
		for (unsigned i = 0; i < n; i++)
			if (strcasecmp(name, names[i]) == 0)
				nums[i] = num;
		p = end;
	}
}

int
vm_regmap_probe(struct gdbrsp *g, struct vm_regmap *m, struct pts_err *err)
{
	static const char *const names[] = { "TCR_EL1", "TTBR0_EL1",
	    "TTBR1_EL1", "SCTLR_EL1", "satp" };
	int nums[5] = { -1, -1, -1, -1, -1 }, next = 0, r;
	char *top, *p;

	if ((r = gdbrsp_xfer(g, "target.xml", &top, err)) < 0)
		return r;
	if (strstr(top, "i386:x86-64"))
		m->cpu = VM_X86_64;
	else if (strstr(top, "aarch64"))
		m->cpu = VM_ARM64;
	else if (strstr(top, "riscv:rv64"))
		m->cpu = VM_RISCV64;
	else {
		r = pts_errf(err, PTS_ENOTSUP, "unsupported_guest",
		    "The guest's architecture is not x86_64, aarch64 or "
		    "riscv64 (target.xml names none of them).");
		free(top);
		return r;
	}
	scan_regs(top, &next, names, nums, 5);
	for (p = top; (p = strstr(p, "<xi:include href=\"")) != NULL; p++) {
		char annex[100], *sub;

		if (sscanf(p + 18, "%99[^\"]", annex) != 1)
			continue;
		if (gdbrsp_xfer(g, annex, &sub, err) < 0)
			continue;	/* optional descriptions may be absent */
		scan_regs(sub, &next, names, nums, 5);
		free(sub);
	}
	free(top);
	m->tcr = nums[0];
	m->ttbr0 = nums[1];
	m->ttbr1 = nums[2];
	m->sctlr = nums[3];
	m->satp = nums[4];
	if (m->cpu == VM_ARM64 && (m->tcr < 0 || m->ttbr0 < 0 ||
	    m->ttbr1 < 0))
		return pts_errf(err, PTS_ENOTSUP, "not_qemu",
		    "The gdbstub shows no TCR_EL1/TTBR0_EL1/TTBR1_EL1 "
		    "(QEMU 7.1 or later shows them).");
	if (m->cpu == VM_RISCV64 && m->satp < 0)
		return pts_errf(err, PTS_ENOTSUP, "not_qemu",
		    "The gdbstub shows no satp CSR.");
	return 0;
}

static void
keep(struct vm_regs *o, const char *name, uint64_t v)
{
	if (o->nregs < sizeof o->reg / sizeof o->reg[0]) {
		snprintf(o->reg[o->nregs].name, sizeof o->reg[0].name, "%s",
		    name);
		o->reg[o->nregs++].v = v;
	}
}

/* A NAME=hex value of the monitor's "info registers". */
static int
hmp_reg(const char *txt, const char *name, uint64_t *v)
{
	char key[16];
	const char *p;

	snprintf(key, sizeof key, "%s=", name);
	for (p = txt; (p = strstr(p, key)) != NULL; p++)
		if (p == txt || p[-1] == ' ' || p[-1] == '\n')
			return sscanf(p + strlen(key), "%" SCNx64, v) == 1 ?
			    0 : -1;
	return -1;
}

static int
read_x86(struct qmp *q, struct vm_regs *o, struct pts_err *err)
{
	uint64_t cr0, cr3, cr4, efer;
	char *txt;
	int r;

	if (q == NULL)
		return pts_errf(err, PTS_EINVAL, "qmp_needed",
		    "An x86_64 guest's CR3 is not visible over the gdbstub: "
		    "give \"qmp\" too (QEMU -qmp unix:PATH,server,nowait).");
	if ((r = qmp_hmp(q, "info registers", &txt, err)) < 0)
		return r;
	r = hmp_reg(txt, "CR0", &cr0) | hmp_reg(txt, "CR3", &cr3) |
	    hmp_reg(txt, "CR4", &cr4) | hmp_reg(txt, "EFER", &efer);
	free(txt);
	if (r < 0)
		return pts_errf(err, PTS_EIO, "not_qemu",
		    "The monitor's 'info registers' shows no CR0/CR3/CR4/EFER.");
	keep(o, "cr0", cr0);
	keep(o, "cr3", cr3);
	keep(o, "cr4", cr4);
	keep(o, "efer", efer);
	if (!(cr0 >> 31 & 1))
		return pts_errf(err, PTS_EINVAL, "paging_off",
		    "The guest runs with paging off (CR0.PG = 0).");
	if (!(efer >> 10 & 1))
		return pts_errf(err, PTS_ENOTSUP, "unsupported_guest",
		    "The guest is not in long mode (EFER.LMA = 0).");
	o->arch = arch_find(cr4 >> 12 & 1 ? "x86_64-5l" : "x86_64-4l");
	o->root_pa[0] = o->root_pa[1] = cr3 & UINT64_C(0x000ffffffffff000);
	return 0;
}

/*
 * The table address in a TTBRn_EL1: BADDR in bits 47:1 (the ASID above,
 * CnP in bit 0); with 52-bit output addresses (FEAT_LPA2 with TCR.DS, or
 * 64 KiB pages with FEAT_LPA) BADDR[47:6] stays in place and BADDR[51:48]
 * moves to bits 5:2 (Arm ARM D19.2 TTBR1_EL1; Linux's phys_to_ttbr()).
 */
static uint64_t
arm64_ttbr_baddr(const struct arch *a, uint64_t ttbr)
{
	if (a->pa_bits == 52)
		return (ttbr & UINT64_C(0x0000ffffffffffc0)) |
		    ((ttbr >> 2) & 0xf) << 48;
	return ttbr & UINT64_C(0x0000fffffffffffe);
}

static int
read_arm64(struct gdbrsp *g, const struct vm_regmap *m, struct vm_regs *o,
    struct pts_err *err)
{
	uint64_t tcr, t0, t1, sctlr = 1;
	unsigned tg1, t1sz, kb;
	char id[32];
	int r;

	if ((r = gdbrsp_read_reg(g, (unsigned)m->tcr, &tcr, err)) < 0 ||
	    (r = gdbrsp_read_reg(g, (unsigned)m->ttbr0, &t0, err)) < 0 ||
	    (r = gdbrsp_read_reg(g, (unsigned)m->ttbr1, &t1, err)) < 0)
		return r;
	if (m->sctlr >= 0 &&
	    (r = gdbrsp_read_reg(g, (unsigned)m->sctlr, &sctlr, err)) < 0)
		return r;
	keep(o, "sctlr_el1", sctlr);
	keep(o, "tcr_el1", tcr);
	keep(o, "ttbr0_el1", t0);
	keep(o, "ttbr1_el1", t1);
	if (!(sctlr & 1))
		return pts_errf(err, PTS_EINVAL, "paging_off",
		    "The guest runs with the MMU off (SCTLR_EL1.M = 0).");
	/* TG1 (bits 31:30): 1 = 16K, 2 = 4K, 3 = 64K; T1SZ (21:16) */
	tg1 = (unsigned)(tcr >> 30) & 3;
	t1sz = (unsigned)(tcr >> 16) & 0x3f;
	kb = tg1 == 1 ? 16 : tg1 == 2 ? 4 : tg1 == 3 ? 64 : 0;
	snprintf(id, sizeof id, "arm64-%uk-%u", kb, 64 - t1sz);
	if (kb == 0 || (o->arch = arch_find(id)) == NULL)
		return pts_errf(err, PTS_ENOTSUP, "unsupported_guest",
		    "TCR_EL1 0x%" PRIx64 " means %s, which ptscope has no "
		    "arch for.", tcr, kb ? id : "a reserved granule");
	o->root_pa[0] = arm64_ttbr_baddr(o->arch, t0);
	o->root_pa[1] = arm64_ttbr_baddr(o->arch, t1);
	return 0;
}

static int
read_riscv(struct gdbrsp *g, const struct vm_regmap *m, struct vm_regs *o,
    struct pts_err *err)
{
	static const char *const modes[] = { [8] = "riscv-sv39",
	    [9] = "riscv-sv48", [10] = "riscv-sv57" };
	uint64_t satp;
	unsigned mode;
	int r;

	if ((r = gdbrsp_read_reg(g, (unsigned)m->satp, &satp, err)) < 0)
		return r;
	keep(o, "satp", satp);
	mode = (unsigned)(satp >> 60);
	if (mode == 0)
		return pts_errf(err, PTS_EINVAL, "paging_off",
		    "The guest runs with paging off (satp.MODE = Bare).");
	if (mode < 8 || mode > 10)
		return pts_errf(err, PTS_ENOTSUP, "unsupported_guest",
		    "satp.MODE %u is not Sv39, Sv48 or Sv57.", mode);
	o->arch = arch_find(modes[mode]);
	o->root_pa[0] = o->root_pa[1] =
	    (satp & ((UINT64_C(1) << 44) - 1)) << 12;
	return 0;
}

int
vm_regs_read(struct gdbrsp *g, struct qmp *q, const struct vm_regmap *m,
    struct vm_regs *o, struct pts_err *err)
{
	memset(o, 0, sizeof *o);
	switch (m->cpu) {
	case VM_X86_64:
		return read_x86(q, o, err);
	case VM_ARM64:
		return read_arm64(g, m, o, err);
	case VM_RISCV64:
		return read_riscv(g, m, o, err);
	}
	return PTS_EINVAL;
}
