/* SPDX-License-Identifier: MIT */
// tables.js: the table explorer: one table drawn as a grid of all its
// entries, the breadcrumb of levels, the table's stats and entry details.
// Live: subscribed to the table over the WebSocket; deltas flash cells.

import * as api from './api.js';
import { $, h, setKids, big, hex, sizeName, num, signExtend, lowMask, errText } from './util.js';
import { LINUX_LEVELS, levelsOf, levelPos, isFolded, foldNote, foldNoteAll, levelLabel } from './levels.js';
import { entryDecoded } from './decoder.js';
import * as armv7 from './armv7.js';
import * as timeline from './timeline.js';

const KINDS = {
	table: { letter: 'T', name: 'table' },
	block: { letter: 'B', name: 'block' },
	page: { letter: 'P', name: 'page' },
	swap: { letter: 'S', name: 'swap' },
	none: { letter: '', name: 'empty' },
};

let ctx = null;
let cur = null;		// {node, generation, spec}
let children = new Map();	// index -> child
let cells = [];
let focusIdx = 0;
let wanted = null;	// spec being loaded
let tourMarks = new Set();	// entries a guided tour highlights (learn.js)
let pendingFocusVa = null;
let asked = null;	// the table last opened by hand (the timeline keeps it)
let following = false;	// open() called for the timeline

// Wire the grid's mouse and keyboard handling.
export function init(c) {
	ctx = c;
	const grid = $('grid');
	grid.addEventListener('mouseover', ev => {
		const cell = ev.target.closest('.cell');
		if (cell) details(Number(cell.dataset.i));
	});
	grid.addEventListener('mouseleave', () => details(focusIdx));
	grid.addEventListener('click', ev => {
		const cell = ev.target.closest('.cell');
		if (!cell) return;
		setFocus(Number(cell.dataset.i), true);
		activate(Number(cell.dataset.i));
	});
	grid.addEventListener('focusin', ev => {
		const cell = ev.target.closest('.cell');
		if (cell) details(Number(cell.dataset.i));
	});
	grid.addEventListener('keydown', gridKeys);
	drawLegend();
	timeline.follow(followTimeline);
	timeline.events.addEventListener('change', markHistory);
}

// The timeline moved: the same table as it was at the chosen generation,
// the focused entry kept; when that table did not exist then, the deepest
// one above it that did (a walk of its VA at that generation says which).
async function followTimeline() {
	if (!cur || !ctx.space) return;
	const space = ctx.space;
	const [level, va] = (asked || `${cur.node.level}:${cur.node.va}`).split(':');
	const focus = hex(entryVa(focusIdx));
	let spec = `${level}:${va}`;
	if (levelPos(ctx.arch, level) > 0) {
		let w = null;
		try {
			w = await api.get(api.spacePath(space.id, 'walk') + '?va=' + va + timeline.genParam('&'));
		} catch (e) {
			/* open() below reports it */
		}
		if (ctx.space !== space) return;
		const st = (w && w.steps) || [];
		if (w && !st.some(x => x.level === level))
			spec = st.length ? `${st[st.length - 1].level}:${va}` : rootSpec(opensOnKernel(space));
	}
	following = true;
	try {
		if (!await open(spec, focus, true)) await open(rootSpec(opensOnKernel(space)));
	} finally {
		following = false;
	}
}

// Mark the entries whose VA range holds a change between the timeline's
// compared generations.
function markHistory() {
	for (const c of cells)
		if (c) paint(c, Number(c.dataset.i));
}

let histOf = null, histRanges = [];	// the diff entries, as [va, end) BigInts

// Whether entry i covers a VA the timeline's diff changed.
function histChanged(i) {
	const ch = timeline.changes();
	if (!ch.length || !cur) return false;
	if (histOf !== ch) {		// parsed once per diff, not once per cell
		histOf = ch;
		histRanges = ch.map(x => [big(x.va), big(x.end) === 0n ? 1n << 64n : big(x.end)]);
	}
	const start = entryVa(i), end = start + entrySpan();
	return histRanges.some(([va, e]) => va < end && e > start);
}

