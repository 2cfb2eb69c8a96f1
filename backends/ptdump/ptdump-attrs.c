/* SPDX-License-Identifier: MIT */
/*
 * ptdump-attrs.c: the attribute columns of the three ptdump formats, both
 * ways: tokens to PTF_* flags (parsing) and flags to columns (rendering).
 * Layouts follow arch/x86/mm/dump_pagetables.c, arch/arm64/mm/ptdump.c,
 * arch/riscv/mm/ptdump.c and arch/arm/mm/dump.c; see docs/kernel.md.
 */
#include "config.h"

#include "ptdump-int.h"

#include <string.h>

/* One known token and the flags it sets. */
struct ptdump_tok {
	const char *tok;
	uint32_t flags;
};

static const struct ptdump_tok x86_toks[] = {
	{ "USR", PTF_USER }, { "RW", PTF_WRITE }, { "ro", 0 },
	{ "PWT", PTF_NOCACHE }, { "PCD", PTF_NOCACHE }, { "PSE", 0 },
	{ "PAT", 0 }, { "GLB", PTF_GLOBAL }, { "NX", 0 }, { "x", PTF_EXEC },
	{ NULL, 0 }
};

static const struct ptdump_tok arm64_toks[] = {
	{ "F", PTF_INVALID }, { "USR", PTF_USER }, { "ro", 0 },
	{ "RW", PTF_WRITE }, { "NX", PTF_PXN }, { "x", 0 }, { "SHD", 0 },
	{ "AF", PTF_ACCESSED }, { "NG", 0 }, { "CON", PTF_CONT },
	{ "BLK", 0 }, { "UXN", 0 }, { "GP", 0 },
	{ "DEVICE/nGnRnE", PTF_DEVICE }, { "DEVICE/nGnRE", PTF_DEVICE },
	{ "DEVICE/GRE", PTF_DEVICE }, { "MEM/NORMAL-NC", PTF_NOCACHE },
	{ "MEM/NORMAL", 0 }, { "MEM/NORMAL-TAGGED", 0 },
	{ "MEM/NORMAL-WT", 0 }, { NULL, 0 }
};

/*
 * arm32, arch/arm/mm/dump.c: pte_bits[] (USR, ro/RW, NX/x, SHD and one
 * memory type of L_PTE_MT_*), section_bits[] ("USR ro"-style AP pairs on
 * short descriptors, USR and ro/RW on LPAE, NX/x, SHD) and the domain of
 * the first-level entry (get_domain_name(), short descriptors only).
 * Strongly ordered and device types are not cacheable.
 */
static const struct ptdump_tok arm32_toks[] = {
	{ "USR", PTF_USER }, { "ro", 0 }, { "RW", PTF_WRITE }, { "NX", 0 },
	{ "x", PTF_EXEC }, { "SHD", 0 },
	{ "SO/UNCACHED", PTF_DEVICE | PTF_NOCACHE },
	{ "MEM/BUFFERABLE/WC", PTF_NOCACHE }, { "MEM/CACHED/WT", 0 },
	{ "MEM/CACHED/WBRA", 0 }, { "MEM/MINICACHE", 0 },
	{ "MEM/CACHED/WBWA", 0 }, { "DEV/SHARED", PTF_DEVICE | PTF_NOCACHE },
	{ "DEV/NONSHARED", PTF_DEVICE | PTF_NOCACHE },
	{ "DEV/WC", PTF_DEVICE | PTF_NOCACHE }, { "DEV/CACHED", PTF_DEVICE },
	{ "KERNEL", 0 }, { "USER", 0 }, { "IO", 0 }, { "VECTORS", 0 },
	{ "unknown", 0 }, { NULL, 0 }
};

/* Svpbmt IO is non-cacheable as well as strongly ordered. */
static const struct ptdump_tok riscv_toks[] = {
	{ ".", 0 }, { "..", 0 }, { "N", PTF_CONT }, { "MT(NC)", PTF_NOCACHE },
	{ "MT(IO)", PTF_DEVICE | PTF_NOCACHE }, { "MT(\?\?)", 0 }, { "D", PTF_DIRTY },
	{ "A", PTF_ACCESSED }, { "G", PTF_GLOBAL }, { "U", PTF_USER },
	{ "X", PTF_EXEC }, { "W", PTF_WRITE }, { "R", PTF_READ },
	{ "V", PTF_PRESENT }, { NULL, 0 }
};

/* The token table of a format. */
static const struct ptdump_tok *
ptdump_toks(enum ptdump_fmt fmt)
{
	switch (fmt) {
	case PTDUMP_FMT_X86:	return x86_toks;
	case PTDUMP_FMT_ARM64:	return arm64_toks;
	case PTDUMP_FMT_ARM32:	return arm32_toks;
	default:		return riscv_toks;
	}
}

