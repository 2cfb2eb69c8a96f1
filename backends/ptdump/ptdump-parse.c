/* SPDX-License-Identifier: MIT */
/*
 * ptdump-parse.c: parse the text of a kernel page-table dump (x86, arm64,
 * riscv or arm32 layout) into ascending leaf ranges and section markers,
 * checking every line.
 *
 * Two passes: the first splits lines and reads the columns (the format is
 * fixed by the first range line), the second, once the arch is known,
 * maps level names to the arch's levels and checks alignment and
 * addresses.  Every error names the line and what was expected there.
 */
#include "config.h"

#include "ptdump-int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* The smallest leaf a level holds (its entry span when it lists none). */
uint64_t
ptdump_leaf_align(const struct arch *a, unsigned li)
{
	uint64_t span = arch_entry_span(a, li);
	const struct arch_level *l = &a->levels[li];

	if (l->nleaves > 0 && l->leaves[0].size < span)
		return l->leaves[0].size;
	return span;
}

/* One range or hole line after the first pass. */
struct pd_line {
	size_t lineno;
	uint64_t start, end;		/* end 0: 2^64 */
	uint64_t pa;			/* PT_UNKNOWN unless riscv */
	int level;			/* enum pt_level named by the line */
	bool hole;
	unsigned addr_digits;		/* hex digits of the start address */
	const char *attrs;		/* into the text; attrs_len bytes */
	size_t attrs_len;
	const char *marker;		/* section in force, into the text */
	size_t marker_len;
	bool named;			/* arm32: the line had a level name */
};

/* A marker line and the number of range lines before it. */
struct pd_mark {
	const char *name;
	size_t len;
	size_t at;
};

/* First-pass state. */
struct pd_scan {
	const char *text;
	size_t len, pos, lineno;
	struct pd_line *v;
	size_t n, cap;
	const char *marker;
	size_t marker_len;
	struct pd_mark *marks;
	size_t nmarks, marks_cap;
	struct ptdump_dump *d;
};

/* Name of a format for messages and info. */
const char *
ptdump_fmt_name(enum ptdump_fmt f)
{
	switch (f) {
	case PTDUMP_FMT_X86:	return "x86";
	case PTDUMP_FMT_ARM64:	return "arm64";
	case PTDUMP_FMT_RISCV:	return "riscv";
	case PTDUMP_FMT_ARM32:	return "arm32";
	default:		return "unknown";
	}
}

/* The format an arch family prints. */
enum ptdump_fmt
ptdump_fmt_of_arch(const struct arch *a)
{
	if (strncmp(a->family, "x86", 3) == 0)
		return PTDUMP_FMT_X86;
	if (strcmp(a->family, "riscv") == 0)
		return PTDUMP_FMT_RISCV;
	if (strcmp(a->family, "armv7") == 0)
		return PTDUMP_FMT_ARM32;
	return PTDUMP_FMT_ARM64;
}

/* Free what a dump owns. */
void
ptdump_dump_release(struct ptdump_dump *d)
{
	pt_ranges_release(&d->ranges);
	strbuf_release(&d->markers);
}

/* Record a warning (the first one's text is kept). */
static void
pd_warn(struct ptdump_dump *d, size_t lineno, const char *what, size_t n)
{
	if (d->nwarnings++ == 0)
		snprintf(d->warning, sizeof d->warning,
		    "line %zu: unknown attribute token '%.*s' (kept)", lineno,
		    (int)(n > 40 ? 40 : n), what);
}

/* Read "0x" and 1-16 hex digits at *p; advances *p.  -1 if absent. */
static int
pd_hex(const char **p, const char *end, uint64_t *v, unsigned *ndigits)
{
	const char *s = *p;
	unsigned n = 0;
	uint64_t x = 0;

	if (end - s < 3 || s[0] != '0' || s[1] != 'x')
		return -1;
	s += 2;
	while (s < end && isxdigit((unsigned char)*s)) {
		if (++n > 16)
			return -1;
		x = x << 4 | (uint64_t)(isdigit((unsigned char)*s) ? *s - '0' :
		    (tolower((unsigned char)*s) - 'a' + 10));
		s++;
	}
	if (n == 0)
		return -1;
	*v = x;
	if (ndigits)
		*ndigits = n;
	*p = s;
	return 0;
}