// Forget the old space's table and subscription, and stop showing it: the
// breadcrumb and grid of a space no longer selected would pass for the new
// one's until its table has loaded.
export function spaceChanged() {
	cur = null;
	asked = null;
	wanted = null;
	children = new Map();
	cells = [];
	setKids($('crumbs'));
	setKids($('grid'));
	if (ctx.stream) ctx.stream.unsubscribe('tree');
}

// Show the view: the node asked for, the one already open, or the root.
export function show(c, params = {}) {
	if (params.node) open(params.node, params.focusVa);
	else if (cur) {
		ctx.writeHash({ node: `${cur.node.level}:${cur.node.va}` }, { replace: true });
		render();
		focusCell(false);
	} else open(rootSpec(opensOnKernel(ctx.space)));
}

// Kernel spaces (a kernel scenario, a kernel dump) open on the kernel root.
function opensOnKernel(s) {
	return !!s && (s.scenario === 'kernel' || s.kind === 'kernel' || s.kind === 'ptdump');
}

// The root table of the user (or kernel) half.
function rootSpec(kernel) {
	const s = ctx.space || {};
	if (kernel) {
		if (s.root_kernel) return s.root_kernel;
		return 'pgd:' + hex(big(ctx.arch.kernel_first || '0x0'));
	}
	return s.root_user || 'pgd:0x0';
}

// Load a table (spec "level:va") and subscribe to its changes (live), or
// as it was at the timeline's generation.  Resolves true once shown; quiet:
// no notice when it cannot be loaded.
export async function open(spec, focusVa, quiet) {
	wanted = spec;
	if (!following) asked = spec;
	tourMarks = new Set();
	pendingFocusVa = focusVa ? big(focusVa) : null;
	const hadFocus = !!(document.activeElement && document.activeElement.closest('#grid'));
	const space = ctx.space;
	let r;
	try {
		r = await api.get(api.spacePath(space.id, 'tree') + '?node=' + encodeURIComponent(spec) + '&depth=1' +
			timeline.genParam('&'));
	} catch (e) {
		if (wanted === spec && !quiet) ctx.notify(errText(`Could not open the table ${spec}`, e));
		return false;
	}
	if (wanted !== spec || ctx.space !== space) return false;
	setNode(r.node, r.generation, false);
	cur.spec = spec;
	if (timeline.generation() === null)
		ctx.stream.subscribe('tree', { type: 'subscribe', space: space.id,
			node: `${r.node.level}:${r.node.va}`, depth: 1, interval_ms: 500 }, onStream);
	else
		ctx.stream.unsubscribe('tree');
	render();
	if (pendingFocusVa !== null) focusVa2(pendingFocusVa);
	else focusIdx = firstUsed();
	focusCell(ctx.view === 'tables' && hadFocus);
	if (ctx.view === 'tables') ctx.writeHash({ node: `${r.node.level}:${r.node.va}` }, { asked: spec });
	return true;
}

// Mark the entries a tour step talks about (an empty list clears them).
export function highlight(indices) {
	tourMarks = new Set(indices);
	for (const c of cells)
		if (c) c.classList.toggle('tour-hl', tourMarks.has(Number(c.dataset.i)));
	if (indices.length && cells[indices[0]]) setFocus(indices[0], false);
}

// Focus the entry covering va in the current table.
function focusVa2(va) {
	const lv = levelsOf(ctx.arch)[levelPos(ctx.arch, cur.node.level)];
	const lin = va & lowMask(ctx.arch.va_bits);
	focusIdx = Number((lin >> BigInt(lv.shift)) & BigInt(cur.node.entries - 1));
}

// Index of the first non-empty entry (0 when all are empty).
function firstUsed() {
	const c = cur.node.children || [];
	return c.length ? c[0].index : 0;
}

// Make node the current table; flash changed entries when asked.
function setNode(node, generation, flash) {
	const old = children;
	cur = { node, generation, spec: cur ? cur.spec : null };
	children = new Map((node.children || []).map(c => [c.index, c]));
	if (!flash) return [];
	const changed = [];
	const all = new Set([...old.keys(), ...children.keys()]);
	for (const i of all)
		if (sig(old.get(i)) !== sig(children.get(i))) changed.push(i);
	return changed;
}

// A string that changes when anything shown about a child changes.
function sig(c) {
	if (!c) return '';
	const st = childStats(c);
	return JSON.stringify([c.kind, c.entry, c.flags, c.pa, c.size, st]);
}