/* Whether a token is riscv's "RSW(n)" (software bits, no flag). */
static bool
ptdump_tok_is_rsw(const char *s, size_t n)
{
	return n == 6 && memcmp(s, "RSW(", 4) == 0 && s[4] >= '0' &&
	    s[4] <= '3' && s[5] == ')';
}

/* Look one token up; false when the format does not know it. */
static bool
ptdump_tok_find(const struct ptdump_tok *t, const char *s, size_t n,
    uint32_t *flags)
{
	if (t == riscv_toks && ptdump_tok_is_rsw(s, n))
		return true;
	for (; t->tok != NULL; t++) {
		if (strlen(t->tok) == n && memcmp(t->tok, s, n) == 0) {
			*flags |= t->flags;
			return true;
		}
	}
	return false;
}

/* Flags every non-hole line of a format starts with. */
static uint32_t
ptdump_base_flags(enum ptdump_fmt fmt)
{
	return fmt == PTDUMP_FMT_RISCV ? 0 : PTF_PRESENT | PTF_READ;
}

/* Apply the rules that need more than one token (see docs/kernel.md). */
static uint32_t
ptdump_flags_fixup(enum ptdump_fmt fmt, uint32_t f, bool ng, bool uxn)
{
	if (fmt == PTDUMP_FMT_ARM64) {
		if (f & PTF_INVALID)
			f &= ~(uint32_t)(PTF_PRESENT | PTF_READ);
		if (!ng)
			f |= PTF_GLOBAL;
		/* EL0 mappings execute unless UXN; EL1 ones unless PXN */
		if ((f & PTF_USER) ? !uxn : !(f & PTF_PXN))
			f |= PTF_EXEC;
	}
	return f;
}

/* Decode space-separated attribute tokens into PTF_* flags. */
uint32_t
ptdump_attrs_decode(enum ptdump_fmt fmt, const char *attrs,
    const char **unknown, size_t *unknown_len)
{
	const struct ptdump_tok *t = ptdump_toks(fmt);
	uint32_t f = ptdump_base_flags(fmt);
	bool ng = false, uxn = false;
	const char *p = attrs;

	*unknown = NULL;
	*unknown_len = 0;
	while (p != NULL && *p != '\0') {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n == 0)
			break;
		ng |= (n == 2 && memcmp(p, "NG", 2) == 0);
		uxn |= (n == 3 && memcmp(p, "UXN", 3) == 0);
		if (!ptdump_tok_find(t, p, n, &f) && *unknown == NULL) {
			*unknown = p;
			*unknown_len = n;
		}
		p += n;
	}
	return ptdump_flags_fixup(fmt, f, ng, uxn);
}

/* The PTF_* flags a format can express. */
uint32_t
ptdump_attrs_mask(enum ptdump_fmt fmt)
{
	uint32_t common = PTF_PRESENT | PTF_READ | PTF_WRITE | PTF_EXEC |
	    PTF_USER | PTF_GLOBAL;

	switch (fmt) {
	case PTDUMP_FMT_X86:
		return common | PTF_NOCACHE;
	case PTDUMP_FMT_ARM64:
		return common | PTF_ACCESSED | PTF_CONT | PTF_DEVICE |
		    PTF_NOCACHE | PTF_PXN | PTF_INVALID;
	case PTDUMP_FMT_ARM32:	/* no nG, AF or dirty column */
		return (common & ~(uint32_t)PTF_GLOBAL) | PTF_DEVICE |
		    PTF_NOCACHE;
	default:
		return common | PTF_ACCESSED | PTF_DIRTY | PTF_CONT |
		    PTF_NOCACHE | PTF_DEVICE;
	}
}

/* Whether a token is an arm32 memory type (pte lines only). */
bool
ptdump_arm32_is_mt(const char *tok, size_t n)
{
	return (n > 4 && (memcmp(tok, "MEM/", 4) == 0 ||
	    memcmp(tok, "DEV/", 4) == 0)) || (n > 3 && memcmp(tok, "SO/", 3) == 0);
}

/* arm32 as arch/arm/mm/dump.c note_page() and dump_prot() print it: the
   domain ("KERNEL " / "USER   ", padded to 7), then " %s" per bit. */
void
ptdump_attrs_encode_arm32(bool lpae, uint32_t f, bool section,
    struct strbuf *out)
{
	bool user = f & PTF_USER;