/* Skip spaces and tabs. */
static const char *
pd_skip(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* The multiplier of a size unit, 0 when unknown. */
static uint64_t
pd_unit(char c)
{
	static const char units[] = "BKMGTPE";
	const char *u = c ? strchr(units, c) : NULL;

	return u ? UINT64_C(1) << (10 * (u - units)) : 0;
}

/* The level a name means: x86 lowercase or arm64/riscv uppercase. */
static int
pd_level_name(const char *s, size_t n, bool upper)
{
	static const char *const lo[] = { "pgd", "p4d", "pud", "pmd", "pte" };
	static const char *const up[] = { "PGD", "P4D", "PUD", "PMD", "PTE" };

	if (n != 3)
		return -1;
	for (int i = 0; i < PT_NLEVELS; i++)
		if (memcmp(s, upper ? up[i] : lo[i], 3) == 0)
			return i;
	return -1;
}

/* Fail with "line N: expected ..." for the current line. */
#define PD_BAD(err, ln, fmt, ...) \
	pts_errf((err), PTS_EINVAL, "bad_ptdump", "line %zu: " fmt, \
	    (size_t)(ln), ##__VA_ARGS__)

/* Read the size column and compare it with end - start (mod 2^64). */
static int
pd_size(const char **pp, const char *end, struct pd_line *l,
    struct pts_err *err)
{
	const char *p = *pp;
	uint64_t v = 0, mult, bytes;
	unsigned n = 0;

	while (p < end && isdigit((unsigned char)*p)) {
		if (++n > 20 || __builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			return PD_BAD(err, l->lineno, "expected a size like "
			    "'4K' after the addresses, found a number too large");
		p++;
	}
	if (n == 0)
		return PD_BAD(err, l->lineno, "expected a size like '4K' "
		    "after the addresses");
	if (p >= end || (mult = pd_unit(*p)) == 0)
		return PD_BAD(err, l->lineno, "unknown size unit '%c' (expected "
		    "one of B K M G T P E after %" PRIu64 ")",
		    p < end && isprint((unsigned char)*p) ? *p : '?', v);
	p++;
	if (__builtin_mul_overflow(v, mult, &bytes))
		return PD_BAD(err, l->lineno, "the size %" PRIu64 "%c is over "
		    "2^64 bytes", v, p[-1]);
	if (bytes != l->end - l->start || bytes == 0)
		return PD_BAD(err, l->lineno, "expected the size of 0x%" PRIx64
		    "-0x%" PRIx64 " (0x%" PRIx64 " bytes), found %" PRIu64 "%c",
		    l->start, l->end, l->end - l->start, v, p[-1]);
	if (p < end && *p != ' ' && *p != '\t')
		return PD_BAD(err, l->lineno, "expected a space after the size");
	*pp = p;
	return 0;
}

/* x86: attribute tokens then a lowercase level name at the end. */
static int
pd_cols_x86(const char *p, const char *end, struct pd_line *l,
    struct pts_err *err)
{
	const char *q = end;

	while (q > p && q[-1] != ' ' && q[-1] != '\t')
		q--;
	l->level = pd_level_name(q, (size_t)(end - q), false);
	if (l->level < 0)
		return PD_BAD(err, l->lineno, "expected a level name (pgd, p4d, "
		    "pud, pmd or pte) at the end of the line");
	p = pd_skip(p, q);
	l->attrs = p;
	l->attrs_len = (size_t)(q - p);
	while (l->attrs_len > 0 && (p[l->attrs_len - 1] == ' ' ||
	    p[l->attrs_len - 1] == '\t'))
		l->attrs_len--;
	l->hole = l->attrs_len == 0;
	return 0;
}

/* arm64/riscv: an uppercase level name, then attribute tokens. */
static int
pd_cols_upper(const char *p, const char *end, struct pd_line *l,
    struct pts_err *err)
{
	p = pd_skip(p, end);
	l->level = pd_level_name(p, (size_t)(end - p) < 3 ? 0 : 3, true);
	if (l->level < 0 || (end - p > 3 && p[3] != ' ' && p[3] != '\t'))
		return PD_BAD(err, l->lineno, "expected a level name (PGD, P4D, "
		    "PUD, PMD or PTE) after the size");
	p = pd_skip(p + 3, end);
	l->attrs = p;
	l->attrs_len = (size_t)(end - p);
	l->hole = l->attrs_len == 0;
	return 0;
}

/* Whether the blank-separated words in [p, end) hold an arm32 memory type. */
static bool
pd_has_mt(const char *p, const char *end)
{
	while (p < end) {
		const char *q;

		p = pd_skip(p, end);
		for (q = p; q < end && *q != ' ' && *q != '\t'; q++)
			;
		if (ptdump_arm32_is_mt(p, (size_t)(q - p)))
			return true;
		p = q;
	}
	return false;
}

/* arm32: an optional level name (PGD/PMD/PTE, v5.x+), then the domain and
   attribute tokens.  Every line is a present range; without a level name
   a line with a memory type is a pte, else a section. */
static int
pd_cols_arm32(const char *p, const char *end, struct pd_line *l,
    struct pts_err *err)
{
	(void)err;
	p = pd_skip(p, end);
	l->level = -1;
	if (end - p >= 3 && (end - p == 3 || p[3] == ' ' || p[3] == '\t'))
		l->level = pd_level_name(p, 3, true);
	if (l->level >= 0) {
		l->named = true;
		p = pd_skip(p + 3, end);
	} else {
		l->level = pd_has_mt(p, end) ? PT_PTE : PT_PMD;
	}
	l->attrs = p;
	l->attrs_len = (size_t)(end - p);
	l->hole = false;
	return 0;
}

/* The format of one range line from its columns after the addresses;
   narrow: 8-digit addresses (x86-32 or arm32, told apart by x86's
   lowercase level name at the end). */
static enum ptdump_fmt
pd_line_fmt(const char *p, const char *end, bool narrow)
{
	const char *q = end;

	p = pd_skip(p, end);
	if (end - p >= 2 && p[0] == '0' && p[1] == 'x')
		return PTDUMP_FMT_RISCV;
	if (narrow) {
		while (q > p && q[-1] != ' ' && q[-1] != '\t')
			q--;
		return pd_level_name(q, (size_t)(end - q), false) >= 0 ?
		    PTDUMP_FMT_X86 : PTDUMP_FMT_ARM32;
	}
	while (p < end && isdigit((unsigned char)*p))
		p++;
	if (p < end)
		p++;		/* the unit */
	p = pd_skip(p, end);
	if (end - p >= 3 && pd_level_name(p, 3, true) >= 0)
		return PTDUMP_FMT_ARM64;
	return PTDUMP_FMT_X86;
}

/* Parse "0x...-0x..." and the columns after it. */
static int
pd_range_line(struct pd_scan *s, const char *p, const char *end,
    struct pts_err *err)
{
	struct pd_line l = { .lineno = s->lineno, .pa = PT_UNKNOWN };
	enum ptdump_fmt fmt;
	unsigned end_digits;
	int r;

	if (pd_hex(&p, end, &l.start, &l.addr_digits) < 0)
		return PD_BAD(err, s->lineno, "expected a start address '0x…' of "
		    "at most 16 hex digits");
	if (p >= end || *p != '-' || (p++, pd_hex(&p, end, &l.end,
	    &end_digits)) < 0)
		return PD_BAD(err, s->lineno, "expected '-0x…' (the end address) "
		    "after the start address");
	/* 32-bit kernels print 0x%08lx: the last range ends at 0x00000000 */
	if (l.end == 0 && l.addr_digits <= 8 && end_digits <= 8)
		l.end = UINT64_C(1) << 32;
	fmt = pd_line_fmt(p, end, l.addr_digits <= 8 && end_digits <= 8);
	if (s->d->fmt == PTDUMP_FMT_NONE)
		s->d->fmt = fmt;
	else if (fmt != s->d->fmt)
		return PD_BAD(err, s->lineno, "expected a range line in the %s "
		    "layout of the lines before it, found the %s layout",
		    ptdump_fmt_name(s->d->fmt), ptdump_fmt_name(fmt));
	p = pd_skip(p, end);
	if (fmt == PTDUMP_FMT_RISCV && pd_hex(&p, end, &l.pa, NULL) < 0)
		return PD_BAD(err, s->lineno, "expected the physical address "
		    "column '0x…'");
	p = pd_skip(p, end);
	if ((r = pd_size(&p, end, &l, err)) < 0)
		return r;
	r = fmt == PTDUMP_FMT_X86 ? pd_cols_x86(p, end, &l, err) :
	    fmt == PTDUMP_FMT_ARM32 ? pd_cols_arm32(p, end, &l, err) :
	    pd_cols_upper(p, end, &l, err);
	if (r < 0)
		return r;
	l.marker = s->marker;
	l.marker_len = s->marker_len;
	s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof *s->v);
	s->v[s->n++] = l;
	return 0;
}

/* "---[ name ]---": remember the section name. */
static int
pd_marker_line(struct pd_scan *s, const char *p, const char *end,
    struct pts_err *err)
{
	const char *name, *nend;

	if (end - p < 8 || memcmp(end - 4, "]---", 4) != 0)
		return PD_BAD(err, s->lineno, "expected a section marker of the "
		    "form '---[ name ]---'");
	name = pd_skip(p + 4, end - 4);
	nend = end - 4;
	while (nend > name && nend[-1] == ' ')
		nend--;
	s->marker = name;
	s->marker_len = (size_t)(nend - name);
	s->marks = xgrow(s->marks, &s->marks_cap, s->nmarks + 1,
	    sizeof *s->marks);
	s->marks[s->nmarks++] = (struct pd_mark){ name, s->marker_len, s->n };
	if (s->d->nmarkers++ > 0)
		strbuf_adds(&s->d->markers, ", ");
	strbuf_add(&s->d->markers, name, s->marker_len);
	return 0;
}

/* "... N entries skipped ... ": x86 swallowed lines past a limit. */
static int
pd_skipped_line(struct pd_scan *s, const char *p, const char *end,
    struct pts_err *err)
{
	char buf[80], word[16];
	unsigned long long n;
	int used = 0;

	if ((size_t)(end - p) >= sizeof buf)
		goto bad;
	memcpy(buf, p, (size_t)(end - p));
	buf[end - p] = '\0';
	if (sscanf(buf, "... %llu %15s skipped ...%n", &n, word, &used) != 2 ||
	    used != (int)(end - p) ||
	    (strcmp(word, "entries") != 0 && strcmp(word, "entry") != 0))
		goto bad;
	s->d->skipped += n;
	return 0;
bad:
	return PD_BAD(err, s->lineno, "expected '... N entries skipped ...'");
}

/* Check a line holds printable text only. */
static int
pd_check_bytes(const char *p, const char *end, size_t lineno,
    struct pts_err *err)
{
	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c < 0x20 && c != '\t') || c >= 0x7f)
			return PD_BAD(err, lineno, "expected text, found the "
			    "byte 0x%02x (is this a binary file?)", c);
	}
	return 0;
}

