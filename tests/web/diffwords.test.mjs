/* SPDX-License-Identifier: MIT */
// diffwords.test.mjs: the wording rules of the timeline's diff panel
// (web/js/diffwords.js), in plain Node: diff entries shaped as GET …/diff
// answers (docs/api.md, History) in, sentences out.  Sizes are derived
// here: a pte maps 4 KiB, a pmd entry 2 MiB = 512 ptes, a pud 1 GiB.

import { describe } from '../../web/js/diffwords.js';

const KiB4 = 0x1000n, MiB2 = 0x200000n, GiB = 0x40000000n;
const hx = v => '0x' + v.toString(16);
const RW = ['present', 'read', 'write', 'user', 'accessed', 'dirty', 'anon'];
const without = (flags, ...fs) => flags.filter(f => !fs.includes(f));
const page = flags => ({ kind: 'page', flags });
const block = flags => ({ kind: 'block', flags });

// One diff entry of n leaves of size sz from va.
function ch(level, va, n, sz, before, after) {
	return { va: hx(va), end: hx((va + BigInt(n) * sz) & ((1n << 64n) - 1n)), level,
		entries: n, pages: Number(BigInt(n) * sz / KiB4), before, after };
}

const tables = (added = 0, freed = 0, list = []) => ({ added, freed, list });
const X = 0x7f0000200000n;

const cases = [
	['MADV_COLLAPSE: 512 ptes replaced by one pmd block, their table freed',
		{ changes: [ch('pte', X, 512, KiB4, page(RW), null), ch('pmd', X, 1, MiB2, null, block([...RW, 'thp']))],
			tables: tables(0, 1, [{ level: 'pte', va: hx(X), change: 'freed' }]) },
		[`512 ptes collapsed into a 2 MiB block at ${hx(X)}.`, `1 pte table freed at ${hx(X)}.`]],
	['a partly populated range collapses too (two runs of ptes, different flags)',
		{ changes: [ch('pte', X, 300, KiB4, page(RW), null),
			ch('pte', X + 300n * KiB4, 12, KiB4, page(without(RW, 'dirty')), null),
			ch('pmd', X, 1, MiB2, null, block(RW))], tables: tables(0, 1) },
		[`312 ptes collapsed into a 2 MiB block at ${hx(X)}.`, '1 page table freed.']],
	['a block split into ptes (a pmd split after mprotect of part of it)',
		{ changes: [ch('pte', X, 512, KiB4, null, page(RW)), ch('pmd', X, 1, MiB2, block(RW), null)],
			tables: tables(1, 0, [{ level: 'pte', va: hx(X), change: 'added' }]) },
		[`A 2 MiB block at ${hx(X)} was split into 512 ptes.`, `1 pte table allocated at ${hx(X)}.`]],
	['fork write-protects private writable pages (cow)',
		{ changes: [ch('pte', X, 17, KiB4, page(RW), page([...without(RW, 'write'), 'cow']))], tables: tables() },
		[`17 pages at ${hx(X)}–${hx(X + 17n * KiB4 - 1n)} became read-only (copy-on-write after fork).`]],
	['mprotect read-only',
		{ changes: [ch('pte', X + KiB4, 1, KiB4, page(RW), page(without(RW, 'write')))], tables: tables() },
		[`1 page at ${hx(X + KiB4)} became read-only.`]],
	['a write after fork: the cow page becomes a writable private copy in another frame',
		{ changes: [ch('pte', X, 1, KiB4, { ...page([...without(RW, 'write'), 'cow']), pa: '0x1000' },
			{ ...page(RW), pa: '0x5000' })], tables: tables() },
		[`1 page at ${hx(X)} became writable again (copy-on-write broken: a private copy) and moved to another frame (0x1000 → 0x5000).`]],
	['mapped 4 pages rw, with three new tables',
		{ changes: [ch('pte', X + KiB4, 4, KiB4, null, page(RW))],
			tables: tables(3, 0, [{ level: 'pud', va: '0x7f0000000000', change: 'added' },
				{ level: 'pmd', va: '0x7f0000000000', change: 'added' },
				{ level: 'pte', va: hx(X), change: 'added' }]) },
		[`Mapped 4 pages rw at ${hx(X + KiB4)}–${hx(X + 5n * KiB4 - 1n)}.`,
			'1 pud table allocated at 0x7f0000000000.', '1 pmd table allocated at 0x7f0000000000.',
			`1 pte table allocated at ${hx(X)}.`]],
	['mapped a 1 GiB block of the linear map (read, write, no user, no exec)',
		{ changes: [ch('pud', 0xffff888000000000n, 1, GiB, null, block(['present', 'read', 'write', 'global']))],
			tables: tables() },
		['Mapped a 1 GiB block rw at 0xffff888000000000.']],
	['mapped text rx; unmapped the last page of the address space (end wraps to 0)',
		{ changes: [ch('pte', 0x400000n, 2, KiB4, null, page(['present', 'read', 'exec', 'user', 'file'])),
			ch('pte', (1n << 64n) - KiB4, 1, KiB4, page(RW), null)], tables: tables() },
		['Mapped 2 pages rx at 0x400000–0x401fff.', 'Unmapped 1 page at 0xfffffffffffff000.']],
	['swap out and back in',
		{ changes: [ch('pte', X, 3, KiB4, page(RW), { kind: 'swap', flags: ['swapped'] }),
			ch('pte', X + MiB2, 1, KiB4, { kind: 'swap', flags: ['swapped'] }, page(RW))], tables: tables() },
		[`3 pages at ${hx(X)}–${hx(X + 3n * KiB4 - 1n)} swapped out.`, `1 page at ${hx(X + MiB2)} swapped in.`]],
	['PM_MMAP_EXCLUSIVE cleared: another process maps the pages too',
		{ changes: [ch('pte', X, 2, KiB4, page([...RW, 'exclusive']), page(RW))], tables: tables() },
		[`2 pages at ${hx(X)}–${hx(X + 2n * KiB4 - 1n)} are no longer exclusive (another process maps them too).`]],
	['the accessed bit aged, soft-dirty cleared',
		{ changes: [ch('pte', X, 1, KiB4, page([...RW, 'soft_dirty']), page(without(RW, 'accessed')))],
			tables: tables() },
		[`1 page at ${hx(X)} lost its accessed bit (aged) and lost soft_dirty.`]],
	['many tables freed at once are summarised',
		{ changes: [], tables: tables(0, 5, [0n, 1n, 2n, 3n, 4n].map(i => ({ level: 'pte', va: hx(X + i * MiB2), change: 'freed' }))) },
		[`5 pte tables freed at ${hx(X)} … ${hx(X + 4n * MiB2)}.`]],
	['nothing changed', { changes: [], tables: tables() }, []],
];

let fail = 0, n = 0;
console.log(`1..${cases.length}`);
for (const [name, diff, want] of cases) {
	n++;
	const got = describe(diff).map(s => s.text);
	if (JSON.stringify(got) === JSON.stringify(want)) {
		console.log(`ok ${n} - ${name}`);
	} else {
		fail++;
		console.log(`not ok ${n} - ${name}\n#   got:  ${JSON.stringify(got)}\n#   want: ${JSON.stringify(want)}`);
	}
}
process.exit(fail ? 1 : 0);