// Stats of a table child (top level or inside its table object).
function childStats(c) {
	return c.stats || null;
}

// Handle a snapshot, delta, gone or error from the stream.
function onStream(m) {
	if (!cur) return;
	if (m.type === 'snapshot' && m.node) {
		if (m.node.level !== cur.node.level || big(m.node.va) !== big(cur.node.va)) return;
		const changed = setNode(m.node, m.generation, m.generation !== cur.generation);
		redraw(changed);
	} else if (m.type === 'delta') {
		applyDelta(m);
	} else if (m.type === 'gone' && m.reason === 'the space was deleted') {
		ctx.spaceGone(m.space, 'it was deleted');
	} else if (m.type === 'gone') {
		ctx.notify(`The process of ${m.space} has exited; its tables are gone.`);
	} else if (m.type === 'error' && m.error && m.error.code === 'no_such_space') {
		ctx.refreshSpaces().catch(() => {});	// announces the current space if it is the one gone
	} else if (m.type === 'error' && m.error && m.error.code !== 'not_subscribed') {
		ctx.notify(errText('Live updates', m.error));
	}
}

// Apply a delta: replace the changed nodes that are in the current tree.
function applyDelta(m) {
	const node = cur.node;
	let changed = [];
	for (const ch of m.changes || []) {
		const va = big(ch.va);
		if (ch.level === node.level && va === big(node.va)) {
			if (ch.node === null) {
				ctx.notify(`The ${node.level} table at ${hex(node.va)} no longer exists.`, 'info');
				continue;
			}
			const merged = 'children' in ch.node ? ch.node : { ...ch.node, children: node.children };
			changed = changed.concat(setNode(merged, m.generation, true));
			continue;
		}
		const c = [...children.values()].find(x => x.kind === 'table' && big(x.va) === va &&
			x.level === ch.level);
		if (!c) continue;
		if (ch.node === null) {
			children.delete(c.index);
			cur.node.children = cur.node.children.filter(x => x !== c);
		} else {
			// the server merges a table child's own fields into the child
			for (const k of ['stats', 'table_pa', 'span', 'entries', 'entry', 'flags'])
				if (k in ch.node) c[k] = ch.node[k];
		}
		changed.push(c.index);
	}
	cur.generation = m.generation;
	redraw(changed);
}

// Update the cells that changed, flash them, and refresh the side panes.
function redraw(changed) {
	for (const i of changed) {
		const cell = cells[i];
		if (!cell) continue;
		paint(cell, i);
		cell.classList.remove('changed');
		void cell.offsetWidth;	// restart the animation
		cell.classList.add('changed');
	}
	drawStats();
	details(focusIdx);
}

// Draw everything for the current table.
function render() {
	if (!cur) return;
	drawCrumbs();
	drawHead();
	drawGrid();
	drawStats();
	details(focusIdx);
}

// The breadcrumb PGD › P4D › PUD › PMD › PTE with folded levels greyed.
function drawCrumbs() {
	const arch = ctx.arch;
	const here = levelPos(arch, cur.node.level);
	const items = [];
	const notes = [];
	LINUX_LEVELS.forEach((name, k) => {
		if (k) items.push(h('span', { class: 'sep', 'aria-hidden': 'true' }, '›'));
		if (isFolded(arch, name)) {
			const note = foldNote(arch, name);
			notes.push(note);
			items.push(h('span', { class: 'crumb folded', 'data-level': name, title: note,
				'aria-label': `${name.toUpperCase()}: folded` }, name.toUpperCase(), h('small', {}, ' folded')));
			return;
		}
		const pos = levelPos(arch, name);
		if (pos < here)
			items.push(h('a', { class: 'crumb up', 'data-level': name, href: '#',
				onclick: ev => { ev.preventDefault(); open(`${name}:${cur.node.va}`, cur.node.va); } },
			levelLabel(arch, name)));
		else if (pos === here)
			items.push(h('span', { class: 'crumb current', 'data-level': name, 'aria-current': 'page' },
				levelLabel(arch, name)));
		else
			items.push(h('span', { class: 'crumb below', 'data-level': name }, levelLabel(arch, name)));
	});
	setKids($('crumbs'), h('div', { class: 'crumb-row' }, items),
		notes.length ? h('p', { class: 'fold-note hint' }, foldNoteAll(arch)) : null);
}