/* Past the printk timestamp "[    0.011576] " (CONFIG_PRINTK_TIME) that
   starts each line when a dump went to the kernel log: x86 prints its
   boot-time and EFI dumps there (ptdump_walk_pgd_level(NULL, ...) with
   efi=debug, or CONFIG_X86_PTDUMP's boot dump) and people paste dmesg. */
static const char *
pd_skip_printk_time(const char *p, const char *end)
{
	const char *q = p;
	bool digits = false, dot = false;

	if (q == end || *q != '[')
		return p;
	for (q++; q < end && *q == ' '; q++)
		;
	for (; q < end && (isdigit((unsigned char)*q) || *q == '.'); q++) {
		if (*q == '.') {
			if (dot || !digits)
				return p;
			dot = true;
		} else {
			digits = true;
		}
	}
	if (!digits || !dot || q == end || *q != ']')
		return p;
	q++;
	return q < end && *q == ' ' ? q + 1 : q;
}

/* Classify and read one line. */
static int
pd_line(struct pd_scan *s, const char *p, const char *end,
    struct pts_err *err)
{
	int r;

	p = pd_skip_printk_time(p, end);
	while (end > p && (end[-1] == ' ' || end[-1] == '\r' ||
	    end[-1] == '\t'))
		end--;
	if ((r = pd_check_bytes(p, end, s->lineno, err)) < 0)
		return r;
	if (p == end)
		return 0;
	if (end - p >= 4 && memcmp(p, "---[", 4) == 0)
		return pd_marker_line(s, p, end, err);
	if (end - p >= 3 && memcmp(p, "...", 3) == 0)
		return pd_skipped_line(s, p, end, err);
	if (end - p >= 2 && p[0] == '0' && p[1] == 'x')
		return pd_range_line(s, p, end, err);
	return PD_BAD(err, s->lineno, "expected a range line '0x…-0x… size "
	    "…', a section marker '---[ name ]---' or '... N entries skipped "
	    "...'");
}

