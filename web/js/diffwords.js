/* SPDX-License-Identifier: MIT */
// diffwords.js: what changed between two generations, in sentences for
// people, from the entries of GET …/diff (docs/api.md, History): "512 ptes
// collapsed into a 2 MiB block at 0x7f…", "17 pages at … became read-only
// (copy-on-write after fork)", "pte table freed at …".  No DOM: the rules
// are unit-tested in Node (tests/web/diffwords.test.mjs).

import { big, hex, sizeName } from './util.js';

const LEVELS = ['pgd', 'p4d', 'pud', 'pmd', 'pte'];

// "1 page", "17 pages".
function plural(n, one, many = one + 's') {
	return `${n} ${n === 1 ? one : many}`;
}

// The VA range of a change: "0x…" for one entry, "0x…–0x…" (last byte) else.
function where(c) {
	const va = big(c.va);
	let end = big(c.end);
	if (end === 0n) end = 1n << 64n;
	if (c.entries === 1) return hex(va);
	return `${hex(va)}–${hex(end - 1n)}`;
}

// Bytes one entry of a change maps.
function entrySize(c) {
	let end = big(c.end);
	if (end === 0n) end = 1n << 64n;
	return (end - big(c.va)) / BigInt(c.entries || 1);
}

// What the entries of a change are: "4 pages", "a 2 MiB block", "3 1 GiB blocks".
function what(c, side) {
	const kind = side ? side.kind : 'page';
	const n = c.entries;
	if (kind === 'block') {
		const sz = sizeName(entrySize(c));
		return n === 1 ? `a ${sz} block` : `${n} ${sz} blocks`;
	}
	if (kind === 'swap') return plural(n, 'swap entry', 'swap entries');
	return plural(n, 'page');
}

// Access letters of a side's flags: "rw", "rx", "r" (present is readable).
function perms(flags) {
	const f = new Set(flags || []);
	return ((f.has('read') || f.has('present') ? 'r' : '') + (f.has('write') ? 'w' : '') +
		(f.has('exec') ? 'x' : '')) || 'no access';
}

// Whether change c lies inside [va, end) of change b.
function inside(c, b) {
	const bend = big(b.end) === 0n ? 1n << 64n : big(b.end);
	const cend = big(c.end) === 0n ? 1n << 64n : big(c.end);
	return big(c.va) >= big(b.va) && cend <= bend;
}

// Level depth: pgd 0 … pte 4.
function depth(level) {
	return LEVELS.indexOf(level);
}

// Blocks that replaced lower-level leaves (a collapse), or leaves that
// replaced a block (a split).  Marks the changes it explains in used.
function collapses(changes, used) {
	const out = [];
	changes.forEach((b, i) => {
		if (used.has(i)) return;
		const appeared = !b.before && b.after && b.after.kind === 'block';
		const went = b.before && b.before.kind === 'block' && !b.after;
		if (!appeared && !went) return;
		const parts = [];
		changes.forEach((c, j) => {
			if (j === i || used.has(j) || depth(c.level) <= depth(b.level) || !inside(c, b)) return;
			if (appeared ? (c.before && !c.after) : (!c.before && c.after)) parts.push(j);
		});
		if (!parts.length) return;
		const n = parts.reduce((s, j) => s + changes[j].entries, 0);
		const lower = changes[parts[0]].level;
		const block = `a ${sizeName(entrySize(b))} block`;
		const text = appeared ?
			`${plural(n, lower)} collapsed into ${block} at ${hex(b.va)}` :
			`${block} at ${hex(b.va)} was split into ${plural(n, lower)}`;
		used.add(i);
		for (const j of parts) used.add(j);
		out.push({ text, va: b.va, end: b.end, level: b.level, rule: appeared ? 'collapse' : 'split' });
	});
	return out;
}