// The heading above the grid: what this table is, up, and the root halves.
function drawHead() {
	const n = cur.node;
	const arch = ctx.arch;
	const pos = levelPos(arch, n.level);
	const btns = [];
	if (pos > 0)
		btns.push(h('button', { type: 'button', id: 'tbl-up', onclick: up,
			title: 'Up to the parent table (Backspace)' }, '↑ Up'));
	if (arch.split_roots && pos === 0) {
		btns.push(h('button', { type: 'button', onclick: () => open(rootSpec(false)) }, 'User half (TTBR0)'));
		btns.push(h('button', { type: 'button', onclick: () => open(rootSpec(true)) }, 'Kernel half (TTBR1)'));
	}
	const end = big(n.va) + big(n.span) - 1n;
	setKids($('grid-head'), h('div', { class: 'grid-title' },
		h('strong', { id: 'tbl-title' }, `${levelLabel(arch, n.level)} table`),
		` ${hex(n.va)} – ${hex(end & ((1n << 64n) - 1n))} · ${sizeName(n.span)} · ${n.entries} entries`),
	h('div', { class: 'grid-btns' }, btns));
}

// Columns and cell size for a table of n entries (fixed: no layout jumps);
// zoom doubles the cells of the big tables.
function gridShape(n) {
	if (n <= 16) return { cols: n, size: 56 };
	if (n <= 1024) return { cols: 32, size: 22 };
	if (n <= 2048) return { cols: 64, size: zoom ? 22 : 13 };
	return { cols: 128, size: zoom ? 16 : 8 };
}

let zoom = false;	// big tables: larger cells
let usedOnly = false;	// big tables: rows without a used entry collapsed

// The first VA of row r (its first entry), short.
function rowVa(first) {
	return hex(entryVa(first));
}

// Column numbers above the grid: every column, or every 8th on tiny grids.
function axisRow(shape) {
	const step = shape.size < 20 ? 8 : shape.size < 40 ? 4 : 1;
	const heads = [h('div', { class: 'axis corner', role: 'columnheader' }, 'entry')];
	for (let c = 0; c < shape.cols; c++)
		heads.push(h('div', { class: 'axis col', role: 'columnheader', 'aria-label': `column +${c}` },
			c % step === 0 ? '+' + c : ''));
	return h('div', { role: 'row', class: 'grow axis-row' }, heads);
}

// A run of collapsed empty rows in used-only mode.
function gapRow(from, to) {
	return h('div', { role: 'row', class: 'grow' },
		h('div', { class: 'axis gap', role: 'rowheader' },
			`entries ${from}–${to} empty (${hex(entryVa(from))} – ${hex(entryVa(to) + entrySpan() - 1n)})`));
}

// Build all cells of the current table, with index and VA labels.
function drawGrid() {
	const n = cur.node.entries;
	const shape = gridShape(n);
	const grid = $('grid');
	grid.style.setProperty('--cols', shape.cols);
	grid.style.setProperty('--cell', shape.size + 'px');
	grid.dataset.entries = n;
	grid.classList.toggle('tiny', shape.size < 20);
	cells = new Array(n);
	const rows = [axisRow(shape)];
	let gapFrom = -1;
	for (let r = 0; r * shape.cols < n; r++) {
		const first = r * shape.cols, last = Math.min(n, first + shape.cols) - 1;
		let used = false;
		for (let i = first; i <= last && !used; i++) used = children.has(i);
		if (usedOnly && !used) {
			if (gapFrom < 0) gapFrom = first;
			continue;
		}
		if (gapFrom >= 0) {
			rows.push(gapRow(gapFrom, first - 1));
			gapFrom = -1;
		}
		const row = h('div', { role: 'row', class: 'grow', dataset: { first } },
			h('div', { class: 'axis rowlabel', role: 'rowheader', title: `entries ${first}–${last}` },
				h('span', { class: 'ri' }, String(first)), ' ', h('span', { class: 'rva mono' }, rowVa(first))));
		for (let i = first; i <= last; i++) {
			const cell = h('div', { role: 'gridcell', class: 'cell', tabindex: '-1', dataset: { i } });
			paint(cell, i);
			cells[i] = cell;
			row.append(cell);
		}
		rows.push(row);
	}
	if (gapFrom >= 0) rows.push(gapRow(gapFrom, n - 1));
	grid.replaceChildren(...rows);
	if (focusIdx >= n || !cells[focusIdx]) focusIdx = firstUsed();
	drawTools(n);
}