/* First pass: every line. */
static int
pd_scan_all(struct pd_scan *s, struct pts_err *err)
{
	int r;

	while (s->pos < s->len) {
		const char *p = s->text + s->pos;
		const char *nl = memchr(p, '\n', s->len - s->pos);
		const char *end = nl ? nl : s->text + s->len;

		s->lineno++;
		if ((r = pd_line(s, p, end, err)) < 0)
			return r;
		s->pos = (size_t)(end - s->text) + (nl ? 1 : 0);
	}
	s->d->nlines = s->lineno;
	if (s->n == 0)
		return pts_errf(err, PTS_EINVAL, "bad_ptdump", "line %zu: "
		    "expected at least one range line '0x…-0x… size …' before "
		    "the end of the text", s->lineno + 1);
	return 0;
}

/* Whether va is canonical for a sign-extended width of bits. */
static bool
pd_canonical(uint64_t va, unsigned bits)
{
	uint64_t top = va >> (bits - 1);

	return top == 0 || top == (UINT64_MAX >> (bits - 1));
}

/* Bits needed to hold va in its half: arm64 kernel VAs start at
   -(1 << VA_BITS) (TTBR1), user VAs end below 1 << VA_BITS. */
static unsigned
pd_arm64_bits(uint64_t va)
{
	uint64_t v = (va >> 63) ? ~va : va;

	return v == 0 ? 0 : 64 - (unsigned)__builtin_clzll(v);
}

