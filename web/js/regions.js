/* SPDX-License-Identifier: MIT */
// regions.js: the overview's region table: every region of the space
// (a process's VMAs, a sim's runs of mappings, a ptdump's sections) with
// readable names and what it costs (GET .../regions), sortable by any
// column and filtered by name; a click opens the region's page table.

import * as api from './api.js';
import { h, setKids, big, hex, sizeName, num, errText } from './util.js';

let state = { rows: [], sort: 'start', desc: false, filter: '', box: null, open: null, locate: null };

// A name a person reads: [anon], [heap], a file's basename.
export function readableName(r) {
	const n = r.name || '';
	if (!n) return r.perms && r.perms[3] === 's' ? '[anon shared]' : '[anon]';
	if (n.startsWith('[')) return n;
	if (n.startsWith('/')) {
		const base = n.replace(/ \(deleted\)$/, '').split('/').pop();
		return n.endsWith(' (deleted)') ? base + ' (deleted)' : base;
	}
	return n;
}

// Columns: key, header, value for sorting, cell text.
const COLS = [
	['name', 'region', r => r.label.toLowerCase(), r => r.label],
	['start', 'start', r => r.s, r => hex(r.s)],
	['size', 'size', r => r.e - r.s, r => sizeName(r.e - r.s)],
	['perms', 'perms', r => r.perms || '', r => r.perms || ''],
	['rss_kb', 'RSS', r => r.rss_kb || 0, r => kb(r.rss_kb)],
	['anon_kb', 'anon', r => r.anon_kb || 0, r => kb(r.anon_kb)],
	['file_kb', 'file', r => r.file_kb || 0, r => kb(r.file_kb)],
	['swap_kb', 'swap', r => r.swap_kb || 0, r => kb(r.swap_kb)],
	['thp_kb', 'THP', r => r.thp_kb || 0, r => kb(r.thp_kb)],
	['table_pages', 'pte tables', r => r.table_pages || 0, r => num(r.table_pages || 0)],
	['deposited_tables', 'deposited', r => r.deposited_tables || 0, r => num(r.deposited_tables || 0)],
];

function kb(v) {
	return v === undefined ? '' : num(v) + ' kB';
}

// Load the regions of the current space into box; open(region) is called
// on a click of its name, locate(region) on its "map" button (the address
// map zooms to it).  Resolves to the /regions reply (or null).
export async function show(ctx, box, open, locate) {
	const space = ctx.space;
	state.box = box;
	state.open = open;
	state.locate = locate || null;
	let r;
	try {
		r = await api.get(api.spacePath(space.id, 'regions'));
	} catch (e) {
		if (ctx.space === space) ctx.notify(errText('Could not read the regions', e));
		return null;
	}
	if (ctx.space !== space) return null;
	state.rows = (r.regions || []).map(x => ({ ...x, s: big(x.start),
		e: big(x.end) === 0n ? 1n << 64n : big(x.end), label: readableName(x) }));
	draw();
	return r;
}

// Sort by key (the same key again flips the order).
function sortBy(key) {
	if (state.sort === key) state.desc = !state.desc;
	else {
		state.sort = key;
		state.desc = !['name', 'start', 'perms'].includes(key);
	}
	draw();
}

function compare(a, b) {
	const col = COLS.find(c => c[0] === state.sort) || COLS[1];
	const x = col[2](a), y = col[2](b);
	const c = x < y ? -1 : x > y ? 1 : (a.s < b.s ? -1 : a.s > b.s ? 1 : 0);
	return state.desc ? -c : c;
}

// The filter box, the table (the first 2000 rows), a count.
function draw() {
	const q = state.filter.trim().toLowerCase();
	// a name, or an address inside the region ("0x7f…")
	const at = /^0x[0-9a-f]+$/.test(q) ? BigInt(q) : null;
	const rows = state.rows.filter(r => !q || r.label.toLowerCase().includes(q) ||
		(r.name || '').toLowerCase().includes(q) || (at !== null && r.s <= at && at < r.e)).sort(compare);
	const head = COLS.map(([key, title]) => h('th', {
		'aria-sort': state.sort === key ? (state.desc ? 'descending' : 'ascending') : 'none' },
	h('button', { type: 'button', class: 'sort', dataset: { sort: key }, onclick: () => sortBy(key) },
		title, state.sort === key ? (state.desc ? ' ▼' : ' ▲') : '')));
	const body = rows.slice(0, 2000).map(r => h('tr', { dataset: { start: hex(r.s) } },
		COLS.map(([key, , , text], i) => h('td', { class: i === 0 ? '' : (key === 'perms' || key === 'start' ? 'mono' : 'num'),
			title: i === 0 ? (r.name || r.label) : null },
		i === 0 ? h('a', { href: '#', onclick: ev => { ev.preventDefault(); if (state.open) state.open(r); } }, text(r)) : text(r))),
		state.locate ? h('td', {}, mapButton(r)) : null));
	const filter = h('input', { type: 'search', id: 'rg-filter', placeholder: 'name or address', value: state.filter,
		'aria-label': 'Filter regions by name or by an address inside them', oninput: ev => { state.filter = ev.target.value; draw(); refocus(); } });
	setKids(state.box,
		h('div', { class: 'row-form' }, h('label', {}, 'Regions ', filter),
			h('span', { class: 'hint', id: 'rg-count' }, `${rows.length} of ${state.rows.length}` +
				(rows.length > 2000 ? ' (first 2000 shown)' : ''))),
		h('div', { class: 'scroll-x' }, h('table', { class: 'list', id: 'ov-table' },
			h('thead', {}, h('tr', {}, head, state.locate ? h('th', { 'aria-label': 'on the map' }) : null)),
			h('tbody', {}, body))),
		state.rows.length ? null : h('p', { class: 'hint' }, 'Nothing is mapped in this space yet.'));
}

// The last cell: "map" shows the region on the address map.
function mapButton(r) {
	return h('button', { type: 'button', class: 'map-show', title: 'Show it on the address map',
		'aria-label': `Show ${r.label} at ${hex(r.s)} on the address map`, onclick: () => state.locate(r) }, 'map');
}

// Keep typing in the filter after a redraw.
function refocus() {
	const f = document.getElementById('rg-filter');
	if (f) {
		f.focus();
		f.setSelectionRange(f.value.length, f.value.length);
	}
}

// A new space: forget the rows, keep the sort.
export function reset() {
	state.rows = [];
	state.filter = '';
}