// The grid's tools: jump to an index or VA, and for big tables zoom and
// "used rows only".
function drawTools(n) {
	const box = $('grid-tools');
	if (!box) return;
	const big = n > 1024;
	const input = h('input', { id: 'grid-jump', type: 'text', size: 20, spellcheck: 'false',
		placeholder: 'index or VA', 'aria-label': 'Go to an entry: its index, or a VA it maps' });
	const err = h('span', { id: 'grid-jump-error', class: 'error', role: 'status' });
	setKids(box, h('form', { class: 'grid-jump', onsubmit: ev => {
		ev.preventDefault();
		const i = jumpIndex(input.value.trim());
		err.textContent = i === null ? `“${input.value}” is neither an index below ${n} nor a VA this table maps.` : '';
		if (i !== null) {
			if (!cells[i]) {		// in a collapsed row: show all rows
				usedOnly = false;
				drawGrid();
			}
			setFocus(i, true);
		}
	} }, input, h('button', { type: 'submit' }, 'Go'), err),
	big ? h('label', {}, h('input', { type: 'checkbox', id: 'grid-zoom', checked: zoom,
		onchange: ev => { zoom = ev.target.checked; drawGrid(); focusCell(false); } }), ' larger cells') : null,
	big ? h('label', {}, h('input', { type: 'checkbox', id: 'grid-used', checked: usedOnly,
		onchange: ev => { usedOnly = ev.target.checked; drawGrid(); focusCell(false); } }), ' used rows only') : null);
}

// The entry a typed index ("17") or VA ("0x7f...") names, or null.
function jumpIndex(text) {
	const n = cur.node.entries;
	if (/^[0-9]+$/.test(text)) {
		const i = Number(text);
		return i < n ? i : null;
	}
	let va;
	try {
		va = BigInt(text.startsWith('0x') ? text : '0x' + text);
	} catch (e) {
		return null;
	}
	const start = big(cur.node.va), span = big(cur.node.span);
	if (va < start || va - start >= span) return null;
	return Number((va - start) / entrySpan());
}

// Set a cell's kind, marks and label from its child (or empty).
function paint(cell, i) {
	const c = children.get(i);
	const kind = c ? c.kind : 'none';
	const flags = (c && c.flags) || [];
	cell.dataset.kind = kind;
	cell.textContent = KINDS[kind] ? KINDS[kind].letter : '?';
	cell.classList.toggle('w', flags.includes('write'));
	cell.classList.toggle('x', flags.includes('exec'));
	cell.classList.toggle('u', flags.includes('user'));
	cell.classList.toggle('tour-hl', tourMarks.has(i));
	const hc = histChanged(i);
	cell.classList.toggle('hist-changed', hc);
	cell.classList.toggle('super', armv7.isShort(ctx.arch) && flags.includes('cont') && flags.includes('section'));
	cell.setAttribute('aria-label', `entry ${i}: ${KINDS[kind] ? KINDS[kind].name : kind}` +
		(flags.length ? ', ' + flags.join(' ') : '') + (hc ? ', changed between the compared generations' : ''));
	cell.tabIndex = i === focusIdx ? 0 : -1;
}

// Move the keyboard focus to entry i.
function setFocus(i, domFocus) {
	if (!cells.length) return;
	i = Math.max(0, Math.min(cells.length - 1, i));
	if (!cells[i]) {		// a collapsed row: the nearest shown entry
		const dir = i >= focusIdx ? 1 : -1;
		let k = i;
		while (k >= 0 && k < cells.length && !cells[k]) k += dir;
		if (k < 0 || k >= cells.length) return;
		i = k;
	}
	if (cells[focusIdx]) cells[focusIdx].tabIndex = -1;
	focusIdx = i;
	focusCell(domFocus);
	details(i);
}

// Make the focused cell tabbable (and focused when asked).
function focusCell(domFocus) {
	const cell = cells[focusIdx];
	if (!cell) return;
	cell.tabIndex = 0;
	if (domFocus) cell.focus();
}