/* The granule the page and block lines fit: 64K pages with 512M blocks,
   16K with 32M, else 4K (arm64's ARM64_HW_PGTABLE_LEVEL_SHIFT(2)). */
static uint64_t
pd_arm64_granule(const struct pd_scan *s)
{
	uint64_t pte = 0, pmd = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct pd_line *l = &s->v[i];

		if (l->level == PT_PTE)
			pte |= l->start | l->end;
		else if (l->level == PT_PMD)
			pmd |= l->start | l->end;
	}
	if ((pte & 0xffff) == 0 && (pmd & ((UINT64_C(1) << 29) - 1)) == 0)
		return 65536;
	if ((pte & 0x3fff) == 0 && (pmd & ((UINT64_C(1) << 25) - 1)) == 0)
		return 16384;
	return 4096;
}

/* arm64: the smallest VA size of the granule that holds every address
   (the kernel's lowest line starts at PAGE_OFFSET = -(1 << VA_BITS)),
   so 52-bit dumps (FEAT_LVA, FEAT_LPA2) are told from 48-bit ones. */
/* Whether every level a line names (bit per enum pt_level) is a real
   level of the arch.  The kernel's page walker reports an entry of a
   folded level at the level it is folded into (real_depth() in
   mm/pagewalk.c), so a 64K dump naming its 512 MiB entries PMD has three
   levels (48 or 52 VA bits), one naming them PGD two (42 bits). */