	if (!lpae)
		strbuf_adds(out, user ? " USER   " : " KERNEL ");
	if (section && !lpae)
		strbuf_adds(out, user ? ((f & PTF_WRITE) ? " USR RW" :
		    " USR ro") : ((f & PTF_WRITE) ? "     RW" : "     ro"));
	else if (section)
		strbuf_adds(out, user ? " USR" : "");
	else
		strbuf_adds(out, user ? " USR" : "    ");
	if (!section || lpae)
		strbuf_adds(out, (f & PTF_WRITE) ? " RW" : " ro");
	strbuf_adds(out, (f & PTF_EXEC) ? " x " : " NX");
	strbuf_adds(out, " SHD");
	if (section)
		return;
	if (f & PTF_DEVICE)
		strbuf_adds(out, " DEV/SHARED");
	else if (f & PTF_NOCACHE)
		strbuf_adds(out, " MEM/BUFFERABLE/WC");
	else
		strbuf_adds(out, " MEM/CACHED/WBWA");
}

/* x86: 30 columns, as arch/x86/mm/dump_pagetables.c printk_prot(). */
static void
ptdump_encode_x86(uint32_t f, bool block, struct strbuf *out)
{
	strbuf_adds(out, (f & PTF_USER) ? "USR " : "    ");
	strbuf_adds(out, (f & PTF_WRITE) ? "RW " : "ro ");
	strbuf_adds(out, "    ");
	strbuf_adds(out, (f & PTF_NOCACHE) ? "PCD " : "    ");
	strbuf_adds(out, block ? "PSE " : "    ");
	strbuf_adds(out, "    ");
	strbuf_adds(out, (f & PTF_GLOBAL) ? "GLB " : "    ");
	strbuf_adds(out, (f & PTF_EXEC) ? "x  " : "NX ");
}

/* arm64: " token" per bit, as arch/arm64/mm/ptdump.c dump_prot(). */
static void
ptdump_encode_arm64(uint32_t f, bool block, struct strbuf *out)
{
	bool user = f & PTF_USER;
	bool nx = (f & PTF_PXN) || (!user && !(f & PTF_EXEC));

	strbuf_adds(out, (f & PTF_INVALID) ? " F" : "  ");
	strbuf_adds(out, user ? " USR" : "    ");
	strbuf_adds(out, (f & PTF_WRITE) ? " RW" : " ro");
	strbuf_adds(out, nx ? " NX" : " x ");
	strbuf_adds(out, " SHD");
	strbuf_adds(out, (f & PTF_ACCESSED) ? " AF" : "   ");
	strbuf_adds(out, (f & PTF_GLOBAL) ? "   " : " NG");
	strbuf_adds(out, (f & PTF_CONT) ? " CON" : "    ");
	strbuf_adds(out, block ? " BLK" : "    ");
	strbuf_adds(out, (user && (f & PTF_EXEC)) ? "    " : " UXN");
	strbuf_adds(out, "   ");
	if (f & PTF_DEVICE)
		strbuf_adds(out, " DEVICE/nGnRE");
	else if (f & PTF_NOCACHE)
		strbuf_adds(out, " MEM/NORMAL-NC");
	else
		strbuf_adds(out, " MEM/NORMAL");
}

/* riscv: 11 columns, as arch/riscv/mm/ptdump.c dump_prot(). */
static void
ptdump_encode_riscv(uint32_t f, struct strbuf *out)
{
	static const struct { uint32_t bit; const char *s; } bits[] = {
		{ PTF_DIRTY, " D" }, { PTF_ACCESSED, " A" },
		{ PTF_GLOBAL, " G" }, { PTF_USER, " U" }, { PTF_EXEC, " X" },
		{ PTF_WRITE, " W" }, { PTF_READ, " R" }, { PTF_PRESENT, " V" },
	};

	strbuf_adds(out, (f & PTF_CONT) ? " N" : " .");
	if (f & PTF_DEVICE)
		strbuf_adds(out, " MT(IO)");
	else if (f & PTF_NOCACHE)
		strbuf_adds(out, " MT(NC)");
	else
		strbuf_adds(out, "   ..  ");
	strbuf_adds(out, "   ..  ");
	for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
		strbuf_adds(out, (f & bits[i].bit) ? bits[i].s : " .");
}

/* Append the attribute columns for flags in the format's layout. */
void
ptdump_attrs_encode(enum ptdump_fmt fmt, uint32_t flags, bool block,
    struct strbuf *out)
{
	switch (fmt) {
	case PTDUMP_FMT_X86:
		ptdump_encode_x86(flags, block, out);
		break;
	case PTDUMP_FMT_ARM64:
		ptdump_encode_arm64(flags, block, out);
		break;
	case PTDUMP_FMT_ARM32:		/* no domain: LPAE's columns */
		ptdump_attrs_encode_arm32(true, flags, block, out);
		break;
	default:
		ptdump_encode_riscv(flags, out);
		break;
	}
}