// Arrow keys move, Enter descends (or walks a page), Backspace goes up.
function gridKeys(ev) {
	const cols = gridShape(cur.node.entries).cols;
	const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols,
		PageUp: -cols * 8, PageDown: cols * 8 };
	if (moves[ev.key] !== undefined) setFocus(focusIdx + moves[ev.key], true);
	else if (ev.key === 'Home') setFocus(0, true);
	else if (ev.key === 'End') setFocus(cells.length - 1, true);
	else if (ev.key === 'Enter' || ev.key === ' ') activate(focusIdx);
	else if (ev.key === 'Backspace') up();
	else return;
	ev.preventDefault();
}

// Open the parent table.
function up() {
	const pos = levelPos(ctx.arch, cur.node.level);
	if (pos <= 0) return;
	const parent = levelsOf(ctx.arch)[pos - 1].name;
	open(`${parent}:${cur.node.va}`, cur.node.va);
}

// Click or Enter on entry i: descend into a table, walk a page or block.
function activate(i) {
	const c = children.get(i);
	if (!c) return;
	if (c.kind === 'table') open(`${childLevel(c)}:${c.va}`);
	else ctx.go('walk', { va: c.va });
}

// The level of the table a child points to.
function childLevel(c) {
	if (c.level) return c.level;
	const pos = levelPos(ctx.arch, cur.node.level);
	return levelsOf(ctx.arch)[pos + 1].name;
}

// First VA mapped by entry i of the current table.
function entryVa(i) {
	const c = children.get(i);
	if (c && c.va) return big(c.va);
	const arch = ctx.arch;
	const lv = levelsOf(arch)[levelPos(arch, cur.node.level)];
	const base = big(cur.node.va);
	const mask = lowMask(arch.va_bits);
	const lin = (base & mask) + (BigInt(i) << BigInt(lv.shift));
	if (arch.sign_extend) return signExtend(lin, arch.va_bits);
	return (base & ~mask & ((1n << 64n) - 1n)) | lin;
}

// Bytes one entry of the current table maps.
function entrySpan() {
	const lv = levelsOf(ctx.arch)[levelPos(ctx.arch, cur.node.level)];
	return 1n << BigInt(lv.shift);
}

// A label/value row for the details and stats cards.
function row(label, value, cls) {
	return [h('dt', {}, label), h('dd', { class: cls || null }, value)];
}

// Physical values: hidden (unknown) ones say why.
function phys(v) {
	if (v === null || v === undefined) return ctx.space.kind === 'sim' ? '—' : 'hidden';
	return hex(v);
}

// Show the details of entry i.
function details(i) {
	if (!cur) return;
	if (armv7.isShort(ctx.arch) && cur.node.level === 'pte') armv7.markPair($('pte-page-box'), i);
	const c = children.get(i);
	const va = entryVa(i);
	const span = c && c.size ? big(c.size) : entrySpan();
	const kind = c ? c.kind : 'none';
	const dl = h('dl', { class: 'kv' },
		row('Entry', `${cur.node.level}[${i}]`),
		row('VA range', `${hex(va)} – ${hex(va + span - 1n)}`, 'mono'),
		row('Maps', sizeName(span)),
		row('Kind', KINDS[kind] ? KINDS[kind].name : kind),
		c ? row('Entry value', phys(c.entry), 'mono') : null,
		c && c.entry_pa ? row('Entry at PA', hex(c.entry_pa), 'mono') : null,
		c && c.hw ? row('Hardware', armv7.isShort(ctx.arch) && cur.node.level === 'pgd' ?
			armv7.pgdWords(c, i, va) : c.hw.join(' '), 'mono') : null,
		c && armv7.isShort(ctx.arch) && cur.node.level === 'pgd' && (c.flags || []).includes('cont') ?
			row('Supersection', (sp => `16 MiB over pgd entries ${sp.first}–${sp.last} (hardware entries ${2 * sp.first}–${2 * sp.last + 1})`)(armv7.supersectionSpan(i))) : null,
		c ? row('Flags', h('span', { class: 'chips' }, (c.flags || []).map(f => h('span', { class: 'chip' }, f)))) : null,
		c && c.attrs && c.attrs.length ? row('Attributes', [].concat(c.attrs).join(' ')) : null,
		c && (c.kind === 'page' || c.kind === 'block') ? row('PA', phys(c.pa), 'mono') : null,
		c && c.kind === 'table' ? row('Next table at PA', phys(c.table_pa), 'mono') : null);
	const st = c && childStats(c);
	const actions = [];
	if (c && c.kind === 'table')
		actions.push(h('button', { type: 'button', onclick: () => activate(i) }, `Open ${childLevel(c).toUpperCase()} table`));
	if (c && c.kind !== 'table')
		actions.push(h('button', { type: 'button', onclick: () => ctx.go('walk', { va: hex(va) }) }, 'Explain the walk'));
	setKids($('cell-details'), h('h3', {}, 'Entry ' + i), dl, decodeSection(c),
		st ? h('p', { class: 'hint' }, `Below: ${num(st.present_pages)} pages, ${num(st.tables)} tables, ${num(st.blocks)} blocks, ${num(st.swapped_pages)} swapped`) : null,
		c ? null : h('p', { class: 'hint' }, 'Empty entry: nothing is mapped here.'),
		h('div', { class: 'actions' }, actions));
}