static bool
pd_arm64_has_levels(const struct arch *a, unsigned named)
{
	for (int lv = PT_PGD + 1; lv < PT_PTE; lv++)
		if ((named & (1u << lv)) && arch_is_folded(a, (enum pt_level)lv))
			return false;
	return true;
}

static const struct arch *
pd_guess_arm64(const struct pd_scan *s)
{
	uint64_t granule = pd_arm64_granule(s);
	const struct arch *best = NULL;
	unsigned need = 0, named = 0;

	for (size_t i = 0; i < s->n; i++) {
		unsigned b = pd_arm64_bits(s->v[i].start);

		if (s->v[i].level >= 0)
			named |= 1u << s->v[i].level;

		if (b > need)
			need = b;
		if (s->v[i].end != 0 && !(s->v[i].end >> 63) &&
		    (b = pd_arm64_bits(s->v[i].end - 1)) > need)
			need = b;
	}
	for (size_t i = 0; i < arch_count(); i++) {
		const struct arch *a = arch_get(i);

		if (strcmp(a->family, "arm64") != 0 || a->page_size != granule ||
		    a->va_bits < need || !pd_arm64_has_levels(a, named))
			continue;
		if (best == NULL || a->va_bits < best->va_bits)
			best = a;
	}
	return best ? best : arch_find("arm64-4k-48");
}

/* Whether an arm32 line's attributes start with a domain name
   (get_domain_name() in arch/arm/mm/dump.c prints one on every line of a
   short-descriptor dump, never on LPAE). */
static bool
pd_arm32_has_domain(const struct pd_line *l)
{
	static const char *const names[] = { "KERNEL", "USER", "IO",
	    "VECTORS" };
	size_t n = 0;

	while (n < l->attrs_len && l->attrs[n] != ' ' && l->attrs[n] != '\t')
		n++;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i]) == n && memcmp(l->attrs, names[i], n) == 0)
			return true;
	return false;
}

/* arm32: LPAE names its sections PMD and has no domain column; short
   descriptors name them PGD, print a domain and have 1 MiB sections.
   Kernels before the level names (v5.x) leave only the domain to tell:
   a dump whose lines all lack one is LPAE. */
static const struct arch *
pd_guess_arm32(const struct pd_scan *s)
{
	bool domain = false;

	for (size_t i = 0; i < s->n; i++) {
		const struct pd_line *l = &s->v[i];

		if (l->named && l->level == PT_PMD)
			return arch_find("armv7-lpae");
		if (l->named && l->level == PT_PGD)
			return arch_find("armv7-2l");
		if (l->level != PT_PTE &&
		    ((l->start | l->end) & ((UINT64_C(1) << 21) - 1)))
			return arch_find("armv7-2l");
		domain = domain || pd_arm32_has_domain(l);
	}
	return arch_find(s->n > 0 && !domain ? "armv7-lpae" : "armv7-2l");
}

/* Guess the arch from the format and the addresses. */
static const struct arch *
pd_guess(const struct pd_scan *s)
{
	enum ptdump_fmt fmt = s->d->fmt;
	unsigned need = 0;

	if (fmt == PTDUMP_FMT_ARM32)
		return pd_guess_arm32(s);
	for (size_t i = 0; i < s->n; i++) {
		uint64_t va = s->v[i].start;

		if (s->v[i].addr_digits <= 8 && i == 0 &&
		    fmt == PTDUMP_FMT_X86)
			return arch_find("x86-32");
		if (!pd_canonical(va, 39) && need < 48)
			need = 48;
		if (!pd_canonical(va, 48))
			need = 57;
	}
	if (fmt == PTDUMP_FMT_ARM64)
		return pd_guess_arm64(s);
	if (fmt == PTDUMP_FMT_X86)
		return arch_find(need == 57 ? "x86_64-5l" : "x86_64-4l");
	return arch_find(need == 57 ? "riscv-sv57" :
	    need == 48 ? "riscv-sv48" : "riscv-sv39");
}