// The sentence of a leaf change that was mapped, unmapped or changed.
function sentence(c) {
	const b = c.before, a = c.after;
	if (!b && a) return `mapped ${what(c, a)} ${perms(a.flags)} at ${where(c)}`;
	if (b && !a) return `unmapped ${what(c, b)} at ${where(c)}`;
	if (b.kind !== 'swap' && a.kind === 'swap') return `${what(c, b)} at ${where(c)} swapped out`;
	if (b.kind === 'swap' && a.kind !== 'swap') return `${what(c, a)} at ${where(c)} swapped in`;
	const subject = `${what(c, a)} at ${where(c)}`;
	const parts = flagWords(new Set(b.flags || []), new Set(a.flags || []), c.entries === 1);
	if (b.pa !== undefined && a.pa !== undefined && b.pa !== a.pa && c.entries === 1)
		parts.push(`moved to another frame (${hex(b.pa)} → ${hex(a.pa)})`);
	else if (b.pa !== undefined && a.pa !== undefined && b.pa !== a.pa)
		parts.push('moved to other frames');
	if (!parts.length) parts.push('changed (same kind and flags; descriptor or attributes differ)');
	return `${subject} ${joinAnd(parts)}`;
}

// "a", "a and b", "a, b and c".
function joinAnd(parts) {
	if (parts.length < 2) return parts.join('');
	return parts.slice(0, -1).join(', ') + ' and ' + parts[parts.length - 1];
}

// Words for the flags that went (b, not a) and came (a, not b); one: the
// subject is one entry ("is", "its").
function flagWords(b, a, one) {
	const are = one ? 'is' : 'are', their = one ? 'its' : 'their';
	const gone = f => b.has(f) && !a.has(f), came = f => !b.has(f) && a.has(f);
	const out = [];
	const done = new Set();
	const take = (...fs) => fs.forEach(f => done.add(f));
	if (gone('write') && came('cow')) {
		out.push('became read-only (copy-on-write after fork)');
		take('write', 'cow');
	} else if (gone('write')) {
		out.push('became read-only');
		take('write');
	} else if (came('write') && gone('cow')) {
		out.push('became writable again (copy-on-write broken: a private copy)');
		take('write', 'cow');
	} else if (came('write')) {
		out.push('became writable');
		take('write');
	}
	if (came('exec')) out.push('became executable');
	if (gone('exec')) out.push(`${are} no longer executable`);
	take('exec');
	if (gone('exclusive')) out.push(`${are} no longer exclusive (another process maps ${one ? 'it' : 'them'} too)`);
	if (came('exclusive')) out.push('became exclusive (mapped only here)');
	take('exclusive');
	if (came('dirty')) out.push('were written (dirty)');
	if (gone('dirty')) out.push('were cleaned (dirty cleared)');
	if (came('accessed')) out.push('were accessed');
	if (gone('accessed')) out.push(`lost ${their} accessed bit (aged)`);
	take('dirty', 'accessed');
	const added = [...a].filter(f => !b.has(f) && !done.has(f));
	const removed = [...b].filter(f => !a.has(f) && !done.has(f));
	if (added.length) out.push('gained ' + added.join(', '));
	if (removed.length) out.push('lost ' + removed.join(', '));
	return out;
}

// Sentences about the page-table pages added and freed.
function tableWords(t) {
	if (!t) return [];
	const list = t.list || [];
	const out = [];
	for (const change of ['freed', 'added']) {
		const verb = change === 'freed' ? 'freed' : 'allocated';
		const mine = list.filter(x => x.change === change);
		const byLevel = new Map();
		for (const x of mine) {
			if (!byLevel.has(x.level)) byLevel.set(x.level, []);
			byLevel.get(x.level).push(x);
		}
		for (const [level, xs] of byLevel) {
			const at = xs.length <= 3 ? xs.map(x => hex(x.va)).join(', ') :
				`${hex(xs[0].va)} … ${hex(xs[xs.length - 1].va)}`;
			out.push({ text: `${plural(xs.length, level + ' table')} ${verb} at ${at}`, va: xs[0].va,
				level, rule: 'table-' + change });
		}
		const n = t[change] || 0;
		if (n > mine.length)
			out.push({ text: `${plural(n - mine.length, 'page table')} ${verb}`, rule: 'table-' + change });
	}
	return out;
}

// Sentences for a diff ({changes, tables}): [{text, va, end, level, rule}],
// collapses and splits first, then leaf changes by VA, then tables.
export function describe(diff) {
	const changes = (diff && diff.changes) || [];
	const used = new Set();
	const out = collapses(changes, used);
	changes.forEach((c, i) => {
		if (used.has(i)) return;
		out.push({ text: sentence(c), va: c.va, end: c.end, level: c.level, rule: 'leaf' });
	});
	out.push(...tableWords(diff && diff.tables));
	for (const s of out) s.text = s.text.charAt(0).toUpperCase() + s.text.slice(1) + '.';
	return out;
}