// "Decode the entry": its word(s) split into fields, fetched when opened.
function decodeSection(c) {
	if (!c || c.entry === null || c.entry === undefined) return null;
	const level = cur.node.level;
	const arch = ctx.arch.id;
	const words = [];
	if (arch === 'armv7-2l' && c.hw && level === 'pgd')
		c.hw.forEach(w => words.push([w, 'hw']));
	else if (arch === 'armv7-2l' && c.hw)
		words.push([c.entry, 'linux'], [c.hw[0], 'hw']);
	else
		words.push([c.entry, null]);
	const box = h('div', {});
	const sec = h('details', { class: 'decode' }, h('summary', {}, 'Decode the entry bit by bit'), box);
	sec.addEventListener('toggle', async () => {
		if (!sec.open || box.childElementCount) return;
		try {
			for (const [w, word] of words)
				box.append(await entryDecoded(arch, level, w, word));
		} catch (e) {
			box.append(h('p', { class: 'error' }, 'Decoding failed: ' + e.message));
		}
	}, { once: false });
	return sec;
}

// Stats of the current table.
function drawStats() {
	const n = cur.node;
	drawPtePage();
	const st = n.stats || {};
	const used = (n.children || []).length;
	setKids($('node-stats'), h('h3', {}, 'This table'),
		h('dl', { class: 'kv', id: 'stats-dl' },
			row('Level', levelLabel(ctx.arch, n.level)),
			row('Table at PA', phys(n.table_pa), 'mono'),
			row('Entries used', `${num(used)} of ${num(n.entries)}`),
			row('Present pages', num(st.present_pages)),
			row('Tables', num(st.tables)),
			row('Blocks', num(st.blocks)),
			row('Swapped pages', num(st.swapped_pages)),
			row('Generation', cur.generation === undefined ? '—' : String(cur.generation))));
}

// ARMv7 pte tables: the page's real layout, Linux and hardware copies.
function drawPtePage() {
	const box = $('pte-page-box');
	if (!box) return;
	if (!armv7.isShort(ctx.arch) || cur.node.level !== 'pte') {
		setKids(box);
		return;
	}
	setKids(box, armv7.ptePage(cur.node, children, i => setFocus(i, true)));
	armv7.markPair(box, focusIdx);
}

// The legend: colour, letter and pattern per kind, and the permission marks.
function drawLegend() {
	const kinds = ['none', 'table', 'block', 'page', 'swap'];
	setKids($('legend'),
		kinds.map(k => h('span', { class: 'lg' }, h('span', { class: 'cell sample', 'data-kind': k, 'aria-hidden': 'true' },
			KINDS[k].letter), KINDS[k].name)),
		h('span', { class: 'lg' }, h('span', { class: 'cell sample w', 'data-kind': 'page', 'aria-hidden': 'true' }, 'P'), 'writable (corner)'),
		h('span', { class: 'lg' }, h('span', { class: 'cell sample x', 'data-kind': 'page', 'aria-hidden': 'true' }, 'P'), 'executable (underline)'),
		h('span', { class: 'lg' }, h('span', { class: 'cell sample u', 'data-kind': 'page', 'aria-hidden': 'true' }, 'P'), 'user (dot)'));
}