/* Fix the arch: the given one (which must fit the format) or a guess. */
static int
pd_arch(struct pd_scan *s, const char *arch_id, struct pts_err *err)
{
	struct ptdump_dump *d = s->d;

	if (arch_id == NULL || *arch_id == '\0') {
		d->arch = pd_guess(s);
		d->guessed = true;
		if (d->arch == NULL)
			return pts_errf(err, PTS_EINVAL, "bad_ptdump", "Could "
			    "not guess the arch of this %s dump; give one.",
			    ptdump_fmt_name(d->fmt));
		return 0;
	}
	if ((d->arch = arch_find(arch_id)) == NULL)
		return pts_errf(err, PTS_EINVAL, "unknown_arch", "Unknown arch "
		    "'%.60s' (GET /api/v1/arches lists them).", arch_id);
	if (ptdump_fmt_of_arch(d->arch) != d->fmt)
		return pts_errf(err, PTS_EINVAL, "bad_ptdump", "line %zu: the "
		    "text is in the %s ptdump layout, which arch %s (family %s) "
		    "does not print; expected the %s layout or another arch.",
		    s->v[0].lineno, ptdump_fmt_name(d->fmt), d->arch->id,
		    d->arch->family,
		    ptdump_fmt_name(ptdump_fmt_of_arch(d->arch)));
	return 0;
}

/* The arch position of a named level: folded levels go to the nearest
   existing level above, as the kernel's real_depth() does for holes. */
static int
pd_level_pos(const struct arch *a, int level)
{
	for (int lv = level; lv >= 0; lv--) {
		int li = arch_level_pos(a, (enum pt_level)lv);

		if (li >= 0)
			return li;
	}
	return -1;
}

/* Second-pass checks of one line: order, alignment, addresses. */
static int
pd_check_line(const struct ptdump_dump *d, const struct pd_line *l,
    const struct pd_line *prev, unsigned li, struct pts_err *err)
{
	const struct arch *a = d->arch;
	uint64_t align = l->hole ? a->page_size : ptdump_leaf_align(a, li);
	uint64_t last = l->end - 1;

	if (prev && prev->end == 0)
		return PD_BAD(err, l->lineno, "expected no range after line "
		    "%zu, which reaches the top of the address space", prev->lineno);
	if (prev && l->start < prev->end)
		return PD_BAD(err, l->lineno, "expected a range starting at or "
		    "above 0x%" PRIx64 " (the end of line %zu): ranges must "
		    "ascend without overlapping", prev->end,
		    prev->lineno);
	if (l->end != 0 && l->end <= l->start)
		return PD_BAD(err, l->lineno, "expected an end address above "
		    "the start 0x%" PRIx64, l->start);
	if ((l->start | l->end) & (align - 1))
		return PD_BAD(err, l->lineno, "expected a %s range to start and "
		    "end on a 0x%" PRIx64 " boundary (arch %s)",
		    a->levels[li].name, align, a->id);
	if (l->hole)
		return 0;
	if ((arch_va_is_user(a, l->start) && arch_va_is_user(a, last)) ||
	    (arch_va_is_kernel(a, l->start) && arch_va_is_kernel(a, last)))
		return 0;
	return PD_BAD(err, l->lineno, "expected addresses inside the user "
	    "(0x%" PRIx64 "-0x%" PRIx64 ") or kernel (0x%" PRIx64 "-0x%" PRIx64
	    ") range of arch %s", a->user_first, a->user_last,
	    a->kernel_first, a->kernel_last, a->id);
}

/* Adjust decoded flags to the arch: armv7 in the arm64 layout has no
   PXN (its NX column is the XN bit). */
