/* SPDX-License-Identifier: MIT */
/*
 * fuzz-ptdump.c: libFuzzer harness for ptdump_parse().  The first byte
 * picks the arch (none: guessed, or one of the three layouts); whatever
 * parses is rendered and parsed again, and the two range lists must agree
 * (the round-trip property), so the harness checks meaning, not only
 * memory safety.  make check links it with tests/fuzz/replay.c instead of
 * libFuzzer to replay the kept corpus and crashers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptdump.h"
#include "ptdump-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The flags a range keeps through rendering: decode(encode(flags)).  Junk
   can hold tokens no real entry has together (MT(IO) and MT(NC)); the
   renderer prints one of them. */
static uint32_t
fuzz_canon(const struct ptdump_dump *d, uint32_t flags, bool block)
{
	struct strbuf sb = STRBUF_INIT;
	const char *unk;
	size_t unk_len;
	uint32_t f;

	ptdump_attrs_encode(d->fmt, flags, block, &sb);
	f = ptdump_flags_for_arch(d->arch, ptdump_attrs_decode(d->fmt, sb.buf,
	    &unk, &unk_len));
	strbuf_release(&sb);
	return f;
}

/* Abort when parse(render(d)) differs from d. */
static void
fuzz_round_trip(const struct ptdump_dump *d)
{
	struct strbuf sb = STRBUF_INIT;
	struct ptdump_dump d2 = { 0 };
	struct pts_err err = { 0 };

	ptdump_render(d->arch, &d->ranges, &sb);
	if (ptdump_dump_parse(sb.buf, sb.len, d->arch->id, &d2, &err) < 0) {
		fprintf(stderr, "re-parse failed: %s\n%s", err.msg, sb.buf);
		abort();
	}
	if (d2.ranges.n != d->ranges.n)
		abort();
	for (size_t i = 0; i < d->ranges.n; i++) {
		const struct pt_range *a = &d->ranges.v[i], *b = &d2.ranges.v[i];
		bool block = arch_level_pos(d->arch, a->level) + 1 <
		    (int)d->arch->nlevels;

		/* a range read from a dump is printed with its own tokens,
		   which decode to its own flags (arm32's DEV/CACHED is
		   device without nocache; the encoder would print DEV/SHARED) */
		uint32_t want = a->attrs_ptdump && a->attrs != NULL ?
		    a->flags : fuzz_canon(d, a->flags, block);

		if (a->start != b->start || a->end != b->end ||
		    a->level != b->level || want != b->flags)
			abort();
	}
	ptdump_dump_release(&d2);
	strbuf_release(&sb);
}

/* One input: byte 0 chooses the arch, the rest is the dump text. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const arches[] = { NULL, "x86_64-4l",
	    "arm64-4k-48", "riscv-sv39", "x86_64-5l", "riscv-sv57",
	    "arm64-64k-42", "armv7-2l" };
	struct ptdump_dump d = { 0 };
	struct pts_err err = { 0 };
	const char *arch;

	if (size == 0)
		return 0;
	arch = arches[data[0] % (sizeof arches / sizeof arches[0])];
	if (ptdump_dump_parse((const char *)data + 1, size - 1, arch, &d,
	    &err) < 0)
		return 0;
	/* riscv keeps no holes and the renderer makes its own for x86 and
	   arm64: parsing its output must give the same ranges back (a dump
	   of holes only renders as nothing, which is not a dump) */
	if (d.ranges.n > 0)
		fuzz_round_trip(&d);
	ptdump_dump_release(&d);
	return 0;
}