uint32_t
ptdump_flags_for_arch(const struct arch *a, uint32_t flags)
{
	if (strcmp(a->family, "armv7") == 0)
		flags &= ~(uint32_t)PTF_PXN;
	return flags;
}

/* Turn one checked non-hole line into a range. */
static void
pd_add_range(struct ptdump_dump *d, const struct pd_line *l, unsigned li)
{
	char *attrs = xstrndup(l->attrs, l->attrs_len);
	const char *unk;
	size_t unk_len;
	struct pt_range *r;
	char *w = attrs;

	/* normalise runs of blanks to single spaces */
	for (const char *p = attrs; *p; p++)
		if (!((*p == ' ' || *p == '\t') && (w == attrs || w[-1] == ' ')))
			*w++ = (*p == '\t') ? ' ' : *p;
	while (w > attrs && w[-1] == ' ')
		w--;
	*w = '\0';
	r = pt_ranges_add(&d->ranges, attrs);
	r->start = l->start;
	r->end = l->end;
	r->level = d->arch->levels[li].level;
	r->pages = (l->end - l->start) >> d->arch->page_shift;
	r->pa = l->pa;
	r->flags = ptdump_flags_for_arch(d->arch,
	    ptdump_attrs_decode(d->fmt, attrs, &unk, &unk_len));
	if (unk != NULL)
		pd_warn(d, l->lineno, unk, unk_len);
	if (l->marker != NULL)
		r->marker = xstrndup(l->marker, l->marker_len);
	r->attrs_ptdump = true;
	free(attrs);
}

/* The markers at the VA where the kernel printed them: the start of the
   next range or hole line, or the end of the last one. */
static void
pd_add_markers(struct pd_scan *s)
{
	for (size_t i = 0; i < s->nmarks; i++) {
		const struct pd_mark *m = &s->marks[i];
		uint64_t va = m->at < s->n ? s->v[m->at].start :
		    s->v[s->n - 1].end;
		char *name = xstrndup(m->name, m->len);

		pt_ranges_add_marker(&s->d->ranges, va, name);
		free(name);
	}
}

/* Second pass: check every line against the arch and keep the ranges. */
static int
pd_build(struct pd_scan *s, struct pts_err *err)
{
	const struct pd_line *prev = NULL;
	int r;

	for (size_t i = 0; i < s->n; i++) {
		const struct pd_line *l = &s->v[i];
		int li = pd_level_pos(s->d->arch, l->level);

		if (li < 0)
			return PD_BAD(err, l->lineno, "expected a level of arch "
			    "%s", s->d->arch->id);
		if ((r = pd_check_line(s->d, l, prev, (unsigned)li, err)) < 0)
			return r;
		if (l->hole)
			s->d->nholes++;
		else
			pd_add_range(s->d, l, (unsigned)li);
		prev = l;
	}
	pd_add_markers(s);
	return 0;
}

/* Parse a dump into d; on failure d is released and err says why. */
int
ptdump_dump_parse(const char *text, size_t len, const char *arch_id,
    struct ptdump_dump *d, struct pts_err *err)
{
	struct pd_scan s = { .text = text, .len = len, .d = d };
	size_t i;
	int r;

	if (len > PTDUMP_MAX_TEXT)
		return pts_errf(err, PTS_E2BIG, "ptdump_too_large", "The dump "
		    "is %zu bytes; the limit is %u MiB.", len,
		    PTDUMP_MAX_TEXT >> 20);
	for (i = 0; i < len && isspace((unsigned char)text[i]); i++)
		;
	if (text == NULL || i == len)
		return pts_errf(err, PTS_EINVAL, "empty_ptdump", "The dump is "
		    "empty: expected the text of a kernel page-table dump.");
	r = pd_scan_all(&s, err);
	if (r == 0)
		r = pd_arch(&s, arch_id, err);
	if (r == 0)
		r = pd_build(&s, err);
	free(s.v);
	free(s.marks);
	if (r < 0)
		ptdump_dump_release(d);
	return r;
}
